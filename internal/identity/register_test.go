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

func TestRegister(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		before := lastAudit(t, e.db)
		code := e.sendCode(t, phone(1), identity.PurposeRegister)
		reg := identity.Registration{Name: " 林  小明 ", IDType: identity.ResidentID, IDNumber: residentID(1), Phone: "+86 " + phone(1),
			Code: code, Password: password}
		a, err := e.ids.Register(e.anon(), reg)
		if err != nil {
			t.Fatalf("Register: %v", err)
		}
		if !strings.HasPrefix(a.Login, "r") || strings.Contains(a.Login, residentID(1)) || strings.Contains(a.Login, phone(1)) {
			t.Errorf("login %q should be an opaque handle", a.Login)
		}
		type summary struct {
			Kind     principal.Kind
			Name     string
			Phone    string
			IDType   string
			IDNumber string
			Level    int
			Roles    []string
		}
		got := summary{a.Kind, a.DisplayName, a.MaskedPhone(), *a.IDType, a.MaskedIDNumber(), a.RealNameLevel, a.Roles}
		want := summary{principal.Resident, "林 小明", "199****0001", string(identity.ResidentID), residentID(1)[:6] + "********" + residentID(1)[14:], 1, nil}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("registered account mismatch (-want +got):\n%s", diff)
		}
		actions, _ := auditActions(t, e.db, before)
		if diff := cmp.Diff([]string{"identity.code.sent", "identity.resident.registered", "identity.realname.registry_mismatch"}, actions); diff != "" {
			t.Errorf("audit mismatch (-want +got):\n%s", diff)
		}
		// The code is spent; the password works.
		if _, err := e.ids.Register(e.anon(), reg); message(err) != "identity.error.code_expired" {
			t.Errorf("Register with a spent code: %v, want code_expired", err)
		}
		if res, err := e.ids.Login(e.anon(), phone(1), password, identity.Meta{}); err != nil || res.Account.ID != a.ID {
			t.Errorf("Login after Register: %+v, %v", res.Account, err)
		}
		// Nothing is registered twice: not the document, not the phone.
		last := lastAudit(t, e.db)
		for _, tc := range []struct {
			name   string
			reg    identity.Registration
			reason string
		}{
			{"same document", identity.Registration{Name: "林小明", IDType: identity.ResidentID, IDNumber: residentID(1), Phone: phone(2)}, "identity.error.document_taken"},
			{"same phone", identity.Registration{Name: "林小明", IDType: identity.ResidentID, IDNumber: residentID(2), Phone: phone(1)}, "identity.error.phone_taken"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if _, err := e.ids.ImportResident(e.sys(), withPassword(tc.reg)); kind(err) != errs.Conflict || message(err) != tc.reason {
					t.Errorf("ImportResident: %v, want conflict %s", err, tc.reason)
				}
			})
		}
		if actions, _ := auditActions(t, e.db, last); len(actions) != 0 {
			t.Errorf("refused registrations left audit records %v", actions)
		}
	})
}

// withPassword fills in the test password.
func withPassword(r identity.Registration) identity.Registration {
	r.Password = password
	return r
}

func TestRegisterCodeAttempts(t *testing.T) {
	for _, tc := range []struct {
		name   string
		wrong  int // wrong codes tried before the right one
		reason string
	}{
		{"right at once", 0, ""},
		{"right at the fifth try", 4, ""},
		{"five wrong tries spend the code", 5, "identity.error.code_expired"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			each(t, func(t *testing.T, e *env) {
				code := e.sendCode(t, phone(1), identity.PurposeRegister)
				reg := identity.Registration{Name: "林小明", IDType: identity.ResidentID, IDNumber: residentID(1), Phone: phone(1), Password: password}
				for i := range tc.wrong {
					reg.Code = wrong(code)
					_, err := e.ids.Register(e.anon(), reg)
					if kind(err) != errs.Invalid || field(err) != "code" || message(err) != "identity.error.code_wrong" {
						t.Fatalf("wrong code %d: %v, want code_wrong on field code", i+1, err)
					}
				}
				reg.Code = code
				_, err := e.ids.Register(e.anon(), reg)
				if diff := cmp.Diff(tc.reason, message(err)); diff != "" {
					t.Errorf("Register with the right code mismatch (-want +got):\n%s", diff)
				}
			})
		})
	}
}

