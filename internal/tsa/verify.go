package tsa

import (
	"bytes"
	"crypto"
	"crypto/sha1"
	"crypto/subtle"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/digitorus/pkcs7"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// Info is what a verified token says.
type Info struct {
	// Time is the token's genTime, in UTC.
	Time time.Time
	// Serial is the token's serial number, unique per authority.
	Serial *big.Int
	// TSA names the authority: the token's tsa field, else its certificate's subject.
	TSA string
	// Policy is the TSA policy the token was issued under.
	Policy asn1.ObjectIdentifier
	// Accuracy is how far Time may be from the true time, either way (zero if not stated).
	Accuracy time.Duration
	// Hash is the algorithm of the message imprint.
	Hash crypto.Hash
	// Digest is the message imprint.
	Digest []byte
	// Nonce is the requester's nonce, if any.
	Nonce *big.Int
	// Certificate is the certificate that signed the token.
	Certificate *x509.Certificate
}

// Why a token does not verify. Verify's errors are errs.Invalid wrapping one of these, so
// callers tell them apart with errors.Is.
var (
	// ErrUnreadable: the input is not a time-stamp token.
	ErrUnreadable = errors.New("tsa: not a time-stamp token")
	// ErrSignature: the token's signature, or its link to its signing certificate, is broken.
	ErrSignature = errors.New("tsa: the token's signature is invalid")
	// ErrMismatch: the token is genuine but stamps another digest.
	ErrMismatch = errors.New("tsa: the token stamps another digest")
	// ErrUntrusted: the token's certificate is not a time-stamping certificate that chains to
	// a trusted root at the token's time.
	ErrUntrusted = errors.New("tsa: the token's authority is not trusted")
)

// Verify checks a TimeStampToken (DER ContentInfo, as Stamp returns or as found in a
// TimeStampResp) against digest, made by hash: the token is well formed, its signature is
// valid, its ESS signing-certificate attribute names the certificate that signed, that
// certificate is a time-stamping certificate (RFC 3161 §2.3) chaining to one of roots at the
// token's time, and the token stamps exactly this digest. The token must carry its signing
// certificate (Stamp's tokens do; a Respond token only when the request set certReq).
//
// On failure it returns what could be read of the token together with an errs.Invalid error
// wrapping ErrUnreadable, ErrSignature, ErrUntrusted or ErrMismatch.
func Verify(token []byte, hash crypto.Hash, digest []byte, roots *x509.CertPool) (Info, error) {
	info, p7, err := parseToken(token)
	if err != nil {
		return info, err
	}
	if err := verifyToken(p7, &info, roots); err != nil {
		return info, err
	}
	if info.Hash != hash || subtle.ConstantTimeCompare(info.Digest, digest) != 1 {
		return info, errs.Wrapf(errs.Invalid, ErrMismatch, "tsa.error.mismatch")
	}
	return info, nil
}

// VerifyMessage is Verify for a token over message itself: it hashes message with the token's
// own imprint algorithm first.
func VerifyMessage(token, message []byte, roots *x509.CertPool) (Info, error) {
	info, _, err := parseToken(token)
	if err != nil {
		return info, err
	}
	h := info.Hash.New()
	h.Write(message)
	return Verify(token, info.Hash, h.Sum(nil), roots)
}

// parseToken reads the token's structure and TSTInfo without checking any signature.
func parseToken(token []byte) (info Info, p7 *pkcs7.PKCS7, err error) {
	defer func() {
		// The PKCS #7 parser has panicked on hostile input before; a token is outside input.
		if r := recover(); r != nil {
			info, p7 = Info{}, nil
			err = errs.Wrapf(errs.Invalid, fmt.Errorf("%w: parser panic: %v", ErrUnreadable, r), "tsa.error.unreadable")
		}
	}()
	unreadable := func(detail error) error {
		return errs.Wrapf(errs.Invalid, fmt.Errorf("%w: %v", ErrUnreadable, detail), "tsa.error.unreadable")
	}
	p7, err = pkcs7.Parse(token)
	if err != nil {
		return Info{}, nil, unreadable(err)
	}
	var ct asn1.ObjectIdentifier
	if err := p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeContentType, &ct); err != nil || !ct.Equal(oidTSTInfo) {
		return Info{}, nil, unreadable(errors.New("content type is not id-ct-TSTInfo"))
	}
	var tst tstInfo
	rest, err := asn1.Unmarshal(p7.Content, &tst)
	if err != nil {
		return Info{}, nil, unreadable(err)
	}
	if len(rest) > 0 || tst.Version != 1 || tst.SerialNumber == nil {
		return Info{}, nil, unreadable(errors.New("malformed TSTInfo"))
	}
	h, ok := hashOf(tst.MessageImprint.HashAlgorithm.Algorithm)
	if !ok {
		return Info{}, nil, unreadable(fmt.Errorf("imprint algorithm %v", tst.MessageImprint.HashAlgorithm.Algorithm))
	}
	info = Info{
		Time:     tst.GenTime.UTC(),
		Serial:   tst.SerialNumber,
		Policy:   tst.Policy,
		Accuracy: tst.Accuracy.duration(),
		Hash:     h,
		Digest:   tst.MessageImprint.HashedMessage,
		Nonce:    tst.Nonce,
	}
	if name, ok := directoryNameOf(tst.TSA); ok {
		info.TSA = name
	}
	if signer := p7.GetOnlySigner(); signer != nil {
		info.Certificate = signer
		if info.TSA == "" {
			info.TSA = signer.Subject.String()
		}
	}
	return info, p7, nil
}

