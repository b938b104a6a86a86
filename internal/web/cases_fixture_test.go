package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/notify"
	"github.com/yiwang-platform/yiwang/internal/payments"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/seal"
	"github.com/yiwang-platform/yiwang/internal/sign"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
	"github.com/yiwang-platform/yiwang/internal/web"
)

// The case pages' platform: the demo platform with a service catalogue of a few published items
// and a bundle (an in-memory cases.Catalog: the real catalogue's adapter is the platform's),
// officials of several organisations, fees through the real payment service, decisions signed
// with the organisation's demo seal through the real signing service, and the inbox.

// Implementation codes: the implementing organisation's credit code and a serial, as the
// catalogue writes them.
var (
	scjCredit      = idcode.NewCreditCode('1', '1', "350000", "00304121")
	xmCredit       = idcode.NewCreditCode('1', '1', "350200", "00326110")
	fzCgCredit     = idcode.NewCreditCode('1', '1', "350100", "00378211")
	foodItem       = scjCredit + "400011170000"  // 食品经营许可证核发 (fj-market-regulation)
	barcodeItem    = scjCredit + "400011230000"  // 商品条码系统成员注册, with a fee
	xmAdvertItem   = xmCredit + "400011170001"   // 广告发布登记 (Xiamen; province-wide)
	xmWorkshopItem = xmCredit + "400011170002"   // 食品小作坊登记 (Xiamen only)
	signboardItem  = fzCgCredit + "400011230001" // 户外招牌设置备案 (Fuzhou urban management)
	restaurantPack = "YJS-350000-KCG"            // 开餐馆 一件事
)

// hzMedicalItem is 异地就医备案 of Hangzhou: another province's, open to cross-province handling.
const hzMedicalItem = "11330100MB1H38811J002021068000"

// Officials the case tests add to the demo's (scj.window, scj.approver, scj.admin).
const (
	gatWindow     = "tgat.window"   // public security: another department
	fzWindow      = "tfzscj.window" // Fuzhou market regulation's window: collects for other regions
	cgWindow      = "tfzcg.window"  // Fuzhou urban management's window
	scjWin        = "scj.window"
	scjAppr       = "scj.approver"
	scjAdm        = "scj.admin"
	caseNeighbour = "13859001234" // demo resident 陈美玲
)

const foodForm = `{
  "type": "object",
  "x-title": {"zh-Hans": "食品经营许可申请", "zh-Hant": "食品經營許可申請", "en": "Food business licence application"},
  "properties": {
    "operator": {"type": "string", "minLength": 2, "maxLength": 50, "x-order": 1,
      "x-title": {"zh-Hans": "经营者名称", "zh-Hant": "經營者名稱", "en": "Operator"}},
    "kind": {"type": "string", "enum": ["sales", "catering", "canteen"], "x-order": 2,
      "x-title": {"zh-Hans": "主体业态", "zh-Hant": "主體業態", "en": "Kind of business"},
      "x-enum-labels": {"sales": {"zh-Hans": "食品销售经营者", "zh-Hant": "食品銷售經營者", "en": "Food retailer"},
        "catering": {"zh-Hans": "餐饮服务经营者", "zh-Hant": "餐飲服務經營者", "en": "Caterer"},
        "canteen": {"zh-Hans": "单位食堂", "zh-Hant": "單位食堂", "en": "Canteen"}}},
    "premises": {"type": "string", "maxLength": 200, "x-widget": "textarea", "x-order": 3,
      "x-title": {"zh-Hans": "经营场所", "zh-Hant": "經營場所", "en": "Premises"},
      "x-help": {"zh-Hans": "写到门牌号", "zh-Hant": "寫到門牌號", "en": "Down to the house number"}},
    "area": {"type": "number", "minimum": 10, "maximum": 5000, "x-order": 4,
      "x-title": {"zh-Hans": "经营面积（平方米）", "zh-Hant": "經營面積（平方米）", "en": "Floor area (m²)"}},
    "opening": {"type": "string", "format": "date", "x-order": 5,
      "x-title": {"zh-Hans": "拟开业日期", "zh-Hant": "擬開業日期", "en": "Planned opening"}},
    "mobile": {"type": "string", "format": "mobile", "x-order": 6,
      "x-title": {"zh-Hans": "联系电话", "zh-Hant": "聯繫電話", "en": "Mobile"}},
    "staff": {"type": "integer", "minimum": 1, "maximum": 500, "x-order": 7,
      "x-title": {"zh-Hans": "从业人员数", "zh-Hant": "從業人員數", "en": "Staff"}},
    "online": {"type": "string", "enum": ["yes", "no"], "x-widget": "radio", "x-order": 8,
      "x-title": {"zh-Hans": "是否网络经营", "zh-Hant": "是否網路經營", "en": "Selling online"},
      "x-enum-labels": {"yes": {"zh-Hans": "是", "zh-Hant": "是", "en": "Yes"}, "no": {"zh-Hans": "否", "zh-Hant": "否", "en": "No"}}},
    "pledge": {"type": "boolean", "x-order": 9,
      "x-title": {"zh-Hans": "我承诺所填内容真实", "zh-Hant": "我承諾所填內容真實", "en": "I declare this is true"}}
  },
  "required": ["operator", "kind", "premises", "mobile", "pledge"]
}`

