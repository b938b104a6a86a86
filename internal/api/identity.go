package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/yiwang-platform/yiwang/internal/calendar"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// maxLoginHistory bounds how many login attempts one request lists.
const maxLoginHistory = 500

func init() {
	scopes := map[string]any{"type": "array", "items": map[string]any{"type": "string", "enum": identity.TokenScopes}}
	agentScopes := map[string]any{"type": "array", "items": map[string]any{"type": "string", "enum": identity.AgentScopes}}
	schemas["Me"] = obj(map[string]any{
		"kind": map[string]any{"type": "string", "enum": []string{string(principal.Resident), string(principal.Agent),
			string(principal.Official), string(principal.Client)}},
		"account_id": integer(""), "login": str("login name; residents have an opaque handle"), "name": str("name as registered"),
		"org_code":        str("officials: their organisation"),
		"roles":           arr(str("officials: window_officer, reviewer, approver, inspector, data_steward, administrator")),
		"real_name_level": integer("0 for officials; residents 1 self-declared, 2 matched with the population registry, 3 verified in person"),
		"acting_for": map[string]any{"type": []string{"object", "null"}, "description": "the enterprise an agent acts for, null otherwise",
			"properties": map[string]any{"credit_code": str(""), "name": str(""), "scopes": agentScopes}},
		"scopes":       map[string]any{"type": []string{"array", "null"}, "items": str(""), "description": "a token's scopes; null for a login session, which is limited only by roles"},
		"via":          str("session or token"),
		"phone":        str("masked, e.g. 139****5678"),
		"id_type":      str("resident_id, hk_macao_permit, taiwan_permit, foreign_permanent_resident or passport"),
		"id_number":    str("masked: region and check characters only"),
		"totp_enabled": boolean(""),
		"client_id":    str("the app, when a department system calls as itself (kind client)"),
	})
	schemas["LoginEvent"] = obj(map[string]any{
		"method":    str("password, totp, code or recovery"),
		"outcome":   str("success, bad_credentials, locked, locked_now, totp_required, bad_code, password_reset…"),
		"client_ip": str(""), "user_agent": str(""), "at": str("RFC 3339"),
	})
	schemas["AccessToken"] = obj(map[string]any{
		"id": integer(""), "name": str(""), "prefix": str("identifies the token in lists; the token starts ywpat_<prefix>_"),
		"scopes": scopes, "created_at": str("RFC 3339"), "expires_at": str("RFC 3339"),
		"last_used_at": str("RFC 3339, to the hour"), "revoked_at": str("RFC 3339"),
	})
	schemas["ActingOption"] = obj(map[string]any{
		"credit_code": str("unified social credit code"), "name": str(""), "region_code": str("GB/T 2260"),
		"owner": boolean("the caller is the legal representative"), "acting": boolean("the caller's session acts for it now"),
		"scopes": agentScopes,
	})
	schemas["Authorisation"] = obj(map[string]any{
		"id": integer(""), "credit_code": str(""), "enterprise_name": str(""), "agent_name": str(""),
		"agent_phone": str("masked"), "scopes": agentScopes, "valid_from": str("RFC 3339"), "valid_until": str("RFC 3339"),
		"granted_at": str("RFC 3339"), "revoked_at": str("RFC 3339"),
	})
	schemas["Official"] = obj(map[string]any{
		"id": integer(""), "login": str(""), "kind": str("official"), "display_name": str(""), "org_code": str(""),
		"disabled": boolean(""), "created_at": str("RFC 3339"), "roles": arr(str("")),
		"locked_until": str("RFC 3339: password login paused after repeated failures"),
	})
}

