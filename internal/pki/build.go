package pki

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"

	"github.com/emmansun/gmsm/smx509"
)

var (
	oidExtKeyUsage  = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidTimeStamping = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
)

// spec is what a certificate says, independent of the library that encodes it.
type spec struct {
	serial    *big.Int
	subject   pkix.Name
	notBefore time.Time
	notAfter  time.Time
	pub       crypto.PublicKey
	// isCA with maxPathLen: 1 for the root (one level of organisation CAs), 0 for those.
	isCA       bool
	maxPathLen int
	keyUsage   x509.KeyUsage // the bits are the same in smx509
	// timeStamping adds the critical id-kp-timeStamping extended key usage (RFC 3161 §2.3).
	timeStamping bool
	crlURL       string
	ocspURL      string
	issuerURL    string
}

// newSerial returns 16 random bytes as a positive serial number that always encodes in 16
// bytes (the top bit clear, the next set), so serials have one length in hex.
func newSerial() (*big.Int, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	b[0] = b[0]&0x7f | 0x40
	return new(big.Int).SetBytes(b), nil
}

// subjectKeyID is the leftmost 160 bits of the SHA-256 of the subject public key bits (RFC 7093
// §2 method 1), for every certificate so that chains link by key identifier.
func subjectKeyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := smx509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(spki.PublicKey.Bytes)
	return sum[:20], nil
}

func (sp spec) extraExtensions() ([]pkix.Extension, error) {
	if !sp.timeStamping {
		return nil, nil
	}
	v, err := asn1.Marshal([]asn1.ObjectIdentifier{oidTimeStamping})
	if err != nil {
		return nil, err
	}
	return []pkix.Extension{{Id: oidExtKeyUsage, Critical: true, Value: v}}, nil
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// create signs the certificate sp describes with signer: self-signed when parentDER is nil,
// else under the CA certificate parentDER, whose key signer must hold.
func create(f Family, sp spec, parentDER []byte, signer crypto.Signer) ([]byte, error) {
	skid, err := subjectKeyID(sp.pub)
	if err != nil {
		return nil, fmt.Errorf("subject key id: %w", err)
	}
	extra, err := sp.extraExtensions()
	if err != nil {
		return nil, err
	}
	switch f {
	case ECDSA:
		t := &x509.Certificate{
			SerialNumber: sp.serial, Subject: sp.subject, NotBefore: sp.notBefore, NotAfter: sp.notAfter,
			KeyUsage: sp.keyUsage, BasicConstraintsValid: true, IsCA: sp.isCA,
			MaxPathLen: sp.maxPathLen, MaxPathLenZero: sp.isCA && sp.maxPathLen == 0,
			SubjectKeyId: skid, ExtraExtensions: extra,
			CRLDistributionPoints: nonEmpty(sp.crlURL), OCSPServer: nonEmpty(sp.ocspURL),
			IssuingCertificateURL: nonEmpty(sp.issuerURL),
		}
		if !sp.isCA {
			t.MaxPathLen = -1
		}
		parent := t
		if parentDER != nil {
			if parent, err = x509.ParseCertificate(parentDER); err != nil {
				return nil, fmt.Errorf("parse issuer: %w", err)
			}
		}
		return x509.CreateCertificate(rand.Reader, t, parent, sp.pub, signer)
	case SM2:
		t := &smx509.Certificate{
			SerialNumber: sp.serial, Subject: sp.subject, NotBefore: sp.notBefore, NotAfter: sp.notAfter,
			KeyUsage: smx509.KeyUsage(sp.keyUsage), BasicConstraintsValid: true, IsCA: sp.isCA,
			MaxPathLen: sp.maxPathLen, MaxPathLenZero: sp.isCA && sp.maxPathLen == 0,
			SubjectKeyId: skid, ExtraExtensions: extra,
			CRLDistributionPoints: nonEmpty(sp.crlURL), OCSPServer: nonEmpty(sp.ocspURL),
			IssuingCertificateURL: nonEmpty(sp.issuerURL),
		}
		if !sp.isCA {
			t.MaxPathLen = -1
		}
		parent := t
		if parentDER != nil {
			if parent, err = smx509.ParseCertificate(parentDER); err != nil {
				return nil, fmt.Errorf("parse issuer: %w", err)
			}
		}
		return smx509.CreateCertificate(rand.Reader, t, parent, sp.pub, signer)
	}
	return nil, fmt.Errorf("unknown family %q", f)
}
