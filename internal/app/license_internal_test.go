package app

import (
	"maps"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/formschema"
)

// A licence prints a choice as its label, not as the value the form stores.
func TestLabelled(t *testing.T) {
	schema, err := formschema.Compile([]byte(`{"type": "object", "properties": {
		"enterprise_name": {"type": "string", "x-title": {"zh-Hans": "市场主体名称"}},
		"food_type": {"type": "string", "enum": ["restaurant", "snack", "canteen"], "x-title": {"zh-Hans": "经营项目"},
			"x-enum-labels": {"restaurant": {"zh-Hans": "餐馆", "en": "Restaurant"}, "snack": {"zh-Hans": "小吃店"}}},
		"served": {"type": "array", "items": {"type": "string", "enum": ["hot", "cold"]},
			"x-enum-labels": {"hot": {"zh-Hans": "热食类食品制售"}, "cold": {"zh-Hans": "冷食类食品制售"}}},
		"seats": {"type": "integer"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		in   map[string]any
		want map[string]any
	}{
		{"a choice and free text", map[string]any{"enterprise_name": "福州市鼓楼区榕城茶餐厅", "food_type": "restaurant", "seats": 60.0},
			map[string]any{"enterprise_name": "福州市鼓楼区榕城茶餐厅", "food_type": "餐馆", "seats": 60.0}},
		{"a choice without a label", map[string]any{"food_type": "canteen"}, map[string]any{"food_type": "canteen"}},
		{"several choices", map[string]any{"served": []any{"hot", "cold"}}, map[string]any{"served": "热食类食品制售；冷食类食品制售"}},
		{"a field the schema lacks", map[string]any{"other": "restaurant"}, map[string]any{"other": "restaurant"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := maps.Clone(tc.in)
			got := labelled(schema, tc.in)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(before, tc.in); diff != "" {
				t.Errorf("the case's own form was changed:\n%s", diff)
			}
		})
	}
}
