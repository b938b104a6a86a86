package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/apps"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// Signing in to department apps: the consent page the OpenID Connect provider sends a person to
// (/oidc/consent?id=…), where they sign in if they have not and decide what the app may know,
// and the list of apps they have allowed (/account/apps), where they withdraw consent. The
// provider is reached through OIDCFlow, so that the pages do not depend on it.

// OIDCFlow is the OpenID Connect provider's side of the consent page.
type OIDCFlow interface {
	// AuthRequest returns the client id and scopes an authorisation request asks for. Returns
	// errs.NotFound for an unknown or expired request.
	AuthRequest(ctx context.Context, id string) (clientID string, scopes []string, err error)
	// Finish binds the request to the signed-in principal (account and acting-for context) and
	// returns the URL to continue the flow. The principal's consent must cover the request's
	// scopes (errs.Forbidden otherwise).
	Finish(ctx context.Context, id string, p principal.Principal) (string, error)
	// Deny ends the request because the person declined and returns the URL that tells the
	// app so (error=access_denied).
	Deny(ctx context.Context, id string) (string, error)
}

func (s *Site) installOIDC(srv *httpserver.Server) {
	if s.cfg.Apps == nil {
		return
	}
	srv.Handle("GET /account/apps", s.consents)
	srv.Handle("POST /account/apps/{id}/revoke", s.consentRevoke)
	if s.cfg.OIDC == nil {
		return
	}
	srv.Handle("GET /oidc/consent", s.consent)
	srv.Handle("POST /oidc/consent", s.consentDecide)
}

type consentPage struct {
	basePage
	ID, AppName, OrgName string
	Claims               []string
	// Enterprise says the app asks for the enterprise the person acts for.
	Enterprise bool
	// Continue is where the person goes on at once, their remembered consent covering the
	// request; the page then only says so.
	Continue string
}

// consent shows what an app asks to know, or continues at once when the person's remembered
// consent already covers it.
func (s *Site) consent(w http.ResponseWriter, r *http.Request) error {
	who := principal.From(r.Context())
	if !who.Authenticated() {
		// Sign in first and come back here, the request id included (the error page's
		// redirect to the login page keeps only the path).
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return nil
	}
	id := r.URL.Query().Get("id")
	clientID, scopes, err := s.oidcRequest(r.Context(), id)
	if err != nil {
		return err
	}
	app, err := s.cfg.Apps.Get(r.Context(), clientID)
	if err != nil {
		return err
	}
	covered, err := s.cfg.Apps.Has(r.Context(), clientID, scopes)
	if err != nil {
		return err
	}
	var next string
	if covered {
		if next, err = s.cfg.OIDC.Finish(r.Context(), id, who); err != nil {
			return err
		}
		if !fromOwnPage(r) {
			w.Header().Set("Cache-Control", "no-store")
			http.Redirect(w, r, next, http.StatusSeeOther)
			return nil
		}
	}
	b := s.newBase(w, r, "oidc.consent.title", "")
	b.Title = b.T("oidc.consent.title", app.Name.In(string(b.Lang)))
	if next != "" {
		// Arrived from one of Yiwang's own pages — most likely the login form's redirect —
		// the person continues by a meta refresh rather than a redirect: browsers apply the
		// submitted form's CSP form-action (only 'self') to every redirect after it, and the
		// last one goes to the app.
		return s.render(w, http.StatusOK, "oidc/consent", consentPage{basePage: b, AppName: app.Name.In(string(b.Lang)), Continue: next})
	}
	name, err := s.orgs.namer(r, b.Lang)
	if err != nil {
		return err
	}
	p := consentPage{basePage: b, ID: id, AppName: app.Name.In(string(b.Lang)), OrgName: name(app.OwnerOrg),
		Enterprise: slices.Contains(scopes, apps.ScopeEnterprise)}
	for _, sc := range scopes {
		p.Claims = append(p.Claims, b.T(apps.ScopeMessageKey(sc, app.IDNumberEntitled)))
	}
	allowFormRedirects(w, app)
	return s.render(w, http.StatusOK, "oidc/consent", p)
}

