package formschema

import (
	"math"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"

	"github.com/yiwang-platform/yiwang/internal/idcode"
)

// FromForm reads a submitted HTML form: it takes the schema's fields from v (other names, such as
// a CSRF token or a button, are ignored), converts their strings to typed values, and validates
// the result as Validate does. It returns the converted values (also when there are errors, so
// that a page can show them again) and nil or the errors, one per field; a field that does not
// convert has that error, not a validation one.
//
// Conversion: surrounding spaces are trimmed and CRLF line ends become LF; full-width digits and
// letters (from Chinese input methods) become ASCII in numbers and codes; spaces and hyphens are
// removed from ID numbers, credit codes, region codes and mobile numbers; an integer or number
// must parse completely; a boolean (checkbox) is true for "on", "true", "1" or "yes" and false
// when absent; a checkbox group takes every submitted value once. An empty field is missing.
func (s *Schema) FromForm(v url.Values) (map[string]any, *Errors) {
	total := 0
	for _, f := range s.fields {
		for _, x := range v[f.Name] {
			total += len(x)
		}
	}
	if total > MaxFormBytes {
		return map[string]any{}, &Errors{Fields: []FieldError{{Key: "formschema.form_too_large", Args: []any{MaxFormBytes >> 10}}}}
	}
	out := make(map[string]any, len(s.fields))
	bad := map[string]FieldError{}
	for _, f := range s.fields {
		val, fe := convert(f, v[f.Name])
		if fe != nil {
			fe.Field = f.Name
			bad[f.Name] = *fe
			continue
		}
		if val != nil {
			out[f.Name] = val
		}
	}
	if verr := s.Validate(out); verr != nil {
		for _, e := range verr.Fields {
			if _, ok := bad[e.Field]; !ok {
				bad[e.Field] = e
			}
		}
	}
	return out, s.ordered(bad)
}

// convert turns the submitted strings of one field into its value (nil when missing).
func convert(f Field, in []string) (any, *FieldError) {
	for _, x := range in {
		if len(x) > MaxValueBytes {
			return nil, &FieldError{Key: "formschema.value_too_large", Args: []any{MaxValueBytes >> 10}}
		}
		if !utf8.ValidString(x) {
			return nil, &FieldError{Key: typeKey(f.Type)}
		}
	}
	switch f.Type {
	case TypeBoolean:
		if len(in) == 0 {
			return false, nil
		}
		if len(in) > 1 {
			return nil, &FieldError{Key: "formschema.one_value"}
		}
		switch strings.ToLower(strings.TrimSpace(in[0])) {
		case "on", "true", "1", "yes":
			return true, nil
		case "", "off", "false", "0", "no":
			return false, nil
		}
		return nil, &FieldError{Key: "formschema.not_boolean"}
	case TypeArray:
		var vals []any
		seen := map[string]bool{}
		for _, x := range in {
			x = strings.TrimSpace(x)
			if x == "" || seen[x] {
				continue
			}
			seen[x] = true
			vals = append(vals, x)
		}
		if len(vals) > len(f.Enum) {
			return nil, &FieldError{Key: "formschema.not_an_option"}
		}
		if len(vals) == 0 {
			return nil, nil
		}
		return vals, nil
	}
	var x string
	for _, y := range in {
		if y = strings.TrimSpace(y); y != "" {
			if x != "" {
				return nil, &FieldError{Key: "formschema.one_value"}
			}
			x = y
		}
	}
	if x == "" {
		return nil, nil
	}
	switch f.Type {
	case TypeInteger:
		n, err := strconv.ParseInt(strings.ReplaceAll(width.Narrow.String(x), ",", ""), 10, 64)
		if err != nil {
			return nil, &FieldError{Key: "formschema.not_integer"}
		}
		return n, nil
	case TypeNumber:
		x = strings.ReplaceAll(width.Narrow.String(x), ",", "")
		if strings.ContainsFunc(x, func(r rune) bool { return !strings.ContainsRune("0123456789.+-eE", r) }) {
			return nil, &FieldError{Key: "formschema.not_number"}
		}
		n, err := strconv.ParseFloat(x, 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
			return nil, &FieldError{Key: "formschema.not_number"}
		}
		return n, nil
	}
	switch f.Format {
	case FormatResidentID, FormatCreditCode, FormatRegionCode, FormatMobile:
		x = idcode.Normalize(width.Narrow.String(x))
	case FormatDate, FormatEmail:
		x = width.Narrow.String(x)
	}
	x = strings.ReplaceAll(x, "\r\n", "\n")
	if strings.ContainsFunc(x, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) {
		return nil, &FieldError{Key: "formschema.control_char"}
	}
	if f.Widget != WidgetTextarea {
		if strings.Contains(x, "\n") {
			return nil, &FieldError{Key: "formschema.control_char"}
		}
		x = strings.ReplaceAll(x, "\t", " ")
	}
	return x, nil
}
