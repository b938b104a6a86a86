package web_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// goodFood is a complete, valid food licence form, changed by kv (name, value pairs).
func goodFood(kv ...string) url.Values {
	v := url.Values{"operator": {"榕城小吃店"}, "kind": {"catering"}, "premises": {"福州市鼓楼区东街 88 号一层"}, "area": {"86.5"},
		"opening": {"2026-04-01"}, "mobile": {"13805912345"}, "staff": {"6"}, "online": {"no"}, "pledge": {"on"},
		"licence_consent": {"on"}, "action": {"submit"}}
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

// act posts an official's step on case id and checks it went through.
func (s *casesSite) act(t *testing.T, login, id, action string, form url.Values) {
	t.Helper()
	w := s.post("/work/cases/"+id+"/"+action, login, form)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/work/cases/"+id+"?done="+url.QueryEscape(action) {
		t.Fatalf("%s %s: status %d to %q; body: %.800s", login, action, w.Code, w.Header().Get("Location"), w.Body)
	}
}

func TestCaseDraftSupplementAndDecision(t *testing.T) {
	t.Parallel()
	eachCaseSite(t, func(t *testing.T, s *casesSite) {
		// A draft with part of the form and one file; a wrong value is refused even in a draft.
		w := s.postMultipart("/apply/item/"+foodItem, resident, url.Values{"operator": {"榕"}, "action": {"draft"}}, nil)
		wantStatus(t, "draft with a wrong value", w, http.StatusBadRequest)
		one(t, parse(t, w), "#f-operator-error")
		w = s.postMultipart("/apply/item/"+foodItem, resident, url.Values{"operator": {"榕城小吃店"}, "action": {"draft"}},
			[]upload{{"material.application", "申请书.pdf", pdfFile}, {"material.layout", "平面图.png", pngFile}})
		loc := wantRedirect(t, "save draft", w, w.Code, "/my/cases/")
		if !strings.HasSuffix(loc, "/edit?done=saved") {
			t.Fatalf("draft saved to %q", loc)
		}
		id := strings.TrimSuffix(strings.TrimPrefix(loc, "/my/cases/"), "/edit?done=saved")
		doc := parse(t, s.get(loc, resident))
		one(t, doc, "#apply-done")
		if v, _ := attr(one(t, doc, "#f-operator"), "value"); v != "榕城小吃店" {
			t.Errorf("draft operator = %q", v)
		}
		one(t, doc, `li#material-m-application[data-status="provided"] a[href="/cases/`+id+`/materials/application"]`)
		one(t, doc, `li#material-m-application .scan-ok`)
		one(t, doc, `form#rm-m-layout[action="/my/cases/`+id+`/materials/layout/remove"]`)
		one(t, doc, `button[form="rm-m-layout"]`)
		// Drafts are listed and resumable; the case's own page sends to the draft.
		one(t, parse(t, s.get("/my/cases", resident)), `#case-`+id+` a.continue[href="/my/cases/`+id+`/edit"]`)
		wantRedirect(t, "draft's page", s.get("/my/cases/"+id, resident), http.StatusSeeOther, "/my/cases/"+id+"/edit")
		// Its file can be downloaded by its applicant, not by another resident.
		w = s.get("/cases/"+id+"/materials/application", resident)
		wantStatus(t, "download", w, http.StatusOK)
		if !bytes.Equal(w.Body.Bytes(), pdfFile) || w.Header().Get("Content-Type") != "application/pdf" ||
			!strings.HasPrefix(w.Header().Get("Content-Disposition"), "attachment;") {
			t.Errorf("download: %q %q", w.Header().Get("Content-Type"), w.Header().Get("Content-Disposition"))
		}
		wantStatus(t, "download, another resident", s.get("/cases/"+id+"/materials/application", caseNeighbour), http.StatusNotFound)
		wantStatus(t, "draft, another resident", s.get("/my/cases/"+id+"/edit", caseNeighbour), http.StatusNotFound)
		// A file is removed.
		w = s.post("/my/cases/"+id+"/materials/layout/remove", resident, nil)
		wantRedirect(t, "remove", w, w.Code, "/my/cases/"+id+"/edit?done=removed")
		// Submitting the draft finds what is missing, all at once.
		w = s.postMultipart("/my/cases/"+id+"/edit", resident, url.Values{"operator": {"榕城小吃店"}, "licence_consent": {"on"},
			"action": {"submit"}}, nil)
		wantStatus(t, "submit an incomplete draft", w, http.StatusBadRequest)
		doc = parse(t, w)
		for _, f := range []string{"f-kind", "f-premises", "f-mobile", "f-pledge", "m-layout"} {
			one(t, doc, `#apply-errors a[href="#`+f+`"]`)
		}
		// Completed and submitted.
		form := goodFood()
		w = s.postMultipart("/my/cases/"+id+"/edit", resident, form, []upload{{"material.layout", "平面图.png", pngFile}})
		wantStatus(t, "submit the draft", w, http.StatusOK)
		doc = parse(t, w)
		number := text(one(t, doc, "#case-number"))
		if !queryRE.MatchString(text(one(t, doc, "#query-code"))) || !numberRE.MatchString(number) {
			t.Errorf("submitted draft: %q", text(one(t, doc, "#submitted")))
		}

		// The window officer of the handling organisation asks for a material (補正) before
		// accepting; the resident sees what was asked, with the note.
		wantStatus(t, "worklist", s.get("/work/cases", scjWin), http.StatusOK)
		one(t, parse(t, s.get("/work/cases", scjWin)), `#case-`+id+` a[href="/work/cases/`+id+`"]`)
		doc = parse(t, s.get("/work/cases/"+id, scjWin))
		one(t, doc, `form#accept-form[action="/work/cases/`+id+`/accept"]`)
		one(t, doc, `form#request-materials-form input[name="materials"][value="layout"]`)
		one(t, doc, `form#reject-form`)
		if n := count(t, doc, `form#decide-form`) + count(t, doc, `form#review-form`); n != 0 {
			t.Error("the window officer is offered review or decision")
		}
		if got := text(one(t, doc, "#applicant-name")); got != "林秀英" {
			t.Errorf("the handling window sees the applicant as %q", got)
		}
		w = s.post("/work/cases/"+id+"/request-materials", scjWin, url.Values{"materials": {"layout"}})
		wantStatus(t, "request without a note", w, http.StatusBadRequest)
		one(t, parse(t, w), `#request-materials-note-error`)
		const note = "平面布局图须标明食品处理区、就餐区和洗手设施位置，请重新提交。"
		s.act(t, scjWin, id, "request-materials", url.Values{"materials": {"layout"}, "note": {note}})
		doc = parse(t, s.get("/my/cases/"+id, resident))
		if got := text(one(t, doc, "#supplement-note")); got != note {
			t.Errorf("supplement note = %q", got)
		}
		one(t, doc, `li#supply-m-layout[data-status="requested"] form[action="/my/cases/`+id+`/materials/layout"][enctype="multipart/form-data"] input[name="file"]`)
		// Resubmitting before supplying is refused beside the material.
		w = s.post("/my/cases/"+id+"/resubmit", resident, nil)
		wantStatus(t, "resubmit without the material", w, http.StatusBadRequest)
		one(t, parse(t, w), `#supply-m-layout-error`)
		// A wrong file is refused; the right one taken; the case goes back to acceptance.
		w = s.postMultipart("/my/cases/"+id+"/materials/layout", resident, nil, []upload{{"file", "平面图.txt", textFile}})
		wantStatus(t, "supply a text file", w, http.StatusBadRequest)
		one(t, parse(t, w), `#supply-m-layout-error`)
		w = s.postMultipart("/my/cases/"+id+"/materials/layout", resident, nil, []upload{{"file", "平面图-修改.png", pngFile}})
		wantRedirect(t, "supply", w, w.Code, "/my/cases/"+id+"?done=uploaded")
		w = s.post("/my/cases/"+id+"/resubmit", resident, nil)
		wantRedirect(t, "resubmit", w, w.Code, "/my/cases/"+id+"?done=resubmitted")
		if c := s.caseOf(t, id); c.Status != cases.StatusSubmitted {
			t.Fatalf("after resubmission: %s", c.Status)
		}

		// Accepted: the clock runs, and the page says so.
		s.act(t, scjWin, id, "accept", url.Values{"note": {"材料齐全，予以受理。"}})
		doc = parse(t, s.get("/my/cases/"+id, resident))
		if got := text(one(t, doc, "#clock-state")); got != i18n.T(i18n.ZhHans, "cases.clock.running") {
			t.Errorf("clock = %q", got)
		}
		if got := text(one(t, doc, "#clock-limit")); got != i18n.T(i18n.ZhHans, "cases.page.days", 10) {
			t.Errorf("limit = %q", got)
		}
		one(t, doc, `#clock-due`)
		// The reviewer-approver: a special procedure pauses the clock, review, decision.
		doc = parse(t, s.get("/work/cases/"+id, scjAppr))
		one(t, doc, "form#review-form")
		one(t, doc, "form#procedure-form")
		if n := count(t, doc, "form#accept-form") + count(t, doc, "form#decide-form"); n != 0 {
			t.Error("the reviewer is offered acceptance or a decision before the review")
		}
		s.act(t, scjAppr, id, "procedure", url.Values{"kind": {"inspection"}, "note": {"现场核查经营场所。"}})
		doc = parse(t, s.get("/my/cases/"+id, resident))
		one(t, doc, "#procedure")
		if got := text(one(t, doc, "#clock-state")); !strings.HasPrefix(got, i18n.T(i18n.ZhHans, "cases.clock.paused")) {
			t.Errorf("clock during the procedure = %q", got)
		}
		s.act(t, scjAppr, id, "procedure/end", url.Values{"result": {"现场核查合格。"}})
		s.act(t, scjAppr, id, "review", url.Values{"opinion": {"经审查，符合食品经营许可条件，建议准予许可。"}})
		// The review opinion is internal: the official sees it, the applicant does not.
		if !strings.Contains(s.get("/work/cases/"+id, scjAppr).Body.String(), "建议准予许可") {
			t.Error("the official does not see the review opinion")
		}
		if strings.Contains(s.get("/my/cases/"+id, resident).Body.String(), "建议准予许可") {
			t.Error("the applicant sees the internal review opinion")
		}
		doc = parse(t, s.get("/work/cases/"+id, scjAppr))
		one(t, doc, "form#decide-form")
		if got := text(one(t, doc, "#decide-seal")); got != i18n.T(i18n.ZhHans, "cases.work_case.decide_seal", "福建省市场监督管理局") {
			t.Errorf("seal note = %q", got)
		}
		w = s.post("/work/cases/"+id+"/decide", scjAppr, url.Values{"outcome": {"approved"}})
		wantStatus(t, "decide without reasons", w, http.StatusBadRequest)
		one(t, parse(t, w), "#decide-reasons-error")
		s.act(t, scjAppr, id, "decide", url.Values{"outcome": {"approved"}, "reasons": {"申请材料齐全，符合法定条件，准予许可。"}})

		// The applicant downloads the decision and its signature, which verify.
		doc = parse(t, s.get("/my/cases/"+id, resident))
		if got, _ := attr(one(t, doc, "#decision-outcome"), "data-outcome"); got != "approved" {
			t.Errorf("outcome %q", got)
		}
		one(t, doc, `#decision-verify a[href="/verify"]`)
		docFile := s.get("/cases/"+id+"/decision/document", resident)
		sigFile := s.get("/cases/"+id+"/decision/signature", resident)
		wantStatus(t, "decision document", docFile, http.StatusOK)
		wantStatus(t, "decision signature", sigFile, http.StatusOK)
		if d, err := cases.ParseDecisionDocument(docFile.Body.Bytes()); err != nil || d.CaseNumber != number || d.Outcome != cases.OutcomeApproved {
			t.Errorf("decision document: %+v, %v", d, err)
		}
		rep, err := s.a.Sign.Verify(systemContext(), docFile.Body.Bytes(), sigFile.Body.Bytes())
		if err != nil || !rep.Valid || rep.Seal == nil {
			t.Errorf("the decision does not verify: %+v, %v", rep, err)
		}
		wantStatus(t, "decision, another resident", s.get("/cases/"+id+"/decision/document", caseNeighbour), http.StatusNotFound)

		// Delivered: completed, and the applicant is offered to rate it.
		doc = parse(t, s.get("/work/cases/"+id, scjWin))
		one(t, doc, `form#deliver-form select[name="method"] option[value="electronic"]`)
		s.act(t, scjWin, id, "deliver", url.Values{"method": {"electronic"}})
		doc = parse(t, s.get("/my/cases/"+id, resident))
		one(t, doc, `#rate a[href="/ratings/case/`+id+`"]`)
		if got, _ := attr(one(t, doc, "#case-status"), "data-status"); got != "completed" {
			t.Errorf("status %q", got)
		}
		// The timeline has every step, with the clock's pauses.
		var kinds []string
		for _, n := range queryAll(t, doc, "ol.timeline li") {
			k, _ := attr(n, "data-kind")
			kinds = append(kinds, k)
		}
		for _, want := range []string{"created", "submitted", "materials_requested", "clock.started", "procedure_started",
			"clock.paused", "clock.resumed", "decided", "delivered", "completed"} {
			if !strings.Contains(strings.Join(kinds, " "), want) {
				t.Errorf("timeline %v lacks %s", kinds, want)
			}
		}
		if strings.Contains(strings.Join(kinds, " "), "reviewed") {
			t.Error("the applicant's timeline shows the internal review")
		}
	})
}

