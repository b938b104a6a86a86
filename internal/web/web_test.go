package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"

	"github.com/yiwang-platform/yiwang/internal/app"
	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/license"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/plan"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// Demo principals (internal/demo): gxt.officer's fj-miit leads item 25, fgw.officer's fj-drc
// does not answer for it, szb.reviewer reviews for the digital office. Report 2 is on item 25.
const (
	gxt      = "gxt.officer"
	fgw      = "fgw.officer"
	reviewer = "szb.reviewer"
	resident = "13905912846" // a resident signs in with her phone number
)

// reportText is part of demo report 2 on item 25, which only officials may read.
const reportText = "全省累计新建 5G 基站 28416 个"

// site is the whole platform over one database, with helpers to drive it like a browser.
type site struct {
	t      testing.TB
	a      *app.App
	db     *store.DB
	tokens map[string]string
}

var highLimits = map[string]httpserver.Limit{
	httpserver.ClassAPI: {PerSecond: 1e6, Burst: 1e6}, httpserver.ClassLogin: {PerSecond: 1e6, Burst: 1e6},
	httpserver.ClassPublic: {PerSecond: 1e6, Burst: 1e6}, httpserver.ClassVerify: {PerSecond: 1e6, Burst: 1e6},
}

// newSite assembles the platform with demo data and a resident account; limits nil keeps the
// default rate limits.
func newSite(t testing.TB, db *store.DB, limits map[string]httpserver.Limit) *site {
	t.Helper()
	a, err := app.New(context.Background(), app.Config{DB: db, Demo: true, Logger: slog.New(slog.DiscardHandler), RateLimits: limits})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	ctx := principal.With(context.Background(), principal.SystemPrincipal)
	if _, err := a.Identity.ImportResident(ctx, identity.Registration{Name: "林秀英", IDType: identity.ResidentID,
		IDNumber: idcode.NewResidentID("350102", time.Date(1986, 4, 12, 0, 0, 0, 0, clock.China), 24), Phone: resident, Password: demo.Password}); err != nil {
		t.Fatal(err)
	}
	s := &site{t: t, a: a, db: db, tokens: map[string]string{}}
	// Sign everyone in now, so that no sign-in lands among the audit events a test expects.
	for _, login := range []string{gxt, fgw, reviewer, "kjt.officer", resident} {
		s.token(login)
	}
	return s
}

func (s *site) token(login string) string {
	s.t.Helper()
	if tok, ok := s.tokens[login]; ok {
		return tok
	}
	res, err := s.a.Identity.Login(context.Background(), login, demo.Password, identity.Meta{})
	tok := res.Token
	if err != nil {
		s.t.Fatalf("log in as %s: %v", login, err)
	}
	s.tokens[login] = tok
	return tok
}

// do serves r as login ("" for the public), with any extra cookies.
func (s *site) do(r *http.Request, login string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	s.t.Helper()
	if login != "" {
		r.AddCookie(&http.Cookie{Name: "yiwang_session", Value: s.token(login)})
	}
	for _, c := range cookies {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	s.a.Server.Handler().ServeHTTP(w, r)
	checkSecurityHeaders(s.t, r, w)
	return w
}

func (s *site) get(target, login string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	s.t.Helper()
	r := httptest.NewRequest("GET", target, nil)
	r.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	return s.do(r, login, cookies...)
}

func (s *site) post(target, login string, form url.Values, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	s.t.Helper()
	r := httptest.NewRequest("POST", target, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Accept", "text/html")
	return s.do(r, login, cookies...)
}

func (s *site) lastAuditID() int64 {
	s.t.Helper()
	evs, err := audit.List(context.Background(), s.db, audit.Filter{Limit: 1})
	if err != nil {
		s.t.Fatal(err)
	}
	if len(evs) == 0 {
		return 0
	}
	return evs[0].ID
}

// auditSince returns the actions recorded after event id, oldest first.
func (s *site) auditSince(id int64) []string {
	s.t.Helper()
	evs, err := audit.List(context.Background(), s.db, audit.Filter{Limit: 1000})
	if err != nil {
		s.t.Fatal(err)
	}
	var out []string
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].ID > id {
			out = append(out, evs[i].Action)
		}
	}
	return out
}

// checkSecurityHeaders checks what every response carries, and no-store on every HTML page.
func checkSecurityHeaders(t testing.TB, r *http.Request, w *httptest.ResponseRecorder) {
	t.Helper()
	h := w.Header()
	want := map[string]string{
		"X-Content-Type-Options":     "nosniff",
		"X-Frame-Options":            "DENY",
		"Referrer-Policy":            "strict-origin-when-cross-origin",
		"Cross-Origin-Opener-Policy": "same-origin",
	}
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("%s %s: %s = %q, want %q", r.Method, r.URL, k, got, v)
		}
	}
	csp := h.Get("Content-Security-Policy")
	for _, d := range []string{"default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "form-action 'self'"} {
		if !strings.Contains(csp, d) {
			t.Errorf("%s %s: Content-Security-Policy %q lacks %q", r.Method, r.URL, csp, d)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("%s %s: Content-Security-Policy allows unsafe script: %q", r.Method, r.URL, csp)
	}
	if h.Get("Permissions-Policy") == "" {
		t.Errorf("%s %s: no Permissions-Policy", r.Method, r.URL)
	}
	if strings.HasPrefix(h.Get("Content-Type"), "text/html") && h.Get("Cache-Control") != "no-store" {
		t.Errorf("%s %s: HTML with Cache-Control %q, want no-store", r.Method, r.URL, h.Get("Cache-Control"))
	}
}

// ---- A small CSS-selector subset over golang.org/x/net/html ------------------------------
//
// Supported: tag, #id, .class, [attr], [attr=v], [attr^=v], [attr*=v], [attr$=v] (v optionally
// quoted), compounds of those, and the descendant combinator (whitespace).

type attrSel struct{ name, op, value string }

type compound struct {
	tag     string
	id      string
	classes []string
	attrs   []attrSel
}

func parseSelector(t testing.TB, sel string) []compound {
	t.Helper()
	var parts []string
	var cur strings.Builder
	depth, quote := 0, byte(0)
	for i := 0; i < len(sel); i++ {
		c := sel[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '[':
			depth++
		case c == ']':
			depth--
		case c == ' ' && depth == 0:
			if cur.Len() > 0 {
				parts = append(parts, cur.String())
				cur.Reset()
			}
			continue
		}
		cur.WriteByte(c)
	}
	if cur.Len() > 0 {
		parts = append(parts, cur.String())
	}
	ident := func(s string, i int) (string, int) {
		j := i
		for j < len(s) && (s[j] == '-' || s[j] == '_' || s[j] >= '0' && s[j] <= '9' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z') {
			j++
		}
		return s[i:j], j
	}
	var out []compound
	for _, p := range parts {
		var c compound
		i := 0
		c.tag, i = ident(p, 0)
		for i < len(p) {
			switch p[i] {
			case '#':
				c.id, i = ident(p, i+1)
			case '.':
				var cl string
				cl, i = ident(p, i+1)
				c.classes = append(c.classes, cl)
			case '[':
				end := strings.IndexByte(p[i:], ']')
				if end < 0 {
					t.Fatalf("selector %q: unclosed [", sel)
				}
				body := p[i+1 : i+end]
				i += end + 1
				a := attrSel{name: body}
				for _, op := range []string{"^=", "*=", "$=", "="} {
					if k := strings.Index(body, op); k >= 0 {
						a = attrSel{name: body[:k], op: op, value: strings.Trim(body[k+len(op):], `"'`)}
						break
					}
				}
				c.attrs = append(c.attrs, a)
			default:
				t.Fatalf("selector %q: cannot parse at %q", sel, p[i:])
			}
		}
		out = append(out, c)
	}
	return out
}

