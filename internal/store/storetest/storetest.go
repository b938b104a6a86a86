// Package storetest hands each test a fresh, migrated, real database — SQLite always, and
// PostgreSQL when one answers — so that the same suite runs on both engines.
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/requestid"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// DefaultPostgres is used when YIWANG_TEST_POSTGRES is unset.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Options tune the database a test gets.
type Options struct {
	// Clock fixes transaction times; a fake clock at 2026-03-02 09:00 China time if nil.
	Clock clock.Clock
}

// Each runs fn once per engine, as subtests named "sqlite" and "postgres", each with a fresh
// migrated database. PostgreSQL is skipped only when none answers and CI is not "true".
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	EachWith(t, Options{}, fn)
}

// EachWith is Each with options.
func EachWith(t *testing.T, o Options, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			fn(t, Open(t, d, o))
		})
	}
}

// Open returns a fresh migrated database of dialect d, closed when the test ends.
func Open(t testing.TB, d store.Dialect, o Options) *store.DB {
	t.Helper()
	c := o.Clock
	if c == nil {
		c = clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, clock.China))
	}
	ctx := requestid.With(context.Background(), "test")
	var cfg store.Config
	switch d {
	case store.SQLite:
		cfg = store.Config{DataDir: t.TempDir(), Clock: c}
	case store.Postgres:
		cfg = store.Config{URL: postgresSchema(t), Clock: c}
	}
	db, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("open %s: %v", d, err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx, nil); err != nil {
		t.Fatalf("migrate %s: %v", d, err)
	}
	configs.Store(db, cfg)
	t.Cleanup(func() { configs.Delete(db) })
	return db
}

// configs remembers how Open opened each database, for Reopen.
var configs sync.Map // *store.DB → store.Config

// Reopen returns another handle on the database db (which Open returned), with its own
// connections and clock c (db's clock if nil), closed when the test ends: another node sharing
// the database, or the same node after a restart.
func Reopen(t testing.TB, db *store.DB, c clock.Clock) *store.DB {
	t.Helper()
	v, ok := configs.Load(db)
	if !ok {
		t.Fatal("storetest.Reopen: the database was not opened by storetest.Open")
	}
	cfg := v.(store.Config)
	cfg.Clock = c
	if c == nil {
		cfg.Clock = db.Clock()
	}
	other, err := store.Open(requestid.With(context.Background(), "test"), cfg)
	if err != nil {
		t.Fatalf("reopen %s: %v", db.Dialect(), err)
	}
	t.Cleanup(func() { other.Close() })
	return other
}

var (
	pgOnce  sync.Once
	pgAdmin *sql.DB
	pgURL   string
	pgErr   error
)

// PostgresURL returns the server tests use, skipping (or failing when CI=true) if none answers.
func PostgresURL(t testing.TB) string {
	t.Helper()
	pgOnce.Do(func() {
		pgURL = os.Getenv("YIWANG_TEST_POSTGRES")
		if pgURL == "" {
			pgURL = DefaultPostgres
		}
		pgAdmin, pgErr = sql.Open("pgx", pgURL)
		if pgErr == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			pgErr = pgAdmin.PingContext(ctx)
		}
	})
	if pgErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is mandatory when CI=true, but %s does not answer: %v", redact(pgURL), pgErr)
		}
		t.Skipf("no PostgreSQL at %s (set YIWANG_TEST_POSTGRES): %v", redact(pgURL), pgErr)
	}
	return pgURL
}

// postgresSchema creates an empty schema for one test and returns a URL whose search_path is it.
func postgresSchema(t testing.TB) string {
	t.Helper()
	base := PostgresURL(t)
	name := fmt.Sprintf("t_%d_%s", time.Now().UnixNano(), strings.ToLower(requestid.New()[:8]))
	if _, err := pgAdmin.Exec("CREATE SCHEMA " + name); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := pgAdmin.Exec("DROP SCHEMA " + name + " CASCADE"); err != nil {
			t.Logf("drop schema %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("YIWANG_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparsable URL)"
	}
	return p.Redacted()
}
