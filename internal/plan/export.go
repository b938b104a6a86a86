package plan

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// Export is the whole plan as written out: the document with its sections, items, units,
// targets and progress, and — for officials — the progress reports.
type Export struct {
	Document *Document          `json:"document"`
	Reports  map[int64][]Report `json:"reports,omitempty"`
	Totals   Totals             `json:"totals"`
}

// BuildExport gathers the export of plan id (the latest when 0).
func (s *Service) BuildExport(ctx context.Context, id int64) (*Export, error) {
	a, err := s.Assess(ctx, id)
	if err != nil {
		return nil, err
	}
	e := &Export{Document: a.Document, Totals: a.Totals}
	if CanSeeReports(principal.From(ctx)) {
		rs, err := s.reports(ctx, `item_id IN (SELECT id FROM plan_items WHERE document_id = ?)`, a.Document.ID)
		if err != nil {
			return nil, err
		}
		e.Reports = map[int64][]Report{}
		for _, r := range rs {
			e.Reports[r.ItemID] = append(e.Reports[r.ItemID], r)
		}
	}
	return e, nil
}

// WriteJSON writes e as indented JSON.
func (e *Export) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(e)
}

// OrgNamer gives an organisation's display name from its code.
type OrgNamer func(code string) string

// WriteXLSX writes e as an Excel workbook with sheets for items, units, targets and reports;
// names resolves organisation codes to names in the reader's language.
func (e *Export) WriteXLSX(w io.Writer, names OrgNamer) (err error) {
	defer errs.Wrap(&err, "plan.WriteXLSX")
	f := excelize.NewFile()
	defer f.Close()
	sheets := []struct {
		name   string
		header []string
		rows   [][]any
	}{
		{"items", []string{"section", "item", "heading", "lead unit", "supporting units", "deadline", "status", "progress %", "overdue", "working days left", "text"}, nil},
		{"units", []string{"item", "group", "position", "as written", "normalised", "organisation code", "lead", "collective"}, nil},
		{"targets", []string{"item", "subject", "value", "unit", "at least", "reached", "percent", "source text"}, nil},
		{"reports", []string{"item", "report", "organisation", "reporter", "submitted at", "progress %", "status", "reviewer", "review comment", "text"}, nil},
	}
	labels := map[int64]string{}
	for _, sec := range e.Document.Sections {
		for _, it := range sec.Items {
			labels[it.ID] = it.Label
			var lead, support []string
			for _, a := range it.Assigned {
				if a.Lead {
					lead = append(lead, names(a.OrgCode))
				} else {
					support = append(support, names(a.OrgCode))
				}
			}
			sheets[0].rows = append(sheets[0].rows, []any{sec.Label + sec.Title, it.Label, it.Heading, strings.Join(lead, "、"),
				strings.Join(support, "、"), it.Deadline, it.Status, it.Progress, it.Clock.Overdue, it.Clock.DaysLeft, it.Body})
			for _, u := range it.Units {
				code := ""
				if u.OrgCode != nil {
					code = *u.OrgCode
				}
				sheets[1].rows = append(sheets[1].rows, []any{it.Label, u.Group, u.Position, u.Raw, u.Name, code, u.Lead, u.Collective})
			}
			for _, t := range it.Targets {
				pct := 0.0
				if t.Value > 0 {
					pct = t.Reached / t.Value * 100
				}
				sheets[2].rows = append(sheets[2].rows, []any{it.Label, t.Subject, t.Value, t.Unit, t.AtLeast, t.Reached, pct, t.Source})
			}
		}
	}
	// Reports in item order, then as stored (newest first), so the workbook is the same every time.
	var items []int64
	for id := range e.Reports {
		items = append(items, id)
	}
	slices.Sort(items)
	for _, id := range items {
		for _, r := range e.Reports[id] {
			sheets[3].rows = append(sheets[3].rows, []any{labels[r.ItemID], r.ID, names(r.OrgCode), r.Reporter,
				r.SubmittedAt.Format("2006-01-02 15:04:05Z07:00"), r.Progress, r.Status, r.Reviewer, r.ReviewComment, r.Body})
		}
	}
	for i, sh := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sh.name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(sh.name); err != nil {
			return err
		}
		sw, err := f.NewStreamWriter(sh.name)
		if err != nil {
			return err
		}
		header := make([]any, len(sh.header))
		for j, h := range sh.header {
			header[j] = h
		}
		if err := sw.SetRow("A1", header); err != nil {
			return err
		}
		for r, row := range sh.rows {
			cell, _ := excelize.CoordinatesToCellName(1, r+2)
			if err := sw.SetRow(cell, row); err != nil {
				return err
			}
		}
		if err := sw.Flush(); err != nil {
			return err
		}
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	return nil
}
