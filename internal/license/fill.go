package license

import (
	"context"
	"errors"
	"time"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/events"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Use in approvals (免提交): a case's material that a licence type satisfies is filled from the
// holder's licence of that type, when the applicant consented, as soon as the case is submitted.

// ConsumerFill is the event consumer that fills submitted cases' materials from licences.
const ConsumerFill = "license.fill"

// topicCaseSubmitted is the event internal/cases enqueues when a case is submitted.
const topicCaseSubmitted = "case.submitted"

// StateNone is what FilledLicence.State says when the holder holds no licence of the type.
const StateNone State = "none"

// CaseLicences is what a case asks of licences.
type CaseLicences struct {
	Number string
	// Org is the handling organisation: the one the licence is used for.
	Org string
	// Applicant is the applicant's account (the resident); ActingFor the credit code of the
	// enterprise an agent applied for, "" for a person's case.
	Applicant int64
	ActingFor string
	// Consent says the applicant agreed that their licences be fetched for the case.
	Consent   bool
	Materials []CaseLicenceMaterial
}

// CaseLicenceMaterial is a material of a case that a licence type satisfies.
type CaseLicenceMaterial struct {
	Code     string
	NameHans string
	TypeCode string
	// ToFetch: it is still to be fetched. FilledFrom is the identifier of the licence it was
	// filled from, if it was.
	ToFetch    bool
	FilledFrom string
}

// FilledLicence is what was verified of the licence a material is filled from, or found instead.
type FilledLicence struct {
	ID, TypeCode, TypeName, Number, IssuerName string
	// State is StateValid for a filled material; StateNone, StateSuspended, StateRevoked or
	// StateExpired for one left to the applicant.
	State      State
	VerifiedAt time.Time
	ValidUntil string
}

// CaseMaterials reads and fills the materials of cases (internal/cases, through an adapter in
// internal/app; the domains do not import each other).
type CaseMaterials interface {
	// CaseLicences returns what case id asks of licences; errs.NotFound if there is no such
	// case.
	CaseLicences(ctx context.Context, caseID string) (CaseLicences, error)
	// FillFromLicence fills material code of case id from the valid licence f. filled is false
	// when the material was no longer to be fetched (filled before, or asked of the applicant).
	FillFromLicence(ctx context.Context, caseID, code string, f FilledLicence) (filled bool, err error)
	// LicenceUnavailable leaves material code of case id to the applicant, saying why (f.State)
	// and telling them. done is false when the material was no longer to be fetched.
	LicenceUnavailable(ctx context.Context, caseID, code string, f FilledLicence) (done bool, err error)
}

// SubscribeFill has d deliver case.submitted to the service: for each material of the case that a
// licence type satisfies and that is to be fetched with the applicant's consent, the newest
// valid licence of the type that the applicant holds (the resident by resident ID, or the
// enterprise an agent applied for by credit code) is verified and the material filled from it
// through m, and the use recorded for the holder to see; without one (none, suspended, revoked,
// expired) the material is left to the applicant, who is told. A redelivered event fills nothing
// twice and records each use once. It needs Config.Holders.
func (s *Service) SubscribeFill(d *events.Dispatcher, m CaseMaterials) {
	d.Subscribe(ConsumerFill, topicCaseSubmitted, func(ctx context.Context, e events.Event) error {
		return s.onCaseSubmitted(ctx, m, e)
	})
}

// caseSubmitted is what the consumer reads of a case.submitted payload (cases.EventPayload).
type caseSubmitted struct {
	CaseID string `json:"case_id"`
}

func (s *Service) onCaseSubmitted(ctx context.Context, m CaseMaterials, e events.Event) (err error) {
	defer errs.Wrap(&err, "license: case.submitted %d", e.ID)
	var ev caseSubmitted
	if err := e.Decode(&ev); err != nil || ev.CaseID == "" {
		return events.Permanent(errors.Join(err, errors.New("license: bad case.submitted payload")))
	}
	return permanentIf(s.FillCase(principal.With(ctx, principal.SystemPrincipal), m, ev.CaseID), errs.NotFound)
}

// FillCase fills the materials of case caseID that licences satisfy, as SubscribeFill describes.
func (s *Service) FillCase(ctx context.Context, m CaseMaterials, caseID string) (err error) {
	defer errs.Wrap(&err, "license.FillCase(%s)", caseID)
	c, err := m.CaseLicences(ctx, caseID)
	if err != nil {
		return err
	}
	if !c.Consent {
		return nil
	}
	var h holder
	found := false
	for _, mt := range c.Materials {
		if mt.FilledFrom != "" {
			// Filled by an earlier delivery that stopped before recording the use.
			if err := s.recordFill(ctx, mt.FilledFrom, caseID, c); err != nil {
				return err
			}
			continue
		}
		if !mt.ToFetch {
			continue
		}
		if !found {
			if h, err = s.caseHolder(ctx, c); err != nil {
				return err
			}
			found = true
		}
		f, err := s.findUsable(ctx, h, mt.TypeCode)
		if err != nil {
			return err
		}
		if f.State != StateValid {
			if _, err := m.LicenceUnavailable(ctx, caseID, mt.Code, f); err != nil {
				return err
			}
			continue
		}
		filled, err := m.FillFromLicence(ctx, caseID, mt.Code, f)
		if err != nil {
			return err
		}
		if filled {
			if err := s.recordFill(ctx, f.ID, caseID, c); err != nil {
				return err
			}
		}
	}
	return nil
}

// caseHolder is whose licences case c may use: the enterprise an agent applied for, or the
// resident who applied (no holder, code "", when they have no resident ID).
func (s *Service) caseHolder(ctx context.Context, c CaseLicences) (holder, error) {
	if c.ActingFor != "" {
		return holder{HolderCodeCreditCode, c.ActingFor}, nil
	}
	if s.cfg.Holders == nil {
		return holder{}, errors.New("license: Config.Holders is needed to fill case materials")
	}
	_, id, err := s.cfg.Holders.Resident(ctx, c.Applicant)
	if errs.Is(err, errs.NotFound) {
		return holder{HolderCodeResidentID, ""}, nil
	}
	return holder{HolderCodeResidentID, id}, err
}

// findUsable returns holder h's newest licence of type typeCode that verifies as valid now, or,
// when there is none, the state of the newest one it holds (StateNone when it holds none).
func (s *Service) findUsable(ctx context.Context, h holder, typeCode string) (FilledLicence, error) {
	none := FilledLicence{TypeCode: typeCode, State: StateNone, VerifiedAt: s.clock.Now()}
	if h.code == "" {
		return none, nil
	}
	var rows []licenceRow
	if err := s.db.Select(ctx, &rows, `SELECT `+licenceColumns+` FROM licences WHERE holder_code_type = ? AND holder_code = ?
		AND type_code = ? AND status <> 'superseded' ORDER BY created_at DESC, id`, h.codeType, h.code, typeCode); err != nil {
		return FilledLicence{}, err
	}
	ls, err := licencesOf(rows)
	if err != nil {
		return FilledLicence{}, err
	}
	for _, l := range ls {
		if s.StateOf(l) != StateValid {
			continue
		}
		// The signature and the status, as any verifier would see them.
		res, err := s.Verify(ctx, l.Credential)
		if err != nil {
			return FilledLicence{}, err
		}
		if res.State == StateValid {
			return filledOf(l, StateValid, res.CheckedAt), nil
		}
	}
	if len(ls) == 0 {
		return none, nil
	}
	st := s.StateOf(ls[0])
	if st == StateValid { // valid on its face, yet its credential did not verify
		st = StateNone
	}
	return filledOf(ls[0], st, s.clock.Now()), nil
}

func filledOf(l Licence, st State, at time.Time) FilledLicence {
	return FilledLicence{ID: l.ID, TypeCode: l.TypeCode, TypeName: l.NameHans, Number: l.Number, IssuerName: l.IssuerName,
		State: st, VerifiedAt: at, ValidUntil: l.ValidUntil}
}

// fillPurpose is the stated purpose of a use that filled a case's material.
func fillPurpose(number string) string { return "办件" + number + "材料免提交" }

// recordFill records, once, that licence id filled a material of case caseID, for its holder to
// see among the licence's uses.
func (s *Service) recordFill(ctx context.Context, id, caseID string, c CaseLicences) error {
	return s.db.Transact(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.Get(ctx, &n, `SELECT COUNT(*) FROM licence_uses WHERE licence_id = ? AND kind = 'filled' AND case_id = ?`,
			id, caseID); err != nil || n > 0 {
			return err
		}
		tx.InsertLater("licence_uses", "licence_id, at, kind, by_org, by_actor, purpose, case_id",
			id, tx.Now, "filled", c.Org, principal.From(ctx).Actor(), fillPurpose(c.Number), caseID)
		return audit.Record(ctx, tx, audit.Change{Action: "license.fill", ObjectType: "licence", ObjectID: id,
			Detail: map[string]any{"case": caseID, "org": c.Org}})
	})
}
