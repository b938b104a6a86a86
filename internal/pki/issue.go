package pki

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Validity of end-entity certificates: the default, and the bounds a request may ask for.
const (
	DefaultValidity    = 2 * 365 * 24 * time.Hour
	DefaultTSAValidity = 5 * 365 * 24 * time.Hour
	MaxValidity        = 5 * 365 * 24 * time.Hour
	MinValidity        = time.Hour
)

// IssueRequest asks for an end-entity certificate.
type IssueRequest struct {
	Org  string
	Kind Kind // KindSeal, KindSigner or KindTSA
	// KeyID is an active key of Org in internal/keys; its algorithm decides the family.
	KeyID string
	// CommonName names the seal or the purpose (福建省市场监督管理局行政审批专用章), never a person.
	CommonName string
	// Validity is how long the certificate is valid; DefaultValidity (DefaultTSAValidity for
	// the time-stamping authority) when zero, never past the issuing CA.
	Validity time.Duration
}

// personalNumber finds runs of digits as long as a mobile number or longer: resident ID
// numbers and phone numbers have no place in a certificate's subject.
var personalNumber = regexp.MustCompile(`[0-9]{11,}`)

func validCommonName(cn string) bool {
	if cn == "" || utf8.RuneCountInString(cn) > 64 || !utf8.ValidString(cn) {
		return false
	}
	for _, r := range cn {
		if unicode.IsControl(r) || r == '@' {
			return false
		}
	}
	return !personalNumber.MatchString(cn)
}

// Issue issues an end-entity certificate for an existing key of r.Org, signed by the
// organisation's CA (EnsureOrgCA). Seal certificates have key usage digitalSignature and
// contentCommitment; signer and time-stamping ones digitalSignature, and time-stamping ones the
// critical id-kp-timeStamping extended key usage — those only for the root organisation. Only
// the platform, the digital office's administrators and the organisation's own administrators
// may ask. Returns errs.Forbidden, or errs.Invalid naming the field at fault (key_id for a key
// that is not the organisation's).
func (s *Service) Issue(ctx context.Context, p principal.Principal, r IssueRequest) (c Certificate, err error) {
	defer errs.Wrap(&err, "pki.Issue(%s, %s)", r.Org, r.Kind)
	if !canManage(p, r.Org) {
		return Certificate{}, errs.E(errs.Forbidden, "pki.error.forbidden")
	}
	var usage x509.KeyUsage
	switch r.Kind {
	case KindSeal:
		usage = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
	case KindSigner:
		usage = x509.KeyUsageDigitalSignature
	case KindTSA:
		if r.Org != s.rootOrg {
			return Certificate{}, errs.E(errs.Forbidden, "pki.error.tsa_root_only")
		}
		usage = x509.KeyUsageDigitalSignature
	default:
		return Certificate{}, errs.Field("kind", "pki.error.kind", string(r.Kind))
	}
	cn := strings.TrimSpace(r.CommonName)
	if !validCommonName(cn) {
		return Certificate{}, errs.Field("common_name", "pki.error.common_name")
	}
	validity := r.Validity
	if validity == 0 {
		validity = DefaultValidity
		if r.Kind == KindTSA {
			validity = DefaultTSAValidity
		}
	}
	if validity < MinValidity || validity > MaxValidity {
		return Certificate{}, errs.Field("validity", "pki.error.validity")
	}
	o, err := org.Get(ctx, s.db, r.Org)
	if err != nil {
		return Certificate{}, err
	}
	k, err := s.keys.Get(ctx, principal.SystemPrincipal, r.KeyID)
	if errs.Is(err, errs.NotFound) || (err == nil && k.Org != r.Org) {
		// The same answer for a key of another organisation as for none: key ids are not for probing.
		return Certificate{}, errs.Field("key_id", "pki.error.key_not_found")
	}
	if err != nil {
		return Certificate{}, err
	}
	if k.Status != keys.Active {
		return Certificate{}, errs.Field("key_id", "pki.error.key_not_active")
	}
	if k.Purpose == PurposeRoot || k.Purpose == PurposeOrgCA {
		return Certificate{}, errs.Field("key_id", "pki.error.key_is_ca")
	}
	f, ok := familyOf(k.Algorithm)
	if !ok {
		return Certificate{}, errs.Field("key_id", "pki.error.key_algorithm", string(k.Algorithm))
	}
	ca, err := s.EnsureOrgCA(ctx, r.Org, f)
	if err != nil {
		return Certificate{}, err
	}
	caSigner, err := s.keys.Signer(ctx, ca.KeyID)
	if err != nil {
		return Certificate{}, err
	}
	subject := pkix.Name{Country: []string{"CN"}, Organization: []string{o.NameHans}, CommonName: cn}
	sp := spec{subject: subject, pub: k.Public, keyUsage: usage, timeStamping: r.Kind == KindTSA}
	ctx = principal.With(ctx, p)
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		var err error
		if sp.serial, err = newSerial(); err != nil {
			return err
		}
		serial := serialHex(sp.serial)
		sp.notBefore = tx.Now.Truncate(time.Second).Add(-backdate)
		sp.notAfter = earliest(tx.Now.Truncate(time.Second).Add(validity), ca.NotAfter)
		sp.crlURL, sp.ocspURL, sp.issuerURL = s.urls(f, ca.Serial, serial)
		der, err := create(f, sp, ca.DER, caSigner)
		if err != nil {
			return fmt.Errorf("sign %s certificate: %w", r.Kind, err)
		}
		c = Certificate{Serial: serial, IssuerSerial: ca.Serial, KeyID: k.ID, Org: r.Org, Kind: r.Kind, Family: f,
			Subject: subject.String(), NotBefore: sp.notBefore.UTC(), NotAfter: sp.notAfter.UTC(), Status: StatusGood,
			DER: der, CreatedAt: tx.Now}
		return s.insert(ctx, tx, c)
	})
	return c, err
}

