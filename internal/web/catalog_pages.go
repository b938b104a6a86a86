package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/catalog"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// The service hall's front (/services): searching the catalogue of service items and bundles,
// and their guides; and, for officials, keeping the catalogue (catalog_manage.go). The catalogue
// decides who may do what; these pages offer each person what they may do.

// catalogPageNames lists this module's page templates.
var catalogPageNames = []string{"catalog/search", "catalog/item", "catalog/bundle", "catalog/manage", "catalog/item_form",
	"catalog/bundle_form", "catalog/review"}

func (s *Site) installCatalog(srv *httpserver.Server) {
	if s.cfg.Catalog == nil {
		return
	}
	srv.Handle("GET /services", s.services)
	srv.Handle("GET /services/bundles/{code}", s.serviceBundle)
	srv.Handle("GET /services/{code}", s.serviceItem)
	s.installCatalogManage(srv)
}

// hallNav is what the navigation offers of the service hall: its front to everyone, the
// catalogue's upkeep to administrators and its review to the digital office's.
func (s *Site) hallNav(p principal.Principal) []struct{ href, key string } {
	var nav []struct{ href, key string }
	if s.cfg.Catalog != nil {
		nav = append(nav, struct{ href, key string }{"/services", "nav.services"})
		if p.Kind == principal.Official && p.HasRole(principal.RoleAdministrator) {
			nav = append(nav, struct{ href, key string }{"/catalog/manage", "nav.catalog_manage"})
		}
		if p.Kind == principal.Official && catalog.MayDecide(p) {
			nav = append(nav, struct{ href, key string }{"/catalog/review", "nav.catalog_review"})
		}
	}
	// Cases: applicants follow theirs, officials work on their organisation's, window officers
	// apply for people; anyone may look a case up.
	switch {
	case s.cfg.Cases == nil:
	case p.Kind == principal.Resident || p.Kind == principal.Agent:
		nav = append(nav, struct{ href, key string }{"/my/cases", "nav.my_cases"})
	case p.Kind == principal.Official && (p.HasRole(principal.RoleWindowOfficer) || p.HasRole(principal.RoleReviewer) || p.HasRole(principal.RoleApprover)):
		nav = append(nav, struct{ href, key string }{"/work/cases", "nav.work_cases"})
		if p.HasRole(principal.RoleWindowOfficer) {
			nav = append(nav, struct{ href, key string }{"/window/apply", "nav.window_apply"})
		}
	}
	nav = append(nav, s.licenseNav(p)...)
	if s.cfg.Cases != nil {
		nav = append(nav, struct{ href, key string }{"/lookup", "nav.lookup"})
	}
	nav = append(nav, s.paymentsNav(p)...)
	nav = append(nav, s.ratingsNav(p)...)
	if s.cfg.Inbox != nil && p.Kind != principal.Anonymous && p.AccountID != 0 {
		nav = append(nav, struct{ href, key string }{"/inbox", "nav.inbox"})
	}
	return nav
}

// ---- labels --------------------------------------------------------------------------------

// The prefixes of the catalogue's value labels, completed with the value (every value has its key;
// catalog_pages_test.go checks).
const (
	labelType   = "catalog.type."
	labelLevel  = "catalog.level."
	labelObject = "catalog.object."
	labelForm   = "catalog.handling."
	labelCross  = "catalog.cross."
	labelSource = "catalog.source."
	labelLife   = "catalog.life."
	labelStage  = "catalog.stage."
	labelStatus = "catalog.status."
	labelDepth  = "catalog.depth."
	labelKind   = "catalog.kind."
)

func label(b basePage, prefix, value string) string { return b.T(msgKey(prefix, value)) }

func labels(b basePage, prefix string, values []string) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = label(b, prefix, v)
	}
	return out
}

func choices(b basePage, prefix string, values []string) []choice {
	out := make([]choice, len(values))
	for i, v := range values {
		out[i] = choice{Value: v, Label: label(b, prefix, v)}
	}
	return out
}

func depthLabel(b basePage, depth int) string { return label(b, labelDepth, strconv.Itoa(depth)) }

// money writes an amount in fen as yuan.
func money(b basePage, fen int64) string {
	return b.T("catalog.page.yuan", fmt.Sprintf("%d.%02d", fen/100, fen%100))
}

// feeLabel says what an entry costs: free, or the sum of its fees.
func feeLabel(b basePage, fen int64) string {
	if fen == 0 {
		return b.T("catalog.page.free")
	}
	return money(b, fen)
}

