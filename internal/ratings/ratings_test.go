package ratings_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/calendar"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/ratings"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

const (
	market   = "fj-market-regulation"
	security = "fj-public-security"
)

func official(login, orgCode string, id int64, roles ...string) principal.Principal {
	return principal.Principal{Kind: principal.Official, Login: login, AccountID: id, OrgCode: orgCode, Roles: roles}
}

// enterprise is the credit code of the enterprise the agent acts for.
var enterprise = idcode.NewCreditCode('9', '1', "350102", "MA2Y7K3P")

var (
	anonymous   = principal.Principal{Kind: principal.Anonymous}
	applicant   = principal.Principal{Kind: principal.Resident, Login: "13859001234", AccountID: 101, RealNameLevel: 2}
	neighbour   = principal.Principal{Kind: principal.Resident, Login: "13705918866", AccountID: 102, RealNameLevel: 2}
	agent       = principal.Principal{Kind: principal.Agent, Login: "13600591234", AccountID: 103, ActingFor: enterprise, AgentScopes: []string{"all"}}
	agentAlone  = principal.Principal{Kind: principal.Resident, Login: "13600591234", AccountID: 103}
	scjAdmin    = official("scj.admin", market, 11, principal.RoleAdministrator)
	scjWindow   = official("scj.window", market, 12, principal.RoleWindowOfficer)
	scjReviewer = official("scj.reviewer", market, 13, principal.RoleReviewer)
	gatAdmin    = official("gat.admin", security, 21, principal.RoleAdministrator)
	gatWindow   = official("gat.window", security, 22, principal.RoleWindowOfficer)
	szbAdmin    = official("szb.admin", org.DigitalOffice, 31, principal.RoleAdministrator, principal.RoleReviewer)
	szbReviewer = official("szb.reviewer", org.DigitalOffice, 32, principal.RoleReviewer)
)

func as(p principal.Principal) context.Context { return principal.With(context.Background(), p) }

// itemCode is a plausible implementation code: the implementing body's credit code and a
// serial.
func itemCode(orgCode8, serial string) string {
	return idcode.NewCreditCode('1', '1', "350000", orgCode8) + "4000" + serial
}

var (
	foodLicence = itemCode("00304121", "11170000")
	residence   = itemCode("00304133", "11210005")
)

// cases is an in-memory CaseSource with realistic subjects.
type cases map[string]ratings.Subject

func (c cases) RatingSubject(ctx context.Context, id string) (ratings.Subject, error) {
	s, ok := c[id]
	if !ok {
		return ratings.Subject{}, errs.E(errs.NotFound, "error.not_found")
	}
	return s, nil
}

func testCases() cases {
	done := time.Date(2026, 2, 27, 16, 30, 0, 0, clock.China)
	return cases{
		"case-food": {CaseID: "case-food", CaseNumber: "FJ350000-20260226-000123", Owner: applicant.AccountID, Org: market,
			ItemCode: foodLicence, ItemNameHans: "食品经营许可证核发", Completed: true, CompletedAt: done},
		"case-pending": {CaseID: "case-pending", CaseNumber: "FJ350000-20260301-000456", Owner: applicant.AccountID, Org: market,
			ItemCode: foodLicence, ItemNameHans: "食品经营许可证核发"},
		"case-firm": {CaseID: "case-firm", CaseNumber: "FJ350000-20260225-000088", Owner: agent.AccountID, OwnerActingFor: enterprise,
			Org: market, ItemCode: foodLicence, ItemNameHans: "食品经营许可证核发", Completed: true, CompletedAt: done},
		"case-bundle": {CaseID: "case-bundle", CaseNumber: "FJ350000-20260224-000050", Owner: applicant.AccountID,
			ItemCode: "FJ-YJS-0001", ItemNameHans: "开办餐馆一件事", Completed: true, CompletedAt: done},
		"case-hukou": {CaseID: "case-hukou", CaseNumber: "FJ350000-20260220-000777", Owner: applicant.AccountID, Org: security,
			ItemCode: residence, ItemNameHans: "居民户口迁移", Completed: true, CompletedAt: done},
		"case-hukou-2": {CaseID: "case-hukou-2", CaseNumber: "FJ350000-20260221-000778", Owner: neighbour.AccountID, Org: security,
			ItemCode: residence, ItemNameHans: "居民户口迁移", Completed: true, CompletedAt: done},
	}
}

// notes records the messages the service sends.
type notes struct {
	mu   sync.Mutex
	sent []string
}

func (n *notes) SendTx(ctx context.Context, tx *store.Tx, account int64, key string, args []string, link string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sent = append(n.sent, strings.Join(append([]string{key, link}, args...), " "))
	_ = account
	return nil
}

func (n *notes) list() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.sent...)
}

type fixture struct {
	svc   *ratings.Service
	db    *store.DB
	clock *clock.Fake
	notes *notes
	cases cases
}

// start is Monday 2 March 2026, 09:00 China time.
var start = time.Date(2026, 3, 2, 9, 0, 0, 0, clock.China)

// each runs fn on SQLite and PostgreSQL with a fresh service whose clock starts at start.
func each(t *testing.T, fn func(t *testing.T, f *fixture)) {
	t.Helper()
	c := clock.NewFake(start)
	storetest.EachWith(t, storetest.Options{Clock: c}, func(t *testing.T, db *store.DB) {
		c.Set(start)
		if _, err := org.Seed(as(principal.SystemPrincipal), db, org.Directory()); err != nil {
			t.Fatal(err)
		}
		cal, err := calendar.New(nil)
		if err != nil {
			t.Fatal(err)
		}
		f := &fixture{db: db, clock: c, notes: &notes{}, cases: testCases()}
		f.svc, err = ratings.New(db, ratings.Config{Cases: f.cases, Calendar: cal, Notifier: f.notes, CodeKey: codeKey,
			Administrators: func(ctx context.Context, orgCode string) ([]int64, error) {
				switch orgCode {
				case market:
					return []int64{scjAdmin.AccountID}, nil
				case security:
					return []int64{gatAdmin.AccountID}, nil
				}
				return nil, nil
			}})
		if err != nil {
			t.Fatal(err)
		}
		fn(t, f)
	})
}

