package plan

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/events"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Change is one difference a re-import found between the stored plan and the revised document.
type Change struct {
	Kind   string `json:"kind"` // header, section_added, section_changed, section_removed, item_added, item_changed, item_removed
	Label  string `json:"label,omitempty"`
	Field  string `json:"field,omitempty"`
	Before string `json:"before,omitempty"`
	After  string `json:"after,omitempty"`
}

// ImportResult says what an import did.
type ImportResult struct {
	DocumentID int64          `json:"document_id"`
	Number     string         `json:"number"`
	Title      string         `json:"title"`
	Revision   int            `json:"revision"`
	Created    bool           `json:"created"`
	Unchanged  bool           `json:"unchanged"`
	Sections   int            `json:"sections"`
	Items      int            `json:"items"`
	Targets    int            `json:"targets"`
	Changes    []Change       `json:"changes,omitempty"`
	Unmatched  []string       `json:"unmatched_units,omitempty"`
	Damage     []ParsedDamage `json:"damage,omitempty"`
}

// Import parses a work-plan document and stores it: a new document is created; the same
// document again changes nothing; a revised document (same number, different text) is updated
// item by item and the differences recorded as a new revision. Units are matched to
// organisations, and names that match none are reported, not dropped. Nothing is stored when
// parsing fails. Only the coordinating organisation's administrators and the system may import.
func (s *Service) Import(ctx context.Context, data []byte) (res *ImportResult, err error) {
	defer errs.Wrap(&err, "plan.Import")
	p := principal.From(ctx)
	if !p.Authenticated() {
		return nil, errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	if !s.CanImport(p) {
		return nil, errs.E(errs.Forbidden, "plan.error.import_forbidden")
	}
	doc, err := Parse(data)
	if err != nil {
		return nil, err
	}
	matcher, err := org.LoadMatcher(ctx, s.db)
	if err != nil {
		return nil, err
	}
	orgs, err := org.List(ctx, s.db)
	if err != nil {
		return nil, err
	}
	var cities []string
	for _, o := range orgs {
		if o.Kind == org.City {
			cities = append(cities, o.Code)
		}
	}
	stored := map[string]bool{}
	for _, o := range orgs {
		stored[o.Code] = true
	}
	var operators []string
	for _, c := range org.Members(org.GroupTelecomOperators) {
		if stored[c] {
			operators = append(operators, c)
		}
	}
	as := assigner{matcher: matcher, cities: cities, operators: operators, coordinator: s.coordinator}
	sum := sha256.Sum256(data)
	digest := hex.EncodeToString(sum[:])
	res = &ImportResult{Number: doc.Number, Title: doc.Title, Sections: len(doc.Sections), Items: len(doc.Items()),
		Targets: len(doc.Targets()), Damage: doc.Damage}
	unmatched := map[string]bool{}
	for _, it := range doc.Items() {
		for _, g := range it.Responsibilities {
			for _, u := range g.Units {
				if _, ok := matcher.Match(u.Name); !ok && !u.IsCollective() && !unmatched[u.Name] {
					unmatched[u.Name] = true
					res.Unmatched = append(res.Unmatched, u.Name)
				}
			}
		}
	}
	issued := doc.IssuedOn.Format(time.DateOnly)
	deadline := fmt.Sprintf("%04d-12-31", doc.IssuedOn.Year())
	if doc.IssuedOn.IsZero() {
		issued, deadline = "", fmt.Sprintf("%04d-12-31", s.clock.Now().Year())
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		var cur struct {
			ID       int64  `db:"id"`
			SHA      string `db:"source_sha256"`
			Revision int    `db:"revision"`
		}
		err := tx.Get(ctx, &cur, `SELECT id, source_sha256, revision FROM plan_documents WHERE number = ?`, doc.Number)
		switch {
		case errs.Is(err, errs.NotFound):
			res.Created, res.Revision = true, 1
			id, err := tx.InsertID(ctx, `INSERT INTO plan_documents (number, title, issuer, issued_on, preamble, source_sha256, revision, imported_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id`, doc.Number, doc.Title, doc.Issuer, issued, doc.Preamble, digest, tx.Now, tx.Now)
			if err != nil {
				return err
			}
			res.DocumentID = id
			res.Changes = []Change{{Kind: "created", After: doc.Title}}
			secIDs := map[int]int64{}
			for _, sec := range doc.Sections {
				sid, err := tx.InsertID(ctx, `INSERT INTO plan_sections (document_id, ordinal, label, title) VALUES (?, ?, ?, ?) RETURNING id`,
					id, sec.Ordinal, sec.Numeral+"、", sec.Title)
				if err != nil {
					return err
				}
				secIDs[sec.Ordinal] = sid
				for _, it := range sec.Items {
					if err := insertItem(ctx, tx, id, sid, it, deadline, as, doc.Damage); err != nil {
						return err
					}
				}
			}
		case err != nil:
			return err
		case cur.SHA == digest:
			res.DocumentID, res.Revision, res.Unchanged = cur.ID, cur.Revision, true
			return nil
		default:
			res.DocumentID, res.Revision = cur.ID, cur.Revision+1
			if res.Changes, err = s.applyRevision(ctx, tx, cur.ID, doc, issued, deadline, as); err != nil {
				return err
			}
			if len(res.Changes) == 0 {
				// The same plan saved differently (line ends, byte-order mark, trailing
				// spaces): applyRevision wrote nothing, and there is no revision to record.
				res.Revision, res.Unchanged = cur.Revision, true
				return nil
			}
			if _, err := tx.Exec(ctx, `UPDATE plan_documents SET title = ?, issuer = ?, issued_on = ?, preamble = ?, source_sha256 = ?,
				revision = ?, updated_at = ? WHERE id = ?`, doc.Title, doc.Issuer, issued, doc.Preamble, digest, res.Revision, tx.Now, cur.ID); err != nil {
				return err
			}
		}
		changes, err := json.Marshal(res.Changes)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO plan_revisions (document_id, revision, source_sha256, imported_at, imported_by, changes)
			VALUES (?, ?, ?, ?, ?, ?)`, res.DocumentID, res.Revision, digest, tx.Now, p.Actor(), string(changes)); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Change{Action: "plan.document.imported", ObjectType: "plan_document",
			ObjectID: strconv.FormatInt(res.DocumentID, 10), After: map[string]any{"sha256": digest, "revision": res.Revision},
			Detail: map[string]any{"number": doc.Number, "revision": res.Revision, "changes": len(res.Changes)}}); err != nil {
			return err
		}
		return events.Enqueue(ctx, tx, "plan.document.imported", map[string]any{"document_id": res.DocumentID, "number": doc.Number, "revision": res.Revision})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// CanImport reports whether p may import plans: the coordinating organisation's administrators
// and Yiwang itself.
func (s *Service) CanImport(p principal.Principal) bool {
	return p.Kind == principal.System || (p.IsOfficial(s.coordinator) && p.HasRole(principal.RoleAdministrator))
}

// insertItem stores one parsed item with its units, assignments, targets and damage.
func insertItem(ctx context.Context, tx *store.Tx, docID, sectionID int64, it ParsedItem, deadline string, as assigner, damage []ParsedDamage) error {
	id, err := tx.InsertID(ctx, `INSERT INTO plan_items (document_id, section_id, ordinal, label, heading, body, deadline, status, progress)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0) RETURNING id`, docID, sectionID, it.Ordinal, "（"+it.Numeral+"）", it.Heading, it.Text, deadline, StatusNotStarted)
	if err != nil {
		return err
	}
	if err := writeUnits(ctx, tx, id, it, as); err != nil {
		return err
	}
	for i, t := range it.Targets {
		if _, err := tx.Exec(ctx, `INSERT INTO plan_targets (item_id, position, value, unit, subject, source, at_least, reached)
			VALUES (?, ?, ?, ?, ?, ?, ?, 0)`, id, i+1, float64(t.Value), t.Measure, t.Subject, t.Source, t.AtLeast); err != nil {
			return err
		}
	}
	return writeDamage(ctx, tx, id, it.Ordinal, damage)
}

func writeDamage(ctx context.Context, tx *store.Tx, itemID int64, ordinal int, damage []ParsedDamage) error {
	pos := 0
	for _, d := range damage {
		if d.Item != ordinal {
			continue
		}
		pos++
		if _, err := tx.Exec(ctx, `INSERT INTO plan_damage (item_id, position, char_offset, text) VALUES (?, ?, ?, ?)`,
			itemID, pos, d.CharOffset, strings.ToValidUTF8(d.Text, "\uFFFD")); err != nil {
			return err
		}
	}
	return nil
}

// assigner turns an item's units into the organisations that answer for it.
type assigner struct {
	matcher     *org.Matcher
	cities      []string // every city government, for 各設區市人民政府
	operators   []string // the telecom operators, for 各電信運營商
	coordinator string   // leads items that name no organisation
}

// writeUnits stores an item's units as written and the organisations assigned from them: a
// matched unit is assigned itself, 各設區市人民政府 expands to every city, and the lead unit's
// organisation leads.
func writeUnits(ctx context.Context, tx *store.Tx, itemID int64, it ParsedItem, as assigner) error {
	m, cities := as.matcher, as.cities
	assigned := map[string]bool{} // org → lead
	var order []string
	assign := func(code string, lead bool) {
		if _, ok := assigned[code]; !ok {
			order = append(order, code)
		}
		assigned[code] = assigned[code] || lead
	}
	pos := 0
	for gi, g := range it.Responsibilities {
		for _, u := range g.Units {
			pos++
			var code *string
			if c, ok := m.Match(u.Name); ok && !u.IsCollective() {
				code = &c
				assign(c, u.Lead && gi == 0)
			}
			switch u.Collective {
			case CityGovernments:
				for _, c := range cities {
					assign(c, false)
				}
			case TelecomOperators:
				for _, c := range as.operators {
					assign(c, false)
				}
			}
			if _, err := tx.Exec(ctx, `INSERT INTO plan_item_units (item_id, position, grp, raw, name, org_code, collective, lead)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, itemID, pos, gi+1, u.Raw, u.Name, code, u.IsCollective(), u.Lead && gi == 0); err != nil {
				return err
			}
		}
	}
	if len(order) == 0 && as.coordinator != "" {
		// An item that names only collective units (省直有關單位) is the coordinator's until it
		// assigns the work, so that somebody answers for every item.
		assign(as.coordinator, true)
	}
	for _, c := range order {
		if _, err := tx.Exec(ctx, `INSERT INTO plan_assignments (item_id, org_code, lead) VALUES (?, ?, ?)`, itemID, c, assigned[c]); err != nil {
			return err
		}
	}
	return nil
}

