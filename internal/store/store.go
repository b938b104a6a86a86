// Package store opens Yiwang's database — embedded SQLite by default, PostgreSQL in production —
// applies its embedded migrations, and runs work in transactions with a fixed time and retries.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/jmoiron/sqlx"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
)

// Dialect names a database engine.
type Dialect string

// The supported engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Config says which database to open.
type Config struct {
	// URL is a PostgreSQL URL (postgres://…). When empty, SQLite under DataDir is used.
	URL string
	// DataDir holds the SQLite file (yiwang.db); created if missing.
	DataDir string
	// Clock gives each transaction its fixed time; clock.Real if nil.
	Clock clock.Clock
}

// DB is an open database. For SQLite, writes go through one writer connection (several SQLite
// writers only stall each other) and reads through a pool.
type DB struct {
	dialect Dialect
	writer  *sqlx.DB
	reader  *sqlx.DB
	clock   clock.Clock
	where   string
	// onCommit hooks run after every committed transaction (the event dispatcher's wake-up).
	onCommit atomic.Pointer[[]func()]
	// group is TransactGrouped's queue of callers (group.go); stmts the SQLite writer's
	// prepared statements (stmtcache.go).
	group grouper
	stmts stmtCache
	// ranks orders tables by their foreign keys for write-behind rows (later.go).
	ranks atomic.Pointer[map[string]int]
}

// OnCommit registers fn to run after every committed transaction; fn must be quick and must not
// block (it runs on the committing goroutine).
func (db *DB) OnCommit(fn func()) {
	for {
		old := db.onCommit.Load()
		var next []func()
		if old != nil {
			next = append(next, *old...)
		}
		next = append(next, fn)
		if db.onCommit.CompareAndSwap(old, &next) {
			return
		}
	}
}

