package catalog_test

import (
	"context"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/catalog"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/search"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// A node's catalogue holds its province's items, and another province's only when they allow
// cross-province handling (its windows collect them and hand them over).
func TestProvinceOfItems(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fj := newService(t, db)
		const hz = "zj-hangzhou-healthcare"
		if _, err := org.Save(as(system), db, org.Organisation{Code: hz, Kind: org.Department, NameHans: "杭州市医疗保障局",
			NameHant: "杭州市醫療保障局", NameEn: "Hangzhou Healthcare Security Administration", RegionCode: "330100"}); err != nil {
			t.Fatal(err)
		}
		ix, err := search.Open(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		zj, err := catalog.New(db, ix, catalog.WithProvince("330000"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := catalog.New(db, ix, catalog.WithProvince("zj")); err == nil {
			t.Error("a province that is no region code")
		}
		for _, tc := range []struct {
			name  string
			svc   *catalog.Service
			org   string
			cross string
			ok    bool
		}{
			{"Fujian's own", fj, samr, catalog.CrossProvince, true},
			{"Zhejiang's at Fujian, cross-province", fj, hz, catalog.CrossNational, true},
			{"Zhejiang's at Fujian, province only", fj, hz, catalog.CrossProvince, false},
			{"Zhejiang's own", zj, hz, catalog.CrossNone, true},
			{"Fujian's at Zhejiang", zj, samr, catalog.CrossProvince, false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				it := newItem(tc.org, "031", "异地就医备案", func(it *catalog.Item) { it.CrossRegion = tc.cross })
				_, err := tc.svc.SaveItem(as(system), system, it)
				switch {
				case tc.ok && err != nil:
					t.Errorf("SaveItem: %v", err)
				case !tc.ok && (!errs.Is(err, errs.Invalid) || errs.Public(err).Field != "region_code"):
					t.Errorf("SaveItem = %v, want region_code refused", err)
				}
			})
		}
	})
}
