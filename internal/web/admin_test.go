package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

func TestWindowVerify(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, highLimits)
		// Only window officers.
		if w := s.get("/window/verify", ""); w.Code != http.StatusSeeOther {
			t.Errorf("anonymous: %d", w.Code)
		}
		for _, who := range []string{gxt, admin, resident} {
			if w := s.get("/window/verify", who); w.Code != http.StatusForbidden {
				t.Errorf("%s: %d, want 403", who, w.Code)
			}
			if w := s.post("/window/verify", who, url.Values{"id_type": {"resident_id"}}); w.Code != http.StatusForbidden {
				t.Errorf("%s posting: %d, want 403", who, w.Code)
			}
		}
		doc := parse(t, s.get("/window/verify", window))
		if v := attrOr(one(t, doc, "#win-place"), "value"); v == "" {
			t.Error("the place is not suggested")
		}
		ctx := principal.With(context.Background(), s.principal(resident))
		me, err := s.a.Identity.Account(ctx, s.principal(resident).AccountID)
		if err != nil {
			t.Fatal(err)
		}
		number := *me.IDNumber
		form := func(kv ...string) url.Values {
			v := url.Values{"id_type": {"resident_id"}, "id_number": {number}, "name": {"林秀英"}, "place": {"省行政服务中心 12 号窗口"}}
			for i := 0; i < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return v
		}
		for _, tc := range []struct {
			name   string
			form   url.Values
			status int
			id     string
			key    string
		}{
			{"other name", form("name", "林秀华"), 400, "win-name", "identity.error.name_mismatch"},
			{"no place", form("place", " "), 400, "win-place", "error.required"},
			{"no account", form("id_number", "350102199001011234"), 0, "win-id_number", ""},
		} {
			w := s.post("/window/verify", window, tc.form)
			doc := parse(t, w)
			if tc.key == "" {
				// A number with a bad check is invalid, a good one without an account not found.
				if w.Code != http.StatusBadRequest && w.Code != http.StatusNotFound {
					t.Errorf("%s: %d", tc.name, w.Code)
				}
				one(t, doc, "#win-id_number-error")
				continue
			}
			if w.Code != tc.status {
				t.Errorf("%s: %d, want %d", tc.name, w.Code, tc.status)
				continue
			}
			checkFieldError(t, doc, tc.id, i18n.T(i18n.ZhHans, tc.key))
		}
		reg := demoRegistryStranger()
		w := s.post("/window/verify", window, form("id_number", reg.IDNumber, "name", reg.Name))
		if w.Code != http.StatusNotFound {
			t.Errorf("a document without an account: %d, want 404", w.Code)
		}
		checkFieldError(t, parse(t, w), "win-id_number", i18n.T(i18n.ZhHans, "window.no_account"))

		before := s.lastAuditID()
		w = s.post("/window/verify", window, form())
		if w.Code != http.StatusOK {
			t.Fatalf("verify: %d; %.300s", w.Code, w.Body)
		}
		if got := s.auditSince(before); len(got) != 1 || got[0] != "identity.realname.level3" {
			t.Errorf("audit %v", got)
		}
		doc = parse(t, w)
		result := one(t, doc, `#window-result[role="status"]`)
		if got := text(result); !strings.Contains(got, "林秀英") || strings.Contains(got, number) || !strings.Contains(got, identity.MaskIDNumber(number)) ||
			!strings.Contains(got, i18n.T(i18n.ZhHans, "identity.level.3")) {
			t.Errorf("result %q", got)
		}
		if v := attrOr(one(t, doc, "#win-id_number"), "value"); v != "" {
			t.Errorf("the form keeps the last person's number: %q", v)
		}
		// The resident's account says who verified her, where.
		doc = parse(t, s.get("/account", resident))
		if got := text(one(t, doc, "#account-level")); got != i18n.T(i18n.ZhHans, "identity.level.3") {
			t.Errorf("level %q", got)
		}
		rows := queryAll(t, doc, "#verifications tbody tr")
		if got := text(rows[len(rows)-1]); !strings.Contains(got, "郭晓芸") || !strings.Contains(got, "12 号窗口") {
			t.Errorf("verification row %q", got)
		}
	})
}

