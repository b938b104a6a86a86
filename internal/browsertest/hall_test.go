package browsertest

import (
	"context"
	"image/color"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/calendar"
	"github.com/yiwang-platform/yiwang/internal/catalog"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/i18n"
)

// TestRestaurantBundleInBrowser takes the demo's "opening a restaurant" bundle (开餐馆一件事)
// from the search to the rating in headless Chromium, as the people involved would, with the
// platform's clock set to the last working day before National Day 2026, so that every
// statutory clock runs across the holiday (1–7 October) and its make-up Saturday (10 October):
//
//   - Wednesday 30 September: a resident who will run the restaurant as an individual business
//     (個體工商戶) signs in with a text-message code and, as himself, searches 開餐館 in
//     Traditional Chinese, opens the bundle's guide and applies — one form (first sent with a
//     wrong mobile number, refused beside the field), seven materials as real PDF, PNG and JPEG
//     files — and reads the case number. Each
//     department's window accepts its case; the market regulator's window asks for the floor
//     plan again (補正), which pauses that case's clock.
//   - Thursday 8 October: he reads the request in his inbox, supplies a new floor plan and
//     resubmits; the clock runs again, its due date pushed back by the one working day it was
//     paused. The reviewers review; the one-day items are decided.
//   - Friday 9 October: the other items are decided; the signboard's fee order opens and he pays
//     it at the sandbox acquirer's cashier; the case shows it paid once the acquirer's
//     notification has arrived.
//   - Saturday 10 October, a working day: every decision is delivered, the bundle completes and
//     he rates the food licence's service; anyone with the bundle's number and query code can
//     look its status up.
//
// Every due date the pages show is checked against calendar.AddWorkingDays computed here.
func TestRestaurantBundleInBrowser(t *testing.T) {
	t.Parallel()
	b := Shared(t)
	cal, err := calendar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	start := china(2026, 9, 30, 9, 0)
	if !cal.IsWorkingDay(start) || cal.IsWorkingDay(china(2026, 10, 1, 12, 0)) || !cal.IsWorkingDay(china(2026, 10, 10, 12, 0)) {
		t.Fatalf("the calendar does not know National Day 2026 (30 Sep working, 1 Oct off, 10 Oct a make-up day): the test would prove nothing")
	}
	clk := clock.NewFake(start)
	s := startHallSite(t, clk)

	const rlang, olang = i18n.ZhHant, i18n.ZhHans // the applicant reads Traditional Chinese, the officials Simplified
	owner := demo.Residents[1]
	items := bundleItems(t, demo.BundleRestaurant)
	if len(items) != 5 {
		t.Fatalf("the restaurant bundle has %d items, want 5", len(items))
	}
	item := func(basic string) catalog.Item {
		i := slices.IndexFunc(items, func(it catalog.Item) bool { return it.BasicCode == basic })
		if i < 0 {
			t.Fatalf("the restaurant bundle has no item %s", basic)
		}
		return items[i]
	}
	registration, food, signboard := item(basicRegistration), item("000101021000"), item(basicSignboard)
	drainage, tax := item("000117012000"), item("001001001000")
	// Who handles each organisation's steps (internal/demo/hall.go).
	handler := map[string]string{"fz-urban-management": "fzcg.handler", "fz-construction": "fzjs.handler", "fj-tax": "sw.handler"}
	if signboard.Org != "fz-urban-management" || len(signboard.Fees) != 1 || signboard.Fees[0].AmountFen != 20000 {
		t.Fatalf("the signboard item is not fz-urban-management's with its 200-yuan fee: %+v", signboard.Fees)
	}

	// Files as the applicant keeps them on his computer.
	dir := t.TempDir()
	files := map[string]string{
		"application":       writeFile(t, dir, "申請表.pdf", onePDF("Application: Rongcheng tea restaurant")),
		"premises-proof":    writeFile(t, dir, "租賃合同.jpg", jpegOf(320, 240)),
		"floor-plan":        writeFile(t, dir, "平面圖.png", pngOf(240, 160, color.Black)),
		"food-safety-rules": writeFile(t, dir, "食品安全管理制度.pdf", onePDF("Food safety management rules")),
		"sign-design":       writeFile(t, dir, "招牌設計.png", pngOf(300, 80, color.RGBA{200, 20, 20, 255})),
		"drainage-plan":     writeFile(t, dir, "排水管網圖.pdf", onePDF("Drainage plan: grease trap, well, outlet")),
		"grease-trap":       writeFile(t, dir, "隔油池說明.jpg", jpegOf(200, 200)),
	}
	newFloorPlan := writeFile(t, dir, "平面圖-修訂.png", pngOf(240, 160, color.RGBA{0, 0, 160, 255}))

	// Expected clocks, computed here from the calendar alone.
	due := func(accepted time.Time, limit, pausedDays int) string {
		return day(cal.AddWorkingDays(accepted, limit+pausedDays))
	}

	// ---- Wednesday 30 September: the application ----------------------------------------------
	var parentID, parentNumber, queryCode string
	caseIDs := map[string]string{} // item code → case id
	numbers := map[string]string{} // item code → case number
	t.Run("apply", func(t *testing.T) {
		ctx := b.NewTab(t)
		residentLogin(t, ctx, s, owner.Phone, "/services", rlang)

		// The search, typed into the box as a person would, in Traditional characters.
		open(t, ctx, s.page("/services", rlang))
		fill(t, ctx, "#search-q", "開餐館")
		if status := submit(t, ctx, `form[role="search"] .search-box button[type=submit]`); status != 200 {
			t.Fatalf("search: %d", status)
		}
		if got := attr(t, ctx, "#results li:first-child h3 a", "href"); got != "/services/bundles/"+demo.BundleRestaurant {
			t.Fatalf("開餐館 finds %q first (%s), want the restaurant bundle", got, text(t, ctx, "#results li:first-child h3 a"))
		}
		if got, want := text(t, ctx, "#results li:first-child h3 a"), "開餐館一件事"; got != want {
			t.Errorf("first result reads %q, want %q", got, want)
		}
		if got := text(t, ctx, "#results li:first-child .fee"); !strings.Contains(got, "200") {
			t.Errorf("the bundle's result says it costs %q, want the signboard's 200 yuan", got)
		}

		// The guide: five items of four departments, one comprehensive licence at the end.
		if status := submit(t, ctx, "#results li:first-child h3 a"); status != 200 {
			t.Fatalf("open the guide: %d", status)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll('#items-table tbody tr').length`); n != 5 {
			t.Errorf("the guide lists %d items, want 5", n)
		}
		if got := text(t, ctx, "#result-licence"); got != "行業綜合許可證（餐飲）" {
			t.Errorf("the guide's result licence reads %q", got)
		}
		if status := submit(t, ctx, "#apply-link"); status != 200 {
			t.Fatalf("open the form: %d", status)
		}
		if got := eval[string](t, ctx, `location.pathname`); got != "/apply/bundle/"+demo.BundleRestaurant {
			t.Fatalf("the apply link leads to %s", got)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll('#bundle-items li').length`); n != 5 {
			t.Errorf("the form lists %d items, want 5", n)
		}

		// Every file the form asks for is one of his files (the licence materials he consents to
		// have fetched instead).
		inputs := eval[[]string](t, ctx, `[...document.querySelectorAll('#apply-form li[data-source=applicant] input[type=file]')].map(e => e.id)`)
		want := make([]string, 0, len(files))
		for code := range files {
			want = append(want, "m-"+code)
		}
		slices.Sort(inputs)
		slices.Sort(want)
		if !slices.Equal(inputs, want) {
			t.Fatalf("the form asks for files %v, the test has %v", inputs, want)
		}
		fillForm := func(mobile string) {
			for id, v := range map[string]string{
				"#f-seats": "60", "#f-enterprise_name": "福州市鼓楼区榕城茶餐厅", "#f-applicant_name": owner.Name,
				"#f-id_number": owner.IDNumber, "#f-mobile": mobile, "#f-premises": "福州市鼓楼区杨桥东路18号1层",
				"#f-floor_area": "120.5", "#f-sign_area": "6", "#f-daily_volume": "8",
			} {
				fill(t, ctx, id, v)
			}
			for id, v := range map[string]string{"#f-business_type": "catering", "#f-food_type": "restaurant", "#f-taxpayer": "small"} {
				if err := chromedpSelect(ctx, id, v); err != nil {
					t.Fatal(err)
				}
			}
			setDate(t, ctx, "#f-opening_date", time.Date(2026, 11, 18, 0, 0, 0, 0, clock.China))
			for code, path := range files {
				setFiles(t, ctx, "#m-"+code, path)
			}
			eval[bool](t, ctx, `document.querySelector('#f-licence_consent').checked = true`)
		}

		// A mobile number one digit short: refused beside the field, the rest kept.
		fillForm("1370591886")
		if status := submit(t, ctx, "#apply-submit"); status != 400 {
			t.Fatalf("a 10-digit mobile number: %d, want 400 (%s)", status, alerts(t, ctx))
		}
		type fieldState struct {
			Invalid, DescribedBy, Error, Summary, Name string
			Links                                      int
			FilesAgain                                 bool
		}
		got := eval[fieldState](t, ctx, `(() => {
			const f = document.getElementById("f-mobile"), e = document.getElementById("f-mobile-error");
			return {invalid: f.getAttribute("aria-invalid") || "", describedBy: f.getAttribute("aria-describedby") || "",
				error: e ? e.textContent.trim() : "",
				summary: (document.querySelector('#apply-errors a[href="#f-mobile"]') || {textContent: ""}).textContent.trim(),
				name: document.getElementById("f-enterprise_name").value,
				links: document.querySelectorAll('#apply-errors a').length,
				filesAgain: document.getElementById("files-again") !== null};
		})()`)
		msg := i18n.T(rlang, "formschema.format.mobile")
		if got.Invalid != "true" || !strings.Contains(got.DescribedBy, "f-mobile-error") || got.Error != msg ||
			!strings.HasSuffix(got.Summary, msg) || got.Links != 1 || got.Name != "福州市鼓楼区榕城茶餐厅" || !got.FilesAgain {
			t.Errorf("form after the wrong mobile number: %+v, want the error %q beside the field and alone in the summary", got, msg)
		}

		// Corrected, with the files chosen again: the case number.
		fillForm(owner.Phone)
		if status := submit(t, ctx, "#apply-submit"); status != 200 {
			t.Fatalf("submit: %d (%s)", status, alerts(t, ctx))
		}
		parentNumber = text(t, ctx, "#case-number")
		if !regexp.MustCompile(`^[0-9]{6}-20260930-[0-9]+$`).MatchString(parentNumber) {
			t.Errorf("case number %q is not region-20260930-sequence", parentNumber)
		}
		queryCode = text(t, ctx, "#query-code")
		if len(queryCode) < 6 {
			t.Errorf("query code %q", queryCode)
		}
		rows := eval[[][]string](t, ctx, `[...document.querySelectorAll('#children tbody tr')].map(r => [...r.cells].map(c => c.textContent.trim()))`)
		if len(rows) != 5 {
			t.Fatalf("the confirmation lists %d cases, want one per item", len(rows))
		}
		for _, it := range items {
			i := slices.IndexFunc(rows, func(r []string) bool { return len(r) > 1 && r[1] == it.NameHant })
			if i < 0 {
				t.Errorf("the confirmation has no case for %s: %v", it.NameHant, rows)
				continue
			}
			numbers[it.Code] = rows[i][0]
		}
		received := text(t, ctx, "#received")
		for _, p := range files {
			if name := p[strings.LastIndex(p, "/")+1:]; !strings.Contains(received, name) {
				t.Errorf("the confirmation does not list %s among the materials received", name)
			}
		}
		href := attr(t, ctx, `ul.links a[href^="/my/cases/"]`, "href")
		parentID = strings.TrimPrefix(href, "/my/cases/")
		if parentID == "" {
			t.Fatal("no link to follow the case")
		}

		// The bundle's page: one case per item, each with its department.
		open(t, ctx, s.page("/my/cases/"+parentID, rlang))
		children := eval[[][]string](t, ctx, `[...document.querySelectorAll('#children tbody tr')].map(r => [r.id.replace(/^child-/, ""), r.cells[1].textContent.trim()])`)
		for _, c := range children {
			for _, it := range items {
				if c[1] == it.NameHant {
					caseIDs[it.Code] = c[0]
				}
			}
		}
		if len(caseIDs) != 5 {
			t.Fatalf("the bundle's page lists cases %v, want one per item", children)
		}
	})
	if t.Failed() {
		return
	}

	// ---- the officials ------------------------------------------------------------------------
	// asOfficial opens a tab signed in as who, on the worklist, which must list exactly the
	// cases of the bundle that are its organisation's.
	asOfficial := func(t *testing.T, who, org string) context.Context {
		t.Helper()
		clk.Advance(time.Minute)
		ctx := b.NewTab(t)
		login(t, ctx, s, who, "/work/cases", olang)
		for _, it := range items {
			listed := exists(t, ctx, "#worklist tr#case-"+caseIDs[it.Code])
			if listed != (it.Org == org) {
				t.Errorf("%s's worklist lists %s: %v", who, it.NameHans, listed)
			}
		}
		return ctx
	}
	// act takes a step on the case of item it through its form and checks the page says so.
	act := func(t *testing.T, ctx context.Context, it catalog.Item, action, done, status string, fillIn func()) {
		t.Helper()
		open(t, ctx, s.page("/work/cases/"+caseIDs[it.Code], olang))
		if fillIn != nil {
			fillIn()
		}
		if st := submit(t, ctx, "#"+action+"-form button[type=submit]"); st != 200 {
			t.Fatalf("%s %s: %d (%s)", action, it.NameHans, st, alerts(t, ctx))
		}
		if got, want := text(t, ctx, "#case-done"), i18n.T(olang, "cases.work_case.done_"+done); got != want {
			t.Errorf("%s %s: the page says %q, want %q", action, it.NameHans, got, want)
		}
		if got := attr(t, ctx, "#case-status", "data-status"); got != status {
			t.Errorf("after %s %s is %q, want %q", action, it.NameHans, got, status)
		}
		want := i18n.T(olang, "cases.status."+status)
		if status == "completed" {
			want += i18n.T(olang, "cases.page.outcome_suffix", i18n.T(olang, "cases.outcome.approved"))
		}
		if got := text(t, ctx, "#case-status"); got != want {
			t.Errorf("after %s %s reads %q, want %q", action, it.NameHans, got, want)
		}
	}
	accept := func(t *testing.T, ctx context.Context, it catalog.Item) {
		act(t, ctx, it, "accept", "accept", "accepted", nil)
	}
	review := func(t *testing.T, ctx context.Context, it catalog.Item) {
		act(t, ctx, it, "review", "review", "reviewed", func() { fill(t, ctx, "#review-opinion", "材料齐全，符合法定形式，建议准予许可。") })
	}
	decide := func(t *testing.T, ctx context.Context, it catalog.Item, status string) {
		act(t, ctx, it, "decide", "decide", status, func() {
			if err := chromedpClick(ctx, "#decide-approve"); err != nil {
				t.Fatal(err)
			}
			fill(t, ctx, "#decide-reasons", "经审查，申请符合法定条件和标准，准予许可。")
		})
		if got := attr(t, ctx, "#decision-outcome", "data-outcome"); got != "approved" {
			t.Errorf("%s: decision outcome %q", it.NameHans, got)
		}
		if !exists(t, ctx, `#decision a[href^="/ledger/entries/"]`) {
			t.Errorf("%s: the decision has no ledger entry", it.NameHans)
		}
	}
	deliver := func(t *testing.T, ctx context.Context, it catalog.Item) {
		act(t, ctx, it, "deliver", "deliver", "completed", nil)
	}
	// clockShows checks the clock of the case page the tab shows.
	clockShows := func(t *testing.T, ctx context.Context, lang i18n.Lang, what, state, dueOn string, used, paused int) {
		t.Helper()
		if got := text(t, ctx, "#clock-due"); got != dueOn {
			t.Errorf("%s: due date %q, want %s", what, got, dueOn)
		}
		if got, want := text(t, ctx, "#clock-state"), i18n.T(lang, "cases.clock."+state); !strings.HasPrefix(got, want) {
			t.Errorf("%s: clock %q, want %q", what, got, want)
		}
		if used >= 0 {
			if got, want := text(t, ctx, "#clock-used"), i18n.T(lang, "cases.page.days", used); got != want {
				t.Errorf("%s: used %q, want %q", what, got, want)
			}
		}
		if got, want := text(t, ctx, "#clock-paused"), i18n.T(lang, "cases.page.days", paused); !strings.HasPrefix(got, want) {
			t.Errorf("%s: paused %q, want %q", what, got, want)
		}
	}

	var accepted time.Time
	t.Run("accept-30-september", func(t *testing.T) {
		clk.Set(china(2026, 9, 30, 10, 0))
		ctx := asOfficial(t, "fzscj.window", "fz-market-regulation")
		accepted = clk.Now()
		accept(t, ctx, registration)
		clockShows(t, ctx, olang, "registration", "running", due(accepted, 1, 0), 0, 0)
		accept(t, ctx, food)
		clockShows(t, ctx, olang, "food licence", "running", due(accepted, 5, 0), 0, 0)
		// The floor plan does not show where the kitchen ends: asked for again, the clock stops.
		act(t, ctx, food, "request-materials", "request", "supplement_requested", func() {
			if err := chromedpClick(ctx, `#request-materials-form input[name="materials"][value="floor-plan"]`); err != nil {
				t.Fatal(err)
			}
			fill(t, ctx, "#request-materials-note", "平面布局图未标明后厨与就餐区的分隔，请补正后重新提交。")
		})
		clockShows(t, ctx, olang, "food licence in 補正", "paused", due(accepted, 5, 0), 0, 0)

		for _, it := range []catalog.Item{signboard, drainage, tax} {
			ctx := asOfficial(t, handler[it.Org], it.Org)
			accept(t, ctx, it)
			// Accepted on 30 September: the limit counts from 8 October.
			clockShows(t, ctx, olang, it.NameHans, "running", due(accepted, it.PromisedDays, 0), 0, 0)
		}
	})
	if t.Failed() {
		return
	}

	// ---- Thursday 8 October: the material supplied; reviews; the one-day items decided -----------
	t.Run("supply-8-october", func(t *testing.T) {
		clk.Set(china(2026, 10, 8, 9, 30))
		ctx := b.NewTab(t)
		residentLogin(t, ctx, s, owner.Phone, "/inbox", rlang)
		inbox := text(t, ctx, "#messages")
		if !strings.Contains(inbox, numbers[food.Code]) || !strings.Contains(inbox, "補正") {
			t.Errorf("the inbox does not tell of the request for materials on %s: %q", numbers[food.Code], inbox)
		}
		// The bundle's page: each running case with its due date, the holiday not counted.
		open(t, ctx, s.page("/my/cases/"+parentID, rlang))
		for _, it := range []catalog.Item{registration, signboard, drainage, tax} {
			row := text(t, ctx, "#child-"+caseIDs[it.Code])
			if want := due(accepted, it.PromisedDays, 0); !strings.Contains(row, want) {
				t.Errorf("the bundle's row of %s reads %q, want the due date %s", it.NameHant, row, want)
			}
		}
		if got := attr(t, ctx, "#child-"+caseIDs[food.Code]+" td[data-status]", "data-status"); got != "supplement_requested" {
			t.Errorf("the bundle's row of the food licence is %q", got)
		}
		open(t, ctx, s.page("/my/cases/"+caseIDs[food.Code], rlang))
		if got, want := text(t, ctx, "#case-status"), i18n.T(rlang, "cases.status.supplement_requested"); got != want {
			t.Errorf("food licence reads %q, want %q", got, want)
		}
		if got := text(t, ctx, "#supplement-note"); !strings.Contains(got, "后厨与就餐区") {
			t.Errorf("the request reads %q", got)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll('#supplement li.material').length`); n != 1 {
			t.Errorf("%d materials asked for, want the floor plan", n)
		}
		// Paused over the holiday: of 30 Sep → 8 Oct only 8 October is a working day.
		paused := cal.WorkingDaysBetween(accepted, clk.Now())
		if paused != 1 {
			t.Fatalf("calendar: %d working days between 30 Sep and 8 Oct, want 1", paused)
		}
		clockShows(t, ctx, rlang, "food licence while paused", "paused", due(accepted, 5, paused), 0, paused)

		clk.Advance(5 * time.Minute)
		setFiles(t, ctx, "#upload-m-floor-plan", newFloorPlan)
		if status := submit(t, ctx, `#supply-m-floor-plan button[type=submit]`); status != 200 {
			t.Fatalf("upload the floor plan: %d (%s)", status, alerts(t, ctx))
		}
		if got, want := text(t, ctx, "#case-done"), i18n.T(rlang, "cases.case.done_uploaded"); got != want {
			t.Errorf("after the upload the page says %q, want %q", got, want)
		}
		if status := submit(t, ctx, "#resubmit-form button"); status != 200 {
			t.Fatalf("resubmit: %d (%s)", status, alerts(t, ctx))
		}
		if got, want := text(t, ctx, "#case-done"), i18n.T(rlang, "cases.case.done_resubmitted"); got != want {
			t.Errorf("after resubmitting the page says %q, want %q", got, want)
		}
		if got := attr(t, ctx, "#case-status", "data-status"); got != "accepted" {
			t.Errorf("resubmitted after acceptance, the case is %q, want accepted again", got)
		}
		clockShows(t, ctx, rlang, "food licence resumed", "running", due(accepted, 5, 1), 0, 1)
		if got := text(t, ctx, "#material-m-floor-plan"); !strings.Contains(got, "平面圖-修訂.png") {
			t.Errorf("the floor plan row reads %q, want the new file", got)
		}
	})
	if t.Failed() {
		return
	}

	t.Run("review-8-october", func(t *testing.T) {
		clk.Set(china(2026, 10, 8, 10, 0))
		ctx := asOfficial(t, "fzscj.reviewer", "fz-market-regulation")
		review(t, ctx, registration)
		review(t, ctx, food)
		ctx = asOfficial(t, "fzscj.approver", "fz-market-regulation")
		decide(t, ctx, registration, "approved")
		// A one-day limit met on its last day, the holiday not counted.
		clockShows(t, ctx, olang, "registration decided", "stopped", due(accepted, 1, 0), 1, 0)
		ctx = asOfficial(t, handler[tax.Org], tax.Org)
		review(t, ctx, tax)
		decide(t, ctx, tax, "approved")
		clockShows(t, ctx, olang, "tax decided", "stopped", due(accepted, 1, 0), 1, 0)
		for _, it := range []catalog.Item{signboard, drainage} {
			review(t, asOfficial(t, handler[it.Org], it.Org), it)
		}
	})
	if t.Failed() {
		return
	}

	// ---- Friday 9 October: the other decisions; the fee paid -------------------------------------
	t.Run("decide-9-october", func(t *testing.T) {
		clk.Set(china(2026, 10, 9, 9, 30))
		ctx := asOfficial(t, "fzscj.approver", "fz-market-regulation")
		decide(t, ctx, food, "approved")
		// Two working days since acceptance (8 and 9 October), one of them paused.
		clockShows(t, ctx, olang, "food licence decided", "stopped", due(accepted, 5, 1), 1, 1)
		ctx = asOfficial(t, handler[signboard.Org], signboard.Org)
		decide(t, ctx, signboard, "awaiting_payment")
		clockShows(t, ctx, olang, "signboard decided", "stopped", due(accepted, 5, 0), 2, 0)
		ctx = asOfficial(t, handler[drainage.Org], drainage.Org)
		decide(t, ctx, drainage, "approved")
		clockShows(t, ctx, olang, "drainage decided", "stopped", due(accepted, 7, 0), 2, 0)
	})
	if t.Failed() {
		return
	}

	t.Run("pay-9-october", func(t *testing.T) {
		clk.Set(china(2026, 10, 9, 10, 30))
		ctx := b.NewTab(t)
		residentLogin(t, ctx, s, owner.Phone, "/my/cases", rlang)
		casePage := s.page("/my/cases/"+caseIDs[signboard.Code], rlang)
		open(t, ctx, casePage)
		if got, want := text(t, ctx, "#case-status"), i18n.T(rlang, "cases.status.awaiting_payment"); got != want {
			t.Errorf("the signboard case reads %q, want %q", got, want)
		}
		if status := submit(t, ctx, "#pay a.button"); status != 200 {
			t.Fatalf("open the payment page: %d", status)
		}
		orderPath := eval[string](t, ctx, `location.pathname`)
		if !strings.HasPrefix(orderPath, "/pay/") {
			t.Fatalf("the pay button leads to %s", orderPath)
		}
		if got := text(t, ctx, "#total"); got != "¥200.00" {
			t.Errorf("the order's total reads %q, want ¥200.00", got)
		}
		if got := text(t, ctx, "#reference"); got != numbers[signboard.Code] {
			t.Errorf("the order is for %q, want case %s", got, numbers[signboard.Code])
		}
		if got := attr(t, ctx, "#state", "class"); !strings.Contains(got, "unpaid") {
			t.Errorf("before paying the order is %q", got)
		}
		if status := submit(t, ctx, "#pay-button"); status != 200 {
			t.Fatalf("go to the cashier: %d (%s)", status, alerts(t, ctx))
		}
		if got := eval[string](t, ctx, `location.pathname`); !strings.HasPrefix(got, "/sandbox/acquirer/cashier/") {
			t.Fatalf("paying leads to %s, want the sandbox acquirer's cashier", got)
		}
		if got := text(t, ctx, "#amount"); got != "¥200.00" {
			t.Errorf("the cashier asks for %q, want ¥200.00", got)
		}
		if err := chromedpClick(ctx, `#pay input[name="method"]`); err != nil {
			t.Fatal(err)
		}
		if status := submit(t, ctx, `#pay button[type=submit]`); status != 200 {
			t.Fatalf("pay at the cashier: %d", status)
		}
		if got := eval[string](t, ctx, `location.pathname`); got != orderPath {
			t.Errorf("the cashier returns to %s, want %s", got, orderPath)
		}
		// The acquirer tells the platform by a signed notification of its own, some time later.
		waitFor(t, ctx, s.page(orderPath, rlang), `document.querySelector('#state.paid') !== null`, 30*time.Second)
		if got, want := text(t, ctx, "#state .pay-status"), i18n.T(rlang, "payments.status.paid"); got != want {
			t.Errorf("the order reads %q, want %q", got, want)
		}
		// The payment reaches the case through the platform's events, later still.
		waitFor(t, ctx, casePage, `document.querySelector('#case-status[data-status="approved"]') !== null`, 30*time.Second)
		if !exists(t, ctx, "#paid") || exists(t, ctx, "#pay") {
			t.Errorf("the paid case shows paid %v and the pay button %v", exists(t, ctx, "#paid"), exists(t, ctx, "#pay"))
		}
	})
	if t.Failed() {
		return
	}

	// ---- Saturday 10 October, a make-up working day: delivery, the rating ---------------------------
	t.Run("deliver-10-october", func(t *testing.T) {
		clk.Set(china(2026, 10, 10, 9, 30))
		ctx := asOfficial(t, "fzscj.window", "fz-market-regulation")
		deliver(t, ctx, registration)
		deliver(t, ctx, food)
		for _, it := range []catalog.Item{signboard, drainage, tax} {
			deliver(t, asOfficial(t, handler[it.Org], it.Org), it)
		}
	})
	if t.Failed() {
		return
	}

	t.Run("rate-10-october", func(t *testing.T) {
		clk.Set(china(2026, 10, 10, 11, 0))
		ctx := b.NewTab(t)
		residentLogin(t, ctx, s, owner.Phone, "/my/cases", rlang)
		open(t, ctx, s.page("/my/cases/"+parentID, rlang))
		done := i18n.T(rlang, "cases.status.completed") + i18n.T(rlang, "cases.page.outcome_suffix", i18n.T(rlang, "cases.outcome.approved"))
		if got := text(t, ctx, "#case-status"); got != done {
			t.Errorf("the bundle reads %q, want %q", got, done)
		}
		if got := eval[[]string](t, ctx, `[...document.querySelectorAll('#children td[data-status]')].map(e => e.dataset.status)`); len(got) != 5 ||
			slices.ContainsFunc(got, func(st string) bool { return st != "completed" }) {
			t.Errorf("the bundle's cases are %v, want five completed", got)
		}
		// The bundle as a whole is rated for its lead organisation, and each department's service
		// from its own case: here the market regulator's food licence, the one that asked for a
		// material again.
		if !eval[bool](t, ctx, `document.querySelector('#rate a.button') !== null`) {
			t.Error("the completed bundle offers no rating")
		}
		if status := submit(t, ctx, "#child-"+caseIDs[food.Code]+" a"); status != 200 {
			t.Fatalf("open the food licence's case: %d", status)
		}
		if status := submit(t, ctx, "#rate a.button"); status != 200 {
			t.Fatalf("open the rating: %d", status)
		}
		if got := text(t, ctx, "#case-number"); got != numbers[food.Code] {
			t.Errorf("the rating is for %q, want %s", got, numbers[food.Code])
		}
		if status := submit(t, ctx, "#level-5"); status != 200 {
			t.Fatalf("choose 非常滿意: %d", status)
		}
		if err := chromedpClick(ctx, "#rating-tag-0"); err != nil {
			t.Fatal(err)
		}
		comment := "一次填報、一套材料，補正一次講清楚，國慶假期後三個工作日就辦完了。"
		fill(t, ctx, "#rating-comment", comment)
		if status := submit(t, ctx, "#rating-submit"); status != 200 {
			t.Fatalf("rate: %d (%s)", status, alerts(t, ctx))
		}
		if got, want := text(t, ctx, "#done"), i18n.T(rlang, "ratings.case.done_rated"); got != want {
			t.Errorf("after rating the page says %q, want %q", got, want)
		}
		if got, want := text(t, ctx, "#given-level"), i18n.T(rlang, "ratings.level.5"); got != want {
			t.Errorf("the rating given reads %q, want %q", got, want)
		}
		if got := text(t, ctx, "#given-comment"); got != comment {
			t.Errorf("the comment reads %q", got)
		}

		// Anyone with the number and the query code sees the status, without signing in.
		anon := b.NewTab(t)
		open(t, anon, s.page("/lookup", rlang))
		fill(t, anon, "#lookup-number-input", parentNumber)
		fill(t, anon, "#lookup-code", queryCode)
		if status := submit(t, anon, `#lookup-form button[type=submit]`); status != 200 {
			t.Fatalf("look up: %d (%s)", status, alerts(t, anon))
		}
		if got := text(t, anon, "#lookup-status"); got != done {
			t.Errorf("the lookup says %q, want %q", got, done)
		}
	})
	t.Logf("bundle %s: cases %v", parentNumber, numbers)
}
