package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/yiwang-platform/yiwang/internal/events"
)

// SMS gateway request headers.
const (
	// SignatureHeader carries "sha256=" and the hex HMAC-SHA256 of the body under the shared
	// secret; the body's timestamp lets the gateway refuse replays.
	SignatureHeader = "X-Yiwang-Signature"
	// IdempotencyHeader carries "notify-<message id>", the same on every retry of a message, so
	// that the gateway sends a redelivered message once.
	IdempotencyHeader = "Idempotency-Key"
)

// SMSOptions configure an SMSSender.
type SMSOptions struct {
	URL    string       // the gateway's endpoint, https in production
	Secret []byte       // the HMAC key shared with the gateway (at least 32 bytes)
	Client *http.Client // a client with a 10 s timeout if nil
}

// SMSSender posts messages as JSON to an SMS gateway, signed with HMAC-SHA256.
type SMSSender struct {
	o SMSOptions
}

// SMSRequest is the JSON body the gateway receives.
type SMSRequest struct {
	ID        string   `json:"id"`     // "notify-<message id>", as in the Idempotency-Key header
	Mobile    string   `json:"mobile"` // 11 digits
	Text      string   `json:"text"`   // the message in the person's language, with its link
	Template  string   `json:"template"`
	Args      []string `json:"args"`
	Lang      string   `json:"lang"`
	Timestamp int64    `json:"timestamp"` // Unix seconds when the request was made
}

// NewSMSSender checks o and returns the sender.
func NewSMSSender(o SMSOptions) (*SMSSender, error) {
	if o.URL == "" {
		return nil, errors.New("notify: the SMS gateway needs a URL")
	}
	if len(o.Secret) < 32 {
		return nil, errors.New("notify: the SMS gateway's secret must have at least 32 bytes")
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 10 * time.Second}
	}
	return &SMSSender{o: o}, nil
}

// Name is "sms".
func (*SMSSender) Name() string { return "sms" }

// Sign returns the signature header value for body under secret (for gateways and tests).
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Send posts d. A 2xx answer is success; 408, 429 and 5xx answers and network errors are retried;
// any other answer is permanent (the gateway refused the request as it is).
func (s *SMSSender) Send(ctx context.Context, d Delivery) error {
	if d.To.Mobile == "" {
		return ErrNoContact
	}
	text := d.Text
	if d.Link != "" {
		text += " " + d.Link
	}
	id := "notify-" + strconv.FormatInt(d.MessageID, 10)
	body, err := json.Marshal(SMSRequest{ID: id, Mobile: d.To.Mobile, Text: text, Template: d.Key, Args: d.Args,
		Lang: string(d.Lang), Timestamp: time.Now().Unix()})
	if err != nil {
		return events.Permanent(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.o.URL, bytes.NewReader(body))
	if err != nil {
		return events.Permanent(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, Sign(s.o.Secret, body))
	req.Header.Set(IdempotencyHeader, id)
	resp, err := s.o.Client.Do(req)
	if err != nil {
		return fmt.Errorf("notify: SMS gateway: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		return nil
	case c == http.StatusRequestTimeout || c == http.StatusTooManyRequests || c >= 500:
		return fmt.Errorf("notify: SMS gateway answered %s", resp.Status)
	default:
		return events.Permanent(fmt.Errorf("notify: SMS gateway refused the message: %s", resp.Status))
	}
}
