package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/blob"
	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/formschema"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// Applying: the form of an item or a bundle rendered from its schema, with its materials, saved
// as a draft or submitted; drafts are resumed at /my/cases/{id}/edit (and, for a person at a
// window, /window/cases/{id}/edit). A submission shows its case number and query code once.

// caseFieldView is one field of an application form.
type caseFieldView struct {
	Name, ID, Label, Help, HelpID, Widget, InputType, InputMode string
	Value, Min, Max, Error, ErrorID, DescribedBy                string
	MaxLength                                                   int
	Required, Checked, Multiline                                bool
	Options                                                     []caseOptionView
}

type caseOptionView struct {
	Value, Label, ID string
	Selected         bool
}

// caseErrorLink is an entry of the error summary at the top of a form.
type caseErrorLink struct {
	Href, Message string
}

// caseFieldID is the HTML id of form field name.
func caseFieldID(name string) string { return "f-" + caseHTMLID(name) }

// formFields describes sch's fields for the page, with the values as typed (or stored) and the
// message beside each field at fault.
func (b casesBase) formFields(sch *formschema.Schema, values url.Values, errors map[string]string) []caseFieldView {
	var out []caseFieldView
	for _, f := range sch.Fields() {
		v := caseFieldView{Name: f.Name, ID: caseFieldID(f.Name), Label: f.Title.In(b.Lang), Help: f.Help.In(b.Lang),
			Widget: f.Widget, InputType: "text", Required: f.Required, MaxLength: f.MaxLength, Value: values.Get(f.Name),
			Error: errors[f.Name], Multiline: f.Widget == formschema.WidgetTextarea}
		var described []string
		if v.Help != "" {
			v.HelpID = v.ID + "-help"
			described = append(described, v.HelpID)
		}
		if v.Error != "" {
			v.ErrorID = v.ID + "-error"
			described = append(described, v.ErrorID)
		}
		v.DescribedBy = strings.Join(described, " ")
		switch {
		case f.Format == formschema.FormatDate || f.Widget == formschema.WidgetDate:
			v.InputType = "date"
		case f.Format == formschema.FormatEmail:
			v.InputType, v.InputMode = "email", "email"
		case f.Format == formschema.FormatMobile:
			v.InputType, v.InputMode = "tel", "tel"
		case f.Type == formschema.TypeInteger:
			v.InputMode = "numeric"
		case f.Type == formschema.TypeNumber:
			v.InputMode = "decimal"
		}
		if f.Minimum != nil {
			v.Min = formatNumber(*f.Minimum)
		}
		if f.Maximum != nil {
			v.Max = formatNumber(*f.Maximum)
		}
		if f.Type == formschema.TypeBoolean {
			v.Checked = slices.Contains([]string{"on", "true", "1", "yes"}, values.Get(f.Name))
		}
		for i, o := range f.Enum {
			v.Options = append(v.Options, caseOptionView{Value: o.Value, Label: o.Label.In(b.Lang),
				ID: v.ID + "-" + strconv.Itoa(i), Selected: slices.Contains(values[f.Name], o.Value)})
		}
		out = append(out, v)
	}
	return out
}

// caseStoredValues writes a case's stored form values as the strings its form fields hold.
func caseStoredValues(form map[string]any) url.Values {
	v := url.Values{}
	for k, x := range form {
		if s := caseValueStrings(x); len(s) > 0 {
			v[k] = s
		}
	}
	return v
}

// ---- the page --------------------------------------------------------------------------------

// caseApplyPage is an application form: a new one (Draft false) or a draft's.
type caseApplyPage struct {
	casesBase
	// Action is where the form posts; RemoveBase + code + "/remove" removes a draft's material.
	Action, RemoveBase string
	Kind, Code         string
	Name, OrgName      string
	PromisedDays       int
	LegalDays          int
	Fees               []caseFeeView
	FeeTotal           string
	// Items are a bundle's items, with the organisation that handles each.
	Items         []caseApplyItem
	ResultLicence string
	Fields        []caseFieldView
	Materials     []caseMaterialView
	Summary       []caseErrorLink
	// Error is a refusal about the application as a whole.
	Error string
	// FilesAgain: the form came back without the files that were chosen.
	FilesAgain bool
	Draft      bool
	DraftID    string
	Done       string
	// Person is whom a window officer applies for (masked name).
	Person string
	// Licences: some materials come from the applicant's electronic licences, fetched only
	// with LicenceConsent (the box is ticked); Enterprise: the applicant is an enterprise.
	Licences, LicenceConsent, Enterprise bool
}

