package catalog

import (
	"context"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/search"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// typeNames name the item types in the search index, so that 許可 finds the licensing items.
var typeNames = map[ItemType]string{
	AdministrativeLicensing: "行政许可 行政許可 administrative licensing", AdministrativeConfirmation: "行政确认 行政確認 administrative confirmation",
	AdministrativeBenefit: "行政给付 行政給付 administrative benefit", AdministrativeAdjudication: "行政裁决 行政裁決 administrative adjudication",
	AdministrativeReward: "行政奖励 行政獎勵 administrative reward", OtherAdministrativePower: "其他行政权力 其他行政權力 other administrative power",
	PublicService: "公共服务 公共服務 public service",
}

// listing is an entry's row of catalog_published.
type listing struct {
	Kind          Kind   `db:"kind"`
	Code          string `db:"code"`
	Version       int    `db:"version"`
	Org           string `db:"org_code"`
	RegionCode    string `db:"region_code"`
	NameHans      string `db:"name_hans"`
	NameHant      string `db:"name_hant"`
	NameEn        string `db:"name_en"`
	Type          string `db:"item_type"`
	ServiceObject string `db:"service_object"`
	PromisedDays  int    `db:"promised_days"`
	Visits        int    `db:"visits"`
	OnlineDepth   int    `db:"online_depth"`
	FeeFen        int64  `db:"fee_fen"`
	ItemCount     int    `db:"item_count"`
}

// refreshPublished brings what the public finds of entry (kind, code) in step with its
// published version: the listing, its filter tags and its search document; for an item, also
// those of the published bundles it belongs to. A bundle whose items are not all published
// cannot be (errs.Conflict).
func (s *Service) refreshPublished(ctx context.Context, tx *store.Tx, kind Kind, code string) error {
	if kind == KindBundle {
		return s.refreshBundle(ctx, tx, code)
	}
	it, err := published[Item](ctx, tx, KindItem, code)
	if err != nil {
		return err
	}
	return s.refreshItem(ctx, tx, it, false)
}

// refreshItem is refreshPublished for it, the published version of its item; fresh says the
// item was never published before, so that it has no tags yet and no bundle holds it.
func (s *Service) refreshItem(ctx context.Context, tx *store.Tx, it Item, fresh bool) error {
	l, tags := itemListing(it)
	if err := putListing(ctx, tx, l, tags, fresh); err != nil {
		return err
	}
	doc, err := s.itemDoc(ctx, it)
	if err != nil {
		return err
	}
	if err := s.index.PutTx(ctx, tx, doc); err != nil {
		return err
	}
	if fresh {
		return nil
	}
	var bundles []string
	if err := tx.Select(ctx, &bundles, `SELECT bundle_code FROM catalog_bundle_items WHERE item_code = ? ORDER BY bundle_code`, it.Code); err != nil {
		return err
	}
	for _, b := range bundles {
		if err := s.refreshBundle(ctx, tx, b); err != nil {
			return err
		}
	}
	return nil
}

// itemListing is the listing and the filter tags of it, the published version of its item.
func itemListing(it Item) (listing, []string) {
	l := listing{Kind: KindItem, Code: it.Code, Version: it.Version, Org: it.Org, RegionCode: it.RegionCode, NameHans: it.NameHans,
		NameHant: it.NameHant, NameEn: it.NameEn, Type: string(it.Type), ServiceObject: it.ServiceObject,
		PromisedDays: it.PromisedDays, Visits: it.Visits, OnlineDepth: it.OnlineDepth, FeeFen: it.FeeFen(), ItemCount: 1}
	return l, tagsOf([]string{it.Org}, []string{it.RegionCode}, it.ServiceObject, it.LifeEvents, it.Stages)
}

// itemDoc is the search document of it: its names and keywords above its type, conditions,
// materials and organisation.
func (s *Service) itemDoc(ctx context.Context, it Item) (search.Doc, error) {
	on, err := s.orgNames(ctx, it.Org)
	if err != nil {
		return search.Doc{}, err
	}
	doc := search.Doc{Kind: docItem, ID: it.Code,
		Title: append([]string{it.NameHans, it.NameHant, it.NameEn}, it.Keywords...),
		Body:  append([]string{typeNames[it.Type], it.Conditions.Hans, it.Conditions.Hant, it.Conditions.En}, on...)}
	for _, m := range it.Materials {
		doc.Body = append(doc.Body, m.NameHans, m.NameHant, m.NameEn)
	}
	return doc, nil
}

// insertListings writes the listings and tags of entries published for the first time, a few
// statements for all of them.
func insertListings(ctx context.Context, tx *store.Tx, ls []listing, tags [][]string) error {
	var values, tagValues []string
	var args, tagArgs []any
	for i, l := range ls {
		values = append(values, "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
		args = append(args, l.Kind, l.Code, l.Version, l.Org, l.RegionCode, l.NameHans, l.NameHant, l.NameEn, l.Type, l.ServiceObject,
			l.PromisedDays, l.Visits, l.OnlineDepth, l.FeeFen, l.ItemCount, tx.Now)
		seen := map[string]bool{}
		for _, t := range tags[i] {
			if !seen[t] {
				seen[t] = true
				tagValues = append(tagValues, "(?, ?, ?)")
				tagArgs = append(tagArgs, l.Kind, l.Code, t)
			}
		}
	}
	if len(values) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `INSERT INTO catalog_published (kind, code, version, org_code, region_code, name_hans, name_hant,
		name_en, item_type, service_object, promised_days, visits, online_depth, fee_fen, item_count, published_at) VALUES `+
		strings.Join(values, ", "), args...); err != nil {
		return err
	}
	if len(tagValues) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO catalog_tags (kind, code, tag) VALUES `+strings.Join(tagValues, ", "), tagArgs...)
	return err
}

func (s *Service) refreshBundle(ctx context.Context, tx *store.Tx, code string) error {
	pb, err := s.publishedBundle(ctx, tx, code)
	if err != nil {
		return err
	}
	orgs := pb.Orgs()
	// A bundle serves where its lead organisation does: a city's bundle may include provincial
	// items (the tax start-up package), and is still the city's.
	lead, err := s.org(ctx, pb.Org)
	if err != nil {
		return err
	}
	regions := []string{lead.RegionCode}
	l := listing{Kind: KindBundle, Code: code, Version: pb.Version, Org: pb.Org, RegionCode: lead.RegionCode, NameHans: pb.NameHans,
		NameHant: pb.NameHant, NameEn: pb.NameEn, Type: "", ServiceObject: pb.ServiceObject, PromisedDays: pb.PromisedDays(),
		Visits: pb.Visits(), OnlineDepth: pb.OnlineDepth(), FeeFen: pb.FeeFen(), ItemCount: len(pb.ItemVersions)}
	if err := putListing(ctx, tx, l, tagsOf(orgs, regions, pb.ServiceObject, pb.LifeEvents, pb.Stages), false); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM catalog_bundle_items WHERE bundle_code = ?`, code); err != nil {
		return err
	}
	for i, c := range pb.Items {
		if _, err := tx.Exec(ctx, `INSERT INTO catalog_bundle_items (bundle_code, item_code, position) VALUES (?, ?, ?)`, code, c, i); err != nil {
			return err
		}
	}
	doc := search.Doc{Kind: docBundle, ID: code,
		Title: append([]string{pb.NameHans, pb.NameHant, pb.NameEn, pb.ResultLicence.Hans, pb.ResultLicence.Hant, pb.ResultLicence.En}, pb.Keywords...),
		Body:  []string{pb.Guide.Hans, pb.Guide.Hant, pb.Guide.En}}
	for _, it := range pb.ItemVersions {
		doc.Body = append(doc.Body, it.NameHans, it.NameHant, it.NameEn)
	}
	for _, m := range pb.Materials {
		doc.Body = append(doc.Body, m.NameHans, m.NameHant, m.NameEn)
	}
	for _, o := range orgs {
		on, err := s.orgNames(ctx, o)
		if err != nil {
			return err
		}
		doc.Body = append(doc.Body, on...)
	}
	return s.index.PutTx(ctx, tx, doc)
}

