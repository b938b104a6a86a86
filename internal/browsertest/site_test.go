package browsertest

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/yiwang-platform/yiwang/internal/app"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if err := CloseShared(); err != nil {
		fmt.Fprintln(os.Stderr, "browsertest: close browser:", err)
	}
	os.Exit(code)
}

// site is the whole platform with demo data on a fresh database, served over HTTP.
type site struct {
	URL  string
	App  *app.App
	Item int64 // plan item 25 (二十五), which fj-miit answers for
	Five int64 // its target of new 5G base stations
}

// startSite serves a fresh platform for t. Rate limits are off: a browser test logs in more
// often than the login limit allows a person.
func startSite(t *testing.T) *site {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, store.SQLite, storetest.Options{Clock: clock.Real{}})
	logger := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelError}))
	a, err := app.New(ctx, app.Config{DB: db, Demo: true, Logger: logger, RateLimits: map[string]httpserver.Limit{
		httpserver.ClassLogin: {}, httpserver.ClassPublic: {}, httpserver.ClassAPI: {}, httpserver.ClassVerify: {},
	}})
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	t.Cleanup(a.Close)
	srv := httptest.NewServer(a.Server.Handler())
	t.Cleanup(srv.Close)
	s := &site{URL: srv.URL, App: a}
	doc, err := a.Plan.Latest(ctx)
	if err != nil {
		t.Fatalf("latest plan: %v", err)
	}
	for _, it := range doc.Items() {
		if it.Ordinal != 25 {
			continue
		}
		s.Item = it.ID
		for _, tg := range it.Targets {
			if strings.Contains(tg.Subject, "5G") {
				s.Five = tg.ID
			}
		}
	}
	if s.Item == 0 || s.Five == 0 {
		t.Fatalf("demo plan has no item 25 with a 5G target (item %d, target %d)", s.Item, s.Five)
	}
	return s
}

// page returns the absolute URL of path in lang.
func (s *site) page(path string, lang i18n.Lang) string {
	u, err := url.Parse(s.URL + path)
	if err != nil {
		panic(err)
	}
	q := u.Query()
	q.Set("lang", string(lang))
	u.RawQuery = q.Encode()
	return u.String()
}

// itemPath is the page of plan item 25.
func (s *site) itemPath() string { return fmt.Sprintf("/plan/items/%d", s.Item) }

// systemCtx reads the store as the system, bypassing what a page would show.
func systemCtx() context.Context {
	return principal.With(context.Background(), principal.SystemPrincipal)
}

// testWriter sends the server's error log to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// open navigates the tab to u and returns the HTTP status of the document.
func open(t *testing.T, ctx context.Context, u string) int64 {
	t.Helper()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(u))
	if err == nil && resp == nil {
		err = fmt.Errorf("no response")
	}
	if err != nil {
		t.Fatalf("navigate %s: %v", u, err)
	}
	return resp.Status
}

// submit clicks the element sel (a submit button), waits for the page it leads to and returns
// that page's HTTP status (after redirects).
func submit(t *testing.T, ctx context.Context, sel string) int64 {
	t.Helper()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err == nil && resp == nil {
		err = fmt.Errorf("no response")
	}
	if err != nil {
		t.Fatalf("click %s: %v", sel, err)
	}
	return resp.Status
}

// fill replaces the value of the form field sel with v, typing it as a person would.
func fill(t *testing.T, ctx context.Context, sel, v string) {
	t.Helper()
	// Emptied by script: in chromedp v0.23.0 Clear fails on an empty textarea (it has no text
	// node) and SetValue(sel, "") reports that it could not set the value.
	empty := chromedp.Evaluate[bool](fmt.Sprintf(`(e => e !== null && (e.value = "") === "")(document.querySelector(%q))`, sel))
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		ok, err := empty(ctx, tg)
		if err == nil && !ok {
			err = fmt.Errorf("no element %s", sel)
		}
		return err
	}), chromedp.SendKeys(chromedp.CSS(sel), v)); err != nil {
		t.Fatalf("fill %s: %v", sel, err)
	}
}

// eval evaluates a JavaScript expression in the tab's page.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// login signs the tab in as the demo account login through the login form, landing on next.
func login(t *testing.T, ctx context.Context, s *site, login, next string, lang i18n.Lang) {
	t.Helper()
	open(t, ctx, s.page("/login", lang)+"&next="+url.QueryEscape(next))
	fill(t, ctx, "#login", login)
	fill(t, ctx, "#password", demo.Password)
	if status := submit(t, ctx, `main form[action="/login"] button[type=submit]`); status != 200 {
		t.Fatalf("login as %s: status %d", login, status)
	}
	if got := eval[string](t, ctx, `location.pathname`); got != next {
		t.Fatalf("login as %s landed on %s, want %s", login, got, next)
	}
}

// logout signs the tab out with the header's button.
func logout(t *testing.T, ctx context.Context) {
	t.Helper()
	if status := submit(t, ctx, `header form[action="/logout"] button`); status != 200 {
		t.Fatalf("logout: status %d", status)
	}
}
