package oidc_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"

	"github.com/yiwang-platform/yiwang/internal/apps"
	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/oidc"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// people is the synthetic population the tests' provider knows: test data, not real people.
type people map[int64]oidc.Subject

// logins is when each of the tests' login sessions began (oidc.Sessions).
type logins struct {
	mu sync.Mutex
	at map[string]time.Time
}

func (l *logins) LoginTime(_ context.Context, _ int64, session string) (time.Time, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	at, ok := l.at[session]
	if !ok {
		return time.Time{}, errs.E(errs.NotFound, "error.not_found")
	}
	return at, nil
}

// signInAgain gives p a new login session, begun now.
func (f *fixture) signInAgain(p *principal.Principal) {
	f.logins.mu.Lock()
	defer f.logins.mu.Unlock()
	p.Session = fmt.Sprintf("%s-%d", p.Login, len(f.logins.at))
	f.logins.at[p.Session] = f.clock.Now().UTC().Truncate(time.Second)
}

func (p people) Subject(_ context.Context, id int64) (oidc.Subject, error) {
	s, ok := p[id]
	if !ok {
		return oidc.Subject{}, errs.E(errs.NotFound, "error.not_found")
	}
	return s, nil
}

const (
	webApp     = "fj-hrss-shebao"
	webRedir   = "https://shebao.fujian.gov.cn/oidc/callback"
	webLogout  = "https://shebao.fujian.gov.cn/signed-out"
	nativeApp  = "fj-hrss-shebao-app"
	nativeCB   = "http://127.0.0.1/callback"
	serviceApp = "fj-hrss-exchange"
	entitled   = "fj-gongan-hukou"
	creditCode = "91350100MA2Y7K3P0X"
)

// fixture is a provider over a fresh database, served by a real HTTP server.
type fixture struct {
	t       *testing.T
	db      *store.DB
	clock   *clock.Fake
	apps    *apps.Service
	p       *oidc.Provider
	url     string // the server
	issuer  string
	secrets map[string]string
	lin     principal.Principal // a resident at real-name level 2
	zhang   principal.Principal // an agent acting for an enterprise
	people  people
	logins  *logins
	secret  []byte
}

