package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// changleForm is the form of a new district of Fuzhou, with kv changed.
func changleForm(kv ...string) url.Values {
	v := url.Values{"code": {"city-fuzhou-changle"}, "kind": {"government"}, "name_hans": {"福州市长乐区人民政府"},
		"name_hant": {"福州市長樂區人民政府"}, "name_en": {"Changle District People's Government, Fuzhou"},
		"region_code": {"350112"}, "parent_code": {"city-fuzhou"}, "aliases": {"长乐区政府\r\n長樂區政府\n"}}
	for i := 0; i < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func TestOrgsAdmin(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, highLimits)
		ctx := context.Background()

		// Only the digital office's administrators.
		if w := s.get("/admin/orgs", ""); w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/login?next=") {
			t.Errorf("anonymous: %d %s", w.Code, w.Header().Get("Location"))
		}
		for _, target := range []string{"/admin/orgs", "/admin/orgs/fj-miit"} {
			if w := s.post(target, "", changleForm()); w.Code != http.StatusUnauthorized {
				t.Errorf("anonymous posting %s: %d, want 401", target, w.Code)
			}
			for _, who := range []string{gxt, cityAdmin, reviewer, resident} {
				if w := s.get(target, who); w.Code != http.StatusForbidden {
					t.Errorf("%s on %s: %d, want 403", who, target, w.Code)
				}
				if w := s.post(target, who, changleForm()); w.Code != http.StatusForbidden {
					t.Errorf("%s posting %s: %d, want 403", who, target, w.Code)
				}
			}
		}
		if _, err := org.Get(ctx, db, "city-fuzhou-changle"); err == nil {
			t.Fatal("a refused post stored the organisation")
		}
		// The link is offered to those who may follow it only.
		for who, want := range map[string]int{admin: 1, cityAdmin: 0, gxt: 0} {
			if n := count(t, parse(t, s.get("/", who)), `nav a[href="/admin/orgs"]`); n != want {
				t.Errorf("%s sees %d links to /admin/orgs, want %d", who, n, want)
			}
		}

		doc := parse(t, s.get("/admin/orgs", admin))
		one(t, doc, `#orgs tr#row-fj-miit a[href="/admin/orgs/fj-miit"]`)
		one(t, doc, `form[method="post"][action="/admin/orgs"] input#org-code`)
		one(t, doc, `select#org-parent_code option[value="city-fuzhou"]`)
		one(t, doc, `select#org-kind option[value="government"]`)

		// Bad input is said beside its field, the typed values are kept, and nothing is stored.
		for _, tc := range []struct {
			name string
			form url.Values
			id   string
			want string
		}{
			{"bad region", changleForm("region_code", "35011"), "org-region_code", i18n.T(i18n.ZhHans, "org.error.region", "35011")},
			{"unknown parent", changleForm("parent_code", "city-nowhere"), "org-parent_code", i18n.T(i18n.ZhHans, "error.unknown_org", "city-nowhere")},
			{"bad code", changleForm("code", "Changle"), "org-code", i18n.T(i18n.ZhHans, "org.error.code")},
			{"taken code", changleForm("code", "fj-miit"), "org-code", i18n.T(i18n.ZhHans, "orgs_admin.error.code_taken", "fj-miit")},
			{"no name", changleForm("name_en", " "), "org-name_en", i18n.T(i18n.ZhHans, "error.required")},
			{"alias of another", changleForm("aliases", "福州市人民政府"), "org-aliases", ""},
		} {
			before := s.lastAuditID()
			w := s.post("/admin/orgs", admin, tc.form)
			if w.Code != http.StatusBadRequest && w.Code != http.StatusConflict {
				t.Errorf("%s: %d, want 400 or 409", tc.name, w.Code)
				continue
			}
			doc := parse(t, w)
			if tc.want != "" {
				checkFieldError(t, doc, tc.id, tc.want)
			} else {
				one(t, doc, "#"+tc.id+"-error")
			}
			if v := attrOr(one(t, doc, "#org-name_hans"), "value"); v != "福州市长乐区人民政府" {
				t.Errorf("%s: the name is not kept: %q", tc.name, v)
			}
			if got := s.auditSince(before); len(got) != 0 {
				t.Errorf("%s: audit %v", tc.name, got)
			}
			if _, err := org.Get(ctx, db, "city-fuzhou-changle"); err == nil {
				t.Fatalf("%s: stored", tc.name)
			}
		}

		// A new district: on the public list and in the matcher, by its names and aliases.
		w := s.post("/admin/orgs", admin, changleForm())
		if w.Code != http.StatusSeeOther {
			t.Fatalf("create: %d; %.400s", w.Code, w.Body)
		}
		doc = parse(t, s.get(w.Header().Get("Location"), admin))
		if got := text(one(t, doc, `#saved[role="status"]`)); !strings.Contains(got, "福州市长乐区人民政府") {
			t.Errorf("notice %q", got)
		}
		one(t, doc, `#orgs tr#row-city-fuzhou-changle`)
		if !strings.Contains(s.get("/orgs", "").Body.String(), "福州市长乐区人民政府") {
			t.Error("the district is not on /orgs")
		}
		m, err := org.LoadMatcher(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"长乐区政府", "長樂區政府", "福州市 长乐区人民政府"} {
			if code, ok := m.Match(name); !ok || code != "city-fuzhou-changle" {
				t.Errorf("Match(%q) = %q, %v", name, code, ok)
			}
		}
		o, err := org.Get(ctx, db, "city-fuzhou-changle")
		if err != nil || o.ParentCode == nil || *o.ParentCode != "city-fuzhou" || o.RegionCode != "350112" {
			t.Fatalf("stored %+v, %v", o, err)
		}

		// Editing: the form shows what is stored, a bad value is refused, a new name is kept.
		doc = parse(t, s.get("/admin/orgs/city-fuzhou-changle", admin))
		if n := count(t, doc, `input[name="code"]`); n != 0 {
			t.Error("the code can be edited")
		}
		one(t, doc, `select#org-parent_code option[value="city-fuzhou"][selected]`)
		if got := text(one(t, doc, "#org-aliases")); !strings.Contains(got, "长乐区政府") {
			t.Errorf("aliases %q", got)
		}
		edit := changleForm("name_hans", "福州市长乐区政府", "name_hant", "福州市長樂區政府", "name_en", "Changle District, Fuzhou")
		w = s.post("/admin/orgs/city-fuzhou-changle", admin, changleForm("region_code", "x"))
		if w.Code != http.StatusBadRequest {
			t.Errorf("bad edit: %d", w.Code)
		} else {
			checkFieldError(t, parse(t, w), "org-region_code", i18n.T(i18n.ZhHans, "org.error.region", "x"))
		}
		w = s.post("/admin/orgs/city-fuzhou-changle", admin, edit)
		if w.Code != http.StatusSeeOther {
			t.Fatalf("edit: %d; %.400s", w.Code, w.Body)
		}
		o, err = org.Get(ctx, db, "city-fuzhou-changle")
		if err != nil || o.NameHans != "福州市长乐区政府" || o.NameEn != "Changle District, Fuzhou" {
			t.Errorf("after editing %+v, %v", o, err)
		}
		if m, err = org.LoadMatcher(ctx, db); err != nil {
			t.Fatal(err)
		}
		if code, _ := m.Match("福州市长乐区政府"); code != "city-fuzhou-changle" {
			t.Errorf("the new name matches %q", code)
		}
		if w := s.get("/admin/orgs/city-nowhere", admin); w.Code != http.StatusNotFound {
			t.Errorf("unknown organisation: %d", w.Code)
		}
		if w := s.post("/admin/orgs/city-nowhere", admin, changleForm()); w.Code != http.StatusNotFound {
			t.Errorf("posting to an unknown organisation: %d", w.Code)
		}
	})
}
