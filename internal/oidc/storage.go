package oidc

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/yiwang-platform/yiwang/internal/apps"
	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// storage is the op package's view of Yiwang's database (op.Storage, op.ClientCredentialsStorage,
// op.CanSetUserinfoFromRequest). Apps and consents belong to internal/apps and are reached
// through its service; the provider's own tables (oidc_*) are read and written here.
type storage struct {
	db       *store.DB
	apps     *apps.Service
	subjects Subjects
	sessions Sessions
	keys     *keyring
	issuer   func() string
	ttl      lifetimes
	// endSession ends the person's portal session in the browser that asked an app's logout.
	endSession atomic.Pointer[EndSessionFunc]
}

type lifetimes struct {
	request, code, access, refresh, idToken time.Duration
}

var (
	_ op.Storage                   = (*storage)(nil)
	_ op.ClientCredentialsStorage  = (*storage)(nil)
	_ op.CanSetUserinfoFromRequest = (*storage)(nil)
)

// errNotFound is what the op package gets for anything unknown, expired or revoked: it turns
// plain errors into the OAuth error of the endpoint (invalid_grant, invalid_client…).
var errNotFound = errors.New("not found, expired or revoked")

// now is the time of checks outside transactions.
func (s *storage) now() time.Time { return s.db.Clock().Now().UTC() }

// clientCtx is ctx acting as app clientID, for audit records of what the app did.
func clientCtx(ctx context.Context, clientID string) context.Context {
	return principal.With(ctx, principal.Principal{Kind: principal.Client, Login: clientID, ClientID: clientID, Via: "client"})
}

// ---- clients ---------------------------------------------------------------------------------

// GetClientByClientID returns an enabled app; unknown and disabled apps are plain errors (the op
// package answers invalid_client or invalid_request), a database fault a server_error.
func (s *storage) GetClientByClientID(ctx context.Context, clientID string) (op.Client, error) {
	a, err := s.apps.Get(ctx, clientID)
	if errs.Is(err, errs.NotFound) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, oidc.ErrServerError().WithParent(err)
	}
	if a.Disabled {
		return nil, errNotFound
	}
	return client{app: a, issuer: s.issuer(), idToken: s.ttl.idToken}, nil
}

func (s *storage) AuthorizeClientIDSecret(ctx context.Context, clientID, secret string) error {
	_, err := s.apps.Authenticate(ctx, clientID, secret)
	if errs.Is(err, errs.Unauthenticated) || errs.Is(err, errs.NotFound) {
		return errNotFound
	}
	if err != nil {
		return oidc.ErrServerError().WithParent(err)
	}
	return nil
}

// ClientCredentials authenticates a department system for a token of its own.
func (s *storage) ClientCredentials(ctx context.Context, clientID, secret string) (op.Client, error) {
	a, err := s.apps.Authenticate(ctx, clientID, secret)
	if errs.Is(err, errs.Unauthenticated) || errs.Is(err, errs.NotFound) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, oidc.ErrServerError().WithParent(err)
	}
	return client{app: a, issuer: s.issuer(), idToken: s.ttl.idToken}, nil
}

// ClientCredentialsTokenRequest grants the scopes asked for, all of which the app must be
// registered for; none asked means all it is registered for.
func (s *storage) ClientCredentialsTokenRequest(ctx context.Context, clientID string, scopes []string) (op.TokenRequest, error) {
	a, err := s.apps.Get(ctx, clientID)
	if err != nil {
		return nil, oidc.ErrServerError().WithParent(err)
	}
	if a.Type != apps.TypeService {
		return nil, oidc.ErrUnauthorizedClient()
	}
	if len(scopes) == 0 {
		scopes = a.Scopes
	}
	for _, sc := range scopes {
		if !slices.Contains(a.Scopes, sc) {
			return nil, oidc.ErrInvalidScope().WithDescription("this system may not ask for the scope %q", sc)
		}
	}
	return &clientRequest{clientID: clientID, scopes: scopes}, nil
}

// ---- authorisation requests ------------------------------------------------------------------