func newFixture(t *testing.T, db *store.DB, c *clock.Fake, algorithm string) *fixture {
	t.Helper()
	ctx := principal.With(context.Background(), principal.SystemPrincipal)
	if _, err := org.Seed(ctx, db, org.Directory()); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, db: db, clock: c, apps: apps.New(db), secrets: map[string]string{}, people: people{},
		logins: &logins{at: map[string]time.Time{}}}
	f.lin = principal.Principal{Kind: principal.Resident, Login: "13859001234", Name: "陈美玲", RealNameLevel: 2, Via: "session"}
	f.zhang = principal.Principal{Kind: principal.Agent, Login: "13600591234", Name: "李晓峰", RealNameLevel: 2,
		ActingFor: creditCode, ActingForName: "福州榕城茶业有限公司", AgentScopes: []string{"licences"}, Via: "session"}
	f.signInAgain(&f.lin)
	f.signInAgain(&f.zhang)
	err := db.Transact(ctx, func(tx *store.Tx) error {
		for _, p := range []*principal.Principal{&f.lin, &f.zhang} {
			id, err := tx.InsertID(ctx, `INSERT INTO accounts (login, kind, display_name, password_hash, created_at)
				VALUES (?, ?, ?, 'x', ?) RETURNING id`, p.Login, string(p.Kind), p.Name, tx.Now)
			if err != nil {
				return err
			}
			p.AccountID = id
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f.people[f.lin.AccountID] = oidc.Subject{AccountID: f.lin.AccountID, Login: f.lin.Login, Name: f.lin.Name,
		Phone: "13859001234", PhoneVerified: true, IDType: "resident_id", IDNumber: "350102198803150464", RealNameLevel: 2, Kind: principal.Resident}
	f.people[f.zhang.AccountID] = oidc.Subject{AccountID: f.zhang.AccountID, Login: f.zhang.Login, Name: f.zhang.Name,
		Phone: "13600591234", PhoneVerified: true, IDType: "resident_id", IDNumber: "350583199207210172", RealNameLevel: 2, Kind: principal.Agent}

	all := []string{apps.ScopeProfile, apps.ScopePhone, apps.ScopeIDNumber, apps.ScopeRealNameLevel, apps.ScopeEnterprise, apps.ScopeOfflineAccess}
	for _, reg := range []apps.Registration{
		{ClientID: webApp, Name: apps.Text{Hans: "社保查询"}, OwnerOrg: "fj-hrss", Type: apps.TypeWeb, Scopes: all,
			RedirectURIs: []string{webRedir}, PostLogoutRedirectURIs: []string{webLogout}},
		{ClientID: nativeApp, Name: apps.Text{Hans: "社保 App"}, OwnerOrg: "fj-hrss", Type: apps.TypeNative,
			Scopes: []string{apps.ScopeProfile, apps.ScopeOfflineAccess}, RedirectURIs: []string{nativeCB}},
		{ClientID: serviceApp, Name: apps.Text{Hans: "社保数据交换"}, OwnerOrg: "fj-hrss", Type: apps.TypeService,
			Scopes: []string{principal.ScopeAPIRead}},
		{ClientID: entitled, Name: apps.Text{Hans: "户籍办理"}, OwnerOrg: "fj-public-security", Type: apps.TypeWeb,
			Scopes: []string{apps.ScopeIDNumber}, IDNumberEntitled: true, RedirectURIs: []string{"https://hukou.fujian.gov.cn/cb"}},
	} {
		_, secret, err := f.apps.Register(ctx, reg)
		if err != nil {
			t.Fatalf("register %s: %v", reg.ClientID, err)
		}
		f.secrets[reg.ClientID] = secret
	}

	f.secret = make([]byte, 32)
	rand.Read(f.secret)
	f.p = f.provider(algorithm, f.secret)
	// The platform's authentication: a test cookie names the signed-in person.
	srv, err := httpserver.New(httpserver.Config{
		Logger:     slog.New(slog.DiscardHandler),
		RateLimits: map[string]httpserver.Limit{httpserver.ClassPublic: {}, httpserver.ClassLogin: {}, httpserver.ClassAPI: {}},
		Authenticate: func(r *http.Request) (principal.Principal, error) {
			if c, err := r.Cookie("who"); err == nil && c.Value == f.lin.Login {
				f.logins.mu.Lock()
				defer f.logins.mu.Unlock()
				return f.lin, nil
			}
			return principal.Principal{Kind: principal.Anonymous}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	f.p.Install(srv)
	hs := httptest.NewUnstartedServer(srv.Handler())
	f.url = "http://" + hs.Listener.Addr().String()
	f.issuer = f.url + "/oidc"
	if err := f.p.SetIssuer(f.issuer); err != nil {
		t.Fatal(err)
	}
	hs.Start()
	t.Cleanup(hs.Close)
	return f
}

func (f *fixture) provider(algorithm string, secret []byte) *oidc.Provider {
	f.t.Helper()
	p, err := oidc.New(context.Background(), oidc.Config{Secret: secret, DB: f.db, Apps: f.apps, Subjects: f.people,
		Sessions: f.logins, Algorithm: algorithm, KeyOverlap: time.Hour})
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

func as(p principal.Principal) context.Context { return principal.With(context.Background(), p) }

// noRedirects is an HTTP client that shows redirects instead of following them.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func (f *fixture) get(u string, cookies ...*http.Cookie) *http.Response {
	f.t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// authorize sends the browser to the authorisation endpoint and returns where it is sent.
func (f *fixture) authorize(q url.Values, cookies ...*http.Cookie) (*http.Response, *url.URL) {
	f.t.Helper()
	resp := f.get(f.issuer+"/authorize?"+q.Encode(), cookies...)
	if resp.StatusCode != http.StatusFound {
		return resp, nil
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		f.t.Fatal(err)
	}
	return resp, loc
}

func authQuery(clientID, redirect, verifier string, scopes ...string) url.Values {
	q := url.Values{"client_id": {clientID}, "redirect_uri": {redirect}, "response_type": {"code"},
		"scope": {strings.Join(scopes, " ")}, "state": {"st-" + clientID}, "nonce": {"n-0S6_WzA2Mj"}}
	if verifier != "" {
		q.Set("code_challenge", oauth2.S256ChallengeFromVerifier(verifier))
		q.Set("code_challenge_method", "S256")
	}
	return q
}

// signIn runs the front channel as the consent page would — the person consents, the request
// is finished — and returns the code the app receives.
func (f *fixture) signIn(who principal.Principal, q url.Values) string {
	f.t.Helper()
	resp, loc := f.authorize(q)
	if loc == nil || loc.Path != "/oidc/consent" {
		f.t.Fatalf("authorize: status %d, Location %v; want the consent page", resp.StatusCode, loc)
	}
	id := loc.Query().Get("id")
	clientID, scopes, err := f.p.AuthRequest(as(who), id)
	if err != nil || clientID != q.Get("client_id") {
		f.t.Fatalf("AuthRequest(%s) = %s, %v, %v", id, clientID, scopes, err)
	}
	if _, err := f.apps.Grant(as(who), clientID, scopes); err != nil {
		f.t.Fatal(err)
	}
	next, err := f.p.Finish(context.Background(), id, who)
	if err != nil {
		f.t.Fatal(err)
	}
	resp = f.get(next)
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound || !strings.HasPrefix(back.String(), q.Get("redirect_uri")) {
		f.t.Fatalf("callback: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if back.Query().Get("state") != q.Get("state") {
		f.t.Errorf("state %q came back as %q", q.Get("state"), back.Query().Get("state"))
	}
	code := back.Query().Get("code")
	if code == "" {
		f.t.Fatalf("no code in %s", back)
	}
	return code
}

func (f *fixture) oauth2(clientID, redirect string, scopes ...string) (*oauth2.Config, *gooidc.Provider) {
	f.t.Helper()
	prov, err := gooidc.NewProvider(context.Background(), f.issuer)
	if err != nil {
		f.t.Fatal(err)
	}
	return &oauth2.Config{ClientID: clientID, ClientSecret: f.secrets[clientID], Endpoint: prov.Endpoint(),
		RedirectURL: redirect, Scopes: scopes}, prov
}

// TestMain quiets the op package, which logs refused requests to the default logger; the tests
// check what was refused.
func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.DiscardHandler))
	os.Exit(m.Run())
}

func eachDB(t *testing.T, fn func(t *testing.T, db *store.DB, c *clock.Fake)) {
	c := clock.NewFake(time.Now())
	storetest.EachWith(t, storetest.Options{Clock: c}, func(t *testing.T, db *store.DB) { fn(t, db, c) })
}

func TestCodeFlow(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB, c *clock.Fake) {
		f := newFixture(t, db, c, oidc.ES256)
		ctx := context.Background()
		scopes := []string{"openid", "profile", "phone", "id_number", "real_name_level", "enterprise", "offline_access", "email"}
		verifier := oauth2.GenerateVerifier()
		code := f.signIn(f.lin, authQuery(webApp, webRedir, verifier, scopes...))
		conf, prov := f.oauth2(webApp, webRedir)
		tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatalf("exchange: %v", err)
		}
		// Scopes the app is not registered for (email) are not granted.
		if got := tok.Extra("scope"); got != "openid profile phone id_number real_name_level enterprise offline_access" {
			t.Errorf("granted scope %q", got)
		}
		raw, _ := tok.Extra("id_token").(string)
		idt, err := prov.Verifier(&gooidc.Config{ClientID: webApp}).Verify(ctx, raw)
		if err != nil {
			t.Fatalf("verify ID token: %v", err)
		}
		var idClaims map[string]any
		if err := idt.Claims(&idClaims); err != nil {
			t.Fatal(err)
		}
		if idt.Subject != strconv.FormatInt(f.lin.AccountID, 10) || idClaims["nonce"] != "n-0S6_WzA2Mj" {
			t.Errorf("ID token sub %q nonce %v", idt.Subject, idClaims["nonce"])
		}
		if _, ok := idClaims["id_number"]; ok {
			t.Errorf("the ID token carries the ID number: %v", idClaims)
		}
		if idClaims["real_name_level"] != float64(2) {
			t.Errorf("ID token real_name_level %v", idClaims["real_name_level"])
		}
		if _, ok := idClaims["enterprise"]; ok {
			t.Errorf("Lin acts for herself, yet the ID token names an enterprise")
		}
		// userinfo releases what the scopes say, the ID number masked.
		ui, err := prov.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			t.Fatalf("userinfo: %v", err)
		}
		var got map[string]any
		if err := ui.Claims(&got); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"sub": idt.Subject, "name": "陈美玲", "phone_number": "13859001234", "phone_number_verified": true,
			"id_number": "350102********0464", "id_type": "resident_id", "real_name_level": float64(2)}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("userinfo mismatch (-want +got):\n%s", diff)
		}
		// A code works once.
		if _, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier)); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
			t.Errorf("second exchange of one code: %v, want invalid_grant", err)
		}

		// Refreshing rotates the refresh token; the old one presented again revokes the family.
		old := tok.RefreshToken
		if old == "" {
			t.Fatal("no refresh token for offline_access")
		}
		tok.Expiry = time.Now().Add(-time.Minute)
		fresh, err := conf.TokenSource(ctx, tok).Token()
		if err != nil {
			t.Fatalf("refresh: %v", err)
		}
		if fresh.RefreshToken == "" || fresh.RefreshToken == old || fresh.AccessToken == tok.AccessToken {
			t.Fatalf("refresh did not rotate: %+v", fresh)
		}
		if _, err := prov.UserInfo(ctx, oauth2.StaticTokenSource(fresh)); err != nil {
			t.Errorf("userinfo with the refreshed token: %v", err)
		}
		stale := &oauth2.Token{RefreshToken: old, Expiry: time.Now().Add(-time.Minute)}
		if _, err := conf.TokenSource(ctx, stale).Token(); err == nil {
			t.Fatalf("a rotated refresh token was accepted again")
		}
		fresh.Expiry = time.Now().Add(-time.Minute)
		if _, err := conf.TokenSource(ctx, fresh).Token(); err == nil {
			t.Errorf("after a replayed refresh token, its successor still works")
		}
		if _, err := prov.UserInfo(ctx, oauth2.StaticTokenSource(fresh)); err == nil {
			t.Errorf("after a replayed refresh token, the family's access token still works")
		}

		// Audit: the sign-in and the code redeemed; no token in any record.
		evs, err := audit.List(ctx, db, audit.Filter{ObjectType: "app", ObjectID: webApp})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range evs {
			actions = append(actions, e.Action)
			for _, secret := range []string{code, tok.AccessToken, old, fresh.RefreshToken} {
				if strings.Contains(e.Detail, secret) {
					t.Errorf("%s records a token or code", e.Action)
				}
			}
		}
		for _, a := range []string{"oidc.signed_in", "oidc.token.issued", "oidc.refresh_token.reused"} {
			if !slices.Contains(actions, a) {
				t.Errorf("no %s audit record in %v", a, actions)
			}
		}
	})
}

