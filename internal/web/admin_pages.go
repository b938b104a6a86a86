package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// Officials' identity pages: the window where an officer verifies a resident in person (real-name
// level 3), and the administration of officials' accounts and roles. The identity service decides
// who may do what; these pages only refuse early whoever has no business here at all.

func (s *Site) installAdmin(srv *httpserver.Server) {
	srv.Handle("GET /window/verify", s.windowForm)
	srv.Handle("POST /window/verify", s.windowVerify)
	srv.Handle("GET /admin/officials", s.officials)
	srv.Handle("POST /admin/officials", s.officialCreate)
	srv.Handle("POST /admin/officials/{id}/roles", s.officialRoles)
	srv.Handle("POST /admin/officials/{id}/disabled", s.officialDisabled)
}

// ---- window verification -----------------------------------------------------------------

type windowPage struct {
	basePage
	F        form
	DocTypes []choice
	Result   *windowResult
}

type windowResult struct {
	Name, DocType, Number, Level string
}

func requireWindowOfficer(p principal.Principal) error {
	if err := requireSignedIn(p); err != nil {
		return err
	}
	if p.Kind != principal.Official || !p.HasRole(principal.RoleWindowOfficer) {
		return errs.E(errs.Forbidden, "window.forbidden")
	}
	return nil
}

func (s *Site) newWindowPage(w http.ResponseWriter, r *http.Request) windowPage {
	p := windowPage{basePage: s.newBase(w, r, "window.title"), F: newForm(r, "id_type", "id_number", "name", "place")}
	p.DocTypes = docTypeChoices(p.basePage)
	return p
}

func (s *Site) windowForm(w http.ResponseWriter, r *http.Request) error {
	pr := principal.From(r.Context())
	if err := requireWindowOfficer(pr); err != nil {
		return err
	}
	p := s.newWindowPage(w, r)
	// The place is usually the officer's own hall; suggest their organisation.
	name, err := s.orgs.namer(r, p.Lang)
	if err != nil {
		return err
	}
	p.F.Values.Set("place", name(pr.OrgCode))
	return s.render(w, http.StatusOK, "identity/window", p)
}

func (s *Site) windowVerify(w http.ResponseWriter, r *http.Request) error {
	if err := requireWindowOfficer(principal.From(r.Context())); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	p := s.newWindowPage(w, r)
	t := identity.DocumentType(r.PostFormValue("id_type"))
	a, err := s.cfg.Identity.VerifyInPerson(r.Context(), t, r.PostFormValue("id_number"), r.PostFormValue("name"), r.PostFormValue("place"))
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			// No account holds the document: say so beside the number.
			p.F.failField(p.Lang, "id_number", "window.no_account")
			return s.render(w, http.StatusNotFound, "identity/window", p)
		}
		status, ok := formStatus(err)
		if !ok {
			return err
		}
		p.F.fail(p.Lang, err, nil)
		return s.render(w, status, "identity/window", p)
	}
	p.Result = &windowResult{Name: a.DisplayName, DocType: p.T(msgKey("identity.doc.", string(t))), Number: a.MaskedIDNumber(),
		Level: p.T(msgKey("identity.level.", strconv.Itoa(a.RealNameLevel)))}
	// Ready for the next person at the same place.
	place := p.F.V("place")
	p.F = newForm(r)
	p.F.Values.Set("place", place)
	return s.render(w, http.StatusOK, "identity/window", p)
}

// ---- officials and their roles -----------------------------------------------------------

type officialsPage struct {
	basePage
	// Platform is set for the digital office's administrators, who administer every
	// organisation and alone may disable accounts.
	Platform  bool
	Org       string
	Orgs      []orgRow
	Officials []officialView
	Roles     []choice
	F         form
	Saved     string
	// Error is a refused change of one official (RowID), shown on that row.
	Error string
	RowID int64
}

type officialView struct {
	ID                   int64
	Login, Name, OrgName string
	Roles                []string
	RoleLabels           []string
	Disabled             bool
	Self                 bool
}

// Has reports whether the official holds role.
func (v officialView) Has(role string) bool { return slices.Contains(v.Roles, role) }

func requireAdministrator(p principal.Principal) error {
	if err := requireSignedIn(p); err != nil {
		return err
	}
	if p.Kind != principal.Official || !p.HasRole(principal.RoleAdministrator) {
		return errs.E(errs.Forbidden, "officials.forbidden")
	}
	return nil
}

// officialForms is what a refused change carries back to the officials page.
type officialForms struct {
	createErr error
	rowID     int64
	rowErr    error
}

