package idcode

import (
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// RegionLevel is the administrative level a region code stands for.
type RegionLevel string

// The levels of GB/T 2260 codes.
const (
	Province   RegionLevel = "province"   // XX0000: province, autonomous region, municipality, SAR
	Prefecture RegionLevel = "prefecture" // XXYY00: prefecture-level city, prefecture, league
	County     RegionLevel = "county"     // XXYYZZ: district, county, county-level city
)

// Region is one entry of the region table.
type Region struct {
	Code     string      `json:"code"`
	Level    RegionLevel `json:"level"`
	Parent   string      `json:"parent,omitempty"` // "" for provinces
	NameHans string      `json:"name_hans"`
	NameHant string      `json:"name_hant"`
	NameEn   string      `json:"name_en"`
}

// Name returns the region's name in language tag lang (zh-Hans, zh-Hant or en; zh-Hans for any other).
func (r Region) Name(lang string) string {
	return names{r.NameHans, r.NameHant, r.NameEn}.in(lang)
}

// ValidateRegionCode checks that s has the form of a GB/T 2260 region code: 6 digits; the first
// two a province-level region's; the next two 00 (the province itself, and then the last two are
// 00 too), 01–70 (prefecture-level units) or 90 (county-level units under the province directly);
// Hong Kong, Macao and Taiwan only as 810000, 820000 and 710000. It does not require the code to
// be in the table of LookupRegion, which holds only Fujian below province level.
// Every failure is an errs.Invalid error saying which rule the code breaks.
func ValidateRegionCode(s string) error {
	if n := utf8.RuneCountInString(s); n != 6 {
		return errs.E(errs.Invalid, "idcode.error.region_length", n)
	}
	if i := firstNonDigit(s); i >= 0 {
		return errs.E(errs.Invalid, "idcode.error.region_not_digit", position(s, i), charAt(s, i))
	}
	p, city, county := s[:2], s[2:4], s[4:6]
	if _, ok := provinces[p]; !ok {
		return errs.E(errs.Invalid, "idcode.error.region_province", s, p)
	}
	switch p {
	case "71", "81", "82":
		if city != "00" || county != "00" {
			return errs.E(errs.Invalid, "idcode.error.region_no_subdivisions", s, p)
		}
		return nil
	}
	switch c := atoi(city); {
	case c == 0:
		if county != "00" {
			return errs.E(errs.Invalid, "idcode.error.region_county_without_city", s)
		}
	case c <= 70, c == 90:
	default:
		return errs.E(errs.Invalid, "idcode.error.region_city", s, city)
	}
	return nil
}

// LookupRegion returns the table entry of code: every province-level region, and Fujian's
// prefecture-level cities and county-level units.
func LookupRegion(code string) (Region, bool) {
	r, ok := regionByCode[code]
	return r, ok
}

// RegionName returns the name of code in language tag lang (zh-Hans, zh-Hant or en), and false
// if code is not in the table.
func RegionName(code, lang string) (string, bool) {
	r, ok := regionByCode[code]
	if !ok {
		return "", false
	}
	return r.Name(lang), true
}

// SubRegions returns the table entries directly under code, in code order: the prefectures of a
// province or the county-level units of a prefecture. Only Fujian has entries below province level.
func SubRegions(code string) []Region {
	var out []Region
	for _, r := range regionTable {
		if r.Parent == code {
			out = append(out, r)
		}
	}
	return out
}

// regionByCode indexes regionTable.
var regionByCode = func() map[string]Region {
	m := make(map[string]Region, len(regionTable))
	for _, r := range regionTable {
		m[r.Code] = r
	}
	return m
}()

// provinces maps the two-digit prefix of each of the 34 province-level regions to its entry.
var provinces = func() map[string]Region {
	m := make(map[string]Region, 34)
	for _, r := range regionTable {
		if r.Level == Province {
			m[r.Code[:2]] = r
		}
	}
	return m
}()