func (a *API) installIdentity(srv *httpserver.Server) {
	const tag = "identity"
	idPath := func(desc string) []param { return []param{idParam("id", desc)} }
	codeParam := param{Name: "code", In: "path", Required: true, Description: "unified social credit code (GB 32100)",
		Schema: map[string]any{"type": "string", "pattern": "^[0-9A-HJ-NPQRTUWXY]{18}$"}}
	a.route(srv, operation{Method: "GET", Path: "/api/v1/me", ID: "getMe", Tag: tag, Auth: true,
		Summary:  "Who the caller is: kind, login, name, organisation, roles, real-name level, the enterprise an agent acts for, a token's scopes; phone and document masked",
		Response: ref("Me")}, a.me)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/me/logins", ID: "listMyLogins", Tag: tag, Auth: true,
		Summary: "The caller's own login attempts, newest first",
		Params: []param{{Name: "limit", In: "query", Description: "at most this many (1–500, default 100)",
			Schema: map[string]any{"type": "integer", "minimum": 1, "maximum": maxLoginHistory}}},
		Response: arr(ref("LoginEvent"))}, a.myLogins)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/me/tokens", ID: "listMyTokens", Tag: tag, Auth: true,
		Summary: "The caller's personal access tokens, newest first (never the tokens themselves)", Response: arr(ref("AccessToken"))}, a.myTokens)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/me/tokens", ID: "createMyToken", Tag: tag, Auth: true, Status: http.StatusCreated,
		Summary: "Create a personal access token for the caller, sent as 'Authorization: Bearer <token>' to the API. " +
			"The token is in this response only. A token cannot create tokens: sign in.",
		Body: obj(map[string]any{"name": str("what the token is for, at most 100 characters"),
			"scopes":   map[string]any{"type": "array", "items": map[string]any{"type": "string", "enum": identity.TokenScopes}, "description": "api:read may only read; api:write may also change"},
			"ttl_days": map[string]any{"type": "integer", "minimum": 1, "maximum": int(identity.MaxTokenTTL / (24 * time.Hour)), "description": "days until it expires"},
		}, "name", "scopes", "ttl_days"),
		Response: obj(map[string]any{"token": str("the secret token, shown once"), "id": integer(""), "name": str(""), "prefix": str(""),
			"scopes": arr(str("")), "created_at": str("RFC 3339"), "expires_at": str("RFC 3339")})}, a.createMyToken)
	a.route(srv, operation{Method: "DELETE", Path: "/api/v1/me/tokens/{id}", ID: "revokeMyToken", Tag: tag, Auth: true,
		Summary: "Revoke one of the caller's tokens; another person's token is not found", Params: idPath("token id"),
		Response: ref("AccessToken")}, a.revokeMyToken)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/me/enterprises", ID: "listMyEnterprises", Tag: tag, Auth: true,
		Summary:  "The enterprises the caller may act for now: those they represent (owner) and those that authorised them as agent, with the scopes",
		Response: arr(ref("ActingOption"))}, a.myEnterprises)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/enterprises/{code}/agents", ID: "listEnterpriseAgents", Tag: tag, Auth: true,
		Summary: "The agents an enterprise has authorised, newest first (its legal representative only; others get 404)",
		Params:  []param{codeParam}, Response: arr(ref("Authorisation"))}, a.enterpriseAgents)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/enterprises/{code}/agents", ID: "authoriseEnterpriseAgent", Tag: tag, Auth: true,
		Status:  http.StatusCreated,
		Summary: "Authorise a registered resident as the enterprise's agent for service scopes and a period (its legal representative only)",
		Params:  []param{codeParam},
		Body: obj(map[string]any{"agent": str("the agent's mobile number or resident ID number"),
			"scopes":      map[string]any{"type": "array", "items": map[string]any{"type": "string", "enum": identity.AgentScopes}},
			"valid_from":  str("RFC 3339 time or YYYY-MM-DD (China time, from the start of the day); now if absent"),
			"valid_until": str("RFC 3339 time or YYYY-MM-DD (China time, to the end of the day); at most three years after valid_from"),
		}, "agent", "scopes", "valid_until"),
		Response: ref("Authorisation")}, a.authoriseAgent)
	a.route(srv, operation{Method: "DELETE", Path: "/api/v1/enterprises/{code}/agents/{id}", ID: "revokeEnterpriseAgent", Tag: tag, Auth: true,
		Summary: "Revoke an agent's authorisation (the enterprise's legal representative only); the agent's sessions stop acting for it at once",
		Params:  []param{codeParam, idParam("id", "authorisation id")}, Response: ref("Authorisation")}, a.revokeAgent)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/officials", ID: "listOfficials", Tag: tag, Auth: true,
		Summary:  "Officials and their roles: all for the digital office's administrators, their own organisation's for another administrator",
		Params:   []param{{Name: "org", In: "query", Description: "only this organisation", Schema: map[string]any{"type": "string"}}},
		Response: arr(ref("Official"))}, a.officials)
	a.route(srv, operation{Method: "PUT", Path: "/api/v1/officials/{id}/roles", ID: "setOfficialRoles", Tag: tag, Auth: true,
		Summary: "Replace an official's roles (the digital office's administrators; an organisation's administrators within it, " +
			"but not the administrator role); nobody removes their own administrator role",
		Params: idPath("official's account id"),
		Body: obj(map[string]any{"roles": map[string]any{"type": "array",
			"items": map[string]any{"type": "string", "enum": principal.AllRoles}}}, "roles"),
		Response: ref("Official")}, a.setOfficialRoles)
}