func TestCaseAccessByRoleAndOrganisation(t *testing.T) {
	t.Parallel()
	eachCaseSite(t, func(t *testing.T, s *casesSite) {
		id, _, _ := s.applyFood(t, resident)
		before := s.lastAuditID()
		// Who sees the case's pages: its applicant on /my/cases, its organisation's officials on
		// /work/cases. Anyone else is told there is no such case.
		for _, tc := range []struct {
			what, path, login string
			status            int
		}{
			{"the applicant", "/my/cases/" + id, resident, http.StatusOK},
			{"another resident", "/my/cases/" + id, caseNeighbour, http.StatusNotFound},
			{"an official on the applicant's page", "/my/cases/" + id, scjWin, http.StatusForbidden},
			{"the handling window", "/work/cases/" + id, scjWin, http.StatusOK},
			{"the handling administrator", "/work/cases/" + id, scjAdm, http.StatusOK},
			{"another department's official", "/work/cases/" + id, gatWindow, http.StatusNotFound},
			{"another department's material", "/cases/" + id + "/materials/application", gatWindow, http.StatusNotFound},
			{"another resident's material", "/cases/" + id + "/materials/application", caseNeighbour, http.StatusNotFound},
			{"a resident on the officials' page", "/work/cases/" + id, caseNeighbour, http.StatusForbidden},
			{"the applicant on the officials' page", "/work/cases/" + id, resident, http.StatusForbidden},
			{"a resident's worklist", "/work/cases", resident, http.StatusForbidden},
			{"an official's cases", "/my/cases", scjWin, http.StatusForbidden},
		} {
			wantStatus(t, tc.what, s.get(tc.path, tc.login), tc.status)
		}
		wantLogin(t, "the public", s.get("/my/cases/"+id, ""))
		wantLogin(t, "the public, officials' page", s.get("/work/cases/"+id, ""))
		if strings.Contains(s.get("/work/cases", gatWindow).Body.String(), id) {
			t.Error("another department's worklist lists the case")
		}
		// Nobody but the organisation's officials in their roles may act; the pages offer them
		// nothing else.
		doc := parse(t, s.get("/work/cases/"+id, scjAdm))
		one(t, doc, "#no-actions")
		for _, tc := range []struct {
			what, login, action string
			form                url.Values
			status              int
		}{
			{"another department accepts", gatWindow, "accept", nil, http.StatusNotFound},
			{"another department rejects", gatWindow, "reject", url.Values{"reasons": {"x"}}, http.StatusNotFound},
			{"the administrator accepts", scjAdm, "accept", nil, http.StatusForbidden},
			{"the approver decides", scjAppr, "decide", url.Values{"outcome": {"approved"}, "reasons": {"x"}}, http.StatusConflict},
			{"a resident accepts", caseNeighbour, "accept", nil, http.StatusForbidden},
			{"the applicant accepts", resident, "accept", nil, http.StatusForbidden},
		} {
			wantStatus(t, tc.what, s.post("/work/cases/"+id+"/"+tc.action, tc.login, tc.form), tc.status)
		}
		for _, tc := range []struct {
			what, login, path string
			status            int
		}{
			{"another resident withdraws", caseNeighbour, "/my/cases/" + id + "/withdraw", http.StatusNotFound},
			{"another resident writes", caseNeighbour, "/my/cases/" + id + "/messages", http.StatusNotFound},
			{"another resident resubmits", caseNeighbour, "/my/cases/" + id + "/resubmit", http.StatusNotFound},
			{"another resident asks for a code", caseNeighbour, "/my/cases/" + id + "/query-code", http.StatusNotFound},
		} {
			wantStatus(t, tc.what, s.post(tc.path, tc.login, url.Values{"body": {"你好"}, "reason": {"x"}}), tc.status)
		}
		if got := s.auditSince(before); len(got) != 0 {
			t.Errorf("refused steps changed something: %v", got)
		}
		// Forms from another site are refused.
		wantStatus(t, "cross-site accept", s.crossSite("/work/cases/"+id+"/accept", scjWin, url.Values{}), http.StatusForbidden)
		wantStatus(t, "cross-site withdraw", s.crossSite("/my/cases/"+id+"/withdraw", resident, url.Values{}), http.StatusForbidden)
		if c := s.caseOf(t, id); c.Status != cases.StatusSubmitted {
			t.Errorf("status %s after refused steps", c.Status)
		}
		// The applicant's own steps: a message, a new query code shown once, withdrawal.
		w := s.post("/my/cases/"+id+"/messages", resident, url.Values{"body": {"请问什么时候可以受理？"}})
		wantRedirect(t, "message", w, w.Code, "/my/cases/"+id+"?done=message")
		w = s.post("/my/cases/"+id+"/query-code", resident, nil)
		wantStatus(t, "new query code", w, http.StatusOK)
		if code := text(one(t, parse(t, w), "#query-code")); !queryRE.MatchString(code) {
			t.Errorf("new query code %q", code)
		}
		w = s.post("/my/cases/"+id+"/withdraw", resident, url.Values{"reason": {"经营场所另有安排。"}})
		wantRedirect(t, "withdraw", w, w.Code, "/my/cases/"+id+"?done=withdrawn")
		if c := s.caseOf(t, id); c.Status != cases.StatusWithdrawn {
			t.Errorf("status %s after withdrawal", c.Status)
		}
		w = s.post("/my/cases/"+id+"/withdraw", resident, nil)
		wantStatus(t, "withdraw again", w, http.StatusConflict)
		one(t, parse(t, w), "#form-error")
	})
}

