package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/apps"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// The department apps' pages: the launcher (/apps), where anyone finds the apps that sign
// people in through Yiwang, and the app registry (/admin/apps), where the digital office's
// administrators register apps, change them, give them new client secrets and disable them.
// The apps service decides who may do what; these pages only refuse early whoever has no
// business here at all.

func (s *Site) installApps(srv *httpserver.Server) {
	if s.cfg.Apps == nil {
		return
	}
	srv.Handle("GET /apps", s.launcher)
	srv.Handle("GET /admin/apps", s.appList)
	srv.Handle("GET /admin/apps/new", s.appNew)
	srv.Handle("POST /admin/apps/new", s.appRegister)
	srv.Handle("GET /admin/apps/{id}", s.appEdit)
	srv.Handle("POST /admin/apps/{id}", s.appUpdate)
	srv.Handle("POST /admin/apps/{id}/secret", s.appRotate)
	srv.Handle("POST /admin/apps/{id}/disable", s.appDisable)
	srv.Handle("POST /admin/apps/{id}/enable", s.appEnable)
}

// mayAdministerApps reports whether p administers the app registry: an administrator of the
// digital office, as the apps service requires.
func mayAdministerApps(p principal.Principal) bool {
	return p.AccountID != 0 && p.IsOfficial(apps.DigitalOffice) && p.HasRole(principal.RoleAdministrator)
}

func requireAppsAdministrator(p principal.Principal) error {
	if err := requireSignedIn(p); err != nil {
		return err
	}
	if !mayAdministerApps(p) {
		return errs.E(errs.Forbidden, "apps.error.not_administrator")
	}
	return nil
}

// appsNav is what the navigation offers about apps: the launcher to everyone, the registry to
// those who administer it.
func (s *Site) appsNav(p principal.Principal) (everyone, admin []struct{ href, key string }) {
	if s.cfg.Apps == nil {
		return nil, nil
	}
	everyone = []struct{ href, key string }{{"/apps", "nav.apps"}}
	if mayAdministerApps(p) {
		admin = []struct{ href, key string }{{"/admin/apps", "nav.apps_admin"}}
	}
	return everyone, admin
}

// ---- the launcher ------------------------------------------------------------------------

type launcherPage struct {
	basePage
	Apps []launcherApp
}

type launcherApp struct {
	ClientID, Name, Description, OrgName, LaunchURL string
	// AsksFor is what the app may ask a person to share, in plain language.
	AsksFor []string
}

// launcher lists the apps anyone may open: enabled web apps with a launch address.
func (s *Site) launcher(w http.ResponseWriter, r *http.Request) error {
	list, err := s.cfg.Apps.Launcher(r.Context())
	if err != nil {
		return err
	}
	p := launcherPage{basePage: s.newBase(w, r, "launcher.title")}
	lang := string(p.Lang)
	name, err := s.orgs.namer(r, p.Lang)
	if err != nil {
		return err
	}
	for _, a := range list {
		v := launcherApp{ClientID: a.ClientID, Name: a.Name.In(lang), Description: a.Description.In(lang),
			OrgName: name(a.OwnerOrg), LaunchURL: a.LaunchURL}
		for _, sc := range a.Scopes {
			v.AsksFor = append(v.AsksFor, p.T(apps.ScopeMessageKey(sc, a.IDNumberEntitled)))
		}
		p.Apps = append(p.Apps, v)
	}
	return s.render(w, http.StatusOK, "apps/launcher", p)
}

// ---- the registry ------------------------------------------------------------------------

type appListPage struct {
	basePage
	Apps []appView
}

// appView is an app as the registry's pages show it.
type appView struct {
	ClientID, Name, TypeLabel, OrgName string
	Scopes                             []string
	Disabled, Public                   bool
	Created, Updated                   string
}

