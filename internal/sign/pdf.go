package sign

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"fmt"
	"image"
	"image/draw"
	_ "image/jpeg" // seal images may be JPEG
	"image/png"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/digitorus/pdf"
	pdfsign "github.com/digitorus/pdfsign/sign"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// PDFOptions say how a PDF signature looks and what it says.
type PDFOptions struct {
	// SealImage is the seal's PNG (or JPEG), drawn in Rect on Page; empty makes an invisible
	// signature.
	SealImage []byte
	// Page is the 1-based page the seal is drawn on; 1 when zero.
	Page int
	// Rect is the seal's rectangle in PDF points from the page's lower left corner: lower-left
	// x, lower-left y, upper-right x, upper-right y.
	Rect [4]float64
	// Reason, Location, Name and Contact are written into the signature dictionary and shown
	// by PDF readers. The PDF tooling writes non-ASCII text as raw UTF-16 inside a literal
	// string without escaping it, so a text whose UTF-16 holds the bytes of "(", ")", "\\" or
	// a carriage return — many CJK characters, such as 局 (U+5C40) — would corrupt the
	// dictionary; such a text is left out (readers then show the certificate's name), and the
	// seal image and the certificate still say who signed.
	Reason, Location, Name, Contact string
	// TSAURL is where the PDF signer obtains the RFC 3161 token over the signature (the PDF
	// tooling reaches a TSA only by URL: use tsa.Authority.LoopbackURL). Empty signs without a
	// time-stamp.
	TSAURL string
	// Time is the claimed signing time written as the signature dictionary's /M when there is
	// no time-stamp (a time-stamp supersedes it); now when zero.
	Time time.Time
}

