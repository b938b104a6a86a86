package store_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// The storage suite: every case runs on SQLite and on PostgreSQL.

func insertOrg(ctx context.Context, tx *store.Tx, code string) error {
	_, err := tx.Exec(ctx, `INSERT INTO organisations (code, kind, name_hans, name_hant, name_en, region_code, created_at, updated_at)
		VALUES (?, 'department', '测试', '測試', 'Test', '350000', ?, ?)`, code, tx.Now, tx.Now)
	return err
}

func TestTransact(t *testing.T) {
	fixed := time.Date(2026, 2, 14, 8, 30, 0, 123456789, clock.China)
	storetest.EachWith(t, storetest.Options{Clock: clock.NewFake(fixed)}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()

		t.Run("commit and fixed now", func(t *testing.T) {
			var nows []time.Time
			err := db.Transact(ctx, func(tx *store.Tx) error {
				nows = append(nows, tx.Now)
				if err := insertOrg(ctx, tx, "a"); err != nil {
					return err
				}
				time.Sleep(2 * time.Millisecond)
				nows = append(nows, tx.Now)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			want := fixed.UTC().Truncate(time.Microsecond)
			if !nows[0].Equal(want) || !nows[1].Equal(want) {
				t.Errorf("tx.Now = %v, want fixed %v", nows, want)
			}
			var created time.Time
			if err := db.Get(ctx, &created, `SELECT created_at FROM organisations WHERE code = ?`, "a"); err != nil {
				t.Fatal(err)
			}
			if !created.Equal(want) {
				t.Errorf("stored created_at = %v, want %v", created, want)
			}
		})

		t.Run("rollback on error", func(t *testing.T) {
			boom := errs.E(errs.Invalid, "boom")
			err := db.Transact(ctx, func(tx *store.Tx) error {
				if err := insertOrg(ctx, tx, "b"); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("err = %v, want boom", err)
			}
			var n int
			if err := db.Get(ctx, &n, `SELECT COUNT(*) FROM organisations WHERE code = ?`, "b"); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Errorf("rolled-back row is stored")
			}
		})

		t.Run("rollback on panic", func(t *testing.T) {
			func() {
				defer func() { _ = recover() }()
				_ = db.Transact(ctx, func(tx *store.Tx) error {
					if err := insertOrg(ctx, tx, "p"); err != nil {
						return err
					}
					panic("handler bug")
				})
			}()
			var n int
			if err := db.Get(ctx, &n, `SELECT COUNT(*) FROM organisations WHERE code = ?`, "p"); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Errorf("row of a panicking transaction is stored")
			}
			// The writer connection must be usable afterwards.
			if err := db.Transact(ctx, func(tx *store.Tx) error { return insertOrg(ctx, tx, "p2") }); err != nil {
				t.Fatalf("after panic: %v", err)
			}
		})

		for _, tc := range []struct {
			name string
			run  func(tx *store.Tx) error
			kind errs.Kind
		}{
			{"not found", func(tx *store.Tx) error {
				var s string
				return tx.Get(ctx, &s, `SELECT code FROM organisations WHERE code = ?`, "missing")
			}, errs.NotFound},
			{"unique conflict", func(tx *store.Tx) error { return insertOrg(ctx, tx, "a") }, errs.Conflict},
			{"foreign key conflict", func(tx *store.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO organisation_aliases (alias, org_code) VALUES ('x', 'no-such-org')`)
				return err
			}, errs.Conflict},
			{"check violation", func(tx *store.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO organisations (code, kind, name_hans, name_hant, name_en, region_code, created_at, updated_at)
					VALUES ('k', 'no-such-kind', '', '', '', '', ?, ?)`, tx.Now, tx.Now)
				return err
			}, errs.Invalid},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := db.Transact(ctx, tc.run)
				if got := errs.KindOf(err); got != tc.kind {
					t.Errorf("kind = %q (%v), want %q", got, err, tc.kind)
				}
			})
		}

		t.Run("concurrent writers all commit", func(t *testing.T) {
			var wg sync.WaitGroup
			errc := make(chan error, 32)
			for i := range 32 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errc <- db.Transact(ctx, func(tx *store.Tx) error {
						return insertOrg(ctx, tx, "c"+strconv.Itoa(i))
					})
				}()
			}
			wg.Wait()
			close(errc)
			for err := range errc {
				if err != nil {
					t.Error(err)
				}
			}
			var n int
			if err := db.Get(ctx, &n, `SELECT COUNT(*) FROM organisations WHERE code LIKE 'c%'`); err != nil {
				t.Fatal(err)
			}
			if n != 32 {
				t.Errorf("stored %d rows, want 32", n)
			}
		})

		t.Run("ready", func(t *testing.T) {
			if err := db.Ready(ctx); err != nil {
				t.Errorf("Ready: %v", err)
			}
			cur, latest, err := db.MigrationState(ctx)
			if err != nil || cur != latest || cur == 0 {
				t.Errorf("MigrationState = %d, %d, %v", cur, latest, err)
			}
		})
	})
}

