// Package keys is Yiwang's cryptographic service platform: the key hierarchy (a master key held
// outside the database wraps data keys, data keys wrap private keys and other secrets), signing
// keys per organisation and purpose in SM2, ECDSA P-256 and Ed25519, their rotation with overlap
// and retirement, and the count of every key's use.
//
// Private keys never leave this package in clear: callers get a *Signer, which implements
// crypto.Signer, and public keys. Where the private key lives is the Provider's business; the
// software provider (the default) keeps it sealed in the database, and a hardware module
// (PKCS #11, GM/T 0018) can take its place behind the same interface.
package keys

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Algorithm is a signature algorithm. Every signature Yiwang makes names its algorithm.
type Algorithm string

// The signing algorithms: SM2 with SM3 (GB/T 32918, the national standard), ECDSA P-256 with
// SHA-256 and Ed25519 (international; Ed25519 signs notes such as ledger checkpoints).
const (
	SM2       Algorithm = "SM2"
	ECDSAP256 Algorithm = "ECDSA-P256"
	Ed25519   Algorithm = "Ed25519"
)

// Valid reports whether a is one of the supported algorithms.
func (a Algorithm) Valid() bool { return a == SM2 || a == ECDSAP256 || a == Ed25519 }

// Status is where a signing key is in its life.
type Status string

// Key statuses. A retiring key was replaced but may still sign until its overlap ends, so that
// work in flight finishes; a retired key only verifies.
const (
	Active   Status = "active"
	Retiring Status = "retiring"
	Retired  Status = "retired"
)

// Key describes a signing key. It holds nothing secret.
type Key struct {
	ID         string           `db:"id" json:"id"`
	Org        string           `db:"org_code" json:"org"`
	Purpose    string           `db:"purpose" json:"purpose"`
	Algorithm  Algorithm        `db:"algorithm" json:"algorithm"`
	Provider   string           `db:"provider" json:"provider"`
	PublicDER  []byte           `db:"public_key" json:"public_key"`
	Status     Status           `db:"status" json:"status"`
	CreatedAt  time.Time        `db:"created_at" json:"created_at"`
	RetireAt   *time.Time       `db:"retire_at" json:"retire_at,omitempty"`
	RetiredAt  *time.Time       `db:"retired_at" json:"retired_at,omitempty"`
	ReplacedBy *string          `db:"replaced_by" json:"replaced_by,omitempty"`
	Uses       int64            `db:"uses" json:"uses"`
	LastUsedAt *time.Time       `db:"last_used_at" json:"last_used_at,omitempty"`
	Public     crypto.PublicKey `db:"-" json:"-"`
}

// purposeRE keeps purposes short, lower-case words: they name what a key is for ("seal",
// "signer", "ca", "tsa", "ledger", "witness", "licence").
var purposeRE = regexp.MustCompile(`^[a-z][a-z0-9-]{1,31}$`)

// Event is something that happened to a key, handed to Options.OnEvent in the same transaction
// (the platform appends it to the ledger).
type Event struct {
	Type      string // "key.created", "key.rotated", "key.retired"
	KeyID     string
	Org       string
	Purpose   string
	Algorithm Algorithm
	PublicDER []byte
}

// Options configure a Service.
type Options struct {
	// DataKeyAlgorithm is used for new data keys (default SM4-GCM).
	DataKeyAlgorithm DataKeyAlgorithm
	// Provider holds private keys; nil means the software provider.
	Provider Provider
	// OnEvent, when set, is called inside the transaction that creates, rotates or retires a key.
	OnEvent func(ctx context.Context, tx *store.Tx, e Event) error
	// Clock is for the use counters' flush time; the store's clock by default.
	Clock clock.Clock
}

// Service manages keys. It is safe for concurrent use.
type Service struct {
	db       *store.DB
	master   *MasterKey
	provider Provider
	dkAlg    DataKeyAlgorithm
	onEvent  func(ctx context.Context, tx *store.Tx, e Event) error
	clock    clock.Clock

	mu      sync.Mutex
	signers map[string]*Signer // open signers by key id
	dataKey map[string][]byte  // unwrapped data keys by id
}

