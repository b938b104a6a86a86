package events

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/requestid"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Handler consumes one event. Returning nil acknowledges it; an error schedules a retry, or
// dead-letters the event at once if the error is Permanent. It may be called more than once for
// the same event (see Event.ID), and must return when ctx is done.
type Handler func(ctx context.Context, e Event) error

// Metrics receives delivery outcomes, for example to feed Prometheus counters. Methods are called
// from the dispatcher's goroutines and must not block.
type Metrics interface {
	// Delivered is called after a handler acknowledged an event; took is the handler's run time.
	Delivered(consumer, topic string, attempt int, took time.Duration)
	// Failed is called after a handler failed; dead says the event will not be retried by itself.
	Failed(consumer, topic string, attempt int, dead bool)
}

// Options tune a Dispatcher; zero fields take the defaults named.
type Options struct {
	// Logger receives delivery failures and dispatcher trouble; slog.Default() if nil.
	Logger *slog.Logger
	// Clock schedules retries; clock.Real if nil. It is not the database's clock, which tests
	// freeze to fix transaction times.
	Clock clock.Clock
	// PollInterval bounds how long an event waits when nobody called Notify, for example when
	// another node enqueued it (default 1 s).
	PollInterval time.Duration
	// BatchSize is how many events of one consumer are read and acknowledged together (default 100).
	BatchSize int
	// MaxAttempts is how many times a failing event is tried before it is dead (default 10); a
	// subscription may override it with the MaxAttempts option.
	MaxAttempts int
	// MinBackoff and MaxBackoff bound the exponential delay before a retry (defaults 1 s and 5 min).
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// Linger is how long a consumer that just delivered a partial batch waits for more events
	// before it reads again (default 10 ms; negative for none). Under a steady stream of small
	// transactions it makes batches larger, and so acknowledgements fewer, for a little latency.
	Linger time.Duration
	// HandlerTimeout bounds one handler call (default 30 s).
	HandlerTimeout time.Duration
	// Metrics, if set, is told about every delivery outcome.
	Metrics Metrics
}

// SubscribeOption changes how a consumer is served.
type SubscribeOption func(*subscription)

// Ordered makes a failing event hold back the consumer's later events until it succeeds or is
// dead, so that the consumer sees its events in id order. Without it, later events proceed while a
// failed one waits for its retry.
func Ordered() SubscribeOption { return func(s *subscription) { s.ordered = true } }

// MaxAttempts overrides Options.MaxAttempts for one consumer; n <= 0 retries without end (only a
// Permanent error then dead-letters an event).
func MaxAttempts(n int) SubscribeOption {
	return func(s *subscription) { s.maxAttempts = max(n, 0) }
}

// Permanent marks a handler error as one that retrying cannot cure (a malformed payload, a
// message too large for the broker): the event is dead-lettered at once.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return "permanent: " + e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

type subscription struct {
	consumer    string
	pattern     string
	handler     Handler
	ordered     bool
	maxAttempts int
	wake        chan struct{}
}

// Dispatcher delivers enqueued events to the handlers subscribed to them. Create it with
// NewDispatcher, Subscribe every consumer, call Register before serving requests, then Run.
type Dispatcher struct {
	db    *store.DB
	x     *sqlx.DB // PostgreSQL only: the pool on which batches hold their consumer's lock
	o     Options
	log   *slog.Logger
	clock clock.Clock

	mu      sync.Mutex
	subs    []*subscription
	running bool
}

// NewDispatcher returns a dispatcher delivering the events stored in db.
func NewDispatcher(db *store.DB, o Options) *Dispatcher {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 100
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 10
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = time.Second
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = max(5*time.Minute, o.MinBackoff)
	}
	if o.Linger == 0 {
		o.Linger = 10 * time.Millisecond
	}
	if o.HandlerTimeout <= 0 {
		o.HandlerTimeout = 30 * time.Second
	}
	d := &Dispatcher{db: db, o: o, log: o.Logger.With("component", "events"), clock: o.Clock}
	if db.Dialect() == store.Postgres {
		d.x = sqlx.NewDb(db.SQL(), "pgx")
	}
	return d
}

