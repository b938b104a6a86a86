package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/catalog"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

func init() {
	text := func(desc string) map[string]any {
		return obj(map[string]any{"zh-Hans": str(desc + ", simplified Chinese"), "zh-Hant": str("traditional Chinese; falls back to zh-Hans"),
			"en": str("English; falls back to zh-Hans")}, "zh-Hans")
	}
	strEnum := func(desc string, values []string) map[string]any {
		return map[string]any{"type": "string", "enum": values, "description": desc}
	}
	strs := func(desc string, values []string) map[string]any {
		return map[string]any{"type": "array", "items": map[string]any{"type": "string", "enum": values}, "description": desc}
	}
	var types []string
	for _, t := range catalog.ItemTypes {
		types = append(types, string(t))
	}
	statuses := []string{string(catalog.Draft), string(catalog.Submitted), string(catalog.Returned), string(catalog.Published), string(catalog.Superseded)}
	material := obj(map[string]any{
		"code":      str("names the material in the item; the same document has the same code in every item, so that a bundle asks once"),
		"name_hans": str(""), "name_hant": str(""), "name_en": str(""),
		"source":       strEnum("applicant uploads it, an electronic licence satisfies it, or shared data", catalog.Sources),
		"licence_type": str("for source licence: the licence type's code"), "required": boolean(""),
		"formats": strs("upload formats", catalog.Formats), "max_bytes": integer("largest upload; 10 MB when omitted"),
		"note": text("a note"),
	}, "code", "name_hans", "source")
	schemas["CatalogItem"] = obj(map[string]any{
		"code":    str("implementation code (实施编码): 19–36 capital letters and digits, starting with the organisation's credit code; stable across versions"),
		"version": integer("set by the catalogue"), "status": strEnum("set by the catalogue", statuses),
		"basic_code": str("basic code (基本编码)"), "handling_code": str("handling-item code: the implementation code and a suffix"),
		"type": strEnum("item type", types), "org": str("implementing organisation; the caller's own when omitted"),
		"level":       strEnum("exercise level; follows from region_code", catalog.Levels),
		"region_code": str("GB/T 2260 code in Fujian; the organisation's own when omitted"),
		"name_hans":   str(""), "name_hant": str(""), "name_en": str(""),
		"keywords":       map[string]any{"type": "array", "items": str("another word people search by")},
		"service_object": strEnum("", catalog.Objects), "legal_days": integer("legal time limit, working days"),
		"promised_days": integer("promised time limit, working days; not longer than the legal one"),
		"conditions":    text("acceptance conditions"), "materials": arr(material),
		"fees": arr(obj(map[string]any{"name_hans": str(""), "name_hant": str(""), "name_en": str(""),
			"amount_fen": integer("in fen"), "legal_basis": str("")}, "name_hans", "amount_fen", "legal_basis")),
		"legal_basis": text("legal basis"), "handling_forms": strs("", catalog.HandlingForms),
		"visits": integer("on-site visits, 0–5"), "online_depth": integer("1–4; 4 is fully online with no visit"),
		"joint_bodies":      map[string]any{"type": "array", "items": str("organisation code")},
		"complaint_channel": text("questions and complaints"), "place": text("where and when the window opens"),
		"cross_region": strEnum("", catalog.CrossRegions), "life_events": strs("for persons", catalog.LifeEvents),
		"stages":      strs("for enterprises", catalog.Stages),
		"agent_scope": strEnum("the service scope an enterprise's agent must be authorised for to act on it (empty: persons only, or owners and agents authorised for all)", catalog.AgentScopes),
		"form_schema": map[string]any{"type": "object", "description": "the application form, JSON Schema (formschema subset)"},
	}, "code", "basic_code", "type", "name_hans", "service_object", "conditions", "legal_basis", "handling_forms", "online_depth")
	schemas["CatalogBundle"] = obj(map[string]any{
		"code":    str("3–36 capital letters, digits and hyphens"),
		"version": integer("set by the catalogue"), "status": strEnum("set by the catalogue", statuses),
		"org":       str("lead organisation; the caller's own when omitted"),
		"name_hans": str(""), "name_hant": str(""), "name_en": str(""),
		"keywords": map[string]any{"type": "array", "items": str("")}, "guide": text("the bundle's guide"),
		"service_object": strEnum("", catalog.Objects), "life_events": strs("", catalog.LifeEvents), "stages": strs("", catalog.Stages),
		"items":          map[string]any{"type": "array", "items": str("implementation code"), "description": "2–30 items"},
		"result_licence": text("the comprehensive licence a one-industry-one-licence bundle ends in"),
		"form_schema":    map[string]any{"type": "object", "description": "the bundle's own form fields beyond its items'"},
	}, "code", "name_hans", "guide", "service_object", "items")
	schemas["CatalogPublishedBundle"] = map[string]any{"allOf": []any{ref("CatalogBundle"), obj(map[string]any{
		"item_versions": arr(ref("CatalogItem")),
		"materials": arr(map[string]any{"allOf": []any{material, obj(map[string]any{
			"for_items": map[string]any{"type": "array", "items": str("implementation code")}})}}),
	})}}
	schemas["CatalogEntry"] = obj(map[string]any{
		"kind": strEnum("", []string{string(catalog.KindItem), string(catalog.KindBundle)}), "code": str(""), "version": integer(""),
		"org": str(""), "region_code": str(""), "name_hans": str(""), "name_hant": str(""), "name_en": str(""),
		"type": str("item type; absent for a bundle"), "service_object": str(""), "promised_days": integer(""),
		"visits": integer(""), "online_depth": integer(""), "fee_fen": integer("0: free"), "item_count": integer(""),
	})
	schemas["CatalogRevision"] = obj(map[string]any{
		"kind": str(""), "code": str(""), "version": integer(""), "status": strEnum("", statuses), "org": str(""),
		"name_hans": str(""), "name_hant": str(""), "name_en": str(""), "created_by": str(""), "created_at": str("RFC 3339"),
		"updated_by": str(""), "updated_at": str("RFC 3339"), "submitted_by": str(""), "submitted_at": str("RFC 3339"),
		"decided_by": str(""), "decided_at": str("RFC 3339"), "return_reason": str(""),
	})
}

