package payments

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/plaintext"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Status is where an order is in its life:
//
//	unpaid → paying → paid → partially_refunded → refunded
//	unpaid, paying → closed (by the payee) or expired (nobody paid in time)
//	any → exception (a channel said money moved in a way the order does not allow)
//
// paying goes back to unpaid when the channel closes the payment unpaid. An exception is
// resolved by refunding what was received (it then becomes refunded).
type Status string

// Order statuses.
const (
	Unpaid            Status = "unpaid"
	Paying            Status = "paying"
	Paid              Status = "paid"
	PartiallyRefunded Status = "partially_refunded"
	Refunded          Status = "refunded"
	Closed            Status = "closed"
	Expired           Status = "expired"
	Exception         Status = "exception"
)

// Statuses lists the statuses in display order.
var Statuses = []Status{Unpaid, Paying, Paid, PartiallyRefunded, Refunded, Closed, Expired, Exception}

// Payable reports whether an order in status s can be paid.
func (s Status) Payable() bool { return s == Unpaid || s == Paying }

// Reasons an order became an exception (Order.ExceptionReason, payment.exception events).
const (
	ReasonAmountMismatch      = "amount_mismatch"        // paid a different amount than the total
	ReasonTransactionMismatch = "transaction_mismatch"   // the channel named another transaction for our payment
	ReasonPaidAfterClose      = "paid_after_close"       // paid after the order was closed or expired
	ReasonDoublePayment       = "double_payment"         // paid a second time (the order stays paid)
	ReasonUnknownPayment      = "unknown_payment"        // a payment we never opened
	ReasonUnknownRefund       = "unknown_refund"         // a refund we never asked for
	ReasonRefundMismatch      = "refund_amount_mismatch" // refunded a different amount than asked
)

// ExceptionReasons lists the reasons, for pages that translate them.
var ExceptionReasons = []string{ReasonAmountMismatch, ReasonTransactionMismatch, ReasonPaidAfterClose, ReasonDoublePayment,
	ReasonUnknownPayment, ReasonUnknownRefund, ReasonRefundMismatch}

// Line is one fee of an order.
type Line struct {
	Name       string `db:"name" json:"name"`
	AmountFen  int64  `db:"amount_fen" json:"amount_fen"`
	LegalBasis string `db:"legal_basis" json:"legal_basis"`
}

// Order is a fee order.
type Order struct {
	ID              string     `db:"id" json:"id"`
	NoticeNumber    string     `db:"notice_number" json:"notice_number"`
	ReferenceKind   string     `db:"reference_kind" json:"reference_kind"`
	ReferenceID     string     `db:"reference_id" json:"reference_id"`
	ReferenceNumber string     `db:"reference_number" json:"reference_number,omitempty"`
	Org             string     `db:"org_code" json:"org"`
	Payer           int64      `db:"payer_account" json:"payer"`
	PayerActingFor  string     `db:"payer_acting_for" json:"payer_acting_for,omitempty"`
	TotalFen        int64      `db:"total_fen" json:"total_fen"`
	ReceivedFen     int64      `db:"received_fen" json:"received_fen"`
	RefundedFen     int64      `db:"refunded_fen" json:"refunded_fen"`
	Status          Status     `db:"status" json:"status"`
	ExceptionReason string     `db:"exception_reason" json:"exception_reason,omitempty"`
	Channel         string     `db:"channel" json:"channel,omitempty"`
	ChannelTxn      string     `db:"channel_txn" json:"channel_txn,omitempty"`
	Method          string     `db:"method" json:"method,omitempty"`
	CreatedBy       string     `db:"created_by" json:"-"`
	CreatedAt       time.Time  `db:"created_at" json:"created_at"`
	ExpiresAt       time.Time  `db:"expires_at" json:"expires_at"`
	PaidAt          *time.Time `db:"paid_at" json:"paid_at,omitempty"`
	ClosedAt        *time.Time `db:"closed_at" json:"closed_at,omitempty"`
	CloseReason     string     `db:"close_reason" json:"close_reason,omitempty"`
	UpdatedAt       time.Time  `db:"updated_at" json:"updated_at"`
	Lines           []Line     `db:"-" json:"lines"`
}

// Refundable is what can still be returned: received and not yet refunded.
func (o Order) Refundable() int64 { return o.ReceivedFen - o.RefundedFen }

const orderColumns = `id, notice_number, reference_kind, reference_id, reference_number, org_code, payer_account,
	payer_acting_for, total_fen, received_fen, refunded_fen, status, exception_reason, channel, channel_txn, method,
	created_by, created_at, expires_at, paid_at, closed_at, close_reason, updated_at`

