package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/app"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// who is a principal of the authorisation matrix.
type who int

const (
	anonymous     who = iota
	residentA         // level 2, owns nothing
	residentB         // level 1
	owner             // level 2, legal representative of the enterprise
	agent             // level 1, authorised by the enterprise for licences; the session acts for it
	official          // gxt.officer: an official without roles
	window            // a window officer of Fuzhou
	reviewer          // szb.reviewer: the digital office's reviewer
	orgAdmin          // administrator of fj-miit, not of the digital office
	platformAdmin     // szb.admin: the digital office's administrator
	tokenRead         // szb.admin's personal access token with api:read
	tokenWrite        // szb.admin's personal access token with api:write
	nWho
)

var whoNames = [nWho]string{"anonymous", "resident A", "resident B", "enterprise owner", "agent", "official", "window officer",
	"reviewer", "organisation administrator", "digital office administrator", "token api:read", "token api:write"}

func (w who) String() string { return whoNames[w] }

// outcome is what an action must come to: allowed (any 2xx) or an error status.
type outcome int

const (
	na outcome = 0   // not applicable: a token cannot reach an action that is not on the JSON API
	ok outcome = 200 // allowed
	bd outcome = 400 // invalid for this principal (no document, registry mismatch…)
	un outcome = 401
	fb outcome = 403
	nf outcome = 404
)

// authzEnv is the demo platform with the matrix's principals.
type authzEnv struct {
	t       *testing.T
	app     *app.App
	h       http.Handler
	clk     *clock.Fake
	acc     [nWho]identity.Account
	session [nWho]string // login session tokens
	bearer  [nWho]string // personal access tokens
	ent     string       // the enterprise's credit code
	// Objects that actions work on.
	roleTarget, disableTarget, verifyTarget identity.Account
	seq                                     int
}

var authzStart = time.Date(2026, 3, 2, 9, 0, 0, 0, clock.China)

// residentID is the n-th resident ID number of these tests (Siming District, Xiamen).
func residentID(n int) string {
	return idcode.NewResidentID("350203", time.Date(1979, 7, 21, 0, 0, 0, 0, clock.China), 600+n)
}

func authzPhone(n int) string { return fmt.Sprintf("1995903%04d", n) }

func sys() context.Context {
	return principal.With(context.Background(), principal.SystemPrincipal)
}

// must(f())(t) is f's value, or the end of test t if f failed.
func must[T any](v T, err error) func(testing.TB) T {
	return func(tb testing.TB) T {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
		return v
	}
}

// newAuthzPlatform assembles the demo platform over db with the given rate limits and logger.
func newAuthzPlatform(t *testing.T, db *store.DB, limits map[string]httpserver.Limit, logger *slog.Logger) *app.App {
	t.Helper()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	a, err := app.New(context.Background(), app.Config{DB: db, Demo: true, Logger: logger, RateLimits: limits})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a
}

func unlimited() map[string]httpserver.Limit {
	return map[string]httpserver.Limit{httpserver.ClassAPI: {}, httpserver.ClassLogin: {}, httpserver.ClassPublic: {}, httpserver.ClassVerify: {}}
}

// eachPlatform runs fn on the demo platform over SQLite and PostgreSQL, each with a fake clock
// starting at authzStart.
func eachPlatform(t *testing.T, limits map[string]httpserver.Limit, logger *slog.Logger, fn func(t *testing.T, e *authzEnv)) {
	t.Helper()
	clk := clock.NewFake(authzStart)
	storetest.EachWith(t, storetest.Options{Clock: clk}, func(t *testing.T, db *store.DB) {
		clk.Set(authzStart)
		a := newAuthzPlatform(t, db, limits, logger)
		fn(t, &authzEnv{t: t, app: a, h: a.Server.Handler(), clk: clk})
	})
}

