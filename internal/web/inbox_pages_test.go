package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/notify"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
	"github.com/yiwang-platform/yiwang/internal/web"
)

// inboxSite is the demo platform whose portal also has the inbox: the site is assembled from the
// platform's own services as app.New assembles it, with the notification service added, and
// serves every request of the site's helpers.
type inboxSite struct {
	*site
	inbox *notify.Service
}

func newInboxSite(t testing.TB, db *store.DB) *inboxSite {
	t.Helper()
	s := newSite(t, db, highLimits)
	svc := notify.New(db, notify.Options{Logger: slog.New(slog.DiscardHandler)})
	a := s.a
	portal, err := web.New(web.Config{DB: db, Plan: a.Plan, Identity: a.Identity, OIDC: a.OIDC, Apps: a.Apps,
		Logger: slog.New(slog.DiscardHandler), Demo: true, Seals: a.Seals, Sign: a.Sign, Ledger: a.Ledger, PKI: a.PKI, Inbox: svc})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := httpserver.New(httpserver.Config{Logger: slog.New(slog.DiscardHandler), Authenticate: portal.Authenticate,
		ErrorPage: portal.ErrorPage, RateLimits: highLimits})
	if err != nil {
		t.Fatal(err)
	}
	portal.Install(srv)
	a.Server = srv
	return &inboxSite{site: s, inbox: svc}
}

// account is the account id behind login.
func (s *inboxSite) account(login string) principal.Principal {
	s.t.Helper()
	p, err := s.a.Identity.SessionPrincipal(context.Background(), s.token(login))
	if err != nil {
		s.t.Fatal(err)
	}
	return p
}

// send puts a welcome message for login in its inbox and returns its id.
func (s *inboxSite) send(login, name, link string) int64 {
	s.t.Helper()
	ctx := context.Background()
	p := s.account(login)
	id, err := s.inbox.Send(ctx, p.AccountID, "notify.welcome", []string{name}, link)
	if err != nil {
		s.t.Fatal(err)
	}
	return id
}

func (s *inboxSite) unread(login string) int {
	s.t.Helper()
	n, err := s.inbox.Unread(context.Background(), s.account(login))
	if err != nil {
		s.t.Fatal(err)
	}
	return n
}

func TestInboxPageInEveryLanguage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newInboxSite(t, db)
		first := s.send(resident, "林秀英", "/my/cases/C202603020001")
		second := s.send(resident, "林秀英（二）", "")
		s.send(gxt, "工信厅王工", "/work/cases/C202603020009")
		for _, lang := range i18n.All {
			t.Run(string(lang), func(t *testing.T) {
				w := s.get("/inbox?lang="+string(lang), resident)
				wantStatus(t, "GET /inbox", w, http.StatusOK)
				doc := parse(t, w)
				checkLayout(t, doc, lang, "/inbox")
				if got := text(one(t, doc, "h1")); got != i18n.T(lang, "inbox.title") {
					t.Errorf("h1 = %q", got)
				}
				if got := text(one(t, doc, "#unread-count")); got != i18n.T(lang, "inbox.unread_count", 2) {
					t.Errorf("unread count = %q", got)
				}
				items := queryAll(t, doc, "ol#messages li.message.unread")
				if len(items) != 2 {
					t.Fatalf("%d unread messages listed, want 2", len(items))
				}
				if id, _ := attr(items[0], "id"); id != fmt.Sprintf("message-%d", second) {
					t.Errorf("first listed is %s, want the newest (%d)", id, second)
				}
				want := i18n.T(lang, "notify.welcome", "林秀英")
				if got := text(one(t, doc, fmt.Sprintf("#message-%d .message-text", first))); got != want {
					t.Errorf("message text = %q, want %q", got, want)
				}
				one(t, doc, fmt.Sprintf(`#message-%d form[method="post"][action="/inbox/%d/read"] button[name="open"]`, first, first))
				if n := count(t, doc, fmt.Sprintf(`#message-%d button[name="open"]`, second)); n != 0 {
					t.Errorf("a message without a link offers to open it")
				}
				one(t, doc, `form#read-all[action="/inbox/read-all"]`)
				if strings.Contains(w.Body.String(), "工信厅王工") {
					t.Error("the resident's inbox shows the official's message")
				}
			})
		}
	})
}

