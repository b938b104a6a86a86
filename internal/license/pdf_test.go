package license

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"image"
	"image/color"
	"image/png"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/sealimage"
	"github.com/yiwang-platform/yiwang/internal/sign"
)

// The synthetic parties of the PDF tests: the national market regulator defines the food
// business licence, Fuzhou's market regulator issues it to a tea restaurant in Gulou.
var (
	pdfSAMRCode    = idcode.NewCreditCode('1', '1', "100000", "00001341")
	pdfIssuerCode  = idcode.NewCreditCode('1', '1', "350100", "00370113")
	pdfHolderCode  = idcode.NewCreditCode('9', '1', "350102", "MA2XN4K7")
	pdfResidentID  = idcode.NewResidentID("350102", time.Date(1988, 3, 7, 0, 0, 0, 0, time.UTC), 123)
	pdfFoodScope   = "预包装食品（含冷藏冷冻食品）销售；散装食品（含冷藏冷冻食品，不含熟食）销售；热食类食品制售；冷食类食品制售（含烧卤熟肉制品）；生食类食品制售（仅生食水产品）；糕点类食品制售（含裱花蛋糕）；自制饮品制售（含茶饮、咖啡、现榨果蔬汁，不含自酿酒）；单位食堂外的网络经营（入网销售自制茶点、闽式点心及本店预包装茶叶礼盒）。"
	pdfFoodAddress = "福建省福州市鼓楼区东街街道八一七北路88号东街口商业中心2层201-203单元"
)

func pdfFoodType() Type {
	return Type{
		Code: pdfSAMRCode + "011", Version: 1, Status: TypePublished,
		NameHans: "食品经营许可证", NameHant: "食品經營許可證", NameEn: "Food Business Licence",
		AuthorityName: "国家市场监督管理总局", AuthorityCode: pdfSAMRCode, AuthorityLevel: LevelNational,
		IssuerLevel: LevelCity, HolderCategory: HolderBoth, MinValidityMonths: 60, MaxValidityMonths: 60,
		Fields: []Field{
			{Key: "operator_name", NameHans: "经营者名称", NameHant: "經營者名稱", NameEn: "Operator", Kind: FieldText, Required: true, MaxLen: 100},
			{Key: "credit_code", NameHans: "统一社会信用代码", NameHant: "統一社會信用代碼", NameEn: "Credit code", Kind: FieldText, MaxLen: 18},
			{Key: "legal_representative", NameHans: "法定代表人（负责人）", NameHant: "法定代表人（負責人）", NameEn: "Legal representative (person in charge)", Kind: FieldText, Required: true, MaxLen: 50},
			{Key: "domicile", NameHans: "住所", NameHant: "住所", NameEn: "Domicile", Kind: FieldArea, Required: true, MaxLen: 200},
			{Key: "premises", NameHans: "经营场所", NameHant: "經營場所", NameEn: "Business premises", Kind: FieldArea, Required: true, MaxLen: 200},
			{Key: "business_format", NameHans: "主体业态", NameHant: "主體業態", NameEn: "Business format", Kind: FieldText, Required: true, MaxLen: 50},
			{Key: "business_items", NameHans: "经营项目", NameHant: "經營項目", NameEn: "Business items", Kind: FieldArea, Required: true},
			{Key: "supervisor", NameHans: "日常监督管理机构", NameHant: "日常監督管理機構", NameEn: "Supervising authority", Kind: FieldText, Required: true, MaxLen: 100},
			{Key: "remarks", NameHans: "备注", NameHant: "備註", NameEn: "Remarks", Kind: FieldArea},
		},
	}
}

