// Package credential encodes, signs and verifies Yiwang's compact signed credentials and the
// short-lived presentations made of them, with selective disclosure of their fields.
//
// A credential is what an issuer signs about one subject (an e-licence): claims anyone holding
// it may read, and digests of the claims its holder may choose to show or keep back. It is
// written
//
//	YWC1.<base64url(JSON of Claims)>.<base64url(signature)>
//
// where the signature covers the ASCII text before the last dot, made with the key the claims
// name (kid) by the algorithm they name (alg): "SM2" (SM2 with SM3 and the default user ID,
// GB/T 32918) or "ES256" (ECDSA P-256 with SHA-256). A hidden claim travels apart as a
// disclosure, base64url(JSON ["salt","name","value"]), and the credential holds only the
// base64url SHA-256 of that text, so showing one claim reveals nothing of the others.
//
// A presentation is a node's signed statement that the holder shows a credential with some of
// its disclosures, for a stated purpose, until a time:
//
//	YWP1.<base64url(DEFLATE(JSON of Presentation))>.<base64url(signature)>
//
// compressed because it travels in a QR code. Verification checks both signatures against keys
// the verifier trusts (a Resolver: its trust list), the presentation's lifetime, and that every
// disclosure is one of the credential's digests; it says which check failed. Whether the
// subject (the licence) is still valid is the caller's question.
package credential

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/emmansun/gmsm/sm2"
)

// Algorithm names a signature algorithm.
type Algorithm string

// The algorithms credentials are signed with.
const (
	SM2   Algorithm = "SM2"   // SM2 with SM3, default user ID (GB/T 32918, GB/T 35276)
	ES256 Algorithm = "ES256" // ECDSA P-256 with SHA-256
)

// Prefixes of the two encodings; the digit is the format's version.
const (
	CredentialPrefix   = "YWC1."
	PresentationPrefix = "YWP1."
)

// Limits on what the parsers read: a credential of a licence with a few dozen fields is under
// 4 KiB; a presentation must fit a QR code.
const (
	MaxCredential   = 16 << 10
	MaxPresentation = 8 << 10
	// maxInflated bounds a presentation's JSON after decompression (a DEFLATE bomb stops here).
	maxInflated = 32 << 10
	// MaxClaims bounds the public claims and digests of a credential.
	MaxClaims = 200
)

// Claims is what an issuer signs.
type Claims struct {
	Alg   Algorithm `json:"alg"`
	KeyID string    `json:"kid"`
	// Issuer names who signs: the node and the issuing organisation, e.g. "350000/11350000003591514P".
	Issuer string `json:"iss"`
	// Subject is what the credential speaks of: an e-licence identifier.
	Subject string `json:"sub"`
	// IssuedAt is when it was signed (Unix seconds).
	IssuedAt int64 `json:"iat"`
	// Public are the claims anyone holding the credential may read.
	Public map[string]string `json:"pub,omitempty"`
	// Digests are the SHA-256 digests of the hidden claims' disclosures, sorted.
	Digests []string `json:"sd,omitempty"`
}

// A Disclosure is one hidden claim shown: its salt, name and value.
type Disclosure struct {
	Salt, Name, Value string
}

// Encode returns the disclosure's text: base64url of the JSON array [salt, name, value].
func (d Disclosure) Encode() string {
	b, _ := json.Marshal([]string{d.Salt, d.Name, d.Value})
	return base64.RawURLEncoding.EncodeToString(b)
}

// Digest returns the base64url SHA-256 of the disclosure's text, as a credential lists it.
func Digest(encoded string) string {
	sum := sha256.Sum256([]byte(encoded))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// ParseDisclosure decodes a disclosure's text.
func ParseDisclosure(encoded string) (Disclosure, error) {
	b, err := base64.RawURLEncoding.DecodeString(encoded)
	if err != nil {
		return Disclosure{}, fmt.Errorf("disclosure: %w", err)
	}
	var parts []string
	if err := json.Unmarshal(b, &parts); err != nil || len(parts) != 3 {
		return Disclosure{}, errors.New("disclosure: not a [salt, name, value] array")
	}
	if len(parts[0]) < 16 || parts[1] == "" {
		return Disclosure{}, errors.New("disclosure: salt too short or name empty")
	}
	return Disclosure{Salt: parts[0], Name: parts[1], Value: parts[2]}, nil
}

// A Signer signs as one key: keys.Signer, or any crypto.Signer with the key's id.
type Signer interface {
	crypto.Signer
}

// sign signs msg with s by alg.
func sign(s Signer, alg Algorithm, msg []byte) ([]byte, error) {
	switch alg {
	case SM2:
		return s.Sign(rand.Reader, msg, sm2.DefaultSM2SignerOpts)
	case ES256:
		d := sha256.Sum256(msg)
		return s.Sign(rand.Reader, d[:], crypto.SHA256)
	}
	return nil, fmt.Errorf("credential: unknown algorithm %q", alg)
}

// verify checks sig over msg by alg with pub.
func verify(pub crypto.PublicKey, alg Algorithm, msg, sig []byte) bool {
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return false
	}
	switch alg {
	case SM2:
		return sm2.IsSM2PublicKey(k) && sm2.VerifyASN1WithSM2(k, nil, msg, sig)
	case ES256:
		d := sha256.Sum256(msg)
		return k.Curve == elliptic.P256() && ecdsa.VerifyASN1(k, d[:], sig)
	}
	return false
}

