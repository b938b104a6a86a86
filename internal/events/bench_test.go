package events_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/events"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// BenchmarkEnqueueDispatch measures events per second from Enqueue, through the SQLite outbox, to
// an in-process consumer that acknowledges them: with one event per transaction (each a durable
// commit, as a domain change with one event is) and with 100 events per transaction. The
// reference is the raw rate of durable one-row transactions on the same kind of database, which
// bounds the one-event-per-transaction case.
//
//	go test -run '^$' -bench EnqueueDispatch -benchtime 3s ./internal/events/
func BenchmarkEnqueueDispatch(b *testing.B) {
	for _, perTx := range []int{1, 100} {
		b.Run(fmt.Sprintf("events_per_tx=%d", perTx), func(b *testing.B) {
			db := storetest.Open(b, store.SQLite, storetest.Options{})
			ctx := context.Background()
			var delivered atomic.Int64
			d := events.NewDispatcher(db, events.Options{Logger: slog.New(slog.DiscardHandler)})
			d.Subscribe("bench", "bench.>", func(context.Context, events.Event) error {
				delivered.Add(1)
				return nil
			})
			if err := d.Register(ctx); err != nil {
				b.Fatal(err)
			}
			run(b, d)
			b.ResetTimer()
			start := time.Now()
			for sent := 0; sent < b.N; {
				n := min(perTx, b.N-sent)
				err := db.Transact(ctx, func(tx *store.Tx) error {
					for i := range n {
						if err := events.Enqueue(ctx, tx, "bench.happened", item{N: sent + i}); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
				d.Notify()
				sent += n
			}
			waitFor(b, "every event is delivered", func() bool { return delivered.Load() >= int64(b.N) })
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
			if got := delivered.Load(); got != int64(b.N) {
				b.Errorf("delivered %d, want %d", got, b.N)
			}
		})
	}
	b.Run("reference=raw_insert_per_tx", func(b *testing.B) {
		db := storetest.Open(b, store.SQLite, storetest.Options{})
		ctx := context.Background()
		start := time.Now()
		for b.Loop() {
			err := db.Transact(ctx, func(tx *store.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO events (topic, payload, request_id, created_at)
					VALUES ('bench.happened', '{}', '', ?)`, tx.Now)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
	})
}
