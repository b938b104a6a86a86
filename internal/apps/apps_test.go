package apps_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/apps"
	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// Principals of the role matrix. Account ids are filled in by setup for the people who need a
// row in accounts (consents reference it).
var (
	officeAdmin    = principal.Principal{Kind: principal.Official, Login: "szb.admin", OrgCode: apps.DigitalOffice, Roles: []string{principal.RoleAdministrator}}
	officeReviewer = principal.Principal{Kind: principal.Official, Login: "szb.reviewer", OrgCode: apps.DigitalOffice, Roles: []string{principal.RoleReviewer}}
	deptAdmin      = principal.Principal{Kind: principal.Official, Login: "gxt.admin", OrgCode: "fj-miit", Roles: []string{principal.RoleAdministrator}}
	client         = principal.Principal{Kind: principal.Client, Login: "some-app", ClientID: "some-app", Via: "client"}
)

// setup returns a service over a database with the organisation directory and two residents.
func setup(t *testing.T, db *store.DB) (*apps.Service, principal.Principal, principal.Principal) {
	t.Helper()
	ctx := principal.With(context.Background(), principal.SystemPrincipal)
	if _, err := org.Seed(ctx, db, org.Directory()); err != nil {
		t.Fatal(err)
	}
	lin := principal.Principal{Kind: principal.Resident, Login: "resident.lin", Name: "林秀英"}
	chen := principal.Principal{Kind: principal.Resident, Login: "resident.chen", Name: "陈建国"}
	err := db.Transact(ctx, func(tx *store.Tx) error {
		for _, p := range []*principal.Principal{&lin, &chen} {
			id, err := tx.InsertID(ctx, `INSERT INTO accounts (login, kind, display_name, password_hash, created_at)
				VALUES (?, ?, ?, 'x', ?) RETURNING id`, p.Login, string(p.Kind), p.Name, tx.Now)
			if err != nil {
				return err
			}
			p.AccountID = id
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return apps.New(db), lin, chen
}

func as(p principal.Principal) context.Context {
	return principal.With(context.Background(), p)
}

// socialSecurity is a web app of the human resources department.
func socialSecurity() apps.Registration {
	return apps.Registration{
		ClientID:               "fj-hrss-shebao",
		Name:                   apps.Text{Hans: "社保查询", Hant: "社保查詢", En: "Social security"},
		Description:            apps.Text{Hans: "查询社保缴费记录"},
		OwnerOrg:               "fj-hrss",
		Type:                   apps.TypeWeb,
		RedirectURIs:           []string{"https://shebao.fujian.gov.cn/oidc/callback"},
		PostLogoutRedirectURIs: []string{"https://shebao.fujian.gov.cn/"},
		Scopes:                 []string{apps.ScopeProfile, apps.ScopeIDNumber, apps.ScopeOfflineAccess},
		LaunchURL:              "https://shebao.fujian.gov.cn/",
	}
}

func TestRegisterRoleMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, lin, _ := setup(t, db)
		for i, tc := range []struct {
			name string
			p    principal.Principal
			want errs.Kind
		}{
			{"system", principal.SystemPrincipal, ""},
			{"digital office administrator", officeAdmin, ""},
			{"digital office reviewer", officeReviewer, errs.Forbidden},
			{"another department's administrator", deptAdmin, errs.Forbidden},
			{"resident", lin, errs.Forbidden},
			{"client app", client, errs.Forbidden},
			{"anonymous", principal.Principal{Kind: principal.Anonymous}, errs.Unauthenticated},
		} {
			t.Run(tc.name, func(t *testing.T) {
				reg := socialSecurity()
				reg.ClientID = reg.ClientID + "-" + string(rune('a'+i))
				_, _, err := s.Register(as(tc.p), reg)
				if errs.KindOf(err) != tc.want {
					t.Fatalf("Register: %v, want kind %q", err, tc.want)
				}
				// Whoever may register may also update, disable, enable, rotate and list; the
				// others may do none of it.
				target := "fj-hrss-shebao-a" // registered by the system in the first case
				_, err = s.Update(as(tc.p), target, socialSecurity())
				if errs.KindOf(err) != tc.want {
					t.Errorf("Update: %v, want kind %q", err, tc.want)
				}
				if err := s.Disable(as(tc.p), target); errs.KindOf(err) != tc.want {
					t.Errorf("Disable: %v, want kind %q", err, tc.want)
				}
				if err := s.Enable(as(tc.p), target); errs.KindOf(err) != tc.want {
					t.Errorf("Enable: %v, want kind %q", err, tc.want)
				}
				if _, err := s.RotateSecret(as(tc.p), target); errs.KindOf(err) != tc.want {
					t.Errorf("RotateSecret: %v, want kind %q", err, tc.want)
				}
				if _, err := s.List(as(tc.p)); errs.KindOf(err) != tc.want {
					t.Errorf("List: %v, want kind %q", err, tc.want)
				}
			})
		}
		// Anyone, signed in or not, sees the launcher.
		got, err := s.Launcher(as(principal.Principal{Kind: principal.Anonymous}))
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, a := range got {
			ids = append(ids, a.ClientID)
		}
		if diff := cmp.Diff([]string{"fj-hrss-shebao-a", "fj-hrss-shebao-b"}, ids); diff != "" {
			t.Errorf("launcher mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestRegisterValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, _, _ := setup(t, db)
		ctx := as(officeAdmin)
		for _, tc := range []struct {
			name        string
			change      func(r *apps.Registration)
			field, text string // field at fault and message key
		}{
			{"client id with capitals", func(r *apps.Registration) { r.ClientID = "Shebao" }, "client_id", "apps.error.bad_client_id"},
			{"client id with a colon", func(r *apps.Registration) { r.ClientID = "she:bao" }, "client_id", "apps.error.bad_client_id"},
			{"client id new, the registration form's name", func(r *apps.Registration) { r.ClientID = "new" }, "client_id", "apps.error.bad_client_id"},
			{"no type", func(r *apps.Registration) { r.Type = "" }, "type", "apps.error.bad_type"},
			{"no name", func(r *apps.Registration) { r.Name = apps.Text{En: "only English"} }, "name_hans", "error.required"},
			{"name too long", func(r *apps.Registration) { r.Name.Hans = strings.Repeat("长", 101) }, "name_hans", "apps.error.too_long"},
			{"unknown department", func(r *apps.Registration) { r.OwnerOrg = "fj-nowhere" }, "owner_org", "apps.error.unknown_org"},
			{"no redirect URI", func(r *apps.Registration) { r.RedirectURIs = nil }, "redirect_uris", "error.required"},
			{"http redirect for a web app", func(r *apps.Registration) { r.RedirectURIs = []string{"http://shebao.fujian.gov.cn/cb"} }, "redirect_uris", "apps.error.uri_not_https"},
			{"loopback redirect for a web app", func(r *apps.Registration) { r.RedirectURIs = []string{"http://127.0.0.1/cb"} }, "redirect_uris", "apps.error.uri_not_https"},
			{"custom scheme", func(r *apps.Registration) { r.RedirectURIs = []string{"cn.gov.fujian.app://cb"} }, "redirect_uris", "apps.error.uri_not_https"},
			{"relative redirect", func(r *apps.Registration) { r.RedirectURIs = []string{"/cb"} }, "redirect_uris", "apps.error.uri_malformed"},
			{"fragment", func(r *apps.Registration) { r.RedirectURIs = []string{"https://shebao.fujian.gov.cn/cb#x"} }, "redirect_uris", "apps.error.uri_fragment"},
			{"user information", func(r *apps.Registration) { r.RedirectURIs = []string{"https://a:b@shebao.fujian.gov.cn/cb"} }, "redirect_uris", "apps.error.uri_userinfo"},
			{"post-logout over http", func(r *apps.Registration) { r.PostLogoutRedirectURIs = []string{"http://shebao.fujian.gov.cn/"} }, "post_logout_redirect_uris", "apps.error.uri_not_https"},
			{"unknown scope", func(r *apps.Registration) { r.Scopes = []string{"email"} }, "scopes", "apps.error.unknown_scope"},
			{"API scope for a web app", func(r *apps.Registration) { r.Scopes = []string{principal.ScopeAPIWrite} }, "scopes", "apps.error.scope_not_for_type"},
			{"entitled without the scope", func(r *apps.Registration) { r.Scopes = []string{apps.ScopeProfile}; r.IDNumberEntitled = true }, "id_number_entitled", "apps.error.entitled_without_scope"},
			{"launch URL over http", func(r *apps.Registration) { r.LaunchURL = "http://shebao.fujian.gov.cn/" }, "launch_url", "apps.error.uri_not_https"},
			{"native app on a non-loopback http host", func(r *apps.Registration) {
				r.Type, r.RedirectURIs, r.LaunchURL = apps.TypeNative, []string{"http://192.168.1.10:8080/cb"}, ""
			}, "redirect_uris", "apps.error.uri_http_not_loopback"},
			{"service with a redirect URI", func(r *apps.Registration) {
				r.Type, r.Scopes, r.LaunchURL = apps.TypeService, []string{principal.ScopeAPIRead}, ""
			}, "redirect_uris", "apps.error.service_no_redirect"},
			{"service with a person scope", func(r *apps.Registration) {
				r.Type, r.Scopes, r.RedirectURIs, r.PostLogoutRedirectURIs, r.LaunchURL = apps.TypeService, []string{apps.ScopePhone}, nil, nil, ""
			}, "scopes", "apps.error.scope_not_for_type"},
			{"service without scopes", func(r *apps.Registration) {
				r.Type, r.Scopes, r.RedirectURIs, r.PostLogoutRedirectURIs, r.LaunchURL = apps.TypeService, nil, nil, nil, ""
			}, "scopes", "error.required"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				reg := socialSecurity()
				tc.change(&reg)
				_, _, err := s.Register(ctx, reg)
				e := errs.Public(err)
				if e.Kind != errs.Invalid || e.Field != tc.field || e.Message != tc.text {
					t.Fatalf("Register: %v; want invalid field %s with %s", err, tc.field, tc.text)
				}
				if !i18n.Has(e.Message) {
					t.Errorf("message %q is not translated", e.Message)
				}
			})
		}
		// Nothing was stored.
		all, err := s.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 0 {
			t.Errorf("%d apps stored after refused registrations", len(all))
		}
	})
}

func TestRegisterAndSecrets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, _, _ := setup(t, db)
		ctx := as(officeAdmin)
		a, secret, err := s.Register(ctx, socialSecurity())
		if err != nil {
			t.Fatal(err)
		}
		want := apps.App{
			ClientID: "fj-hrss-shebao", Name: apps.Text{Hans: "社保查询", Hant: "社保查詢", En: "Social security"},
			Description: apps.Text{Hans: "查询社保缴费记录"}, OwnerOrg: "fj-hrss", Type: apps.TypeWeb,
			RedirectURIs:           []string{"https://shebao.fujian.gov.cn/oidc/callback"},
			PostLogoutRedirectURIs: []string{"https://shebao.fujian.gov.cn/"},
			// openid is always granted to apps that sign people in; the list is kept in one order.
			Scopes:    []string{apps.ScopeOpenID, apps.ScopeProfile, apps.ScopeIDNumber, apps.ScopeOfflineAccess},
			LaunchURL: "https://shebao.fujian.gov.cn/",
		}
		if diff := cmp.Diff(want, a, cmpIgnoreTimes); diff != "" {
			t.Errorf("registered app mismatch (-want +got):\n%s", diff)
		}
		if got, err := s.Get(ctx, a.ClientID); err != nil || !cmp.Equal(a, got) {
			t.Errorf("Get: %v; differs from Register's answer: %s", err, cmp.Diff(a, got))
		}
		if len(secret) < 43 {
			t.Errorf("secret %q is shorter than 32 random bytes", secret)
		}
		if _, _, err := s.Register(ctx, socialSecurity()); !errs.Is(err, errs.Conflict) {
			t.Errorf("registering the same client id again: %v, want conflict", err)
		}
		if _, err := s.Authenticate(ctx, a.ClientID, secret); err != nil {
			t.Errorf("Authenticate with the secret: %v", err)
		}
		for _, bad := range []struct{ id, secret string }{{a.ClientID, secret + "x"}, {a.ClientID, ""}, {"fj-nobody", secret}} {
			if _, err := s.Authenticate(ctx, bad.id, bad.secret); !errs.Is(err, errs.Unauthenticated) {
				t.Errorf("Authenticate(%q, %q): %v, want unauthenticated", bad.id, bad.secret, err)
			}
		}
		// A new secret replaces the old one at once.
		fresh, err := s.RotateSecret(ctx, a.ClientID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, a.ClientID, secret); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("old secret after rotation: %v, want unauthenticated", err)
		}
		if _, err := s.Authenticate(ctx, a.ClientID, fresh); err != nil {
			t.Errorf("new secret: %v", err)
		}
		// A disabled app cannot authenticate and leaves the launcher; enabling brings it back.
		if err := s.Disable(ctx, a.ClientID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, a.ClientID, fresh); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("disabled app: %v, want unauthenticated", err)
		}
		if l, _ := s.Launcher(ctx); len(l) != 0 {
			t.Errorf("launcher shows a disabled app: %v", l)
		}
		if err := s.Enable(ctx, a.ClientID); err != nil {
			t.Fatal(err)
		}
		// A native app is a public client: no secret, and none to rotate.
		n := socialSecurity()
		n.ClientID, n.Type, n.LaunchURL = "fj-hrss-shebao-app", apps.TypeNative, ""
		n.RedirectURIs = []string{"http://127.0.0.1/callback", "https://shebao.fujian.gov.cn/app/callback"}
		na, nsecret, err := s.Register(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		if nsecret != "" || !na.Public() {
			t.Errorf("native app got secret %q, public %v", nsecret, na.Public())
		}
		if _, err := s.RotateSecret(ctx, na.ClientID); !errs.Is(err, errs.Invalid) {
			t.Errorf("RotateSecret of a native app: %v, want invalid", err)
		}
		// A generated client id when none is chosen; a department system has API scopes only.
		svc, ssecret, err := s.Register(ctx, apps.Registration{Name: apps.Text{Hans: "社保数据交换"}, OwnerOrg: "fj-hrss",
			Type: apps.TypeService, Scopes: []string{principal.ScopeAPIRead}})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(svc.ClientID, "app-") || ssecret == "" || !slices.Equal(svc.Scopes, []string{principal.ScopeAPIRead}) {
			t.Errorf("service app %+v with secret %q", svc, ssecret)
		}

		// Every change is audited, and no secret reaches the audit log.
		evs, err := audit.List(ctx, db, audit.Filter{ObjectType: "app", ObjectID: a.ClientID})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range evs {
			actions = append(actions, e.Action)
			if e.Actor != "official:szb.admin" {
				t.Errorf("%s by %q, want official:szb.admin", e.Action, e.Actor)
			}
			for _, sec := range []string{secret, fresh} {
				if strings.Contains(e.Detail, sec) {
					t.Errorf("%s detail holds a client secret", e.Action)
				}
			}
		}
		wantActions := []string{"apps.app.enabled", "apps.app.disabled", "apps.app.secret_rotated", "apps.app.registered"}
		if diff := cmp.Diff(wantActions, actions); diff != "" {
			t.Errorf("audit mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestUpdate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, _, _ := setup(t, db)
		ctx := as(officeAdmin)
		a, _, err := s.Register(ctx, socialSecurity())
		if err != nil {
			t.Fatal(err)
		}
		reg := socialSecurity()
		reg.Scopes = []string{apps.ScopeProfile, apps.ScopeIDNumber}
		reg.IDNumberEntitled = true
		reg.RedirectURIs = append(reg.RedirectURIs, "https://shebao.fujian.gov.cn/oidc/callback2")
		got, err := s.Update(ctx, a.ClientID, reg)
		if err != nil {
			t.Fatal(err)
		}
		if !got.IDNumberEntitled || len(got.RedirectURIs) != 2 || slices.Contains(got.Scopes, apps.ScopeOfflineAccess) {
			t.Errorf("updated app %+v", got)
		}
		if !got.CreatedAt.Equal(a.CreatedAt) {
			t.Errorf("update changed created_at")
		}
		reg.Type = apps.TypeNative
		if _, err := s.Update(ctx, a.ClientID, reg); errs.Public(err).Field != "type" {
			t.Errorf("changing the type: %v, want a type field error", err)
		}
		if _, err := s.Update(ctx, "fj-nobody", socialSecurity()); !errs.Is(err, errs.NotFound) {
			t.Errorf("updating an unknown app: %v, want not found", err)
		}
		evs, err := audit.List(ctx, db, audit.Filter{ObjectType: "app", ObjectID: a.ClientID})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 2 || evs[0].Action != "apps.app.updated" || evs[0].BeforeDigest == evs[0].AfterDigest {
			t.Errorf("audit after update: %+v", evs)
		}
	})
}