// TestSerialisationRetry makes two PostgreSQL transactions conflict under SERIALIZABLE and checks
// that Transact retries the loser until both increments land.
func TestSerialisationRetry(t *testing.T) {
	db := storetest.Open(t, store.Postgres, storetest.Options{Clock: clock.Real{}})
	ctx := context.Background()
	if err := db.Transact(ctx, func(tx *store.Tx) error {
		if err := insertOrg(ctx, tx, "ctr"); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO organisation_aliases (alias, org_code) VALUES ('0', 'ctr')`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var attempts sync.Map
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := db.Transact(ctx, func(tx *store.Tx) error {
				n, _ := attempts.LoadOrStore(i, new(int))
				*n.(*int)++
				var cur string
				if err := tx.Get(ctx, &cur, `SELECT alias FROM organisation_aliases WHERE org_code = 'ctr'`); err != nil {
					return err
				}
				v, _ := strconv.Atoi(cur)
				time.Sleep(5 * time.Millisecond)
				_, err := tx.Exec(ctx, `UPDATE organisation_aliases SET alias = ? WHERE org_code = 'ctr'`, strconv.Itoa(v+1))
				return err
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	var final string
	if err := db.Get(ctx, &final, `SELECT alias FROM organisation_aliases WHERE org_code = 'ctr'`); err != nil {
		t.Fatal(err)
	}
	if final != "8" {
		t.Errorf("counter = %s, want 8: lost updates", final)
	}
	retried := false
	attempts.Range(func(_, v any) bool {
		if *v.(*int) > 1 {
			retried = true
		}
		return true
	})
	if !retried {
		t.Log("no transaction needed a retry this run")
	}
}

// TestMigrationsNumbered rejects gaps and duplicates in the numbered migrations, and requires
// both dialects to have the same versions.
func TestMigrationsNumbered(t *testing.T) {
	re := regexp.MustCompile(`^(\d{5})_[a-z0-9_]+\.sql$`)
	versions := map[store.Dialect][]int{}
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		entries, err := fs.ReadDir(store.MigrationFS(d), ".")
		if err != nil {
			t.Fatal(err)
		}
		seen := map[int]string{}
		for _, e := range entries {
			m := re.FindStringSubmatch(e.Name())
			if m == nil {
				t.Errorf("%s/%s: not named NNNNN_name.sql", d, e.Name())
				continue
			}
			v, _ := strconv.Atoi(m[1])
			if prev, dup := seen[v]; dup {
				t.Errorf("%s: version %d used by %s and %s", d, v, prev, e.Name())
			}
			seen[v] = e.Name()
			versions[d] = append(versions[d], v)
		}
		sort.Ints(versions[d])
		for i, v := range versions[d] {
			if v != i+1 {
				t.Errorf("%s: migration versions %v have a gap before %d", d, versions[d], v)
				break
			}
		}
	}
	if len(versions[store.SQLite]) != len(versions[store.Postgres]) {
		t.Errorf("sqlite has versions %v, postgres %v", versions[store.SQLite], versions[store.Postgres])
	}
}

func TestOpenRejectsBadURL(t *testing.T) {
	_, err := store.Open(context.Background(), store.Config{URL: "mysql://root:secret@localhost/x"})
	if !errs.Is(err, errs.Invalid) {
		t.Fatalf("err = %v, want invalid", err)
	}
	if regexp.MustCompile(`secret`).MatchString(err.Error()) {
		t.Errorf("error leaks the password: %v", err)
	}
}

// TestTimeArguments checks that times a caller passes (with a monotonic reading, in another
// zone, with nanoseconds) are stored like tx.Now and compare correctly with it in SQL.
func TestTimeArguments(t *testing.T) {
	now := time.Now() // carries a monotonic clock reading
	storetest.EachWith(t, storetest.Options{Clock: clock.NewFake(now)}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tests := []struct {
			name  string
			at    time.Time
			after bool // whether at is after the transaction's now
		}{
			{"monotonic now minus a second", now.Add(-time.Second), false},
			{"an hour later in Beijing time", now.Add(time.Hour).In(time.FixedZone("CST", 8*3600)), true},
			{"half a second later", now.Add(500 * time.Millisecond), true},
			{"a whole second later", now.Truncate(time.Second).Add(2 * time.Second), true},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				code := fmt.Sprintf("t%d", i)
				var after bool
				err := db.Transact(ctx, func(tx *store.Tx) error {
					if _, err := tx.Exec(ctx, `INSERT INTO organisations (code, kind, name_hans, name_hant, name_en, region_code, created_at, updated_at)
						VALUES (?, 'other', 'x', 'x', 'x', '350000', ?, ?)`, code, tt.at, tx.Now); err != nil {
						return err
					}
					var n int
					if err := tx.Get(ctx, &n, `SELECT COUNT(*) FROM organisations WHERE code = ? AND created_at > updated_at`, code); err != nil {
						return err
					}
					after = n == 1
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if after != tt.after {
					t.Errorf("stored %v > tx.Now = %v, want %v", tt.at, after, tt.after)
				}
				var got time.Time
				if err := db.Get(ctx, &got, `SELECT created_at FROM organisations WHERE code = ?`, code); err != nil {
					t.Fatal(err)
				}
				if want := tt.at.Truncate(time.Microsecond); !got.Equal(want) {
					t.Errorf("read back %v, want %v", got, want)
				}
			})
		}
	})
}

// TestDataDirWithURISyntax: a data directory named with characters that mean something in a
// file: URI ('#', '?', '%') still holds the database, instead of a file cut off at them.
func TestDataDirWithURISyntax(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a#b?c%20d")
	db, err := store.Open(context.Background(), store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "yiwang.db")); err != nil {
		t.Fatalf("the database is not in the data directory: %v", err)
	}
}
