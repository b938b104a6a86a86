package license

import (
	"fmt"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
)

// holdingTestID is a well-formed identifier.
var holdingTestID = idcode.LicenceID{TypeCode: idcode.NewCreditCode('1', '1', "100000", "00001399") + "011",
	IssuerCode: idcode.NewCreditCode('1', '1', "350100", "00003001"), Serial: "2026000001", Version: "001"}.String()

func TestVerifyInput(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"  YWP1.abc  ", "YWP1.abc"},
		{"https://yiwang.example/licenses/verify?id=1.2.156.3005.2.X", "1.2.156.3005.2.X"},
		{"/licenses/verify?id=%201.2%20", "1.2"},
		{"https://yiwang.example/licenses/verify?id=", "https://yiwang.example/licenses/verify?id="},
		{"https://evil.example/other?id=1", "https://evil.example/other?id=1"},
		{"https://yiwang.example/licenses/verify?id=%ZZ", "https://yiwang.example/licenses/verify?id=%ZZ"},
	} {
		if got := VerifyInput(tc.in); got != tc.want {
			t.Errorf("VerifyInput(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPDFIdentifier(t *testing.T) {
	id := holdingTestID
	utf16hex := "FEFF"
	for _, r := range id {
		utf16hex += fmt.Sprintf("%04X", r)
	}
	for _, tc := range []struct {
		name, pdf, want string
	}{
		{"gopdf's UTF-16 subject", "%PDF-1.4\n1 0 obj<</Subject <" + utf16hex + ">>>", id},
		{"a literal subject, the last one counts", "%PDF-1.4\n/Subject (x)\n/Subject (" + id + ")", id},
		{"no subject", "%PDF-1.4\n", ""},
		{"not a PDF", "GIF89a/Subject (" + id + ")", ""},
		{"a subject that is no identifier", "%PDF-1.4 /Subject (hello)", ""},
		{"an unterminated subject", "%PDF-1.4 /Subject <FEFF0031", ""},
	} {
		got, err := PDFIdentifier([]byte(tc.pdf))
		if tc.want == "" {
			if !errs.Is(err, errs.Invalid) {
				t.Errorf("%s: %q, %v; want errs.Invalid", tc.name, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
}

// FuzzPDFIdentifier feeds arbitrary files to PDFIdentifier: it never panics, refuses only with
// errs.Invalid, and what it returns is a well-formed identifier.
func FuzzPDFIdentifier(f *testing.F) {
	for _, s := range []string{"%PDF-1.4\n/Subject (" + holdingTestID + ")", "%PDF-/Subject <FEFF00>", "%PDF-/Subject <",
		"%PDF-/Subject", "%PDF-/Subject (", "%PDF-/Subject <FEFFD800>", "%PDF-/Subject <zz>", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, pdf []byte) {
		id, err := PDFIdentifier(pdf)
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("%v, want errs.Invalid", err)
			}
			return
		}
		if _, err := idcode.ParseLicenceID(id); err != nil {
			t.Fatalf("returned %q: %v", id, err)
		}
	})
}

// FuzzVerifyInput: the text Verify is given is the input trimmed, or an identifier taken from a
// verify address; it never grows.
func FuzzVerifyInput(f *testing.F) {
	for _, s := range []string{"YWP1.a", " /licenses/verify?id=1 ", "http://[::1/licenses/verify?id=1", "/licenses/verify?id=%", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if got := VerifyInput(in); len(got) > len(in) {
			t.Fatalf("VerifyInput(%q) = %q, longer than its input", in, got)
		}
	})
}
