package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/store"
)

func queueRow(tx *store.Tx, k string) {
	tx.InsertLater("grouped_rows", "k, at", k, tx.Now.Format(time.RFC3339Nano))
}

func TestInsertLater(t *testing.T) {
	groupedEach(t, func(t *testing.T, db *store.DB, _ *atomic.Int64) {
		ctx := context.Background()
		if err := db.Transact(ctx, func(tx *store.Tx) error { return insertRow(ctx, tx, "taken") }); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name    string
			rows    int  // queued, keys "<name>-<i>"
			dup     bool // also queue the taken key
			members int
		}{
			{"one row", 1, false, 1},
			// 300 rows go in statements of 128, 128, 32, 8 and 4 rows.
			{"rows in chunks", 300, false, 1},
			{"a row that violates the key", 50, true, 1},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var members int
				var seen int
				err := db.Transact(ctx, func(tx *store.Tx) error {
					members = tx.Members()
					for i := range tc.rows {
						queueRow(tx, fmt.Sprintf("%s-%d", tc.name, i))
					}
					if tc.dup {
						queueRow(tx, "taken")
					}
					// Queued rows are not written yet.
					return tx.Get(ctx, &seen, `SELECT COUNT(*) FROM grouped_rows WHERE k LIKE ?`, tc.name+"-%")
				})
				if members != tc.members {
					t.Errorf("Members() = %d, want %d", members, tc.members)
				}
				if seen != 0 {
					t.Errorf("the work saw %d of its queued rows before its end", seen)
				}
				rows := storedRows(t, db)
				stored := 0
				for i := range tc.rows {
					if _, ok := rows[fmt.Sprintf("%s-%d", tc.name, i)]; ok {
						stored++
					}
				}
				if tc.dup {
					if !errs.Is(err, errs.Conflict) {
						t.Errorf("err = %v, want a conflict", err)
					}
					if stored != 0 {
						t.Errorf("%d rows of a failed transaction are stored", stored)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if stored != tc.rows {
					t.Errorf("%d of %d queued rows stored", stored, tc.rows)
				}
			})
		}
	})
}

// Rows of a child table queued before their parent rows are written after them.
func TestInsertLaterParentsFirst(t *testing.T) {
	groupedEach(t, func(t *testing.T, db *store.DB, _ *atomic.Int64) {
		ctx := context.Background()
		for _, q := range []string{
			`CREATE TABLE later_parents (k TEXT PRIMARY KEY)`,
			`CREATE TABLE later_children (k TEXT PRIMARY KEY, parent TEXT NOT NULL REFERENCES later_parents (k))`,
			`CREATE TABLE later_grandchildren (k TEXT PRIMARY KEY, parent TEXT NOT NULL REFERENCES later_children (k))`,
			`INSERT INTO later_parents (k) VALUES ('p0')`,
		} {
			if _, err := db.SQL().Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		err := db.Transact(ctx, func(tx *store.Tx) error {
			tx.InsertLater("later_grandchildren", "k, parent", "g1", "c1")
			tx.InsertLater("later_children", "k, parent", "c0", "p0")
			tx.InsertLater("later_parents", "k", "p1")
			tx.InsertLater("later_children", "k, parent", "c1", "p1")
			return nil
		})
		if err != nil {
			t.Fatalf("rows queued child first: %v", err)
		}
		var n int
		if err := db.Get(ctx, &n, `SELECT COUNT(*) FROM later_children`); err != nil || n != 2 {
			t.Errorf("%d children stored (%v), want 2", n, err)
		}
		// A child without its parent fails as an insert would.
		err = db.Transact(ctx, func(tx *store.Tx) error {
			tx.InsertLater("later_children", "k, parent", "orphan", "nobody")
			return nil
		})
		if !errs.Is(err, errs.Conflict) {
			t.Errorf("orphan: err = %v, want a conflict", err)
		}
	})
}

// In a batch, a member whose queued row does not insert fails alone; the others' rows commit in
// the one transaction.
func TestInsertLaterGroupedIsolatesFailures(t *testing.T) {
	groupedEach(t, func(t *testing.T, db *store.DB, _ *atomic.Int64) {
		ctx := context.Background()
		if err := db.Transact(ctx, func(tx *store.Tx) error { return insertRow(ctx, tx, "taken") }); err != nil {
			t.Fatal(err)
		}
		members := []struct {
			name, row string
			dup       bool
		}{
			{"ok 1", "ok1", false},
			{"duplicate key", "dup-partner", true},
			{"ok 2", "ok2", false},
		}
		release := blockers(t, db)
		errors := make([]error, len(members))
		sizes := make([]int, len(members))
		var wg sync.WaitGroup
		for i, m := range members {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errors[i] = db.TransactGrouped(ctx, func(tx *store.Tx) error {
					sizes[i] = tx.Members()
					queueRow(tx, m.row)
					if m.dup {
						queueRow(tx, "taken")
					}
					return nil
				})
			}()
			time.Sleep(10 * time.Millisecond)
		}
		settle()
		release()
		wg.Wait()
		rows := storedRows(t, db)
		for i, m := range members {
			_, stored := rows[m.row]
			switch {
			case m.dup && !errs.Is(errors[i], errs.Conflict):
				t.Errorf("%s: err = %v, want a conflict", m.name, errors[i])
			case m.dup && stored:
				t.Errorf("%s: its other row is stored", m.name)
			case !m.dup && (errors[i] != nil || !stored):
				t.Errorf("%s: err = %v, stored = %v", m.name, errors[i], stored)
			}
			if sizes[i] != len(members) {
				t.Errorf("%s: Members() = %d, want %d", m.name, sizes[i], len(members))
			}
		}
		if rows["ok1"] != rows["ok2"] {
			t.Errorf("ok1 at %s and ok2 at %s: not one batch", rows["ok1"], rows["ok2"])
		}
	})
}

