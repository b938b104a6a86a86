package payments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/events"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Event topics.
const (
	TopicPaid      = "payment.paid"
	TopicRefunded  = "payment.refunded"
	TopicException = "payment.exception"
)

// PaidEvent is the payload of payment.paid.
type PaidEvent struct {
	OrderID       string `json:"order_id"`
	ReferenceKind string `json:"reference_kind"`
	ReferenceID   string `json:"reference_id"`
	AmountFen     int64  `json:"amount_fen"`
	Org           string `json:"org"`
	NoticeNumber  string `json:"notice_number"`
}

// RefundedEvent is the payload of payment.refunded.
type RefundedEvent struct {
	OrderID       string `json:"order_id"`
	RefundID      string `json:"refund_id"`
	ReferenceKind string `json:"reference_kind"`
	ReferenceID   string `json:"reference_id"`
	AmountFen     int64  `json:"amount_fen"`   // this refund
	RefundedFen   int64  `json:"refunded_fen"` // all refunds of the order so far
	Status        Status `json:"status"`       // the order's status after it
}

// ExceptionEvent is the payload of payment.exception.
type ExceptionEvent struct {
	OrderID       string `json:"order_id,omitempty"`
	ReferenceKind string `json:"reference_kind,omitempty"`
	ReferenceID   string `json:"reference_id,omitempty"`
	Org           string `json:"org,omitempty"`
	Reason        string `json:"reason"`
	Channel       string `json:"channel"`
	MerchantRef   string `json:"merchant_ref,omitempty"`
	TransactionID string `json:"transaction_id,omitempty"`
	AmountFen     int64  `json:"amount_fen"`
}

// MaxCallbackBody bounds a callback's body; channels' notifications are a few hundred bytes.
const MaxCallbackBody = 64 << 10

// channelPrincipal is who acts when a channel's callback changes an order (audit records name
// it).
func channelPrincipal(channel string) principal.Principal {
	return principal.Principal{Kind: principal.System, Login: "channel." + channel, Name: channel}
}

// HandleCallback verifies, records and applies a channel's asynchronous notification. The
// channel's signature is checked first: a forged or unreadable callback changes nothing and is
// refused (errs.Unauthenticated or errs.Invalid) with only a rejected-callback record kept. A
// notification already applied is acknowledged again and changes nothing; one older than what
// is known (closed after paid) changes nothing; one that says money moved in a way the order
// does not allow makes the order an exception (event payment.exception) and is acknowledged —
// repeating it would not help. Every callback is recorded. A nil error means: tell the channel
// it was received.
func (s *Service) HandleCallback(ctx context.Context, channel string, body []byte, headers map[string]string) (err error) {
	defer errs.Wrap(&err, "payments.HandleCallback(%s)", channel)
	ctx = principal.With(ctx, channelPrincipal(channel))
	sum := sha256.Sum256(body)
	rec := Callback{Channel: channel, BodySHA256: hex.EncodeToString(sum[:]), BodySize: len(body)}
	sig := headers["Acquirer-Signature"]
	for _, k := range []string{"Signature", "Wechatpay-Signature"} {
		if sig == "" {
			sig = headers[k]
		}
	}
	ch, ok := s.channel(channel)
	if !ok {
		rec.Channel = truncate(channel, 32)
		return s.reject(ctx, rec, sig, errs.E(errs.NotFound, "payments.error.channel_unknown"))
	}
	if len(body) > MaxCallbackBody {
		return s.reject(ctx, rec, sig, errs.E(errs.TooLarge, "error.too_large"))
	}
	n, err := ch.ParseCallback(body, headers)
	if err == nil {
		err = validNotification(n)
	}
	if err != nil {
		if k := errs.KindOf(err); k != errs.Unauthenticated && k != errs.Invalid {
			err = errs.Wrapf(errs.Invalid, err, "payments.error.callback_unreadable")
		}
		return s.reject(ctx, rec, sig, err)
	}
	rec.NotificationID, rec.Kind, rec.MerchantRef = n.ID, n.Kind, n.MerchantRef
	if utf8.Valid(body) {
		rec.Body = string(body)
	}
	rec.Signature = truncate(sig, 512)
	return s.db.Transact(ctx, func(tx *store.Tx) error {
		r := rec
		var out outcome
		var seen int
		if err := tx.Get(ctx, &seen, `SELECT COUNT(*) FROM payment_callbacks WHERE dedupe_key = ?`, dedupeKey(channel, n.ID)); err != nil {
			return err
		}
		if seen > 0 {
			out = outcome{kind: OutcomeDuplicate, reason: "notification_seen"}
			out.orderID, _ = orderOfRef(ctx, tx, n)
		} else {
			var err error
			if n.Kind == KindRefund {
				out, err = s.applyRefund(ctx, tx, channel, n)
			} else {
				out, err = s.applyPayment(ctx, tx, channel, n)
			}
			if err != nil {
				return err
			}
		}
		r.OrderID, r.Outcome, r.Reason = out.orderID, out.kind, out.reason
		return recordCallback(ctx, tx, r, out.kind != OutcomeDuplicate)
	})
}

