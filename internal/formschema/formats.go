package formschema

import (
	"net/mail"
	"strings"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
)

// formatCheckers are registered with the validator; they replace its own "date" and "email".
// Each returns an errs.Invalid whose message key becomes the field's error, so that an ID number
// with a wrong check digit says so rather than "invalid format".
var formatCheckers = []*jsonschema.Format{
	{Name: FormatDate, Validate: onString(checkDate)},
	{Name: FormatEmail, Validate: onString(checkEmail)},
	{Name: FormatMobile, Validate: onString(checkMobile)},
	{Name: FormatResidentID, Validate: onString(idcode.ValidateResidentID)},
	{Name: FormatCreditCode, Validate: onString(idcode.ValidateCreditCode)},
	{Name: FormatRegionCode, Validate: onString(idcode.ValidateRegionCode)},
}

// onString applies check to strings only: a value of another type fails on "type" instead.
func onString(check func(string) error) func(any) error {
	return func(v any) error {
		s, ok := v.(string)
		if !ok {
			return nil
		}
		return check(s)
	}
}

func checkDate(s string) error {
	if len(s) != len("2006-01-02") {
		return errs.E(errs.Invalid, "formschema.format.date")
	}
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return errs.E(errs.Invalid, "formschema.format.date")
	}
	return nil
}

func checkEmail(s string) error {
	bad := errs.E(errs.Invalid, "formschema.format.email")
	if len(s) > 254 || strings.ContainsAny(s, " <>\"") {
		return bad
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return bad
	}
	at := strings.LastIndexByte(s, '@')
	if at < 1 || !strings.Contains(s[at+1:], ".") || strings.HasSuffix(s, ".") {
		return bad
	}
	return nil
}

// checkMobile accepts a mainland mobile number: 11 digits, 1 then 3–9.
func checkMobile(s string) error {
	if len(s) != 11 || s[0] != '1' || s[1] < '3' || s[1] > '9' {
		return errs.E(errs.Invalid, "formschema.format.mobile")
	}
	for i := 2; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return errs.E(errs.Invalid, "formschema.format.mobile")
		}
	}
	return nil
}