func newAppView(b basePage, name func(string) string, a apps.App) appView {
	return appView{ClientID: a.ClientID, Name: a.Name.In(string(b.Lang)),
		TypeLabel: b.T(msgKey("appadmin.type.", string(a.Type))), OrgName: name(a.OwnerOrg), Scopes: a.Scopes,
		Disabled: a.Disabled, Public: a.Public(), Created: civil(a.CreatedAt), Updated: civil(a.UpdatedAt)}
}

func (s *Site) appList(w http.ResponseWriter, r *http.Request) error {
	if err := requireAppsAdministrator(principal.From(r.Context())); err != nil {
		return err
	}
	list, err := s.cfg.Apps.List(r.Context())
	if err != nil {
		return err
	}
	p := appListPage{basePage: s.newBase(w, r, "appadmin.title")}
	name, err := s.orgs.namer(r, p.Lang)
	if err != nil {
		return err
	}
	for _, a := range list {
		p.Apps = append(p.Apps, newAppView(p.basePage, name, a))
	}
	return s.render(w, http.StatusOK, "apps/list", p)
}

// appTypes lists the kinds of app in the order the form offers them.
var appTypes = []apps.Type{apps.TypeWeb, apps.TypeNative, apps.TypeService}

// appFields are the registration form's fields, named as the apps service names them in its
// errors.
var appFields = []string{"client_id", "type", "name_hans", "name_hant", "name_en", "description_hans", "description_hant",
	"description_en", "owner_org", "redirect_uris", "post_logout_redirect_uris", "scopes", "id_number_entitled", "launch_url"}

// appFormPage is the registration form (New) and the page of one registered app (App).
type appFormPage struct {
	basePage
	New bool
	// Type is the kind of app the form is for; "" while a new app's kind is still to be chosen,
	// which is the first step of registering: the form then offers only what that kind has.
	Type      string
	TypeLabel string
	Types     []choice
	TypeHints map[string]string
	F         form
	Orgs      []orgRow
	Scopes    []choice
	// Person says the app signs people in (web, native): redirect URIs, the ID number
	// entitlement; Launch that it may have a launch address (web apps, shown in the launcher).
	Person, Launch bool
	// RedirectHint says which redirect URIs an app of the kind may have.
	RedirectHint string
	App          appView
	Saved        string
}

// newAppForm returns the form for an app of type t ("" to choose one), its values from what
// was posted.
func (s *Site) newAppForm(w http.ResponseWriter, r *http.Request, t apps.Type, existing *apps.App) (appFormPage, error) {
	var b basePage
	if existing == nil {
		b = s.newBase(w, r, "appadmin.new_title")
	} else {
		b = s.newBase(w, r, "appadmin.edit_title", "")
		b.Title = b.T("appadmin.edit_title", existing.Name.In(string(b.Lang)))
	}
	name, orgs, err := s.orgs.all(r, b.Lang)
	if err != nil {
		return appFormPage{}, err
	}
	p := appFormPage{basePage: b, New: existing == nil, Type: string(t), Orgs: orgs, TypeHints: map[string]string{},
		F: newForm(r, appFields...)}
	for _, at := range appTypes {
		p.Types = append(p.Types, choice{Value: string(at), Label: b.T(msgKey("appadmin.type.", string(at)))})
		p.TypeHints[string(at)] = b.T(msgKey("appadmin.type_hint.", string(at)))
	}
	if existing != nil {
		p.App = newAppView(b, name, *existing)
	}
	if t == "" {
		return p, nil
	}
	p.TypeLabel = b.T(msgKey("appadmin.type.", string(t)))
	p.Person = t != apps.TypeService
	p.Launch = t == apps.TypeWeb || existing != nil && existing.LaunchURL != ""
	if p.Person {
		p.RedirectHint = b.T(msgKey("appadmin.redirect_uris_hint.", string(t)))
	}
	scopes := apps.ServiceScopes
	if p.Person {
		scopes = apps.PersonScopes
	}
	for _, sc := range scopes {
		if sc == apps.ScopeOpenID {
			continue // always granted to apps that sign people in
		}
		p.Scopes = append(p.Scopes, choice{Value: sc, Label: b.T(apps.ScopeMessageKey(sc, false))})
	}
	return p, nil
}

