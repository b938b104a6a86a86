package formschema

import (
	"errors"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// The forms of two items of the "open a restaurant" bundle: a business licence and a food
// business licence share the shop name and the operator.
const (
	businessForm = `{"type":"object","properties":{
		"operator_id":{"type":"string","format":"resident-id","x-order":2,"x-title":{"zh-Hans":"经营者身份证号码"}},
		"shop_name":{"type":"string","maxLength":60,"x-order":1,"x-title":{"zh-Hans":"名称"}},
		"capital":{"type":"number","minimum":0,"x-order":3}
	},"required":["shop_name"]}`
	foodForm = `{"type":"object","properties":{
		"shop_name":{"type":"string","minLength":2,"maxLength":50,"x-title":{"zh-Hans":"店铺名称"}},
		"seats":{"type":"integer","minimum":1},
		"operator_id":{"type":"string","format":"resident-id"},
		"capital":{"type":"number","minimum":10,"maximum":1000}
	},"required":["operator_id","seats"]}`
)

func TestMerge(t *testing.T) {
	raw, err := Merge([]byte(businessForm), []byte(foodForm))
	if err != nil {
		t.Fatal(err)
	}
	s := mustCompile(t, string(raw))
	var got []string
	for _, f := range s.Fields() {
		got = append(got, f.Name)
	}
	if diff := cmp.Diff([]string{"shop_name", "operator_id", "capital", "seats"}, got); diff != "" {
		t.Errorf("merged order mismatch (-want +got):\n%s", diff)
	}
	shop, _ := s.Field("shop_name")
	if shop.Title.ZhHans != "名称" || shop.MinLength != 2 || shop.MaxLength != 50 || !shop.Required {
		t.Errorf("shop_name = %+v, want the first title, the strictest limits, required", shop)
	}
	capital, _ := s.Field("capital")
	if *capital.Minimum != 10 || *capital.Maximum != 1000 {
		t.Errorf("capital bounds = %v..%v, want 10..1000", *capital.Minimum, *capital.Maximum)
	}
	for _, name := range []string{"shop_name", "operator_id", "seats"} {
		if f, _ := s.Field(name); !f.Required {
			t.Errorf("%s not required after merge", name)
		}
	}
	// A value valid on the merged form is valid on each part.
	v := url.Values{"shop_name": {"闽味小馆"}, "operator_id": {operatorID}, "seats": {"30"}, "capital": {"50"}}
	values, verr := s.FromForm(v)
	if verr != nil {
		t.Fatal(verr)
	}
	for _, part := range []string{businessForm, foodForm} {
		p := mustCompile(t, part)
		sub := map[string]any{}
		for _, f := range p.Fields() {
			if x, ok := values[f.Name]; ok {
				sub[f.Name] = x
			}
		}
		if verr := p.Validate(sub); verr != nil {
			t.Errorf("merged values fail a part: %v", verr)
		}
	}
	// Merging is stable: merging the result with a part changes nothing.
	again, err := Merge(raw, []byte(foodForm))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(raw), string(again)); diff != "" {
		t.Errorf("merge not idempotent (-first +again):\n%s", diff)
	}
}

func TestMergeConflicts(t *testing.T) {
	for _, tc := range []struct {
		name  string
		parts []string
		key   string
	}{
		{"nothing", nil, "formschema.error.merge_nothing"},
		{"type", []string{businessForm, `{"type":"object","properties":{"capital":{"type":"string"}}}`}, "formschema.error.merge_type"},
		{"format", []string{businessForm, `{"type":"object","properties":{"operator_id":{"type":"string","format":"credit-code"}}}`}, "formschema.error.merge_conflict"},
		{"options", []string{`{"type":"object","properties":{"k":{"type":"string","enum":["a","b"]}}}`, `{"type":"object","properties":{"k":{"type":"string","enum":["a"]}}}`}, "formschema.error.merge_conflict"},
		{"limits cross", []string{`{"type":"object","properties":{"n":{"type":"integer","minimum":10}}}`, `{"type":"object","properties":{"n":{"type":"integer","maximum":5}}}`}, "formschema.error.merge_conflict"},
		{"bad part", []string{businessForm, `{"type":"object"}`}, "formschema.error.not_object"},
		{"too many fields", []string{manyProperties(MaxProperties), `{"type":"object","properties":{"zz":{"type":"string"}}}`}, "formschema.error.too_many_properties"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var parts [][]byte
			for _, p := range tc.parts {
				parts = append(parts, []byte(p))
			}
			_, err := Merge(parts...)
			var e *errs.Error
			if !errors.As(err, &e) || e.Kind != errs.Invalid || e.Message != tc.key {
				t.Errorf("Merge = %v, want %s", err, tc.key)
			}
		})
	}
}