// Subscribe has h consume the events whose topic matches topicPattern (see ValidPattern) under
// the durable name consumer. Progress is kept per consumer name, so renaming a consumer starts it
// afresh. Subscribe panics on an invalid name or pattern, a name subscribed twice, or a call while
// Run is running: these are programming errors.
func (d *Dispatcher) Subscribe(consumer, topicPattern string, h Handler, opts ...SubscribeOption) {
	if err := validConsumer(consumer); err != nil {
		panic(err)
	}
	if err := ValidPattern(topicPattern); err != nil {
		panic(fmt.Sprintf("events: consumer %s: %v", consumer, err))
	}
	if h == nil {
		panic("events: nil handler for consumer " + consumer)
	}
	s := &subscription{consumer: consumer, pattern: topicPattern, handler: h,
		maxAttempts: d.o.MaxAttempts, wake: make(chan struct{}, 1)}
	for _, o := range opts {
		o(s)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.running {
		panic("events: Subscribe(" + consumer + ") while the dispatcher runs")
	}
	if slices.ContainsFunc(d.subs, func(o *subscription) bool { return o.consumer == consumer }) {
		panic("events: consumer " + consumer + " subscribed twice")
	}
	d.subs = append(d.subs, s)
}

func (d *Dispatcher) subscriptions() []*subscription {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.subs
}

// Register records every subscribed consumer and its pattern in the database, so that Enqueue on
// any node creates deliveries for it from now on. Run calls it too; call it before serving
// requests so that no event is enqueued before its consumers are known.
func (d *Dispatcher) Register(ctx context.Context) (err error) {
	defer errs.Wrap(&err, "events.Register")
	subs := d.subscriptions()
	return d.db.Transact(ctx, func(tx *store.Tx) error {
		for _, s := range subs {
			if _, err := tx.Exec(ctx, `INSERT INTO event_consumers (name, pattern, created_at, updated_at)
				VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`, s.consumer, s.pattern, tx.Now, tx.Now); err != nil {
				return err
			}
			// Only a changed pattern is written, so an unchanged registration never waits for the
			// row lock a delivering node holds.
			if _, err := tx.Exec(ctx, `UPDATE event_consumers SET pattern = ?, updated_at = ?
				WHERE name = ? AND pattern <> ?`, s.pattern, tx.Now, s.consumer, s.pattern); err != nil {
				return err
			}
		}
		return nil
	})
}

// Notify wakes every consumer to look for new events now. Call it after a transaction that
// enqueued events committed; it never blocks and costs nothing when nobody is waiting.
func (d *Dispatcher) Notify() {
	for _, s := range d.subscriptions() {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// Run registers the consumers and delivers events to them until ctx is done, one goroutine per
// consumer so that a slow or failing consumer never delays another. It returns nil when ctx is
// done, after the batches in progress were recorded; errs.Conflict if it is already running; or
// the error of registration. Database trouble while running is logged and retried.
func (d *Dispatcher) Run(ctx context.Context) error {
	d.mu.Lock()
	if d.running {
		d.mu.Unlock()
		return errs.E(errs.Conflict, "the event dispatcher is already running")
	}
	d.running = true
	subs := d.subs
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		d.running = false
		d.mu.Unlock()
	}()
	if err := d.Register(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	var wg sync.WaitGroup
	for _, s := range subs {
		wg.Go(func() { d.serve(ctx, s) })
	}
	wg.Wait()
	return nil
}

// lockedRetry is how soon a consumer looks again when another node holds it.
const lockedRetry = 100 * time.Millisecond

// serve delivers s's events until ctx is done.
func (d *Dispatcher) serve(ctx context.Context, s *subscription) {
	troubles, failingStreak := 0, 0
	for {
		r, err := d.deliverBatch(ctx, s)
		if ctx.Err() != nil {
			return
		}
		wait := d.o.PollInterval
		if err == nil {
			troubles = 0
			if !r.failing {
				failingStreak = 0
			}
		}
		switch {
		case err != nil:
			troubles++
			wait = min(d.o.PollInterval<<min(troubles, 5), 30*time.Second)
			d.log.Warn("event delivery batch failed", "consumer", s.consumer, "err", err, "retry_in", wait)
		case r.locked:
			wait = min(d.o.PollInterval, lockedRetry)
		case r.failing:
			// The handler keeps failing, its dependency is probably down: pause the consumer,
			// whatever Notify says, instead of trying (and perhaps timing out on) every event.
			failingStreak++
			if !sleep(ctx, d.backoff(failingStreak)) {
				return
			}
			continue
		case r.more:
			continue
		case r.handled > 0:
			// A trickle is arriving: let it gather for a moment, so that it is acknowledged in
			// fewer transactions. Wake-ups meanwhile stay pending and are seen afterwards.
			if d.o.Linger > 0 && !sleep(ctx, d.o.Linger) {
				return
			}
			continue
		default:
			if !r.nextDue.IsZero() {
				wait = min(wait, max(r.nextDue.Sub(d.clock.Now()), time.Millisecond))
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-s.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// sleep waits for d or until ctx is done, and reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// batchResult says what one batch did and when the consumer should look again.
type batchResult struct {
	handled int       // handler calls whose outcome was recorded
	more    bool      // the batch was full: more events may be due now
	failing bool      // the batch was cut short after failingRun failures in a row
	locked  bool      // another dispatcher holds the consumer
	nextDue time.Time // earliest retry still waiting, if known
}

// pending is a delivery due (or, for an ordered consumer, next in line), with its event.
type pending struct {
	EventID       int64     `db:"event_id"`
	Attempts      int       `db:"attempts"`
	NextAttemptMS int64     `db:"next_attempt_ms"`
	Topic         string    `db:"topic"`
	Payload       string    `db:"payload"`
	RequestID     string    `db:"request_id"`
	CreatedAt     time.Time `db:"created_at"`
}

func (p pending) event() Event {
	return Event{ID: p.EventID, Topic: p.Topic, Payload: []byte(p.Payload), RequestID: p.RequestID,
		CreatedAt: p.CreatedAt.UTC(), Attempt: p.Attempts + 1}
}

// pendingQuery selects a consumer's next deliveries in id order. An unordered consumer skips
// those waiting for a retry; an ordered one reads them too and stops at the first not yet due.
func (d *Dispatcher) pendingQuery(s *subscription, nowMS int64) (string, []any) {
	q := `SELECT d.event_id, d.attempts, d.next_attempt_ms, e.topic, e.payload, e.request_id, e.created_at
		FROM event_deliveries d JOIN events e ON e.id = d.event_id
		WHERE d.consumer = ? AND d.state = 'pending'`
	args := []any{s.consumer}
	if !s.ordered {
		q += ` AND d.next_attempt_ms <= ?`
		args = append(args, nowMS)
	}
	q += ` ORDER BY d.event_id LIMIT ?`
	return q, append(args, d.o.BatchSize)
}

func (d *Dispatcher) deliverBatch(ctx context.Context, s *subscription) (batchResult, error) {
	var r batchResult
	var err error
	if d.db.Dialect() == store.Postgres {
		r, err = d.deliverBatchPostgres(ctx, s)
	} else {
		r, err = d.deliverBatchLocal(ctx, s)
	}
	if err != nil || r.locked || r.handled > 0 || !r.nextDue.IsZero() || s.ordered {
		return r, err
	}
	// Nothing was due: find when the earliest retry is, to wake up for it.
	var next sql.NullInt64
	if err := d.db.Get(ctx, &next, `SELECT MIN(next_attempt_ms) FROM event_deliveries
		WHERE consumer = ? AND state = 'pending'`, s.consumer); err != nil {
		return r, err
	}
	if next.Valid {
		r.nextDue = time.UnixMilli(next.Int64)
	}
	return r, nil
}

// localClaims keeps dispatchers in one process off each other's consumers on SQLite, keyed by
// database file and consumer. Separate processes on one SQLite file are not supported.
var localClaims sync.Map // string → *sync.Mutex

// deliverBatchLocal serves SQLite: the batch is read from the reader pool, handled, and its
// outcomes written in one short transaction, so the single writer is never held during handlers.
func (d *Dispatcher) deliverBatchLocal(ctx context.Context, s *subscription) (batchResult, error) {
	m, _ := localClaims.LoadOrStore(d.db.Where()+"\x00"+s.consumer, new(sync.Mutex))
	mu := m.(*sync.Mutex)
	if !mu.TryLock() {
		return batchResult{locked: true}, nil
	}
	defer mu.Unlock()
	now := d.clock.Now()
	q, args := d.pendingQuery(s, now.UnixMilli())
	var rows []pending
	if err := d.db.Select(ctx, &rows, q, args...); err != nil {
		return batchResult{}, err
	}
	outs, r := d.handle(ctx, s, rows, now)
	if len(outs) == 0 {
		return r, nil
	}
	// Outcomes of handlers that ran are recorded even when ctx was cancelled meanwhile.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	err := d.db.Transact(wctx, func(tx *store.Tx) error {
		return record(s.consumer, outs, func(q string, args ...any) error {
			_, err := tx.Exec(wctx, q, args...)
			return err
		})
	})
	if err != nil {
		return batchResult{}, err
	}
	return r, nil
}

// deliverBatchPostgres serves PostgreSQL: a READ COMMITTED transaction (outside the
// serialisable store transactions, so that it never makes domain transactions fail) locks the
// consumer's row, skipping it if another node holds it, reads the batch, runs the handlers and
// writes their outcomes before it commits and so releases the lock. A crash or lost connection
// rolls everything back, and the batch is delivered again.
func (d *Dispatcher) deliverBatchPostgres(ctx context.Context, s *subscription) (batchResult, error) {
	// An idle consumer is checked without a transaction: locking a row writes to it.
	q := `SELECT COUNT(*) FROM (SELECT 1 FROM event_deliveries WHERE consumer = ? AND state = 'pending'`
	args := []any{s.consumer}
	if !s.ordered {
		q += ` AND next_attempt_ms <= ?`
		args = append(args, d.clock.Now().UnixMilli())
	}
	var due int
	if err := d.db.Get(ctx, &due, q+` LIMIT 1) AS due`, args...); err != nil {
		return batchResult{}, err
	}
	if due == 0 {
		return batchResult{}, nil
	}
	tctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	tx, err := d.x.BeginTxx(tctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return batchResult{}, err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	var name string
	err = tx.GetContext(ctx, &name, tx.Rebind(`SELECT name FROM event_consumers
		WHERE name = ? FOR NO KEY UPDATE SKIP LOCKED`), s.consumer)
	if errors.Is(err, sql.ErrNoRows) {
		return batchResult{locked: true}, nil
	}
	if err != nil {
		return batchResult{}, err
	}
	now := d.clock.Now()
	q, args = d.pendingQuery(s, now.UnixMilli())
	var rows []pending
	if err := tx.SelectContext(ctx, &rows, tx.Rebind(q), args...); err != nil {
		return batchResult{}, err
	}
	outs, r := d.handle(ctx, s, rows, now)
	if len(outs) == 0 {
		return r, nil
	}
	wctx, wcancel := context.WithTimeout(tctx, 30*time.Second)
	defer wcancel()
	err = record(s.consumer, outs, func(q string, args ...any) error {
		_, err := tx.ExecContext(wctx, tx.Rebind(q), args...)
		return err
	})
	if err == nil {
		err = tx.Commit()
	}
	if err != nil {
		return batchResult{}, err
	}
	return r, nil
}

// outcome is the result of one handler call, to be recorded.
type outcome struct {
	eventID  int64
	ok       bool
	dead     bool
	attempts int   // failed attempts so far, including this one
	nextMS   int64 // when to try again
	lastErr  string
	at       time.Time
}

// failingRun is how many failures in a row end a batch and pause its consumer.
const failingRun = 3

// handle runs s's handler on rows in order and returns the outcomes to record.
func (d *Dispatcher) handle(ctx context.Context, s *subscription, rows []pending, now time.Time) ([]outcome, batchResult) {
	r := batchResult{more: len(rows) == d.o.BatchSize}
	var outs []outcome
	failures := 0
	for _, p := range rows {
		if failures == failingRun {
			r.more, r.failing = false, true
			break
		}
		if p.NextAttemptMS > now.UnixMilli() { // an ordered consumer's head waits for its retry
			r.more, r.nextDue = false, time.UnixMilli(p.NextAttemptMS)
			break
		}
		if ctx.Err() != nil {
			r.more = false
			break
		}
		e := p.event()
		start := d.clock.Now()
		err := d.call(ctx, s, e)
		took := d.clock.Now().Sub(start)
		if err != nil && ctx.Err() != nil {
			// Stopping: the interruption is not the event's fault, so no attempt is counted.
			r.more = false
			break
		}
		r.handled++
		if err == nil {
			failures = 0
			outs = append(outs, outcome{eventID: e.ID, ok: true})
			if d.o.Metrics != nil {
				d.o.Metrics.Delivered(s.consumer, e.Topic, e.Attempt, took)
			}
			continue
		}
		failures++
		o := outcome{eventID: e.ID, attempts: e.Attempt, lastErr: truncate(err.Error(), 2000), at: start.UTC()}
		var perm *permanentError
		o.dead = errors.As(err, &perm) || (s.maxAttempts > 0 && o.attempts >= s.maxAttempts)
		if !o.dead {
			o.nextMS = start.Add(d.backoff(o.attempts)).UnixMilli()
		}
		outs = append(outs, o)
		if d.o.Metrics != nil {
			d.o.Metrics.Failed(s.consumer, e.Topic, e.Attempt, o.dead)
		}
		level, msg := slog.LevelWarn, "event handler failed; will retry"
		if o.dead {
			level, msg = slog.LevelError, "event handler failed; event is dead until retried"
		}
		d.log.Log(ctx, level, msg, "consumer", s.consumer, "event", e.ID, "topic", e.Topic,
			"attempt", e.Attempt, "request_id", e.RequestID, "err", err)
		if s.ordered {
			r.more = false
			if !o.dead {
				r.nextDue = time.UnixMilli(o.nextMS)
			}
			break
		}
	}
	return outs, r
}

// call runs the handler with a deadline and the event's request id, turning a panic into an error.
func (d *Dispatcher) call(ctx context.Context, s *subscription, e Event) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panicked: %v", p)
			d.log.Error("event handler panicked", "consumer", s.consumer, "event", e.ID, "panic", p,
				"stack", string(debug.Stack()))
		}
	}()
	hctx, cancel := context.WithTimeout(ctx, d.o.HandlerTimeout)
	defer cancel()
	if e.RequestID != "" {
		hctx = requestid.With(hctx, e.RequestID)
	}
	return s.handler(hctx, e)
}

// backoff is the delay before retrying after the given number of failed attempts: MinBackoff
// doubled per attempt up to MaxBackoff, less up to a quarter at random so that nodes retrying
// the same broken dependency spread out.
func (d *Dispatcher) backoff(attempts int) time.Duration {
	b := d.o.MinBackoff
	for i := 1; i < attempts && b < d.o.MaxBackoff; i++ {
		b *= 2
	}
	b = min(b, d.o.MaxBackoff)
	return b - rand.N(b/4+1)
}

// record writes outcomes through exec: acknowledged deliveries are deleted, failed ones get their
// attempt count, error and next attempt (or become dead).
func record(consumer string, outs []outcome, exec func(q string, args ...any) error) error {
	var done []any
	flush := func() error {
		if len(done) == 0 {
			return nil
		}
		err := exec(`DELETE FROM event_deliveries WHERE consumer = ? AND event_id IN (`+
			store.Placeholders(len(done))+`)`, append([]any{consumer}, done...)...)
		done = done[:0]
		return err
	}
	for _, o := range outs {
		if o.ok {
			if done = append(done, o.eventID); len(done) == 500 {
				if err := flush(); err != nil {
					return err
				}
			}
			continue
		}
		state := "pending"
		if o.dead {
			state = "dead"
		}
		if err := exec(`UPDATE event_deliveries SET state = ?, attempts = ?, next_attempt_ms = ?,
			last_error = ?, last_attempt_at = ? WHERE consumer = ? AND event_id = ? AND state = 'pending'`,
			state, o.attempts, o.nextMS, o.lastErr, o.at, consumer, o.eventID); err != nil {
			return err
		}
	}
	return flush()
}

// truncate shortens s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
