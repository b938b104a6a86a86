package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/yiwang-platform/yiwang/internal/apps"
	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// The demo's apps (internal/demo): a web app of the social insurance department in the
// launcher, a native command-line client and a data department's system.
const (
	demoWebApp     = "demo-shebao"
	demoNativeApp  = "demo-cli"
	demoServiceApp = "demo-data-sync"
	demoLaunchURL  = "https://localhost:8443/"
)

func systemContext() context.Context {
	return principal.With(context.Background(), principal.SystemPrincipal)
}

// orgName is the name of organisation code in lang.
func orgName(t *testing.T, s *site, code string, lang i18n.Lang) string {
	t.Helper()
	o, err := org.Get(context.Background(), s.db, code)
	if err != nil {
		t.Fatal(err)
	}
	return o.Name(string(lang))
}

func TestLauncher(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, highLimits)
		demoApp, err := s.a.Apps.Get(context.Background(), demoWebApp)
		if err != nil {
			t.Fatal(err)
		}
		for _, lang := range i18n.All {
			for _, as := range []string{"", resident} {
				w := s.get("/apps?lang="+string(lang), as)
				if w.Code != http.StatusOK {
					t.Fatalf("%s /apps as %q: %d", lang, as, w.Code)
				}
				doc := parse(t, w)
				checkIdentityLayout(t, doc, lang)
				if got, want := text(one(t, doc, "h1")), i18n.T(lang, "launcher.title"); got != want {
					t.Errorf("h1 %q, want %q", got, want)
				}
				one(t, doc, `header nav a[href="/apps"][aria-current="page"]`)
				// Only the enabled web app with a launch address is there.
				cards := queryAll(t, doc, "#apps li")
				if len(cards) != 1 {
					t.Fatalf("%s: %d apps in the launcher, want 1", lang, len(cards))
				}
				card := one(t, doc, "#app-"+demoWebApp)
				link := one(t, card, "h3 a")
				if href, rel := attrOr(link, "href"), attrOr(link, "rel"); href != demoLaunchURL || rel != "noopener" {
					t.Errorf("launch link href %q rel %q", href, rel)
				}
				if _, ok := attr(link, "target"); ok {
					t.Errorf("the launch link opens another tab or window")
				}
				if got, want := text(link), demoApp.Name.In(string(lang)); got != want {
					t.Errorf("%s: app name %q, want %q", lang, got, want)
				}
				if got, want := text(one(t, card, "p")), demoApp.Description.In(string(lang)); got != want {
					t.Errorf("%s: description %q, want %q", lang, got, want)
				}
				if got, want := text(one(t, card, "dd.owner")), orgName(t, s, demoApp.OwnerOrg, lang); got != want {
					t.Errorf("%s: owner %q, want %q", lang, got, want)
				}
				var asks, want []string
				for _, dd := range queryAll(t, card, "dd.asks-for") {
					asks = append(asks, text(dd))
				}
				for _, sc := range demoApp.Scopes {
					want = append(want, i18n.T(lang, apps.ScopeMessageKey(sc, demoApp.IDNumberEntitled)))
				}
				if !slices.Equal(asks, want) {
					t.Errorf("%s: asks for %q, want %q", lang, asks, want)
				}
				if count(t, doc, "#no-apps") != 0 {
					t.Errorf("the empty state shows beside an app")
				}
			}
		}

		// A disabled app disappears; with none left, the page says so.
		if err := s.a.Apps.Disable(systemContext(), demoWebApp); err != nil {
			t.Fatal(err)
		}
		doc := parse(t, s.get("/apps?lang=en", ""))
		if n := count(t, doc, "#apps li"); n != 0 {
			t.Errorf("%d apps in the launcher after the only one was disabled", n)
		}
		if got, want := text(one(t, doc, "#no-apps")), i18n.T(i18n.En, "launcher.none"); got != want {
			t.Errorf("empty state %q, want %q", got, want)
		}
	})
}

// appsAdminRoutes are the registry's pages and forms, for the role checks.
var appsAdminRoutes = []struct{ method, path string }{
	{"GET", "/admin/apps"}, {"GET", "/admin/apps/new"}, {"GET", "/admin/apps/new?type=web"}, {"GET", "/admin/apps/" + demoWebApp},
	{"POST", "/admin/apps/new"}, {"POST", "/admin/apps/" + demoWebApp}, {"POST", "/admin/apps/" + demoWebApp + "/secret"},
	{"POST", "/admin/apps/" + demoWebApp + "/disable"}, {"POST", "/admin/apps/" + demoWebApp + "/enable"},
}

