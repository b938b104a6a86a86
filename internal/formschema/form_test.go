package formschema

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/idcode"
)

var (
	operatorID = idcode.NewResidentID("350102", time.Date(1986, 4, 12, 0, 0, 0, 0, time.UTC), 213)
	creditCode = idcode.NewCreditCode('9', '1', "350100", "MA2Y8K3Q")
)

// validForm is a complete, valid submission of restaurantForm.
func validForm() url.Values {
	return url.Values{
		"shop_name":   {"  闽味小馆  "},
		"credit_code": {creditCode},
		"operator_id": {operatorID},
		"mobile":      {"138 0591 2345"},
		"region":      {"350102"},
		"opening":     {"2025-10-01"},
		"seats":       {"４８"}, // typed with a full-width input method
		"area":        {"86.5"},
		"kind":        {"restaurant"},
		"items":       {"hot", "drinks", "hot"},
		"email":       {"minwei@example.cn"},
		"address":     {"福州市鼓楼区东街 88 号\r\n一层"},
		"postcode":    {"350001"},
		"agree":       {"on"},
		"csrf_token":  {"ignored"},
	}
}

func TestFromFormValid(t *testing.T) {
	s := mustCompile(t, restaurantForm)
	got, verr := s.FromForm(validForm())
	if verr != nil {
		t.Fatalf("FromForm: %v", verr)
	}
	want := map[string]any{
		"shop_name":   "闽味小馆",
		"credit_code": creditCode,
		"operator_id": operatorID,
		"mobile":      "13805912345",
		"region":      "350102",
		"opening":     "2025-10-01",
		"seats":       int64(48),
		"area":        86.5,
		"kind":        "restaurant",
		"items":       []any{"hot", "drinks"},
		"email":       "minwei@example.cn",
		"address":     "福州市鼓楼区东街 88 号\n一层",
		"postcode":    "350001",
		"agree":       true,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("values mismatch (-want +got):\n%s", diff)
	}
	// The same values, stored as JSON and read back, are still valid.
	b, _ := json.Marshal(got)
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if verr := s.Validate(back); verr != nil {
		t.Errorf("Validate(JSON round trip) = %v", verr)
	}
}

