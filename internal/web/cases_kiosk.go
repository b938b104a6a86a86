package web

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// The self-service kiosk (/kiosk): a touch-screen layout in large type with a few big buttons
// (services, apply, my cases, look up a case, rate), sign-in at the kiosk, and an inactivity
// timeout that ends the session and returns to the start. A browser becomes a kiosk by opening
// /kiosk (the kiosk cookie marks the device); every session on such a device is a kiosk session.
//
// The timeout is enforced three times: without JavaScript a refresh to /kiosk/timeout after
// kioskIdle, with JavaScript a timer reset by every touch that submits the end-session form,
// and on the server, which refuses a kiosk session idle longer than kioskIdle (kioskGuard) and
// ends it by itself shortly after (a timer per session). Identity sessions have no idle limit of
// their own, so the server keeps the kiosk sessions' last use in this process; see kioskRegistry.

const (
	// kioskIdle is how long a kiosk session may go unused.
	kioskIdle = 120 * time.Second
	// kioskGrace is how much longer the server waits before ending an idle kiosk session by
	// itself, so that the page's own timeout (which says goodbye properly) comes first.
	kioskGrace = 30 * time.Second
	// kioskCookie marks a browser as a kiosk.
	kioskCookie = "yiwang_kiosk"
)

// kioskRegistry keeps the kiosk sessions of this process by session (the hash of the session's
// cookie, principal.Principal.Session): when each was last used, and a timer that ends it once
// idle. It lives in memory: a session on a kiosk device that this process does not know (after
// a restart, or first seen on another node) is adopted with a fresh idle period on its next
// request. Identity sessions with an idle limit of their own would make this unnecessary.
type kioskRegistry struct {
	mu       sync.Mutex
	sessions map[string]*kioskSession
}

type kioskSession struct {
	last  time.Time
	timer *time.Timer
}

var kiosks = &kioskRegistry{sessions: map[string]*kioskSession{}}

// touch records that session (whose cookie is token) was used at now, registering it as a kiosk
// session if it was not; end ends it after kioskIdle+kioskGrace without use.
func (k *kioskRegistry) touch(session string, now time.Time, end func()) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if e, ok := k.sessions[session]; ok {
		e.last = now
		e.timer.Reset(kioskIdle + kioskGrace)
		return
	}
	e := &kioskSession{last: now}
	e.timer = time.AfterFunc(kioskIdle+kioskGrace, func() {
		k.forget(session)
		end()
	})
	k.sessions[session] = e
}

// lastUse returns when session was last used, if it is a kiosk session.
func (k *kioskRegistry) lastUse(session string) (time.Time, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	e, ok := k.sessions[session]
	if !ok {
		return time.Time{}, false
	}
	return e.last, true
}

func (k *kioskRegistry) forget(session string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if e, ok := k.sessions[session]; ok {
		e.timer.Stop()
		delete(k.sessions, session)
	}
}

// kioskDevice reports whether r's browser is marked as a kiosk.
func kioskDevice(r *http.Request) bool {
	c, err := r.Cookie(kioskCookie)
	return err == nil && c.Value == "1"
}

// isKiosk reports whether r comes from a kiosk: the device is marked, or its session is a kiosk
// session.
func isKiosk(r *http.Request) bool {
	if kioskDevice(r) {
		return true
	}
	p := principal.From(r.Context())
	if p.Via != "session" || p.Session == "" {
		return false
	}
	_, ok := kiosks.lastUse(p.Session)
	return ok
}

// kioskExpired checks the session of p (r's principal) if it is a kiosk session: one idle longer
// than kioskIdle is ended (true); any other is recorded as used now.
func (s *Site) kioskExpired(r *http.Request, p principal.Principal) (bool, error) {
	if p.Via != "session" || p.Session == "" {
		return false, nil
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return false, nil
	}
	now := s.cfg.DB.Clock().Now()
	last, known := kiosks.lastUse(p.Session)
	if !known && !kioskDevice(r) {
		return false, nil
	}
	if known && now.Sub(last) > kioskIdle {
		kiosks.forget(p.Session)
		return true, s.cfg.Identity.Logout(principal.With(r.Context(), p), c.Value)
	}
	token, ids := c.Value, s.cfg.Identity
	kiosks.touch(p.Session, now, func() {
		// The session was left: end it even if nobody comes back to the kiosk.
		ctx, cancel := context.WithTimeout(principal.With(context.Background(), p), 10*time.Second)
		defer cancel()
		_ = ids.Logout(ctx, token)
	})
	return false, nil
}

// KioskPrincipal is the kiosk's check for the site's authentication: given the principal the
// session cookie of r resolved to, it returns the anonymous principal for a kiosk session idle
// longer than kioskIdle (which it ends) and p otherwise, recording the kiosk session's use.
// Called from Authenticate, it makes every page of the site refuse an idle kiosk session, not
// only the case pages (which check it themselves, kioskGuard).
func (s *Site) KioskPrincipal(r *http.Request, p principal.Principal) (principal.Principal, error) {
	expired, err := s.kioskExpired(r, p)
	if err != nil || !expired {
		return p, err
	}
	return principal.Principal{Kind: principal.Anonymous}, nil
}

// endKioskSession ends the session of token and makes the browser forget it.
func (s *Site) endKioskSession(w http.ResponseWriter, r *http.Request, p principal.Principal, token string) error {
	kiosks.forget(p.Session)
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

// kioskGuard serves h unless the request's kiosk session was idle too long: then the session
// ends and the browser returns to the kiosk's start.
func (s *Site) kioskGuard(h httpserver.HandlerFunc) httpserver.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p := principal.From(r.Context())
		expired, err := s.kioskExpired(r, p)
		if err != nil {
			return err
		}
		if !expired && !p.Authenticated() && kioskDevice(r) {
			// The authentication already ended it (KioskPrincipal): the cookie is stale.
			c, err := r.Cookie(sessionCookie)
			expired = err == nil && c.Value != ""
		}
		if expired {
			s.forgetSession(w, r)
			seeOther(w, r, "/kiosk?ended=idle")
			return nil
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

// kioskLogin signs in at the kiosk with the ordinary login; the session is a kiosk session from
// its first moment. An account with TOTP continues on the login's TOTP step, then comes back.
func (s *Site) kioskLogin(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	s.markKiosk(w, r)
	login := r.PostFormValue("login")
	res, err := s.cfg.Identity.Login(r.Context(), login, r.PostFormValue("password"), loginMeta(r))
	if errs.Is(err, errs.Unauthenticated) {
		page := s.newKioskPage(w, r, "cases.kiosk.login_title")
		page.Login, page.Error = login, httpserver.Translate(page.Lang, errs.Public(err))
		return s.render(w, http.StatusUnauthorized, "cases/kiosk_login", page)
	}
	if err != nil {
		return err
	}
	if !res.NeedTOTP {
		p, err := s.cfg.Identity.SessionPrincipal(r.Context(), res.Token)
		if err != nil {
			return err
		}
		token, ids := res.Token, s.cfg.Identity
		kiosks.touch(p.Session, s.cfg.DB.Clock().Now(), func() {
			ctx, cancel := context.WithTimeout(principal.With(context.Background(), p), 10*time.Second)
			defer cancel()
			_ = ids.Logout(ctx, token)
		})
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
	if !isKiosk(r) {
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