// caseConsentField is the form field of the consent to fetch the applicant's licences.
const caseConsentField = "licence_consent"

// caseConsent reads the consent box of a posted form.
func caseConsent(r *http.Request) bool { return r.PostFormValue(caseConsentField) == "on" }

// nameLicences names the licence types of page's materials as published, in the page's
// language (the material's own name when the licence service does not know the type).
func (s *Site) nameLicences(r *http.Request, page *caseApplyPage) {
	names := map[string]string{}
	for i := range page.Materials {
		m := &page.Materials[i]
		if !m.FromLicence {
			continue
		}
		page.Licences = true
		m.LicenceName = m.Name
		if m.LicenceType == "" || s.cfg.Licenses == nil {
			continue
		}
		name, ok := names[m.LicenceType]
		if !ok {
			if t, err := s.cfg.Licenses.Published(r.Context(), m.LicenceType); err == nil {
				name = page.name(t.NameHans, t.NameHant, t.NameEn)
			}
			names[m.LicenceType] = name
		}
		if name != "" {
			m.LicenceName = name
		}
	}
}

type caseApplyItem struct {
	Name, OrgName string
	PromisedDays  int
}

// applySpec is what an application is for: an item or a bundle, with its form and materials.
type applySpec struct {
	kind, code string
	item       *cases.ItemSpec
	bundle     *cases.BundleSpec
}

func (a applySpec) schema() []byte {
	if a.bundle != nil {
		return a.bundle.FormSchema
	}
	return a.item.FormSchema
}

func (a applySpec) materials() []cases.MaterialSpec {
	if a.bundle != nil {
		return a.bundle.Materials
	}
	return a.item.Materials
}

func (a applySpec) application(ch cases.Channel) cases.Application {
	if a.bundle != nil {
		return cases.Application{BundleCode: a.code, Channel: ch}
	}
	return cases.Application{ItemCode: a.code, Channel: ch}
}

// specOf reads the published item or bundle an /apply path names.
func (s *Site) specOf(r *http.Request) (applySpec, error) {
	sp := applySpec{code: r.PathValue("code")}
	if strings.HasPrefix(r.URL.Path, "/apply/bundle/") {
		sp.kind = "bundle"
		b, err := s.cfg.Cases.Bundle(r.Context(), sp.code)
		if err != nil {
			return sp, err
		}
		sp.bundle = &b
		return sp, nil
	}
	sp.kind = "item"
	it, err := s.cfg.Cases.Item(r.Context(), sp.code)
	if err != nil {
		return sp, err
	}
	sp.item = &it
	return sp, nil
}

// specFromCase is what a draft applies for.
func specFromCase(c cases.Case) applySpec {
	if c.Bundle != nil {
		return applySpec{kind: "bundle", code: c.BundleCode, bundle: c.Bundle}
	}
	sp := applySpec{kind: "item", code: c.ItemCode, item: c.Item}
	if sp.item == nil {
		sp.item = &cases.ItemSpec{Code: c.ItemCode, NameHans: c.NameHans, NameHant: c.NameHant, NameEn: c.NameEn}
	}
	return sp
}

