package api_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/api"
	"github.com/yiwang-platform/yiwang/internal/catalog"
	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/search"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
	"github.com/yiwang-platform/yiwang/internal/web"
)

// catalogEnv is the demo platform with the catalogue of the demo's items and bundles, its API on a
// server of its own (the platform's assembly does not have the catalogue yet), signing in the
// platform's demo accounts.
type catalogEnv struct {
	db      *store.DB
	cat     *catalog.Service
	handler http.Handler
	ss      *sessions
}

func newCatalogEnv(t testing.TB, db *store.DB) *catalogEnv {
	t.Helper()
	a := newApp(t, db)
	ctx := principal.With(context.Background(), principal.SystemPrincipal)
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
	site, err := web.New(web.Config{DB: db, Identity: a.Identity, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	high := httpserver.Limit{PerSecond: 1e6, Burst: 1e6}
	srv, err := httpserver.New(httpserver.Config{Logger: slog.New(slog.DiscardHandler), Authenticate: site.Authenticate,
		RateLimits: map[string]httpserver.Limit{httpserver.ClassAPI: high, httpserver.ClassPublic: high}})
	if err != nil {
		t.Fatal(err)
	}
	api.New(api.Config{DB: db, Catalog: cat, Version: "test"}).Install(srv)
	return &catalogEnv{db: db, cat: cat, handler: srv.Handler(), ss: &sessions{ids: a.Identity, tokens: map[string]string{}}}
}

// apiItem is a new item of the market regulator, as JSON, changed by edit.
func apiItem(edit ...func(*catalog.Item)) string {
	it := catalog.Item{Code: catalog.OrgCreditCode("fj-market-regulation") + "000105091000", BasicCode: "000105091000",
		Type: catalog.AdministrativeLicensing, NameHans: "广告发布登记", NameHant: "廣告發布登記", NameEn: "Registration of advertisement publishing",
		ServiceObject: catalog.ObjectEnterprise, Stages: []string{"operation"}, LegalDays: 10, PromisedDays: 3,
		Conditions: catalog.Text{Hans: "申请人为广播电台、电视台、报刊出版单位。"}, LegalBasis: catalog.Text{Hans: "《中华人民共和国广告法》第二十九条"},
		Materials: []catalog.Material{{Code: "application", NameHans: "申请书", Source: catalog.SourceApplicant, Required: true, Formats: []string{"pdf"}},
			{Code: "business-licence", NameHans: "营业执照", Source: catalog.SourceLicence, LicenceType: "113500000000000001001", Required: true}},
		HandlingForms: []string{catalog.FormWindow, catalog.FormOnline}, OnlineDepth: 4, CrossRegion: catalog.CrossProvince,
		FormSchema: json.RawMessage(`{"type":"object","properties":{"medium":{"type":"string","x-title":{"zh-Hans":"媒介","zh-Hant":"媒介","en":"Medium"}}}}`)}
	for _, e := range edit {
		e(&it)
	}
	b, err := json.Marshal(it)
	if err != nil {
		panic(err)
	}
	return string(b)
}

var (
	apiItemCode = catalog.OrgCreditCode("fj-market-regulation") + "000105091000"
	signboard   = catalog.OrgCreditCode("fz-urban-management") + "000117008000"
	samrLicence = catalog.OrgCreditCode("fj-market-regulation") + "000105001000"
)

// catalogScenarios run in order on one platform per engine: the public's searches and guides,
// then an item and a bundle through drafts, review and publication, with who may do what.
var catalogScenarios = []scenario{
	// The public.
	{name: "catalog: search 開餐館", method: "GET", url: "/api/v1/services?q=" + url.QueryEscape("開餐館"), status: 200,
		want: map[string]any{"entries.0.code": demo.BundleRestaurant, "entries.0.kind": "bundle", "entries.0.fee_fen": 20000, "page": 1, "per_page": 20}},
	{name: "catalog: search 營業執照", method: "GET", url: "/api/v1/services?q=" + url.QueryEscape("營業執照") + "&kind=item", status: 200,
		want: map[string]any{"total": present, "entries.0.kind": "item"}},
	{name: "catalog: search 许可, fully online, for enterprises", method: "GET", url: "/api/v1/services?q=%E8%AE%B8%E5%8F%AF&depth=4&object=enterprise",
		status: 200, want: map[string]any{"entries.#": present, "entries.0.online_depth": 4}},
	{name: "catalog: browse a life event", method: "GET", url: "/api/v1/services?life_event=birth&kind=bundle", status: 200,
		want: map[string]any{"total": 1, "entries.0.code": demo.BundleBirth}},
	{name: "catalog: a page past the end", method: "GET", url: "/api/v1/services?page=9", status: 200,
		want: map[string]any{"total": 42, "entries.#": 0}},
	{name: "catalog: a depth that is not a number", method: "GET", url: "/api/v1/services?depth=deep", status: 400,
		want: fieldErr("depth", zh("catalog.error.filter"))},
	{name: "catalog: an unknown life event", method: "GET", url: "/api/v1/services?life_event=death", status: 400,
		want: fieldErr("life_event", zh("catalog.error.filter"))},
	{name: "catalog: too many a page", method: "GET", url: "/api/v1/services?per_page=1000", status: 400,
		want: fieldErr("per_page", zh("catalog.error.per_page", 100))},
	{name: "catalog: a query too long", method: "GET", url: "/api/v1/services?q=" + strings.Repeat("%E8%AF%81", 101), status: 400,
		want: fieldErr("q", zh("search.error.query_too_long", 100))},
	{name: "catalog: an item's guide", method: "GET", url: "/api/v1/services/" + signboard, status: 200,
		want: map[string]any{"code": signboard, "org": "fz-urban-management", "fees.0.amount_fen": 20000, "status": "published",
			"form_schema.type": "object", "materials.#": 4}},
	{name: "catalog: an unknown item", method: "GET", url: "/api/v1/services/" + apiItemCode, status: 404,
		want: errWant("not_found", zh("catalog.error.item_not_found"))},
	{name: "catalog: a bundle's guide", method: "GET", url: "/api/v1/bundles/" + demo.BundleRestaurant, status: 200,
		want: map[string]any{"code": demo.BundleRestaurant, "item_versions.#": 5, "materials.0.for_items.#": present,
			"result_licence.zh-Hans": "行业综合许可证（餐饮）"}},
	{name: "catalog: an unknown bundle", method: "GET", url: "/api/v1/bundles/YJS-NONE", status: 404,
		want: errWant("not_found", zh("catalog.error.bundle_not_found"))},

	// Reading the upkeep.
	{name: "catalog: entries, anonymous", method: "GET", url: "/api/v1/catalog/entries", status: 401, want: unauthenticated},
	{name: "catalog: entries, a resident", method: "GET", url: "/api/v1/catalog/entries", as: resident, status: 403,
		want: errWant("forbidden", zh("catalog.error.manage_forbidden"))},
	{name: "catalog: entries, an official", method: "GET", url: "/api/v1/catalog/entries", as: "scj.window", status: 200,
		want: map[string]any{"#": 4, "0.latest.org": "fj-market-regulation", "0.published_version": 1}},
	{name: "catalog: entries of another organisation", method: "GET", url: "/api/v1/catalog/entries?org=fj-health", as: "scj.window",
		status: 403, want: errWant("forbidden", zh("catalog.error.manage_forbidden"))},
	{name: "catalog: entries, the digital office", method: "GET", url: "/api/v1/catalog/entries", as: admin, status: 200,
		want: map[string]any{"#": 42}},
	{name: "catalog: pending, another organisation", method: "GET", url: "/api/v1/catalog/pending", as: gxt, status: 403,
		want: errWant("forbidden", zh("catalog.error.review_forbidden"))},
	{name: "catalog: pending, the digital office", method: "GET", url: "/api/v1/catalog/pending", as: reviewer, status: 200,
		want: map[string]any{"#": 0}},

	// An item's draft, review and publication.
	{name: "catalog: save, anonymous", method: "POST", url: "/api/v1/catalog/items", body: apiItem(), status: 401, want: unauthenticated},
	{name: "catalog: save, a window officer", method: "POST", url: "/api/v1/catalog/items", as: "scj.window", body: apiItem(), status: 403,
		want: errWant("forbidden", zh("catalog.error.edit_forbidden"))},
	{name: "catalog: save, another organisation's item", method: "POST", url: "/api/v1/catalog/items", as: "scj.admin",
		body: apiItem(func(it *catalog.Item) { it.Org = "fj-health" }), status: 403, want: errWant("forbidden", zh("catalog.error.edit_forbidden"))},
	{name: "catalog: save, not JSON", method: "POST", url: "/api/v1/catalog/items", as: "scj.admin", body: `{"code":`, status: 400,
		want: map[string]any{"error.kind": "invalid"}},
	{name: "catalog: save, an unknown field", method: "POST", url: "/api/v1/catalog/items", as: "scj.admin", body: `{"colour":"red"}`,
		status: 400, want: fieldErr("colour", zh("api.error.unknown_field", "colour"))},
	{name: "catalog: save, a bad material", method: "POST", url: "/api/v1/catalog/items", as: "scj.admin",
		body: apiItem(func(it *catalog.Item) { it.Materials[1].Source = "rumour" }), status: 400,
		want: fieldErr("materials.1.source", zh("catalog.error.source"))},
	{name: "catalog: save, a form that is not one", method: "POST", url: "/api/v1/catalog/items", as: "scj.admin",
		body: apiItem(func(it *catalog.Item) { it.FormSchema = json.RawMessage(`{"type":"array"}`) }), status: 400,
		want: fieldErr("form_schema", zh("catalog.error.schema_type"))},
	{name: "catalog: save a draft", method: "POST", url: "/api/v1/catalog/items", as: "scj.admin", body: apiItem(), status: 200,
		want: map[string]any{"code": apiItemCode, "version": 1, "status": "draft", "org": "fj-market-regulation", "level": "province",
			"region_code": "350000", "materials.0.max_bytes": catalog.DefaultMaxBytes},
		audit: []string{"catalog.item.save"}},
	{name: "catalog: the draft is not public", method: "GET", url: "/api/v1/services/" + apiItemCode, status: 404,
		want: errWant("not_found", zh("catalog.error.item_not_found"))},
	{name: "catalog: the draft, another organisation", method: "GET", url: "/api/v1/catalog/items/" + apiItemCode, as: gxt, status: 404,
		want: errWant("not_found", zh("catalog.error.item_not_found"))},
	{name: "catalog: the draft, its organisation", method: "GET", url: "/api/v1/catalog/items/" + apiItemCode, as: "scj.window", status: 200,
		want: map[string]any{"status": "draft", "name_en": "Registration of advertisement publishing"}},
	{name: "catalog: a version that is not a number", method: "GET", url: "/api/v1/catalog/items/" + apiItemCode + "?version=x", as: "scj.window",
		status: 400, want: fieldErr("version", zh("catalog.error.filter"))},
	{name: "catalog: submit, the digital office", method: "POST", url: "/api/v1/catalog/items/" + apiItemCode + "/submit", as: admin,
		status: 403, want: errWant("forbidden", zh("catalog.error.edit_forbidden"))},
	{name: "catalog: submit, a body that is not empty", method: "POST", url: "/api/v1/catalog/items/" + apiItemCode + "/submit", as: "scj.admin",
		body: `{"now":true}`, status: 400, want: map[string]any{"error.kind": "invalid", "error.field": "now"}},
	{name: "catalog: submit", method: "POST", url: "/api/v1/catalog/items/" + apiItemCode + "/submit", as: "scj.admin", status: 200,
		want: map[string]any{"status": "submitted", "submitted_by": "official:scj.admin"}, audit: []string{"catalog.item.submit"}},
	{name: "catalog: save while waiting", method: "POST", url: "/api/v1/catalog/items", as: "scj.admin", body: apiItem(), status: 409,
		want: errWant("conflict", zh("catalog.error.awaiting_review"))},
	{name: "catalog: pending", method: "GET", url: "/api/v1/catalog/pending", as: reviewer, status: 200,
		want: map[string]any{"#": 1, "0.code": apiItemCode, "0.version": 1}},
	{name: "catalog: publish, the submitter", method: "POST", url: "/api/v1/catalog/items/" + apiItemCode + "/publish", as: "scj.admin",
		status: 403, want: errWant("forbidden", zh("catalog.error.decide_forbidden"))},
	{name: "catalog: publish, a reviewer who is no administrator", method: "POST", url: "/api/v1/catalog/items/" + apiItemCode + "/publish",
		as: reviewer, status: 403, want: errWant("forbidden", zh("catalog.error.decide_forbidden"))},
	{name: "catalog: publish, another organisation", method: "POST", url: "/api/v1/catalog/items/" + apiItemCode + "/publish", as: gxt,
		status: 404, want: errWant("not_found", zh("catalog.error.item_not_found"))},
	{name: "catalog: return without a reason", method: "POST", url: "/api/v1/catalog/items/" + apiItemCode + "/return", as: admin,
		body: `{"reason":"  "}`, status: 400, want: fieldErr("reason", zh("catalog.error.reason"))},
	{name: "catalog: publish", method: "POST", url: "/api/v1/catalog/items/" + apiItemCode + "/publish", as: admin, status: 200,
		want: map[string]any{"status": "published", "decided_by": "official:szb.admin"}, audit: []string{"catalog.item.publish"}},
	{name: "catalog: publish twice", method: "POST", url: "/api/v1/catalog/items/" + apiItemCode + "/publish", as: admin, status: 409,
		want: errWant("conflict", zh("catalog.error.not_submitted"))},
	{name: "catalog: the published item", method: "GET", url: "/api/v1/services/" + apiItemCode, status: 200,
		want: map[string]any{"version": 1, "status": "published"}},
	{name: "catalog: found at once", method: "GET", url: "/api/v1/services?q=" + url.QueryEscape("廣告發布"), status: 200,
		want: map[string]any{"entries.0.code": apiItemCode}},
	{name: "catalog: a new version", method: "POST", url: "/api/v1/catalog/items", as: "scj.admin",
		body: apiItem(func(it *catalog.Item) { it.PromisedDays = 2 }), status: 200, want: map[string]any{"version": 2, "status": "draft"},
		audit: []string{"catalog.item.save"}},
	{name: "catalog: versions, another organisation", method: "GET", url: "/api/v1/catalog/items/" + apiItemCode + "/versions", as: gxt,
		status: 404, want: errWant("not_found", zh("catalog.error.item_not_found"))},
	{name: "catalog: versions", method: "GET", url: "/api/v1/catalog/items/" + apiItemCode + "/versions", as: "scj.window", status: 200,
		want: map[string]any{"#": 2, "0.version": 2, "0.status": "draft", "1.status": "published"}},

	// A bundle of it and another item, returned with a reason.
	{name: "catalog: bundle, an unknown item", method: "POST", url: "/api/v1/catalog/bundles", as: "scj.admin",
		body: `{"code":"YJS-GG-350000","name_hans":"广告经营一件事","guide":{"zh-Hans":"一次办好。"},"service_object":"enterprise",` +
			`"items":["` + apiItemCode + `","113500000000000000XK999"]}`,
		status: 400, want: fieldErr("items.1", zh("catalog.error.bundle_item_unknown", "113500000000000000XK999"))},
	{name: "catalog: bundle, save", method: "POST", url: "/api/v1/catalog/bundles", as: "scj.admin",
		body: `{"code":"YJS-GG-350000","name_hans":"广告经营一件事","guide":{"zh-Hans":"一次办好。"},"service_object":"enterprise",` +
			`"items":["` + apiItemCode + `","` + samrLicence + `"]}`,
		status: 200, want: map[string]any{"code": "YJS-GG-350000", "version": 1, "status": "draft", "org": "fj-market-regulation"},
		audit: []string{"catalog.bundle.save"}},
	{name: "catalog: bundle, the draft", method: "GET", url: "/api/v1/catalog/bundles/YJS-GG-350000", as: "scj.admin", status: 200,
		want: map[string]any{"items.#": 2}},
	{name: "catalog: bundle, submit", method: "POST", url: "/api/v1/catalog/bundles/YJS-GG-350000/submit", as: "scj.admin", status: 200,
		want: map[string]any{"status": "submitted"}, audit: []string{"catalog.bundle.submit"}},
	{name: "catalog: bundle, return", method: "POST", url: "/api/v1/catalog/bundles/YJS-GG-350000/return", as: admin,
		body: `{"reason":"请补充办事指南"}`, status: 200, want: map[string]any{"status": "returned", "return_reason": "请补充办事指南"},
		audit: []string{"catalog.bundle.return"}},
	{name: "catalog: bundle, publish what was returned", method: "POST", url: "/api/v1/catalog/bundles/YJS-GG-350000/publish", as: admin,
		status: 409, want: errWant("conflict", zh("catalog.error.not_submitted"))},
	{name: "catalog: bundle, versions", method: "GET", url: "/api/v1/catalog/bundles/YJS-GG-350000/versions", as: "scj.window", status: 200,
		want: map[string]any{"#": 1, "0.status": "returned"}},
	{name: "catalog: bundle, not public", method: "GET", url: "/api/v1/bundles/YJS-GG-350000", status: 404,
		want: errWant("not_found", zh("catalog.error.bundle_not_found"))},
}

func TestCatalogAPI(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCatalogEnv(t, db)
		saved := map[string]string{}
		for _, sc := range catalogScenarios {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, e.handler, db, e.ss, saved) })
		}
	})
}

