package errs_test

import (
	"database/sql"
	"errors"
	"fmt"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

func TestKinds(t *testing.T) {
	inner := errs.Wrapf(errs.Conflict, sql.ErrNoRows, "error.conflict")
	wrapped := fmt.Errorf("outer: %w", inner)
	for _, tc := range []struct {
		name string
		err  error
		kind errs.Kind
	}{
		{"nil", nil, ""},
		{"plain error is internal", errors.New("boom"), errs.Internal},
		{"classified", errs.E(errs.NotFound, "error.not_found"), errs.NotFound},
		{"field", errs.Field("progress", "plan.error.progress_range"), errs.Invalid},
		{"wrapped keeps kind", wrapped, errs.Conflict},
	} {
		if got := errs.KindOf(tc.err); got != tc.kind {
			t.Errorf("%s: KindOf = %q, want %q", tc.name, got, tc.kind)
		}
	}
	if !errors.Is(wrapped, sql.ErrNoRows) {
		t.Error("classified error hides its cause from errors.Is")
	}
}

func TestPublicHidesInternalDetail(t *testing.T) {
	pe := errs.Public(errors.New("pq: password authentication failed for user admin"))
	if pe.Kind != errs.Internal || pe.Message != "error.internal" {
		t.Errorf("Public(plain) = %+v", pe)
	}
	f := errs.Field("body", "plan.error.body_required")
	if got := errs.Public(fmt.Errorf("ctx: %w", f)); got != f {
		t.Errorf("Public did not return the classified error: %+v", got)
	}
}

func TestWrap(t *testing.T) {
	do := func(fail bool) (err error) {
		defer errs.Wrap(&err, "plan.Import(%s)", "x.txt")
		if fail {
			return errs.E(errs.Invalid, "bad")
		}
		return nil
	}
	if err := do(false); err != nil {
		t.Errorf("Wrap invented an error: %v", err)
	}
	err := do(true)
	if err == nil || err.Error() != "plan.Import(x.txt): invalid: bad" || !errs.Is(err, errs.Invalid) {
		t.Errorf("Wrap = %v", err)
	}
}