// memo is a Flusher that only remembers: its Flush writes nothing.
type memo struct{ v string }

func (*memo) Flush(context.Context, *store.Tx) error { return nil }

type memoKey struct{}

// What a failed member remembered in the transaction is forgotten with its work.
func TestLaterForgottenWithFailedMember(t *testing.T) {
	groupedEach(t, func(t *testing.T, db *store.DB, _ *atomic.Int64) {
		ctx := context.Background()
		boom := errs.E(errs.Invalid, "boom")
		release := blockers(t, db)
		var saw string
		var errFail, errOK error
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			errFail = db.TransactGrouped(ctx, func(tx *store.Tx) error {
				tx.Later(memoKey{}, func() store.Flusher { return &memo{} }).(*memo).v = "failed member's"
				queueRow(tx, "failed")
				return boom
			})
		}()
		time.Sleep(10 * time.Millisecond)
		go func() {
			defer wg.Done()
			errOK = db.TransactGrouped(ctx, func(tx *store.Tx) error {
				saw = tx.Later(memoKey{}, func() store.Flusher { return &memo{} }).(*memo).v
				queueRow(tx, "ok")
				return nil
			})
		}()
		settle()
		release()
		wg.Wait()
		if !errors.Is(errFail, boom) || errOK != nil {
			t.Fatalf("errors %v, %v", errFail, errOK)
		}
		if saw != "" {
			t.Errorf("the next member saw %q", saw)
		}
		rows := storedRows(t, db)
		if _, ok := rows["failed"]; ok {
			t.Error("the failed member's queued row is stored")
		}
		if _, ok := rows["ok"]; !ok {
			t.Error("the other member's queued row is missing")
		}
	})
}

// chain is a Flusher that queues rows and wakes another flusher when it flushes.
type chain struct {
	rows []string
	next func(tx *store.Tx)
}

func (c *chain) Flush(_ context.Context, tx *store.Tx) error {
	if len(c.rows) == 0 {
		return nil
	}
	for _, k := range c.rows {
		queueRow(tx, k)
	}
	c.rows = nil
	if c.next != nil {
		c.next(tx)
	}
	return nil
}

type chainKey string

func TestFlushersInRounds(t *testing.T) {
	groupedEach(t, func(t *testing.T, db *store.DB, _ *atomic.Int64) {
		ctx := context.Background()
		get := func(tx *store.Tx, key string) *chain {
			return tx.Later(chainKey(key), func() store.Flusher { return &chain{} }).(*chain)
		}
		// a flushes rows and queues into b, registered after it; b queues into a (registered
		// before it), which flushes in the next round.
		err := db.Transact(ctx, func(tx *store.Tx) error {
			a := get(tx, "a")
			a.rows = []string{"a1"}
			a.next = func(tx *store.Tx) {
				b := get(tx, "b")
				if len(b.rows) == 0 && b.next == nil {
					b.rows = []string{"b1"}
					b.next = func(tx *store.Tx) { get(tx, "a").rows = append(get(tx, "a").rows, "a2") }
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		rows := storedRows(t, db)
		for _, k := range []string{"a1", "b1", "a2"} {
			if _, ok := rows[k]; !ok {
				t.Errorf("row %s missing", k)
			}
		}
		// A flusher that always queues more is stopped, and nothing is written.
		var i int
		err = db.Transact(ctx, func(tx *store.Tx) error {
			c := get(tx, "forever")
			c.rows = []string{"forever-0"}
			c.next = func(tx *store.Tx) {
				i++
				get(tx, "forever").rows = []string{fmt.Sprintf("forever-%d", i)}
			}
			return nil
		})
		if err == nil {
			t.Fatal("a flusher queueing forever committed")
		}
		if _, ok := storedRows(t, db)["forever-0"]; ok {
			t.Error("rows of the failed transaction are stored")
		}
	})
}
