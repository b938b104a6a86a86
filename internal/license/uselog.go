package license

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/yiwang-platform/yiwang/internal/store"
)

// The uses that verifications record are written behind the answer: a verifier at a counter
// gets its answer without waiting for a disk flush, and the uses of a busy moment share one
// multi-row INSERT and one commit (docs/decisions: "A verification's use is written behind its
// answer"). They are written within useWindow; before this instance reads uses (Uses,
// IssuerUses) and when it closes (Service.Close), whatever waits is written first. What a crash
// can lose is the uses of the last useWindow. When maxQueuedUses wait (the database is slow or
// down), Verify records its use itself, inside its own answer: the wait, and the loss, stay
// bounded.

const (
	// useWindow is how long a recorded use may wait before it is written.
	useWindow = 200 * time.Millisecond
	// maxQueuedUses bounds the uses waiting in memory.
	maxQueuedUses = 10_000
)

// use is one verification of a presentation, to be written to licence_uses.
type use struct {
	licenceID, byOrg, byActor, purpose, presentation string
	at                                               time.Time
}

// useLog queues uses and writes them in batches.
type useLog struct {
	db     *store.DB
	logger *slog.Logger
	// limit is how many uses may wait (maxQueuedUses).
	limit int
	mu    sync.Mutex
	queue []use
	// draining is true while a goroutine waits to write the queue.
	draining bool
	// write serialises writers, so that flush returns only once what was queued before it is
	// written, whoever writes it.
	write sync.Mutex
}

// add queues u; false when the queue is full.
func (l *useLog) add(u use) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.queue) >= l.limit {
		return false
	}
	l.queue = append(l.queue, u)
	if !l.draining {
		l.draining = true
		go l.drain()
	}
	return true
}

// drain writes the queue every useWindow until it is empty; the goroutine then ends.
func (l *useLog) drain() {
	failures := 0
	for {
		time.Sleep(useWindow << min(failures, 5))
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err := l.flush(ctx)
		cancel()
		if err != nil && closed(err) {
			l.logger.Error("licence uses not written: the database is closed", "err", err)
			l.mu.Lock()
			l.queue, l.draining = nil, false
			l.mu.Unlock()
			return
		}
		if err != nil {
			failures++
			l.logger.Error("licence uses not written; retrying", "err", err, "failures", failures)
		} else {
			failures = 0
		}
		l.mu.Lock()
		if len(l.queue) == 0 {
			l.draining = false
			l.mu.Unlock()
			return
		}
		l.mu.Unlock()
	}
}

// flush writes every queued use now, in one transaction. On failure the uses go back to the
// queue (as many as fit), to be written later.
func (l *useLog) flush(ctx context.Context) error {
	l.write.Lock()
	defer l.write.Unlock()
	l.mu.Lock()
	batch := l.queue
	l.queue = nil
	l.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	err := l.db.Transact(ctx, func(tx *store.Tx) error {
		for _, u := range batch {
			tx.InsertLater("licence_uses", "licence_id, at, kind, by_org, by_actor, purpose, presentation",
				u.licenceID, u.at, "verified", u.byOrg, u.byActor, u.purpose, u.presentation)
		}
		return nil
	})
	if err != nil {
		l.mu.Lock()
		room := max(l.limit-len(l.queue), 0)
		if len(batch) > room {
			l.logger.Error("licence uses lost: the queue is full", "lost", len(batch)-room)
			batch = batch[:room]
		}
		l.queue = append(batch, l.queue...)
		l.mu.Unlock()
		return err
	}
	return nil
}

// Close writes the uses still waiting; call it before the process ends.
func (s *Service) Close(ctx context.Context) error {
	if err := s.uses.flush(ctx); err != nil {
		return errors.Join(errors.New("license: uses not written"), err)
	}
	return nil
}

// closed reports whether err says the database was closed: nothing will be written any more
// (database/sql does not export the error).
func closed(err error) bool { return strings.Contains(err.Error(), "sql: database is closed") }
