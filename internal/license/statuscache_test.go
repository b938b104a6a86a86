package license

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// manualTime is a clock for the status cache that moves only when told.
type manualTime struct{ t time.Time }

func (m *manualTime) now() time.Time { return m.t }

// TestStatusFresh: verification answers from a licence's status in memory; a change through
// the same service is seen at once, a change through another instance over the same database
// once the entry is no longer fresh.
func TestStatusFresh(t *testing.T) {
	eachRig(t, keys.SM2, func(t *testing.T, r *rig) {
		r.publishAll(t)
		mt := &manualTime{t: time.Now()}
		r.svc.statuses.now = mt.now
		// Another instance of the platform over the same database.
		other, err := New(r.db, r.svc.cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = other.Close(context.Background()) })
		here := r.issue(t, fzApprover, guideRequest("林小梅", aliceID))
		there := r.issue(t, fzApprover, guideRequest("陈大伟", bobID))
		state := func(l Licence) State {
			t.Helper()
			res, err := r.svc.Verify(context.Background(), l.Credential)
			if err != nil {
				t.Fatal(err)
			}
			return res.State
		}
		for _, l := range []Licence{here, there} {
			if got := state(l); got != StateValid {
				t.Fatalf("%s before any change: %s", l.ID, got)
			}
		}
		if _, err := r.svc.Revoke(as(fzApprover), fzApprover, here.ID, "注销"); err != nil {
			t.Fatal(err)
		}
		if got := state(here); got != StateRevoked {
			t.Errorf("revoked through this service: %s at once, want revoked", got)
		}
		if _, err := other.Suspend(as(fzApprover), fzApprover, there.ID, "调查"); err != nil {
			t.Fatal(err)
		}
		if got := state(there); got != StateValid {
			t.Errorf("suspended through another instance, while fresh: %s, want the remembered valid", got)
		}
		mt.t = mt.t.Add(r.svc.cfg.StatusFresh)
		if got := state(there); got != StateSuspended {
			t.Errorf("suspended through another instance, once stale: %s, want suspended", got)
		}
		// A credential the node does not hold byte for byte is still forged, cached or not.
		forged := reencode(t, here.Credential, func(m map[string]any) { m["iat"] = float64(1) })
		res, err := r.svc.Verify(context.Background(), forged)
		if err != nil || res.State != StateForged {
			t.Errorf("altered credential: %+v, %v; want forged", res, err)
		}
	})
}

// TestUsesWrittenBehind: uses of verified presentations are written behind the answers, shown
// to the holder as soon as they ask, written on Close, and written within the answer when too
// many wait.
func TestUsesWrittenBehind(t *testing.T) {
	eachRig(t, keys.SM2, func(t *testing.T, r *rig) {
		r.publishAll(t)
		l := r.issue(t, fzApprover, foodRequest())
		present := func() string {
			t.Helper()
			text, err := r.svc.Present(as(r.agent), r.agent, l.ID, PresentRequest{Purpose: "查验"})
			if err != nil {
				t.Fatal(err)
			}
			return text
		}
		verifier := official("xm.window", "xm-market-regulation")
		verify := func(text string) {
			t.Helper()
			res, err := r.svc.Verify(principal.With(context.Background(), verifier), text)
			if err != nil || res.State != StateValid {
				t.Fatalf("Verify: %+v, %v", res, err)
			}
		}
		stored := func() int {
			t.Helper()
			var n int
			if err := r.db.Get(context.Background(), &n, `SELECT COUNT(*) FROM licence_uses WHERE licence_id = ? AND kind = 'verified'`, l.ID); err != nil {
				t.Fatal(err)
			}
			return n
		}
		for range 3 {
			verify(present())
		}
		uses, err := r.svc.Uses(as(r.agent), r.agent, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(uses) != 3 || uses[0].ByOrg != "xm-market-regulation" || uses[0].Purpose != "查验" {
			t.Fatalf("uses shown to the holder: %+v, want 3 by xm-market-regulation", uses)
		}
		// Many verifiers at once, while the uses are being written.
		texts := make([]string, 8)
		for i := range texts {
			texts[i] = present()
		}
		var wg sync.WaitGroup
		for _, text := range texts {
			wg.Go(func() {
				res, err := r.svc.Verify(principal.With(context.Background(), verifier), text)
				if err != nil || res.State != StateValid {
					t.Errorf("Verify at once: %+v, %v", res, err)
				}
			})
		}
		wg.Wait()
		if err := r.svc.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n := stored(); n != 11 {
			t.Errorf("after Close, %d uses stored, want 11", n)
		}
		// With no room to wait, the use is written before the answer.
		r.svc.uses.limit = 0
		verify(present())
		if n := stored(); n != 12 {
			t.Errorf("with a full queue, %d uses stored right after the answer, want 12", n)
		}
	})
}
