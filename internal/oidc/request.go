package oidc

import (
	"strconv"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// grant is what a token carries about the sign-in it came from: who, for which app, what they
// consented to and in which acting-for context. Auth requests, refresh tokens and access tokens
// all carry one.
type grant struct {
	ClientID      string     `db:"client_id"`
	AccountID     *int64     `db:"account_id"`
	Scopes        string     `db:"scopes"`
	ActingFor     string     `db:"acting_for"`
	ActingForName string     `db:"acting_for_name"`
	ConsentID     *int64     `db:"consent_id"`
	AuthTime      *time.Time `db:"auth_time"`
}

// subject is the token's sub: the account id for a person, the client id for an app's own
// token.
func (g grant) subject() string {
	if g.AccountID == nil {
		return g.ClientID
	}
	return strconv.FormatInt(*g.AccountID, 10)
}

func (g grant) scopes() []string { return split(g.Scopes) }

func (g grant) authTime() time.Time {
	if g.AuthTime == nil {
		return time.Time{}
	}
	return g.AuthTime.UTC()
}

// authRequest is a stored authorisation request (op.AuthRequest).
//
// Its auth_time column serves twice. Until the request is done it holds the earliest login the
// request accepts — the request's time less the app's max_age, or the request's time itself for
// prompt=login — or NULL when any login will do. Finish replaces it with the time the person
// actually signed in, which the ID token carries as auth_time.
type authRequest struct {
	ID                  string    `db:"id"`
	RedirectURI         string    `db:"redirect_uri"`
	ResponseType        string    `db:"response_type"`
	ResponseMode        string    `db:"response_mode"`
	State               string    `db:"state"`
	Nonce               string    `db:"nonce"`
	CodeChallenge       string    `db:"code_challenge"`
	CodeChallengeMethod string    `db:"code_challenge_method"`
	CreatedAt           time.Time `db:"created_at"`
	ExpiresAt           time.Time `db:"expires_at"`
	IsDone              bool      `db:"done"`
	grant
}

const authRequestColumns = `id, client_id, redirect_uri, scopes, response_type, response_mode, state, nonce,
	code_challenge, code_challenge_method, created_at, expires_at, done, account_id, acting_for, acting_for_name,
	consent_id, auth_time`

func (r *authRequest) GetID() string         { return r.ID }
func (r *authRequest) GetACR() string        { return "" }
func (r *authRequest) GetAMR() []string      { return nil }
func (r *authRequest) GetAudience() []string { return []string{r.ClientID} }
func (r *authRequest) GetAuthTime() time.Time {
	if !r.IsDone {
		return time.Time{}
	}
	return r.authTime()
}

// loginAfter is the earliest login an unfinished request accepts, nil if any will do.
func (r *authRequest) loginAfter() *time.Time {
	if r.IsDone || r.AuthTime == nil {
		return nil
	}
	t := r.AuthTime.UTC()
	return &t
}

func (r *authRequest) GetClientID() string { return r.ClientID }
func (r *authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	if r.CodeChallenge == "" {
		return nil
	}
	return &oidc.CodeChallenge{Challenge: r.CodeChallenge, Method: oidc.CodeChallengeMethod(r.CodeChallengeMethod)}
}
func (r *authRequest) GetNonce() string                   { return r.Nonce }
func (r *authRequest) GetRedirectURI() string             { return r.RedirectURI }
func (r *authRequest) GetResponseType() oidc.ResponseType { return oidc.ResponseType(r.ResponseType) }
func (r *authRequest) GetResponseMode() oidc.ResponseMode { return oidc.ResponseMode(r.ResponseMode) }
func (r *authRequest) GetScopes() []string                { return r.scopes() }
func (r *authRequest) GetState() string                   { return r.State }
func (r *authRequest) GetSubject() string {
	if r.AccountID == nil {
		return ""
	}
	return r.subject()
}
func (r *authRequest) Done() bool { return r.IsDone }

// refreshRequest is a stored refresh token as the op package sees it (op.RefreshTokenRequest).
type refreshRequest struct {
	ID        string     `db:"id"`
	Family    string     `db:"family"`
	CreatedAt time.Time  `db:"created_at"`
	ExpiresAt time.Time  `db:"expires_at"`
	RotatedAt *time.Time `db:"rotated_at"`
	RevokedAt *time.Time `db:"revoked_at"`
	grant
	current []string // scopes asked for at this refresh, a subset of the grant's
}

const refreshColumns = `id, family, client_id, account_id, scopes, acting_for, acting_for_name, consent_id, auth_time,
	created_at, expires_at, rotated_at, revoked_at`

func (r *refreshRequest) GetAMR() []string       { return nil }
func (r *refreshRequest) GetAudience() []string  { return []string{r.ClientID} }
func (r *refreshRequest) GetAuthTime() time.Time { return r.authTime() }
func (r *refreshRequest) GetClientID() string    { return r.ClientID }
func (r *refreshRequest) GetScopes() []string {
	if r.current != nil {
		return r.current
	}
	return r.scopes()
}
func (r *refreshRequest) GetSubject() string          { return r.subject() }
func (r *refreshRequest) SetCurrentScopes(s []string) { r.current = s }

// clientRequest is a department system asking for a token of its own (client credentials).
type clientRequest struct {
	clientID string
	scopes   []string
}

func (r *clientRequest) GetSubject() string    { return r.clientID }
func (r *clientRequest) GetAudience() []string { return []string{r.clientID} }
func (r *clientRequest) GetScopes() []string   { return r.scopes }

// accessToken is a stored access token.
type accessToken struct {
	ID        string     `db:"id"`
	Family    string     `db:"family"`
	CreatedAt time.Time  `db:"created_at"`
	ExpiresAt time.Time  `db:"expires_at"`
	RevokedAt *time.Time `db:"revoked_at"`
	grant
}

const accessColumns = `id, family, client_id, account_id, scopes, acting_for, acting_for_name, consent_id, auth_time,
	created_at, expires_at, revoked_at`
