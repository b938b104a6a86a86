package sign_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/smx509"
	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/sign"
)

// onePagePDF writes a one-page A4 PDF with a line of text, by hand: a header, five objects, a
// cross-reference table with their offsets and a trailer.
func onePagePDF(text string) []byte {
	content := fmt.Sprintf("BT /F1 24 Tf 72 760 Td (%s) Tj ET\n", text)
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", len(content), content),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return b.Bytes()
}

// sealPNG draws a red round seal with a star on a transparent background.
func sealPNG(t testing.TB) []byte {
	t.Helper()
	const n = 160
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	red := color.NRGBA{R: 0xd0, G: 0x10, B: 0x10, A: 0xff}
	for y := range n {
		for x := range n {
			dx, dy := x-n/2, y-n/2
			d := dx*dx + dy*dy
			ring := d <= (n/2-2)*(n/2-2) && d >= (n/2-12)*(n/2-12)
			star := d <= 20*20 && (abs(dx) < 4 || abs(dy) < 4 || abs(abs(dx)-abs(dy)) < 4)
			if ring || star {
				img.Set(x, y, red)
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

const pdfText = "Yiwang approval notice 2026-17"

// signedPDF signs the one-page PDF with the ECDSA signer, its seal drawn on the page and a
// time-stamp from the authority's loopback URL.
func signedPDF(t testing.TB, p *testPKI) []byte {
	t.Helper()
	a := p.authority(t)
	url, err := a.LoopbackURL(ctx())
	if err != nil {
		t.Fatal(err)
	}
	cert, chain := p.ec.x509(t)
	out, err := sign.PDF(ctx(), onePagePDF(pdfText), p.ec.key, cert, chain, sign.PDFOptions{
		SealImage: sealPNG(t), Page: 1, Rect: [4]float64{380, 600, 540, 760},
		Reason: "同意", Location: "福州", Name: "福建省市场监督管理局", Contact: "0591-00000000", TSAURL: url,
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPDFSignAndVerify(t *testing.T) {
	p := newPKI(t)
	signed := signedPDF(t, p)
	if !bytes.HasPrefix(signed, onePagePDF(pdfText)) {
		t.Error("signing changed the original bytes instead of appending an incremental update")
	}
	trust := p.trust()
	trust.Status = fakeStatus{status: sign.StatusGood}

	r, err := sign.VerifyPDF(ctx(), signed, trust)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Valid || !r.SignatureValid || !r.DocumentIntact || !r.CertificateValidAtSigning || r.Format != "pdf" {
		t.Fatalf("report: %v", r)
	}
	if diff := cmp.Diff([]string{}, codes(r)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if r.Timestamp == nil || !r.Timestamp.Verified || r.TimeSource != "timestamp" {
		t.Errorf("timestamp %+v, source %s", r.Timestamp, r.TimeSource)
	}
	// The name holds 局 (U+5C40), whose UTF-16 carries a backslash byte the PDF tooling would
	// not escape: it is left out rather than corrupting the dictionary.
	want := &sign.PDFInfo{Name: "", Reason: "同意", Location: "福州", Contact: "0591-00000000", Signatures: 1, CoversWholeFile: true}
	if diff := cmp.Diff(want, r.PDF); diff != "" {
		t.Errorf("PDF info (-want +got):\n%s", diff)
	}
	if r.Signer.CommonName != p.ec.cert.Subject.CommonName || r.Signer.Algorithm != "ECDSA-SHA256" {
		t.Errorf("signer %+v", r.Signer)
	}

	t.Run("a changed page", func(t *testing.T) {
		tampered := bytes.Replace(signed, []byte("2026-17"), []byte("2026-18"), 1)
		r, err := sign.VerifyPDF(ctx(), tampered, trust)
		if err != nil {
			t.Fatal(err)
		}
		if r.Valid || r.DocumentIntact || !r.SignatureValid {
			t.Errorf("report: %v", r)
		}
		if diff := cmp.Diff([]string{"document_changed"}, codes(r)); diff != "" {
			t.Errorf("problems (-want +got):\n%s", diff)
		}
	})
	t.Run("bytes appended after signing", func(t *testing.T) {
		appended := append(bytes.Clone(signed), "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"...)
		r, err := sign.VerifyPDF(ctx(), appended, trust)
		if err != nil {
			t.Fatal(err)
		}
		if r.Valid || r.DocumentIntact || !r.SignatureValid || r.PDF.CoversWholeFile {
			t.Errorf("report: %v", r)
		}
		if diff := cmp.Diff([]string{"pdf_appended"}, codes(r)); diff != "" {
			t.Errorf("problems (-want +got):\n%s", diff)
		}
	})
	t.Run("an untrusted signer", func(t *testing.T) {
		r, err := sign.VerifyPDF(ctx(), signed, sign.Trust{Roots: []*smx509.Certificate{p.sm2CA.cert}, TSARoots: trust.TSARoots, Status: trust.Status})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"chain_untrusted"}, codes(r)); diff != "" || r.Valid {
			t.Errorf("problems (-want +got):\n%s", diff)
		}
	})
	t.Run("an unsigned PDF", func(t *testing.T) {
		if _, err := sign.VerifyPDF(ctx(), onePagePDF(pdfText), trust); !errs.Is(err, errs.Invalid) {
			t.Errorf("VerifyPDF = %v, want errs.Invalid", err)
		}
	})
}

func TestPDFRefusals(t *testing.T) {
	p := newPKI(t)
	cert, chain := p.ec.x509(t)
	for _, tc := range []struct {
		name string
		run  func() error
		key  string
	}{
		{"an SM2 key", func() error {
			_, err := sign.PDF(ctx(), onePagePDF("x"), p.sm2.key, cert, nil, sign.PDFOptions{})
			return err
		}, "sign.error.pdf_sm2"},
		{"not a PDF", func() error {
			_, err := sign.PDF(ctx(), []byte("%PDF-1.7 garbage"), p.ec.key, cert, chain, sign.PDFOptions{})
			return err
		}, "sign.error.pdf_unreadable"},
		{"a key that is not the certificate's", func() error {
			_, err := sign.PDF(ctx(), onePagePDF("x"), newKey(t, false), cert, chain, sign.PDFOptions{})
			return err
		}, "sign.error.key_mismatch"},
		{"a seal image that is not an image", func() error {
			_, err := sign.PDF(ctx(), onePagePDF("x"), p.ec.key, cert, chain, sign.PDFOptions{SealImage: []byte("GIF89a…"), Rect: [4]float64{400, 50, 520, 170}})
			return err
		}, "sign.error.seal_image"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			if !errs.Is(err, errs.Invalid) || errs.Public(err).Message != tc.key {
				t.Errorf("PDF = %v, want errs.Invalid %s", err, tc.key)
			}
		})
	}
	t.Run("no time-stamping authority", func(t *testing.T) {
		_, err := sign.PDF(ctx(), onePagePDF("x"), p.ec.key, cert, chain, sign.PDFOptions{TSAURL: "http://127.0.0.1:1/tsa"})
		if !errs.Is(err, errs.Unavailable) {
			t.Errorf("PDF = %v, want errs.Unavailable", err)
		}
	})
}

// A palette seal image (what seal drawing writes) keeps its transparency: the PDF draws it with a
// soft mask, not on a black square.
func TestPDFSealImageTransparent(t *testing.T) {
	p := newPKI(t)
	cert, chain := p.ec.x509(t)
	pal := image.NewPaletted(image.Rect(0, 0, 40, 40), color.Palette{color.Transparent, color.RGBA{R: 0xd0, A: 0xff}})
	for i := 10; i < 30; i++ {
		pal.SetColorIndex(i, i, 1)
	}
	var img bytes.Buffer
	if err := png.Encode(&img, pal); err != nil {
		t.Fatal(err)
	}
	out, err := sign.PDF(ctx(), onePagePDF("x"), p.ec.key, cert, chain, sign.PDFOptions{SealImage: img.Bytes(), Rect: [4]float64{400, 50, 520, 170}})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte("/SMask")) {
		t.Error("the seal is drawn without its transparency (no soft mask)")
	}
}

// TestPdfsigAcceptsSignedPDF: poppler's pdfsig reports the signed PDF's signature valid, and a
// changed one's digest mismatched.
func TestPdfsigAcceptsSignedPDF(t *testing.T) {
	pdfsig := needTool(t, "pdfsig")
	p := newPKI(t)
	dir := t.TempDir()
	signed := signedPDF(t, p)
	path := writeFile(t, dir, "signed.pdf", signed)
	out, err := exec.Command(pdfsig, "-nocert", path).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Signature Validation: Signature is Valid.") {
		t.Fatalf("pdfsig -nocert %s: %v\n%s", path, err, out)
	}
	if !strings.Contains(string(out), "Signature Type: adbe.pkcs7.detached") || !strings.Contains(string(out), "Total document signed") {
		t.Errorf("pdfsig:\n%s", out)
	}
	tampered := writeFile(t, dir, "tampered.pdf", bytes.Replace(signed, []byte("2026-17"), []byte("2026-18"), 1))
	out, _ = exec.Command(pdfsig, "-nocert", tampered).CombinedOutput()
	if strings.Contains(string(out), "Signature is Valid") || !strings.Contains(string(out), "Digest Mismatch") {
		t.Fatalf("pdfsig on a changed PDF:\n%s", out)
	}
	if os.Getenv("YIWANG_KEEP_PDF") != "" { // to look at the seal: pdftoppm -png signed.pdf page
		_ = os.WriteFile(filepath.Join(os.Getenv("YIWANG_KEEP_PDF"), "signed.pdf"), signed, 0o644)
	}
}
