package plan

import (
	"context"
	"time"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/store"
)

const documentColumns = `id, number, title, issuer, issued_on, preamble, source_sha256, revision, imported_at, updated_at`

// Documents lists the stored plans, newest issue date first, without their sections.
func (s *Service) Documents(ctx context.Context) ([]Document, error) {
	var out []Document
	err := s.db.Select(ctx, &out, `SELECT `+documentColumns+` FROM plan_documents ORDER BY issued_on DESC, id DESC`)
	return out, err
}

// Latest returns the most recently issued plan with everything in it. Returns errs.NotFound
// when no plan has been imported.
func (s *Service) Latest(ctx context.Context) (*Document, error) {
	var id int64
	err := s.db.Get(ctx, &id, `SELECT id FROM plan_documents ORDER BY issued_on DESC, id DESC LIMIT 1`)
	if errs.Is(err, errs.NotFound) {
		return nil, errs.E(errs.NotFound, "plan.error.no_plan")
	}
	if err != nil {
		return nil, err
	}
	return s.Document(ctx, id)
}

// Document returns plan id with its sections, items, units, targets and damage.
// Returns errs.NotFound if there is none.
func (s *Service) Document(ctx context.Context, id int64) (*Document, error) {
	d := &Document{}
	err := s.db.Get(ctx, d, `SELECT `+documentColumns+` FROM plan_documents WHERE id = ?`, id)
	if errs.Is(err, errs.NotFound) {
		return nil, errs.E(errs.NotFound, "plan.error.no_such_plan", id)
	}
	if err != nil {
		return nil, err
	}
	if err := s.db.Select(ctx, &d.Sections, `SELECT id, ordinal, label, title FROM plan_sections WHERE document_id = ? ORDER BY ordinal`, id); err != nil {
		return nil, err
	}
	var items []Item
	if err := s.db.Select(ctx, &items, `SELECT id, section_id, ordinal, label, heading, body, deadline, status, progress
		FROM plan_items WHERE document_id = ? ORDER BY ordinal`, id); err != nil {
		return nil, err
	}
	if err := s.fillItems(ctx, items, `SELECT id FROM plan_items WHERE document_id = ?`, id); err != nil {
		return nil, err
	}
	bySection := map[int64]int{}
	for i := range d.Sections {
		bySection[d.Sections[i].ID] = i
	}
	for _, it := range items {
		i := bySection[it.SectionID]
		d.Sections[i].Items = append(d.Sections[i].Items, it)
	}
	return d, nil
}

// Item returns one item with its units, targets and damage. Returns errs.NotFound if there is none.
func (s *Service) Item(ctx context.Context, id int64) (*Item, error) {
	var items []Item
	if err := s.db.Select(ctx, &items, `SELECT id, section_id, ordinal, label, heading, body, deadline, status, progress
		FROM plan_items WHERE id = ?`, id); err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, errs.E(errs.NotFound, "plan.error.no_such_item", id)
	}
	if err := s.fillItems(ctx, items, `SELECT id FROM plan_items WHERE id = ?`, id); err != nil {
		return nil, err
	}
	return &items[0], nil
}

// fillItems loads the units, assignments, targets and damage of items, whose ids the subquery
// idsQuery (with args) selects, and computes their deadline clocks.
func (s *Service) fillItems(ctx context.Context, items []Item, idsQuery string, args ...any) error {
	idx := map[int64]*Item{}
	for i := range items {
		idx[items[i].ID] = &items[i]
		// Empty lists, not null, in JSON.
		items[i].Units, items[i].Assigned, items[i].Targets = []Unit{}, []Assign{}, []Target{}
	}
	var units []struct {
		ItemID int64 `db:"item_id"`
		Unit
	}
	if err := s.db.Select(ctx, &units, `SELECT item_id, position, grp, raw, name, org_code, collective, lead
		FROM plan_item_units WHERE item_id IN (`+idsQuery+`) ORDER BY item_id, position`, args...); err != nil {
		return err
	}
	for _, u := range units {
		if it := idx[u.ItemID]; it != nil {
			it.Units = append(it.Units, u.Unit)
		}
	}
	var assigns []struct {
		ItemID int64 `db:"item_id"`
		Assign
	}
	if err := s.db.Select(ctx, &assigns, `SELECT item_id, org_code, lead FROM plan_assignments
		WHERE item_id IN (`+idsQuery+`) ORDER BY item_id, lead DESC, org_code`, args...); err != nil {
		return err
	}
	for _, a := range assigns {
		if it := idx[a.ItemID]; it != nil {
			it.Assigned = append(it.Assigned, a.Assign)
		}
	}
	var targets []Target
	if err := s.db.Select(ctx, &targets, `SELECT id, item_id, position, value, unit, subject, source, at_least, reached
		FROM plan_targets WHERE item_id IN (`+idsQuery+`) ORDER BY item_id, position`, args...); err != nil {
		return err
	}
	for _, t := range targets {
		if it := idx[t.ItemID]; it != nil {
			it.Targets = append(it.Targets, t)
		}
	}
	var damage []struct {
		ItemID int64 `db:"item_id"`
		Damage
	}
	if err := s.db.Select(ctx, &damage, `SELECT item_id, position, char_offset, text FROM plan_damage
		WHERE item_id IN (`+idsQuery+`) ORDER BY item_id, position`, args...); err != nil {
		return err
	}
	for _, dm := range damage {
		if it := idx[dm.ItemID]; it != nil {
			it.Damage = append(it.Damage, dm.Damage)
		}
	}
	today := s.clock.Now()
	for i := range items {
		items[i].Clock = s.deadlineClock(items[i], today)
	}
	return nil
}