// catalogAPI serves the catalogue: searching and reading what is published to anyone, and its
// upkeep to officials — the catalogue decides who may do what.
type catalogAPI struct {
	cat *catalog.Service
}

// maxCatalogBody bounds a draft: a form schema of 64 KB, fifty materials, texts.
const maxCatalogBody = 512 << 10

func (a *API) installCatalog(srv *httpserver.Server) {
	if a.cfg.Catalog == nil {
		return
	}
	h := catalogAPI{cat: a.cfg.Catalog}
	const tag = "catalog"
	code := param{Name: "code", In: "path", Required: true, Description: "the item's implementation code or the bundle's code",
		Schema: map[string]any{"type": "string"}}
	q := func(name, desc string) param {
		return param{Name: name, In: "query", Description: desc, Schema: map[string]any{"type": "string"}}
	}
	a.route(srv, operation{Method: "GET", Path: "/api/v1/services", ID: "searchServices", Tag: tag,
		Summary: "Search the published service items and bundles (public). Every word of q must match, in simplified or traditional " +
			"Chinese or English; best match first, or by name without q",
		Params: []param{q("q", "what to look for, at most 100 characters"), q("org", "organisation code"),
			q("region", "GB/T 2260 code: entries there, above it or below it"), q("life_event", strings.Join(catalog.LifeEvents, ", ")),
			q("stage", strings.Join(catalog.Stages, ", ")), q("depth", "at least this online depth, 1–4"), q("object", "person or enterprise"),
			q("kind", "item or bundle"), q("page", "from 1"), q("per_page", "1–100, 20 when omitted")},
		Response: obj(map[string]any{"entries": arr(ref("CatalogEntry")), "total": integer("matches on every page"),
			"page": integer(""), "per_page": integer("")})}, h.search)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/services/{code}", ID: "getService", Tag: tag,
		Summary: "A service item's published version (public)", Params: []param{code}, Response: ref("CatalogItem")}, h.item)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/bundles/{code}", ID: "getBundle", Tag: tag,
		Summary:  "A bundle's published version with its items' published versions and their materials as one set (public)",
		Params:   []param{code},
		Response: ref("CatalogPublishedBundle")}, h.bundle)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/catalog/entries", ID: "listCatalogEntries", Tag: tag, Auth: true,
		Summary: "An organisation's items and bundles with their latest versions (its officials; the digital office's for any or, " +
			"without org, all)", Params: []param{q("org", "organisation code; the caller's own when omitted")},
		Response: arr(obj(map[string]any{"latest": ref("CatalogRevision"), "published_version": integer("0: never published")}))}, h.entries)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/catalog/pending", ID: "listCatalogPending", Tag: tag, Auth: true,
		Summary: "Versions waiting for review, oldest first (the digital office's officials)", Response: arr(ref("CatalogRevision"))}, h.pending)
	for _, k := range []struct {
		kind           catalog.Kind
		path, name     string
		schema, create string
	}{
		{catalog.KindItem, "items", "Item", "CatalogItem", "a service item"},
		{catalog.KindBundle, "bundles", "Bundle", "CatalogBundle", "a bundle"},
	} {
		base := "/api/v1/catalog/" + k.path
		a.route(srv, operation{Method: "POST", Path: base, ID: "saveCatalog" + k.name, Tag: tag, Auth: true,
			Summary: "Save " + k.create + " as a draft: the first version, the open draft, or a new version after a published or " +
				"returned one (the organisation's administrators). A submitted version cannot change",
			Body: ref(k.schema), Response: ref(k.schema)}, h.save(k.kind), httpserver.MaxBody(maxCatalogBody))
		a.route(srv, operation{Method: "GET", Path: base + "/{code}", ID: "getCatalog" + k.name + "Version", Tag: tag, Auth: true,
			Summary:  "A version of " + k.create + ", drafts included (its organisation's officials and the digital office's)",
			Params:   []param{code, {Name: "version", In: "query", Description: "the latest when omitted", Schema: map[string]any{"type": "integer", "minimum": 1}}},
			Response: ref(k.schema)}, h.version(k.kind))
		a.route(srv, operation{Method: "GET", Path: base + "/{code}/versions", ID: "listCatalog" + k.name + "Versions", Tag: tag, Auth: true,
			Summary: "Every version, newest first (the organisation's officials and the digital office's)", Params: []param{code},
			Response: arr(ref("CatalogRevision"))}, h.versions(k.kind))
		a.route(srv, operation{Method: "POST", Path: base + "/{code}/submit", ID: "submitCatalog" + k.name, Tag: tag, Auth: true,
			Summary: "Submit the draft for review (the organisation's administrators). No body, or {}", Params: []param{code},
			Response: ref("CatalogRevision")}, h.step(k.kind, h.cat.Submit))
		a.route(srv, operation{Method: "POST", Path: base + "/{code}/publish", ID: "publishCatalog" + k.name, Tag: tag, Auth: true,
			Summary: "Publish the submitted version; the one published before is kept, superseded (the digital office's " +
				"administrators). A bundle is published once all its items are. No body, or {}", Params: []param{code},
			Response: ref("CatalogRevision")}, h.step(k.kind, h.cat.Publish))
		a.route(srv, operation{Method: "POST", Path: base + "/{code}/return", ID: "returnCatalog" + k.name, Tag: tag, Auth: true,
			Summary: "Return the submitted version to its organisation with a reason (the digital office's administrators)",
			Params:  []param{code}, Body: obj(map[string]any{"reason": str("at most 500 characters")}, "reason"),
			Response: ref("CatalogRevision")}, h.returnVersion(k.kind))
	}
}

