package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// FuzzLicenseWorkForms posts arbitrary forms as a licence type's draft, as a licence to issue
// (of the demo's published food licence) and as a status change: the answer is a page about the
// input (sent back with the error beside its field, or a redirect), never a server error.
func FuzzLicenseWorkForms(f *testing.F) {
	good := licTypeForm().Encode()
	issue := licIssueForm("type_code", demo.LicenceFood).Encode()
	for _, s := range []string{good, issue, "", "code=", "fields.0.key=x&fields.59.name_hans=y", "fields.0.max_len=-1",
		"min_validity_months=99999999999999999999", "linked_items=%00", "linked_other=a%0Ab", "name_hans=%00", "more=1",
		"fields.0.remove=1", "face.x=1&type_code=" + demo.LicenceFood, "holder_code_type=111&holder_code=%E5%9B%9B",
		"valid_until=2026-02-30", "reason=%00&confirm=final", "%zz"} {
		for target := range 3 {
			f.Add(target, s)
		}
	}
	s := newSite(f, storetest.Open(f, store.SQLite, storetest.Options{}), highLimits)
	// The sessions are made here: a fuzz target may not call f's helpers.
	admin, approver := s.token(licFzAdmin), s.token(licFzApprover)
	f.Fuzz(func(t *testing.T, target int, body string) {
		var r *http.Request
		token := approver
		switch target % 3 {
		case 0:
			r, token = httptest.NewRequest("POST", "/licenses/types", strings.NewReader(body)), admin
		case 1:
			r = httptest.NewRequest("POST", "/work/licenses", strings.NewReader(body))
		default:
			r = httptest.NewRequest("POST", "/work/licenses/1.2.156.3005.2.x/suspend", strings.NewReader(body))
		}
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Accept", "text/html")
		r.AddCookie(&http.Cookie{Name: "yiwang_session", Value: token})
		w := httptest.NewRecorder()
		s.a.Server.Handler().ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%s %s %q: %d %.300s", r.Method, r.URL.Path, body, w.Code, w.Body)
		}
	})
}
