package ratings

import (
	"context"
	"time"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/events"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// TaskStatus is where the rectification of a bad rating stands.
type TaskStatus string

// Task statuses, in order: the facts are verified (after calling the person back), measures
// are taken, the task is closed. An upheld appeal cancels a task that is not closed.
const (
	TaskOpen      TaskStatus = "open"
	TaskVerified  TaskStatus = "verified"
	TaskRectified TaskStatus = "rectified"
	TaskClosed    TaskStatus = "closed"
	TaskCancelled TaskStatus = "cancelled"
)

// TaskStatuses lists the statuses in order.
var TaskStatuses = []TaskStatus{TaskOpen, TaskVerified, TaskRectified, TaskClosed, TaskCancelled}

// Key is the message key of the status's name.
func (s TaskStatus) Key() string { return "ratings.task_status." + string(s) }

// Done reports whether nothing more is done on a task of status s.
func (s TaskStatus) Done() bool { return s == TaskClosed || s == TaskCancelled }

// Task is the rectification of one bad rating by the rated organisation.
type Task struct {
	ID           string     `db:"id" json:"id"`
	RatingID     string     `db:"rating_id" json:"rating_id"`
	Org          string     `db:"org_code" json:"org"`
	Status       TaskStatus `db:"status" json:"status"`
	DeadlineDays int        `db:"deadline_days" json:"deadline_days"`
	OpenedAt     time.Time  `db:"opened_at" json:"opened_at"`
	// DueAt is the end of the last working day allowed.
	DueAt time.Time `db:"due_at" json:"due_at"`
	// Overdue: the deadline passed before the task was closed (set by Sweep or a late closing).
	Overdue     bool       `db:"overdue" json:"overdue"`
	OverdueAt   *time.Time `db:"overdue_at" json:"overdue_at,omitempty"`
	Findings    string     `db:"findings" json:"findings,omitempty"`
	VerifiedBy  *string    `db:"verified_by" json:"verified_by,omitempty"`
	VerifiedAt  *time.Time `db:"verified_at" json:"verified_at,omitempty"`
	Measures    string     `db:"measures" json:"measures,omitempty"`
	RectifiedBy *string    `db:"rectified_by" json:"rectified_by,omitempty"`
	RectifiedAt *time.Time `db:"rectified_at" json:"rectified_at,omitempty"`
	ClosingNote string     `db:"closing_note" json:"closing_note,omitempty"`
	ClosedBy    *string    `db:"closed_by" json:"closed_by,omitempty"`
	ClosedAt    *time.Time `db:"closed_at" json:"closed_at,omitempty"`
	CancelledAt *time.Time `db:"cancelled_at" json:"cancelled_at,omitempty"`

	// What lists show of the rating.
	Level      Level       `db:"level" json:"level"`
	Kind       SubjectKind `db:"subject_kind" json:"kind"`
	CaseNumber string      `db:"case_number" json:"case_number,omitempty"`
	ItemCode   string      `db:"item_code" json:"item_code,omitempty"`
	ItemName   string      `db:"item_name" json:"item_name,omitempty"`
	RealName   bool        `db:"real_name" json:"real_name"`

	// Task (one task) fills these.
	Rating    *Rating    `db:"-" json:"rating,omitempty"`
	CallBacks []CallBack `db:"-" json:"callbacks,omitempty"`
	Appeal    *Appeal    `db:"-" json:"appeal,omitempty"`
}

const taskColumns = `t.id, t.rating_id, t.org_code, t.status, t.deadline_days, t.opened_at, t.due_at, t.overdue, t.overdue_at,
	t.findings, t.verified_by, t.verified_at, t.measures, t.rectified_by, t.rectified_at, t.closing_note, t.closed_by,
	t.closed_at, t.cancelled_at, r.level, r.subject_kind, r.case_number, r.item_code, r.item_name, r.real_name`

const taskFrom = ` FROM rating_tasks t JOIN ratings r ON r.id = t.rating_id`

// Late reports whether the task's deadline has passed at now without it being done.
func (t Task) Late(now time.Time) bool { return !t.Status.Done() && !now.Before(t.DueAt) }

// OnTime reports whether the task was closed by its deadline.
func (t Task) OnTime() bool {
	return t.Status == TaskClosed && t.ClosedAt != nil && t.ClosedAt.Before(t.DueAt)
}

// CallBack is one call made to the person about their bad rating.
type CallBack struct {
	ID       string    `db:"id" json:"id"`
	TaskID   string    `db:"task_id" json:"-"`
	Caller   string    `db:"caller" json:"caller"`
	CalledAt time.Time `db:"called_at" json:"called_at"`
	Reached  bool      `db:"reached" json:"reached"`
	// Account is the person's account of what happened, as the caller noted it.
	Account    string    `db:"account" json:"account,omitempty"`
	RecordedAt time.Time `db:"recorded_at" json:"recorded_at"`
}

// openTaskTx opens the rectification task of bad rating r in tx, due the given number of
// working days after the rating (the day of the rating is not counted).
func (s *Service) openTaskTx(ctx context.Context, tx *store.Tx, r Rating) (Task, error) {
	last := s.cfg.Calendar.AddWorkingDays(tx.Now, s.cfg.DeadlineDays)
	y, m, d := last.In(clock.China).Date()
	t := Task{ID: newID("rtk_"), RatingID: r.ID, Org: r.Org, Status: TaskOpen, DeadlineDays: s.cfg.DeadlineDays,
		OpenedAt: tx.Now, DueAt: time.Date(y, m, d+1, 0, 0, 0, 0, clock.China).UTC()}
	if _, err := tx.Exec(ctx, `INSERT INTO rating_tasks (id, rating_id, org_code, status, deadline_days, opened_at, due_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, t.ID, t.RatingID, t.Org, string(t.Status), t.DeadlineDays, t.OpenedAt, t.DueAt); err != nil {
		return Task{}, err
	}
	return t, audit.Record(ctx, tx, audit.Change{Action: "rating.task_open", ObjectType: "rating_task", ObjectID: t.ID, After: t,
		Detail: map[string]any{"rating": r.ID, "org": t.Org, "deadline_days": t.DeadlineDays}})
}

func (s *Service) loadTask(ctx context.Context, tx *store.Tx, id string) (Task, error) {
	var t Task
	if err := s.q(tx).Get(ctx, &t, `SELECT `+taskColumns+taskFrom+` WHERE t.id = ?`, id); err != nil {
		if errs.Is(err, errs.NotFound) {
			return Task{}, errs.E(errs.NotFound, "ratings.error.task_not_found")
		}
		return Task{}, err
	}
	return t, nil
}

// Task returns one task with its rating (masked), call-backs and appeal, to the officials of
// the rated organisation and of the digital office; errs.NotFound to anyone else.
func (s *Service) Task(ctx context.Context, p principal.Principal, id string) (Task, error) {
	t, err := s.loadTask(ctx, nil, id)
	if err != nil {
		return Task{}, err
	}
	if !readsOrg(p, t.Org) {
		return Task{}, errs.E(errs.NotFound, "ratings.error.task_not_found")
	}
	r, err := s.loadRating(ctx, nil, t.RatingID)
	if err != nil {
		return Task{}, err
	}
	r = r.masked()
	t.Rating = &r
	if err := s.db.Select(ctx, &t.CallBacks, `SELECT id, task_id, caller, called_at, reached, account, recorded_at
		FROM rating_callbacks WHERE task_id = ? ORDER BY called_at, recorded_at`, id); err != nil {
		return Task{}, err
	}
	for i := range t.CallBacks {
		t.CallBacks[i].Account = MaskText(t.CallBacks[i].Account)
	}
	a, err := s.appealOf(ctx, nil, t.RatingID)
	switch {
	case err == nil:
		t.Appeal = &a
	case !errs.Is(err, errs.NotFound):
		return Task{}, err
	}
	return t, nil
}

// TaskFilter selects tasks; zero fields match everything.
type TaskFilter struct {
	// Org: officials outside the digital office always get their own organisation's.
	Org    string
	Status TaskStatus
	// Pending keeps tasks not yet done; OverdueOnly tasks flagged overdue.
	Pending     bool
	OverdueOnly bool
	Limit       int
}

// Tasks lists rectification tasks, earliest deadline first, to the officials of the rated
// organisation (and of the digital office, any organisation's).
func (s *Service) Tasks(ctx context.Context, p principal.Principal, f TaskFilter) ([]Task, error) {
	orgCode, err := orgScope(p, f.Org)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + taskColumns + taskFrom + ` WHERE 1 = 1`
	var args []any
	if orgCode != "" {
		q += ` AND t.org_code = ?`
		args = append(args, orgCode)
	}
	if f.Status != "" {
		q += ` AND t.status = ?`
		args = append(args, string(f.Status))
	}
	if f.Pending {
		q += ` AND t.status IN ('open', 'verified', 'rectified')`
	}
	if f.OverdueOnly {
		q += ` AND t.overdue = 1`
	}
	q += ` ORDER BY t.due_at, t.id LIMIT ?`
	args = append(args, limitOf(f.Limit))
	out := []Task{}
	err = s.db.Select(ctx, &out, q, args...)
	return out, err
}

// actOn loads task id for p, who must be an official of its organisation and, when admin is
// set, one of its administrators; the task must be in one of the statuses given.
func (s *Service) actOn(ctx context.Context, p principal.Principal, id string, admin bool, statuses ...TaskStatus) (Task, error) {
	if !p.Authenticated() {
		return Task{}, errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	t, err := s.loadTask(ctx, nil, id)
	if err != nil {
		return Task{}, err
	}
	if !readsOrg(p, t.Org) {
		return Task{}, errs.E(errs.NotFound, "ratings.error.task_not_found")
	}
	if admin && !administers(p, t.Org) || !admin && !worksFor(p, t.Org) {
		return Task{}, errs.E(errs.Forbidden, "ratings.error.task_forbidden")
	}
	for _, st := range statuses {
		if t.Status == st {
			return t, nil
		}
	}
	return Task{}, errs.E(errs.Conflict, "ratings.error.task_state")
}

// moveTx changes a task's status from one to another with the columns set, or fails with
// errs.Conflict when someone moved it first.
func moveTx(ctx context.Context, tx *store.Tx, id string, from, to TaskStatus, set string, args ...any) error {
	args = append(append([]any{string(to)}, args...), id, string(from))
	res, err := tx.Exec(ctx, `UPDATE rating_tasks SET status = ?, `+set+` WHERE id = ? AND status = ?`, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.E(errs.Conflict, "ratings.error.task_moved")
	}
	return nil
}

// NewCallBack is a call made to the person about their bad rating.
type NewCallBack struct {
	// CalledAt is when the call was made: not in the future, not before the rating.
	CalledAt time.Time
	Reached  bool
	// Account is what the person said (required when they were reached).
	Account string
}

// RecordCallBack records a call-back on a task that is not done; any official of the rated
// organisation may record the calls they made.
func (s *Service) RecordCallBack(ctx context.Context, p principal.Principal, taskID string, c NewCallBack) (CallBack, error) {
	t, err := s.actOn(ctx, p, taskID, false, TaskOpen, TaskVerified, TaskRectified)
	if err != nil {
		return CallBack{}, err
	}
	account, ok := CleanText(c.Account, MaxNoteRunes)
	switch {
	case !ok:
		return CallBack{}, errs.Field("account", "ratings.error.note", MaxNoteRunes)
	case c.Reached && account == "":
		return CallBack{}, errs.Field("account", "ratings.error.account_required")
	case c.CalledAt.IsZero() || c.CalledAt.After(s.db.Clock().Now()) || c.CalledAt.Before(t.OpenedAt.Add(-time.Minute)):
		return CallBack{}, errs.Field("called_at", "ratings.error.called_at")
	}
	cb := CallBack{ID: newID("rcb_"), TaskID: t.ID, Caller: p.Actor(), CalledAt: c.CalledAt.UTC(), Reached: c.Reached, Account: account}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		cb.RecordedAt = tx.Now
		if _, err := tx.Exec(ctx, `INSERT INTO rating_callbacks (id, task_id, caller, called_at, reached, account, recorded_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, cb.ID, cb.TaskID, cb.Caller, cb.CalledAt, b2i(cb.Reached), cb.Account, cb.RecordedAt); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "rating.task_callback", ObjectType: "rating_task", ObjectID: t.ID, After: cb,
			Detail: map[string]any{"reached": cb.Reached}})
	})
	return cb, err
}

