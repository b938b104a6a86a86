// Package nodecall carries signed, mutually authenticated calls between the nodes of different
// provinces: JSON in, JSON out, over HTTP(S), each side signing with its node key and checking
// the other's against the approved peers' trust lists.
//
// A call is a POST of a JSON body to <peer endpoint><path> with the headers
//
//	Yiwang-From       the caller's node code, e.g. "350000"
//	Yiwang-To         the callee's node code, e.g. "330000"
//	Yiwang-Key        the id of the caller's node key
//	Yiwang-Date       the time of the call, Unix seconds
//	Yiwang-Nonce      128 random bits, 32 lower-case hex digits
//	Yiwang-Signature  base64 of the caller's node key's signature (credential.SignBytes) over
//	                  RequestText: "YWN1-REQ", method, path, from, to, date, nonce and the hex
//	                  SHA-256 of the body, one a line
//
// The callee (Server) accepts it only if From is an approved peer (Peers.Endpoint) whose key
// Yiwang-Key resolves with owner exactly From — an organisation's key ("<node>/<credit code>")
// never speaks for a node — To is this node, the date is within MaxSkew of its clock, the
// signature holds, and the nonce was never seen from that node (table node_call_nonces, pruned
// after the window). Whatever it answers, success or error, it signs with its own node key
// over AnswerText: "YWN1-RES", the request's nonce, the status, callee, caller and the hex
// SHA-256 of the answer, in the headers Yiwang-From, Yiwang-Key and Yiwang-Signature. The
// caller (Client) takes no answer whose signature does not verify under the callee's node key
// (owner exactly the callee), so each side knows whom it talks to. Failed authentication is a
// 401; other errors map from their errs kind to the status as internal/httpserver does, with
// the body {"error":{"kind","message","field"}}, the message in the caller's language
// (WithLanguage), and come back from Client.Call as an errs error carrying an *AnswerError.
package nodecall

import (
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/i18n"
)

// The headers of a call and of its answer.
const (
	HeaderFrom      = "Yiwang-From"
	HeaderTo        = "Yiwang-To"
	HeaderKey       = "Yiwang-Key"
	HeaderDate      = "Yiwang-Date"
	HeaderNonce     = "Yiwang-Nonce"
	HeaderSignature = "Yiwang-Signature"
)

// Prefixes of the signed texts: a request's signature can never pass for an answer's, nor
// either for a credential's or a trust list's.
const (
	requestPrefix = "YWN1-REQ"
	answerPrefix  = "YWN1-RES"
)

// Limits.
const (
	// MaxSkew is how far a call's date may be from the callee's clock.
	MaxSkew = 5 * time.Minute
	// MaxBody bounds a call's body and MaxAnswer an answer's, by default.
	MaxBody   = 1 << 20
	MaxAnswer = 4 << 20
	// maxKeyID bounds a key id; maxSignature a signature (SM2 and P-256 ASN.1 are ~72 bytes).
	maxKeyID     = 128
	maxSignature = 512
	// nonceLen is the hex length of a nonce.
	nonceLen = 32
)

// Identity is this node as it signs: its code, the id and algorithm of its node key, and the key.
type Identity struct {
	Node   string
	KeyID  string
	Alg    credential.Algorithm
	Signer crypto.Signer
}

// Peers are the nodes this node trusts (internal/app implements it over the federation
// service). Its TrustedKey resolves the keys of approved peers' current trust lists only.
type Peers interface {
	credential.Resolver
	// Endpoint returns the base URL of approved peer node; errs.NotFound for a node that is not
	// an approved peer.
	Endpoint(ctx context.Context, node string) (string, error)
}

// RequestText is what a caller signs: the prefix, method, path, from, to, date, nonce and the hex
// SHA-256 of the body, one a line.
func RequestText(method, path, from, to string, date int64, nonce string, body []byte) []byte {
	sum := sha256.Sum256(body)
	return []byte(strings.Join([]string{requestPrefix, method, path, from, to, strconv.FormatInt(date, 10), nonce,
		hex.EncodeToString(sum[:])}, "\n"))
}

// AnswerText is what a callee signs: the prefix, the request's nonce, the status, the callee,
// the caller and the hex SHA-256 of the answer, one a line.
func AnswerText(nonce string, status int, callee, caller string, body []byte) []byte {
	sum := sha256.Sum256(body)
	return []byte(strings.Join([]string{answerPrefix, nonce, strconv.Itoa(status), callee, caller,
		hex.EncodeToString(sum[:])}, "\n"))
}

// envelope is a call's headers, parsed.
type envelope struct {
	From, To, KeyID string
	Date            int64
	Nonce           string
	Signature       []byte
}

// sealed is an answer's headers, parsed.
type sealed struct {
	From, KeyID string
	Signature   []byte
}

// one returns the single value of header name; errors for none or several.
func one(h http.Header, name string) (string, error) {
	v := h.Values(name)
	if len(v) != 1 {
		return "", fmt.Errorf("header %s: %d values", name, len(v))
	}
	return v[0], nil
}

