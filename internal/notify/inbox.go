package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/events"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Limits on what a message may carry: messages are short notes that point at an affair.
const (
	MaxArgs     = 10
	MaxArgBytes = 500
	MaxLink     = 1000
	// MaxPage is the most messages Inbox returns at once; DefaultPage when limit is 0 or less.
	MaxPage     = 100
	DefaultPage = 20
)

// Message is one message in a person's inbox.
type Message struct {
	ID        int64
	Account   int64
	Key       string   // an internal/i18n key
	Args      []string // the key's arguments
	Link      string   // a local path to the affair, or ""
	CreatedAt time.Time
	ReadAt    time.Time // zero while unread
}

// Read reports whether the message has been read.
func (m Message) Read() bool { return !m.ReadAt.IsZero() }

// Text renders the message in lang.
func (m Message) Text(lang i18n.Lang) string { return render(lang, m.Key, m.Args) }

func render(lang i18n.Lang, key string, args []string) string {
	a := make([]any, len(args))
	for i, s := range args {
		a[i] = s
	}
	return i18n.T(lang, key, a...)
}

// SendTx puts a message in account's inbox within tx and queues its delivery to the senders.
// key is an i18n message key (it must exist; its texts take the args as %s), link a local path
// such as "/my/cases/C2026…" or "". It returns errs.Invalid for an unknown key, too many or too
// long arguments, or a link that is not a local path. Auditing is the caller's: the message is
// part of the change the caller records. The message is written when the transaction's work
// ends (store.Tx.Later), with the transaction's other messages in a few statements.
func (s *Service) SendTx(ctx context.Context, tx *store.Tx, account int64, key string, args []string, link string) (err error) {
	defer errs.Wrap(&err, "notify.SendTx(%s)", key)
	body, err := checkMessage(account, key, args, link)
	if err != nil {
		return err
	}
	q := tx.Later(sendKey{}, func() store.Flusher { return &sends{} }).(*sends)
	q.values = append(q.values, account, key, body, link, tx.Now)
	return nil
}

