package calendar

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/yiwang-platform/yiwang/internal/store"
)

// Live is a calendar that follows the override table: Reload swaps in a fresh calendar after an
// administrator's change, and Watch reloads periodically so that changes made through another
// node arrive too. Its reads never touch the database and are safe for concurrent use.
type Live struct {
	db  *store.DB
	cur atomic.Pointer[Calendar]
}

// NewLive loads the calendar from db.
func NewLive(ctx context.Context, db *store.DB) (*Live, error) {
	l := &Live{db: db}
	if err := l.Reload(ctx); err != nil {
		return nil, err
	}
	return l, nil
}

// Reload reads the overrides again.
func (l *Live) Reload(ctx context.Context) error {
	c, err := Load(ctx, l.db)
	if err != nil {
		return err
	}
	l.cur.Store(c)
	return nil
}

// Watch reloads every interval until ctx ends; a failed reload keeps the last calendar.
func (l *Live) Watch(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = l.Reload(ctx)
		}
	}
}

// Current returns the calendar in force.
func (l *Live) Current() *Calendar { return l.cur.Load() }

// IsWorkingDay is Current().IsWorkingDay.
func (l *Live) IsWorkingDay(day time.Time) bool { return l.Current().IsWorkingDay(day) }

// AddWorkingDays is Current().AddWorkingDays.
func (l *Live) AddWorkingDays(start time.Time, n int) time.Time {
	return l.Current().AddWorkingDays(start, n)
}

// WorkingDaysBetween is Current().WorkingDaysBetween.
func (l *Live) WorkingDaysBetween(from, to time.Time) int {
	return l.Current().WorkingDaysBetween(from, to)
}

// Kind is Current().Kind.
func (l *Live) Kind(day time.Time) (DayKind, string) { return l.Current().Kind(day) }
