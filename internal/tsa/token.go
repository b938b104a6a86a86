package tsa

import (
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"time"

	"github.com/digitorus/pkcs7"
)

// Object identifiers of the token's structure (RFC 3161, RFC 5035).
var (
	oidTSTInfo              = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	oidSigningCertificateV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
)

// tstInfo is RFC 3161 §2.4.2's TSTInfo. Zero optional fields are left out by encoding/asn1.
type tstInfo struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint messageImprint
	SerialNumber   *big.Int
	GenTime        time.Time        `asn1:"generalized"`
	Accuracy       accuracy         `asn1:"optional"`
	Ordering       bool             `asn1:"optional,default:false"`
	Nonce          *big.Int         `asn1:"optional"`
	TSA            asn1.RawValue    `asn1:"optional,tag:0"`
	Extensions     []pkix.Extension `asn1:"optional,tag:1"`
}

type accuracy struct {
	Seconds int `asn1:"optional"`
	Millis  int `asn1:"optional,tag:0"`
	Micros  int `asn1:"optional,tag:1"`
}

func toAccuracy(d time.Duration) accuracy {
	s := d / time.Second
	ms := (d % time.Second) / time.Millisecond
	us := (d % time.Millisecond) / time.Microsecond
	if s == 0 && ms == 0 && us == 0 {
		us = 1 // below a microsecond: state the smallest accuracy that can be written
	}
	return accuracy{Seconds: int(s), Millis: int(ms), Micros: int(us)}
}

func (a accuracy) duration() time.Duration {
	return time.Duration(a.Seconds)*time.Second + time.Duration(a.Millis)*time.Millisecond +
		time.Duration(a.Micros)*time.Microsecond
}

// signingCertificateV2 is RFC 5035's SigningCertificateV2 with one ESSCertIDv2 (SHA-256, the
// default algorithm, so left out) naming the authority's certificate by issuer and serial.
type signingCertificateV2 struct {
	Certs []essCertIDv2
}

type essCertIDv2 struct {
	CertHash     []byte
	IssuerSerial issuerSerial
}

type issuerSerial struct {
	Issuer []asn1.RawValue // GeneralNames holding one directoryName
	Serial *big.Int
}

// directoryName wraps a DER Name as the GeneralName [4] directoryName (explicit: Name is a
// CHOICE).
func directoryName(rawName []byte) asn1.RawValue {
	return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 4, IsCompound: true, Bytes: rawName}
}

// sign builds and signs the token for req with the given serial and time.
func (a *Authority) sign(req *parsedRequest, serial *big.Int, genTime time.Time) ([]byte, error) {
	oid, _, _ := hashOID(req.hash)
	dirName, err := asn1.Marshal(directoryName(a.cert.RawSubject))
	if err != nil {
		return nil, err
	}
	info, err := asn1.Marshal(tstInfo{
		Version:        1,
		Policy:         a.policy,
		MessageImprint: messageImprint{HashAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oid, Parameters: asn1.NullRawValue}, HashedMessage: req.digest},
		SerialNumber:   serial,
		GenTime:        genTime,
		Accuracy:       toAccuracy(a.accuracy),
		Nonce:          req.nonce,
		TSA:            asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: dirName},
	})
	if err != nil {
		return nil, err
	}
	certHash := sha256.Sum256(a.cert.Raw)
	essAttr, err := asn1.Marshal(signingCertificateV2{Certs: []essCertIDv2{{
		CertHash:     certHash[:],
		IssuerSerial: issuerSerial{Issuer: []asn1.RawValue{directoryName(a.cert.RawIssuer)}, Serial: a.cert.SerialNumber},
	}}})
	if err != nil {
		return nil, err
	}
	sd, err := pkcs7.NewSignedData(info)
	if err != nil {
		return nil, err
	}
	sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
	sd.SetContentType(oidTSTInfo)
	sd.GetSignedData().Version = 3 // RFC 5652 §5.1: eContentType other than id-data
	cfg := pkcs7.SignerInfoConfig{
		ExtraSignedAttributes: []pkcs7.Attribute{{Type: oidSigningCertificateV2, Value: asn1.RawValue{FullBytes: essAttr}}},
		// RFC 3161 §2.4.1: without certReq the certificates field MUST NOT be present.
		SkipCertificates: !req.certReq,
	}
	if len(a.chain) > 0 && req.certReq {
		err = sd.AddSignerChain(a.cert, a.signer, a.chain, cfg)
	} else {
		err = sd.AddSigner(a.cert, a.signer, cfg)
	}
	if err != nil {
		return nil, err
	}
	return sd.Finish()
}

// chainPool returns the authority's chain as a pool of intermediates.
func chainPool(certs []*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}
