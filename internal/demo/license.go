package demo

import (
	"context"

	"github.com/yiwang-platform/yiwang/internal/catalog"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/license"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// Defining authorities of the demo's licence types: provincial departments, with the credit
// codes the catalogue gives them.
var (
	authorityMarket  = catalog.OrgCreditCode("fj-market-regulation")
	authorityHousing = catalog.OrgCreditCode("fj-housing")
)

// Licence type codes of the demo: the defining authority's credit code and 3 digits. The
// business and food licences are the types the catalogue's materials name (ltBusinessLicence,
// ltFoodLicence), so an application's licence material is filled from them.
var (
	LicenceBusiness  = ltBusinessLicence        // 营业执照
	LicenceFood      = ltFoodLicence            // 食品经营许可证
	LicenceSignboard = authorityHousing + "021" // 户外招牌设置许可证
	LicenceDrainage  = authorityHousing + "022" // 城镇污水排入排水管网许可证
)

// demoLicenceTypes are the licence types the demo publishes: those the restaurant bundle's
// approvals issue. Their field keys are the items' form fields, so an approved case's form
// becomes the licence's face data.
func demoLicenceTypes() []license.Type {
	code := func(orgCode, basic string) string { return catalog.OrgCreditCode(orgCode) + basic }
	business := license.Field{Key: "enterprise_name", NameHans: "经营者名称", NameHant: "經營者名稱", NameEn: "Name of the business",
		Kind: license.FieldText, Required: true}
	person := license.Field{Key: "applicant_name", NameHans: "法定代表人（负责人）", NameHant: "法定代表人（負責人）",
		NameEn: "Legal representative (person in charge)", Kind: license.FieldText, Required: true}
	premises := license.Field{Key: "premises", NameHans: "经营场所", NameHant: "經營場所", NameEn: "Business premises",
		Kind: license.FieldArea, Required: true}
	return []license.Type{
		{Code: LicenceBusiness, Org: "fj-market-regulation", NameHans: "营业执照", NameHant: "營業執照",
			NameEn: "Business licence", AuthorityName: "福建省市场监督管理局", AuthorityCode: authorityMarket,
			AuthorityLevel: license.LevelProvincial, IssuerLevel: license.LevelCity, HolderCategory: license.HolderEnterprise,
			LinkedItems: []string{code("fz-market-regulation", "000105011000")},
			Fields: []license.Field{business,
				{Key: "entity_type", NameHans: "类型", NameHant: "類型", NameEn: "Type of entity", Kind: license.FieldText, Required: true},
				person,
				{Key: "registered_capital", NameHans: "注册资本", NameHant: "註冊資本", NameEn: "Registered capital", Kind: license.FieldText},
				{Key: "established_on", NameHans: "成立日期", NameHant: "成立日期", NameEn: "Established on", Kind: license.FieldDate, Required: true},
				{Key: "address", NameHans: "住所", NameHant: "住所", NameEn: "Domicile", Kind: license.FieldArea, Required: true},
				{Key: "business_scope", NameHans: "经营范围", NameHant: "經營範圍", NameEn: "Business scope", Kind: license.FieldArea, Required: true}}},
		{Code: LicenceFood, Org: "fj-market-regulation", NameHans: "食品经营许可证", NameHant: "食品經營許可證",
			NameEn: "Food business licence", AuthorityName: "福建省市场监督管理局", AuthorityCode: authorityMarket,
			AuthorityLevel: license.LevelProvincial, IssuerLevel: license.LevelCity, HolderCategory: license.HolderBoth,
			MinValidityMonths: 60, MaxValidityMonths: 60,
			LinkedItems: []string{code("fz-market-regulation", "000101021000"), code("xm-market-regulation", "000101021000")},
			Fields: []license.Field{business, person, premises,
				{Key: "food_type", NameHans: "经营项目", NameHant: "經營項目", NameEn: "What is sold", Kind: license.FieldText, Required: true}}},
		{Code: LicenceSignboard, Org: "fj-housing", NameHans: "户外招牌设置许可证", NameHant: "戶外招牌設置許可證",
			NameEn: "Outdoor signboard permit", AuthorityName: "福建省住房和城乡建设厅", AuthorityCode: authorityHousing,
			AuthorityLevel: license.LevelProvincial, IssuerLevel: license.LevelCity, HolderCategory: license.HolderBoth,
			MinValidityMonths: 12, MaxValidityMonths: 36, LinkedItems: []string{code("fz-urban-management", "000117008000")},
			Fields: []license.Field{business, premises,
				{Key: "sign_area", NameHans: "招牌面积（平方米）", NameHant: "招牌面積（平方米）", NameEn: "Sign area (m²)", Kind: license.FieldText, Required: true}}},
		{Code: LicenceDrainage, Org: "fj-housing", NameHans: "城镇污水排入排水管网许可证", NameHant: "城鎮污水排入排水管網許可證",
			NameEn: "Permit to discharge wastewater into urban sewers", AuthorityName: "福建省住房和城乡建设厅", AuthorityCode: authorityHousing,
			AuthorityLevel: license.LevelProvincial, IssuerLevel: license.LevelCity, HolderCategory: license.HolderBoth,
			MinValidityMonths: 60, MaxValidityMonths: 60, LinkedItems: []string{code("fz-construction", "000117012000")},
			Fields: []license.Field{business, premises,
				{Key: "daily_volume", NameHans: "日排水量（立方米）", NameHant: "日排水量（立方米）", NameEn: "Daily discharge (m³)", Kind: license.FieldText, Required: true}}},
	}
}

// SeedLicenses publishes the demo's licence types and issues the demo enterprise's business and
// food business licences. It does nothing for a type already published, and returns how many types it
// published.
func SeedLicenses(ctx context.Context, svc *license.Service) (int, error) {
	sys := principal.With(ctx, principal.SystemPrincipal)
	n := 0
	for _, t := range demoLicenceTypes() {
		if _, err := svc.Published(sys, t.Code); err == nil {
			continue
		} else if !errs.Is(err, errs.NotFound) {
			return n, err
		}
		saved, err := svc.SaveType(sys, principal.SystemPrincipal, t)
		if err != nil {
			return n, err
		}
		if _, err := svc.SubmitType(sys, principal.SystemPrincipal, saved.Code); err != nil {
			return n, err
		}
		if _, err := svc.PublishType(sys, principal.SystemPrincipal, saved.Code); err != nil {
			return n, err
		}
		n++
		req, ok := demoLicences[t.Code]
		if !ok {
			continue
		}
		req.TypeCode, req.IssuerOrg = t.Code, "fz-market-regulation"
		req.HolderName, req.HolderCode, req.HolderCodeType = DemoEnterprise.Name, DemoEnterprise.CreditCode, license.HolderCodeCreditCode
		if _, err := svc.Issue(sys, principal.SystemPrincipal, req); err != nil {
			return n, err
		}
	}
	return n, nil
}

// demoLicences are the demo enterprise's licences, by type: its business licence (which an
// application of the enterprise then takes as a material without uploading it) and its food
// business licence.
var demoLicences = map[string]license.IssueRequest{
	LicenceBusiness: {Number: "91350102MA2Y7K3P", IssuedOn: "2021-05-18", ValidFrom: "2021-05-18",
		Face: map[string]string{"enterprise_name": DemoEnterprise.Name, "entity_type": "有限责任公司（自然人投资或控股）",
			"applicant_name": "张建国", "registered_capital": "伍拾万圆整", "established_on": "2021-05-18",
			"address": "福州市鼓楼区五四路158号环球广场1层", "business_scope": "茶叶及茶制品零售；餐饮服务；食品销售（依法须经批准的项目，经相关部门批准后方可开展经营活动）"}},
	LicenceFood: {Number: "JY13501020026001",
		Face: map[string]string{"enterprise_name": DemoEnterprise.Name, "applicant_name": "张建国",
			"premises": "福州市鼓楼区五四路158号环球广场1层", "food_type": "热食类食品制售；饮品店（含自制饮品）"}},
}
