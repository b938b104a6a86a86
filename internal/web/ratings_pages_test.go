package web_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"image/png"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/ratings"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
	"github.com/yiwang-platform/yiwang/internal/web"
)

// People of the rating pages: the resident newSite registers applied for the cases; another
// demo resident did not.
var (
	neighbour   = demo.Residents[0].Phone
	foodLicence = idcode.NewCreditCode('1', '1', "350000", "00304121") + "400011170000"
)

// ratingCases is an in-memory CaseSource: the platform adapts internal/cases.
type ratingCases map[string]ratings.Subject

func (c ratingCases) RatingSubject(ctx context.Context, id string) (ratings.Subject, error) {
	s, ok := c[id]
	if !ok {
		return ratings.Subject{}, errs.E(errs.NotFound, "error.not_found")
	}
	return s, nil
}

// ratingSite is the demo site with the rating system wired in, and the service itself.
type ratingSite struct {
	*site
	svc *ratings.Service
}

// newRatingSite assembles the platform and serves its portal with the rating pages installed,
// over cases of the resident newSite registers.
func newRatingSite(t *testing.T, db *store.DB) *ratingSite {
	t.Helper()
	s := newSite(t, db, highLimits)
	res, err := s.a.Identity.AccountIDByPhone(systemContext(), resident)
	if err != nil {
		t.Fatal(err)
	}
	done := time.Date(2026, 2, 27, 16, 30, 0, 0, clock.China)
	cases := ratingCases{
		"case-food": {CaseID: "case-food", CaseNumber: "FJ350000-20260226-000123", Owner: res, Org: market, ItemCode: foodLicence,
			ItemNameHans: "食品经营许可证核发", Completed: true, CompletedAt: done},
		"case-bundle": {CaseID: "case-bundle", CaseNumber: "FJ350000-20260224-000050", Owner: res, ItemCode: "FJ-YJS-0001",
			ItemNameHans: "开办餐馆一件事", Completed: true, CompletedAt: done},
		"case-pending": {CaseID: "case-pending", CaseNumber: "FJ350000-20260301-000456", Owner: res, Org: market, ItemCode: foodLicence,
			ItemNameHans: "食品经营许可证核发"},
	}
	svc, err := ratings.New(db, ratings.Config{Cases: cases, Calendar: s.a.Calendar,
		CodeKey: []byte("web test visit-code key, 32+ bytes long")})
	if err != nil {
		t.Fatal(err)
	}
	site, err := web.New(web.Config{DB: db, Plan: s.a.Plan, Identity: s.a.Identity, OIDC: s.a.OIDC, Apps: s.a.Apps, Seals: s.a.Seals,
		Sign: s.a.Sign, Ledger: s.a.Ledger, PKI: s.a.PKI, Ratings: svc, Logger: slog.New(slog.DiscardHandler), Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := httpserver.New(httpserver.Config{Logger: slog.New(slog.DiscardHandler), Authenticate: site.Authenticate,
		ErrorPage: site.ErrorPage, RateLimits: highLimits})
	if err != nil {
		t.Fatal(err)
	}
	site.Install(srv)
	s.a.Server = srv
	for _, login := range []string{scjWindow, scjAdmin, "szb.admin", neighbour} {
		s.token(login)
	}
	return &ratingSite{site: s, svc: svc}
}

func TestRatingCasePages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newRatingSite(t, db)
		page := "/ratings/case/case-food"

		wantLogin(t, "the public", s.get(page, ""))
		wantStatus(t, "another resident", s.get(page, neighbour), http.StatusNotFound)
		wantStatus(t, "an official", s.get(page, scjAdmin), http.StatusNotFound)
		wantStatus(t, "unknown case", s.get("/ratings/case/case-none", resident), http.StatusNotFound)
		doc := parse(t, s.get("/ratings/case/case-pending", resident))
		one(t, doc, "#not-completed")
		if n := count(t, doc, "main form"); n != 0 {
			t.Errorf("%d forms on a case not completed", n)
		}

		// A bundle's parent case is not rated itself.
		doc = parse(t, s.get("/ratings/case/case-bundle", resident))
		one(t, doc, "#bundle")
		if n := count(t, doc, "main form"); n != 0 {
			t.Errorf("%d forms on a bundle's parent case", n)
		}
		wantStatus(t, "rate a bundle", s.post("/ratings/case/case-bundle", resident, url.Values{"level": {"5"}}), http.StatusConflict)

		// Step one: five large buttons in a GET form, in the order of the standard.
		doc = parse(t, s.get(page, resident))
		if got := text(one(t, doc, "#case-number")); got != "FJ350000-20260226-000123" {
			t.Errorf("case number %q", got)
		}
		levels := one(t, doc, `form#rating-levels[method="get"][action="/ratings/case/case-food"]`)
		var names []string
		for _, b := range queryAll(t, levels, `button[type="submit"][name="level"]`) {
			names = append(names, attrOr(b, "value")+" "+text(one(t, b, ".level-name")))
		}
		want := []string{"5 非常满意", "4 满意", "3 基本满意", "2 不满意", "1 非常不满意"}
		if diff := cmp.Diff(want, names); diff != "" {
			t.Errorf("level buttons (-want +got):\n%s", diff)
		}
		if n := count(t, doc, `form[method="post"][action="/ratings/case/case-food"]`); n != 0 {
			t.Errorf("the details form before a level was chosen")
		}

		// Step two: the bad level's tags and the comment.
		doc = parse(t, s.get(page+"?level=1", resident))
		form := one(t, doc, `form#rating-form[method="post"][action="/ratings/case/case-food"]`)
		one(t, form, `input[type="hidden"][name="level"][value="1"]`)
		one(t, form, `input[type="hidden"][name="channel"][value="online"]`)
		if n := count(t, form, `input[type="checkbox"][name="tag"]`); n != len(ratings.TagsFor(1)) {
			t.Errorf("%d tags offered, want %d", n, len(ratings.TagsFor(1)))
		}
		one(t, form, `textarea#rating-comment[name="comment"][maxlength="500"]`)
		one(t, doc, `a#rating-change[href="/ratings/case/case-food"]`)

		// Refusals come back on the form, with what was typed.
		before := s.lastAuditID()
		w := s.post(page, resident, url.Values{"level": {"5"}, "tag": {"bad_attitude"}, "comment": {"很好"}, "channel": {"online"}})
		wantStatus(t, "a tag of another level", w, http.StatusBadRequest)
		doc = parse(t, w)
		checkFieldError(t, doc, "rating-tag", i18n.T(i18n.ZhHans, "ratings.error.tag"))
		if got := text(one(t, doc, "#rating-comment")); got != "很好" {
			t.Errorf("comment not kept: %q", got)
		}
		w = s.post(page, resident, url.Values{"level": {"2"}, "comment": {strings.Repeat("慢", 501)}})
		wantStatus(t, "a long comment", w, http.StatusBadRequest)
		checkFieldError(t, parse(t, w), "rating-comment", i18n.T(i18n.ZhHans, "ratings.error.comment", ratings.MaxCommentRunes))
		wantStatus(t, "cross-site", s.crossSite(page, resident, url.Values{"level": {"5"}}), http.StatusForbidden)
		wantStatus(t, "another resident posts", s.post(page, neighbour, url.Values{"level": {"1"}}), http.StatusNotFound)
		if got := s.auditSince(before); len(got) != 0 {
			t.Fatalf("refused ratings changed something: %v", got)
		}

		// The rating.
		w = s.post(page, resident, url.Values{"level": {"1"}, "tag": {"repeated_visits", "not_told_at_once"}, "channel": {"online"},
			"comment": {"补正材料跑了三次，每次要求都不一样。"}})
		wantStatus(t, "rate", w, http.StatusSeeOther)
		if loc := w.Header().Get("Location"); loc != page+"?done=rated" {
			t.Fatalf("to %q", loc)
		}
		if diff := cmp.Diff([]string{"rating.create", "rating.task_open"}, s.auditSince(before)); diff != "" {
			t.Errorf("audit (-want +got):\n%s", diff)
		}
		doc = parse(t, s.get(page+"?done=rated", resident))
		if got := text(one(t, doc, "#done")); got != i18n.T(i18n.ZhHans, "ratings.case.done_rated") {
			t.Errorf("notice %q", got)
		}
		if got := text(one(t, doc, "#given-level")); got != "非常不满意" {
			t.Errorf("level shown %q", got)
		}
		if got := text(one(t, doc, "#given-tags")); !strings.Contains(got, "多次跑腿") {
			t.Errorf("tags shown %q", got)
		}
		if n := count(t, doc, "#rating-levels"); n != 0 {
			t.Error("the rating form is offered again")
		}
		w = s.post(page, resident, url.Values{"level": {"5"}})
		wantStatus(t, "rate again", w, http.StatusConflict)
		if got := alertText(t, parse(t, w)); got != i18n.T(i18n.ZhHans, "ratings.error.already_rated") {
			t.Errorf("alert %q", got)
		}

		// The follow-up, once.
		w = s.post(page+"/follow-up", resident, url.Values{"follow_up": {" "}})
		wantStatus(t, "empty follow-up", w, http.StatusBadRequest)
		checkFieldError(t, parse(t, w), "follow_up", i18n.T(i18n.ZhHans, "ratings.error.follow_up", ratings.MaxCommentRunes))
		wantStatus(t, "follow-up", s.post(page+"/follow-up", resident, url.Values{"follow_up": {"工作人员已回电道歉。"}}), http.StatusSeeOther)
		doc = parse(t, s.get(page, resident))
		if got := text(one(t, doc, "#given-follow-up")); !strings.HasPrefix(got, "工作人员已回电道歉。") {
			t.Errorf("follow-up shown %q", got)
		}
		if n := count(t, doc, "#follow_up"); n != 0 {
			t.Error("a second follow-up is offered")
		}
		wantStatus(t, "follow-up by another", s.post(page+"/follow-up", neighbour, url.Values{"follow_up": {"x"}}), http.StatusNotFound)
	})
}

