package idcode

import (
	"strings"
	"testing"
	"time"
)

// fuzzRegions are the region codes the generator properties draw from.
var fuzzRegions = func() []string {
	out := []string{"830000"} // residence permits of Taiwan residents
	for _, r := range regionTable {
		out = append(out, r.Code)
	}
	return out
}()

// FuzzValidateResidentID checks that validation never panics, that anything it accepts carries
// the check character ResidentIDCheck computes and parses back to itself, and that every number
// NewResidentID makes validates and parses to the parts it was made from.
func FuzzValidateResidentID(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "350102199003071234", "35012819851130024x", "440524188001010014", "35010219900230123X", "", "３５０１０２１９９０"} {
		f.Add(s, uint16(0), int32(0), uint16(0))
	}
	f.Add("", uint16(13), int32(-25567), uint16(999)) // born 1900-01-01
	f.Add("", uint16(7), int32(2932896), uint16(1))   // born 9999-12-31
	f.Fuzz(func(t *testing.T, s string, regionIdx uint16, days int32, seq uint16) {
		if info, err := ParseResidentID(s); err == nil {
			c, err := ResidentIDCheck(s[:17])
			if err != nil || c != s[17] {
				t.Fatalf("%q accepted, but ResidentIDCheck gives %q, %v", s, c, err)
			}
			if again := NewResidentID(info.Region, info.Birth, info.Sequence); again != s {
				t.Fatalf("%q accepted, but its parts make %q", s, again)
			}
		} else if key, _ := message(t, err); key == "" {
			t.Fatalf("%q refused with an empty message", s)
		}

		// Generator: any region of the table, any birth date 1900-01-01 … 9999-12-31, any sequence.
		region := fuzzRegions[int(regionIdx)%len(fuzzRegions)]
		first, last := int64(-25567), int64(2932896) // days from 1970-01-01 to 1900-01-01 and 9999-12-31
		d := first + (int64(days)-first)%(last-first+1)
		if d < first {
			d += last - first + 1
		}
		birth := time.Unix(d*86400, 0).UTC()
		id := NewResidentID(region, birth, int(seq%1000))
		info, err := ParseResidentID(id)
		if err != nil {
			t.Fatalf("NewResidentID(%s, %s, %d) = %s, which does not validate: %v", region, birth.Format(time.DateOnly), seq%1000, id, err)
		}
		if info.Region != region || info.Birth.Format(time.DateOnly) != birth.Format(time.DateOnly) || info.Sequence != int(seq%1000) {
			t.Fatalf("NewResidentID(%s, %s, %d) = %s parses to %+v", region, birth.Format(time.DateOnly), seq%1000, id, info)
		}
	})
}

// FuzzValidateCreditCode checks that validation never panics, that anything it accepts carries
// the check character CreditCodeCheck computes, and that every code NewCreditCode makes validates.
func FuzzValidateCreditCode(f *testing.F) {
	for _, s := range []string{realNationalBody, realJilinIssuer, "91350100123456788Q", "91350100I23456788Q", "11100000000013338w", "", "９１"} {
		f.Add(s, uint16(0), byte(0), byte(0), []byte("12345678"))
	}
	f.Add("", uint16(3), byte(9), byte(1), []byte("MA2Y0K3B5"))
	f.Fuzz(func(t *testing.T, s string, regionIdx uint16, authority, category byte, org []byte) {
		if info, err := ParseCreditCode(s); err == nil {
			c, err := CreditCodeCheck(s[:17])
			if err != nil || c != s[17] {
				t.Fatalf("%q accepted, but CreditCodeCheck gives %q, %v", s, c, err)
			}
			if again := string([]byte{info.Authority, info.Category}) + info.Region + info.OrgCode + string(c); again != s {
				t.Fatalf("%q accepted, but its parts make %q", s, again)
			}
		} else if key, _ := message(t, err); key == "" {
			t.Fatalf("%q refused with an empty message", s)
		}

		// Generator: parts mapped into CreditAlphabet; an 8-character organisation code gets its
		// GB 11714 check character, which may only be a digit or X.
		pick := func(b byte) byte { return CreditAlphabet[int(b)%len(CreditAlphabet)] }
		region := nationalRegion
		if i := int(regionIdx) % (len(regionTable) + 1); i < len(regionTable) {
			region = regionTable[i].Code
		}
		var body strings.Builder
		for i := 0; i < 8; i++ {
			var b byte
			if i < len(org) {
				b = org[i]
			}
			body.WriteByte(pick(b))
		}
		if len(org) > 8 { // sometimes give all 9 characters, in which case they are used as given
			body.WriteByte(pick(org[8]))
		}
		code := NewCreditCode(pick(authority), pick(category), region, body.String())
		if err := ValidateCreditCode(code); err != nil {
			t.Fatalf("NewCreditCode made %s, which does not validate: %v", code, err)
		}
	})
}

// FuzzValidateRegionCode checks that validation never panics, that every accepted code is 6
// digits of a known province, and that every table entry validates.
func FuzzValidateRegionCode(f *testing.F) {
	for _, s := range []string{"350000", "350128", "429004", "810100", "350028", "357100", "", "３５０１００", "35010a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidateRegionCode(s)
		if err != nil {
			if key, _ := message(t, err); key == "" {
				t.Fatalf("%q refused with an empty message", s)
			}
			if _, ok := LookupRegion(s); ok {
				t.Fatalf("%q is in the table but does not validate: %v", s, err)
			}
			return
		}
		if len(s) != 6 || !isDigits(s) {
			t.Fatalf("%q accepted, but it is not 6 digits", s)
		}
		if _, ok := provinces[s[:2]]; !ok {
			t.Fatalf("%q accepted, but %s is no province", s, s[:2])
		}
		if s[2:4] == "00" && s[4:] != "00" {
			t.Fatalf("%q accepted with city part 00 and county part %s", s, s[4:])
		}
	})
}