// CreateAuthRequest stores an authorisation request after checks the op package does not make:
// the redirect URI by apps.RedirectAllowed (loopback on any port only for native apps, and only
// on the registered loopback host), PKCE with S256 (required of native apps, the only method
// accepted from any), openid present, and only scopes the app is registered for. A request with
// prompt=none is answered at once unless the person is signed in, recently enough for its
// max_age, and has consented. A request with max_age, or prompt=login (which the op package
// turns into max_age=0), keeps the earliest login it accepts: a person whose session began
// before it signs in again before the consent page lets them on (AuthRequest, Finish).
func (s *storage) CreateAuthRequest(ctx context.Context, req *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	a, err := s.apps.Get(ctx, req.ClientID)
	if err != nil {
		return nil, oidc.ErrInvalidRequestRedirectURI().WithDescription("unknown client").WithParent(err)
	}
	if !apps.RedirectAllowed(a, req.RedirectURI) {
		return nil, oidc.ErrInvalidRequestRedirectURI().WithDescription("The redirect_uri is not registered for this app.")
	}
	if req.ResponseType != oidc.ResponseTypeCode {
		return nil, oidc.ErrUnauthorizedClient().WithDescription("Only the authorization code flow is supported.")
	}
	switch {
	case req.CodeChallenge == "" && a.Public():
		return nil, oidc.ErrInvalidRequest().WithDescription("PKCE (code_challenge with code_challenge_method S256) is required of this app.")
	case req.CodeChallenge != "" && req.CodeChallengeMethod != oidc.CodeChallengeMethodS256:
		return nil, oidc.ErrInvalidRequest().WithDescription("Only the S256 code_challenge_method is supported.")
	}
	if !slices.Contains(req.Scopes, apps.ScopeOpenID) {
		return nil, oidc.ErrInvalidScope().WithDescription("The openid scope is required.")
	}
	var scopes []string
	for _, sc := range req.Scopes {
		if slices.Contains(a.Scopes, sc) && !slices.Contains(scopes, sc) {
			scopes = append(scopes, sc)
		}
	}
	if slices.Contains(req.Prompt, oidc.PromptNone) {
		// The person must already be signed in (the principal of this request), recently
		// enough, and have consented: nobody may be asked anything.
		ok, err := s.apps.Has(ctx, a.ClientID, scopes)
		switch {
		case errs.Is(err, errs.Unauthenticated), errs.Is(err, errs.Forbidden):
			return nil, oidc.ErrLoginRequired()
		case err != nil:
			return nil, oidc.ErrServerError().WithParent(err)
		case !ok:
			return nil, oidc.ErrInteractionRequired().WithDescription("consent_required")
		}
		if bound, ok := loginBound(s.now(), req.MaxAge); ok {
			at, known, err := s.loginTime(ctx, principal.From(ctx))
			if err != nil {
				return nil, oidc.ErrServerError().WithParent(err)
			}
			if !known || at.Before(bound) {
				return nil, oidc.ErrLoginRequired().WithDescription("The person signed in longer ago than max_age allows.")
			}
		}
	}
	r := &authRequest{ID: randomID(24), RedirectURI: req.RedirectURI, ResponseType: string(req.ResponseType),
		ResponseMode: string(req.ResponseMode), State: req.State, Nonce: req.Nonce, CodeChallenge: req.CodeChallenge,
		CodeChallengeMethod: string(req.CodeChallengeMethod), grant: grant{ClientID: a.ClientID, Scopes: join(scopes)}}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		// Abandoned requests go as new ones come.
		if _, err := tx.Exec(ctx, `DELETE FROM oidc_auth_requests WHERE expires_at < ?`, tx.Now); err != nil {
			return err
		}
		r.CreatedAt, r.ExpiresAt = tx.Now, tx.Now.Add(s.ttl.request)
		r.AuthTime = nil
		if bound, ok := loginBound(tx.Now, req.MaxAge); ok {
			r.AuthTime = &bound // the earliest login accepted, until the request is done
		}
		_, err := tx.Exec(ctx, `INSERT INTO oidc_auth_requests (id, client_id, redirect_uri, scopes, response_type,
			response_mode, state, nonce, code_challenge, code_challenge_method, created_at, expires_at, auth_time)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, r.ClientID, r.RedirectURI, r.Scopes, r.ResponseType,
			r.ResponseMode, r.State, r.Nonce, r.CodeChallenge, r.CodeChallengeMethod, r.CreatedAt, r.ExpiresAt, r.AuthTime)
		return err
	})
	if err != nil {
		return nil, oidc.ErrServerError().WithParent(err)
	}
	return r, nil
}

// authRequestByID returns a request that has not expired. Returns errs.NotFound otherwise.
func (s *storage) authRequestByID(ctx context.Context, id string) (*authRequest, error) {
	var r authRequest
	if err := s.db.Get(ctx, &r, `SELECT `+authRequestColumns+` FROM oidc_auth_requests WHERE id = ? AND expires_at > ?`, id, s.now()); err != nil {
		if errs.Is(err, errs.NotFound) {
			return nil, errs.Wrapf(errs.NotFound, err, "oidc.error.no_request")
		}
		return nil, err
	}
	return &r, nil
}

func (s *storage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	r, err := s.authRequestByID(ctx, id)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// AuthRequestByCode redeems a code: it works once, within its lifetime, and only for a request
// a person finished. Redeeming clears the code in the same statement, so that two concurrent
// exchanges of one code cannot both succeed.
func (s *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	var r authRequest
	err := s.db.Transact(ctx, func(tx *store.Tx) error {
		return tx.Get(ctx, &r, `UPDATE oidc_auth_requests SET code_hash = NULL
			WHERE code_hash = ? AND done = ? AND expires_at > ? RETURNING `+authRequestColumns, hashToken(code), true, tx.Now)
	})
	if errs.Is(err, errs.NotFound) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, oidc.ErrServerError().WithParent(err)
	}
	return &r, nil
}

// SaveAuthCode keeps the code of a finished request, as its hash, for the code's short life.
func (s *storage) SaveAuthCode(ctx context.Context, id, code string) error {
	return s.db.Transact(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE oidc_auth_requests SET code_hash = ?, expires_at = ? WHERE id = ? AND done = ?`,
			hashToken(code), tx.Now.Add(s.ttl.code), id, true)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errNotFound
		}
		return nil
	})
}

