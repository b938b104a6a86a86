package identity_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pquerna/otp/totp"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

func TestLoginIdentifiers(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		var withX string
		for seq := 0; withX == ""; seq++ {
			if n := idcode.NewResidentID("350203", time.Date(1975, 10, 1, 0, 0, 0, 0, clock.China), seq); n[17] == 'X' {
				withX = n
			}
		}
		a, err := e.ids.ImportResident(e.sys(), identity.Registration{Name: "郑海峰", IDType: identity.ResidentID, IDNumber: withX,
			Phone: phone(1), Password: password})
		if err != nil {
			t.Fatal(err)
		}
		official := e.official(t, "gxt.officer", "fj-miit")
		for _, tc := range []struct {
			name, identifier, password string
			want                       int64 // account id; 0 for a refusal
		}{
			{"resident by login", a.Login, password, a.ID},
			{"resident by login in capitals", " " + strings.ToUpper(a.Login) + " ", password, a.ID},
			{"resident by phone", phone(1), password, a.ID},
			{"resident by phone with +86", "+86" + phone(1), password, a.ID},
			{"resident by ID number", withX, password, a.ID},
			{"resident by ID number with a small x", strings.ToLower(withX), password, a.ID},
			{"official by login", "GXT.officer", password, official.ID},
			{"wrong password", phone(1), password + "x", 0},
			{"password of someone else", "gxt.officer", "x" + password, 0},
			{"unknown login", "nobody.here", password, 0},
			{"unknown phone", phone(2), password, 0},
			{"unknown ID number", residentID(2), password, 0},
			{"empty", "", "", 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, err := e.ids.Login(e.anon(), tc.identifier, tc.password, identity.Meta{ClientIP: "192.0.2.1"})
				if tc.want == 0 {
					if kind(err) != errs.Unauthenticated || message(err) != "error.bad_credentials" || res.Token != "" {
						t.Errorf("Login: %+v, %v; want bad_credentials", res, err)
					}
					return
				}
				if err != nil || res.Account.ID != tc.want || res.Token == "" || res.NeedTOTP {
					t.Fatalf("Login: %+v, %v", res, err)
				}
				p, err := e.ids.SessionPrincipal(e.ctx, res.Token)
				if err != nil || p.AccountID != tc.want || p.Via != "session" {
					t.Errorf("SessionPrincipal: %+v, %v", p, err)
				}
			})
		}
	})
}

// lockedUntil reads when a's password login unlocks, zero if it is not locked.
func (e *env) lockedUntil(t *testing.T, a identity.Account) time.Time {
	t.Helper()
	if u := e.reload(t, a).LockedUntil; u != nil {
		return u.In(clock.China)
	}
	return time.Time{}
}

// failLogins tries n wrong passwords for a.
func (e *env) failLogins(t *testing.T, a identity.Account, n int) {
	t.Helper()
	for range n {
		if _, err := e.ids.Login(e.anon(), a.Login, "wrong-password-000", identity.Meta{ClientIP: "203.0.113.9"}); kind(err) != errs.Unauthenticated {
			t.Fatalf("wrong password: %v", err)
		}
	}
}

