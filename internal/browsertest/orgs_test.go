package browsertest

import (
	"testing"

	"github.com/yiwang-platform/yiwang/internal/i18n"
)

// TestOrgsAdminAccessible walks the administration of organisations in each language — the
// list with the form for a new one, and that form sent back with a bad region code — and
// checks each with axe-core.
func TestOrgsAdminAccessible(t *testing.T) {
	t.Parallel()
	axe := Axe(t)
	b := Shared(t)
	s := startSite(t)
	for _, lang := range i18n.All {
		t.Run(string(lang), func(t *testing.T) {
			t.Parallel()
			ctx := b.NewTab(t)
			login(t, ctx, s, "szb.admin", "/admin/orgs", lang)
			checkShell(t, ctx, lang)
			if n := eval[int](t, ctx, `document.querySelectorAll('#orgs tbody tr a[href^="/admin/orgs/"]').length`); n == 0 {
				t.Fatal("no organisation to edit")
			}
			checkAxe(t, ctx, axe) // the list and the empty form

			fill(t, ctx, "#org-code", "city-fuzhou-changle")
			fill(t, ctx, "#org-name_hans", "福州市长乐区人民政府")
			fill(t, ctx, "#org-name_hant", "福州市長樂區人民政府")
			fill(t, ctx, "#org-name_en", "Changle District People's Government, Fuzhou")
			fill(t, ctx, "#org-region_code", "35011")
			if status := submit(t, ctx, `main form[action="/admin/orgs"] button[type=submit]`); status != 400 {
				t.Fatalf("a bad region code: %d", status)
			}
			if got, want := alerts(t, ctx), i18n.T(lang, "org.error.region", "35011"); got != want {
				t.Errorf("alert %q, want %q", got, want)
			}
			if got := eval[string](t, ctx, `document.getElementById('org-region_code').getAttribute('aria-describedby') || ""`); got != "org-region_code-hint org-region_code-error" {
				t.Errorf("the region code is described by %q", got)
			}
			checkShell(t, ctx, lang)
			checkAxe(t, ctx, axe) // the form with the error

			if status := open(t, ctx, s.page("/admin/orgs/fj-miit", lang)); status != 200 {
				t.Fatalf("GET /admin/orgs/fj-miit: %d", status)
			}
			checkShell(t, ctx, lang)
			checkAxe(t, ctx, axe) // editing one
		})
	}
}
