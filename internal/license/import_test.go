package license

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// xlsxOf writes rows as the first sheet of a workbook; a time.Time is written as Excel writes a
// date (a serial number with a date format).
func xlsxOf(tb testing.TB, rows [][]any) []byte {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			tb.Fatal(err)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// csvOf writes rows as CSV text.
func csvOf(rows [][]string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.WriteAll(rows)
	return b.Bytes()
}

func gb18030(tb testing.TB, utf8 []byte) []byte {
	tb.Helper()
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes(utf8)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// restaurantCode2 numbers synthetic restaurants' credit codes.
func restaurantCodeN(i int) string {
	return idcode.NewCreditCode('9', '2', "350102", fmt.Sprintf("%08d", 10000+i))
}

// guideID numbers synthetic tour guides' resident ID numbers.
func guideID(i int) string {
	return idcode.NewResidentID("350102", time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i/900), i%900)
}

var foodHeader = []string{"证照编号", "持证主体", "持证主体代码", "颁证日期", "有效期起始日期", "有效期截止日期",
	"法定代表人", "经营场所", "经营项目", "备注"}

// foodRows are n good rows of food business licences.
func foodRows(n int) [][]string {
	rows := [][]string{foodHeader}
	for i := 0; i < n; i++ {
		rows = append(rows, []string{fmt.Sprintf("JY1350102%07d", i+1), fmt.Sprintf("福州市鼓楼区第%d餐厅", i+1), restaurantCodeN(i),
			"2024-05-01", "2024-05-01", "2029-04-30", "王建国", "福州市鼓楼区杨桥东路18号", "热食类食品制售", ""})
	}
	return rows
}

var guideHeader = []string{"证照编号", "持证人", "证件号码", "证件类型", "颁证日期", "有效期起始日期", "有效期截止日期", "语种", "出生日期"}

// guideRows are n good rows of tour guides' certificates.
func guideRows(n int) [][]string {
	rows := [][]string{guideHeader}
	for i := 0; i < n; i++ {
		rows = append(rows, []string{fmt.Sprintf("DY-%06d", i+1), fmt.Sprintf("导游%d", i+1), guideID(i), "111",
			"2025-01-10", "2025-01-10", "2027-01-09", "英语", "1980-01-01"})
	}
	return rows
}

func anyRows(rows [][]string) [][]any {
	out := make([][]any, len(rows))
	for i, r := range rows {
		for _, c := range r {
			out[i] = append(out[i], c)
		}
	}
	return out
}

// problemsOf returns the problems of an *ImportError as "row column message" lines.
func problemsOf(t testing.TB, err error) []string {
	t.Helper()
	var ie *ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("error = %v, want an *ImportError", err)
	}
	var out []string
	for _, p := range ie.Problems {
		if !i18n.Has(p.Message) {
			t.Errorf("problem %+v has no message text", p)
		}
		for _, l := range i18n.All {
			if txt := p.Text(l); strings.Contains(txt, "%!") {
				t.Errorf("problem %+v in %s: %s", p, l, txt)
			}
		}
		out = append(out, fmt.Sprintf("%d %s %s", p.Row, p.Column, p.Message))
	}
	return out
}

