package payments

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Channel is a payment channel: an acquirer (or a bank, or the provincial non-tax payment
// platform) that takes the payer's money for the payee. Implementations live outside this
// package (internal/acquirer has the sandbox one); they talk to their channel over the network,
// so none of their methods is called inside a database transaction.
//
// Every channel knows a payment by the merchant reference this package gives it (an attempt's
// id) and a refund by the refund's id; it answers with its own transaction and refund ids.
type Channel interface {
	// Describe names the channel for people.
	Describe() ChannelInfo
	// CreatePayment opens a payment at the channel and returns where to send the payer.
	// Creating the same merchant reference again returns the same payment while it is open.
	// Returns errs.Unavailable when the channel cannot be reached or refuses.
	CreatePayment(ctx context.Context, r PaymentRequest) (PaymentStart, error)
	// QueryPayment reports the channel's state of the payment with merchant reference ref.
	// Returns errs.NotFound if the channel has no such payment, errs.Unavailable when it
	// cannot be reached.
	QueryPayment(ctx context.Context, ref string) (PaymentState, error)
	// Refund asks the channel to return money of a succeeded payment; the outcome arrives by
	// callback (or is already final in the answer). Asking again with the same refund
	// reference returns the same refund. Returns errs.Conflict when the channel refuses (more
	// than is left), errs.Unavailable when it cannot be reached.
	Refund(ctx context.Context, r RefundRequest) (RefundState, error)
	// Statement returns the channel's record of the day's succeeded payments and refunds, for
	// the civil day (China time) of day; the channel's signature over it has been verified.
	Statement(ctx context.Context, day time.Time) ([]StatementLine, error)
	// ParseCallback verifies the signature of a callback (its body and HTTP headers, names in
	// canonical form) and parses it. A bad or missing signature is errs.Unauthenticated, a body
	// that does not parse is errs.Invalid; nothing of an unverified body is returned.
	ParseCallback(body []byte, headers map[string]string) (Notification, error)
}

// ExternalCashier is implemented by a channel whose cashier — where CreatePayment's PayURL sends
// the payer — is on another origin than the platform's own. The payment page must allow that
// origin as a form target: browsers apply a page's Content-Security-Policy form-action to the
// redirect that follows its form, and the pay form's answer redirects to the cashier.
type ExternalCashier interface {
	// CashierOrigin is the cashier's origin ("https://pay.example.cn"), or "" for a cashier on
	// the platform's own site (the sandbox acquirer).
	CashierOrigin() string
}

// OriginOf returns the origin (scheme://host[:port], lower case) of an absolute http or https
// URL, such as a cashier's address, in the form a Content-Security-Policy source takes. It
// refuses anything else, credentials in the URL included.
func OriginOf(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("payments: origin of %q: %w", raw, err)
	}
	o := strings.ToLower(u.Scheme + "://" + u.Host)
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.User != nil || u.Opaque != "" || !originRE.MatchString(o) {
		return "", fmt.Errorf("payments: %q is not an absolute http(s) URL with a host", raw)
	}
	return o, nil
}

// originRE is what OriginOf lets through: nothing that could end or add a CSP source.
var originRE = regexp.MustCompile(`^https?://(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9.-]*[a-z0-9])?)(:[0-9]{1,5})?$`)

// ChannelInfo names a channel in the three languages of the portal.
type ChannelInfo struct {
	NameHans, NameHant, NameEn string
}

// Name returns the channel's name in lang ("zh-Hans", "zh-Hant", "en").
func (c ChannelInfo) Name(lang string) string {
	switch lang {
	case "zh-Hant":
		return c.NameHant
	case "en":
		return c.NameEn
	}
	return c.NameHans
}

// PaymentRequest opens a payment at a channel.
type PaymentRequest struct {
	MerchantRef string // the attempt's id; the channel's out_trade_no
	AmountFen   int64
	Subject     string // what is paid for, shown at the cashier
	Payee       string // the payee organisation's name, shown at the cashier
	// ReturnPath is the local path the cashier sends the payer back to (the order's page).
	ReturnPath string
	ExpiresAt  time.Time
}

// PaymentStart is an opened payment: the channel's transaction id and the cashier's address.
type PaymentStart struct {
	TransactionID string
	PayURL        string
}

// States of a payment or refund as a channel reports them.
const (
	ChannelPending   = "pending"
	ChannelSucceeded = "succeeded"
	ChannelClosed    = "closed"     // payments: cancelled or expired without payment
	ChannelFailed    = "failed"     // refunds: refused after all
	ChannelProcess   = "processing" // refunds: accepted, not yet final
)

// PaymentState is a channel's answer to a query.
type PaymentState struct {
	MerchantRef   string
	TransactionID string
	Status        string // ChannelPending, ChannelSucceeded, ChannelClosed
	AmountFen     int64  // what the payer paid, when succeeded
	Method        string
	At            time.Time // when it succeeded or closed
}

// RefundRequest asks a channel to return money of a payment.
type RefundRequest struct {
	RefundRef     string // the refund's id; the channel's out_refund_no
	MerchantRef   string // the payment's merchant reference
	TransactionID string
	AmountFen     int64
	Reason        string
}

// RefundState is a channel's answer to a refund request.
type RefundState struct {
	RefundID string
	Status   string // ChannelProcess, ChannelSucceeded, ChannelFailed
	At       time.Time
}

// Kinds of notification and statement line.
const (
	KindPayment = "payment"
	KindRefund  = "refund"
)

// Notification is a verified callback.
type Notification struct {
	// ID is the channel's notification id: a notification delivered again has the same one.
	ID   string
	Kind string // KindPayment or KindRefund
	// MerchantRef and TransactionID name the payment (for a refund too: the refunded one).
	MerchantRef   string
	TransactionID string
	// Status: for payments ChannelSucceeded or ChannelClosed; for refunds ChannelSucceeded or
	// ChannelFailed.
	Status string
	// AmountFen is what was paid (payment) or returned (refund).
	AmountFen int64
	Method    string
	// RefundRef and RefundID name the refund of a refund notification.
	RefundRef, RefundID string
	At                  time.Time
}

// StatementLine is one succeeded payment or refund in a channel's daily statement.
type StatementLine struct {
	Kind          string // KindPayment or KindRefund
	MerchantRef   string
	TransactionID string
	RefundRef     string
	RefundID      string
	AmountFen     int64
	Status        string // ChannelSucceeded
	At            time.Time
}
