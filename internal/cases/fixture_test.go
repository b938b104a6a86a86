package cases_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/calendar"
	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/events"
	"github.com/yiwang-platform/yiwang/internal/formschema"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/ledger"
	"github.com/yiwang-platform/yiwang/internal/notify"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/payments"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/requestid"
	"github.com/yiwang-platform/yiwang/internal/seal"
	"github.com/yiwang-platform/yiwang/internal/sign"
	"github.com/yiwang-platform/yiwang/internal/sign/signtest"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// Organisations of the fixtures (all in the real directory).
const (
	scj    = "fj-market-regulation"   // provincial market regulation: food licences
	zrzy   = "fj-natural-resources"   // real estate registration (with a fee)
	health = "fj-health"              // birth registration
	yjt    = "fj-emergency"           // fire safety inspection before opening
	zjt    = "fj-housing"             // outdoor signboards
	tax    = "fj-tax"                 // invoices for new taxpayers
	fuzhou = "city-fuzhou"            // a city government's service hall (350100)
	xiamen = "city-xiamen"            // 350200
	hzhrss = "zj-hangzhou-healthcare" // another province's organisation (not in this node's directory)
)

// Item codes of the fixtures.
const (
	itemFood         = "11350000MB0W1836XA-XK-0001"
	itemRealEstate   = "11350000MB1H37405C-DJ-0002"
	itemBirth        = "11350000003591418T-SY-0003"
	itemFire         = "11350000MB0W18483K-XF-0004"
	itemSign         = "11350000003591514P-ZP-0005"
	itemXMPension    = "11350200MB1H16293E-SB-0006"
	itemXMAdvert     = "11350200MB1H16293E-GG-0007"
	itemHZMedical    = "11330100MB1H38811J-YB-0008"
	itemInfoOnly     = "11350000MB0W1836XA-ZX-0009"
	itemTaxInvoice   = "11350000MB1F5312X2-SW-0010"
	bundleRestaurant = "FJ-YJS-0001"
)

func text(hans, hant, en string) (string, string, string) { return hans, hant, en }

// Forms as departments write them.
const foodForm = `{
  "type": "object",
  "x-title": {"zh-Hans": "食品经营许可申请", "zh-Hant": "食品經營許可申請", "en": "Food business licence application"},
  "properties": {
    "shop_name": {"type": "string", "minLength": 2, "maxLength": 50, "x-order": 1,
      "x-title": {"zh-Hans": "店铺名称", "zh-Hant": "店鋪名稱", "en": "Shop name"}},
    "credit_code": {"type": "string", "format": "credit-code", "x-order": 2,
      "x-title": {"zh-Hans": "统一社会信用代码", "zh-Hant": "統一社會信用代碼", "en": "Unified social credit code"}},
    "address": {"type": "string", "maxLength": 200, "x-order": 3,
      "x-title": {"zh-Hans": "经营场所", "zh-Hant": "經營場所", "en": "Premises"}},
    "mobile": {"type": "string", "format": "mobile", "x-order": 4,
      "x-title": {"zh-Hans": "联系电话", "zh-Hant": "聯繫電話", "en": "Mobile"}},
    "area": {"type": "number", "minimum": 10, "maximum": 5000, "x-order": 5,
      "x-title": {"zh-Hans": "经营面积（平方米）", "zh-Hant": "經營面積（平方米）", "en": "Floor area (m²)"}},
    "kind": {"type": "string", "enum": ["restaurant", "snack", "canteen"], "x-widget": "radio", "x-order": 6,
      "x-title": {"zh-Hans": "经营类别", "zh-Hant": "經營類別", "en": "Kind of business"}}
  },
  "required": ["shop_name", "credit_code", "address", "mobile", "kind"]
}`

const fireForm = `{
  "type": "object",
  "properties": {
    "shop_name": {"type": "string", "minLength": 2, "maxLength": 50,
      "x-title": {"zh-Hans": "店铺名称", "zh-Hant": "店鋪名稱", "en": "Shop name"}},
    "address": {"type": "string", "maxLength": 200,
      "x-title": {"zh-Hans": "经营场所", "zh-Hant": "經營場所", "en": "Premises"}},
    "seats": {"type": "integer", "minimum": 1, "maximum": 2000,
      "x-title": {"zh-Hans": "座位数", "zh-Hant": "座位數", "en": "Seats"}}
  },
  "required": ["shop_name", "address", "seats"]
}`