// deadlineClock counts working days from today to the item's deadline.
func (s *Service) deadlineClock(it Item, today time.Time) DeadlineClock {
	deadline, err := time.ParseInLocation(time.DateOnly, it.Deadline, clock.China)
	if err != nil || s.calendar == nil {
		return DeadlineClock{}
	}
	left := s.calendar.WorkingDaysBetween(today, deadline)
	c := DeadlineClock{DaysLeft: left}
	if it.Status != StatusCompleted {
		todayDate := civilDate(today)
		c.Overdue = todayDate.After(deadline)
		c.DueSoon = !c.Overdue && left <= s.dueSoon
	}
	return c
}

// civilDate returns t's calendar date in China time, at midnight.
func civilDate(t time.Time) time.Time {
	y, m, d := t.In(clock.China).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, clock.China)
}

// Reports returns the progress reports of an item, newest first.
func (s *Service) reports(ctx context.Context, where string, args ...any) ([]Report, error) {
	var out []Report
	if err := s.db.Select(ctx, &out, `SELECT id, item_id, org_code, reporter, submitted_at, body, progress, status,
		reviewer, reviewed_at, review_comment FROM plan_reports WHERE `+where+` ORDER BY submitted_at DESC, id DESC`, args...); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	idx := map[int64]*Report{}
	for i := range out {
		idx[out[i].ID] = &out[i]
		out[i].Figures, out[i].Attachments = []Figure{}, []Attachment{}
	}
	var figs []struct {
		ReportID int64 `db:"report_id"`
		Figure
	}
	if err := s.db.Select(ctx, &figs, `SELECT report_id, target_id, value FROM plan_report_figures
		WHERE report_id IN (SELECT id FROM plan_reports WHERE `+where+`) ORDER BY report_id, target_id`, args...); err != nil {
		return nil, err
	}
	for _, f := range figs {
		if r := idx[f.ReportID]; r != nil {
			r.Figures = append(r.Figures, f.Figure)
		}
	}
	var atts []struct {
		ReportID int64 `db:"report_id"`
		Attachment
	}
	if err := s.db.Select(ctx, &atts, `SELECT report_id, sha256, filename FROM plan_report_attachments
		WHERE report_id IN (SELECT id FROM plan_reports WHERE `+where+`) ORDER BY report_id, filename`, args...); err != nil {
		return nil, err
	}
	for _, a := range atts {
		if r := idx[a.ReportID]; r != nil {
			r.Attachments = append(r.Attachments, a.Attachment)
		}
	}
	return out, nil
}

// report returns one report. Returns errs.NotFound if there is none.
func (s *Service) report(ctx context.Context, id int64) (*Report, error) {
	rs, err := s.reports(ctx, `id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, errs.E(errs.NotFound, "plan.error.no_such_report", id)
	}
	return &rs[0], nil
}

// itemOrgs returns the organisations assigned to an item inside tx.
func itemOrgs(ctx context.Context, tx *store.Tx, itemID int64) ([]Assign, error) {
	var out []Assign
	err := tx.Select(ctx, &out, `SELECT org_code, lead FROM plan_assignments WHERE item_id = ?`, itemID)
	return out, err
}
