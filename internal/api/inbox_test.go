package api_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/api"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/notify"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// inboxScenarios call every inbox route on the demo platform, where nobody has messages yet:
// refusals, an empty inbox, and what does not exist. They belong in the main table once the
// platform wires its notification service (scenarios = append(scenarios, inboxScenarios...)).
var inboxScenarios = []scenario{
	{name: "inbox: list, anonymous", method: "GET", url: "/api/v1/inbox", status: 401, want: unauthenticated},
	{name: "inbox: read, anonymous", method: "POST", url: "/api/v1/inbox/1/read", status: 401, want: unauthenticated},
	{name: "inbox: read all, anonymous", method: "POST", url: "/api/v1/inbox/read-all", status: 401, want: unauthenticated},
	{name: "inbox: list, empty", method: "GET", url: "/api/v1/inbox", as: resident, status: 200,
		want: map[string]any{"unread": 0, "messages.#": 0}},
	{name: "inbox: list, limit too large", method: "GET", url: "/api/v1/inbox?limit=101", as: resident, status: 400,
		want: fieldErr("limit", zh("inbox.error.limit", notify.MaxPage, "101"))},
	{name: "inbox: list, limit zero", method: "GET", url: "/api/v1/inbox?limit=0", as: gxt, status: 400,
		want: fieldErr("limit", zh("inbox.error.limit", notify.MaxPage, "0"))},
	{name: "inbox: list, offset not a number", method: "GET", url: "/api/v1/inbox?offset=x", as: gxt, status: 400,
		want: fieldErr("offset", zh("ledger.error.bad_number", "offset", "x"))},
	{name: "inbox: read, no such message", method: "POST", url: "/api/v1/inbox/999999/read", as: resident, status: 404,
		want: errWant("not_found", zh("notify.error.not_found"))},
	{name: "inbox: read, not an id", method: "POST", url: "/api/v1/inbox/abc/read", as: resident, status: 404,
		want: errWant("not_found", zh("api.error.bad_id", "abc"))},
	{name: "inbox: read all, nothing unread", method: "POST", url: "/api/v1/inbox/read-all", as: gxt, status: 200,
		want: map[string]any{"marked": 0, "unread": 0}},
}

// inboxMessageScenarios run after inboxFixture gave the demo resident two messages ({first},
// {second}, the newer) and gxt.officer one ({others}).
var inboxMessageScenarios = []scenario{
	{name: "inbox: list, own messages in the language asked for", method: "GET", url: "/api/v1/inbox", as: resident,
		header: map[string]string{"Accept-Language": "en"}, status: 200,
		want: map[string]any{"unread": 2, "messages.#": 2,
			"messages.0.id": "{second}", "messages.0.key": "notify.welcome", "messages.0.args.0": "林秀英（二）",
			"messages.0.text": msg(i18n.En, "notify.welcome", "林秀英（二）"), "messages.0.read": false,
			"messages.0.read_at": absent, "messages.0.link": "",
			"messages.1.id": "{first}", "messages.1.link": "/my/cases/C202603020001", "messages.1.created_at": present}},
	{name: "inbox: list, zh-Hant", method: "GET", url: "/api/v1/inbox?limit=1", as: resident,
		header: map[string]string{"Accept-Language": "zh-TW"}, status: 200,
		want: map[string]any{"unread": 2, "messages.#": 1, "messages.0.text": msg(i18n.ZhHant, "notify.welcome", "林秀英（二）")}},
	{name: "inbox: list, paging", method: "GET", url: "/api/v1/inbox?limit=1&offset=1", as: resident, status: 200,
		want: map[string]any{"messages.#": 1, "messages.0.id": "{first}"}},
	{name: "inbox: list, the official's own only", method: "GET", url: "/api/v1/inbox", as: gxt, status: 200,
		want: map[string]any{"unread": 1, "messages.#": 1, "messages.0.id": "{others}"}},
	{name: "inbox: read, someone else's", method: "POST", url: "/api/v1/inbox/{others}/read", as: resident, status: 404,
		want: errWant("not_found", zh("notify.error.not_found"))},
	{name: "inbox: read, own", method: "POST", url: "/api/v1/inbox/{first}/read", as: resident, status: 200,
		want: map[string]any{"id": "{first}", "read": true, "read_at": present}},
	{name: "inbox: read, own again", method: "POST", url: "/api/v1/inbox/{first}/read", as: resident, status: 200,
		want: map[string]any{"id": "{first}", "read": true}},
	{name: "inbox: read all, own", method: "POST", url: "/api/v1/inbox/read-all", as: resident, status: 200,
		want: map[string]any{"marked": 1, "unread": 0}},
	{name: "inbox: list, all read", method: "GET", url: "/api/v1/inbox", as: resident, status: 200,
		want: map[string]any{"unread": 0, "messages.0.read": true, "messages.1.read": true}},
	{name: "inbox: the official's still unread", method: "GET", url: "/api/v1/inbox", as: gxt, status: 200,
		want: map[string]any{"unread": 1, "messages.0.read": false}},
}