const signForm = `{
  "type": "object",
  "properties": {
    "shop_name": {"type": "string", "minLength": 2, "maxLength": 50,
      "x-title": {"zh-Hans": "店铺名称", "zh-Hant": "店鋪名稱", "en": "Shop name"}},
    "sign_text": {"type": "string", "maxLength": 30,
      "x-title": {"zh-Hans": "招牌文字", "zh-Hant": "招牌文字", "en": "Sign text"}}
  },
  "required": ["shop_name", "sign_text"]
}`

const realEstateForm = `{
  "type": "object",
  "properties": {
    "certificate_no": {"type": "string", "pattern": "^闽\\([0-9]{4}\\)[^\\s]{2,10}不动产权第[0-9]{7}号$",
      "x-title": {"zh-Hans": "不动产权证书号", "zh-Hant": "不動產權證書號", "en": "Title certificate number"}},
    "address": {"type": "string", "maxLength": 200,
      "x-title": {"zh-Hans": "坐落", "zh-Hant": "坐落", "en": "Location"}},
    "area": {"type": "number", "minimum": 1, "maximum": 100000,
      "x-title": {"zh-Hans": "建筑面积（平方米）", "zh-Hant": "建築面積（平方米）", "en": "Floor area (m²)"}}
  },
  "required": ["certificate_no", "address", "area"]
}`

const birthForm = `{
  "type": "object",
  "x-title": {"zh-Hans": "生育登记", "zh-Hant": "生育登記", "en": "Birth registration"},
  "properties": {
    "mother_name": {"type": "string", "minLength": 2, "maxLength": 30, "x-order": 1,
      "x-title": {"zh-Hans": "母亲姓名", "zh-Hant": "母親姓名", "en": "Mother's name"}},
    "mother_id": {"type": "string", "format": "resident-id", "x-order": 2,
      "x-title": {"zh-Hans": "母亲身份证号码", "zh-Hant": "母親身份證號碼", "en": "Mother's ID number"}},
    "father_name": {"type": "string", "minLength": 2, "maxLength": 30, "x-order": 3,
      "x-title": {"zh-Hans": "父亲姓名", "zh-Hant": "父親姓名", "en": "Father's name"}},
    "father_id": {"type": "string", "format": "resident-id", "x-order": 4,
      "x-title": {"zh-Hans": "父亲身份证号码", "zh-Hant": "父親身份證號碼", "en": "Father's ID number"}},
    "child_name": {"type": "string", "minLength": 2, "maxLength": 30, "x-order": 5,
      "x-title": {"zh-Hans": "子女姓名", "zh-Hant": "子女姓名", "en": "Child's name"}},
    "child_birth_date": {"type": "string", "format": "date", "x-order": 6,
      "x-title": {"zh-Hans": "出生日期", "zh-Hant": "出生日期", "en": "Date of birth"}},
    "birth_order": {"type": "integer", "minimum": 1, "maximum": 10, "x-order": 7,
      "x-title": {"zh-Hans": "孩次", "zh-Hant": "孩次", "en": "Birth order"}},
    "hospital": {"type": "string", "maxLength": 100, "x-order": 8,
      "x-title": {"zh-Hans": "出生医院", "zh-Hant": "出生醫院", "en": "Hospital"}},
    "mobile": {"type": "string", "format": "mobile", "x-order": 9,
      "x-title": {"zh-Hans": "联系电话", "zh-Hant": "聯繫電話", "en": "Mobile"}},
    "residence": {"type": "string", "format": "region-code", "x-order": 10,
      "x-title": {"zh-Hans": "户籍所在地", "zh-Hant": "戶籍所在地", "en": "Registered residence"}},
    "agree": {"type": "boolean", "x-order": 11,
      "x-title": {"zh-Hans": "本人承诺所填信息真实", "zh-Hant": "本人承諾所填資訊真實", "en": "I declare this is true"}}
  },
  "required": ["mother_name", "mother_id", "father_name", "father_id", "child_name", "child_birth_date", "birth_order", "mobile", "agree"]
}`

const taxForm = `{
  "type": "object",
  "properties": {
    "taxpayer": {"type": "string", "enum": ["small", "general"],
      "x-title": {"zh-Hans": "纳税人类型", "zh-Hant": "納稅人類型", "en": "Kind of taxpayer"}}
  },
  "required": ["taxpayer"]
}`

const simpleForm = `{
  "type": "object",
  "properties": {
    "address": {"type": "string", "maxLength": 200, "x-title": {"zh-Hans": "地址", "zh-Hant": "地址", "en": "Address"}},
    "mobile": {"type": "string", "format": "mobile", "x-title": {"zh-Hans": "联系电话", "zh-Hant": "聯繫電話", "en": "Mobile"}}
  },
  "required": ["address", "mobile"]
}`

