package acquirer

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/payments"
)

// ClientConfig configures the channel client.
type ClientConfig struct {
	// AcquirerURL is the acquirer's base address, e.g. "https://pay.example.cn/sandbox/acquirer".
	AcquirerURL string
	// NotifyURL is where the acquirer posts its notifications: the platform's
	// /api/v1/payments/callbacks/{channel}, as an absolute URL.
	NotifyURL string
	// ReturnURL is the platform's address as payers' browsers reach it (scheme and host); the
	// cashier sends them back to ReturnURL + the order's page. "" sends them to the local
	// path, for an acquirer served by the platform's own site.
	ReturnURL string
	// Credentials are the platform's merchant id and API secret at the acquirer.
	Credentials
	// PublicKey is the acquirer's key: only what it signed is believed.
	PublicKey ed25519.PublicKey
	// HTTPClient talks to the acquirer; a client with a 10-second timeout when nil.
	HTTPClient *http.Client
	// Clock checks the age of signatures; the real clock when nil.
	Clock clock.Clock
	// Info names the channel for payers; the sandbox's names when zero.
	Info payments.ChannelInfo
	// CashierURL is where payers' browsers reach the acquirer's cashier, when that is another
	// site than the platform's (e.g. "https://pay.example.cn"): its origin becomes an allowed
	// form target of the payment page. "" for a cashier on the platform's own site (the sandbox
	// mounted under BasePath).
	CashierURL string
}

// Client is the payment channel backed by the acquirer.
type Client struct {
	cfg     ClientConfig
	kid     string
	cashier string // the cashier's origin, "" for the platform's own
}

var (
	_ payments.Channel         = (*Client)(nil)
	_ payments.ExternalCashier = (*Client)(nil)
)

// NewClient returns the channel client.
func NewClient(cfg ClientConfig) (*Client, error) {
	if len(cfg.PublicKey) != ed25519.PublicKeySize {
		return nil, errors.New("acquirer client: the acquirer's public key is missing")
	}
	if cfg.MerchantID == "" || cfg.Secret == "" {
		return nil, errors.New("acquirer client: merchant credentials are missing")
	}
	if !validNotifyURL(cfg.AcquirerURL) || !validNotifyURL(cfg.NotifyURL) {
		return nil, errors.New("acquirer client: AcquirerURL and NotifyURL must be absolute http(s) URLs")
	}
	var cashier string
	if cfg.CashierURL != "" {
		var err error
		if cashier, err = payments.OriginOf(cfg.CashierURL); err != nil {
			return nil, fmt.Errorf("acquirer client: CashierURL must be an absolute http(s) URL: %w", err)
		}
	}
	cfg.AcquirerURL = strings.TrimSuffix(cfg.AcquirerURL, "/")
	cfg.ReturnURL = strings.TrimSuffix(cfg.ReturnURL, "/")
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Info == (payments.ChannelInfo{}) {
		cfg.Info = payments.ChannelInfo{NameHans: "沙箱收单（支付宝、微信支付、银联）", NameHant: "沙箱收單（支付寶、微信支付、銀聯）",
			NameEn: "Sandbox acquirer (Alipay, WeChat Pay, UnionPay)"}
	}
	return &Client{cfg: cfg, kid: KeyID(cfg.PublicKey), cashier: cashier}, nil
}

// Describe names the channel.
func (c *Client) Describe() payments.ChannelInfo { return c.cfg.Info }

// CashierOrigin is the origin of ClientConfig.CashierURL, "" for a cashier on the platform's own
// site.
func (c *Client) CashierOrigin() string { return c.cashier }

// maxAnswer bounds an answer read from the acquirer (a statement of a busy day included).
const maxAnswer = 32 << 20

