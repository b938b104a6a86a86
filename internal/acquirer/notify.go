package acquirer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/yiwang-platform/yiwang/internal/store"
)

// Notification is the body the acquirer posts to a merchant's notify URL. A notification sent
// again (a retry, or a duplicate) has the same NotifyID and body; only its signature header's
// time changes.
type Notification struct {
	NotifyID      string    `json:"notify_id"`
	NotifyType    string    `json:"notify_type"` // "payment" or "refund"
	MerchantID    string    `json:"merchant_id"`
	OutTradeNo    string    `json:"out_trade_no"`
	TransactionID string    `json:"transaction_id"`
	TradeStatus   string    `json:"trade_status,omitempty"` // payment: SUCCESS or CLOSED
	AmountFen     int64     `json:"amount_fen"`             // payment: paid; refund: the payment's amount
	Method        string    `json:"method,omitempty"`
	OutRefundNo   string    `json:"out_refund_no,omitempty"`
	RefundID      string    `json:"refund_id,omitempty"`
	RefundStatus  string    `json:"refund_status,omitempty"` // refund: SUCCESS or FAILED
	RefundFen     int64     `json:"refund_fen,omitempty"`
	EventTime     time.Time `json:"event_time"`
}

// Fault is a way the sandbox misbehaves on purpose, for tests of the platform.
type Fault string

// Faults.
const (
	// Duplicate sends the notification twice.
	Duplicate Fault = "duplicate"
	// OutOfOrder holds the notification back until a later notification of the same payment
	// has been delivered (or HoldMax passed).
	OutOfOrder Fault = "out_of_order"
	// WrongAmount sends the notification with one yuan less than the amount that moved (one
	// more for amounts of a yuan or less); the statement keeps the true amount.
	WrongAmount Fault = "wrong_amount"
	// Drop never sends the notification (the statement still has the payment).
	Drop Fault = "drop"
)

type plannedFault struct {
	ref    string // out_trade_no, "" for any
	faults []Fault
}

// Misbehave makes the next notification about the payment with merchant reference ref ("" for
// the next notification about any payment) misbehave in all the ways given. Calls queue up:
// each applies to one notification.
func (a *Acquirer) Misbehave(ref string, faults ...Fault) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.faults = append(a.faults, plannedFault{ref: ref, faults: faults})
}

// takeFaults removes and returns the faults planned for the next notification about ref.
func (a *Acquirer) takeFaults(ref string) map[Fault]bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i, f := range a.faults {
		if f.ref == "" || f.ref == ref {
			a.faults = append(a.faults[:i:i], a.faults[i+1:]...)
			out := map[Fault]bool{}
			for _, x := range f.faults {
				out[x] = true
			}
			return out
		}
	}
	return nil
}

