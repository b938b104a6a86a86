package web

import (
	"bytes"
	"net/http/httptest"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/payments"
)

// FuzzPaymentForms feeds the refund and reconciliation forms' readers arbitrary bodies: they
// never panic, refuse with public errors on a named field, and what they accept is in range.
func FuzzPaymentForms(f *testing.F) {
	for _, s := range []string{"amount=50&reason=%E9%80%80%E5%9B%9E", "amount=150.01", "amount=%C2%A51%2C200.5&reason=x",
		"channel=sandbox&day=2026-03-02", "day=2026-02-30", "amount=1e3&day=%00", "%zz"} {
		f.Add([]byte(s), "application/x-www-form-urlencoded")
	}
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		r := httptest.NewRequest("POST", "/pay/pay_00/refund", bytes.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		fen, _, err := postedRefund(r)
		if err != nil {
			if errs.Public(err).Kind != errs.Invalid && errs.Public(err).Kind != errs.TooLarge {
				t.Fatalf("refund form: %v", err)
			}
		} else if fen < 0 || fen > payments.MaxAmountFen {
			t.Fatalf("refund of %d fen", fen)
		}
		r = httptest.NewRequest("POST", "/payments/reconciliation", bytes.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		_, day, err := postedReconciliation(r)
		if err != nil {
			if pe := errs.Public(err); pe.Kind != errs.Invalid && pe.Kind != errs.TooLarge {
				t.Fatalf("reconciliation form: %v", err)
			}
		} else if day.IsZero() || day.Location() != chinaTime {
			t.Fatalf("day %v", day)
		}
	})
}
