package api_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/app"
	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// The demo data the scenarios lean on (internal/demo): item 25 (5G base stations) is led by
// fj-miit, whose official is gxt.officer, and fj-drc (fgw.officer) does not answer for it; its
// only target has id 6. Report 2 (item 25) is accepted, report 3 (item 9, by kjt.officer) waits
// for review. szb.reviewer reviews for the digital office; szb.admin also administers.
const (
	gxt      = "gxt.officer"
	fgw      = "fgw.officer"
	reviewer = "szb.reviewer"
	admin    = "szb.admin"
	anon     = ""
)

// scenario is one API call and what must come of it.
type scenario struct {
	name   string
	method string
	// url and body may hold {name} placeholders for values saved by earlier scenarios.
	url string
	// as is the login of the principal (logged in through identity.Login, sent as the session
	// cookie); anon for the public.
	as string
	// body is sent as application/json unless header sets another Content-Type.
	body   string
	header map[string]string
	// prepare adjusts requests a string body cannot describe (oversized or streamed bodies).
	prepare func(r *http.Request)

	status int
	// want maps JSON paths of the response (see lookup) to expected values: strings, numbers,
	// booleans, nil, or absent/present.
	want       map[string]any
	wantHeader map[string]string
	// audit lists the actions appended to the audit log, in order; nil means none.
	audit []string
	// save names values of the response (name → JSON path) that later scenarios use as {name}.
	save map[string]string
}

type sentinel string

const (
	absent  sentinel = "<absent>"  // the path must not exist
	present sentinel = "<present>" // the path must exist and be neither null nor empty
)

func msg(lang i18n.Lang, key string, args ...any) string { return i18n.T(lang, key, args...) }

func zh(key string, args ...any) string { return msg(i18n.ZhHans, key, args...) }

func errWant(kind, message string) map[string]any {
	return map[string]any{"error.kind": kind, "error.message": message}
}

func fieldErr(field, message string) map[string]any {
	return map[string]any{"error.kind": "invalid", "error.field": field, "error.message": message}
}

