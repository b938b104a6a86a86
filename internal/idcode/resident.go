package idcode

import (
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
)

// ResidentIDLength is the number of characters of a resident ID number (GB 11643-1999).
const ResidentIDLength = 18

// residentWeights are the ISO 7064 MOD 11-2 weights 2^(18-i) mod 11 of the first 17 digits.
var residentWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// residentChecks maps (weighted sum mod 11) to the check character.
const residentChecks = "10X98765432"

// earliestBirth is the earliest birth date accepted in a resident ID number.
var earliestBirth = time.Date(1900, 1, 1, 0, 0, 0, 0, clock.China)

// Sex is the sex a resident ID number records: its 17th digit is odd for men, even for women.
type Sex string

// The sexes of GB 11643.
const (
	Male   Sex = "male"
	Female Sex = "female"
)

// ResidentInfo is what a resident ID number says about its holder.
type ResidentInfo struct {
	// Region is the GB/T 2260 code of the place where the number was first issued. It stays with
	// the person for life, so it may name a region that has since been renamed or abolished.
	Region string
	// Birth is the date of birth at midnight China time.
	Birth time.Time
	// Sequence is the 3-digit sequence number (digits 15–17).
	Sequence int
	// Sex follows from the parity of the sequence number.
	Sex Sex
}

// ValidateResidentID checks that s is a well-formed 18-character resident ID number: 17 digits and
// a check digit or capital X, a region code whose province part exists (residence permits of Hong
// Kong, Macao and Taiwan residents, 810000, 820000 and 830000, included), a real calendar date of
// birth on or after 1900-01-01, and the ISO 7064 MOD 11-2 check character. It does not compare the
// birth date with today: callers that know the time compare ParseResidentID's Birth themselves.
// Every failure is an errs.Invalid error saying which rule the number breaks.
func ValidateResidentID(s string) error {
	_, err := ParseResidentID(s)
	return err
}

// ParseResidentID validates s as ValidateResidentID does and returns what the number records.
func ParseResidentID(s string) (ResidentInfo, error) {
	if n := utf8.RuneCountInString(s); n != ResidentIDLength {
		return ResidentInfo{}, errs.E(errs.Invalid, "idcode.error.resident_length", n)
	}
	if i := firstNonDigit(s[:17]); i >= 0 {
		return ResidentInfo{}, errs.E(errs.Invalid, "idcode.error.resident_not_digit", position(s, i), charAt(s, i))
	}
	if c := s[17]; !(c >= '0' && c <= '9') && c != 'X' {
		if c == 'x' {
			return ResidentInfo{}, errs.E(errs.Invalid, "idcode.error.resident_small_x")
		}
		return ResidentInfo{}, errs.E(errs.Invalid, "idcode.error.resident_bad_last", charAt(s, 17))
	}
	region := s[:6]
	if err := validateResidentRegion(region); err != nil {
		return ResidentInfo{}, err
	}
	birth, err := parseBirth(s[6:14])
	if err != nil {
		return ResidentInfo{}, err
	}
	want, _ := ResidentIDCheck(s[:17])
	if s[17] != want {
		return ResidentInfo{}, errs.E(errs.Invalid, "idcode.error.resident_check_mismatch", string(s[17]))
	}
	seq := int(s[14]-'0')*100 + int(s[15]-'0')*10 + int(s[16]-'0')
	sex := Female
	if seq%2 == 1 {
		sex = Male
	}
	return ResidentInfo{Region: region, Birth: birth, Sequence: seq, Sex: sex}, nil
}

// validateResidentRegion checks the region part of a resident ID number. Only the province part
// is checked: numbers keep the code of the place of first issue for life, and many of those codes
// have since been abolished, so a table of today's codes would reject real people.
func validateResidentRegion(region string) error {
	p := region[:2]
	if _, ok := provinces[p]; !ok && p != residencePermitTaiwan {
		return errs.E(errs.Invalid, "idcode.error.resident_province", p)
	}
	return nil
}

// residencePermitTaiwan is the province part of residence permits of Taiwan residents, which are
// numbered like resident IDs with region 830000 although GB/T 2260 codes Taiwan as 71.
const residencePermitTaiwan = "83"

// parseBirth parses the YYYYMMDD birth date of a resident ID number.
func parseBirth(ymd string) (time.Time, error) {
	y := atoi(ymd[:4])
	m := atoi(ymd[4:6])
	d := atoi(ymd[6:8])
	if m < 1 || m > 12 {
		return time.Time{}, errs.E(errs.Invalid, "idcode.error.birth_month", ymd, m)
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, clock.China)
	if d < 1 || t.Day() != d {
		return time.Time{}, errs.E(errs.Invalid, "idcode.error.birth_day", ymd, y, m, d)
	}
	if t.Before(earliestBirth) {
		return time.Time{}, errs.E(errs.Invalid, "idcode.error.birth_before_1900", ymd)
	}
	return t, nil
}

// atoi converts a string of ASCII digits that the caller has checked.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// ResidentIDCheck returns the ISO 7064 MOD 11-2 check character ('0'–'9' or 'X') of the first 17
// digits of a resident ID number. It checks only that first17 is 17 digits (errs.Invalid
// otherwise), not that they make a valid number.
func ResidentIDCheck(first17 string) (byte, error) {
	if len(first17) != 17 || !isDigits(first17) {
		return 0, errs.E(errs.Invalid, "idcode.error.resident_check_input", first17)
	}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(first17[i]-'0') * residentWeights[i]
	}
	return residentChecks[sum%11], nil
}

// NewResidentID returns a synthetic but valid resident ID number for tests and demo data: region
// (6 digits), the calendar date of birth as birth states it in its own location, and sequence
// number seq (0–999; odd for a man, even for a woman), followed by the check character.
// It panics if region is not 6 digits of a province-level region, the birth date is before
// 1900-01-01 or after 9999-12-31, or seq is out of range.
func NewResidentID(region string, birth time.Time, seq int) string {
	if len(region) != 6 || !isDigits(region) || validateResidentRegion(region) != nil {
		panic(fmt.Sprintf("idcode.NewResidentID: bad region %q", region))
	}
	y, m, d := birth.Date()
	if y < 1900 || y > 9999 {
		panic(fmt.Sprintf("idcode.NewResidentID: birth year %d out of range", y))
	}
	if seq < 0 || seq > 999 {
		panic(fmt.Sprintf("idcode.NewResidentID: sequence %d out of range 0-999", seq))
	}
	first17 := fmt.Sprintf("%s%04d%02d%02d%03d", region, y, int(m), d, seq)
	c, err := ResidentIDCheck(first17)
	if err != nil {
		panic(err) // unreachable: first17 is 17 digits by construction
	}
	return first17 + string(c)
}
