// Package oidc is Yiwang's OpenID Connect provider: department apps sign people in through it
// (authorisation code with PKCE, rotating refresh tokens, userinfo, RP-initiated logout), and
// department systems get tokens of their own for the API (client credentials).
//
// It is built on github.com/zitadel/oidc/v3/pkg/op with its storage over Yiwang's database: the
// registered apps and people's consents come from internal/apps, who a person is from a
// Subjects the wiring provides, and the provider keeps its own tables — signing keys (sealed
// with a key derived from Config.Secret, rotated with an overlap), authorisation requests, and
// access and refresh tokens (opaque to apps; stored as ids and hashes).
//
// The provider serves under /oidc/ (the issuer is the site's public URL + "/oidc"). Signing in
// and consenting happen on the portal's consent page, /oidc/consent?id=…, which uses
// AuthRequest, Finish and Deny. When an app asks for a fresh login (prompt=login, or a max_age
// the person's session is older than), AuthRequest and Finish answer errs.Unauthenticated, and
// the consent page sends the person through the login page before they go on; the ID token's
// auth_time is when their session began (Sessions).
package oidc

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"

	"github.com/yiwang-platform/yiwang/internal/apps"
	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Path is where the provider is mounted; the issuer's path ends with it.
const Path = "/oidc"

// digitalOffice administers the provider (key rotation), as it does apps.
const digitalOffice = apps.DigitalOffice

// Subject is what the provider may say about a person.
type Subject struct {
	AccountID int64
	Login     string
	Name      string
	Phone     string
	// PhoneVerified says the person proved the phone is theirs (a one-time code).
	PhoneVerified bool
	IDType        string
	IDNumber      string
	RealNameLevel int
	Kind          principal.Kind
}

// Subjects tells the provider who a person is; the wiring implements it over the identity
// service.
type Subjects interface {
	// Subject returns the person with accountID. Returns errs.NotFound if there is none.
	Subject(ctx context.Context, accountID int64) (Subject, error)
}

// Default lifetimes.
const (
	DefaultAccessTokenTTL  = 30 * time.Minute
	DefaultRefreshTokenTTL = 30 * 24 * time.Hour
	DefaultIDTokenTTL      = time.Hour
	authRequestTTL         = 15 * time.Minute // from /authorize to the person's decision
	codeTTL                = 5 * time.Minute  // from the decision to the code exchange
)

// MinSecretLen is the shortest Config.Secret accepted: 32 bytes, as random as a key.
const MinSecretLen = 32

// Config is what the provider needs.
type Config struct {
	// Issuer is the provider's public URL, e.g. https://yiwang.fujian.gov.cn/oidc: https, or
	// http on a loopback host for development; its path ends in /oidc. It may be left empty and
	// set with SetIssuer once the server's address is known; until then the provider answers 503.
	Issuer string
	// Secret, at least MinSecretLen random bytes, is the root of the keys that encrypt access
	// tokens and codes and seal the signing keys in the database. Every node of a deployment
	// needs the same one; changing it invalidates outstanding tokens and makes the provider
	// start a new signing key.
	Secret []byte
	DB     *store.DB
	Apps   *apps.Service
	// Subjects says who people are.
	Subjects Subjects
	// Sessions says when people signed in (the identity service).
	Sessions Sessions
	// Algorithm signs ID tokens: ES256 (the default) or EdDSA. Changing it starts a new key at
	// the next start, the old one staying published for KeyOverlap.
	Algorithm string
	// KeyOverlap is how long a replaced signing key stays published; DefaultKeyOverlap if zero.
	KeyOverlap time.Duration
	// Lifetimes of tokens; the defaults if zero.
	AccessTokenTTL, RefreshTokenTTL, IDTokenTTL time.Duration
}

// Provider is the OpenID Connect provider.
type Provider struct {
	cfg     Config
	op      *op.Provider
	storage *storage
	keys    *keyring
	issuer  atomic.Pointer[string]
	srv     *httpserver.Server
}

