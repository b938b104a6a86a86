package sign

import (
	"bytes"
	"crypto"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"
	"math/big"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"
)

// The CMS structures verification reads (RFC 5652 §5; GM/T 0010 uses the same shapes under its
// own content-type OIDs). Only DER is read: signed attributes must be DER anyway, and every
// signer Yiwang meets (its own, OpenSSL without -stream, PDF tools) writes DER.
var (
	oidSignedData    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidSM2SignedData = asn1.ObjectIdentifier{1, 2, 156, 10197, 6, 1, 4, 2, 2}

	oidAttrContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidAttrMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidAttrSigningTime   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}

	oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	oidSM3    = asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 401}

	oidECPublicKey     = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSAWithSHA384 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSAWithSHA512 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	oidSM2Sign         = asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 301, 1}
	oidSM2WithSM3      = asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 501}
	oidRSAEncryption   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidSHA256WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA384WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
)

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,tag:0"`
}

type signedData struct {
	Version          int
	DigestAlgorithms asn1.RawValue
	EncapContentInfo encapContentInfo
	Certificates     asn1.RawValue `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue `asn1:"optional,tag:1"`
	SignerInfos      asn1.RawValue
}

type encapContentInfo struct {
	EContentType asn1.ObjectIdentifier
	EContent     asn1.RawValue `asn1:"optional,explicit,tag:0"`
}

type signerInfo struct {
	Version            int
	SID                asn1.RawValue
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional,tag:1"`
}

type issuerAndSerial struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

type attribute struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue
}

// cmsSignature is the first SignerInfo of a SignedData and what verifying it needs.
type cmsSignature struct {
	contentType asn1.ObjectIdentifier // eContentType
	content     []byte                // attached content; nil when detached
	certs       []*smx509.Certificate
	signers     int // how many SignerInfos the SignedData has

	sidIssuer []byte   // DER issuer name of the signer's certificate, or
	sidSerial *big.Int // …its serial number,
	sidKeyID  []byte   // …or its subject key identifier

	digestAlg   asn1.ObjectIdentifier
	sigAlg      asn1.ObjectIdentifier
	signature   []byte
	signedAttrs []byte // the signed attributes re-tagged as a SET OF, which is what is signed; nil if none
	attrs       []attribute
	unsigned    []attribute
}

var errCMS = errors.New("not a CMS SignedData")

func cmsError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errCMS}, args...)...)
}

// parseCMS reads a DER CMS ContentInfo holding a SignedData with at least one signer.
func parseCMS(der []byte) (*cmsSignature, error) {
	var ci contentInfo
	rest, err := asn1.Unmarshal(der, &ci)
	if err != nil {
		return nil, cmsError("%v", err)
	}
	if len(rest) > 0 {
		return nil, cmsError("trailing data")
	}
	if !ci.ContentType.Equal(oidSignedData) && !ci.ContentType.Equal(oidSM2SignedData) {
		return nil, cmsError("content type %v", ci.ContentType)
	}
	var sd signedData
	if rest, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil || len(rest) > 0 {
		return nil, cmsError("SignedData: %v", err)
	}
	s := &cmsSignature{contentType: sd.EncapContentInfo.EContentType}
	if len(sd.EncapContentInfo.EContent.Bytes) > 0 {
		var content []byte
		if _, err := asn1.Unmarshal(sd.EncapContentInfo.EContent.Bytes, &content); err != nil {
			return nil, cmsError("encapsulated content: %v", err)
		}
		s.content = content
	}
	if err := eachElement(sd.Certificates.Bytes, func(v asn1.RawValue) error {
		if v.Class != asn1.ClassUniversal || v.Tag != asn1.TagSequence {
			return nil // other certificate formats (attribute certificates…) are not signers'
		}
		c, err := smx509.ParseCertificate(v.FullBytes)
		if err != nil {
			return fmt.Errorf("certificate: %w", err)
		}
		s.certs = append(s.certs, c)
		return nil
	}); err != nil {
		return nil, cmsError("%v", err)
	}
	if sd.SignerInfos.Class != asn1.ClassUniversal || sd.SignerInfos.Tag != asn1.TagSet {
		return nil, cmsError("signerInfos is not a SET")
	}
	var first *signerInfo
	if err := eachElement(sd.SignerInfos.Bytes, func(v asn1.RawValue) error {
		s.signers++
		if first != nil {
			return nil
		}
		var si signerInfo
		if rest, err := asn1.Unmarshal(v.FullBytes, &si); err != nil || len(rest) > 0 {
			return fmt.Errorf("SignerInfo: %v", err)
		}
		first = &si
		return nil
	}); err != nil {
		return nil, cmsError("%v", err)
	}
	if first == nil {
		return nil, cmsError("no signer")
	}
	si := first
	switch {
	case si.SID.Class == asn1.ClassUniversal && si.SID.Tag == asn1.TagSequence:
		var ias issuerAndSerial
		if rest, err := asn1.Unmarshal(si.SID.FullBytes, &ias); err != nil || len(rest) > 0 || ias.Serial == nil {
			return nil, cmsError("issuerAndSerialNumber: %v", err)
		}
		s.sidIssuer, s.sidSerial = ias.Issuer.FullBytes, ias.Serial
	case si.SID.Class == asn1.ClassContextSpecific && si.SID.Tag == 0:
		s.sidKeyID = si.SID.Bytes
	default:
		return nil, cmsError("signer identifier")
	}
	s.digestAlg = si.DigestAlgorithm.Algorithm
	s.sigAlg = si.SignatureAlgorithm.Algorithm
	s.signature = si.Signature
	if len(si.SignedAttrs.FullBytes) > 0 {
		// The signature covers the attributes' DER with the SET OF tag, not the [0] they are
		// stored under (RFC 5652 §5.4).
		s.signedAttrs = bytes.Clone(si.SignedAttrs.FullBytes)
		s.signedAttrs[0] = 0x31
		if s.attrs, err = parseAttributes(si.SignedAttrs.Bytes); err != nil {
			return nil, cmsError("signed attributes: %v", err)
		}
	}
	if len(si.UnsignedAttrs.FullBytes) > 0 {
		if s.unsigned, err = parseAttributes(si.UnsignedAttrs.Bytes); err != nil {
			return nil, cmsError("unsigned attributes: %v", err)
		}
	}
	return s, nil
}