func regionName(lang i18n.Lang, code string) string {
	if n, ok := idcode.RegionName(code, string(lang)); ok {
		return n
	}
	return code
}

func servicePath(code string) string { return "/services/" + url.PathEscape(code) }

func bundlePath(code string) string { return "/services/bundles/" + url.PathEscape(code) }

// ---- the search ------------------------------------------------------------------------------

// resultView is a search result as the list shows it.
type resultView struct {
	Kind, Code, Href, Name, OrgName, TypeLabel, ObjectLabel string
	Bundle                                                  bool
	PromisedDays, Visits, ItemCount, Depth                  int
	DepthLabel, Fee                                         string
	Free                                                    bool
}

type servicesPage struct {
	basePage
	// The search as asked (the form's values).
	Q, Org, Region, LifeEvent, Stage, Depth, Object, Kind string
	Orgs, Regions, LifeEvents, Stages, Depths, Objects    []choice
	Kinds                                                 []choice
	// Filtered: some filter is set (the form shows them open).
	Filtered bool
	Results  []resultView
	Total    int
	Page     int
	Pages    int
	PrevHref string
	NextHref string
	// Browse: the life events and stages as links, for a first visit.
	BrowseLife, BrowseStage []choice
	// Error is a filter or query that cannot be, on Field.
	Error, Field string
}

// queryOf reads a search from the URL; a number that is not one is errs.Invalid on its field.
func queryOf(v url.Values) (catalog.Query, error) {
	q := catalog.Query{Text: v.Get("q"), Org: v.Get("org"), Region: v.Get("region"), LifeEvent: v.Get("life_event"),
		Stage: v.Get("stage"), Object: v.Get("object"), Kind: catalog.Kind(v.Get("kind"))}
	for _, n := range []struct {
		name string
		to   *int
	}{{"depth", &q.MinDepth}, {"page", &q.Page}} {
		if s := strings.TrimSpace(v.Get(n.name)); s != "" {
			i, err := strconv.Atoi(s)
			if err != nil {
				return q, errs.Field(n.name, "catalog.error.filter")
			}
			*n.to = i
		}
	}
	return q, nil
}

func (s *Site) services(w http.ResponseWriter, r *http.Request) error {
	b := s.newBase(w, r, "catalog.page.services_title")
	v := r.URL.Query()
	page := servicesPage{basePage: b, Q: v.Get("q"), Org: v.Get("org"), Region: v.Get("region"), LifeEvent: v.Get("life_event"),
		Stage: v.Get("stage"), Depth: v.Get("depth"), Object: v.Get("object"), Kind: v.Get("kind")}
	page.Filtered = page.Org != "" || page.Region != "" || page.LifeEvent != "" || page.Stage != "" || page.Depth != "" ||
		page.Object != "" || page.Kind != ""
	name, err := s.orgs.namer(r, b.Lang)
	if err != nil {
		return err
	}
	codes, err := s.cfg.Catalog.PublishedOrgs(r.Context())
	if err != nil {
		return err
	}
	for _, c := range codes {
		page.Orgs = append(page.Orgs, choice{Value: c, Label: name(c)})
	}
	slices.SortFunc(page.Orgs, func(a, b choice) int { return strings.Compare(a.Value, b.Value) })
	page.Regions = append(page.Regions, choice{Value: "350000", Label: regionName(b.Lang, "350000")})
	for _, reg := range idcode.SubRegions("350000") {
		page.Regions = append(page.Regions, choice{Value: reg.Code, Label: reg.Name(string(b.Lang))})
	}
	page.LifeEvents = choices(b, labelLife, catalog.LifeEvents)
	page.Stages = choices(b, labelStage, catalog.Stages)
	page.BrowseLife, page.BrowseStage = page.LifeEvents, page.Stages
	for d := catalog.DepthPreExamined; d <= catalog.DepthFull; d++ {
		page.Depths = append(page.Depths, choice{Value: strconv.Itoa(d), Label: b.T("catalog.page.depth_at_least", depthLabel(b, d))})
	}
	page.Objects = choices(b, labelObject, []string{catalog.ObjectPerson, catalog.ObjectEnterprise})
	page.Kinds = choices(b, labelKind, []string{string(catalog.KindBundle), string(catalog.KindItem)})

	q, err := queryOf(v)
	var res catalog.Result
	if err == nil {
		res, err = s.cfg.Catalog.Search(r.Context(), q)
	}
	status := http.StatusOK
	if err != nil {
		st, ok := formStatus(err)
		if !ok {
			return err
		}
		pe := errs.Public(err)
		page.Error, page.Field, status = httpserver.Translate(b.Lang, pe), pe.Field, st
		return s.render(w, status, "catalog/search", page)
	}
	for _, e := range res.Entries {
		rv := resultView{Kind: string(e.Kind), Code: e.Code, Name: e.Name(string(b.Lang)), OrgName: name(e.Org),
			ObjectLabel: label(b, labelObject, e.ServiceObject), PromisedDays: e.PromisedDays, Visits: e.Visits,
			ItemCount: e.ItemCount, Depth: e.OnlineDepth, DepthLabel: depthLabel(b, e.OnlineDepth), Fee: feeLabel(b, e.FeeFen),
			Free: e.FeeFen == 0, Bundle: e.Kind == catalog.KindBundle}
		if rv.Bundle {
			rv.Href = bundlePath(e.Code)
		} else {
			rv.Href, rv.TypeLabel = servicePath(e.Code), label(b, labelType, e.Type)
		}
		page.Results = append(page.Results, rv)
	}
	page.Total, page.Page, page.Pages = res.Total, res.Page, min(res.Pages(), catalog.MaxPage)
	at := func(n int) string {
		u := url.Values{}
		for k, vs := range v {
			if k != "page" && k != "lang" && len(vs) > 0 && vs[0] != "" {
				u.Set(k, vs[0])
			}
		}
		u.Set("page", strconv.Itoa(n))
		return "/services?" + u.Encode()
	}
	if page.Page > 1 {
		page.PrevHref = at(page.Page - 1)
	}
	if page.Page < page.Pages {
		page.NextHref = at(page.Page + 1)
	}
	return s.render(w, status, "catalog/search", page)
}

