package acquirer

import (
	"context"
	"net/http"
	"time"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
)

// Statement is a merchant's daily statement (对账单): every payment that succeeded and every
// refund that was made in the civil day (China time), as the acquirer recorded them. It is
// signed like every answer.
type Statement struct {
	MerchantID       string          `json:"merchant_id"`
	Day              string          `json:"day"` // YYYY-MM-DD
	Lines            []StatementLine `json:"lines"`
	Count            int             `json:"count"`
	TotalPaidFen     int64           `json:"total_paid_fen"`
	TotalRefundedFen int64           `json:"total_refunded_fen"`
	GeneratedAt      time.Time       `json:"generated_at"`
}

// StatementLine is one payment or refund of a statement.
type StatementLine struct {
	Type          string    `json:"type"` // "payment" or "refund"
	OutTradeNo    string    `json:"out_trade_no"`
	TransactionID string    `json:"transaction_id"`
	OutRefundNo   string    `json:"out_refund_no,omitempty"`
	RefundID      string    `json:"refund_id,omitempty"`
	AmountFen     int64     `json:"amount_fen"`
	Status        string    `json:"status"` // SUCCESS
	Method        string    `json:"method,omitempty"`
	Time          time.Time `json:"time"`
}

func (a *Acquirer) statement(w http.ResponseWriter, r *http.Request) error {
	merchant, _, err := a.authenticate(r)
	if err != nil {
		return err
	}
	day, err := time.ParseInLocation(time.DateOnly, r.PathValue("day"), clock.China)
	if err != nil {
		return errs.Field("day", "acquirer.error.request")
	}
	st, err := a.buildStatement(r.Context(), merchant, day)
	if err != nil {
		return err
	}
	return a.writeSigned(w, http.StatusOK, st)
}

func (a *Acquirer) buildStatement(ctx context.Context, merchant string, day time.Time) (Statement, error) {
	start := day
	end := start.AddDate(0, 0, 1)
	st := Statement{MerchantID: merchant, Day: start.Format(time.DateOnly), Lines: []StatementLine{}, GeneratedAt: a.db.Clock().Now().UTC()}
	var pays []paymentRow
	if err := a.db.Select(ctx, &pays, `SELECT `+paymentCols+` FROM acquirer_payments WHERE merchant_id = ? AND status = 'succeeded'
		AND paid_at >= ? AND paid_at < ? ORDER BY paid_at, id`, merchant, start, end); err != nil {
		return st, err
	}
	for _, p := range pays {
		st.Lines = append(st.Lines, StatementLine{Type: "payment", OutTradeNo: p.OutTradeNo, TransactionID: p.ID, AmountFen: p.AmountFen,
			Status: wireSuccess, Method: p.Method, Time: p.PaidAt.UTC()})
		st.TotalPaidFen += p.AmountFen
	}
	var refunds []struct {
		refundRow
		OutTradeNo string `db:"out_trade_no"`
	}
	if err := a.db.Select(ctx, &refunds, `SELECT r.id, r.payment_id, r.merchant_id, r.out_refund_no, r.amount_fen, r.reason, r.status,
		r.notify_url, r.created_at, r.finished_at, p.out_trade_no FROM acquirer_refunds r JOIN acquirer_payments p ON p.id = r.payment_id
		WHERE r.merchant_id = ? AND r.status = 'succeeded' AND r.finished_at >= ? AND r.finished_at < ? ORDER BY r.finished_at, r.id`,
		merchant, start, end); err != nil {
		return st, err
	}
	for _, rf := range refunds {
		st.Lines = append(st.Lines, StatementLine{Type: "refund", OutTradeNo: rf.OutTradeNo, TransactionID: rf.PaymentID,
			OutRefundNo: rf.OutRefundNo, RefundID: rf.ID, AmountFen: rf.AmountFen, Status: wireSuccess, Time: rf.FinishedAt.UTC()})
		st.TotalRefundedFen += rf.AmountFen
	}
	st.Count = len(st.Lines)
	return st, nil
}
