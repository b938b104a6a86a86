package browsertest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/plan"
)

// TestPagesAccessible loads each page people use in each language and fails on any axe-core
// violation of impact serious or critical, and on a page without its language, main landmark,
// skip link or heading.
func TestPagesAccessible(t *testing.T) {
	t.Parallel()
	axe := Axe(t)
	b := Shared(t)
	s := startSite(t)
	type pageCase struct {
		name, path string
		officer    bool // signed in as gxt.officer, whose unit answers for item 25
		allLangs   bool // else checked in the default language only, to keep the suite fast
	}
	pages := []pageCase{
		{"home", "/", false, true},
		{"plan", "/plan", false, true},
		{"dashboard", "/plan/dashboard", false, true},
		{"login", "/login", false, false},
		{"item-report-form", s.itemPath(), true, true},
		{"worklist", "/plan/worklist", true, false},
	}
	for _, lang := range i18n.All {
		t.Run(string(lang), func(t *testing.T) {
			t.Parallel()
			ctx := b.NewTab(t)
			signedIn := false
			for _, p := range pages {
				if !p.allLangs && lang != i18n.Default {
					continue
				}
				t.Run(p.name, func(t *testing.T) {
					if p.officer && !signedIn {
						// Signing in lands on the page (status checked by login).
						login(t, ctx, s, "gxt.officer", p.path, lang)
						signedIn = true
					} else if status := open(t, ctx, s.page(p.path, lang)); status != 200 {
						t.Fatalf("GET %s: status %d", p.path, status)
					}
					checkShell(t, ctx, lang)
					if p.name == "dashboard" {
						// Check the page as people see it: with its charts drawn.
						waitCharts(t, ctx)
					}
					if p.name == "item-report-form" {
						if n := eval[int](t, ctx, `document.querySelectorAll('form[action$="/reports"] #progress').length`); n != 1 {
							t.Fatalf("item 25 shows gxt.officer no progress report form")
						}
					}
					checkAxe(t, ctx, axe)
				})
			}
		})
	}
}

// checkShell checks what every page must have: its language on <html>, one main landmark that
// the skip link leads to, and one h1.
func checkShell(t *testing.T, ctx context.Context, lang i18n.Lang) {
	t.Helper()
	if got := eval[string](t, ctx, `document.documentElement.lang`); got != string(lang) {
		t.Errorf(`<html lang=%q>, want %q`, got, lang)
	}
	type shell struct {
		Mains     int    `json:"mains"`
		MainID    string `json:"mainID"`
		SkipHref  string `json:"skipHref"`
		SkipFirst bool   `json:"skipFirst"`
		H1s       int    `json:"h1s"`
		H1Text    string `json:"h1Text"`
	}
	got := eval[shell](t, ctx, `(() => {
		const mains = document.querySelectorAll('main, [role="main"]');
		const skip = document.querySelector('a.skip-link');
		const focusable = document.querySelector('a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])');
		const h1s = document.querySelectorAll('h1');
		return {
			mains: mains.length,
			mainID: mains.length ? mains[0].id : "",
			skipHref: skip ? skip.getAttribute('href') : "",
			skipFirst: skip !== null && focusable === skip,
			h1s: h1s.length,
			h1Text: h1s.length ? h1s[0].textContent.trim() : "",
		};
	})()`)
	if got.Mains != 1 {
		t.Errorf("%d main landmarks, want 1", got.Mains)
	}
	if got.SkipHref == "" || got.SkipHref != "#"+got.MainID {
		t.Errorf("skip link href %q does not lead to the main landmark (id %q)", got.SkipHref, got.MainID)
	}
	if !got.SkipFirst {
		t.Errorf("the skip link is not the first focusable element")
	}
	if got.H1s != 1 || strings.TrimSpace(got.H1Text) == "" {
		t.Errorf("%d h1 elements (first %q), want one with text", got.H1s, got.H1Text)
	}
}

