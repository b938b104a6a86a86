package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/yiwang-platform/yiwang/internal/app"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// Demo people of internal/demo: a level-2 resident, the demo enterprise's legal representative
// and its agent, the window officer and the administrators.
const (
	citizen     = "13859001234" // 陈美玲, level 2
	owner       = "13705918866" // 张建国, legal representative of the demo enterprise
	agent       = "13600591234" // 李晓峰, agent of the demo enterprise
	window      = "scj.window"
	admin       = "szb.admin"
	cityAdmin   = "fuzhou.admin"
	newcomerTel = "13912345678" // registers in the tests
)

var codeRE = regexp.MustCompile(`[0-9]{6}`)

// code returns the one-time code of the newest message the development outbox holds for phone.
func (s *site) code(phone string) string {
	s.t.Helper()
	list, err := s.a.Identity.Outbox(context.Background())
	if err != nil {
		s.t.Fatal(err)
	}
	for _, m := range list {
		if m.Recipient == phone {
			if c := codeRE.FindString(m.Body); c != "" {
				return c
			}
			s.t.Fatalf("no code in the message to %s: %q", phone, m.Body)
		}
	}
	s.t.Fatalf("no message to %s in the outbox", phone)
	return ""
}

// outboxCount is the number of messages to phone in the development outbox.
func (s *site) outboxCount(phone string) int {
	s.t.Helper()
	list, err := s.a.Identity.Outbox(context.Background())
	if err != nil {
		s.t.Fatal(err)
	}
	n := 0
	for _, m := range list {
		if m.Recipient == phone {
			n++
		}
	}
	return n
}

// advance moves the platform's clock, past the wait between two codes to one phone, say.
func (s *site) advance(d time.Duration) {
	s.db.Clock().(*clock.Fake).Advance(d)
}

func (s *site) now() time.Time { return s.db.Clock().Now() }

// session returns the session cookie a response set, failing if there is none.
func session(t testing.TB, w interface{ Result() *http.Response }) *http.Cookie {
	t.Helper()
	for _, c := range w.Result().Cookies() {
		if c.Name == "yiwang_session" && c.Value != "" {
			return c
		}
	}
	t.Fatalf("no session cookie set")
	return nil
}

// checkIdentityLayout checks what the base layout gives every page (checkLayout's checks but
// the navigation's, which now has the identity pages too) and that the page's forms are
// accessible by construction: unique ids, every aria reference resolving, every control labelled.
func checkIdentityLayout(t *testing.T, doc *html.Node, lang i18n.Lang) {
	t.Helper()
	if got, _ := attr(one(t, doc, "html"), "lang"); got != string(lang) {
		t.Errorf("<html lang=%q>, want %q", got, lang)
	}
	if text(one(t, doc, "head title")) == "" {
		t.Error("empty title")
	}
	one(t, doc, "main#main")
	skip := one(t, doc, `a.skip-link[href="#main"]`)
	if first := queryAll(t, doc, "body a")[0]; first != skip {
		t.Errorf("the skip link is not the first link of the page")
	}
	if n := count(t, doc, "main h1"); n != 1 || count(t, doc, "h1") != 1 {
		t.Errorf("%d h1 in main, want 1", n)
	}
	one(t, doc, `footer[role="contentinfo"]`)
	ids := map[string]int{}
	for _, n := range queryAll(t, doc, "[id]") {
		v, _ := attr(n, "id")
		ids[v]++
	}
	for id, n := range ids {
		if n > 1 {
			t.Errorf("id %q used %d times", id, n)
		}
	}
	for _, a := range []string{"aria-describedby", "aria-labelledby"} {
		for _, n := range queryAll(t, doc, "["+a+"]") {
			v, _ := attr(n, a)
			for _, ref := range strings.Fields(v) {
				if ids[ref] == 0 {
					t.Errorf("%s=%q: no element with id %q", a, v, ref)
				}
			}
		}
	}
	labels := map[string]bool{}
	for _, l := range queryAll(t, doc, "label[for]") {
		v, _ := attr(l, "for")
		labels[v] = true
	}
	for _, tag := range []string{"input", "select", "textarea"} {
		for _, n := range queryAll(t, doc, tag) {
			typ, _ := attr(n, "type")
			if typ == "hidden" || typ == "submit" {
				continue
			}
			id, _ := attr(n, "id")
			if _, ok := attr(n, "aria-label"); !ok && !labels[id] {
				t.Errorf("<%s name=%q id=%q> has no label", tag, attrOr(n, "name"), id)
			}
		}
	}
}

