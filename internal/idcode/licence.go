package idcode

import (
	"strings"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// E-licence identifiers (GB/T 36904-2018, as the provincial licence systems write them):
//
//	1.2.156.3005.2.<type code>.<issuer code>.<serial>.<version>.<check>
//
// The type code is 21 characters: the unified social credit code of the body that defines the
// licence type and 3 digits it numbers its types with. The issuer code is the issuing
// organisation's credit code. The serial is chosen by the issuer; the version is 3 digits, "001"
// for the first issue. The check character is ISO 7064 MOD 37,36 (hybrid) over type, issuer,
// serial and version written together without dots.

// LicenceIDPrefix is the object-identifier arc every e-licence identifier starts with.
const LicenceIDPrefix = "1.2.156.3005.2."

// Lengths of an identifier's parts.
const (
	LicenceTypeCodeLength = 21
	licenceVersionLength  = 3
	// MaxLicenceSerial bounds the serial: issuers use registration numbers of up to about 30
	// characters; an identifier must still fit a QR code and a database key comfortably.
	MaxLicenceSerial = 40
)

// licenceAlphabet holds the characters of the serial and check character, in the order of
// their values 0–35 in MOD 37,36.
const licenceAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// LicenceID is a parsed e-licence identifier.
type LicenceID struct {
	TypeCode   string // 21 characters: defining body's credit code + 3 digits
	IssuerCode string // the issuer's credit code
	Serial     string // 1–40 characters of 0-9 and A-Z, chosen by the issuer
	Version    string // 3 digits, "001" for the first issue
}

// String returns the identifier with its check character.
func (id LicenceID) String() string {
	body := id.TypeCode + id.IssuerCode + id.Serial + id.Version
	c, err := LicenceIDCheck(body)
	if err != nil {
		c = '?'
	}
	return LicenceIDPrefix + id.TypeCode + "." + id.IssuerCode + "." + id.Serial + "." + id.Version + "." + string(c)
}

// Validate checks each part of id: the type code's credit code and 3 digits, the issuer's
// credit code, the serial's characters and the version's digits. Errors are errs.Invalid with an
// idcode.error.licence_* message.
func (id LicenceID) Validate() error {
	if err := ValidateLicenceTypeCode(id.TypeCode); err != nil {
		return err
	}
	if err := ValidateCreditCode(id.IssuerCode); err != nil {
		return errs.E(errs.Invalid, "idcode.error.licence_issuer")
	}
	if n := len(id.Serial); n == 0 || n > MaxLicenceSerial || !inLicenceAlphabet(id.Serial) {
		return errs.E(errs.Invalid, "idcode.error.licence_serial", MaxLicenceSerial)
	}
	if len(id.Version) != licenceVersionLength || !isDigits(id.Version) || id.Version == "000" {
		return errs.E(errs.Invalid, "idcode.error.licence_version")
	}
	return nil
}

// ValidateLicenceTypeCode checks a licence type code: a valid credit code followed by 3 digits.
func ValidateLicenceTypeCode(s string) error {
	if n := utf8.RuneCountInString(s); n != LicenceTypeCodeLength {
		return errs.E(errs.Invalid, "idcode.error.licence_type_length", n)
	}
	if err := ValidateCreditCode(s[:CreditCodeLength]); err != nil || !isDigits(s[CreditCodeLength:]) {
		return errs.E(errs.Invalid, "idcode.error.licence_type")
	}
	return nil
}

// ParseLicenceID parses and checks an e-licence identifier: the prefix, five dot-separated
// parts, each part valid (LicenceID.Validate) and the check character right. Errors are
// errs.Invalid saying which rule s breaks.
func ParseLicenceID(s string) (LicenceID, error) {
	rest, ok := strings.CutPrefix(s, LicenceIDPrefix)
	if !ok {
		return LicenceID{}, errs.E(errs.Invalid, "idcode.error.licence_prefix", LicenceIDPrefix)
	}
	parts := strings.Split(rest, ".")
	if len(parts) != 5 {
		return LicenceID{}, errs.E(errs.Invalid, "idcode.error.licence_parts", len(parts))
	}
	id := LicenceID{TypeCode: parts[0], IssuerCode: parts[1], Serial: parts[2], Version: parts[3]}
	if err := id.Validate(); err != nil {
		return LicenceID{}, err
	}
	want, _ := LicenceIDCheck(id.TypeCode + id.IssuerCode + id.Serial + id.Version)
	if len(parts[4]) != 1 || parts[4][0] != want {
		return LicenceID{}, errs.E(errs.Invalid, "idcode.error.licence_check_mismatch")
	}
	return id, nil
}

// LicenceIDCheck returns the ISO 7064 MOD 37,36 hybrid check character of body (characters of
// 0-9 and A-Z valued 0–35): P starts at 36; for each character S = (P + value) mod 36, with 0
// taken as 36, and P = 2S mod 37; the check c makes (P + c) mod 36 = 1. It returns errs.Invalid
// if body is empty or holds another character.
func LicenceIDCheck(body string) (byte, error) {
	if body == "" || !inLicenceAlphabet(body) {
		return 0, errs.E(errs.Invalid, "idcode.error.licence_chars")
	}
	p := 36
	for i := 0; i < len(body); i++ {
		s := (p + licenceValue(body[i])) % 36
		if s == 0 {
			s = 36
		}
		p = 2 * s % 37
	}
	c := (1 - p%36 + 36) % 36
	return licenceAlphabet[c], nil
}

func licenceValue(b byte) int {
	if b <= '9' {
		return int(b - '0')
	}
	return int(b-'A') + 10
}

func inLicenceAlphabet(s string) bool {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if (b < '0' || b > '9') && (b < 'A' || b > 'Z') {
			return false
		}
	}
	return true
}
