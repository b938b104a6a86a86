package payments

import (
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// Who may do what. Payers see and pay their own orders: a resident those opened for them, an
// enterprise's agents (acting for it) those of the enterprise. Officials see their own
// organisation's orders; administrators of the digital office see every organisation's (they
// reconcile them all). Refunds and closing an order are for the payee organisation's approvers;
// reconciliation for administrators — of the organisation for its own orders, of the digital
// office for all. Whoever may not see an order is told it does not exist.

// isPayer reports whether p pays order o.
func isPayer(p principal.Principal, o Order) bool {
	switch p.Kind {
	case principal.Resident:
		return o.PayerActingFor == "" && p.AccountID != 0 && p.AccountID == o.Payer
	case principal.Agent:
		return o.PayerActingFor != "" && p.ActsFor(o.PayerActingFor, "")
	}
	return false
}

// seesOrg reports whether p reads the orders of organisation orgCode as an official.
func seesOrg(p principal.Principal, orgCode string) bool {
	switch {
	case p.Kind == principal.System:
		return true
	case p.Kind != principal.Official:
		return false
	case p.OrgCode == orgCode:
		return true
	}
	return p.OrgCode == org.DigitalOffice && p.HasRole(principal.RoleAdministrator)
}

// canSee reports whether p may read order o.
func canSee(p principal.Principal, o Order) bool { return isPayer(p, o) || seesOrg(p, o.Org) }

// canRefund reports whether p may refund (or close) orders of organisation orgCode.
func canRefund(p principal.Principal, orgCode string) bool {
	return p.Kind == principal.System || p.Kind == principal.Official && p.OrgCode == orgCode && p.HasRole(principal.RoleApprover)
}

// canOpen reports whether p may open an order for organisation orgCode outside a domain's
// transaction: a fee collected at the payee's window.
func canOpen(p principal.Principal, orgCode string) bool {
	return p.Kind == principal.System || p.Kind == principal.Official && p.OrgCode == orgCode &&
		(p.HasRole(principal.RoleWindowOfficer) || p.HasRole(principal.RoleApprover))
}

// reconcileScope returns the organisation whose records p may reconcile ("" for all), and
// whether p may reconcile at all. want is the organisation asked for ("" for all).
func reconcileScope(p principal.Principal, want string) (string, bool) {
	switch {
	case p.Kind == principal.System:
		return want, true
	case p.Kind != principal.Official || !p.HasRole(principal.RoleAdministrator):
		return "", false
	case p.OrgCode == org.DigitalOffice:
		return want, true
	case want == "" || want == p.OrgCode:
		return p.OrgCode, true
	}
	return "", false
}

// CanRefund reports whether p may refund and close orders of organisation orgCode (for pages
// that offer the forms only to those who may use them).
func CanRefund(p principal.Principal, orgCode string) bool { return canRefund(p, orgCode) }

// CanReconcile reports whether p may run and read reconciliation reports.
func CanReconcile(p principal.Principal) bool { _, ok := reconcileScope(p, ""); return ok }

// ReadsAllOrgs reports whether p reads every organisation's orders (the digital office's
// administrators and the system).
func ReadsAllOrgs(p principal.Principal) bool {
	return p.Kind == principal.System || p.Kind == principal.Official && p.OrgCode == org.DigitalOffice && p.HasRole(principal.RoleAdministrator)
}
