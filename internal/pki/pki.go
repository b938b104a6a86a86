// Package pki is the provincial public-key infrastructure: a root certificate authority per
// algorithm family (SM2 with SM3 under GB/T 20518, and ECDSA P-256 with SHA-256), a CA per
// organisation signed by the root, and the certificates those CAs issue for seals, signers and
// the time-stamping authority; their revocation, CRLs, a signed JSON status per certificate and
// RFC 6960 OCSP for the ECDSA hierarchy.
//
// Private keys stay in internal/keys: this package signs with *keys.Signer and never sees them.
// Subjects name organisations and the seal or purpose of a certificate, never a person.
package pki

import (
	"context"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Family is an algorithm family: a hierarchy of CAs and the certificates they issue all use one.
type Family string

// The families. SM2 certificates carry SM2 keys and SM2-with-SM3 signatures (built with
// github.com/emmansun/gmsm/smx509); ECDSA ones carry P-256 keys and ECDSA-with-SHA256 signatures
// (crypto/x509).
const (
	SM2   Family = "SM2"
	ECDSA Family = "ECDSA"
)

// Families lists the families in the order roots are listed.
var Families = []Family{SM2, ECDSA}

// Valid reports whether f is a known family.
func (f Family) Valid() bool { return f == SM2 || f == ECDSA }

// KeyAlgorithm is the internal/keys algorithm of the family's keys.
func (f Family) KeyAlgorithm() keys.Algorithm {
	if f == SM2 {
		return keys.SM2
	}
	return keys.ECDSAP256
}

// SignatureAlgorithm names the family's signature algorithm as status responses carry it.
func (f Family) SignatureAlgorithm() string {
	if f == SM2 {
		return "SM2-with-SM3"
	}
	return "ECDSA-with-SHA256"
}

// familyOf is the family of a key algorithm; Ed25519 keys get no certificates here.
func familyOf(a keys.Algorithm) (Family, bool) {
	switch a {
	case keys.SM2:
		return SM2, true
	case keys.ECDSAP256:
		return ECDSA, true
	}
	return "", false
}

// Kind is what a certificate is for.
type Kind string

// The kinds of certificate. Root and org-ca are CAs; the others are end entities.
const (
	KindRoot   Kind = "root"
	KindOrgCA  Kind = "org-ca"
	KindSeal   Kind = "seal"
	KindSigner Kind = "signer"
	KindTSA    Kind = "tsa"
)

// IsCA reports whether certificates of kind k are CA certificates.
func (k Kind) IsCA() bool { return k == KindRoot || k == KindOrgCA }

// Certificate statuses.
const (
	StatusGood    = "good"
	StatusRevoked = "revoked"
	StatusUnknown = "unknown"
)

// Key purposes in internal/keys of the CA keys.
const (
	PurposeRoot  = "root-ca"
	PurposeOrgCA = "ca"
)

// Certificate is an issued certificate as the register keeps it.
type Certificate struct {
	// Serial is the serial number in lower-case hex without leading zeros.
	Serial string `db:"serial" json:"serial"`
	// IssuerSerial is the serial of the CA certificate that signed it; a root names itself.
	IssuerSerial string     `db:"issuer_serial" json:"issuer_serial"`
	KeyID        string     `db:"key_id" json:"key_id"`
	Org          string     `db:"org_code" json:"org"`
	Kind         Kind       `db:"kind" json:"kind"`
	Family       Family     `db:"family" json:"family"`
	Subject      string     `db:"subject" json:"subject"`
	NotBefore    time.Time  `db:"not_before" json:"not_before"`
	NotAfter     time.Time  `db:"not_after" json:"not_after"`
	Status       string     `db:"status" json:"status"`
	RevokedAt    *time.Time `db:"revoked_at" json:"revoked_at,omitempty"`
	Reason       string     `db:"reason" json:"reason,omitempty"`
	DER          []byte     `db:"der" json:"der"`
	CreatedAt    time.Time  `db:"created_at" json:"created_at"`
}

// SerialNumber is the serial as a number.
func (c Certificate) SerialNumber() *big.Int {
	n, _ := new(big.Int).SetString(c.Serial, 16)
	return n
}

// X509 parses an ECDSA certificate with crypto/x509. SM2 certificates do not parse there: use
// ParseCertificate.
func (c Certificate) X509() (*x509.Certificate, error) {
	if c.Family != ECDSA {
		return nil, fmt.Errorf("pki: certificate %s is %s; crypto/x509 parses only ECDSA ones", c.Serial, c.Family)
	}
	return x509.ParseCertificate(c.DER)
}

// SM2 parses the certificate with smx509, which reads both families.
func (c Certificate) SM2() (*smx509.Certificate, error) { return ParseCertificate(c.DER) }

// ParseCertificate parses a DER certificate of either family (smx509 reads ECDSA ones too).
func ParseCertificate(der []byte) (*smx509.Certificate, error) { return smx509.ParseCertificate(der) }

// Config configures a Service.
type Config struct {
	// BaseURL is the node's public URL (https://yiwang.fujian.gov.cn); certificates point to
	// their CRL, status and issuer below it. Without one, certificates carry no such URLs.
	BaseURL string
	// RootOrg owns the root CAs and alone gets time-stamping certificates (org.DigitalOffice).
	RootOrg string
	// Clock dates CRLs and status responses; the store's clock by default.
	Clock clock.Clock
	// OnEvent, when set, is called inside the transaction that issues or revokes a certificate
	// (the platform appends it to the ledger).
	OnEvent func(ctx context.Context, tx *store.Tx, e Event) error
}

// Event is an issuance or a revocation, handed to Config.OnEvent.
type Event struct {
	Type   string // "certificate.issued", "certificate.revoked"
	Serial string
	Issuer string
	Org    string
	Kind   Kind
	Family Family
	// Digest is the hex SHA-256 of the certificate's DER.
	Digest string
	Reason string
}

// Service issues, revokes and serves certificates. It is safe for concurrent use.
type Service struct {
	db      *store.DB
	keys    *keys.Service
	baseURL string
	rootOrg string
	clock   clock.Clock
	onEvent func(ctx context.Context, tx *store.Tx, e Event) error

	mu       sync.Mutex
	ocspIdx  *ocspIndex // CA certificates by OCSP issuer hashes
	ocspLoad time.Time  // when ocspIdx was last rebuilt
}

// New returns the PKI over db, signing with keys from k.
func New(db *store.DB, k *keys.Service, cfg Config) *Service {
	s := &Service{db: db, keys: k, baseURL: strings.TrimRight(cfg.BaseURL, "/"), rootOrg: cfg.RootOrg,
		clock: cfg.Clock, onEvent: cfg.OnEvent}
	if s.rootOrg == "" {
		s.rootOrg = org.DigitalOffice
	}
	if s.clock == nil {
		s.clock = db.Clock()
	}
	return s
}

// RootOrg is the organisation that owns the roots.
func (s *Service) RootOrg() string { return s.rootOrg }

// NormaliseSerial returns a serial number as the register writes it — lower-case hex without
// leading zeros — or false if s is not one (empty, not hex, zero, or longer than 20 bytes).
func NormaliseSerial(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "0x")
	if s == "" || len(s) > 64 {
		return "", false
	}
	if _, err := hex.DecodeString(strings.Repeat("0", len(s)%2) + s); err != nil {
		return "", false
	}
	s = strings.TrimLeft(s, "0")
	if s == "" || len(s) > 40 {
		return "", false
	}
	return s, true
}