// OrderRequest asks for a fee order.
type OrderRequest struct {
	// ReferenceKind, ReferenceID and ReferenceNumber name what is paid for: "case", the case's
	// id and the number shown to the payer.
	ReferenceKind, ReferenceID, ReferenceNumber string
	// Org is the payee organisation's code.
	Org string
	// Payer is the account that pays; PayerActingFor the credit code of the enterprise when an
	// agent pays for it (its agents then see the order).
	Payer          int64
	PayerActingFor string
	Lines          []Line
}

// Limits of an order request.
const (
	MaxLines         = 20
	maxLineName      = 100
	maxLegalBasis    = 300
	maxReference     = 64
	maxReason        = 200
	minReason        = 2
	defaultListLimit = 50
	maxListLimit     = 500
)

var referenceKind = regexp.MustCompile(`^[a-z][a-z_]{0,31}$`)

func textOK(s string, minRunes, maxRunes int) bool {
	n := utf8.RuneCountInString(s)
	return n >= minRunes && n <= maxRunes && plaintext.Valid(s, false)
}

// validate checks r and returns it normalised (trimmed), with its total.
func (r OrderRequest) validate() (OrderRequest, int64, error) {
	r.ReferenceKind = strings.TrimSpace(r.ReferenceKind)
	r.ReferenceID = strings.TrimSpace(r.ReferenceID)
	r.ReferenceNumber = strings.TrimSpace(r.ReferenceNumber)
	r.PayerActingFor = strings.TrimSpace(r.PayerActingFor)
	switch {
	case !referenceKind.MatchString(r.ReferenceKind):
		return r, 0, errs.Field("reference_kind", "payments.error.reference")
	case !textOK(r.ReferenceID, 1, maxReference):
		return r, 0, errs.Field("reference_id", "payments.error.reference")
	case !textOK(r.ReferenceNumber, 0, maxReference):
		return r, 0, errs.Field("reference_number", "payments.error.reference")
	case r.Org == "":
		return r, 0, errs.Field("org", "payments.error.org_unknown", r.Org)
	case r.Payer <= 0:
		return r, 0, errs.Field("payer", "payments.error.payer_unknown")
	case len(r.Lines) == 0 || len(r.Lines) > MaxLines:
		return r, 0, errs.Field("lines", "payments.error.lines_count", MaxLines)
	}
	if r.PayerActingFor != "" {
		if err := idcode.ValidateCreditCode(r.PayerActingFor); err != nil {
			return r, 0, errs.Field("payer_acting_for", "payments.error.acting_for")
		}
	}
	lines := make([]Line, len(r.Lines))
	var total int64
	for i, l := range r.Lines {
		l.Name, l.LegalBasis = strings.TrimSpace(l.Name), strings.TrimSpace(l.LegalBasis)
		switch {
		case !textOK(l.Name, 1, maxLineName):
			return r, 0, errs.Field("lines", "payments.error.line_name", i+1, maxLineName)
		case l.AmountFen <= 0 || l.AmountFen > MaxAmountFen:
			return r, 0, errs.Field("lines", "payments.error.line_amount", i+1, Yuan(MaxAmountFen))
		case !textOK(l.LegalBasis, 1, maxLegalBasis):
			return r, 0, errs.Field("lines", "payments.error.line_basis", i+1, maxLegalBasis)
		}
		total += l.AmountFen
		lines[i] = l
	}
	if total > MaxAmountFen {
		return r, 0, errs.Field("lines", "payments.error.total_too_large", Yuan(MaxAmountFen))
	}
	r.Lines = lines
	return r, total, nil
}

