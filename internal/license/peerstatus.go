package license

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// A peer's licences are verified online against the peer's own word about them: its signed
// status snapshot (Snapshot), which federation fetches from the peer every few minutes and
// which this service checks against the peer's node key from the peer's trust list. The state
// the snapshot lists for a licence (suspended, revoked, superseded) wins; a licence it does not
// list has the state its credential claims (valid until the end of its validity).

// PeerSnapshots gives the latest status snapshots fetched of peer nodes (internal/federation),
// declared here by the consumer.
type PeerSnapshots interface {
	// PeerSnapshot returns the latest status snapshot (YWS1.…) fetched of peer node, as
	// received and unchecked, and when it was fetched. errs.NotFound when none was fetched or
	// node is not an approved peer; another error is a failure of the platform.
	PeerSnapshot(ctx context.Context, node string) (doc []byte, fetchedAt time.Time, err error)
}

// recheckBad is how long a peer's snapshot that did not verify is held as bad before it is
// checked again: its key may be trusted once the peer's newer trust list is imported.
const recheckBad = time.Minute

// peerSnapshot is a peer's snapshot document as checked.
type peerSnapshot struct {
	// doc is the document as last given (PeerSnapshots hands the same bytes while it holds the
	// same document, which then need no hashing), digest its SHA-256.
	doc    []byte
	digest [sha256.Size]byte
	snap   Snapshot
	// listed maps the licences the snapshot lists to their state.
	listed map[string]State
	// err is why the document did not verify (wrapping ErrSnapshot), at checked.
	err     error
	checked time.Time
}

// peerSnapshots caches the peers' checked snapshots by node, each kept while its document is
// the same: a snapshot is verified once, not at every verification.
type peerSnapshots struct {
	mu sync.Mutex
	m  map[string]*peerSnapshot
}

// verifyPeer answers for verified input c of a peer's licence: the state the peer's status
// snapshot lists for it, else the state its credential claims; StatusAsOf says when the
// snapshot was made. Without a snapshot, or with one that does not verify, the claimed state
// and a reason saying so.
func (s *Service) verifyPeer(ctx context.Context, c checked, now time.Time) (VerifyResult, error) {
	claimed := c.claimedState(today(now))
	claimedBecause := func(reason string) VerifyResult {
		if claimed != StateValid {
			reason = reasonOf(claimed)
		}
		return c.result(claimed, reason, now)
	}
	if s.cfg.PeerSnapshots == nil {
		return claimedBecause("license.reason.peer"), nil
	}
	node, _, _ := strings.Cut(c.claims.Issuer, "/")
	ps, err := s.peerSnapshot(ctx, node, now)
	switch {
	case errs.Is(err, errs.NotFound):
		return claimedBecause("license.reason.peer_no_snapshot"), nil
	case errors.Is(err, ErrSnapshot):
		return claimedBecause("license.reason.peer_snapshot_invalid"), nil
	case err != nil:
		return VerifyResult{}, err
	}
	st, listed := ps.listed[c.claims.Subject]
	if !listed {
		st = claimed
	}
	reason := reasonOf(st)
	switch {
	case now.After(ps.snap.NextUpdate):
		reason = "license.reason.peer_snapshot_stale"
	case st == StateValid:
		reason = "license.reason.peer_snapshot"
	}
	r := c.result(st, reason, now)
	asOf := ps.snap.IssuedAt
	r.StatusAsOf = &asOf
	return r, nil
}

// peerSnapshot returns peer node's snapshot, verified: from the cache while the document is
// the same, else checked now. An error wrapping ErrSnapshot says it does not verify; errs.NotFound
// that there is none.
func (s *Service) peerSnapshot(ctx context.Context, node string, now time.Time) (*peerSnapshot, error) {
	doc, _, err := s.cfg.PeerSnapshots.PeerSnapshot(ctx, node)
	if err != nil {
		return nil, err
	}
	c := &s.peerSnaps
	c.mu.Lock()
	held := c.m[node]
	c.mu.Unlock()
	fresh := func(p *peerSnapshot) bool { return p.err == nil || now.Sub(p.checked) < recheckBad }
	if held != nil && sameBytes(held.doc, doc) && fresh(held) {
		return held, held.err
	}
	digest := sha256.Sum256(doc)
	if held != nil && held.digest == digest && fresh(held) {
		return held, held.err
	}
	p := s.checkPeerSnapshot(node, doc)
	p.digest, p.checked = digest, now
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]*peerSnapshot{}
	}
	c.m[node] = p
	c.mu.Unlock()
	return p, p.err
}

// sameBytes reports whether a and b are the same bytes in memory (not merely equal).
func sameBytes(a, b []byte) bool {
	return len(a) == len(b) && len(a) > 0 && &a[0] == &b[0]
}

// checkPeerSnapshot verifies peer node's snapshot doc with the peer's node key: the key its kid
// names among the peers' keys (Config.Peers), owned by node itself, not one of its
// organisations'.
func (s *Service) checkPeerSnapshot(node string, doc []byte) *peerSnapshot {
	p := &peerSnapshot{doc: doc}
	fail := func(format string, args ...any) *peerSnapshot {
		p.err = fmt.Errorf("%w: "+format, append([]any{ErrSnapshot}, args...)...)
		return p
	}
	kid, err := snapshotKeyID(doc)
	if err != nil {
		return fail("%v", err)
	}
	if s.cfg.Peers == nil {
		return fail("no peer keys to check it with")
	}
	k, ok := s.cfg.Peers.TrustedKey(kid)
	if !ok || k.Owner != node {
		return fail("key %q is not the node key of %s", kid, node)
	}
	snap, err := VerifySnapshot(doc, k.Public)
	if err != nil {
		p.err = err
		return p
	}
	if snap.Node != node || snap.KeyID != kid {
		return fail("it is node %s's, not %s's", snap.Node, node)
	}
	p.snap = snap
	p.listed = make(map[string]State, len(snap.Status))
	for _, e := range snap.Status {
		switch e.State {
		case StateSuspended, StateRevoked, StateSuperseded:
			p.listed[e.ID] = e.State
		}
	}
	return p
}

// snapshotKeyID reads the key id a snapshot names, before its signature is checked: only to
// find the key to check it with.
func snapshotKeyID(doc []byte) (string, error) {
	doc = bytes.TrimSpace(doc)
	if !bytes.HasPrefix(doc, []byte(SnapshotPrefix)) {
		return "", fmt.Errorf("does not start with %s", SnapshotPrefix)
	}
	dot := bytes.LastIndexByte(doc, '.')
	if dot <= len(SnapshotPrefix) {
		return "", errors.New("no signature")
	}
	body, err := base64.RawURLEncoding.DecodeString(string(doc[len(SnapshotPrefix):dot]))
	if err != nil {
		return "", fmt.Errorf("content: %v", err)
	}
	var head struct {
		KeyID string `json:"kid"`
	}
	if err := json.Unmarshal(body, &head); err != nil || head.KeyID == "" || len(head.KeyID) > maxKeyID {
		return "", errors.New("no key id")
	}
	return head.KeyID, nil
}
