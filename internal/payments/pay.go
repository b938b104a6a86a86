package payments

import (
	"context"
	"fmt"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// maxAttempts bounds the payments opened for one order (the attempt number has three digits).
const maxAttempts = 999

// StartPayment opens a payment of order id at channel for its payer and returns the address
// of the channel's cashier to send the payer to. Pressing "pay" again within the attempt's
// lifetime returns the same cashier. The order is paid only when the channel's callback (or a
// query, see Sync) says so.
//
// Returns errs.NotFound when p may not see the order, errs.Forbidden when p sees it but does not
// pay it (an official), errs.Conflict when it cannot be paid (paid, closed, expired…),
// errs.Invalid on field "channel" for an unknown channel, errs.Unavailable when the channel
// cannot be reached.
func (s *Service) StartPayment(ctx context.Context, p principal.Principal, id, channel string) (payURL string, err error) {
	defer errs.Wrap(&err, "payments.StartPayment(%s, %s)", id, channel)
	ch, ok := s.channel(channel)
	if !ok {
		return "", errs.Field("channel", "payments.error.channel_unknown")
	}
	var (
		o       Order
		a       Attempt
		payee   string
		expired bool
	)
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		payURL, expired = "", false
		if !validID(id) {
			return errs.E(errs.NotFound, "payments.error.order_not_found")
		}
		o, err = getTx(ctx, tx, id)
		if err != nil {
			return err
		}
		switch {
		case !canSee(p, o):
			return errs.E(errs.NotFound, "payments.error.order_not_found")
		case !isPayer(p, o):
			return errs.E(errs.Forbidden, "payments.error.payer_only")
		case o.Status.Payable() && !tx.Now.Before(o.ExpiresAt):
			expired = true
			return s.expireTx(ctx, tx, o)
		case !o.Status.Payable():
			return errs.E(errs.Conflict, "payments.error.not_payable")
		}
		// A cashier opened a moment ago at the same channel is still good.
		var open []Attempt
		if err := tx.Select(ctx, &open, `SELECT `+attemptColumns+` FROM payment_attempts WHERE order_id = ? AND channel = ?
			AND status = 'pending' AND pay_url <> '' AND created_at > ? ORDER BY created_at DESC LIMIT 1`,
			o.ID, channel, tx.Now.Add(-s.opt.AttemptTTL/2)); err != nil {
			return err
		}
		if len(open) == 1 {
			payURL = open[0].PayURL
			return nil
		}
		var n int
		if err := tx.Get(ctx, &n, `SELECT COUNT(*) FROM payment_attempts WHERE order_id = ?`, o.ID); err != nil {
			return err
		}
		if n >= maxAttempts {
			return errs.E(errs.Conflict, "payments.error.too_many_attempts")
		}
		if err := tx.Get(ctx, &payee, `SELECT name_hans FROM organisations WHERE code = ?`, o.Org); err != nil {
			return err
		}
		a = Attempt{ID: fmt.Sprintf("P%s%03d", o.NoticeNumber, n+1), OrderID: o.ID, Channel: channel, AmountFen: o.TotalFen,
			Status: AttemptPending, CreatedAt: tx.Now, UpdatedAt: tx.Now}
		if _, err := tx.Exec(ctx, `INSERT INTO payment_attempts (id, order_id, channel, amount_fen, status, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, a.ID, a.OrderID, a.Channel, a.AmountFen, a.Status, a.CreatedAt, a.UpdatedAt); err != nil {
			return err
		}
		before := o
		o.Status, o.Channel, o.UpdatedAt = Paying, channel, tx.Now
		if _, err := tx.Exec(ctx, `UPDATE payment_orders SET status = ?, channel = ?, updated_at = ? WHERE id = ?`,
			string(o.Status), channel, tx.Now, o.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "payment.start", ObjectType: "payment_order", ObjectID: o.ID,
			Before: before, After: o, Detail: map[string]any{"attempt": a.ID, "channel": channel}})
	})
	switch {
	case err != nil:
		return "", err
	case expired:
		return "", errs.E(errs.Conflict, "payments.error.expired")
	case payURL != "":
		return payURL, nil
	}
	expires := a.CreatedAt.Add(s.opt.AttemptTTL)
	if o.ExpiresAt.Before(expires) {
		expires = o.ExpiresAt
	}
	start, cerr := ch.CreatePayment(ctx, PaymentRequest{MerchantRef: a.ID, AmountFen: a.AmountFen, Subject: subject(o),
		Payee: payee, ReturnPath: OrderPath(o.ID), ExpiresAt: expires})
	if cerr == nil && (start.PayURL == "" || start.TransactionID == "") {
		cerr = fmt.Errorf("channel %s answered without a cashier or transaction id", channel)
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		if cerr != nil {
			return s.closeAttemptTx(ctx, tx, a, "payment.start_failed")
		}
		_, err := tx.Exec(ctx, `UPDATE payment_attempts SET pay_url = ?, updated_at = ?,
			channel_txn = CASE WHEN channel_txn = '' THEN ? ELSE channel_txn END WHERE id = ?`,
			start.PayURL, tx.Now, start.TransactionID, a.ID)
		return err
	})
	if err != nil {
		return "", err
	}
	if cerr != nil {
		if errs.KindOf(cerr) == errs.Internal {
			return "", errs.Wrapf(errs.Unavailable, cerr, "payments.error.channel_unavailable")
		}
		return "", cerr
	}
	return start.PayURL, nil
}

// subject says what is paid for at the cashier: the first fee's name, how many others, and
// the reference number.
func subject(o Order) string {
	var b strings.Builder
	if len(o.Lines) > 0 {
		b.WriteString(o.Lines[0].Name)
		if len(o.Lines) > 1 {
			fmt.Fprintf(&b, "等%d项", len(o.Lines))
		}
	}
	if o.ReferenceNumber != "" {
		fmt.Fprintf(&b, "（%s）", o.ReferenceNumber)
	}
	return b.String()
}

// closeAttemptTx closes a pending attempt that will not be paid (the channel refused to open
// it) and puts a paying order with no other pending attempt back to unpaid.
func (s *Service) closeAttemptTx(ctx context.Context, tx *store.Tx, a Attempt, action string) error {
	if _, err := tx.Exec(ctx, `UPDATE payment_attempts SET status = 'closed', updated_at = ? WHERE id = ? AND status = 'pending'`,
		tx.Now, a.ID); err != nil {
		return err
	}
	if err := s.unpaidIfIdleTx(ctx, tx, a.OrderID); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Change{Action: action, ObjectType: "payment_attempt", ObjectID: a.ID,
		Detail: map[string]any{"order": a.OrderID, "channel": a.Channel}})
}

// unpaidIfIdleTx puts a paying order back to unpaid when none of its payments is open.
func (s *Service) unpaidIfIdleTx(ctx context.Context, tx *store.Tx, orderID string) error {
	_, err := tx.Exec(ctx, `UPDATE payment_orders SET status = 'unpaid', updated_at = ? WHERE id = ? AND status = 'paying'
		AND NOT EXISTS (SELECT 1 FROM payment_attempts WHERE order_id = ? AND status = 'pending')`, tx.Now, orderID, orderID)
	return err
}

// Sync asks the channels about the order's open payments and applies what they say, by the same
// rules as their callbacks: the payer who comes back from the cashier sees the result even if
// the callback is late. Returns the order as it is then.
func (s *Service) Sync(ctx context.Context, p principal.Principal, id string) (o Order, err error) {
	defer errs.Wrap(&err, "payments.Sync(%s)", id)
	if o, err = s.Get(ctx, p, id); err != nil {
		return Order{}, err
	}
	var open []Attempt
	if err := s.db.Select(ctx, &open, `SELECT `+attemptColumns+` FROM payment_attempts WHERE order_id = ? AND status = 'pending'
		AND channel_txn <> '' ORDER BY created_at`, id); err != nil {
		return Order{}, err
	}
	for _, a := range open {
		ch, ok := s.channel(a.Channel)
		if !ok {
			continue
		}
		st, err := ch.QueryPayment(ctx, a.ID)
		if err != nil {
			if errs.Is(err, errs.NotFound) {
				continue
			}
			return Order{}, err
		}
		if st.Status != ChannelSucceeded && st.Status != ChannelClosed {
			continue
		}
		n := Notification{Kind: KindPayment, MerchantRef: a.ID, TransactionID: st.TransactionID, Status: st.Status,
			AmountFen: st.AmountFen, Method: st.Method, At: st.At}
		if err := validNotification(n); err != nil {
			return Order{}, errs.Wrapf(errs.Unavailable, err, "payments.error.channel_unavailable")
		}
		cctx := principal.With(ctx, channelPrincipal(a.Channel))
		if err := s.db.Transact(cctx, func(tx *store.Tx) error {
			_, err := s.applyPayment(cctx, tx, a.Channel, n)
			return err
		}); err != nil {
			return Order{}, err
		}
	}
	return s.Get(ctx, p, id)
}
