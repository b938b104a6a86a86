package license

import (
	"bytes"
	"cmp"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/signintech/gopdf"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/sealimage"
)

// PDFOptions say what a licence's PDF carries besides the licence itself.
type PDFOptions struct {
	// QRCode is the PNG of the QR code a verifier scans, drawn 30 mm square at the lower left
	// with the caption 扫码核验; none is drawn when it is empty.
	QRCode []byte
}

// The page: A4 in PDF points. gopdf places things from the upper left corner, y downwards;
// SealRect, like PDF itself, counts from the lower left, y upwards.
const (
	pdfPageW  = 595.0
	pdfPageH  = 842.0
	pdfMargin = 20 * pdfMM

	pdfMM = 72 / 25.4

	// The frame: two lines around the page, as printed licences have.
	pdfFrameOuter = 18.0
	pdfFrameInner = 22.0

	pdfTitleTop   = 62.0
	pdfTitleSize  = 24.0
	pdfTitleLineH = pdfTitleSize * 1.3
	pdfTitleGap   = 18.0 // title to table
	pdfMaxTitle   = 3    // lines

	pdfLabelW     = 128.0 // the label column of the tables
	pdfPadX       = 6.0
	pdfPadY       = 4.0
	pdfLineFactor = 1.5 // line height over font size
	pdfSectionGap = 12.0

	// The lower band, from the page's lower edge up: the identifier, the QR code with its
	// caption at the left, the seal's empty square at the right.
	pdfIdentSize   = 8.0
	pdfIdentBottom = 32.0
	pdfQRSize      = 30 * pdfMM
	pdfQRBottom    = 72.0
	pdfCaptionSize = 9.0
	pdfSealSize    = 42 * pdfMM // the standard round official seal is 42 mm across
	pdfSealBottom  = 64.0
	// pdfContentBottom is where the tables must end, from the top: clear of the seal and the
	// QR code.
	pdfContentBottom = pdfPageH - pdfSealBottom - pdfSealSize - 14

	// pdfFamily names the embedded font; the six letters and "+" mark it as a subset, so
	// that a reader never substitutes an installed font of the same name.
	pdfFamily = "YWLCNC+YiwangLicence"
	pdfMaxQR  = 2048 // pixels per side of the QR code's picture
)

// pdfBodySizes are the font sizes the tables are tried at, largest first, until the licence
// fits its page.
var pdfBodySizes = []float64{11, 10.5, 10, 9.5, 9, 8.5, 8}

// SealRect is the empty square at the lower right of a licence's PDF where the issuer's seal
// goes, in PDF points from the page's lower left corner (lower-left x, lower-left y,
// upper-right x, upper-right y), as sign.PDFOptions.Rect takes it. It is 42 mm square, the
// size of a round official seal.
func SealRect() [4]float64 {
	x := pdfPageW - pdfMargin - pdfSealSize
	return [4]float64{x, pdfSealBottom, x + pdfSealSize, pdfSealBottom + pdfSealSize}
}

// pdfFontCandidates are the TrueType files tried, after sealimage.FontPath, for the licence's
// Chinese text: gopdf embeds only TrueType outlines, so an OpenType/CFF font or a collection
// (.otf, .ttc, such as Noto CJK) that seals are cut with does not do here. The first file of
// fonts-lxgw-wenkai (what CI installs) comes first, then Droid Sans Fallback
// (fonts-droid-fallback).
var pdfFontCandidates = []string{
	"/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf",
	"/usr/share/fonts/truetype/lxgw-wenkai/*.ttf",
	"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
}

// pdfFont is the process's font, parsed once on the first render: a licence font is about
// 15 MB, and parsing it takes longer than drawing a licence.
var pdfFont = sync.OnceValues(func() (*gopdf.FontContainer, error) {
	var paths []string
	if p := sealimage.FontPath(); p != "" {
		paths = append(paths, p)
	}
	return pdfLoadFont(append(paths, pdfFontCandidates...))
})

