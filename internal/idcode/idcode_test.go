package idcode

import (
	"errors"
	"fmt"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// message returns the public message of an errs.Invalid error with its arguments filled in, ""
// for nil, and fails the test for an error of any other kind.
func message(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.Invalid {
		t.Fatalf("error %v is not errs.Invalid", err)
	}
	return fmt.Sprintf(e.Message, e.Args...)
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
