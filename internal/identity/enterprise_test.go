package identity_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// creditCode returns a valid credit code of an enterprise registered in Fuzhou.
func creditCode(body string) string { return idcode.NewCreditCode('9', '1', "350100", body) }

func TestRegisterEnterprise(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		owner := e.verified(t, "林小明", 1)
		level1 := e.resident(t, "陈美玲", 2)
		official := e.official(t, "gxt.officer", "fj-miit", principal.RoleAdministrator)
		code := creditCode("MA2YXK0L")
		for _, tc := range []struct {
			name   string
			p      principal.Principal
			code   string
			kind   errs.Kind
			reason string
		}{
			{"anonymous", principal.Principal{Kind: principal.Anonymous}, code, errs.Unauthenticated, "error.unauthenticated"},
			{"official", official.Principal(), code, errs.Forbidden, "identity.error.residents_only"},
			{"resident at level 1", level1.Principal(), code, errs.Forbidden, "identity.error.level_required"},
			{"bad check character", owner.Principal(), withBadCheck(code), errs.Invalid, "identity.error.credit_code"},
			{"too short", owner.Principal(), code[:17], errs.Invalid, "identity.error.credit_code"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := e.ids.RegisterEnterprise(e.asPrincipal(tc.p), tc.code, "福州闽江数据科技有限公司")
				if kind(err) != tc.kind || message(err) != tc.reason {
					t.Errorf("RegisterEnterprise: %v, want %s %s", err, tc.kind, tc.reason)
				}
			})
		}
		before := lastAudit(t, e.db)
		ent, err := e.ids.RegisterEnterprise(e.as(owner), strings.ToLower(code[:9])+" "+code[9:], " 福州闽江数据科技有限公司 ")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{code, "福州闽江数据科技有限公司", "350100"}, []string{ent.CreditCode, ent.Name, ent.RegionCode}); diff != "" {
			t.Errorf("enterprise mismatch (-want +got):\n%s", diff)
		}
		actions, _ := auditActions(t, e.db, before)
		if diff := cmp.Diff([]string{"identity.enterprise.registered"}, actions); diff != "" {
			t.Errorf("audit mismatch (-want +got):\n%s", diff)
		}
		if _, err := e.ids.RegisterEnterprise(e.as(e.verified(t, "王海燕", 3)), code, "x"); kind(err) != errs.Conflict {
			t.Errorf("registered twice: %v, want conflict", err)
		}
		list, err := e.ids.OwnedEnterprises(e.as(owner))
		if err != nil || len(list) != 1 || list[0].CreditCode != code {
			t.Errorf("OwnedEnterprises: %+v, %v", list, err)
		}
		if list, err := e.ids.OwnedEnterprises(e.as(level1)); err != nil || len(list) != 0 {
			t.Errorf("OwnedEnterprises of another resident: %+v, %v", list, err)
		}
	})
}