// eachElement calls fn for each DER element of the concatenation b.
func eachElement(b []byte, fn func(asn1.RawValue) error) error {
	for len(b) > 0 {
		var v asn1.RawValue
		rest, err := asn1.Unmarshal(b, &v)
		if err != nil {
			return err
		}
		if err := fn(v); err != nil {
			return err
		}
		b = rest
	}
	return nil
}

func parseAttributes(b []byte) ([]attribute, error) {
	var attrs []attribute
	err := eachElement(b, func(v asn1.RawValue) error {
		var a attribute
		if rest, err := asn1.Unmarshal(v.FullBytes, &a); err != nil || len(rest) > 0 {
			return fmt.Errorf("attribute: %v", err)
		}
		if a.Values.Class != asn1.ClassUniversal || a.Values.Tag != asn1.TagSet {
			return fmt.Errorf("attribute %v: values are not a SET", a.Type)
		}
		attrs = append(attrs, a)
		return nil
	})
	return attrs, err
}

// errNoAttribute says an attribute is absent.
var errNoAttribute = errors.New("no such attribute")

// attributeValue decodes the single value of the attribute typ into out (CMS requires exactly
// one value for content type, message digest, signing time and time-stamp tokens), or returns
// its DER when out is nil.
func attributeValue(attrs []attribute, typ asn1.ObjectIdentifier, out any) ([]byte, error) {
	var found *attribute
	for i := range attrs {
		if attrs[i].Type.Equal(typ) {
			if found != nil {
				return nil, fmt.Errorf("attribute %v appears twice", typ)
			}
			found = &attrs[i]
		}
	}
	if found == nil {
		return nil, errNoAttribute
	}
	var v asn1.RawValue
	rest, err := asn1.Unmarshal(found.Values.Bytes, &v)
	if err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("attribute %v must have exactly one value", typ)
	}
	if out != nil {
		if rest, err := asn1.Unmarshal(v.FullBytes, out); err != nil || len(rest) > 0 {
			return nil, fmt.Errorf("attribute %v: %v", typ, err)
		}
	}
	return v.FullBytes, nil
}

// signerCertificate finds the certificate the signer identifier names.
func (s *cmsSignature) signerCertificate() *smx509.Certificate {
	for _, c := range s.certs {
		switch {
		case s.sidKeyID != nil:
			if len(c.SubjectKeyId) > 0 && bytes.Equal(c.SubjectKeyId, s.sidKeyID) {
				return c
			}
		case bytes.Equal(c.RawIssuer, s.sidIssuer) && c.SerialNumber != nil && c.SerialNumber.Cmp(s.sidSerial) == 0:
			return c
		}
	}
	return nil
}

// digestFor returns a hash of the digest algorithm oid and its name.
func digestFor(oid asn1.ObjectIdentifier) (func() hash.Hash, string, bool) {
	switch {
	case oid.Equal(oidSHA256):
		return crypto.SHA256.New, "SHA-256", true
	case oid.Equal(oidSHA384):
		return crypto.SHA384.New, "SHA-384", true
	case oid.Equal(oidSHA512):
		return crypto.SHA512.New, "SHA-512", true
	case oid.Equal(oidSM3):
		return sm3.New, "SM3", true
	}
	return nil, "", false
}

// signatureAlgorithm maps a SignerInfo's signature and digest algorithms to what checks the
// signature of the signed attributes.
func signatureAlgorithm(sig, digest asn1.ObjectIdentifier) (smx509.SignatureAlgorithm, bool) {
	byDigest := func(sha256, sha384, sha512 smx509.SignatureAlgorithm) (smx509.SignatureAlgorithm, bool) {
		switch {
		case digest.Equal(oidSHA256):
			return sha256, true
		case digest.Equal(oidSHA384):
			return sha384, true
		case digest.Equal(oidSHA512):
			return sha512, true
		}
		return smx509.UnknownSignatureAlgorithm, false
	}
	switch {
	case sig.Equal(oidECDSAWithSHA256):
		return smx509.ECDSAWithSHA256, true
	case sig.Equal(oidECDSAWithSHA384):
		return smx509.ECDSAWithSHA384, true
	case sig.Equal(oidECDSAWithSHA512):
		return smx509.ECDSAWithSHA512, true
	case sig.Equal(oidECPublicKey):
		return byDigest(smx509.ECDSAWithSHA256, smx509.ECDSAWithSHA384, smx509.ECDSAWithSHA512)
	case sig.Equal(oidSM2Sign), sig.Equal(oidSM2WithSM3):
		return smx509.SM2WithSM3, digest.Equal(oidSM3)
	case sig.Equal(oidSHA256WithRSA):
		return smx509.SHA256WithRSA, true
	case sig.Equal(oidSHA384WithRSA):
		return smx509.SHA384WithRSA, true
	case sig.Equal(oidSHA512WithRSA):
		return smx509.SHA512WithRSA, true
	case sig.Equal(oidRSAEncryption):
		return byDigest(smx509.SHA256WithRSA, smx509.SHA384WithRSA, smx509.SHA512WithRSA)
	}
	return smx509.UnknownSignatureAlgorithm, false
}