// directoryNameOf reads the tsa field's [0] { [4] Name }.
func directoryNameOf(v asn1.RawValue) (string, bool) {
	if v.Class != asn1.ClassContextSpecific || v.Tag != 0 {
		return "", false
	}
	var gn asn1.RawValue
	if _, err := asn1.Unmarshal(v.Bytes, &gn); err != nil || gn.Class != asn1.ClassContextSpecific || gn.Tag != 4 {
		return "", false
	}
	var rdn pkix.RDNSequence
	if rest, err := asn1.Unmarshal(gn.Bytes, &rdn); err != nil || len(rest) > 0 {
		return "", false
	}
	var n pkix.Name
	n.FillFromRDNSequence(&rdn)
	return n.String(), true
}

// verifyToken checks the signature, the ESS signing-certificate link and the chain of trust.
func verifyToken(p7 *pkcs7.PKCS7, info *Info, roots *x509.CertPool) error {
	signer := info.Certificate
	if signer == nil || len(p7.Signers) != 1 {
		return errs.Wrapf(errs.Invalid, fmt.Errorf("%w: no single signer with its certificate in the token", ErrSignature), "tsa.error.signature")
	}
	if err := p7.Verify(); err != nil {
		return errs.Wrapf(errs.Invalid, fmt.Errorf("%w: %v", ErrSignature, err), "tsa.error.signature")
	}
	if err := checkSigningCertificate(p7, signer); err != nil {
		return errs.Wrapf(errs.Invalid, fmt.Errorf("%w: %v", ErrSignature, err), "tsa.error.signature")
	}
	if err := CheckCertificate(signer); err != nil {
		return errs.Wrapf(errs.Invalid, fmt.Errorf("%w: %v", ErrUntrusted, err), "tsa.error.untrusted")
	}
	if roots == nil {
		return errs.Wrapf(errs.Invalid, fmt.Errorf("%w: no trusted roots given", ErrUntrusted), "tsa.error.untrusted")
	}
	_, err := signer.Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: chainPool(p7.Certificates),
		CurrentTime:   info.Time,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping},
	})
	if err != nil {
		return errs.Wrapf(errs.Invalid, fmt.Errorf("%w: %v", ErrUntrusted, err), "tsa.error.untrusted")
	}
	return nil
}

// essCertIDv2Any reads an ESSCertIDv2 whose hash algorithm may be present.
type essCertIDv2Any struct {
	HashAlgorithm pkix.AlgorithmIdentifier `asn1:"optional"`
	CertHash      []byte
	IssuerSerial  asn1.RawValue `asn1:"optional"`
}

type essCertIDv1 struct {
	CertHash     []byte
	IssuerSerial asn1.RawValue `asn1:"optional"`
}

var oidSigningCertificate = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 12}

// checkSigningCertificate checks that the ESS signing-certificate attribute (v2, or v1 with
// SHA-1) names signer, so the certificate cannot be swapped for another with the same key.
func checkSigningCertificate(p7 *pkcs7.PKCS7, signer *x509.Certificate) error {
	var v2 struct {
		Certs []essCertIDv2Any
	}
	if err := p7.UnmarshalSignedAttribute(oidSigningCertificateV2, &v2); err == nil && len(v2.Certs) > 0 {
		id := v2.Certs[0]
		h := crypto.SHA256
		if len(id.HashAlgorithm.Algorithm) > 0 {
			var ok bool
			if h, ok = hashOf(id.HashAlgorithm.Algorithm); !ok {
				return fmt.Errorf("signing certificate hashed with %v", id.HashAlgorithm.Algorithm)
			}
		}
		hh := h.New()
		hh.Write(signer.Raw)
		if !bytes.Equal(hh.Sum(nil), id.CertHash) {
			return errors.New("the signing-certificate attribute names another certificate")
		}
		return nil
	}
	var v1 struct {
		Certs []essCertIDv1
	}
	if err := p7.UnmarshalSignedAttribute(oidSigningCertificate, &v1); err == nil && len(v1.Certs) > 0 {
		sum := sha1.Sum(signer.Raw)
		if !bytes.Equal(sum[:], v1.Certs[0].CertHash) {
			return errors.New("the signing-certificate attribute names another certificate")
		}
		return nil
	}
	return errors.New("no ESS signing-certificate attribute (RFC 3161 §2.4.2)")
}
