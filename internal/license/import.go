package license

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/i18n"
)

// Bulk import of licences issued before the platform: a file with a header row and one licence a
// row is parsed here (ParseImport) before any transaction, checked row by row, and issued in one
// transaction (Service.Import), so that a file with any bad row stores nothing.

// Limits of an import file.
const (
	// MaxImportBytes bounds the file, MaxImportRows its licences (rows after the header).
	MaxImportBytes = 50 << 20
	MaxImportRows  = 100_000
	// maxImportColumns bounds the columns read of a row: the metadata and every face-data field
	// fit many times over.
	maxImportColumns = 256
	// maxImportUnzip bounds what a workbook may unpack to, so that a small zip bomb is refused.
	maxImportUnzip = 1 << 30
)

// Formats of import files.
const (
	ImportXLSX = "xlsx"
	ImportCSV  = "csv"
)

// Column keys of an import file: the licence's metadata, and "face.<key>" for a face-data field.
const (
	ColNumber         = "number"
	ColHolderName     = "holder_name"
	ColHolderCode     = "holder_code"
	ColHolderCodeType = "holder_code_type"
	ColIssuedOn       = "issued_on"
	ColValidFrom      = "valid_from"
	ColValidUntil     = "valid_until"
)

// importHeaders are the headers each metadata column is known by besides its key: the GB/T 36903
// names in simplified and traditional characters and their common variants. Headers are compared
// by importHeaderKey.
var importHeaders = map[string][]string{
	ColNumber:         {"licence_number", "license_number", "证照编号", "證照編號", "编号", "編號", "证书编号", "證書編號"},
	ColHolderName:     {"持证主体", "持證主體", "持证主体名称", "持證主體名稱", "持证人", "持證人", "持证人名称", "持證人名稱"},
	ColHolderCode:     {"持证主体代码", "持證主體代碼", "持证人代码", "持證人代碼", "证件号码", "證件號碼"},
	ColHolderCodeType: {"持证主体代码类型", "持證主體代碼類型", "代码类型", "代碼類型", "证件类型", "證件類型"},
	ColIssuedOn:       {"issue_date", "颁证日期", "頒證日期", "发证日期", "發證日期", "签发日期", "簽發日期"},
	ColValidFrom:      {"有效期起始日期", "有效期起始日", "有效期起始", "有效期自", "有效期開始日期", "有效期开始日期"},
	ColValidUntil:     {"有效期截止日期", "有效期截止日", "有效期截止", "有效期至", "有效期結束日期", "有效期结束日期"},
}

// importHeaderKey is a header as compared: without spaces, a required-field star or case.
func importHeaderKey(h string) string {
	h = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '*' || r == '＊' {
			return -1
		}
		return unicode.ToLower(r)
	}, h)
	return h
}

// ImportColumn is a column of an import file that the import reads.
type ImportColumn struct {
	// Letter is the column as a spreadsheet names it ("A", "B", …, "AA").
	Letter string `json:"letter"`
	// Header is its header as written in the file.
	Header string `json:"header"`
	// Key is what it holds: a Col* constant or "face.<field key>".
	Key string `json:"key"`
}

// ImportRow is one licence of an import file, its values as written (trimmed; dates turned into
// YYYY-MM-DD where they were recognisable, holder code types into their codes).
type ImportRow struct {
	// Row is its row in the file, the header being row 1.
	Row int `json:"row"`

	Number, HolderName, HolderCode, HolderCodeType string
	IssuedOn, ValidFrom, ValidUntil                string
	// Face is the face data by field key; columns the file lacks are absent.
	Face map[string]string
}

// ImportFile is an import file, parsed.
type ImportFile struct {
	// Format is ImportXLSX or ImportCSV; Encoding "utf-8" or "gb18030" for CSV.
	Format   string
	Encoding string
	// SHA256 is the hex digest of the file as read.
	SHA256 string
	// TypeCode and TypeVersion are the licence type the file was read for.
	TypeCode    string
	TypeVersion int
	Columns     []ImportColumn
	Rows        []ImportRow
}

