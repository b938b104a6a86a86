package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/catalog"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// The catalogue's upkeep (/catalog/manage, /catalog/review): an organisation's officials see its
// items and bundles with their versions; its administrators edit drafts in a form that works
// without script and submit them; the digital office's administrators publish or return them.

// catalogFormBytes bounds a posted draft: a form schema of 64 KB and fifty materials' fields.
const catalogFormBytes = 512 << 10

func (s *Site) installCatalogManage(srv *httpserver.Server) {
	srv.Handle("GET /catalog/manage", s.catalogManage)
	srv.Handle("GET /catalog/manage/items/new", s.catalogItemNew)
	srv.Handle("GET /catalog/manage/items/{code}", s.catalogItemEdit)
	srv.Handle("POST /catalog/manage/items", s.catalogItemSave, httpserver.MaxBody(catalogFormBytes))
	srv.Handle("POST /catalog/manage/items/{code}/submit", s.catalogItemSubmit)
	srv.Handle("GET /catalog/manage/bundles/new", s.catalogBundleNew)
	srv.Handle("GET /catalog/manage/bundles/{code}", s.catalogBundleEdit)
	srv.Handle("POST /catalog/manage/bundles", s.catalogBundleSave, httpserver.MaxBody(catalogFormBytes))
	srv.Handle("POST /catalog/manage/bundles/{code}/submit", s.catalogBundleSubmit)
	srv.Handle("GET /catalog/review", s.catalogReview)
	srv.Handle("POST /catalog/review/{kind}/{code}/publish", s.catalogPublish)
	srv.Handle("POST /catalog/review/{kind}/{code}/return", s.catalogReturn)
}

func manageItemPath(code string) string   { return "/catalog/manage/items/" + url.PathEscape(code) }
func manageBundlePath(code string) string { return "/catalog/manage/bundles/" + url.PathEscape(code) }

func managePath(kind catalog.Kind, code string) string {
	if kind == catalog.KindBundle {
		return manageBundlePath(code)
	}
	return manageItemPath(code)
}

// requireCatalogOfficial refuses the public (to the login) and everyone who is not an official.
func requireCatalogOfficial(p principal.Principal) error {
	if err := requireSignedIn(p); err != nil {
		return err
	}
	if p.Kind != principal.Official {
		return errs.E(errs.Forbidden, "catalog.page.error.officials_only")
	}
	return nil
}

// ---- the list ------------------------------------------------------------------------------

type manageRow struct {
	Kind, KindLabel, Code, Name, Href, Status, StatusLabel, OrgName, Updated string
	Version, Published                                                       int
}

type catalogManagePage struct {
	basePage
	Rows []manageRow
	// CanEdit offers the new-item and new-bundle links; AllOrgs lets the digital office choose
	// whose entries to see.
	CanEdit bool
	orgFilter
	OrgName string
}

func (s *Site) catalogManage(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireCatalogOfficial(p); err != nil {
		return err
	}
	b := s.newBase(w, r, "catalog.page.manage_title")
	name, orgs, err := s.orgs.all(r, b.Lang)
	if err != nil {
		return err
	}
	page := catalogManagePage{basePage: b, CanEdit: catalog.MayEdit(p, p.OrgCode),
		orgFilter: pickOrg(r, orgs, p.OrgCode == org.DigitalOffice, p.OrgCode)}
	page.OrgName = name(page.Org)
	list, err := s.cfg.Catalog.Manage(r.Context(), p, page.Org)
	if err != nil {
		return err
	}
	for _, m := range list {
		rv := m.Latest
		page.Rows = append(page.Rows, manageRow{Kind: string(rv.Kind), KindLabel: label(b, labelKind, string(rv.Kind)), Code: rv.Code,
			Name: rv.Name(string(b.Lang)), Href: managePath(rv.Kind, rv.Code), Status: string(rv.Status),
			StatusLabel: label(b, labelStatus, string(rv.Status)), OrgName: name(rv.Org), Updated: civil(rv.UpdatedAt),
			Version: rv.Version, Published: m.Published})
	}
	return s.render(w, http.StatusOK, "catalog/manage", page)
}

// ---- form fields ---------------------------------------------------------------------------

// fieldView is one field of a catalogue form, built here so that one partial template renders
// every kind of input with its label, hint and error the same way.
type fieldView struct {
	Name, ID, Label, Hint, Value, Error string
	// Kind: text, textarea, number, select, radio, checkboxes, code (a monospace textarea).
	Kind      string
	Required  bool
	Options   []optionView
	Rows      int
	MaxLength int
	// Lang marks an input written in one language (zh-Hans, zh-Hant, en).
	Lang string
}