func attrOr(n *html.Node, name string) string {
	v, _ := attr(n, name)
	return v
}

// checkFieldError checks that the control with id is marked invalid and described by an error
// beside it that says want, and that the summary at the top links to it.
func checkFieldError(t *testing.T, doc *html.Node, id, want string) {
	t.Helper()
	ctl := one(t, doc, "#"+id)
	if v, _ := attr(ctl, "aria-invalid"); v != "true" && ctl.Data != "fieldset" {
		t.Errorf("#%s aria-invalid = %q, want true", id, v)
	}
	if v, _ := attr(ctl, "aria-describedby"); !slices.Contains(strings.Fields(v), id+"-error") {
		t.Errorf("#%s aria-describedby = %q, want it to name %s-error", id, v, id)
	}
	if got := text(one(t, doc, "#"+id+"-error")); got != want {
		t.Errorf("#%s-error says %q, want %q", id, got, want)
	}
	alert := one(t, doc, `main [role="alert"]`)
	if got := text(alert); got != want {
		t.Errorf("the summary says %q, want %q", got, want)
	}
	one(t, alert, `a[href="#`+id+`"]`)
}

// alertText is the text of the one alert in main.
func alertText(t *testing.T, doc *html.Node) string {
	t.Helper()
	return text(one(t, doc, `main [role="alert"]`))
}

func TestIdentityPagesInEveryLanguage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, highLimits)
		pages := []struct {
			path, as string
			h1       string // key of the expected h1
		}{
			{"/login", "", "login.title"},
			{"/login/code", "", "login.code_title"},
			{"/register", "", "register.title"},
			{"/recover", "", "recover.title"},
			{"/dev/outbox", "", "outbox.title"},
			{"/account", resident, "account.title"},
			{"/account", citizen, "account.title"},
			{"/account", gxt, "account.title"},
			{"/account/tokens", resident, "tokens.title"},
			{"/enterprises", owner, "enterprises.title"},
			{"/enterprises", agent, "enterprises.title"},
			{"/enterprises", resident, "enterprises.title"},
			{"/window/verify", window, "window.title"},
			{"/admin/officials", admin, "officials.title"},
			{"/admin/officials", cityAdmin, "officials.title"},
		}
		for _, lang := range i18n.All {
			for _, p := range pages {
				t.Run(string(lang)+p.path+"/"+p.as, func(t *testing.T) {
					w := s.get(p.path+"?lang="+string(lang), p.as)
					if w.Code != http.StatusOK {
						t.Fatalf("status %d; body: %.500s", w.Code, w.Body)
					}
					doc := parse(t, w)
					checkIdentityLayout(t, doc, lang)
					if got, want := text(one(t, doc, "h1")), i18n.T(lang, p.h1); got != want {
						t.Errorf("h1 = %q, want %q", got, want)
					}
					// The navigation marks the page when it is one of its links.
					for _, a := range queryAll(t, doc, `header nav a[aria-current="page"]`) {
						if href, _ := attr(a, "href"); href != p.path {
							t.Errorf("aria-current=page on %q", href)
						}
					}
				})
			}
		}
	})
}