// pdfLoadFont parses the first of paths (which may be glob patterns) that is a TrueType font
// with Chinese characters. Returns errs.Unavailable when none is.
func pdfLoadFont(paths []string) (*gopdf.FontContainer, error) {
	var tried []string
	for _, pattern := range paths {
		files := []string{pattern}
		if strings.ContainsAny(pattern, "*?[") {
			files, _ = filepath.Glob(pattern)
		}
		for _, path := range files {
			fc, err := pdfParseFont(path)
			if err == nil {
				return fc, nil
			}
			tried = append(tried, fmt.Sprintf("%s: %v", path, err))
		}
	}
	return nil, errs.Wrapf(errs.Unavailable, fmt.Errorf("no TrueType CJK font: %s", strings.Join(tried, "; ")),
		"license.pdf.error.font_unavailable")
}

func pdfParseFont(path string) (*gopdf.FontContainer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	// TrueType outlines only: "OTTO" (CFF) and "ttcf" (a collection) would parse into a font
	// that draws nothing.
	if len(data) < 4 || !bytes.Equal(data[:4], []byte{0, 1, 0, 0}) && string(data[:4]) != "true" {
		return nil, fmt.Errorf("not a TrueType font")
	}
	fc := &gopdf.FontContainer{}
	if err := fc.AddTTFFontData(pdfFamily, data); err != nil {
		return nil, err
	}
	gp := &gopdf.GoPdf{}
	gp.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitPT})
	if err := gp.AddTTFFontFromFontContainer(pdfFamily, fc); err != nil {
		return nil, err
	}
	if err := gp.SetFont(pdfFamily, "", 12); err != nil {
		return nil, err
	}
	for _, r := range "证照国" {
		if ok, err := gp.IsCurrFontContainGlyph(r); err != nil || !ok {
			return nil, fmt.Errorf("no Chinese characters")
		}
	}
	return fc, nil
}

// pdfRow is one row of a table: a label and its value; field names the input the value comes
// from, for errors (a face-data key, or the Licence's JSON name for the metadata).
type pdfRow struct {
	field, label, value string
	// lines and height are the row laid out at one size.
	labelLines, valueLines []string
	height                 float64
}

// RenderPDF draws licence l of type t as a one-page A4 PDF: the licence's name as the title,
// the face data in the type's field order under the fields' Chinese names, the metadata
// (number, holder, holder code — a resident ID number shows only its first 6 and last 4
// characters —, issuer, issue date, validity), the QR code of opt.QRCode with its caption, an
// empty square for the issuer's seal at SealRect, and the GB/T 36904 identifier in small type
// at the bottom. The document's title is the licence's name and its subject the identifier;
// it carries no other metadata. Text wraps by its measured width; when the licence does not fit
// its page even in the smallest type the PDF is refused rather than cut.
//
// Returns errs.Invalid naming the field for a face-data key the type does not have, a value
// longer than its field's MaxLen, text that is not UTF-8 or has a character the font lacks,
// and text too long for the page; errs.Unavailable when no Chinese TrueType font is installed.
func RenderPDF(l Licence, t Type, opt PDFOptions) (_ []byte, err error) {
	defer errs.Wrap(&err, "license.RenderPDF(%s)", l.ID)
	return renderPDF(l, t, opt, nil)
}

// pdfAnnotation is what an annotated copy's PDF (copies.go) carries over the licence's face.
type pdfAnnotation struct {
	// Band is printed in a red box under the tables; Watermark faintly, diagonally, across the
	// page; Footer in small type under the identifier.
	Band, Watermark, Footer string
	// Title and Subject are the document's information.
	Title, Subject string
	// Checks are the typed texts the band and watermark hold, by field, for their glyphs.
	Checks []pdfRow
	// QRSize is the QR code's side in points (a copy's signed form is longer than an address).
	QRSize float64
}

// The annotation band of a copy.
const (
	pdfBandSize = 11.0
	pdfBandPad  = 8.0
	pdfBandGap  = 14.0
	// pdfWatermarkSize and the spacing of the watermark's lines.
	pdfWatermarkSize = 26.0
	pdfWatermarkStep = 120.0
)