// queryNumber reads a whole-number query parameter (0 when absent); anything else is invalid.
func queryNumber(r *http.Request, name string) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, errs.Field(name, "catalog.error.filter")
	}
	return n, nil
}

func (h catalogAPI) search(w http.ResponseWriter, r *http.Request) error {
	v := r.URL.Query()
	q := catalog.Query{Text: v.Get("q"), Org: v.Get("org"), Region: v.Get("region"), LifeEvent: v.Get("life_event"),
		Stage: v.Get("stage"), Object: v.Get("object"), Kind: catalog.Kind(v.Get("kind"))}
	var err error
	for _, n := range []struct {
		name string
		to   *int
	}{{"depth", &q.MinDepth}, {"page", &q.Page}, {"per_page", &q.PerPage}} {
		if *n.to, err = queryNumber(r, n.name); err != nil {
			return err
		}
	}
	res, err := h.cat.Search(r.Context(), q)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, res)
}

func (h catalogAPI) item(w http.ResponseWriter, r *http.Request) error {
	it, err := h.cat.Item(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, it)
}

func (h catalogAPI) bundle(w http.ResponseWriter, r *http.Request) error {
	b, err := h.cat.Bundle(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, b)
}

func (h catalogAPI) entries(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	orgCode := r.URL.Query().Get("org")
	if orgCode == "" && p.OrgCode != org.DigitalOffice {
		orgCode = p.OrgCode // "" for residents and the public: the catalogue refuses them
	}
	list, err := h.cat.Manage(r.Context(), p, orgCode)
	if err != nil {
		return err
	}
	if list == nil {
		list = []catalog.Managed{}
	}
	return writeJSON(w, http.StatusOK, list)
}