// call sends a signed request and decodes the verified answer into out.
func (c *Client) call(ctx context.Context, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, c.cfg.AcquirerURL+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", Authorize(c.cfg.Credentials, method, req.URL.RequestURI(), c.cfg.Clock.Now(), randomHex(16), body))
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return errs.Wrapf(errs.Unavailable, err, "payments.error.channel_unavailable")
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return errs.Wrapf(errs.Unavailable, err, "payments.error.channel_unavailable")
	}
	if resp.StatusCode/100 != 2 {
		return refusal(resp.StatusCode, answer)
	}
	if err := VerifySignature(c.cfg.PublicKey, resp.Header.Get(SignatureHeader), answer, c.cfg.Clock.Now()); err != nil {
		return errs.Wrapf(errs.Unavailable, err, "payments.error.channel_unavailable")
	}
	if err := json.Unmarshal(answer, out); err != nil {
		return errs.Wrapf(errs.Unavailable, err, "payments.error.channel_unavailable")
	}
	return nil
}

// refusal turns an acquirer's error answer into an error of the platform's vocabulary: what
// the payer or official can act on keeps its kind, the rest means the channel is unavailable.
func refusal(status int, answer []byte) error {
	var e struct {
		Error struct {
			Kind    string `json:"kind"`
			Message string `json:"message"`
		} `json:"error"`
	}
	_ = json.Unmarshal(answer, &e)
	detail := fmt.Errorf("acquirer answered %d %s: %.200s", status, e.Error.Kind, e.Error.Message)
	switch status {
	case http.StatusNotFound:
		return errs.Wrapf(errs.NotFound, detail, "payments.error.channel_not_found")
	case http.StatusConflict:
		return errs.Wrapf(errs.Conflict, detail, "payments.error.channel_refused")
	}
	return errs.Wrapf(errs.Unavailable, detail, "payments.error.channel_unavailable")
}

func (c *Client) returnURL(path string) string { return c.cfg.ReturnURL + path }

// CreatePayment opens a payment at the acquirer.
func (c *Client) CreatePayment(ctx context.Context, r payments.PaymentRequest) (payments.PaymentStart, error) {
	var v PaymentView
	err := c.call(ctx, http.MethodPost, "/v1/payments", CreatePaymentRequest{OutTradeNo: r.MerchantRef, AmountFen: r.AmountFen,
		Subject: r.Subject, Payee: r.Payee, NotifyURL: c.cfg.NotifyURL, ReturnURL: c.returnURL(r.ReturnPath), ExpiresAt: r.ExpiresAt.UTC()}, &v)
	if err != nil {
		return payments.PaymentStart{}, err
	}
	if v.OutTradeNo != r.MerchantRef || v.AmountFen != r.AmountFen {
		return payments.PaymentStart{}, errs.E(errs.Unavailable, "payments.error.channel_unavailable")
	}
	if v.Status != wirePending {
		return payments.PaymentStart{}, errs.E(errs.Conflict, "payments.error.channel_refused")
	}
	return payments.PaymentStart{TransactionID: v.TransactionID, PayURL: v.PayURL}, nil
}

// QueryPayment asks the acquirer about a payment.
func (c *Client) QueryPayment(ctx context.Context, ref string) (payments.PaymentState, error) {
	var v PaymentView
	if err := c.call(ctx, http.MethodGet, "/v1/payments/"+url.PathEscape(ref), nil, &v); err != nil {
		return payments.PaymentState{}, err
	}
	if v.OutTradeNo != ref {
		return payments.PaymentState{}, errs.E(errs.Unavailable, "payments.error.channel_unavailable")
	}
	st := payments.PaymentState{MerchantRef: v.OutTradeNo, TransactionID: v.TransactionID, AmountFen: v.AmountFen, Method: v.Method}
	switch v.Status {
	case wireSuccess:
		st.Status = payments.ChannelSucceeded
		if v.PaidAt != nil {
			st.At = *v.PaidAt
		}
	case wireClosed:
		st.Status = payments.ChannelClosed
		if v.ClosedAt != nil {
			st.At = *v.ClosedAt
		}
	default:
		st.Status = payments.ChannelPending
	}
	return st, nil
}

