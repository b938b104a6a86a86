// Package acquirer is a sandbox acquirer (收单机构) that behaves like a real one, and the
// payment channel client (Client, a payments.Channel) that the platform uses to talk to it.
//
// The acquirer is a party of its own that happens to be served by the same binary in a demo: it
// has its own tables (acquirer_…), its own Ed25519 key that signs every notification, answer
// and statement, and its merchants with API secrets; the platform's requests to it are
// authenticated by HMAC with a timestamp and a nonce, so a replayed request is refused. It
// serves, under /sandbox/acquirer: the merchant API (create and query a payment, refund, the
// day's signed statement), the public key, and the cashier page where a payer "pays" with a
// sandbox 支付宝/微信支付/银联 method or cancels. Its background worker (Run) posts signed
// notifications to the merchant's callback URL, retrying with backoff until one is
// acknowledged.
//
// For tests it misbehaves on purpose when told to (Misbehave): a notification sent twice,
// held back until a later one was delivered, sent with a wrong amount, or dropped, so that the
// platform's idempotency, state rules and reconciliation can be proved against it. The
// platform's own code has no such switches.
//
// The acquirer writes nothing to the platform's audit log: it is not the platform.
package acquirer

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// BasePath is where Install mounts the acquirer.
const BasePath = "/sandbox/acquirer"

// SecretBox seals the acquirer's private key and its merchants' API secrets (the node's key
// service, internal/keys).
type SecretBox interface {
	SealTx(ctx context.Context, tx *store.Tx, purpose string, plaintext, aad []byte) ([]byte, error)
	Open(ctx context.Context, purpose string, sealed, aad []byte) ([]byte, error)
}

// Config configures the acquirer.
type Config struct {
	DB *store.DB
	// Secrets seals its private key and merchant secrets; nil keeps them in clear (tests).
	Secrets SecretBox
	// PublicURL is where payers' browsers reach the acquirer's site (scheme and host, e.g.
	// "https://pay.example.cn"); "" makes cashier links local paths, for an acquirer served by
	// the same site as the platform.
	PublicURL string
	// HTTPClient posts notifications; a client with a 10-second timeout when nil.
	HTTPClient *http.Client
	// RetryBase is the wait before a notification's second attempt, doubling each time up to
	// RetryMax; after MaxAttempts attempts the notification is given up. Defaults: 2 s, 1 h, 15.
	RetryBase, RetryMax time.Duration
	MaxAttempts         int
	// PollInterval is how often Run looks for due notifications and expired payments (besides
	// being woken when one is queued); 1 s when zero.
	PollInterval time.Duration
	// HoldMax bounds how long a notification held back on purpose (OutOfOrder) waits for a later
	// one; 10 minutes when zero.
	HoldMax time.Duration
	Logger  *slog.Logger
}

// Acquirer is the sandbox acquirer.
type Acquirer struct {
	cfg  Config
	db   *store.DB
	key  ed25519.PrivateKey
	pub  ed25519.PublicKey
	kid  string
	wake chan struct{}

	mu      sync.Mutex
	faults  []plannedFault
	secrets map[string][]byte // merchant id → API secret, opened once
}

// Purposes of the sealed values (data keys of internal/keys).
const (
	purposeKey    = "acquirer-key"
	purposeSecret = "acquirer-secret"
)

// New opens the acquirer over cfg.DB, making its signing key on first start.
func New(ctx context.Context, cfg Config) (*Acquirer, error) {
	if cfg.DB == nil {
		return nil, errors.New("acquirer: no database")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = 2 * time.Second
	}
	if cfg.RetryMax <= 0 {
		cfg.RetryMax = time.Hour
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 15
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.HoldMax <= 0 {
		cfg.HoldMax = 10 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.PublicURL = strings.TrimSuffix(cfg.PublicURL, "/")
	a := &Acquirer{cfg: cfg, db: cfg.DB, wake: make(chan struct{}, 1), secrets: map[string][]byte{}}
	if err := a.loadKey(ctx); err != nil {
		return nil, fmt.Errorf("acquirer: signing key: %w", err)
	}
	return a, nil
}

type keyRow struct {
	ID         string    `db:"id"`
	Algorithm  string    `db:"algorithm"`
	PublicKey  []byte    `db:"public_key"`
	PrivateKey []byte    `db:"private_key"`
	CreatedAt  time.Time `db:"created_at"`
}

// loadKey reads the acquirer's signing key, or makes and stores one.
func (a *Acquirer) loadKey(ctx context.Context) error {
	var rows []keyRow
	if err := a.db.Select(ctx, &rows, `SELECT id, algorithm, public_key, private_key, created_at FROM acquirer_keys
		ORDER BY created_at DESC, id DESC LIMIT 1`); err != nil {
		return err
	}
	if len(rows) == 0 {
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return err
		}
		kid := KeyID(pub)
		err = a.db.Transact(ctx, func(tx *store.Tx) error {
			// Another node may have made one meanwhile: keep the first.
			var n int
			if err := tx.Get(ctx, &n, `SELECT COUNT(*) FROM acquirer_keys`); err != nil || n > 0 {
				return err
			}
			stored, err := a.sealTx(ctx, tx, purposeKey, priv.Seed(), kid)
			if err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `INSERT INTO acquirer_keys (id, algorithm, public_key, private_key, created_at) VALUES (?, ?, ?, ?, ?)`,
				kid, "ed25519", []byte(pub), stored, tx.Now)
			return err
		})
		if err != nil {
			return err
		}
		return a.loadKey(ctx)
	}
	seed, err := a.open(ctx, purposeKey, rows[0].PrivateKey, rows[0].ID)
	if err != nil {
		return err
	}
	if len(seed) != ed25519.SeedSize {
		return errors.New("stored key has the wrong size")
	}
	a.key = ed25519.NewKeyFromSeed(seed)
	a.pub = a.key.Public().(ed25519.PublicKey)
	a.kid = KeyID(a.pub)
	if a.kid != rows[0].ID {
		return errors.New("stored key does not match its id")
	}
	return nil
}