// appType reads the kind of app asked for, if it is one.
func appType(v string) (apps.Type, bool) {
	t := apps.Type(v)
	return t, slices.Contains(appTypes, t)
}

// appNew is the registration form: first the kind of app, then the form for that kind.
func (s *Site) appNew(w http.ResponseWriter, r *http.Request) error {
	if err := requireAppsAdministrator(principal.From(r.Context())); err != nil {
		return err
	}
	v := r.URL.Query().Get("type")
	t, ok := appType(v)
	if !ok {
		t = ""
	}
	p, err := s.newAppForm(w, r, t, nil)
	if err != nil {
		return err
	}
	p.F.Values.Set("type", string(t))
	if v != "" && !ok {
		p.F.failField(p.Lang, "type", "apps.error.bad_type")
		return s.render(w, http.StatusBadRequest, "apps/form", p)
	}
	return s.render(w, http.StatusOK, "apps/form", p)
}

// registration is what the form says of an app of type t.
func registration(r *http.Request, t apps.Type) apps.Registration {
	v := r.PostFormValue
	return apps.Registration{
		ClientID:               v("client_id"),
		Name:                   apps.Text{Hans: v("name_hans"), Hant: v("name_hant"), En: v("name_en")},
		Description:            apps.Text{Hans: v("description_hans"), Hant: v("description_hant"), En: v("description_en")},
		OwnerOrg:               v("owner_org"),
		Type:                   t,
		RedirectURIs:           lines(v("redirect_uris")),
		PostLogoutRedirectURIs: lines(v("post_logout_redirect_uris")),
		Scopes:                 r.PostForm["scopes"],
		IDNumberEntitled:       v("id_number_entitled") == "1",
		LaunchURL:              v("launch_url"),
	}
}

// lines splits a text area into its lines, without empty ones.
func lines(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })
}

// failApp records err in the form. The service reports a client id already taken as a conflict
// without a field; it belongs beside the client id.
func failApp(f *form, lang i18n.Lang, err error) {
	if pe := errs.Public(err); pe.Field == "" && pe.Message == "apps.error.client_id_taken" {
		err = &errs.Error{Kind: pe.Kind, Field: "client_id", Message: pe.Message, Args: pe.Args}
	}
	f.fail(lang, err, nil)
}

type appSecretPage struct {
	basePage
	App appView
	// Secret is the client secret, shown this once; "" for a public app, which has none.
	Secret     string
	Registered bool
}

func (s *Site) appRegister(w http.ResponseWriter, r *http.Request) error {
	if err := requireAppsAdministrator(principal.From(r.Context())); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	t, ok := appType(r.PostFormValue("type"))
	a, secret, err := s.cfg.Apps.Register(r.Context(), registration(r, t))
	if err != nil {
		status, isForm := formStatus(err)
		if !isForm {
			return err
		}
		if !ok {
			t = "" // back to choosing the kind
		}
		p, perr := s.newAppForm(w, r, t, nil)
		if perr != nil {
			return perr
		}
		failApp(&p.F, p.Lang, err)
		return s.render(w, status, "apps/form", p)
	}
	return s.renderSecret(w, r, http.StatusCreated, a, secret, true)
}

// renderSecret shows an app's new client secret, this once: only its hash is kept.
func (s *Site) renderSecret(w http.ResponseWriter, r *http.Request, status int, a apps.App, secret string, registered bool) error {
	titleKey := "appadmin.rotated_title"
	if registered {
		titleKey = "appadmin.registered_title"
	}
	b := s.newBase(w, r, titleKey)
	name, err := s.orgs.namer(r, b.Lang)
	if err != nil {
		return err
	}
	return s.render(w, status, "apps/secret", appSecretPage{basePage: b, App: newAppView(b, name, a), Secret: secret, Registered: registered})
}

