package cases

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/yiwang-platform/yiwang/internal/calendar"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Get returns a case to its applicant, to the officials of its handling or receiving
// organisation, or to Yiwang itself. Anyone else gets errs.NotFound, as for a case that does
// not exist.
func (s *Service) Get(ctx context.Context, p principal.Principal, id string) (c Case, err error) {
	defer errs.Wrap(&err, "cases.Get(%s)", id)
	r, err := s.load(ctx, id)
	if err != nil {
		return c, err
	}
	if !r.visible(p) {
		return c, errNotFound()
	}
	return s.view(ctx, p, r)
}

// Page bounds a list.
const (
	DefaultPage = 50
	MaxPage     = 200
)

// ListFilter narrows the applicant's list.
type ListFilter struct {
	Status        []Status // any when empty
	Limit, Offset int      // DefaultPage when Limit is 0, at most MaxPage
}

// Mine lists p's cases, newest first: a resident's own (not a bundle's cases, which its parent
// shows), or an agent's enterprise's. Returns errs.Forbidden for anyone else.
func (s *Service) Mine(ctx context.Context, p principal.Principal, f ListFilter) (list []Summary, err error) {
	defer errs.Wrap(&err, "cases.Mine")
	var where string
	var args []any
	switch {
	case p.Kind == principal.Resident && p.AccountID != 0:
		where, args = `applicant_kind = 'person' AND applicant_account = ?`, []any{p.AccountID}
	case p.Kind == principal.Agent && p.ActingFor != "":
		where, args = `applicant_kind = 'enterprise' AND acting_for = ?`, []any{p.ActingFor}
	default:
		return nil, errs.E(errs.Forbidden, "cases.error.applicants_only")
	}
	where += ` AND parent_id IS NULL`
	where, args, err = statusFilter(where, args, f.Status)
	if err != nil {
		return nil, err
	}
	return s.list(ctx, where, args, `created_at DESC, id`, f.Limit, f.Offset)
}

// Worklist roles: which organisation's side of a case an official looks at.
const (
	AsHandling  = "handling"
	AsReceiving = "receiving"
)

// WorkFilter narrows an official's worklist.
type WorkFilter struct {
	Status []Status // any when empty
	// DueSoon and Overdue keep only running cases within the warning days, or past the due date.
	DueSoon, Overdue bool
	// As is AsHandling, AsReceiving, or "" for both.
	As            string
	Limit, Offset int
}

// Worklist lists the cases of p's organisation, the most urgent first (earliest due date, then
// oldest). Returns errs.Forbidden for anyone but an official.
func (s *Service) Worklist(ctx context.Context, p principal.Principal, f WorkFilter) (list []Summary, err error) {
	defer errs.Wrap(&err, "cases.Worklist")
	if p.Kind != principal.Official || p.OrgCode == "" {
		return nil, errs.E(errs.Forbidden, "cases.error.officials_only")
	}
	var where string
	var args []any
	switch f.As {
	case AsHandling:
		where, args = `handling_org = ?`, []any{p.OrgCode}
	case AsReceiving:
		where, args = `receiving_org = ?`, []any{p.OrgCode}
	case "":
		where, args = `(handling_org = ? OR receiving_org = ?)`, []any{p.OrgCode, p.OrgCode}
	default:
		return nil, errs.Field("as", "cases.error.worklist_as")
	}
	// Drafts, and drafts withdrawn before they were ever submitted (they have no number), are
	// the applicant's alone.
	where += ` AND status <> 'draft' AND number IS NOT NULL AND NOT (item_code = '' AND bundle_code <> '')`
	if where, args, err = statusFilter(where, args, f.Status); err != nil {
		return nil, err
	}
	today := todayOf(s)
	if f.Overdue {
		where += ` AND clock_state = 'running' AND due_on <> '' AND due_on < ?`
		args = append(args, today)
	}
	if f.DueSoon {
		where += ` AND clock_state = 'running' AND warn_on <> '' AND warn_on <= ? AND due_on >= ?`
		args = append(args, today, today)
	}
	return s.list(ctx, where, args, `CASE WHEN due_on = '' THEN 1 ELSE 0 END, due_on, submitted_at, id`, f.Limit, f.Offset)
}