// OpenOrderTx opens a fee order inside the caller's transaction (a case's, when its fees
// become due). The caller has decided that the fee is due; the payer may then see and pay it.
// Returns errs.Invalid naming the field at fault.
func (s *Service) OpenOrderTx(ctx context.Context, tx *store.Tx, r OrderRequest) (_ Order, err error) {
	defer errs.Wrap(&err, "payments.OpenOrderTx(%s %s)", r.ReferenceKind, r.ReferenceID)
	r, total, err := r.validate()
	if err != nil {
		return Order{}, err
	}
	var region string
	if err := tx.Get(ctx, &region, `SELECT region_code FROM organisations WHERE code = ?`, r.Org); err != nil {
		if errs.Is(err, errs.NotFound) {
			return Order{}, errs.Field("org", "payments.error.org_unknown", r.Org)
		}
		return Order{}, err
	}
	var n int
	if err := tx.Get(ctx, &n, `SELECT COUNT(*) FROM accounts WHERE id = ?`, r.Payer); err != nil {
		return Order{}, err
	}
	if n == 0 {
		return Order{}, errs.Field("payer", "payments.error.payer_unknown")
	}
	o := Order{ID: "pay_" + randomHex(10), ReferenceKind: r.ReferenceKind, ReferenceID: r.ReferenceID,
		ReferenceNumber: r.ReferenceNumber, Org: r.Org, Payer: r.Payer, PayerActingFor: r.PayerActingFor, TotalFen: total,
		Status: Unpaid, CreatedBy: principal.From(ctx).Actor(), CreatedAt: tx.Now, ExpiresAt: tx.Now.Add(s.opt.OrderTTL),
		UpdatedAt: tx.Now, Lines: r.Lines}
	// A clash of the random part is most unlikely; draw again rather than fail the caller.
	for range 5 {
		o.NoticeNumber = newNoticeNumber(region, tx.Now.In(clock.China).Year())
		if err := tx.Get(ctx, &n, `SELECT COUNT(*) FROM payment_orders WHERE notice_number = ?`, o.NoticeNumber); err != nil {
			return Order{}, err
		}
		if n == 0 {
			break
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO payment_orders (id, notice_number, reference_kind, reference_id, reference_number,
		org_code, payer_account, payer_acting_for, total_fen, status, created_by, created_at, expires_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		o.ID, o.NoticeNumber, o.ReferenceKind, o.ReferenceID, o.ReferenceNumber, o.Org, o.Payer, o.PayerActingFor, o.TotalFen,
		string(o.Status), o.CreatedBy, o.CreatedAt, o.ExpiresAt, o.UpdatedAt); err != nil {
		return Order{}, err
	}
	for i, l := range o.Lines {
		if _, err := tx.Exec(ctx, `INSERT INTO payment_order_lines (order_id, line_no, name, amount_fen, legal_basis)
			VALUES (?, ?, ?, ?, ?)`, o.ID, i+1, l.Name, l.AmountFen, l.LegalBasis); err != nil {
			return Order{}, err
		}
	}
	if err := audit.Record(ctx, tx, audit.Change{Action: "payment.order_open", ObjectType: "payment_order", ObjectID: o.ID,
		After: o, Detail: map[string]any{"org": o.Org, "total_fen": o.TotalFen, "reference_kind": o.ReferenceKind,
			"reference_id": o.ReferenceID}}); err != nil {
		return Order{}, err
	}
	if s.opt.Notifier != nil {
		if err := s.opt.Notifier.SendTx(ctx, tx, o.Payer, "payments.notify.opened",
			[]string{Yuan(o.TotalFen), GroupNotice(o.NoticeNumber)}, OrderPath(o.ID)); err != nil {
			return Order{}, err
		}
	}
	return o, nil
}

// OpenOrder opens a fee order in a transaction of its own: a fee an official of the payee
// organisation (window officer or approver) collects at the window. Domains that open orders
// as part of their own change use OpenOrderTx.
func (s *Service) OpenOrder(ctx context.Context, p principal.Principal, r OrderRequest) (o Order, err error) {
	if !canOpen(p, r.Org) {
		return Order{}, errs.E(errs.Forbidden, "payments.error.open_forbidden")
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		o, err = s.OpenOrderTx(ctx, tx, r)
		return err
	})
	return o, err
}

// OrderPath is the payer's page of order id.
func OrderPath(id string) string { return "/pay/" + id }

// getTx reads order id with its lines.
func getTx(ctx context.Context, tx *store.Tx, id string) (Order, error) {
	var o Order
	if err := tx.Get(ctx, &o, `SELECT `+orderColumns+` FROM payment_orders WHERE id = ?`, id); err != nil {
		if errs.Is(err, errs.NotFound) {
			return Order{}, errs.E(errs.NotFound, "payments.error.order_not_found")
		}
		return Order{}, err
	}
	if err := tx.Select(ctx, &o.Lines, `SELECT name, amount_fen, legal_basis FROM payment_order_lines
		WHERE order_id = ? ORDER BY line_no`, id); err != nil {
		return Order{}, err
	}
	return o, nil
}

// Get returns order id with its lines if p may see it; errs.NotFound otherwise.
func (s *Service) Get(ctx context.Context, p principal.Principal, id string) (o Order, err error) {
	defer errs.Wrap(&err, "payments.Get(%s)", id)
	notFound := errs.E(errs.NotFound, "payments.error.order_not_found")
	if !validID(id) {
		return Order{}, notFound
	}
	if err := s.db.Get(ctx, &o, `SELECT `+orderColumns+` FROM payment_orders WHERE id = ?`, id); err != nil {
		if errs.Is(err, errs.NotFound) {
			return Order{}, notFound
		}
		return Order{}, err
	}
	if !canSee(p, o) {
		return Order{}, notFound
	}
	if err := s.db.Select(ctx, &o.Lines, `SELECT name, amount_fen, legal_basis FROM payment_order_lines
		WHERE order_id = ? ORDER BY line_no`, id); err != nil {
		return Order{}, err
	}
	return o, nil
}

var idPattern = regexp.MustCompile(`^[a-z]{2,4}_[0-9a-f]{8,40}$`)

func validID(id string) bool { return idPattern.MatchString(id) }

// FindByNotice returns the order with notice number n (as typed) if p may see it.
func (s *Service) FindByNotice(ctx context.Context, p principal.Principal, n string) (Order, error) {
	num, err := ParseNoticeNumber(n)
	if err != nil {
		return Order{}, err
	}
	var id string
	if err := s.db.Get(ctx, &id, `SELECT id FROM payment_orders WHERE notice_number = ?`, num); err != nil {
		if errs.Is(err, errs.NotFound) {
			return Order{}, errs.E(errs.NotFound, "payments.error.order_not_found")
		}
		return Order{}, err
	}
	return s.Get(ctx, p, id)
}

// Filter selects orders to list; zero fields match everything.
type Filter struct {
	// Org narrows an official's list to one organisation (the digital office's administrators
	// may name any); ignored for payers.
	Org    string
	Status Status
	// ReferenceKind and ReferenceID select the orders of one case (or other reference).
	ReferenceKind, ReferenceID string
	Limit, Offset              int
}

// List returns the orders p may see that match f, newest first, without their lines: a payer's
// own, an official's organisation's (the digital office's administrators: every
// organisation's, or f.Org's).
func (s *Service) List(ctx context.Context, p principal.Principal, f Filter) (out []Order, err error) {
	defer errs.Wrap(&err, "payments.List")
	q := `SELECT ` + orderColumns + ` FROM payment_orders WHERE 1 = 1`
	var args []any
	switch {
	case p.Kind == principal.Resident && p.AccountID != 0:
		q += ` AND payer_account = ? AND payer_acting_for = ''`
		args = append(args, p.AccountID)
	case p.Kind == principal.Agent && p.ActingFor != "":
		q += ` AND payer_acting_for = ?`
		args = append(args, p.ActingFor)
	case ReadsAllOrgs(p):
		if f.Org != "" {
			q += ` AND org_code = ?`
			args = append(args, f.Org)
		}
	case p.Kind == principal.Official:
		if f.Org != "" && f.Org != p.OrgCode {
			return nil, nil
		}
		q += ` AND org_code = ?`
		args = append(args, p.OrgCode)
	default:
		return nil, errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, string(f.Status))
	}
	if f.ReferenceKind != "" {
		q += ` AND reference_kind = ? AND reference_id = ?`
		args = append(args, f.ReferenceKind, f.ReferenceID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = defaultListLimit
	}
	limit = min(limit, maxListLimit)
	q += ` ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`
	args = append(args, limit, max(f.Offset, 0))
	if err := s.db.Select(ctx, &out, q, args...); err != nil {
		return nil, err
	}
	return out, nil
}

// Close closes an unpaid order (the payee's approvers): the fee is no longer due. A payment
// that still arrives for it makes it an exception, to be refunded.
func (s *Service) Close(ctx context.Context, p principal.Principal, id, reason string) (o Order, err error) {
	defer errs.Wrap(&err, "payments.Close(%s)", id)
	reason = strings.TrimSpace(reason)
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		if !validID(id) {
			return errs.E(errs.NotFound, "payments.error.order_not_found")
		}
		o, err = getTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if !canSee(p, o) {
			return errs.E(errs.NotFound, "payments.error.order_not_found")
		}
		if !canRefund(p, o.Org) {
			return errs.E(errs.Forbidden, "payments.error.close_forbidden")
		}
		if !o.Status.Payable() {
			return errs.E(errs.Conflict, "payments.error.not_closable")
		}
		if !textOK(reason, minReason, maxReason) {
			return errs.Field("reason", "payments.error.reason", minReason, maxReason)
		}
		before := o
		o.Status, o.ClosedAt, o.CloseReason, o.UpdatedAt = Closed, &tx.Now, reason, tx.Now
		if _, err := tx.Exec(ctx, `UPDATE payment_orders SET status = ?, closed_at = ?, close_reason = ?, updated_at = ?
			WHERE id = ?`, string(o.Status), tx.Now, reason, tx.Now, o.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "payment.order_close", ObjectType: "payment_order", ObjectID: o.ID,
			Before: before, After: o, Detail: map[string]any{"org": o.Org}})
	})
	return o, err
}
