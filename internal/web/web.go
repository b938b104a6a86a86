// Package web serves the portal's server-rendered pages: the base layout with language switch
// and large-type mode, the home page, login, and each module's pages (files <module>_pages.go,
// templates/<module>/). Pages work without JavaScript; htmx and ECharts only enhance them.
package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/yiwang-platform/yiwang/internal/apps"
	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/catalog"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/federation"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/ledger"
	"github.com/yiwang-platform/yiwang/internal/license"
	"github.com/yiwang-platform/yiwang/internal/notify"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/payments"
	"github.com/yiwang-platform/yiwang/internal/pki"
	"github.com/yiwang-platform/yiwang/internal/plan"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/ratings"
	"github.com/yiwang-platform/yiwang/internal/requestid"
	"github.com/yiwang-platform/yiwang/internal/seal"
	"github.com/yiwang-platform/yiwang/internal/sign"
	"github.com/yiwang-platform/yiwang/internal/store"
)

//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config is what the site needs.
type Config struct {
	DB       *store.DB
	Plan     *plan.Service
	Identity *identity.Service
	// OIDC is the OpenID Connect provider behind the consent page, Apps the registry of apps
	// and people's consents; without them the pages are not installed.
	OIDC OIDCFlow
	Apps *apps.Service
	// The trust services: the seal registry, signing and verification, the ledger and the PKI
	// (for the seals' certificates); without them their pages are not installed.
	Seals  *seal.Registry
	Sign   *sign.Service
	Ledger *ledger.Log
	PKI    *pki.Service
	// The service hall: the catalogue of service items and bundles, cases, payments, ratings and
	// each person's inbox; without them their pages are not installed.
	Catalog  *catalog.Service
	Cases    *cases.Service
	Payments *payments.Service
	Ratings  *ratings.Service
	Inbox    *notify.Service
	// Licenses keeps licence types and electronic licences; without it their pages are not
	// installed.
	Licenses *license.Service
	Logger   *slog.Logger
	// Secure marks cookies Secure; set it whenever users reach the site over HTTPS.
	Secure bool
	// Demo shows the demo-account hint on the login page.
	Demo bool
	// Federation returns the federation service (nil while the node does not know its
	// endpoint); without it the federation pages are not installed.
	Federation func() *federation.Service
	// PeerFetch fetches a licence from a peer node for an official; without it the page
	// /work/licenses/peer-fetch is not installed.
	PeerFetch PeerFetch
}

// Site is the portal.
type Site struct {
	cfg   Config
	pages map[string]*template.Template
	orgs  *orgCache
}

// pageNames lists every page template; New fails if one is missing or does not parse.
var pageNames = []string{"error", "home", "login", "orgs", "plan/document", "plan/item", "plan/worklist", "plan/dashboard", "plan/import",
	"identity/login_totp", "identity/login_code", "identity/register", "identity/recover", "identity/outbox", "identity/account",
	"identity/tokens", "identity/enterprises", "identity/window", "identity/officials", "oidc/consent", "oidc/consents",
	"apps/launcher", "apps/list", "apps/form", "apps/secret", "orgs/admin",
	"trust/seals", "trust/seal", "trust/sign", "trust/verify", "trust/ledger", "trust/entry"}

// allPageNames is pageNames and each module's own list (declared in its <module>_pages.go).
func allPageNames() []string {
	out := append([]string(nil), pageNames...)
	for _, l := range [][]string{catalogPageNames, casesPageNames, paymentsPageNames, ratingsPageNames, inboxPageNames,
		licenseWorkPageNames, licensePageNames, federationPageNames} {
		out = append(out, l...)
	}
	return out
}

// New parses every template and returns the site.
func New(cfg Config) (*Site, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Site{cfg: cfg, pages: map[string]*template.Template{}, orgs: &orgCache{db: cfg.DB}}
	funcs := template.FuncMap{
		"date": func(t time.Time) string { return t.In(chinaTime).Format("2006-01-02 15:04") },
		"add":  func(a, b int) int { return a + b },
		"neg":  func(a int) int { return -a },
		"deref": func(p *string) string {
			if p == nil {
				return ""
			}
			return *p
		},
		"num": formatNumber,
		"pct": func(f float64) string { return fmt.Sprintf("%.1f", f) },
	}
	base, err := template.New("base").Funcs(funcs).ParseFS(templateFS, "templates/base.html", "templates/partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: base template: %w", err)
	}
	for _, name := range allPageNames() {
		t, err := template.Must(base.Clone()).ParseFS(templateFS, "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		if t.Lookup("content") == nil {
			return nil, fmt.Errorf("web: template %s defines no content", name)
		}
		s.pages[name] = t
	}
	return s, nil
}

