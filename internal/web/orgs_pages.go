package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// The administration of organisations (/admin/orgs): the digital office's administrators add
// an organisation (a new district), rename one, move it under another parent and record the
// other names documents call it by. The org package decides who may and what is valid; these
// pages refuse early whoever has no business here and put its answers beside the fields.

func (s *Site) installOrgs(srv *httpserver.Server) {
	srv.Handle("GET /admin/orgs", s.orgsAdmin)
	srv.Handle("POST /admin/orgs", s.orgCreate)
	srv.Handle("GET /admin/orgs/{code}", s.orgEditForm)
	srv.Handle("POST /admin/orgs/{code}", s.orgEdit)
}

// orgKinds are the kinds an organisation may have, in the order the form offers them.
var orgKinds = []org.Kind{org.Government, org.Department, org.City, org.Zone, org.Enterprise, org.Party,
	org.Legislature, org.Judiciary, org.Other}

// orgFields are the form's fields, named as org.Save names them in its field errors.
var orgFields = []string{"code", "kind", "name_hans", "name_hant", "name_en", "region_code", "parent_code", "aliases"}

// mayAdministerOrgs reports whether p administers organisations: an administrator of the
// digital office, as org.Save requires.
func mayAdministerOrgs(p principal.Principal) bool {
	return p.AccountID != 0 && p.Kind == principal.Official && p.IsOfficial(org.DigitalOffice) && p.HasRole(principal.RoleAdministrator)
}

func requireOrgsAdministrator(p principal.Principal) error {
	if err := requireSignedIn(p); err != nil {
		return err
	}
	if !mayAdministerOrgs(p) {
		return errs.E(errs.Forbidden, "orgs_admin.forbidden")
	}
	return nil
}

// orgsNav offers the administration of organisations to those who may use it.
func orgsNav(p principal.Principal) []struct{ href, key string } {
	if !mayAdministerOrgs(p) {
		return nil
	}
	return []struct{ href, key string }{{"/admin/orgs", "nav.orgs_admin"}}
}

type orgsAdminPage struct {
	basePage
	// Code is the organisation being edited; empty on the list with the form for a new one.
	Code    string
	Orgs    []orgAdminRow
	Kinds   []choice
	Parents []choice
	F       form
	Saved   string
}

type orgAdminRow struct {
	Code, Kind, Name, NameHans, NameHant, NameEn, Region, Parent string
}

// newOrgsAdminPage builds the page for the organisation code ("" for the list), with f as the
// form filled in.
func (s *Site) newOrgsAdminPage(w http.ResponseWriter, r *http.Request, code string, f form) (orgsAdminPage, error) {
	b := s.newBase(w, r, "orgs_admin.title")
	p := orgsAdminPage{basePage: b, Code: code, F: f}
	list, err := org.List(r.Context(), s.cfg.DB)
	if err != nil {
		return p, err
	}
	names := make(map[string]string, len(list))
	for _, o := range list {
		names[o.Code] = o.Name(string(b.Lang))
	}
	if code != "" {
		b.Title = b.T("orgs_admin.edit_title", names[code])
		p.basePage = b
	}
	for _, k := range orgKinds {
		p.Kinds = append(p.Kinds, choice{Value: string(k), Label: b.T("org.kind." + string(k))})
	}
	for _, o := range list {
		if o.Code != code {
			p.Parents = append(p.Parents, choice{Value: o.Code, Label: o.Name(string(b.Lang))})
		}
		if code != "" {
			continue
		}
		row := orgAdminRow{Code: o.Code, Kind: b.T("org.kind." + string(o.Kind)), Name: o.Name(string(b.Lang)),
			NameHans: o.NameHans, NameHant: o.NameHant, NameEn: o.NameEn, Region: o.RegionCode}
		if n, ok := idcode.RegionName(o.RegionCode, string(b.Lang)); ok {
			row.Region = n + " (" + o.RegionCode + ")"
		}
		if o.ParentCode != nil {
			row.Parent = names[*o.ParentCode]
			if row.Parent == "" {
				row.Parent = *o.ParentCode
			}
		}
		p.Orgs = append(p.Orgs, row)
	}
	if saved := r.URL.Query().Get("saved"); saved != "" {
		if n, ok := names[saved]; ok {
			p.Saved = b.T("orgs_admin.saved", n)
		}
	}
	return p, nil
}

func (s *Site) orgsAdmin(w http.ResponseWriter, r *http.Request) error {
	if err := requireOrgsAdministrator(principal.From(r.Context())); err != nil {
		return err
	}
	p, err := s.newOrgsAdminPage(w, r, "", newForm(r))
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "orgs/admin", p)
}