func TestFromFormErrors(t *testing.T) {
	s := mustCompile(t, restaurantForm)
	badID := operatorID[:17] + string("0123456789X"[(strings.Index("0123456789X", operatorID[17:])+1)%11])
	for _, tc := range []struct {
		name  string
		edit  func(url.Values)
		field string
		key   string
		args  []any
	}{
		{"missing required", func(v url.Values) { v.Del("shop_name") }, "shop_name", "formschema.required", nil},
		{"blank required", func(v url.Values) { v.Set("shop_name", "   ") }, "shop_name", "formschema.required", nil},
		{"unchecked consent", func(v url.Values) { v.Del("agree") }, "agree", "formschema.required", nil},
		{"too short", func(v url.Values) { v.Set("shop_name", "闽") }, "shop_name", "formschema.too_short", []any{2}},
		{"too long counts characters", func(v url.Values) { v.Set("shop_name", strings.Repeat("闽", 51)) }, "shop_name", "formschema.too_long", []any{50}},
		{"not an integer", func(v url.Values) { v.Set("seats", "forty") }, "seats", "formschema.not_integer", nil},
		{"fraction for integer", func(v url.Values) { v.Set("seats", "4.5") }, "seats", "formschema.not_integer", nil},
		{"integer too small", func(v url.Values) { v.Set("seats", "0") }, "seats", "formschema.too_small", []any{"1"}},
		{"integer too big", func(v url.Values) { v.Set("seats", "501") }, "seats", "formschema.too_big", []any{"500"}},
		{"number too big", func(v url.Values) { v.Set("area", "5000.6") }, "area", "formschema.too_big", []any{"5000.5"}},
		{"hex float", func(v url.Values) { v.Set("area", "0x1p4") }, "area", "formschema.not_number", nil},
		{"infinity", func(v url.Values) { v.Set("area", "Inf") }, "area", "formschema.not_number", nil},
		{"not an option", func(v url.Values) { v.Set("kind", "bar") }, "kind", "formschema.not_an_option", nil},
		{"checkbox not an option", func(v url.Values) { v["items"] = []string{"hot", "beer"} }, "items", "formschema.not_an_option", nil},
		{"too many checkbox values", func(v url.Values) { v["items"] = []string{"hot", "cold", "drinks", "beer"} }, "items", "formschema.not_an_option", nil},
		{"two values for one field", func(v url.Values) { v["kind"] = []string{"restaurant", "snack"} }, "kind", "formschema.one_value", nil},
		{"bad boolean", func(v url.Values) { v.Set("agree", "maybe") }, "agree", "formschema.not_boolean", nil},
		{"date not a day", func(v url.Values) { v.Set("opening", "2025-02-30") }, "opening", "formschema.format.date", nil},
		{"date other layout", func(v url.Values) { v.Set("opening", "2025/10/01") }, "opening", "formschema.format.date", nil},
		{"email", func(v url.Values) { v.Set("email", "Min Wei <minwei@example.cn>") }, "email", "formschema.format.email", nil},
		{"email without domain dot", func(v url.Values) { v.Set("email", "minwei@localhost") }, "email", "formschema.format.email", nil},
		{"mobile too short", func(v url.Values) { v.Set("mobile", "1380591234") }, "mobile", "formschema.format.mobile", nil},
		{"mobile landline", func(v url.Values) { v.Set("mobile", "05918765432") }, "mobile", "formschema.format.mobile", nil},
		{"resident id check digit", func(v url.Values) { v.Set("operator_id", badID) }, "operator_id", "idcode.error.resident_check_mismatch", nil},
		{"credit code", func(v url.Values) { v.Set("credit_code", creditCode[:17]) }, "credit_code", "idcode.error.credit_length", nil},
		{"region code", func(v url.Values) { v.Set("region", "990000") }, "region", "idcode.error.region_province", nil},
		{"pattern", func(v url.Values) { v.Set("postcode", "35000") }, "postcode", "formschema.pattern", nil},
		{"newline in a text input", func(v url.Values) { v.Set("shop_name", "闽味\n小馆") }, "shop_name", "formschema.control_char", nil},
		{"control character", func(v url.Values) { v.Set("address", "东街\x00") }, "address", "formschema.control_char", nil},
		{"invalid UTF-8", func(v url.Values) { v.Set("shop_name", "\xff\xfe") }, "shop_name", "formschema.not_text", nil},
		{"value too large", func(v url.Values) { v.Set("address", strings.Repeat("a", MaxValueBytes+1)) }, "address", "formschema.value_too_large", []any{MaxValueBytes >> 10}},
		{"form of 10 MB", func(v url.Values) {
			v["items"] = make([]string, 10<<10)
			for i := range v["items"] {
				v["items"][i] = strings.Repeat("x", 1<<10)
			}
		}, "", "formschema.form_too_large", []any{MaxFormBytes >> 10}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := validForm()
			tc.edit(v)
			_, verr := s.FromForm(v)
			if verr == nil {
				t.Fatal("FromForm accepted the form")
			}
			if len(verr.Fields) != 1 {
				t.Errorf("FromForm gave %d errors, want 1: %v", len(verr.Fields), verr)
			}
			fe := verr.For(tc.field)
			if fe == nil {
				t.Fatalf("no error for %q: %v", tc.field, verr)
			}
			if fe.Key != tc.key {
				t.Errorf("key = %s, want %s", fe.Key, tc.key)
			}
			if tc.args != nil {
				if diff := cmp.Diff(tc.args, fe.Args); diff != "" {
					t.Errorf("args mismatch (-want +got):\n%s", diff)
				}
			}
			for _, l := range i18n.All {
				if msg := i18n.T(l, fe.Key, fe.Args...); msg == fe.Key || strings.Contains(msg, "%!") {
					t.Errorf("%s: message %s renders as %q", l, fe.Key, msg)
				}
			}
		})
	}
}

