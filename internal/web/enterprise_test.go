package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// demoGrant returns the id of the demo enterprise's authorisation of its agent.
func (s *site) demoGrant() int64 {
	s.t.Helper()
	ctx := principal.With(context.Background(), s.principal(owner))
	list, err := s.a.Identity.EnterpriseAgents(ctx, demo.DemoEnterprise.CreditCode)
	if err != nil || len(list) == 0 {
		s.t.Fatalf("demo authorisations: %v (%d)", err, len(list))
	}
	return list[0].ID
}

func TestEnterprisesPage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, highLimits)
		code := demo.DemoEnterprise.CreditCode
		grant := s.demoGrant()

		// Who may: residents (and agents); officials are refused, the public sent to sign in.
		if w := s.get("/enterprises", ""); w.Code != http.StatusSeeOther {
			t.Errorf("anonymous: %d", w.Code)
		}
		if w := s.get("/enterprises", gxt); w.Code != http.StatusForbidden {
			t.Errorf("official: %d, want 403", w.Code)
		}

		// The owner sees the enterprise, its agent, and the form to authorise another.
		doc := parse(t, s.get("/enterprises", owner))
		ent := one(t, doc, "article#enterprise-"+code)
		if got := text(one(t, ent, "h3")); got != demo.DemoEnterprise.Name {
			t.Errorf("enterprise %q", got)
		}
		row := one(t, ent, "tr#authorisation-"+strconv.FormatInt(grant, 10))
		if got := text(row); !strings.Contains(got, "李晓峰") || !strings.Contains(got, "136****1234") ||
			!strings.Contains(got, i18n.T(i18n.ZhHans, "identity.scope.licences")) || !strings.Contains(got, i18n.T(i18n.ZhHans, "enterprises.status_active")) {
			t.Errorf("agent row %q", got)
		}
		one(t, row, `form[action="/enterprises/agents/`+strconv.FormatInt(grant, 10)+`/revoke"] button`)
		form := one(t, ent, `form[action="/enterprises/`+code+`/agents"]`)
		if n := count(t, form, `input[type="checkbox"][name="scopes"]`); n != len(identity.AgentScopes) {
			t.Errorf("%d scopes offered, want %d", n, len(identity.AgentScopes))
		}
		one(t, form, `input[type="date"][name="valid_until"][required]`)
		// The acting-for switcher offers the enterprise as its owner.
		one(t, doc, `form[action="/acting-for"] select#acting-credit_code option[value="`+code+`"]`)

		// Authorising: errors beside the fields, then done.
		id := "grant-" + code
		for _, tc := range []struct {
			name   string
			form   url.Values
			field  string
			key    string
			args   []any
			status int
		}{
			{"no scope", url.Values{"agent": {citizen}, "valid_until": {"2026-12-31"}}, "scopes", "error.required", nil, 400},
			{"unknown agent", url.Values{"agent": {"13900000000"}, "scopes": {"taxation"}, "valid_until": {"2026-12-31"}}, "agent", "identity.error.agent_unknown", nil, 400},
			{"no end", url.Values{"agent": {citizen}, "scopes": {"taxation"}}, "valid_until", "error.required", nil, 400},
			{"bad date", url.Values{"agent": {citizen}, "scopes": {"taxation"}, "valid_until": {"31/12/2026"}}, "valid_until", "enterprises.bad_date", nil, 400},
			{"ended", url.Values{"agent": {citizen}, "scopes": {"taxation"}, "valid_until": {"2026-01-01"}}, "valid_until", "identity.error.validity", nil, 400},
			{"too long", url.Values{"agent": {citizen}, "scopes": {"taxation"}, "valid_until": {"2031-01-01"}}, "valid_until", "identity.error.validity_too_long", []any{3}, 400},
			{"themself", url.Values{"agent": {owner}, "scopes": {"taxation"}, "valid_until": {"2026-12-31"}}, "agent", "identity.error.agent_unknown", nil, 400},
		} {
			t.Run(tc.name, func(t *testing.T) {
				w := s.post("/enterprises/"+code+"/agents", owner, tc.form)
				if w.Code != tc.status {
					t.Fatalf("status %d, want %d; %.300s", w.Code, tc.status, w.Body)
				}
				doc := parse(t, w)
				checkIdentityLayout(t, doc, i18n.ZhHans)
				checkFieldError(t, doc, id+"-"+tc.field, i18n.T(i18n.ZhHans, tc.key, tc.args...))
				if v := attrOr(one(t, doc, "#"+id+"-agent"), "value"); v != tc.form.Get("agent") {
					t.Errorf("agent not kept: %q", v)
				}
			})
		}
		before := s.lastAuditID()
		w := s.post("/enterprises/"+code+"/agents", owner, url.Values{"agent": {demo.Residents[0].IDNumber}, "scopes": {"taxation", "data_access"},
			"valid_from": {"2026-03-02"}, "valid_until": {"2026-12-31"}})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/enterprises?saved=authorised" {
			t.Fatalf("authorise: %d %q; %.300s", w.Code, w.Header().Get("Location"), w.Body)
		}
		if got := s.auditSince(before); len(got) != 1 || got[0] != "identity.agent.authorised" {
			t.Errorf("audit %v", got)
		}
		doc = parse(t, s.get("/enterprises", owner))
		rows := queryAll(t, doc, "article#enterprise-"+code+" table.agents tbody tr")
		if len(rows) != 2 || !strings.Contains(text(rows[0]), "陈美玲") || !strings.Contains(text(rows[0]), "2026-03-02 至 2026-12-31") {
			t.Errorf("agents after authorising: %d rows, first %q", len(rows), text(rows[0]))
		}
		newGrant := strings.TrimPrefix(attrOr(rows[0], "id"), "authorisation-")

		// The new agent sees the authorisation and may act for the enterprise.
		doc = parse(t, s.get("/enterprises", citizen))
		if got := text(one(t, doc, "#my-authorisations tbody tr")); !strings.Contains(got, demo.DemoEnterprise.Name) {
			t.Errorf("the agent's authorisations: %q", got)
		}

		// Nobody else may authorise or revoke for the enterprise by changing the code or id.
		for _, who := range []string{citizen, agent, resident} {
			if w := s.post("/enterprises/"+code+"/agents", who, url.Values{"agent": {resident}, "scopes": {"all"}, "valid_until": {"2026-12-31"}}); w.Code != http.StatusNotFound {
				t.Errorf("%s authorising for another's enterprise: %d, want 404", who, w.Code)
			}
			if w := s.post("/enterprises/agents/"+strconv.FormatInt(grant, 10)+"/revoke", who, nil); w.Code != http.StatusNotFound {
				t.Errorf("%s revoking another's authorisation: %d, want 404", who, w.Code)
			}
			if w := s.get("/enterprises", who); strings.Contains(w.Body.String(), "authorisation-"+strconv.FormatInt(grant, 10)) {
				t.Errorf("%s sees the enterprise's agents", who)
			}
		}
		if w := s.post("/enterprises/agents/"+strconv.FormatInt(grant, 10)+"/revoke", gxt, nil); w.Code != http.StatusForbidden {
			t.Errorf("an official revoking: %d, want 403", w.Code)
		}
		if w := s.post("/enterprises/agents/999999/revoke", owner, nil); w.Code != http.StatusNotFound {
			t.Errorf("revoking no authorisation: %d", w.Code)
		}
		doc = parse(t, s.get("/enterprises", owner))
		if got := text(one(t, doc, "tr#authorisation-"+strconv.FormatInt(grant, 10))); !strings.Contains(got, i18n.T(i18n.ZhHans, "enterprises.status_active")) {
			t.Errorf("after others tried to revoke it: %q", got)
		}

		// The owner revokes; twice is a conflict said on the page.
		w = s.post("/enterprises/agents/"+newGrant+"/revoke", owner, nil)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/enterprises?saved=revoked" {
			t.Fatalf("revoke: %d %q", w.Code, w.Header().Get("Location"))
		}
		w = s.post("/enterprises/agents/"+newGrant+"/revoke", owner, nil)
		if w.Code != http.StatusConflict {
			t.Fatalf("revoke again: %d", w.Code)
		}
		if got := alertText(t, parse(t, w)); got != i18n.T(i18n.ZhHans, "identity.error.already_revoked") {
			t.Errorf("alert %q", got)
		}
		doc = parse(t, s.get("/enterprises", citizen))
		if got := text(one(t, doc, "#my-authorisations tbody tr")); !strings.Contains(got, "撤销") {
			t.Errorf("the agent's revoked authorisation reads %q", got)
		}
	})
}

