package formschema

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/i18n"
)

// The field types a form can have. TypeArray is a group of checkboxes over enumerated strings.
const (
	TypeString  = "string"
	TypeInteger = "integer"
	TypeNumber  = "number"
	TypeBoolean = "boolean"
	TypeArray   = "array"
)

// The widgets a page renders a field with (x-widget).
const (
	WidgetText     = "text"
	WidgetTextarea = "textarea"
	WidgetSelect   = "select"
	WidgetRadio    = "radio"
	WidgetCheckbox = "checkbox"
	WidgetDate     = "date"
)

// The formats a string field may declare (format), each checked on submission.
const (
	FormatDate       = "date"        // YYYY-MM-DD, a real calendar day
	FormatEmail      = "email"       // a plain address, no display name
	FormatMobile     = "mobile"      // a mainland mobile number, 11 digits starting 1[3-9]
	FormatResidentID = "resident-id" // GB 11643 with its check digit
	FormatCreditCode = "credit-code" // GB 32100 with its check character
	FormatRegionCode = "region-code" // GB/T 2260
)

var (
	formats = []string{FormatDate, FormatEmail, FormatMobile, FormatResidentID, FormatCreditCode, FormatRegionCode}
	widgets = []string{WidgetText, WidgetTextarea, WidgetSelect, WidgetRadio, WidgetCheckbox, WidgetDate}
)

// Text is a text in each of Yiwang's languages (x-title, x-help, option labels).
type Text struct {
	ZhHans, ZhHant, En string
}

// In returns the text in lang, falling back to Simplified Chinese.
func (t Text) In(lang i18n.Lang) string {
	switch lang {
	case i18n.ZhHant:
		if t.ZhHant != "" {
			return t.ZhHant
		}
	case i18n.En:
		if t.En != "" {
			return t.En
		}
	}
	return t.ZhHans
}

// IsZero reports whether t has no text in any language.
func (t Text) IsZero() bool { return t == Text{} }

// Option is one choice of an enumerated field.
type Option struct {
	Value string
	Label Text // from x-enum-labels; the value itself when the schema gives no label
}

// Field describes one form field for the page that renders it.
type Field struct {
	Name     string // the property name, also the HTML form field name
	Type     string // TypeString, TypeInteger, TypeNumber, TypeBoolean or TypeArray
	Title    Text   // x-title; the name when the schema gives none
	Help     Text   // x-help
	Required bool
	Enum     []Option // the choices of a select, radio group or checkbox group
	Format   string   // one of the Format* constants, or ""
	// MinLength and MaxLength count characters (code points); 0 means no limit of the schema
	// (MaxValueBytes still applies).
	MinLength, MaxLength int
	Minimum, Maximum     *float64 // nil when the schema sets no bound
	Pattern              string   // RE2 syntax, unanchored as in JSON Schema
	Widget               string   // one of the Widget* constants
	Order                int      // x-order, 0 when absent
}

// Schema is a compiled form schema. It is immutable and safe for concurrent use.
type Schema struct {
	raw      []byte
	title    Text
	fields   []Field
	byName   map[string]int
	patterns map[string]*regexp.Regexp
	defs     map[string]json.RawMessage // each property's definition as written, for Merge
	compiled *jsonschema.Schema
}

// Raw returns the schema's JSON as it was compiled.
func (s *Schema) Raw() []byte { return bytes.Clone(s.raw) }

// Title returns the form's own x-title (zero when the schema has none).
func (s *Schema) Title() Text { return s.title }

// Fields returns the fields in display order: by x-order, then as written.
func (s *Schema) Fields() []Field { return slices.Clone(s.fields) }

// Field returns the field called name.
func (s *Schema) Field(name string) (Field, bool) {
	i, ok := s.byName[name]
	if !ok {
		return Field{}, false
	}
	return s.fields[i], true
}

var nameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

const draft2020 = "https://json-schema.org/draft/2020-12/schema"

var (
	topKeywords  = []string{"$schema", "type", "properties", "required", "additionalProperties", "x-title", "x-help"}
	propKeywords = []string{"type", "enum", "format", "minLength", "maxLength", "minimum", "maximum", "pattern",
		"items", "x-title", "x-help", "x-enum-labels", "x-widget", "x-order"}
)

