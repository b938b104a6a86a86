package store

import (
	"database/sql"
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// classify turns driver errors into the error vocabulary by their codes, never their text.
func classify(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return errs.Wrapf(errs.NotFound, err, "error.not_found")
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case "23505", "23503", "23P01":
			return errs.Wrapf(errs.Conflict, err, "error.conflict")
		case "23502", "23514", "22001", "22P02":
			return errs.Wrapf(errs.Invalid, err, "error.invalid")
		case "40001", "40P01", "55P03":
			return &retryErr{err}
		}
		return err
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return errs.Wrapf(errs.Conflict, err, "error.conflict")
		case sqlite3.SQLITE_CONSTRAINT_NOTNULL, sqlite3.SQLITE_CONSTRAINT_CHECK:
			return errs.Wrapf(errs.Invalid, err, "error.invalid")
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_BUSY_SNAPSHOT:
			return &retryErr{err}
		}
		if se.Code()&0xff == sqlite3.SQLITE_BUSY {
			return &retryErr{err}
		}
	}
	return err
}

// retryErr marks an error after which the whole transaction may be run again.
type retryErr struct{ err error }

func (e *retryErr) Error() string { return "retryable: " + e.err.Error() }
func (e *retryErr) Unwrap() error { return e.err }

func retryable(err error) bool {
	var r *retryErr
	return errors.As(err, &r)
}
