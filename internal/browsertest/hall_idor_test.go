package browsertest

import (
	"bytes"
	"context"
	"image/color"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// hallClient speaks HTTP to the running platform as one signed-in person (a session cookie, as
// their browser would send it) or as the public (no cookie). It follows no redirect, so that
// each answer is the one the platform gave.
type hallClient struct {
	t       *testing.T
	base    string
	session string
}

// sessionOf signs login (a demo official's login, or a resident's phone) in with the demo
// password and returns a client with that session.
func sessionOf(t *testing.T, s *site, login string) hallClient {
	t.Helper()
	res, err := s.App.Identity.Login(context.Background(), login, demo.Password, identity.Meta{})
	if err != nil {
		t.Fatalf("login %s: %v", login, err)
	}
	return hallClient{t: t, base: s.URL, session: res.Token}
}

// do sends method path with body of content type ctype and returns the status and the body.
func (c hallClient) do(method, path, ctype string, body []byte) (int, string) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Accept-Language", "zh-CN")
	if c.session != "" {
		req.AddCookie(&http.Cookie{Name: "yiwang_session", Value: c.session})
	}
	client := http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// probe is one request someone makes about a case that is not theirs.
type probe struct {
	method, path, ctype string
	body                []byte
}

func get(path string) probe { return probe{method: "GET", path: path} }

func postForm(path string, v url.Values) probe {
	return probe{method: "POST", path: path, ctype: "application/x-www-form-urlencoded", body: []byte(v.Encode())}
}

func postJSON(path, body string) probe {
	return probe{method: "POST", path: path, ctype: "application/json", body: []byte(body)}
}

// TestHallIDOR checks, over HTTP through the running platform, that a case is its applicant's
// and its organisations' only: another resident cannot see or change it through the pages or
// the API, an official of another department cannot see or act on it, an official of the right
// department acts only in their role, and the public lookup with a wrong query code learns
// nothing. Every refusal is checked to look the same as for a case that does not exist, and
// every case to be unchanged afterwards.
func TestHallIDOR(t *testing.T) {
	t.Parallel()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			hallIDOR(t, startHallSiteOn(t, d, clock.Real{}))
		})
	}
}