// renderPDF draws licence l as RenderPDF says and, with a, as an annotated copy.
func renderPDF(l Licence, t Type, opt PDFOptions, a *pdfAnnotation) (_ []byte, err error) {
	if l.TypeCode != "" && t.Code != "" && l.TypeCode != t.Code {
		return nil, errs.Field("type_code", "license.pdf.error.type_mismatch")
	}
	face, err := pdfFaceRows(l, t)
	if err != nil {
		return nil, err
	}
	meta := pdfMetaRows(l)
	title := l.NameHans
	if title == "" {
		title = t.NameHans
	}
	title = pdfCleanText(title, false)
	ident := pdfCleanText("电子证照标识："+l.ID, false)
	for i := range meta {
		if !utf8.ValidString(meta[i].value) {
			return nil, errs.Field(meta[i].field, "license.pdf.error.text")
		}
		meta[i].value = pdfCleanText(meta[i].value, false)
	}
	if !utf8.ValidString(title) || !utf8.ValidString(ident) {
		return nil, errs.Field("name", "license.pdf.error.text")
	}

	fc, err := pdfFont()
	if err != nil {
		return nil, err
	}
	gp := &gopdf.GoPdf{}
	gp.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitPT})
	info := gopdf.PdfInfo{Title: title, Subject: l.ID, Creator: "Yiwang"}
	if a != nil {
		info.Title, info.Subject = a.Title, a.Subject
	}
	gp.SetInfo(info)
	gp.AddPage()
	if err := gp.AddTTFFontFromFontContainer(pdfFamily, fc); err != nil {
		return nil, errs.Wrapf(errs.Internal, err, "error.internal")
	}
	if err := gp.SetFont(pdfFamily, "", pdfTitleSize); err != nil {
		return nil, errs.Wrapf(errs.Internal, err, "error.internal")
	}

	// Every character must be in the font: gopdf would print a space for one it lacks. The
	// page's own words missing means the font is unfit; the licence's, that it cannot be
	// printed as it is.
	fixed := "扫码核验电子证照标识：长期至年月日"
	for _, r := range meta {
		fixed += r.label
	}
	if r, ok := pdfMissingGlyph(gp, fixed); !ok {
		return nil, errs.Wrapf(errs.Unavailable, fmt.Errorf("the font has no glyph for %q", r), "license.pdf.error.font_unavailable")
	}
	checks := []pdfRow{{field: "name", value: title}, {field: "id", value: l.ID}}
	for _, r := range face {
		checks = append(checks, pdfRow{field: r.field, value: r.label + r.value})
	}
	for _, r := range meta {
		checks = append(checks, pdfRow{field: r.field, value: r.value})
	}
	if a != nil {
		checks = append(checks, a.Checks...)
	}
	for _, c := range checks {
		if r, ok := pdfMissingGlyph(gp, c.value); !ok {
			return nil, errs.Field(c.field, "license.pdf.error.glyph", string(r))
		}
	}

	const contentW = pdfPageW - 2*pdfMargin
	titleLines := pdfWrap(title, contentW, pdfMeasurer(gp))
	if len(titleLines) > pdfMaxTitle {
		return nil, errs.Field("name", "license.pdf.error.page_full")
	}
	// An annotation's band takes its height from the tables' room.
	var bandLines []string
	bandH := 0.0
	if a != nil && a.Band != "" {
		if err := gp.SetFontSize(pdfBandSize); err != nil {
			return nil, errs.Wrapf(errs.Internal, err, "error.internal")
		}
		bandLines = pdfWrap(a.Band, contentW-2*pdfBandPad, pdfMeasurer(gp))
		bandH = pdfBandGap + float64(len(bandLines))*pdfBandSize*pdfLineFactor + 2*pdfBandPad
	}
	// Lay the tables out at the largest size at which they end above the seal.
	size := 0.0
	for _, s := range pdfBodySizes {
		if err := gp.SetFontSize(s); err != nil {
			return nil, errs.Wrapf(errs.Internal, err, "error.internal")
		}
		end := pdfTitleTop + float64(len(titleLines))*pdfTitleLineH + pdfTitleGap +
			pdfLayoutRows(gp, face, s) + pdfSectionGap + pdfLayoutRows(gp, meta, s) + bandH
		if end <= pdfContentBottom {
			size = s
			break
		}
	}
	if size == 0 { // blame the tallest row at the smallest size
		tallest := slices.MaxFunc(append(slices.Clone(face), meta...), func(a, b pdfRow) int {
			return cmp.Compare(a.height, b.height)
		})
		return nil, errs.Field(tallest.field, "license.pdf.error.page_full")
	}

	pdfDrawFrame(gp)
	gp.SetTextColor(0, 0, 0)
	if err := gp.SetFontSize(pdfTitleSize); err != nil {
		return nil, errs.Wrapf(errs.Internal, err, "error.internal")
	}
	y := pdfTitleTop
	for _, line := range titleLines {
		if err := pdfText(gp, pdfMargin, y, contentW, pdfTitleLineH, line, gopdf.Center|gopdf.Middle); err != nil {
			return nil, err
		}
		y += pdfTitleLineH
	}
	y += pdfTitleGap
	if err := gp.SetFontSize(size); err != nil {
		return nil, errs.Wrapf(errs.Internal, err, "error.internal")
	}
	if y, err = pdfDrawRows(gp, face, y, size); err != nil {
		return nil, err
	}
	if y, err = pdfDrawRows(gp, meta, y+pdfSectionGap, size); err != nil {
		return nil, err
	}
	if len(bandLines) > 0 {
		if err := pdfDrawBand(gp, bandLines, y+pdfBandGap, bandH-pdfBandGap); err != nil {
			return nil, err
		}
	}

	qrSize := pdfQRSize
	if a != nil && a.QRSize > 0 {
		qrSize = a.QRSize
	}
	if len(opt.QRCode) > 0 {
		if err := pdfDrawQR(gp, opt.QRCode, qrSize); err != nil {
			return nil, err
		}
	}
	if err := gp.SetFontSize(pdfIdentSize); err != nil {
		return nil, errs.Wrapf(errs.Internal, err, "error.internal")
	}
	identLines := pdfWrap(ident, contentW, pdfMeasurer(gp))
	if a != nil && a.Footer != "" {
		identLines = append(identLines, pdfWrap(a.Footer, contentW, pdfMeasurer(gp))...)
	}
	const identLineH = pdfIdentSize * 1.4
	y = pdfPageH - pdfIdentBottom - float64(len(identLines))*identLineH
	gp.SetTextColor(0x55, 0x55, 0x55)
	for _, line := range identLines {
		if err := pdfText(gp, pdfMargin, y, contentW, identLineH, line, gopdf.Center|gopdf.Middle); err != nil {
			return nil, err
		}
		y += identLineH
	}
	if a != nil && a.Watermark != "" {
		if err := pdfDrawWatermark(gp, a.Watermark); err != nil {
			return nil, err
		}
	}

	out, err := gp.GetBytesPdfReturnErr()
	if err != nil {
		return nil, errs.Wrapf(errs.Internal, err, "error.internal")
	}
	return out, nil
}