func TestLockout(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.resident(t, "林小明", 1)
		e.failLogins(t, a, 4)
		if u := e.lockedUntil(t, a); !u.IsZero() {
			t.Fatalf("locked after 4 failures until %v", u)
		}
		before := lastAudit(t, e.db)
		e.failLogins(t, a, 1)
		if diff := cmp.Diff(start.Add(15*time.Minute), e.lockedUntil(t, a)); diff != "" {
			t.Errorf("lock after 5 failures mismatch (-want +got):\n%s", diff)
		}
		actions, _ := auditActions(t, e.db, before)
		if diff := cmp.Diff([]string{"identity.login.failed", "identity.login.locked"}, actions); diff != "" {
			t.Errorf("audit of the fifth failure mismatch (-want +got):\n%s", diff)
		}
		// While locked, even the right password is refused, and says so.
		e.clk.Advance(15*time.Minute - time.Second)
		_, err := e.ids.Login(e.anon(), a.Login, password, identity.Meta{})
		if kind(err) != errs.Unauthenticated || message(err) != "identity.error.locked" {
			t.Errorf("right password during the lock: %v, want locked", err)
		}
		// The lock ends by itself.
		e.clk.Advance(time.Second)
		if res, err := e.ids.Login(e.anon(), a.Login, password, identity.Meta{}); err != nil || res.Token == "" {
			t.Fatalf("right password after the lock: %v", err)
		}
		if u := e.lockedUntil(t, a); !u.IsZero() {
			t.Errorf("still locked until %v after a login", u)
		}
		// A success resets the count: four more failures do not lock.
		e.failLogins(t, a, 4)
		if u := e.lockedUntil(t, a); !u.IsZero() {
			t.Errorf("locked until %v by 4 failures after a success", u)
		}
	})
}

func TestLockoutDoubles(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.resident(t, "林小明", 1)
		var got []time.Duration
		for range 6 {
			e.failLogins(t, a, 5)
			u := e.lockedUntil(t, a)
			d := u.Sub(e.clk.Now())
			got = append(got, d)
			e.clk.Set(u)
		}
		want := []time.Duration{15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 2 * time.Hour, 2 * time.Hour}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("lock durations mismatch (-want +got):\n%s", diff)
		}
		// Guesses during a lock neither count nor move it.
		e.failLogins(t, a, 5)
		u := e.lockedUntil(t, a)
		e.failLogins(t, a, 10)
		if diff := cmp.Diff(u, e.lockedUntil(t, a)); diff != "" {
			t.Errorf("guesses during the lock moved it (-want +got):\n%s", diff)
		}
	})
}

func TestLoginWithCodeDuringLock(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.resident(t, "林小明", 1)
		e.failLogins(t, a, 5)
		code := e.sendCode(t, phone(1), identity.PurposeLogin)
		if _, err := e.ids.LoginWithCode(e.anon(), phone(1), wrong(code), identity.Meta{}); message(err) != "identity.error.code_wrong" {
			t.Errorf("wrong code: %v, want code_wrong", err)
		}
		res, err := e.ids.LoginWithCode(e.anon(), phone(1), code, identity.Meta{})
		if err != nil || res.Token == "" || res.Account.ID != a.ID {
			t.Fatalf("LoginWithCode during the lock: %+v, %v", res, err)
		}
		if p, err := e.ids.SessionPrincipal(e.ctx, res.Token); err != nil || p.AccountID != a.ID {
			t.Errorf("SessionPrincipal: %+v, %v", p, err)
		}
		// The code is spent, and a code for signing in cannot recover the account.
		if _, err := e.ids.LoginWithCode(e.anon(), phone(1), code, identity.Meta{}); message(err) != "identity.error.code_expired" {
			t.Errorf("code used twice: %v, want code_expired", err)
		}
		// Signing in with the code ended the lock.
		if res, err := e.ids.Login(e.anon(), phone(1), password, identity.Meta{}); err != nil || res.Token == "" {
			t.Errorf("password after a code login: %v", err)
		}
		// A code for another phone's account does not sign in here.
		e.resident(t, "陈美玲", 2)
		e.clk.Advance(time.Minute)
		other := e.sendCode(t, phone(2), identity.PurposeLogin)
		if _, err := e.ids.LoginWithCode(e.anon(), phone(1), other, identity.Meta{}); err == nil {
			t.Errorf("a code sent to %s signed in %s", phone(2), phone(1))
		}
		if _, err := e.ids.LoginWithCode(e.anon(), phone(3), other, identity.Meta{}); message(err) != "identity.error.code_expired" {
			t.Errorf("phone without an account: %v, want code_expired", err)
		}
	})
}

