package ses

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509/pkix"
	"encoding/asn1"

	"github.com/emmansun/gmsm/sm3"
)

// Object identifiers of the time-stamp token's CMS wrapping (RFC 5652, RFC 3161, GM/T 0010).
var (
	oidSignedData    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidSM2SignedData = asn1.ObjectIdentifier{1, 2, 156, 10197, 6, 1, 4, 2, 2}
	oidTSTInfo       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	oidSHA256        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
)

// Only the leading fields are declared: encoding/asn1 ignores the rest of a SEQUENCE (the
// certificates and signer infos, which internal/tsa verifies).
type (
	tokenContentInfo struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue `asn1:"explicit,tag:0"`
	}
	tokenSignedData struct {
		Version          int
		DigestAlgorithms asn1.RawValue
		EncapContentInfo struct {
			EContentType asn1.ObjectIdentifier
			EContent     asn1.RawValue `asn1:"explicit,tag:0"`
		}
	}
	tokenTSTInfo struct {
		Version        int
		Policy         asn1.ObjectIdentifier
		MessageImprint struct {
			HashAlgorithm pkix.AlgorithmIdentifier
			HashedMessage []byte
		}
	}
)

// checkTimestamp checks that token is an RFC 3161 TimeStampToken whose message imprint is the
// SM3 or SHA-256 digest of value. It does not verify the TSA's signature.
func checkTimestamp(token, value []byte) error {
	imprint, alg, err := timestampImprint(token)
	if err != nil {
		return err
	}
	var want []byte
	switch {
	case alg.Equal(OIDSM3):
		d := sm3.Sum(value)
		want = d[:]
	case alg.Equal(oidSHA256):
		d := sha256.Sum256(value)
		want = d[:]
	default:
		return fail(ErrTimestamp, "message imprint algorithm %s", alg)
	}
	if !bytes.Equal(imprint, want) {
		return fail(ErrTimestamp, "the token's message imprint is not the digest of the signature value")
	}
	return nil
}

// timestampImprint digs the message imprint out of a TimeStampToken.
func timestampImprint(token []byte) ([]byte, asn1.ObjectIdentifier, error) {
	var ci tokenContentInfo
	if rest, err := asn1.Unmarshal(token, &ci); err != nil || len(rest) != 0 {
		return nil, nil, fail(ErrTimestamp, "not a DER ContentInfo: %v", err)
	}
	if !ci.ContentType.Equal(oidSignedData) && !ci.ContentType.Equal(oidSM2SignedData) {
		return nil, nil, fail(ErrTimestamp, "content type %s is not SignedData", ci.ContentType)
	}
	var sd tokenSignedData
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil {
		return nil, nil, fail(ErrTimestamp, "SignedData: %v", err)
	}
	if !sd.EncapContentInfo.EContentType.Equal(oidTSTInfo) {
		return nil, nil, fail(ErrTimestamp, "encapsulated content type %s is not TSTInfo", sd.EncapContentInfo.EContentType)
	}
	var content []byte
	if _, err := asn1.Unmarshal(sd.EncapContentInfo.EContent.Bytes, &content); err != nil {
		return nil, nil, fail(ErrTimestamp, "eContent: %v", err)
	}
	var tst tokenTSTInfo
	if _, err := asn1.Unmarshal(content, &tst); err != nil {
		return nil, nil, fail(ErrTimestamp, "TSTInfo: %v", err)
	}
	return tst.MessageImprint.HashedMessage, tst.MessageImprint.HashAlgorithm.Algorithm, nil
}
