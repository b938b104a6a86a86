// Package logmask keeps personal data out of logs: it masks resident ID numbers and mainland
// mobile numbers in every string a log record carries, whatever code logged them.
package logmask

import (
	"fmt"
	"log/slog"
	"regexp"
	"strings"
)

var (
	// An 18-character ID number (GB 11643, also the 2023 foreign permanent resident card), not
	// part of a longer run of digits.
	idNumberRE = regexp.MustCompile(`(^|[^0-9])([0-9]{6})([0-9]{8})([0-9]{3}[0-9Xx])($|[^0-9])`)
	// A mainland mobile number, optionally +86, not part of a longer run of digits.
	mobileRE = regexp.MustCompile(`(^|[^0-9]|\+86)(1[3-9][0-9])([0-9]{4})([0-9]{4})($|[^0-9])`)
)

// Mask hides the birth date and sequence of ID numbers (350102********0461 keeps region and
// the last four) and the middle of mobile numbers (138****1234) in s.
func Mask(s string) string {
	if !strings.ContainsAny(s, "0123456789") {
		return s
	}
	// Each pattern consumes the character after a match, so run twice to catch adjacent ones.
	for range 2 {
		s = idNumberRE.ReplaceAllString(s, "${1}${2}********${4}${5}")
		s = mobileRE.ReplaceAllString(s, "${1}${2}****${4}${5}")
	}
	return s
}

// ReplaceAttr is a slog.HandlerOptions.ReplaceAttr that masks strings, errors and Stringers.
func ReplaceAttr(_ []string, a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindString:
		if m := Mask(a.Value.String()); m != a.Value.String() {
			a.Value = slog.StringValue(m)
		}
	case slog.KindAny:
		switch v := a.Value.Any().(type) {
		case error:
			a.Value = slog.StringValue(Mask(v.Error()))
		case fmt.Stringer:
			a.Value = slog.StringValue(Mask(v.String()))
		case []byte:
			a.Value = slog.StringValue(Mask(string(v)))
		}
	}
	return a
}