// New returns the key service over db, with master wrapping its data keys.
func New(db *store.DB, master *MasterKey, opt Options) (*Service, error) {
	if master == nil {
		return nil, fmt.Errorf("keys: a master key is required")
	}
	s := &Service{db: db, master: master, dkAlg: opt.DataKeyAlgorithm, onEvent: opt.OnEvent, clock: opt.Clock,
		signers: map[string]*Signer{}, dataKey: map[string][]byte{}}
	if s.dkAlg == "" {
		s.dkAlg = SM4GCM
	}
	if s.dkAlg != SM4GCM && s.dkAlg != AES256GCM {
		return nil, fmt.Errorf("keys: unknown data key algorithm %q", s.dkAlg)
	}
	if s.clock == nil {
		s.clock = db.Clock()
	}
	s.provider = opt.Provider
	if s.provider == nil {
		s.provider = &software{s: s}
	}
	return s, nil
}

// MasterKeyID is the fingerprint of the master key in use.
func (s *Service) MasterKeyID() string { return s.master.ID() }

// idEncoding writes ids in lower-case base32: its only digits are 2–7, so an id never holds a
// run of digits that the ledger (where key events are logged) would take for a phone number.
var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

func newID(prefix string) string {
	b := make([]byte, 15)
	_, _ = rand.Read(b)
	return prefix + idEncoding.EncodeToString(b)
}

// canManage: the platform itself, the digital office's administrators, and an organisation's own
// administrators for its keys.
func canManage(p principal.Principal, orgCode string) bool {
	if p.Kind == principal.System {
		return true
	}
	if p.Kind != principal.Official || !p.HasRole(principal.RoleAdministrator) {
		return false
	}
	return p.OrgCode == org.DigitalOffice || p.OrgCode == orgCode
}

func canSee(p principal.Principal, orgCode string) bool {
	return p.Kind == principal.System || (p.Kind == principal.Official && (p.OrgCode == org.DigitalOffice || p.OrgCode == orgCode))
}

// Create makes a new active signing key for org and purpose. If an active key of that
// organisation, purpose and algorithm exists, Create fails with a conflict: use Rotate.
func (s *Service) Create(ctx context.Context, p principal.Principal, orgCode, purpose string, alg Algorithm) (Key, error) {
	if err := s.checkNew(p, orgCode, purpose, alg); err != nil {
		return Key{}, err
	}
	var k Key
	err := s.db.Transact(ctx, func(tx *store.Tx) error {
		var err error
		k, err = s.create(ctx, tx, orgCode, purpose, alg)
		return err
	})
	return k, err
}

func (s *Service) checkNew(p principal.Principal, orgCode, purpose string, alg Algorithm) error {
	if !canManage(p, orgCode) {
		return errs.E(errs.Forbidden, "error.keys_forbidden")
	}
	if !purposeRE.MatchString(purpose) {
		return errs.Field("purpose", "error.keys_purpose")
	}
	if !alg.Valid() {
		return errs.Field("algorithm", "error.keys_algorithm", string(alg))
	}
	return nil
}