func TestCaseLookupPage(t *testing.T) {
	t.Parallel()
	eachCaseSite(t, func(t *testing.T, s *casesSite) {
		_, number, code := s.applyFood(t, resident)
		for _, lang := range i18n.All {
			w := s.get("/lookup?lang="+string(lang), "")
			wantStatus(t, "GET /lookup", w, http.StatusOK)
			doc := parse(t, w)
			checkLayout(t, doc, lang, "/lookup")
			one(t, doc, `form#lookup-form[method="post"][action="/lookup"] input[name="code"]`)
		}
		// The public sees the status, never personal data.
		w := s.post("/lookup", "", url.Values{"number": {number}, "code": {strings.ToLower(code)}})
		wantStatus(t, "lookup", w, http.StatusOK)
		doc := parse(t, w)
		if got := text(one(t, doc, "#lookup-status")); got != i18n.T(i18n.ZhHans, "cases.status.submitted") {
			t.Errorf("status %q", got)
		}
		if got := text(one(t, doc, "#lookup-org")); got != "福建省市场监督管理局" {
			t.Errorf("organisation %q", got)
		}
		for _, personal := range []string{"林秀英", "榕城小吃店", "13805912345"} {
			if strings.Contains(w.Body.String(), personal) {
				t.Errorf("the lookup shows %q", personal)
			}
		}
		// A wrong code and an unknown number get the same answer.
		wrong := s.post("/lookup", "", url.Values{"number": {number}, "code": {"ZZZZZZZZ"}})
		unknown := s.post("/lookup", "", url.Values{"number": {"350000-20260302-999999"}, "code": {code}})
		wantStatus(t, "wrong code", wrong, http.StatusNotFound)
		wantStatus(t, "unknown number", unknown, http.StatusNotFound)
		a, b := text(one(t, parse(t, wrong), "#lookup-error")), text(one(t, parse(t, unknown), "#lookup-error"))
		if a != b || a != i18n.T(i18n.ZhHans, "cases.error.lookup") {
			t.Errorf("wrong code says %q, unknown number %q", a, b)
		}
		if strings.Contains(wrong.Body.String(), code) {
			t.Error("the page sends the code back")
		}
	})
}

