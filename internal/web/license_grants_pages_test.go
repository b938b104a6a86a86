package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// xmWindow is a window officer of Xiamen's market regulator (internal/demo), the grantee.
const xmWindow = "xmscj.window"

// grantForm is a valid grant of the licence to Xiamen's market regulator, with kv changed.
func grantForm(kv ...string) url.Values {
	f := url.Values{"grantee_node": {""}, "grantee_org": {"xm-market-regulation"}, "purpose": {"办理分店食品经营许可"},
		"valid_until": {time.Now().AddDate(0, 0, 30).Format("2006-01-02")}}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Set(kv[i], kv[i+1])
	}
	return f
}

func TestLicenceGrantPages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, highLimits)
		l := s.issueLicence()
		page := "/my/licenses/" + l.ID
		granted := "/work/licenses/granted"

		for _, lang := range i18n.All {
			w := s.get(page+"?lang="+string(lang), resident)
			wantStatus(t, "licence page", w, http.StatusOK)
			doc := parse(t, w)
			checkLayout(t, doc, lang, page)
			if got := text(one(t, doc, "#grants-heading")); got != i18n.T(lang, "license.grants.heading") {
				t.Errorf("grants heading %q", got)
			}
			one(t, doc, "#no-grants")
			one(t, doc, `form#grant-form select#grant-grantee_org option[value="xm-market-regulation"]`)
			one(t, doc, `input#grant-valid_until[type="date"][required]`)
			if n := count(t, doc, "#grant-credit_code"); n != 0 {
				t.Error("a credit code is asked for with no peer node to grant to")
			}
		}
		// The issuer's officials read the licence but see no grants.
		if n := count(t, parse(t, s.get(page, "fzscj.window")), "#grants"); n != 0 {
			t.Error("the issuer's official sees the grants")
		}

		// Mistakes come back beside their fields, in each language.
		for _, tc := range []struct {
			form  url.Values
			field string
		}{
			{grantForm("valid_until", ""), "valid_until"},
			{grantForm("valid_until", "2099-01-01"), "valid_until"},
			{grantForm("valid_until", "tomorrow"), "valid_until"},
			{grantForm("valid_from", "2099-01-01"), "valid_from"},
			{grantForm("grantee_org", ""), "grantee_org"},
			{grantForm("grantee_org", "nobody"), "grantee_org"},
			{grantForm("grantee_node", "330000", "credit_code", "91330106MA2XN4K7X1"), "grantee_node"},
			{grantForm("purpose", ""), "purpose"},
		} {
			msgs := map[string]bool{}
			for _, lang := range i18n.All {
				w := s.post(page+"/grants?lang="+string(lang), resident, tc.form)
				wantStatus(t, "bad grant "+tc.field, w, http.StatusBadRequest)
				doc := parse(t, w)
				if a := hrefOf(one(t, doc, "#grant-summary a")); a != "#grant-"+tc.field {
					t.Errorf("%s: the summary links %q", tc.field, a)
				}
				msgs[text(one(t, doc, "#grant-"+tc.field+"-error"))] = true
				if got, _ := attr(one(t, doc, "#grant-"+tc.field), "aria-invalid"); got != "true" {
					t.Errorf("%s: not marked invalid", tc.field)
				}
			}
			if len(msgs) != len(i18n.All) {
				t.Errorf("%s: the message is not translated: %v", tc.field, msgs)
			}
		}

		// Nobody but the holder grants.
		for _, tc := range []struct {
			what, login string
			want        int
		}{
			{"another resident", stranger, http.StatusNotFound},
			{"an official of another organisation", gxt, http.StatusNotFound},
			{"the issuer's official", "fzscj.approver", http.StatusNotFound},
			{"the public", "", http.StatusUnauthorized},
		} {
			w := s.post(page+"/grants", tc.login, grantForm())
			wantStatus(t, "grant by "+tc.what, w, tc.want)
			if strings.Contains(w.Body.String(), "中亭街") {
				t.Errorf("grant by %s shows the licence", tc.what)
			}
		}
		// Another site cannot post the form.
		r := httptest.NewRequest("POST", page+"/grants", strings.NewReader(grantForm().Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Sec-Fetch-Site", "cross-site")
		wantStatus(t, "cross-site grant", s.do(r, resident), http.StatusForbidden)
		if n := count(t, parse(t, s.get(page, resident)), "#grants-table tr.grant"); n != 0 {
			t.Fatalf("%d grants made by refused requests", n)
		}

		// The holder grants.
		w := s.post(page+"/grants", resident, grantForm())
		wantStatus(t, "grant", w, http.StatusSeeOther)
		if loc := w.Header().Get("Location"); !strings.HasSuffix(loc, "#grants") {
			t.Errorf("redirect to %q", loc)
		}
		doc := parse(t, s.get(page+"?granted=1", resident))
		one(t, doc, "#grants-done")
		row := one(t, doc, "#grants-table tr.grant-active")
		grantID, _ := attr(row, "data-id")
		if got := text(one(t, row, "th")); got != "厦门市市场监督管理局" {
			t.Errorf("grantee %q", got)
		}

		// The grantee's officials see it and fetch it; nobody else does.
		for _, lang := range i18n.All {
			w := s.get(granted+"?lang="+string(lang), xmWindow)
			wantStatus(t, "granted list", w, http.StatusOK)
			doc := parse(t, w)
			checkHallLayout(t, doc, lang, granted)
			one(t, doc, `#granted li[data-id="`+l.ID+`"] form#fetch-0 input#fetch-0-reason[required]`)
		}
		one(t, parse(t, s.get(granted, gxt)), "#no-granted")
		wantStatus(t, "a resident's granted list", s.get(granted, resident), http.StatusForbidden)
		wantStatus(t, "the public's granted list", s.get(granted, ""), http.StatusSeeOther)

		w = s.post("/work/licenses/"+l.ID+"/fetch", xmWindow, url.Values{"reason": {" "}})
		wantStatus(t, "fetch without a reason", w, http.StatusBadRequest)
		doc = parse(t, w)
		one(t, doc, "#fetch-0-reason-error")
		if hrefOf(one(t, doc, "#fetch-0-summary a")) != "#fetch-0-reason" {
			t.Error("the summary does not link the reason")
		}
		for _, tc := range []struct{ what, login string }{{"another organisation", gxt}, {"the holder", resident}} {
			w := s.post("/work/licenses/"+l.ID+"/fetch", tc.login, url.Values{"reason": {"看看"}})
			wantStatus(t, "fetch by "+tc.what, w, http.StatusForbidden)
			if strings.Contains(w.Body.String(), "中亭街") || strings.Contains(w.Body.String(), l.HolderCode) {
				t.Errorf("a fetch by %s shows the licence", tc.what)
			}
		}
		w = s.post("/work/licenses/"+l.ID+"/fetch", xmWindow, url.Values{"reason": {"审查分店申请"}})
		wantStatus(t, "fetch", w, http.StatusOK)
		doc = parse(t, w)
		if got := text(one(t, doc, "#fetched-premises td")); got != "福州市台江区中亭街12号" {
			t.Errorf("premises %q", got)
		}
		if got := text(one(t, doc, "#fetched-holder_code td")); got != l.HolderCode {
			t.Errorf("holder code %q", got)
		}
		one(t, doc, "#fetched-state .licence-state.valid")
		if got := text(one(t, doc, "textarea#fetched-credential")); got != l.Credential {
			t.Error("the credential is not the licence's")
		}

		// The holder sees the use, by the organisation's name.
		doc = parse(t, s.get(page, resident))
		if got := text(one(t, doc, "table#uses tbody tr")); !strings.Contains(got, "厦门市市场监督管理局") || !strings.Contains(got, "审查分店申请") {
			t.Errorf("the use reads %q", got)
		}

		// Only the holder revokes; then the grantee cannot fetch.
		revoke := page + "/grants/" + grantID + "/revoke"
		wantStatus(t, "revoke by another resident", s.post(revoke, stranger, nil), http.StatusNotFound)
		wantStatus(t, "revoke by the grantee", s.post(revoke, xmWindow, nil), http.StatusNotFound)
		wantStatus(t, "revoke", s.post(revoke, resident, nil), http.StatusSeeOther)
		doc = parse(t, s.get(page+"?revoked=1", resident))
		one(t, doc, `#grants-table tr.grant-revoked[data-id="`+grantID+`"]`)
		one(t, doc, "#grants-done")
		wantStatus(t, "revoke again", s.post(revoke, resident, nil), http.StatusConflict)
		wantStatus(t, "fetch after the revocation", s.post("/work/licenses/"+l.ID+"/fetch", xmWindow, url.Values{"reason": {"再看"}}),
			http.StatusForbidden)
		one(t, parse(t, s.get(granted, xmWindow)), "#no-granted")
	})
}
