package license

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// A status snapshot is what an offline verifier needs of a node: the keys that signed its
// licences and its presentations, and every licence of the node that is not valid. It is
// written
//
//	YWS1.<base64url(JSON of Snapshot)>.<base64url(signature)>
//
// signed by the node key as credentials are signed (the signature covers the ASCII text before
// the last dot); the prefix keeps a snapshot's signature from passing for a credential's or a
// presentation's.
const SnapshotPrefix = "YWS1."

// MaxSnapshot bounds the snapshot VerifySnapshot reads.
const MaxSnapshot = 64 << 20

// Snapshot is a node's signed statement of its licences' status at a time.
type Snapshot struct {
	Node string `json:"node"`
	// KeyID is the node key that signed it.
	KeyID      string    `json:"kid"`
	IssuedAt   time.Time `json:"issued_at"`
	NextUpdate time.Time `json:"next_update"`
	// Keys are the keys that signed the node's licences, and the node key.
	Keys []SnapshotKey `json:"keys"`
	// Status lists every licence of the node that is not valid: suspended, revoked or
	// superseded (expiry a verifier reads from the licence's own validity).
	Status []StatusEntry `json:"status"`
}

// SnapshotKey is a key a snapshot vouches for, as trust lists name keys.
type SnapshotKey struct {
	KeyID string               `json:"kid"`
	Owner string               `json:"owner"`
	Alg   credential.Algorithm `json:"alg"`
	// SPKI is the public key, DER SubjectPublicKeyInfo in standard base64.
	SPKI string `json:"spki"`
}

// StatusEntry is the status of one licence that is not valid, since when.
type StatusEntry struct {
	ID    string    `json:"id"`
	State State     `json:"state"`
	Since time.Time `json:"since"`
}

// Snapshot returns this node's signed status snapshot now (see SnapshotPrefix), valid until
// Config.SnapshotTTL from now. Anyone may have it: it names licences only by identifier.
func (s *Service) Snapshot(ctx context.Context) (_ []byte, err error) {
	defer errs.Wrap(&err, "license.Snapshot")
	sg, err := s.nodeSigner(ctx)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now().UTC().Truncate(time.Second)
	snap := Snapshot{Node: s.cfg.Node, KeyID: sg.Key().ID, IssuedAt: now, NextUpdate: now.Add(s.cfg.SnapshotTTL)}
	var kids []string
	if err := s.db.Select(ctx, &kids, `SELECT DISTINCT key_id FROM licences ORDER BY key_id`); err != nil {
		return nil, err
	}
	node, err := snapshotKey(sg.Key(), s.cfg.Node)
	if err != nil {
		return nil, err
	}
	snap.Keys = append(snap.Keys, node)
	for _, kid := range kids {
		k, err := s.cfg.Keys.Get(systemCtx(ctx), principal.SystemPrincipal, kid)
		if err != nil {
			return nil, err
		}
		owner, ok := s.ownerOf(ctx, k)
		if !ok {
			continue
		}
		sk, err := snapshotKey(k, owner)
		if err != nil {
			return nil, err
		}
		snap.Keys = append(snap.Keys, sk)
	}
	var rows []struct {
		ID     string    `db:"id"`
		Status Status    `db:"status"`
		At     time.Time `db:"status_at"`
	}
	if err := s.db.Select(ctx, &rows, `SELECT id, status, status_at FROM licences WHERE status <> 'valid' ORDER BY id`); err != nil {
		return nil, err
	}
	snap.Status = make([]StatusEntry, 0, len(rows))
	for _, r := range rows {
		snap.Status = append(snap.Status, StatusEntry{ID: r.ID, State: State(r.Status), Since: r.At.UTC()})
	}
	body, err := json.Marshal(snap)
	if err != nil {
		return nil, err
	}
	input := SnapshotPrefix + base64.RawURLEncoding.EncodeToString(body)
	sig, err := signText(sg, s.credAlg(), []byte(input))
	if err != nil {
		return nil, err
	}
	return []byte(input + "." + base64.RawURLEncoding.EncodeToString(sig)), nil
}

// snapshotKey describes key k, trusted for owner.
func snapshotKey(k keys.Key, owner string) (SnapshotKey, error) {
	alg, err := credential.AlgorithmOf(k.Public)
	if err != nil {
		return SnapshotKey{}, err
	}
	return SnapshotKey{KeyID: k.ID, Owner: owner, Alg: alg, SPKI: base64.StdEncoding.EncodeToString(k.PublicDER)}, nil
}

// signText signs msg with s by alg, as credentials are signed.
func signText(s crypto.Signer, alg credential.Algorithm, msg []byte) ([]byte, error) {
	switch alg {
	case credential.SM2:
		return s.Sign(rand.Reader, msg, sm2.DefaultSM2SignerOpts)
	case credential.ES256:
		d := sha256.Sum256(msg)
		return s.Sign(rand.Reader, d[:], crypto.SHA256)
	}
	return nil, fmt.Errorf("license: unknown algorithm %q", alg)
}

