package pki

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Validity of the CAs. An organisation CA never outlives its root, nor an end entity its CA.
const (
	RootValidity  = 20 * 365 * 24 * time.Hour
	OrgCAValidity = 10 * 365 * 24 * time.Hour
	// backdate is how far before issuance a certificate becomes valid, for clocks a little behind.
	backdate = time.Minute
)

// RootName is the common name of the family's root CA.
func RootName(f Family) string { return fmt.Sprintf("福建省政务服务根CA (%s)", f) }

// EnsureRoot returns the family's root CA certificate, making the root key (organisation
// RootOrg, purpose "root-ca") and a self-signed certificate valid for 20 years on first use.
// A root that was revoked or expired is replaced, with a new key; the old key is retired.
func (s *Service) EnsureRoot(ctx context.Context, f Family) (c Certificate, err error) {
	defer errs.Wrap(&err, "pki.EnsureRoot(%s)", f)
	if !f.Valid() {
		return Certificate{}, errs.Field("family", "pki.error.family", string(f))
	}
	o, err := org.Get(ctx, s.db, s.rootOrg)
	if err != nil {
		return Certificate{}, err
	}
	return s.ensureCA(ctx, s.rootOrg, PurposeRoot, f, KindRoot, "", func(ctx context.Context, sg *keys.Signer) (Certificate, error) {
		subject := pkix.Name{Country: []string{"CN"}, Province: []string{"福建省"}, Organization: []string{o.NameHans},
			CommonName: RootName(f)}
		return s.issueCA(ctx, sg, f, KindRoot, subject, RootValidity, nil)
	})
}

// EnsureOrgCA returns the CA certificate of organisation orgCode in family f, signed by the
// current root: key (orgCode, "ca"), valid for 10 years but never past the root. Its subject's
// O is the organisation's Chinese name. A CA that was revoked or expired is replaced with a new
// key; one whose root was replaced is certified again under the new root.
func (s *Service) EnsureOrgCA(ctx context.Context, orgCode string, f Family) (c Certificate, err error) {
	defer errs.Wrap(&err, "pki.EnsureOrgCA(%s, %s)", orgCode, f)
	if !f.Valid() {
		return Certificate{}, errs.Field("family", "pki.error.family", string(f))
	}
	o, err := org.Get(ctx, s.db, orgCode)
	if err != nil {
		return Certificate{}, err
	}
	root, err := s.EnsureRoot(ctx, f)
	if err != nil {
		return Certificate{}, err
	}
	return s.ensureCA(ctx, orgCode, PurposeOrgCA, f, KindOrgCA, root.Serial, func(ctx context.Context, sg *keys.Signer) (Certificate, error) {
		subject := pkix.Name{Country: []string{"CN"}, Organization: []string{o.NameHans},
			CommonName: fmt.Sprintf("%s CA (%s)", o.NameHans, f)}
		return s.issueCA(ctx, sg, f, KindOrgCA, subject, OrgCAValidity, &root)
	})
}

// ensureCA finds the good, unexpired CA certificate of the active key (orgCode, purpose) issued
// by issuer ("" for a root), or makes one with mk. A key whose CA certificate was revoked or has
// expired is retired first, so that it never signs again.
func (s *Service) ensureCA(ctx context.Context, orgCode, purpose string, f Family, kind Kind, issuer string,
	mk func(ctx context.Context, sg *keys.Signer) (Certificate, error)) (Certificate, error) {
	ctx = principal.With(ctx, principal.SystemPrincipal)
	for attempt := 0; attempt < 4; attempt++ {
		sg, err := s.keys.EnsureSigner(ctx, orgCode, purpose, f.KeyAlgorithm())
		if err != nil {
			return Certificate{}, err
		}
		keyID := sg.Key().ID
		var certs []Certificate
		if err := s.db.Select(ctx, &certs, `SELECT `+certColumns+` FROM certificates WHERE key_id = ? AND kind = ?
			ORDER BY created_at DESC, serial`, keyID, string(kind)); err != nil {
			return Certificate{}, err
		}
		now := s.clock.Now()
		spent := false
		for _, c := range certs {
			switch {
			case c.Status == StatusRevoked || !now.Before(c.NotAfter):
				spent = true
			case issuer == "" || c.IssuerSerial == issuer:
				return c, nil
			}
		}
		if spent {
			// Retired at once, not rotated with an overlap: a revoked CA's key must not sign
			// again. EnsureSigner then makes its successor.
			if err := s.keys.Retire(ctx, principal.SystemPrincipal, keyID); err != nil {
				return Certificate{}, fmt.Errorf("retire the key of a spent CA: %w", err)
			}
			continue
		}
		c, err := mk(ctx, sg)
		if errs.Is(err, errs.Conflict) {
			continue // another node made it first; read it
		}
		return c, err
	}
	return Certificate{}, errs.E(errs.Unavailable, "error.unavailable")
}

