package oidc

import (
	"context"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// The signature algorithms of ID tokens.
const (
	ES256 = "ES256" // ECDSA on P-256 with SHA-256: the default
	EdDSA = "EdDSA" // Ed25519
)

// DefaultKeyOverlap is how long a replaced signing key stays published, so that ID tokens it
// signed still verify: longer than any ID token lives, and than apps cache the key set.
const DefaultKeyOverlap = 24 * time.Hour

// keyring keeps the provider's signing keys in the database. Private keys are sealed with
// AES-256-GCM under a key derived from the provider's secret, so a copy of the database alone
// cannot sign; opened keys are cached by id.
type keyring struct {
	db        *store.DB
	algorithm string
	overlap   time.Duration
	seal      cipher.AEAD
	mu        sync.Mutex
	opened    map[string]signingKey
}

func newKeyring(db *store.DB, algorithm string, overlap time.Duration, sealKey []byte) (*keyring, error) {
	block, err := aes.NewCipher(sealKey)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &keyring{db: db, algorithm: algorithm, overlap: overlap, seal: gcm, opened: map[string]signingKey{}}, nil
}

// signingKey is a key that signs (op.SigningKey).
type signingKey struct {
	id        string
	algorithm jose.SignatureAlgorithm
	key       crypto.Signer
}

func (k signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return k.algorithm }
func (k signingKey) Key() any                                    { return k.key }
func (k signingKey) ID() string                                  { return k.id }

// publicKey is a published key (op.Key).
type publicKey struct {
	jwk jose.JSONWebKey
}

func (k publicKey) ID() string { return k.jwk.KeyID }
func (k publicKey) Algorithm() jose.SignatureAlgorithm {
	return jose.SignatureAlgorithm(k.jwk.Algorithm)
}
func (k publicKey) Use() string { return "sig" }
func (k publicKey) Key() any    { return k.jwk.Key }

type keyRow struct {
	ID         string     `db:"id"`
	Algorithm  string     `db:"algorithm"`
	PublicKey  string     `db:"public_key"`
	PrivateKey string     `db:"private_key"`
	CreatedAt  time.Time  `db:"created_at"`
	RetireAt   *time.Time `db:"retire_at"`
}

// current returns the key that signs: the newest one not being retired. Returns errs.NotFound
// if there is none.
func (k *keyring) current(ctx context.Context) (signingKey, error) {
	var r keyRow
	if err := k.db.Get(ctx, &r, `SELECT id, algorithm, public_key, private_key, created_at, retire_at
		FROM oidc_signing_keys WHERE retire_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1`); err != nil {
		return signingKey{}, err
	}
	return k.open(r)
}

// open unseals a stored private key.
func (k *keyring) open(r keyRow) (signingKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if sk, ok := k.opened[r.ID]; ok {
		return sk, nil
	}
	sealed, err := base64.StdEncoding.DecodeString(r.PrivateKey)
	if err != nil || len(sealed) < k.seal.NonceSize() {
		return signingKey{}, fmt.Errorf("signing key %s: malformed", r.ID)
	}
	der, err := k.seal.Open(nil, sealed[:k.seal.NonceSize()], sealed[k.seal.NonceSize():], []byte(r.ID))
	if err != nil {
		return signingKey{}, fmt.Errorf("signing key %s cannot be opened with this provider's secret: %w", r.ID, err)
	}
	priv, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return signingKey{}, fmt.Errorf("signing key %s: %w", r.ID, err)
	}
	signer, ok := priv.(crypto.Signer)
	if !ok {
		return signingKey{}, fmt.Errorf("signing key %s: %T cannot sign", r.ID, priv)
	}
	sk := signingKey{id: r.ID, algorithm: jose.SignatureAlgorithm(r.Algorithm), key: signer}
	k.opened[r.ID] = sk
	return sk, nil
}

// published returns the keys apps verify ID tokens with: the signing key first, then those being
// retired whose overlap has not ended.
func (k *keyring) published(ctx context.Context) ([]op.Key, error) {
	var rows []keyRow
	if err := k.db.Select(ctx, &rows, `SELECT id, algorithm, public_key, private_key, created_at, retire_at
		FROM oidc_signing_keys WHERE retire_at IS NULL OR retire_at > ?
		ORDER BY CASE WHEN retire_at IS NULL THEN 0 ELSE 1 END, created_at DESC, id DESC`, k.db.Clock().Now()); err != nil {
		return nil, err
	}
	keys := make([]op.Key, 0, len(rows))
	for _, r := range rows {
		var jwk jose.JSONWebKey
		if err := json.Unmarshal([]byte(r.PublicKey), &jwk); err != nil {
			return nil, fmt.Errorf("signing key %s: public key: %w", r.ID, err)
		}
		keys = append(keys, publicKey{jwk: jwk})
	}
	return keys, nil
}

