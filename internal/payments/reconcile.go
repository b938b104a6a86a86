package payments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"time"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Kinds of reconciliation difference.
const (
	MissingOurs   = "missing_ours"   // the channel has it, we have no record of it
	MissingTheirs = "missing_theirs" // we recorded it that day, the channel's statement does not have it
	AmountDiffers = "amount_differs" // both have it, with different amounts
	StatusDiffers = "status_differs" // the channel says it succeeded, our record says otherwise (a lost callback)
)

// DifferenceKinds lists the kinds of difference, for pages that translate them.
var DifferenceKinds = []string{MissingOurs, MissingTheirs, AmountDiffers, StatusDiffers}

// Difference is one mismatch between our records and a channel's statement.
type Difference struct {
	No          int    `db:"item_no" json:"no"`
	Kind        string `db:"kind" json:"kind"`
	TxnKind     string `db:"txn_kind" json:"txn_kind"` // KindPayment or KindRefund
	OrderID     string `db:"order_id" json:"order_id,omitempty"`
	Org         string `db:"org_code" json:"org,omitempty"`
	MerchantRef string `db:"merchant_ref" json:"merchant_ref"` // attempt or refund id
	ChannelRef  string `db:"channel_ref" json:"channel_ref,omitempty"`
	// OursFen and TheirsFen are the amounts on each side, nil where a side has no record.
	OursFen      *int64 `db:"ours_fen" json:"ours_fen"`
	TheirsFen    *int64 `db:"theirs_fen" json:"theirs_fen"`
	OursStatus   string `db:"ours_status" json:"ours_status,omitempty"`
	TheirsStatus string `db:"theirs_status" json:"theirs_status,omitempty"`
}

// Report is a stored reconciliation of one channel's statement for one civil day.
type Report struct {
	ID      string `db:"id" json:"id"`
	Channel string `db:"channel" json:"channel"`
	Day     string `db:"day" json:"day"` // YYYY-MM-DD, China time
	// Org is the organisation whose records were reconciled; "" for all of them.
	Org               string       `db:"org_code" json:"org,omitempty"`
	RunBy             string       `db:"run_by" json:"run_by"`
	RunAt             time.Time    `db:"run_at" json:"run_at"`
	StatementSHA256   string       `db:"statement_sha256" json:"statement_sha256"`
	StatementLines    int          `db:"statement_lines" json:"statement_lines"`
	Matched           int          `db:"matched" json:"matched"`
	Mismatched        int          `db:"mismatched" json:"mismatched"`
	OursPaidFen       int64        `db:"ours_paid_fen" json:"ours_paid_fen"`
	TheirsPaidFen     int64        `db:"theirs_paid_fen" json:"theirs_paid_fen"`
	OursRefundedFen   int64        `db:"ours_refunded_fen" json:"ours_refunded_fen"`
	TheirsRefundedFen int64        `db:"theirs_refunded_fen" json:"theirs_refunded_fen"`
	Differences       []Difference `db:"-" json:"differences"`
}

const reportColumns = `id, channel, day, org_code, run_by, run_at, statement_sha256, statement_lines, matched, mismatched,
	ours_paid_fen, theirs_paid_fen, ours_refunded_fen, theirs_refunded_fen`

// CivilDay returns the start (China time) of the civil day that holds t.
func CivilDay(t time.Time) time.Time {
	y, m, d := t.In(clock.China).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, clock.China)
}

// ourRecord is a succeeded payment or refund on our side.
type ourRecord struct {
	ID         string     `db:"id"`
	OrderID    string     `db:"order_id"`
	ChannelRef string     `db:"channel_ref"`
	AmountFen  int64      `db:"amount_fen"`
	Status     string     `db:"status"`
	Org        string     `db:"org_code"`
	At         *time.Time `db:"done_at"`
}

// inChunk bounds the ids of one IN (…) list.
const inChunk = 400