// sealed values carry a one-byte marker: 0 in clear (no secret box), 1 sealed.
func (a *Acquirer) sealTx(ctx context.Context, tx *store.Tx, purpose string, plain []byte, aad string) ([]byte, error) {
	if a.cfg.Secrets == nil {
		return append([]byte{0}, plain...), nil
	}
	s, err := a.cfg.Secrets.SealTx(ctx, tx, purpose, plain, []byte(aad))
	if err != nil {
		return nil, err
	}
	return append([]byte{1}, s...), nil
}

func (a *Acquirer) open(ctx context.Context, purpose string, stored []byte, aad string) ([]byte, error) {
	switch {
	case len(stored) < 2:
		return nil, errors.New("stored secret is empty")
	case stored[0] == 0:
		return stored[1:], nil
	case stored[0] == 1 && a.cfg.Secrets != nil:
		return a.cfg.Secrets.Open(ctx, purpose, stored[1:], []byte(aad))
	}
	return nil, errors.New("stored secret is sealed and no secret box was given")
}

// PublicKey is the key that verifies the acquirer's notifications, answers and statements.
func (a *Acquirer) PublicKey() ed25519.PublicKey { return a.pub }

// KeyID is the id of the acquirer's key, as named in its signatures.
func (a *Acquirer) KeyID() string { return a.kid }

// Credentials are a merchant's id and API secret, which the merchant's client signs requests
// with.
type Credentials struct {
	MerchantID string
	Secret     string
}

var merchantID = regexp.MustCompile(`^[A-Za-z0-9_-]{3,32}$`)

// Merchant returns the credentials of merchant id, signing it up with name the first time.
func (a *Acquirer) Merchant(ctx context.Context, id, name string) (Credentials, error) {
	if !merchantID.MatchString(id) || strings.TrimSpace(name) == "" {
		return Credentials{}, errs.E(errs.Invalid, "acquirer.error.merchant")
	}
	err := a.db.Transact(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.Get(ctx, &n, `SELECT COUNT(*) FROM acquirer_merchants WHERE id = ?`, id); err != nil || n > 0 {
			return err
		}
		secret := make([]byte, 32)
		_, _ = rand.Read(secret)
		stored, err := a.sealTx(ctx, tx, purposeSecret, []byte(hex.EncodeToString(secret)), id)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO acquirer_merchants (id, name, secret, created_at) VALUES (?, ?, ?, ?)`,
			id, strings.TrimSpace(name), stored, tx.Now)
		return err
	})
	if err != nil {
		return Credentials{}, err
	}
	secret, err := a.merchantSecret(ctx, id)
	if err != nil {
		return Credentials{}, err
	}
	return Credentials{MerchantID: id, Secret: string(secret)}, nil
}

// merchantSecret returns merchant id's API secret; errs.NotFound if there is no such merchant.
func (a *Acquirer) merchantSecret(ctx context.Context, id string) ([]byte, error) {
	a.mu.Lock()
	s, ok := a.secrets[id]
	a.mu.Unlock()
	if ok {
		return s, nil
	}
	var stored []byte
	if err := a.db.Get(ctx, &stored, `SELECT secret FROM acquirer_merchants WHERE id = ?`, id); err != nil {
		return nil, err
	}
	s, err := a.open(ctx, purposeSecret, stored, id)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	a.secrets[id] = s
	a.mu.Unlock()
	return s, nil
}

// Install mounts the acquirer's site and API under BasePath. The API authenticates merchants
// itself (OwnAuthentication): the platform's sessions mean nothing here.
func (a *Acquirer) Install(srv *httpserver.Server) {
	api := []httpserver.RouteOption{httpserver.RateLimit(httpserver.ClassAPI), httpserver.OwnAuthentication(), httpserver.MaxBody(maxRequest)}
	srv.Handle("POST "+BasePath+"/v1/payments", a.createPayment, api...)
	srv.Handle("GET "+BasePath+"/v1/payments/{ref}", a.queryPayment, api...)
	srv.Handle("POST "+BasePath+"/v1/refunds", a.createRefund, api...)
	srv.Handle("GET "+BasePath+"/v1/statements/{day}", a.statement, api...)
	srv.Handle("GET "+BasePath+"/v1/public-key", a.publicKey, httpserver.RateLimit(httpserver.ClassAPI), httpserver.OwnAuthentication())
	page := []httpserver.RouteOption{httpserver.OwnAuthentication(), httpserver.MaxBody(4 << 10)}
	srv.Handle("GET "+BasePath+"/cashier/{txn}", a.cashier, page...)
	srv.Handle("POST "+BasePath+"/cashier/{txn}/pay", a.cashierPay, page...)
	srv.Handle("POST "+BasePath+"/cashier/{txn}/cancel", a.cashierCancel, page...)
	srv.Handle("GET "+BasePath+"/cashier.css", a.cashierCSS, page...)
}

// Wake makes Run look for due notifications now.
func (a *Acquirer) Wake() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// randomDigits returns n random decimal digits.
func randomDigits(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	return string(b)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