func attr(n *html.Node, name string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == name {
			return a.Val, true
		}
	}
	return "", false
}

func (c compound) matches(n *html.Node) bool {
	if n.Type != html.ElementNode || (c.tag != "" && c.tag != "*" && n.Data != c.tag) {
		return false
	}
	if c.id != "" {
		if v, _ := attr(n, "id"); v != c.id {
			return false
		}
	}
	if len(c.classes) > 0 {
		v, _ := attr(n, "class")
		have := strings.Fields(v)
		for _, cl := range c.classes {
			if !slices.Contains(have, cl) {
				return false
			}
		}
	}
	for _, a := range c.attrs {
		v, ok := attr(n, a.name)
		if !ok {
			return false
		}
		switch a.op {
		case "=":
			ok = v == a.value
		case "^=":
			ok = strings.HasPrefix(v, a.value)
		case "*=":
			ok = strings.Contains(v, a.value)
		case "$=":
			ok = strings.HasSuffix(v, a.value)
		}
		if !ok {
			return false
		}
	}
	return true
}

// queryAll returns the elements under root matching sel, in document order.
func queryAll(t testing.TB, root *html.Node, sel string) []*html.Node {
	t.Helper()
	chain := parseSelector(t, sel)
	var out []*html.Node
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if chain[len(chain)-1].matches(n) && ancestorsMatch(n.Parent, chain[:len(chain)-1]) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	return out
}

func ancestorsMatch(n *html.Node, chain []compound) bool {
	if len(chain) == 0 {
		return true
	}
	for ; n != nil; n = n.Parent {
		if chain[len(chain)-1].matches(n) {
			return ancestorsMatch(n.Parent, chain[:len(chain)-1])
		}
	}
	return false
}

// one returns the single element matching sel, failing the test if there is not exactly one.
func one(t testing.TB, root *html.Node, sel string) *html.Node {
	t.Helper()
	ns := queryAll(t, root, sel)
	if len(ns) != 1 {
		t.Fatalf("%d elements match %q, want 1", len(ns), sel)
	}
	return ns[0]
}

func count(t testing.TB, root *html.Node, sel string) int {
	t.Helper()
	return len(queryAll(t, root, sel))
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}

func parse(t testing.TB, w *httptest.ResponseRecorder) *html.Node {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("Content-Type = %q, want HTML; body: %.300s", ct, w.Body)
	}
	doc, err := html.Parse(bytes.NewReader(w.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func cookie(w *httptest.ResponseRecorder, name string) *http.Cookie {
	for _, c := range w.Result().Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// checkLayout checks the base layout every page shares: the language, one main landmark
// reached by the skip link, one h1, the navigation with aria-current on the current page.
func checkLayout(t *testing.T, doc *html.Node, lang i18n.Lang, path string) {
	t.Helper()
	if got, _ := attr(one(t, doc, "html"), "lang"); got != string(lang) {
		t.Errorf("<html lang=%q>, want %q", got, lang)
	}
	if text(one(t, doc, "head title")) == "" {
		t.Error("empty title")
	}
	one(t, doc, "main#main")
	skip := one(t, doc, `a.skip-link[href="#main"]`)
	if first := queryAll(t, doc, "body a")[0]; first != skip {
		t.Errorf("the skip link is not the first link of the page")
	}
	if text(skip) != i18n.T(lang, "shell.skip_to_content") {
		t.Errorf("skip link text %q", text(skip))
	}
	if n := count(t, doc, "h1"); n != 1 {
		t.Errorf("%d h1 elements, want 1", n)
	}
	if n := count(t, doc, "main h1"); n != 1 {
		t.Errorf("the h1 is not in main")
	}
	nav := one(t, doc, `header nav[aria-label="`+i18n.T(lang, "shell.nav_label")+`"]`)
	current := queryAll(t, nav, `a[aria-current="page"]`)
	inNav := slices.Contains([]string{"/", "/plan", "/plan/dashboard", "/plan/worklist",
		// The service hall's entries (hallNav); which of them a page shows depends on who asks.
		"/services", "/catalog/manage", "/catalog/review", "/my/cases", "/work/cases", "/window/apply", "/lookup",
		"/pay", "/payments", "/payments/reconciliation", "/ratings/stats", "/ratings/visits/new", "/ratings/tasks",
		"/ratings/appeals", "/inbox", "/my/licenses", "/licenses/verify",
		// The licence work's entries an official of an organisation sees (licenseWorkNav).
		"/work/licenses/peer-fetch"}, path)
	switch {
	case inNav && len(current) != 1:
		t.Errorf("%d nav links with aria-current=page on %s, want 1", len(current), path)
	case inNav:
		if href, _ := attr(current[0], "href"); href != path {
			t.Errorf("aria-current=page on %q, want %q", href, path)
		}
	case len(current) != 0:
		t.Errorf("aria-current=page on a nav link of %s, which is not in the navigation", path)
	}
	langs := queryAll(t, doc, `nav[aria-label="`+i18n.T(lang, "shell.lang_label")+`"] a[hreflang]`)
	if len(langs) != len(i18n.All) {
		t.Errorf("%d language links, want %d", len(langs), len(i18n.All))
	}
	for _, a := range langs {
		hl, _ := attr(a, "hreflang")
		l, _ := attr(a, "lang")
		_, cur := attr(a, "aria-current")
		if hl != l || cur != (hl == string(lang)) {
			t.Errorf("language link %s: lang=%q aria-current=%v on a %s page", hl, l, cur, lang)
		}
	}
	one(t, doc, `footer[role="contentinfo"]`)
}

func TestPagesInEveryLanguage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, highLimits)
		pages := []struct {
			path, as string
			h1       string // expected h1 text when fixed, else ""
		}{
			{"/", "", ""},
			{"/plan", "", "2021年數字福建工作要點"},
			{"/plan/documents/1", "", "2021年數字福建工作要點"},
			{"/plan/dashboard", gxt, ""},
			{"/plan/items/25", "", "（二十五）優化提升網絡和數據中心能級"},
			{"/orgs", "", ""},
			{"/login", "", ""},
			{"/plan/worklist", gxt, ""},
		}
		for _, lang := range i18n.All {
			for _, p := range pages {
				t.Run(string(lang)+p.path, func(t *testing.T) {
					w := s.get(p.path+"?lang="+string(lang), p.as)
					if w.Code != http.StatusOK {
						t.Fatalf("status %d; body: %.500s", w.Code, w.Body)
					}
					doc := parse(t, w)
					checkLayout(t, doc, lang, p.path)
					if p.h1 != "" {
						if got := text(one(t, doc, "h1")); got != p.h1 {
							t.Errorf("h1 = %q, want %q", got, p.h1)
						}
					}
					if c := cookie(w, i18n.CookieName); c == nil || c.Value != string(lang) {
						t.Errorf("?lang=%s did not set the lang cookie: %v", lang, c)
					}
					if strings.HasPrefix(p.path, "/plan/documents") || p.path == "/plan" {
						// The import history: the demo's one import.
						if n := count(t, doc, `details#revisions ol li`); n != 1 {
							t.Errorf("%d revisions listed, want 1", n)
						}
					}
				})
			}
		}
	})
}

