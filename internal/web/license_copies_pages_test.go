package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

func TestLicenceCopyPages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, highLimits)
		l := s.issueLicence()
		page := "/my/licenses/" + l.ID
		day := func(days int) string {
			return db.Clock().Now().In(clock.China).AddDate(0, 0, days).Format(time.DateOnly)
		}
		copyForm := func(kv ...string) url.Values {
			f := url.Values{"use_for": {"福州市住房公积金中心"}, "reason": {"办理公积金贷款"}, "expires_at": {day(30)}}
			for i := 0; i+1 < len(kv); i += 2 {
				f.Set(kv[i], kv[i+1])
			}
			return f
		}

		for _, lang := range i18n.All {
			w := s.get(page+"?lang="+string(lang), resident)
			wantStatus(t, "licence page", w, http.StatusOK)
			doc := parse(t, w)
			checkLayout(t, doc, lang, page)
			if got := text(one(t, doc, "#copies-heading")); got != i18n.T(lang, "license.copies.heading") {
				t.Errorf("copies heading %q", got)
			}
			one(t, doc, "#no-copies")
			one(t, doc, `form#copy-form input#copy-use_for[required]`)
			one(t, doc, `form#copy-form input#copy-reason[required]`)
			one(t, doc, `form#copy-form input#copy-expires_at[type="date"][required][max="`+day(90)+`"]`)
		}
		// The issuer's officials read the licence but see no copies.
		if n := count(t, parse(t, s.get(page, "fzscj.window")), "#copies"); n != 0 {
			t.Error("the issuer's official sees the copies")
		}

		// Mistakes come back beside their fields, in each language.
		for _, tc := range []struct {
			form  url.Values
			field string
		}{
			{copyForm("use_for", " "), "use_for"},
			{copyForm("reason", ""), "reason"},
			{copyForm("reason", strings.Repeat("贷", 101)), "reason"},
			{copyForm("expires_at", ""), "expires_at"},
			{copyForm("expires_at", "next week"), "expires_at"},
			{copyForm("expires_at", "2020-01-01"), "expires_at"},
			{copyForm("expires_at", day(91)), "expires_at"},
		} {
			msgs := map[string]bool{}
			for _, lang := range i18n.All {
				w := s.post(page+"/copies?lang="+string(lang), resident, tc.form)
				wantStatus(t, "bad copy "+tc.field, w, http.StatusBadRequest)
				doc := parse(t, w)
				if a := hrefOf(one(t, doc, "#copy-summary a")); a != "#copy-"+tc.field {
					t.Errorf("%s: the summary links %q", tc.field, a)
				}
				msgs[text(one(t, doc, "#copy-"+tc.field+"-error"))] = true
				if got, _ := attr(one(t, doc, "#copy-"+tc.field), "aria-invalid"); got != "true" {
					t.Errorf("%s: not marked invalid", tc.field)
				}
			}
			if len(msgs) != len(i18n.All) {
				t.Errorf("%s: the message is not translated: %v", tc.field, msgs)
			}
		}

		// Nobody but the holder makes a copy.
		for _, tc := range []struct {
			what, login string
			want        int
		}{
			{"another resident", stranger, http.StatusNotFound},
			{"an official of another organisation", gxt, http.StatusNotFound},
			{"the issuer's official", "fzscj.approver", http.StatusNotFound},
			{"the public", "", http.StatusUnauthorized},
		} {
			w := s.post(page+"/copies", tc.login, copyForm())
			wantStatus(t, "copy by "+tc.what, w, tc.want)
			if strings.Contains(w.Body.String(), "中亭街") {
				t.Errorf("copy by %s shows the licence", tc.what)
			}
		}
		// Another site cannot post the form.
		r := httptest.NewRequest("POST", page+"/copies", strings.NewReader(copyForm().Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Sec-Fetch-Site", "cross-site")
		wantStatus(t, "cross-site copy", s.do(r, resident), http.StatusForbidden)
		if n := count(t, parse(t, s.get(page, resident)), "#copies-table tr.copy"); n != 0 {
			t.Fatalf("%d copies made by refused requests", n)
		}

		// The holder makes one.
		w := s.post(page+"/copies", resident, copyForm())
		wantStatus(t, "copy", w, http.StatusSeeOther)
		if loc := w.Header().Get("Location"); !strings.HasSuffix(loc, "?copied=1#copies") {
			t.Errorf("redirect to %q", loc)
		}
		doc := parse(t, s.get(page+"?copied=1", resident))
		one(t, doc, "#copies-done")
		row := one(t, doc, "#copies-table tr.copy-valid")
		copyID, _ := attr(row, "data-id")
		if got := text(one(t, row, "th")); got != "福州市住房公积金中心" {
			t.Errorf("use %q", got)
		}
		one(t, row, `a#copy-pdf-`+copyID+`[href="/my/licenses/copies/`+copyID+`/pdf"]`)
		if got := text(one(t, doc, "#history")); !strings.Contains(got, i18n.T(i18n.ZhHans, "license.wallet.step.annotated")+" — "+copyID) {
			t.Errorf("the history does not show the copy: %q", got)
		}

		// Anyone verifies it by its signed form.
		var signed string
		if err := db.Get(context.Background(), &signed, `SELECT credential FROM licence_copies WHERE id = ?`, copyID); err != nil {
			t.Fatal(err)
		}
		vdoc := parse(t, s.verifyUpload(signed, "", nil))
		if got := text(one(t, vdoc, "#verdict-state")); got != i18n.T(i18n.ZhHans, "license.state.valid") {
			t.Errorf("verdict %q", got)
		}
		if got := text(one(t, vdoc, "#copy-note")); !strings.Contains(got, copyID) {
			t.Errorf("copy note %q", got)
		}
		if got := text(one(t, vdoc, "#purpose")); !strings.Contains(got, "办理公积金贷款") || !strings.Contains(got, "福州市住房公积金中心") {
			t.Errorf("purpose %q", got)
		}

		// Nobody else downloads or withdraws it.
		for _, tc := range []struct {
			what, method, login string
			want                int
		}{
			{"another resident's download", "GET", stranger, http.StatusNotFound},
			{"the issuer's official's download", "GET", "fzscj.approver", http.StatusNotFound},
			{"the public's download", "GET", "", http.StatusSeeOther},
			{"another resident's withdrawal", "POST", stranger, http.StatusNotFound},
			{"the issuer's official's withdrawal", "POST", "fzscj.approver", http.StatusNotFound},
			{"the public's withdrawal", "POST", "", http.StatusUnauthorized},
		} {
			var w *httptest.ResponseRecorder
			if tc.method == "GET" {
				w = s.get("/my/licenses/copies/"+copyID+"/pdf", tc.login)
			} else {
				w = s.post("/my/licenses/copies/"+copyID+"/revoke", tc.login, url.Values{})
			}
			wantStatus(t, tc.what, w, tc.want)
		}

		// The holder downloads it.
		w = s.get("/my/licenses/copies/"+copyID+"/pdf", resident)
		switch {
		case w.Code == http.StatusServiceUnavailable && os.Getenv("CI") != "true":
			t.Logf("no copy PDF here (a Chinese TrueType font is needed): %.200s", w.Body)
		case w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/pdf" || !strings.HasPrefix(w.Body.String(), "%PDF-"):
			t.Errorf("download: %d %s %.100q", w.Code, w.Header().Get("Content-Type"), w.Body)
		default:
			// A verifier given the file verifies the copy it names, and the file's seal.
			vdoc := parse(t, s.verifyUpload("", "copy.pdf", w.Body.Bytes()))
			if got := text(one(t, vdoc, "#verdict-reason")); got != i18n.T(i18n.ZhHans, "license.reason.copy_valid") {
				t.Errorf("the copy's PDF verifies: %q", got)
			}
			one(t, vdoc, "#copy-note")
			one(t, vdoc, "#pdf-signature.ok")
		}

		// The holder withdraws it: the row says so and offers nothing more; it verifies revoked.
		w = s.post("/my/licenses/copies/"+copyID+"/revoke", resident, url.Values{})
		wantStatus(t, "withdraw", w, http.StatusSeeOther)
		if loc := w.Header().Get("Location"); loc != page+"?withdrawn=1#copies" {
			t.Errorf("redirect to %q", loc)
		}
		doc = parse(t, s.get(page+"?withdrawn=1", resident))
		one(t, doc, "#copies-done")
		row = one(t, doc, `#copies-table tr.copy-revoked[data-id="`+copyID+`"]`)
		if n := count(t, row, "button") + count(t, row, "a"); n != 0 {
			t.Errorf("a withdrawn copy offers %d actions", n)
		}
		vdoc = parse(t, s.verifyUpload(signed, "", nil))
		if got := text(one(t, vdoc, "#verdict-reason")); got != i18n.T(i18n.ZhHans, "license.reason.copy_revoked") {
			t.Errorf("after withdrawal the verifier says %q", got)
		}
		wantStatus(t, "withdraw again", s.post("/my/licenses/copies/"+copyID+"/revoke", resident, url.Values{}), http.StatusConflict)
	})
}
