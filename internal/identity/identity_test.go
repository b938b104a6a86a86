package identity_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

func TestPasswordHash(t *testing.T) {
	h, err := identity.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$") {
		t.Errorf("hash %q is not argon2id PHC", h)
	}
	if !identity.CheckPassword(h, "correct horse battery") {
		t.Error("right password refused")
	}
	for _, bad := range []string{"", "correct horse batterY", "correct horse battery "} {
		if identity.CheckPassword(h, bad) {
			t.Errorf("wrong password %q accepted", bad)
		}
	}
	for _, broken := range []string{"", "$argon2id$", h[:len(h)-5] + "!!!!!", "$argon2i$v=19$m=1,t=1,p=1$AA$AA"} {
		if identity.CheckPassword(broken, "correct horse battery") {
			t.Errorf("broken hash %q accepted", broken)
		}
	}
	if _, err := identity.HashPassword("short"); !errs.Is(err, errs.Invalid) {
		t.Errorf("short password: err = %v", err)
	}
}

func TestAccountsAndSessions(t *testing.T) {
	fake := clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, clock.China))
	storetest.EachWith(t, storetest.Options{Clock: fake}, func(t *testing.T, db *store.DB) {
		ctx := principal.With(context.Background(), principal.SystemPrincipal)
		if _, err := org.Seed(ctx, db, []org.Organisation{{Code: "fj-test", Kind: org.Department, NameHans: "省测试厅", NameHant: "省測試廳", NameEn: "Test Dept", RegionCode: "350000"}}); err != nil {
			t.Fatal(err)
		}
		a, err := identity.CreateAccount(ctx, db, identity.NewAccount{Login: "Chen.Jie", Kind: principal.Official,
			DisplayName: "陈洁", OrgCode: "fj-test", Roles: []string{principal.RoleReviewer}, Password: "demo-password-1"})
		if err != nil {
			t.Fatal(err)
		}
		if a.Login != "chen.jie" {
			t.Errorf("login not normalised: %q", a.Login)
		}
		for _, tc := range []struct {
			name string
			ctx  context.Context
			n    identity.NewAccount
			kind errs.Kind
		}{
			{"taken", ctx, identity.NewAccount{Login: "chen.jie", Kind: principal.Official, DisplayName: "x", OrgCode: "fj-test", Password: "demo-password-1"}, errs.Conflict},
			{"bad login", ctx, identity.NewAccount{Login: "陈", Kind: principal.Official, DisplayName: "x", OrgCode: "fj-test", Password: "demo-password-1"}, errs.Invalid},
			{"unknown role", ctx, identity.NewAccount{Login: "x.y", Kind: principal.Official, DisplayName: "x", OrgCode: "fj-test", Roles: []string{"king"}, Password: "demo-password-1"}, errs.Invalid},
			{"unknown org", ctx, identity.NewAccount{Login: "x.z", Kind: principal.Official, DisplayName: "x", OrgCode: "nowhere", Password: "demo-password-1"}, errs.Conflict},
			{"not administrator", principal.With(context.Background(), a.Principal()), identity.NewAccount{Login: "x.w", Kind: principal.Official, DisplayName: "x", OrgCode: "fj-test", Password: "demo-password-1"}, errs.Forbidden},
		} {
			if _, err := identity.CreateAccount(tc.ctx, db, tc.n); errs.KindOf(err) != tc.kind {
				t.Errorf("%s: err = %v, want %s", tc.name, err, tc.kind)
			}
		}

		if _, _, err := identity.Login(context.Background(), db, "chen.jie", "wrong-password"); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("wrong password: %v", err)
		}
		if _, _, err := identity.Login(context.Background(), db, "nobody", "wrong-password"); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("unknown login: %v", err)
		}
		token, _, err := identity.Login(context.Background(), db, " CHEN.JIE ", "demo-password-1")
		if err != nil {
			t.Fatal(err)
		}
		p, err := identity.SessionPrincipal(context.Background(), db, token)
		if err != nil {
			t.Fatal(err)
		}
		if p.Kind != principal.Official || p.OrgCode != "fj-test" || !p.HasRole(principal.RoleReviewer) {
			t.Errorf("principal = %+v", p)
		}
		if _, err := identity.SessionPrincipal(context.Background(), db, token+"x"); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("forged token: %v", err)
		}
		fake.Advance(identity.SessionTTL + time.Second)
		if _, err := identity.SessionPrincipal(context.Background(), db, token); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("expired session: %v", err)
		}
		fake.Advance(-identity.SessionTTL - time.Second)
		if err := identity.Logout(principal.With(context.Background(), p), db, token); err != nil {
			t.Fatal(err)
		}
		if _, err := identity.SessionPrincipal(context.Background(), db, token); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("session after logout: %v", err)
		}
		events, err := audit.List(ctx, db, audit.Filter{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range events {
			actions = append(actions, e.Action)
		}
		got := strings.Join(actions, " ")
		for _, want := range []string{"identity.login.failed", "identity.login.succeeded", "identity.logout", "identity.account.created"} {
			if !strings.Contains(got, want) {
				t.Errorf("audit log lacks %s: %s", want, got)
			}
		}
	})
}