func TestLanguageNegotiation(t *testing.T) {
	t.Parallel()
	s := newSite(t, storetest.Open(t, store.SQLite, storetest.Options{}), highLimits)
	langOf := func(w *httptest.ResponseRecorder) string {
		t.Helper()
		v, _ := attr(one(t, parse(t, w), "html"), "lang")
		return v
	}

	w := s.get("/plan?lang=en", "")
	c := cookie(w, i18n.CookieName)
	if c == nil || c.Value != "en" || c.Path != "/" || c.MaxAge <= 0 {
		t.Fatalf("lang cookie = %v, want en for / with a lifetime", c)
	}
	if got := langOf(s.get("/plan/dashboard", "", &http.Cookie{Name: i18n.CookieName, Value: c.Value})); got != "en" {
		t.Errorf("with the lang cookie the next page is %q, want en", got)
	}
	if got := langOf(s.get("/", "")); got != "zh-Hans" {
		t.Errorf("no preference: %q, want zh-Hans", got)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Accept-Language", "zh-TW,zh;q=0.8,en;q=0.5")
	if got := langOf(s.do(r, "")); got != "zh-Hant" {
		t.Errorf("Accept-Language zh-TW: %q, want zh-Hant", got)
	}
	w = s.get("/?lang=klingon", "")
	if got := langOf(w); got != "zh-Hans" {
		t.Errorf("?lang=klingon: %q, want zh-Hans", got)
	}
	if c := cookie(w, i18n.CookieName); c != nil {
		t.Errorf("?lang=klingon set a cookie: %v", c)
	}
	// The language links keep the rest of the query.
	doc := parse(t, s.get("/plan/worklist?org=fj-drc", gxt))
	a := one(t, doc, `a[hreflang="en"]`)
	if href, _ := attr(a, "href"); href != "/plan/worklist?lang=en&org=fj-drc" {
		t.Errorf("English link = %q", href)
	}
}

func TestLargeType(t *testing.T) {
	t.Parallel()
	s := newSite(t, storetest.Open(t, store.SQLite, storetest.Options{}), highLimits)
	w := s.post("/prefs/large-type", "", url.Values{"on": {"1"}, "back": {"/plan/items/25"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/plan/items/25" {
		t.Fatalf("POST /prefs/large-type: %d Location %q, want 303 to /plan/items/25", w.Code, w.Header().Get("Location"))
	}
	c := cookie(w, "large_type")
	if c == nil || c.Value != "1" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
		t.Fatalf("large_type cookie = %+v", c)
	}
	doc := parse(t, s.get("/plan/items/25", "", c))
	if class, _ := attr(one(t, doc, "html"), "class"); class != "large-type" {
		t.Errorf("html class = %q, want large-type", class)
	}
	button := one(t, doc, `form[action="/prefs/large-type"] button`)
	if v, _ := attr(button, "aria-pressed"); v != "true" {
		t.Errorf("large-type button aria-pressed = %q, want true", v)
	}
	if v, _ := attr(one(t, doc, `form[action="/prefs/large-type"] input[name="on"]`), "value"); v != "0" {
		t.Errorf("the button would not switch large type off (on=%q)", v)
	}
	if v, _ := attr(one(t, doc, `form[action="/prefs/large-type"] input[name="back"]`), "value"); v != "/plan/items/25" {
		t.Errorf("back = %q", v)
	}

	w = s.post("/prefs/large-type", "", url.Values{"on": {"0"}, "back": {"/plan"}})
	if c := cookie(w, "large_type"); c == nil || c.Value != "0" {
		t.Errorf("switching off: cookie %v", c)
	}
}

// openRedirects are back/next values that must not take anyone off the site.
var openRedirects = []string{
	"//evil.example",
	"//evil.example/plan",
	"https://evil.example",
	"http:evil.example",
	"https:/evil.example",
	`/\evil.example`,
	"/%5Cevil.example",
	"/%5C%5Cevil.example",
	"/%09/evil.example",
	"/%0d%0aLocation:%20https://evil.example",
	"javascript:alert(1)",
	"evil.example",
	"",
}

func TestRedirectsStayOnSite(t *testing.T) {
	t.Parallel()
	s := newSite(t, storetest.Open(t, store.SQLite, storetest.Options{}), highLimits)
	for _, target := range openRedirects {
		t.Run("back="+target, func(t *testing.T) {
			w := s.post("/prefs/large-type", "", url.Values{"on": {"1"}, "back": {target}})
			if loc := w.Header().Get("Location"); w.Code != http.StatusSeeOther || loc != "/" {
				t.Errorf("back=%q: %d Location %q, want 303 to /", target, w.Code, loc)
			}
		})
		t.Run("next="+target, func(t *testing.T) {
			w := s.post("/login", "", url.Values{"login": {gxt}, "password": {demo.Password}, "next": {target}})
			if loc := w.Header().Get("Location"); w.Code != http.StatusSeeOther || loc != "/" {
				t.Errorf("next=%q: %d Location %q, want 303 to /", target, w.Code, loc)
			}
		})
	}
	// Local paths are kept.
	for _, target := range []string{"/plan", "/plan/items/25", "/plan/worklist"} {
		w := s.post("/prefs/large-type", "", url.Values{"on": {"1"}, "back": {target}})
		if loc := w.Header().Get("Location"); loc != target {
			t.Errorf("back=%q: Location %q", target, loc)
		}
	}
	// The login form carries a safe next only.
	doc := parse(t, s.get("/login?next=//evil.example", ""))
	if v, _ := attr(one(t, doc, `form[action="/login"] input[name="next"]`), "value"); v != "/" {
		t.Errorf("login form next = %q, want /", v)
	}
}

func TestLogin(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, highLimits)

		doc := parse(t, s.get("/login?next=/plan/items/25", ""))
		form := one(t, doc, `main form[method="post"][action="/login"]`)
		if v, _ := attr(one(t, form, `input[name="next"]`), "value"); v != "/plan/items/25" {
			t.Errorf("next = %q", v)
		}
		one(t, form, `label[for="login"]`)
		one(t, form, `input#login[autocomplete="username"]`)
		one(t, form, `label[for="password"]`)
		one(t, form, `input#password[type="password"][autocomplete="current-password"]`)

		before := s.lastAuditID()
		w := s.post("/login", "", url.Values{"login": {gxt}, "password": {demo.Password}, "next": {"/plan/items/25"}})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/plan/items/25" {
			t.Fatalf("login: %d Location %q", w.Code, w.Header().Get("Location"))
		}
		c := cookie(w, "yiwang_session")
		if c == nil || c.Value == "" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.MaxAge <= 0 {
			t.Fatalf("session cookie = %+v, want HttpOnly, SameSite=Lax, Path=/, with a lifetime", c)
		}
		if diff := cmp.Diff([]string{"identity.login.succeeded"}, s.auditSince(before)); diff != "" {
			t.Errorf("audit mismatch (-want +got):\n%s", diff)
		}
		// The cookie signs the browser in.
		w = s.get("/plan/worklist", "", c)
		if w.Code != http.StatusOK {
			t.Fatalf("worklist with the new session: %d", w.Code)
		}
		if !strings.Contains(w.Body.String(), "黄志强") {
			t.Errorf("the page does not name the signed-in official")
		}

		for _, tc := range []struct{ name, login, password string }{
			{"bad password", gxt, "wrong-password-1"},
			{"unknown login", "nobody.here", demo.Password},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := s.lastAuditID()
				w := s.post("/login?lang=en", "", url.Values{"login": {tc.login}, "password": {tc.password}, "next": {"/plan"}})
				if w.Code != http.StatusUnauthorized {
					t.Fatalf("status %d, want 401", w.Code)
				}
				if c := cookie(w, "yiwang_session"); c != nil {
					t.Errorf("a failed login set a session cookie")
				}
				doc := parse(t, w)
				checkLayout(t, doc, i18n.En, "/login")
				alert := one(t, doc, `main [role="alert"]`)
				if got := text(alert); got != i18n.T(i18n.En, "error.bad_credentials") {
					t.Errorf("alert = %q", got)
				}
				id, _ := attr(alert, "id")
				if v, _ := attr(one(t, doc, "input#login"), "aria-describedby"); v == "" || v != id {
					t.Errorf("login input aria-describedby = %q, alert id %q", v, id)
				}
				if v, _ := attr(one(t, doc, "input#login"), "value"); v != tc.login {
					t.Errorf("the login is not kept: %q", v)
				}
				if v, _ := attr(one(t, doc, `input[name="next"]`), "value"); v != "/plan" {
					t.Errorf("next not kept: %q", v)
				}
				if diff := cmp.Diff([]string{"identity.login.failed"}, s.auditSince(before)); diff != "" {
					t.Errorf("audit mismatch (-want +got):\n%s", diff)
				}
			})
		}
	})
}

