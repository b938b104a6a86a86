package identity

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"image/png"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

const (
	totpPeriod = 30
	totpIssuer = "Yiwang 一网"
)

// checkTOTP accepts code for the step before, at or after now (clock drift), but only a step
// later than the last one used, so that an observed code cannot be replayed.
func checkTOTP(sec secret, code string, now time.Time) (int64, bool) {
	if sec.TOTPSecret == nil || len(code) != 6 {
		return 0, false
	}
	step := now.Unix() / totpPeriod
	for _, s := range []int64{step - 1, step, step + 1} {
		if s <= sec.TOTPLastStep {
			continue
		}
		want, err := totp.GenerateCodeCustom(*sec.TOTPSecret, time.Unix(s*totpPeriod, 0), totp.ValidateOpts{
			Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}

// TOTPSetup is a new TOTP secret waiting to be confirmed.
type TOTPSetup struct {
	// URL is the otpauth:// URL an authenticator app reads; QRCode the same as a PNG.
	URL    string
	Secret string
	QRCode []byte
}

// BeginTOTP makes a new TOTP secret for the signed-in person; it takes effect only when
// ConfirmTOTP sees a code from it. Returns errs.Conflict if TOTP is already on.
func (s *Service) BeginTOTP(ctx context.Context) (setup TOTPSetup, err error) {
	defer errs.Wrap(&err, "identity.BeginTOTP")
	p := principal.From(ctx)
	if err := requireAuthenticated(p); err != nil {
		return setup, err
	}
	a, err := s.Account(ctx, p.AccountID)
	if err != nil {
		return setup, err
	}
	if a.TOTPEnabled {
		return setup, errs.E(errs.Conflict, "identity.error.totp_on")
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: a.Login, Period: totpPeriod})
	if err != nil {
		return setup, err
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return setup, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return setup, err
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		stored, err := s.sealTOTP(ctx, tx, a.ID, key.Secret())
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE accounts SET totp_secret = ?, totp_last_step = 0 WHERE id = ? AND totp_enabled = 0`, stored, a.ID)
		return err
	})
	return TOTPSetup{URL: key.URL(), Secret: key.Secret(), QRCode: buf.Bytes()}, err
}

// ConfirmTOTP turns TOTP on once code comes from the secret BeginTOTP made.
func (s *Service) ConfirmTOTP(ctx context.Context, code string) (err error) {
	defer errs.Wrap(&err, "identity.ConfirmTOTP")
	p := principal.From(ctx)
	if err := requireAuthenticated(p); err != nil {
		return err
	}
	return s.db.Transact(ctx, func(tx *store.Tx) error {
		sec, err := s.getSecret(ctx, tx, p.AccountID)
		if err != nil {
			return err
		}
		if sec.TOTPEnabled {
			return errs.E(errs.Conflict, "identity.error.totp_on")
		}
		if sec.TOTPSecret == nil {
			return errs.E(errs.Conflict, "identity.error.totp_not_begun")
		}
		step, ok := checkTOTP(sec, code, tx.Now)
		if !ok {
			return errs.Field("code", "identity.error.totp_wrong")
		}
		if _, err := tx.Exec(ctx, `UPDATE accounts SET totp_enabled = 1, totp_last_step = ? WHERE id = ?`, step, p.AccountID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "identity.totp.enabled", ObjectType: "account", ObjectID: strconv.FormatInt(p.AccountID, 10)})
	})
}

// DisableTOTP turns TOTP off for the signed-in person, who must give their password.
func (s *Service) DisableTOTP(ctx context.Context, password string) (err error) {
	defer errs.Wrap(&err, "identity.DisableTOTP")
	p := principal.From(ctx)
	if err := requireAuthenticated(p); err != nil {
		return err
	}
	if err := s.confirmPassword(ctx, p.AccountID, password, "password"); err != nil {
		return err
	}
	return s.db.Transact(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE accounts SET totp_enabled = 0, totp_secret = NULL WHERE id = ?`, p.AccountID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "identity.totp.disabled", ObjectType: "account", ObjectID: strconv.FormatInt(p.AccountID, 10)})
	})
}

// ChangePassword replaces the signed-in person's password after checking the current one, and
// ends their other sessions.
func (s *Service) ChangePassword(ctx context.Context, current, next string) (err error) {
	defer errs.Wrap(&err, "identity.ChangePassword")
	p := principal.From(ctx)
	if err := requireAuthenticated(p); err != nil {
		return err
	}
	if err := s.confirmPassword(ctx, p.AccountID, current, "current_password"); err != nil {
		return err
	}
	newHash, err := HashPassword(next)
	if err != nil {
		return err
	}
	return s.db.Transact(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE accounts SET password_hash = ? WHERE id = ?`, newHash, p.AccountID); err != nil {
			return err
		}
		// Whoever knew the old password keeps no session; the session making the change stays.
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE account_id = ? AND token_hash <> ?`, p.AccountID, p.Session); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "identity.password.changed", ObjectType: "account", ObjectID: strconv.FormatInt(p.AccountID, 10)})
	})
}

