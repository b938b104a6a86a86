package pki

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// MaxOCSPRequest bounds an OCSP request; one for a single certificate is about 100 bytes.
const MaxOCSPRequest = 8 << 10

// ocspHashes are the certID hash algorithms a request may use.
var ocspHashes = []crypto.Hash{crypto.SHA1, crypto.SHA256, crypto.SHA384, crypto.SHA512}

// ocspCA is a CA certificate as OCSP requests name it.
type ocspCA struct {
	serial string
	family Family
	keyID  string
	x509   *x509.Certificate // ECDSA CAs only
}

// ocspIndex finds CA certificates by (hash algorithm, issuer name hash, issuer key hash). An
// organisation CA key certified again under a new root has two certificates with one name and
// key, hence a list.
type ocspIndex struct {
	count int
	byID  map[string][]ocspCA
}

func ocspKey(h crypto.Hash, nameHash, keyHash []byte) string {
	return fmt.Sprintf("%d:%x:%x", h, nameHash, keyHash)
}

// loadOCSPIndex reads every CA certificate.
func (s *Service) loadOCSPIndex(ctx context.Context) (*ocspIndex, error) {
	var cas []Certificate
	if err := s.db.Select(ctx, &cas, `SELECT `+certColumns+` FROM certificates WHERE kind IN ('root', 'org-ca')`); err != nil {
		return nil, err
	}
	idx := &ocspIndex{count: len(cas), byID: map[string][]ocspCA{}}
	for _, c := range cas {
		parsed, err := ParseCertificate(c.DER)
		if err != nil {
			return nil, fmt.Errorf("parse CA %s: %w", c.Serial, err)
		}
		var spki struct {
			Algorithm asn1.RawValue
			PublicKey asn1.BitString
		}
		if _, err := asn1.Unmarshal(parsed.RawSubjectPublicKeyInfo, &spki); err != nil {
			return nil, fmt.Errorf("CA %s public key: %w", c.Serial, err)
		}
		e := ocspCA{serial: c.Serial, family: c.Family, keyID: c.KeyID}
		if c.Family == ECDSA {
			if e.x509, err = c.X509(); err != nil {
				return nil, err
			}
		}
		for _, h := range ocspHashes {
			nh, kh := h.New(), h.New()
			nh.Write(parsed.RawSubject)
			kh.Write(spki.PublicKey.RightAlign())
			k := ocspKey(h, nh.Sum(nil), kh.Sum(nil))
			idx.byID[k] = append(idx.byID[k], e)
		}
	}
	return idx, nil
}

// ocspIssuers returns the CA certificates a request's certID names, reloading the index when a
// CA certificate was added since it was built (by this node or another).
func (s *Service) ocspIssuers(ctx context.Context, req *ocsp.Request) ([]ocspCA, error) {
	k := ocspKey(req.HashAlgorithm, req.IssuerNameHash, req.IssuerKeyHash)
	s.mu.Lock()
	idx := s.ocspIdx
	s.mu.Unlock()
	if idx != nil {
		if cas := idx.byID[k]; cas != nil {
			return cas, nil
		}
		var n int
		if err := s.db.Get(ctx, &n, `SELECT count(*) FROM certificates WHERE kind IN ('root', 'org-ca')`); err != nil {
			return nil, err
		}
		if n == idx.count {
			return nil, nil
		}
	}
	idx, err := s.loadOCSPIndex(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.ocspIdx = idx
	s.mu.Unlock()
	return idx.byID[k], nil
}

// OCSP answers an RFC 6960 OCSP request (DER) for a certificate of the ECDSA hierarchy with a
// response signed by the issuing CA's key, valid for StatusValidity, so that `openssl ocsp` and
// other clients work. A malformed request gets the malformedRequest response, and one naming a
// CA this responder does not answer for — the SM2 hierarchy included: use StatusResponse —
// the unauthorized response, as does one whose CA's key was retired. A certificate the CA did
// not issue is "unknown". Errors are internal failures only.
func (s *Service) OCSP(ctx context.Context, requestDER []byte) (resp []byte, err error) {
	defer errs.Wrap(&err, "pki.OCSP")
	req, err := ParseOCSPRequest(requestDER)
	if err != nil {
		return ocsp.MalformedRequestErrorResponse, nil
	}
	cas, err := s.ocspIssuers(ctx, req)
	if err != nil {
		return nil, err
	}
	var ecdsaCAs []ocspCA
	for _, ca := range cas {
		if ca.family == ECDSA {
			ecdsaCAs = append(ecdsaCAs, ca)
		}
	}
	if len(ecdsaCAs) == 0 {
		return ocsp.UnauthorizedErrorResponse, nil
	}
	issuer := ecdsaCAs[0]
	now := s.clock.Now().UTC().Truncate(time.Second)
	t := ocsp.Response{Status: ocsp.Unknown, SerialNumber: req.SerialNumber, ThisUpdate: now,
		NextUpdate: now.Add(StatusValidity), IssuerHash: req.HashAlgorithm}
	c, err := getCert(ctx, s.db, serialHex(req.SerialNumber))
	switch {
	case errs.Is(err, errs.NotFound):
	case err != nil:
		return nil, err
	default:
		for _, ca := range ecdsaCAs {
			if ca.serial != c.IssuerSerial {
				continue
			}
			issuer = ca
			t.Status = ocsp.Good
			if c.Status == StatusRevoked && c.RevokedAt != nil {
				t.Status, t.RevokedAt, t.RevocationReason = ocsp.Revoked, c.RevokedAt.UTC(), reasonCodes[c.Reason]
			}
		}
	}
	signer, err := s.keys.Signer(ctx, issuer.keyID)
	if errs.Is(err, errs.Conflict) {
		return ocsp.UnauthorizedErrorResponse, nil // the CA's key was retired: it answers no more
	}
	if err != nil {
		return nil, err
	}
	// The issuing CA signs itself (RFC 6960 §4.2.2.2), so the response carries no responder
	// certificate: clients know the issuer already.
	return ocsp.CreateResponse(issuer.x509, issuer.x509, t, signer)
}

// ParseOCSPRequest parses a DER OCSP request for one certificate, as OCSP does. Returns
// errs.Invalid or errs.TooLarge.
func ParseOCSPRequest(der []byte) (*ocsp.Request, error) {
	if len(der) > MaxOCSPRequest {
		return nil, errs.E(errs.TooLarge, "error.too_large")
	}
	req, err := ocsp.ParseRequest(der)
	if err != nil {
		return nil, errs.Wrapf(errs.Invalid, err, "pki.error.ocsp_request")
	}
	if req.SerialNumber == nil || req.SerialNumber.Sign() <= 0 || !req.HashAlgorithm.Available() {
		return nil, errs.E(errs.Invalid, "pki.error.ocsp_request")
	}
	return req, nil
}
