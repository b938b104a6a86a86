package license

import (
	"strings"
	"testing"
)

// A peer's snapshot is read for its key id before its signature is checked: that reading of
// outside input never panics and gives a bounded key id or an error.
func FuzzSnapshotKeyID(f *testing.F) {
	for _, seed := range []string{"YWS1.eyJraWQiOiJ6ai1ub2RlIn0.c2ln", "YWS1.eyJraWQiOjF9.c2ln", "YWS1..", "YWS1.", "YWC1.a.b",
		"YWS1.e30.c2ln", "YWS1.!!!.c2ln", " YWS1.eyJraWQiOiJ4In0.x \n"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		kid, err := snapshotKeyID(doc)
		if err != nil {
			return
		}
		if kid == "" || len(kid) > maxKeyID || !strings.HasPrefix(strings.TrimSpace(string(doc)), SnapshotPrefix) {
			t.Fatalf("snapshotKeyID(%q) = %q", doc, kid)
		}
	})
}
