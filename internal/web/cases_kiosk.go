package web

import (
	"net/http"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// The self-service kiosk (/kiosk): a touch-screen layout in large type with a few big buttons
// (services, apply, my cases, look up a case, rate), sign-in at the kiosk, and an inactivity
// timeout that ends the session and returns to the start. A browser becomes a kiosk by opening
// /kiosk (the kiosk cookie marks the device); every session used on such a device is a kiosk
// session: one with the idle limit kioskIdle of its own in identity.
//
// The timeout is enforced three times: without JavaScript a refresh to /kiosk/timeout after
// kioskIdle, with JavaScript a timer reset by every touch that submits the end-session form, and
// on the server, where identity refuses (and ends) a session whose idle limit has passed since
// its stored last use. That last check lives in the database, not in this process: every node
// behind a load balancer, and a node after a restart, refuses an idle kiosk session alike. The
// stored last use is written at most every few seconds, so the server may end a session up to
// that much before kioskIdle after its last request, never after (identity's idle.go).

const (
	// kioskIdle is how long a kiosk session may go unused: the page's timers and the session's
	// idle limit in identity.
	kioskIdle = 120 * time.Second
	// kioskCookie marks a browser as a kiosk.
	kioskCookie = "yiwang_kiosk"
)

// kioskDevice reports whether r's browser is marked as a kiosk.
func kioskDevice(r *http.Request) bool {
	c, err := r.Cookie(kioskCookie)
	return err == nil && c.Value == "1"
}

// isKiosk reports whether r comes from a kiosk: the device is marked, or its session is a kiosk
// session (has an idle limit), wherever it is presented.
func (s *Site) isKiosk(r *http.Request) bool {
	if kioskDevice(r) {
		return true
	}
	limit, err := s.cfg.Identity.SessionIdleLimit(r.Context())
	if err != nil {
		// The layout only: the session's limit holds whatever the page looks like.
		s.cfg.Logger.WarnContext(r.Context(), "kiosk: reading the session's idle limit", "err", err)
		return false
	}
	return limit > 0
}

// KioskPrincipal is the kiosk's part of the site's authentication: given the principal the
// session cookie of r resolved to, it makes a session used on a kiosk device a kiosk session
// (identity.Service.LimitIdle with kioskIdle; a session begun elsewhere included) and returns
// p, or the anonymous principal if the session ended meanwhile. The idle limit itself is
// enforced when the cookie is resolved (identity.Service.SessionPrincipal), so every page of the
// site refuses an idle kiosk session, not only the case pages.
func (s *Site) KioskPrincipal(r *http.Request, p principal.Principal) (principal.Principal, error) {
	if p.Via != "session" || p.Session == "" || !kioskDevice(r) {
		return p, nil
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return p, nil
	}
	err = s.cfg.Identity.LimitIdle(principal.With(r.Context(), p), c.Value, kioskIdle)
	if errs.Is(err, errs.Unauthenticated) {
		return principal.Principal{Kind: principal.Anonymous}, nil
	}
	if err != nil {
		return principal.Principal{}, err
	}
	return p, nil
}

// endKioskSession ends the session of token and makes the browser forget it.
func (s *Site) endKioskSession(w http.ResponseWriter, r *http.Request, p principal.Principal, token string) error {
	if err := s.cfg.Identity.Logout(principal.With(r.Context(), p), token); err != nil {
		return err
	}
	s.forgetSession(w, r)
	return nil
}

// forgetSession tells the browser to forget its session cookie.
func (s *Site) forgetSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: s.secure(r),
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// kioskGuard serves h unless the request comes from a kiosk whose session is over — the
// authentication refused its cookie, typically because the session was idle too long: then the
// browser forgets the cookie and returns to the kiosk's start.
func (s *Site) kioskGuard(h httpserver.HandlerFunc) httpserver.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if !principal.From(r.Context()).Authenticated() && kioskDevice(r) {
			if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
				s.forgetSession(w, r)
				seeOther(w, r, "/kiosk?ended=idle")
				return nil
			}
		}
		return h(w, r)
	}
}

func (s *Site) installKiosk(srv *httpserver.Server) {
	srv.Handle("GET /kiosk", s.kioskGuard(s.kioskStart))
	srv.Handle("GET /kiosk/login", s.kioskGuard(s.kioskLoginForm))
	srv.Handle("POST /kiosk/login", s.kioskLogin, httpserver.RateLimit(httpserver.ClassLogin))
	srv.Handle("POST /kiosk/logout", s.kioskLogout)
	srv.Handle("GET /kiosk/timeout", s.kioskTimeout)
	srv.Handle("POST /kiosk/alive", s.kioskAlive)
}

// kioskAlive is the kiosk page's keep-alive: kiosk.js posts it while the person is touching or
// typing on a page that has not reached the server (a long form), so that the idle limit counts
// from their last touch, not their last page. Authentication has already recorded the use
// (identity's last_seen_at); the answer only says whether the session is still there: 204, or
// 401 when it ended (the page then returns to the kiosk's start).
func (s *Site) kioskAlive(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	if !principal.From(r.Context()).Authenticated() {
		w.WriteHeader(http.StatusUnauthorized)
		return nil
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// markKiosk marks the browser as a kiosk for a year.
func (s *Site) markKiosk(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: kioskCookie, Value: "1", Path: "/", HttpOnly: true, Secure: s.secure(r),
		SameSite: http.SameSiteLaxMode, MaxAge: 365 * 24 * 3600})
}