// TestLoginRateLimit runs with the default limits: a burst of sign-in attempts, then 429.
func TestLoginRateLimit(t *testing.T) {
	t.Parallel()
	s := newSite(t, storetest.Open(t, store.SQLite, storetest.Options{}), nil)
	burst := httpserver.DefaultRateLimits()[httpserver.ClassLogin].Burst
	for i := range burst {
		w := s.post("/login", "", url.Values{"login": {gxt}, "password": {"not-the-password"}})
		if w.Code != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d, want 401", i+1, w.Code)
		}
	}
	before := s.lastAuditID()
	w := s.post("/login", "", url.Values{"login": {gxt}, "password": {demo.Password}})
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("attempt %d: status %d, want 429", burst+1, w.Code)
	}
	if w.Header().Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	if c := cookie(w, "yiwang_session"); c != nil {
		t.Error("a refused attempt signed in")
	}
	doc := parse(t, w)
	one(t, doc, `main [role="alert"]`)
	if got := s.auditSince(before); len(got) != 0 {
		t.Errorf("a refused attempt reached the account store: %v", got)
	}
	// Pages are in another class and still served.
	if w := s.get("/login", ""); w.Code != http.StatusOK {
		t.Errorf("GET /login after the burst: %d", w.Code)
	}
}

func TestLogout(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, highLimits)
		session := &http.Cookie{Name: "yiwang_session", Value: s.token(gxt)}
		if w := s.get("/plan/worklist", "", session); w.Code != http.StatusOK {
			t.Fatalf("signed in: %d", w.Code)
		}
		before := s.lastAuditID()
		w := s.post("/logout", "", nil, session)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/" {
			t.Fatalf("logout: %d Location %q", w.Code, w.Header().Get("Location"))
		}
		c := cookie(w, "yiwang_session")
		if c == nil || c.Value != "" || c.MaxAge >= 0 || !c.HttpOnly {
			t.Errorf("logout cookie = %+v, want an expired empty one", c)
		}
		if diff := cmp.Diff([]string{"identity.logout"}, s.auditSince(before)); diff != "" {
			t.Errorf("audit mismatch (-want +got):\n%s", diff)
		}
		// The old token no longer works, even if a browser kept it.
		w = s.get("/plan/worklist", "", session)
		if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/login") {
			t.Errorf("old session after logout: %d Location %q", w.Code, w.Header().Get("Location"))
		}
		doc := parse(t, s.get("/", "", session))
		one(t, doc, `a[href^="/login"]`)
		if n := count(t, doc, `form[action="/logout"]`); n != 0 {
			t.Errorf("logged-out page still offers logout")
		}
	})
}

func TestWorklist(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, highLimits)
		w := s.get("/plan/worklist", "")
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/login?next=%2Fplan%2Fworklist" {
			t.Errorf("anonymous: %d Location %q, want 303 to /login?next=%%2Fplan%%2Fworklist", w.Code, w.Header().Get("Location"))
		}
		// The page's query survives the detour through the login form.
		w = s.get("/plan/worklist?org=fj-miit", "")
		if loc := w.Header().Get("Location"); loc != "/login?next=%2Fplan%2Fworklist%3Forg%3Dfj-miit" {
			t.Errorf("anonymous with a query: Location %q, want the query kept in next", loc)
		}
		w = s.get("/plan/worklist?lang=en", gxt)
		if w.Code != http.StatusOK {
			t.Fatalf("official: %d", w.Code)
		}
		doc := parse(t, w)
		if got := text(one(t, doc, "h1")); !strings.Contains(got, "Industry and Information Technology") {
			t.Errorf("h1 %q does not name fj-miit", got)
		}
		if n := count(t, doc, `tbody a[href="/plan/items/25"]`); n != 1 {
			t.Errorf("item 25 is not on fj-miit's worklist")
		}
		if n := count(t, doc, `a[href^="/plan/items/9#report-"]`); n != 0 {
			t.Errorf("a department's worklist shows pending reviews")
		}
		// The digital office sees the reports waiting for it.
		doc = parse(t, s.get("/plan/worklist", reviewer))
		one(t, doc, `h2#pending`)
		one(t, doc, `a[href="/plan/items/9#report-3"]`)
		// Another organisation's worklist, by code.
		doc = parse(t, s.get("/plan/worklist?org=fj-drc", gxt))
		one(t, doc, `select#org option[value="fj-drc"][selected]`)
		if n := count(t, doc, `select#org option[selected]`); n != 1 {
			t.Errorf("%d organisations selected, want 1", n)
		}
		one(t, doc, `label[for="org"]`)
		// A resident is not an official.
		w = s.get("/plan/worklist", resident)
		if w.Code != http.StatusForbidden {
			t.Errorf("resident: %d, want 403", w.Code)
		}
		one(t, parse(t, w), `main [role="alert"]`)
	})
}

