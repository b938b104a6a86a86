package cases

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/blob"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Province-to-province transfer (跨省通辦, 收受分離 across nodes). A window here collects an
// application for an item whose competent organisation is in another province; ExportTransfer
// hands it over as a Transfer, which the federation carries, signed by this node, to the node
// of that province (named by its province's region code, e.g. "330000"); that node reports back
// with TransferStatus messages, which the federation checks and gives to ApplyTransferStatus.
// These two types are the contract between nodes: their JSON field names and meaning do not
// change within a Version.

// TransferVersion is the version of the transfer contract.
const TransferVersion = 1

// Transfer is what the sending node (A) gives the receiving node (B) for one case.
type Transfer struct {
	Version     int    `json:"version"`
	SendingNode string `json:"sending_node"` // A, e.g. "350000"
	// CaseNumber is the case's number on A; B reports back under it.
	CaseNumber  string `json:"case_number"`
	ItemCode    string `json:"item_code"`
	ItemVersion int    `json:"item_version"`
	// HandlingOrg is the competent organisation's code as B's catalogue names it; ReceivingOrg
	// the window on A that collected the application.
	HandlingOrg   string             `json:"handling_org"`
	ReceivingOrg  string             `json:"receiving_org"`
	Channel       Channel            `json:"channel"`
	Applicant     TransferApplicant  `json:"applicant"`
	Form          map[string]any     `json:"form"`
	Materials     []TransferMaterial `json:"materials"`
	SubmittedAt   time.Time          `json:"submitted_at"`
	TransferredAt time.Time          `json:"transferred_at"`
	// Signature is the slot for A's signature over SigningBytes; the federation fills it when
	// sending and checks it on arrival. Empty as ExportTransfer returns it.
	Signature []byte `json:"signature,omitempty"`
}

// TransferApplicant identifies the applicant by document, as both nodes' registers do.
type TransferApplicant struct {
	Kind ApplicantKind `json:"kind"`
	// IDType and IDNumber are the person's (for an enterprise: the agent's) identity document.
	IDType   string `json:"id_type"`
	IDNumber string `json:"id_number"`
	Name     string `json:"name"`
	// CreditCode and EnterpriseName are set when an agent applied for an enterprise.
	CreditCode     string `json:"credit_code,omitempty"`
	EnterpriseName string `json:"enterprise_name,omitempty"`
}

// TransferMaterial is a material of a transferred case: its file (content and SHA-256), or a
// licence or shared-data material for B to fetch.
type TransferMaterial struct {
	Code     string         `json:"code"`
	Status   MaterialStatus `json:"status"` // MaterialProvided or MaterialToFetch
	FileName string         `json:"file_name,omitempty"`
	Format   string         `json:"format,omitempty"`
	SHA256   string         `json:"sha256,omitempty"`
	Content  []byte         `json:"content,omitempty"`
}

// TransferStatus is what B reports back about a transferred case.
type TransferStatus struct {
	Version int `json:"version"`
	// Node is B (as Transfer named it by the item's province), CaseNumber A's number, and
	// RemoteNumber B's own.
	Node         string    `json:"node"`
	CaseNumber   string    `json:"case_number"`
	RemoteNumber string    `json:"remote_number"`
	Status       Status    `json:"status"`
	Outcome      Outcome   `json:"outcome,omitempty"`
	At           time.Time `json:"at"`
	Note         string    `json:"note,omitempty"`
	// DecisionSHA256 is the hex SHA-256 of B's decision document, once decided.
	DecisionSHA256 string `json:"decision_sha256,omitempty"`
	// Signature is the slot for B's signature over SigningBytes (the federation's).
	Signature []byte `json:"signature,omitempty"`
}

// canonicalJSON encodes v without HTML escaping or a final newline.
func canonicalJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic("cases: a transfer does not encode: " + err.Error())
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// SigningBytes returns what a node signs of a transfer: its JSON without the signature.
func (t Transfer) SigningBytes() []byte {
	t.Signature = nil
	return canonicalJSON(t)
}