func TestEntitledAppAndEnterprise(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB, c *clock.Fake) {
		f := newFixture(t, db, c, oidc.ES256)
		ctx := context.Background()
		// The entitled app sees the full number.
		v := oauth2.GenerateVerifier()
		code := f.signIn(f.lin, authQuery(entitled, "https://hukou.fujian.gov.cn/cb", v, "openid", "id_number"))
		conf, prov := f.oauth2(entitled, "https://hukou.fujian.gov.cn/cb")
		tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(v))
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		ui, err := prov.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			t.Fatal(err)
		}
		ui.Claims(&got)
		if got["id_number"] != "350102198803150464" {
			t.Errorf("entitled app got id_number %v", got["id_number"])
		}
		// An agent's sign-in carries the enterprise they act for, and their consent is theirs
		// in that context.
		v = oauth2.GenerateVerifier()
		code = f.signIn(f.zhang, authQuery(webApp, webRedir, v, "openid", "enterprise"))
		conf, prov = f.oauth2(webApp, webRedir)
		tok, err = conf.Exchange(ctx, code, oauth2.VerifierOption(v))
		if err != nil {
			t.Fatal(err)
		}
		idt, err := prov.Verifier(&gooidc.Config{ClientID: webApp}).Verify(ctx, tok.Extra("id_token").(string))
		if err != nil {
			t.Fatal(err)
		}
		var claims struct {
			Enterprise map[string]string `json:"enterprise"`
		}
		idt.Claims(&claims)
		want := map[string]string{"credit_code": creditCode, "name": "福州榕城茶业有限公司"}
		if diff := cmp.Diff(want, claims.Enterprise); diff != "" {
			t.Errorf("enterprise claim mismatch (-want +got):\n%s", diff)
		}
		// The API sees the agent through the app: their account, acting for the enterprise,
		// limited to the token's scopes.
		pr, err := f.p.Principal(ctx, tok.AccessToken)
		if err != nil {
			t.Fatal(err)
		}
		if pr.AccountID != f.zhang.AccountID || pr.ActingFor != creditCode || pr.ClientID != webApp || pr.Via != "oidc" ||
			!slices.Equal(pr.Scopes, []string{"openid", "enterprise"}) || pr.Allows(principal.ScopeAPIRead) {
			t.Errorf("principal of the agent's token: %+v", pr)
		}
	})
}