type optionView struct {
	Value, Label, ID string
	Selected         bool
}

// formSection is a group of fields under a heading.
type formSection struct {
	ID, Title string
	Fields    []fieldView
}

// catalogFieldID is the HTML id of the input of form field name.
func catalogFieldID(name string) string {
	return "cf-" + strings.NewReplacer(".", "-", "_", "-").Replace(name)
}

// fields builds fieldViews from a form's values and errors.
type fields struct {
	b basePage
	f form
}

func (fs fields) field(kind, name, labelKey string, required bool) fieldView {
	return fieldView{Name: name, ID: catalogFieldID(name), Label: fs.b.T(labelKey), Value: fs.f.V(name), Error: fs.f.E(name),
		Kind: kind, Required: required}
}

func (fs fields) text(name, labelKey string, required bool, maxLength int) fieldView {
	v := fs.field("text", name, labelKey, required)
	v.MaxLength = maxLength
	return v
}

func (fs fields) hint(v fieldView, hintKey string, args ...any) fieldView {
	v.Hint = fs.b.T(hintKey, args...)
	return v
}

func (fs fields) area(name, labelKey string, required bool, rows int) fieldView {
	v := fs.field("textarea", name, labelKey, required)
	v.Rows = rows
	return v
}

func (fs fields) number(name, labelKey string) fieldView {
	return fs.field("number", name, labelKey, true)
}

func (fs fields) options(kind, name, labelKey string, required bool, opts []choice) fieldView {
	v := fs.field(kind, name, labelKey, required)
	for i, o := range opts {
		v.Options = append(v.Options, optionView{Value: o.Value, Label: o.Label, ID: fmt.Sprintf("%s-%d", v.ID, i),
			Selected: fs.f.Checked(name, o.Value)})
	}
	return v
}

// texts is a three-language text: a field per language.
func (fs fields) texts(name, labelKey string, required bool, rows int) []fieldView {
	var out []fieldView
	for _, l := range i18n.All {
		v := fs.area(name+"."+string(l), labelKey, required && l == i18n.ZhHans, rows)
		v.Label = fs.b.T("catalog.page.in_lang", fs.b.T(labelKey), i18n.T(l, "lang.name"))
		v.Lang = string(l)
		out = append(out, v)
	}
	return out
}

// names are the three names of an entry.
func (fs fields) names() []fieldView {
	var out []fieldView
	for _, n := range []struct {
		name string
		l    i18n.Lang
	}{{"name_hans", i18n.ZhHans}, {"name_hant", i18n.ZhHant}, {"name_en", i18n.En}} {
		v := fs.text(n.name, "catalog.page.name", n.l == i18n.ZhHans, 100)
		v.Label = fs.b.T("catalog.page.in_lang", fs.b.T("catalog.page.name"), i18n.T(n.l, "lang.name"))
		v.Lang = string(n.l)
		out = append(out, v)
	}
	return out
}

// ---- reading a posted form -----------------------------------------------------------------

// postedText reads a three-language text of field name.
func postedText(r *http.Request, name string) catalog.Text {
	return catalog.Text{Hans: r.PostFormValue(name + ".zh-Hans"), Hant: r.PostFormValue(name + ".zh-Hant"), En: r.PostFormValue(name + ".en")}
}

// postedInt reads a whole number of field name; empty is 0.
func postedInt(r *http.Request, name string) (int, error) {
	s := strings.TrimSpace(r.PostFormValue(name))
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, errs.Field(name, "catalog.page.error.number")
	}
	return n, nil
}

// postedYuan reads an amount of yuan (at most two decimals) as fen.
var yuanRE = regexp.MustCompile(`^(\d{1,9})(?:\.(\d{1,2}))?$`)

func postedYuan(r *http.Request, name string) (int64, error) {
	s := strings.TrimSpace(r.PostFormValue(name))
	m := yuanRE.FindStringSubmatch(s)
	if m == nil {
		return 0, errs.Field(name, "catalog.page.error.yuan")
	}
	yuan, _ := strconv.ParseInt(m[1], 10, 64)
	cents, _ := strconv.ParseInt((m[2] + "00")[:2], 10, 64)
	return yuan*100 + cents, nil
}

