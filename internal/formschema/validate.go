package formschema

import (
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// FieldError is what is wrong with one field: an i18n message key and its arguments.
type FieldError struct {
	Field string // the property name; "" for the form as a whole
	Key   string // an internal/i18n key, formschema.* or idcode.error.*
	Args  []any
}

// Errors lists at most one error per field, in the form's field order. A nil *Errors means the
// values are valid; beware of assigning a nil *Errors to an error variable (it is then non-nil).
type Errors struct {
	Fields []FieldError
}

func (e *Errors) Error() string {
	if e == nil || len(e.Fields) == 0 {
		return "formschema: no errors"
	}
	var b strings.Builder
	b.WriteString("formschema: ")
	for i, f := range e.Fields {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(f.Field + ": " + f.Key)
	}
	return b.String()
}

// Unwrap returns the first field's error as an errs.Invalid naming the field, so that
// errs.KindOf and httpserver treat *Errors like any invalid input.
func (e *Errors) Unwrap() error {
	if e == nil || len(e.Fields) == 0 {
		return nil
	}
	f := e.Fields[0]
	return errs.Field(f.Field, f.Key, f.Args...)
}

// FieldErrors returns every field's error as an errs.Invalid naming its field: the JSON error
// body of the API lists them all (httpserver.WriteError).
func (e *Errors) FieldErrors() []*errs.Error {
	if e == nil {
		return nil
	}
	out := make([]*errs.Error, len(e.Fields))
	for i, f := range e.Fields {
		out[i] = errs.Field(f.Field, f.Key, f.Args...)
	}
	return out
}

// For returns the error of field, or nil.
func (e *Errors) For(field string) *FieldError {
	if e == nil {
		return nil
	}
	for i := range e.Fields {
		if e.Fields[i].Field == field {
			return &e.Fields[i]
		}
	}
	return nil
}

// Validate checks values (as FromForm makes them, or decoded from JSON with encoding/json) against
// the schema and returns nil when they are valid. Beyond JSON Schema: an empty string or list
// counts as missing, a required boolean must be true (a consent box), names that are not fields
// are errors (formschema.unknown_field), and no value may exceed MaxValueBytes nor all of them
// MaxFormBytes.
func (s *Schema) Validate(values map[string]any) *Errors {
	errsBy := map[string]FieldError{}
	add := func(field, key string, args ...any) {
		if _, ok := errsBy[field]; !ok {
			errsBy[field] = FieldError{Field: field, Key: key, Args: args}
		}
	}
	clean := make(map[string]any, len(values))
	total, unknown := 0, 0
	for name, v := range values {
		if _, ok := s.byName[name]; !ok {
			if unknown++; unknown <= maxUnknownReported {
				add(clip(name), "formschema.unknown_field")
			}
			continue
		}
		v, size, ok := normalise(v)
		total += size
		switch {
		case !ok:
			add(name, typeKey(s.fields[s.byName[name]].Type))
		case size > MaxValueBytes:
			add(name, "formschema.value_too_large", MaxValueBytes>>10)
		case v != nil:
			clean[name] = v
		}
	}
	if total > MaxFormBytes {
		return &Errors{Fields: []FieldError{{Key: "formschema.form_too_large", Args: []any{MaxFormBytes >> 10}}}}
	}
	for _, f := range s.fields {
		if !f.Required {
			continue
		}
		if v, ok := clean[f.Name]; !ok || v == false {
			add(f.Name, "formschema.required")
		}
	}
	if err := s.compiled.Validate(clean); err != nil {
		var ve *jsonschema.ValidationError
		if !errors.As(err, &ve) {
			add("", "formschema.invalid")
		} else {
			s.collect(ve, errsBy)
		}
	}
	return s.ordered(errsBy)
}

// ordered lists errs in field order (unknown names last, sorted), nil when there are none.
func (s *Schema) ordered(by map[string]FieldError) *Errors {
	if len(by) == 0 {
		return nil
	}
	out := &Errors{}
	if e, ok := by[""]; ok {
		out.Fields = append(out.Fields, e)
	}
	for _, f := range s.fields {
		if e, ok := by[f.Name]; ok {
			out.Fields = append(out.Fields, e)
		}
	}
	var rest []string
	for name := range by {
		if _, ok := s.byName[name]; !ok && name != "" {
			rest = append(rest, name)
		}
	}
	slices.Sort(rest)
	for _, name := range rest {
		out.Fields = append(out.Fields, by[name])
	}
	return out
}

// collect turns the library's tree of errors into one FieldError per field, choosing among a
// field's errors by rank so that the message is the most basic problem (a wrong type before a
// wrong length).
func (s *Schema) collect(ve *jsonschema.ValidationError, by map[string]FieldError) {
	type found struct {
		fe   FieldError
		rank int
	}
	best := map[string]found{}
	var walk func(*jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		if r, ok := e.ErrorKind.(*kind.Required); ok {
			for _, name := range r.Missing {
				best[name] = found{FieldError{Field: name, Key: "formschema.required"}, 0}
			}
			return
		}
		field := ""
		if len(e.InstanceLocation) > 0 {
			field = e.InstanceLocation[0]
		}
		f, _ := s.Field(field)
		fe, rank := fieldError(f, e.ErrorKind)
		fe.Field = field
		if prev, ok := best[field]; !ok || rank < prev.rank {
			best[field] = found{fe, rank}
		}
	}
	walk(ve)
	for name, f := range best {
		if _, ok := by[name]; !ok {
			by[name] = f.fe
		}
	}
}

// fieldError maps one library error to a message key, arguments and a rank (lower is shown
// first).
func fieldError(f Field, k jsonschema.ErrorKind) (FieldError, int) {
	switch k := k.(type) {
	case *kind.Type:
		return FieldError{Key: typeKey(f.Type)}, 1
	case *kind.Enum:
		return FieldError{Key: "formschema.not_an_option"}, 2
	case *kind.Format:
		var e *errs.Error
		if errors.As(k.Err, &e) && e.Message != "" {
			return FieldError{Key: e.Message, Args: e.Args}, 3
		}
		return FieldError{Key: "formschema.format." + strings.ReplaceAll(k.Want, "-", "_")}, 3
	case *kind.MinLength:
		return FieldError{Key: "formschema.too_short", Args: []any{k.Want}}, 4
	case *kind.MaxLength:
		return FieldError{Key: "formschema.too_long", Args: []any{k.Want}}, 4
	case *kind.Pattern:
		return FieldError{Key: "formschema.pattern"}, 5
	case *kind.Minimum:
		return FieldError{Key: "formschema.too_small", Args: []any{ratString(k.Want)}}, 6
	case *kind.Maximum:
		return FieldError{Key: "formschema.too_big", Args: []any{ratString(k.Want)}}, 6
	}
	return FieldError{Key: "formschema.invalid"}, 9
}

func typeKey(typ string) string {
	switch typ {
	case TypeInteger:
		return "formschema.not_integer"
	case TypeNumber:
		return "formschema.not_number"
	case TypeBoolean:
		return "formschema.not_boolean"
	case TypeArray:
		return "formschema.not_options"
	}
	return "formschema.not_text"
}

// ratString shows a bound as a person writes it: 10, 2.5.
func ratString(r *big.Rat) string {
	if r == nil {
		return ""
	}
	if r.IsInt() {
		return r.Num().String()
	}
	return strings.TrimRight(strings.TrimRight(r.FloatString(6), "0"), ".")
}

// normalise brings a value into the shapes the library reads ([]string → []any), reports its size
// in bytes and whether it is a shape a form field can have at all. Empty strings and lists become
// nil (missing).
func normalise(v any) (out any, size int, ok bool) {
	switch v := v.(type) {
	case nil:
		return nil, 0, true
	case string:
		if v == "" {
			return nil, 0, true
		}
		if !utf8.ValidString(v) {
			return nil, len(v), false
		}
		return v, len(v), true
	case bool:
		return v, 1, true
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, 8, false
		}
		return v, 8, true
	case float32, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return v, 8, true
	case json.Number:
		return v, len(v), true
	case []string:
		if len(v) == 0 {
			return nil, 0, true
		}
		a := make([]any, len(v))
		for i, s := range v {
			a[i] = s
			size += len(s)
		}
		return a, size, true
	case []any:
		if len(v) == 0 {
			return nil, 0, true
		}
		for _, e := range v {
			s, isStr := e.(string)
			if !isStr {
				return nil, size, false
			}
			size += len(s)
		}
		return v, size, true
	}
	return nil, 0, false
}
