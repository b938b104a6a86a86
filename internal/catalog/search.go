package catalog

import (
	"context"
	"slices"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
)

// Query is a search of the published catalogue; zero fields do not filter.
type Query struct {
	// Text is what the person typed, in either script or English; every word must match.
	Text string
	// Kind limits the results to items or to bundles.
	Kind Kind
	// Org: entries of this organisation (for a bundle, its lead or one of its items').
	Org string
	// Region: entries exercised in this region, in a region above it (a provincial item serves
	// every city) or below it (a city's search shows its districts').
	Region    string
	LifeEvent string
	Stage     string
	// MinDepth: entries at least this deep online (4: fully online).
	MinDepth int
	// Object: "person" or "enterprise" — entries for them (including those for both).
	Object string
	// Page counts from 1; PerPage is at most MaxPerPage (DefaultPerPage if 0).
	Page, PerPage int
}

// Paging of search results.
const (
	DefaultPerPage = 20
	MaxPerPage     = 100
	// MaxPage bounds how deep a search pages, so that a crawler cannot make it count far.
	MaxPage = 500
)

// Result is one page of a search.
type Result struct {
	Entries []Entry `json:"entries"`
	// Total is the number of matching entries, on every page.
	Total   int `json:"total"`
	Page    int `json:"page"`
	PerPage int `json:"per_page"`
}

// Pages is the number of pages the result has.
func (r Result) Pages() int {
	if r.PerPage == 0 {
		return 0
	}
	return (r.Total + r.PerPage - 1) / r.PerPage
}

// Entry is a published item or bundle as a search lists it.
type Entry struct {
	Kind          Kind   `db:"kind" json:"kind"`
	Code          string `db:"code" json:"code"`
	Version       int    `db:"version" json:"version"`
	Org           string `db:"org_code" json:"org"`
	RegionCode    string `db:"region_code" json:"region_code"`
	NameHans      string `db:"name_hans" json:"name_hans"`
	NameHant      string `db:"name_hant" json:"name_hant"`
	NameEn        string `db:"name_en" json:"name_en"`
	Type          string `db:"item_type" json:"type,omitempty"`
	ServiceObject string `db:"service_object" json:"service_object"`
	PromisedDays  int    `db:"promised_days" json:"promised_days"`
	Visits        int    `db:"visits" json:"visits"`
	OnlineDepth   int    `db:"online_depth" json:"online_depth"`
	FeeFen        int64  `db:"fee_fen" json:"fee_fen"`
	// ItemCount is the number of items a bundle fans out to (1 for an item).
	ItemCount int `db:"item_count" json:"item_count"`
}

// Name returns the entry's name in language tag lang.
func (e Entry) Name(lang string) string {
	return Text{Hans: e.NameHans, Hant: e.NameHant, En: e.NameEn}.In(lang)
}

// check cleans q and refuses filters that cannot be (errs.Invalid naming the query parameter).
func (q *Query) check() error {
	q.Text = strings.TrimSpace(q.Text)
	q.Org = strings.TrimSpace(q.Org)
	switch {
	case q.Kind != "" && q.Kind != KindItem && q.Kind != KindBundle:
		return errs.Field("kind", "catalog.error.filter")
	case q.Region != "" && (idcode.ValidateRegionCode(q.Region) != nil):
		return errs.Field("region", "catalog.error.filter")
	case q.LifeEvent != "" && !slices.Contains(LifeEvents, q.LifeEvent):
		return errs.Field("life_event", "catalog.error.filter")
	case q.Stage != "" && !slices.Contains(Stages, q.Stage):
		return errs.Field("stage", "catalog.error.filter")
	case q.MinDepth < 0 || q.MinDepth > DepthFull:
		return errs.Field("depth", "catalog.error.filter")
	case q.Object != "" && q.Object != ObjectPerson && q.Object != ObjectEnterprise:
		return errs.Field("object", "catalog.error.filter")
	case len(q.Org) > 64:
		return errs.Field("org", "catalog.error.filter")
	case q.Page < 0 || q.Page > MaxPage:
		return errs.Field("page", "catalog.error.page", MaxPage)
	case q.PerPage < 0 || q.PerPage > MaxPerPage:
		return errs.Field("per_page", "catalog.error.per_page", MaxPerPage)
	}
	if q.Page == 0 {
		q.Page = 1
	}
	if q.PerPage == 0 {
		q.PerPage = DefaultPerPage
	}
	return nil
}