// pdfMissingGlyph returns the first character of text that the current font lacks, and false;
// or true when it has them all.
func pdfMissingGlyph(gp *gopdf.GoPdf, text string) (rune, bool) {
	for _, r := range text {
		if r == '\n' {
			continue
		}
		if ok, err := gp.IsCurrFontContainGlyph(r); err != nil || !ok {
			return r, false
		}
	}
	return 0, true
}

// pdfFieldLimit is the most characters a value of f may have.
func pdfFieldLimit(f Field) int {
	switch {
	case f.MaxLen > 0:
		return f.MaxLen
	case f.Kind == FieldArea:
		return 2000
	}
	return 200
}

// pdfFaceRows checks l's face data against t's fields and returns the rows to print, in the
// type's order: every required field, and the optional ones that have a value.
func pdfFaceRows(l Licence, t Type) ([]pdfRow, error) {
	known := make(map[string]bool, len(t.Fields))
	for _, f := range t.Fields {
		known[f.Key] = true
	}
	var unknown []string
	for k := range l.Face {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return nil, errs.Field(unknown[0], "license.pdf.error.unknown_field", unknown[0])
	}
	var rows []pdfRow
	for _, f := range t.Fields {
		v := l.Face[f.Key]
		if !utf8.ValidString(v) {
			return nil, errs.Field(f.Key, "license.pdf.error.text")
		}
		if n, limit := utf8.RuneCountInString(v), pdfFieldLimit(f); n > limit {
			return nil, errs.Field(f.Key, "license.pdf.error.too_long", limit)
		}
		v = pdfCleanText(v, f.Kind == FieldArea)
		if v == "" && !f.Required {
			continue
		}
		switch {
		case f.Kind == FieldDate:
			v = pdfDate(v)
		case v == l.HolderCode && l.HolderCodeType != HolderCodeCreditCode:
			// The holder's ID number printed as face data is masked as the metadata's is.
			v = pdfMaskCode(v, l.HolderCodeType)
		}
		label := pdfCleanText(f.NameHans, false)
		if label == "" {
			label = f.Key
		}
		rows = append(rows, pdfRow{field: f.Key, label: label, value: v})
	}
	return rows, nil
}

