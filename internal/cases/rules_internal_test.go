package cases

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

func TestCleanFileName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"申请书.pdf", "申请书.pdf"},
		{`C:\Users\张三\Desktop\申请书.pdf`, "申请书.pdf"},
		{"../../etc/passwd", "passwd"},
		{"a\x00b\u2028c.pdf", "abc.pdf"},
		{"  spaced.pdf  ", "spaced.pdf"},
		{"..", ""},
		{"", ""},
		{strings.Repeat("长", 300) + ".pdf", strings.Repeat("长", maxFileName-4) + ".pdf"},
		{"bad\xffutf8.pdf", "badutf8.pdf"},
	}
	for _, tc := range tests {
		if got := cleanFileName(tc.in); got != tc.want {
			t.Errorf("cleanFileName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestClamdVerdict(t *testing.T) {
	tests := []struct {
		reply string
		kind  errs.Kind
	}{
		{"stream: OK", ""},
		{"stream: Win.Test.EICAR_HDB-1 FOUND", errs.Invalid},
		{"INSTREAM size limit exceeded. ERROR", errs.Unavailable},
		{"", errs.Unavailable},
		{"UNKNOWN COMMAND", errs.Unavailable},
	}
	for _, tc := range tests {
		if got := errs.KindOf(clamdVerdict(tc.reply)); got != tc.kind {
			t.Errorf("clamdVerdict(%q) = %s, want %s", tc.reply, got, tc.kind)
		}
	}
}

// Where a window may collect an item (收受分離).
func TestCollectable(t *testing.T) {
	item := func(org, region, cross string) ItemSpec {
		return ItemSpec{Org: org, RegionCode: region, CrossRegion: cross}
	}
	tests := []struct {
		name              string
		it                ItemSpec
		receiving, region string
		want              bool
	}{
		{"own item", item("city-xiamen", "350200", CrossRegionNone), "city-xiamen", "350200", true},
		{"same region, another department (一窗受理)", item("xm-hrss", "350200", CrossRegionNone), "city-xiamen", "350200", true},
		{"another city, local item", item("city-xiamen", "350200", CrossRegionNone), "city-fuzhou", "350100", false},
		{"another city, province-wide item", item("city-xiamen", "350200", CrossRegionProvince), "city-fuzhou", "350100", true},
		{"another province, province-wide item", item("zj-hz", "330100", CrossRegionProvince), "city-fuzhou", "350100", false},
		{"another province, cross-province item", item("zj-hz", "330100", CrossRegionCountry), "city-fuzhou", "350100", true},
		{"unknown region", item("city-xiamen", "350200", CrossRegionProvince), "x", "", false},
	}
	for _, tc := range tests {
		if got := collectable(tc.it, tc.receiving, tc.region); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// A bundle's parent follows its cases.
func TestDeriveParent(t *testing.T) {
	k := func(st Status, out Outcome) row { return row{Status: st, Outcome: out} }
	tests := []struct {
		name string
		kids []row
		st   Status
		out  Outcome
	}{
		{"all submitted", []row{k(StatusSubmitted, ""), k(StatusSubmitted, "")}, StatusSubmitted, ""},
		{"one accepted", []row{k(StatusAccepted, ""), k(StatusSubmitted, "")}, StatusInProgress, ""},
		{"one left", []row{k(StatusCompleted, OutcomeApproved), k(StatusAwaitingPayment, OutcomeApproved)}, StatusInProgress, ""},
		{"all approved", []row{k(StatusCompleted, OutcomeApproved), k(StatusCompleted, OutcomeApproved)}, StatusCompleted, OutcomeApproved},
		{"one denied", []row{k(StatusCompleted, OutcomeApproved), k(StatusCompleted, OutcomeDenied)}, StatusCompleted, OutcomePartiallyApproved},
		{"one refused", []row{k(StatusCompleted, OutcomeApproved), k(StatusNotAccepted, "")}, StatusCompleted, OutcomePartiallyApproved},
		{"none approved", []row{k(StatusCompleted, OutcomeDenied), k(StatusNotAccepted, ""), k(StatusWithdrawn, "")}, StatusCompleted, OutcomeDenied},
		{"all withdrawn", []row{k(StatusWithdrawn, ""), k(StatusWithdrawn, "")}, StatusWithdrawn, ""},
		{"approved and withdrawn", []row{k(StatusCompleted, OutcomeApproved), k(StatusWithdrawn, "")}, StatusCompleted, OutcomePartiallyApproved},
	}
	for _, tc := range tests {
		st, out := deriveParent(tc.kids)
		if st != tc.st || out != tc.out {
			t.Errorf("%s: %s %s, want %s %s", tc.name, st, out, tc.st, tc.out)
		}
	}
}

func TestQueryCodes(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		c := newQueryCode()
		if len(c) != queryLen || strings.Trim(c, queryAlphabet) != "" || seen[c] {
			t.Fatalf("query code %q", c)
		}
		seen[c] = true
	}
	const number = "350100-20261009-000042"
	key, other := []byte(strings.Repeat("k", MinCodeKey)), []byte(strings.Repeat("o", MinCodeKey))
	keyed, plain := queryHash(key, number, "AB3D EF7H"), plainQueryHash(number, "AB3DEF7H")
	if !strings.HasPrefix(keyed, queryHashPrefix) || strings.TrimPrefix(keyed, queryHashPrefix) == plain {
		t.Errorf("queryHash = %s, want the keyed form", keyed)
	}
	for _, tc := range []struct {
		name                string
		key                 []byte
		number, code, store string
		want                bool
	}{
		{"keyed, typed loosely", key, number, "ab3d-ef7h", keyed, true},
		{"keyed, another case", key, "350100-20261009-000043", "AB3DEF7H", keyed, false},
		{"keyed, another code", key, number, "AB3DEF7J", keyed, false},
		{"keyed, another key", other, number, "AB3DEF7H", keyed, false},
		{"plain (before keys)", key, number, "ab3d ef7h", plain, true},
		{"plain, another code", key, number, "AB3DEF7J", plain, false},
		{"keyed form of the plain hash", key, number, "AB3DEF7H", queryHashPrefix + plain, false},
		{"nothing stored", key, "x", "", "", false},
		{"prefix only", key, "x", "", queryHashPrefix, false},
	} {
		if got := queryMatches(tc.key, tc.number, tc.code, tc.store); got != tc.want {
			t.Errorf("%s: queryMatches = %v, want %v", tc.name, got, tc.want)
		}
	}
	if got := regionOf("350102", "350000"); got != "350102" {
		t.Errorf("regionOf = %s", got)
	}
	if got := regionOf("35A102", "350000"); got != "350000" {
		t.Errorf("regionOf(bad) = %s", got)
	}
}

func TestCheckUpload(t *testing.T) {
	m := MaterialSpec{Code: "plan", Formats: []string{FormatPDF, FormatPNG}, MaxBytes: 64}
	pdf := []byte("%PDF-1.7 tiny")
	tests := []struct {
		name, file string
		data       []byte
		wantName   string
		key        string
	}{
		{"pdf", "plan.pdf", pdf, "plan.pdf", ""},
		{"upper-case extension", "PLAN.PDF", pdf, "PLAN.PDF", ""},
		{"no name", "", pdf, "plan.pdf", ""},
		{"unknown extension gets the right one", "plan.scan", pdf, "plan.scan.pdf", ""},
		{"claims jpeg", "plan.jpg", pdf, "", "cases.error.material_extension"},
		{"runs", "plan.bat", pdf, "", "cases.error.material_extension"},
		{"jpeg not allowed", "plan.jpg", []byte{0xff, 0xd8, 0xff, 0xe0}, "", "cases.error.material_format"},
		{"too large", "plan.pdf", append(pdf, make([]byte, 64)...), "", "cases.error.material_too_large"},
		{"empty", "plan.pdf", nil, "", "cases.error.material_empty"},
	}
	for _, tc := range tests {
		name, _, err := checkUpload(m, tc.file, tc.data)
		if tc.key == "" {
			if err != nil || name != tc.wantName {
				t.Errorf("%s: %q, %v", tc.name, name, err)
			}
			continue
		}
		if e := errs.Public(err); e.Message != tc.key || e.Field != "material.plan" {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.key)
		}
	}
	if got := sizeText(5 << 20); got != "5 MB" {
		t.Errorf("sizeText = %s", got)
	}
	if got := sizeText(1500); got != "2 KB" {
		t.Errorf("sizeText = %s", got)
	}
}

// File names come from anyone's browser.
func FuzzCheckUpload(f *testing.F) {
	f.Add("申请书.pdf", []byte("%PDF-1.4"))
	f.Add("../x.exe", []byte("MZ"))
	f.Add("", []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'})
	m := MaterialSpec{Code: "m", MaxBytes: 1 << 16}
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		clean, format, err := checkUpload(m, name, data)
		if err != nil {
			if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge {
				t.Fatalf("error of kind %s", k)
			}
			return
		}
		if clean == "" || !utf8.ValidString(clean) || strings.ContainsAny(clean, "/\\\x00") || utf8.RuneCountInString(clean) > maxFileName+5 {
			t.Fatalf("file name %q from %q", clean, name)
		}
		if format != SniffFormat(data) {
			t.Fatalf("format %s", format)
		}
	})
}