// issueCA signs a CA certificate for sg's key: self-signed when parent is nil.
func (s *Service) issueCA(ctx context.Context, sg *keys.Signer, f Family, kind Kind, subject pkix.Name,
	validity time.Duration, parent *Certificate) (Certificate, error) {
	signer := sg
	var parentDER []byte
	if parent != nil {
		var err error
		if signer, err = s.keys.Signer(ctx, parent.KeyID); err != nil {
			return Certificate{}, err
		}
		parentDER = parent.DER
	}
	sp := spec{subject: subject, pub: sg.Public(), isCA: true,
		keyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature}
	if kind == KindRoot {
		sp.maxPathLen = 1
	}
	var c Certificate
	err := s.db.Transact(ctx, func(tx *store.Tx) error {
		var err error
		sp.serial, err = newSerial()
		if err != nil {
			return err
		}
		serial := serialHex(sp.serial)
		issuerSerial := serial
		sp.notBefore = tx.Now.Truncate(time.Second).Add(-backdate)
		sp.notAfter = tx.Now.Truncate(time.Second).Add(validity)
		if parent != nil {
			issuerSerial = parent.Serial
			sp.notAfter = earliest(sp.notAfter, parent.NotAfter)
			sp.crlURL, sp.ocspURL, sp.issuerURL = s.urls(f, parent.Serial, serial)
		}
		der, err := create(f, sp, parentDER, signer)
		if err != nil {
			return fmt.Errorf("sign %s certificate: %w", kind, err)
		}
		c = Certificate{Serial: serial, IssuerSerial: issuerSerial, KeyID: sg.Key().ID, Org: sg.Key().Org, Kind: kind,
			Family: f, Subject: subject.String(), NotBefore: sp.notBefore.UTC(), NotAfter: sp.notAfter.UTC(),
			Status: StatusGood, DER: der, CreatedAt: tx.Now}
		return s.insert(ctx, tx, c)
	})
	return c, err
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// urls are the CRL, status and issuer URLs a certificate issued by issuerSerial carries. ECDSA
// certificates name the RFC 6960 OCSP responder; SM2 ones, which it does not answer for, name
// their signed JSON status (GET /pki/status/{serial}).
func (s *Service) urls(f Family, issuerSerial, serial string) (crl, status, issuer string) {
	if s.baseURL == "" {
		return "", "", ""
	}
	crl = s.baseURL + "/pki/crl/" + issuerSerial
	issuer = s.baseURL + "/pki/certs/" + issuerSerial
	if f == ECDSA {
		status = s.baseURL + "/pki/ocsp"
	} else {
		status = s.baseURL + "/pki/status/" + serial
	}
	return crl, status, issuer
}

// insert records a new certificate, with its CRL state if it is a CA, audits it and reports it.
func (s *Service) insert(ctx context.Context, tx *store.Tx, c Certificate) error {
	if _, err := tx.Exec(ctx, `INSERT INTO certificates (`+certColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.Serial, c.IssuerSerial, c.KeyID, c.Org, string(c.Kind), string(c.Family), c.Subject, c.NotBefore, c.NotAfter,
		c.Status, c.RevokedAt, c.Reason, c.DER, c.CreatedAt); err != nil {
		return err
	}
	if c.Kind.IsCA() {
		if _, err := tx.Exec(ctx, `INSERT INTO pki_crls (issuer_serial, number) VALUES (?, 0)`, c.Serial); err != nil {
			return err
		}
	}
	digest := sha256.Sum256(c.DER)
	if err := audit.Record(ctx, tx, audit.Change{Action: "pki.issue", ObjectType: "certificate", ObjectID: c.Serial,
		After: c, Detail: map[string]any{"org": c.Org, "kind": string(c.Kind), "family": string(c.Family), "issuer": c.IssuerSerial,
			"key_id": c.KeyID, "not_after": c.NotAfter.Format(time.RFC3339), "sha256": hex.EncodeToString(digest[:])}}); err != nil {
		return err
	}
	return s.event(ctx, tx, Event{Type: "certificate.issued", Serial: c.Serial, Issuer: c.IssuerSerial, Org: c.Org, Kind: c.Kind,
		Family: c.Family, Digest: hex.EncodeToString(digest[:])})
}

func (s *Service) event(ctx context.Context, tx *store.Tx, e Event) error {
	if s.onEvent == nil {
		return nil
	}
	return s.onEvent(ctx, tx, e)
}
