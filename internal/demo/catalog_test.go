package demo_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/catalog"
	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/formschema"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/search"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// TestDemoForms compiles every demo form and merges each bundle's forms into one, as the
// application pages will.
func TestDemoForms(t *testing.T) {
	items := map[string]catalog.Item{}
	for _, it := range demo.DemoItems() {
		items[it.Code] = it
		if _, err := formschema.Compile(it.FormSchema); err != nil {
			t.Errorf("%s (%s): %v", it.Code, it.NameHans, err)
		}
	}
	for _, b := range demo.DemoBundles() {
		var parts [][]byte
		for _, c := range b.Items {
			it, ok := items[c]
			if !ok {
				t.Fatalf("bundle %s: no demo item %s", b.Code, c)
			}
			parts = append(parts, it.FormSchema)
		}
		if b.FormSchema != nil {
			parts = append(parts, b.FormSchema)
		}
		merged, err := formschema.Merge(parts...)
		if err != nil {
			t.Errorf("bundle %s: %v", b.Code, err)
			continue
		}
		if _, err := formschema.Compile(merged); err != nil {
			t.Errorf("bundle %s merged: %v", b.Code, err)
		}
	}
}

// Every demo item an enterprise applies for names the service scope an agent needs for it; items
// for persons only name none.
func TestDemoAgentScopes(t *testing.T) {
	n := 0
	for _, it := range demo.DemoItems() {
		switch {
		case it.ServiceObject == catalog.ObjectPerson && it.AgentScope != "":
			t.Errorf("%s (%s) is for persons only but has the agent scope %q", it.Code, it.NameHans, it.AgentScope)
		case it.ServiceObject != catalog.ObjectPerson && !slices.Contains(catalog.AgentScopes, it.AgentScope):
			t.Errorf("%s (%s) is for enterprises but has the agent scope %q", it.Code, it.NameHans, it.AgentScope)
		case it.AgentScope != "":
			n++
		}
	}
	if n < 10 {
		t.Errorf("only %d demo items have an agent scope", n)
	}
}

// The catalogue's agent scopes are identity's service scopes but "all": the two domains do not
// import each other, so each keeps the list and this test, which sees both, keeps them equal.
func TestAgentScopesAgree(t *testing.T) {
	want := slices.DeleteFunc(slices.Clone(identity.AgentScopes), func(s string) bool { return s == identity.ScopeAll })
	if diff := cmp.Diff(want, catalog.AgentScopes); diff != "" {
		t.Errorf("catalog.AgentScopes mismatch with identity.AgentScopes (-want +got):\n%s", diff)
	}
}

func TestSeedCatalog(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := principal.With(context.Background(), principal.SystemPrincipal)
		if _, err := org.Seed(ctx, db, org.Directory()); err != nil {
			t.Fatal(err)
		}
		ix, err := search.Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		svc, err := catalog.New(db, ix)
		if err != nil {
			t.Fatal(err)
		}
		took, err := search.LoadTime(ctx)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		n, err := demo.SeedCatalog(ctx, db, svc)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("seeded %d entries in %v (the dictionary loaded in %v before)", n, time.Since(start), took)
		if n != len(demo.DemoItems())+3 {
			t.Errorf("published %d, want %d", n, len(demo.DemoItems())+3)
		}
		if n, err := demo.SeedCatalog(ctx, db, svc); err != nil || n != 0 {
			t.Errorf("seeding again: %d, %v; want 0", n, err)
		}
		all, err := svc.Search(ctx, catalog.Query{Kind: catalog.KindItem, PerPage: catalog.MaxPerPage})
		if err != nil {
			t.Fatal(err)
		}
		orgs := map[string]bool{}
		fees := 0
		for _, e := range all.Entries {
			orgs[e.Org] = true
			if e.FeeFen > 0 {
				fees++
			}
		}
		if all.Total < 30 || len(orgs) < 8 || fees < 2 {
			t.Errorf("%d items of %d organisations, %d with fees; want at least 30 of 8, some with fees", all.Total, len(orgs), fees)
		}
		for _, code := range []string{demo.BundleRestaurant, demo.BundleBirth, demo.BundleMoving} {
			pb, err := svc.Bundle(ctx, code)
			if err != nil {
				t.Fatalf("bundle %s: %v", code, err)
			}
			if len(pb.Orgs()) < 3 || len(pb.Materials) == 0 {
				t.Errorf("bundle %s: %d organisations, %d materials", code, len(pb.Orgs()), len(pb.Materials))
			}
		}
		if pb, _ := svc.Bundle(ctx, demo.BundleRestaurant); pb.ResultLicence.Hans == "" || pb.FeeFen() == 0 {
			t.Errorf("the restaurant bundle ends in no licence (%q) or costs nothing (%d)", pb.ResultLicence.Hans, pb.FeeFen())
		}

		// What a person types, and what they expect first.
		for _, tc := range []struct {
			query     string
			first     string // the name of the first result, zh-Hans
			alsoFinds []string
		}{
			{"開餐館", "开餐馆一件事", nil},
			{"开饭店", "开餐馆一件事", nil},
			{"營業執照", "", []string{"公司设立登记", "个体工商户设立登记"}},
			{"执照", "", []string{"公司设立登记", "个体工商户设立登记", "公司变更登记"}},
			{"許可", "", []string{"食品经营许可证核发", "公共场所卫生许可", "排污许可证核发", "城镇污水排入排水管网许可"}},
			{"生孩子", "出生一件事", nil},
			{"出生", "", []string{"出生一件事", "出生医学证明首次签发", "出生登记（新生儿落户）"}},
			{"搬家", "迁居一件事", nil},
			{"社保卡", "社会保障卡申领", nil},
			{"網約車", "网络预约出租汽车驾驶员证核发", nil},
			{"business licence", "", []string{"公司设立登记", "个体工商户设立登记"}},
		} {
			res, err := svc.Search(ctx, catalog.Query{Text: tc.query, PerPage: catalog.MaxPerPage})
			if err != nil {
				t.Fatalf("%s: %v", tc.query, err)
			}
			var names []string
			for _, e := range res.Entries {
				names = append(names, e.NameHans)
			}
			if len(names) == 0 {
				t.Errorf("%s finds nothing", tc.query)
				continue
			}
			if tc.first != "" && names[0] != tc.first {
				t.Errorf("%s: first %s, want %s (all: %v)", tc.query, names[0], tc.first, names)
			}
			for _, want := range tc.alsoFinds {
				if !contains(names, want) {
					t.Errorf("%s: %v lacks %s", tc.query, names, want)
				}
			}
		}
		// The published versions carry everything an application needs.
		for _, it := range demo.DemoItems() {
			got, err := svc.Item(ctx, it.Code)
			if err != nil {
				t.Fatal(err)
			}
			if !json.Valid(got.FormSchema) || len(got.Materials) == 0 || got.PromisedDays > got.LegalDays && got.LegalDays > 0 {
				t.Errorf("%s: %+v", it.Code, got)
			}
		}
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