// Refund asks the acquirer to return money.
func (c *Client) Refund(ctx context.Context, r payments.RefundRequest) (payments.RefundState, error) {
	var v RefundView
	if err := c.call(ctx, http.MethodPost, "/v1/refunds", RefundRequestBody{OutTradeNo: r.MerchantRef, OutRefundNo: r.RefundRef,
		AmountFen: r.AmountFen, Reason: r.Reason, NotifyURL: c.cfg.NotifyURL}, &v); err != nil {
		return payments.RefundState{}, err
	}
	if v.OutRefundNo != r.RefundRef {
		return payments.RefundState{}, errs.E(errs.Unavailable, "payments.error.channel_unavailable")
	}
	st := payments.RefundState{RefundID: v.RefundID, Status: payments.ChannelProcess}
	switch v.Status {
	case wireSuccess:
		st.Status = payments.ChannelSucceeded
	case wireFailed:
		st.Status = payments.ChannelFailed
	}
	if v.FinishedAt != nil {
		st.At = *v.FinishedAt
	}
	return st, nil
}

// Statement fetches and verifies the day's statement.
func (c *Client) Statement(ctx context.Context, day time.Time) ([]payments.StatementLine, error) {
	d := day.In(clock.China).Format(time.DateOnly)
	var st Statement
	if err := c.call(ctx, http.MethodGet, "/v1/statements/"+d, nil, &st); err != nil {
		return nil, err
	}
	if st.Day != d || st.MerchantID != c.cfg.MerchantID || st.Count != len(st.Lines) {
		return nil, errs.E(errs.Unavailable, "payments.error.statement_unavailable")
	}
	out := make([]payments.StatementLine, 0, len(st.Lines))
	for _, l := range st.Lines {
		line := payments.StatementLine{MerchantRef: l.OutTradeNo, TransactionID: l.TransactionID, RefundRef: l.OutRefundNo,
			RefundID: l.RefundID, AmountFen: l.AmountFen, Status: payments.ChannelSucceeded, At: l.Time}
		switch l.Type {
		case "payment":
			line.Kind = payments.KindPayment
		case "refund":
			line.Kind = payments.KindRefund
		default:
			return nil, errs.E(errs.Unavailable, "payments.error.statement_unavailable")
		}
		if l.Status != wireSuccess {
			line.Status = strings.ToLower(l.Status)
		}
		out = append(out, line)
	}
	return out, nil
}

// ParseCallback verifies a notification's signature with the acquirer's key and parses it.
func (c *Client) ParseCallback(body []byte, headers map[string]string) (payments.Notification, error) {
	if err := VerifySignature(c.cfg.PublicKey, headers[SignatureHeader], body, c.cfg.Clock.Now()); err != nil {
		return payments.Notification{}, err
	}
	return ParseNotification(body, c.cfg.MerchantID)
}

// ParseNotification parses a notification body (already verified) addressed to merchant.
func ParseNotification(body []byte, merchant string) (payments.Notification, error) {
	bad := func() (payments.Notification, error) {
		return payments.Notification{}, errs.E(errs.Invalid, "payments.error.callback_unreadable")
	}
	var n Notification
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&n); err != nil || dec.More() {
		return bad()
	}
	if n.MerchantID != merchant || n.NotifyID == "" || !refPattern.MatchString(n.OutTradeNo) || !refPattern.MatchString(n.TransactionID) {
		return bad()
	}
	out := payments.Notification{ID: n.NotifyID, MerchantRef: n.OutTradeNo, TransactionID: n.TransactionID, Method: n.Method,
		At: n.EventTime}
	switch n.NotifyType {
	case "payment":
		out.Kind, out.AmountFen = payments.KindPayment, n.AmountFen
		switch n.TradeStatus {
		case wireSuccess:
			out.Status = payments.ChannelSucceeded
		case wireClosed:
			out.Status = payments.ChannelClosed
		default:
			return bad()
		}
	case "refund":
		out.Kind, out.AmountFen, out.RefundRef, out.RefundID = payments.KindRefund, n.RefundFen, n.OutRefundNo, n.RefundID
		if !refPattern.MatchString(n.OutRefundNo) || !refPattern.MatchString(n.RefundID) {
			return bad()
		}
		switch n.RefundStatus {
		case wireSuccess:
			out.Status = payments.ChannelSucceeded
		case wireFailed:
			out.Status = payments.ChannelFailed
		default:
			return bad()
		}
	default:
		return bad()
	}
	if out.AmountFen < 0 || out.AmountFen > maxAmountFen || out.Status == payments.ChannelSucceeded && out.AmountFen == 0 {
		return bad()
	}
	return out, nil
}