// Compile reads a form schema and checks that it stays inside the subset the pages can render:
// the top level is {"type":"object","properties":{…}} with optional required, x-title and x-help;
// each property has a type of string, integer, number, boolean, or array of enumerated strings (a
// checkbox group), and only the keywords enum, format, minLength, maxLength, minimum, maximum,
// pattern, items and the extensions x-title, x-help (objects keyed zh-Hans, zh-Hant, en),
// x-enum-labels (option → language → label), x-widget and x-order. Anything else is an
// errs.Invalid whose message names the property and keyword at fault (formschema.error.*).
func Compile(raw []byte) (_ *Schema, err error) {
	defer errs.Wrap(&err, "formschema.Compile")
	if len(raw) > MaxSchemaBytes {
		return nil, errs.E(errs.Invalid, "formschema.error.too_large", MaxSchemaBytes>>10)
	}
	if !utf8.Valid(raw) {
		return nil, errs.E(errs.Invalid, "formschema.error.json", "invalid UTF-8")
	}
	top, keys, err := object(raw, "")
	if err != nil {
		return nil, err
	}
	if err := onlyKeywords("#", keys, topKeywords); err != nil {
		return nil, err
	}
	s := &Schema{raw: bytes.Clone(raw), byName: map[string]int{}, patterns: map[string]*regexp.Regexp{}, defs: map[string]json.RawMessage{}}
	if r, ok := top["$schema"]; ok {
		var v string
		if json.Unmarshal(r, &v) != nil || v != draft2020 {
			return nil, errs.E(errs.Invalid, "formschema.error.draft", draft2020)
		}
	}
	var typ string
	if json.Unmarshal(top["type"], &typ) != nil || typ != "object" {
		return nil, errs.E(errs.Invalid, "formschema.error.not_object")
	}
	if r, ok := top["additionalProperties"]; ok {
		var b bool
		if json.Unmarshal(r, &b) != nil || b {
			return nil, errs.E(errs.Invalid, "formschema.error.keyword_value", "#", "additionalProperties")
		}
	}
	if s.title, err = text(top, "#", "x-title"); err != nil {
		return nil, err
	}
	if _, err = text(top, "#", "x-help"); err != nil {
		return nil, err
	}
	propsRaw, ok := top["properties"]
	if !ok {
		return nil, errs.E(errs.Invalid, "formschema.error.not_object")
	}
	props, names, err := object(propsRaw, "#/properties")
	if err != nil {
		return nil, err
	}
	if len(names) > MaxProperties {
		return nil, errs.E(errs.Invalid, "formschema.error.too_many_properties", len(names), MaxProperties)
	}
	type placed struct {
		f   Field
		pos int
		has bool
	}
	all := make([]placed, 0, len(names))
	for i, name := range names {
		if len(name) > maxNameLen || !nameRE.MatchString(name) {
			return nil, errs.E(errs.Invalid, "formschema.error.name", clip(name), maxNameLen)
		}
		f, hasOrder, err := s.field(name, props[name])
		if err != nil {
			return nil, err
		}
		all = append(all, placed{f, i, hasOrder})
		s.defs[name] = props[name]
	}
	if r, ok := top["required"]; ok {
		var req []string
		if err := json.Unmarshal(r, &req); err != nil {
			return nil, errs.E(errs.Invalid, "formschema.error.keyword_value", "#", "required")
		}
		seen := map[string]bool{}
		for _, name := range req {
			i := slices.Index(names, name)
			if i < 0 {
				return nil, errs.E(errs.Invalid, "formschema.error.required_unknown", clip(name))
			}
			if seen[name] {
				return nil, errs.E(errs.Invalid, "formschema.error.required_twice", name)
			}
			seen[name] = true
			all[i].f.Required = true
		}
	}
	// Fields with x-order come first by it; the others keep the order they are written in.
	slices.SortStableFunc(all, func(a, b placed) int {
		switch {
		case a.has && b.has:
			return cmp.Compare(a.f.Order, b.f.Order)
		case a.has:
			return -1
		case b.has:
			return 1
		}
		return 0
	})
	for i, p := range all {
		s.fields = append(s.fields, p.f)
		s.byName[p.f.Name] = i
	}
	if s.compiled, err = compileLibrary(raw); err != nil {
		return nil, err
	}
	return s, nil
}