func material(code, hans, en, source string, required bool, formats ...string) cases.MaterialSpec {
	return cases.MaterialSpec{Code: code, NameHans: hans, NameHant: hans, NameEn: en, Source: source, Required: required,
		Formats: formats, MaxBytes: 5 << 20}
}

// catalog is the consumer-side Catalog with realistic published items and a bundle.
type catalog struct {
	items   map[string]cases.ItemSpec
	bundles map[string]cases.BundleSpec
}

func (c *catalog) Item(ctx context.Context, code string) (cases.ItemSpec, error) {
	it, ok := c.items[code]
	if !ok {
		return it, errs.E(errs.NotFound, "error.not_found")
	}
	return it, nil
}

func (c *catalog) Bundle(ctx context.Context, code string) (cases.BundleSpec, error) {
	b, ok := c.bundles[code]
	if !ok {
		return b, errs.E(errs.NotFound, "error.not_found")
	}
	return b, nil
}

func newCatalog(t testing.TB) *catalog {
	t.Helper()
	licence := cases.MaterialSpec{Code: "business_licence", NameHans: "营业执照", NameHant: "營業執照", NameEn: "Business licence",
		Source: cases.SourceLicence, LicenceType: "11100000000013338W001", Required: true}
	food := cases.ItemSpec{Code: itemFood, Version: 3, Org: scj, RegionCode: "350000",
		NameHans: "食品经营许可（新办）", NameHant: "食品經營許可（新辦）", NameEn: "Food business licence (new)",
		Type: "administrative_licensing", ServiceObject: cases.ServiceObjectEnterprise, AgentScope: "licences",
		LegalDays: 20, PromisedDays: 10,
		Materials: []cases.MaterialSpec{
			material("application_form", "食品经营许可申请书", "Application form", cases.SourceApplicant, true, cases.FormatPDF, cases.FormatOFD),
			licence,
			material("premises_plan", "经营场所平面图", "Floor plan of the premises", cases.SourceApplicant, true, cases.FormatPDF, cases.FormatJPEG, cases.FormatPNG),
			material("manager_certificate", "食品安全管理员培训证明", "Food safety manager's certificate", cases.SourceApplicant, false),
		},
		FormSchema: []byte(foodForm), CrossRegion: cases.CrossRegionProvince, OnlineDepth: 4}
	realEstate := cases.ItemSpec{Code: itemRealEstate, Version: 1, Org: zrzy, RegionCode: "350000",
		NameHans: "不动产转移登记", NameHant: "不動產轉移登記", NameEn: "Real estate transfer registration",
		Type: "administrative_confirmation", ServiceObject: cases.ServiceObjectPerson, LegalDays: 30, PromisedDays: 5,
		Materials: []cases.MaterialSpec{
			material("sale_contract", "不动产买卖合同", "Sale contract", cases.SourceApplicant, true, cases.FormatPDF),
			{Code: "identity", NameHans: "身份证明", NameHant: "身份證明", NameEn: "Proof of identity", Source: cases.SourceSharedData, Required: true},
		},
		Fees:       []cases.FeeLine{{Name: "不动产登记费（住宅）", AmountFen: 8000, LegalBasis: "财税〔2016〕79号"}},
		FormSchema: []byte(realEstateForm), CrossRegion: cases.CrossRegionNone, OnlineDepth: 3}
	birth := cases.ItemSpec{Code: itemBirth, Version: 2, Org: health, RegionCode: "350000",
		NameHans: "生育登记", NameHant: "生育登記", NameEn: "Birth registration",
		Type: "public_service", ServiceObject: cases.ServiceObjectPerson, LegalDays: 5, PromisedDays: 3,
		Materials: []cases.MaterialSpec{
			{Code: "birth_certificate", NameHans: "出生医学证明", NameHant: "出生醫學證明", NameEn: "Medical birth certificate",
				Source: cases.SourceLicence, LicenceType: "12100000400010681X001", Required: true},
			{Code: "marriage_certificate", NameHans: "结婚证", NameHant: "結婚證", NameEn: "Marriage certificate",
				Source: cases.SourceLicence, LicenceType: "11100000000014145X001", Required: false},
			{Code: "household_register", NameHans: "户口簿", NameHant: "戶口簿", NameEn: "Household register",
				Source: cases.SourceSharedData, Required: true},
		},
		FormSchema: []byte(birthForm), CrossRegion: cases.CrossRegionCountry, OnlineDepth: 4}
	fire := cases.ItemSpec{Code: itemFire, Version: 1, Org: yjt, RegionCode: "350000",
		NameHans: "公众聚集场所投入使用、营业前消防安全检查", NameHant: "公眾聚集場所投入使用、營業前消防安全檢查",
		NameEn: "Fire safety inspection before opening", Type: "administrative_licensing",
		ServiceObject: cases.ServiceObjectEnterprise, AgentScope: "licences", LegalDays: 10, PromisedDays: 7,
		Materials: []cases.MaterialSpec{licence,
			material("fire_plan", "消防设施平面图", "Fire equipment plan", cases.SourceApplicant, true, cases.FormatPDF, cases.FormatPNG)},
		FormSchema: []byte(fireForm), CrossRegion: cases.CrossRegionProvince, OnlineDepth: 4}
	signboard := cases.ItemSpec{Code: itemSign, Version: 1, Org: zjt, RegionCode: "350000",
		NameHans: "户外招牌设置", NameHant: "戶外招牌設置", NameEn: "Outdoor signboard", Type: "other_power",
		ServiceObject: cases.ServiceObjectEnterprise, AgentScope: "licences", LegalDays: 10, PromisedDays: 5,
		Materials:  []cases.MaterialSpec{material("sign_design", "招牌设计效果图", "Sign design", cases.SourceApplicant, true, cases.FormatJPEG, cases.FormatPNG, cases.FormatPDF)},
		FormSchema: []byte(signForm), CrossRegion: cases.CrossRegionProvince, OnlineDepth: 4}
	pension := cases.ItemSpec{Code: itemXMPension, Version: 1, Org: xiamen, RegionCode: "350200",
		NameHans: "城乡居民基本养老保险参保登记", NameHant: "城鄉居民基本養老保險參保登記", NameEn: "Resident pension insurance enrolment",
		Type: "public_service", ServiceObject: cases.ServiceObjectPerson, LegalDays: 5, PromisedDays: 1,
		FormSchema: []byte(simpleForm), CrossRegion: cases.CrossRegionProvince, OnlineDepth: 4}
	advert := cases.ItemSpec{Code: itemXMAdvert, Version: 1, Org: xiamen, RegionCode: "350200",
		NameHans: "大型户外广告设置审批", NameHant: "大型戶外廣告設置審批", NameEn: "Large outdoor advertising",
		Type: "administrative_licensing", ServiceObject: cases.ServiceObjectBoth, AgentScope: "licences", LegalDays: 20, PromisedDays: 10,
		FormSchema: []byte(simpleForm), CrossRegion: cases.CrossRegionNone, OnlineDepth: 3}
	medical := cases.ItemSpec{Code: itemHZMedical, Version: 1, Org: hzhrss, RegionCode: "330100",
		NameHans: "异地就医备案（杭州）", NameHant: "異地就醫備案（杭州）", NameEn: "Medical treatment elsewhere (Hangzhou)",
		Type: "public_service", ServiceObject: cases.ServiceObjectPerson, LegalDays: 5, PromisedDays: 2,
		Materials:  []cases.MaterialSpec{material("referral", "转诊证明", "Referral", cases.SourceApplicant, false, cases.FormatPDF, cases.FormatJPEG)},
		FormSchema: []byte(simpleForm), CrossRegion: cases.CrossRegionCountry, OnlineDepth: 4}
	info := cases.ItemSpec{Code: itemInfoOnly, Version: 1, Org: scj, RegionCode: "350000",
		NameHans: "企业名称自主申报咨询", NameHant: "企業名稱自主申報諮詢", NameEn: "Enterprise name consultation",
		Type: "public_service", ServiceObject: cases.ServiceObjectBoth, AgentScope: "business_registration", LegalDays: 1, PromisedDays: 1,
		FormSchema: []byte(simpleForm), CrossRegion: cases.CrossRegionProvince, OnlineDepth: 1}
	invoice := cases.ItemSpec{Code: itemTaxInvoice, Version: 1, Org: tax, RegionCode: "350000",
		NameHans: "新办纳税人发票领用", NameHant: "新辦納稅人發票領用", NameEn: "Invoices for new taxpayers",
		Type: "other_administrative_power", ServiceObject: cases.ServiceObjectBoth, AgentScope: "taxation", LegalDays: 5, PromisedDays: 1,
		Materials:  []cases.MaterialSpec{licence},
		FormSchema: []byte(taxForm), CrossRegion: cases.CrossRegionProvince, OnlineDepth: 4}
	merged, err := formschema.Merge([]byte(foodForm), []byte(fireForm), []byte(signForm))
	if err != nil {
		t.Fatalf("merge the restaurant forms: %v", err)
	}
	restaurant := cases.BundleSpec{Code: bundleRestaurant, Version: 1, Org: fuzhou,
		NameHans: "我要开餐馆", NameHant: "我要開餐館", NameEn: "Open a restaurant", FormSchema: merged,
		Materials: []cases.MaterialSpec{
			{Code: "business_licence", NameHans: "营业执照", NameHant: "營業執照", NameEn: "Business licence",
				Source: cases.SourceLicence, LicenceType: "11100000000013338W001", Required: true},
			withItems(material("application_form", "食品经营许可申请书", "Application form", cases.SourceApplicant, true, cases.FormatPDF, cases.FormatOFD), itemFood),
			withItems(material("premises_plan", "经营场所平面图", "Floor plan of the premises", cases.SourceApplicant, true, cases.FormatPDF, cases.FormatJPEG, cases.FormatPNG), itemFood),
			withItems(material("fire_plan", "消防设施平面图", "Fire equipment plan", cases.SourceApplicant, true, cases.FormatPDF, cases.FormatPNG), itemFire),
			withItems(material("sign_design", "招牌设计效果图", "Sign design", cases.SourceApplicant, true, cases.FormatJPEG, cases.FormatPNG, cases.FormatPDF), itemSign),
		},
		Items: []cases.ItemSpec{food, fire, signboard}, ResultLicence: "食品经营许可（一业一证）"}
	c := &catalog{items: map[string]cases.ItemSpec{}, bundles: map[string]cases.BundleSpec{bundleRestaurant: restaurant}}
	for _, it := range []cases.ItemSpec{food, realEstate, birth, fire, signboard, pension, advert, medical, info, invoice} {
		if _, err := formschema.Compile(it.FormSchema); err != nil {
			t.Fatalf("form of %s: %v", it.Code, err)
		}
		c.items[it.Code] = it
	}
	return c
}

