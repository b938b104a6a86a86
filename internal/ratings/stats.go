package ratings

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// Grouping is what published statistics are counted by.
type Grouping string

// Groupings of the statistics.
const (
	ByOrg  Grouping = "org"
	ByItem Grouping = "item"
)

// StatsQuery asks for the statistics of a period.
type StatsQuery struct {
	// From and To bound the rating time: From ≤ rated_at < To.
	From, To time.Time
	By       Grouping
	// Org, when set, counts only that organisation's ratings.
	Org string
}

// MaxStatsSpan bounds the period of one query.
const MaxStatsSpan = 10 * 366 * 24 * time.Hour

// Counts are the published figures of a group of ratings: no person, no comment, only counts.
// Ratings excluded by an upheld appeal, and their cancelled tasks, are not counted.
type Counts struct {
	// ByLevel counts ratings per level: ByLevel[0] is level 1 (very dissatisfied) … ByLevel[4]
	// level 5 (very satisfied).
	ByLevel [5]int `json:"by_level"`
	Total   int    `json:"total"`
	Bad     int    `json:"bad"`
	// Tasks are the rectification tasks of the bad ratings; Rectified those closed, OnTime those
	// closed by their deadline, OverdueOpen those past their deadline and not yet closed.
	Tasks       int `json:"tasks"`
	Rectified   int `json:"rectified"`
	OnTime      int `json:"rectified_on_time"`
	OverdueOpen int `json:"overdue_open"`
	// SatisfactionRate is the share, in per cent, of ratings at levels 3–5 (基本满意 and
	// better); nil without ratings.
	SatisfactionRate *float64 `json:"satisfaction_rate"`
	// OnTimeRate is the share, in per cent, of tasks whose outcome is known (closed, or still
	// open past their deadline) that were closed on time; nil when there are none.
	OnTimeRate *float64 `json:"on_time_rate"`
}

// Level returns the count of level l (1–5).
func (c Counts) Level(l int) int {
	if l < 1 || l > 5 {
		return 0
	}
	return c.ByLevel[l-1]
}

func (c *Counts) add(o Counts) {
	for i := range c.ByLevel {
		c.ByLevel[i] += o.ByLevel[i]
	}
	c.Total += o.Total
	c.Bad += o.Bad
	c.Tasks += o.Tasks
	c.Rectified += o.Rectified
	c.OnTime += o.OnTime
	c.OverdueOpen += o.OverdueOpen
}

func (c *Counts) rates() {
	c.SatisfactionRate, c.OnTimeRate = nil, nil
	if c.Total > 0 {
		r := 100 * float64(c.ByLevel[2]+c.ByLevel[3]+c.ByLevel[4]) / float64(c.Total)
		c.SatisfactionRate = &r
	}
	if known := c.Rectified + c.OverdueOpen; known > 0 {
		r := 100 * float64(c.OnTime) / float64(known)
		c.OnTimeRate = &r
	}
}

// StatsRow is the figures of one organisation, or of one item of an organisation.
type StatsRow struct {
	Org      string `json:"org"`
	ItemCode string `json:"item_code,omitempty"`
	ItemName string `json:"item_name,omitempty"`
	Counts
}

// Stats are the published statistics of a period.
type Stats struct {
	From  time.Time  `json:"from"`
	To    time.Time  `json:"to"`
	By    Grouping   `json:"by"`
	Org   string     `json:"org,omitempty"`
	Rows  []StatsRow `json:"rows"`
	Total Counts     `json:"total"`
}

