package payments

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/events"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// States of a refund.
const (
	RefundRequested  = "requested"  // recorded, not yet accepted by the channel
	RefundProcessing = "processing" // accepted by the channel, waiting for its callback
	RefundSucceeded  = "succeeded"
	RefundFailed     = "failed"
)

// Refund is money returned to the payer of an order. Its ID is the refund reference the
// channel knows it by.
type Refund struct {
	ID              string     `db:"id" json:"id"`
	OrderID         string     `db:"order_id" json:"order_id"`
	AttemptID       string     `db:"attempt_id" json:"attempt_id"`
	Channel         string     `db:"channel" json:"channel"`
	ChannelRefundID string     `db:"channel_refund_id" json:"channel_refund_id,omitempty"`
	AmountFen       int64      `db:"amount_fen" json:"amount_fen"`
	RefundedFen     int64      `db:"refunded_fen" json:"refunded_fen"`
	Reason          string     `db:"reason" json:"reason"`
	Status          string     `db:"status" json:"status"`
	RequestedBy     string     `db:"requested_by" json:"requested_by"`
	RequestedAt     time.Time  `db:"requested_at" json:"requested_at"`
	FinishedAt      *time.Time `db:"finished_at" json:"finished_at,omitempty"`
	UpdatedAt       time.Time  `db:"updated_at" json:"updated_at"`
}

const refundColumns = `id, order_id, attempt_id, channel, channel_refund_id, amount_fen, refunded_fen, reason, status,
	requested_by, requested_at, finished_at, updated_at`

// maxRefunds bounds the refunds of one order (the refund number has three digits).
const maxRefunds = 999

