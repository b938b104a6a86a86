package ratings_test

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/calendar"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/ratings"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// benchService is a rating service over a fresh database of dialect d.
func benchService(b *testing.B, d store.Dialect) *ratings.Service {
	b.Helper()
	db := storetest.Open(b, d, storetest.Options{})
	if _, err := org.Seed(as(principal.SystemPrincipal), db, org.Directory()); err != nil {
		b.Fatal(err)
	}
	cal, _ := calendar.New(nil)
	svc, err := ratings.New(db, ratings.Config{Calendar: cal, CodeKey: codeKey})
	if err != nil {
		b.Fatal(err)
	}
	return svc
}

// rateVisits opens and rates n visits at two windows, one in five of them badly.
func rateVisits(b *testing.B, svc *ratings.Service, n int) {
	b.Helper()
	for i := range n {
		w := scjWindow
		if i%3 == 0 {
			w = gatWindow
		}
		_, code, err := svc.OpenVisit(as(w), w, ratings.NewVisit{ItemCode: foodLicence})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := svc.RateVisit(context.Background(), anonymous, code, ratings.Input{Level: ratings.Level(1 + i%5), Channel: ratings.Window}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRateVisit measures opening a visit and rating it (two transactions; a bad rating also
// opens its task).
func BenchmarkRateVisit(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(string(d), func(b *testing.B) {
			svc := benchService(b, d)
			b.ResetTimer()
			rateVisits(b, svc, b.N)
		})
	}
}

// BenchmarkStats measures the published statistics over YIWANG_BENCH_RATINGS ratings (300 by
// default), per organisation and per item.
func BenchmarkStats(b *testing.B) {
	n := 300
	if v, err := strconv.Atoi(os.Getenv("YIWANG_BENCH_RATINGS")); err == nil && v > 0 {
		n = v
	}
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(string(d), func(b *testing.B) {
			svc := benchService(b, d)
			rateVisits(b, svc, n)
			q := ratings.StatsQuery{From: start.AddDate(0, -1, 0), To: start.AddDate(0, 1, 0)}
			b.ResetTimer()
			for i := range b.N {
				q.By = ratings.ByOrg
				if i%2 == 1 {
					q.By = ratings.ByItem
				}
				st, err := svc.Stats(context.Background(), q)
				if err != nil || st.Total.Total != n {
					b.Fatalf("stats %+v %v", st.Total, err)
				}
			}
		})
	}
}
