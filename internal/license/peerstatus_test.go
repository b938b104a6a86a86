package license

import (
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/keys"
)

// heldSnapshots is what federation holds of the peers' snapshots: a document per node, or an
// error for all.
type heldSnapshots struct {
	mu   sync.Mutex
	docs map[string][]byte
	err  error
}

func (h *heldSnapshots) set(node string, doc []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if doc == nil {
		delete(h.docs, node)
		return
	}
	h.docs[node] = doc
}

func (h *heldSnapshots) PeerSnapshot(_ context.Context, node string) ([]byte, time.Time, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.err != nil {
		return nil, time.Time{}, h.err
	}
	doc, ok := h.docs[node]
	if !ok {
		return nil, time.Time{}, errs.E(errs.NotFound, "federation.error.no_peer_snapshot", node)
	}
	return doc, time.Time{}, nil
}

// countingKeys is a resolver that counts the look-ups of each key id.
type countingKeys struct {
	credential.Keys
	mu sync.Mutex
	n  map[string]int
}

func (c *countingKeys) TrustedKey(kid string) (credential.TrustedKey, bool) {
	c.mu.Lock()
	c.n[kid]++
	c.mu.Unlock()
	return c.Keys.TrustedKey(kid)
}

func (c *countingKeys) count(kid string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[kid]
}

// signSnapshot makes the document of snap signed by k, as a node signs its snapshot.
func signSnapshot(t testing.TB, k crypto.Signer, snap Snapshot) []byte {
	t.Helper()
	body, err := json.Marshal(snap)
	if err != nil {
		t.Fatal(err)
	}
	input := SnapshotPrefix + base64.RawURLEncoding.EncodeToString(body)
	sig, err := signText(k, credential.SM2, []byte(input))
	if err != nil {
		t.Fatal(err)
	}
	return []byte(input + "." + base64.RawURLEncoding.EncodeToString(sig))
}