// importResident imports a resident with demo.Password, in the registry when verified.
func (e *authzEnv) importResident(name string, n int, verified bool) identity.Account {
	e.t.Helper()
	ids := e.app.Identity
	if verified {
		if err := ids.LoadRegistry(sys(), []identity.RegistryEntry{{IDType: identity.ResidentID, IDNumber: residentID(n), Name: name}}); err != nil {
			e.t.Fatal(err)
		}
	}
	return must(ids.ImportResident(sys(), identity.Registration{Name: name, IDType: identity.ResidentID, IDNumber: residentID(n),
		Phone: authzPhone(n), Password: demo.Password}))(e.t)
}

func (e *authzEnv) createOfficial(login, orgCode string, roles ...string) identity.Account {
	e.t.Helper()
	return must(e.app.Identity.CreateAccount(sys(), identity.NewAccount{Login: login, DisplayName: login, OrgCode: orgCode,
		Roles: roles, Password: demo.Password}))(e.t)
}

func (e *authzEnv) login(a identity.Account) string {
	e.t.Helper()
	res, err := e.app.Identity.Login(context.Background(), a.Login, demo.Password, identity.Meta{})
	if err != nil {
		e.t.Fatalf("login %s: %v", a.Login, err)
	}
	return res.Token
}

func (e *authzEnv) setUp() {
	t, ids := e.t, e.app.Identity
	e.acc[residentA] = e.importResident("林小明", 1, true)
	e.acc[residentB] = e.importResident("陈美玲", 2, false)
	e.acc[owner] = e.importResident("王建华", 3, true)
	e.acc[agent] = e.importResident("郑晓燕", 4, false)
	e.verifyTarget = e.importResident("黄丽芳", 5, false) // also the agent the matrix's owner authorises
	e.ent = idcode.NewCreditCode('9', '1', "350100", "MA2YXK0L")
	if _, err := ids.RegisterEnterprise(principal.With(context.Background(), e.acc[owner].Principal()), e.ent, "福州闽江数据科技有限公司"); err != nil {
		t.Fatal(err)
	}
	now := e.clk.Now()
	if _, err := ids.AuthoriseAgent(principal.With(context.Background(), e.acc[owner].Principal()), identity.Grant{CreditCode: e.ent,
		Agent: authzPhone(4), Scopes: []string{"licences"}, ValidFrom: now, ValidUntil: now.AddDate(1, 0, 0)}); err != nil {
		t.Fatal(err)
	}
	byLogin := func(login string) identity.Account { return must(ids.AccountByLogin(context.Background(), login))(t) }
	e.acc[official] = byLogin("gxt.officer")
	e.acc[reviewer] = byLogin("szb.reviewer")
	e.acc[platformAdmin] = byLogin("szb.admin")
	e.acc[tokenRead], e.acc[tokenWrite] = e.acc[platformAdmin], e.acc[platformAdmin]
	e.acc[window] = e.createOfficial("fuzhou.window", "city-fuzhou", principal.RoleWindowOfficer)
	e.acc[orgAdmin] = e.createOfficial("gxt.admin", "fj-miit", principal.RoleAdministrator)
	e.roleTarget = e.createOfficial("gxt.target", "fj-miit")
	e.disableTarget = e.createOfficial("gxt.leaver", "fj-miit")
	for w := residentA; w <= platformAdmin; w++ {
		e.session[w] = e.login(e.acc[w])
	}
	if err := ids.ActFor(principal.With(context.Background(), e.acc[agent].Principal()), e.session[agent], e.ent); err != nil {
		t.Fatal(err)
	}
	for w, scope := range map[who]string{tokenRead: principal.ScopeAPIRead, tokenWrite: principal.ScopeAPIWrite} {
		_, tok, err := ids.CreateToken(sys(), identity.NewToken{Account: "szb.admin", Name: w.String(), Scopes: []string{scope}, TTL: 24 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		e.bearer[w] = tok
	}
}

// request sends one request as w (session cookie, bearer token or nothing) and returns the
// status and body.
func (e *authzEnv) request(w who, method, path, body string) (int, []byte) {
	e.t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.RemoteAddr = "192.0.2.1:40000"
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	switch {
	case e.bearer[w] != "":
		r.Header.Set("Authorization", "Bearer "+e.bearer[w])
	case e.session[w] != "":
		r.AddCookie(&http.Cookie{Name: "yiwang_session", Value: e.session[w]})
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, r)
	return rec.Code, rec.Body.Bytes()
}

// ctx is a context of w as the platform sees it: its session's principal (with the enterprise an
// agent acts for), its token's, or the public.
func (e *authzEnv) ctx(w who) context.Context {
	e.t.Helper()
	ids := e.app.Identity
	switch {
	case e.bearer[w] != "":
		return principal.With(context.Background(), must(ids.TokenPrincipal(context.Background(), e.bearer[w]))(e.t))
	case e.session[w] != "":
		return principal.With(context.Background(), must(ids.SessionPrincipal(context.Background(), e.session[w]))(e.t))
	}
	return principal.With(context.Background(), principal.Principal{Kind: principal.Anonymous})
}

// status is the HTTP status an error of a service becomes (200 for none).
func status(err error) int {
	if err == nil {
		return http.StatusOK
	}
	return httpserver.Status(errs.KindOf(err))
}

func (e *authzEnv) next() int { e.seq++; return e.seq }

// ownToken makes a token for w's account and returns its id (one of resident A's for the public).
func (e *authzEnv) ownToken(w who) int64 {
	e.t.Helper()
	acc := e.acc[w]
	if w == anonymous {
		acc = e.acc[residentA]
	}
	t, _, err := e.app.Identity.CreateToken(sys(), identity.NewToken{Account: acc.Login, Name: "to revoke", Scopes: []string{principal.ScopeAPIRead}, TTL: time.Hour})
	if err != nil {
		e.t.Fatal(err)
	}
	return t.ID
}

// freshAuthorisation has the owner authorise a resident who is none of the matrix's principals
// (so that refused revocations leave no principal an agent), and returns its id.
func (e *authzEnv) freshAuthorisation() int64 {
	e.t.Helper()
	now := e.clk.Now()
	au, err := e.app.Identity.AuthoriseAgent(principal.With(context.Background(), e.acc[owner].Principal()), identity.Grant{CreditCode: e.ent,
		Agent: authzPhone(5), Scopes: []string{"taxation"}, ValidFrom: now, ValidUntil: now.Add(24 * time.Hour)})
	if err != nil {
		e.t.Fatal(err)
	}
	return au.ID
}

type action struct {
	name string
	do   func(e *authzEnv, w who) int
	// want is the outcome for each principal, in the order of who.
	want [nWho]outcome
}

func httpAction(method string, path func(e *authzEnv, w who) string, body string) func(e *authzEnv, w who) int {
	return func(e *authzEnv, w who) int {
		code, _ := e.request(w, method, path(e, w), body)
		return code
	}
}

func fixed(p string) func(*authzEnv, who) string { return func(*authzEnv, who) string { return p } }

// matrix is every identity action and what each principal may do. Columns: anonymous, resident
// A, resident B, enterprise owner, agent, official, window officer, reviewer, organisation
// administrator, digital office administrator, token api:read, token api:write.
var matrix = []action{
	// The JSON API.
	{"GET /api/v1/me", httpAction("GET", fixed("/api/v1/me"), ""),
		[nWho]outcome{un, ok, ok, ok, ok, ok, ok, ok, ok, ok, ok, ok}},
	{"GET /api/v1/me/logins", httpAction("GET", fixed("/api/v1/me/logins"), ""),
		[nWho]outcome{un, ok, ok, ok, ok, ok, ok, ok, ok, ok, ok, ok}},
	{"GET /api/v1/me/tokens", httpAction("GET", fixed("/api/v1/me/tokens"), ""),
		[nWho]outcome{un, ok, ok, ok, ok, ok, ok, ok, ok, ok, ok, ok}},
	{"POST /api/v1/me/tokens", httpAction("POST", fixed("/api/v1/me/tokens"), `{"name":"matrix","scopes":["api:read"],"ttl_days":1}`),
		[nWho]outcome{un, ok, ok, ok, ok, ok, ok, ok, ok, ok, fb, fb}},
	{"DELETE /api/v1/me/tokens/{own}", httpAction("DELETE", func(e *authzEnv, w who) string {
		return "/api/v1/me/tokens/" + strconv.FormatInt(e.ownToken(w), 10)
	}, ""), [nWho]outcome{un, ok, ok, ok, ok, ok, ok, ok, ok, ok, fb, ok}},
	{"GET /api/v1/me/enterprises", httpAction("GET", fixed("/api/v1/me/enterprises"), ""),
		[nWho]outcome{un, ok, ok, ok, ok, ok, ok, ok, ok, ok, ok, ok}},
	{"GET /api/v1/enterprises/{code}/agents", httpAction("GET", func(e *authzEnv, _ who) string { return "/api/v1/enterprises/" + e.ent + "/agents" }, ""),
		[nWho]outcome{un, nf, nf, ok, nf, nf, nf, nf, nf, nf, nf, nf}},
	{"POST /api/v1/enterprises/{code}/agents", httpAction("POST", func(e *authzEnv, _ who) string { return "/api/v1/enterprises/" + e.ent + "/agents" },
		`{"agent":"`+authzPhone(5)+`","scopes":["licences"],"valid_until":"2026-12-31"}`),
		[nWho]outcome{un, nf, nf, ok, nf, nf, nf, nf, nf, nf, fb, nf}},
	{"DELETE /api/v1/enterprises/{code}/agents/{id}", httpAction("DELETE", func(e *authzEnv, _ who) string {
		return fmt.Sprintf("/api/v1/enterprises/%s/agents/%d", e.ent, e.freshAuthorisation())
	}, ""), [nWho]outcome{un, nf, nf, ok, nf, nf, nf, nf, nf, nf, fb, nf}},
	{"GET /api/v1/officials", httpAction("GET", fixed("/api/v1/officials"), ""),
		[nWho]outcome{un, fb, fb, fb, fb, fb, fb, fb, ok, ok, ok, ok}},
	{"PUT /api/v1/officials/{id}/roles", httpAction("PUT", func(e *authzEnv, _ who) string {
		return fmt.Sprintf("/api/v1/officials/%d/roles", e.roleTarget.ID)
	}, `{"roles":["reviewer"]}`), [nWho]outcome{un, fb, fb, fb, fb, fb, fb, fb, ok, ok, fb, ok}},

	// Services without an API route (yet): tokens cannot reach them.
	{"RegisterEnterprise", func(e *authzEnv, w who) int {
		code := idcode.NewCreditCode('9', '1', "350200", fmt.Sprintf("MA%06d", e.next()))
		_, err := e.app.Identity.RegisterEnterprise(e.ctx(w), code, "矩阵测试有限公司")
		return status(err)
	}, [nWho]outcome{un, ok, fb, ok, fb, fb, fb, fb, fb, fb, na, na}},
	{"ActFor", func(e *authzEnv, w who) int {
		if w == anonymous {
			return status(e.app.Identity.ActFor(e.ctx(w), "no-session", e.ent))
		}
		tok := e.login(e.acc[w]) // a session of its own, so that the principal's other cells are unchanged
		ctx := principal.With(context.Background(), must(e.app.Identity.SessionPrincipal(context.Background(), tok))(e.t))
		return status(e.app.Identity.ActFor(ctx, tok, e.ent))
	}, [nWho]outcome{un, fb, fb, ok, ok, fb, fb, fb, fb, fb, na, na}},
	{"VerifyInPerson", func(e *authzEnv, w who) int {
		_, err := e.app.Identity.VerifyInPerson(e.ctx(w), identity.ResidentID, residentID(5), "黄丽芳", "福州市民服务中心")
		return status(err)
	}, [nWho]outcome{fb, fb, fb, fb, fb, fb, ok, fb, fb, fb, na, na}},
	{"VerifyWithRegistry", func(e *authzEnv, w who) int {
		_, err := e.app.Identity.VerifyWithRegistry(e.ctx(w))
		return status(err)
	}, [nWho]outcome{un, ok, bd, ok, bd, bd, bd, bd, bd, bd, na, na}},
	{"LoadRegistry", func(e *authzEnv, w who) int {
		return status(e.app.Identity.LoadRegistry(e.ctx(w), []identity.RegistryEntry{{IDType: identity.ResidentID, IDNumber: residentID(90), Name: "许志明"}}))
	}, [nWho]outcome{fb, fb, fb, fb, fb, fb, fb, fb, fb, ok, na, na}},
	{"CreateAccount", func(e *authzEnv, w who) int {
		_, err := e.app.Identity.CreateAccount(e.ctx(w), identity.NewAccount{Login: fmt.Sprintf("gxt.new%d", e.next()), DisplayName: "新同事",
			OrgCode: "fj-miit", Password: demo.Password})
		return status(err)
	}, [nWho]outcome{un, fb, fb, fb, fb, fb, fb, fb, ok, ok, na, na}},
	{"SetDisabled", func(e *authzEnv, w who) int {
		return status(e.app.Identity.SetDisabled(e.ctx(w), e.disableTarget.ID, true))
	}, [nWho]outcome{un, fb, fb, fb, fb, fb, fb, fb, fb, ok, na, na}},
	{"ImportResident", func(e *authzEnv, w who) int {
		n := 100 + e.next()
		_, err := e.app.Identity.ImportResident(e.ctx(w), identity.Registration{Name: "许志明", IDType: identity.ResidentID, IDNumber: residentID(n),
			Phone: authzPhone(n), Password: demo.Password})
		return status(err)
	}, [nWho]outcome{fb, fb, fb, fb, fb, fb, fb, fb, fb, fb, na, na}},
	{"CreateToken for another account", func(e *authzEnv, w who) int {
		_, _, err := e.app.Identity.CreateToken(e.ctx(w), identity.NewToken{Account: e.roleTarget.Login, Name: "x", Scopes: []string{principal.ScopeAPIRead}, TTL: time.Hour})
		return status(err)
	}, [nWho]outcome{un, fb, fb, fb, fb, fb, fb, fb, fb, fb, na, na}},
	{"BeginTOTP", func(e *authzEnv, w who) int {
		_, err := e.app.Identity.BeginTOTP(e.ctx(w))
		return status(err)
	}, [nWho]outcome{un, ok, ok, ok, ok, ok, ok, ok, ok, ok, na, na}},
}

// TestAuthorisationMatrix proves that each principal can do exactly what it should with every
// identity action: through the JSON API where there is a route, else through the service.
func TestAuthorisationMatrix(t *testing.T) {
	eachPlatform(t, unlimited(), nil, func(t *testing.T, e *authzEnv) {
		e.setUp()
		for _, act := range matrix {
			t.Run(act.name, func(t *testing.T) {
				e.t = t
				for w := anonymous; w < nWho; w++ {
					want := act.want[w]
					if want == na {
						continue
					}
					got := act.do(e, w)
					if want == ok && (got < 200 || got > 299) || want != ok && got != int(want) {
						t.Errorf("%s as %s: %d, want %s", act.name, w, got, describeOutcome(want))
					}
				}
			})
		}
	})
}

func describeOutcome(o outcome) string {
	if o == ok {
		return "allowed"
	}
	return strconv.Itoa(int(o))
}

// apiJSON sends a request as w and decodes the JSON answer.
func (e *authzEnv) apiJSON(w who, method, path, body string) (int, any) {
	e.t.Helper()
	code, b := e.request(w, method, path, body)
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		e.t.Fatalf("%s %s: not JSON: %s", method, path, b)
	}
	return code, v
}

// TestIDOR has resident B change the id in every URL and body that takes one to resident A's
// object, through a session and through B's own write token: B gets 404 (or 403), and A's
// objects are unchanged afterwards.
func TestIDOR(t *testing.T) {
	eachPlatform(t, unlimited(), nil, func(t *testing.T, e *authzEnv) {
		ids := e.app.Identity
		const a, b, bTok = residentA, residentB, tokenWrite
		e.acc[a] = e.importResident("林小明", 1, true)
		e.acc[b] = e.importResident("陈美玲", 2, true)
		agentC := e.importResident("王海燕", 3, false)
		asA := principal.With(context.Background(), e.acc[a].Principal())
		asB := principal.With(context.Background(), e.acc[b].Principal())
		entA := idcode.NewCreditCode('9', '1', "350100", "MA2YXK0L")
		entB := idcode.NewCreditCode('9', '1', "350200", "MA31PQ7R")
		must(ids.RegisterEnterprise(asA, entA, "福州闽江数据科技有限公司"))(t)
		must(ids.RegisterEnterprise(asB, entB, "厦门鹭岛物流有限公司"))(t)
		now := e.clk.Now()
		authA := must(ids.AuthoriseAgent(asA, identity.Grant{CreditCode: entA, Agent: agentC.Login, Scopes: []string{"licences"},
			ValidFrom: now, ValidUntil: now.AddDate(0, 6, 0)}))(t)
		tokA, secretA, err := ids.CreateToken(asA, identity.NewToken{Name: "A's", Scopes: []string{principal.ScopeAPIWrite}, TTL: 24 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		e.session[a], e.session[b] = e.login(e.acc[a]), e.login(e.acc[b])
		_, e.bearer[bTok], err = ids.CreateToken(asB, identity.NewToken{Name: "B's", Scopes: []string{principal.ScopeAPIWrite}, TTL: 24 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		e.acc[bTok] = e.acc[b]
		officialID := must(ids.AccountByLogin(context.Background(), "gxt.officer"))(t).ID

		// snapshot is everything of A's that B's requests could touch.
		snapshot := func() string {
			t.Helper()
			var out bytes.Buffer
			enc := json.NewEncoder(&out)
			for _, v := range []any{
				must(ids.Tokens(asA))(t), must(ids.EnterpriseAgents(asA, entA))(t), must(ids.OwnedEnterprises(asA))(t),
				must(ids.Account(context.Background(), e.acc[a].ID))(t), must(ids.Account(context.Background(), officialID))(t),
			} {
				if err := enc.Encode(v); err != nil {
					t.Fatal(err)
				}
			}
			return out.String()
		}
		before := snapshot()
		agentsOf := func(code string) string { return "/api/v1/enterprises/" + code + "/agents" }
		for _, tc := range []struct {
			method, path, body string
		}{
			{"DELETE", fmt.Sprintf("/api/v1/me/tokens/%d", tokA.ID), ""},
			{"GET", agentsOf(entA), ""},
			{"GET", agentsOf(strings.ToLower(entA)), ""},
			{"POST", agentsOf(entA), `{"agent":"` + authzPhone(2) + `","scopes":["all"],"valid_until":"2026-12-31"}`},
			{"POST", agentsOf(entA), `{"agent":"` + authzPhone(3) + `","scopes":["all"],"valid_until":"2026-12-31"}`},
			{"DELETE", fmt.Sprintf("%s/%d", agentsOf(entA), authA.ID), ""},
			{"DELETE", fmt.Sprintf("%s/%d", agentsOf(entB), authA.ID), ""}, // B's own enterprise, A's authorisation
			{"PUT", fmt.Sprintf("/api/v1/officials/%d/roles", e.acc[a].ID), `{"roles":["administrator"]}`},
			{"PUT", fmt.Sprintf("/api/v1/officials/%d/roles", officialID), `{"roles":["administrator"]}`},
			{"GET", "/api/v1/officials?org=fj-miit", ""},
		} {
			for _, as := range []who{b, bTok} {
				code, body := e.apiJSON(as, tc.method, tc.path, tc.body)
				if code != http.StatusNotFound && code != http.StatusForbidden {
					t.Errorf("%s %s as %s: %d %v, want 404 or 403", tc.method, tc.path, map[who]string{b: "B", bTok: "B's token"}[as], code, body)
				}
			}
		}
		if after := snapshot(); after != before {
			t.Errorf("B's requests changed A's objects:\nbefore %s\nafter  %s", before, after)
		}
		if p, err := ids.TokenPrincipal(context.Background(), secretA); err != nil || p.AccountID != e.acc[a].ID {
			t.Errorf("A's token after B's attempts: %+v, %v", p, err)
		}
		// What B reads about itself holds nothing of A's.
		for _, path := range []string{"/api/v1/me", "/api/v1/me/logins", "/api/v1/me/tokens", "/api/v1/me/enterprises"} {
			code, body := e.request(b, "GET", path, "")
			if code != http.StatusOK {
				t.Errorf("GET %s as B: %d", path, code)
			}
			for _, s := range []string{e.acc[a].Login, tokA.Prefix, entA, "林小明", identity.MaskIDNumber(residentID(1)), "199****0001"} {
				if bytes.Contains(body, []byte(s)) {
					t.Errorf("GET %s as B shows A's %q: %s", path, s, body)
				}
			}
		}
	})
}

// syncBuffer is a log destination for concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var codeRE = regexp.MustCompile(`\b[0-9]{6}\b`)

// postLogin posts the login form from client ip and returns the response.
func (e *authzEnv) postLogin(ip, login, password string) *http.Response {
	e.t.Helper()
	form := url.Values{"login": {login}, "password": {password}}
	r := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.RemoteAddr = ip + ":40000"
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, r)
	return rec.Result()
}

// TestBruteForceLogin runs 30 wrong passwords against POST /login from one address with the
// default rate limits: the rate limit throttles the address, the account locks, and the real
// owner still gets in — with a one-time code during the lock, with the password after it.
// Neither the passwords tried nor the owner's appear in the logs or the audit log.
func TestBruteForceLogin(t *testing.T) {
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	eachPlatform(t, nil, logger, func(t *testing.T, e *authzEnv) {
		victim := e.importResident("林小明", 1, true)
		const attacker, home = "198.51.100.7", "192.0.2.50"
		guesses := make([]string, 30)
		counts := map[int]int{}
		for i := range guesses {
			guesses[i] = fmt.Sprintf("guess-%02d-Xk9q", i)
			res := e.postLogin(attacker, authzPhone(1), guesses[i])
			counts[res.StatusCode]++
			if res.StatusCode == http.StatusTooManyRequests && res.Header.Get("Retry-After") == "" {
				t.Errorf("guess %d: 429 without Retry-After", i)
			}
			io.Copy(io.Discard, res.Body)
		}
		// The login class allows a burst of 5 an address, then one every 12 seconds.
		if counts[http.StatusUnauthorized] > 6 || counts[http.StatusTooManyRequests] < 24 || counts[http.StatusUnauthorized]+counts[http.StatusTooManyRequests] != 30 {
			t.Errorf("30 guesses from one address: %v, want at most 6 tried and the rest 429", counts)
		}
		acc := must(e.app.Identity.Account(context.Background(), victim.ID))(t)
		if acc.LockedUntil == nil || !acc.LockedUntil.Equal(authzStart.Add(15*time.Minute)) {
			t.Errorf("locked until %v, want %v", acc.LockedUntil, authzStart.Add(15*time.Minute))
		}
		// The owner's right password is refused while locked, from any address…
		if res := e.postLogin(home, authzPhone(1), demo.Password); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("owner's password during the lock: %d, want 401", res.StatusCode)
		}
		// …but a one-time code to the owner's phone signs them in.
		ctx := principal.With(context.Background(), principal.Principal{Kind: principal.Anonymous})
		if err := e.app.Identity.RequestCode(ctx, authzPhone(1), identity.PurposeLogin); err != nil {
			t.Fatal(err)
		}
		var code string
		for _, m := range must(e.app.Identity.Outbox(context.Background()))(t) {
			if m.Recipient == authzPhone(1) {
				code = codeRE.FindString(m.Body)
				break
			}
		}
		if res, err := e.app.Identity.LoginWithCode(ctx, authzPhone(1), code, identity.Meta{ClientIP: home}); err != nil || res.Token == "" {
			t.Errorf("one-time code during the lock: %v", err)
		}
		// Lock the account again, and let the lock run out: the password works again.
		for i := range 5 {
			if _, err := e.app.Identity.Login(ctx, authzPhone(1), guesses[i], identity.Meta{ClientIP: attacker}); err == nil {
				t.Fatal("a guess signed in")
			}
		}
		if res := e.postLogin(home, authzPhone(1), demo.Password); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("owner's password during the second lock: %d, want 401", res.StatusCode)
		}
		e.clk.Advance(15 * time.Minute)
		res := e.postLogin(home, authzPhone(1), demo.Password)
		if res.StatusCode != http.StatusSeeOther || len(res.Cookies()) == 0 {
			t.Errorf("owner's password after the lock: %d, cookies %v; want 303 and a session", res.StatusCode, res.Cookies())
		}
		// The attacker's address is still throttled.
		if res := e.postLogin(attacker, authzPhone(1), guesses[0]); res.StatusCode != http.StatusTooManyRequests {
			t.Errorf("attacker after the lock: %d, want 429", res.StatusCode)
		}

		var audit bytes.Buffer
		rows := must(e.app.DB.SQL().Query(`SELECT * FROM audit_events`))(t)
		defer rows.Close()
		cols := must(rows.Columns())(t)
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&audit, vals...)
		}
		text := logs.String() + "\n" + audit.String()
		if !strings.Contains(text, "/login") || !strings.Contains(audit.String(), "identity.login.locked") {
			t.Fatalf("no access log or audit of the logins:\n%.2000s", text)
		}
		for _, s := range append(guesses, demo.Password) {
			if strings.Contains(text, s) {
				t.Errorf("password %q appears in the logs or the audit log", s)
			}
		}
		for _, s := range []string{authzPhone(1), residentID(1)} {
			if strings.Contains(text, s) {
				t.Errorf("%s appears in clear in the logs or the audit log", identity.MaskIDNumber(s))
			}
		}
	})
}