// postedMB reads a size in megabytes (a whole or decimal number) as bytes; empty is 0.
func postedMB(r *http.Request, name string) (int64, error) {
	s := strings.TrimSpace(r.PostFormValue(name))
	if s == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f > 1024 {
		return 0, errs.Field(name, "catalog.page.error.number")
	}
	return int64(f * (1 << 20)), nil
}

// splitList splits a list typed one per line or separated by commas (either script's).
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == '\n' || r == '\r' || r == ',' || r == '，' || r == '、' || r == ';' || r == '；'
	})
}

// rowsPosted returns the indexes of the rows of prefix ("materials") posted with any value, in
// order, looking at most max rows.
func rowsPosted(r *http.Request, prefix string, cols []string, max int) []int {
	var out []int
	for i := 0; i < max; i++ {
		for _, c := range cols {
			if strings.TrimSpace(strings.Join(r.PostForm[fmt.Sprintf("%s.%d.%s", prefix, i, c)], "")) != "" {
				out = append(out, i)
				break
			}
		}
	}
	return out
}

// rowField maps the field of an error about row k of a list (as the catalogue numbers them, blank
// rows left out) to the form's row; a size in bytes is asked for in megabytes, an amount of fen
// in yuan.
func rowField(field string, rows map[string][]int) string {
	parts := strings.SplitN(field, ".", 3)
	if len(parts) == 3 {
		if idx, ok := rows[parts[0]]; ok {
			if k, err := strconv.Atoi(parts[1]); err == nil && k < len(idx) {
				field = fmt.Sprintf("%s.%d.%s", parts[0], idx[k], parts[2])
			}
		}
	}
	field = strings.Replace(field, ".max_bytes", ".max_mb", 1)
	return strings.Replace(field, ".amount_fen", ".amount", 1)
}

var (
	materialCols = []string{"code", "name_hans", "name_hant", "name_en", "source", "licence_type", "required", "formats", "max_mb",
		"note.zh-Hans", "note.zh-Hant", "note.en"}
	feeCols = []string{"name_hans", "name_hant", "name_en", "amount", "legal_basis"}
)

// maxRows bounds the rows of materials or fees a posted form is read for.
const maxRows = 60

// postedItem reads the item a posted form describes; rows says which form rows the materials and
// fees came from, to put errors beside them.
func postedItem(r *http.Request, p principal.Principal) (catalog.Item, map[string][]int, error) {
	v := r.PostFormValue
	it := catalog.Item{Code: v("code"), BasicCode: v("basic_code"), HandlingCode: v("handling_code"), Type: catalog.ItemType(v("type")),
		Org: p.OrgCode, Level: v("level"), RegionCode: v("region_code"), NameHans: v("name_hans"), NameHant: v("name_hant"),
		NameEn: v("name_en"), Keywords: splitList(v("keywords")), ServiceObject: v("service_object"), AgentScope: v("agent_scope"),
		Conditions: postedText(r, "conditions"), LegalBasis: postedText(r, "legal_basis"), HandlingForms: r.PostForm["handling_forms"],
		JointBodies: r.PostForm["joint_bodies"], ComplaintChannel: postedText(r, "complaint_channel"), Place: postedText(r, "place"),
		CrossRegion: v("cross_region"), LifeEvents: r.PostForm["life_events"], Stages: r.PostForm["stages"],
		FormSchema: json.RawMessage(strings.TrimSpace(v("form_schema")))}
	rows := map[string][]int{"materials": rowsPosted(r, "materials", materialCols, maxRows), "fees": rowsPosted(r, "fees", feeCols, maxRows)}
	var err error
	for _, n := range []struct {
		name string
		to   *int
	}{{"legal_days", &it.LegalDays}, {"promised_days", &it.PromisedDays}, {"visits", &it.Visits}, {"online_depth", &it.OnlineDepth}} {
		if *n.to, err = postedInt(r, n.name); err != nil {
			return it, rows, err
		}
	}
	for _, i := range rows["materials"] {
		f := func(c string) string { return fmt.Sprintf("materials.%d.%s", i, c) }
		m := catalog.Material{Code: v(f("code")), NameHans: v(f("name_hans")), NameHant: v(f("name_hant")), NameEn: v(f("name_en")),
			Source: v(f("source")), LicenceType: v(f("licence_type")), Required: v(f("required")) == "1", Formats: r.PostForm[f("formats")],
			Note: postedText(r, f("note"))}
		if m.MaxBytes, err = postedMB(r, f("max_mb")); err != nil {
			return it, rows, err
		}
		it.Materials = append(it.Materials, m)
	}
	for _, i := range rows["fees"] {
		f := func(c string) string { return fmt.Sprintf("fees.%d.%s", i, c) }
		fee := catalog.Fee{NameHans: v(f("name_hans")), NameHant: v(f("name_hant")), NameEn: v(f("name_en")), LegalBasis: v(f("legal_basis"))}
		if fee.AmountFen, err = postedYuan(r, f("amount")); err != nil {
			return it, rows, err
		}
		it.Fees = append(it.Fees, fee)
	}
	return it, rows, nil
}

