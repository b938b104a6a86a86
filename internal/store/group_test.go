package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// groupedDB returns a database of each engine with a small table for the group commit tests and
// a counter of committed transactions.
func groupedEach(t *testing.T, fn func(t *testing.T, db *store.DB, commits *atomic.Int64)) {
	storetest.EachWith(t, storetest.Options{Clock: clock.Real{}}, func(t *testing.T, db *store.DB) {
		if _, err := db.SQL().Exec(`CREATE TABLE grouped_rows (k TEXT PRIMARY KEY, at TEXT NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		var commits atomic.Int64
		db.OnCommit(func() { commits.Add(1) })
		fn(t, db, &commits)
	})
}

func insertRow(ctx context.Context, tx *store.Tx, k string) error {
	_, err := tx.Exec(ctx, `INSERT INTO grouped_rows (k, at) VALUES (?, ?)`, k, tx.Now.Format(time.RFC3339Nano))
	return err
}

func storedRows(t *testing.T, db *store.DB) map[string]string {
	t.Helper()
	var rows []struct {
		K  string `db:"k"`
		At string `db:"at"`
	}
	if err := db.Select(context.Background(), &rows, `SELECT k, at FROM grouped_rows`); err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, r := range rows {
		m[r.K] = r.At
	}
	return m
}

// blockers occupies every batch slot of db with a caller whose fn waits for release, so that
// callers started meanwhile queue up and share the next batch.
func blockers(t *testing.T, db *store.DB) (release func()) {
	t.Helper()
	slots := db.GroupSlots()
	gate := make(chan struct{})
	started := make(chan struct{}, slots)
	var wg sync.WaitGroup
	for i := range slots {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := db.TransactGrouped(context.Background(), func(tx *store.Tx) error {
				started <- struct{}{}
				<-gate
				return insertRow(context.Background(), tx, fmt.Sprintf("blocker-%d", i))
			})
			if err != nil {
				t.Error(err)
			}
		}()
		// One at a time, so that each leads a batch of its own.
		select {
		case <-started:
		case <-time.After(5 * time.Second):
			t.Fatal("a blocker never started")
		}
	}
	return func() { close(gate); wg.Wait() }
}

// settle gives goroutines just started the time to queue.
func settle() { time.Sleep(100 * time.Millisecond) }

func TestTransactGroupedSharesCommits(t *testing.T) {
	groupedEach(t, func(t *testing.T, db *store.DB, commits *atomic.Int64) {
		ctx := context.Background()
		release := blockers(t, db)
		before := commits.Load()
		const n = 40
		var wg sync.WaitGroup
		errc := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errc <- db.TransactGrouped(ctx, func(tx *store.Tx) error { return insertRow(ctx, tx, fmt.Sprintf("r%02d", i)) })
			}()
		}
		settle()
		release()
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Error(err)
			}
		}
		rows := storedRows(t, db)
		for i := range n {
			if _, ok := rows[fmt.Sprintf("r%02d", i)]; !ok {
				t.Errorf("row r%02d was acknowledged but is not stored", i)
			}
		}
		// The blockers' batches commit, then the queued callers share few more commits.
		if got := commits.Load() - before; got > int64(db.GroupSlots())+4 {
			t.Errorf("%d commits for %d callers: no group commit", got, n)
		}
		times := map[string]bool{}
		for k, at := range rows {
			if k[0] == 'r' {
				times[at] = true
			}
		}
		if len(times) > 5 {
			t.Errorf("%d different tx.Now among the queued callers: batches do not share one transaction", len(times))
		}
	})
}

func TestTransactGroupedIsolatesFailures(t *testing.T) {
	boom := errs.Field("name", "test.error.boom")
	groupedEach(t, func(t *testing.T, db *store.DB, _ *atomic.Int64) {
		ctx := context.Background()
		if err := db.TransactGrouped(ctx, func(tx *store.Tx) error { return insertRow(ctx, tx, "taken") }); err != nil {
			t.Fatal(err)
		}
		type outcome struct {
			err      error
			panicked any
		}
		members := []struct {
			name string
			fn   func(tx *store.Tx) error
			want func(o outcome) bool
			row  string // the row it inserts, "" if it must not be stored
		}{
			{"ok 1", func(tx *store.Tx) error { return insertRow(ctx, tx, "ok1") }, func(o outcome) bool { return o.err == nil }, "ok1"},
			{"validation fails after a write", func(tx *store.Tx) error {
				if err := insertRow(ctx, tx, "invalid"); err != nil {
					return err
				}
				return boom
			}, func(o outcome) bool { return errors.Is(o.err, boom) }, ""},
			{"ok 2", func(tx *store.Tx) error { return insertRow(ctx, tx, "ok2") }, func(o outcome) bool { return o.err == nil }, "ok2"},
			{"unique violation", func(tx *store.Tx) error {
				if err := insertRow(ctx, tx, "dup-partner"); err != nil {
					return err
				}
				return insertRow(ctx, tx, "taken")
			}, func(o outcome) bool { return errs.Is(o.err, errs.Conflict) }, ""},
			{"ok 3 after the violation", func(tx *store.Tx) error { return insertRow(ctx, tx, "ok3") }, func(o outcome) bool { return o.err == nil }, "ok3"},
			{"panic", func(tx *store.Tx) error {
				if err := insertRow(ctx, tx, "panicked"); err != nil {
					return err
				}
				panic("member panics")
			}, func(o outcome) bool { return o.panicked == "member panics" && o.err == nil }, ""},
			{"ok 4 after the panic", func(tx *store.Tx) error { return insertRow(ctx, tx, "ok4") }, func(o outcome) bool { return o.err == nil }, "ok4"},
		}
		release := blockers(t, db)
		outcomes := make([]outcome, len(members))
		var wg sync.WaitGroup
		for i, m := range members {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { outcomes[i].panicked = recover() }()
				outcomes[i].err = db.TransactGrouped(ctx, m.fn)
			}()
			time.Sleep(10 * time.Millisecond) // keep their order in the queue
		}
		settle()
		release()
		wg.Wait()
		rows := storedRows(t, db)
		for i, m := range members {
			if !m.want(outcomes[i]) {
				t.Errorf("%s: err = %v, panic = %v", m.name, outcomes[i].err, outcomes[i].panicked)
			}
		}
		want := []string{"taken", "ok1", "ok2", "ok3", "ok4"}
		for _, k := range want {
			if _, ok := rows[k]; !ok {
				t.Errorf("row %s is missing", k)
			}
		}
		for _, k := range []string{"invalid", "dup-partner", "panicked"} {
			if _, ok := rows[k]; ok {
				t.Errorf("row %s of a failed member is stored", k)
			}
		}
		if ts := rows["ok1"]; ts != rows["ok4"] {
			t.Errorf("ok1 at %s and ok4 at %s: not one batch", ts, rows["ok4"])
		}
	})
}

func TestTransactGroupedAlone(t *testing.T) {
	groupedEach(t, func(t *testing.T, db *store.DB, commits *atomic.Int64) {
		ctx := context.Background()
		if err := db.TransactGrouped(ctx, func(tx *store.Tx) error { return insertRow(ctx, tx, "a") }); err != nil {
			t.Fatal(err)
		}
		err := db.TransactGrouped(ctx, func(tx *store.Tx) error {
			if err := insertRow(ctx, tx, "b"); err != nil {
				return err
			}
			return store.ErrRollback
		})
		if !errors.Is(err, store.ErrRollback) {
			t.Fatalf("err = %v, want ErrRollback", err)
		}
		func() {
			defer func() {
				if p := recover(); p != "alone" {
					t.Errorf("recovered %v, want the member's panic", p)
				}
			}()
			_ = db.TransactGrouped(ctx, func(tx *store.Tx) error {
				_ = insertRow(ctx, tx, "c")
				panic("alone")
			})
		}()
		rows := storedRows(t, db)
		if _, ok := rows["a"]; !ok || len(rows) != 1 {
			t.Errorf("rows = %v, want only a", rows)
		}
		if got := commits.Load(); got != 1 {
			t.Errorf("%d commits, want 1 (failed callers alone roll back)", got)
		}
		// The group still works after a panic.
		if err := db.TransactGrouped(ctx, func(tx *store.Tx) error { return insertRow(ctx, tx, "d") }); err != nil {
			t.Fatal(err)
		}
	})
}

func TestTransactGroupedCancelledWaiter(t *testing.T) {
	groupedEach(t, func(t *testing.T, db *store.DB, _ *atomic.Int64) {
		ctx := context.Background()
		if err := db.TransactGrouped(context.Background(), func(tx *store.Tx) error { return nil }); err != nil {
			t.Fatal(err)
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := db.TransactGrouped(cctx, func(tx *store.Tx) error { return insertRow(ctx, tx, "never") }); !errs.Is(err, errs.Unavailable) {
			t.Errorf("already cancelled: err = %v, want unavailable", err)
		}

		release := blockers(t, db)
		var wg sync.WaitGroup
		var before, after error
		wg.Add(2)
		go func() {
			defer wg.Done()
			before = db.TransactGrouped(ctx, func(tx *store.Tx) error { return insertRow(ctx, tx, "before") })
		}()
		time.Sleep(10 * time.Millisecond)
		wctx, wcancel := context.WithCancel(ctx)
		waiter := make(chan error, 1)
		go func() {
			waiter <- db.TransactGrouped(wctx, func(tx *store.Tx) error { return insertRow(wctx, tx, "cancelled") })
		}()
		time.Sleep(10 * time.Millisecond)
		go func() {
			defer wg.Done()
			after = db.TransactGrouped(ctx, func(tx *store.Tx) error { return insertRow(ctx, tx, "after") })
		}()
		settle()
		wcancel()
		select {
		case err := <-waiter:
			if !errs.Is(err, errs.Unavailable) || !errors.Is(err, context.Canceled) {
				t.Errorf("cancelled waiter: err = %v, want unavailable (canceled)", err)
			}
		case <-time.After(2 * time.Second):
			t.Fatal("a cancelled waiter still waits for the batch ahead of it")
		}
		release()
		wg.Wait()
		if before != nil || after != nil {
			t.Errorf("neighbours of the cancelled waiter: %v, %v", before, after)
		}
		rows := storedRows(t, db)
		if _, ok := rows["cancelled"]; ok {
			t.Error("the cancelled waiter's row was stored")
		}
		if _, ok := rows["before"]; !ok {
			t.Error("row before is missing")
		}
		if _, ok := rows["after"]; !ok {
			t.Error("row after is missing")
		}
	})
}

// A member whose context ends while its batch runs does not break the others' transaction: its
// statements run with the batch's context.
func TestTransactGroupedCancelInsideBatch(t *testing.T) {
	groupedEach(t, func(t *testing.T, db *store.DB, _ *atomic.Int64) {
		ctx := context.Background()
		release := blockers(t, db)
		mctx, mcancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		var errMember, errOther error
		wg.Add(2)
		go func() {
			defer wg.Done()
			errMember = db.TransactGrouped(mctx, func(tx *store.Tx) error {
				mcancel() // the caller gives up while its fn runs
				return insertRow(mctx, tx, "member")
			})
		}()
		time.Sleep(10 * time.Millisecond)
		go func() {
			defer wg.Done()
			errOther = db.TransactGrouped(ctx, func(tx *store.Tx) error { return insertRow(ctx, tx, "other") })
		}()
		settle()
		release()
		wg.Wait()
		if errMember != nil || errOther != nil {
			t.Fatalf("errors %v, %v", errMember, errOther)
		}
		rows := storedRows(t, db)
		if _, ok := rows["member"]; !ok {
			t.Error("member's row missing although acknowledged")
		}
		if _, ok := rows["other"]; !ok {
			t.Error("other's row missing")
		}
	})
}

// A batch that cannot get a lock in time (lock_timeout, like a deadlock or a serialisation
// failure) runs again as a whole; every member's work commits once.
func TestTransactGroupedRetriesPostgres(t *testing.T) {
	db := storetest.Open(t, store.Postgres, storetest.Options{Clock: clock.Real{}})
	ctx := context.Background()
	if _, err := db.SQL().Exec(`CREATE TABLE grouped_rows (k TEXT PRIMARY KEY, at TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().Exec(`INSERT INTO grouped_rows (k, at) VALUES ('counter', '0')`); err != nil {
		t.Fatal(err)
	}
	// Another connection holds the counter row for a while.
	holder, err := db.SQL().Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := holder.Exec(`UPDATE grouped_rows SET at = 'held' WHERE k = 'counter'`); err != nil {
		t.Fatal(err)
	}
	release := blockers(t, db)
	var runsA, runsB atomic.Int64
	go func() {
		// Let go once A has run into the lock at least once.
		for runsA.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(60 * time.Millisecond)
		_ = holder.Commit()
	}()
	var wg sync.WaitGroup
	var errA, errB error
	wg.Add(2)
	// B comes first in the batch: its work, done before A runs into the lock, is done again.
	go func() {
		defer wg.Done()
		errB = db.TransactGrouped(ctx, func(tx *store.Tx) error {
			runsB.Add(1)
			return insertRow(ctx, tx, "b")
		})
	}()
	time.Sleep(10 * time.Millisecond)
	go func() {
		defer wg.Done()
		errA = db.TransactGrouped(ctx, func(tx *store.Tx) error {
			runsA.Add(1)
			if _, err := tx.Exec(ctx, `SET LOCAL lock_timeout = '20ms'`); err != nil {
				return err
			}
			var v string
			if err := tx.Get(ctx, &v, `SELECT at FROM grouped_rows WHERE k = 'counter' FOR UPDATE`); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `UPDATE grouped_rows SET at = ? WHERE k = 'counter'`, v+"+grouped")
			return err
		})
	}()
	settle()
	release()
	wg.Wait()
	if errA != nil || errB != nil {
		t.Fatalf("errors %v, %v", errA, errB)
	}
	if runsA.Load() < 2 || runsB.Load() < 2 {
		t.Errorf("A ran %d times, B %d times: want the batch retried", runsA.Load(), runsB.Load())
	}
	rows := storedRows(t, db)
	if rows["counter"] != "held+grouped" || rows["b"] == "" {
		t.Errorf("rows after the retry: %v", rows)
	}
}

// On SQLite a batch that finds the database locked by another connection waits and retries.
func TestTransactGroupedRetriesSQLiteBusy(t *testing.T) {
	db := storetest.Open(t, store.SQLite, storetest.Options{Clock: clock.Real{}})
	ctx := context.Background()
	if _, err := db.SQL().Exec(`CREATE TABLE grouped_rows (k TEXT PRIMARY KEY, at TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	// The writer gives up on a lock after 20 ms instead of 10 s, so that busy comes back as an
	// error that the batch retries.
	if _, err := db.SQL().Exec(`PRAGMA busy_timeout = 20`); err != nil {
		t.Fatal(err)
	}
	other, err := sql.Open("sqlite", "file:"+db.Where()+"?_pragma=busy_timeout(0)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	otx, err := other.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := otx.Exec(`INSERT INTO grouped_rows (k, at) VALUES ('other', 'x')`); err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(100*time.Millisecond, func() { _ = otx.Commit() })
	start := time.Now()
	if err := db.TransactGrouped(ctx, func(tx *store.Tx) error { return insertRow(ctx, tx, "mine") }); err != nil {
		t.Fatalf("err = %v, want success after retries", err)
	}
	if time.Since(start) < 90*time.Millisecond {
		t.Errorf("committed after %s although another connection held the lock", time.Since(start))
	}
	rows := storedRows(t, db)
	if rows["other"] == "" || rows["mine"] == "" {
		t.Errorf("rows = %v", rows)
	}
}

// Many callers, some failing, under the race detector.
func TestTransactGroupedStress(t *testing.T) {
	groupedEach(t, func(t *testing.T, db *store.DB, commits *atomic.Int64) {
		ctx := context.Background()
		const n = 300
		var wg sync.WaitGroup
		var failed atomic.Int64
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := db.TransactGrouped(ctx, func(tx *store.Tx) error {
					if err := insertRow(ctx, tx, fmt.Sprintf("s%03d", i)); err != nil {
						return err
					}
					if i%7 == 3 {
						return store.ErrRollback
					}
					return nil
				})
				switch {
				case i%7 == 3 && errors.Is(err, store.ErrRollback):
					failed.Add(1)
				case err != nil:
					t.Errorf("caller %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
		rows := storedRows(t, db)
		for i := range n {
			_, ok := rows[fmt.Sprintf("s%03d", i)]
			if ok == (i%7 == 3) {
				t.Errorf("row s%03d stored = %v", i, ok)
			}
		}
		if int(failed.Load()) != (n+3)/7 {
			t.Errorf("%d callers saw their rollback", failed.Load())
		}
		t.Logf("%d callers, %d commits", n, commits.Load())
	})
}
