package api

import (
	"context"
	"net/http"

	"github.com/yiwang-platform/yiwang/internal/apps"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

func init() {
	text := func(what string) map[string]any {
		return obj(map[string]any{"zh_hans": str(what + " in Simplified Chinese"), "zh_hant": str("in Traditional Chinese; zh_hans if empty"),
			"en": str("in English; zh_hans if empty")}, "zh_hans")
	}
	types := map[string]any{"type": "string", "enum": []string{string(apps.TypeWeb), string(apps.TypeNative), string(apps.TypeService)},
		"description": "web: a confidential web app signing people in; native: a public mobile or desktop app (PKCE, loopback redirects on any port); service: a department system calling the API as itself"}
	scopes := map[string]any{"type": "array", "items": map[string]any{"type": "string", "enum": append(append([]string{}, apps.PersonScopes...), apps.ServiceScopes...)},
		"description": "web and native apps: openid (always added), profile, phone, id_number, real_name_level, enterprise, offline_access; department systems: api:read, api:write"}
	schemas["App"] = obj(map[string]any{
		"client_id": str(""), "name": text("the name"), "description": text("what people do with it"),
		"owner_org": str("the owning organisation's code"), "type": types, "redirect_uris": arr(str("")),
		"post_logout_redirect_uris": arr(str("")), "scopes": scopes,
		"id_number_entitled": boolean("the app receives full ID numbers; others see them masked"),
		"launch_url":         str("where the launcher sends people; web apps with one are in the launcher"),
		"disabled":           boolean("a disabled app signs nobody in and gets no tokens"),
		"created_at":         str("RFC 3339"), "updated_at": str("RFC 3339"),
	})
	schemas["LauncherApp"] = obj(map[string]any{
		"client_id": str(""), "name": text("the name"), "description": text("what people do with it"),
		"owner_org": str("the owning organisation's code"), "launch_url": str("the app's start page"), "scopes": arr(str("")),
		"asks_for": arr(str("what the app may ask a person to share, in plain language, in the language asked for (Accept-Language)")),
	})
}

// appRegistration is the body that registers or changes an app. Field names are those the apps
// service names in its errors.
func appRegistration(withClientID bool) map[string]any {
	props := map[string]any{
		"type":      map[string]any{"type": "string", "enum": []string{string(apps.TypeWeb), string(apps.TypeNative), string(apps.TypeService)}},
		"name_hans": str("at most 100 characters"), "name_hant": str("optional"), "name_en": str("optional"),
		"description_hans": str("optional, at most 500 characters"), "description_hant": str("optional"), "description_en": str("optional"),
		"owner_org":                 str("the owning organisation's code (GET /api/v1/orgs)"),
		"redirect_uris":             arr(str("https; http on a loopback host for native apps (any port); none for department systems")),
		"post_logout_redirect_uris": arr(str("same rules as redirect_uris")),
		"scopes":                    arr(str("what the app may ask for; see the App schema")),
		"id_number_entitled":        boolean("a law entitles the department to full ID numbers; needs the id_number scope"),
		"launch_url":                str("https; web apps with one are shown in the launcher"),
	}
	if withClientID {
		props["client_id"] = str("3–64 lower-case letters, digits and hyphens; generated when absent; never changes")
		return obj(props, "type", "name_hans", "owner_org", "scopes")
	}
	props["type"] = str("the app's kind, which cannot change; may be left out")
	return obj(props, "name_hans", "owner_org", "scopes")
}

// appsAPI serves the launcher and the app registry over the apps service.
type appsAPI struct {
	svc *apps.Service
}

func (a *API) installApps(srv *httpserver.Server) {
	const tag = "apps"
	h := appsAPI{svc: a.cfg.Apps}
	clientID := []param{{Name: "id", In: "path", Required: true, Description: "the app's client id",
		Schema: map[string]any{"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{2,63}$"}}}
	a.route(srv, operation{Method: "GET", Path: "/api/v1/apps", ID: "listLauncherApps", Tag: tag,
		Summary:  "The apps anyone may open from the portal's launcher: enabled web apps with a launch address, by owning organisation",
		Response: arr(ref("LauncherApp"))}, h.launcher)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/admin/apps", ID: "listApps", Tag: tag, Auth: true,
		Summary:  "Every registered app, enabled or not (the digital office's administrators)",
		Response: arr(ref("App"))}, h.list)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/admin/apps", ID: "registerApp", Tag: tag, Auth: true, Status: http.StatusCreated,
		Summary: "Register an app (the digital office's administrators). The client secret of a web app or department system " +
			"is in this response only: Yiwang keeps its hash. A taken client id is a conflict (409).",
		Body:     appRegistration(true),
		Response: map[string]any{"allOf": []any{ref("App"), obj(map[string]any{"client_secret": str("shown this once; absent for native apps, which have none")})}}},
		h.register)
	a.route(srv, operation{Method: "PUT", Path: "/api/v1/admin/apps/{id}", ID: "updateApp", Tag: tag, Auth: true,
		Summary: "Replace an app's registration (the digital office's administrators); its client id and kind stay",
		Params:  clientID, Body: appRegistration(false), Response: ref("App")}, h.update)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/admin/apps/{id}/secret", ID: "rotateAppSecret", Tag: tag, Auth: true,
		Summary: "Give a web app or department system a new client secret, in this response only; the old one stops working at once " +
			"(the digital office's administrators)",
		Params: clientID, Response: obj(map[string]any{"client_id": str(""), "client_secret": str("shown this once")})}, h.rotate)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/admin/apps/{id}/disable", ID: "disableApp", Tag: tag, Auth: true,
		Summary: "Disable an app: it signs nobody in, gets no tokens, its tokens stop working and it leaves the launcher " +
			"(the digital office's administrators)",
		Params: clientID, Response: ref("App")}, h.disable)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/admin/apps/{id}/enable", ID: "enableApp", Tag: tag, Auth: true,
		Summary: "Enable a disabled app again (the digital office's administrators)",
		Params:  clientID, Response: ref("App")}, h.enable)
}