func TestRefusedRequests(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB, c *clock.Fake) {
		f := newFixture(t, db, c, oidc.ES256)
		v := oauth2.GenerateVerifier()
		// Where the app may not go, the person is not sent: 400, no redirect.
		for _, tc := range []struct{ name, client, redirect string }{
			{"unregistered URI", webApp, "https://evil.example/cb"},
			{"web app on loopback", webApp, "http://127.0.0.1:5555/oidc/callback"},
			{"native app, another loopback host", nativeApp, "http://localhost:5555/callback"},
			{"native app, another path", nativeApp, "http://127.0.0.1:5555/other"},
			{"unknown app", "fj-nobody", webRedir},
			{"department system", serviceApp, webRedir},
		} {
			resp, loc := f.authorize(authQuery(tc.client, tc.redirect, v, "openid"))
			if resp.StatusCode != http.StatusBadRequest || loc != nil {
				t.Errorf("%s: status %d, Location %v; want 400 without a redirect", tc.name, resp.StatusCode, loc)
			}
		}
		// Errors about a valid redirect URI go back to the app.
		errorBack := func(name string, q url.Values, want string) {
			t.Helper()
			_, loc := f.authorize(q)
			var got url.Values
			if loc != nil {
				got = loc.Query()
				if loc.Fragment != "" { // an implicit request is answered in the fragment
					got, _ = url.ParseQuery(loc.Fragment)
				}
			}
			if got.Get("error") != want || got.Get("state") != q.Get("state") {
				t.Errorf("%s: sent to %v; want %s with the state", name, loc, want)
			}
		}
		errorBack("native without PKCE", authQuery(nativeApp, "http://127.0.0.1:5555/callback", "", "openid"), "invalid_request")
		plain := authQuery(nativeApp, "http://127.0.0.1:5555/callback", v, "openid")
		plain.Set("code_challenge_method", "plain")
		plain.Set("code_challenge", v)
		errorBack("plain PKCE", plain, "invalid_request")
		errorBack("no openid", authQuery(webApp, webRedir, v, "profile"), "invalid_scope")
		implicit := authQuery(webApp, webRedir, v, "openid")
		implicit.Set("response_type", "id_token token")
		errorBack("implicit flow", implicit, "unauthorized_client")
		none := authQuery(webApp, webRedir, v, "openid", "profile")
		none.Set("prompt", "none")
		errorBack("prompt=none, nobody signed in", none, "login_required")
		who := &http.Cookie{Name: "who", Value: f.lin.Login}
		if _, loc := f.authorize(none, who); loc == nil || loc.Query().Get("error") != "interaction_required" {
			t.Errorf("prompt=none without consent: sent to %v; want interaction_required", loc)
		}
		if _, err := f.apps.Grant(as(f.lin), webApp, []string{"openid", "profile"}); err != nil {
			t.Fatal(err)
		}
		if _, loc := f.authorize(none, who); loc == nil || loc.Path != "/oidc/consent" {
			t.Errorf("prompt=none, signed in and consented: sent to %v; want the consent page, which continues at once", loc)
		}

		// A native app on any loopback port, public, with PKCE; the wrong verifier fails.
		redirect := "http://127.0.0.1:53124/callback"
		code := f.signIn(f.lin, authQuery(nativeApp, redirect, v, "openid", "profile"))
		conf, _ := f.oauth2(nativeApp, redirect)
		conf.Endpoint.AuthStyle = oauth2.AuthStyleInParams
		if _, err := conf.Exchange(context.Background(), code, oauth2.VerifierOption(oauth2.GenerateVerifier())); err == nil {
			t.Errorf("exchange with the wrong verifier succeeded")
		}
		code = f.signIn(f.lin, authQuery(nativeApp, redirect, v, "openid", "profile"))
		if _, err := conf.Exchange(context.Background(), code, oauth2.VerifierOption(v)); err != nil {
			t.Errorf("native exchange: %v", err)
		}
		// A web app with the wrong secret gets nothing.
		code = f.signIn(f.lin, authQuery(webApp, webRedir, v, "openid"))
		wconf, _ := f.oauth2(webApp, webRedir)
		wconf.ClientSecret = "not-the-secret"
		wconf.Endpoint.AuthStyle = oauth2.AuthStyleInHeader
		if _, err := wconf.Exchange(context.Background(), code, oauth2.VerifierOption(v)); err == nil || !strings.Contains(err.Error(), "invalid_client") {
			t.Errorf("exchange with a wrong secret: %v, want invalid_client", err)
		}
		// Finish needs the person's consent, and works once.
		_, loc := f.authorize(authQuery(webApp, webRedir, v, "openid", "phone"))
		id := loc.Query().Get("id")
		if _, err := f.p.Finish(context.Background(), id, f.zhang); !errs.Is(err, errs.Forbidden) {
			t.Errorf("Finish without consent: %v, want forbidden", err)
		}
		if _, err := f.p.Finish(context.Background(), "no-such-request", f.lin); !errs.Is(err, errs.NotFound) {
			t.Errorf("Finish of an unknown request: %v, want not found", err)
		}
		// Declining sends the person back with access_denied and the app's state.
		target, err := f.p.Deny(as(f.lin), id)
		if err != nil {
			t.Fatal(err)
		}
		back, _ := url.Parse(target)
		if !strings.HasPrefix(target, webRedir+"?") || back.Query().Get("error") != "access_denied" || back.Query().Get("state") != "st-"+webApp {
			t.Errorf("Deny sends the person to %s", target)
		}
		if _, _, err := f.p.AuthRequest(context.Background(), id); !errs.Is(err, errs.NotFound) {
			t.Errorf("a declined request still exists: %v", err)
		}
		// Requests expire.
		_, loc = f.authorize(authQuery(webApp, webRedir, v, "openid"))
		c.Advance(16 * time.Minute)
		if _, _, err := f.p.AuthRequest(context.Background(), loc.Query().Get("id")); !errs.Is(err, errs.NotFound) {
			t.Errorf("a request after 16 minutes: %v, want not found", err)
		}
	})
}

