package identity

import (
	"context"
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

// TokenPrefix starts every personal access token, so that secret scanners and people can tell one.
const TokenPrefix = "ywpat_"

// TokenScopes are the scopes a personal access token may carry.
var TokenScopes = []string{principal.ScopeAPIRead, principal.ScopeAPIWrite}

// MaxTokenTTL is the longest a personal access token may live.
const MaxTokenTTL = 366 * 24 * time.Hour

// AccessToken describes a personal access token; the token itself is shown once, at creation.
type AccessToken struct {
	ID         int64      `db:"id" json:"id"`
	AccountID  int64      `db:"account_id" json:"-"`
	Name       string     `db:"name" json:"name"`
	Prefix     string     `db:"prefix" json:"prefix"`
	Scopes     string     `db:"scopes" json:"-"`
	CreatedAt  time.Time  `db:"created_at" json:"created_at"`
	ExpiresAt  time.Time  `db:"expires_at" json:"expires_at"`
	LastUsedAt *time.Time `db:"last_used_at" json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `db:"revoked_at" json:"revoked_at,omitempty"`
	ScopeList  []string   `db:"-" json:"scopes"`
}

// NewToken is what creating a personal access token needs.
type NewToken struct {
	// Account is the login of the account the token acts as; empty means the signed-in person.
	Account string
	Name    string
	Scopes  []string
	TTL     time.Duration
}

// CreateToken creates a personal access token and returns it with the token string, which is
// never stored and cannot be shown again. People create tokens for themselves; only Yiwang itself
// (the command line of the operator) creates them for another account.
func (s *Service) CreateToken(ctx context.Context, n NewToken) (t AccessToken, token string, err error) {
	defer errs.Wrap(&err, "identity.CreateToken(%s)", n.Name)
	p := principal.From(ctx)
	if err := requireAuthenticatedOrSystem(p); err != nil {
		return t, "", err
	}
	if p.Via == "token" || p.Via == "oidc" || p.Via == "client" {
		// A token cannot mint tokens: it would outlive and outreach itself.
		return t, "", errs.E(errs.Forbidden, "identity.error.token_from_token")
	}
	n.Name = strings.TrimSpace(n.Name)
	if n.Name == "" || utf8.RuneCountInString(n.Name) > 100 {
		return t, "", errs.Field("name", "error.required")
	}
	if len(n.Scopes) == 0 {
		return t, "", errs.Field("scope", "error.required")
	}
	for _, sc := range n.Scopes {
		if !slices.Contains(TokenScopes, sc) {
			return t, "", errs.Field("scope", "identity.error.token_scope", sc, strings.Join(TokenScopes, ", "))
		}
	}
	slices.Sort(n.Scopes)
	n.Scopes = slices.Compact(n.Scopes)
	if n.TTL <= 0 || n.TTL > MaxTokenTTL {
		return t, "", errs.Field("ttl", "identity.error.token_ttl", int(MaxTokenTTL.Hours()/24))
	}
	accountID := p.AccountID
	if n.Account != "" {
		a, err := s.AccountByLogin(ctx, n.Account)
		if errs.Is(err, errs.NotFound) {
			return t, "", errs.Field("account", "identity.error.no_account", n.Account)
		}
		if err != nil {
			return t, "", err
		}
		if a.ID != p.AccountID && p.Kind != principal.System {
			return t, "", errs.E(errs.Forbidden, "error.forbidden")
		}
		if a.Disabled {
			return t, "", errs.Field("account", "identity.error.no_account", n.Account)
		}
		accountID = a.ID
	}
	if accountID == 0 {
		return t, "", errs.Field("account", "error.required")
	}
	prefix := randomToken(5)
	token = TokenPrefix + prefix + "_" + randomToken(20)
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		id, err := tx.InsertID(ctx, `INSERT INTO access_tokens (account_id, name, prefix, token_hash, scopes, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, accountID, n.Name, prefix, tokenHash(token), strings.Join(n.Scopes, " "), tx.Now, tx.Now.Add(n.TTL))
		if err != nil {
			return err
		}
		t = AccessToken{ID: id, AccountID: accountID, Name: n.Name, Prefix: prefix, Scopes: strings.Join(n.Scopes, " "),
			CreatedAt: tx.Now, ExpiresAt: tx.Now.Add(n.TTL), ScopeList: n.Scopes}
		return audit.Record(ctx, tx, audit.Change{Action: "identity.token.created", ObjectType: "access_token",
			ObjectID: strconv.FormatInt(id, 10), Detail: map[string]any{"account": accountID, "scopes": n.Scopes, "expires_at": t.ExpiresAt}})
	})
	if err != nil {
		return AccessToken{}, "", err
	}
	return t, token, nil
}