// A peer's licence takes its state online from the peer's status snapshot, checked with the
// peer's node key: the state it lists wins, else the credential's own; a snapshot past its next
// update still answers, saying so; without a snapshot, or with one that does not verify, the
// credential's own state, saying why.
func TestVerifyPeerSnapshot(t *testing.T) {
	eachRig(t, keys.SM2, func(t *testing.T, r *rig) {
		const zj = "330000"
		nodeKey, orgKey, stranger := otherKey(t, credential.SM2), otherKey(t, credential.SM2), otherKey(t, credential.SM2)
		zjIssuer := idcode.NewCreditCode('1', '1', zj, "00002233")
		peers := &countingKeys{n: map[string]int{}, Keys: credential.Keys{
			"zj-node":    {Public: nodeKey.Public(), Owner: zj},
			"zj-license": {Public: orgKey.Public(), Owner: zj + "/" + zjIssuer},
			"sh-node":    {Public: stranger.Public(), Owner: "310000"},
		}}
		held := &heldSnapshots{docs: map[string][]byte{}}
		s, err := New(r.db, Config{Node: node, Keys: r.keys, Ledger: r.ledger, Directory: directory{r.db}, Peers: peers,
			PeerSnapshots: held, Clock: r.clock})
		if err != nil {
			t.Fatal(err)
		}
		now := r.clock.Now().UTC().Truncate(time.Second)
		licence := func(serial, until string) (id, text string) {
			id = idcode.LicenceID{TypeCode: foodTypeCode, IssuerCode: zjIssuer, Serial: serial, Version: "001"}.String()
			text, _, err := credential.Issue(orgKey, credential.Claims{Alg: credential.SM2, KeyID: "zj-license",
				Issuer: zj + "/" + zjIssuer, Subject: id, IssuedAt: now.Unix(),
				Public: map[string]string{ClaimValidUntil: until, ClaimTypeName: "食品经营许可证"}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			return id, text
		}
		_, valid := licence("330001", "2099-01-01")
		revokedID, revoked := licence("330002", "2099-01-01")
		suspendedID, suspended := licence("330003", "2099-01-01")
		oddID, odd := licence("330004", "2099-01-01")
		_, expired := licence("330005", "2020-01-01")
		issued := now.Add(-time.Minute)
		snapshot := func(edit func(*Snapshot)) Snapshot {
			sn := Snapshot{Node: zj, KeyID: "zj-node", IssuedAt: issued, NextUpdate: now.Add(24 * time.Hour),
				Keys: []SnapshotKey{}, Status: []StatusEntry{{ID: revokedID, State: StateRevoked, Since: issued},
					{ID: suspendedID, State: StateSuspended, Since: issued}, {ID: oddID, State: StateForged, Since: issued}}}
			if edit != nil {
				edit(&sn)
			}
			return sn
		}
		good := signSnapshot(t, nodeKey, snapshot(nil))
		tampered := append([]byte{}, good...)
		tampered[len(SnapshotPrefix)+3] ^= 1
		for _, tc := range []struct {
			name   string
			doc    []byte // nil: none held
			text   string
			state  State
			reason string
			asOf   bool
		}{
			{"no snapshot", nil, valid, StateValid, "license.reason.peer_no_snapshot", false},
			{"no snapshot, expired", nil, expired, StateExpired, "license.reason.expired", false},
			{"not listed", good, valid, StateValid, "license.reason.peer_snapshot", true},
			{"listed revoked", good, revoked, StateRevoked, "license.reason.revoked", true},
			{"listed suspended", good, suspended, StateSuspended, "license.reason.suspended", true},
			{"listed in a state a snapshot cannot give", good, odd, StateValid, "license.reason.peer_snapshot", true},
			{"not listed, expired", good, expired, StateExpired, "license.reason.expired", true},
			{"stale", signSnapshot(t, nodeKey, snapshot(func(sn *Snapshot) {
				sn.IssuedAt, sn.NextUpdate = now.Add(-48*time.Hour), now.Add(-time.Hour)
			})), revoked, StateRevoked, "license.reason.peer_snapshot_stale", true},
			{"signed by an issuer's key, not the node key", signSnapshot(t, orgKey, snapshot(func(sn *Snapshot) { sn.KeyID = "zj-license" })),
				revoked, StateValid, "license.reason.peer_snapshot_invalid", false},
			{"signed by another node's key", signSnapshot(t, stranger, snapshot(func(sn *Snapshot) { sn.KeyID = "sh-node" })),
				revoked, StateValid, "license.reason.peer_snapshot_invalid", false},
			{"another node's snapshot under the peer's key", signSnapshot(t, nodeKey, snapshot(func(sn *Snapshot) { sn.Node = "310000" })),
				revoked, StateValid, "license.reason.peer_snapshot_invalid", false},
			{"a key nobody trusts", signSnapshot(t, stranger, snapshot(func(sn *Snapshot) { sn.KeyID = "rogue" })),
				revoked, StateValid, "license.reason.peer_snapshot_invalid", false},
			{"tampered", tampered, revoked, StateValid, "license.reason.peer_snapshot_invalid", false},
			{"not a snapshot", []byte("YWS1.bm90IGpzb24.c2ln"), revoked, StateValid, "license.reason.peer_snapshot_invalid", false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				held.set(zj, tc.doc)
				res, err := s.Verify(context.Background(), tc.text)
				if err != nil {
					t.Fatal(err)
				}
				if res.State != tc.state || res.Reason != tc.reason {
					t.Errorf("verify = %s %s, want %s %s", res.State, res.Reason, tc.state, tc.reason)
				}
				switch {
				case tc.asOf && (res.StatusAsOf == nil || res.StatusAsOf.After(now)):
					t.Errorf("status as of %v, want the snapshot's time", res.StatusAsOf)
				case !tc.asOf && res.StatusAsOf != nil:
					t.Errorf("status as of %v, want none", res.StatusAsOf)
				}
			})
		}

		// One document is verified once, however often it answers; a new one is verified again.
		held.set(zj, good)
		before := peers.count("zj-node")
		for range 3 {
			if res, err := s.Verify(context.Background(), revoked); err != nil || res.State != StateRevoked ||
				!res.StatusAsOf.Equal(issued) {
				t.Fatalf("verify = %+v, %v", res, err)
			}
		}
		// The same document in other bytes is not verified again either.
		held.set(zj, append([]byte{}, good...))
		if res, err := s.Verify(context.Background(), revoked); err != nil || res.State != StateRevoked {
			t.Fatalf("verify = %+v, %v", res, err)
		}
		if n := peers.count("zj-node") - before; n > 1 {
			t.Errorf("the node key was looked up %d times for one document, want at most once", n)
		}
		reinstated := signSnapshot(t, nodeKey, snapshot(func(sn *Snapshot) { sn.IssuedAt, sn.Status = now, nil }))
		held.set(zj, reinstated)
		if res, err := s.Verify(context.Background(), revoked); err != nil || res.State != StateValid || !res.StatusAsOf.Equal(now) {
			t.Errorf("after a newer snapshot: %+v, %v", res, err)
		}

		// A failure of the platform is the verification's error, not an answer.
		held.err = errors.New("database is closed")
		if _, err := s.Verify(context.Background(), valid); err == nil {
			t.Error("no error when the snapshots cannot be read")
		}
	})
}
