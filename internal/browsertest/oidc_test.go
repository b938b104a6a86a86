package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/yiwang-platform/yiwang/internal/app"
	"github.com/yiwang-platform/yiwang/internal/apps"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// The apps of the single sign-on tests: a native app (public, PKCE, loopback redirect on any
// port) and a department system (client credentials).
const (
	ssoNativeApp  = "fj-hrss-shebao-app"
	ssoServiceApp = "fj-hrss-exchange"
)

// ssoSite is the whole platform with demo data, served where its issuer says it is.
type ssoSite struct {
	URL, Issuer   string
	App           *app.App
	ServiceSecret string
}

// startSSOSite serves a fresh platform whose public URL is known before it starts, so that the
// OpenID Connect issuer is that URL (app.Config.PublicURL), and registers the apps.
func startSSOSite(t *testing.T) *ssoSite {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, store.SQLite, storetest.Options{Clock: clock.Real{}})
	hs := httptest.NewUnstartedServer(nil)
	s := &ssoSite{URL: "http://" + hs.Listener.Addr().String()}
	logger := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelError}))
	a, err := app.New(ctx, app.Config{DB: db, Demo: true, Logger: logger, PublicURL: s.URL, RateLimits: map[string]httpserver.Limit{
		httpserver.ClassLogin: {}, httpserver.ClassPublic: {}, httpserver.ClassAPI: {}, httpserver.ClassVerify: {},
	}})
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	t.Cleanup(a.Close)
	hs.Config.Handler = a.Server.Handler()
	hs.Start()
	t.Cleanup(hs.Close)
	s.App, s.Issuer = a, a.OIDC.Issuer()
	if s.Issuer != s.URL+"/oidc" {
		t.Fatalf("issuer %q, want %s/oidc", s.Issuer, s.URL)
	}
	admin := principal.With(ctx, principal.SystemPrincipal)
	if _, _, err := a.Apps.Register(admin, apps.Registration{ClientID: ssoNativeApp,
		Name: apps.Text{Hans: "社保查询", Hant: "社保查詢", En: "Social security"}, OwnerOrg: "fj-hrss", Type: apps.TypeNative,
		Scopes:       []string{apps.ScopeProfile, apps.ScopePhone, apps.ScopeIDNumber, apps.ScopeRealNameLevel, apps.ScopeEnterprise, apps.ScopeOfflineAccess},
		RedirectURIs: []string{"http://127.0.0.1/callback"}, PostLogoutRedirectURIs: []string{"http://127.0.0.1/logged-out"}}); err != nil {
		t.Fatal(err)
	}
	if _, s.ServiceSecret, err = a.Apps.Register(admin, apps.Registration{ClientID: ssoServiceApp,
		Name: apps.Text{Hans: "社保数据交换"}, OwnerOrg: "fj-hrss", Type: apps.TypeService, Scopes: []string{principal.ScopeAPIRead}}); err != nil {
		t.Fatal(err)
	}
	return s
}

// rp is the independent relying party: a native app built only with go-oidc and x/oauth2, with
// a loopback callback server on a port the system picks.
type rp struct {
	provider  *gooidc.Provider
	conf      *oauth2.Config
	codes     chan url.Values
	loggedOut chan url.Values
	base      string
}

