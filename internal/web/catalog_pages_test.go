package web_test

import (
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/yiwang-platform/yiwang/internal/catalog"
	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/search"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
	"github.com/yiwang-platform/yiwang/internal/web"
)

// Officials the catalogue tests add: the administrator and a window officer of Fuzhou's market
// regulator, and the health commission's administrator.
const (
	fzAdmin     = "fzscj.admin"
	healthAdmin = "wjw.admin"
	officeAdmin = "szb.admin"
)

// catalogSite is the demo platform whose portal also has the catalogue with the demo's items
// and bundles: the site is assembled from the platform's own services as app.New assembles it,
// with the catalogue added.
type catalogSite struct {
	*site
	cat *catalog.Service
}

func newCatalogSite(t testing.TB, db *store.DB) *catalogSite {
	t.Helper()
	s := newSite(t, db, highLimits)
	ctx := systemContext()
	ix, err := search.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.New(db, ix)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.SeedCatalog(ctx, db, cat); err != nil {
		t.Fatal(err)
	}
	for _, o := range []struct {
		login, org string
		roles      []string
	}{
		{fzAdmin, "fz-market-regulation", []string{principal.RoleAdministrator}},
		{healthAdmin, "fj-health", []string{principal.RoleAdministrator}},
	} {
		// The demo may have made the account already.
		if _, err := s.a.Identity.CreateAccount(ctx, identity.NewAccount{Login: o.login, Kind: principal.Official,
			DisplayName: o.login, OrgCode: o.org, Roles: o.roles, Password: demo.Password}); err != nil && !errs.Is(err, errs.Conflict) {
			t.Fatal(err)
		}
	}
	a := s.a
	portal, err := web.New(web.Config{DB: db, Plan: a.Plan, Identity: a.Identity, OIDC: a.OIDC, Apps: a.Apps,
		Logger: slog.New(slog.DiscardHandler), Demo: true, Seals: a.Seals, Sign: a.Sign, Ledger: a.Ledger, PKI: a.PKI, Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := httpserver.New(httpserver.Config{Logger: slog.New(slog.DiscardHandler), Authenticate: portal.Authenticate,
		ErrorPage: portal.ErrorPage, RateLimits: highLimits})
	if err != nil {
		t.Fatal(err)
	}
	portal.Install(srv)
	a.Server = srv
	for _, login := range []string{fzAdmin, healthAdmin, officeAdmin, scjAdmin, scjWindow} {
		s.token(login)
	}
	return &catalogSite{site: s, cat: cat}
}

// checkHallLayout checks what checkLayout checks of every page, with the service hall's pages in
// the navigation: nav says which one is current (at most one, and only if it is in the nav).
func checkHallLayout(t *testing.T, doc *html.Node, lang i18n.Lang, path string) {
	t.Helper()
	if got, _ := attr(one(t, doc, "html"), "lang"); got != string(lang) {
		t.Errorf("<html lang=%q>, want %q", got, lang)
	}
	one(t, doc, "main#main")
	if first := queryAll(t, doc, "body a")[0]; first != one(t, doc, `a.skip-link[href="#main"]`) {
		t.Error("the skip link is not the first link of the page")
	}
	if n := count(t, doc, "main h1"); n != 1 || count(t, doc, "h1") != 1 {
		t.Errorf("%d h1 in main, want 1", n)
	}
	nav := one(t, doc, `header nav[aria-label="`+i18n.T(lang, "shell.nav_label")+`"]`)
	current := queryAll(t, nav, `a[aria-current="page"]`)
	inNav := false
	for _, a := range queryAll(t, nav, "a") {
		if href, _ := attr(a, "href"); href == path {
			inNav = true
		}
	}
	switch {
	case inNav && (len(current) != 1 || hrefOf(current[0]) != path):
		t.Errorf("%s is in the navigation; aria-current on %d links", path, len(current))
	case !inNav && len(current) != 0:
		t.Errorf("aria-current=page on a nav link of %s, which is not in the navigation", path)
	}
	if n := count(t, doc, `nav[aria-label="`+i18n.T(lang, "shell.lang_label")+`"] a[hreflang]`); n != len(i18n.All) {
		t.Errorf("%d language links", n)
	}
	for _, id := range queryAll(t, doc, "[id]") {
		v, _ := attr(id, "id")
		if count(t, doc, "#"+v) != 1 {
			t.Errorf("id %q is not unique", v)
		}
	}
}

func hrefOf(n *html.Node) string {
	h, _ := attr(n, "href")
	return h
}

func navHrefs(t *testing.T, doc *html.Node) []string {
	var out []string
	for _, a := range queryAll(t, doc, "header nav a") {
		out = append(out, hrefOf(a))
	}
	return out
}

// results lists the names of a search page's results, in order.
func results(t *testing.T, doc *html.Node) []string {
	var out []string
	for _, a := range queryAll(t, doc, "ol#results li.result h3 a") {
		out = append(out, text(a))
	}
	return out
}

func TestServicesSearchPage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newCatalogSite(t, db)
		restaurant := map[i18n.Lang]string{i18n.ZhHans: "开餐馆一件事", i18n.ZhHant: "開餐館一件事", i18n.En: "Opening a restaurant"}
		for _, lang := range i18n.All {
			for _, large := range []bool{false, true} {
				var cookies []*http.Cookie
				if large {
					cookies = append(cookies, &http.Cookie{Name: "large_type", Value: "1"})
				}
				w := s.get("/services?q="+url.QueryEscape("開餐館")+"&lang="+string(lang), "", cookies...)
				wantStatus(t, "search", w, http.StatusOK)
				doc := parse(t, w)
				checkHallLayout(t, doc, lang, "/services")
				if class, _ := attr(one(t, doc, "html"), "class"); (class == "large-type") != large {
					t.Errorf("%s large type %v: html class %q", lang, large, class)
				}
				if got := text(one(t, doc, "h1")); got != i18n.T(lang, "catalog.page.services_title") {
					t.Errorf("%s: h1 %q", lang, got)
				}
				got := results(t, doc)
				if len(got) == 0 || got[0] != restaurant[lang] {
					t.Fatalf("%s: 開餐館 finds %v, want %s first", lang, got, restaurant[lang])
				}
				first := one(t, doc, "ol#results li.result")
				if href := hrefOf(one(t, first, "h3 a")); href != "/services/bundles/"+demo.BundleRestaurant {
					t.Errorf("bundle link %q", href)
				}
				one(t, first, "span.badge.bundle")
				if fee := text(one(t, first, "li.fee")); fee == i18n.T(lang, "catalog.page.free") {
					t.Errorf("%s: the restaurant bundle says free, but its signboard costs", lang)
				}
			}
		}
		// The queries a person types, and what they expect to find.
		for _, tc := range []struct{ q, want string }{
			{"營業執照", "个体工商户设立登记"}, {"执照", "公司设立登记"}, {"許可", "食品经营许可证核发"},
			{"我要开餐馆", "开餐馆一件事"}, {"社保卡", "社会保障卡申领"},
		} {
			doc := parse(t, s.get("/services?q="+url.QueryEscape(tc.q), ""))
			if got := results(t, doc); !slices.Contains(got, tc.want) {
				t.Errorf("%s finds %v, which lacks %s", tc.q, got, tc.want)
			}
		}
		// Filters, each a plain GET.
		doc := parse(t, s.get("/services?life_event=birth&kind=bundle", ""))
		if got := results(t, doc); !slices.Equal(got, []string{"出生一件事"}) {
			t.Errorf("birth bundles: %v", got)
		}
		doc = parse(t, s.get("/services?q=%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7&region=350200&object=person", ""))
		for _, r := range queryAll(t, doc, "ol#results li.result p.meta") {
			if strings.Contains(text(r), "福州市市场监督管理局") {
				t.Errorf("a Fuzhou item in a Xiamen search: %s", text(r))
			}
		}
		if n := count(t, doc, "details.filters[open]"); n != 1 {
			t.Error("the filters of a filtered search are not shown open")
		}
		// Paging without script: every page a link.
		doc = parse(t, s.get("/services", ""))
		if got := text(one(t, doc, "#result-count")); got != i18n.T(i18n.ZhHans, "catalog.page.result_count", len(demo.DemoItems())+3) {
			t.Errorf("count %q", got)
		}
		next := hrefOf(one(t, doc, "a#next-page"))
		doc = parse(t, s.get(next, ""))
		one(t, doc, "a#prev-page")
		// Nothing found; a filter that cannot be.
		doc = parse(t, s.get("/services?q=%E7%81%AB%E7%AE%AD", ""))
		one(t, doc, "#no-results")
		w := s.get("/services?depth=deep", "")
		wantStatus(t, "bad depth", w, http.StatusBadRequest)
		if a := hrefOf(one(t, parse(t, w), "#search-summary a")); a != "#search-depth" {
			t.Errorf("error links to %q", a)
		}
		wantStatus(t, "too long", s.get("/services?q="+strings.Repeat("证", 101), ""), http.StatusBadRequest)
	})
}

