package catalog

import "encoding/json"

// Bundle is one version of a one-thing bundle (一件事): one guide, one form and one set of
// materials for several items, usually of several organisations, that together settle one
// matter of a person's or an enterprise's life.
type Bundle struct {
	// Code is the bundle's stable code: 3–36 capital letters, digits and hyphens.
	Code    string `json:"code"`
	Version int    `json:"version"`
	Status  Status `json:"status"`

	// Org leads the bundle: its administrators maintain it.
	Org      string   `json:"org"`
	NameHans string   `json:"name_hans"`
	NameHant string   `json:"name_hant,omitempty"`
	NameEn   string   `json:"name_en,omitempty"`
	Keywords []string `json:"keywords,omitempty"`
	// Guide is the bundle's own notice: what it settles and how.
	Guide         Text     `json:"guide"`
	ServiceObject string   `json:"service_object"`
	LifeEvents    []string `json:"life_events,omitempty"`
	Stages        []string `json:"stages,omitempty"`
	// Items are the implementation codes of the items the bundle fans out to, in the order
	// the guide lists them.
	Items []string `json:"items"`
	// ResultLicence names the one comprehensive licence a "one industry, one licence" bundle
	// ends in (行业综合许可证); empty for other bundles.
	ResultLicence Text `json:"result_licence,omitzero"`
	// FormSchema holds the bundle's own fields, if any, beyond its items' forms (which are
	// merged with it into the one form).
	FormSchema json.RawMessage `json:"form_schema,omitempty"`
}

// Name returns the bundle's name in language tag lang.
func (b Bundle) Name(lang string) string {
	return Text{Hans: b.NameHans, Hant: b.NameHant, En: b.NameEn}.In(lang)
}

// BundleMaterial is a material of a bundle's one set: asked for once, for the items that need it.
type BundleMaterial struct {
	Material
	// ForItems are the codes of the bundle's items that need the material.
	ForItems []string `json:"for_items"`
}

// PublishedBundle is a published bundle with the published versions of its items and their
// materials as one set.
type PublishedBundle struct {
	Bundle
	ItemVersions []Item           `json:"item_versions"`
	Materials    []BundleMaterial `json:"materials"`
}

// Orgs returns the organisations a bundle involves: its lead and its items' organisations,
// each once, lead first.
func (pb PublishedBundle) Orgs() []string {
	out := []string{pb.Org}
	for _, it := range pb.ItemVersions {
		if !contains(out, it.Org) {
			out = append(out, it.Org)
		}
	}
	return out
}

// PromisedDays is the longest promised time limit of the bundle's items: they run in parallel.
func (pb PublishedBundle) PromisedDays() int {
	n := 0
	for _, it := range pb.ItemVersions {
		n = max(n, it.PromisedDays)
	}
	return n
}

// Visits is the most visits any of the bundle's items needs: one window serves them all.
func (pb PublishedBundle) Visits() int {
	n := 0
	for _, it := range pb.ItemVersions {
		n = max(n, it.Visits)
	}
	return n
}

// OnlineDepth is the lowest online depth of the bundle's items.
func (pb PublishedBundle) OnlineDepth() int {
	n := DepthFull
	for _, it := range pb.ItemVersions {
		n = min(n, it.OnlineDepth)
	}
	return n
}

// FeeFen is the sum of the bundle's items' fees in fen.
func (pb PublishedBundle) FeeFen() int64 {
	var sum int64
	for _, it := range pb.ItemVersions {
		sum += it.FeeFen()
	}
	return sum
}

// mergeMaterials makes one set of the items' materials: a material of the same code is asked
// for once, required if any item requires it, from the handiest source any item names (a
// licence the platform fetches, then shared data, then an upload — the document serves every
// item alike), in the formats every item accepts (the first item's if they share none) and no
// larger than the smallest limit.
func mergeMaterials(items []Item) []BundleMaterial {
	var out []BundleMaterial
	index := map[string]int{}
	for _, it := range items {
		for _, m := range it.Materials {
			i, ok := index[m.Code]
			if !ok {
				index[m.Code] = len(out)
				bm := BundleMaterial{Material: m, ForItems: []string{it.Code}}
				bm.Formats = append([]string(nil), m.Formats...)
				out = append(out, bm)
				continue
			}
			bm := &out[i]
			if !contains(bm.ForItems, it.Code) {
				bm.ForItems = append(bm.ForItems, it.Code)
			}
			bm.Required = bm.Required || m.Required
			if sourceRank(m.Source) < sourceRank(bm.Source) {
				bm.Source, bm.LicenceType = m.Source, m.LicenceType
			}
			var common []string
			for _, f := range bm.Formats {
				if contains(m.Formats, f) {
					common = append(common, f)
				}
			}
			if len(common) > 0 {
				bm.Formats = common
			}
			if m.MaxBytes > 0 && (bm.MaxBytes == 0 || m.MaxBytes < bm.MaxBytes) {
				bm.MaxBytes = m.MaxBytes
			}
		}
	}
	return out
}

// sourceRank orders sources by how little they ask of the applicant.
func sourceRank(source string) int {
	switch source {
	case SourceLicence:
		return 0
	case SourceSharedData:
		return 1
	}
	return 2
}

func contains[T comparable](s []T, v T) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
