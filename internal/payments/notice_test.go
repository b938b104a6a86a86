package payments

import (
	"strings"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// TestNoticeCheckDigit: the check digit catches every single wrong digit and every swap of two
// different neighbouring digits.
func TestNoticeCheckDigit(t *testing.T) {
	t.Parallel()
	for range 300 {
		n := newNoticeNumber("350100", 2026)
		if len(n) != NoticeLen || !strings.HasPrefix(n, "35010026") || !ValidNoticeNumber(n) {
			t.Fatalf("drew %q", n)
		}
		b := []byte(n)
		for i := range b {
			orig := b[i]
			for d := byte('0'); d <= '9'; d++ {
				if d == orig {
					continue
				}
				b[i] = d
				if ValidNoticeNumber(string(b)) {
					t.Fatalf("%q with digit %d changed to %c passes", n, i+1, d)
				}
			}
			b[i] = orig
		}
		for i := 0; i+1 < len(b); i++ {
			if b[i] == b[i+1] {
				continue
			}
			b[i], b[i+1] = b[i+1], b[i]
			if ValidNoticeNumber(string(b)) {
				t.Fatalf("%q with digits %d and %d swapped passes", n, i+1, i+2)
			}
			b[i], b[i+1] = b[i+1], b[i]
		}
	}
}

func TestParseNoticeNumber(t *testing.T) {
	t.Parallel()
	n := newNoticeNumber("350200", 2026)
	full := strings.Map(func(r rune) rune { return r - '0' + '０' }, n)
	for _, tc := range []struct {
		in, want, err string
	}{
		{n, n, ""},
		{GroupNotice(n), n, ""},
		{n[:4] + "-" + n[4:12] + "　" + n[12:], n, ""},
		{full, n, ""},
		{" " + n + " ", n, ""},
		{n[:19], "", "payments.error.notice_length"},
		{n + "0", "", "payments.error.notice_length"},
		{n[:19] + "x", "", "payments.error.notice_chars"},
		{"", "", "payments.error.notice_length"},
		{n[:19] + string('0'+(n[19]-'0'+1)%10), "", "payments.error.notice_check"},
	} {
		got, err := ParseNoticeNumber(tc.in)
		switch {
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("ParseNoticeNumber(%q) = %q, %v", tc.in, got, err)
		case tc.err != "" && (errs.Public(err).Message != tc.err || errs.Public(err).Field != "notice_number"):
			t.Errorf("ParseNoticeNumber(%q): %v, want %s", tc.in, err, tc.err)
		}
	}
	if g := GroupNotice(n); len(g) != 24 || g[4] != ' ' {
		t.Errorf("GroupNotice = %q", g)
	}
}

func FuzzParseNoticeNumber(f *testing.F) {
	f.Add("35010026000000000017")
	f.Add("3501 0026 0000 0000 0017")
	f.Add("３５０１")
	f.Add("-- \t")
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseNoticeNumber(s)
		if err != nil {
			if errs.KindOf(err) != errs.Invalid {
				t.Fatalf("error of kind %s", errs.KindOf(err))
			}
			return
		}
		if !ValidNoticeNumber(n) || len(n) != NoticeLen {
			t.Fatalf("%q parsed as %q", s, n)
		}
	})
}
