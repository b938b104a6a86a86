// Package events carries domain events from the transaction that caused them to their consumers:
// a transactional outbox, an in-process dispatcher with at-least-once delivery, and a NATS
// JetStream publisher.
//
// A domain service calls Enqueue inside its store transaction; the event and one delivery row per
// registered consumer whose pattern matches the topic are written in that transaction, so an
// event exists if and only if the change that caused it committed. A Dispatcher delivers each
// event to each consumer's Handler and deletes the delivery row once the handler succeeded.
//
// Guarantees:
//
//   - At least once: a delivery row is deleted only after its handler returned nil, in a
//     transaction that commits after the handler ran, so a crash or a failed commit leads to
//     redelivery, never to loss. Handlers must be idempotent (Event.ID identifies an event).
//   - Nothing is skipped: there is no "last delivered id" cursor. PostgreSQL allocates identity
//     values at insert and transactions commit in any order; a delivery row becomes visible when
//     its transaction commits, whatever its id.
//   - Order: a consumer sees its events in id order among those visible when a batch is read.
//     Ids are allocated in transaction order on SQLite (one writer) and, on PostgreSQL, in the
//     order in which the inserts ran; so events of one transaction, and of a transaction that
//     committed before another began, arrive in that order. An event whose transaction commits
//     after a later-id event was delivered arrives after it (late, never skipped). A failed event
//     is retried later while the consumer's later events proceed, unless the consumer subscribed
//     with Ordered, in which case the consumer waits for it (until it succeeds or is dead).
//   - One deliverer per consumer: on PostgreSQL a dispatcher holds its consumer's
//     event_consumers row (FOR NO KEY UPDATE SKIP LOCKED) while it delivers a batch, so several
//     nodes never deliver to the same consumer at the same time. On SQLite one process is assumed;
//     dispatchers within that process exclude each other, separate processes do not.
//   - Registration: a consumer receives the events enqueued after its registration committed
//     (Dispatcher.Register, also done by Run), not earlier ones.
//   - Failures: a failed event is retried after an exponential backoff (Options.MinBackoff
//     doubling up to MaxBackoff) and is dead after Options.MaxAttempts, or at once on a Permanent
//     error; dead letters wait for Dispatcher.Retry. Each consumer runs on its own goroutine, so a
//     failing or slow consumer never delays another; one that fails several events in a row is
//     paused for a backoff rather than trying every event against a dependency that is down.
//
// Wiring, in cmd/yiwang:
//
//	d := events.NewDispatcher(db, events.Options{Logger: logger})
//	d.Subscribe("plan.dashboard", "plan.>", dashboard.OnPlanEvent)
//	if url := os.Getenv("YIWANG_NATS_URL"); url != "" {
//		p, err := events.NewNATSPublisher(ctx, url, events.WithNATSLogger(logger))
//		// handle err; p.Close() after Run returned
//		p.Attach(d)
//	}
//	if err := d.Register(ctx); err != nil { … } // before serving requests
//	go d.Run(ctx)
//
// and call d.Notify() after a transaction that enqueued events committed.
package events

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/requestid"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// MaxPayload bounds the JSON encoding of an event's payload. Events carry identifiers and the
// facts a consumer needs to decide, not documents; it also stays under NATS's default 1 MB limit.
const MaxPayload = 256 << 10

// maxTopic bounds the length of a topic or pattern.
const maxTopic = 200

// Event is one domain event as a consumer receives it.
type Event struct {
	// ID is unique and never reused; consumers use it to recognise a redelivery.
	ID    int64  `json:"id"`
	Topic string `json:"topic"`
	// Payload is the JSON encoding of the value given to Enqueue.
	Payload   json.RawMessage `json:"payload"`
	RequestID string          `json:"request_id,omitempty"`
	// CreatedAt is the fixed time of the transaction that enqueued the event.
	CreatedAt time.Time `json:"created_at"`
	// Attempt counts deliveries of this event to this consumer, from 1.
	Attempt int `json:"-"`
}

// Decode unmarshals the payload into v.
func (e Event) Decode(v any) error {
	if err := json.Unmarshal(e.Payload, v); err != nil {
		return errs.Wrapf(errs.Internal, err, "cannot decode event %d (%s)", e.ID, e.Topic)
	}
	return nil
}

