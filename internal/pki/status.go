package pki

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/emmansun/gmsm/sm2"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/keys"
)

// StatusValidity is how long a signed status answer (JSON or OCSP) may be relied on.
const StatusValidity = time.Hour

// Status says whether certificate serial, issued by issuerSerial, was revoked at time at:
// "good", "revoked" (with the revocation time; only a revocation at or before at counts) or
// "unknown" when the register has no such certificate from that issuer. It is the signature
// verifiers' status checker.
func (s *Service) Status(ctx context.Context, issuerSerial, serial string, at time.Time) (status string, revokedAt time.Time, err error) {
	defer errs.Wrap(&err, "pki.Status(%s, %s)", issuerSerial, serial)
	issuer, ok := NormaliseSerial(issuerSerial)
	if !ok {
		return StatusUnknown, time.Time{}, nil
	}
	c, err := getCert(ctx, s.db, serial)
	if errs.Is(err, errs.NotFound) {
		return StatusUnknown, time.Time{}, nil
	}
	if err != nil {
		return "", time.Time{}, err
	}
	if c.IssuerSerial != issuer {
		return StatusUnknown, time.Time{}, nil
	}
	if c.Status == StatusRevoked && c.RevokedAt != nil && !c.RevokedAt.After(at) {
		return StatusRevoked, *c.RevokedAt, nil
	}
	return StatusGood, time.Time{}, nil
}

// StatusInfo is a certificate's status as a status response states it.
type StatusInfo struct {
	Serial     string
	Issuer     string // the issuing CA certificate's serial
	Status     string // "good" or "revoked"
	RevokedAt  *time.Time
	Reason     string
	ThisUpdate time.Time
	NextUpdate time.Time
	Algorithm  string
}

// statusFields are the signed fields of a status response, in the order of their names: their
// JSON encoding without insignificant white space, HTML escaping off, is the canonical form the
// signature covers (for these ASCII and hex values it is the RFC 8785 canonical form too).
type statusFields struct {
	Algorithm  string `json:"algorithm"`
	Issuer     string `json:"issuer"`
	NextUpdate string `json:"next_update"`
	Reason     string `json:"reason,omitempty"`
	RevokedAt  string `json:"revoked_at,omitempty"`
	Serial     string `json:"serial"`
	Status     string `json:"status"`
	ThisUpdate string `json:"this_update"`
}

type statusBody struct {
	statusFields
	Signature string `json:"signature"`
}