func TestCaseLookupRateLimited(t *testing.T) {
	t.Parallel()
	limits := map[string]httpserver.Limit{}
	for k, v := range highLimits {
		limits[k] = v
	}
	limits[httpserver.ClassPublic] = httpserver.Limit{PerSecond: 0.001, Burst: 3}
	fake := clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, clock.China))
	s := newCasesSite(t, storetest.Open(t, store.SQLite, storetest.Options{Clock: fake}), fake, limits)
	codes := []int{}
	for range 5 {
		codes = append(codes, s.post("/lookup", "", url.Values{"number": {"350000-20260302-000001"}, "code": {"ABCDEFGH"}}).Code)
	}
	if codes[len(codes)-1] != http.StatusTooManyRequests {
		t.Errorf("lookups answered %v, want the last refused with 429", codes)
	}
}

func TestKiosk(t *testing.T) {
	t.Parallel()
	eachCaseSite(t, func(t *testing.T, s *casesSite) {
		// The start page marks the browser as a kiosk: large type always, few big buttons, and the
		// inactivity timeout without JavaScript (a refresh) and with it (a script).
		w := s.get("/kiosk", "")
		wantStatus(t, "GET /kiosk", w, http.StatusOK)
		device := cookie(w, "yiwang_kiosk")
		if device == nil || device.Value != "1" || !device.HttpOnly {
			t.Fatalf("kiosk cookie = %+v", device)
		}
		for _, lang := range i18n.All {
			w := s.get("/kiosk?lang="+string(lang), "", device)
			doc := parse(t, w)
			checkKioskLayout(t, doc, lang)
			if class, _ := attr(one(t, doc, "html"), "class"); class != "large-type" {
				t.Errorf("%s: html class %q, want large-type", lang, class)
			}
			// The parser reads <noscript> as text, as a browser with scripts does.
			if !strings.Contains(w.Body.String(), `<noscript><meta http-equiv="refresh" content="120; url=/kiosk/timeout"></noscript>`) {
				t.Errorf("%s: no refresh to the timeout without scripts", lang)
			}
			one(t, doc, `head script[src="/static/js/kiosk.js"]`)
			one(t, doc, `#kiosk-session[data-idle="120"]`)
			for _, id := range []string{"kiosk-services", "kiosk-login", "kiosk-lookup", "kiosk-rate"} {
				one(t, doc, "a.kiosk-button#"+id)
			}
		}
		// Signing in at the kiosk.
		doc := parse(t, s.get("/kiosk/login", "", device))
		one(t, doc, `form#kiosk-login[action="/kiosk/login"] input[name="password"][type="password"]`)
		w = s.post("/kiosk/login", "", url.Values{"login": {resident}, "password": {"wrong password"}}, device)
		wantStatus(t, "a wrong password", w, http.StatusUnauthorized)
		one(t, parse(t, w), "#kiosk-login-error")
		w = s.post("/kiosk/login", "", url.Values{"login": {resident}, "password": {"yiwang-demo-2026"}}, device)
		wantRedirect(t, "kiosk login", w, w.Code, "/kiosk")
		session := cookie(w, "yiwang_session")
		if session == nil || session.Value == "" {
			t.Fatal("no session after the kiosk's login")
		}
		doc = parse(t, s.get("/kiosk", "", device, session))
		one(t, doc, `#kiosk-mine[href="/my/cases"]`)
		one(t, doc, `form#kiosk-end[action="/kiosk/logout"]`)
		// An application made at the kiosk is a kiosk's.
		r := s.postMultipartWith("/apply/item/"+foodItem, goodFood(), foodFiles(), device, session)
		wantStatus(t, "apply at the kiosk", r, http.StatusOK)
		rdoc := parse(t, r)
		one(t, rdoc, `#kiosk-session`)
		href, _ := attr(one(t, rdoc, `ul.links a[href^="/my/cases/"]`), "href")
		if c := s.caseOf(t, strings.TrimPrefix(href, "/my/cases/")); c.Channel != cases.ChannelKiosk {
			t.Errorf("channel %s, want kiosk", c.Channel)
		}
		// Within the timeout the session lives on; idle longer, the server ends it by itself.
		s.clock.Advance(100 * time.Second)
		wantStatus(t, "my cases after 100 s", s.get("/my/cases", "", device, session), http.StatusOK)
		s.clock.Advance(121 * time.Second)
		w = s.get("/my/cases", "", device, session)
		wantRedirect(t, "my cases after 121 s idle", w, w.Code, "/kiosk?ended=idle")
		if c := cookie(w, "yiwang_session"); c == nil || c.MaxAge >= 0 {
			t.Errorf("the session cookie is not cleared: %+v", c)
		}
		wantLogin(t, "the ended session anywhere", s.get("/account", "", session))
		one(t, parse(t, s.get("/kiosk?ended=idle", "", device)), "#kiosk-notice")

		// The end-session button and the no-script timeout end the session at once.
		for _, end := range []func(session *http.Cookie) int{
			func(c *http.Cookie) int { return s.post("/kiosk/logout", "", nil, device, c).Code },
			func(c *http.Cookie) int { return s.get("/kiosk/timeout", "", device, c).Code },
		} {
			w := s.post("/kiosk/login", "", url.Values{"login": {resident}, "password": {"yiwang-demo-2026"}}, device)
			c := cookie(w, "yiwang_session")
			wantStatus(t, "before the end", s.get("/my/cases", "", device, c), http.StatusOK)
			if code := end(c); code != http.StatusSeeOther {
				t.Errorf("ending the session: %d", code)
			}
			wantLogin(t, "after the end", s.get("/my/cases", "", c))
		}
		// Any page of the site refuses an idle kiosk session, not only the case pages.
		w = s.post("/kiosk/login", "", url.Values{"login": {resident}, "password": {"yiwang-demo-2026"}}, device)
		idle := cookie(w, "yiwang_session")
		wantStatus(t, "the account page at the kiosk", s.get("/account", "", device, idle), http.StatusOK)
		s.clock.Advance(kioskIdleForTest + time.Second)
		wantLogin(t, "the account page after the timeout", s.get("/account", "", device, idle))
		wantRedirect(t, "a case page after the timeout", s.get("/my/cases", "", device, idle), http.StatusSeeOther, "/kiosk?ended=idle")
		// A session begun elsewhere on a kiosk device becomes a kiosk session too.
		c := &http.Cookie{Name: "yiwang_session", Value: s.token(caseNeighbour)}
		wantStatus(t, "adopted", s.get("/my/cases", "", device, c), http.StatusOK)
		s.clock.Advance(3 * time.Minute)
		wantRedirect(t, "adopted, idle", s.get("/my/cases", "", device, c), http.StatusSeeOther, "/kiosk?ended=idle")
		// Without the kiosk's mark, the timeout page ends nothing.
		own := &http.Cookie{Name: "yiwang_session", Value: s.token(scjWin)}
		s.get("/kiosk/timeout", "", own)
		wantStatus(t, "a desk's session", s.get("/work/cases", "", own), http.StatusOK)
	})
}

