package logmask

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestMask(t *testing.T) {
	tests := []struct{ in, want string }{
		{"login 350102198803150461 failed", "login 350102********0461 failed"},
		{"id=35020319751102031X", "id=350203********031X"},
		{"phone 13859001234, 13705918866", "phone 138****1234, 137****8866"},
		{"+8613859001234", "+86138****1234"},
		{"/api/v1/persons/350102198803150461/licences", "/api/v1/persons/350102********0461/licences"},
		// Longer runs of digits are not ID numbers or phones: leave them.
		{"order 1234567890123456789012", "order 1234567890123456789012"},
		{"request 12859001234", "request 12859001234"},
		{"no digits here", "no digits here"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Mask(tt.in); got != tt.want {
			t.Errorf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestReplaceAttr(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: ReplaceAttr}))
	log.Info("registered 350102198803150461", "phone", "13859001234", "err", errors.New("duplicate 350102198803150461"),
		slog.Group("req", "path", "/x/13859001234"))
	out := buf.String()
	for _, secret := range []string{"350102198803150461", "13859001234"} {
		if strings.Contains(out, secret) {
			t.Errorf("log output holds %s in clear: %s", secret, out)
		}
	}
	for _, masked := range []string{"350102********0461", "138****1234"} {
		if !strings.Contains(out, masked) {
			t.Errorf("log output lacks %s: %s", masked, out)
		}
	}
}

func FuzzMask(f *testing.F) {
	f.Add("350102198803150461 13859001234")
	f.Add("1385900123413859001234")
	f.Fuzz(func(t *testing.T, s string) {
		m := Mask(s)
		if len(m) != len(s) {
			t.Errorf("Mask changed the length: %q -> %q", s, m)
		}
		if Mask(m) != m {
			t.Errorf("Mask is not idempotent on %q", s)
		}
	})
}