func TestReportsOnlyForOfficials(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, highLimits)
		for _, tc := range []struct {
			as                       string
			seeReports, form, review bool
		}{
			{"", false, false, false},
			{resident, false, false, false},
			{gxt, true, true, false},     // fj-miit leads item 25
			{fgw, true, false, false},    // fj-drc does not answer for it
			{reviewer, true, true, true}, // the digital office supports it, and reviews
			{"kjt.officer", true, false, false},
		} {
			t.Run("as "+tc.as, func(t *testing.T) {
				w := s.get("/plan/items/25", tc.as)
				if w.Code != http.StatusOK {
					t.Fatalf("status %d", w.Code)
				}
				doc := parse(t, w)
				body := w.Body.String()
				if got := count(t, doc, "h2#reports") == 1; got != tc.seeReports {
					t.Errorf("reports section shown = %v, want %v", got, tc.seeReports)
				}
				if got := strings.Contains(body, reportText); got != tc.seeReports {
					t.Errorf("report text shown = %v, want %v", got, tc.seeReports)
				}
				if got := count(t, doc, `form[action="/plan/items/25/reports"]`) == 1; got != tc.form {
					t.Errorf("report form shown = %v, want %v", got, tc.form)
				}
				if got := count(t, doc, `form[action="/plan/items/25/deadline"]`) == 1; got != tc.review {
					t.Errorf("deadline form shown = %v, want %v", got, tc.review)
				}
			})
		}
		// Item 5 is not the digital office's: the reviewer may set its deadline but not report.
		doc := parse(t, s.get("/plan/items/5", reviewer))
		if n := count(t, doc, `form[action="/plan/items/5/reports"]`); n != 0 {
			t.Error("the reviewer may report on an item the digital office does not answer for")
		}
		one(t, doc, `form[action="/plan/items/5/deadline"]`)
		// Only the pending report has review buttons.
		doc = parse(t, s.get("/plan/items/9", reviewer))
		one(t, doc, `form[action="/plan/reports/3/review"] button[value="accept"]`)
		if n := count(t, parse(t, s.get("/plan/items/25", reviewer)), `form[action="/plan/reports/2/review"]`); n != 0 {
			t.Error("an accepted report offers review again")
		}
		// The coordinator names the departments behind 省直有關單位 on item 7.
		if w := s.post("/plan/items/7/assignments", gxt, url.Values{"org": {"fj-finance"}, "lead": {"1"}}); w.Code != http.StatusForbidden {
			t.Errorf("a department assigning: %d, want 403", w.Code)
		}
		if w := s.post("/plan/items/7/assignments", reviewer, url.Values{"org": {"fj-finance"}, "lead": {"1"}}); w.Code != http.StatusSeeOther {
			t.Fatalf("assign: %d, want 303", w.Code)
		}
		if w := s.post("/plan/items/7/assignments/fj-digital-office/remove", reviewer, nil); w.Code != http.StatusSeeOther {
			t.Fatalf("unassign: %d, want 303", w.Code)
		}
		doc = parse(t, s.get("/plan/items/7", reviewer))
		one(t, doc, `form[action="/plan/items/7/assignments/fj-finance/remove"]`)
		one(t, doc, `select#assign-org option[value="fj-hrss"]`)
		w := s.post("/plan/items/7/assignments/fj-finance/remove", reviewer, nil)
		if w.Code != http.StatusConflict {
			t.Fatalf("removing the last unit: %d, want 409", w.Code)
		}
		one(t, parse(t, w), `#assign-error[role="alert"]`)

		// Returning without a comment comes back to the item page, the error beside the comment
		// box and the typed text kept; nothing changes.
		before := s.lastAuditID()
		w = s.post("/plan/reports/3/review", reviewer, url.Values{"decision": {"return"}, "comment": {"  "}})
		if w.Code != http.StatusBadRequest {
			t.Fatalf("return without comment: %d, want 400", w.Code)
		}
		doc = parse(t, w)
		one(t, doc, `form[action="/plan/reports/3/review"] [role="alert"]#review-error-3`)
		one(t, doc, `textarea#comment-3[aria-invalid="true"][aria-describedby="review-error-3"]`)
		if got := s.auditSince(before); len(got) != 0 {
			t.Errorf("a refused review changed something: %v", got)
		}

		// The JSON export carries reports only for officials.
		for _, tc := range []struct {
			as   string
			want bool
		}{{"", false}, {resident, false}, {gxt, true}} {
			w := s.get("/plan/export.json", tc.as)
			var e map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
				t.Fatalf("export.json as %q: %v", tc.as, err)
			}
			if _, got := e["reports"]; got != tc.want {
				t.Errorf("export.json as %q has reports = %v, want %v", tc.as, got, tc.want)
			}
			if cc := w.Header().Get("Cache-Control"); !strings.Contains(cc, "no-store") {
				t.Errorf("export.json as %q: Cache-Control %q, want no-store", tc.as, cc)
			}
		}
		w = s.get("/plan/export.xlsx", gxt)
		if w.Code != http.StatusOK || !strings.Contains(w.Header().Get("Cache-Control"), "no-store") || !bytes.HasPrefix(w.Body.Bytes(), []byte("PK")) {
			t.Errorf("export.xlsx: %d, Cache-Control %q", w.Code, w.Header().Get("Cache-Control"))
		}

		// Refused to anyone else: posting a report and reviewing.
		for _, tc := range []struct {
			as     string
			target string
			form   url.Values
			status int
		}{
			{"", "/plan/items/25/reports", url.Values{"body": {"x"}, "progress": {"50"}}, http.StatusUnauthorized},
			{resident, "/plan/items/25/reports", url.Values{"body": {"x"}, "progress": {"50"}}, http.StatusForbidden},
			{fgw, "/plan/items/25/reports", url.Values{"body": {"x"}, "progress": {"50"}}, http.StatusForbidden},
			{gxt, "/plan/reports/3/review", url.Values{"decision": {"accept"}}, http.StatusForbidden},
			{gxt, "/plan/items/25/deadline", url.Values{"deadline": {"2026-06-30"}}, http.StatusForbidden},
		} {
			before := s.lastAuditID()
			w := s.post(tc.target, tc.as, tc.form)
			if w.Code != tc.status {
				t.Errorf("POST %s as %q: %d, want %d", tc.target, tc.as, w.Code, tc.status)
				continue
			}
			one(t, parse(t, w), `main [role="alert"]`)
			if got := s.auditSince(before); len(got) != 0 {
				t.Errorf("POST %s as %q changed something: %v", tc.target, tc.as, got)
			}
		}
	})
}

