package ledger

import (
	"context"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Rows per multi-row INSERT: well under SQLite's and PostgreSQL's placeholder limits.
const (
	entryRowsPerInsert = 1000
	hashRowsPerInsert  = 4000
)

// maxBatch bounds the entries one group commit writes.
const maxBatch = 4096

// AppendTx appends entries inside the caller's transaction and returns their indexes. The
// entries' rows, the tree's stored hashes and the new size are written in tx, so they commit or
// roll back with the caller's own change. Index and Time are assigned (Time is tx.Now). On
// PostgreSQL concurrent transactions serialise on the head row (SELECT … FOR UPDATE); SQLite
// has one writer. Returns errs.Invalid for an entry that is not acceptable, naming the field.
func (l *Log) AppendTx(ctx context.Context, tx *store.Tx, entries ...Entry) (_ []int64, err error) {
	defer errs.Wrap(&err, "ledger.AppendTx")
	norm, err := normaliseAll(entries)
	if err != nil {
		return nil, err
	}
	if tx.Dialect() == store.Postgres {
		defer l.externalAppend()()
	}
	return appendTx(ctx, tx, norm)
}

// On PostgreSQL every transaction is SERIALIZABLE, so a transaction whose snapshot is older than
// the latest append cannot lock the head row: it fails and store.Transact runs it again. Group
// commits follow each other closely under load, and would starve callers' transactions that
// append through AppendTx. So, within this process, AppendTx waits for a group commit in flight
// to end before it reads the head (its snapshot is then fresh enough), and no new group commit
// starts while an AppendTx is running; group commits run READ COMMITTED and simply wait for the
// head row that a caller's transaction still holds. Both waits are bounded, so that a caller
// appending twice in one transaction cannot deadlock against a waiting group commit. Other
// nodes are not coordinated: against them the retries of store.Transact remain.
const gateWait = 200 * time.Millisecond

// externalAppend announces an AppendTx and waits for a group commit in flight; the function it
// returns ends the announcement.
func (l *Log) externalAppend() func() {
	l.gateMu.Lock()
	l.external++
	if l.external == 1 {
		l.noExternal = make(chan struct{})
	}
	inTx := l.leaderTx
	l.gateMu.Unlock()
	if inTx != nil {
		t := time.NewTimer(gateWait)
		select {
		case <-inTx:
		case <-t.C:
		}
		t.Stop()
	}
	return func() {
		l.gateMu.Lock()
		l.external--
		if l.external == 0 {
			close(l.noExternal)
		}
		l.gateMu.Unlock()
	}
}

// enterGroupCommit waits (boundedly) while AppendTx calls are running and marks a group commit
// in flight; the function it returns marks its end.
func (l *Log) enterGroupCommit() func() {
	deadline := time.NewTimer(gateWait)
	defer deadline.Stop()
	for {
		l.gateMu.Lock()
		if l.external == 0 {
			break
		}
		ch := l.noExternal
		l.gateMu.Unlock()
		select {
		case <-ch:
			continue
		case <-deadline.C:
			l.gateMu.Lock()
		}
		break
	}
	done := make(chan struct{})
	l.leaderTx = done
	l.gateMu.Unlock()
	return func() {
		l.gateMu.Lock()
		l.leaderTx = nil
		close(done)
		l.gateMu.Unlock()
	}
}

func normaliseAll(entries []Entry) ([]Entry, error) {
	if len(entries) == 0 {
		return nil, errs.E(errs.Invalid, "ledger.error.no_entries")
	}
	out := make([]Entry, len(entries))
	for i, e := range entries {
		n, err := normalise(e)
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

// appendTx writes already normalised entries.
func appendTx(ctx context.Context, tx *store.Tx, entries []Entry) ([]int64, error) {
	q := `SELECT size FROM ledger_head WHERE id = 1`
	if tx.Dialect() == store.Postgres {
		q += ` FOR UPDATE`
	}
	var size int64
	if err := tx.Get(ctx, &size, q); err != nil {
		return nil, err
	}
	f, err := loadFrontier(ctx, tx, size)
	if err != nil {
		return nil, err
	}
	idx := make([]int64, len(entries))
	var hashIDs []int64
	var hashVals [][]byte
	for i := range entries {
		e := &entries[i]
		e.Index = size + int64(i)
		e.Time = tx.Now
		idx[i] = e.Index
		base := tlog.StoredHashIndex(0, e.Index)
		for k, h := range f.push(tlog.RecordHash(LeafData(*e))) {
			hashIDs = append(hashIDs, base+int64(k))
			hashVals = append(hashVals, h[:])
		}
	}
	if tx.Dialect() == store.Postgres {
		// Whole columns as arrays: one statement however large the batch.
		cols := entryColumns(entries)
		if _, err := tx.Exec(ctx, `INSERT INTO ledger_entries (idx, version, type, digest, org, subject, at)
			SELECT * FROM unnest(?::bigint[], ?::integer[], ?::text[], ?::text[], ?::text[], ?::text[], ?::timestamptz[])`,
			cols...); err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO ledger_hashes (id, hash) SELECT * FROM unnest(?::bigint[], ?::bytea[])`,
			hashIDs, hashVals); err != nil {
			return nil, err
		}
	} else {
		entryArgs := make([]any, 0, 7*len(entries))
		for _, e := range entries {
			entryArgs = append(entryArgs, e.Index, LeafVersion, string(e.Type), e.Digest, e.Org, e.Subject, e.Time)
		}
		hashArgs := make([]any, 0, 2*len(hashIDs))
		for i := range hashIDs {
			hashArgs = append(hashArgs, hashIDs[i], hashVals[i])
		}
		if err := insertRows(ctx, tx, `INSERT INTO ledger_entries (idx, version, type, digest, org, subject, at) VALUES `, 7, entryRowsPerInsert, entryArgs); err != nil {
			return nil, err
		}
		if err := insertRows(ctx, tx, `INSERT INTO ledger_hashes (id, hash) VALUES `, 2, hashRowsPerInsert, hashArgs); err != nil {
			return nil, err
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE ledger_head SET size = ? WHERE id = 1`, f.size); err != nil {
		return nil, err
	}
	return idx, nil
}

// entryColumns returns the entries' columns as arrays, for PostgreSQL's unnest.
func entryColumns(entries []Entry) []any {
	n := len(entries)
	idx, version, at := make([]int64, n), make([]int32, n), make([]time.Time, n)
	typ, digest, org, subject := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, e := range entries {
		idx[i], version[i], at[i] = e.Index, LeafVersion, e.Time.UTC().Truncate(time.Microsecond)
		typ[i], digest[i], org[i], subject[i] = string(e.Type), e.Digest, e.Org, e.Subject
	}
	return []any{idx, version, typ, digest, org, subject, at}
}

// insertRows runs prefix + "(?, …), (?, …)…" over args, cols values a row, at most perStmt
// rows a statement.
func insertRows(ctx context.Context, tx *store.Tx, prefix string, cols, perStmt int, args []any) error {
	row := "(" + store.Placeholders(cols) + ")"
	for start := 0; start < len(args); start += cols * perStmt {
		part := args[start:min(start+cols*perStmt, len(args))]
		n := len(part) / cols
		var b strings.Builder
		b.Grow(len(prefix) + n*(len(row)+2))
		b.WriteString(prefix)
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(row)
		}
		if _, err := tx.Exec(ctx, b.String(), part...); err != nil {
			return err
		}
	}
	return nil
}

// appendReq is one caller's entries waiting for a group commit.
type appendReq struct {
	entries []Entry
	idx     []int64
	err     error
	// wake receives once: either the result is ready, or (leader set) it is this request's
	// turn to commit a batch.
	wake   chan struct{}
	leader bool
}

// Append appends entries in a transaction of its own and returns their indexes once it has
// committed. Concurrent callers' entries share one transaction (group commit): the first caller
// commits a batch for everyone waiting, then hands over to the next waiter, so throughput grows
// with concurrency while each caller still returns only after its own entries are durable.
func (l *Log) Append(ctx context.Context, entries ...Entry) (_ []int64, err error) {
	defer errs.Wrap(&err, "ledger.Append")
	norm, err := normaliseAll(entries)
	if err != nil {
		return nil, err
	}
	r := &appendReq{entries: norm, wake: make(chan struct{}, 1)}
	l.mu.Lock()
	l.queue = append(l.queue, r)
	lead := !l.busy
	l.busy = true
	l.mu.Unlock()
	if !lead {
		<-r.wake
		if !r.leader {
			return r.idx, r.err
		}
	}
	l.commitBatch(ctx)
	return r.idx, r.err
}

// commitBatch is run by the leader, which is at the head of the queue: it commits the waiting
// requests (up to maxBatch entries) in one transaction, wakes them, and passes the lead on.
func (l *Log) commitBatch(ctx context.Context) {
	l.mu.Lock()
	n, k := 0, 0
	for k < len(l.queue) && (k == 0 || n+len(l.queue[k].entries) <= maxBatch) {
		n += len(l.queue[k].entries)
		k++
	}
	batch := append([]*appendReq(nil), l.queue[:k]...)
	l.queue = append(l.queue[:0:0], l.queue[k:]...)
	l.mu.Unlock()

	all := make([]Entry, 0, n)
	for _, r := range batch {
		all = append(all, r.entries...)
	}
	// The batch is other callers' too: the leader's cancellation must not fail them.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	var idx []int64
	pg := l.db.Dialect() == store.Postgres
	var leave func()
	if pg {
		leave = l.enterGroupCommit()
	}
	err := l.db.Transact(cctx, func(tx *store.Tx) error {
		if pg {
			// See gateWait: the head row lock alone serialises group commits.
			if _, err := tx.Exec(cctx, `SET TRANSACTION ISOLATION LEVEL READ COMMITTED`); err != nil {
				return err
			}
		}
		cp := make([]Entry, len(all))
		copy(cp, all)
		var err error
		idx, err = appendTx(cctx, tx, cp)
		return err
	})
	if leave != nil {
		leave()
	}
	cancel()
	off := 0
	for _, r := range batch {
		if err != nil {
			r.err = err
		} else {
			r.idx = idx[off : off+len(r.entries)]
		}
		off += len(r.entries)
	}
	for _, r := range batch[1:] {
		r.wake <- struct{}{}
	}
	l.mu.Lock()
	if len(l.queue) > 0 {
		next := l.queue[0]
		next.leader = true
		next.wake <- struct{}{}
	} else {
		l.busy = false
	}
	l.mu.Unlock()
}
