package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// Group commit: TransactGrouped lets concurrent callers share one transaction and one commit
// (one fsync), so that many small durable writes cost little more than one. A caller that finds
// a free batch slot becomes the leader: it takes the callers waiting in the queue (itself
// included, at most maxGroup of them), runs each one's fn inside a savepoint of one
// transaction, commits, and wakes them; then the next waiter takes the freed slot. SQLite has
// one writer connection, so one batch runs at a time; PostgreSQL has many, so a few batches run
// side by side (each a transaction of its own), which keeps its connections busy while one
// batch waits for its commit.

// maxGroup bounds the callers whose work shares one transaction: a bigger batch only makes its
// members wait longer and a retry costlier.
const maxGroup = 128

// GroupSlots is how many grouped batches run at the same time: one on SQLite (one writer
// connection), two on PostgreSQL: one fills while the other waits for its commit. More slots
// make smaller batches, and with write-behind rows (later.go) a batch's statements cost the
// same for 10 members as for 100; 64 clients submitted fastest with two (docs/performance.md).
func (db *DB) GroupSlots() int {
	if db.dialect == Postgres {
		return 2
	}
	return 1
}

// groupTimeout bounds one batch: its members' own contexts no longer cancel it.
const groupTimeout = time.Minute

// grouper is the group commit state of a DB.
type grouper struct {
	mu    sync.Mutex
	queue []*groupReq // waiting callers not yet in a batch, oldest first
	slots int         // batches running
}

// The states of a request.
const (
	reqQueued  = iota // in the queue, its fn not yet taken into a batch
	reqInBatch        // taken by a leader: it waits for the batch's commit whatever its context says
	reqDone           // err (or panicked) is final
)

// groupReq is one caller of TransactGrouped.
type groupReq struct {
	ctx   context.Context
	fn    func(tx *Tx) error
	state int
	err   error
	// panicked holds what fn panicked with, re-raised on the caller's goroutine.
	panicked any
	didPanic bool
	// signal wakes the caller: its result is ready, or a batch slot may be free for it.
	signal chan struct{}
}

func (r *groupReq) wake() {
	select {
	case r.signal <- struct{}{}:
	default:
	}
}

// TransactGrouped runs fn in a transaction shared with other concurrent callers of
// TransactGrouped and returns once that transaction committed, or with the error that kept fn's
// work from committing. Each fn runs inside a savepoint of its own: when it returns an error
// (or panics) only its own work is rolled back and only its caller gets the error (or the
// panic, re-raised on its goroutine); the others' work still commits. A commit that fails with
// a serialisation failure, deadlock or SQLITE_BUSY runs the whole batch again with a new
// tx.Now, as Transact does, so fn must have no effects outside tx and may run more than once:
// a batch first runs without savepoints, and runs again with them when one of its members fails.
//
// All fns of a batch see the same tx.Now and run one after another on the leader's goroutine,
// in arrival order. On PostgreSQL a batch runs at READ COMMITTED, unlike Transact: batches run
// side by side, and as SERIALIZABLE transactions of a hundred members each they would fail
// each other's serialisation checks on the index pages they share (inserting rows that a
// foreign-key check of another batch read is enough). So fn must lock what it reads in order to
// change it (SELECT … FOR UPDATE) and must not rely on serialisable reads; a lock wait that
// times out (lock_timeout) or a deadlock runs the batch again. SQLite has one writer: its
// batches are serialisable anyway. The statements run
// through tx with the batch's own context: a caller's context ending does not break the
// others' transaction. A caller whose context ends before its fn was taken into a batch
// returns at once with errs.Unavailable and its fn never runs; once taken, it waits for the
// batch's commit (bounded by a minute), and a fn whose caller has gone is skipped if it has not
// started. OnCommit hooks run once per committed batch.
//
// fn must not call Transact or TransactGrouped itself (on SQLite that waits for the one writer
// connection fn's own batch holds).
func (db *DB) TransactGrouped(ctx context.Context, fn func(tx *Tx) error) error {
	if err := ctx.Err(); err != nil {
		return errs.Wrapf(errs.Unavailable, err, "error.unavailable")
	}
	r := &groupReq{ctx: ctx, fn: fn, signal: make(chan struct{}, 1)}
	g := &db.group
	g.mu.Lock()
	g.queue = append(g.queue, r)
	g.mu.Unlock()
	for {
		g.mu.Lock()
		switch {
		case r.state == reqDone:
			g.mu.Unlock()
			return r.result()
		case r.state == reqQueued && g.slots < db.GroupSlots():
			g.slots++
			batch := g.take()
			g.mu.Unlock()
			db.lead(batch)
			g.mu.Lock()
			g.slots--
			if len(g.queue) > 0 {
				g.queue[0].wake()
			}
			g.mu.Unlock()
			continue
		}
		queued := r.state == reqQueued
		g.mu.Unlock()
		if !queued {
			<-r.signal // in a batch: only its commit ends the wait
			continue
		}
		select {
		case <-r.signal:
		case <-ctx.Done():
			g.mu.Lock()
			if r.state == reqQueued {
				g.remove(r)
				// r may have been woken to take a free slot: pass that on.
				if len(g.queue) > 0 && g.slots < db.GroupSlots() {
					g.queue[0].wake()
				}
				g.mu.Unlock()
				return errs.Wrapf(errs.Unavailable, ctx.Err(), "error.unavailable")
			}
			g.mu.Unlock()
		}
	}
}