func wantKind(t *testing.T, what string, err error, kind errs.Kind) {
	t.Helper()
	if kind == "" && err != nil || kind != "" && errs.KindOf(err) != kind {
		t.Fatalf("%s: %v, want kind %q", what, err, kind)
	}
}

// actionsOf returns the audit actions on an object, oldest first.
func actionsOf(t *testing.T, db *store.DB, objectType, id string) []string {
	t.Helper()
	evs, err := audit.List(context.Background(), db, audit.Filter{ObjectType: objectType, ObjectID: id})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(evs) - 1; i >= 0; i-- {
		out = append(out, evs[i].Action)
	}
	return out
}

type event struct {
	Topic   string `db:"topic"`
	Payload string `db:"payload"`
}

func eventsOf(t *testing.T, db *store.DB, topic string) []map[string]any {
	t.Helper()
	var evs []event
	if err := db.Select(context.Background(), &evs, `SELECT topic, payload FROM events WHERE topic = ? ORDER BY id`, topic); err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, e := range evs {
		var m map[string]any
		if err := json.Unmarshal([]byte(e.Payload), &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func TestNewRefusesDeadlinesOutsideTheRule(t *testing.T) {
	db := storetest.Open(t, store.SQLite, storetest.Options{})
	cal, _ := calendar.New(nil)
	for _, tc := range []struct {
		days int
		ok   bool
	}{{0, true}, {4, false}, {5, true}, {15, true}, {16, false}, {-1, false}} {
		svc, err := ratings.New(db, ratings.Config{Calendar: cal, DeadlineDays: tc.days, CodeKey: codeKey})
		if tc.ok != (err == nil) {
			t.Errorf("DeadlineDays %d: %v", tc.days, err)
		}
		if tc.ok && tc.days == 0 && svc.DeadlineDays() != ratings.DefaultDeadlineDays {
			t.Errorf("default deadline %d", svc.DeadlineDays())
		}
	}
	if _, err := ratings.New(db, ratings.Config{CodeKey: codeKey}); errs.KindOf(err) != errs.Invalid {
		t.Errorf("without a calendar: %v", err)
	}
}

// TestWhoRatesACase is the role × action table of rating a case: only its applicant, in the
// capacity they applied in, once the case is completed, once.
func TestWhoRatesACase(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		good := ratings.Input{Level: ratings.Satisfied, Tags: []string{"efficient"}, Comment: "窗口指引清楚，一次办好。"}
		for _, tc := range []struct {
			name   string
			p      principal.Principal
			caseID string
			want   errs.Kind
		}{
			{"the public", anonymous, "case-food", errs.Unauthenticated},
			{"another resident", neighbour, "case-food", errs.NotFound},
			{"an official of the organisation", scjAdmin, "case-food", errs.NotFound},
			{"the digital office", szbAdmin, "case-food", errs.NotFound},
			{"the system", principal.SystemPrincipal, "case-food", errs.NotFound},
			{"the applicant acting for an enterprise", principal.Principal{Kind: principal.Agent, AccountID: applicant.AccountID,
				ActingFor: enterprise}, "case-food", errs.NotFound},
			{"unknown case", applicant, "case-none", errs.NotFound},
			{"not completed", applicant, "case-pending", errs.Conflict},
			{"a bundle's parent case", applicant, "case-bundle", errs.Conflict},
			{"an enterprise's case, the agent outside it", agentAlone, "case-firm", errs.NotFound},
			{"an enterprise's case, another resident", applicant, "case-firm", errs.NotFound},
			{"the applicant", applicant, "case-food", ""},
			{"the applicant again", applicant, "case-food", errs.Conflict},
			{"an enterprise's case, its agent", agent, "case-firm", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r, err := f.svc.RateCase(as(tc.p), tc.p, tc.caseID, good)
				wantKind(t, "RateCase", err, tc.want)
				if tc.want == "" && (r.Level != ratings.Satisfied || !r.RealName || r.CaseID != tc.caseID || r.Org != market ||
					r.ItemName != "食品经营许可证核发" || r.Channel != ratings.Online || r.Bad) {
					t.Fatalf("rating %+v", r)
				}
			})
		}
		// The applicant sees the case with its rating; nobody else sees it.
		cr, err := f.svc.ForCase(as(applicant), applicant, "case-food")
		if err != nil || cr.Rating == nil || cr.Rating.Comment != good.Comment || cr.Subject.CaseNumber != "FJ350000-20260226-000123" {
			t.Fatalf("ForCase: %+v %v", cr, err)
		}
		if _, err := f.svc.ForCase(as(neighbour), neighbour, "case-food"); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("ForCase as another: %v", err)
		}
		if cr, err := f.svc.ForCase(as(applicant), applicant, "case-pending"); err != nil || cr.Rating != nil || cr.Subject.Completed {
			t.Fatalf("ForCase, not completed: %+v %v", cr, err)
		}
		// Good ratings open no task and raise no event.
		if tasks, err := f.svc.Tasks(as(scjAdmin), scjAdmin, ratings.TaskFilter{}); err != nil || len(tasks) != 0 {
			t.Fatalf("tasks after good ratings: %d %v", len(tasks), err)
		}
		if evs := eventsOf(t, f.db, ratings.TopicBad); len(evs) != 0 {
			t.Fatalf("rating.bad after good ratings: %v", evs)
		}
	})
}