const simpleForm = `{
  "type": "object",
  "properties": {
    "company": {"type": "string", "minLength": 2, "x-order": 1,
      "x-title": {"zh-Hans": "单位名称", "zh-Hant": "單位名稱", "en": "Organisation"}},
    "mobile": {"type": "string", "format": "mobile", "x-order": 2,
      "x-title": {"zh-Hans": "联系电话", "zh-Hant": "聯繫電話", "en": "Mobile"}}
  },
  "required": ["company", "mobile"]
}`

func foodMaterials() []cases.MaterialSpec {
	return []cases.MaterialSpec{
		{Code: "application", NameHans: "食品经营许可申请书", NameHant: "食品經營許可申請書", NameEn: "Application form",
			Source: cases.SourceApplicant, Required: true, Formats: []string{cases.FormatPDF}, MaxBytes: 1 << 20},
		{Code: "layout", NameHans: "经营场所平面布局图", NameHant: "經營場所平面佈局圖", NameEn: "Floor plan of the premises",
			Source: cases.SourceApplicant, Required: true, Formats: []string{cases.FormatPDF, cases.FormatJPEG, cases.FormatPNG}, MaxBytes: 2 << 20},
		{Code: "health", NameHans: "从业人员健康证明", NameHant: "從業人員健康證明", NameEn: "Staff health certificates",
			Source: cases.SourceApplicant, Formats: []string{cases.FormatPDF, cases.FormatJPEG, cases.FormatPNG}, MaxBytes: 2 << 20},
		{Code: "identity", NameHans: "经营者身份证明", NameHant: "經營者身份證明", NameEn: "Operator's identity",
			Source: cases.SourceSharedData, Required: true},
		{Code: "business_licence", NameHans: "营业执照", NameHant: "營業執照", NameEn: "Business licence",
			Source: cases.SourceLicence, LicenceType: "business_licence", Required: true},
	}
}

// caseCatalog is the published service items and bundles of the case tests.
type caseCatalog struct {
	items   map[string]cases.ItemSpec
	bundles map[string]cases.BundleSpec
}