var visitCodeRE = regexp.MustCompile(`^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$`)

func TestRatingVisitPages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newRatingSite(t, db)
		wantLogin(t, "the public opens a visit", s.get("/ratings/visits/new", ""))
		wantStatus(t, "a resident opens a visit", s.get("/ratings/visits/new", resident), http.StatusForbidden)
		wantStatus(t, "an administrator opens a visit", s.get("/ratings/visits/new", scjAdmin), http.StatusForbidden)
		one(t, parse(t, s.get("/ratings/visits/new", scjWindow)), `form#visit-form[method="post"][action="/ratings/visits"]`)

		w := s.post("/ratings/visits", scjWindow, url.Values{"resident": {"13900000000"}, "item_code": {foodLicence}})
		wantStatus(t, "an unknown resident", w, http.StatusBadRequest)
		doc := parse(t, w)
		checkFieldError(t, doc, "visit-resident", i18n.T(i18n.ZhHans, "ratings.error.resident"))
		if v := attrOr(one(t, doc, "#visit-item_code"), "value"); v != foodLicence {
			t.Errorf("item code not kept: %q", v)
		}
		w = s.post("/ratings/visits", scjWindow, url.Values{"item_code": {"食品 许可"}})
		wantStatus(t, "a bad item code", w, http.StatusBadRequest)
		checkFieldError(t, parse(t, w), "visit-item_code", i18n.T(i18n.ZhHans, "ratings.error.item_code", ratings.MaxItemCode))

		before := s.lastAuditID()
		w = s.post("/ratings/visits", scjWindow, url.Values{"resident": {neighbour}, "item_code": {foodLicence}})
		wantStatus(t, "open a visit", w, http.StatusOK)
		if diff := cmp.Diff([]string{"rating.visit_open"}, s.auditSince(before)); diff != "" {
			t.Errorf("audit (-want +got):\n%s", diff)
		}
		doc = parse(t, w)
		code := text(one(t, doc, "#visit-code"))
		if !visitCodeRE.MatchString(code) {
			t.Fatalf("code %q", code)
		}
		plain := strings.ReplaceAll(code, "-", "")
		if got := text(one(t, doc, "#visit-link")); got != "http://example.com/ratings/visit?code="+plain {
			t.Errorf("link %q", got)
		}
		src := attrOr(one(t, doc, "img#visit-qr"), "src")
		raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(src, "data:image/png;base64,"))
		if err != nil {
			t.Fatalf("QR src %.60q: %v", src, err)
		}
		img, err := png.Decode(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != b.Dy() || b.Dx() < 150 {
			t.Errorf("QR image %v", b)
		}
		if r, _, _, _ := img.At(2, 2).RGBA(); r != 0xffff {
			t.Error("the QR code has no quiet zone")
		}

		// The pad: the code typed in lower case shows the visit; the code travels in query
		// strings and form bodies, never in a path the pages make.
		w = s.get("/ratings/visit?at=window&code="+url.QueryEscape(strings.ToLower(code)), "")
		wantStatus(t, "enter the code", w, http.StatusOK)
		doc = parse(t, w)
		levels := one(t, doc, `form#rating-levels[method="get"][action="/ratings/visit"]`)
		one(t, levels, `input[type="hidden"][name="at"][value="window"]`)
		one(t, levels, `input[type="hidden"][name="code"][value="`+plain+`"]`)
		if got := text(one(t, doc, "#visit-org")); got != "福建省市场监督管理局" {
			t.Errorf("organisation %q", got)
		}
		// Switching language or type size keeps the visit.
		back := attrOr(one(t, doc, `form[action="/prefs/large-type"] input[name="back"]`), "value")
		if u, err := url.Parse(back); err != nil || u.Path != "/ratings/visit" || u.Query().Get("code") != plain {
			t.Errorf("large-type switch returns to %q", back)
		}
		for _, a := range queryAll(t, doc, `nav a[hreflang]`) {
			if u, err := url.Parse(attrOr(a, "href")); err != nil || u.Path != "/ratings/visit" || u.Query().Get("code") != plain {
				t.Errorf("language link %q", attrOr(a, "href"))
			}
		}
		w = s.get("/ratings/visit?at=window&code=ZZZZ-ZZZZ", "")
		wantStatus(t, "an unknown code", w, http.StatusNotFound)
		checkFieldError(t, parse(t, w), "code", i18n.T(i18n.ZhHans, "ratings.error.visit_not_found"))
		wantStatus(t, "an unknown code's page", s.get("/ratings/visit/ZZZZZZZZ", ""), http.StatusNotFound)
		// A link with the code in its path works too.
		one(t, parse(t, s.get("/ratings/visit/"+plain, "")), `form#rating-levels input[name="code"][value="`+plain+`"]`)

		doc = parse(t, s.get("/ratings/visit?at=window&level=5&code="+plain, ""))
		form := one(t, doc, `form#rating-form[method="post"][action="/ratings/visit"]`)
		one(t, form, `input[name="channel"][value="window"]`)
		one(t, form, `input[type="hidden"][name="code"][value="`+plain+`"]`)
		if n := count(t, form, `input[name="tag"]`); n != len(ratings.TagsFor(5)) {
			t.Errorf("%d tags", n)
		}

		rate := func(login string, kv ...string) *httptest.ResponseRecorder {
			v := url.Values{"code": {plain}, "at": {"window"}, "channel": {"window"}}
			for i := 0; i+1 < len(kv); i += 2 {
				v.Add(kv[i], kv[i+1])
			}
			return s.post("/ratings/visit", login, v)
		}
		wantStatus(t, "an official rates", rate(scjWindow, "level", "5"), http.StatusForbidden)
		before = s.lastAuditID()
		w = rate("", "level", "5", "tag", "friendly", "tag", "one_visit")
		wantStatus(t, "rate at the pad", w, http.StatusSeeOther)
		if loc := w.Header().Get("Location"); loc != "/ratings/visit?at=window&done=rated" {
			t.Fatalf("to %q", loc)
		}
		if diff := cmp.Diff([]string{"rating.create"}, s.auditSince(before)); diff != "" {
			t.Errorf("audit (-want +got):\n%s", diff)
		}
		// Thanks, and the pad is ready for the next person.
		doc = parse(t, s.get("/ratings/visit?at=window&done=rated", ""))
		one(t, doc, "#done")
		one(t, doc, `form#code-form input[name="at"][value="window"]`)
		w = rate("", "level", "1")
		wantStatus(t, "rate twice", w, http.StatusConflict)
		doc = parse(t, w)
		if got := alertText(t, doc); got != i18n.T(i18n.ZhHans, "ratings.error.visit_rated") {
			t.Errorf("alert %q", got)
		}
		one(t, doc, `a#next[href="/ratings/visit?at=window"]`)
		// The officer named the person: the rating is hers, real-name.
		list, err := s.svc.Ratings(systemContext(), principal.SystemPrincipal, ratings.Filter{})
		if err != nil || len(list) != 1 || !list[0].RealName || list[0].Channel != ratings.Window || list[0].ItemCode != foodLicence {
			t.Fatalf("ratings %+v %v", list, err)
		}
	})
}

