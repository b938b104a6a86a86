package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// NATSConsumer is the consumer name under which a NATSPublisher receives events.
const NATSConsumer = "nats"

// Defaults of a NATSPublisher.
const (
	DefaultNATSStream        = "YIWANG"
	DefaultNATSSubjectPrefix = "yiwang"
)

// NATSOption configures a NATSPublisher.
type NATSOption func(*natsConfig)

type natsConfig struct {
	stream    string
	prefix    string
	dupWindow time.Duration
	timeout   time.Duration
	logger    *slog.Logger
	natsOpts  []nats.Option
}

// WithStream names the JetStream stream (default "YIWANG").
func WithStream(name string) NATSOption { return func(c *natsConfig) { c.stream = name } }

// WithSubjectPrefix sets the first subject token (default "yiwang"): topic t is published on
// "<prefix>.t" and the stream captures "<prefix>.>".
func WithSubjectPrefix(prefix string) NATSOption { return func(c *natsConfig) { c.prefix = prefix } }

// WithDuplicateWindow sets how long JetStream remembers message ids when it creates the stream
// (default 1 h). A redelivery later than that is stored twice.
func WithDuplicateWindow(d time.Duration) NATSOption {
	return func(c *natsConfig) { c.dupWindow = d }
}

// WithPublishTimeout bounds the wait for JetStream's acknowledgement of one event (default 5 s).
func WithPublishTimeout(d time.Duration) NATSOption { return func(c *natsConfig) { c.timeout = d } }

// WithNATSLogger sets the logger for connection events (default slog.Default()).
func WithNATSLogger(l *slog.Logger) NATSOption { return func(c *natsConfig) { c.logger = l } }

// WithNATSOptions passes options to nats.Connect, for example credentials or TLS.
func WithNATSOptions(opts ...nats.Option) NATSOption {
	return func(c *natsConfig) { c.natsOpts = append(c.natsOpts, opts...) }
}

// NATSPublisher copies events to a NATS JetStream stream, so that other nodes and other
// departments' systems consume them. Attach it to a Dispatcher (consumer "nats", every topic);
// each event is published on subject "<prefix>.<topic>" with its id as the Nats-Msg-Id header, so
// that JetStream drops the redeliveries at-least-once delivery can cause, and an event counts as
// delivered only once JetStream acknowledged storing it.
type NATSPublisher struct {
	nc      *nats.Conn
	js      jetstream.JetStream
	stream  string
	prefix  string
	timeout time.Duration
	log     *slog.Logger
}

// NewNATSPublisher connects to the NATS server at url (YIWANG_NATS_URL) and creates the stream if
// it is missing, or adds the publisher's subjects to an existing one (whose other settings belong
// to its operators and are left alone). Returns errs.Unavailable if the server does not answer or
// has no JetStream.
func NewNATSPublisher(ctx context.Context, url string, opts ...NATSOption) (p *NATSPublisher, err error) {
	defer errs.Wrap(&err, "events.NewNATSPublisher")
	c := natsConfig{stream: DefaultNATSStream, prefix: DefaultNATSSubjectPrefix, dupWindow: time.Hour,
		timeout: 5 * time.Second, logger: slog.Default()}
	for _, o := range opts {
		o(&c)
	}
	if err := ValidTopic(c.prefix + ".x"); err != nil || c.stream == "" {
		return nil, errs.E(errs.Invalid, "NATS subject prefix %q or stream %q is not usable", c.prefix, c.stream)
	}
	log := c.logger.With("component", "events.nats")
	nopts := append([]nats.Option{
		nats.Name("yiwang"),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil { // nil when closed on purpose
				log.Warn("NATS disconnected; reconnecting", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) { log.Info("NATS reconnected", "url", nc.ConnectedUrlRedacted()) }),
	}, c.natsOpts...)
	nc, err := nats.Connect(url, nopts...)
	if err != nil {
		return nil, errs.Wrapf(errs.Unavailable, err, "NATS at %s does not answer", redactURL(url))
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, errs.Wrapf(errs.Unavailable, err, "NATS JetStream unavailable")
	}
	p = &NATSPublisher{nc: nc, js: js, stream: c.stream, prefix: c.prefix, timeout: c.timeout, log: log}
	if err := p.ensureStream(ctx, c.dupWindow); err != nil {
		nc.Close()
		return nil, err
	}
	return p, nil
}