func withItems(m cases.MaterialSpec, items ...string) cases.MaterialSpec {
	m.ForItems = items
	return m
}

// people is the People adapter over the real identity service, as the app will wire it.
type people struct{ ids *identity.Service }

func (p people) Person(ctx context.Context, account int64) (cases.Person, error) {
	a, err := p.ids.Account(ctx, account)
	if err != nil {
		return cases.Person{}, err
	}
	out := cases.Person{Account: a.ID, Kind: a.Kind, Name: a.DisplayName}
	if a.IDType != nil {
		out.IDType = *a.IDType
	}
	if a.IDNumber != nil {
		out.IDNumber = *a.IDNumber
	}
	return out, nil
}

func (p people) Officials(ctx context.Context, orgCode string, roles ...string) ([]int64, error) {
	list, err := p.ids.Officials(principal.With(ctx, principal.SystemPrincipal), orgCode)
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, a := range list {
		if a.Disabled {
			continue
		}
		for _, r := range roles {
			if slices.Contains(a.Roles, r) {
				out = append(out, a.ID)
				break
			}
		}
	}
	return out, nil
}

// fees is the Fees adapter over the real payments service.
type fees struct{ pay *payments.Service }

func (f fees) OpenOrderTx(ctx context.Context, tx *store.Tx, o cases.FeeOrder) (string, error) {
	lines := make([]payments.Line, len(o.Lines))
	for i, l := range o.Lines {
		lines[i] = payments.Line{Name: l.Name, AmountFen: l.AmountFen, LegalBasis: l.LegalBasis}
	}
	order, err := f.pay.OpenOrderTx(ctx, tx, payments.OrderRequest{ReferenceKind: "case", ReferenceID: o.CaseID,
		ReferenceNumber: o.CaseNumber, Org: o.Org, Payer: o.Payer, PayerActingFor: o.PayerActingFor, Lines: lines})
	return order.ID, err
}

