package idcode

import (
	"strings"
	"testing"
)

// realLicenceID is a licence identifier issued by a provincial licence system (domain reference).
const realLicenceID = "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F"

func TestLicenceIDCheck(t *testing.T) {
	for _, tc := range []struct {
		body string
		want byte
	}{
		{"11100000000013338W032" + "11220000013544541J" + "2430599" + "001", 'F'},
		// Each one-character change of the body changes the check character.
		{"11100000000013338W032" + "11220000013544541J" + "2430598" + "001", 0},
		{"11100000000013338W032" + "11220000013544541J" + "2430599" + "002", 0},
	} {
		got, err := LicenceIDCheck(tc.body)
		if err != nil {
			t.Fatalf("%s: %v", tc.body, err)
		}
		if tc.want != 0 && got != tc.want {
			t.Errorf("check of %s = %c, want %c", tc.body, got, tc.want)
		}
		if tc.want == 0 && got == 'F' {
			t.Errorf("check of the changed body %s is still F", tc.body)
		}
	}
	for _, bad := range []string{"", "abc", "12.3", "１２"} {
		if _, err := LicenceIDCheck(bad); err == nil {
			t.Errorf("LicenceIDCheck(%q) accepted", bad)
		}
	}
}

// independentCheck computes MOD 37,36 the long way, as the standard describes it, to test
// LicenceIDCheck against something written separately.
func independentCheck(body string) byte {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	product := 36
	for _, r := range body {
		sum := (product + strings.IndexRune(alphabet, r)) % 36
		if sum == 0 {
			sum = 36
		}
		product = (sum * 2) % 37
	}
	for c := 0; c < 36; c++ {
		if (product+c)%36 == 1 {
			return alphabet[c]
		}
	}
	return '?'
}

func TestParseLicenceID(t *testing.T) {
	typeCode := realNationalBody + "032"
	good := LicenceID{TypeCode: typeCode, IssuerCode: realJilinIssuer, Serial: "2430599", Version: "001"}
	if got := good.String(); got != realLicenceID {
		t.Fatalf("String() = %s, want %s", got, realLicenceID)
	}
	for _, tc := range []struct {
		name, id, key string
	}{
		{"the real example", realLicenceID, ""},
		{"another serial", LicenceID{TypeCode: typeCode, IssuerCode: realJilinIssuer, Serial: "FZ2026000042", Version: "002"}.String(), ""},
		{"no prefix", strings.TrimPrefix(realLicenceID, "1.2.156.3005.2."), "idcode.error.licence_prefix"},
		{"missing part", "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.F", "idcode.error.licence_parts"},
		{"short type code", "1.2.156.3005.2.11100000000013338W03.11220000013544541J.2430599.001.F", "idcode.error.licence_type_length"},
		{"type code letters", "1.2.156.3005.2.11100000000013338WABC.11220000013544541J.2430599.001.F", "idcode.error.licence_type"},
		{"bad issuer", "1.2.156.3005.2.11100000000013338W032.11220000013544541K.2430599.001.F", "idcode.error.licence_issuer"},
		{"small-letter serial", "1.2.156.3005.2.11100000000013338W032.11220000013544541J.fz0599.001.F", "idcode.error.licence_serial"},
		{"empty serial", "1.2.156.3005.2.11100000000013338W032.11220000013544541J..001.F", "idcode.error.licence_serial"},
		{"long serial", "1.2.156.3005.2.11100000000013338W032.11220000013544541J." + strings.Repeat("9", 41) + ".001.F", "idcode.error.licence_serial"},
		{"version 000", "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.000.F", "idcode.error.licence_version"},
		{"version of 2", "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.01.F", "idcode.error.licence_version"},
		{"wrong check", strings.TrimSuffix(realLicenceID, "F") + "G", "idcode.error.licence_check_mismatch"},
		{"two check characters", realLicenceID + "F", "idcode.error.licence_check_mismatch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, err := ParseLicenceID(tc.id)
			if tc.key == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if id.String() != tc.id {
					t.Errorf("parts make %s", id.String())
				}
				return
			}
			if key, _ := message(t, err); key != tc.key {
				t.Errorf("err = %v, want %s", err, tc.key)
			}
		})
	}
}

func FuzzParseLicenceID(f *testing.F) {
	for _, s := range []string{realLicenceID, "1.2.156.3005.2....", "1.2.156.3005.2.x.y.z.001.0", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseLicenceID(s)
		if err != nil {
			if key, _ := message(t, err); key == "" {
				t.Fatalf("%q refused with an empty message", s)
			}
			return
		}
		if id.String() != s {
			t.Fatalf("%q accepted, but its parts make %q", s, id.String())
		}
		body := id.TypeCode + id.IssuerCode + id.Serial + id.Version
		if c := independentCheck(body); s[len(s)-1] != c {
			t.Fatalf("%q accepted, but the check written separately is %c", s, c)
		}
	})
}
