package sign

import (
	"bytes"
	"context"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"strconv"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// pdfSignature is one signature found in a PDF's bytes: its byte range and its CMS.
type pdfSignature struct {
	byteRange [4]int64
	cms       []byte // DER, without the /Contents padding
}

// signed returns the bytes the signature covers: the file without the /Contents hex string.
func (s pdfSignature) signed(file []byte) []byte {
	b := s.byteRange
	out := make([]byte, 0, b[1]+b[3])
	out = append(out, file[b[0]:b[0]+b[1]]...)
	return append(out, file[b[2]:b[2]+b[3]]...)
}

var errNoPDFSignature = errors.New("no signature in the PDF")

// findPDFSignatures reads every signature of a PDF from its bytes: each /ByteRange [a b c d]
// whose gap b..c is exactly the <hex> /Contents string. The byte ranges, not the object
// structure, say where a signature is, so a file whose structure was damaged after signing is
// still checked for what it is. Ranges that do not describe such a gap are not signatures.
func findPDFSignatures(file []byte) ([]pdfSignature, error) {
	var sigs []pdfSignature
	seen := map[[4]int64]bool{}
	key := []byte("/ByteRange")
	for i := 0; ; {
		j := bytes.Index(file[i:], key)
		if j < 0 {
			break
		}
		i += j + len(key)
		br, ok := parseByteRange(file[i:])
		if !ok || seen[br] {
			continue
		}
		size := int64(len(file))
		if br[0] != 0 || br[1] <= 0 || br[2] < br[1]+2 || br[3] < 0 || br[2] > size || br[3] > size-br[2] {
			continue
		}
		if file[br[1]] != '<' || file[br[2]-1] != '>' {
			continue
		}
		// A hex string may hold white space, and an odd last digit stands for d0 (ISO 32000
		// §7.3.4.3); the padding zeros decode to zero bytes that derPrefix cuts off.
		hexContents := bytes.Map(func(r rune) rune {
			if r == ' ' || r == '\r' || r == '\n' || r == '\t' || r == '\f' {
				return -1
			}
			return r
		}, file[br[1]+1:br[2]-1])
		if len(hexContents)%2 == 1 {
			hexContents = append(hexContents, '0')
		}
		raw := make([]byte, hex.DecodedLen(len(hexContents)))
		if _, err := hex.Decode(raw, hexContents); err != nil {
			continue
		}
		seen[br] = true
		sigs = append(sigs, pdfSignature{byteRange: br, cms: derPrefix(raw)})
	}
	if len(sigs) == 0 {
		return nil, errNoPDFSignature
	}
	return sigs, nil
}

// derPrefix cuts the padding after the first DER element: /Contents is a fixed-size hex string
// filled up with zeros.
func derPrefix(b []byte) []byte {
	var v asn1.RawValue
	if _, err := asn1.Unmarshal(b, &v); err != nil {
		return b
	}
	return v.FullBytes
}

// parseByteRange reads "[a b c d]" after optional whitespace.
func parseByteRange(b []byte) ([4]int64, bool) {
	var br [4]int64
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '[' {
		return br, false
	}
	i++
	for n := range br {
		i = skipSpace(b, i)
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' && i-start < 15 {
			i++
		}
		if i == start {
			return br, false
		}
		v, err := strconv.ParseInt(string(b[start:i]), 10, 64)
		if err != nil {
			return br, false
		}
		br[n] = v
	}
	i = skipSpace(b, i)
	return br, i < len(b) && b[i] == ']'
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t' || b[i] == '\f' || b[i] == 0) {
		i++
	}
	return i
}

// VerifyPDF verifies the last signature of a signed PDF: its CMS over the signed byte ranges as
// VerifyCMS does, and whether anything was appended after it. Earlier signatures are checked
// too; one that is invalid is reported as a problem. Returns errs.Invalid when the file holds no
// readable signature.
func VerifyPDF(ctx context.Context, file []byte, trust Trust) (_ Report, err error) {
	defer errs.Wrap(&err, "sign.VerifyPDF")
	sigs, err := findPDFSignatures(file)
	if err != nil {
		return Report{}, errs.Wrapf(errs.Invalid, err, "sign.error.pdf_no_signature")
	}
	last := 0
	for i, s := range sigs {
		if end := s.byteRange[2] + s.byteRange[3]; end > sigs[last].byteRange[2]+sigs[last].byteRange[3] {
			last = i
		}
	}
	parsed, err := parseCMS(sigs[last].cms)
	if err != nil {
		return Report{}, errs.Wrapf(errs.Invalid, err, "sign.error.cms_unreadable")
	}
	r := verify(ctx, parsed, sigs[last].signed(file), trust)
	r.Format = "pdf"
	end := sigs[last].byteRange[2] + sigs[last].byteRange[3]
	r.PDF = &PDFInfo{Signatures: len(sigs), CoversWholeFile: len(bytes.TrimRight(file[end:], " \r\n\t\x00")) == 0}
	if !r.PDF.CoversWholeFile {
		r.DocumentIntact = false
		r.add(SeverityError, ProblemPDFAppended, int64(len(file))-end)
	}
	for i, s := range sigs {
		if i == last {
			continue
		}
		p, err := parseCMS(s.cms)
		if err == nil {
			er := verify(ctx, p, s.signed(file), trust)
			er.finish()
			if er.Valid {
				continue
			}
		}
		r.add(SeverityError, ProblemPDFEarlierInvalid, i+1)
	}
	readPDFInfo(file, sigs[last].byteRange, r.PDF)
	r.finish()
	return r, nil
}

// readPDFInfo fills the signature dictionary's texts (/Name, /Reason, /Location,
// /ContactInfo) from the PDF's object structure, when it can be read; a damaged structure
// leaves them empty — the signature itself was checked from the bytes.
func readPDFInfo(file []byte, br [4]int64, info *PDFInfo) {
	defer func() { _ = recover() }() // the PDF parser panics on some damaged files
	rdr, err := openPDF(file)
	if err != nil {
		return
	}
	for _, x := range rdr.Xref() {
		v := rdr.Resolve(x.Ptr(), x.Ptr())
		r := v.Key("ByteRange")
		if r.Len() != 4 {
			continue
		}
		match := true
		for i := range 4 {
			if r.Index(i).Int64() != br[i] {
				match = false
			}
		}
		if match {
			info.Name = v.Key("Name").Text()
			info.Reason = v.Key("Reason").Text()
			info.Location = v.Key("Location").Text()
			info.Contact = v.Key("ContactInfo").Text()
			return
		}
	}
}