// Send puts a message in account's inbox in a transaction of its own, as SendTx does, and
// returns its id: for a message that is not part of another change (a system notice).
func (s *Service) Send(ctx context.Context, account int64, key string, args []string, link string) (id int64, err error) {
	defer errs.Wrap(&err, "notify.Send(%s)", key)
	body, err := checkMessage(account, key, args, link)
	if err != nil {
		return 0, err
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO notify_messages (account_id, msg_key, args, link, created_at)
			VALUES (?, ?, ?, ?, ?) RETURNING id`, account, key, body, link, tx.Now)
		if err != nil {
			return err
		}
		return events.Enqueue(ctx, tx, Topic, deliverPayload{MessageID: id})
	})
	return id, err
}

// checkMessage checks a message to send and returns its arguments as stored (JSON).
func checkMessage(account int64, key string, args []string, link string) (string, error) {
	if account <= 0 {
		return "", errs.Field("account", "notify.error.account")
	}
	if !i18n.Has(key) {
		return "", errs.Field("key", "notify.error.key", key)
	}
	if len(args) > MaxArgs {
		return "", errs.Field("args", "notify.error.args", MaxArgs, MaxArgBytes)
	}
	for _, a := range args {
		if len(a) > MaxArgBytes || !utf8.ValidString(a) || strings.ContainsFunc(a, unicode.IsControl) {
			return "", errs.Field("args", "notify.error.args", MaxArgs, MaxArgBytes)
		}
	}
	if err := localLink(link); err != nil {
		return "", err
	}
	if args == nil {
		args = []string{}
	}
	body, _ := json.Marshal(args)
	return string(body), nil
}

// sends holds the messages a transaction sent until its work ends: they are written together,
// each with the event that has it delivered.
type sends struct {
	values []any // account_id, msg_key, args, link, created_at of each message
}

type sendKey struct{}

func (q *sends) Flush(ctx context.Context, tx *store.Tx) error {
	if len(q.values) == 0 {
		return nil
	}
	values := q.values
	q.values = nil
	// Each message needs one delivery event naming it; which returned id is which message
	// does not matter.
	return tx.InsertReturning(ctx, "notify_messages", "account_id, msg_key, args, link, created_at", values, "id",
		func(rows *sqlx.Rows) error {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			return events.Enqueue(ctx, tx, Topic, deliverPayload{MessageID: id})
		})
}

type deliverPayload struct {
	MessageID int64 `json:"message_id"`
}

// localLink accepts "" or a path on this site: "/…", not "//host" nor "/\host", no scheme, no
// control characters.
func localLink(link string) error {
	if link == "" {
		return nil
	}
	bad := errs.Field("link", "notify.error.link")
	if len(link) > MaxLink || link[0] != '/' || strings.HasPrefix(link, "//") || strings.ContainsAny(link, "\\") ||
		strings.ContainsFunc(link, unicode.IsControl) || !utf8.ValidString(link) {
		return bad
	}
	u, err := url.Parse(link)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return bad
	}
	return nil
}

// reader returns the account whose inbox p may read: its own, whoever it is (an enterprise
// agent reads the agent's own account). Principals without an account have no inbox.
func reader(p principal.Principal) (int64, error) {
	if !p.Authenticated() {
		return 0, errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	switch p.Kind {
	case principal.Resident, principal.Agent, principal.Official:
		if p.AccountID > 0 {
			return p.AccountID, nil
		}
	}
	return 0, errs.E(errs.Forbidden, "notify.error.no_inbox")
}

type messageRow struct {
	ID        int64        `db:"id"`
	Account   int64        `db:"account_id"`
	Key       string       `db:"msg_key"`
	Args      string       `db:"args"`
	Link      string       `db:"link"`
	CreatedAt time.Time    `db:"created_at"`
	ReadAt    sql.NullTime `db:"read_at"`
}

func (r messageRow) message() Message {
	m := Message{ID: r.ID, Account: r.Account, Key: r.Key, Link: r.Link, CreatedAt: r.CreatedAt}
	if r.ReadAt.Valid {
		m.ReadAt = r.ReadAt.Time
	}
	if json.Unmarshal([]byte(r.Args), &m.Args) != nil {
		m.Args = nil
	}
	return m
}

const messageColumns = `id, account_id, msg_key, args, link, created_at, read_at`

// Inbox returns p's own messages, newest first, limit (1…MaxPage, DefaultPage if 0 or less) from
// offset. It returns errs.Unauthenticated for the public, errs.Forbidden for a principal without
// an account.
func (s *Service) Inbox(ctx context.Context, p principal.Principal, limit, offset int) (_ []Message, err error) {
	defer errs.Wrap(&err, "notify.Inbox")
	account, err := reader(p)
	if err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = DefaultPage
	}
	limit = min(limit, MaxPage)
	offset = max(offset, 0)
	var rows []messageRow
	if err := s.db.Select(ctx, &rows, `SELECT `+messageColumns+` FROM notify_messages
		WHERE account_id = ? ORDER BY id DESC LIMIT ? OFFSET ?`, account, limit, offset); err != nil {
		return nil, err
	}
	out := make([]Message, len(rows))
	for i, r := range rows {
		out[i] = r.message()
	}
	return out, nil
}

// Message returns one of p's own messages; someone else's is errs.NotFound.
func (s *Service) Message(ctx context.Context, p principal.Principal, id int64) (_ Message, err error) {
	defer errs.Wrap(&err, "notify.Message(%d)", id)
	account, err := reader(p)
	if err != nil {
		return Message{}, err
	}
	var r messageRow
	if err := s.db.Get(ctx, &r, `SELECT `+messageColumns+` FROM notify_messages WHERE id = ? AND account_id = ?`, id, account); err != nil {
		if errors.Is(err, sql.ErrNoRows) || errs.Is(err, errs.NotFound) {
			return Message{}, errs.E(errs.NotFound, "notify.error.not_found")
		}
		return Message{}, err
	}
	return r.message(), nil
}

// Unread counts p's unread messages.
func (s *Service) Unread(ctx context.Context, p principal.Principal) (_ int, err error) {
	defer errs.Wrap(&err, "notify.Unread")
	account, err := reader(p)
	if err != nil {
		return 0, err
	}
	var n int
	err = s.db.Get(ctx, &n, `SELECT COUNT(*) FROM notify_messages WHERE account_id = ? AND read_at IS NULL`, account)
	return n, err
}

// MarkRead marks one of p's messages read (again is harmless); someone else's is errs.NotFound.
func (s *Service) MarkRead(ctx context.Context, p principal.Principal, id int64) (err error) {
	defer errs.Wrap(&err, "notify.MarkRead(%d)", id)
	account, err := reader(p)
	if err != nil {
		return err
	}
	return s.db.Transact(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.Get(ctx, &n, `SELECT COUNT(*) FROM notify_messages WHERE id = ? AND account_id = ?`, id, account); err != nil {
			return err
		}
		if n == 0 {
			return errs.E(errs.NotFound, "notify.error.not_found")
		}
		_, err := tx.Exec(ctx, `UPDATE notify_messages SET read_at = ? WHERE id = ? AND account_id = ? AND read_at IS NULL`,
			tx.Now, id, account)
		return err
	})
}

// MarkAllRead marks every message of p read and returns how many were unread.
func (s *Service) MarkAllRead(ctx context.Context, p principal.Principal) (n int64, err error) {
	defer errs.Wrap(&err, "notify.MarkAllRead")
	account, err := reader(p)
	if err != nil {
		return 0, err
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE notify_messages SET read_at = ? WHERE account_id = ? AND read_at IS NULL`, tx.Now, account)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
