// Package federation lets Yiwang nodes of different provinces trust each other: signed trust
// lists naming each node's licence-issuing keys and licence types, imported after an
// administrator approves the peer, so that a licence of one node verifies at another.
//
// Each node publishes its own trust list (Service.Publish): every organisation's licence keys,
// trusted as "<node>/<credit code>", and the node key, trusted as "<node>", which also signs the
// list; a new version only when the content changed, each version kept and appended to the
// ledger. An administrator of the digital office registers a peer node with the node key that
// signs its lists (pinned, its SHA-256 fingerprint compared out of band) and approves it in a
// second step; only then are the peer's lists imported (Service.Import, Service.Fetch): checked
// under the pinned key, never older than the one held, never for another node, never naming a
// key of this node, every version kept and logged. Service.Resolver trusts the keys of the
// current lists of the approved peers, for licence verification; Service.PeerSnapshot gives it
// each approved peer's latest licence status snapshot, fetched from the status URL its list
// names (Service.RefreshSnapshot, with each list and every few minutes in Service.Run).
package federation

import (
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/idcode"
)

// Limits of what a trust list may hold and what is read of one.
const (
	MaxTrustList = 256 << 10
	MaxKeys      = 2000
	MaxTypes     = 5000
)

// TrustedKey is one key a node vouches for: the key that signs an organisation's licences (its
// owner "<node>/<credit code>") or the node's own (owner "<node>"), which signs presentations
// and status snapshots.
type TrustedKey struct {
	KeyID string               `json:"kid"`
	Owner string               `json:"owner"`
	Alg   credential.Algorithm `json:"alg"`
	// SPKI is the public key, DER SubjectPublicKeyInfo in standard base64.
	SPKI string `json:"spki"`
	// Until is when the key stopped signing, for a retired key kept so that what it signed
	// still verifies; nil for a key in use.
	Until *time.Time `json:"until,omitempty"`
}

// TrustList is what a node publishes about itself.
type TrustList struct {
	// Node is the node's GB/T 2260 province code, e.g. "350000"; Name its name.
	Node string `json:"node"`
	Name string `json:"name"`
	// Version increases with every list the node publishes.
	Version    int64     `json:"version"`
	IssuedAt   time.Time `json:"issued_at"`
	NextUpdate time.Time `json:"next_update"`
	// Endpoint is the node's base URL; StatusURL where its signed status snapshot is.
	Endpoint  string `json:"endpoint"`
	StatusURL string `json:"status_url"`
	// Keys are the keys it vouches for; LicenceTypes the type codes its organisations issue.
	Keys         []TrustedKey `json:"keys"`
	LicenceTypes []string     `json:"licence_types"`
}

// Validate checks a trust list's content: the node code, the endpoint, each key's owner (the node
// or one of its organisations), algorithm and public key, and the licence type codes.
func (l TrustList) Validate() error {
	if err := idcode.ValidateRegionCode(l.Node); err != nil || !strings.HasSuffix(l.Node, "0000") {
		return fmt.Errorf("trust list: node %q is not a province code", l.Node)
	}
	if l.Version <= 0 || l.Name == "" || !l.NextUpdate.After(l.IssuedAt) {
		return errors.New("trust list: version, name or update times missing")
	}
	if err := checkEndpoint(l.Endpoint); err != nil {
		return fmt.Errorf("trust list: %w", err)
	}
	if len(l.Keys) == 0 || len(l.Keys) > MaxKeys || len(l.LicenceTypes) > MaxTypes {
		return fmt.Errorf("trust list: %d keys and %d licence types", len(l.Keys), len(l.LicenceTypes))
	}
	seen := map[string]bool{}
	for _, k := range l.Keys {
		if k.KeyID == "" || seen[k.KeyID] {
			return fmt.Errorf("trust list: key id %q empty or twice", k.KeyID)
		}
		seen[k.KeyID] = true
		if k.Owner != l.Node && !strings.HasPrefix(k.Owner, l.Node+"/") {
			return fmt.Errorf("trust list: key %q of %q, not of node %s", k.KeyID, k.Owner, l.Node)
		}
		if org, ok := strings.CutPrefix(k.Owner, l.Node+"/"); ok {
			if err := idcode.ValidateCreditCode(org); err != nil {
				return fmt.Errorf("trust list: key %q: owner %q is not a credit code", k.KeyID, org)
			}
		}
		pub, err := k.Public()
		if err != nil {
			return fmt.Errorf("trust list: key %q: %w", k.KeyID, err)
		}
		if alg, err := credential.AlgorithmOf(pub); err != nil || alg != k.Alg {
			return fmt.Errorf("trust list: key %q is not a %s key", k.KeyID, k.Alg)
		}
	}
	for _, t := range l.LicenceTypes {
		if err := idcode.ValidateLicenceTypeCode(t); err != nil {
			return fmt.Errorf("trust list: licence type %q: %w", t, err)
		}
	}
	return nil
}

