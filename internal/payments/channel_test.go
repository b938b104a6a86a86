package payments_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/payments"
)

// cashierChannel is a channel that only describes itself and names its cashier's origin.
type cashierChannel struct {
	payments.Channel
	origin string
}

func (c cashierChannel) Describe() payments.ChannelInfo {
	return payments.ChannelInfo{NameEn: c.origin}
}
func (c cashierChannel) CashierOrigin() string { return c.origin }

func TestOriginOf(t *testing.T) {
	for _, tc := range []struct {
		in, want string // want "" for an error
	}{
		{"https://pay.example.cn/cashier/t_1?x=1", "https://pay.example.cn"},
		{"https://Pay.Example.CN", "https://pay.example.cn"},
		{"http://127.0.0.1:8081/sandbox", "http://127.0.0.1:8081"},
		{"https://[::1]:8443/", "https://[::1]:8443"},
		{"/sandbox/acquirer/cashier/t_1", ""},
		{"", ""},
		{"javascript:alert(1)", ""},
		{"data:text/html,x", ""},
		{"ftp://pay.example.cn", ""},
		{"https://user:pw@pay.example.cn", ""},
		{"https://pay.example.cn;script-src *", ""},
		{"https://pay.example.cn *", ""},
		{"https://*.example.cn", ""},
		{"https://", ""},
	} {
		got, err := payments.OriginOf(tc.in)
		if got != tc.want || (err == nil) != (tc.want != "") {
			t.Errorf("OriginOf(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestCashierOrigins(t *testing.T) {
	for _, tc := range []struct {
		name     string
		channels []payments.Channel
		want     []string
	}{
		{"no channels", nil, nil},
		{"sandbox on the platform's own site", []payments.Channel{cashierChannel{}}, nil},
		{"one external cashier", []payments.Channel{cashierChannel{}, cashierChannel{origin: "https://pay.example.cn"}},
			[]string{"https://pay.example.cn"}},
		{"two channels, one cashier", []payments.Channel{cashierChannel{origin: "https://pay.example.cn"},
			cashierChannel{origin: "https://pay.example.cn"}, cashierChannel{origin: "https://cashier.unionpay.example"}},
			[]string{"https://cashier.unionpay.example", "https://pay.example.cn"}},
	} {
		svc := payments.New(nil, payments.Options{})
		for i, ch := range tc.channels {
			svc.Register(fmt.Sprintf("ch%d", i), ch)
		}
		if diff := cmp.Diff(tc.want, svc.CashierOrigins()); diff != "" {
			t.Errorf("%s: CashierOrigins mismatch (-want +got):\n%s", tc.name, diff)
		}
	}
}

// A cashier origin that is not exactly an origin is a wiring mistake: it never reaches a header.
func TestRegisterRefusesBadCashierOrigins(t *testing.T) {
	for _, o := range []string{"https://pay.example.cn/cashier", "https://Pay.example.cn", "https://pay.example.cn; script-src *",
		"pay.example.cn", "javascript:x"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register accepted cashier origin %q", o)
				}
			}()
			payments.New(nil, payments.Options{}).Register("bank", cashierChannel{origin: o})
		}()
	}
}