func TestErrorsOnePerFieldInOrder(t *testing.T) {
	s := mustCompile(t, restaurantForm)
	_, verr := s.FromForm(url.Values{"seats": {"x"}, "shop_name": {"a\x01"}, "postcode": {"1"}})
	var got []string
	for _, f := range verr.Fields {
		got = append(got, f.Field+" "+f.Key)
	}
	want := []string{
		"shop_name formschema.control_char",
		"credit_code formschema.required",
		"operator_id formschema.required",
		"seats formschema.not_integer",
		"kind formschema.required",
		"postcode formschema.pattern",
		"agree formschema.required",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("errors mismatch (-want +got):\n%s", diff)
	}
	var e *errs.Error
	if !errors.As(verr, &e) || e.Kind != errs.Invalid || e.Field != "shop_name" || e.Message != "formschema.control_char" {
		t.Errorf("Unwrap = %#v, want the first field's errs.Invalid", e)
	}
	if errs.KindOf(verr) != errs.Invalid {
		t.Errorf("KindOf = %s", errs.KindOf(verr))
	}
}

func TestValidateJSON(t *testing.T) {
	s := mustCompile(t, restaurantForm)
	base := func() map[string]any {
		v, verr := s.FromForm(validForm())
		if verr != nil {
			t.Fatal(verr)
		}
		return v
	}
	for _, tc := range []struct {
		name  string
		edit  func(map[string]any)
		field string
		key   string
	}{
		{"unknown field", func(m map[string]any) { m["admin"] = true }, "admin", "formschema.unknown_field"},
		{"string for integer", func(m map[string]any) { m["seats"] = "48" }, "seats", "formschema.not_integer"},
		{"fraction for integer", func(m map[string]any) { m["seats"] = 4.5 }, "seats", "formschema.not_integer"},
		{"object for string", func(m map[string]any) { m["shop_name"] = map[string]any{"a": 1} }, "shop_name", "formschema.not_text"},
		{"number for string", func(m map[string]any) { m["shop_name"] = 12 }, "shop_name", "formschema.not_text"},
		{"string for boolean", func(m map[string]any) { m["agree"] = "true" }, "agree", "formschema.not_boolean"},
		{"false consent", func(m map[string]any) { m["agree"] = false }, "agree", "formschema.required"},
		{"null required", func(m map[string]any) { m["kind"] = nil }, "kind", "formschema.required"},
		{"list of numbers", func(m map[string]any) { m["items"] = []any{1.0} }, "items", "formschema.not_options"},
		{"string for list", func(m map[string]any) { m["items"] = "hot" }, "items", "formschema.not_options"},
		{"NaN", func(m map[string]any) { m["area"] = nanValue() }, "area", "formschema.not_number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := base()
			tc.edit(m)
			verr := s.Validate(m)
			if fe := verr.For(tc.field); fe == nil || fe.Key != tc.key {
				t.Errorf("Validate = %v, want %s for %s", verr, tc.key, tc.field)
			}
		})
	}
	m := base()
	m["items"] = []string{"cold"}
	if verr := s.Validate(m); verr != nil {
		t.Errorf("Validate([]string) = %v", verr)
	}
}

func nanValue() float64 {
	var zero float64
	return zero / zero
}

func TestFromFormIgnoresOtherNamesAndKeepsMissingOut(t *testing.T) {
	s := mustCompile(t, `{"type":"object","properties":{"note":{"type":"string"},"count":{"type":"integer"},"ok":{"type":"boolean"}}}`)
	got, verr := s.FromForm(url.Values{"note": {""}, "count": {" "}, "csrf": {"x"}, "submit": {"save"}})
	if verr != nil {
		t.Fatal(verr)
	}
	if diff := cmp.Diff(map[string]any{"ok": false}, got); diff != "" {
		t.Errorf("values mismatch (-want +got):\n%s", diff)
	}
}