func TestRegisterEnterprise(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, highLimits)
		// Level 1: told why not, and refused if she posts anyway.
		doc := parse(t, s.get("/enterprises", resident))
		if got := text(one(t, doc, "#register-refused")); !strings.Contains(got, i18n.T(i18n.ZhHans, "identity.level.1")) {
			t.Errorf("refusal %q", got)
		}
		if n := count(t, doc, `form[action="/enterprises"]`); n != 0 {
			t.Error("a level-1 resident is offered the form")
		}
		code := idcode.NewCreditCode('9', '1', "350100", "MA3X5K7Q")
		w := s.post("/enterprises", resident, url.Values{"credit_code": {code}, "name": {"福州测试科技有限公司"}})
		if w.Code != http.StatusForbidden {
			t.Fatalf("level 1 registering: %d, want 403", w.Code)
		}
		if got := alertText(t, parse(t, w)); got != i18n.T(i18n.ZhHans, "identity.error.level_required", 2) {
			t.Errorf("alert %q", got)
		}

		// Level 2: field errors, then registered, then taken.
		one(t, parse(t, s.get("/enterprises", citizen)), `form[action="/enterprises"] #ent-credit_code`)
		w = s.post("/enterprises", citizen, url.Values{"credit_code": {code[:17] + "0"}, "name": {"福州测试科技有限公司"}})
		if w.Code != http.StatusBadRequest {
			t.Fatalf("bad code: %d", w.Code)
		}
		checkFieldError(t, parse(t, w), "ent-credit_code", i18n.T(i18n.ZhHans, "identity.error.credit_code"))
		w = s.post("/enterprises", citizen, url.Values{"credit_code": {code}, "name": {" "}})
		if w.Code != http.StatusBadRequest {
			t.Fatalf("no name: %d", w.Code)
		}
		checkFieldError(t, parse(t, w), "ent-name", i18n.T(i18n.ZhHans, "error.required"))
		w = s.post("/enterprises", citizen, url.Values{"credit_code": {strings.ToLower(code)}, "name": {"福州测试科技有限公司"}})
		if w.Code != http.StatusSeeOther {
			t.Fatalf("register: %d; %.300s", w.Code, w.Body)
		}
		one(t, parse(t, s.get("/enterprises", citizen)), "article#enterprise-"+code)
		w = s.post("/enterprises", citizen, url.Values{"credit_code": {code}, "name": {"福州测试科技有限公司"}})
		if w.Code != http.StatusConflict {
			t.Fatalf("again: %d", w.Code)
		}
		checkFieldError(t, parse(t, w), "ent-credit_code", i18n.T(i18n.ZhHans, "identity.error.enterprise_taken"))
	})
}

