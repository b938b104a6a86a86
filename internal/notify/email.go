package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/events"
	"github.com/yiwang-platform/yiwang/internal/i18n"
)

// EmailOptions configure an EmailSender.
type EmailOptions struct {
	Addr string // the SMTP server, host:port
	From string // the sender address, e.g. "noreply@yiwang.fujian.gov.cn"
	// Hello is the name given in EHLO ("localhost" if empty).
	Hello string
	// Username and Password, if set, authenticate with AUTH PLAIN — only over TLS.
	Username, Password string
	// TLS configures STARTTLS (the server name taken from Addr if nil). STARTTLS is used whenever
	// the server offers it; RequireTLS refuses to send to a server that does not.
	TLS        *tls.Config
	RequireTLS bool
	// Timeout bounds one whole conversation (30 s if zero).
	Timeout time.Duration
}

// EmailSender sends messages as plain-text mail over SMTP.
type EmailSender struct {
	o    EmailOptions
	host string
}

// NewEmailSender checks o and returns the sender.
func NewEmailSender(o EmailOptions) (*EmailSender, error) {
	host, _, err := net.SplitHostPort(o.Addr)
	if err != nil {
		return nil, fmt.Errorf("notify: SMTP address %q: %w", o.Addr, err)
	}
	if a, err := mail.ParseAddress(o.From); err != nil || a.Address != o.From {
		return nil, fmt.Errorf("notify: the sender address %q is not a plain address", o.From)
	}
	if o.Hello == "" {
		o.Hello = "localhost"
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	return &EmailSender{o: o, host: host}, nil
}

// Name is "email".
func (*EmailSender) Name() string { return "email" }

// Send mails d to the person's address. An address that does not parse, or a server that refuses
// the recipient or the message with a 5xx reply, is permanent; anything else is retried.
func (s *EmailSender) Send(ctx context.Context, d Delivery) (err error) {
	if d.To.Email == "" {
		return ErrNoContact
	}
	to, perr := mail.ParseAddress(d.To.Email)
	if perr != nil || to.Address != d.To.Email {
		return events.Permanent(fmt.Errorf("notify: email address does not parse"))
	}
	msg := s.compose(d)

	deadline := time.Now().Add(s.o.Timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	dialer := net.Dialer{Deadline: deadline}
	conn, err := dialer.DialContext(ctx, "tcp", s.o.Addr)
	if err != nil {
		return fmt.Errorf("notify: SMTP: %w", err)
	}
	conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("notify: SMTP greeting: %w", err)
	}
	defer c.Close()
	step := func(what string, err error) error {
		if err == nil {
			return nil
		}
		err = fmt.Errorf("notify: SMTP %s: %w", what, err)
		if pe := (*textproto.Error)(nil); errors.As(err, &pe) && pe.Code >= 500 {
			return events.Permanent(err)
		}
		return err
	}
	if err := step("EHLO", c.Hello(s.o.Hello)); err != nil {
		return err
	}
	tlsOn := false
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := s.o.TLS
		if cfg == nil {
			cfg = &tls.Config{ServerName: s.host}
		}
		if err := step("STARTTLS", c.StartTLS(cfg)); err != nil {
			return err
		}
		tlsOn = true
	} else if s.o.RequireTLS {
		return fmt.Errorf("notify: SMTP server %s does not offer STARTTLS", s.o.Addr)
	}
	if s.o.Username != "" {
		if !tlsOn {
			return events.Permanent(errors.New("notify: SMTP: will not send a password without TLS"))
		}
		if err := step("AUTH", c.Auth(smtp.PlainAuth("", s.o.Username, s.o.Password, s.host))); err != nil {
			return err
		}
	}
	if err := step("MAIL FROM", c.Mail(s.o.From)); err != nil {
		return err
	}
	if err := step("RCPT TO", c.Rcpt(to.Address)); err != nil {
		return err
	}
	w, err := c.Data()
	if err := step("DATA", err); err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return step("DATA", err)
	}
	if err := step("end of DATA", w.Close()); err != nil {
		return err
	}
	// The server took the message: a failed QUIT must not have it sent again.
	_ = c.Quit()
	return nil
}

// compose writes the message: UTF-8 plain text, base64, headers encoded as RFC 2047 words.
func (s *EmailSender) compose(d Delivery) []byte {
	subject := i18n.T(d.Lang, "notify.email.subject")
	body := d.Text + "\r\n"
	if d.Link != "" {
		body += "\r\n" + d.Link + "\r\n"
	}
	body += "\r\n-- \r\n" + i18n.T(d.Lang, "notify.email.footer") + "\r\n"
	var b bytes.Buffer
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	header("From", (&mail.Address{Name: i18n.T(d.Lang, "site.name"), Address: s.o.From}).String())
	header("To", d.To.Email)
	header("Subject", mime.BEncoding.Encode("UTF-8", oneLine(subject)))
	header("Date", d.CreatedAt.In(clock.China).Format(time.RFC1123Z))
	header("Message-ID", fmt.Sprintf("<notify-%d@%s>", d.MessageID, s.fromDomain()))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=UTF-8")
	header("Content-Transfer-Encoding", "base64")
	header("Content-Language", string(d.Lang))
	header("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(body))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.Bytes()
}

func (s *EmailSender) fromDomain() string {
	return s.o.From[strings.LastIndexByte(s.o.From, '@')+1:]
}

func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return ' '
		}
		return r
	}, s)
}
