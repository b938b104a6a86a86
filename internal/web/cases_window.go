package web

import (
	"net/http"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// Applying at a window (收受分離 included): the officer checks the person's identity document in
// person, which finds their account (and records the in-person check, real-name level 3), and
// starts the application for them — for an item of another region too when its cross-region
// scope lets this window collect it. The draft binds the person to the application, so nothing
// the browser sends later can change whom it is for. The officer fills in the form, uploads the
// materials brought, submits, and prints the receipt.

func (s *Site) installCaseWindow(srv *httpserver.Server) {
	srv.Handle("GET /window/apply", s.windowApplyForm)
	srv.Handle("POST /window/apply", s.windowApply)
	srv.Handle("GET /window/cases/{id}/edit", s.windowDraftForm)
	srv.Handle("POST /window/cases/{id}/edit", s.windowDraftPost, httpserver.MaxBody(maxApplyBody))
	srv.Handle("POST /window/cases/{id}/materials/{code}/remove", s.windowMaterialRemove)
	srv.Handle("GET /window/cases/{id}/receipt", s.windowReceipt)
}

// windowApplyFields are the identification form's fields.
var windowApplyFields = []string{"id_type", "id_number", "name", "place", "kind", "code"}

type caseWindowPage struct {
	casesBase
	F        form
	DocTypes []choice
	Kinds    []choice
}

func (s *Site) newWindowApplyPage(w http.ResponseWriter, r *http.Request, f form) caseWindowPage {
	b := s.newCasesBase(w, r, "cases.window.title")
	page := caseWindowPage{casesBase: b, F: f, DocTypes: docTypeChoices(b.basePage),
		Kinds: []choice{{"item", b.T("cases.window.kind_item")}, {"bundle", b.T("cases.window.kind_bundle")}}}
	if page.F.V("kind") == "" {
		page.F.Values.Set("kind", "item")
	}
	return page
}

func (s *Site) windowApplyForm(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireWindowOfficer(p); err != nil {
		return err
	}
	page := s.newWindowApplyPage(w, r, newForm(r))
	name, err := s.orgs.namer(r, page.Lang)
	if err != nil {
		return err
	}
	page.F.Values.Set("place", name(p.OrgCode))
	if c := r.URL.Query().Get("code"); c != "" {
		page.F.Values.Set("code", c)
	}
	if r.URL.Query().Get("kind") == "bundle" {
		page.F.Values.Set("kind", "bundle")
	}
	return s.render(w, http.StatusOK, "cases/window", page)
}

func (s *Site) windowApply(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireWindowOfficer(p); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	v := r.PostFormValue
	sendBack := func(err error) error {
		status, ok := formStatus(err, errs.Forbidden, errs.NotFound)
		if !ok {
			return err
		}
		page := s.newWindowApplyPage(w, r, newForm(r, windowApplyFields...))
		page.F.fail(page.Lang, err, map[string]string{"item": "code", "bundle": "code", "applicant": "id_number"})
		return s.render(w, status, "cases/window", page)
	}
	code := strings.TrimSpace(v("code"))
	a := cases.Application{Channel: cases.ChannelWindow}
	var err error
	switch v("kind") {
	case "bundle":
		_, err = s.cfg.Cases.Bundle(r.Context(), code)
		a.BundleCode = code
	default:
		_, err = s.cfg.Cases.Item(r.Context(), code)
		a.ItemCode = code
	}
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			err = errs.Field("code", errs.Public(err).Message)
		}
		return sendBack(err)
	}
	acc, err := s.cfg.Identity.VerifyInPerson(r.Context(), identity.DocumentType(v("id_type")), v("id_number"), v("name"), v("place"))
	if err != nil {
		return sendBack(err)
	}
	a.Applicant = acc.ID
	c, err := s.cfg.Cases.Start(r.Context(), p, a)
	if err != nil {
		return sendBack(err)
	}
	seeOther(w, r, caseEditWindow.edit(c.ID))
	return nil
}

func (s *Site) windowDraftForm(w http.ResponseWriter, r *http.Request) error {
	if err := requireWindowOfficer(principal.From(r.Context())); err != nil {
		return err
	}
	return s.editDraftForm(w, r, caseEditWindow)
}

func (s *Site) windowDraftPost(w http.ResponseWriter, r *http.Request) error {
	if err := requireWindowOfficer(principal.From(r.Context())); err != nil {
		return err
	}
	return s.editDraftPost(w, r, caseEditWindow)
}

func (s *Site) windowMaterialRemove(w http.ResponseWriter, r *http.Request) error {
	if err := requireWindowOfficer(principal.From(r.Context())); err != nil {
		return err
	}
	return s.removeDraftMaterial(w, r, caseEditWindow)
}

// windowReceipt prints a window case's receipt again (without its query code, shown once).
func (s *Site) windowReceipt(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireWindowOfficer(p); err != nil {
		return err
	}
	c, err := s.cfg.Cases.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	if c.Channel != cases.ChannelWindow || !p.IsOfficial(c.ReceivingOrg) || c.Number == "" {
		return errs.E(errs.NotFound, "cases.error.not_found")
	}
	page, err := s.newSubmittedPage(w, r, c, true)
	if err != nil {
		return err
	}
	page.Receipt = true
	return s.render(w, http.StatusOK, "cases/submitted", page)
}
