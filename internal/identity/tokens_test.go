package identity_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

func TestCreateToken(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.resident(t, "林小明", 1)
		b := e.resident(t, "陈美玲", 2)
		admin := e.official(t, "szb.admin", identity.DigitalOffice, principal.RoleAdministrator)
		day := 24 * time.Hour
		ok := identity.NewToken{Name: "报表脚本", Scopes: []string{principal.ScopeAPIRead}, TTL: 30 * day}
		tokenOf := func(a identity.Account) principal.Principal {
			p := a.Principal()
			p.Via = "token"
			p.Scopes = []string{principal.ScopeAPIWrite}
			return p
		}
		for _, tc := range []struct {
			name   string
			p      principal.Principal
			change func(n *identity.NewToken)
			kind   errs.Kind
			field  string
		}{
			{"anonymous", principal.Principal{Kind: principal.Anonymous}, nil, errs.Unauthenticated, ""},
			{"no name", a.Principal(), func(n *identity.NewToken) { n.Name = " " }, errs.Invalid, "name"},
			{"name too long", a.Principal(), func(n *identity.NewToken) { n.Name = strings.Repeat("名", 101) }, errs.Invalid, "name"},
			{"no scope", a.Principal(), func(n *identity.NewToken) { n.Scopes = nil }, errs.Invalid, "scope"},
			{"unknown scope", a.Principal(), func(n *identity.NewToken) { n.Scopes = []string{"admin"} }, errs.Invalid, "scope"},
			{"zero TTL", a.Principal(), func(n *identity.NewToken) { n.TTL = 0 }, errs.Invalid, "ttl"},
			{"negative TTL", a.Principal(), func(n *identity.NewToken) { n.TTL = -day }, errs.Invalid, "ttl"},
			{"TTL over the maximum", a.Principal(), func(n *identity.NewToken) { n.TTL = identity.MaxTokenTTL + time.Second }, errs.Invalid, "ttl"},
			{"for another account", a.Principal(), func(n *identity.NewToken) { n.Account = b.Login }, errs.Forbidden, ""},
			{"administrator for another account", admin.Principal(), func(n *identity.NewToken) { n.Account = b.Login }, errs.Forbidden, ""},
			{"for an unknown account", principal.SystemPrincipal, func(n *identity.NewToken) { n.Account = "nobody.here" }, errs.Invalid, "account"},
			{"system for nobody", principal.SystemPrincipal, nil, errs.Invalid, "account"},
			{"from a token", tokenOf(a), nil, errs.Forbidden, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				n := ok
				if tc.change != nil {
					tc.change(&n)
				}
				_, tok, err := e.ids.CreateToken(e.asPrincipal(tc.p), n)
				if kind(err) != tc.kind || field(err) != tc.field || tok != "" {
					t.Errorf("CreateToken: %q, %v; want %s on %q", tok, err, tc.kind, tc.field)
				}
			})
		}
		if list, err := e.ids.Tokens(e.as(a)); err != nil || len(list) != 0 {
			t.Fatalf("refusals created tokens: %+v, %v", list, err)
		}

		before := lastAudit(t, e.db)
		n := ok
		n.Scopes = []string{principal.ScopeAPIWrite, principal.ScopeAPIRead, principal.ScopeAPIRead}
		n.TTL = identity.MaxTokenTTL
		at, tok, err := e.ids.CreateToken(e.as(a), n)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(tok, identity.TokenPrefix+at.Prefix+"_") {
			t.Errorf("token %q does not start with %s%s_", tok, identity.TokenPrefix, at.Prefix)
		}
		if diff := cmp.Diff([]string{principal.ScopeAPIRead, principal.ScopeAPIWrite}, at.ScopeList); diff != "" {
			t.Errorf("scopes mismatch (-want +got):\n%s", diff)
		}
		if !at.ExpiresAt.Equal(start.Add(identity.MaxTokenTTL)) {
			t.Errorf("expires at %v, want %v", at.ExpiresAt, start.Add(identity.MaxTokenTTL))
		}
		actions, _ := auditActions(t, e.db, before)
		if diff := cmp.Diff([]string{"identity.token.created"}, actions); diff != "" {
			t.Errorf("audit mismatch (-want +got):\n%s", diff)
		}
		// The token is stored only as a hash.
		var stored int
		if err := e.db.Get(e.ctx, &stored, `SELECT COUNT(*) FROM access_tokens WHERE token_hash = ? OR prefix = ? AND name = ?`, tok, tok, tok); err != nil || stored != 0 {
			t.Errorf("the token itself is stored (%d rows, %v)", stored, err)
		}
		// Yiwang itself makes tokens for any account.
		sysTok, _, err := e.ids.CreateToken(e.sys(), identity.NewToken{Account: b.Login, Name: "cli", Scopes: []string{principal.ScopeAPIRead}, TTL: day})
		if err != nil || sysTok.AccountID != b.ID {
			t.Errorf("CreateToken as the system: %+v, %v", sysTok, err)
		}
		// A person may name themselves.
		if _, _, err := e.ids.CreateToken(e.as(a), identity.NewToken{Account: strings.ToUpper(a.Login), Name: "x", Scopes: []string{principal.ScopeAPIRead}, TTL: day}); err != nil {
			t.Errorf("CreateToken naming oneself: %v", err)
		}
	})
}

