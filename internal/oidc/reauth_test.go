package oidc_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/oidc"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// idToken exchanges code for tokens as webApp and returns the verified ID token's auth_time
// and the tokens.
func (f *fixture) idToken(code, verifier string) (time.Time, *oauth2.Token) {
	f.t.Helper()
	ctx := context.Background()
	conf, prov := f.oauth2(webApp, webRedir)
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		f.t.Fatalf("exchange: %v", err)
	}
	return f.authTime(prov, tok), tok
}

func (f *fixture) authTime(prov *gooidc.Provider, tok *oauth2.Token) time.Time {
	f.t.Helper()
	raw, _ := tok.Extra("id_token").(string)
	idt, err := prov.Verifier(&gooidc.Config{ClientID: webApp}).Verify(context.Background(), raw)
	if err != nil {
		f.t.Fatalf("verify ID token: %v", err)
	}
	var claims struct {
		AuthTime *int64 `json:"auth_time"`
	}
	if err := idt.Claims(&claims); err != nil {
		f.t.Fatal(err)
	}
	if claims.AuthTime == nil {
		f.t.Fatalf("the ID token has no auth_time")
	}
	return time.Unix(*claims.AuthTime, 0).UTC()
}

// loginTime is when p's session began, as the fixture's Sessions says.
func (f *fixture) loginTime(p principal.Principal) time.Time {
	f.t.Helper()
	at, err := f.logins.LoginTime(context.Background(), p.AccountID, p.Session)
	if err != nil {
		f.t.Fatal(err)
	}
	return at
}

// startRequest sends the browser to the authorisation endpoint with q and returns the id of
// the request the consent page is given.
func (f *fixture) startRequest(q url.Values) string {
	f.t.Helper()
	resp, loc := f.authorize(q)
	if loc == nil || loc.Path != "/oidc/consent" {
		f.t.Fatalf("authorize: status %d, Location %v; want the consent page", resp.StatusCode, loc)
	}
	return loc.Query().Get("id")
}

// finish continues request id as the consent page does once who decided, and returns the code
// the app receives.
func (f *fixture) finish(id string, who principal.Principal) string {
	f.t.Helper()
	next, err := f.p.Finish(context.Background(), id, who)
	if err != nil {
		f.t.Fatalf("Finish: %v", err)
	}
	resp := f.get(next)
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound || back.Query().Get("code") == "" {
		f.t.Fatalf("callback: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return back.Query().Get("code")
}

// TestAuthTimeIsTheLogin checks that an ID token says when the person signed in, not when they
// consented or the app redeemed its code — and still says so after a refresh.
func TestAuthTimeIsTheLogin(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB, c *clock.Fake) {
		f := newFixture(t, db, c, oidc.ES256)
		login := f.loginTime(f.lin)
		c.Advance(20 * time.Minute)
		v := oauth2.GenerateVerifier()
		code := f.signIn(f.lin, authQuery(webApp, webRedir, v, "openid", "offline_access"))
		c.Advance(time.Minute)
		got, tok := f.idToken(code, v)
		if !got.Equal(login) {
			t.Errorf("auth_time %v, want the login at %v", got, login)
		}
		c.Advance(time.Hour)
		tok.Expiry = time.Now().Add(-time.Minute) // the oauth2 package reads the real clock
		conf, prov := f.oauth2(webApp, webRedir)
		fresh, err := conf.TokenSource(context.Background(), tok).Token()
		if err != nil {
			t.Fatalf("refresh: %v", err)
		}
		if got := f.authTime(prov, fresh); !got.Equal(login) {
			t.Errorf("after a refresh, auth_time %v, want the login at %v", got, login)
		}

		// Whoever does not come from a login session cannot say when they signed in: no ID
		// token is issued for them.
		id := f.startRequest(authQuery(webApp, webRedir, v, "openid"))
		token := f.lin
		token.Via, token.Session = "token", ""
		if _, err := f.p.Finish(context.Background(), id, token); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("Finish for a principal without a session: %v, want unauthenticated", err)
		}
		ended := f.lin
		ended.Session = "ended"
		if _, err := f.p.Finish(context.Background(), id, ended); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("Finish for an ended session: %v, want unauthenticated", err)
		}
	})
}

