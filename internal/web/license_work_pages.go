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
	"github.com/yiwang-platform/yiwang/internal/license"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// The officials' side of electronic licences. Licence types (/licenses/types): an
// organisation's officials see its types with every version, its administrators edit drafts and
// submit them, the digital office's administrators publish or return them
// (/licenses/types/review). Licences (/work/licenses): an organisation's officials list and open
// the licences it issued; its approvers issue, suspend, reinstate, revoke and change them. The
// licence service checks every step again.

// licenseWorkPageNames are the officials' licence pages.
var licenseWorkPageNames = []string{"license_work/types", "license_work/type_form", "license_work/review",
	"license_work/licences", "license_work/issue", "license_work/licence", "license_work/change"}

// licenseTypeFormBytes bounds a posted type: sixty fields of names in three languages.
const licenseTypeFormBytes = 256 << 10

// licenseFieldCols are the columns of a face-data field row of the type form.
var licenseFieldCols = []string{"key", "name_hans", "name_hant", "name_en", "kind", "max_len"}

// maxLicenseFieldRows bounds the field rows a posted type form is read for.
const maxLicenseFieldRows = 60

// installLicenseWork registers the officials' licence pages.
func (s *Site) installLicenseWork(srv *httpserver.Server) {
	if s.cfg.Licenses == nil {
		return
	}
	srv.Handle("GET /licenses/types", s.licenseTypes)
	srv.Handle("GET /licenses/types/new", s.licenseTypeNew)
	srv.Handle("GET /licenses/types/review", s.licenseTypeReview)
	srv.Handle("GET /licenses/types/{code}", s.licenseTypeEdit)
	srv.Handle("POST /licenses/types", s.licenseTypeSave, httpserver.MaxBody(licenseTypeFormBytes))
	srv.Handle("POST /licenses/types/{code}/submit", s.licenseTypeStep("submit"))
	srv.Handle("POST /licenses/types/{code}/publish", s.licenseTypeStep("publish"))
	srv.Handle("POST /licenses/types/{code}/return", s.licenseTypeStep("return"))
	srv.Handle("GET /work/licenses", s.workLicences)
	srv.Handle("GET /work/licenses/new", s.workLicenceNew)
	srv.Handle("POST /work/licenses", s.workLicenceIssue, httpserver.MaxBody(licenseTypeFormBytes))
	srv.Handle("GET /work/licenses/{id}", s.workLicence)
	srv.Handle("GET /work/licenses/{id}/change", s.workLicenceChangeForm)
	srv.Handle("POST /work/licenses/{id}/change", s.workLicenceChange, httpserver.MaxBody(licenseTypeFormBytes))
	for _, a := range []string{"suspend", "reinstate", "revoke"} {
		srv.Handle("POST /work/licenses/{id}/"+a, s.workLicenceStatus(a))
	}
	s.installLicensePeerFetch(srv)
}

// licenseWorkNav is what the navigation offers officials of licences: their organisation's
// licences, its types, and the review to the digital office's administrators.
func (s *Site) licenseWorkNav(p principal.Principal) []struct{ href, key string } {
	if s.cfg.Licenses == nil || p.Kind != principal.Official || p.OrgCode == "" {
		return nil
	}
	nav := []struct{ href, key string }{{"/work/licenses", "nav.work_licenses"}, {"/work/licenses/granted", "nav.granted_licences"},
		{"/licenses/types", "nav.license_types"}}
	if s.cfg.PeerFetch != nil {
		nav = append(nav, struct{ href, key string }{peerFetchPath, "nav.peer_fetch"})
	}
	if license.MayDecideTypes(p) {
		nav = append(nav, struct{ href, key string }{"/licenses/types/review", "nav.license_review"})
	}
	return nav
}

func licenseTypePath(code string) string { return "/licenses/types/" + url.PathEscape(code) }
func workLicencePath(id string) string   { return "/work/licenses/" + url.PathEscape(id) }

// requireLicenseOfficial refuses the public (to the login) and anyone who is not an official of
// an organisation.
func requireLicenseOfficial(p principal.Principal) error {
	if err := requireSignedIn(p); err != nil {
		return err
	}
	if p.Kind != principal.Official || p.OrgCode == "" {
		return errs.E(errs.Forbidden, "license.work.error.officials_only")
	}
	return nil
}

// The prefixes of the licence pages' value labels, completed with the value.
const (
	labelLicTypeStatus = "license.work.type_status."
	labelLicLevel      = "license.work.level."
	labelLicHolderCat  = "license.work.holder."
	labelLicFieldKind  = "license.work.kind."
	labelLicStatus     = "license.work.status."
	labelLicState      = "license.work.state."
	labelLicStep       = "license.work.step."
	labelLicCodeType   = "license.work.code_type."
)

func licenceLevels() []string {
	out := make([]string, len(license.Levels))
	for i, l := range license.Levels {
		out[i] = string(l)
	}
	return out
}

var (
	licenceHolderCats = []string{string(license.HolderPerson), string(license.HolderEnterprise), string(license.HolderBoth)}
	licenceFieldKinds = []string{string(license.FieldText), string(license.FieldArea), string(license.FieldDate)}
)

// typeName is a licence type's name in the page's language.
func typeName(b basePage, t license.Type) string {
	return catalog.Text{Hans: t.NameHans, Hant: t.NameHant, En: t.NameEn}.In(string(b.Lang))
}

func fieldName(b basePage, f license.Field) string {
	return catalog.Text{Hans: f.NameHans, Hant: f.NameHant, En: f.NameEn}.In(string(b.Lang))
}

// ---- the list of types ---------------------------------------------------------------------

