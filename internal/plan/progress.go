package plan

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/blob"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/events"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Limits on a progress report.
const (
	MaxReportRunes     = 10000
	MaxAttachments     = 5
	MaxAttachmentBytes = 10 << 20
)

// allowedAttachmentTypes are the sniffed content types a report may carry: documents, images,
// spreadsheets and word-processor files (zip containers), plain text.
var allowedAttachmentTypes = []string{"application/pdf", "image/png", "image/jpeg", "application/zip", "text/plain; charset=utf-8"}

// ReportInput is what a responsible unit reports on an item.
type ReportInput struct {
	Body     string
	Progress int
	// Figures maps target ids of the item to the value reached so far.
	Figures     map[int64]float64
	Attachments []NewAttachment
}

// NewAttachment is an uploaded file for a report.
type NewAttachment struct {
	Filename string
	Data     []byte
}

// CanReport reports whether p may report progress on an item assigned to orgs: an official of
// one of the assigned organisations.
func CanReport(p principal.Principal, orgs []Assign) bool {
	if p.Kind != principal.Official {
		return false
	}
	return slices.ContainsFunc(orgs, func(a Assign) bool { return a.OrgCode == p.OrgCode })
}

// CanReview reports whether p may review progress and set deadlines: a reviewer or
// administrator of the coordinating organisation.
func (s *Service) CanReview(p principal.Principal) bool {
	return p.IsOfficial(s.coordinator) && (p.HasRole(principal.RoleReviewer) || p.HasRole(principal.RoleAdministrator))
}

// CanSeeReports reports whether p may read the text of progress reports: any official. The
// public sees each item's reviewed progress but not the reports behind it.
func CanSeeReports(p principal.Principal) bool {
	return p.Kind == principal.Official || p.Kind == principal.System
}