// Verify records the rated organisation's findings on an open task. A real-name bad rating must
// have been called back first (errs.Conflict otherwise). Administrators of the organisation only.
func (s *Service) Verify(ctx context.Context, p principal.Principal, taskID, findings string) (Task, error) {
	t, err := s.actOn(ctx, p, taskID, true, TaskOpen)
	if err != nil {
		return Task{}, err
	}
	findings, ok := CleanText(findings, MaxNoteRunes)
	if !ok || findings == "" {
		return Task{}, errs.Field("findings", "ratings.error.findings", MaxNoteRunes)
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		if t.RealName {
			var n int
			if err := tx.Get(ctx, &n, `SELECT COUNT(*) FROM rating_callbacks WHERE task_id = ?`, t.ID); err != nil {
				return err
			}
			if n == 0 {
				return errs.E(errs.Conflict, "ratings.error.callback_first")
			}
		}
		if err := moveTx(ctx, tx, t.ID, TaskOpen, TaskVerified, `findings = ?, verified_by = ?, verified_at = ?`,
			findings, p.Actor(), tx.Now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "rating.task_verify", ObjectType: "rating_task", ObjectID: t.ID,
			After: map[string]any{"findings": findings}})
	})
	if err != nil {
		return Task{}, err
	}
	return s.loadTask(ctx, nil, t.ID)
}

