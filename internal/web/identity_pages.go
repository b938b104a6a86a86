package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// Identity pages: signing in (password, then the TOTP code when the account has one; or a
// one-time code by text message), registration, password recovery and the development outbox.
// The account, token, enterprise and administration pages are in account_pages.go,
// enterprise_pages.go and admin_pages.go.

func (s *Site) installIdentity(srv *httpserver.Server) {
	// Everything that checks a secret or sends a text message is in the slow login class.
	slow := httpserver.RateLimit(httpserver.ClassLogin)
	srv.Handle("GET /login/totp", s.loginTOTPForm)
	srv.Handle("POST /login/totp", s.loginTOTP, slow)
	srv.Handle("GET /login/code", s.loginCodeForm)
	srv.Handle("POST /login/code", s.loginCode, slow)
	srv.Handle("GET /register", s.registerForm)
	srv.Handle("POST /register", s.register, slow)
	srv.Handle("GET /recover", s.recoverForm)
	srv.Handle("POST /recover", s.recover, slow)
	srv.Handle("GET /dev/outbox", s.devOutbox)
	s.installAccount(srv)
	s.installEnterprise(srv)
	s.installAdmin(srv)
}

// ---- forms -------------------------------------------------------------------------------

// form is a form as the person filled it in, with what went wrong: a message beside each field
// at fault (Errors) and one at the top (Error), which names the field (Field) when there is one.
// Passwords and codes are never put back into a page.
type form struct {
	Values url.Values
	Errors map[string]string
	Error  string
	Field  string
}

// newForm keeps the values of the named fields of r's posted form.
func newForm(r *http.Request, names ...string) form {
	f := form{Values: url.Values{}, Errors: map[string]string{}}
	for _, n := range names {
		if v, ok := r.PostForm[n]; ok {
			f.Values[n] = v
		}
	}
	return f
}

// V is the value of field name as typed.
func (f form) V(name string) string { return f.Values.Get(name) }

// Checked reports whether the checkbox name with value v was ticked.
func (f form) Checked(name, v string) bool { return slices.Contains(f.Values[name], v) }

// E is the message beside field name, if any.
func (f form) E(name string) string { return f.Errors[name] }

// conflictFields names the field a conflict is about: the domain reports them without one.
var conflictFields = map[string]string{
	"identity.error.document_taken":   "id_number",
	"identity.error.phone_taken":      "phone",
	"identity.error.enterprise_taken": "credit_code",
	"error.login_taken":               "login",
	"identity.error.name_mismatch":    "name",
}

// fail records err in f, on the field it names; rename maps the domain's field names to the
// form's where they differ.
func (f *form) fail(lang i18n.Lang, err error, rename map[string]string) {
	pe := errs.Public(err)
	msg := httpserver.Translate(lang, pe)
	field := pe.Field
	if field == "" {
		field = conflictFields[pe.Message]
	}
	if to, ok := rename[field]; ok {
		field = to
	}
	f.Error, f.Field = msg, field
	if field != "" {
		f.Errors[field] = msg
	}
}

// failField records message key on field.
func (f *form) failField(lang i18n.Lang, field, key string, args ...any) {
	f.fail(lang, errs.Field(field, key, args...), nil)
}

// formStatus returns the status of a form sent back with err, and whether err is something the
// person can put right in the form (bad input, a conflict, too many codes, and the kinds in
// also); other errors go to the error page.
func formStatus(err error, also ...errs.Kind) (int, bool) {
	k := errs.KindOf(err)
	switch {
	case k == errs.Invalid, k == errs.Conflict, k == errs.TooMany, slices.Contains(also, k):
		return httpserver.Status(k), true
	}
	return 0, false
}

// parseForm parses r's form, refusing a malformed body.
func parseForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errs.Wrapf(errs.Invalid, err, "error.invalid")
	}
	return nil
}

// choice is an option of a select or a group of checkboxes.
type choice struct {
	Value, Label string
}

// msgKey builds the message key of a value from its prefix ("identity.doc.", "resident_id");
// the tests of this package check that every value has its key.
func msgKey(prefix, value string) string { return prefix + value }

func docTypeChoices(b basePage) []choice {
	var out []choice
	for _, t := range identity.DocumentTypes {
		out = append(out, choice{Value: string(t), Label: b.T(msgKey("identity.doc.", string(t)))})
	}
	return out
}

