package demo

import (
	"encoding/json"
)

// The demo items' application forms are written with these few helpers: each field has its
// title in the three languages and, where it has one, a format the form checks.

// formField is one field of a demo form.
type formField struct {
	name         string
	typ          string // string (default), integer, number, boolean
	hans, hant   string
	en           string
	format       string
	widget       string
	required     bool
	maxLength    int
	minimum      *float64
	options      []option
	multipleOpts bool
}

// option is one choice of an enumerated field: value and labels.
type option struct{ value, hans, hant, en string }

func formText(name, hans, hant, en string, required bool) formField {
	return formField{name: name, hans: hans, hant: hant, en: en, required: required, maxLength: 100}
}

func formArea(name, hans, hant, en string, required bool) formField {
	return formField{name: name, hans: hans, hant: hant, en: en, required: required, widget: "textarea", maxLength: 1000}
}

func formFormatted(name, format, hans, hant, en string) formField {
	f := formField{name: name, hans: hans, hant: hant, en: en, format: format, required: true}
	if format == "date" {
		f.widget = "date"
	}
	return f
}

func formChoice(name, hans, hant, en string, opts ...option) formField {
	return formField{name: name, hans: hans, hant: hant, en: en, required: true, widget: "select", options: opts}
}

func formAmount(name, hans, hant, en string) formField {
	zero := 0.0
	return formField{name: name, typ: "number", hans: hans, hant: hant, en: en, required: true, minimum: &zero}
}

func formCount(name, hans, hant, en string) formField {
	one := 1.0
	return formField{name: name, typ: "integer", hans: hans, hant: hant, en: en, required: true, minimum: &one}
}

// Fields most forms share.
var (
	fApplicant = formText("applicant_name", "申请人姓名", "申請人姓名", "Applicant's name", true)
	fIDNumber  = formFormatted("id_number", "resident-id", "公民身份号码", "公民身份號碼", "Resident ID number")
	fMobile    = formFormatted("mobile", "mobile", "联系电话", "聯繫電話", "Mobile number")
	fAddress   = formArea("address", "联系地址", "聯繫地址", "Postal address", true)
	fCredit    = formFormatted("credit_code", "credit-code", "统一社会信用代码", "統一社會信用代碼", "Unified social credit code")
	fEntName   = formText("enterprise_name", "市场主体名称", "市場主體名稱", "Name of the business", true)
	fPremises  = formArea("premises", "经营场所", "經營場所", "Business premises", true)
	fRegion    = formFormatted("region_code", "region-code", "所在地行政区划代码", "所在地行政區劃代碼", "Region code of the place")
)

// schemaOf writes fields as a form schema (the formschema subset of JSON Schema).
func schemaOf(fields ...formField) json.RawMessage {
	props := map[string]any{}
	var required []string
	for _, f := range fields {
		typ := f.typ
		if typ == "" {
			typ = "string"
		}
		def := map[string]any{"type": typ, "x-title": map[string]string{"zh-Hans": f.hans, "zh-Hant": f.hant, "en": f.en}}
		if f.format != "" {
			def["format"] = f.format
		}
		if f.widget != "" {
			def["x-widget"] = f.widget
		}
		if f.maxLength > 0 {
			def["maxLength"] = f.maxLength
		}
		if f.minimum != nil {
			def["minimum"] = *f.minimum
		}
		if len(f.options) > 0 {
			var values []string
			labels := map[string]map[string]string{}
			for _, o := range f.options {
				values = append(values, o.value)
				labels[o.value] = map[string]string{"zh-Hans": o.hans, "zh-Hant": o.hant, "en": o.en}
			}
			def["enum"] = values
			def["x-enum-labels"] = labels
		}
		props[f.name] = def
		if f.required {
			required = append(required, f.name)
		}
	}
	for i, f := range fields {
		props[f.name].(map[string]any)["x-order"] = i + 1
	}
	doc := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		doc["required"] = required
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	return b
}