// Rectify records the measures taken on a verified task. Administrators of the organisation only.
func (s *Service) Rectify(ctx context.Context, p principal.Principal, taskID, measures string) (Task, error) {
	t, err := s.actOn(ctx, p, taskID, true, TaskVerified)
	if err != nil {
		return Task{}, err
	}
	measures, ok := CleanText(measures, MaxNoteRunes)
	if !ok || measures == "" {
		return Task{}, errs.Field("measures", "ratings.error.measures", MaxNoteRunes)
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		if err := moveTx(ctx, tx, t.ID, TaskVerified, TaskRectified, `measures = ?, rectified_by = ?, rectified_at = ?`,
			measures, p.Actor(), tx.Now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "rating.task_rectify", ObjectType: "rating_task", ObjectID: t.ID,
			After: map[string]any{"measures": measures}})
	})
	if err != nil {
		return Task{}, err
	}
	return s.loadTask(ctx, nil, t.ID)
}

// Close closes a rectified task, with an optional note; a task closed after its deadline is
// flagged overdue. The person who rated, when known, is told. Administrators of the
// organisation only.
func (s *Service) Close(ctx context.Context, p principal.Principal, taskID, note string) (Task, error) {
	t, err := s.actOn(ctx, p, taskID, true, TaskRectified)
	if err != nil {
		return Task{}, err
	}
	note, ok := CleanText(note, MaxNoteRunes)
	if !ok {
		return Task{}, errs.Field("note", "ratings.error.note", MaxNoteRunes)
	}
	r, err := s.loadRating(ctx, nil, t.RatingID)
	if err != nil {
		return Task{}, err
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		late := !tx.Now.Before(t.DueAt)
		set, args := `closing_note = ?, closed_by = ?, closed_at = ?`, []any{note, p.Actor(), tx.Now}
		if late && !t.Overdue {
			// Closed late before the sweep noticed: flagged now, so that late stays late.
			set, args = set+`, overdue = 1, overdue_at = ?`, append(args, tx.Now)
		}
		if err := moveTx(ctx, tx, t.ID, TaskRectified, TaskClosed, set, args...); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Change{Action: "rating.task_close", ObjectType: "rating_task", ObjectID: t.ID,
			Detail: map[string]any{"on_time": !late}}); err != nil {
			return err
		}
		if s.cfg.Notifier != nil && r.rater != nil {
			what, link := r.ItemCode, ""
			if r.Kind == KindCase {
				what, link = r.CaseNumber, CasePath(r.CaseID)
			}
			return s.cfg.Notifier.SendTx(ctx, tx, *r.rater, "ratings.notify.task_closed", []string{what}, link)
		}
		return nil
	})
	if err != nil {
		return Task{}, err
	}
	return s.loadTask(ctx, nil, t.ID)
}

