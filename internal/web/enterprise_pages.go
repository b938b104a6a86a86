package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// Enterprises and their agents: a legal representative registers the enterprise and authorises
// agents (經辦人) for service scopes and a period; an agent sees the authorisations they hold and
// chooses, for the session, whom they act for. The header of every page shows the enterprise an
// agent acts for (base.html).

func (s *Site) installEnterprise(srv *httpserver.Server) {
	srv.Handle("GET /enterprises", s.enterprises)
	srv.Handle("POST /enterprises", s.enterpriseRegister)
	srv.Handle("POST /enterprises/{code}/agents", s.agentAuthorise)
	srv.Handle("POST /enterprises/agents/{id}/revoke", s.agentRevoke)
	srv.Handle("POST /acting-for", s.actingFor)
}

type enterprisesPage struct {
	basePage
	// Acting is set while the person acts for an enterprise: they still manage the agents of
	// the enterprises they own, but register new enterprises only as themselves.
	Acting      bool
	Level       string
	CanRegister bool
	Register    form
	Owned       []ownedView
	Mine        []authView
	Options     []actingChoice
	Scopes      []choice
	Today       string
	Saved       string
	Error       string
}

type ownedView struct {
	identity.Enterprise
	Region string
	Agents []authView
	F      form
}

type authView struct {
	ID                     int64
	Enterprise, CreditCode string
	Agent, AgentPhone      string
	Scopes                 []string
	From, Until            string
	Status, StatusLabel    string
	Revocable              bool
}

type actingChoice struct {
	Code, Name string
	Owner      bool
	Current    bool
}

// enterpriseForms is what a failed form on the enterprises page carries back.
type enterpriseForms struct {
	registerErr error
	grantCode   string
	grantErr    error
	pageErr     error
}

// requirePerson refuses the public, and officials: enterprises are residents' business.
func requirePerson(p principal.Principal) error {
	if err := requireSignedIn(p); err != nil {
		return err
	}
	if p.Kind != principal.Resident && p.Kind != principal.Agent {
		return errs.E(errs.Forbidden, "enterprises.residents_only")
	}
	return nil
}

func (s *Site) enterprises(w http.ResponseWriter, r *http.Request) error {
	return s.renderEnterprises(w, r, http.StatusOK, enterpriseForms{})
}

func (s *Site) renderEnterprises(w http.ResponseWriter, r *http.Request, status int, f enterpriseForms) error {
	pr := principal.From(r.Context())
	if err := requirePerson(pr); err != nil {
		return err
	}
	ctx := r.Context()
	b := s.newBase(w, r, "enterprises.title")
	now := s.cfg.DB.Clock().Now()
	p := enterprisesPage{basePage: b, Acting: pr.Kind == principal.Agent, Today: now.In(chinaTime).Format(time.DateOnly),
		Level:    b.T(msgKey("identity.level.", strconv.Itoa(pr.RealNameLevel))),
		Register: newForm(r, "credit_code", "name")}
	p.CanRegister = !p.Acting && pr.RealNameLevel >= 2
	switch r.URL.Query().Get("saved") {
	case "registered":
		p.Saved = b.T("enterprises.saved_registered")
	case "authorised":
		p.Saved = b.T("enterprises.saved_authorised")
	case "revoked":
		p.Saved = b.T("enterprises.saved_revoked")
	case "acting":
		p.Saved = b.T("enterprises.saved_acting")
	}
	for _, sc := range identity.AgentScopes {
		p.Scopes = append(p.Scopes, choice{Value: sc, Label: b.T(msgKey("identity.scope.", sc))})
	}
	owned, err := s.cfg.Identity.OwnedEnterprises(ctx)
	if err != nil {
		return err
	}
	for _, e := range owned {
		ov := ownedView{Enterprise: e, Region: e.RegionCode, F: newForm(r)}
		if n, ok := idcode.RegionName(e.RegionCode, string(b.Lang)); ok {
			ov.Region = n
		}
		list, err := s.cfg.Identity.EnterpriseAgents(ctx, e.CreditCode)
		if err != nil {
			return err
		}
		for _, a := range list {
			ov.Agents = append(ov.Agents, s.authView(b, a, now))
		}
		if e.CreditCode == f.grantCode {
			ov.F = newForm(r, "agent", "scopes", "valid_from", "valid_until")
			if f.grantErr != nil {
				ov.F.fail(b.Lang, f.grantErr, nil)
			}
		} else {
			ov.F.Values.Set("valid_from", p.Today)
		}
		p.Owned = append(p.Owned, ov)
	}
	mine, err := s.cfg.Identity.MyAuthorisations(ctx)
	if err != nil {
		return err
	}
	for _, a := range mine {
		p.Mine = append(p.Mine, s.authView(b, a, now))
	}
	opts, err := s.cfg.Identity.ActingOptions(ctx)
	if err != nil {
		return err
	}
	for _, o := range opts {
		p.Options = append(p.Options, actingChoice{Code: o.Enterprise.CreditCode, Name: o.Enterprise.Name, Owner: o.Owner,
			Current: o.Enterprise.CreditCode == pr.ActingFor})
	}
	if f.registerErr != nil {
		p.Register.fail(b.Lang, f.registerErr, nil)
	}
	if f.pageErr != nil {
		p.Error = httpserver.Translate(b.Lang, errs.Public(f.pageErr))
	}
	return s.render(w, status, "identity/enterprises", p)
}

