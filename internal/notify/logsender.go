package notify

import (
	"context"
	"log/slog"
	"strings"
)

// LogSender writes a line per delivery to a logger instead of sending it: for development and
// for nodes without a gateway. It logs the message id, the key and the masked destinations, never
// the text (its arguments may name people or affairs).
type LogSender struct {
	log *slog.Logger
}

// NewLogSender returns a sender that logs to logger (slog.Default() if nil).
func NewLogSender(logger *slog.Logger) *LogSender {
	if logger == nil {
		logger = slog.Default()
	}
	return &LogSender{log: logger.With("component", "notify.log")}
}

// Name is "log".
func (*LogSender) Name() string { return "log" }

// Send logs d; an account with neither mobile nor email is skipped.
func (s *LogSender) Send(ctx context.Context, d Delivery) error {
	if d.To.Mobile == "" && d.To.Email == "" {
		return ErrNoContact
	}
	s.log.InfoContext(ctx, "message", "message", d.MessageID, "key", d.Key,
		"mobile", MaskMobile(d.To.Mobile), "email", MaskEmail(d.To.Email))
	return nil
}

// MaskMobile shows the first three and last four digits of a phone number: 138****2345.
func MaskMobile(p string) string {
	if len(p) < 8 {
		return strings.Repeat("*", len(p))
	}
	return p[:3] + strings.Repeat("*", len(p)-7) + p[len(p)-4:]
}

// MaskEmail shows the first character of the local part and the domain: m***@example.cn.
func MaskEmail(e string) string {
	at := strings.LastIndexByte(e, '@')
	if at < 1 {
		return strings.Repeat("*", len(e))
	}
	return e[:1] + "***" + e[at:]
}