// enqueueTx queues notification n about payment p for url, misbehaving as planned.
func (a *Acquirer) enqueueTx(ctx context.Context, tx *store.Tx, p paymentRow, url string, n Notification, faults map[Fault]bool) error {
	n.NotifyID = "ntf_" + randomHex(12)
	n.MerchantID, n.OutTradeNo, n.TransactionID = p.MerchantID, p.OutTradeNo, p.ID
	if faults[WrongAmount] {
		amount := &n.AmountFen
		if n.NotifyType == "refund" {
			amount = &n.RefundFen
		}
		if *amount > 100 {
			*amount -= 100
		} else {
			*amount += 100
		}
	}
	body, err := json.Marshal(n)
	if err != nil {
		return err
	}
	status, next := "pending", tx.Now
	switch {
	case faults[Drop]:
		status = "dropped"
	case faults[OutOfOrder]:
		status, next = "held", tx.Now.Add(a.cfg.HoldMax)
	}
	copies := 1
	if faults[Duplicate] {
		copies = 2
	}
	for range copies {
		if _, err := tx.Exec(ctx, `INSERT INTO acquirer_notifications (notify_id, merchant_id, payment_id, url, body, status,
			next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, n.NotifyID, p.MerchantID, p.ID, url, string(body), status,
			next, tx.Now); err != nil {
			return err
		}
	}
	return nil
}

type notificationRow struct {
	ID        int64  `db:"id"`
	NotifyID  string `db:"notify_id"`
	PaymentID string `db:"payment_id"`
	URL       string `db:"url"`
	Body      string `db:"body"`
	Status    string `db:"status"`
	Attempts  int    `db:"attempts"`
}

// Tick does the acquirer's background work once: closes payments whose time ran out, completes
// refunds, and delivers every notification that is due (including those a delivery released).
func (a *Acquirer) Tick(ctx context.Context) error {
	if err := a.closeExpired(ctx); err != nil {
		return err
	}
	if err := a.completeRefunds(ctx); err != nil {
		return err
	}
	for range 20 {
		n, err := a.deliverDue(ctx)
		if err != nil || n == 0 {
			return err
		}
	}
	return nil
}

// Run does the background work until ctx ends: every PollInterval, and at once when woken.
func (a *Acquirer) Run(ctx context.Context) error {
	t := time.NewTicker(a.cfg.PollInterval)
	defer t.Stop()
	prune := time.NewTicker(time.Hour)
	defer prune.Stop()
	for {
		if err := a.Tick(ctx); err != nil && ctx.Err() == nil {
			a.cfg.Logger.Error("sandbox acquirer", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-prune.C:
			if err := a.db.Transact(ctx, func(tx *store.Tx) error {
				_, err := tx.Exec(ctx, `DELETE FROM acquirer_nonces WHERE expires_at < ?`, tx.Now)
				return err
			}); err != nil && ctx.Err() == nil {
				a.cfg.Logger.Error("sandbox acquirer: pruning nonces", "err", err)
			}
		case <-t.C:
		case <-a.wake:
		}
	}
}

// closeExpired closes payments nobody paid in time and tells their merchants.
func (a *Acquirer) closeExpired(ctx context.Context) error {
	var due []paymentRow
	if err := a.db.Select(ctx, &due, `SELECT `+paymentCols+` FROM acquirer_payments WHERE status = 'pending' AND expires_at <= ?
		ORDER BY expires_at LIMIT 100`, a.db.Clock().Now()); err != nil {
		return err
	}
	for _, p := range due {
		if _, err := a.close(ctx, p.ID, true); err != nil {
			return err
		}
	}
	return nil
}

// close closes pending payment id (cancelled at the cashier, or expired) and queues its
// notification; it reports whether it closed it.
func (a *Acquirer) close(ctx context.Context, id string, expired bool) (bool, error) {
	var p paymentRow
	if err := a.db.Get(ctx, &p, `SELECT `+paymentCols+` FROM acquirer_payments WHERE id = ?`, id); err != nil {
		return false, err
	}
	faults := a.takeFaults(p.OutTradeNo)
	closed := false
	err := a.db.Transact(ctx, func(tx *store.Tx) error {
		if err := tx.Get(ctx, &p, `SELECT `+paymentCols+` FROM acquirer_payments WHERE id = ?`, id); err != nil {
			return err
		}
		if p.Status != "pending" || expired && tx.Now.Before(p.ExpiresAt) {
			closed = false
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE acquirer_payments SET status = 'closed', closed_at = ? WHERE id = ?`, tx.Now, id); err != nil {
			return err
		}
		closed = true
		return a.enqueueTx(ctx, tx, p, p.NotifyURL, Notification{NotifyType: "payment", TradeStatus: wireClosed, AmountFen: p.AmountFen,
			EventTime: tx.Now}, faults)
	})
	if err == nil && closed {
		a.Wake()
	}
	return closed, err
}

