package federation

import "testing"

func TestGroupFingerprint(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"ab", "ab"},
		{"abcd", "abcd"},
		{"abcdef01", "abcd ef01"},
		{"abcdef012", "abcd ef01 2"},
	} {
		if got := GroupFingerprint(tc.in); got != tc.want {
			t.Errorf("GroupFingerprint(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
