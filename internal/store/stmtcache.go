package store

import (
	"context"
	"sync"

	"github.com/jmoiron/sqlx"
)

// Prepared statements on SQLite's writer connection. modernc's SQLite compiles every statement
// it is handed, and for a small write compiling costs about as much as running it; the writer is
// one long-lived connection, so a statement that recurs is prepared on it once and reused by
// every later transaction. A statement seen for the first time runs unprepared and is prepared
// after its transaction (preparing needs the connection, which the transaction holds).
// PostgreSQL needs none of this: pgx keeps prepared statements per connection itself.

// Bounds of the cache: statements built with a variable number of rows recur less, and very long
// ones are rare.
const (
	maxCachedStmts = 512
	maxCachedQuery = 8 << 10
)

// stmtCache holds the writer's prepared statements by query text.
type stmtCache struct {
	mu      sync.Mutex
	stmts   map[string]*sqlx.Stmt
	pending map[string]struct{}
	closed  bool
}

// prepared returns tx's handle on the prepared statement for query, or nil when there is none
// yet (query is then noted, to be prepared once the transaction is over).
func (tx *Tx) prepared(query string) *sqlx.Stmt {
	if tx.db.dialect != SQLite || len(query) > maxCachedQuery {
		return nil
	}
	c := &tx.db.stmts
	c.mu.Lock()
	st, ok := c.stmts[query]
	if !ok && !c.closed && len(c.stmts)+len(c.pending) < maxCachedStmts {
		if c.pending == nil {
			c.pending = map[string]struct{}{}
		}
		c.pending[query] = struct{}{}
	}
	c.mu.Unlock()
	if !ok {
		return nil
	}
	return tx.tx.Stmtx(st)
}

// preparePending prepares the statements noted since the last call; a statement that does not
// prepare is simply left to run unprepared.
func (db *DB) preparePending() {
	if db.dialect != SQLite {
		return
	}
	c := &db.stmts
	c.mu.Lock()
	if len(c.pending) == 0 || c.closed {
		c.mu.Unlock()
		return
	}
	queries := make([]string, 0, len(c.pending))
	for q := range c.pending {
		queries = append(queries, q)
	}
	c.pending = nil
	c.mu.Unlock()
	for _, q := range queries {
		st, err := db.writer.PreparexContext(context.Background(), q)
		if err != nil {
			continue
		}
		c.mu.Lock()
		if _, dup := c.stmts[q]; dup || c.closed {
			c.mu.Unlock()
			st.Close()
			continue
		}
		if c.stmts == nil {
			c.stmts = map[string]*sqlx.Stmt{}
		}
		c.stmts[q] = st
		c.mu.Unlock()
	}
}

// closeStmts closes the prepared statements before the connections go.
func (db *DB) closeStmts() {
	c := &db.stmts
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for q, st := range c.stmts {
		st.Close()
		delete(c.stmts, q)
	}
}