func (s *storage) DeleteAuthRequest(ctx context.Context, id string) error {
	return s.db.Transact(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM oidc_auth_requests WHERE id = ?`, id)
		return err
	})
}

// ---- tokens ----------------------------------------------------------------------------------

// grantOf returns what a token request grants.
func grantOf(request op.TokenRequest) (grant, error) {
	switch r := request.(type) {
	case *authRequest:
		if !r.IsDone || r.AccountID == nil || r.ConsentID == nil {
			return grant{}, oidc.ErrInvalidGrant().WithDescription("the authorisation request was not completed")
		}
		return r.grant, nil
	case *refreshRequest:
		g := r.grant
		g.Scopes = join(r.GetScopes())
		return g, nil
	case *clientRequest:
		return grant{ClientID: r.clientID, Scopes: join(r.scopes)}, nil
	}
	return grant{}, oidc.ErrUnsupportedGrantType()
}

// CreateAccessToken stores an access token for a sign-in without refresh, or for a department
// system's own use.
func (s *storage) CreateAccessToken(ctx context.Context, request op.TokenRequest) (string, time.Time, error) {
	g, err := grantOf(request)
	if err != nil {
		return "", time.Time{}, err
	}
	ctx = clientCtx(ctx, g.ClientID)
	var id string
	var exp time.Time
	err = s.db.Transact(ctx, func(tx *store.Tx) (err error) {
		if id, exp, err = s.insertAccess(ctx, tx, g, ""); err != nil {
			return err
		}
		return s.recordIssue(ctx, tx, request, g, id)
	})
	if err != nil {
		return "", time.Time{}, oidc.DefaultToServerError(err, "cannot issue the access token")
	}
	return id, exp, nil
}

// CreateAccessAndRefreshTokens issues an access token and a refresh token: for a sign-in that
// asked for offline_access (a new token family), or at a refresh, where the presented refresh
// token is rotated out within its family.
func (s *storage) CreateAccessAndRefreshTokens(ctx context.Context, request op.TokenRequest, current string) (accessID, refresh string, exp time.Time, err error) {
	g, err := grantOf(request)
	if err != nil {
		return "", "", time.Time{}, err
	}
	if g.AccountID == nil || g.ConsentID == nil || g.AuthTime == nil {
		return "", "", time.Time{}, oidc.ErrInvalidGrant()
	}
	family := randomID(16)
	if rr, ok := request.(*refreshRequest); ok {
		family = rr.Family
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		if rr, ok := request.(*refreshRequest); ok {
			res, err := tx.Exec(ctx, `UPDATE oidc_refresh_tokens SET rotated_at = ?
				WHERE id = ? AND token_hash = ? AND rotated_at IS NULL AND revoked_at IS NULL`, tx.Now, rr.ID, hashToken(current))
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return oidc.ErrInvalidGrant().WithDescription("the refresh token was already used")
			}
		}
		refresh = randomID(32)
		if _, err := tx.Exec(ctx, `INSERT INTO oidc_refresh_tokens (id, token_hash, family, client_id, account_id, scopes,
			acting_for, acting_for_name, consent_id, auth_time, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, randomID(12), hashToken(refresh), family, g.ClientID, *g.AccountID,
			g.Scopes, g.ActingFor, g.ActingForName, *g.ConsentID, *g.AuthTime, tx.Now, tx.Now.Add(s.ttl.refresh)); err != nil {
			return err
		}
		if accessID, exp, err = s.insertAccess(ctx, tx, g, family); err != nil {
			return err
		}
		if _, ok := request.(*refreshRequest); ok {
			return nil // routine, and frequent: a refresh is not audited
		}
		return s.recordIssue(clientCtx(ctx, g.ClientID), tx, request, g, accessID)
	})
	if err != nil {
		return "", "", time.Time{}, oidc.DefaultToServerError(err, "cannot issue the tokens")
	}
	return accessID, refresh, exp, nil
}

