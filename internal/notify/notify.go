// Package notify tells people about what happened to their affairs: every message lands in the
// person's inbox, and pluggable senders (SMS, email) carry it further.
//
// A domain calls SendTx inside the transaction that changed the affair: the message (an i18n key
// with string arguments and a local link, never a rendered text) is stored for the account and a
// "notify.deliver" event carrying only the message id is enqueued in the same transaction. Each
// Sender consumes that event under its own consumer name ("notify.deliver.<name>"), so delivery is
// at least once per channel with the dispatcher's backoff and dead letters, and one failing
// channel never holds back another. A sender learns the destination from a Directory and renders
// the text in the person's language when it sends.
package notify

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Topic is the event enqueued with every message; its payload is {"message_id": <id>}.
const Topic = "notify.deliver"

// Contact is where a person can be reached beyond the inbox, and in which language.
type Contact struct {
	Mobile string // a mainland mobile number, "" if none
	Email  string // "" if none
	Lang   string // a language tag as i18n.Parse reads it; Simplified Chinese if empty
}

// Directory finds an account's contact details. Contact returns errs.NotFound for an account
// it does not know; such messages stay in the inbox only.
type Directory interface {
	Contact(ctx context.Context, account int64) (Contact, error)
}

// Delivery is one message on its way through one sender.
type Delivery struct {
	MessageID int64
	Account   int64
	To        Contact
	Lang      i18n.Lang // the language Text is in
	Key       string    // the message's i18n key
	Args      []string
	Text      string // the message rendered in Lang
	// Link is the affair's address: absolute when Options.PublicURL is set, else a local path
	// ("" when the message has none).
	Link      string
	CreatedAt time.Time
}

// Sender carries messages over one channel. Name is a short lower-case word ("email", "sms")
// naming the channel in consumer names and delivery records. Send returns ErrNoContact when
// the delivery's contact has no destination for the channel (the message is then recorded as
// skipped), an error wrapped by events.Permanent when retrying cannot help, and any other error
// to have the delivery retried later.
type Sender interface {
	Name() string
	Send(ctx context.Context, d Delivery) error
}

// ErrNoContact is what a Sender returns for a person it cannot reach.
var ErrNoContact = errors.New("notify: no contact for this channel")

// Options configure a Service.
type Options struct {
	// Directory finds contacts for the senders; without it every sender skips every message.
	Directory Directory
	// Senders carry messages beyond the inbox; none is fine (inbox only).
	Senders []Sender
	// PublicURL (https://yiwang.fujian.gov.cn) makes links absolute in deliveries.
	PublicURL string
	// Logger receives delivery outcomes (ids and keys, never texts or destinations).
	Logger *slog.Logger
}

// Service keeps the inboxes and hands messages to the senders.
type Service struct {
	db  *store.DB
	o   Options
	log *slog.Logger
}

// New returns the notification service over db.
func New(db *store.DB, o Options) *Service {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	o.PublicURL = strings.TrimSuffix(o.PublicURL, "/")
	return &Service{db: db, o: o, log: o.Logger.With("component", "notify")}
}