// New checks cfg, makes sure a signing key exists (rotating in a new one if there is none, if
// the algorithm changed, or if the secret no longer opens it) and returns the provider.
func New(ctx context.Context, cfg Config) (_ *Provider, err error) {
	defer errs.Wrap(&err, "oidc.New")
	if cfg.DB == nil || cfg.Apps == nil || cfg.Subjects == nil || cfg.Sessions == nil {
		return nil, fmt.Errorf("oidc: DB, Apps, Subjects and Sessions are required")
	}
	if len(cfg.Secret) < MinSecretLen {
		return nil, fmt.Errorf("oidc: the secret must be at least %d bytes (got %d)", MinSecretLen, len(cfg.Secret))
	}
	if cfg.Algorithm == "" {
		cfg.Algorithm = ES256
	}
	if cfg.Algorithm != ES256 && cfg.Algorithm != EdDSA {
		return nil, fmt.Errorf("oidc: signature algorithm %q: want %s or %s", cfg.Algorithm, ES256, EdDSA)
	}
	if cfg.KeyOverlap <= 0 {
		cfg.KeyOverlap = DefaultKeyOverlap
	}
	if cfg.AccessTokenTTL <= 0 {
		cfg.AccessTokenTTL = DefaultAccessTokenTTL
	}
	if cfg.RefreshTokenTTL <= 0 {
		cfg.RefreshTokenTTL = DefaultRefreshTokenTTL
	}
	if cfg.IDTokenTTL <= 0 {
		cfg.IDTokenTTL = DefaultIDTokenTTL
	}
	tokenKey, err := hkdf.Key(sha256.New, cfg.Secret, nil, "yiwang oidc: tokens and codes", 32)
	if err != nil {
		return nil, err
	}
	sealKey, err := hkdf.Key(sha256.New, cfg.Secret, nil, "yiwang oidc: signing keys", 32)
	if err != nil {
		return nil, err
	}
	p := &Provider{cfg: cfg}
	if cfg.Issuer != "" {
		if err := p.SetIssuer(cfg.Issuer); err != nil {
			return nil, err
		}
	}
	if p.keys, err = newKeyring(cfg.DB, cfg.Algorithm, cfg.KeyOverlap, sealKey); err != nil {
		return nil, err
	}
	if err := p.keys.ensureKey(ctx); err != nil {
		return nil, err
	}
	p.storage = &storage{db: cfg.DB, apps: cfg.Apps, subjects: cfg.Subjects, sessions: cfg.Sessions, keys: p.keys, issuer: p.Issuer,
		ttl: lifetimes{request: authRequestTTL, code: codeTTL, access: cfg.AccessTokenTTL, refresh: cfg.RefreshTokenTTL, idToken: cfg.IDTokenTTL}}
	opCfg := &op.Config{
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		GrantTypeRefreshToken:    true,
		DefaultLogoutRedirectURI: "/",
		SupportedUILocales:       []language.Tag{language.SimplifiedChinese, language.TraditionalChinese, language.English},
		SupportedScopes:          append(append([]string{}, apps.PersonScopes...), apps.ServiceScopes...),
		SupportedClaims: []string{"sub", "aud", "exp", "iat", "iss", "auth_time", "nonce", "at_hash", "c_hash", "azp",
			"name", "phone_number", "phone_number_verified", ClaimIDNumber, ClaimIDType, ClaimRealNameLevel, ClaimEnterprise},
	}
	copy(opCfg.CryptoKey[:], tokenKey)
	issuer := func(bool) (op.IssuerFromRequest, error) {
		return func(*http.Request) string { return p.Issuer() }, nil
	}
	if p.op, err = op.NewProvider(opCfg, p.storage, issuer); err != nil {
		return nil, err
	}
	return p, nil
}

// SetIssuer sets the provider's public URL (see Config.Issuer).
func (p *Provider) SetIssuer(issuer string) error {
	issuer = strings.TrimSuffix(issuer, "/")
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("oidc: issuer %q is not an absolute URL without query or fragment", issuer)
	}
	if !strings.HasSuffix(u.Path, Path) {
		return fmt.Errorf("oidc: issuer %q: its path must end in %s, where the provider is mounted", issuer, Path)
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && loopbackHost(u.Hostname())) {
		return fmt.Errorf("oidc: issuer %q must use https (http only on a loopback host, for development)", issuer)
	}
	p.issuer.Store(&issuer)
	return nil
}

// Issuer returns the provider's public URL, "" until it is set.
func (p *Provider) Issuer() string {
	if s := p.issuer.Load(); s != nil {
		return *s
	}
	return ""
}

func loopbackHost(h string) bool {
	ip := net.ParseIP(h)
	return h == "localhost" || ip != nil && ip.IsLoopback()
}

// Install mounts the provider under /oidc/ on srv. Its endpoints authenticate their callers
// themselves (client secrets, access tokens), so the platform's authentication does not run on
// them — except on the authorisation endpoint, a person's browser navigation, where the session
// answers prompt=none.
func (p *Provider) Install(srv *httpserver.Server) {
	p.srv = srv
	h := http.StripPrefix(Path, p)
	srv.HandleHTTP(Path+"/", h, httpserver.OwnAuthentication(), httpserver.Name(Path+"/"))
	srv.HandleHTTP("GET "+Path+"/authorize", h)
}