func TestRedirectAllowed(t *testing.T) {
	web := apps.App{Type: apps.TypeWeb, RedirectURIs: []string{"https://shebao.fujian.gov.cn/cb", "https://shebao.fujian.gov.cn/cb?x=1"},
		PostLogoutRedirectURIs: []string{"https://shebao.fujian.gov.cn/bye"}}
	native := apps.App{Type: apps.TypeNative, RedirectURIs: []string{"http://127.0.0.1/callback", "http://[::1]:7000/cb", "http://localhost/done", "https://app.fujian.gov.cn/cb"}}
	for _, tc := range []struct {
		name string
		app  apps.App
		uri  string
		want bool
	}{
		{"web: registered", web, "https://shebao.fujian.gov.cn/cb", true},
		{"web: registered with its query", web, "https://shebao.fujian.gov.cn/cb?x=1", true},
		{"web: another query", web, "https://shebao.fujian.gov.cn/cb?x=2", false},
		{"web: another path", web, "https://shebao.fujian.gov.cn/cb/evil", false},
		{"web: trailing slash", web, "https://shebao.fujian.gov.cn/cb/", false},
		{"web: another host", web, "https://evil.example/cb", false},
		{"web: http", web, "http://shebao.fujian.gov.cn/cb", false},
		{"web: with a port", web, "https://shebao.fujian.gov.cn:8443/cb", false},
		{"web: fragment", web, "https://shebao.fujian.gov.cn/cb#frag", false},
		{"web: loopback is not special", web, "http://127.0.0.1:5000/cb", false},
		{"web: empty", web, "", false},
		{"native: loopback on any port", native, "http://127.0.0.1:53412/callback", true},
		{"native: loopback without a port", native, "http://127.0.0.1/callback", true},
		{"native: IPv6 loopback on another port", native, "http://[::1]:41000/cb", true},
		{"native: localhost on any port", native, "http://localhost:9999/done", true},
		{"native: loopback, other path", native, "http://127.0.0.1:53412/other", false},
		{"native: loopback, added query", native, "http://127.0.0.1:53412/callback?x=1", false},
		{"native: registered IPv4 does not admit localhost", native, "http://localhost:53412/callback", false},
		{"native: registered IPv4 does not admit IPv6", native, "http://[::1]:53412/callback", false},
		{"native: https loopback is not RFC 8252's", native, "https://127.0.0.1:53412/callback", false},
		{"native: fragment", native, "http://127.0.0.1:53412/callback#x", false},
		{"native: user information", native, "http://evil@127.0.0.1:53412/callback", false},
		{"native: other host", native, "http://192.168.0.2:53412/callback", false},
		{"native: host ending in a loopback name", native, "http://127.0.0.1.evil.example:53412/callback", false},
		{"native: registered https", native, "https://app.fujian.gov.cn/cb", true},
		{"native: registered https on another port", native, "https://app.fujian.gov.cn:444/cb", false},
		{"disabled app", apps.App{Type: apps.TypeWeb, Disabled: true, RedirectURIs: web.RedirectURIs}, "https://shebao.fujian.gov.cn/cb", false},
	} {
		if got := apps.RedirectAllowed(tc.app, tc.uri); got != tc.want {
			t.Errorf("%s: RedirectAllowed(%q) = %v, want %v", tc.name, tc.uri, got, tc.want)
		}
	}
	if !apps.PostLogoutRedirectAllowed(web, "https://shebao.fujian.gov.cn/bye") || apps.PostLogoutRedirectAllowed(web, "https://shebao.fujian.gov.cn/cb") {
		t.Errorf("post-logout URIs are checked against the redirect URIs")
	}
}

func TestScopeDescriptionsTranslated(t *testing.T) {
	for _, sc := range slices.Concat(apps.PersonScopes, apps.ServiceScopes) {
		for _, entitled := range []bool{false, true} {
			key := apps.ScopeMessageKey(sc, entitled)
			for _, lang := range i18n.All {
				if !i18n.Has(key) || i18n.T(lang, key) == key {
					t.Errorf("scope %s (entitled %v): no %s description under %q", sc, entitled, lang, key)
				}
			}
		}
	}
	if apps.ScopeMessageKey(apps.ScopeIDNumber, true) == apps.ScopeMessageKey(apps.ScopeIDNumber, false) {
		t.Errorf("a person cannot tell a masked ID number from a full one on the consent page")
	}
}

var cmpIgnoreTimes = cmp.FilterPath(func(p cmp.Path) bool {
	last := p.Last().String()
	return last == ".CreatedAt" || last == ".UpdatedAt" || last == ".GrantedAt"
}, cmp.Ignore())
