package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/catalog"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// The bundle form of the catalogue's upkeep: a bundle's names and guide, its items by their
// implementation codes, the licence it ends in and its own form fields.

type catalogBundleFormPage struct {
	basePage
	workflowPage
	F        form
	Sections []formSection
}

// ID is the HTML id of field name's input, for the error summary's links.
func (p catalogBundleFormPage) ID(name string) string { return catalogFieldID(name) }

// bundleValues writes a bundle as the form's values.
func bundleValues(bd catalog.Bundle) url.Values {
	v := url.Values{"code": {bd.Code}, "name_hans": {bd.NameHans}, "name_hant": {bd.NameHant}, "name_en": {bd.NameEn},
		"keywords": {strings.Join(bd.Keywords, "\n")}, "service_object": {bd.ServiceObject}, "items": {strings.Join(bd.Items, "\n")},
		"form_schema": {indentJSON(bd.FormSchema)}}
	for k, t := range map[string]catalog.Text{"guide": bd.Guide, "result_licence": bd.ResultLicence} {
		v.Set(k+".zh-Hans", t.Hans)
		v.Set(k+".zh-Hant", t.Hant)
		v.Set(k+".en", t.En)
	}
	v["life_events"], v["stages"] = bd.LifeEvents, bd.Stages
	return v
}

// postedBundle reads the bundle a posted form describes.
func postedBundle(r *http.Request, p principal.Principal) catalog.Bundle {
	v := r.PostFormValue
	return catalog.Bundle{Code: v("code"), Org: p.OrgCode, NameHans: v("name_hans"), NameHant: v("name_hant"), NameEn: v("name_en"),
		Keywords: splitList(v("keywords")), Guide: postedText(r, "guide"), ServiceObject: v("service_object"),
		LifeEvents: r.PostForm["life_events"], Stages: r.PostForm["stages"], Items: strings.Fields(strings.NewReplacer(",", " ", "，", " ").Replace(v("items"))),
		ResultLicence: postedText(r, "result_licence"), FormSchema: json.RawMessage(strings.TrimSpace(v("form_schema")))}
}

func (s *Site) newBundleFormPage(w http.ResponseWriter, r *http.Request, code string, f form) (catalogBundleFormPage, error) {
	p := principal.From(r.Context())
	b := s.newBase(w, r, "catalog.page.bundle_form_title")
	page := catalogBundleFormPage{basePage: b, F: f}
	var revs []catalog.Revision
	published := false
	if code != "" {
		var err error
		if revs, err = s.cfg.Catalog.Versions(r.Context(), p, catalog.KindBundle, code); err != nil {
			return page, err
		}
		bd, err := s.cfg.Catalog.BundleVersion(r.Context(), p, code, 0)
		if err != nil {
			return page, err
		}
		if len(f.Values) == 0 {
			page.F.Values = bundleValues(bd)
		}
		_, pubErr := s.cfg.Catalog.Bundle(r.Context(), code)
		published = pubErr == nil
		b.Title = b.T("catalog.page.bundle_form_title_of", bd.Name(string(b.Lang)))
		page.basePage = b
	}
	page.workflowPage = s.newWorkflow(b, catalog.KindBundle, code, revs, published)
	page.Done = doneMessage(b, r.URL.Query().Get("done"))
	fs := fields{b: b, f: page.F}
	schema := fs.hint(fs.area("form_schema", "catalog.page.bundle_schema", false, 10), "catalog.page.form_schema_hint")
	schema.Kind = "code"
	items := fs.hint(fs.area("items", "catalog.page.bundle_items", true, 6), "catalog.page.bundle_items_hint")
	items.Kind = "code"
	page.Sections = []formSection{
		{ID: "names", Title: b.T("catalog.page.section_names"), Fields: append([]fieldView{
			fs.hint(fs.text("code", "catalog.page.bundle_code", true, 36), "catalog.page.bundle_code_hint")}, append(fs.names(),
			fs.hint(fs.area("keywords", "catalog.page.keywords", false, 3), "catalog.page.keywords_hint"))...)},
		{ID: "guide", Title: b.T("catalog.page.guide"), Fields: fs.texts("guide", "catalog.page.guide", true, 5)},
		{ID: "service", Title: b.T("catalog.page.section_service"), Fields: []fieldView{
			fs.options("radio", "service_object", "catalog.page.object", true, choices(b, labelObject, catalog.Objects)),
			fs.hint(fs.options("checkboxes", "life_events", "catalog.page.life_events", false, choices(b, labelLife, catalog.LifeEvents)), "catalog.page.life_events_hint"),
			fs.hint(fs.options("checkboxes", "stages", "catalog.page.stages", false, choices(b, labelStage, catalog.Stages)), "catalog.page.stages_hint"),
			items}},
		{ID: "licence", Title: b.T("catalog.page.result_licence"), Fields: fs.texts("result_licence", "catalog.page.result_licence", false, 1)},
		{ID: "form", Title: b.T("catalog.page.section_form"), Fields: []fieldView{schema}},
	}
	return page, nil
}

func (s *Site) catalogBundleNew(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireCatalogOfficial(p); err != nil {
		return err
	}
	if !catalog.MayEdit(p, p.OrgCode) {
		return errs.E(errs.Forbidden, "catalog.error.edit_forbidden")
	}
	page, err := s.newBundleFormPage(w, r, "", form{Values: url.Values{}, Errors: map[string]string{}})
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "catalog/bundle_form", page)
}

func (s *Site) catalogBundleEdit(w http.ResponseWriter, r *http.Request) error {
	if err := requireCatalogOfficial(principal.From(r.Context())); err != nil {
		return err
	}
	page, err := s.newBundleFormPage(w, r, r.PathValue("code"), form{Errors: map[string]string{}})
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "catalog/bundle_form", page)
}

func (s *Site) catalogBundleSave(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireCatalogOfficial(p); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	bd, err := s.cfg.Catalog.SaveBundle(r.Context(), p, postedBundle(r, p))
	if err == nil {
		seeOther(w, r, manageBundlePath(bd.Code)+"?done=saved")
		return nil
	}
	status, ok := formStatus(err)
	if !ok {
		return err
	}
	f := form{Values: r.PostForm, Errors: map[string]string{}}
	f.fail(i18n.Negotiate(r), err, nil)
	if strings.HasPrefix(f.Field, "items.") {
		// An item of the list: the list is one field here.
		delete(f.Errors, f.Field)
		f.Field, f.Errors["items"] = "items", f.Error
	}
	code := strings.ToUpper(strings.TrimSpace(r.PostFormValue("code")))
	if _, verr := s.cfg.Catalog.BundleVersion(r.Context(), p, code, 0); verr != nil {
		code = ""
	}
	page, perr := s.newBundleFormPage(w, r, code, f)
	if perr != nil {
		return perr
	}
	if code != "" {
		page.basePage.rebase(manageBundlePath(code))
	} else {
		page.basePage.rebase("/catalog/manage/bundles/new")
	}
	return s.render(w, status, "catalog/bundle_form", page)
}
