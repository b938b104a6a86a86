package api

import (
	"net/http"
	"net/url"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/ledger"
)

// FuzzLedgerQuery feeds the ledger API's query parameters and tile paths arbitrary text: they
// are refused with an invalid error naming the parameter, or give a number that is at least 0.
func FuzzLedgerQuery(f *testing.F) {
	for _, q := range []string{"from=0&limit=100", "index=5&size=12", "from=-1", "limit=99999999999999999999", "from=1&from=2",
		"size=%zz", "index=+3", "index=0x10", ""} {
		f.Add(q, "8/0/000.p/5")
	}
	f.Add("from=3", "8/data/x001/234")
	f.Fuzz(func(t *testing.T, rawQuery, tilePath string) {
		r := &http.Request{URL: &url.URL{RawQuery: rawQuery}}
		for _, name := range []string{"from", "limit", "index", "size", "to"} {
			n, given, err := queryInt(r, name, 7)
			switch {
			case err != nil:
				if pe := errs.Public(err); pe.Kind != errs.Invalid || pe.Field != name {
					t.Fatalf("%s in %q: %v", name, rawQuery, err)
				}
			case !given && n != 7:
				t.Fatalf("%s absent from %q gave %d", name, rawQuery, n)
			case n < 0:
				t.Fatalf("%s in %q gave %d", name, rawQuery, n)
			}
		}
		if tile, err := tlog.ParseTilePath("tile/" + tilePath); err == nil {
			if _, ok := ledger.TileSpan(tile, 1<<40); ok && tile.H != ledger.TileHeight {
				t.Fatalf("tile of height %d served", tile.H)
			}
		}
	})
}
