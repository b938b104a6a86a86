package browsertest

import (
	"context"
	"crypto/rand"
	"encoding/pem"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"github.com/yiwang-platform/yiwang/internal/app"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// startFederatedSite serves a fresh platform whose public URL is where it is served, so that it
// federates (startSite's platform does not know its address).
func startFederatedSite(t *testing.T) *site {
	t.Helper()
	db := storetest.Open(t, store.SQLite, storetest.Options{Clock: clock.Real{}})
	var h http.Handler
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	u := "http://" + srv.Listener.Addr().String()
	logger := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelError}))
	a, err := app.New(context.Background(), app.Config{DB: db, Demo: true, Logger: logger, PublicURL: u,
		RateLimits: map[string]httpserver.Limit{httpserver.ClassLogin: {}, httpserver.ClassPublic: {}, httpserver.ClassAPI: {},
			httpserver.ClassVerify: {}}})
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	t.Cleanup(a.Close)
	h = a.Server.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	return &site{URL: u, App: a}
}

// TestFederationAdminAccessible walks the federation page in simplified Chinese as the digital
// office's administrator — the page, a registration sent back, a peer registered, an approval
// with the wrong fingerprint sent back on the peer's row — and checks each with axe-core.
func TestFederationAdminAccessible(t *testing.T) {
	t.Parallel()
	axe := Axe(t)
	b := Shared(t)
	s := startFederatedSite(t)
	lang := i18n.ZhHans
	ctx := b.NewTab(t)
	login(t, ctx, s, "szb.admin", "/admin/federation", lang)
	checkShell(t, ctx, lang)
	if got := eval[int](t, ctx, `document.getElementById('node-fingerprint').textContent.replace(/ /g, '').length`); got != 64 {
		t.Errorf("the node's fingerprint has %d hex digits", got)
	}
	checkAxe(t, ctx, axe) // the node and the empty form

	k, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := smx509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	key := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	fill(t, ctx, "#peer-code", "330000")
	fill(t, ctx, "#peer-name", "浙江省")
	fill(t, ctx, "#peer-endpoint", "https://yiwang.zhejiang.example.cn")
	fill(t, ctx, "#peer-public_key", "不是公钥")
	if status := submit(t, ctx, `main form[action="/admin/federation/peers"] button[type=submit]`); status != 400 {
		t.Fatalf("a bad key: %d", status)
	}
	if got, want := alerts(t, ctx), i18n.T(lang, "federation.error.public_key"); got != want {
		t.Errorf("alert %q, want %q", got, want)
	}
	checkShell(t, ctx, lang)
	checkAxe(t, ctx, axe) // the form with the error

	fill(t, ctx, "#peer-public_key", key)
	if status := submit(t, ctx, `main form[action="/admin/federation/peers"] button[type=submit]`); status != 200 {
		t.Fatalf("register: %d", status)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('#peer-330000 input#fingerprint-330000').length`); n != 1 {
		t.Fatal("no approval form for the registered peer")
	}
	fill(t, ctx, "#fingerprint-330000", "00112233")
	if status := submit(t, ctx, `#peer-330000 form[action$="/approve"] button[type=submit]`); status != 400 {
		t.Fatalf("a wrong fingerprint: %d", status)
	}
	if got, want := alerts(t, ctx), i18n.T(lang, "federation.error.fingerprint_mismatch"); got != want {
		t.Errorf("alert %q, want %q", got, want)
	}
	checkShell(t, ctx, lang)
	checkAxe(t, ctx, axe) // the row with the error
}