func TestReportFormErrors(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, highLimits)
		for _, tc := range []struct {
			name      string
			form      url.Values
			field     string // the input marked aria-invalid, if the template marks one
			message   string
			keepsBody string
		}{
			{"progress over 100", url.Values{"body": {"已建成 5G 基站 3 万个"}, "progress": {"101"}}, "progress",
				i18n.T(i18n.En, "plan.error.progress_range"), "已建成 5G 基站 3 万个"},
			{"progress not a number", url.Values{"body": {"做了一些"}, "progress": {"most"}}, "progress",
				i18n.T(i18n.En, "plan.error.progress_range"), "做了一些"},
			{"no text", url.Values{"body": {"   "}, "progress": {"50"}}, "body",
				i18n.T(i18n.En, "plan.error.body_required"), ""},
			{"negative figure", url.Values{"body": {"x"}, "progress": {"50"}, "figure_6": {"-3"}}, "",
				i18n.T(i18n.En, "plan.error.figure_range"), "x"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := s.lastAuditID()
				w := s.post("/plan/items/25/reports?lang=en", gxt, tc.form)
				if w.Code != http.StatusBadRequest {
					t.Fatalf("status %d, want 400", w.Code)
				}
				doc := parse(t, w)
				checkLayout(t, doc, i18n.En, "/plan/items/25/reports")
				if got := text(one(t, doc, `#form-error[role="alert"]`)); got != tc.message {
					t.Errorf("form error = %q, want %q", got, tc.message)
				}
				if tc.field != "" {
					input := one(t, doc, "#"+tc.field)
					if v, _ := attr(input, "aria-invalid"); v != "true" {
						t.Errorf("#%s aria-invalid = %q", tc.field, v)
					}
					desc, _ := attr(input, "aria-describedby")
					if got := text(one(t, doc, "#"+desc)); desc == "" || got != tc.message {
						t.Errorf("#%s described by %q = %q, want the message", tc.field, desc, got)
					}
				}
				if got := text(one(t, doc, "textarea#body")); got != strings.TrimSpace(tc.keepsBody) {
					t.Errorf("the text is not kept: %q", got)
				}
				if got := s.auditSince(before); len(got) != 0 {
					t.Errorf("a refused report changed something: %v", got)
				}
			})
		}

		before := s.lastAuditID()
		w := s.post("/plan/items/25/reports", gxt, url.Values{"body": {"新建 5G 基站 30500 个。"}, "progress": {"95"}, "figure_6": {"30500"}})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/plan/items/25?saved=report#reports" {
			t.Fatalf("valid report: %d Location %q; body %.300s", w.Code, w.Header().Get("Location"), w.Body)
		}
		if diff := cmp.Diff([]string{"plan.report.submitted"}, s.auditSince(before)); diff != "" {
			t.Errorf("audit mismatch (-want +got):\n%s", diff)
		}
		doc := parse(t, s.get("/plan/items/25?saved=report", gxt))
		one(t, doc, `main [role="status"]`)
		if !strings.Contains(text(one(t, doc, "main")), "新建 5G 基站 30500 个。") {
			t.Error("the new report is not listed")
		}

		// A cross-site form post with the session cookie is refused and changes nothing.
		before = s.lastAuditID()
		r := httptest.NewRequest("POST", "/plan/items/25/reports", strings.NewReader(url.Values{"body": {"csrf"}, "progress": {"100"}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Sec-Fetch-Site", "cross-site")
		if w := s.do(r, gxt); w.Code != http.StatusForbidden {
			t.Errorf("cross-site POST: %d, want 403", w.Code)
		}
		if got := s.auditSince(before); len(got) != 0 {
			t.Errorf("cross-site POST changed something: %v", got)
		}
	})
}

// multipartReport builds a report form with one attached file.
func multipartReport(t *testing.T, body, progress, filename string, content []byte) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("body", body)
	_ = mw.WriteField("progress", progress)
	fw, err := mw.CreateFormFile("attachments", filename)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(content)
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf, mw.FormDataContentType()
}

func TestAttachments(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, highLimits)
		content := []byte("5G 基站统计表\n福州 6200\n厦门 5100\n")
		buf, ct := multipartReport(t, "附统计表。", "95", "统计表.txt", content)
		r := httptest.NewRequest("POST", "/plan/items/25/reports", buf)
		r.Header.Set("Content-Type", ct)
		if w := s.do(r, gxt); w.Code != http.StatusSeeOther {
			t.Fatalf("report with attachment: %d; %.300s", w.Code, w.Body)
		}
		doc := parse(t, s.get("/plan/items/25", gxt))
		links := queryAll(t, doc, `article a[href^="/plan/reports/"]`)
		if len(links) != 1 || text(links[0]) != "统计表.txt" {
			t.Fatalf("%d attachment links, want 1 named 统计表.txt", len(links))
		}
		href, _ := attr(links[0], "href")
		m := regexp.MustCompile(`^/plan/reports/(\d+)/attachments/([0-9a-f]{64})$`).FindStringSubmatch(href)
		if m == nil {
			t.Fatalf("attachment link %q", href)
		}
		reportID, sha := m[1], m[2]

		// Officials — any official — download it through its report.
		for _, as := range []string{gxt, fgw} {
			w := s.get(href, as)
			if w.Code != http.StatusOK || !bytes.Equal(w.Body.Bytes(), content) {
				t.Fatalf("download as %s: %d, %d bytes", as, w.Code, w.Body.Len())
			}
			if cd := w.Header().Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, url.PathEscape("统计表.txt")) {
				t.Errorf("Content-Disposition = %q", cd)
			}
			if cc := w.Header().Get("Cache-Control"); !strings.Contains(cc, "no-store") || !strings.Contains(cc, "private") {
				t.Errorf("Cache-Control = %q", cc)
			}
			if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("Content-Type = %q", ct)
			}
		}
		// Nobody else, and not through another report.
		for _, tc := range []struct {
			target, as string
			status     int
		}{
			{href, "", http.StatusSeeOther}, // to the login page
			{href, resident, http.StatusForbidden},
			{"/plan/reports/2/attachments/" + sha, gxt, http.StatusNotFound},
			{"/plan/reports/" + reportID + "/attachments/" + strings.Repeat("0", 64), gxt, http.StatusNotFound},
			{"/plan/reports/" + reportID + "/attachments/..%2F..%2Fetc%2Fpasswd", gxt, http.StatusNotFound},
			{"/plan/reports/x/attachments/" + sha, gxt, http.StatusNotFound},
		} {
			w := s.get(tc.target, tc.as)
			if w.Code != tc.status {
				t.Errorf("GET %s as %q: %d, want %d", tc.target, tc.as, w.Code, tc.status)
			}
			if bytes.Contains(w.Body.Bytes(), content) {
				t.Errorf("GET %s as %q leaked the file", tc.target, tc.as)
			}
			if tc.status == http.StatusSeeOther && !strings.HasPrefix(w.Header().Get("Location"), "/login?next=") {
				t.Errorf("GET %s anonymously: Location %q, want the login page", tc.target, w.Header().Get("Location"))
			}
		}
	})
}