type licenseTypeRow struct {
	Code, Name, Href, Status, StatusLabel, OrgName, Updated string
	Version                                                 int
}

type licenseTypesPage struct {
	basePage
	Rows    []licenseTypeRow
	CanEdit bool
	orgFilter
	OrgName string
}

func (s *Site) licenseTypes(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireLicenseOfficial(p); err != nil {
		return err
	}
	b := s.newBase(w, r, "license.work.types_title")
	name, orgs, err := s.orgs.all(r, b.Lang)
	if err != nil {
		return err
	}
	page := licenseTypesPage{basePage: b, CanEdit: license.MayEditTypes(p, p.OrgCode),
		orgFilter: pickOrg(r, orgs, p.OrgCode == org.DigitalOffice, p.OrgCode)}
	page.OrgName = name(page.Org)
	list, err := s.cfg.Licenses.Types(r.Context(), p, page.Org)
	if err != nil {
		return err
	}
	for _, t := range list {
		page.Rows = append(page.Rows, licenseTypeRow{Code: t.Code, Name: typeName(b, t), Href: licenseTypePath(t.Code),
			Status: string(t.Status), StatusLabel: label(b, labelLicTypeStatus, string(t.Status)), OrgName: name(t.Org),
			Updated: civil(t.UpdatedAt), Version: t.Version})
	}
	return s.render(w, http.StatusOK, "license_work/types", page)
}

func (s *Site) licenseTypeReview(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireLicenseOfficial(p); err != nil {
		return err
	}
	if !license.MayDecideTypes(p) {
		return errs.E(errs.Forbidden, "license.error.type_decide_forbidden")
	}
	list, err := s.cfg.Licenses.Types(r.Context(), p, "")
	if err != nil {
		return err
	}
	b := s.newBase(w, r, "license.work.review_title")
	name, err := s.orgs.namer(r, b.Lang)
	if err != nil {
		return err
	}
	page := licenseTypesPage{basePage: b}
	for _, t := range list {
		if t.Status != license.TypeSubmitted {
			continue
		}
		page.Rows = append(page.Rows, licenseTypeRow{Code: t.Code, Name: typeName(b, t), Href: licenseTypePath(t.Code),
			Status: string(t.Status), StatusLabel: label(b, labelLicTypeStatus, string(t.Status)), OrgName: name(t.Org),
			Updated: civil(t.UpdatedAt), Version: t.Version})
	}
	return s.render(w, http.StatusOK, "license_work/review", page)
}

// ---- the type form -------------------------------------------------------------------------

type licenseTypeVersion struct {
	Version                                            int
	Status, StatusLabel, Updated, Decided, Reason, Org string
}

type licenseTypeFormPage struct {
	basePage
	New                         bool
	Code                        string
	Version                     int
	Status, StatusLabel, Reason string
	// Editable: the reader may save a draft; CanSubmit: there is a draft to submit; CanDecide: a
	// submitted version waits for the reader's decision.
	Editable, CanSubmit, CanDecide bool
	Versions                       []licenseTypeVersion
	Done                           string
	ReturnF                        form
	F                              form
	Sections                       []formSection
	Fields                         []formSection
}

// ID is the HTML id of field name's input, for the error summary's links.
func (p licenseTypeFormPage) ID(name string) string { return catalogFieldID(name) }

// typeValues writes a licence type as the form's values.
func typeValues(t license.Type) url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("code", t.Code)
	set("name_hans", t.NameHans)
	set("name_hant", t.NameHant)
	set("name_en", t.NameEn)
	set("authority_name", t.AuthorityName)
	set("authority_code", t.AuthorityCode)
	set("authority_level", string(t.AuthorityLevel))
	set("issuer_level", string(t.IssuerLevel))
	set("holder_category", string(t.HolderCategory))
	v.Set("min_validity_months", strconv.Itoa(t.MinValidityMonths))
	v.Set("max_validity_months", strconv.Itoa(t.MaxValidityMonths))
	v["linked_items"] = slices.Clone(t.LinkedItems)
	for i, f := range t.Fields {
		k := func(c string) string { return fmt.Sprintf("fields.%d.%s", i, c) }
		set(k("key"), f.Key)
		set(k("name_hans"), f.NameHans)
		set(k("name_hant"), f.NameHant)
		set(k("name_en"), f.NameEn)
		set(k("kind"), string(f.Kind))
		if f.Required {
			v.Set(k("required"), "1")
		}
		if f.MaxLen > 0 {
			v.Set(k("max_len"), strconv.Itoa(f.MaxLen))
		}
	}
	return v
}

// postedType reads the licence type a posted form describes; rows says which form rows the
// fields came from (rows ticked for removal and blank rows are left out).
func postedType(r *http.Request, p principal.Principal, orgCode string) (license.Type, []int, error) {
	v := r.PostFormValue
	t := license.Type{Code: v("code"), Org: orgCode, NameHans: v("name_hans"), NameHant: v("name_hant"), NameEn: v("name_en"),
		AuthorityName: v("authority_name"), AuthorityCode: v("authority_code"), AuthorityLevel: license.Level(v("authority_level")),
		IssuerLevel: license.Level(v("issuer_level")), HolderCategory: license.HolderCategory(v("holder_category"))}
	var err error
	if t.MinValidityMonths, err = postedInt(r, "min_validity_months"); err != nil {
		return t, nil, err
	}
	if t.MaxValidityMonths, err = postedInt(r, "max_validity_months"); err != nil {
		return t, nil, err
	}
	for _, c := range r.PostForm["linked_items"] {
		if c = strings.TrimSpace(c); c != "" && !slices.Contains(t.LinkedItems, c) {
			t.LinkedItems = append(t.LinkedItems, c)
		}
	}
	for _, c := range splitList(v("linked_other")) {
		if c = strings.ToUpper(strings.TrimSpace(c)); c != "" {
			t.LinkedItems = append(t.LinkedItems, c)
		}
	}
	var rows []int
	for _, i := range rowsPosted(r, "fields", licenseFieldCols, maxLicenseFieldRows) {
		k := func(c string) string { return fmt.Sprintf("fields.%d.%s", i, c) }
		if v(k("remove")) == "1" {
			continue
		}
		f := license.Field{Key: v(k("key")), NameHans: v(k("name_hans")), NameHant: v(k("name_hant")), NameEn: v(k("name_en")),
			Kind: license.FieldKind(v(k("kind"))), Required: v(k("required")) == "1"}
		if f.MaxLen, err = postedInt(r, k("max_len")); err != nil {
			return t, rows, err
		}
		t.Fields = append(t.Fields, f)
		rows = append(rows, i)
	}
	return t, rows, nil
}

