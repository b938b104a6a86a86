package plan_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/xuri/excelize/v2"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/calendar"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/plan"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/requestid"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// testStart is when the service tests run unless they move the clock: a Tuesday in the plan's
// own year, so that the default deadline (2021-12-31) lies ahead.
var testStart = time.Date(2021, 6, 1, 9, 0, 0, 0, clock.China)

// testRequestID is the request id every change in these tests carries into audit and outbox.
const testRequestID = "plan-service-test"

// The principals the tests act as.
var (
	anonymous      = principal.Principal{Kind: principal.Anonymous}
	resident       = principal.Principal{Kind: principal.Resident, AccountID: 11, Login: "resident.lin", Name: "林小梅"}
	miitOfficer    = principal.Principal{Kind: principal.Official, AccountID: 21, Login: "gxt.officer", OrgCode: "fj-miit"}
	drcOfficer     = principal.Principal{Kind: principal.Official, AccountID: 22, Login: "fgw.officer", OrgCode: "fj-drc"}
	officeReviewer = principal.Principal{Kind: principal.Official, AccountID: 31, Login: "szb.reviewer", OrgCode: plan.DefaultCoordinator, Roles: []string{principal.RoleReviewer}}
	officeOfficial = principal.Principal{Kind: principal.Official, AccountID: 32, Login: "szb.clerk", OrgCode: plan.DefaultCoordinator}
	officeAdmin    = principal.Principal{Kind: principal.Official, AccountID: 33, Login: "szb.admin", OrgCode: plan.DefaultCoordinator, Roles: []string{principal.RoleAdministrator}}
	system         = principal.SystemPrincipal
)

// fixture is one fresh database with the organisation directory and the plan service over it.
type fixture struct {
	db  *store.DB
	svc *plan.Service
	clk *clock.Fake
	ctx context.Context // carries the request id, no principal
}

// eachStore runs fn on a fresh SQLite and a fresh PostgreSQL database whose transactions take
// their time from a fake clock set to testStart.
func eachStore(t *testing.T, fn func(t *testing.T, f *fixture)) {
	t.Helper()
	clk := clock.NewFake(testStart)
	storetest.EachWith(t, storetest.Options{Clock: clk}, func(t *testing.T, db *store.DB) {
		clk.Set(testStart)
		fn(t, newFixture(t, db, clk))
	})
}

func newFixture(tb testing.TB, db *store.DB, clk *clock.Fake) *fixture {
	tb.Helper()
	ctx := requestid.With(context.Background(), testRequestID)
	if _, err := org.Seed(principal.With(ctx, system), db, org.Directory()); err != nil {
		tb.Fatalf("org.Seed: %v", err)
	}
	cal, err := calendar.New(nil)
	if err != nil {
		tb.Fatal(err)
	}
	return &fixture{db: db, svc: plan.New(db, cal), clk: clk, ctx: ctx}
}

// as returns a context acting as p.
func (f *fixture) as(p principal.Principal) context.Context { return principal.With(f.ctx, p) }

// importSeed imports the 2021 plan as the system and returns what Import said.
func (f *fixture) importSeed(t *testing.T) *plan.ImportResult {
	t.Helper()
	res, err := f.svc.Import(f.as(system), readSeed(t))
	if err != nil {
		t.Fatalf("Import(seed) = %v", err)
	}
	return res
}

// latest returns the stored plan.
func (f *fixture) latest(t *testing.T) *plan.Document {
	t.Helper()
	d, err := f.svc.Latest(f.ctx)
	if err != nil {
		t.Fatalf("Latest = %v", err)
	}
	return d
}

// item returns the stored item with the given ordinal ((二十五) is 25).
func (f *fixture) item(t *testing.T, ordinal int) *plan.Item {
	t.Helper()
	for _, it := range f.latest(t).Items() {
		if it.Ordinal == ordinal {
			return it
		}
	}
	t.Fatalf("no item %d", ordinal)
	return nil
}

// countedTables are every table a plan change may write, with the audit log and the outbox.
var countedTables = []string{
	"plan_documents", "plan_revisions", "plan_sections", "plan_items", "plan_item_units", "plan_assignments",
	"plan_targets", "plan_damage", "plan_reports", "plan_report_figures", "plan_report_attachments",
	"blobs", "audit_events", "events",
}

// counts returns the number of rows of every counted table.
func (f *fixture) counts(t *testing.T) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range countedTables {
		var n int
		if err := f.db.Get(f.ctx, &n, `SELECT COUNT(*) FROM `+table); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		out[table] = n
	}
	return out
}