func (s *Site) authView(b basePage, a identity.Authorisation, now time.Time) authView {
	v := authView{ID: a.ID, Enterprise: a.Enterprise, CreditCode: a.CreditCode, Agent: a.AgentName, AgentPhone: a.AgentMasked,
		From: civilFrom(a.ValidFrom), Until: civilUntil(a.ValidUntil)}
	for _, sc := range a.ScopeList {
		v.Scopes = append(v.Scopes, b.T(msgKey("identity.scope.", sc)))
	}
	switch {
	case a.RevokedAt != nil:
		v.Status, v.StatusLabel = "revoked", b.T("enterprises.status_revoked", civil(*a.RevokedAt))
	case !now.Before(a.ValidUntil):
		v.Status, v.StatusLabel = "expired", b.T("enterprises.status_expired")
	case now.Before(a.ValidFrom):
		v.Status, v.StatusLabel, v.Revocable = "pending", b.T("enterprises.status_pending"), true
	default:
		v.Status, v.StatusLabel, v.Revocable = "active", b.T("enterprises.status_active"), true
	}
	return v
}

func (s *Site) enterpriseRegister(w http.ResponseWriter, r *http.Request) error {
	if err := requirePerson(principal.From(r.Context())); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	_, err := s.cfg.Identity.RegisterEnterprise(r.Context(), r.PostFormValue("credit_code"), r.PostFormValue("name"))
	if err != nil {
		// Forbidden here is the real-name level: said beside the form, like bad input.
		status, ok := formStatus(err, errs.Forbidden)
		if !ok {
			return err
		}
		return s.renderEnterprises(w, r, status, enterpriseForms{registerErr: err})
	}
	seeOther(w, r, "/enterprises?saved=registered")
	return nil
}

func (s *Site) agentAuthorise(w http.ResponseWriter, r *http.Request) error {
	if err := requirePerson(principal.From(r.Context())); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	code := r.PathValue("code")
	back := func(err error) error {
		return s.renderEnterprises(w, r, http.StatusBadRequest, enterpriseForms{grantCode: code, grantErr: err})
	}
	from, until := s.cfg.DB.Clock().Now(), time.Time{}
	if v := strings.TrimSpace(r.PostFormValue("valid_from")); v != "" {
		d, err := time.ParseInLocation(time.DateOnly, v, chinaTime)
		if err != nil {
			return back(errs.Field("valid_from", "enterprises.bad_date"))
		}
		from = d
	}
	if v := strings.TrimSpace(r.PostFormValue("valid_until")); v != "" {
		d, err := time.ParseInLocation(time.DateOnly, v, chinaTime)
		if err != nil {
			return back(errs.Field("valid_until", "enterprises.bad_date"))
		}
		until = d.AddDate(0, 0, 1) // the last day counts in full
	} else {
		return back(errs.Field("valid_until", "error.required"))
	}
	_, err := s.cfg.Identity.AuthoriseAgent(r.Context(), identity.Grant{CreditCode: code, Agent: r.PostFormValue("agent"),
		Scopes: r.PostForm["scopes"], ValidFrom: from, ValidUntil: until})
	if err != nil {
		// Someone else's enterprise is not found (404) through the error page.
		status, ok := formStatus(err)
		if !ok {
			return err
		}
		return s.renderEnterprises(w, r, status, enterpriseForms{grantCode: code, grantErr: err})
	}
	seeOther(w, r, "/enterprises?saved=authorised")
	return nil
}

func (s *Site) agentRevoke(w http.ResponseWriter, r *http.Request) error {
	if err := requirePerson(principal.From(r.Context())); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.cfg.Identity.RevokeAgent(r.Context(), id); err != nil {
		if errs.Is(err, errs.Conflict) {
			return s.renderEnterprises(w, r, http.StatusConflict, enterpriseForms{pageErr: err})
		}
		return err
	}
	seeOther(w, r, "/enterprises?saved=revoked")
	return nil
}

// actingFor switches the session to act for an enterprise, or back to the person themselves
// (an empty credit code).
func (s *Site) actingFor(w http.ResponseWriter, r *http.Request) error {
	if err := requirePerson(principal.From(r.Context())); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	if err := s.cfg.Identity.ActFor(r.Context(), c.Value, strings.TrimSpace(r.PostFormValue("credit_code"))); err != nil {
		return err
	}
	back := "/enterprises?saved=acting"
	if b := r.PostFormValue("back"); b != "" {
		back = safeNext(b)
	}
	seeOther(w, r, back)
	return nil
}

// civilFrom is the start of a period: its date, with the time unless it is midnight in China.
func civilFrom(t time.Time) string {
	t = t.In(chinaTime)
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
		return t.Format(time.DateOnly)
	}
	return civil(t)
}

// civilUntil is the end of a period that lasts until t (excluded): a period ending at midnight
// in China ends with the day before, shown as that date.
func civilUntil(t time.Time) string {
	t = t.In(chinaTime)
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
		return t.AddDate(0, 0, -1).Format(time.DateOnly)
	}
	return civil(t)
}