// TestRatingWorkPages follows a bad rating through its task and an appeal through its decision.
func TestRatingWorkPages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newRatingSite(t, db)
		ctx := context.Background()
		owner, err := s.a.Identity.AccountIDByPhone(systemContext(), resident)
		if err != nil {
			t.Fatal(err)
		}
		applicant := principal.Principal{Kind: principal.Resident, AccountID: owner}
		if _, err := s.svc.RateCase(principal.With(ctx, applicant), applicant, "case-food", ratings.Input{Level: 1,
			Comment: "补正通知前后不一致，我的电话13905912846一直没人回。"}); err != nil {
			t.Fatal(err)
		}
		window := principal.Principal{Kind: principal.Official, Login: scjWindow, OrgCode: market, Roles: []string{principal.RoleWindowOfficer}}
		_, code, err := s.svc.OpenVisit(principal.With(ctx, window), window, ratings.NewVisit{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.svc.RateVisit(ctx, principal.Principal{}, code, ratings.Input{Level: 2, Channel: ratings.Kiosk}); err != nil {
			t.Fatal(err)
		}

		wantLogin(t, "the public", s.get("/ratings/tasks", ""))
		wantStatus(t, "a resident", s.get("/ratings/tasks", resident), http.StatusForbidden)
		if n := count(t, parse(t, s.get("/ratings/tasks", gxt)), "#tasks tbody tr"); n != 0 {
			t.Errorf("another organisation sees %d tasks", n)
		}
		doc := parse(t, s.get("/ratings/tasks", scjWindow))
		rows := queryAll(t, doc, "#tasks tbody tr")
		if len(rows) != 2 {
			t.Fatalf("%d tasks", len(rows))
		}
		tasks, _ := s.svc.Tasks(systemContext(), principal.SystemPrincipal, ratings.TaskFilter{})
		var caseTask, visitTask string
		for _, tk := range tasks {
			if tk.Kind == ratings.KindCase {
				caseTask = tk.ID
			} else {
				visitTask = tk.ID
			}
		}
		if n := count(t, parse(t, s.get("/ratings/tasks?org="+market, reviewer)), "#tasks tbody tr"); n != 2 {
			t.Errorf("the digital office sees %d tasks", n)
		}
		taskPage := "/ratings/tasks/" + caseTask
		wantStatus(t, "another organisation's task", s.get(taskPage, gxt), http.StatusNotFound)

		// The window officer records call-backs, and nothing more.
		doc = parse(t, s.get(taskPage, scjWindow))
		one(t, doc, `form#callback[action="`+taskPage+`/callbacks"]`)
		for _, sel := range []string{"#verify", "#appeal"} {
			if n := count(t, doc, sel); n != 0 {
				t.Errorf("the window officer is offered %s", sel)
			}
		}
		if got := text(one(t, doc, "#given-comment")); strings.Contains(got, "13905912846") || !strings.Contains(got, "139****2846") {
			t.Errorf("comment shown to officials %q", got)
		}
		one(t, doc, "#callback-rule")

		// Verifying a real-name rating before calling back is refused beside the form.
		w := s.post(taskPage+"/verify", scjAdmin, url.Values{"findings": {"属实"}})
		wantStatus(t, "verify first", w, http.StatusConflict)
		if got := alertText(t, parse(t, w)); got != i18n.T(i18n.ZhHans, "ratings.error.callback_first") {
			t.Errorf("alert %q", got)
		}
		w = s.post(taskPage+"/callbacks", scjWindow, url.Values{"called_at": {"2026-03-02T08:00"}, "account": {"x"}})
		wantStatus(t, "call-back without reached", w, http.StatusBadRequest)
		checkFieldError(t, parse(t, w), "callback-reached", i18n.T(i18n.ZhHans, "ratings.task.error_reached"))
		w = s.post(taskPage+"/callbacks", scjWindow, url.Values{"called_at": {"2030-01-01T08:00"}, "reached": {"no"}})
		wantStatus(t, "call-back in the future", w, http.StatusBadRequest)
		checkFieldError(t, parse(t, w), "callback-called_at", i18n.T(i18n.ZhHans, "ratings.error.called_at"))
		wantStatus(t, "the window officer verifies", s.post(taskPage+"/verify", scjWindow, url.Values{"findings": {"x"}}), http.StatusForbidden)

		before := s.lastAuditID()
		now := s.db.Clock().Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02T15:04")
		steps := []struct {
			path, as string
			form     url.Values
		}{
			{"/callbacks", scjWindow, url.Values{"called_at": {now}, "reached": {"yes"}, "account": {"申请人反映补正通知前后不一致。"}}},
			{"/verify", scjAdmin, url.Values{"findings": {"两次补正通知由不同人员出具，口径不一。"}}},
			{"/rectify", scjAdmin, url.Values{"measures": {"统一补正告知书模板，实行一次性告知。"}}},
			{"/close", scjAdmin, url.Values{"note": {"已回访确认。"}}},
		}
		for _, st := range steps {
			w := s.post(taskPage+st.path, st.as, st.form)
			wantStatus(t, st.path, w, http.StatusSeeOther)
			if loc := w.Header().Get("Location"); !strings.HasPrefix(loc, taskPage+"?done=") {
				t.Errorf("%s: to %q", st.path, loc)
			}
		}
		want := []string{"rating.task_callback", "rating.task_verify", "rating.task_rectify", "rating.task_close"}
		if diff := cmp.Diff(want, s.auditSince(before)); diff != "" {
			t.Errorf("audit (-want +got):\n%s", diff)
		}
		doc = parse(t, s.get(taskPage+"?done=close", scjAdmin))
		if got := text(one(t, doc, "#task-status")); got != i18n.T(i18n.ZhHans, "ratings.task_status.closed") {
			t.Errorf("status %q", got)
		}
		if n := count(t, doc, "#callback-list tbody tr"); n != 1 {
			t.Errorf("%d call-backs listed", n)
		}
		one(t, doc, "#task-closed")

		// The visit's rating is appealed against and the appeal upheld.
		visitPage := "/ratings/tasks/" + visitTask
		wantStatus(t, "the window officer appeals", s.post(visitPage+"/appeal", scjWindow, url.Values{"reason": {"mistaken"}, "evidence": {"x"}}),
			http.StatusForbidden)
		w = s.post(visitPage+"/appeal", scjAdmin, url.Values{"reason": {"mistaken"}, "evidence": {" "}})
		wantStatus(t, "an appeal without evidence", w, http.StatusBadRequest)
		checkFieldError(t, parse(t, w), "appeal-evidence", i18n.T(i18n.ZhHans, "ratings.error.evidence", ratings.MaxNoteRunes))
		wantStatus(t, "appeal", s.post(visitPage+"/appeal", scjAdmin, url.Values{"reason": {"mistaken"},
			"evidence": {"叫号记录显示该时段该窗口办理的是企业登记。"}}), http.StatusSeeOther)
		appeals, _ := s.svc.Appeals(systemContext(), principal.SystemPrincipal, ratings.AppealFilter{})
		if len(appeals) != 1 {
			t.Fatalf("%d appeals", len(appeals))
		}
		id := appeals[0].ID
		if n := count(t, parse(t, s.get("/ratings/appeals", scjAdmin)), "form.decide"); n != 0 {
			t.Error("the rated organisation is offered the decision")
		}
		if n := count(t, parse(t, s.get("/ratings/appeals", reviewer)), "form.decide"); n != 0 {
			t.Error("a reviewer of the digital office is offered the decision")
		}
		doc = parse(t, s.get("/ratings/appeals", "szb.admin"))
		one(t, doc, `#appeal-`+id+` form.decide[action="/ratings/appeals/`+id+`/decision"]`)
		wantStatus(t, "the organisation decides", s.post("/ratings/appeals/"+id+"/decision", scjAdmin, url.Values{"decision": {"uphold"}}),
			http.StatusForbidden)
		w = s.post("/ratings/appeals/"+id+"/decision", "szb.admin", url.Values{"decision": {"reject"}})
		wantStatus(t, "reject without a reason", w, http.StatusBadRequest)
		checkFieldError(t, parse(t, w), "note-"+id, i18n.T(i18n.ZhHans, "ratings.error.decision_note", ratings.MaxNoteRunes))
		before = s.lastAuditID()
		w = s.post("/ratings/appeals/"+id+"/decision", "szb.admin", url.Values{"decision": {"uphold"}, "note": {"叫号记录证实。"}})
		wantStatus(t, "uphold", w, http.StatusSeeOther)
		if diff := cmp.Diff([]string{"rating.appeal_uphold", "rating.exclude", "rating.task_cancel"}, s.auditSince(before)); diff != "" {
			t.Errorf("audit (-want +got):\n%s", diff)
		}
		doc = parse(t, s.get(visitPage, scjAdmin))
		if got := text(one(t, doc, "#appeal-status")); got != i18n.T(i18n.ZhHans, "ratings.appeal_status.upheld") {
			t.Errorf("appeal status %q", got)
		}
		one(t, doc, "#given-excluded")

		// The public statistics count the case's rating, rectified on time, and not the excluded one.
		doc = parse(t, s.get("/ratings/stats", ""))
		cells := queryAll(t, one(t, doc, "#stats tbody tr"), "td")
		var got []string
		for _, c := range cells {
			got = append(got, text(c))
		}
		// Levels 5…1, total, satisfaction, bad, rectified, on time.
		if diff := cmp.Diff([]string{"0", "0", "0", "0", "1", "1", "0.0%", "1", "1", "100.0%"}, got); diff != "" {
			t.Errorf("statistics (-want +got):\n%s", diff)
		}
		if body := s.get("/ratings/stats?by=item", "").Body.String(); strings.Contains(body, "补正") || strings.Contains(body, "2846") {
			t.Error("the public statistics show a comment")
		}
	})
}

