package browsertest

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestAxeFindsViolations guards the accessibility checks against passing by seeing nothing: on
// a page with an unlabelled field and an image without text, RunAxe must report both.
func TestAxeFindsViolations(t *testing.T) {
	t.Parallel()
	axe := Axe(t)
	b := Shared(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><html lang="en"><head><title>broken</title></head>
<body><main><h1>Broken</h1><img src="data:,"><input type="text"></main></body></html>`))
	}))
	t.Cleanup(srv.Close)
	ctx := b.NewTab(t)
	open(t, ctx, srv.URL)
	vs, err := RunAxe(ctx, axe)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, v := range vs {
		if v.Blocking() {
			found[v.ID] = true
		}
	}
	for _, id := range []string{"image-alt", "label"} {
		if !found[id] {
			t.Errorf("axe did not report %s as serious or critical; got %v", id, vs)
		}
	}
}
