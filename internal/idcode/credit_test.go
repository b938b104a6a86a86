package idcode

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The two credit codes inside the domain reference's real e-licence identifier
// 1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F: the licence type's
// defining body (registered at national level) and the issuer (registered in Jilin).
const (
	realNationalBody = "11100000000013338W"
	realJilinIssuer  = "11220000013544541J"
)

func TestValidateCreditCode(t *testing.T) {
	for _, tc := range []struct {
		in, key, want string // the error's message key and English text, "" for valid
	}{
		{realNationalBody, "", ""},
		{realJilinIssuer, "", ""},
		{"91350100123456788Q", "", ""}, // synthetic enterprise in Fuzhou, check worked out by hand
		{"92350203MA2Y0K3B51", "", ""}, // synthetic individual business in Xiamen Siming
		{"Y1350128000000001H", "", ""}, // "other" authority, Pingtan; 000000001 is not a valid GB 11714 code, which is not checked

		{"", "idcode.error.credit_length", "a unified social credit code has 18 characters, this one has 0"},
		{"11100000000013338", "idcode.error.credit_length", "a unified social credit code has 18 characters, this one has 17"},
		{"11100000000013338W0", "idcode.error.credit_length", "a unified social credit code has 18 characters, this one has 19"},
		{"91350100I23456788Q", "idcode.error.credit_unused_letter", `character 9 of the unified social credit code is "I", a letter these codes never use (I, O, Z, S, V); it is probably 1, 0, 2, 5 or U`},
		{"91350100123456788O", "idcode.error.credit_unused_letter", `character 18 of the unified social credit code is "O", a letter these codes never use (I, O, Z, S, V); it is probably 1, 0, 2, 5 or U`},
		{"11100000000013338w", "idcode.error.credit_small_letter", `character 18 of the unified social credit code is the small letter "w"; write capital letters`},
		{"9135010012345678８Q", "idcode.error.credit_bad_char", `character 17 of the unified social credit code is "８"; only digits and the capital letters A-Y except I, O, S, V are used`},
		{"91A50100123456788Q", "idcode.error.credit_region_not_digits", `characters 3-8 of the unified social credit code are "A50100"; they are a region code of 6 digits`},
		{"91990100123456788Q", "idcode.error.credit_province", `characters 3-8 of the unified social credit code are "990100", whose first two digits are not the code of any province-level region`},
		{"11100000000013338X", "idcode.error.credit_check_mismatch", `the check character "X" does not match the first 17 characters: one of the characters is mistyped`},
		{"11100000000031338W", "idcode.error.credit_check_mismatch", `the check character "W" does not match the first 17 characters: one of the characters is mistyped`},
	} {
		if key, got := message(t, ValidateCreditCode(tc.in)); key != tc.key || got != tc.want {
			t.Errorf("ValidateCreditCode(%q) = %s %q, want %s %q", tc.in, key, got, tc.key, tc.want)
		}
	}
}

func TestParseCreditCode(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want CreditInfo
	}{
		{realNationalBody, CreditInfo{Authority: '1', Category: '1', Region: "100000", OrgCode: "000013338"}},
		{realJilinIssuer, CreditInfo{Authority: '1', Category: '1', Region: "220000", OrgCode: "013544541"}},
		{"92350203MA2Y0K3B51", CreditInfo{Authority: '9', Category: '2', Region: "350203", OrgCode: "MA2Y0K3B5"}},
	} {
		got, err := ParseCreditCode(tc.in)
		if err != nil {
			t.Errorf("ParseCreditCode(%q): %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ParseCreditCode(%q) mismatch (-want +got):\n%s", tc.in, diff)
		}
		// The real codes' organisation codes satisfy GB 11714 too.
		if c, err := OrgCodeCheck(got.OrgCode[:8]); err != nil || c != got.OrgCode[8] {
			t.Errorf("OrgCodeCheck(%q) = %q, %v; want %q", got.OrgCode[:8], c, err, got.OrgCode[8])
		}
	}
}

