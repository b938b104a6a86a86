package identity

import (
	"context"
	"fmt"
	"time"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Idle limits. A session may have an idle limit of its own: a kiosk's, whose person may have
// walked away from a shared screen. Such a session ends once nobody has used it for its limit,
// counted from last_seen_at in the sessions table, so that every node behind a load balancer,
// and a node after a restart, refuses it alike; nothing about it is kept in memory.
//
// Granularity: resolving the session (SessionPrincipal) writes last_seen_at only when the stored
// one is idleRefresh or more old, so that a page view is not a write each time. The stored last
// use thus lags the real one by less than idleRefresh, and the session is refused once
// now − last_seen_at exceeds the limit: it ends between limit − idleRefresh and limit after its
// real last use — possibly a little early, never late.
const (
	idleRefresh = 5 * time.Second
	// MinIdleLimit is the shortest idle limit a session may have, far above idleRefresh so that
	// the granularity stays small beside it.
	MinIdleLimit = 30 * time.Second
)

// idleState is a session's idle limit and last use; both are NULL for a session without a limit.
type idleState struct {
	IdleLimit *int64     `db:"idle_limit_seconds"`
	LastSeen  *time.Time `db:"last_seen_at"`
}

// limited reports whether the session has an idle limit.
func (st idleState) limited() bool { return st.IdleLimit != nil }

// idle reports whether a session in state st has been unused beyond its limit at now. A limit
// without a last use (never written so) counts as idle: the check fails closed.
func (st idleState) idle(now time.Time) bool {
	if !st.limited() {
		return false
	}
	return st.LastSeen == nil || now.Sub(*st.LastSeen) > time.Duration(*st.IdleLimit)*time.Second
}

// due reports whether the session's last use should be written at now.
func (st idleState) due(now time.Time) bool {
	return st.limited() && (st.LastSeen == nil || now.Sub(*st.LastSeen) >= idleRefresh)
}

// checkIdleLimit refuses an idle limit below MinIdleLimit or not in whole seconds.
func checkIdleLimit(d time.Duration) error {
	if d < MinIdleLimit || d%time.Second != 0 {
		return errs.Wrapf(errs.Invalid, fmt.Errorf("idle limit %s: want whole seconds, at least %s", d, MinIdleLimit), "error.invalid")
	}
	return nil
}

// tighterIdle is the tighter of two idle limits, zero meaning none.
func tighterIdle(a, b time.Duration) time.Duration {
	if a == 0 || (b != 0 && b < a) {
		return b
	}
	return a
}

// useSession records that p's session, whose idle state SessionPrincipal read as st, is used
// now. Without an idle limit it does nothing. A session idle beyond its limit is ended as Logout
// ends one (deleted, audited as identity.logout with the reason "idle", in its person's name)
// and refused with errs.Unauthenticated. Otherwise last_seen_at is written when due (at most
// every idleRefresh), so most calls do not write.
func (s *Service) useSession(ctx context.Context, p principal.Principal, st idleState) error {
	now := s.db.Clock().Now()
	if !st.idle(now) && !st.due(now) {
		return nil
	}
	ended := false
	err := s.db.Transact(ctx, func(tx *store.Tx) error {
		ended = false
		// Read again under the transaction: another node may have refreshed or ended it.
		var cur idleState
		err := tx.Get(ctx, &cur, `SELECT idle_limit_seconds, last_seen_at FROM sessions WHERE token_hash = ?`, p.Session)
		if errs.Is(err, errs.NotFound) {
			ended = true
			return nil
		}
		if err != nil {
			return err
		}
		if cur.idle(tx.Now) {
			ended = true
			return endIdleSession(principal.With(ctx, p), tx, p.Session, *cur.IdleLimit)
		}
		if !cur.due(tx.Now) {
			return nil
		}
		_, err = tx.Exec(ctx, `UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?`, tx.Now, p.Session)
		return err
	})
	if err != nil {
		return err
	}
	if ended {
		return errs.E(errs.Unauthenticated, "error.session_expired")
	}
	return nil
}

// endIdleSession deletes the idle session session and audits its end, once: of two nodes that
// find it idle together, only the one that deletes it records the end.
func endIdleSession(ctx context.Context, tx *store.Tx, session string, limit int64) error {
	res, err := tx.Exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, session)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	return audit.Record(ctx, tx, audit.Change{Action: "identity.logout", ObjectType: "session", ObjectID: principal.From(ctx).Login,
		Detail: map[string]any{"reason": "idle", "idle_limit_seconds": limit}})
}

// LimitIdle gives the live session of token an idle limit from now on (see idle.go): a session
// begun elsewhere that is then used at a kiosk. A session that already has this limit or a
// tighter one is left alone without a write, so calling LimitIdle on every request costs one
// read; a session without a limit counts as used now. The change is audited in the name of
// ctx's principal. Returns errs.Unauthenticated if token has no live session, errs.Invalid for
// a limit below MinIdleLimit.
func (s *Service) LimitIdle(ctx context.Context, token string, limit time.Duration) error {
	if err := checkIdleLimit(limit); err != nil {
		return err
	}
	secs := int64(limit / time.Second)
	var cur idleState
	err := s.db.Get(ctx, &cur, `SELECT idle_limit_seconds, last_seen_at FROM sessions WHERE token_hash = ? AND pending_totp = 0`, tokenHash(token))
	if errs.Is(err, errs.NotFound) {
		return errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	if err != nil {
		return err
	}
	if cur.limited() && *cur.IdleLimit <= secs {
		return nil
	}
	return s.db.Transact(ctx, func(tx *store.Tx) error {
		// A session with a longer limit keeps its last use; one without gets its first.
		res, err := tx.Exec(ctx, `UPDATE sessions SET idle_limit_seconds = ?, last_seen_at = COALESCE(last_seen_at, ?)
			WHERE token_hash = ? AND pending_totp = 0 AND expires_at > ? AND (idle_limit_seconds IS NULL OR idle_limit_seconds > ?)`,
			secs, tx.Now, tokenHash(token), tx.Now, secs)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // limited meanwhile, or gone: either way nothing to record
		}
		return audit.Record(ctx, tx, audit.Change{Action: "identity.session.idle_limited", ObjectType: "session",
			ObjectID: principal.From(ctx).Login, Detail: map[string]any{"idle_limit_seconds": secs}})
	})
}

// SessionIdleLimit returns the idle limit of the caller's own login session (ctx's principal,
// principal.Principal.Session), zero if it has none or the caller did not sign in with a
// session.
func (s *Service) SessionIdleLimit(ctx context.Context) (time.Duration, error) {
	p := principal.From(ctx)
	if p.Via != "session" || p.Session == "" {
		return 0, nil
	}
	var limit *int64
	err := s.db.Get(ctx, &limit, `SELECT idle_limit_seconds FROM sessions WHERE token_hash = ? AND account_id = ?`, p.Session, p.AccountID)
	if errs.Is(err, errs.NotFound) {
		return 0, nil
	}
	if err != nil || limit == nil {
		return 0, err
	}
	return time.Duration(*limit) * time.Second, nil
}