func statusFilter(where string, args []any, statuses []Status) (string, []any, error) {
	if len(statuses) == 0 {
		return where, args, nil
	}
	for _, st := range statuses {
		if !st.Valid() {
			return "", nil, errs.Field("status", "cases.error.status")
		}
		args = append(args, string(st))
	}
	return where + ` AND status IN (` + store.Placeholders(len(statuses)) + `)`, args, nil
}

func (s *Service) list(ctx context.Context, where string, args []any, order string, limit, offset int) ([]Summary, error) {
	if limit <= 0 {
		limit = DefaultPage
	}
	limit = min(limit, MaxPage)
	offset = max(offset, 0)
	var rows []row
	if err := s.db.Select(ctx, &rows, `SELECT `+summaryColumns+` FROM cases WHERE `+where+` ORDER BY `+order+
		` LIMIT ? OFFSET ?`, append(args, limit, offset)...); err != nil {
		return nil, err
	}
	now := s.db.Clock().Now()
	out := make([]Summary, len(rows))
	for i := range rows {
		out[i] = s.summary(&rows[i], now)
	}
	return out, nil
}

// eventRow is a case_events row.
type eventRow struct {
	ID       int64     `db:"id"`
	CaseID   string    `db:"case_id"`
	At       time.Time `db:"at"`
	Kind     string    `db:"kind"`
	Actor    string    `db:"actor"`
	Party    string    `db:"party"`
	Org      string    `db:"org"`
	Internal int       `db:"internal"`
	Note     string    `db:"note"`
	Detail   string    `db:"detail"`
}

// Timeline returns a case's timeline, oldest first: its steps, clock events and messages.
// Applicants do not see internal entries (review opinions). Same visibility as Get.
func (s *Service) Timeline(ctx context.Context, p principal.Principal, id string) (list []Event, err error) {
	defer errs.Wrap(&err, "cases.Timeline(%s)", id)
	r, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if !r.visible(p) {
		return nil, errNotFound()
	}
	q := `SELECT id, case_id, at, kind, actor, party, org, internal, note, detail FROM case_events WHERE case_id = ?`
	if !r.handles(p) && !r.receives(p) && p.Kind != principal.System {
		q += ` AND internal = 0`
	}
	var rows []eventRow
	if err := s.db.Select(ctx, &rows, q+` ORDER BY id`, id); err != nil {
		return nil, err
	}
	list = make([]Event, len(rows))
	for i, e := range rows {
		ev := Event{ID: e.ID, At: e.At, Kind: e.Kind, Actor: e.Actor, Party: e.Party, Org: e.Org,
			Internal: e.Internal != 0, Note: e.Note}
		if e.Detail != "" {
			_ = json.Unmarshal([]byte(e.Detail), &ev.Detail)
		}
		list[i] = ev
	}
	return list, nil
}

// PostMessage adds a message to a case's timeline: from the applicant to the officials, or from
// an official of the handling or receiving organisation to the applicant, who is told. Not on a
// draft. An agent writes only within its service scope (errs.Forbidden otherwise).
func (s *Service) PostMessage(ctx context.Context, p principal.Principal, id, body string) (e Event, err error) {
	defer errs.Wrap(&err, "cases.PostMessage(%s)", id)
	if body, err = cleanText("body", body, true); err != nil {
		return e, err
	}
	r, err := s.load(ctx, id)
	if err != nil {
		return e, err
	}
	if !r.visible(p) || p.Kind == principal.System {
		return e, errNotFound()
	}
	if r.Status == StatusDraft {
		return e, errs.E(errs.Conflict, "cases.error.wrong_status", string(r.Status))
	}
	fromApplicant := r.applicant(p)
	var officials []int64
	if fromApplicant {
		// Writing to the handling organisation is acting on the case: an agent needs its scope.
		if err := r.agentScope(p); err != nil {
			return e, err
		}
		if officials, err = s.officials(ctx, r.HandlingOrg, principal.RoleWindowOfficer, principal.RoleReviewer); err != nil {
			return e, err
		}
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		if err := addEvents(ctx, tx, r.ID, p, timelineEntry{kind: EventMessage, note: body}); err != nil {
			return err
		}
		if err := change(ctx, tx, "cases.message", r, r.Status, nil); err != nil {
			return err
		}
		if fromApplicant {
			return s.tellOfficials(ctx, tx, r, officials, "cases.notice.message")
		}
		return s.tellApplicant(ctx, tx, r, "cases.notice.message")
	})
	if err != nil {
		return e, err
	}
	list, err := s.Timeline(ctx, p, id)
	if err != nil || len(list) == 0 {
		return e, err
	}
	return list[len(list)-1], nil
}