// TestReportWorkflow walks a progress report through the browser: the responsible unit's
// official submits it, the digital office's reviewer tries to return it without a comment (and
// is told why not), then accepts it, and the dashboard shows the figure reached.
func TestReportWorkflow(t *testing.T) {
	t.Parallel()
	axe := Axe(t)
	b := Shared(t)
	s := startSite(t)
	const lang = i18n.ZhHans
	const progress, stations = 95, 31234
	body := "全省累计新建 5G 基站 31234 个，浏览器测试填报。"

	// One tab throughout, signing out between people, as on a shared office computer.
	tab := b.NewTab(t)

	// The official of fj-miit reports.
	login(t, tab, s, "gxt.officer", s.itemPath(), lang)
	fill(t, tab, "#body", body)
	fill(t, tab, "#progress", fmt.Sprint(progress))
	fill(t, tab, fmt.Sprintf("#figure_%d", s.Five), fmt.Sprint(stations))
	if status := submit(t, tab, `form[action$="/reports"] button[type=submit]`); status != 200 {
		t.Fatalf("submit report: status %d", status)
	}
	if got, want := eval[string](t, tab, `(document.querySelector('main [role="status"]') || {}).textContent || ""`), i18n.T(lang, "plan.saved_report"); strings.TrimSpace(got) != want {
		t.Errorf("confirmation %q, want %q", got, want)
	}
	if !eval[bool](t, tab, fmt.Sprintf(`[...document.querySelectorAll('#reports ~ article')].some(a => a.textContent.includes(%q))`, body)) {
		t.Errorf("the new report is not listed on the item page")
	}
	rep := submittedReport(t, s, body)

	// The reviewer returns it without saying why: refused.
	logout(t, tab)
	login(t, tab, s, "szb.reviewer", s.itemPath(), lang)
	checkAxe(t, tab, axe) // the item page with the review and deadline forms
	form := fmt.Sprintf(`form[action="/plan/reports/%d/review"]`, rep.ID)
	if status := submit(t, tab, form+` button[value="return"]`); status != 400 {
		t.Errorf("return without a comment: status %d, want 400", status)
	}
	alert := eval[string](t, tab, `[...document.querySelectorAll('[role="alert"]')].map(e => e.textContent).join(" ")`)
	if want := i18n.T(lang, "plan.error.comment_required"); !strings.Contains(alert, want) {
		t.Errorf("role=alert says %q, want it to contain %q", alert, want)
	}
	checkAxe(t, tab, axe)
	if got := reportStatus(t, s, rep.ID); got != plan.ReportSubmitted {
		t.Errorf("after a refused return the report is %q, want %q", got, plan.ReportSubmitted)
	}

	// Accepted, the report sets the item's progress and the target's figure.
	open(t, tab, s.page(s.itemPath(), lang))
	if status := submit(t, tab, form+` button[value="accept"]`); status != 200 {
		t.Fatalf("accept: status %d", status)
	}
	if got, want := eval[string](t, tab, `(document.querySelector('main [role="status"]') || {}).textContent || ""`), i18n.T(lang, "plan.saved_review"); strings.TrimSpace(got) != want {
		t.Errorf("confirmation %q, want %q", got, want)
	}
	if got := reportStatus(t, s, rep.ID); got != plan.ReportAccepted {
		t.Errorf("after accepting, the report is %q, want %q", got, plan.ReportAccepted)
	}
	if got := eval[int](t, tab, fmt.Sprintf(`document.getElementById('progress-%d').value`, s.Item)); got != progress {
		t.Errorf("item page shows progress %d, want %d", got, progress)
	}
	it, err := s.App.Plan.Item(systemCtx(), s.Item)
	if err != nil {
		t.Fatal(err)
	}
	if it.Progress != progress {
		t.Errorf("stored item progress %d, want %d", it.Progress, progress)
	}
	for _, tg := range it.Targets {
		if tg.ID == s.Five && tg.Reached != stations {
			t.Errorf("stored 5G target reached %v, want %d", tg.Reached, stations)
		}
	}

	// The dashboard's table of targets shows the figure reached, to anyone.
	logout(t, tab)
	open(t, tab, s.page("/plan/dashboard", lang))
	row := eval[string](t, tab, fmt.Sprintf(`(() => {
		const link = document.querySelector('#targets ~ table a[href="/plan/items/%d"]');
		return link ? link.closest('tr').textContent : "";
	})()`, s.Item))
	if !strings.Contains(row, "5G") || !strings.Contains(row, fmt.Sprint(stations)) {
		t.Errorf("dashboard row of item 25 is %q, want the 5G target with %d reached", row, stations)
	}
}

// submittedReport finds the stored report with body on item 25, which must be submitted.
func submittedReport(t *testing.T, s *site, body string) plan.Report {
	t.Helper()
	reports, err := s.App.Plan.ItemReports(systemCtx(), s.Item)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reports {
		if r.Body == body {
			if r.Status != plan.ReportSubmitted {
				t.Fatalf("new report is %q, want %q", r.Status, plan.ReportSubmitted)
			}
			return r
		}
	}
	t.Fatalf("no stored report with the text submitted in the browser")
	return plan.Report{}
}

func reportStatus(t *testing.T, s *site, id int64) string {
	t.Helper()
	reports, err := s.App.Plan.ItemReports(systemCtx(), s.Item)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reports {
		if r.ID == id {
			return r.Status
		}
	}
	t.Fatalf("report %d is gone", id)
	return ""
}