// inboxHandler serves the demo platform's API with the notification service wired in, as
// app.New assembles the API, and returns it with the service.
func inboxHandler(t testing.TB, db *store.DB) (http.Handler, *notify.Service, *sessions) {
	t.Helper()
	a := newApp(t, db)
	svc := notify.New(db, notify.Options{Logger: slog.New(slog.DiscardHandler)})
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
	api.New(api.Config{DB: db, Plan: a.Plan, Calendar: a.Calendar, Identity: a.Identity, Apps: a.Apps, Version: "test",
		TSA: a.TSA, PKI: a.PKI, Ledger: a.Ledger, Witness: a.Witness, Seals: a.Seals, Sign: a.Sign, Inbox: svc}).Install(srv)
	return srv.Handler(), svc, &sessions{ids: a.Identity, tokens: map[string]string{}}
}

// inboxFixture sends the messages inboxMessageScenarios read.
func inboxFixture(t *testing.T, db *store.DB, svc *notify.Service, ss *sessions, saved map[string]string) {
	t.Helper()
	ctx := context.Background()
	send := func(login, name, link string) string {
		p, err := ss.ids.SessionPrincipal(ctx, ss.token(t, login))
		if err != nil {
			t.Fatal(err)
		}
		id, err := svc.Send(ctx, p.AccountID, "notify.welcome", []string{name}, link)
		if err != nil {
			t.Fatal(err)
		}
		return strconv.FormatInt(id, 10)
	}
	saved["first"] = send(resident, "林秀英", "/my/cases/C202603020001")
	saved["second"] = send(resident, "林秀英（二）", "")
	saved["others"] = send(gxt, "王工", "")
}

func TestInboxScenarios(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h, svc, ss := inboxHandler(t, db)
		saved := map[string]string{}
		for _, sc := range inboxScenarios {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, h, db, ss, saved) })
		}
		inboxFixture(t, db, svc, ss, saved)
		for _, sc := range inboxMessageScenarios {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, h, db, ss, saved) })
		}
	})
}

// TestInboxRoutesDocumented: the inbox's routes are in the OpenAPI document and answer.
func TestInboxRoutesDocumented(t *testing.T) {
	t.Parallel()
	h, _, _ := inboxHandler(t, storetest.Open(t, store.SQLite, storetest.Options{}))
	doc := getOpenAPI(t, h)
	paths, _ := doc["paths"].(map[string]any)
	for path, method := range map[string]string{"/api/v1/inbox": "get", "/api/v1/inbox/{id}/read": "post", "/api/v1/inbox/read-all": "post"} {
		item, _ := paths[path].(map[string]any)
		if _, ok := item[method]; !ok {
			t.Errorf("%s %s is not documented", method, path)
		}
	}
}

// FuzzInboxQuery: whatever the query string, the inbox answers 200 or 400 with JSON, never
// anything else.
func FuzzInboxQuery(f *testing.F) {
	h, _, ss := inboxHandler(f, storetest.Open(f, store.SQLite, storetest.Options{}))
	for _, q := range []string{"", "limit=5", "limit=100&offset=3", "limit=-1", "offset=99999999999999999999", "limit=1&limit=2", "lang=en&limit=%00"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		r := httptest.NewRequest("GET", "/api/v1/inbox", nil)
		r.URL.RawQuery = q
		r.AddCookie(&http.Cookie{Name: "yiwang_session", Value: ss.token(t, resident)})
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK && w.Code != http.StatusBadRequest {
			t.Fatalf("?%s: status %d: %s", q, w.Code, w.Body)
		}
		if !json.Valid(w.Body.Bytes()) {
			t.Fatalf("?%s: not JSON: %s", q, w.Body)
		}
	})
}