func TestInboxPageMarksRead(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newInboxSite(t, db)
		withLink := s.send(resident, "林秀英", "/my/cases/C202603020001")
		plain := s.send(resident, "林秀英（二）", "")
		third := s.send(resident, "林秀英（三）", "")
		others := s.send(gxt, "工信厅王工", "")

		// The public is sent to the login.
		wantLogin(t, "GET /inbox, public", s.get("/inbox", ""))
		wantStatus(t, "POST read, public", s.post(fmt.Sprintf("/inbox/%d/read", plain), "", url.Values{}), http.StatusUnauthorized)

		// Marking one read comes back to it.
		w := s.post(fmt.Sprintf("/inbox/%d/read", plain), resident, url.Values{"page": {"1"}})
		wantStatus(t, "POST read", w, http.StatusSeeOther)
		if loc := w.Header().Get("Location"); loc != fmt.Sprintf("/inbox?saved=read#message-%d", plain) {
			t.Errorf("Location = %q", loc)
		}
		if n := s.unread(resident); n != 2 {
			t.Errorf("unread = %d, want 2", n)
		}
		doc := parse(t, s.get("/inbox?saved=read&lang=en", resident))
		if got := text(one(t, doc, "#saved")); got != i18n.T(i18n.En, "inbox.marked") {
			t.Errorf("notice = %q", got)
		}
		one(t, doc, fmt.Sprintf("#message-%d .badge.read", plain))
		if n := count(t, doc, fmt.Sprintf("#message-%d form", plain)); n != 0 {
			t.Error("a read message still offers a form")
		}

		// Opening marks read and goes on to the affair.
		w = s.post(fmt.Sprintf("/inbox/%d/read", withLink), resident, url.Values{"open": {"1"}})
		wantStatus(t, "POST open", w, http.StatusSeeOther)
		if loc := w.Header().Get("Location"); loc != "/my/cases/C202603020001" {
			t.Errorf("open goes to %q", loc)
		}
		doc = parse(t, s.get("/inbox", resident))
		one(t, doc, fmt.Sprintf(`#message-%d a[href="/my/cases/C202603020001"]`, withLink))

		// Someone else's message does not exist for her, and stays unread.
		for _, target := range []string{fmt.Sprintf("/inbox/%d/read", others), "/inbox/999999/read", "/inbox/x/read", "/inbox/-1/read"} {
			wantStatus(t, "POST "+target, s.post(target, resident, url.Values{}), http.StatusNotFound)
		}
		if n := s.unread(gxt); n != 1 {
			t.Errorf("the official's unread = %d, want 1", n)
		}

		// A form from another site changes nothing.
		wantStatus(t, "cross-site read", s.crossSite(fmt.Sprintf("/inbox/%d/read", third), resident, url.Values{}), http.StatusForbidden)
		wantStatus(t, "cross-site read-all", s.crossSite("/inbox/read-all", resident, url.Values{}), http.StatusForbidden)
		if n := s.unread(resident); n != 1 {
			t.Errorf("unread after cross-site posts = %d, want 1", n)
		}

		// Mark all: hers only.
		w = s.post("/inbox/read-all", resident, url.Values{"page": {"1"}})
		wantStatus(t, "POST read-all", w, http.StatusSeeOther)
		if loc := w.Header().Get("Location"); loc != "/inbox?saved=all" {
			t.Errorf("Location = %q", loc)
		}
		if n := s.unread(resident); n != 0 {
			t.Errorf("unread after read-all = %d", n)
		}
		if n := s.unread(gxt); n != 1 {
			t.Errorf("the official's unread after her read-all = %d, want 1", n)
		}
		doc = parse(t, s.get("/inbox?saved=all&lang=zh-Hant", resident))
		if got := text(one(t, doc, "#unread-count")); got != i18n.T(i18n.ZhHant, "inbox.all_read") {
			t.Errorf("unread count = %q", got)
		}
		if n := count(t, doc, "form#read-all"); n != 0 {
			t.Error("mark-all offered with nothing unread")
		}

		// The official reads his own inbox on the same page.
		doc = parse(t, s.get("/inbox", gxt))
		if n := count(t, doc, "ol#messages li.message"); n != 1 {
			t.Errorf("the official sees %d messages, want 1", n)
		}
	})
}