// totpCode is the code an authenticator app shows for secret now.
func totpCode(t *testing.T, secret string, now time.Time) string {
	t.Helper()
	code, err := totp.GenerateCode(secret, now)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// enableTOTP turns TOTP on for a and returns its secret.
func (e *env) enableTOTP(t *testing.T, a identity.Account) string {
	t.Helper()
	setup, err := e.ids.BeginTOTP(e.as(a))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.ids.ConfirmTOTP(e.as(a), totpCode(t, setup.Secret, e.clk.Now())); err != nil {
		t.Fatalf("ConfirmTOTP: %v", err)
	}
	return setup.Secret
}

// TestOwnerWithTOTPGetsInDuringLock: a stranger who guesses passwords must not lock the owner
// out, also when the owner has TOTP: a one-time code and the TOTP code sign them in.
func TestOwnerWithTOTPGetsInDuringLock(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.resident(t, "林小明", 1)
		secret := e.enableTOTP(t, a)
		e.clk.Advance(time.Minute)
		e.failLogins(t, a, 5)
		res, err := e.ids.LoginWithCode(e.anon(), phone(1), e.sendCode(t, phone(1), identity.PurposeLogin), identity.Meta{})
		if err != nil || !res.NeedTOTP {
			t.Fatalf("LoginWithCode: %+v, %v; want a pending login", res, err)
		}
		res, err = e.ids.LoginTOTP(e.anon(), res.Token, totpCode(t, secret, e.clk.Now()), identity.Meta{})
		if err != nil || res.Token == "" {
			t.Errorf("LoginTOTP after a one-time code during the lock: %v; the owner is locked out", err)
		}
	})
}

