package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// FuzzCatalogForms posts arbitrary forms as a draft item or bundle and searches with arbitrary
// query strings: the answer is a page about the input (sent back with the error beside its
// field, or saved), never a server error.
func FuzzCatalogForms(f *testing.F) {
	good := itemForm().Encode()
	for _, s := range []string{good, "", "code=", "materials.0.code=x&materials.59.name_hans=y", "fees.0.amount=1e9", "fees.0.amount=-1",
		"materials.0.max_mb=NaN", "legal_days=99999999999999999999", "form_schema=%7B", "items=a%0Ab", "name_hans=%00",
		strings.Replace(good, "online_depth=4", "online_depth=%E5%9B%9B", 1)} {
		f.Add(0, s)
		f.Add(1, s)
		f.Add(2, s)
	}
	s := newCatalogSite(f, storetest.Open(f, store.SQLite, storetest.Options{}))
	token := s.token(fzAdmin) // the session is made here: a fuzz target may not call f's helpers
	f.Fuzz(func(t *testing.T, target int, body string) {
		var r *http.Request
		switch target % 3 {
		case 0:
			r = httptest.NewRequest("POST", "/catalog/manage/items", strings.NewReader(body))
		case 1:
			r = httptest.NewRequest("POST", "/catalog/manage/bundles", strings.NewReader(body))
		default:
			r = httptest.NewRequest("GET", "/services", nil)
			r.URL.RawQuery = body
		}
		if r.Method == "POST" {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		r.Header.Set("Accept", "text/html")
		r.AddCookie(&http.Cookie{Name: "yiwang_session", Value: token})
		w := httptest.NewRecorder()
		s.a.Server.Handler().ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%s %s %q: %d %.300s", r.Method, r.URL.Path, body, w.Code, w.Body)
		}
		if _, err := url.ParseQuery(body); err == nil && r.Method == "POST" && w.Code == http.StatusOK {
			t.Fatalf("a posted form answered 200 instead of a redirect or an error")
		}
	})
}