// signedIn returns the caller, or errs.Unauthenticated for the public: every identity route is
// about the person asking.
func signedIn(r *http.Request) (principal.Principal, error) {
	p := principal.From(r.Context())
	if !p.Authenticated() || p.AccountID == 0 {
		return p, errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	return p, nil
}

type actingFor struct {
	CreditCode string   `json:"credit_code"`
	Name       string   `json:"name"`
	Scopes     []string `json:"scopes"`
}

type meResponse struct {
	Kind          principal.Kind `json:"kind"`
	AccountID     int64          `json:"account_id"`
	Login         string         `json:"login"`
	Name          string         `json:"name"`
	OrgCode       string         `json:"org_code,omitempty"`
	Roles         []string       `json:"roles"`
	RealNameLevel int            `json:"real_name_level"`
	ActingFor     *actingFor     `json:"acting_for"`
	Scopes        []string       `json:"scopes"`
	Via           string         `json:"via"`
	Phone         string         `json:"phone,omitempty"`
	IDType        string         `json:"id_type,omitempty"`
	IDNumber      string         `json:"id_number,omitempty"`
	TOTPEnabled   bool           `json:"totp_enabled"`
	ClientID      string         `json:"client_id,omitempty"`
}

func (a *API) me(w http.ResponseWriter, r *http.Request) error {
	if p := principal.From(r.Context()); p.Kind == principal.Client {
		// A department system calling as itself has no account: say which app it is.
		return writeJSON(w, http.StatusOK, meResponse{Kind: p.Kind, Login: p.Login, Name: p.Name, Roles: []string{},
			Scopes: p.Scopes, Via: p.Via, ClientID: p.ClientID})
	}
	p, err := signedIn(r)
	if err != nil {
		return err
	}
	acc, err := a.cfg.Identity.Account(r.Context(), p.AccountID)
	if err != nil {
		return err
	}
	m := meResponse{Kind: p.Kind, AccountID: p.AccountID, Login: p.Login, Name: p.Name, OrgCode: p.OrgCode, Roles: p.Roles,
		RealNameLevel: p.RealNameLevel, Scopes: p.Scopes, Via: p.Via, Phone: acc.MaskedPhone(), IDNumber: acc.MaskedIDNumber(),
		TOTPEnabled: acc.TOTPEnabled}
	if m.Roles == nil {
		m.Roles = []string{}
	}
	if acc.IDType != nil {
		m.IDType = *acc.IDType
	}
	if p.ActingFor != "" {
		m.ActingFor = &actingFor{CreditCode: p.ActingFor, Name: p.ActingForName, Scopes: p.AgentScopes}
	}
	return writeJSON(w, http.StatusOK, m)
}

func (a *API) myLogins(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedIn(r); err != nil {
		return err
	}
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLoginHistory {
			return errs.Field("limit", "api.error.bad_limit", maxLoginHistory)
		}
		limit = n
	}
	list, err := a.cfg.Identity.LoginHistory(r.Context(), limit)
	if err != nil {
		return err
	}
	if list == nil {
		list = []identity.LoginEvent{}
	}
	return writeJSON(w, http.StatusOK, list)
}

func (a *API) myTokens(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedIn(r); err != nil {
		return err
	}
	list, err := a.cfg.Identity.Tokens(r.Context())
	if err != nil {
		return err
	}
	if list == nil {
		list = []identity.AccessToken{}
	}
	return writeJSON(w, http.StatusOK, list)
}

type createTokenRequest struct {
	Name    string   `json:"name"`
	Scopes  []string `json:"scopes"`
	TTLDays int      `json:"ttl_days"`
}

type createdToken struct {
	Token string `json:"token"`
	identity.AccessToken
}

func (a *API) createMyToken(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedIn(r); err != nil {
		return err
	}
	var req createTokenRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if req.TTLDays <= 0 || req.TTLDays > int(identity.MaxTokenTTL/(24*time.Hour)) {
		return errs.Field("ttl_days", "identity.error.token_ttl", int(identity.MaxTokenTTL/(24*time.Hour)))
	}
	t, token, err := a.cfg.Identity.CreateToken(r.Context(), identity.NewToken{Name: req.Name, Scopes: req.Scopes,
		TTL: time.Duration(req.TTLDays) * 24 * time.Hour})
	if err != nil {
		return renameField(err, map[string]string{"scope": "scopes", "ttl": "ttl_days"})
	}
	return writeJSON(w, http.StatusCreated, createdToken{Token: token, AccessToken: t})
}

// renameField renames the field a service error names to the request's JSON field.
func renameField(err error, names map[string]string) error {
	var e *errs.Error
	if errors.As(err, &e) {
		if n, ok := names[e.Field]; ok {
			e.Field = n
		}
	}
	return err
}

