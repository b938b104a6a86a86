package httpserver

import (
	"hash/maphash"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// limiter holds one token bucket per client for one rate-limit class. Clients are spread over
// shards so that concurrent requests rarely wait on the same lock.
//
// Memory stays bounded two ways. A client idle long enough for its bucket to fill again is
// indistinguishable from a new one, so a sweep (at most once a minute per shard) forgets it.
// And a shard never holds more than its share of Config.MaxClients: past that, arbitrary
// clients are forgotten, which at worst gives them a fresh burst.
type limiter struct {
	limit  rate.Limit
	burst  int
	idle   time.Duration // time for an empty bucket to fill
	seed   maphash.Seed
	shards [limiterShards]limiterShard
}

const (
	limiterShards = 32
	sweepEvery    = time.Minute
)

type limiterShard struct {
	mu        sync.Mutex
	clients   map[string]*bucket
	max       int
	lastSweep time.Time
}

type bucket struct {
	lim  *rate.Limiter
	last time.Time
}

func newLimiter(l Limit, maxClients int) *limiter {
	lim := &limiter{
		limit: rate.Limit(l.PerSecond),
		burst: l.Burst,
		idle:  time.Duration(float64(l.Burst) / l.PerSecond * float64(time.Second)),
		seed:  maphash.MakeSeed(),
	}
	for i := range lim.shards {
		lim.shards[i].clients = make(map[string]*bucket)
		lim.shards[i].max = max(1, maxClients/limiterShards)
	}
	return lim
}

// allow takes one token from key's bucket at now; when there is none it reports how long until
// there will be.
func (l *limiter) allow(key string, now time.Time) (ok bool, retryAfter time.Duration) {
	sh := &l.shards[maphash.String(l.seed, key)%limiterShards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if now.Sub(sh.lastSweep) >= sweepEvery {
		sh.sweep(now, l.idle)
	}
	b := sh.clients[key]
	if b == nil {
		if len(sh.clients) >= sh.max {
			sh.sweep(now, l.idle)
			for k := range sh.clients { // map order is arbitrary
				if len(sh.clients) < sh.max {
					break
				}
				delete(sh.clients, k)
			}
		}
		b = &bucket{lim: rate.NewLimiter(l.limit, l.burst)}
		sh.clients[key] = b
	}
	b.last = now
	res := b.lim.ReserveN(now, 1)
	if !res.OK() {
		return false, l.idle
	}
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

// sweep forgets clients idle for longer than their bucket takes to fill.
func (sh *limiterShard) sweep(now time.Time, idle time.Duration) {
	sh.lastSweep = now
	for k, b := range sh.clients {
		if now.Sub(b.last) > idle {
			delete(sh.clients, k)
		}
	}
}

// size returns how many clients l remembers.
func (l *limiter) size() int {
	n := 0
	for i := range l.shards {
		sh := &l.shards[i]
		sh.mu.Lock()
		n += len(sh.clients)
		sh.mu.Unlock()
	}
	return n
}

// allow applies lim to r's client; when the client is over its limit it answers 429 with
// Retry-After and reports false.
func (s *Server) allow(w http.ResponseWriter, r *http.Request, lim *limiter) bool {
	key := ""
	if st := stateOf(r); st != nil {
		key = st.rateKey
	} else {
		key = rateKey(s.clientIP(r))
	}
	ok, retry := lim.allow(key, s.now())
	if ok {
		return true
	}
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(retry.Seconds())))))
	s.WriteError(w, r, errs.E(errs.TooMany, "error.too_many_requests"))
	return false
}
