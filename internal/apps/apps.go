// Package apps registers the department apps (mini-apps) that sign people in through Yiwang, and
// remembers each person's consent to each app.
//
// The provincial digital office's administrators register an app with the department that owns
// it, the URIs people may be sent back to, and the scopes it may ask for; the client secret is
// shown once and kept only as a hash. A person's consent is kept per app and per enterprise they
// act for, and only that person can see or revoke it. The OpenID Connect provider (internal/oidc)
// asks this package whether an app exists, where it may send people (RedirectAllowed), and
// whether a consent is in force.
package apps

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// DigitalOffice is the organisation whose administrators register apps: the provincial digital
// office.
const DigitalOffice = "fj-digital-office"

// Type says how an app signs in.
type Type string

// The kinds of app.
const (
	// TypeWeb is a server-side web app: a confidential client with a secret, https redirect URIs.
	TypeWeb Type = "web"
	// TypeNative is a mobile or desktop app: a public client without a secret, which must use PKCE
	// (S256) and may be sent back to an http loopback URI on any port (RFC 8252).
	TypeNative Type = "native"
	// TypeService is a department system that calls the API as itself (client credentials); it
	// signs nobody in.
	TypeService Type = "service"
)

// Text is something said in each of the portal's languages. Only zh-Hans is required; the
// others fall back to it.
type Text struct {
	Hans string `json:"zh_hans"`
	Hant string `json:"zh_hant"`
	En   string `json:"en"`
}

// In returns t in lang ("zh-Hans", "zh-Hant", "en"), falling back to Simplified Chinese.
func (t Text) In(lang string) string {
	switch {
	case lang == "zh-Hant" && t.Hant != "":
		return t.Hant
	case lang == "en" && t.En != "":
		return t.En
	}
	return t.Hans
}

// App is a registered app. Nothing in it is secret: the client secret is kept apart, as a hash.
type App struct {
	ClientID               string    `json:"client_id"`
	Name                   Text      `json:"name"`
	Description            Text      `json:"description"`
	OwnerOrg               string    `json:"owner_org"`
	Type                   Type      `json:"type"`
	RedirectURIs           []string  `json:"redirect_uris"`
	PostLogoutRedirectURIs []string  `json:"post_logout_redirect_uris"`
	Scopes                 []string  `json:"scopes"`
	IDNumberEntitled       bool      `json:"id_number_entitled"`
	LaunchURL              string    `json:"launch_url,omitempty"`
	Disabled               bool      `json:"disabled"`
	CreatedAt              time.Time `json:"created_at"`
	UpdatedAt              time.Time `json:"updated_at"`
}

// Public reports whether the app is a public client, which has no secret.
func (a App) Public() bool { return a.Type == TypeNative }

// Registration is what registering or updating an app takes.
type Registration struct {
	// ClientID is chosen by the administrator (lower-case letters, digits and hyphens, 3–64
	// characters) or, when empty at registration, generated. It never changes.
	ClientID               string
	Name                   Text
	Description            Text
	OwnerOrg               string
	Type                   Type
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
	Scopes                 []string
	// IDNumberEntitled lets the app receive people's full ID numbers, which others see masked;
	// a law or regulation must entitle the department to them.
	IDNumberEntitled bool
	LaunchURL        string
}

// Service registers apps and keeps consents.
type Service struct {
	db *store.DB
}

// New returns the service over db.
func New(db *store.DB) *Service { return &Service{db: db} }

