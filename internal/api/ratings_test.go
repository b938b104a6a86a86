package api_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/api"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/ratings"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// ratingMainScenarios belong in the main table once the platform wires the rating system
// (app.New with Config.Ratings): public reads and refusals that need no rating, so that every
// rating route is called there. Add them with
//
//	func init() { scenarios = append(scenarios, ratingMainScenarios...) }
//
// The rating scenarios below run them, and the rest, on a platform of their own.
var ratingMainScenarios = []scenario{
	{name: "ratings: tags, public", method: "GET", url: "/api/v1/ratings/tags", status: 200,
		want: map[string]any{"#": 5, "0.level": 5, "0.bad": false, "0.tags.0.code": "efficient", "0.names.en": "Very satisfied",
			"4.level": 1, "4.bad": true, "4.tags.1.names.zh-Hans": "态度不好"}},
	{name: "ratings: stats, public", method: "GET", url: "/api/v1/ratings/stats?from=2026-01-01&to=2026-12-31", status: 200,
		want: map[string]any{"by": "org", "rows.#": 0, "total.total": 0, "total.satisfaction_rate": nil, "total.by_level.#": 5}},
	{name: "ratings: stats, unknown grouping", method: "GET", url: "/api/v1/ratings/stats?by=person", status: 400,
		want: fieldErr("by", zh("ratings.error.grouping"))},
	{name: "ratings: stats, not a date", method: "GET", url: "/api/v1/ratings/stats?from=yesterday", status: 400,
		want: fieldErr("from", zh("api.error.bad_time", "yesterday"))},
	{name: "ratings: stats, reversed period", method: "GET", url: "/api/v1/ratings/stats?from=2026-03-01&to=2026-02-01", status: 400,
		want: fieldErr("to", zh("ratings.error.period"))},
	{name: "ratings: stats, unknown organisation", method: "GET", url: "/api/v1/ratings/stats?org=no-such-org", status: 404,
		want: errWant("not_found", zh("error.org_not_found", "no-such-org"))},
	{name: "ratings: case, anonymous", method: "GET", url: "/api/v1/ratings/cases/case-none", status: 401, want: unauthenticated},
	{name: "ratings: case, unknown", method: "GET", url: "/api/v1/ratings/cases/case-none", as: resident, status: 404,
		want: errWant("not_found", zh("ratings.error.case_not_found"))},
	{name: "ratings: rate case, anonymous", method: "POST", url: "/api/v1/ratings/cases/case-none", body: `{"level":5}`, status: 401,
		want: unauthenticated},
	{name: "ratings: rate case, unknown", method: "POST", url: "/api/v1/ratings/cases/case-none", as: resident, body: `{"level":5}`,
		status: 404, want: errWant("not_found", zh("ratings.error.case_not_found"))},
	{name: "ratings: open visit, anonymous", method: "POST", url: "/api/v1/ratings/visits", status: 401, want: unauthenticated},
	{name: "ratings: open visit, not a window officer", method: "POST", url: "/api/v1/ratings/visits", as: gxt, body: `{}`, status: 403,
		want: errWant("forbidden", zh("ratings.error.window_officers_only"))},
	{name: "ratings: visit, unknown code", method: "GET", url: "/api/v1/ratings/visits?code=ZZZZ-ZZZZ", status: 404,
		want: errWant("not_found", zh("ratings.error.visit_not_found"))},
	{name: "ratings: rate visit, unknown code", method: "POST", url: "/api/v1/ratings/visits/rating", body: `{"code":"ZZZZZZZZ","level":4}`, status: 404,
		want: errWant("not_found", zh("ratings.error.visit_not_found"))},
	{name: "ratings: records, anonymous", method: "GET", url: "/api/v1/ratings/records", status: 401, want: unauthenticated},
	{name: "ratings: records, a resident", method: "GET", url: "/api/v1/ratings/records", as: resident, status: 403,
		want: errWant("forbidden", zh("ratings.error.officials_only"))},
	{name: "ratings: records, none yet", method: "GET", url: "/api/v1/ratings/records", as: reviewer, status: 200, want: map[string]any{"#": 0}},
	{name: "ratings: record, unknown", method: "GET", url: "/api/v1/ratings/records/rat_00", as: reviewer, status: 404,
		want: errWant("not_found", zh("ratings.error.rating_not_found"))},
	{name: "ratings: follow-up, unknown", method: "POST", url: "/api/v1/ratings/records/rat_00/follow-up", as: resident,
		body: `{"text":"追评"}`, status: 404, want: errWant("not_found", zh("ratings.error.rating_not_found"))},
	{name: "ratings: appeal, anonymous", method: "POST", url: "/api/v1/ratings/records/rat_00/appeal",
		body: `{"reason":"abusive","evidence":"x"}`, status: 401, want: unauthenticated},
	{name: "ratings: tasks, another organisation", method: "GET", url: "/api/v1/ratings/tasks?org=fj-market-regulation", as: gxt,
		status: 403, want: errWant("forbidden", zh("ratings.error.other_org"))},
	{name: "ratings: tasks, bad flag", method: "GET", url: "/api/v1/ratings/tasks?pending=maybe", as: gxt, status: 400,
		want: fieldErr("pending", zh("api.ratings.bad_bool", "pending"))},
	{name: "ratings: task, unknown", method: "GET", url: "/api/v1/ratings/tasks/rtk_00", as: gxt, status: 404,
		want: errWant("not_found", zh("ratings.error.task_not_found"))},
	{name: "ratings: call-back, unknown task", method: "POST", url: "/api/v1/ratings/tasks/rtk_00/callbacks", as: gxt,
		body: `{"reached":false}`, status: 404, want: errWant("not_found", zh("ratings.error.task_not_found"))},
	{name: "ratings: verification, anonymous", method: "POST", url: "/api/v1/ratings/tasks/rtk_00/verification",
		body: `{"findings":"x"}`, status: 401, want: unauthenticated},
	{name: "ratings: rectification, unknown task", method: "POST", url: "/api/v1/ratings/tasks/rtk_00/rectification", as: admin,
		body: `{"measures":"x"}`, status: 404, want: errWant("not_found", zh("ratings.error.task_not_found"))},
	{name: "ratings: closing, unknown task", method: "POST", url: "/api/v1/ratings/tasks/rtk_00/closing", as: admin, status: 404,
		want: errWant("not_found", zh("ratings.error.task_not_found"))},
	{name: "ratings: appeals, the digital office", method: "GET", url: "/api/v1/ratings/appeals?status=pending", as: reviewer, status: 200,
		want: map[string]any{"#": 0}},
	{name: "ratings: appeals, bad status", method: "GET", url: "/api/v1/ratings/appeals?status=maybe", as: reviewer, status: 400,
		want: fieldErr("status", zh("api.ratings.bad_status"))},
	{name: "ratings: decision, unknown", method: "POST", url: "/api/v1/ratings/appeals/rap_00/decision", as: admin,
		body: `{"uphold":true}`, status: 404, want: errWant("not_found", zh("ratings.error.appeal_not_found"))},
}