// pdfFoodLicence is the tea restaurant's food business licence; the holder is the company.
func pdfFoodLicence() Licence {
	t := pdfFoodType()
	id := idcode.LicenceID{TypeCode: t.Code, IssuerCode: pdfIssuerCode, Serial: "JY23501020012345", Version: "001"}
	return Licence{
		ID: id.String(), TypeCode: t.Code, TypeVersion: 1, Serial: id.Serial, Version: id.Version,
		Number: "JY23501020012345", NameHans: t.NameHans,
		IssuerOrg: "fuzhou-samr", IssuerCode: pdfIssuerCode, IssuerName: "福州市鼓楼区市场监督管理局",
		HolderName: "福州榕城茶点餐饮有限公司", HolderCode: pdfHolderCode, HolderCodeType: HolderCodeCreditCode,
		Jurisdiction: "350102", IssuedOn: "2026-03-16", ValidFrom: "2026-03-16", ValidUntil: "2031-03-15",
		Status: StatusValid,
		Face: map[string]string{
			"operator_name":        "福州榕城茶点餐饮有限公司",
			"credit_code":          pdfHolderCode,
			"legal_representative": "林秀英",
			"domicile":             pdfFoodAddress,
			"premises":             pdfFoodAddress,
			"business_format":      "餐饮服务经营者（中型餐馆）",
			"business_items":       pdfFoodScope,
			"supervisor":           "福州市鼓楼区市场监督管理局东街市场监督管理所",
		},
	}
}

// pdfPersonLicence is the same licence held by a person (an individual business, 个体工商户).
func pdfPersonLicence() Licence {
	l := pdfFoodLicence()
	l.HolderName, l.HolderCode, l.HolderCodeType = "陈建华", pdfResidentID, HolderCodeResidentID
	l.ValidUntil = ""
	l.Face = map[string]string{
		"operator_name":        "鼓楼区建华茶馆（个体工商户）",
		"legal_representative": "陈建华",
		"domicile":             "福州市鼓楼区南街街道杨桥东路17号",
		"premises":             "福州市鼓楼区南街街道杨桥东路17号一层",
		"business_format":      "餐饮服务经营者（小型餐馆）",
		"business_items":       "热食类食品制售；自制饮品制售（含茶饮）",
		"supervisor":           "福州市鼓楼区市场监督管理局南街市场监督管理所",
		"remarks":              "Tea house — English menu available.\n营业时间 09:00–22:00",
	}
	return l
}

