// Package identity knows who uses Yiwang and what they may do: residents with their real-name
// level, enterprises and the agents they authorise, officials of organisations with their roles;
// it signs them in (password, TOTP, one-time codes), keeps sessions, login history, lockouts and
// personal access tokens.
package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Service is the identity service.
type Service struct {
	db      *store.DB
	sender  Sender
	secrets SecretBox
}

// Options configure the service.
type Options struct {
	// Sender delivers one-time codes; nil means the development outbox.
	Sender Sender
	// Production refuses a development sender: codes must reach real phones.
	Production bool
	// Secrets seals TOTP secrets (the key service); nil keeps them in clear (tests, tools).
	Secrets SecretBox
}

// New returns the identity service over db.
func New(db *store.DB, o Options) (*Service, error) {
	if o.Sender == nil {
		o.Sender = OutboxSender{}
	}
	if o.Production && o.Sender.Development() {
		return nil, errors.New("identity: the development outbox cannot send one-time codes in production; configure a real sender")
	}
	return &Service{db: db, sender: o.Sender, secrets: o.Secrets}, nil
}

// DB returns the store the service works on.
func (s *Service) DB() *store.DB { return s.db }

// Account is a person's account.
type Account struct {
	ID          int64          `db:"id" json:"id"`
	Login       string         `db:"login" json:"login"`
	Kind        principal.Kind `db:"kind" json:"kind"`
	DisplayName string         `db:"display_name" json:"display_name"`
	OrgCode     *string        `db:"org_code" json:"org_code,omitempty"`
	Disabled    bool           `db:"disabled" json:"disabled"`
	CreatedAt   time.Time      `db:"created_at" json:"created_at"`
	Phone       *string        `db:"phone" json:"-"`
	IDType      *string        `db:"id_type" json:"id_type,omitempty"`
	IDNumber    *string        `db:"id_number" json:"-"`
	// RealNameLevel is 0 for officials, 1–3 for residents (see principal.Principal).
	RealNameLevel int        `db:"real_name_level" json:"real_name_level"`
	TOTPEnabled   bool       `db:"totp_enabled" json:"totp_enabled"`
	LockedUntil   *time.Time `db:"locked_until" json:"locked_until,omitempty"`
	Roles         []string   `db:"-" json:"roles"`
}

// Principal returns the principal a session of a is.
func (a Account) Principal() principal.Principal {
	p := principal.Principal{Kind: a.Kind, AccountID: a.ID, Login: a.Login, Name: a.DisplayName,
		Roles: a.Roles, RealNameLevel: a.RealNameLevel}
	if a.OrgCode != nil {
		p.OrgCode = *a.OrgCode
	}
	return p
}

// MaskedPhone is the account's phone for display: 139****5678.
func (a Account) MaskedPhone() string {
	if a.Phone == nil {
		return ""
	}
	return MaskPhone(*a.Phone)
}

// MaskedIDNumber is the account's document number for display and logs.
func (a Account) MaskedIDNumber() string {
	if a.IDNumber == nil {
		return ""
	}
	return MaskIDNumber(*a.IDNumber)
}

const accountColumns = `id, login, kind, display_name, org_code, disabled, created_at, phone, id_type, id_number,
	real_name_level, totp_enabled, locked_until`

// Account returns the account with id and its roles. Returns errs.NotFound if there is none.
func (s *Service) Account(ctx context.Context, id int64) (Account, error) {
	return s.getAccount(ctx, `id = ?`, id)
}

// AccountByLogin returns the account with login. Returns errs.NotFound if there is none.
func (s *Service) AccountByLogin(ctx context.Context, login string) (Account, error) {
	return s.getAccount(ctx, `login = ?`, strings.ToLower(strings.TrimSpace(login)))
}

// getAccount reads the one account where holds, with its roles.
func (s *Service) getAccount(ctx context.Context, where string, arg any) (Account, error) {
	var a Account
	if err := s.db.Get(ctx, &a, `SELECT `+accountColumns+` FROM accounts WHERE `+where, arg); err != nil {
		return a, err
	}
	err := s.db.Select(ctx, &a.Roles, `SELECT role FROM account_roles WHERE account_id = ? ORDER BY role`, a.ID)
	return a, err
}

func getAccountTx(ctx context.Context, tx *store.Tx, id int64) (Account, error) {
	var a Account
	if err := tx.Get(ctx, &a, `SELECT `+accountColumns+` FROM accounts WHERE id = ?`, id); err != nil {
		return a, err
	}
	err := tx.Select(ctx, &a.Roles, `SELECT role FROM account_roles WHERE account_id = ? ORDER BY role`, a.ID)
	return a, err
}

// randomToken returns n random bytes as lower-case base32, for tokens and handles.
func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("identity: no randomness: " + err.Error())
	}
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// b2i stores a bool in the INTEGER columns both engines share.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// MaskPhone shows the first three and last four digits of a phone number.
func MaskPhone(p string) string {
	if len(p) < 8 {
		return strings.Repeat("*", len(p))
	}
	return p[:3] + strings.Repeat("*", len(p)-7) + p[len(p)-4:]
}

// MaskIDNumber shows the first six and last four characters of an identity document number (the
// issuing region and the check), hiding the birth date and sequence; short numbers keep only
// their last two characters.
func MaskIDNumber(n string) string {
	switch {
	case len(n) >= 14:
		return n[:6] + strings.Repeat("*", len(n)-10) + n[len(n)-4:]
	case len(n) > 4:
		return strings.Repeat("*", len(n)-2) + n[len(n)-2:]
	default:
		return strings.Repeat("*", len(n))
	}
}

func requireAuthenticated(p principal.Principal) error {
	if !p.Authenticated() || p.AccountID == 0 {
		return errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	return nil
}

// DigitalOffice is the organisation whose administrators administer organisations, roles and apps.
const DigitalOffice = "fj-digital-office"

// isPlatformAdmin reports whether p administers the platform: an administrator of the digital
// office, or Yiwang itself.
func isPlatformAdmin(p principal.Principal) bool {
	return p.Kind == principal.System || (p.IsOfficial(DigitalOffice) && p.HasRole(principal.RoleAdministrator))
}

// AccountIDByResidentID returns the id of the resident account identified by the resident ID
// number idNumber, for Yiwang itself (a licence issued to a person finds its holder's wallet).
// Returns errs.NotFound if there is none, errs.Forbidden unless the system asks.
func (s *Service) AccountIDByResidentID(ctx context.Context, idNumber string) (int64, error) {
	if principal.From(ctx).Kind != principal.System {
		return 0, errs.E(errs.Forbidden, "error.forbidden")
	}
	var id int64
	err := s.db.Get(ctx, &id, `SELECT id FROM accounts WHERE id_type = ? AND id_number = ?`,
		string(ResidentID), idcode.Normalize(idNumber))
	return id, err
}

// AccountIDByPhone returns the id of the account with phone, for Yiwang itself (demo seeding,
// imports). Returns errs.NotFound if there is none.
func (s *Service) AccountIDByPhone(ctx context.Context, phone string) (int64, error) {
	if principal.From(ctx).Kind != principal.System {
		return 0, errs.E(errs.Forbidden, "error.forbidden")
	}
	p, err := NormalizePhone(phone)
	if err != nil {
		return 0, err
	}
	var id int64
	err = s.db.Get(ctx, &id, `SELECT id FROM accounts WHERE phone = ?`, p)
	return id, err
}
