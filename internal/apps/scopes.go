package apps

import (
	"slices"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/principal"
)

// Scopes an app may ask a person for. Each releases what its plain-language description
// (ScopeMessageKey) says, and nothing more.
const (
	ScopeOpenID        = "openid"          // who the person is to this app: a stable identifier
	ScopeProfile       = "profile"         // their name
	ScopePhone         = "phone"           // their phone number
	ScopeIDNumber      = "id_number"       // their identity document number, masked unless entitled
	ScopeRealNameLevel = "real_name_level" // how surely their identity is known (1–3)
	ScopeEnterprise    = "enterprise"      // the enterprise they act for, if any
	ScopeOfflineAccess = "offline_access"  // staying signed in: refresh tokens
)

// PersonScopes are the scopes of apps that sign people in (web and native), in display order.
var PersonScopes = []string{ScopeOpenID, ScopeProfile, ScopePhone, ScopeIDNumber, ScopeRealNameLevel, ScopeEnterprise, ScopeOfflineAccess}

// ServiceScopes are the scopes of department systems that call the API as themselves.
var ServiceScopes = []string{principal.ScopeAPIRead, principal.ScopeAPIWrite}

// scopesFor returns the scopes an app of type t may be registered for.
func scopesFor(t Type) []string {
	if t == TypeService {
		return ServiceScopes
	}
	return PersonScopes
}

// ScopeMessageKey is the i18n key of the plain-language description of scope, as a person
// reads it on the consent page. An app entitled to full ID numbers gets a description that
// says so. Unknown scopes have no description: the provider never grants them.
func ScopeMessageKey(scope string, idNumberEntitled bool) string {
	if scope == ScopeIDNumber && idNumberEntitled {
		return "apps.scope.id_number_full"
	}
	return "apps.scope." + strings.ReplaceAll(scope, ":", "_")
}

// Covers reports whether granted includes every scope of asked.
func Covers(granted, asked []string) bool {
	for _, s := range asked {
		if !slices.Contains(granted, s) {
			return false
		}
	}
	return true
}

// canonical returns scopes without duplicates, in the order of PersonScopes then
// ServiceScopes, so that stored lists compare equal.
func canonical(scopes []string) []string {
	out := make([]string, 0, len(scopes))
	for _, s := range slices.Concat(PersonScopes, ServiceScopes) {
		if slices.Contains(scopes, s) {
			out = append(out, s)
		}
	}
	return out
}

// join and split store lists in one space-separated column.
func join(list []string) string { return strings.Join(list, " ") }

func split(s string) []string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return []string{}
	}
	return f
}