func TestRegisterCodeRefusals(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		reg := identity.Registration{Name: "林小明", IDType: identity.ResidentID, IDNumber: residentID(1), Phone: phone(1), Password: password}

		// A code sent to another phone proves nothing about this one.
		reg.Code = e.sendCode(t, phone(2), identity.PurposeRegister)
		if _, err := e.ids.Register(e.anon(), reg); message(err) != "identity.error.code_expired" {
			t.Errorf("code of another phone: %v, want code_expired", err)
		}
		// A code expires after CodeTTL.
		reg.Code = e.sendCode(t, phone(1), identity.PurposeRegister)
		e.clk.Advance(identity.CodeTTL)
		if _, err := e.ids.Register(e.anon(), reg); message(err) != "identity.error.code_expired" {
			t.Errorf("expired code: %v, want code_expired", err)
		}
		// Codes for signing in are not sent to phones without an account, and would not register.
		if err := e.ids.RequestCode(e.anon(), phone(3), identity.PurposeLogin); err != nil {
			t.Fatal(err)
		}
		if n := e.outboxCount(t, phone(3)); n != 0 {
			t.Errorf("a login code was sent to a phone without an account (%d messages)", n)
		}
		// A registration code is not sent to a phone that has an account.
		e.resident(t, "陈美玲", 4)
		if err := e.ids.RequestCode(e.anon(), phone(4), identity.PurposeRegister); err != nil {
			t.Fatal(err)
		}
		if n := e.outboxCount(t, phone(4)); n != 0 {
			t.Errorf("a registration code was sent to a phone with an account (%d messages)", n)
		}
		// Bad input is refused before anything is stored.
		for _, tc := range []struct {
			name  string
			reg   identity.Registration
			field string
		}{
			{"no name", identity.Registration{IDType: identity.ResidentID, IDNumber: residentID(5), Phone: phone(5), Password: password}, "name"},
			{"bad number", identity.Registration{Name: "x", IDType: identity.ResidentID, IDNumber: withBadCheck(residentID(5)), Phone: phone(5), Password: password}, "id_number"},
			{"bad phone", identity.Registration{Name: "x", IDType: identity.ResidentID, IDNumber: residentID(5), Phone: "12345", Password: password}, "phone"},
			{"short password", identity.Registration{Name: "x", IDType: identity.ResidentID, IDNumber: residentID(5), Phone: phone(5), Password: "short"}, "password"},
			{"no document type", identity.Registration{Name: "x", IDNumber: residentID(5), Phone: phone(5), Password: password}, "id_type"},
		} {
			if _, err := e.ids.Register(e.anon(), tc.reg); kind(err) != errs.Invalid || field(err) != tc.field {
				t.Errorf("%s: %v, want invalid on field %s", tc.name, err, tc.field)
			}
		}
		// Only Yiwang itself imports residents without a code.
		admin := e.official(t, "szb.admin", identity.DigitalOffice, principal.RoleAdministrator)
		for _, ctx := range []struct {
			name string
			p    principal.Principal
		}{{"anonymous", principal.Principal{Kind: principal.Anonymous}}, {"digital office administrator", admin.Principal()}} {
			if _, err := e.ids.ImportResident(e.asPrincipal(ctx.p), identity.Registration{Name: "x", IDType: identity.ResidentID,
				IDNumber: residentID(6), Phone: phone(6), Password: password}); kind(err) != errs.Forbidden {
				t.Errorf("ImportResident as %s: %v, want forbidden", ctx.name, err)
			}
		}
	})
}

