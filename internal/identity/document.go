package identity

import (
	"errors"
	"regexp"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
)

// DocumentType is the kind of identity document a resident registers with.
type DocumentType string

// The identity documents residents register with.
const (
	// ResidentID is the resident identity card (GB 11643), also the residence permits of Hong
	// Kong, Macao and Taiwan residents, whose numbers follow the same rule (810000, 820000, 830000).
	ResidentID DocumentType = "resident_id"
	// HKMacaoPermit is the Mainland Travel Permit for Hong Kong and Macao Residents.
	HKMacaoPermit DocumentType = "hk_macao_permit"
	// TaiwanPermit is the Mainland Travel Permit for Taiwan Residents.
	TaiwanPermit DocumentType = "taiwan_permit"
	// ForeignPermanentResident is the Foreign Permanent Resident ID Card (2023 and 2017 formats).
	ForeignPermanentResident DocumentType = "foreign_permanent_resident"
	// Passport is a foreign passport, identified with its issuing country.
	Passport DocumentType = "passport"
)

// DocumentTypes lists the document types in display order.
var DocumentTypes = []DocumentType{ResidentID, HKMacaoPermit, TaiwanPermit, ForeignPermanentResident, Passport}

var (
	hkMacaoPermitRE = regexp.MustCompile(`^[HM][0-9]{8}([0-9]{2})?$`)
	taiwanPermitRE  = regexp.MustCompile(`^[0-9]{8}$`)
	// The 2017 card: three letters of the nationality and twelve digits.
	foreignOldRE = regexp.MustCompile(`^[A-Z]{3}[0-9]{12}$`)
	// The 2023 card: 9, two digits of the issuing province, three of the nationality, birth date,
	// a sequence and a MOD 11-2 check character like a resident ID number.
	foreignNewRE = regexp.MustCompile(`^9[0-9]{16}[0-9X]$`)
	passportRE   = regexp.MustCompile(`^[A-Z]{3}:[A-Z0-9]{5,17}$`)
)

// ValidateDocument normalises and checks a document number of type t; a passport number is
// written with its issuing country's ISO 3166 alpha-3 code, "GBR:123456789". The errors name the
// field "id_number".
func ValidateDocument(t DocumentType, number string) (string, error) {
	n := idcode.Normalize(number)
	var ok bool
	switch t {
	case ResidentID:
		if err := idcode.ValidateResidentID(n); err != nil {
			var e *errs.Error
			if errors.As(err, &e) {
				e.Field = "id_number"
			}
			return "", err
		}
		return n, nil
	case HKMacaoPermit:
		ok = hkMacaoPermitRE.MatchString(n)
	case TaiwanPermit:
		ok = taiwanPermitRE.MatchString(n)
	case ForeignPermanentResident:
		switch {
		case foreignOldRE.MatchString(n):
			ok = true
		case foreignNewRE.MatchString(n):
			c, err := idcode.ResidentIDCheck(n[:17])
			ok = err == nil && c == n[17]
		}
	case Passport:
		ok = passportRE.MatchString(n)
	default:
		return "", errs.Field("id_type", "identity.error.document_type")
	}
	if !ok {
		return "", errs.Field("id_number", "identity.error.document_number."+string(t))
	}
	return n, nil
}