// generate makes a new key of the keyring's algorithm, with its row ready to insert.
func (k *keyring) generate() (keyRow, error) {
	var priv crypto.Signer
	var err error
	switch k.algorithm {
	case ES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case EdDSA:
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	default:
		return keyRow{}, fmt.Errorf("unknown signature algorithm %q", k.algorithm)
	}
	if err != nil {
		return keyRow{}, err
	}
	id := randomID(12)
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return keyRow{}, err
	}
	nonce := make([]byte, k.seal.NonceSize())
	_, _ = rand.Read(nonce)
	sealed := k.seal.Seal(nonce, nonce, der, []byte(id))
	pub, err := json.Marshal(jose.JSONWebKey{Key: priv.Public(), KeyID: id, Algorithm: k.algorithm, Use: "sig"})
	if err != nil {
		return keyRow{}, err
	}
	return keyRow{ID: id, Algorithm: k.algorithm, PublicKey: string(pub), PrivateKey: base64.StdEncoding.EncodeToString(sealed)}, nil
}

// rotate adds a new signing key inside tx and starts retiring the others: they stay published
// for the overlap, then are deleted with their private keys.
func (k *keyring) rotate(ctx context.Context, tx *store.Tx, reason string) (string, error) {
	r, err := k.generate()
	if err != nil {
		return "", err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM oidc_signing_keys WHERE retire_at IS NOT NULL AND retire_at <= ?`, tx.Now); err != nil {
		return "", err
	}
	if _, err := tx.Exec(ctx, `UPDATE oidc_signing_keys SET retire_at = ? WHERE retire_at IS NULL`, tx.Now.Add(k.overlap)); err != nil {
		return "", err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO oidc_signing_keys (id, algorithm, public_key, private_key, created_at)
		VALUES (?, ?, ?, ?, ?)`, r.ID, r.Algorithm, r.PublicKey, r.PrivateKey, tx.Now); err != nil {
		return "", err
	}
	return r.ID, audit.Record(ctx, tx, audit.Change{Action: "oidc.key.rotated", ObjectType: "oidc_signing_key", ObjectID: r.ID,
		Detail: map[string]any{"algorithm": r.Algorithm, "reason": reason, "overlap_seconds": int64(k.overlap.Seconds())}})
}

// RotateKeys adds a new signing key, which signs from now on; the keys it replaces stay
// published for the overlap (Config.KeyOverlap) so that ID tokens they signed still verify, and
// are deleted at a later rotation once it has passed. Only the system and the digital office's
// administrators may rotate keys.
func (p *Provider) RotateKeys(ctx context.Context) (err error) {
	defer errs.Wrap(&err, "oidc.RotateKeys")
	who := principal.From(ctx)
	if who.Kind != principal.System && !(who.IsOfficial(digitalOffice) && who.HasRole(principal.RoleAdministrator)) {
		if !who.Authenticated() {
			return errs.E(errs.Unauthenticated, "error.unauthenticated")
		}
		return errs.E(errs.Forbidden, "error.forbidden")
	}
	return p.cfg.DB.Transact(ctx, func(tx *store.Tx) error {
		_, err := p.keys.rotate(ctx, tx, "requested")
		return err
	})
}

// ensureKey makes sure a usable signing key exists: one that this provider's secret opens, of
// the configured algorithm. It rotates when there is none — on first start, after the algorithm
// was changed, or after the secret was — checking and rotating in one transaction, so that
// nodes starting together add one key, not one each.
func (k *keyring) ensureKey(ctx context.Context) error {
	ctx = principal.With(ctx, principal.SystemPrincipal)
	return k.db.Transact(ctx, func(tx *store.Tx) error {
		var rows []keyRow
		if err := tx.Select(ctx, &rows, `SELECT id, algorithm, public_key, private_key, created_at, retire_at
			FROM oidc_signing_keys WHERE retire_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1`); err != nil {
			return err
		}
		reason := "no signing key"
		if len(rows) == 1 {
			r := rows[0]
			if r.Algorithm != k.algorithm {
				reason = "algorithm changed to " + k.algorithm
			} else if _, err := k.open(r); err != nil {
				reason = "secret changed"
			} else {
				return nil
			}
		}
		_, err := k.rotate(ctx, tx, reason)
		return err
	})
}

// randomID returns n random bytes, base64url: ids of keys, requests and tokens.
func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b)
}