// requireSignedIn refuses the public: a page that is only about the person asking.
func requireSignedIn(p principal.Principal) error {
	if !p.Authenticated() || p.AccountID == 0 {
		return errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	return nil
}

// identityNav is what the navigation offers the signed-in person besides the portal's pages:
// their account, enterprises for residents, the window and the administration for officials
// who hold those roles.
func identityNav(p principal.Principal) []struct{ href, key string } {
	if requireSignedIn(p) != nil {
		return nil
	}
	nav := []struct{ href, key string }{{"/account", "nav.account"}}
	if p.Kind == principal.Resident || p.Kind == principal.Agent {
		nav = append(nav, struct{ href, key string }{"/enterprises", "nav.enterprises"})
	}
	if p.Kind == principal.Official && p.HasRole(principal.RoleWindowOfficer) {
		nav = append(nav, struct{ href, key string }{"/window/verify", "nav.window"})
	}
	if p.Kind == principal.Official && p.HasRole(principal.RoleAdministrator) {
		nav = append(nav, struct{ href, key string }{"/admin/officials", "nav.officials"})
	}
	return nav
}

// ---- sessions ----------------------------------------------------------------------------

// pendingCookie holds the token of a login that waits for its TOTP code: HttpOnly, for the
// login pages only, and short-lived like the token itself.
const pendingCookie = "yiwang_pending"

const pendingMaxAge = 5 * 60

func (s *Site) secure(r *http.Request) bool { return s.cfg.Secure || r.TLS != nil }

// startSession signs the browser in with a session token and forgets any pending login.
func (s *Site) startSession(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: s.secure(r),
		SameSite: http.SameSiteLaxMode, MaxAge: int(identity.SessionTTL.Seconds())})
	if _, err := r.Cookie(pendingCookie); err == nil {
		s.setPending(w, r, "")
	}
}

// setPending keeps the token of a login waiting for its TOTP code; "" forgets it.
func (s *Site) setPending(w http.ResponseWriter, r *http.Request, token string) {
	age := pendingMaxAge
	if token == "" {
		age = -1
	}
	http.SetCookie(w, &http.Cookie{Name: pendingCookie, Value: token, Path: "/login", HttpOnly: true, Secure: s.secure(r),
		SameSite: http.SameSiteStrictMode, MaxAge: age})
}

// signedIn finishes a login: a session, or the TOTP step when the account needs one.
func (s *Site) signedIn(w http.ResponseWriter, r *http.Request, res identity.LoginResult, next string) {
	if res.NeedTOTP {
		s.setPending(w, r, res.Token)
		seeOther(w, r, "/login/totp?next="+url.QueryEscape(next))
		return
	}
	s.startSession(w, r, res.Token)
	seeOther(w, r, next)
}

// seeOther redirects to target after a form or to a page of the sign-in; the short page it
// writes is as personal as the one that would have been shown, so no cache keeps it.
func seeOther(w http.ResponseWriter, r *http.Request, target string) {
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// loginMeta describes where a login attempt comes from, for the person's login history.
func loginMeta(r *http.Request) identity.Meta {
	return identity.Meta{ClientIP: httpserver.ClientIP(r), UserAgent: r.UserAgent()}
}

// ---- password login ----------------------------------------------------------------------

type loginPage struct {
	basePage
	Next, Login, Error, Notice string
	DemoHint                   bool
}

func (s *Site) newLoginPage(w http.ResponseWriter, r *http.Request, next string) loginPage {
	return loginPage{basePage: s.newBase(w, r, "login.title"), Next: next, DemoHint: s.cfg.Demo}
}

func (s *Site) loginForm(w http.ResponseWriter, r *http.Request) error {
	p := s.newLoginPage(w, r, safeNext(r.URL.Query().Get("next")))
	if r.URL.Query().Get("done") == "recovered" {
		p.Notice = p.T("login.recovered")
	} else if requireSignedIn(principal.From(r.Context())) == nil {
		// Sent here while signed in: an app asked for a fresh login (prompt=login, max_age).
		p.Notice = p.T("login.again")
	}
	return s.render(w, http.StatusOK, "login", p)
}

func (s *Site) login(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	login, password := r.PostFormValue("login"), r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	res, err := s.cfg.Identity.Login(r.Context(), login, password, loginMeta(r))
	if errs.Is(err, errs.Unauthenticated) {
		// Wrong login or password, or password login locked for a while.
		p := s.newLoginPage(w, r, next)
		p.Login, p.Error = login, httpserver.Translate(p.Lang, errs.Public(err))
		return s.render(w, http.StatusUnauthorized, "login", p)
	}
	if err != nil {
		return err
	}
	s.signedIn(w, r, res, next)
	return nil
}

func (s *Site) logout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.cfg.Identity.Logout(r.Context(), c.Value); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: s.secure(r),
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
	seeOther(w, r, "/")
	return nil
}

