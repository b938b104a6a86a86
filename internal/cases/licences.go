package cases

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Materials filled from electronic licences (免提交). A material of source SourceLicence is
// fetched only with the applicant's consent (Application.LicenceConsent, SetLicenceConsent for a
// draft): the submission marks it to_fetch, and the licence service, on case.submitted, finds the
// holder's licence of its type and fills it (FillMaterialFromLicence) or says why it cannot
// (LicenceUnavailable). Without consent the applicant uploads it, and a required one is missing
// until they do.

// LicenceFill is what was verified of the licence a material is filled from, or found instead of
// a usable one.
type LicenceFill struct {
	// ID is the licence's GB/T 36904 identifier ("" when the holder has none of the type).
	ID string `json:"id,omitempty"`
	// TypeCode is the licence type; TypeName, Number and IssuerName as the licence shows them.
	TypeCode   string `json:"type_code"`
	TypeName   string `json:"type_name,omitempty"`
	Number     string `json:"number,omitempty"`
	IssuerName string `json:"issuer_name,omitempty"`
	// State is what verification said: LicenceValid for a filled material, else one of
	// LicenceNone, LicenceSuspended, LicenceRevoked, LicenceExpired.
	State      string    `json:"state"`
	VerifiedAt time.Time `json:"verified_at"`
	// ValidUntil is the last day of its validity (YYYY-MM-DD), "" for no end.
	ValidUntil string `json:"valid_until,omitempty"`
}

// The states of a licence as LicenceFill reports them.
const (
	LicenceValid     = "valid"
	LicenceNone      = "none" // the holder holds no licence of the type
	LicenceSuspended = "suspended"
	LicenceRevoked   = "revoked"
	LicenceExpired   = "expired"
)

// LicenceStates lists the states of LicenceFill.
var LicenceStates = []string{LicenceValid, LicenceNone, LicenceSuspended, LicenceRevoked, LicenceExpired}

// SetLicenceConsent records on a draft whether the applicant agrees that the licences its
// materials ask for be fetched; Submit then applies it as Apply applies
// Application.LicenceConsent. The applicant (or the window collecting it) sets it. Returns
// errs.Conflict once submitted.
func (s *Service) SetLicenceConsent(ctx context.Context, p principal.Principal, id string, consent bool) (c Case, err error) {
	defer errs.Wrap(&err, "cases.SetLicenceConsent(%s)", id)
	r, err := s.load(ctx, id)
	if err != nil {
		return c, err
	}
	if err := r.mayActForApplicant(p); err != nil {
		return c, err
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		if r, err = s.loadTx(ctx, tx, id); err != nil {
			return err
		}
		if err := r.requireStatus(StatusDraft); err != nil {
			return err
		}
		if (r.LicenceConsent == 1) == consent {
			return nil
		}
		r.LicenceConsent = b2i(consent)
		if err := save(ctx, tx, r); err != nil {
			return err
		}
		if err := addEvents(ctx, tx, r.ID, p, timelineEntry{kind: EventLicenceConsent,
			detail: map[string]any{"consent": consent}}); err != nil {
			return err
		}
		return change(ctx, tx, "cases.licence_consent", r, r.Status, map[string]any{"licence_consent": consent})
	})
	if err != nil {
		return c, err
	}
	return s.view(ctx, p, r)
}

// FillMaterialFromLicence fills material code of case id from the valid licence f describes, as
// the licence service (the system principal) after verifying it. Only a material of source
// SourceLicence that is still to be fetched, of a case whose applicant consented, is filled:
// filled reports whether this call filled it (false when it was filled before, supplied or asked
// for since — a redelivered event changes nothing). The timeline shows it to the applicant and
// the officials. Returns errs.Forbidden to anyone but the system, errs.Invalid for a licence
// that is not valid or of another type, errs.NotFound for an unknown case or material.
func (s *Service) FillMaterialFromLicence(ctx context.Context, p principal.Principal, id, code string, f LicenceFill) (filled bool, err error) {
	defer errs.Wrap(&err, "cases.FillMaterialFromLicence(%s, %s)", id, code)
	if f.State != LicenceValid || f.ID == "" {
		return false, errs.Field("licence", "cases.error.licence_not_valid")
	}
	return s.setFetched(ctx, p, id, code, f, MaterialFromLicence)
}

