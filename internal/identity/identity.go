// Package identity keeps the accounts of people who use Yiwang — for now the officials of
// organisations with their roles — and their login sessions.
package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Account is a person's account.
type Account struct {
	ID          int64          `db:"id" json:"id"`
	Login       string         `db:"login" json:"login"`
	Kind        principal.Kind `db:"kind" json:"kind"`
	DisplayName string         `db:"display_name" json:"display_name"`
	OrgCode     *string        `db:"org_code" json:"org_code,omitempty"`
	Disabled    bool           `db:"disabled" json:"disabled"`
	CreatedAt   time.Time      `db:"created_at" json:"created_at"`
	Roles       []string       `db:"-" json:"roles"`
}

// Principal returns the principal a session of a is.
func (a Account) Principal() principal.Principal {
	p := principal.Principal{Kind: a.Kind, AccountID: a.ID, Login: a.Login, Name: a.DisplayName, Roles: a.Roles}
	if a.OrgCode != nil {
		p.OrgCode = *a.OrgCode
	}
	return p
}

// NewAccount is what creating an account needs.
type NewAccount struct {
	Login       string
	Kind        principal.Kind
	DisplayName string
	OrgCode     string
	Roles       []string
	Password    string
}

func validLogin(s string) bool {
	if len(s) < 3 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// CreateAccount creates an account. Only an administrator (or the system) may create accounts.
// Returns errs.Conflict if the login is taken, errs.Invalid for bad input.
func CreateAccount(ctx context.Context, db *store.DB, n NewAccount) (a Account, err error) {
	defer errs.Wrap(&err, "identity.CreateAccount(%s)", n.Login)
	p := principal.From(ctx)
	if !p.HasRole(principal.RoleAdministrator) {
		return a, errs.E(errs.Forbidden, "error.forbidden")
	}
	n.Login = strings.ToLower(strings.TrimSpace(n.Login))
	if !validLogin(n.Login) {
		return a, errs.Field("login", "error.bad_login")
	}
	n.DisplayName = strings.TrimSpace(n.DisplayName)
	if n.DisplayName == "" || utf8.RuneCountInString(n.DisplayName) > 100 {
		return a, errs.Field("display_name", "error.required")
	}
	if n.Kind != principal.Official && n.Kind != principal.Resident && n.Kind != principal.Agent {
		return a, errs.Field("kind", "error.invalid")
	}
	if n.Kind == principal.Official && n.OrgCode == "" {
		return a, errs.Field("org_code", "error.required")
	}
	for _, r := range n.Roles {
		if !slices.Contains(principal.AllRoles, r) {
			return a, errs.Field("roles", "error.unknown_role", r)
		}
	}
	hash, err := HashPassword(n.Password)
	if err != nil {
		return a, err
	}
	var org *string
	if n.OrgCode != "" {
		org = &n.OrgCode
	}
	err = db.Transact(ctx, func(tx *store.Tx) error {
		id, err := tx.InsertID(ctx, `INSERT INTO accounts (login, kind, display_name, org_code, password_hash, disabled, created_at)
			VALUES (?, ?, ?, ?, ?, 0, ?) RETURNING id`, n.Login, n.Kind, n.DisplayName, org, hash, tx.Now)
		if errs.Is(err, errs.Conflict) {
			return errs.Wrapf(errs.Conflict, err, "error.login_taken", n.Login)
		}
		if err != nil {
			return err
		}
		for _, r := range n.Roles {
			if _, err := tx.Exec(ctx, `INSERT INTO account_roles (account_id, role) VALUES (?, ?)`, id, r); err != nil {
				return err
			}
		}
		a = Account{ID: id, Login: n.Login, Kind: n.Kind, DisplayName: n.DisplayName, OrgCode: org, CreatedAt: tx.Now, Roles: n.Roles}
		return audit.Record(ctx, tx, audit.Change{Action: "identity.account.created", ObjectType: "account",
			ObjectID: strconv.FormatInt(id, 10), After: a})
	})
	return a, err
}

// GetAccount returns an account with its roles. Returns errs.NotFound if there is none.
func GetAccount(ctx context.Context, db *store.DB, login string) (Account, error) {
	return getAccount(ctx, db, `login = ?`, login)
}

func getAccountByID(ctx context.Context, db *store.DB, id int64) (Account, error) {
	return getAccount(ctx, db, `id = ?`, id)
}

// getAccount reads the one account where holds, with its roles.
func getAccount(ctx context.Context, db *store.DB, where string, arg any) (Account, error) {
	var a Account
	err := db.Get(ctx, &a, `SELECT id, login, kind, display_name, org_code, disabled, created_at FROM accounts WHERE `+where, arg)
	if err != nil {
		return a, err
	}
	err = db.Select(ctx, &a.Roles, `SELECT role FROM account_roles WHERE account_id = ? ORDER BY role`, a.ID)
	return a, err
}

// SessionTTL is how long a login lasts.
const SessionTTL = 12 * time.Hour

// Login checks a password and opens a session, returning the session token for the cookie.
// Every success and failure is audited; a failure says only that login or password is wrong.
func Login(ctx context.Context, db *store.DB, login, password string) (token string, a Account, err error) {
	login = strings.ToLower(strings.TrimSpace(login))
	var hash string
	a, err = GetAccount(ctx, db, login)
	switch {
	case errs.Is(err, errs.NotFound):
		CheckPassword(dummyHash, password)
	case err != nil:
		return "", a, err
	default:
		if err := db.Get(ctx, &hash, `SELECT password_hash FROM accounts WHERE id = ?`, a.ID); err != nil {
			return "", a, err
		}
	}
	ok := hash != "" && CheckPassword(hash, password) && !a.Disabled
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", a, err
	}
	token = base64.RawURLEncoding.EncodeToString(raw[:])
	err = db.Transact(ctx, func(tx *store.Tx) error {
		if !ok {
			return audit.Record(ctx, tx, audit.Change{Action: "identity.login.failed", ObjectType: "account", ObjectID: login})
		}
		if _, err := tx.Exec(ctx, `INSERT INTO sessions (token_hash, account_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
			tokenHash(token), a.ID, tx.Now, tx.Now.Add(SessionTTL)); err != nil {
			return err
		}
		return audit.Record(principal.With(ctx, a.Principal()), tx, audit.Change{Action: "identity.login.succeeded",
			ObjectType: "account", ObjectID: strconv.FormatInt(a.ID, 10)})
	})
	if err != nil {
		return "", Account{}, err
	}
	if !ok {
		return "", Account{}, errs.E(errs.Unauthenticated, "error.bad_credentials")
	}
	return token, a, nil
}

func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// SessionPrincipal returns the principal whose live session token is. Returns errs.Unauthenticated
// for an unknown or expired session.
func SessionPrincipal(ctx context.Context, db *store.DB, token string) (principal.Principal, error) {
	if token == "" || len(token) > 100 {
		return principal.Principal{}, errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	var s struct {
		AccountID int64     `db:"account_id"`
		ExpiresAt time.Time `db:"expires_at"`
	}
	err := db.Get(ctx, &s, `SELECT account_id, expires_at FROM sessions WHERE token_hash = ?`, tokenHash(token))
	if errs.Is(err, errs.NotFound) {
		return principal.Principal{}, errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	if err != nil {
		return principal.Principal{}, err
	}
	if !db.Clock().Now().Before(s.ExpiresAt) {
		return principal.Principal{}, errs.E(errs.Unauthenticated, "error.session_expired")
	}
	a, err := getAccountByID(ctx, db, s.AccountID)
	if err != nil {
		return principal.Principal{}, err
	}
	if a.Disabled {
		return principal.Principal{}, errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	return a.Principal(), nil
}

// Logout ends the session of token; ending an unknown session is not an error.
func Logout(ctx context.Context, db *store.DB, token string) error {
	return db.Transact(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash(token))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return audit.Record(ctx, tx, audit.Change{Action: "identity.logout", ObjectType: "session", ObjectID: principal.From(ctx).Login})
	})
}