func TestTokenPrincipal(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.verified(t, "林小明", 1)
		b := e.resident(t, "陈美玲", 2)
		admin := e.official(t, "szb.admin", identity.DigitalOffice, principal.RoleAdministrator, principal.RoleReviewer)
		day := 24 * time.Hour
		create := func(acc identity.Account, ttl time.Duration, scopes ...string) (identity.AccessToken, string) {
			t.Helper()
			at, tok, err := e.ids.CreateToken(e.as(acc), identity.NewToken{Name: "t", Scopes: scopes, TTL: ttl})
			if err != nil {
				t.Fatal(err)
			}
			return at, tok
		}
		_, readTok := create(a, 30*day, principal.ScopeAPIRead)
		p, err := e.ids.TokenPrincipal(e.ctx, readTok)
		if err != nil {
			t.Fatal(err)
		}
		type summary struct {
			Kind   principal.Kind
			ID     int64
			Level  int
			Scopes []string
			Via    string
			Read   bool
			Write  bool
		}
		if diff := cmp.Diff(summary{principal.Resident, a.ID, 2, []string{principal.ScopeAPIRead}, "token", true, false},
			summary{p.Kind, p.AccountID, p.RealNameLevel, p.Scopes, p.Via, p.Allows(principal.ScopeAPIRead), p.Allows(principal.ScopeAPIWrite)}); diff != "" {
			t.Errorf("token principal mismatch (-want +got):\n%s", diff)
		}
		_, adminTok := create(admin, day, principal.ScopeAPIWrite)
		if p, err := e.ids.TokenPrincipal(e.ctx, adminTok); err != nil || p.Kind != principal.Official || p.OrgCode != identity.DigitalOffice ||
			!p.HasRole(principal.RoleAdministrator) || !p.Allows(principal.ScopeAPIWrite) {
			t.Errorf("official's token principal: %+v, %v", p, err)
		}
		// A token cannot mint a token.
		if _, _, err := e.ids.CreateToken(e.asPrincipal(p), identity.NewToken{Name: "child", Scopes: []string{principal.ScopeAPIRead}, TTL: day}); kind(err) != errs.Forbidden ||
			message(err) != "identity.error.token_from_token" {
			t.Errorf("CreateToken from a token: %v, want token_from_token", err)
		}
		// Last use is noted, at most once an hour.
		list, err := e.ids.Tokens(e.as(a))
		if err != nil || len(list) != 1 || list[0].LastUsedAt == nil {
			t.Fatalf("Tokens: %+v, %v", list, err)
		}

		// Expiry.
		_, short := create(a, time.Hour, principal.ScopeAPIRead)
		e.clk.Advance(time.Hour - time.Second)
		if _, err := e.ids.TokenPrincipal(e.ctx, short); err != nil {
			t.Errorf("just before expiry: %v", err)
		}
		e.clk.Advance(time.Second)
		if _, err := e.ids.TokenPrincipal(e.ctx, short); kind(err) != errs.Unauthenticated {
			t.Errorf("at expiry: %v, want unauthenticated", err)
		}

		// Revocation: only one's own; another's is not found.
		at, revTok := create(a, day, principal.ScopeAPIWrite)
		for _, p := range []principal.Principal{b.Principal(), admin.Principal()} {
			if err := e.ids.RevokeToken(e.asPrincipal(p), at.ID); kind(err) != errs.NotFound {
				t.Errorf("RevokeToken of A's token as %s: %v, want not found", p.Actor(), err)
			}
		}
		if err := e.ids.RevokeToken(e.anon(), at.ID); kind(err) != errs.Unauthenticated {
			t.Errorf("RevokeToken anonymous: %v", err)
		}
		if _, err := e.ids.TokenPrincipal(e.ctx, revTok); err != nil {
			t.Errorf("refused revocations revoked the token: %v", err)
		}
		before := lastAudit(t, e.db)
		if err := e.ids.RevokeToken(e.as(a), at.ID); err != nil {
			t.Fatal(err)
		}
		actions, _ := auditActions(t, e.db, before)
		if diff := cmp.Diff([]string{"identity.token.revoked"}, actions); diff != "" {
			t.Errorf("audit mismatch (-want +got):\n%s", diff)
		}
		if _, err := e.ids.TokenPrincipal(e.ctx, revTok); kind(err) != errs.Unauthenticated {
			t.Errorf("revoked token: %v, want unauthenticated", err)
		}
		if err := e.ids.RevokeToken(e.as(a), 99999); kind(err) != errs.NotFound {
			t.Errorf("RevokeToken of no token: %v", err)
		}
		// Others' lists do not show A's tokens.
		if list, err := e.ids.Tokens(e.as(b)); err != nil || len(list) != 0 {
			t.Errorf("B's tokens: %+v, %v", list, err)
		}
		if _, err := e.ids.Tokens(e.anon()); kind(err) != errs.Unauthenticated {
			t.Errorf("Tokens anonymous: %v", err)
		}

		// A disabled account's tokens stop working.
		_, bTok := create(b, day, principal.ScopeAPIRead)
		if err := e.ids.SetDisabled(e.as(admin), b.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := e.ids.TokenPrincipal(e.ctx, bTok); kind(err) != errs.Unauthenticated {
			t.Errorf("token of a disabled account: %v", err)
		}
		for _, bad := range []string{"", "ywpat_", "ywpat_nothing_here", "Bearer " + readTok, readTok + "x", strings.Repeat("ywpat_", 30)} {
			if _, err := e.ids.TokenPrincipal(e.ctx, bad); kind(err) != errs.Unauthenticated {
				t.Errorf("TokenPrincipal(%.20q…): %v", bad, err)
			}
		}
	})
}