func (h catalogAPI) pending(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	list, err := h.cat.Pending(r.Context(), p)
	if err != nil {
		return err
	}
	if list == nil {
		list = []catalog.Revision{}
	}
	return writeJSON(w, http.StatusOK, list)
}

func (h catalogAPI) save(kind catalog.Kind) httpserver.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := authenticated(r)
		if err != nil {
			return err
		}
		if kind == catalog.KindBundle {
			var b catalog.Bundle
			if err := decode(r, &b); err != nil {
				return err
			}
			if b.Org == "" {
				b.Org = p.OrgCode
			}
			saved, err := h.cat.SaveBundle(r.Context(), p, b)
			if err != nil {
				return err
			}
			return writeJSON(w, http.StatusOK, saved)
		}
		var it catalog.Item
		if err := decode(r, &it); err != nil {
			return err
		}
		if it.Org == "" {
			it.Org = p.OrgCode
		}
		saved, err := h.cat.SaveItem(r.Context(), p, it)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, saved)
	}
}

func (h catalogAPI) version(kind catalog.Kind) httpserver.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := authenticated(r)
		if err != nil {
			return err
		}
		v, err := queryNumber(r, "version")
		if err != nil || v < 0 {
			return errs.Field("version", "catalog.error.filter")
		}
		if kind == catalog.KindBundle {
			b, err := h.cat.BundleVersion(r.Context(), p, r.PathValue("code"), v)
			if err != nil {
				return err
			}
			return writeJSON(w, http.StatusOK, b)
		}
		it, err := h.cat.ItemVersion(r.Context(), p, r.PathValue("code"), v)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, it)
	}
}

func (h catalogAPI) versions(kind catalog.Kind) httpserver.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := authenticated(r)
		if err != nil {
			return err
		}
		list, err := h.cat.Versions(r.Context(), p, kind, r.PathValue("code"))
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, list)
	}
}

// emptyBody accepts no body or an empty JSON object.
func emptyBody(r *http.Request) error {
	if r.ContentLength == 0 {
		return nil
	}
	var body struct{}
	return decode(r, &body)
}

// step serves a step of the review workflow that takes no body (or {}): submitting a draft, or
// publishing the submitted version.
func (h catalogAPI) step(kind catalog.Kind,
	do func(context.Context, principal.Principal, catalog.Kind, string) (catalog.Revision, error)) httpserver.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := authenticated(r)
		if err != nil {
			return err
		}
		if err := emptyBody(r); err != nil {
			return err
		}
		rev, err := do(r.Context(), p, kind, r.PathValue("code"))
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, rev)
	}
}

func (h catalogAPI) returnVersion(kind catalog.Kind) httpserver.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := authenticated(r)
		if err != nil {
			return err
		}
		var body struct {
			Reason string `json:"reason"`
		}
		if err := decode(r, &body); err != nil {
			return err
		}
		rev, err := h.cat.Return(r.Context(), p, kind, r.PathValue("code"), body.Reason)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, rev)
	}
}
