package oidc

import (
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/yiwang-platform/yiwang/internal/apps"
)

// client is a registered app as the op package sees it (op.Client).
type client struct {
	app     apps.App
	issuer  string
	idToken time.Duration
}

func (c client) GetID() string                    { return c.app.ClientID }
func (c client) RedirectURIs() []string           { return c.app.RedirectURIs }
func (c client) PostLogoutRedirectURIs() []string { return c.app.PostLogoutRedirectURIs }

func (c client) ApplicationType() op.ApplicationType {
	if c.app.Type == apps.TypeNative {
		return op.ApplicationTypeNative
	}
	return op.ApplicationTypeWeb
}

// AuthMethod: confidential apps authenticate with their secret (HTTP Basic, or in the form body,
// which the op package accepts for the same method); native apps are public and prove the code
// is theirs with PKCE instead.
func (c client) AuthMethod() oidc.AuthMethod {
	if c.app.Public() {
		return oidc.AuthMethodNone
	}
	return oidc.AuthMethodBasic
}

// ResponseTypes: the authorisation code flow only; department systems sign nobody in.
func (c client) ResponseTypes() []oidc.ResponseType {
	if c.app.Type == apps.TypeService {
		return nil
	}
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}

func (c client) GrantTypes() []oidc.GrantType {
	if c.app.Type == apps.TypeService {
		return []oidc.GrantType{oidc.GrantTypeClientCredentials}
	}
	return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
}

// LoginURL is the consent page, where the person signs in (if they have not) and decides.
func (c client) LoginURL(id string) string { return consentPath(c.issuer, id) }

func (c client) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeBearer }
func (c client) IDTokenLifetime() time.Duration      { return c.idToken }
func (c client) DevMode() bool                       { return false }
func (c client) ClockSkew() time.Duration            { return 0 }

func (c client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

func (c client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

// IsScopeAllowed admits the scopes the app was registered for.
func (c client) IsScopeAllowed(scope string) bool { return slices.Contains(c.app.Scopes, scope) }

// IDTokenUserinfoClaimsAssertion false: claims about the person come from userinfo, with the
// access token, not in the ID token (see claims).
func (c client) IDTokenUserinfoClaimsAssertion() bool { return false }