// field reads the definition of property name.
func (s *Schema) field(name string, raw json.RawMessage) (f Field, hasOrder bool, err error) {
	at := "#/properties/" + name
	def, keys, err := object(raw, at)
	if err != nil {
		return Field{}, false, err
	}
	if err := onlyKeywords(at, keys, propKeywords); err != nil {
		return Field{}, false, err
	}
	f.Name = name
	if json.Unmarshal(def["type"], &f.Type) != nil || !slices.Contains([]string{TypeString, TypeInteger, TypeNumber, TypeBoolean, TypeArray}, f.Type) {
		return Field{}, false, errs.E(errs.Invalid, "formschema.error.type", name)
	}
	// which keywords each type admits
	allowed := map[string][]string{
		TypeString:  {"enum", "format", "minLength", "maxLength", "pattern", "x-enum-labels"},
		TypeInteger: {"minimum", "maximum"},
		TypeNumber:  {"minimum", "maximum"},
		TypeBoolean: {},
		TypeArray:   {"items", "x-enum-labels"},
	}[f.Type]
	for _, k := range keys {
		if k == "type" || strings.HasPrefix(k, "x-") && k != "x-enum-labels" {
			continue
		}
		if !slices.Contains(allowed, k) {
			return Field{}, false, errs.E(errs.Invalid, "formschema.error.keyword_for_type", name, k, f.Type)
		}
	}
	if f.Title, err = text(def, at, "x-title"); err != nil {
		return Field{}, false, err
	}
	if f.Title.IsZero() {
		f.Title = Text{name, name, name}
	}
	if f.Help, err = text(def, at, "x-help"); err != nil {
		return Field{}, false, err
	}
	if r, ok := def["x-order"]; ok {
		if json.Unmarshal(r, &f.Order) != nil {
			return Field{}, false, errs.E(errs.Invalid, "formschema.error.keyword_value", at, "x-order")
		}
		hasOrder = true
	}
	if f.MinLength, err = count(def, at, "minLength"); err != nil {
		return Field{}, false, err
	}
	if f.MaxLength, err = count(def, at, "maxLength"); err != nil {
		return Field{}, false, err
	}
	if _, ok := def["maxLength"]; ok && (f.MaxLength == 0 || f.MaxLength < f.MinLength) {
		return Field{}, false, errs.E(errs.Invalid, "formschema.error.bounds", name, "maxLength")
	}
	if f.Minimum, err = bound(def, at, "minimum", f.Type); err != nil {
		return Field{}, false, err
	}
	if f.Maximum, err = bound(def, at, "maximum", f.Type); err != nil {
		return Field{}, false, err
	}
	if f.Minimum != nil && f.Maximum != nil && *f.Maximum < *f.Minimum {
		return Field{}, false, errs.E(errs.Invalid, "formschema.error.bounds", name, "maximum")
	}
	if r, ok := def["pattern"]; ok {
		if json.Unmarshal(r, &f.Pattern) != nil || f.Pattern == "" || len(f.Pattern) > maxPatternLen {
			return Field{}, false, errs.E(errs.Invalid, "formschema.error.keyword_value", at, "pattern")
		}
		re, err := regexp.Compile(f.Pattern)
		if err != nil {
			return Field{}, false, errs.Wrapf(errs.Invalid, err, "formschema.error.pattern", name)
		}
		s.patterns[name] = re
	}
	if r, ok := def["format"]; ok {
		if json.Unmarshal(r, &f.Format) != nil || !slices.Contains(formats, f.Format) {
			return Field{}, false, errs.E(errs.Invalid, "formschema.error.format", name, strings.Join(formats, ", "))
		}
	}
	enumRaw, hasEnum := def["enum"]
	if f.Type == TypeArray {
		items, ikeys, err := object(def["items"], at+"/items")
		if err != nil || !slices.Equal(sorted(ikeys), []string{"enum", "type"}) || string(bytes.TrimSpace(items["type"])) != `"string"` {
			return Field{}, false, errs.E(errs.Invalid, "formschema.error.items", name)
		}
		enumRaw, hasEnum = items["enum"], true
	}
	if hasEnum {
		var vals []string
		if json.Unmarshal(enumRaw, &vals) != nil || len(vals) == 0 || len(vals) > MaxOptions {
			return Field{}, false, errs.E(errs.Invalid, "formschema.error.enum", name, MaxOptions)
		}
		for i, v := range vals {
			if v == "" || len(v) > maxTextLen || slices.Contains(vals[:i], v) {
				return Field{}, false, errs.E(errs.Invalid, "formschema.error.enum", name, MaxOptions)
			}
			f.Enum = append(f.Enum, Option{Value: v, Label: Text{v, v, v}})
		}
	}
	if r, ok := def["x-enum-labels"]; ok {
		if len(f.Enum) == 0 {
			return Field{}, false, errs.E(errs.Invalid, "formschema.error.keyword_for_type", name, "x-enum-labels", f.Type)
		}
		labels, lkeys, err := object(r, at+"/x-enum-labels")
		if err != nil {
			return Field{}, false, err
		}
		for _, v := range lkeys {
			i := slices.IndexFunc(f.Enum, func(o Option) bool { return o.Value == v })
			if i < 0 {
				return Field{}, false, errs.E(errs.Invalid, "formschema.error.label_unknown", name, clip(v))
			}
			t, err := textValue(labels[v], at+"/x-enum-labels", clip(v))
			if err != nil {
				return Field{}, false, err
			}
			f.Enum[i].Label = t
		}
	}
	if f.Widget, err = widget(def, f); err != nil {
		return Field{}, false, err
	}
	return f, hasOrder, nil
}

