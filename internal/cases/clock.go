package cases

import (
	"context"
	"time"

	"github.com/yiwang-platform/yiwang/internal/calendar"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// The statutory clock (see the package documentation). Its state lives in the case row:
// accepted_at, limit_days, paused_days (closed pauses), paused_since (an open pause), and
// due_on / warn_on (YYYY-MM-DD, China time) recomputed at every start and resume so that Sweep
// finds cases by date alone.

// limitOf is the limit a case of item counts against: the promised limit, else the legal one.
func limitOf(it ItemSpec) int {
	if it.PromisedDays > 0 {
		return it.PromisedDays
	}
	return max(it.LegalDays, 0)
}

// schedule recomputes r's due and warning dates from its acceptance, limit and closed pauses.
func (s *Service) schedule(r *row) {
	due := s.cfg.Calendar.AddWorkingDays(*r.AcceptedAt, r.LimitDays+r.PausedDays)
	r.DueOn = calendar.FormatDay(due)
	r.WarnOn = calendar.FormatDay(s.cfg.Calendar.AddWorkingDays(due, -s.cfg.WarnDays))
}

// startClock starts r's clock at now (the acceptance).
func (s *Service) startClock(r *row, now time.Time) timelineEntry {
	r.AcceptedAt = &now
	r.ClockState = ClockRunning
	r.PausedDays, r.PausedSince, r.PauseReason = 0, nil, ""
	s.schedule(r)
	return timelineEntry{kind: EventClockStarted, detail: map[string]any{"limit_days": r.LimitDays, "due_on": r.DueOn}}
}

// pauseClock pauses r's running clock at now for reason; no entry when it is not running.
func (s *Service) pauseClock(r *row, now time.Time, reason string) []timelineEntry {
	if r.ClockState != ClockRunning {
		return nil
	}
	r.ClockState, r.PausedSince, r.PauseReason = ClockPaused, &now, reason
	return []timelineEntry{{kind: EventClockPaused, detail: map[string]any{"reason": reason}}}
}

// resumeClock resumes r's paused clock at now: the working days the pause spanned extend the
// due date. No entry when it is not paused.
func (s *Service) resumeClock(r *row, now time.Time) []timelineEntry {
	if r.ClockState != ClockPaused || r.PausedSince == nil {
		return nil
	}
	days := max(s.cfg.Calendar.WorkingDaysBetween(*r.PausedSince, now), 0)
	r.PausedDays += days
	r.ClockState, r.PausedSince, r.PauseReason = ClockRunning, nil, ""
	s.schedule(r)
	today := calendar.FormatDay(now)
	// A deadline pushed back may warn (or fall due) again.
	if r.WarnOn > today {
		r.WarnedAt = nil
	}
	if r.DueOn >= today {
		r.OverdueAt = nil
	}
	return []timelineEntry{{kind: EventClockResumed, detail: map[string]any{"paused_days": days, "due_on": r.DueOn}}}
}

// stopClock stops r's clock at now (decision, withdrawal, refusal); no entry when it never ran
// or already stopped. A pause still open ends with it.
func (s *Service) stopClock(r *row, now time.Time) []timelineEntry {
	if r.ClockState != ClockRunning && r.ClockState != ClockPaused {
		return nil
	}
	var es []timelineEntry
	if r.ClockState == ClockPaused {
		es = s.resumeClock(r, now)
	}
	r.ClockState, r.ClockStoppedAt = ClockStopped, &now
	c := s.clockOf(r, now)
	return append(es, timelineEntry{kind: EventClockStopped, detail: map[string]any{"used_days": c.UsedDays,
		"limit_days": r.LimitDays, "overdue": c.Overdue}})
}

// clockOf reads r's clock as of now.
func (s *Service) clockOf(r *row, now time.Time) Clock {
	c := Clock{State: r.ClockState, LimitDays: r.LimitDays, LegalDays: r.LegalDays, PausedDays: r.PausedDays,
		PauseReason: r.PauseReason, PausedSince: r.PausedSince, StoppedAt: r.ClockStoppedAt}
	if r.AcceptedAt == nil || r.ClockState == ClockNotStarted {
		c.RemainingDays = r.LimitDays
		return c
	}
	cal := s.cfg.Calendar
	c.StartedAt = r.AcceptedAt
	end := now
	switch {
	case r.ClockState == ClockPaused && r.PausedSince != nil:
		end = *r.PausedSince
		c.PausedDays += max(cal.WorkingDaysBetween(*r.PausedSince, now), 0)
	case r.ClockState == ClockStopped && r.ClockStoppedAt != nil:
		end = *r.ClockStoppedAt
	}
	c.UsedDays = max(cal.WorkingDaysBetween(*r.AcceptedAt, end)-r.PausedDays, 0)
	c.RemainingDays = r.LimitDays - c.UsedDays
	due := cal.AddWorkingDays(*r.AcceptedAt, r.LimitDays+c.PausedDays)
	c.DueDate = &due
	dueOn := calendar.FormatDay(due)
	switch r.ClockState {
	case ClockRunning:
		c.Overdue = calendar.FormatDay(now) > dueOn
		c.DueSoon = !c.Overdue && calendar.FormatDay(now) >= calendar.FormatDay(cal.AddWorkingDays(due, -s.cfg.WarnDays))
	case ClockPaused:
		c.Overdue = c.UsedDays > r.LimitDays
	case ClockStopped:
		c.Overdue = calendar.FormatDay(end) > dueOn
	}
	return c
}

// SweepResult counts what a Sweep flagged.
type SweepResult struct {
	DueSoon int `json:"due_soon"`
	Overdue int `json:"overdue"`
}

// maxSweep bounds the cases one Sweep looks at; the next one continues.
const maxSweep = 1000

// Sweep flags running cases that became due soon or overdue since the last sweep, once each:
// it records the clock event on the case's timeline and tells the handling organisation's
// officials and the applicant. The platform runs it periodically (every few minutes) as
// Yiwang itself; several nodes may run it at once (each case is flagged in its own
// transaction, re-checked inside it).
func (s *Service) Sweep(ctx context.Context) (res SweepResult, err error) {
	defer errs.Wrap(&err, "cases.Sweep")
	ctx = principal.With(ctx, principal.SystemPrincipal)
	now := s.db.Clock().Now()
	today := calendar.FormatDay(now)
	var ids []string
	if err := s.db.Select(ctx, &ids, `SELECT id FROM cases WHERE clock_state = 'running'
		AND ((warned_at IS NULL AND warn_on <> '' AND warn_on <= ?) OR (overdue_at IS NULL AND due_on <> '' AND due_on < ?))
		ORDER BY due_on LIMIT ?`, today, today, maxSweep); err != nil {
		return res, err
	}
	for _, id := range ids {
		r, err := s.load(ctx, id)
		if err != nil {
			return res, err
		}
		recipients, err := s.officials(ctx, r.HandlingOrg, principal.RoleWindowOfficer, principal.RoleReviewer, principal.RoleApprover)
		if err != nil {
			return res, err
		}
		var warned, overdue bool
		err = s.db.Transact(ctx, func(tx *store.Tx) error {
			warned, overdue = false, false
			r, err := s.loadTx(ctx, tx, id)
			if err != nil {
				return err
			}
			if r.ClockState != ClockRunning {
				return nil
			}
			today := calendar.FormatDay(tx.Now)
			var es []timelineEntry
			if r.WarnedAt == nil && r.WarnOn != "" && r.WarnOn <= today {
				r.WarnedAt, warned = &tx.Now, true
				es = append(es, timelineEntry{kind: EventClockWarned, detail: map[string]any{"due_on": r.DueOn}})
			}
			if r.OverdueAt == nil && r.DueOn != "" && r.DueOn < today {
				r.OverdueAt, overdue = &tx.Now, true
				es = append(es, timelineEntry{kind: EventClockOverdue, detail: map[string]any{"due_on": r.DueOn}})
			}
			if len(es) == 0 {
				return nil
			}
			if err := save(ctx, tx, r); err != nil {
				return err
			}
			if err := addEvents(ctx, tx, r.ID, principal.SystemPrincipal, es...); err != nil {
				return err
			}
			key := "cases.notice.due_soon"
			if overdue {
				key = "cases.notice.overdue"
			}
			if err := s.tellOfficials(ctx, tx, r, recipients, key); err != nil {
				return err
			}
			if err := s.tellApplicant(ctx, tx, r, key+"_applicant"); err != nil {
				return err
			}
			return change(ctx, tx, "cases.clock_flagged", r, r.Status, map[string]any{"warned": warned, "overdue": overdue})
		})
		if err != nil {
			return res, err
		}
		if warned {
			res.DueSoon++
		}
		if overdue {
			res.Overdue++
		}
	}
	return res, nil
}