// itemValues writes an item as the form's values.
func itemValues(it catalog.Item) url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	setText := func(k string, t catalog.Text) {
		set(k+".zh-Hans", t.Hans)
		set(k+".zh-Hant", t.Hant)
		set(k+".en", t.En)
	}
	set("code", it.Code)
	set("basic_code", it.BasicCode)
	set("handling_code", it.HandlingCode)
	set("type", string(it.Type))
	set("level", it.Level)
	set("region_code", it.RegionCode)
	set("name_hans", it.NameHans)
	set("name_hant", it.NameHant)
	set("name_en", it.NameEn)
	set("keywords", strings.Join(it.Keywords, "\n"))
	set("service_object", it.ServiceObject)
	set("agent_scope", it.AgentScope)
	v.Set("legal_days", strconv.Itoa(it.LegalDays))
	v.Set("promised_days", strconv.Itoa(it.PromisedDays))
	v.Set("visits", strconv.Itoa(it.Visits))
	v.Set("online_depth", strconv.Itoa(it.OnlineDepth))
	setText("conditions", it.Conditions)
	setText("legal_basis", it.LegalBasis)
	setText("complaint_channel", it.ComplaintChannel)
	setText("place", it.Place)
	v["handling_forms"] = it.HandlingForms
	v["joint_bodies"] = it.JointBodies
	set("cross_region", it.CrossRegion)
	v["life_events"] = it.LifeEvents
	v["stages"] = it.Stages
	set("form_schema", indentJSON(it.FormSchema))
	for i, m := range it.Materials {
		f := func(c string) string { return fmt.Sprintf("materials.%d.%s", i, c) }
		set(f("code"), m.Code)
		set(f("name_hans"), m.NameHans)
		set(f("name_hant"), m.NameHant)
		set(f("name_en"), m.NameEn)
		set(f("source"), m.Source)
		set(f("licence_type"), m.LicenceType)
		if m.Required {
			v.Set(f("required"), "1")
		}
		v[f("formats")] = m.Formats
		set(f("max_mb"), formatNumber(float64(m.MaxBytes)/(1<<20)))
		setText(f("note"), m.Note)
	}
	for i, fee := range it.Fees {
		f := func(c string) string { return fmt.Sprintf("fees.%d.%s", i, c) }
		set(f("name_hans"), fee.NameHans)
		set(f("name_hant"), fee.NameHant)
		set(f("name_en"), fee.NameEn)
		set(f("amount"), fmt.Sprintf("%d.%02d", fee.AmountFen/100, fee.AmountFen%100))
		set(f("legal_basis"), fee.LegalBasis)
	}
	return v
}

// indentJSON lays a schema out for reading in a textarea.
func indentJSON(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return string(raw)
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return string(raw)
	}
	return string(b)
}

// ---- the item form -------------------------------------------------------------------------

type revisionView struct {
	Version                                                                                     int
	Status, StatusLabel, UpdatedBy, Updated, SubmittedBy, Submitted, DecidedBy, Decided, Reason string
}

// workflowPage is what the item and bundle forms share: the entry's state and what the reader
// may do with it.
type workflowPage struct {
	New                         bool
	Code, Kind                  string
	Version                     int
	Status, StatusLabel, Reason string
	// Editable: the reader may save a draft (the form is disabled otherwise); CanSubmit: there
	// is a draft to submit; CanDecide: a submitted version waits for the reader's decision.
	Editable, CanSubmit, CanDecide bool
	Versions                       []revisionView
	PublicHref, Done               string
	// ReturnF is the return form sent back (its reason missing).
	ReturnF form
}

type catalogItemFormPage struct {
	basePage
	workflowPage
	Prefix    string
	F         form
	Sections  []formSection
	Materials []formSection
	Fees      []formSection
}