func with(m map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

var (
	unauthenticated = errWant("unauthenticated", zh("error.unauthenticated"))
	validReport     = `{"text":"新建 5G 基站 30500 个，全年目标已完成。","progress":95,"figures":{"6":30500}}`
	noteAttachment  = base64.StdEncoding.EncodeToString([]byte("progress notes\n"))
)

// scenarios run in order against one platform per engine: later ones see what earlier ones
// changed (the report submitted in "submit: responsible official" is reviewed further down).
var textPlain = map[string]string{"Content-Type": "text/plain; charset=utf-8"}

// gulou is a district government the digital office adds.
const gulou = `{"kind":"government","name_hans":"福州市鼓楼区人民政府","name_hant":"福州市鼓樓區人民政府",` +
	`"name_en":"Gulou District People's Government","region_code":"350102","parent_code":"city-fuzhou","aliases":["鼓楼区政府"]}`

var scenarios = []scenario{
	// The OpenAPI document and public reads.
	{name: "openapi document", method: "GET", url: "/api/openapi.json", status: 200,
		want: map[string]any{"openapi": "3.1.0", "info.title": present, "paths./api/v1/plan/items/{id}.get.operationId": "getPlanItem"}},
	{name: "orgs: public", method: "GET", url: "/api/v1/orgs", status: 200,
		want: map[string]any{"#": float64(len(org.Directory())), "0.code": present, "0.name_en": present}},
	// Importing a plan over HTTP (digital office administrators only).
	{name: "import: anonymous", method: "POST", url: "/api/v1/plan/documents", body: "x", header: textPlain, status: 401, want: unauthenticated},
	{name: "import: a department", method: "POST", url: "/api/v1/plan/documents", as: gxt, body: string(demo.PlanText), header: textPlain,
		status: 403, want: errWant("forbidden", zh("plan.error.import_forbidden"))},
	{name: "import: a reviewer is no administrator", method: "POST", url: "/api/v1/plan/documents", as: reviewer, body: string(demo.PlanText),
		header: textPlain, status: 403, want: errWant("forbidden", zh("plan.error.import_forbidden"))},
	{name: "import: the same plan again", method: "POST", url: "/api/v1/plan/documents", as: "szb.admin", body: string(demo.PlanText),
		header: textPlain, status: 200, want: map[string]any{"unchanged": true, "revision": 1, "items": 34, "damage.#": 2}},
	{name: "import: not a plan", method: "POST", url: "/api/v1/plan/documents", as: "szb.admin", body: "hello\nworld\n", header: textPlain,
		status: 400, want: map[string]any{"error.kind": "invalid"}},
	{name: "import: empty", method: "POST", url: "/api/v1/plan/documents", as: "szb.admin", body: "", header: textPlain,
		status: 400, want: map[string]any{"error.kind": "invalid"}},
	{name: "import: binary", method: "POST", url: "/api/v1/plan/documents", as: "szb.admin", body: "\x89PNG\r\n\x1a\n\x00\x00", header: textPlain,
		status: 400, want: map[string]any{"error.kind": "invalid"}},
	{name: "import: 50 MB", method: "POST", url: "/api/v1/plan/documents", as: "szb.admin", body: "x", header: textPlain,
		prepare: func(r *http.Request) { r.ContentLength = 50 << 20 }, status: 413, want: errWant("too_large", zh("error.too_large"))},
	{name: "import: over the limit without a declared length", method: "POST", url: "/api/v1/plan/documents", as: "szb.admin",
		body: strings.Repeat("閩", 3<<20), header: textPlain, prepare: func(r *http.Request) { r.ContentLength = -1 },
		status: 413, want: errWant("too_large", zh("plan.error.document_too_large", 8))},
	{name: "import: nothing changed by the refusals", method: "GET", url: "/api/v1/plan/documents/1/revisions", status: 200,
		want: map[string]any{"#": 1}},
	{name: "documents: public list", method: "GET", url: "/api/v1/plan/documents", status: 200,
		want: map[string]any{"#": 1, "0.id": 1, "0.number": "閩政辦〔2021〕26號", "0.revision": 1, "0.sections.0": absent}},
	{name: "documents: latest", method: "GET", url: "/api/v1/plan/documents/latest", status: 200,
		want: map[string]any{"id": 1, "title": "2021年數字福建工作要點", "sections.#": 7, "sections.4.items.#": 5}},
	{name: "documents: by id", method: "GET", url: "/api/v1/plan/documents/1", as: gxt, status: 200,
		want: map[string]any{"id": 1, "sections.0.label": "一、", "sections.0.items.0.label": "（一）"}},
	{name: "documents: unknown id", method: "GET", url: "/api/v1/plan/documents/999", status: 404,
		want: errWant("not_found", zh("plan.error.no_such_plan", 999))},
	{name: "documents: non-numeric id", method: "GET", url: "/api/v1/plan/documents/abc", status: 404,
		want: with(errWant("not_found", zh("api.error.bad_id", "abc")), "error.field", "id")},
	{name: "documents: zero id", method: "GET", url: "/api/v1/plan/documents/0", status: 404,
		want: map[string]any{"error.kind": "not_found"}},
	{name: "revisions: public history", method: "GET", url: "/api/v1/plan/documents/1/revisions", status: 200,
		want: map[string]any{"#": 1, "0.revision": 1, "0.imported_by": "system:system", "0.changes.0.kind": "created"}},
	{name: "revisions: unknown plan", method: "GET", url: "/api/v1/plan/documents/999/revisions", status: 404,
		want: errWant("not_found", zh("plan.error.no_such_plan", 999))},
	{name: "items: public", method: "GET", url: "/api/v1/plan/items/25", status: 200,
		want: map[string]any{"id": 25, "label": "（二十五）", "status": "in_progress", "progress": 90, "deadline": "2021-12-31",
			"assigned.0.org_code": "fj-miit", "assigned.0.lead": true, "targets.#": 1, "targets.0.id": 6, "targets.0.reached": 28416,
			"deadline_clock.overdue": true}},
	{name: "items: unknown id", method: "GET", url: "/api/v1/plan/items/9999", status: 404,
		want: errWant("not_found", zh("plan.error.no_such_item", 9999))},
	{name: "items: non-numeric id", method: "GET", url: "/api/v1/plan/items/abc", status: 404,
		want: map[string]any{"error.kind": "not_found"}},
	{name: "items: negative id", method: "GET", url: "/api/v1/plan/items/-1", status: 404,
		want: map[string]any{"error.kind": "not_found"}},
	{name: "items: id beyond int64", method: "GET", url: "/api/v1/plan/items/99999999999999999999", status: 404,
		want: map[string]any{"error.kind": "not_found"}},
	{name: "reports: anonymous", method: "GET", url: "/api/v1/plan/items/25/reports", status: 401,
		want: unauthenticated, wantHeader: map[string]string{"WWW-Authenticate": present.String()}},
	{name: "reports: stale session is anonymous", method: "GET", url: "/api/v1/plan/items/25/reports",
		header: map[string]string{"Cookie": "yiwang_session=not-a-session"}, status: 401, want: unauthenticated},
	{name: "reports: responsible official", method: "GET", url: "/api/v1/plan/items/25/reports", as: gxt, status: 200,
		want: map[string]any{"#": 1, "0.id": 2, "0.status": "accepted", "0.org_code": "fj-miit", "0.figures.0.target_id": 6, "0.figures.0.value": 28416}},
	{name: "reports: any official", method: "GET", url: "/api/v1/plan/items/25/reports", as: fgw, status: 200,
		want: map[string]any{"#": 1}},
	{name: "reports: none yet", method: "GET", url: "/api/v1/plan/items/2/reports", as: fgw, status: 200,
		want: map[string]any{"#": 0}},
	{name: "reports: unknown item", method: "GET", url: "/api/v1/plan/items/9999/reports", as: gxt, status: 404,
		want: errWant("not_found", zh("plan.error.no_such_item", 9999))},
	{name: "reports: non-numeric item", method: "GET", url: "/api/v1/plan/items/x/reports", as: gxt, status: 404,
		want: map[string]any{"error.kind": "not_found"}},
	{name: "assessment: public", method: "GET", url: "/api/v1/plan/assessment", status: 200,
		want: map[string]any{"totals.items": 34, "totals.completed": 1, "sections.#": 7, "units.0.org_code": present, "targets.#": present}},
	{name: "export: public has no reports", method: "GET", url: "/api/v1/plan/export", status: 200,
		want:       map[string]any{"document.id": 1, "document.sections.#": 7, "totals.items": 34, "reports": absent},
		wantHeader: map[string]string{"Cache-Control": "no-store"}},
	{name: "export: officials get reports", method: "GET", url: "/api/v1/plan/export", as: fgw, status: 200,
		want:       map[string]any{"document.id": 1, "reports.25.0.id": 2, "reports.9.0.status": "submitted", "reports.#": 5},
		wantHeader: map[string]string{"Cache-Control": "no-store"}},

	// Submitting a progress report.
	{name: "submit: anonymous", method: "POST", url: "/api/v1/plan/items/25/reports", body: validReport, status: 401,
		want: unauthenticated},
	{name: "submit: official of another unit (IDOR by id)", method: "POST", url: "/api/v1/plan/items/25/reports", as: fgw, body: validReport,
		status: 403, want: errWant("forbidden", zh("plan.error.not_responsible"))},
	{name: "submit: progress 101", method: "POST", url: "/api/v1/plan/items/25/reports", as: gxt,
		body: `{"text":"x","progress":101}`, status: 400, want: fieldErr("progress", zh("plan.error.progress_range"))},
	{name: "submit: progress -1", method: "POST", url: "/api/v1/plan/items/25/reports", as: gxt,
		body: `{"text":"x","progress":-1}`, status: 400, want: fieldErr("progress", zh("plan.error.progress_range"))},
	{name: "submit: progress missing", method: "POST", url: "/api/v1/plan/items/25/reports", as: gxt,
		body: `{"text":"x"}`, status: 400, want: fieldErr("progress", zh("plan.error.progress_range"))},
	{name: "submit: empty text names the JSON field", method: "POST", url: "/api/v1/plan/items/25/reports", as: gxt,
		body: `{"text":"  ","progress":50}`, status: 400, want: fieldErr("text", zh("plan.error.body_required"))},
	{name: "submit: unknown JSON field", method: "POST", url: "/api/v1/plan/items/25/reports", as: gxt,
		body: `{"text":"x","progress":50,"bogus":1}`, status: 400, want: fieldErr("bogus", zh("api.error.unknown_field", "bogus"))},
	{name: "submit: wrong type", method: "POST", url: "/api/v1/plan/items/25/reports", as: gxt,
		body: `{"text":"x","progress":"50"}`, status: 400, want: fieldErr("progress", zh("api.error.bad_type", "progress", "int"))},
	{name: "submit: trailing data", method: "POST", url: "/api/v1/plan/items/25/reports", as: gxt,
		body: `{"text":"x","progress":50} {}`, status: 400, want: errWant("invalid", zh("api.error.trailing_data"))},
	{name: "submit: empty body", method: "POST", url: "/api/v1/plan/items/25/reports", as: gxt,
		body: ``, status: 400, want: errWant("invalid", zh("api.error.empty_body"))},
	{name: "submit: malformed JSON", method: "POST", url: "/api/v1/plan/items/25/reports", as: gxt,
		body: `{"text" 1}`, status: 400, want: errWant("invalid", zh("api.error.bad_json", 9))},
	{name: "submit: non-JSON content type", method: "POST", url: "/api/v1/plan/items/25/reports", as: gxt,
		body: `text=x&progress=50`, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
		status: 400, want: errWant("invalid", zh("api.error.content_type"))},
	{name: "submit: figure for a target of another item", method: "POST", url: "/api/v1/plan/items/25/reports", as: gxt,
		body: `{"text":"x","progress":50,"figures":{"1":5}}`, status: 400, want: fieldErr("figures.1", zh("plan.error.no_such_target", 1))},
	{name: "submit: figure key not a number", method: "POST", url: "/api/v1/plan/items/25/reports", as: gxt,
		body: `{"text":"x","progress":50,"figures":{"six":5}}`, status: 400, want: fieldErr("figures", zh("api.error.bad_id", "six"))},
	{name: "submit: negative figure", method: "POST", url: "/api/v1/plan/items/25/reports", as: gxt,
		body: `{"text":"x","progress":50,"figures":{"6":-5}}`, status: 400, want: fieldErr("figures.6", zh("plan.error.figure_range"))},
	{name: "submit: attachment not base64", method: "POST", url: "/api/v1/plan/items/25/reports", as: gxt,
		body: `{"text":"x","progress":50,"attachments":[{"filename":"a.txt","content_base64":"%%%"}]}`, status: 400,
		want: fieldErr("attachments", zh("api.error.bad_base64", "a.txt"))},
	{name: "submit: attachment of a refused type", method: "POST", url: "/api/v1/plan/items/25/reports", as: gxt,
		body: `{"text":"x","progress":50,"attachments":[{"filename":"page.html","content_base64":"` +
			base64.StdEncoding.EncodeToString([]byte("<html><script>alert(1)</script></html>")) + `"}]}`,
		status: 400, want: fieldErr("attachments", zh("plan.error.attachment_type", "page.html"))},
	{name: "submit: declared body over the route's limit", method: "POST", url: "/api/v1/plan/items/25/reports", as: gxt,
		body: validReport, prepare: func(r *http.Request) { r.ContentLength = 81 << 20 },
		status: 413, want: errWant("too_large", zh("error.too_large"))},
	{name: "submit: unknown item", method: "POST", url: "/api/v1/plan/items/9999/reports", as: gxt, body: validReport,
		status: 404, want: errWant("not_found", zh("plan.error.no_such_item", 9999))},
	{name: "submit: non-numeric item", method: "POST", url: "/api/v1/plan/items/abc/reports", as: gxt, body: validReport,
		status: 404, want: map[string]any{"error.kind": "not_found"}},
	{name: "submit: responsible official", method: "POST", url: "/api/v1/plan/items/25/reports", as: gxt,
		body:   `{"text":"新建 5G 基站 30500 个。","progress":95,"figures":{"6":30500},"attachments":[{"filename":"notes.txt","content_base64":"` + noteAttachment + `"}]}`,
		status: 201,
		want: map[string]any{"id": present, "item_id": 25, "org_code": "fj-miit", "reporter": gxt, "status": "submitted", "progress": 95,
			"text": "新建 5G 基站 30500 个。", "figures.0.target_id": 6, "figures.0.value": 30500, "attachments.0.filename": "notes.txt",
			"attachments.0.sha256": present},
		audit: []string{"plan.report.submitted"}, save: map[string]string{"report": "id"}},
	{name: "submit: cross-site POST with a valid session", method: "POST", url: "/api/v1/plan/items/25/reports", as: gxt, body: validReport,
		header: map[string]string{"Sec-Fetch-Site": "cross-site"}, status: 403, want: errWant("forbidden", zh("error.csrf"))},
	{name: "submit: cross-origin POST (Origin header)", method: "POST", url: "/api/v1/plan/items/25/reports", as: gxt, body: validReport,
		header: map[string]string{"Origin": "https://evil.example"}, status: 403, want: errWant("forbidden", zh("error.csrf"))},
	{name: "reports: refused POSTs changed nothing", method: "GET", url: "/api/v1/plan/items/25/reports", as: gxt, status: 200,
		want: map[string]any{"#": 2, "0.id": "{report}", "1.id": 2}},
	{name: "items: progress follows only accepted reports", method: "GET", url: "/api/v1/plan/items/25", status: 200,
		want: map[string]any{"progress": 90, "targets.0.reached": 28416}},

	// Worklists.
	{name: "worklist: anonymous", method: "GET", url: "/api/v1/plan/worklist", status: 401, want: unauthenticated},
	{name: "worklist: own organisation by default", method: "GET", url: "/api/v1/plan/worklist", as: gxt, status: 200,
		want: map[string]any{"org_code": "fj-miit", "can_report": true, "items.#": 6, "items.0.item.id": present, "totals.items": 6,
			"pending_reviews": absent}},
	{name: "worklist: another organisation", method: "GET", url: "/api/v1/plan/worklist?org=fj-drc", as: gxt, status: 200,
		want: map[string]any{"org_code": "fj-drc", "can_report": false, "items.#": 7}},
	{name: "worklist: unknown organisation", method: "GET", url: "/api/v1/plan/worklist?org=no-such-org", as: gxt, status: 404,
		want: errWant("not_found", zh("error.org_not_found", "no-such-org"))},
	{name: "worklist: reviewer sees pending reviews", method: "GET", url: "/api/v1/plan/worklist", as: reviewer, status: 200,
		want: map[string]any{"org_code": "fj-digital-office", "pending_reviews.#": 2, "pending_reviews.0.id": "{report}"}},

	// Reviewing reports.
	{name: "review: anonymous", method: "POST", url: "/api/v1/plan/reports/3/review", body: `{"decision":"accept"}`, status: 401,
		want: unauthenticated},
	{name: "review: not a reviewer", method: "POST", url: "/api/v1/plan/reports/3/review", as: gxt, body: `{"decision":"accept"}`,
		status: 403, want: errWant("forbidden", zh("plan.error.not_reviewer"))},
	{name: "review: accept", method: "POST", url: "/api/v1/plan/reports/3/review", as: reviewer, body: `{"decision":"accept"}`,
		status: 200, want: map[string]any{"id": 3, "status": "accepted", "reviewer": reviewer, "reviewed_at": present},
		audit: []string{"plan.report.accepted"}},
	{name: "review: accepted progress reaches the item", method: "GET", url: "/api/v1/plan/items/9", status: 200,
		want: map[string]any{"progress": 60, "status": "in_progress", "targets.0.reached": 46}},
	{name: "review: second review", method: "POST", url: "/api/v1/plan/reports/3/review", as: reviewer, body: `{"decision":"return","comment":"again"}`,
		status: 409, want: errWant("conflict", zh("plan.error.already_reviewed"))},
	{name: "review: return without comment", method: "POST", url: "/api/v1/plan/reports/{report}/review", as: reviewer,
		body: `{"decision":"return"}`, status: 400, want: fieldErr("comment", zh("plan.error.comment_required"))},
	{name: "review: unknown decision", method: "POST", url: "/api/v1/plan/reports/{report}/review", as: reviewer,
		body: `{"decision":"maybe"}`, status: 400, want: fieldErr("decision", zh("plan.error.bad_decision"))},
	{name: "review: streamed body over the limit", method: "POST", url: "/api/v1/plan/reports/{report}/review", as: reviewer,
		prepare: func(r *http.Request) {
			r.Body = io.NopCloser(io.MultiReader(strings.NewReader(`{"decision":"return","comment":"`),
				io.LimitReader(repeatReader('a'), 2<<20), strings.NewReader(`"}`)))
			r.ContentLength = -1
		},
		status: 413, want: errWant("too_large", zh("error.too_large"))},
	{name: "review: unknown report", method: "POST", url: "/api/v1/plan/reports/9999/review", as: reviewer, body: `{"decision":"accept"}`,
		status: 404, want: errWant("not_found", zh("plan.error.no_such_report", 9999))},
	{name: "review: non-numeric report", method: "POST", url: "/api/v1/plan/reports/latest/review", as: reviewer, body: `{"decision":"accept"}`,
		status: 404, want: map[string]any{"error.kind": "not_found"}},
	{name: "review: return with comment", method: "POST", url: "/api/v1/plan/reports/{report}/review", as: reviewer,
		body: `{"decision":"return","comment":"请附全年统计表。"}`, status: 200,
		want: map[string]any{"status": "returned", "review_comment": "请附全年统计表。"}, audit: []string{"plan.report.returned"}},
	{name: "review: returned progress does not reach the item", method: "GET", url: "/api/v1/plan/items/25", status: 200,
		want: map[string]any{"progress": 90}},

	// Deadlines.
	{name: "deadline: anonymous", method: "PUT", url: "/api/v1/plan/items/25/deadline", body: `{"deadline":"2026-06-30"}`, status: 401,
		want: unauthenticated},
	{name: "deadline: not a reviewer", method: "PUT", url: "/api/v1/plan/items/25/deadline", as: gxt, body: `{"deadline":"2026-06-30"}`,
		status: 403, want: errWant("forbidden", zh("plan.error.not_reviewer"))},
	{name: "deadline: impossible date", method: "PUT", url: "/api/v1/plan/items/25/deadline", as: reviewer, body: `{"deadline":"2026-02-30"}`,
		status: 400, want: fieldErr("deadline", zh("plan.error.bad_deadline"))},
	{name: "deadline: not a date", method: "PUT", url: "/api/v1/plan/items/25/deadline", as: reviewer, body: `{"deadline":"next week"}`,
		status: 400, want: fieldErr("deadline", zh("plan.error.bad_deadline"))},
	{name: "deadline: unknown field", method: "PUT", url: "/api/v1/plan/items/25/deadline", as: reviewer, body: `{"due":"2026-06-30"}`,
		status: 400, want: fieldErr("due", zh("api.error.unknown_field", "due"))},
	{name: "deadline: set", method: "PUT", url: "/api/v1/plan/items/25/deadline", as: reviewer, body: `{"deadline":"2026-06-30"}`,
		status: 200, want: map[string]any{"id": 25, "deadline": "2026-06-30", "deadline_clock.overdue": false},
		audit: []string{"plan.item.deadline_set"}},
	{name: "deadline: same again changes nothing", method: "PUT", url: "/api/v1/plan/items/25/deadline", as: reviewer, body: `{"deadline":"2026-06-30"}`,
		status: 200, want: map[string]any{"deadline": "2026-06-30"}},
	{name: "deadline: unknown item", method: "PUT", url: "/api/v1/plan/items/9999/deadline", as: reviewer, body: `{"deadline":"2026-06-30"}`,
		status: 404, want: errWant("not_found", zh("plan.error.no_such_item", 9999))},
	{name: "deadline: non-numeric item", method: "PUT", url: "/api/v1/plan/items/abc/deadline", as: reviewer, body: `{"deadline":"2026-06-30"}`,
		status: 404, want: map[string]any{"error.kind": "not_found"}},

	// Assignments: item (七) names only 省直有關單位, so the digital office answers for it
	// until it names the departments concerned.
	{name: "assign: anonymous", method: "PUT", url: "/api/v1/plan/items/7/assignments/fj-finance", body: `{"lead":true}`, status: 401,
		want: unauthenticated},
	{name: "assign: not a reviewer", method: "PUT", url: "/api/v1/plan/items/7/assignments/fj-finance", as: gxt, body: `{"lead":true}`,
		status: 403, want: errWant("forbidden", zh("plan.error.not_reviewer"))},
	{name: "assign: unknown organisation", method: "PUT", url: "/api/v1/plan/items/7/assignments/no-such-org", as: reviewer, body: `{"lead":true}`,
		status: 400, want: fieldErr("org_code", zh("error.org_not_found", "no-such-org"))},
	{name: "assign: lead", method: "PUT", url: "/api/v1/plan/items/7/assignments/fj-finance", as: reviewer, body: `{"lead":true}`,
		status: 200, want: map[string]any{"assigned.#": 2, "assigned.0.org_code": "fj-finance", "assigned.0.lead": true,
			"assigned.1.org_code": "fj-digital-office", "assigned.1.lead": false},
		audit: []string{"plan.item.assigned"}},
	{name: "assign: the department now reports", method: "GET", url: "/api/v1/plan/worklist?org=fj-finance", as: reviewer, status: 200,
		want: map[string]any{"items.#": 1, "items.0.item.id": 7, "items.0.lead": true}},
	{name: "unassign: the coordinator", method: "DELETE", url: "/api/v1/plan/items/7/assignments/fj-digital-office", as: reviewer,
		status: 200, want: map[string]any{"assigned.#": 1, "assigned.0.org_code": "fj-finance"}, audit: []string{"plan.item.unassigned"}},
	{name: "unassign: not assigned", method: "DELETE", url: "/api/v1/plan/items/7/assignments/fj-drc", as: reviewer,
		status: 404, want: errWant("not_found", zh("plan.error.not_assigned", "fj-drc"))},
	{name: "unassign: the last unit", method: "DELETE", url: "/api/v1/plan/items/7/assignments/fj-finance", as: reviewer,
		status: 409, want: errWant("conflict", zh("plan.error.last_assignment"))},

	// The working-day calendar.
	{name: "calendar: days", method: "GET", url: "/api/v1/calendar/days?from=2026-03-02&to=2026-03-08", status: 200,
		want: map[string]any{"#": 7, "0.day": "2026-03-02", "0.working": true, "6.day": "2026-03-08", "6.working": false}},
	{name: "calendar: days, bad date", method: "GET", url: "/api/v1/calendar/days?from=2026-03-32&to=2026-04-01", status: 400,
		want: map[string]any{"error.kind": "invalid", "error.field": "from"}},
	{name: "calendar: days, span too long", method: "GET", url: "/api/v1/calendar/days?from=2026-01-01&to=2028-01-01", status: 400,
		want: map[string]any{"error.kind": "invalid", "error.field": "to"}},
	{name: "calendar: working days between", method: "GET", url: "/api/v1/calendar/working-days?from=2026-03-02&to=2026-03-09", status: 200,
		want: map[string]any{"working_days": 5}},
	{name: "calendar: working days added", method: "GET", url: "/api/v1/calendar/working-days?from=2026-03-06&add=1", status: 200,
		want: map[string]any{"to": "2026-03-09", "working_days": 1}},
	{name: "calendar: working days, bad add", method: "GET", url: "/api/v1/calendar/working-days?from=2026-03-06&add=many", status: 400,
		want: fieldErr("add", zh("api.error.bad_add"))},
	{name: "orgs: save, anonymous", method: "PUT", url: "/api/v1/orgs/city-fuzhou-gulou", body: gulou, status: 401,
		want: map[string]any{"error.kind": "unauthenticated"}},
	{name: "orgs: save, a reviewer", method: "PUT", url: "/api/v1/orgs/city-fuzhou-gulou", as: reviewer, body: gulou, status: 403,
		want: map[string]any{"error.kind": "forbidden"}},
	{name: "orgs: save, bad code", method: "PUT", url: "/api/v1/orgs/Gu%20Lou", as: admin, body: gulou, status: 400,
		want: map[string]any{"error.field": "code"}},
	{name: "orgs: save, bad region", method: "PUT", url: "/api/v1/orgs/city-fuzhou-gulou", as: admin,
		body: strings.Replace(gulou, "350102", "359999", 1), status: 400, want: map[string]any{"error.field": "region_code"}},
	{name: "orgs: save, unknown parent", method: "PUT", url: "/api/v1/orgs/city-fuzhou-gulou", as: admin,
		body: strings.Replace(gulou, "city-fuzhou", "city-atlantis", 1), status: 400, want: map[string]any{"error.field": "parent_code"}},
	{name: "orgs: create", method: "PUT", url: "/api/v1/orgs/city-fuzhou-gulou", as: admin, body: gulou, status: 201,
		want: map[string]any{"code": "city-fuzhou-gulou", "parent_code": "city-fuzhou", "name_hans": "福州市鼓楼区人民政府"}, audit: []string{"org.created"}},
	{name: "orgs: rename", method: "PUT", url: "/api/v1/orgs/city-fuzhou-gulou", as: admin,
		body: strings.Replace(gulou, "Gulou District People's Government", "Gulou District People's Government, Fuzhou", 1), status: 200,
		want: map[string]any{"name_en": "Gulou District People's Government, Fuzhou"}, audit: []string{"org.updated"}},
	{name: "calendar: overrides, none", method: "GET", url: "/api/v1/calendar/overrides", status: 200, want: map[string]any{"#": 0}},
	{name: "calendar: set override, anonymous", method: "PUT", url: "/api/v1/calendar/overrides/2026-03-09", body: `{"kind":"holiday","reason":"台风停工"}`,
		status: 401, want: map[string]any{"error.kind": "unauthenticated"}},
	{name: "calendar: set override, not an administrator", method: "PUT", url: "/api/v1/calendar/overrides/2026-03-09", as: reviewer,
		body: `{"kind":"holiday","reason":"台风停工"}`, status: 403, want: map[string]any{"error.kind": "forbidden"}},
	{name: "calendar: set override, bad kind", method: "PUT", url: "/api/v1/calendar/overrides/2026-03-09", as: admin,
		body: `{"kind":"party","reason":"台风停工"}`, status: 400, want: map[string]any{"error.kind": "invalid", "error.field": "kind"}},
	{name: "calendar: set override", method: "PUT", url: "/api/v1/calendar/overrides/2026-03-09", as: admin,
		body: `{"kind":"holiday","reason":"台风停工"}`, status: 200,
		want: map[string]any{"day": "2026-03-09", "kind": "holiday", "created_by": "official:" + admin}, audit: []string{"calendar.override.set"}},
	{name: "calendar: override counts", method: "GET", url: "/api/v1/calendar/working-days?from=2026-03-06&add=1", status: 200,
		want: map[string]any{"to": "2026-03-10"}},
	{name: "calendar: overrides, one", method: "GET", url: "/api/v1/calendar/overrides", status: 200, want: map[string]any{"#": 1, "0.day": "2026-03-09"}},
	{name: "calendar: remove override, not an administrator", method: "DELETE", url: "/api/v1/calendar/overrides/2026-03-09", as: gxt,
		status: 403, want: map[string]any{"error.kind": "forbidden"}},
	{name: "calendar: remove override", method: "DELETE", url: "/api/v1/calendar/overrides/2026-03-09", as: admin, status: 200,
		want: map[string]any{"removed": "2026-03-09"}, audit: []string{"calendar.override.removed"}},
	{name: "calendar: remove override again", method: "DELETE", url: "/api/v1/calendar/overrides/2026-03-09", as: admin, status: 404,
		want: map[string]any{"error.kind": "not_found"}},

	// Languages: zh-Hans by default, else Accept-Language or ?lang.
	{name: "language: zh-Hans by default", method: "GET", url: "/api/v1/plan/items/9999", status: 404,
		want: errWant("not_found", msg(i18n.ZhHans, "plan.error.no_such_item", 9999)), wantHeader: map[string]string{"Content-Language": "zh-Hans"}},
	{name: "language: zh-Hant", method: "GET", url: "/api/v1/plan/items/9999", header: map[string]string{"Accept-Language": "zh-TW,zh;q=0.9"}, status: 404,
		want: errWant("not_found", msg(i18n.ZhHant, "plan.error.no_such_item", 9999)), wantHeader: map[string]string{"Content-Language": "zh-Hant"}},
	{name: "language: en", method: "GET", url: "/api/v1/plan/items/9999", header: map[string]string{"Accept-Language": "en-GB,en;q=0.8"}, status: 404,
		want: errWant("not_found", msg(i18n.En, "plan.error.no_such_item", 9999)), wantHeader: map[string]string{"Content-Language": "en"}},
	{name: "language: ?lang wins", method: "GET", url: "/api/v1/plan/items/9999?lang=zh-Hant", header: map[string]string{"Accept-Language": "en"}, status: 404,
		want: errWant("not_found", msg(i18n.ZhHant, "plan.error.no_such_item", 9999))},
	{name: "language: field error in en", method: "POST", url: "/api/v1/plan/items/25/reports", as: gxt, header: map[string]string{"Accept-Language": "en"},
		body: `{"text":"x","progress":101}`, status: 400, want: fieldErr("progress", msg(i18n.En, "plan.error.progress_range"))},
	{name: "language: forbidden in zh-Hant", method: "POST", url: "/api/v1/plan/reports/{report}/review", as: gxt, header: map[string]string{"Accept-Language": "zh-HK"},
		body: `{"decision":"accept"}`, status: 403, want: errWant("forbidden", msg(i18n.ZhHant, "plan.error.not_reviewer"))},

	// The route table's own errors, in the same shape.
	{name: "routes: JSON errors even for a browser", method: "GET", url: "/api/v1/plan/items/9999",
		header: map[string]string{"Accept": "text/html,application/xhtml+xml"}, status: 404,
		want: errWant("not_found", zh("plan.error.no_such_item", 9999))},
	{name: "routes: unknown API path", method: "GET", url: "/api/v1/nothing-here", status: 404,
		want: errWant("not_found", zh("error.page_not_found"))},
	{name: "routes: method not allowed", method: "DELETE", url: "/api/v1/plan/items/25", as: reviewer, status: 405,
		want: errWant("method_not_allowed", zh("error.method_not_allowed")), wantHeader: map[string]string{"Allow": present.String()}},
}

func (s sentinel) String() string { return string(s) }

type repeatReader byte

func (b repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

// newApp assembles the platform with demo data over db, with rate limits high enough for a
// table of requests from one address.
func newApp(t testing.TB, db *store.DB) *app.App {
	t.Helper()
	high := httpserver.Limit{PerSecond: 1e6, Burst: 1e6}
	a, err := app.New(context.Background(), app.Config{
		DB: db, Demo: true, Version: "test",
		Logger:     slog.New(slog.DiscardHandler),
		RateLimits: map[string]httpserver.Limit{httpserver.ClassAPI: high, httpserver.ClassLogin: high, httpserver.ClassPublic: high, httpserver.ClassVerify: high},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a
}

// sessions logs demo officials in once each and hands out their session tokens.
type sessions struct {
	ids    *identity.Service
	tokens map[string]string
}

func (s *sessions) token(t *testing.T, login string) string {
	t.Helper()
	if tok, ok := s.tokens[login]; ok {
		return tok
	}
	res, err := s.ids.Login(context.Background(), login, demo.Password, identity.Meta{})
	tok := res.Token
	if err != nil {
		t.Fatalf("log in as %s: %v", login, err)
	}
	s.tokens[login] = tok
	return tok
}

// lastAuditID returns the id of the newest audit event, 0 if there is none.
func lastAuditID(t *testing.T, db *store.DB) int64 {
	t.Helper()
	evs, err := audit.List(context.Background(), db, audit.Filter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) == 0 {
		return 0
	}
	return evs[0].ID
}

// auditSince returns the actions of audit events after id, oldest first.
func auditSince(t *testing.T, db *store.DB, id int64) []string {
	t.Helper()
	evs, err := audit.List(context.Background(), db, audit.Filter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].ID > id {
			out = append(out, evs[i].Action)
		}
	}
	return out
}

// lookup follows a dotted path through decoded JSON: object keys, array indexes, and "#" for
// the length of an array or object.
func lookup(v any, path string) (any, bool) {
	if path == "" {
		return v, true
	}
	for _, seg := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			if seg == "#" {
				v = float64(len(x))
				continue
			}
			var ok bool
			if v, ok = x[seg]; !ok {
				return nil, false
			}
		case []any:
			if seg == "#" {
				v = float64(len(x))
				continue
			}
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// normalise turns expected Go numbers into JSON's float64.
func normalise(v any) any {
	switch x := v.(type) {
	case int:
		return float64(x)
	case int64:
		return float64(x)
	}
	return v
}

func substitute(s string, saved map[string]string) string {
	for k, v := range saved {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

// internalDetail matches what must never reach a client: Go error text and call context.
var internalDetail = regexp.MustCompile(`json: |sql: |SQLSTATE|sqlite|pgx|strconv\.|%!|<nil>|\w+\.\w+\(\d*\)|goroutine `)

// checkErrorShape checks the one error shape: {"error":{"kind","message","field","fields",
// "request_id"}} with translated messages, the request id of the response, and no internal
// detail; "fields", when there, lists every invalid field, the first being "field".
func checkErrorShape(t *testing.T, w *httptest.ResponseRecorder, body any) {
	t.Helper()
	top, ok := body.(map[string]any)
	if !ok || len(top) != 1 || top["error"] == nil {
		t.Fatalf("error body is not {\"error\":{…}}: %s", w.Body)
	}
	e, ok := top["error"].(map[string]any)
	if !ok {
		t.Fatalf("error is not an object: %s", w.Body)
	}
	for k := range e {
		if !slices.Contains([]string{"kind", "message", "field", "fields", "request_id"}, k) {
			t.Errorf("error has unexpected key %q: %s", k, w.Body)
		}
	}
	if fields, ok := e["fields"].([]any); ok {
		for i, f := range fields {
			m, _ := f.(map[string]any)
			name, _ := m["field"].(string)
			msg, _ := m["message"].(string)
			if name == "" || msg == "" || i18n.Has(msg) || internalDetail.MatchString(msg) {
				t.Errorf("fields[%d] = %v: want a field and its translated message", i, f)
			}
			if i == 0 && name != e["field"] {
				t.Errorf("fields[0] is %q, field is %q", name, e["field"])
			}
		}
	}
	message, _ := e["message"].(string)
	if kind, _ := e["kind"].(string); kind == "" || message == "" {
		t.Errorf("error without kind or message: %s", w.Body)
	}
	if i18n.Has(message) {
		t.Errorf("error message is an untranslated key: %q", message)
	}
	if m := internalDetail.FindString(message); m != "" {
		t.Errorf("error message %q carries internal detail %q", message, m)
	}
	if id := w.Header().Get("X-Request-Id"); id == "" || e["request_id"] != id {
		t.Errorf("error request_id = %v, X-Request-Id = %q", e["request_id"], id)
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("error Content-Type = %q", ct)
	}
	if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("error Cache-Control = %q, want no-store", cc)
	}
}

func (sc scenario) run(t *testing.T, h http.Handler, db *store.DB, ss *sessions, saved map[string]string) {
	t.Helper()
	target := substitute(sc.url, saved)
	body := substitute(sc.body, saved)
	r := httptest.NewRequest(sc.method, target, strings.NewReader(body))
	if sc.body != "" || sc.method == "POST" || sc.method == "PUT" {
		r.Header.Set("Content-Type", "application/json")
	}
	for k, v := range sc.header {
		r.Header.Set(k, v)
	}
	if sc.as != anon {
		r.AddCookie(&http.Cookie{Name: "yiwang_session", Value: ss.token(t, sc.as)})
	}
	if sc.prepare != nil {
		sc.prepare(r)
	}
	before := lastAuditID(t, db)

	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)

	if w.Code != sc.status {
		t.Errorf("%s %s: status = %d, want %d; body: %.600s", sc.method, target, w.Code, sc.status, w.Body)
	}
	var got any
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatalf("%s %s: response is not JSON (%v): %.300s", sc.method, target, err, w.Body)
	}
	if w.Code >= 400 {
		checkErrorShape(t, w, got)
	}
	keys := make([]string, 0, len(sc.want))
	for k := range sc.want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, path := range keys {
		want := normalise(sc.want[path])
		if s, ok := want.(string); ok {
			want = substitute(s, saved)
			if f, err := strconv.ParseFloat(want.(string), 64); err == nil && strings.Contains(s, "{") {
				want = f // a saved id
			}
		}
		v, ok := lookup(got, path)
		switch want {
		case absent:
			if ok && v != nil {
				t.Errorf("%s: present (%v), want absent", path, v)
			}
			continue
		case present:
			if !ok || v == nil || v == "" {
				t.Errorf("%s: missing or empty, want present", path)
			}
			if n, isNum := v.(float64); isNum && path[len(path)-1] == '#' && n == 0 {
				t.Errorf("%s: empty, want present", path)
			}
			continue
		}
		if !ok {
			t.Errorf("%s: missing, want %v", path, want)
			continue
		}
		if diff := cmp.Diff(want, v); diff != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
		}
	}
	for k, want := range sc.wantHeader {
		got := w.Header().Get(k)
		if want == present.String() {
			if got == "" {
				t.Errorf("header %s missing", k)
			}
		} else if got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	if diff := cmp.Diff(sc.audit, auditSince(t, db, before)); diff != "" {
		t.Errorf("audit actions mismatch (-want +got):\n%s", diff)
	}
	for name, path := range sc.save {
		v, ok := lookup(got, path)
		if !ok {
			t.Fatalf("cannot save %s: no %s in %s", name, path, w.Body)
		}
		switch x := v.(type) {
		case float64:
			if x == math.Trunc(x) {
				saved[name] = strconv.FormatInt(int64(x), 10)
				continue
			}
		}
		saved[name] = fmt.Sprint(v)
	}
}

func TestAPIScenarios(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		h := a.Server.Handler()
		ss := &sessions{ids: a.Identity, tokens: map[string]string{}}
		saved := map[string]string{}
		for _, sc := range scenarios {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, h, db, ss, saved) })
		}
	})
}