func TestTOTP(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.resident(t, "林小明", 1)
		if err := e.ids.ConfirmTOTP(e.as(a), "123456"); kind(err) != errs.Conflict {
			t.Errorf("ConfirmTOTP before BeginTOTP: %v, want conflict", err)
		}
		setup, err := e.ids.BeginTOTP(e.as(a))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(setup.URL, "otpauth://totp/") || !strings.Contains(setup.URL, a.Login) || len(setup.QRCode) == 0 {
			t.Errorf("setup: URL %q, %d bytes of QR code", setup.URL, len(setup.QRCode))
		}
		// A wrong code does not turn TOTP on, and password login still opens a session.
		now := totpCode(t, setup.Secret, e.clk.Now())
		if err := e.ids.ConfirmTOTP(e.as(a), wrong(now)); field(err) != "code" {
			t.Errorf("ConfirmTOTP with a wrong code: %v", err)
		}
		if res, err := e.ids.Login(e.anon(), a.Login, password, identity.Meta{}); err != nil || res.NeedTOTP {
			t.Errorf("Login before confirming: %+v, %v", res, err)
		}
		if err := e.ids.ConfirmTOTP(e.as(a), now); err != nil {
			t.Fatalf("ConfirmTOTP: %v", err)
		}
		if _, err := e.ids.BeginTOTP(e.as(a)); kind(err) != errs.Conflict {
			t.Errorf("BeginTOTP while on: %v, want conflict", err)
		}

		res, err := e.ids.Login(e.anon(), a.Login, password, identity.Meta{})
		if err != nil || !res.NeedTOTP || res.Token == "" {
			t.Fatalf("Login with TOTP on: %+v, %v", res, err)
		}
		if _, err := e.ids.SessionPrincipal(e.ctx, res.Token); kind(err) != errs.Unauthenticated {
			t.Errorf("a pending login is a session: %v", err)
		}
		// The code just used to confirm cannot be replayed.
		if _, err := e.ids.LoginTOTP(e.anon(), res.Token, now, identity.Meta{}); field(err) != "code" {
			t.Errorf("replayed code: %v, want refused", err)
		}
		e.clk.Advance(30 * time.Second)
		next := totpCode(t, setup.Secret, e.clk.Now())
		done, err := e.ids.LoginTOTP(e.anon(), res.Token, next, identity.Meta{})
		if err != nil || done.Token == "" || done.Token == res.Token {
			t.Fatalf("LoginTOTP: %+v, %v", done, err)
		}
		if p, err := e.ids.SessionPrincipal(e.ctx, done.Token); err != nil || p.AccountID != a.ID {
			t.Errorf("SessionPrincipal: %+v, %v", p, err)
		}
		// The pending token is spent; the same code does not serve a second login.
		if _, err := e.ids.LoginTOTP(e.anon(), res.Token, next, identity.Meta{}); message(err) != "identity.error.login_expired" {
			t.Errorf("pending token reused: %v, want login_expired", err)
		}
		again, err := e.ids.Login(e.anon(), a.Login, password, identity.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.ids.LoginTOTP(e.anon(), again.Token, next, identity.Meta{}); field(err) != "code" {
			t.Errorf("code replayed in a second login: %v, want refused", err)
		}
		// A code from one step either side is accepted (clock drift); two steps is not.
		e.clk.Advance(30 * time.Second)
		if _, err := e.ids.LoginTOTP(e.anon(), again.Token, totpCode(t, setup.Secret, e.clk.Now().Add(-60*time.Second)), identity.Meta{}); field(err) != "code" {
			t.Errorf("code two steps old: %v, want refused", err)
		}
		if _, err := e.ids.LoginTOTP(e.anon(), again.Token, totpCode(t, setup.Secret, e.clk.Now().Add(30*time.Second)), identity.Meta{}); err != nil {
			t.Errorf("code of the next step: %v", err)
		}
		// A pending login expires.
		e.clk.Advance(time.Minute)
		late, err := e.ids.Login(e.anon(), a.Login, password, identity.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		e.clk.Advance(5 * time.Minute)
		if _, err := e.ids.LoginTOTP(e.anon(), late.Token, totpCode(t, setup.Secret, e.clk.Now()), identity.Meta{}); message(err) != "identity.error.login_expired" {
			t.Errorf("late TOTP: %v, want login_expired", err)
		}
		// Turning TOTP off needs the password.
		if err := e.ids.DisableTOTP(e.as(a), "wrong-password-000"); field(err) != "password" {
			t.Errorf("DisableTOTP with a wrong password: %v", err)
		}
		if err := e.ids.DisableTOTP(e.as(a), password); err != nil {
			t.Fatal(err)
		}
		if res, err := e.ids.Login(e.anon(), a.Login, password, identity.Meta{}); err != nil || res.NeedTOTP {
			t.Errorf("Login after DisableTOTP: %+v, %v", res, err)
		}
	})
}

func TestWrongTOTPCodesLock(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.resident(t, "林小明", 1)
		secret := e.enableTOTP(t, a)
		e.clk.Advance(time.Minute)
		res, err := e.ids.Login(e.anon(), a.Login, password, identity.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		right := totpCode(t, secret, e.clk.Now())
		for range 3 {
			if _, err := e.ids.LoginTOTP(e.anon(), res.Token, wrong(right), identity.Meta{}); field(err) != "code" {
				t.Fatalf("wrong TOTP code: %v", err)
			}
		}
		// Three wrong codes end the pending login, even for the right code after them.
		if _, err := e.ids.LoginTOTP(e.anon(), res.Token, right, identity.Meta{}); message(err) != "identity.error.login_expired" {
			t.Errorf("right TOTP code after 3 wrong ones: %v, want login_expired", err)
		}
		// The wrong codes count against the account: two more and password login is locked.
		res, err = e.ids.Login(e.anon(), a.Login, password, identity.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if _, err := e.ids.LoginTOTP(e.anon(), res.Token, wrong(right), identity.Meta{}); field(err) != "code" {
				t.Fatalf("wrong TOTP code: %v", err)
			}
		}
		if _, err := e.ids.Login(e.anon(), a.Login, password, identity.Meta{}); message(err) != "identity.error.locked" {
			t.Errorf("password login after 5 wrong TOTP codes: %v, want locked", err)
		}
	})
}

