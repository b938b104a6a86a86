package identity_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// kioskIdle is the idle limit the tests give kiosk sessions.
const kioskIdle = 2 * time.Minute

// lastSeen reads the last use stored for a's only session: nil if none is kept, and whether the
// session exists at all.
func lastSeen(t *testing.T, db *store.DB, a identity.Account) (*time.Time, bool) {
	t.Helper()
	var rows []struct {
		LastSeen *time.Time `db:"last_seen_at"`
	}
	if err := db.Select(context.Background(), &rows, `SELECT last_seen_at FROM sessions WHERE account_id = ?`, a.ID); err != nil {
		t.Fatal(err)
	}
	switch len(rows) {
	case 0:
		return nil, false
	case 1:
		return rows[0].LastSeen, true
	}
	t.Fatalf("%d sessions of %s", len(rows), a.Login)
	return nil, false
}

// auditDetails returns the detail of the audit events with action after id after.
func auditDetails(t *testing.T, db *store.DB, after int64, action string) []string {
	t.Helper()
	var out []string
	if err := db.Select(context.Background(), &out, `SELECT detail FROM audit_events WHERE id > ? AND action = ? ORDER BY id`, after, action); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestIdleLimit: a session with an idle limit (a kiosk's) ends once unused for its limit, counted
// from its stored last use, which is written at most every few seconds; a session without one
// is unaffected.
func TestIdleLimit(t *testing.T) {
	// A use: how long after the previous step it comes, whether the session still serves, and
	// when its stored last use then is (after sign-in; -1: none kept).
	type use struct {
		after time.Duration
		want  errs.Kind
		seen  time.Duration
	}
	for _, tc := range []struct {
		name  string
		limit time.Duration
		uses  []use
		ended bool
	}{
		{name: "used within its limit, the session stays", limit: kioskIdle, uses: []use{
			{100 * time.Second, "", 100 * time.Second},
			{100 * time.Second, "", 200 * time.Second},
			{kioskIdle, "", 200*time.Second + kioskIdle},
		}},
		{name: "idle beyond its limit, the session is refused and ended", limit: kioskIdle, ended: true, uses: []use{
			{time.Minute, "", time.Minute},
			{kioskIdle + time.Second, errs.Unauthenticated, 0},
			{0, errs.Unauthenticated, 0},
		}},
		{name: "uses less than the granularity apart are not written", limit: kioskIdle, uses: []use{
			{4 * time.Second, "", 0},
			{time.Second, "", 5 * time.Second},
			{4 * time.Second, "", 5 * time.Second},
			{4 * time.Second, "", 13 * time.Second},
		}},
		{name: "the granularity may end a session a little early", limit: kioskIdle, ended: true, uses: []use{
			{4 * time.Second, "", 0},
			// 117 s after the last real use, but 121 s after the stored one.
			{kioskIdle - 3*time.Second, errs.Unauthenticated, 0},
		}},
		{name: "never late: a stored use ends the session exactly its limit later", limit: kioskIdle, ended: true, uses: []use{
			{5 * time.Second, "", 5 * time.Second},
			{kioskIdle, "", 5*time.Second + kioskIdle},
			{kioskIdle + time.Microsecond, errs.Unauthenticated, 0},
		}},
		{name: "a normal session is unaffected", uses: []use{
			{time.Hour, "", -1},
			{time.Second, "", -1},
			{identity.SessionTTL - time.Hour - 2*time.Second, "", -1},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			each(t, func(t *testing.T, e *env) {
				a := e.resident(t, "林小明", 1)
				res, err := e.ids.Login(e.anon(), a.Login, password, identity.Meta{IdleLimit: tc.limit})
				if err != nil {
					t.Fatal(err)
				}
				signIn, mark := e.clk.Now(), lastAudit(t, e.db)
				for i, u := range tc.uses {
					e.clk.Advance(u.after)
					p, err := e.ids.SessionPrincipal(e.ctx, res.Token)
					if kind(err) != u.want || (err == nil && p.AccountID != a.ID) {
						t.Fatalf("use %d, %s after sign-in: %+v, %v, want %q", i, e.clk.Now().Sub(signIn), p, err, u.want)
					}
					seen, exists := lastSeen(t, e.db, a)
					switch {
					case u.want != "":
						if exists {
							t.Errorf("use %d: the refused session is still stored", i)
						}
					case u.seen < 0:
						if seen != nil {
							t.Errorf("use %d: a session without a limit has a last use %s", i, seen)
						}
					case seen == nil || !seen.Equal(signIn.Add(u.seen)):
						t.Errorf("use %d: last use %v, want sign-in + %s", i, seen, u.seen)
					}
				}
				var want []string
				if tc.ended {
					want = []string{`{"idle_limit_seconds":120,"reason":"idle"}`}
				}
				if diff := cmp.Diff(want, auditDetails(t, e.db, mark, "identity.logout")); diff != "" {
					t.Errorf("ends audited mismatch (-want +got):\n%s", diff)
				}
				if actions, _ := auditActions(t, e.db, mark); len(actions) != len(want) {
					t.Errorf("audited %v: a use is not a change", actions)
				}
			})
		})
	}
}

// TestLimitIdle: a session begun elsewhere takes an idle limit when it reaches a kiosk; a limit
// only ever tightens, is audited once, and a login with a TOTP step keeps its kiosk's limit.
func TestLimitIdle(t *testing.T) {
	for _, tc := range []struct {
		name    string
		limits  []time.Duration // LimitIdle calls, in order
		want    time.Duration   // the session's limit after them
		audited int
		err     errs.Kind // of the last call
	}{
		{name: "a normal session becomes a kiosk's", limits: []time.Duration{kioskIdle}, want: kioskIdle, audited: 1},
		{name: "the same limit again is no change", limits: []time.Duration{kioskIdle, kioskIdle}, want: kioskIdle, audited: 1},
		{name: "a longer limit does not loosen it", limits: []time.Duration{kioskIdle, time.Hour}, want: kioskIdle, audited: 1},
		{name: "a shorter limit tightens it", limits: []time.Duration{time.Hour, kioskIdle}, want: kioskIdle, audited: 2},
		{name: "too short", limits: []time.Duration{identity.MinIdleLimit - time.Second}, err: errs.Invalid},
		{name: "not whole seconds", limits: []time.Duration{kioskIdle + time.Millisecond}, err: errs.Invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			each(t, func(t *testing.T, e *env) {
				a := e.resident(t, "林小明", 1)
				res, err := e.ids.Login(e.anon(), a.Login, password, identity.Meta{})
				if err != nil {
					t.Fatal(err)
				}
				p, err := e.ids.SessionPrincipal(e.ctx, res.Token)
				if err != nil {
					t.Fatal(err)
				}
				mark := lastAudit(t, e.db)
				for _, l := range tc.limits {
					err = e.ids.LimitIdle(e.asPrincipal(p), res.Token, l)
				}
				if kind(err) != tc.err {
					t.Fatalf("LimitIdle: %v, want %q", err, tc.err)
				}
				got, err := e.ids.SessionIdleLimit(e.asPrincipal(p))
				if err != nil || got != tc.want {
					t.Errorf("SessionIdleLimit = %s, %v, want %s", got, err, tc.want)
				}
				if n := len(auditDetails(t, e.db, mark, "identity.session.idle_limited")); n != tc.audited {
					t.Errorf("%d limits audited, want %d", n, tc.audited)
				}
				if tc.want == 0 {
					return
				}
				// From now on the session ends when left idle; so does the OpenID provider's view.
				e.clk.Advance(tc.want)
				if _, err := e.ids.LoginTime(e.ctx, a.ID, p.Session); err != nil {
					t.Errorf("LoginTime within the limit: %v", err)
				}
				e.clk.Advance(time.Second)
				if _, err := e.ids.LoginTime(e.ctx, a.ID, p.Session); kind(err) != errs.NotFound {
					t.Errorf("LoginTime of an idle session: %v, want not found", err)
				}
				if _, err := e.ids.SessionPrincipal(e.ctx, res.Token); kind(err) != errs.Unauthenticated {
					t.Errorf("idle after LimitIdle: %v, want refused", err)
				}
				if err := e.ids.LimitIdle(e.asPrincipal(p), res.Token, kioskIdle); kind(err) != errs.Unauthenticated {
					t.Errorf("LimitIdle of an ended session: %v, want unauthenticated", err)
				}
			})
		})
	}
	each(t, func(t *testing.T, e *env) {
		// A kiosk's login with a TOTP step: the pending login carries the limit to the session.
		a := e.resident(t, "林小明", 1)
		secret := e.enableTOTP(t, a)
		res, err := e.ids.Login(e.anon(), a.Login, password, identity.Meta{IdleLimit: kioskIdle})
		if err != nil || !res.NeedTOTP {
			t.Fatalf("Login: %+v, %v", res, err)
		}
		e.clk.Advance(30 * time.Second)
		done, err := e.ids.LoginTOTP(e.anon(), res.Token, totpCode(t, secret, e.clk.Now()), identity.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		p, err := e.ids.SessionPrincipal(e.ctx, done.Token)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := e.ids.SessionIdleLimit(e.asPrincipal(p)); err != nil || got != kioskIdle {
			t.Errorf("after the TOTP step: limit %s, %v, want %s", got, err, kioskIdle)
		}
		if _, err := e.ids.Login(e.anon(), a.Login, password, identity.Meta{IdleLimit: time.Second}); kind(err) != errs.Invalid {
			t.Errorf("Login with a 1 s idle limit: %v, want invalid", err)
		}
	})
}

// TestIdleLimitAcrossNodes: two nodes (two connections and two identity services over one
// database) and a node after a restart see the same last use: a session used on one counts as
// used on the other, and one idle on either is refused by all.
func TestIdleLimitAcrossNodes(t *testing.T) {
	for _, tc := range []struct {
		name string
		// The node that signs in, the node that uses the session 100 s later, and the node that
		// then asks again 100 s later (within the limit of the second use, not of the first),
		// then each node in turn after the limit.
		signIn, use, again int
		ask                []int
	}{
		{name: "signed in on one node, idle, refused on the other first", signIn: 0, use: 0, again: 0, ask: []int{1, 0, 2}},
		{name: "used on the other node, its use counts here", signIn: 0, use: 1, again: 0, ask: []int{0, 1, 2}},
		{name: "after a restart, the idle session is refused", signIn: 1, use: 0, again: 1, ask: []int{2, 0, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			each(t, func(t *testing.T, e *env) {
				// Node 2 is a restart: it opens only after the session went idle.
				nodes := []*identity.Service{e.ids, node(t, e, storetest.Reopen(t, e.db, nil)), nil}
				a := e.resident(t, "林小明", 1)
				res, err := nodes[tc.signIn].Login(e.anon(), a.Login, password, identity.Meta{IdleLimit: kioskIdle})
				if err != nil {
					t.Fatal(err)
				}
				mark := lastAudit(t, e.db)
				e.clk.Advance(100 * time.Second)
				if _, err := nodes[tc.use].SessionPrincipal(e.ctx, res.Token); err != nil {
					t.Fatalf("node %d within the limit: %v", tc.use, err)
				}
				e.clk.Advance(100 * time.Second)
				if _, err := nodes[tc.again].SessionPrincipal(e.ctx, res.Token); err != nil {
					t.Fatalf("node %d, 100 s after the use on node %d: %v", tc.again, tc.use, err)
				}
				e.clk.Advance(kioskIdle + time.Second)
				nodes[2] = node(t, e, storetest.Reopen(t, e.db, nil))
				for _, n := range tc.ask {
					if _, err := nodes[n].SessionPrincipal(e.ctx, res.Token); kind(err) != errs.Unauthenticated {
						t.Errorf("node %d after the limit: %v, want refused", n, err)
					}
				}
				if n := len(auditDetails(t, e.db, mark, "identity.logout")); n != 1 {
					t.Errorf("the end audited %d times, want once", n)
				}
			})
		})
	}
	each(t, func(t *testing.T, e *env) {
		// Two nodes finding the same session idle at once end it once.
		other := node(t, e, storetest.Reopen(t, e.db, nil))
		a := e.resident(t, "林小明", 1)
		res, err := e.ids.Login(e.anon(), a.Login, password, identity.Meta{IdleLimit: kioskIdle})
		if err != nil {
			t.Fatal(err)
		}
		mark := lastAudit(t, e.db)
		e.clk.Advance(kioskIdle + time.Second)
		var wg sync.WaitGroup
		got := make([]error, 2)
		for i, ids := range []*identity.Service{e.ids, other} {
			wg.Go(func() { _, got[i] = ids.SessionPrincipal(e.ctx, res.Token) })
		}
		wg.Wait()
		for i, err := range got {
			if kind(err) != errs.Unauthenticated {
				t.Errorf("node %d: %v, want refused", i, err)
			}
		}
		if n := len(auditDetails(t, e.db, mark, "identity.logout")); n != 1 {
			t.Errorf("the end audited %d times, want once", n)
		}
	})
}

// node is another node's identity service over db, a second handle on e's database.
func node(t *testing.T, e *env, db *store.DB) *identity.Service {
	t.Helper()
	ids, err := identity.New(db, identity.Options{Secrets: e.keys})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}