// The people of the rating scenarios: the market regulator's demo officials (its window officer,
// administrator and approver) and officials of public security.
const (
	scjWindow = "scj.window"
	gatWindow = "gat.window"
)

// A comment with a mobile number: officials read it masked.
const (
	badComment    = "补正材料跑了三次，每次要求都不一样。有事打我电话13859001234。"
	maskedComment = "补正材料跑了三次，每次要求都不一样。有事打我电话138****1234。"
)

// ratingScenarios rate the demo resident's completed case badly, rectify it through its task,
// rate a window visit by its code, and appeal against that rating.
var ratingScenarios = []scenario{
	// The resident's case.
	{name: "rate: the applicant sees the case", method: "GET", url: "/api/v1/ratings/cases/case-food", as: resident, status: 200,
		want: map[string]any{"case.case_number": "FJ350000-20260226-000123", "case.item_name": "食品经营许可证核发", "case.completed": true,
			"rating": nil, "can_rate": true}},
	{name: "rate: another resident", method: "GET", url: "/api/v1/ratings/cases/case-food", as: neighbour, status: 404,
		want: errWant("not_found", zh("ratings.error.case_not_found"))},
	{name: "rate: an official of the organisation", method: "POST", url: "/api/v1/ratings/cases/case-food", as: scjWindow,
		body: `{"level":5}`, status: 404, want: errWant("not_found", zh("ratings.error.case_not_found"))},
	{name: "rate: unknown field", method: "POST", url: "/api/v1/ratings/cases/case-food", as: resident, body: `{"level":5,"mood":"ok"}`,
		status: 400, want: fieldErr("mood", zh("api.error.unknown_field", "mood"))},
	{name: "rate: no level", method: "POST", url: "/api/v1/ratings/cases/case-food", as: resident, body: `{"comment":"好"}`,
		status: 400, want: fieldErr("level", zh("ratings.error.level"))},
	{name: "rate: level as text", method: "POST", url: "/api/v1/ratings/cases/case-food", as: resident, body: `{"level":"5"}`,
		status: 400, want: fieldErr("level", zh("api.error.bad_type", "level", "int"))},
	{name: "rate: a tag of another level", method: "POST", url: "/api/v1/ratings/cases/case-food", as: resident,
		body: `{"level":5,"tags":["bad_attitude"]}`, status: 400, want: fieldErr("tags", zh("ratings.error.tag"))},
	{name: "rate: NUL in the comment", method: "POST", url: "/api/v1/ratings/cases/case-food", as: resident,
		body: `{"level":3,"comment":"a\u0000b"}`, status: 400, want: fieldErr("comment", zh("api.error.bad_text", "comment"))},
	{name: "rate: at the window", method: "POST", url: "/api/v1/ratings/cases/case-food", as: resident,
		body: `{"level":3,"channel":"window"}`, status: 400, want: fieldErr("channel", zh("ratings.error.channel"))},
	{name: "rate: not completed", method: "POST", url: "/api/v1/ratings/cases/case-pending", as: resident, body: `{"level":5}`,
		status: 409, want: errWant("conflict", zh("ratings.error.case_not_completed"))},
	{name: "rate: the applicant, badly", method: "POST", url: "/api/v1/ratings/cases/case-food", as: resident,
		body:   `{"level":1,"tags":["repeated_visits","not_told_at_once"],"comment":"` + badComment + `"}`,
		status: 201, want: map[string]any{"id": present, "kind": "case", "level": 1, "bad": true, "real_name": true, "channel": "online",
			"comment": badComment, "tags.#": 2, "org": "fj-market-regulation"},
		wantHeader: map[string]string{"Location": present.String()},
		audit:      []string{"rating.create", "rating.task_open"}, save: map[string]string{"rating": "id"}},
	{name: "rate: again", method: "POST", url: "/api/v1/ratings/cases/case-food", as: resident, body: `{"level":5}`,
		status: 409, want: errWant("conflict", zh("ratings.error.already_rated"))},
	{name: "rate: the case shows its rating", method: "GET", url: "/api/v1/ratings/cases/case-food", as: resident, status: 200,
		want: map[string]any{"rating.id": "{rating}", "rating.level": 1, "can_rate": false}},
	{name: "follow-up: another resident", method: "POST", url: "/api/v1/ratings/records/{rating}/follow-up", as: neighbour,
		body: `{"text":"同感"}`, status: 404, want: errWant("not_found", zh("ratings.error.rating_not_found"))},
	{name: "follow-up: the resident", method: "POST", url: "/api/v1/ratings/records/{rating}/follow-up", as: resident,
		body: `{"text":"工作人员已回电道歉。"}`, status: 200, want: map[string]any{"follow_up": "工作人员已回电道歉。", "follow_up_at": present},
		audit: []string{"rating.follow_up"}},
	{name: "follow-up: again", method: "POST", url: "/api/v1/ratings/records/{rating}/follow-up", as: resident,
		body: `{"text":"再补充"}`, status: 409, want: errWant("conflict", zh("ratings.error.follow_up_given"))},

	// Officials read the rating masked and rectify it.
	{name: "records: the organisation's, masked", method: "GET", url: "/api/v1/ratings/records", as: scjWindow, status: 200,
		want: map[string]any{"#": 1, "0.id": "{rating}", "0.comment": maskedComment, "0.rater_account": absent}},
	{name: "records: bad only, by level", method: "GET", url: "/api/v1/ratings/records?bad=true&level=1&limit=10", as: reviewer,
		status: 200, want: map[string]any{"#": 1}},
	{name: "records: level out of range", method: "GET", url: "/api/v1/ratings/records?level=9", as: reviewer, status: 400,
		want: fieldErr("level", zh("ratings.error.level"))},
	{name: "records: another organisation's official", method: "GET", url: "/api/v1/ratings/records/{rating}", as: gatWindow,
		status: 404, want: errWant("not_found", zh("ratings.error.rating_not_found"))},
	{name: "records: the rater reads it as given", method: "GET", url: "/api/v1/ratings/records/{rating}", as: resident, status: 200,
		want: map[string]any{"comment": badComment}},
	{name: "tasks: the organisation's", method: "GET", url: "/api/v1/ratings/tasks?pending=true", as: scjWindow, status: 200,
		want: map[string]any{"#": 1, "0.status": "open", "0.deadline_days": 10, "0.real_name": true, "0.rating_id": "{rating}"},
		save: map[string]string{"task": "0.id"}},
	{name: "tasks: another organisation's", method: "GET", url: "/api/v1/ratings/tasks", as: gatWindow, status: 200,
		want: map[string]any{"#": 0}},
	{name: "task: another organisation's official", method: "GET", url: "/api/v1/ratings/tasks/{task}", as: gatWindow, status: 404,
		want: errWant("not_found", zh("ratings.error.task_not_found"))},
	{name: "task: verify before the call-back", method: "POST", url: "/api/v1/ratings/tasks/{task}/verification", as: "scj.admin",
		body: `{"findings":"经核实属实。"}`, status: 409, want: errWant("conflict", zh("ratings.error.callback_first"))},
	{name: "task: call-back without reached", method: "POST", url: "/api/v1/ratings/tasks/{task}/callbacks", as: scjWindow,
		body: `{"account":"x"}`, status: 400, want: fieldErr("reached", zh("api.ratings.reached_required"))},
	{name: "task: call-back at a bad time", method: "POST", url: "/api/v1/ratings/tasks/{task}/callbacks", as: scjWindow,
		body: `{"reached":false,"called_at":"soon"}`, status: 400, want: fieldErr("called_at", zh("api.error.bad_time", "soon"))},
	{name: "task: call-back by the window officer", method: "POST", url: "/api/v1/ratings/tasks/{task}/callbacks", as: scjWindow,
		body:   `{"reached":true,"account":"申请人反映补正通知前后不一致，已致歉。"}`,
		status: 201, want: map[string]any{"reached": true, "caller": "official:scj.window"}, audit: []string{"rating.task_callback"}},
	{name: "task: verification by the window officer", method: "POST", url: "/api/v1/ratings/tasks/{task}/verification", as: scjWindow,
		body: `{"findings":"经核实属实。"}`, status: 403, want: errWant("forbidden", zh("ratings.error.task_forbidden"))},
	{name: "task: verification", method: "POST", url: "/api/v1/ratings/tasks/{task}/verification", as: "scj.admin",
		body: `{"findings":"经核实，两次补正通知由不同人员出具，口径不一。"}`, status: 200,
		want: map[string]any{"status": "verified", "callbacks.#": 1, "rating.comment": maskedComment}, audit: []string{"rating.task_verify"}},
	{name: "task: rectification", method: "POST", url: "/api/v1/ratings/tasks/{task}/rectification", as: "scj.admin",
		body: `{"measures":"统一补正告知书模板，实行一次性告知。"}`, status: 200, want: map[string]any{"status": "rectified"},
		audit: []string{"rating.task_rectify"}},
	{name: "task: closing", method: "POST", url: "/api/v1/ratings/tasks/{task}/closing", as: "scj.admin", body: `{"note":"已回访确认。"}`,
		status: 200, want: map[string]any{"status": "closed", "overdue": false, "closed_by": "official:scj.admin"},
		audit: []string{"rating.task_close"}},

	// A window visit, rated at the pad without login.
	{name: "visit: a resident cannot open one", method: "POST", url: "/api/v1/ratings/visits", as: resident, body: `{}`, status: 403,
		want: errWant("forbidden", zh("ratings.error.window_officers_only"))},
	{name: "visit: an unknown resident", method: "POST", url: "/api/v1/ratings/visits", as: scjWindow,
		body: `{"resident_login":"13900000000"}`, status: 400, want: fieldErr("resident_login", zh("ratings.error.resident"))},
	{name: "visit: a bad item code", method: "POST", url: "/api/v1/ratings/visits", as: scjWindow, body: `{"item_code":"食品 许可"}`,
		status: 400, want: fieldErr("item_code", zh("ratings.error.item_code", ratings.MaxItemCode))},
	{name: "visit: the window officer opens one", method: "POST", url: "/api/v1/ratings/visits", as: scjWindow,
		body: `{"item_code":"` + foodLicence + `"}`, status: 201,
		want:  map[string]any{"code": present, "rate_url": present, "visit.org": "fj-market-regulation", "visit.expires_at": present},
		audit: []string{"rating.visit_open"}, save: map[string]string{"code": "code"}},
	{name: "visit: what the code is for", method: "GET", url: "/api/v1/ratings/visits?code={code}", status: 200,
		want: map[string]any{"org": "fj-market-regulation", "org_name": "福建省市场监督管理局", "item_code": foodLicence, "expired": false, "rated": false}},
	{name: "visit: an official rates", method: "POST", url: "/api/v1/ratings/visits/rating", as: scjWindow, body: `{"code":"{code}","level":5}`,
		status: 403, want: errWant("forbidden", zh("ratings.error.officials_cannot_rate"))},
	{name: "visit: the public rates at the pad", method: "POST", url: "/api/v1/ratings/visits/rating",
		body: `{"code":"{code}","level":2,"tags":["too_many_materials"],"channel":"window"}`, status: 201,
		want:  map[string]any{"kind": "visit", "level": 2, "real_name": false, "channel": "window", "item_name": "食品经营许可证核发"},
		audit: []string{"rating.create", "rating.task_open"}, save: map[string]string{"visit_rating": "id"}},
	{name: "visit: rated once", method: "POST", url: "/api/v1/ratings/visits/rating", body: `{"code":"{code}","level":5}`, status: 409,
		want: errWant("conflict", zh("ratings.error.visit_rated"))},

	// The organisation appeals against the visit's rating; the digital office upholds it.
	{name: "appeal: by the window officer", method: "POST", url: "/api/v1/ratings/records/{visit_rating}/appeal", as: scjWindow,
		body: `{"reason":"mistaken","evidence":"当日该窗口未办理此事项。"}`, status: 403, want: errWant("forbidden", zh("ratings.error.appeal_forbidden"))},
	{name: "appeal: unknown reason", method: "POST", url: "/api/v1/ratings/records/{visit_rating}/appeal", as: "scj.admin",
		body: `{"reason":"annoying","evidence":"x"}`, status: 400, want: fieldErr("reason", zh("ratings.error.appeal_reason"))},
	{name: "appeal: by the administrator", method: "POST", url: "/api/v1/ratings/records/{visit_rating}/appeal", as: "scj.admin",
		body:   `{"reason":"mistaken","evidence":"叫号记录显示该时段该窗口办理的是企业登记，评价对象错误。"}`,
		status: 201, want: map[string]any{"status": "pending", "reason": "mistaken", "task_id": present}, audit: []string{"rating.appeal_file"},
		save: map[string]string{"appeal": "id"}},
	{name: "appeal: again", method: "POST", url: "/api/v1/ratings/records/{visit_rating}/appeal", as: "scj.admin",
		body: `{"reason":"abusive","evidence":"x"}`, status: 409, want: errWant("conflict", zh("ratings.error.appeal_exists"))},
	{name: "appeals: the organisation's", method: "GET", url: "/api/v1/ratings/appeals", as: scjWindow, status: 200,
		want: map[string]any{"#": 1, "0.id": "{appeal}"}},
	{name: "appeals: another organisation's", method: "GET", url: "/api/v1/ratings/appeals", as: gatWindow, status: 200,
		want: map[string]any{"#": 0}},
	{name: "decision: by the rated organisation", method: "POST", url: "/api/v1/ratings/appeals/{appeal}/decision", as: "scj.admin",
		body: `{"uphold":true}`, status: 403, want: errWant("forbidden", zh("ratings.error.decide_forbidden"))},
	{name: "decision: by a reviewer of the digital office", method: "POST", url: "/api/v1/ratings/appeals/{appeal}/decision", as: reviewer,
		body: `{"uphold":true}`, status: 403, want: errWant("forbidden", zh("ratings.error.decide_forbidden"))},
	{name: "decision: without uphold", method: "POST", url: "/api/v1/ratings/appeals/{appeal}/decision", as: admin,
		body: `{"note":"x"}`, status: 400, want: fieldErr("uphold", zh("api.ratings.uphold_required"))},
	{name: "decision: upheld", method: "POST", url: "/api/v1/ratings/appeals/{appeal}/decision", as: admin,
		body: `{"uphold":true,"note":"叫号记录证实评价对象错误。"}`, status: 200, want: map[string]any{"status": "upheld", "decided_by": "official:szb.admin"},
		audit: []string{"rating.appeal_uphold", "rating.exclude", "rating.task_cancel"}},

	// What the public sees: the case's bad rating, rectified on time; not the excluded one.
	{name: "stats: by organisation", method: "GET", url: "/api/v1/ratings/stats", status: 200,
		want: map[string]any{"rows.#": 1, "rows.0.org": "fj-market-regulation", "rows.0.org_name": "福建省市场监督管理局", "rows.0.total": 1,
			"rows.0.bad": 1, "rows.0.by_level.0": 1, "rows.0.rectified": 1, "rows.0.rectified_on_time": 1, "rows.0.on_time_rate": 100,
			"rows.0.satisfaction_rate": 0, "total.total": 1, "rows.0.comment": absent}},
	{name: "stats: by item, in English", method: "GET", url: "/api/v1/ratings/stats?by=item&lang=en", status: 200,
		want: map[string]any{"by": "item", "rows.0.item_code": foodLicence, "rows.0.org_name": "Fujian Provincial Administration for Market Regulation"}},
}