func TestConsentRevocationAndLogout(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB, c *clock.Fake) {
		f := newFixture(t, db, c, oidc.ES256)
		ctx := context.Background()
		v := oauth2.GenerateVerifier()
		conf, prov := f.oauth2(webApp, webRedir)
		tok, err := conf.Exchange(ctx, f.signIn(f.lin, authQuery(webApp, webRedir, v, "openid", "profile", "offline_access")), oauth2.VerifierOption(v))
		if err != nil {
			t.Fatal(err)
		}
		consents, err := f.apps.Consents(as(f.lin))
		if err != nil || len(consents) != 1 {
			t.Fatalf("consents %v, %v", consents, err)
		}
		if err := f.apps.Revoke(as(f.lin), consents[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := prov.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil {
			t.Errorf("userinfo works after the person withdrew consent")
		}
		tok.Expiry = time.Now().Add(-time.Minute)
		if _, err := conf.TokenSource(ctx, tok).Token(); err == nil {
			t.Errorf("refresh works after the person withdrew consent")
		}
		if _, err := f.p.Principal(ctx, tok.AccessToken); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("Principal after withdrawal: %v, want unauthenticated", err)
		}

		// RP-initiated logout ends the app's tokens for the person and returns to the app.
		tok, err = conf.Exchange(ctx, f.signIn(f.lin, authQuery(webApp, webRedir, v, "openid", "offline_access")), oauth2.VerifierOption(v))
		if err != nil {
			t.Fatal(err)
		}
		idToken := tok.Extra("id_token").(string)
		bad := f.get(f.issuer + "/end_session?" + url.Values{"id_token_hint": {idToken}, "post_logout_redirect_uri": {"https://evil.example/"}}.Encode())
		if bad.StatusCode != http.StatusBadRequest {
			t.Errorf("logout to an unregistered URI: %d, want 400", bad.StatusCode)
		}
		resp := f.get(f.issuer + "/end_session?" + url.Values{"id_token_hint": {idToken}, "post_logout_redirect_uri": {webLogout}, "state": {"bye"}}.Encode())
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != webLogout+"?state=bye" {
			t.Fatalf("logout: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if _, err := prov.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil {
			t.Errorf("userinfo works after logout")
		}
		tok.Expiry = time.Now().Add(-time.Minute)
		if _, err := conf.TokenSource(ctx, tok).Token(); err == nil {
			t.Errorf("refresh works after logout")
		}
		// Access tokens expire.
		tok, err = conf.Exchange(ctx, f.signIn(f.lin, authQuery(webApp, webRedir, v, "openid")), oauth2.VerifierOption(v))
		if err != nil {
			t.Fatal(err)
		}
		c.Advance(oidc.DefaultAccessTokenTTL + time.Second)
		if _, err := prov.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil {
			t.Errorf("userinfo works with an expired access token")
		}
	})
}

