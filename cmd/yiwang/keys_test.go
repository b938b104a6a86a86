package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

func TestKeysCommands(t *testing.T) {
	hermetic(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	master := strings.TrimSpace(mustRun(t, "keys", "master-key"))
	if _, err := keys.ParseMasterKey(master); err != nil {
		t.Fatalf("master-key printed %q: %v", master, err)
	}
	t.Setenv("YIWANG_MASTER_KEY", master)

	// A signing key made the way the platform makes them, on the node's own store.
	ctx := principal.With(context.Background(), principal.SystemPrincipal)
	o := options{Data: data}
	db, err := openMigrated(ctx, &o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := org.Seed(ctx, db, org.Directory()); err != nil {
		t.Fatal(err)
	}
	m, _ := keys.ParseMasterKey(master)
	ks, err := keys.New(db, m, keys.Options{})
	if err != nil {
		t.Fatal(err)
	}
	k, err := ks.Create(ctx, principal.SystemPrincipal, "fj-market-regulation", "seal", keys.SM2)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	out := mustRun(t, "keys", "list", "--data", data, "--org", "fj-market-regulation")
	if !strings.Contains(out, k.ID) || !strings.Contains(out, "SM2") || !strings.Contains(out, "active") {
		t.Fatalf("list:\n%s", out)
	}
	out = mustRun(t, "keys", "rotate", "--data", data, "--id", k.ID, "--overlap", "2d")
	newID := regexp.MustCompile(`new key is (key_[a-z2-7]+)`).FindStringSubmatch(out)
	if newID == nil {
		t.Fatalf("rotate: %s", out)
	}
	out = mustRun(t, "keys", "list", "--data", data, "--org", "fj-market-regulation")
	if !strings.Contains(out, "retiring until") || !strings.Contains(out, newID[1]) {
		t.Fatalf("list after rotation:\n%s", out)
	}
	mustRun(t, "keys", "retire", "--data", data, "--id", k.ID)

	// Moving to a new master key: afterwards only the new one opens the node's keys.
	next := keys.NewMasterKey()
	nextFile := filepath.Join(dir, "next.key")
	if err := os.WriteFile(nextFile, []byte(next.Encode()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out = mustRun(t, "keys", "rewrap", "--data", data, "--new-master-key-file", nextFile)
	if !strings.Contains(out, "rewrapped 1 data keys") {
		t.Fatalf("rewrap: %s", out)
	}
	t.Setenv("YIWANG_MASTER_KEY", "")
	mustRun(t, "keys", "rotate", "--data", data, "--master-key-file", nextFile, "--id", newID[1])
	t.Setenv("YIWANG_MASTER_KEY", master)
	if _, _, err := yiwang(t, "keys", "rotate", "--data", data, "--id", newID[1]); err == nil {
		t.Fatal("rotating a retiring key succeeded")
	}

	// Mistakes name the flag.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"keys"}, "needs a subcommand"},
		{[]string{"keys", "list", "--data", data}, "--org"},
		{[]string{"keys", "rotate", "--data", data}, "--id"},
		{[]string{"keys", "rotate", "--data", data, "--id", "key_x", "--overlap", "soon"}, "--overlap"},
		{[]string{"keys", "rewrap", "--data", data}, "--new-master-key-file"},
		{[]string{"keys", "fly"}, "unknown keys subcommand"},
	} {
		_, _, err := yiwang(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("yiwang %s: %v, want it to mention %q", strings.Join(tc.args, " "), err, tc.want)
		}
	}
	t.Setenv("YIWANG_MASTER_KEY", "not a key")
	if _, _, err := yiwang(t, "keys", "list", "--data", data, "--org", "x"); err == nil || !strings.Contains(err.Error(), "YIWANG_MASTER_KEY") {
		t.Errorf("bad master key: %v", err)
	}
}