// checkAxe fails t on the serious and critical axe-core violations of the tab's page.
func checkAxe(t *testing.T, ctx context.Context, axe string) {
	t.Helper()
	vs, err := RunAxe(ctx, axe)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if v.Blocking() {
			t.Errorf("axe: %s", v)
		} else {
			t.Logf("axe (not blocking): %s [%s] %s, %d nodes", v.ID, v.Impact, v.Help, len(v.Nodes))
		}
	}
}

// TestLargeType checks that large-type mode, switched on with the header's button, stays on
// from page to page, and that keyboard users land on a visible skip link first.
func TestLargeType(t *testing.T) {
	t.Parallel()
	b := Shared(t)
	s := startSite(t)
	ctx := b.NewTab(t)
	const button = `header form[action="/prefs/large-type"] button`
	large := func() bool {
		return eval[bool](t, ctx, `document.documentElement.classList.contains("large-type")`)
	}
	open(t, ctx, s.page("/", i18n.ZhHans))
	if large() {
		t.Fatal("large type is on before anyone asked for it")
	}
	normal := eval[float64](t, ctx, `parseFloat(getComputedStyle(document.documentElement).fontSize)`)
	if status := submit(t, ctx, button); status != 200 {
		t.Fatalf("large-type button: status %d", status)
	}
	if !large() {
		t.Fatal("<html> has no class large-type after pressing the button")
	}
	if got := eval[string](t, ctx, `document.querySelector('`+button+`').getAttribute("aria-pressed")`); got != "true" {
		t.Errorf("button aria-pressed=%q, want true", got)
	}
	if got := eval[float64](t, ctx, `parseFloat(getComputedStyle(document.documentElement).fontSize)`); got <= normal {
		t.Errorf("large type font size %vpx, not larger than %vpx", got, normal)
	}
	open(t, ctx, s.page("/plan", i18n.ZhHans))
	if !large() {
		t.Fatal("large type is gone on the next page")
	}

	// Keyboard: the first Tab reaches the skip link, which shows itself; Enter moves focus to
	// the main content.
	if _, err := chromedp.Call(ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if right := eval[float64](t, ctx, `document.querySelector("a.skip-link").getBoundingClientRect().right`); right > 0 {
		t.Errorf("the skip link shows before it has focus (right edge at %vpx)", right)
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
		t.Fatal(err)
	}
	type focus struct {
		Class   string  `json:"class"`
		Left    float64 `json:"left"`
		Top     float64 `json:"top"`
		Width   float64 `json:"width"`
		Outline string  `json:"outline"`
		Visible bool    `json:"visible"`
	}
	f := eval[focus](t, ctx, `(() => {
		const e = document.activeElement, r = e.getBoundingClientRect(), cs = getComputedStyle(e);
		return {class: e.className, left: r.left, top: r.top, width: r.width,
			outline: cs.outlineStyle + " " + cs.outlineWidth, visible: e.matches(":focus-visible")};
	})()`)
	if f.Class != "skip-link" {
		t.Fatalf("first Tab focuses %q, want the skip link", f.Class)
	}
	if f.Left < 0 || f.Top < 0 || f.Width == 0 {
		t.Errorf("focused skip link is off screen at (%v, %v), width %v", f.Left, f.Top, f.Width)
	}
	if !f.Visible || strings.HasPrefix(f.Outline, "none") || strings.HasSuffix(f.Outline, " 0px") {
		t.Errorf("focused skip link has no visible focus indicator (:focus-visible %v, outline %s)", f.Visible, f.Outline)
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Enter)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.activeElement.id === "main"`, chromedp.WithPollingTimeout(5*time.Second))); err != nil {
		t.Errorf("Enter on the skip link leaves focus on %q: %v", eval[string](t, ctx, `document.activeElement.outerHTML.slice(0, 80)`), err)
	}

	// The same button switches it off again.
	if status := submit(t, ctx, button); status != 200 {
		t.Fatalf("large-type button: status %d", status)
	}
	if large() {
		t.Error("large type stays on after pressing the button again")
	}
}

// TestDashboardCharts checks that the dashboard draws its charts with JavaScript and shows the
// same figures as tables without it.
func TestDashboardCharts(t *testing.T) {
	t.Parallel()
	b := Shared(t)
	s := startSite(t)

	ctx := b.NewTab(t)
	console := watchConsole(ctx)
	open(t, ctx, s.page("/plan/dashboard", i18n.ZhHans))
	waitCharts(t, ctx)
	// A chart is an image to assistive technology, described in words; the table beside it
	// has the figures.
	if bare := eval[[]string](t, ctx, `[...document.querySelectorAll(".chart")]
		.filter(c => c.getAttribute("role") !== "img" || !(c.getAttribute("aria-label") || "").trim()).map(c => c.id)`); len(bare) > 0 {
		t.Errorf("charts without role=img and a description: %v", bare)
	}
	for _, m := range console() {
		// The site has no favicon; the browser's request for one is not the dashboard's fault.
		if strings.HasSuffix(m.URL, "/favicon.ico") {
			continue
		}
		if m.IsException() || m.Type == chromedp.ConsoleError {
			t.Errorf("dashboard console: %s (%s:%d)", m, m.URL, m.Line+1)
		}
	}

	// The same tab with scripts off: the tables carry the figures.
	noJS := ctx
	if _, err := chromedp.Call(noJS, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	open(t, noJS, s.page("/plan/dashboard", i18n.ZhHans)) // a fresh document: the old svgs are gone
	type tables struct {
		Charts int   `json:"charts"`
		Rows   []int `json:"rows"`
	}
	got := eval[tables](t, noJS, `({
		charts: document.querySelectorAll('.chart svg').length,
		rows: ["by-section", "by-unit", "targets"].map(id => {
			const h = document.getElementById(id);
			let n = h && h.nextElementSibling;
			while (n && n.tagName !== "TABLE") n = n.nextElementSibling;
			return n && n.caption ? n.tBodies[0].rows.length : -1;
		}),
	})`)
	if got.Charts != 0 {
		t.Errorf("with scripts disabled the page still has %d chart svgs: the check does not test what it says", got.Charts)
	}
	for i, n := range got.Rows {
		if n <= 0 {
			t.Errorf("without JavaScript, table %d of the dashboard has %d rows", i+1, n)
		}
	}
}

// waitCharts waits until the dashboard has drawn its three charts as svg.
func waitCharts(t *testing.T, ctx context.Context) {
	t.Helper()
	for _, id := range []string{"chart-sections", "chart-units", "chart-targets"} {
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector("#`+id+` svg") !== null`,
			chromedp.WithPollingTimeout(10*time.Second))); err != nil {
			t.Errorf("#%s has no svg chart after load: %v", id, err)
		}
	}
}

