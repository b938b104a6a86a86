package search

import (
	"context"
	_ "embed"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-ego/gse"
	"github.com/liuzl/gocc"
	"golang.org/x/text/width"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// The dictionary: gse's own embedded simplified-Chinese dictionary (data/dict/zh/s_1.txt, loaded
// with LoadDictEmbed — no copy is kept here), without its rarest words, plus a few words of the
// service hall that it lacks (vocabulary.txt). Loading the whole of s_1.txt takes 1.8 s and
// 128 MB here; words seen fewer than minFreq times in its corpus are mostly rare compounds whose
// parts are words themselves, and dropping them brings the load to about 0.4 s and 34 MB
// (docs/decisions/README.md has the figures). A document and a query are segmented by the same
// dictionary, so a smaller one changes how text is cut, never whether a query finds its text.
const minFreq = 10

// vocabulary holds words of government services that the trimmed dictionary lacks, one per line
// with a frequency, in gse's format. Only words of two or three characters: search-engine mode
// also indexes the two- and three-character words inside a longer word, so a long compound
// here would hide its four-character parts (执照 inside 营业执照 is found; 营业执照 inside
// 个体工商户营业执照 would not be, were that one word).
//
//go:embed vocabulary.txt
var vocabulary string

// dict is the process's one segmenter and traditional→simplified converter, loaded once in the
// background (Warm) because loading takes a noticeable fraction of a second.
var dict = struct {
	once  sync.Once
	ready chan struct{}
	seg   gse.Segmenter
	t2s   *gocc.OpenCC
	took  time.Duration
	err   error
}{ready: make(chan struct{})}

// Warm starts loading the dictionary in the background if that has not started yet; Open calls
// it, so that the first search or indexing rarely waits.
func Warm() {
	dict.once.Do(func() { go loadDict() })
}

func loadDict() {
	defer close(dict.ready)
	start := time.Now()
	dict.err = loadSegmenter(&dict.seg)
	if dict.err == nil {
		dict.t2s, dict.err = gocc.New("t2s")
	}
	dict.took = time.Since(start)
}

// loadSegmenter loads the dictionary and the stop words into seg.
func loadSegmenter(seg *gse.Segmenter) error {
	seg.SkipLog = true
	seg.NotLoadHMM = true // words are cut by the dictionary alone (see cut)
	seg.MinTokenFreq = minFreq
	// Our words first: a word already present keeps its first entry.
	if err := seg.LoadDictStr(vocabulary); err != nil {
		return err
	}
	if err := seg.LoadDictEmbed("zh_s"); err != nil {
		return err
	}
	return seg.LoadStopEmbed()
}

// waitDict waits until the dictionary is loaded, or ctx ends.
func waitDict(ctx context.Context) error {
	Warm()
	select {
	case <-dict.ready:
	case <-ctx.Done():
		return errs.Wrapf(errs.Unavailable, ctx.Err(), "error.unavailable")
	}
	if dict.err != nil {
		return errs.Wrapf(errs.Internal, dict.err, "error.internal")
	}
	return nil
}

// LoadTime waits for the dictionary and reports how long loading it took.
func LoadTime(ctx context.Context) (time.Duration, error) {
	if err := waitDict(ctx); err != nil {
		return 0, err
	}
	return dict.took, nil
}

// Limits on what is segmented: a term longer than maxTermRunes is cut there (PostgreSQL refuses
// lexemes over 2 KB, and nobody searches for such a word); a query of more than MaxQueryRunes
// is refused; a document's text is cut at maxDocRunes per column.
const (
	maxTermRunes  = 64
	MaxQueryRunes = 100
	maxDocRunes   = 100_000
)

// normalise folds what a reader considers the same text to one form: full-width letters and
// digits to ASCII, traditional characters to simplified, upper to lower case.
func normalise(s string) string {
	s = strings.ToValidUTF8(s, " ")
	s = width.Fold.String(s)
	if t, err := dict.t2s.Convert(s); err == nil {
		s = t
	}
	return strings.ToLower(s)
}

// isTermRune reports whether r belongs in a term: letters, numbers and private-use characters,
// the token characters of SQLite's unicode61 tokenizer; everything else separates terms, so that
// the terms stored are the tokens FTS5 finds.
func isTermRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Co, r)
}

// split cuts a segment into terms at every rune that is not a letter or digit, cutting each
// at maxTermRunes, and appends the new ones to out.
func split(out []string, seen map[string]bool, segment string) []string {
	for _, f := range strings.FieldsFunc(segment, func(r rune) bool { return !isTermRune(r) }) {
		if utf8.RuneCountInString(f) > maxTermRunes {
			f = string([]rune(f)[:maxTermRunes])
		}
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

// cut segments normalised text: in search-engine mode for documents (each word and the two- and
// three-character dictionary words within it: 营业执照 gives 营业, 执照, 营业执照), in plain
// mode for queries (the words a document must hold). Without the HMM that guesses unknown
// words, an unknown name falls apart into its characters the same way in a document and in a
// query, so that a query for part of it still finds it.
func cut(text string, searchMode bool) []string {
	if searchMode {
		return dict.seg.CutSearch(text, false)
	}
	return dict.seg.Cut(text, false)
}

// DocumentTerms returns the distinct terms a document's texts are indexed by.
func DocumentTerms(ctx context.Context, texts ...string) ([]string, error) {
	if err := waitDict(ctx); err != nil {
		return nil, err
	}
	var out []string
	seen := map[string]bool{}
	budget := maxDocRunes
	for _, t := range texts {
		if budget <= 0 {
			break
		}
		if n := utf8.RuneCountInString(t); n > budget {
			t = string([]rune(t)[:budget])
		}
		budget -= utf8.RuneCountInString(t)
		for _, seg := range cut(normalise(t), true) {
			out = split(out, seen, seg)
		}
	}
	return out, nil
}

// queryFiller are words people put around what they look for ("我想办理…需要哪些") that
// gse's stop list lacks.
var queryFiller = map[string]bool{"办理": true, "需要": true, "哪些": true, "想": true, "想要": true, "怎么办": true}

// QueryTerms returns the distinct terms of a query, every one of which a document must hold.
// Stop words (的, 我, 要, 如何…) are left out unless the query has nothing else, so that
// 我要开餐馆 asks for 开 and 餐馆. A query of more than MaxQueryRunes characters is
// errs.Invalid on field "q". A query of punctuation only has no terms.
func QueryTerms(ctx context.Context, query string) ([]string, error) {
	if utf8.RuneCountInString(query) > MaxQueryRunes {
		return nil, errs.Field("q", "search.error.query_too_long", MaxQueryRunes)
	}
	if err := waitDict(ctx); err != nil {
		return nil, err
	}
	var all []string
	seen := map[string]bool{}
	for _, seg := range cut(normalise(query), false) {
		all = split(all, seen, seg)
	}
	out := make([]string, 0, len(all))
	for _, t := range all {
		if !dict.seg.IsStop(t) && !queryFiller[t] {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return all, nil
	}
	return out, nil
}