// consentDecide records the person's decision: allowing remembers the consent and continues
// the sign-in; declining sends them back to the app, which learns only that they declined.
func (s *Site) consentDecide(w http.ResponseWriter, r *http.Request) error {
	who := principal.From(r.Context())
	if !who.Authenticated() {
		return errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	if err := r.ParseForm(); err != nil {
		return errs.Wrapf(errs.Invalid, err, "error.invalid")
	}
	id := r.PostFormValue("id")
	clientID, scopes, err := s.oidcRequest(r.Context(), id)
	if err != nil {
		return err
	}
	var next string
	switch r.PostFormValue("decision") {
	case "allow":
		if _, err := s.cfg.Apps.Grant(r.Context(), clientID, scopes); err != nil {
			return err
		}
		next, err = s.cfg.OIDC.Finish(r.Context(), id, who)
	case "deny":
		next, err = s.cfg.OIDC.Deny(r.Context(), id)
	default:
		return errs.Field("decision", "oidc.error.bad_decision")
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// fromOwnPage reports whether the browser says the request comes from one of the site's own
// pages (Sec-Fetch-Site same-origin or same-site), or does not say: then a form of ours may
// have started the navigation.
func fromOwnPage(r *http.Request) bool {
	site := r.Header.Get("Sec-Fetch-Site")
	return site != "cross-site" && site != "none"
}

func (s *Site) oidcRequest(ctx context.Context, id string) (string, []string, error) {
	if id == "" || len(id) > 100 {
		return "", nil, errs.E(errs.NotFound, "oidc.error.no_request")
	}
	return s.cfg.OIDC.AuthRequest(ctx, id)
}

// allowFormRedirects lets the consent form's answer redirect to the app. Browsers apply the
// page's CSP form-action to every redirect that follows a form submission, and the sign-in
// ends with one to the app's redirect URI, on another origin; a native app's loopback URI may
// be on any port.
func allowFormRedirects(w http.ResponseWriter, app apps.App) {
	var origins []string
	for _, raw := range app.RedirectURIs {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			continue
		}
		o := u.Scheme + "://" + u.Host
		if app.Type == apps.TypeNative && u.Scheme == "http" {
			o = "http://" + hostForCSP(u.Hostname()) + ":*"
		}
		if !slices.Contains(origins, o) {
			origins = append(origins, o)
		}
	}
	addFormActions(w, origins)
}

func hostForCSP(h string) string {
	if strings.Contains(h, ":") {
		return "[" + h + "]"
	}
	return h
}

type consentsPage struct {
	basePage
	Consents []consentView
	Saved    string
}

type consentView struct {
	ID                          int64
	AppName, OrgName, GrantedAt string
	ActingFor                   string
	Claims                      []string
}

// consents lists the apps the person has allowed, theirs only.
func (s *Site) consents(w http.ResponseWriter, r *http.Request) error {
	list, err := s.cfg.Apps.Consents(r.Context())
	if err != nil {
		return err
	}
	p := consentsPage{basePage: s.newBase(w, r, "oidc.consents.title")}
	if r.URL.Query().Get("saved") == "revoked" {
		p.Saved = p.T("oidc.consents.revoked")
	}
	name, err := s.orgs.namer(r, p.Lang)
	if err != nil {
		return err
	}
	for _, c := range list {
		app, err := s.cfg.Apps.Get(r.Context(), c.ClientID)
		if err != nil {
			return err
		}
		v := consentView{ID: c.ID, AppName: c.AppName.In(string(p.Lang)), OrgName: name(app.OwnerOrg),
			GrantedAt: civil(c.GrantedAt), ActingFor: c.ActingFor}
		for _, sc := range c.Scopes {
			v.Claims = append(v.Claims, p.T(apps.ScopeMessageKey(sc, app.IDNumberEntitled)))
		}
		p.Consents = append(p.Consents, v)
	}
	return s.render(w, http.StatusOK, "oidc/consents", p)
}

// consentRevoke withdraws one of the person's consents; someone else's is not found.
func (s *Site) consentRevoke(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.cfg.Apps.Revoke(r.Context(), id); err != nil {
		return err
	}
	http.Redirect(w, r, "/account/apps?saved=revoked", http.StatusSeeOther)
	return nil
}
