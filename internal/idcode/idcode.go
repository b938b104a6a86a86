// Package idcode validates and generates the identifiers of Chinese government: resident ID
// numbers, unified social credit codes, region codes and e-licence identifiers (GB/T 36904).
//
// Validation is pure: it depends on nothing but its argument, so that the same input is judged the
// same way in a web form, an import and a test. Every rejection is an errs.Invalid error whose
// message, an internal/i18n key idcode.error.* with its arguments, says what is wrong in the
// person's terms (the texts are in internal/i18n/messages/idcode.toml). The
// generators (NewResidentID, NewCreditCode) make synthetic but valid identifiers for tests and
// demo data; they panic on malformed parts, as they are only ever called with constants.
package idcode

import (
	"strings"
	"unicode"
)

// Normalize prepares an identifier typed by a person for validation: it removes spaces (also
// full-width ones) and hyphens and upper-cases ASCII letters, so that "3501 0219 9001 0112 3x"
// becomes "35010219900101123X". It does not validate.
func Normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case unicode.IsSpace(r) || r == '-':
			continue
		case r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isDigits reports whether s consists only of ASCII digits.
func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// firstNonDigit returns the index of the first byte of s that is not an ASCII digit, or -1.
func firstNonDigit(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return i
		}
	}
	return -1
}

// charAt describes the character that starts at byte i of s for an error message: the whole
// rune, even when it is not ASCII, so that "３" is shown as itself rather than as a broken byte.
func charAt(s string, i int) string {
	for j, r := range s[i:] {
		if j == 0 {
			return string(r)
		}
	}
	return ""
}

// position returns the 1-based character position of byte index i in s, as people count.
func position(s string, i int) int {
	return len([]rune(s[:i])) + 1
}
