package idcode

import (
	"strings"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/i18n"
)

// message returns the message key of an errs.Invalid error and its English text with the
// arguments filled in; "", "" for nil. It fails the test for an error of any other kind, for a
// message that is not an idcode.error.* key of the i18n catalogue, for a text in any language
// that the arguments do not fill (fmt's %!… markers), and for an argument no text uses.
func message(t *testing.T, err error) (key, en string) {
	t.Helper()
	if err == nil {
		return "", ""
	}
	e := errs.Public(err)
	if e.Kind != errs.Invalid {
		t.Fatalf("error %v is not errs.Invalid", err)
	}
	if !strings.HasPrefix(e.Message, "idcode.error.") || !i18n.Has(e.Message) {
		t.Fatalf("error %v: message %q is not an idcode.error.* key of the i18n catalogue", err, e.Message)
	}
	for _, l := range i18n.All {
		if s := i18n.T(l, e.Message, e.Args...); strings.Contains(s, "%!") {
			t.Fatalf("error %v: its %s text %q is not filled by its arguments", err, l, s)
		}
	}
	// T drops surplus arguments, so an unused one shows only as the last argument not being missed.
	if n := len(e.Args); n > 0 && !strings.Contains(i18n.T(i18n.En, e.Message, e.Args[:n-1]...), "(MISSING)") {
		t.Fatalf("error %v: the text of %s does not use all %d arguments", err, e.Message, n)
	}
	return e.Message, i18n.T(i18n.En, e.Message, e.Args...)
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		" 3501 0219 9003 0712 34 ": "350102199003071234",
		"35012819851130024x":       "35012819851130024X",
		"9135-0100-1234-5678-8q":   "91350100123456788Q",
		"３５":                       "３５", // full-width digits are left for validation to report
		"\u3000350102\t":           "350102",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}