func TestMaxAge(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB, c *clock.Fake) {
		f := newFixture(t, db, c, oidc.ES256)
		if _, err := f.apps.Grant(as(f.lin), webApp, []string{"openid", "profile"}); err != nil {
			t.Fatal(err)
		}
		first := f.loginTime(f.lin)
		c.Advance(10 * time.Minute)
		v := oauth2.GenerateVerifier()
		withMaxAge := func(seconds int, prompt string) url.Values {
			q := authQuery(webApp, webRedir, v, "openid", "profile")
			q.Set("max_age", strconv.Itoa(seconds))
			if prompt != "" {
				q.Set("prompt", prompt)
			}
			return q
		}

		// A session younger than max_age will do.
		if got, _ := f.idToken(f.signIn(f.lin, withMaxAge(3600, "")), v); !got.Equal(first) {
			t.Errorf("max_age=3600: auth_time %v, want %v", got, first)
		}

		// An older one does not: the consent page learns that the person must sign in again,
		// and the request cannot be finished with the old session.
		id := f.startRequest(withMaxAge(60, ""))
		if _, _, err := f.p.AuthRequest(as(f.lin), id); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("AuthRequest with a 10-minute-old session and max_age=60: %v, want unauthenticated", err)
		}
		if _, _, err := f.p.AuthRequest(context.Background(), id); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("AuthRequest for nobody signed in, max_age=60: %v, want unauthenticated", err)
		}
		if _, err := f.p.Finish(context.Background(), id, f.lin); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("Finish with a 10-minute-old session and max_age=60: %v, want unauthenticated", err)
		}
		// Signed in again, the person goes on, and the ID token says when.
		c.Advance(30 * time.Second)
		f.signInAgain(&f.lin)
		if _, _, err := f.p.AuthRequest(as(f.lin), id); err != nil {
			t.Fatalf("AuthRequest after signing in again: %v", err)
		}
		got, _ := f.idToken(f.finish(id, f.lin), v)
		if want := f.loginTime(f.lin); !got.Equal(want) {
			t.Errorf("after signing in again, auth_time %v, want %v", got, want)
		}

		// prompt=none cannot ask anyone to sign in: a session older than max_age is an error
		// for the app, a young enough one goes on.
		who := &http.Cookie{Name: "who", Value: f.lin.Login}
		c.Advance(2 * time.Minute)
		if _, loc := f.authorize(withMaxAge(60, "none"), who); loc == nil || loc.Query().Get("error") != "login_required" {
			t.Errorf("prompt=none, max_age=60, a 2-minute-old session: sent to %v; want login_required", loc)
		}
		if _, loc := f.authorize(withMaxAge(600, "none"), who); loc == nil || loc.Path != "/oidc/consent" {
			t.Errorf("prompt=none, max_age=600, a 2-minute-old session: sent to %v; want the consent page", loc)
		}
		// A max_age longer than any session lasts asks for nothing.
		id = f.startRequest(withMaxAge(1<<40, ""))
		if _, _, err := f.p.AuthRequest(as(f.lin), id); err != nil {
			t.Errorf("AuthRequest with an enormous max_age: %v", err)
		}
	})
}

func TestPromptLogin(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB, c *clock.Fake) {
		f := newFixture(t, db, c, oidc.ES256)
		if _, err := f.apps.Grant(as(f.lin), webApp, []string{"openid", "profile"}); err != nil {
			t.Fatal(err)
		}
		c.Advance(time.Second)
		v := oauth2.GenerateVerifier()
		q := authQuery(webApp, webRedir, v, "openid", "profile")
		q.Set("prompt", "login")
		// However fresh the session and however remembered the consent, a login that began
		// before the request does not count.
		id := f.startRequest(q)
		if _, _, err := f.p.AuthRequest(as(f.lin), id); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("AuthRequest, prompt=login, a session from before the request: %v, want unauthenticated", err)
		}
		if _, err := f.p.Finish(context.Background(), id, f.lin); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("Finish, prompt=login, a session from before the request: %v, want unauthenticated", err)
		}
		c.Advance(15 * time.Second)
		f.signInAgain(&f.lin)
		if _, _, err := f.p.AuthRequest(as(f.lin), id); err != nil {
			t.Fatalf("AuthRequest after signing in again: %v", err)
		}
		c.Advance(5 * time.Second)
		got, _ := f.idToken(f.finish(id, f.lin), v)
		if want := f.loginTime(f.lin); !got.Equal(want) {
			t.Errorf("auth_time %v, want the new login at %v", got, want)
		}
		// prompt=none and prompt=login together contradict each other.
		both := authQuery(webApp, webRedir, v, "openid")
		both.Set("prompt", "none login")
		if _, loc := f.authorize(both); loc == nil || loc.Query().Get("error") != "invalid_request" {
			t.Errorf("prompt=none login: sent to %v; want invalid_request", loc)
		}
	})
}