// TestCatalogScenariosCoverEveryRoute fails when a catalogue route has no scenario.
func TestCatalogScenariosCoverEveryRoute(t *testing.T) {
	t.Parallel()
	e := newCatalogEnv(t, storetest.Open(t, store.SQLite, storetest.Options{}))
	srv, err := httpserver.New(httpserver.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	a := api.New(api.Config{DB: e.db, Catalog: e.cat})
	a.Install(srv)
	mux := http.NewServeMux()
	var routes []string
	for _, p := range a.Documented() {
		if strings.Contains(p, "/api/v1/services") || strings.Contains(p, "/api/v1/bundles") || strings.Contains(p, "/api/v1/catalog") {
			routes = append(routes, p)
			mux.HandleFunc(p, func(http.ResponseWriter, *http.Request) {})
		}
	}
	if len(routes) < 10 {
		t.Fatalf("only %d catalogue routes documented", len(routes))
	}
	covered := map[string]bool{}
	for _, sc := range catalogScenarios {
		if _, pattern := mux.Handler(httptest.NewRequest(sc.method, sc.url, nil)); pattern != "" {
			covered[pattern] = true
		}
	}
	for _, p := range routes {
		if !covered[p] {
			t.Errorf("no catalogue scenario calls %s", p)
		}
	}
}

// FuzzCatalogBodies posts arbitrary bodies as drafts of items and bundles: the answer is a
// verdict about the body, never a server error.
func FuzzCatalogBodies(f *testing.F) {
	for _, s := range []string{apiItem(), `{}`, `{"code":"`, `[]`, `null`, `{"materials":[{"code":"A B"}]}`, `{"form_schema":"x"}`,
		`{"form_schema":{"type":"object","properties":[]}}`, `{"legal_days":1e99}`, `{"items":["a","a"]}`, "\x00", `{"name_hans":"\u0000"}`,
		`{"code":"YJS-X","items":[],"name_hans":"x"}`, `{"fees":[{"amount_fen":-1}]}`} {
		f.Add(false, s)
		f.Add(true, s)
	}
	e := newCatalogEnv(f, storetest.Open(f, store.SQLite, storetest.Options{}))
	f.Fuzz(func(t *testing.T, bundle bool, body string) {
		target := "/api/v1/catalog/items"
		if bundle {
			target = "/api/v1/catalog/bundles"
		}
		r := httptest.NewRequest("POST", target, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.AddCookie(&http.Cookie{Name: "yiwang_session", Value: e.ss.token(t, "scj.admin")})
		w := httptest.NewRecorder()
		e.handler.ServeHTTP(w, r)
		switch w.Code {
		case 200, 400, 403, 409, 413:
		default:
			t.Fatalf("POST %s %q: %d %s", target, body, w.Code, w.Body)
		}
	})
}

// FuzzServicesQuery searches with arbitrary query strings: never a server error.
func FuzzServicesQuery(f *testing.F) {
	for _, s := range []string{"q=%E9%96%8B%E9%A4%90%E9%A4%A8", "q=a%20OR%20b", "region=35", "region=350200&depth=4", "page=-1", "per_page=0",
		"kind=x", "q=%22&org=%27", "q=NEAR(a%20b)", "life_event=birth&stage=startup&object=person"} {
		f.Add(s)
	}
	e := newCatalogEnv(f, storetest.Open(f, store.SQLite, storetest.Options{}))
	f.Fuzz(func(t *testing.T, query string) {
		r := httptest.NewRequest("GET", "/api/v1/services", nil)
		r.URL.RawQuery = query
		w := httptest.NewRecorder()
		e.handler.ServeHTTP(w, r)
		if w.Code != 200 && w.Code != 400 {
			t.Fatalf("GET /api/v1/services?%s: %d %s", query, w.Code, w.Body)
		}
	})
}