// SigningBytes returns what a node signs of a status report: its JSON without the signature.
func (t TransferStatus) SigningBytes() []byte {
	t.Signature = nil
	return canonicalJSON(t)
}

// Check verifies what a receiving node must before taking a transfer in: its version, the
// fields it cannot do without, and that every file's content has its stated SHA-256. Returns
// errs.Invalid naming the field.
func (t Transfer) Check() error {
	switch {
	case t.Version != TransferVersion:
		return errs.Field("version", "cases.error.transfer_version", t.Version)
	case t.SendingNode == "" || t.CaseNumber == "" || t.ItemCode == "":
		return errs.Field("case_number", "cases.error.transfer_incomplete")
	case t.Applicant.IDType == "" || t.Applicant.IDNumber == "":
		return errs.Field("applicant", "cases.error.transfer_incomplete")
	}
	for _, m := range t.Materials {
		if m.Status != MaterialProvided {
			continue
		}
		sum := sha256.Sum256(m.Content)
		if hex.EncodeToString(sum[:]) != m.SHA256 {
			return errs.Field(MaterialField(m.Code), "cases.error.transfer_digest")
		}
	}
	return nil
}

// provinceOf is the region code of region's province: 330106 → 330000.
func provinceOf(region string) string {
	if len(region) < 2 {
		return ""
	}
	return region[:2] + "0000"
}

// Transferable reports whether c may be handed over to another province's node now
// (ExportTransfer, for a window officer of its receiving or handling organisation): a submitted
// item's case whose item allows cross-province handling and belongs to another province.
func (s *Service) Transferable(c Case) bool {
	return c.Status == StatusSubmitted && c.Item != nil && !c.IsBundle() && c.Item.CrossRegion == CrossRegionCountry &&
		provinceOf(c.Item.RegionCode) != provinceOf(s.cfg.Region)
}

// ExportTransfer hands a submitted case over to the node of its item's province: the item must
// allow cross-province handling and belong to another province than this node's. A window
// officer of the receiving (or handling) organisation exports it; the case becomes
// transferred and case.transferred is enqueued. The returned Transfer carries the applicant's
// identity document and the materials' content: the federation must send it only over its
// authenticated channel.
func (s *Service) ExportTransfer(ctx context.Context, p principal.Principal, caseID string) (t Transfer, err error) {
	defer errs.Wrap(&err, "cases.ExportTransfer(%s)", caseID)
	r, err := s.load(ctx, caseID)
	if err != nil {
		return t, err
	}
	check := func(r *row) error {
		if !r.visible(p) {
			return errNotFound()
		}
		if !(r.receives(p) || r.handles(p)) || !p.HasRole(principal.RoleWindowOfficer) {
			return errs.E(errs.Forbidden, "cases.error.not_your_step")
		}
		if err := all(r.itemCase(), r.requireStatus(StatusSubmitted)); err != nil {
			return err
		}
		it, err := r.item()
		if err != nil {
			return err
		}
		if it.CrossRegion != CrossRegionCountry || provinceOf(it.RegionCode) == provinceOf(s.cfg.Region) {
			return errs.E(errs.Conflict, "cases.error.not_transferable")
		}
		return nil
	}
	if err := check(r); err != nil {
		return t, err
	}
	it, _ := r.item()
	to := provinceOf(it.RegionCode)
	var at time.Time
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		var err error
		if r, err = s.loadTx(ctx, tx, caseID); err != nil {
			return err
		}
		if err := check(r); err != nil {
			return err
		}
		before := r.Status
		r.Status, r.TransferredTo = StatusTransferred, to
		if err := save(ctx, tx, r); err != nil {
			return err
		}
		if err := addEvents(ctx, tx, r.ID, p, timelineEntry{kind: EventTransferred, detail: map[string]any{"to": to}}); err != nil {
			return err
		}
		if err := change(ctx, tx, "cases.transfer", r, before, map[string]any{"to": to}); err != nil {
			return err
		}
		pl := payload(r, tx.Now)
		pl.TransferredTo = to
		if err := enqueue(ctx, tx, TopicTransferred, pl); err != nil {
			return err
		}
		at = tx.Now
		return s.tellApplicant(ctx, tx, r, "cases.notice.transferred")
	})
	if err != nil {
		return t, err
	}
	return s.transferOf(ctx, r, at)
}