// foodLicence is the implementation code of the market regulator's food business licence: the
// implementing body's credit code and a serial.
var foodLicence = idcode.NewCreditCode('1', '1', "350000", "00304121") + "400011170000"

// neighbour is another demo resident.
var neighbour = demo.Residents[1].Phone

// ratingCases is an in-memory CaseSource with the demo residents' cases.
type ratingCases map[string]ratings.Subject

func (c ratingCases) RatingSubject(ctx context.Context, id string) (ratings.Subject, error) {
	s, ok := c[id]
	if !ok {
		return ratings.Subject{}, errs.E(errs.NotFound, "error.not_found")
	}
	return s, nil
}

// newRatingServer is the demo platform with the rating system wired in, on a server of its own:
// the API (with every other module's routes too) and the session cookie.
func newRatingServer(t *testing.T, db *store.DB) (http.Handler, *sessions) {
	t.Helper()
	a := newApp(t, db)
	for _, acc := range []struct {
		login, org string
		roles      []string
	}{
		{gatWindow, "fj-public-security", []string{principal.RoleWindowOfficer}},
	} {
		if _, err := a.Identity.CreateAccount(sys(), identity.NewAccount{Login: acc.login, Kind: principal.Official, DisplayName: acc.login,
			OrgCode: acc.org, Roles: acc.roles, Password: demo.Password}); err != nil {
			t.Fatal(err)
		}
	}
	account := func(phone string) int64 {
		id, err := a.Identity.AccountIDByPhone(sys(), phone)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	done := time.Date(2026, 2, 27, 16, 30, 0, 0, clock.China)
	cases := ratingCases{
		"case-food": {CaseID: "case-food", CaseNumber: "FJ350000-20260226-000123", Owner: account(resident), Org: "fj-market-regulation",
			ItemCode: foodLicence, ItemNameHans: "食品经营许可证核发", Completed: true, CompletedAt: done},
		"case-pending": {CaseID: "case-pending", CaseNumber: "FJ350000-20260301-000456", Owner: account(resident), Org: "fj-market-regulation",
			ItemCode: foodLicence, ItemNameHans: "食品经营许可证核发"},
	}
	svc, err := ratings.New(db, ratings.Config{Cases: cases, Calendar: a.Calendar,
		CodeKey: []byte("api test visit-code key, 32+ bytes long")})
	if err != nil {
		t.Fatal(err)
	}
	high := httpserver.Limit{PerSecond: 1e6, Burst: 1e6}
	srv, err := httpserver.New(httpserver.Config{Logger: slog.New(slog.DiscardHandler),
		RateLimits: map[string]httpserver.Limit{httpserver.ClassAPI: high, httpserver.ClassLogin: high, httpserver.ClassPublic: high, httpserver.ClassVerify: high},
		Authenticate: func(r *http.Request) (principal.Principal, error) {
			c, err := r.Cookie("yiwang_session")
			if err != nil {
				return principal.Principal{Kind: principal.Anonymous}, nil
			}
			return a.Identity.SessionPrincipal(r.Context(), c.Value)
		}})
	if err != nil {
		t.Fatal(err)
	}
	api.New(api.Config{DB: db, Plan: a.Plan, Calendar: a.Calendar, Identity: a.Identity, Apps: a.Apps, Version: "test", Ratings: svc}).Install(srv)
	return srv.Handler(), &sessions{ids: a.Identity, tokens: map[string]string{}}
}

func TestRatingScenarios(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h, ss := newRatingServer(t, db)
		saved := map[string]string{}
		for _, sc := range append(append([]scenario{}, ratingMainScenarios...), ratingScenarios...) {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, h, db, ss, saved) })
		}
	})
}