// kioskNav is the navigation at a kiosk: few choices.
func kioskNav(b basePage, r *http.Request) []link {
	nav := []struct{ href, key string }{{"/kiosk", "nav.kiosk"}, {"/lookup", "nav.lookup"}}
	if requireApplicantKind(b.Principal) == nil {
		nav = append(nav, struct{ href, key string }{"/my/cases", "nav.my_cases"})
	}
	out := make([]link, 0, len(nav))
	for _, n := range nav {
		out = append(out, link{Href: n.href, Label: b.T(n.key), Current: r.URL.Path == n.href})
	}
	return out
}

// ---- the pages -------------------------------------------------------------------------------

type kioskPage struct {
	casesBase
	SignedIn bool
	Person   string
	Notice   string
	Buttons  []kioskButton
	// The sign-in form: the login as typed and what went wrong.
	Login, Error string
}

type kioskButton struct {
	Href, Label, Hint, ID string
}

func (s *Site) newKioskPage(w http.ResponseWriter, r *http.Request, titleKey string) kioskPage {
	b := s.newCasesBase(w, r, titleKey)
	// The start page is a kiosk's whether or not the cookie came with this request.
	b.Kiosk, b.KioskIdle, b.LargeType = true, int(kioskIdle.Seconds()), true
	p := principal.From(r.Context())
	b.Nav = kioskNav(b.basePage, r)
	page := kioskPage{casesBase: b, SignedIn: requireSignedIn(p) == nil}
	if page.SignedIn {
		page.Person = p.Name
	}
	return page
}

func (s *Site) kioskStart(w http.ResponseWriter, r *http.Request) error {
	s.markKiosk(w, r)
	page := s.newKioskPage(w, r, "cases.kiosk.title")
	switch r.URL.Query().Get("ended") {
	case "idle":
		page.Notice = page.T("cases.kiosk.ended_idle")
	case "1":
		page.Notice = page.T("cases.kiosk.ended")
	}
	p := principal.From(r.Context())
	button := func(id, href, label, hint string) {
		page.Buttons = append(page.Buttons, kioskButton{ID: id, Href: href, Label: page.T(label), Hint: page.T(hint)})
	}
	button("kiosk-services", "/services", "cases.kiosk.services", "cases.kiosk.services_hint")
	switch {
	case page.SignedIn && requireApplicantKind(p) == nil:
		button("kiosk-mine", "/my/cases", "cases.kiosk.mine", "cases.kiosk.mine_hint")
	case !page.SignedIn:
		button("kiosk-login", "/kiosk/login", "cases.kiosk.login", "cases.kiosk.login_hint")
	}
	button("kiosk-lookup", "/lookup", "cases.kiosk.lookup", "cases.kiosk.lookup_hint")
	if page.SignedIn {
		button("kiosk-rate", "/my/cases", "cases.kiosk.rate", "cases.kiosk.rate_hint")
	} else {
		button("kiosk-rate", "/ratings/visit", "cases.kiosk.rate", "cases.kiosk.rate_visit_hint")
	}
	return s.render(w, http.StatusOK, "cases/kiosk", page)
}

func (s *Site) kioskLoginForm(w http.ResponseWriter, r *http.Request) error {
	s.markKiosk(w, r)
	if requireSignedIn(principal.From(r.Context())) == nil {
		seeOther(w, r, "/kiosk")
		return nil
	}
	return s.render(w, http.StatusOK, "cases/kiosk_login", s.newKioskPage(w, r, "cases.kiosk.login_title"))
}

// kioskLogin signs in at the kiosk with the ordinary login; the session is a kiosk session, with
// the kiosk's idle limit, from its first moment. An account with TOTP continues on the login's
// TOTP step, whose session keeps the limit, then comes back.
func (s *Site) kioskLogin(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	s.markKiosk(w, r)
	login := r.PostFormValue("login")
	m := loginMeta(r)
	m.IdleLimit = kioskIdle
	res, err := s.cfg.Identity.Login(r.Context(), login, r.PostFormValue("password"), m)
	if errs.Is(err, errs.Unauthenticated) {
		page := s.newKioskPage(w, r, "cases.kiosk.login_title")
		page.Login, page.Error = login, httpserver.Translate(page.Lang, errs.Public(err))
		return s.render(w, http.StatusUnauthorized, "cases/kiosk_login", page)
	}
	if err != nil {
		return err
	}
	s.signedIn(w, r, res, "/kiosk")
	return nil
}

// kioskLogout ends the kiosk session (the end-session button, and the page's own timer).
func (s *Site) kioskLogout(w http.ResponseWriter, r *http.Request) error {
	if err := s.endCurrentSession(w, r); err != nil {
		return err
	}
	seeOther(w, r, "/kiosk?ended=1")
	return nil
}

// kioskTimeout is where a kiosk page without JavaScript goes when idle: the session ends and the
// kiosk starts again. It ends only a kiosk's session, so that a link to it elsewhere does nothing.
func (s *Site) kioskTimeout(w http.ResponseWriter, r *http.Request) error {
	if !s.isKiosk(r) {
		seeOther(w, r, "/kiosk")
		return nil
	}
	if err := s.endCurrentSession(w, r); err != nil {
		return err
	}
	seeOther(w, r, "/kiosk?ended=idle")
	return nil
}

func (s *Site) endCurrentSession(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" || requireSignedIn(p) != nil {
		return nil
	}
	return s.endKioskSession(w, r, p, c.Value)
}