func hallIDOR(t *testing.T, s *site) {
	sys := principal.With(context.Background(), principal.SystemPrincipal)

	// Resident A applies for a signboard (Fuzhou urban management), taken as far as its fee,
	// and for an individual business registration (Fuzhou market regulation), just submitted.
	a := accountPrincipal(t, s, demo.Residents[0].Phone)
	sign := applyFor(t, s, a, demoItem(t, "fz-urban-management", basicSignboard))
	advance(t, s, sign, [2]string{"accept", "fzcg.handler"}, [2]string{"review", "fzcg.handler"}, [2]string{"decide", "fzcg.handler"})
	reg := applyFor(t, s, a, demoItem(t, "fz-market-regulation", basicRegistration))
	signCase, err := s.App.Cases.Get(sys, principal.SystemPrincipal, sign.ID)
	if err != nil {
		t.Fatal(err)
	}
	if signCase.Status != cases.StatusAwaitingPayment || signCase.FeeOrderID == "" {
		t.Fatalf("the signboard case is %s with fee order %q, want awaiting payment", signCase.Status, signCase.FeeOrderID)
	}
	order := signCase.FeeOrderID

	const nobody = "cs_00000000000000000000" // a case id that names no case
	owner := sessionOf(t, s, demo.Residents[0].Phone)
	other := sessionOf(t, s, demo.Residents[1].Phone) // resident B, as himself
	urban := sessionOf(t, s, "fzcg.handler")          // handles the signboard, not the registration
	market := sessionOf(t, s, "fzscj.window")         // handles the registration, not the signboard
	reviewer := sessionOf(t, s, "fzscj.reviewer")     // the registration's department, not its window
	public := hallClient{t: t, base: s.URL}

	// The probes: id is the case, m one of its materials.
	residentProbes := func(id, m string) []probe {
		return []probe{
			get("/my/cases/" + id), get("/my/cases/" + id + "/edit"), get("/cases/" + id + "/materials/" + m),
			get("/cases/" + id + "/decision/document"), get("/ratings/case/" + id),
			get("/api/v1/cases/" + id), get("/api/v1/cases/" + id + "/timeline"), get("/api/v1/cases/" + id + "/materials/" + m),
			get("/api/v1/cases/" + id + "/decision"),
			postForm("/my/cases/"+id+"/messages", url.Values{"body": {"这是我的办件吗？"}}),
			postForm("/my/cases/"+id+"/withdraw", url.Values{"reason": {"不办了"}}),
			postForm("/my/cases/"+id+"/query-code", nil), postForm("/my/cases/"+id+"/resubmit", nil),
			postForm("/ratings/case/"+id, url.Values{"level": {"1"}, "channel": {"web"}}),
			postJSON("/api/v1/cases/"+id+"/withdraw", `{"reason":"不办了"}`),
			postJSON("/api/v1/cases/"+id+"/messages", `{"body":"这是我的办件吗？"}`),
			postJSON("/api/v1/cases/"+id+"/resubmit", `{}`),
			{method: "PUT", path: "/api/v1/cases/" + id + "/materials/" + m, ctype: "image/png", body: pngOf(40, 40, color.Black)},
		}
	}
	officialProbes := func(id string) []probe {
		return []probe{
			get("/work/cases/" + id), get("/api/v1/cases/" + id), get("/api/v1/cases/" + id + "/timeline"),
			postForm("/work/cases/"+id+"/accept", url.Values{"note": {"受理"}}),
			postForm("/work/cases/"+id+"/request-materials", url.Values{"materials": {"premises-proof"}, "note": {"请补正"}}),
			postForm("/work/cases/"+id+"/reject", url.Values{"reasons": {"不予受理"}}),
			postForm("/work/cases/"+id+"/review", url.Values{"opinion": {"同意"}}),
			postForm("/work/cases/"+id+"/decide", url.Values{"outcome": {"denied"}, "reasons": {"不予许可"}}),
			postForm("/work/cases/"+id+"/deliver", url.Values{"method": {"electronic"}}),
			postForm("/work/cases/"+id+"/messages", url.Values{"body": {"请联系我们"}}),
			postJSON("/api/v1/work/cases/"+id+"/accept", `{}`),
			postJSON("/api/v1/work/cases/"+id+"/decide", `{"outcome":"denied","reasons":"不予许可"}`),
			postJSON("/api/v1/work/cases/"+id+"/deliver", `{"method":"electronic"}`),
		}
	}
	// refused sends each probe as c about case id and about a case that does not exist: both
	// must be refused with want, so that the answer says nothing of whether id exists.
	refused := func(t *testing.T, who string, c hallClient, probes []probe, id string, want int) {
		t.Helper()
		for _, p := range probes {
			status, body := c.do(p.method, p.path, p.ctype, p.body)
			ghost := strings.Replace(p.path, id, nobody, 1)
			gStatus, _ := c.do(p.method, ghost, p.ctype, p.body)
			if status != want || gStatus != status {
				t.Errorf("%s %s %s: %d (a case that does not exist: %d), want %d for both: %.200s", who, p.method, p.path, status, gStatus, want, body)
			}
		}
	}

	// What the others are refused, the case's own people get: the refusals below are about who
	// asks, not about routes that do not exist.
	t.Run("the case's own people", func(t *testing.T) {
		allowed := func(who string, c hallClient, probes []probe) {
			for _, p := range probes {
				if p.method != "GET" || strings.HasSuffix(p.path, "/edit") {
					continue
				}
				if status, body := c.do("GET", p.path, "", nil); status != 200 {
					t.Errorf("%s GET %s: %d %.200s", who, p.path, status, body)
				}
			}
		}
		allowed("A", owner, append(residentProbes(sign.ID, "sign-design"), get("/pay/"+order)))
		allowed("fzcg.handler", urban, officialProbes(sign.ID))
		allowed("fzscj.window", market, officialProbes(reg.ID))
	})

	t.Run("another resident", func(t *testing.T) {
		refused(t, "B", other, residentProbes(sign.ID, "sign-design"), sign.ID, http.StatusNotFound)
		refused(t, "B", other, residentProbes(reg.ID, "premises-proof"), reg.ID, http.StatusNotFound)
		for _, p := range []probe{get("/pay/" + order), postForm("/pay/"+order+"/start", url.Values{"channel": {"sandbox"}})} {
			if status, body := other.do(p.method, p.path, p.ctype, p.body); status != http.StatusNotFound {
				t.Errorf("B %s %s: %d, want 404: %.200s", p.method, p.path, status, body)
			}
		}
		// Nor does anything of A's show in B's lists.
		for _, path := range []string{"/my/cases", "/api/v1/cases", "/pay", "/inbox"} {
			status, body := other.do("GET", path, "", nil)
			if status != 200 || strings.Contains(body, sign.Number) || strings.Contains(body, reg.Number) {
				t.Errorf("B GET %s: %d, shows A's case numbers: %v", path, status, status == 200)
			}
		}
		// A resident is no official: the officials' pages refuse him whatever the case.
		refused(t, "B", other, officialProbes(reg.ID)[:1], reg.ID, http.StatusForbidden)
	})

	t.Run("an official of another department", func(t *testing.T) {
		refused(t, "fzcg.handler", urban, officialProbes(reg.ID), reg.ID, http.StatusNotFound)
		refused(t, "fzscj.window", market, officialProbes(sign.ID), sign.ID, http.StatusNotFound)
		if status, body := urban.do("GET", "/pay/"+order, "", nil); status != 200 {
			t.Errorf("the payee's official cannot see the order: %d %.200s", status, body)
		}
		if status, _ := market.do("GET", "/pay/"+order, "", nil); status != http.StatusNotFound {
			t.Errorf("another department's official GET /pay/%s: %d, want 404", order, status)
		}
		for who, c := range map[string]hallClient{"fzcg.handler": urban, "fzscj.window": market} {
			_, body := c.do("GET", "/work/cases", "", nil)
			mine, theirs := sign, reg
			if who == "fzscj.window" {
				mine, theirs = reg, sign
			}
			if !strings.Contains(body, mine.Number) || strings.Contains(body, theirs.Number) {
				t.Errorf("%s's worklist: own case listed %v, other department's listed %v", who,
					strings.Contains(body, mine.Number), strings.Contains(body, theirs.Number))
			}
		}
		// The right department, the right role: the window sees it (and could accept it).
		if status, body := market.do("GET", "/work/cases/"+reg.ID, "", nil); status != 200 || !strings.Contains(body, `id="accept-form"`) {
			t.Errorf("the registration's own window: %d, accept form shown %v", status, strings.Contains(body, `id="accept-form"`))
		}
	})

	t.Run("an official of the department in another role", func(t *testing.T) {
		// The reviewer may see the case, not accept or decide it.
		if status, body := reviewer.do("GET", "/work/cases/"+reg.ID, "", nil); status != 200 || strings.Contains(body, `id="accept-form"`) {
			t.Errorf("the reviewer's page of a submitted case: %d, accept form shown %v", status, strings.Contains(body, `id="accept-form"`))
		}
		for _, p := range []probe{postForm("/work/cases/"+reg.ID+"/accept", nil), postJSON("/api/v1/work/cases/"+reg.ID+"/accept", `{}`),
			postJSON("/api/v1/work/cases/"+reg.ID+"/decide", `{"outcome":"approved","reasons":"同意"}`)} {
			if status, body := reviewer.do(p.method, p.path, p.ctype, p.body); status != http.StatusForbidden && status != http.StatusConflict {
				t.Errorf("reviewer %s %s: %d, want a refusal: %.200s", p.method, p.path, status, body)
			}
		}
	})

	t.Run("the public lookup", func(t *testing.T) {
		item := reg.Item.NameHans
		lookup := func(number, code string) (int, string) {
			return public.do("POST", "/lookup", "application/x-www-form-urlencoded",
				[]byte(url.Values{"number": {number}, "code": {code}}.Encode()))
		}
		wrong := strings.Repeat("Z", len(reg.QueryCode))
		status, body := lookup(reg.Number, wrong)
		ghostStatus, ghostBody := lookup("350100-20260101-999999", wrong)
		if status != http.StatusNotFound || ghostStatus != status {
			t.Errorf("lookup with a wrong code: %d, of a number that does not exist: %d, want 404 for both", status, ghostStatus)
		}
		msg := i18n.T(i18n.ZhHans, "cases.error.lookup")
		for name, b := range map[string]string{"wrong code": body, "unknown number": ghostBody} {
			if !strings.Contains(b, msg) {
				t.Errorf("%s: the page does not say %q", name, msg)
			}
			if strings.Contains(b, item) || strings.Contains(b, `id="lookup-result"`) || strings.Contains(b, demo.Residents[0].Name) {
				t.Errorf("%s: the page tells something of the case", name)
			}
		}
		for _, q := range []url.Values{{"number": {reg.Number}, "code": {wrong}}, {"number": {reg.Number}, "code": {""}},
			{"number": {reg.Number}, "code": {sign.QueryCode}}} {
			status, body := public.do("GET", "/api/v1/cases/lookup?"+q.Encode(), "", nil)
			if status != http.StatusNotFound && status != http.StatusBadRequest || strings.Contains(body, item) || strings.Contains(body, "status\":\"submitted") {
				t.Errorf("API lookup %v: %d %.300s", q, status, body)
			}
		}
		// The right code, to show the wrong one was the only difference.
		if status, body := lookup(reg.Number, reg.QueryCode); status != 200 || !strings.Contains(body, item) {
			t.Errorf("lookup with the right code: %d, item shown %v", status, strings.Contains(body, item))
		}
	})

	// Nothing anyone tried changed a case.
	for _, c := range []struct {
		hallCase
		want cases.Status
	}{{sign, cases.StatusAwaitingPayment}, {reg, cases.StatusSubmitted}} {
		got, err := s.App.Cases.Get(sys, principal.SystemPrincipal, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != c.want || got.Supplement != nil {
			t.Errorf("%s is now %s (supplement %v), want %s untouched", c.Item.NameHans, got.Status, got.Supplement, c.want)
		}
		evs, err := s.App.Cases.Timeline(sys, principal.SystemPrincipal, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			if e.Kind == cases.EventMessage || e.Kind == cases.EventWithdrawn || e.Kind == cases.EventQueryCodeReset {
				t.Errorf("%s has a %s event by %s", c.Item.NameHans, e.Kind, e.Actor)
			}
		}
		if _, err := s.App.Cases.Lookup(sys, c.Number, c.QueryCode); err != nil {
			t.Errorf("%s: A's query code no longer works: %v", c.Item.NameHans, err)
		}
	}
	if o, err := s.App.Payments.Get(sys, principal.SystemPrincipal, order); err != nil || o.Status != "unpaid" {
		t.Errorf("the fee order is %s (%v), want unpaid", o.Status, err)
	}
}