// tagsOf lists the filter tags of a published entry.
func tagsOf(orgs, regions []string, object string, events, stages []string) []string {
	var tags []string
	for _, o := range orgs {
		tags = append(tags, "org:"+o)
	}
	for _, r := range regions {
		// The region itself, and each region it lies in (for searches of a city or the province).
		tags = append(tags, "region:"+r)
		if city := r[:4] + "00"; city != r {
			tags = append(tags, "in:"+city)
		}
		if province := r[:2] + "0000"; province != r {
			tags = append(tags, "in:"+province)
		}
	}
	switch object {
	case ObjectPerson, ObjectEnterprise:
		tags = append(tags, "object:"+object)
	case ObjectBoth:
		tags = append(tags, "object:"+ObjectPerson, "object:"+ObjectEnterprise)
	}
	for _, e := range events {
		tags = append(tags, "life:"+e)
	}
	for _, st := range stages {
		tags = append(tags, "stage:"+st)
	}
	return tags
}

// putListing writes an entry's listing and replaces its tags (fresh: it has none yet).
func putListing(ctx context.Context, tx *store.Tx, l listing, tags []string, fresh bool) error {
	if !fresh {
		if _, err := tx.Exec(ctx, `DELETE FROM catalog_tags WHERE kind = ? AND code = ?`, l.Kind, l.Code); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO catalog_published (kind, code, version, org_code, region_code, name_hans, name_hant,
		name_en, item_type, service_object, promised_days, visits, online_depth, fee_fen, item_count, published_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (kind, code) DO UPDATE SET version = excluded.version, org_code = excluded.org_code,
		region_code = excluded.region_code, name_hans = excluded.name_hans, name_hant = excluded.name_hant,
		name_en = excluded.name_en, item_type = excluded.item_type, service_object = excluded.service_object,
		promised_days = excluded.promised_days, visits = excluded.visits, online_depth = excluded.online_depth,
		fee_fen = excluded.fee_fen, item_count = excluded.item_count,
		published_at = CASE WHEN catalog_published.version = excluded.version THEN catalog_published.published_at ELSE excluded.published_at END`,
		l.Kind, l.Code, l.Version, l.Org, l.RegionCode, l.NameHans, l.NameHant, l.NameEn, l.Type, l.ServiceObject,
		l.PromisedDays, l.Visits, l.OnlineDepth, l.FeeFen, l.ItemCount, tx.Now); err != nil {
		return err
	}
	seen := map[string]bool{}
	var values []string
	var args []any
	for _, t := range tags {
		if !seen[t] {
			seen[t] = true
			values = append(values, "(?, ?, ?)")
			args = append(args, l.Kind, l.Code, t)
		}
	}
	if len(values) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO catalog_tags (kind, code, tag) VALUES `+strings.Join(values, ", "), args...)
	return err
}

// orgNames returns an organisation's names in the three languages, for the search index.
func (s *Service) orgNames(ctx context.Context, code string) ([]string, error) {
	o, err := s.org(ctx, code)
	if errs.Is(err, errs.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return []string{o.NameHans, o.NameHant, o.NameEn}, nil
}

// Reindex rebuilds what the public finds of every published entry — listings, tags, search
// documents — as after a change of the search dictionary. Only the system may.
func (s *Service) Reindex(ctx context.Context, p principal.Principal) (n int, err error) {
	defer errs.Wrap(&err, "catalog.Reindex")
	if p.Kind != principal.System {
		return 0, errs.E(errs.Forbidden, "catalog.error.decide_forbidden")
	}
	var rows []struct {
		Kind Kind   `db:"kind"`
		Code string `db:"code"`
	}
	if err := s.db.Select(ctx, &rows, `SELECT kind, code FROM catalog_entries WHERE published_version IS NOT NULL
		ORDER BY kind DESC, code`); err != nil {
		return 0, err
	}
	for _, r := range rows {
		if err := s.db.Transact(ctx, func(tx *store.Tx) error { return s.refreshPublished(ctx, tx, r.Kind, r.Code) }); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