// checkEndpoint accepts a node's base URL: https with a host, or plain http on a loopback
// address with a port (two nodes side by side in tests); no user, query or fragment.
func checkEndpoint(endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" ||
		u.Opaque != "" {
		return fmt.Errorf("endpoint %q is not a base URL", endpoint)
	}
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && u.Port() != "" &&
		(u.Hostname() == "127.0.0.1" || u.Hostname() == "localhost" || u.Hostname() == "::1"):
		return nil
	}
	return fmt.Errorf("endpoint %q is not https (plain http only on loopback)", endpoint)
}

// Public decodes the key.
func (k TrustedKey) Public() (crypto.PublicKey, error) {
	der, err := base64.StdEncoding.DecodeString(k.SPKI)
	if err != nil {
		return nil, fmt.Errorf("public key is not base64: %w", err)
	}
	return smx509.ParsePKIXPublicKey(der)
}

// NewTrustedKey describes pub under kid for owner.
func NewTrustedKey(kid, owner string, pub crypto.PublicKey) (TrustedKey, error) {
	alg, err := credential.AlgorithmOf(pub)
	if err != nil {
		return TrustedKey{}, err
	}
	der, err := smx509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return TrustedKey{}, err
	}
	return TrustedKey{KeyID: kid, Owner: owner, Alg: alg, SPKI: base64.StdEncoding.EncodeToString(der)}, nil
}

// Signed is a trust list as published: its JSON and the node key's signature over it.
type Signed struct {
	Body      []byte               `json:"body"` // the TrustList's JSON (base64 in this envelope)
	Alg       credential.Algorithm `json:"alg"`
	KeyID     string               `json:"kid"`
	Signature []byte               `json:"sig"`
}

// Sign validates l and signs it with the node's key (kid).
func Sign(l TrustList, kid string, alg credential.Algorithm, s crypto.Signer) ([]byte, error) {
	if err := l.Validate(); err != nil {
		return nil, err
	}
	slices.SortFunc(l.Keys, func(a, b TrustedKey) int { return strings.Compare(a.KeyID, b.KeyID) })
	slices.Sort(l.LicenceTypes)
	body, err := json.Marshal(l)
	if err != nil {
		return nil, err
	}
	sig, err := credential.SignBytes(s, alg, body)
	if err != nil {
		return nil, err
	}
	return json.Marshal(Signed{Body: body, Alg: alg, KeyID: kid, Signature: sig})
}

// ErrSignature is Open's error for a trust list not signed by the pinned key.
var ErrSignature = errors.New("trust list: the signature is not the approved node key's")

// Open checks a published trust list against the node key an administrator approved for the
// peer (pinned) and returns it: the signature, then the content (Validate). It does not judge
// freshness or version order: the importer compares them with what it has.
func Open(published []byte, pinned crypto.PublicKey) (TrustList, error) {
	if len(published) > MaxTrustList {
		return TrustList{}, fmt.Errorf("trust list of %d bytes, more than %d", len(published), MaxTrustList)
	}
	var s Signed
	if err := json.Unmarshal(published, &s); err != nil {
		return TrustList{}, fmt.Errorf("trust list envelope: %w", err)
	}
	if !credential.VerifyBytes(pinned, s.Alg, s.Body, s.Signature) {
		return TrustList{}, ErrSignature
	}
	var l TrustList
	dec := json.NewDecoder(strings.NewReader(string(s.Body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return TrustList{}, fmt.Errorf("trust list: %w", err)
	}
	if dec.More() {
		return TrustList{}, errors.New("trust list: data after the list")
	}
	if err := l.Validate(); err != nil {
		return TrustList{}, err
	}
	return l, nil
}

// Resolver turns trust lists into the keys a verifier trusts (credential.Resolver). A key id
// that two lists name (which a node cannot do to another: each key's owner is its own node) is
// resolved to none.
func Resolver(lists ...TrustList) (credential.Keys, error) {
	keys := credential.Keys{}
	twice := map[string]bool{}
	for _, l := range lists {
		for _, k := range l.Keys {
			pub, err := k.Public()
			if err != nil {
				return nil, err
			}
			if _, dup := keys[k.KeyID]; dup {
				twice[k.KeyID] = true
			}
			keys[k.KeyID] = credential.TrustedKey{Public: pub, Owner: k.Owner}
		}
	}
	for kid := range twice {
		delete(keys, kid)
	}
	return keys, nil
}
