package store

import (
	"context"
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"sync"

	"github.com/jmoiron/sqlx"
)

// Write-behind: rows that a transaction's work writes but does not read back (audit records,
// outbox events, timeline entries, inbox messages, the rows of a new case) are queued with
// InsertLater or a Flusher and written when that work ends, all rows of a table in multi-row
// INSERTs. In a grouped transaction (TransactGrouped) the work of every member is queued
// together, so a hundred submissions cost a handful of statements instead of a thousand: on a
// server where each statement costs a round trip and its own planning, that is what makes
// sharing a commit pay off.
//
// When the queue is written:
//   - Transact: after fn returned nil, before the commit;
//   - TransactGrouped: after the last member, before the commit; and, once a member failed and
//     the batch runs with savepoints, after each member inside its savepoint, so that a row that
//     does not insert fails its own member only.
//
// Statements of the same work do not see queued rows; work that needs to read or update a row
// it wrote must write it with Exec. Tables are written parents first, in the order of the
// foreign keys between them (read from the schema), so a queued child never waits for its
// parent row.

// A Flusher is a write-behind queue of its own kind (one that needs more than plain rows: ids
// returned by an insert, a read shared by the whole batch). Flush writes what it holds in tx
// and forgets it; it may queue more, with InsertLater or another Flusher, which is written in
// turn. Flushing an empty Flusher does nothing.
type Flusher interface {
	Flush(ctx context.Context, tx *Tx) error
}

// maxFlushRounds bounds flushers queueing for each other.
const maxFlushRounds = 8

// maxRowsPerStatement bounds the rows of one INSERT; maxParams the placeholders of a statement
// (SQLite allows 32,766, PostgreSQL 65,535).
const (
	maxRowsPerStatement = 128
	maxParams           = 32000
)

// later is the write-behind queue of one transaction.
type later struct {
	tables   map[string]*laterTable // by table and columns
	order    []*laterTable          // in order of first use
	flushers map[any]Flusher
	forder   []any
	dirty    bool
}

// laterTable holds the queued rows of one table with one column list.
type laterTable struct {
	table, columns string
	width          int
	values         []any // width values a row
}

// InsertLater queues a row for table (columns: a comma-separated list; values: one per column),
// written with the other queued rows when the transaction's work ends (see above). A row that
// violates a constraint fails the work that queued it, as an Exec would, only later.
func (tx *Tx) InsertLater(table, columns string, values ...any) {
	l := tx.queue()
	key := table + "\x00" + columns
	t := l.tables[key]
	if t == nil {
		t = &laterTable{table: table, columns: columns, width: strings.Count(columns, ",") + 1}
		l.tables[key] = t
		l.order = append(l.order, t)
	}
	if len(values) != t.width {
		panic(fmt.Sprintf("store: InsertLater(%s) with %d values for %d columns", table, len(values), t.width))
	}
	t.values = append(t.values, values...)
	l.dirty = true
}

// Later returns tx's Flusher under key, made with fresh on its first use in tx. The caller adds
// to it; it is flushed when the transaction's work ends. A Flusher may also just remember
// something for the rest of the transaction (its Flush then does nothing): it is forgotten with
// the work of a member that failed.
func (tx *Tx) Later(key any, fresh func() Flusher) Flusher {
	l := tx.queue()
	f, ok := l.flushers[key]
	if !ok {
		f = fresh()
		l.flushers[key] = f
		l.forder = append(l.forder, key)
	}
	l.dirty = true
	return f
}

// Members reports how many callers' work the transaction carries: those of a TransactGrouped
// batch, 1 in Transact. Work that reserves something for the whole batch (a block of numbers)
// sizes it by this.
func (tx *Tx) Members() int {
	if tx.members < 1 {
		return 1
	}
	return tx.members
}

func (tx *Tx) queue() *later {
	if tx.later == nil {
		tx.later = &later{tables: map[string]*laterTable{}, flushers: map[any]Flusher{}}
	}
	return tx.later
}

// forgetLater drops what the transaction queued and remembered: the work that queued it was
// rolled back.
func (tx *Tx) forgetLater() { tx.later = nil }

// flushLater writes everything queued in tx.
func (tx *Tx) flushLater(ctx context.Context) error {
	l := tx.later
	if l == nil {
		return nil
	}
	for round := 0; l.dirty; round++ {
		if round == maxFlushRounds {
			return fmt.Errorf("store: write-behind flushers still queueing after %d rounds", maxFlushRounds)
		}
		l.dirty = false
		if err := tx.flushTables(ctx, l); err != nil {
			return err
		}
		for _, key := range l.forder {
			if err := l.flushers[key].Flush(ctx, tx); err != nil {
				return err
			}
		}
		// Flushers may have queued rows without marking (InsertLater marks): loop on dirty.
	}
	return nil
}

