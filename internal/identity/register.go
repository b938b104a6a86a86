package identity

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"time"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Registration is what a resident gives to register.
type Registration struct {
	// Name is the legal name as on the document.
	Name     string
	IDType   DocumentType
	IDNumber string
	// Phone is a mainland mobile number, proven by Code, a one-time code sent to it for
	// PurposeRegister (RequestCode).
	Phone    string
	Code     string
	Password string
}

var mobileRE = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

// NormalizePhone checks a mainland mobile number, accepting an optional +86 prefix and spaces.
func NormalizePhone(p string) (string, error) {
	p = strings.NewReplacer(" ", "", "-", "", "\u3000", "").Replace(strings.TrimSpace(p))
	p = strings.TrimPrefix(strings.TrimPrefix(p, "+86"), "0086")
	if !mobileRE.MatchString(p) {
		return "", errs.Field("phone", "identity.error.phone")
	}
	return p, nil
}

func validName(n string) (string, error) {
	n = strings.Join(strings.Fields(n), " ")
	if n == "" || utf8.RuneCountInString(n) > 60 {
		return "", errs.Field("name", "identity.error.name")
	}
	return n, nil
}

// Register creates a resident's account at real-name level 1 (self-declared), raised to level 2
// at once when the name and document match the population registry. The one-time code proves
// the phone. Returns errs.Conflict if the document or phone already has an account.
func (s *Service) Register(ctx context.Context, r Registration) (a Account, err error) {
	defer errs.Wrap(&err, "identity.Register")
	return s.createResident(ctx, r, true)
}

// ImportResident creates a resident's account without a one-time code, for Yiwang itself only:
// demo data and accounts carried over from an earlier platform, whose phones were proven there.
func (s *Service) ImportResident(ctx context.Context, r Registration) (a Account, err error) {
	defer errs.Wrap(&err, "identity.ImportResident")
	if principal.From(ctx).Kind != principal.System {
		return a, errs.E(errs.Forbidden, "error.forbidden")
	}
	return s.createResident(ctx, r, false)
}

