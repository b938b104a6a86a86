package cases

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/events"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Topics of the domain events cases enqueues, each with an EventPayload.
const (
	TopicSubmitted         = "case.submitted"
	TopicAccepted          = "case.accepted"
	TopicMaterialRequested = "case.material_requested"
	TopicDecided           = "case.decided"
	TopicCompleted         = "case.completed"
	TopicTransferred       = "case.transferred"
)

// EventPayload is the JSON payload of every case.* event. It carries identifiers and facts, never
// the applicant's name or documents.
type EventPayload struct {
	CaseID       string `json:"case_id"`
	Number       string `json:"number"`
	ParentID     string `json:"parent_id,omitempty"`
	BundleCode   string `json:"bundle_code,omitempty"`
	ItemCode     string `json:"item_code"`
	Org          string `json:"org"` // the handling organisation
	ReceivingOrg string `json:"receiving_org,omitempty"`
	Status       Status `json:"status"`
	// Applicant is the applicant's account, ActingFor the enterprise an agent applied for.
	Applicant int64     `json:"applicant"`
	ActingFor string    `json:"acting_for,omitempty"`
	At        time.Time `json:"at"`
	// case.decided and case.completed: the outcome; case.decided also the decision's time,
	// document digest (hex SHA-256) and ledger index.
	Outcome        Outcome    `json:"outcome,omitempty"`
	DecidedAt      *time.Time `json:"decided_at,omitempty"`
	DecisionSHA256 string     `json:"decision_sha256,omitempty"`
	LedgerIndex    *int64     `json:"ledger_index,omitempty"`
	// case.material_requested: the materials asked for.
	Materials []string `json:"materials,omitempty"`
	// case.transferred: the node the case went to.
	TransferredTo string `json:"transferred_to,omitempty"`
}

// payload describes r for an event.
func payload(r *row, at time.Time) EventPayload {
	return EventPayload{CaseID: r.ID, Number: r.number(), ParentID: r.parentID(), BundleCode: r.BundleCode,
		ItemCode: r.ItemCode, Org: r.HandlingOrg, ReceivingOrg: r.ReceivingOrg, Status: r.Status,
		Applicant: r.ApplicantAccount, ActingFor: r.ActingFor, At: at, Outcome: r.Outcome}
}

// party says which side p is on for the timeline.
func party(p principal.Principal) string {
	switch p.Kind {
	case principal.Official:
		return PartyOfficial
	case principal.Resident, principal.Agent:
		return PartyApplicant
	}
	if strings.HasPrefix(p.Login, "node:") {
		return PartyRemote
	}
	return PartySystem
}

// timelineEntry is one case_events row to write.
type timelineEntry struct {
	kind     string
	internal bool
	note     string
	detail   map[string]any
	at       time.Time // tx.Now when zero
}

// addEvents queues timeline entries of case caseID by p (written when the transaction's work
// ends).
func addEvents(ctx context.Context, tx *store.Tx, caseID string, p principal.Principal, es ...timelineEntry) error {
	org := ""
	if p.Kind == principal.Official {
		org = p.OrgCode
	}
	for _, e := range es {
		detail := ""
		if len(e.detail) > 0 {
			b, err := json.Marshal(e.detail)
			if err != nil {
				return err
			}
			detail = string(b)
		}
		at := e.at
		if at.IsZero() {
			at = tx.Now
		}
		tx.InsertLater("case_events", "case_id, at, kind, actor, party, org, internal, note, detail",
			caseID, at, e.kind, p.Actor(), party(p), org, b2i(e.internal), e.note, detail)
	}
	return nil
}

// change writes the audit record of a change of r by the principal in ctx.
func change(ctx context.Context, tx *store.Tx, action string, r *row, before Status, detail map[string]any) error {
	if detail == nil {
		detail = map[string]any{}
	}
	detail["number"] = r.number()
	detail["status"] = string(r.Status)
	if err := audit.Record(ctx, tx, audit.Change{Action: action, ObjectType: "case", ObjectID: r.ID,
		Before: map[string]string{"status": string(before)}, After: map[string]string{"status": string(r.Status)},
		Detail: detail}); err != nil {
		return err
	}
	// Every change goes through here, so a received case reports each new status of its own.
	return reportToOrigin(ctx, tx, r, before)
}

// enqueue writes a domain event about r.
func enqueue(ctx context.Context, tx *store.Tx, topic string, pl EventPayload) error {
	return events.Enqueue(ctx, tx, topic, pl)
}

// Links in notifications: the applicant's and the officials' page of a case.
func applicantLink(id string) string { return "/my/cases/" + id }
func officialLink(id string) string  { return "/work/cases/" + id }

// tellApplicant sends the applicant of r a message (key with the case number and item name).
// The applicant of a case received from another province is told there, not here.
func (s *Service) tellApplicant(ctx context.Context, tx *store.Tx, r *row, key string) error {
	if s.cfg.Notifier == nil || r.OriginNode != "" {
		return nil
	}
	return s.cfg.Notifier.SendTx(ctx, tx, r.ApplicantAccount, key, []string{r.number(), r.NameHans}, applicantLink(r.ID))
}

// tellOfficials sends each of accounts a message about r.
func (s *Service) tellOfficials(ctx context.Context, tx *store.Tx, r *row, accounts []int64, key string) error {
	if s.cfg.Notifier == nil {
		return nil
	}
	for _, a := range accounts {
		if err := s.cfg.Notifier.SendTx(ctx, tx, a, key, []string{r.number(), r.NameHans}, officialLink(r.ID)); err != nil {
			return err
		}
	}
	return nil
}

// officialsTTL is how long the officials to notify of an organisation are remembered: every
// submission tells them, and who they are changes seldom (someone appointed just now sees new
// cases on the worklist until then).
const officialsTTL = 30 * time.Second

type officialsEntry struct {
	ids     []int64
	expires time.Time
}

// officials returns the accounts of org's officials holding any of roles, to notify; none
// without a Notifier (nothing would be sent).
func (s *Service) officials(ctx context.Context, org string, roles ...string) ([]int64, error) {
	if s.cfg.Notifier == nil || org == "" {
		return nil, nil
	}
	key := org + "\x00" + strings.Join(roles, "\x00")
	now := s.db.Clock().Now()
	if v, ok := s.officialsCache.Load(key); ok {
		if e := v.(officialsEntry); now.Before(e.expires) {
			return e.ids, nil
		}
	}
	ids, err := s.cfg.People.Officials(ctx, org, roles...)
	if err != nil {
		return nil, err
	}
	s.officialsCache.Store(key, officialsEntry{ids: ids, expires: now.Add(officialsTTL)})
	return ids, nil
}

// b2i stores a bool in the INTEGER columns both engines share.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