func TestBadInputNamesTheField(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		for _, tc := range []struct {
			name  string
			in    ratings.Input
			field string
		}{
			{"no level", ratings.Input{}, "level"},
			{"level 6", ratings.Input{Level: 6}, "level"},
			{"window channel for a case", ratings.Input{Level: 5, Channel: ratings.Window}, "channel"},
			{"unknown channel", ratings.Input{Level: 5, Channel: "fax"}, "channel"},
			{"a bad tag on a good rating", ratings.Input{Level: 5, Tags: []string{"bad_attitude"}}, "tags"},
			{"unknown tag", ratings.Input{Level: 1, Tags: []string{"rude"}}, "tags"},
			{"comment too long", ratings.Input{Level: 3, Comment: strings.Repeat("慢", ratings.MaxCommentRunes+1)}, "comment"},
			{"NUL in comment", ratings.Input{Level: 3, Comment: "等了\x00很久"}, "comment"},
			{"bidi override", ratings.Input{Level: 3, Comment: "好\u202e评"}, "comment"},
			{"invalid UTF-8", ratings.Input{Level: 3, Comment: "\xff\xfe"}, "comment"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.svc.RateCase(as(applicant), applicant, "case-food", tc.in)
				pe := errs.Public(err)
				if pe.Kind != errs.Invalid || pe.Field != tc.field {
					t.Fatalf("got %v, want invalid %s", err, tc.field)
				}
			})
		}
		// Nothing was stored by the refusals: the case can still be rated.
		r, err := f.svc.RateCase(as(applicant), applicant, "case-food", ratings.Input{Level: 5,
			Tags: []string{"one_visit", "one_visit", " friendly "}, Comment: "  材料一次说清，\r\n当天办结。 ", Channel: ratings.Kiosk})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"one_visit", "friendly"}, r.Tags); diff != "" {
			t.Errorf("tags (-want +got):\n%s", diff)
		}
		if r.Comment != "材料一次说清，\n当天办结。" || r.Channel != ratings.Kiosk {
			t.Errorf("comment %q channel %s", r.Comment, r.Channel)
		}
	})
}

// TestBadRatingAcrossNationalDay rates a case badly on the last working day before the 2026
// National Day holiday: ten working days count 8, 9, 10 (a make-up Saturday), 12–16, 19 and 20
// October, so the task is due by the end of 20 October.
func TestBadRatingAcrossNationalDay(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.clock.Set(time.Date(2026, 9, 30, 10, 0, 0, 0, clock.China))
		r, err := f.svc.RateCase(as(applicant), applicant, "case-food", ratings.Input{Level: ratings.VeryDissatisfied,
			Tags: []string{"repeated_visits", "not_told_at_once"}, Comment: "补正材料跑了三次，每次说法不一样。联系电话13859001234。"})
		if err != nil {
			t.Fatal(err)
		}
		tasks, err := f.svc.Tasks(as(scjAdmin), scjAdmin, ratings.TaskFilter{})
		if err != nil || len(tasks) != 1 {
			t.Fatalf("tasks %d %v", len(tasks), err)
		}
		task := tasks[0]
		wantDue := time.Date(2026, 10, 21, 0, 0, 0, 0, clock.China)
		if !task.DueAt.Equal(wantDue) || task.DeadlineDays != 10 || task.Status != ratings.TaskOpen || !task.RealName ||
			task.RatingID != r.ID || task.CaseNumber != "FJ350000-20260226-000123" {
			t.Fatalf("task %+v, want due %s", task, wantDue)
		}
		if got := task.LastDay().Format(time.DateOnly); got != "2026-10-20" {
			t.Errorf("last day %s", got)
		}
		evs := eventsOf(t, f.db, ratings.TopicBad)
		if len(evs) != 1 || evs[0]["rating_id"] != r.ID || evs[0]["org"] != market || evs[0]["case_id"] != "case-food" ||
			evs[0]["task_id"] != task.ID {
			t.Fatalf("rating.bad events %v", evs)
		}
		if diff := cmp.Diff([]string{"ratings.notify.bad_rating " + ratings.TaskPath(task.ID) + " FJ350000-20260226-000123 2026-10-20"},
			f.notes.list()); diff != "" {
			t.Errorf("messages (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"rating.create"}, actionsOf(t, f.db, "rating", r.ID)); diff != "" {
			t.Errorf("rating audit (-want +got):\n%s", diff)
		}
		// Officials read the comment masked; the person reads their own words.
		got, err := f.svc.Rating(as(scjWindow), scjWindow, r.ID)
		if err != nil || strings.Contains(got.Comment, "13859001234") || !strings.Contains(got.Comment, "138****1234") {
			t.Fatalf("official's view %q %v", got.Comment, err)
		}
		if own, err := f.svc.Rating(as(applicant), applicant, r.ID); err != nil || own.Comment != r.Comment {
			t.Fatalf("own view %q %v", own.Comment, err)
		}
		for _, p := range []principal.Principal{neighbour, gatAdmin, anonymous} {
			if _, err := f.svc.Rating(as(p), p, r.ID); errs.KindOf(err) != errs.NotFound {
				t.Errorf("Rating as %s: %v", p.Login, err)
			}
		}
		// No comment, and no person, reaches the audit log.
		evs2, err := audit.List(context.Background(), f.db, audit.Filter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs2 {
			if strings.Contains(e.Detail, "补正") || strings.Contains(e.Detail, "13859001234") {
				t.Errorf("audit %s carries the comment: %s", e.Action, e.Detail)
			}
		}
	})
}