// watchConsole collects the tab's console messages from now on; the returned func gives those
// seen so far.
func watchConsole(ctx context.Context) func() []chromedp.ConsoleMessage {
	var mu sync.Mutex
	var seen []chromedp.ConsoleMessage
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			mu.Lock()
			seen = append(seen, m)
			mu.Unlock()
		}
	}()
	return func() []chromedp.ConsoleMessage {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(seen)
	}
}

// TestReportFormRejectsBadProgress sends a progress of 150 % past the browser's own check and
// expects the form back with status 400 and the error next to the field.
func TestReportFormRejectsBadProgress(t *testing.T) {
	t.Parallel()
	axe := Axe(t)
	b := Shared(t)
	s := startSite(t)
	const lang = i18n.En
	ctx := b.NewTab(t)
	login(t, ctx, s, "gxt.officer", s.itemPath(), lang)
	fill(t, ctx, "#body", "Progress typed wrong.")
	fill(t, ctx, "#progress", "150")
	if eval[bool](t, ctx, `document.getElementById("progress").checkValidity()`) {
		t.Error("the browser accepts a progress of 150: the field lost its max")
	}
	// Skip the browser's check, as an old browser or a hand-made request would.
	eval[bool](t, ctx, `document.getElementById("progress").form.noValidate = true`)
	if status := submit(t, ctx, `form[action$="/reports"] button[type=submit]`); status != 400 {
		t.Fatalf("progress 150: status %d, want 400", status)
	}
	type field struct {
		Invalid     string `json:"invalid"`
		DescribedBy string `json:"describedBy"`
		Error       string `json:"error"`
		Beside      bool   `json:"beside"`
		Alert       string `json:"alert"`
		Body        string `json:"body"`
		Value       string `json:"value"`
	}
	got := eval[field](t, ctx, `(() => {
		const f = document.getElementById("progress");
		const e = document.getElementById(f.getAttribute("aria-describedby") || "progress-error");
		const a = document.querySelector('[role="alert"]');
		return {
			invalid: f.getAttribute("aria-invalid") || "",
			describedBy: f.getAttribute("aria-describedby") || "",
			error: e ? e.textContent.trim() : "",
			beside: e !== null && e.parentElement === f.parentElement,
			alert: a ? a.textContent.trim() : "",
			body: document.getElementById("body").value,
			value: f.value,
		};
	})()`)
	want := field{
		Invalid: "true", DescribedBy: "progress-error", Error: i18n.T(lang, "plan.error.progress_range"), Beside: true,
		Alert: i18n.T(lang, "plan.error.progress_range"), Body: "Progress typed wrong.", Value: "150",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("form after progress 150 mismatch (-want +got):\n%s", diff)
	}
	checkAxe(t, ctx, axe)
}