// mayAdminister allows the digital office's administrators and the system.
func mayAdminister(ctx context.Context) error {
	p := principal.From(ctx)
	if !p.Authenticated() {
		return errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	if p.Kind == principal.System || p.IsOfficial(DigitalOffice) && p.HasRole(principal.RoleAdministrator) {
		return nil
	}
	return errs.E(errs.Forbidden, "apps.error.not_administrator")
}

var clientIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{2,63}$`)

const (
	maxNameRunes        = 100
	maxDescriptionRunes = 500
)

// check validates reg for an app of its type and normalises it. existing is the app being
// updated, nil at registration.
func (s *Service) check(ctx context.Context, reg *Registration, existing *App) error {
	reg.ClientID = strings.TrimSpace(reg.ClientID)
	// "new" names the registration form in the administrators' pages (/admin/apps/new).
	if existing == nil && reg.ClientID != "" && (!clientIDPattern.MatchString(reg.ClientID) || reg.ClientID == "new") {
		return errs.Field("client_id", "apps.error.bad_client_id")
	}
	switch reg.Type {
	case TypeWeb, TypeNative, TypeService:
	default:
		return errs.Field("type", "apps.error.bad_type")
	}
	if existing != nil && reg.Type != existing.Type {
		return errs.Field("type", "apps.error.type_fixed")
	}
	for _, f := range []struct {
		field string
		text  *string
		max   int
	}{
		{"name_hans", &reg.Name.Hans, maxNameRunes}, {"name_hant", &reg.Name.Hant, maxNameRunes}, {"name_en", &reg.Name.En, maxNameRunes},
		{"description_hans", &reg.Description.Hans, maxDescriptionRunes}, {"description_hant", &reg.Description.Hant, maxDescriptionRunes},
		{"description_en", &reg.Description.En, maxDescriptionRunes},
	} {
		*f.text = strings.TrimSpace(*f.text)
		if utf8.RuneCountInString(*f.text) > f.max {
			return errs.Field(f.field, "apps.error.too_long", f.max)
		}
	}
	if reg.Name.Hans == "" {
		return errs.Field("name_hans", "error.required")
	}
	reg.OwnerOrg = strings.TrimSpace(reg.OwnerOrg)
	if reg.OwnerOrg == "" {
		return errs.Field("owner_org", "error.required")
	}
	if _, err := org.Get(ctx, s.db, reg.OwnerOrg); errs.Is(err, errs.NotFound) {
		return errs.Field("owner_org", "apps.error.unknown_org", reg.OwnerOrg)
	} else if err != nil {
		return err
	}
	var err error
	if reg.RedirectURIs, err = checkURIs("redirect_uris", reg.Type, reg.RedirectURIs); err != nil {
		return err
	}
	if reg.PostLogoutRedirectURIs, err = checkURIs("post_logout_redirect_uris", reg.Type, reg.PostLogoutRedirectURIs); err != nil {
		return err
	}
	if reg.Type == TypeService {
		if len(reg.RedirectURIs) > 0 || len(reg.PostLogoutRedirectURIs) > 0 {
			return errs.Field("redirect_uris", "apps.error.service_no_redirect")
		}
	} else if len(reg.RedirectURIs) == 0 {
		return errs.Field("redirect_uris", "error.required")
	}
	allowed := scopesFor(reg.Type)
	for _, sc := range reg.Scopes {
		sc = strings.TrimSpace(sc)
		if sc == "" {
			continue
		}
		if !slices.Contains(allowed, sc) {
			if slices.Contains(PersonScopes, sc) || slices.Contains(ServiceScopes, sc) {
				return errs.Field("scopes", "apps.error.scope_not_for_type", sc, string(reg.Type))
			}
			return errs.Field("scopes", "apps.error.unknown_scope", sc)
		}
	}
	if reg.Type != TypeService {
		// Signing a person in always tells the app who they are.
		reg.Scopes = append(reg.Scopes, ScopeOpenID)
	}
	reg.Scopes = canonical(reg.Scopes)
	if len(reg.Scopes) == 0 {
		return errs.Field("scopes", "error.required")
	}
	if reg.IDNumberEntitled && !slices.Contains(reg.Scopes, ScopeIDNumber) {
		return errs.Field("id_number_entitled", "apps.error.entitled_without_scope")
	}
	reg.LaunchURL = strings.TrimSpace(reg.LaunchURL)
	if reg.LaunchURL != "" {
		if reg.Type == TypeService {
			return errs.Field("launch_url", "apps.error.service_no_launch")
		}
		if err := checkURI(TypeWeb, reg.LaunchURL); err != nil {
			return errs.Field("launch_url", err.Error(), reg.LaunchURL)
		}
	}
	return nil
}

// Register registers an app and returns it with its client secret, which is shown this once and
// kept only as a hash ("" for a native app, which has none). Only the digital office's
// administrators (and the system) may. Returns errs.Invalid naming the field at fault,
// errs.Conflict if the client id is taken.
func (s *Service) Register(ctx context.Context, reg Registration) (a App, secret string, err error) {
	defer errs.Wrap(&err, "apps.Register(%s)", reg.ClientID)
	if err := mayAdminister(ctx); err != nil {
		return a, "", err
	}
	if err := s.check(ctx, &reg, nil); err != nil {
		return a, "", err
	}
	if reg.ClientID == "" {
		reg.ClientID = "app-" + randomHex(8)
	}
	hash := ""
	if reg.Type != TypeNative {
		secret = randomSecret()
		hash = secretHash(secret)
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO apps (client_id, secret_hash, name_hans, name_hant, name_en,
			description_hans, description_hant, description_en, owner_org, app_type, redirect_uris,
			post_logout_redirect_uris, scopes, id_number_entitled, launch_url, disabled, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			reg.ClientID, hash, reg.Name.Hans, reg.Name.Hant, reg.Name.En,
			reg.Description.Hans, reg.Description.Hant, reg.Description.En, reg.OwnerOrg, string(reg.Type),
			join(reg.RedirectURIs), join(reg.PostLogoutRedirectURIs), join(reg.Scopes), reg.IDNumberEntitled,
			reg.LaunchURL, false, tx.Now, tx.Now)
		if errs.Is(err, errs.Conflict) {
			return errs.Wrapf(errs.Conflict, err, "apps.error.client_id_taken", reg.ClientID)
		}
		if err != nil {
			return err
		}
		a, err = get(ctx, tx, reg.ClientID)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "apps.app.registered", ObjectType: "app", ObjectID: a.ClientID,
			After: a, Detail: map[string]any{"type": string(a.Type), "owner_org": a.OwnerOrg, "scopes": a.Scopes}})
	})
	if err != nil {
		return App{}, "", err
	}
	return a, secret, nil
}

// Update changes an app's registration; its client id and type stay. Returns errs.NotFound for
// an unknown app, errs.Invalid naming the field at fault.
func (s *Service) Update(ctx context.Context, clientID string, reg Registration) (a App, err error) {
	defer errs.Wrap(&err, "apps.Update(%s)", clientID)
	if err := mayAdminister(ctx); err != nil {
		return a, err
	}
	before, err := s.Get(ctx, clientID)
	if err != nil {
		return a, err
	}
	reg.ClientID = clientID
	if err := s.check(ctx, &reg, &before); err != nil {
		return a, err
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE apps SET name_hans = ?, name_hant = ?, name_en = ?, description_hans = ?,
			description_hant = ?, description_en = ?, owner_org = ?, redirect_uris = ?, post_logout_redirect_uris = ?,
			scopes = ?, id_number_entitled = ?, launch_url = ?, updated_at = ? WHERE client_id = ?`,
			reg.Name.Hans, reg.Name.Hant, reg.Name.En, reg.Description.Hans, reg.Description.Hant, reg.Description.En,
			reg.OwnerOrg, join(reg.RedirectURIs), join(reg.PostLogoutRedirectURIs), join(reg.Scopes),
			reg.IDNumberEntitled, reg.LaunchURL, tx.Now, clientID); err != nil {
			return err
		}
		if a, err = get(ctx, tx, clientID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "apps.app.updated", ObjectType: "app", ObjectID: clientID,
			Before: before, After: a, Detail: map[string]any{"scopes": a.Scopes, "id_number_entitled": a.IDNumberEntitled}})
	})
	return a, err
}

