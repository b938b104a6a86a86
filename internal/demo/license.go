package demo

import (
	"context"

	"github.com/yiwang-platform/yiwang/internal/catalog"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/license"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// Defining authorities of the demo's licence types: national bodies, with synthetic credit codes
// registered at national level (100000).
var (
	authorityMarket  = idcode.NewCreditCode('1', '1', "100000", "00001399") // 国家市场监督管理总局
	authorityHousing = idcode.NewCreditCode('1', '1', "100000", "00001902") // 住房和城乡建设部
)

// Licence type codes of the demo: the defining authority's credit code and 3 digits.
var (
	LicenceFood      = authorityMarket + "011"  // 食品经营许可证
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
		{Code: LicenceFood, Org: "fj-market-regulation", NameHans: "食品经营许可证", NameHant: "食品經營許可證",
			NameEn: "Food business licence", AuthorityName: "国家市场监督管理总局", AuthorityCode: authorityMarket,
			AuthorityLevel: license.LevelNational, IssuerLevel: license.LevelCity, HolderCategory: license.HolderBoth,
			MinValidityMonths: 60, MaxValidityMonths: 60,
			LinkedItems: []string{code("fz-market-regulation", "000101021000"), code("xm-market-regulation", "000101021000")},
			Fields: []license.Field{business, person, premises,
				{Key: "food_type", NameHans: "经营项目", NameHant: "經營項目", NameEn: "What is sold", Kind: license.FieldText, Required: true}}},
		{Code: LicenceSignboard, Org: "fj-housing", NameHans: "户外招牌设置许可证", NameHant: "戶外招牌設置許可證",
			NameEn: "Outdoor signboard permit", AuthorityName: "住房和城乡建设部", AuthorityCode: authorityHousing,
			AuthorityLevel: license.LevelNational, IssuerLevel: license.LevelCity, HolderCategory: license.HolderBoth,
			MinValidityMonths: 12, MaxValidityMonths: 36, LinkedItems: []string{code("fz-urban-management", "000117008000")},
			Fields: []license.Field{business, premises,
				{Key: "sign_area", NameHans: "招牌面积（平方米）", NameHant: "招牌面積（平方米）", NameEn: "Sign area (m²)", Kind: license.FieldText, Required: true}}},
		{Code: LicenceDrainage, Org: "fj-housing", NameHans: "城镇污水排入排水管网许可证", NameHant: "城鎮污水排入排水管網許可證",
			NameEn: "Permit to discharge wastewater into urban sewers", AuthorityName: "住房和城乡建设部", AuthorityCode: authorityHousing,
			AuthorityLevel: license.LevelNational, IssuerLevel: license.LevelCity, HolderCategory: license.HolderBoth,
			MinValidityMonths: 60, MaxValidityMonths: 60, LinkedItems: []string{code("fz-construction", "000117012000")},
			Fields: []license.Field{business, premises,
				{Key: "daily_volume", NameHans: "日排水量（立方米）", NameHant: "日排水量（立方米）", NameEn: "Daily discharge (m³)", Kind: license.FieldText, Required: true}}},
	}
}

// SeedLicenses publishes the demo's licence types and issues a food business licence to the
// demo enterprise. It does nothing for a type already published, and returns how many types it
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
		if t.Code != LicenceFood {
			continue
		}
		_, err = svc.Issue(sys, principal.SystemPrincipal, license.IssueRequest{TypeCode: LicenceFood,
			IssuerOrg: "fz-market-regulation", HolderName: DemoEnterprise.Name, HolderCode: DemoEnterprise.CreditCode,
			HolderCodeType: license.HolderCodeCreditCode, Number: "JY13501020026001",
			Face: map[string]string{"enterprise_name": DemoEnterprise.Name, "applicant_name": "张建国",
				"premises": "福州市鼓楼区五四路158号环球广场1层", "food_type": "热食类食品制售；饮品店（含自制饮品）"}})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