// ImportProblem is one thing wrong with an import file: a cell, a row or the file itself.
type ImportProblem struct {
	// Row is the row of the file (the header is row 1); 0 for the file as a whole.
	Row int `json:"row"`
	// Column and Header name the column ("C", "持证主体代码"); empty for a whole row or file.
	Column string `json:"column,omitempty"`
	Header string `json:"header,omitempty"`
	// Message is an i18n key, Args its arguments.
	Message string `json:"message"`
	Args    []any  `json:"args,omitempty"`
}

// Text says the problem in lang: where, then what.
func (p ImportProblem) Text(lang i18n.Lang) string {
	msg := p.Message
	if i18n.Has(msg) {
		msg = i18n.T(lang, msg, p.Args...)
	}
	switch {
	case p.Row > 0 && p.Column != "":
		return i18n.T(lang, "license.import.at_cell", p.Row, p.Column, p.Header, msg)
	case p.Row > 0:
		return i18n.T(lang, "license.import.at_row", p.Row, msg)
	}
	return i18n.T(lang, "license.import.at_file", msg)
}

// ImportError is the error of an import that stored nothing because of what the file holds:
// every problem found, in row order.
type ImportError struct {
	Problems []ImportProblem
}

func (e *ImportError) Error() string {
	var b strings.Builder
	b.WriteString("license import:")
	for i, p := range e.Problems {
		if i == 10 {
			fmt.Fprintf(&b, " … %d more", len(e.Problems)-i)
			break
		}
		fmt.Fprintf(&b, " row %d %s %s;", p.Row, p.Column, p.Message)
	}
	return b.String()
}

// Unwrap returns the first problem as an errs.Invalid on field "file", so that errs.KindOf and
// httpserver treat an *ImportError as invalid input.
func (e *ImportError) Unwrap() error {
	if len(e.Problems) == 0 {
		return nil
	}
	p := e.Problems[0]
	return errs.Field("file", p.Message, p.Args...)
}

// fileProblem is an *ImportError of one problem with the whole file.
func fileProblem(message string, args ...any) error {
	return &ImportError{Problems: []ImportProblem{{Message: message, Args: args}}}
}

var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1} // .xls, .doc
	utf8BOM  = []byte{0xEF, 0xBB, 0xBF}
)

