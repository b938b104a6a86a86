package api_test

import (
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// The officials' licence routes: Fuzhou's market regulator drafts a type, the digital office
// publishes it, its approver issues, suspends, reinstates, changes and revokes a licence; a
// reviewer may read but not issue, and another organisation's official finds nothing.
var (
	lwType   = idcode.NewCreditCode('1', '1', "100000", "00001399") + "078"
	lwHolder = idcode.NewCreditCode('9', '2', "350102", "MA2XN4K7")
	lwPerson = idcode.NewResidentID("350102", time.Date(1988, 3, 7, 0, 0, 0, 0, time.UTC), 123)
)

const (
	lwAdmin    = "fzscj.admin"
	lwApprover = "fzscj.approver"
	lwReviewer = "fzscj.reviewer"
	lwOther    = "xmscj.window"
	lwOffice   = "szb.admin"
)

func lwTypeBody(nameEn string) string {
	return `{"code":"` + lwType + `","name_hans":"小餐饮登记证","name_hant":"小餐飲登記證","name_en":"` + nameEn + `",
	"authority_name":"国家市场监督管理总局","authority_level":"national","issuer_level":"city","holder_category":"both",
	"min_validity_months":12,"max_validity_months":36,
	"fields":[{"key":"shop_name","name_hans":"店名","name_hant":"店名","name_en":"Shop","kind":"text","required":true},
	{"key":"address","name_hans":"地址","name_hant":"地址","name_en":"Address","kind":"area","required":true}]}`
}

func lwIssueBody(holderCode string) string {
	return `{"type_code":"` + lwType + `","holder_name":"福州市鼓楼区榕城小吃店","holder_code":"` + holderCode + `",
	"holder_code_type":"001","face":{"shop_name":"榕城小吃","address":"福州市鼓楼区杨桥东路18号"}}`
}

var licenseWorkScenarios = []scenario{
	{name: "license work: types, the public", method: "GET", url: "/api/v1/work/license-types", as: anon, status: 401, want: unauthenticated},
	{name: "license work: types, a resident", method: "GET", url: "/api/v1/work/license-types", as: resident, status: 403,
		want: errWant("forbidden", zh("license.error.types_forbidden"))},
	{name: "license work: save, a reviewer", method: "POST", url: "/api/v1/work/license-types", as: lwReviewer, body: lwTypeBody("Small catering"),
		status: 403, want: errWant("forbidden", zh("license.error.type_edit_forbidden"))},
	{name: "license work: save, bad code", method: "POST", url: "/api/v1/work/license-types", as: lwAdmin,
		body: `{"code":"ABC","name_hans":"x","name_hant":"x","name_en":"x","fields":[]}`, status: 400, want: map[string]any{"error.field": "code"}},
	{name: "license work: save, unknown field", method: "POST", url: "/api/v1/work/license-types", as: lwAdmin, body: `{"colour":"red"}`,
		status: 400, want: map[string]any{"error.field": "colour"}},
	{name: "license work: save", method: "POST", url: "/api/v1/work/license-types", as: lwAdmin, body: lwTypeBody("Small catering"),
		status: 200, want: map[string]any{"status": "draft", "version": 1, "org": "fz-market-regulation", "authority_code": lwType[:18]},
		audit: []string{"license.type.save"}},
	{name: "license work: types, own", method: "GET", url: "/api/v1/work/license-types", as: lwReviewer, status: 200,
		want: map[string]any{"#": 1, "0.code": lwType}},
	{name: "license work: type, another organisation", method: "GET", url: "/api/v1/work/license-types/" + lwType, as: lwOther, status: 404,
		want: errWant("not_found", zh("license.error.type_not_found"))},
	{name: "license work: submit", method: "POST", url: "/api/v1/work/license-types/" + lwType + "/submit", as: lwAdmin, status: 200,
		want: map[string]any{"status": "submitted"}, audit: []string{"license.type.submit"}},
	{name: "license work: publish, not the digital office", method: "POST", url: "/api/v1/work/license-types/" + lwType + "/publish", as: lwAdmin,
		status: 403, want: errWant("forbidden", zh("license.error.type_decide_forbidden"))},
	{name: "license work: publish", method: "POST", url: "/api/v1/work/license-types/" + lwType + "/publish", as: lwOffice, status: 200,
		want: map[string]any{"status": "published"}, audit: []string{"license.type.publish"}},
	{name: "license work: second draft", method: "POST", url: "/api/v1/work/license-types", as: lwAdmin, body: lwTypeBody("Small caterer"),
		status: 200, want: map[string]any{"status": "draft", "version": 2}, audit: []string{"license.type.save"}},
	{name: "license work: submit again", method: "POST", url: "/api/v1/work/license-types/" + lwType + "/submit", as: lwAdmin, body: `{}`,
		status: 200, want: map[string]any{"version": 2}, audit: []string{"license.type.submit"}},
	{name: "license work: return without reason", method: "POST", url: "/api/v1/work/license-types/" + lwType + "/return", as: lwOffice,
		body: `{"reason":""}`, status: 400, want: fieldErr("reason", zh("license.error.reason"))},
	{name: "license work: return", method: "POST", url: "/api/v1/work/license-types/" + lwType + "/return", as: lwOffice,
		body: `{"reason":"英文名称请用全称"}`, status: 200, want: map[string]any{"status": "returned", "return_reason": "英文名称请用全称"},
		audit: []string{"license.type.return"}},
	{name: "license work: type", method: "GET", url: "/api/v1/work/license-types/" + lwType, as: lwOffice, status: 200,
		want: map[string]any{"version": 2, "status": "returned"}},
	{name: "license work: versions", method: "GET", url: "/api/v1/work/license-types/" + lwType + "/versions", as: lwAdmin, status: 200,
		want: map[string]any{"#": 2, "0.status": "returned", "1.status": "published"}},

	{name: "license work: issue, a reviewer", method: "POST", url: "/api/v1/work/licenses", as: lwReviewer, body: lwIssueBody(lwHolder),
		status: 403, want: errWant("forbidden", zh("license.error.issue_forbidden"))},
	{name: "license work: issue, bad holder", method: "POST", url: "/api/v1/work/licenses", as: lwApprover, body: lwIssueBody("123"),
		status: 400, want: map[string]any{"error.field": "holder_code"}},
	{name: "license work: issue, a person's code for an enterprise", method: "POST", url: "/api/v1/work/licenses", as: lwApprover,
		body: lwIssueBody(lwPerson), status: 400, want: map[string]any{"error.field": "holder_code"}},
	{name: "license work: issue", method: "POST", url: "/api/v1/work/licenses", as: lwApprover, body: lwIssueBody(lwHolder),
		status: 201, want: map[string]any{"status": "valid", "holder_code": lwHolder, "face.shop_name": "榕城小吃", "history.#": 1,
			"history.0.kind": "issued", "history.0.ledger_index": present},
		audit: []string{"license.issue"}, save: map[string]string{"lid": "id"}},
	{name: "license work: list", method: "GET", url: "/api/v1/work/licenses?type=" + lwType + "&status=valid", as: lwReviewer, status: 200,
		want: map[string]any{"#": 1, "0.id": "{lid}"}},
	{name: "license work: list, bad limit", method: "GET", url: "/api/v1/work/licenses?limit=x", as: lwReviewer, status: 400,
		want: fieldErr("limit", zh("license.error.limit", 200))},
	{name: "license work: list, another organisation", method: "GET", url: "/api/v1/work/licenses?type=" + lwType, as: lwOther, status: 200,
		want: map[string]any{"#": 0}},
	{name: "license work: list, a resident", method: "GET", url: "/api/v1/work/licenses", as: resident, status: 403,
		want: errWant("forbidden", zh("license.error.issued_forbidden"))},
	{name: "license work: get", method: "GET", url: "/api/v1/work/licenses/{lid}", as: lwReviewer, status: 200,
		want: map[string]any{"id": "{lid}", "uses.#": 0}},
	{name: "license work: get, another organisation", method: "GET", url: "/api/v1/work/licenses/{lid}", as: lwOther, status: 404,
		want: errWant("not_found", zh("license.error.not_found"))},
	{name: "license work: suspend, another organisation", method: "POST", url: "/api/v1/work/licenses/{lid}/suspend", as: lwOther,
		body: `{"reason":"x"}`, status: 404, want: errWant("not_found", zh("license.error.not_found"))},
	{name: "license work: revoke, another organisation", method: "POST", url: "/api/v1/work/licenses/{lid}/revoke", as: lwOther,
		body: `{"reason":"x","final":true}`, status: 404, want: errWant("not_found", zh("license.error.not_found"))},
	{name: "license work: revoke unconfirmed, another organisation", method: "POST", url: "/api/v1/work/licenses/{lid}/revoke", as: lwOther,
		body: `{"reason":"x"}`, status: 404, want: errWant("not_found", zh("license.error.not_found"))},
	{name: "license work: change, another organisation", method: "POST", url: "/api/v1/work/licenses/{lid}/change", as: lwOther,
		body: `{"reason":"x","holder_name":"y"}`, status: 404, want: errWant("not_found", zh("license.error.not_found"))},
	{name: "license work: suspend, a reviewer", method: "POST", url: "/api/v1/work/licenses/{lid}/suspend", as: lwReviewer,
		body: `{"reason":"x"}`, status: 403, want: errWant("forbidden", zh("license.error.issue_forbidden"))},
	{name: "license work: suspend", method: "POST", url: "/api/v1/work/licenses/{lid}/suspend", as: lwApprover,
		body: `{"reason":"现场核查"}`, status: 200, want: map[string]any{"status": "suspended", "status_reason": "现场核查", "history.#": 2},
		audit: []string{"license.suspend"}},
	{name: "license work: reinstate", method: "POST", url: "/api/v1/work/licenses/{lid}/reinstate", as: lwApprover,
		body: `{"reason":"核查通过"}`, status: 200, want: map[string]any{"status": "valid"}, audit: []string{"license.reinstate"}},
	{name: "license work: change", method: "POST", url: "/api/v1/work/licenses/{lid}/change", as: lwApprover,
		body: `{"reason":"地址变更","face":{"shop_name":"榕城小吃","address":"福州市鼓楼区杨桥东路20号"}}`, status: 201,
		want:  map[string]any{"version": "002", "supersedes": "{lid}", "face.address": "福州市鼓楼区杨桥东路20号"},
		audit: []string{"license.change"}, save: map[string]string{"lid2": "id"}},
	{name: "license work: the old version", method: "GET", url: "/api/v1/work/licenses/{lid}", as: lwApprover, status: 200,
		want: map[string]any{"status": "superseded"}},
	{name: "license work: revoke unconfirmed", method: "POST", url: "/api/v1/work/licenses/{lid2}/revoke", as: lwApprover,
		body: `{"reason":"吊销"}`, status: 400, want: fieldErr("final", zh("license.work.error.confirm_revoke"))},
	{name: "license work: revoke, final false", method: "POST", url: "/api/v1/work/licenses/{lid2}/revoke", as: lwApprover,
		body: `{"reason":"吊销","final":false}`, status: 400, want: fieldErr("final", zh("license.work.error.confirm_revoke"))},
	{name: "license work: revoke", method: "POST", url: "/api/v1/work/licenses/{lid2}/revoke", as: lwApprover,
		body: `{"reason":"吊销","final":true}`, status: 200, want: map[string]any{"status": "revoked"}, audit: []string{"license.revoke"}},
	{name: "license work: reinstate a revoked licence", method: "POST", url: "/api/v1/work/licenses/{lid2}/reinstate", as: lwApprover,
		body: `{"reason":"误操作"}`, status: 409, want: errWant("conflict", zh("license.error.revoked"))},
	{name: "license work: revoke again", method: "POST", url: "/api/v1/work/licenses/{lid2}/revoke", as: lwApprover,
		body: `{"reason":"再次","final":true}`, status: 409, want: errWant("conflict", zh("license.error.revoked"))},
}

func TestLicenseWorkAPI(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		ss := &sessions{ids: a.Identity, tokens: map[string]string{}}
		saved := map[string]string{}
		for _, sc := range licenseWorkScenarios {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, a.Server.Handler(), db, ss, saved) })
		}
	})
}