func (s *storage) insertAccess(ctx context.Context, tx *store.Tx, g grant, family string) (string, time.Time, error) {
	// Expired access tokens go as new ones come; a day's grace keeps them for investigations.
	if _, err := tx.Exec(ctx, `DELETE FROM oidc_access_tokens WHERE expires_at < ?`, tx.Now.Add(-24*time.Hour)); err != nil {
		return "", time.Time{}, err
	}
	id, exp := randomID(24), tx.Now.Add(s.ttl.access)
	_, err := tx.Exec(ctx, `INSERT INTO oidc_access_tokens (id, client_id, account_id, scopes, acting_for, acting_for_name,
		consent_id, family, auth_time, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, g.ClientID, g.AccountID, g.Scopes, g.ActingFor, g.ActingForName, g.ConsentID, family, g.AuthTime, tx.Now, exp)
	return id, exp, err
}

// recordIssue audits a code redeemed or a department system's token: who got what, never the
// token.
func (s *storage) recordIssue(ctx context.Context, tx *store.Tx, request op.TokenRequest, g grant, tokenID string) error {
	grantType := string(oidc.GrantTypeCode)
	if _, ok := request.(*clientRequest); ok {
		grantType = string(oidc.GrantTypeClientCredentials)
	}
	return audit.Record(ctx, tx, audit.Change{Action: "oidc.token.issued", ObjectType: "app", ObjectID: g.ClientID,
		Detail: map[string]any{"grant_type": grantType, "subject": g.subject(), "scopes": g.scopes(), "token": tokenID[:8]}})
}

// TokenRequestByRefreshToken returns the grant of a live refresh token. A rotated token
// presented again means it was copied: the whole family is revoked.
func (s *storage) TokenRequestByRefreshToken(ctx context.Context, token string) (op.RefreshTokenRequest, error) {
	var r refreshRequest
	if err := s.db.Get(ctx, &r, `SELECT `+refreshColumns+` FROM oidc_refresh_tokens WHERE token_hash = ?`, hashToken(token)); err != nil {
		if errs.Is(err, errs.NotFound) {
			return nil, errNotFound
		}
		return nil, oidc.ErrServerError().WithParent(err)
	}
	switch {
	case r.RevokedAt != nil, !s.now().Before(r.ExpiresAt):
		return nil, errNotFound
	case r.RotatedAt != nil:
		err := s.db.Transact(clientCtx(ctx, r.ClientID), func(tx *store.Tx) error {
			if err := revokeFamily(ctx, tx, r.Family); err != nil {
				return err
			}
			return audit.Record(clientCtx(ctx, r.ClientID), tx, audit.Change{Action: "oidc.refresh_token.reused", ObjectType: "app",
				ObjectID: r.ClientID, Detail: map[string]any{"subject": r.subject(), "family": r.Family[:8]}})
		})
		if err != nil {
			return nil, oidc.ErrServerError().WithParent(err)
		}
		return nil, errNotFound
	}
	if ok, err := s.apps.InForce(ctx, *r.ConsentID); err != nil {
		return nil, oidc.ErrServerError().WithParent(err)
	} else if !ok {
		return nil, errNotFound
	}
	return &r, nil
}

// GetRefreshTokenInfo answers the revocation endpoint for a refresh token of clientID.
func (s *storage) GetRefreshTokenInfo(ctx context.Context, clientID, token string) (string, string, error) {
	var r refreshRequest
	err := s.db.Get(ctx, &r, `SELECT `+refreshColumns+` FROM oidc_refresh_tokens WHERE token_hash = ?`, hashToken(token))
	if errs.Is(err, errs.NotFound) {
		return "", "", op.ErrInvalidRefreshToken
	}
	if err != nil {
		return "", "", err
	}
	return r.subject(), r.ID, nil
}

// RevokeToken revokes a refresh token (with every token of its family) or an access token, if it
// belongs to clientID. Unknown tokens are not an error (RFC 7009).
func (s *storage) RevokeToken(ctx context.Context, tokenOrID, _ string, clientID string) *oidc.Error {
	ctx = clientCtx(ctx, clientID)
	foreign := false
	err := s.db.Transact(ctx, func(tx *store.Tx) error {
		foreign = false
		var owner []struct {
			ClientID string `db:"client_id"`
			Family   string `db:"family"`
		}
		kind := "refresh_token"
		if err := tx.Select(ctx, &owner, `SELECT client_id, family FROM oidc_refresh_tokens WHERE id = ?`, tokenOrID); err != nil {
			return err
		}
		if len(owner) == 0 {
			kind = "access_token"
			if err := tx.Select(ctx, &owner, `SELECT client_id, family FROM oidc_access_tokens WHERE id = ?`, tokenOrID); err != nil {
				return err
			}
		}
		switch {
		case len(owner) == 0:
			return nil
		case owner[0].ClientID != clientID:
			foreign = true
			return nil
		case kind == "refresh_token":
			if err := revokeFamily(ctx, tx, owner[0].Family); err != nil {
				return err
			}
		default:
			if _, err := tx.Exec(ctx, `UPDATE oidc_access_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, tx.Now, tokenOrID); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Change{Action: "oidc.token.revoked", ObjectType: "app", ObjectID: clientID,
			Detail: map[string]any{"token_type": kind}})
	})
	if err != nil {
		return oidc.ErrServerError().WithParent(err)
	}
	if foreign {
		return oidc.ErrInvalidClient().WithDescription("the token was issued to another client")
	}
	return nil
}

