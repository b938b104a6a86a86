package identity

import (
	"context"
	"errors"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// SessionTTL is how long a login lasts; a login waiting for its TOTP code lasts pendingTTL.
const (
	SessionTTL = 12 * time.Hour
	pendingTTL = 5 * time.Minute
	// totpAttempts wrong TOTP codes end a pending login: the person starts again.
	totpAttempts = 3
)

// Lockout: every lockoutThreshold consecutive failures lock password login for lockoutBase,
// doubling with each further round up to lockoutMax. The lock always ends, and a one-time code
// to the account's phone still signs the owner in (and recovery resets the count), so that a
// stranger guessing passwords can slow the owner down but never lock them out.
const (
	lockoutThreshold = 5
	lockoutBase      = 15 * time.Minute
	lockoutMax       = 2 * time.Hour
)

// Meta describes where a login attempt came from, for the person's login history.
type Meta struct {
	ClientIP  string
	UserAgent string
	// IdleLimit, if not zero, is the idle limit of the session the login opens (see idle.go):
	// a login at a kiosk. It is at least MinIdleLimit; a login with a TOTP step keeps the
	// tighter of its two steps' limits.
	IdleLimit time.Duration
}

// LoginResult is a login that succeeded, or that waits for its second factor.
type LoginResult struct {
	// Token is the session token for the cookie; while NeedTOTP it only admits LoginTOTP.
	Token    string
	Account  Account
	NeedTOTP bool
}

// errCommit carries an error out of a transaction that must still commit: a failed login
// attempt is counted even though the login fails.
type errCommit struct{ err error }

func (e errCommit) Error() string { return e.err.Error() }

// transact runs fn in a transaction; if fn fails with errCommit the transaction commits and the
// wrapped error is returned.
func (s *Service) transact(ctx context.Context, fn func(tx *store.Tx) error) error {
	var kept error
	err := s.db.Transact(ctx, func(tx *store.Tx) error {
		kept = nil
		err := fn(tx)
		var c errCommit
		if errors.As(err, &c) {
			kept = c.err
			return nil
		}
		return err
	})
	if err != nil {
		return err
	}
	return kept
}

var (
	phoneLikeRE = regexp.MustCompile(`^(\+86)?1[3-9][0-9]{9}$`)
	idLikeRE    = regexp.MustCompile(`^[0-9]{17}[0-9Xx]$`)
)

// findLogin resolves what a person typed at the login form — login name, mobile number or
// resident ID number — to an account id.
func findLogin(ctx context.Context, tx *store.Tx, identifier string) (int64, error) {
	identifier = strings.TrimSpace(identifier)
	var id int64
	var err error
	switch {
	case phoneLikeRE.MatchString(identifier):
		p, _ := NormalizePhone(identifier)
		err = tx.Get(ctx, &id, `SELECT id FROM accounts WHERE phone = ?`, p)
	case idLikeRE.MatchString(identifier):
		err = tx.Get(ctx, &id, `SELECT id FROM accounts WHERE id_type = 'resident_id' AND id_number = ?`, strings.ToUpper(identifier))
	default:
		err = tx.Get(ctx, &id, `SELECT id FROM accounts WHERE login = ?`, strings.ToLower(identifier))
	}
	return id, err
}

type secret struct {
	Hash         string     `db:"password_hash"`
	Failed       int        `db:"failed_logins"`
	LockedUntil  *time.Time `db:"locked_until"`
	TOTPSecret   *string    `db:"totp_secret"`
	TOTPEnabled  bool       `db:"totp_enabled"`
	TOTPLastStep int64      `db:"totp_last_step"`
}

func (s *Service) getSecret(ctx context.Context, tx *store.Tx, id int64) (secret, error) {
	var sec secret
	err := tx.Get(ctx, &sec, `SELECT password_hash, failed_logins, locked_until, totp_secret, totp_enabled, totp_last_step FROM accounts WHERE id = ?`, id)
	if err != nil || sec.TOTPSecret == nil {
		return sec, err
	}
	plain, err := s.openTOTP(ctx, id, *sec.TOTPSecret)
	sec.TOTPSecret = &plain
	return sec, err
}

// Login checks a password. Without TOTP it opens a session; with TOTP it returns a pending
// token for LoginTOTP. Every attempt lands in the login history and the audit log; a failure
// says only that login or password is wrong, or that password login is locked for a while.
func (s *Service) Login(ctx context.Context, identifier, password string, m Meta) (res LoginResult, err error) {
	// Hash outside the transaction: argon2id takes tens of milliseconds.
	var id int64
	var sec secret
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		var err error
		if id, err = findLogin(ctx, tx, identifier); err != nil {
			return err
		}
		sec, err = s.getSecret(ctx, tx, id)
		return err
	})
	switch {
	case errs.Is(err, errs.NotFound):
		CheckPassword(dummyHash, password)
		return res, s.transact(ctx, func(tx *store.Tx) error {
			if err := recordLogin(ctx, tx, nil, "password", "unknown_account", m); err != nil {
				return err
			}
			return errCommit{errs.E(errs.Unauthenticated, "error.bad_credentials")}
		})
	case err != nil:
		return res, err
	}
	now := s.db.Clock().Now()
	locked := sec.LockedUntil != nil && now.Before(*sec.LockedUntil)
	ok := false
	if locked {
		CheckPassword(dummyHash, password)
	} else {
		ok = CheckPassword(sec.Hash, password)
	}
	err = s.transact(ctx, func(tx *store.Tx) error {
		a, err := getAccountTx(ctx, tx, id)
		if err != nil {
			return err
		}
		switch {
		case locked:
			if err := recordLogin(ctx, tx, &a, "password", "locked", m); err != nil {
				return err
			}
			mins := int(math.Ceil(sec.LockedUntil.Sub(tx.Now).Minutes()))
			return errCommit{errs.E(errs.Unauthenticated, "identity.error.locked", mins)}
		case !ok || a.Disabled:
			if err := s.countFailure(ctx, tx, a, "password", m); err != nil {
				return err
			}
			return errCommit{errs.E(errs.Unauthenticated, "error.bad_credentials")}
		case sec.TOTPEnabled:
			res.Token, err = openSession(ctx, tx, a.ID, true, m.IdleLimit)
			res.NeedTOTP, res.Account = true, a
			if err != nil {
				return err
			}
			return recordLogin(ctx, tx, &a, "password", "totp_required", m)
		}
		res.Account = a
		res.Token, err = s.succeed(ctx, tx, a, "password", m)
		return err
	})
	if err != nil {
		return LoginResult{}, err
	}
	return res, nil
}