func TestRecover(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.resident(t, "林小明", 1)
		old, err := e.ids.Login(e.anon(), a.Login, password, identity.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		e.failLogins(t, a, 5)
		code := e.sendCode(t, phone(1), identity.PurposeRecovery)
		const next = "a-new-password-2026"
		if err := e.ids.Recover(e.anon(), phone(1), wrong(code), next, identity.Meta{}); message(err) != "identity.error.code_wrong" {
			t.Errorf("Recover with a wrong code: %v", err)
		}
		if err := e.ids.Recover(e.anon(), phone(1), code, "short", identity.Meta{}); field(err) != "password" {
			t.Errorf("Recover with a short password: %v", err)
		}
		before := lastAudit(t, e.db)
		if err := e.ids.Recover(e.anon(), phone(1), code, next, identity.Meta{ClientIP: "192.0.2.7"}); err != nil {
			t.Fatalf("Recover: %v", err)
		}
		actions, _ := auditActions(t, e.db, before)
		if diff := cmp.Diff([]string{"identity.login.recovered", "identity.account.recovered"}, actions); diff != "" {
			t.Errorf("audit mismatch (-want +got):\n%s", diff)
		}
		if u := e.lockedUntil(t, a); !u.IsZero() {
			t.Errorf("still locked until %v after recovery", u)
		}
		if _, err := e.ids.SessionPrincipal(e.ctx, old.Token); kind(err) != errs.Unauthenticated {
			t.Errorf("a session from before the recovery lives on: %v", err)
		}
		if _, err := e.ids.Login(e.anon(), a.Login, password, identity.Meta{}); kind(err) != errs.Unauthenticated {
			t.Errorf("old password after recovery: %v", err)
		}
		if _, err := e.ids.Login(e.anon(), a.Login, next, identity.Meta{}); err != nil {
			t.Errorf("new password: %v", err)
		}
		// A code for signing in does not recover.
		e.clk.Advance(time.Minute)
		login := e.sendCode(t, phone(1), identity.PurposeLogin)
		if err := e.ids.Recover(e.anon(), phone(1), login, password, identity.Meta{}); message(err) != "identity.error.code_expired" {
			t.Errorf("Recover with a login code: %v, want code_expired", err)
		}
	})
}

func TestChangePassword(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.resident(t, "林小明", 1)
		const next = "a-new-password-2026"
		if err := e.ids.ChangePassword(e.as(a), "wrong-password-000", next); field(err) != "current_password" {
			t.Errorf("wrong current password: %v", err)
		}
		if err := e.ids.ChangePassword(e.as(a), password, "short"); field(err) != "password" {
			t.Errorf("short new password: %v", err)
		}
		if err := e.ids.ChangePassword(e.anon(), password, next); kind(err) != errs.Unauthenticated {
			t.Errorf("anonymous: %v", err)
		}
		if err := e.ids.ChangePassword(e.as(a), password, next); err != nil {
			t.Fatal(err)
		}
		if _, err := e.ids.Login(e.anon(), a.Login, password, identity.Meta{}); kind(err) != errs.Unauthenticated {
			t.Errorf("old password: %v", err)
		}
		if _, err := e.ids.Login(e.anon(), a.Login, next, identity.Meta{}); err != nil {
			t.Errorf("new password: %v", err)
		}
	})
}

// TestChangePasswordEndsOtherSessions holds ChangePassword to its documentation: "ends their
// other sessions". A session opened elsewhere (by someone who knew the old password) must end.
func TestChangePasswordEndsOtherSessions(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.resident(t, "林小明", 1)
		elsewhere, err := e.ids.Login(e.anon(), a.Login, password, identity.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.ids.ChangePassword(e.as(a), password, "a-new-password-2026"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.ids.SessionPrincipal(e.ctx, elsewhere.Token); kind(err) != errs.Unauthenticated {
			t.Errorf("a session opened with the old password lives on after ChangePassword (err %v)", err)
		}
	})
}