func TestAppRegistryRoles(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, highLimits)
		valid := url.Values{"type": {"web"}, "client_id": {"fj-tax-etax"}, "name_hans": {"电子税务局"}, "owner_org": {"fj-tax"},
			"redirect_uris": {"https://etax.fujian.gov.cn/cb"}}
		for _, login := range []string{admin, cityAdmin} {
			s.token(login) // signed in before, so that no sign-in lands among the changes
		}
		before := s.lastAuditID()
		// Anonymous: sent to sign in (pages), or refused (forms).
		for _, rt := range appsAdminRoutes {
			var w *httptest.ResponseRecorder
			if rt.method == "GET" {
				w = s.get(rt.path, "")
				if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/login?next=") {
					t.Errorf("anonymous GET %s: %d to %q, want the login page", rt.path, w.Code, w.Header().Get("Location"))
				}
				continue
			}
			if w = s.post(rt.path, "", valid); w.Code != http.StatusUnauthorized {
				t.Errorf("anonymous POST %s: %d, want 401", rt.path, w.Code)
			}
		}
		// Signed in but not an administrator of the digital office: 403, whatever else they
		// administer.
		for _, login := range []string{resident, gxt, reviewer, cityAdmin} {
			for _, rt := range appsAdminRoutes {
				var w *httptest.ResponseRecorder
				if rt.method == "GET" {
					w = s.get(rt.path, login)
				} else {
					w = s.post(rt.path, login, valid)
				}
				if w.Code != http.StatusForbidden {
					t.Errorf("%s %s as %s: %d, want 403", rt.method, rt.path, login, w.Code)
					continue
				}
				if got, want := alertText(t, parse(t, w)), i18n.T(i18n.ZhHans, "apps.error.not_administrator"); got != want {
					t.Errorf("%s %s as %s says %q, want %q", rt.method, rt.path, login, got, want)
				}
			}
		}
		if got := s.auditSince(before); len(got) != 0 {
			t.Errorf("refused requests changed something: %v", got)
		}
		if _, err := s.a.Apps.Get(context.Background(), "fj-tax-etax"); !errs.Is(err, errs.NotFound) {
			t.Errorf("a refused registration registered the app: %v", err)
		}
		// The digital office's administrator may; an unknown app is not found.
		for _, path := range []string{"/admin/apps", "/admin/apps/new", "/admin/apps/" + demoWebApp} {
			if w := s.get(path, admin); w.Code != http.StatusOK {
				t.Errorf("GET %s as the administrator: %d", path, w.Code)
			}
		}
		if w := s.get("/admin/apps/no-such-app", admin); w.Code != http.StatusNotFound {
			t.Errorf("an unknown app's page: %d, want 404", w.Code)
		}
		if w := s.post("/admin/apps/no-such-app/disable", admin, nil); w.Code != http.StatusNotFound {
			t.Errorf("disabling an unknown app: %d, want 404", w.Code)
		}

		// Everyone finds the launcher in the navigation; only the registry's administrators
		// find the registry.
		for _, tc := range []struct {
			as   string
			want []string
		}{
			{"", []string{"/apps"}},
			{resident, []string{"/apps"}},
			{cityAdmin, []string{"/apps"}},
			{reviewer, []string{"/apps"}},
			{admin, []string{"/apps", "/admin/apps"}},
		} {
			var got []string
			for _, a := range queryAll(t, parse(t, s.get("/", tc.as)), "header nav a") {
				if href := attrOr(a, "href"); href == "/apps" || href == "/admin/apps" {
					got = append(got, href)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("%q: app links %v, want %v", tc.as, got, tc.want)
			}
		}
	})
}

