package ses

import (
	"bytes"
	"crypto"
	"encoding/asn1"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// Seal types. GB/T 38540-2020 leaves the type to the application; these are Yiwang's.
const (
	TypeOrganization = 1 // 单位印章
	TypePersonal     = 2 // 个人印章
)

// Kinds of signer certificate list (SES_ESPropertyInfo.certListType).
const (
	CertListCertificates = 1 // certList holds the signers' certificates
	CertListDigests      = 2 // certList holds digests of the signers' certificates
)

// pictureTypes are the seal picture formats MakeSeal writes (SES_ESPictrueInfo.type): the
// standard's examples (GIF, BMP, JPG, PNG, SVG) and OFD, in which seal pictures are also kept.
var pictureTypes = []string{"PNG", "JPG", "GIF", "BMP", "SVG", "OFD"}

// PictureTypes returns the seal picture formats MakeSeal accepts, for a form to offer.
func PictureTypes() []string { return slices.Clone(pictureTypes) }

// SealInfo is what a seal says: SES_SealInfo with its header and property.
type SealInfo struct {
	ID     string // esID, the seal's unique code (IA5String)
	Vendor string // header Vid, the seal system's vendor id
	Type   int    // TypeOrganization, TypePersonal or an application's value
	Name   string // 印章名称; for a seal filed with the police, the filed name

	// The signers who may use the seal: either their certificates (certListType 1) or digests of
	// them (certListType 2), never both.
	Certificates [][]byte // DER
	CertDigests  []CertDigest

	Created, ValidFrom, ValidTo time.Time // whole seconds, UTC

	PictureType       string // one of PictureTypes()
	Picture           []byte
	WidthMM, HeightMM int // display size in millimetres

	Extensions []Extension // extDatas
}

// CertDigest is a CertDigestObj: a digest of a signer's certificate and a type that names how it
// was made. SM3CertDigest makes one that Verify can check.
type CertDigest struct {
	Type  string // PrintableString
	Value []byte
}

// SM3CertDigest returns the SM3 digest of a DER certificate, typed "SM3".
func SM3CertDigest(certDER []byte) CertDigest {
	d := sm3.Sum(certDER)
	return CertDigest{Type: "SM3", Value: d[:]}
}

// Seal is a parsed SESeal.
type Seal struct {
	Info             SealInfo
	MakerCertificate []byte // DER
	Algorithm        asn1.ObjectIdentifier
	Signature        []byte // the maker's SM2 signature, DER SEQUENCE { r, s }
	Raw              []byte // the whole SESeal
	TBS              []byte // DER of SES_SealInfo, what the maker signed
}

// MakeSeal encodes info as a seal signed by the seal maker and returns the DER of the SESeal.
// maker must hold an SM2 key and makerCertDER be that key's certificate; an invalid info is an
// errs.Invalid naming the field.
func MakeSeal(info SealInfo, maker crypto.Signer, makerCertDER []byte) (der []byte, err error) {
	defer errs.Wrap(&err, "ses.MakeSeal(%s)", info.ID)
	if err := info.validate(); err != nil {
		return nil, err
	}
	pub, err := signingKey(maker, makerCertDER)
	if err != nil {
		return nil, err
	}
	w, err := info.wire()
	if err != nil {
		return nil, err
	}
	tbs, err := asn1.Marshal(*w)
	if err != nil {
		return nil, err
	}
	sig, err := signSM2(maker, pub, tbs)
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(wireSeal{
		SealInfo:    asn1.RawValue{FullBytes: tbs},
		Cert:        makerCertDER,
		SignAlgID:   OIDSM2WithSM3,
		SignedValue: bits(sig),
	})
}

func (info *SealInfo) validate() error {
	switch {
	case info.ID == "":
		return errs.Field("id", "error.required")
	case !isASCII(info.ID):
		return errs.Field("id", "ses.error.ascii_only")
	case info.Vendor == "":
		return errs.Field("vendor", "error.required")
	case !isASCII(info.Vendor):
		return errs.Field("vendor", "ses.error.ascii_only")
	case info.Type <= 0:
		return errs.Field("type", "ses.error.seal_type")
	case strings.TrimSpace(info.Name) == "":
		return errs.Field("name", "error.required")
	case !utf8.ValidString(info.Name):
		return errs.Field("name", "ses.error.bad_text")
	case len(info.Certificates) == 0 && len(info.CertDigests) == 0:
		return errs.Field("certificates", "error.required")
	case len(info.Certificates) > 0 && len(info.CertDigests) > 0:
		return errs.Field("certificates", "ses.error.cert_list_both")
	case info.Created.IsZero():
		return errs.Field("created", "error.required")
	case info.ValidFrom.IsZero():
		return errs.Field("valid_from", "error.required")
	case info.ValidTo.IsZero():
		return errs.Field("valid_to", "error.required")
	case !info.ValidTo.Truncate(time.Second).After(info.ValidFrom.Truncate(time.Second)):
		return errs.Field("valid_to", "ses.error.validity")
	case !slices.Contains(pictureTypes, info.PictureType):
		return errs.Field("picture_type", "ses.error.picture_type")
	case len(info.Picture) == 0:
		return errs.Field("picture", "error.required")
	case info.WidthMM <= 0 || info.HeightMM <= 0:
		return errs.Field("width_mm", "ses.error.picture_size")
	case !validExtensions(info.Extensions):
		return errs.Field("extensions", "ses.error.extension")
	}
	for _, t := range []time.Time{info.Created, info.ValidFrom, info.ValidTo} {
		if y := t.UTC().Year(); y < 1 || y > 9999 {
			return errs.Field("valid_to", "ses.error.validity")
		}
	}
	for _, c := range info.Certificates {
		if _, err := smx509.ParseCertificate(c); err != nil {
			return errs.Wrapf(errs.Invalid, err, "ses.error.bad_certificate")
		}
	}
	for _, d := range info.CertDigests {
		if len(d.Value) == 0 || !isPrintable(d.Type) {
			return errs.Field("cert_digests", "ses.error.cert_digest")
		}
	}
	return nil
}

// wire converts a validated SealInfo to its encoding.
func (info *SealInfo) wire() (*wireSealInfo, error) {
	var list any = info.Certificates
	listType := CertListCertificates
	if len(info.CertDigests) > 0 {
		listType = CertListDigests
		ds := make([]wireCertDigest, len(info.CertDigests))
		for i, d := range info.CertDigests {
			ds[i] = wireCertDigest{Type: d.Type, Value: d.Value}
		}
		list = ds
	}
	certList, err := asn1.Marshal(list)
	if err != nil {
		return nil, err
	}
	w := &wireSealInfo{
		Header: wireHeader{ID: headerID, Version: Version, Vid: info.Vendor},
		ESID:   info.ID,
		Property: wireProperty{
			Type:         info.Type,
			Name:         info.Name,
			CertListType: listType,
			CertList:     asn1.RawValue{FullBytes: certList},
		},
		Picture:  wirePicture{Type: info.PictureType, Data: info.Picture, Width: info.WidthMM, Height: info.HeightMM},
		ExtDatas: toWireExtensions(info.Extensions),
	}
	for _, f := range []struct {
		dst *asn1.RawValue
		t   time.Time
	}{{&w.Property.CreateDate, info.Created}, {&w.Property.ValidStart, info.ValidFrom}, {&w.Property.ValidEnd, info.ValidTo}} {
		if *f.dst, err = marshalTime(f.t); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// ParseSeal decodes the DER of an SESeal, version 4. It is strict: anything but exactly one DER
// SESeal with header "ES" version 4, GeneralizedTimes in UTC, a validity period that ends after
// it starts and a non-empty signer list is ErrMalformed. It does not verify the signature: call
// VerifyMaker.
func ParseSeal(der []byte) (*Seal, error) {
	der = bytes.Clone(der)
	var w wireSeal
	if err := unmarshalDER(der, &w, "SESeal"); err != nil {
		return nil, err
	}
	sig, err := octets(w.SignedValue, "SESeal.signedValue")
	if err != nil {
		return nil, err
	}
	if len(w.Cert) == 0 {
		return nil, malformed("SESeal.cert is empty")
	}
	info, err := parseSealInfo(w.SealInfo.FullBytes)
	if err != nil {
		return nil, err
	}
	return &Seal{
		Info:             *info,
		MakerCertificate: w.Cert,
		Algorithm:        w.SignAlgID,
		Signature:        sig,
		Raw:              der,
		TBS:              w.SealInfo.FullBytes,
	}, nil
}

func parseSealInfo(der []byte) (*SealInfo, error) {
	var w wireSealInfo
	if err := unmarshalDER(der, &w, "SES_SealInfo"); err != nil {
		return nil, err
	}
	if w.Header.ID != headerID {
		return nil, malformed("SES_Header.ID is %q, want %q", w.Header.ID, headerID)
	}
	if w.Header.Version != Version {
		return nil, malformed("SES_Header.version is %d, want %d", w.Header.Version, Version)
	}
	p, pic := &w.Property, &w.Picture
	info := &SealInfo{
		ID:          w.ESID,
		Vendor:      w.Header.Vid,
		Type:        p.Type,
		Name:        p.Name,
		PictureType: pic.Type,
		Picture:     pic.Data,
		WidthMM:     pic.Width,
		HeightMM:    pic.Height,
		Extensions:  fromWireExtensions(w.ExtDatas),
	}
	if info.ID == "" {
		return nil, malformed("esID is empty")
	}
	if info.PictureType == "" || len(info.Picture) == 0 || info.WidthMM <= 0 || info.HeightMM <= 0 {
		return nil, malformed("picture: type %q, %d bytes, %d×%d mm", info.PictureType, len(info.Picture), info.WidthMM, info.HeightMM)
	}
	if !p.CertList.IsCompound || p.CertList.Class != asn1.ClassUniversal || p.CertList.Tag != asn1.TagSequence {
		return nil, malformed("certList is not a SEQUENCE")
	}
	switch p.CertListType {
	case CertListCertificates:
		if err := unmarshalDER(p.CertList.FullBytes, &info.Certificates, "certs"); err != nil {
			return nil, err
		}
	case CertListDigests:
		var ds []wireCertDigest
		if err := unmarshalDER(p.CertList.FullBytes, &ds, "certDigestList"); err != nil {
			return nil, err
		}
		for _, d := range ds {
			info.CertDigests = append(info.CertDigests, CertDigest{Type: d.Type, Value: d.Value})
		}
	default:
		return nil, malformed("certListType is %d, want 1 or 2", p.CertListType)
	}
	if len(info.Certificates) == 0 && len(info.CertDigests) == 0 {
		return nil, malformed("certList is empty")
	}
	var err error
	if info.Created, err = parseTime(p.CreateDate, "createDate"); err != nil {
		return nil, err
	}
	if info.ValidFrom, err = parseTime(p.ValidStart, "validStart"); err != nil {
		return nil, err
	}
	if info.ValidTo, err = parseTime(p.ValidEnd, "validEnd"); err != nil {
		return nil, err
	}
	if !info.ValidTo.After(info.ValidFrom) {
		return nil, malformed("validEnd %s is not after validStart %s", info.ValidTo, info.ValidFrom)
	}
	return info, nil
}

// VerifyMaker verifies the seal maker's SM2 signature over the seal information. It returns
// ErrNotSM2 for another algorithm or key, ErrMalformed when the maker's certificate cannot be
// read, and ErrSealSignature when the signature does not hold. It does not judge the maker's
// certificate (chain, validity, revocation): that is the caller's, with internal/pki.
func (s *Seal) VerifyMaker() error {
	if !s.Algorithm.Equal(OIDSM2WithSM3) {
		return fail(ErrNotSM2, "seal signature algorithm %s", s.Algorithm)
	}
	pub, err := certificateKey(s.MakerCertificate)
	if err != nil {
		return err
	}
	if !verifySM2(pub, s.TBS, s.Signature) {
		return fail(ErrSealSignature, "the maker's signature over SES_SealInfo does not verify")
	}
	return nil
}

// HasSigner reports whether the seal lists certDER among its signers: the certificate itself
// (certListType 1) or its SM3 digest (certListType 2).
func (s *Seal) HasSigner(certDER []byte) bool {
	for _, c := range s.Info.Certificates {
		if bytes.Equal(c, certDER) {
			return true
		}
	}
	var sum []byte
	for _, d := range s.Info.CertDigests {
		if !strings.EqualFold(d.Type, "SM3") && d.Type != OIDSM3.String() {
			continue
		}
		if sum == nil {
			h := sm3.Sum(certDER)
			sum = h[:]
		}
		if bytes.Equal(d.Value, sum) {
			return true
		}
	}
	return false
}

// InForce reports whether t lies in the seal's validity period, both ends included.
func (s *Seal) InForce(t time.Time) bool {
	return !t.Before(s.Info.ValidFrom) && !t.After(s.Info.ValidTo)
}

// isPrintable reports whether s is a non-empty PrintableString.
func isPrintable(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(" '()+,-./:=?", c) >= 0) {
			return false
		}
	}
	return true
}