// ID is the HTML id of field name's input, for the error summary's links.
func (p catalogItemFormPage) ID(name string) string { return catalogFieldID(name) }

func (s *Site) newWorkflow(b basePage, kind catalog.Kind, code string, revs []catalog.Revision, published bool) workflowPage {
	p := b.Principal
	wf := workflowPage{Code: code, Kind: string(kind)}
	if len(revs) == 0 {
		wf.New, wf.Editable = true, true
		return wf
	}
	latest := revs[0]
	wf.Version, wf.Status, wf.StatusLabel, wf.Reason = latest.Version, string(latest.Status), label(b, labelStatus, string(latest.Status)), latest.ReturnReason
	wf.Editable = catalog.MayEdit(p, latest.Org) && latest.Status != catalog.Submitted
	wf.CanSubmit = catalog.MayEdit(p, latest.Org) && latest.Status == catalog.Draft
	wf.CanDecide = catalog.MayDecide(p) && latest.Status == catalog.Submitted
	for _, rv := range revs {
		v := revisionView{Version: rv.Version, Status: string(rv.Status), StatusLabel: label(b, labelStatus, string(rv.Status)),
			UpdatedBy: loginOf(rv.UpdatedBy), Updated: civil(rv.UpdatedAt), SubmittedBy: derefLogin(rv.SubmittedBy),
			Submitted: civilPtr(rv.SubmittedAt), DecidedBy: derefLogin(rv.DecidedBy), Decided: civilPtr(rv.DecidedAt), Reason: rv.ReturnReason}
		wf.Versions = append(wf.Versions, v)
	}
	if published {
		if kind == catalog.KindBundle {
			wf.PublicHref = bundlePath(code)
		} else {
			wf.PublicHref = servicePath(code)
		}
	}
	return wf
}

// doneMessage is what the page says after an action.
func doneMessage(b basePage, done string) string {
	key, ok := map[string]string{"saved": "catalog.page.done_saved", "submitted": "catalog.page.done_submitted",
		"published": "catalog.page.done_published", "returned": "catalog.page.done_returned",
		"conflict": "catalog.page.done_conflict"}[done]
	if !ok {
		return ""
	}
	return b.T(key)
}