// typeFormField maps the field of an error about a licence type to the form's: field k of the
// type to the form row it came from; a linked item to the list.
func typeFormField(field string, rows []int) string {
	switch {
	case strings.HasPrefix(field, "linked_items"):
		return "linked_other"
	case field == "fields":
		// Too few or too many fields: the first row is where to start.
		if len(rows) > 0 {
			return fmt.Sprintf("fields.%d.key", rows[0])
		}
		return "fields.0.key"
	case field == "org":
		// The code names another organisation's type.
		return "code"
	}
	parts := strings.SplitN(field, ".", 3)
	if len(parts) >= 2 && parts[0] == "fields" {
		if k, err := strconv.Atoi(parts[1]); err == nil && k < len(rows) {
			parts[1] = strconv.Itoa(rows[k])
			if len(parts) == 2 {
				return strings.Join(parts, ".") + ".key"
			}
			return strings.Join(parts, ".")
		}
	}
	return field
}

func (s *Site) newLicenseTypeFormPage(w http.ResponseWriter, r *http.Request, code string, f form, fieldRows int) (licenseTypeFormPage, error) {
	p := principal.From(r.Context())
	b := s.newBase(w, r, "license.work.type_form_title")
	page := licenseTypeFormPage{basePage: b, F: f, New: true, Editable: true}
	owner := p.OrgCode
	if code != "" {
		versions, err := s.cfg.Licenses.TypeVersions(r.Context(), p, code)
		if err != nil {
			return page, err
		}
		latest := versions[0]
		owner = latest.Org
		page.New, page.Code, page.Version = false, latest.Code, latest.Version
		page.Status, page.StatusLabel = string(latest.Status), label(b, labelLicTypeStatus, string(latest.Status))
		page.Reason = latest.ReturnReason
		page.Editable = license.MayEditTypes(p, latest.Org) && latest.Status != license.TypeSubmitted
		page.CanSubmit = license.MayEditTypes(p, latest.Org) && latest.Status == license.TypeDraft
		page.CanDecide = license.MayDecideTypes(p) && latest.Status == license.TypeSubmitted
		for _, t := range versions {
			page.Versions = append(page.Versions, licenseTypeVersion{Version: t.Version, Status: string(t.Status),
				StatusLabel: label(b, labelLicTypeStatus, string(t.Status)), Updated: civil(t.UpdatedAt),
				Decided: civilPtr(t.DecidedAt), Reason: t.ReturnReason})
		}
		if len(f.Values) == 0 {
			page.F.Values = typeValues(latest)
			fieldRows = len(latest.Fields) + 2
		}
		b.Title = b.T("license.work.type_form_title_of", typeName(b, latest))
		page.basePage = b
	} else if !license.MayEditTypes(p, p.OrgCode) {
		page.Editable = false
	}
	page.Done = licenseDoneMessage(b, r.URL.Query().Get("done"))
	fs := fields{b: b, f: page.F}
	// The organisation's published items to link, and any other codes typed in.
	var itemChoices []choice
	if s.cfg.Catalog != nil {
		list, err := s.cfg.Catalog.Manage(r.Context(), p, owner)
		if err != nil && !errs.Is(err, errs.Forbidden) {
			return page, err
		}
		for _, m := range list {
			if m.Latest.Kind == catalog.KindItem && m.Published > 0 {
				itemChoices = append(itemChoices, choice{Value: m.Latest.Code, Label: m.Latest.Name(string(b.Lang)) + " (" + m.Latest.Code + ")"})
			}
		}
	}
	var other []string
	for _, c := range page.F.Values["linked_items"] {
		if !slices.ContainsFunc(itemChoices, func(ch choice) bool { return ch.Value == c }) {
			other = append(other, c)
		}
	}
	if page.F.V("linked_other") == "" && len(other) > 0 {
		page.F.Values.Set("linked_other", strings.Join(other, "\n"))
		fs.f = page.F
	}
	num := func(name, labelKey string) fieldView {
		v := fs.field("number", name, labelKey, true)
		return v
	}
	names := func(prefix string, required bool) []fieldView {
		var out []fieldView
		for _, n := range []struct {
			name string
			l    i18n.Lang
		}{{"name_hans", i18n.ZhHans}, {"name_hant", i18n.ZhHant}, {"name_en", i18n.En}} {
			v := fs.text(prefix+n.name, "license.work.name", required, 100)
			v.Label = b.T("catalog.page.in_lang", b.T("license.work.name"), i18n.T(n.l, "lang.name"))
			v.Lang = string(n.l)
			out = append(out, v)
		}
		return out
	}
	page.Sections = []formSection{
		{ID: "codes", Title: b.T("license.work.section_codes"), Fields: append([]fieldView{
			fs.hint(fs.text("code", "license.work.type_code", true, 21), "license.work.type_code_hint")}, names("", true)...)},
		{ID: "authority", Title: b.T("license.work.section_authority"), Fields: []fieldView{
			fs.text("authority_name", "license.work.authority_name", true, 100),
			fs.hint(fs.text("authority_code", "license.work.authority_code", false, 18), "license.work.authority_code_hint"),
			fs.options("select", "authority_level", "license.work.authority_level", true, choices(b, labelLicLevel, licenceLevels())),
			fs.options("select", "issuer_level", "license.work.issuer_level", true, choices(b, labelLicLevel, licenceLevels())),
			fs.options("radio", "holder_category", "license.work.holder_category", true, choices(b, labelLicHolderCat, licenceHolderCats))}},
		{ID: "validity", Title: b.T("license.work.section_validity"), Fields: []fieldView{
			fs.hint(num("min_validity_months", "license.work.min_months"), "license.work.months_hint"),
			num("max_validity_months", "license.work.max_months")}},
		{ID: "items", Title: b.T("license.work.section_items"), Fields: []fieldView{
			fs.hint(fs.options("multiselect", "linked_items", "license.work.linked_items", false, itemChoices), "license.work.linked_items_hint"),
			fs.hint(fs.area("linked_other", "license.work.linked_other", false, 3), "license.work.linked_other_hint")}},
	}
	for i := range max(fieldRows, 1) {
		k := func(c string) string { return fmt.Sprintf("fields.%d.%s", i, c) }
		sec := formSection{ID: fmt.Sprintf("field-%d", i), Title: b.T("license.work.field_n", i+1), Fields: []fieldView{
			fs.hint(fs.text(k("key"), "license.work.field_key", false, 40), "license.work.field_key_hint")}}
		sec.Fields = append(sec.Fields, names(k(""), false)...)
		sec.Fields = append(sec.Fields,
			fs.options("select", k("kind"), "license.work.field_kind", false, choices(b, labelLicFieldKind, licenceFieldKinds)),
			fs.options("checkboxes", k("required"), "license.work.field_required", false, []choice{{Value: "1", Label: b.T("license.work.field_required_yes")}}),
			fs.hint(fs.text(k("max_len"), "license.work.field_max_len", false, 5), "license.work.field_max_len_hint"),
			fs.options("checkboxes", k("remove"), "license.work.field_remove", false, []choice{{Value: "1", Label: b.T("license.work.field_remove_yes")}}))
		page.Fields = append(page.Fields, sec)
	}
	return page, nil
}

