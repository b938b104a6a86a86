package formschema

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/i18n"
)

// restaurantForm is the form of a food business licence application, written as a department
// would write it.
const restaurantForm = `{
  "type": "object",
  "x-title": {"zh-Hans": "食品经营许可申请", "zh-Hant": "食品經營許可申請", "en": "Food business licence application"},
  "properties": {
    "shop_name": {"type": "string", "maxLength": 50, "minLength": 2, "x-order": 1,
      "x-title": {"zh-Hans": "店铺名称", "zh-Hant": "店鋪名稱", "en": "Shop name"}},
    "credit_code": {"type": "string", "format": "credit-code", "x-order": 2,
      "x-title": {"zh-Hans": "统一社会信用代码", "zh-Hant": "統一社會信用代碼", "en": "Unified social credit code"}},
    "operator_id": {"type": "string", "format": "resident-id", "x-order": 3,
      "x-title": {"zh-Hans": "经营者身份证号码", "zh-Hant": "經營者身份證號碼", "en": "Operator's ID number"}},
    "mobile": {"type": "string", "format": "mobile", "x-order": 4,
      "x-title": {"zh-Hans": "联系电话", "zh-Hant": "聯繫電話", "en": "Mobile"}},
    "region": {"type": "string", "format": "region-code", "x-order": 5,
      "x-title": {"zh-Hans": "经营场所所在地", "en": "Location"}},
    "opening": {"type": "string", "format": "date", "x-order": 6,
      "x-title": {"zh-Hans": "拟开业日期", "zh-Hant": "擬開業日期", "en": "Planned opening"}},
    "seats": {"type": "integer", "minimum": 1, "maximum": 500, "x-order": 7,
      "x-title": {"zh-Hans": "座位数", "zh-Hant": "座位數", "en": "Seats"}},
    "area": {"type": "number", "minimum": 10, "maximum": 5000.5, "x-order": 8,
      "x-title": {"zh-Hans": "经营面积（平方米）", "zh-Hant": "經營面積（平方米）", "en": "Floor area (m²)"}},
    "kind": {"type": "string", "enum": ["restaurant", "snack", "canteen"], "x-widget": "radio", "x-order": 9,
      "x-title": {"zh-Hans": "经营类别", "zh-Hant": "經營類別", "en": "Kind of business"},
      "x-enum-labels": {
        "restaurant": {"zh-Hans": "餐馆", "zh-Hant": "餐館", "en": "Restaurant"},
        "snack": {"zh-Hans": "小吃店", "zh-Hant": "小吃店", "en": "Snack bar"}}},
    "items": {"type": "array", "items": {"type": "string", "enum": ["hot", "cold", "drinks"]}, "x-order": 10,
      "x-title": {"zh-Hans": "经营项目", "zh-Hant": "經營項目", "en": "Food served"}},
    "email": {"type": "string", "format": "email", "x-order": 11},
    "address": {"type": "string", "maxLength": 200, "x-widget": "textarea", "x-order": 12,
      "x-help": {"zh-Hans": "写到门牌号", "zh-Hant": "寫到門牌號", "en": "Down to the house number"},
      "x-title": {"zh-Hans": "地址", "zh-Hant": "地址", "en": "Address"}},
    "postcode": {"type": "string", "pattern": "^[0-9]{6}$", "x-order": 13,
      "x-title": {"zh-Hans": "邮政编码", "zh-Hant": "郵遞區號", "en": "Postcode"}},
    "agree": {"type": "boolean", "x-order": 14,
      "x-title": {"zh-Hans": "我承诺所填内容真实", "zh-Hant": "我承諾所填內容真實", "en": "I declare this is true"}}
  },
  "required": ["shop_name", "credit_code", "operator_id", "kind", "agree"]
}`

func mustCompile(t testing.TB, raw string) *Schema {
	t.Helper()
	s, err := Compile([]byte(raw))
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return s
}