// Reason codes of RFC 5280 §5.3.1 that a revocation may give. certificateHold is not offered:
// revocation here is final. cACompromise is for CA certificates only.
var reasonCodes = map[string]int{
	"unspecified":          0,
	"keyCompromise":        1,
	"cACompromise":         2,
	"affiliationChanged":   3,
	"superseded":           4,
	"cessationOfOperation": 5,
	"privilegeWithdrawn":   9,
}

// Reasons lists the revocation reasons in RFC 5280 order.
var Reasons = []string{"unspecified", "keyCompromise", "cACompromise", "affiliationChanged", "superseded",
	"cessationOfOperation", "privilegeWithdrawn"}

// Revoke revokes a certificate for reason, an RFC 5280 reason name ("unspecified" when empty).
// End-entity certificates may be revoked by those who may issue them; CA certificates by the
// digital office only. The CRL of its issuer is rebuilt on its next request. Returns
// errs.NotFound, errs.Forbidden, errs.Conflict if it is already revoked, or errs.Invalid for an
// unknown reason.
func (s *Service) Revoke(ctx context.Context, p principal.Principal, serial, reason string) (err error) {
	defer errs.Wrap(&err, "pki.Revoke(%s)", serial)
	if reason == "" {
		reason = "unspecified"
	}
	code, ok := reasonCodes[reason]
	if !ok {
		return errs.Field("reason", "pki.error.reason", reason)
	}
	if !p.Authenticated() {
		return errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	ctx = principal.With(ctx, p)
	return s.db.Transact(ctx, func(tx *store.Tx) error {
		c, err := getCert(ctx, tx, serial)
		if err != nil {
			return err
		}
		if c.Kind.IsCA() {
			if !canManageCA(p) {
				return errs.E(errs.Forbidden, "pki.error.ca_office_only")
			}
		} else {
			if !canManage(p, c.Org) {
				return errs.E(errs.Forbidden, "pki.error.forbidden")
			}
			if code == reasonCodes["cACompromise"] {
				return errs.Field("reason", "pki.error.reason", reason)
			}
		}
		if c.Status == StatusRevoked {
			return errs.E(errs.Conflict, "pki.error.already_revoked")
		}
		res, err := tx.Exec(ctx, `UPDATE certificates SET status = 'revoked', revoked_at = ?, reason = ?
			WHERE serial = ? AND status = 'good'`, tx.Now, reason, c.Serial)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return errs.E(errs.Conflict, "pki.error.already_revoked")
		}
		// The issuer's CRL no longer tells the truth: build it again when next asked.
		if _, err := tx.Exec(ctx, `UPDATE pki_crls SET der = NULL WHERE issuer_serial = ?`, c.IssuerSerial); err != nil {
			return err
		}
		before := c
		c.Status, c.RevokedAt, c.Reason = StatusRevoked, &tx.Now, reason
		if err := audit.Record(ctx, tx, audit.Change{Action: "pki.revoke", ObjectType: "certificate", ObjectID: c.Serial,
			Before: before, After: c, Detail: map[string]any{"org": c.Org, "kind": string(c.Kind), "family": string(c.Family),
				"issuer": c.IssuerSerial, "reason": reason}}); err != nil {
			return err
		}
		digest := sha256.Sum256(c.DER)
		return s.event(ctx, tx, Event{Type: "certificate.revoked", Serial: c.Serial, Issuer: c.IssuerSerial, Org: c.Org,
			Kind: c.Kind, Family: c.Family, Digest: hex.EncodeToString(digest[:]), Reason: reason})
	})
}
