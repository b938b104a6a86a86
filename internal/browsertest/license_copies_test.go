package browsertest

import (
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/license"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// TestLicenceCopies drives an annotated copy (加注件) in Chromium: the demo citizen opens her
// food business licence, sends the copy form without a reason and gets it back with the mistake
// beside the field and her other entries kept, then makes the copy for the housing fund, sees it
// listed as valid with its download, and withdraws it. The page passes axe-core in each language
// with a copy listed.
func TestLicenceCopies(t *testing.T) {
	t.Parallel()
	axe := Axe(t)
	b := Shared(t)
	s := startSite(t)
	r := demo.Residents[0]
	l, err := s.App.Licenses.Issue(systemCtx(), principal.SystemPrincipal, license.IssueRequest{TypeCode: demo.LicenceFood,
		IssuerOrg: "fz-market-regulation", HolderName: r.Name, HolderCode: r.IDNumber, HolderCodeType: license.HolderCodeResidentID,
		Number: "JY13501020026112", Face: map[string]string{"enterprise_name": "陈记茶点", "applicant_name": r.Name,
			"premises": "福州市鼓楼区东街88号", "food_type": "热食类食品制售"}})
	if err != nil {
		t.Fatal(err)
	}
	page := "/my/licenses/" + l.ID
	ctx := b.NewTab(t)
	login(t, ctx, s, r.Phone, page, i18n.ZhHans)

	open(t, ctx, s.page(page, i18n.ZhHans))
	fill(t, ctx, "#copy-use_for", "福州市住房公积金中心")
	until := time.Now().In(clock.China).AddDate(0, 0, 14).Format(time.DateOnly)
	eval[bool](t, ctx, `(document.querySelector('#copy-expires_at').value = '`+until+`') !== ''`)
	// The browser would refuse an empty required field itself; the server must too.
	eval[bool](t, ctx, `(document.querySelector('#copy-reason').removeAttribute('required'), true)`)
	if status := submit(t, ctx, "#copy-submit"); status != 400 {
		t.Fatalf("copy without a reason: %d", status)
	}
	if !exists(t, ctx, "#copy-reason-error") || text(t, ctx, "#copy-summary a") == "" {
		t.Error("the missing reason is not shown beside its field")
	}
	if got := attr(t, ctx, "#copy-use_for", "value"); got != "福州市住房公积金中心" {
		t.Errorf("the use came back as %q", got)
	}
	checkAxe(t, ctx, axe)
	fill(t, ctx, "#copy-reason", "办理公积金贷款")
	if status := submit(t, ctx, "#copy-submit"); status != 200 {
		t.Fatalf("copy: %d", status)
	}
	if got := text(t, ctx, "#copies-table tr.copy-valid th"); got != "福州市住房公积金中心" {
		t.Errorf("the copy is for %q", got)
	}
	if !exists(t, ctx, "#copies-done") || !exists(t, ctx, "#copies-table tr.copy-valid a[download]") {
		t.Error("no word that the copy was made, or no download")
	}
	for _, lang := range i18n.All {
		if status := open(t, ctx, s.page(page, lang)); status != 200 {
			t.Fatalf("licence page: %d", status)
		}
		checkAxe(t, ctx, axe)
	}
	open(t, ctx, s.page(page, i18n.ZhHans))
	if status := submit(t, ctx, "#copies-table tr.copy-valid form button"); status != 200 {
		t.Fatalf("withdraw: %d", status)
	}
	if !exists(t, ctx, "#copies-table tr.copy-revoked") || exists(t, ctx, "#copies-table tr.copy-valid") {
		t.Error("the copy is not shown withdrawn")
	}
}
