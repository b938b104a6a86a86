package web

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/ratings"
)

// FuzzRatingForm feeds the rating form's reader arbitrary form bodies, and what it reads to the
// rating's checks: each is refused as invalid on a field the form has, or gives a rating the
// databases keep.
func FuzzRatingForm(f *testing.F) {
	for _, s := range []string{
		"level=5&tag=efficient&tag=friendly&comment=%E4%B8%80%E6%AC%A1%E5%8A%9E%E5%A5%BD&channel=online",
		"level=1&tag=slow&tag=slow&comment=a%0D%0Ab&channel=window",
		"level=6", "level=-1", "level=+3", "level=0x2", "level=%EF%BC%93", "level=3&level=1",
		"level=2&tag=efficient", "level=4&comment=%00", "level=4&comment=%FF", "level=5&channel=fax", "",
		"level=3&tag=" + strings.Repeat("long_wait&tag=", 20),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		v, err := url.ParseQuery(body)
		if err != nil {
			return // the server refuses a body it cannot parse (parseForm)
		}
		in, err := postedRating(v).Check(ratings.Channels)
		if err != nil {
			pe := errs.Public(err)
			field := pe.Field
			if to, ok := ratingRename[field]; ok {
				field = to
			}
			if pe.Kind != errs.Invalid || !slices.Contains([]string{"level", "tag", "comment", "channel"}, field) {
				t.Fatalf("body %q: %v", body, err)
			}
			return
		}
		if !in.Level.Valid() || !utf8.ValidString(in.Comment) || strings.ContainsRune(in.Comment, 0) || len(in.Tags) > ratings.MaxTags {
			t.Fatalf("body %q accepted as %+v", body, in)
		}
	})
}
