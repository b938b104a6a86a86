package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/ratings"
)

// FuzzRatingJSON feeds the rating routes' body reader and the rating's checks arbitrary JSON:
// each body is refused as invalid (or too large), or gives a rating the databases keep.
func FuzzRatingJSON(f *testing.F) {
	for _, s := range []string{
		`{"level":5,"tags":["efficient"],"comment":"一次办好","channel":"online"}`,
		`{"level":1,"tags":["slow","slow"],"comment":"等了\r\n三个小时"}`,
		`{"level":"5"}`, `{"level":5.5}`, `{"level":null}`, `{}`, ``, `[]`, `{"level":5} {}`,
		`{"level":3,"comment":"a\u0000b"}`, `{"level":2,"tags":["\ud800"]}`, `{"level":4,"mood":"ok"}`,
		`{"level":99999999999999999999}`, `{"level":5,"channel":"window"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "/api/v1/ratings/visits/rating", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Body = http.MaxBytesReader(nil, r.Body, maxRatingBody)
		var code string
		in, err := ratingInput(r, &code)
		if err == nil {
			in, err = in.Check(ratings.Channels)
		}
		if err != nil {
			if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge {
				t.Fatalf("body %q: %v", body, err)
			}
			return
		}
		if !in.Level.Valid() || !utf8.ValidString(in.Comment) || strings.ContainsRune(in.Comment, 0) {
			t.Fatalf("body %q accepted as %+v", body, in)
		}
		if !storableText(code) {
			t.Fatalf("body %q: code %q", body, code)
		}
		for _, tag := range in.Tags {
			if !storableText(tag) {
				t.Fatalf("body %q: tag %q", body, tag)
			}
		}
	})
}
