package cases

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/principal"
)

// supplementRow is a case_supplements row.
type supplementRow struct {
	ID          int64      `db:"id"`
	CaseID      string     `db:"case_id"`
	Materials   string     `db:"materials"`
	Note        string     `db:"note"`
	During      string     `db:"during"`
	RequestedBy string     `db:"requested_by"`
	RequestedAt time.Time  `db:"requested_at"`
	ResolvedAt  *time.Time `db:"resolved_at"`
}

func (r supplementRow) request() SupplementRequest {
	var codes []string
	_ = json.Unmarshal([]byte(r.Materials), &codes)
	return SupplementRequest{ID: r.ID, Materials: codes, Note: r.Note, During: Status(r.During),
		RequestedBy: r.RequestedBy, RequestedAt: r.RequestedAt, ResolvedAt: r.ResolvedAt}
}

// procedureRow is a case_procedures row.
type procedureRow struct {
	ID        int64      `db:"id"`
	CaseID    string     `db:"case_id"`
	Kind      string     `db:"kind"`
	Note      string     `db:"note"`
	StartedBy string     `db:"started_by"`
	StartedAt time.Time  `db:"started_at"`
	EndedBy   *string    `db:"ended_by"`
	EndedAt   *time.Time `db:"ended_at"`
	Result    string     `db:"result"`
}

func (r procedureRow) procedure() Procedure {
	p := Procedure{ID: r.ID, Kind: ProcedureKind(r.Kind), Note: r.Note, StartedBy: r.StartedBy, StartedAt: r.StartedAt,
		EndedAt: r.EndedAt, Result: r.Result}
	if r.EndedBy != nil {
		p.EndedBy = *r.EndedBy
	}
	return p
}

// nextStep says what happens next to r, and who does it.
func nextStep(r *row) (Step, string) {
	if r.ClockState == ClockPaused && r.PauseReason == PauseProcedure {
		return StepProcedure, PartyOfficial
	}
	switch r.Status {
	case StatusDraft:
		return StepSubmit, PartyApplicant
	case StatusSubmitted:
		return StepAccept, PartyOfficial
	case StatusSupplementRequested:
		return StepSupplement, PartyApplicant
	case StatusAccepted:
		return StepReview, PartyOfficial
	case StatusReviewed:
		return StepDecide, PartyOfficial
	case StatusAwaitingPayment:
		return StepPay, PartyApplicant
	case StatusApproved, StatusDenied:
		return StepDeliver, PartyOfficial
	case StatusInProgress:
		return StepChildren, PartyOfficial
	}
	return StepNone, ""
}

// summary describes r for a list; the applicant's name is masked.
func (s *Service) summary(r *row, now time.Time) Summary {
	step, party := nextStep(r)
	return Summary{ID: r.ID, Number: r.number(), ParentID: r.parentID(), BundleCode: r.BundleCode, ItemCode: r.ItemCode,
		NameHans: r.NameHans, NameHant: r.NameHant, NameEn: r.NameEn, HandlingOrg: r.HandlingOrg,
		ReceivingOrg: r.ReceivingOrg, OriginNode: r.OriginNode, Channel: r.Channel,
		Applicant: Applicant{Account: r.ApplicantAccount, Kind: ApplicantKind(r.ApplicantKind), ActingFor: r.ActingFor,
			Name: MaskedName(r.ApplicantName)},
		Status: r.Status, Outcome: r.Outcome, Clock: s.clockOf(r, now), NextStep: step, NextParty: party,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, SubmittedAt: r.SubmittedAt}
}

// caseOf builds the full view of r from what was read (or just written) with it.
func (s *Service) caseOf(r *row, ms []materialRow, supp *supplementRow, proc *procedureRow, children []Summary, now time.Time) Case {
	step, party := nextStep(r)
	c := Case{ID: r.ID, Number: r.number(), ParentID: r.parentID(), BundleCode: r.BundleCode, BundleVersion: r.BundleVersion,
		ItemCode: r.ItemCode, ItemVersion: r.ItemVersion, NameHans: r.NameHans, NameHant: r.NameHant, NameEn: r.NameEn,
		HandlingOrg: r.HandlingOrg, ReceivingOrg: r.ReceivingOrg, Channel: r.Channel,
		Applicant: Applicant{Account: r.ApplicantAccount, Kind: ApplicantKind(r.ApplicantKind), ActingFor: r.ActingFor,
			Name: r.ApplicantName},
		CreatedBy: r.CreatedBy, Status: r.Status, Outcome: r.Outcome, Form: r.form(), Clock: s.clockOf(r, now),
		FeeOrderID: r.FeeOrderID, PaidAt: r.PaidAt, TransferredTo: r.TransferredTo, RemoteNumber: r.RemoteNumber,
		RemoteStatus: Status(r.RemoteStatus), Children: children, NextStep: step, NextParty: party,
		LicenceConsent: r.LicenceConsent == 1,
		CreatedAt:      r.CreatedAt, UpdatedAt: r.UpdatedAt, SubmittedAt: r.SubmittedAt, AcceptedAt: r.AcceptedAt,
		DecidedAt: r.DecidedAt, CompletedAt: r.CompletedAt, Origin: r.origin()}
	if r.isParent() {
		if b, err := r.bundle(); err == nil {
			c.Bundle = &b
		}
	} else if it, err := r.item(); err == nil {
		c.Item = &it
	}
	var open *SupplementRequest
	if supp != nil {
		req := supp.request()
		if req.ResolvedAt == nil {
			open = &req
		}
		c.Supplement = open
	}
	if proc != nil && proc.EndedAt == nil {
		p := proc.procedure()
		c.Procedure = &p
	}
	if r.DecidedAt != nil {
		d := &Decision{Outcome: r.Outcome, Reasons: r.Reasons, DecidedAt: *r.DecidedAt, DecidedBy: r.DecidedBy,
			SignatureID: r.SignatureID, SealID: r.SealID, SealName: r.SealName, SignatureFormat: r.SignatureFormat,
			LedgerIndex: r.LedgerIndex}
		if r.DecisionBlob != nil {
			d.DocumentSHA256 = *r.DecisionBlob
		}
		if r.SignatureBlob != nil {
			d.SignatureSHA256 = *r.SignatureBlob
		}
		c.Decision = d
	}
	if r.DeliveryMethod != "" && r.CompletedAt != nil {
		c.Delivery = &Delivery{Method: DeliveryMethod(r.DeliveryMethod), By: r.DeliveredBy, At: *r.CompletedAt}
	}
	specs, _ := r.materialSpecs()
	c.Materials = materialsView(specs, ms)
	return c
}