func TestRequestCodeRateLimit(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.resident(t, "林小明", 1)
		for i, step := range []struct {
			at      time.Duration // since the first request
			purpose identity.Purpose
			ok      bool
		}{
			{0, identity.PurposeLogin, true},
			{30 * time.Second, identity.PurposeLogin, false},    // one a minute
			{59 * time.Second, identity.PurposeRecovery, false}, // whatever the purpose
			{time.Minute, identity.PurposeLogin, true},
			{2 * time.Minute, identity.PurposeRecovery, true},
			{3 * time.Minute, identity.PurposeRegister, true}, // sends nothing (the phone has an account) but counts
			{4 * time.Minute, identity.PurposeLogin, true},
			{10 * time.Minute, identity.PurposeLogin, false}, // five an hour
			{59 * time.Minute, identity.PurposeLogin, false},
			{61 * time.Minute, identity.PurposeLogin, true}, // the first has left the hour
			{61*time.Minute + 30*time.Second, identity.PurposeLogin, false},
		} {
			e.clk.Set(start.Add(step.at))
			err := e.ids.RequestCode(e.anon(), phone(1), step.purpose)
			if step.ok && err != nil || !step.ok && (kind(err) != errs.TooMany || message(err) != "identity.error.code_too_soon") {
				t.Errorf("step %d (+%s, %s): %v, want ok=%v", i, step.at, step.purpose, err, step.ok)
			}
		}
		if n := e.outboxCount(t, phone(1)); n != 5 {
			t.Errorf("%d messages reached the phone, want 5", n)
		}
		// The limit is per phone.
		if err := e.ids.RequestCode(e.anon(), phone(2), identity.PurposeRegister); err != nil {
			t.Errorf("another phone: %v", err)
		}
		if err := e.ids.RequestCode(e.anon(), "not a phone", identity.PurposeLogin); field(err) != "phone" {
			t.Errorf("bad phone: %v, want field phone", err)
		}
		if err := e.ids.RequestCode(e.anon(), phone(3), "party"); field(err) != "purpose" {
			t.Errorf("bad purpose: %v, want field purpose", err)
		}
	})
}

func TestRegistryLevels(t *testing.T) {
	for _, tc := range []struct {
		name     string
		registry []identity.RegistryEntry
		reg      identity.Registration
		level    int
		action   string
	}{
		{"name and number match", []identity.RegistryEntry{{IDType: identity.ResidentID, IDNumber: residentID(1), Name: "林小明"}},
			identity.Registration{Name: "林小明", IDType: identity.ResidentID, IDNumber: residentID(1)}, 2, "identity.realname.level2"},
		{"name differs", []identity.RegistryEntry{{IDType: identity.ResidentID, IDNumber: residentID(1), Name: "林晓明"}},
			identity.Registration{Name: "林小明", IDType: identity.ResidentID, IDNumber: residentID(1)}, 1, "identity.realname.registry_mismatch"},
		{"number not in the registry", []identity.RegistryEntry{{IDType: identity.ResidentID, IDNumber: residentID(2), Name: "林小明"}},
			identity.Registration{Name: "林小明", IDType: identity.ResidentID, IDNumber: residentID(1)}, 1, "identity.realname.registry_mismatch"},
		{"Taiwan permit matches", []identity.RegistryEntry{{IDType: identity.TaiwanPermit, IDNumber: "12345678", Name: "林志明"}},
			identity.Registration{Name: "林志明", IDType: identity.TaiwanPermit, IDNumber: "1234 5678"}, 2, "identity.realname.level2"},
		{"Taiwan permit number under another type", []identity.RegistryEntry{{IDType: identity.TaiwanPermit, IDNumber: "12345678", Name: "林志明"}},
			identity.Registration{Name: "林志明", IDType: identity.Passport, IDNumber: "TWN:12345678"}, 1, "identity.realname.registry_mismatch"},
		{"passport matches", []identity.RegistryEntry{{IDType: identity.Passport, IDNumber: "GBR:123456789", Name: "John Smith"}},
			identity.Registration{Name: "John  Smith", IDType: identity.Passport, IDNumber: "gbr:123456789"}, 2, "identity.realname.level2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			each(t, func(t *testing.T, e *env) {
				if err := e.ids.LoadRegistry(e.sys(), tc.registry); err != nil {
					t.Fatal(err)
				}
				before := lastAudit(t, e.db)
				reg := tc.reg
				reg.Phone, reg.Password = phone(1), password
				a, err := e.ids.ImportResident(e.sys(), reg)
				if err != nil {
					t.Fatal(err)
				}
				if a.RealNameLevel != tc.level || e.reload(t, a).RealNameLevel != tc.level {
					t.Errorf("level %d (stored %d), want %d", a.RealNameLevel, e.reload(t, a).RealNameLevel, tc.level)
				}
				actions, _ := auditActions(t, e.db, before)
				if diff := cmp.Diff([]string{"identity.resident.registered", tc.action}, actions); diff != "" {
					t.Errorf("audit mismatch (-want +got):\n%s", diff)
				}
			})
		})
	}
}