func serialHex(n *big.Int) string { return n.Text(16) }

const certColumns = `serial, issuer_serial, key_id, org_code, kind, family, subject, not_before, not_after,
	status, revoked_at, reason, der, created_at`

// querier is what both *store.DB and *store.Tx read with.
type querier interface {
	Get(ctx context.Context, dest any, query string, args ...any) error
	Select(ctx context.Context, dest any, query string, args ...any) error
}

func notFound() error { return errs.E(errs.NotFound, "pki.error.not_found") }

func getCert(ctx context.Context, q querier, serial string) (Certificate, error) {
	norm, ok := NormaliseSerial(serial)
	if !ok {
		return Certificate{}, notFound()
	}
	var c Certificate
	if err := q.Get(ctx, &c, `SELECT `+certColumns+` FROM certificates WHERE serial = ?`, norm); err != nil {
		if errs.Is(err, errs.NotFound) {
			return Certificate{}, notFound()
		}
		return Certificate{}, err
	}
	return c, nil
}

// Get returns a certificate. Certificates are public. Returns errs.NotFound if none has serial.
func (s *Service) Get(ctx context.Context, serial string) (c Certificate, err error) {
	defer errs.Wrap(&err, "pki.Get(%s)", serial)
	return getCert(ctx, s.db, serial)
}

