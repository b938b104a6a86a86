package identity_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// officials are the accounts the administration tests work with.
type officials struct {
	admin, reviewer, miitAdmin, miitOfficer, miitAdmin2, drcOfficer, resident identity.Account
}

func (e *env) officials(t *testing.T) officials {
	t.Helper()
	return officials{
		admin:       e.official(t, "szb.admin", identity.DigitalOffice, principal.RoleAdministrator, principal.RoleReviewer),
		reviewer:    e.official(t, "szb.reviewer", identity.DigitalOffice, principal.RoleReviewer),
		miitAdmin:   e.official(t, "gxt.admin", "fj-miit", principal.RoleAdministrator),
		miitOfficer: e.official(t, "gxt.officer", "fj-miit"),
		miitAdmin2:  e.official(t, "gxt.admin2", "fj-miit", principal.RoleAdministrator),
		drcOfficer:  e.official(t, "fgw.officer", "fj-drc"),
		resident:    e.resident(t, "林小明", 1),
	}
}

func TestCreateAccount(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		o := e.officials(t)
		for _, tc := range []struct {
			name  string
			p     principal.Principal
			n     identity.NewAccount
			kind  errs.Kind
			field string
		}{
			{"digital office: an administrator anywhere", o.admin.Principal(),
				identity.NewAccount{Login: "xm.admin", OrgCode: "city-xiamen", Roles: []string{principal.RoleAdministrator}}, "", ""},
			{"organisation administrator: a reviewer of their own", o.miitAdmin.Principal(),
				identity.NewAccount{Login: "gxt.reviewer", OrgCode: "fj-miit", Roles: []string{principal.RoleReviewer}}, "", ""},
			{"organisation administrator: an administrator of their own", o.miitAdmin.Principal(),
				identity.NewAccount{Login: "gxt.admin3", OrgCode: "fj-miit", Roles: []string{principal.RoleAdministrator}}, errs.Forbidden, ""},
			{"organisation administrator: another organisation", o.miitAdmin.Principal(),
				identity.NewAccount{Login: "fgw.new", OrgCode: "fj-drc"}, errs.Forbidden, ""},
			{"official without roles", o.miitOfficer.Principal(), identity.NewAccount{Login: "gxt.new", OrgCode: "fj-miit"}, errs.Forbidden, ""},
			{"digital office reviewer", o.reviewer.Principal(), identity.NewAccount{Login: "szb.new", OrgCode: identity.DigitalOffice}, errs.Forbidden, ""},
			{"resident", o.resident.Principal(), identity.NewAccount{Login: "gxt.new", OrgCode: "fj-miit"}, errs.Forbidden, ""},
			{"anonymous", principal.Principal{Kind: principal.Anonymous}, identity.NewAccount{Login: "gxt.new", OrgCode: "fj-miit"}, errs.Unauthenticated, ""},
			{"a resident's account", o.admin.Principal(), identity.NewAccount{Login: "r.new", Kind: principal.Resident, OrgCode: "fj-miit"}, errs.Invalid, "kind"},
			{"login too short", o.admin.Principal(), identity.NewAccount{Login: "ab", OrgCode: "fj-miit"}, errs.Invalid, "login"},
			{"login of digits", o.admin.Principal(), identity.NewAccount{Login: "13959012345", OrgCode: "fj-miit"}, errs.Invalid, "login"},
			{"login with a space", o.admin.Principal(), identity.NewAccount{Login: "gxt new", OrgCode: "fj-miit"}, errs.Invalid, "login"},
			{"unknown role", o.admin.Principal(), identity.NewAccount{Login: "gxt.new", OrgCode: "fj-miit", Roles: []string{"king"}}, errs.Invalid, "roles"},
			{"unknown organisation", o.admin.Principal(), identity.NewAccount{Login: "gxt.new", OrgCode: "nowhere"}, errs.Invalid, "org_code"},
			{"taken login", o.admin.Principal(), identity.NewAccount{Login: "GXT.Officer", OrgCode: "fj-miit"}, errs.Conflict, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				n := tc.n
				n.DisplayName, n.Password = "新同事", password
				_, err := e.ids.CreateAccount(e.asPrincipal(tc.p), n)
				if kind(err) != tc.kind || field(err) != tc.field {
					t.Errorf("CreateAccount: %v, want %q on %q", err, tc.kind, tc.field)
				}
			})
		}
	})
}

