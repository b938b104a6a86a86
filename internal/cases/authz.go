package cases

import (
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// Policy: who may see and do what with a case. Every Service method that reads or changes a
// case goes through these, so pages, API and CLI share them.

// IsApplicant reports whether p is the case's applicant: the resident whose case it is, or an
// agent acting for the enterprise whose case it is.
func IsApplicant(p principal.Principal, c Case) bool {
	return isApplicant(p, c.Applicant.Kind, c.Applicant.Account, c.Applicant.ActingFor)
}

func isApplicant(p principal.Principal, kind ApplicantKind, account int64, actingFor string) bool {
	switch p.Kind {
	case principal.Resident:
		return kind == ApplicantPerson && account == p.AccountID && p.AccountID != 0
	case principal.Agent:
		return kind == ApplicantEnterprise && actingFor != "" && p.ActsFor(actingFor, "")
	}
	return false
}

// applicant reports whether p is the case's applicant; never for a case received from another
// province's node, whose applicant has no account here.
func (r *row) applicant(p principal.Principal) bool {
	if r.OriginNode != "" {
		return false
	}
	return isApplicant(p, ApplicantKind(r.ApplicantKind), r.ApplicantAccount, r.ActingFor)
}

// handles reports whether p is an official of the case's handling organisation.
func (r *row) handles(p principal.Principal) bool {
	return r.HandlingOrg != "" && p.IsOfficial(r.HandlingOrg)
}

// receives reports whether p is an official of the window that collected the case.
func (r *row) receives(p principal.Principal) bool {
	return r.ReceivingOrg != "" && p.IsOfficial(r.ReceivingOrg)
}

// visible reports whether p may see the case at all.
func (r *row) visible(p principal.Principal) bool {
	return p.Kind == principal.System || r.applicant(p) || r.handles(p) || r.receives(p)
}

// mayHandle returns nil if p is an official of the handling organisation with one of roles;
// errs.NotFound if p may not see the case, errs.Forbidden if p may see it but not do this.
func (r *row) mayHandle(p principal.Principal, roles ...string) error {
	if !r.visible(p) {
		return errNotFound()
	}
	if r.handles(p) && hasAnyRole(p, roles) {
		return nil
	}
	return errs.E(errs.Forbidden, "cases.error.not_your_step")
}

// scopeAll is the service scope that covers every item (identity.ScopeAll): the one an
// enterprise's legal representative acts with.
const scopeAll = "all"

// inScope reports whether p, an agent acting for enterprise actingFor, was authorised for the
// service scope of it (or for all services). An item without a scope needs all services.
func inScope(p principal.Principal, actingFor string, it ItemSpec) bool {
	scope := it.AgentScope
	if scope == "" {
		scope = scopeAll
	}
	return p.ActsFor(actingFor, scope)
}

// agentScopeError returns nil unless p is an agent whose authorisation for enterprise actingFor
// misses the scope of one of items: then errs.Forbidden naming that item. Anyone else passes
// (the other rules decide about them).
func agentScopeError(p principal.Principal, actingFor string, items []ItemSpec) error {
	if p.Kind != principal.Agent {
		return nil
	}
	for _, it := range items {
		if !inScope(p, actingFor, it) {
			return errs.E(errs.Forbidden, "cases.error.agent_scope", it.NameHans)
		}
	}
	return nil
}

// agentScope returns nil unless p is an agent not authorised for the scope of every item of the
// case (a bundle's parent has its items; a bundle's case, its own item): errs.Forbidden then.
// Seeing the case needs no scope: only acting on it does.
func (r *row) agentScope(p principal.Principal) error {
	if p.Kind != principal.Agent {
		return nil
	}
	if r.isParent() {
		b, err := r.bundle()
		if err != nil {
			return err
		}
		return agentScopeError(p, r.ActingFor, b.Items)
	}
	it, err := r.item()
	if err != nil {
		return err
	}
	return agentScopeError(p, r.ActingFor, []ItemSpec{it})
}

// mayApply returns nil if p is the applicant (an agent authorised for the case's scope);
// errs.NotFound or errs.Forbidden as mayHandle.
func (r *row) mayApply(p principal.Principal) error {
	if !r.visible(p) {
		return errNotFound()
	}
	if r.applicant(p) {
		return r.agentScope(p)
	}
	return errs.E(errs.Forbidden, "cases.error.not_your_step")
}

// mayActForApplicant returns nil if p is the applicant (an agent authorised for the case's
// scope), or a window officer of the window that collected the case (who may supply materials
// and resubmit for the person at the counter).
func (r *row) mayActForApplicant(p principal.Principal) error {
	if !r.visible(p) {
		return errNotFound()
	}
	if r.applicant(p) {
		return r.agentScope(p)
	}
	if r.Channel == ChannelWindow && r.receives(p) && p.HasRole(principal.RoleWindowOfficer) {
		return nil
	}
	return errs.E(errs.Forbidden, "cases.error.not_your_step")
}

func hasAnyRole(p principal.Principal, roles []string) bool {
	for _, r := range roles {
		if p.HasRole(r) {
			return true
		}
	}
	return false
}

// requireStatus returns errs.Conflict unless r is in one of statuses.
func (r *row) requireStatus(statuses ...Status) error {
	for _, s := range statuses {
		if r.Status == s {
			return nil
		}
	}
	return errs.E(errs.Conflict, "cases.error.wrong_status", string(r.Status))
}