func ptr(f float64) *float64 { return &f }

func TestFields(t *testing.T) {
	s := mustCompile(t, restaurantForm)
	fields := s.Fields()
	var names []string
	for _, f := range fields {
		names = append(names, f.Name)
	}
	want := []string{"shop_name", "credit_code", "operator_id", "mobile", "region", "opening", "seats", "area",
		"kind", "items", "email", "address", "postcode", "agree"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("field order mismatch (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		name string
		want Field
	}{
		{"shop_name", Field{Name: "shop_name", Type: TypeString, Title: Text{"店铺名称", "店鋪名稱", "Shop name"},
			Required: true, MinLength: 2, MaxLength: 50, Widget: WidgetText, Order: 1}},
		{"seats", Field{Name: "seats", Type: TypeInteger, Title: Text{"座位数", "座位數", "Seats"},
			Minimum: ptr(1), Maximum: ptr(500), Widget: WidgetText, Order: 7}},
		{"area", Field{Name: "area", Type: TypeNumber, Title: Text{"经营面积（平方米）", "經營面積（平方米）", "Floor area (m²)"},
			Minimum: ptr(10), Maximum: ptr(5000.5), Widget: WidgetText, Order: 8}},
		{"kind", Field{Name: "kind", Type: TypeString, Title: Text{"经营类别", "經營類別", "Kind of business"}, Required: true,
			Enum: []Option{
				{"restaurant", Text{"餐馆", "餐館", "Restaurant"}},
				{"snack", Text{"小吃店", "小吃店", "Snack bar"}},
				{"canteen", Text{"canteen", "canteen", "canteen"}},
			}, Widget: WidgetRadio, Order: 9}},
		{"items", Field{Name: "items", Type: TypeArray, Title: Text{"经营项目", "經營項目", "Food served"},
			Enum:   []Option{{"hot", Text{"hot", "hot", "hot"}}, {"cold", Text{"cold", "cold", "cold"}}, {"drinks", Text{"drinks", "drinks", "drinks"}}},
			Widget: WidgetCheckbox, Order: 10}},
		{"email", Field{Name: "email", Type: TypeString, Title: Text{"email", "email", "email"}, Format: FormatEmail, Widget: WidgetText, Order: 11}},
		{"opening", Field{Name: "opening", Type: TypeString, Title: Text{"拟开业日期", "擬開業日期", "Planned opening"}, Format: FormatDate, Widget: WidgetDate, Order: 6}},
		{"address", Field{Name: "address", Type: TypeString, Title: Text{"地址", "地址", "Address"},
			Help: Text{"写到门牌号", "寫到門牌號", "Down to the house number"}, MaxLength: 200, Widget: WidgetTextarea, Order: 12}},
		{"agree", Field{Name: "agree", Type: TypeBoolean, Title: Text{"我承诺所填内容真实", "我承諾所填內容真實", "I declare this is true"},
			Required: true, Widget: WidgetCheckbox, Order: 14}},
	} {
		got, ok := s.Field(tc.name)
		if !ok {
			t.Errorf("no field %s", tc.name)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("field %s mismatch (-want +got):\n%s", tc.name, diff)
		}
	}
	region, _ := s.Field("region")
	for _, tc := range []struct {
		lang i18n.Lang
		want string
	}{{i18n.ZhHans, "经营场所所在地"}, {i18n.ZhHant, "经营场所所在地"}, {i18n.En, "Location"}} {
		if got := region.Title.In(tc.lang); got != tc.want {
			t.Errorf("region title in %s = %q, want %q (missing languages fall back to zh-Hans)", tc.lang, got, tc.want)
		}
	}
	if got := s.Title().In(i18n.En); got != "Food business licence application" {
		t.Errorf("form title = %q", got)
	}
}

func TestFieldOrderWithoutXOrder(t *testing.T) {
	s := mustCompile(t, `{"type":"object","properties":{
		"c":{"type":"string"},"a":{"type":"string","x-order":2},"b":{"type":"string"},"d":{"type":"string","x-order":1}}}`)
	var names []string
	for _, f := range s.Fields() {
		names = append(names, f.Name)
	}
	if diff := cmp.Diff([]string{"d", "a", "c", "b"}, names); diff != "" {
		t.Errorf("order mismatch (-want +got):\n%s", diff)
	}
}

func TestCompileRejects(t *testing.T) {
	prop := func(def string) string { return `{"type":"object","properties":{"f":` + def + `}}` }
	for _, tc := range []struct {
		name, schema, key string
	}{
		{"not json", `{"type":`, "formschema.error.json"},
		{"trailing data", `{"type":"object","properties":{}} {}`, "formschema.error.json"},
		{"array at top", `[]`, "formschema.error.not_object"},
		{"not an object type", `{"type":"string","properties":{}}`, "formschema.error.not_object"},
		{"no properties", `{"type":"object"}`, "formschema.error.not_object"},
		{"ref", `{"type":"object","properties":{},"$ref":"file:///etc/passwd"}`, "formschema.error.keyword"},
		{"defs", `{"type":"object","properties":{},"$defs":{}}`, "formschema.error.keyword"},
		{"other draft", `{"$schema":"http://json-schema.org/draft-04/schema#","type":"object","properties":{}}`, "formschema.error.draft"},
		{"additional properties true", `{"type":"object","properties":{},"additionalProperties":true}`, "formschema.error.keyword_value"},
		{"duplicate property", `{"type":"object","properties":{"a":{"type":"string"},"a":{"type":"integer"}}}`, "formschema.error.duplicate_key"},
		{"bad name", `{"type":"object","properties":{"a b":{"type":"string"}}}`, "formschema.error.name"},
		{"name starting with digit", `{"type":"object","properties":{"1a":{"type":"string"}}}`, "formschema.error.name"},
		{"long name", `{"type":"object","properties":{"` + strings.Repeat("a", 65) + `":{"type":"string"}}}`, "formschema.error.name"},
		{"property not object", prop(`"string"`), "formschema.error.not_an_object"},
		{"object type", prop(`{"type":"object"}`), "formschema.error.type"},
		{"type list", prop(`{"type":["string","null"]}`), "formschema.error.type"},
		{"no type", prop(`{"maxLength":3}`), "formschema.error.type"},
		{"nested properties", prop(`{"type":"string","properties":{}}`), "formschema.error.keyword"},
		{"oneOf", prop(`{"type":"string","oneOf":[]}`), "formschema.error.keyword"},
		{"default", prop(`{"type":"string","default":"x"}`), "formschema.error.keyword"},
		{"maxLength on integer", prop(`{"type":"integer","maxLength":3}`), "formschema.error.keyword_for_type"},
		{"minimum on string", prop(`{"type":"string","minimum":3}`), "formschema.error.keyword_for_type"},
		{"enum on integer", prop(`{"type":"integer","enum":[1,2]}`), "formschema.error.keyword_for_type"},
		{"negative maxLength", prop(`{"type":"string","maxLength":-1}`), "formschema.error.keyword_value"},
		{"zero maxLength", prop(`{"type":"string","maxLength":0}`), "formschema.error.bounds"},
		{"maxLength below minLength", prop(`{"type":"string","minLength":5,"maxLength":3}`), "formschema.error.bounds"},
		{"maximum below minimum", prop(`{"type":"number","minimum":5,"maximum":3}`), "formschema.error.bounds"},
		{"fractional bound on integer", prop(`{"type":"integer","minimum":1.5}`), "formschema.error.keyword_value"},
		{"bad pattern", prop(`{"type":"string","pattern":"(a"}`), "formschema.error.pattern"},
		{"lookahead pattern", prop(`{"type":"string","pattern":"(?=a)"}`), "formschema.error.pattern"},
		{"unknown format", prop(`{"type":"string","format":"uri"}`), "formschema.error.format"},
		{"empty enum", prop(`{"type":"string","enum":[]}`), "formschema.error.enum"},
		{"duplicate option", prop(`{"type":"string","enum":["a","a"]}`), "formschema.error.enum"},
		{"numeric option", prop(`{"type":"string","enum":["a",1]}`), "formschema.error.enum"},
		{"array without items", prop(`{"type":"array"}`), "formschema.error.items"},
		{"array of free strings", prop(`{"type":"array","items":{"type":"string"}}`), "formschema.error.items"},
		{"array of integers", prop(`{"type":"array","items":{"type":"integer","enum":[1]}}`), "formschema.error.items"},
		{"labels without enum", prop(`{"type":"string","x-enum-labels":{}}`), "formschema.error.keyword_for_type"},
		{"label for unknown option", prop(`{"type":"string","enum":["a"],"x-enum-labels":{"b":{"zh-Hans":"乙"}}}`), "formschema.error.label_unknown"},
		{"title a string", prop(`{"type":"string","x-title":"名称"}`), "formschema.error.text"},
		{"title unknown language", prop(`{"type":"string","x-title":{"zh-Hans":"名称","fr":"nom"}}`), "formschema.error.text"},
		{"title without zh-Hans", prop(`{"type":"string","x-title":{"en":"Name"}}`), "formschema.error.text"},
		{"unknown widget", prop(`{"type":"string","x-widget":"slider"}`), "formschema.error.widget"},
		{"select without enum", prop(`{"type":"string","x-widget":"select"}`), "formschema.error.widget_for_type"},
		{"date widget without format", prop(`{"type":"string","x-widget":"date"}`), "formschema.error.widget_for_type"},
		{"checkbox on string", prop(`{"type":"string","x-widget":"checkbox"}`), "formschema.error.widget_for_type"},
		{"x-order not integer", prop(`{"type":"string","x-order":"1"}`), "formschema.error.keyword_value"},
		{"required unknown", `{"type":"object","properties":{"a":{"type":"string"}},"required":["b"]}`, "formschema.error.required_unknown"},
		{"required twice", `{"type":"object","properties":{"a":{"type":"string"}},"required":["a","a"]}`, "formschema.error.required_twice"},
		{"required not a list", `{"type":"object","properties":{"a":{"type":"string"}},"required":"a"}`, "formschema.error.keyword_value"},
		{"too large", `{"type":"object","properties":{},"x-help":{"zh-Hans":"` + strings.Repeat("长", MaxSchemaBytes/3) + `"}}`, "formschema.error.too_large"},
		{"too many properties", manyProperties(MaxProperties + 1), "formschema.error.too_many_properties"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compile([]byte(tc.schema))
			var e *errs.Error
			if !errors.As(err, &e) || e.Kind != errs.Invalid {
				t.Fatalf("Compile = %v, want errs.Invalid", err)
			}
			if e.Message != tc.key {
				t.Errorf("Compile = %v, want message %s", err, tc.key)
			}
			if !i18n.Has(e.Message) {
				t.Errorf("message %s has no translation", e.Message)
			}
		})
	}
}

func manyProperties(n int) string {
	var b strings.Builder
	b.WriteString(`{"type":"object","properties":{`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"f` + strings.Repeat("x", i%5) + itoa(i) + `":{"type":"string"}`)
	}
	b.WriteString(`}}`)
	return b.String()
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

func TestCompileAccepts(t *testing.T) {
	for _, schema := range []string{
		`{"type":"object","properties":{}}`,
		`{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","properties":{},"additionalProperties":false}`,
		manyProperties(MaxProperties),
	} {
		if _, err := Compile([]byte(schema)); err != nil {
			t.Errorf("Compile(%.60s…) = %v", schema, err)
		}
	}
}