func (s *Service) create(ctx context.Context, tx *store.Tx, orgCode, purpose string, alg Algorithm) (Key, error) {
	var n int
	if err := tx.Get(ctx, &n, `SELECT count(*) FROM organisations WHERE code = ?`, orgCode); err != nil {
		return Key{}, err
	}
	if n == 0 {
		return Key{}, errs.Field("org", "error.org_not_found", orgCode)
	}
	id := newID("key_")
	pub, ref, dkID, err := s.provider.Generate(ctx, tx, id, alg)
	if err != nil {
		return Key{}, fmt.Errorf("generate %s key: %w", alg, err)
	}
	der, err := smx509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return Key{}, fmt.Errorf("marshal public key: %w", err)
	}
	k := Key{ID: id, Org: orgCode, Purpose: purpose, Algorithm: alg, Provider: s.provider.Name(),
		PublicDER: der, Status: Active, CreatedAt: tx.Now, Public: pub}
	if _, err := tx.Exec(ctx, `INSERT INTO signing_keys
		(id, org_code, purpose, algorithm, provider, public_key, key_ref, data_key_id, status, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.Org, k.Purpose, string(k.Algorithm), k.Provider, k.PublicDER, ref, nullable(dkID), string(k.Status), k.CreatedAt); err != nil {
		if errs.KindOf(err) == errs.Conflict {
			return Key{}, errs.E(errs.Conflict, "error.keys_exists", orgCode, purpose, string(alg))
		}
		return Key{}, err
	}
	if err := audit.Record(ctx, tx, audit.Change{Action: "keys.create", ObjectType: "signing_key", ObjectID: k.ID,
		After: k, Detail: map[string]any{"org": orgCode, "purpose": purpose, "algorithm": string(alg)}}); err != nil {
		return Key{}, err
	}
	return k, s.event(ctx, tx, "key.created", k)
}

func (s *Service) event(ctx context.Context, tx *store.Tx, typ string, k Key) error {
	if s.onEvent == nil {
		return nil
	}
	return s.onEvent(ctx, tx, Event{Type: typ, KeyID: k.ID, Org: k.Org, Purpose: k.Purpose, Algorithm: k.Algorithm, PublicDER: k.PublicDER})
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Ensure returns the active key of org, purpose and algorithm, creating it if there is none. The
// platform uses it for its own keys (certificate authorities, the time-stamping authority, the
// ledger); it acts as the system.
func (s *Service) Ensure(ctx context.Context, orgCode, purpose string, alg Algorithm) (Key, error) {
	if err := s.checkNew(principal.SystemPrincipal, orgCode, purpose, alg); err != nil {
		return Key{}, err
	}
	var k Key
	err := s.db.Transact(ctx, func(tx *store.Tx) error {
		found, err := s.activeTx(ctx, tx, orgCode, purpose, alg)
		if err == nil {
			k = found
			return nil
		}
		if errs.KindOf(err) != errs.NotFound {
			return err
		}
		k, err = s.create(ctx, tx, orgCode, purpose, alg)
		return err
	})
	return k, err
}

const keyColumns = `id, org_code, purpose, algorithm, provider, public_key, status, created_at, retire_at,
	retired_at, replaced_by, uses, last_used_at`

func (s *Service) activeTx(ctx context.Context, tx *store.Tx, orgCode, purpose string, alg Algorithm) (Key, error) {
	var k Key
	if err := tx.Get(ctx, &k, `SELECT `+keyColumns+` FROM signing_keys
		WHERE org_code = ? AND purpose = ? AND algorithm = ? AND status = 'active'`, orgCode, purpose, string(alg)); err != nil {
		return Key{}, err
	}
	return k, k.parsePublic()
}

func (k *Key) parsePublic() error {
	pub, err := smx509.ParsePKIXPublicKey(k.PublicDER)
	if err != nil {
		return fmt.Errorf("parse public key of %s: %w", k.ID, err)
	}
	k.Public = pub
	return nil
}

// Get returns a key's description. Officials of the key's organisation and of the digital office
// may look; the platform always may.
func (s *Service) Get(ctx context.Context, p principal.Principal, id string) (Key, error) {
	k, err := s.get(ctx, id)
	if err != nil {
		return Key{}, err
	}
	if !canSee(p, k.Org) {
		return Key{}, errs.E(errs.NotFound, "error.keys_not_found")
	}
	return k, nil
}

func (s *Service) get(ctx context.Context, id string) (Key, error) {
	var k Key
	if err := s.db.Get(ctx, &k, `SELECT `+keyColumns+` FROM signing_keys WHERE id = ?`, id); err != nil {
		if errs.KindOf(err) == errs.NotFound {
			return Key{}, errs.E(errs.NotFound, "error.keys_not_found")
		}
		return Key{}, err
	}
	return k, k.parsePublic()
}

// PublicKey returns a key's public key; public keys are not secret, so anyone may have them.
func (s *Service) PublicKey(ctx context.Context, id string) (crypto.PublicKey, Algorithm, error) {
	k, err := s.get(ctx, id)
	if err != nil {
		return nil, "", err
	}
	return k.Public, k.Algorithm, nil
}

// List returns an organisation's keys, newest first.
func (s *Service) List(ctx context.Context, p principal.Principal, orgCode string) ([]Key, error) {
	if !canSee(p, orgCode) {
		return nil, errs.E(errs.Forbidden, "error.keys_forbidden")
	}
	var ks []Key
	if err := s.db.Select(ctx, &ks, `SELECT `+keyColumns+` FROM signing_keys WHERE org_code = ?
		ORDER BY created_at DESC, id`, orgCode); err != nil {
		return nil, err
	}
	for i := range ks {
		if err := ks[i].parsePublic(); err != nil {
			return nil, err
		}
	}
	return ks, nil
}

// Rotate replaces an active key with a new one of the same organisation, purpose and algorithm.
// The old key becomes retiring: it may still sign until overlap has passed (work in flight
// finishes), and it verifies for ever.
func (s *Service) Rotate(ctx context.Context, p principal.Principal, id string, overlap time.Duration) (Key, error) {
	if overlap < 0 || overlap > 90*24*time.Hour {
		return Key{}, errs.Field("overlap", "error.keys_overlap")
	}
	var nk Key
	err := s.db.Transact(ctx, func(tx *store.Tx) error {
		var old Key
		if err := tx.Get(ctx, &old, `SELECT `+keyColumns+` FROM signing_keys WHERE id = ?`, id); err != nil {
			if errs.KindOf(err) == errs.NotFound {
				return errs.E(errs.NotFound, "error.keys_not_found")
			}
			return err
		}
		if !canManage(p, old.Org) {
			if canSee(p, old.Org) {
				return errs.E(errs.Forbidden, "error.keys_forbidden")
			}
			return errs.E(errs.NotFound, "error.keys_not_found")
		}
		if old.Status != Active {
			return errs.E(errs.Conflict, "error.keys_not_active")
		}
		retireAt := tx.Now.Add(overlap)
		if _, err := tx.Exec(ctx, `UPDATE signing_keys SET status = 'retiring', retire_at = ? WHERE id = ?`, retireAt, id); err != nil {
			return err
		}
		var err error
		nk, err = s.create(ctx, tx, old.Org, old.Purpose, old.Algorithm)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE signing_keys SET replaced_by = ? WHERE id = ?`, nk.ID, id); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Change{Action: "keys.rotate", ObjectType: "signing_key", ObjectID: id,
			Detail: map[string]any{"replaced_by": nk.ID, "retire_at": retireAt.Format(time.RFC3339)}}); err != nil {
			return err
		}
		old.Status = Retiring
		return s.event(ctx, tx, "key.rotated", old)
	})
	if err == nil {
		s.forget(id)
	}
	return nk, err
}