func TestSessions(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.resident(t, "林小明", 1)
		admin := e.official(t, "szb.admin", identity.DigitalOffice, principal.RoleAdministrator)
		login := func() string {
			t.Helper()
			res, err := e.ids.Login(e.anon(), a.Login, password, identity.Meta{})
			if err != nil {
				t.Fatal(err)
			}
			return res.Token
		}
		// Logout ends the session.
		tok := login()
		if err := e.ids.Logout(e.as(a), tok); err != nil {
			t.Fatal(err)
		}
		if _, err := e.ids.SessionPrincipal(e.ctx, tok); kind(err) != errs.Unauthenticated {
			t.Errorf("after Logout: %v", err)
		}
		// A session lasts SessionTTL.
		tok = login()
		e.clk.Advance(identity.SessionTTL - time.Second)
		if _, err := e.ids.SessionPrincipal(e.ctx, tok); err != nil {
			t.Errorf("just before expiry: %v", err)
		}
		e.clk.Advance(time.Second)
		if _, err := e.ids.SessionPrincipal(e.ctx, tok); kind(err) != errs.Unauthenticated {
			t.Errorf("after expiry: %v", err)
		}
		// Disabling ends sessions and refuses the password.
		tok = login()
		if err := e.ids.SetDisabled(e.as(admin), a.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := e.ids.SessionPrincipal(e.ctx, tok); kind(err) != errs.Unauthenticated {
			t.Errorf("session of a disabled account: %v", err)
		}
		if _, err := e.ids.Login(e.anon(), a.Login, password, identity.Meta{}); kind(err) != errs.Unauthenticated {
			t.Errorf("login to a disabled account: %v", err)
		}
		if err := e.ids.SetDisabled(e.as(admin), a.ID, false); err != nil {
			t.Fatal(err)
		}
		login()
		for _, bad := range []string{"", "not-a-session", strings.Repeat("x", 200)} {
			if _, err := e.ids.SessionPrincipal(e.ctx, bad); kind(err) != errs.Unauthenticated {
				t.Errorf("SessionPrincipal(%q): %v", bad, err)
			}
		}
	})
}

