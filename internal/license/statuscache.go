package license

import (
	"context"
	"crypto/sha256"
	"sync"
	"sync/atomic"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// Verification answers from memory for the licences verified often (a licence shown at many
// counters): what it needs of a licence row is the digest of the credential the node issued
// and the licence's status and validity. An entry is fresh for Config.StatusFresh. A change
// made through this Service forgets the licence's entry as soon as it commits; a change made
// by another instance over the same database is seen once the entry is no longer fresh.

// licenceStatus is what verification needs of one of this node's licences.
type licenceStatus struct {
	credential [sha256.Size]byte
	status     Status
	validUntil string
	loaded     time.Time
}

// state is the licence's state on day, as Licence.State says it.
func (e licenceStatus) state(day string) State {
	return Licence{Status: e.status, ValidUntil: e.validUntil}.State(day)
}

// maxStatusEntries bounds the cache: about 100 bytes an entry.
const maxStatusEntries = 1 << 16

// statusCache maps licence identifiers to their status.
type statusCache struct {
	fresh time.Duration
	// now is time.Now but in tests.
	now func() time.Time
	mu  sync.RWMutex
	m   map[string]licenceStatus
	// gen counts forgets: an entry loaded before a forget is not kept after it, so that a
	// verification that read the row before a change committed cannot keep the old status.
	gen atomic.Uint64
}

func newStatusCache(fresh time.Duration) *statusCache {
	return &statusCache{fresh: fresh, now: time.Now, m: map[string]licenceStatus{}}
}

// get returns id's entry if it is fresh.
func (c *statusCache) get(id string) (licenceStatus, bool) {
	if c.fresh <= 0 {
		return licenceStatus{}, false
	}
	c.mu.RLock()
	e, ok := c.m[id]
	c.mu.RUnlock()
	if !ok || c.now().Sub(e.loaded) >= c.fresh {
		return licenceStatus{}, false
	}
	return e, true
}

// put keeps e for id unless something was forgotten since generation gen was read.
func (c *statusCache) put(id string, e licenceStatus, gen uint64) {
	if c.fresh <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen.Load() != gen {
		return
	}
	if len(c.m) >= maxStatusEntries {
		// Drop an eighth, whichever the map yields first: cheaper than ordering by age, and a
		// dropped entry costs one read.
		n := maxStatusEntries / 8
		for k := range c.m {
			delete(c.m, k)
			if n--; n == 0 {
				break
			}
		}
	}
	c.m[id] = e
}

// forget drops ids' entries: their licences just changed.
func (c *statusCache) forget(ids ...string) {
	c.mu.Lock()
	c.gen.Add(1)
	for _, id := range ids {
		delete(c.m, id)
	}
	c.mu.Unlock()
}

// status returns the status of this node's licence id, from memory when fresh; errs.NotFound
// if there is no such licence.
func (s *Service) status(ctx context.Context, id string) (licenceStatus, error) {
	if e, ok := s.statuses.get(id); ok {
		return e, nil
	}
	gen := s.statuses.gen.Load()
	var r struct {
		Credential string  `db:"credential"`
		Status     Status  `db:"status"`
		ValidUntil *string `db:"valid_until"`
	}
	err := s.db.Get(ctx, &r, `SELECT credential, status, valid_until FROM licences WHERE id = ?`, id)
	if errs.Is(err, errs.NotFound) {
		return licenceStatus{}, errNotFound()
	}
	if err != nil {
		return licenceStatus{}, err
	}
	e := licenceStatus{credential: sha256.Sum256([]byte(r.Credential)), status: r.Status, validUntil: deref(r.ValidUntil),
		loaded: s.statuses.now()}
	s.statuses.put(id, e, gen)
	return e, nil
}