func (s *Site) newItemFormPage(w http.ResponseWriter, r *http.Request, code string, f form, materialRows, feeRows int) (catalogItemFormPage, error) {
	p := principal.From(r.Context())
	b := s.newBase(w, r, "catalog.page.item_form_title")
	page := catalogItemFormPage{basePage: b, F: f, Prefix: catalog.OrgCreditCode(p.OrgCode)}
	var revs []catalog.Revision
	published := false
	if code != "" {
		var err error
		if revs, err = s.cfg.Catalog.Versions(r.Context(), p, catalog.KindItem, code); err != nil {
			return page, err
		}
		it, err := s.cfg.Catalog.ItemVersion(r.Context(), p, code, 0)
		if err != nil {
			return page, err
		}
		if len(f.Values) == 0 {
			page.F.Values = itemValues(it)
			materialRows, feeRows = len(it.Materials)+2, len(it.Fees)+1
		}
		page.Prefix = catalog.OrgCreditCode(it.Org)
		_, pubErr := s.cfg.Catalog.Item(r.Context(), code)
		published = pubErr == nil
		b.Title = b.T("catalog.page.item_form_title_of", it.Name(string(b.Lang)))
		page.basePage = b
	}
	page.workflowPage = s.newWorkflow(b, catalog.KindItem, code, revs, published)
	page.Done = doneMessage(b, r.URL.Query().Get("done"))
	_, orgs, err := s.orgs.all(r, b.Lang)
	if err != nil {
		return page, err
	}
	fs := fields{b: b, f: page.F}
	var typeChoices []choice
	for _, t := range catalog.ItemTypes {
		typeChoices = append(typeChoices, choice{Value: string(t), Label: label(b, labelType, string(t))})
	}
	var orgChoices []choice
	for _, o := range orgs {
		if o.Code != p.OrgCode {
			orgChoices = append(orgChoices, choice{Value: o.Code, Label: o.Name})
		}
	}
	var depthChoices []choice
	for d := catalog.DepthInformation; d <= catalog.DepthFull; d++ {
		depthChoices = append(depthChoices, choice{Value: strconv.Itoa(d), Label: depthLabel(b, d)})
	}
	code0 := fs.hint(fs.text("code", "catalog.page.code", true, 36), "catalog.page.code_hint", page.Prefix)
	page.Sections = []formSection{
		{ID: "codes", Title: b.T("catalog.page.section_codes"), Fields: []fieldView{code0,
			fs.hint(fs.text("basic_code", "catalog.page.basic_code", true, 30), "catalog.page.basic_code_hint"),
			fs.hint(fs.text("handling_code", "catalog.page.handling_code", false, 48), "catalog.page.handling_code_hint"),
			fs.options("select", "type", "catalog.page.type", true, typeChoices),
			fs.options("select", "level", "catalog.page.level", false, choices(b, labelLevel, catalog.Levels)),
			fs.hint(fs.text("region_code", "catalog.page.region_code", false, 6), "catalog.page.region_code_hint")}},
		{ID: "names", Title: b.T("catalog.page.section_names"), Fields: append(fs.names(),
			fs.hint(fs.area("keywords", "catalog.page.keywords", false, 3), "catalog.page.keywords_hint"))},
		{ID: "service", Title: b.T("catalog.page.section_service"), Fields: []fieldView{
			fs.options("radio", "service_object", "catalog.page.object", true, choices(b, labelObject, catalog.Objects)),
			fs.hint(fs.options("select", "agent_scope", "catalog.page.agent_scope", false, choices(b, "identity.scope.", catalog.AgentScopes)),
				"catalog.page.agent_scope_hint"),
			fs.number("legal_days", "catalog.page.legal_days"), fs.number("promised_days", "catalog.page.promised_days"),
			fs.options("checkboxes", "handling_forms", "catalog.page.handling_forms", true, choices(b, labelForm, catalog.HandlingForms)),
			fs.number("visits", "catalog.page.visits"),
			fs.options("select", "online_depth", "catalog.page.online_depth", true, depthChoices),
			fs.options("select", "cross_region", "catalog.page.cross_region", true, choices(b, labelCross, catalog.CrossRegions)),
			fs.hint(fs.options("checkboxes", "life_events", "catalog.page.life_events", false, choices(b, labelLife, catalog.LifeEvents)), "catalog.page.life_events_hint"),
			fs.hint(fs.options("checkboxes", "stages", "catalog.page.stages", false, choices(b, labelStage, catalog.Stages)), "catalog.page.stages_hint"),
			fs.hint(fs.options("multiselect", "joint_bodies", "catalog.page.joint_bodies", false, orgChoices), "catalog.page.joint_bodies_hint")}},
		{ID: "conditions", Title: b.T("catalog.page.conditions"), Fields: fs.texts("conditions", "catalog.page.conditions", true, 4)},
		{ID: "basis", Title: b.T("catalog.page.legal_basis"), Fields: fs.texts("legal_basis", "catalog.page.legal_basis", true, 3)},
		{ID: "contact", Title: b.T("catalog.page.section_contact"), Fields: append(fs.texts("place", "catalog.page.place", false, 2),
			fs.texts("complaint_channel", "catalog.page.complaint", false, 2)...)},
	}
	schema := fs.hint(fs.area("form_schema", "catalog.page.form_schema", false, 14), "catalog.page.form_schema_hint")
	schema.Kind = "code"
	page.Sections = append(page.Sections, formSection{ID: "form", Title: b.T("catalog.page.section_form"), Fields: []fieldView{schema}})
	for i := range max(materialRows, 1) {
		f := func(c string) string { return fmt.Sprintf("materials.%d.%s", i, c) }
		sec := formSection{ID: fmt.Sprintf("material-%d", i), Title: b.T("catalog.page.material_n", i+1), Fields: []fieldView{
			fs.hint(fs.text(f("code"), "catalog.page.material_code", false, 64), "catalog.page.material_code_hint"),
			fs.text(f("name_hans"), "catalog.page.material_name", false, 100),
			fs.text(f("name_hant"), "catalog.page.material_name_hant", false, 100),
			fs.text(f("name_en"), "catalog.page.material_name_en", false, 100),
			fs.options("select", f("source"), "catalog.page.source", false, choices(b, labelSource, catalog.Sources)),
			fs.hint(fs.text(f("licence_type"), "catalog.page.licence_type", false, 40), "catalog.page.licence_type_hint"),
			fs.options("checkboxes", f("required"), "catalog.page.required", false, []choice{{Value: "1", Label: b.T("catalog.page.required_yes")}}),
			fs.options("checkboxes", f("formats"), "catalog.page.formats", false, choices(b, "catalog.format.", catalog.Formats)),
			fs.hint(fs.text(f("max_mb"), "catalog.page.max_mb", false, 6), "catalog.page.max_mb_hint")}}
		sec.Fields = append(sec.Fields, fs.texts(f("note"), "catalog.page.note", false, 1)...)
		page.Materials = append(page.Materials, sec)
	}
	for i := range max(feeRows, 1) {
		f := func(c string) string { return fmt.Sprintf("fees.%d.%s", i, c) }
		page.Fees = append(page.Fees, formSection{ID: fmt.Sprintf("fee-%d", i), Title: b.T("catalog.page.fee_n", i+1), Fields: []fieldView{
			fs.text(f("name_hans"), "catalog.page.fee_name", false, 100), fs.text(f("name_hant"), "catalog.page.fee_name_hant", false, 100),
			fs.text(f("name_en"), "catalog.page.fee_name_en", false, 100),
			fs.hint(fs.text(f("amount"), "catalog.page.fee_amount", false, 12), "catalog.page.fee_amount_hint"),
			fs.text(f("legal_basis"), "catalog.page.fee_basis", false, 500)}})
	}
	return page, nil
}