// Open opens the database described by cfg. It does not migrate; call Migrate.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	c := cfg.Clock
	if c == nil {
		c = clock.Real{}
	}
	if cfg.URL != "" {
		if !strings.HasPrefix(cfg.URL, "postgres://") && !strings.HasPrefix(cfg.URL, "postgresql://") {
			return nil, errs.E(errs.Invalid, "database URL must start with postgres:// (got %q)", redactURL(cfg.URL))
		}
		sdb, err := sql.Open("pgx", cfg.URL)
		if err != nil {
			return nil, errs.Wrapf(errs.Unavailable, err, "cannot open PostgreSQL at %s", redactURL(cfg.URL))
		}
		sdb.SetMaxOpenConns(32)
		sdb.SetMaxIdleConns(32)
		sdb.SetConnMaxIdleTime(5 * time.Minute)
		x := sqlx.NewDb(sdb, "pgx")
		db := &DB{dialect: Postgres, writer: x, reader: x, clock: c, where: redactURL(cfg.URL)}
		if err := db.Ping(ctx); err != nil {
			sdb.Close()
			return nil, err
		}
		return db, nil
	}
	dir := cfg.DataDir
	if dir == "" {
		dir = "data"
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, errs.Wrapf(errs.Invalid, err, "cannot create data directory %s", dir)
	}
	path := filepath.Join(dir, "yiwang.db")
	pragmas := "_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=synchronous(FULL)"
	// In a file: URI, '?' starts the parameters and '#' a fragment: a data directory whose name
	// holds either (or '%') must be escaped, or SQLite opens a file somewhere else.
	uri := "file:" + uriPath.Replace(path)
	w, err := sql.Open("sqlite", uri+"?"+pragmas+"&_txlock=immediate")
	if err != nil {
		return nil, errs.Wrapf(errs.Unavailable, err, "cannot open SQLite at %s", path)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	r, err := sql.Open("sqlite", uri+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, errs.Wrapf(errs.Unavailable, err, "cannot open SQLite at %s", path)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	db := &DB{dialect: SQLite, writer: sqlx.NewDb(w, "sqlite3"), reader: sqlx.NewDb(r, "sqlite3"), clock: c, where: path}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// redactURL hides the password of a database URL so that it can be logged.
// uriPath escapes what a file: URI would otherwise read as syntax.
var uriPath = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

func redactURL(u string) string {
	at := strings.LastIndex(u, "@")
	scheme := strings.Index(u, "://")
	if at < 0 || scheme < 0 {
		return u
	}
	cred := u[scheme+3 : at]
	if i := strings.Index(cred, ":"); i >= 0 {
		return u[:scheme+3] + cred[:i] + ":***" + u[at:]
	}
	return u
}

// Dialect reports the engine.
func (db *DB) Dialect() Dialect { return db.dialect }

// Where names the database for logs: a file path or a URL without its password.
func (db *DB) Where() string { return db.where }

// Clock is the clock that fixes each transaction's time.
func (db *DB) Clock() clock.Clock { return db.clock }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.writer.PingContext(ctx); err != nil {
		return errs.Wrapf(errs.Unavailable, err, "database %s does not answer", db.where)
	}
	return nil
}

// Close closes all connections.
func (db *DB) Close() error {
	db.closeStmts()
	err := db.writer.Close()
	if db.reader != db.writer {
		err = errors.Join(err, db.reader.Close())
	}
	return err
}

// SQL exposes the writer connection pool for tools (migrations, benchmarks).
func (db *DB) SQL() *sql.DB { return db.writer.DB }

// Get reads one row into dest outside a transaction. Returns errs.NotFound if there is none.
func (db *DB) Get(ctx context.Context, dest any, query string, args ...any) error {
	return classify(db.reader.GetContext(ctx, dest, db.writer.Rebind(query), normalize(args)...))
}

// Select reads rows into dest (a pointer to a slice) outside a transaction.
func (db *DB) Select(ctx context.Context, dest any, query string, args ...any) error {
	return classify(db.reader.SelectContext(ctx, dest, db.writer.Rebind(query), normalize(args)...))
}

// normalize writes every time argument as tx.Now is written: UTC, whole microseconds, without a
// monotonic clock reading. SQLite keeps times as text and compares them as text, so one layout
// for all of them is what makes "valid_until > ?" mean what it says.
func normalize(args []any) []any {
	for i, a := range args {
		switch t := a.(type) {
		case time.Time:
			args[i] = t.UTC().Truncate(time.Microsecond)
		case *time.Time:
			if t != nil {
				args[i] = t.UTC().Truncate(time.Microsecond)
			}
		}
	}
	return args
}

// Tx is a transaction with the fixed time at which it happens.
type Tx struct {
	tx  *sqlx.Tx
	db  *DB
	Now time.Time
	// batch is the context of a grouped transaction's statements (see TransactGrouped);
	// members the number of its callers.
	batch   context.Context
	members int
	// later holds the rows and flushers written when the work ends (later.go).
	later *later
}

// Dialect reports the engine the transaction runs on.
func (tx *Tx) Dialect() Dialect { return tx.db.dialect }

// Exec runs a statement. Unique and foreign-key violations come back as errs.Conflict.
func (tx *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := tx.prepared(query); st != nil {
		res, err := st.ExecContext(tx.stmtContext(ctx), normalize(args)...)
		return res, classify(err)
	}
	res, err := tx.tx.ExecContext(tx.stmtContext(ctx), tx.tx.Rebind(query), normalize(args)...)
	return res, classify(err)
}

// Get reads one row into dest. Returns errs.NotFound if there is none.
func (tx *Tx) Get(ctx context.Context, dest any, query string, args ...any) error {
	if st := tx.prepared(query); st != nil {
		return classify(st.GetContext(tx.stmtContext(ctx), dest, normalize(args)...))
	}
	return classify(tx.tx.GetContext(tx.stmtContext(ctx), dest, tx.tx.Rebind(query), normalize(args)...))
}

// Select reads rows into dest (a pointer to a slice).
func (tx *Tx) Select(ctx context.Context, dest any, query string, args ...any) error {
	if st := tx.prepared(query); st != nil {
		return classify(st.SelectContext(tx.stmtContext(ctx), dest, normalize(args)...))
	}
	return classify(tx.tx.SelectContext(tx.stmtContext(ctx), dest, tx.tx.Rebind(query), normalize(args)...))
}

// InsertID runs an INSERT … RETURNING id and returns the new id.
func (tx *Tx) InsertID(ctx context.Context, query string, args ...any) (int64, error) {
	var id int64
	if st := tx.prepared(query); st != nil {
		return id, classify(st.QueryRowxContext(tx.stmtContext(ctx), normalize(args)...).Scan(&id))
	}
	err := tx.tx.QueryRowxContext(tx.stmtContext(ctx), tx.tx.Rebind(query), normalize(args)...).Scan(&id)
	return id, classify(err)
}

// maxAttempts bounds retries of a transaction that lost a serialisation race or found SQLite busy.
const maxAttempts = 8

// Transact runs fn in a transaction and commits it if fn returns nil. tx.Now is fixed for the whole
// transaction. A transaction that fails with a serialisation failure, deadlock or SQLITE_BUSY is
// retried with backoff, so fn must have no effects outside tx.
func (db *DB) Transact(ctx context.Context, fn func(tx *Tx) error) error {
	var err error
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if attempt > 0 {
			backoff := time.Duration(1<<attempt)*time.Millisecond + time.Duration(rand.IntN(5))*time.Millisecond
			select {
			case <-ctx.Done():
				return errs.Wrapf(errs.Unavailable, ctx.Err(), "error.unavailable")
			case <-time.After(backoff):
			}
		}
		err = db.transactOnce(ctx, fn)
		if err == nil || !retryable(err) {
			return err
		}
	}
	return errs.Wrapf(errs.Unavailable, err, "error.busy")
}

func (db *DB) transactOnce(ctx context.Context, fn func(tx *Tx) error) (err error) {
	opts := &sql.TxOptions{}
	if db.dialect == Postgres {
		opts.Isolation = sql.LevelSerializable
	}
	stx, err := db.writer.BeginTxx(ctx, opts)
	if err != nil {
		return classify(err)
	}
	tx := &Tx{tx: stx, db: db, Now: db.clock.Now().UTC().Truncate(time.Microsecond)}
	defer func() {
		if p := recover(); p != nil {
			_ = stx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		_ = stx.Rollback()
		return err
	}
	if err := tx.flushLater(ctx); err != nil {
		_ = stx.Rollback()
		return err
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

// ErrRollback may be returned by fn to roll a transaction back without an error reaching the
// caller of Transact being anything but itself; callers check for it with errors.Is.
var ErrRollback = errors.New("store: rolled back")

// Placeholders returns "?, ?, …" with n placeholders, rebound per dialect by the query methods.
func Placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// Rebind rewrites ? placeholders for the engine; exposed for code that builds queries itself.
func (db *DB) Rebind(q string) string { return db.writer.Rebind(q) }

// String describes the database.
func (db *DB) String() string { return fmt.Sprintf("%s %s", db.dialect, db.where) }
