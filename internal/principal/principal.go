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
	// RoleSealUser may sign documents with the organisation's active seals.
	RoleSealUser      = "seal_user"
	RoleAdministrator = "administrator"
)

// AllRoles lists every role in display order.
var AllRoles = []string{RoleWindowOfficer, RoleReviewer, RoleApprover, RoleInspector, RoleDataSteward, RoleSealUser, RoleAdministrator}

// Principal is the party behind a request.
type Principal struct {
	Kind      Kind
	AccountID int64
	Login     string
	Name      string
	// OrgCode is the code of the organisation an official belongs to.
	OrgCode string
	Roles   []string
	// RealNameLevel is how surely a resident's identity is known: 0 none (officials), 1
	// self-declared, 2 matched against the population registry, 3 verified in person.
	RealNameLevel int
	// ActingFor is the credit code of the enterprise an agent acts for, ActingForName its name,
	// and AgentScopes the service scopes the enterprise authorised the agent for.
	ActingFor     string
	ActingForName string
	AgentScopes   []string
	// Scopes limit a token or an app to part of what its account may do; nil means no limit
	// (a login session).
	Scopes []string
	// ClientID is the app a client or an app's access token belongs to.
	ClientID string
	// Via says how the principal proved who it is: "session", "token", "oidc", "client".
	Via string
	// Session identifies the login session of a "session" principal (a hash of its cookie, never
	// the cookie itself), so that a password change can end every other session.
	Session string
}

// API scopes of personal access tokens and apps' access tokens.
const (
	ScopeAPIRead  = "api:read"
	ScopeAPIWrite = "api:write"
)

// Allows reports whether p's scopes permit scope; a principal without scopes (a login session)
// is limited only by its roles.
func (p Principal) Allows(scope string) bool {
	return p.Scopes == nil || slices.Contains(p.Scopes, scope)
}

// ActsFor reports whether p is an agent acting for the enterprise with credit code, within
// service scope (any scope when scope is "").
func (p Principal) ActsFor(creditCode, scope string) bool {
	if p.Kind != Agent || p.ActingFor == "" || p.ActingFor != creditCode {
		return false
	}
	return scope == "" || slices.Contains(p.AgentScopes, scope) || slices.Contains(p.AgentScopes, "all")
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