// regionTags are the region tags a region filter accepts: the region and those above it, as
// tags, and the prefix of those below it.
func regionTags(region string) (exact []string, below string) {
	province, city := region[:2]+"0000", region[:4]+"00"
	exact = []string{"region:" + province}
	switch {
	case region == province:
		return exact, "region:" + region[:2]
	case region == city:
		return append(exact, "region:"+city), "region:" + region[:4]
	}
	return append(exact, "region:"+city, "region:"+region), ""
}

// Search finds published items and bundles: those holding every word of q.Text (all of them if
// it has none), filtered, best match first — or by name when there is no text — one page at a
// time. Anyone may search. A filter that cannot be is errs.Invalid naming it.
func (s *Service) Search(ctx context.Context, q Query) (Result, error) {
	if err := q.check(); err != nil {
		return Result{}, err
	}
	// The matches are computed once, first (MATERIALIZED), and the published entries joined to
	// them by key: otherwise a planner may run the full-text match again for each entry.
	with, from := "", ` FROM catalog_published p`
	var args []any
	order := ` ORDER BY p.kind, p.name_hans, p.code`
	if q.Text != "" {
		kinds := []string{docItem, docBundle}
		if q.Kind != "" {
			kinds = []string{docKind(q.Kind)}
		}
		m, ok, err := s.index.Match(ctx, q.Text, kinds...)
		if err != nil {
			return Result{}, err
		}
		if ok {
			with = `WITH m AS MATERIALIZED (` + m.SQL + `) `
			from = ` FROM m JOIN catalog_published p ON p.code = m.doc_id AND p.kind = CASE m.kind WHEN '` + docBundle + `' THEN 'bundle' ELSE 'item' END`
			args = append(args, m.Args...)
			order = ` ORDER BY m.score DESC, p.kind, p.code`
		}
	}
	where := ` WHERE 1 = 1`
	tag := func(t string) {
		where += ` AND EXISTS (SELECT 1 FROM catalog_tags t WHERE t.kind = p.kind AND t.code = p.code AND t.tag = ?)`
		args = append(args, t)
	}
	if q.Kind != "" {
		where += ` AND p.kind = ?`
		args = append(args, q.Kind)
	}
	if q.Org != "" {
		tag("org:" + q.Org)
	}
	if q.Region != "" {
		exact, below := regionTags(q.Region)
		where += ` AND EXISTS (SELECT 1 FROM catalog_tags t WHERE t.kind = p.kind AND t.code = p.code AND (t.tag IN (` +
			strings.TrimSuffix(strings.Repeat("?, ", len(exact)), ", ") + `)`
		for _, e := range exact {
			args = append(args, e)
		}
		if below != "" {
			where += ` OR t.tag LIKE ?`
			args = append(args, below+"%")
		}
		where += `))`
	}
	if q.LifeEvent != "" {
		tag("life:" + q.LifeEvent)
	}
	if q.Stage != "" {
		tag("stage:" + q.Stage)
	}
	if q.Object != "" {
		tag("object:" + q.Object)
	}
	if q.MinDepth > 0 {
		where += ` AND p.online_depth >= ?`
		args = append(args, q.MinDepth)
	}
	res := Result{Page: q.Page, PerPage: q.PerPage, Entries: []Entry{}}
	// One query gives the page and, on each row, the number of all matches.
	var rows []struct {
		Entry
		Total int `db:"total"`
	}
	if err := s.db.Select(ctx, &rows, with+`SELECT p.kind, p.code, p.version, p.org_code, p.region_code, p.name_hans, p.name_hant,
		p.name_en, p.item_type, p.service_object, p.promised_days, p.visits, p.online_depth, p.fee_fen, p.item_count,
		COUNT(*) OVER () AS total`+from+where+order+` LIMIT ? OFFSET ?`, append(args, q.PerPage, (q.Page-1)*q.PerPage)...); err != nil {
		return Result{}, err
	}
	if len(rows) == 0 {
		// Past the last page (or nothing at all): count them.
		err := s.db.Get(ctx, &res.Total, with+`SELECT COUNT(*)`+from+where, args...)
		return res, err
	}
	res.Total = rows[0].Total
	for _, r := range rows {
		res.Entries = append(res.Entries, r.Entry)
	}
	return res, nil
}