// Reconcile compares our records with channel's statement for the civil day (China time) of
// day and stores the report: every statement line is matched by its merchant reference
// against our payments and refunds, and every payment or refund we recorded as succeeded that
// day must be on the statement. Administrators of the digital office reconcile every
// organisation's records; an organisation's administrators their own (lines the platform
// cannot attribute to any order are only in the digital office's reports).
//
// Returns errs.Forbidden for anyone else, errs.Invalid on "channel" or "day", errs.Unavailable
// when the channel's statement cannot be fetched or verified.
func (s *Service) Reconcile(ctx context.Context, p principal.Principal, channel string, day time.Time) (rep Report, err error) {
	defer errs.Wrap(&err, "payments.Reconcile(%s)", channel)
	scope, ok := reconcileScope(p, "")
	if !ok {
		return Report{}, errs.E(errs.Forbidden, "payments.error.reconcile_forbidden")
	}
	ch, ok := s.channel(channel)
	if !ok {
		return Report{}, errs.Field("channel", "payments.error.channel_unknown")
	}
	start := CivilDay(day)
	if day.IsZero() || start.After(s.db.Clock().Now()) {
		return Report{}, errs.Field("day", "payments.error.day_future")
	}
	end := start.AddDate(0, 0, 1)
	lines, err := ch.Statement(ctx, start)
	if err != nil {
		if k := errs.KindOf(err); k == errs.Internal || k == errs.Unauthenticated || k == errs.Invalid {
			return Report{}, errs.Wrapf(errs.Unavailable, err, "payments.error.statement_unavailable")
		}
		return Report{}, err
	}
	canon, err := json.Marshal(lines)
	if err != nil {
		return Report{}, err
	}
	sum := sha256.Sum256(canon)
	rep = Report{ID: "rec_" + randomHex(10), Channel: channel, Day: start.Format(time.DateOnly), Org: scope, RunBy: p.Actor(),
		StatementSHA256: hex.EncodeToString(sum[:]), StatementLines: len(lines)}

	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		rep.RunAt, rep.Differences = tx.Now, nil
		rep.Matched, rep.Mismatched, rep.OursPaidFen, rep.TheirsPaidFen, rep.OursRefundedFen, rep.TheirsRefundedFen = 0, 0, 0, 0, 0, 0
		ours := map[string]map[string]ourRecord{KindPayment: {}, KindRefund: {}}
		var refs = map[string][]string{}
		for _, l := range lines {
			k := l.Kind
			if k != KindRefund {
				k = KindPayment
			}
			ref := l.MerchantRef
			if k == KindRefund {
				ref = l.RefundRef
			}
			refs[k] = append(refs[k], ref)
		}
		for _, k := range []string{KindPayment, KindRefund} {
			for i := 0; i < len(refs[k]); i += inChunk {
				chunk := refs[k][i:min(i+inChunk, len(refs[k]))]
				recs, err := ourRecords(ctx, tx, k, `x.id IN (`+store.Placeholders(len(chunk))+`)`, anySlice(chunk)...)
				if err != nil {
					return err
				}
				for _, r := range recs {
					ours[k][r.ID] = r
				}
			}
		}
		inScope := func(org string) bool { return scope == "" || org == scope }
		add := func(d Difference) {
			d.No = len(rep.Differences) + 1
			rep.Differences = append(rep.Differences, d)
		}
		seen := map[string]bool{}
		for _, l := range lines {
			k, ref, chRef := KindPayment, l.MerchantRef, l.TransactionID
			if l.Kind == KindRefund {
				k, ref, chRef = KindRefund, l.RefundRef, l.RefundID
			}
			theirs := l.AmountFen
			r, known := ours[k][ref]
			switch {
			case !known && scope != "":
				continue // not attributable to the organisation reconciled
			case known && !inScope(r.Org):
				continue
			}
			if k == KindPayment {
				rep.TheirsPaidFen += theirs
			} else {
				rep.TheirsRefundedFen += theirs
			}
			if !known {
				add(Difference{Kind: MissingOurs, TxnKind: k, MerchantRef: ref, ChannelRef: chRef, TheirsFen: &theirs, TheirsStatus: l.Status})
				continue
			}
			seen[k+":"+ref] = true
			oursAmt := r.AmountFen
			switch {
			case r.Status != AttemptSucceeded:
				add(Difference{Kind: StatusDiffers, TxnKind: k, OrderID: r.OrderID, Org: r.Org, MerchantRef: ref, ChannelRef: chRef,
					OursFen: &oursAmt, TheirsFen: &theirs, OursStatus: r.Status, TheirsStatus: l.Status})
			case r.AmountFen != theirs:
				add(Difference{Kind: AmountDiffers, TxnKind: k, OrderID: r.OrderID, Org: r.Org, MerchantRef: ref, ChannelRef: chRef,
					OursFen: &oursAmt, TheirsFen: &theirs, OursStatus: r.Status, TheirsStatus: l.Status})
			default:
				rep.Matched++
			}
		}
		// What we recorded as succeeded that day must be on the statement.
		for _, k := range []string{KindPayment, KindRefund} {
			cond := `x.channel = ? AND x.status = 'succeeded' AND ` + atColumn(k) + ` >= ? AND ` + atColumn(k) + ` < ?`
			args := []any{channel, start, end}
			if scope != "" {
				cond += ` AND o.org_code = ?`
				args = append(args, scope)
			}
			recs, err := ourRecords(ctx, tx, k, cond, args...)
			if err != nil {
				return err
			}
			for _, r := range recs {
				if k == KindPayment {
					rep.OursPaidFen += r.AmountFen
				} else {
					rep.OursRefundedFen += r.AmountFen
				}
				if seen[k+":"+r.ID] {
					continue
				}
				amt := r.AmountFen
				add(Difference{Kind: MissingTheirs, TxnKind: k, OrderID: r.OrderID, Org: r.Org, MerchantRef: r.ID, ChannelRef: r.ChannelRef,
					OursFen: &amt, OursStatus: r.Status})
			}
		}
		rep.Mismatched = len(rep.Differences)
		if _, err := tx.Exec(ctx, `INSERT INTO payment_reconciliations (`+reportColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			rep.ID, rep.Channel, rep.Day, rep.Org, rep.RunBy, rep.RunAt, rep.StatementSHA256, rep.StatementLines, rep.Matched,
			rep.Mismatched, rep.OursPaidFen, rep.TheirsPaidFen, rep.OursRefundedFen, rep.TheirsRefundedFen); err != nil {
			return err
		}
		for _, d := range rep.Differences {
			if _, err := tx.Exec(ctx, `INSERT INTO payment_reconciliation_items (report_id, item_no, kind, txn_kind, order_id, org_code,
				merchant_ref, channel_ref, ours_fen, theirs_fen, ours_status, theirs_status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				rep.ID, d.No, d.Kind, d.TxnKind, d.OrderID, d.Org, d.MerchantRef, d.ChannelRef, d.OursFen, d.TheirsFen,
				d.OursStatus, d.TheirsStatus); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Change{Action: "payment.reconcile", ObjectType: "payment_reconciliation", ObjectID: rep.ID,
			Detail: map[string]any{"channel": channel, "day": rep.Day, "org": rep.Org, "matched": rep.Matched,
				"mismatched": rep.Mismatched, "statement_sha256": rep.StatementSHA256}})
	})
	if err != nil {
		return Report{}, err
	}
	return rep, nil
}

func atColumn(kind string) string {
	if kind == KindRefund {
		return "x.finished_at"
	}
	return "x.succeeded_at"
}

// ourRecords reads our payments (attempts) or refunds matching cond (over x, the attempt or
// refund, and o, its order).
func ourRecords(ctx context.Context, tx *store.Tx, kind, cond string, args ...any) ([]ourRecord, error) {
	q := `SELECT x.id, x.order_id, x.channel_txn AS channel_ref, x.received_fen AS amount_fen, x.status, o.org_code,
		x.succeeded_at AS done_at FROM payment_attempts x JOIN payment_orders o ON o.id = x.order_id WHERE ` + cond
	if kind == KindRefund {
		q = `SELECT x.id, x.order_id, x.channel_refund_id AS channel_ref,
			CASE WHEN x.status = 'succeeded' THEN x.refunded_fen ELSE x.amount_fen END AS amount_fen, x.status, o.org_code,
			x.finished_at AS done_at FROM payment_refunds x JOIN payment_orders o ON o.id = x.order_id WHERE ` + cond
	}
	var out []ourRecord
	if err := tx.Select(ctx, &out, q, args...); err != nil {
		return nil, err
	}
	// A pending payment has received nothing yet; show what it was for.
	for i := range out {
		if out[i].Status != AttemptSucceeded && kind == KindPayment {
			var amt int64
			if err := tx.Get(ctx, &amt, `SELECT amount_fen FROM payment_attempts WHERE id = ?`, out[i].ID); err != nil {
				return nil, err
			}
			out[i].AmountFen = amt
		}
	}
	return out, nil
}

func anySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// Reports lists reconciliation reports p may read, newest first, without their differences:
// all of them for the digital office's administrators, an organisation's administrators those
// of their organisation.
func (s *Service) Reports(ctx context.Context, p principal.Principal, limit int) ([]Report, error) {
	scope, ok := reconcileScope(p, "")
	if !ok {
		return nil, errs.E(errs.Forbidden, "payments.error.reconcile_forbidden")
	}
	if limit <= 0 || limit > maxListLimit {
		limit = defaultListLimit
	}
	q := `SELECT ` + reportColumns + ` FROM payment_reconciliations`
	var args []any
	if scope != "" {
		q += ` WHERE org_code = ?`
		args = append(args, scope)
	}
	q += ` ORDER BY run_at DESC, id DESC LIMIT ?`
	args = append(args, limit)
	var out []Report
	err := s.db.Select(ctx, &out, q, args...)
	return out, err
}

// GetReport returns report id with its differences, if p may read it; errs.NotFound otherwise.
func (s *Service) GetReport(ctx context.Context, p principal.Principal, id string) (Report, error) {
	scope, ok := reconcileScope(p, "")
	if !ok {
		return Report{}, errs.E(errs.Forbidden, "payments.error.reconcile_forbidden")
	}
	var r Report
	if !validID(id) {
		return Report{}, errs.E(errs.NotFound, "payments.error.report_not_found")
	}
	if err := s.db.Get(ctx, &r, `SELECT `+reportColumns+` FROM payment_reconciliations WHERE id = ?`, id); err != nil {
		if errs.Is(err, errs.NotFound) {
			return Report{}, errs.E(errs.NotFound, "payments.error.report_not_found")
		}
		return Report{}, err
	}
	if scope != "" && r.Org != scope {
		return Report{}, errs.E(errs.NotFound, "payments.error.report_not_found")
	}
	if err := s.db.Select(ctx, &r.Differences, `SELECT item_no, kind, txn_kind, order_id, org_code, merchant_ref, channel_ref,
		ours_fen, theirs_fen, ours_status, theirs_status FROM payment_reconciliation_items WHERE report_id = ? ORDER BY item_no`, id); err != nil {
		return Report{}, err
	}
	slices.SortFunc(r.Differences, func(a, b Difference) int { return a.No - b.No })
	return r, nil
}
