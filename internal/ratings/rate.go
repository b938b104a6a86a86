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

// TopicBad is the event of a bad rating; its payload is BadEvent.
const TopicBad = "rating.bad"

// BadEvent is the payload of TopicBad: the rating, the rated organisation, the case rated
// ("" for a window visit) and the rectification task it opened.
type BadEvent struct {
	RatingID string `json:"rating_id"`
	Org      string `json:"org"`
	CaseID   string `json:"case_id"`
	VisitID  string `json:"visit_id,omitempty"`
	Level    int    `json:"level"`
	TaskID   string `json:"task_id"`
}

// CaseRating is a case as its applicant sees it on the rating page: the case and its rating,
// if given.
type CaseRating struct {
	Subject Subject
	Rating  *Rating
}

// applicant returns the case for its applicant: the resident who applied for themselves, or
// the agent who applied for an enterprise, acting for it now. Anyone else gets errs.NotFound, the
// public errs.Unauthenticated.
func (s *Service) applicant(ctx context.Context, p principal.Principal, caseID string) (Subject, error) {
	if !p.Authenticated() {
		return Subject{}, errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	if s.cfg.Cases == nil || caseID == "" || len(caseID) > 100 {
		return Subject{}, errs.E(errs.NotFound, "ratings.error.case_not_found")
	}
	sub, err := s.cfg.Cases.RatingSubject(ctx, caseID)
	if errs.Is(err, errs.NotFound) {
		return Subject{}, errs.E(errs.NotFound, "ratings.error.case_not_found")
	}
	if err != nil {
		return Subject{}, err
	}
	mine := sub.Owner != 0 && p.AccountID == sub.Owner && p.ActingFor == sub.OwnerActingFor &&
		(sub.OwnerActingFor == "" && p.Kind == principal.Resident || sub.OwnerActingFor != "" && p.Kind == principal.Agent)
	if !mine {
		return Subject{}, errs.E(errs.NotFound, "ratings.error.case_not_found")
	}
	return sub, nil
}

// ForCase returns a case and its rating, if any, to its applicant; errs.NotFound to anyone else.
func (s *Service) ForCase(ctx context.Context, p principal.Principal, caseID string) (CaseRating, error) {
	sub, err := s.applicant(ctx, p, caseID)
	if err != nil {
		return CaseRating{}, err
	}
	out := CaseRating{Subject: sub}
	var row ratingRow
	err = s.db.Get(ctx, &row, `SELECT `+ratingColumns+` FROM ratings WHERE case_id = ?`, sub.CaseID)
	switch {
	case err == nil:
		r := row.rating()
		out.Rating = &r
	case !errs.Is(err, errs.NotFound):
		return CaseRating{}, err
	}
	return out, nil
}

// RateCase records the applicant's rating of a completed case. It returns errs.NotFound to
// anyone but the applicant, errs.Conflict if the case is not completed or already rated, and
// errs.Invalid naming the field for bad input. A bad rating opens a rectification task.
func (s *Service) RateCase(ctx context.Context, p principal.Principal, caseID string, in Input) (Rating, error) {
	sub, err := s.applicant(ctx, p, caseID)
	if err != nil {
		return Rating{}, err
	}
	if in, err = in.Check(caseChannels); err != nil {
		return Rating{}, err
	}
	if !sub.Completed {
		return Rating{}, errs.E(errs.Conflict, "ratings.error.case_not_completed")
	}
	if sub.Org == "" {
		// No organisation answers for the case (a bundle without a lead organisation): each of
		// its cases is rated with the organisation that handled it.
		return Rating{}, errs.E(errs.Conflict, "ratings.error.case_no_org")
	}
	rater := p.AccountID
	r := Rating{ID: newID("rat_"), Kind: KindCase, CaseID: sub.CaseID, CaseNumber: sub.CaseNumber, Org: sub.Org,
		ItemCode: sub.ItemCode, ItemName: sub.ItemNameHans, Level: in.Level, Bad: in.Level.Bad(), Tags: in.Tags,
		Comment: in.Comment, Channel: in.Channel, RealName: true, ActingFor: p.ActingFor, rater: &rater}
	admins, err := s.admins(ctx, r)
	if err != nil {
		return Rating{}, err
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.Get(ctx, &n, `SELECT COUNT(*) FROM ratings WHERE case_id = ?`, sub.CaseID); err != nil {
			return err
		}
		if n > 0 {
			return errs.E(errs.Conflict, "ratings.error.already_rated")
		}
		return s.insertTx(ctx, tx, &r, admins)
	})
	if errs.Is(err, errs.Conflict) && errs.Public(err).Message != "ratings.error.already_rated" {
		// The unique index may have caught a rating given at the same moment.
		var n int
		if cerr := s.db.Get(ctx, &n, `SELECT COUNT(*) FROM ratings WHERE case_id = ?`, sub.CaseID); cerr == nil && n > 0 {
			return Rating{}, errs.Wrapf(errs.Conflict, err, "ratings.error.already_rated")
		}
	}
	if err != nil {
		return Rating{}, err
	}
	return r, nil
}