// TestRectification is the role × action table of a task, through its whole life.
func TestRectification(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		r, err := f.svc.RateCase(as(applicant), applicant, "case-food", ratings.Input{Level: ratings.Dissatisfied,
			Tags: []string{"slow"}, Comment: "审批超过承诺时限。"})
		if err != nil {
			t.Fatal(err)
		}
		tasks, _ := f.svc.Tasks(as(scjAdmin), scjAdmin, ratings.TaskFilter{})
		id := tasks[0].ID
		f.clock.Advance(2 * time.Hour)
		call := ratings.NewCallBack{CalledAt: f.clock.Now().Add(-30 * time.Minute), Reached: true,
			Account: "申请人反映第一次提交后等待 15 个工作日未获答复。"}
		findings := "经核实，审查人员休假期间未指定代办人，导致超时 3 个工作日。"
		measures := "建立 AB 角制度，承诺时限前 3 日系统预警。"

		steps := []struct {
			name string
			p    principal.Principal
			do   func(p principal.Principal) error
			want errs.Kind
		}{
			{"verify before call-back", scjAdmin, func(p principal.Principal) error {
				_, err := f.svc.Verify(as(p), p, id, findings)
				return err
			}, errs.Conflict},
			{"call-back by the public", anonymous, func(p principal.Principal) error {
				_, err := f.svc.RecordCallBack(as(p), p, id, call)
				return err
			}, errs.Unauthenticated},
			{"call-back by the rater", applicant, func(p principal.Principal) error {
				_, err := f.svc.RecordCallBack(as(p), p, id, call)
				return err
			}, errs.NotFound},
			{"call-back by another organisation", gatAdmin, func(p principal.Principal) error {
				_, err := f.svc.RecordCallBack(as(p), p, id, call)
				return err
			}, errs.NotFound},
			{"call-back by the digital office", szbAdmin, func(p principal.Principal) error {
				_, err := f.svc.RecordCallBack(as(p), p, id, call)
				return err
			}, errs.Forbidden},
			{"call-back in the future", scjWindow, func(p principal.Principal) error {
				c := call
				c.CalledAt = f.clock.Now().Add(time.Hour)
				_, err := f.svc.RecordCallBack(as(p), p, id, c)
				return err
			}, errs.Invalid},
			{"reached without an account", scjWindow, func(p principal.Principal) error {
				c := call
				c.Account = " "
				_, err := f.svc.RecordCallBack(as(p), p, id, c)
				return err
			}, errs.Invalid},
			{"not reached, by the window officer", scjWindow, func(p principal.Principal) error {
				_, err := f.svc.RecordCallBack(as(p), p, id, ratings.NewCallBack{CalledAt: f.clock.Now().Add(-time.Hour)})
				return err
			}, ""},
			{"reached, by a reviewer", scjReviewer, func(p principal.Principal) error {
				_, err := f.svc.RecordCallBack(as(p), p, id, call)
				return err
			}, ""},
			{"verify by a window officer", scjWindow, func(p principal.Principal) error {
				_, err := f.svc.Verify(as(p), p, id, findings)
				return err
			}, errs.Forbidden},
			{"verify by the digital office", szbAdmin, func(p principal.Principal) error {
				_, err := f.svc.Verify(as(p), p, id, findings)
				return err
			}, errs.Forbidden},
			{"verify without findings", scjAdmin, func(p principal.Principal) error {
				_, err := f.svc.Verify(as(p), p, id, "")
				return err
			}, errs.Invalid},
			{"rectify before verifying", scjAdmin, func(p principal.Principal) error {
				_, err := f.svc.Rectify(as(p), p, id, measures)
				return err
			}, errs.Conflict},
			{"verify", scjAdmin, func(p principal.Principal) error {
				_, err := f.svc.Verify(as(p), p, id, findings)
				return err
			}, ""},
			{"verify again", scjAdmin, func(p principal.Principal) error {
				_, err := f.svc.Verify(as(p), p, id, findings)
				return err
			}, errs.Conflict},
			{"close before rectifying", scjAdmin, func(p principal.Principal) error {
				_, err := f.svc.Close(as(p), p, id, "")
				return err
			}, errs.Conflict},
			{"rectify by another organisation's administrator", gatAdmin, func(p principal.Principal) error {
				_, err := f.svc.Rectify(as(p), p, id, measures)
				return err
			}, errs.NotFound},
			{"rectify", scjAdmin, func(p principal.Principal) error {
				_, err := f.svc.Rectify(as(p), p, id, measures)
				return err
			}, ""},
			{"close", scjAdmin, func(p principal.Principal) error {
				_, err := f.svc.Close(as(p), p, id, "已向申请人致歉并说明整改情况。")
				return err
			}, ""},
			{"call-back after closing", scjWindow, func(p principal.Principal) error {
				_, err := f.svc.RecordCallBack(as(p), p, id, call)
				return err
			}, errs.Conflict},
		}
		for _, st := range steps {
			wantKind(t, st.name, st.do(st.p), st.want)
		}
		task, err := f.svc.Task(as(szbReviewer), szbReviewer, id)
		if err != nil {
			t.Fatal(err)
		}
		if task.Status != ratings.TaskClosed || !task.OnTime() || task.Overdue || task.Findings != findings || task.Measures != measures ||
			len(task.CallBacks) != 2 || task.CallBacks[1].Caller != scjReviewer.Actor() || !task.CallBacks[1].Reached ||
			task.Rating == nil || task.Rating.ID != r.ID {
			t.Fatalf("closed task %+v", task)
		}
		if _, err := f.svc.Task(as(gatAdmin), gatAdmin, id); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("another organisation reads the task: %v", err)
		}
		want := []string{"rating.task_open", "rating.task_callback", "rating.task_callback", "rating.task_verify", "rating.task_rectify", "rating.task_close"}
		if diff := cmp.Diff(want, actionsOf(t, f.db, "rating_task", id)); diff != "" {
			t.Errorf("task audit (-want +got):\n%s", diff)
		}
		if got := f.notes.list(); len(got) != 2 || got[1] != "ratings.notify.task_closed "+ratings.CasePath("case-food")+" FJ350000-20260226-000123" {
			t.Errorf("messages %q", got)
		}
	})
}

