package payments

import (
	"strconv"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// Amounts are integer fen (分) everywhere; yuan appear only where people read or type them.

// MaxAmountFen bounds one line and one order: ten million yuan, far above any administrative
// fee, and far from overflowing a sum of many lines.
const MaxAmountFen = 1_000_000_000

// Yuan formats fen as yuan with two decimals: 12345 → "123.45".
func Yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	f := strconv.FormatInt(fen%100, 10)
	if len(f) == 1 {
		f = "0" + f
	}
	return sign + strconv.FormatInt(fen/100, 10) + "." + f
}

// ParseYuan reads an amount in yuan as a person types it ("12", "12.5", "12.50", "¥1,200.00")
// into fen. More than two decimals, signs, or more than MaxAmountFen are errs.Invalid on
// field; zero is allowed here (callers decide whether it makes sense).
func ParseYuan(field, s string) (int64, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "¥"), "￥")
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" && (!dot || frac == "") || len(whole) > 10 || len(frac) > 2 || dot && frac == "" {
		return 0, errs.Field(field, "payments.error.amount_format")
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, errs.Field(field, "payments.error.amount_format")
		}
	}
	var fen int64
	if whole != "" {
		w, err := strconv.ParseInt(whole, 10, 64)
		if err != nil {
			return 0, errs.Field(field, "payments.error.amount_format")
		}
		fen = w * 100
	}
	if frac != "" {
		for len(frac) < 2 {
			frac += "0"
		}
		f, _ := strconv.ParseInt(frac, 10, 64)
		fen += f
	}
	if fen > MaxAmountFen {
		return 0, errs.Field(field, "payments.error.amount_too_large", Yuan(MaxAmountFen))
	}
	return fen, nil
}