func (s *Site) officials(w http.ResponseWriter, r *http.Request) error {
	return s.renderOfficials(w, r, http.StatusOK, r.URL.Query().Get("org"), officialForms{})
}

func (s *Site) renderOfficials(w http.ResponseWriter, r *http.Request, status int, org string, f officialForms) error {
	pr := principal.From(r.Context())
	if err := requireAdministrator(pr); err != nil {
		return err
	}
	list, err := s.cfg.Identity.Officials(r.Context(), org)
	if err != nil {
		return err
	}
	b := s.newBase(w, r, "officials.title")
	name, orgs, err := s.orgs.all(r, b.Lang)
	if err != nil {
		return err
	}
	p := officialsPage{basePage: b, Platform: pr.IsOfficial(identity.DigitalOffice), Org: org,
		F: newForm(r, "login", "display_name", "org_code", "roles")}
	if p.Platform {
		p.Orgs = orgs
	} else {
		p.Orgs = []orgRow{{Code: pr.OrgCode, Name: name(pr.OrgCode)}}
	}
	if r.Method == http.MethodGet && org != "" {
		p.F.Values.Set("org_code", org)
	}
	switch r.URL.Query().Get("saved") {
	case "created":
		p.Saved = b.T("officials.saved_created")
	case "roles":
		p.Saved = b.T("officials.saved_roles")
	case "disabled":
		p.Saved = b.T("officials.saved_disabled")
	case "enabled":
		p.Saved = b.T("officials.saved_enabled")
	}
	for _, role := range principal.AllRoles {
		p.Roles = append(p.Roles, choice{Value: role, Label: b.T(msgKey("officials.role.", role))})
	}
	for _, a := range list {
		v := officialView{ID: a.ID, Login: a.Login, Name: a.DisplayName, Roles: a.Roles, Disabled: a.Disabled, Self: a.ID == pr.AccountID}
		if a.OrgCode != nil {
			v.OrgName = name(*a.OrgCode)
		}
		for _, role := range a.Roles {
			v.RoleLabels = append(v.RoleLabels, b.T(msgKey("officials.role.", role)))
		}
		p.Officials = append(p.Officials, v)
	}
	if f.createErr != nil {
		p.F.fail(b.Lang, f.createErr, nil)
	}
	if f.rowErr != nil {
		p.RowID, p.Error = f.rowID, httpserver.Translate(b.Lang, errs.Public(f.rowErr))
	}
	return s.render(w, status, "identity/officials", p)
}

// officialsBack is where a change returns: the list as it was filtered.
func officialsBack(r *http.Request, saved string) string {
	u := "/admin/officials?saved=" + saved
	if org := r.PostFormValue("org"); org != "" {
		u += "&org=" + url.QueryEscape(org)
	}
	return u
}

func (s *Site) officialCreate(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdministrator(principal.From(r.Context())); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	_, err := s.cfg.Identity.CreateAccount(r.Context(), identity.NewAccount{Login: r.PostFormValue("login"), Kind: principal.Official,
		DisplayName: r.PostFormValue("display_name"), OrgCode: r.PostFormValue("org_code"), Roles: r.PostForm["roles"],
		Password: r.PostFormValue("password")})
	if err != nil {
		// Forbidden here is a role or organisation beyond the administrator's reach.
		status, ok := formStatus(err, errs.Forbidden)
		if !ok {
			return err
		}
		return s.renderOfficials(w, r, status, r.PostFormValue("org"), officialForms{createErr: err})
	}
	seeOther(w, r, officialsBack(r, "created"))
	return nil
}

func (s *Site) officialRoles(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdministrator(principal.From(r.Context())); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	if err := s.cfg.Identity.SetRoles(r.Context(), id, r.PostForm["roles"]); err != nil {
		status, ok := formStatus(err)
		if !ok {
			return err
		}
		return s.renderOfficials(w, r, status, r.PostFormValue("org"), officialForms{rowID: id, rowErr: err})
	}
	seeOther(w, r, officialsBack(r, "roles"))
	return nil
}

func (s *Site) officialDisabled(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdministrator(principal.From(r.Context())); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	disabled := r.PostFormValue("disabled") == "1"
	if err := s.cfg.Identity.SetDisabled(r.Context(), id, disabled); err != nil {
		status, ok := formStatus(err)
		if !ok {
			return err
		}
		return s.renderOfficials(w, r, status, r.PostFormValue("org"), officialForms{rowID: id, rowErr: err})
	}
	saved := "enabled"
	if disabled {
		saved = "disabled"
	}
	seeOther(w, r, officialsBack(r, saved))
	return nil
}