// admins returns whom to tell of a bad rating: the rated organisation's administrators, when
// a notifier and a directory of them are configured.
func (s *Service) admins(ctx context.Context, r Rating) ([]int64, error) {
	if !r.Level.Bad() || s.cfg.Notifier == nil || s.cfg.Administrators == nil {
		return nil, nil
	}
	return s.cfg.Administrators(ctx, r.Org)
}

// insertTx stores r in tx with the audit record and, for a bad rating, the rectification task,
// the rating.bad event and the administrators' messages.
func (s *Service) insertTx(ctx context.Context, tx *store.Tx, r *Rating, admins []int64) error {
	r.RatedAt = tx.Now
	var caseID, visitID *string
	if r.Kind == KindCase {
		caseID = &r.CaseID
	} else {
		visitID = &r.VisitID
	}
	if _, err := tx.Exec(ctx, `INSERT INTO ratings (id, subject_kind, case_id, visit_id, case_number, org_code, item_code,
		item_name, level, tags, comment, channel, real_name, rater_account, rater_acting_for, rated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, string(r.Kind), caseID, visitID, r.CaseNumber, r.Org, r.ItemCode, r.ItemName, int(r.Level), joinTags(r.Tags),
		r.Comment, string(r.Channel), b2i(r.RealName), r.rater, r.ActingFor, r.RatedAt); err != nil {
		return err
	}
	if err := audit.Record(ctx, tx, audit.Change{Action: "rating.create", ObjectType: "rating", ObjectID: r.ID, After: r,
		Detail: map[string]any{"kind": string(r.Kind), "org": r.Org, "level": int(r.Level), "channel": string(r.Channel),
			"real_name": r.RealName}}); err != nil {
		return err
	}
	if !r.Level.Bad() {
		return nil
	}
	task, err := s.openTaskTx(ctx, tx, *r)
	if err != nil {
		return err
	}
	if err := events.Enqueue(ctx, tx, TopicBad, BadEvent{RatingID: r.ID, Org: r.Org, CaseID: r.CaseID, VisitID: r.VisitID,
		Level: int(r.Level), TaskID: task.ID}); err != nil {
		return err
	}
	what := r.CaseNumber
	if r.Kind == KindVisit {
		what = r.ItemCode
	}
	for _, a := range admins {
		if err := s.cfg.Notifier.SendTx(ctx, tx, a, "ratings.notify.bad_rating", []string{what, task.DueAt.Add(-time.Nanosecond).In(clock.China).Format(time.DateOnly)},
			TaskPath(task.ID)); err != nil {
			return err
		}
	}
	return nil
}

// TaskPath is the page of a rectification task.
func TaskPath(id string) string { return "/ratings/tasks/" + id }

// FollowUp adds the person's follow-up comment (追评) to their rating, once. It returns
// errs.NotFound to anyone but the person who rated, errs.Conflict for a second follow-up.
func (s *Service) FollowUp(ctx context.Context, p principal.Principal, ratingID, text string) (Rating, error) {
	r, err := s.loadRating(ctx, nil, ratingID)
	if err != nil {
		return Rating{}, err
	}
	if !r.ratedBy(p) {
		return Rating{}, errs.E(errs.NotFound, "ratings.error.rating_not_found")
	}
	text, ok := CleanText(text, MaxCommentRunes)
	if !ok || text == "" {
		return Rating{}, errs.Field("follow_up", "ratings.error.follow_up", MaxCommentRunes)
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE ratings SET follow_up = ?, follow_up_at = ? WHERE id = ? AND follow_up = ''`, text, tx.Now, r.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "ratings.error.follow_up_given")
		}
		now := tx.Now
		r.FollowUp, r.FollowUpAt = text, &now
		return audit.Record(ctx, tx, audit.Change{Action: "rating.follow_up", ObjectType: "rating", ObjectID: r.ID, After: r})
	})
	if err != nil {
		return Rating{}, err
	}
	return r, nil
}
