package web

import (
	"cmp"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/ratings"
)

// The published statistics of ratings (/ratings/stats): public, counts only — no person and
// no comment. The tables are the page; a chart drawn by ECharts from the same figures is an
// enhancement for browsers that run script.

// ratingCountsView is one row of figures.
type ratingCountsView struct {
	OrgName, ItemCode, ItemName                       string
	Levels                                            []int // level 5 first
	Total, Bad, Tasks, Rectified, OnTime, OverdueOpen int
	Satisfaction, OnTimeRate                          string // "" when there is none
	HasRatings                                        bool
}

func newRatingCountsView(c ratings.Counts) ratingCountsView {
	v := ratingCountsView{Total: c.Total, Bad: c.Bad, Tasks: c.Tasks, Rectified: c.Rectified, OnTime: c.OnTime,
		OverdueOpen: c.OverdueOpen, HasRatings: c.Total > 0}
	for _, l := range ratings.Levels {
		v.Levels = append(v.Levels, c.Level(int(l)))
	}
	if c.SatisfactionRate != nil {
		v.Satisfaction = formatRate(*c.SatisfactionRate)
	}
	if c.OnTimeRate != nil {
		v.OnTimeRate = formatRate(*c.OnTimeRate)
	}
	return v
}

// formatRate writes a percentage with one decimal.
func formatRate(f float64) string { return fmt.Sprintf("%.1f%%", f) }

type ratingStatsPage struct {
	basePage
	From, To, By, Org string
	Orgs              []orgRow
	ByItem            bool
	LevelNames        []string // level 5 first
	Rows              []ratingCountsView
	Total             ratingCountsView
	ChartData         template.JS
	F                 form
}

// ratingChart is what the chart script draws: the levels of each row, best first.
type ratingChart struct {
	Labels []string   `json:"labels"`
	Levels []string   `json:"levels"`
	Series [][]int    `json:"series"`
	Colors []string   `json:"colors"`
	Text   chartTexts `json:"text"`
}

type chartTexts struct {
	Count string `json:"count"`
}

// levelColours are the chart's colours, best level first; every bar is also in the table.
var levelColours = []string{"#1e6b34", "#4f8f3a", "#9aa3ae", "#c77700", "#b3261e"}

func (s *Site) ratingStats(w http.ResponseWriter, r *http.Request) error {
	b := s.newBase(w, r, "ratings.stats.title")
	name, orgs, err := s.orgs.all(r, b.Lang)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	page := ratingStatsPage{basePage: b, Orgs: orgs, F: newForm(r)}
	now := s.cfg.DB.Clock().Now().In(chinaTime)
	from := time.Date(now.Year(), 1, 1, 0, 0, 0, 0, chinaTime)
	to := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, chinaTime)
	page.From, page.To = from.Format(time.DateOnly), to.Format(time.DateOnly)
	status := http.StatusOK
	for _, f := range []struct {
		name string
		into *time.Time
		text *string
	}{{"from", &from, &page.From}, {"to", &to, &page.To}} {
		v := strings.TrimSpace(q.Get(f.name))
		if v == "" {
			continue
		}
		*f.text = v
		d, err := time.ParseInLocation(time.DateOnly, v, chinaTime)
		if err != nil {
			page.F.failField(b.Lang, f.name, "ratings.stats.error_date")
			status = http.StatusBadRequest
			continue
		}
		*f.into = d
	}
	page.By = string(ratings.ByOrg)
	if q.Get("by") == string(ratings.ByItem) {
		page.By, page.ByItem = string(ratings.ByItem), true
	}
	if o := q.Get("org"); slices.ContainsFunc(orgs, func(x orgRow) bool { return x.Code == o }) {
		page.Org = o
	}
	for _, l := range ratings.Levels {
		page.LevelNames = append(page.LevelNames, b.T(l.Key()))
	}
	if status == http.StatusOK {
		st, err := s.cfg.Ratings.Stats(r.Context(), ratings.StatsQuery{From: from, To: to.AddDate(0, 0, 1),
			By: ratings.Grouping(page.By), Org: page.Org})
		if err != nil {
			if errs.KindOf(err) != errs.Invalid {
				return err
			}
			page.F.fail(b.Lang, err, nil)
			status = http.StatusBadRequest
		} else {
			chart := ratingChart{Levels: page.LevelNames, Colors: levelColours, Series: make([][]int, len(ratings.Levels)),
				Text: chartTexts{Count: b.T("ratings.stats.count")}}
			for i, row := range st.Rows {
				v := newRatingCountsView(row.Counts)
				v.OrgName, v.ItemCode, v.ItemName = name(row.Org), row.ItemCode, row.ItemName
				page.Rows = append(page.Rows, v)
				if i < 15 {
					label := v.OrgName
					if page.ByItem {
						label = cmp.Or(v.ItemName, v.ItemCode, b.T("ratings.stats.no_item"))
					}
					chart.Labels = append(chart.Labels, label)
					for j, n := range v.Levels {
						chart.Series[j] = append(chart.Series[j], n)
					}
				}
			}
			page.Total = newRatingCountsView(st.Total)
			if len(page.Rows) > 0 {
				js, err := json.Marshal(chart)
				if err != nil {
					return err
				}
				page.ChartData = template.JS(js)
			}
		}
	}
	return s.render(w, status, "ratings/stats", page)
}
