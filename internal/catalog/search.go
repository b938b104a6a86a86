package catalog

import (
	"context"
	"slices"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/search"
	"github.com/yiwang-platform/yiwang/internal/store"
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

// regionTagsOf are the tags a region filter accepts: the region itself and those above it
// ("region:…": a provincial item serves every city), and entries anywhere below it ("in:…").
func regionTagsOf(region string) []string {
	province, city := region[:2]+"0000", region[:4]+"00"
	tags := []string{"region:" + region, "in:" + region}
	if city != region {
		tags = append(tags, "region:"+city)
	}
	if province != region && province != city {
		tags = append(tags, "region:"+province)
	}
	return tags
}

// Search finds published items and bundles: those holding every word of q.Text (all of them if
// it has none), filtered, best match first — or by name when there is no text — one page at a
// time. Anyone may search. A filter that cannot be is errs.Invalid naming it.
//
// The query takes one of three shapes, each cheap at 10,000 entries and more: with text, the
// full-text matches are computed once (MATERIALIZED), the entries joined to them by key and the
// filters probed per match; without text but with filters, the entries are the intersection of
// the filters' tag sets, read from the tags' index; with neither, the entries in name order.
func (s *Service) Search(ctx context.Context, q Query) (Result, error) {
	if err := q.check(); err != nil {
		return Result{}, err
	}
	var filters [][]string
	if q.Org != "" {
		filters = append(filters, []string{"org:" + q.Org})
	}
	if q.Region != "" {
		filters = append(filters, regionTagsOf(q.Region))
	}
	if q.LifeEvent != "" {
		filters = append(filters, []string{"life:" + q.LifeEvent})
	}
	if q.Stage != "" {
		filters = append(filters, []string{"stage:" + q.Stage})
	}
	if q.Object != "" {
		filters = append(filters, []string{"object:" + q.Object})
	}
	var m search.Match
	hasText := false
	if q.Text != "" {
		kinds := []string{docItem, docBundle}
		if q.Kind != "" {
			kinds = []string{docKind(q.Kind)}
		}
		var err error
		if m, hasText, err = s.index.Match(ctx, q.Text, kinds...); err != nil {
			return Result{}, err
		}
	}
	var with, from string
	var args []any
	where := ` WHERE 1 = 1`
	order := ` ORDER BY p.kind, p.name_hans, p.code`
	switch {
	case hasText:
		with = `WITH m AS MATERIALIZED (` + m.SQL + `) `
		from = ` FROM m JOIN catalog_published p ON p.code = m.doc_id AND p.kind = CASE m.kind WHEN '` + docBundle + `' THEN 'bundle' ELSE 'item' END`
		args = append(args, m.Args...)
		order = ` ORDER BY m.score DESC, p.kind, p.code`
		for _, tags := range filters {
			where += ` AND EXISTS (SELECT 1 FROM catalog_tags t WHERE t.kind = p.kind AND t.code = p.code AND t.tag IN (` +
				store.Placeholders(len(tags)) + `))`
			for _, t := range tags {
				args = append(args, t)
			}
		}
	case len(filters) > 0:
		var sets []string
		for _, tags := range filters {
			sets = append(sets, `SELECT kind, code FROM catalog_tags WHERE tag IN (`+store.Placeholders(len(tags))+`)`)
			for _, t := range tags {
				args = append(args, t)
			}
		}
		with = `WITH f AS MATERIALIZED (` + strings.Join(sets, ` INTERSECT `) + `) `
		from = ` FROM f JOIN catalog_published p ON p.kind = f.kind AND p.code = f.code`
	default:
		from = ` FROM catalog_published p`
	}
	if q.Kind != "" {
		where += ` AND p.kind = ?`
		args = append(args, q.Kind)
	}
	if q.MinDepth > 0 {
		where += ` AND p.online_depth >= ?`
		args = append(args, q.MinDepth)
	}
	res := Result{Page: q.Page, PerPage: q.PerPage, Entries: []Entry{}}
	const columns = `p.kind, p.code, p.version, p.org_code, p.region_code, p.name_hans, p.name_hant, p.name_en, p.item_type,
		p.service_object, p.promised_days, p.visits, p.online_depth, p.fee_fen, p.item_count`
	page := []any{q.PerPage, (q.Page - 1) * q.PerPage}
	if !hasText && len(filters) == 0 {
		// The whole catalogue in name order: the page from the name index, the count apart.
		if err := s.db.Get(ctx, &res.Total, `SELECT COUNT(*)`+from+where, args...); err != nil || res.Total == 0 {
			return res, err
		}
		err := s.db.Select(ctx, &res.Entries, `SELECT `+columns+from+where+order+` LIMIT ? OFFSET ?`, append(args, page...)...)
		return res, err
	}
	// One query gives the page and, on each row, the number of all matches.
	var rows []struct {
		Entry
		Total int `db:"total"`
	}
	if err := s.db.Select(ctx, &rows, with+`SELECT `+columns+`, COUNT(*) OVER () AS total`+from+where+order+` LIMIT ? OFFSET ?`,
		append(args, page...)...); err != nil {
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