// SignBytes signs msg with s by alg, as credentials are signed: for documents of the same trust
// (a node's trust list, a status snapshot).
func SignBytes(s Signer, alg Algorithm, msg []byte) ([]byte, error) { return sign(s, alg, msg) }

// VerifyBytes checks a signature made by SignBytes.
func VerifyBytes(pub crypto.PublicKey, alg Algorithm, msg, sig []byte) bool {
	return verify(pub, alg, msg, sig)
}

// AlgorithmOf returns the algorithm a public key signs with: SM2 for an SM2 key, ES256 for a
// P-256 key.
func AlgorithmOf(pub crypto.PublicKey) (Algorithm, error) {
	k, ok := pub.(*ecdsa.PublicKey)
	switch {
	case ok && sm2.IsSM2PublicKey(k):
		return SM2, nil
	case ok && k.Curve == elliptic.P256():
		return ES256, nil
	}
	return "", fmt.Errorf("credential: no algorithm for a %T key", pub)
}

// NewSalt returns a fresh random salt for a disclosure (128 bits, base64url).
func NewSalt() string {
	b := make([]byte, 16)
	if _, err := io.ReadFull(rand.Reader, b); err != nil {
		panic("credential: no randomness: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// Issue signs a credential with claims c (Alg and KeyID set, Digests left empty) and the
// hidden claims, each given a fresh salt. It returns the credential's text and the
// disclosures of the hidden claims by name; the holder keeps them to show the claims later.
func Issue(s Signer, c Claims, hidden map[string]string) (string, map[string]string, error) {
	if len(c.Public)+len(hidden) > MaxClaims {
		return "", nil, fmt.Errorf("credential: %d claims, more than %d", len(c.Public)+len(hidden), MaxClaims)
	}
	if c.KeyID == "" || c.Subject == "" || c.Issuer == "" {
		return "", nil, errors.New("credential: key id, issuer and subject are required")
	}
	disclosures := make(map[string]string, len(hidden))
	c.Digests = nil
	for name, value := range hidden {
		enc := Disclosure{Salt: NewSalt(), Name: name, Value: value}.Encode()
		disclosures[name] = enc
		c.Digests = append(c.Digests, Digest(enc))
	}
	slices.Sort(c.Digests)
	body, err := json.Marshal(c)
	if err != nil {
		return "", nil, err
	}
	input := CredentialPrefix + base64.RawURLEncoding.EncodeToString(body)
	sig, err := sign(s, c.Alg, []byte(input))
	if err != nil {
		return "", nil, err
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), disclosures, nil
}

// split cuts a compact text into its signed input, payload and signature.
func split(text, prefix string, limit int) (input string, payload, sig []byte, err error) {
	if len(text) > limit {
		return "", nil, nil, fmt.Errorf("%d bytes, more than %d", len(text), limit)
	}
	if !strings.HasPrefix(text, prefix) {
		return "", nil, nil, fmt.Errorf("does not start with %s", prefix)
	}
	dot := strings.LastIndexByte(text, '.')
	if dot <= len(prefix) {
		return "", nil, nil, errors.New("no signature")
	}
	input = text[:dot]
	if payload, err = base64.RawURLEncoding.DecodeString(input[len(prefix):]); err != nil {
		return "", nil, nil, fmt.Errorf("payload: %w", err)
	}
	if sig, err = base64.RawURLEncoding.DecodeString(text[dot+1:]); err != nil || len(sig) == 0 {
		return "", nil, nil, errors.New("signature is not base64url")
	}
	return input, payload, sig, nil
}

// ParseCredential decodes a credential's claims without checking its signature (use Verify).
func ParseCredential(text string) (Claims, error) {
	c, _, _, err := parseCredential(text)
	return c, err
}

func parseCredential(text string) (Claims, string, []byte, error) {
	input, payload, sig, err := split(text, CredentialPrefix, MaxCredential)
	if err != nil {
		return Claims{}, "", nil, &Error{Reason: Malformed, Err: fmt.Errorf("credential: %w", err)}
	}
	var c Claims
	if err := strictJSON(payload, &c); err != nil {
		return Claims{}, "", nil, &Error{Reason: Malformed, Err: fmt.Errorf("credential claims: %w", err)}
	}
	if c.KeyID == "" || c.Subject == "" || c.Issuer == "" || (c.Alg != SM2 && c.Alg != ES256) ||
		len(c.Public)+len(c.Digests) > MaxClaims {
		return Claims{}, "", nil, &Error{Reason: Malformed, Err: errors.New("credential claims incomplete or too many")}
	}
	return c, input, sig, nil
}

// strictJSON decodes one JSON value into v, refusing unknown fields and trailing data.
func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data")
	}
	return nil
}