func (s *Site) catalogItemNew(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireCatalogOfficial(p); err != nil {
		return err
	}
	if !catalog.MayEdit(p, p.OrgCode) {
		return errs.E(errs.Forbidden, "catalog.error.edit_forbidden")
	}
	f := form{Values: url.Values{"online_depth": {"4"}, "cross_region": {catalog.CrossNone}, "handling_forms": {catalog.FormWindow, catalog.FormOnline},
		"legal_days": {"20"}, "promised_days": {"5"}, "visits": {"0"}}, Errors: map[string]string{}}
	page, err := s.newItemFormPage(w, r, "", f, 3, 1)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "catalog/item_form", page)
}

func (s *Site) catalogItemEdit(w http.ResponseWriter, r *http.Request) error {
	if err := requireCatalogOfficial(principal.From(r.Context())); err != nil {
		return err
	}
	page, err := s.newItemFormPage(w, r, r.PathValue("code"), form{Errors: map[string]string{}}, 0, 0)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "catalog/item_form", page)
}

// postedRows is how many rows of a list a form sent back shows: those posted and one blank.
func postedRows(r *http.Request, prefix string, cols []string) int {
	idx := rowsPosted(r, prefix, cols, maxRows)
	if len(idx) == 0 {
		return 1
	}
	return idx[len(idx)-1] + 2
}

func (s *Site) catalogItemSave(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireCatalogOfficial(p); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	it, rows, err := postedItem(r, p)
	if err == nil {
		it, err = s.cfg.Catalog.SaveItem(r.Context(), p, it)
	}
	if err == nil {
		seeOther(w, r, manageItemPath(it.Code)+"?done=saved")
		return nil
	}
	status, ok := formStatus(err)
	if !ok {
		return err
	}
	// Sent back as typed, with the error beside its field: on the entry's page if the code names
	// one the reader may see, else on a new form.
	f := form{Values: r.PostForm, Errors: map[string]string{}}
	f.fail(i18n.Negotiate(r), err, nil)
	if f.Field != "" {
		to := rowField(f.Field, rows)
		delete(f.Errors, f.Field)
		f.Field, f.Errors[to] = to, f.Error
	}
	code := strings.ToUpper(strings.TrimSpace(r.PostFormValue("code")))
	if _, verr := s.cfg.Catalog.ItemVersion(r.Context(), p, code, 0); verr != nil {
		code = ""
	}
	page, perr := s.newItemFormPage(w, r, code, f, postedRows(r, "materials", materialCols), postedRows(r, "fees", feeCols))
	if perr != nil {
		return perr
	}
	if code != "" {
		page.basePage.rebase(manageItemPath(code))
	} else {
		page.basePage.rebase("/catalog/manage/items/new")
	}
	return s.render(w, status, "catalog/item_form", page)
}

func (s *Site) catalogItemSubmit(w http.ResponseWriter, r *http.Request) error {
	return s.catalogSubmit(w, r, catalog.KindItem)
}

func (s *Site) catalogBundleSubmit(w http.ResponseWriter, r *http.Request) error {
	return s.catalogSubmit(w, r, catalog.KindBundle)
}