// Transfer returns the Transfer of a case ExportTransfer handed over, as it did, for the
// federation to send (again): to Yiwang itself only (errs.NotFound for anyone else, and for a
// case not transferred).
func (s *Service) Transfer(ctx context.Context, p principal.Principal, caseID string) (t Transfer, err error) {
	defer errs.Wrap(&err, "cases.Transfer(%s)", caseID)
	if p.Kind != principal.System {
		return t, errNotFound()
	}
	r, err := s.load(ctx, caseID)
	if err != nil {
		return t, err
	}
	if r.TransferredTo == "" {
		return t, errNotFound()
	}
	var at time.Time
	if err := s.db.Get(ctx, &at, `SELECT at FROM case_events WHERE case_id = ? AND kind = ? ORDER BY id DESC LIMIT 1`,
		caseID, EventTransferred); err != nil {
		return t, err
	}
	return s.transferOf(ctx, r, at)
}

// transferOf builds the Transfer of r, transferred at at.
func (s *Service) transferOf(ctx context.Context, r *row, at time.Time) (t Transfer, err error) {
	person, err := s.cfg.People.Person(ctx, r.ApplicantAccount)
	if err != nil {
		return t, err
	}
	var ms []materialRow
	if err := s.db.Select(ctx, &ms, `SELECT `+materialColumns+` FROM case_materials WHERE case_id = ? ORDER BY code`, r.ID); err != nil {
		return t, err
	}
	t.Version, t.SendingNode, t.CaseNumber, t.TransferredAt = TransferVersion, s.cfg.Node, r.number(), at
	t.ItemCode, t.ItemVersion, t.HandlingOrg, t.ReceivingOrg, t.Channel = r.ItemCode, r.ItemVersion, r.HandlingOrg, r.ReceivingOrg, r.Channel
	t.Applicant = TransferApplicant{Kind: ApplicantKind(r.ApplicantKind), IDType: person.IDType, IDNumber: person.IDNumber,
		Name: person.Name}
	if r.ActingFor != "" {
		t.Applicant.CreditCode, t.Applicant.EnterpriseName = r.ActingFor, r.ApplicantName
	}
	t.Form = r.form()
	if r.SubmittedAt != nil {
		t.SubmittedAt = *r.SubmittedAt
	}
	for _, m := range ms {
		tm := TransferMaterial{Code: m.Code, Status: MaterialStatus(m.Status), FileName: m.FileName, Format: m.Format}
		if m.BlobSHA256 != nil {
			_, data, err := blob.Get(ctx, s.db, *m.BlobSHA256)
			if err != nil {
				return Transfer{}, err
			}
			tm.SHA256, tm.Content = *m.BlobSHA256, data
		}
		t.Materials = append(t.Materials, tm)
	}
	return t, nil
}

// TransferRefused records that node, to which the case was transferred, refused the transfer
// itself (it cannot take the case: its item, organisation or materials do not fit there) with
// reason: the case is submitted here again, for its window to handle otherwise and its
// applicant to withdraw, and the applicant is told. The federation calls it when the node
// answers so; nothing happens once the node reported on the case or it is no longer
// transferred there. Returns errs.NotFound for an unknown case.
func (s *Service) TransferRefused(ctx context.Context, caseID, node, reason string) (err error) {
	defer errs.Wrap(&err, "cases.TransferRefused(%s)", caseID)
	reason = truncate(strings.TrimSpace(reason), maxText)
	if reason, err = cleanText("reason", reason, false); err != nil {
		reason = ""
	}
	remote := principal.Principal{Kind: principal.System, Login: "node:" + node, Name: node}
	ctx = principal.With(ctx, remote)
	return s.db.Transact(ctx, func(tx *store.Tx) error {
		r, err := s.loadTx(ctx, tx, caseID)
		if err != nil {
			return err
		}
		if r.Status != StatusTransferred || r.TransferredTo != node || r.RemoteNumber != "" {
			return nil
		}
		before := r.Status
		r.Status, r.TransferredTo = StatusSubmitted, ""
		if err := save(ctx, tx, r); err != nil {
			return err
		}
		if err := addEvents(ctx, tx, r.ID, remote, timelineEntry{kind: EventTransferRefused, note: reason,
			detail: map[string]any{"node": node}}); err != nil {
			return err
		}
		if err := change(ctx, tx, "cases.transfer_refused", r, before, map[string]any{"node": node}); err != nil {
			return err
		}
		return s.tellApplicant(ctx, tx, r, "cases.notice.transfer_refused")
	})
}

