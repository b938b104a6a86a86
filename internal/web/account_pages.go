package web

import (
	"bytes"
	"encoding/base64"
	"html/template"
	"image/png"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// The person's own account: who they are to Yiwang and how sure it is (real-name level), their
// password, TOTP, login history and personal access tokens. Every page here is about the person
// asking and no one else; the identity service reads only the principal's own records.

func (s *Site) installAccount(srv *httpserver.Server) {
	srv.Handle("GET /account", s.account)
	srv.Handle("POST /account/verify", s.accountVerify)
	srv.Handle("POST /account/password", s.accountPassword, httpserver.RateLimit(httpserver.ClassLogin))
	srv.Handle("POST /account/totp", s.accountTOTPBegin)
	srv.Handle("POST /account/totp/confirm", s.accountTOTPConfirm, httpserver.RateLimit(httpserver.ClassLogin))
	srv.Handle("POST /account/totp/disable", s.accountTOTPDisable, httpserver.RateLimit(httpserver.ClassLogin))
	srv.Handle("GET /account/tokens", s.tokens)
	srv.Handle("POST /account/tokens", s.tokenCreate)
	srv.Handle("POST /account/tokens/{id}/revoke", s.tokenRevoke)
}

type accountPage struct {
	basePage
	Account       identity.Account
	Resident      bool
	DocType       string
	Level         string
	LevelExplain  string
	OrgName       string
	Roles         []string
	Verifications []verificationView
	History       []loginEventView
	Saved         string
	Verify        form
	Password      form
	TOTP          *totpSetupView
	TOTPForm      form
	TOTPOff       form
	// Apps says the page of apps the person allowed exists (oidc_pages.go).
	Apps bool
}

type verificationView struct {
	Level, Method, By, Org, Place, At string
}

type loginEventView struct {
	At, Method, Outcome, ClientIP, UserAgent string
	Success                                  bool
}

// totpSetupView is a TOTP secret waiting for its first code: the QR code as a data: URI.
type totpSetupView struct {
	QR          template.URL
	Secret, URL string
}

// accountForms is what a failed form on the account page carries back.
type accountForms struct {
	verifyErr, passwordErr, totpErr, totpOffErr error
	setup                                       *identity.TOTPSetup
}

func (s *Site) account(w http.ResponseWriter, r *http.Request) error {
	return s.renderAccount(w, r, http.StatusOK, accountForms{})
}

func (s *Site) renderAccount(w http.ResponseWriter, r *http.Request, status int, f accountForms) error {
	pr := principal.From(r.Context())
	if err := requireSignedIn(pr); err != nil {
		return err
	}
	ctx := r.Context()
	a, err := s.cfg.Identity.Account(ctx, pr.AccountID)
	if err != nil {
		return err
	}
	b := s.newBase(w, r, "account.title")
	p := accountPage{basePage: b, Account: a, Resident: a.Kind == principal.Resident,
		Verify: newForm(r), Password: newForm(r), TOTPForm: newForm(r), TOTPOff: newForm(r), Apps: s.cfg.Apps != nil}
	switch saved := r.URL.Query().Get("saved"); saved {
	case "registered":
		p.Saved = b.T("account.saved_registered")
	case "verified":
		p.Saved = b.T("account.saved_verified")
	case "password":
		p.Saved = b.T("account.saved_password")
	case "totp_on":
		p.Saved = b.T("account.saved_totp_on")
	case "totp_off":
		p.Saved = b.T("account.saved_totp_off")
	}
	if a.IDType != nil {
		p.DocType = b.T(msgKey("identity.doc.", *a.IDType))
	}
	if p.Resident {
		p.Level = b.T(msgKey("identity.level.", strconv.Itoa(a.RealNameLevel)))
		p.LevelExplain = b.T(msgKey("account.level_explain.", strconv.Itoa(a.RealNameLevel)))
		vs, err := s.cfg.Identity.Verifications(ctx)
		if err != nil {
			return err
		}
		name, err := s.orgs.namer(r, b.Lang)
		if err != nil {
			return err
		}
		for _, v := range vs {
			vv := verificationView{Level: b.T(msgKey("identity.level.", strconv.Itoa(v.Level))),
				Method: b.T(msgKey("identity.verification.", v.Method)), By: deref(v.VerifiedBy), Place: v.Place, At: civil(v.At)}
			if v.OrgCode != nil {
				vv.Org = name(*v.OrgCode)
			}
			p.Verifications = append(p.Verifications, vv)
		}
	}
	if a.OrgCode != nil {
		name, err := s.orgs.namer(r, b.Lang)
		if err != nil {
			return err
		}
		p.OrgName = name(*a.OrgCode)
	}
	for _, role := range a.Roles {
		p.Roles = append(p.Roles, b.T(msgKey("officials.role.", role)))
	}
	history, err := s.cfg.Identity.LoginHistory(ctx, 20)
	if err != nil {
		return err
	}
	for _, e := range history {
		p.History = append(p.History, loginEventView{At: civil(e.At), Method: b.T(msgKey("identity.method.", e.Method)),
			Outcome: b.T(msgKey("identity.outcome.", e.Outcome)), ClientIP: e.ClientIP, UserAgent: e.UserAgent,
			Success: e.Outcome == "success"})
	}
	if f.verifyErr != nil {
		p.Verify.fail(b.Lang, f.verifyErr, nil)
	}
	if f.passwordErr != nil {
		// The domain names the new password "password"; the form calls it new_password.
		p.Password.fail(b.Lang, f.passwordErr, map[string]string{"password": "new_password"})
	}
	if f.totpErr != nil {
		p.TOTPForm.fail(b.Lang, f.totpErr, nil)
	}
	if f.totpOffErr != nil {
		p.TOTPOff.fail(b.Lang, f.totpOffErr, nil)
	}
	if f.setup != nil {
		p.TOTP = &totpSetupView{QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(f.setup.QRCode)),
			Secret: f.setup.Secret, URL: f.setup.URL}
	}
	return s.render(w, status, "identity/account", p)
}