func TestIdentityNavigation(t *testing.T) {
	t.Parallel()
	s := newSite(t, storetest.Open(t, store.SQLite, storetest.Options{}), highLimits)
	for _, tc := range []struct {
		as   string
		want []string
	}{
		{"", nil},
		{resident, []string{"/account", "/enterprises"}},
		{gxt, []string{"/account"}},
		{window, []string{"/account", "/window/verify"}},
		{admin, []string{"/account", "/admin/officials"}},
	} {
		doc := parse(t, s.get("/", tc.as))
		var got []string
		for _, a := range queryAll(t, doc, `header nav a`) {
			href, _ := attr(a, "href")
			if slices.Contains([]string{"/account", "/enterprises", "/window/verify", "/admin/officials"}, href) {
				got = append(got, href)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q: identity links %v, want %v", tc.as, got, tc.want)
		}
	}
}

func TestRegister(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, highLimits)
		// A person of the synthetic registry who has no account yet.
		reg := demo.PopulationRegistry()
		person := reg[len(reg)-1]

		doc := parse(t, s.get("/register", ""))
		form := one(t, doc, `main form[method="post"][action="/register"]`)
		for _, id := range []string{"reg-phone", "reg-code", "reg-name", "reg-id_type", "reg-id_number", "reg-password", "reg-password_confirm"} {
			one(t, form, "#"+id)
			one(t, doc, `label[for="`+id+`"]`)
		}
		if n := count(t, form, `select#reg-id_type option`); n != len(identity.DocumentTypes) {
			t.Errorf("%d document types offered, want %d", n, len(identity.DocumentTypes))
		}
		one(t, form, `button[name="action"][value="send"][formnovalidate]`)
		// Enter presses the hidden first button, which registers.
		if first := queryAll(t, form, "button")[0]; attrOr(first, "value") != "register" {
			t.Errorf("the form's default button is %q, want register", attrOr(first, "value"))
		}
		// Signed in, the page sends the person to their account.
		if w := s.get("/register", resident); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/account" {
			t.Errorf("signed in: %d %q", w.Code, w.Header().Get("Location"))
		}

		values := url.Values{"name": {person.Name}, "id_type": {string(person.IDType)}, "id_number": {person.IDNumber},
			"phone": {newcomerTel}}
		with := func(kv ...string) url.Values {
			v := url.Values{}
			for k, vs := range values {
				v[k] = slices.Clone(vs)
			}
			for i := 0; i < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return v
		}

		// Sending the code keeps what was typed and says the code is on its way.
		w := s.post("/register?lang=en", "", with("action", "send", "phone", "139 1234 5678"))
		if w.Code != http.StatusOK {
			t.Fatalf("send code: %d; %.300s", w.Code, w.Body)
		}
		doc = parse(t, w)
		if got := text(one(t, doc, `#code-sent[role="status"]`)); !strings.Contains(got, i18n.T(i18n.En, "register.code_sent")) {
			t.Errorf("notice %q", got)
		}
		one(t, doc, `#code-sent a[href="/dev/outbox"]`)
		if v := attrOr(one(t, doc, "#reg-name"), "value"); v != person.Name {
			t.Errorf("name not kept: %q", v)
		}
		one(t, doc, `#reg-id_type option[value="`+string(person.IDType)+`"][selected]`)
		code := s.code(newcomerTel)

		// Field errors are shown beside their field, with what was typed kept and passwords not.
		for _, tc := range []struct {
			name   string
			form   url.Values
			status int
			id     string
			key    string
			args   []any
		}{
			{"bad phone", with("action", "send", "phone", "12345"), 400, "reg-phone", "identity.error.phone", nil},
			{"passwords differ", with("code", code, "password", "a-long-password-1", "password_confirm", "a-long-password-2"), 400,
				"reg-password_confirm", "register.password_mismatch", nil},
			{"short password", with("code", code, "password", "short", "password_confirm", "short"), 400,
				"reg-password", "error.password_too_short", []any{identity.MinPasswordLength}},
			{"bad document", with("code", code, "id_number", "350102198604120000", "password", "a-long-password-1", "password_confirm", "a-long-password-1"), 400,
				"reg-id_number", "", nil},
			{"bad name", with("code", code, "name", " ", "password", "a-long-password-1", "password_confirm", "a-long-password-1"), 400,
				"reg-name", "identity.error.name", nil},
			{"wrong code", with("code", "000000", "password", "a-long-password-1", "password_confirm", "a-long-password-1"), 400,
				"reg-code", "identity.error.code_wrong", nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if tc.name == "wrong code" && code == "000000" {
					t.Skip("the code happens to be 000000")
				}
				w := s.post("/register", "", tc.form)
				if w.Code != tc.status {
					t.Fatalf("status %d, want %d; %.300s", w.Code, tc.status, w.Body)
				}
				doc := parse(t, w)
				checkIdentityLayout(t, doc, i18n.ZhHans)
				want := i18n.T(i18n.ZhHans, tc.key, tc.args...)
				if tc.key == "" {
					want = text(one(t, doc, "#"+tc.id+"-error"))
				}
				checkFieldError(t, doc, tc.id, want)
				if v := attrOr(one(t, doc, "#reg-id_number"), "value"); v != tc.form.Get("id_number") {
					t.Errorf("document number not kept: %q", v)
				}
				for _, n := range queryAll(t, doc, `input[type="password"]`) {
					if _, ok := attr(n, "value"); ok {
						t.Errorf("a password field came back filled in")
					}
				}
				if c := cookie(w, "yiwang_session"); c != nil {
					t.Error("a refused registration signed in")
				}
			})
		}

		// Registered, the person is signed in and lands on their account at level 2.
		before := s.lastAuditID()
		w = s.post("/register", "", with("code", code, "password", "a-long-password-1", "password_confirm", "a-long-password-1", "action", "register"))
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/account?saved=registered" {
			t.Fatalf("register: %d Location %q; %.500s", w.Code, w.Header().Get("Location"), w.Body)
		}
		audit := s.auditSince(before)
		for _, want := range []string{"identity.resident.registered", "identity.realname.level2", "identity.login.succeeded"} {
			if !slices.Contains(audit, want) {
				t.Errorf("audit %v lacks %s", audit, want)
			}
		}
		c := session(t, w)
		doc = parse(t, s.get("/account?saved=registered", "", c))
		one(t, doc, `#saved[role="status"]`)
		if got := text(one(t, doc, "#account-level")); got != i18n.T(i18n.ZhHans, "identity.level.2") {
			t.Errorf("level %q", got)
		}
		if got := text(one(t, doc, "#account-phone")); got != "139****5678" {
			t.Errorf("phone shown as %q", got)
		}
		if got := text(one(t, doc, "#account-document")); strings.Contains(got, person.IDNumber) || !strings.Contains(got, identity.MaskIDNumber(person.IDNumber)) {
			t.Errorf("document shown as %q", got)
		}
		if n := count(t, doc, "#verifications tbody tr"); n != 2 {
			t.Errorf("%d verifications listed, want 2 (declared, registry)", n)
		}

		// The same document again is refused beside the document number.
		s.advance(2 * time.Minute)
		other := "13912340000"
		if w := s.post("/register", "", with("action", "send", "phone", other)); w.Code != http.StatusOK {
			t.Fatalf("send code: %d", w.Code)
		}
		w = s.post("/register", "", with("phone", other, "code", s.code(other), "password", "a-long-password-1", "password_confirm", "a-long-password-1"))
		if w.Code != http.StatusConflict {
			t.Fatalf("same document: %d, want 409", w.Code)
		}
		checkFieldError(t, parse(t, w), "reg-id_number", i18n.T(i18n.ZhHans, "identity.error.document_taken"))

		// Someone sent to sign in by an app registers and goes on where they were going; a
		// Taiwan resident with a travel permit is not in the registry and stays at level 1.
		doc = parse(t, s.get("/login?next=/plan/dashboard", ""))
		one(t, doc, `main a[href="/register?next=%2fplan%2fdashboard"]`)
		doc = parse(t, s.get("/register?next=/plan/dashboard", ""))
		if v := attrOr(one(t, doc, `form[action="/register"] input[name="next"]`), "value"); v != "/plan/dashboard" {
			t.Errorf("next = %q", v)
		}
		s.advance(2 * time.Minute)
		w = s.post("/register", "", url.Values{"action": {"send"}, "phone": {other}})
		if w.Code != http.StatusOK {
			t.Fatalf("send code: %d", w.Code)
		}
		w = s.post("/register", "", url.Values{"name": {"王小明"}, "id_type": {string(identity.TaiwanPermit)}, "id_number": {"87654321"},
			"phone": {other}, "code": {s.code(other)}, "password": {"a-long-password-1"}, "password_confirm": {"a-long-password-1"},
			"next": {"/plan/dashboard"}})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/plan/dashboard" {
			t.Fatalf("register with next: %d %q; %.300s", w.Code, w.Header().Get("Location"), w.Body)
		}
		doc = parse(t, s.get("/account", "", session(t, w)))
		if got := text(one(t, doc, "#account-level")); got != i18n.T(i18n.ZhHans, "identity.level.1") {
			t.Errorf("Taiwan resident's level %q", got)
		}
	})
}

