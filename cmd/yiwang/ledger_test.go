package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/yiwang-platform/yiwang/internal/api"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/ledger"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// ledgerDataDir makes a real data directory holding a log of 40 entries with checkpoints at 10,
// 25 and 40, and a notarisation receipt; it returns the directory, the log's key and the
// receipt file.
func ledgerDataDir(t *testing.T) (dir, vkey, receiptFile string, l *ledger.Log, db *store.DB) {
	t.Helper()
	dir = t.TempDir()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DataDir: dir, Clock: clock.Real{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx, nil); err != nil {
		t.Fatal(err)
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, "yiwang.test/ledger")
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := note.NewSigner(skey)
	l, err = ledger.New(db, ledger.Config{Origin: "yiwang.test/ledger", Signer: signer, VerifierKey: vkey})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, size := range []int{10, 25, 39} {
		for ; n < size; n++ {
			if _, err := l.Append(ctx, ledger.Entry{Type: ledger.TypeCaseDecision, Digest: fmt.Sprintf("sm3:%064x", n), Org: "fj-sft",
				Subject: fmt.Sprintf("闽司决〔2026〕%d号", n)}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := l.CheckpointCovering(ctx, int64(size)); err != nil {
			t.Fatal(err)
		}
	}
	r, err := l.Notarise(ctx, principal.Principal{Kind: principal.Official, Login: "sft.officer", OrgCode: "fj-sft"},
		fmt.Sprintf("sha256:%064x", 7), "闽司函〔2026〕7号")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.MarshalIndent(r, "", "  ")
	receiptFile = writeFile(t, dir, "receipt.json", data)
	return dir, vkey, receiptFile, l, db
}

// sqlite opens the data directory's database file directly, as someone tampering with it would.
func sqliteFile(t *testing.T, dir string) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "yiwang.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}

func TestLedgerVerify(t *testing.T) {
	hermetic(t)
	dir, vkey, _, _, _ := ledgerDataDir(t)

	out, stderr, err := yiwang(t, "ledger", "verify", "--data", dir, "--key", vkey)
	if err != nil || !strings.Contains(out, "OK: every hash recomputed") || !strings.Contains(out, "40 entries, 40 checked") || stderr != "" {
		t.Fatalf("verify an honest log: %v\n%s\n%s", err, out, stderr)
	}
	// Without a key: the node's own, with a warning.
	out, stderr, err = yiwang(t, "ledger", "verify", "--data", dir)
	if err != nil || !strings.Contains(stderr, "warning: no --key") || !strings.Contains(out, "OK") {
		t.Errorf("verify without a key: %v\n%s\n%s", err, out, stderr)
	}

	// Someone edits an entry in the SQLite file directly.
	raw := sqliteFile(t, dir)
	for _, q := range []string{`DROP TRIGGER ledger_entries_no_update`, `UPDATE ledger_entries SET subject = '闽司决〔2026〕99号' WHERE idx = 17`} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	out, _, err = yiwang(t, "ledger", "verify", "--data", dir, "--key", vkey)
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "first tampered entry 17") || !strings.Contains(out, "FIRST TAMPERED ENTRY: 17") {
		t.Errorf("verify an edited entry: %v\n%s", err, out)
	}
	// And a stored hash of an earlier entry.
	if _, err := raw.Exec(`DROP TRIGGER ledger_hashes_no_update`); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE ledger_hashes SET hash = zeroblob(32) WHERE id = 5`); err != nil { // the hash over entries 2 and 3, written with 3
		t.Fatal(err)
	}
	_, _, err = yiwang(t, "ledger", "verify", "--data", dir, "--key", vkey)
	if err == nil || !strings.Contains(err.Error(), "first tampered entry 3") {
		t.Errorf("verify an edited hash: %v", err)
	}
	// A checkpoint whose signature no longer holds.
	if _, err := raw.Exec(`DROP TRIGGER ledger_checkpoints_no_update`); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE ledger_checkpoints SET note = replace(note, char(10) || '10' || char(10), char(10) || '11' || char(10)) WHERE size = 10`); err != nil {
		t.Fatal(err)
	}
	out, _, err = yiwang(t, "ledger", "verify", "--data", dir, "--key", vkey)
	if err == nil || !strings.Contains(out, "FIRST BAD CHECKPOINT: size 10") {
		t.Errorf("verify a forged checkpoint: %v\n%s", err, out)
	}

	// Nothing there: an error, and no database made.
	empty := t.TempDir()
	if _, _, err := yiwang(t, "ledger", "verify", "--data", empty); err == nil || !strings.Contains(err.Error(), "no Yiwang database") {
		t.Errorf("verify an empty directory: %v", err)
	}
	if _, err := os.Stat(filepath.Join(empty, "yiwang.db")); err == nil {
		t.Error("verify created a database")
	}
	for _, args := range [][]string{
		{"ledger"}, {"ledger", "audit"}, {"ledger", "verify", "extra"}, {"ledger", "verify", "--url", "ftp://x"},
		{"ledger", "verify", "--url", "https://x", "--data", dir}, {"ledger", "receipt"}, {"ledger", "verify", "--bogus"},
	} {
		if _, _, err := yiwang(t, args...); exitCode(err) != 2 {
			t.Errorf("yiwang %s: %v, want a usage error", strings.Join(args, " "), err)
		}
	}
}

