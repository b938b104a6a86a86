package oidc_test

import (
	"testing"

	"github.com/yiwang-platform/yiwang/internal/oidc"
)

func TestMaskIDNumber(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"350102198803150464", "350102********0464"},
		{"35010219880315X", "350102*****315X"},
		{"350583199207210172", "350583********0172"},
		{"08123456", "08****56"},       // Taiwan travel permit
		{"H1234567890", "H1*******90"}, // Hong Kong and Macao permit
		{"E12345678", "E1*****78"},     // passport
		{"1234567", "*******"},         // too short to show any of it
		{"", ""},
	} {
		if got := oidc.MaskIDNumber(tc.in); got != tc.want {
			t.Errorf("MaskIDNumber(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