func TestInboxPagePaging(t *testing.T) {
	t.Parallel()
	s := newInboxSite(t, storetest.Open(t, store.SQLite, storetest.Options{}))
	doc := parse(t, s.get("/inbox", resident))
	if got := text(one(t, doc, "#empty")); got != i18n.T(i18n.ZhHans, "inbox.none") {
		t.Errorf("empty inbox says %q", got)
	}
	for i := range 25 {
		s.send(resident, "林秀英"+strconv.Itoa(i), "")
	}
	doc = parse(t, s.get("/inbox", resident))
	if n := count(t, doc, "ol#messages li.message"); n != 20 {
		t.Errorf("page 1 lists %d, want 20", n)
	}
	one(t, doc, `nav.pager a[rel="next"][href="/inbox?page=2"]`)
	if n := count(t, doc, `nav.pager a[rel="prev"]`); n != 0 {
		t.Error("page 1 links to a newer page")
	}
	doc = parse(t, s.get("/inbox?page=2", resident))
	if n := count(t, doc, "ol#messages li.message"); n != 5 {
		t.Errorf("page 2 lists %d, want 5", n)
	}
	one(t, doc, `nav.pager a[rel="prev"][href="/inbox"]`)
	// Marking read from page 2 comes back to page 2.
	id, _ := attr(queryAll(t, doc, "ol#messages li.message")[0], "id")
	w := s.post("/inbox/"+strings.TrimPrefix(id, "message-")+"/read", resident, url.Values{"page": {"2"}})
	if loc := w.Header().Get("Location"); loc != "/inbox?page=2&saved=read#"+id {
		t.Errorf("Location = %q", loc)
	}
	for _, q := range []string{"?page=0", "?page=-3", "?page=x", "?page=99999999999"} {
		wantStatus(t, "GET /inbox"+q, s.get("/inbox"+q, resident), http.StatusOK)
	}
	doc = parse(t, s.get("/inbox?page=9", resident))
	if got := text(one(t, doc, "#empty")); got != i18n.T(i18n.ZhHans, "inbox.no_more") {
		t.Errorf("a page past the end says %q", got)
	}
}

// FuzzInboxForms: whatever the query of the page or the body of its forms, the inbox answers
// with the page, a redirect back to it, or not found — never an error of its own.
func FuzzInboxForms(f *testing.F) {
	s := newInboxSite(f, storetest.Open(f, store.SQLite, storetest.Options{}))
	id := s.send(resident, "林秀英", "/my/cases/C202603020001")
	for _, seed := range []struct{ query, body, path string }{
		{"", "", "1"}, {"page=2", "page=2", strconv.FormatInt(id, 10)}, {"page=-1&saved=all", "open=1", strconv.FormatInt(id, 10)},
		{"saved=%ff", "page=99999999999999999999", "x"}, {"lang=en&page=1e3", "open=&page=%00", "-5"},
	} {
		f.Add(seed.query, seed.body, seed.path)
	}
	f.Fuzz(func(t *testing.T, query, body, path string) {
		s.t = t
		r := httptest.NewRequest("GET", "/inbox", nil)
		r.URL.RawQuery = query
		r.Header.Set("Accept", "text/html")
		if w := s.do(r, resident); w.Code != http.StatusOK {
			t.Fatalf("GET /inbox?%s: %d", query, w.Code)
		}
		r = httptest.NewRequest("POST", "/inbox/"+url.PathEscape(path)+"/read", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Accept", "text/html")
		w := s.do(r, resident)
		switch w.Code {
		case http.StatusSeeOther:
			if loc := w.Header().Get("Location"); !strings.HasPrefix(loc, "/inbox?") && loc != "/my/cases/C202603020001" {
				t.Fatalf("POST read sends to %q", loc)
			}
		case http.StatusNotFound, http.StatusBadRequest:
		case http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
			// The router cleans paths such as /inbox/./read before any handler sees them.
		default:
			t.Fatalf("POST /inbox/%s/read %q: %d", path, body, w.Code)
		}
	})
}