func (s *Service) createResident(ctx context.Context, r Registration, provePhone bool) (a Account, err error) {
	if r.Name, err = validName(r.Name); err != nil {
		return a, err
	}
	if r.IDNumber, err = ValidateDocument(r.IDType, r.IDNumber); err != nil {
		return a, err
	}
	if r.Phone, err = NormalizePhone(r.Phone); err != nil {
		return a, err
	}
	hash, err := HashPassword(r.Password)
	if err != nil {
		return a, err
	}
	// The login is an opaque handle, so that audit records and logs name no personal data.
	login := "r" + randomToken(6)
	err = s.transact(ctx, func(tx *store.Tx) error {
		if provePhone {
			if err := s.consumeCode(ctx, tx, nil, r.Phone, PurposeRegister, r.Code); err != nil {
				return err
			}
		}
		var taken int
		if err := tx.Get(ctx, &taken, `SELECT COUNT(*) FROM accounts WHERE id_type = ? AND id_number = ?`, r.IDType, r.IDNumber); err != nil {
			return err
		}
		if taken > 0 {
			return errs.E(errs.Conflict, "identity.error.document_taken")
		}
		if err := tx.Get(ctx, &taken, `SELECT COUNT(*) FROM accounts WHERE phone = ?`, r.Phone); err != nil {
			return err
		}
		if taken > 0 {
			return errs.E(errs.Conflict, "identity.error.phone_taken")
		}
		id, err := tx.InsertID(ctx, `INSERT INTO accounts (login, kind, display_name, password_hash, disabled, created_at,
			phone, id_type, id_number, real_name_level) VALUES (?, 'resident', ?, ?, 0, ?, ?, ?, ?, 1) RETURNING id`,
			login, r.Name, hash, tx.Now, r.Phone, r.IDType, r.IDNumber)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO real_name_verifications (account_id, level, method, at) VALUES (?, 1, 'self_declared', ?)`, id, tx.Now); err != nil {
			return err
		}
		if principal.From(ctx).Kind != principal.System {
			ctx = principal.With(ctx, principal.Principal{Kind: principal.Resident, AccountID: id, Login: login})
		}
		if err := audit.Record(ctx, tx, audit.Change{Action: "identity.resident.registered", ObjectType: "account",
			ObjectID: strconv.FormatInt(id, 10), Detail: map[string]any{"id_type": r.IDType}}); err != nil {
			return err
		}
		level, err := matchRegistry(ctx, tx, id, r.IDType, r.IDNumber, r.Name)
		if err != nil {
			return err
		}
		a, err = getAccountTx(ctx, tx, id)
		a.RealNameLevel = level
		return err
	})
	return a, err
}

// matchRegistry raises account id to level 2 when the registry holds the document with that
// name, and returns the account's level.
func matchRegistry(ctx context.Context, tx *store.Tx, id int64, t DocumentType, number, name string) (int, error) {
	var registered string
	err := tx.Get(ctx, &registered, `SELECT name FROM population_registry WHERE id_type = ? AND id_number = ?`, t, number)
	if errs.Is(err, errs.NotFound) || (err == nil && registered != name) {
		return 1, audit.Record(ctx, tx, audit.Change{Action: "identity.realname.registry_mismatch", ObjectType: "account",
			ObjectID: strconv.FormatInt(id, 10)})
	}
	if err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `UPDATE accounts SET real_name_level = 2 WHERE id = ? AND real_name_level < 2`, id); err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO real_name_verifications (account_id, level, method, at) VALUES (?, 2, 'registry', ?)`, id, tx.Now); err != nil {
		return 0, err
	}
	var level int
	if err := tx.Get(ctx, &level, `SELECT real_name_level FROM accounts WHERE id = ?`, id); err != nil {
		return 0, err
	}
	return level, audit.Record(ctx, tx, audit.Change{Action: "identity.realname.level2", ObjectType: "account",
		ObjectID: strconv.FormatInt(id, 10)})
}

// VerifyWithRegistry retries the registry match for the signed-in resident (after the registry
// was updated, say) and returns their level. errs.Invalid says the registry does not match.
func (s *Service) VerifyWithRegistry(ctx context.Context) (level int, err error) {
	defer errs.Wrap(&err, "identity.VerifyWithRegistry")
	p := principal.From(ctx)
	if err := requireAuthenticated(p); err != nil {
		return 0, err
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		a, err := getAccountTx(ctx, tx, p.AccountID)
		if err != nil {
			return err
		}
		if a.IDNumber == nil || a.IDType == nil {
			return errs.E(errs.Invalid, "identity.error.no_document")
		}
		if a.RealNameLevel >= 2 {
			level = a.RealNameLevel
			return nil
		}
		level, err = matchRegistry(ctx, tx, a.ID, DocumentType(*a.IDType), *a.IDNumber, a.DisplayName)
		return err
	})
	if err == nil && level < 2 {
		return level, errs.E(errs.Invalid, "identity.error.registry_mismatch")
	}
	return level, err
}