func TestDashboardChartData(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, highLimits)
		// An organisation name that tries to end the script element and run its own.
		evil := `数字办</script><script>alert(1)</script><!--`
		dir := org.Directory()
		for i := range dir {
			if dir[i].Code == plan.DefaultCoordinator {
				dir[i].NameHans = evil
			}
		}
		if _, err := org.Seed(principal.With(context.Background(), principal.SystemPrincipal), db, dir); err != nil {
			t.Fatal(err)
		}

		w := s.get("/plan/dashboard", "")
		if w.Code != http.StatusOK {
			t.Fatalf("status %d", w.Code)
		}
		doc := parse(t, w)
		script := one(t, doc, `script#dashboard-data[type="application/json"]`)
		raw := text(script)
		if strings.Contains(strings.ToLower(raw), "</script") || strings.Contains(raw, "<!--") {
			t.Errorf("chart JSON carries markup: %.200s", raw)
		}
		var data struct {
			Sections struct {
				Labels    []string `json:"labels"`
				Completed []int    `json:"completed"`
			} `json:"sections"`
			Units struct {
				Labels []string `json:"labels"`
			} `json:"units"`
			Targets struct {
				Labels  []string  `json:"labels"`
				Reached []float64 `json:"reached"`
			} `json:"targets"`
			Text map[string]string `json:"text"`
		}
		if err := json.Unmarshal([]byte(raw), &data); err != nil {
			t.Fatalf("chart data is not valid JSON: %v\n%.300s", err, raw)
		}
		if len(data.Sections.Labels) != 7 || len(data.Sections.Completed) != 7 {
			t.Errorf("sections: %d labels, %d counts; want 7", len(data.Sections.Labels), len(data.Sections.Completed))
		}
		if !slices.Contains(data.Units.Labels, evil) {
			t.Errorf("the organisation's name did not survive the round trip: %q", data.Units.Labels)
		}
		if len(data.Targets.Labels) == 0 || len(data.Targets.Labels) != len(data.Targets.Reached) {
			t.Errorf("targets: %d labels, %d values", len(data.Targets.Labels), len(data.Targets.Reached))
		}
		if data.Text["completed"] != i18n.T(i18n.ZhHans, "plan.status.completed") {
			t.Errorf("chart text = %v", data.Text)
		}
		// No script element but the page's own.
		var srcs []string
		for _, n := range queryAll(t, doc, "script") {
			src, _ := attr(n, "src")
			srcs = append(srcs, src)
		}
		want := []string{"/static/vendor/htmx.min.js", "", "/static/vendor/echarts.min.js", "/static/js/dashboard.js"}
		if diff := cmp.Diff(want, srcs); diff != "" {
			t.Errorf("script elements mismatch (-want +got):\n%s", diff)
		}
		// The name is shown as text in the table beside the chart.
		found := false
		for _, th := range queryAll(t, doc, `table th[scope="row"]`) {
			if text(th) == evil {
				found = true
			}
		}
		if !found {
			t.Error("the organisation's name is not in the units table as text")
		}
		// Every chart has a text alternative and a table.
		for _, id := range []string{"chart-sections", "chart-units", "chart-targets"} {
			if label, _ := attr(one(t, doc, `div#`+id+`[role="img"]`), "aria-label"); label == "" {
				t.Errorf("#%s has no aria-label", id)
			}
		}
		if n := count(t, doc, "table caption"); n != 3 {
			t.Errorf("%d captioned tables, want 3", n)
		}
	})
}

func TestErrorPages(t *testing.T) {
	t.Parallel()
	s := newSite(t, storetest.Open(t, store.SQLite, storetest.Options{}), highLimits)
	for _, tc := range []struct {
		target string
		status int
		lang   i18n.Lang
	}{
		{"/plan/items/9999", http.StatusNotFound, i18n.ZhHans},
		{"/plan/items/abc?lang=en", http.StatusNotFound, i18n.En},
		{"/plan/documents/0?lang=zh-Hant", http.StatusNotFound, i18n.ZhHant},
		{"/no/such/page?lang=en", http.StatusNotFound, i18n.En},
	} {
		w := s.get(tc.target, "")
		if w.Code != tc.status {
			t.Errorf("GET %s: %d, want %d", tc.target, w.Code, tc.status)
			continue
		}
		doc := parse(t, w)
		u, _ := url.Parse(tc.target)
		t.Run(u.Path, func(t *testing.T) { checkLayout(t, doc, tc.lang, u.Path) })
		one(t, doc, `main [role="alert"]`)
		if strings.Contains(w.Body.String(), "strconv") || strings.Contains(w.Body.String(), "sql") {
			t.Errorf("GET %s shows internal detail", tc.target)
		}
	}
	// A wrong method is answered by the site's error page too.
	r := httptest.NewRequest("DELETE", "/plan", nil)
	r.Header.Set("Accept", "text/html")
	if w := s.do(r, ""); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("DELETE /plan: %d", w.Code)
	}
	// Static files have the security headers and may be cached.
	w := s.get("/static/css/site.css", "")
	if w.Code != http.StatusOK || !strings.Contains(w.Header().Get("Cache-Control"), "max-age") {
		t.Errorf("static file: %d Cache-Control %q", w.Code, w.Header().Get("Cache-Control"))
	}
}

// ---- i18n keys used by the templates and handlers --------------------------------------

var (
	templateKey    = regexp.MustCompile(`\bT\s+"([^"]+)"`)
	templatePrefix = regexp.MustCompile(`\(print\s+"([^"]+)"`)
	goKey          = regexp.MustCompile(`\bT\(\s*"([^"]+)"|newBase\(w, r, "([^"]+)"|"(nav\.[a-z_]+)"|errs\.(?:E|Wrapf)\([^"]*"([a-z_]+\.[a-z_.]+)"|errs\.Field\([^,]+,\s*"([^"]+)"`)
	goPrefix       = regexp.MustCompile(`"([a-z_]+(?:\.[a-z_]+)*\.)"\s*\+`)
)

