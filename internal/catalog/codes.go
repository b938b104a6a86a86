package catalog

import (
	"fmt"
	"hash/fnv"
	"regexp"

	"github.com/yiwang-platform/yiwang/internal/idcode"
)

// OrgCreditCode returns the unified social credit code that prefixes the implementation codes of
// organisation orgCode's items. The directory of organisations keeps no credit codes, so it is
// derived: authority 1 (organisation staffing) and category 1 (a state organ), the province's
// region code, and an organisation code made from a hash of orgCode, with the GB 11714 and
// GB 32100 check characters — stable, valid, and different for each organisation.
func OrgCreditCode(orgCode string) string {
	h := fnv.New32a()
	h.Write([]byte(orgCode))
	return idcode.NewCreditCode('1', '1', "350000", fmt.Sprintf("%08d", h.Sum32()%100_000_000))
}

var (
	itemCodeRE     = regexp.MustCompile(`^[0-9A-Z]{19,36}$`)
	basicCodeRE    = regexp.MustCompile(`^[0-9A-Z]{4,30}$`)
	handlingCodeRE = regexp.MustCompile(`^[0-9A-Z]{20,48}$`)
	bundleCodeRE   = regexp.MustCompile(`^[A-Z][0-9A-Z-]{2,35}$`)
	materialCodeRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)
	licenceTypeRE  = regexp.MustCompile(`^[0-9A-Z]{4,40}$`)
)

// ValidItemCode reports whether code has the form of an implementation code (at most 36 capital
// letters and digits, longer than a credit code); it does not check whose it is.
func ValidItemCode(code string) bool { return itemCodeRE.MatchString(code) }

// ValidBundleCode reports whether code has the form of a bundle's code.
func ValidBundleCode(code string) bool { return bundleCodeRE.MatchString(code) }