// maxChain bounds chains: root, organisation CA, end entity — and room to spare.
const maxChain = 5

// Chain returns the certificate with serial and its issuers, leaf first and root last.
func (s *Service) Chain(ctx context.Context, serial string) (chain []Certificate, err error) {
	defer errs.Wrap(&err, "pki.Chain(%s)", serial)
	c, err := getCert(ctx, s.db, serial)
	if err != nil {
		return nil, err
	}
	chain = append(chain, c)
	for c.IssuerSerial != c.Serial {
		if len(chain) == maxChain {
			return nil, fmt.Errorf("chain of %s longer than %d", serial, maxChain)
		}
		if c, err = getCert(ctx, s.db, c.IssuerSerial); err != nil {
			return nil, err
		}
		chain = append(chain, c)
	}
	return chain, nil
}

// Roots returns the roots in good standing, SM2 first, newest first within a family.
func (s *Service) Roots(ctx context.Context) (out []Certificate, err error) {
	defer errs.Wrap(&err, "pki.Roots")
	err = s.db.Select(ctx, &out, `SELECT `+certColumns+` FROM certificates WHERE kind = 'root' AND status = 'good'
		ORDER BY CASE family WHEN 'SM2' THEN 0 ELSE 1 END, not_before DESC, serial`)
	return out, err
}

// ByKey returns the certificates of a key, newest first.
func (s *Service) ByKey(ctx context.Context, keyID string) (out []Certificate, err error) {
	defer errs.Wrap(&err, "pki.ByKey(%s)", keyID)
	err = s.db.Select(ctx, &out, `SELECT `+certColumns+` FROM certificates WHERE key_id = ?
		ORDER BY created_at DESC, serial`, keyID)
	return out, err
}

// List returns an organisation's certificates, newest first. Officials of the organisation
// and of the digital office may list them; the platform always may.
func (s *Service) List(ctx context.Context, p principal.Principal, orgCode string) (out []Certificate, err error) {
	defer errs.Wrap(&err, "pki.List(%s)", orgCode)
	if !p.Authenticated() {
		return nil, errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	if !canSee(p, orgCode) {
		return nil, errs.E(errs.Forbidden, "pki.error.not_your_org")
	}
	if _, err := org.Get(ctx, s.db, orgCode); err != nil {
		return nil, err
	}
	err = s.db.Select(ctx, &out, `SELECT `+certColumns+` FROM certificates WHERE org_code = ?
		ORDER BY created_at DESC, serial`, orgCode)
	return out, err
}

// canManage: the platform, the digital office's administrators anywhere, and an organisation's
// own administrators for its certificates.
func canManage(p principal.Principal, orgCode string) bool {
	if p.Kind == principal.System {
		return true
	}
	if p.Kind != principal.Official || !p.HasRole(principal.RoleAdministrator) {
		return false
	}
	return p.OrgCode == org.DigitalOffice || p.OrgCode == orgCode
}

// canManageCA: CA certificates are the digital office's alone.
func canManageCA(p principal.Principal) bool {
	return p.Kind == principal.System ||
		(p.Kind == principal.Official && p.HasRole(principal.RoleAdministrator) && p.OrgCode == org.DigitalOffice)
}

func canSee(p principal.Principal, orgCode string) bool {
	return p.Kind == principal.System || (p.Kind == principal.Official && (p.OrgCode == org.DigitalOffice || p.OrgCode == orgCode))
}