// flushTables writes the queued rows, parent tables first.
func (tx *Tx) flushTables(ctx context.Context, l *later) error {
	pending := make([]*laterTable, 0, len(l.order))
	for _, t := range l.order {
		if len(t.values) > 0 {
			pending = append(pending, t)
		}
	}
	if len(pending) > 1 {
		ranks := tx.db.tableRanks(ctx)
		slices.SortStableFunc(pending, func(a, b *laterTable) int { return ranks[a.table] - ranks[b.table] })
	}
	for _, t := range pending {
		values := t.values
		t.values = nil
		if err := tx.insertRows(ctx, t, values); err != nil {
			return err
		}
	}
	return nil
}

// insertRows writes values (t.width a row) in multi-row INSERTs of a power-of-two number of rows
// each, so that the statements recur and stay prepared (a few sizes per table, not one for every
// count of rows).
func (tx *Tx) insertRows(ctx context.Context, t *laterTable, values []any) error {
	return tx.chunks(t, values, func(n int, vs []any) error {
		_, err := tx.Exec(ctx, insertStatement(t, n), vs...)
		return err
	})
}

// chunks calls fn with successive runs of values of a power-of-two number of rows n.
func (tx *Tx) chunks(t *laterTable, values []any, fn func(n int, values []any) error) error {
	rows := len(values) / t.width
	most := min(maxRowsPerStatement, maxParams/t.width)
	most = 1 << (bits.Len(uint(most)) - 1)
	for rows > 0 {
		n := min(most, 1<<(bits.Len(uint(rows))-1))
		if err := fn(n, values[:n*t.width]); err != nil {
			return err
		}
		values = values[n*t.width:]
		rows -= n
	}
	return nil
}

// insertStatements caches the text of the multi-row INSERTs.
var insertStatements sync.Map // table, columns, rows → query

func insertStatement(t *laterTable, rows int) string {
	key := fmt.Sprintf("%s\x00%s\x00%d", t.table, t.columns, rows)
	if q, ok := insertStatements.Load(key); ok {
		return q.(string)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES ", t.table, t.columns)
	row := "(" + Placeholders(t.width) + ")"
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	q := b.String()
	insertStatements.Store(key, q)
	return q
}

// tableRanks returns each table's depth in the foreign-key graph of the schema: 0 for a table
// that references no other, else one more than the deepest table it references. Read once per
// DB, and again after Migrate.
func (db *DB) tableRanks(ctx context.Context) map[string]int {
	if r := db.ranks.Load(); r != nil {
		return *r
	}
	var edges []struct {
		Child  string `db:"child"`
		Parent string `db:"parent"`
	}
	q := `SELECT m.name AS child, f."table" AS parent
		FROM sqlite_schema m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table'`
	if db.dialect == Postgres {
		q = `SELECT ch.relname AS child, pa.relname AS parent
			FROM pg_constraint c
			JOIN pg_class ch ON ch.oid = c.conrelid
			JOIN pg_class pa ON pa.oid = c.confrelid
			WHERE c.contype = 'f' AND ch.relnamespace = to_regnamespace(current_schema())`
	}
	ranks := map[string]int{}
	if err := db.reader.SelectContext(ctx, &edges, q); err != nil {
		// Without the graph, tables are written in order of first use, which is the order each
		// piece of work wrote them in: right for one member, and at worst a constraint failure
		// that runs the batch again member by member. The graph is read again next time.
		return ranks
	}
	parents := map[string][]string{}
	for _, e := range edges {
		if e.Child != e.Parent {
			parents[e.Child] = append(parents[e.Child], e.Parent)
		}
	}
	var depth func(t string, seen map[string]bool) int
	depth = func(t string, seen map[string]bool) int {
		if r, ok := ranks[t]; ok {
			return r
		}
		if seen[t] { // a cycle: break it here
			return 0
		}
		seen[t] = true
		r := 0
		for _, p := range parents[t] {
			r = max(r, depth(p, seen)+1)
		}
		delete(seen, t)
		ranks[t] = r
		return r
	}
	for t := range parents {
		depth(t, map[string]bool{})
	}
	db.ranks.Store(&ranks)
	return ranks
}

// InsertReturning inserts rows into table now (values: as many per row as columns names), in
// the multi-row statements of InsertLater, and calls scan with each row the RETURNING clause
// gives back (returning: its column list). Rows come back in no particular order. It is for
// Flushers that need the ids of what they insert.
func (tx *Tx) InsertReturning(ctx context.Context, table, columns string, values []any, returning string, scan func(*sqlx.Rows) error) error {
	t := &laterTable{table: table, columns: columns, width: strings.Count(columns, ",") + 1}
	if len(values)%t.width != 0 {
		return fmt.Errorf("store: InsertReturning(%s) with %d values for %d columns", table, len(values), t.width)
	}
	return tx.chunks(t, values, func(n int, vs []any) error {
		q := insertStatement(t, n) + " RETURNING " + returning
		var rows *sqlx.Rows
		var err error
		if st := tx.prepared(q); st != nil {
			rows, err = st.QueryxContext(tx.stmtContext(ctx), normalize(vs)...)
		} else {
			rows, err = tx.tx.QueryxContext(tx.stmtContext(ctx), tx.tx.Rebind(q), normalize(vs)...)
		}
		if err != nil {
			return classify(err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return classify(rows.Err())
	})
}