// snapshot is the full export of the stored plan, reports included, as JSON ("" when there is
// no plan).
func (f *fixture) snapshot(t *testing.T) string {
	t.Helper()
	e, err := f.svc.BuildExport(f.as(system), 0)
	if errs.Is(err, errs.NotFound) {
		return ""
	}
	if err != nil {
		t.Fatalf("BuildExport = %v", err)
	}
	var b bytes.Buffer
	if err := e.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// topics returns the topics in the outbox, oldest first.
func (f *fixture) topics(t *testing.T) []string {
	t.Helper()
	var out []string
	if err := f.db.Select(f.ctx, &out, `SELECT topic FROM events ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	return out
}

// auditOf returns the actions recorded on one object, oldest first.
func (f *fixture) auditOf(t *testing.T, objectType string, id int64) []audit.Event {
	t.Helper()
	evs, err := audit.List(f.ctx, f.db, audit.Filter{ObjectType: objectType, ObjectID: strconv.FormatInt(id, 10)})
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(evs)
	return evs
}

func actions(evs []audit.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Action)
	}
	return out
}

// submit files a report and fails the test if that is refused.
func (f *fixture) submit(t *testing.T, p principal.Principal, ordinal int, in plan.ReportInput) *plan.Report {
	t.Helper()
	if in.Body == "" {
		in.Body = "進展順利。"
	}
	r, err := f.svc.SubmitReport(f.as(p), f.item(t, ordinal).ID, in)
	if err != nil {
		t.Fatalf("SubmitReport(%s on %d) = %v", p.Login, ordinal, err)
	}
	return r
}

// review reviews a report as the digital office's reviewer and fails the test if refused.
func (f *fixture) review(t *testing.T, id int64, accept bool, comment string) *plan.Report {
	t.Helper()
	r, err := f.svc.ReviewReport(f.as(officeReviewer), id, accept, comment)
	if err != nil {
		t.Fatalf("ReviewReport(%d) = %v", id, err)
	}
	return r
}

// checkErr fails unless err is of kind want (nil when want is "") and, when field is set,
// names that input field.
func checkErr(t *testing.T, err error, want errs.Kind, field string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("error %v, want success", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("no error, want %s", want)
	}
	if got := errs.KindOf(err); got != want {
		t.Fatalf("error kind %q (%v), want %q", got, err, want)
	}
	if field != "" {
		if got := errs.Public(err).Field; got != field {
			t.Fatalf("error names field %q (%v), want %q", got, err, field)
		}
	}
}

func TestImportSeed(t *testing.T) {
	eachStore(t, func(t *testing.T, f *fixture) {
		topicsBefore := f.topics(t)
		res := f.importSeed(t)

		type result struct {
			Number, Title            string
			Revision                 int
			Created, Unchanged       bool
			Sections, Items, Targets int
			Unmatched                []string
			DamageItems              []int
			Changes                  []plan.Change
		}
		got := result{Number: res.Number, Title: res.Title, Revision: res.Revision, Created: res.Created, Unchanged: res.Unchanged,
			Sections: res.Sections, Items: res.Items, Targets: res.Targets, Unmatched: res.Unmatched, Changes: res.Changes}
		for _, d := range res.Damage {
			got.DamageItems = append(got.DamageItems, d.Item)
		}
		want := result{Number: "閩政辦〔2021〕26號", Title: "2021年數字福建工作要點", Revision: 1, Created: true,
			Sections: 7, Items: 34, Targets: 7, DamageItems: []int{7, 18},
			Changes: []plan.Change{{Kind: "created", After: "2021年數字福建工作要點"}}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ImportResult mismatch (-want +got):\n%s", diff)
		}

		d := f.latest(t)
		if d.ID != res.DocumentID || d.Revision != 1 || d.Issuer != "福建省人民政府辦公廳" || d.IssuedOn != "2021-05-26" {
			t.Errorf("document %d rev %d issuer %q issued %q; want %d rev 1 福建省人民政府辦公廳 2021-05-26",
				d.ID, d.Revision, d.Issuer, d.IssuedOn, res.DocumentID)
		}
		if len(d.Sections) != 7 || len(d.Items()) != 34 {
			t.Fatalf("%d sections, %d items; want 7, 34", len(d.Sections), len(d.Items()))
		}
		targets, unassigned := 0, []int(nil)
		for _, it := range d.Items() {
			targets += len(it.Targets)
			if it.Deadline != "2021-12-31" || it.Status != plan.StatusNotStarted || it.Progress != 0 {
				t.Errorf("item %s: deadline %q status %q progress %d; want 2021-12-31 not_started 0", it.Label, it.Deadline, it.Status, it.Progress)
			}
			for _, u := range it.Units {
				if u.OrgCode == nil && !u.Collective {
					t.Errorf("item %s: unit %q matched no organisation", it.Label, u.Name)
				}
			}
			if len(it.Assigned) == 0 {
				unassigned = append(unassigned, it.Ordinal)
			}
		}
		// (七) and (十八) name only 省直有關單位, "the provincial units concerned": the digital
		// office answers for them until it says which units do, so every item has somebody.
		if diff := cmp.Diff([]int(nil), unassigned); diff != "" {
			t.Errorf("items without organisations mismatch (-want +got):\n%s", diff)
		}
		if targets != 7 {
			t.Errorf("%d targets stored, want 7", targets)
		}
		if t25 := f.item(t, 25).Targets; len(t25) != 1 || t25[0].Value != 30000 || t25[0].Unit != "個" || !t25[0].AtLeast || t25[0].Subject != "5G基站" {
			t.Errorf("item 25 targets %+v, want 30000 個 5G基站 at least", t25)
		}

		// (十二) answers through 各設區市人民政府: all nine cities, and Pingtan by name.
		var assigned []string
		for _, a := range f.item(t, 12).Assigned {
			s := a.OrgCode
			if a.Lead {
				s += " (lead)"
			}
			assigned = append(assigned, s)
		}
		sort.Strings(assigned)
		wantAssigned := []string{"city-fuzhou", "city-longyan", "city-nanping", "city-ningde", "city-putian", "city-quanzhou",
			"city-sanming", "city-xiamen", "city-zhangzhou", "fj-digital-office (lead)", "zone-pingtan"}
		if diff := cmp.Diff(wantAssigned, assigned); diff != "" {
			t.Errorf("item 12 assignments mismatch (-want +got):\n%s", diff)
		}
		// 各電信運營商 on item 25 stands for the three operators of the directory.
		var operators []string
		for _, a := range f.item(t, 25).Assigned {
			if strings.HasPrefix(a.OrgCode, "fj-china-") {
				operators = append(operators, a.OrgCode)
			}
		}
		sort.Strings(operators)
		if diff := cmp.Diff([]string{"fj-china-mobile", "fj-china-telecom", "fj-china-unicom"}, operators); diff != "" {
			t.Errorf("item 25 operators mismatch (-want +got):\n%s", diff)
		}

		leads := map[int]string{}
		for _, ordinal := range []int{1, 5, 7, 12, 23, 25, 31, 34} {
			leads[ordinal] = ""
			for _, a := range f.item(t, ordinal).Assigned {
				if a.Lead {
					leads[ordinal] += a.OrgCode
				}
			}
		}
		wantLeads := map[int]string{1: "fj-digital-office", 5: "fj-cpc-political-legal", 7: "fj-digital-office", 12: "fj-digital-office",
			23: "fj-taiwan-affairs", 25: "fj-miit", 31: "fj-bigdata", 34: "fj-drc"}
		if diff := cmp.Diff(wantLeads, leads); diff != "" {
			t.Errorf("lead units mismatch (-want +got):\n%s", diff)
		}
		// (七)'s lead is collective (省直有關單位): kept as written, matched to no organisation.
		if u := f.item(t, 7).Units; len(u) != 1 || !u[0].Lead || !u[0].Collective || u[0].OrgCode != nil || u[0].Raw != "省直有關單位" {
			t.Errorf("item 7 units %+v", u)
		}

		// Damaged text is stored as found, at its character offset in the item text.
		for ordinal, want := range map[int][]plan.Damage{
			7:  {{Position: 1, Offset: 71, Text: "??ā耙豢ㄍā?"}},
			18: {{Position: 1, Offset: 51, Text: "??ǖ燃夹g"}},
			1:  nil,
		} {
			it := f.item(t, ordinal)
			if diff := cmp.Diff(want, it.Damage); diff != "" {
				t.Errorf("item %d damage mismatch (-want +got):\n%s", ordinal, diff)
			}
			for _, dm := range it.Damage {
				if got := string([]rune(it.Body)[dm.Offset : dm.Offset+len([]rune(dm.Text))]); got != dm.Text {
					t.Errorf("item %d: damage %q is not at character %d of the stored text: %q", ordinal, dm.Text, dm.Offset, got)
				}
			}
		}

		evs := f.auditOf(t, "plan_document", res.DocumentID)
		if diff := cmp.Diff([]string{"plan.document.imported"}, actions(evs)); diff != "" {
			t.Fatalf("audit mismatch (-want +got):\n%s", diff)
		}
		if e := evs[0]; e.Actor != "system:system" || e.RequestID != testRequestID || !e.At.Equal(d.ImportedAt) || e.AfterDigest == "" {
			t.Errorf("audit record %+v: want actor system:system, request %s, at %v, an after digest", e, testRequestID, d.ImportedAt)
		}
		if diff := cmp.Diff(append(topicsBefore, "plan.document.imported"), f.topics(t)); diff != "" {
			t.Errorf("outbox mismatch (-want +got):\n%s", diff)
		}
		var revs int
		if err := f.db.Get(f.ctx, &revs, `SELECT COUNT(*) FROM plan_revisions`); err != nil || revs != 1 {
			t.Errorf("%d plan_revisions rows (%v), want 1", revs, err)
		}
	})
}

func TestImportSameDocumentAgain(t *testing.T) {
	seed := string(readSeed(t))
	for _, tc := range []struct {
		name string
		data string
	}{
		{"identical", seed},
		// The same plan saved by another editor: byte-order mark, CR LF, trailing spaces.
		{"crlf+bom", "\uFEFF" + strings.ReplaceAll(seed, "\n", " \r\n")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachStore(t, func(t *testing.T, f *fixture) {
				first := f.importSeed(t)
				before, snap := f.counts(t), f.snapshot(t)
				f.clk.Advance(time.Hour)
				res, err := f.svc.Import(f.as(officeAdmin), []byte(tc.data))
				if err != nil {
					t.Fatal(err)
				}
				if !res.Unchanged || res.Created || res.Revision != 1 || res.DocumentID != first.DocumentID || len(res.Changes) != 0 {
					t.Errorf("re-import: unchanged %v created %v revision %d document %d changes %v; want unchanged, revision 1, document %d",
						res.Unchanged, res.Created, res.Revision, res.DocumentID, res.Changes, first.DocumentID)
				}
				if diff := cmp.Diff(before, f.counts(t)); diff != "" {
					t.Errorf("row counts changed (-before +after):\n%s", diff)
				}
				if diff := cmp.Diff(snap, f.snapshot(t)); diff != "" {
					t.Errorf("stored plan changed (-before +after):\n%s", diff)
				}
			})
		})
	}
}

// revise applies a revision to the plan's text: it rewords item (二), adds a target to (八),
// retitles section 三 and drops the last item (三十四) with its section 七, which holds
// nothing else.
func revise(t *testing.T, seed string) string {
	t.Helper()
	edits := []struct{ old, new string }{
		{"開發省級行政審批電子文件歸檔系統。", "開發省級行政審批電子文件歸檔系統和電子印章系統。"},
		{"加速數字經濟產業高價值專利培育和轉化。(責任單位:省科技廳", "加速數字經濟產業高價值專利培育和轉化。新建20個以上數字技術重點實驗室。(責任單位:省科技廳"},
		{"\n三、加快數字社會建設\n", "\n三、加快數字社會和智慧生活建設\n"},
	}
	for _, e := range edits {
		if !strings.Contains(seed, e.old) {
			t.Fatalf("seed does not contain %q", e.old)
		}
		seed = strings.Replace(seed, e.old, e.new, 1)
	}
	var kept []string
	for _, l := range strings.Split(seed, "\n") {
		if strings.HasPrefix(l, "七、") || strings.HasPrefix(l, "(三十四)") {
			continue
		}
		kept = append(kept, l)
	}
	return strings.Join(kept, "\n")
}

// clip is how a change record shortens text.
func clip(s string) string {
	if r := []rune(s); len(r) > 200 {
		return string(r[:200]) + "…"
	}
	return s
}

func TestImportRevision(t *testing.T) {
	seed := string(readSeed(t))
	revised := revise(t, seed)
	eachStore(t, func(t *testing.T, f *fixture) {
		first := f.importSeed(t)
		// Progress on items the revision leaves alone.
		r25 := f.submit(t, miitOfficer, 25, plan.ReportInput{Progress: 90, Figures: map[int64]float64{f.item(t, 25).Targets[0].ID: 28416}})
		f.review(t, r25.ID, true, "")
		r9 := f.submit(t, miitOfficer, 9, plan.ReportInput{Progress: 60, Figures: map[int64]float64{f.item(t, 9).Targets[0].ID: 46}})
		f.review(t, r9.ID, true, "")
		pending := f.submit(t, miitOfficer, 10, plan.ReportInput{Progress: 30})
		old2, old8 := f.item(t, 2), f.item(t, 8)
		before := f.counts(t)

		f.clk.Advance(24 * time.Hour)
		res, err := f.svc.Import(f.as(officeAdmin), []byte(revised))
		if err != nil {
			t.Fatalf("Import(revised) = %v", err)
		}
		if res.Created || res.Unchanged || res.Revision != 2 || res.DocumentID != first.DocumentID || res.Sections != 6 || res.Items != 33 || res.Targets != 8 {
			t.Errorf("result %+v; want revision 2 of document %d, 6 sections, 33 items, 8 targets", res, first.DocumentID)
		}
		new2, new8 := f.item(t, 2), f.item(t, 8)
		wantChanges := []plan.Change{
			{Kind: "item_changed", Label: "（二）", Field: "text", Before: clip(old2.Body), After: clip(new2.Body)},
			{Kind: "item_changed", Label: "（八）", Field: "text", Before: clip(old8.Body), After: clip(new8.Body)},
			{Kind: "section_changed", Label: "三、", Field: "title", Before: "加快數字社會建設", After: "加快數字社會和智慧生活建設"},
			{Kind: "item_removed", Label: "（三十四）", Before: "健全統籌協調機制"},
			{Kind: "section_removed", Label: "七、", Before: "強化統籌協調"},
		}
		if diff := cmp.Diff(wantChanges, res.Changes); diff != "" {
			t.Errorf("changes mismatch (-want +got):\n%s", diff)
		}
		if !strings.Contains(new2.Body, "電子文件歸檔系統和電子印章系統。") || new2.ID != old2.ID {
			t.Errorf("item 2 (id %d, was %d) text not revised: %q", new2.ID, old2.ID, new2.Body)
		}
		if len(new8.Targets) != 1 || new8.Targets[0].Value != 20 || new8.Targets[0].Subject != "數字技術重點實驗室" || new8.Targets[0].Reached != 0 {
			t.Errorf("item 8 targets %+v, want the new 20 數字技術重點實驗室", new8.Targets)
		}
		d := f.latest(t)
		var titles []string
		for _, s := range d.Sections {
			titles = append(titles, s.Label+s.Title)
		}
		wantTitles := []string{"一、高水平建設數字政府", "二、加快建設國家數字經濟創新發展試驗區", "三、加快數字社會和智慧生活建設",
			"四、深化“數字絲路”合作", "五、加快新型基礎設施建設", "六、深化數據資源開發利用"}
		if diff := cmp.Diff(wantTitles, titles); diff != "" {
			t.Errorf("sections mismatch (-want +got):\n%s", diff)
		}
		if len(d.Items()) != 33 || d.Revision != 2 {
			t.Errorf("%d items at revision %d, want 33 at revision 2", len(d.Items()), d.Revision)
		}
		// What reviewers accepted stays.
		if it := f.item(t, 25); it.Progress != 90 || it.Status != plan.StatusInProgress || it.Targets[0].Reached != 28416 {
			t.Errorf("item 25: progress %d status %s reached %v; want 90 in_progress 28416", it.Progress, it.Status, it.Targets[0].Reached)
		}
		if it := f.item(t, 9); it.Progress != 60 || it.Targets[0].Reached != 46 {
			t.Errorf("item 9: progress %d reached %v; want 60, 46", it.Progress, it.Targets[0].Reached)
		}
		rs, err := f.svc.ItemReports(f.as(officeReviewer), f.item(t, 10).ID)
		if err != nil || len(rs) != 1 || rs[0].ID != pending.ID || rs[0].Status != plan.ReportSubmitted {
			t.Errorf("item 10 reports %+v (%v), want the pending report %d", rs, err, pending.ID)
		}

		after := f.counts(t)
		for table, delta := range map[string]int{"plan_revisions": 1, "audit_events": 1, "events": 1, "plan_items": -1,
			"plan_sections": -1, "plan_targets": 1} {
			if after[table]-before[table] != delta {
				t.Errorf("%s: %d rows, was %d; want a change of %+d", table, after[table], before[table], delta)
			}
		}
		var revs []struct {
			Revision int    `db:"revision"`
			By       string `db:"imported_by"`
			Changes  string `db:"changes"`
		}
		if err := f.db.Select(f.ctx, &revs, `SELECT revision, imported_by, changes FROM plan_revisions ORDER BY revision`); err != nil {
			t.Fatal(err)
		}
		if len(revs) != 2 || revs[1].Revision != 2 || revs[1].By != "official:szb.admin" {
			t.Fatalf("revisions %+v", revs)
		}
		var recorded []plan.Change
		if err := json.Unmarshal([]byte(revs[1].Changes), &recorded); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(res.Changes, recorded); diff != "" {
			t.Errorf("recorded changes differ from the result (-result +recorded):\n%s", diff)
		}
		if got := actions(f.auditOf(t, "plan_document", first.DocumentID)); !slices.Equal(got, []string{"plan.document.imported", "plan.document.imported"}) {
			t.Errorf("document audit %v", got)
		}

		// The same revision again changes nothing.
		again := f.counts(t)
		res, err = f.svc.Import(f.as(system), []byte(revised))
		if err != nil || !res.Unchanged || res.Revision != 2 {
			t.Errorf("re-import of revision 2 = %+v, %v; want unchanged at revision 2", res, err)
		}
		if diff := cmp.Diff(again, f.counts(t)); diff != "" {
			t.Errorf("row counts changed (-before +after):\n%s", diff)
		}
	})
}

// TestImportRevisionTargets checks that targets are matched by what they count, not by where
// they stand: a target inserted before one with reported figures leaves those figures on it.
func TestImportRevisionTargets(t *testing.T) {
	seed := string(readSeed(t))
	const old = "高標準建設省創新研究院和省光電信息創新實驗室,建成70個以上"
	if !strings.Contains(seed, old) {
		t.Fatalf("seed does not contain %q", old)
	}
	revised := strings.Replace(seed, old, "高標準建設省創新研究院和省光電信息創新實驗室,新建15個以上省級重點實驗室,建成70個以上", 1)
	eachStore(t, func(t *testing.T, f *fixture) {
		f.importSeed(t)
		orig := f.item(t, 9).Targets[0]
		r := f.submit(t, miitOfficer, 9, plan.ReportInput{Progress: 60, Figures: map[int64]float64{orig.ID: 46}})
		f.review(t, r.ID, true, "")

		if _, err := f.svc.Import(f.as(system), []byte(revised)); err != nil {
			t.Fatalf("Import(revised) = %v", err)
		}
		type target struct {
			Value   float64
			Subject string
			Reached float64
			Same    bool // the stored target the report's figure refers to
		}
		var got []target
		for _, tg := range f.item(t, 9).Targets {
			got = append(got, target{tg.Value, tg.Subject, tg.Reached, tg.ID == orig.ID})
		}
		want := []target{
			{15, "省級重點實驗室", 0, false},
			{70, orig.Subject, 46, true},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("item 9 targets mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestImportRevisionDropsReportedItem(t *testing.T) {
	revised := revise(t, string(readSeed(t)))
	eachStore(t, func(t *testing.T, f *fixture) {
		f.importSeed(t)
		// fj-drc leads (三十四), which the revision drops.
		f.submit(t, drcOfficer, 34, plan.ReportInput{Progress: 20})
		before, snap := f.counts(t), f.snapshot(t)
		_, err := f.svc.Import(f.as(system), []byte(revised))
		checkErr(t, err, errs.Conflict, "")
		if pe := errs.Public(err); pe.Message != "plan.error.item_has_reports" || !slices.Equal(pe.Args, []any{"（三十四）"}) {
			t.Errorf("error %q %v, want plan.error.item_has_reports naming （三十四）", pe.Message, pe.Args)
		}
		if diff := cmp.Diff(before, f.counts(t)); diff != "" {
			t.Errorf("row counts changed (-before +after):\n%s", diff)
		}
		if diff := cmp.Diff(snap, f.snapshot(t)); diff != "" {
			t.Errorf("stored plan changed (-before +after):\n%s", diff)
		}
	})
}

func TestImportBadInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	binary := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	for range 4096 {
		binary = append(binary, byte(rng.UintN(256)))
	}
	// GBK, the encoding plans often arrive in: 福建省數字辦 and so on, not UTF-8.
	gbk := bytes.Repeat([]byte("\xb8\xa3\xbd\xa8\xca\xa1\xca\xfd\xd7\xd6\xb0\xec\n"), 40)
	line := []byte("(一)建設平臺。(責任單位:省數字辦)\n")
	huge := bytes.Repeat(line, 50<<20/len(line)+1)
	cases := []struct {
		name string
		data []byte
		kind errs.Kind
		msg  string
	}{
		{"empty", nil, errs.Invalid, "empty"},
		{"whitespace", []byte(" \n\t \r\n\u3000\u3000\n"), errs.Invalid, "empty"},
		{"binary", binary, errs.Invalid, "NUL"},
		{"invalid UTF-8", gbk, errs.Invalid, "UTF-8"},
		{"not a plan", []byte("會議紀要\n\n各位同事：\n請查收附件中的會議紀要，並於周五前反饋意見。\n謝謝！\n"), errs.Invalid, "section"},
		{"50 MB", huge, errs.TooLarge, "8 MiB"},
	}
	eachStore(t, func(t *testing.T, f *fixture) {
		// Into an empty store, then into one that holds the plan.
		for _, withPlan := range []bool{false, true} {
			if withPlan {
				f.importSeed(t)
			}
			for _, tc := range cases {
				t.Run(fmt.Sprintf("%s/plan stored %v", tc.name, withPlan), func(t *testing.T) {
					before, snap := f.counts(t), f.snapshot(t)
					res, err := f.svc.Import(f.as(system), tc.data)
					checkErr(t, err, tc.kind, "")
					if res != nil {
						t.Errorf("Import returned %+v with its error", res)
					}
					if !strings.Contains(errs.Public(err).Message, tc.msg) {
						t.Errorf("error %q does not say %q", errs.Public(err).Message, tc.msg)
					}
					if diff := cmp.Diff(before, f.counts(t)); diff != "" {
						t.Errorf("row counts changed (-before +after):\n%s", diff)
					}
					if diff := cmp.Diff(snap, f.snapshot(t)); diff != "" {
						t.Errorf("stored plan changed (-before +after):\n%s", diff)
					}
				})
			}
		}
	})
}

// TestPermissions is who may do what, as a matrix of principals and actions.
func TestPermissions(t *testing.T) {
	type action struct {
		name string
		do   func(t *testing.T, f *fixture, ctx context.Context) error
	}
	actionList := []action{
		{"import", func(t *testing.T, f *fixture, ctx context.Context) error {
			_, err := f.svc.Import(ctx, readSeed(t))
			return err
		}},
		{"submit on 25", func(t *testing.T, f *fixture, ctx context.Context) error {
			_, err := f.svc.SubmitReport(ctx, f.item(t, 25).ID, plan.ReportInput{Body: "新建5G基站12000個。", Progress: 40})
			return err
		}},
		{"review", func(t *testing.T, f *fixture, ctx context.Context) error {
			r := f.submit(t, miitOfficer, 25, plan.ReportInput{Progress: 40})
			_, err := f.svc.ReviewReport(ctx, r.ID, true, "")
			return err
		}},
		{"set deadline", func(t *testing.T, f *fixture, ctx context.Context) error {
			return f.svc.SetDeadline(ctx, f.item(t, 25).ID, "2021-11-30")
		}},
		{"read item reports", func(t *testing.T, f *fixture, ctx context.Context) error {
			_, err := f.svc.ItemReports(ctx, f.item(t, 25).ID)
			return err
		}},
		{"read worklist", func(t *testing.T, f *fixture, ctx context.Context) error {
			_, err := f.svc.Worklist(ctx, "fj-miit")
			return err
		}},
		{"read pending", func(t *testing.T, f *fixture, ctx context.Context) error {
			_, err := f.svc.PendingReports(ctx)
			return err
		}},
		{"read attachment", func(t *testing.T, f *fixture, ctx context.Context) error {
			r := f.submit(t, miitOfficer, 25, plan.ReportInput{Progress: 40,
				Attachments: []plan.NewAttachment{{Filename: "統計表.pdf", Data: pdfFile}}})
			_, _, _, err := f.svc.Attachment(ctx, r.ID, r.Attachments[0].SHA256)
			return err
		}},
	}
	const (
		ok     = errs.Kind("")
		denied = errs.Forbidden
		unauth = errs.Unauthenticated
	)
	// want[principal] lists the outcome of each action, in the order of actionList.
	principals := []struct {
		name string
		p    principal.Principal
		want []errs.Kind
	}{
		//                                           import  submit  review  deadline reports worklist pending attach
		{"anonymous", anonymous, []errs.Kind{unauth, unauth, unauth, unauth, unauth, unauth, unauth, unauth}},
		{"resident", resident, []errs.Kind{denied, denied, denied, denied, denied, denied, denied, denied}},
		{"fj-miit official", miitOfficer, []errs.Kind{denied, ok, denied, denied, ok, ok, denied, ok}},
		{"fj-drc official", drcOfficer, []errs.Kind{denied, denied, denied, denied, ok, ok, denied, ok}},
		// The digital office answers for (二十五) too (省數字辦 is a supporting unit).
		{"office reviewer", officeReviewer, []errs.Kind{denied, ok, ok, ok, ok, ok, ok, ok}},
		{"office official", officeOfficial, []errs.Kind{denied, ok, denied, denied, ok, ok, denied, ok}},
		{"office administrator", officeAdmin, []errs.Kind{ok, ok, ok, ok, ok, ok, ok, ok}},
		// The system imports and sets deadlines; it is no unit and no reviewer.
		{"system", system, []errs.Kind{ok, denied, denied, ok, ok, ok, denied, ok}},
	}
	eachStore(t, func(t *testing.T, f *fixture) {
		f.importSeed(t)
		for _, pc := range principals {
			for i, a := range actionList {
				t.Run(pc.name+"/"+a.name, func(t *testing.T) {
					before := f.counts(t)
					err := a.do(t, f, f.as(pc.p))
					checkErr(t, err, pc.want[i], "")
					if err != nil {
						// A refused change writes nothing: not even an audit record. (The
						// review and attachment actions file a report first, as fj-miit.)
						after := f.counts(t)
						if a.name == "review" || a.name == "read attachment" {
							before, after = nil, nil
						}
						if diff := cmp.Diff(before, after); diff != "" {
							t.Errorf("refused %s changed rows (-before +after):\n%s", a.name, diff)
						}
					}
				})
			}
		}
	})
}

// TestReviewOwnReport checks the four-eyes rule: whoever filed a report cannot accept it,
// even as a reviewer; another reviewer of the same office can.
func TestReviewOwnReport(t *testing.T) {
	both := principal.Principal{Kind: principal.Official, AccountID: 34, Login: "szb.both", OrgCode: plan.DefaultCoordinator,
		Roles: []string{principal.RoleAdministrator, principal.RoleReviewer}}
	eachStore(t, func(t *testing.T, f *fixture) {
		f.importSeed(t)
		// The digital office leads (一); its reviewer reports on it.
		r := f.submit(t, both, 1, plan.ReportInput{Progress: 100})
		before := f.counts(t)
		for _, accept := range []bool{true, false} {
			_, err := f.svc.ReviewReport(f.as(both), r.ID, accept, "自審")
			checkErr(t, err, errs.Forbidden, "")
		}
		if diff := cmp.Diff(before, f.counts(t)); diff != "" {
			t.Errorf("refused self-review changed rows (-before +after):\n%s", diff)
		}
		if it := f.item(t, 1); it.Status != plan.StatusNotStarted {
			t.Errorf("item 1 is %s after a refused self-review", it.Status)
		}
		// Another reviewer of the same office may: the office coordinates, and answers for,
		// items of its own (a policy question noted in the report, not a hole).
		f.review(t, r.ID, true, "")
		if it := f.item(t, 1); it.Status != plan.StatusCompleted {
			t.Errorf("item 1 is %s, want completed", it.Status)
		}
	})
}

// TestIDOR checks that ids taken from a URL do not open other units' items or reports.
func TestIDOR(t *testing.T) {
	eachStore(t, func(t *testing.T, f *fixture) {
		f.importSeed(t)
		// fj-drc answers for (十一) but not for (二十五).
		own := f.submit(t, drcOfficer, 11, plan.ReportInput{Progress: 10,
			Attachments: []plan.NewAttachment{{Filename: "名單.pdf", Data: pdfFile}}})
		other := f.submit(t, miitOfficer, 25, plan.ReportInput{Progress: 10,
			Attachments: []plan.NewAttachment{{Filename: "基站.png", Data: pngFile(t)}}})
		before := f.counts(t)
		_, err := f.svc.SubmitReport(f.as(drcOfficer), f.item(t, 25).ID, plan.ReportInput{Body: "冒名填報", Progress: 100})
		checkErr(t, err, errs.Forbidden, "")
		_, err = f.svc.SubmitReport(f.as(drcOfficer), 1<<40, plan.ReportInput{Body: "不存在", Progress: 1})
		checkErr(t, err, errs.NotFound, "")
		// A unit cannot review, even its own report.
		_, err = f.svc.ReviewReport(f.as(drcOfficer), own.ID, true, "")
		checkErr(t, err, errs.Forbidden, "")
		// Target ids are checked against the item: fj-drc cannot move (二十五)'s figures
		// through a report on its own item.
		_, err = f.svc.SubmitReport(f.as(drcOfficer), f.item(t, 11).ID, plan.ReportInput{Body: "x", Progress: 1,
			Figures: map[int64]float64{f.item(t, 25).Targets[0].ID: 30000}})
		checkErr(t, err, errs.Invalid, fmt.Sprintf("figure_%d", f.item(t, 25).Targets[0].ID))
		if diff := cmp.Diff(before, f.counts(t)); diff != "" {
			t.Errorf("refused requests changed rows (-before +after):\n%s", diff)
		}

		// An attachment is fetched through its own report only.
		ctx := f.as(drcOfficer)
		a, b, data, err := f.svc.Attachment(ctx, own.ID, own.Attachments[0].SHA256)
		if err != nil || a.Filename != "名單.pdf" || b.ContentType != "application/pdf" || !bytes.Equal(data, pdfFile) {
			t.Errorf("own attachment: %+v %+v %d bytes, %v", a, b, len(data), err)
		}
		_, _, data, err = f.svc.Attachment(ctx, own.ID, other.Attachments[0].SHA256)
		checkErr(t, err, errs.NotFound, "")
		if data != nil {
			t.Errorf("another report's attachment leaked through report %d: %d bytes", own.ID, len(data))
		}
		_, _, _, err = f.svc.Attachment(ctx, other.ID, own.Attachments[0].SHA256)
		checkErr(t, err, errs.NotFound, "")
	})
}

// Files a report may carry, and files it may not.
var (
	pdfFile  = []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
	elfFile  = append([]byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00"), make([]byte, 64)...)
	htmlFile = []byte("<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>")
)

func pngFile(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestSubmitReport(t *testing.T) {
	eachStore(t, func(t *testing.T, f *fixture) {
		f.importSeed(t)
		it := f.item(t, 25)
		target := it.Targets[0].ID
		topics := f.topics(t)
		in := plan.ReportInput{
			Body:     "  全省新建5G基站12000個,IPv6規模部署推進中。\n",
			Progress: 40,
			Figures:  map[int64]float64{target: 12000},
			Attachments: []plan.NewAttachment{
				{Filename: `C:\Users\gxt\統計表.pdf`, Data: pdfFile},
				{Filename: "../../基站分布.png", Data: pngFile(t)},
				{Filename: "說明.txt", Data: []byte("基站統計口徑說明。\n")},
			},
		}
		r, err := f.svc.SubmitReport(f.as(miitOfficer), it.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		stored, err := f.svc.ItemReports(f.as(drcOfficer), it.ID)
		if err != nil || len(stored) != 1 {
			t.Fatalf("ItemReports = %v, %v", stored, err)
		}
		got := stored[0]
		want := plan.Report{ID: r.ID, ItemID: it.ID, OrgCode: "fj-miit", Reporter: "gxt.officer", SubmittedAt: testStart,
			Body: "全省新建5G基站12000個,IPv6規模部署推進中。", Progress: 40, Status: plan.ReportSubmitted,
			Figures:     []plan.Figure{{TargetID: target, Value: 12000}},
			Attachments: []plan.Attachment{{SHA256: sha(t, r, "基站分布.png"), Filename: "基站分布.png"}, {SHA256: sha(t, r, "統計表.pdf"), Filename: "統計表.pdf"}, {SHA256: sha(t, r, "說明.txt"), Filename: "說明.txt"}},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("stored report mismatch (-want +got):\n%s", diff)
		}
		for _, a := range r.Attachments {
			_, b, data, err := f.svc.Attachment(f.as(officeReviewer), r.ID, a.SHA256)
			if err != nil || len(data) == 0 || int64(len(data)) != b.Size {
				t.Errorf("attachment %s: %+v, %d bytes, %v", a.Filename, b, len(data), err)
			}
		}
		// Submitting changes nothing of the item until a reviewer accepts.
		if it := f.item(t, 25); it.Progress != 0 || it.Targets[0].Reached != 0 {
			t.Errorf("item 25 progress %d reached %v before review", it.Progress, it.Targets[0].Reached)
		}
		evs := f.auditOf(t, "plan_report", r.ID)
		if len(evs) != 1 || evs[0].Action != "plan.report.submitted" || evs[0].Actor != "official:gxt.officer" ||
			!evs[0].At.Equal(r.SubmittedAt) || evs[0].RequestID != testRequestID {
			t.Errorf("audit %+v", evs)
		}
		if diff := cmp.Diff(append(topics, "plan.report.submitted"), f.topics(t)); diff != "" {
			t.Errorf("outbox mismatch (-want +got):\n%s", diff)
		}
	})
}

// sha finds the digest of a report's attachment by file name.
func sha(t *testing.T, r *plan.Report, name string) string {
	t.Helper()
	for _, a := range r.Attachments {
		if a.Filename == name {
			return a.SHA256
		}
	}
	t.Fatalf("report %d has no attachment %s: %+v", r.ID, name, r.Attachments)
	return ""
}

func TestSubmitReportInvalid(t *testing.T) {
	type input struct {
		in    plan.ReportInput
		field string
	}
	cases := []struct {
		name  string
		build func(t *testing.T, f *fixture) input
		kind  errs.Kind
	}{
		{"empty body", func(t *testing.T, f *fixture) input {
			return input{plan.ReportInput{Body: " \n\u3000", Progress: 10}, "body"}
		}, errs.Invalid},
		{"body too long", func(t *testing.T, f *fixture) input {
			return input{plan.ReportInput{Body: strings.Repeat("進", plan.MaxReportRunes+1), Progress: 10}, "body"}
		}, errs.Invalid},
		{"body not UTF-8", func(t *testing.T, f *fixture) input {
			return input{plan.ReportInput{Body: "進展\xff", Progress: 10}, "body"}
		}, errs.Invalid},
		{"progress below 0", func(t *testing.T, f *fixture) input {
			return input{plan.ReportInput{Body: "x", Progress: -1}, "progress"}
		}, errs.Invalid},
		{"progress above 100", func(t *testing.T, f *fixture) input {
			return input{plan.ReportInput{Body: "x", Progress: 101}, "progress"}
		}, errs.Invalid},
		{"figure for another item's target", func(t *testing.T, f *fixture) input {
			id := f.item(t, 9).Targets[0].ID
			return input{plan.ReportInput{Body: "x", Progress: 10, Figures: map[int64]float64{id: 5}}, fmt.Sprintf("figure_%d", id)}
		}, errs.Invalid},
		{"figure for no target", func(t *testing.T, f *fixture) input {
			return input{plan.ReportInput{Body: "x", Progress: 10, Figures: map[int64]float64{999999: 5}}, "figure_999999"}
		}, errs.Invalid},
		{"negative figure", func(t *testing.T, f *fixture) input {
			id := f.item(t, 25).Targets[0].ID
			return input{plan.ReportInput{Body: "x", Progress: 10, Figures: map[int64]float64{id: -1}}, fmt.Sprintf("figure_%d", id)}
		}, errs.Invalid},
		{"NaN figure", func(t *testing.T, f *fixture) input {
			id := f.item(t, 25).Targets[0].ID
			return input{plan.ReportInput{Body: "x", Progress: 10, Figures: map[int64]float64{id: math.NaN()}}, fmt.Sprintf("figure_%d", id)}
		}, errs.Invalid},
		{"infinite figure", func(t *testing.T, f *fixture) input {
			id := f.item(t, 25).Targets[0].ID
			return input{plan.ReportInput{Body: "x", Progress: 10, Figures: map[int64]float64{id: math.Inf(1)}}, fmt.Sprintf("figure_%d", id)}
		}, errs.Invalid},
		{"ELF attachment", func(t *testing.T, f *fixture) input {
			return input{plan.ReportInput{Body: "x", Progress: 10, Attachments: []plan.NewAttachment{
				{Filename: "報告.pdf", Data: pdfFile}, {Filename: "報告.exe", Data: elfFile}}}, "attachments"}
		}, errs.Invalid},
		{"HTML attachment", func(t *testing.T, f *fixture) input {
			return input{plan.ReportInput{Body: "x", Progress: 10, Attachments: []plan.NewAttachment{
				{Filename: "報告.pdf", Data: htmlFile}}}, "attachments"}
		}, errs.Invalid},
		{"empty attachment", func(t *testing.T, f *fixture) input {
			return input{plan.ReportInput{Body: "x", Progress: 10, Attachments: []plan.NewAttachment{
				{Filename: "空.pdf", Data: nil}}}, ""}
		}, errs.Invalid},
		{"too many attachments", func(t *testing.T, f *fixture) input {
			var as []plan.NewAttachment
			for i := range plan.MaxAttachments + 1 {
				as = append(as, plan.NewAttachment{Filename: fmt.Sprintf("%d.txt", i), Data: fmt.Appendf(nil, "第%d份\n", i)})
			}
			return input{plan.ReportInput{Body: "x", Progress: 10, Attachments: as}, "attachments"}
		}, errs.Invalid},
		{"same attachment twice", func(t *testing.T, f *fixture) input {
			return input{plan.ReportInput{Body: "x", Progress: 10, Attachments: []plan.NewAttachment{
				{Filename: "a.pdf", Data: pdfFile}, {Filename: "b.pdf", Data: pdfFile}}}, "attachments"}
		}, errs.Invalid},
		{"no file name", func(t *testing.T, f *fixture) input {
			return input{plan.ReportInput{Body: "x", Progress: 10, Attachments: []plan.NewAttachment{
				{Filename: "/", Data: pdfFile}}}, "attachments"}
		}, errs.Invalid},
		{"attachment too large", func(t *testing.T, f *fixture) input {
			big := append(append([]byte(nil), pdfFile...), make([]byte, plan.MaxAttachmentBytes)...)
			return input{plan.ReportInput{Body: "x", Progress: 10, Attachments: []plan.NewAttachment{
				{Filename: "大.pdf", Data: big}}}, ""}
		}, errs.TooLarge},
	}
	eachStore(t, func(t *testing.T, f *fixture) {
		f.importSeed(t)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				in := tc.build(t, f)
				before := f.counts(t)
				r, err := f.svc.SubmitReport(f.as(miitOfficer), f.item(t, 25).ID, in.in)
				checkErr(t, err, tc.kind, in.field)
				if r != nil {
					t.Errorf("SubmitReport returned %+v with its error", r)
				}
				if diff := cmp.Diff(before, f.counts(t)); diff != "" {
					t.Errorf("refused report changed rows (-before +after):\n%s", diff)
				}
			})
		}
	})
}

func TestReviewReport(t *testing.T) {
	eachStore(t, func(t *testing.T, f *fixture) {
		f.importSeed(t)
		target := f.item(t, 25).Targets[0].ID

		// Returning needs a comment.
		r1 := f.submit(t, miitOfficer, 25, plan.ReportInput{Progress: 50, Figures: map[int64]float64{target: 15000}})
		before := f.counts(t)
		_, err := f.svc.ReviewReport(f.as(officeReviewer), r1.ID, false, "  ")
		checkErr(t, err, errs.Invalid, "comment")
		_, err = f.svc.ReviewReport(f.as(officeReviewer), r1.ID, true, strings.Repeat("意", 2001))
		checkErr(t, err, errs.Invalid, "comment")
		_, err = f.svc.ReviewReport(f.as(officeReviewer), 1<<40, true, "")
		checkErr(t, err, errs.NotFound, "")
		if diff := cmp.Diff(before, f.counts(t)); diff != "" {
			t.Errorf("refused reviews changed rows (-before +after):\n%s", diff)
		}
		f.clk.Advance(time.Hour)
		returned := f.review(t, r1.ID, false, "請補充基站分布統計表。")
		if returned.Status != plan.ReportReturned || returned.Reviewer != "szb.reviewer" || returned.ReviewComment != "請補充基站分布統計表。" ||
			returned.ReviewedAt == nil || !returned.ReviewedAt.Equal(testStart.Add(time.Hour)) {
			t.Errorf("returned report %+v", returned)
		}
		if it := f.item(t, 25); it.Progress != 0 || it.Status != plan.StatusNotStarted || it.Targets[0].Reached != 0 {
			t.Errorf("returning changed item 25: progress %d status %s reached %v", it.Progress, it.Status, it.Targets[0].Reached)
		}

		// Accepting sets the item's progress, status and reached figures.
		r2 := f.submit(t, miitOfficer, 25, plan.ReportInput{Progress: 90, Figures: map[int64]float64{target: 28416}})
		topics := f.topics(t)
		accepted := f.review(t, r2.ID, true, "")
		if accepted.Status != plan.ReportAccepted {
			t.Errorf("accepted report status %s", accepted.Status)
		}
		if it := f.item(t, 25); it.Progress != 90 || it.Status != plan.StatusInProgress || it.Targets[0].Reached != 28416 || it.Targets[0].Met() {
			t.Errorf("item 25 after accept: progress %d status %s reached %v", it.Progress, it.Status, it.Targets[0].Reached)
		}
		// Reviewing twice is a conflict and writes nothing.
		before = f.counts(t)
		for _, accept := range []bool{true, false} {
			_, err = f.svc.ReviewReport(f.as(officeAdmin), r2.ID, accept, "再審")
			checkErr(t, err, errs.Conflict, "")
			_, err = f.svc.ReviewReport(f.as(officeAdmin), r1.ID, accept, "再審")
			checkErr(t, err, errs.Conflict, "")
		}
		if diff := cmp.Diff(before, f.counts(t)); diff != "" {
			t.Errorf("second reviews changed rows (-before +after):\n%s", diff)
		}
		// 100 % completes the item and meets the target.
		r3 := f.submit(t, miitOfficer, 25, plan.ReportInput{Progress: 100, Figures: map[int64]float64{target: 31250}})
		f.review(t, r3.ID, true, "全年目標完成。")
		if it := f.item(t, 25); it.Progress != 100 || it.Status != plan.StatusCompleted || !it.Targets[0].Met() {
			t.Errorf("item 25 after 100%%: progress %d status %s reached %v", it.Progress, it.Status, it.Targets[0].Reached)
		}

		if diff := cmp.Diff(append(topics, "plan.report.accepted", "plan.report.submitted", "plan.report.accepted"), f.topics(t)); diff != "" {
			t.Errorf("outbox mismatch (-want +got):\n%s", diff)
		}
		for id, want := range map[int64][]string{
			r1.ID: {"plan.report.submitted", "plan.report.returned"},
			r2.ID: {"plan.report.submitted", "plan.report.accepted"},
			r3.ID: {"plan.report.submitted", "plan.report.accepted"},
		} {
			evs := f.auditOf(t, "plan_report", id)
			if diff := cmp.Diff(want, actions(evs)); diff != "" {
				t.Errorf("report %d audit mismatch (-want +got):\n%s", id, diff)
			}
			if len(evs) == 2 && (evs[1].Actor != "official:szb.reviewer" || evs[1].BeforeDigest == "" || evs[1].BeforeDigest == evs[1].AfterDigest) {
				t.Errorf("report %d review audit %+v", id, evs[1])
			}
		}
	})
}

func TestSetDeadline(t *testing.T) {
	eachStore(t, func(t *testing.T, f *fixture) {
		f.importSeed(t)
		id := f.item(t, 25).ID
		for _, bad := range []string{"", "2021-13-01", "31/12/2021", "1999-12-31", "2101-01-01", "2021-02-30"} {
			checkErr(t, f.svc.SetDeadline(f.as(officeReviewer), id, bad), errs.Invalid, "deadline")
		}
		checkErr(t, f.svc.SetDeadline(f.as(officeReviewer), 1<<40, "2021-10-01"), errs.NotFound, "")
		topics := f.topics(t)
		checkErr(t, f.svc.SetDeadline(f.as(officeReviewer), id, " 2021-09-30 "), "", "")
		if it := f.item(t, 25); it.Deadline != "2021-09-30" {
			t.Errorf("deadline %s, want 2021-09-30", it.Deadline)
		}
		// Setting the same deadline again is no change and records nothing.
		before := f.counts(t)
		checkErr(t, f.svc.SetDeadline(f.as(officeAdmin), id, "2021-09-30"), "", "")
		if diff := cmp.Diff(before, f.counts(t)); diff != "" {
			t.Errorf("unchanged deadline wrote rows (-before +after):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"plan.item.deadline_set"}, actions(f.auditOf(t, "plan_item", id))); diff != "" {
			t.Errorf("audit mismatch (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(append(topics, "plan.item.deadline_set"), f.topics(t)); diff != "" {
			t.Errorf("outbox mismatch (-want +got):\n%s", diff)
		}
	})
}

// TestDeadlineClock counts working days to deadlines across National Day 2026: 1–7 October
// are holidays and Saturday 10 October is a make-up working day.
func TestDeadlineClock(t *testing.T) {
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	cases := []struct {
		name      string
		now       time.Time
		deadline  string
		completed bool
		want      plan.DeadlineClock
	}{
		// 29, 30 September and 8, 9 October.
		{"across National Day", at("2026-09-28T09:00:00+08:00"), "2026-10-09", false, plan.DeadlineClock{DaysLeft: 4, DueSoon: true}},
		// … and the make-up Saturday 10 October and Monday 12 October.
		{"make-up Saturday counts", at("2026-09-28T09:00:00+08:00"), "2026-10-12", false, plan.DeadlineClock{DaysLeft: 6, DueSoon: true}},
		{"not yet due soon", at("2026-09-28T09:00:00+08:00"), "2026-10-30", false, plan.DeadlineClock{DaysLeft: 20}},
		{"ten working days is due soon", at("2026-09-28T09:00:00+08:00"), "2026-10-16", false, plan.DeadlineClock{DaysLeft: 10, DueSoon: true}},
		{"during the holiday", at("2026-10-03T10:00:00+08:00"), "2026-10-09", false, plan.DeadlineClock{DaysLeft: 2, DueSoon: true}},
		{"on the day", at("2026-10-09T23:59:00+08:00"), "2026-10-09", false, plan.DeadlineClock{DaysLeft: 0, DueSoon: true}},
		// 16:30 UTC on the 9th is already the 10th in China.
		{"the day after in China time", at("2026-10-09T16:30:00Z"), "2026-10-09", false, plan.DeadlineClock{DaysLeft: -1, Overdue: true}},
		{"overdue", at("2026-10-12T09:00:00+08:00"), "2026-10-09", false, plan.DeadlineClock{DaysLeft: -2, Overdue: true}},
		{"completed is never overdue", at("2026-10-12T09:00:00+08:00"), "2026-10-09", true, plan.DeadlineClock{DaysLeft: -2}},
		{"completed is never due soon", at("2026-09-28T09:00:00+08:00"), "2026-10-09", true, plan.DeadlineClock{DaysLeft: 4}},
	}
	eachStore(t, func(t *testing.T, f *fixture) {
		f.importSeed(t)
		// fj-miit completes (十); (二十五) stays in progress.
		for ordinal, progress := range map[int]int{10: 100, 25: 50} {
			r := f.submit(t, miitOfficer, ordinal, plan.ReportInput{Progress: progress})
			f.review(t, r.ID, true, "")
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				id := f.item(t, 25).ID
				if tc.completed {
					id = f.item(t, 10).ID
				}
				f.clk.Set(testStart)
				if err := f.svc.SetDeadline(f.as(officeReviewer), id, tc.deadline); err != nil {
					t.Fatal(err)
				}
				f.clk.Set(tc.now)
				it, err := f.svc.Item(f.ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tc.want, it.Clock); diff != "" {
					t.Errorf("clock mismatch (-want +got):\n%s", diff)
				}
			})
		}
	})
}

func TestAssessAndWorklist(t *testing.T) {
	eachStore(t, func(t *testing.T, f *fixture) {
		f.importSeed(t)
		// Today is 2021-06-01; fj-miit answers for (八) (九) (十) (十一) (十三) (二十五).
		for ordinal, deadline := range map[int]string{25: "2021-06-04", 8: "2021-06-30", 13: "2021-05-31"} {
			if err := f.svc.SetDeadline(f.as(officeReviewer), f.item(t, ordinal).ID, deadline); err != nil {
				t.Fatal(err)
			}
		}
		r25 := f.submit(t, miitOfficer, 25, plan.ReportInput{Progress: 90, Figures: map[int64]float64{f.item(t, 25).Targets[0].ID: 28416}})
		f.review(t, r25.ID, true, "")
		r10 := f.submit(t, miitOfficer, 10, plan.ReportInput{Progress: 100})
		f.review(t, r10.ID, true, "")
		pending := f.submit(t, miitOfficer, 9, plan.ReportInput{Progress: 30})

		a, err := f.svc.Assess(f.as(anonymous), 0)
		if err != nil {
			t.Fatal(err)
		}
		wantTotals := plan.Totals{Items: 34, Completed: 1, InProgress: 1, NotStarted: 32, Overdue: 1, DueSoon: 1, AvgProgress: 5.6}
		if diff := cmp.Diff(wantTotals, a.Totals); diff != "" {
			t.Errorf("totals mismatch (-want +got):\n%s", diff)
		}
		// Sections add up to the totals and hold their items.
		var sum plan.Totals
		for i, s := range a.Sections {
			if s.Items != len(a.Document.Sections[i].Items) {
				t.Errorf("section %s: %d items counted, %d in the plan", s.Label, s.Items, len(a.Document.Sections[i].Items))
			}
			sum.Items += s.Items
			sum.Completed += s.Completed
			sum.InProgress += s.InProgress
			sum.NotStarted += s.NotStarted
			sum.Overdue += s.Overdue
			sum.DueSoon += s.DueSoon
		}
		sum.AvgProgress = a.Totals.AvgProgress
		if diff := cmp.Diff(a.Totals, sum); diff != "" {
			t.Errorf("sections do not add up to the totals (-totals +sum):\n%s", diff)
		}
		// Each unit counts exactly the items assigned to it.
		assigned, leads := map[string]int{}, map[string]int{}
		for _, it := range a.Document.Items() {
			for _, as := range it.Assigned {
				assigned[as.OrgCode]++
				if as.Lead {
					leads[as.OrgCode]++
				}
			}
		}
		if len(a.Units) != len(assigned) {
			t.Errorf("%d units assessed, %d assigned", len(a.Units), len(assigned))
		}
		for i, u := range a.Units {
			if u.Items != assigned[u.OrgCode] || u.Lead != leads[u.OrgCode] || u.Items != u.Completed+u.InProgress+u.NotStarted {
				t.Errorf("unit %s: %d items (%d lead), want %d (%d lead)", u.OrgCode, u.Items, u.Lead, assigned[u.OrgCode], leads[u.OrgCode])
			}
			if i > 0 && a.Units[i-1].Items < u.Items {
				t.Errorf("units not ordered by items: %s %d before %s %d", a.Units[i-1].OrgCode, a.Units[i-1].Items, u.OrgCode, u.Items)
			}
		}
		var miit plan.UnitStat
		for _, u := range a.Units {
			if u.OrgCode == "fj-miit" {
				miit = u
			}
		}
		if want := (plan.UnitStat{OrgCode: "fj-miit", Lead: 2, Totals: plan.Totals{Items: 6, Completed: 1, InProgress: 1, NotStarted: 4,
			Overdue: 1, DueSoon: 1, AvgProgress: 31.7}}); !cmp.Equal(want, miit) {
			t.Errorf("fj-miit mismatch (-want +got):\n%s", cmp.Diff(want, miit))
		}
		if len(a.Targets) != 7 || len(a.Unmatched) != 0 {
			t.Errorf("%d targets, unmatched %v; want 7 and none", len(a.Targets), a.Unmatched)
		}
		for _, ts := range a.Targets {
			if ts.ItemLabel == "（二十五）" && ts.Percent != 94.7 {
				t.Errorf("target of (二十五) at %v%%, want 94.7", ts.Percent)
			}
		}

		// fj-miit's worklist: most urgent first, completed last.
		w, err := f.svc.Worklist(f.as(miitOfficer), "")
		if err != nil {
			t.Fatal(err)
		}
		var order []string
		for _, wi := range w.Items {
			order = append(order, wi.Item.Label)
		}
		wantOrder := []string{"（十三）", "（二十五）", "（八）", "（九）", "（十一）", "（十）"}
		if diff := cmp.Diff(wantOrder, order); diff != "" {
			t.Errorf("worklist order mismatch (-want +got):\n%s", diff)
		}
		if w.OrgCode != "fj-miit" || !w.CanWrite || w.Pending != nil || w.Totals.Items != 6 {
			t.Errorf("worklist org %s can write %v pending %v items %d", w.OrgCode, w.CanWrite, w.Pending, w.Totals.Items)
		}
		for _, wi := range w.Items {
			switch wi.Item.Label {
			case "（九）":
				if wi.LastReport == nil || wi.LastReport.ID != pending.ID {
					t.Errorf("(九) last report %+v, want %d", wi.LastReport, pending.ID)
				}
			case "（二十五）", "（十）":
				if !wi.Lead {
					t.Errorf("%s: fj-miit not lead", wi.Item.Label)
				}
			}
		}
		// Another unit may look but not write; only the coordinator sees pending reviews.
		w, err = f.svc.Worklist(f.as(drcOfficer), "fj-miit")
		if err != nil || w.CanWrite || w.Pending != nil || len(w.Items) != 6 {
			t.Errorf("fj-drc looking at fj-miit: %+v, %v", w, err)
		}
		w, err = f.svc.Worklist(f.as(officeReviewer), "")
		if err != nil {
			t.Fatal(err)
		}
		if w.OrgCode != plan.DefaultCoordinator || len(w.Pending) != 1 || w.Pending[0].ID != pending.ID {
			t.Errorf("coordinator's worklist: org %s pending %+v; want report %d pending", w.OrgCode, w.Pending, pending.ID)
		}
		w, err = f.svc.Worklist(f.as(officeOfficial), "")
		if err != nil || w.Pending != nil {
			t.Errorf("office official without the reviewer role sees pending %+v (%v)", w.Pending, err)
		}
	})
}

func TestExport(t *testing.T) {
	eachStore(t, func(t *testing.T, f *fixture) {
		f.importSeed(t)
		r := f.submit(t, miitOfficer, 25, plan.ReportInput{Progress: 90, Figures: map[int64]float64{f.item(t, 25).Targets[0].ID: 28416},
			Attachments: []plan.NewAttachment{{Filename: "統計表.pdf", Data: pdfFile}}})
		f.review(t, r.ID, true, "")
		f.submit(t, drcOfficer, 11, plan.ReportInput{Progress: 20})

		e, err := f.svc.BuildExport(f.as(officeReviewer), 0)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := e.WriteJSON(&b); err != nil {
			t.Fatal(err)
		}
		var back plan.Export
		if err := json.Unmarshal(b.Bytes(), &back); err != nil {
			t.Fatal(err)
		}
		// Target.ItemID is not written: the target sits inside its item.
		if diff := cmp.Diff(e, &back, cmpopts.IgnoreFields(plan.Target{}, "ItemID")); diff != "" {
			t.Errorf("JSON round trip mismatch (-built +decoded):\n%s", diff)
		}
		units, reports := 0, 0
		for _, it := range back.Document.Items() {
			units += len(it.Units)
		}
		for _, rs := range back.Reports {
			reports += len(rs)
		}
		if len(back.Document.Sections) != 7 || len(back.Document.Items()) != 34 || reports != 2 || back.Totals.Items != 34 {
			t.Errorf("decoded %d sections, %d items, %d reports, totals %d", len(back.Document.Sections), len(back.Document.Items()), reports, back.Totals.Items)
		}
		// The public export leaves the reports out.
		pub, err := f.svc.BuildExport(f.as(anonymous), 0)
		if err != nil || pub.Reports != nil {
			t.Errorf("public export reports %v (%v)", pub.Reports, err)
		}
		var pb bytes.Buffer
		if err := pub.WriteJSON(&pb); err != nil || strings.Contains(pb.String(), `"reports"`) || strings.Contains(pb.String(), "統計表") {
			t.Errorf("public export JSON names reports (%v)", err)
		}

		var xb bytes.Buffer
		if err := e.WriteXLSX(&xb, func(code string) string { return "名:" + code }); err != nil {
			t.Fatal(err)
		}
		x, err := excelize.OpenReader(&xb)
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		if diff := cmp.Diff([]string{"items", "units", "targets", "reports"}, x.GetSheetList()); diff != "" {
			t.Errorf("sheets mismatch (-want +got):\n%s", diff)
		}
		rows := map[string]int{}
		for _, sheet := range x.GetSheetList() {
			rs, err := x.GetRows(sheet)
			if err != nil {
				t.Fatal(err)
			}
			rows[sheet] = len(rs)
		}
		if diff := cmp.Diff(map[string]int{"items": 35, "units": units + 1, "targets": 8, "reports": 3}, rows); diff != "" {
			t.Errorf("rows per sheet (header included) mismatch (-want +got):\n%s", diff)
		}
		if v, _ := x.GetCellValue("items", "D26"); v != "名:fj-miit" {
			t.Errorf("items!D26 (lead unit of (二十五)) = %q", v)
		}
	})
}

// BenchmarkImport imports the seed plan into a fresh SQLite store per operation.
func BenchmarkImport(b *testing.B) {
	data := readSeed(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := storetest.Open(b, store.SQLite, storetest.Options{})
		f := newFixture(b, db, nil)
		b.StartTimer()
		if _, err := f.svc.Import(f.as(system), data); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
}

// BenchmarkAssess assesses the seed plan with some reviewed progress, on SQLite.
func BenchmarkAssess(b *testing.B) {
	db := storetest.Open(b, store.SQLite, storetest.Options{})
	f := newFixture(b, db, nil)
	if _, err := f.svc.Import(f.as(system), readSeed(b)); err != nil {
		b.Fatal(err)
	}
	d, err := f.svc.Latest(f.ctx)
	if err != nil {
		b.Fatal(err)
	}
	r, err := f.svc.SubmitReport(f.as(miitOfficer), d.Items()[24].ID, plan.ReportInput{Body: "x", Progress: 90})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := f.svc.ReviewReport(f.as(officeReviewer), r.ID, true, ""); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.svc.Assess(f.ctx, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// TestAssign covers the coordinator naming the organisations behind a collective unit: who may,
// what is refused, and that every change is audited with an event while refusals change nothing.
func TestAssign(t *testing.T) {
	eachStore(t, func(t *testing.T, f *fixture) {
		f.importSeed(t)
		seven := f.item(t, 7)
		if got := seven.Assigned; len(got) != 1 || got[0].OrgCode != plan.DefaultCoordinator || !got[0].Lead {
			t.Fatalf("item 7 starts assigned to %+v, want the coordinator as lead", got)
		}
		for _, tc := range []struct {
			name  string
			p     principal.Principal
			org   string
			kind  errs.Kind
			field string
		}{
			{"anonymous", anonymous, "fj-finance", errs.Unauthenticated, ""},
			{"a department", miitOfficer, "fj-finance", errs.Forbidden, ""},
			{"office official without role", officeOfficial, "fj-finance", errs.Forbidden, ""},
			{"unknown organisation", officeReviewer, "no-such-org", errs.Invalid, "org_code"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := f.snapshot(t)
				checkErr(t, f.svc.Assign(f.as(tc.p), seven.ID, tc.org, true), tc.kind, tc.field)
				if f.snapshot(t) != before {
					t.Error("a refused assignment changed the plan")
				}
			})
		}
		checkErr(t, f.svc.Assign(f.as(officeReviewer), 999999, "fj-finance", true), errs.NotFound, "")

		checkErr(t, f.svc.Assign(f.as(officeReviewer), seven.ID, "fj-finance", true), "", "")
		checkErr(t, f.svc.Assign(f.as(officeAdmin), seven.ID, "fj-hrss", false), "", "")
		got := f.item(t, 7).Assigned
		want := []plan.Assign{{OrgCode: "fj-finance", Lead: true}, {OrgCode: plan.DefaultCoordinator}, {OrgCode: "fj-hrss"}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("assignments mismatch (-want +got):\n%s", diff)
		}
		// Assigning again as it is changes nothing.
		n := len(f.auditOf(t, "plan_item", seven.ID))
		checkErr(t, f.svc.Assign(f.as(officeReviewer), seven.ID, "fj-finance", true), "", "")
		if len(f.auditOf(t, "plan_item", seven.ID)) != n {
			t.Error("a no-op assignment was audited")
		}
		// The department now reports on it.
		finance := principal.Principal{Kind: principal.Official, AccountID: 41, Login: "czt.officer", OrgCode: "fj-finance"}
		f.submit(t, finance, 7, plan.ReportInput{Progress: 20})

		checkErr(t, f.svc.Unassign(f.as(officeReviewer), seven.ID, plan.DefaultCoordinator), "", "")
		checkErr(t, f.svc.Unassign(f.as(officeReviewer), seven.ID, "fj-drc"), errs.NotFound, "")
		checkErr(t, f.svc.Unassign(f.as(officeReviewer), seven.ID, "fj-hrss"), "", "")
		checkErr(t, f.svc.Unassign(f.as(officeReviewer), seven.ID, "fj-finance"), errs.Conflict, "")
		if got := f.item(t, 7).Assigned; len(got) != 1 || got[0].OrgCode != "fj-finance" {
			t.Errorf("after removals item 7 is assigned to %+v", got)
		}
		wantActions := []string{"plan.item.assigned", "plan.item.assigned", "plan.item.unassigned", "plan.item.unassigned"}
		if diff := cmp.Diff(wantActions, actions(f.auditOf(t, "plan_item", seven.ID))); diff != "" {
			t.Errorf("audit mismatch (-want +got):\n%s", diff)
		}
		var assigned, unassigned int
		for _, topic := range f.topics(t) {
			switch topic {
			case "plan.item.assigned":
				assigned++
			case "plan.item.unassigned":
				unassigned++
			}
		}
		if assigned != 2 || unassigned != 2 {
			t.Errorf("events: %d assigned, %d unassigned, want 2 and 2", assigned, unassigned)
		}
	})
}