func newCaseCatalog() caseCatalog {
	food := cases.ItemSpec{Code: foodItem, Version: 3, Org: "fj-market-regulation", RegionCode: "350000",
		NameHans: "食品经营许可证核发", NameHant: "食品經營許可證核發", NameEn: "Food business licence",
		Type: "administrative_licensing", ServiceObject: cases.ServiceObjectBoth, LegalDays: 20, PromisedDays: 10,
		Materials: foodMaterials(), FormSchema: []byte(foodForm), CrossRegion: cases.CrossRegionProvince, OnlineDepth: 4}
	barcode := cases.ItemSpec{Code: barcodeItem, Version: 1, Org: "fj-market-regulation", RegionCode: "350000",
		NameHans: "商品条码系统成员注册", NameHant: "商品條碼系統成員註冊", NameEn: "Barcode system membership",
		Type: "public_service", ServiceObject: cases.ServiceObjectBoth, LegalDays: 15, PromisedDays: 5,
		Materials: []cases.MaterialSpec{{Code: "application", NameHans: "注册申请表", NameHant: "註冊申請表", NameEn: "Application",
			Source: cases.SourceApplicant, Required: true, Formats: []string{cases.FormatPDF}, MaxBytes: 1 << 20}},
		Fees:       []cases.FeeLine{{Name: "系统成员注册费", AmountFen: 80000, LegalBasis: "《商品条码管理办法》"}},
		FormSchema: []byte(simpleForm), CrossRegion: cases.CrossRegionProvince, OnlineDepth: 4}
	advert := cases.ItemSpec{Code: xmAdvertItem, Version: 1, Org: "xm-market-regulation", RegionCode: "350200",
		NameHans: "广告发布登记", NameHant: "廣告發佈登記", NameEn: "Advertising registration", Type: "administrative_registration",
		ServiceObject: cases.ServiceObjectBoth, LegalDays: 20, PromisedDays: 8,
		Materials: []cases.MaterialSpec{{Code: "application", NameHans: "广告发布登记申请表", NameHant: "廣告發佈登記申請表",
			NameEn: "Application", Source: cases.SourceApplicant, Required: true, Formats: []string{cases.FormatPDF}, MaxBytes: 1 << 20}},
		FormSchema: []byte(simpleForm), CrossRegion: cases.CrossRegionProvince, OnlineDepth: 4}
	workshop := advert
	workshop.Code, workshop.NameHans, workshop.NameHant, workshop.NameEn = xmWorkshopItem, "食品小作坊登记", "食品小作坊登記", "Food workshop registration"
	workshop.CrossRegion = cases.CrossRegionNone
	signboard := cases.ItemSpec{Code: signboardItem, Version: 2, Org: "fz-urban-management", RegionCode: "350100",
		NameHans: "户外招牌设置备案", NameHant: "戶外招牌設置備案", NameEn: "Shop sign filing", Type: "other",
		ServiceObject: cases.ServiceObjectBoth, LegalDays: 10, PromisedDays: 3,
		Materials: []cases.MaterialSpec{{Code: "sign_design", NameHans: "招牌设计效果图", NameHant: "招牌設計效果圖", NameEn: "Sign design",
			Source: cases.SourceApplicant, Required: true, Formats: []string{cases.FormatPDF, cases.FormatJPEG, cases.FormatPNG}, MaxBytes: 2 << 20}},
		FormSchema: []byte(`{"type":"object","properties":{"premises":{"type":"string","maxLength":200,"x-widget":"textarea",` +
			`"x-title":{"zh-Hans":"经营场所","zh-Hant":"經營場所","en":"Premises"}}},"required":["premises"]}`),
		CrossRegion: cases.CrossRegionProvince, OnlineDepth: 4}
	packMaterials := foodMaterials()
	for i := range packMaterials {
		packMaterials[i].ForItems = []string{foodItem}
	}
	packMaterials = append(packMaterials, cases.MaterialSpec{Code: "sign_design", NameHans: "招牌设计效果图", NameHant: "招牌設計效果圖",
		NameEn: "Sign design", Source: cases.SourceApplicant, Required: true,
		Formats: []string{cases.FormatPDF, cases.FormatJPEG, cases.FormatPNG}, MaxBytes: 2 << 20, ForItems: []string{signboardItem}})
	pack := cases.BundleSpec{Code: restaurantPack, Version: 1, NameHans: "开餐馆", NameHant: "開餐館", NameEn: "Opening a restaurant",
		FormSchema: []byte(foodForm), Materials: packMaterials, Items: []cases.ItemSpec{food, signboard}}
	// Another province's item that Fujian's windows collect and hand over (跨省通辦).
	medical := cases.ItemSpec{Code: hzMedicalItem, Version: 1, Org: "zj-hangzhou-healthcare", RegionCode: "330100",
		NameHans: "异地就医备案（杭州）", NameHant: "異地就醫備案（杭州）", NameEn: "Medical treatment elsewhere (Hangzhou)",
		Type: "public_service", ServiceObject: cases.ServiceObjectPerson, LegalDays: 5, PromisedDays: 2,
		FormSchema: []byte(simpleForm), CrossRegion: cases.CrossRegionCountry, OnlineDepth: 4}
	return caseCatalog{
		items: map[string]cases.ItemSpec{foodItem: food, barcodeItem: barcode, xmAdvertItem: advert, xmWorkshopItem: workshop,
			signboardItem: signboard, hzMedicalItem: medical},
		bundles: map[string]cases.BundleSpec{restaurantPack: pack},
	}
}

