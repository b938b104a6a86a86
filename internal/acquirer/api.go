package acquirer

import (
	"bytes"
	"context"
	"crypto/hmac"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// The merchant API. Requests and answers are JSON; answers are signed (SignatureHeader).

// maxRequest bounds a request body of the merchant API.
const maxRequest = 16 << 10

// maxAmountFen bounds one payment: ten million yuan.
const maxAmountFen = 1_000_000_000

// maxPaymentLife bounds how long a payment stays open at the cashier.
const maxPaymentLife = 24 * time.Hour

// defaultPaymentLife is how long a payment stays open when the merchant does not say.
const defaultPaymentLife = 30 * time.Minute

var refPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Payment statuses, in the acquirer's own words on the wire.
const (
	wirePending = "PENDING"
	wireSuccess = "SUCCESS"
	wireClosed  = "CLOSED"
	wireProcess = "PROCESSING"
	wireFailed  = "FAILED"
)

// CreatePaymentRequest is the body of POST /v1/payments.
type CreatePaymentRequest struct {
	OutTradeNo string    `json:"out_trade_no"`
	AmountFen  int64     `json:"amount_fen"`
	Subject    string    `json:"subject"`
	Payee      string    `json:"payee,omitempty"`
	NotifyURL  string    `json:"notify_url"`
	ReturnURL  string    `json:"return_url"`
	ExpiresAt  time.Time `json:"expires_at,omitzero"`
}

// PaymentView is the acquirer's answer about a payment.
type PaymentView struct {
	MerchantID    string     `json:"merchant_id"`
	OutTradeNo    string     `json:"out_trade_no"`
	TransactionID string     `json:"transaction_id"`
	Status        string     `json:"status"` // PENDING, SUCCESS, CLOSED
	AmountFen     int64      `json:"amount_fen"`
	Method        string     `json:"method,omitempty"`
	PayURL        string     `json:"pay_url,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	ExpiresAt     time.Time  `json:"expires_at"`
	PaidAt        *time.Time `json:"paid_at,omitempty"`
	ClosedAt      *time.Time `json:"closed_at,omitempty"`
}

// RefundRequestBody is the body of POST /v1/refunds.
type RefundRequestBody struct {
	OutTradeNo  string `json:"out_trade_no"`
	OutRefundNo string `json:"out_refund_no"`
	AmountFen   int64  `json:"amount_fen"`
	Reason      string `json:"reason,omitempty"`
	NotifyURL   string `json:"notify_url"`
}

// RefundView is the acquirer's answer about a refund.
type RefundView struct {
	OutTradeNo  string     `json:"out_trade_no"`
	OutRefundNo string     `json:"out_refund_no"`
	RefundID    string     `json:"refund_id"`
	Status      string     `json:"status"` // PROCESSING, SUCCESS, FAILED
	AmountFen   int64      `json:"amount_fen"`
	FinishedAt  *time.Time `json:"finished_at,omitempty"`
}

type paymentRow struct {
	ID          string     `db:"id"`
	MerchantID  string     `db:"merchant_id"`
	OutTradeNo  string     `db:"out_trade_no"`
	AmountFen   int64      `db:"amount_fen"`
	Subject     string     `db:"subject"`
	Payee       string     `db:"payee"`
	NotifyURL   string     `db:"notify_url"`
	ReturnURL   string     `db:"return_url"`
	Status      string     `db:"status"`
	Method      string     `db:"method"`
	RefundedFen int64      `db:"refunded_fen"`
	CreatedAt   time.Time  `db:"created_at"`
	ExpiresAt   time.Time  `db:"expires_at"`
	PaidAt      *time.Time `db:"paid_at"`
	ClosedAt    *time.Time `db:"closed_at"`
}

const paymentCols = `id, merchant_id, out_trade_no, amount_fen, subject, payee, notify_url, return_url, status, method,
	refunded_fen, created_at, expires_at, paid_at, closed_at`

type refundRow struct {
	ID          string     `db:"id"`
	PaymentID   string     `db:"payment_id"`
	MerchantID  string     `db:"merchant_id"`
	OutRefundNo string     `db:"out_refund_no"`
	AmountFen   int64      `db:"amount_fen"`
	Reason      string     `db:"reason"`
	Status      string     `db:"status"`
	NotifyURL   string     `db:"notify_url"`
	CreatedAt   time.Time  `db:"created_at"`
	FinishedAt  *time.Time `db:"finished_at"`
}

const refundCols = `id, payment_id, merchant_id, out_refund_no, amount_fen, reason, status, notify_url, created_at, finished_at`

func wireStatus(s string) string {
	switch s {
	case "succeeded":
		return wireSuccess
	case "closed":
		return wireClosed
	case "processing":
		return wireProcess
	case "failed":
		return wireFailed
	}
	return wirePending
}

func (a *Acquirer) cashierURL(txn string) string {
	return a.cfg.PublicURL + BasePath + "/cashier/" + url.PathEscape(txn)
}

func (a *Acquirer) viewOf(p paymentRow) PaymentView {
	v := PaymentView{MerchantID: p.MerchantID, OutTradeNo: p.OutTradeNo, TransactionID: p.ID, Status: wireStatus(p.Status),
		AmountFen: p.AmountFen, Method: p.Method, CreatedAt: p.CreatedAt, ExpiresAt: p.ExpiresAt, PaidAt: p.PaidAt, ClosedAt: p.ClosedAt}
	if p.Status == "pending" {
		v.PayURL = a.cashierURL(p.ID)
	}
	return v
}

// authenticate checks a merchant's signed request and returns the merchant and the body. A
// nonce is accepted once.
func (a *Acquirer) authenticate(r *http.Request) (string, []byte, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return "", nil, errs.Wrapf(errs.TooLarge, err, "error.too_large")
		}
		return "", nil, errs.Wrapf(errs.Invalid, err, "error.invalid")
	}
	auth, err := ParseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		return "", nil, err
	}
	now := a.db.Clock().Now()
	if d := now.Sub(auth.Time); d > MaxSkew || d < -MaxSkew {
		return "", nil, errs.E(errs.Unauthenticated, "acquirer.error.auth_time")
	}
	secret, err := a.merchantSecret(r.Context(), auth.Merchant)
	if errs.Is(err, errs.NotFound) {
		return "", nil, errs.E(errs.Unauthenticated, "acquirer.error.auth_bad")
	}
	if err != nil {
		return "", nil, err
	}
	if !hmac.Equal(auth.Sig, requestMAC(secret, r.Method, r.URL.RequestURI(), auth.Time, auth.Nonce, body)) {
		return "", nil, errs.E(errs.Unauthenticated, "acquirer.error.auth_bad")
	}
	err = a.db.Transact(r.Context(), func(tx *store.Tx) error {
		var n int
		if err := tx.Get(r.Context(), &n, `SELECT COUNT(*) FROM acquirer_nonces WHERE merchant_id = ? AND nonce = ?`,
			auth.Merchant, auth.Nonce); err != nil {
			return err
		}
		if n > 0 {
			return errs.E(errs.Unauthenticated, "acquirer.error.auth_replay")
		}
		_, err := tx.Exec(r.Context(), `INSERT INTO acquirer_nonces (merchant_id, nonce, expires_at) VALUES (?, ?, ?)`,
			auth.Merchant, auth.Nonce, auth.Time.Add(2*MaxSkew))
		return err
	})
	if errs.Is(err, errs.Conflict) {
		return "", nil, errs.E(errs.Unauthenticated, "acquirer.error.auth_replay")
	}
	if err != nil {
		return "", nil, err
	}
	return auth.Merchant, body, nil
}

// decodeStrict reads body into v, refusing unknown fields and trailing data.
func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errs.Wrapf(errs.Invalid, err, "acquirer.error.request")
	}
	if dec.More() {
		return errs.E(errs.Invalid, "acquirer.error.request")
	}
	return nil
}

// writeSigned answers with v as JSON, signed.
func (a *Acquirer) writeSigned(w http.ResponseWriter, status int, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set(SignatureHeader, signHeader(a.key, a.kid, a.db.Clock().Now(), body))
	w.WriteHeader(status)
	_, err = w.Write(body)
	return err
}

// validNotifyURL accepts absolute http(s) URLs.
func validNotifyURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && len(s) <= 512 && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.User == nil
}

// validReturnURL accepts absolute http(s) URLs and local paths (for a merchant on the same
// site as the sandbox).
func validReturnURL(s string) bool {
	if strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") && !strings.ContainsAny(s, "\\\r\n\t") && len(s) <= 512 {
		return true
	}
	return validNotifyURL(s)
}

func (a *Acquirer) createPayment(w http.ResponseWriter, r *http.Request) error {
	merchant, body, err := a.authenticate(r)
	if err != nil {
		return err
	}
	var req CreatePaymentRequest
	if err := decodeStrict(body, &req); err != nil {
		return err
	}
	req.Subject = strings.TrimSpace(req.Subject)
	now := a.db.Clock().Now().UTC()
	if req.ExpiresAt.IsZero() {
		req.ExpiresAt = now.Add(defaultPaymentLife)
	}
	switch {
	case !refPattern.MatchString(req.OutTradeNo):
		return errs.Field("out_trade_no", "acquirer.error.request")
	case req.AmountFen <= 0 || req.AmountFen > maxAmountFen:
		return errs.Field("amount_fen", "acquirer.error.request")
	case req.Subject == "" || utf8.RuneCountInString(req.Subject) > 128 || utf8.RuneCountInString(req.Payee) > 64:
		return errs.Field("subject", "acquirer.error.request")
	case !validNotifyURL(req.NotifyURL):
		return errs.Field("notify_url", "acquirer.error.request")
	case !validReturnURL(req.ReturnURL):
		return errs.Field("return_url", "acquirer.error.request")
	case !req.ExpiresAt.After(now) || req.ExpiresAt.Sub(now) > maxPaymentLife:
		return errs.Field("expires_at", "acquirer.error.request")
	}
	var p paymentRow
	err = a.db.Transact(r.Context(), func(tx *store.Tx) error {
		err := tx.Get(r.Context(), &p, `SELECT `+paymentCols+` FROM acquirer_payments WHERE merchant_id = ? AND out_trade_no = ?`,
			merchant, req.OutTradeNo)
		if err == nil {
			// The same payment asked for again: the same answer, unless it is not the same payment.
			if p.AmountFen != req.AmountFen {
				return errs.E(errs.Conflict, "acquirer.error.trade_conflict")
			}
			return nil
		}
		if !errs.Is(err, errs.NotFound) {
			return err
		}
		p = paymentRow{ID: "SBX" + tx.Now.In(clock.China).Format("20060102") + randomDigits(14), MerchantID: merchant,
			OutTradeNo: req.OutTradeNo, AmountFen: req.AmountFen, Subject: req.Subject, Payee: strings.TrimSpace(req.Payee),
			NotifyURL: req.NotifyURL, ReturnURL: req.ReturnURL, Status: "pending", CreatedAt: tx.Now, ExpiresAt: req.ExpiresAt.UTC()}
		_, err = tx.Exec(r.Context(), `INSERT INTO acquirer_payments (id, merchant_id, out_trade_no, amount_fen, subject, payee,
			notify_url, return_url, status, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, p.MerchantID, p.OutTradeNo, p.AmountFen, p.Subject, p.Payee, p.NotifyURL, p.ReturnURL, p.Status, p.CreatedAt, p.ExpiresAt)
		return err
	})
	if err != nil {
		return err
	}
	return a.writeSigned(w, http.StatusOK, a.viewOf(p))
}

