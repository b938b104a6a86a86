package license

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/plaintext"
)

// Limits on what a licence type and a licence hold.
const (
	maxName     = 100
	maxFields   = 60
	maxFieldKey = 40
	maxLinked   = 50
	maxMonths   = 1200 // a hundred years
	maxFieldLen = 5000
	defaultText = 200
	defaultArea = 2000
	maxHolder   = 200
	maxNumber   = 40
	maxReason   = 500
)

var (
	fieldKeyRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	// itemCodeRE is the form of a service item's implementation code (internal/catalog).
	itemCodeRE = regexp.MustCompile(`^[0-9A-Z]{19,36}$`)
	numberRE   = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z-]*$`)
)

// reservedKeys are claim names a face-data field may not take: the holder's hidden claims and
// the public ones.
var reservedKeys = []string{"holder_name", "holder_code", "holder_code_type", "type_code", "type_name", "number",
	"issuer", "jurisdiction", "issued_on", "valid_from", "valid_until"}

// asField gives an idcode error the field it concerns.
func asField(err error, field string) error {
	e := *errs.Public(err)
	e.Kind, e.Field = errs.Invalid, field
	return &e
}

// checkType validates and cleans a licence type's elements; the first problem is errs.Invalid
// naming its field.
func checkType(t *Type) error {
	t.Code = strings.ToUpper(strings.TrimSpace(t.Code))
	if err := idcode.ValidateLicenceTypeCode(t.Code); err != nil {
		return asField(err, "code")
	}
	t.Org = strings.TrimSpace(t.Org)
	if t.Org == "" {
		return errs.Field("org", "license.error.required")
	}
	for _, n := range []struct {
		s     *string
		field string
	}{{&t.NameHans, "name_hans"}, {&t.NameHant, "name_hant"}, {&t.NameEn, "name_en"}, {&t.AuthorityName, "authority_name"}} {
		if err := plaintext.Line(n.s, n.field, maxName, true); err != nil {
			return err
		}
	}
	t.AuthorityCode = strings.ToUpper(strings.TrimSpace(t.AuthorityCode))
	if t.AuthorityCode == "" {
		t.AuthorityCode = t.Code[:idcode.CreditCodeLength]
	}
	if t.AuthorityCode != t.Code[:idcode.CreditCodeLength] {
		return errs.Field("authority_code", "license.error.authority_code")
	}
	if !slices.Contains(Levels, t.AuthorityLevel) {
		return errs.Field("authority_level", "license.error.level")
	}
	if !slices.Contains(Levels, t.IssuerLevel) {
		return errs.Field("issuer_level", "license.error.level")
	}
	switch t.HolderCategory {
	case HolderPerson, HolderEnterprise, HolderBoth:
	default:
		return errs.Field("holder_category", "license.error.holder_category")
	}
	lo, hi := t.MinValidityMonths, t.MaxValidityMonths
	if lo < 0 || hi < 0 || hi > maxMonths || lo > hi || hi == 0 && lo != 0 {
		return errs.Field("max_validity_months", "license.error.validity_range", maxMonths)
	}
	if len(t.LinkedItems) > maxLinked {
		return errs.Field("linked_items", "license.error.too_many", maxLinked)
	}
	seen := map[string]bool{}
	for i, c := range t.LinkedItems {
		c = strings.ToUpper(strings.TrimSpace(c))
		t.LinkedItems[i] = c
		field := "linked_items." + itoa(i)
		if !itemCodeRE.MatchString(c) {
			return errs.Field(field, "license.error.linked_item", c)
		}
		if seen[c] {
			return errs.Field(field, "license.error.linked_item_twice", c)
		}
		seen[c] = true
	}
	if len(t.Fields) == 0 || len(t.Fields) > maxFields {
		return errs.Field("fields", "license.error.fields_count", maxFields)
	}
	keys := map[string]bool{}
	for i := range t.Fields {
		f := &t.Fields[i]
		field := "fields." + itoa(i)
		f.Key = strings.TrimSpace(f.Key)
		switch {
		case len(f.Key) > maxFieldKey || !fieldKeyRE.MatchString(f.Key):
			return errs.Field(field+".key", "license.error.field_key", maxFieldKey)
		case slices.Contains(reservedKeys, f.Key):
			return errs.Field(field+".key", "license.error.field_key_reserved", f.Key)
		case keys[f.Key]:
			return errs.Field(field+".key", "license.error.field_key_twice", f.Key)
		}
		keys[f.Key] = true
		for _, n := range []struct {
			s     *string
			field string
		}{{&f.NameHans, ".name_hans"}, {&f.NameHant, ".name_hant"}, {&f.NameEn, ".name_en"}} {
			if err := plaintext.Line(n.s, field+n.field, maxName, true); err != nil {
				return err
			}
		}
		switch f.Kind {
		case FieldText, FieldArea, FieldDate:
		default:
			return errs.Field(field+".kind", "license.error.field_kind")
		}
		if f.MaxLen < 0 || f.MaxLen > maxFieldLen {
			return errs.Field(field+".max_len", "license.error.field_max_len", maxFieldLen)
		}
	}
	return nil
}

// maxLen is the longest value of field f, in characters.
func (f Field) maxLen() int {
	switch {
	case f.MaxLen > 0:
		return f.MaxLen
	case f.Kind == FieldArea:
		return defaultArea
	}
	return defaultText
}

// checkFace validates face data against type t's fields and returns it cleaned: values trimmed,
// empty optional ones left out. Errors name the field as "face.<key>".
func checkFace(t Type, face map[string]string) (map[string]string, error) {
	known := map[string]bool{}
	for _, f := range t.Fields {
		known[f.Key] = true
	}
	for k := range face {
		if !known[k] {
			return nil, errs.Field("face."+k, "license.error.face_unknown")
		}
	}
	out := make(map[string]string, len(t.Fields))
	for _, f := range t.Fields {
		field := "face." + f.Key
		v := strings.TrimSpace(strings.ReplaceAll(face[f.Key], "\r\n", "\n"))
		switch {
		case v == "" && f.Required:
			return nil, errs.Field(field, "license.error.face_required", f.NameHans)
		case v == "":
			continue
		case utf8.RuneCountInString(v) > f.maxLen():
			return nil, errs.Field(field, "license.error.too_long", f.maxLen())
		case !plaintext.Valid(v, f.Kind == FieldArea):
			return nil, errs.Field(field, "license.error.plain_text")
		}
		if f.Kind == FieldDate {
			if _, err := time.Parse(dateLayout, v); err != nil {
				return nil, errs.Field(field, "license.error.date")
			}
		}
		out[f.Key] = v
	}
	return out, nil
}

// checkHolder validates a holder's name, code and code type against a type's holder category,
// normalising the code.
func checkHolder(cat HolderCategory, name, code, codeType *string) error {
	if err := plaintext.Line(name, "holder_name", maxHolder, true); err != nil {
		return err
	}
	*code = idcode.Normalize(*code)
	switch *codeType {
	case HolderCodeResidentID:
		if cat == HolderEnterprise {
			return errs.Field("holder_code_type", "license.error.holder_not_enterprise")
		}
		if err := idcode.ValidateResidentID(*code); err != nil {
			return asField(err, "holder_code")
		}
	case HolderCodeCreditCode:
		if cat == HolderPerson {
			return errs.Field("holder_code_type", "license.error.holder_not_person")
		}
		if err := idcode.ValidateCreditCode(*code); err != nil {
			return asField(err, "holder_code")
		}
	default:
		return errs.Field("holder_code_type", "license.error.holder_code_type")
	}
	return nil
}

// validity works out a licence's validity from the requested dates and its type's range: from
// defaults to today; until defaults to the longest validity the type allows (less a day), and
// must be empty for a type without an end.
func validity(t Type, from, until, today string) (string, string, error) {
	from, until = strings.TrimSpace(from), strings.TrimSpace(until)
	if from == "" {
		from = today
	}
	start, err := time.Parse(dateLayout, from)
	if err != nil {
		return "", "", errs.Field("valid_from", "license.error.date")
	}
	if t.MaxValidityMonths == 0 {
		if until != "" {
			return "", "", errs.Field("valid_until", "license.error.no_end")
		}
		return from, "", nil
	}
	longest := start.AddDate(0, t.MaxValidityMonths, -1)
	if until == "" {
		return from, longest.Format(dateLayout), nil
	}
	end, err := time.Parse(dateLayout, until)
	if err != nil {
		return "", "", errs.Field("valid_until", "license.error.date")
	}
	shortest := start
	if t.MinValidityMonths > 0 {
		shortest = start.AddDate(0, t.MinValidityMonths, -1)
	}
	if end.Before(shortest) || end.After(longest) {
		return "", "", errs.Field("valid_until", "license.error.validity", t.MinValidityMonths, t.MaxValidityMonths)
	}
	return from, until, nil
}

// checkReason cleans a status change's reason: required, one paragraph of plain text.
func checkReason(reason *string) error {
	*reason = strings.TrimSpace(*reason)
	switch {
	case *reason == "":
		return errs.Field("reason", "license.error.reason")
	case utf8.RuneCountInString(*reason) > maxReason:
		return errs.Field("reason", "license.error.too_long", maxReason)
	case !plaintext.Valid(*reason, true):
		return errs.Field("reason", "license.error.plain_text")
	}
	return nil
}

func itoa(i int) string { return strconv.Itoa(i) }
