package acquirer

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// Two kinds of proof travel between the platform (the merchant) and the acquirer, as with real
// acquirers:
//
//   - The merchant signs each request to the acquirer with its API secret: HMAC-SHA256 over the
//     method, the path with its query, a timestamp, a nonce and the SHA-256 of the body, in
//     the header
//     Authorization: YW-HMAC-SHA256 merchant=<id>,ts=<unix seconds>,nonce=<hex>,sig=<hex>.
//     The acquirer refuses a timestamp more than MaxSkew away and a nonce it has seen.
//   - The acquirer signs each notification and each answer with its Ed25519 key: over the
//     timestamp, a dot and the body, in the header
//     Acquirer-Signature: t=<unix seconds>,kid=<key id>,alg=ed25519,sig=<base64url>.
//     The platform trusts the acquirer's public key (and its key id) only.

// Header names.
const (
	SignatureHeader = "Acquirer-Signature"
	authScheme      = "YW-HMAC-SHA256"
)

// MaxSkew bounds the age (and the lead) of a signed request's or notification's timestamp.
const MaxSkew = 5 * time.Minute

// maxHeader bounds a signature or authorisation header before it is parsed.
const maxHeader = 1024

// Signature is a parsed Acquirer-Signature header.
type Signature struct {
	Time  time.Time
	KeyID string
	Sig   []byte
}

// ParseSignature parses an Acquirer-Signature header. It checks the form only; Verify checks
// the signature.
func ParseSignature(h string) (Signature, error) {
	bad := func() (Signature, error) {
		return Signature{}, errs.E(errs.Unauthenticated, "acquirer.error.signature_malformed")
	}
	if h == "" {
		return Signature{}, errs.E(errs.Unauthenticated, "acquirer.error.signature_missing")
	}
	if len(h) > maxHeader {
		return bad()
	}
	var s Signature
	var haveT, haveAlg bool
	for _, part := range strings.Split(h, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || v == "" {
			return bad()
		}
		switch k {
		case "t":
			if haveT {
				return bad()
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 || n > 1<<40 {
				return bad()
			}
			s.Time, haveT = time.Unix(n, 0).UTC(), true
		case "kid":
			if s.KeyID != "" || len(v) > 64 {
				return bad()
			}
			s.KeyID = v
		case "alg":
			if haveAlg || v != "ed25519" {
				return bad()
			}
			haveAlg = true
		case "sig":
			if s.Sig != nil {
				return bad()
			}
			b, err := base64.RawURLEncoding.DecodeString(v)
			if err != nil || len(b) != ed25519.SignatureSize {
				return bad()
			}
			s.Sig = b
		default:
			return bad()
		}
	}
	if !haveT || !haveAlg || s.KeyID == "" || s.Sig == nil {
		return bad()
	}
	return s, nil
}

// signedMessage is what an Acquirer-Signature signs.
func signedMessage(t time.Time, body []byte) []byte {
	msg := strconv.AppendInt(nil, t.Unix(), 10)
	msg = append(msg, '.')
	return append(msg, body...)
}

// signHeader signs body at t with key and returns the header value.
func signHeader(key ed25519.PrivateKey, kid string, t time.Time, body []byte) string {
	return FormatSignature(t, kid, ed25519.Sign(key, signedMessage(t, body)))
}

// FormatSignature writes an Acquirer-Signature header value.
func FormatSignature(t time.Time, kid string, sig []byte) string {
	return "t=" + strconv.FormatInt(t.Unix(), 10) + ",kid=" + kid + ",alg=ed25519,sig=" + base64.RawURLEncoding.EncodeToString(sig)
}

// Sign signs body at t as the acquirer signs its notifications and answers, and returns the
// Acquirer-Signature header value: for tests of a merchant's callback handling.
func (a *Acquirer) Sign(t time.Time, body []byte) string { return signHeader(a.key, a.kid, t, body) }

// KeyID is the id of an acquirer public key: the first 16 hex digits of its SHA-256.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// VerifySignature checks header over body with pub at now: the key id must be pub's, the time
// within MaxSkew of now, and the signature good. Errors are errs.Unauthenticated.
func VerifySignature(pub ed25519.PublicKey, header string, body []byte, now time.Time) error {
	s, err := ParseSignature(header)
	if err != nil {
		return err
	}
	if s.KeyID != KeyID(pub) {
		return errs.E(errs.Unauthenticated, "acquirer.error.signature_key")
	}
	if d := now.Sub(s.Time); d > MaxSkew || d < -MaxSkew {
		return errs.E(errs.Unauthenticated, "acquirer.error.signature_time")
	}
	if !ed25519.Verify(pub, signedMessage(s.Time, body), s.Sig) {
		return errs.E(errs.Unauthenticated, "acquirer.error.signature_bad")
	}
	return nil
}

// Authorization is a parsed merchant Authorization header.
type Authorization struct {
	Merchant string
	Time     time.Time
	Nonce    string
	Sig      []byte
}

// ParseAuthorization parses a merchant's Authorization header (form only).
func ParseAuthorization(h string) (Authorization, error) {
	bad := func() (Authorization, error) {
		return Authorization{}, errs.E(errs.Unauthenticated, "acquirer.error.auth_malformed")
	}
	if h == "" {
		return Authorization{}, errs.E(errs.Unauthenticated, "acquirer.error.auth_missing")
	}
	scheme, rest, ok := strings.Cut(h, " ")
	if len(h) > maxHeader || !ok || scheme != authScheme {
		return bad()
	}
	var a Authorization
	var haveTS bool
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || v == "" {
			return bad()
		}
		switch k {
		case "merchant":
			if a.Merchant != "" || !merchantID.MatchString(v) {
				return bad()
			}
			a.Merchant = v
		case "ts":
			n, err := strconv.ParseInt(v, 10, 64)
			if haveTS || err != nil || n <= 0 || n > 1<<40 {
				return bad()
			}
			a.Time, haveTS = time.Unix(n, 0).UTC(), true
		case "nonce":
			if a.Nonce != "" || len(v) < 16 || len(v) > 64 || !isHex(v) {
				return bad()
			}
			a.Nonce = v
		case "sig":
			b, err := hex.DecodeString(v)
			if a.Sig != nil || err != nil || len(b) != sha256.Size {
				return bad()
			}
			a.Sig = b
		default:
			return bad()
		}
	}
	if a.Merchant == "" || !haveTS || a.Nonce == "" || a.Sig == nil {
		return bad()
	}
	return a, nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// requestMAC is the HMAC of a merchant request.
func requestMAC(secret []byte, method, pathQuery string, t time.Time, nonce string, body []byte) []byte {
	bodySum := sha256.Sum256(body)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(method + "\n" + pathQuery + "\n" + strconv.FormatInt(t.Unix(), 10) + "\n" + nonce + "\n" +
		hex.EncodeToString(bodySum[:])))
	return m.Sum(nil)
}

// Authorize builds the Authorization header of a merchant's request at t with nonce (16 to 64
// lower-case hex digits, never used twice): pathQuery is the request's path and query as sent.
func Authorize(c Credentials, method, pathQuery string, t time.Time, nonce string, body []byte) string {
	return authScheme + " merchant=" + c.MerchantID + ",ts=" + strconv.FormatInt(t.Unix(), 10) + ",nonce=" + nonce +
		",sig=" + hex.EncodeToString(requestMAC([]byte(c.Secret), method, pathQuery, t, nonce, body))
}