func TestAgents(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		owner := e.verified(t, "林小明", 1)
		agent := e.resident(t, "陈美玲", 2)
		stranger := e.verified(t, "王海燕", 3)
		official := e.official(t, "fuzhou.window", "city-fuzhou", principal.RoleWindowOfficer)
		code := creditCode("MA2YXK0L")
		ent, err := e.ids.RegisterEnterprise(e.as(owner), code, "福州闽江数据科技有限公司")
		if err != nil {
			t.Fatal(err)
		}
		now := e.clk.Now()
		grant := identity.Grant{CreditCode: code, Agent: phone(2), Scopes: []string{"taxation", "licences", "taxation"},
			ValidFrom: now, ValidUntil: now.Add(30 * 24 * time.Hour)}

		for _, tc := range []struct {
			name   string
			p      principal.Principal
			change func(g *identity.Grant)
			kind   errs.Kind
			field  string
		}{
			{"stranger", stranger.Principal(), nil, errs.NotFound, ""},
			{"the agent", agent.Principal(), nil, errs.NotFound, ""},
			{"an official", official.Principal(), nil, errs.NotFound, ""},
			{"anonymous", principal.Principal{Kind: principal.Anonymous}, nil, errs.Unauthenticated, ""},
			{"unknown enterprise", owner.Principal(), func(g *identity.Grant) { g.CreditCode = creditCode("12345678") }, errs.NotFound, ""},
			{"no scopes", owner.Principal(), func(g *identity.Grant) { g.Scopes = nil }, errs.Invalid, "scopes"},
			{"unknown scope", owner.Principal(), func(g *identity.Grant) { g.Scopes = []string{"everything"} }, errs.Invalid, "scopes"},
			{"ends before it starts", owner.Principal(), func(g *identity.Grant) { g.ValidUntil = g.ValidFrom }, errs.Invalid, "valid_until"},
			{"ended already", owner.Principal(), func(g *identity.Grant) {
				g.ValidFrom, g.ValidUntil = now.Add(-48*time.Hour), now.Add(-time.Hour)
			}, errs.Invalid, "valid_until"},
			{"longer than three years", owner.Principal(), func(g *identity.Grant) { g.ValidUntil = now.Add(4 * 366 * 24 * time.Hour) }, errs.Invalid, "valid_until"},
			{"unknown agent", owner.Principal(), func(g *identity.Grant) { g.Agent = phone(9) }, errs.Invalid, "agent"},
			{"the owner as own agent", owner.Principal(), func(g *identity.Grant) { g.Agent = phone(1) }, errs.Invalid, "agent"},
			{"an official as agent", owner.Principal(), func(g *identity.Grant) { g.Agent = "fuzhou.window" }, errs.Invalid, "agent"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				g := grant
				g.Scopes = append([]string(nil), grant.Scopes...)
				if tc.change != nil {
					tc.change(&g)
				}
				_, err := e.ids.AuthoriseAgent(e.asPrincipal(tc.p), g)
				if kind(err) != tc.kind || field(err) != tc.field {
					t.Errorf("AuthoriseAgent: %v, want %s on %q", err, tc.kind, tc.field)
				}
			})
		}
		if list, err := e.ids.EnterpriseAgents(e.as(owner), code); err != nil || len(list) != 0 {
			t.Fatalf("refusals left authorisations: %+v, %v", list, err)
		}

		before := lastAudit(t, e.db)
		auth, err := e.ids.AuthoriseAgent(e.as(owner), grant)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{code, "福州闽江数据科技有限公司", "陈美玲", "199****0002", "licences taxation"},
			[]string{auth.CreditCode, auth.Enterprise, auth.AgentName, auth.AgentMasked, strings.Join(auth.ScopeList, " ")}); diff != "" {
			t.Errorf("authorisation mismatch (-want +got):\n%s", diff)
		}
		// Agents are found by resident ID number too.
		byID := grant
		byID.Agent, byID.Scopes = residentID(2), []string{identity.ScopeAll}
		if _, err := e.ids.AuthoriseAgent(e.as(owner), byID); err != nil {
			t.Errorf("agent by ID number: %v", err)
		}
		list, err := e.ids.EnterpriseAgents(e.as(owner), code)
		if err != nil || len(list) != 2 {
			t.Fatalf("EnterpriseAgents: %+v, %v", list, err)
		}
		for _, p := range []principal.Principal{stranger.Principal(), agent.Principal(), official.Principal()} {
			if _, err := e.ids.EnterpriseAgents(e.asPrincipal(p), code); kind(err) != errs.NotFound {
				t.Errorf("EnterpriseAgents as %s: %v, want not found", p.Actor(), err)
			}
		}
		mine, err := e.ids.MyAuthorisations(e.as(agent))
		if err != nil || len(mine) != 2 {
			t.Errorf("MyAuthorisations: %+v, %v", mine, err)
		}
		if mine, err := e.ids.MyAuthorisations(e.as(stranger)); err != nil || len(mine) != 0 {
			t.Errorf("MyAuthorisations of a stranger: %+v, %v", mine, err)
		}

		// The agent acts for the enterprise within the scopes granted.
		opts, err := e.ids.ActingOptions(e.as(agent))
		if err != nil || len(opts) != 1 || opts[0].Owner || opts[0].Enterprise.CreditCode != code {
			t.Fatalf("ActingOptions of the agent: %+v, %v", opts, err)
		}
		if diff := cmp.Diff([]string{identity.ScopeAll, "licences", "taxation"}, opts[0].Scopes); diff != "" {
			t.Errorf("agent's scopes mismatch (-want +got):\n%s", diff)
		}
		if opts, err := e.ids.ActingOptions(e.as(owner)); err != nil || len(opts) != 1 || !opts[0].Owner {
			t.Errorf("ActingOptions of the owner: %+v, %v", opts, err)
		}
		if opts, err := e.ids.ActingOptions(e.as(stranger)); err != nil || len(opts) != 0 {
			t.Errorf("ActingOptions of a stranger: %+v, %v", opts, err)
		}
		session := func(a identity.Account) string {
			t.Helper()
			res, err := e.ids.Login(e.anon(), a.Login, password, identity.Meta{})
			if err != nil {
				t.Fatal(err)
			}
			return res.Token
		}
		tok := session(agent)
		if err := e.ids.ActFor(e.as(agent), tok, code); err != nil {
			t.Fatalf("ActFor: %v", err)
		}
		p, err := e.ids.SessionPrincipal(e.ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		type acting struct {
			Kind          principal.Kind
			AccountID     int64
			ActingFor     string
			ActingForName string
			AgentScopes   []string
		}
		if diff := cmp.Diff(acting{principal.Agent, agent.ID, code, ent.Name, []string{identity.ScopeAll, "licences", "taxation"}},
			acting{p.Kind, p.AccountID, p.ActingFor, p.ActingForName, p.AgentScopes}); diff != "" {
			t.Errorf("acting principal mismatch (-want +got):\n%s", diff)
		}
		if !p.ActsFor(code, "construction") || p.ActsFor(creditCode("12345678"), "") {
			t.Errorf("ActsFor of %+v", p)
		}
		// Strangers and officials cannot act for it.
		if err := e.ids.ActFor(e.as(stranger), session(stranger), code); kind(err) != errs.Forbidden {
			t.Errorf("ActFor by a stranger: %v, want forbidden", err)
		}
		if err := e.ids.ActFor(e.as(official), session(official), code); kind(err) != errs.Forbidden {
			t.Errorf("ActFor by an official: %v, want forbidden", err)
		}
		// Nor with someone else's session.
		if err := e.ids.ActFor(e.as(stranger), tok, ""); kind(err) != errs.Unauthenticated {
			t.Errorf("ActFor on another's session: %v, want unauthenticated", err)
		}

		// Revoking: only the owner, once; the session falls back to the agent's own context.
		auths, err := e.ids.EnterpriseAgents(e.as(owner), code)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []principal.Principal{stranger.Principal(), agent.Principal(), official.Principal(), {Kind: principal.Anonymous}} {
			want := errs.NotFound
			if !p.Authenticated() {
				want = errs.Unauthenticated
			}
			for _, au := range auths {
				if err := e.ids.RevokeAgent(e.asPrincipal(p), au.ID); kind(err) != want {
					t.Errorf("RevokeAgent(%d) as %s: %v, want %s", au.ID, p.Actor(), err, want)
				}
			}
		}
		for _, au := range auths {
			if err := e.ids.RevokeAgent(e.as(owner), au.ID); err != nil {
				t.Fatalf("RevokeAgent(%d): %v", au.ID, err)
			}
		}
		if err := e.ids.RevokeAgent(e.as(owner), auths[0].ID); kind(err) != errs.Conflict {
			t.Errorf("revoked twice: %v, want conflict", err)
		}
		if err := e.ids.RevokeAgent(e.as(owner), 99999); kind(err) != errs.NotFound {
			t.Errorf("unknown authorisation: %v, want not found", err)
		}
		p, err = e.ids.SessionPrincipal(e.ctx, tok)
		if err != nil || p.Kind != principal.Resident || p.ActingFor != "" || p.AgentScopes != nil {
			t.Errorf("after revocation: %+v, %v; want the resident again", p, err)
		}
		if err := e.ids.ActFor(e.as(agent), tok, code); kind(err) != errs.Forbidden {
			t.Errorf("ActFor after revocation: %v, want forbidden", err)
		}
		actions, _ := auditActions(t, e.db, before)
		want := []string{"identity.agent.authorised", "identity.agent.authorised", "identity.acting_for.changed", "identity.agent.revoked", "identity.agent.revoked"}
		// Logins in between are audited too; compare the enterprise's own actions.
		var got []string
		for _, a := range actions {
			if strings.HasPrefix(a, "identity.agent.") || strings.HasPrefix(a, "identity.acting_for.") {
				got = append(got, a)
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("audit mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestAgentAuthorisationPeriod(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		owner := e.verified(t, "林小明", 1)
		agent := e.resident(t, "陈美玲", 2)
		code := creditCode("MA2YXK0L")
		if _, err := e.ids.RegisterEnterprise(e.as(owner), code, "福州闽江数据科技有限公司"); err != nil {
			t.Fatal(err)
		}
		now := e.clk.Now()
		// Valid from tomorrow, for one day.
		if _, err := e.ids.AuthoriseAgent(e.as(owner), identity.Grant{CreditCode: code, Agent: phone(2), Scopes: []string{"licences"},
			ValidFrom: now.Add(24 * time.Hour), ValidUntil: now.Add(48 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		res, err := e.ids.Login(e.anon(), agent.Login, password, identity.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.ids.ActFor(e.as(agent), res.Token, code); kind(err) != errs.Forbidden {
			t.Errorf("ActFor before the authorisation starts: %v, want forbidden", err)
		}
		e.clk.Set(now.Add(47 * time.Hour)) // an hour before it ends
		res, err = e.ids.Login(e.anon(), agent.Login, password, identity.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.ids.ActFor(e.as(agent), res.Token, code); err != nil {
			t.Fatalf("ActFor while valid: %v", err)
		}
		if p, err := e.ids.SessionPrincipal(e.ctx, res.Token); err != nil || p.Kind != principal.Agent {
			t.Errorf("while valid: %+v, %v", p, err)
		}
		e.clk.Advance(time.Hour)
		if p, err := e.ids.SessionPrincipal(e.ctx, res.Token); err != nil || p.Kind != principal.Resident || p.ActingFor != "" {
			t.Errorf("after expiry: %+v, %v; want the resident again", p, err)
		}
		// Returning to one's own context.
		if err := e.ids.ActFor(e.as(agent), res.Token, ""); err != nil {
			t.Errorf("ActFor(\"\"): %v", err)
		}
		if p, err := e.ids.SessionPrincipal(e.ctx, res.Token); err != nil || p.Kind != principal.Resident {
			t.Errorf("own context: %+v, %v", p, err)
		}
		// The owner acts for the enterprise with every scope.
		own, err := e.ids.Login(e.anon(), owner.Login, password, identity.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.ids.ActFor(e.as(owner), own.Token, code); err != nil {
			t.Fatal(err)
		}
		if p, err := e.ids.SessionPrincipal(e.ctx, own.Token); err != nil || p.Kind != principal.Agent || !p.ActsFor(code, "taxation") {
			t.Errorf("owner acting: %+v, %v", p, err)
		}
	})
}