// VerifyInPerson records that a window officer checked the resident's document in person at
// place, raising the account to level 3. The officer finds the account by the document shown.
// Returns errs.Forbidden unless the principal is a window officer, errs.NotFound if no account
// holds the document, errs.Invalid if the name on the document differs from the account's.
func (s *Service) VerifyInPerson(ctx context.Context, t DocumentType, number, name, place string) (a Account, err error) {
	defer errs.Wrap(&err, "identity.VerifyInPerson")
	p := principal.From(ctx)
	if p.Kind != principal.Official || !p.HasRole(principal.RoleWindowOfficer) {
		return a, errs.E(errs.Forbidden, "error.forbidden")
	}
	if number, err = ValidateDocument(t, number); err != nil {
		return a, err
	}
	if name, err = validName(name); err != nil {
		return a, err
	}
	place = strings.TrimSpace(place)
	if place == "" || utf8.RuneCountInString(place) > 200 {
		return a, errs.Field("place", "error.required")
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		var id int64
		err := tx.Get(ctx, &id, `SELECT id FROM accounts WHERE id_type = ? AND id_number = ?`, t, number)
		if errs.Is(err, errs.NotFound) {
			e := errs.Wrapf(errs.NotFound, err, "identity.error.no_account_for_document")
			e.Field = "id_number"
			return e
		}
		if err != nil {
			return err
		}
		if a, err = getAccountTx(ctx, tx, id); err != nil {
			return err
		}
		if a.DisplayName != name {
			return errs.Field("name", "identity.error.name_mismatch")
		}
		if _, err := tx.Exec(ctx, `UPDATE accounts SET real_name_level = 3 WHERE id = ?`, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO real_name_verifications (account_id, level, method, verified_by, org_code, place, at)
			VALUES (?, 3, 'window', ?, ?, ?, ?)`, id, p.AccountID, p.OrgCode, place, tx.Now); err != nil {
			return err
		}
		a.RealNameLevel = 3
		return audit.Record(ctx, tx, audit.Change{Action: "identity.realname.level3", ObjectType: "account",
			ObjectID: strconv.FormatInt(id, 10), Detail: map[string]any{"place": place}})
	})
	return a, err
}

// Verification is one raise of a resident's real-name level.
type Verification struct {
	Level      int       `db:"level" json:"level"`
	Method     string    `db:"method" json:"method"`
	VerifiedBy *string   `db:"verified_by" json:"verified_by,omitempty"`
	OrgCode    *string   `db:"org_code" json:"org_code,omitempty"`
	Place      string    `db:"place" json:"place"`
	At         time.Time `db:"at" json:"at"`
}

// Verifications lists how the signed-in resident's real-name level was reached.
func (s *Service) Verifications(ctx context.Context) (list []Verification, err error) {
	p := principal.From(ctx)
	if err := requireAuthenticated(p); err != nil {
		return nil, err
	}
	err = s.db.Select(ctx, &list, `SELECT v.level, v.method, a.display_name AS verified_by, v.org_code, v.place, v.at
		FROM real_name_verifications v LEFT JOIN accounts a ON a.id = v.verified_by
		WHERE v.account_id = ? ORDER BY v.at, v.id`, p.AccountID)
	return list, err
}

// RegistryEntry is one person in the population registry.
type RegistryEntry struct {
	IDType   DocumentType
	IDNumber string
	Name     string
}

// LoadRegistry adds or replaces entries of the population registry. Only the platform itself
// (importing the registry dataset) or the digital office's administrators may.
func (s *Service) LoadRegistry(ctx context.Context, entries []RegistryEntry) (err error) {
	defer errs.Wrap(&err, "identity.LoadRegistry")
	if !isPlatformAdmin(principal.From(ctx)) {
		return errs.E(errs.Forbidden, "error.forbidden")
	}
	for i, e := range entries {
		if entries[i].IDNumber, err = ValidateDocument(e.IDType, e.IDNumber); err != nil {
			return errs.Wrapf(errs.Invalid, err, "identity.error.registry_row", i+1)
		}
		if entries[i].Name, err = validName(e.Name); err != nil {
			return errs.Wrapf(errs.Invalid, err, "identity.error.registry_row", i+1)
		}
	}
	return s.db.Transact(ctx, func(tx *store.Tx) error {
		for _, e := range entries {
			if _, err := tx.Exec(ctx, `DELETE FROM population_registry WHERE id_type = ? AND id_number = ?`, e.IDType, e.IDNumber); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO population_registry (id_type, id_number, name) VALUES (?, ?, ?)`, e.IDType, e.IDNumber, e.Name); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Change{Action: "identity.registry.loaded", ObjectType: "population_registry",
			ObjectID: "-", Detail: map[string]any{"entries": len(entries)}})
	})
}
