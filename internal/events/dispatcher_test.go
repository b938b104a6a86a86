package events_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/events"
	"github.com/yiwang-platform/yiwang/internal/requestid"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// item is the payload of test events.
type item struct {
	N int `json:"n"`
}

func payloadN(t testing.TB, e events.Event) int {
	t.Helper()
	var it item
	if err := e.Decode(&it); err != nil {
		t.Errorf("decode: %v", err)
	}
	return it.N
}

// recorder collects what handlers acknowledged, per consumer, in delivery order.
type recorder struct {
	mu  sync.Mutex
	got map[string][]events.Event
	at  map[string][]time.Time
}

func newRecorder() *recorder {
	return &recorder{got: map[string][]events.Event{}, at: map[string][]time.Time{}}
}

func (r *recorder) add(consumer string, e events.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got[consumer] = append(r.got[consumer], e)
	r.at[consumer] = append(r.at[consumer], time.Now())
}

func (r *recorder) handler(consumer string) events.Handler {
	return func(_ context.Context, e events.Event) error {
		r.add(consumer, e)
		return nil
	}
}

func (r *recorder) events(consumer string) []events.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got[consumer])
}

func (r *recorder) times(consumer string) []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.at[consumer])
}

// ns returns the payload numbers consumer acknowledged, in order.
func (r *recorder) ns(t testing.TB, consumer string) []int {
	var out []int
	for _, e := range r.events(consumer) {
		out = append(out, payloadN(t, e))
	}
	return out
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// quick returns options with short intervals for tests.
func quick(t testing.TB) events.Options {
	return events.Options{Logger: testLogger(t), PollInterval: 50 * time.Millisecond,
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond}
}

// run starts d and returns a function that stops it and checks that Run returned nil promptly;
// it is also called when the test ends.
func run(t testing.TB, d *events.Dispatcher) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Errorf("Run did not return 10 s after its context was cancelled")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// enqueue commits one transaction holding an event per payload number and wakes d.
func enqueue(t testing.TB, ctx context.Context, db *store.DB, d *events.Dispatcher, topic string, ns ...int) {
	t.Helper()
	err := db.Transact(ctx, func(tx *store.Tx) error {
		for _, n := range ns {
			if err := events.Enqueue(ctx, tx, topic, item{N: n}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("enqueue %s %v: %v", topic, ns, err)
	}
	if d != nil {
		d.Notify()
	}
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// settled reports whether no consumer has anything pending.
func settled(t testing.TB, d *events.Dispatcher) bool {
	t.Helper()
	stats, err := d.Stats(context.Background())
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	for _, s := range stats {
		if s.Pending > 0 {
			return false
		}
	}
	return true
}

// delivery reads one delivery row.
func delivery(t testing.TB, db *store.DB, consumer string, eventID int64) (attempts int, lastErr string, found bool) {
	t.Helper()
	var row struct {
		Attempts  int    `db:"attempts"`
		LastError string `db:"last_error"`
	}
	err := db.Get(context.Background(), &row, `SELECT attempts, last_error FROM event_deliveries
		WHERE consumer = ? AND event_id = ?`, consumer, eventID)
	if errs.Is(err, errs.NotFound) {
		return 0, "", false
	}
	if err != nil {
		t.Fatalf("read delivery: %v", err)
	}
	return row.Attempts, row.LastError, true
}

func eventIDs(t testing.TB, db *store.DB) []int64 {
	t.Helper()
	var ids []int64
	if err := db.Select(context.Background(), &ids, `SELECT id FROM events ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestRolledBackEventIsNeverDelivered(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		rec := newRecorder()
		d := events.NewDispatcher(db, quick(t))
		d.Subscribe("a", ">", rec.handler("a"))
		if err := d.Register(ctx); err != nil {
			t.Fatal(err)
		}
		stop := run(t, d)
		err := db.Transact(ctx, func(tx *store.Tx) error {
			if err := events.Enqueue(ctx, tx, "plan.created", item{N: 1}); err != nil {
				return err
			}
			return store.ErrRollback
		})
		if !errors.Is(err, store.ErrRollback) {
			t.Fatalf("Transact = %v, want ErrRollback", err)
		}
		d.Notify()
		enqueue(t, ctx, db, d, "plan.marker", 2)
		waitFor(t, "the marker is delivered", func() bool { return len(rec.events("a")) > 0 && settled(t, d) })
		time.Sleep(100 * time.Millisecond) // two more polls, in case anything else were to come
		stop()
		if diff := cmp.Diff([]int{2}, rec.ns(t, "a")); diff != "" {
			t.Errorf("delivered mismatch (-want +got):\n%s", diff)
		}
		if ids := eventIDs(t, db); len(ids) != 1 {
			t.Errorf("events stored: %v, want only the marker", ids)
		}
	})
}

func TestCommittedEventIsDeliveredOnceToEachConsumer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := requestid.With(context.Background(), "req-commit")
		rec := newRecorder()
		d := events.NewDispatcher(db, quick(t))
		d.Subscribe("dashboard", "plan.>", rec.handler("dashboard"))
		d.Subscribe("notify", "plan.progress.reported", rec.handler("notify"))
		d.Subscribe("cases", "case.*", rec.handler("cases"))
		if err := d.Register(ctx); err != nil {
			t.Fatal(err)
		}
		err := db.Transact(ctx, func(tx *store.Tx) error {
			for i, topic := range []string{"plan.progress.reported", "plan.item.created", "licence.issued"} {
				if err := events.Enqueue(ctx, tx, topic, item{N: i + 1}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		stop := run(t, d) // events committed before Run are delivered when it starts
		waitFor(t, "both consumers are served", func() bool {
			return len(rec.events("dashboard")) == 2 && len(rec.events("notify")) == 1 && settled(t, d)
		})
		time.Sleep(150 * time.Millisecond)
		stop()

		ids := eventIDs(t, db)
		if len(ids) != 3 {
			t.Fatalf("events stored: %v, want 3", ids)
		}
		txTime := db.Clock().Now().UTC().Truncate(time.Microsecond)
		want := map[string][]events.Event{
			"dashboard": {
				{ID: ids[0], Topic: "plan.progress.reported", Payload: []byte(`{"n":1}`), RequestID: "req-commit", CreatedAt: txTime, Attempt: 1},
				{ID: ids[1], Topic: "plan.item.created", Payload: []byte(`{"n":2}`), RequestID: "req-commit", CreatedAt: txTime, Attempt: 1},
			},
			"notify": {
				{ID: ids[0], Topic: "plan.progress.reported", Payload: []byte(`{"n":1}`), RequestID: "req-commit", CreatedAt: txTime, Attempt: 1},
			},
			"cases": nil,
		}
		for consumer, w := range want {
			if diff := cmp.Diff(w, rec.events(consumer)); diff != "" {
				t.Errorf("%s: delivered mismatch (-want +got):\n%s", consumer, diff)
			}
		}
		stats, err := d.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantStats := []events.ConsumerStats{
			{Consumer: "cases", Pattern: "case.*"},
			{Consumer: "dashboard", Pattern: "plan.>"},
			{Consumer: "notify", Pattern: "plan.progress.reported"},
		}
		if diff := cmp.Diff(wantStats, stats); diff != "" {
			t.Errorf("Stats mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestFailingHandlerIsRetriedWithoutDelayingOthers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		rec := newRecorder()
		var mu sync.Mutex
		var attempts []time.Time // of the flaky consumer on event 1
		o := quick(t)
		o.MinBackoff, o.MaxBackoff = 400*time.Millisecond, 5*time.Second
		d := events.NewDispatcher(db, o)
		d.Subscribe("flaky", "plan.>", func(ctx context.Context, e events.Event) error {
			if payloadN(t, e) == 1 {
				mu.Lock()
				attempts = append(attempts, time.Now())
				mu.Unlock()
				switch e.Attempt {
				case 1:
					return errors.New("downstream unavailable")
				case 2:
					panic("downstream confused")
				}
			}
			rec.add("flaky", e)
			return nil
		})
		d.Subscribe("steady", "plan.>", rec.handler("steady"))
		if err := d.Register(ctx); err != nil {
			t.Fatal(err)
		}
		run(t, d)
		enqueue(t, ctx, db, d, "plan.created", 1)
		id := eventIDs(t, db)[0]

		waitFor(t, "the first failure is recorded", func() bool {
			n, _, _ := delivery(t, db, "flaky", id)
			return n == 1
		})
		if n, lastErr, _ := delivery(t, db, "flaky", id); n != 1 || lastErr != "downstream unavailable" {
			t.Errorf("after one failure: attempts %d, last error %q", n, lastErr)
		}
		// A later event of the same consumer does not wait for the failed one.
		enqueue(t, ctx, db, d, "plan.updated", 2)
		waitFor(t, "event 2 reaches flaky", func() bool { return slices.Contains(rec.ns(t, "flaky"), 2) })
		if got := rec.ns(t, "flaky"); !slices.Equal(got, []int{2}) {
			t.Errorf("flaky acknowledged %v before event 1's retry, want [2]", got)
		}
		waitFor(t, "the second failure is recorded", func() bool {
			n, _, _ := delivery(t, db, "flaky", id)
			return n == 2
		})
		if _, lastErr, _ := delivery(t, db, "flaky", id); !strings.Contains(lastErr, "panicked: downstream confused") {
			t.Errorf("last error after the panic = %q", lastErr)
		}
		waitFor(t, "flaky acknowledges event 1", func() bool { return len(rec.events("flaky")) == 2 && settled(t, d) })

		got := rec.events("flaky")
		if payloadN(t, got[1]) != 1 || got[1].Attempt != 3 {
			t.Errorf("flaky's second acknowledgement: n=%d attempt %d, want n=1 attempt 3", payloadN(t, got[1]), got[1].Attempt)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(attempts) != 3 {
			t.Fatalf("flaky tried event 1 %d times, want 3", len(attempts))
		}
		// Backoff: 400 ms then 800 ms, each less at most a quarter for jitter.
		if gap := attempts[1].Sub(attempts[0]); gap < 300*time.Millisecond {
			t.Errorf("first retry after %v, want ≥ 300ms", gap)
		}
		if gap := attempts[2].Sub(attempts[1]); gap < 600*time.Millisecond {
			t.Errorf("second retry after %v, want ≥ 600ms", gap)
		}
		// The other consumer had event 1 before flaky's first retry.
		if steady := rec.times("steady"); len(steady) != 2 || !steady[0].Before(attempts[1]) {
			t.Errorf("steady got event 1 at %v, flaky retried at %v: steady was delayed", steady, attempts[1])
		}
		if diff := cmp.Diff([]int{1, 2}, rec.ns(t, "steady")); diff != "" {
			t.Errorf("steady mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestOrderedConsumerWaitsForFailedEvent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var mu sync.Mutex
		var seen []string
		d := events.NewDispatcher(db, quick(t))
		d.Subscribe("ledger", "plan.>", func(_ context.Context, e events.Event) error {
			n := payloadN(t, e)
			mu.Lock()
			seen = append(seen, fmt.Sprintf("%d#%d", n, e.Attempt))
			mu.Unlock()
			if n == 1 && e.Attempt < 3 {
				return errors.New("not yet")
			}
			return nil
		}, events.Ordered())
		run(t, d)
		waitFor(t, "registration", func() bool { s, _ := d.Stats(ctx); return len(s) == 1 })
		enqueue(t, ctx, db, d, "plan.created", 1, 2, 3)
		waitFor(t, "everything is acknowledged", func() bool { return settled(t, d) })
		mu.Lock()
		defer mu.Unlock()
		if diff := cmp.Diff([]string{"1#1", "1#2", "1#3", "2#1", "3#1"}, seen); diff != "" {
			t.Errorf("handler calls mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestDeadLettersCanBeListedAndRetried(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := requestid.With(context.Background(), "req-dead")
		rec := newRecorder()
		var healed atomic.Bool
		d := events.NewDispatcher(db, quick(t))
		d.Subscribe("ledger", "case.>", func(ctx context.Context, e events.Event) error {
			if !healed.Load() {
				return errors.New("ledger offline")
			}
			return rec.handler("ledger")(ctx, e)
		}, events.MaxAttempts(2))
		d.Subscribe("mailer", "case.>", func(ctx context.Context, e events.Event) error {
			if !healed.Load() {
				return events.Permanent(errors.New("no such mailbox"))
			}
			return rec.handler("mailer")(ctx, e)
		})
		run(t, d)
		waitFor(t, "registration", func() bool { s, _ := d.Stats(ctx); return len(s) == 2 })
		enqueue(t, ctx, db, d, "case.decided", 7)
		id := eventIDs(t, db)[0]
		var dead []events.DeadLetter
		waitFor(t, "both consumers give up", func() bool {
			var err error
			dead, err = d.DeadLetters(ctx, "", 0)
			if err != nil {
				t.Fatal(err)
			}
			return len(dead) == 2
		})
		for i, w := range []struct {
			consumer string
			attempts int
			lastErr  string
		}{{"ledger", 2, "ledger offline"}, {"mailer", 1, "permanent: no such mailbox"}} {
			g := dead[i]
			if g.Consumer != w.consumer || g.Attempts != w.attempts || g.LastError != w.lastErr ||
				g.Event.ID != id || g.Event.Topic != "case.decided" || g.Event.RequestID != "req-dead" ||
				string(g.Event.Payload) != `{"n":7}` || g.LastAttemptAt.IsZero() {
				t.Errorf("dead letter %d = %+v, want consumer %s, %d attempts, error %q", i, g, w.consumer, w.attempts, w.lastErr)
			}
		}
		if only, err := d.DeadLetters(ctx, "mailer", 10); err != nil || len(only) != 1 || only[0].Consumer != "mailer" {
			t.Errorf("DeadLetters(mailer) = %+v, %v", only, err)
		}
		stats, _ := d.Stats(ctx)
		if diff := cmp.Diff([]events.ConsumerStats{
			{Consumer: "ledger", Pattern: "case.>", Dead: 1},
			{Consumer: "mailer", Pattern: "case.>", Dead: 1},
		}, stats); diff != "" {
			t.Errorf("Stats mismatch (-want +got):\n%s", diff)
		}

		healed.Store(true)
		if err := d.Retry(ctx, "ledger", id); err != nil {
			t.Fatal(err)
		}
		if n, err := d.RetryAll(ctx, "mailer"); err != nil || n != 1 {
			t.Fatalf("RetryAll = %d, %v; want 1", n, err)
		}
		waitFor(t, "retried dead letters are delivered", func() bool {
			return len(rec.events("ledger")) == 1 && len(rec.events("mailer")) == 1 && settled(t, d)
		})
		if e := rec.events("ledger")[0]; e.Attempt != 1 || e.ID != id {
			t.Errorf("retried delivery = %+v, want event %d attempt 1", e, id)
		}
		if dead, _ := d.DeadLetters(ctx, "", 0); len(dead) != 0 {
			t.Errorf("dead letters after retry: %+v", dead)
		}
		if err := d.Retry(ctx, "ledger", id); !errs.Is(err, errs.NotFound) {
			t.Errorf("Retry of a delivered event = %v, want not found", err)
		}
		recs, err := audit.List(ctx, db, audit.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, r := range recs {
			actions = append(actions, r.Action+" "+r.ObjectID)
		}
		if diff := cmp.Diff([]string{"event.delivery.retried mailer", fmt.Sprintf("event.delivery.retried ledger/%d", id)}, actions); diff != "" {
			t.Errorf("audit mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestRestartResumesWithoutLossOrRedelivery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		first := newRecorder()
		d1 := events.NewDispatcher(db, quick(t))
		d1.Subscribe("a", "plan.>", func(ctx context.Context, e events.Event) error {
			if payloadN(t, e) == 3 {
				return errors.New("not before the restart")
			}
			return first.handler("a")(ctx, e)
		})
		stop1 := run(t, d1)
		waitFor(t, "registration", func() bool { s, _ := d1.Stats(ctx); return len(s) == 1 })
		for n := 1; n <= 5; n++ {
			enqueue(t, ctx, db, d1, "plan.created", n)
		}
		waitFor(t, "the first dispatcher acknowledges 1, 2, 4, 5", func() bool { return len(first.events("a")) == 4 })
		stop1()
		enqueue(t, ctx, db, nil, "plan.created", 6, 7) // while no dispatcher runs

		second := newRecorder()
		d2 := events.NewDispatcher(db, quick(t))
		d2.Subscribe("a", "plan.>", second.handler("a"))
		stop2 := run(t, d2)
		waitFor(t, "the second dispatcher catches up", func() bool { return len(second.events("a")) == 3 && settled(t, d2) })
		time.Sleep(150 * time.Millisecond)
		stop2()
		if diff := cmp.Diff([]int{1, 2, 4, 5}, first.ns(t, "a")); diff != "" {
			t.Errorf("before restart mismatch (-want +got):\n%s", diff)
		}
		// Event 3 may still wait for its retry when 6 and 7 arrive: an unordered consumer lets
		// later events pass a failed one.
		got := second.ns(t, "a")
		slices.Sort(got)
		if diff := cmp.Diff([]int{3, 6, 7}, got); diff != "" {
			t.Errorf("after restart mismatch (-want +got):\n%s", diff)
		}
		for _, e := range second.events("a") {
			if payloadN(t, e) == 3 && e.Attempt < 2 {
				t.Errorf("event 3 after restart has attempt %d, want the failures before counted", e.Attempt)
			}
		}
	})
}

func TestStopInterruptsHandlerWithoutCountingAnAttempt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		started := make(chan struct{})
		var once sync.Once
		d := events.NewDispatcher(db, quick(t))
		d.Subscribe("slow", "plan.>", func(ctx context.Context, e events.Event) error {
			once.Do(func() { close(started) })
			<-ctx.Done()
			return ctx.Err()
		})
		if err := d.Register(ctx); err != nil {
			t.Fatal(err)
		}
		enqueue(t, ctx, db, nil, "plan.created", 1)
		stop := run(t, d)
		<-started
		begin := time.Now()
		stop()
		if took := time.Since(begin); took > 2*time.Second {
			t.Errorf("Run took %v to stop", took)
		}
		id := eventIDs(t, db)[0]
		if n, _, found := delivery(t, db, "slow", id); !found || n != 0 {
			t.Errorf("after an interrupted delivery: found=%v attempts=%d, want pending with 0 attempts", found, n)
		}
		rec := newRecorder()
		d2 := events.NewDispatcher(db, quick(t))
		d2.Subscribe("slow", "plan.>", rec.handler("slow"))
		run(t, d2)
		waitFor(t, "redelivery", func() bool { return len(rec.events("slow")) == 1 })
		if e := rec.events("slow")[0]; e.Attempt != 1 {
			t.Errorf("attempt = %d, want 1", e.Attempt)
		}
	})
}

func TestForgetAndPrune(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		old := events.NewDispatcher(db, quick(t))
		old.Subscribe("gone", ">", func(context.Context, events.Event) error { return nil })
		if err := old.Register(ctx); err != nil {
			t.Fatal(err)
		}
		rec := newRecorder()
		d := events.NewDispatcher(db, quick(t))
		d.Subscribe("a", ">", rec.handler("a"))
		stop := run(t, d)
		waitFor(t, "registration", func() bool { s, _ := d.Stats(ctx); return len(s) == 2 })
		enqueue(t, ctx, db, d, "plan.created", 1, 2)
		waitFor(t, "delivery", func() bool { return len(rec.events("a")) == 2 })
		stop()
		enqueue(t, ctx, db, nil, "plan.created", 3) // stays pending for a

		if n, err := d.Prune(ctx, db.Clock().Now().Add(time.Hour)); err != nil || n != 0 {
			t.Errorf("Prune while gone holds every event = %d, %v; want 0", n, err)
		}
		if err := d.Forget(ctx, "gone"); err != nil {
			t.Fatal(err)
		}
		if err := d.Forget(ctx, "gone"); !errs.Is(err, errs.NotFound) {
			t.Errorf("second Forget = %v, want not found", err)
		}
		stats, _ := d.Stats(ctx)
		if diff := cmp.Diff([]events.ConsumerStats{{Consumer: "a", Pattern: ">", Pending: 1}}, stats); diff != "" {
			t.Errorf("Stats mismatch (-want +got):\n%s", diff)
		}
		if n, err := d.Prune(ctx, db.Clock().Now().Add(-time.Hour)); err != nil || n != 0 {
			t.Errorf("Prune before the events = %d, %v; want 0", n, err)
		}
		if n, err := d.Prune(ctx, db.Clock().Now().Add(time.Hour)); err != nil || n != 2 {
			t.Errorf("Prune = %d, %v; want the 2 acknowledged events", n, err)
		}
		ids := eventIDs(t, db)
		if len(ids) != 1 {
			t.Fatalf("events left: %v", ids)
		}
		// Ids are not reused after pruning.
		enqueue(t, ctx, db, nil, "plan.created", 4)
		if after := eventIDs(t, db); len(after) != 2 || after[1] <= ids[0] {
			t.Errorf("ids after prune: %v", after)
		}
	})
}

// secondNode opens another connection pool on db's data, as another node would: for PostgreSQL a
// separate store.DB on the same schema; SQLite supports one process only, so the same DB.
func secondNode(t *testing.T, db *store.DB) *store.DB {
	t.Helper()
	if db.Dialect() == store.SQLite {
		return db
	}
	var schema string
	if err := db.Get(context.Background(), &schema, `SELECT current_schema()`); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(storetest.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	other, err := store.Open(context.Background(), store.Config{URL: u.String(), Clock: db.Clock()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	return other
}

func TestConcurrentDispatchersNeverDeliverTwiceAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		nodes := []*store.DB{db, secondNode(t, db)}
		type key struct {
			consumer string
			id       int64
		}
		var (
			mu       sync.Mutex
			inflight = map[string]int{}
			count    = map[key]int{}
			byNode   = map[int]int{}
			overlaps []string
		)
		handler := func(node int, consumer string) events.Handler {
			return func(_ context.Context, e events.Event) error {
				mu.Lock()
				inflight[consumer]++
				if inflight[consumer] > 1 {
					overlaps = append(overlaps, fmt.Sprintf("%s event %d on node %d", consumer, e.ID, node))
				}
				mu.Unlock()
				time.Sleep(200 * time.Microsecond)
				mu.Lock()
				inflight[consumer]--
				count[key{consumer, e.ID}]++
				byNode[node]++
				mu.Unlock()
				return nil
			}
		}
		var ds []*events.Dispatcher
		var stops []func()
		for i, node := range nodes {
			o := quick(t)
			o.BatchSize = 10 // so that the nodes take turns
			d := events.NewDispatcher(node, o)
			d.Subscribe("a", ">", handler(i, "a"))
			d.Subscribe("b", "plan.>", handler(i, "b"))
			stops = append(stops, run(t, d))
			ds = append(ds, d)
		}
		waitFor(t, "registration", func() bool { s, _ := ds[0].Stats(ctx); return len(s) == 2 })

		const writers, perWriter = 8, 25
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				node, d := nodes[w%2], ds[w%2]
				for i := range perWriter {
					err := node.Transact(ctx, func(tx *store.Tx) error {
						return events.Enqueue(ctx, tx, "plan.created", item{N: w*perWriter + i})
					})
					if err != nil {
						t.Errorf("enqueue: %v", err)
						return
					}
					d.Notify()
				}
			})
		}
		wg.Wait()
		waitFor(t, "everything is delivered", func() bool { return settled(t, ds[0]) })
		time.Sleep(150 * time.Millisecond) // more polls, in case anything were delivered again
		for _, stop := range stops {
			stop()
		}

		mu.Lock()
		defer mu.Unlock()
		if len(overlaps) > 0 {
			t.Errorf("concurrent deliveries to one consumer: %v", overlaps)
		}
		ids := eventIDs(t, db)
		if len(ids) != writers*perWriter {
			t.Fatalf("%d events stored, want %d", len(ids), writers*perWriter)
		}
		for _, id := range ids {
			for _, c := range []string{"a", "b"} {
				if n := count[key{c, id}]; n != 1 {
					t.Errorf("event %d delivered %d times to %s", id, n, c)
				}
			}
		}
		t.Logf("deliveries by node: %v", byNode)
	})
}

// TestLateCommitWithSmallerIDIsDelivered commits two transactions out of id order on PostgreSQL:
// the one holding the smaller id commits after the other's event was delivered. A "last delivered
// id" cursor would skip it.
func TestLateCommitWithSmallerIDIsDelivered(t *testing.T) {
	db := storetest.Open(t, store.Postgres, storetest.Options{})
	ctx := context.Background()
	rec := newRecorder()
	d := events.NewDispatcher(db, quick(t))
	d.Subscribe("a", "plan.>", rec.handler("a"))
	if err := d.Register(ctx); err != nil {
		t.Fatal(err)
	}

	inserted, commit := make(chan struct{}), make(chan struct{})
	early := make(chan error, 1)
	go func() {
		early <- db.Transact(ctx, func(tx *store.Tx) error {
			if err := events.Enqueue(ctx, tx, "plan.early", item{N: 1}); err != nil {
				return err
			}
			// The event is inserted (its id taken) when the work ends, before the flushers
			// queued after it: hold the transaction open there.
			tx.Later(gateKey{}, func() store.Flusher { return &gate{inserted: inserted, commit: commit} })
			return nil
		})
	}()
	<-inserted
	enqueue(t, ctx, db, d, "plan.late", 2)
	run(t, d)
	waitFor(t, "the late-id event is delivered", func() bool { return len(rec.events("a")) == 1 })
	time.Sleep(200 * time.Millisecond) // several polls while the early transaction is open
	if got := rec.ns(t, "a"); !slices.Equal(got, []int{2}) {
		t.Fatalf("delivered %v while the early transaction was open, want [2]", got)
	}
	close(commit)
	if err := <-early; err != nil {
		t.Fatal(err)
	}
	d.Notify()
	waitFor(t, "the early-id event is delivered", func() bool { return len(rec.events("a")) == 2 })
	got := rec.events("a")
	if got[1].Topic != "plan.early" || got[1].ID >= got[0].ID {
		t.Errorf("delivered %s (id %d) then %s (id %d); want plan.late then plan.early with a smaller id",
			got[0].Topic, got[0].ID, got[1].Topic, got[1].ID)
	}
	waitFor(t, "nothing is pending", func() bool { return settled(t, d) })
}

// gate is a write-behind flusher that holds its transaction open once the flushers before it ran.
type gate struct {
	once             sync.Once
	inserted, commit chan struct{}
}

type gateKey struct{}

func (g *gate) Flush(context.Context, *store.Tx) error {
	g.once.Do(func() {
		close(g.inserted)
		<-g.commit
	})
	return nil
}

// metrics counts outcomes per consumer.
type metrics struct {
	mu                sync.Mutex
	delivered, failed map[string]int
	dead              int
}

func (m *metrics) Delivered(consumer, topic string, attempt int, took time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.delivered[consumer]++
}

func (m *metrics) Failed(consumer, topic string, attempt int, dead bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.failed[consumer]++
	if dead {
		m.dead++
	}
}

func TestConsumerPausesWhileItsHandlerKeepsFailing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m := &metrics{delivered: map[string]int{}, failed: map[string]int{}}
		o := quick(t)
		o.MinBackoff, o.MaxBackoff, o.Metrics = 600*time.Millisecond, 600*time.Millisecond, m
		var calls atomic.Int32
		rec := newRecorder()
		d := events.NewDispatcher(db, o)
		d.Subscribe("broken", ">", func(context.Context, events.Event) error {
			calls.Add(1)
			return errors.New("dependency down")
		})
		d.Subscribe("fine", ">", rec.handler("fine"))
		if err := d.Register(ctx); err != nil {
			t.Fatal(err)
		}
		enqueue(t, ctx, db, nil, "plan.created", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
		run(t, d)
		waitFor(t, "the broken consumer fails three times and the fine one is served", func() bool {
			return calls.Load() >= 3 && len(rec.events("fine")) == 10
		})
		time.Sleep(200 * time.Millisecond)
		if n := calls.Load(); n != 3 {
			t.Errorf("broken consumer called %d times within its pause, want 3", n)
		}
		waitFor(t, "the broken consumer tries again after its pause", func() bool { return calls.Load() >= 6 })
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.delivered["fine"] != 10 || m.delivered["broken"] != 0 || m.failed["broken"] < 6 || m.failed["fine"] != 0 || m.dead != 0 {
			t.Errorf("metrics: delivered %v, failed %v, dead %d", m.delivered, m.failed, m.dead)
		}
	})
}
