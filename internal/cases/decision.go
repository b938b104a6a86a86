package cases

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/yiwang-platform/yiwang/internal/blob"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/ledger"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// DecisionType names version 1 of the decision document.
const DecisionType = "yiwang.case.decision/v1"

// DecisionDocument is what a decision says, as signed, stored and logged. Its canonical form
// (Canonical) is JSON with the fields in this order, no insignificant space, no HTML escaping
// and no final newline; decided_at is UTC with microseconds. It names the case by its number
// and holds no personal data.
type DecisionDocument struct {
	Type         string           `json:"type"`
	CaseNumber   string           `json:"case_number"`
	Item         DecisionItem     `json:"item"`
	Organisation DecisionOrg      `json:"organisation"`
	Outcome      Outcome          `json:"outcome"`
	Reasons      string           `json:"reasons"`
	DecidedAt    time.Time        `json:"decided_at"`
	Fees         []DecisionFeeRow `json:"fees,omitempty"`
}

// DecisionItem is the item decided on.
type DecisionItem struct {
	Code    string `json:"code"`
	Version int    `json:"version"`
	Name    string `json:"name"`
}

// DecisionOrg is the deciding organisation.
type DecisionOrg struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// DecisionFeeRow is a fee an approval charges.
type DecisionFeeRow struct {
	Name       string `json:"name"`
	AmountFen  int64  `json:"amount_fen"`
	LegalBasis string `json:"legal_basis"`
}