func (a *API) revokeMyToken(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedIn(r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.cfg.Identity.RevokeToken(r.Context(), id); err != nil {
		return err
	}
	list, err := a.cfg.Identity.Tokens(r.Context())
	if err != nil {
		return err
	}
	for _, t := range list {
		if t.ID == id {
			return writeJSON(w, http.StatusOK, t)
		}
	}
	return errs.E(errs.NotFound, "error.not_found")
}

type actingOption struct {
	identity.Enterprise
	Owner  bool     `json:"owner"`
	Acting bool     `json:"acting"`
	Scopes []string `json:"scopes"`
}

func (a *API) myEnterprises(w http.ResponseWriter, r *http.Request) error {
	p, err := signedIn(r)
	if err != nil {
		return err
	}
	opts, err := a.cfg.Identity.ActingOptions(r.Context())
	if err != nil {
		return err
	}
	out := []actingOption{}
	for _, o := range opts {
		out = append(out, actingOption{Enterprise: o.Enterprise, Owner: o.Owner, Acting: p.ActingFor == o.Enterprise.CreditCode, Scopes: o.Scopes})
	}
	return writeJSON(w, http.StatusOK, out)
}

// creditCodeParam is the enterprise's credit code in the path, normalised as people type it.
func creditCodeParam(r *http.Request) string { return idcode.Normalize(r.PathValue("code")) }

func (a *API) enterpriseAgents(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedIn(r); err != nil {
		return err
	}
	list, err := a.cfg.Identity.EnterpriseAgents(r.Context(), creditCodeParam(r))
	if err != nil {
		return err
	}
	if list == nil {
		list = []identity.Authorisation{}
	}
	return writeJSON(w, http.StatusOK, list)
}

type authoriseRequest struct {
	Agent      string   `json:"agent"`
	Scopes     []string `json:"scopes"`
	ValidFrom  string   `json:"valid_from"`
	ValidUntil string   `json:"valid_until"`
}

// parseMoment reads an RFC 3339 time, or a civil date in China time: its start, or with
// endOfDay the start of the next day.
func parseMoment(field, v string, endOfDay bool) (time.Time, error) {
	v = strings.TrimSpace(v)
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	d, err := calendar.ParseDay(v)
	if err != nil {
		return time.Time{}, errs.Field(field, "api.error.bad_time", v)
	}
	d = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, clock.China)
	if endOfDay {
		d = d.AddDate(0, 0, 1)
	}
	return d, nil
}

func (a *API) authoriseAgent(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedIn(r); err != nil {
		return err
	}
	var req authoriseRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	g := identity.Grant{CreditCode: creditCodeParam(r), Agent: req.Agent, Scopes: req.Scopes, ValidFrom: a.cfg.DB.Clock().Now()}
	var err error
	if req.ValidFrom != "" {
		if g.ValidFrom, err = parseMoment("valid_from", req.ValidFrom, false); err != nil {
			return err
		}
	}
	if g.ValidUntil, err = parseMoment("valid_until", req.ValidUntil, true); err != nil {
		return err
	}
	auth, err := a.cfg.Identity.AuthoriseAgent(r.Context(), g)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, auth)
}

func (a *API) revokeAgent(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedIn(r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	code := creditCodeParam(r)
	// The authorisation must be one of this enterprise's: the id alone would let a URL name one
	// enterprise and revoke for another.
	find := func() (identity.Authorisation, error) {
		list, err := a.cfg.Identity.EnterpriseAgents(r.Context(), code)
		if err != nil {
			return identity.Authorisation{}, err
		}
		for _, au := range list {
			if au.ID == id {
				return au, nil
			}
		}
		return identity.Authorisation{}, errs.E(errs.NotFound, "error.not_found")
	}
	if _, err := find(); err != nil {
		return err
	}
	if err := a.cfg.Identity.RevokeAgent(r.Context(), id); err != nil {
		return err
	}
	au, err := find()
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, au)
}

func (a *API) officials(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedIn(r); err != nil {
		return err
	}
	list, err := a.cfg.Identity.Officials(r.Context(), strings.TrimSpace(r.URL.Query().Get("org")))
	if err != nil {
		return err
	}
	if list == nil {
		list = []identity.Account{}
	}
	for i := range list {
		if list[i].Roles == nil {
			list[i].Roles = []string{}
		}
	}
	return writeJSON(w, http.StatusOK, list)
}

func (a *API) setOfficialRoles(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedIn(r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req struct {
		Roles *[]string `json:"roles"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	if req.Roles == nil {
		return errs.Field("roles", "error.required")
	}
	if err := a.cfg.Identity.SetRoles(r.Context(), id, *req.Roles); err != nil {
		return err
	}
	acc, err := a.cfg.Identity.Account(r.Context(), id)
	if err != nil {
		return err
	}
	if acc.Roles == nil {
		acc.Roles = []string{}
	}
	return writeJSON(w, http.StatusOK, acc)
}