// ---- an item's guide -------------------------------------------------------------------------

type materialView struct {
	Code, Name, SourceLabel, Source, LicenceType, Formats, MaxSize, Note string
	Required                                                             bool
	ForItems                                                             []string
}

type feeView struct {
	Name, Amount, Basis string
}

func materialViews(b basePage, list []catalog.Material) []materialView {
	out := make([]materialView, len(list))
	for i, m := range list {
		out[i] = materialView{Code: m.Code, Name: m.Name(string(b.Lang)), Source: m.Source, SourceLabel: label(b, labelSource, m.Source),
			LicenceType: m.LicenceType, Required: m.Required, Formats: strings.ToUpper(strings.Join(m.Formats, ", ")),
			MaxSize: b.T("catalog.page.megabytes", formatNumber(float64(m.MaxBytes)/(1<<20))), Note: m.Note.In(string(b.Lang))}
	}
	return out
}

func feeViews(b basePage, list []catalog.Fee) []feeView {
	out := make([]feeView, len(list))
	for i, f := range list {
		out[i] = feeView{Name: f.Name(string(b.Lang)), Amount: money(b, f.AmountFen), Basis: f.LegalBasis}
	}
	return out
}

type serviceItemPage struct {
	basePage
	It                                                               catalog.Item
	Name, OrgName, TypeLabel, LevelLabel, RegionName, ObjectLabel    string
	DepthLabel, CrossLabel, Conditions, LegalBasis, Complaint, Place string
	Forms, JointNames, LifeEvents, Stages                            []string
	Materials                                                        []materialView
	Fees                                                             []feeView
	Fee                                                              string
	Bundles                                                          []link
	ApplyHref, ManageHref, PublishedAt                               string
	// HasForItems: the materials table has no column of items (a bundle's has).
	HasForItems bool
}