func TestRatingStatsPage(t *testing.T) {
	t.Parallel()
	s := newRatingSite(t, storetest.Open(t, store.SQLite, storetest.Options{}))
	doc := parse(t, s.get("/ratings/stats", ""))
	one(t, doc, "#no-stats")
	if n := count(t, doc, `script[src="/static/js/ratings-stats.js"]`); n != 0 {
		t.Error("the chart script without figures")
	}
	window := principal.Principal{Kind: principal.Official, Login: scjWindow, OrgCode: market, Roles: []string{principal.RoleWindowOfficer}}
	for _, l := range []ratings.Level{5, 4, 4, 3} {
		_, code, err := s.svc.OpenVisit(principal.With(context.Background(), window), window, ratings.NewVisit{ItemCode: foodLicence})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.svc.RateVisit(context.Background(), principal.Principal{}, code, ratings.Input{Level: l}); err != nil {
			t.Fatal(err)
		}
	}
	doc = parse(t, s.get("/ratings/stats?by=item", ""))
	if got := text(queryAll(t, doc, "#stats-total td.num")[0]); got != "1" {
		t.Errorf("total of level 5: %q", got)
	}
	one(t, doc, `script#ratings-stats-data[type="application/json"]`)
	one(t, doc, `script[src="/static/js/ratings-stats.js"]`)
	one(t, doc, `select#stats-by option[value="item"][selected]`)
	if got := text(one(t, doc, "#stats tbody th code")); got != foodLicence {
		t.Errorf("item %q", got)
	}
	w := s.get("/ratings/stats?from=2026-13-01", "")
	wantStatus(t, "a bad date", w, http.StatusBadRequest)
	checkFieldError(t, parse(t, w), "stats-from", i18n.T(i18n.ZhHans, "ratings.stats.error_date"))
	w = s.get("/ratings/stats?from=2026-03-02&to=2026-03-01", "")
	wantStatus(t, "a reversed period", w, http.StatusBadRequest)
	if got := alertText(t, parse(t, w)); got != i18n.T(i18n.ZhHans, "ratings.error.period") {
		t.Errorf("alert %q", got)
	}
}

