package notify

import (
	"context"
	"errors"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/events"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// ConsumerPrefix begins the consumer name of every sender: "notify.deliver.email".
const ConsumerPrefix = "notify.deliver."

// Subscribe has each sender consume the "notify.deliver" events under its own consumer name, so
// that each channel retries and dead-letters on its own. Call it before d.Register. It panics on
// a sender whose name cannot name a consumer or two senders of one name (programming errors).
func (s *Service) Subscribe(d *events.Dispatcher) {
	for _, sd := range s.o.Senders {
		d.Subscribe(ConsumerPrefix+sd.Name(), Topic, s.deliverer(sd))
	}
}

// deliverer sends one message through sd. A message already sent or skipped on this channel (a
// redelivered event) is not sent again.
func (s *Service) deliverer(sd Sender) events.Handler {
	channel := sd.Name()
	return func(ctx context.Context, e events.Event) error {
		var p deliverPayload
		if err := e.Decode(&p); err != nil || p.MessageID <= 0 {
			return events.Permanent(errors.Join(err, errors.New("notify: bad delivery payload")))
		}
		var done int
		if err := s.db.Get(ctx, &done, `SELECT COUNT(*) FROM notify_deliveries WHERE message_id = ? AND channel = ?`,
			p.MessageID, channel); err != nil {
			return err
		}
		if done > 0 {
			return nil
		}
		var r messageRow
		if err := s.db.Get(ctx, &r, `SELECT `+messageColumns+` FROM notify_messages WHERE id = ?`, p.MessageID); err != nil {
			if errs.Is(err, errs.NotFound) {
				return events.Permanent(err)
			}
			return err
		}
		m := r.message()
		d, err := s.delivery(ctx, m)
		outcome := "sent"
		switch {
		case errors.Is(err, ErrNoContact):
			outcome = "skipped"
		case err != nil:
			return err
		default:
			start := time.Now()
			err = sd.Send(ctx, d)
			switch {
			case errors.Is(err, ErrNoContact):
				outcome = "skipped"
			case err != nil:
				s.log.WarnContext(ctx, "delivery failed", "channel", channel, "message", m.ID, "key", m.Key,
					"attempt", e.Attempt, "error", err)
				return err
			default:
				s.log.InfoContext(ctx, "delivered", "channel", channel, "message", m.ID, "key", m.Key,
					"took", time.Since(start))
			}
		}
		return s.db.Transact(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO notify_deliveries (message_id, channel, outcome, at) VALUES (?, ?, ?, ?)
				ON CONFLICT (message_id, channel) DO NOTHING`, m.ID, channel, outcome, tx.Now)
			return err
		})
	}
}

// delivery prepares m for the senders: the person's contact, the text in their language and an
// absolute link. It returns ErrNoContact when the directory does not know the account.
func (s *Service) delivery(ctx context.Context, m Message) (Delivery, error) {
	if s.o.Directory == nil {
		return Delivery{}, ErrNoContact
	}
	c, err := s.o.Directory.Contact(ctx, m.Account)
	if errs.Is(err, errs.NotFound) {
		return Delivery{}, ErrNoContact
	}
	if err != nil {
		return Delivery{}, err
	}
	lang, ok := i18n.Parse(c.Lang)
	if !ok {
		lang = i18n.Default
	}
	link := m.Link
	if link != "" && s.o.PublicURL != "" {
		link = s.o.PublicURL + link
	}
	return Delivery{MessageID: m.ID, Account: m.Account, To: c, Lang: lang, Key: m.Key, Args: m.Args,
		Text: m.Text(lang), Link: link, CreatedAt: m.CreatedAt}, nil
}

// Deliveries reports what each channel did with message id: channel → "sent" or "skipped".
// It is for operators and tests; people see their inbox.
func (s *Service) Deliveries(ctx context.Context, id int64) (map[string]string, error) {
	var rows []struct {
		Channel string `db:"channel"`
		Outcome string `db:"outcome"`
	}
	if err := s.db.Select(ctx, &rows, `SELECT channel, outcome FROM notify_deliveries WHERE message_id = ?`, id); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.Channel] = r.Outcome
	}
	return out, nil
}
