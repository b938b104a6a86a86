package license

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/events"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// ConsumerIssue is the event consumer that issues licences for approved cases.
const ConsumerIssue = "license.issue"

// topicCaseDecided is the event internal/cases enqueues when a case is decided.
const topicCaseDecided = "case.decided"

// caseDecided is what the consumer reads of a case.decided payload (cases.EventPayload; the
// domains do not import each other).
type caseDecided struct {
	CaseID    string     `json:"case_id"`
	ItemCode  string     `json:"item_code"`
	Org       string     `json:"org"`
	Applicant int64      `json:"applicant"`
	ActingFor string     `json:"acting_for"`
	Outcome   string     `json:"outcome"`
	DecidedAt *time.Time `json:"decided_at"`
}

// outcomeApproved is the outcome of an approved case.
const outcomeApproved = "approved"

// Subscribe has d deliver case.decided to the service: a case approved for a service item that
// a published licence type links issues that licence to the applicant (the resident, or the
// enterprise an agent applied for), with the face data from the case's form, valid from the day
// of the decision for the longest validity the type allows, by the handling organisation. Each
// case issues once, however often the event comes. It needs Config.Cases and Config.Holders.
func (s *Service) Subscribe(d *events.Dispatcher) {
	d.Subscribe(ConsumerIssue, topicCaseDecided, s.onCaseDecided)
}

func (s *Service) onCaseDecided(ctx context.Context, e events.Event) (err error) {
	defer errs.Wrap(&err, "license: case.decided %d", e.ID)
	var ev caseDecided
	if err := e.Decode(&ev); err != nil || ev.CaseID == "" || ev.Org == "" {
		return events.Permanent(errors.Join(err, errors.New("license: bad case.decided payload")))
	}
	if ev.Outcome != outcomeApproved {
		return nil
	}
	typ, ok, err := s.typeForItem(ctx, s.db, ev.ItemCode)
	if err != nil || !ok {
		return err
	}
	if done, err := s.issuedForCase(ctx, s.db, ev.CaseID); err != nil || done {
		return err
	}
	if s.cfg.Cases == nil || s.cfg.Holders == nil {
		return errors.New("license: Config.Cases and Config.Holders are needed to issue for cases")
	}
	ctx = principal.With(ctx, principal.SystemPrincipal)
	req := IssueRequest{TypeCode: typ.Code, IssuerOrg: ev.Org, LinkedItem: ev.ItemCode, CaseID: ev.CaseID,
		Account: ev.Applicant, Face: map[string]string{}}
	if ev.DecidedAt != nil {
		req.ValidFrom = ev.DecidedAt.In(clock.China).Format(dateLayout)
	}
	if ev.ActingFor != "" {
		req.HolderCodeType, req.HolderCode = HolderCodeCreditCode, ev.ActingFor
		req.HolderName, _, err = s.cfg.Holders.Enterprise(ctx, ev.ActingFor)
	} else {
		req.HolderCodeType = HolderCodeResidentID
		req.HolderName, req.HolderCode, err = s.cfg.Holders.Resident(ctx, ev.Applicant)
	}
	if err != nil {
		return permanentIf(err, errs.NotFound)
	}
	form, err := s.cfg.Cases.CaseForm(ctx, ev.CaseID)
	if err != nil {
		return permanentIf(err, errs.NotFound)
	}
	for _, f := range typ.Fields {
		switch v := form[f.Key].(type) {
		case string:
			req.Face[f.Key] = v
		case float64:
			req.Face[f.Key] = strconv.FormatFloat(v, 'f', -1, 64)
		}
	}
	if _, err := s.issuerSigner(ctx, ev.Org); err != nil {
		return err
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		if done, err := s.issuedForCase(ctx, tx, ev.CaseID); err != nil || done {
			return err
		}
		_, err := s.IssueTx(ctx, tx, principal.SystemPrincipal, req)
		return err
	})
	// A case whose form does not make a licence of the type will not make one on a retry.
	return permanentIf(err, errs.Invalid)
}

// permanentIf marks err permanent (no retry) if it is of kind k.
func permanentIf(err error, k errs.Kind) error {
	if errs.Is(err, k) {
		return events.Permanent(err)
	}
	return err
}

// issuedForCase reports whether a licence was issued for case id.
func (s *Service) issuedForCase(ctx context.Context, g getter, caseID string) (bool, error) {
	var n int
	err := g.Get(ctx, &n, `SELECT COUNT(*) FROM licences WHERE case_id = ?`, caseID)
	return n > 0, err
}
