package browsertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/app"
	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/catalog"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// The service hall's browser tests share what is here: the whole platform running as
// `yiwang serve` runs it (App.Run: HTTP server, event dispatcher, the sandbox acquirer's
// notifications, the clock sweeps) on a fresh database whose clock the test chooses, and the
// steps people take on it.

// startHallSite runs a fresh platform with demo data whose transactions take their time from
// clk, served by App.Run on a free loopback port, until t ends. Unlike startSite, the event
// dispatcher and the sandbox acquirer run, so that a payment reaches its case as it would in
// production: asynchronously.
func startHallSite(t *testing.T, clk clock.Clock) *site {
	t.Helper()
	return startHallSiteOn(t, store.SQLite, clk)
}

// startHallSiteOn is startHallSite on a fresh database of dialect d (PostgreSQL is skipped when
// none answers, unless CI=true).
func startHallSiteOn(t *testing.T, d store.Dialect, clk clock.Clock) *site {
	t.Helper()
	db := storetest.Open(t, d, storetest.Options{Clock: clk})
	logger := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelError}))
	a, err := app.New(context.Background(), app.Config{DB: db, Demo: true, Logger: logger, RateLimits: map[string]httpserver.Limit{
		httpserver.ClassLogin: {}, httpserver.ClassPublic: {}, httpserver.ClassAPI: {}, httpserver.ClassVerify: {},
	}})
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	t.Cleanup(a.Close)
	ctx, cancel := context.WithCancel(context.Background())
	listening := make(chan string, 1)
	stopped := make(chan error, 1)
	go func() { stopped <- a.Run(ctx, "127.0.0.1:0", func(u string) { listening <- u }) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-stopped:
			if err != nil {
				t.Errorf("App.Run: %v", err)
			}
		case <-time.After(time.Minute):
			t.Errorf("App.Run did not stop within a minute")
		}
	})
	select {
	case u := <-listening:
		return &site{URL: u, App: a}
	case err := <-stopped:
		t.Fatalf("App.Run: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("App.Run does not listen after 30s")
	}
	return nil
}

// china is a civil time in China.
func china(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, clock.China)
}

// day writes t's date in China as the pages do.
func day(t time.Time) string { return t.In(clock.China).Format(time.DateOnly) }

// ---- people ----------------------------------------------------------------------------------

// residentLogin signs the tab in with a one-time code sent to phone, read from the development
// outbox, landing on next.
func residentLogin(t *testing.T, ctx context.Context, s *site, phone, next string, lang i18n.Lang) {
	t.Helper()
	open(t, ctx, s.page("/login", lang)+"&next="+url.QueryEscape(next))
	if status := submit(t, ctx, `main nav.tabs a[href^="/login/code"]`); status != 200 {
		t.Fatalf("code login page: %d", status)
	}
	fill(t, ctx, "#code-phone", phone)
	if status := submit(t, ctx, `main form[action="/login/code"] button[value="send"]:not([hidden])`); status != 200 {
		t.Fatalf("send code: %d (%s)", status, alerts(t, ctx))
	}
	fill(t, ctx, "#code-code", outboxCode(t, s, phone))
	if status := submit(t, ctx, `main form[action="/login/code"] button.primary`); status != 200 {
		t.Fatalf("sign in with the code: %d (%s)", status, alerts(t, ctx))
	}
	if got := eval[string](t, ctx, `location.pathname`); got != next {
		t.Fatalf("code login landed on %s, want %s", got, next)
	}
}

// accountPrincipal is the principal of the demo account with login (or phone), as its session
// would carry it, for setting up data through the services.
func accountPrincipal(t *testing.T, s *site, login string) principal.Principal {
	t.Helper()
	sys := principal.With(context.Background(), principal.SystemPrincipal)
	acc, err := s.App.Identity.AccountByLogin(sys, login)
	if err != nil {
		id, perr := s.App.Identity.AccountIDByPhone(sys, login)
		if perr != nil {
			t.Fatalf("no demo account %s: %v / %v", login, err, perr)
		}
		if acc, err = s.App.Identity.Account(sys, id); err != nil {
			t.Fatal(err)
		}
	}
	return acc.Principal()
}

// ---- the demo catalogue ------------------------------------------------------------------------

// bundleItems are the items of the demo bundle code, in its order.
func bundleItems(t *testing.T, code string) []catalog.Item {
	t.Helper()
	all := demo.DemoItems()
	for _, b := range demo.DemoBundles() {
		if b.Code != code {
			continue
		}
		var out []catalog.Item
		for _, c := range b.Items {
			i := slices.IndexFunc(all, func(it catalog.Item) bool { return it.Code == c })
			if i < 0 {
				t.Fatalf("bundle %s names item %s, which the demo does not have", code, c)
			}
			out = append(out, all[i])
		}
		return out
	}
	t.Fatalf("no demo bundle %s", code)
	return nil
}

// demoItem is the demo item of org with basic code basic.
func demoItem(t *testing.T, org, basic string) catalog.Item {
	t.Helper()
	for _, it := range demo.DemoItems() {
		if it.Org == org && it.BasicCode == basic {
			return it
		}
	}
	t.Fatalf("no demo item %s of %s", basic, org)
	return catalog.Item{}
}