// widget reads x-widget, or picks the natural widget for the field, and checks that the two fit.
func widget(def map[string]json.RawMessage, f Field) (string, error) {
	r, ok := def["x-widget"]
	if !ok {
		switch {
		case f.Type == TypeBoolean || f.Type == TypeArray:
			return WidgetCheckbox, nil
		case len(f.Enum) > 0:
			return WidgetSelect, nil
		case f.Format == FormatDate:
			return WidgetDate, nil
		}
		return WidgetText, nil
	}
	var w string
	if json.Unmarshal(r, &w) != nil || !slices.Contains(widgets, w) {
		return "", errs.E(errs.Invalid, "formschema.error.widget", f.Name, strings.Join(widgets, ", "))
	}
	fits := false
	switch w {
	case WidgetText, WidgetTextarea:
		fits = f.Type != TypeBoolean && f.Type != TypeArray && len(f.Enum) == 0
	case WidgetSelect, WidgetRadio:
		fits = f.Type == TypeString && len(f.Enum) > 0
	case WidgetCheckbox:
		fits = f.Type == TypeBoolean || f.Type == TypeArray
	case WidgetDate:
		fits = f.Type == TypeString && f.Format == FormatDate
	}
	if !fits {
		return "", errs.E(errs.Invalid, "formschema.error.widget_for_type", f.Name, w)
	}
	return w, nil
}

// object decodes raw as a JSON object and returns its members and their keys in source order.
// A duplicate key is an error: the library and this package would read different values.
func object(raw json.RawMessage, where string) (map[string]json.RawMessage, []string, error) {
	bad := errs.E(errs.Invalid, "formschema.error.not_an_object", where)
	if where == "" {
		bad = errs.E(errs.Invalid, "formschema.error.not_object")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		if where == "" && err != nil {
			return nil, nil, errs.Wrapf(errs.Invalid, err, "formschema.error.json", err.Error())
		}
		return nil, nil, bad
	}
	m := map[string]json.RawMessage{}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, errs.Wrapf(errs.Invalid, err, "formschema.error.json", err.Error())
		}
		k := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, errs.Wrapf(errs.Invalid, err, "formschema.error.json", err.Error())
		}
		if _, dup := m[k]; dup {
			return nil, nil, errs.E(errs.Invalid, "formschema.error.duplicate_key", where, clip(k))
		}
		m[k] = v
		keys = append(keys, k)
	}
	if _, err := dec.Token(); err != nil {
		return nil, nil, errs.Wrapf(errs.Invalid, err, "formschema.error.json", err.Error())
	}
	if _, err := dec.Token(); err == nil {
		return nil, nil, errs.E(errs.Invalid, "formschema.error.json", "trailing data")
	}
	return m, keys, nil
}

