package idcode

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/clock"
)

func TestValidateResidentID(t *testing.T) {
	for _, tc := range []struct {
		in, key, want string // the error's message key and English text, "" for valid
	}{
		// GB 11643-1999's own example (Beijing Chaoyang, born 1949-12-31, a woman).
		{"11010519491231002X", "", ""},
		// Synthetic numbers from NewResidentID, checked by hand against the weights.
		{"350102199003071234", "", ""},
		{"35012819851130024X", "", ""},
		{"35020320000229007X", "", ""}, // born on a leap day
		{"810000197206015017", "", ""}, // Hong Kong resident's residence permit
		{"830000198001010018", "", ""}, // Taiwan resident's residence permit

		{"", "idcode.error.resident_length", "a resident ID number has 18 characters, this one has 0"},
		{"35010219900307123", "idcode.error.resident_length", "a resident ID number has 18 characters, this one has 17"},
		{"3501021990030712345", "idcode.error.resident_length", "a resident ID number has 18 characters, this one has 19"},
		{"3501021990030７1234", "idcode.error.resident_not_digit", `character 14 of the resident ID number is "７"; the first 17 characters must be digits 0-9`},
		{"35010219900307A234", "idcode.error.resident_not_digit", `character 15 of the resident ID number is "A"; the first 17 characters must be digits 0-9`},
		{"35012819851130024x", "idcode.error.resident_small_x", "the last character of the resident ID number must be a digit or a capital X, not a small x"},
		{"35012819851130024Y", "idcode.error.resident_bad_last", `the last character of the resident ID number is "Y"; it must be a digit or X`},
		{"990102199003071234", "idcode.error.resident_province", `the resident ID number starts with "99", which is not the code of any province-level region`},
		{"350102199013071234", "idcode.error.birth_month", "the birth date 19901307 in the resident ID number has no month 13"},
		{"350102199000071234", "idcode.error.birth_month", "the birth date 19900007 in the resident ID number has no month 00"},
		{"350102199002301234", "idcode.error.birth_day", "the birth date 19900230 in the resident ID number does not exist: 1990-02 has no day 30"},
		{"350102190002291234", "idcode.error.birth_day", "the birth date 19000229 in the resident ID number does not exist: 1900-02 has no day 29"},
		{"350102199003001234", "idcode.error.birth_day", "the birth date 19900300 in the resident ID number does not exist: 1990-03 has no day 00"},
		// GB 11643-1999's other example was born in 1880; births before 1900 are refused by design.
		{"440524188001010014", "idcode.error.birth_before_1900", "the birth date 18800101 in the resident ID number is before 1900-01-01"},
		{"350102199003071235", "idcode.error.resident_check_mismatch", `the check character "5" does not match the first 17 digits: one of the characters is mistyped`},
		{"350102199003071243", "idcode.error.resident_check_mismatch", `the check character "3" does not match the first 17 digits: one of the characters is mistyped`},
	} {
		if key, got := message(t, ValidateResidentID(tc.in)); key != tc.key || got != tc.want {
			t.Errorf("ValidateResidentID(%q) = %s %q, want %s %q", tc.in, key, got, tc.key, tc.want)
		}
	}
}

func TestParseResidentID(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want ResidentInfo
	}{
		{"11010519491231002X", ResidentInfo{Region: "110105", Birth: time.Date(1949, 12, 31, 0, 0, 0, 0, clock.China), Sequence: 2, Sex: Female}},
		{"350102199003071234", ResidentInfo{Region: "350102", Birth: time.Date(1990, 3, 7, 0, 0, 0, 0, clock.China), Sequence: 123, Sex: Male}},
		{"35012819851130024X", ResidentInfo{Region: "350128", Birth: time.Date(1985, 11, 30, 0, 0, 0, 0, clock.China), Sequence: 24, Sex: Female}},
	} {
		got, err := ParseResidentID(tc.in)
		if err != nil {
			t.Errorf("ParseResidentID(%q): %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ParseResidentID(%q) mismatch (-want +got):\n%s", tc.in, diff)
		}
	}
	if _, err := ParseResidentID("350102199002301234"); err == nil {
		t.Error("ParseResidentID accepted 1990-02-30")
	} else if key, _ := message(t, err); key != "idcode.error.birth_day" {
		t.Errorf("ParseResidentID refused 1990-02-30 with %s, want idcode.error.birth_day", key)
	}
}

