package license

import (
	"bytes"
	"context"
	"encoding/hex"
	"net/url"
	"slices"
	"strings"
	"unicode/utf16"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
)

// What the holders' and verifiers' pages and API need to read of a licence.

// StateOf returns what a verifier is told of l today (by the service's clock).
func (s *Service) StateOf(l Licence) State { return l.State(today(s.clock.Now())) }

// Disclosable returns the hidden claims of l a presentation may disclose, in the order a
// holder chooses from: the holder's name and code, then the face data in the order of t's
// fields (keys t does not know after them, sorted).
func Disclosable(l Licence, t Type) []string {
	out := []string{ClaimHolderName, ClaimHolderCode}
	for _, f := range t.Fields {
		if _, ok := l.Face[f.Key]; ok {
			out = append(out, f.Key)
		}
	}
	var rest []string
	for k := range l.Face {
		if !slices.Contains(out, k) {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

// LicenceType returns the version of its type licence l was issued under (for the names of its
// face-data fields). Anyone who may see l may see it; callers check that first.
func (s *Service) LicenceType(ctx context.Context, l Licence) (Type, error) {
	return loadType(ctx, s.db, l.TypeCode, l.TypeVersion)
}

// VerifyInput is what a verifier was given, as Verify takes it: the text itself, or the
// identifier in the verify address a licence's PDF carries (…/verify?id=<identifier>).
func VerifyInput(text string) string {
	text = strings.TrimSpace(text)
	if !strings.Contains(text, VerifyPath+"?") {
		return text
	}
	u, err := url.Parse(text)
	if err != nil || !strings.HasSuffix(u.Path, VerifyPath) {
		return text
	}
	if id := strings.TrimSpace(u.Query().Get("id")); id != "" {
		return id
	}
	return text
}

// MaxPDF bounds the licence PDF PDFIdentifier reads.
const MaxPDF = 10 << 20

// PDFIdentifier returns the identifier of the licence a PDF of RenderPDF says it is: the
// subject of its document information (the last one, as a signature's incremental update may
// repeat it), when that is a well-formed identifier. A file that is not a PDF or names no
// identifier is errs.Invalid. It says nothing of the file's signature.
func PDFIdentifier(pdf []byte) (string, error) {
	subject, err := pdfSubject(pdf)
	if err != nil {
		return "", err
	}
	if _, err := idcode.ParseLicenceID(subject); err != nil {
		return "", errs.Field("file", "license.error.not_licence_pdf")
	}
	return subject, nil
}

// pdfSubject returns the subject of a PDF's document information (the last one), trimmed;
// errs.Invalid when the file is not a PDF or has none.
func pdfSubject(pdf []byte) (string, error) {
	if len(pdf) > MaxPDF || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		return "", errs.Field("file", "license.error.not_licence_pdf")
	}
	i := bytes.LastIndex(pdf, []byte("/Subject"))
	if i < 0 {
		return "", errs.Field("file", "license.error.not_licence_pdf")
	}
	rest := bytes.TrimLeft(pdf[i+len("/Subject"):], " \t\r\n")
	var subject string
	switch {
	case len(rest) > 0 && rest[0] == '<':
		end := bytes.IndexByte(rest, '>')
		if end < 0 || end > 1024 {
			return "", errs.Field("file", "license.error.not_licence_pdf")
		}
		raw, err := hex.DecodeString(strings.Map(func(r rune) rune {
			if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
				return -1
			}
			return r
		}, string(rest[1:end])))
		if err != nil {
			return "", errs.Field("file", "license.error.not_licence_pdf")
		}
		if len(raw) >= 2 && raw[0] == 0xFE && raw[1] == 0xFF { // UTF-16BE
			u := make([]uint16, 0, len(raw)/2)
			for j := 2; j+1 < len(raw); j += 2 {
				u = append(u, uint16(raw[j])<<8|uint16(raw[j+1]))
			}
			subject = string(utf16.Decode(u))
		} else {
			subject = string(raw)
		}
	case len(rest) > 0 && rest[0] == '(':
		end := bytes.IndexByte(rest, ')')
		if end < 0 || end > 1024 {
			return "", errs.Field("file", "license.error.not_licence_pdf")
		}
		subject = string(rest[1:end])
	default:
		return "", errs.Field("file", "license.error.not_licence_pdf")
	}
	return strings.TrimSpace(subject), nil
}