func TestSetRoles(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		o := e.officials(t)
		roles := func(a identity.Account) []string { return e.reload(t, a).Roles }
		for _, tc := range []struct {
			name   string
			p      principal.Principal
			target identity.Account
			roles  []string
			kind   errs.Kind
		}{
			{"digital office administrator", o.admin.Principal(), o.miitOfficer, []string{principal.RoleReviewer, principal.RoleApprover}, ""},
			{"organisation administrator in their organisation", o.miitAdmin.Principal(), o.miitOfficer, []string{principal.RoleInspector}, ""},
			{"organisation administrator grants administrator", o.miitAdmin.Principal(), o.miitOfficer, []string{principal.RoleAdministrator}, errs.Forbidden},
			{"organisation administrator demotes another administrator", o.miitAdmin.Principal(), o.miitAdmin2, nil, errs.Forbidden},
			{"organisation administrator in another organisation", o.miitAdmin.Principal(), o.drcOfficer, []string{principal.RoleReviewer}, errs.Forbidden},
			{"official without roles", o.miitOfficer.Principal(), o.miitOfficer, []string{principal.RoleAdministrator}, errs.Forbidden},
			{"digital office reviewer", o.reviewer.Principal(), o.drcOfficer, []string{principal.RoleReviewer}, errs.Forbidden},
			{"resident", o.resident.Principal(), o.drcOfficer, []string{principal.RoleReviewer}, errs.Forbidden},
			{"anonymous", principal.Principal{Kind: principal.Anonymous}, o.drcOfficer, []string{principal.RoleReviewer}, errs.Unauthenticated},
			{"own administrator role", o.admin.Principal(), o.admin, []string{principal.RoleReviewer}, errs.Conflict},
			{"organisation administrator's own administrator role", o.miitAdmin.Principal(), o.miitAdmin, nil, errs.Forbidden},
			{"a resident's roles", o.admin.Principal(), o.resident, []string{principal.RoleReviewer}, errs.Invalid},
			{"unknown role", o.admin.Principal(), o.drcOfficer, []string{"king"}, errs.Invalid},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := roles(tc.target)
				mark := lastAudit(t, e.db)
				err := e.ids.SetRoles(e.asPrincipal(tc.p), tc.target.ID, tc.roles)
				if kind(err) != tc.kind {
					t.Fatalf("SetRoles: %v, want %q", err, tc.kind)
				}
				actions, _ := auditActions(t, e.db, mark)
				if tc.kind != "" {
					if diff := cmp.Diff(before, roles(tc.target)); diff != "" {
						t.Errorf("a refusal changed the roles (-before +after):\n%s", diff)
					}
					if len(actions) != 0 {
						t.Errorf("a refusal was audited as %v", actions)
					}
					return
				}
				if diff := cmp.Diff(tc.roles, roles(tc.target)); diff != "" {
					t.Errorf("roles mismatch (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff([]string{"identity.roles.changed"}, actions); diff != "" {
					t.Errorf("audit mismatch (-want +got):\n%s", diff)
				}
			})
		}
		if err := e.ids.SetRoles(e.as(o.admin), 99999, nil); kind(err) != errs.NotFound {
			t.Errorf("unknown account: %v, want not found", err)
		}
		// Keeping one's own administrator role while changing the others is fine.
		if err := e.ids.SetRoles(e.as(o.admin), o.admin.ID, []string{principal.RoleAdministrator}); err != nil {
			t.Errorf("own roles keeping administrator: %v", err)
		}
	})
}

// TestSetRolesTellsStrangersNothing: someone who administers nobody learns nothing about account
// ids from SetRoles — not whether an id exists, nor whether it is a resident's.
func TestSetRolesTellsStrangersNothing(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		o := e.officials(t)
		other := e.resident(t, "陈美玲", 2)
		for _, target := range []int64{other.ID, o.drcOfficer.ID, 99999} {
			err := e.ids.SetRoles(e.as(o.resident), target, []string{principal.RoleAdministrator})
			if kind(err) != errs.Forbidden {
				t.Errorf("SetRoles(%d) as a resident: %v, want forbidden whatever the id", target, err)
			}
		}
	})
}