// applyRevision brings a stored plan in line with a revised document and returns what changed.
// Items are matched by ordinal. Progress, reports and reached figures are kept; an item or
// target that has reports cannot be removed (errs.Conflict).
func (s *Service) applyRevision(ctx context.Context, tx *store.Tx, docID int64, doc *ParsedDocument, issued, deadline string, as assigner) ([]Change, error) {
	var changes []Change
	var old Document
	if err := tx.Get(ctx, &old, `SELECT `+documentColumns+` FROM plan_documents WHERE id = ?`, docID); err != nil {
		return nil, err
	}
	for _, f := range []struct{ name, before, after string }{
		{"title", old.Title, doc.Title}, {"issuer", old.Issuer, doc.Issuer}, {"issued_on", old.IssuedOn, issued}, {"preamble", old.Preamble, doc.Preamble},
	} {
		if f.before != f.after {
			changes = append(changes, Change{Kind: "header", Field: f.name, Before: clip(f.before), After: clip(f.after)})
		}
	}
	var sections []Section
	if err := tx.Select(ctx, &sections, `SELECT id, ordinal, label, title FROM plan_sections WHERE document_id = ? ORDER BY ordinal`, docID); err != nil {
		return nil, err
	}
	secByOrd := map[int]Section{}
	for _, sec := range sections {
		secByOrd[sec.Ordinal] = sec
	}
	var items []Item
	if err := tx.Select(ctx, &items, `SELECT id, section_id, ordinal, label, heading, body, deadline, status, progress
		FROM plan_items WHERE document_id = ?`, docID); err != nil {
		return nil, err
	}
	itemByOrd := map[int]Item{}
	for _, it := range items {
		itemByOrd[it.Ordinal] = it
	}
	seen, seenSection := map[int]bool{}, map[int]bool{}
	for _, sec := range doc.Sections {
		seenSection[sec.Ordinal] = true
		stored, ok := secByOrd[sec.Ordinal]
		var sid int64
		switch {
		case !ok:
			id, err := tx.InsertID(ctx, `INSERT INTO plan_sections (document_id, ordinal, label, title) VALUES (?, ?, ?, ?) RETURNING id`,
				docID, sec.Ordinal, sec.Numeral+"、", sec.Title)
			if err != nil {
				return nil, err
			}
			sid = id
			changes = append(changes, Change{Kind: "section_added", Label: sec.Numeral + "、", After: sec.Title})
		default:
			sid = stored.ID
			if stored.Title != sec.Title {
				if _, err := tx.Exec(ctx, `UPDATE plan_sections SET title = ? WHERE id = ?`, sec.Title, sid); err != nil {
					return nil, err
				}
				changes = append(changes, Change{Kind: "section_changed", Label: stored.Label, Field: "title", Before: stored.Title, After: sec.Title})
			}
		}
		for _, it := range sec.Items {
			seen[it.Ordinal] = true
			label := "（" + it.Numeral + "）"
			cur, ok := itemByOrd[it.Ordinal]
			if !ok {
				if err := insertItem(ctx, tx, docID, sid, it, deadline, as, doc.Damage); err != nil {
					return nil, err
				}
				changes = append(changes, Change{Kind: "item_added", Label: label, After: clip(it.Heading)})
				continue
			}
			if cur.Body == it.Text && cur.Heading == it.Heading && cur.SectionID == sid {
				continue
			}
			changes = append(changes, Change{Kind: "item_changed", Label: label, Field: "text", Before: clip(cur.Body), After: clip(it.Text)})
			if _, err := tx.Exec(ctx, `UPDATE plan_items SET heading = ?, body = ?, section_id = ?, label = ? WHERE id = ?`,
				it.Heading, it.Text, sid, label, cur.ID); err != nil {
				return nil, err
			}
			for _, q := range []string{`DELETE FROM plan_item_units WHERE item_id = ?`, `DELETE FROM plan_assignments WHERE item_id = ?`, `DELETE FROM plan_damage WHERE item_id = ?`} {
				if _, err := tx.Exec(ctx, q, cur.ID); err != nil {
					return nil, err
				}
			}
			if err := writeUnits(ctx, tx, cur.ID, it, as); err != nil {
				return nil, err
			}
			if err := writeDamage(ctx, tx, cur.ID, it.Ordinal, doc.Damage); err != nil {
				return nil, err
			}
			if err := reviseTargets(ctx, tx, cur.ID, label, it.Targets); err != nil {
				return nil, err
			}
		}
	}
	for _, it := range items {
		if seen[it.Ordinal] {
			continue
		}
		var n int
		if err := tx.Get(ctx, &n, `SELECT COUNT(*) FROM plan_reports WHERE item_id = ?`, it.ID); err != nil {
			return nil, err
		}
		if n > 0 {
			return nil, errs.E(errs.Conflict, "plan.error.item_has_reports", it.Label)
		}
		for _, q := range []string{`DELETE FROM plan_item_units WHERE item_id = ?`, `DELETE FROM plan_assignments WHERE item_id = ?`,
			`DELETE FROM plan_damage WHERE item_id = ?`, `DELETE FROM plan_targets WHERE item_id = ?`, `DELETE FROM plan_items WHERE id = ?`} {
			if _, err := tx.Exec(ctx, q, it.ID); err != nil {
				return nil, err
			}
		}
		changes = append(changes, Change{Kind: "item_removed", Label: it.Label, Before: clip(it.Heading)})
	}
	// A section the revision no longer has holds no items now: they were removed above.
	for _, sec := range sections {
		if seenSection[sec.Ordinal] {
			continue
		}
		if _, err := tx.Exec(ctx, `DELETE FROM plan_sections WHERE id = ?`, sec.ID); err != nil {
			return nil, err
		}
		changes = append(changes, Change{Kind: "section_removed", Label: sec.Label, Before: sec.Title})
	}
	return changes, nil
}

