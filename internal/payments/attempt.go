package payments

import (
	"context"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// States of an attempt to pay.
const (
	AttemptPending   = "pending"
	AttemptSucceeded = "succeeded"
	AttemptClosed    = "closed"
)

// Attempt is one payment opened at a channel for an order. Its ID is the merchant reference
// the channel knows it by.
type Attempt struct {
	ID          string     `db:"id" json:"id"`
	OrderID     string     `db:"order_id" json:"order_id"`
	Channel     string     `db:"channel" json:"channel"`
	ChannelTxn  string     `db:"channel_txn" json:"channel_txn,omitempty"`
	AmountFen   int64      `db:"amount_fen" json:"amount_fen"`
	ReceivedFen int64      `db:"received_fen" json:"received_fen"`
	Status      string     `db:"status" json:"status"`
	Method      string     `db:"method" json:"method,omitempty"`
	PayURL      string     `db:"pay_url" json:"-"`
	CreatedAt   time.Time  `db:"created_at" json:"created_at"`
	SucceededAt *time.Time `db:"succeeded_at" json:"succeeded_at,omitempty"`
	UpdatedAt   time.Time  `db:"updated_at" json:"updated_at"`
}

const attemptColumns = `id, order_id, channel, channel_txn, amount_fen, received_fen, status, method, pay_url,
	created_at, succeeded_at, updated_at`

// Attempts returns the payments opened for order id, oldest first, if p may see the order.
func (s *Service) Attempts(ctx context.Context, p principal.Principal, id string) ([]Attempt, error) {
	if _, err := s.Get(ctx, p, id); err != nil {
		return nil, err
	}
	var out []Attempt
	err := s.db.Select(ctx, &out, `SELECT `+attemptColumns+` FROM payment_attempts WHERE order_id = ? ORDER BY created_at, id`, id)
	return out, err
}

// Callback is a recorded callback.
type Callback struct {
	ID             int64     `db:"id" json:"id"`
	Channel        string    `db:"channel" json:"channel"`
	NotificationID string    `db:"notification_id" json:"notification_id,omitempty"`
	Kind           string    `db:"kind" json:"kind,omitempty"`
	OrderID        string    `db:"order_id" json:"order_id,omitempty"`
	MerchantRef    string    `db:"merchant_ref" json:"merchant_ref,omitempty"`
	Outcome        string    `db:"outcome" json:"outcome"`
	Reason         string    `db:"reason" json:"reason,omitempty"`
	BodySHA256     string    `db:"body_sha256" json:"body_sha256"`
	BodySize       int       `db:"body_size" json:"body_size"`
	ReceivedAt     time.Time `db:"received_at" json:"received_at"`
	// Body is the signed body of a verified callback (kept as evidence), Signature its
	// signature header; neither is kept for a rejected one, nor shown by the API.
	Body      string `db:"body" json:"-"`
	Signature string `db:"signature" json:"-"`
}

// Outcomes of a callback.
const (
	OutcomeAccepted  = "accepted"  // applied to the order
	OutcomeDuplicate = "duplicate" // already applied; acknowledged, changes nothing
	OutcomeStale     = "stale"     // older than what we know (a "closed" after "paid"); changes nothing
	OutcomeException = "exception" // says money moved in a way the order does not allow
	OutcomeRejected  = "rejected"  // not verified or not readable; changes nothing
)

// Callbacks returns the callbacks recorded for order id, oldest first — for the payee's
// officials (payers see the order's state, not the channel's messages).
func (s *Service) Callbacks(ctx context.Context, p principal.Principal, id string) ([]Callback, error) {
	o, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if !seesOrg(p, o.Org) {
		return nil, errs.E(errs.Forbidden, "payments.error.officials_only")
	}
	var out []Callback
	err = s.db.Select(ctx, &out, `SELECT id, channel, notification_id, kind, order_id, merchant_ref, outcome, reason,
		body_sha256, body_size, received_at FROM payment_callbacks WHERE order_id = ? ORDER BY id`, id)
	return out, err
}

// RecentCallbacks returns the newest callbacks of every order, rejected ones included, for
// the digital office's administrators (who watch for forged callbacks).
func (s *Service) RecentCallbacks(ctx context.Context, p principal.Principal, limit int) ([]Callback, error) {
	if !ReadsAllOrgs(p) {
		return nil, errs.E(errs.Forbidden, "payments.error.officials_only")
	}
	if limit <= 0 || limit > maxListLimit {
		limit = defaultListLimit
	}
	var out []Callback
	err := s.db.Select(ctx, &out, `SELECT id, channel, notification_id, kind, order_id, merchant_ref, outcome, reason,
		body_sha256, body_size, received_at FROM payment_callbacks ORDER BY id DESC LIMIT ?`, limit)
	return out, err
}

func attemptTx(ctx context.Context, tx *store.Tx, id, channel string) (Attempt, error) {
	var a Attempt
	err := tx.Get(ctx, &a, `SELECT `+attemptColumns+` FROM payment_attempts WHERE id = ? AND channel = ?`, id, channel)
	return a, err
}