// kioskIdleForTest is the kiosk's inactivity timeout.
const kioskIdleForTest = 120 * time.Second

// checkKioskLayout checks the base layout at a kiosk, whose navigation is its own.
func checkKioskLayout(t *testing.T, doc *html.Node, lang i18n.Lang) {
	t.Helper()
	if got, _ := attr(one(t, doc, "html"), "lang"); got != string(lang) {
		t.Errorf("<html lang=%q>, want %q", got, lang)
	}
	one(t, doc, "main#main")
	one(t, doc, `a.skip-link[href="#main"]`)
	one(t, doc, "main h1")
	nav := one(t, doc, `header nav[aria-label="`+i18n.T(lang, "shell.nav_label")+`"]`)
	one(t, nav, `a[href="/kiosk"][aria-current="page"]`)
	if n := count(t, nav, "li"); n > 3 {
		t.Errorf("%d navigation entries at the kiosk", n)
	}
	one(t, doc, `footer[role="contentinfo"]`)
}

// postMultipartWith posts a multipart form with cookies instead of a login.
func (s *casesSite) postMultipartWith(target string, fields url.Values, files []upload, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	s.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		fw, _ := mw.CreateFormFile(f.field, f.name)
		fw.Write(f.data)
	}
	mw.Close()
	r := httptest.NewRequest("POST", target, &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.Header.Set("Accept", "text/html")
	return s.do(r, "", cookies...)
}