// result returns the request's outcome on the caller's goroutine, re-raising its fn's panic.
func (r *groupReq) result() error {
	if r.didPanic {
		panic(r.panicked)
	}
	return r.err
}

// take removes the oldest waiting requests (at most maxGroup) from the queue and marks them
// taken. g.mu is held.
func (g *grouper) take() []*groupReq {
	n := min(len(g.queue), maxGroup)
	batch := make([]*groupReq, n)
	copy(batch, g.queue[:n])
	g.queue = append(g.queue[:0:0], g.queue[n:]...)
	for _, r := range batch {
		r.state = reqInBatch
	}
	return batch
}

// remove drops r from the queue. g.mu is held.
func (g *grouper) remove(r *groupReq) {
	for i, q := range g.queue {
		if q == r {
			g.queue = append(g.queue[:i:i], g.queue[i+1:]...)
			return
		}
	}
}

// lead commits batch with retries, then hands each member its result.
func (db *DB) lead(batch []*groupReq) {
	// The batch is everyone's: no member's cancellation may end it.
	ctx, cancel := context.WithTimeout(context.Background(), groupTimeout)
	defer cancel()
	// Members rarely fail, so the batch first runs without savepoints (two round trips fewer per
	// member); if one fails, the batch runs again with them, and then each member's own outcome
	// is final. One member alone needs none: its failure rolls back nothing of anyone else's.
	savepoints := len(batch) == 1
	var err error
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if attempt > 0 {
			backoff := time.Duration(1<<attempt)*time.Millisecond + time.Duration(rand.IntN(5))*time.Millisecond
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
			}
		}
		for _, r := range batch {
			r.err, r.panicked, r.didPanic = nil, nil, false
		}
		err = db.groupOnce(ctx, batch, savepoints)
		if errors.Is(err, errMemberFailed) {
			savepoints = true
			attempt-- // not a retry: the batch has not run its members' way yet
			continue
		}
		if err == nil || !retryable(err) {
			break
		}
	}
	if err != nil && retryable(err) {
		err = errs.Wrapf(errs.Unavailable, err, "error.busy")
	}
	db.group.mu.Lock()
	for _, r := range batch {
		if err != nil && r.err == nil && !r.didPanic {
			r.err = err
		}
		r.state = reqDone
		r.wake()
	}
	db.group.mu.Unlock()
}

// errMemberFailed says that a member failed in a batch run without savepoints: the
// transaction was rolled back, and the batch must run again with them.
var errMemberFailed = errors.New("store: a grouped member failed without a savepoint")