func TestParseImport(t *testing.T) {
	food, guide := foodType(), guideType()
	food.Version, guide.Version = 1, 1
	// A workbook as Excel keeps one: dates as serial numbers, a number typed into a number cell.
	wb := anyRows(foodRows(2))
	wb[1][3] = time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	wb[1][5] = time.Date(2029, 4, 30, 0, 0, 0, 0, time.UTC)
	wb[2][0] = 12345
	wb[2][3] = "2024年5月1日"
	wb[2][4] = "2024/5/1"
	wb[2][5] = "20290430"
	goodXLSX := xlsxOf(t, wb)
	goodCSV := csvOf(guideRows(2))
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01")
	var plainZip bytes.Buffer
	zw := zip.NewWriter(&plainZip)
	w, _ := zw.Create("readme.txt")
	w.Write([]byte("not a workbook"))
	zw.Close()
	gapped := guideRows(3)
	gapped[2] = []string{"", "", "", "", "", "", "", "", ""}
	extraCell := guideRows(1)
	extraCell[1] = append(extraCell[1], "", "多余")

	for _, tc := range []struct {
		name     string
		data     []byte
		file     string
		typ      Type
		format   string
		encoding string
		rows     []int
		problems []string
		kind     errs.Kind
	}{
		{name: "xlsx", data: goodXLSX, file: "licences.xlsx", typ: food, format: ImportXLSX, rows: []int{2, 3}},
		{name: "csv", data: goodCSV, file: "guides.csv", typ: guide, format: ImportCSV, encoding: "utf-8", rows: []int{2, 3}},
		{name: "csv with BOM", data: append([]byte("\xEF\xBB\xBF"), goodCSV...), file: "guides.csv", typ: guide, format: ImportCSV,
			encoding: "utf-8", rows: []int{2, 3}},
		{name: "GB18030 csv", data: gb18030(t, goodCSV), file: "guides.csv", typ: guide, format: ImportCSV, encoding: "gb18030", rows: []int{2, 3}},
		{name: "a workbook named .csv is read as one", data: goodXLSX, file: "licences.csv", typ: food, format: ImportXLSX, rows: []int{2, 3}},
		{name: "empty rows are skipped, numbers kept", data: csvOf(gapped), file: "g.csv", typ: guide, format: ImportCSV, encoding: "utf-8", rows: []int{2, 4}},
		{name: "a PNG renamed .xlsx", data: png, file: "licences.xlsx", typ: food, problems: []string{"0  license.import.not_workbook"}},
		{name: "a PNG named .csv", data: png, file: "licences.csv", typ: food, problems: []string{"0  license.import.not_spreadsheet"}},
		{name: "a zip that is no workbook", data: plainZip.Bytes(), file: "licences.xlsx", typ: food,
			problems: []string{"0  license.import.not_workbook_content"}},
		{name: "an old .xls", data: append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 100)...), file: "old.xls",
			typ: food, problems: []string{"0  license.import.old_xls"}},
		{name: "neither UTF-8 nor GB18030", data: []byte("a,b\n\xff\xfe\xfd\n"), file: "x.csv", typ: food,
			problems: []string{"0  license.import.encoding"}},
		{name: "empty", data: nil, file: "x.csv", typ: food, problems: []string{"0  license.import.no_header"}},
		{name: "header only", data: csvOf(guideRows(0)), file: "x.csv", typ: guide, problems: []string{"0  license.import.no_rows"}},
		{name: "unknown, repeated and missing columns", data: csvOf([][]string{{"持证人", "证件号码", "颜色", "持證人"}, {"a", "b", "c", "d"}}),
			file: "x.csv", typ: guide, problems: []string{"1 C license.import.unknown_column", "1 D license.import.column_twice",
				"1  license.import.column_missing", "1  license.import.column_missing", "1  license.import.column_missing"}},
		{name: "a value in a column without header", data: csvOf(extraCell), file: "x.csv", typ: guide,
			problems: []string{"2 K license.import.no_column"}},
		{name: "unbalanced quotes", data: []byte(strings.Join(guideHeader, ",") + "\n\"a,b\n"), file: "x.csv", typ: guide,
			problems: []string{"0  license.import.csv_syntax"}},
		{name: "too large", data: make([]byte, MaxImportBytes+1), file: "x.csv", typ: guide, kind: errs.TooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ParseImport(tc.data, tc.file, tc.typ)
			switch {
			case tc.kind != "":
				if !errs.Is(err, tc.kind) {
					t.Fatalf("error = %v, want %s", err, tc.kind)
				}
				return
			case tc.problems != nil:
				if diff := cmp.Diff(tc.problems, problemsOf(t, err)); diff != "" {
					t.Fatalf("problems mismatch (-want +got):\n%s", diff)
				}
				if !errs.Is(err, errs.Invalid) {
					t.Errorf("an import error is %s, not invalid", errs.KindOf(err))
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			var rows []int
			for _, r := range f.Rows {
				rows = append(rows, r.Row)
			}
			if f.Format != tc.format || f.Encoding != tc.encoding || len(f.SHA256) != 64 || f.TypeCode != tc.typ.Code {
				t.Errorf("file = %s %s %s %s", f.Format, f.Encoding, f.SHA256, f.TypeCode)
			}
			if diff := cmp.Diff(tc.rows, rows); diff != "" {
				t.Errorf("rows mismatch (-want +got):\n%s", diff)
			}
		})
	}

	// What the workbook's cells became.
	f, err := ParseImport(goodXLSX, "licences.xlsx", food)
	if err != nil {
		t.Fatal(err)
	}
	want := []ImportRow{
		{Row: 2, Number: "JY13501020000001", HolderName: "福州市鼓楼区第1餐厅", HolderCode: restaurantCodeN(0), IssuedOn: "2024-05-01",
			ValidFrom: "2024-05-01", ValidUntil: "2029-04-30",
			Face: map[string]string{"legal_rep": "王建国", "address": "福州市鼓楼区杨桥东路18号", "business_scope": "热食类食品制售"}},
		{Row: 3, Number: "12345", HolderName: "福州市鼓楼区第2餐厅", HolderCode: restaurantCodeN(1), IssuedOn: "2024-05-01",
			ValidFrom: "2024-05-01", ValidUntil: "2029-04-30",
			Face: map[string]string{"legal_rep": "王建国", "address": "福州市鼓楼区杨桥东路18号", "business_scope": "热食类食品制售"}},
	}
	if diff := cmp.Diff(want, f.Rows); diff != "" {
		t.Errorf("workbook rows mismatch (-want +got):\n%s", diff)
	}
	if f.Columns[6].Key != "face.legal_rep" || f.Columns[2].Key != ColHolderCode || f.Columns[2].Letter != "C" {
		t.Errorf("columns = %+v", f.Columns)
	}
	g, err := ParseImport(gb18030(t, goodCSV), "guides.csv", guide)
	if err != nil || g.Rows[1].HolderName != "导游2" || g.Rows[0].Face["language"] != "英语" {
		t.Errorf("GB18030 rows = %+v (%v)", g, err)
	}
}

