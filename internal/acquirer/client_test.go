package acquirer_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/acquirer"
	"github.com/yiwang-platform/yiwang/internal/payments"
)

// A real acquirer's cashier is on its own site: the client names that origin, so that the
// payment page may send payers there; the sandbox's cashier is on the platform's site.
func TestClientCashierOrigin(t *testing.T) {
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	for _, tc := range []struct {
		name, cashierURL string
		want             string
		ok               bool
	}{
		{"sandbox on the platform's site", "", "", true},
		{"acquirer's own site", "https://pay.example.cn/cashier", "https://pay.example.cn", true},
		{"with a port", "https://Pay.Example.cn:8443", "https://pay.example.cn:8443", true},
		{"no scheme", "pay.example.cn", "", false},
		{"a local path", "/sandbox/acquirer", "", false},
		{"javascript", "javascript:alert(1)", "", false},
	} {
		c, err := acquirer.NewClient(acquirer.ClientConfig{AcquirerURL: "https://api.pay.example.cn", NotifyURL: "https://yiwang.example/cb",
			Credentials: acquirer.Credentials{MerchantID: "yiwang-fj", Secret: "s"}, PublicKey: pub, CashierURL: tc.cashierURL})
		if (err == nil) != tc.ok {
			t.Errorf("%s: NewClient: %v, want ok %v", tc.name, err, tc.ok)
			continue
		}
		if err != nil {
			continue
		}
		if got := c.CashierOrigin(); got != tc.want {
			t.Errorf("%s: CashierOrigin = %q, want %q", tc.name, got, tc.want)
		}
		svc := payments.New(nil, payments.Options{})
		svc.Register("bank", c)
		var want []string
		if tc.want != "" {
			want = []string{tc.want}
		}
		if diff := cmp.Diff(want, svc.CashierOrigins()); diff != "" {
			t.Errorf("%s: CashierOrigins mismatch (-want +got):\n%s", tc.name, diff)
		}
	}
}