// TestRatingScenariosCoverEveryRoute fails when a rating route has no scenario in the table the
// main one takes, so that the main table covers every route once the platform wires ratings.
func TestRatingScenariosCoverEveryRoute(t *testing.T) {
	t.Parallel()
	h, _ := newRatingServer(t, storetest.Open(t, store.SQLite, storetest.Options{}))
	doc := getOpenAPI(t, h)
	paths, _ := doc["paths"].(map[string]any)
	mux := http.NewServeMux()
	var routes []string
	for path, item := range paths {
		if !strings.HasPrefix(path, "/api/v1/ratings") {
			continue
		}
		for method := range item.(map[string]any) {
			p := strings.ToUpper(method) + " " + path
			routes = append(routes, p)
			mux.HandleFunc(p, func(http.ResponseWriter, *http.Request) {})
		}
	}
	if len(routes) < 19 {
		t.Fatalf("only %d rating routes documented: %v", len(routes), routes)
	}
	covered := map[string]bool{}
	for _, sc := range ratingMainScenarios {
		r, _ := http.NewRequest(sc.method, strings.SplitN(sc.url, "?", 2)[0], nil)
		if _, pattern := mux.Handler(r); pattern != "" {
			covered[pattern] = true
		}
	}
	for _, p := range routes {
		if !covered[p] {
			t.Errorf("route %s has no scenario in ratingMainScenarios", p)
		}
	}
}
