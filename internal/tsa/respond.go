package tsa

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"io"
	"math/big"
	"mime"
	"strconv"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// The media types of RFC 3161 §3.4 (time-stamp protocol over HTTP).
const (
	QueryContentType = "application/timestamp-query"
	ReplyContentType = "application/timestamp-reply"
)

// IsQueryContentType reports whether a Content-Type header names a time-stamp query.
func IsQueryContentType(header string) bool {
	mt, _, err := mime.ParseMediaType(header)
	return err == nil && mt == QueryContentType
}

// Hash algorithm identifiers of message imprints.
var (
	oidSHA1   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	// OIDSM3 is the SM3 hash (GM/T 0006); imprints in it are refused, see the package comment.
	OIDSM3 = asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 401}
)

// imprintHashes are the message-imprint algorithms the authority stamps.
var imprintHashes = []struct {
	hash crypto.Hash
	oid  asn1.ObjectIdentifier
	name string
}{
	{crypto.SHA256, oidSHA256, "SHA-256"},
	{crypto.SHA384, oidSHA384, "SHA-384"},
	{crypto.SHA512, oidSHA512, "SHA-512"},
}

func hashOID(h crypto.Hash) (asn1.ObjectIdentifier, string, bool) {
	for _, ih := range imprintHashes {
		if ih.hash == h {
			return ih.oid, ih.name, true
		}
	}
	return nil, "", false
}

func hashOf(oid asn1.ObjectIdentifier) (crypto.Hash, bool) {
	for _, ih := range imprintHashes {
		if ih.oid.Equal(oid) {
			return ih.hash, true
		}
	}
	return 0, false
}

// timeStampReq is RFC 3161 §2.4.1's TimeStampReq.
type timeStampReq struct {
	Version        int
	MessageImprint messageImprint
	ReqPolicy      asn1.ObjectIdentifier `asn1:"optional"`
	Nonce          *big.Int              `asn1:"optional"`
	CertReq        bool                  `asn1:"optional,default:false"`
	Extensions     []pkix.Extension      `asn1:"optional,tag:0"`
}

type messageImprint struct {
	HashAlgorithm pkix.AlgorithmIdentifier
	HashedMessage []byte
}

// PKIStatus values (RFC 3161 §2.4.2).
const (
	statusGranted   = 0
	statusRejection = 2
)

// PKIFailureInfo bit numbers (RFC 3161 §2.4.2).
const (
	failBadAlg              = 0
	failBadRequest          = 2
	failBadDataFormat       = 5
	failUnacceptedPolicy    = 15
	failUnacceptedExtension = 16
	failSystemFailure       = 25
)

type timeStampResp struct {
	Status         pkiStatusInfo
	TimeStampToken asn1.RawValue `asn1:"optional"`
}

type pkiStatusInfo struct {
	Status       int
	StatusString freeText       `asn1:"optional"`
	FailInfo     asn1.BitString `asn1:"optional"`
}

// freeText is a PKIFreeText of one UTF8String (encoding/asn1 cannot marshal a []string as
// UTF8Strings; a SEQUENCE of one field encodes the same).
type freeText struct {
	Text string `asn1:"utf8"`
}

// rejection is a request the authority refuses with a PKIStatus of rejection (RFC 3161 §2.4.2).
type rejection struct {
	fail   int
	reason string
}

// failInfo encodes one PKIFailureInfo bit as a DER named-bit BIT STRING (trailing zero bits
// removed, X.690 §11.2.2).
func failInfo(bit int) asn1.BitString {
	b := make([]byte, bit/8+1)
	b[bit/8] = 0x80 >> (bit % 8)
	return asn1.BitString{Bytes: b, BitLength: bit + 1}
}

func rejectionResponse(r rejection) ([]byte, error) {
	return asn1.Marshal(timeStampResp{Status: pkiStatusInfo{
		Status:       statusRejection,
		StatusString: freeText{r.reason},
		FailInfo:     failInfo(r.fail),
	}})
}

// parsedRequest is a request the authority accepted.
type parsedRequest struct {
	hash    crypto.Hash
	digest  []byte
	nonce   *big.Int
	certReq bool
}