func TestServiceGuidePages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newCatalogSite(t, db)
		sign := catalog.OrgCreditCode("fz-urban-management") + "000117008000"
		for _, lang := range i18n.All {
			doc := parse(t, s.get("/services/"+sign+"?lang="+string(lang), resident))
			checkHallLayout(t, doc, lang, "/services/"+sign)
			if href := hrefOf(one(t, doc, "a#apply-link")); href != "/apply/item/"+sign {
				t.Errorf("apply link %q", href)
			}
			if n := count(t, doc, "#fees-table tbody tr"); n != 1 {
				t.Errorf("%s: %d fees", lang, n)
			}
			if got := text(one(t, doc, "#item-code")); got != sign {
				t.Errorf("code %q", got)
			}
			one(t, doc, `#materials-table tr[data-source="licence"]`)
			one(t, doc, `#bundles a[href="/services/bundles/`+demo.BundleRestaurant+`"]`)
			if n := count(t, doc, "#manage-link"); n != 0 {
				t.Error("a resident is offered the catalogue's upkeep")
			}
		}
		// A free item says so; officials of its organisation get a link to its versions.
		birthCert := catalog.OrgCreditCode("fj-health") + "002021001000"
		doc := parse(t, s.get("/services/"+birthCert, healthAdmin))
		one(t, doc, "#free")
		one(t, doc, "#manage-link")
		// The bundle: its items and departments, one set of materials, the licence it ends in.
		for _, lang := range i18n.All {
			doc := parse(t, s.get("/services/bundles/"+demo.BundleRestaurant+"?lang="+string(lang), ""))
			checkHallLayout(t, doc, lang, "/services/bundles/"+demo.BundleRestaurant)
			if n := count(t, doc, "#items-table tbody tr"); n != 5 {
				t.Errorf("%d items", n)
			}
			if got := text(one(t, doc, "#result-licence")); got == "" {
				t.Error("no result licence")
			}
			if href := hrefOf(one(t, doc, "a#apply-link")); href != "/apply/bundle/"+demo.BundleRestaurant {
				t.Errorf("apply link %q", href)
			}
			// The business licence is asked for once, for the items that need it.
			bl := one(t, doc, "#material-business-licence")
			if n := count(t, bl, "td ul li"); n < 3 {
				t.Errorf("the business licence serves %d items", n)
			}
		}
		wantStatus(t, "unknown item", s.get("/services/11350000XXXXXXXXXX000000", ""), http.StatusNotFound)
		wantStatus(t, "unknown bundle", s.get("/services/bundles/YJS-NONE", ""), http.StatusNotFound)
	})
}