func TestRegisterCodeTooSoon(t *testing.T) {
	t.Parallel()
	s := newSite(t, storetest.Open(t, store.SQLite, storetest.Options{}), highLimits)
	form := url.Values{"action": {"send"}, "phone": {newcomerTel}}
	if w := s.post("/register", "", form); w.Code != http.StatusOK {
		t.Fatalf("first code: %d", w.Code)
	}
	w := s.post("/register", "", form)
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("second code at once: %d, want 429", w.Code)
	}
	if got := alertText(t, parse(t, w)); got != i18n.T(i18n.ZhHans, "identity.error.code_too_soon") {
		t.Errorf("alert %q", got)
	}
	if n := s.outboxCount(newcomerTel); n != 1 {
		t.Errorf("%d codes sent, want 1", n)
	}
}

func TestLoginPage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, highLimits)
		doc := parse(t, s.get("/login?next=/plan", ""))
		tabs := one(t, doc, `main nav.tabs`)
		one(t, tabs, `a[href="/login?next=%2fplan"][aria-current="page"]`)
		one(t, tabs, `a[href="/login/code?next=%2fplan"]`)
		one(t, doc, `main a[href="/recover"]`)
		one(t, doc, `main a[href="/register?next=%2fplan"]`)

		// Residents sign in with their phone, or their resident ID number.
		for _, id := range []string{resident, citizen} {
			w := s.post("/login", "", url.Values{"login": {id}, "password": {demo.Password}, "next": {"/account"}})
			if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/account" {
				t.Errorf("login as %s: %d %q", id, w.Code, w.Header().Get("Location"))
			}
		}
		reg := demo.Residents[0]
		w := s.post("/login", "", url.Values{"login": {reg.IDNumber}, "password": {demo.Password}})
		if w.Code != http.StatusSeeOther {
			t.Errorf("login with an ID number: %d", w.Code)
		}

		// Five wrong passwords lock password login for a while; the page says for how long.
		for i := range 5 {
			w := s.post("/login", "", url.Values{"login": {resident}, "password": {"wrong-password-" + strconv.Itoa(i)}})
			if w.Code != http.StatusUnauthorized {
				t.Fatalf("attempt %d: %d", i+1, w.Code)
			}
		}
		w = s.post("/login?lang=en", "", url.Values{"login": {resident}, "password": {demo.Password}, "next": {"/plan"}})
		if w.Code != http.StatusUnauthorized {
			t.Fatalf("locked: %d, want 401", w.Code)
		}
		doc = parse(t, w)
		// The lock lasts 15 minutes from the fifth failure; the clock has not moved since.
		got, mins := alertText(t, doc), 0
		for m := 1; m <= 120; m++ {
			if got == i18n.T(i18n.En, "identity.error.locked", m) {
				mins = m
			}
		}
		if mins < 15 || mins > 16 {
			t.Errorf("locked: alert %q, want the lockout message with about 15 minutes", got)
		}
		if v := attrOr(one(t, doc, "input#login"), "aria-describedby"); v != "login-error" {
			t.Errorf("login aria-describedby %q", v)
		}

		// A code by text message still signs the owner in, and keeps next.
		doc = parse(t, s.get("/login/code?next=/plan", ""))
		form := one(t, doc, `main form[action="/login/code"]`)
		if v := attrOr(one(t, form, `input[name="next"]`), "value"); v != "/plan" {
			t.Errorf("next = %q", v)
		}
		if first := queryAll(t, form, "button")[0]; attrOr(first, "value") != "login" {
			t.Errorf("the form's default button is %q, want login", attrOr(first, "value"))
		}
		w = s.post("/login/code", "", url.Values{"action": {"send"}, "phone": {resident}, "next": {"/plan"}})
		if w.Code != http.StatusOK {
			t.Fatalf("send: %d", w.Code)
		}
		doc = parse(t, w)
		one(t, doc, `#code-sent[role="status"]`)
		if v := attrOr(one(t, doc, "#code-phone"), "value"); v != resident {
			t.Errorf("phone not kept: %q", v)
		}
		code := s.code(resident)
		w = s.post("/login/code", "", url.Values{"phone": {resident}, "code": {"12345"}, "next": {"/plan"}})
		if w.Code != http.StatusBadRequest {
			t.Fatalf("wrong code: %d", w.Code)
		}
		checkFieldError(t, parse(t, w), "code-code", i18n.T(i18n.ZhHans, "identity.error.code_wrong"))
		w = s.post("/login/code", "", url.Values{"phone": {resident}, "code": {code}, "next": {"/plan"}, "action": {"login"}})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/plan" {
			t.Fatalf("login with code: %d %q; %.300s", w.Code, w.Header().Get("Location"), w.Body)
		}
		session(t, w)
		// The code is spent.
		if w := s.post("/login/code", "", url.Values{"phone": {resident}, "code": {code}}); w.Code != http.StatusBadRequest {
			t.Errorf("the same code again: %d", w.Code)
		}
		// A phone without an account gets no code, but the page reads the same.
		w = s.post("/login/code", "", url.Values{"action": {"send"}, "phone": {newcomerTel}})
		if w.Code != http.StatusOK || count(t, parse(t, w), "#code-sent") != 1 {
			t.Errorf("unknown phone: %d", w.Code)
		}
		if n := s.outboxCount(newcomerTel); n != 0 {
			t.Errorf("a phone without an account got %d codes", n)
		}
	})
}