// LicenceUnavailable records that material code of case id could not be filled from a licence
// (f.State: LicenceNone, LicenceSuspended, LicenceRevoked or LicenceExpired; f.ID names the
// licence found, if any), as the licence service: the material is left for the applicant to
// supply, the timeline says why and the applicant is told. The case's status does not change:
// the window asks for the material (補正) at acceptance. done reports whether this call recorded
// it (false when the material was no longer to be fetched). Errors are those of
// FillMaterialFromLicence.
func (s *Service) LicenceUnavailable(ctx context.Context, p principal.Principal, id, code string, f LicenceFill) (done bool, err error) {
	defer errs.Wrap(&err, "cases.LicenceUnavailable(%s, %s)", id, code)
	if f.State == LicenceValid || !slices.Contains(LicenceStates, f.State) {
		return false, errs.Field("licence", "cases.error.licence_state")
	}
	return s.setFetched(ctx, p, id, code, f, MaterialUnavailable)
}

// setFetched records the outcome of fetching material code of case id from a licence.
func (s *Service) setFetched(ctx context.Context, p principal.Principal, id, code string, f LicenceFill, status MaterialStatus) (bool, error) {
	if p.Kind != principal.System {
		return false, errs.E(errs.Forbidden, "error.forbidden")
	}
	detail, err := json.Marshal(f)
	if err != nil {
		return false, err
	}
	done := false
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		done = false
		r, err := s.loadTx(ctx, tx, id)
		if err != nil {
			return err
		}
		specs, err := r.materialSpecs()
		if err != nil {
			return err
		}
		i := indexOf(specs, code)
		if i < 0 || specs[i].Source != SourceLicence {
			return errs.E(errs.NotFound, "cases.error.material_unknown")
		}
		if specs[i].LicenceType != f.TypeCode {
			return errs.Field("licence", "cases.error.licence_type")
		}
		if r.LicenceConsent != 1 || r.Status == StatusDraft {
			return nil
		}
		res, err := tx.Exec(ctx, `UPDATE case_materials SET status = ?, licence_id = ?, licence = ?, added_by = ?, added_at = ?
			WHERE case_id = ? AND code = ? AND status = 'to_fetch'`, string(status), f.ID, string(detail), p.Actor(), tx.Now, id, code)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		done = true
		if _, err := tx.Exec(ctx, `UPDATE cases SET updated_at = ? WHERE id = ?`, tx.Now, id); err != nil {
			return err
		}
		kind, action := EventFromLicence, "cases.fill_from_licence"
		if status == MaterialUnavailable {
			kind, action = EventLicenceUnavailable, "cases.licence_unavailable"
		}
		ev := map[string]any{"material": code, "licence_type": f.TypeCode, "state": f.State}
		if f.ID != "" {
			ev["licence"] = f.ID
		}
		if err := addEvents(ctx, tx, id, p, timelineEntry{kind: kind, detail: ev}); err != nil {
			return err
		}
		// Audit details name documents by type only.
		if err := change(ctx, tx, action, r, r.Status, map[string]any{"material": code, "licence_type": f.TypeCode,
			"state": f.State}); err != nil {
			return err
		}
		if status != MaterialUnavailable || s.cfg.Notifier == nil {
			return nil
		}
		return s.cfg.Notifier.SendTx(ctx, tx, r.ApplicantAccount, "cases.notice.licence_unavailable."+f.State,
			[]string{r.number(), r.NameHans, specs[i].NameHans}, applicantLink(r.ID))
	})
	return done, err
}

// licenceOf decodes what a material row holds of its licence.
func licenceOf(m materialRow) *LicenceFill {
	if m.Licence == "" {
		return nil
	}
	var f LicenceFill
	if err := json.Unmarshal([]byte(m.Licence), &f); err != nil {
		return nil
	}
	return &f
}

// hasLicenceMaterial reports whether specs ask for a material of source SourceLicence.
func hasLicenceMaterial(specs []MaterialSpec) bool {
	return slices.ContainsFunc(specs, func(m MaterialSpec) bool { return m.Source == SourceLicence })
}