// itemForm is a good new item of Fuzhou's market regulator, changed by kv (name, value pairs).
func itemForm(kv ...string) url.Values {
	code := catalog.OrgCreditCode("fz-market-regulation") + "000105099000"
	v := url.Values{"code": {code}, "basic_code": {"000105099000"}, "type": {"administrative_licensing"},
		"name_hans": {"药品零售企业经营许可"}, "name_hant": {"藥品零售企業經營許可"}, "name_en": {"Licence for a pharmacy"},
		"keywords": {"药店\n开药店"}, "service_object": {"enterprise"}, "agent_scope": {"licences"}, "legal_days": {"20"}, "promised_days": {"10"},
		"conditions.zh-Hans": {"有依法经过资格认定的药学技术人员。"}, "legal_basis.zh-Hans": {"《中华人民共和国药品管理法》第五十一条"},
		"handling_forms": {"window", "online"}, "visits": {"0"}, "online_depth": {"4"}, "cross_region": {"province"},
		"stages":           {"startup"},
		"form_schema":      {`{"type":"object","properties":{"name":{"type":"string","x-title":{"zh-Hans":"名称","zh-Hant":"名稱","en":"Name"}}}}`},
		"materials.0.code": {"application"}, "materials.0.name_hans": {"申请书"}, "materials.0.source": {"applicant"},
		"materials.0.required": {"1"}, "materials.0.formats": {"pdf"}, "materials.0.max_mb": {"5"},
		"materials.2.code": {"business-licence"}, "materials.2.name_hans": {"营业执照"}, "materials.2.source": {"licence"},
		"materials.2.licence_type": {"113500000000000001001"}, "materials.2.required": {"1"},
		"fees.0.name_hans": {"工本费"}, "fees.0.amount": {"10.50"}, "fees.0.legal_basis": {"示例"}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func TestCatalogManagePages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newCatalogSite(t, db)
		code := itemForm().Get("code")

		// Who is offered what.
		wantLogin(t, "the public", s.get("/catalog/manage", ""))
		wantStatus(t, "a resident", s.get("/catalog/manage", resident), http.StatusForbidden)
		if got := navHrefs(t, parse(t, s.get("/services", resident))); !slices.Contains(got, "/services") || slices.Contains(got, "/catalog/manage") {
			t.Errorf("a resident's navigation: %v", got)
		}
		if got := navHrefs(t, parse(t, s.get("/services", fzAdmin))); !slices.Contains(got, "/catalog/manage") || slices.Contains(got, "/catalog/review") {
			t.Errorf("an administrator's navigation: %v", got)
		}
		if got := navHrefs(t, parse(t, s.get("/services", officeAdmin))); !slices.Contains(got, "/catalog/review") {
			t.Errorf("the digital office's navigation: %v", got)
		}
		for _, lang := range i18n.All {
			doc := parse(t, s.get("/catalog/manage?lang="+string(lang), fzAdmin))
			checkHallLayout(t, doc, lang, "/catalog/manage")
			if n := count(t, doc, "#entries tbody tr"); n != 3 {
				t.Errorf("Fuzhou's regulator has %d entries, want its 2 items and the restaurant bundle", n)
			}
			one(t, doc, `#new-links a[href="/catalog/manage/items/new"]`)
		}
		doc := parse(t, s.get("/catalog/manage", scjWindow))
		if n := count(t, doc, "#new-links"); n != 0 {
			t.Error("a window officer is offered new entries")
		}
		wantStatus(t, "new item form, window officer", s.get("/catalog/manage/items/new", scjWindow), http.StatusForbidden)
		for _, lang := range i18n.All {
			doc := parse(t, s.get("/catalog/manage/items/new?lang="+string(lang), fzAdmin))
			checkHallLayout(t, doc, lang, "/catalog/manage/items/new")
			one(t, doc, `form#item-form textarea[name="form_schema"]`)
			one(t, doc, `form#item-form input[name="materials.2.code"]`)
		}

		// A draft with mistakes comes back with the error beside its field and what was typed.
		for _, tc := range []struct {
			form  url.Values
			field string
		}{
			{itemForm("name_hans", ""), "name_hans"},
			{itemForm("form_schema", `{"type":"object"`), "form_schema"},
			{itemForm("form_schema", `{"type":"array","properties":{}}`), "form_schema"},
			{itemForm("materials.2.source", "rumour"), "materials.2.source"},
			{itemForm("materials.0.max_mb", "500"), "materials.0.max_mb"},
			{itemForm("fees.0.amount", "ten"), "fees.0.amount"},
			{itemForm("legal_days", "x"), "legal_days"},
			{itemForm("code", "ABC"), "code"},
			{itemForm("agent_scope", "all"), "agent_scope"},
		} {
			w := s.post("/catalog/manage/items", fzAdmin, tc.form)
			wantStatus(t, "bad draft "+tc.field, w, http.StatusBadRequest)
			doc := parse(t, w)
			want := "#cf-" + strings.NewReplacer(".", "-", "_", "-").Replace(tc.field)
			if a := hrefOf(one(t, doc, "#catalog-summary a")); a != want {
				t.Errorf("%s: the summary links to %q, want %q", tc.field, a, want)
			}
			if v, _ := attr(one(t, doc, `input[name="name_en"]`), "value"); v != "Licence for a pharmacy" {
				t.Errorf("%s: the form lost what was typed (%q)", tc.field, v)
			}
		}
		wantStatus(t, "cross-site save", s.crossSite("/catalog/manage/items", fzAdmin, itemForm()), http.StatusForbidden)
		wantStatus(t, "save as another organisation's administrator", s.post("/catalog/manage/items", healthAdmin, itemForm()), http.StatusBadRequest)

		// Saved, submitted, published.
		w := s.post("/catalog/manage/items", fzAdmin, itemForm())
		wantStatus(t, "save", w, http.StatusSeeOther)
		if loc := w.Header().Get("Location"); loc != "/catalog/manage/items/"+code+"?done=saved" {
			t.Fatalf("saved to %q", loc)
		}
		doc = parse(t, s.get("/catalog/manage/items/"+code, fzAdmin))
		if got := text(one(t, doc, "#current-status")); got != i18n.T(i18n.ZhHans, "catalog.status.draft") {
			t.Errorf("status %q", got)
		}
		if v, _ := attr(one(t, doc, `input[name="fees.0.amount"]`), "value"); v != "10.50" {
			t.Errorf("fee read back as %q", v)
		}
		if v, _ := attr(one(t, doc, `select[name="agent_scope"] option[selected]`), "value"); v != "licences" {
			t.Errorf("agent scope read back as %q", v)
		}
		if v, _ := attr(one(t, doc, `input[name="materials.1.code"]`), "value"); v != "business-licence" {
			t.Errorf("the blank row was kept: materials.1.code = %q", v)
		}
		wantStatus(t, "another organisation's draft", s.get("/catalog/manage/items/"+code, healthAdmin), http.StatusNotFound)
		wantStatus(t, "the public guide of a draft", s.get("/services/"+code, ""), http.StatusNotFound)
		wantStatus(t, "submit", s.post("/catalog/manage/items/"+code+"/submit", fzAdmin, nil), http.StatusSeeOther)
		doc = parse(t, s.get("/catalog/manage/items/"+code, fzAdmin))
		one(t, doc, "form#item-form fieldset[disabled]")
		if n := count(t, doc, "#decisions"); n != 0 {
			t.Error("the submitter is offered the decision")
		}
		for _, lang := range i18n.All {
			doc := parse(t, s.get("/catalog/review?lang="+string(lang), officeAdmin))
			checkHallLayout(t, doc, lang, "/catalog/review")
			one(t, doc, "#pending-"+code)
		}
		wantStatus(t, "review page, administrator elsewhere", s.get("/catalog/review", fzAdmin), http.StatusForbidden)
		wantStatus(t, "publish, submitter", s.post("/catalog/review/items/"+code+"/publish", fzAdmin, nil), http.StatusForbidden)
		// Returned without a reason: said beside the reason.
		w = s.post("/catalog/review/items/"+code+"/return", officeAdmin, url.Values{"reason": {" "}})
		wantStatus(t, "return without reason", w, http.StatusBadRequest)
		one(t, parse(t, w), `#return-form textarea[aria-invalid="true"]`)
		wantStatus(t, "publish", s.post("/catalog/review/items/"+code+"/publish", officeAdmin, nil), http.StatusSeeOther)
		doc = parse(t, s.get("/services/"+code, resident))
		if got := text(one(t, doc, "h1")); got != "药品零售企业经营许可" {
			t.Errorf("published guide h1 %q", got)
		}
		if got := results(t, parse(t, s.get("/services?q="+url.QueryEscape("開藥店"), ""))); !slices.Contains(got, "药品零售企业经营许可") {
			t.Errorf("the new item is not found: %v", got)
		}

		// A new version, returned with a reason the organisation reads.
		wantStatus(t, "new version", s.post("/catalog/manage/items", fzAdmin, itemForm("promised_days", "5")), http.StatusSeeOther)
		wantStatus(t, "submit again", s.post("/catalog/manage/items/"+code+"/submit", fzAdmin, nil), http.StatusSeeOther)
		wantStatus(t, "return", s.post("/catalog/review/items/"+code+"/return", officeAdmin, url.Values{"reason": {"请补充收费依据文号"}}), http.StatusSeeOther)
		doc = parse(t, s.get("/catalog/manage/items/"+code, fzAdmin))
		if got := text(one(t, doc, "#return-reason")); got != "请补充收费依据文号" {
			t.Errorf("reason %q", got)
		}
		if n := count(t, doc, "#versions tbody tr"); n != 2 {
			t.Errorf("%d versions listed", n)
		}
		// The public still sees version 1.
		if got := text(one(t, parse(t, s.get("/services/"+code, "")), "#promised-days")); got != i18n.T(i18n.ZhHans, "catalog.page.working_days", 10) {
			t.Errorf("public promised days %q", got)
		}
	})
}