// prefixSuffixes lists, for each key prefix completed at run time, the values it is completed
// with.
func prefixSuffixes() map[string][]string {
	var kinds []string
	for _, o := range org.Directory() {
		if !slices.Contains(kinds, string(o.Kind)) {
			kinds = append(kinds, string(o.Kind))
		}
	}
	return map[string][]string{
		"plan.report_status.": {plan.ReportSubmitted, plan.ReportAccepted, plan.ReportReturned},
		"plan.status.":        {plan.StatusNotStarted, plan.StatusInProgress, plan.StatusCompleted},
		"org.kind.":           kinds,
		// The licence wallet and verifier (license_pages.go).
		"license.state.": {string(license.StateValid), string(license.StateSuspended), string(license.StateRevoked),
			string(license.StateSuperseded), string(license.StateExpired), string(license.StateForged),
			string(license.StateNotTrusted), string(license.StateMalformed)},
		"license.reason.": {string(license.StateValid), string(license.StateSuspended), string(license.StateRevoked),
			string(license.StateSuperseded), string(license.StateExpired)},
		"license.wallet.step.": {license.StepIssued, license.StepChanged, license.StepSuspended, license.StepReinstated,
			license.StepRevoked, license.StepExpired, license.StepAnnotated},
		"license.wallet.use.": {"verified", "fetched", "filled", "downloaded"},
		// The holder's grants (license_grants_pages.go).
		"license.grants.state.": {"active", "pending", "ended", "revoked"},
		// The holder's annotated copies (license_copies_pages.go).
		"license.copies.state.": {string(license.StateValid), string(license.StateExpired), string(license.StateRevoked)},
	}
}

func TestMessageKeysExist(t *testing.T) {
	t.Parallel()
	suffixes := prefixSuffixes()
	check := func(where string, keys, prefixes []string) {
		for _, k := range keys {
			if strings.HasSuffix(k, ".") {
				continue // a prefix, checked below
			}
			if !i18n.Has(k) {
				t.Errorf("%s uses message key %q, which internal/i18n does not have", where, k)
			}
		}
		for _, p := range prefixes {
			sfx, ok := suffixes[p]
			if !ok {
				t.Errorf("%s builds keys from prefix %q: list its suffixes in prefixSuffixes", where, p)
				continue
			}
			for _, s := range sfx {
				if !i18n.Has(p + s) {
					t.Errorf("%s may use message key %q, which internal/i18n does not have", where, p+s)
				}
			}
		}
	}
	nTemplates := 0
	err := filepath.WalkDir("templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") {
			return err
		}
		nTemplates++
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var keys, prefixes []string
		for _, m := range templateKey.FindAllStringSubmatch(string(b), -1) {
			keys = append(keys, m[1])
		}
		for _, m := range templatePrefix.FindAllStringSubmatch(string(b), -1) {
			prefixes = append(prefixes, m[1])
		}
		check(path, keys, prefixes)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if nTemplates < 8 {
		t.Fatalf("found %d templates; is the test running in internal/web?", nTemplates)
	}
	goFiles, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range goFiles {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var keys, prefixes []string
		for _, m := range goKey.FindAllStringSubmatch(string(b), -1) {
			for _, k := range m[1:] {
				if k != "" {
					keys = append(keys, k)
				}
			}
		}
		for _, m := range goPrefix.FindAllStringSubmatch(string(b), -1) {
			prefixes = append(prefixes, m[1])
		}
		check(path, keys, prefixes)
	}
}

// upload posts one file as the form field "document" of /plan/import.
func (s *site) upload(login, filename string, content []byte) *httptest.ResponseRecorder {
	s.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if filename != "" {
		fw, err := mw.CreateFormFile("document", filename)
		if err != nil {
			s.t.Fatal(err)
		}
		fw.Write(content)
	}
	mw.Close()
	r := httptest.NewRequest("POST", "/plan/import", &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.Header.Set("Accept", "text/html")
	return s.do(r, login)
}

func TestImportPage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, highLimits)
		const admin = "szb.admin"
		// Who may: the digital office's administrators only.
		if w := s.get("/plan/import", ""); w.Code != http.StatusSeeOther {
			t.Errorf("anonymous: %d, want a redirect to the login", w.Code)
		}
		for _, who := range []string{gxt, reviewer} {
			if w := s.get("/plan/import", who); w.Code != http.StatusForbidden {
				t.Errorf("%s: %d, want 403", who, w.Code)
			}
			if w := s.upload(who, "plan.txt", demo.PlanText); w.Code != http.StatusForbidden {
				t.Errorf("%s uploading: %d, want 403", who, w.Code)
			}
		}
		one(t, parse(t, s.get("/plan", admin)), `a[href="/plan/import"]`)
		if n := count(t, parse(t, s.get("/plan", gxt)), `a[href="/plan/import"]`); n != 0 {
			t.Error("a department is offered the import")
		}
		doc := parse(t, s.get("/plan/import", admin))
		one(t, doc, `form[action="/plan/import"][enctype="multipart/form-data"] input#document[type="file"]`)

		// The same plan again changes nothing.
		w := s.upload(admin, "plan.txt", demo.PlanText)
		if w.Code != http.StatusOK {
			t.Fatalf("re-import: %d", w.Code)
		}
		doc = parse(t, w)
		if got := text(one(t, doc, `#import-result[role="status"] #import-summary`)); !strings.Contains(got, "未作任何改动") {
			t.Errorf("re-import says %q", got)
		}
		// Bad files are refused beside the field, and nothing changes.
		before := s.lastAuditID()
		for _, tc := range []struct {
			name, file string
			content    []byte
			status     int
		}{
			{"not a plan", "notes.txt", []byte("会议纪要\n明天开会。\n"), http.StatusBadRequest},
			{"empty", "empty.txt", nil, http.StatusBadRequest},
			{"binary", "logo.png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), http.StatusBadRequest},
			{"no file", "", nil, http.StatusBadRequest},
			{"too large", "big.txt", bytes.Repeat([]byte("閩"), 3<<20), http.StatusRequestEntityTooLarge},
		} {
			w := s.upload(admin, tc.file, tc.content)
			if w.Code != tc.status {
				t.Errorf("%s: %d, want %d", tc.name, w.Code, tc.status)
				continue
			}
			doc := parse(t, w)
			one(t, doc, `#import-error[role="alert"]`)
			one(t, doc, `input#document[aria-invalid="true"][aria-describedby="import-error"]`)
		}
		if got := s.auditSince(before); len(got) != 0 {
			t.Errorf("refused imports changed something: %v", got)
		}
		// A revised plan becomes revision 2 and lists its changes.
		revised := bytes.Replace(demo.PlanText, []byte("新建3萬個以上5G基站"), []byte("新建4萬個以上5G基站"), 1)
		doc = parse(t, s.upload(admin, "plan-rev.txt", revised))
		if got := text(one(t, doc, `#import-summary`)); !strings.Contains(got, "第 2 版") {
			t.Errorf("revision says %q", got)
		}
		if got := text(one(t, doc, `#import-changes li`)); !strings.Contains(got, "item_changed") || !strings.Contains(got, "（二十五）") {
			t.Errorf("changes listed: %q", got)
		}
	})
}