var chinaTime = time.FixedZone("CST", 8*3600)

func formatNumber(f float64) string {
	if f == float64(int64(f)) {
		return fmt.Sprintf("%d", int64(f))
	}
	return fmt.Sprintf("%.2f", f)
}

// Install registers the site's routes on srv.
func (s *Site) Install(srv *httpserver.Server) {
	static, _ := fs.Sub(staticFS, "static")
	srv.HandleHTTP("GET /static/", http.StripPrefix("/static/", cacheStatic(http.FileServerFS(static))))
	srv.Handle("GET /{$}", s.home)
	srv.Handle("GET /orgs", s.orgList)
	srv.Handle("GET /login", s.loginForm)
	srv.Handle("POST /login", s.login, httpserver.RateLimit(httpserver.ClassLogin))
	srv.Handle("POST /logout", s.logout)
	srv.Handle("POST /prefs/large-type", s.largeType)
	s.installPlan(srv)
	s.installIdentity(srv)
	s.installOIDC(srv)
	s.installApps(srv)
	s.installOrgs(srv)
	s.installSeals(srv)
	s.installSign(srv)
	s.installLedger(srv)
	s.installCatalog(srv)
	s.installCases(srv)
	s.installPayments(srv)
	s.installRatings(srv)
	s.installInbox(srv)
	s.installLicenseWork(srv)
	s.installLicense(srv)
	s.installFederation(srv)
}

// cacheStatic lets browsers keep static files for a day; vendor files change only with a build.
func cacheStatic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		h.ServeHTTP(w, r)
	})
}

const (
	sessionCookie   = "yiwang_session"
	largeTypeCookie = "large_type"
)

// Authenticate resolves the session cookie to a principal; no cookie means anonymous. A stale
// cookie also means anonymous, so that an expired login shows the public page, not an error.
func (s *Site) Authenticate(r *http.Request) (principal.Principal, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return principal.Principal{Kind: principal.Anonymous}, nil
	}
	p, err := s.cfg.Identity.SessionPrincipal(r.Context(), c.Value)
	if errs.Is(err, errs.Unauthenticated) {
		return principal.Principal{Kind: principal.Anonymous}, nil
	}
	if err != nil {
		return p, err
	}
	// A session used at a kiosk becomes a kiosk session, with the kiosk's idle limit; identity
	// refuses it above once idle, on every page, not only the case pages.
	return s.KioskPrincipal(r, p)
}

// basePage is what the layout needs; every page's data embeds it.
type basePage struct {
	Lang      i18n.Lang
	Title     string
	Path      string
	Principal principal.Principal
	LargeType bool
	RequestID string
	Nav       []link
	Langs     []langLink
}

type link struct {
	Href, Label string
	Current     bool
}

type langLink struct {
	Lang        i18n.Lang
	Href, Label string
	Current     bool
}

// T translates key into the page's language.
func (b basePage) T(key string, args ...any) string { return i18n.T(b.Lang, key, args...) }

// OrgName is set per request to name organisations in the page's language.
func (s *Site) newBase(w http.ResponseWriter, r *http.Request, titleKey string, args ...any) basePage {
	lang := i18n.Negotiate(r)
	if q := r.URL.Query().Get("lang"); q != "" {
		if l, ok := i18n.Parse(q); ok {
			i18n.SetCookie(w, r, l)
		}
	}
	b := basePage{
		Lang:      lang,
		Path:      r.URL.Path,
		Principal: principal.From(r.Context()),
		RequestID: requestid.From(r.Context()),
	}
	if c, err := r.Cookie(largeTypeCookie); err == nil && c.Value == "1" {
		b.LargeType = true
	}
	b.Title = b.T(titleKey, args...)
	nav := []struct{ href, key string }{
		{"/", "nav.home"}, {"/plan", "nav.plan"}, {"/plan/dashboard", "nav.dashboard"}, {"/plan/worklist", "nav.worklist"},
	}
	nav = append(nav, s.hallNav(b.Principal)...)
	nav = append(nav, s.licenseWorkNav(b.Principal)...)
	appsForAll, appsAdmin := s.appsNav(b.Principal)
	nav = append(nav, appsForAll...)
	nav = append(nav, s.trustNav(b.Principal)...)
	nav = append(nav, identityNav(b.Principal)...)
	nav = append(nav, appsAdmin...)
	nav = append(nav, orgsNav(b.Principal)...)
	nav = append(nav, s.federationNav(b.Principal)...)
	for _, n := range nav {
		b.Nav = append(b.Nav, link{Href: n.href, Label: b.T(n.key), Current: r.URL.Path == n.href})
	}
	for _, l := range i18n.All {
		q := r.URL.Query()
		q.Set("lang", string(l))
		b.Langs = append(b.Langs, langLink{Lang: l, Href: r.URL.Path + "?" + q.Encode(), Label: i18n.T(l, "lang.name"), Current: l == lang})
	}
	return b
}

