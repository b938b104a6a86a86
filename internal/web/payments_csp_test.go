package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/payments"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// externalChannel is a channel whose cashier is on the acquirer's own site; the pages only ask
// it for its name and its cashier's origin.
type externalChannel struct {
	payments.Channel
	origin string
}

func (c externalChannel) Describe() payments.ChannelInfo {
	return payments.ChannelInfo{NameHans: "银联在线", NameHant: "銀聯在線", NameEn: "UnionPay online"}
}
func (c externalChannel) CashierOrigin() string { return c.origin }

var formAction = regexp.MustCompile(`(?:^|; )form-action ([^;]*)(?:;|$)`)

// TestPaymentCashierFormAction: the pay form's answer redirects to the channel's cashier, so the
// order page allows the cashiers of the configured channels as form targets — the sandbox's is
// the site itself — and nothing else changes, on no other page.
func TestPaymentCashierFormAction(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newPaySite(t, db)
		page := "/pay/" + s.order(resident).ID
		base := s.get("/", "").Header().Get("Content-Security-Policy")
		check := func(name, target, login, want string) {
			t.Helper()
			w := s.get(target, login)
			wantStatus(t, name, w, http.StatusOK)
			csp := w.Header().Get("Content-Security-Policy")
			m := formAction.FindStringSubmatch(csp)
			if m == nil || m[1] != want {
				t.Errorf("%s: Content-Security-Policy %q, want form-action %s", name, csp, want)
			}
			if m != nil && strings.Replace(csp, "form-action "+m[1], "form-action 'self'", 1) != base {
				t.Errorf("%s: the policy changed beyond form-action: %q", name, csp)
			}
		}
		tests := []struct {
			name, target, login string
			want                string
		}{
			{"the payer's order page", page, resident, "'self'"},
			{"an official's view of it", page, scjWindow, "'self'"},
			{"the payer's list", "/pay", resident, "'self'"},
		}
		for _, tc := range tests {
			check("sandbox only: "+tc.name, tc.target, tc.login, tc.want)
		}
		s.pay.Register("unionpay", externalChannel{origin: "https://pay.example.cn"})
		tests[0].want = "'self' https://pay.example.cn"
		for _, tc := range tests {
			check("with an external cashier: "+tc.name, tc.target, tc.login, tc.want)
		}
	})
}