// TestSweepFlagsOverdueTasks lets a task's deadline pass.
func TestSweepFlagsOverdueTasks(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		if _, err := f.svc.RateCase(as(applicant), applicant, "case-hukou", ratings.Input{Level: 1, Tags: []string{"bad_attitude"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.RateCase(as(neighbour), neighbour, "case-hukou-2", ratings.Input{Level: 2}); err != nil {
			t.Fatal(err)
		}
		tasks, _ := f.svc.Tasks(as(gatAdmin), gatAdmin, ratings.TaskFilter{})
		if len(tasks) != 2 {
			t.Fatalf("%d tasks", len(tasks))
		}
		// Monday 2 March + 10 working days = Monday 16 March; due by its end.
		if got := tasks[0].LastDay().Format(time.DateOnly); got != "2026-03-16" {
			t.Fatalf("last day %s", got)
		}
		if n, err := f.svc.Sweep(context.Background()); err != nil || n != 0 {
			t.Fatalf("early sweep: %d %v", n, err)
		}
		// One task is worked through in time except for its closing.
		first := tasks[0].ID
		if _, err := f.svc.RecordCallBack(as(gatWindow), gatWindow, first, ratings.NewCallBack{CalledAt: f.clock.Now(), Reached: true,
			Account: "群众反映窗口人员语气生硬。"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Verify(as(gatAdmin), gatAdmin, first, "调取窗口录像，属实。"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Rectify(as(gatAdmin), gatAdmin, first, "对当事窗口人员进行批评教育，开展服务礼仪培训。"); err != nil {
			t.Fatal(err)
		}
		f.clock.Set(time.Date(2026, 3, 16, 23, 59, 0, 0, clock.China))
		if n, err := f.svc.Sweep(context.Background()); err != nil || n != 0 {
			t.Fatalf("sweep on the last day: %d %v", n, err)
		}
		f.clock.Set(time.Date(2026, 3, 17, 0, 0, 0, 0, clock.China))
		if n, err := f.svc.Sweep(context.Background()); err != nil || n != 2 {
			t.Fatalf("sweep after the deadline: %d %v", n, err)
		}
		if n, err := f.svc.Sweep(context.Background()); err != nil || n != 0 {
			t.Fatalf("second sweep: %d %v", n, err)
		}
		over, err := f.svc.Tasks(as(gatAdmin), gatAdmin, ratings.TaskFilter{OverdueOnly: true})
		if err != nil || len(over) != 2 || over[0].OverdueAt == nil {
			t.Fatalf("overdue tasks %+v %v", over, err)
		}
		if evs := eventsOf(t, f.db, ratings.TopicOverdue); len(evs) != 2 || evs[0]["org"] != security {
			t.Fatalf("overdue events %v", evs)
		}
		// Closing late keeps the flag; the statistics count it as not on time.
		task, err := f.svc.Close(as(gatAdmin), gatAdmin, first, "")
		if err != nil || !task.Overdue || task.OnTime() {
			t.Fatalf("late closing %+v %v", task, err)
		}
		st, err := f.svc.Stats(context.Background(), ratings.StatsQuery{From: start.AddDate(0, 0, -1), To: start.AddDate(0, 1, 0)})
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Rows) != 1 || st.Rows[0].Tasks != 2 || st.Rows[0].Rectified != 1 || st.Rows[0].OnTime != 0 ||
			st.Rows[0].OverdueOpen != 1 || st.Rows[0].OnTimeRate == nil || *st.Rows[0].OnTimeRate != 0 {
			t.Fatalf("stats %+v", st.Rows)
		}
		if actions := actionsOf(t, f.db, "rating_task", first); actions[len(actions)-2] != "rating.task_overdue" {
			t.Errorf("task audit %v", actions)
		}
	})
}

func TestFollowUp(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		r, err := f.svc.RateCase(as(agent), agent, "case-firm", ratings.Input{Level: 4})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			p    principal.Principal
			text string
			want errs.Kind
		}{
			{"another resident", neighbour, "追评", errs.NotFound},
			{"the same person outside the enterprise", agentAlone, "追评", errs.NotFound},
			{"an official", scjAdmin, "追评", errs.NotFound},
			{"empty", agent, "  ", errs.Invalid},
			{"the agent", agent, "证照已领取，电子证照同步可用。", ""},
			{"again", agent, "再追评", errs.Conflict},
		} {
			_, err := f.svc.FollowUp(as(tc.p), tc.p, r.ID, tc.text)
			wantKind(t, tc.name, err, tc.want)
		}
		got, err := f.svc.Rating(as(agent), agent, r.ID)
		if err != nil || got.FollowUp != "证照已领取，电子证照同步可用。" || got.FollowUpAt == nil || got.ActingFor != enterprise {
			t.Fatalf("after follow-up %+v %v", got, err)
		}
	})
}