func TestLedgerVerifyOverHTTP(t *testing.T) {
	hermetic(t)
	_, vkey, _, l, db := ledgerDataDir(t)
	srv, err := httpserver.New(httpserver.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	api.New(api.Config{DB: db, Ledger: l, Version: "test"}).Install(srv)
	node := httptest.NewServer(srv.Handler())
	defer node.Close()
	out, _, err := yiwang(t, "ledger", "verify", "--url", node.URL, "--key", vkey)
	if err != nil || !strings.Contains(out, "OK") {
		t.Errorf("verify over HTTP: %v\n%s", err, out)
	}
}

func TestLedgerReceiptVerify(t *testing.T) {
	hermetic(t)
	dir, vkey, file, _, _ := ledgerDataDir(t)
	out := mustRun(t, "ledger", "receipt", "verify", file, "--key", vkey)
	if !strings.Contains(out, "receipt OK: entry 39 (notarisation, sha256:") || !strings.Contains(out, "tree of 40 entries, signed by yiwang.test/ledger") {
		t.Errorf("receipt verify printed:\n%s", out)
	}
	mustRun(t, "ledger", "receipt", "verify", "--key", vkey, file)

	data, _ := os.ReadFile(file)
	altered := writeFile(t, dir, "altered.json", []byte(strings.Replace(string(data), "闽司函〔2026〕7号", "闽司函〔2026〕8号", 1)))
	_, _, err := yiwang(t, "ledger", "receipt", "verify", altered, "--key", vkey)
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "altered.json") || !strings.Contains(err.Error(), "the entry was changed") {
		t.Errorf("altered receipt: %v", err)
	}
	_, otherKey, _ := note.GenerateKey(rand.Reader, "yiwang.test/ledger")
	if _, _, err := yiwang(t, "ledger", "receipt", "verify", file, "--key", otherKey); err == nil || !strings.Contains(err.Error(), "signature") {
		t.Errorf("receipt with another key: %v", err)
	}
	notJSON := writeFile(t, dir, "x.json", []byte("{"))
	if _, _, err := yiwang(t, "ledger", "receipt", "verify", notJSON, "--key", vkey); err == nil || exitCode(err) != 1 {
		t.Errorf("not JSON: %v", err)
	}
	for _, args := range [][]string{{"ledger", "receipt", "verify", file}, {"ledger", "receipt", "verify", "--key", vkey},
		{"ledger", "receipt", "verify", file, file, "--key", vkey}} {
		if _, _, err := yiwang(t, args...); exitCode(err) != 2 {
			t.Errorf("yiwang %s: %v, want a usage error", strings.Join(args, " "), err)
		}
	}
}

func TestWitnessSettings(t *testing.T) {
	_, vkey, _ := note.GenerateKey(rand.Reader, "witness.yiwang.test")
	peers, err := parseWitnessPeers("https://w1.example/ledger/witness " + vkey + " ,  http://127.0.0.1:9/ledger/witness " + vkey)
	if err != nil || len(peers) != 2 || peers[1].URL != "http://127.0.0.1:9/ledger/witness" || peers[0].VerifierKey != vkey {
		t.Errorf("peers %+v %v", peers, err)
	}
	logs, err := parseWitnessedLogs("a.example/ledger " + vkey)
	if err != nil || len(logs) != 1 || logs[0].Origin != "a.example/ledger" {
		t.Errorf("logs %+v %v", logs, err)
	}
	for _, bad := range []string{"https://w1.example", "ftp://w " + vkey, "https://w not-a-key", "https://w " + vkey + " extra"} {
		if _, err := parseWitnessPeers(bad); err == nil {
			t.Errorf("parseWitnessPeers(%q) accepted", bad)
		}
	}
	if _, err := parseWitnessedLogs("a.example/ledger"); err == nil {
		t.Error("a witnessed log without key accepted")
	}
	if p, err := parseWitnessPeers(""); err != nil || p != nil {
		t.Errorf("empty: %v %v", p, err)
	}
}
