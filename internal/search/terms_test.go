package search

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/go-ego/gse"
	"github.com/google/go-cmp/cmp"
	"github.com/liuzl/gocc"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

func TestTerms(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		text       string
		doc, query []string
	}{
		// Search-engine mode indexes the words inside a word; a query asks for the word.
		{"營業執照", []string{"营业", "执照", "营业执照"}, []string{"营业执照"}},
		{"食品經營許可證核發", []string{"食品", "经营", "许可", "许可证", "核发"}, []string{"食品", "经营", "许可证", "核发"}},
		// Stop words and filler leave the query, not the document.
		{"我要開餐館", []string{"我", "要", "开", "餐馆"}, []string{"开", "餐馆"}},
		{"我想办理社保卡", []string{"我", "想", "办理", "社保", "社保卡"}, []string{"社保卡"}},
		{"的", []string{"的"}, []string{"的"}},
		// Full-width letters and digits, case, punctuation.
		{"ＡＢＣ１２３，Business-Licence!", []string{"abc123", "business", "licence"}, []string{"abc123", "business", "licence"}},
		{"", nil, nil},
		{"。！？", nil, nil},
	} {
		doc, err := DocumentTerms(ctx, tc.text)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.doc, doc); diff != "" {
			t.Errorf("DocumentTerms(%q) mismatch (-want +got):\n%s", tc.text, diff)
		}
		query, err := QueryTerms(ctx, tc.text)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.query, query); diff != "" {
			t.Errorf("QueryTerms(%q) mismatch (-want +got):\n%s", tc.text, diff)
		}
	}
	if _, err := QueryTerms(ctx, strings.Repeat("证", MaxQueryRunes+1)); !errs.Is(err, errs.Invalid) {
		t.Errorf("a query of %d characters: %v, want invalid", MaxQueryRunes+1, err)
	}
	long, _ := DocumentTerms(ctx, strings.Repeat("a", 200))
	if len(long) != 1 || len(long[0]) != maxTermRunes {
		t.Errorf("a 200-letter word gives %d terms of %d letters, want one of %d", len(long), len(long[0]), maxTermRunes)
	}
	took, err := LoadTime(ctx)
	if err != nil || took <= 0 {
		t.Errorf("LoadTime = %v, %v", took, err)
	}
	t.Logf("dictionary loaded in %v", took)
}

// TestConcurrentSegmentation segments from many goroutines at once (run with -race).
func TestConcurrentSegmentation(t *testing.T) {
	ctx := context.Background()
	want, err := DocumentTerms(ctx, "福建省市场监督管理局食品经营许可证核发")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				got, err := DocumentTerms(ctx, "福建省市場監督管理局食品經營許可證核發")
				if err != nil || !cmp.Equal(want, got) {
					t.Errorf("DocumentTerms = %v, %v; want %v", got, err, want)
					return
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkLoadDictionary measures loading the dictionary and the converter afresh: what the
// first search of a process may wait for (Open starts it in the background). On this machine:
// about 0.4–0.7 s, as TestTerms logs for the real load.
func BenchmarkLoadDictionary(b *testing.B) {
	for b.Loop() {
		var seg gse.Segmenter
		if err := loadSegmenter(&seg); err != nil {
			b.Fatal(err)
		}
		if _, err := gocc.New("t2s"); err != nil {
			b.Fatal(err)
		}
	}
}