// formValues returns the names and values of the form's controls that a browser would send.
func formValues(t *testing.T, form *html.Node) url.Values {
	t.Helper()
	v := url.Values{}
	for _, n := range queryAll(t, form, "input") {
		name, typ := attrOr(n, "name"), attrOr(n, "type")
		_, checked := attr(n, "checked")
		if name == "" || (typ == "checkbox" || typ == "radio") && !checked {
			continue
		}
		v.Add(name, attrOr(n, "value"))
	}
	for _, n := range queryAll(t, form, "textarea") {
		v.Add(attrOr(n, "name"), text(n))
	}
	for _, n := range queryAll(t, form, "select") {
		for _, o := range queryAll(t, n, "option") {
			if _, ok := attr(o, "selected"); ok {
				v.Add(attrOr(n, "name"), attrOr(o, "value"))
			}
		}
	}
	return v
}

// taxApp is a web app of the tax bureau, as the registration form is filled in.
func taxApp() url.Values {
	return url.Values{"type": {"web"}, "client_id": {"fj-tax-etax"}, "name_hans": {"电子税务局"}, "name_hant": {"電子稅務局"},
		"name_en": {"e-Tax"}, "description_hans": {"网上申报纳税。"}, "owner_org": {"fj-tax"},
		"redirect_uris":             {"https://etax.fujian.gov.cn/oidc/callback\r\nhttps://etax.fujian.gov.cn/m/callback"},
		"post_logout_redirect_uris": {"https://etax.fujian.gov.cn/"}, "scopes": {"profile", "id_number"},
		"id_number_entitled": {"1"}, "launch_url": {"https://etax.fujian.gov.cn/"}}
}