// newApplyPage describes spec's form with values and errors (by field, materials included).
func (s *Site) newApplyPage(w http.ResponseWriter, r *http.Request, sp applySpec, values url.Values, errors map[string]string) (caseApplyPage, error) {
	b := s.newCasesBase(w, r, "cases.apply.title")
	name, err := s.orgs.namer(r, b.Lang)
	if err != nil {
		return caseApplyPage{}, err
	}
	page := caseApplyPage{casesBase: b, Kind: sp.kind, Code: sp.code, Action: r.URL.Path}
	if sp.bundle != nil {
		bd := sp.bundle
		page.Name, page.ResultLicence = b.name(bd.NameHans, bd.NameHant, bd.NameEn), bd.ResultLicence
		for _, it := range bd.Items {
			page.Items = append(page.Items, caseApplyItem{Name: b.name(it.NameHans, it.NameHant, it.NameEn), OrgName: name(it.Org),
				PromisedDays: casePromised(it)})
		}
	} else {
		it := sp.item
		page.Name, page.PromisedDays, page.LegalDays = b.name(it.NameHans, it.NameHant, it.NameEn), casePromised(*it), it.LegalDays
		if it.Org != "" {
			page.OrgName = name(it.Org)
		}
		page.Fees, page.FeeTotal = caseFeeList(it.Fees)
	}
	page.Title = b.T("cases.apply.title_of", page.Name)
	sch, err := s.cfg.Cases.Form(sp.schema())
	if err != nil {
		return caseApplyPage{}, err
	}
	page.Fields = b.formFields(sch, values, errors)
	page.Materials = b.specMaterials(sp.materials())
	page.LicenceConsent = values.Get(caseConsentField) == "on"
	page.Enterprise = principal.From(r.Context()).Kind == principal.Agent
	s.nameLicences(r, &page)
	page.fail(errors)
	return page, nil
}

// casePromised is an item's time limit in working days: the promised one, else the legal one.
func casePromised(it cases.ItemSpec) int {
	if it.PromisedDays > 0 {
		return it.PromisedDays
	}
	return it.LegalDays
}

// fail puts errors beside the fields and materials they are about, lists them in the summary in
// the form's order, and shows any other at the top.
func (p *caseApplyPage) fail(errors map[string]string) {
	p.Summary = nil
	seen := map[string]bool{}
	for _, f := range p.Fields {
		if f.Error != "" {
			p.Summary = append(p.Summary, caseErrorLink{Href: "#" + f.ID, Message: f.Label + p.T("cases.page.label_sep") + f.Error})
			seen[f.Name] = true
		}
	}
	for i := range p.Materials {
		m := &p.Materials[i]
		if msg, ok := errors[m.Field]; ok {
			m.Error = msg
			p.Summary = append(p.Summary, caseErrorLink{Href: "#" + m.ID, Message: m.Name + p.T("cases.page.label_sep") + msg})
			seen[m.Field] = true
		}
	}
	for field, msg := range errors {
		if !seen[field] && p.Error == "" {
			p.Error = msg
		}
	}
}

// ---- uploads -----------------------------------------------------------------------------------

// casePostedUploads reads the file chosen for each material the applicant uploads (form field
// cases.MaterialField(code)), each within its material's size limit: the uploads, and the
// messages of files refused before the case service sees them.
func casePostedUploads(r *http.Request, lang i18n.Lang, specs []cases.MaterialSpec) ([]cases.Upload, map[string]string, bool) {
	var out []cases.Upload
	errors := map[string]string{}
	tooLarge := false
	for _, m := range specs {
		if m.Source == cases.SourceSharedData {
			continue
		}
		limit := int64(blob.MaxSize)
		if m.MaxBytes > 0 && m.MaxBytes < limit {
			limit = m.MaxBytes
		}
		field := cases.MaterialField(m.Code)
		data, name, ok, err := readUpload(r, field, limit, "cases.error.material_too_large", caseByteSize(limit))
		switch {
		case err != nil:
			errors[field] = i18n.T(lang, errs.Public(err).Message, errs.Public(err).Args...)
			tooLarge = tooLarge || errs.KindOf(err) == errs.TooLarge
		case ok:
			out = append(out, cases.Upload{Code: m.Code, FileName: name, Data: data})
		}
	}
	return out, errors, tooLarge
}

// caseFieldMessages translates field errors into messages by field.
func caseFieldMessages(lang i18n.Lang, fe *formschema.Errors, into map[string]string) map[string]string {
	if into == nil {
		into = map[string]string{}
	}
	if fe == nil {
		return into
	}
	for _, f := range fe.Fields {
		if _, dup := into[f.Field]; !dup {
			into[f.Field] = i18n.T(lang, f.Key, f.Args...)
		}
	}
	return into
}