func newRP(t *testing.T, issuer string, scopes ...string) *rp {
	t.Helper()
	ctx := context.Background()
	provider, err := gooidc.NewProvider(ctx, issuer)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &rp{provider: provider, codes: make(chan url.Values, 4), loggedOut: make(chan url.Values, 1), base: "http://" + ln.Addr().String()}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/logged-out" {
			r.loggedOut <- req.URL.Query()
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, `<!doctype html><html lang="en"><title>Signed out</title><main><h1>Signed out</h1></main></html>`)
			return
		}
		if req.URL.Path != "/callback" {
			http.NotFound(w, req)
			return
		}
		r.codes <- req.URL.Query()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html lang="en"><title>Signed in</title><main><h1 id="rp-done">Signed in</h1></main></html>`)
	}), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	r.conf = &oauth2.Config{ClientID: ssoNativeApp, Endpoint: provider.Endpoint(), Scopes: scopes,
		RedirectURL: "http://" + ln.Addr().String() + "/callback"}
	r.conf.Endpoint.AuthStyle = oauth2.AuthStyleInParams // a public client: client_id, no secret
	return r
}

// code waits for the callback and checks its state.
func (r *rp) code(t *testing.T, state string) string {
	t.Helper()
	select {
	case q := <-r.codes:
		if q.Get("state") != state || q.Get("code") == "" {
			t.Fatalf("callback with %v, want a code and state %q", q, state)
		}
		return q.Get("code")
	case <-time.After(30 * time.Second):
		t.Fatal("the app's callback was never called")
	}
	return ""
}

// TestOIDCSignIn: an independent app signs a resident in through Yiwang in Chromium — login
// page, consent page, redirect to its loopback callback — exchanges the code with PKCE,
// verifies the ID token against the provider's JWKS, refreshes, and calls userinfo; the next
// sign-in, consent remembered, needs no page at all.
func TestOIDCSignIn(t *testing.T) {
	t.Parallel()
	axe := Axe(t)
	b := Shared(t)
	s := startSSOSite(t)
	ctx := context.Background()
	resident := demo.Residents[0] // 陈美玲, real-name level 2
	r := newRP(t, s.Issuer, gooidc.ScopeOpenID, "profile", "phone", "id_number", "real_name_level", gooidc.ScopeOfflineAccess)

	verifier, state, nonce := oauth2.GenerateVerifier(), "state-"+oauth2.GenerateVerifier()[:8], "nonce-"+oauth2.GenerateVerifier()[:8]
	authURL := r.conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), gooidc.Nonce(nonce))
	tab := b.NewTab(t)
	open(t, tab, s.URL+"/?lang=zh-Hans") // the person reads Simplified Chinese (a cookie)
	open(t, tab, authURL)
	if got := eval[string](t, tab, `location.pathname`); got != "/login" {
		t.Fatalf("the app's sign-in lands on %s, want the login page", got)
	}
	fill(t, tab, "#login", resident.Phone)
	fill(t, tab, "#password", demo.Password)
	if status := submit(t, tab, `main form[action="/login"] button[type=submit]`); status != 200 {
		t.Fatalf("login: status %d", status)
	}
	if got := eval[string](t, tab, `location.pathname`); got != "/oidc/consent" {
		t.Fatalf("after login the person is at %s, want the consent page", got)
	}
	checkShell(t, tab, i18n.ZhHans)
	claims := eval[[]string](t, tab, `[...document.querySelectorAll('#claims li')].map(li => li.textContent.trim())`)
	for _, key := range []string{"apps.scope.profile", "apps.scope.id_number", "apps.scope.offline_access"} {
		if !slices.Contains(claims, i18n.T(i18n.ZhHans, key)) {
			t.Errorf("the consent page does not list %q: %q", i18n.T(i18n.ZhHans, key), claims)
		}
	}
	checkAxe(t, tab, axe)
	if status := submit(t, tab, `main form[action="/oidc/consent"] button[value="allow"]`); status != 200 {
		t.Fatalf("allow: status %d", status)
	}
	code := r.code(t, state)
	if got := eval[string](t, tab, `location.origin + location.pathname`); got != r.conf.RedirectURL {
		t.Errorf("the browser ended at %s, want the app's callback %s", got, r.conf.RedirectURL)
	}

	tok, err := r.conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("code exchange: %v", err)
	}
	verify := r.provider.Verifier(&gooidc.Config{ClientID: ssoNativeApp})
	raw, _ := tok.Extra("id_token").(string)
	idt, err := verify.Verify(ctx, raw)
	if err != nil {
		t.Fatalf("ID token does not verify against the JWKS: %v", err)
	}
	if idt.Nonce != nonce || idt.Issuer != s.Issuer {
		t.Errorf("ID token nonce %q issuer %q", idt.Nonce, idt.Issuer)
	}
	accountID, err := s.App.Identity.AccountIDByPhone(systemCtx(), resident.Phone)
	if err != nil {
		t.Fatal(err)
	}
	if idt.Subject != fmt.Sprint(accountID) {
		t.Errorf("sub %q, want the account id %d", idt.Subject, accountID)
	}

	userinfo := func(tok *oauth2.Token) map[string]any {
		t.Helper()
		ui, err := r.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			t.Fatalf("userinfo: %v", err)
		}
		var c map[string]any
		if err := ui.Claims(&c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	want := map[string]any{"sub": idt.Subject, "name": resident.Name, "phone_number": resident.Phone, "phone_number_verified": true,
		"id_number": resident.IDNumber[:6] + "********" + resident.IDNumber[14:], "id_type": string(resident.IDType), "real_name_level": float64(2)}
	if got := userinfo(tok); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("userinfo %v, want %v", got, want)
	}

	// Refresh: a new access token, a rotated refresh token, a fresh ID token.
	tok.Expiry = time.Now().Add(-time.Minute)
	fresh, err := r.conf.TokenSource(ctx, tok).Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if fresh.AccessToken == tok.AccessToken || fresh.RefreshToken == "" || fresh.RefreshToken == tok.RefreshToken {
		t.Errorf("refresh did not issue new tokens")
	}
	if raw, ok := fresh.Extra("id_token").(string); ok {
		if _, err := verify.Verify(ctx, raw); err != nil {
			t.Errorf("refreshed ID token: %v", err)
		}
	}
	if got := userinfo(fresh); got["name"] != resident.Name {
		t.Errorf("userinfo after refresh: %v", got)
	}

	// Signed in and consented: the next sign-in goes straight back to the app.
	state2 := state + "-again"
	open(t, tab, r.conf.AuthCodeURL(state2, oauth2.S256ChallengeOption(verifier), gooidc.Nonce(nonce)))
	if _, err := r.conf.Exchange(ctx, r.code(t, state2), oauth2.VerifierOption(verifier)); err != nil {
		t.Errorf("second sign-in: %v", err)
	}

	// RP-initiated logout: the app's tokens end, the browser returns to the app, and the person
	// is signed out of Yiwang in this browser too.
	var endSession struct {
		URL string `json:"end_session_endpoint"`
	}
	if err := r.provider.Claims(&endSession); err != nil || endSession.URL == "" {
		t.Fatalf("discovery names no end_session_endpoint: %v", err)
	}
	open(t, tab, endSession.URL+"?"+url.Values{"id_token_hint": {raw}, "post_logout_redirect_uri": {r.base + "/logged-out"},
		"state": {"bye"}}.Encode())
	select {
	case q := <-r.loggedOut:
		if q.Get("state") != "bye" {
			t.Errorf("logged out with %v, want state bye", q)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("logout never returned to the app")
	}
	if _, err := r.provider.UserInfo(ctx, oauth2.StaticTokenSource(fresh)); err == nil {
		t.Error("userinfo still works after logout")
	}
	open(t, tab, s.URL+"/account")
	if got := eval[string](t, tab, `location.pathname`); got != "/login" {
		t.Errorf("after the app's logout /account shows %s, want the login page", got)
	}

	// In a browser that is not signed in, the remembered consent is used right after login.
	other := b.NewTab(t)
	state3 := state + "-other"
	open(t, other, r.conf.AuthCodeURL(state3, oauth2.S256ChallengeOption(verifier), gooidc.Nonce(nonce)))
	fill(t, other, "#login", resident.Phone)
	fill(t, other, "#password", demo.Password)
	if _, err := chromedp.RunResponse(other, chromedp.Click(chromedp.CSS(`main form[action="/login"] button[type=submit]`))); err != nil {
		t.Fatalf("login: %v", err)
	}
	if _, err := r.conf.Exchange(ctx, r.code(t, state3), oauth2.VerifierOption(verifier)); err != nil {
		t.Errorf("sign-in with a remembered consent after login: %v", err)
	}

	// Declining: the app hears access_denied, with its state.
	dtab := b.NewTab(t)
	open(t, dtab, s.URL+"/?lang=zh-Hans")
	state4 := state + "-declined"
	declineScopes := *r.conf
	declineScopes.Scopes = append(declineScopes.Scopes, "enterprise") // not yet consented: the page asks
	open(t, dtab, declineScopes.AuthCodeURL(state4, oauth2.S256ChallengeOption(verifier)))
	fill(t, dtab, "#login", resident.Phone)
	fill(t, dtab, "#password", demo.Password)
	submit(t, dtab, `main form[action="/login"] button[type=submit]`)
	if got := eval[string](t, dtab, `document.querySelector('#acting-for') ? document.querySelector('#acting-for').textContent.trim() : ""`); got != i18n.T(i18n.ZhHans, "oidc.consent.acting_for_none") {
		t.Errorf("acting-for note %q", got)
	}
	submit(t, dtab, `main form[action="/oidc/consent"] button[value="deny"]`)
	select {
	case q := <-r.codes:
		if q.Get("error") != "access_denied" || q.Get("state") != state4 || q.Get("code") != "" {
			t.Errorf("declined sign-in came back with %v", q)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("declining never reached the app")
	}
}

// TestOIDCClientCredentials: a department system gets a token of its own with x/oauth2's
// client credentials, which introspection confirms.
func TestOIDCClientCredentials(t *testing.T) {
	t.Parallel()
	s := startSSOSite(t)
	ctx := context.Background()
	provider, err := gooidc.NewProvider(ctx, s.Issuer)
	if err != nil {
		t.Fatal(err)
	}
	cc := clientcredentials.Config{ClientID: ssoServiceApp, ClientSecret: s.ServiceSecret, TokenURL: provider.Endpoint().TokenURL,
		Scopes: []string{principal.ScopeAPIRead}}
	tok, err := cc.Token(ctx)
	if err != nil {
		t.Fatalf("client credentials: %v", err)
	}
	if tok.AccessToken == "" || tok.Extra("scope") != principal.ScopeAPIRead {
		t.Errorf("token %+v", tok)
	}
	var meta struct {
		Introspection string `json:"introspection_endpoint"`
	}
	if err := provider.Claims(&meta); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", meta.Introspection, strings.NewReader(url.Values{"token": {tok.AccessToken}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(ssoServiceApp, s.ServiceSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got map[string]any
	json.NewDecoder(resp.Body).Decode(&got)
	if got["active"] != true || got["client_id"] != ssoServiceApp || got["sub"] != ssoServiceApp {
		t.Errorf("introspection: %v", got)
	}
	cc.ClientSecret = "wrong"
	if _, err := cc.Token(ctx); err == nil {
		t.Errorf("a wrong client secret got a token")
	}
}

// TestConsentPagesAccessible checks the consent page and the list of allowed apps with axe-core
// in every language.
func TestConsentPagesAccessible(t *testing.T) {
	t.Parallel()
	axe := Axe(t)
	b := Shared(t)
	s := startSSOSite(t)
	resident := demo.Residents[2] // 李晓峰, an enterprise's agent
	for _, lang := range i18n.All {
		t.Run(string(lang), func(t *testing.T) {
			r := newRP(t, s.Issuer, gooidc.ScopeOpenID, "profile", "id_number", "enterprise")
			tab := b.NewTab(t)
			state := "a11y-" + string(lang)
			open(t, tab, r.conf.AuthCodeURL(state, oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))+"&ui_locales="+string(lang))
			// The login page in the language, which the consent page then keeps (cookie).
			u, _ := url.Parse(eval[string](t, tab, `location.href`))
			q := u.Query()
			q.Set("lang", string(lang))
			u.RawQuery = q.Encode()
			open(t, tab, u.String())
			fill(t, tab, "#login", resident.Phone)
			fill(t, tab, "#password", demo.Password)
			if status := submit(t, tab, `main form[action="/login"] button[type=submit]`); status != 200 {
				t.Fatalf("login: status %d", status)
			}
			if got := eval[string](t, tab, `location.pathname`); got != "/oidc/consent" {
				t.Fatalf("at %s, want the consent page", got)
			}
			checkShell(t, tab, lang)
			checkAxe(t, tab, axe)
			submit(t, tab, `main form[action="/oidc/consent"] button[value="allow"]`)
			r.code(t, state)
			if status := open(t, tab, s.URL+"/account/apps?lang="+string(lang)); status != 200 {
				t.Fatalf("/account/apps: status %d", status)
			}
			checkShell(t, tab, lang)
			if n := eval[int](t, tab, `document.querySelectorAll('#consents form').length`); n != 1 {
				t.Errorf("%d consents listed, want 1", n)
			}
			checkAxe(t, tab, axe)
			// Withdraw, so the next language's run asks again.
			if status := submit(t, tab, `#consents form button`); status != 200 {
				t.Fatalf("withdraw: status %d", status)
			}
		})
	}
}
