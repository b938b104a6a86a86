// Package sign makes and checks Yiwang's electronic signatures: detached CMS (PKCS #7)
// signatures over any document with SM2/SM3 or ECDSA P-256/SHA-256, PDF signatures with a
// visible seal image (ECDSA; SM2 seals on PDFs are GB/T 38540 signatures carried beside the PDF,
// made elsewhere), each with an RFC 3161 time-stamp from Yiwang's own time-stamping authority,
// and verification that explains itself: who signed, with which certificate, when, whether the
// certificate was valid then, and whether the document changed.
package sign

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/asn1"
	"math/big"

	"github.com/emmansun/gmsm/pkcs7"
	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// Stamper obtains an RFC 3161 TimeStampToken (DER) over digest, which hash made.
// *tsa.Authority satisfies it.
type Stamper interface {
	Stamp(ctx context.Context, hash crypto.Hash, digest []byte) ([]byte, error)
}

// Object identifiers of the attributes Yiwang's signatures carry.
var (
	// oidTimeStampToken is id-aa-timeStampToken (RFC 3161 appendix A): an unsigned attribute
	// holding a token over the SignerInfo's signature value.
	oidTimeStampToken = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	// oidSigningCertificateV2 is id-aa-signingCertificateV2 (RFC 5035), binding the signer's
	// certificate into the signed attributes.
	oidSigningCertificateV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
)

// Algorithm is how a key signs.
type Algorithm string

// The signature algorithms of Yiwang's signatures.
const (
	SM2SM3      Algorithm = "SM2-SM3"
	ECDSASHA256 Algorithm = "ECDSA-SHA256"
)

// algorithmOf tells which algorithm pub signs with: an SM2 key SM2/SM3, an ECDSA P-256 key
// ECDSA/SHA-256. Other keys are refused with errs.Invalid.
func algorithmOf(pub crypto.PublicKey) (Algorithm, error) {
	k, ok := pub.(*ecdsa.PublicKey)
	switch {
	case ok && sm2.IsSM2PublicKey(k):
		return SM2SM3, nil
	case ok && k.Curve == elliptic.P256():
		return ECDSASHA256, nil
	}
	return "", errs.E(errs.Invalid, "sign.error.key_unsupported")
}

// CMS makes a detached CMS SignedData signature over document. An SM2 key makes an SM2/SM3
// signature in the GM/T 0010 form (SM2 content and signed-data OIDs); an ECDSA P-256 key an
// ECDSA/SHA-256 signature in the RFC 5652 form that OpenSSL verifies. The signed attributes are
// content type, message digest, signing time and the signer's certificate (ESS
// signing-certificate-v2); cert and chain (issuer first, up to the root if wanted) are included.
// When stamper is not nil, an RFC 3161 token over the SHA-256 of the signature value is added
// as the id-aa-timeStampToken unsigned attribute, so the signature's existence at that time is
// proven by Yiwang's time-stamping authority.
//
// Returns errs.Invalid when the key is neither SM2 nor ECDSA P-256 or is not cert's, and the
// stamper's error when no token could be had.
func CMS(ctx context.Context, document []byte, signer crypto.Signer, cert *smx509.Certificate, chain []*smx509.Certificate, stamper Stamper) (_ []byte, err error) {
	defer errs.Wrap(&err, "sign.CMS")
	if signer == nil || cert == nil {
		return nil, errs.E(errs.Invalid, "sign.error.key_unsupported")
	}
	alg, err := algorithmOf(signer.Public())
	if err != nil {
		return nil, err
	}
	if !samePublicKey(cert.PublicKey, signer.Public()) {
		return nil, errs.E(errs.Invalid, "sign.error.key_mismatch")
	}
	var sd *pkcs7.SignedData
	if alg == SM2SM3 {
		sd, err = pkcs7.NewSMSignedData(document)
	} else {
		sd, err = pkcs7.NewSignedData(document)
		if err == nil {
			sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
		}
	}
	if err != nil {
		return nil, err
	}
	essAttr, err := signingCertificateV2(cert)
	if err != nil {
		return nil, err
	}
	cfg := pkcs7.SignerInfoConfig{ExtraSignedAttributes: []pkcs7.Attribute{{Type: oidSigningCertificateV2, Value: asn1.RawValue{FullBytes: essAttr}}}}
	if len(chain) > 0 {
		err = sd.AddSignerChain(cert, signer, chain, cfg)
	} else {
		err = sd.AddSigner(cert, signer, cfg)
	}
	if err != nil {
		return nil, errs.Wrapf(errs.Invalid, err, "sign.error.chain")
	}
	sd.Detach()
	if stamper != nil {
		si := &sd.GetSignedData().SignerInfos[0]
		sum := sha256.Sum256(si.EncryptedDigest)
		token, err := stamper.Stamp(ctx, crypto.SHA256, sum[:])
		if err != nil {
			return nil, err
		}
		if err := si.SetUnauthenticatedAttributes([]pkcs7.Attribute{{Type: oidTimeStampToken, Value: asn1.RawValue{FullBytes: token}}}); err != nil {
			return nil, err
		}
	}
	return sd.Finish()
}

// samePublicKey reports whether two ECDSA (or SM2) public keys are the same point on the same
// curve.
func samePublicKey(a, b crypto.PublicKey) bool {
	ka, ok1 := a.(*ecdsa.PublicKey)
	kb, ok2 := b.(*ecdsa.PublicKey)
	return ok1 && ok2 && ka.Curve == kb.Curve && ka.X.Cmp(kb.X) == 0 && ka.Y.Cmp(kb.Y) == 0
}

// essCertIDv2 and friends encode RFC 5035's SigningCertificateV2 with one ESSCertIDv2: the
// SHA-256 (the default, so left out) of the certificate and its issuer and serial number.
type signingCertV2 struct {
	Certs []essCertIDv2
}

type essCertIDv2 struct {
	CertHash     []byte
	IssuerSerial issuerSerial
}

type issuerSerial struct {
	Issuer []asn1.RawValue // GeneralNames with one directoryName
	Serial *big.Int
}

func signingCertificateV2(cert *smx509.Certificate) ([]byte, error) {
	sum := sha256.Sum256(cert.Raw)
	return asn1.Marshal(signingCertV2{Certs: []essCertIDv2{{
		CertHash: sum[:],
		IssuerSerial: issuerSerial{
			Issuer: []asn1.RawValue{{Class: asn1.ClassContextSpecific, Tag: 4, IsCompound: true, Bytes: cert.RawIssuer}},
			Serial: cert.SerialNumber,
		},
	}}})
}
