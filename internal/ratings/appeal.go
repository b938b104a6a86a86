package ratings

import (
	"context"
	"slices"
	"time"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// AppealStatus is where an appeal stands.
type AppealStatus string

// Appeal statuses.
const (
	AppealPending  AppealStatus = "pending"
	AppealUpheld   AppealStatus = "upheld"
	AppealRejected AppealStatus = "rejected"
)

// Key is the message key of the status's name.
func (s AppealStatus) Key() string { return "ratings.appeal_status." + string(s) }

// Appeal is a rated organisation's appeal against a bad rating it holds malicious.
type Appeal struct {
	ID           string       `db:"id" json:"id"`
	RatingID     string       `db:"rating_id" json:"rating_id"`
	Org          string       `db:"org_code" json:"org"`
	Reason       string       `db:"reason" json:"reason"`
	Evidence     string       `db:"evidence" json:"evidence"`
	Status       AppealStatus `db:"status" json:"status"`
	AppealedBy   string       `db:"appealed_by" json:"appealed_by"`
	AppealedAt   time.Time    `db:"appealed_at" json:"appealed_at"`
	DecidedBy    *string      `db:"decided_by" json:"decided_by,omitempty"`
	DecidedAt    *time.Time   `db:"decided_at" json:"decided_at,omitempty"`
	DecisionNote string       `db:"decision_note" json:"decision_note,omitempty"`

	// What lists show of the rating.
	Level      Level  `db:"level" json:"level"`
	CaseNumber string `db:"case_number" json:"case_number,omitempty"`
	ItemCode   string `db:"item_code" json:"item_code,omitempty"`
	TaskID     string `db:"task_id" json:"task_id,omitempty"`
}

const appealColumns = `a.id, a.rating_id, a.org_code, a.reason, a.evidence, a.status, a.appealed_by, a.appealed_at,
	a.decided_by, a.decided_at, a.decision_note, r.level, r.case_number, r.item_code, COALESCE(t.id, '') AS task_id`

const appealFrom = ` FROM rating_appeals a JOIN ratings r ON r.id = a.rating_id LEFT JOIN rating_tasks t ON t.rating_id = a.rating_id`

func (s *Service) appealOf(ctx context.Context, tx *store.Tx, ratingID string) (Appeal, error) {
	var a Appeal
	err := s.q(tx).Get(ctx, &a, `SELECT `+appealColumns+appealFrom+` WHERE a.rating_id = ?`, ratingID)
	if err == nil {
		a.Evidence = MaskText(a.Evidence)
	}
	return a, err
}

// FileAppeal records the rated organisation's appeal against one of its bad ratings as
// malicious, on one of AppealReasons with the evidence. Administrators of the organisation only;
// one appeal per rating (errs.Conflict for a second, or for a rating that is not bad).
func (s *Service) FileAppeal(ctx context.Context, p principal.Principal, ratingID, reason, evidence string) (Appeal, error) {
	if !p.Authenticated() {
		return Appeal{}, errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	r, err := s.loadRating(ctx, nil, ratingID)
	if err != nil {
		return Appeal{}, err
	}
	if !readsOrg(p, r.Org) {
		return Appeal{}, errs.E(errs.NotFound, "ratings.error.rating_not_found")
	}
	if !administers(p, r.Org) {
		return Appeal{}, errs.E(errs.Forbidden, "ratings.error.appeal_forbidden")
	}
	if !slices.Contains(AppealReasons, reason) {
		return Appeal{}, errs.Field("reason", "ratings.error.appeal_reason")
	}
	evidence, ok := CleanText(evidence, MaxNoteRunes)
	if !ok || evidence == "" {
		return Appeal{}, errs.Field("evidence", "ratings.error.evidence", MaxNoteRunes)
	}
	if !r.Level.Bad() {
		return Appeal{}, errs.E(errs.Conflict, "ratings.error.appeal_not_bad")
	}
	a := Appeal{ID: newID("rap_"), RatingID: r.ID, Org: r.Org, Reason: reason, Evidence: evidence, Status: AppealPending,
		AppealedBy: p.Actor(), Level: r.Level, CaseNumber: r.CaseNumber, ItemCode: r.ItemCode}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		a.AppealedAt = tx.Now
		var n int
		if err := tx.Get(ctx, &n, `SELECT COUNT(*) FROM rating_appeals WHERE rating_id = ?`, r.ID); err != nil {
			return err
		}
		if n > 0 {
			return errs.E(errs.Conflict, "ratings.error.appeal_exists")
		}
		if _, err := tx.Exec(ctx, `INSERT INTO rating_appeals (id, rating_id, org_code, reason, evidence, status, appealed_by, appealed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, a.ID, a.RatingID, a.Org, a.Reason, a.Evidence, string(a.Status), a.AppealedBy, a.AppealedAt); err != nil {
			if errs.Is(err, errs.Conflict) {
				return errs.Wrapf(errs.Conflict, err, "ratings.error.appeal_exists")
			}
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "rating.appeal_file", ObjectType: "rating_appeal", ObjectID: a.ID, After: a,
			Detail: map[string]any{"rating": r.ID, "org": r.Org, "reason": reason}})
	})
	if err != nil {
		return Appeal{}, err
	}
	return s.loadAppeal(ctx, nil, a.ID)
}

func (s *Service) loadAppeal(ctx context.Context, tx *store.Tx, id string) (Appeal, error) {
	var a Appeal
	if err := s.q(tx).Get(ctx, &a, `SELECT `+appealColumns+appealFrom+` WHERE a.id = ?`, id); err != nil {
		if errs.Is(err, errs.NotFound) {
			return Appeal{}, errs.E(errs.NotFound, "ratings.error.appeal_not_found")
		}
		return Appeal{}, err
	}
	a.Evidence = MaskText(a.Evidence)
	return a, nil
}

// AppealFilter selects appeals; zero fields match everything.
type AppealFilter struct {
	// Org: officials outside the digital office always get their own organisation's.
	Org    string
	Status AppealStatus
	Limit  int
}

// Appeals lists appeals, pending ones first, oldest first among them: the rated organisation's
// to its officials, any organisation's to the digital office's. Evidence is masked.
func (s *Service) Appeals(ctx context.Context, p principal.Principal, f AppealFilter) ([]Appeal, error) {
	orgCode, err := orgScope(p, f.Org)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + appealColumns + appealFrom + ` WHERE 1 = 1`
	var args []any
	if orgCode != "" {
		q += ` AND a.org_code = ?`
		args = append(args, orgCode)
	}
	if f.Status != "" {
		q += ` AND a.status = ?`
		args = append(args, string(f.Status))
	}
	q += ` ORDER BY CASE WHEN a.status = 'pending' THEN 0 ELSE 1 END, a.appealed_at, a.id LIMIT ?`
	args = append(args, limitOf(f.Limit))
	out := []Appeal{}
	if err := s.db.Select(ctx, &out, q, args...); err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Evidence = MaskText(out[i].Evidence)
	}
	return out, nil
}

// DecideAppeal upholds or rejects a pending appeal, with a note (required when rejecting). An
// upheld appeal excludes the rating from the statistics — it stays on record with the decision —
// and cancels its rectification task unless that was closed. The digital office's
// administrators only (errs.Forbidden for other officials who may read the appeal).
func (s *Service) DecideAppeal(ctx context.Context, p principal.Principal, appealID string, uphold bool, note string) (Appeal, error) {
	if !p.Authenticated() {
		return Appeal{}, errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	a, err := s.loadAppeal(ctx, nil, appealID)
	if err != nil {
		return Appeal{}, err
	}
	if !readsOrg(p, a.Org) {
		return Appeal{}, errs.E(errs.NotFound, "ratings.error.appeal_not_found")
	}
	if !decidesAppeals(p) {
		return Appeal{}, errs.E(errs.Forbidden, "ratings.error.decide_forbidden")
	}
	note, ok := CleanText(note, MaxNoteRunes)
	if !ok || !uphold && note == "" {
		return Appeal{}, errs.Field("note", "ratings.error.decision_note", MaxNoteRunes)
	}
	status, action := AppealRejected, "rating.appeal_reject"
	if uphold {
		status, action = AppealUpheld, "rating.appeal_uphold"
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE rating_appeals SET status = ?, decided_by = ?, decided_at = ?, decision_note = ?
			WHERE id = ? AND status = 'pending'`, string(status), p.Actor(), tx.Now, note, a.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "ratings.error.appeal_decided")
		}
		if err := audit.Record(ctx, tx, audit.Change{Action: action, ObjectType: "rating_appeal", ObjectID: a.ID,
			Detail: map[string]any{"rating": a.RatingID, "org": a.Org}}); err != nil {
			return err
		}
		if !uphold {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE ratings SET excluded = 1 WHERE id = ?`, a.RatingID); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Change{Action: "rating.exclude", ObjectType: "rating", ObjectID: a.RatingID,
			Detail: map[string]any{"appeal": a.ID}}); err != nil {
			return err
		}
		res, err = tx.Exec(ctx, `UPDATE rating_tasks SET status = 'cancelled', cancelled_at = ?
			WHERE rating_id = ? AND status IN ('open', 'verified', 'rectified')`, tx.Now, a.RatingID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 && a.TaskID != "" {
			return audit.Record(ctx, tx, audit.Change{Action: "rating.task_cancel", ObjectType: "rating_task", ObjectID: a.TaskID,
				Detail: map[string]any{"appeal": a.ID}})
		}
		return nil
	})
	if err != nil {
		return Appeal{}, err
	}
	return s.loadAppeal(ctx, nil, a.ID)
}