// LoginTOTP completes a login that waits for its TOTP code, returning the session token (a new
// one: the pending token is spent). A wrong code counts as a failed login.
func (s *Service) LoginTOTP(ctx context.Context, pendingToken, code string, m Meta) (res LoginResult, err error) {
	err = s.transact(ctx, func(tx *store.Tx) error {
		var sess struct {
			AccountID int64     `db:"account_id"`
			ExpiresAt time.Time `db:"expires_at"`
			IdleLimit *int64    `db:"idle_limit_seconds"`
		}
		err := tx.Get(ctx, &sess, `SELECT account_id, expires_at, idle_limit_seconds FROM sessions WHERE token_hash = ? AND pending_totp = 1`, tokenHash(pendingToken))
		if errs.Is(err, errs.NotFound) || (err == nil && !tx.Now.Before(sess.ExpiresAt)) {
			return errs.E(errs.Unauthenticated, "identity.error.login_expired")
		}
		if err != nil {
			return err
		}
		a, err := getAccountTx(ctx, tx, sess.AccountID)
		if err != nil {
			return err
		}
		sec, err := s.getSecret(ctx, tx, a.ID)
		if err != nil {
			return err
		}
		// No lock check here: a pending session exists only after a first factor that the lock
		// allowed (a password before the lock, or a one-time code, which the lock never stops).
		// Guessing is bounded by the pending session's own attempts and the account's count.
		step, ok := checkTOTP(sec, code, tx.Now)
		if !ok || a.Disabled {
			if err := s.countFailure(ctx, tx, a, "totp", m); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE sessions SET attempts = attempts + 1 WHERE token_hash = ?`, tokenHash(pendingToken)); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE token_hash = ? AND attempts >= ?`, tokenHash(pendingToken), totpAttempts); err != nil {
				return err
			}
			return errCommit{errs.Field("code", "identity.error.totp_wrong")}
		}
		if _, err := tx.Exec(ctx, `UPDATE accounts SET totp_last_step = ? WHERE id = ?`, step, a.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash(pendingToken)); err != nil {
			return err
		}
		res.Account = a
		// A login that began at a kiosk stays a kiosk's, whatever page completes it.
		if sess.IdleLimit != nil {
			m.IdleLimit = tighterIdle(m.IdleLimit, time.Duration(*sess.IdleLimit)*time.Second)
		}
		res.Token, err = s.succeed(ctx, tx, a, "totp", m)
		return err
	})
	if err != nil {
		return LoginResult{}, err
	}
	return res, nil
}

