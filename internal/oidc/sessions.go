package oidc

import (
	"context"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// Sessions tells the provider when a person last proved who they are. An ID token's auth_time is
// that moment, and an app's max_age and prompt=login are measured against it.
type Sessions interface {
	// LoginTime returns when the login session session (principal.Principal.Session) of
	// account accountID began: when its person signed in, after the TOTP step if there was one.
	// Returns errs.NotFound if there is no such live session.
	LoginTime(ctx context.Context, accountID int64, session string) (time.Time, error)
}

// maxMaxAge bounds the max_age the provider honours: no login session lasts longer, so a larger
// max_age asks for nothing.
const maxMaxAge = 366 * 24 * time.Hour

// loginBound returns the earliest login that satisfies a request made at now with maxAge
// seconds (prompt=login is max_age=0: a login after the request), and whether there is one.
func loginBound(now time.Time, maxAge *uint) (time.Time, bool) {
	if maxAge == nil || uint64(*maxAge) >= uint64(maxMaxAge/time.Second) {
		return time.Time{}, false
	}
	return now.Add(-time.Duration(*maxAge) * time.Second), true
}

// loginTime returns when the person of p signed in, and whether that is known: only a login
// session says.
func (s *storage) loginTime(ctx context.Context, p principal.Principal) (time.Time, bool, error) {
	if p.Via != "session" || p.Session == "" || p.AccountID == 0 {
		return time.Time{}, false, nil
	}
	at, err := s.sessions.LoginTime(ctx, p.AccountID, p.Session)
	switch {
	case errs.Is(err, errs.NotFound):
		return time.Time{}, false, nil
	case err != nil:
		return time.Time{}, false, err
	}
	return at, true, nil
}

// freshEnough checks that the person of p signed in no earlier than the request r accepts
// (its max_age, or prompt=login), and returns when they did. Returns errs.Unauthenticated when
// they must sign in again (or at all).
func (s *storage) freshEnough(ctx context.Context, r *authRequest, p principal.Principal) (time.Time, error) {
	at, known, err := s.loginTime(ctx, p)
	if err != nil {
		return time.Time{}, err
	}
	if after := r.loginAfter(); !known || after != nil && at.Before(*after) {
		return time.Time{}, errs.E(errs.Unauthenticated, "oidc.error.login_again")
	}
	return at, nil
}