func TestVisits(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		for _, p := range []principal.Principal{anonymous, applicant, scjAdmin, szbAdmin} {
			_, _, err := f.svc.OpenVisit(as(p), p, ratings.NewVisit{})
			if k := errs.KindOf(err); k != errs.Forbidden && k != errs.Unauthenticated {
				t.Errorf("OpenVisit as %s: %v", p.Login, err)
			}
		}
		if _, _, err := f.svc.OpenVisit(as(scjWindow), scjWindow, ratings.NewVisit{ItemCode: "食品许可"}); errs.Public(err).Field != "item_code" {
			t.Errorf("bad item code: %v", err)
		}
		v, code, err := f.svc.OpenVisit(as(scjWindow), scjWindow, ratings.NewVisit{ItemCode: foodLicence})
		if err != nil {
			t.Fatal(err)
		}
		if len(code) != 8 || v.Org != market || !v.ExpiresAt.Equal(f.clock.Now().Add(24*time.Hour).UTC().Truncate(time.Microsecond)) {
			t.Fatalf("visit %+v code %q", v, code)
		}
		// People type codes in lower case with a hyphen or spaces.
		typed := strings.ToLower(ratings.FormatCode(code))
		if got, err := f.svc.VisitByCode(as(anonymous), anonymous, typed); err != nil || got.ID != v.ID {
			t.Fatalf("VisitByCode(%q) = %+v, %v", typed, got, err)
		}
		for _, bad := range []string{"", "AAAA-AAA", "0000-0000", code[:7] + "!", strings.Repeat("A", 100)} {
			if _, err := f.svc.VisitByCode(as(anonymous), anonymous, bad); errs.KindOf(err) != errs.NotFound {
				t.Errorf("VisitByCode(%q): %v", bad, err)
			}
		}
		if _, err := f.svc.RateVisit(as(scjWindow), scjWindow, code, ratings.Input{Level: 5}); errs.KindOf(err) != errs.Forbidden {
			t.Errorf("an official rates: %v", err)
		}
		r, err := f.svc.RateVisit(as(anonymous), anonymous, typed, ratings.Input{Level: 2, Tags: []string{"too_many_materials"},
			Channel: ratings.Window, Comment: "要求提供已在系统里的营业执照复印件。"})
		if err != nil {
			t.Fatal(err)
		}
		if r.RealName || r.Kind != ratings.KindVisit || r.VisitID != v.ID || r.ItemCode != foodLicence || r.Channel != ratings.Window {
			t.Fatalf("visit rating %+v", r)
		}
		if _, err := f.svc.RateVisit(as(anonymous), anonymous, code, ratings.Input{Level: 5}); errs.KindOf(err) != errs.Conflict {
			t.Errorf("second rating of a visit: %v", err)
		}
		// An anonymous bad rating opens a task that may be verified without a call-back.
		tasks, _ := f.svc.Tasks(as(scjAdmin), scjAdmin, ratings.TaskFilter{})
		if len(tasks) != 1 || tasks[0].RealName || tasks[0].Kind != ratings.KindVisit {
			t.Fatalf("tasks %+v", tasks)
		}
		if _, err := f.svc.Verify(as(scjAdmin), scjAdmin, tasks[0].ID, "窗口人员未使用电子证照共享，已纠正。"); err != nil {
			t.Fatalf("verify an anonymous rating: %v", err)
		}
		if evs := eventsOf(t, f.db, ratings.TopicBad); len(evs) != 1 || evs[0]["case_id"] != "" || evs[0]["visit_id"] != v.ID {
			t.Fatalf("events %v", evs)
		}

		// A visit named for a resident: another signed-in resident cannot use its code; at the
		// pad without login, the rating is the named person's, real-name.
		named, code2, err := f.svc.OpenVisit(as(scjWindow), scjWindow, ratings.NewVisit{Resident: applicant.AccountID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.RateVisit(as(neighbour), neighbour, code2, ratings.Input{Level: 5}); errs.KindOf(err) != errs.NotFound {
			t.Errorf("another resident uses a named visit's code: %v", err)
		}
		r2, err := f.svc.RateVisit(as(anonymous), anonymous, code2, ratings.Input{Level: 5, Tags: []string{"friendly"}, Channel: ratings.Kiosk})
		if err != nil || !r2.RealName || r2.VisitID != named.ID {
			t.Fatalf("named visit rating %+v %v", r2, err)
		}
		// The named person may follow up online.
		if _, err := f.svc.FollowUp(as(applicant), applicant, r2.ID, "窗口人员耐心细致。"); err != nil {
			t.Fatalf("follow-up on a visit: %v", err)
		}

		// Codes expire.
		_, code3, err := f.svc.OpenVisit(as(gatWindow), gatWindow, ratings.NewVisit{})
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(24 * time.Hour)
		if _, err := f.svc.RateVisit(as(applicant), applicant, code3, ratings.Input{Level: 5}); errs.KindOf(err) != errs.Conflict {
			t.Errorf("expired code: %v", err)
		}
		if diff := cmp.Diff([]string{"rating.visit_open"}, actionsOf(t, f.db, "rating_visit", v.ID)); diff != "" {
			t.Errorf("visit audit (-want +got):\n%s", diff)
		}
	})
}

