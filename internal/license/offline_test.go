package license

import (
	"context"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/keys"
)

func TestVerifyOfflineWith(t *testing.T) {
	eachRig(t, keys.ECDSAP256, func(t *testing.T, r *rig) {
		r.publishAll(t)
		ctx := context.Background()
		s := r.svc
		f := r.verifyFixture(t)
		nodeKey, _, err := s.NodeKey(ctx)
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
		trust, err := snap.Resolver()
		if err != nil {
			t.Fatal(err)
		}
		// A verifier whose trust list lacks Fuzhou's key; and one that knows the node under
		// another snapshot only.
		partial := credential.Keys{}
		for kid, k := range trust {
			if kid != f.valid.KeyID {
				partial[kid] = k
			}
		}
		now := r.clock.Now()
		for _, tc := range []struct {
			name   string
			text   string
			trust  credential.Resolver
			snap   Snapshot
			at     time.Time
			state  State
			reason string
		}{
			{"valid presentation", f.validPresentation, trust, snap, now, StateValid, "license.reason.valid"},
			{"revoked", f.revoked.Credential, trust, snap, now, StateRevoked, "license.reason.revoked"},
			{"suspended", f.suspended.Credential, trust, snap, now, StateSuspended, "license.reason.suspended"},
			{"expired licence", f.expired.Credential, trust, snap, now, StateExpired, "license.reason.expired"},
			{"expired presentation", f.validPresentation, trust, snap, now.Add(2 * time.Hour), StateExpired, "license.reason.presentation_expired"},
			{"key not on the trust list", f.valid.Credential, partial, snap, now, StateNotTrusted, "license.reason.not_trusted"},
			{"no snapshot of the node", f.valid.Credential, trust, Snapshot{}, now, StateValid, "license.reason.no_snapshot"},
			{"no snapshot, revoked unknown", f.revoked.Credential, trust, Snapshot{Node: "330000"}, now, StateValid, "license.reason.no_snapshot"},
			{"no snapshot, expired", f.expired.Credential, trust, Snapshot{}, now, StateExpired, "license.reason.expired"},
			{"identifier", f.valid.ID, trust, snap, now, StateMalformed, "license.reason.identifier_offline"},
			{"junk", "hello", trust, snap, now, StateMalformed, "license.reason.malformed"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res := VerifyOfflineWith(tc.text, tc.trust, tc.snap, tc.at)
				if res.State != tc.state || res.Reason != tc.reason {
					t.Errorf("verify = %s %s, want %s %s", res.State, res.Reason, tc.state, tc.reason)
				}
			})
		}
	})
}