// caseDraftErrors keeps what is wrong with a draft's values: a required field not filled in yet is
// not wrong in a draft.
func caseDraftErrors(fe *formschema.Errors, values map[string]any) *formschema.Errors {
	if fe == nil {
		return nil
	}
	var kept []formschema.FieldError
	for _, f := range fe.Fields {
		if _, given := values[f.Field]; f.Key == "formschema.required" && !given {
			continue
		}
		kept = append(kept, f)
	}
	if len(kept) == 0 {
		return nil
	}
	return &formschema.Errors{Fields: kept}
}

// caseDraftValues are the values a draft keeps: an unticked box is not answered yet (FromForm
// reads it as false, which a required consent box refuses).
func caseDraftValues(sch *formschema.Schema, values map[string]any) map[string]any {
	for _, f := range sch.Fields() {
		if v, ok := values[f.Name]; ok && f.Type == formschema.TypeBoolean && v == false {
			delete(values, f.Name)
		}
	}
	return values
}

// caseFormStatus is the status of a form sent back: 413 when a file was too large.
func caseFormStatus(tooLarge bool, err error) int {
	if tooLarge || errs.KindOf(err) == errs.TooLarge {
		return http.StatusRequestEntityTooLarge
	}
	if err != nil && errs.KindOf(err) != errs.Invalid {
		if st, ok := formStatus(err, errs.Forbidden); ok {
			return st
		}
	}
	return http.StatusBadRequest
}

// caseChannel is how a person's application arrives: from a kiosk or online.
func (s *Site) caseChannel(r *http.Request) cases.Channel {
	if s.isKiosk(r) {
		return cases.ChannelKiosk
	}
	return cases.ChannelOnline
}

// ---- a new application -------------------------------------------------------------------------

func (s *Site) applyForm(w http.ResponseWriter, r *http.Request) error {
	if err := requireApplicantKind(principal.From(r.Context())); err != nil {
		return err
	}
	sp, err := s.specOf(r)
	if err != nil {
		return err
	}
	page, err := s.newApplyPage(w, r, sp, url.Values{}, nil)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "cases/apply", page)
}

func (s *Site) applyPost(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireApplicantKind(p); err != nil {
		return err
	}
	sp, err := s.specOf(r)
	if err != nil {
		return err
	}
	if err := parseUpload(r); err != nil {
		return err
	}
	sch, err := s.cfg.Cases.Form(sp.schema())
	if err != nil {
		return err
	}
	lang := i18n.Negotiate(r)
	values, fe := sch.FromForm(r.PostForm)
	uploads, upErrs, tooLarge := casePostedUploads(r, lang, sp.materials())
	sendBack := func(status int, errors map[string]string, filesAgain bool) error {
		page, err := s.newApplyPage(w, r, sp, r.PostForm, errors)
		if err != nil {
			return err
		}
		page.FilesAgain = filesAgain
		return s.render(w, status, "cases/apply", page)
	}
	a := sp.application(s.caseChannel(r))
	a.Form, a.LicenceConsent = values, caseConsent(r)
	if r.PostFormValue("action") == "draft" {
		a.Form = caseDraftValues(sch, values)
		errors := caseFieldMessages(lang, caseDraftErrors(fe, a.Form), upErrs)
		if len(errors) > 0 {
			return sendBack(caseFormStatus(tooLarge, nil), errors, len(uploads) > 0)
		}
		c, err := s.cfg.Cases.Start(r.Context(), p, a)
		if err != nil {
			if _, ok := formStatus(err, errs.Forbidden); !ok {
				return err
			}
			return sendBack(caseFormStatus(false, err), caseErrorFields(lang, err), len(uploads) > 0)
		}
		return s.afterDraftSaved(w, r, c, uploads, caseEditMy)
	}
	if fe != nil || len(upErrs) > 0 {
		errors := caseFieldMessages(lang, fe, upErrs)
		for _, m := range sp.materials() {
			uploaded := slices.ContainsFunc(uploads, func(u cases.Upload) bool { return u.Code == m.Code })
			if _, ok := errors[cases.MaterialField(m.Code)]; ok || !m.Required || uploaded {
				continue
			}
			switch {
			case m.Source == cases.SourceApplicant || m.Source == "":
				errors[cases.MaterialField(m.Code)] = i18n.T(lang, "cases.error.material_missing", m.NameHans)
			case m.Source == cases.SourceLicence && !a.LicenceConsent:
				errors[cases.MaterialField(m.Code)] = i18n.T(lang, "cases.error.licence_consent_or_upload", m.NameHans)
			}
		}
		return sendBack(caseFormStatus(tooLarge, nil), errors, len(uploads) > 0)
	}
	a.Materials = uploads
	sub, err := s.cfg.Cases.Apply(r.Context(), p, a)
	if err != nil {
		if _, ok := formStatus(err, errs.Forbidden, errs.TooLarge); !ok {
			return err
		}
		return sendBack(caseFormStatus(false, err), caseErrorFields(lang, err), len(uploads) > 0)
	}
	return s.renderSubmitted(w, r, sub, false)
}

