package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/apps"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

const (
	consentApp      = "fj-hrss-shebao"
	consentRedirect = "https://shebao.fujian.gov.cn/oidc/callback"
)

// startSignIn registers the app (once) and starts a sign-in to it, returning the consent page's
// path with the request id.
func startSignIn(t *testing.T, s *site, scopes ...string) string {
	t.Helper()
	ctx := principal.With(context.Background(), principal.SystemPrincipal)
	if _, err := s.a.Apps.Get(ctx, consentApp); err != nil {
		if _, _, err := s.a.Apps.Register(ctx, apps.Registration{ClientID: consentApp,
			Name: apps.Text{Hans: "社保查询", Hant: "社保查詢", En: "Social security"}, OwnerOrg: "fj-hrss", Type: apps.TypeWeb,
			Scopes:       []string{apps.ScopeProfile, apps.ScopeIDNumber, apps.ScopeEnterprise},
			RedirectURIs: []string{consentRedirect}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.a.OIDC.SetIssuer("http://127.0.0.1/oidc"); err != nil {
		t.Fatal(err)
	}
	q := url.Values{"client_id": {consentApp}, "redirect_uri": {consentRedirect}, "response_type": {"code"},
		"scope": {strings.Join(scopes, " ")}, "state": {"s1"}, "code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"},
		"code_challenge_method": {"S256"}}
	w := s.get("/oidc/authorize?"+q.Encode(), "")
	loc, err := url.Parse(w.Header().Get("Location"))
	if w.Code != http.StatusFound || err != nil || loc.Path != "/oidc/consent" {
		t.Fatalf("authorize: %d to %q", w.Code, w.Header().Get("Location"))
	}
	return loc.RequestURI()
}

func TestConsentPage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, highLimits)
		consent := startSignIn(t, s, "openid", "profile", "id_number", "enterprise")

		// Nobody signed in: to the login page, which brings the person back with the request id.
		w := s.get(consent, "")
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/login?next="+url.QueryEscape(consent) {
			t.Fatalf("anonymous consent page: %d to %q", w.Code, w.Header().Get("Location"))
		}

		for _, lang := range i18n.All {
			w = s.get(consent+"&lang="+string(lang), resident)
			if w.Code != http.StatusOK {
				t.Fatalf("%s consent page: %d %.300s", lang, w.Code, w.Body)
			}
			doc := parse(t, w)
			checkLayout(t, doc, lang, "/oidc/consent")
			name := map[i18n.Lang]string{i18n.ZhHans: "社保查询", i18n.ZhHant: "社保查詢", i18n.En: "Social security"}[lang]
			if h1 := text(one(t, doc, "h1")); !strings.Contains(h1, name) {
				t.Errorf("%s: h1 %q does not name the app %q", lang, h1, name)
			}
			var claims []string
			for _, li := range queryAll(t, doc, "#claims li") {
				claims = append(claims, text(li))
			}
			want := []string{i18n.T(lang, "apps.scope.openid"), i18n.T(lang, "apps.scope.profile"), i18n.T(lang, "apps.scope.id_number"), i18n.T(lang, "apps.scope.enterprise")}
			if fmt.Sprint(claims) != fmt.Sprint(want) {
				t.Errorf("%s: claims %q, want %q", lang, claims, want)
			}
			if got := text(one(t, doc, "#acting-for")); got != i18n.T(lang, "oidc.consent.acting_for_none") {
				t.Errorf("%s: acting-for note %q", lang, got)
			}
			one(t, doc, `main form[action="/oidc/consent"] button[name="decision"][value="allow"]`)
			one(t, doc, `main form[action="/oidc/consent"] button[name="decision"][value="deny"]`)
			if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' https://shebao.fujian.gov.cn;") {
				t.Errorf("the consent page's CSP does not let the answer go back to the app: %q", csp)
			}
		}

		// A decision that is neither: refused, nothing remembered.
		id := strings.TrimPrefix(consent, "/oidc/consent?id=")
		if w := s.post("/oidc/consent", resident, url.Values{"id": {id}, "decision": {"maybe"}}); w.Code != http.StatusBadRequest {
			t.Errorf("decision maybe: %d", w.Code)
		}
		// Declining sends the person back to the app with access_denied.
		w = s.post("/oidc/consent", resident, url.Values{"id": {id}, "decision": {"deny"}})
		back, _ := url.Parse(w.Header().Get("Location"))
		if w.Code != http.StatusSeeOther || !strings.HasPrefix(back.String(), consentRedirect) || back.Query().Get("error") != "access_denied" || back.Query().Get("state") != "s1" {
			t.Errorf("deny: %d to %q", w.Code, back)
		}
		if w := s.get(consent, resident); w.Code != http.StatusNotFound {
			t.Errorf("consent page of a declined request: %d, want 404", w.Code)
		}

		// Allowing remembers the consent and continues to the provider's callback.
		consent = startSignIn(t, s, "openid", "profile")
		id = strings.TrimPrefix(consent, "/oidc/consent?id=")
		w = s.post("/oidc/consent", resident, url.Values{"id": {id}, "decision": {"allow"}})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "http://127.0.0.1/oidc/authorize/callback?id="+url.QueryEscape(id) {
			t.Fatalf("allow: %d to %q", w.Code, w.Header().Get("Location"))
		}
		// Next time the remembered consent covers it: coming from the app, no page, straight on.
		consent = startSignIn(t, s, "openid")
		r := httptest.NewRequest("GET", consent, nil)
		r.Header.Set("Sec-Fetch-Site", "cross-site")
		w = s.do(r, resident)
		if w.Code != http.StatusSeeOther || !strings.Contains(w.Header().Get("Location"), "/oidc/authorize/callback?id=") {
			t.Errorf("remembered consent: %d to %q", w.Code, w.Header().Get("Location"))
		}
		// Coming from one of the site's pages (the login form's redirect), a page that goes on
		// at once without a redirect, which the form's CSP would stop.
		consent = startSignIn(t, s, "openid")
		w = s.get(consent, resident)
		if w.Code != http.StatusOK {
			t.Fatalf("remembered consent after a page of ours: %d", w.Code)
		}
		doc := parse(t, w)
		href, _ := attr(one(t, doc, "a#continue"), "href")
		refresh, _ := attr(one(t, doc, `meta[http-equiv="refresh"]`), "content")
		if !strings.Contains(href, "/oidc/authorize/callback?id=") || refresh != "0; url="+href {
			t.Errorf("continue link %q, refresh %q", href, refresh)
		}
		if n := count(t, doc, "main form"); n != 0 {
			t.Errorf("the continuing page asks again (%d forms)", n)
		}

		// The person sees the app they allowed; nobody else can withdraw it.
		w = s.get("/account/apps", resident)
		if w.Code != http.StatusOK {
			t.Fatalf("/account/apps: %d", w.Code)
		}
		doc = parse(t, w)
		checkLayout(t, doc, i18n.Default, "/account/apps")
		forms := queryAll(t, doc, "#consents form")
		if len(forms) != 1 || text(one(t, doc, "#consents h2")) != "社保查询" {
			t.Fatalf("consents listed: %d", len(forms))
		}
		action, _ := attr(forms[0], "action")
		if w := s.post(action, gxt, nil); w.Code != http.StatusNotFound {
			t.Errorf("another person withdrawing the resident's consent: %d, want 404", w.Code)
		}
		if w := s.post(action, "", nil); w.Code != http.StatusUnauthorized {
			t.Errorf("withdrawing anonymously: %d, want 401", w.Code)
		}
		if n := count(t, parse(t, s.get("/account/apps", resident)), "#consents form"); n != 1 {
			t.Fatalf("after refused withdrawals the resident has %d consents", n)
		}
		w = s.post(action, resident, nil)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/account/apps?saved=revoked" {
			t.Fatalf("withdraw: %d to %q", w.Code, w.Header().Get("Location"))
		}
		doc = parse(t, s.get("/account/apps?saved=revoked", resident))
		one(t, doc, "#no-consents")
		one(t, doc, `#saved[role="status"]`)
		if got := s.auditSince(0); !strings.Contains(fmt.Sprint(got), "apps.consent.revoked") {
			t.Errorf("withdrawal not audited: %v", got)
		}
	})
}
