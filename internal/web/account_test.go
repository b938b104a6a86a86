package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

func TestAccountPage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, highLimits)
		// The public is sent to sign in; a form posted without a session is refused.
		if w := s.get("/account", ""); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/login?next=%2Faccount" {
			t.Errorf("anonymous: %d %q", w.Code, w.Header().Get("Location"))
		}
		for _, target := range []string{"/account/verify", "/account/password", "/account/totp", "/account/tokens", "/account/tokens/1/revoke", "/acting-for"} {
			if w := s.post(target, "", url.Values{}); w.Code != http.StatusUnauthorized {
				t.Errorf("anonymous POST %s: %d, want 401", target, w.Code)
			}
		}

		// A level-1 resident: masked phone and document, the level explained, a registry retry.
		doc := parse(t, s.get("/account", resident))
		if got := text(one(t, doc, "#account-name")); got != "林秀英" {
			t.Errorf("name %q", got)
		}
		if got := text(one(t, doc, "#account-phone")); got != "139****2846" {
			t.Errorf("phone %q", got)
		}
		if got := text(one(t, doc, "#account-document .masked")); !strings.HasPrefix(got, "350102") || !strings.Contains(got, "****") {
			t.Errorf("document %q", got)
		}
		if got := text(one(t, doc, "#account-level")); got != i18n.T(i18n.ZhHans, "identity.level.1") {
			t.Errorf("level %q", got)
		}
		one(t, doc, `form[action="/account/verify"] button`)
		one(t, doc, `main a[href="/account/tokens"]`)
		one(t, doc, `main a[href="/enterprises"]`)
		one(t, doc, `main a[href="/account/apps"]`)
		// Her login history is hers: as many rows as the service keeps for her.
		ctx := principal.With(context.Background(), s.principal(resident))
		history, err := s.a.Identity.LoginHistory(ctx, 20)
		if err != nil {
			t.Fatal(err)
		}
		if n := count(t, doc, "#login-history tbody tr"); n != len(history) || n == 0 {
			t.Errorf("%d history rows, want %d", n, len(history))
		}
		// She is not in the registry: the retry says so beside the button.
		w := s.post("/account/verify", resident, nil)
		if w.Code != http.StatusBadRequest {
			t.Fatalf("verify: %d", w.Code)
		}
		doc = parse(t, w)
		if got := text(one(t, doc, `#verify-error[role="alert"]`)); got != i18n.T(i18n.ZhHans, "identity.error.registry_mismatch") {
			t.Errorf("verify error %q", got)
		}
		if v := attrOr(one(t, doc, `form[action="/account/verify"] button`), "aria-describedby"); !strings.Contains(v, "verify-error") {
			t.Errorf("the button is not described by the error: %q", v)
		}

		// A level-2 resident sees how the level was reached and no retry.
		doc = parse(t, s.get("/account", citizen))
		if got := text(one(t, doc, "#account-level")); got != i18n.T(i18n.ZhHans, "identity.level.2") {
			t.Errorf("level %q", got)
		}
		if n := count(t, doc, `form[action="/account/verify"]`); n != 0 {
			t.Error("a level-2 resident is offered the registry retry")
		}
		rows := queryAll(t, doc, "#verifications tbody tr")
		if len(rows) != 2 || !strings.Contains(text(rows[1]), i18n.T(i18n.ZhHans, "identity.verification.registry")) {
			t.Errorf("verifications: %d rows", len(rows))
		}

		// An official: organisation and roles, no real-name level.
		doc = parse(t, s.get("/account?lang=en", admin))
		if n := count(t, doc, "#account-level"); n != 0 {
			t.Error("an official is shown a real-name level")
		}
		if got := text(one(t, doc, "main")); !strings.Contains(got, i18n.T(i18n.En, "officials.role.administrator")) || !strings.Contains(got, "Digital") {
			t.Errorf("the official's organisation or role is missing")
		}
	})
}

