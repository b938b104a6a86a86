package identity_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// auditText returns every column of every audit record as text, whatever columns the table has.
func auditText(t *testing.T, db *store.DB) string {
	t.Helper()
	rows, err := db.SQL().Query(`SELECT * FROM audit_events ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			if bs, ok := v.([]byte); ok {
				v = string(bs)
			}
			fmt.Fprintf(&b, "%s=%v\t", cols[i], v)
		}
		b.WriteString("\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestSecretsStayOutOfAuditAndLogs runs every flow that handles a password, a code, a token or
// an identity document, then looks for each of them in every column of the audit log and in
// everything logged through slog meanwhile: passwords, TOTP secrets and tokens must appear
// nowhere, document numbers and phone numbers never in clear.
func TestSecretsStayOutOfAuditAndLogs(t *testing.T) {
	var logs bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(prev) })

	each(t, func(t *testing.T, e *env) {
		logs.Reset()
		const (
			first     = "first-password-Ab3"
			guess     = "guessed-password-Zz9"
			changed   = "changed-password-Qq7"
			recovered = "recovered-password-Ww5"
			official  = "officials-password-Ee1"
		)
		secrets := []string{first, guess, changed, recovered, official}
		documents := []string{residentID(1), "GBR:123456789", residentID(3)}
		phones := []string{phone(1), phone(2), phone(3)}

		if err := e.ids.LoadRegistry(e.sys(), []identity.RegistryEntry{{IDType: identity.ResidentID, IDNumber: residentID(1), Name: "林小明"}}); err != nil {
			t.Fatal(err)
		}
		a, err := e.ids.Register(e.anon(), identity.Registration{Name: "林小明", IDType: identity.ResidentID, IDNumber: residentID(1),
			Phone: phone(1), Code: e.sendCode(t, phone(1), identity.PurposeRegister), Password: first})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.ids.ImportResident(e.sys(), identity.Registration{Name: "John Smith", IDType: identity.Passport, IDNumber: "GBR:123456789",
			Phone: phone(2), Password: first}); err != nil {
			t.Fatal(err)
		}
		b, err := e.ids.ImportResident(e.sys(), identity.Registration{Name: "陈美玲", IDType: identity.ResidentID, IDNumber: residentID(3),
			Phone: phone(3), Password: first})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{a.Login, phone(1), residentID(1)} {
			if _, err := e.ids.Login(e.anon(), id, guess, identity.Meta{ClientIP: "203.0.113.9"}); err == nil {
				t.Fatal("a guess signed in")
			}
		}
		if _, err := e.ids.Login(e.anon(), residentID(1), first, identity.Meta{}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.ids.Login(e.anon(), residentID(9), guess, identity.Meta{}); err == nil {
			t.Fatal("an unknown ID number signed in")
		}
		if err := e.ids.ChangePassword(e.as(a), guess, changed); err == nil {
			t.Fatal("ChangePassword with a wrong password")
		}
		if err := e.ids.ChangePassword(e.as(a), first, changed); err != nil {
			t.Fatal(err)
		}
		e.clk.Advance(time.Minute)
		if err := e.ids.Recover(e.anon(), phone(1), e.sendCode(t, phone(1), identity.PurposeRecovery), recovered, identity.Meta{}); err != nil {
			t.Fatal(err)
		}
		setup, err := e.ids.BeginTOTP(e.as(a))
		if err != nil {
			t.Fatal(err)
		}
		if err := e.ids.ConfirmTOTP(e.as(a), totpCode(t, setup.Secret, e.clk.Now())); err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, setup.Secret)
		if err := e.ids.DisableTOTP(e.as(a), recovered); err != nil {
			t.Fatal(err)
		}
		_, tok, err := e.ids.CreateToken(e.as(a), identity.NewToken{Name: "script", Scopes: []string{principal.ScopeAPIRead}, TTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, tok)
		admin, err := e.ids.CreateAccount(e.sys(), identity.NewAccount{Login: "szb.admin", DisplayName: "林振华", OrgCode: identity.DigitalOffice,
			Roles: []string{principal.RoleAdministrator, principal.RoleWindowOfficer}, Password: official})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.ids.VerifyInPerson(e.as(admin), identity.ResidentID, residentID(3), "陈美玲", "省行政服务中心"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.ids.VerifyInPerson(e.as(admin), identity.ResidentID, residentID(1), "林晓明", "省行政服务中心"); err == nil {
			t.Fatal("a name mismatch was verified")
		}
		if err := e.ids.SetRoles(e.as(admin), admin.ID, []string{principal.RoleAdministrator}); err != nil {
			t.Fatal(err)
		}
		owner := e.reload(t, b)
		owner.RealNameLevel = 3
		code := creditCode("MA2YXK0L")
		if _, err := e.ids.RegisterEnterprise(e.as(owner), code, "福州闽江数据科技有限公司"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.ids.AuthoriseAgent(e.as(owner), identity.Grant{CreditCode: code, Agent: residentID(1), Scopes: []string{"licences"},
			ValidFrom: e.clk.Now(), ValidUntil: e.clk.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.ids.AuthoriseAgent(e.as(owner), identity.Grant{CreditCode: code, Agent: phone(2), Scopes: []string{"licences"},
			ValidFrom: e.clk.Now(), ValidUntil: e.clk.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}

		text := auditText(t, e.db) + "\n" + logs.String()
		if !strings.Contains(text, "identity.login.failed") || !strings.Contains(text, "identity.agent.authorised") {
			t.Fatalf("the audit log misses the flows:\n%s", text)
		}
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("secret %.4s… appears in the audit log or the logs", s)
			}
		}
		for _, s := range append(documents, phones...) {
			if strings.Contains(text, s) {
				t.Errorf("%s appears in clear in the audit log or the logs", identity.MaskIDNumber(s))
			}
		}
	})
}
