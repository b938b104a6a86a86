package formschema

import (
	"net/url"
	"strings"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/i18n"
)

// FuzzCompile: any input either compiles to a schema whose fields are sane, or fails with an
// errs.Invalid whose message is a known key; it never panics.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{restaurantForm, businessForm, foodForm, `{}`, `[]`, `{"type":"object","properties":{}}`,
		`{"type":"object","properties":{"a":{"type":"array","items":{"type":"string","enum":["x"]}}}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		s, err := Compile(raw)
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("Compile error of kind %s: %v", errs.KindOf(err), err)
			}
			if key := errs.Public(err).Message; !i18n.Has(key) {
				t.Fatalf("Compile error key %q has no message", key)
			}
			return
		}
		if len(s.Fields()) > MaxProperties {
			t.Fatalf("%d fields", len(s.Fields()))
		}
		for _, fl := range s.Fields() {
			if fl.Name == "" || fl.Widget == "" || fl.Title.ZhHans == "" {
				t.Fatalf("field %+v incomplete", fl)
			}
		}
		// An empty submission never panics either.
		s.FromForm(url.Values{})
	})
}

// FuzzFromForm: any submission to a rich form converts and validates without panicking; valid
// results validate again as they are (what a case stores is what was checked), and every error
// is a known key.
func FuzzFromForm(f *testing.F) {
	s := mustCompile(f, restaurantForm)
	f.Add(validForm().Encode())
	f.Add("seats=%EF%BC%94%EF%BC%98&area=1e3&kind=snack&items=hot&items=hot&agree=on")
	f.Add("shop_name=" + strings.Repeat("%E9%97%BD", 60) + "&opening=2024-02-29&mobile=1%203")
	f.Fuzz(func(t *testing.T, query string) {
		v, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		values, verr := s.FromForm(v)
		if verr == nil {
			if again := s.Validate(values); again != nil {
				t.Fatalf("FromForm accepted %q but Validate refuses %v: %v", query, values, again)
			}
			return
		}
		seen := map[string]bool{}
		for _, fe := range verr.Fields {
			if seen[fe.Field] {
				t.Fatalf("two errors for %q: %v", fe.Field, verr)
			}
			seen[fe.Field] = true
			if !i18n.Has(fe.Key) {
				t.Fatalf("error key %q has no message", fe.Key)
			}
		}
	})
}