func TestVerifyWithRegistry(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.resident(t, "林小明", 1)
		level, err := e.ids.VerifyWithRegistry(e.as(a))
		if level != 1 || kind(err) != errs.Invalid || message(err) != "identity.error.registry_mismatch" {
			t.Errorf("before the registry knows: level %d, %v; want 1 and registry_mismatch", level, err)
		}
		// The registry arrives later; retrying raises the level.
		if err := e.ids.LoadRegistry(e.sys(), []identity.RegistryEntry{{IDType: identity.ResidentID, IDNumber: residentID(1), Name: "林小明"}}); err != nil {
			t.Fatal(err)
		}
		if level, err := e.ids.VerifyWithRegistry(e.as(a)); level != 2 || err != nil {
			t.Errorf("after the registry knows: level %d, %v; want 2", level, err)
		}
		if level, err := e.ids.VerifyWithRegistry(e.as(a)); level != 2 || err != nil {
			t.Errorf("again: level %d, %v; want 2", level, err)
		}
		vs, err := e.ids.Verifications(e.as(a))
		if err != nil {
			t.Fatal(err)
		}
		var methods []string
		for _, v := range vs {
			methods = append(methods, v.Method)
		}
		if diff := cmp.Diff([]string{"self_declared", "registry"}, methods); diff != "" {
			t.Errorf("verifications mismatch (-want +got):\n%s", diff)
		}
		if _, err := e.ids.VerifyWithRegistry(e.anon()); kind(err) != errs.Unauthenticated {
			t.Errorf("anonymous: %v, want unauthenticated", err)
		}
		official := e.official(t, "gxt.officer", "fj-miit")
		if _, err := e.ids.VerifyWithRegistry(e.as(official)); kind(err) != errs.Invalid {
			t.Errorf("official without a document: %v, want invalid", err)
		}
	})
}