func TestRecover(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, highLimits)
		doc := parse(t, s.get("/recover", ""))
		one(t, doc, `main form[action="/recover"] #rec-phone`)
		w := s.post("/recover", "", url.Values{"action": {"send"}, "phone": {citizen}})
		if w.Code != http.StatusOK {
			t.Fatalf("send: %d", w.Code)
		}
		one(t, parse(t, w), `#code-sent[role="status"]`)
		code := s.code(citizen)
		const pw = "a-brand-new-password"
		w = s.post("/recover", "", url.Values{"phone": {citizen}, "code": {code}, "password": {pw}, "password_confirm": {pw + "x"}})
		if w.Code != http.StatusBadRequest {
			t.Fatalf("mismatch: %d", w.Code)
		}
		checkFieldError(t, parse(t, w), "rec-password_confirm", i18n.T(i18n.ZhHans, "register.password_mismatch"))
		before := s.lastAuditID()
		w = s.post("/recover", "", url.Values{"phone": {citizen}, "code": {code}, "password": {pw}, "password_confirm": {pw}, "action": {"recover"}})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/login?done=recovered" {
			t.Fatalf("recover: %d %q; %.300s", w.Code, w.Header().Get("Location"), w.Body)
		}
		if got := s.auditSince(before); !slices.Contains(got, "identity.account.recovered") {
			t.Errorf("audit %v", got)
		}
		doc = parse(t, s.get("/login?done=recovered", ""))
		if got := text(one(t, doc, `main [role="status"]`)); got != i18n.T(i18n.ZhHans, "login.recovered") {
			t.Errorf("notice %q", got)
		}
		if w := s.post("/login", "", url.Values{"login": {citizen}, "password": {pw}}); w.Code != http.StatusSeeOther {
			t.Errorf("login with the new password: %d", w.Code)
		}
		if w := s.post("/login", "", url.Values{"login": {citizen}, "password": {demo.Password}}); w.Code != http.StatusUnauthorized {
			t.Errorf("login with the old password: %d", w.Code)
		}
		// A phone without an account: the same page, no message sent.
		w = s.post("/recover", "", url.Values{"action": {"send"}, "phone": {newcomerTel}})
		if w.Code != http.StatusOK || count(t, parse(t, w), "#code-sent") != 1 || s.outboxCount(newcomerTel) != 0 {
			t.Errorf("unknown phone: %d, %d messages", w.Code, s.outboxCount(newcomerTel))
		}
	})
}

