// Package principal says who is asking: every request and every command carries a Principal in
// its context, and domain services decide from it what that principal may read or change.
package principal

import (
	"context"
	"slices"
)

// Kind is the kind of party behind a request.
type Kind string

// The kinds of principal.
const (
	Anonymous Kind = "anonymous"
	Resident  Kind = "resident"
	Agent     Kind = "enterprise_agent"
	Official  Kind = "official"
	Client    Kind = "client"
	System    Kind = "system"
)

// Roles an official can hold within an organisation.
const (
	RoleWindowOfficer = "window_officer"
	RoleReviewer      = "reviewer"
	RoleApprover      = "approver"
	RoleInspector     = "inspector"
	RoleDataSteward   = "data_steward"
	RoleAdministrator = "administrator"
)

// AllRoles lists every role in display order.
var AllRoles = []string{RoleWindowOfficer, RoleReviewer, RoleApprover, RoleInspector, RoleDataSteward, RoleAdministrator}

// Principal is the party behind a request.
type Principal struct {
	Kind      Kind
	AccountID int64
	Login     string
	Name      string
	// OrgCode is the code of the organisation an official belongs to.
	OrgCode string
	Roles   []string
}

// HasRole reports whether p holds role r.
func (p Principal) HasRole(r string) bool { return slices.Contains(p.Roles, r) }

// IsOfficial reports whether p is an official of organisation org (any org when org is "").
func (p Principal) IsOfficial(org string) bool {
	return p.Kind == Official && (org == "" || p.OrgCode == org)
}

// Authenticated reports whether p is anyone but the anonymous public.
func (p Principal) Authenticated() bool { return p.Kind != "" && p.Kind != Anonymous }

// Actor names p in audit records: kind and login, never personal data.
func (p Principal) Actor() string {
	if !p.Authenticated() {
		return string(Anonymous)
	}
	if p.Login == "" {
		return string(p.Kind)
	}
	return string(p.Kind) + ":" + p.Login
}

// SystemPrincipal acts for Yiwang itself: imports from the command line, demo seeding, workers.
var SystemPrincipal = Principal{Kind: System, Login: "system", Name: "system", Roles: []string{RoleAdministrator}}

type key struct{}

// With returns ctx carrying p.
func With(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, key{}, p)
}

// From returns the principal in ctx, Anonymous if none.
func From(ctx context.Context) Principal {
	p, ok := ctx.Value(key{}).(Principal)
	if !ok {
		return Principal{Kind: Anonymous}
	}
	return p
}
