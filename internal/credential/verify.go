package credential

import (
	"bytes"
	"compress/flate"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Reason says why a credential or presentation does not verify.
type Reason string

// The reasons, from the verifier's point of view.
const (
	// Malformed: the text is not a credential or presentation at all (cut short, not ours).
	Malformed Reason = "malformed"
	// NotTrusted: signed by a key the verifier's trust list does not hold, or holds for
	// another issuer.
	NotTrusted Reason = "not_trusted"
	// Forged: a trusted key is named, but the signature does not match the content (changed
	// after signing), or a disclosure is not one the credential lists.
	Forged Reason = "forged"
	// Expired: the presentation's lifetime is over, or it claims to start in the future.
	Expired Reason = "expired"
)

// Error is a failed verification.
type Error struct {
	Reason Reason
	Err    error
}

func (e *Error) Error() string { return fmt.Sprintf("credential %s: %v", e.Reason, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// ReasonOf returns the reason of a verification error, or "" for nil or another error.
func ReasonOf(err error) Reason {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// TrustedKey is a public key a verifier trusts and whom it trusts it for.
type TrustedKey struct {
	Public crypto.PublicKey
	// Owner is the issuer the key signs for: a node ("350000") or an organisation of a node
	// ("350000/11350000003591514P"). A credential's Issuer or a presentation's Presenter must
	// be the owner or, for a node's key, one of its organisations.
	Owner string
}

// covers reports whether a key owned by owner may sign for issuer.
func covers(owner, issuer string) bool {
	return owner != "" && (issuer == owner || strings.HasPrefix(issuer, owner+"/"))
}

// A Resolver finds the keys a verifier trusts by key id (its trust list).
type Resolver interface {
	TrustedKey(kid string) (TrustedKey, bool)
}

// Keys is a Resolver over a map.
type Keys map[string]TrustedKey

// TrustedKey implements Resolver.
func (k Keys) TrustedKey(kid string) (TrustedKey, bool) {
	t, ok := k[kid]
	return t, ok
}

// check verifies sig over input by alg with kid's key, which must sign for issuer.
func check(r Resolver, kid string, alg Algorithm, issuer, input string, sig []byte) error {
	k, err := trusted(r, kid, alg, issuer)
	if err != nil {
		return err
	}
	if !verify(k.Public, alg, []byte(input), sig) {
		return &Error{Reason: Forged, Err: fmt.Errorf("%s signature by %q does not match the content", alg, kid)}
	}
	return nil
}

// trusted returns kid's key if it is trusted, signs for issuer and is an alg key.
func trusted(r Resolver, kid string, alg Algorithm, issuer string) (TrustedKey, error) {
	k, ok := r.TrustedKey(kid)
	if !ok {
		return k, &Error{Reason: NotTrusted, Err: fmt.Errorf("key %q is not on the trust list", kid)}
	}
	if !covers(k.Owner, issuer) {
		return k, &Error{Reason: NotTrusted, Err: fmt.Errorf("key %q signs for %q, not %q", kid, k.Owner, issuer)}
	}
	want, err := AlgorithmOf(k.Public)
	if err != nil || want != alg {
		return k, &Error{Reason: Forged, Err: fmt.Errorf("algorithm %q does not match key %q", alg, kid)}
	}
	return k, nil
}

// Verify checks a credential's signature against the trusted keys and returns its claims.
func Verify(text string, r Resolver) (Claims, error) { return VerifyVouched(text, r, nil) }

// A Voucher says whether the verifier already holds exactly this credential text as genuine,
// for instance because it is the node that issued and stored it: its signature need not be
// checked again. Its key must still be trusted for its issuer. nil vouches for nothing.
type Voucher func(c Claims, text string) bool

// VerifyVouched is Verify, skipping the signature check of a credential that vouched accepts.
func VerifyVouched(text string, r Resolver, vouched Voucher) (Claims, error) {
	c, input, sig, err := parseCredential(text)
	if err != nil {
		return Claims{}, err
	}
	if vouched != nil && vouched(c, text) {
		if _, err := trusted(r, c.KeyID, c.Alg, c.Issuer); err != nil {
			return Claims{}, err
		}
		return c, nil
	}
	if err := check(r, c.KeyID, c.Alg, c.Issuer, input, sig); err != nil {
		return Claims{}, err
	}
	return c, nil
}

// Disclose returns the claims of disclosures that credential c lists, by name. A disclosure it
// does not list, or a name shown twice, is Forged.
func Disclose(c Claims, disclosures []string) (map[string]string, error) {
	out := make(map[string]string, len(disclosures))
	for _, enc := range disclosures {
		if _, found := slices.BinarySearch(c.Digests, Digest(enc)); !found {
			return nil, &Error{Reason: Forged, Err: errors.New("a disclosure is not one the credential lists")}
		}
		d, err := ParseDisclosure(enc)
		if err != nil {
			return nil, &Error{Reason: Malformed, Err: err}
		}
		if _, twice := out[d.Name]; twice {
			return nil, &Error{Reason: Forged, Err: fmt.Errorf("claim %q disclosed twice", d.Name)}
		}
		out[d.Name] = d.Value
	}
	return out, nil
}

// Presentation is a node's signed statement that a holder shows a credential, with chosen
// disclosures, for a purpose, until Expires.
type Presentation struct {
	Alg   Algorithm `json:"alg"`
	KeyID string    `json:"kid"`
	// Presenter is the node that signs on the holder's behalf, e.g. "350000".
	Presenter string `json:"prs"`
	// ID identifies the presentation, so that its uses can be told to the holder.
	ID          string   `json:"jti"`
	Credential  string   `json:"cred"`
	Disclosures []string `json:"disc,omitempty"`
	// Purpose is the stated reason of use (用證事由); Audience the organisation it is for, if
	// the holder named one.
	Purpose  string `json:"purpose"`
	Audience string `json:"aud,omitempty"`
	IssuedAt int64  `json:"iat"`
	Expires  int64  `json:"exp"`
}

// MaxLifetime bounds a presentation's lifetime: a QR code shown at a counter lives minutes.
const MaxLifetime = time.Hour

// clockSkew is how far in the future a presentation's issue time may be.
const clockSkew = 2 * time.Minute

// Present signs presentation p (Alg, KeyID and Presenter set) and returns its text.
func Present(s Signer, p Presentation) (string, error) {
	if p.ID == "" || p.Purpose == "" || p.Credential == "" || p.Expires <= p.IssuedAt ||
		time.Duration(p.Expires-p.IssuedAt)*time.Second > MaxLifetime || len(p.Disclosures) > MaxClaims {
		return "", errors.New("credential: a presentation needs an id, a purpose, a credential, a lifetime of at most an hour and no more than MaxClaims disclosures")
	}
	body, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	var z bytes.Buffer
	w, _ := flate.NewWriter(&z, flate.BestCompression)
	if _, err := w.Write(body); err != nil {
		return "", err
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	input := PresentationPrefix + base64.RawURLEncoding.EncodeToString(z.Bytes())
	if len(input) > MaxPresentation-200 {
		return "", fmt.Errorf("credential: presentation of %d bytes is too long for a QR code: disclose fewer claims", len(input))
	}
	sig, err := sign(s, p.Alg, []byte(input))
	if err != nil {
		return "", err
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// Verified is a presentation that verified.
type Verified struct {
	Presentation Presentation
	Claims       Claims
	// Disclosed are the hidden claims the holder chose to show, by name.
	Disclosed map[string]string
}

// ParsePresentation decodes a presentation without checking anything but its form.
func ParsePresentation(text string) (Presentation, error) {
	p, _, _, err := parsePresentation(text)
	return p, err
}

func parsePresentation(text string) (Presentation, string, []byte, error) {
	text = strings.TrimSpace(text)
	input, payload, sig, err := split(text, PresentationPrefix, MaxPresentation)
	if err != nil {
		return Presentation{}, "", nil, &Error{Reason: Malformed, Err: fmt.Errorf("presentation: %w", err)}
	}
	body, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(payload)), maxInflated+1))
	if err != nil || len(body) > maxInflated {
		return Presentation{}, "", nil, &Error{Reason: Malformed, Err: errors.New("presentation: not compressed JSON, or too long")}
	}
	var p Presentation
	if err := strictJSON(body, &p); err != nil {
		return Presentation{}, "", nil, &Error{Reason: Malformed, Err: fmt.Errorf("presentation: %w", err)}
	}
	if p.ID == "" || p.Purpose == "" || p.Presenter == "" || p.KeyID == "" || len(p.Disclosures) > MaxClaims {
		return Presentation{}, "", nil, &Error{Reason: Malformed, Err: errors.New("presentation: incomplete")}
	}
	return p, input, sig, nil
}

// VerifyPresentation checks a presentation at time now: the presenter's signature, its
// lifetime, the credential's signature, and each disclosure. The error is an *Error naming the
// first check that failed.
func VerifyPresentation(text string, r Resolver, now time.Time) (Verified, error) {
	return VerifyPresentationVouched(text, r, now, nil)
}

// VerifyPresentationVouched is VerifyPresentation, skipping the signature check of the
// credential shown when vouched accepts it (the presenter's signature is always checked).
func VerifyPresentationVouched(text string, r Resolver, now time.Time, vouched Voucher) (Verified, error) {
	p, input, sig, err := parsePresentation(text)
	if err != nil {
		return Verified{}, err
	}
	if err := check(r, p.KeyID, p.Alg, p.Presenter, input, sig); err != nil {
		return Verified{}, err
	}
	c, err := VerifyVouched(p.Credential, r, vouched)
	if err != nil {
		return Verified{}, err
	}
	issued, expires := time.Unix(p.IssuedAt, 0), time.Unix(p.Expires, 0)
	switch {
	case expires.Sub(issued) > MaxLifetime || !expires.After(issued):
		return Verified{}, &Error{Reason: Forged, Err: errors.New("presentation lifetime out of bounds")}
	case issued.After(now.Add(clockSkew)):
		return Verified{}, &Error{Reason: Expired, Err: fmt.Errorf("presentation starts at %s, in the future", issued.UTC().Format(time.RFC3339))}
	case !now.Before(expires):
		return Verified{}, &Error{Reason: Expired, Err: fmt.Errorf("presentation expired at %s", expires.UTC().Format(time.RFC3339))}
	}
	shown, err := Disclose(c, p.Disclosures)
	if err != nil {
		return Verified{}, err
	}
	return Verified{Presentation: p, Claims: c, Disclosed: shown}, nil
}