func TestResidentIDCheck(t *testing.T) {
	// Each weighted sum mod 11 from 0 to 10 must give its character of "10X98765432". The
	// prefixes are 16 zeros and one digit d at position p: sum = d × weight(p).
	for _, tc := range []struct {
		first17 string
		want    byte
	}{
		{"00000000000000000", '1'}, // sum 0
		{"00000001000000000", '0'}, // weight 1 → 1
		{"00000010000000000", 'X'}, // weight 2 → 2
		{"00000000010000000", '9'}, // weight 3 → 3
		{"00000100000000000", '8'}, // weight 4 → 4
		{"00010000000000000", '7'}, // weight 5 → 5
		{"00000000100000000", '6'}, // weight 6 → 6
		{"10000000000000000", '5'}, // weight 7 → 7
		{"00001000000000000", '4'}, // weight 8 → 8
		{"01000000000000000", '3'}, // weight 9 → 9
		{"00100000000000000", '2'}, // weight 10 → 10
		{"11010519491231002", 'X'},
	} {
		got, err := ResidentIDCheck(tc.first17)
		if err != nil || got != tc.want {
			t.Errorf("ResidentIDCheck(%q) = %q, %v; want %q", tc.first17, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "1101051949123100", "110105194912310021", "1101051949123100X"} {
		if _, err := ResidentIDCheck(bad); err == nil {
			t.Errorf("ResidentIDCheck(%q) accepted it", bad)
		} else if key, _ := message(t, err); key != "idcode.error.resident_check_input" {
			t.Errorf("ResidentIDCheck(%q) refused it with %s, want idcode.error.resident_check_input", bad, key)
		}
	}
}

func TestNewResidentID(t *testing.T) {
	for _, tc := range []struct {
		region string
		birth  time.Time
		seq    int
		want   string
	}{
		{"350102", time.Date(1990, 3, 7, 0, 0, 0, 0, time.UTC), 123, "350102199003071234"},
		{"350128", time.Date(1985, 11, 30, 23, 59, 0, 0, clock.China), 24, "35012819851130024X"},
		{"110105", time.Date(1949, 12, 31, 0, 0, 0, 0, time.UTC), 2, "11010519491231002X"},
		{"830000", time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), 1, "830000198001010018"},
	} {
		got := NewResidentID(tc.region, tc.birth, tc.seq)
		if got != tc.want {
			t.Errorf("NewResidentID(%s, %s, %d) = %s, want %s", tc.region, tc.birth.Format(time.DateOnly), tc.seq, got, tc.want)
		}
		info, err := ParseResidentID(got)
		if err != nil {
			t.Errorf("NewResidentID made %s, which does not validate: %v", got, err)
			continue
		}
		y, m, d := tc.birth.Date()
		want := ResidentInfo{Region: tc.region, Birth: time.Date(y, m, d, 0, 0, 0, 0, clock.China), Sequence: tc.seq, Sex: map[bool]Sex{true: Male, false: Female}[tc.seq%2 == 1]}
		if diff := cmp.Diff(want, info); diff != "" {
			t.Errorf("ParseResidentID(NewResidentID(…)) mismatch (-want +got):\n%s", diff)
		}
	}
	for name, f := range map[string]func(){
		"short region":   func() { NewResidentID("3501", time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), 1) },
		"unknown region": func() { NewResidentID("990000", time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), 1) },
		"before 1900":    func() { NewResidentID("350102", time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC), 1) },
		"seq 1000":       func() { NewResidentID("350102", time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), 1000) },
		"seq -1":         func() { NewResidentID("350102", time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), -1) },
	} {
		if !panics(f) {
			t.Errorf("NewResidentID with %s did not panic", name)
		}
	}
}

func panics(f func()) (did bool) {
	defer func() { did = recover() != nil }()
	f()
	return false
}