// LoginWithCode signs in with a one-time code sent to the account's phone (RequestCode with
// PurposeLogin). It works while password login is locked — the code proves the phone — but an
// account with TOTP still needs its TOTP code after it.
func (s *Service) LoginWithCode(ctx context.Context, phone, code string, m Meta) (res LoginResult, err error) {
	if phone, err = NormalizePhone(phone); err != nil {
		return res, err
	}
	err = s.transact(ctx, func(tx *store.Tx) error {
		a, err := accountByPhoneTx(ctx, tx, phone)
		if err != nil {
			return err
		}
		id := a.ID
		if err := s.consumeCode(ctx, tx, &id, phone, PurposeLogin, code); err != nil {
			var c errCommit
			if errors.As(err, &c) {
				if err := recordLogin(ctx, tx, &a, "code", "bad_code", m); err != nil {
					return err
				}
			}
			return err
		}
		if a.Disabled {
			if err := recordLogin(ctx, tx, &a, "code", "disabled", m); err != nil {
				return err
			}
			return errCommit{errs.E(errs.Unauthenticated, "error.bad_credentials")}
		}
		res.Account = a
		if a.TOTPEnabled {
			res.NeedTOTP = true
			res.Token, err = openSession(ctx, tx, a.ID, true, m.IdleLimit)
			if err != nil {
				return err
			}
			return recordLogin(ctx, tx, &a, "code", "totp_required", m)
		}
		res.Token, err = s.succeed(ctx, tx, a, "code", m)
		return err
	})
	if err != nil {
		return LoginResult{}, err
	}
	return res, nil
}

// countFailure counts a failed attempt against a and locks password login when the count
// reaches a multiple of lockoutThreshold.
func (s *Service) countFailure(ctx context.Context, tx *store.Tx, a Account, method string, m Meta) error {
	sec, err := s.getSecret(ctx, tx, a.ID)
	if err != nil {
		return err
	}
	failed := sec.Failed + 1
	var lockedUntil *time.Time
	outcome := "bad_credentials"
	if failed%lockoutThreshold == 0 {
		d := lockoutBase << (failed/lockoutThreshold - 1)
		if d > lockoutMax || d <= 0 {
			d = lockoutMax
		}
		t := tx.Now.Add(d)
		lockedUntil = &t
		outcome = "locked_now"
	} else {
		lockedUntil = sec.LockedUntil
	}
	if _, err := tx.Exec(ctx, `UPDATE accounts SET failed_logins = ?, locked_until = ? WHERE id = ?`, failed, lockedUntil, a.ID); err != nil {
		return err
	}
	if err := recordLogin(ctx, tx, &a, method, outcome, m); err != nil {
		return err
	}
	if outcome == "locked_now" {
		return audit.Record(ctx, tx, audit.Change{Action: "identity.login.locked", ObjectType: "account",
			ObjectID: strconv.FormatInt(a.ID, 10), Detail: map[string]any{"until": lockedUntil.UTC()}})
	}
	return nil
}

