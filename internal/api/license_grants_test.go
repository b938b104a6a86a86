package api_test

import (
	"testing"

	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// The grants' routes in the main table: refusals that need no licence of the caller's. The
// life of a grant (grant, list, fetch, the use, revoke, refused) runs on a platform of its own
// in TestLicenceGrantScenarios.
func init() {
	scenarios = append(scenarios, licenseGrantMainScenarios...)
}

var licenseGrantMainScenarios = []scenario{
	{name: "grants: grant, the public", method: "POST", url: "/api/v1/licenses/" + unknownLicence + "/grants", as: anon,
		body: `{"grantee_org":"xm-market-regulation","purpose":"x","valid_until":"2099-01-01"}`, status: 401},
	{name: "grants: grant, unknown licence", method: "POST", url: "/api/v1/licenses/" + unknownLicence + "/grants", as: resident,
		body: `{"grantee_org":"xm-market-regulation","purpose":"x","valid_until":"2099-01-01"}`, status: 404},
	{name: "grants: list, unknown licence", method: "GET", url: "/api/v1/licenses/" + unknownLicence + "/grants", as: resident, status: 404},
	{name: "grants: revoke, unknown grant", method: "POST", url: "/api/v1/licenses/grants/gr_nosuch/revoke", as: resident, status: 404,
		want: errWant("not_found", zh("license.grant.error.not_found"))},
	{name: "grants: granted to, a resident", method: "GET", url: "/api/v1/work/licence-grants", as: resident, status: 403,
		want: errWant("forbidden", zh("license.grant.error.officials_only"))},
	{name: "grants: granted to, nothing yet", method: "GET", url: "/api/v1/work/licence-grants", as: gxt, status: 200,
		want: map[string]any{"grants.#": 0}},
	{name: "grants: fetch without a grant", method: "POST", url: "/api/v1/work/licenses/" + unknownLicence + "/fetch", as: gxt,
		body: `{"reason":"审查"}`, status: 403, want: errWant("forbidden", zh("license.grant.error.no_grant"))},
}

// licenceGrantScenarios run after licenceFixture: {lic} is the demo resident's licence.
var licenceGrantScenarios = []scenario{
	{name: "grant: another resident", method: "POST", url: "/api/v1/licenses/{lic}/grants", as: otherResident,
		body: `{"grantee_org":"xm-market-regulation","purpose":"分店","valid_until":"2099-01-01"}`, status: 404},
	{name: "grant: the issuer's official", method: "POST", url: "/api/v1/licenses/{lic}/grants", as: "fzscj.approver",
		body: `{"grantee_org":"xm-market-regulation","purpose":"分店","valid_until":"2099-01-01"}`, status: 404},
	{name: "grant: no end", method: "POST", url: "/api/v1/licenses/{lic}/grants", as: resident,
		body: `{"grantee_org":"xm-market-regulation","purpose":"分店"}`, status: 400,
		want: fieldErr("valid_until", zh("license.grant.error.until_required"))},
	{name: "grant: a bad date", method: "POST", url: "/api/v1/licenses/{lic}/grants", as: resident,
		body: `{"grantee_org":"xm-market-regulation","purpose":"分店","valid_until":"明天"}`, status: 400,
		want: fieldErr("valid_until", zh("license.grant.error.time"))},
	{name: "grant: too long", method: "POST", url: "/api/v1/licenses/{lic}/grants", as: resident,
		body: `{"grantee_org":"xm-market-regulation","purpose":"分店","valid_until":"2099-01-01"}`, status: 400,
		want: fieldErr("valid_until", zh("license.grant.error.too_long"))},
	{name: "grant: unknown organisation", method: "POST", url: "/api/v1/licenses/{lic}/grants", as: resident,
		body: `{"grantee_org":"nobody","purpose":"分店","valid_until":"{until}"}`, status: 400,
		want: fieldErr("grantee_org", zh("license.grant.error.org_unknown"))},
	{name: "grant: a node that is no peer", method: "POST", url: "/api/v1/licenses/{lic}/grants", as: resident,
		body: `{"grantee_node":"330000","grantee_org":"91330106MA2XN4K7X1","purpose":"分店","valid_until":"{until}"}`, status: 400,
		want: fieldErr("grantee_node", zh("license.grant.error.node_unknown"))},
	{name: "grant: no purpose", method: "POST", url: "/api/v1/licenses/{lic}/grants", as: resident,
		body: `{"grantee_org":"xm-market-regulation","valid_until":"{until}"}`, status: 400, want: map[string]any{"error.field": "purpose"}},
	{name: "grant: unknown field", method: "POST", url: "/api/v1/licenses/{lic}/grants", as: resident,
		body: `{"grantee_org":"xm-market-regulation","purpose":"分店","valid_until":"{until}","scope":"all"}`, status: 400,
		want: map[string]any{"error.field": "scope"}},
	{name: "grant", method: "POST", url: "/api/v1/licenses/{lic}/grants", as: resident,
		body: `{"grantee_org":"xm-market-regulation","purpose":"办理分店许可","valid_until":"{until}"}`, status: 201,
		want: map[string]any{"id": present, "licence_id": "{lic}", "grantee_node": "", "grantee_org": "xm-market-regulation",
			"grantee_name": "厦门市市场监督管理局", "active": true, "revoked_at": absent},
		audit: []string{"license.grant"}, save: map[string]string{"grant": "id"}},
	{name: "grants: the holder's list", method: "GET", url: "/api/v1/licenses/{lic}/grants", as: resident, status: 200,
		want: map[string]any{"grants.#": 1, "grants.0.id": "{grant}", "grants.0.purpose": "办理分店许可"}},
	{name: "grants: another resident's list", method: "GET", url: "/api/v1/licenses/{lic}/grants", as: otherResident, status: 404},
	{name: "granted to: the grantee", method: "GET", url: "/api/v1/work/licence-grants", as: "xmscj.window", status: 200,
		want: map[string]any{"grants.#": 1, "grants.0.id": "{grant}", "grants.0.licence_id": "{lic}",
			"grants.0.licence_name": "食品经营许可证", "grants.0.active": true}},
	{name: "granted to: another organisation", method: "GET", url: "/api/v1/work/licence-grants", as: "fzscj.approver", status: 200,
		want: map[string]any{"grants.#": 0}},
	{name: "fetch: another organisation", method: "POST", url: "/api/v1/work/licenses/{lic}/fetch", as: "fzscj.approver",
		body: `{"reason":"看看"}`, status: 403, want: map[string]any{"error.message": zh("license.grant.error.no_grant"), "licence": absent}},
	{name: "fetch: the holder", method: "POST", url: "/api/v1/work/licenses/{lic}/fetch", as: resident,
		body: `{"reason":"看看"}`, status: 403},
	{name: "fetch: no reason", method: "POST", url: "/api/v1/work/licenses/{lic}/fetch", as: "xmscj.window",
		body: `{"reason":" "}`, status: 400, want: map[string]any{"error.field": "reason"}},
	{name: "fetch", method: "POST", url: "/api/v1/work/licenses/{lic}/fetch", as: "xmscj.window",
		body: `{"reason":"审查分店申请"}`, header: map[string]string{"Accept-Language": "en"}, status: 200,
		want: map[string]any{"state": "valid", "state_text": msg(i18n.En, "license.state.valid"), "grant_id": "{grant}",
			"licence.id": "{lic}", "licence.disclosed.premises": "福州市鼓楼区东街88号", "licence.disclosed.holder_code": present,
			"credential": present, "disclosures.#": 6},
		audit: []string{"license.fetch"}},
	{name: "fetch: the holder sees the use", method: "GET", url: "/api/v1/licenses/{lic}", as: resident, status: 200,
		want: map[string]any{"uses.#": 1, "uses.0.kind": "fetched", "uses.0.by_org": "xm-market-regulation",
			"uses.0.grant_id": "{grant}", "uses.0.purpose": "审查分店申请"}},
	{name: "revoke: another resident", method: "POST", url: "/api/v1/licenses/grants/{grant}/revoke", as: otherResident, status: 404},
	{name: "revoke: the grantee", method: "POST", url: "/api/v1/licenses/grants/{grant}/revoke", as: "xmscj.window", status: 404},
	{name: "revoke", method: "POST", url: "/api/v1/licenses/grants/{grant}/revoke", as: resident, status: 200,
		want: map[string]any{"id": "{grant}", "active": false, "revoked_at": present}, audit: []string{"license.grant.revoke"}},
	{name: "revoke again", method: "POST", url: "/api/v1/licenses/grants/{grant}/revoke", as: resident, body: `{}`, status: 409,
		want: errWant("conflict", zh("license.grant.error.revoked"))},
	{name: "fetch after the revocation", method: "POST", url: "/api/v1/work/licenses/{lic}/fetch", as: "xmscj.window",
		body: `{"reason":"再看"}`, status: 403, want: errWant("forbidden", zh("license.grant.error.no_grant"))},
	{name: "granted to: nothing after the revocation", method: "GET", url: "/api/v1/work/licence-grants", as: "xmscj.window",
		status: 200, want: map[string]any{"grants.#": 0}},
}

func TestLicenceGrantScenarios(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		h := a.Server.Handler()
		ss := &sessions{ids: a.Identity, tokens: map[string]string{}}
		saved := map[string]string{"lic": licenceFixture(t, a),
			"until": db.Clock().Now().AddDate(0, 1, 0).Format("2006-01-02")}
		for _, sc := range licenceGrantScenarios {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, h, db, ss, saved) })
		}
	})
}
