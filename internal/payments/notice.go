package payments

import (
	"crypto/rand"
	"math/big"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// A payment notice number (缴款码) is 20 digits: the payee organisation's six-digit region code
// (GB/T 2260), the last two digits of the year the order was opened, eleven random digits, and a
// check digit by the Damm algorithm over the first nineteen, which catches every single wrong
// digit and every swap of two neighbouring digits (ISO 7064 MOD 11,10 misses some swaps). The random part keeps numbers from being
// guessed from one another; a payer types the number from a paper notice, so it is all digits.

// NoticeLen is the length of a payment notice number.
const NoticeLen = 20

// damm is the totally anti-symmetric quasigroup of order 10 of H. Michael Damm's check-digit
// algorithm.
var damm = [10][10]byte{
	{0, 3, 1, 7, 5, 9, 8, 6, 4, 2},
	{7, 0, 9, 2, 1, 5, 4, 8, 6, 3},
	{4, 2, 0, 6, 8, 7, 1, 3, 5, 9},
	{1, 7, 5, 0, 9, 8, 3, 4, 2, 6},
	{6, 1, 2, 3, 0, 4, 5, 9, 7, 8},
	{3, 6, 7, 4, 2, 0, 9, 5, 8, 1},
	{5, 8, 6, 9, 7, 2, 0, 1, 3, 4},
	{8, 9, 4, 5, 3, 6, 2, 0, 1, 7},
	{9, 4, 3, 8, 6, 1, 7, 2, 0, 5},
	{2, 5, 8, 1, 4, 3, 6, 7, 9, 0},
}

// noticeCheck returns the Damm check digit of digits.
func noticeCheck(digits string) byte {
	var interim byte
	for i := 0; i < len(digits); i++ {
		interim = damm[interim][digits[i]-'0']
	}
	return '0' + interim
}

// newNoticeNumber draws a notice number for an organisation in region in year.
func newNoticeNumber(region string, year int) string {
	n, err := rand.Int(rand.Reader, big.NewInt(100_000_000_000))
	if err != nil {
		panic(err) // crypto/rand does not fail
	}
	var b strings.Builder
	b.WriteString(region)
	yy := year % 100
	b.WriteByte(byte('0' + yy/10))
	b.WriteByte(byte('0' + yy%10))
	s := n.String()
	b.WriteString(strings.Repeat("0", 11-len(s)))
	b.WriteString(s)
	b.WriteByte(noticeCheck(b.String()))
	return b.String()
}

// ParseNoticeNumber reads a notice number as a person types it — spaces and hyphens between
// groups are allowed, full-width digits too — and checks its length and check digit. The
// error is errs.Invalid on field "notice_number".
func ParseNoticeNumber(s string) (string, error) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９':
			b.WriteRune('0' + (r - '０'))
		case r == ' ' || r == '-' || r == '\u3000' || r == '\t':
		default:
			return "", errs.Field("notice_number", "payments.error.notice_chars")
		}
		if b.Len() > NoticeLen {
			return "", errs.Field("notice_number", "payments.error.notice_length", NoticeLen)
		}
	}
	n := b.String()
	if len(n) != NoticeLen {
		return "", errs.Field("notice_number", "payments.error.notice_length", NoticeLen)
	}
	if noticeCheck(n[:NoticeLen-1]) != n[NoticeLen-1] {
		return "", errs.Field("notice_number", "payments.error.notice_check")
	}
	return n, nil
}

// ValidNoticeNumber reports whether s is exactly a well-formed notice number.
func ValidNoticeNumber(s string) bool {
	n, err := ParseNoticeNumber(s)
	return err == nil && n == s
}

// GroupNotice writes a notice number in groups of four digits, as printed on notices.
func GroupNotice(n string) string {
	var b strings.Builder
	for i := 0; i < len(n); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(n[i:min(i+4, len(n))])
	}
	return b.String()
}