// parseRequest reads a DER TimeStampReq. It returns errs.Invalid for input that is not one, and
// a *rejection for a well-formed request the authority will not honour.
func (a *Authority) parseRequest(der []byte) (*parsedRequest, *rejection, error) {
	var req timeStampReq
	rest, err := asn1.Unmarshal(der, &req)
	if err != nil {
		return nil, nil, errs.Wrapf(errs.Invalid, err, "tsa.error.bad_request")
	}
	if len(rest) > 0 {
		return nil, nil, errs.E(errs.Invalid, "tsa.error.bad_request")
	}
	if req.Version != 1 {
		return nil, &rejection{failBadDataFormat, "unsupported TimeStampReq version " + strconv.Itoa(req.Version) + "; want 1"}, nil
	}
	alg := req.MessageImprint.HashAlgorithm.Algorithm
	h, ok := hashOf(alg)
	switch {
	case ok:
	case alg.Equal(OIDSM3):
		return nil, &rejection{failBadAlg, "SM3 message imprints are not supported by this authority; send a SHA-256, SHA-384 or SHA-512 digest"}, nil
	case alg.Equal(oidSHA1):
		return nil, &rejection{failBadAlg, "SHA-1 is too weak for new time-stamps; send a SHA-256, SHA-384 or SHA-512 digest"}, nil
	default:
		return nil, &rejection{failBadAlg, "unknown hash algorithm " + alg.String() + "; send a SHA-256, SHA-384 or SHA-512 digest"}, nil
	}
	if p := req.MessageImprint.HashAlgorithm.Parameters; len(p.FullBytes) > 0 && !bytes.Equal(p.FullBytes, asn1.NullBytes) {
		return nil, &rejection{failBadDataFormat, "the hash algorithm identifier has parameters; want none or NULL"}, nil
	}
	if len(req.MessageImprint.HashedMessage) != h.Size() {
		return nil, &rejection{failBadDataFormat, "the hashed message is " + strconv.Itoa(len(req.MessageImprint.HashedMessage)) +
			" bytes; its algorithm makes " + strconv.Itoa(h.Size())}, nil
	}
	if len(req.ReqPolicy) > 0 && !req.ReqPolicy.Equal(a.policy) {
		return nil, &rejection{failUnacceptedPolicy, "this authority issues tokens only under policy " + a.policy.String()}, nil
	}
	if len(req.Extensions) > 0 {
		return nil, &rejection{failUnacceptedExtension, "this authority supports no request extensions"}, nil
	}
	if req.Nonce != nil && (req.Nonce.Sign() < 0 || req.Nonce.BitLen() > 512) {
		return nil, &rejection{failBadDataFormat, "the nonce must be a non-negative integer of at most 512 bits"}, nil
	}
	return &parsedRequest{hash: h, digest: req.MessageImprint.HashedMessage, nonce: req.Nonce, certReq: req.CertReq}, nil, nil
}

// Respond answers a DER TimeStampReq with a DER TimeStampResp (RFC 3161 §2.4). A well-formed
// request the authority will not honour — an unsupported hash algorithm such as SM3 or SHA-1, a
// digest of the wrong length, another policy, extensions — gets a response with PKIStatus
// rejection, a PKIFailureInfo and a reason, and no error. Returns errs.Invalid only when the
// input is not a TimeStampReq at all, and errs.Unavailable or an internal error when the
// register cannot be written.
func (a *Authority) Respond(ctx context.Context, requestDER []byte) (_ []byte, err error) {
	defer errs.Wrap(&err, "tsa.Respond")
	req, rej, err := a.parseRequest(requestDER)
	if err != nil {
		return nil, err
	}
	if rej != nil {
		return rejectionResponse(*rej)
	}
	token, err := a.issue(ctx, req)
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(timeStampResp{
		Status:         pkiStatusInfo{Status: statusGranted},
		TimeStampToken: asn1.RawValue{FullBytes: token},
	})
}

// Stamp returns a TimeStampToken (DER ContentInfo) over digest, which hash made, for callers in
// the same process. The token carries the authority's certificate and chain. Returns
// errs.Invalid for an unsupported hash (SHA-256, SHA-384 and SHA-512 are supported) or a digest
// of the wrong length.
func (a *Authority) Stamp(ctx context.Context, hash crypto.Hash, digest []byte) (_ []byte, err error) {
	defer errs.Wrap(&err, "tsa.Stamp")
	if _, _, ok := hashOID(hash); !ok {
		return nil, errs.E(errs.Invalid, "tsa.error.hash_unsupported")
	}
	if len(digest) != hash.Size() {
		return nil, errs.E(errs.Invalid, "tsa.error.digest_length")
	}
	return a.issue(ctx, &parsedRequest{hash: hash, digest: digest, certReq: true})
}

// issue allocates the token's serial, records it and signs the token in one transaction, so a
// token exists only if its register entry does.
func (a *Authority) issue(ctx context.Context, req *parsedRequest) ([]byte, error) {
	_, hashName, _ := hashOID(req.hash)
	var token []byte
	err := a.db.Transact(ctx, func(tx *store.Tx) error {
		genTime := a.clock.Now().UTC().Truncate(1e9)
		serial, err := tx.InsertID(ctx, `INSERT INTO tsa_tokens (hash_algorithm, digest, policy, tsa_certificate, issued_at)
			VALUES (?, ?, ?, ?, ?) RETURNING serial`,
			hashName, hex.EncodeToString(req.digest), a.policy.String(), a.certID, genTime)
		if err != nil {
			return err
		}
		token, err = a.sign(req, big.NewInt(serial), genTime)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{
			Action:     "tsa.stamp",
			ObjectType: "timestamp",
			ObjectID:   strconv.FormatInt(serial, 10),
			Detail:     map[string]any{"hash_algorithm": hashName},
		})
	})
	if err != nil {
		return nil, err
	}
	return token, nil
}

func readAll(r io.Reader) ([]byte, error) { return io.ReadAll(r) }