// postedOrg is the organisation as the form describes it; code is the one being edited, or
// "" for the code typed into the form of a new one.
func postedOrg(r *http.Request, code string) org.Organisation {
	o := org.Organisation{Code: code, Kind: org.Kind(r.PostFormValue("kind")), NameHans: r.PostFormValue("name_hans"),
		NameHant: r.PostFormValue("name_hant"), NameEn: r.PostFormValue("name_en"),
		RegionCode: strings.TrimSpace(r.PostFormValue("region_code"))}
	if code == "" {
		o.Code = strings.TrimSpace(r.PostFormValue("code"))
	}
	if parent := r.PostFormValue("parent_code"); parent != "" {
		o.ParentCode = &parent
	}
	for _, line := range strings.Split(r.PostFormValue("aliases"), "\n") {
		if a := strings.TrimSpace(line); a != "" && !slices.Contains(o.Aliases, a) {
			o.Aliases = append(o.Aliases, a)
		}
	}
	return o
}

// saveOrg stores o and reports a mistake in the form as a field error: a name or alias that
// already names another organisation is a conflict the org package reports without a field.
func (s *Site) saveOrg(r *http.Request, o org.Organisation) (created bool, err error) {
	created, err = org.Save(r.Context(), s.cfg.DB, o)
	if err == nil || !errs.Is(err, errs.Conflict) {
		return created, err
	}
	m, merr := org.LoadMatcher(r.Context(), s.cfg.DB)
	if merr != nil {
		return false, merr
	}
	check := []struct{ field, name string }{{"name_hans", o.NameHans}, {"name_hant", o.NameHant}}
	for _, a := range o.Aliases {
		check = append(check, struct{ field, name string }{"aliases", a})
	}
	for _, c := range check {
		if owner, ok := m.Match(c.name); ok && owner != o.Code {
			return false, errs.Field(c.field, "orgs_admin.error.name_taken", org.NormaliseName(c.name), owner)
		}
	}
	return false, err
}

// sendBackOrg renders the form again with what the person typed and what went wrong, or returns
// err for the error page if it is nothing the form can put right.
func (s *Site) sendBackOrg(w http.ResponseWriter, r *http.Request, code string, err error) error {
	status, ok := formStatus(err)
	if !ok {
		return err
	}
	p, perr := s.newOrgsAdminPage(w, r, code, newForm(r, orgFields...))
	if perr != nil {
		return perr
	}
	p.F.fail(p.Lang, err, nil)
	return s.render(w, status, "orgs/admin", p)
}

func (s *Site) orgCreate(w http.ResponseWriter, r *http.Request) error {
	if err := requireOrgsAdministrator(principal.From(r.Context())); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	o := postedOrg(r, "")
	// Saving an existing code would change that organisation: a new one needs a new code.
	if _, err := org.Get(r.Context(), s.cfg.DB, o.Code); err == nil {
		return s.sendBackOrg(w, r, "", errs.Field("code", "orgs_admin.error.code_taken", o.Code))
	} else if !errs.Is(err, errs.NotFound) {
		return err
	}
	if _, err := s.saveOrg(r, o); err != nil {
		return s.sendBackOrg(w, r, "", err)
	}
	seeOther(w, r, "/admin/orgs?saved="+url.QueryEscape(o.Code))
	return nil
}

func (s *Site) orgEditForm(w http.ResponseWriter, r *http.Request) error {
	if err := requireOrgsAdministrator(principal.From(r.Context())); err != nil {
		return err
	}
	o, err := org.Get(r.Context(), s.cfg.DB, r.PathValue("code"))
	if err != nil {
		return err
	}
	aliases, err := org.Aliases(r.Context(), s.cfg.DB, o)
	if err != nil {
		return err
	}
	f := newForm(r)
	f.Values = url.Values{"kind": {string(o.Kind)}, "name_hans": {o.NameHans}, "name_hant": {o.NameHant}, "name_en": {o.NameEn},
		"region_code": {o.RegionCode}, "parent_code": {deref(o.ParentCode)}, "aliases": {strings.Join(aliases, "\n")}}
	p, err := s.newOrgsAdminPage(w, r, o.Code, f)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "orgs/admin", p)
}

func (s *Site) orgEdit(w http.ResponseWriter, r *http.Request) error {
	if err := requireOrgsAdministrator(principal.From(r.Context())); err != nil {
		return err
	}
	cur, err := org.Get(r.Context(), s.cfg.DB, r.PathValue("code"))
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	if _, err := s.saveOrg(r, postedOrg(r, cur.Code)); err != nil {
		return s.sendBackOrg(w, r, cur.Code, err)
	}
	seeOther(w, r, "/admin/orgs?saved="+url.QueryEscape(cur.Code))
	return nil
}