// The demo items the hall tests use.
const (
	basicSignboard    = "000117008000" // 户外招牌设置审批, fz-urban-management, with a fee
	basicRegistration = "000105011000" // 个体工商户设立登记
)

// ---- cases made through the services ------------------------------------------------------------

// hallCase is a case a test made through the services, to look at through the pages.
type hallCase struct {
	ID, Number, QueryCode string
	Item                  catalog.Item
}

// applyFor applies as applicant for the demo item it with a complete form and the applicant's
// materials as files, as the form would have sent them.
func applyFor(t *testing.T, s *site, applicant principal.Principal, it catalog.Item) hallCase {
	t.Helper()
	values := map[string]any{"enterprise_name": "福州市鼓楼区美玲小吃店", "applicant_name": applicant.Name,
		"mobile": demo.Residents[0].Phone, "premises": "福州市鼓楼区南后街45号", "sign_area": 3.5,
		"business_type": "catering", "id_number": demo.Residents[0].IDNumber}
	form := map[string]any{}
	for _, f := range formFields(t, it.FormSchema) {
		v, ok := values[f]
		if !ok {
			t.Fatalf("the test has no value for field %s of %s", f, it.NameHans)
		}
		form[f] = v
	}
	var uploads []cases.Upload
	for _, m := range it.Materials {
		if m.Source != catalog.SourceApplicant {
			continue
		}
		data, name := onePDF(m.NameEn), m.Code+".pdf"
		if !slices.Contains(m.Formats, "pdf") {
			data, name = pngOf(120, 80, color.Black), m.Code+".png"
		}
		uploads = append(uploads, cases.Upload{Code: m.Code, FileName: name, Data: data})
	}
	ctx := principal.With(context.Background(), applicant)
	sub, err := s.App.Cases.Apply(ctx, applicant, cases.Application{ItemCode: it.Code, Form: form, Materials: uploads,
		LicenceConsent: true})
	if err != nil {
		t.Fatalf("apply for %s: %v", it.NameHans, err)
	}
	return hallCase{ID: sub.Case.ID, Number: sub.Case.Number, QueryCode: sub.QueryCode, Item: it}
}

// formFields are the names of the fields of a form schema.
func formFields(t *testing.T, schema []byte) []string {
	t.Helper()
	var doc struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(schema, &doc); err != nil {
		t.Fatal(err)
	}
	var out []string
	for k := range doc.Properties {
		out = append(out, k)
	}
	return out
}

// advance takes c through the steps given, each as the demo official named: "accept",
// "review", "decide" (approve) or "deliver" (electronically).
func advance(t *testing.T, s *site, c hallCase, steps ...[2]string) {
	t.Helper()
	for _, st := range steps {
		p := accountPrincipal(t, s, st[1])
		ctx := principal.With(context.Background(), p)
		var err error
		switch st[0] {
		case "accept":
			_, err = s.App.Cases.Accept(ctx, p, c.ID, "")
		case "review":
			_, err = s.App.Cases.Review(ctx, p, c.ID, "材料齐全，符合法定形式。")
		case "decide":
			_, err = s.App.Cases.Decide(ctx, p, c.ID, cases.OutcomeApproved, "符合法定条件，准予许可。")
		case "deliver":
			_, err = s.App.Cases.Deliver(ctx, p, c.ID, cases.DeliveryElectronic)
		default:
			t.Fatalf("no step %s", st[0])
		}
		if err != nil {
			t.Fatalf("%s %s as %s: %v", st[0], c.Item.NameHans, st[1], err)
		}
	}
}

// ---- files people upload -----------------------------------------------------------------------

// pngOf draws a small picture: a floor plan or a sign design, as a phone's camera would not
// but a drawing program would.
func pngOf(w, h int, fg color.Color) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.Color(color.White)
			if x%20 == 0 || y%20 == 0 || x == y {
				c = fg
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// jpegOf is a small photograph-like JPEG: a gradient.
func jpegOf(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 128, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80}); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// writeFile writes data as name in dir and returns its path.
func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// ---- reading pages -------------------------------------------------------------------------------

// text is the trimmed text of the element sel, "" when there is none.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	return strings.TrimSpace(eval[string](t, ctx, fmt.Sprintf(`(e => e ? e.textContent : "")(document.querySelector(%q))`, sel)))
}

// attr is attribute name of the element sel, "" when there is none.
func attr(t *testing.T, ctx context.Context, sel, name string) string {
	t.Helper()
	return eval[string](t, ctx, fmt.Sprintf(`(e => e ? (e.getAttribute(%q) || "") : "")(document.querySelector(%q))`, name, sel))
}

// exists reports whether the page has an element sel.
func exists(t *testing.T, ctx context.Context, sel string) bool {
	t.Helper()
	return eval[bool](t, ctx, fmt.Sprintf(`document.querySelector(%q) !== null`, sel))
}

// waitFor reloads u in the tab until the JavaScript expression cond is true, for at most
// timeout: for what happens asynchronously, such as a payment's notification.
func waitFor(t *testing.T, ctx context.Context, u, cond string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		open(t, ctx, u)
		if eval[bool](t, ctx, cond) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s still false after %s", u, cond, timeout)
		}
		time.Sleep(150 * time.Millisecond)
	}
}

// principalCtx is a context carrying p, for calling the services as p.
func principalCtx(p principal.Principal) context.Context {
	return principal.With(context.Background(), p)
}
