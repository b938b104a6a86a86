package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/yiwang-platform/yiwang/internal/app"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/ledger"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// TestNodesWitnessEachOther: node B witnesses node A's ledger, configured as the settings
// configure them (A's origin and key at B; B's witness URL and key at A). A's published
// checkpoint then carries B's cosignature, which viewers check with B's key from
// /ledger/witness/key.
func TestNodesWitnessEachOther(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	opts := storetest.Options{Clock: clock.Real{}}
	dbA := storetest.Open(t, store.SQLite, opts)
	dbB := storetest.Open(t, store.SQLite, opts)
	ctx := context.Background()

	first, err := app.New(ctx, app.Config{DB: dbA, Logger: logger, PublicURL: "https://a.example.gov.cn"})
	if err != nil {
		t.Fatal(err)
	}
	logKey := first.Ledger.VerifierKey()
	first.Close()

	b, err := app.New(ctx, app.Config{DB: dbB, Logger: logger, PublicURL: "https://b.example.gov.cn",
		WitnessedLogs: []ledger.WitnessedLog{{Origin: "a.example.gov.cn/ledger", VerifierKey: logKey}}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	srvB := httptest.NewServer(b.Server.Handler())
	defer srvB.Close()
	res, err := http.Get(srvB.URL + "/ledger/witness/key")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	witnessKey := strings.TrimSpace(string(body))
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(witnessKey, "witness.b.example.gov.cn/ledger+") {
		t.Fatalf("GET /ledger/witness/key = %d %q", res.StatusCode, witnessKey)
	}

	a, err := app.New(ctx, app.Config{DB: dbA, Logger: logger, PublicURL: "https://a.example.gov.cn",
		Witnesses: []ledger.WitnessPeer{{URL: srvB.URL + "/ledger/witness", VerifierKey: witnessKey}}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if a.Ledger.VerifierKey() != logKey {
		t.Fatal("the ledger key changed between starts")
	}
	for range 2 {
		if _, err := a.Ledger.Append(ctx, ledger.Entry{Type: ledger.TypeNotarisation,
			Digest: "sha256:" + strings.Repeat("ab", 32), Org: "fj-market-regulation", Subject: "witness test"}); err != nil {
			t.Fatal(err)
		}
		if err := a.Ledger.SubmitToWitnesses(ctx); err != nil {
			t.Fatal(err)
		}
	}
	srvA := httptest.NewServer(a.Server.Handler())
	defer srvA.Close()
	res, err = http.Get(srvA.URL + "/ledger/checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	cp, _ := io.ReadAll(res.Body)
	res.Body.Close()
	lv, err := note.NewVerifier(logKey)
	if err != nil {
		t.Fatal(err)
	}
	wv, err := note.NewVerifier(witnessKey)
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open(cp, note.VerifierList(lv, wv))
	if err != nil {
		t.Fatalf("checkpoint does not verify: %v\n%s", err, cp)
	}
	if len(n.Sigs) != 2 {
		t.Fatalf("checkpoint has %d verified signatures, want the log's and the witness's:\n%s", len(n.Sigs), cp)
	}
}