// pdfQRPNG is a QR-code-like black and white picture (a grid of modules with the three finder
// squares), enough to be drawn.
func pdfQRPNG(t testing.TB) []byte {
	t.Helper()
	const modules, px = 29, 6
	img := image.NewPaletted(image.Rect(0, 0, modules*px, modules*px), color.Palette{color.White, color.Black})
	finder := func(x, y int) bool {
		for _, c := range [][2]int{{0, 0}, {modules - 7, 0}, {0, modules - 7}} {
			dx, dy := x-c[0], y-c[1]
			if dx >= 0 && dx < 7 && dy >= 0 && dy < 7 {
				return dx == 0 || dx == 6 || dy == 0 || dy == 6 || dx >= 2 && dx <= 4 && dy >= 2 && dy <= 4
			}
		}
		return (x*7+y*13)%5 < 2
	}
	for y := range modules * px {
		for x := range modules * px {
			if finder(x/px, y/px) {
				img.SetColorIndex(x, y, 1)
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pdfNeed finds an outside tool, skipping without it — except when CI=true, where a missing
// verifier must fail the run instead of turning it green.
func pdfNeed(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required when CI=true: %v", name, err)
		}
		t.Skipf("%s not installed: %v", name, err)
	}
	return p
}

// pdfNeedFont skips (fails when CI=true) without a Chinese TrueType font.
func pdfNeedFont(t testing.TB) {
	t.Helper()
	if _, err := pdfFont(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("a Chinese TrueType font is required when CI=true (apt-get install fonts-lxgw-wenkai): %v", err)
		}
		t.Skipf("no Chinese TrueType font: %v", err)
	}
}

func pdfRender(t testing.TB, l Licence, opt PDFOptions) []byte {
	t.Helper()
	out, err := RenderPDF(l, pdfFoodType(), opt)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// pdfSquash removes all white space, so that text wrapped over several lines compares equal
// to the text it came from.
func pdfSquash(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// TestRenderPDFText: poppler's pdftotext finds the licence's Chinese title, every field name
// and value, the metadata and the identifier in the PDF, and pdfinfo its title and subject:
// the face data is text, not a picture.
func TestRenderPDFText(t *testing.T) {
	pdftotext := pdfNeed(t, "pdftotext")
	pdfinfo := pdfNeed(t, "pdfinfo")
	pdfNeedFont(t)
	dir := t.TempDir()
	company, person := pdfFoodLicence(), pdfPersonLicence()
	tests := []struct {
		name    string
		licence Licence
		want    []string // beside the title, field names and face values
		absent  []string
	}{
		{"company", company, []string{
			"证照编号", "JY23501020012345", "持证主体", "福州榕城茶点餐饮有限公司", "统一社会信用代码", pdfHolderCode,
			"发证机关", "福州市鼓楼区市场监督管理局", "发证日期", "2026年3月16日", "有效期限", "2026年3月16日至2031年3月15日",
			"扫码核验", "电子证照标识：" + company.ID,
		}, []string{"备注"}},
		{"person", person, []string{
			"持证主体", "陈建华", "公民身份号码", pdfResidentID[:6] + "********" + pdfResidentID[14:],
			"有效期限", "2026年3月16日至长期", "备注", "电子证照标识：" + person.ID,
		}, []string{pdfResidentID, pdfResidentID[6:14]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := pdfRender(t, tt.licence, PDFOptions{QRCode: pdfQRPNG(t)})
			t.Logf("%s licence: %d bytes", tt.name, len(doc))
			if len(doc) > 300<<10 {
				t.Errorf("PDF of %d bytes: the font is not subset", len(doc))
			}
			path := filepath.Join(dir, tt.name+".pdf")
			if err := os.WriteFile(path, doc, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(pdftotext, "-enc", "UTF-8", path, "-").CombinedOutput()
			if err != nil {
				t.Fatalf("pdftotext: %v\n%s", err, out)
			}
			text := pdfSquash(string(out))
			want := append([]string{"食品经营许可证"}, tt.want...)
			for _, f := range pdfFoodType().Fields {
				if v := tt.licence.Face[f.Key]; v != "" {
					want = append(want, f.NameHans, v)
				}
			}
			for _, w := range want {
				if !strings.Contains(text, pdfSquash(w)) {
					t.Errorf("pdftotext does not show %q:\n%s", w, out)
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(text, a) {
					t.Errorf("pdftotext shows %q:\n%s", a, out)
				}
			}

			info, err := exec.Command(pdfinfo, "-enc", "UTF-8", path).CombinedOutput()
			if err != nil {
				t.Fatalf("pdfinfo: %v\n%s", err, info)
			}
			got := map[string]string{}
			for _, line := range strings.Split(string(info), "\n") {
				if k, v, ok := strings.Cut(line, ":"); ok {
					got[k] = strings.TrimSpace(v)
				}
			}
			for k, v := range map[string]string{"Title": "食品经营许可证", "Subject": tt.licence.ID, "Pages": "1", "Page size": "595 x 842 pts (A4)"} {
				if got[k] != v {
					t.Errorf("pdfinfo says %s: %q, want %q:\n%s", k, got[k], v, info)
				}
			}
			if got["Author"] != "" || strings.Contains(string(info), tt.licence.HolderName) {
				t.Errorf("the document information names more than the licence:\n%s", info)
			}
		})
	}
	if dst := os.Getenv("YIWANG_KEEP_PDF"); dst != "" { // to look at it: pdftoppm -png company.pdf page
		for _, name := range []string{"company.pdf", "person.pdf"} {
			if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
				_ = os.WriteFile(filepath.Join(dst, name), b, 0o644)
			}
		}
	}
}

// pdfTestSigner is a self-signed ECDSA P-256 certificate for the issuer's seal.
func pdfTestSigner(t testing.TB) (*ecdsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(20260316),
		Subject:      pkix.Name{CommonName: "福州市鼓楼区市场监督管理局 行政审批专用章", Organization: []string{"福州市鼓楼区市场监督管理局"}, Country: []string{"CN"}},
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return key, cert
}

// TestRenderPDFSigned: the licence signed through internal/sign with the seal drawn in
// SealRect is reported valid and wholly signed by poppler's pdfsig.
func TestRenderPDFSigned(t *testing.T) {
	pdfsig := pdfNeed(t, "pdfsig")
	pdfNeedFont(t)
	seal, err := sealimage.Render(sealimage.Spec{Name: "福州市鼓楼区市场监督管理局", Caption: "行政审批专用章", Code: "3501020012345"})
	if err != nil {
		t.Fatal(err)
	}
	doc := pdfRender(t, pdfFoodLicence(), PDFOptions{QRCode: pdfQRPNG(t)})
	key, cert := pdfTestSigner(t)
	signed, err := sign.PDF(context.Background(), doc, key, cert, nil, sign.PDFOptions{
		SealImage: seal, Page: 1, Rect: SealRect(), Reason: "Licence issued", Location: "Fuzhou",
	})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(signed, doc) {
		t.Error("signing rewrote the licence instead of appending to it")
	}
	t.Logf("signed licence: %d bytes (unsigned %d)", len(signed), len(doc))
	path := filepath.Join(t.TempDir(), "signed.pdf")
	if err := os.WriteFile(path, signed, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(pdfsig, "-nocert", path).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfsig -nocert: %v\n%s", err, out)
	}
	for _, w := range []string{"Signature Validation: Signature is Valid.", "Total document signed"} {
		if !strings.Contains(string(out), w) {
			t.Errorf("pdfsig does not say %q:\n%s", w, out)
		}
	}
	t.Logf("pdfsig:\n%s", out)
	if dst := os.Getenv("YIWANG_KEEP_PDF"); dst != "" {
		_ = os.WriteFile(filepath.Join(dst, "signed.pdf"), signed, 0o644)
	}
}

// pdfFieldError checks that err is errs.Invalid naming field with message key.
func pdfFieldError(t *testing.T, err error, kind errs.Kind, field, message string) {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want a %s error on %q", err, kind, field)
	}
	if diff := cmp.Diff([]string{string(kind), field, message}, []string{string(e.Kind), e.Field, e.Message}); diff != "" {
		t.Errorf("%v: mismatch (-want +got):\n%s", err, diff)
	}
}

// TestRenderPDFRefusals: what cannot be printed faithfully is refused, naming the field,
// rather than dropped or run off the page.
func TestRenderPDFRefusals(t *testing.T) {
	tests := []struct {
		name    string
		font    bool // the refusal needs the font loaded
		change  func(*Licence, *Type, *PDFOptions)
		field   string
		message string
	}{
		{"value over MaxLen", false, func(l *Licence, _ *Type, _ *PDFOptions) {
			l.Face["legal_representative"] = strings.Repeat("林", 51)
		}, "legal_representative", "license.pdf.error.too_long"},
		{"text over the default 200", false, func(l *Licence, ty *Type, _ *PDFOptions) {
			ty.Fields[0].MaxLen = 0
			l.Face["operator_name"] = strings.Repeat("茶", 201)
		}, "operator_name", "license.pdf.error.too_long"},
		{"area over the default 2000", false, func(l *Licence, _ *Type, _ *PDFOptions) {
			l.Face["business_items"] = strings.Repeat("热食类食品制售；", 251)
		}, "business_items", "license.pdf.error.too_long"},
		{"unknown field", false, func(l *Licence, _ *Type, _ *PDFOptions) {
			l.Face["seating_capacity"] = "120"
		}, "seating_capacity", "license.pdf.error.unknown_field"},
		{"not UTF-8", false, func(l *Licence, _ *Type, _ *PDFOptions) {
			l.Face["supervisor"] = "东街\xff所"
		}, "supervisor", "license.pdf.error.text"},
		{"another type", false, func(_ *Licence, ty *Type, _ *PDFOptions) {
			ty.Code = pdfSAMRCode + "012"
		}, "type_code", "license.pdf.error.type_mismatch"},
		{"within MaxLen but not the page", true, func(l *Licence, _ *Type, _ *PDFOptions) {
			l.Face["business_items"] = strings.Repeat("热食类食品制售；", 240)
		}, "business_items", "license.pdf.error.page_full"},
		{"many short lines", true, func(l *Licence, _ *Type, _ *PDFOptions) {
			l.Face["remarks"] = strings.Repeat("注\n", 60)
		}, "remarks", "license.pdf.error.page_full"},
		{"long metadata", true, func(l *Licence, _ *Type, _ *PDFOptions) {
			l.IssuerName = strings.Repeat("福州市鼓楼区市场监督管理局", 120)
		}, "issuer_name", "license.pdf.error.page_full"},
		{"character the font lacks", true, func(l *Licence, _ *Type, _ *PDFOptions) {
			l.Face["legal_representative"] = "林\U00013000"
		}, "legal_representative", "license.pdf.error.glyph"},
		{"holder name the font lacks", true, func(l *Licence, _ *Type, _ *PDFOptions) {
			l.HolderName = "\U0001F375茶馆"
		}, "holder_name", "license.pdf.error.glyph"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.font {
				pdfNeedFont(t)
			}
			l, ty, opt := pdfFoodLicence(), pdfFoodType(), PDFOptions{}
			tt.change(&l, &ty, &opt)
			out, err := RenderPDF(l, ty, opt)
			if err == nil {
				t.Fatalf("rendered %d bytes, want a refusal", len(out))
			}
			pdfFieldError(t, err, errs.Invalid, tt.field, tt.message)
		})
	}

	t.Run("QR code not a PNG", func(t *testing.T) {
		pdfNeedFont(t)
		_, err := RenderPDF(pdfFoodLicence(), pdfFoodType(), PDFOptions{QRCode: []byte("GIF89a not a png")})
		pdfFieldError(t, err, errs.Invalid, "", "license.pdf.error.qr_image")
	})
	t.Run("the longest values that fit", func(t *testing.T) {
		pdfNeedFont(t)
		l := pdfFoodLicence()
		l.Face["business_items"] = strings.Repeat("热食类食品制售；", 60) // 480 characters
		l.Face["domicile"] = strings.Repeat("福州市鼓楼区", 30)
		if _, err := RenderPDF(l, pdfFoodType(), PDFOptions{}); err != nil {
			t.Fatal(err)
		}
	})
}

// TestPDFFontUnavailable: without a Chinese TrueType font the PDF is unavailable, never drawn
// with blanks; an OpenType collection such as Noto CJK does not count.
func TestPDFFontUnavailable(t *testing.T) {
	dir := t.TempDir()
	otf := filepath.Join(dir, "cff.otf")
	if err := os.WriteFile(otf, []byte("OTTO\x00\x0a\x00\x80"), 0o644); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(dir, "garbage.ttf")
	if err := os.WriteFile(garbage, []byte{0, 1, 0, 0, 0, 9}, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := pdfLoadFont([]string{filepath.Join(dir, "missing.ttf"), otf, garbage, filepath.Join(dir, "*.ttc"),
		"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"})
	pdfFieldError(t, err, errs.Unavailable, "", "license.pdf.error.font_unavailable")
}

func TestPDFMaskCode(t *testing.T) {
	tests := []struct{ code, codeType, want string }{
		{pdfResidentID, HolderCodeResidentID, pdfResidentID[:6] + "********" + pdfResidentID[14:]},
		{pdfHolderCode, HolderCodeCreditCode, pdfHolderCode},
		{"H12345678", "516", "*****5678"}, // a short document number keeps only its end
		{"1234", "999", "****"},
		{"", HolderCodeResidentID, ""},
	}
	for _, tt := range tests {
		if got := pdfMaskCode(tt.code, tt.codeType); got != tt.want {
			t.Errorf("pdfMaskCode(%q, %q) = %q, want %q", tt.code, tt.codeType, got, tt.want)
		}
	}
	// The holder's ID number printed as face data is masked too.
	l := pdfPersonLicence()
	ty := pdfFoodType()
	ty.Fields = append(ty.Fields, Field{Key: "id_number", NameHans: "公民身份号码", Kind: FieldText})
	l.Face["id_number"] = pdfResidentID
	rows, err := pdfFaceRows(l, ty)
	if err != nil {
		t.Fatal(err)
	}
	if got := rows[len(rows)-1].value; got != pdfMaskCode(pdfResidentID, HolderCodeResidentID) {
		t.Errorf("face ID number printed as %q", got)
	}
}

// pdfUnitWidth measures every character as 1 wide, a CJK character 2.
func pdfUnitWidth(r rune) float64 {
	if r >= 0x2e80 {
		return 2
	}
	return 1
}

func TestPDFWrap(t *testing.T) {
	tests := []struct {
		text  string
		width float64
		want  []string
	}{
		{"", 10, nil},
		{"一二三四五六七", 10, []string{"一二三四五", "六七"}},
		{"一二三四五，六", 10, []string{"一二三四", "五，六"}},                      // no comma at a line's start
		{"一二三四（五）六", 10, []string{"一二三四", "（五）六"}},                    // no bracket at a line's end
		{"Tea house menu", 9, []string{"Tea house", "menu"}},          // words keep together
		{"JY23501020012345", 6, []string{"JY2350", "102001", "2345"}}, // unless wider than a line
		{"茶室 09:00–22:00", 12, []string{"茶室 09:00–", "22:00"}},
		{"第一行\n\n第三行", 10, []string{"第一行", "", "第三行"}},
		{"abc   def", 4, []string{"abc", "def"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, pdfWrap(tt.text, tt.width, pdfUnitWidth)); diff != "" {
			t.Errorf("pdfWrap(%q, %v) mismatch (-want +got):\n%s", tt.text, tt.width, diff)
		}
	}
}

// FuzzPDFWrap: wrapping never makes a line wider than the width (but for a single character
// wider than it) and never loses a character other than the spaces it breaks at.
func FuzzPDFWrap(f *testing.F) {
	for _, s := range []string{pdfFoodScope, pdfFoodAddress, "Tea house — English menu available.\n营业时间 09:00–22:00", "（（（（（（（（）））））））", "a b c d e f", "，，，，，，，，，，，"} {
		f.Add(s, 9.0)
	}
	f.Fuzz(func(t *testing.T, text string, width float64) {
		if !utf8.ValidString(text) || width < 2 || width > 1000 {
			return
		}
		text = pdfCleanText(text, true)
		lines := pdfWrap(text, width, pdfUnitWidth)
		for _, line := range lines {
			w := 0.0
			for _, r := range line {
				w += pdfUnitWidth(r)
			}
			if w > width && utf8.RuneCountInString(line) > 1 {
				t.Fatalf("line %q is %v wide, more than %v", line, w, width)
			}
		}
		if got, want := pdfSquash(strings.Join(lines, "")), pdfSquash(text); got != want {
			t.Fatalf("wrapped text %q lost characters of %q", got, want)
		}
	})
}

// TestRenderPDFConcurrent: renders share the process's parsed font, and the same licence gives
// the same bytes whichever goroutine draws it.
func TestRenderPDFConcurrent(t *testing.T) {
	pdfNeedFont(t)
	want := pdfRender(t, pdfFoodLicence(), PDFOptions{QRCode: pdfQRPNG(t)})
	got := make([][]byte, 4)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() {
			l := pdfFoodLicence()
			if i%2 == 1 {
				l = pdfPersonLicence()
			}
			got[i], _ = RenderPDF(l, pdfFoodType(), PDFOptions{QRCode: pdfQRPNG(t)})
		})
	}
	wg.Wait()
	for i := 0; i < len(got); i += 2 {
		if !bytes.Equal(got[i], want) {
			t.Errorf("render %d differs from the first (%d and %d bytes)", i, len(got[i]), len(want))
		}
	}
}

func BenchmarkRenderPDF(b *testing.B) {
	pdfNeedFont(b)
	l, ty, opt := pdfFoodLicence(), pdfFoodType(), PDFOptions{QRCode: pdfQRPNG(b)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := RenderPDF(l, ty, opt); err != nil {
			b.Fatal(err)
		}
	}
}