// groupOnce runs the batch's fns in one transaction and commits it. It returns an error when
// the transaction as a whole failed (so that nothing of the batch committed); a member's own
// failure is left in its err. Without savepoints (and more than one member), a member's failure
// rolls everything back and returns errMemberFailed.
func (db *DB) groupOnce(ctx context.Context, batch []*groupReq, savepoints bool) error {
	opts := &sql.TxOptions{}
	if db.dialect == Postgres {
		opts.Isolation = sql.LevelReadCommitted
	}
	stx, err := db.writer.BeginTxx(ctx, opts)
	if err != nil {
		return classify(err)
	}
	tx := &Tx{tx: stx, db: db, Now: db.clock.Now().UTC().Truncate(time.Microsecond), batch: ctx, members: len(batch)}
	alone := len(batch) == 1
	useSavepoints := savepoints && !alone
	committing := 0
	var last *groupReq // the member whose work is queued (alone)
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.err = errs.Wrapf(errs.Unavailable, err, "error.unavailable")
			continue
		}
		if useSavepoints {
			if _, err := stx.ExecContext(ctx, "SAVEPOINT grouped"); err != nil {
				_ = stx.Rollback()
				return classify(err)
			}
		}
		ferr := runMember(r, tx)
		if ferr == nil && useSavepoints {
			// Each member's queued rows inside its own savepoint: a row that does not insert
			// fails its member only.
			ferr = tx.flushLater(ctx)
		}
		if ferr == nil {
			committing++
			last = r
			if useSavepoints {
				if _, err := stx.ExecContext(ctx, "RELEASE SAVEPOINT grouped"); err != nil {
					_ = stx.Rollback()
					return classify(err)
				}
			}
			continue
		}
		if retryable(ferr) {
			// A serialisation failure dooms the whole transaction on PostgreSQL.
			_ = stx.Rollback()
			return ferr
		}
		r.err = ferr
		if alone {
			break
		}
		if !useSavepoints {
			_ = stx.Rollback()
			return errMemberFailed
		}
		if _, err := stx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT grouped"); err != nil {
			_ = stx.Rollback()
			return classify(err)
		}
		tx.forgetLater()
		if _, err := stx.ExecContext(ctx, "RELEASE SAVEPOINT grouped"); err != nil {
			_ = stx.Rollback()
			return classify(err)
		}
	}
	if committing > 0 && !useSavepoints {
		// Everyone's queued rows at once: the point of grouping.
		if err := tx.flushLater(ctx); err != nil {
			_ = stx.Rollback()
			switch {
			case retryable(err):
				return err
			case committing == 1:
				// Only one member's work is queued: the failure is its own.
				last.err = err
				return nil
			}
			return errMemberFailed
		}
	}
	if committing == 0 {
		_ = stx.Rollback()
		return nil
	}
	if err := stx.Commit(); err != nil {
		return classify(err)
	}
	db.preparePending()
	if hooks := db.onCommit.Load(); hooks != nil {
		for _, fn := range *hooks {
			fn()
		}
	}
	return nil
}

// errPanicked stands for a member's panic inside the batch; its caller re-raises the panic.
type errPanicked struct{ v any }

func (e errPanicked) Error() string {
	return fmt.Sprintf("store: grouped transaction panicked: %v", e.v)
}

// runMember runs r's fn, turning a panic into an error (and remembering it for its caller).
func runMember(r *groupReq, tx *Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			r.panicked, r.didPanic = p, true
			err = errPanicked{p}
		}
	}()
	return r.fn(tx)
}

// stmtContext is the context a statement of tx runs with: the caller's, or in a grouped
// transaction the batch's own (the caller's context carries values, but must not cancel the
// statements of a transaction that others share).
func (tx *Tx) stmtContext(ctx context.Context) context.Context {
	if tx.batch != nil {
		return tx.batch
	}
	return ctx
}