// residentID is the document of the site's resident (林秀英), as newSite registers her.
func (s *casesSite) residentID(t *testing.T) string {
	t.Helper()
	acc, err := s.a.Identity.Account(systemContext(), s.principalOf(resident).AccountID)
	if err != nil || acc.IDNumber == nil {
		t.Fatalf("resident's account: %v", err)
	}
	return *acc.IDNumber
}

func TestCaseWindowApply(t *testing.T) {
	t.Parallel()
	eachCaseSite(t, func(t *testing.T, s *casesSite) {
		// Window officers only.
		wantStatus(t, "a resident", s.get("/window/apply", resident), http.StatusForbidden)
		wantStatus(t, "an official without the window role", s.get("/window/apply", scjAdm), http.StatusForbidden)
		for _, lang := range i18n.All {
			doc := parse(t, s.get("/window/apply?lang="+string(lang), fzWindow))
			checkLayout(t, doc, lang, "/window/apply")
			one(t, doc, `form#window-form select[name="id_type"]`)
			if v, _ := attr(one(t, doc, "#win-place"), "value"); v == "" {
				t.Error("the place is not suggested")
			}
		}
		idNumber := s.residentID(t)
		person := url.Values{"id_type": {"resident_id"}, "id_number": {idNumber}, "name": {"林秀英"}, "place": {"福州市市场监督管理局政务服务窗口"},
			"kind": {"item"}}
		with := func(kv ...string) url.Values {
			v := url.Values{}
			for k, x := range person {
				v[k] = x
			}
			for i := 0; i+1 < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return v
		}
		// The wrong name, an unknown code, an item this window may not collect.
		w := s.post("/window/apply", fzWindow, with("name", "林秀兰", "code", xmAdvertItem))
		wantStatus(t, "the wrong name", w, http.StatusBadRequest)
		one(t, parse(t, w), "#win-name-error")
		w = s.post("/window/apply", fzWindow, with("code", "NO-SUCH-ITEM"))
		wantStatus(t, "an unknown item", w, http.StatusBadRequest)
		one(t, parse(t, w), "#win-code-error")
		w = s.post("/window/apply", fzWindow, with("code", xmWorkshopItem))
		wantStatus(t, "an item only for Xiamen", w, http.StatusForbidden)
		if got := text(one(t, parse(t, w), "#window-errors")); got != i18n.T(i18n.ZhHans, "cases.error.cross_region", "食品小作坊登记") {
			t.Errorf("cross-region refusal: %q", got)
		}
		// Xiamen's province-wide item, collected in Fuzhou (收受分離).
		w = s.post("/window/apply", fzWindow, with("code", xmAdvertItem))
		loc := wantRedirect(t, "start at the window", w, w.Code, "/window/cases/")
		id := strings.TrimSuffix(strings.TrimPrefix(loc, "/window/cases/"), "/edit")
		doc := parse(t, s.get(loc, fzWindow))
		if got := text(one(t, doc, "#apply-person")); !strings.Contains(got, "林**") {
			t.Errorf("person = %q", got)
		}
		wantStatus(t, "another window's draft", s.get(loc, scjWin), http.StatusNotFound)
		w = s.postMultipart("/window/cases/"+id+"/edit", fzWindow, url.Values{"company": {"林记广告工作室"}, "mobile": {"13805912345"},
			"action": {"submit"}}, []upload{{"material.application", "广告发布登记申请表.pdf", pdfFile}})
		wantStatus(t, "submit at the window", w, http.StatusOK)
		doc = parse(t, w)
		if got := text(one(t, doc, "h1")); got != i18n.T(i18n.ZhHans, "cases.receipt.title") {
			t.Errorf("receipt h1 %q", got)
		}
		number := text(one(t, doc, "#case-number"))
		if !strings.HasPrefix(number, "350200-") || !queryRE.MatchString(text(one(t, doc, "#query-code"))) {
			t.Errorf("receipt: number %q", number)
		}
		if got := text(one(t, doc, "#received")); !strings.Contains(got, "广告发布登记申请表") {
			t.Errorf("materials received: %q", got)
		}
		c := s.caseOf(t, id)
		if c.Channel != cases.ChannelWindow || c.ReceivingOrg != "fz-market-regulation" || c.HandlingOrg != "xm-market-regulation" ||
			c.Applicant.Name != "林秀英" {
			t.Errorf("window case: %s %s %s %s", c.Channel, c.ReceivingOrg, c.HandlingOrg, c.Applicant.Name)
		}
		// The person follows it online; the receiving window sees it and may reprint the receipt.
		one(t, parse(t, s.get("/my/cases", resident)), "#case-"+id)
		doc = parse(t, s.get("/work/cases?as=receiving", fzWindow))
		one(t, doc, "#case-"+id)
		doc = parse(t, s.get("/work/cases/"+id, fzWindow))
		one(t, doc, `a[href="/window/cases/`+id+`/receipt"]`)
		if n := count(t, doc, "form#accept-form"); n != 0 {
			t.Error("the receiving window is offered to accept for the handling organisation")
		}
		w = s.get("/window/cases/"+id+"/receipt", fzWindow)
		wantStatus(t, "reprint", w, http.StatusOK)
		if n := count(t, parse(t, w), "#query-code"); n != 0 {
			t.Error("the reprinted receipt shows the query code")
		}
	})
}