func TestClientCredentials(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB, c *clock.Fake) {
		f := newFixture(t, db, c, oidc.ES256)
		ctx := context.Background()
		token := func(clientID, secret string, scopes ...string) (*http.Response, map[string]any) {
			t.Helper()
			form := url.Values{"grant_type": {"client_credentials"}}
			if len(scopes) > 0 {
				form.Set("scope", strings.Join(scopes, " "))
			}
			req, _ := http.NewRequest("POST", f.issuer+"/oauth/token", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth(clientID, secret)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body map[string]any
			b, _ := io.ReadAll(resp.Body)
			json.Unmarshal(b, &body)
			return resp, body
		}
		resp, body := token(serviceApp, f.secrets[serviceApp])
		if resp.StatusCode != 200 || body["access_token"] == nil || body["scope"] != principal.ScopeAPIRead {
			t.Fatalf("client credentials: %d %v", resp.StatusCode, body)
		}
		pr, err := f.p.Principal(ctx, body["access_token"].(string))
		if err != nil {
			t.Fatal(err)
		}
		want := principal.Principal{Kind: principal.Client, Login: serviceApp, Name: serviceApp, ClientID: serviceApp,
			Scopes: []string{principal.ScopeAPIRead}, Via: "client"}
		if diff := cmp.Diff(want, pr); diff != "" {
			t.Errorf("principal mismatch (-want +got):\n%s", diff)
		}
		for _, tc := range []struct {
			name, client, secret string
			scopes               []string
			status               int
			err                  string
		}{
			{"wrong secret", serviceApp, "nope", nil, 401, "invalid_client"},
			{"scope not registered", serviceApp, f.secrets[serviceApp], []string{principal.ScopeAPIWrite}, 400, "invalid_scope"},
			{"a web app", webApp, f.secrets[webApp], nil, 400, "unauthorized_client"},
		} {
			if resp, body := token(tc.client, tc.secret, tc.scopes...); resp.StatusCode != tc.status || body["error"] != tc.err {
				t.Errorf("%s: %d %v, want %d %s", tc.name, resp.StatusCode, body, tc.status, tc.err)
			}
		}
		// A system's token says nothing about a person.
		ureq, _ := http.NewRequest("GET", f.issuer+"/userinfo", nil)
		ureq.Header.Set("Authorization", "Bearer "+body["access_token"].(string))
		if uresp, err := http.DefaultClient.Do(ureq); err != nil || uresp.StatusCode == 200 {
			t.Errorf("userinfo with a system's token: %v %v", uresp.StatusCode, err)
		}
		// Introspection answers the token's own app only; revocation ends it.
		introspect := func(clientID string) map[string]any {
			t.Helper()
			req, _ := http.NewRequest("POST", f.issuer+"/oauth/introspect", strings.NewReader(url.Values{"token": {body["access_token"].(string)}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth(clientID, f.secrets[clientID])
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out map[string]any
			json.NewDecoder(resp.Body).Decode(&out)
			return out
		}
		if got := introspect(serviceApp); got["active"] != true || got["client_id"] != serviceApp || got["scope"] != principal.ScopeAPIRead {
			t.Errorf("introspection by its own app: %v", got)
		}
		if got := introspect(webApp); got["active"] != false {
			t.Errorf("introspection by another app: %v", got)
		}
		req, _ := http.NewRequest("POST", f.issuer+"/revoke", strings.NewReader(url.Values{"token": {body["access_token"].(string)}, "token_type_hint": {"access_token"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(serviceApp, f.secrets[serviceApp])
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
			t.Fatalf("revoke: %v %v", resp, err)
		}
		if _, err := f.p.Principal(ctx, body["access_token"].(string)); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("Principal of a revoked token: %v", err)
		}
		if _, err := f.p.Principal(ctx, "garbage"); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("Principal of garbage: %v", err)
		}
		// A disabled system gets no token.
		if err := f.apps.Disable(as(principal.SystemPrincipal), serviceApp); err != nil {
			t.Fatal(err)
		}
		if resp, _ := token(serviceApp, f.secrets[serviceApp]); resp.StatusCode != 401 {
			t.Errorf("disabled system: %d, want 401", resp.StatusCode)
		}
	})
}

func TestDiscoveryAndKeys(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB, c *clock.Fake) {
		f := newFixture(t, db, c, oidc.ES256)
		ctx := context.Background()
		resp, err := http.Get(f.issuer + "/.well-known/openid-configuration")
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			Issuer        string   `json:"issuer"`
			Authorization string   `json:"authorization_endpoint"`
			Token         string   `json:"token_endpoint"`
			EndSession    string   `json:"end_session_endpoint"`
			ResponseTypes []string `json:"response_types_supported"`
			GrantTypes    []string `json:"grant_types_supported"`
			Algs          []string `json:"id_token_signing_alg_values_supported"`
			PKCE          []string `json:"code_challenge_methods_supported"`
			Scopes        []string `json:"scopes_supported"`
		}
		json.NewDecoder(resp.Body).Decode(&d)
		resp.Body.Close()
		if d.Issuer != f.issuer || d.Authorization != f.issuer+"/authorize" || d.Token != f.issuer+"/oauth/token" || d.EndSession != f.issuer+"/end_session" ||
			!slices.Equal(d.ResponseTypes, []string{"code"}) || !slices.Equal(d.GrantTypes, []string{"authorization_code", "refresh_token", "client_credentials"}) ||
			!slices.Equal(d.Algs, []string{"ES256"}) || !slices.Equal(d.PKCE, []string{"S256"}) || !slices.Contains(d.Scopes, "id_number") {
			t.Errorf("discovery: %+v", d)
		}

		// Rotation: the new key signs, the old one stays published for the overlap, then goes.
		kids := func() []string {
			resp, err := http.Get(f.issuer + "/keys")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var set struct {
				Keys []struct {
					Kid, Alg string
				} `json:"keys"`
			}
			json.NewDecoder(resp.Body).Decode(&set)
			var out []string
			for _, k := range set.Keys {
				out = append(out, k.Kid)
			}
			return out
		}
		signIn := func() (string, string) {
			v := oauth2.GenerateVerifier()
			conf, _ := f.oauth2(webApp, webRedir)
			tok, err := conf.Exchange(ctx, f.signIn(f.lin, authQuery(webApp, webRedir, v, "openid")), oauth2.VerifierOption(v))
			if err != nil {
				t.Fatal(err)
			}
			raw := tok.Extra("id_token").(string)
			var header struct{ Kid string }
			b, _ := base64.RawURLEncoding.DecodeString(strings.Split(raw, ".")[0])
			json.Unmarshal(b, &header)
			return raw, header.Kid
		}
		first := kids()
		if len(first) != 1 {
			t.Fatalf("%d published keys at start, want 1", len(first))
		}
		oldToken, kid := signIn()
		if kid != first[0] {
			t.Errorf("ID token signed with %q, published %v", kid, first)
		}
		if err := f.p.RotateKeys(as(f.lin)); !errs.Is(err, errs.Forbidden) {
			t.Errorf("a resident rotating keys: %v, want forbidden", err)
		}
		if err := f.p.RotateKeys(as(principal.SystemPrincipal)); err != nil {
			t.Fatal(err)
		}
		second := kids()
		if len(second) != 2 || second[1] != first[0] {
			t.Fatalf("after rotation: %v, want a new key and %s", second, first[0])
		}
		_, kid = signIn()
		if kid != second[0] {
			t.Errorf("after rotation, signed with %q, want the new key %q", kid, second[0])
		}
		prov, _ := gooidc.NewProvider(ctx, f.issuer)
		if _, err := prov.Verifier(&gooidc.Config{ClientID: webApp}).Verify(ctx, oldToken); err != nil {
			t.Errorf("an ID token of the old key no longer verifies during the overlap: %v", err)
		}
		c.Advance(time.Hour + time.Second)
		if got := kids(); !slices.Equal(got, second[:1]) {
			t.Errorf("after the overlap: %v, want only %s", got, second[0])
		}
		// A provider with another secret cannot open the key: it starts a new one.
		other := make([]byte, 32)
		rand.Read(other)
		f.provider(oidc.ES256, other)
		if got := kids(); len(got) != 2 || got[1] != second[0] {
			t.Errorf("after a change of secret: %v", got)
		}
		evs, _ := audit.List(ctx, db, audit.Filter{ObjectType: "oidc_signing_key"})
		if len(evs) != 3 {
			t.Errorf("%d key rotations audited, want 3 (start, rotation, new secret)", len(evs))
		}
	})
}