// TestRatingPagesInEveryLanguage renders each rating page in each language, in large type.
func TestRatingPagesInEveryLanguage(t *testing.T) {
	t.Parallel()
	s := newRatingSite(t, storetest.Open(t, store.SQLite, storetest.Options{}))
	window := principal.Principal{Kind: principal.Official, Login: scjWindow, OrgCode: market, Roles: []string{principal.RoleWindowOfficer}}
	_, code, err := s.svc.OpenVisit(principal.With(context.Background(), window), window, ratings.NewVisit{})
	if err != nil {
		t.Fatal(err)
	}
	_, code2, _ := s.svc.OpenVisit(principal.With(context.Background(), window), window, ratings.NewVisit{ItemCode: foodLicence})
	if _, err := s.svc.RateVisit(context.Background(), principal.Principal{}, code2, ratings.Input{Level: 1, Comment: "等候太久"}); err != nil {
		t.Fatal(err)
	}
	tasks, _ := s.svc.Tasks(systemContext(), principal.SystemPrincipal, ratings.TaskFilter{})
	large := &http.Cookie{Name: "large_type", Value: "1"}
	pages := []struct{ path, as, h1 string }{
		{"/ratings/case/case-food", resident, "ratings.case.heading"},
		{"/ratings/case/case-food?level=2", resident, "ratings.case.heading"},
		{"/ratings/visit", "", "ratings.visit_code.heading"},
		{"/ratings/visit?at=window&code=" + code, "", "ratings.visit.heading"},
		{"/ratings/visit?level=4&code=" + code, "", "ratings.visit.heading"},
		{"/ratings/visit/" + code, "", "ratings.visit.heading"},
		{"/ratings/visits/new", scjWindow, "ratings.visit_open.heading"},
		{"/ratings/tasks", scjAdmin, "ratings.tasks.heading"},
		{"/ratings/tasks/" + tasks[0].ID, scjAdmin, "ratings.task.heading"},
		{"/ratings/appeals", "szb.admin", "ratings.appeals.heading"},
		{"/ratings/stats", "", "ratings.stats.heading"},
	}
	for _, lang := range i18n.All {
		for _, p := range pages {
			t.Run(string(lang)+p.path, func(t *testing.T) {
				sep := "?"
				if strings.Contains(p.path, "?") {
					sep = "&"
				}
				w := s.get(p.path+sep+"lang="+string(lang), p.as, large)
				wantStatus(t, p.path, w, http.StatusOK)
				doc := parse(t, w)
				if got, _ := attr(one(t, doc, "html"), "lang"); got != string(lang) {
					t.Errorf("lang %q", got)
				}
				if got, _ := attr(one(t, doc, "html"), "class"); got != "large-type" {
					t.Errorf("html class %q, want large-type", got)
				}
				if got := text(one(t, doc, "main h1")); got != i18n.T(lang, p.h1) {
					t.Errorf("h1 %q, want %q", got, i18n.T(lang, p.h1))
				}
				one(t, doc, `link[rel="stylesheet"][href="/static/css/ratings.css"]`)
				for _, tbl := range queryAll(t, doc, "main table") {
					if p := tbl.Parent; p == nil || !strings.Contains(attrOr(p, "class"), "table-scroll") || attrOr(p, "tabindex") != "0" {
						t.Errorf("table #%s is not in a scrolling region", attrOr(tbl, "id"))
					}
				}
				// Every form control has a label.
				var controls []*html.Node
				for _, sel := range []string{"main input", "main textarea", "main select"} {
					controls = append(controls, queryAll(t, doc, sel)...)
				}
				for _, ctl := range controls {
					if attrOr(ctl, "type") == "hidden" {
						continue
					}
					id := attrOr(ctl, "id")
					if id == "" || count(t, doc, `label[for="`+id+`"]`) != 1 {
						t.Errorf("control %s %q has no label", ctl.Data, id)
					}
				}
				// No message key shows through untranslated.
				if m := regexp.MustCompile(`ratings\.[a-z_]+\.[a-z_]+`).FindString(text(one(t, doc, "main"))); m != "" {
					t.Errorf("untranslated key %s", m)
				}
			})
		}
	}
}

