package license

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/keys"
)

func TestSnapshot(t *testing.T) {
	for _, alg := range []keys.Algorithm{keys.SM2, keys.ECDSAP256} {
		t.Run(string(alg), func(t *testing.T) {
			eachRig(t, alg, func(t *testing.T, r *rig) {
				r.publishAll(t)
				testSnapshot(t, r)
			})
		})
	}
}

func testSnapshot(t *testing.T, r *rig) {
	s := r.svc
	ctx := context.Background()
	f := r.verifyFixture(t)
	nodeKey, kid, err := s.NodeKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := VerifySnapshot(doc, nodeKey.Public)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Node != node || snap.KeyID != kid || !snap.IssuedAt.Equal(r.clock.Now().UTC().Truncate(time.Second)) ||
		snap.NextUpdate.Sub(snap.IssuedAt) != 24*time.Hour {
		t.Errorf("snapshot header = %+v", snap)
	}
	owners := map[string]string{}
	for _, k := range snap.Keys {
		owners[k.KeyID] = k.Owner
	}
	wantOwners := map[string]string{kid: node, f.valid.KeyID: node + "/" + creditCodeOf(fzMarket),
		f.superseded.KeyID: node + "/" + creditCodeOf(xmMarket)}
	if diff := cmp.Diff(wantOwners, owners); diff != "" {
		t.Errorf("keys mismatch (-want +got):\n%s", diff)
	}
	got := map[string]State{}
	for _, e := range snap.Status {
		got[e.ID] = e.State
	}
	want := map[string]State{f.suspended.ID: StateSuspended, f.revoked.ID: StateRevoked, f.superseded.ID: StateSuperseded}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("status list mismatch (-want +got):\n%s", diff)
	}

	// Tampering, another key, not a snapshot.
	text := string(doc)
	dot := strings.LastIndexByte(text, '.')
	body, _ := base64.RawURLEncoding.DecodeString(text[len(SnapshotPrefix):dot])
	edited := strings.Replace(string(body), `"state":"revoked"`, `"state":"valid"`, 1)
	forged := SnapshotPrefix + base64.RawURLEncoding.EncodeToString([]byte(edited)) + text[dot:]
	other := otherKey(t, s.credAlg())
	for _, tc := range []struct {
		name string
		doc  string
		key  any
	}{
		{"status changed", forged, nodeKey.Public},
		{"another node's key", text, other.Public()},
		{"an issuer's key", text, mustTrusted(t, s, f.valid.KeyID).Public},
		{"signature cut", text[:len(text)-10], nodeKey.Public},
		{"no signature", text[:dot], nodeKey.Public},
		{"a credential", f.valid.Credential, nodeKey.Public},
		{"empty", "", nodeKey.Public},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := VerifySnapshot([]byte(tc.doc), tc.key); !errors.Is(err, ErrSnapshot) {
				t.Errorf("error = %v, want ErrSnapshot", err)
			}
		})
	}

	// Offline verification from the snapshot alone.
	tampered := reencode(t, f.valid.Credential, func(m map[string]any) { m["sub"] = f.revoked.ID })
	now := r.clock.Now()
	for _, tc := range []struct {
		name   string
		text   string
		state  State
		reason string
	}{
		{"valid presentation", f.validPresentation, StateValid, "license.reason.valid"},
		{"valid credential", f.valid.Credential, StateValid, "license.reason.valid"},
		{"suspended", f.suspended.Credential, StateSuspended, "license.reason.suspended"},
		{"revoked", f.revoked.Credential, StateRevoked, "license.reason.revoked"},
		{"superseded", f.superseded.Credential, StateSuperseded, "license.reason.superseded"},
		{"expired", f.expired.Credential, StateExpired, "license.reason.expired"},
		{"current version", f.current.Credential, StateValid, "license.reason.valid"},
		{"tampered", tampered, StateForged, "license.reason.forged"},
		{"identifier", f.valid.ID, StateMalformed, "license.reason.identifier_offline"},
		{"junk", "YWP1.x.y", StateMalformed, "license.reason.malformed"},
	} {
		t.Run("offline/"+tc.name, func(t *testing.T) {
			res := VerifyOffline(tc.text, snap, now)
			if res.State != tc.state || res.Reason != tc.reason {
				t.Errorf("verify offline = %s %s, want %s %s", res.State, res.Reason, tc.state, tc.reason)
			}
		})
	}
	res := VerifyOffline(f.validPresentation, snap, now)
	if res.Licence == nil || len(res.Licence.Disclosed) != 2 || res.Purpose != "办理食品经营许可延续" {
		t.Errorf("offline presentation shows %+v", res)
	}
	// Another node's snapshot does not vouch for this node's keys.
	foreign := snap
	foreign.Node = "330000"
	if _, err := foreign.Resolver(); err == nil {
		t.Error("a snapshot vouched for another node's keys")
	}
	if res := VerifyOffline(f.valid.Credential, foreign, now); res.State != StateNotTrusted {
		t.Errorf("with another node's snapshot: %s", res.State)
	}

	// After a revocation, the snapshot in hand still says valid; a refreshed one says revoked.
	if _, err := s.Revoke(as(fzApprover), fzApprover, f.valid.ID, "吊销"); err != nil {
		t.Fatal(err)
	}
	if res := VerifyOffline(f.validPresentation, snap, now); res.State != StateValid {
		t.Errorf("old snapshot: %s", res.State)
	}
	doc2, err := s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	snap2, err := VerifySnapshot(doc2, nodeKey.Public)
	if err != nil {
		t.Fatal(err)
	}
	if res := VerifyOffline(f.validPresentation, snap2, now); res.State != StateRevoked {
		t.Errorf("refreshed snapshot: %s", res.State)
	}
	if res, err := s.Verify(ctx, f.validPresentation); err != nil || res.State != StateRevoked {
		t.Errorf("online after revocation: %s, %v", res.State, err)
	}
}

func mustTrusted(t testing.TB, s *Service, kid string) credential.TrustedKey {
	t.Helper()
	k, ok := s.trust.TrustedKey(kid)
	if !ok {
		t.Fatalf("key %s not trusted", kid)
	}
	return k
}