func (c caseCatalog) Item(_ context.Context, code string) (cases.ItemSpec, error) {
	it, ok := c.items[code]
	if !ok {
		return it, errs.E(errs.NotFound, "error.not_found")
	}
	return it, nil
}

func (c caseCatalog) Bundle(_ context.Context, code string) (cases.BundleSpec, error) {
	b, ok := c.bundles[code]
	if !ok {
		return b, errs.E(errs.NotFound, "error.not_found")
	}
	return b, nil
}

// casePeople answers from the identity register.
type casePeople struct{ ids *identity.Service }

func (p casePeople) Person(ctx context.Context, account int64) (cases.Person, error) {
	a, err := p.ids.Account(ctx, account)
	if err != nil {
		return cases.Person{}, err
	}
	out := cases.Person{Account: a.ID, Kind: a.Kind, Name: a.DisplayName}
	if a.IDType != nil && a.IDNumber != nil {
		out.IDType, out.IDNumber = *a.IDType, *a.IDNumber
	}
	return out, nil
}

func (p casePeople) Officials(ctx context.Context, org string, roles ...string) ([]int64, error) {
	list, err := p.ids.Officials(principal.With(ctx, principal.SystemPrincipal), org)
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, a := range list {
		if !a.Disabled && slices.ContainsFunc(roles, func(r string) bool { return slices.Contains(a.Roles, r) }) {
			out = append(out, a.ID)
		}
	}
	return out, nil
}

// caseSigner signs decisions with the deciding organisation's active seal through the signing
// service, as one of its seal users would.
type caseSigner struct {
	seals *seal.Registry
	sign  *sign.Service
}

func (c caseSigner) SignDecision(ctx context.Context, p principal.Principal, org string, document []byte, name string) (cases.SignedDecision, error) {
	list, err := c.seals.List(ctx, principal.SystemPrincipal, org)
	if err != nil {
		return cases.SignedDecision{}, err
	}
	for _, sl := range list {
		if sl.Status != seal.Active {
			continue
		}
		signer := p
		signer.OrgCode, signer.Roles = org, append(slices.Clone(p.Roles), principal.RoleSealUser)
		res, err := c.sign.Sign(ctx, signer, sign.Request{SealID: sl.ID, Format: sign.FormatCMS, Document: document, DocumentName: name})
		if err != nil {
			return cases.SignedDecision{}, err
		}
		return cases.SignedDecision{SignatureID: res.ID, SealID: sl.ID, SealName: sl.Name, Format: string(res.Format), Signature: res.Signature}, nil
	}
	return cases.SignedDecision{}, errs.E(errs.Conflict, "error.seal_not_usable", org)
}

// caseFees opens fee orders with the payment service.
type caseFees struct{ pay *payments.Service }

func (f caseFees) OpenOrderTx(ctx context.Context, tx *store.Tx, o cases.FeeOrder) (string, error) {
	var lines []payments.Line
	for _, l := range o.Lines {
		lines = append(lines, payments.Line{Name: l.Name, AmountFen: l.AmountFen, LegalBasis: l.LegalBasis})
	}
	order, err := f.pay.OpenOrderTx(ctx, tx, payments.OrderRequest{ReferenceKind: "case", ReferenceID: o.CaseID,
		ReferenceNumber: o.CaseNumber, Org: o.Org, Payer: o.Payer, PayerActingFor: o.PayerActingFor, Lines: lines})
	return order.ID, err
}

// casesSite is the demo platform whose portal has the case pages.
type casesSite struct {
	*site
	cases *cases.Service
	clock *clock.Fake
}