// pdfMetaRows are the licence's metadata rows.
func pdfMetaRows(l Licence) []pdfRow {
	codeLabel := "证件号码"
	switch l.HolderCodeType {
	case HolderCodeCreditCode:
		codeLabel = "统一社会信用代码"
	case HolderCodeResidentID:
		codeLabel = "公民身份号码"
	}
	validity := "长期"
	if l.ValidFrom != "" {
		until := "长期"
		if l.ValidUntil != "" {
			until = pdfDate(l.ValidUntil)
		}
		validity = pdfDate(l.ValidFrom) + " 至 " + until
	} else if l.ValidUntil != "" {
		validity = "至 " + pdfDate(l.ValidUntil)
	}
	return []pdfRow{
		{field: "number", label: "证照编号", value: l.Number},
		{field: "holder_name", label: "持证主体", value: l.HolderName},
		{field: "holder_code", label: codeLabel, value: pdfMaskCode(l.HolderCode, l.HolderCodeType)},
		{field: "issuer_name", label: "发证机关", value: l.IssuerName},
		{field: "issued_on", label: "发证日期", value: pdfDate(l.IssuedOn)},
		{field: "valid_until", label: "有效期限", value: validity},
	}
}

// pdfMaskCode shows a credit code in full and hides the middle of any other holder code: a
// resident ID number keeps its first 6 (the region) and last 4 characters; a shorter code only
// its last 4, and one of 4 characters or fewer nothing.
func pdfMaskCode(code, codeType string) string {
	if codeType == HolderCodeCreditCode {
		return code
	}
	r := []rune(code)
	keepHead, keepTail := 6, 4
	if len(r) <= keepHead+keepTail {
		keepHead = 0
		if len(r) <= keepTail {
			keepTail = 0
		}
	}
	for i := keepHead; i < len(r)-keepTail; i++ {
		r[i] = '*'
	}
	return string(r)
}

// pdfDate writes a YYYY-MM-DD date the way Chinese documents do (2026年1月5日); anything else
// is returned as it is.
func pdfDate(s string) string {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return fmt.Sprintf("%d年%d月%d日", d.Year(), int(d.Month()), d.Day())
}