// administeredApp returns the app of the request's path to the registry's administrators;
// others learn nothing of it, not even whether it exists.
func (s *Site) administeredApp(r *http.Request) (apps.App, error) {
	if err := requireAppsAdministrator(principal.From(r.Context())); err != nil {
		return apps.App{}, err
	}
	return s.cfg.Apps.Get(r.Context(), r.PathValue("id"))
}

// appEdit is the page of one app: its registration to change, its secret to replace, and
// disabling or enabling it.
func (s *Site) appEdit(w http.ResponseWriter, r *http.Request) error {
	a, err := s.administeredApp(r)
	if err != nil {
		return err
	}
	p, err := s.newAppForm(w, r, a.Type, &a)
	if err != nil {
		return err
	}
	fillAppForm(&p.F, a)
	switch r.URL.Query().Get("saved") {
	case "updated":
		p.Saved = p.T("appadmin.saved_updated")
	case "disabled":
		p.Saved = p.T("appadmin.saved_disabled")
	case "enabled":
		p.Saved = p.T("appadmin.saved_enabled")
	}
	return s.render(w, http.StatusOK, "apps/form", p)
}

// fillAppForm puts app a's registration into the form.
func fillAppForm(f *form, a apps.App) {
	set := f.Values.Set
	set("client_id", a.ClientID)
	set("type", string(a.Type))
	set("name_hans", a.Name.Hans)
	set("name_hant", a.Name.Hant)
	set("name_en", a.Name.En)
	set("description_hans", a.Description.Hans)
	set("description_hant", a.Description.Hant)
	set("description_en", a.Description.En)
	set("owner_org", a.OwnerOrg)
	set("redirect_uris", strings.Join(a.RedirectURIs, "\n"))
	set("post_logout_redirect_uris", strings.Join(a.PostLogoutRedirectURIs, "\n"))
	f.Values["scopes"] = a.Scopes
	if a.IDNumberEntitled {
		set("id_number_entitled", "1")
	}
	set("launch_url", a.LaunchURL)
}

func (s *Site) appUpdate(w http.ResponseWriter, r *http.Request) error {
	a, err := s.administeredApp(r)
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	// The kind of an app never changes: the form does not offer it.
	if _, err := s.cfg.Apps.Update(r.Context(), a.ClientID, registration(r, a.Type)); err != nil {
		status, ok := formStatus(err)
		if !ok {
			return err
		}
		p, perr := s.newAppForm(w, r, a.Type, &a)
		if perr != nil {
			return perr
		}
		p.F.Values.Set("type", string(a.Type))
		failApp(&p.F, p.Lang, err)
		return s.render(w, status, "apps/form", p)
	}
	seeOther(w, r, appPath(a.ClientID)+"?saved=updated")
	return nil
}

// appPath is the page of app clientID.
func appPath(clientID string) string { return "/admin/apps/" + url.PathEscape(clientID) }

func (s *Site) appRotate(w http.ResponseWriter, r *http.Request) error {
	a, err := s.administeredApp(r)
	if err != nil {
		return err
	}
	secret, err := s.cfg.Apps.RotateSecret(r.Context(), a.ClientID)
	if err != nil {
		return err
	}
	return s.renderSecret(w, r, http.StatusOK, a, secret, false)
}

func (s *Site) appDisable(w http.ResponseWriter, r *http.Request) error {
	a, err := s.administeredApp(r)
	if err != nil {
		return err
	}
	if err := s.cfg.Apps.Disable(r.Context(), a.ClientID); err != nil {
		return err
	}
	seeOther(w, r, appPath(a.ClientID)+"?saved=disabled")
	return nil
}

func (s *Site) appEnable(w http.ResponseWriter, r *http.Request) error {
	a, err := s.administeredApp(r)
	if err != nil {
		return err
	}
	if err := s.cfg.Apps.Enable(r.Context(), a.ClientID); err != nil {
		return err
	}
	seeOther(w, r, appPath(a.ClientID)+"?saved=enabled")
	return nil
}
