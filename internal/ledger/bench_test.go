package ledger_test

import (
	"context"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/ledger"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// BenchmarkAppend measures appends per second with 64 concurrent appenders (group commit) while
// the checkpointer signs a checkpoint every second, on each engine. Run it with a fixed count of
// appends, e.g. -bench Append -benchtime 20000x -count 5, and read appends/s.
func BenchmarkAppend(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(string(d), func(b *testing.B) {
			db := storetest.Open(b, d, storetest.Options{Clock: clock.Real{}})
			k := newKeys(b, origin)
			l := newLog(b, db, k)
			runCtx, stop := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- l.Run(runCtx) }()
			var n atomic.Int64
			b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0))) // 64 appenders
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := int(n.Add(1))
					if _, err := l.Append(ctx(), entry(i)); err != nil {
						b.Error(err)
						return
					}
				}
			})
			elapsed := time.Since(start)
			b.StopTimer()
			stop()
			<-done
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "appends/s")
			cps, err := l.Checkpoints(ctx(), 0, ledger.MaxPage)
			if err != nil {
				b.Fatal(err)
			}
			if elapsed > 2*time.Second && len(cps) < int(elapsed/time.Second)-1 {
				b.Errorf("%d checkpoints in %s: want one at least every second", len(cps), elapsed)
			}
		})
	}
}

// benchSize is the tree size of BenchmarkInclusionProof: YIWANG_BENCH_LEDGER_SIZE, 100000 by
// default so that -benchtime 1x stays quick; the target is measured at 10000000.
func benchSize(b *testing.B) int64 {
	n := int64(100_000)
	if s := os.Getenv("YIWANG_BENCH_LEDGER_SIZE"); s != "" {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v < 1 {
			b.Fatalf("YIWANG_BENCH_LEDGER_SIZE=%q is not a positive number", s)
		}
		n = v
	}
	return n
}

// BenchmarkInclusionProof measures one inclusion proof for a random entry of a tree of
// benchSize entries, built first with large batched appends.
func BenchmarkInclusionProof(b *testing.B) {
	size := benchSize(b)
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(string(d)+"/"+strconv.FormatInt(size, 10), func(b *testing.B) {
			db := storetest.Open(b, d, storetest.Options{Clock: clock.Real{}})
			l := newLog(b, db, newKeys(b, origin))
			build(b, db, l, size)
			rng := rand.New(rand.NewPCG(1, 2))
			var times []time.Duration
			b.ResetTimer()
			for b.Loop() {
				start := time.Now()
				if _, err := l.InclusionProof(ctx(), rng.Int64N(size), size); err != nil {
					b.Fatal(err)
				}
				times = append(times, time.Since(start))
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Nanoseconds()), "median-ns/proof")
		})
	}
}

// build appends size entries in transactions of 20000.
func build(b *testing.B, db *store.DB, l *ledger.Log, size int64) {
	b.Helper()
	start := time.Now()
	const batch = 20_000
	es := make([]ledger.Entry, 0, batch)
	for done := int64(0); done < size; {
		es = es[:0]
		for i := done; i < size && len(es) < batch; i++ {
			es = append(es, entry(int(i)))
		}
		err := db.Transact(ctx(), func(tx *store.Tx) error {
			_, err := l.AppendTx(ctx(), tx, es...)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		done += int64(len(es))
	}
	b.Logf("built a tree of %d entries in %s", size, time.Since(start).Round(time.Millisecond))
}