// trust is the real trust services (signtest): keys, PKI, time-stamping, seals, signatures and the
// ledger; the cases use these three.
type trust struct {
	ledger *ledger.Log
	seals  *seal.Registry
	sign   *sign.Service
}

func newTrust(t testing.TB, db *store.DB) *trust {
	t.Helper()
	s := signtest.New(t, db)
	return &trust{ledger: s.Ledger, seals: s.Seals, sign: s.Sign}
}

// approvalSeal makes org's administrative approval seal (行政审批专用章), ECDSA.
func (tr *trust) approvalSeal(t testing.TB, db *store.DB, orgCode, name string) {
	t.Helper()
	admin := principal.Principal{Kind: principal.Official, Login: orgCode + ".seal-admin", AccountID: 9001, OrgCode: orgCode,
		Roles: []string{principal.RoleAdministrator}}
	approver := principal.Principal{Kind: principal.Official, Login: orgCode + ".seal-approver", AccountID: 9002, OrgCode: orgCode,
		Roles: []string{principal.RoleApprover}}
	now := db.Clock().Now()
	s, err := tr.seals.RequestSeal(as(admin), admin, seal.Request{Org: orgCode, Kind: seal.Special, Name: name,
		Caption: "行政审批专用章", Algorithm: keys.ECDSAP256, ValidFrom: now.Add(-time.Hour), ValidTo: now.AddDate(3, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.seals.Approve(as(approver), approver, s.ID); err != nil {
		t.Fatal(err)
	}
}

// decisionSigner signs decisions with the deciding organisation's active approval seal, as the
// app's adapter over internal/sign does: a detached CMS signature, time-stamped, recorded and
// logged by the signing service.
type decisionSigner struct{ tr *trust }

func (d decisionSigner) SignDecision(ctx context.Context, p principal.Principal, orgCode string, document []byte, name string) (cases.SignedDecision, error) {
	viewer := principal.Principal{Kind: principal.Official, Login: p.Login, AccountID: p.AccountID, OrgCode: orgCode,
		Roles: []string{principal.RoleSealUser}}
	list, err := d.tr.seals.List(ctx, viewer, orgCode)
	if err != nil {
		return cases.SignedDecision{}, err
	}
	for _, s := range list {
		if s.Status != seal.Active || (s.Kind != seal.Special && s.Kind != seal.Official) {
			continue
		}
		res, err := d.tr.sign.Sign(ctx, viewer, sign.Request{SealID: s.ID, Format: sign.FormatCMS, Document: document,
			DocumentName: name, Reason: "办件决定"})
		if err != nil {
			return cases.SignedDecision{}, err
		}
		return cases.SignedDecision{SignatureID: res.ID, SealID: res.SealID, SealName: res.SealName,
			Format: string(res.Format), Signature: res.Signature}, nil
	}
	return cases.SignedDecision{}, errs.E(errs.Conflict, "error.seal_not_usable", orgCode)
}

// env is a case service over a real database with real identity, notifications, payments and
// (when asked for) trust services.
type env struct {
	db     *store.DB
	clock  *clock.Fake // nil when the real clock runs
	cal    *calendar.Calendar
	ids    *identity.Service
	notify *notify.Service
	pay    *payments.Service
	trust  *trust
	cat    *catalog
	svc    *cases.Service

	// Residents and agents.
	zhang, li      principal.Principal // two residents
	agentRongcheng principal.Principal // agent of 福州榕城餐饮管理有限公司 for licences
	agentTaxation  principal.Principal // another agent of the same enterprise, for taxation only
	agentOther     principal.Principal // agent of another enterprise
	ownerRongcheng principal.Principal // the same enterprise's legal representative acting for it
	// Officials.
	scjWindow, scjReviewer, scjApprover          principal.Principal
	zrzyWindow, zrzyReviewer, zrzyApprover       principal.Principal
	healthWindow, healthReviewer, healthApprover principal.Principal
	yjtWindow, yjtReviewer, yjtApprover          principal.Principal
	zjtWindow, zjtReviewer, zjtApprover          principal.Principal
	fuzhouWindow, xiamenWindow                   principal.Principal
	scjAdmin                                     principal.Principal // an administrator (no workflow role)

	creditRongcheng, creditOther string
}

type envOptions struct {
	trust bool      // assemble the trust services (decisions)
	now   time.Time // the fake clock's start; 2026-03-02 09:00 China time if zero
	cfg   func(*cases.Config)
}

func as(p principal.Principal) context.Context {
	return requestid.With(principal.With(context.Background(), p), "test")
}

func newEnv(t testing.TB, db *store.DB, fc *clock.Fake, o envOptions) *env {
	t.Helper()
	ctx := as(principal.SystemPrincipal)
	if _, err := org.Seed(ctx, db, org.Directory()); err != nil {
		t.Fatal(err)
	}
	e := &env{db: db, clock: fc, cat: newCatalog(t)}
	var err error
	if e.cal, err = calendar.New(nil); err != nil {
		t.Fatal(err)
	}
	if e.ids, err = identity.New(db, identity.Options{}); err != nil {
		t.Fatal(err)
	}
	e.notify = notify.New(db, notify.Options{})
	e.pay = payments.New(db, payments.Options{})
	e.creditRongcheng = idcode.NewCreditCode('9', '1', "350102", "MA2Y8K6L")
	e.creditOther = idcode.NewCreditCode('9', '1', "350203", "MA31QD2F")
	birth := time.Date(1988, 4, 17, 0, 0, 0, 0, time.UTC)
	e.zhang = e.resident(t, "张晓明", idcode.NewResidentID("350102", birth, 135), "13905911234")
	e.li = e.resident(t, "李秀英", idcode.NewResidentID("350203", birth.AddDate(3, 2, 9), 246), "13806052345")
	agent := e.resident(t, "陈建华", idcode.NewResidentID("350104", birth.AddDate(-5, 1, 1), 317), "13750013456")
	e.agentRongcheng = agentOf(agent, e.creditRongcheng, "福州榕城餐饮管理有限公司", "licences")
	e.ownerRongcheng = agentOf(e.zhang, e.creditRongcheng, "福州榕城餐饮管理有限公司", "all")
	e.agentTaxation = agentOf(e.resident(t, "林税安", idcode.NewResidentID("350105", birth.AddDate(2, 7, 3), 428), "13960024567"),
		e.creditRongcheng, "福州榕城餐饮管理有限公司", "taxation")
	e.agentOther = agentOf(e.li, e.creditOther, "厦门鹭江贸易有限公司", "all")
	off := func(login, orgCode string, roles ...string) principal.Principal {
		return e.official(t, login, orgCode, roles...)
	}
	e.scjWindow = off("scj.window", scj, principal.RoleWindowOfficer)
	e.scjReviewer = off("scj.reviewer", scj, principal.RoleReviewer)
	e.scjApprover = off("scj.approver", scj, principal.RoleApprover)
	e.scjAdmin = off("scj.admin", scj, principal.RoleAdministrator)
	e.zrzyWindow = off("zrzy.window", zrzy, principal.RoleWindowOfficer)
	e.zrzyReviewer = off("zrzy.reviewer", zrzy, principal.RoleReviewer)
	e.zrzyApprover = off("zrzy.approver", zrzy, principal.RoleApprover)
	e.healthWindow = off("wjw.window", health, principal.RoleWindowOfficer)
	e.healthReviewer = off("wjw.reviewer", health, principal.RoleReviewer)
	e.healthApprover = off("wjw.approver", health, principal.RoleApprover)
	e.yjtWindow = off("yjt.window", yjt, principal.RoleWindowOfficer)
	e.yjtReviewer = off("yjt.reviewer", yjt, principal.RoleReviewer)
	e.yjtApprover = off("yjt.approver", yjt, principal.RoleApprover)
	e.zjtWindow = off("zjt.window", zjt, principal.RoleWindowOfficer)
	e.zjtReviewer = off("zjt.reviewer", zjt, principal.RoleReviewer)
	e.zjtApprover = off("zjt.approver", zjt, principal.RoleApprover)
	e.fuzhouWindow = off("fz.window", fuzhou, principal.RoleWindowOfficer)
	e.xiamenWindow = off("xm.window", xiamen, principal.RoleWindowOfficer)
	cfg := cases.Config{Catalog: e.cat, People: people{e.ids}, Calendar: e.cal, Notifier: e.notify, Fees: fees{e.pay},
		CodeKey: codeKey}
	if o.trust {
		e.trust = newTrust(t, db)
		for _, oc := range []struct{ org, name string }{{scj, "福建省市场监督管理局行政审批专用章"},
			{zrzy, "福建省自然资源厅不动产登记专用章"}, {health, "福建省卫生健康委员会行政审批专用章"},
			{yjt, "福建省应急管理厅行政审批专用章"}, {zjt, "福建省住房和城乡建设厅行政审批专用章"}} {
			e.trust.approvalSeal(t, db, oc.org, oc.name)
		}
		cfg.Signer, cfg.Ledger = decisionSigner{e.trust}, e.trust.ledger
	}
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	if e.svc, err = cases.New(db, cfg); err != nil {
		t.Fatal(err)
	}
	return e
}

// eachEnv runs fn on both engines with a fresh environment, the fake clock at start (2026-03-02
// 09:00 China time when zero).
func eachEnv(t *testing.T, o envOptions, fn func(t *testing.T, e *env)) {
	t.Helper()
	start := o.now
	if start.IsZero() {
		start = time.Date(2026, 3, 2, 9, 0, 0, 0, clock.China)
	}
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			fc := clock.NewFake(start)
			db := storetest.Open(t, d, storetest.Options{Clock: fc})
			fn(t, newEnv(t, db, fc, o))
		})
	}
}

