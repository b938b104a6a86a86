package browsertest

import (
	"strings"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/license"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// TestLicenceGrants drives a grant in Chromium: the demo citizen opens her food business
// licence, sends the grant form without an organisation and gets it back with the mistake beside
// the field, then authorises Xiamen's market regulator for a month; its window officer lists the
// licences granted to it, fetches hers with a reason and reads its premises; the citizen sees the
// fetch among the licence's uses. The pages pass axe-core in each language.
func TestLicenceGrants(t *testing.T) {
	t.Parallel()
	axe := Axe(t)
	b := Shared(t)
	s := startSite(t)
	r := demo.Residents[0]
	l, err := s.App.Licenses.Issue(systemCtx(), principal.SystemPrincipal, license.IssueRequest{TypeCode: demo.LicenceFood,
		IssuerOrg: "fz-market-regulation", HolderName: r.Name, HolderCode: r.IDNumber, HolderCodeType: license.HolderCodeResidentID,
		Number: "JY13501020026111", Face: map[string]string{"enterprise_name": "陈记茶点", "applicant_name": r.Name,
			"premises": "福州市鼓楼区东街88号", "food_type": "热食类食品制售"}})
	if err != nil {
		t.Fatal(err)
	}
	page := "/my/licenses/" + l.ID
	ctx := b.NewTab(t)
	login(t, ctx, s, r.Phone, page, i18n.ZhHans)
	for _, lang := range i18n.All {
		if status := open(t, ctx, s.page(page, lang)); status != 200 {
			t.Fatalf("licence page: %d", status)
		}
		checkAxe(t, ctx, axe)
	}

	open(t, ctx, s.page(page, i18n.ZhHans))
	fill(t, ctx, "#grant-purpose", "办理分店食品经营许可")
	until := time.Now().AddDate(0, 0, 30).Format("2006-01-02")
	eval[bool](t, ctx, `(document.querySelector('#grant-valid_until').value = '`+until+`') !== ''`)
	if status := submit(t, ctx, "#grant-submit"); status != 400 {
		t.Fatalf("grant without an organisation: %d", status)
	}
	if !exists(t, ctx, "#grant-grantee_org-error") || text(t, ctx, "#grant-summary a") == "" {
		t.Error("the missing organisation is not shown beside its field")
	}
	if got := attr(t, ctx, "#grant-purpose", "value"); got != "办理分店食品经营许可" {
		t.Errorf("the purpose came back as %q", got)
	}
	checkAxe(t, ctx, axe)
	eval[bool](t, ctx, `(document.querySelector('#grant-grantee_org').value = 'xm-market-regulation') !== ''`)
	if status := submit(t, ctx, "#grant-submit"); status != 200 {
		t.Fatalf("grant: %d", status)
	}
	if got := text(t, ctx, "#grants-table tr.grant-active th"); got != "厦门市市场监督管理局" {
		t.Errorf("the grant is to %q", got)
	}
	if !exists(t, ctx, "#grants-done") {
		t.Error("no word that the grant was made")
	}
	logout(t, ctx)

	granted := "/work/licenses/granted"
	login(t, ctx, s, "xmscj.window", "/", i18n.ZhHans)
	for _, lang := range i18n.All {
		if status := open(t, ctx, s.page(granted, lang)); status != 200 {
			t.Fatalf("granted page: %d", status)
		}
		checkAxe(t, ctx, axe)
	}
	open(t, ctx, s.page(granted, i18n.ZhHans))
	fill(t, ctx, "#fetch-0-reason", "审查分店申请 XM2026-0042")
	if status := submit(t, ctx, "#fetch-0-submit"); status != 200 {
		t.Fatalf("fetch: %d", status)
	}
	if got := text(t, ctx, "#fetched-premises td"); got != "福州市鼓楼区东街88号" {
		t.Errorf("the fetched premises read %q", got)
	}
	checkAxe(t, ctx, axe)
	logout(t, ctx)

	login(t, ctx, s, r.Phone, page, i18n.ZhHans)
	if got := text(t, ctx, "table#uses tbody tr"); !strings.Contains(got, "厦门市市场监督管理局") || !strings.Contains(got, "XM2026-0042") {
		t.Errorf("the use reads %q", got)
	}
}