// ---- drafts ------------------------------------------------------------------------------------

// caseEditMode is who edits a draft: its applicant (/my/cases) or the window that collects it
// for a person (/window/cases).
type caseEditMode struct {
	base   string
	window bool
}

var (
	caseEditMy     = caseEditMode{base: "/my/cases/"}
	caseEditWindow = caseEditMode{base: "/window/cases/", window: true}
)

func (m caseEditMode) edit(id string) string { return m.base + url.PathEscape(id) + "/edit" }

// afterDraftSaved attaches the files posted with a draft and goes back to it, or shows it with
// the files it refused.
func (s *Site) afterDraftSaved(w http.ResponseWriter, r *http.Request, c cases.Case, uploads []cases.Upload, mode caseEditMode) error {
	p := principal.From(r.Context())
	lang := i18n.Negotiate(r)
	errors := map[string]string{}
	tooLarge := false
	for _, u := range uploads {
		if _, err := s.cfg.Cases.AttachMaterial(r.Context(), p, c.ID, u.Code, u.FileName, u.Data); err != nil {
			if _, ok := formStatus(err, errs.TooLarge); !ok {
				return err
			}
			tooLarge = tooLarge || errs.KindOf(err) == errs.TooLarge
			for k, v := range caseErrorFields(lang, err) {
				if k == "" {
					k = cases.MaterialField(u.Code)
				}
				errors[k] = v
			}
		}
	}
	if len(errors) > 0 {
		fresh, err := s.cfg.Cases.Get(r.Context(), p, c.ID)
		if err != nil {
			return err
		}
		return s.renderDraft(w, r, fresh, mode, caseStoredValues(fresh.Form), errors, caseFormStatus(tooLarge, nil))
	}
	seeOther(w, r, mode.edit(c.ID)+"?done=saved")
	return nil
}

// renderDraft shows draft c's form with values and errors.
func (s *Site) renderDraft(w http.ResponseWriter, r *http.Request, c cases.Case, mode caseEditMode, values url.Values, errors map[string]string, status int) error {
	sp := specFromCase(c)
	page, err := s.newApplyPage(w, r, sp, values, errors)
	if err != nil {
		return err
	}
	page.Draft, page.DraftID = true, c.ID
	page.Action, page.RemoveBase = mode.edit(c.ID), mode.base+url.PathEscape(c.ID)+"/materials/"
	page.basePage.rebase(mode.edit(c.ID))
	page.Materials = page.caseMaterials(c)
	page.Enterprise = c.Applicant.Kind == cases.ApplicantEnterprise
	page.LicenceConsent = c.LicenceConsent
	if r.Method == http.MethodPost {
		page.LicenceConsent = caseConsent(r)
	}
	s.nameLicences(r, &page)
	page.fail(errors)
	if mode.window {
		page.Person = cases.MaskedName(c.Applicant.Name)
	}
	switch r.URL.Query().Get("done") {
	case "saved":
		page.Done = page.T("cases.apply.done_saved")
	case "removed":
		page.Done = page.T("cases.apply.done_removed")
	}
	return s.render(w, status, "cases/apply", page)
}

