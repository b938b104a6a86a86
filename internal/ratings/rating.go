package ratings

import (
	"context"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/logmask"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// SubjectKind says what was rated.
type SubjectKind string

// What is rated: a case (online, kiosk, text message) or a window visit.
const (
	KindCase  SubjectKind = "case"
	KindVisit SubjectKind = "visit"
)

// Rating is one stored rating. Comments reach officials masked (MaskedFor); the rater's account
// is never shown, only whether the rating is real-name.
type Rating struct {
	ID         string      `json:"id"`
	Kind       SubjectKind `json:"kind"`
	CaseID     string      `json:"case_id,omitempty"`
	VisitID    string      `json:"visit_id,omitempty"`
	CaseNumber string      `json:"case_number,omitempty"`
	Org        string      `json:"org"`
	ItemCode   string      `json:"item_code,omitempty"`
	ItemName   string      `json:"item_name,omitempty"`
	Level      Level       `json:"level"`
	Bad        bool        `json:"bad"`
	Tags       []string    `json:"tags"`
	Comment    string      `json:"comment,omitempty"`
	FollowUp   string      `json:"follow_up,omitempty"`
	FollowUpAt *time.Time  `json:"follow_up_at,omitempty"`
	Channel    Channel     `json:"channel"`
	RealName   bool        `json:"real_name"`
	// ActingFor is the credit code of the enterprise an agent rated for.
	ActingFor string    `json:"acting_for,omitempty"`
	RatedAt   time.Time `json:"rated_at"`
	// Excluded: an appeal against the rating was upheld; it stays on record but leaves the
	// statistics.
	Excluded bool `json:"excluded"`

	rater *int64
}

// ratingRow is a row of ratings.
type ratingRow struct {
	ID             string     `db:"id"`
	Kind           string     `db:"subject_kind"`
	CaseID         *string    `db:"case_id"`
	VisitID        *string    `db:"visit_id"`
	CaseNumber     string     `db:"case_number"`
	Org            string     `db:"org_code"`
	ItemCode       string     `db:"item_code"`
	ItemName       string     `db:"item_name"`
	Level          int        `db:"level"`
	Tags           string     `db:"tags"`
	Comment        string     `db:"comment"`
	FollowUp       string     `db:"follow_up"`
	FollowUpAt     *time.Time `db:"follow_up_at"`
	Channel        string     `db:"channel"`
	RealName       bool       `db:"real_name"`
	RaterAccount   *int64     `db:"rater_account"`
	RaterActingFor string     `db:"rater_acting_for"`
	RatedAt        time.Time  `db:"rated_at"`
	Excluded       bool       `db:"excluded"`
}

const ratingColumns = `id, subject_kind, case_id, visit_id, case_number, org_code, item_code, item_name, level, tags,
	comment, follow_up, follow_up_at, channel, real_name, rater_account, rater_acting_for, rated_at, excluded`

func (r ratingRow) rating() Rating {
	out := Rating{ID: r.ID, Kind: SubjectKind(r.Kind), CaseNumber: r.CaseNumber, Org: r.Org, ItemCode: r.ItemCode,
		ItemName: r.ItemName, Level: Level(r.Level), Bad: Level(r.Level).Bad(), Tags: splitTags(r.Tags), Comment: r.Comment,
		FollowUp: r.FollowUp, FollowUpAt: r.FollowUpAt, Channel: Channel(r.Channel), RealName: r.RealName,
		ActingFor: r.RaterActingFor, RatedAt: r.RatedAt, Excluded: r.Excluded, rater: r.RaterAccount}
	if r.CaseID != nil {
		out.CaseID = *r.CaseID
	}
	if r.VisitID != nil {
		out.VisitID = *r.VisitID
	}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	return out
}

// ratedBy reports whether p is the person who gave the rating, in the same capacity.
func (r Rating) ratedBy(p principal.Principal) bool {
	return isPerson(p) && r.rater != nil && *r.rater == p.AccountID && r.ActingFor == p.ActingFor
}

// masked returns r as officials read it: ID and mobile numbers in its texts masked. Officials
// learn what went wrong, not who the person is beyond what their case shows them.
func (r Rating) masked() Rating {
	r.Comment = MaskText(r.Comment)
	r.FollowUp = MaskText(r.FollowUp)
	return r
}

// MaskText hides ID numbers and mobile numbers a person wrote into free text.
func MaskText(s string) string { return logmask.Mask(s) }

// querier is a transaction or the database.
type querier interface {
	Get(ctx context.Context, dest any, query string, args ...any) error
	Select(ctx context.Context, dest any, query string, args ...any) error
}

func (s *Service) q(tx *store.Tx) querier {
	if tx != nil {
		return tx
	}
	return s.db
}

// loadRating reads rating id, errs.NotFound if there is none.
func (s *Service) loadRating(ctx context.Context, tx *store.Tx, id string) (Rating, error) {
	var row ratingRow
	if err := s.q(tx).Get(ctx, &row, `SELECT `+ratingColumns+` FROM ratings WHERE id = ?`, id); err != nil {
		if errs.Is(err, errs.NotFound) {
			return Rating{}, errs.E(errs.NotFound, "ratings.error.rating_not_found")
		}
		return Rating{}, err
	}
	return row.rating(), nil
}

// Rating returns a rating to the person who gave it (as given) and to the officials of the
// rated organisation and the digital office (masked). Anyone else gets errs.NotFound.
func (s *Service) Rating(ctx context.Context, p principal.Principal, id string) (Rating, error) {
	r, err := s.loadRating(ctx, nil, id)
	if err != nil {
		return Rating{}, err
	}
	switch {
	case r.ratedBy(p):
		return r, nil
	case readsOrg(p, r.Org):
		return r.masked(), nil
	}
	return Rating{}, errs.E(errs.NotFound, "ratings.error.rating_not_found")
}

// Filter selects ratings for officials; zero fields match everything.
type Filter struct {
	// Org is the rated organisation; officials outside the digital office always get their own.
	Org string
	// Level, when set, keeps ratings of that level; BadOnly keeps bad ratings.
	Level   Level
	BadOnly bool
	// From and To bound the rating time: From ≤ rated_at < To.
	From, To time.Time
	// Limit bounds the list (1–500; 100 when 0).
	Limit int
}

// MaxList bounds one list of ratings, tasks or appeals.
const MaxList = 500

func limitOf(n int) int {
	if n <= 0 {
		return 100
	}
	return min(n, MaxList)
}

// Ratings lists ratings newest first, masked, to officials: their organisation's, or for the
// digital office any organisation's (all when f.Org is ""). Others get errs.Forbidden.
func (s *Service) Ratings(ctx context.Context, p principal.Principal, f Filter) ([]Rating, error) {
	orgCode, err := orgScope(p, f.Org)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + ratingColumns + ` FROM ratings WHERE 1 = 1`
	var args []any
	if orgCode != "" {
		q += ` AND org_code = ?`
		args = append(args, orgCode)
	}
	if f.Level.Valid() {
		q += ` AND level = ?`
		args = append(args, int(f.Level))
	}
	if f.BadOnly {
		q += ` AND level <= 2`
	}
	if !f.From.IsZero() {
		q += ` AND rated_at >= ?`
		args = append(args, f.From)
	}
	if !f.To.IsZero() {
		q += ` AND rated_at < ?`
		args = append(args, f.To)
	}
	q += ` ORDER BY rated_at DESC, id LIMIT ?`
	args = append(args, limitOf(f.Limit))
	var rows []ratingRow
	if err := s.db.Select(ctx, &rows, q, args...); err != nil {
		return nil, err
	}
	out := make([]Rating, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.rating().masked())
	}
	return out, nil
}

// orgScope returns the organisation whose objects p lists when asking for orgCode: an
// official's own organisation always, any (or all, "") for the digital office.
func orgScope(p principal.Principal, orgCode string) (string, error) {
	switch {
	case SeesAllOrgs(p):
		return orgCode, nil
	case p.Kind == principal.Official && p.OrgCode != "":
		if orgCode != "" && orgCode != p.OrgCode {
			return "", errs.E(errs.Forbidden, "ratings.error.other_org")
		}
		return p.OrgCode, nil
	case !p.Authenticated():
		return "", errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	return "", errs.E(errs.Forbidden, "ratings.error.officials_only")
}
