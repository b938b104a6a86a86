package browsertest

import (
	"context"
	"strings"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/i18n"
)

// TestAppsPagesAccessible walks the app pages in each language — the launcher anyone sees,
// and the registry's administrator registering an app: choosing its kind, the empty form, the
// form sent back with an error, and the page that shows the client secret once — and checks
// each with axe-core.
func TestAppsPagesAccessible(t *testing.T) {
	t.Parallel()
	axe := Axe(t)
	b := Shared(t)
	s := startSite(t)
	for _, lang := range i18n.All {
		t.Run(string(lang), func(t *testing.T) {
			t.Parallel()
			ctx := b.NewTab(t)
			clientID := "fj-tax-etax-" + strings.ToLower(string(lang))

			t.Run("launcher", func(t *testing.T) {
				if status := open(t, ctx, s.page("/apps", lang)); status != 200 {
					t.Fatalf("GET /apps: %d", status)
				}
				checkShell(t, ctx, lang)
				type card struct {
					Href, Rel, Target, Name string
					AsksFor                 int
				}
				got := eval[card](t, ctx, `(() => {
					const a = document.querySelector('#app-demo-shebao h3 a');
					return a ? {href: a.getAttribute('href'), rel: a.rel, target: a.target, name: a.textContent.trim(),
						asksFor: a.closest('li').querySelectorAll('dd.asks-for').length} : {};
				})()`)
				if got.Href != "https://localhost:8443/" || got.Rel != "noopener" || got.Target != "" || got.Name == "" || got.AsksFor == 0 {
					t.Errorf("the demo app's card: %+v", got)
				}
				checkAxe(t, ctx, axe)
			})

			t.Run("register", func(t *testing.T) {
				login(t, ctx, s, "szb.admin", "/admin/apps/new", lang)
				checkShell(t, ctx, lang)
				checkAxe(t, ctx, axe) // choosing the kind
				if err := chromedpClick(ctx, "#app-type-web"); err != nil {
					t.Fatal(err)
				}
				if status := submit(t, ctx, `main form[action="/admin/apps/new"] button[type=submit]`); status != 200 {
					t.Fatalf("choose web app: %d", status)
				}
				if n := eval[int](t, ctx, `document.querySelectorAll('main form[method="post"] #app-name_hans').length`); n != 1 {
					t.Fatal("no registration form for a web app")
				}
				checkShell(t, ctx, lang)
				checkAxe(t, ctx, axe) // the empty form

				// A redirect URI without https: said beside the field and at the top.
				fill(t, ctx, "#app-client_id", clientID)
				fill(t, ctx, "#app-name_hans", "电子税务局")
				fill(t, ctx, "#app-name_en", "e-Tax")
				if err := chromedpSelect(ctx, "#app-owner_org", "fj-tax"); err != nil {
					t.Fatal(err)
				}
				fill(t, ctx, "#app-redirect_uris", "http://etax.fujian.gov.cn/cb")
				if err := chromedpClick(ctx, `#app-scopes input[value="profile"]`); err != nil {
					t.Fatal(err)
				}
				fill(t, ctx, "#app-launch_url", "https://etax.fujian.gov.cn/")
				if status := submit(t, ctx, `main form[action="/admin/apps/new"] button[type=submit]`); status != 400 {
					t.Fatalf("http redirect URI: %d (%s)", status, alerts(t, ctx))
				}
				want := i18n.T(lang, "apps.error.uri_not_https", "http://etax.fujian.gov.cn/cb")
				if got := alerts(t, ctx); got != want {
					t.Errorf("alert %q, want %q", got, want)
				}
				if got := eval[string](t, ctx, `document.getElementById('app-redirect_uris').getAttribute('aria-describedby') || ""`); !strings.Contains(got, "app-redirect_uris-error") {
					t.Errorf("the redirect URIs are described by %q", got)
				}
				checkShell(t, ctx, lang)
				checkAxe(t, ctx, axe) // the form with its error

				// Put right, the app is registered and its secret shown once.
				fill(t, ctx, "#app-redirect_uris", "https://etax.fujian.gov.cn/cb")
				if status := submit(t, ctx, `main form[action="/admin/apps/new"] button[type=submit]`); status != 201 {
					t.Fatalf("register: %d (%s)", status, alerts(t, ctx))
				}
				checkShell(t, ctx, lang)
				secret := eval[string](t, ctx, `(document.getElementById('client-secret') || {}).value || ""`)
				if secret == "" {
					t.Fatal("no client secret shown")
				}
				if _, err := s.App.Apps.Authenticate(context.Background(), clientID, secret); err != nil {
					t.Errorf("the secret shown: %v", err)
				}
				checkAxe(t, ctx, axe) // the secret page

				// The app's page does not show it again.
				if status := open(t, ctx, s.page("/admin/apps/"+clientID, lang)); status != 200 {
					t.Fatalf("the app's page: %d", status)
				}
				checkShell(t, ctx, lang)
				if eval[bool](t, ctx, `document.documentElement.outerHTML.includes(`+jsString(secret)+`)`) {
					t.Errorf("the app's page shows the secret again")
				}
				checkAxe(t, ctx, axe)
			})
		})
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