// Disable stops an app signing anyone in or getting tokens; tokens it holds stop working.
// Enable undoes it. Returns errs.NotFound for an unknown app.
func (s *Service) Disable(ctx context.Context, clientID string) error {
	return s.setDisabled(ctx, clientID, true)
}

// Enable lets a disabled app sign people in again.
func (s *Service) Enable(ctx context.Context, clientID string) error {
	return s.setDisabled(ctx, clientID, false)
}

func (s *Service) setDisabled(ctx context.Context, clientID string, disabled bool) (err error) {
	defer errs.Wrap(&err, "apps.setDisabled(%s, %v)", clientID, disabled)
	if err := mayAdminister(ctx); err != nil {
		return err
	}
	return s.db.Transact(ctx, func(tx *store.Tx) error {
		before, err := get(ctx, tx, clientID)
		if err != nil {
			return err
		}
		if before.Disabled == disabled {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE apps SET disabled = ?, updated_at = ? WHERE client_id = ?`, disabled, tx.Now, clientID); err != nil {
			return err
		}
		after := before
		after.Disabled, after.UpdatedAt = disabled, tx.Now
		action := "apps.app.enabled"
		if disabled {
			action = "apps.app.disabled"
		}
		return audit.Record(ctx, tx, audit.Change{Action: action, ObjectType: "app", ObjectID: clientID, Before: before, After: after})
	})
}

// RotateSecret gives a confidential app a new client secret, returned this once; the old one
// stops working at once. Returns errs.Invalid for a native app, which has no secret.
func (s *Service) RotateSecret(ctx context.Context, clientID string) (secret string, err error) {
	defer errs.Wrap(&err, "apps.RotateSecret(%s)", clientID)
	if err := mayAdminister(ctx); err != nil {
		return "", err
	}
	secret = randomSecret()
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		a, err := get(ctx, tx, clientID)
		if err != nil {
			return err
		}
		if a.Public() {
			return errs.Field("client_id", "apps.error.public_no_secret")
		}
		if _, err := tx.Exec(ctx, `UPDATE apps SET secret_hash = ?, updated_at = ? WHERE client_id = ?`, secretHash(secret), tx.Now, clientID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "apps.app.secret_rotated", ObjectType: "app", ObjectID: clientID})
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// Authenticate checks a confidential app's client secret and returns the app. Unknown apps,
// wrong secrets, public apps and disabled apps all get the same errs.Unauthenticated.
func (s *Service) Authenticate(ctx context.Context, clientID, secret string) (App, error) {
	var row struct {
		Hash string `db:"secret_hash"`
	}
	err := s.db.Get(ctx, &row, `SELECT secret_hash FROM apps WHERE client_id = ?`, clientID)
	if err != nil && !errs.Is(err, errs.NotFound) {
		return App{}, err
	}
	// Compared in constant time, and even for an unknown app, so that timing tells nothing.
	want := row.Hash
	if want == "" {
		want = strings.Repeat("0", sha256.Size*2)
	}
	ok := subtle.ConstantTimeCompare([]byte(secretHash(secret)), []byte(want)) == 1 && row.Hash != "" && secret != ""
	if !ok {
		return App{}, errs.E(errs.Unauthenticated, "apps.error.bad_client_credentials")
	}
	a, err := s.Get(ctx, clientID)
	if err != nil {
		return App{}, err
	}
	if a.Disabled {
		return App{}, errs.E(errs.Unauthenticated, "apps.error.bad_client_credentials")
	}
	return a, nil
}

// Get returns an app, enabled or not. Returns errs.NotFound if there is none.
func (s *Service) Get(ctx context.Context, clientID string) (App, error) {
	var r appRow
	if err := s.db.Get(ctx, &r, selectApps+` WHERE client_id = ?`, clientID); err != nil {
		if errs.Is(err, errs.NotFound) {
			return App{}, errs.Wrapf(errs.NotFound, err, "apps.error.no_such_app", clientID)
		}
		return App{}, err
	}
	return r.app(), nil
}

// List returns every app, for the administrators who register them.
func (s *Service) List(ctx context.Context) ([]App, error) {
	if err := mayAdminister(ctx); err != nil {
		return nil, err
	}
	return s.list(ctx, selectApps+` ORDER BY owner_org, client_id`)
}

// Launcher returns the apps the portal's launcher shows anyone: enabled web apps with a launch
// URL, by owning organisation.
func (s *Service) Launcher(ctx context.Context) ([]App, error) {
	return s.list(ctx, selectApps+` WHERE disabled = ? AND app_type = ? AND launch_url <> '' ORDER BY owner_org, client_id`, false, string(TypeWeb))
}

func (s *Service) list(ctx context.Context, q string, args ...any) ([]App, error) {
	var rows []appRow
	if err := s.db.Select(ctx, &rows, q, args...); err != nil {
		return nil, err
	}
	out := make([]App, len(rows))
	for i, r := range rows {
		out[i] = r.app()
	}
	return out, nil
}

const selectApps = `SELECT client_id, name_hans, name_hant, name_en, description_hans, description_hant,
	description_en, owner_org, app_type, redirect_uris, post_logout_redirect_uris, scopes,
	id_number_entitled, launch_url, disabled, created_at, updated_at FROM apps`

type appRow struct {
	ClientID        string    `db:"client_id"`
	NameHans        string    `db:"name_hans"`
	NameHant        string    `db:"name_hant"`
	NameEn          string    `db:"name_en"`
	DescriptionHans string    `db:"description_hans"`
	DescriptionHant string    `db:"description_hant"`
	DescriptionEn   string    `db:"description_en"`
	OwnerOrg        string    `db:"owner_org"`
	Type            string    `db:"app_type"`
	Redirects       string    `db:"redirect_uris"`
	PostLogout      string    `db:"post_logout_redirect_uris"`
	Scopes          string    `db:"scopes"`
	Entitled        bool      `db:"id_number_entitled"`
	LaunchURL       string    `db:"launch_url"`
	Disabled        bool      `db:"disabled"`
	CreatedAt       time.Time `db:"created_at"`
	UpdatedAt       time.Time `db:"updated_at"`
}

func (r appRow) app() App {
	return App{
		ClientID: r.ClientID, Name: Text{r.NameHans, r.NameHant, r.NameEn},
		Description: Text{r.DescriptionHans, r.DescriptionHant, r.DescriptionEn},
		OwnerOrg:    r.OwnerOrg, Type: Type(r.Type), RedirectURIs: split(r.Redirects), PostLogoutRedirectURIs: split(r.PostLogout),
		Scopes: split(r.Scopes), IDNumberEntitled: r.Entitled, LaunchURL: r.LaunchURL, Disabled: r.Disabled,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
}

func get(ctx context.Context, tx *store.Tx, clientID string) (App, error) {
	var r appRow
	if err := tx.Get(ctx, &r, selectApps+` WHERE client_id = ?`, clientID); err != nil {
		if errs.Is(err, errs.NotFound) {
			return App{}, errs.Wrapf(errs.NotFound, err, "apps.error.no_such_app", clientID)
		}
		return App{}, err
	}
	return r.app(), nil
}

// randomSecret returns 32 random bytes, base64url: guessing it is hopeless, so a fast hash
// (SHA-256) protects the stored copy as well as a password hash would.
func randomSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func secretHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