// render executes page name with data into a buffer first, so that a template error becomes a
// clean 500 instead of half a page.
func (s *Site) render(w http.ResponseWriter, status int, name string, data any) error {
	t := s.pages[name]
	if t == nil {
		return fmt.Errorf("web: no page %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "base", data); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

type errorPage struct {
	basePage
	Message string
	Field   string
}

// ErrorPage renders the translated error page; the httpserver calls it for every HTML error.
func (s *Site) ErrorPage(w http.ResponseWriter, r *http.Request, status int, e *errs.Error) {
	b := s.newBase(w, r, "error.title")
	msg := httpserver.Translate(b.Lang, e)
	if status == http.StatusUnauthorized && r.Method == http.MethodGet {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(safeNext(r.URL.RequestURI())), http.StatusSeeOther)
		return
	}
	if err := s.render(w, status, "error", errorPage{basePage: b, Message: msg, Field: e.Field}); err != nil {
		s.cfg.Logger.Error("error page", "err", err)
		http.Error(w, http.StatusText(status), status)
	}
}

// safeNext returns target if it is a local path, else "/": redirects never leave the site.
func safeNext(target string) string {
	if target == "" || !strings.HasPrefix(target, "/") || strings.HasPrefix(target, "//") || strings.ContainsAny(target, "\\\r\n") {
		return "/"
	}
	u, err := url.Parse(target)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	// Check the decoded path too: "/%5Cevil.example" decodes to "/\evil.example" and
	// "/%09/evil.example" to "/\t/evil.example", which browsers read as "//evil.example" (they
	// take a backslash for a slash and drop tabs and newlines), another site.
	p := path.Clean(u.Path)
	if strings.HasPrefix(p, "//") || strings.ContainsFunc(p, func(r rune) bool { return r == '\\' || r < 0x20 || r == 0x7f }) {
		return "/"
	}
	// Keep the page's state (?org=…), re-encoded so that nothing but a query can follow.
	if q, err := url.ParseQuery(u.RawQuery); err == nil && len(q) > 0 {
		return p + "?" + q.Encode()
	}
	return p
}

// orgCache names organisations without a query per name.
type orgCache struct {
	db *store.DB
}

func (c *orgCache) namer(r *http.Request, lang i18n.Lang) (func(code string) string, error) {
	name, _, err := c.all(r, lang)
	return name, err
}

// orgFilter is the organisation a list page of officials shows: a reader who sees every
// organisation's (AllOrgs) picks one of Orgs with ?org= (Org; "" for all of them).
type orgFilter struct {
	AllOrgs bool
	Org     string
	Orgs    []orgRow
}

// pickOrg reads the organisation filter of r: whoever sees every organisation's (all) may pick
// one of orgs with ?org= (anything else means all of them); for anyone else Org is own.
func pickOrg(r *http.Request, orgs []orgRow, all bool, own string) orgFilter {
	f := orgFilter{AllOrgs: all, Orgs: orgs, Org: own}
	if all {
		f.Org = ""
		if o := r.URL.Query().Get("org"); slices.ContainsFunc(orgs, func(x orgRow) bool { return x.Code == o }) {
			f.Org = o
		}
	}
	return f
}

// all returns a namer and every organisation as a choice, in the reader's language, from one read.
func (c *orgCache) all(r *http.Request, lang i18n.Lang) (func(code string) string, []orgRow, error) {
	list, err := org.List(r.Context(), c.db)
	if err != nil {
		return nil, nil, err
	}
	byCode := make(map[string]string, len(list))
	rows := make([]orgRow, 0, len(list))
	for _, o := range list {
		byCode[o.Code] = o.Name(string(lang))
		rows = append(rows, orgRow{Code: o.Code, Name: o.Name(string(lang))})
	}
	return func(code string) string {
		if n, ok := byCode[code]; ok {
			return n
		}
		return code
	}, rows, nil
}

// urlPathEscape escapes a file name for a Content-Disposition filename* parameter (RFC 5987).
func urlPathEscape(s string) string { return strings.ReplaceAll(url.PathEscape(s), "'", "%27") }