// draftOf reads the draft of the request's path for p: its applicant, or the window that
// collects it. Anything but a draft goes to the case's page (ok false).
func (s *Site) draftOf(w http.ResponseWriter, r *http.Request, mode caseEditMode) (cases.Case, bool, error) {
	p := principal.From(r.Context())
	c, err := s.cfg.Cases.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return c, false, err
	}
	mine := cases.IsApplicant(p, c)
	if mode.window {
		mine = c.Channel == cases.ChannelWindow && p.IsOfficial(c.ReceivingOrg) && p.HasRole(principal.RoleWindowOfficer)
	}
	if !mine {
		return c, false, errs.E(errs.NotFound, "cases.error.not_found")
	}
	if c.Status != cases.StatusDraft {
		target := casePath(c.ID)
		if mode.window {
			target = workCasePath(c.ID)
		}
		seeOther(w, r, target)
		return c, false, nil
	}
	return c, true, nil
}

func (s *Site) draftForm(w http.ResponseWriter, r *http.Request) error {
	if err := requireApplicantKind(principal.From(r.Context())); err != nil {
		return err
	}
	return s.editDraftForm(w, r, caseEditMy)
}

func (s *Site) editDraftForm(w http.ResponseWriter, r *http.Request, mode caseEditMode) error {
	c, ok, err := s.draftOf(w, r, mode)
	if err != nil || !ok {
		return err
	}
	return s.renderDraft(w, r, c, mode, caseStoredValues(c.Form), nil, http.StatusOK)
}

func (s *Site) draftPost(w http.ResponseWriter, r *http.Request) error {
	if err := requireApplicantKind(principal.From(r.Context())); err != nil {
		return err
	}
	return s.editDraftPost(w, r, caseEditMy)
}

// editDraftPost saves a draft's values and files, and submits it when asked.
func (s *Site) editDraftPost(w http.ResponseWriter, r *http.Request, mode caseEditMode) error {
	p := principal.From(r.Context())
	c, ok, err := s.draftOf(w, r, mode)
	if err != nil || !ok {
		return err
	}
	if err := parseUpload(r); err != nil {
		return err
	}
	sp := specFromCase(c)
	sch, err := s.cfg.Cases.Form(sp.schema())
	if err != nil {
		return err
	}
	lang := i18n.Negotiate(r)
	values, fe := sch.FromForm(r.PostForm)
	values = caseDraftValues(sch, values)
	uploads, upErrs, tooLarge := casePostedUploads(r, lang, sp.materials())
	if errors := caseFieldMessages(lang, caseDraftErrors(fe, values), upErrs); len(errors) > 0 {
		return s.renderDraft(w, r, c, mode, r.PostForm, errors, caseFormStatus(tooLarge, nil))
	}
	if c, err = s.cfg.Cases.SaveDraft(r.Context(), p, c.ID, values); err != nil {
		if _, ok := formStatus(err); !ok {
			return err
		}
		return s.renderDraft(w, r, c, mode, r.PostForm, caseErrorFields(lang, err), caseFormStatus(false, err))
	}
	if consent := caseConsent(r); consent != c.LicenceConsent {
		if c, err = s.cfg.Cases.SetLicenceConsent(r.Context(), p, c.ID, consent); err != nil {
			return err
		}
	}
	if r.PostFormValue("action") != "submit" {
		return s.afterDraftSaved(w, r, c, uploads, mode)
	}
	errors := map[string]string{}
	for _, u := range uploads {
		if _, err := s.cfg.Cases.AttachMaterial(r.Context(), p, c.ID, u.Code, u.FileName, u.Data); err != nil {
			if _, ok := formStatus(err, errs.TooLarge); !ok {
				return err
			}
			tooLarge = tooLarge || errs.KindOf(err) == errs.TooLarge
			for k, v := range caseErrorFields(lang, err) {
				errors[k] = v
			}
		}
	}
	var sub cases.Submission
	if len(errors) == 0 {
		sub, err = s.cfg.Cases.Submit(r.Context(), p, c.ID)
		if err == nil {
			return s.renderSubmitted(w, r, sub, mode.window)
		}
		if _, ok := formStatus(err, errs.Forbidden); !ok {
			return err
		}
		errors = caseErrorFields(lang, err)
	}
	fresh, gerr := s.cfg.Cases.Get(r.Context(), p, c.ID)
	if gerr != nil {
		return gerr
	}
	return s.renderDraft(w, r, fresh, mode, caseStoredValues(fresh.Form), errors, caseFormStatus(tooLarge, err))
}