// PDF signs a PDF with an approval signature (adbe.pkcs7.detached, ECDSA with SHA-256), drawn as
// the seal image, time-stamped through opt.TSAURL, appended as an incremental update so the
// original bytes stay as they were. cert must be signer's ECDSA certificate; chain holds the
// certificates above it, issuer first.
//
// The PDF tooling signs only with ECDSA (and RSA): an SM2 key is refused with errs.Invalid —
// a seal with an SM2 key signs the PDF with a GB/T 38540 electronic-seal signature carried
// beside it instead. Returns errs.Invalid for a file that is not a readable PDF, and
// errs.Unavailable when the time-stamping authority could not be reached.
func PDF(ctx context.Context, document []byte, signer crypto.Signer, cert *x509.Certificate, chain []*x509.Certificate, opt PDFOptions) (_ []byte, err error) {
	defer errs.Wrap(&err, "sign.PDF")
	if signer == nil || cert == nil {
		return nil, errs.E(errs.Invalid, "sign.error.key_unsupported")
	}
	alg, err := algorithmOf(signer.Public())
	if err != nil {
		return nil, err
	}
	if alg == SM2SM3 {
		return nil, errs.E(errs.Invalid, "sign.error.pdf_sm2")
	}
	if !samePublicKey(cert.PublicKey, signer.Public()) {
		return nil, errs.E(errs.Invalid, "sign.error.key_mismatch")
	}
	if err := ctx.Err(); err != nil {
		return nil, errs.Wrapf(errs.Unavailable, err, "error.unavailable")
	}
	rdr, err := openPDF(document)
	if err != nil {
		return nil, err
	}
	sealImage, err := withAlpha(opt.SealImage)
	if err != nil {
		return nil, err
	}
	page := opt.Page
	if page <= 0 {
		page = 1
	}
	when := opt.Time
	if when.IsZero() {
		when = time.Now()
	}
	data := pdfsign.SignData{
		Signature: pdfsign.SignDataSignature{
			CertType:   pdfsign.ApprovalSignature,
			DocMDPPerm: pdfsign.AllowFillingExistingFormFieldsAndSignaturesPerms,
			Info: pdfsign.SignDataSignatureInfo{
				Name: pdfSafeText(opt.Name), Location: pdfSafeText(opt.Location), Reason: pdfSafeText(opt.Reason),
				ContactInfo: pdfSafeText(opt.Contact), Date: when,
			},
		},
		Signer:            signer,
		DigestAlgorithm:   crypto.SHA256,
		Certificate:       cert,
		CertificateChains: [][]*x509.Certificate{append([]*x509.Certificate{cert}, chain...)},
		TSA:               pdfsign.TSA{URL: opt.TSAURL},
		Appearance: pdfsign.Appearance{
			Visible:    len(opt.SealImage) > 0,
			Page:       uint32(page),
			LowerLeftX: opt.Rect[0], LowerLeftY: opt.Rect[1],
			UpperRightX: opt.Rect[2], UpperRightY: opt.Rect[3],
			Image: sealImage,
		},
	}
	var out bytes.Buffer
	if err := signPDF(document, &out, rdr, data); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// pdfSafeText returns text if the PDF tooling writes it correctly into a literal string: ASCII
// (which it escapes), or text whose UTF-16BE form, byte-order mark included, holds none of the
// bytes a literal string gives a meaning to — "(", ")", "\\" and carriage return, which it does
// not escape. Otherwise it returns "".
func pdfSafeText(text string) string {
	ascii := true
	for i := 0; i < len(text); i++ {
		if text[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return text
	}
	for _, u := range utf16.Encode([]rune(text)) {
		for _, b := range [2]byte{byte(u >> 8), byte(u)} {
			if b == '(' || b == ')' || b == '\\' || b == '\r' {
				return ""
			}
		}
	}
	return text
}

// withAlpha returns a seal image the PDF tooling draws with its transparency: it keeps an alpha
// channel (a soft mask) only for RGBA and NRGBA images, so a palette or grey PNG — what seal
// drawing writes — would print on a black square. Such an image is redrawn as NRGBA.
func withAlpha(img []byte) ([]byte, error) {
	if len(img) == 0 {
		return nil, nil
	}
	decoded, _, err := image.Decode(bytes.NewReader(img))
	if err != nil {
		return nil, errs.Wrapf(errs.Invalid, err, "sign.error.seal_image")
	}
	switch decoded.(type) {
	case *image.NRGBA, *image.RGBA:
		return img, nil
	}
	b := decoded.Bounds()
	out := image.NewNRGBA(b)
	draw.Draw(out, b, decoded, b.Min, draw.Src)
	var buf bytes.Buffer
	if err := png.Encode(&buf, out); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// openPDF parses a PDF, turning the parser's panics on damaged files into errs.Invalid.
func openPDF(document []byte) (rdr *pdf.Reader, err error) {
	defer func() {
		if r := recover(); r != nil {
			rdr, err = nil, errs.Wrapf(errs.Invalid, fmt.Errorf("pdf parser panic: %v", r), "sign.error.pdf_unreadable")
		}
	}()
	rdr, err = pdf.NewReader(bytes.NewReader(document), int64(len(document)))
	if err != nil {
		return nil, errs.Wrapf(errs.Invalid, err, "sign.error.pdf_unreadable")
	}
	return rdr, nil
}

func signPDF(document []byte, out *bytes.Buffer, rdr *pdf.Reader, data pdfsign.SignData) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errs.Wrapf(errs.Invalid, fmt.Errorf("pdf signer panic: %v", r), "sign.error.pdf_unreadable")
		}
	}()
	if err := pdfsign.Sign(bytes.NewReader(document), out, rdr, int64(len(document)), data); err != nil {
		// The tooling flattens its errors to text ("get timestamp: non success response (0)"),
		// so only its wording tells that the time-stamp request, the one step that leaves the
		// process, failed.
		if data.TSA.URL != "" && strings.Contains(err.Error(), "timestamp") {
			return errs.Wrapf(errs.Unavailable, err, "sign.error.tsa_unavailable")
		}
		return errs.Wrapf(errs.Invalid, err, "sign.error.pdf_sign")
	}
	return nil
}