// ParseImport reads an import file of licences of type t: an Excel workbook (.xlsx, its first
// sheet) or CSV text (UTF-8 with or without a byte-order mark, or GB18030 as older systems
// export it). The format is told by the content, whatever name says; name only serves to refuse a
// file named as a workbook that is not one. Row 1 holds the headers: the metadata columns by key
// or Chinese name (importHeaders), the face-data fields by key or name (NameHans, NameHant,
// NameEn). Required are the holder's name and code, the issue date, the end of validity for a
// type with an end, and the type's required face-data fields.
//
// Problems with the file or its headers are an *ImportError (a file over MaxImportBytes is
// errs.TooLarge); the rows' values are checked by Service.Import.
func ParseImport(data []byte, name string, t Type) (_ *ImportFile, err error) {
	defer errs.Wrap(&err, "license.ParseImport(%s)", filepath.Base(name))
	if len(data) > MaxImportBytes {
		return nil, errs.E(errs.TooLarge, "license.import.too_large", MaxImportBytes>>20)
	}
	sum := sha256.Sum256(data)
	f := &ImportFile{SHA256: hex.EncodeToString(sum[:]), TypeCode: t.Code, TypeVersion: t.Version}
	ext := strings.ToLower(filepath.Ext(name))
	var rows rowReader
	switch {
	case bytes.HasPrefix(data, zipMagic):
		f.Format = ImportXLSX
		rows, err = openWorkbook(data)
	case bytes.HasPrefix(data, oleMagic):
		return nil, fileProblem("license.import.old_xls")
	case ext == ".xlsx" || ext == ".xlsm" || ext == ".xls":
		return nil, fileProblem("license.import.not_workbook", filepath.Base(name))
	default:
		f.Format = ImportCSV
		rows, f.Encoding, err = openCSV(data)
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if err := f.read(rows, t); err != nil {
		return nil, err
	}
	return f, nil
}

// rowReader gives a file's rows one by one.
type rowReader interface {
	Next() bool
	// Row returns the current row's number (from 1, as a spreadsheet shows it) and cells.
	Row() (int, []string, error)
	// Date1904 says whether the workbook counts dates from 1904.
	Date1904() bool
	Close() error
}

// read reads the header and the rows of f from rows.
func (f *ImportFile) read(rows rowReader, t Type) error {
	if !rows.Next() {
		return fileProblem("license.import.no_header")
	}
	_, header, err := rows.Row()
	if err != nil {
		return err
	}
	cols, problems := importColumns(header, t)
	if len(problems) > 0 {
		return &ImportError{Problems: problems}
	}
	f.Columns = cols
	known := len(header)
	for rows.Next() {
		n, cells, err := rows.Row()
		if err != nil {
			return err
		}
		if allEmpty(cells) {
			continue
		}
		if len(f.Rows) == MaxImportRows {
			return fileProblem("license.import.too_many_rows", MaxImportRows)
		}
		row := ImportRow{Row: n, Face: map[string]string{}}
		for i, v := range cells {
			v = strings.TrimSpace(v)
			if v == "" {
				continue
			}
			if i >= known || cols[i].Key == "" {
				problems = append(problems, ImportProblem{Row: n, Column: columnLetter(i), Message: "license.import.no_column"})
				continue
			}
			row.set(cols[i].Key, v, t, f.Format == ImportXLSX, rows.Date1904())
		}
		f.Rows = append(f.Rows, row)
	}
	if len(problems) > 0 {
		return &ImportError{Problems: problems}
	}
	if len(f.Rows) == 0 {
		return fileProblem("license.import.no_rows")
	}
	return nil
}

// importColumns maps a header row to column keys: one per cell, "" for an empty header (its
// cells must be empty). Unknown, repeated and missing columns are problems.
func importColumns(header []string, t Type) ([]ImportColumn, []ImportProblem) {
	byHeader := map[string]string{}
	for key, names := range importHeaders {
		byHeader[key] = key
		for _, n := range names {
			byHeader[importHeaderKey(n)] = key
		}
	}
	for _, fl := range t.Fields {
		for _, n := range []string{fl.Key, fl.NameHans, fl.NameHant, fl.NameEn} {
			if k := importHeaderKey(n); k != "" {
				if _, taken := byHeader[k]; !taken {
					byHeader[k] = "face." + fl.Key
				}
			}
		}
	}
	var problems []ImportProblem
	if len(header) > maxImportColumns {
		return nil, []ImportProblem{{Row: 1, Message: "license.import.too_many_columns", Args: []any{maxImportColumns}}}
	}
	cols := make([]ImportColumn, len(header))
	seen := map[string]string{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		cols[i] = ImportColumn{Letter: columnLetter(i), Header: h}
		if h == "" {
			continue
		}
		key, ok := byHeader[importHeaderKey(h)]
		if !ok {
			problems = append(problems, ImportProblem{Row: 1, Column: cols[i].Letter, Header: h, Message: "license.import.unknown_column"})
			continue
		}
		if other, twice := seen[key]; twice {
			problems = append(problems, ImportProblem{Row: 1, Column: cols[i].Letter, Header: h, Message: "license.import.column_twice", Args: []any{other}})
			continue
		}
		seen[key] = cols[i].Letter
		cols[i].Key = key
	}
	need := []struct{ key, name string }{{ColHolderName, "持证主体"}, {ColHolderCode, "持证主体代码"}, {ColIssuedOn, "颁证日期"}}
	if t.MaxValidityMonths > 0 {
		need = append(need, struct{ key, name string }{ColValidUntil, "有效期截止日期"})
	}
	for _, fl := range t.Fields {
		if fl.Required {
			need = append(need, struct{ key, name string }{"face." + fl.Key, fl.NameHans})
		}
	}
	for _, n := range need {
		if _, ok := seen[n.key]; !ok {
			problems = append(problems, ImportProblem{Row: 1, Message: "license.import.column_missing", Args: []any{n.name, strings.TrimPrefix(n.key, "face.")}})
		}
	}
	return cols, problems
}

// set stores value v of column key in r, normalising dates and holder code types.
func (r *ImportRow) set(key, v string, t Type, workbook, date1904 bool) {
	switch key {
	case ColNumber:
		r.Number = v
	case ColHolderName:
		r.HolderName = v
	case ColHolderCode:
		r.HolderCode = v
	case ColHolderCodeType:
		r.HolderCodeType = holderCodeType(v)
	case ColIssuedOn:
		r.IssuedOn = importDate(v, workbook, date1904)
	case ColValidFrom:
		r.ValidFrom = importDate(v, workbook, date1904)
	case ColValidUntil:
		r.ValidUntil = importDate(v, workbook, date1904)
	default:
		k := strings.TrimPrefix(key, "face.")
		for _, fl := range t.Fields {
			if fl.Key == k && fl.Kind == FieldDate {
				v = importDate(v, workbook, date1904)
			}
		}
		r.Face[k] = v
	}
}

// holderCodeType turns the names of holder code types people write into their codes; anything
// else is kept for the check to refuse.
func holderCodeType(v string) string {
	switch importHeaderKey(v) {
	case "111", "身份证", "身份證", "居民身份证", "居民身分證", "居民身份證", "居民身份证号码", "居民身分證號碼", "居民身份證號碼":
		return HolderCodeResidentID
	// A workbook keeps 001 typed in a number cell as 1.
	case "001", "1", "统一社会信用代码", "統一社會信用代碼", "信用代码", "信用代碼":
		return HolderCodeCreditCode
	}
	return v
}

var (
	// Dates as people and older systems write them: 2024-01-15, 2024/1/15, 2024.1.15,
	// 2024年1月15日, 20240115, each perhaps followed by a time of day.
	dateSepRE  = regexp.MustCompile(`^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$`)
	dateBareRE = regexp.MustCompile(`^(\d{4})(\d{2})(\d{2})$`)
	serialRE   = regexp.MustCompile(`^\d{1,6}(?:\.\d+)?$`)
)

// importDate returns date v as YYYY-MM-DD if it is recognisable (in a workbook also as a date
// serial number), else v as it is.
func importDate(v string, workbook, date1904 bool) string {
	if m := dateSepRE.FindStringSubmatch(v); m != nil {
		return civilDate(m[1], m[2], m[3], v)
	}
	if m := dateBareRE.FindStringSubmatch(v); m != nil {
		return civilDate(m[1], m[2], m[3], v)
	}
	if workbook && serialRE.MatchString(v) {
		n, err := strconv.ParseFloat(v, 64)
		if err == nil && n >= 1 && n < 2958466 { // up to 9999-12-31
			if d, err := excelize.ExcelDateToTime(math.Floor(n), date1904); err == nil {
				return d.Format(dateLayout)
			}
		}
	}
	return v
}

// civilDate is the date of year, month and day if it exists, else orig.
func civilDate(y, m, d, orig string) string {
	yy, _ := strconv.Atoi(y)
	mm, _ := strconv.Atoi(m)
	dd, _ := strconv.Atoi(d)
	t := time.Date(yy, time.Month(mm), dd, 0, 0, 0, 0, time.UTC)
	if t.Year() != yy || int(t.Month()) != mm || t.Day() != dd {
		return orig
	}
	return t.Format(dateLayout)
}

// columnLetter names column i (from 0) as a spreadsheet does.
func columnLetter(i int) string {
	s, err := excelize.ColumnNumberToName(i + 1)
	if err != nil {
		return strconv.Itoa(i + 1)
	}
	return s
}

func allEmpty(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// workbookRows reads the first sheet of a workbook.
type workbookRows struct {
	f     *excelize.File
	rows  *excelize.Rows
	n     int
	w1904 bool
}

// openWorkbook opens an .xlsx file; one that does not open, or has no sheet, is not a workbook.
func openWorkbook(data []byte) (rowReader, error) {
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fileProblem("license.import.not_workbook_content")
	}
	var unzipped uint64
	for _, e := range z.File {
		unzipped += e.UncompressedSize64
	}
	if unzipped > maxImportUnzip {
		return nil, fileProblem("license.import.unzip_too_large", maxImportUnzip>>20)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true,
		UnzipSizeLimit: maxImportUnzip})
	if err != nil {
		return nil, fileProblem("license.import.not_workbook_content")
	}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		f.Close()
		return nil, fileProblem("license.import.not_workbook_content")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		f.Close()
		return nil, fileProblem("license.import.not_workbook_content")
	}
	w := &workbookRows{f: f, rows: rows}
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		w.w1904 = *props.Date1904
	}
	return w, nil
}