// EndSession ends the portal session r's cookie carries if it is account accountID's, and
// tells the browser to forget the cookie: an app's RP-initiated logout signs the person out of
// Yiwang in that browser too. Another person's session, or none, is left alone.
func (s *Site) EndSession(w http.ResponseWriter, r *http.Request, accountID int64) error {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	p, err := s.cfg.Identity.SessionPrincipal(r.Context(), c.Value)
	if errs.Is(err, errs.Unauthenticated) || (err == nil && p.AccountID != accountID) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := s.cfg.Identity.Logout(principal.With(r.Context(), p), c.Value); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: s.secure(r),
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
	return nil
}

// ---- the TOTP step -----------------------------------------------------------------------

type totpLoginPage struct {
	basePage
	Next string
	F    form
}

func (s *Site) loginTOTPForm(w http.ResponseWriter, r *http.Request) error {
	next := safeNext(r.URL.Query().Get("next"))
	if c, err := r.Cookie(pendingCookie); err != nil || c.Value == "" {
		// No password step to finish: start again.
		seeOther(w, r, "/login?next="+url.QueryEscape(next))
		return nil
	}
	p := totpLoginPage{basePage: s.newBase(w, r, "login.totp_title"), Next: next, F: newForm(r)}
	return s.render(w, http.StatusOK, "identity/login_totp", p)
}

func (s *Site) loginTOTP(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	next := safeNext(r.PostFormValue("next"))
	var pending string
	if c, err := r.Cookie(pendingCookie); err == nil {
		pending = c.Value
	}
	res, err := s.cfg.Identity.LoginTOTP(r.Context(), pending, strings.TrimSpace(r.PostFormValue("code")), loginMeta(r))
	switch {
	case errs.Is(err, errs.Unauthenticated):
		// The password step expired, or the account is locked: back to the start.
		s.setPending(w, r, "")
		p := s.newLoginPage(w, r, next)
		p.Error = httpserver.Translate(p.Lang, errs.Public(err))
		return s.render(w, http.StatusUnauthorized, "login", p)
	case err != nil:
		status, ok := formStatus(err)
		if !ok {
			return err
		}
		p := totpLoginPage{basePage: s.newBase(w, r, "login.totp_title"), Next: next, F: newForm(r)}
		p.F.fail(p.Lang, err, nil)
		return s.render(w, status, "identity/login_totp", p)
	}
	s.signedIn(w, r, res, next)
	return nil
}

// ---- login with a code by text message ---------------------------------------------------

type codeLoginPage struct {
	basePage
	Next string
	F    form
	Sent bool
	Dev  bool
}

func (s *Site) newCodeLoginPage(w http.ResponseWriter, r *http.Request, next string) codeLoginPage {
	return codeLoginPage{basePage: s.newBase(w, r, "login.code_title"), Next: next, F: newForm(r, "phone"),
		Dev: s.cfg.Identity.Development()}
}

func (s *Site) loginCodeForm(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, http.StatusOK, "identity/login_code", s.newCodeLoginPage(w, r, safeNext(r.URL.Query().Get("next"))))
}

func (s *Site) loginCode(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	p := s.newCodeLoginPage(w, r, safeNext(r.PostFormValue("next")))
	phone := r.PostFormValue("phone")
	if r.PostFormValue("action") == "send" {
		err := s.cfg.Identity.RequestCode(r.Context(), phone, identity.PurposeLogin)
		if err != nil {
			status, ok := formStatus(err)
			if !ok {
				return err
			}
			p.F.fail(p.Lang, err, nil)
			return s.render(w, status, "identity/login_code", p)
		}
		p.Sent = true
		return s.render(w, http.StatusOK, "identity/login_code", p)
	}
	res, err := s.cfg.Identity.LoginWithCode(r.Context(), phone, strings.TrimSpace(r.PostFormValue("code")), loginMeta(r))
	if err != nil {
		status, ok := formStatus(err, errs.Unauthenticated)
		if !ok {
			return err
		}
		p.F.fail(p.Lang, err, nil)
		return s.render(w, status, "identity/login_code", p)
	}
	s.signedIn(w, r, res, p.Next)
	return nil
}

// ---- registration ------------------------------------------------------------------------

type registerPage struct {
	basePage
	// Next is where the person goes once registered, when they came from another page (an
	// app's sign-in, say); "" for their account page.
	Next     string
	F        form
	DocTypes []choice
	Sent     bool
	Dev      bool
}

