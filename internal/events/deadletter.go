package events

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// DeadLetter is an event a consumer failed on too often, or with a Permanent error; it stays
// undelivered to that consumer until Retry.
type DeadLetter struct {
	Consumer      string    `json:"consumer"`
	Event         Event     `json:"event"`
	Attempts      int       `json:"attempts"`
	LastError     string    `json:"last_error"`
	LastAttemptAt time.Time `json:"last_attempt_at"`
}

// ConsumerStats is a consumer's backlog.
type ConsumerStats struct {
	Consumer string `db:"consumer" json:"consumer"`
	Pattern  string `db:"pattern" json:"pattern"`
	// Pending counts events not yet acknowledged, including those waiting for a retry.
	Pending int64 `db:"pending" json:"pending"`
	// Dead counts dead letters.
	Dead int64 `db:"dead" json:"dead"`
}

// Stats returns the backlog of every registered consumer, by name.
func (d *Dispatcher) Stats(ctx context.Context) ([]ConsumerStats, error) {
	var out []ConsumerStats
	err := d.db.Select(ctx, &out, `SELECT c.name AS consumer, c.pattern,
			COALESCE(SUM(CASE WHEN d.state = 'pending' THEN 1 ELSE 0 END), 0) AS pending,
			COALESCE(SUM(CASE WHEN d.state = 'dead' THEN 1 ELSE 0 END), 0) AS dead
		FROM event_consumers c LEFT JOIN event_deliveries d ON d.consumer = c.name
		GROUP BY c.name, c.pattern ORDER BY c.name`)
	if err != nil {
		return nil, errs.Wrapf(errs.Unavailable, err, "cannot read event consumers")
	}
	return out, nil
}

// DeadLetters lists up to limit dead letters (100 if limit <= 0, at most 1000) of consumer, or of
// every consumer if consumer is "", by consumer and event id.
func (d *Dispatcher) DeadLetters(ctx context.Context, consumer string, limit int) ([]DeadLetter, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	q := `SELECT d.consumer, d.event_id, d.attempts, d.last_error, d.last_attempt_at,
			e.topic, e.payload, e.request_id, e.created_at
		FROM event_deliveries d JOIN events e ON e.id = d.event_id
		WHERE d.state = 'dead'`
	var args []any
	if consumer != "" {
		q += ` AND d.consumer = ?`
		args = append(args, consumer)
	}
	q += ` ORDER BY d.consumer, d.event_id LIMIT ?`
	var rows []struct {
		Consumer      string       `db:"consumer"`
		LastError     string       `db:"last_error"`
		LastAttemptAt sql.NullTime `db:"last_attempt_at"`
		pending
	}
	if err := d.db.Select(ctx, &rows, q, append(args, limit)...); err != nil {
		return nil, errs.Wrapf(errs.Unavailable, err, "cannot read dead letters")
	}
	out := make([]DeadLetter, len(rows))
	for i, r := range rows {
		e := r.event()
		e.Attempt = 0
		out[i] = DeadLetter{Consumer: r.Consumer, Event: e, Attempts: r.Attempts, LastError: r.LastError,
			LastAttemptAt: r.LastAttemptAt.Time.UTC()}
	}
	return out, nil
}

// Retry makes the dead letter of eventID for consumer pending again with a fresh count of
// attempts, records who did it in the audit log, and wakes the dispatcher. Returns errs.NotFound
// if there is no such dead letter.
func (d *Dispatcher) Retry(ctx context.Context, consumer string, eventID int64) (err error) {
	defer errs.Wrap(&err, "events.Retry(%s, %d)", consumer, eventID)
	err = d.db.Transact(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE event_deliveries SET state = 'pending', attempts = 0, next_attempt_ms = 0
			WHERE consumer = ? AND event_id = ? AND state = 'dead'`, consumer, eventID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return errs.E(errs.NotFound, "no dead letter of event %d for consumer %s", eventID, consumer)
		}
		return audit.Record(ctx, tx, audit.Change{Action: "event.delivery.retried", ObjectType: "event_delivery",
			ObjectID: consumer + "/" + strconv.FormatInt(eventID, 10)})
	})
	if err == nil {
		d.Notify()
	}
	return err
}

// RetryAll makes every dead letter of consumer pending again, as Retry does, and returns how many
// there were.
func (d *Dispatcher) RetryAll(ctx context.Context, consumer string) (n int64, err error) {
	defer errs.Wrap(&err, "events.RetryAll(%s)", consumer)
	err = d.db.Transact(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE event_deliveries SET state = 'pending', attempts = 0, next_attempt_ms = 0
			WHERE consumer = ? AND state = 'dead'`, consumer)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "event.delivery.retried", ObjectType: "event_consumer",
			ObjectID: consumer, Detail: map[string]any{"dead_letters": n}})
	})
	if err == nil && n > 0 {
		d.Notify()
	}
	return n, err
}

// Forget removes a consumer that no longer exists in code, with its pending deliveries and dead
// letters, so that events stop accumulating for it. A dispatcher that still subscribes it
// registers it again when it next runs. Returns errs.NotFound if it is not registered.
func (d *Dispatcher) Forget(ctx context.Context, consumer string) (err error) {
	defer errs.Wrap(&err, "events.Forget(%s)", consumer)
	return d.db.Transact(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM event_deliveries WHERE consumer = ?`, consumer); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM event_consumers WHERE name = ?`, consumer)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return errs.E(errs.NotFound, "no event consumer %s", consumer)
		}
		return audit.Record(ctx, tx, audit.Change{Action: "event.consumer.forgotten", ObjectType: "event_consumer",
			ObjectID: consumer})
	})
}

// Prune deletes the events created before before that every consumer has acknowledged (dead
// letters keep theirs) and returns how many it deleted. Ids are never reused afterwards.
func (d *Dispatcher) Prune(ctx context.Context, before time.Time) (n int64, err error) {
	defer errs.Wrap(&err, "events.Prune")
	err = d.db.Transact(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM events WHERE created_at < ?
			AND NOT EXISTS (SELECT 1 FROM event_deliveries d WHERE d.event_id = events.id)`,
			before.UTC().Truncate(time.Microsecond))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