func requireAuthenticatedOrSystem(p principal.Principal) error {
	if p.Kind == principal.System {
		return nil
	}
	return requireAuthenticated(p)
}

// Tokens lists the signed-in person's own tokens, newest first.
func (s *Service) Tokens(ctx context.Context) ([]AccessToken, error) {
	p := principal.From(ctx)
	if err := requireAuthenticated(p); err != nil {
		return nil, err
	}
	var list []AccessToken
	err := s.db.Select(ctx, &list, `SELECT id, account_id, name, prefix, scopes, created_at, expires_at, last_used_at, revoked_at
		FROM access_tokens WHERE account_id = ? ORDER BY created_at DESC, id DESC`, p.AccountID)
	for i := range list {
		list[i].ScopeList = strings.Fields(list[i].Scopes)
	}
	return list, err
}

// RevokeToken revokes the signed-in person's token id. Another person's token is reported as
// not found.
func (s *Service) RevokeToken(ctx context.Context, id int64) (err error) {
	defer errs.Wrap(&err, "identity.RevokeToken(%d)", id)
	p := principal.From(ctx)
	if err := requireAuthenticated(p); err != nil {
		return err
	}
	return s.db.Transact(ctx, func(tx *store.Tx) error {
		var owner int64
		if err := tx.Get(ctx, &owner, `SELECT account_id FROM access_tokens WHERE id = ?`, id); err != nil {
			return err
		}
		if owner != p.AccountID {
			return errs.E(errs.NotFound, "error.not_found")
		}
		res, err := tx.Exec(ctx, `UPDATE access_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, tx.Now, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.Conflict, "identity.error.already_revoked")
		}
		return audit.Record(ctx, tx, audit.Change{Action: "identity.token.revoked", ObjectType: "access_token", ObjectID: strconv.FormatInt(id, 10)})
	})
}

// tokenUseResolution is how often a token's last use is written: every request would make each
// API read a write.
const tokenUseResolution = time.Hour

// TokenPrincipal returns the principal a personal access token acts as: its account, limited to
// the token's scopes. Returns errs.Unauthenticated for an unknown, revoked or expired token.
func (s *Service) TokenPrincipal(ctx context.Context, token string) (principal.Principal, error) {
	if !strings.HasPrefix(token, TokenPrefix) || len(token) > 100 {
		return principal.Principal{}, errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	var t AccessToken
	err := s.db.Get(ctx, &t, `SELECT id, account_id, name, prefix, scopes, created_at, expires_at, last_used_at, revoked_at
		FROM access_tokens WHERE token_hash = ?`, tokenHash(token))
	if errs.Is(err, errs.NotFound) {
		return principal.Principal{}, errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	if err != nil {
		return principal.Principal{}, err
	}
	now := s.db.Clock().Now()
	if t.RevokedAt != nil || !now.Before(t.ExpiresAt) {
		return principal.Principal{}, errs.E(errs.Unauthenticated, "identity.error.token_expired")
	}
	a, err := s.Account(ctx, t.AccountID)
	if err != nil {
		return principal.Principal{}, err
	}
	if a.Disabled {
		return principal.Principal{}, errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > tokenUseResolution {
		if err := s.db.Transact(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE access_tokens SET last_used_at = ? WHERE id = ?`, tx.Now, t.ID)
			return err
		}); err != nil {
			return principal.Principal{}, err
		}
	}
	p := a.Principal()
	p.Scopes = strings.Fields(t.Scopes)
	p.Via = "token"
	return p, nil
}