func with(v url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

func TestRegisterApp(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, highLimits)
		zh := func(key string, args ...any) string { return i18n.T(i18n.ZhHans, key, args...) }

		// First the kind of app, then the form for that kind.
		for _, lang := range i18n.All {
			doc := parse(t, s.get("/admin/apps/new?lang="+string(lang), admin))
			checkIdentityLayout(t, doc, lang)
			if got, want := text(one(t, doc, "h1")), i18n.T(lang, "appadmin.new_title"); got != want {
				t.Errorf("h1 %q, want %q", got, want)
			}
			one(t, doc, `main form[method="get"][action="/admin/apps/new"]`)
			if n := count(t, doc, `#app-type input[type="radio"][name="type"]`); n != 3 {
				t.Errorf("%d kinds of app to choose from, want 3", n)
			}
			if n := count(t, doc, `main form[method="post"]`); n != 0 {
				t.Errorf("the first step already has the registration form")
			}
		}
		w := s.get("/admin/apps/new?type=mainframe", admin)
		if w.Code != http.StatusBadRequest {
			t.Fatalf("an unknown kind: %d", w.Code)
		}
		checkFieldError(t, parse(t, w), "app-type", zh("apps.error.bad_type"))

		// The scopes offered are those of the kind.
		scopesOf := func(doc *html.Node) []string {
			var out []string
			for _, n := range queryAll(t, doc, `#app-scopes input[name="scopes"]`) {
				out = append(out, attrOr(n, "value"))
			}
			return out
		}
		for _, tc := range []struct {
			kind          string
			scopes        []string
			redirect, url bool
		}{
			{"web", apps.PersonScopes[1:], true, true},
			{"native", apps.PersonScopes[1:], true, false},
			{"service", apps.ServiceScopes, false, false},
		} {
			for _, lang := range i18n.All {
				doc := parse(t, s.get("/admin/apps/new?type="+tc.kind+"&lang="+string(lang), admin))
				checkIdentityLayout(t, doc, lang)
				form := one(t, doc, `main form[method="post"][action="/admin/apps/new"]`)
				if v := attrOr(one(t, form, `input[name="type"]`), "value"); v != tc.kind {
					t.Errorf("%s: the form is for kind %q", tc.kind, v)
				}
				if got := scopesOf(doc); !slices.Equal(got, tc.scopes) {
					t.Errorf("%s: scopes offered %v, want %v", tc.kind, got, tc.scopes)
				}
				if got := count(t, form, "#app-redirect_uris") == 1; got != tc.redirect {
					t.Errorf("%s: redirect URIs offered: %v", tc.kind, got)
				}
				if got := count(t, form, "#app-launch_url") == 1; got != tc.url {
					t.Errorf("%s: launch address offered: %v", tc.kind, got)
				}
				if n := count(t, doc, "#app-owner_org option"); n != len(org.Directory())+1 {
					t.Errorf("%s: %d owner choices", tc.kind, n)
				}
			}
		}

		// Errors are said beside the field at fault; what was typed stays.
		before := s.lastAuditID()
		for _, tc := range []struct {
			name   string
			form   url.Values
			status int
			id     string
			want   string
		}{
			{"no name", with(taxApp(), "name_hans", " "), 400, "app-name_hans", zh("error.required")},
			{"http redirect", with(taxApp(), "redirect_uris", "http://etax.fujian.gov.cn/cb"), 400, "app-redirect_uris",
				zh("apps.error.uri_not_https", "http://etax.fujian.gov.cn/cb")},
			{"no redirect", with(taxApp(), "redirect_uris", "\r\n"), 400, "app-redirect_uris", zh("error.required")},
			{"bad client id", with(taxApp(), "client_id", "Tax App"), 400, "app-client_id", zh("apps.error.bad_client_id")},
			{"client id taken", with(taxApp(), "client_id", demoWebApp), 409, "app-client_id", zh("apps.error.client_id_taken", demoWebApp)},
			{"no owner", with(taxApp(), "owner_org", ""), 400, "app-owner_org", zh("error.required")},
			{"unknown owner", with(taxApp(), "owner_org", "fj-atlantis"), 400, "app-owner_org", zh("apps.error.unknown_org", "fj-atlantis")},
			{"scope of another kind", with(taxApp(), "scopes", "api:write"), 400, "app-scopes",
				zh("apps.error.scope_not_for_type", "api:write", "web")},
			{"entitled without the scope", with(taxApp(), "scopes", "profile"), 400, "app-id_number_entitled", zh("apps.error.entitled_without_scope")},
			{"launch address not https", with(taxApp(), "launch_url", "http://etax.fujian.gov.cn/"), 400, "app-launch_url",
				zh("apps.error.uri_not_https", "http://etax.fujian.gov.cn/")},
			{"name too long", with(taxApp(), "name_en", strings.Repeat("e", 101)), 400, "app-name_en", zh("apps.error.too_long", 100)},
		} {
			w := s.post("/admin/apps/new", admin, tc.form)
			if w.Code != tc.status {
				t.Errorf("%s: %d, want %d; %.300s", tc.name, w.Code, tc.status, w.Body)
				continue
			}
			doc := parse(t, w)
			checkIdentityLayout(t, doc, i18n.ZhHans)
			checkFieldError(t, doc, tc.id, tc.want)
			form := one(t, doc, `main form[method="post"][action="/admin/apps/new"]`)
			got := formValues(t, form)
			for _, k := range []string{"type", "client_id", "name_hant", "owner_org", "launch_url"} {
				if k == "owner_org" && tc.name == "unknown owner" {
					continue // not in the directory, so not among the choices
				}
				if got.Get(k) != tc.form.Get(k) {
					t.Errorf("%s: %s became %q, was %q", tc.name, k, got.Get(k), tc.form.Get(k))
				}
			}
		}
		// An unknown kind posted goes back to choosing one.
		w = s.post("/admin/apps/new", admin, with(taxApp(), "type", "mainframe"))
		if w.Code != http.StatusBadRequest {
			t.Fatalf("posting an unknown kind: %d", w.Code)
		}
		checkFieldError(t, parse(t, w), "app-type", zh("apps.error.bad_type"))
		if got := s.auditSince(before); len(got) != 0 {
			t.Errorf("refused registrations recorded %v", got)
		}

		// Registered: the secret is shown this once, with the warning.
		w = s.post("/admin/apps/new", admin, taxApp())
		if w.Code != http.StatusCreated {
			t.Fatalf("register: %d %.500s", w.Code, w.Body)
		}
		doc := parse(t, w)
		checkIdentityLayout(t, doc, i18n.ZhHans)
		secret := attrOr(one(t, doc, "input#client-secret[readonly]"), "value")
		if len(secret) < 40 {
			t.Fatalf("secret %q", secret)
		}
		if got := text(one(t, doc, "#secret-warning")); got != zh("appadmin.secret_once") {
			t.Errorf("warning %q", got)
		}
		if got := text(one(t, doc, "#client-id")); got != "fj-tax-etax" {
			t.Errorf("client id %q", got)
		}
		if got := s.auditSince(before); !slices.Equal(got, []string{"apps.app.registered"}) {
			t.Errorf("audit %v, want the registration", got)
		}
		if _, err := s.a.Apps.Authenticate(context.Background(), "fj-tax-etax", secret); err != nil {
			t.Errorf("the secret shown does not authenticate the app: %v", err)
		}
		a, err := s.a.Apps.Get(context.Background(), "fj-tax-etax")
		if err != nil {
			t.Fatal(err)
		}
		if a.Name.Hant != "電子稅務局" || !slices.Equal(a.RedirectURIs, []string{"https://etax.fujian.gov.cn/oidc/callback", "https://etax.fujian.gov.cn/m/callback"}) ||
			!slices.Equal(a.Scopes, []string{"openid", "profile", "id_number"}) || !a.IDNumberEntitled || a.LaunchURL != "https://etax.fujian.gov.cn/" {
			t.Errorf("registered %+v", a)
		}
		// … and never again: not on the app's page, the list, the launcher, nor in the audit log.
		for _, path := range []string{"/admin/apps/fj-tax-etax", "/admin/apps", "/apps"} {
			w := s.get(path, admin)
			if w.Code != http.StatusOK || strings.Contains(w.Body.String(), secret) {
				t.Errorf("GET %s: %d, shows the secret: %v", path, w.Code, strings.Contains(w.Body.String(), secret))
			}
		}
		evs, err := audit.List(context.Background(), db, audit.Filter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			if strings.Contains(e.Detail, secret) {
				t.Errorf("%s records the secret", e.Action)
			}
		}
		// The new web app is in the launcher and the list.
		one(t, parse(t, s.get("/apps", "")), "#app-fj-tax-etax")
		doc = parse(t, s.get("/admin/apps", admin))
		row := one(t, doc, "#apps tr#app-fj-tax-etax")
		if got := text(one(t, row, "td.state")); got != zh("appadmin.enabled") {
			t.Errorf("state %q", got)
		}
		if n := count(t, doc, "#apps tbody tr"); n != 4 {
			t.Errorf("%d apps listed, want the demo's 3 and the new one", n)
		}

		// A native app has no secret; a generated client id is fine.
		w = s.post("/admin/apps/new", admin, url.Values{"type": {"native"}, "name_hans": {"闽政通"}, "owner_org": {"fj-digital-office"},
			"redirect_uris": {"http://127.0.0.1/callback"}, "scopes": {"profile", "offline_access"}})
		if w.Code != http.StatusCreated {
			t.Fatalf("register a native app: %d %.300s", w.Code, w.Body)
		}
		doc = parse(t, w)
		one(t, doc, "#no-secret")
		if n := count(t, doc, "#client-secret"); n != 0 {
			t.Errorf("a native app got a secret")
		}
		if id := text(one(t, doc, "#client-id")); !strings.HasPrefix(id, "app-") {
			t.Errorf("generated client id %q", id)
		}
	})
}