func TestCaseBundleAndFees(t *testing.T) {
	t.Parallel()
	eachCaseSite(t, func(t *testing.T, s *casesSite) {
		// A bundle: one form, one set of materials, a case per item.
		doc := parse(t, s.get("/apply/bundle/"+restaurantPack, resident))
		if got := text(one(t, doc, "h1")); got != "开餐馆" {
			t.Errorf("bundle h1 %q", got)
		}
		if n := count(t, doc, "#bundle-items li"); n != 2 {
			t.Errorf("%d items listed, want 2", n)
		}
		one(t, doc, `input#m-sign_design[type="file"]`)
		files := append(foodFiles(), upload{"material.sign_design", "招牌.png", pngFile})
		w := s.postMultipart("/apply/bundle/"+restaurantPack, resident, goodFood(), files)
		wantStatus(t, "apply for the bundle", w, http.StatusOK)
		doc = parse(t, w)
		if n := count(t, doc, "#children tbody tr"); n != 2 {
			t.Errorf("%d cases made, want 2", n)
		}
		href, _ := attr(one(t, doc, `ul.links a[href^="/my/cases/"]`), "href")
		doc = parse(t, s.get(href, resident))
		rows := queryAll(t, doc, "#children tbody tr")
		if len(rows) != 2 {
			t.Fatalf("%d children on the bundle's page", len(rows))
		}
		if n := count(t, doc, "#clock"); n != 0 {
			t.Error("a bundle shows a clock of its own")
		}
		// Each item's case goes to its organisation.
		var childIDs []string
		for _, r := range rows {
			id, _ := attr(r, "id")
			childIDs = append(childIDs, strings.TrimPrefix(id, "child-"))
		}
		for _, cid := range childIDs {
			c := s.caseOf(t, cid)
			official := map[string]string{"fj-market-regulation": scjWin, "fz-urban-management": cgWindow}[c.HandlingOrg]
			wantStatus(t, "the child's organisation", s.get("/work/cases/"+cid, official), http.StatusOK)
			one(t, parse(t, s.get("/my/cases/"+cid, resident)), `#case-facts a[href="`+href+`"]`)
		}

		// An item with a fee: once approved, the applicant is sent to pay.
		w = s.postMultipart("/apply/item/"+barcodeItem, resident, url.Values{"company": {"福州榕城茶业有限公司"},
			"mobile": {"13805912345"}, "action": {"submit"}}, []upload{{"material.application", "申请表.pdf", pdfFile}})
		wantStatus(t, "apply with a fee", w, http.StatusOK)
		href, _ = attr(one(t, parse(t, w), `ul.links a[href^="/my/cases/"]`), "href")
		id := strings.TrimPrefix(href, "/my/cases/")
		s.act(t, scjWin, id, "accept", nil)
		s.act(t, scjAppr, id, "review", url.Values{"opinion": {"同意"}})
		s.act(t, scjAppr, id, "decide", url.Values{"outcome": {"approved"}, "reasons": {"符合条件"}})
		c := s.caseOf(t, id)
		if c.FeeOrderID == "" || c.Status != cases.StatusAwaitingPayment {
			t.Fatalf("after approval: %s, order %q", c.Status, c.FeeOrderID)
		}
		doc = parse(t, s.get(href, resident))
		one(t, doc, `#pay a[href="/pay/`+c.FeeOrderID+`"]`)
		if got := text(one(t, doc, "#case-next")); got != i18n.T(i18n.ZhHans, "cases.page.next_yours", i18n.T(i18n.ZhHans, "cases.step.pay")) {
			t.Errorf("next step %q", got)
		}
	})
}