func (p *NATSPublisher) ensureStream(ctx context.Context, dupWindow time.Duration) error {
	want := p.prefix + ".>"
	for range 3 {
		s, err := p.js.Stream(ctx, p.stream)
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			_, err = p.js.CreateStream(ctx, jetstream.StreamConfig{
				Name:        p.stream,
				Description: "Yiwang domain events",
				Subjects:    []string{want},
				Storage:     jetstream.FileStorage,
				Retention:   jetstream.LimitsPolicy,
				Duplicates:  dupWindow,
			})
			if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
				continue // another node created it meanwhile
			}
			if err != nil {
				return errs.Wrapf(errs.Unavailable, err, "cannot create NATS stream %s", p.stream)
			}
			p.log.Info("NATS stream created", "stream", p.stream, "subjects", want)
			return nil
		}
		if err != nil {
			return errs.Wrapf(errs.Unavailable, err, "cannot read NATS stream %s", p.stream)
		}
		cfg := s.CachedInfo().Config
		if slices.Contains(cfg.Subjects, want) {
			return nil
		}
		cfg.Subjects = append(cfg.Subjects, want)
		if _, err := p.js.UpdateStream(ctx, cfg); err != nil {
			return errs.Wrapf(errs.Unavailable, err, "cannot add subjects %s to NATS stream %s", want, p.stream)
		}
		p.log.Info("NATS stream updated", "stream", p.stream, "subjects", cfg.Subjects)
		return nil
	}
	return errs.E(errs.Unavailable, "NATS stream %s keeps changing; try again", p.stream)
}

// Attach subscribes the publisher to every event of d as consumer NATSConsumer. It is ordered, so
// the stream holds events in id order, and retries without end while NATS is unreachable; only an
// event NATS can never take (too large) is dead-lettered.
func (p *NATSPublisher) Attach(d *Dispatcher) {
	d.Subscribe(NATSConsumer, ">", p.Publish, Ordered(), MaxAttempts(0))
}

// Subject is the subject an event of topic is published on.
func (p *NATSPublisher) Subject(topic string) string { return p.prefix + "." + topic }

// Stream is the name of the stream events are stored in.
func (p *NATSPublisher) Stream() string { return p.stream }

// Publish publishes e and waits for JetStream's acknowledgement; it is a Handler. A duplicate
// (an event JetStream already stored within its duplicate window) counts as success.
func (p *NATSPublisher) Publish(ctx context.Context, e Event) error {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	m := nats.NewMsg(p.Subject(e.Topic))
	m.Data = e.Payload
	m.Header.Set("Content-Type", "application/json")
	m.Header.Set("Yiwang-Topic", e.Topic)
	m.Header.Set("Yiwang-Created-At", e.CreatedAt.UTC().Format(time.RFC3339Nano))
	if e.RequestID != "" {
		m.Header.Set("Yiwang-Request-Id", e.RequestID)
	}
	ack, err := p.js.PublishMsg(ctx, m, jetstream.WithMsgID(strconv.FormatInt(e.ID, 10)),
		jetstream.WithExpectStream(p.stream))
	if errors.Is(err, nats.ErrMaxPayload) {
		return Permanent(fmt.Errorf("event %d is too large for NATS: %w", e.ID, err))
	}
	if err != nil {
		return fmt.Errorf("publish event %d to NATS: %w", e.ID, err)
	}
	if ack.Duplicate {
		p.log.Debug("NATS dropped a redelivered event", "event", e.ID, "seq", ack.Sequence)
	}
	return nil
}

// Close closes the connection to NATS; call it after the dispatcher stopped.
func (p *NATSPublisher) Close() { p.nc.Close() }

// redactURL hides the credentials in a NATS URL for logs.
func redactURL(u string) string {
	scheme, at := strings.Index(u, "://"), strings.LastIndex(u, "@")
	if scheme >= 0 && at > scheme {
		return u[:scheme+3] + "***" + u[at:]
	}
	return u
}