func TestCreditCodeCheck(t *testing.T) {
	for _, tc := range []struct {
		first17 string
		want    byte
	}{
		{"00000000000000000", '0'}, // 31 − 0 = 31, written 0
		{"10000000000000000", 'Y'}, // 31 − 1 = 30
		{"Y0000000000000000", '1'}, // 31 − 30 = 1
		{"00000000000000001", '3'}, // weight 28: 31 − 28 = 3
		{realNationalBody[:17], 'W'},
		{realJilinIssuer[:17], 'J'},
	} {
		got, err := CreditCodeCheck(tc.first17)
		if err != nil || got != tc.want {
			t.Errorf("CreditCodeCheck(%q) = %q, %v; want %q", tc.first17, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "1110000000001333", "11100000000013338W", "1110000000001333I"} {
		if _, err := CreditCodeCheck(bad); err == nil {
			t.Errorf("CreditCodeCheck(%q) accepted it", bad)
		} else if key, _ := message(t, err); key != "idcode.error.credit_check_input" {
			t.Errorf("CreditCodeCheck(%q) refused it with %s, want idcode.error.credit_check_input", bad, key)
		}
	}
}

func TestOrgCodeCheck(t *testing.T) {
	for _, tc := range []struct {
		first8 string
		want   byte
	}{
		{"00001333", '8'},
		{"01354454", '1'},
		{"12345678", '8'},
		{"MA2Y0K3B", '5'},
		{"00000000", '0'}, // 11 − 0 = 11, written 0
		{"00000006", 'X'}, // 6 × 2 = 12 ≡ 1, 11 − 1 = 10, written X
	} {
		got, err := OrgCodeCheck(tc.first8)
		if err != nil || got != tc.want {
			t.Errorf("OrgCodeCheck(%q) = %q, %v; want %q", tc.first8, got, err, tc.want)
		}
	}
	for bad, want := range map[string]string{
		"":          "idcode.error.org_check_length",
		"0000133":   "idcode.error.org_check_length",
		"000013338": "idcode.error.org_check_length",
		"0000133a":  "idcode.error.org_bad_char",
		"0000-333":  "idcode.error.org_bad_char",
	} {
		if _, err := OrgCodeCheck(bad); err == nil {
			t.Errorf("OrgCodeCheck(%q) accepted it", bad)
		} else if key, _ := message(t, err); key != want {
			t.Errorf("OrgCodeCheck(%q) refused it with %s, want %s", bad, key, want)
		}
	}
}

func TestNewCreditCode(t *testing.T) {
	for _, tc := range []struct {
		authority, category byte
		region, org, want   string
	}{
		{'9', '1', "350100", "12345678", "91350100123456788Q"},
		{'1', '1', "100000", "000013338", realNationalBody},
		{'1', '1', "220000", "01354454", realJilinIssuer},
		{'9', '2', "350203", "MA2Y0K3B", "92350203MA2Y0K3B51"},
	} {
		got := NewCreditCode(tc.authority, tc.category, tc.region, tc.org)
		if got != tc.want {
			t.Errorf("NewCreditCode(%c, %c, %s, %s) = %s, want %s", tc.authority, tc.category, tc.region, tc.org, got, tc.want)
		}
		if err := ValidateCreditCode(got); err != nil {
			t.Errorf("NewCreditCode made %s, which does not validate: %v", got, err)
		}
	}
	for name, f := range map[string]func(){
		"authority I":    func() { NewCreditCode('I', '1', "350100", "12345678") },
		"category small": func() { NewCreditCode('9', 'a', "350100", "12345678") },
		"region 990100":  func() { NewCreditCode('9', '1', "990100", "12345678") },
		"short region":   func() { NewCreditCode('9', '1', "3501", "12345678") },
		"org 7 chars":    func() { NewCreditCode('9', '1', "350100", "1234567") },
		"org with O":     func() { NewCreditCode('9', '1', "350100", "1234567O") },
		"org 9 with S":   func() { NewCreditCode('9', '1', "350100", "12345678S") },
	} {
		if !panics(f) {
			t.Errorf("NewCreditCode with %s did not panic", name)
		}
	}
}

func TestAuthorityAndCategoryNames(t *testing.T) {
	type name struct {
		Name string
		OK   bool
	}
	got := map[string]name{}
	for _, lang := range []string{"zh-Hans", "zh-Hant", "en"} {
		n, ok := AuthorityName('9', lang)
		got["authority 9 "+lang] = name{n, ok}
		n, ok = CategoryName('9', '2', lang)
		got["category 92 "+lang] = name{n, ok}
	}
	n, ok := AuthorityName('0', "en")
	got["authority 0"] = name{n, ok}
	n, ok = CategoryName('9', '9', "en")
	got["category 99"] = name{n, ok}
	n, ok = CategoryName('5', '3', "fr")
	got["category 53 fr"] = name{n, ok}
	want := map[string]name{
		"authority 9 zh-Hans": {"市场监管（工商）", true},
		"authority 9 zh-Hant": {"市場監管（工商）", true},
		"authority 9 en":      {"market regulation", true},
		"category 92 zh-Hans": {"个体工商户", true},
		"category 92 zh-Hant": {"個體工商戶", true},
		"category 92 en":      {"individual business", true},
		"authority 0":         {"", false},
		"category 99":         {"", false},
		"category 53 fr":      {"基金会", true}, // unknown languages fall back to zh-Hans
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("names mismatch (-want +got):\n%s", diff)
	}
}
