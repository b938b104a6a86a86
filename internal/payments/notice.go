package payments

import (
	"crypto/rand"
	"math/big"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// A payment notice number (缴款码) is 20 digits: the payee organisation's six-digit region code
// (GB/T 2260), the last two digits of the year the order was opened, eleven random digits, and a
// check digit by ISO 7064 MOD 11,10 over the first nineteen, which catches every single wrong
// digit and every swap of two neighbouring digits. The random part keeps numbers from being
// guessed from one another; a payer types the number from a paper notice, so it is all digits.

// NoticeLen is the length of a payment notice number.
const NoticeLen = 20

// noticeCheck returns the ISO 7064 MOD 11,10 check digit of digits.
func noticeCheck(digits string) byte {
	p := 10
	for i := 0; i < len(digits); i++ {
		s := (p + int(digits[i]-'0')) % 10
		if s == 0 {
			s = 10
		}
		p = (2 * s) % 11
	}
	return byte('0' + (11-p)%10)
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
