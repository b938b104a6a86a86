package api_test

import (
	"context"
	"slices"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// The demo's apps (internal/demo): demo-shebao, a web app of fj-hrss in the launcher;
// demo-cli, a native app; demo-data-sync, a department system. fuzhou.admin administers a
// city, not the app registry.
const cityAdmin = "fuzhou.admin"

// etax is a web app of the tax bureau that the scenarios register.
const etax = `{"client_id":"fj-tax-etax","type":"web","name_hans":"电子税务局","name_hant":"電子稅務局","name_en":"e-Tax",` +
	`"description_hans":"网上申报纳税。","owner_org":"fj-tax","redirect_uris":["https://etax.fujian.gov.cn/oidc/callback"],` +
	`"post_logout_redirect_uris":["https://etax.fujian.gov.cn/"],"scopes":["profile","id_number"],"id_number_entitled":true,` +
	`"launch_url":"https://etax.fujian.gov.cn/"}`

// etaxUpdate changes e-Tax's name and scopes; it leaves out the kind, which cannot change.
const etaxUpdate = `{"name_hans":"福建电子税务局","owner_org":"fj-tax","redirect_uris":["https://etax.fujian.gov.cn/oidc/callback"],` +
	`"scopes":["profile","phone"],"launch_url":"https://etax.fujian.gov.cn/"}`

func notAdministrator() map[string]any {
	return errWant("forbidden", zh("apps.error.not_administrator"))
}

// appsScenarios run in order within the main scenarios: the launcher, then the registry.
var appsScenarios = []scenario{
	// The launcher, for anyone.
	{name: "apps: launcher, public", method: "GET", url: "/api/v1/apps", status: 200,
		want: map[string]any{"#": 1, "0.client_id": "demo-shebao", "0.owner_org": "fj-hrss", "0.launch_url": "https://localhost:8443/",
			"0.name.zh_hans": "社保查询（演示）", "0.name.en": "Social insurance records (demo)", "0.scopes.0": "openid",
			"0.asks_for.#": 6, "0.asks_for.1": zh("apps.scope.profile"), "0.redirect_uris": absent, "0.disabled": absent}},
	{name: "apps: launcher in English", method: "GET", url: "/api/v1/apps", header: map[string]string{"Accept-Language": "en"}, status: 200,
		want: map[string]any{"0.asks_for.1": msg("en", "apps.scope.profile")}},

	// The registry: the digital office's administrators only.
	{name: "apps: list, anonymous", method: "GET", url: "/api/v1/admin/apps", status: 401, want: unauthenticated},
	{name: "apps: list, a department's official", method: "GET", url: "/api/v1/admin/apps", as: gxt, status: 403, want: notAdministrator()},
	{name: "apps: list, the digital office's reviewer", method: "GET", url: "/api/v1/admin/apps", as: reviewer, status: 403, want: notAdministrator()},
	{name: "apps: list, a city's administrator", method: "GET", url: "/api/v1/admin/apps", as: cityAdmin, status: 403, want: notAdministrator()},
	{name: "apps: list", method: "GET", url: "/api/v1/admin/apps", as: admin, status: 200,
		want: map[string]any{"#": 3, "0.client_id": "demo-data-sync", "0.type": "service", "0.redirect_uris.#": 0,
			"1.client_id": "demo-cli", "1.type": "native", "1.redirect_uris.0": "http://127.0.0.1/callback",
			"2.client_id": "demo-shebao", "2.disabled": false, "2.secret_hash": absent, "2.client_secret": absent}},

	// Registering.
	{name: "apps: register, anonymous", method: "POST", url: "/api/v1/admin/apps", body: etax, status: 401, want: unauthenticated},
	{name: "apps: register, a city's administrator", method: "POST", url: "/api/v1/admin/apps", as: cityAdmin, body: etax, status: 403,
		want: notAdministrator()},
	{name: "apps: register, no name", method: "POST", url: "/api/v1/admin/apps", as: admin,
		body:   `{"type":"web","owner_org":"fj-tax","redirect_uris":["https://etax.fujian.gov.cn/cb"],"scopes":["profile"]}`,
		status: 400, want: fieldErr("name_hans", zh("error.required"))},
	{name: "apps: register, unknown kind", method: "POST", url: "/api/v1/admin/apps", as: admin,
		body: `{"type":"mainframe","name_hans":"x","owner_org":"fj-tax","scopes":["profile"]}`, status: 400,
		want: fieldErr("type", zh("apps.error.bad_type"))},
	{name: "apps: register, http redirect", method: "POST", url: "/api/v1/admin/apps", as: admin,
		body:   `{"type":"web","name_hans":"x","owner_org":"fj-tax","redirect_uris":["http://etax.fujian.gov.cn/cb"],"scopes":["profile"]}`,
		status: 400, want: fieldErr("redirect_uris", zh("apps.error.uri_not_https", "http://etax.fujian.gov.cn/cb"))},
	{name: "apps: register, a web app's scope for a system", method: "POST", url: "/api/v1/admin/apps", as: admin,
		body: `{"type":"service","name_hans":"x","owner_org":"fj-tax","scopes":["profile"]}`, status: 400,
		want: fieldErr("scopes", zh("apps.error.scope_not_for_type", "profile", "service"))},
	{name: "apps: register, unknown organisation", method: "POST", url: "/api/v1/admin/apps", as: admin,
		body: `{"type":"service","name_hans":"x","owner_org":"fj-atlantis","scopes":["api:read"]}`, status: 400,
		want: fieldErr("owner_org", zh("apps.error.unknown_org", "fj-atlantis"))},
	{name: "apps: register, bad client id", method: "POST", url: "/api/v1/admin/apps", as: admin,
		body: `{"client_id":"E-Tax","type":"service","name_hans":"x","owner_org":"fj-tax","scopes":["api:read"]}`, status: 400,
		want: fieldErr("client_id", zh("apps.error.bad_client_id"))},
	{name: "apps: register, unknown field", method: "POST", url: "/api/v1/admin/apps", as: admin,
		body: `{"type":"service","name_hans":"x","owner_org":"fj-tax","scopes":["api:read"],"secret":"mine"}`, status: 400,
		want: fieldErr("secret", zh("api.error.unknown_field", "secret"))},
	{name: "apps: register a web app", method: "POST", url: "/api/v1/admin/apps", as: admin, body: etax, status: 201,
		want: map[string]any{"client_id": "fj-tax-etax", "type": "web", "name.zh_hant": "電子稅務局", "owner_org": "fj-tax",
			"scopes.#": 3, "scopes.0": "openid", "id_number_entitled": true, "disabled": false, "client_secret": present,
			"created_at": present},
		audit: []string{"apps.app.registered"}, save: map[string]string{"etaxSecret": "client_secret"}},
	{name: "apps: register, client id taken", method: "POST", url: "/api/v1/admin/apps", as: admin, body: etax, status: 409,
		want: map[string]any{"error.kind": "conflict", "error.field": "client_id", "error.message": zh("apps.error.client_id_taken", "fj-tax-etax")}},
	{name: "apps: register a native app, which has no secret", method: "POST", url: "/api/v1/admin/apps", as: admin,
		body:   `{"type":"native","name_hans":"闽政通","owner_org":"fj-digital-office","redirect_uris":["http://127.0.0.1/callback"],"scopes":["profile"]}`,
		status: 201, want: map[string]any{"client_id": present, "type": "native", "client_secret": absent},
		audit: []string{"apps.app.registered"}},
	{name: "apps: the new web app is in the launcher", method: "GET", url: "/api/v1/apps", status: 200,
		want: map[string]any{"#": 2, "0.client_id": "demo-shebao", "1.client_id": "fj-tax-etax", "1.asks_for.#": 3,
			"1.asks_for.2": zh("apps.scope.id_number_full")}},

	// Changing a registration.
	{name: "apps: update, anonymous", method: "PUT", url: "/api/v1/admin/apps/fj-tax-etax", body: etaxUpdate, status: 401, want: unauthenticated},
	{name: "apps: update, a department's official", method: "PUT", url: "/api/v1/admin/apps/fj-tax-etax", as: gxt, body: etaxUpdate,
		status: 403, want: notAdministrator()},
	{name: "apps: update, the kind cannot change", method: "PUT", url: "/api/v1/admin/apps/fj-tax-etax", as: admin,
		body:   `{"type":"native","name_hans":"x","owner_org":"fj-tax","redirect_uris":["https://etax.fujian.gov.cn/oidc/callback"],"scopes":["profile"]}`,
		status: 400, want: fieldErr("type", zh("apps.error.type_fixed"))},
	{name: "apps: update, launch address not https", method: "PUT", url: "/api/v1/admin/apps/fj-tax-etax", as: admin,
		body:   `{"name_hans":"x","owner_org":"fj-tax","redirect_uris":["https://etax.fujian.gov.cn/oidc/callback"],"scopes":["profile"],"launch_url":"http://etax.fujian.gov.cn/"}`,
		status: 400, want: fieldErr("launch_url", zh("apps.error.uri_not_https", "http://etax.fujian.gov.cn/"))},
	{name: "apps: update, the client id is not the body's", method: "PUT", url: "/api/v1/admin/apps/fj-tax-etax", as: admin,
		body: `{"client_id":"other","name_hans":"x","owner_org":"fj-tax","scopes":["profile"]}`, status: 400,
		want: fieldErr("client_id", zh("api.error.unknown_field", "client_id"))},
	{name: "apps: update, unknown app", method: "PUT", url: "/api/v1/admin/apps/no-such-app", as: admin, body: etaxUpdate, status: 404,
		want: errWant("not_found", zh("apps.error.no_such_app", "no-such-app"))},
	{name: "apps: update", method: "PUT", url: "/api/v1/admin/apps/fj-tax-etax", as: admin, body: etaxUpdate, status: 200,
		want: map[string]any{"client_id": "fj-tax-etax", "type": "web", "name.zh_hans": "福建电子税务局", "name.zh_hant": "",
			"scopes.#": 3, "scopes.2": "phone", "id_number_entitled": false},
		audit: []string{"apps.app.updated"}},

	// A new secret.
	{name: "apps: new secret, anonymous", method: "POST", url: "/api/v1/admin/apps/fj-tax-etax/secret", status: 401, want: unauthenticated},
	{name: "apps: new secret, the digital office's reviewer", method: "POST", url: "/api/v1/admin/apps/fj-tax-etax/secret", as: reviewer,
		status: 403, want: notAdministrator()},
	{name: "apps: new secret for a native app", method: "POST", url: "/api/v1/admin/apps/demo-cli/secret", as: admin, status: 400,
		want: fieldErr("client_id", zh("apps.error.public_no_secret"))},
	{name: "apps: new secret, unknown app", method: "POST", url: "/api/v1/admin/apps/no-such-app/secret", as: admin, status: 404,
		want: errWant("not_found", zh("apps.error.no_such_app", "no-such-app"))},
	{name: "apps: new secret", method: "POST", url: "/api/v1/admin/apps/fj-tax-etax/secret", as: admin, status: 200,
		want:  map[string]any{"client_id": "fj-tax-etax", "client_secret": present},
		audit: []string{"apps.app.secret_rotated"}, save: map[string]string{"etaxSecret2": "client_secret"}},

	// Disabling and enabling.
	{name: "apps: disable, anonymous", method: "POST", url: "/api/v1/admin/apps/fj-tax-etax/disable", status: 401, want: unauthenticated},
	{name: "apps: disable, a city's administrator", method: "POST", url: "/api/v1/admin/apps/fj-tax-etax/disable", as: cityAdmin,
		status: 403, want: notAdministrator()},
	{name: "apps: disable, unknown app", method: "POST", url: "/api/v1/admin/apps/no-such-app/disable", as: admin, status: 404,
		want: errWant("not_found", zh("apps.error.no_such_app", "no-such-app"))},
	{name: "apps: disable", method: "POST", url: "/api/v1/admin/apps/fj-tax-etax/disable", as: admin, status: 200,
		want: map[string]any{"client_id": "fj-tax-etax", "disabled": true}, audit: []string{"apps.app.disabled"}},
	{name: "apps: a disabled app leaves the launcher", method: "GET", url: "/api/v1/apps", status: 200,
		want: map[string]any{"#": 1, "0.client_id": "demo-shebao"}},
	{name: "apps: disable again changes nothing", method: "POST", url: "/api/v1/admin/apps/fj-tax-etax/disable", as: admin, status: 200,
		want: map[string]any{"disabled": true}},
	{name: "apps: enable, anonymous", method: "POST", url: "/api/v1/admin/apps/fj-tax-etax/enable", status: 401, want: unauthenticated},
	{name: "apps: enable, a department's official", method: "POST", url: "/api/v1/admin/apps/fj-tax-etax/enable", as: gxt,
		status: 403, want: notAdministrator()},
	{name: "apps: enable, unknown app", method: "POST", url: "/api/v1/admin/apps/no-such-app/enable", as: admin, status: 404,
		want: errWant("not_found", zh("apps.error.no_such_app", "no-such-app"))},
	{name: "apps: enable", method: "POST", url: "/api/v1/admin/apps/fj-tax-etax/enable", as: admin, status: 200,
		want: map[string]any{"client_id": "fj-tax-etax", "disabled": false}, audit: []string{"apps.app.enabled"}},
	{name: "apps: back in the launcher", method: "GET", url: "/api/v1/apps", status: 200, want: map[string]any{"#": 2}},
}

func init() { scenarios = append(scenarios, appsScenarios...) }

// TestAppSecretRotation checks, through the API, that a client secret works from the moment it
// is shown and stops working the moment a new one is made.
func TestAppSecretRotation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		h := a.Server.Handler()
		ss := &sessions{ids: a.Identity, tokens: map[string]string{}}
		saved := map[string]string{}
		run := func(name string) {
			t.Helper()
			i := slices.IndexFunc(appsScenarios, func(sc scenario) bool { return sc.name == name })
			if i < 0 {
				t.Fatalf("no scenario %q", name)
			}
			t.Run(name, func(t *testing.T) { appsScenarios[i].run(t, h, db, ss, saved) })
		}
		authenticate := func(secret string) error {
			_, err := a.Apps.Authenticate(context.Background(), "fj-tax-etax", secret)
			return err
		}
		run("apps: register a web app")
		first := saved["etaxSecret"]
		if err := authenticate(first); err != nil {
			t.Fatalf("the secret shown at registration: %v", err)
		}
		run("apps: new secret")
		second := saved["etaxSecret2"]
		if second == "" || second == first {
			t.Fatalf("new secret %q, old %q", second, first)
		}
		if err := authenticate(first); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("the old secret after a new one: %v, want unauthenticated", err)
		}
		if err := authenticate(second); err != nil {
			t.Errorf("the new secret: %v", err)
		}
	})
}
