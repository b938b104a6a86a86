package formschema

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// Merge makes one form of several (a bundle's form from its items' forms). Each part must
// compile. A property that several parts share appears once, where it first appears: its type
// (and for a checkbox group its options), format, pattern and options must agree — otherwise
// Merge fails with formschema.error.merge_type or formschema.error.merge_conflict naming the
// property — and its limits are the strictest of the parts', so that a value valid on the merged
// form is valid on every part. Required is the union; the order is the parts' display orders one
// after the other, written as x-order 1, 2, 3…
func Merge(parts ...[]byte) (_ []byte, err error) {
	defer errs.Wrap(&err, "formschema.Merge")
	if len(parts) == 0 {
		return nil, errs.E(errs.Invalid, "formschema.error.merge_nothing")
	}
	type prop struct {
		f    Field
		def  map[string]json.RawMessage
		keys []string
	}
	var order []string
	props := map[string]*prop{}
	for _, raw := range parts {
		s, err := Compile(raw)
		if err != nil {
			return nil, err
		}
		for _, f := range s.fields {
			def, keys, err := object(s.defs[f.Name], f.Name)
			if err != nil {
				return nil, err
			}
			p, ok := props[f.Name]
			if !ok {
				props[f.Name] = &prop{f, def, keys}
				order = append(order, f.Name)
				continue
			}
			if err := mergeField(&p.f, f); err != nil {
				return nil, err
			}
		}
	}
	if len(order) > MaxProperties {
		return nil, errs.E(errs.Invalid, "formschema.error.too_many_properties", len(order), MaxProperties)
	}
	var b bytes.Buffer
	b.WriteString(`{"type":"object","properties":{`)
	var required []string
	for i, name := range order {
		p := props[name]
		if p.f.Required {
			required = append(required, name)
		}
		set := func(kw string, v any, present bool) {
			if !present {
				return
			}
			raw, _ := json.Marshal(v)
			if _, ok := p.def[kw]; !ok {
				p.keys = append(p.keys, kw)
			}
			p.def[kw] = raw
		}
		set("minLength", p.f.MinLength, p.f.MinLength > 0)
		set("maxLength", p.f.MaxLength, p.f.MaxLength > 0)
		if p.f.Minimum != nil {
			set("minimum", json.Number(number(*p.f.Minimum)), true)
		}
		if p.f.Maximum != nil {
			set("maximum", json.Number(number(*p.f.Maximum)), true)
		}
		set("x-order", i+1, true)
		if i > 0 {
			b.WriteByte(',')
		}
		key, _ := json.Marshal(name)
		b.Write(key)
		b.WriteString(":{")
		for j, kw := range p.keys {
			if j > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(kw)
			b.Write(k)
			b.WriteByte(':')
			b.Write(p.def[kw])
		}
		b.WriteByte('}')
	}
	b.WriteString("}")
	if len(required) > 0 {
		r, _ := json.Marshal(required)
		b.WriteString(`,"required":`)
		b.Write(r)
	}
	b.WriteString("}")
	var out bytes.Buffer
	if err := json.Indent(&out, b.Bytes(), "", "  "); err != nil {
		return nil, errs.Wrapf(errs.Internal, err, "error.internal")
	}
	if _, err := Compile(out.Bytes()); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// mergeField folds g, another part's definition of the same property, into f.
func mergeField(f *Field, g Field) error {
	if f.Type != g.Type {
		return errs.E(errs.Invalid, "formschema.error.merge_type", f.Name, f.Type, g.Type)
	}
	conflict := func(kw string) error {
		return errs.E(errs.Invalid, "formschema.error.merge_conflict", f.Name, kw)
	}
	if f.Format != g.Format {
		return conflict("format")
	}
	if f.Pattern != g.Pattern {
		return conflict("pattern")
	}
	if !slices.EqualFunc(f.Enum, g.Enum, func(a, b Option) bool { return a.Value == b.Value }) {
		return conflict("enum")
	}
	f.Required = f.Required || g.Required
	f.MinLength = max(f.MinLength, g.MinLength)
	if g.MaxLength > 0 && (f.MaxLength == 0 || g.MaxLength < f.MaxLength) {
		f.MaxLength = g.MaxLength
	}
	if g.Minimum != nil && (f.Minimum == nil || *g.Minimum > *f.Minimum) {
		f.Minimum = g.Minimum
	}
	if g.Maximum != nil && (f.Maximum == nil || *g.Maximum < *f.Maximum) {
		f.Maximum = g.Maximum
	}
	if f.MaxLength > 0 && f.MaxLength < f.MinLength {
		return conflict("maxLength")
	}
	if f.Minimum != nil && f.Maximum != nil && *f.Maximum < *f.Minimum {
		return conflict("maximum")
	}
	return nil
}

// number writes a bound as JSON: integers without a decimal point.
func number(x float64) string {
	return strconv.FormatFloat(x, 'f', -1, 64)
}