// completeRefunds makes the refunds being processed succeed (the sandbox's bank always pays
// back) and queues their notifications.
func (a *Acquirer) completeRefunds(ctx context.Context) error {
	var due []refundRow
	if err := a.db.Select(ctx, &due, `SELECT `+refundCols+` FROM acquirer_refunds WHERE status = 'processing' ORDER BY created_at, id
		LIMIT 100`); err != nil {
		return err
	}
	for _, rf := range due {
		var p paymentRow
		if err := a.db.Get(ctx, &p, `SELECT `+paymentCols+` FROM acquirer_payments WHERE id = ?`, rf.PaymentID); err != nil {
			return err
		}
		faults := a.takeFaults(p.OutTradeNo)
		err := a.db.Transact(ctx, func(tx *store.Tx) error {
			res, err := tx.Exec(ctx, `UPDATE acquirer_refunds SET status = 'succeeded', finished_at = ? WHERE id = ? AND status = 'processing'`,
				tx.Now, rf.ID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil
			}
			return a.enqueueTx(ctx, tx, p, rf.NotifyURL, Notification{NotifyType: "refund", AmountFen: p.AmountFen,
				OutRefundNo: rf.OutRefundNo, RefundID: rf.ID, RefundStatus: wireSuccess, RefundFen: rf.AmountFen, EventTime: tx.Now}, faults)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// deliverDue posts the notifications that are due, oldest first, and returns how many it tried.
func (a *Acquirer) deliverDue(ctx context.Context) (int, error) {
	now := a.db.Clock().Now()
	var due []notificationRow
	if err := a.db.Select(ctx, &due, `SELECT id, notify_id, payment_id, url, body, status, attempts FROM acquirer_notifications
		WHERE status IN ('pending', 'held') AND next_attempt_at <= ? ORDER BY id LIMIT 50`, now); err != nil {
		return 0, err
	}
	for _, n := range due {
		err := a.post(ctx, n)
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		if err := a.db.Transact(ctx, func(tx *store.Tx) error {
			if err == nil {
				if _, err := tx.Exec(ctx, `UPDATE acquirer_notifications SET status = 'delivered', attempts = attempts + 1,
					delivered_at = ?, last_error = '' WHERE id = ?`, tx.Now, n.ID); err != nil {
					return err
				}
				// Notifications of the same payment held back for this one may go now.
				_, err := tx.Exec(ctx, `UPDATE acquirer_notifications SET status = 'pending', next_attempt_at = ?
					WHERE payment_id = ? AND status = 'held' AND id < ?`, tx.Now, n.PaymentID, n.ID)
				return err
			}
			attempts := n.Attempts + 1
			status, next := "pending", tx.Now.Add(a.backoff(attempts))
			if attempts >= a.cfg.MaxAttempts {
				status = "failed"
			}
			_, uerr := tx.Exec(ctx, `UPDATE acquirer_notifications SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?
				WHERE id = ?`, status, attempts, next, truncate(err.Error(), 300), n.ID)
			return uerr
		}); err != nil {
			return 0, err
		}
	}
	return len(due), nil
}

// backoff is the wait after the given number of failed attempts.
func (a *Acquirer) backoff(attempts int) time.Duration {
	d := a.cfg.RetryBase
	for i := 1; i < attempts && d < a.cfg.RetryMax; i++ {
		d *= 2
	}
	return min(d, a.cfg.RetryMax)
}

// post delivers one notification, signed now; any 2xx answer acknowledges it.
func (a *Acquirer) post(ctx context.Context, n notificationRow) error {
	body := []byte(n.Body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "yiwang-sandbox-acquirer/1")
	req.Header.Set(SignatureHeader, signHeader(a.key, a.kid, a.db.Clock().Now(), body))
	resp, err := a.cfg.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("merchant answered %s", resp.Status)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// NotificationState is a queued notification as tests and operators see it.
type NotificationState struct {
	NotifyID, PaymentID, Status string
	Attempts                    int
}

// Notifications lists the notifications about the payment with merchant reference ref, in the
// order they were queued.
func (a *Acquirer) Notifications(ctx context.Context, ref string) ([]NotificationState, error) {
	var rows []notificationRow
	if err := a.db.Select(ctx, &rows, `SELECT n.id, n.notify_id, n.payment_id, n.url, n.body, n.status, n.attempts
		FROM acquirer_notifications n JOIN acquirer_payments p ON p.id = n.payment_id WHERE p.out_trade_no = ? ORDER BY n.id`, ref); err != nil {
		return nil, err
	}
	out := make([]NotificationState, len(rows))
	for i, r := range rows {
		out[i] = NotificationState{NotifyID: r.NotifyID, PaymentID: r.PaymentID, Status: r.Status, Attempts: r.Attempts}
	}
	return out, nil
}
