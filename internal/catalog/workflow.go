package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/events"
	"github.com/yiwang-platform/yiwang/internal/plaintext"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/search"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// SaveItem saves in as the draft of its item: the first version of a new item, the open draft
// edited in place, or a new version after a published or returned one. Only the administrators
// of the item's organisation may; a version waiting for review cannot be changed (errs.Conflict).
// Every element is checked first; the first problem is errs.Invalid naming its field.
func (s *Service) SaveItem(ctx context.Context, p principal.Principal, in Item) (_ Item, err error) {
	defer errs.Wrap(&err, "catalog.SaveItem(%s)", in.Code)
	if !MayEdit(p, strings.TrimSpace(in.Org)) {
		return Item{}, errs.E(errs.Forbidden, "catalog.error.edit_forbidden")
	}
	if err := s.checkItem(ctx, &in); err != nil {
		return Item{}, err
	}
	rev, err := s.saveDraft(ctx, p, KindItem, in.Code, in.Org, [3]string{in.NameHans, in.NameHant, in.NameEn}, in, nil)
	if err != nil {
		return Item{}, err
	}
	in.Version, in.Status = rev.Version, rev.Status
	return in, nil
}

// SaveBundle saves in as the draft of its bundle, as SaveItem does for items. Its items must be
// items of the catalogue (published or not yet).
func (s *Service) SaveBundle(ctx context.Context, p principal.Principal, in Bundle) (_ Bundle, err error) {
	defer errs.Wrap(&err, "catalog.SaveBundle(%s)", in.Code)
	if !MayEdit(p, strings.TrimSpace(in.Org)) {
		return Bundle{}, errs.E(errs.Forbidden, "catalog.error.edit_forbidden")
	}
	if err := s.checkBundle(ctx, &in); err != nil {
		return Bundle{}, err
	}
	check := func(ctx context.Context, tx *store.Tx) error {
		for i, c := range in.Items {
			if _, err := loadEntry(ctx, tx, KindItem, c); errs.Is(err, errs.NotFound) {
				return errs.Field("items."+itoa(i), "catalog.error.bundle_item_unknown", c)
			} else if err != nil {
				return err
			}
		}
		return nil
	}
	rev, err := s.saveDraft(ctx, p, KindBundle, in.Code, in.Org, [3]string{in.NameHans, in.NameHant, in.NameEn}, in, check)
	if err != nil {
		return Bundle{}, err
	}
	in.Version, in.Status = rev.Version, rev.Status
	return in, nil
}