func TestManageApp(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, highLimits)
		zh := func(key string, args ...any) string { return i18n.T(i18n.ZhHans, key, args...) }
		page := "/admin/apps/" + demoWebApp
		for _, lang := range i18n.All {
			doc := parse(t, s.get(page+"?lang="+string(lang), admin))
			checkIdentityLayout(t, doc, lang)
			one(t, doc, `main form[action="`+page+`/secret"]`)
			one(t, doc, `main form[action="`+page+`/disable"]`)
		}
		// The form holds the registration as it is; the kind cannot be changed.
		doc := parse(t, s.get(page, admin))
		form := one(t, doc, `main form[action="`+page+`"]`)
		if n := count(t, form, `[name="type"]`) + count(t, form, `[name="client_id"]`); n != 0 {
			t.Errorf("the form offers to change the kind or the client id")
		}
		values := formValues(t, form)
		want, err := s.a.Apps.Get(context.Background(), demoWebApp)
		if err != nil {
			t.Fatal(err)
		}
		if values.Get("name_en") != want.Name.En || values.Get("owner_org") != want.OwnerOrg || values.Get("launch_url") != want.LaunchURL ||
			!slices.Equal(lines(values.Get("redirect_uris")), want.RedirectURIs) || !slices.Equal(values["scopes"], want.Scopes[1:]) {
			t.Errorf("the form holds %v for %+v", values, want)
		}

		// Saving it unchanged changes nothing but the time; a field at fault is said beside it.
		before := s.lastAuditID()
		w := s.post(page, admin, with(values, "launch_url", "http://localhost:8443/"))
		if w.Code != http.StatusBadRequest {
			t.Fatalf("bad launch address: %d", w.Code)
		}
		checkFieldError(t, parse(t, w), "app-launch_url", zh("apps.error.uri_not_https", "http://localhost:8443/"))
		w = s.post(page, admin, with(values, "name_hans", "社保查询", "scopes", "phone"))
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != page+"?saved=updated" {
			t.Fatalf("update: %d to %q %.300s", w.Code, w.Header().Get("Location"), w.Body)
		}
		doc = parse(t, s.get(page+"?saved=updated", admin))
		if got := text(one(t, doc, `#saved[role="status"]`)); got != zh("appadmin.saved_updated") {
			t.Errorf("saved notice %q", got)
		}
		if got := text(one(t, doc, "h1")); got != zh("appadmin.edit_title", "社保查询") {
			t.Errorf("h1 %q", got)
		}
		if a, _ := s.a.Apps.Get(context.Background(), demoWebApp); a.Name.Hans != "社保查询" || !slices.Equal(a.Scopes, []string{"openid", "phone"}) {
			t.Errorf("updated to %+v", a)
		}

		// A new secret: shown once, the old one stops working at once.
		old, err := s.a.Apps.RotateSecret(systemContext(), demoWebApp)
		if err != nil {
			t.Fatal(err)
		}
		w = s.post(page+"/secret", admin, nil)
		if w.Code != http.StatusOK {
			t.Fatalf("rotate: %d", w.Code)
		}
		doc = parse(t, w)
		checkIdentityLayout(t, doc, i18n.ZhHans)
		secret := attrOr(one(t, doc, "input#client-secret"), "value")
		if secret == "" || secret == old {
			t.Fatalf("new secret %q", secret)
		}
		if _, err := s.a.Apps.Authenticate(context.Background(), demoWebApp, old); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("the old secret after rotation: %v, want unauthenticated", err)
		}
		if _, err := s.a.Apps.Authenticate(context.Background(), demoWebApp, secret); err != nil {
			t.Errorf("the new secret: %v", err)
		}
		if w := s.get(page, admin); strings.Contains(w.Body.String(), secret) {
			t.Errorf("the app's page shows the secret again")
		}

		// Disabled, the app leaves the launcher; enabled, it comes back.
		w = s.post(page+"/disable", admin, nil)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != page+"?saved=disabled" {
			t.Fatalf("disable: %d to %q", w.Code, w.Header().Get("Location"))
		}
		if n := count(t, parse(t, s.get("/apps", resident)), "#app-"+demoWebApp); n != 0 {
			t.Errorf("a disabled app is in the launcher")
		}
		doc = parse(t, s.get(page+"?saved=disabled", admin))
		if got := text(one(t, doc, "#state")); got != zh("appadmin.disabled") {
			t.Errorf("state %q", got)
		}
		one(t, doc, `main form[action="`+page+`/enable"]`)
		if got := text(one(t, parse(t, s.get("/admin/apps", admin)), "tr#app-"+demoWebApp+" td.state")); got != zh("appadmin.disabled") {
			t.Errorf("the list says %q", got)
		}
		w = s.post(page+"/enable", admin, nil)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != page+"?saved=enabled" {
			t.Fatalf("enable: %d to %q", w.Code, w.Header().Get("Location"))
		}
		one(t, parse(t, s.get("/apps", resident)), "#app-"+demoWebApp)
		if got := s.auditSince(before); !slices.Equal(got, []string{"apps.app.updated", "apps.app.secret_rotated", "apps.app.secret_rotated",
			"apps.app.disabled", "apps.app.enabled"}) {
			t.Errorf("audit %v", got)
		}

		// A native app has no secret to replace; a department system no redirect URIs.
		doc = parse(t, s.get("/admin/apps/"+demoNativeApp, admin))
		if n := count(t, doc, `form[action$="/secret"]`); n != 0 {
			t.Errorf("a native app's page offers a new secret")
		}
		if w := s.post("/admin/apps/"+demoNativeApp+"/secret", admin, nil); w.Code != http.StatusBadRequest {
			t.Errorf("a new secret for a native app: %d, want 400", w.Code)
		}
		doc = parse(t, s.get("/admin/apps/"+demoServiceApp, admin))
		if n := count(t, doc, "#app-redirect_uris") + count(t, doc, "#app-launch_url"); n != 0 {
			t.Errorf("a department system's page offers redirect URIs or a launch address")
		}
		form = one(t, doc, `main form[action="/admin/apps/`+demoServiceApp+`"]`)
		if w := s.post("/admin/apps/"+demoServiceApp, admin, formValues(t, form)); w.Code != http.StatusSeeOther {
			t.Errorf("saving a department system unchanged: %d %.300s", w.Code, w.Body)
		}
	})
}