// TestRatingMessageKeys checks that every key the rating pages name, or build from a value,
// exists.
func TestRatingMessageKeys(t *testing.T) {
	t.Parallel()
	var wanted []string
	for _, l := range ratings.Levels {
		wanted = append(wanted, l.Key())
		for _, tag := range ratings.TagsFor(l) {
			wanted = append(wanted, ratings.TagKey(tag))
		}
	}
	for _, c := range ratings.Channels {
		wanted = append(wanted, c.Key())
	}
	for _, st := range ratings.TaskStatuses {
		wanted = append(wanted, st.Key())
	}
	for _, st := range []ratings.AppealStatus{ratings.AppealPending, ratings.AppealUpheld, ratings.AppealRejected} {
		wanted = append(wanted, st.Key())
	}
	for _, r := range ratings.AppealReasons {
		wanted = append(wanted, ratings.AppealReasonKey(r))
	}
	for _, d := range []string{"callback", "verify", "rectify", "close", "appeal"} {
		wanted = append(wanted, "ratings.task.done_"+d)
	}
	for _, a := range []string{"verify", "rectify", "close"} {
		wanted = append(wanted, "ratings.task."+a, "ratings.task."+a+"_submit")
	}
	for _, f := range []string{"findings", "measures", "note"} {
		wanted = append(wanted, "ratings.task."+f, "ratings.task."+f+"_hint")
	}
	for _, v := range []string{"pending", "overdue", "all"} {
		wanted = append(wanted, "ratings.tasks.show_"+v)
	}
	files, _ := filepath.Glob("templates/ratings/*.html")
	files = append(files, "templates/partials/ratings.html", "ratings_pages.go", "ratings_work_pages.go", "ratings_stats_pages.go")
	literal := regexp.MustCompile(`"(ratings\.[a-z0-9_.]*[a-z0-9])"`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			wanted = append(wanted, m[1])
		}
	}
	if len(wanted) < 150 {
		t.Fatalf("found only %d keys; is the test running in internal/web?", len(wanted))
	}
	for _, k := range wanted {
		if !i18n.Has(k) {
			t.Errorf("message key %q is missing", k)
		}
	}
}