// Refund returns amountFen of order id to its payer through the channel that took the money,
// for reason. Only approvers of the payee organisation may; the order must have received
// money not yet refunded or being refunded. The refund is final when the channel's callback
// says so (payment.refunded); an exception order is resolved by refunding all it received.
//
// Returns errs.NotFound when p may not see the order, errs.Forbidden when p may see but not
// refund, errs.Conflict when nothing can be refunded, errs.Invalid on "amount" or "reason",
// errs.Unavailable when the channel cannot be reached (the refund is then failed and may be
// asked for again).
func (s *Service) Refund(ctx context.Context, p principal.Principal, id string, amountFen int64, reason string) (r Refund, err error) {
	defer errs.Wrap(&err, "payments.Refund(%s)", id)
	reason = strings.TrimSpace(reason)
	var a Attempt
	var ch Channel
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		if !validID(id) {
			return errs.E(errs.NotFound, "payments.error.order_not_found")
		}
		o, err := getTx(ctx, tx, id)
		if err != nil {
			return err
		}
		switch {
		case !canSee(p, o):
			return errs.E(errs.NotFound, "payments.error.order_not_found")
		case !canRefund(p, o.Org):
			return errs.E(errs.Forbidden, "payments.error.refund_forbidden")
		case o.Status != Paid && o.Status != PartiallyRefunded && o.Status != Exception || o.Refundable() <= 0:
			return errs.E(errs.Conflict, "payments.error.not_refundable")
		case !textOK(reason, minReason, maxReason):
			return errs.Field("reason", "payments.error.reason", minReason, maxReason)
		}
		var pending int64
		if err := tx.Get(ctx, &pending, `SELECT COALESCE(SUM(amount_fen), 0) FROM payment_refunds
			WHERE order_id = ? AND status IN ('requested', 'processing')`, o.ID); err != nil {
			return err
		}
		left := o.Refundable() - pending
		if left <= 0 {
			return errs.E(errs.Conflict, "payments.error.refund_pending")
		}
		if amountFen <= 0 || amountFen > left {
			return errs.Field("amount", "payments.error.refund_amount", Yuan(left))
		}
		// The money goes back through the payment that brought it: the latest one with enough
		// left on it.
		var paid []struct {
			Attempt
			Used int64 `db:"used"`
		}
		if err := tx.Select(ctx, &paid, `SELECT `+prefixed("a.", attemptColumns)+`,
			COALESCE((SELECT SUM(CASE WHEN r.status = 'succeeded' THEN r.refunded_fen ELSE r.amount_fen END)
				FROM payment_refunds r WHERE r.attempt_id = a.id AND r.status <> 'failed'), 0) AS used
			FROM payment_attempts a WHERE a.order_id = ? AND a.status = 'succeeded' ORDER BY a.succeeded_at DESC, a.id DESC`, o.ID); err != nil {
			return err
		}
		found := false
		for _, pa := range paid {
			if pa.ReceivedFen-pa.Used >= amountFen {
				a, found = pa.Attempt, true
				break
			}
		}
		if !found {
			return errs.Field("amount", "payments.error.refund_split")
		}
		var ok bool
		if ch, ok = s.channel(a.Channel); !ok {
			return errs.E(errs.Unavailable, "payments.error.channel_unavailable")
		}
		var n int
		if err := tx.Get(ctx, &n, `SELECT COUNT(*) FROM payment_refunds WHERE order_id = ?`, o.ID); err != nil {
			return err
		}
		if n >= maxRefunds {
			return errs.E(errs.Conflict, "payments.error.too_many_refunds")
		}
		r = Refund{ID: fmt.Sprintf("R%s%03d", o.NoticeNumber, n+1), OrderID: o.ID, AttemptID: a.ID, Channel: a.Channel,
			AmountFen: amountFen, Reason: reason, Status: RefundRequested, RequestedBy: p.Actor(), RequestedAt: tx.Now, UpdatedAt: tx.Now}
		if _, err := tx.Exec(ctx, `INSERT INTO payment_refunds (id, order_id, attempt_id, channel, amount_fen, reason, status,
			requested_by, requested_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, r.OrderID, r.AttemptID, r.Channel,
			r.AmountFen, r.Reason, r.Status, r.RequestedBy, r.RequestedAt, r.UpdatedAt); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "payment.refund_request", ObjectType: "payment_refund", ObjectID: r.ID,
			After: r, Detail: map[string]any{"order": o.ID, "org": o.Org, "amount_fen": amountFen}})
	})
	if err != nil {
		return Refund{}, err
	}
	st, cerr := ch.Refund(ctx, RefundRequest{RefundRef: r.ID, MerchantRef: a.ID, TransactionID: a.ChannelTxn,
		AmountFen: r.AmountFen, Reason: r.Reason})
	cctx := principal.With(ctx, channelPrincipal(a.Channel))
	err = s.db.Transact(cctx, func(tx *store.Tx) error {
		if cerr != nil || st.Status == ChannelFailed {
			if _, err := tx.Exec(ctx, `UPDATE payment_refunds SET status = 'failed', updated_at = ? WHERE id = ? AND status = 'requested'`,
				tx.Now, r.ID); err != nil {
				return err
			}
			return audit.Record(ctx, tx, audit.Change{Action: "payment.refund_failed", ObjectType: "payment_refund", ObjectID: r.ID,
				Detail: map[string]any{"order": r.OrderID}})
		}
		if _, err := tx.Exec(ctx, `UPDATE payment_refunds SET status = 'processing', channel_refund_id = ?, updated_at = ?
			WHERE id = ? AND status = 'requested'`, st.RefundID, tx.Now, r.ID); err != nil {
			return err
		}
		if st.Status == ChannelSucceeded {
			// Final already: apply it as its callback would be.
			_, err := s.applyRefund(cctx, tx, a.Channel, Notification{Kind: KindRefund, MerchantRef: a.ID, TransactionID: a.ChannelTxn,
				Status: ChannelSucceeded, AmountFen: r.AmountFen, RefundRef: r.ID, RefundID: st.RefundID, At: st.At})
			return err
		}
		return nil
	})
	if err != nil {
		return Refund{}, err
	}
	switch {
	case cerr != nil && errs.KindOf(cerr) == errs.Internal:
		return Refund{}, errs.Wrapf(errs.Unavailable, cerr, "payments.error.channel_unavailable")
	case cerr != nil:
		return Refund{}, cerr
	case st.Status == ChannelFailed:
		return Refund{}, errs.E(errs.Conflict, "payments.error.refund_refused")
	}
	return s.refund(ctx, r.ID)
}

func (s *Service) refund(ctx context.Context, id string) (Refund, error) {
	var r Refund
	err := s.db.Get(ctx, &r, `SELECT `+refundColumns+` FROM payment_refunds WHERE id = ?`, id)
	return r, err
}

// Refunds returns the refunds of order id, oldest first, if p may see the order.
func (s *Service) Refunds(ctx context.Context, p principal.Principal, id string) ([]Refund, error) {
	if _, err := s.Get(ctx, p, id); err != nil {
		return nil, err
	}
	var out []Refund
	err := s.db.Select(ctx, &out, `SELECT `+refundColumns+` FROM payment_refunds WHERE order_id = ? ORDER BY requested_at, id`, id)
	return out, err
}

// prefixed puts prefix before every column of a column list.
func prefixed(prefix, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = prefix + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// applyRefund applies a verified refund notification (or a final answer to a refund request).
// The rules: a refund we never asked for is an exception (unknown_refund) — the money left, so
// it counts as refunded on its order, which becomes an exception; a refund already final
// stays as it is (the same state again is a duplicate, another one stale); "failed" fails it;
// "succeeded" records the money returned and settles the order (payment.refunded, the payer is
// told), and an amount other than asked for makes the order an exception
// (refund_amount_mismatch).
func (s *Service) applyRefund(ctx context.Context, tx *store.Tx, channel string, n Notification) (outcome, error) {
	var r Refund
	err := tx.Get(ctx, &r, `SELECT `+refundColumns+` FROM payment_refunds WHERE id = ? AND channel = ?`, n.RefundRef, channel)
	if errs.Is(err, errs.NotFound) {
		out := outcome{kind: OutcomeException, reason: ReasonUnknownRefund}
		a, err := attemptTx(ctx, tx, n.MerchantRef, channel)
		if errs.Is(err, errs.NotFound) {
			return out, events.Enqueue(ctx, tx, TopicException, ExceptionEvent{Reason: ReasonUnknownRefund, Channel: channel,
				MerchantRef: n.MerchantRef, TransactionID: n.TransactionID, AmountFen: n.AmountFen})
		}
		if err != nil {
			return out, err
		}
		o, err := getTx(ctx, tx, a.OrderID)
		if err != nil {
			return out, err
		}
		out.orderID = o.ID
		if n.Status == ChannelSucceeded {
			o.RefundedFen += n.AmountFen
			if _, err := tx.Exec(ctx, `UPDATE payment_orders SET refunded_fen = ?, updated_at = ? WHERE id = ?`, o.RefundedFen, tx.Now, o.ID); err != nil {
				return out, err
			}
		}
		return out, s.exceptionTx(ctx, tx, o, true, ReasonUnknownRefund, channel, n)
	}
	if err != nil {
		return outcome{}, err
	}
	out := outcome{kind: OutcomeAccepted, orderID: r.OrderID}
	switch r.Status {
	case RefundSucceeded, RefundFailed:
		if r.Status == RefundSucceeded && n.Status == ChannelSucceeded || r.Status == RefundFailed && n.Status == ChannelFailed {
			out.kind = OutcomeDuplicate
		} else {
			out.kind, out.reason = OutcomeStale, "refund_already_"+r.Status
		}
		return out, nil
	}
	if n.Status == ChannelFailed {
		if _, err := tx.Exec(ctx, `UPDATE payment_refunds SET status = 'failed', channel_refund_id = ?, finished_at = ?, updated_at = ?
			WHERE id = ?`, n.RefundID, atOr(n.At, tx.Now), tx.Now, r.ID); err != nil {
			return out, err
		}
		return out, audit.Record(ctx, tx, audit.Change{Action: "payment.refund_failed", ObjectType: "payment_refund", ObjectID: r.ID,
			Detail: map[string]any{"order": r.OrderID}})
	}
	at := atOr(n.At, tx.Now)
	if _, err := tx.Exec(ctx, `UPDATE payment_refunds SET status = 'succeeded', refunded_fen = ?, channel_refund_id = ?,
		finished_at = ?, updated_at = ? WHERE id = ?`, n.AmountFen, n.RefundID, at, tx.Now, r.ID); err != nil {
		return out, err
	}
	o, err := getTx(ctx, tx, r.OrderID)
	if err != nil {
		return out, err
	}
	before := o
	o.RefundedFen += n.AmountFen
	if _, err := tx.Exec(ctx, `UPDATE payment_orders SET refunded_fen = ?, updated_at = ? WHERE id = ?`, o.RefundedFen, tx.Now, o.ID); err != nil {
		return out, err
	}
	if n.AmountFen != r.AmountFen {
		out.kind, out.reason = OutcomeException, ReasonRefundMismatch
		return out, s.exceptionTx(ctx, tx, o, true, ReasonRefundMismatch, channel, n)
	}
	if err := s.settleTx(ctx, tx, &o); err != nil {
		return out, err
	}
	if err := audit.Record(ctx, tx, audit.Change{Action: "payment.refunded", ObjectType: "payment_order", ObjectID: o.ID,
		Before: before, After: o, Detail: map[string]any{"refund": r.ID, "amount_fen": n.AmountFen}}); err != nil {
		return out, err
	}
	if err := events.Enqueue(ctx, tx, TopicRefunded, RefundedEvent{OrderID: o.ID, RefundID: r.ID, ReferenceKind: o.ReferenceKind,
		ReferenceID: o.ReferenceID, AmountFen: n.AmountFen, RefundedFen: o.RefundedFen, Status: o.Status}); err != nil {
		return out, err
	}
	if s.opt.Notifier != nil {
		return out, s.opt.Notifier.SendTx(ctx, tx, o.Payer, "payments.notify.refunded",
			[]string{Yuan(n.AmountFen), GroupNotice(o.NoticeNumber)}, OrderPath(o.ID))
	}
	return out, nil
}
