package identity_test

import (
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// TestOwnerActingForOwnEnterprise: the legal representative acting for the enterprise is still
// its owner and manages its agents in that context.
func TestOwnerActingForOwnEnterprise(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		owner := e.verified(t, "林小明", 1)
		e.resident(t, "陈美玲", 2)
		code := creditCode("MA2YXK0L")
		if _, err := e.ids.RegisterEnterprise(e.as(owner), code, "福州闽江数据科技有限公司"); err != nil {
			t.Fatal(err)
		}
		res, err := e.ids.Login(e.anon(), phone(1), password, identity.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.ids.ActFor(e.as(owner), res.Token, code); err != nil {
			t.Fatal(err)
		}
		p, err := e.ids.SessionPrincipal(e.ctx, res.Token)
		if err != nil || p.Kind != principal.Agent || p.ActingFor != code {
			t.Fatalf("owner acting for the enterprise: %+v, %v", p, err)
		}
		ctx := e.asPrincipal(p)
		now := e.clk.Now()
		a, err := e.ids.AuthoriseAgent(ctx, identity.Grant{CreditCode: code, Agent: phone(2), Scopes: []string{"licences"},
			ValidFrom: now, ValidUntil: now.Add(30 * 24 * time.Hour)})
		if err != nil {
			t.Fatalf("AuthoriseAgent while acting for the enterprise: %v", err)
		}
		if list, err := e.ids.EnterpriseAgents(ctx, code); err != nil || len(list) != 1 {
			t.Errorf("EnterpriseAgents while acting: %d, %v", len(list), err)
		}
		if err := e.ids.RevokeAgent(ctx, a.ID); err != nil {
			t.Errorf("RevokeAgent while acting: %v", err)
		}
		if err := e.ids.RevokeAgent(ctx, a.ID); kind(err) != errs.Conflict {
			t.Errorf("RevokeAgent twice: %v, want conflict", err)
		}
	})
}

// TestRecoverRevokesTokens: recovery follows a lost or stolen password, so the tokens issued
// before it stop working.
func TestRecoverRevokesTokens(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.resident(t, "林小明", 1)
		_, token, err := e.ids.CreateToken(e.as(a), identity.NewToken{Name: "脚本", Scopes: []string{principal.ScopeAPIRead}, TTL: 24 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		code := e.sendCode(t, phone(1), identity.PurposeRecovery)
		if err := e.ids.Recover(e.anon(), phone(1), code, "a-new-password-2026", identity.Meta{}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.ids.TokenPrincipal(e.ctx, token); kind(err) != errs.Unauthenticated {
			t.Errorf("token after recovery: %v, want unauthenticated", err)
		}
	})
}

// TestRevokeTokenTwice: a second revocation is a conflict, not a second audit record.
func TestRevokeTokenTwice(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.resident(t, "林小明", 1)
		tok, _, err := e.ids.CreateToken(e.as(a), identity.NewToken{Name: "脚本", Scopes: []string{principal.ScopeAPIRead}, TTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.ids.RevokeToken(e.as(a), tok.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.ids.RevokeToken(e.as(a), tok.ID); kind(err) != errs.Conflict {
			t.Errorf("second RevokeToken: %v, want conflict", err)
		}
	})
}

// TestWrongConfirmationPasswordsLock: a stolen session guessing the password to change it, or to
// turn TOTP off, runs into the same lockout as the login form.
func TestWrongConfirmationPasswordsLock(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.resident(t, "林小明", 1)
		for i := range 5 {
			var err error
			if i%2 == 0 {
				err = e.ids.ChangePassword(e.as(a), "guess-number-"+string(rune('0'+i)), "a-new-password-2026")
			} else {
				err = e.ids.DisableTOTP(e.as(a), "guess-number-"+string(rune('0'+i)))
			}
			if kind(err) != errs.Invalid {
				t.Fatalf("wrong confirmation password %d: %v", i, err)
			}
		}
		if _, err := e.ids.Login(e.anon(), phone(1), password, identity.Meta{}); message(err) != "identity.error.locked" {
			t.Errorf("login after 5 wrong confirmation passwords: %v, want locked", err)
		}
	})
}

// TestNoRegistrationCodeForDisabledPhone: a disabled account's phone is still taken, so no
// registration code goes to it.
func TestNoRegistrationCodeForDisabledPhone(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.resident(t, "林小明", 1)
		if err := e.ids.SetDisabled(e.sys(), a.ID, true); err != nil {
			t.Fatal(err)
		}
		before := e.outboxCount(t, phone(1))
		if err := e.ids.RequestCode(e.anon(), phone(1), identity.PurposeRegister); err != nil {
			t.Fatal(err)
		}
		e.clk.Advance(2 * time.Minute)
		if err := e.ids.RequestCode(e.anon(), phone(1), identity.PurposeLogin); err != nil {
			t.Fatal(err)
		}
		if n := e.outboxCount(t, phone(1)); n != before {
			t.Errorf("codes sent to a disabled account's phone: %d, want none", n-before)
		}
	})
}

// TestLoginTime: a live session's start is the moment its person signed in (after the TOTP
// step), what the OpenID Connect provider reports as auth_time; pending, ended, expired and
// other people's sessions have none.
func TestLoginTime(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.resident(t, "林小明", 1)
		other := e.resident(t, "陈美玲", 2)
		began := e.clk.Now()
		res, err := e.ids.Login(e.anon(), phone(1), password, identity.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		e.clk.Advance(10 * time.Minute)
		p, err := e.ids.SessionPrincipal(e.ctx, res.Token)
		if err != nil {
			t.Fatal(err)
		}
		at, err := e.ids.LoginTime(e.ctx, a.ID, p.Session)
		if err != nil || !at.Equal(began.UTC().Truncate(time.Microsecond)) {
			t.Errorf("LoginTime = %v, %v; want %v", at, err, began)
		}
		if _, err := e.ids.LoginTime(e.ctx, other.ID, p.Session); kind(err) != errs.NotFound {
			t.Errorf("LoginTime of another's account: %v, want not found", err)
		}
		e.clk.Advance(identity.SessionTTL)
		if _, err := e.ids.LoginTime(e.ctx, a.ID, p.Session); kind(err) != errs.NotFound {
			t.Errorf("LoginTime of an expired session: %v, want not found", err)
		}
	})
}
