// Package plaintext checks the texts people type into forms: valid UTF-8 without control
// characters (they are shown on pages and printed on documents, and PostgreSQL refuses NUL),
// trimmed, present when required and no longer than allowed.
package plaintext

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// Valid reports whether s is valid UTF-8 without control characters; a multi-line text may also
// hold newlines, carriage returns and tabs.
func Valid(s string, multiline bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\t' || r == '\r')) {
			return false
		}
	}
	return true
}

// Line cleans a one-line text of a form's field: trimmed, plain, at most max characters, and
// not empty if required. The error is errs.Invalid naming field, with a plaintext.error.*
// message.
func Line(s *string, field string, max int, required bool) error {
	*s = strings.TrimSpace(*s)
	return check(*s, field, max, required, false)
}

// Area cleans a multi-line text as Line does, its line ends made "\n".
func Area(s *string, field string, max int, required bool) error {
	*s = strings.TrimSpace(strings.ReplaceAll(*s, "\r\n", "\n"))
	return check(*s, field, max, required, true)
}

func check(s, field string, max int, required, multiline bool) error {
	switch {
	case s == "" && required:
		return errs.Field(field, "plaintext.error.required")
	case utf8.RuneCountInString(s) > max:
		return errs.Field(field, "plaintext.error.too_long", max)
	case !Valid(s, multiline):
		return errs.Field(field, "plaintext.error.control")
	}
	return nil
}
