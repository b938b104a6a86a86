package search_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/search"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// corpus is a few service items as the catalogue indexes them, in both scripts and English.
var corpus = []search.Doc{
	{Kind: "item", ID: "food", Title: []string{"食品经营许可证核发", "食品經營許可證核發", "Food business licence"}, Body: []string{"申请人营业执照", "食品安全管理制度"}},
	{Kind: "item", ID: "business", Title: []string{"营业执照核发（个体工商户设立登记）", "Business licence for an individual business"}, Body: []string{"经营者身份证明"}},
	{Kind: "item", ID: "hygiene", Title: []string{"公共场所卫生许可", "Public place hygiene permit"}, Body: []string{"卫生检测报告", "营业执照"}},
	{Kind: "item", ID: "birth", Title: []string{"出生医学证明首次签发", "出生醫學證明首次簽發"}, Body: []string{"父母双方身份证"}},
	{Kind: "bundle", ID: "restaurant", Title: []string{"开餐馆一件事", "開餐館一件事", "Opening a restaurant", "开饭店 餐饮店"}, Body: []string{"营业执照、食品经营许可证、公共场所卫生许可"}},
	{Kind: "dataset", ID: "ds1", Title: []string{"营业执照登记信息"}, Body: nil},
	// Its id sorts first; only its body says 营业执照.
	{Kind: "item", ID: "a-land", Title: []string{"不动产登记"}, Body: []string{"企业申请的，提供营业执照"}},
}

func put(t *testing.T, db *store.DB, ix *search.Index, docs ...search.Doc) {
	t.Helper()
	ctx := context.Background()
	if err := db.Transact(ctx, func(tx *store.Tx) error {
		for _, d := range docs {
			if err := ix.PutTx(ctx, tx, d); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func ids(hits []search.Hit) []string {
	out := []string{}
	for _, h := range hits {
		out = append(out, h.Kind+":"+h.ID)
	}
	return out
}

func TestSearch(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ix, err := search.Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		put(t, db, ix, corpus...)
		for _, tc := range []struct {
			query string
			kinds []string
			want  []string // as a set; ranking is checked below
		}{
			// Traditional and simplified queries alike; a two-character word inside a longer one.
			{"營業執照", []string{"item", "bundle"}, []string{"item:business", "item:food", "item:hygiene", "item:a-land", "bundle:restaurant"}},
			{"执照", []string{"item"}, []string{"item:business", "item:food", "item:hygiene", "item:a-land"}},
			{"許可", nil, []string{"item:hygiene", "item:food", "bundle:restaurant"}},
			{"開餐館", nil, []string{"bundle:restaurant"}},
			{"我要开餐馆", nil, []string{"bundle:restaurant"}},
			{"开饭店", nil, []string{"bundle:restaurant"}},
			{"出生医学证明", nil, []string{"item:birth"}},
			{"出生醫學證明", nil, []string{"item:birth"}},
			// Every term must match.
			{"营业执照 出生", nil, []string{}},
			// English, any case.
			{"BUSINESS licence", nil, []string{"item:business", "item:food"}},
			// Kinds filter.
			{"营业执照", []string{"dataset"}, []string{"dataset:ds1"}},
			// FTS syntax is taken literally.
			{`执照 OR 出生`, nil, []string{}},
			{`"执照`, []string{"item"}, []string{"item:business", "item:food", "item:hygiene", "item:a-land"}},
			{`title:执照`, []string{"item"}, []string{}},
		} {
			hits, err := ix.Search(ctx, tc.query, 10, tc.kinds...)
			if err != nil {
				t.Errorf("Search(%q): %v", tc.query, err)
				continue
			}
			got := ids(hits)
			if diff := cmp.Diff(tc.want, got, cmpSet); diff != "" {
				t.Errorf("Search(%q) mismatch (-want +got):\n%s", tc.query, diff)
			}
		}
		// Names rank above bodies: 营业执照 is in business's name, in food's and hygiene's body.
		hits, _ := ix.Search(ctx, "营业执照", 10, "item")
		if len(hits) == 0 || hits[0].ID != "business" {
			t.Errorf("营业执照: first hit %v, want item:business", ids(hits))
		}
		// Re-indexing replaces; deleting removes.
		put(t, db, ix, search.Doc{Kind: "item", ID: "birth", Title: []string{"新生儿落户"}})
		if hits, _ := ix.Search(ctx, "出生医学证明", 10); len(hits) != 0 {
			t.Errorf("after re-indexing: %v", ids(hits))
		}
		if hits, _ := ix.Search(ctx, "新生儿", 10); len(hits) != 1 {
			t.Errorf("new text not found: %v", ids(hits))
		}
		if err := db.Transact(ctx, func(tx *store.Tx) error { return ix.DeleteTx(ctx, tx, "bundle", "restaurant") }); err != nil {
			t.Fatal(err)
		}
		if hits, _ := ix.Search(ctx, "開餐館", 10); len(hits) != 0 {
			t.Errorf("after delete: %v", ids(hits))
		}
		// Nothing to search for.
		for _, q := range []string{"", "   ", "！？。", "\x00"} {
			if hits, err := ix.Search(ctx, q, 10); err != nil || len(hits) != 0 {
				t.Errorf("Search(%q) = %v, %v; want nothing", q, ids(hits), err)
			}
		}
	})
}

// cmpSet compares string slices as sets.
var cmpSet = cmp.Transformer("set", func(s []string) map[string]bool {
	m := map[string]bool{}
	for _, x := range s {
		m[x] = true
	}
	return m
})

func TestPutMany(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ix, err := search.Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		var docs []search.Doc
		for i := range 450 {
			docs = append(docs, search.Doc{Kind: "item", ID: fmt.Sprint(i), Title: []string{fmt.Sprintf("食品经营许可证 %d", i)}})
		}
		// The same document twice: the last one counts.
		docs = append(docs, search.Doc{Kind: "item", ID: "7", Title: []string{"出生医学证明"}})
		if err := db.Transact(ctx, func(tx *store.Tx) error { return ix.PutManyTx(ctx, tx, docs) }); err != nil {
			t.Fatal(err)
		}
		hits, err := ix.Search(ctx, "許可證", search.MaxLimit)
		if err != nil || len(hits) != 449 {
			t.Errorf("许可证: %d hits, %v; want 449", len(hits), err)
		}
		if hits, _ := ix.Search(ctx, "出生", 10); len(hits) != 1 || hits[0].ID != "7" {
			t.Errorf("出生: %v", ids(hits))
		}
		// Again, replacing.
		if err := db.Transact(ctx, func(tx *store.Tx) error { return ix.PutManyTx(ctx, tx, docs[:10]) }); err != nil {
			t.Fatal(err)
		}
		if hits, _ := ix.Search(ctx, "食品", search.MaxLimit); len(hits) != 450 {
			t.Errorf("after putting again: %d hits", len(hits))
		}
	})
}