// reject records a callback that was not applied, in a transaction of its own, and returns
// cause.
func (s *Service) reject(ctx context.Context, rec Callback, sig string, cause error) error {
	rec.Outcome, rec.Reason = OutcomeRejected, errs.Public(cause).Message
	rec.Signature = truncate(sig, 512)
	if err := s.db.Transact(ctx, func(tx *store.Tx) error { return recordCallback(ctx, tx, rec, false) }); err != nil {
		return err
	}
	return cause
}

func dedupeKey(channel, id string) string { return channel + ":" + id }

// recordCallback stores rec; applied marks it as the one application of its notification.
func recordCallback(ctx context.Context, tx *store.Tx, rec Callback, applied bool) error {
	var key *string
	if applied && rec.NotificationID != "" {
		k := dedupeKey(rec.Channel, rec.NotificationID)
		key = &k
	}
	body := rec.Body
	if rec.Outcome == OutcomeRejected {
		body = "" // never keep what nobody vouched for
	}
	id, err := tx.InsertID(ctx, `INSERT INTO payment_callbacks (channel, notification_id, dedupe_key, kind, order_id, merchant_ref,
		outcome, reason, body_sha256, body_size, body, signature, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		rec.Channel, truncate(rec.NotificationID, 64), key, rec.Kind, rec.OrderID, truncate(rec.MerchantRef, 64), rec.Outcome,
		rec.Reason, rec.BodySHA256, rec.BodySize, body, rec.Signature, tx.Now)
	if err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Change{Action: "payment.callback_" + rec.Outcome, ObjectType: "payment_callback",
		ObjectID: fmt.Sprint(id), Detail: map[string]any{"channel": rec.Channel, "order": rec.OrderID, "reason": rec.Reason,
			"body_sha256": rec.BodySHA256}})
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// validNotification checks what a channel's parser produced before anything is applied.
func validNotification(n Notification) error {
	bad := func() error { return errs.E(errs.Invalid, "payments.error.callback_unreadable") }
	switch {
	case len(n.ID) > 64 || len(n.MerchantRef) == 0 || len(n.MerchantRef) > 64 || len(n.TransactionID) > 64:
		return bad()
	case n.AmountFen <= 0 && n.Status == ChannelSucceeded, n.AmountFen < 0 || n.AmountFen > MaxAmountFen:
		return bad()
	}
	switch n.Kind {
	case KindPayment:
		if n.Status != ChannelSucceeded && n.Status != ChannelClosed {
			return bad()
		}
	case KindRefund:
		if (n.Status != ChannelSucceeded && n.Status != ChannelFailed) || n.RefundRef == "" || len(n.RefundRef) > 64 || len(n.RefundID) > 64 {
			return bad()
		}
	default:
		return bad()
	}
	return nil
}

// outcome is what a notification did.
type outcome struct {
	kind, reason, orderID string
}

// orderOfRef finds the order a notification is about, "" if none.
func orderOfRef(ctx context.Context, tx *store.Tx, n Notification) (string, error) {
	var id string
	err := tx.Get(ctx, &id, `SELECT order_id FROM payment_attempts WHERE id = ?`, n.MerchantRef)
	if errs.Is(err, errs.NotFound) {
		return "", nil
	}
	return id, err
}

// atOr is t, or now when the channel did not say when.
func atOr(t, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	return t.UTC()
}

// applyPayment applies a verified payment notification (or the answer to a query) to its
// attempt and order. The rules, in order:
//
//   - an attempt we never opened: exception without an order (unknown_payment);
//   - another transaction id than the channel gave us for the attempt: the order is an
//     exception (transaction_mismatch);
//   - "succeeded" for an attempt already succeeded: duplicate;
//   - "succeeded" otherwise records the money on the attempt and the order, and then: an
//     amount other than the attempt's is an exception (amount_mismatch); an unpaid or paying
//     order becomes paid (payment.paid, the payer is told); a paid order was paid twice
//     (double_payment: it stays paid, the second payment is to be refunded); a closed or
//     expired order becomes an exception (paid_after_close); an exception stays one;
//   - "closed" for an attempt already succeeded: stale (success is final at a channel);
//     closed again: duplicate; otherwise the attempt closes, and a paying order with no other
//     open payment is unpaid again.
func (s *Service) applyPayment(ctx context.Context, tx *store.Tx, channel string, n Notification) (outcome, error) {
	a, err := attemptTx(ctx, tx, n.MerchantRef, channel)
	if errs.Is(err, errs.NotFound) {
		return outcome{kind: OutcomeException, reason: ReasonUnknownPayment},
			events.Enqueue(ctx, tx, TopicException, ExceptionEvent{Reason: ReasonUnknownPayment, Channel: channel,
				MerchantRef: n.MerchantRef, TransactionID: n.TransactionID, AmountFen: n.AmountFen})
	}
	if err != nil {
		return outcome{}, err
	}
	o, err := getTx(ctx, tx, a.OrderID)
	if err != nil {
		return outcome{}, err
	}
	out := outcome{kind: OutcomeAccepted, orderID: o.ID}
	if a.ChannelTxn != "" && n.TransactionID != "" && a.ChannelTxn != n.TransactionID {
		out.kind, out.reason = OutcomeException, ReasonTransactionMismatch
		return out, s.exceptionTx(ctx, tx, o, true, ReasonTransactionMismatch, channel, n)
	}
	if n.Status == ChannelClosed {
		switch a.Status {
		case AttemptSucceeded:
			out.kind, out.reason = OutcomeStale, "closed_after_succeeded"
			return out, nil
		case AttemptClosed:
			out.kind = OutcomeDuplicate
			return out, nil
		}
		if _, err := tx.Exec(ctx, `UPDATE payment_attempts SET status = 'closed', updated_at = ?,
			channel_txn = CASE WHEN channel_txn = '' THEN ? ELSE channel_txn END WHERE id = ?`, tx.Now, n.TransactionID, a.ID); err != nil {
			return out, err
		}
		if err := s.unpaidIfIdleTx(ctx, tx, o.ID); err != nil {
			return out, err
		}
		return out, audit.Record(ctx, tx, audit.Change{Action: "payment.attempt_closed", ObjectType: "payment_attempt", ObjectID: a.ID,
			Detail: map[string]any{"order": o.ID, "channel": channel}})
	}
	if a.Status == AttemptSucceeded {
		out.kind = OutcomeDuplicate
		return out, nil
	}
	at := atOr(n.At, tx.Now)
	if _, err := tx.Exec(ctx, `UPDATE payment_attempts SET status = 'succeeded', channel_txn = ?, received_fen = ?, method = ?,
		succeeded_at = ?, updated_at = ? WHERE id = ?`, n.TransactionID, n.AmountFen, truncate(n.Method, 32), at, tx.Now, a.ID); err != nil {
		return out, err
	}
	before := o
	o.ReceivedFen += n.AmountFen
	if _, err := tx.Exec(ctx, `UPDATE payment_orders SET received_fen = ?, updated_at = ? WHERE id = ?`, o.ReceivedFen, tx.Now, o.ID); err != nil {
		return out, err
	}
	if n.AmountFen != a.AmountFen {
		out.kind, out.reason = OutcomeException, ReasonAmountMismatch
		return out, s.exceptionTx(ctx, tx, o, true, ReasonAmountMismatch, channel, n)
	}
	switch o.Status {
	case Unpaid, Paying:
		o.Status, o.PaidAt, o.Channel, o.ChannelTxn, o.Method, o.UpdatedAt = Paid, &at, channel, n.TransactionID, truncate(n.Method, 32), tx.Now
		if _, err := tx.Exec(ctx, `UPDATE payment_orders SET status = ?, paid_at = ?, channel = ?, channel_txn = ?, method = ?,
			updated_at = ? WHERE id = ?`, string(o.Status), at, channel, o.ChannelTxn, o.Method, tx.Now, o.ID); err != nil {
			return out, err
		}
		if err := audit.Record(ctx, tx, audit.Change{Action: "payment.paid", ObjectType: "payment_order", ObjectID: o.ID,
			Before: before, After: o, Detail: map[string]any{"attempt": a.ID, "channel": channel, "amount_fen": n.AmountFen}}); err != nil {
			return out, err
		}
		if err := events.Enqueue(ctx, tx, TopicPaid, PaidEvent{OrderID: o.ID, ReferenceKind: o.ReferenceKind, ReferenceID: o.ReferenceID,
			AmountFen: n.AmountFen, Org: o.Org, NoticeNumber: o.NoticeNumber}); err != nil {
			return out, err
		}
		if s.opt.Notifier != nil {
			return out, s.opt.Notifier.SendTx(ctx, tx, o.Payer, "payments.notify.paid",
				[]string{Yuan(n.AmountFen), GroupNotice(o.NoticeNumber)}, OrderPath(o.ID))
		}
		return out, nil
	case Paid, PartiallyRefunded, Refunded:
		out.kind, out.reason = OutcomeException, ReasonDoublePayment
		if err := s.settleTx(ctx, tx, &o); err != nil {
			return out, err
		}
		return out, s.exceptionTx(ctx, tx, o, false, ReasonDoublePayment, channel, n)
	case Exception:
		out.kind, out.reason = OutcomeException, ReasonDoublePayment
		return out, s.exceptionTx(ctx, tx, o, false, ReasonDoublePayment, channel, n)
	}
	// Closed or expired: the money arrived for a fee no longer due.
	out.kind, out.reason = OutcomeException, ReasonPaidAfterClose
	return out, s.exceptionTx(ctx, tx, o, true, ReasonPaidAfterClose, channel, n)
}

// exceptionTx announces an exception on order o; mark makes the order itself an exception.
func (s *Service) exceptionTx(ctx context.Context, tx *store.Tx, o Order, mark bool, reason, channel string, n Notification) error {
	if mark && o.Status != Exception {
		before := o
		o.Status, o.ExceptionReason, o.UpdatedAt = Exception, reason, tx.Now
		if _, err := tx.Exec(ctx, `UPDATE payment_orders SET status = ?, exception_reason = ?, updated_at = ? WHERE id = ?`,
			string(o.Status), reason, tx.Now, o.ID); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Change{Action: "payment.exception", ObjectType: "payment_order", ObjectID: o.ID,
			Before: before, After: o, Detail: map[string]any{"reason": reason, "channel": channel, "amount_fen": n.AmountFen}}); err != nil {
			return err
		}
	}
	return events.Enqueue(ctx, tx, TopicException, ExceptionEvent{OrderID: o.ID, ReferenceKind: o.ReferenceKind,
		ReferenceID: o.ReferenceID, Org: o.Org, Reason: reason, Channel: channel, MerchantRef: n.MerchantRef,
		TransactionID: n.TransactionID, AmountFen: n.AmountFen})
}

// settleTx sets the status of an order that received money from what it kept: nothing kept is
// refunded, the total kept is paid (an overpayment returned), less is partially refunded. An
// exception stays one until everything received was returned.
func (s *Service) settleTx(ctx context.Context, tx *store.Tx, o *Order) error {
	kept := o.ReceivedFen - o.RefundedFen
	next := o.Status
	switch {
	case kept <= 0 && o.ReceivedFen > 0:
		next = Refunded
	case o.Status == Exception:
	case kept >= o.TotalFen:
		next = Paid
	case o.Status == Paid || o.Status == PartiallyRefunded || o.Status == Refunded:
		next = PartiallyRefunded
	}
	if next == o.Status {
		return nil
	}
	o.Status, o.UpdatedAt = next, tx.Now
	_, err := tx.Exec(ctx, `UPDATE payment_orders SET status = ?, updated_at = ? WHERE id = ?`, string(next), tx.Now, o.ID)
	return err
}