// afterAccountForm shows the account page again after a form: with the message beside the
// form when the person can put it right, else through the error page.
func (s *Site) afterAccountForm(w http.ResponseWriter, r *http.Request, err error, saved string, back func(error) accountForms) error {
	if err == nil {
		seeOther(w, r, "/account?saved="+saved)
		return nil
	}
	status, ok := formStatus(err)
	if !ok {
		return err
	}
	return s.renderAccount(w, r, status, back(err))
}

func (s *Site) accountVerify(w http.ResponseWriter, r *http.Request) error {
	if err := requireSignedIn(principal.From(r.Context())); err != nil {
		return err
	}
	_, err := s.cfg.Identity.VerifyWithRegistry(r.Context())
	return s.afterAccountForm(w, r, err, "verified", func(err error) accountForms { return accountForms{verifyErr: err} })
}

func (s *Site) accountPassword(w http.ResponseWriter, r *http.Request) error {
	if err := requireSignedIn(principal.From(r.Context())); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	next := r.PostFormValue("new_password")
	var err error
	if next != r.PostFormValue("password_confirm") {
		err = errs.Field("password_confirm", "register.password_mismatch")
	} else {
		err = s.cfg.Identity.ChangePassword(r.Context(), r.PostFormValue("current_password"), next)
	}
	return s.afterAccountForm(w, r, err, "password", func(err error) accountForms { return accountForms{passwordErr: err} })
}

func (s *Site) accountTOTPBegin(w http.ResponseWriter, r *http.Request) error {
	if err := requireSignedIn(principal.From(r.Context())); err != nil {
		return err
	}
	setup, err := s.cfg.Identity.BeginTOTP(r.Context())
	if err != nil {
		status, ok := formStatus(err)
		if !ok {
			return err
		}
		return s.renderAccount(w, r, status, accountForms{totpErr: err})
	}
	return s.renderAccount(w, r, http.StatusOK, accountForms{setup: &setup})
}

func (s *Site) accountTOTPConfirm(w http.ResponseWriter, r *http.Request) error {
	if err := requireSignedIn(principal.From(r.Context())); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	err := s.cfg.Identity.ConfirmTOTP(r.Context(), strings.TrimSpace(r.PostFormValue("code")))
	return s.afterAccountForm(w, r, err, "totp_on", func(err error) accountForms {
		return accountForms{totpErr: err, setup: s.pendingSetup(r)}
	})
}

// pendingSetup shows the secret being set up again after a wrong first code, from the otpauth
// URL the form carried (the page showed it already), so that the person keeps the entry their
// authenticator app made. The secret in force is the one the service stored; a forged URL only
// shows its sender a useless picture.
func (s *Site) pendingSetup(r *http.Request) *identity.TOTPSetup {
	key, err := otp.NewKeyFromURL(r.PostFormValue("otpauth"))
	if err != nil || key.Type() != "totp" || key.Secret() == "" {
		return nil
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return nil
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil
	}
	return &identity.TOTPSetup{URL: key.URL(), Secret: key.Secret(), QRCode: buf.Bytes()}
}