func TestParseImportTooManyRows(t *testing.T) {
	guide := guideType()
	var b bytes.Buffer
	b.WriteString("持证人,证件号码,颁证日期,有效期截止日期,语种\n")
	for i := 0; i <= MaxImportRows; i++ {
		b.WriteString("a,b,c,d,e\n")
	}
	_, err := ParseImport(b.Bytes(), "big.csv", guide)
	if diff := cmp.Diff([]string{"0  license.import.too_many_rows"}, problemsOf(t, err)); diff != "" {
		t.Errorf("problems mismatch (-want +got):\n%s", diff)
	}
}

func TestImport(t *testing.T) {
	eachRig(t, keys.SM2, func(t *testing.T, r *rig) {
		r.publishAll(t)
		testImport(t, r)
	})
}

// importer is the principal the command line imports as: the system, for an issuer.
func importer(orgCode string) principal.Principal {
	return principal.Principal{Kind: principal.System, Login: "cli.license-import", Name: "yiwang license import", OrgCode: orgCode, Via: "cli"}
}

func testImport(t *testing.T, r *rig) {
	ctx := context.Background()
	s := r.svc
	food, err := s.Published(ctx, foodTypeCode)
	if err != nil {
		t.Fatal(err)
	}
	guide, err := s.Published(ctx, guideTypeCode)
	if err != nil {
		t.Fatal(err)
	}
	count := func() int {
		var n int
		if err := r.db.Get(ctx, &n, `SELECT COUNT(*) FROM licences`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	parse := func(data []byte, name string, typ Type) *ImportFile {
		f, err := ParseImport(data, name, typ)
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		return f
	}
	p := importer(fzMarket)

	// A file with bad rows stores nothing, and says what is wrong with each.
	bad := guideRows(6)
	bad[2][2] = bad[2][2][:17] + string("0123456789X"[(strings.IndexByte("0123456789X", bad[2][2][17])+1)%11]) // wrong check digit
	bad[3][7] = ""                                                                                             // the language is required
	bad[4][6] = "2030-01-01"                                                                                   // beyond 36 months
	bad[5][0] = bad[1][0]                                                                                      // a number twice
	bad[6][3], bad[6][2] = "", restaurantCodeN(1)                                                              // a credit code for a person
	badFile := parse(csvOf(bad), "bad.csv", guide)
	entries := len(r.entries(t))
	_, err = s.Import(ctx, p, ImportRequest{TypeCode: guideTypeCode, File: badFile})
	want := []string{
		"3 C idcode.error.resident_check_mismatch",
		"4 H license.error.face_required",
		"5 G license.error.validity",
		"6 A license.import.number_twice",
		"7 D license.error.holder_not_person",
	}
	if diff := cmp.Diff(want, problemsOf(t, err)); diff != "" {
		t.Errorf("problems mismatch (-want +got):\n%s", diff)
	}
	var ie *ImportError
	errors.As(err, &ie)
	if got := ie.Problems[0].Text(i18n.ZhHans); !strings.HasPrefix(got, "第 3 行 C 列（证件号码）：") {
		t.Errorf("problem in Chinese: %s", got)
	}
	if got := ie.Problems[2].Text(i18n.En); got != "Row 5, column G (有效期截止日期): The validity runs 12 to 36 months from its start." {
		t.Errorf("problem in English: %s", got)
	}
	if n := count(); n != 0 || len(r.entries(t)) != entries {
		t.Fatalf("a bad file stored %d licences", n)
	}

	// A dry run checks and stores nothing.
	good := parse(csvOf(guideRows(5)), "guides.csv", guide)
	res, err := s.Import(ctx, p, ImportRequest{TypeCode: guideTypeCode, File: good, DryRun: true})
	if err != nil || res.Rows != 5 || !res.DryRun || len(res.Issued) != 0 {
		t.Fatalf("dry run = %+v, %v", res, err)
	}
	if n := count(); n != 0 {
		t.Fatalf("a dry run stored %d licences", n)
	}

	// Good files: every licence issued, with a valid identifier.
	var done []int
	res, err = s.Import(ctx, p, ImportRequest{TypeCode: guideTypeCode, File: good, Progress: func(n, total int) {
		if total != 5 {
			t.Errorf("progress total %d", total)
		}
		done = append(done, n)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{1, 2, 3, 4, 5}, done); diff != "" {
		t.Errorf("progress mismatch (-want +got):\n%s", diff)
	}
	wb := anyRows(foodRows(3))
	wb[1][3] = time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	resFood, err := s.Import(ctx, importer(xmMarket), ImportRequest{TypeCode: foodTypeCode,
		File: parse(xlsxOf(t, wb), "food.xlsx", food)})
	if err != nil {
		t.Fatal(err)
	}
	gbRows := guideRows(7)[6:8]
	gbFile := parse(gb18030(t, csvOf(append([][]string{guideHeader}, gbRows...))), "gb.csv", guide)
	resGB, err := s.Import(ctx, p, ImportRequest{TypeCode: guideTypeCode, File: gbFile})
	if err != nil {
		t.Fatal(err)
	}
	all := append(append(res.Issued, resFood.Issued...), resGB.Issued...)
	if len(all) != 10 || count() != 10 {
		t.Fatalf("issued %d, stored %d; want 10", len(all), count())
	}
	for _, im := range all {
		independentCheck(t, im.ID)
		l, err := loadLicence(ctx, r.db, im.ID)
		if err != nil {
			t.Fatal(err)
		}
		if l.Number != im.Number || l.Status != StatusValid || l.IssuedOn > "2025-01-10" {
			t.Errorf("licence %s: %+v", im.ID, l)
		}
		if v, err := s.Verify(ctx, l.Credential); err != nil || (v.State != StateValid && v.State != StateExpired) {
			t.Errorf("verify %s: %s %v", l.ID, v.State, err)
		}
		if got := r.auditActions(t, l.ID); len(got) != 1 || got[0] != "license.issue" {
			t.Errorf("audit of %s: %v", l.ID, got)
		}
	}
	l, _ := loadLicence(ctx, r.db, res.Issued[0].ID)
	if l.IssuedOn != "2025-01-10" || l.ValidFrom != "2025-01-10" || l.ValidUntil != "2027-01-09" || l.HolderCode != guideID(0) ||
		l.HolderCodeType != HolderCodeResidentID || l.Face["language"] != "英语" || l.IssuerOrg != fzMarket {
		t.Errorf("imported licence = %+v", l)
	}
	var actors []string
	if err := r.db.Select(ctx, &actors, `SELECT DISTINCT actor FROM audit_events WHERE action IN ('license.issue', 'license.import')`); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"system:cli.license-import"}, actors); diff != "" {
		t.Errorf("audit actors mismatch (-want +got):\n%s", diff)
	}
	if got := r.auditActions(t, guideTypeCode); !containsAll(got, "license.import") {
		t.Errorf("the import is not audited: %v", got)
	}

	// Again: the numbers are taken now.
	_, err = s.Import(ctx, p, ImportRequest{TypeCode: guideTypeCode, File: parse(csvOf(guideRows(1)), "again.csv", guide)})
	if diff := cmp.Diff([]string{"2 A license.import.number_taken"}, problemsOf(t, err)); diff != "" {
		t.Errorf("re-import problems mismatch (-want +got):\n%s", diff)
	}

	// Who may import, and for which type.
	for _, tc := range []struct {
		name string
		p    principal.Principal
		req  ImportRequest
		kind errs.Kind
	}{
		{"a window officer", fzWindow, ImportRequest{TypeCode: guideTypeCode, File: good}, errs.Forbidden},
		{"another organisation's approver", xmApprover, ImportRequest{TypeCode: guideTypeCode, IssuerOrg: fzMarket, File: good}, errs.Forbidden},
		{"a file of another type", p, ImportRequest{TypeCode: foodTypeCode, File: good}, errs.Conflict},
		{"an unpublished type", p, ImportRequest{TypeCode: samrCode + "099", File: good}, errs.Invalid},
		{"no file", p, ImportRequest{TypeCode: guideTypeCode}, errs.Invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := s.Import(ctx, tc.p, tc.req); !errs.Is(err, tc.kind) {
				t.Errorf("error = %v, want %s", err, tc.kind)
			}
		})
	}
}

func containsAll(list []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, x := range list {
			found = found || x == w
		}
		if !found {
			return false
		}
	}
	return true
}