// Canonical returns the document's canonical JSON, the bytes that are signed and hashed.
func (d DecisionDocument) Canonical() []byte {
	d.DecidedAt = d.DecidedAt.UTC().Truncate(time.Microsecond)
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		panic("cases: a decision document does not encode: " + err.Error()) // plain data only
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// maxDecisionDocument bounds what ParseDecisionDocument reads.
const maxDecisionDocument = 64 << 10

// ParseDecisionDocument reads a decision document and checks that it is canonical (what was
// signed is exactly what Canonical makes of its content). Returns errs.Invalid otherwise.
func ParseDecisionDocument(b []byte) (DecisionDocument, error) {
	var d DecisionDocument
	if len(b) > maxDecisionDocument {
		return d, errs.E(errs.Invalid, "cases.error.decision_document")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil || dec.More() {
		return DecisionDocument{}, errs.Wrapf(errs.Invalid, err, "cases.error.decision_document")
	}
	if d.Type != DecisionType || !bytes.Equal(d.Canonical(), b) {
		return DecisionDocument{}, errs.E(errs.Invalid, "cases.error.decision_document")
	}
	return d, nil
}

// Decide decides a reviewed case, as an approver of its handling organisation: approve or deny,
// with reasons. The decision document is signed by the organisation's seal (DecisionSigner),
// stored with its signature, and appended to the ledger in the decision's transaction; the clock
// stops. An approval of an item with fees opens the fee order (Fees) in the same transaction and
// waits for payment. Returns errs.Conflict in another status or while a special procedure runs,
// errs.Unavailable when decisions cannot be signed or fees charged here.
func (s *Service) Decide(ctx context.Context, p principal.Principal, id string, outcome Outcome, reasons string) (c Case, err error) {
	defer errs.Wrap(&err, "cases.Decide(%s, %s)", id, outcome)
	if outcome != OutcomeApproved && outcome != OutcomeDenied {
		return c, errs.Field("outcome", "cases.error.outcome")
	}
	if reasons, err = cleanText("reasons", reasons, true); err != nil {
		return c, err
	}
	r, err := s.load(ctx, id)
	if err != nil {
		return c, err
	}
	check := func(r *row) error {
		if err := all(r.mayHandle(p, principal.RoleApprover), r.itemCase(), r.requireStatus(StatusReviewed)); err != nil {
			return err
		}
		if r.ClockState == ClockPaused {
			return errs.E(errs.Conflict, "cases.error.procedure_running")
		}
		return nil
	}
	if err := check(r); err != nil {
		return c, err
	}
	if s.cfg.Signer == nil || s.cfg.Ledger == nil {
		return c, errs.E(errs.Unavailable, "cases.error.decisions_unavailable")
	}
	it, err := r.item()
	if err != nil {
		return c, err
	}
	charge := outcome == OutcomeApproved && len(it.Fees) > 0
	if charge && s.cfg.Fees == nil {
		return c, errs.E(errs.Unavailable, "cases.error.fees_unavailable")
	}
	orgName := r.HandlingOrg
	if o, err := org.Get(ctx, s.db, r.HandlingOrg); err == nil {
		orgName = o.NameHans
	}
	doc := DecisionDocument{Type: DecisionType, CaseNumber: r.number(),
		Item:         DecisionItem{Code: it.Code, Version: it.Version, Name: it.NameHans},
		Organisation: DecisionOrg{Code: r.HandlingOrg, Name: orgName}, Outcome: outcome, Reasons: reasons,
		DecidedAt: s.db.Clock().Now().UTC().Truncate(time.Microsecond)}
	if charge {
		for _, f := range it.Fees {
			doc.Fees = append(doc.Fees, DecisionFeeRow{Name: f.Name, AmountFen: f.AmountFen, LegalBasis: f.LegalBasis})
		}
	}
	body := doc.Canonical()
	sum := sha256.Sum256(body)
	digest := hex.EncodeToString(sum[:])
	signed, err := s.cfg.Signer.SignDecision(ctx, p, r.HandlingOrg, body, "decision-"+r.number()+".json")
	if err != nil {
		return c, err
	}
	if len(signed.Signature) == 0 {
		return c, errs.E(errs.Internal, "cases: the decision signer returned no signature")
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		var err error
		if r, err = s.loadTx(ctx, tx, id); err != nil {
			return err
		}
		if err := check(r); err != nil {
			return err
		}
		before := r.Status
		docBlob, err := blob.Put(ctx, tx, body)
		if err != nil {
			return err
		}
		sigBlob, err := blob.Put(ctx, tx, signed.Signature)
		if err != nil {
			return err
		}
		idx, err := s.cfg.Ledger.AppendTx(ctx, tx, ledger.Entry{Type: ledger.TypeCaseDecision, Digest: "sha256:" + digest,
			Org: r.HandlingOrg, Subject: r.number()})
		if err != nil {
			return err
		}
		decidedAt := doc.DecidedAt
		r.Outcome, r.Reasons, r.DecidedAt, r.DecidedBy = outcome, reasons, &decidedAt, p.Actor()
		r.DecisionBlob, r.SignatureBlob, r.LedgerIndex = &docBlob.SHA256, &sigBlob.SHA256, &idx[0]
		r.SignatureID, r.SealID, r.SealName, r.SignatureFormat = signed.SignatureID, signed.SealID, signed.SealName, signed.Format
		es := []timelineEntry{{kind: EventDecided, note: reasons, detail: map[string]any{"outcome": string(outcome),
			"document_sha256": digest, "ledger_index": idx[0], "seal": signed.SealName}}}
		es = append(es, s.stopClock(r, tx.Now)...)
		switch {
		case outcome == OutcomeDenied:
			r.Status = StatusDenied
		case charge:
			orderID, err := s.cfg.Fees.OpenOrderTx(ctx, tx, FeeOrder{CaseID: r.ID, CaseNumber: r.number(), Org: r.HandlingOrg,
				Payer: r.ApplicantAccount, PayerActingFor: r.ActingFor, Lines: it.Fees})
			if err != nil {
				return err
			}
			r.Status, r.FeeOrderID = StatusAwaitingPayment, orderID
			es = append(es, timelineEntry{kind: EventFeeOrderOpened, detail: map[string]any{"order": orderID, "amount_fen": feeTotal(it.Fees)}})
		default:
			r.Status = StatusApproved
		}
		if err := save(ctx, tx, r); err != nil {
			return err
		}
		if err := addEvents(ctx, tx, r.ID, p, es...); err != nil {
			return err
		}
		if err := change(ctx, tx, "cases.decide", r, before, map[string]any{"outcome": string(outcome),
			"document_sha256": digest, "ledger_index": idx[0]}); err != nil {
			return err
		}
		pl := payload(r, tx.Now)
		pl.DecidedAt, pl.DecisionSHA256, pl.LedgerIndex = &decidedAt, digest, &idx[0]
		if err := enqueue(ctx, tx, TopicDecided, pl); err != nil {
			return err
		}
		key := "cases.notice.approved"
		if outcome == OutcomeDenied {
			key = "cases.notice.denied"
		}
		if err := s.tellApplicant(ctx, tx, r, key); err != nil {
			return err
		}
		if charge {
			if err := s.tellApplicant(ctx, tx, r, "cases.notice.payment_due"); err != nil {
				return err
			}
		}
		return s.updateParent(ctx, tx, p, r)
	})
	if err != nil {
		return c, err
	}
	return s.view(ctx, p, r)
}

func feeTotal(lines []FeeLine) int64 {
	var n int64
	for _, l := range lines {
		n += l.AmountFen
	}
	return n
}

// DecisionFiles returns a decided case's decision document and its detached signature, to a
// reader who may see the case; with both anyone can verify the decision (internal/sign). Returns
// errs.NotFound before the decision.
func (s *Service) DecisionFiles(ctx context.Context, p principal.Principal, id string) (document, signature []byte, d Decision, err error) {
	defer errs.Wrap(&err, "cases.DecisionFiles(%s)", id)
	r, err := s.load(ctx, id)
	if err != nil {
		return nil, nil, d, err
	}
	if !r.visible(p) {
		return nil, nil, d, errNotFound()
	}
	if r.DecisionBlob == nil || r.SignatureBlob == nil {
		return nil, nil, d, errs.E(errs.NotFound, "cases.error.no_decision")
	}
	if _, document, err = blob.Get(ctx, s.db, *r.DecisionBlob); err != nil {
		return nil, nil, d, err
	}
	if _, signature, err = blob.Get(ctx, s.db, *r.SignatureBlob); err != nil {
		return nil, nil, d, err
	}
	c := s.caseOf(r, nil, nil, nil, nil, s.db.Clock().Now())
	return document, signature, *c.Decision, nil
}