func TestEdDSA(t *testing.T) {
	c := clock.NewFake(time.Now())
	db := storetest.Open(t, store.SQLite, storetest.Options{Clock: c})
	f := newFixture(t, db, c, oidc.EdDSA)
	ctx := context.Background()
	v := oauth2.GenerateVerifier()
	conf, prov := f.oauth2(webApp, webRedir)
	tok, err := conf.Exchange(ctx, f.signIn(f.lin, authQuery(webApp, webRedir, v, "openid")), oauth2.VerifierOption(v))
	if err != nil {
		t.Fatal(err)
	}
	raw := tok.Extra("id_token").(string)
	if _, err := prov.Verifier(&gooidc.Config{ClientID: webApp, SupportedSigningAlgs: []string{gooidc.EdDSA}}).Verify(ctx, raw); err != nil {
		t.Errorf("EdDSA ID token: %v", err)
	}
	// Switching back to ES256 starts an ES256 key, the EdDSA one still published.
	f.provider(oidc.ES256, f.secret)
	resp, _ := http.Get(f.issuer + "/.well-known/openid-configuration")
	var d struct {
		Algs []string `json:"id_token_signing_alg_values_supported"`
	}
	json.NewDecoder(resp.Body).Decode(&d)
	resp.Body.Close()
	if !slices.Equal(d.Algs, []string{"ES256", "EdDSA"}) {
		t.Errorf("algorithms after switching: %v", d.Algs)
	}
}