// demoRegistryStranger is someone in the synthetic registry without an account.
func demoRegistryStranger() identity.RegistryEntry {
	reg := demo.PopulationRegistry()
	return reg[len(reg)-2]
}

func TestOfficialsAdmin(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, highLimits)
		for _, who := range []string{gxt, window, resident} {
			if w := s.get("/admin/officials", who); w.Code != http.StatusForbidden {
				t.Errorf("%s: %d, want 403", who, w.Code)
			}
			if w := s.post("/admin/officials", who, url.Values{"login": {"x.y"}}); w.Code != http.StatusForbidden {
				t.Errorf("%s creating: %d, want 403", who, w.Code)
			}
		}
		gxtID := s.principal(gxt).AccountID

		// The digital office sees every organisation's officials, and filters by one.
		doc := parse(t, s.get("/admin/officials", admin))
		one(t, doc, "tr#official-"+strconv.FormatInt(gxtID, 10))
		one(t, doc, `form[method="get"] select#filter-org`)
		doc = parse(t, s.get("/admin/officials?org=fj-miit", admin))
		if n := count(t, doc, "#officials tbody tr"); n != 1 {
			t.Errorf("fj-miit has %d officials listed, want 1", n)
		}
		one(t, doc, `select#off-org_code option[value="fj-miit"][selected]`)
		// A city's administrator sees the city's officials only, and cannot pick another organisation.
		doc = parse(t, s.get("/admin/officials", cityAdmin))
		for _, row := range queryAll(t, doc, "#officials tbody tr") {
			if !strings.Contains(text(row), "福州") {
				t.Errorf("fuzhou.admin sees %q", text(row))
			}
		}
		if n := count(t, doc, "select#off-org_code option"); n != 1 {
			t.Errorf("fuzhou.admin may choose among %d organisations", n)
		}
		if n := count(t, doc, `form[action$="/disabled"]`); n != 0 {
			t.Error("a city's administrator is offered to disable accounts")
		}

		// Creating: errors beside the fields, then the account.
		create := func(kv ...string) url.Values {
			v := url.Values{"login": {"gxt.zhang"}, "display_name": {"张伟"}, "org_code": {"fj-miit"}, "roles": {"reviewer"}, "password": {"initial-password-1"}}
			for i := 0; i < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return v
		}
		for _, tc := range []struct {
			name   string
			as     string
			form   url.Values
			status int
			id     string
			key    string
			args   []any
		}{
			{"bad login", admin, create("login", "12345"), 400, "off-login", "error.bad_login", nil},
			{"taken", admin, create("login", gxt), 409, "off-login", "error.login_taken", []any{gxt}},
			{"short password", admin, create("password", "short"), 400, "off-password", "error.password_too_short", []any{identity.MinPasswordLength}},
			{"no name", admin, create("display_name", ""), 400, "off-display_name", "error.required", nil},
			{"unknown role", admin, create("roles", "king"), 400, "off-roles", "error.unknown_role", []any{"king"}},
		} {
			w := s.post("/admin/officials", tc.as, tc.form)
			if w.Code != tc.status {
				t.Errorf("%s: %d, want %d; %.300s", tc.name, w.Code, tc.status, w.Body)
				continue
			}
			doc := parse(t, w)
			checkIdentityLayout(t, doc, i18n.ZhHans)
			checkFieldError(t, doc, tc.id, i18n.T(i18n.ZhHans, tc.key, tc.args...))
			if v := attrOr(one(t, doc, "#off-display_name"), "value"); v != tc.form.Get("display_name") {
				t.Errorf("%s: name not kept", tc.name)
			}
		}
		// Another organisation, or the administrator role, is beyond a city's administrator.
		if w := s.post("/admin/officials", cityAdmin, create()); w.Code != http.StatusForbidden {
			t.Errorf("fuzhou.admin creating in fj-miit: %d, want 403", w.Code)
		}
		w := s.post("/admin/officials", admin, create("org", "fj-miit"))
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/admin/officials?saved=created&org=fj-miit" {
			t.Fatalf("create: %d %q; %.300s", w.Code, w.Header().Get("Location"), w.Body)
		}
		if w := s.post("/login", "", url.Values{"login": {"gxt.zhang"}, "password": {"initial-password-1"}}); w.Code != http.StatusSeeOther {
			t.Errorf("the new official cannot sign in: %d", w.Code)
		}

		// Roles: the digital office gives gxt.officer a role; fuzhou.admin may not touch fj-miit.
		before := s.lastAuditID()
		w = s.post("/admin/officials/"+strconv.FormatInt(gxtID, 10)+"/roles", admin, url.Values{"roles": {"reviewer", "inspector"}})
		if w.Code != http.StatusSeeOther {
			t.Fatalf("roles: %d", w.Code)
		}
		if got := s.auditSince(before); len(got) != 1 || got[0] != "identity.roles.changed" {
			t.Errorf("audit %v", got)
		}
		row := one(t, parse(t, s.get("/admin/officials", admin)), "tr#official-"+strconv.FormatInt(gxtID, 10))
		if n := count(t, row, `input[name="roles"][checked]`); n != 2 {
			t.Errorf("%d roles ticked, want 2", n)
		}
		if w := s.post("/admin/officials/"+strconv.FormatInt(gxtID, 10)+"/roles", cityAdmin, url.Values{}); w.Code != http.StatusForbidden {
			t.Errorf("fuzhou.admin changing fj-miit's roles: %d, want 403", w.Code)
		}
		if w := s.post("/admin/officials/999999/roles", admin, url.Values{}); w.Code != http.StatusNotFound {
			t.Errorf("roles of nobody: %d", w.Code)
		}
		// Nobody takes their own administrator role away: said on their row.
		adminID := s.principal(admin).AccountID
		w = s.post("/admin/officials/"+strconv.FormatInt(adminID, 10)+"/roles", admin, url.Values{"roles": {"reviewer"}})
		if w.Code != http.StatusConflict {
			t.Fatalf("own admin role: %d", w.Code)
		}
		doc = parse(t, w)
		if got := text(one(t, doc, "#official-"+strconv.FormatInt(adminID, 10)+"-error")); got != i18n.T(i18n.ZhHans, "identity.error.own_admin_role") {
			t.Errorf("row error %q", got)
		}

		// Disabling ends the official's sessions; only the digital office may.
		session := s.token(gxt)
		if w := s.post("/admin/officials/"+strconv.FormatInt(gxtID, 10)+"/disabled", cityAdmin, url.Values{"disabled": {"1"}}); w.Code != http.StatusForbidden {
			t.Errorf("fuzhou.admin disabling: %d, want 403", w.Code)
		}
		w = s.post("/admin/officials/"+strconv.FormatInt(gxtID, 10)+"/disabled", admin, url.Values{"disabled": {"1"}})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/admin/officials?saved=disabled" {
			t.Fatalf("disable: %d %q", w.Code, w.Header().Get("Location"))
		}
		if w := s.get("/plan/worklist", "", &http.Cookie{Name: "yiwang_session", Value: session}); w.Code != http.StatusSeeOther {
			t.Errorf("a disabled official's session still works: %d", w.Code)
		}
		if w := s.post("/admin/officials/"+strconv.FormatInt(adminID, 10)+"/disabled", admin, url.Values{"disabled": {"1"}}); w.Code != http.StatusConflict {
			t.Errorf("disabling oneself: %d, want 409", w.Code)
		}
		w = s.post("/admin/officials/"+strconv.FormatInt(gxtID, 10)+"/disabled", admin, url.Values{"disabled": {"0"}})
		if w.Code != http.StatusSeeOther {
			t.Fatalf("enable: %d", w.Code)
		}
	})
}