// licenseDoneMessage is what a page says after an action.
func licenseDoneMessage(b basePage, done string) string {
	key, ok := map[string]string{"saved": "license.work.done_saved", "submitted": "license.work.done_submitted",
		"published": "license.work.done_published", "returned": "license.work.done_returned", "conflict": "license.work.done_conflict",
		"issued": "license.work.done_issued", "suspended": "license.work.done_suspended", "reinstated": "license.work.done_reinstated",
		"revoked": "license.work.done_revoked", "changed": "license.work.done_changed"}[done]
	if !ok {
		return ""
	}
	return b.T(key)
}

func (s *Site) licenseTypeNew(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireLicenseOfficial(p); err != nil {
		return err
	}
	if !license.MayEditTypes(p, p.OrgCode) {
		return errs.E(errs.Forbidden, "license.error.type_edit_forbidden")
	}
	f := form{Values: url.Values{"min_validity_months": {"0"}, "max_validity_months": {"0"}}, Errors: map[string]string{}}
	page, err := s.newLicenseTypeFormPage(w, r, "", f, 3)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "license_work/type_form", page)
}

func (s *Site) licenseTypeEdit(w http.ResponseWriter, r *http.Request) error {
	if err := requireLicenseOfficial(principal.From(r.Context())); err != nil {
		return err
	}
	page, err := s.newLicenseTypeFormPage(w, r, r.PathValue("code"), form{Errors: map[string]string{}}, 0)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "license_work/type_form", page)
}

func (s *Site) licenseTypeSave(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireLicenseOfficial(p); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	code := strings.ToUpper(strings.TrimSpace(r.PostFormValue("code")))
	// An existing type stays its organisation's (the digital office never edits another's).
	owner := p.OrgCode
	if versions, verr := s.cfg.Licenses.TypeVersions(r.Context(), p, code); verr == nil {
		owner = versions[0].Org
	} else {
		code = ""
	}
	t, rows, err := postedType(r, p, owner)
	status := http.StatusOK
	f := form{Values: r.PostForm, Errors: map[string]string{}}
	if r.PostFormValue("more") == "" {
		if err == nil {
			t, err = s.cfg.Licenses.SaveType(r.Context(), p, t)
		}
		if err == nil {
			seeOther(w, r, licenseTypePath(t.Code)+"?done=saved")
			return nil
		}
		var ok bool
		if status, ok = formStatus(err); !ok {
			return err
		}
		f.fail(i18n.Negotiate(r), err, nil)
		if f.Field != "" {
			to := typeFormField(f.Field, rows)
			delete(f.Errors, f.Field)
			f.Field, f.Errors[to] = to, f.Error
		}
	}
	n := 1
	if idx := rowsPosted(r, "fields", licenseFieldCols, maxLicenseFieldRows); len(idx) > 0 {
		n = idx[len(idx)-1] + 2
	}
	if r.PostFormValue("more") != "" {
		n += 2
	}
	page, perr := s.newLicenseTypeFormPage(w, r, code, f, min(n, maxLicenseFieldRows))
	if perr != nil {
		return perr
	}
	if code != "" {
		page.basePage.rebase(licenseTypePath(code))
	} else {
		page.basePage.rebase("/licenses/types/new")
	}
	return s.render(w, status, "license_work/type_form", page)
}