func (s *Site) serviceItem(w http.ResponseWriter, r *http.Request) error {
	code := r.PathValue("code")
	it, err := s.cfg.Catalog.Item(r.Context(), code)
	if err != nil {
		return err
	}
	b := s.newBase(w, r, "catalog.page.item_title", it.Name(string(i18n.Negotiate(r))))
	lang := string(b.Lang)
	name, err := s.orgs.namer(r, b.Lang)
	if err != nil {
		return err
	}
	page := serviceItemPage{basePage: b, It: it, Name: it.Name(lang), OrgName: name(it.Org), TypeLabel: label(b, labelType, string(it.Type)),
		LevelLabel: label(b, labelLevel, it.Level), RegionName: regionName(b.Lang, it.RegionCode),
		ObjectLabel: label(b, labelObject, it.ServiceObject), DepthLabel: depthLabel(b, it.OnlineDepth),
		CrossLabel: label(b, labelCross, it.CrossRegion), Conditions: it.Conditions.In(lang), LegalBasis: it.LegalBasis.In(lang),
		Complaint: it.ComplaintChannel.In(lang), Place: it.Place.In(lang), Forms: labels(b, labelForm, it.HandlingForms),
		LifeEvents: labels(b, labelLife, it.LifeEvents), Stages: labels(b, labelStage, it.Stages),
		Materials: materialViews(b, it.Materials), Fees: feeViews(b, it.Fees), Fee: feeLabel(b, it.FeeFen())}
	for _, j := range it.JointBodies {
		page.JointNames = append(page.JointNames, name(j))
	}
	refs, err := s.cfg.Catalog.BundlesOf(r.Context(), code)
	if err != nil {
		return err
	}
	for _, ref := range refs {
		page.Bundles = append(page.Bundles, link{Href: bundlePath(ref.Code), Label: ref.Name(lang)})
	}
	if it.Online() {
		page.ApplyHref = "/apply/item/" + url.PathEscape(code)
	}
	if catalog.MaySeeVersions(b.Principal, it.Org) && b.Principal.Kind == principal.Official {
		page.ManageHref = manageItemPath(code)
	}
	if t, err := s.cfg.Catalog.PublishedAt(r.Context(), catalog.KindItem, code); err == nil {
		page.PublishedAt = civil(t)
	}
	return s.render(w, http.StatusOK, "catalog/item", page)
}

// ---- a bundle's guide ------------------------------------------------------------------------

type bundleItemView struct {
	Href, Name, OrgName, DepthLabel, Fee string
	PromisedDays, Visits                 int
}

type serviceBundlePage struct {
	basePage
	Code, Name, Guide, ResultLicence, ObjectLabel, DepthLabel, Fee string
	PromisedDays, Visits                                           int
	OrgNames, LifeEvents, Stages                                   []string
	Items                                                          []bundleItemView
	Materials                                                      []materialView
	ApplyHref, ManageHref                                          string
	HasForItems                                                    bool
}

func (s *Site) serviceBundle(w http.ResponseWriter, r *http.Request) error {
	code := r.PathValue("code")
	pb, err := s.cfg.Catalog.Bundle(r.Context(), code)
	if err != nil {
		return err
	}
	b := s.newBase(w, r, "catalog.page.bundle_title", pb.Name(string(i18n.Negotiate(r))))
	lang := string(b.Lang)
	name, err := s.orgs.namer(r, b.Lang)
	if err != nil {
		return err
	}
	page := serviceBundlePage{basePage: b, Code: pb.Code, Name: pb.Name(lang), Guide: pb.Guide.In(lang), ResultLicence: pb.ResultLicence.In(lang),
		ObjectLabel: label(b, labelObject, pb.ServiceObject), DepthLabel: depthLabel(b, pb.OnlineDepth()), Fee: feeLabel(b, pb.FeeFen()),
		PromisedDays: pb.PromisedDays(), Visits: pb.Visits(), LifeEvents: labels(b, labelLife, pb.LifeEvents), Stages: labels(b, labelStage, pb.Stages),
		ApplyHref: "/apply/bundle/" + url.PathEscape(code), HasForItems: true}
	for _, o := range pb.Orgs() {
		page.OrgNames = append(page.OrgNames, name(o))
	}
	itemNames := map[string]string{}
	for _, it := range pb.ItemVersions {
		itemNames[it.Code] = it.Name(lang)
		page.Items = append(page.Items, bundleItemView{Href: servicePath(it.Code), Name: it.Name(lang), OrgName: name(it.Org),
			DepthLabel: depthLabel(b, it.OnlineDepth), Fee: feeLabel(b, it.FeeFen()), PromisedDays: it.PromisedDays, Visits: it.Visits})
	}
	for _, m := range pb.Materials {
		mv := materialViews(b, []catalog.Material{m.Material})[0]
		for _, c := range m.ForItems {
			mv.ForItems = append(mv.ForItems, itemNames[c])
		}
		page.Materials = append(page.Materials, mv)
	}
	if catalog.MaySeeVersions(b.Principal, pb.Org) && b.Principal.Kind == principal.Official {
		page.ManageHref = manageBundlePath(code)
	}
	return s.render(w, http.StatusOK, "catalog/bundle", page)
}