// Stats counts the ratings of a period per organisation or per item, most rated first. They are
// public: anyone may ask. It returns errs.Invalid for a period that is empty, reversed or longer
// than MaxStatsSpan, or an unknown grouping.
func (s *Service) Stats(ctx context.Context, q StatsQuery) (Stats, error) {
	if q.By == "" {
		q.By = ByOrg
	}
	switch {
	case q.By != ByOrg && q.By != ByItem:
		return Stats{}, errs.Field("by", "ratings.error.grouping")
	case q.From.IsZero() || q.To.IsZero() || !q.To.After(q.From):
		return Stats{}, errs.Field("to", "ratings.error.period")
	case q.To.Sub(q.From) > MaxStatsSpan:
		return Stats{}, errs.Field("from", "ratings.error.period_long")
	}
	item := `'' AS item_code`
	group := `r.org_code`
	if q.By == ByItem {
		item, group = `r.item_code AS item_code`, `r.org_code, r.item_code`
	}
	where := ` WHERE r.excluded = 0 AND r.rated_at >= ? AND r.rated_at < ?`
	args := []any{q.From, q.To}
	if q.Org != "" {
		where += ` AND r.org_code = ?`
		args = append(args, q.Org)
	}
	var levels []struct {
		Org      string `db:"org_code"`
		ItemCode string `db:"item_code"`
		ItemName string `db:"item_name"`
		Level    int    `db:"level"`
		N        int    `db:"n"`
	}
	if err := s.db.Select(ctx, &levels, `SELECT r.org_code AS org_code, `+item+`, MAX(r.item_name) AS item_name, r.level AS level,
		COUNT(*) AS n FROM ratings r`+where+` GROUP BY `+group+`, r.level`, args...); err != nil {
		return Stats{}, err
	}
	var tasks []struct {
		Org         string `db:"org_code"`
		ItemCode    string `db:"item_code"`
		Tasks       int    `db:"tasks"`
		Rectified   int    `db:"rectified"`
		OnTime      int    `db:"on_time"`
		OverdueOpen int    `db:"overdue_open"`
	}
	now := s.db.Clock().Now()
	if err := s.db.Select(ctx, &tasks, `SELECT r.org_code AS org_code, `+item+`, COUNT(*) AS tasks,
		SUM(CASE WHEN t.status = 'closed' THEN 1 ELSE 0 END) AS rectified,
		SUM(CASE WHEN t.status = 'closed' AND t.closed_at < t.due_at THEN 1 ELSE 0 END) AS on_time,
		SUM(CASE WHEN t.status IN ('open', 'verified', 'rectified') AND t.due_at <= ? THEN 1 ELSE 0 END) AS overdue_open
		FROM rating_tasks t JOIN ratings r ON r.id = t.rating_id`+where+` AND t.status <> 'cancelled' GROUP BY `+group,
		append([]any{now}, args...)...); err != nil {
		return Stats{}, err
	}
	type key struct{ org, item string }
	rows := map[key]*StatsRow{}
	row := func(org, item string) *StatsRow {
		k := key{org, item}
		if rows[k] == nil {
			rows[k] = &StatsRow{Org: org, ItemCode: item}
		}
		return rows[k]
	}
	for _, l := range levels {
		r := row(l.Org, l.ItemCode)
		if l.ItemName != "" {
			r.ItemName = l.ItemName
		}
		if Level(l.Level).Valid() {
			r.ByLevel[l.Level-1] += l.N
		}
		r.Total += l.N
		if Level(l.Level).Bad() {
			r.Bad += l.N
		}
	}
	for _, t := range tasks {
		r := row(t.Org, t.ItemCode)
		r.Tasks, r.Rectified, r.OnTime, r.OverdueOpen = t.Tasks, t.Rectified, t.OnTime, t.OverdueOpen
	}
	out := Stats{From: q.From, To: q.To, By: q.By, Org: q.Org, Rows: make([]StatsRow, 0, len(rows))}
	for _, r := range rows {
		r.rates()
		out.Total.add(r.Counts)
		out.Rows = append(out.Rows, *r)
	}
	out.Total.rates()
	slices.SortFunc(out.Rows, func(a, b StatsRow) int {
		return cmp.Or(cmp.Compare(b.Total, a.Total), cmp.Compare(a.Org, b.Org), cmp.Compare(a.ItemCode, b.ItemCode))
	})
	return out, nil
}
