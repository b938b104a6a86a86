package idcode

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// CreditCodeLength is the number of characters of a unified social credit code (GB 32100-2015).
const CreditCodeLength = 18

// CreditAlphabet holds the 31 characters a unified social credit code may use, in the order of
// their values 0–30; I, O, Z, S and V are left out because they are read as 1, 0, 2, 5 and U.
const CreditAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditValue maps a byte to its value in CreditAlphabet, -1 if it is not in it.
var creditValue = func() [256]int8 {
	var v [256]int8
	for i := range v {
		v[i] = -1
	}
	for i := 0; i < len(CreditAlphabet); i++ {
		v[CreditAlphabet[i]] = int8(i)
	}
	return v
}()

// creditWeights are 3^(i-1) mod 31 for positions 1–17.
var creditWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// nationalRegion is the region part of codes of bodies registered at national level.
const nationalRegion = "100000"

// CreditInfo is what a unified social credit code says about its holder.
type CreditInfo struct {
	// Authority is the registration authority (position 1), e.g. '9' market regulation.
	Authority byte
	// Category is the kind of body within the authority (position 2), e.g. '1' enterprise.
	Category byte
	// Region is the GB/T 2260 code of the registering authority (positions 3–8); "100000" for
	// bodies registered at national level.
	Region string
	// OrgCode is the GB 11714 organisation code (positions 9–17), its check character last.
	OrgCode string
}

// ValidateCreditCode checks that s is a well-formed 18-character unified social credit code:
// every character from CreditAlphabet, a region part (positions 3–8) of digits naming a
// province-level region or the national level 100000, and the GB 32100 check character.
// Positions 1–2 are not checked against the authority table, which ministries extend by notice
// (use ParseCreditCode and AuthorityName to decode them), nor is the check character of the
// organisation code in positions 9–17, which not every issued code satisfies.
// Every failure is an errs.Invalid error saying which rule the code breaks.
func ValidateCreditCode(s string) error {
	_, err := ParseCreditCode(s)
	return err
}

// ParseCreditCode validates s as ValidateCreditCode does and returns its parts.
func ParseCreditCode(s string) (CreditInfo, error) {
	if n := utf8.RuneCountInString(s); n != CreditCodeLength {
		return CreditInfo{}, errs.E(errs.Invalid, "idcode.error.credit_length", n)
	}
	if i := firstNotCredit(s); i >= 0 {
		return CreditInfo{}, badCreditChar(s, i)
	}
	region := s[2:8]
	if err := validateCreditRegion(region); err != nil {
		return CreditInfo{}, err
	}
	want, _ := CreditCodeCheck(s[:17])
	if s[17] != want {
		return CreditInfo{}, errs.E(errs.Invalid, "idcode.error.credit_check_mismatch", string(s[17]))
	}
	return CreditInfo{Authority: s[0], Category: s[1], Region: region, OrgCode: s[8:17]}, nil
}

// firstNotCredit returns the index of the first byte of s outside CreditAlphabet, or -1.
func firstNotCredit(s string) int {
	for i := 0; i < len(s); i++ {
		if creditValue[s[i]] < 0 {
			return i
		}
	}
	return -1
}

func badCreditChar(s string, i int) error {
	c := charAt(s, i)
	switch {
	case len(c) == 1 && strings.ContainsAny(c, "IOZSV"):
		return errs.E(errs.Invalid, "idcode.error.credit_unused_letter", position(s, i), c)
	case len(c) == 1 && c[0] >= 'a' && c[0] <= 'z':
		return errs.E(errs.Invalid, "idcode.error.credit_small_letter", position(s, i), c)
	}
	return errs.E(errs.Invalid, "idcode.error.credit_bad_char", position(s, i), c)
}

// validateCreditRegion checks positions 3–8 of a credit code. As for resident IDs, only the
// province part is checked: the code keeps the region it was registered in.
func validateCreditRegion(region string) error {
	if !isDigits(region) {
		return errs.E(errs.Invalid, "idcode.error.credit_region_not_digits", region)
	}
	if region == nationalRegion {
		return nil
	}
	if _, ok := provinces[region[:2]]; !ok {
		return errs.E(errs.Invalid, "idcode.error.credit_province", region)
	}
	return nil
}

// CreditCodeCheck returns the GB 32100 check character of the first 17 characters of a unified
// social credit code: c = 31 − (Σ value×3^(i−1) mod 31) mod 31, as a character of CreditAlphabet.
// It checks only that first17 is 17 characters of CreditAlphabet (errs.Invalid otherwise).
func CreditCodeCheck(first17 string) (byte, error) {
	if len(first17) != 17 || firstNotCredit(first17) >= 0 {
		return 0, errs.E(errs.Invalid, "idcode.error.credit_check_input", CreditAlphabet, first17)
	}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(creditValue[first17[i]]) * creditWeights[i]
	}
	return CreditAlphabet[(31-sum%31)%31], nil
}

// orgWeights are the GB 11714-1997 weights of the 8 body characters of an organisation code.
var orgWeights = [8]int{3, 7, 9, 10, 5, 8, 4, 2}

// OrgCodeCheck returns the GB 11714-1997 check character of the 8 body characters of an
// organisation code (digits and capital letters, A=10 … Z=35): c = 11 − (Σ value×weight mod 11),
// 10 written X and 11 written 0. It returns errs.Invalid if first8 is not 8 such characters.
func OrgCodeCheck(first8 string) (byte, error) {
	if len(first8) != 8 {
		return 0, errs.E(errs.Invalid, "idcode.error.org_check_length", first8)
	}
	sum := 0
	for i := 0; i < 8; i++ {
		c := first8[i]
		var v int
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case c >= 'A' && c <= 'Z':
			v = int(c-'A') + 10
		default:
			return 0, errs.E(errs.Invalid, "idcode.error.org_bad_char", i+1, charAt(first8, i))
		}
		sum += v * orgWeights[i]
	}
	switch c := 11 - sum%11; c {
	case 10:
		return 'X', nil
	case 11:
		return '0', nil
	default:
		return byte('0' + c), nil
	}
}

// NewCreditCode returns a synthetic but valid unified social credit code for tests and demo
// data: registration authority and category (characters of CreditAlphabet, e.g. '9', '1' for an
// enterprise), region (6 digits of a province-level region, or 100000), and the organisation code
// — either its 8 body characters, whose GB 11714 check character is then appended, or all 9
// characters, used as given. The GB 32100 check character ends the code.
// It panics if a part is malformed or uses a character outside CreditAlphabet.
func NewCreditCode(authority, category byte, region string, orgCode string) string {
	if creditValue[authority] < 0 || creditValue[category] < 0 {
		panic(fmt.Sprintf("idcode.NewCreditCode: authority %q or category %q not in %s", authority, category, CreditAlphabet))
	}
	if len(region) != 6 || validateCreditRegion(region) != nil {
		panic(fmt.Sprintf("idcode.NewCreditCode: bad region %q", region))
	}
	switch len(orgCode) {
	case 8:
		c, err := OrgCodeCheck(orgCode)
		if err != nil {
			panic(fmt.Sprintf("idcode.NewCreditCode: %v", err))
		}
		orgCode += string(c)
	case 9:
	default:
		panic(fmt.Sprintf("idcode.NewCreditCode: organisation code %q must have 8 or 9 characters", orgCode))
	}
	first17 := string([]byte{authority, category}) + region + orgCode
	c, err := CreditCodeCheck(first17)
	if err != nil {
		panic(fmt.Sprintf("idcode.NewCreditCode: %v", err))
	}
	return first17 + string(c)
}