// Enqueue writes an event with topic and the JSON encoding of payload in tx, naming the request
// id from ctx, and a delivery for every registered consumer whose pattern matches topic. It
// returns errs.Invalid if the topic is malformed or the payload does not encode or is too large.
// The event is written when the transaction's work ends (store.Tx.Later), with the other events
// of the transaction in a few statements; the work does not see it. Wake the dispatcher with
// Dispatcher.Notify after the transaction committed for low latency; otherwise it finds the
// event within its poll interval.
func Enqueue(ctx context.Context, tx *store.Tx, topic string, payload any) (err error) {
	defer errs.Wrap(&err, "events.Enqueue(%s)", topic)
	if err := ValidTopic(topic); err != nil {
		return err
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return errs.Wrapf(errs.Invalid, err, "event payload does not encode as JSON")
	}
	if len(body) > MaxPayload {
		return errs.E(errs.Invalid, "event payload is %d bytes, more than the %d allowed: carry identifiers, not documents", len(body), MaxPayload)
	}
	o := tx.Later(outboxKey{}, func() store.Flusher { return &outbox{} }).(*outbox)
	o.values = append(o.values, topic, string(body), requestid.From(ctx), tx.Now)
	return nil
}

// outbox holds the events a transaction enqueued until its work ends.
type outbox struct {
	values []any // topic, payload, request_id, created_at of each event
}

type outboxKey struct{}

// Flush writes the events and their deliveries. Reading the consumers in the same transaction
// makes the set of deliveries consistent with the registrations that committed before it.
func (o *outbox) Flush(ctx context.Context, tx *store.Tx) error {
	if len(o.values) == 0 {
		return nil
	}
	values := o.values
	o.values = nil
	var consumers []struct {
		Name    string `db:"name"`
		Pattern string `db:"pattern"`
	}
	if err := tx.Select(ctx, &consumers, `SELECT name, pattern FROM event_consumers ORDER BY name`); err != nil {
		return err
	}
	return tx.InsertReturning(ctx, "events", "topic, payload, request_id, created_at", values, "id, topic",
		func(rows *sqlx.Rows) error {
			var id int64
			var topic string
			if err := rows.Scan(&id, &topic); err != nil {
				return err
			}
			for _, c := range consumers {
				if Match(c.Pattern, topic) {
					tx.InsertLater("event_deliveries", "consumer, event_id", c.Name, id)
				}
			}
			return nil
		})
}

// ValidTopic reports whether topic is a dotted event name such as "plan.progress.reported": at
// least two tokens of lower-case ASCII letters, digits, '_' and '-', separated by single dots.
// It returns errs.Invalid otherwise.
func ValidTopic(topic string) error {
	if len(topic) > maxTopic {
		return errs.E(errs.Invalid, "event topic is longer than %d bytes", maxTopic)
	}
	tokens := strings.Split(topic, ".")
	if len(tokens) < 2 {
		return errs.E(errs.Invalid, "event topic %q must be dotted, like plan.progress.reported", topic)
	}
	for _, t := range tokens {
		if !validToken(t) {
			return errs.E(errs.Invalid, "event topic %q: each dot-separated part must be lower-case letters, digits, '_' or '-'", topic)
		}
	}
	return nil
}

// ValidPattern reports whether pattern selects topics the way NATS subjects do: dotted tokens,
// where "*" stands for exactly one token and a final ">" for one or more. ">" alone selects every
// topic. It returns errs.Invalid otherwise.
func ValidPattern(pattern string) error {
	if len(pattern) > maxTopic {
		return errs.E(errs.Invalid, "event pattern is longer than %d bytes", maxTopic)
	}
	tokens := strings.Split(pattern, ".")
	for i, t := range tokens {
		switch {
		case t == "*":
		case t == ">":
			if i != len(tokens)-1 {
				return errs.E(errs.Invalid, "event pattern %q: '>' may only be the last part", pattern)
			}
		case !validToken(t):
			return errs.E(errs.Invalid, "event pattern %q: each part must be a topic part, '*' or a final '>'", pattern)
		}
	}
	return nil
}

// Match reports whether topic is selected by pattern (see ValidPattern). An invalid pattern
// matches nothing.
func Match(pattern, topic string) bool {
	if ValidPattern(pattern) != nil {
		return false
	}
	for {
		p, prest, pmore := strings.Cut(pattern, ".")
		t, trest, tmore := strings.Cut(topic, ".")
		switch {
		case p == ">":
			return true // topic has at least the one token t left
		case p != "*" && p != t:
			return false
		case !pmore || !tmore:
			return pmore == tmore
		}
		pattern, topic = prest, trest
	}
}

func validToken(t string) bool {
	if t == "" {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// validConsumer reports whether name can name a consumer: what a topic token may hold, plus dots.
func validConsumer(name string) error {
	if name == "" || len(name) > 100 {
		return fmt.Errorf("events: consumer name %q must have 1 to 100 bytes", name)
	}
	for _, t := range strings.Split(name, ".") {
		if !validToken(t) {
			return fmt.Errorf("events: consumer name %q: use lower-case letters, digits, '_', '-' and '.'", name)
		}
	}
	return nil
}