// eachCaseSite runs fn on a fresh case platform on each engine, each with its own clock.
func eachCaseSite(t *testing.T, fn func(t *testing.T, s *casesSite)) {
	t.Helper()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			fake := clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, clock.China))
			fn(t, newCasesSite(t, storetest.Open(t, d, storetest.Options{Clock: fake}), fake, highLimits))
		})
	}
}

func newCasesSite(t testing.TB, db *store.DB, fake *clock.Fake, limits map[string]httpserver.Limit) *casesSite {
	t.Helper()
	s := newSite(t, db, limits)
	a := s.a
	for _, o := range []struct {
		login, org string
		roles      []string
	}{
		{gatWindow, "fj-public-security", []string{principal.RoleWindowOfficer, principal.RoleReviewer, principal.RoleApprover}},
		{fzWindow, "fz-market-regulation", []string{principal.RoleWindowOfficer}},
		{cgWindow, "fz-urban-management", []string{principal.RoleWindowOfficer, principal.RoleReviewer}},
	} {
		if _, err := a.Identity.CreateAccount(systemContext(), identity.NewAccount{Login: o.login, Kind: principal.Official,
			DisplayName: o.login, OrgCode: o.org, Roles: o.roles, Password: demo.Password}); err != nil {
			t.Fatal(err)
		}
	}
	logger := slog.New(slog.DiscardHandler)
	pay := payments.New(db, payments.Options{})
	inbox := notify.New(db, notify.Options{Logger: logger})
	svc, err := cases.New(db, cases.Config{Catalog: newCaseCatalog(), People: casePeople{a.Identity}, Calendar: a.Calendar,
		Signer: caseSigner{seals: a.Seals, sign: a.Sign}, Ledger: a.Ledger, Fees: caseFees{pay}, Notifier: inbox,
		CodeKey: []byte("web test query-code key, 32+ bytes long")})
	if err != nil {
		t.Fatal(err)
	}
	portal, err := web.New(web.Config{DB: db, Plan: a.Plan, Identity: a.Identity, OIDC: a.OIDC, Apps: a.Apps, Logger: logger,
		Demo: true, Seals: a.Seals, Sign: a.Sign, Ledger: a.Ledger, PKI: a.PKI, Cases: svc})
	if err != nil {
		t.Fatal(err)
	}
	// The site's authentication with the kiosk's check, as the platform wires it.
	authenticate := func(r *http.Request) (principal.Principal, error) {
		p, err := portal.Authenticate(r)
		if err != nil {
			return p, err
		}
		return portal.KioskPrincipal(r, p)
	}
	srv, err := httpserver.New(httpserver.Config{Logger: logger, Authenticate: authenticate, ErrorPage: portal.ErrorPage,
		RateLimits: limits})
	if err != nil {
		t.Fatal(err)
	}
	portal.Install(srv)
	a.Server = srv
	cs := &casesSite{site: s, cases: svc, clock: fake}
	for _, login := range []string{gatWindow, fzWindow, cgWindow, scjWin, scjAppr, scjAdm, caseNeighbour} {
		cs.token(login)
	}
	return cs
}

// principalOf is the principal of login's session.
func (s *casesSite) principalOf(login string) principal.Principal {
	s.t.Helper()
	p, err := s.a.Identity.SessionPrincipal(context.Background(), s.token(login))
	if err != nil {
		s.t.Fatal(err)
	}
	return p
}

// Files of the kinds materials take.
var (
	pdfFile  = []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	pngFile  = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	textFile = []byte("这不是 PDF，只是一段文字。\n")
	eicar    = []byte(`X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`)
)

// wantRedirect fails t unless w redirects (303) to a location starting with prefix.
func wantRedirect(t *testing.T, what string, w interface {
	Header() http.Header
}, code int, prefix string) string {
	t.Helper()
	loc := w.Header().Get("Location")
	if code != http.StatusSeeOther || len(loc) < len(prefix) || loc[:len(prefix)] != prefix {
		t.Fatalf("%s: status %d to %q, want 303 to %s…", what, code, loc, prefix)
	}
	return loc
}