// materialsView joins a case's material specs with what it holds.
func materialsView(specs []MaterialSpec, ms []materialRow) []Material {
	have := make(map[string]materialRow, len(ms))
	for _, m := range ms {
		have[m.Code] = m
	}
	out := make([]Material, 0, len(specs))
	for _, sp := range specs {
		m := Material{Code: sp.Code, NameHans: sp.NameHans, NameHant: sp.NameHant, NameEn: sp.NameEn, Source: sp.Source,
			LicenceType: sp.LicenceType, Required: sp.Required, Formats: sp.Formats, MaxBytes: sp.MaxBytes,
			Status: MaterialMissing}
		if len(m.Formats) == 0 {
			m.Formats = allFormats
		}
		if h, ok := have[sp.Code]; ok {
			switch h.Status {
			case string(MaterialProvided):
				m.Status = MaterialProvided
				m.FileName, m.Format, m.Size = h.FileName, h.Format, h.Size
				if h.BlobSHA256 != nil {
					m.SHA256 = *h.BlobSHA256
				}
				at := h.AddedAt
				m.AddedAt = &at
			case string(MaterialToFetch):
				m.Status = MaterialToFetch
			case string(MaterialFromLicence), string(MaterialUnavailable):
				m.Status, m.Licence = MaterialStatus(h.Status), licenceOf(h)
				at := h.AddedAt
				m.AddedAt = &at
			case string(MaterialRequested):
				// Asked for (again): the earlier file, if any, stays visible until replaced.
				m.Status = MaterialRequested
				if h.BlobSHA256 != nil {
					m.FileName, m.Format, m.Size, m.SHA256 = h.FileName, h.Format, h.Size, *h.BlobSHA256
				}
			}
		}
		out = append(out, m)
	}
	return out
}

// view reads everything about r that its reader may see.
func (s *Service) view(ctx context.Context, p principal.Principal, r *row) (Case, error) {
	var ms []materialRow
	if err := s.db.Select(ctx, &ms, `SELECT `+materialColumns+` FROM case_materials WHERE case_id = ? ORDER BY code`, r.ID); err != nil {
		return Case{}, err
	}
	var supps []supplementRow
	if err := s.db.Select(ctx, &supps, `SELECT id, case_id, materials, note, during, requested_by, requested_at, resolved_at
		FROM case_supplements WHERE case_id = ? ORDER BY id DESC LIMIT 1`, r.ID); err != nil {
		return Case{}, err
	}
	var procs []procedureRow
	if err := s.db.Select(ctx, &procs, `SELECT id, case_id, kind, note, started_by, started_at, ended_by, ended_at, result
		FROM case_procedures WHERE case_id = ? ORDER BY id DESC LIMIT 1`, r.ID); err != nil {
		return Case{}, err
	}
	var children []Summary
	now := s.db.Clock().Now()
	if r.isParent() {
		var rows []row
		if err := s.db.Select(ctx, &rows, `SELECT `+summaryColumns+` FROM cases WHERE parent_id = ? ORDER BY item_code`, r.ID); err != nil {
			return Case{}, err
		}
		for i := range rows {
			children = append(children, s.summary(&rows[i], now))
		}
	}
	var supp *supplementRow
	if len(supps) > 0 {
		supp = &supps[0]
	}
	var proc *procedureRow
	if len(procs) > 0 {
		proc = &procs[0]
	}
	return s.caseOf(r, ms, supp, proc, children, now), nil
}

// MaskedName hides all of a name but its first character (张**), or of an enterprise's name
// (long) keeps the first four.
func MaskedName(n string) string {
	k := utf8.RuneCountInString(n)
	switch {
	case k == 0:
		return ""
	case k >= 8:
		r := []rune(n)
		return string(r[:4]) + strings.Repeat("*", 4)
	}
	r := []rune(n)
	return string(r[:1]) + strings.Repeat("*", k-1)
}
