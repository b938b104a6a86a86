package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// FuzzLicenseWorkJSON sends arbitrary JSON as a licence type's draft, as a licence to issue and
// as a revocation: each body is refused with a 4xx that names what is wrong, or done; never a
// server error.
func FuzzLicenseWorkJSON(f *testing.F) {
	for _, s := range []string{lwTypeBody("Small catering"), lwIssueBody(lwHolder),
		`{"type_code":"` + demo.LicenceFood + `","holder_name":"x","holder_code":"` + lwHolder + `","holder_code_type":"001","face":{}}`,
		``, `{}`, `[]`, `{"code":1}`, `{"fields":[{"key":"a","max_len":1e99}]}`, `{"fields":null,"linked_items":[""]}`,
		`{"face":{"x":"\u0000"}}`, `{"holder_code_type":"111","holder_code":"\ud800"}`, `{"min_validity_months":-1}`,
		`{"reason":"x","final":true}`, `{"reason":"x","final":"yes"}`, `{"a":1} {}`, `{"valid_until":"9999-99-99"}`} {
		for target := range 3 {
			f.Add(target, s)
		}
	}
	db := storetest.Open(f, store.SQLite, storetest.Options{})
	a := newApp(f, db)
	token := func(login string) string {
		res, err := a.Identity.Login(context.Background(), login, demo.Password, identity.Meta{})
		if err != nil {
			f.Fatal(err)
		}
		return res.Token
	}
	admin, approver := token(lwAdmin), token(lwApprover)
	f.Fuzz(func(t *testing.T, target int, body string) {
		var r *http.Request
		tok := approver
		switch target % 3 {
		case 0:
			r, tok = httptest.NewRequest("POST", "/api/v1/work/license-types", strings.NewReader(body)), admin
		case 1:
			r = httptest.NewRequest("POST", "/api/v1/work/licenses", strings.NewReader(body))
		default:
			r = httptest.NewRequest("POST", "/api/v1/work/licenses/1.2.156.3005.2.x/revoke", strings.NewReader(body))
		}
		r.Header.Set("Content-Type", "application/json")
		r.AddCookie(&http.Cookie{Name: "yiwang_session", Value: tok})
		w := httptest.NewRecorder()
		a.Server.Handler().ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%s %q: %d %.300s", r.URL.Path, body, w.Code, w.Body)
		}
	})
}