// reviseTargets updates an item's targets, keeping reached figures and the rows progress reports
// refer to: a revised target is the stored one that counts the same subject in the same unit,
// or failing that the unmatched one at the same position (its wording or value changed). A
// removed target that progress reports refer to is a conflict.
func reviseTargets(ctx context.Context, tx *store.Tx, itemID int64, label string, targets []ParsedTarget) error {
	var cur []Target
	if err := tx.Select(ctx, &cur, `SELECT id, item_id, position, value, unit, subject, source, at_least, reached FROM plan_targets WHERE item_id = ? ORDER BY position`, itemID); err != nil {
		return err
	}
	match := make([]int, len(targets)) // index into cur, or -1 for a new target
	used := make([]bool, len(cur))
	for i, t := range targets {
		match[i] = -1
		for j, c := range cur {
			if !used[j] && c.Subject == t.Subject && c.Unit == t.Measure {
				match[i], used[j] = j, true
				break
			}
		}
	}
	for i := range targets {
		if match[i] == -1 && i < len(cur) && !used[i] {
			match[i], used[i] = i, true
		}
	}
	for j, t := range cur {
		if used[j] {
			continue
		}
		var n int
		if err := tx.Get(ctx, &n, `SELECT COUNT(*) FROM plan_report_figures WHERE target_id = ?`, t.ID); err != nil {
			return err
		}
		if n > 0 {
			return errs.E(errs.Conflict, "plan.error.target_has_reports", label, t.Subject)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM plan_targets WHERE id = ?`, t.ID); err != nil {
			return err
		}
	}
	// Move the kept targets out of the way of UNIQUE (item_id, position) before renumbering.
	if _, err := tx.Exec(ctx, `UPDATE plan_targets SET position = -position WHERE item_id = ?`, itemID); err != nil {
		return err
	}
	for i, t := range targets {
		if j := match[i]; j >= 0 {
			if _, err := tx.Exec(ctx, `UPDATE plan_targets SET position = ?, value = ?, unit = ?, subject = ?, source = ?, at_least = ? WHERE id = ?`,
				i+1, float64(t.Value), t.Measure, t.Subject, t.Source, t.AtLeast, cur[j].ID); err != nil {
				return err
			}
			continue
		}
		if _, err := tx.Exec(ctx, `INSERT INTO plan_targets (item_id, position, value, unit, subject, source, at_least, reached)
			VALUES (?, ?, ?, ?, ?, ?, ?, 0)`, itemID, i+1, float64(t.Value), t.Measure, t.Subject, t.Source, t.AtLeast); err != nil {
			return err
		}
	}
	return nil
}

// clip shortens text for a change record.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= 200 {
		return s
	}
	r := []rune(s)
	return string(r[:200]) + "…"
}