// Lookup is the public status lookup: anyone holding a case's number and query code sees its
// status, item, organisation and dates — no personal data. A wrong code and an unknown number
// are the same errs.NotFound; the code is compared in constant time (rate limiting is the web
// layer's).
func (s *Service) Lookup(ctx context.Context, number, code string) (ps PublicStatus, err error) {
	number = strings.TrimSpace(number)
	var rows []row
	if len(number) <= 64 {
		if err := s.db.Select(ctx, &rows, `SELECT `+summaryColumns+` FROM cases WHERE number = ?`, number); err != nil {
			return ps, err
		}
	}
	if len(rows) == 0 {
		queryMatches(s.cfg.CodeKey, "", code, queryHashPrefix+strings.Repeat("0", 64)) // the same work as a real comparison
		return ps, errs.E(errs.NotFound, "cases.error.lookup")
	}
	r := &rows[0]
	if !queryMatches(s.cfg.CodeKey, number, code, r.QueryHash) {
		return ps, errs.E(errs.NotFound, "cases.error.lookup")
	}
	c := s.clockOf(r, s.db.Clock().Now())
	return PublicStatus{Number: number, NameHans: r.NameHans, NameHant: r.NameHant, NameEn: r.NameEn,
		HandlingOrg: r.HandlingOrg, Status: r.Status, Outcome: r.Outcome, SubmittedAt: r.SubmittedAt,
		AcceptedAt: r.AcceptedAt, DueDate: c.DueDate, DecidedAt: r.DecidedAt, CompletedAt: r.CompletedAt}, nil
}

// ResetQueryCode gives the applicant a new query code for a submitted case (and, for a bundle,
// its cases), replacing the old one, which stops working.
func (s *Service) ResetQueryCode(ctx context.Context, p principal.Principal, id string) (code string, err error) {
	defer errs.Wrap(&err, "cases.ResetQueryCode(%s)", id)
	r, err := s.load(ctx, id)
	if err != nil {
		return "", err
	}
	if err := r.mayApply(p); err != nil {
		return "", err
	}
	if r.Number == nil {
		return "", errs.E(errs.Conflict, "cases.error.wrong_status", string(r.Status))
	}
	code = newQueryCode()
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		var rows []struct {
			ID     string  `db:"id"`
			Number *string `db:"number"`
		}
		if err := tx.Select(ctx, &rows, `SELECT id, number FROM cases WHERE id = ? OR parent_id = ?`, id, id); err != nil {
			return err
		}
		for _, x := range rows {
			if x.Number == nil {
				continue
			}
			if _, err := tx.Exec(ctx, `UPDATE cases SET query_hash = ? WHERE id = ?`, queryHash(s.cfg.CodeKey, *x.Number, code), x.ID); err != nil {
				return err
			}
		}
		if err := addEvents(ctx, tx, r.ID, p, timelineEntry{kind: EventQueryCodeReset}); err != nil {
			return err
		}
		return change(ctx, tx, "cases.reset_query_code", r, r.Status, nil)
	})
	return code, err
}

// Subject describes a case for ratings (好差評): who may rate it and whether it is completed. For
// Yiwang itself (the ratings adapter); no principal is checked. Returns errs.NotFound.
func (s *Service) Subject(ctx context.Context, caseID string) (sub Subject, err error) {
	defer errs.Wrap(&err, "cases.Subject(%s)", caseID)
	r, err := s.load(ctx, caseID)
	if err != nil {
		return sub, err
	}
	sub = Subject{CaseID: r.ID, CaseNumber: r.number(), Owner: r.ApplicantAccount, OwnerActingFor: r.ActingFor,
		Org: r.HandlingOrg, ItemCode: r.ItemCode, ItemNameHans: r.NameHans, Completed: r.Status == StatusCompleted}
	if r.isParent() {
		// The bundle as a whole is its lead organisation's service; each of its cases is also
		// the handling organisation's own.
		b, err := r.bundle()
		if err != nil {
			return sub, err
		}
		sub.ItemCode, sub.Org = r.BundleCode, b.Org
	}
	if sub.Completed && r.CompletedAt != nil {
		sub.CompletedAt = *r.CompletedAt
	}
	return sub, nil
}

// todayOf is today's date in China time, as due_on is stored.
func todayOf(s *Service) string { return calendar.FormatDay(s.db.Clock().Now()) }
