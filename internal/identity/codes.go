package identity

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"math/big"
	"time"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Purpose is what a one-time code may be used for; a code for one purpose never serves another.
type Purpose string

// The purposes of one-time codes.
const (
	PurposeRegister Purpose = "register"
	PurposeLogin    Purpose = "login"
	PurposeRecovery Purpose = "recovery"
)

// One-time code limits: a code lives ten minutes and allows five attempts; a phone receives at
// most one code a minute and five an hour, so that neither guessing nor flooding pays.
const (
	CodeTTL         = 10 * time.Minute
	codeAttempts    = 5
	codeInterval    = time.Minute
	codesPerHour    = 5
	codeDigits      = 6
	codeOutboxLimit = 200
)

// Message is a text to a person's phone.
type Message struct {
	Channel   string
	Recipient string
	Body      string
}

// Sender delivers messages. Send runs inside the transaction that created the code, so a real
// sender enqueues the message (an event in the outbox) and delivers it after commit.
type Sender interface {
	Send(ctx context.Context, tx *store.Tx, m Message) error
	// Development reports whether the sender only keeps messages for developers to read; such a
	// sender is refused in production.
	Development() bool
}

// OutboxSender keeps messages in the database for the development outbox page.
type OutboxSender struct{}

// Send stores m in the outbox.
func (OutboxSender) Send(ctx context.Context, tx *store.Tx, m Message) error {
	_, err := tx.Exec(ctx, `INSERT INTO message_outbox (channel, recipient, body, created_at) VALUES (?, ?, ?, ?)`,
		m.Channel, m.Recipient, m.Body, tx.Now)
	return err
}

// Development is true: the outbox reaches no phone.
func (OutboxSender) Development() bool { return true }

// OutboxMessage is a message in the development outbox.
type OutboxMessage struct {
	ID        int64     `db:"id" json:"id"`
	Channel   string    `db:"channel" json:"channel"`
	Recipient string    `db:"recipient" json:"recipient"`
	Body      string    `db:"body" json:"body"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
}

// Outbox lists the newest messages of the development outbox. Returns errs.NotFound when the
// service sends through a real sender: then there is no outbox to show.
func (s *Service) Outbox(ctx context.Context) ([]OutboxMessage, error) {
	if !s.sender.Development() {
		return nil, errs.E(errs.NotFound, "error.not_found")
	}
	var list []OutboxMessage
	err := s.db.Select(ctx, &list, fmt.Sprintf(`SELECT id, channel, recipient, body, created_at FROM message_outbox ORDER BY id DESC LIMIT %d`, codeOutboxLimit))
	return list, err
}

// Development reports whether one-time codes go to the development outbox.
func (s *Service) Development() bool { return s.sender.Development() }

// RequestCode sends a one-time code for purpose to phone. For login and recovery the phone must
// belong to an account, for registration it must not; to avoid telling strangers which phones
// have accounts, a request that does not qualify succeeds without sending anything. Returns
// errs.TooMany when the phone has had too many codes.
func (s *Service) RequestCode(ctx context.Context, phone string, purpose Purpose) (err error) {
	defer errs.Wrap(&err, "identity.RequestCode(%s)", purpose)
	if phone, err = NormalizePhone(phone); err != nil {
		return err
	}
	if purpose != PurposeRegister && purpose != PurposeLogin && purpose != PurposeRecovery {
		return errs.Field("purpose", "error.invalid")
	}
	code, err := newCode()
	if err != nil {
		return err
	}
	return s.db.Transact(ctx, func(tx *store.Tx) error {
		var recent []time.Time
		if err := tx.Select(ctx, &recent, `SELECT created_at FROM one_time_codes WHERE recipient = ? AND created_at > ? ORDER BY created_at DESC`,
			phone, tx.Now.Add(-time.Hour)); err != nil {
			return err
		}
		if len(recent) >= codesPerHour || (len(recent) > 0 && tx.Now.Sub(recent[0]) < codeInterval) {
			return errs.E(errs.TooMany, "identity.error.code_too_soon")
		}
		var accountID *int64
		var acc struct {
			ID       int64 `db:"id"`
			Disabled bool  `db:"disabled"`
		}
		err := tx.Get(ctx, &acc, `SELECT id, disabled FROM accounts WHERE phone = ?`, phone)
		switch {
		case err == nil:
			accountID = &acc.ID
		case !errs.Is(err, errs.NotFound):
			return err
		}
		// Registration needs a phone no account has; login and recovery an enabled account's.
		qualifies := accountID == nil
		if purpose != PurposeRegister {
			qualifies = accountID != nil && !acc.Disabled
		}
		if !qualifies {
			// Record the request (for the rate limit) but send nothing.
			_, err := tx.Exec(ctx, `INSERT INTO one_time_codes (account_id, recipient, purpose, code_hash, created_at, expires_at, used_at)
				VALUES (?, ?, ?, '', ?, ?, ?)`, accountID, phone, purpose, tx.Now, tx.Now, tx.Now)
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO one_time_codes (account_id, recipient, purpose, code_hash, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?)`, accountID, phone, purpose, tokenHash(code), tx.Now, tx.Now.Add(CodeTTL)); err != nil {
			return err
		}
		body := i18n.T(i18n.Default, "identity.sms."+string(purpose), code, int(CodeTTL/time.Minute))
		if err := s.sender.Send(ctx, tx, Message{Channel: "sms", Recipient: phone, Body: body}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "identity.code.sent", ObjectType: "phone",
			ObjectID: MaskPhone(phone), Detail: map[string]any{"purpose": purpose}})
	})
}

func newCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%0*d", codeDigits, n.Int64()), nil
}

// consumeCode spends the newest live code of phone for purpose if code matches it. A wrong code
// counts an attempt; after codeAttempts the code is dead. accountID, when given, must own it.
func (s *Service) consumeCode(ctx context.Context, tx *store.Tx, accountID *int64, phone string, purpose Purpose, code string) error {
	var c struct {
		ID        int64  `db:"id"`
		AccountID *int64 `db:"account_id"`
		Hash      string `db:"code_hash"`
		Attempts  int    `db:"attempts"`
	}
	err := tx.Get(ctx, &c, `SELECT id, account_id, code_hash, attempts FROM one_time_codes
		WHERE recipient = ? AND purpose = ? AND used_at IS NULL AND expires_at > ? ORDER BY created_at DESC, id DESC LIMIT 1`,
		phone, purpose, tx.Now)
	if errs.Is(err, errs.NotFound) {
		return errs.Field("code", "identity.error.code_expired")
	}
	if err != nil {
		return err
	}
	if accountID != nil && (c.AccountID == nil || *c.AccountID != *accountID) {
		return errs.Field("code", "identity.error.code_expired")
	}
	if subtle.ConstantTimeCompare([]byte(tokenHash(code)), []byte(c.Hash)) != 1 {
		spent := ""
		if c.Attempts+1 >= codeAttempts {
			spent = `, used_at = ?`
		}
		args := []any{c.Attempts + 1}
		if spent != "" {
			args = append(args, tx.Now)
		}
		args = append(args, c.ID)
		if _, err := tx.Exec(ctx, `UPDATE one_time_codes SET attempts = ?`+spent+` WHERE id = ?`, args...); err != nil {
			return err
		}
		// The failed attempt must be counted even though the caller's transaction fails.
		return errCommit{errs.Field("code", "identity.error.code_wrong")}
	}
	_, err = tx.Exec(ctx, `UPDATE one_time_codes SET used_at = ? WHERE id = ?`, tx.Now, c.ID)
	return err
}