// ServeHTTP serves the provider's endpoints, with paths relative to /oidc.
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	issuer := p.Issuer()
	if issuer == "" {
		err := errs.E(errs.Unavailable, "oidc.error.no_issuer")
		if p.srv != nil {
			p.srv.WriteError(w, r, err)
		} else {
			http.Error(w, "the OpenID Connect provider's issuer URL is not set", http.StatusServiceUnavailable)
		}
		return
	}
	if r.URL.Path == oidc.DiscoveryEndpoint {
		p.discovery(w, r.WithContext(op.ContextWithIssuer(r.Context(), issuer)))
		return
	}
	// Nothing here may be cached: codes, tokens, user information, redirects carrying them.
	w.Header().Set("Cache-Control", "no-store")
	if r.URL.Path == endSessionPath {
		r = r.WithContext(context.WithValue(r.Context(), browserKey{}, browser{w: w, r: r}))
	}
	p.op.ServeHTTP(w, r)
}

// endSessionPath is the op package's RP-initiated logout endpoint, relative to the issuer.
const endSessionPath = "/end_session"

// OnEndSession sets how an app's RP-initiated logout ends the person's portal session in the
// browser that made it (the web site's session cookie). Until it is set, logout ends only the
// app's tokens.
func (p *Provider) OnEndSession(fn EndSessionFunc) { p.storage.endSession.Store(&fn) }

// discovery serves the provider's metadata, saying only what it supports: the op package
// advertises flows (implicit, JWT profile, device code) that no Yiwang app is allowed.
func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	d := op.CreateDiscoveryConfig(r.Context(), p.op, p.storage)
	d.ResponseTypesSupported = []string{string(oidc.ResponseTypeCode)}
	d.ResponseModesSupported = []string{string(oidc.ResponseModeQuery)}
	d.GrantTypesSupported = []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken, oidc.GrantTypeClientCredentials}
	d.DeviceAuthorizationEndpoint = ""
	d.CodeChallengeMethodsSupported = []oidc.CodeChallengeMethod{oidc.CodeChallengeMethodS256}
	methods := []oidc.AuthMethod{oidc.AuthMethodNone, oidc.AuthMethodBasic, oidc.AuthMethodPost}
	d.TokenEndpointAuthMethodsSupported = methods
	d.RevocationEndpointAuthMethodsSupported = methods
	d.IntrospectionEndpointAuthMethodsSupported = []oidc.AuthMethod{oidc.AuthMethodBasic, oidc.AuthMethodPost}
	d.TokenEndpointAuthSigningAlgValuesSupported = nil
	d.RevocationEndpointAuthSigningAlgValuesSupported = nil
	d.IntrospectionEndpointAuthSigningAlgValuesSupported = nil
	d.SubjectTypesSupported = []string{"public"}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	_ = json.NewEncoder(w).Encode(d)
}

// consentPath is where the person decides on request id: the consent page beside the provider.
func consentPath(issuer, id string) string {
	return issuer + "/consent?id=" + url.QueryEscape(id)
}

// AuthRequest returns the app and scopes an authorisation request asks for. Returns
// errs.NotFound for an unknown or expired request, and errs.Unauthenticated when the request
// wants a more recent login than the principal in ctx has — the app sent prompt=login, or a
// max_age their session is older than: they must sign in again before they decide.
func (p *Provider) AuthRequest(ctx context.Context, id string) (clientID string, scopes []string, err error) {
	r, err := p.storage.authRequestByID(ctx, id)
	if err != nil {
		return "", nil, err
	}
	if r.loginAfter() != nil {
		if _, err := p.storage.freshEnough(ctx, r, principal.From(ctx)); err != nil {
			return "", nil, err
		}
	}
	return r.ClientID, r.scopes(), nil
}

