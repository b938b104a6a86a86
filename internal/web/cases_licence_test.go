package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// The application form asks for consent to fetch the licence materials, and without it wants
// them uploaded; a material filled from a licence shows the officials and the applicant which
// licence, verified when, with a link to verify it again.
func TestCaseLicenceMaterials(t *testing.T) {
	t.Parallel()
	eachCaseSite(t, func(t *testing.T, s *casesSite) {
		doc := parse(t, s.get("/apply/item/"+foodItem, resident))
		box := one(t, doc, `#licence-consent input#f-licence_consent[type="checkbox"][name="licence_consent"][value="on"]`)
		if _, checked := attr(box, "checked"); checked {
			t.Error("the consent box is ticked before the applicant ticks it")
		}
		if got, want := text(one(t, doc, `label[for="f-licence_consent"]`)), i18n.T(i18n.ZhHans, "cases.apply.licence_consent"); got != want {
			t.Errorf("consent label %q, want %q", got, want)
		}
		one(t, doc, `li#material-m-business_licence[data-source="licence"] p#m-business_licence-licence`)
		one(t, doc, `li#material-m-business_licence input#m-business_licence[type="file"][name="material.business_licence"]`)

		// Without consent and without the file, the licence material is missing.
		w := s.postMultipart("/apply/item/"+foodItem, resident, goodFood("licence_consent", ""), foodFiles())
		wantStatus(t, "apply without consent", w, http.StatusBadRequest)
		doc = parse(t, w)
		if got, want := text(one(t, doc, "#m-business_licence-error")),
			i18n.T(i18n.ZhHans, "cases.error.licence_consent_or_upload", "营业执照"); got != want {
			t.Errorf("licence material error %q, want %q", got, want)
		}
		one(t, doc, `#apply-errors a[href="#m-business_licence"]`)

		// Without consent, uploaded: submitted, nothing to fetch from licences.
		files := append(foodFiles(), upload{"material.business_licence", "营业执照.pdf", pdfFile})
		w = s.postMultipart("/apply/item/"+foodItem, resident, goodFood("licence_consent", ""), files)
		wantStatus(t, "apply without consent, uploaded", w, http.StatusOK)

		// With consent: to be fetched, then filled by the licence service.
		id, number, _ := s.applyFood(t, resident)
		c := s.caseOf(t, id)
		if !c.LicenceConsent {
			t.Fatal("the consent is not recorded")
		}
		fill := cases.LicenceFill{ID: "113500000000000001001350100000012A", TypeCode: "business_licence", TypeName: "营业执照",
			Number: "91350102MA2Y8K6L3X", IssuerName: "福州市鼓楼区市场监督管理局", State: cases.LicenceValid,
			VerifiedAt: time.Date(2026, 3, 2, 1, 0, 1, 0, time.UTC)}
		if filled, err := s.cases.FillMaterialFromLicence(systemContext(), principal.SystemPrincipal, id, "business_licence", fill); err != nil || !filled {
			t.Fatalf("fill: %v, %v", filled, err)
		}
		verify := "/licenses/verify?id=" + url.QueryEscape(fill.ID)
		for _, page := range []struct{ path, login string }{{"/work/cases/" + id, scjWin}, {"/my/cases/" + id, resident}} {
			doc := parse(t, s.get(page.path, page.login))
			row := one(t, doc, `tr#material-m-business_licence[data-status="from_licence"]`)
			if got := text(row); !strings.Contains(got, i18n.T(i18n.ZhHans, "cases.material_status.from_licence")) ||
				!strings.Contains(got, fill.Number) || !strings.Contains(got, fill.IssuerName) || !strings.Contains(got, "2026-03-02 09:00") {
				t.Errorf("%s: the material reads %q", page.path, got)
			}
			a := one(t, row, `dl.licence-fill[data-state="valid"] a.licence-verify`)
			if href, _ := attr(a, "href"); href != verify || text(a) != fill.ID {
				t.Errorf("%s: verify link %q %q, want %q", page.path, href, text(a), verify)
			}
		}
		// The timeline says so, and the number stays the case's.
		doc = parse(t, s.get("/work/cases/"+id, scjWin))
		one(t, doc, `#timeline li[data-kind="material_from_licence"]`)
		if number == "" {
			t.Error("no case number")
		}
	})
}