func TestLoginHistory(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.resident(t, "林小明", 1)
		b := e.resident(t, "陈美玲", 2)
		meta := identity.Meta{ClientIP: "192.0.2.10", UserAgent: "Mozilla/5.0 (a)"}
		if _, err := e.ids.Login(e.anon(), a.Login, "wrong-password-000", meta); err == nil {
			t.Fatal("wrong password accepted")
		}
		e.clk.Advance(time.Second)
		if _, err := e.ids.Login(e.anon(), a.Login, password, meta); err != nil {
			t.Fatal(err)
		}
		e.clk.Advance(time.Second)
		if _, err := e.ids.Login(e.anon(), b.Login, password, identity.Meta{ClientIP: "198.51.100.20", UserAgent: "curl/8 (b)"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.ids.Login(e.anon(), "nobody.here", password, meta); err == nil {
			t.Fatal("unknown login accepted")
		}
		type row struct{ Method, Outcome, IP, UA string }
		history := func(acc identity.Account) []row {
			t.Helper()
			list, err := e.ids.LoginHistory(e.as(acc), 0)
			if err != nil {
				t.Fatal(err)
			}
			var out []row
			for _, ev := range list {
				out = append(out, row{ev.Method, ev.Outcome, ev.ClientIP, ev.UserAgent})
			}
			return out
		}
		if diff := cmp.Diff([]row{
			{"password", "success", "192.0.2.10", "Mozilla/5.0 (a)"},
			{"password", "bad_credentials", "192.0.2.10", "Mozilla/5.0 (a)"},
		}, history(a)); diff != "" {
			t.Errorf("A's history mismatch (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]row{{"password", "success", "198.51.100.20", "curl/8 (b)"}}, history(b)); diff != "" {
			t.Errorf("B's history mismatch (-want +got):\n%s", diff)
		}
		if _, err := e.ids.LoginHistory(e.anon(), 10); kind(err) != errs.Unauthenticated {
			t.Errorf("anonymous: %v", err)
		}
		if list, err := e.ids.LoginHistory(e.as(a), 1); err != nil || len(list) != 1 || list[0].Outcome != "success" {
			t.Errorf("limit 1: %+v, %v", list, err)
		}
	})
}

// TestTOTPSecretsAreSealed: with the key service, a TOTP secret is stored sealed and bound to
// its account; secrets stored in clear by a node without one are sealed by SealTOTPSecrets and
// keep working.
func TestTOTPSecretsAreSealed(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		stored := func(a identity.Account) string {
			var s string
			if err := e.db.Get(e.ctx, &s, `SELECT totp_secret FROM accounts WHERE id = ?`, a.ID); err != nil {
				t.Fatal(err)
			}
			return s
		}
		a := e.resident(t, "林小明", 1)
		secret := e.enableTOTP(t, a)
		if s := stored(a); !strings.HasPrefix(s, "sealed:v1:") || strings.Contains(s, secret) {
			t.Fatalf("stored TOTP secret %q is not sealed", s)
		}
		// A sealed secret copied to another account does not open there.
		b := e.resident(t, "陈美玲", 2)
		if _, err := e.db.SQL().Exec(e.db.Rebind(`UPDATE accounts SET totp_secret = ?, totp_enabled = 1 WHERE id = ?`), stored(a), b.ID); err != nil {
			t.Fatal(err)
		}
		if res, err := e.ids.Login(e.anon(), b.Login, password, identity.Meta{}); err == nil {
			e.clk.Advance(30 * time.Second)
			if _, err := e.ids.LoginTOTP(e.anon(), res.Token, totpCode(t, secret, e.clk.Now()), identity.Meta{}); err == nil {
				t.Fatal("a TOTP secret copied from another account signed in")
			}
		}
		// A secret stored in clear (a node without the key service) is sealed afterwards.
		legacy, err := identity.New(e.db, identity.Options{})
		if err != nil {
			t.Fatal(err)
		}
		c := e.resident(t, "张建国", 3)
		setup, err := legacy.BeginTOTP(e.as(c))
		if err != nil {
			t.Fatal(err)
		}
		if err := legacy.ConfirmTOTP(e.as(c), totpCode(t, setup.Secret, e.clk.Now())); err != nil {
			t.Fatal(err)
		}
		if stored(c) != setup.Secret {
			t.Fatalf("legacy node stored %q", stored(c))
		}
		n, err := e.ids.SealTOTPSecrets(e.ctx)
		if err != nil || n != 1 {
			t.Fatalf("SealTOTPSecrets = %d, %v", n, err)
		}
		if s := stored(c); !strings.HasPrefix(s, "sealed:v1:") {
			t.Fatalf("after sealing: %q", s)
		}
		e.clk.Advance(30 * time.Second)
		res, err := e.ids.Login(e.anon(), c.Login, password, identity.Meta{})
		if err != nil || !res.NeedTOTP {
			t.Fatalf("Login: %+v %v", res, err)
		}
		if _, err := e.ids.LoginTOTP(e.anon(), res.Token, totpCode(t, setup.Secret, e.clk.Now()), identity.Meta{}); err != nil {
			t.Fatalf("TOTP after sealing: %v", err)
		}
		if n, err := e.ids.SealTOTPSecrets(e.ctx); err != nil || n != 0 {
			t.Fatalf("second SealTOTPSecrets = %d, %v", n, err)
		}
	})
}