// CasePath is the rating page of a case.
func CasePath(caseID string) string { return "/ratings/case/" + caseID }

// TopicOverdue is the event of a task whose deadline passed; its payload is OverdueEvent.
const TopicOverdue = "rating.task_overdue"

// OverdueEvent is the payload of TopicOverdue.
type OverdueEvent struct {
	TaskID   string    `json:"task_id"`
	RatingID string    `json:"rating_id"`
	Org      string    `json:"org"`
	DueAt    time.Time `json:"due_at"`
}

// Sweep flags every task whose deadline has passed undone as overdue, each with an audit record
// and a rating.task_overdue event, and returns how many it flagged. The platform runs it
// periodically (every few minutes is plenty: deadlines end at midnight).
func (s *Service) Sweep(ctx context.Context) (flagged int, err error) {
	defer errs.Wrap(&err, "ratings.Sweep")
	ctx = principal.With(ctx, principal.SystemPrincipal)
	for {
		n, selected := 0, 0
		err := s.db.Transact(ctx, func(tx *store.Tx) error {
			n = 0
			var due []Task
			if err := tx.Select(ctx, &due, `SELECT `+taskColumns+taskFrom+` WHERE t.status IN ('open', 'verified', 'rectified')
				AND t.overdue = 0 AND t.due_at <= ? ORDER BY t.due_at, t.id LIMIT 200`, tx.Now); err != nil {
				return err
			}
			selected = len(due)
			for _, t := range due {
				res, err := tx.Exec(ctx, `UPDATE rating_tasks SET overdue = 1, overdue_at = ? WHERE id = ? AND overdue = 0`, tx.Now, t.ID)
				if err != nil {
					return err
				}
				if k, _ := res.RowsAffected(); k != 1 {
					continue
				}
				if err := audit.Record(ctx, tx, audit.Change{Action: "rating.task_overdue", ObjectType: "rating_task", ObjectID: t.ID,
					Detail: map[string]any{"org": t.Org, "status": string(t.Status)}}); err != nil {
					return err
				}
				if err := events.Enqueue(ctx, tx, TopicOverdue, OverdueEvent{TaskID: t.ID, RatingID: t.RatingID, Org: t.Org, DueAt: t.DueAt}); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return flagged, err
		}
		flagged += n
		if selected < 200 {
			return flagged, nil
		}
	}
}

// LastDay is the last working day allowed, at midnight China time.
func (t Task) LastDay() time.Time {
	y, m, d := t.DueAt.Add(-time.Nanosecond).In(clock.China).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, clock.China)
}