func TestActingFor(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, highLimits)
		code := demo.DemoEnterprise.CreditCode
		// The agent switches to act for the enterprise; every page says so in its header.
		w := s.post("/acting-for", agent, url.Values{"credit_code": {code}})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/enterprises?saved=acting" {
			t.Fatalf("act for: %d %q", w.Code, w.Header().Get("Location"))
		}
		for _, path := range []string{"/", "/plan", "/account", "/enterprises"} {
			doc := parse(t, s.get(path+"?lang=en", agent))
			banner := one(t, doc, "header .acting-for")
			if got, want := text(one(t, banner, "#acting-for")), i18n.T(i18n.En, "acting.banner", demo.DemoEnterprise.Name); got != want {
				t.Errorf("%s: banner %q, want %q", path, got, want)
			}
			back := one(t, banner, `form[action="/acting-for"]`)
			if v := attrOr(one(t, back, `input[name="credit_code"]`), "value"); v != "" {
				t.Errorf("the return button posts %q", v)
			}
			if v := attrOr(one(t, back, `input[name="back"]`), "value"); v != path {
				t.Errorf("the return button comes back to %q, want %q", v, path)
			}
		}
		doc := parse(t, s.get("/enterprises", agent))
		one(t, doc, `#acting-credit_code option[value="`+code+`"][selected]`)
		// While acting, nobody registers an enterprise, and the agent manages none.
		if n := count(t, doc, `form[action="/enterprises"]`); n != 0 {
			t.Error("an acting agent is offered to register an enterprise")
		}
		one(t, doc, "#register-refused")
		if n := count(t, doc, `form[action$="/agents"]`); n != 0 {
			t.Error("an agent is offered to authorise agents")
		}
		// The owner acting for the enterprise still manages its agents.
		if w := s.post("/acting-for", owner, url.Values{"credit_code": {code}}); w.Code != http.StatusSeeOther {
			t.Fatalf("owner acts for: %d", w.Code)
		}
		doc = parse(t, s.get("/enterprises", owner))
		one(t, doc, "header .acting-for")
		one(t, doc, "article#enterprise-"+code+" table.agents")
		w = s.post("/enterprises/"+code+"/agents", owner, url.Values{"agent": {citizen}, "scopes": {"taxation"}, "valid_until": {"2026-12-31"}})
		if w.Code != http.StatusSeeOther {
			t.Errorf("the acting owner authorises: %d; %.300s", w.Code, w.Body)
		}
		// Back to themselves, from any page.
		w = s.post("/acting-for", agent, url.Values{"credit_code": {""}, "back": {"/plan"}})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/plan" {
			t.Fatalf("return: %d %q", w.Code, w.Header().Get("Location"))
		}
		if n := count(t, parse(t, s.get("/", agent)), ".acting-for"); n != 0 {
			t.Error("the banner stays after returning")
		}
		// Nobody acts for an enterprise that did not authorise them, and back never leaves the site.
		if w := s.post("/acting-for", resident, url.Values{"credit_code": {code}}); w.Code != http.StatusForbidden {
			t.Errorf("acting without an authorisation: %d, want 403", w.Code)
		}
		if w := s.post("/acting-for", agent, url.Values{"credit_code": {""}, "back": {"//evil.example"}}); w.Header().Get("Location") != "/" {
			t.Errorf("back=//evil.example: %q", w.Header().Get("Location"))
		}
		if w := s.post("/acting-for", gxt, url.Values{"credit_code": {code}}); w.Code != http.StatusForbidden {
			t.Errorf("an official acting for an enterprise: %d", w.Code)
		}
	})
}