// saveDraft stores data as the draft version of entry (kind, code) of orgCode, creating the
// entry if it is new; check, if set, runs first in the transaction.
func (s *Service) saveDraft(ctx context.Context, p principal.Principal, kind Kind, code, orgCode string, name [3]string,
	content any, check func(context.Context, *store.Tx) error) (Revision, error) {
	// Workflow fields are columns, not content.
	data, err := contentJSON(content)
	if err != nil {
		return Revision{}, err
	}
	var rev Revision
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		if check != nil {
			if err := check(ctx, tx); err != nil {
				return err
			}
		}
		e, err := loadEntry(ctx, tx, kind, code)
		version, action := 1, "create"
		switch {
		case errs.Is(err, errs.NotFound):
			if _, err := tx.Exec(ctx, `INSERT INTO catalog_entries (kind, code, org_code, latest_version, created_at, updated_at)
				VALUES (?, ?, ?, 1, ?, ?)`, kind, code, orgCode, tx.Now, tx.Now); err != nil {
				return err
			}
		case err != nil:
			return err
		case e.Org != orgCode:
			if MaySeeVersions(p, e.Org) {
				return errs.Field("org", "catalog.error.org_changed")
			}
			return errs.Field("code", "catalog.error.code_taken")
		default:
			var status Status
			if err := tx.Get(ctx, &status, `SELECT status FROM catalog_versions WHERE kind = ? AND code = ? AND version = ?`,
				kind, code, e.LatestVersion); err != nil {
				return err
			}
			switch status {
			case Submitted:
				return errs.E(errs.Conflict, "catalog.error.awaiting_review")
			case Draft:
				version, action = e.LatestVersion, "update"
			default:
				version, action = e.LatestVersion+1, "new_version"
			}
		}
		if action == "update" {
			if _, err := tx.Exec(ctx, `UPDATE catalog_versions SET name_hans = ?, name_hant = ?, name_en = ?, data = ?,
				updated_by = ?, updated_at = ? WHERE kind = ? AND code = ? AND version = ?`,
				name[0], name[1], name[2], data, p.Actor(), tx.Now, kind, code, version); err != nil {
				return err
			}
		} else if _, err := tx.Exec(ctx, `INSERT INTO catalog_versions (kind, code, version, status, name_hans, name_hant,
			name_en, data, created_by, created_at, updated_by, updated_at) VALUES (?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?, ?)`,
			kind, code, version, name[0], name[1], name[2], data, p.Actor(), tx.Now, p.Actor(), tx.Now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE catalog_entries SET latest_version = ?, updated_at = ? WHERE kind = ? AND code = ?`,
			version, tx.Now, kind, code); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Change{Action: "catalog." + string(kind) + ".save", ObjectType: objectType(kind),
			ObjectID: code, After: json.RawMessage(data), Detail: map[string]any{"version": version, "org": orgCode, "change": action}}); err != nil {
			return err
		}
		rev, err = loadRevision(ctx, tx, kind, code, version)
		return err
	})
	return rev, err
}

// contentJSON encodes an entry's content without its workflow fields.
func contentJSON(content any) (string, error) {
	b, err := json.Marshal(content)
	if err != nil {
		return "", errs.Wrapf(errs.Internal, err, "error.internal")
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return "", errs.Wrapf(errs.Internal, err, "error.internal")
	}
	delete(m, "version")
	delete(m, "status")
	b, err = json.Marshal(m)
	return string(b), err
}

func loadRevision(ctx context.Context, g getter, kind Kind, code string, version int) (Revision, error) {
	var r Revision
	err := g.Get(ctx, &r, `SELECT `+revisionColumns+` FROM catalog_versions v
		JOIN catalog_entries e ON e.kind = v.kind AND e.code = v.code
		WHERE v.kind = ? AND v.code = ? AND v.version = ?`, kind, code, version)
	return r, err
}

// Submit sends the draft of entry (kind, code) to the digital office for review. Only the
// administrators of the entry's organisation may; there must be a draft (errs.Conflict).
func (s *Service) Submit(ctx context.Context, p principal.Principal, kind Kind, code string) (rev Revision, err error) {
	defer errs.Wrap(&err, "catalog.Submit(%s %s)", kind, code)
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		e, err := s.visibleEntry(ctx, tx, p, kind, code)
		if err != nil {
			return err
		}
		if !MayEdit(p, e.Org) {
			return errs.E(errs.Forbidden, "catalog.error.edit_forbidden")
		}
		if kind == KindBundle {
			// A bundle is reviewed with its items: say now if one is gone.
			if err := s.bundleItemsExist(ctx, tx, code, e.LatestVersion); err != nil {
				return err
			}
		}
		res, err := tx.Exec(ctx, `UPDATE catalog_versions SET status = 'submitted', submitted_by = ?, submitted_at = ?
			WHERE kind = ? AND code = ? AND version = ? AND status = 'draft'`, p.Actor(), tx.Now, kind, code, e.LatestVersion)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "catalog.error.no_draft")
		}
		if err := audit.Record(ctx, tx, audit.Change{Action: "catalog." + string(kind) + ".submit", ObjectType: objectType(kind),
			ObjectID: code, Detail: map[string]any{"version": e.LatestVersion}}); err != nil {
			return err
		}
		rev, err = loadRevision(ctx, tx, kind, code, e.LatestVersion)
		return err
	})
	return rev, err
}

// Publish makes the submitted version of entry (kind, code) the published one; the version
// published before is superseded and kept. Only the digital office's administrators may. A
// bundle is published only when all its items are (errs.Conflict naming the first that is not).
func (s *Service) Publish(ctx context.Context, p principal.Principal, kind Kind, code string) (rev Revision, err error) {
	defer errs.Wrap(&err, "catalog.Publish(%s %s)", kind, code)
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		e, err := s.visibleEntry(ctx, tx, p, kind, code)
		if err != nil {
			return err
		}
		if !MayDecide(p) {
			return errs.E(errs.Forbidden, "catalog.error.decide_forbidden")
		}
		res, err := tx.Exec(ctx, `UPDATE catalog_versions SET status = 'published', decided_by = ?, decided_at = ?
			WHERE kind = ? AND code = ? AND version = ? AND status = 'submitted'`, p.Actor(), tx.Now, kind, code, e.LatestVersion)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "catalog.error.not_submitted")
		}
		if e.PublishedVersion != nil {
			if _, err := tx.Exec(ctx, `UPDATE catalog_versions SET status = 'superseded' WHERE kind = ? AND code = ? AND version = ?`,
				kind, code, *e.PublishedVersion); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE catalog_entries SET published_version = ?, updated_at = ? WHERE kind = ? AND code = ?`,
			e.LatestVersion, tx.Now, kind, code); err != nil {
			return err
		}
		if err := s.refreshPublished(ctx, tx, kind, code); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Change{Action: "catalog." + string(kind) + ".publish", ObjectType: objectType(kind),
			ObjectID: code, Detail: map[string]any{"version": e.LatestVersion}}); err != nil {
			return err
		}
		if err := events.Enqueue(ctx, tx, "catalog.published", map[string]any{"kind": kind, "code": code,
			"version": e.LatestVersion, "org": e.Org}); err != nil {
			return err
		}
		rev, err = loadRevision(ctx, tx, kind, code, e.LatestVersion)
		return err
	})
	return rev, err
}