// parseRequest reads a call's headers.
func parseRequest(h http.Header) (envelope, error) {
	var e envelope
	var err error
	if e.From, err = nodeHeader(h, HeaderFrom); err != nil {
		return envelope{}, err
	}
	if e.To, err = nodeHeader(h, HeaderTo); err != nil {
		return envelope{}, err
	}
	if e.KeyID, err = keyHeader(h); err != nil {
		return envelope{}, err
	}
	date, err := one(h, HeaderDate)
	if err != nil {
		return envelope{}, err
	}
	if date == "" || len(date) > 12 || strings.TrimLeft(date, "0123456789") != "" || (len(date) > 1 && date[0] == '0') {
		return envelope{}, fmt.Errorf("header %s: %q is not Unix seconds", HeaderDate, date)
	}
	if e.Date, err = strconv.ParseInt(date, 10, 64); err != nil {
		return envelope{}, fmt.Errorf("header %s: %w", HeaderDate, err)
	}
	if e.Nonce, err = one(h, HeaderNonce); err != nil {
		return envelope{}, err
	}
	if !validNonce(e.Nonce) {
		return envelope{}, fmt.Errorf("header %s: not %d lower-case hex digits", HeaderNonce, nonceLen)
	}
	if e.Signature, err = signatureHeader(h); err != nil {
		return envelope{}, err
	}
	return e, nil
}

// parseAnswer reads an answer's headers.
func parseAnswer(h http.Header) (sealed, error) {
	var s sealed
	var err error
	if s.From, err = nodeHeader(h, HeaderFrom); err != nil {
		return sealed{}, err
	}
	if s.KeyID, err = keyHeader(h); err != nil {
		return sealed{}, err
	}
	if s.Signature, err = signatureHeader(h); err != nil {
		return sealed{}, err
	}
	return s, nil
}

// nodeHeader reads a node code: six digits (a GB/T 2260 province code).
func nodeHeader(h http.Header, name string) (string, error) {
	v, err := one(h, name)
	if err != nil {
		return "", err
	}
	if !validNode(v) {
		return "", fmt.Errorf("header %s: %q is not a node code", name, v)
	}
	return v, nil
}

// validNode reports whether s is six digits.
func validNode(s string) bool {
	return len(s) == 6 && strings.TrimLeft(s, "0123456789") == ""
}

// keyHeader reads a key id: printable ASCII without spaces, at most maxKeyID bytes.
func keyHeader(h http.Header) (string, error) {
	v, err := one(h, HeaderKey)
	if err != nil {
		return "", err
	}
	if v == "" || len(v) > maxKeyID || strings.ContainsFunc(v, func(r rune) bool { return r <= ' ' || r > '~' }) {
		return "", fmt.Errorf("header %s: not a key id", HeaderKey)
	}
	return v, nil
}

// signatureHeader reads a signature in standard base64.
func signatureHeader(h http.Header) ([]byte, error) {
	v, err := one(h, HeaderSignature)
	if err != nil {
		return nil, err
	}
	if v == "" || len(v) > base64.StdEncoding.EncodedLen(maxSignature) {
		return nil, fmt.Errorf("header %s: empty or too long", HeaderSignature)
	}
	sig, err := base64.StdEncoding.Strict().DecodeString(v)
	if err != nil {
		return nil, fmt.Errorf("header %s: %w", HeaderSignature, err)
	}
	return sig, nil
}

// validNonce reports whether s is nonceLen lower-case hex digits.
func validNonce(s string) bool {
	return len(s) == nonceLen && strings.TrimLeft(s, "0123456789abcdef") == ""
}

// validPath accepts a call's path: absolute, of letters, digits and "/_.-", without "..", "//"
// or a query, so that it is the same text on both sides of any proxy.
func validPath(p string) bool {
	if !strings.HasPrefix(p, "/") || len(p) > 256 || strings.Contains(p, "..") || strings.Contains(p, "//") {
		return false
	}
	return !strings.ContainsFunc(p, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/_.-", r))
	})
}

// verifyWith checks sig over msg with the key kid of peers, which must be owner's own key.
func verifyWith(peers credential.Resolver, kid, owner string, msg, sig []byte) error {
	k, ok := peers.TrustedKey(kid)
	if !ok {
		return fmt.Errorf("key %q is on no approved peer's trust list", kid)
	}
	if k.Owner != owner {
		return fmt.Errorf("key %q is %q's, not node %s's", kid, k.Owner, owner)
	}
	alg, err := credential.AlgorithmOf(k.Public)
	if err != nil {
		return err
	}
	if !credential.VerifyBytes(k.Public, alg, msg, sig) {
		return errors.New("the signature does not match")
	}
	return nil
}

// langKey carries the language a caller wants the peer's messages in.
type langKey struct{}

// WithLanguage asks peers to write the messages of their error answers in lang (sent as
// Accept-Language; zh-Hans when absent).
func WithLanguage(ctx context.Context, lang i18n.Lang) context.Context {
	return context.WithValue(ctx, langKey{}, lang)
}

func languageOf(ctx context.Context) (i18n.Lang, bool) {
	l, ok := ctx.Value(langKey{}).(i18n.Lang)
	return l, ok && l != ""
}