func onlyKeywords(where string, keys, allowed []string) error {
	for _, k := range keys {
		if !slices.Contains(allowed, k) {
			return errs.E(errs.Invalid, "formschema.error.keyword", where, clip(k))
		}
	}
	return nil
}

// text reads an optional x-title / x-help.
func text(def map[string]json.RawMessage, where, kw string) (Text, error) {
	r, ok := def[kw]
	if !ok {
		return Text{}, nil
	}
	return textValue(r, where, kw)
}

// textValue reads {"zh-Hans": …, "zh-Hant": …, "en": …}; zh-Hans is required, the others fall
// back to it.
func textValue(r json.RawMessage, where, kw string) (Text, error) {
	var m map[string]string
	if err := json.Unmarshal(r, &m); err != nil {
		return Text{}, errs.E(errs.Invalid, "formschema.error.text", where, kw)
	}
	var t Text
	for k, v := range m {
		if len(v) > maxTextLen {
			return Text{}, errs.E(errs.Invalid, "formschema.error.text", where, kw)
		}
		switch i18n.Lang(k) {
		case i18n.ZhHans:
			t.ZhHans = v
		case i18n.ZhHant:
			t.ZhHant = v
		case i18n.En:
			t.En = v
		default:
			return Text{}, errs.E(errs.Invalid, "formschema.error.text", where, kw)
		}
	}
	if strings.TrimSpace(t.ZhHans) == "" {
		return Text{}, errs.E(errs.Invalid, "formschema.error.text", where, kw)
	}
	return t, nil
}

// count reads an optional non-negative integer keyword.
func count(def map[string]json.RawMessage, where, kw string) (int, error) {
	r, ok := def[kw]
	if !ok {
		return 0, nil
	}
	var n int
	if json.Unmarshal(r, &n) != nil || n < 0 || n > MaxValueBytes {
		return 0, errs.E(errs.Invalid, "formschema.error.keyword_value", where, kw)
	}
	return n, nil
}

// bound reads an optional minimum / maximum; an integer field's bounds are integers.
func bound(def map[string]json.RawMessage, where, kw, typ string) (*float64, error) {
	r, ok := def[kw]
	if !ok {
		return nil, nil
	}
	var n json.Number
	dec := json.NewDecoder(bytes.NewReader(r))
	dec.UseNumber()
	if dec.Decode(&n) != nil {
		return nil, errs.E(errs.Invalid, "formschema.error.keyword_value", where, kw)
	}
	f, err := n.Float64()
	if err != nil {
		return nil, errs.E(errs.Invalid, "formschema.error.keyword_value", where, kw)
	}
	if typ == TypeInteger {
		if _, err := n.Int64(); err != nil {
			return nil, errs.E(errs.Invalid, "formschema.error.keyword_value", where, kw)
		}
	}
	return &f, nil
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// clip shortens a name taken from the schema before it goes into a message.
func clip(s string) string {
	if len(s) <= maxNameLen {
		return s
	}
	i := maxNameLen
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// compileLibrary compiles raw with the JSON Schema library, which does the validation itself.
func compileLibrary(raw []byte) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, errs.Wrapf(errs.Invalid, err, "formschema.error.json", err.Error())
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.UseLoader(noLoader{})
	for _, f := range formatCheckers {
		c.RegisterFormat(f)
	}
	const loc = "urn:yiwang:form"
	if err := c.AddResource(loc, doc); err != nil {
		return nil, errs.Wrapf(errs.Invalid, err, "formschema.error.invalid")
	}
	sch, err := c.Compile(loc)
	if err != nil {
		return nil, errs.Wrapf(errs.Invalid, err, "formschema.error.invalid")
	}
	return sch, nil
}

// noLoader refuses to fetch anything: a form schema is self-contained.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, errors.New(fmt.Sprintf("formschema: will not load %q", url))
}
