package app_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/yiwang-platform/yiwang/internal/app"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// TestClientCredentialsOnTheAPI: a department system gets an access token from the provider with
// its client id and secret, and the JSON API knows it as that system, read-only as registered.
func TestClientCredentialsOnTheAPI(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	a, err := app.New(context.Background(), app.Config{DB: storetest.Open(t, store.SQLite, storetest.Options{Clock: clock.Real{}}), Demo: true,
		Version: "test", Logger: slog.New(slog.DiscardHandler), PublicURL: base})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	srv := &http.Server{Handler: a.Server.Handler()}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	var secret string
	for _, d := range a.DemoResult.Apps {
		if d.ClientID == "demo-data-sync" {
			secret = d.Secret
		}
	}
	if secret == "" {
		t.Fatal("the demo has no secret for demo-data-sync")
	}
	cc := clientcredentials.Config{ClientID: "demo-data-sync", ClientSecret: secret, TokenURL: base + "/oidc/oauth/token",
		Scopes: []string{"api:read"}}
	tok, err := cc.Token(context.Background())
	if err != nil {
		t.Fatalf("client credentials: %v", err)
	}
	do := func(method, path string, token string) (int, map[string]any) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(`{}`))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	if status, body := do("GET", "/api/v1/me", tok.AccessToken); status != 200 || body["kind"] != "client" {
		t.Errorf("GET /api/v1/me with the system's token: %d %v, want 200 kind client", status, body)
	}
	if status, _ := do("GET", "/api/v1/plan/assessment", tok.AccessToken); status != 200 {
		t.Errorf("GET /api/v1/plan/assessment with the system's token: %d, want 200", status)
	}
	if status, body := do("POST", "/api/v1/me/tokens", tok.AccessToken); status != 403 {
		t.Errorf("POST with a read-only system token: %d %v, want 403", status, body)
	}
	if status, _ := do("GET", "/api/v1/me", tok.AccessToken+"x"); status != 401 {
		t.Errorf("GET with a forged token: %d, want 401", status)
	}
}