// apiRoutes returns the server's routes under /api/v1, sorted.
func apiRoutes(a *app.App) []string {
	var out []string
	for _, p := range a.Server.Routes() {
		if _, path, _ := strings.Cut(p, " "); strings.HasPrefix(path, "/api/v1/") {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// TestScenariosCoverEveryRoute fails when an API route has no scenario, so that a new route
// comes with its tests.
func TestScenariosCoverEveryRoute(t *testing.T) {
	t.Parallel()
	a := newApp(t, storetest.Open(t, store.SQLite, storetest.Options{}))
	mux := http.NewServeMux()
	routes := append(apiRoutes(a), "GET /api/openapi.json")
	for _, p := range routes {
		mux.HandleFunc(p, func(http.ResponseWriter, *http.Request) {})
	}
	covered := map[string]bool{}
	all := append([]scenario(nil), scenarios...)
	for _, t := range ownPlatformScenarios() {
		all = append(all, t...)
	}
	for _, sc := range all {
		r := httptest.NewRequest(sc.method, substitute(sc.url, map[string]string{"report": "1"}), nil)
		if _, pattern := mux.Handler(r); pattern != "" {
			covered[pattern] = true
		}
	}
	for _, p := range routes {
		if !covered[p] {
			t.Errorf("no scenario calls %s", p)
		}
	}
}

func getOpenAPI(t *testing.T, h http.Handler) map[string]any {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/api/openapi.json", nil))
	if w.Code != 200 {
		t.Fatalf("GET /api/openapi.json: %d", w.Code)
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q", ct)
	}
	var doc map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	return doc
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// TestOpenAPIMatchesRoutes checks that every /api/v1 route the server has installed is
// documented, and that nothing documented is missing from the server.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	a := newApp(t, storetest.Open(t, store.SQLite, storetest.Options{}))
	doc := getOpenAPI(t, a.Server.Handler())
	paths, _ := doc["paths"].(map[string]any)
	var documented []string
	for path, item := range paths {
		ops, _ := item.(map[string]any)
		for method := range ops {
			if slices.Contains(httpMethods, method) {
				documented = append(documented, strings.ToUpper(method)+" "+path)
			}
		}
	}
	sort.Strings(documented)
	served := apiRoutes(a)
	if diff := cmp.Diff(served, documented); diff != "" {
		t.Errorf("installed /api/v1 routes (-) vs documented operations (+):\n%s", diff)
	}
	if diff := cmp.Diff(served, a.API.Documented()); diff != "" {
		t.Errorf("installed /api/v1 routes (-) vs API.Documented (+):\n%s", diff)
	}
	// Nothing else under /api/ escapes the document.
	for _, p := range a.Server.Routes() {
		if _, path, _ := strings.Cut(p, " "); strings.HasPrefix(path, "/api/") && !strings.HasPrefix(path, "/api/v1/") && path != "/api/openapi.json" {
			t.Errorf("route %s is under /api/ but neither versioned nor documented", p)
		}
	}
}

// TestOpenAPIDocument checks the document itself: OpenAPI 3.1.0, an operationId on every
// operation and no two alike, path parameters declared, and every $ref resolving.
func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	a := newApp(t, storetest.Open(t, store.SQLite, storetest.Options{}))
	doc := getOpenAPI(t, a.Server.Handler())
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi = %v, want 3.1.0", doc["openapi"])
	}
	info, _ := doc["info"].(map[string]any)
	if info["title"] == "" || info["title"] == nil {
		t.Error("info.title missing")
	}
	if _, ok := info["version"].(string); !ok {
		t.Error("info.version missing")
	}
	components, _ := doc["components"].(map[string]any)
	schemas, _ := components["schemas"].(map[string]any)
	if schemas["Error"] == nil {
		t.Error("components.schemas.Error missing")
	}

	ids := map[string]string{}
	paths, _ := doc["paths"].(map[string]any)
	if len(paths) == 0 {
		t.Fatal("no paths")
	}
	pathParam := regexp.MustCompile(`\{([^}]+)\}`)
	for path, item := range paths {
		ops, _ := item.(map[string]any)
		for method, o := range ops {
			if !slices.Contains(httpMethods, method) {
				continue
			}
			op, _ := o.(map[string]any)
			where := strings.ToUpper(method) + " " + path
			id, _ := op["operationId"].(string)
			if id == "" {
				t.Errorf("%s: no operationId", where)
			} else if prev, dup := ids[id]; dup {
				t.Errorf("operationId %q used by %s and %s", id, prev, where)
			} else {
				ids[id] = where
			}
			responses, _ := op["responses"].(map[string]any)
			if len(responses) == 0 {
				t.Errorf("%s: no responses", where)
			}
			for code, resp := range responses {
				if d, _ := resp.(map[string]any)["description"].(string); d == "" {
					t.Errorf("%s: response %s without description", where, code)
				}
			}
			declared := map[string]bool{}
			params, _ := op["parameters"].([]any)
			for _, p := range params {
				pm, _ := p.(map[string]any)
				if pm["in"] == "path" {
					declared[fmt.Sprint(pm["name"])] = pm["required"] == true
				}
			}
			for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
				if !declared[m[1]] {
					t.Errorf("%s: path parameter %s not declared as a required path parameter", where, m[1])
				}
			}
		}
	}

	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"]; ok {
				s, _ := ref.(string)
				name, found := strings.CutPrefix(s, "#/components/schemas/")
				if !found || schemas[name] == nil {
					t.Errorf("%s: $ref %v does not resolve to components/schemas", at, ref)
				}
			}
			for k, e := range x {
				walk(e, at+"/"+k)
			}
		case []any:
			for i, e := range x {
				walk(e, at+"/"+strconv.Itoa(i))
			}
		}
	}
	walk(doc, "#")
}