// licenseTypeStep serves a step of a type's review: submit, publish or return.
func (s *Site) licenseTypeStep(step string) httpserver.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p := principal.From(r.Context())
		if err := requireLicenseOfficial(p); err != nil {
			return err
		}
		if err := parseForm(r); err != nil {
			return err
		}
		code := r.PathValue("code")
		var err error
		done := map[string]string{"submit": "submitted", "publish": "published", "return": "returned"}[step]
		switch step {
		case "submit":
			_, err = s.cfg.Licenses.SubmitType(r.Context(), p, code)
		case "publish":
			_, err = s.cfg.Licenses.PublishType(r.Context(), p, code)
		default:
			_, err = s.cfg.Licenses.ReturnType(r.Context(), p, code, r.PostFormValue("reason"))
		}
		if err == nil {
			seeOther(w, r, licenseTypePath(code)+"?done="+done)
			return nil
		}
		status, ok := formStatus(err)
		if !ok {
			return err
		}
		if step == "submit" {
			seeOther(w, r, licenseTypePath(code)+"?done=conflict")
			return nil
		}
		page, perr := s.newLicenseTypeFormPage(w, r, code, form{Errors: map[string]string{}}, 0)
		if perr != nil {
			return perr
		}
		page.ReturnF = newForm(r, "reason")
		page.ReturnF.fail(i18n.Negotiate(r), err, map[string]string{"": "reason"})
		page.basePage.rebase(licenseTypePath(code))
		return s.render(w, status, "license_work/type_form", page)
	}
}

// ---- the licences of an organisation -------------------------------------------------------

type workLicenceRow struct {
	ID, Href, Number, Name, Holder, HolderCode, IssuedOn, ValidUntil, State, StateLabel string
}

type workLicencesPage struct {
	basePage
	Rows                        []workLicenceRow
	Type, Status, Holder        string
	Types, Statuses             []choice
	PrevHref, NextHref, NewHref string
}

// licenceToday is today's date in China by the platform's clock.
func (s *Site) licenceToday() string {
	return s.cfg.DB.Clock().Now().In(chinaTime).Format("2006-01-02")
}

func (s *Site) workLicences(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireLicenseOfficial(p); err != nil {
		return err
	}
	b := s.newBase(w, r, "license.work.licences_title")
	q := r.URL.Query()
	page := workLicencesPage{basePage: b, Type: q.Get("type"), Status: q.Get("status"), Holder: q.Get("holder")}
	n, _ := strconv.Atoi(q.Get("page"))
	n = max(n, 1)
	f := license.IssuedFilter{TypeCode: page.Type, Status: license.Status(page.Status), HolderCode: page.Holder,
		Limit: license.DefaultIssuedPage + 1, Offset: (n - 1) * license.DefaultIssuedPage}
	list, err := s.cfg.Licenses.Issued(r.Context(), p, f)
	if err != nil {
		return err
	}
	more := func(k int) string {
		v := url.Values{}
		for key, val := range map[string]string{"type": page.Type, "status": page.Status, "holder": page.Holder} {
			if val != "" {
				v.Set(key, val)
			}
		}
		v.Set("page", strconv.Itoa(k))
		return "/work/licenses?" + v.Encode()
	}
	if len(list) > license.DefaultIssuedPage {
		list = list[:license.DefaultIssuedPage]
		page.NextHref = more(n + 1)
	}
	if n > 1 {
		page.PrevHref = more(n - 1)
	}
	today := s.licenceToday()
	for _, l := range list {
		st := string(l.State(today))
		page.Rows = append(page.Rows, workLicenceRow{ID: l.ID, Href: workLicencePath(l.ID), Number: l.Number, Name: l.NameHans,
			Holder: l.HolderName, HolderCode: l.HolderCode, IssuedOn: l.IssuedOn, ValidUntil: l.ValidUntil, State: st,
			StateLabel: label(b, labelLicState, st)})
	}
	types, err := s.cfg.Licenses.PublishedTypes(r.Context())
	if err != nil {
		return err
	}
	page.Types = append(page.Types, choice{Value: "", Label: b.T("license.work.any_type")})
	for _, t := range types {
		page.Types = append(page.Types, choice{Value: t.Code, Label: typeName(b, t)})
	}
	page.Statuses = append(page.Statuses, choice{Value: "", Label: b.T("license.work.any_status")})
	for _, st := range license.Statuses {
		page.Statuses = append(page.Statuses, choice{Value: string(st), Label: label(b, labelLicStatus, string(st))})
	}
	if license.MayIssue(p, p.OrgCode) {
		page.NewHref = "/work/licenses/new"
	}
	return s.render(w, http.StatusOK, "license_work/licences", page)
}

// ---- issuing -------------------------------------------------------------------------------

type workIssuePage struct {
	basePage
	// Types to choose from when no type is chosen yet.
	Types    []choice
	Type     string
	TypeName string
	Range    string
	F        form
	Sections []formSection
}

// ID is the HTML id of field name's input.
func (p workIssuePage) ID(name string) string { return catalogFieldID(name) }

// validityRange describes a type's validity range.
func validityRange(b basePage, t license.Type) string {
	if t.MaxValidityMonths == 0 {
		return b.T("license.work.no_end")
	}
	return b.T("license.work.range", t.MinValidityMonths, t.MaxValidityMonths)
}

