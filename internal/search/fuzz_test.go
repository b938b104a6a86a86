package search_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/search"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

var querySeeds = []string{"營業執照", "执照", "許可", "開餐館", `"`, `""`, `'`, `\`, `a OR b`, `NEAR(a b)`, `title:x`, `x*`, `^x`, `-x`,
	`a & b | !c`, `'a':*`, "\x00", "\xff\xfe", "ＡＢＣ", "é", "Ǆ", "\u0301", "\ue000", "𠮷", "🙂", strings.Repeat("执照", 60), "a\tb\nc",
	"(", ")", "{x}", "NOT", "AND", "*", ":", "a-b"}

// FuzzQuery feeds arbitrary queries through segmentation, quoting and both query languages: no
// query is an error other than too long, every term is letters and digits, and a document whose
// title is the query itself is always found by it.
func FuzzQuery(f *testing.F) {
	for _, s := range querySeeds {
		f.Add(s)
	}
	db := storetest.Open(f, store.SQLite, storetest.Options{})
	ctx := context.Background()
	ix, err := search.Open(ctx, db)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, q string) {
		checkQuery(t, db, ix, q)
	})
}

// TestQuerySeedsBothEngines runs the fuzz seeds on SQLite and PostgreSQL.
func TestQuerySeedsBothEngines(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ix, err := search.Open(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range querySeeds {
			checkQuery(t, db, ix, q)
		}
	})
}

func checkQuery(t *testing.T, db *store.DB, ix *search.Index, q string) {
	t.Helper()
	ctx := context.Background()
	terms, err := search.QueryTerms(ctx, q)
	if utf8.RuneCountInString(q) > search.MaxQueryRunes {
		if !errs.Is(err, errs.Invalid) {
			t.Fatalf("QueryTerms(%q) of %d runes: %v, want invalid", q, utf8.RuneCountInString(q), err)
		}
		return
	}
	if err != nil {
		t.Fatalf("QueryTerms(%q): %v", q, err)
	}
	for _, term := range terms {
		if term == "" || strings.ContainsFunc(term, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.Is(unicode.Co, r) }) {
			t.Fatalf("QueryTerms(%q): term %q", q, term)
		}
	}
	if err := db.Transact(ctx, func(tx *store.Tx) error {
		return ix.PutTx(ctx, tx, search.Doc{Kind: "fuzz", ID: "doc", Title: []string{q}})
	}); err != nil {
		t.Fatalf("PutTx(%q): %v", q, err)
	}
	hits, err := ix.Search(ctx, q, 10, "fuzz")
	if err != nil {
		t.Fatalf("Search(%q): %v", q, err)
	}
	found := slices.ContainsFunc(hits, func(h search.Hit) bool { return h.ID == "doc" })
	if len(terms) > 0 && !found {
		t.Fatalf("Search(%q) with terms %q does not find a document titled with it", q, terms)
	}
}