// Finish binds request id to the person who signed in and consented — their account, the
// enterprise they act for, and when they signed in (the ID token's auth_time) — and returns the
// URL that continues the flow (the provider's callback, which sends them back to the app with a
// code). who must come from a login session recent enough for the request (prompt=login,
// max_age; errs.Unauthenticated otherwise), and their consent in force must cover the
// request's scopes (errs.Forbidden otherwise); a request already finished is errs.Conflict, an
// unknown or expired one errs.NotFound.
func (p *Provider) Finish(ctx context.Context, id string, who principal.Principal) (_ string, err error) {
	defer errs.Wrap(&err, "oidc.Finish")
	ctx = principal.With(ctx, who)
	r, err := p.storage.authRequestByID(ctx, id)
	if err != nil {
		return "", err
	}
	if r.IsDone {
		return "", errs.E(errs.Conflict, "oidc.error.request_done")
	}
	c, err := p.cfg.Apps.Covering(ctx, r.ClientID, r.scopes())
	if errs.Is(err, errs.NotFound) {
		return "", errs.Wrapf(errs.Forbidden, err, "oidc.error.no_consent")
	}
	if err != nil {
		return "", err
	}
	loggedIn, err := p.storage.freshEnough(ctx, r, who)
	if err != nil {
		return "", err
	}
	err = p.cfg.DB.Transact(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE oidc_auth_requests SET done = ?, account_id = ?, acting_for = ?, acting_for_name = ?,
			consent_id = ?, auth_time = ? WHERE id = ? AND done = ? AND expires_at > ?`,
			true, who.AccountID, who.ActingFor, who.ActingForName, c.ID, loggedIn, id, false, tx.Now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "oidc.error.request_done")
		}
		return audit.Record(ctx, tx, audit.Change{Action: "oidc.signed_in", ObjectType: "app", ObjectID: r.ClientID,
			Detail: map[string]any{"scopes": r.scopes(), "consent": c.ID, "acting_for": who.ActingFor}})
	})
	if err != nil {
		return "", err
	}
	return p.Issuer() + "/authorize/callback?id=" + url.QueryEscape(id), nil
}

// Deny ends request id because the person declined, and returns the URL that tells the app so
// (error=access_denied, with the app's state).
func (p *Provider) Deny(ctx context.Context, id string) (_ string, err error) {
	defer errs.Wrap(&err, "oidc.Deny")
	r, err := p.storage.authRequestByID(ctx, id)
	if err != nil {
		return "", err
	}
	if r.IsDone {
		return "", errs.E(errs.Conflict, "oidc.error.request_done")
	}
	e := oidc.ErrAccessDenied().WithDescription("The person declined to share this information with the app.")
	e.State = r.State
	target, err := op.AuthResponseURL(r.RedirectURI, r.GetResponseType(), r.GetResponseMode(), e, p.op.Encoder())
	if err != nil {
		return "", err
	}
	err = p.cfg.DB.Transact(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM oidc_auth_requests WHERE id = ?`, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "oidc.declined", ObjectType: "app", ObjectID: r.ClientID,
			Detail: map[string]any{"scopes": r.scopes()}})
	})
	if err != nil {
		return "", err
	}
	return target, nil
}

// Principal returns who a bearer access token this provider issued stands for: a department
// system's own token is a client principal (Kind client, its client id and scopes); a person's
// token is that person, limited to the token's scopes, through the app (Via "oidc"). The
// token must be live: not expired or revoked, its app enabled, its consent in force. Returns
// errs.Unauthenticated otherwise.
func (p *Provider) Principal(ctx context.Context, bearer string) (principal.Principal, error) {
	bad := errs.E(errs.Unauthenticated, "error.unauthenticated")
	plain, err := p.op.Crypto().Decrypt(bearer)
	if err != nil {
		return principal.Principal{}, bad
	}
	tokenID, subject, ok := strings.Cut(plain, ":")
	if !ok {
		return principal.Principal{}, bad
	}
	t, err := p.storage.liveAccess(ctx, tokenID, subject)
	if err == errNotFound {
		return principal.Principal{}, bad
	}
	if err != nil {
		return principal.Principal{}, err
	}
	if t.AccountID == nil {
		return principal.Principal{Kind: principal.Client, Login: t.ClientID, Name: t.ClientID, ClientID: t.ClientID,
			Scopes: t.scopes(), Via: "client"}, nil
	}
	s, err := p.cfg.Subjects.Subject(ctx, *t.AccountID)
	if errs.Is(err, errs.NotFound) {
		return principal.Principal{}, bad
	}
	if err != nil {
		return principal.Principal{}, err
	}
	return principal.Principal{Kind: s.Kind, AccountID: s.AccountID, Login: s.Login, Name: s.Name, RealNameLevel: s.RealNameLevel,
		ActingFor: t.ActingFor, ActingForName: t.ActingForName, Scopes: t.scopes(), ClientID: t.ClientID, Via: "oidc"}, nil
}

// hashToken is how codes and refresh tokens are stored: their SHA-256, hex.
func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}