func TestAppeals(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		bad, err := f.svc.RateCase(as(applicant), applicant, "case-food", ratings.Input{Level: 1, Comment: "你们等着瞧，不给我加急我天天差评。"})
		if err != nil {
			t.Fatal(err)
		}
		good, err := f.svc.RateCase(as(agent), agent, "case-firm", ratings.Input{Level: 5})
		if err != nil {
			t.Fatal(err)
		}
		evidence := "评价人多次要求违规加急办理，未获同意后给予差评，有窗口录音录像为证。"
		for _, tc := range []struct {
			name     string
			p        principal.Principal
			rating   string
			reason   string
			evidence string
			want     errs.Kind
		}{
			{"the public", anonymous, bad.ID, "coercion", evidence, errs.Unauthenticated},
			{"the rater", applicant, bad.ID, "coercion", evidence, errs.NotFound},
			{"another organisation", gatAdmin, bad.ID, "coercion", evidence, errs.NotFound},
			{"a window officer", scjWindow, bad.ID, "coercion", evidence, errs.Forbidden},
			{"the digital office for the organisation", szbAdmin, bad.ID, "coercion", evidence, errs.Forbidden},
			{"unknown reason", scjAdmin, bad.ID, "annoying", evidence, errs.Invalid},
			{"no evidence", scjAdmin, bad.ID, "coercion", " ", errs.Invalid},
			{"a good rating", scjAdmin, good.ID, "unrelated", evidence, errs.Conflict},
			{"unknown rating", scjAdmin, "rat_00", "coercion", evidence, errs.NotFound},
			{"the administrator", scjAdmin, bad.ID, "coercion", evidence, ""},
			{"again", scjAdmin, bad.ID, "abusive", evidence, errs.Conflict},
		} {
			_, err := f.svc.FileAppeal(as(tc.p), tc.p, tc.rating, tc.reason, tc.evidence)
			wantKind(t, tc.name, err, tc.want)
		}
		list, err := f.svc.Appeals(as(scjWindow), scjWindow, ratings.AppealFilter{})
		if err != nil || len(list) != 1 || list[0].Status != ratings.AppealPending || list[0].TaskID == "" {
			t.Fatalf("appeals %+v %v", list, err)
		}
		id := list[0].ID
		if l, err := f.svc.Appeals(as(gatAdmin), gatAdmin, ratings.AppealFilter{}); err != nil || len(l) != 0 {
			t.Fatalf("another organisation's appeals: %d %v", len(l), err)
		}
		if _, err := f.svc.Appeals(as(applicant), applicant, ratings.AppealFilter{}); errs.KindOf(err) != errs.Forbidden {
			t.Fatalf("appeals as a resident: %v", err)
		}
		for _, tc := range []struct {
			name   string
			p      principal.Principal
			uphold bool
			note   string
			want   errs.Kind
		}{
			{"the rated organisation", scjAdmin, true, "", errs.Forbidden},
			{"another organisation", gatAdmin, true, "", errs.NotFound},
			{"a reviewer of the digital office", szbReviewer, true, "", errs.Forbidden},
			{"reject without a reason", szbAdmin, false, "", errs.Invalid},
			{"uphold", szbAdmin, true, "录音录像证实评价人以差评要挟。", ""},
			{"again", szbAdmin, false, "重复审核", errs.Conflict},
		} {
			_, err := f.svc.DecideAppeal(as(tc.p), tc.p, id, tc.uphold, tc.note)
			wantKind(t, tc.name, err, tc.want)
		}
		r, err := f.svc.Rating(as(scjAdmin), scjAdmin, bad.ID)
		if err != nil || !r.Excluded {
			t.Fatalf("rating after an upheld appeal %+v %v", r, err)
		}
		task, err := f.svc.Task(as(scjAdmin), scjAdmin, list[0].TaskID)
		if err != nil || task.Status != ratings.TaskCancelled || task.Appeal == nil || task.Appeal.Status != ratings.AppealUpheld {
			t.Fatalf("task after an upheld appeal %+v %v", task, err)
		}
		// The excluded rating leaves the statistics: only the good one is counted.
		st, err := f.svc.Stats(context.Background(), ratings.StatsQuery{From: start.AddDate(0, 0, -7), To: start.AddDate(0, 0, 7)})
		if err != nil || st.Total.Total != 1 || st.Total.Bad != 0 || st.Total.Tasks != 0 {
			t.Fatalf("stats %+v %v", st.Total, err)
		}
		want := []string{"rating.appeal_file", "rating.appeal_uphold"}
		if diff := cmp.Diff(want, actionsOf(t, f.db, "rating_appeal", id)); diff != "" {
			t.Errorf("appeal audit (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"rating.task_open", "rating.task_cancel"}, actionsOf(t, f.db, "rating_task", task.ID)); diff != "" {
			t.Errorf("task audit (-want +got):\n%s", diff)
		}

		// A rejected appeal keeps the rating in the statistics and the task going.
		bad2, err := f.svc.RateCase(as(applicant), applicant, "case-hukou", ratings.Input{Level: 2})
		if err != nil {
			t.Fatal(err)
		}
		a2, err := f.svc.FileAppeal(as(gatAdmin), gatAdmin, bad2.ID, "unrelated", "评价内容与户口迁移无关。")
		if err != nil {
			t.Fatal(err)
		}
		if a2, err = f.svc.DecideAppeal(as(szbAdmin), szbAdmin, a2.ID, false, "评价人反映的是本次办件的等候时间，与服务相关。"); err != nil ||
			a2.Status != ratings.AppealRejected || a2.DecidedBy == nil {
			t.Fatalf("reject %+v %v", a2, err)
		}
		if all, err := f.svc.Appeals(as(szbReviewer), szbReviewer, ratings.AppealFilter{}); err != nil || len(all) != 2 {
			t.Fatalf("digital office sees %d appeals: %v", len(all), err)
		}
		if tasks, _ := f.svc.Tasks(as(gatAdmin), gatAdmin, ratings.TaskFilter{Pending: true}); len(tasks) != 1 {
			t.Fatalf("task after a rejected appeal: %+v", tasks)
		}
	})
}

// TestListsAreOfficialsOwn checks who lists what, and that lists mask what people wrote.
func TestListsAreOfficialsOwn(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		id := idcode.NewResidentID("350102", time.Date(1988, 3, 15, 0, 0, 0, 0, clock.China), 46)
		if _, err := f.svc.RateCase(as(applicant), applicant, "case-food", ratings.Input{Level: 2,
			Comment: "我的身份证号" + id + "被要求复印三次。"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.RateCase(as(applicant), applicant, "case-hukou", ratings.Input{Level: 5}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			p    principal.Principal
			f    ratings.Filter
			n    int
			want errs.Kind
		}{
			{"the public", anonymous, ratings.Filter{}, 0, errs.Unauthenticated},
			{"a resident", applicant, ratings.Filter{}, 0, errs.Forbidden},
			{"own organisation", scjWindow, ratings.Filter{}, 1, ""},
			{"own organisation by name", scjWindow, ratings.Filter{Org: market}, 1, ""},
			{"another organisation by name", scjWindow, ratings.Filter{Org: security}, 0, errs.Forbidden},
			{"the digital office, all", szbReviewer, ratings.Filter{}, 2, ""},
			{"the digital office, one", szbReviewer, ratings.Filter{Org: security}, 1, ""},
			{"bad only", szbReviewer, ratings.Filter{BadOnly: true}, 1, ""},
			{"level 5", szbReviewer, ratings.Filter{Level: 5}, 1, ""},
			{"a later period", szbReviewer, ratings.Filter{From: start.Add(time.Hour)}, 0, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				list, err := f.svc.Ratings(as(tc.p), tc.p, tc.f)
				wantKind(t, "Ratings", err, tc.want)
				if len(list) != tc.n {
					t.Fatalf("%d ratings, want %d", len(list), tc.n)
				}
				for _, r := range list {
					if strings.Contains(r.Comment, id) {
						t.Errorf("unmasked ID number in %q", r.Comment)
					}
				}
			})
		}
		for _, tc := range []struct {
			p    principal.Principal
			f    ratings.TaskFilter
			n    int
			want errs.Kind
		}{
			{scjWindow, ratings.TaskFilter{}, 1, ""},
			{gatAdmin, ratings.TaskFilter{}, 0, ""},
			{gatAdmin, ratings.TaskFilter{Org: market}, 0, errs.Forbidden},
			{szbReviewer, ratings.TaskFilter{Org: market}, 1, ""},
			{applicant, ratings.TaskFilter{}, 0, errs.Forbidden},
		} {
			list, err := f.svc.Tasks(as(tc.p), tc.p, tc.f)
			wantKind(t, "Tasks as "+tc.p.Login, err, tc.want)
			if len(list) != tc.n {
				t.Errorf("Tasks as %s: %d, want %d", tc.p.Login, len(list), tc.n)
			}
		}
	})
}

