package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// The transport that fetches peers' trust lists takes a 200 answer within the limit only: a
// redirect is not followed, and a longer body is errs.TooLarge.
func TestHTTPTransport(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /list", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{"ok":true}`)) })
	mux.HandleFunc("GET /moved", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/list", http.StatusFound) })
	mux.HandleFunc("GET /big", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(strings.Repeat("x", 65))) })
	mux.HandleFunc("GET /gone", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "gone", http.StatusGone) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	tr := newHTTPTransport()
	tests := []struct {
		path     string
		want     string
		wantKind errs.Kind
		wantErr  bool
	}{
		{path: "/list", want: `{"ok":true}`},
		{path: "/moved", wantErr: true},
		{path: "/gone", wantErr: true},
		{path: "/big", wantErr: true, wantKind: errs.TooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			body, err := tr.Get(context.Background(), srv.URL+tt.path, 64)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("Get = %q, want an error", body)
				}
				if tt.wantKind != "" && !errs.Is(err, tt.wantKind) {
					t.Errorf("err = %v, want %s", err, tt.wantKind)
				}
				return
			}
			if err != nil || string(body) != tt.want {
				t.Errorf("Get = %q, %v; want %q", body, err, tt.want)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := tr.Get(ctx, srv.URL+"/list", 64); err == nil {
		t.Error("Get with an ended context succeeded")
	}
}