// SubmitReport records an official's progress report on an item for their organisation.
// Returns errs.Forbidden unless the official's organisation answers for the item, errs.Invalid
// (naming the field) for bad input.
func (s *Service) SubmitReport(ctx context.Context, itemID int64, in ReportInput) (r *Report, err error) {
	defer errs.Wrap(&err, "plan.SubmitReport(%d)", itemID)
	p := principal.From(ctx)
	if !p.Authenticated() {
		return nil, errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	item, err := s.Item(ctx, itemID)
	if err != nil {
		return nil, err
	}
	if !CanReport(p, item.Assigned) {
		return nil, errs.E(errs.Forbidden, "plan.error.not_responsible")
	}
	in.Body = strings.TrimSpace(in.Body)
	switch {
	case in.Body == "":
		return nil, errs.Field("body", "plan.error.body_required")
	case !utf8.ValidString(in.Body):
		return nil, errs.Field("body", "error.invalid")
	case utf8.RuneCountInString(in.Body) > MaxReportRunes:
		return nil, errs.Field("body", "plan.error.body_too_long", MaxReportRunes)
	case in.Progress < 0 || in.Progress > 100:
		return nil, errs.Field("progress", "plan.error.progress_range")
	case len(in.Attachments) > MaxAttachments:
		return nil, errs.Field("attachments", "plan.error.too_many_attachments", MaxAttachments)
	}
	targets := map[int64]bool{}
	for _, t := range item.Targets {
		targets[t.ID] = true
	}
	for id, v := range in.Figures {
		if !targets[id] {
			return nil, errs.Field("figure_"+strconv.FormatInt(id, 10), "plan.error.no_such_target", id)
		}
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) || v > 1e12 {
			return nil, errs.Field("figure_"+strconv.FormatInt(id, 10), "plan.error.figure_range")
		}
	}
	for i, a := range in.Attachments {
		name := filepath.Base(strings.ReplaceAll(a.Filename, "\\", "/"))
		if name == "." || name == "/" || name == "" || utf8.RuneCountInString(name) > 200 || !utf8.ValidString(name) {
			return nil, errs.Field("attachments", "plan.error.bad_filename")
		}
		in.Attachments[i].Filename = name
		if len(a.Data) > MaxAttachmentBytes {
			return nil, errs.E(errs.TooLarge, "plan.error.attachment_too_large", name, MaxAttachmentBytes>>20)
		}
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		id, err := tx.InsertID(ctx, `INSERT INTO plan_reports (item_id, org_code, reporter, submitted_at, body, progress, status)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, itemID, p.OrgCode, p.Login, tx.Now, in.Body, in.Progress, ReportSubmitted)
		if err != nil {
			return err
		}
		r = &Report{ID: id, ItemID: itemID, OrgCode: p.OrgCode, Reporter: p.Login, SubmittedAt: tx.Now, Body: in.Body,
			Progress: in.Progress, Status: ReportSubmitted}
		ids := make([]int64, 0, len(in.Figures))
		for tid := range in.Figures {
			ids = append(ids, tid)
		}
		slices.Sort(ids)
		for _, tid := range ids {
			if _, err := tx.Exec(ctx, `INSERT INTO plan_report_figures (report_id, target_id, value) VALUES (?, ?, ?)`, id, tid, in.Figures[tid]); err != nil {
				return err
			}
			r.Figures = append(r.Figures, Figure{TargetID: tid, Value: in.Figures[tid]})
		}
		for _, a := range in.Attachments {
			b, err := blob.Put(ctx, tx, a.Data)
			if err != nil {
				return err
			}
			if !slices.Contains(allowedAttachmentTypes, b.ContentType) {
				return errs.Field("attachments", "plan.error.attachment_type", a.Filename)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO plan_report_attachments (report_id, sha256, filename) VALUES (?, ?, ?)`, id, b.SHA256, a.Filename); err != nil {
				if errs.Is(err, errs.Conflict) {
					return errs.Field("attachments", "plan.error.duplicate_attachment", a.Filename)
				}
				return err
			}
			r.Attachments = append(r.Attachments, Attachment{SHA256: b.SHA256, Filename: a.Filename})
		}
		if err := audit.Record(ctx, tx, audit.Change{Action: "plan.report.submitted", ObjectType: "plan_report",
			ObjectID: strconv.FormatInt(id, 10), After: r, Detail: map[string]any{"item_id": itemID, "org": p.OrgCode}}); err != nil {
			return err
		}
		return events.Enqueue(ctx, tx, "plan.report.submitted", map[string]any{"report_id": id, "item_id": itemID, "org": p.OrgCode, "progress": in.Progress})
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// ReviewReport accepts or returns a submitted report. Accepting sets the item's progress, its
// targets' reached figures and its status; returning needs a comment that says what is missing.
// Returns errs.Forbidden unless the principal is a reviewer of the coordinating organisation,
// errs.Conflict if the report was already reviewed.
func (s *Service) ReviewReport(ctx context.Context, reportID int64, accept bool, comment string) (r *Report, err error) {
	defer errs.Wrap(&err, "plan.ReviewReport(%d)", reportID)
	p := principal.From(ctx)
	if !p.Authenticated() {
		return nil, errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	if !s.CanReview(p) {
		return nil, errs.E(errs.Forbidden, "plan.error.not_reviewer")
	}
	comment = strings.TrimSpace(comment)
	if !accept && comment == "" {
		return nil, errs.Field("comment", "plan.error.comment_required")
	}
	if utf8.RuneCountInString(comment) > 2000 {
		return nil, errs.Field("comment", "plan.error.comment_too_long", 2000)
	}
	before, err := s.report(ctx, reportID)
	if err != nil {
		return nil, err
	}
	// Four eyes: whoever filed a report does not review it, whatever roles they hold.
	if before.Reporter == p.Login {
		return nil, errs.E(errs.Forbidden, "plan.error.own_report")
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		status := ReportReturned
		if accept {
			status = ReportAccepted
		}
		res, err := tx.Exec(ctx, `UPDATE plan_reports SET status = ?, reviewer = ?, reviewed_at = ?, review_comment = ?
			WHERE id = ? AND status = ?`, status, p.Login, tx.Now, comment, reportID, ReportSubmitted)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "plan.error.already_reviewed")
		}
		after := *before
		after.Status, after.Reviewer, after.ReviewComment = status, p.Login, comment
		now := tx.Now
		after.ReviewedAt = &now
		r = &after
		if accept {
			itemStatus := StatusInProgress
			switch {
			case before.Progress >= 100:
				itemStatus = StatusCompleted
			case before.Progress == 0:
				itemStatus = StatusNotStarted
			}
			if _, err := tx.Exec(ctx, `UPDATE plan_items SET progress = ?, status = ? WHERE id = ?`, before.Progress, itemStatus, before.ItemID); err != nil {
				return err
			}
			for _, f := range before.Figures {
				if _, err := tx.Exec(ctx, `UPDATE plan_targets SET reached = ? WHERE id = ? AND item_id = ?`, f.Value, f.TargetID, before.ItemID); err != nil {
					return err
				}
			}
		}
		action := "plan.report.returned"
		if accept {
			action = "plan.report.accepted"
		}
		if err := audit.Record(ctx, tx, audit.Change{Action: action, ObjectType: "plan_report",
			ObjectID: strconv.FormatInt(reportID, 10), Before: before, After: r}); err != nil {
			return err
		}
		return events.Enqueue(ctx, tx, action, map[string]any{"report_id": reportID, "item_id": before.ItemID, "org": before.OrgCode})
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// SetDeadline changes an item's deadline (a civil date). Only the coordinating organisation's
// reviewers and administrators may.
func (s *Service) SetDeadline(ctx context.Context, itemID int64, deadline string) (err error) {
	defer errs.Wrap(&err, "plan.SetDeadline(%d)", itemID)
	p := principal.From(ctx)
	if !p.Authenticated() {
		return errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	if !s.CanReview(p) && p.Kind != principal.System {
		return errs.E(errs.Forbidden, "plan.error.not_reviewer")
	}
	d, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(deadline), clock.China)
	if err != nil || d.Year() < 2000 || d.Year() > 2100 {
		return errs.Field("deadline", "plan.error.bad_deadline")
	}
	return s.db.Transact(ctx, func(tx *store.Tx) error {
		var old string
		if err := tx.Get(ctx, &old, `SELECT deadline FROM plan_items WHERE id = ?`, itemID); err != nil {
			if errs.Is(err, errs.NotFound) {
				return errs.E(errs.NotFound, "plan.error.no_such_item", itemID)
			}
			return err
		}
		nd := d.Format(time.DateOnly)
		if old == nd {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE plan_items SET deadline = ? WHERE id = ?`, nd, itemID); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Change{Action: "plan.item.deadline_set", ObjectType: "plan_item",
			ObjectID: strconv.FormatInt(itemID, 10), Before: map[string]string{"deadline": old}, After: map[string]string{"deadline": nd}}); err != nil {
			return err
		}
		return events.Enqueue(ctx, tx, "plan.item.deadline_set", map[string]any{"item_id": itemID, "deadline": nd})
	})
}

// ItemReports returns an item's progress reports, for officials only.
func (s *Service) ItemReports(ctx context.Context, itemID int64) ([]Report, error) {
	if !principal.From(ctx).Authenticated() {
		return nil, errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	if !CanSeeReports(principal.From(ctx)) {
		return nil, errs.E(errs.Forbidden, "plan.error.reports_officials_only")
	}
	return s.reports(ctx, `item_id = ?`, itemID)
}

// Report returns one progress report, for officials only. Returns errs.NotFound if there is none.
func (s *Service) Report(ctx context.Context, id int64) (*Report, error) {
	p := principal.From(ctx)
	if !p.Authenticated() {
		return nil, errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	if !CanSeeReports(p) {
		return nil, errs.E(errs.Forbidden, "plan.error.reports_officials_only")
	}
	return s.report(ctx, id)
}

// PendingReports returns the reports waiting for review, for the coordinating organisation.
func (s *Service) PendingReports(ctx context.Context) ([]Report, error) {
	if !principal.From(ctx).Authenticated() {
		return nil, errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	if !s.CanReview(principal.From(ctx)) {
		return nil, errs.E(errs.Forbidden, "plan.error.not_reviewer")
	}
	return s.reports(ctx, `status = ?`, ReportSubmitted)
}

// Attachment returns a report attachment's bytes, for officials only, checking that the file
// belongs to that report.
func (s *Service) Attachment(ctx context.Context, reportID int64, sha string) (Attachment, blob.Blob, []byte, error) {
	if !principal.From(ctx).Authenticated() {
		return Attachment{}, blob.Blob{}, nil, errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	if !CanSeeReports(principal.From(ctx)) {
		return Attachment{}, blob.Blob{}, nil, errs.E(errs.Forbidden, "plan.error.reports_officials_only")
	}
	var a Attachment
	if err := s.db.Get(ctx, &a, `SELECT sha256, filename FROM plan_report_attachments WHERE report_id = ? AND sha256 = ?`, reportID, sha); err != nil {
		return a, blob.Blob{}, nil, err
	}
	b, data, err := blob.Get(ctx, s.db, sha)
	return a, b, data, err
}