type launcherApp struct {
	ClientID    string    `json:"client_id"`
	Name        apps.Text `json:"name"`
	Description apps.Text `json:"description"`
	OwnerOrg    string    `json:"owner_org"`
	LaunchURL   string    `json:"launch_url"`
	Scopes      []string  `json:"scopes"`
	AsksFor     []string  `json:"asks_for"`
}

func (h appsAPI) launcher(w http.ResponseWriter, r *http.Request) error {
	list, err := h.svc.Launcher(r.Context())
	if err != nil {
		return err
	}
	lang := i18n.Negotiate(r)
	out := make([]launcherApp, 0, len(list))
	for _, a := range list {
		v := launcherApp{ClientID: a.ClientID, Name: a.Name, Description: a.Description, OwnerOrg: a.OwnerOrg,
			LaunchURL: a.LaunchURL, Scopes: a.Scopes, AsksFor: []string{}}
		for _, sc := range a.Scopes {
			v.AsksFor = append(v.AsksFor, i18n.T(lang, apps.ScopeMessageKey(sc, a.IDNumberEntitled)))
		}
		out = append(out, v)
	}
	return writeJSON(w, http.StatusOK, out)
}

// administrator refuses early whoever does not administer the registry: the public (401) and
// anyone but the digital office's administrators (403). The apps service checks again.
func administrator(r *http.Request) error {
	p := principal.From(r.Context())
	if !p.Authenticated() {
		return errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	if !p.IsOfficial(apps.DigitalOffice) || !p.HasRole(principal.RoleAdministrator) {
		return errs.E(errs.Forbidden, "apps.error.not_administrator")
	}
	return nil
}

func (h appsAPI) list(w http.ResponseWriter, r *http.Request) error {
	if err := administrator(r); err != nil {
		return err
	}
	list, err := h.svc.List(r.Context())
	if err != nil {
		return err
	}
	if list == nil {
		list = []apps.App{}
	}
	return writeJSON(w, http.StatusOK, list)
}

// registrationBody is what registering or changing an app takes over the API.
type registrationBody struct {
	Type                   apps.Type `json:"type"`
	NameHans               string    `json:"name_hans"`
	NameHant               string    `json:"name_hant"`
	NameEn                 string    `json:"name_en"`
	DescriptionHans        string    `json:"description_hans"`
	DescriptionHant        string    `json:"description_hant"`
	DescriptionEn          string    `json:"description_en"`
	OwnerOrg               string    `json:"owner_org"`
	RedirectURIs           []string  `json:"redirect_uris"`
	PostLogoutRedirectURIs []string  `json:"post_logout_redirect_uris"`
	Scopes                 []string  `json:"scopes"`
	IDNumberEntitled       bool      `json:"id_number_entitled"`
	LaunchURL              string    `json:"launch_url"`
}

func (b registrationBody) registration(clientID string) apps.Registration {
	return apps.Registration{ClientID: clientID, Type: b.Type,
		Name:        apps.Text{Hans: b.NameHans, Hant: b.NameHant, En: b.NameEn},
		Description: apps.Text{Hans: b.DescriptionHans, Hant: b.DescriptionHant, En: b.DescriptionEn},
		OwnerOrg:    b.OwnerOrg, RedirectURIs: b.RedirectURIs, PostLogoutRedirectURIs: b.PostLogoutRedirectURIs,
		Scopes: b.Scopes, IDNumberEntitled: b.IDNumberEntitled, LaunchURL: b.LaunchURL}
}

type registeredApp struct {
	apps.App
	ClientSecret string `json:"client_secret,omitempty"`
}

func (h appsAPI) register(w http.ResponseWriter, r *http.Request) error {
	if err := administrator(r); err != nil {
		return err
	}
	var req struct {
		ClientID string `json:"client_id"`
		registrationBody
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	a, secret, err := h.svc.Register(r.Context(), req.registration(req.ClientID))
	if err != nil {
		// A taken client id is about the client id.
		if pe := errs.Public(err); pe.Field == "" && pe.Message == "apps.error.client_id_taken" {
			return &errs.Error{Kind: pe.Kind, Field: "client_id", Message: pe.Message, Args: pe.Args, Err: err}
		}
		return err
	}
	return writeJSON(w, http.StatusCreated, registeredApp{App: a, ClientSecret: secret})
}

func (h appsAPI) update(w http.ResponseWriter, r *http.Request) error {
	if err := administrator(r); err != nil {
		return err
	}
	var req registrationBody
	if err := decode(r, &req); err != nil {
		return err
	}
	id := r.PathValue("id")
	if req.Type == "" {
		// The kind never changes; a client need not repeat it.
		a, err := h.svc.Get(r.Context(), id)
		if err != nil {
			return err
		}
		req.Type = a.Type
	}
	a, err := h.svc.Update(r.Context(), id, req.registration(id))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a)
}

func (h appsAPI) rotate(w http.ResponseWriter, r *http.Request) error {
	if err := administrator(r); err != nil {
		return err
	}
	id := r.PathValue("id")
	secret, err := h.svc.RotateSecret(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]string{"client_id": id, "client_secret": secret})
}

func (h appsAPI) disable(w http.ResponseWriter, r *http.Request) error {
	return h.setDisabled(w, r, h.svc.Disable)
}

func (h appsAPI) enable(w http.ResponseWriter, r *http.Request) error {
	return h.setDisabled(w, r, h.svc.Enable)
}

func (h appsAPI) setDisabled(w http.ResponseWriter, r *http.Request, change func(ctx context.Context, clientID string) error) error {
	if err := administrator(r); err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := change(r.Context(), id); err != nil {
		return err
	}
	a, err := h.svc.Get(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a)
}