func (a *Acquirer) queryPayment(w http.ResponseWriter, r *http.Request) error {
	merchant, _, err := a.authenticate(r)
	if err != nil {
		return err
	}
	p, err := a.paymentByRef(r.Context(), merchant, r.PathValue("ref"))
	if err != nil {
		return err
	}
	return a.writeSigned(w, http.StatusOK, a.viewOf(p))
}

func (a *Acquirer) paymentByRef(ctx context.Context, merchant, ref string) (paymentRow, error) {
	var p paymentRow
	if !refPattern.MatchString(ref) {
		return p, errs.E(errs.NotFound, "acquirer.error.payment_not_found")
	}
	err := a.db.Get(ctx, &p, `SELECT `+paymentCols+` FROM acquirer_payments WHERE merchant_id = ? AND out_trade_no = ?`, merchant, ref)
	if errs.Is(err, errs.NotFound) {
		return p, errs.E(errs.NotFound, "acquirer.error.payment_not_found")
	}
	return p, err
}

func (a *Acquirer) createRefund(w http.ResponseWriter, r *http.Request) error {
	merchant, body, err := a.authenticate(r)
	if err != nil {
		return err
	}
	var req RefundRequestBody
	if err := decodeStrict(body, &req); err != nil {
		return err
	}
	switch {
	case !refPattern.MatchString(req.OutTradeNo):
		return errs.Field("out_trade_no", "acquirer.error.request")
	case !refPattern.MatchString(req.OutRefundNo):
		return errs.Field("out_refund_no", "acquirer.error.request")
	case req.AmountFen <= 0 || req.AmountFen > maxAmountFen:
		return errs.Field("amount_fen", "acquirer.error.request")
	case utf8.RuneCountInString(req.Reason) > 200:
		return errs.Field("reason", "acquirer.error.request")
	case !validNotifyURL(req.NotifyURL):
		return errs.Field("notify_url", "acquirer.error.request")
	}
	var rf refundRow
	var out string
	err = a.db.Transact(r.Context(), func(tx *store.Tx) error {
		var p paymentRow
		if err := tx.Get(r.Context(), &p, `SELECT `+paymentCols+` FROM acquirer_payments WHERE merchant_id = ? AND out_trade_no = ?`,
			merchant, req.OutTradeNo); err != nil {
			if errs.Is(err, errs.NotFound) {
				return errs.E(errs.NotFound, "acquirer.error.payment_not_found")
			}
			return err
		}
		out = p.OutTradeNo
		err := tx.Get(r.Context(), &rf, `SELECT `+refundCols+` FROM acquirer_refunds WHERE merchant_id = ? AND out_refund_no = ?`,
			merchant, req.OutRefundNo)
		if err == nil {
			if rf.AmountFen != req.AmountFen || rf.PaymentID != p.ID {
				return errs.E(errs.Conflict, "acquirer.error.refund_conflict")
			}
			return nil
		}
		if !errs.Is(err, errs.NotFound) {
			return err
		}
		if p.Status != "succeeded" {
			return errs.E(errs.Conflict, "acquirer.error.not_paid")
		}
		if req.AmountFen > p.AmountFen-p.RefundedFen {
			return errs.E(errs.Conflict, "acquirer.error.refund_exceeds")
		}
		rf = refundRow{ID: "SBR" + tx.Now.In(clock.China).Format("20060102") + randomDigits(14), PaymentID: p.ID, MerchantID: merchant,
			OutRefundNo: req.OutRefundNo, AmountFen: req.AmountFen, Reason: strings.TrimSpace(req.Reason), Status: "processing",
			NotifyURL: req.NotifyURL, CreatedAt: tx.Now}
		if _, err := tx.Exec(r.Context(), `INSERT INTO acquirer_refunds (id, payment_id, merchant_id, out_refund_no, amount_fen, reason,
			status, notify_url, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, rf.ID, rf.PaymentID, rf.MerchantID, rf.OutRefundNo,
			rf.AmountFen, rf.Reason, rf.Status, rf.NotifyURL, rf.CreatedAt); err != nil {
			return err
		}
		// The money is set aside at once, so that two refunds never return more than was paid.
		_, err = tx.Exec(r.Context(), `UPDATE acquirer_payments SET refunded_fen = refunded_fen + ? WHERE id = ?`, rf.AmountFen, p.ID)
		return err
	})
	if err != nil {
		return err
	}
	a.Wake()
	return a.writeSigned(w, http.StatusOK, RefundView{OutTradeNo: out, OutRefundNo: rf.OutRefundNo, RefundID: rf.ID,
		Status: wireStatus(rf.Status), AmountFen: rf.AmountFen, FinishedAt: rf.FinishedAt})
}

// PublicKeyView is the answer of GET /v1/public-key.
type PublicKeyView struct {
	KeyID     string `json:"kid"`
	Algorithm string `json:"alg"`
	PublicKey string `json:"public_key"` // raw 32 bytes, base64url
}

func (a *Acquirer) publicKey(w http.ResponseWriter, r *http.Request) error {
	return a.writeSigned(w, http.StatusOK, PublicKeyView{KeyID: a.kid, Algorithm: "ed25519",
		PublicKey: base64.RawURLEncoding.EncodeToString(a.pub)})
}