// FuzzParseImport feeds the import parser anything as CSV and as a workbook's cells: it answers
// with rows or an *ImportError whose problems have texts, never a panic.
func FuzzParseImport(f *testing.F) {
	guide := guideType()
	guide.Version = 1
	for _, seed := range [][]byte{csvOf(guideRows(2)), gb18030(f, csvOf(guideRows(1))), []byte("持证人,证件号码\n\"a\n"),
		[]byte("\xEF\xBB\xBF语种\n英语"), []byte("a,b,c\n1,2\n3,4,5,6\n"), {0, 1, 2}, []byte("PK\x03\x04junk"),
		xlsxOf(f, anyRows(guideRows(1)))} {
		f.Add(seed, "x.csv")
	}
	f.Add([]byte("2024年2月30日"), "x.xlsx")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		file, err := ParseImport(data, name, guide)
		if err != nil {
			var ie *ImportError
			if !errors.As(err, &ie) || len(ie.Problems) == 0 {
				t.Fatalf("error %v is not an *ImportError", err)
			}
			for _, p := range ie.Problems {
				if !i18n.Has(p.Message) {
					t.Fatalf("problem %+v has no text", p)
				}
			}
			return
		}
		if len(file.Rows) == 0 || len(file.Rows) > MaxImportRows {
			t.Fatalf("%d rows", len(file.Rows))
		}
		last := 1
		for _, r := range file.Rows {
			if r.Row <= last {
				t.Fatalf("row %d after %d", r.Row, last)
			}
			last = r.Row
			_ = r.request(guide.Code, fzMarket)
		}
	})
}

// BenchmarkImport imports 1,000 tour guides' certificates from CSV on SQLite (parse, check,
// sign, seal and log each, one transaction).
func BenchmarkImport(b *testing.B) {
	r := sqliteRig(b, keys.SM2)
	ctx := context.Background()
	guide, err := r.svc.Published(ctx, guideTypeCode)
	if err != nil {
		b.Fatal(err)
	}
	rows := guideRows(1000)
	p := importer(fzMarket)
	for i := 0; b.Loop(); i++ {
		for j, row := range rows[1:] {
			row[0] = fmt.Sprintf("DY%d-%06d", i, j+1)
		}
		f, err := ParseImport(csvOf(rows), "guides.csv", guide)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := r.svc.Import(ctx, p, ImportRequest{TypeCode: guideTypeCode, File: f}); err != nil {
			b.Fatal(err)
		}
	}
}
