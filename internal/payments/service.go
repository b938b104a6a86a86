// Package payments is the unified payment entry (統一支付): fee orders with payment notice
// numbers, payment channels behind one interface (internal/acquirer has a sandbox acquirer that
// behaves like a real one), signed asynchronous callbacks handled idempotently and by explicit
// state rules, refunds, and the daily reconciliation against each channel's statement.
//
// Money is integer fen throughout. An order is paid only by a verified callback (or a query
// of the channel) that names one of its payment attempts with exactly its total; anything else
// that says money moved — a different amount, a payment after the order was closed, a second
// payment, a refund nobody asked for — makes the order an exception for people to resolve, and
// is announced as the event payment.exception. Every callback, accepted or not, is recorded.
package payments

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/yiwang-platform/yiwang/internal/store"
)

// Notifier puts a message in a person's inbox within the caller's transaction (notify.Service).
type Notifier interface {
	SendTx(ctx context.Context, tx *store.Tx, account int64, key string, args []string, link string) error
}

// Options configure the service.
type Options struct {
	// Notifier tells payers that their payment arrived or their refund was made; nil sends
	// nothing.
	Notifier Notifier
	// OrderTTL is how long a new order can be paid; DefaultOrderTTL when zero.
	OrderTTL time.Duration
	// AttemptTTL is how long a payment opened at a channel stays open there, and how long a
	// second "pay" reuses it instead of opening another; DefaultAttemptTTL when zero.
	AttemptTTL time.Duration
}

// Defaults of Options.
const (
	DefaultOrderTTL   = 15 * 24 * time.Hour
	DefaultAttemptTTL = 30 * time.Minute
)

// Service keeps fee orders and talks to the payment channels.
type Service struct {
	db  *store.DB
	opt Options

	mu       sync.RWMutex
	channels map[string]Channel
}

// New returns the service over db. Register the channels before serving.
func New(db *store.DB, o Options) *Service {
	if o.OrderTTL <= 0 {
		o.OrderTTL = DefaultOrderTTL
	}
	if o.AttemptTTL <= 0 {
		o.AttemptTTL = DefaultAttemptTTL
	}
	return &Service{db: db, opt: o, channels: map[string]Channel{}}
}

var channelName = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)

// Register makes ch available under name (lower-case letters, digits, "-" and "_"; callbacks
// arrive at /api/v1/payments/callbacks/{name}). It panics on a malformed or taken name, or the
// malformed cashier origin of an ExternalCashier: that is a wiring mistake.
func (s *Service) Register(name string, ch Channel) {
	if !channelName.MatchString(name) || ch == nil {
		panic(fmt.Sprintf("payments: bad channel name %q", name))
	}
	if ec, ok := ch.(ExternalCashier); ok && ec.CashierOrigin() != "" {
		if o, err := OriginOf(ec.CashierOrigin()); err != nil || o != ec.CashierOrigin() {
			panic(fmt.Sprintf("payments: channel %q: bad cashier origin %q", name, ec.CashierOrigin()))
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, taken := s.channels[name]; taken {
		panic(fmt.Sprintf("payments: channel %q registered twice", name))
	}
	s.channels[name] = ch
}

// CashierOrigins lists the origins of the registered channels' cashiers that are not on the
// platform's own site (ExternalCashier), sorted, each once: the payment page's allowed form
// targets besides its own origin.
func (s *Service) CashierOrigins() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []string
	for _, ch := range s.channels {
		if ec, ok := ch.(ExternalCashier); ok && ec.CashierOrigin() != "" {
			out = append(out, ec.CashierOrigin())
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// ChannelEntry is a registered channel.
type ChannelEntry struct {
	Name string
	Info ChannelInfo
}

// Channels lists the registered channels by name.
func (s *Service) Channels() []ChannelEntry {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]ChannelEntry, 0, len(s.channels))
	for n, ch := range s.channels {
		out = append(out, ChannelEntry{Name: n, Info: ch.Describe()})
	}
	slices.SortFunc(out, func(a, b ChannelEntry) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out
}

func (s *Service) channel(name string) (Channel, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ch, ok := s.channels[name]
	return ch, ok
}

// DB returns the store the service works on.
func (s *Service) DB() *store.DB { return s.db }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