func (f statusFields) canonical() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(f); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// StatusResponse is the signed JSON status of certificate serial, for clients that do not speak
// OCSP and for the SM2 hierarchy, which OCSP here does not cover:
//
//	{"algorithm":"SM2-with-SM3","issuer":"…","next_update":"…","serial":"…","status":"good",
//	 "this_update":"…","signature":"…"}
//
// revoked_at and reason appear when revoked. signature is the base64 signature by the issuing
// CA's key over the canonical JSON of the other fields (SM2 with the default user id over the
// bytes, or ECDSA over their SHA-256, ASN.1 DER). Times are RFC 3339 in UTC. VerifyStatusResponse
// checks one. Returns errs.NotFound for a certificate the register does not have.
func (s *Service) StatusResponse(ctx context.Context, serial string) (body []byte, err error) {
	defer errs.Wrap(&err, "pki.StatusResponse(%s)", serial)
	c, err := getCert(ctx, s.db, serial)
	if err != nil {
		return nil, err
	}
	issuer, err := getCert(ctx, s.db, c.IssuerSerial)
	if err != nil {
		return nil, err
	}
	signer, err := s.keys.Signer(ctx, issuer.KeyID)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now().UTC().Truncate(time.Second)
	f := statusFields{Algorithm: c.Family.SignatureAlgorithm(), Issuer: c.IssuerSerial, Serial: c.Serial, Status: c.Status,
		ThisUpdate: now.Format(time.RFC3339), NextUpdate: now.Add(StatusValidity).Format(time.RFC3339)}
	if c.Status == StatusRevoked && c.RevokedAt != nil {
		f.RevokedAt = c.RevokedAt.UTC().Format(time.RFC3339Nano)
		f.Reason = c.Reason
	}
	msg, err := f.canonical()
	if err != nil {
		return nil, err
	}
	sig, err := signStatus(c.Family, signer, msg)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(statusBody{statusFields: f, Signature: base64.StdEncoding.EncodeToString(sig)}); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func signStatus(f Family, signer *keys.Signer, msg []byte) ([]byte, error) {
	if f == SM2 {
		return signer.Sign(nil, msg, sm2.DefaultSM2SignerOpts)
	}
	d := sha256.Sum256(msg)
	return signer.Sign(nil, d[:], crypto.SHA256)
}

// maxStatusBody bounds what VerifyStatusResponse reads; real responses are under 1 KiB.
const maxStatusBody = 16 << 10

func badStatus(err error) error {
	return errs.Wrapf(errs.Invalid, err, "pki.error.status_response")
}

// VerifyStatusResponse checks a StatusResponse body against the certificate of the CA that
// issued the certificate it speaks of (DER, either family): the issuer field must be that
// certificate's serial, the algorithm its key's, and the signature good. It does not judge
// freshness: compare NextUpdate with the time that matters to the caller. Fails with
// errs.Invalid.
func VerifyStatusResponse(body []byte, issuerCertDER []byte) (StatusInfo, error) {
	if len(body) > maxStatusBody {
		return StatusInfo{}, badStatus(errors.New("too long"))
	}
	issuer, err := ParseCertificate(issuerCertDER)
	if err != nil {
		return StatusInfo{}, badStatus(fmt.Errorf("issuer certificate: %w", err))
	}
	sb, err := parseStatusBody(body)
	if err != nil {
		return StatusInfo{}, badStatus(err)
	}
	f := sb.statusFields
	if f.Issuer != serialHex(issuer.SerialNumber) {
		return StatusInfo{}, badStatus(fmt.Errorf("issuer %q is not the certificate %s", f.Issuer, serialHex(issuer.SerialNumber)))
	}
	pub, ok := issuer.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		return StatusInfo{}, badStatus(fmt.Errorf("issuer key %T", issuer.PublicKey))
	}
	sig, err := base64.StdEncoding.DecodeString(sb.Signature)
	if err != nil {
		return StatusInfo{}, badStatus(err)
	}
	msg, err := f.canonical()
	if err != nil {
		return StatusInfo{}, badStatus(err)
	}
	switch {
	case f.Algorithm == SM2.SignatureAlgorithm() && sm2.IsSM2PublicKey(pub):
		if !sm2.VerifyASN1WithSM2(pub, nil, msg, sig) {
			return StatusInfo{}, badStatus(errors.New("SM2 signature does not verify"))
		}
	case f.Algorithm == ECDSA.SignatureAlgorithm() && pub.Curve == elliptic.P256():
		d := sha256.Sum256(msg)
		if !ecdsa.VerifyASN1(pub, d[:], sig) {
			return StatusInfo{}, badStatus(errors.New("ECDSA signature does not verify"))
		}
	default:
		return StatusInfo{}, badStatus(fmt.Errorf("algorithm %q does not match the issuer's key", f.Algorithm))
	}
	info := StatusInfo{Serial: f.Serial, Issuer: f.Issuer, Status: f.Status, Reason: f.Reason, Algorithm: f.Algorithm}
	if norm, ok := NormaliseSerial(f.Serial); !ok || norm != f.Serial {
		return StatusInfo{}, badStatus(fmt.Errorf("serial %q", f.Serial))
	}
	if info.ThisUpdate, err = time.Parse(time.RFC3339, f.ThisUpdate); err != nil {
		return StatusInfo{}, badStatus(err)
	}
	if info.NextUpdate, err = time.Parse(time.RFC3339, f.NextUpdate); err != nil {
		return StatusInfo{}, badStatus(err)
	}
	if info.NextUpdate.Before(info.ThisUpdate) {
		return StatusInfo{}, badStatus(errors.New("next_update before this_update"))
	}
	switch f.Status {
	case StatusGood:
		if f.RevokedAt != "" || f.Reason != "" {
			return StatusInfo{}, badStatus(errors.New("good with a revocation"))
		}
	case StatusRevoked:
		t, err := time.Parse(time.RFC3339Nano, f.RevokedAt)
		if err != nil {
			return StatusInfo{}, badStatus(err)
		}
		if _, ok := reasonCodes[f.Reason]; !ok {
			return StatusInfo{}, badStatus(fmt.Errorf("reason %q", f.Reason))
		}
		info.RevokedAt = &t
	default:
		return StatusInfo{}, badStatus(fmt.Errorf("status %q", f.Status))
	}
	return info, nil
}

// parseStatusBody reads a status body strictly: one JSON object of string values under the
// known names, each at most once, spelled exactly, so that what is verified is what was read.
func parseStatusBody(body []byte) (statusBody, error) {
	var sb statusBody
	fields := map[string]*string{"algorithm": &sb.Algorithm, "issuer": &sb.Issuer, "next_update": &sb.NextUpdate,
		"reason": &sb.Reason, "revoked_at": &sb.RevokedAt, "serial": &sb.Serial, "status": &sb.Status,
		"this_update": &sb.ThisUpdate, "signature": &sb.Signature}
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return sb, errors.New("not a JSON object")
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return sb, err
		}
		name, _ := tok.(string)
		dst, known := fields[name]
		if !known || seen[name] {
			return sb, fmt.Errorf("unknown or repeated field %q", name)
		}
		seen[name] = true
		tok, err = dec.Token()
		if err != nil {
			return sb, err
		}
		v, ok := tok.(string)
		if !ok {
			return sb, fmt.Errorf("field %q is not a string", name)
		}
		*dst = v
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return sb, errors.New("unterminated object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return sb, errors.New("trailing data")
	}
	return sb, nil
}