// facePrefix names the inputs of face-data fields: "face.<key>", as the service names them in
// its errors.
const facePrefix = "face."

// faceFields are the inputs of a type's face data: text, area or date.
func faceFields(b basePage, fs fields, t license.Type) []fieldView {
	var out []fieldView
	for _, f := range t.Fields {
		name := facePrefix + f.Key
		var v fieldView
		switch f.Kind {
		case license.FieldArea:
			v = fs.area(name, "", f.Required, 3)
		case license.FieldDate:
			v = fs.hint(fs.text(name, "", f.Required, 10), "license.work.date_hint")
		default:
			v = fs.text(name, "", f.Required, 0)
		}
		v.Label = fieldName(b, f)
		out = append(out, v)
	}
	return out
}

func (s *Site) newIssuePage(w http.ResponseWriter, r *http.Request, typeCode string, f form) (workIssuePage, error) {
	b := s.newBase(w, r, "license.work.issue_title")
	page := workIssuePage{basePage: b, F: f}
	if typeCode == "" {
		types, err := s.cfg.Licenses.PublishedTypes(r.Context())
		if err != nil {
			return page, err
		}
		for _, t := range types {
			page.Types = append(page.Types, choice{Value: t.Code, Label: typeName(b, t) + " (" + t.Code + ")"})
		}
		return page, nil
	}
	t, err := s.cfg.Licenses.Published(r.Context(), typeCode)
	if err != nil {
		return page, err
	}
	page.Type, page.TypeName, page.Range = t.Code, typeName(b, t), validityRange(b, t)
	fs := fields{b: b, f: page.F}
	var codeTypes []string
	if t.HolderCategory != license.HolderEnterprise {
		codeTypes = append(codeTypes, license.HolderCodeResidentID)
	}
	if t.HolderCategory != license.HolderPerson {
		codeTypes = append(codeTypes, license.HolderCodeCreditCode)
	}
	page.Sections = []formSection{
		{ID: "holder", Title: b.T("license.work.section_holder"), Fields: []fieldView{
			fs.text("holder_name", "license.work.holder_name", true, 200),
			fs.options("radio", "holder_code_type", "license.work.holder_code_type", true, choices(b, labelLicCodeType, codeTypes)),
			fs.text("holder_code", "license.work.holder_code", true, 18)}},
		{ID: "validity", Title: b.T("license.work.section_validity"), Fields: []fieldView{
			fs.hint(fs.text("valid_from", "license.work.valid_from", false, 10), "license.work.valid_from_hint"),
			fs.hint(fs.text("valid_until", "license.work.valid_until", false, 10), "license.work.valid_until_hint", page.Range),
			fs.hint(fs.text("number", "license.work.number", false, 40), "license.work.number_hint"),
			fs.hint(fs.text("jurisdiction", "license.work.jurisdiction", false, 6), "license.work.jurisdiction_hint")}},
		{ID: "face", Title: b.T("license.work.section_face"), Fields: faceFields(b, fs, t)},
	}
	return page, nil
}

func (s *Site) workLicenceNew(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireLicenseOfficial(p); err != nil {
		return err
	}
	if !license.MayIssue(p, p.OrgCode) {
		return errs.E(errs.Forbidden, "license.error.issue_forbidden")
	}
	page, err := s.newIssuePage(w, r, strings.TrimSpace(r.URL.Query().Get("type")), form{Values: url.Values{}, Errors: map[string]string{}})
	if errs.Is(err, errs.NotFound) {
		return errs.Field("type", "license.error.type_not_published")
	}
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "license_work/issue", page)
}

// postedFace reads the face data of a posted form (face.<key>).
func postedFace(r *http.Request) map[string]string {
	face := map[string]string{}
	for k, v := range r.PostForm {
		if key, ok := strings.CutPrefix(k, facePrefix); ok && len(v) > 0 {
			face[key] = v[0]
		}
	}
	return face
}

func (s *Site) workLicenceIssue(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireLicenseOfficial(p); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	v := r.PostFormValue
	req := license.IssueRequest{TypeCode: v("type_code"), HolderName: v("holder_name"), HolderCode: v("holder_code"),
		HolderCodeType: v("holder_code_type"), Jurisdiction: v("jurisdiction"), Number: v("number"), ValidFrom: v("valid_from"),
		ValidUntil: v("valid_until"), Face: postedFace(r)}
	l, err := s.cfg.Licenses.Issue(r.Context(), p, req)
	if err == nil {
		seeOther(w, r, workLicencePath(l.ID)+"?done=issued")
		return nil
	}
	status, ok := formStatus(err)
	if !ok {
		return err
	}
	f := form{Values: r.PostForm, Errors: map[string]string{}}
	f.fail(i18n.Negotiate(r), err, nil)
	page, perr := s.newIssuePage(w, r, strings.ToUpper(strings.TrimSpace(v("type_code"))), f)
	if errs.Is(perr, errs.NotFound) {
		page, perr = s.newIssuePage(w, r, "", f)
	}
	if perr != nil {
		return perr
	}
	page.basePage.rebase("/work/licenses/new")
	return s.render(w, status, "license_work/issue", page)
}

// ---- one licence ---------------------------------------------------------------------------

type factView struct{ Label, Value, ID string }

type historyView struct {
	At, Kind, KindLabel, Actor, Reason string
	LedgerIndex                        *int64
}

type useView struct{ At, Kind, By, Purpose string }

type workLicencePage struct {
	basePage
	L          license.Licence
	State      string
	StateLabel string
	StatusNote string
	Facts      []factView
	Face       []factView
	History    []historyView
	Uses       []useView
	Done       string
	// What the reader may do at the licence's state; the forms sent back with errors.
	CanSuspend, CanReinstate, CanRevoke, CanChange bool
	SuspendF, ReinstateF, RevokeF                  form
}