// pdfCleanText makes s printable: in an area, CR LF and CR become line breaks; elsewhere line
// breaks become spaces; other control characters become spaces and invisible format
// characters (zero-width space, byte-order mark) are dropped; lines lose trailing spaces.
func pdfCleanText(s string, multiline bool) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r':
			if multiline {
				b.WriteRune('\n')
			} else {
				b.WriteRune(' ')
			}
		case unicode.IsControl(r) || unicode.Is(unicode.Zs, r) && r != '\u3000':
			b.WriteRune(' ')
		case unicode.Is(unicode.Cf, r):
		default:
			b.WriteRune(r)
		}
	}
	lines := strings.Split(b.String(), "\n")
	for i, line := range lines {
		lines[i] = strings.TrimRight(line, " ")
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// pdfMeasurer returns the width of a character at gp's current font and size, remembered.
func pdfMeasurer(gp *gopdf.GoPdf) func(rune) float64 {
	widths := map[rune]float64{}
	return func(r rune) float64 {
		w, ok := widths[r]
		if !ok {
			w, _ = gp.MeasureTextWidth(string(r)) // every character was checked to be in the font
			widths[r] = w
		}
		return w
	}
}

// pdfLayoutRows wraps rows at the current size, sets their lines and heights and returns
// their total height.
func pdfLayoutRows(gp *gopdf.GoPdf, rows []pdfRow, size float64) float64 {
	measure := pdfMeasurer(gp)
	lineH := size * pdfLineFactor
	total := 0.0
	for i := range rows {
		r := &rows[i]
		r.labelLines = pdfWrap(r.label, pdfLabelW-2*pdfPadX, measure)
		r.valueLines = pdfWrap(r.value, pdfPageW-2*pdfMargin-pdfLabelW-2*pdfPadX, measure)
		n := max(len(r.labelLines), len(r.valueLines), 1)
		r.height = float64(n)*lineH + 2*pdfPadY
		total += r.height
	}
	return total
}

// pdfDrawRows draws laid-out rows as a table from y down and returns where it ends.
func pdfDrawRows(gp *gopdf.GoPdf, rows []pdfRow, y, size float64) (float64, error) {
	const x = pdfMargin
	const w = pdfPageW - 2*pdfMargin
	lineH := size * pdfLineFactor
	for _, r := range rows {
		gp.SetFillColor(0xf3, 0xf1, 0xec)
		gp.RectFromUpperLeftWithStyle(x, y, pdfLabelW, r.height, "F")
		gp.SetStrokeColor(0x80, 0x80, 0x80)
		gp.SetLineWidth(0.5)
		gp.RectFromUpperLeftWithStyle(x, y, w, r.height, "D")
		gp.Line(x+pdfLabelW, y, x+pdfLabelW, y+r.height)
		for col, lines := range [][]string{r.labelLines, r.valueLines} {
			cx, cw := x+pdfPadX, pdfLabelW-2*pdfPadX
			gp.SetTextColor(0x44, 0x44, 0x44)
			if col == 1 {
				cx, cw = x+pdfLabelW+pdfPadX, w-pdfLabelW-2*pdfPadX
				gp.SetTextColor(0, 0, 0)
			}
			ly := y + (r.height-float64(len(lines))*lineH)/2
			for _, line := range lines {
				if err := pdfText(gp, cx, ly, cw, lineH, line, gopdf.Left|gopdf.Middle); err != nil {
					return 0, err
				}
				ly += lineH
			}
		}
		y += r.height
	}
	return y, nil
}

// pdfText draws one line in the box at (x, y) of width w and height h.
func pdfText(gp *gopdf.GoPdf, x, y, w, h float64, line string, align int) error {
	if line == "" {
		return nil
	}
	gp.SetXY(x, y)
	if err := gp.CellWithOption(&gopdf.Rect{W: w, H: h}, line, gopdf.CellOption{Align: align}); err != nil {
		return errs.Wrapf(errs.Internal, err, "error.internal")
	}
	return nil
}

// pdfDrawFrame draws the page's double frame.
func pdfDrawFrame(gp *gopdf.GoPdf) {
	gp.SetStrokeColor(0xa3, 0x2a, 0x22)
	gp.SetLineWidth(1.6)
	gp.RectFromUpperLeftWithStyle(pdfFrameOuter, pdfFrameOuter, pdfPageW-2*pdfFrameOuter, pdfPageH-2*pdfFrameOuter, "D")
	gp.SetLineWidth(0.6)
	gp.RectFromUpperLeftWithStyle(pdfFrameInner, pdfFrameInner, pdfPageW-2*pdfFrameInner, pdfPageH-2*pdfFrameInner, "D")
}

// pdfDrawQR draws the QR code at the lower left with its caption. The picture is decoded and
// written again as an 8-bit grey PNG (transparency flattened onto white) so that any PNG
// works and a damaged one is refused here.
func pdfDrawQR(gp *gopdf.GoPdf, qr []byte, side float64) error {
	cfg, err := png.DecodeConfig(bytes.NewReader(qr))
	if err != nil {
		return errs.Wrapf(errs.Invalid, err, "license.pdf.error.qr_image")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > pdfMaxQR || cfg.Height > pdfMaxQR {
		return errs.Wrapf(errs.Invalid, fmt.Errorf("QR code picture of %d×%d pixels", cfg.Width, cfg.Height),
			"license.pdf.error.qr_image")
	}
	img, err := png.Decode(bytes.NewReader(qr))
	if err != nil {
		return errs.Wrapf(errs.Invalid, err, "license.pdf.error.qr_image")
	}
	gray := image.NewGray(img.Bounds())
	draw.Draw(gray, gray.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(gray, gray.Bounds(), img, img.Bounds().Min, draw.Over)
	var b bytes.Buffer
	if err := png.Encode(&b, gray); err != nil {
		return errs.Wrapf(errs.Internal, err, "error.internal")
	}
	holder, err := gopdf.ImageHolderByBytes(b.Bytes())
	if err != nil {
		return errs.Wrapf(errs.Invalid, err, "license.pdf.error.qr_image")
	}
	top := pdfPageH - pdfQRBottom - side
	if err := gp.ImageByHolder(holder, pdfMargin, top, &gopdf.Rect{W: side, H: side}); err != nil {
		return errs.Wrapf(errs.Invalid, err, "license.pdf.error.qr_image")
	}
	if err := gp.SetFontSize(pdfCaptionSize); err != nil {
		return errs.Wrapf(errs.Internal, err, "error.internal")
	}
	gp.SetTextColor(0x33, 0x33, 0x33)
	return pdfText(gp, pdfMargin, top+side+2, side, pdfCaptionSize*1.4, "扫码核验", gopdf.Center|gopdf.Middle)
}

// pdfDrawBand draws an annotation's lines in a red box of height h from y down.
func pdfDrawBand(gp *gopdf.GoPdf, lines []string, y, h float64) error {
	const x, w = pdfMargin, pdfPageW - 2*pdfMargin
	gp.SetFillColor(0xfb, 0xef, 0xed)
	gp.RectFromUpperLeftWithStyle(x, y, w, h, "F")
	gp.SetStrokeColor(0xa3, 0x2a, 0x22)
	gp.SetLineWidth(1.2)
	gp.RectFromUpperLeftWithStyle(x, y, w, h, "D")
	if err := gp.SetFontSize(pdfBandSize); err != nil {
		return errs.Wrapf(errs.Internal, err, "error.internal")
	}
	gp.SetTextColor(0xa3, 0x2a, 0x22)
	lineH := pdfBandSize * pdfLineFactor
	ly := y + pdfBandPad
	for _, line := range lines {
		if err := pdfText(gp, x+pdfBandPad, ly, w-2*pdfBandPad, lineH, line, gopdf.Left|gopdf.Middle); err != nil {
			return err
		}
		ly += lineH
	}
	return nil
}

// pdfDrawWatermark writes text faintly across the page, rotated, line after line, so that a
// cut-out part of the page still carries it.
func pdfDrawWatermark(gp *gopdf.GoPdf, text string) error {
	tr, err := gopdf.NewTransparency(0.13, "")
	if err != nil {
		return errs.Wrapf(errs.Internal, err, "error.internal")
	}
	if err := gp.SetTransparency(tr); err != nil {
		return errs.Wrapf(errs.Internal, err, "error.internal")
	}
	defer gp.ClearTransparency()
	if err := gp.SetFontSize(pdfWatermarkSize); err != nil {
		return errs.Wrapf(errs.Internal, err, "error.internal")
	}
	gp.SetTextColor(0xa3, 0x2a, 0x22)
	w, err := gp.MeasureTextWidth(text)
	if err != nil {
		return errs.Wrapf(errs.Internal, err, "error.internal")
	}
	gp.Rotate(30, pdfPageW/2, pdfPageH/2)
	defer gp.RotateReset()
	for y := -pdfPageH / 4; y < pdfPageH*5/4; y += pdfWatermarkStep {
		if err := pdfText(gp, (pdfPageW-w)/2, y, w+1, pdfWatermarkSize*1.3, text, gopdf.Left|gopdf.Middle); err != nil {
			return err
		}
	}
	return nil
}

// pdfWrap breaks text into lines no wider than width, measured character by character:
// Chinese text breaks between any two characters, a run of Latin letters and digits only at
// a space unless it is wider than a line by itself; a line does not start with closing
// punctuation (、，。）…) or end with opening punctuation (（《“…) when the character before
// can go down with it. Line breaks in text are kept; an empty text gives no lines.
func pdfWrap(text string, width float64, measure func(rune) float64) []string {
	if text == "" {
		return nil
	}
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		lines = append(lines, pdfWrapLine(para, width, measure)...)
	}
	return lines
}

func pdfWrapLine(text string, width float64, measure func(rune) float64) []string {
	tokens := pdfTokens(text)
	var lines []string
	var line []string // tokens
	lineW := 0.0
	tokenW := func(tok string) float64 {
		w := 0.0
		for _, r := range tok {
			w += measure(r)
		}
		return w
	}
	flush := func() {
		lines = append(lines, strings.TrimRight(strings.Join(line, ""), " "))
		line, lineW = nil, 0
	}
	for i := 0; i < len(tokens); i++ {
		tok := tokens[i]
		w := tokenW(tok)
		switch {
		case len(line) == 0 && tok == " ":
			// no space at the start of a line
		case lineW+w <= width:
			line = append(line, tok)
			lineW += w
		case tok == " ":
			flush() // a space at a break is dropped
		case len(line) == 0:
			// A word wider than a line: break it where it must.
			var part []rune
			partW := 0.0
			for _, r := range tok {
				if rw := measure(r); partW+rw > width && len(part) > 0 {
					lines = append(lines, string(part))
					part, partW = nil, 0
				}
				part = append(part, r)
				partW += measure(r)
			}
			line, lineW = []string{string(part)}, partW
		default:
			// The closing punctuation (and any the line ends with) goes down with the
			// character before it, if that leaves something on the line.
			var carry []string
			if pdfClosing(tok) {
				k := len(line)
				for k > 0 && pdfClosing(line[k-1]) {
					k--
				}
				if k >= 2 {
					carry = slices.Clone(line[k-1:])
					line = line[:k-1]
				}
			}
			for len(line) > 1 && pdfOpening(line[len(line)-1]) {
				carry = append([]string{line[len(line)-1]}, carry...)
				line = line[:len(line)-1]
			}
			flush()
			for _, c := range carry {
				line = append(line, c)
				lineW += tokenW(c)
			}
			if len(line) > 0 && lineW+w > width { // the carried text and tok do not fit together
				flush()
			}
			i-- // place tok on the new line
		}
	}
	if len(line) > 0 || len(lines) == 0 {
		flush()
	}
	return lines
}

// pdfTokens splits text into what a line may not break inside: runs of Latin letters and
// digits (with the punctuation inside codes and numbers), single spaces and single other
// characters.
func pdfTokens(text string) []string {
	var tokens []string
	var word []rune
	for _, r := range text {
		if r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-_./:@#%&+'", r)) {
			word = append(word, r)
			continue
		}
		if len(word) > 0 {
			tokens = append(tokens, string(word))
			word = nil
		}
		tokens = append(tokens, string(r))
	}
	if len(word) > 0 {
		tokens = append(tokens, string(word))
	}
	return tokens
}

func pdfClosing(tok string) bool {
	return utf8.RuneCountInString(tok) == 1 && strings.Contains("、，。；：！？）》」』】〕”’,.;:!?)]}%…", tok)
}

func pdfOpening(tok string) bool {
	return utf8.RuneCountInString(tok) == 1 && strings.Contains("（《「『【〔“‘([{", tok)
}
