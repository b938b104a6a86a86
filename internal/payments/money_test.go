package payments

import (
	"testing"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

func TestYuan(t *testing.T) {
	t.Parallel()
	for fen, want := range map[int64]string{0: "0.00", 5: "0.05", 50: "0.50", 12345: "123.45", 100: "1.00", -250: "-2.50"} {
		if got := Yuan(fen); got != want {
			t.Errorf("Yuan(%d) = %q, want %q", fen, got, want)
		}
	}
}

func TestParseYuan(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"12", 1200, true}, {"12.5", 1250, true}, {"12.50", 1250, true}, {"0.05", 5, true}, {".5", 50, true},
		{"¥1,200.00", 120000, true}, {"￥ 3", 300, true}, {"0", 0, true}, {"10000000", MaxAmountFen, true},
		{"10000000.01", 0, false}, {"1.234", 0, false}, {"-1", 0, false}, {"1e3", 0, false}, {"", 0, false},
		{".", 0, false}, {"12.", 0, false}, {"abc", 0, false}, {"99999999999", 0, false}, {"1.2.3", 0, false},
	} {
		got, err := ParseYuan("amount", tc.in)
		if tc.ok != (err == nil) || got != tc.want {
			t.Errorf("ParseYuan(%q) = %d, %v", tc.in, got, err)
		}
		if err != nil && (errs.KindOf(err) != errs.Invalid || errs.Public(err).Field != "amount") {
			t.Errorf("ParseYuan(%q): %v", tc.in, err)
		}
	}
}

func FuzzParseYuan(f *testing.F) {
	for _, s := range []string{"12.50", "¥1,200", ".5", "0", "-3", "1e9", "99999999999.99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fen, err := ParseYuan("amount", s)
		if err != nil {
			if errs.KindOf(err) != errs.Invalid {
				t.Fatalf("error of kind %s", errs.KindOf(err))
			}
			return
		}
		if fen < 0 || fen > MaxAmountFen {
			t.Fatalf("%q → %d", s, fen)
		}
		if back, err := ParseYuan("amount", Yuan(fen)); err != nil || back != fen {
			t.Fatalf("%q → %d → %q → %d, %v", s, fen, Yuan(fen), back, err)
		}
	})
}