// resident inserts a resident's account (identity's registration is tested in identity; the
// password is irrelevant here) and returns the resident's principal.
func (e *env) resident(t testing.TB, name, idNumber, phone string) principal.Principal {
	t.Helper()
	var id int64
	err := e.db.Transact(context.Background(), func(tx *store.Tx) error {
		var err error
		id, err = tx.InsertID(context.Background(), `INSERT INTO accounts (login, kind, display_name, password_hash, disabled,
			created_at, phone, id_type, id_number, real_name_level) VALUES (?, 'resident', ?, 'x', 0, ?, ?, 'resident_id', ?, 2)
			RETURNING id`, "r"+phone[3:], name, tx.Now, phone, idNumber)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return principal.Principal{Kind: principal.Resident, AccountID: id, Login: "r" + phone[3:], Name: name, RealNameLevel: 2, Via: "session"}
}

// agentOf is p acting for enterprise credit with the service scopes it was authorised for (the
// enterprise's legal representative acts with "all").
func agentOf(p principal.Principal, credit, name string, scopes ...string) principal.Principal {
	p.Kind, p.ActingFor, p.ActingForName, p.AgentScopes = principal.Agent, credit, name, scopes
	return p
}

func (e *env) official(t testing.TB, login, orgCode string, roles ...string) principal.Principal {
	t.Helper()
	// Inserted directly: identity's account administration (and its password hashing, slow on
	// purpose) is tested in identity.
	ctx := context.Background()
	var id int64
	err := e.db.Transact(ctx, func(tx *store.Tx) error {
		var err error
		if id, err = tx.InsertID(ctx, `INSERT INTO accounts (login, kind, display_name, org_code, password_hash, disabled, created_at)
			VALUES (?, 'official', ?, ?, 'x', 0, ?) RETURNING id`, login, login, orgCode, tx.Now); err != nil {
			return err
		}
		for _, r := range roles {
			if _, err := tx.Exec(ctx, `INSERT INTO account_roles (account_id, role) VALUES (?, ?)`, id, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.ids.Account(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return a.Principal()
}

// inbox returns the message keys in account's inbox, oldest first.
func (e *env) inbox(t testing.TB, account int64) []string {
	t.Helper()
	var keys []string
	if err := e.db.Select(context.Background(), &keys, `SELECT msg_key FROM notify_messages WHERE account_id = ? ORDER BY id`, account); err != nil {
		t.Fatal(err)
	}
	return keys
}

// topics returns the topics of the events enqueued about case id, in order.
func (e *env) topics(t testing.TB, id string) []string {
	t.Helper()
	var rows []struct {
		Topic   string `db:"topic"`
		Payload string `db:"payload"`
	}
	if err := e.db.Select(context.Background(), &rows, `SELECT topic, payload FROM events WHERE topic LIKE 'case.%' ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		var ev events.Event
		ev.Payload = []byte(r.Payload)
		var pl cases.EventPayload
		if err := ev.Decode(&pl); err != nil {
			t.Fatal(err)
		}
		if pl.CaseID == id {
			out = append(out, r.Topic)
		}
	}
	return out
}

// The values of complete forms.
func foodValues(e *env) map[string]any {
	return map[string]any{"shop_name": "榕城小馆", "credit_code": e.creditRongcheng, "address": "福州市鼓楼区东街 88 号",
		"mobile": "13750013456", "area": 86.5, "kind": "restaurant"}
}

func birthValues() map[string]any {
	b := time.Date(1991, 6, 26, 0, 0, 0, 0, time.UTC)
	return map[string]any{"mother_name": "李秀英", "mother_id": idcode.NewResidentID("350203", b, 246),
		"father_name": "张晓明", "father_id": idcode.NewResidentID("350102", b.AddDate(-3, -2, -9), 135),
		"child_name": "张沐阳", "child_birth_date": "2026-02-20", "birth_order": 1, "hospital": "福建省妇幼保健院",
		"mobile": "13905911234", "residence": "350102", "agree": true}
}

func realEstateValues() map[string]any {
	return map[string]any{"certificate_no": "闽(2024)福州市不动产权第0123456号", "address": "福州市仓山区建新镇金山大道 168 号 3 座 1202 室",
		"area": 89.6}
}

func restaurantValues(e *env) map[string]any {
	v := foodValues(e)
	v["seats"] = 48
	v["sign_text"] = "榕城小馆"
	return v
}

// Minimal real files of each format.
var (
	pdfFile  = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
	pngFile  = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	jpegFile = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9")
)

// must fails the test on err.
func must[T any](t testing.TB) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
