package catalog_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/catalog"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

var (
	policeAdmin = official("gat.admin", police, principal.RoleAdministrator)
	xiamenAdmin = official("xm.admin", "city-xiamen", principal.RoleAdministrator)
)

// hall publishes a small catalogue: three items of three organisations and a bundle of them.
func hall(t *testing.T, svc *catalog.Service) (food, licence, hygiene catalog.Item, b catalog.Bundle) {
	t.Helper()
	licence = newItem(samr, "010", "营业执照核发（个体工商户设立登记）", func(it *catalog.Item) {
		it.NameHant, it.NameEn = "營業執照核發（個體工商戶設立登記）", "Business licence for an individual business"
		it.Type, it.ServiceObject, it.Stages = catalog.AdministrativeConfirmation, catalog.ObjectEnterprise, []string{"startup"}
		it.PromisedDays = 1
	})
	food = newItem(samr, "011", "食品经营许可证核发", func(it *catalog.Item) {
		it.NameEn = "Food business licence"
		it.ServiceObject, it.Stages = catalog.ObjectEnterprise, []string{"startup"}
		it.Fees = []catalog.Fee{{NameHans: "工本费", AmountFen: 1000, LegalBasis: "闽价费〔2020〕1号"}}
		it.Materials = append(it.Materials, catalog.Material{Code: "business-licence", NameHans: "营业执照", Source: catalog.SourceLicence,
			LicenceType: "113500000000000001001", Required: true})
		it.OnlineDepth, it.Visits = 3, 1
	})
	hygiene = newItem("city-xiamen", "012", "公共场所卫生许可", func(it *catalog.Item) {
		it.NameEn = "Public place hygiene permit"
		it.ServiceObject, it.Stages = catalog.ObjectEnterprise, []string{"startup"}
		it.Materials = append(it.Materials, catalog.Material{Code: "business-licence", NameHans: "营业执照", Source: catalog.SourceApplicant,
			Required: false, Formats: []string{"pdf", "ofd"}, MaxBytes: 2 << 20})
		it.PromisedDays = 10
	})
	birth := newItem(health, "013", "出生医学证明首次签发", func(it *catalog.Item) {
		it.NameHant, it.NameEn = "出生醫學證明首次簽發", "First issue of a birth medical certificate"
		it.Type, it.ServiceObject, it.LifeEvents = catalog.PublicService, catalog.ObjectPerson, []string{"birth"}
	})
	publish(t, svc, samrAdmin, licence)
	publish(t, svc, samrAdmin, food)
	publish(t, svc, xiamenAdmin, hygiene)
	publish(t, svc, healthAdmin, birth)
	b = catalog.Bundle{Code: "YJS-KCG", Org: samr, NameHans: "开餐馆一件事", NameHant: "開餐館一件事", NameEn: "Opening a restaurant",
		Keywords: []string{"开饭店", "餐饮店"}, Guide: catalog.Text{Hans: "一次申请，办好开餐馆所需的证照。"},
		ServiceObject: catalog.ObjectEnterprise, Stages: []string{"startup"},
		Items: []string{licence.Code, food.Code, hygiene.Code}, ResultLicence: catalog.Text{Hans: "行业综合许可证", En: "Comprehensive industry licence"}}
	if _, err := svc.SaveBundle(as(samrAdmin), samrAdmin, b); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Submit(as(samrAdmin), samrAdmin, catalog.KindBundle, b.Code); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Publish(as(officeAdmin), officeAdmin, catalog.KindBundle, b.Code); err != nil {
		t.Fatal(err)
	}
	return food, licence, hygiene, b
}

func codes(r catalog.Result) []string {
	out := []string{}
	for _, e := range r.Entries {
		out = append(out, string(e.Kind)+":"+e.NameHans)
	}
	return out
}