func TestCatalogBundleForm(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newCatalogSite(t, db)
		doc := parse(t, s.get("/catalog/manage/bundles/"+demo.BundleRestaurant, fzAdmin))
		checkHallLayout(t, doc, i18n.ZhHans, "/catalog/manage/bundles/"+demo.BundleRestaurant)
		items := text(one(t, doc, `textarea[name="items"]`))
		if strings.Count(items, "\n") != 4 {
			t.Errorf("items %q", items)
		}
		form := url.Values{"code": {"YJS-XZ-350100"}, "name_hans": {"开小吃店一件事"}, "guide.zh-Hans": {"开小吃店，一次办好。"},
			"service_object": {"both"}, "stages": {"startup"}, "items": {"113500000000000000XK999\n" + strings.Split(items, "\n")[0]}}
		w := s.post("/catalog/manage/bundles", fzAdmin, form)
		wantStatus(t, "unknown item", w, http.StatusBadRequest)
		if a := hrefOf(one(t, parse(t, w), "#catalog-summary a")); a != "#cf-items" {
			t.Errorf("summary links to %q", a)
		}
		form.Set("items", items)
		wantStatus(t, "save bundle", s.post("/catalog/manage/bundles", fzAdmin, form), http.StatusSeeOther)
		wantStatus(t, "submit bundle", s.post("/catalog/manage/bundles/YJS-XZ-350100/submit", fzAdmin, nil), http.StatusSeeOther)
		wantStatus(t, "publish bundle", s.post("/catalog/review/bundles/YJS-XZ-350100/publish", officeAdmin, nil), http.StatusSeeOther)
		one(t, parse(t, s.get("/services/bundles/YJS-XZ-350100", "")), "#items-table")
		wantStatus(t, "bad kind", s.post("/catalog/review/things/YJS-XZ-350100/publish", officeAdmin, nil), http.StatusNotFound)
	})
}

// TestCatalogLabels checks that every value the catalogue has a label for in each language.
func TestCatalogLabels(t *testing.T) {
	t.Parallel()
	var types []string
	for _, ty := range catalog.ItemTypes {
		types = append(types, string(ty))
	}
	for prefix, values := range map[string][]string{
		"catalog.type.": types, "catalog.level.": catalog.Levels, "catalog.object.": catalog.Objects,
		"catalog.handling.": catalog.HandlingForms, "catalog.cross.": catalog.CrossRegions, "catalog.source.": catalog.Sources,
		"catalog.life.": catalog.LifeEvents, "catalog.stage.": catalog.Stages, "catalog.format.": catalog.Formats,
		"catalog.status.": {"draft", "submitted", "returned", "published", "superseded"}, "catalog.depth.": {"1", "2", "3", "4"},
		"catalog.kind.": {"item", "bundle"},
	} {
		for _, v := range values {
			if !i18n.Has(prefix + v) {
				t.Errorf("no message %s%s", prefix, v)
			}
		}
	}
}