// principal returns the principal of login's session.
func (s *site) principal(login string) principal.Principal {
	s.t.Helper()
	p, err := s.a.Identity.SessionPrincipal(context.Background(), s.token(login))
	if err != nil {
		s.t.Fatal(err)
	}
	return p
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, highLimits)
		const pw = "another-good-password"
		for _, tc := range []struct {
			name          string
			current, next string
			confirm       string
			id, key       string
			args          []any
		}{
			{"wrong current", "not-my-password", pw, pw, "pw-current_password", "identity.error.password_wrong", nil},
			{"too short", demo.Password, "short", "short", "pw-new_password", "error.password_too_short", []any{identity.MinPasswordLength}},
			{"differ", demo.Password, pw, pw + "!", "pw-password_confirm", "register.password_mismatch", nil},
		} {
			w := s.post("/account/password", resident, url.Values{"current_password": {tc.current}, "new_password": {tc.next}, "password_confirm": {tc.confirm}})
			if w.Code != http.StatusBadRequest {
				t.Errorf("%s: %d", tc.name, w.Code)
				continue
			}
			doc := parse(t, w)
			checkIdentityLayout(t, doc, i18n.ZhHans)
			checkFieldError(t, doc, tc.id, i18n.T(i18n.ZhHans, tc.key, tc.args...))
		}
		before := s.lastAuditID()
		w := s.post("/account/password", resident, url.Values{"current_password": {demo.Password}, "new_password": {pw}, "password_confirm": {pw}})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/account?saved=password" {
			t.Fatalf("change: %d %q", w.Code, w.Header().Get("Location"))
		}
		if got := s.auditSince(before); !slices.Equal(got, []string{"identity.password.changed"}) {
			t.Errorf("audit %v", got)
		}
		if w := s.post("/login", "", url.Values{"login": {resident}, "password": {pw}}); w.Code != http.StatusSeeOther {
			t.Errorf("login with the new password: %d", w.Code)
		}
	})
}