func TestVerifyInPerson(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.resident(t, "林小明", 1)
		window := e.official(t, "fuzhou.window", "city-fuzhou", principal.RoleWindowOfficer)
		reviewer := e.official(t, "szb.reviewer", identity.DigitalOffice, principal.RoleReviewer)
		admin := e.official(t, "szb.admin", identity.DigitalOffice, principal.RoleAdministrator)
		b := e.resident(t, "陈美玲", 2)
		for _, tc := range []struct {
			name   string
			p      principal.Principal
			number string
			doc    string // name on the document
			kind   errs.Kind
			field  string
		}{
			{"anonymous", principal.Principal{Kind: principal.Anonymous}, residentID(1), "林小明", errs.Forbidden, ""},
			{"the resident", a.Principal(), residentID(1), "林小明", errs.Forbidden, ""},
			{"another resident", b.Principal(), residentID(1), "林小明", errs.Forbidden, ""},
			{"a reviewer", reviewer.Principal(), residentID(1), "林小明", errs.Forbidden, ""},
			{"an administrator", admin.Principal(), residentID(1), "林小明", errs.Forbidden, ""},
			{"window officer, name differs", window.Principal(), residentID(1), "林晓明", errs.Invalid, "name"},
			{"window officer, unknown document", window.Principal(), residentID(9), "林小明", errs.NotFound, "id_number"},
			{"window officer, bad number", window.Principal(), withBadCheck(residentID(1)), "林小明", errs.Invalid, "id_number"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := e.ids.VerifyInPerson(e.asPrincipal(tc.p), identity.ResidentID, tc.number, tc.doc, "福州市民服务中心 3 号窗口")
				if kind(err) != tc.kind || field(err) != tc.field {
					t.Errorf("VerifyInPerson: %v, want %s on %q", err, tc.kind, tc.field)
				}
			})
		}
		if got := e.reload(t, a).RealNameLevel; got != 1 {
			t.Fatalf("refusals changed the level to %d", got)
		}
		before := lastAudit(t, e.db)
		got, err := e.ids.VerifyInPerson(e.as(window), identity.ResidentID, residentID(1), "林小明", "福州市民服务中心 3 号窗口")
		if err != nil || got.ID != a.ID || got.RealNameLevel != 3 || e.reload(t, a).RealNameLevel != 3 {
			t.Fatalf("VerifyInPerson: %+v, %v", got, err)
		}
		actions, _ := auditActions(t, e.db, before)
		if diff := cmp.Diff([]string{"identity.realname.level3"}, actions); diff != "" {
			t.Errorf("audit mismatch (-want +got):\n%s", diff)
		}
		vs, err := e.ids.Verifications(e.as(a))
		if err != nil || len(vs) != 2 {
			t.Fatalf("Verifications: %+v, %v", vs, err)
		}
		last := vs[1]
		if last.Level != 3 || last.Method != "window" || last.VerifiedBy == nil || *last.VerifiedBy != "fuzhou.window" ||
			last.OrgCode == nil || *last.OrgCode != "city-fuzhou" || last.Place != "福州市民服务中心 3 号窗口" {
			t.Errorf("window verification recorded as %+v", last)
		}
		if _, err := e.ids.VerifyInPerson(e.as(window), identity.ResidentID, residentID(1), "林小明", " "); field(err) != "place" {
			t.Errorf("no place: %v, want field place", err)
		}
	})
}

func TestLoadRegistry(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		entries := []identity.RegistryEntry{{IDType: identity.ResidentID, IDNumber: residentID(1), Name: "林小明"}}
		admin := e.official(t, "szb.admin", identity.DigitalOffice, principal.RoleAdministrator)
		cityAdmin := e.official(t, "fuzhou.admin", "city-fuzhou", principal.RoleAdministrator)
		steward := e.official(t, "szb.steward", identity.DigitalOffice, principal.RoleDataSteward)
		a := e.resident(t, "陈美玲", 2)
		for _, tc := range []struct {
			name string
			p    principal.Principal
			kind errs.Kind
		}{
			{"system", principal.SystemPrincipal, ""},
			{"digital office administrator", admin.Principal(), ""},
			{"city administrator", cityAdmin.Principal(), errs.Forbidden},
			{"data steward", steward.Principal(), errs.Forbidden},
			{"resident", a.Principal(), errs.Forbidden},
			{"anonymous", principal.Principal{Kind: principal.Anonymous}, errs.Forbidden},
		} {
			if err := e.ids.LoadRegistry(e.asPrincipal(tc.p), entries); kind(err) != tc.kind {
				t.Errorf("%s: %v, want %q", tc.name, err, tc.kind)
			}
		}
		bad := append(entries, identity.RegistryEntry{IDType: identity.ResidentID, IDNumber: "123", Name: "x"})
		if err := e.ids.LoadRegistry(e.sys(), bad); kind(err) != errs.Invalid || message(err) != "identity.error.registry_row" {
			t.Errorf("bad row: %v, want registry_row", err)
		}
	})
}
