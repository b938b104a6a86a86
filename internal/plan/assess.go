package plan

import (
	"context"

	orgs "github.com/yiwang-platform/yiwang/internal/org"
	"math"
	"sort"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// Totals counts a set of items by status and deadline.
type Totals struct {
	Items       int     `json:"items"`
	Completed   int     `json:"completed"`
	InProgress  int     `json:"in_progress"`
	NotStarted  int     `json:"not_started"`
	Overdue     int     `json:"overdue"`
	DueSoon     int     `json:"due_soon"`
	AvgProgress float64 `json:"average_progress"`
}

func (t *Totals) add(it *Item) {
	t.Items++
	switch it.Status {
	case StatusCompleted:
		t.Completed++
	case StatusInProgress:
		t.InProgress++
	default:
		t.NotStarted++
	}
	if it.Clock.Overdue {
		t.Overdue++
	}
	if it.Clock.DueSoon {
		t.DueSoon++
	}
	// AvgProgress holds the sum until finish.
	t.AvgProgress += float64(it.Progress)
}

func (t *Totals) finish() {
	if t.Items > 0 {
		t.AvgProgress = math.Round(t.AvgProgress/float64(t.Items)*10) / 10
	}
}

// SectionStat is a section's assessment.
type SectionStat struct {
	Ordinal int    `json:"ordinal"`
	Label   string `json:"label"`
	Title   string `json:"title"`
	Totals
}

// UnitStat is an organisation's assessment over the items it answers for.
type UnitStat struct {
	OrgCode string `json:"org_code"`
	Lead    int    `json:"lead_items"`
	Totals
}

// TargetStat is a quantified target against what has been reached.
type TargetStat struct {
	ItemID    int64   `json:"item_id"`
	ItemLabel string  `json:"item_label"`
	Target    Target  `json:"target"`
	Percent   float64 `json:"percent"`
}

// Assessment is the dashboard of a plan: completion by section and by unit, targets reached.
type Assessment struct {
	Document  *Document     `json:"document,omitempty"`
	Totals    Totals        `json:"totals"`
	Sections  []SectionStat `json:"sections"`
	Units     []UnitStat    `json:"units"`
	Targets   []TargetStat  `json:"targets"`
	Unmatched []string      `json:"unmatched_units"`
}

// Assess computes the assessment of plan id (the latest plan when id is 0). It is public: the
// plan and its reviewed progress are published.
func (s *Service) Assess(ctx context.Context, id int64) (*Assessment, error) {
	var d *Document
	var err error
	if id == 0 {
		d, err = s.Latest(ctx)
	} else {
		d, err = s.Document(ctx, id)
	}
	if err != nil {
		return nil, err
	}
	a := &Assessment{Document: d}
	units := map[string]*UnitStat{}
	unmatched := map[string]bool{}
	for si := range d.Sections {
		sec := &d.Sections[si]
		st := SectionStat{Ordinal: sec.Ordinal, Label: sec.Label, Title: sec.Title}
		for ii := range sec.Items {
			it := &sec.Items[ii]
			st.add(it)
			a.Totals.add(it)
			for _, as := range it.Assigned {
				u := units[as.OrgCode]
				if u == nil {
					u = &UnitStat{OrgCode: as.OrgCode}
					units[as.OrgCode] = u
				}
				u.add(it)
				if as.Lead {
					u.Lead++
				}
			}
			for _, un := range it.Units {
				if un.OrgCode == nil && !un.Collective {
					unmatched[un.Name] = true
				}
			}
			for _, t := range it.Targets {
				pct := 0.0
				if t.Value > 0 {
					pct = math.Round(math.Min(t.Reached/t.Value, 9.99)*1000) / 10
				}
				a.Targets = append(a.Targets, TargetStat{ItemID: it.ID, ItemLabel: it.Label, Target: t, Percent: pct})
			}
		}
		st.finish()
		a.Sections = append(a.Sections, st)
	}
	a.Totals.finish()
	for _, u := range units {
		u.finish()
		a.Units = append(a.Units, *u)
	}
	sort.Slice(a.Units, func(i, j int) bool {
		if a.Units[i].Items != a.Units[j].Items {
			return a.Units[i].Items > a.Units[j].Items
		}
		return a.Units[i].OrgCode < a.Units[j].OrgCode
	})
	for n := range unmatched {
		a.Unmatched = append(a.Unmatched, n)
	}
	sort.Strings(a.Unmatched)
	return a, nil
}

// WorkItem is an item on an organisation's worklist.
type WorkItem struct {
	Item       *Item   `json:"item"`
	Lead       bool    `json:"lead"`
	LastReport *Report `json:"last_report,omitempty"`
}

// Worklist is what one organisation answers for in a plan, and for the coordinating
// organisation also the reports waiting for its review.
type Worklist struct {
	OrgCode  string     `json:"org_code"`
	Items    []WorkItem `json:"items"`
	Totals   Totals     `json:"totals"`
	Pending  []Report   `json:"pending_reviews,omitempty"`
	CanWrite bool       `json:"can_report"`
}

// Worklist returns the items organisation org answers for in the latest plan, most urgent
// first. Officials see any organisation's worklist (work is coordinated in the open among
// government bodies); the public sees none.
func (s *Service) Worklist(ctx context.Context, org string) (*Worklist, error) {
	p := principal.From(ctx)
	if !p.Authenticated() {
		return nil, errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	if p.Kind != principal.Official && p.Kind != principal.System {
		return nil, errs.E(errs.Forbidden, "plan.error.officials_only")
	}
	if org == "" {
		org = p.OrgCode
	}
	if _, err := orgs.Get(ctx, s.db, org); err != nil {
		return nil, err
	}
	d, err := s.Latest(ctx)
	if err != nil {
		return nil, err
	}
	w := &Worklist{OrgCode: org, CanWrite: p.OrgCode == org}
	var reports []Report
	if reports, err = s.reports(ctx, `org_code = ?`, org); err != nil {
		return nil, err
	}
	last := map[int64]*Report{}
	for i := range reports {
		if last[reports[i].ItemID] == nil {
			last[reports[i].ItemID] = &reports[i]
		}
	}
	for _, it := range d.Items() {
		for _, as := range it.Assigned {
			if as.OrgCode == org {
				w.Items = append(w.Items, WorkItem{Item: it, Lead: as.Lead, LastReport: last[it.ID]})
				w.Totals.add(it)
			}
		}
	}
	w.Totals.finish()
	sort.SliceStable(w.Items, func(i, j int) bool {
		a, b := w.Items[i].Item, w.Items[j].Item
		if (a.Status == StatusCompleted) != (b.Status == StatusCompleted) {
			return b.Status == StatusCompleted
		}
		return a.Clock.DaysLeft < b.Clock.DaysLeft
	})
	if s.CanReview(p) && org == s.coordinator {
		if w.Pending, err = s.PendingReports(ctx); err != nil {
			return nil, err
		}
	}
	return w, nil
}