// totpCode is the code of secret for the step after last, at or after now.
func totpCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTOTP(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, highLimits)
		doc := parse(t, s.get("/account", citizen))
		one(t, doc, `form[action="/account/totp"] button`)

		// Beginning shows the QR code and the key.
		w := s.post("/account/totp", citizen, nil)
		if w.Code != http.StatusOK {
			t.Fatalf("begin: %d", w.Code)
		}
		doc = parse(t, w)
		checkIdentityLayout(t, doc, i18n.ZhHans)
		img := one(t, doc, "figure.qr img")
		if src := attrOr(img, "src"); !strings.HasPrefix(src, "data:image/png;base64,") {
			t.Errorf("QR src %.40q", src)
		}
		if attrOr(img, "alt") == "" {
			t.Error("the QR code has no text alternative")
		}
		secret := text(one(t, doc, "#totp-secret"))
		otpauth := attrOr(one(t, doc, `form[action="/account/totp/confirm"] input[name="otpauth"]`), "value")
		if secret == "" || !strings.Contains(otpauth, "secret="+secret) {
			t.Fatalf("secret %q, otpauth %q", secret, otpauth)
		}

		// A wrong first code keeps the same key on the page.
		w = s.post("/account/totp/confirm", citizen, url.Values{"code": {"000000"}, "otpauth": {otpauth}})
		if w.Code != http.StatusBadRequest {
			t.Fatalf("wrong code: %d", w.Code)
		}
		doc = parse(t, w)
		checkFieldError(t, doc, "totpform-code", i18n.T(i18n.ZhHans, "identity.error.totp_wrong"))
		if got := text(one(t, doc, "#totp-secret")); got != secret {
			t.Errorf("the key changed after a wrong code: %q", got)
		}
		w = s.post("/account/totp/confirm", citizen, url.Values{"code": {totpCode(t, secret, s.now())}, "otpauth": {otpauth}})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/account?saved=totp_on" {
			t.Fatalf("confirm: %d %q; %.300s", w.Code, w.Header().Get("Location"), w.Body)
		}

		// Signing in now takes a second step, with the pending login in a cookie, not the page.
		w = s.post("/login", "", url.Values{"login": {citizen}, "password": {demo.Password}, "next": {"/enterprises"}})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/login/totp?next=%2Fenterprises" {
			t.Fatalf("password step: %d %q", w.Code, w.Header().Get("Location"))
		}
		if c := cookie(w, "yiwang_session"); c != nil {
			t.Fatal("the password alone signed in")
		}
		pending := cookie(w, "yiwang_pending")
		if pending == nil || !pending.HttpOnly || pending.Path != "/login" || pending.MaxAge <= 0 || pending.MaxAge > 300 ||
			pending.SameSite != http.SameSiteStrictMode {
			t.Fatalf("pending cookie %+v", pending)
		}
		// Without it the step starts again.
		if w := s.get("/login/totp?next=/enterprises", ""); w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/login?next=") {
			t.Errorf("TOTP step without a pending login: %d %q", w.Code, w.Header().Get("Location"))
		}
		w = s.get("/login/totp?next=/enterprises", "", pending)
		if w.Code != http.StatusOK {
			t.Fatalf("TOTP step: %d", w.Code)
		}
		doc = parse(t, w)
		checkIdentityLayout(t, doc, i18n.ZhHans)
		if strings.Contains(w.Body.String(), pending.Value) {
			t.Error("the page shows the pending token")
		}
		one(t, doc, `form[action="/login/totp"] input#totp-code[autocomplete="one-time-code"]`)
		w = s.post("/login/totp", "", url.Values{"code": {"000000"}, "next": {"/enterprises"}}, pending)
		if w.Code != http.StatusBadRequest {
			t.Fatalf("wrong TOTP code: %d", w.Code)
		}
		checkFieldError(t, parse(t, w), "totp-code", i18n.T(i18n.ZhHans, "identity.error.totp_wrong"))
		// The code used to turn TOTP on cannot be replayed: wait for the next one.
		s.advance(30 * time.Second)
		w = s.post("/login/totp", "", url.Values{"code": {totpCode(t, secret, s.now())}, "next": {"/enterprises"}}, pending)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/enterprises" {
			t.Fatalf("TOTP step: %d %q; %.300s", w.Code, w.Header().Get("Location"), w.Body)
		}
		c := session(t, w)
		if p := cookie(w, "yiwang_pending"); p == nil || p.MaxAge >= 0 {
			t.Errorf("the pending cookie is not cleared: %+v", p)
		}
		if w := s.get("/enterprises", "", c); w.Code != http.StatusOK {
			t.Errorf("the new session: %d", w.Code)
		}
		// The pending token is spent.
		w = s.post("/login/totp", "", url.Values{"code": {totpCode(t, secret, s.now().Add(30*time.Second))}}, pending)
		if w.Code != http.StatusUnauthorized {
			t.Fatalf("spent pending login: %d", w.Code)
		}
		if got := alertText(t, parse(t, w)); got != i18n.T(i18n.ZhHans, "identity.error.login_expired") {
			t.Errorf("alert %q", got)
		}

		// A text-message code also leads to the TOTP step.
		s.post("/login/code", "", url.Values{"action": {"send"}, "phone": {citizen}})
		w = s.post("/login/code", "", url.Values{"phone": {citizen}, "code": {s.code(citizen)}, "next": {"/account"}})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/login/totp?next=%2Faccount" || cookie(w, "yiwang_pending") == nil {
			t.Errorf("code login with TOTP: %d %q", w.Code, w.Header().Get("Location"))
		}

		// Turning it off takes the password.
		doc = parse(t, s.get("/account", "", c))
		one(t, doc, `form[action="/account/totp/disable"]`)
		w = s.post("/account/totp/disable", "", url.Values{"password": {"not-the-password"}}, c)
		if w.Code != http.StatusBadRequest {
			t.Fatalf("disable with a wrong password: %d", w.Code)
		}
		checkFieldError(t, parse(t, w), "totpoff-password", i18n.T(i18n.ZhHans, "identity.error.password_wrong"))
		w = s.post("/account/totp/disable", "", url.Values{"password": {demo.Password}}, c)
		if w.Code != http.StatusSeeOther {
			t.Fatalf("disable: %d", w.Code)
		}
		if w := s.post("/login", "", url.Values{"login": {citizen}, "password": {demo.Password}}); w.Code != http.StatusSeeOther || cookie(w, "yiwang_session") == nil {
			t.Errorf("login after TOTP off: %d", w.Code)
		}
	})
}

