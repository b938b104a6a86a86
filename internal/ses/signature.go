package ses

import (
	"bytes"
	"crypto"
	"encoding/asn1"
	"errors"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// SignOptions are the parts of a seal signature besides the seal, the document and the key.
type SignOptions struct {
	// Time is the signing time (timeInfo), kept to the second; the zero time means now. It must
	// lie in the seal's validity period.
	Time time.Time
	// Property is propertyInfo: what was signed, at least the protected scope, for example
	// "/Doc_0/Signs/Sign_0/Signature.xml" in an OFD file. Printable ASCII (IA5String).
	Property string
	// Timestamp, when set, is called with the signature value and returns an RFC 3161
	// TimeStampToken (DER ContentInfo) whose message imprint is the SM3 or SHA-256 of exactly
	// those bytes; it goes into timeStamp. GB/T 38540 time-stamps the signature value, not the
	// document.
	Timestamp func(signature []byte) ([]byte, error)
	// Extensions go into TBS_Sign.extDatas.
	Extensions []Extension
}

// Signature is a parsed SES_Signature.
type Signature struct {
	Version           int
	Seal              *Seal
	Time              time.Time
	DataHash          []byte // SM3 of the document, as signed
	Property          string
	Extensions        []Extension
	SignerCertificate []byte // DER
	Algorithm         asn1.ObjectIdentifier
	Value             []byte // the signer's SM2 signature, DER SEQUENCE { r, s }
	TimeStampToken    []byte // RFC 3161 TimeStampToken over Value, or nil
	TBS               []byte // DER of TBS_Sign, what the signer signed
	Raw               []byte // the whole SES_Signature
}

// SignDocument signs document with a seal: it checks that the seal's maker signature holds, that
// the signer's certificate is on the seal and that the seal is in force at opt.Time, then returns
// the DER of an SES_Signature over SM3(document). signer must hold an SM2 key and signerCertDER be
// its certificate.
func SignDocument(sealDER, document []byte, signer crypto.Signer, signerCertDER []byte, opt SignOptions) (der []byte, err error) {
	defer errs.Wrap(&err, "ses.SignDocument")
	switch {
	case opt.Property == "":
		return nil, errs.Field("property", "error.required")
	case !isASCII(opt.Property):
		return nil, errs.Field("property", "ses.error.ascii_only")
	case !validExtensions(opt.Extensions):
		return nil, errs.Field("extensions", "ses.error.extension")
	}
	seal, err := ParseSeal(sealDER)
	if err != nil {
		return nil, err
	}
	if err := seal.VerifyMaker(); err != nil {
		return nil, err
	}
	if oid := anyCritical(seal.Info.Extensions); oid != nil {
		return nil, fail(ErrCriticalExtension, "seal extension %s", oid)
	}
	pub, err := signingKey(signer, signerCertDER)
	if err != nil {
		return nil, err
	}
	if !seal.HasSigner(signerCertDER) {
		return nil, fail(ErrSignerNotOnSeal, "seal %s", seal.Info.ID)
	}
	t := opt.Time
	if t.IsZero() {
		t = time.Now()
	}
	t = t.UTC().Truncate(time.Second)
	if !seal.InForce(t) {
		return nil, fail(ErrSealNotInForce, "signing at %s, seal valid %s to %s", t, seal.Info.ValidFrom, seal.Info.ValidTo)
	}
	timeInfo, err := marshalTime(t)
	if err != nil {
		return nil, errs.Wrapf(errs.Invalid, err, "ses.error.validity")
	}
	digest := sm3.Sum(document)
	tbs, err := asn1.Marshal(wireTBSSign{
		Version:      Version,
		ESeal:        asn1.RawValue{FullBytes: seal.Raw},
		TimeInfo:     timeInfo,
		DataHash:     bits(digest[:]),
		PropertyInfo: opt.Property,
		ExtDatas:     toWireExtensions(opt.Extensions),
	})
	if err != nil {
		return nil, err
	}
	sig, err := signSM2(signer, pub, tbs)
	if err != nil {
		return nil, err
	}
	w := wireSignature{
		ToSign:         asn1.RawValue{FullBytes: tbs},
		Cert:           signerCertDER,
		SignatureAlgID: OIDSM2WithSM3,
		Signature:      bits(sig),
	}
	if opt.Timestamp != nil {
		token, err := opt.Timestamp(bytes.Clone(sig))
		if err != nil {
			return nil, err
		}
		if err := checkTimestamp(token, sig); err != nil {
			return nil, err
		}
		w.TimeStamp = bits(token)
	}
	return asn1.Marshal(w)
}

// ParseSignature decodes the DER of an SES_Signature, version 4, with the seal inside it, as
// strictly as ParseSeal. It does not verify anything: call Verify.
func ParseSignature(der []byte) (*Signature, error) {
	der = bytes.Clone(der)
	var w wireSignature
	if err := unmarshalDER(der, &w, "SES_Signature"); err != nil {
		return nil, err
	}
	value, err := octets(w.Signature, "SES_Signature.signature")
	if err != nil {
		return nil, err
	}
	if len(w.Cert) == 0 {
		return nil, malformed("SES_Signature.cert is empty")
	}
	s := &Signature{
		SignerCertificate: w.Cert,
		Algorithm:         w.SignatureAlgID,
		Value:             value,
		TBS:               w.ToSign.FullBytes,
		Raw:               der,
	}
	if w.TimeStamp.BitLength != 0 || w.TimeStamp.Bytes != nil {
		if s.TimeStampToken, err = octets(w.TimeStamp, "SES_Signature.timeStamp"); err != nil {
			return nil, err
		}
	}
	var tbs wireTBSSign
	if err := unmarshalDER(s.TBS, &tbs, "TBS_Sign"); err != nil {
		return nil, err
	}
	if tbs.Version != Version {
		return nil, malformed("TBS_Sign.version is %d, want %d", tbs.Version, Version)
	}
	s.Version = tbs.Version
	if s.Seal, err = ParseSeal(tbs.ESeal.FullBytes); err != nil {
		return nil, err
	}
	if s.Time, err = parseTime(tbs.TimeInfo, "timeInfo"); err != nil {
		return nil, err
	}
	if s.DataHash, err = octets(tbs.DataHash, "dataHash"); err != nil {
		return nil, err
	}
	if tbs.PropertyInfo == "" {
		return nil, malformed("propertyInfo is empty")
	}
	s.Property = tbs.PropertyInfo
	s.Extensions = fromWireExtensions(tbs.ExtDatas)
	return s, nil
}

// Verify checks a seal signature against the document it was made over, in the order of the
// standard's verification: the signer's SM2 signature over TBS_Sign (ErrBadSignature), the
// signer's certificate on the seal's list (ErrSignerNotOnSeal), the seal maker's signature
// (ErrSealSignature), the seal in force at the signing time (ErrSealNotInForce), no critical
// extension (ErrCriticalExtension), the time-stamp token, if any, over the signature value
// (ErrTimestamp), and SM3(document) equal to dataHash (ErrDocumentChanged).
//
// Every check that fails is reported: the error joins one wrapped sentinel per failure, so
// errors.Is answers for each, and errs.Public gives the first. When the signer's key cannot be
// had — ErrNotSM2 for another algorithm or key, ErrMalformed for a certificate that cannot be
// read — Verify returns that alone.
//
// Verify does not judge certificates (chain, validity, revocation, key usage) or the time-stamp
// token's TSA signature: the caller does, with internal/pki and internal/tsa.
func (s *Signature) Verify(document []byte) error {
	if !s.Algorithm.Equal(OIDSM2WithSM3) {
		return fail(ErrNotSM2, "signature algorithm %s", s.Algorithm)
	}
	pub, err := certificateKey(s.SignerCertificate)
	if err != nil {
		return err
	}
	var failed []error
	if !verifySM2(pub, s.TBS, s.Value) {
		failed = append(failed, fail(ErrBadSignature, "the signer's signature over TBS_Sign does not verify"))
	}
	if !s.Seal.HasSigner(s.SignerCertificate) {
		failed = append(failed, fail(ErrSignerNotOnSeal, "seal %s", s.Seal.Info.ID))
	}
	if err := s.Seal.VerifyMaker(); err != nil {
		failed = append(failed, err)
	}
	if !s.Seal.InForce(s.Time) {
		failed = append(failed, fail(ErrSealNotInForce, "signed at %s, seal valid %s to %s", s.Time, s.Seal.Info.ValidFrom, s.Seal.Info.ValidTo))
	}
	if oid := anyCritical(s.Seal.Info.Extensions); oid != nil {
		failed = append(failed, fail(ErrCriticalExtension, "seal extension %s", oid))
	}
	if oid := anyCritical(s.Extensions); oid != nil {
		failed = append(failed, fail(ErrCriticalExtension, "signature extension %s", oid))
	}
	if s.TimeStampToken != nil {
		if err := checkTimestamp(s.TimeStampToken, s.Value); err != nil {
			failed = append(failed, err)
		}
	}
	if digest := sm3.Sum(document); !bytes.Equal(digest[:], s.DataHash) {
		failed = append(failed, fail(ErrDocumentChanged, "SM3 of the document is not dataHash"))
	}
	return errors.Join(failed...)
}
