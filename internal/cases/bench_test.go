package cases_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// benchClients is the number of concurrent clients of BenchmarkSubmit.
const benchClients = 64

// benchOps is how many raw inserts and how many submissions each round measures:
// YIWANG_BENCH_SUBMISSIONS, 1280 by default so that -benchtime 1x stays within seconds.
func benchOps(b *testing.B) int {
	n := 1280
	if s := os.Getenv("YIWANG_BENCH_SUBMISSIONS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < benchClients {
			b.Fatalf("YIWANG_BENCH_SUBMISSIONS=%q is not a number of at least %d", s, benchClients)
		}
		n = v
	}
	return n
}

// concurrently runs op n times from benchClients goroutines and returns the rate per second.
func concurrently(b *testing.B, n int, op func(i int) error) float64 {
	return withClients(b, benchClients, n, op)
}

// withClients runs op n times from clients goroutines and returns the rate per second.
func withClients(b *testing.B, clients, n int, op func(i int) error) float64 {
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := op(i); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return float64(n) / time.Since(start).Seconds()
}

// BenchmarkSubmit measures durable case submissions per second with 64 concurrent clients
// against the raw durable insert rate of the same database, in the same run:
//
//   - raw: 64 goroutines each insert one row per transaction (store.Transact) into a plain table;
//   - submissions: 64 clients each submit complete applications for birth registration (a form
//     of eleven fields, licence and shared-data materials recorded as to be fetched, no
//     uploads) through Service.Apply, which shares transactions and commits between concurrent
//     submissions (store.DB.TransactGrouped); every submission is acknowledged only after its
//     commit, with its number, audit record, timeline, case.submitted event and the notice to
//     the health commission's window officer.
//
// Each round does both (YIWANG_BENCH_SUBMISSIONS each, 1280 by default) and reports
// submissions/s, raw-inserts/s and their ratio (target ≥ 1.0). It also reports the raw rate of
// one client alone (raw-1-client/s, an eighth as many inserts): how much the database already
// shares commits between concurrent transactions by itself (PostgreSQL flushes the WAL of every
// transaction waiting to commit at once; SQLite's one writer cannot). Run it as
// go test ./internal/cases -run '^$' -bench Submit -benchtime 1x -count 5.
func BenchmarkSubmit(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(string(d), func(b *testing.B) {
			db := storetest.Open(b, d, storetest.Options{Clock: clock.Real{}})
			e := newEnv(b, db, nil, envOptions{})
			ctx := context.Background()
			if _, err := db.SQL().ExecContext(ctx, `CREATE TABLE bench_raw (id TEXT PRIMARY KEY, payload TEXT NOT NULL, at TIMESTAMP NOT NULL)`); err != nil {
				b.Fatal(err)
			}
			n := benchOps(b)
			zhang := as(e.zhang)
			values := birthValues()
			var subs, raws, serials []float64
			b.ResetTimer()
			for round := 0; round < b.N; round++ {
				insert := func(key string) error {
					return db.Transact(ctx, func(tx *store.Tx) error {
						_, err := tx.Exec(ctx, `INSERT INTO bench_raw (id, payload, at) VALUES (?, ?, ?)`, key, "生育登记", tx.Now)
						return err
					})
				}
				raw := concurrently(b, n, func(i int) error { return insert(fmt.Sprintf("%d-%d", round, i)) })
				serial := withClients(b, 1, n/8, func(i int) error { return insert(fmt.Sprintf("%d-serial-%d", round, i)) })
				sub := concurrently(b, n, func(i int) error {
					_, err := e.svc.Apply(zhang, e.zhang, cases.Application{LicenceConsent: true, ItemCode: itemBirth, Form: values})
					return err
				})
				raws, subs, serials = append(raws, raw), append(subs, sub), append(serials, serial)
			}
			b.StopTimer()
			raw, sub := mean(raws), mean(subs)
			b.ReportMetric(mean(serials), "raw-1-client/s")
			b.ReportMetric(sub, "submissions/s")
			b.ReportMetric(raw, "raw-inserts/s")
			b.ReportMetric(sub/raw, "ratio")
			b.ReportMetric(0, "ns/op")
		})
	}
}

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}