func TestDevOutbox(t *testing.T) {
	t.Parallel()
	s := newSite(t, storetest.Open(t, store.SQLite, storetest.Options{}), highLimits)
	s.post("/login/code", "", url.Values{"action": {"send"}, "phone": {resident}})
	doc := parse(t, s.get("/dev/outbox", ""))
	one(t, doc, `main .dev-banner`)
	row := one(t, doc, `main table tbody tr`)
	if got := text(row); !strings.Contains(got, resident) || !strings.Contains(got, s.code(resident)) {
		t.Errorf("outbox row %q", got)
	}

	// With a sender that reaches real phones there is no outbox.
	db := storetest.Open(t, store.SQLite, storetest.Options{})
	a, err := app.New(context.Background(), app.Config{DB: db, Logger: slog.New(slog.DiscardHandler), Sender: realSender{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	prod := &site{t: t, a: a, db: db, tokens: map[string]string{}}
	if w := prod.get("/dev/outbox", ""); w.Code != http.StatusNotFound {
		t.Errorf("outbox with a real sender: %d, want 404", w.Code)
	}
	doc = parse(t, prod.post("/login/code", "", url.Values{"action": {"send"}, "phone": {resident}}))
	if n := count(t, doc, `a[href="/dev/outbox"]`); n != 0 {
		t.Errorf("a real sender's page links to the outbox")
	}
}

// realSender stands for a sender that reaches phones.
type realSender struct{}

func (realSender) Send(context.Context, *store.Tx, identity.Message) error { return nil }
func (realSender) Development() bool                                       { return false }

// TestIdentityRateLimits runs with the default limits: everything that checks a secret or sends
// a code shares the login class's burst per client.
func TestIdentityRateLimits(t *testing.T) {
	t.Parallel()
	s := newSite(t, storetest.Open(t, store.SQLite, storetest.Options{}), nil)
	burst := httpserver.DefaultRateLimits()[httpserver.ClassLogin].Burst
	routes := []string{"/register", "/recover", "/login/code", "/login/totp", "/login"}
	for i := range burst {
		w := s.post(routes[i%len(routes)], "", url.Values{"action": {"send"}, "phone": {"12"}})
		if w.Code == http.StatusTooManyRequests {
			t.Fatalf("request %d refused already", i+1)
		}
	}
	for _, r := range routes {
		if w := s.post(r, "", url.Values{"action": {"send"}, "phone": {newcomerTel}}); w.Code != http.StatusTooManyRequests {
			t.Errorf("POST %s after the burst: %d, want 429", r, w.Code)
		}
	}
	if n := s.outboxCount(newcomerTel); n != 0 {
		t.Errorf("a refused request sent %d codes", n)
	}
	// Pages are in another class.
	if w := s.get("/register", ""); w.Code != http.StatusOK {
		t.Errorf("GET /register after the burst: %d", w.Code)
	}
}

// TestIdentityCrossOrigin: forms are refused when another site posts them.
func TestIdentityCrossOrigin(t *testing.T) {
	t.Parallel()
	s := newSite(t, storetest.Open(t, store.SQLite, storetest.Options{}), highLimits)
	for _, target := range []string{"/account/tokens", "/acting-for", "/enterprises", "/account/password", "/admin/officials", "/register"} {
		r := httptestRequest("POST", target, url.Values{"name": {"x"}, "scope": {principal.ScopeAPIRead}, "ttl_days": {"1"}})
		r.Header.Set("Sec-Fetch-Site", "cross-site")
		if w := s.do(r, resident); w.Code != http.StatusForbidden {
			t.Errorf("cross-site POST %s: %d, want 403", target, w.Code)
		}
	}
}

func httptestRequest(method, target string, form url.Values) *http.Request {
	r := httptest.NewRequest(method, target, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Accept", "text/html")
	return r
}

// TestIdentityMessageKeys checks the keys the identity pages build from values at run time.
func TestIdentityMessageKeys(t *testing.T) {
	t.Parallel()
	var keys []string
	for _, d := range identity.DocumentTypes {
		keys = append(keys, "identity.doc."+string(d))
	}
	for l := range 4 {
		keys = append(keys, "identity.level."+strconv.Itoa(l))
	}
	for l := 1; l <= 3; l++ {
		keys = append(keys, "account.level_explain."+strconv.Itoa(l))
	}
	for _, m := range []string{"self_declared", "registry", "window"} {
		keys = append(keys, "identity.verification."+m)
	}
	for _, m := range []string{"password", "totp", "code", "recovery"} {
		keys = append(keys, "identity.method."+m)
	}
	for _, o := range []string{"success", "bad_credentials", "locked", "locked_now", "totp_required", "bad_code", "disabled", "password_reset", "unknown_account"} {
		keys = append(keys, "identity.outcome."+o)
	}
	for _, sc := range identity.AgentScopes {
		keys = append(keys, "identity.scope."+sc)
	}
	for _, r := range principal.AllRoles {
		keys = append(keys, "officials.role."+r)
	}
	for _, k := range keys {
		if !i18n.Has(k) {
			t.Errorf("missing message key %q", k)
		}
	}
}