// verifyText checks sig over msg with pub, by the algorithm pub's kind signs with.
func verifyText(pub crypto.PublicKey, msg, sig []byte) bool {
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return false
	}
	if sm2.IsSM2PublicKey(k) {
		return sm2.VerifyASN1WithSM2(k, nil, msg, sig)
	}
	d := sha256.Sum256(msg)
	return k.Curve == elliptic.P256() && ecdsa.VerifyASN1(k, d[:], sig)
}

// ErrSnapshot is the error of a snapshot that is not one, or not signed by the key given.
var ErrSnapshot = errors.New("license: not a status snapshot signed by the node key")

// VerifySnapshot checks a status snapshot's signature with the node's key (from its trust list)
// and returns its content. An error wraps ErrSnapshot and says what is wrong.
func VerifySnapshot(doc []byte, nodeKey crypto.PublicKey) (Snapshot, error) {
	fail := func(format string, args ...any) (Snapshot, error) {
		return Snapshot{}, fmt.Errorf("%w: "+format, append([]any{ErrSnapshot}, args...)...)
	}
	doc = bytes.TrimSpace(doc)
	if len(doc) > MaxSnapshot {
		return fail("%d bytes, more than %d", len(doc), MaxSnapshot)
	}
	text := string(doc)
	if !strings.HasPrefix(text, SnapshotPrefix) {
		return fail("does not start with %s", SnapshotPrefix)
	}
	dot := strings.LastIndexByte(text, '.')
	if dot <= len(SnapshotPrefix) {
		return fail("no signature")
	}
	sig, err := base64.RawURLEncoding.DecodeString(text[dot+1:])
	if err != nil || len(sig) == 0 {
		return fail("the signature is not base64url")
	}
	if !verifyText(nodeKey, []byte(text[:dot]), sig) {
		return fail("the signature does not match the content and key")
	}
	body, err := base64.RawURLEncoding.DecodeString(text[len(SnapshotPrefix):dot])
	if err != nil {
		return fail("content: %v", err)
	}
	var snap Snapshot
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&snap); err != nil || dec.More() {
		return fail("content is not a snapshot: %v", err)
	}
	if snap.Node == "" || !snap.NextUpdate.After(snap.IssuedAt) {
		return fail("node or times missing")
	}
	return snap, nil
}

// Resolver returns the keys the snapshot vouches for, as a trust list.
func (snap Snapshot) Resolver() (credential.Keys, error) {
	out := credential.Keys{}
	for _, k := range snap.Keys {
		der, err := base64.StdEncoding.DecodeString(k.SPKI)
		if err != nil {
			return nil, fmt.Errorf("snapshot key %s: %w", k.KeyID, err)
		}
		pub, err := smx509.ParsePKIXPublicKey(der)
		if err != nil {
			return nil, fmt.Errorf("snapshot key %s: %w", k.KeyID, err)
		}
		// A snapshot vouches only for its own node's keys.
		if !coversNode(k.Owner, snap.Node) || k.Owner == "" {
			return nil, fmt.Errorf("snapshot key %s signs for %q, not node %s", k.KeyID, k.Owner, snap.Node)
		}
		out[k.KeyID] = credential.TrustedKey{Public: pub, Owner: k.Owner}
	}
	return out, nil
}

// State returns the state the snapshot lists for licence id; ok is false for a licence it does
// not list (valid when the snapshot was made, unless expired since).
func (snap Snapshot) State(id string) (State, bool) {
	for _, e := range snap.Status {
		if e.ID == id {
			return e.State, true
		}
	}
	return "", false
}

// VerifyOffline verifies a credential or presentation at now without the issuer: signatures
// against the keys the snapshot vouches for, the status from its list, expiry from the
// licence's validity. A bare identifier cannot be verified offline (malformed, saying so). A
// snapshot past its next update still answers; the caller should fetch a fresh one.
func VerifyOffline(text string, snap Snapshot, now time.Time) VerifyResult {
	text = strings.TrimSpace(text)
	if len(text) > MaxInput {
		return failed("", nil, now)
	}
	if strings.HasPrefix(text, idcode.LicenceIDPrefix) {
		return VerifyResult{State: StateMalformed, Reason: "license.reason.identifier_offline", Input: InputIdentifier, CheckedAt: now}
	}
	trust, err := snap.Resolver()
	if err != nil {
		return VerifyResult{State: StateNotTrusted, Reason: "license.reason.not_trusted", CheckedAt: now}
	}
	if strings.HasPrefix(text, CopyPrefix) {
		return verifyCopyOffline(text, trust, snap, now) // copies.go
	}
	c, res := checkSignatures(text, trust, now, nil)
	if res.State != "" {
		return res
	}
	st, listed := snap.State(c.claims.Subject)
	if !listed {
		st = c.claimedState(today(now))
	}
	return c.result(st, reasonOf(st), now)
}
