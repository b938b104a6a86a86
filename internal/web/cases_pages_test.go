package web_test

import (
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// goodFood is a complete, valid food licence form, changed by kv (name, value pairs).
func goodFood(kv ...string) url.Values {
	v := url.Values{"operator": {"榕城小吃店"}, "kind": {"catering"}, "premises": {"福州市鼓楼区东街 88 号一层"}, "area": {"86.5"},
		"opening": {"2026-04-01"}, "mobile": {"13805912345"}, "staff": {"6"}, "online": {"no"}, "pledge": {"on"},
		"action": {"submit"}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// foodFiles are the food licence's required uploads.
func foodFiles() []upload {
	return []upload{{"material.application", "申请书.pdf", pdfFile}, {"material.layout", "平面图.png", pngFile}}
}

var (
	numberRE = regexp.MustCompile(`^350000-20260302-\d{6}$`)
	queryRE  = regexp.MustCompile(`^[A-Z2-9]{8}$`)
)

// applyFood submits a food licence application through the page as login and returns the case
// id, its number and query code.
func (s *casesSite) applyFood(t *testing.T, login string) (id, number, code string) {
	t.Helper()
	w := s.postMultipart("/apply/item/"+foodItem, login, goodFood(), foodFiles())
	wantStatus(t, "apply", w, http.StatusOK)
	doc := parse(t, w)
	number, code = text(one(t, doc, "#case-number")), text(one(t, doc, "#query-code"))
	href, _ := attr(one(t, doc, `ul.links a[href^="/my/cases/"]`), "href")
	return strings.TrimPrefix(href, "/my/cases/"), number, code
}

// caseOf reads case id as the system.
func (s *casesSite) caseOf(t *testing.T, id string) cases.Case {
	t.Helper()
	c, err := s.cases.Get(systemContext(), principal.SystemPrincipal, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCaseApplyPage(t *testing.T) {
	t.Parallel()
	eachCaseSite(t, func(t *testing.T, s *casesSite) {
		// Who may apply: residents (and agents); the public goes to the login, officials are refused.
		wantLogin(t, "GET apply, public", s.get("/apply/item/"+foodItem, ""))
		wantStatus(t, "GET apply, official", s.get("/apply/item/"+foodItem, scjWin), http.StatusForbidden)
		wantStatus(t, "GET apply, unknown item", s.get("/apply/item/NOPE", resident), http.StatusNotFound)

		for _, lang := range i18n.All {
			t.Run(string(lang), func(t *testing.T) {
				w := s.get("/apply/item/"+foodItem+"?lang="+string(lang), resident)
				wantStatus(t, "GET apply", w, http.StatusOK)
				doc := parse(t, w)
				checkLayout(t, doc, lang, "/apply/item/"+foodItem)
				want := map[i18n.Lang]string{i18n.ZhHans: "食品经营许可证核发", i18n.ZhHant: "食品經營許可證核發", i18n.En: "Food business licence"}[lang]
				if got := text(one(t, doc, "h1")); got != want {
					t.Errorf("h1 = %q, want %q", got, want)
				}
				form := one(t, doc, `form#apply-form[method="post"][enctype="multipart/form-data"]`)
				label := map[i18n.Lang]string{i18n.ZhHans: "经营者名称", i18n.ZhHant: "經營者名稱", i18n.En: "Operator"}[lang]
				if got := text(one(t, form, `label[for="f-operator"]`)); !strings.HasPrefix(got, label) ||
					!strings.Contains(got, i18n.T(lang, "cases.apply.required")) {
					t.Errorf("operator label = %q", got)
				}
				one(t, form, `input#f-operator[name="operator"][required]`)
				if n := count(t, form, `select#f-kind option`); n != 4 {
					t.Errorf("kind has %d options, want a prompt and 3", n)
				}
				option := map[i18n.Lang]string{i18n.ZhHans: "餐饮服务经营者", i18n.ZhHant: "餐飲服務經營者", i18n.En: "Caterer"}[lang]
				if got := text(one(t, form, `select#f-kind option[value="catering"]`)); got != option {
					t.Errorf("catering option = %q, want %q", got, option)
				}
				one(t, form, `textarea#f-premises[aria-describedby="f-premises-help"]`)
				one(t, form, `input#f-opening[type="date"]`)
				one(t, form, `input#f-mobile[type="tel"]`)
				one(t, form, `input#f-area[inputmode="decimal"]`)
				if n := count(t, form, `fieldset#f-online input[type="radio"][name="online"]`); n != 2 {
					t.Errorf("%d radios for online, want 2", n)
				}
				one(t, form, `input#f-pledge[type="checkbox"]`)
				// The materials: what is uploaded and what is fetched, with formats and limits.
				one(t, form, `li#material-m-application input#m-application[type="file"][name="material.application"][accept=".pdf,application/pdf"]`)
				if got := text(one(t, form, `li#material-m-application p.meta`)); !strings.Contains(got, "PDF") || !strings.Contains(got, "1 MB") {
					t.Errorf("application formats = %q", got)
				}
				if got := text(one(t, form, `li#material-m-identity .source`)); got != i18n.T(lang, "cases.page.source.shared_data") {
					t.Errorf("identity source = %q", got)
				}
				if got := text(one(t, form, `li#material-m-business_licence .source`)); got != i18n.T(lang, "cases.page.source.licence") {
					t.Errorf("licence source = %q", got)
				}
				if got := text(one(t, form, `li#material-m-application .source`)); got != i18n.T(lang, "cases.page.source.applicant") {
					t.Errorf("application source = %q", got)
				}
				if n := count(t, form, `li#material-m-identity input[type="file"]`); n != 0 {
					t.Error("a shared-data material asks for an upload")
				}
				one(t, form, `button[name="action"][value="submit"]`)
				one(t, form, `button[name="action"][value="draft"]`)
				if got := text(one(t, doc, "#apply-limit")); !strings.Contains(got, "10") || !strings.Contains(got, "20") {
					t.Errorf("time limit = %q", got)
				}
				if got := text(one(t, doc, "#apply-fees")); got != i18n.T(lang, "cases.apply.free") {
					t.Errorf("fees = %q", got)
				}
			})
		}

		// Large type.
		doc := parse(t, s.get("/apply/item/"+foodItem, resident, &http.Cookie{Name: "large_type", Value: "1"}))
		if class, _ := attr(one(t, doc, "html"), "class"); class != "large-type" {
			t.Errorf("large type: html class %q", class)
		}
		one(t, doc, `head link[href="/static/css/cases.css"]`)

		// Field errors: the form comes back with each message beside its field, a summary at the
		// top linking to the fields, the values as typed, and nothing stored.
		before := s.lastAuditID()
		w := s.postMultipart("/apply/item/"+foodItem, resident, goodFood("mobile", "12345", "area", "5", "staff", "六个"), foodFiles()[:1])
		wantStatus(t, "apply with errors", w, http.StatusBadRequest)
		doc = parse(t, w)
		for field, want := range map[string]string{"mobile": i18n.T(i18n.ZhHans, "formschema.format.mobile"),
			"area": i18n.T(i18n.ZhHans, "formschema.too_small", "10"), "staff": i18n.T(i18n.ZhHans, "formschema.not_integer")} {
			if got := text(one(t, doc, "#f-"+field+"-error")); got != want {
				t.Errorf("%s error = %q, want %q", field, got, want)
			}
			one(t, doc, `#f-`+field+`[aria-invalid="true"]`)
			one(t, doc, `#apply-errors a[href="#f-`+field+`"]`)
		}
		if got := text(one(t, doc, "#m-layout-error")); got != i18n.T(i18n.ZhHans, "cases.error.material_missing", "经营场所平面布局图") {
			t.Errorf("layout error = %q", got)
		}
		one(t, doc, `#apply-errors a[href="#m-layout"]`)
		one(t, doc, "#files-again")
		if v, _ := attr(one(t, doc, "#f-staff"), "value"); v != "六个" {
			t.Errorf("staff sent back as %q", v)
		}
		if got := s.auditSince(before); len(got) != 0 {
			t.Errorf("a refused application changed something: %v", got)
		}

		// Corrected, it is submitted: the case number and the query code are shown once.
		id, number, code := s.applyFood(t, resident)
		if !numberRE.MatchString(number) || !queryRE.MatchString(code) {
			t.Errorf("number %q, query code %q", number, code)
		}
		c := s.caseOf(t, id)
		if c.Status != cases.StatusSubmitted || c.Channel != cases.ChannelOnline || c.Form["operator"] != "榕城小吃店" ||
			c.Form["staff"] != float64(6) || c.Number != number {
			t.Errorf("case: status %s channel %s number %s form %v", c.Status, c.Channel, c.Number, c.Form)
		}
		// It is listed; the code is never on the case's page.
		doc = parse(t, s.get("/my/cases", resident))
		row := one(t, doc, "#case-"+id)
		if !strings.Contains(text(row), number) || !strings.Contains(text(row), i18n.T(i18n.ZhHans, "cases.status.submitted")) {
			t.Errorf("my cases row: %q", text(row))
		}
		w = s.get("/my/cases/"+id, resident)
		wantStatus(t, "GET my case", w, http.StatusOK)
		if strings.Contains(w.Body.String(), code) {
			t.Error("the case's page shows the query code again")
		}
	})
}

func TestCaseUploadRefusals(t *testing.T) {
	t.Parallel()
	eachCaseSite(t, func(t *testing.T, s *casesSite) {
		big := append(append([]byte{}, pdfFile...), bytes.Repeat([]byte("0"), 1<<20)...)
		for _, tc := range []struct {
			name   string
			file   upload
			status int
			want   string
		}{
			{"text as pdf", upload{"material.application", "申请书.pdf", textFile}, http.StatusBadRequest,
				i18n.T(i18n.ZhHans, "cases.error.material_format", "pdf")},
			{"pdf named png", upload{"material.layout", "平面图.png", pdfFile}, http.StatusBadRequest,
				i18n.T(i18n.ZhHans, "cases.error.material_extension", "pdf")},
			{"too large", upload{"material.application", "申请书.pdf", big}, http.StatusRequestEntityTooLarge,
				i18n.T(i18n.ZhHans, "cases.error.material_too_large", "1 MB")},
			{"the virus test file", upload{"material.layout", "平面图.pdf", append(append([]byte{}, pdfFile...), eicar...)},
				http.StatusBadRequest, i18n.T(i18n.ZhHans, "cases.error.material_infected")},
		} {
			t.Run(tc.name, func(t *testing.T) {
				files := foodFiles()
				for i := range files {
					if files[i].field == tc.file.field {
						files[i] = tc.file
					}
				}
				before := s.lastAuditID()
				w := s.postMultipart("/apply/item/"+foodItem, resident, goodFood(), files)
				wantStatus(t, tc.name, w, tc.status)
				doc := parse(t, w)
				field := strings.TrimPrefix(tc.file.field, "material.")
				if got := text(one(t, doc, "#m-"+field+"-error")); got != tc.want {
					t.Errorf("%q, want %q", got, tc.want)
				}
				one(t, doc, `#apply-errors a[href="#m-`+field+`"]`)
				if got := s.auditSince(before); len(got) != 0 {
					t.Errorf("a refused upload changed something: %v", got)
				}
			})
		}
	})
}
