package idcode

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestValidateRegionCode(t *testing.T) {
	for _, tc := range []struct {
		in, key, want string // the error's message key and English text, "" for valid
	}{
		{"350000", "", ""},
		{"350100", "", ""},
		{"350128", "", ""},
		{"350203", "", ""},
		{"350182", "", ""}, // Changle city, abolished in 2017: the form is still right
		{"110105", "", ""},
		{"429004", "", ""}, // Xiantao, a county-level city under Hubei directly
		{"469001", "", ""},
		{"810000", "", ""},
		{"710000", "", ""},

		{"", "idcode.error.region_length", "a region code has 6 digits, this one has 0 characters"},
		{"35010", "idcode.error.region_length", "a region code has 6 digits, this one has 5 characters"},
		{"3501000", "idcode.error.region_length", "a region code has 6 digits, this one has 7 characters"},
		{"35010a", "idcode.error.region_not_digit", `character 6 of the region code is "a"; a region code has only digits`},
		{"３５０１００", "idcode.error.region_not_digit", `character 1 of the region code is "３"; a region code has only digits`},
		{"990000", "idcode.error.region_province", "region code 990000 starts with 99, which is not the code of any province-level region"},
		{"000000", "idcode.error.region_province", "region code 000000 starts with 00, which is not the code of any province-level region"},
		{"830000", "idcode.error.region_province", "region code 830000 starts with 83, which is not the code of any province-level region"},
		{"350028", "idcode.error.region_county_without_city", "region code 350028: digits 3-4 are 00, so digits 5-6 must be 00 too"},
		{"357100", "idcode.error.region_city", "region code 357100: digits 3-4 are 71, but only 01-70 (prefecture level) and 90 (county level under the province) are used"},
		{"359900", "idcode.error.region_city", "region code 359900: digits 3-4 are 99, but only 01-70 (prefecture level) and 90 (county level under the province) are used"},
		{"810100", "idcode.error.region_no_subdivisions", "region code 810100: 810000 has no subdivisions in GB/T 2260"},
	} {
		if key, got := message(t, ValidateRegionCode(tc.in)); key != tc.key || got != tc.want {
			t.Errorf("ValidateRegionCode(%q) = %s %q, want %s %q", tc.in, key, got, tc.key, tc.want)
		}
	}
}

func TestRegionTable(t *testing.T) {
	seen := map[string]bool{}
	nProvinces := 0
	for i, r := range regionTable {
		if i > 0 && regionTable[i-1].Code >= r.Code {
			t.Errorf("regionTable not in code order at %s", r.Code)
		}
		if seen[r.Code] {
			t.Errorf("region %s listed twice", r.Code)
		}
		seen[r.Code] = true
		if err := ValidateRegionCode(r.Code); err != nil {
			t.Errorf("region %s in the table does not validate: %v", r.Code, err)
		}
		if r.NameHans == "" || r.NameHant == "" || r.NameEn == "" {
			t.Errorf("region %s lacks a name: %+v", r.Code, r)
		}
		var parent string
		switch r.Level {
		case Province:
			nProvinces++
			if r.Code[2:] != "0000" {
				t.Errorf("province %s does not end in 0000", r.Code)
			}
		case Prefecture:
			parent = r.Code[:2] + "0000"
			if r.Code[4:] != "00" || r.Code[2:4] == "00" {
				t.Errorf("prefecture %s is not of the form XXYY00", r.Code)
			}
		case County:
			parent = r.Code[:4] + "00"
			if r.Code[4:] == "00" {
				t.Errorf("county %s ends in 00", r.Code)
			}
		default:
			t.Errorf("region %s has level %q", r.Code, r.Level)
		}
		if r.Parent != parent {
			t.Errorf("region %s has parent %q, want %q", r.Code, r.Parent, parent)
		}
		if parent != "" && !seen[parent] {
			t.Errorf("region %s listed before (or without) its parent %s", r.Code, parent)
		}
	}
	if nProvinces != 34 {
		t.Errorf("%d province-level regions, want 34", nProvinces)
	}
}

func codes(rs []Region) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Code)
	}
	return out
}

func TestSubRegions(t *testing.T) {
	for _, tc := range []struct {
		code string
		want []string
	}{
		{"350000", []string{"350100", "350200", "350300", "350400", "350500", "350600", "350700", "350800", "350900"}},
		// Fuzhou: six districts, six counties (Pingtan among them) and Fuqing city.
		{"350100", []string{"350102", "350103", "350104", "350105", "350111", "350112", "350121", "350122", "350123", "350124", "350125", "350128", "350181"}},
		{"350200", []string{"350203", "350205", "350206", "350211", "350212", "350213"}},
		{"350400", []string{"350404", "350405", "350421", "350423", "350424", "350425", "350426", "350428", "350429", "350430", "350481"}},
		{"110000", nil},
		{"350128", nil},
	} {
		if diff := cmp.Diff(tc.want, codes(SubRegions(tc.code))); diff != "" {
			t.Errorf("SubRegions(%s) mismatch (-want +got):\n%s", tc.code, diff)
		}
	}
}

func TestRegionName(t *testing.T) {
	type result struct {
		Name string
		OK   bool
	}
	got := map[string]result{}
	for _, code := range []string{"350000", "350100", "350128", "350200", "350800", "810000", "999999", "350182"} {
		for _, lang := range []string{"zh-Hans", "zh-Hant", "en", ""} {
			n, ok := RegionName(code, lang)
			got[code+" "+lang] = result{n, ok}
		}
	}
	want := map[string]result{
		"350000 zh-Hans": {"福建省", true}, "350000 zh-Hant": {"福建省", true}, "350000 en": {"Fujian", true}, "350000 ": {"福建省", true},
		"350100 zh-Hans": {"福州市", true}, "350100 zh-Hant": {"福州市", true}, "350100 en": {"Fuzhou", true}, "350100 ": {"福州市", true},
		"350128 zh-Hans": {"平潭县", true}, "350128 zh-Hant": {"平潭縣", true}, "350128 en": {"Pingtan County", true}, "350128 ": {"平潭县", true},
		"350200 zh-Hans": {"厦门市", true}, "350200 zh-Hant": {"廈門市", true}, "350200 en": {"Xiamen", true}, "350200 ": {"厦门市", true},
		"350800 zh-Hans": {"龙岩市", true}, "350800 zh-Hant": {"龍巖市", true}, "350800 en": {"Longyan", true}, "350800 ": {"龙岩市", true},
		"810000 zh-Hans": {"香港特别行政区", true}, "810000 zh-Hant": {"香港特別行政區", true}, "810000 en": {"Hong Kong Special Administrative Region", true}, "810000 ": {"香港特别行政区", true},
		"999999 zh-Hans": {"", false}, "999999 zh-Hant": {"", false}, "999999 en": {"", false}, "999999 ": {"", false},
		// Abolished codes are valid in form but have no name here.
		"350182 zh-Hans": {"", false}, "350182 zh-Hant": {"", false}, "350182 en": {"", false}, "350182 ": {"", false},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RegionName mismatch (-want +got):\n%s", diff)
	}
	r, ok := LookupRegion("350203")
	if diff := cmp.Diff(Region{Code: "350203", Level: County, Parent: "350200", NameHans: "思明区", NameHant: "思明區", NameEn: "Siming District"}, r); !ok || diff != "" {
		t.Errorf("LookupRegion(350203) = _, %v; mismatch (-want +got):\n%s", ok, diff)
	}
}
