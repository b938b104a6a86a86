package catalog

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// content is what a version's data column decodes into.
type content interface{ Item | Bundle }

// loadVersion reads version v of entry (kind, code) with its workflow fields.
func loadVersion[T content](ctx context.Context, g getter, kind Kind, code string, v int) (T, error) {
	var row struct {
		Status Status `db:"status"`
		Data   string `db:"data"`
	}
	var out T
	if err := g.Get(ctx, &row, `SELECT status, data FROM catalog_versions WHERE kind = ? AND code = ? AND version = ?`,
		kind, code, v); err != nil {
		if errs.Is(err, errs.NotFound) {
			return out, notFound(kind)
		}
		return out, err
	}
	if err := json.Unmarshal([]byte(row.Data), &out); err != nil {
		return out, errs.Wrapf(errs.Internal, err, "error.internal")
	}
	switch x := any(&out).(type) {
	case *Item:
		x.Code, x.Version, x.Status = code, v, row.Status
	case *Bundle:
		x.Code, x.Version, x.Status = code, v, row.Status
	}
	return out, nil
}

// published reads the published version of entry (kind, code); errs.NotFound if it has none.
func published[T content](ctx context.Context, g getter, kind Kind, code string) (T, error) {
	var zero T
	e, err := loadEntry(ctx, g, kind, code)
	if errs.Is(err, errs.NotFound) || err == nil && e.PublishedVersion == nil {
		return zero, notFound(kind)
	}
	if err != nil {
		return zero, err
	}
	return loadVersion[T](ctx, g, kind, code, *e.PublishedVersion)
}

// Item returns the published version of item code, to anyone. Returns errs.NotFound if the
// item does not exist or was never published.
func (s *Service) Item(ctx context.Context, code string) (Item, error) {
	return published[Item](ctx, s.db, KindItem, code)
}

// Bundle returns the published version of bundle code with the published versions of its items
// and their materials as one set, to anyone. Returns errs.NotFound if the bundle does not exist
// or was never published.
func (s *Service) Bundle(ctx context.Context, code string) (PublishedBundle, error) {
	return s.publishedBundle(ctx, s.db, code)
}

func (s *Service) publishedBundle(ctx context.Context, g getter, code string) (PublishedBundle, error) {
	b, err := published[Bundle](ctx, g, KindBundle, code)
	if err != nil {
		return PublishedBundle{}, err
	}
	pb := PublishedBundle{Bundle: b}
	for i, c := range b.Items {
		it, err := published[Item](ctx, g, KindItem, c)
		if errs.Is(err, errs.NotFound) {
			return PublishedBundle{}, &errs.Error{Kind: errs.Conflict, Field: "items." + itoa(i),
				Message: "catalog.error.bundle_item_unpublished", Args: []any{c}}
		}
		if err != nil {
			return PublishedBundle{}, err
		}
		pb.ItemVersions = append(pb.ItemVersions, it)
	}
	pb.Materials = mergeMaterials(pb.ItemVersions)
	return pb, nil
}

// ItemVersion returns version v of item code (the latest if v is 0), drafts included, to those
// who may see its versions (MaySeeVersions); to anyone else it is errs.NotFound.
func (s *Service) ItemVersion(ctx context.Context, p principal.Principal, code string, v int) (Item, error) {
	e, err := s.visibleEntry(ctx, s.db, p, KindItem, code)
	if err != nil {
		return Item{}, err
	}
	if v == 0 {
		v = e.LatestVersion
	}
	return loadVersion[Item](ctx, s.db, KindItem, code, v)
}

// BundleVersion returns version v of bundle code (the latest if v is 0), as ItemVersion does.
func (s *Service) BundleVersion(ctx context.Context, p principal.Principal, code string, v int) (Bundle, error) {
	e, err := s.visibleEntry(ctx, s.db, p, KindBundle, code)
	if err != nil {
		return Bundle{}, err
	}
	if v == 0 {
		v = e.LatestVersion
	}
	return loadVersion[Bundle](ctx, s.db, KindBundle, code, v)
}

// Versions returns every version of entry (kind, code), newest first, to those who may see them;
// to anyone else it is errs.NotFound.
func (s *Service) Versions(ctx context.Context, p principal.Principal, kind Kind, code string) ([]Revision, error) {
	if _, err := s.visibleEntry(ctx, s.db, p, kind, code); err != nil {
		return nil, err
	}
	var out []Revision
	err := s.db.Select(ctx, &out, `SELECT `+revisionColumns+` FROM catalog_versions v
		JOIN catalog_entries e ON e.kind = v.kind AND e.code = v.code
		WHERE v.kind = ? AND v.code = ? ORDER BY v.version DESC`, kind, code)
	return out, err
}