func (s *Site) newRegisterPage(w http.ResponseWriter, r *http.Request) registerPage {
	p := registerPage{basePage: s.newBase(w, r, "register.title"), Dev: s.cfg.Identity.Development(),
		F: newForm(r, "name", "id_type", "id_number", "phone")}
	next := r.URL.Query().Get("next")
	if r.Method == http.MethodPost {
		next = r.PostFormValue("next")
	}
	if next != "" {
		p.Next = safeNext(next)
	}
	p.DocTypes = docTypeChoices(p.basePage)
	return p
}

func (s *Site) registerForm(w http.ResponseWriter, r *http.Request) error {
	if requireSignedIn(principal.From(r.Context())) == nil {
		seeOther(w, r, "/account")
		return nil
	}
	return s.render(w, http.StatusOK, "identity/register", s.newRegisterPage(w, r))
}

func (s *Site) register(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	p := s.newRegisterPage(w, r)
	fail := func(err error) error {
		status, ok := formStatus(err)
		if !ok {
			return err
		}
		p.F.fail(p.Lang, err, nil)
		return s.render(w, status, "identity/register", p)
	}
	if r.PostFormValue("action") == "send" {
		if err := s.cfg.Identity.RequestCode(r.Context(), r.PostFormValue("phone"), identity.PurposeRegister); err != nil {
			return fail(err)
		}
		p.Sent = true
		return s.render(w, http.StatusOK, "identity/register", p)
	}
	password := r.PostFormValue("password")
	if password != r.PostFormValue("password_confirm") {
		return fail(errs.Field("password_confirm", "register.password_mismatch"))
	}
	a, err := s.cfg.Identity.Register(r.Context(), identity.Registration{
		Name: r.PostFormValue("name"), IDType: identity.DocumentType(r.PostFormValue("id_type")),
		IDNumber: r.PostFormValue("id_number"), Phone: r.PostFormValue("phone"),
		Code: strings.TrimSpace(r.PostFormValue("code")), Password: password,
	})
	if err != nil {
		return fail(err)
	}
	// Sign the new resident in, as the registration proved both phone and password.
	res, err := s.cfg.Identity.Login(r.Context(), *a.Phone, password, loginMeta(r))
	if err != nil {
		return err
	}
	next := "/account?saved=registered"
	if p.Next != "" {
		next = p.Next
	}
	s.signedIn(w, r, res, next)
	return nil
}

// ---- password recovery -------------------------------------------------------------------

type recoverPage struct {
	basePage
	F    form
	Sent bool
	Dev  bool
}

func (s *Site) newRecoverPage(w http.ResponseWriter, r *http.Request) recoverPage {
	return recoverPage{basePage: s.newBase(w, r, "recover.title"), F: newForm(r, "phone"), Dev: s.cfg.Identity.Development()}
}

func (s *Site) recoverForm(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, http.StatusOK, "identity/recover", s.newRecoverPage(w, r))
}

func (s *Site) recover(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	p := s.newRecoverPage(w, r)
	fail := func(err error) error {
		status, ok := formStatus(err)
		if !ok {
			return err
		}
		p.F.fail(p.Lang, err, nil)
		return s.render(w, status, "identity/recover", p)
	}
	phone := r.PostFormValue("phone")
	if r.PostFormValue("action") == "send" {
		// Whether the phone has an account is not said: the page reads the same either way.
		if err := s.cfg.Identity.RequestCode(r.Context(), phone, identity.PurposeRecovery); err != nil {
			return fail(err)
		}
		p.Sent = true
		return s.render(w, http.StatusOK, "identity/recover", p)
	}
	password := r.PostFormValue("password")
	if password != r.PostFormValue("password_confirm") {
		return fail(errs.Field("password_confirm", "register.password_mismatch"))
	}
	if err := s.cfg.Identity.Recover(r.Context(), phone, strings.TrimSpace(r.PostFormValue("code")), password, loginMeta(r)); err != nil {
		return fail(err)
	}
	seeOther(w, r, "/login?done=recovered")
	return nil
}

// ---- development outbox ------------------------------------------------------------------

type outboxPage struct {
	basePage
	Messages []identity.OutboxMessage
}

// devOutbox shows the text messages the development sender kept, so that a developer can read
// the codes. It does not exist when codes go to real phones.
func (s *Site) devOutbox(w http.ResponseWriter, r *http.Request) error {
	if !s.cfg.Identity.Development() {
		return errs.E(errs.NotFound, "error.page_not_found")
	}
	list, err := s.cfg.Identity.Outbox(r.Context())
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "identity/outbox", outboxPage{basePage: s.newBase(w, r, "outbox.title"), Messages: list})
}