func (s *Site) newWorkLicencePage(w http.ResponseWriter, r *http.Request, id string) (workLicencePage, error) {
	p := principal.From(r.Context())
	b := s.newBase(w, r, "license.work.licence_title")
	page := workLicencePage{basePage: b, SuspendF: form{Errors: map[string]string{}}, ReinstateF: form{Errors: map[string]string{}},
		RevokeF: form{Errors: map[string]string{}}}
	l, err := s.cfg.Licenses.Get(r.Context(), p, id)
	if err != nil {
		return page, err
	}
	if l.IssuerOrg != p.OrgCode {
		// Get shows a licence to its holder too; these pages are the issuer's.
		return page, errs.E(errs.NotFound, "license.error.not_found")
	}
	page.L = l
	b.Title = b.T("license.work.licence_title_of", l.NameHans, l.Number)
	page.basePage = b
	st := l.State(s.licenceToday())
	page.State, page.StateLabel, page.StatusNote = string(st), label(b, labelLicState, string(st)), l.StatusReason
	page.Facts = []factView{
		{b.T("license.work.id"), l.ID, "fact-id"}, {b.T("license.work.number"), l.Number, "fact-number"},
		{b.T("license.work.type_code"), l.TypeCode, "fact-type"}, {b.T("license.work.issuer"), l.IssuerName, "fact-issuer"},
		{b.T("license.work.holder_name"), l.HolderName, "fact-holder"},
		{b.T("license.work.holder_code"), l.HolderCode + " (" + label(b, labelLicCodeType, l.HolderCodeType) + ")", "fact-holder-code"},
		{b.T("license.work.jurisdiction"), l.Jurisdiction, "fact-jurisdiction"}, {b.T("license.work.issued_on"), l.IssuedOn, "fact-issued"},
		{b.T("license.work.valid_from"), l.ValidFrom, "fact-from"}, {b.T("license.work.valid_until"), orDash(l.ValidUntil), "fact-until"},
		{b.T("license.work.key_id"), l.KeyID, "fact-key"},
	}
	if l.Supersedes != "" {
		page.Facts = append(page.Facts, factView{b.T("license.work.supersedes"), l.Supersedes, "fact-supersedes"})
	}
	names := map[string]string{}
	var order []string
	if t, err := s.cfg.Licenses.Published(r.Context(), l.TypeCode); err == nil {
		for _, f := range t.Fields {
			names[f.Key] = fieldName(b, f)
			order = append(order, f.Key)
		}
	}
	for k := range l.Face {
		if !slices.Contains(order, k) {
			order = append(order, k)
		}
	}
	slices.SortStableFunc(order[len(names):], strings.Compare)
	for _, k := range order {
		v, ok := l.Face[k]
		if !ok {
			continue
		}
		n := names[k]
		if n == "" {
			n = k
		}
		page.Face = append(page.Face, factView{n, v, "face-" + k})
	}
	hist, err := s.cfg.Licenses.History(r.Context(), p, id)
	if err != nil {
		return page, err
	}
	for _, h := range hist {
		page.History = append(page.History, historyView{At: civil(h.At), Kind: h.Kind, KindLabel: label(b, labelLicStep, h.Kind),
			Actor: loginOf(h.Actor), Reason: h.Reason, LedgerIndex: h.LedgerIndex})
	}
	uses, err := s.cfg.Licenses.IssuerUses(r.Context(), p, id)
	if err != nil {
		return page, err
	}
	for _, u := range uses {
		by := u.ByOrg
		if u.ByNode != "" {
			by = strings.TrimPrefix(u.ByNode+" "+u.ByOrg, " ")
		}
		page.Uses = append(page.Uses, useView{At: civil(u.At), Kind: u.Kind, By: by, Purpose: u.Purpose})
	}
	if license.MayIssue(p, l.IssuerOrg) {
		page.CanSuspend = st == license.StateValid
		page.CanChange = st == license.StateValid
		page.CanReinstate = l.Status == license.StatusSuspended
		page.CanRevoke = l.Status == license.StatusValid || l.Status == license.StatusSuspended
	}
	page.Done = licenseDoneMessage(b, r.URL.Query().Get("done"))
	return page, nil
}

// licenceActionView is a form of a status change on a licence's page.
type licenceActionView struct {
	Action, Title, Hint, Button string
	F                           form
	// Confirm asks to tick that the change is final (revocation).
	Confirm bool
}