// succeed resets the failure count and opens a session for a.
func (s *Service) succeed(ctx context.Context, tx *store.Tx, a Account, method string, m Meta) (string, error) {
	if _, err := tx.Exec(ctx, `UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE id = ?`, a.ID); err != nil {
		return "", err
	}
	token, err := openSession(ctx, tx, a.ID, false, m.IdleLimit)
	if err != nil {
		return "", err
	}
	return token, recordLogin(principal.With(ctx, a.Principal()), tx, &a, method, "success", m)
}

// openSession opens a session for account accountID, pending its TOTP step or not, with idle
// limit idle (none if zero; then last_seen_at is not kept either).
func openSession(ctx context.Context, tx *store.Tx, accountID int64, pending bool, idle time.Duration) (string, error) {
	token := randomToken(32)
	ttl := SessionTTL
	if pending {
		ttl = pendingTTL
	}
	var limit *int64
	var seen *time.Time
	if idle != 0 {
		if err := checkIdleLimit(idle); err != nil {
			return "", err
		}
		secs := int64(idle / time.Second)
		limit, seen = &secs, &tx.Now
	}
	_, err := tx.Exec(ctx, `INSERT INTO sessions (token_hash, account_id, created_at, expires_at, pending_totp, idle_limit_seconds, last_seen_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		tokenHash(token), accountID, tx.Now, tx.Now.Add(ttl), b2i(pending), limit, seen)
	return token, err
}

// recordLogin writes one attempt to the login history and the audit log.
func recordLogin(ctx context.Context, tx *store.Tx, a *Account, method, outcome string, m Meta) error {
	var id *int64
	objectID := "-"
	if a != nil {
		id = &a.ID
		objectID = strconv.FormatInt(a.ID, 10)
	}
	ua := m.UserAgent
	if len(ua) > 300 {
		ua = ua[:300]
	}
	if _, err := tx.Exec(ctx, `INSERT INTO login_history (account_id, method, outcome, client_ip, user_agent, at) VALUES (?, ?, ?, ?, ?, ?)`,
		id, method, outcome, m.ClientIP, ua, tx.Now); err != nil {
		return err
	}
	action := "identity.login.failed"
	switch outcome {
	case "success":
		action = "identity.login.succeeded"
	case "totp_required":
		action = "identity.login.password_ok"
	case "password_reset":
		action = "identity.login.recovered"
	}
	return audit.Record(ctx, tx, audit.Change{Action: action, ObjectType: "account", ObjectID: objectID, Detail: map[string]any{"method": method, "outcome": outcome}})
}

// LoginEvent is one entry of a person's login history.
type LoginEvent struct {
	Method    string    `db:"method" json:"method"`
	Outcome   string    `db:"outcome" json:"outcome"`
	ClientIP  string    `db:"client_ip" json:"client_ip"`
	UserAgent string    `db:"user_agent" json:"user_agent"`
	At        time.Time `db:"at" json:"at"`
}

// LoginHistory lists the signed-in person's own most recent login attempts, newest first.
func (s *Service) LoginHistory(ctx context.Context, limit int) ([]LoginEvent, error) {
	p := principal.From(ctx)
	if err := requireAuthenticated(p); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var list []LoginEvent
	err := s.db.Select(ctx, &list, `SELECT method, outcome, client_ip, user_agent, at FROM login_history
		WHERE account_id = ? ORDER BY at DESC, id DESC LIMIT `+strconv.Itoa(limit), p.AccountID)
	return list, err
}

// SessionPrincipal returns the principal whose live session token is, acting for the enterprise
// the session chose while that authorisation holds. A session with an idle limit that nobody
// used for that long is ended here (see idle.go); one within its limit is recorded as used.
// Returns errs.Unauthenticated for an unknown, pending, expired or idle session.
func (s *Service) SessionPrincipal(ctx context.Context, token string) (principal.Principal, error) {
	if token == "" || len(token) > 100 {
		return principal.Principal{}, errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	var sess struct {
		AccountID int64     `db:"account_id"`
		ExpiresAt time.Time `db:"expires_at"`
		ActingFor *string   `db:"acting_for"`
		idleState
	}
	err := s.db.Get(ctx, &sess, `SELECT account_id, expires_at, acting_for, idle_limit_seconds, last_seen_at
		FROM sessions WHERE token_hash = ? AND pending_totp = 0`, tokenHash(token))
	if errs.Is(err, errs.NotFound) {
		return principal.Principal{}, errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	if err != nil {
		return principal.Principal{}, err
	}
	if !s.db.Clock().Now().Before(sess.ExpiresAt) {
		return principal.Principal{}, errs.E(errs.Unauthenticated, "error.session_expired")
	}
	a, err := s.Account(ctx, sess.AccountID)
	if err != nil {
		return principal.Principal{}, err
	}
	if a.Disabled {
		return principal.Principal{}, errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	p := a.Principal()
	p.Via, p.Session = "session", tokenHash(token)
	if err := s.useSession(ctx, p, sess.idleState); err != nil {
		return principal.Principal{}, err
	}
	if sess.ActingFor != nil {
		if err := s.applyActingFor(ctx, &p, *sess.ActingFor); err != nil {
			return principal.Principal{}, err
		}
	}
	return p, nil
}

// Logout ends the session of token; ending an unknown session is not an error.
func (s *Service) Logout(ctx context.Context, token string) error {
	return s.db.Transact(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash(token))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return audit.Record(ctx, tx, audit.Change{Action: "identity.logout", ObjectType: "session", ObjectID: principal.From(ctx).Login})
	})
}

// accountByPhoneTx returns the account a one-time code to phone would sign in; none is reported
// as an expired code, so that the answer says nothing about which phones have accounts.
func accountByPhoneTx(ctx context.Context, tx *store.Tx, phone string) (Account, error) {
	var id int64
	err := tx.Get(ctx, &id, `SELECT id FROM accounts WHERE phone = ?`, phone)
	if errs.Is(err, errs.NotFound) {
		return Account{}, errs.Field("code", "identity.error.code_expired")
	}
	if err != nil {
		return Account{}, err
	}
	return getAccountTx(ctx, tx, id)
}

// LoginTime returns when login session session (principal.Principal.Session, the hash of its
// cookie) of account accountID began: when its person signed in, after the TOTP step if there
// was one. The OpenID Connect provider reports it as auth_time and checks max_age against it.
// Returns errs.NotFound if there is no such live session (expired, or idle beyond its limit).
func (s *Service) LoginTime(ctx context.Context, accountID int64, session string) (time.Time, error) {
	now := s.db.Clock().Now()
	var sess struct {
		CreatedAt time.Time `db:"created_at"`
		idleState
	}
	err := s.db.Get(ctx, &sess, `SELECT created_at, idle_limit_seconds, last_seen_at FROM sessions
		WHERE token_hash = ? AND account_id = ? AND pending_totp = 0 AND expires_at > ?`, session, accountID, now)
	if err == nil && sess.idle(now) {
		err = errs.E(errs.NotFound, "error.not_found")
	}
	if err != nil {
		return time.Time{}, err
	}
	return sess.CreatedAt.UTC(), nil
}