// Recover sets a new password for the account of phone, proven by a one-time code for
// PurposeRecovery; it resets the lockout and ends every session of the account. TOTP stays on:
// the next login still asks for it.
func (s *Service) Recover(ctx context.Context, phone, code, newPassword string, m Meta) (err error) {
	defer errs.Wrap(&err, "identity.Recover")
	if phone, err = NormalizePhone(phone); err != nil {
		return err
	}
	hash, err := HashPassword(newPassword)
	if err != nil {
		return err
	}
	return s.transact(ctx, func(tx *store.Tx) error {
		a, err := accountByPhoneTx(ctx, tx, phone)
		if err != nil {
			return err
		}
		id := a.ID
		if err := s.consumeCode(ctx, tx, &id, phone, PurposeRecovery, code); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE accounts SET password_hash = ?, failed_logins = 0, locked_until = NULL WHERE id = ?`, hash, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE account_id = ?`, id); err != nil {
			return err
		}
		// Recovery follows a lost or stolen password: nothing issued before it stays valid.
		if _, err := tx.Exec(ctx, `UPDATE access_tokens SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL`, tx.Now, id); err != nil {
			return err
		}
		if err := recordLogin(ctx, tx, &a, "recovery", "password_reset", m); err != nil {
			return err
		}
		return audit.Record(principal.With(ctx, a.Principal()), tx, audit.Change{Action: "identity.account.recovered",
			ObjectType: "account", ObjectID: strconv.FormatInt(id, 10)})
	})
}

// confirmPassword checks the password a person gives to confirm a change. A wrong one (a stolen
// session guessing) counts like a failed login and is reported on field.
func (s *Service) confirmPassword(ctx context.Context, accountID int64, password, field string) error {
	var hash string
	if err := s.db.Get(ctx, &hash, `SELECT password_hash FROM accounts WHERE id = ?`, accountID); err != nil {
		return err
	}
	if CheckPassword(hash, password) {
		return nil
	}
	return s.transact(ctx, func(tx *store.Tx) error {
		a, err := getAccountTx(ctx, tx, accountID)
		if err != nil {
			return err
		}
		if err := s.countFailure(ctx, tx, a, "password_confirmation", Meta{}); err != nil {
			return err
		}
		return errCommit{errs.Field(field, "identity.error.password_wrong")}
	})
}

// SecretBox seals secrets under the key hierarchy (*keys.Service): TOTP secrets are kept sealed,
// bound to their account, so that a copy of the database alone does not give them away.
type SecretBox interface {
	SealTx(ctx context.Context, tx *store.Tx, purpose string, plaintext, aad []byte) ([]byte, error)
	Open(ctx context.Context, purpose string, sealed, aad []byte) ([]byte, error)
}

// sealedPrefix marks a sealed TOTP secret in accounts.totp_secret; anything else is a secret
// stored in clear by a node without a secret box (SealTOTPSecrets seals those).
const sealedPrefix = "sealed:v1:"

func totpAAD(account int64) []byte { return []byte("totp:account:" + strconv.FormatInt(account, 10)) }

func (s *Service) sealTOTP(ctx context.Context, tx *store.Tx, account int64, secret string) (string, error) {
	if s.secrets == nil {
		return secret, nil
	}
	sealed, err := s.secrets.SealTx(ctx, tx, "totp", []byte(secret), totpAAD(account))
	if err != nil {
		return "", err
	}
	return sealedPrefix + base64.StdEncoding.EncodeToString(sealed), nil
}

func (s *Service) openTOTP(ctx context.Context, account int64, stored string) (string, error) {
	rest, ok := strings.CutPrefix(stored, sealedPrefix)
	if !ok {
		return stored, nil
	}
	if s.secrets == nil {
		return "", errors.New("identity: TOTP secrets are sealed but this node has no key service")
	}
	sealed, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		return "", fmt.Errorf("identity: sealed TOTP secret of account %d: %w", account, err)
	}
	plain, err := s.secrets.Open(ctx, "totp", sealed, totpAAD(account))
	if err != nil {
		return "", fmt.Errorf("identity: TOTP secret of account %d: %w", account, err)
	}
	return string(plain), nil
}

// SealTOTPSecrets seals the TOTP secrets still stored in clear (by an earlier version, or a node
// started without a key service), in one transaction. It returns how many it sealed.
func (s *Service) SealTOTPSecrets(ctx context.Context) (int, error) {
	if s.secrets == nil {
		return 0, nil
	}
	n := 0
	err := s.db.Transact(ctx, func(tx *store.Tx) error {
		n = 0
		var rows []struct {
			ID     int64  `db:"id"`
			Secret string `db:"totp_secret"`
		}
		if err := tx.Select(ctx, &rows, `SELECT id, totp_secret FROM accounts WHERE totp_secret IS NOT NULL`); err != nil {
			return err
		}
		for _, r := range rows {
			if strings.HasPrefix(r.Secret, sealedPrefix) {
				continue
			}
			stored, err := s.sealTOTP(ctx, tx, r.ID, r.Secret)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE accounts SET totp_secret = ? WHERE id = ?`, stored, r.ID); err != nil {
				return err
			}
			n++
		}
		if n == 0 {
			return nil
		}
		return audit.Record(ctx, tx, audit.Change{Action: "identity.totp_sealed", ObjectType: "accounts", ObjectID: "totp_secret",
			Detail: map[string]any{"accounts": n}})
	})
	return n, err
}