func (s *Site) catalogSubmit(w http.ResponseWriter, r *http.Request, kind catalog.Kind) error {
	p := principal.From(r.Context())
	if err := requireCatalogOfficial(p); err != nil {
		return err
	}
	code := r.PathValue("code")
	if _, err := s.cfg.Catalog.Submit(r.Context(), p, kind, code); err != nil {
		if errs.Is(err, errs.Conflict) {
			seeOther(w, r, managePath(kind, code)+"?done=conflict")
			return nil
		}
		return err
	}
	seeOther(w, r, managePath(kind, code)+"?done=submitted")
	return nil
}

// ---- review --------------------------------------------------------------------------------

type reviewRow struct {
	KindLabel, Code, Name, Href, OrgName, SubmittedBy, Submitted string
	Version                                                      int
}

type catalogReviewPage struct {
	basePage
	Rows []reviewRow
}

func (s *Site) catalogReview(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireCatalogOfficial(p); err != nil {
		return err
	}
	list, err := s.cfg.Catalog.Pending(r.Context(), p)
	if err != nil {
		return err
	}
	b := s.newBase(w, r, "catalog.page.review_title")
	name, err := s.orgs.namer(r, b.Lang)
	if err != nil {
		return err
	}
	page := catalogReviewPage{basePage: b}
	for _, rv := range list {
		page.Rows = append(page.Rows, reviewRow{KindLabel: label(b, labelKind, string(rv.Kind)), Code: rv.Code, Name: rv.Name(string(b.Lang)),
			Href: managePath(rv.Kind, rv.Code), OrgName: name(rv.Org), SubmittedBy: derefLogin(rv.SubmittedBy),
			Submitted: civilPtr(rv.SubmittedAt), Version: rv.Version})
	}
	return s.render(w, http.StatusOK, "catalog/review", page)
}

// reviewKind reads the kind of the decision's path: items or bundles.
func reviewKind(r *http.Request) (catalog.Kind, error) {
	switch r.PathValue("kind") {
	case "items":
		return catalog.KindItem, nil
	case "bundles":
		return catalog.KindBundle, nil
	}
	return "", errs.E(errs.NotFound, "error.page_not_found")
}

func (s *Site) catalogPublish(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireCatalogOfficial(p); err != nil {
		return err
	}
	kind, err := reviewKind(r)
	if err != nil {
		return err
	}
	code := r.PathValue("code")
	if _, err := s.cfg.Catalog.Publish(r.Context(), p, kind, code); err != nil {
		if !errs.Is(err, errs.Conflict) {
			return err
		}
		return s.sendBackDecision(w, r, kind, code, err)
	}
	seeOther(w, r, managePath(kind, code)+"?done=published")
	return nil
}

func (s *Site) catalogReturn(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireCatalogOfficial(p); err != nil {
		return err
	}
	kind, err := reviewKind(r)
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	code := r.PathValue("code")
	if _, err := s.cfg.Catalog.Return(r.Context(), p, kind, code, r.PostFormValue("reason")); err != nil {
		if _, ok := formStatus(err); !ok {
			return err
		}
		return s.sendBackDecision(w, r, kind, code, err)
	}
	seeOther(w, r, managePath(kind, code)+"?done=returned")
	return nil
}

// sendBackDecision shows the entry's page again with why a decision could not be made (a
// missing reason, a version no longer waiting, a bundle's item not published).
func (s *Site) sendBackDecision(w http.ResponseWriter, r *http.Request, kind catalog.Kind, code string, err error) error {
	status, _ := formStatus(err)
	rf := newForm(r, "reason")
	rf.fail(i18n.Negotiate(r), err, map[string]string{"": "reason"})
	if kind == catalog.KindBundle {
		page, perr := s.newBundleFormPage(w, r, code, form{Errors: map[string]string{}})
		if perr != nil {
			return perr
		}
		page.ReturnF = rf
		page.basePage.rebase(manageBundlePath(code))
		return s.render(w, status, "catalog/bundle_form", page)
	}
	page, perr := s.newItemFormPage(w, r, code, form{Errors: map[string]string{}}, 0, 0)
	if perr != nil {
		return perr
	}
	page.ReturnF = rf
	page.basePage.rebase(manageItemPath(code))
	return s.render(w, status, "catalog/item_form", page)
}

// DescribedBy lists the ids of the field's hint and error, for aria-describedby.
func (f fieldView) DescribedBy() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.ID+"-hint")
	}
	if f.Error != "" {
		ids = append(ids, f.ID+"-error")
	}
	return strings.Join(ids, " ")
}