// truncate keeps at most n characters of s.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// ApplyTransferStatus records what the node a case was transferred to reports: its number
// there and its status, on the case's timeline. A final status there (completed, not accepted,
// withdrawn) closes the case here with it. The federation calls it after checking the report's
// signature; the report must come from the node the case went to. Returns errs.NotFound for an
// unknown case, errs.Forbidden for another node, errs.Invalid for a malformed report.
func (s *Service) ApplyTransferStatus(ctx context.Context, ts TransferStatus) (err error) {
	defer errs.Wrap(&err, "cases.ApplyTransferStatus(%s)", ts.CaseNumber)
	switch {
	case ts.Version != TransferVersion:
		return errs.Field("version", "cases.error.transfer_version", ts.Version)
	case !ts.Status.Valid() || ts.Status == StatusDraft || ts.Status == StatusInProgress:
		return errs.Field("status", "cases.error.status")
	case ts.Outcome != OutcomeNone && ts.Outcome != OutcomeApproved && ts.Outcome != OutcomeDenied:
		return errs.Field("outcome", "cases.error.outcome")
	}
	note, err := cleanText("note", ts.Note, false)
	if err != nil {
		return err
	}
	remote := principal.Principal{Kind: principal.System, Login: "node:" + ts.Node, Name: ts.Node}
	ctx = principal.With(ctx, remote)
	var id string
	if err := s.db.Get(ctx, &id, `SELECT id FROM cases WHERE number = ?`, ts.CaseNumber); err != nil {
		if errs.Is(err, errs.NotFound) {
			return errNotFound()
		}
		return err
	}
	return s.db.Transact(ctx, func(tx *store.Tx) error {
		r, err := s.loadTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if r.TransferredTo == "" || r.TransferredTo != ts.Node {
			return errs.E(errs.Forbidden, "cases.error.transfer_node")
		}
		if r.Status != StatusTransferred || (r.RemoteStatus == string(ts.Status) && r.RemoteNumber == ts.RemoteNumber) {
			return nil // closed already, or a repeated report
		}
		before := r.Status
		r.RemoteNumber, r.RemoteStatus = ts.RemoteNumber, string(ts.Status)
		es := []timelineEntry{{kind: EventRemoteStatus, note: note, at: tx.Now, detail: map[string]any{
			"node": ts.Node, "remote_number": ts.RemoteNumber, "status": string(ts.Status), "outcome": string(ts.Outcome),
			"decision_sha256": ts.DecisionSHA256, "reported_at": ts.At}}}
		if len(ts.Signature) > 0 {
			// Kept so that the report, rebuilt from this entry, can be verified again later.
			es[0].detail["signature"] = ts.Signature
		}
		final := ts.Status == StatusCompleted || ts.Status == StatusNotAccepted || ts.Status == StatusWithdrawn
		if final {
			r.Status, r.Outcome, r.CompletedAt = ts.Status, ts.Outcome, &tx.Now
		}
		if err := save(ctx, tx, r); err != nil {
			return err
		}
		if err := addEvents(ctx, tx, r.ID, remote, es...); err != nil {
			return err
		}
		if err := change(ctx, tx, "cases.remote_status", r, before, map[string]any{"remote_status": string(ts.Status)}); err != nil {
			return err
		}
		if !final {
			return s.tellApplicant(ctx, tx, r, "cases.notice.remote_status")
		}
		if err := enqueue(ctx, tx, TopicCompleted, payload(r, tx.Now)); err != nil {
			return err
		}
		return s.tellApplicant(ctx, tx, r, "cases.notice.delivered")
	})
}