// TestAppsMessageKeys checks the keys the app pages build at run time.
func TestAppsMessageKeys(t *testing.T) {
	t.Parallel()
	keys := []string{"appadmin.registered_title", "appadmin.rotated_title"}
	for _, ty := range []apps.Type{apps.TypeWeb, apps.TypeNative, apps.TypeService} {
		keys = append(keys, "appadmin.type."+string(ty), "appadmin.type_hint."+string(ty))
		if ty != apps.TypeService {
			keys = append(keys, "appadmin.redirect_uris_hint."+string(ty))
		}
	}
	for _, sc := range slices.Concat(apps.PersonScopes, apps.ServiceScopes) {
		keys = append(keys, apps.ScopeMessageKey(sc, false))
	}
	for _, k := range keys {
		if !i18n.Has(k) {
			t.Errorf("missing message key %q", k)
		}
	}
}

// lines splits a text area's value as the site does.
func lines(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })
}

// TestConsentAsksToSignInAgain follows an app's prompt=login through the consent page: a
// person signed in is sent to the login page, told why, and goes on once signed in again;
// the ID token will say when.
func TestConsentAsksToSignInAgain(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, highLimits)
		if err := s.a.OIDC.SetIssuer("http://127.0.0.1/oidc"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.a.Apps.Grant(principal.With(context.Background(), s.principal(resident)), demoWebApp, []string{"openid", "profile"}); err != nil {
			t.Fatal(err)
		}
		s.advance(time.Minute)
		q := url.Values{"client_id": {demoWebApp}, "redirect_uri": {"https://localhost:8443/callback"}, "response_type": {"code"},
			"scope": {"openid profile"}, "state": {"s1"}, "prompt": {"login"},
			"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"}}
		w := s.get("/oidc/authorize?"+q.Encode(), resident)
		loc, err := url.Parse(w.Header().Get("Location"))
		if w.Code != http.StatusFound || err != nil || loc.Path != "/oidc/consent" {
			t.Fatalf("authorize: %d to %q", w.Code, w.Header().Get("Location"))
		}
		consent := loc.RequestURI()
		id := loc.Query().Get("id")

		// Signed in and consented long ago, the person is still sent to sign in again.
		w = s.get(consent, resident)
		login := "/login?next=" + url.QueryEscape(consent)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != login {
			t.Fatalf("consent page with the old session: %d to %q, want %q", w.Code, w.Header().Get("Location"), login)
		}
		doc := parse(t, s.get(login, resident))
		if got := text(one(t, doc, `main .notice[role="status"]`)); got != i18n.T(i18n.ZhHans, "login.again") {
			t.Errorf("the login page says %q", got)
		}
		next := attrOr(one(t, doc, `main form[action="/login"] input[name="next"]`), "value")
		s.advance(time.Minute)
		w = s.post("/login", "", url.Values{"login": {resident}, "password": {demo.Password}, "next": {next}})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != consent {
			t.Fatalf("sign in again: %d to %q, want %q", w.Code, w.Header().Get("Location"), consent)
		}
		signedIn := s.now().UTC().Truncate(time.Microsecond)
		fresh := session(t, w)
		s.advance(time.Minute)
		w = s.get(consent, "", fresh)
		if w.Code != http.StatusOK {
			t.Fatalf("consent page after signing in again: %d %.300s", w.Code, w.Body)
		}
		if href := attrOr(one(t, parse(t, w), "a#continue"), "href"); !strings.Contains(href, "/oidc/authorize/callback?id=") {
			t.Errorf("continue link %q", href)
		}
		var authTime time.Time
		if err := db.Get(context.Background(), &authTime, `SELECT auth_time FROM oidc_auth_requests WHERE id = ?`, id); err != nil {
			t.Fatal(err)
		}
		if !authTime.Equal(signedIn) {
			t.Errorf("auth_time %v, want the new login at %v", authTime, signedIn)
		}
	})
}