func TestSearchCatalogue(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc := newService(t, db)
		hall(t, svc)
		ctx := context.Background()
		const (
			bundle  = "bundle:开餐馆一件事"
			licence = "item:营业执照核发（个体工商户设立登记）"
			food    = "item:食品经营许可证核发"
			hygiene = "item:公共场所卫生许可"
			birth   = "item:出生医学证明首次签发"
		)
		for _, tc := range []struct {
			name string
			q    catalog.Query
			want []string // as a set (bundles first when listed first); ranking is checked separately
		}{
			{"everything, bundles first", catalog.Query{}, []string{bundle, licence, birth, hygiene, food}},
			{"開餐館 finds the bundle", catalog.Query{Text: "開餐館"}, []string{bundle}},
			// Named so, or asking for it as a material.
			{"營業執照", catalog.Query{Text: "營業執照"}, []string{bundle, licence, food, hygiene}},
			{"执照", catalog.Query{Text: "执照"}, []string{bundle, licence, food, hygiene}},
			{"許可: the licences and the bundle", catalog.Query{Text: "許可"}, []string{bundle, food, hygiene}},
			{"a keyword", catalog.Query{Text: "开饭店"}, []string{bundle}},
			{"English", catalog.Query{Text: "hygiene permit"}, []string{bundle, hygiene}},
			{"items only", catalog.Query{Text: "许可", Kind: catalog.KindItem}, []string{food, hygiene}},
			{"an organisation's, bundles by their items'", catalog.Query{Org: "city-xiamen"}, []string{bundle, hygiene}},
			{"Xiamen: its own and the province's", catalog.Query{Region: "350200", Kind: catalog.KindItem}, []string{licence, birth, hygiene, food}},
			{"Fuzhou: the province's", catalog.Query{Region: "350100", Kind: catalog.KindItem}, []string{licence, birth, food}},
			{"Siming district: its city's and province's", catalog.Query{Region: "350203", Kind: catalog.KindItem}, []string{licence, birth, hygiene, food}},
			{"life event", catalog.Query{LifeEvent: "birth"}, []string{birth}},
			{"stage", catalog.Query{Stage: "startup", Kind: catalog.KindItem}, []string{licence, hygiene, food}},
			{"fully online", catalog.Query{MinDepth: 4}, []string{licence, birth, hygiene}},
			{"for persons", catalog.Query{Object: catalog.ObjectPerson}, []string{birth}},
			{"text and filters", catalog.Query{Text: "许可", Org: samr, Kind: catalog.KindItem}, []string{food}},
			{"no match", catalog.Query{Text: "火箭发射"}, []string{}},
		} {
			res, err := svc.Search(ctx, tc.q)
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
				continue
			}
			got := codes(res)
			if tc.q.Text == "" && len(got) > 1 && tc.want[0] == bundle && got[0] != bundle {
				t.Errorf("%s: %v, want bundles first", tc.name, got)
			}
			slices.Sort(got)
			want := append([]string{}, tc.want...)
			slices.Sort(want)
			if diff := cmp.Diff(want, got); diff != "" || res.Total != len(tc.want) {
				t.Errorf("%s: total %d, mismatch (-want +got):\n%s", tc.name, res.Total, diff)
			}
		}
		// The item named 营业执照 ranks above the bundle that only lists it.
		res, _ := svc.Search(ctx, catalog.Query{Text: "营业执照"})
		if len(res.Entries) == 0 || res.Entries[0].Kind != catalog.KindItem {
			t.Errorf("营业执照: %v, want the item named so first", codes(res))
		}
		// Paging.
		res, err := svc.Search(ctx, catalog.Query{PerPage: 2, Page: 3})
		if err != nil || res.Total != 5 || res.Pages() != 3 || len(res.Entries) != 1 {
			t.Errorf("page 3 of 2: %+v %v", res, err)
		}
		if res, _ := svc.Search(ctx, catalog.Query{Page: 9}); res.Total != 5 || len(res.Entries) != 0 {
			t.Errorf("page 9: %+v", res)
		}
		for _, q := range []catalog.Query{{Region: "35"}, {LifeEvent: "death"}, {Stage: "x"}, {MinDepth: 5}, {Object: "both"},
			{Kind: "dataset"}, {Page: -1}, {PerPage: 1000}, {Page: catalog.MaxPage + 1}} {
			if _, err := svc.Search(ctx, q); !errs.Is(err, errs.Invalid) {
				t.Errorf("Search(%+v): %v, want invalid", q, err)
			}
		}
	})
}

