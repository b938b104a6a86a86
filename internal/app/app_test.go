package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/app"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

func newDemo(t testing.TB, db *store.DB) *app.App {
	t.Helper()
	a, err := app.New(context.Background(), app.Config{DB: db, Demo: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		RateLimits: map[string]httpserver.Limit{httpserver.ClassAPI: {}, httpserver.ClassPublic: {}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a
}

// TestDemoPlatform assembles the whole platform with demo data on each engine and checks that
// its main routes answer.
func TestDemoPlatform(t *testing.T) {
	storetest.EachWith(t, storetest.Options{Clock: clock.Real{}}, func(t *testing.T, db *store.DB) {
		a := newDemo(t, db)
		if a.DemoResult == nil || !a.DemoResult.Plan.Created || a.DemoResult.Reports == 0 {
			t.Fatalf("demo result = %+v", a.DemoResult)
		}
		srv := httptest.NewServer(a.Server.Handler())
		defer srv.Close()
		for _, tc := range []struct {
			path   string
			status int
		}{
			{"/", 200}, {"/plan", 200}, {"/plan/dashboard", 200}, {"/plan/items/1", 200}, {"/orgs", 200},
			{"/api/openapi.json", 200}, {"/api/v1/plan/assessment", 200}, {"/api/v1/calendar/overrides", 200},
			{"/healthz", 200}, {"/readyz", 200}, {"/metrics", 200}, {"/plan/items/99999", 404},
		} {
			res, err := http.Get(srv.URL + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != tc.status {
				t.Errorf("GET %s = %d, want %d", tc.path, res.StatusCode, tc.status)
			}
		}
		// Seeding again adds nothing.
		again := newDemo(t, db)
		if again.DemoResult.NewAccounts != 0 || !again.DemoResult.Plan.Unchanged || again.DemoResult.Organisations != 0 {
			t.Errorf("second seed changed data: %+v", again.DemoResult)
		}
	})
}

// BenchmarkAssessment compares the assessment computed by the service (the raw limit) with the
// same assessment served as JSON over HTTP through the whole middleware stack, in one run.
func BenchmarkAssessment(b *testing.B) {
	db := storetest.Open(b, store.SQLite, storetest.Options{Clock: clock.Real{}})
	a := newDemo(b, db)
	ctx := principal.With(context.Background(), principal.SystemPrincipal)
	b.Run("service", func(b *testing.B) {
		for b.Loop() {
			if _, err := a.Plan.Assess(ctx, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
	srv := httptest.NewServer(a.Server.Handler())
	defer srv.Close()
	client := srv.Client()
	for _, path := range []string{"/api/v1/plan/assessment", "/plan/dashboard"} {
		b.Run("http"+path, func(b *testing.B) {
			for b.Loop() {
				res, err := client.Get(srv.URL + path)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					b.Fatalf("status %d", res.StatusCode)
				}
			}
		})
	}
}