// Managed is an entry as its organisation manages it: its latest version and the version
// published (0 if none).
type Managed struct {
	Latest    Revision `json:"latest"`
	Published int      `json:"published_version"`
}

// Manage returns the entries of organisation orgCode (every organisation's when orgCode is ""),
// bundles first, each with its latest version, to those who may see their versions: officials of
// the organisation, or of the digital office (who alone may ask for all).
func (s *Service) Manage(ctx context.Context, p principal.Principal, orgCode string) ([]Managed, error) {
	if orgCode == "" && !MaySeeVersions(p, org.DigitalOffice) || orgCode != "" && !MaySeeVersions(p, orgCode) {
		return nil, errs.E(errs.Forbidden, "catalog.error.manage_forbidden")
	}
	q := `SELECT ` + revisionColumns + `, COALESCE(e.published_version, 0) AS published
		FROM catalog_entries e JOIN catalog_versions v ON v.kind = e.kind AND v.code = e.code AND v.version = e.latest_version`
	var args []any
	if orgCode != "" {
		q += ` WHERE e.org_code = ?`
		args = append(args, orgCode)
	}
	var rows []struct {
		Revision
		Published int `db:"published"`
	}
	if err := s.db.Select(ctx, &rows, q+` ORDER BY e.kind, v.name_hans, e.code`, args...); err != nil {
		return nil, err
	}
	out := make([]Managed, len(rows))
	for i, r := range rows {
		out[i] = Managed{Latest: r.Revision, Published: r.Published}
	}
	return out, nil
}

// Pending returns the versions waiting for the digital office's review, oldest first, to the
// digital office's officials.
func (s *Service) Pending(ctx context.Context, p principal.Principal) ([]Revision, error) {
	if !MaySeeVersions(p, org.DigitalOffice) {
		return nil, errs.E(errs.Forbidden, "catalog.error.review_forbidden")
	}
	var out []Revision
	err := s.db.Select(ctx, &out, `SELECT `+revisionColumns+` FROM catalog_versions v
		JOIN catalog_entries e ON e.kind = v.kind AND e.code = v.code
		WHERE v.status = 'submitted' ORDER BY v.submitted_at, v.kind, v.code`)
	return out, err
}

// BundleRef names a published bundle.
type BundleRef struct {
	Code     string `db:"code" json:"code"`
	NameHans string `db:"name_hans" json:"name_hans"`
	NameHant string `db:"name_hant" json:"name_hant"`
	NameEn   string `db:"name_en" json:"name_en"`
}

// Name returns the bundle's name in language tag lang.
func (b BundleRef) Name(lang string) string {
	return Text{Hans: b.NameHans, Hant: b.NameHant, En: b.NameEn}.In(lang)
}

// BundlesOf returns the published bundles that item code belongs to, to anyone.
func (s *Service) BundlesOf(ctx context.Context, code string) ([]BundleRef, error) {
	var out []BundleRef
	err := s.db.Select(ctx, &out, `SELECT p.code, p.name_hans, p.name_hant, p.name_en FROM catalog_bundle_items b
		JOIN catalog_published p ON p.kind = 'bundle' AND p.code = b.bundle_code
		WHERE b.item_code = ? ORDER BY p.name_hans, p.code`, code)
	return out, err
}

// PublishedAt returns when entry (kind, code)'s published version was published; errs.NotFound
// if it has none.
func (s *Service) PublishedAt(ctx context.Context, kind Kind, code string) (time.Time, error) {
	var t time.Time
	err := s.db.Get(ctx, &t, `SELECT published_at FROM catalog_published WHERE kind = ? AND code = ?`, kind, code)
	if errs.Is(err, errs.NotFound) {
		return t, notFound(kind)
	}
	return t, err
}

func itoa(i int) string { return strconv.Itoa(i) }

// PublishedOrgs returns the codes of the organisations that published entries name (implementing
// organisations, bundles' leads and their items' organisations), sorted, to anyone: the
// department filter of a search offers these.
func (s *Service) PublishedOrgs(ctx context.Context) ([]string, error) {
	var out []string
	err := s.db.Select(ctx, &out, `SELECT DISTINCT tag FROM catalog_tags WHERE tag LIKE 'org:%' ORDER BY tag`)
	for i, t := range out {
		out[i] = t[len("org:"):]
	}
	return out, err
}