func revokeFamily(ctx context.Context, tx *store.Tx, family string) error {
	if _, err := tx.Exec(ctx, `UPDATE oidc_refresh_tokens SET revoked_at = ? WHERE family = ? AND revoked_at IS NULL`, tx.Now, family); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE oidc_access_tokens SET revoked_at = ? WHERE family = ? AND revoked_at IS NULL`, tx.Now, family)
	return err
}

// TerminateSession ends a person's session with an app (RP-initiated logout): every token the
// app holds for them stops working.
func (s *storage) TerminateSession(ctx context.Context, userID, clientID string) error {
	accountID, err := strconv.ParseInt(userID, 10, 64)
	if err != nil || clientID == "" {
		return nil // without an id_token_hint there is nobody to sign out of the app
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE oidc_refresh_tokens SET revoked_at = ? WHERE account_id = ? AND client_id = ? AND revoked_at IS NULL`,
			tx.Now, accountID, clientID)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		res, err = tx.Exec(ctx, `UPDATE oidc_access_tokens SET revoked_at = ? WHERE account_id = ? AND client_id = ? AND revoked_at IS NULL`,
			tx.Now, accountID, clientID)
		if err != nil {
			return err
		}
		m, _ := res.RowsAffected()
		return audit.Record(clientCtx(ctx, clientID), tx, audit.Change{Action: "oidc.session.ended", ObjectType: "app", ObjectID: clientID,
			Detail: map[string]any{"subject": userID, "tokens_revoked": n + m}})
	})
	if err != nil {
		return err
	}
	// Signing out of the app signs the person out of Yiwang in this browser too, so that the next
	// app does not find them signed in. Only the id_token_hint the provider verified names them.
	if b, ok := ctx.Value(browserKey{}).(browser); ok {
		if fn := s.endSession.Load(); fn != nil {
			return (*fn)(b.w, b.r, accountID)
		}
	}
	return nil
}

// EndSessionFunc ends the portal session of account accountID that request r carries (its
// cookie), writing what the browser needs to forget it to w; a session of anyone else is left.
type EndSessionFunc func(w http.ResponseWriter, r *http.Request, accountID int64) error

// browser is the request behind an end_session call, kept in its context for TerminateSession.
type browser struct {
	w http.ResponseWriter
	r *http.Request
}

type browserKey struct{}