func (s *Site) accountTOTPDisable(w http.ResponseWriter, r *http.Request) error {
	if err := requireSignedIn(principal.From(r.Context())); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	err := s.cfg.Identity.DisableTOTP(r.Context(), r.PostFormValue("password"))
	return s.afterAccountForm(w, r, err, "totp_off", func(err error) accountForms { return accountForms{totpOffErr: err} })
}

// ---- personal access tokens --------------------------------------------------------------

type tokensPage struct {
	basePage
	Tokens []tokenView
	Scopes []choice
	F      form
	// New is the token just created, shown this once.
	New   string
	Saved string
}

type tokenView struct {
	ID                         int64
	Name, Prefix               string
	Scopes                     []string
	Created, Expires, LastUsed string
	Status, StatusLabel        string
	Active                     bool
}

// tokenScopeKeys name the scopes a token may carry, for people.
var tokenScopeKeys = map[string]string{principal.ScopeAPIRead: "tokens.scope_read", principal.ScopeAPIWrite: "tokens.scope_write"}

// defaultTokenDays is the lifetime the form suggests.
const defaultTokenDays = 90

func (s *Site) tokens(w http.ResponseWriter, r *http.Request) error {
	return s.renderTokens(w, r, http.StatusOK, "", nil)
}

func (s *Site) renderTokens(w http.ResponseWriter, r *http.Request, status int, created string, formErr error) error {
	if err := requireSignedIn(principal.From(r.Context())); err != nil {
		return err
	}
	list, err := s.cfg.Identity.Tokens(r.Context())
	if err != nil {
		return err
	}
	b := s.newBase(w, r, "tokens.title")
	p := tokensPage{basePage: b, New: created, F: newForm(r, "name", "scope", "ttl_days")}
	if r.Method == http.MethodGet || created != "" {
		p.F.Values = url.Values{}
		p.F.Values.Set("ttl_days", strconv.Itoa(defaultTokenDays))
		p.F.Values.Set("scope", principal.ScopeAPIRead)
	}
	if r.URL.Query().Get("saved") == "revoked" {
		p.Saved = b.T("tokens.saved_revoked")
	}
	for _, sc := range identity.TokenScopes {
		p.Scopes = append(p.Scopes, choice{Value: sc, Label: b.T(tokenScopeKeys[sc])})
	}
	now := s.cfg.DB.Clock().Now()
	for _, t := range list {
		v := tokenView{ID: t.ID, Name: t.Name, Prefix: identity.TokenPrefix + t.Prefix, Created: civil(t.CreatedAt), Expires: civil(t.ExpiresAt)}
		for _, sc := range t.ScopeList {
			if k, ok := tokenScopeKeys[sc]; ok {
				v.Scopes = append(v.Scopes, b.T(k))
			} else {
				v.Scopes = append(v.Scopes, sc)
			}
		}
		if t.LastUsedAt != nil {
			v.LastUsed = civil(*t.LastUsedAt)
		}
		switch {
		case t.RevokedAt != nil:
			v.Status, v.StatusLabel = "revoked", b.T("tokens.status_revoked", civil(*t.RevokedAt))
		case !now.Before(t.ExpiresAt):
			v.Status, v.StatusLabel = "expired", b.T("tokens.status_expired")
		default:
			v.Status, v.StatusLabel, v.Active = "active", b.T("tokens.status_active"), true
		}
		p.Tokens = append(p.Tokens, v)
	}
	if formErr != nil {
		// The domain calls the scopes field "scope" and the lifetime "ttl".
		p.F.fail(b.Lang, formErr, map[string]string{"ttl": "ttl_days"})
	}
	return s.render(w, status, "identity/tokens", p)
}

func (s *Site) tokenCreate(w http.ResponseWriter, r *http.Request) error {
	if err := requireSignedIn(principal.From(r.Context())); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	// A lifetime that is not a whole number of days is refused by the service as out of range.
	days, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("ttl_days")))
	_, token, err := s.cfg.Identity.CreateToken(r.Context(), identity.NewToken{Name: r.PostFormValue("name"),
		Scopes: r.PostForm["scope"], TTL: time.Duration(days) * 24 * time.Hour})
	if err != nil {
		status, ok := formStatus(err)
		if !ok {
			return err
		}
		return s.renderTokens(w, r, status, "", err)
	}
	// Shown here, once: the page is not cached (no-store) and not reached by a redirect.
	return s.renderTokens(w, r, http.StatusCreated, token, nil)
}

func (s *Site) tokenRevoke(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.cfg.Identity.RevokeToken(r.Context(), id); err != nil {
		return err
	}
	seeOther(w, r, "/account/tokens?saved=revoked")
	return nil
}

// civil formats t as a date and time in China.
func civil(t time.Time) string { return t.In(chinaTime).Format("2006-01-02 15:04") }

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
