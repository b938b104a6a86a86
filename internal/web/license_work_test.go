package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/catalog"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// Officials of the licence pages' tests (internal/demo): Fuzhou's market regulator keeps and
// issues, Xiamen's is another organisation.
const (
	licFzAdmin    = "fzscj.admin"
	licFzApprover = "fzscj.approver"
	licFzReviewer = "fzscj.reviewer"
	licXmWindow   = "xmscj.window"
	licOffice     = "szb.admin"
)

var (
	licAuthority = idcode.NewCreditCode('1', '1', "100000", "00001399")
	licTypeCode  = licAuthority + "077"
	licHolder    = idcode.NewCreditCode('9', '2', "350102", "MA2XN4K7")
	licPerson    = idcode.NewResidentID("350102", time.Date(1988, 3, 7, 0, 0, 0, 0, time.UTC), 123)
)

// licTypeForm is a valid draft of a licence type, with the named fields changed (pairs).
func licTypeForm(kv ...string) url.Values {
	v := url.Values{"code": {licTypeCode}, "name_hans": {"小餐饮登记证"}, "name_hant": {"小餐飲登記證"}, "name_en": {"Small catering registration"},
		"authority_name": {"国家市场监督管理总局"}, "authority_level": {"national"}, "issuer_level": {"city"},
		"holder_category": {"both"}, "min_validity_months": {"12"}, "max_validity_months": {"36"},
		"fields.0.key": {"shop_name"}, "fields.0.name_hans": {"店名"}, "fields.0.name_hant": {"店名"}, "fields.0.name_en": {"Shop"},
		"fields.0.kind": {"text"}, "fields.0.required": {"1"},
		"fields.1.key": {"address"}, "fields.1.name_hans": {"地址"}, "fields.1.name_hant": {"地址"}, "fields.1.name_en": {"Address"},
		"fields.1.kind": {"area"}, "fields.1.required": {"1"}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// licIssueForm is a valid issue form of the test type, with the named fields changed.
func licIssueForm(kv ...string) url.Values {
	v := url.Values{"type_code": {licTypeCode}, "holder_name": {"福州市鼓楼区榕城小吃店"}, "holder_code_type": {"001"},
		"holder_code": {licHolder}, "face.shop_name": {"榕城小吃"}, "face.address": {"福州市鼓楼区杨桥东路18号"}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func fieldHref(field string) string {
	return "#cf-" + strings.NewReplacer(".", "-", "_", "-").Replace(field)
}

// publishLicType drafts, submits and publishes the test type through the pages.
func publishLicType(t *testing.T, s *site) {
	t.Helper()
	wantRedirect(t, "save", s.post("/licenses/types", licFzAdmin, licTypeForm()), http.StatusSeeOther, "/licenses/types/"+licTypeCode+"?done=saved")
	w := s.post("/licenses/types/"+licTypeCode+"/submit", licFzAdmin, url.Values{})
	wantRedirect(t, "submit", w, w.Code, "/licenses/types/"+licTypeCode+"?done=submitted")
	w = s.post("/licenses/types/"+licTypeCode+"/publish", licOffice, url.Values{})
	wantRedirect(t, "publish", w, w.Code, "/licenses/types/"+licTypeCode+"?done=published")
}

// issueLic issues a licence of the test type through the page and returns its identifier.
func issueLic(t *testing.T, s *site, form url.Values) string {
	t.Helper()
	w := s.post("/work/licenses", licFzApprover, form)
	loc := wantRedirect(t, "issue", w, w.Code, "/work/licenses/")
	id, err := url.PathUnescape(strings.TrimSuffix(strings.TrimPrefix(loc, "/work/licenses/"), "?done=issued"))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestLicenseTypePages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, highLimits)
		wantLogin(t, "the public", s.get("/licenses/types", ""))
		wantStatus(t, "a resident", s.get("/licenses/types", resident), http.StatusForbidden)
		if got := navHrefs(t, parse(t, s.get("/licenses/types", licFzAdmin))); !slices.Contains(got, "/licenses/types") ||
			!slices.Contains(got, "/work/licenses") || slices.Contains(got, "/licenses/types/review") {
			t.Errorf("an administrator's navigation: %v", got)
		}
		if got := navHrefs(t, parse(t, s.get("/licenses/types", licOffice))); !slices.Contains(got, "/licenses/types/review") {
			t.Errorf("the digital office's navigation: %v", got)
		}
		wantStatus(t, "new type, reviewer", s.get("/licenses/types/new", licFzReviewer), http.StatusForbidden)
		wantStatus(t, "review, an organisation's administrator", s.get("/licenses/types/review", licFzAdmin), http.StatusForbidden)
		for _, lang := range i18n.All {
			doc := parse(t, s.get("/licenses/types/new?lang="+string(lang), licFzAdmin))
			checkHallLayout(t, doc, lang, "/licenses/types/new")
			one(t, doc, `form#type-form input[name="fields.2.key"]`)
		}

		// Mistakes come back beside their fields, in each language.
		for _, tc := range []struct {
			form  url.Values
			field string
		}{
			{licTypeForm("code", "ABC"), "code"},
			{licTypeForm("name_hans", ""), "name_hans"},
			{licTypeForm("authority_level", "galactic"), "authority_level"},
			{licTypeForm("max_validity_months", "x"), "max_validity_months"},
			{licTypeForm("min_validity_months", "40"), "max_validity_months"},
			{licTypeForm("fields.1.key", "Bad Key"), "fields.1.key"},
			{licTypeForm("fields.0.remove", "1", "fields.1.kind", "photo"), "fields.1.kind"},
			{licTypeForm("linked_other", "not-a-code"), "linked_other"},
			{licTypeForm("fields.0.remove", "1", "fields.1.remove", "1"), "fields.0.key"},
		} {
			msgs := map[string]bool{}
			for _, lang := range i18n.All {
				w := s.post("/licenses/types?lang="+string(lang), licFzAdmin, tc.form)
				wantStatus(t, "bad draft "+tc.field, w, http.StatusBadRequest)
				doc := parse(t, w)
				if a := hrefOf(one(t, doc, "#catalog-summary a")); a != fieldHref(tc.field) {
					t.Errorf("%s: the summary links to %q, want %q", tc.field, a, fieldHref(tc.field))
				}
				msgs[text(one(t, doc, fieldHref(tc.field)+"-error"))] = true
				if got, _ := attr(one(t, doc, `input[name="name_en"]`), "value"); got != tc.form.Get("name_en") {
					t.Errorf("%s: name_en came back as %q", tc.field, got)
				}
			}
			if len(msgs) != len(i18n.All) {
				t.Errorf("%s: the error reads the same in two languages: %v", tc.field, msgs)
			}
		}
		// More rows without saving.
		w := s.post("/licenses/types", licFzAdmin, licTypeForm("more", "1"))
		wantStatus(t, "more rows", w, http.StatusOK)
		one(t, parse(t, w), `input[name="fields.4.key"]`)

		publishLicType(t, s)
		doc := parse(t, s.get("/licenses/types", licFzAdmin))
		one(t, doc, "#type-"+licTypeCode+".status-published")
		doc = parse(t, s.get("/licenses/types/"+licTypeCode, licFzAdmin))
		one(t, doc, "#version-1.status-published")
		// A new draft, returned by the digital office with a reason.
		// The organisation's published items are offered to link; a linked item stays chosen.
		foodItem := catalog.OrgCreditCode("fz-market-regulation") + "000101021000"
		one(t, parse(t, s.get("/licenses/types/new", licFzAdmin)), `select[name="linked_items"] option[value="`+foodItem+`"]`)
		wantRedirect(t, "save v2", s.post("/licenses/types", licFzAdmin, licTypeForm("name_en", "Small caterer", "linked_items", foodItem)),
			http.StatusSeeOther, "/licenses/types/")
		one(t, parse(t, s.get("/licenses/types/"+licTypeCode, licFzAdmin)), `select[name="linked_items"] option[value="`+foodItem+`"][selected]`)
		w = s.post("/licenses/types/"+licTypeCode+"/submit", licFzAdmin, url.Values{})
		wantRedirect(t, "submit v2", w, w.Code, "/licenses/types/")
		one(t, parse(t, s.get("/licenses/types/review", licOffice)), "#pending-"+licTypeCode)
		wantStatus(t, "publish by an organisation's administrator", s.post("/licenses/types/"+licTypeCode+"/publish", licFzAdmin, url.Values{}), http.StatusForbidden)
		w = s.post("/licenses/types/"+licTypeCode+"/return", licOffice, url.Values{"reason": {""}})
		wantStatus(t, "return without reason", w, http.StatusBadRequest)
		one(t, parse(t, w), "#return-reason-error")
		w = s.post("/licenses/types/"+licTypeCode+"/return", licOffice, url.Values{"reason": {"英文名称请用全称"}})
		wantRedirect(t, "return", w, w.Code, "/licenses/types/"+licTypeCode+"?done=returned")
		doc = parse(t, s.get("/licenses/types/"+licTypeCode, licFzAdmin))
		if got := text(one(t, doc, "#return-reason")); got != "英文名称请用全称" {
			t.Errorf("return reason %q", got)
		}
		one(t, doc, "#version-2.status-returned")
		// Another organisation's official does not see the type's versions.
		wantStatus(t, "another organisation's type", s.get("/licenses/types/"+licTypeCode, licXmWindow), http.StatusNotFound)
	})
}

func TestLicenseWorkPages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, highLimits)
		publishLicType(t, s)
		for _, lang := range i18n.All {
			doc := parse(t, s.get("/work/licenses/new?type="+licTypeCode+"&lang="+string(lang), licFzApprover))
			checkHallLayout(t, doc, lang, "/work/licenses/new")
			one(t, doc, `form#issue-form textarea[name="face.address"]`)
		}
		one(t, parse(t, s.get("/work/licenses/new", licFzApprover)), `select#choose-type option[value="`+licTypeCode+`"]`)
		id := issueLic(t, s, licIssueForm())
		doc := parse(t, s.get("/work/licenses", licFzApprover))
		one(t, doc, `#licences tr[data-id="`+id+`"].state-valid`)
		one(t, doc, `#issue-link`)
		doc = parse(t, s.get("/work/licenses?status=valid&type="+licTypeCode+"&holder="+licHolder, licFzReviewer))
		one(t, doc, `#licences tr[data-id="`+id+`"]`)
		if n := count(t, doc, "#issue-link"); n != 0 {
			t.Error("a reviewer is offered to issue")
		}
		one(t, parse(t, s.get("/work/licenses?status=revoked", licFzApprover)), "#no-licences")
		wantStatus(t, "bad status filter", s.get("/work/licenses?status=gone", licFzApprover), http.StatusBadRequest)

		for _, lang := range i18n.All {
			checkHallLayout(t, parse(t, s.get("/work/licenses?lang="+string(lang), licFzApprover)), lang, "/work/licenses")
			checkHallLayout(t, parse(t, s.get("/work/licenses/"+url.PathEscape(id)+"?lang="+string(lang), licFzApprover)), lang,
				"/work/licenses/"+id)
		}
		doc = parse(t, s.get("/work/licenses/"+url.PathEscape(id), licFzReviewer))
		if got := text(one(t, doc, "#face-shop_name")); got != "榕城小吃" {
			t.Errorf("face data %q", got)
		}
		one(t, doc, "#history-table tr.step-issued")
		if n := count(t, doc, "#actions"); n != 0 {
			t.Error("a reviewer is offered status changes")
		}

		// Who may not: a reviewer, another organisation's official, the public.
		for _, tc := range []struct {
			what, method, path, login string
			form                      url.Values
			want                      int
		}{
			{"reviewer's issue form", "GET", "/work/licenses/new", licFzReviewer, nil, http.StatusForbidden},
			{"reviewer issues", "POST", "/work/licenses", licFzReviewer, licIssueForm(), http.StatusForbidden},
			{"reviewer suspends", "POST", "/work/licenses/" + url.PathEscape(id) + "/suspend", licFzReviewer, url.Values{"reason": {"x"}}, http.StatusForbidden},
			{"reviewer revokes", "POST", "/work/licenses/" + url.PathEscape(id) + "/revoke", licFzReviewer, url.Values{"reason": {"x"}, "confirm": {"final"}}, http.StatusForbidden},
			{"other org reads", "GET", "/work/licenses/" + url.PathEscape(id), licXmWindow, nil, http.StatusNotFound},
			{"other org's change form", "GET", "/work/licenses/" + url.PathEscape(id) + "/change", licXmWindow, nil, http.StatusNotFound},
			{"other org suspends", "POST", "/work/licenses/" + url.PathEscape(id) + "/suspend", licXmWindow, url.Values{"reason": {"x"}}, http.StatusNotFound},
			{"other org revokes", "POST", "/work/licenses/" + url.PathEscape(id) + "/revoke", licXmWindow, url.Values{"reason": {"x"}, "confirm": {"final"}}, http.StatusNotFound},
			{"other org revokes unconfirmed", "POST", "/work/licenses/" + url.PathEscape(id) + "/revoke", licXmWindow, url.Values{"reason": {"x"}}, http.StatusNotFound},
			{"other org changes", "POST", "/work/licenses/" + url.PathEscape(id) + "/change", licXmWindow, url.Values{"reason": {"x"}, "holder_name": {"y"}}, http.StatusNotFound},
			{"resident's list", "GET", "/work/licenses", resident, nil, http.StatusForbidden},
		} {
			var w interface{ Result() *http.Response }
			if tc.method == "GET" {
				w = s.get(tc.path, tc.login)
			} else {
				w = s.post(tc.path, tc.login, tc.form)
			}
			if got := w.Result().StatusCode; got != tc.want {
				t.Errorf("%s: status %d, want %d", tc.what, got, tc.want)
			}
		}
		if n := count(t, parse(t, s.get("/work/licenses", licXmWindow)), `#licences tr[data-id="`+id+`"]`); n != 0 {
			t.Error("another organisation lists the licence")
		}

		// Invalid issue forms, in each language.
		for _, tc := range []struct {
			form  url.Values
			field string
		}{
			{licIssueForm("holder_code", "123"), "holder_code"},
			{licIssueForm("holder_name", ""), "holder_name"},
			{licIssueForm("face.shop_name", ""), "face.shop_name"},
			{licIssueForm("valid_until", "2099-01-01"), "valid_until"},
			{licIssueForm("holder_code_type", "111"), "holder_code"},
		} {
			msgs := map[string]bool{}
			for _, lang := range i18n.All {
				w := s.post("/work/licenses?lang="+string(lang), licFzApprover, tc.form)
				wantStatus(t, "bad issue "+tc.field, w, http.StatusBadRequest)
				doc := parse(t, w)
				if a := hrefOf(one(t, doc, "#catalog-summary a")); a != fieldHref(tc.field) {
					t.Errorf("%s: the summary links to %q", tc.field, a)
				}
				msgs[text(one(t, doc, fieldHref(tc.field)+"-error"))] = true
			}
			if len(msgs) != len(i18n.All) {
				t.Errorf("%s: the error reads the same in two languages: %v", tc.field, msgs)
			}
		}

		// Suspend, reinstate, change; revoking needs its confirmation and is final.
		path := "/work/licenses/" + url.PathEscape(id)
		w := s.post(path+"/suspend", licFzApprover, url.Values{"reason": {""}})
		wantStatus(t, "suspend without reason", w, http.StatusBadRequest)
		one(t, parse(t, w), "#suspend-reason-error")
		w = s.post(path+"/suspend", licFzApprover, url.Values{"reason": {"现场核查"}})
		wantRedirect(t, "suspend", w, w.Code, path+"?done=suspended")
		one(t, parse(t, s.get(path, licFzApprover)), "#licence-state.status-suspended")
		w = s.post(path+"/reinstate", licFzApprover, url.Values{"reason": {"核查通过"}})
		wantRedirect(t, "reinstate", w, w.Code, path+"?done=reinstated")
		doc = parse(t, s.get(path+"/change", licFzApprover))
		if got := text(one(t, doc, `form#change-form textarea[name="face.address"]`)); got != "福州市鼓楼区杨桥东路18号" {
			t.Errorf("the change form shows the address %q", got)
		}
		w = s.post(path+"/change", licFzApprover, url.Values{"reason": {"无变化"}, "holder_name": {"福州市鼓楼区榕城小吃店"},
			"face.shop_name": {"榕城小吃"}, "face.address": {"福州市鼓楼区杨桥东路18号"}})
		wantStatus(t, "a change that changes nothing", w, http.StatusBadRequest)
		one(t, parse(t, w), "#catalog-summary")
		w = s.post(path+"/change", licFzApprover, url.Values{"reason": {"地址变更"}, "holder_name": {"福州市鼓楼区榕城小吃店"},
			"face.shop_name": {"榕城小吃"}, "face.address": {"福州市鼓楼区杨桥东路20号"}})
		loc := wantRedirect(t, "change", w, w.Code, "/work/licenses/")
		if strings.HasPrefix(loc, path+"?") {
			t.Fatalf("a change kept the identifier: %s", loc)
		}
		one(t, parse(t, s.get(path, licFzApprover)), "#licence-state.status-superseded")
		newPath := strings.TrimSuffix(loc, "?done=changed")
		for _, lang := range i18n.All {
			w = s.post(newPath+"/revoke?lang="+string(lang), licFzApprover, url.Values{"reason": {"吊销"}})
			wantStatus(t, "revoke unconfirmed", w, http.StatusBadRequest)
			one(t, parse(t, w), "#revoke-confirm-error")
		}
		one(t, parse(t, s.get(newPath, licFzApprover)), "#licence-state.status-valid")
		w = s.post(newPath+"/revoke", licFzApprover, url.Values{"reason": {"吊销"}, "confirm": {"final"}})
		wantRedirect(t, "revoke", w, w.Code, newPath+"?done=revoked")
		doc = parse(t, s.get(newPath, licFzApprover))
		one(t, doc, "#licence-state.status-revoked")
		one(t, doc, "#history-table tr.step-revoked")
		if n := count(t, doc, "#actions"); n != 0 {
			t.Error("a revoked licence offers status changes")
		}
		wantStatus(t, "reinstate after revocation", s.post(newPath+"/reinstate", licFzApprover, url.Values{"reason": {"误操作"}}), http.StatusConflict)
		wantStatus(t, "revoke again", s.post(newPath+"/revoke", licFzApprover, url.Values{"reason": {"再次"}, "confirm": {"final"}}), http.StatusConflict)
	})
}