func TestTokensPage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, highLimits)
		doc := parse(t, s.get("/account/tokens", resident))
		one(t, doc, `#tok-scope input[type="checkbox"][value="api:read"][checked]`)
		if v := attrOr(one(t, doc, "#tok-ttl_days"), "value"); v != "90" {
			t.Errorf("default lifetime %q", v)
		}

		for _, tc := range []struct {
			name string
			form url.Values
			id   string
			key  string
			args []any
		}{
			{"no name", url.Values{"scope": {"api:read"}, "ttl_days": {"30"}}, "tok-name", "error.required", nil},
			{"no scope", url.Values{"name": {"夜间同步"}, "ttl_days": {"30"}}, "tok-scope", "error.required", nil},
			{"too long", url.Values{"name": {"夜间同步"}, "scope": {"api:read"}, "ttl_days": {"400"}}, "tok-ttl_days", "identity.error.token_ttl", []any{366}},
			{"not a number", url.Values{"name": {"夜间同步"}, "scope": {"api:read"}, "ttl_days": {"soon"}}, "tok-ttl_days", "identity.error.token_ttl", []any{366}},
		} {
			w := s.post("/account/tokens", resident, tc.form)
			if w.Code != http.StatusBadRequest {
				t.Errorf("%s: %d", tc.name, w.Code)
				continue
			}
			doc := parse(t, w)
			checkFieldError(t, doc, tc.id, i18n.T(i18n.ZhHans, tc.key, tc.args...))
			if v := attrOr(one(t, doc, "#tok-name"), "value"); v != tc.form.Get("name") {
				t.Errorf("%s: name not kept: %q", tc.name, v)
			}
		}

		w := s.post("/account/tokens", resident, url.Values{"name": {"夜间同步"}, "scope": {"api:read", "api:write"}, "ttl_days": {"30"}})
		if w.Code != http.StatusCreated {
			t.Fatalf("create: %d; %.300s", w.Code, w.Body)
		}
		doc = parse(t, w)
		checkIdentityLayout(t, doc, i18n.ZhHans)
		token := attrOr(one(t, doc, `#new-token-notice[role="status"] input#new-token[readonly]`), "value")
		if !strings.HasPrefix(token, identity.TokenPrefix) {
			t.Fatalf("token %q", token)
		}
		if v := attrOr(one(t, doc, "#tok-name"), "value"); v != "" {
			t.Errorf("the form is not reset after creating: name %q", v)
		}
		row := one(t, doc, "#tokens tbody tr")
		if got := text(row); !strings.Contains(got, "夜间同步") || !strings.Contains(got, token[:len(identity.TokenPrefix)+8]) ||
			!strings.Contains(got, i18n.T(i18n.ZhHans, "tokens.status_active")) {
			t.Errorf("row %q", got)
		}
		id, _ := strconv.ParseInt(strings.TrimPrefix(attrOr(row, "id"), "token-"), 10, 64)
		// The token works on the API, and is never shown again.
		r := httptest.NewRequest("GET", "/api/v1/orgs", nil)
		r.Header.Set("Authorization", "Bearer "+token)
		if w := s.do(r, ""); w.Code != http.StatusOK {
			t.Errorf("API with the new token: %d", w.Code)
		}
		if w := s.get("/account/tokens", resident); strings.Contains(w.Body.String(), token) {
			t.Error("the token is shown again")
		}

		// Another person cannot revoke it by changing the id: not found, and it still works.
		for _, who := range []string{citizen, gxt} {
			if w := s.post("/account/tokens/"+strconv.FormatInt(id, 10)+"/revoke", who, nil); w.Code != http.StatusNotFound {
				t.Errorf("%s revoking another's token: %d, want 404", who, w.Code)
			}
			if w := s.get("/account/tokens", who); strings.Contains(w.Body.String(), "夜间同步") {
				t.Errorf("%s sees another's token", who)
			}
		}
		for _, bad := range []string{"0", "abc", "999999"} {
			if w := s.post("/account/tokens/"+bad+"/revoke", resident, nil); w.Code != http.StatusNotFound {
				t.Errorf("revoke %s: %d", bad, w.Code)
			}
		}
		if w := s.do(r.Clone(context.Background()), ""); w.Code != http.StatusOK {
			t.Errorf("the token stopped working after others tried to revoke it: %d", w.Code)
		}

		before := s.lastAuditID()
		w = s.post("/account/tokens/"+strconv.FormatInt(id, 10)+"/revoke", resident, nil)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/account/tokens?saved=revoked" {
			t.Fatalf("revoke: %d %q", w.Code, w.Header().Get("Location"))
		}
		if got := s.auditSince(before); !slices.Equal(got, []string{"identity.token.revoked"}) {
			t.Errorf("audit %v", got)
		}
		doc = parse(t, s.get("/account/tokens?saved=revoked", resident))
		one(t, doc, `#saved[role="status"]`)
		row = one(t, doc, "#tokens tbody tr.revoked")
		if n := count(t, row, "form"); n != 0 {
			t.Error("a revoked token can be revoked again")
		}
		if w := s.do(r.Clone(context.Background()), ""); w.Code != http.StatusUnauthorized {
			t.Errorf("API with a revoked token: %d", w.Code)
		}
	})
}