// Retire stops a key from signing at once. It still verifies.
func (s *Service) Retire(ctx context.Context, p principal.Principal, id string) error {
	err := s.db.Transact(ctx, func(tx *store.Tx) error {
		var k Key
		if err := tx.Get(ctx, &k, `SELECT `+keyColumns+` FROM signing_keys WHERE id = ?`, id); err != nil {
			if errs.KindOf(err) == errs.NotFound {
				return errs.E(errs.NotFound, "error.keys_not_found")
			}
			return err
		}
		if !canManage(p, k.Org) {
			if canSee(p, k.Org) {
				return errs.E(errs.Forbidden, "error.keys_forbidden")
			}
			return errs.E(errs.NotFound, "error.keys_not_found")
		}
		if k.Status == Retired {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE signing_keys SET status = 'retired', retired_at = ? WHERE id = ?`, tx.Now, id); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Change{Action: "keys.retire", ObjectType: "signing_key", ObjectID: id}); err != nil {
			return err
		}
		k.Status = Retired
		return s.event(ctx, tx, "key.retired", k)
	})
	if err == nil {
		s.forget(id)
	}
	return err
}

// RetireDue retires the retiring keys whose overlap has ended; the platform calls it
// periodically. It returns how many it retired.
func (s *Service) RetireDue(ctx context.Context) (int, error) {
	var ids []string
	if err := s.db.Select(ctx, &ids, `SELECT id FROM signing_keys WHERE status = 'retiring' AND retire_at <= ?`, s.clock.Now()); err != nil {
		return 0, err
	}
	for _, id := range ids {
		if err := s.Retire(ctx, principal.SystemPrincipal, id); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

func (s *Service) forget(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sg, ok := s.signers[id]; ok {
		sg.closed.Store(true)
		delete(s.signers, id)
	}
}

// algorithmOf names the algorithm of a public key.
func algorithmOf(pub crypto.PublicKey) (Algorithm, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if sm2.IsSM2PublicKey(k) {
			return SM2, nil
		}
		if k.Curve.Params().Name == "P-256" {
			return ECDSAP256, nil
		}
	case ed25519.PublicKey:
		return Ed25519, nil
	}
	return "", fmt.Errorf("unsupported public key %T", pub)
}