func TestIssuer(t *testing.T) {
	c := clock.NewFake(time.Now())
	db := storetest.Open(t, store.SQLite, storetest.Options{Clock: c})
	f := newFixture(t, db, c, oidc.ES256)
	p := f.provider(oidc.ES256, f.secret)
	w := httptest.NewRecorder()
	p.ServeHTTP(w, httptest.NewRequest("GET", "/.well-known/openid-configuration", nil))
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("without an issuer: %d, want 503", w.Code)
	}
	for _, bad := range []string{"http://yiwang.fujian.gov.cn/oidc", "https://yiwang.fujian.gov.cn/", "https://yiwang.fujian.gov.cn/oidc?x=1", "/oidc", "ftp://localhost/oidc"} {
		if err := p.SetIssuer(bad); err == nil {
			t.Errorf("SetIssuer(%q) accepted", bad)
		}
	}
	for _, good := range []string{"https://yiwang.fujian.gov.cn/oidc", "https://gov.cn/yiwang/oidc/", "http://127.0.0.1:8080/oidc", "http://localhost/oidc", "http://[::1]:80/oidc"} {
		if err := p.SetIssuer(good); err != nil {
			t.Errorf("SetIssuer(%q): %v", good, err)
		}
	}
	if _, err := oidc.New(context.Background(), oidc.Config{Secret: []byte("short"), DB: db, Apps: f.apps, Subjects: f.people, Sessions: f.logins}); err == nil {
		t.Errorf("a short secret was accepted")
	}
	if _, err := oidc.New(context.Background(), oidc.Config{Secret: f.secret, DB: db, Apps: f.apps, Subjects: f.people, Sessions: f.logins, Algorithm: "RS256"}); err == nil {
		t.Errorf("RS256 was accepted")
	}
}