func (w *workbookRows) Next() bool {
	w.n++
	return w.rows.Next()
}

func (w *workbookRows) Date1904() bool { return w.w1904 }

func (w *workbookRows) Row() (int, []string, error) {
	cells, err := w.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return w.n, nil, fileProblem("license.import.not_workbook_content")
	}
	if len(cells) > maxImportColumns {
		cells = cells[:maxImportColumns+1]
	}
	return w.n, cells, nil
}
func (w *workbookRows) Close() error {
	w.rows.Close()
	return w.f.Close()
}

// csvRows reads CSV text.
type csvRows struct {
	r    *csv.Reader
	cur  []string
	err  error
	done bool
}

// openCSV decodes CSV text: UTF-8 (a byte-order mark is dropped) or GB18030. Text with NUL bytes
// or other control characters is some other kind of file.
func openCSV(data []byte) (rowReader, string, error) {
	enc := "utf-8"
	text := bytes.TrimPrefix(data, utf8BOM)
	if !utf8.Valid(text) {
		dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(text)
		if err != nil || bytes.ContainsRune(dec, utf8.RuneError) {
			return nil, "", fileProblem("license.import.encoding")
		}
		text, enc = dec, "gb18030"
	}
	if !csvText(text) {
		return nil, "", fileProblem("license.import.not_spreadsheet")
	}
	r := csv.NewReader(bytes.NewReader(text))
	r.FieldsPerRecord = -1
	r.ReuseRecord = false
	return &csvRows{r: r}, enc, nil
}

// csvText reports whether text may be CSV: no control characters but tabs, line ends and form
// feeds.
func csvText(text []byte) bool {
	for _, r := range string(text) {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' && r != '\f' || r == 0x7F {
			return false
		}
	}
	return true
}

func (c *csvRows) Next() bool {
	if c.done {
		return false
	}
	c.cur, c.err = c.r.Read()
	if c.err == io.EOF {
		c.done = true
		return false
	}
	return true
}

// Row numbers a record by the line it starts on: what a spreadsheet shows as its row, unless
// an earlier value spans lines.
func (c *csvRows) Row() (int, []string, error) {
	if c.err != nil {
		var pe *csv.ParseError
		if errors.As(c.err, &pe) {
			return pe.StartLine, nil, fileProblem("license.import.csv_syntax", pe.StartLine, pe.Line, pe.Column)
		}
		return 0, nil, c.err
	}
	line, _ := c.r.FieldPos(0)
	if len(c.cur) > maxImportColumns {
		return line, c.cur[:maxImportColumns+1], nil
	}
	return line, c.cur, nil
}

func (c *csvRows) Date1904() bool { return false }
func (c *csvRows) Close() error   { return nil }
