package store_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

var update = flag.Bool("update", false, "rewrite the committed schema files from the migrations")

// TestSchemaCommitted keeps schema/<dialect>.sql — the readable current schema — equal to what
// the migrations produce. After adding a migration: go test ./internal/store -run Schema -update
func TestSchemaCommitted(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			db := storetest.Open(t, d, storetest.Options{})
			got := dumpSchema(t, db)
			file := filepath.Join("schema", string(d)+".sql")
			if *update {
				if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("%s is stale; run go test ./internal/store -run Schema -update (-want +got):\n%s", file, diff)
			}
		})
	}
}

func dumpSchema(t *testing.T, db *store.DB) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	b.WriteString("-- The current schema, generated from the migrations by TestSchemaCommitted. Do not edit.\n\n")
	switch db.Dialect() {
	case store.SQLite:
		var rows []struct {
			SQL string `db:"sql"`
		}
		if err := db.Select(ctx, &rows, `SELECT sql FROM sqlite_master WHERE sql IS NOT NULL
			AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'goose_%' AND name <> 'schema_migrations'
			ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END, name`); err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			b.WriteString(strings.TrimSpace(r.SQL) + ";\n\n")
		}
	case store.Postgres:
		var cols []struct {
			Table    string  `db:"table_name"`
			Column   string  `db:"column_name"`
			Type     string  `db:"data_type"`
			Nullable string  `db:"is_nullable"`
			Default  *string `db:"column_default"`
		}
		if err := db.Select(ctx, &cols, `SELECT table_name, column_name, data_type, is_nullable, column_default
			FROM information_schema.columns WHERE table_schema = current_schema() AND table_name <> 'schema_migrations'
			ORDER BY table_name, ordinal_position`); err != nil {
			t.Fatal(err)
		}
		table := ""
		for _, c := range cols {
			if c.Table != table {
				if table != "" {
					b.WriteString(");\n\n")
				}
				table = c.Table
				fmt.Fprintf(&b, "TABLE %s (\n", table)
			}
			null := ""
			if c.Nullable == "NO" {
				null = " NOT NULL"
			}
			def := ""
			if c.Default != nil {
				def = " DEFAULT " + *c.Default
			}
			fmt.Fprintf(&b, "    %s %s%s%s\n", c.Column, c.Type, null, def)
		}
		if table != "" {
			b.WriteString(");\n\n")
		}
		var idx []struct {
			Def string `db:"indexdef"`
		}
		if err := db.Select(ctx, &idx, `SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema()
			AND tablename <> 'schema_migrations' ORDER BY indexname`); err != nil {
			t.Fatal(err)
		}
		for _, i := range idx {
			// Index definitions name the per-test schema; drop it.
			def := i.Def
			if k := strings.Index(def, " ON "); k >= 0 {
				rest := def[k+4:]
				if dot := strings.Index(rest, "."); dot >= 0 && dot < strings.Index(rest, " ") {
					def = def[:k+4] + rest[dot+1:]
				}
			}
			b.WriteString(def + ";\n")
		}
	}
	return b.String()
}