// TestBearerTokensStayOutOfLogs: the access log of API requests with bearer tokens names
// neither the token nor the Authorization header.
func TestBearerTokensStayOutOfLogs(t *testing.T) {
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	eachPlatform(t, unlimited(), logger, func(t *testing.T, e *authzEnv) {
		e.setUp()
		for _, w := range []who{tokenRead, tokenWrite} {
			e.request(w, "GET", "/api/v1/me", "")
			e.request(w, "POST", "/api/v1/me/tokens", `{"name":"x","scopes":["api:read"],"ttl_days":1}`)
			e.request(w, "GET", "/api/v1/me?token="+e.bearer[w], "")
		}
		e.bearer[tokenRead] += "x" // an unknown token
		e.request(tokenRead, "GET", "/api/v1/me", "")
		text := logs.String()
		if !strings.Contains(text, "/api/v1/me") {
			t.Fatalf("no access log:\n%.1000s", text)
		}
		for _, w := range []who{tokenRead, tokenWrite} {
			secret := strings.TrimSuffix(e.bearer[w], "x")
			if strings.Contains(text, secret[len(identity.TokenPrefix)+8:]) {
				t.Errorf("the token of %s appears in the logs", w)
			}
		}
		if strings.Contains(strings.ToLower(text), "bearer") {
			t.Errorf("the Authorization header appears in the logs")
		}
	})
}