// liveAccess returns a live access token: not expired, not revoked, its app enabled and, for a
// person's token, its consent still in force. Returns errNotFound otherwise.
func (s *storage) liveAccess(ctx context.Context, tokenID, subject string) (accessToken, error) {
	var t accessToken
	if err := s.db.Get(ctx, &t, `SELECT `+accessColumns+` FROM oidc_access_tokens WHERE id = ?`, tokenID); err != nil {
		if errs.Is(err, errs.NotFound) {
			return t, errNotFound
		}
		return t, err
	}
	if t.RevokedAt != nil || !s.now().Before(t.ExpiresAt) || t.subject() != subject {
		return t, errNotFound
	}
	a, err := s.apps.Get(ctx, t.ClientID)
	if err != nil {
		return t, err
	}
	if a.Disabled {
		return t, errNotFound
	}
	if t.ConsentID != nil {
		ok, err := s.apps.InForce(ctx, *t.ConsentID)
		if err != nil {
			return t, err
		}
		if !ok {
			return t, errNotFound
		}
	}
	return t, nil
}

// ---- claims ----------------------------------------------------------------------------------

// SetUserinfoFromScopes is deprecated in the op package; SetUserinfoFromRequest does the work.
func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest fills the ID token: its subject, and the claims of the scopes the op
// package leaves in it (it takes profile and phone out when an access token comes along; the
// ID number is left to userinfo too, see claims).
func (s *storage) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, request op.IDTokenRequest, scopes []string) error {
	tr, ok := request.(op.TokenRequest)
	if !ok {
		return oidc.ErrServerError().WithDescription("unexpected ID token request")
	}
	g, err := grantOf(tr)
	if err != nil {
		return err
	}
	g.Scopes = join(scopes)
	return s.claims(ctx, info, g, true)
}

// SetUserinfoFromToken answers userinfo for a person's live access token.
func (s *storage) SetUserinfoFromToken(ctx context.Context, info *oidc.UserInfo, tokenID, subject, _ string) error {
	t, err := s.liveAccess(ctx, tokenID, subject)
	if err != nil {
		return err
	}
	if t.AccountID == nil {
		return errors.New("a department system's token says nothing about a person")
	}
	return s.claims(ctx, info, t.grant, false)
}

// SetIntrospectionFromToken answers introspection of a live access token, for the app it was
// issued to only: other apps learn that it is not active.
func (s *storage) SetIntrospectionFromToken(ctx context.Context, resp *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	t, err := s.liveAccess(ctx, tokenID, subject)
	if err != nil {
		return err
	}
	if t.ClientID != clientID {
		return errNotFound
	}
	resp.Scope = t.scopes()
	resp.ClientID = t.ClientID
	resp.TokenType = oidc.BearerToken
	resp.Expiration = oidc.FromTime(t.ExpiresAt)
	resp.IssuedAt = oidc.FromTime(t.CreatedAt)
	resp.Subject = t.subject()
	resp.Audience = []string{t.ClientID}
	resp.Issuer = op.IssuerFromContext(ctx)
	if t.AccountID != nil {
		info := new(oidc.UserInfo)
		if err := s.claims(ctx, info, t.grant, false); err != nil {
			return err
		}
		resp.SetUserInfo(info)
	}
	return nil
}

// GetPrivateClaimsFromScopes adds nothing: access tokens are opaque, not JWTs.
func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

// GetKeyByIDAndClientID: apps do not authenticate with keys (private_key_jwt, JWT profile).
func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("key-based client authentication is not supported")
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("the JWT profile grant is not supported")
}

// ---- keys and health -------------------------------------------------------------------------

func (s *storage) SigningKey(ctx context.Context) (op.SigningKey, error) {
	k, err := s.keys.current(ctx)
	if err != nil {
		return nil, oidc.ErrServerError().WithParent(err)
	}
	return k, nil
}

func (s *storage) SignatureAlgorithms(ctx context.Context) ([]jose.SignatureAlgorithm, error) {
	keys, err := s.keys.published(ctx)
	if err != nil {
		return nil, err
	}
	var algs []jose.SignatureAlgorithm
	for _, k := range keys {
		if !slices.Contains(algs, k.Algorithm()) {
			algs = append(algs, k.Algorithm())
		}
	}
	return algs, nil
}

func (s *storage) KeySet(ctx context.Context) ([]op.Key, error) { return s.keys.published(ctx) }

func (s *storage) Health(ctx context.Context) error { return s.db.Ping(ctx) }

func join(list []string) string { return strings.Join(list, " ") }
func split(s string) []string   { return strings.Fields(s) }