// Return sends the submitted version of entry (kind, code) back to its organisation with a
// reason (at most MaxReason characters); the organisation's next save makes a new draft. Only
// the digital office's administrators may.
func (s *Service) Return(ctx context.Context, p principal.Principal, kind Kind, code, reason string) (rev Revision, err error) {
	defer errs.Wrap(&err, "catalog.Return(%s %s)", kind, code)
	reason = strings.TrimSpace(reason)
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		e, err := s.visibleEntry(ctx, tx, p, kind, code)
		if err != nil {
			return err
		}
		if !MayDecide(p) {
			return errs.E(errs.Forbidden, "catalog.error.decide_forbidden")
		}
		if reason == "" {
			return errs.Field("reason", "catalog.error.reason")
		}
		if err := plaintext.Area(&reason, "reason", MaxReason, true); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE catalog_versions SET status = 'returned', decided_by = ?, decided_at = ?, return_reason = ?
			WHERE kind = ? AND code = ? AND version = ? AND status = 'submitted'`, p.Actor(), tx.Now, reason, kind, code, e.LatestVersion)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "catalog.error.not_submitted")
		}
		if err := audit.Record(ctx, tx, audit.Change{Action: "catalog." + string(kind) + ".return", ObjectType: objectType(kind),
			ObjectID: code, Detail: map[string]any{"version": e.LatestVersion}}); err != nil {
			return err
		}
		rev, err = loadRevision(ctx, tx, kind, code, e.LatestVersion)
		return err
	})
	return rev, err
}

// visibleEntry loads entry (kind, code) if p may see its versions; otherwise, or if there is
// none, it is errs.NotFound.
func (s *Service) visibleEntry(ctx context.Context, g getter, p principal.Principal, kind Kind, code string) (entry, error) {
	e, err := loadEntry(ctx, g, kind, code)
	if errs.Is(err, errs.NotFound) || err == nil && !MaySeeVersions(p, e.Org) {
		return entry{}, notFound(kind)
	}
	return e, err
}

// bundleItemsExist checks that every item of version v of bundle code is an item of the catalogue.
func (s *Service) bundleItemsExist(ctx context.Context, tx *store.Tx, code string, v int) error {
	b, err := loadVersion[Bundle](ctx, tx, KindBundle, code, v)
	if err != nil {
		return err
	}
	for i, c := range b.Items {
		if _, err := loadEntry(ctx, tx, KindItem, c); errs.Is(err, errs.NotFound) {
			return errs.Field("items."+itoa(i), "catalog.error.bundle_item_unknown", c)
		} else if err != nil {
			return err
		}
	}
	return nil
}

// Import publishes items and then bundles as they are, without review: the catalogue's first
// load from the province's existing list of items (and the demo's). Only the system may. An
// entry whose published version already says the same is left alone; any other gets a new
// version, published at once (superseding the one before). An entry with a version open for
// review is errs.Conflict. Everything is checked first, then imported in one transaction.
// Returns how many versions it published.
func (s *Service) Import(ctx context.Context, p principal.Principal, items []Item, bundles []Bundle) (n int, err error) {
	defer errs.Wrap(&err, "catalog.Import")
	if p.Kind != principal.System {
		return 0, errs.E(errs.Forbidden, "catalog.error.import_forbidden")
	}
	var all []importEntry
	for i := range items {
		if err := s.checkItem(ctx, &items[i]); err != nil {
			return 0, fmt.Errorf("item %s: %w", items[i].Code, err)
		}
		it := items[i]
		data, err := contentJSON(it)
		if err != nil {
			return 0, err
		}
		all = append(all, importEntry{KindItem, it.Code, it.Org, [3]string{it.NameHans, it.NameHant, it.NameEn}, data, &items[i]})
	}
	for i := range bundles {
		if err := s.checkBundle(ctx, &bundles[i]); err != nil {
			return 0, fmt.Errorf("bundle %s: %w", bundles[i].Code, err)
		}
		b := bundles[i]
		data, err := contentJSON(b)
		if err != nil {
			return 0, err
		}
		all = append(all, importEntry{KindBundle, b.Code, b.Org, [3]string{b.NameHans, b.NameHant, b.NameEn}, data, nil})
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		n = 0
		// The entries already there, read in a few queries rather than one per entry.
		known := map[string]entry{}
		for i := 0; i < len(all); i += 500 {
			var codes []any
			for _, d := range all[i:min(i+500, len(all))] {
				codes = append(codes, d.code)
			}
			var es []entry
			if err := tx.Select(ctx, &es, `SELECT kind, code, org_code, latest_version, published_version, created_at, updated_at
				FROM catalog_entries WHERE code IN (`+store.Placeholders(len(codes))+`)`, codes...); err != nil {
				return err
			}
			for _, e := range es {
				known[string(e.Kind)+" "+e.Code] = e
			}
		}
		// Items new to the catalogue go in batches, a few statements for each batch; the others one
		// by one, after the batch before them (a bundle needs its items published).
		var batch []importEntry
		flush := func() error {
			k, err := s.importNewItems(ctx, tx, p, batch)
			n += k
			batch = batch[:0]
			return err
		}
		for _, d := range all {
			e, exists := known[string(d.kind)+" "+d.code]
			if !exists && d.item != nil {
				if batch = append(batch, d); len(batch) == importBatch {
					if err := flush(); err != nil {
						return err
					}
				}
				continue
			}
			if err := flush(); err != nil {
				return err
			}
			version := 1
			switch {
			case !exists:
				if _, err := tx.Exec(ctx, `INSERT INTO catalog_entries (kind, code, org_code, latest_version, published_version,
					created_at, updated_at) VALUES (?, ?, ?, 1, 1, ?, ?)`, d.kind, d.code, d.org, tx.Now, tx.Now); err != nil {
					return err
				}
			case e.Org != d.org:
				return errs.E(errs.Conflict, "catalog.error.import_org", d.code)
			default:
				var latest struct {
					Status Status `db:"status"`
					Data   string `db:"data"`
				}
				if err := tx.Get(ctx, &latest, `SELECT status, data FROM catalog_versions WHERE kind = ? AND code = ? AND version = ?`,
					d.kind, d.code, e.LatestVersion); err != nil {
					return err
				}
				switch {
				case latest.Status == Draft || latest.Status == Submitted:
					return errs.E(errs.Conflict, "catalog.error.import_open", d.code)
				case latest.Status == Published && latest.Data == d.data:
					continue
				}
				version = e.LatestVersion + 1
				if e.PublishedVersion != nil {
					if _, err := tx.Exec(ctx, `UPDATE catalog_versions SET status = 'superseded' WHERE kind = ? AND code = ? AND version = ?`,
						d.kind, d.code, *e.PublishedVersion); err != nil {
						return err
					}
				}
			}
			actor := p.Actor()
			if _, err := tx.Exec(ctx, `INSERT INTO catalog_versions (kind, code, version, status, name_hans, name_hant, name_en, data,
				created_by, created_at, updated_by, updated_at, submitted_by, submitted_at, decided_by, decided_at)
				VALUES (?, ?, ?, 'published', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				d.kind, d.code, version, d.name[0], d.name[1], d.name[2], d.data, actor, tx.Now, actor, tx.Now, actor, tx.Now, actor, tx.Now); err != nil {
				return err
			}
			if exists {
				if _, err := tx.Exec(ctx, `UPDATE catalog_entries SET latest_version = ?, published_version = ?, updated_at = ?
					WHERE kind = ? AND code = ?`, version, version, tx.Now, d.kind, d.code); err != nil {
					return err
				}
			}
			var err error
			if d.item != nil {
				it := *d.item
				it.Version, it.Status = version, Published
				err = s.refreshItem(ctx, tx, it, !exists)
			} else {
				err = s.refreshPublished(ctx, tx, d.kind, d.code)
			}
			if err != nil {
				return fmt.Errorf("%s %s: %w", d.kind, d.code, err)
			}
			if err := audit.Record(ctx, tx, audit.Change{Action: "catalog." + string(d.kind) + ".import", ObjectType: objectType(d.kind),
				ObjectID: d.code, After: json.RawMessage(d.data), Detail: map[string]any{"version": version, "org": d.org}}); err != nil {
				return err
			}
			n++
		}
		if err := flush(); err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		// One event for the lot: an import may publish thousands of entries.
		return events.Enqueue(ctx, tx, "catalog.imported", map[string]any{"published": n})
	})
	if err == nil && n >= analyzeAfter {
		// A large load changes the tables' statistics at once; the planner should know before the
		// first search rather than at autovacuum's next pass.
		err = s.db.Transact(ctx, func(tx *store.Tx) error {
			for _, t := range []string{"catalog_published", "catalog_tags", "search_documents"} {
				if _, err := tx.Exec(ctx, `ANALYZE `+t); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return n, err
}

// importEntry is an entry an import publishes.
type importEntry struct {
	kind      Kind
	code, org string
	name      [3]string
	data      string
	item      *Item // an item's content, to index without reading it back
}

// importBatch is how many new items an import writes with one statement per table.
const importBatch = 200

// importNewItems publishes items new to the catalogue as their first versions: a statement per
// table for all of them, and an audit record each.
func (s *Service) importNewItems(ctx context.Context, tx *store.Tx, p principal.Principal, batch []importEntry) (int, error) {
	if len(batch) == 0 {
		return 0, nil
	}
	actor := p.Actor()
	var entries, versions []string
	var entryArgs, versionArgs []any
	var listings []listing
	var tags [][]string
	var docs []search.Doc
	for _, d := range batch {
		entries = append(entries, "(?, ?, ?, 1, 1, ?, ?)")
		entryArgs = append(entryArgs, d.kind, d.code, d.org, tx.Now, tx.Now)
		versions = append(versions, "(?, ?, 1, 'published', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
		versionArgs = append(versionArgs, d.kind, d.code, d.name[0], d.name[1], d.name[2], d.data, actor, tx.Now, actor, tx.Now,
			actor, tx.Now, actor, tx.Now)
		it := *d.item
		it.Version, it.Status = 1, Published
		l, t := itemListing(it)
		listings, tags = append(listings, l), append(tags, t)
		doc, err := s.itemDoc(ctx, it)
		if err != nil {
			return 0, err
		}
		docs = append(docs, doc)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO catalog_entries (kind, code, org_code, latest_version, published_version, created_at,
		updated_at) VALUES `+strings.Join(entries, ", "), entryArgs...); err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO catalog_versions (kind, code, version, status, name_hans, name_hant, name_en, data,
		created_by, created_at, updated_by, updated_at, submitted_by, submitted_at, decided_by, decided_at) VALUES `+
		strings.Join(versions, ", "), versionArgs...); err != nil {
		return 0, err
	}
	if err := insertListings(ctx, tx, listings, tags); err != nil {
		return 0, err
	}
	if err := s.index.PutManyTx(ctx, tx, docs); err != nil {
		return 0, err
	}
	for _, d := range batch {
		if err := audit.Record(ctx, tx, audit.Change{Action: "catalog.item.import", ObjectType: objectType(KindItem),
			ObjectID: d.code, After: json.RawMessage(d.data), Detail: map[string]any{"version": 1, "org": d.org}}); err != nil {
			return 0, err
		}
	}
	return len(batch), nil
}

// analyzeAfter is the size of an import after which the tables' statistics are refreshed.
const analyzeAfter = 500
