package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/store"
)

func TestRegistryImport(t *testing.T) {
	hermetic(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "registry.csv")
	if err := os.WriteFile(good, []byte("id_type,id_number,name\nresident_id,350102198803150462,陈美玲\ntaiwan_permit,08123456,陳家豪\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("id_type,id_number,name\nresident_id,350102198803150462,陈美玲\nresident_id,350102198803150461,林婉清\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	tests := []struct {
		name    string
		args    []string
		wantOut string
		wantErr string
	}{
		{"no subcommand", []string{"registry"}, "", "registry needs a subcommand"},
		{"no file", []string{"registry", "import", "--data", data}, "", "exactly one FILE"},
		{"missing file", []string{"registry", "import", "--data", data, filepath.Join(dir, "none.csv")}, "", "cannot read"},
		{"bad line names the line and field", []string{"registry", "import", "--data", data, bad}, "", "第 3 行的 id_number 有误"},
		{"good file", []string{"registry", "import", "--data", data, good}, "loaded 2 people", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := yiwang(t, tt.args...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out, tt.wantOut) {
				t.Errorf("stdout = %q, want %q", out, tt.wantOut)
			}
		})
	}
	// The bad file stored nothing; the good one stored both people.
	db, err := store.Open(context.Background(), store.Config{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.Get(context.Background(), &n, `SELECT COUNT(*) FROM population_registry`); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("registry holds %d people, want 2", n)
	}
}