func TestBundles(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc := newService(t, db)
		food, licence, hygiene, b := hall(t, svc)
		ctx := context.Background()
		pb, err := svc.Bundle(ctx, b.Code)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{samr, "city-xiamen"}, pb.Orgs()); diff != "" {
			t.Errorf("orgs mismatch (-want +got):\n%s", diff)
		}
		if pb.PromisedDays() != 10 || pb.Visits() != 1 || pb.OnlineDepth() != 3 || pb.FeeFen() != 1000 {
			t.Errorf("figures: days %d visits %d depth %d fee %d", pb.PromisedDays(), pb.Visits(), pb.OnlineDepth(), pb.FeeFen())
		}
		// One set of materials: each asked for once, for the items that need it.
		var got []string
		for _, m := range pb.Materials {
			got = append(got, m.Code+" "+m.Source+" "+sliceString(m.ForItems))
		}
		want := []string{
			"id-card shared_data " + sliceString([]string{licence.Code, food.Code, hygiene.Code}),
			"application applicant " + sliceString([]string{licence.Code, food.Code, hygiene.Code}),
			"business-licence licence " + sliceString([]string{food.Code, hygiene.Code}),
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("materials mismatch (-want +got):\n%s", diff)
		}
		if bl := pb.Materials[2]; !bl.Required || bl.MaxBytes != 2<<20 {
			t.Errorf("merged business licence: required %v, max %d", bl.Required, bl.MaxBytes)
		}
		// An item's new version shows in its bundle's listing.
		food.PromisedDays = 15
		food.LegalDays = 20
		publish(t, svc, samrAdmin, food)
		res, _ := svc.Search(ctx, catalog.Query{Kind: catalog.KindBundle})
		if len(res.Entries) != 1 || res.Entries[0].PromisedDays != 15 {
			t.Errorf("bundle listing after the item changed: %+v", res.Entries)
		}
		if refs, err := svc.BundlesOf(ctx, food.Code); err != nil || len(refs) != 1 || refs[0].Code != b.Code {
			t.Errorf("BundlesOf = %v, %v", refs, err)
		}
		// A bundle with an item never published is not published.
		unpub := newItem(samr, "020", "户外广告设施设置审批")
		if _, err := svc.SaveItem(as(samrAdmin), samrAdmin, unpub); err != nil {
			t.Fatal(err)
		}
		b2 := b
		b2.Code, b2.Items = "YJS-TWO", []string{licence.Code, unpub.Code}
		if _, err := svc.SaveBundle(as(samrAdmin), samrAdmin, b2); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Submit(as(samrAdmin), samrAdmin, catalog.KindBundle, b2.Code); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Publish(as(officeAdmin), officeAdmin, catalog.KindBundle, b2.Code); !errs.Is(err, errs.Conflict) {
			t.Errorf("publish with an unpublished item: %v", err)
		}
		if _, err := svc.Bundle(ctx, b2.Code); !errs.Is(err, errs.NotFound) {
			t.Errorf("the refused bundle is public: %v", err)
		}
		// Bad bundles.
		for _, tc := range []struct {
			edit  func(*catalog.Bundle)
			field string
		}{
			{func(b *catalog.Bundle) { b.Code = "x" }, "code"},
			{func(b *catalog.Bundle) { b.Items = []string{licence.Code} }, "items"},
			{func(b *catalog.Bundle) { b.Items = []string{licence.Code, licence.Code} }, "items"},
			{func(b *catalog.Bundle) { b.Items = []string{licence.Code, "113500000000000000XK999"} }, "items.1"},
			{func(b *catalog.Bundle) { b.Guide = catalog.Text{} }, "guide.zh-Hans"},
			{func(b *catalog.Bundle) { b.ServiceObject = catalog.ObjectPerson }, "stages"},
		} {
			bad := b
			bad.Code = "YJS-BAD"
			tc.edit(&bad)
			_, err := svc.SaveBundle(as(samrAdmin), samrAdmin, bad)
			if e := errs.Public(err); e.Kind != errs.Invalid || e.Field != tc.field {
				t.Errorf("want invalid %s, got %v", tc.field, err)
			}
		}
		// Another organisation's administrator cannot take a bundle's code; the police
		// administrator does not learn whose it is.
		other := b
		other.Org = police
		if _, err := svc.SaveBundle(as(policeAdmin), policeAdmin, other); errs.Public(err).Field != "code" {
			t.Errorf("taking another's bundle code: %v", err)
		}
	})
}

func sliceString(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ","
		}
		out += x
	}
	return out
}