// ActionForms are the status changes the reader may make, with any form sent back.
func (p workLicencePage) ActionForms() []licenceActionView {
	var out []licenceActionView
	add := func(ok bool, action, title, hint, button string, f form) {
		if ok {
			out = append(out, licenceActionView{Action: action, Title: p.T(title), Hint: p.T(hint), Button: p.T(button), F: f,
				Confirm: action == "revoke"})
		}
	}
	add(p.CanSuspend, "suspend", "license.work.suspend", "license.work.suspend_hint", "license.work.suspend_submit", p.SuspendF)
	add(p.CanReinstate, "reinstate", "license.work.reinstate", "license.work.reinstate_hint", "license.work.reinstate_submit", p.ReinstateF)
	add(p.CanRevoke, "revoke", "license.work.revoke", "license.work.revoke_hint", "license.work.revoke_submit", p.RevokeF)
	return out
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func (s *Site) workLicence(w http.ResponseWriter, r *http.Request) error {
	if err := requireLicenseOfficial(principal.From(r.Context())); err != nil {
		return err
	}
	page, err := s.newWorkLicencePage(w, r, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "license_work/licence", page)
}

// workLicenceStatus serves suspending, reinstating and revoking a licence; revoking asks for a
// confirmation that it is final.
func (s *Site) workLicenceStatus(action string) httpserver.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p := principal.From(r.Context())
		if err := requireLicenseOfficial(p); err != nil {
			return err
		}
		if err := parseForm(r); err != nil {
			return err
		}
		id, reason := r.PathValue("id"), r.PostFormValue("reason")
		var err error
		switch action {
		case "suspend":
			_, err = s.cfg.Licenses.Suspend(r.Context(), p, id, reason)
		case "reinstate":
			_, err = s.cfg.Licenses.Reinstate(r.Context(), p, id, reason)
		default:
			if r.PostFormValue("confirm") != "final" {
				// Checked before the service so that an unconfirmed revocation changes nothing, but
				// only for those who may see the licence: others get the service's answer.
				if _, gerr := s.cfg.Licenses.Get(r.Context(), p, id); gerr != nil {
					return gerr
				}
				if !license.MayIssue(p, p.OrgCode) {
					return errs.E(errs.Forbidden, "license.error.issue_forbidden")
				}
				err = errs.Field("confirm", "license.work.error.confirm_revoke")
			} else {
				_, err = s.cfg.Licenses.Revoke(r.Context(), p, id, reason)
			}
		}
		if err == nil {
			done := map[string]string{"suspend": "suspended", "reinstate": "reinstated", "revoke": "revoked"}[action]
			seeOther(w, r, workLicencePath(id)+"?done="+done)
			return nil
		}
		status, ok := formStatus(err)
		if !ok {
			return err
		}
		page, perr := s.newWorkLicencePage(w, r, id)
		if perr != nil {
			return perr
		}
		f := newForm(r, "reason", "confirm")
		f.fail(i18n.Negotiate(r), err, map[string]string{"": "reason"})
		switch action {
		case "suspend":
			page.SuspendF = f
		case "reinstate":
			page.ReinstateF = f
		default:
			page.RevokeF = f
		}
		page.basePage.rebase(workLicencePath(id))
		return s.render(w, status, "license_work/licence", page)
	}
}

// ---- changing a licence --------------------------------------------------------------------

type workChangePage struct {
	basePage
	L        license.Licence
	Range    string
	F        form
	Sections []formSection
}

// ID is the HTML id of field name's input.
func (p workChangePage) ID(name string) string { return catalogFieldID(name) }

func (s *Site) newChangePage(w http.ResponseWriter, r *http.Request, id string, f form) (workChangePage, error) {
	p := principal.From(r.Context())
	b := s.newBase(w, r, "license.work.change_title")
	page := workChangePage{basePage: b, F: f}
	l, err := s.cfg.Licenses.Get(r.Context(), p, id)
	if err != nil {
		return page, err
	}
	if l.IssuerOrg != p.OrgCode {
		return page, errs.E(errs.NotFound, "license.error.not_found")
	}
	if !license.MayIssue(p, l.IssuerOrg) {
		return page, errs.E(errs.Forbidden, "license.error.issue_forbidden")
	}
	t, err := s.cfg.Licenses.Published(r.Context(), l.TypeCode)
	if err != nil {
		return page, errs.E(errs.Conflict, "license.error.type_not_published")
	}
	page.L, page.Range = l, validityRange(b, t)
	b.Title = b.T("license.work.change_title_of", l.NameHans, l.Number)
	page.basePage = b
	if len(page.F.Values) == 0 {
		page.F.Values = url.Values{"holder_name": {l.HolderName}, "valid_until": {l.ValidUntil}}
		for k, v := range l.Face {
			page.F.Values.Set(facePrefix+k, v)
		}
	}
	fs := fields{b: b, f: page.F}
	page.Sections = []formSection{
		{ID: "holder", Title: b.T("license.work.section_holder"), Fields: []fieldView{
			fs.text("holder_name", "license.work.holder_name", true, 200),
			fs.hint(fs.text("valid_until", "license.work.valid_until", false, 10), "license.work.valid_until_hint", page.Range)}},
		{ID: "face", Title: b.T("license.work.section_face"), Fields: faceFields(b, fs, t)},
		{ID: "reason", Title: b.T("license.work.section_reason"), Fields: []fieldView{
			fs.area("reason", "license.work.change_reason", true, 3)}},
	}
	return page, nil
}

func (s *Site) workLicenceChangeForm(w http.ResponseWriter, r *http.Request) error {
	if err := requireLicenseOfficial(principal.From(r.Context())); err != nil {
		return err
	}
	page, err := s.newChangePage(w, r, r.PathValue("id"), form{Errors: map[string]string{}})
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "license_work/change", page)
}

func (s *Site) workLicenceChange(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireLicenseOfficial(p); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	id := r.PathValue("id")
	req := license.ChangeRequest{Face: postedFace(r), HolderName: r.PostFormValue("holder_name"),
		ValidUntil: r.PostFormValue("valid_until"), Reason: r.PostFormValue("reason")}
	l, err := s.cfg.Licenses.Change(r.Context(), p, id, req)
	if err == nil {
		seeOther(w, r, workLicencePath(l.ID)+"?done=changed")
		return nil
	}
	status, ok := formStatus(err)
	if !ok {
		return err
	}
	f := form{Values: r.PostForm, Errors: map[string]string{}}
	f.fail(i18n.Negotiate(r), err, nil)
	page, perr := s.newChangePage(w, r, id, f)
	if perr != nil {
		return perr
	}
	page.basePage.rebase(workLicencePath(id) + "/change")
	return s.render(w, status, "license_work/change", page)
}
