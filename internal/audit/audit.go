// Package audit writes the append-only record of every state change — who, what, when, digests
// of the state before and after, and the request that caused it — in the same transaction as
// the change itself.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/requestid"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Change describes one state change. Before and After are the object's state (any value that
// encodes to JSON); only their SHA-256 digests are stored, so personal data never lands here.
// Detail is stored as JSON and must hold no personal data.
type Change struct {
	Action     string
	ObjectType string
	ObjectID   string
	Before     any
	After      any
	Detail     map[string]any
}

// Event is a stored audit record.
type Event struct {
	ID           int64     `db:"id" json:"id"`
	At           time.Time `db:"at" json:"at"`
	Actor        string    `db:"actor" json:"actor"`
	Action       string    `db:"action" json:"action"`
	ObjectType   string    `db:"object_type" json:"object_type"`
	ObjectID     string    `db:"object_id" json:"object_id"`
	BeforeDigest string    `db:"before_digest" json:"before_digest,omitempty"`
	AfterDigest  string    `db:"after_digest" json:"after_digest,omitempty"`
	RequestID    string    `db:"request_id" json:"request_id,omitempty"`
	Detail       string    `db:"detail" json:"detail,omitempty"`
}

// Record appends c to the audit log inside tx, naming the principal and request id from ctx. The
// record is written when the transaction's work ends (store.Tx.InsertLater), with the others of
// the transaction in a few statements.
func Record(ctx context.Context, tx *store.Tx, c Change) (err error) {
	defer errs.Wrap(&err, "audit.Record(%s)", c.Action)
	if c.Action == "" || c.ObjectType == "" {
		return errs.E(errs.Internal, "audit change without action or object type")
	}
	before, err := Digest(c.Before)
	if err != nil {
		return err
	}
	after, err := Digest(c.After)
	if err != nil {
		return err
	}
	detail := ""
	if len(c.Detail) > 0 {
		b, err := json.Marshal(c.Detail)
		if err != nil {
			return err
		}
		detail = string(b)
	}
	tx.InsertLater("audit_events", "at, actor, action, object_type, object_id, before_digest, after_digest, request_id, detail",
		tx.Now, principal.From(ctx).Actor(), c.Action, c.ObjectType, c.ObjectID, before, after,
		requestid.From(ctx), detail)
	return nil
}

// Digest returns the hex SHA-256 of v's JSON encoding, or "" for nil.
func Digest(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", errs.Wrapf(errs.Internal, err, "cannot digest audit state")
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// Filter selects audit records; zero fields match everything.
type Filter struct {
	ObjectType string
	ObjectID   string
	Actor      string
	Limit      int
}

// List returns audit records matching f, newest first.
func List(ctx context.Context, db *store.DB, f Filter) ([]Event, error) {
	q := `SELECT id, at, actor, action, object_type, object_id, before_digest, after_digest, request_id, detail
		FROM audit_events WHERE 1 = 1`
	var args []any
	if f.ObjectType != "" {
		q += ` AND object_type = ?`
		args = append(args, f.ObjectType)
	}
	if f.ObjectID != "" {
		q += ` AND object_id = ?`
		args = append(args, f.ObjectID)
	}
	if f.Actor != "" {
		q += ` AND actor = ?`
		args = append(args, f.Actor)
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit)
	var out []Event
	if err := db.Select(ctx, &out, q, args...); err != nil {
		return nil, err
	}
	return out, nil
}