func TestSetDisabled(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		o := e.officials(t)
		for _, tc := range []struct {
			name   string
			p      principal.Principal
			target identity.Account
			kind   errs.Kind
		}{
			{"organisation administrator", o.miitAdmin.Principal(), o.miitOfficer, errs.Forbidden},
			{"official", o.miitOfficer.Principal(), o.drcOfficer, errs.Forbidden},
			{"resident", o.resident.Principal(), o.drcOfficer, errs.Forbidden},
			{"own account", o.admin.Principal(), o.admin, errs.Conflict},
			{"digital office administrator", o.admin.Principal(), o.miitOfficer, ""},
		} {
			if err := e.ids.SetDisabled(e.asPrincipal(tc.p), tc.target.ID, true); kind(err) != tc.kind {
				t.Errorf("%s: %v, want %q", tc.name, err, tc.kind)
			}
		}
		if !e.reload(t, o.miitOfficer).Disabled || e.reload(t, o.drcOfficer).Disabled || e.reload(t, o.admin).Disabled {
			t.Error("disabled the wrong accounts")
		}
		if err := e.ids.SetDisabled(e.as(o.admin), 99999, true); kind(err) != errs.NotFound {
			t.Errorf("unknown account: %v", err)
		}
	})
}

func TestOfficials(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		o := e.officials(t)
		logins := func(list []identity.Account) []string {
			var out []string
			for _, a := range list {
				out = append(out, a.Login)
			}
			return out
		}
		for _, tc := range []struct {
			name string
			p    principal.Principal
			org  string
			want []string
			kind errs.Kind
		}{
			{"digital office administrator", o.admin.Principal(), "", []string{"szb.admin", "szb.reviewer", "fgw.officer", "gxt.admin", "gxt.admin2", "gxt.officer"}, ""},
			{"digital office administrator, one organisation", o.admin.Principal(), "fj-drc", []string{"fgw.officer"}, ""},
			{"organisation administrator", o.miitAdmin.Principal(), "", []string{"gxt.admin", "gxt.admin2", "gxt.officer"}, ""},
			{"organisation administrator, own organisation", o.miitAdmin.Principal(), "fj-miit", []string{"gxt.admin", "gxt.admin2", "gxt.officer"}, ""},
			{"organisation administrator, another organisation", o.miitAdmin.Principal(), "fj-drc", nil, errs.Forbidden},
			{"reviewer", o.reviewer.Principal(), "", nil, errs.Forbidden},
			{"official", o.miitOfficer.Principal(), "", nil, errs.Forbidden},
			{"resident", o.resident.Principal(), "", nil, errs.Forbidden},
		} {
			t.Run(tc.name, func(t *testing.T) {
				list, err := e.ids.Officials(e.asPrincipal(tc.p), tc.org)
				if kind(err) != tc.kind {
					t.Fatalf("Officials: %v, want %q", err, tc.kind)
				}
				if diff := cmp.Diff(tc.want, logins(list)); diff != "" {
					t.Errorf("officials mismatch (-want +got):\n%s", diff)
				}
			})
		}
		list, err := e.ids.Officials(e.as(o.admin), "fj-miit")
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range list {
			if a.Login == "gxt.admin" && !cmp.Equal(a.Roles, []string{principal.RoleAdministrator}) {
				t.Errorf("gxt.admin listed with roles %v", a.Roles)
			}
		}
	})
}

// The system finds a resident's account by resident ID number (a licence's holder); nobody else
// may ask.
func TestAccountIDByResidentID(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		idNumber := idcode.NewResidentID("350102", time.Date(1988, 3, 15, 0, 0, 0, 0, clock.China), 46)
		a, err := e.ids.ImportResident(e.sys(), identity.Registration{Name: "陈美玲", IDType: identity.ResidentID,
			IDNumber: idNumber, Phone: "13859001299", Password: password})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name   string
			ctx    context.Context
			number string
			want   int64
			kind   errs.Kind
		}{
			{"the system", e.sys(), idNumber, a.ID, ""},
			{"typed with spaces", e.sys(), idNumber[:6] + " " + idNumber[6:], a.ID, ""},
			{"an unknown number", e.sys(), idcode.NewResidentID("350102", time.Date(1990, 1, 1, 0, 0, 0, 0, clock.China), 12), 0, errs.NotFound},
			{"the resident herself", e.as(a), idNumber, 0, errs.Forbidden},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := e.ids.AccountIDByResidentID(tc.ctx, tc.number)
				if tc.kind != "" {
					if !errs.Is(err, tc.kind) {
						t.Fatalf("err = %v, want %s", err, tc.kind)
					}
					return
				}
				if err != nil || got != tc.want {
					t.Fatalf("= %d, %v; want %d", got, err, tc.want)
				}
			})
		}
	})
}
