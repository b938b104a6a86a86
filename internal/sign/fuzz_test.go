package sign_test

import (
	"bytes"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/sign"
)

// checkReport holds for any report of any input: a valid report needs a genuine signature over
// an intact document by a certificate that chains to the trusted roots, and problems are
// ordered errors first.
func checkReport(t *testing.T, r sign.Report) {
	t.Helper()
	if r.Valid && (!r.SignatureValid || !r.DocumentIntact || !r.ChainTrusted || !r.CertificateValidAtSigning) {
		t.Fatalf("valid report with a failed check: %v", r)
	}
	seenWarning := false
	for _, p := range r.Problems {
		switch p.Severity {
		case sign.SeverityWarning:
			seenWarning = true
		case sign.SeverityError:
			if seenWarning || r.Valid {
				t.Fatalf("problems out of order or an error in a valid report: %v", r)
			}
		default:
			t.Fatalf("problem of severity %q", p.Severity)
		}
	}
}

// FuzzVerifyCMS feeds arbitrary bytes to VerifyCMS as a signature over a fixed document: it
// must never panic, must refuse only with errs.Invalid, and must never call a signature valid
// that the fuzzer made up.
func FuzzVerifyCMS(f *testing.F) {
	p := newPKI(f)
	a := p.authority(f)
	doc := []byte("a document the fuzzer's signatures claim to sign")
	for _, s := range []*signer{p.ec, p.sm2} {
		for _, st := range []sign.Stamper{a, nil} {
			sig, err := sign.CMS(ctx(), doc, s.key, s.cert, s.chain, st)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(sig)
		}
	}
	f.Add([]byte{0x30, 0x80, 0x00, 0x00})
	trust := p.trust()
	f.Fuzz(func(t *testing.T, sig []byte) {
		r, err := sign.VerifyCMS(ctx(), doc, sig, trust)
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("VerifyCMS: %v, want errs.Invalid", err)
			}
			return
		}
		checkReport(t, r)
	})
}

// FuzzVerifyPDF feeds arbitrary bytes to VerifyPDF: the search for signatures in the file's
// bytes, the CMS inside and the PDF structure read for the signature's texts must never panic
// or hang, and refuse only with errs.Invalid.
func FuzzVerifyPDF(f *testing.F) {
	p := newPKI(f)
	signed := signedPDF(f, p)
	f.Add(signed)
	f.Add(bytes.Replace(signed, []byte("2026-17"), []byte("2026-18"), 1))
	f.Add(onePagePDF("unsigned"))
	// A small file with just a signature's byte range and contents around a real CMS.
	i := bytes.Index(signed, []byte("/ByteRange"))
	f.Add(signed[i:min(len(signed), i+600)])
	trust := p.trust()
	f.Fuzz(func(t *testing.T, file []byte) {
		r, err := sign.VerifyPDF(ctx(), file, trust)
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("VerifyPDF: %v, want errs.Invalid", err)
			}
			return
		}
		checkReport(t, r)
		if r.PDF == nil || r.PDF.Signatures < 1 {
			t.Fatalf("a PDF report without its signatures: %+v", r.PDF)
		}
	})
}
