package demo

import (
	"context"
	"fmt"

	"github.com/yiwang-platform/yiwang/internal/catalog"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Codes of the demo bundles.
const (
	BundleRestaurant = "YJS-KCG-350100" // 开餐馆一件事 (Fuzhou), a "one industry, one licence" bundle
	BundleBirth      = "YJS-CS-350000"  // 出生一件事
	BundleMoving     = "YJS-QJ-350000"  // 迁居一件事
)

// demoBundles are the demo's one-thing bundles over demoItems.
func demoBundles() []catalog.Bundle {
	code := func(orgCode, basic string) string { return catalog.OrgCreditCode(orgCode) + basic }
	return []catalog.Bundle{
		{Code: BundleRestaurant, Org: "fz-market-regulation",
			NameHans: "开餐馆一件事", NameHant: "開餐館一件事", NameEn: "Opening a restaurant",
			Keywords: []string{"开饭店", "开餐厅", "餐饮店", "小吃店", "一业一证", "餐饮"},
			Guide: catalog.Text{
				Hans: "在福州市开办餐馆，一次填报、一套材料，同时办理个体工商户登记、食品经营许可、户外招牌设置、排水许可和新办纳税人套餐，" +
					"各部门并联审批，全部办结后发放一张行业综合许可证。",
				Hant: "在福州市開辦餐館，一次填報、一套材料，同時辦理個體工商戶登記、食品經營許可、戶外招牌設置、排水許可和新辦納稅人套餐，" +
					"各部門並聯審批，全部辦結後發放一張行業綜合許可證。",
				En: "Open a restaurant in Fuzhou with one form and one set of materials: business registration, food business licence, " +
					"signboard, drainage permit and the tax start-up package are handled in parallel, and one comprehensive licence is issued at the end."},
			ServiceObject: catalog.ObjectBoth, LifeEvents: []string{"employment"}, Stages: []string{"startup"},
			Items: []string{code("fz-market-regulation", "000105011000"), code("fz-market-regulation", "000101021000"),
				code("fz-urban-management", "000117008000"), code("fz-construction", "000117012000"), code("fj-tax", "001001001000")},
			ResultLicence: catalog.Text{Hans: "行业综合许可证（餐饮）", Hant: "行業綜合許可證（餐飲）", En: "Comprehensive industry licence (catering)"},
			FormSchema: schemaOf(formCount("seats", "餐位数", "餐位數", "Number of seats"),
				formFormatted("opening_date", "date", "计划开业日期", "計劃開業日期", "Planned opening date"))},
		{Code: BundleBirth, Org: "fj-health",
			NameHans: "出生一件事", NameHant: "出生一件事", NameEn: "Having a baby",
			Keywords: []string{"生孩子", "宝宝出生", "新生儿", "生娃"},
			Guide: catalog.Text{
				Hans: "宝宝出生后，父母一次申请，同时办理出生医学证明、出生登记（落户）、城乡居民医保参保、社会保障卡申领和预防接种证，不用再跑多个部门。",
				Hant: "寶寶出生後，父母一次申請，同時辦理出生醫學證明、出生登記（落戶）、城鄉居民醫保參保、社會保障卡申領和預防接種證，不用再跑多個部門。",
				En: "After the birth, the parents apply once for the birth certificate, household registration, medical insurance, " +
					"social security card and vaccination record, without going from office to office."},
			ServiceObject: catalog.ObjectPerson, LifeEvents: []string{"birth"},
			Items: []string{code("fj-health", "002021001000"), code("fj-public-security", "000107021000"),
				code("fj-healthcare-security", "002021061000"), code("fj-hrss", "002021051000"), code("fj-health", "002021002000")}},
		{Code: BundleMoving, Org: "fj-public-security",
			NameHans: "迁居一件事", NameHant: "遷居一件事", NameEn: "Moving house",
			Keywords: []string{"搬家", "买房搬家", "换住址", "迁居"},
			Guide: catalog.Text{
				Hans: "在省内搬家，一次申请办理户口迁移、不动产转移登记、驾驶证住址变更和子女转学。",
				Hant: "在省內搬家，一次申請辦理戶口遷移、不動產轉移登記、駕駛證住址變更和子女轉學。",
				En:   "Moving within the province: one application moves the household registration, registers the home, updates the driving licence and moves the children's school."},
			ServiceObject: catalog.ObjectPerson, LifeEvents: []string{"moving"},
			Items: []string{code("fj-public-security", "000107022000"), code("fj-natural-resources", "000107081000"),
				code("fj-public-security", "002021041000"), code("fj-education", "002021111000")},
			FormSchema: schemaOf(formFormatted("move_date", "date", "搬家日期", "搬家日期", "Moving date"))},
	}
}

// DemoItems returns the demo's service items as the catalogue stores them.
func DemoItems() []catalog.Item {
	out := make([]catalog.Item, len(demoItems))
	for i, d := range demoItems {
		out[i] = d.item()
	}
	return out
}

// DemoBundles returns the demo's bundles.
func DemoBundles() []catalog.Bundle { return demoBundles() }

// SeedCatalog publishes the demo's service items and bundles that the catalogue does not have
// yet, as the system, in one import; entries already there — perhaps changed by someone trying
// the demo — are left as they are. It returns how many it published.
func SeedCatalog(ctx context.Context, db *store.DB, svc *catalog.Service) (int, error) {
	ctx = principal.With(ctx, principal.SystemPrincipal)
	sys := principal.SystemPrincipal
	var items []catalog.Item
	for _, it := range DemoItems() {
		_, err := svc.ItemVersion(ctx, sys, it.Code, 0)
		switch {
		case errs.Is(err, errs.NotFound):
			items = append(items, it)
		case err != nil:
			return 0, err
		}
	}
	var bundles []catalog.Bundle
	for _, b := range demoBundles() {
		_, err := svc.BundleVersion(ctx, sys, b.Code, 0)
		switch {
		case errs.Is(err, errs.NotFound):
			bundles = append(bundles, b)
		case err != nil:
			return 0, err
		}
	}
	if len(items) == 0 && len(bundles) == 0 {
		return 0, nil
	}
	n, err := svc.Import(ctx, sys, items, bundles)
	if err != nil {
		return 0, fmt.Errorf("demo catalogue: %w", err)
	}
	return n, nil
}