// TestStatistics rates a mix of cases and visits and checks the published figures against a
// tally of the same ratings.
func TestStatistics(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		type given struct {
			org   string
			item  string
			level ratings.Level
		}
		var all []given
		// Visits at two windows, rated at the pad.
		levels := map[string][]ratings.Level{
			market:   {5, 5, 4, 3, 2, 5, 1},
			security: {4, 4, 5, 3, 3},
		}
		for orgCode, ls := range levels {
			window := scjWindow
			item := foodLicence
			if orgCode == security {
				window, item = gatWindow, residence
			}
			for _, l := range ls {
				_, code, err := f.svc.OpenVisit(as(window), window, ratings.NewVisit{ItemCode: item})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := f.svc.RateVisit(as(anonymous), anonymous, code, ratings.Input{Level: l, Channel: ratings.Window}); err != nil {
					t.Fatal(err)
				}
				all = append(all, given{orgCode, item, l})
			}
		}
		// A visit without an item, and a case.
		_, code, _ := f.svc.OpenVisit(as(scjWindow), scjWindow, ratings.NewVisit{})
		if _, err := f.svc.RateVisit(as(anonymous), anonymous, code, ratings.Input{Level: 4}); err != nil {
			t.Fatal(err)
		}
		all = append(all, given{market, "", 4})
		if _, err := f.svc.RateCase(as(applicant), applicant, "case-food", ratings.Input{Level: 3}); err != nil {
			t.Fatal(err)
		}
		all = append(all, given{market, foodLicence, 3})
		// A rating after the period is not counted.
		f.clock.Advance(48 * time.Hour)
		if _, err := f.svc.RateCase(as(applicant), applicant, "case-hukou", ratings.Input{Level: 1}); err != nil {
			t.Fatal(err)
		}
		period := ratings.StatsQuery{From: start.Add(-time.Hour), To: start.Add(24 * time.Hour)}

		tally := func(keep func(g given) bool) ratings.Counts {
			var c ratings.Counts
			for _, g := range all {
				if keep(g) {
					c.ByLevel[g.level-1]++
					c.Total++
					if g.level.Bad() {
						c.Bad++
						c.Tasks++
					}
				}
			}
			return c
		}
		check := func(what string, got, want ratings.Counts) {
			t.Helper()
			if got.ByLevel != want.ByLevel || got.Total != want.Total || got.Bad != want.Bad || got.Tasks != want.Tasks || got.Rectified != 0 {
				t.Errorf("%s: %+v, want %+v", what, got, want)
			}
			sat := 100 * float64(want.Level(3)+want.Level(4)+want.Level(5)) / float64(want.Total)
			if got.SatisfactionRate == nil || *got.SatisfactionRate != sat {
				t.Errorf("%s: satisfaction %v, want %v", what, got.SatisfactionRate, sat)
			}
			if got.OnTimeRate != nil {
				t.Errorf("%s: on-time rate %v before any deadline", what, *got.OnTimeRate)
			}
		}
		byOrg, err := f.svc.Stats(context.Background(), period)
		if err != nil {
			t.Fatal(err)
		}
		if len(byOrg.Rows) != 2 || byOrg.Rows[0].Org != market {
			t.Fatalf("rows %+v", byOrg.Rows)
		}
		for _, row := range byOrg.Rows {
			check(row.Org, row.Counts, tally(func(g given) bool { return g.org == row.Org }))
		}
		check("total", byOrg.Total, tally(func(given) bool { return true }))

		byItem, err := f.svc.Stats(context.Background(), ratings.StatsQuery{From: period.From, To: period.To, By: ratings.ByItem, Org: market})
		if err != nil {
			t.Fatal(err)
		}
		if len(byItem.Rows) != 2 || byItem.Rows[0].ItemCode != foodLicence || byItem.Rows[0].ItemName != "食品经营许可证核发" {
			t.Fatalf("item rows %+v", byItem.Rows)
		}
		for _, row := range byItem.Rows {
			check(row.Org+"/"+row.ItemCode, row.Counts, tally(func(g given) bool { return g.org == market && g.item == row.ItemCode }))
		}
		for _, q := range []ratings.StatsQuery{
			{From: period.To, To: period.From},
			{From: period.From},
			{From: period.From, To: period.To, By: "person"},
			{From: period.From.AddDate(-11, 0, 0), To: period.To},
		} {
			if _, err := f.svc.Stats(context.Background(), q); errs.KindOf(err) != errs.Invalid {
				t.Errorf("Stats(%+v): %v", q, err)
			}
		}
	})
}