// materialRemove removes a file from the applicant's draft.
func (s *Site) materialRemove(w http.ResponseWriter, r *http.Request) error {
	if err := requireApplicantKind(principal.From(r.Context())); err != nil {
		return err
	}
	return s.removeDraftMaterial(w, r, caseEditMy)
}

func (s *Site) removeDraftMaterial(w http.ResponseWriter, r *http.Request, mode caseEditMode) error {
	c, ok, err := s.draftOf(w, r, mode)
	if err != nil || !ok {
		return err
	}
	err = s.cfg.Cases.RemoveMaterial(r.Context(), principal.From(r.Context()), c.ID, r.PathValue("code"))
	if err != nil {
		if _, ok := formStatus(err); !ok {
			return err
		}
		return s.renderDraft(w, r, c, mode, caseStoredValues(c.Form), caseErrorFields(i18n.Negotiate(r), err), caseFormStatus(false, err))
	}
	seeOther(w, r, mode.edit(c.ID)+"?done=removed")
	return nil
}

// ---- the confirmation ----------------------------------------------------------------------------

// caseSubmittedPage confirms a submission: its number, its query code (shown this once) and the
// promised time limit; at a window it is the receipt the person takes home.
type caseSubmittedPage struct {
	casesBase
	CaseHref, Number, QueryCode, Name, OrgName, Submitted, Person, ReceivingName string
	LimitDays                                                                    int
	DueDate                                                                      string
	Children                                                                     []caseRow
	Materials                                                                    []caseMaterialView
	Window, Receipt                                                              bool
}

func (s *Site) renderSubmitted(w http.ResponseWriter, r *http.Request, sub cases.Submission, window bool) error {
	p := principal.From(r.Context())
	c := sub.Case
	if c.IsBundle() {
		// The bundle's cases, with their numbers, were made in the submission.
		fresh, err := s.cfg.Cases.Get(r.Context(), p, c.ID)
		if err != nil {
			return err
		}
		c = fresh
	}
	page, err := s.newSubmittedPage(w, r, c, window)
	if err != nil {
		return err
	}
	page.QueryCode = sub.QueryCode
	page.basePage.rebase(page.CaseHref)
	return s.render(w, http.StatusOK, "cases/submitted", page)
}

func (s *Site) newSubmittedPage(w http.ResponseWriter, r *http.Request, c cases.Case, window bool) (caseSubmittedPage, error) {
	b := s.newCasesBase(w, r, "cases.submitted.title")
	if window {
		b = s.newCasesBase(w, r, "cases.receipt.title")
	}
	name, err := s.orgs.namer(r, b.Lang)
	if err != nil {
		return caseSubmittedPage{}, err
	}
	page := caseSubmittedPage{casesBase: b, CaseHref: casePath(c.ID), Number: c.Number, Name: b.name(c.NameHans, c.NameHant, c.NameEn),
		LimitDays: c.Clock.LimitDays, Window: window}
	if window {
		page.CaseHref = workCasePath(c.ID)
		page.Person = cases.MaskedName(c.Applicant.Name)
	}
	if c.HandlingOrg != "" {
		page.OrgName = name(c.HandlingOrg)
	}
	if c.ReceivingOrg != "" {
		page.ReceivingName = name(c.ReceivingOrg)
	}
	if c.SubmittedAt != nil {
		page.Submitted = civil(*c.SubmittedAt)
	}
	if c.Clock.DueDate != nil {
		page.DueDate = c.Clock.DueDate.In(chinaTime).Format("2006-01-02")
	}
	for _, ch := range c.Children {
		href := casePath(ch.ID)
		if window {
			href = workCasePath(ch.ID)
		}
		page.Children = append(page.Children, b.caseRow(name, ch, href))
	}
	for _, m := range b.caseMaterials(c) {
		if m.Status == string(cases.MaterialProvided) || m.Status == string(cases.MaterialToFetch) {
			page.Materials = append(page.Materials, m)
		}
	}
	return page, nil
}