func TestCasePagesInEveryLanguage(t *testing.T) {
	t.Parallel()
	eachCaseSite(t, func(t *testing.T, s *casesSite) {
		id, _, _ := s.applyFood(t, resident)
		for _, lang := range i18n.All {
			for _, pg := range []struct{ path, login, h1 string }{
				{"/my/cases", resident, i18n.T(lang, "cases.mine.title")},
				{"/my/cases/" + id, resident, map[i18n.Lang]string{i18n.ZhHans: "食品经营许可证核发", i18n.ZhHant: "食品經營許可證核發", i18n.En: "Food business licence"}[lang]},
				{"/work/cases", scjWin, i18n.T(lang, "cases.work.title")},
				{"/work/cases/" + id, scjWin, map[i18n.Lang]string{i18n.ZhHans: "食品经营许可证核发", i18n.ZhHant: "食品經營許可證核發", i18n.En: "Food business licence"}[lang]},
				{"/lookup", "", i18n.T(lang, "cases.lookup.title")},
				{"/window/apply", scjWin, i18n.T(lang, "cases.window.title")},
			} {
				for _, large := range []bool{false, true} {
					var cookies []*http.Cookie
					if large {
						cookies = append(cookies, &http.Cookie{Name: "large_type", Value: "1"})
					}
					w := s.get(pg.path+"?lang="+string(lang), pg.login, cookies...)
					wantStatus(t, pg.path, w, http.StatusOK)
					doc := parse(t, w)
					checkLayout(t, doc, lang, pg.path)
					if got := text(one(t, doc, "h1")); got != pg.h1 {
						t.Errorf("%s %s: h1 %q, want %q", lang, pg.path, got, pg.h1)
					}
					if class, _ := attr(one(t, doc, "html"), "class"); (class == "large-type") != large {
						t.Errorf("%s %s: html class %q with large type %v", lang, pg.path, class, large)
					}
					for _, k := range []string{"cases.", "formschema.", "%!"} {
						if strings.Contains(text(one(t, doc, "main")), k) {
							t.Errorf("%s %s: untranslated %q in the page", lang, pg.path, k)
						}
					}
				}
			}
		}
	})
}

// TestCaseMessageKeys checks that every value the case pages make a message key of has its key.
func TestCaseMessageKeys(t *testing.T) {
	t.Parallel()
	check := func(prefix string, values ...string) {
		for _, v := range values {
			if !i18n.Has(prefix + v) {
				t.Errorf("no message %s%s", prefix, v)
			}
		}
	}
	var st []string
	for _, s := range cases.Statuses {
		st = append(st, string(s))
	}
	check("cases.status.", st...)
	check("cases.outcome.", "approved", "denied", "partially_approved")
	check("cases.channel.", "online", "window", "kiosk")
	for _, k := range cases.ProcedureKinds {
		check("cases.procedure.", string(k))
	}
	check("cases.delivery.", "electronic", "pickup", "post")
	check("cases.material_status.", "missing", "provided", "to_fetch", "requested")
	check("cases.clock.", "not_started", "running", "paused", "stopped")
	check("cases.step.", "submit", "accept", "supplement", "review", "procedure", "decide", "pay", "deliver", "children")
	check("cases.page.source.", cases.SourceApplicant, cases.SourceLicence, cases.SourceSharedData)
	check("cases.page.applicant_kind.", "person", "enterprise")
	check("cases.event.", cases.EventCreated, cases.EventSubmitted, cases.EventResubmitted, cases.EventMaterialAdded,
		cases.EventMaterialRemoved, cases.EventAccepted, cases.EventMaterialsRequested, cases.EventNotAccepted, cases.EventReviewed,
		cases.EventProcedureStarted, cases.EventProcedureEnded, cases.EventDecided, cases.EventFeeOrderOpened, cases.EventPaid,
		cases.EventDelivered, cases.EventCompleted, cases.EventWithdrawn, cases.EventTransferred, cases.EventRemoteStatus,
		cases.EventReceived, cases.EventTransferRefused, cases.EventMessage, cases.EventQueryCodeReset, cases.EventClockStarted, cases.EventClockPaused, cases.EventClockResumed,
		cases.EventClockWarned, cases.EventClockOverdue, cases.EventClockStopped)
	check("nav.", "my_cases", "work_cases", "lookup", "window_apply", "kiosk")
}
