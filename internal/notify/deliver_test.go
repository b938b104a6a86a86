package notify_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/events"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/notify"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// directory is the test's in-process Directory: accounts and their contacts.
type directory map[int64]notify.Contact

func (d directory) Contact(_ context.Context, account int64) (notify.Contact, error) {
	c, ok := d[account]
	if !ok {
		return notify.Contact{}, errs.E(errs.NotFound, "error.not_found")
	}
	return c, nil
}

var people = directory{
	101: {Mobile: "13805912345", Email: "linming@example.cn", Lang: "zh-Hans"},
	102: {Mobile: "13959100001", Lang: "en"},              // no email
	103: {Email: "chen.li@example.com.tw", Lang: "zh-TW"}, // no mobile
}

// gateway is an SMS gateway in httptest: it checks the signature and keeps what it accepted,
// answering with the statuses it is told to first.
type gateway struct {
	secret   []byte
	mu       sync.Mutex
	statuses []int
	got      []notify.SMSRequest
	keys     []string
	forged   int
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	g.mu.Lock()
	defer g.mu.Unlock()
	if r.Header.Get(notify.SignatureHeader) != notify.Sign(g.secret, body) {
		g.forged++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if len(g.statuses) > 0 {
		st := g.statuses[0]
		g.statuses = g.statuses[1:]
		if st != http.StatusOK {
			http.Error(w, "not now", st)
			return
		}
	}
	var req notify.SMSRequest
	if err := json.Unmarshal(body, &req); err != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	g.got = append(g.got, req)
	g.keys = append(g.keys, r.Header.Get(notify.IdempotencyHeader))
	w.WriteHeader(http.StatusAccepted)
}

func (g *gateway) requests() []notify.SMSRequest {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]notify.SMSRequest(nil), g.got...)
}

// syncBuffer is a log destination safe for the dispatcher's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type rig struct {
	db   *store.DB
	svc  *notify.Service
	d    *events.Dispatcher
	gw   *gateway
	smtp *smtpServer
	logs *syncBuffer
}

// newRig wires the service with all three senders and runs a dispatcher until the test ends.
func newRig(t *testing.T, db *store.DB, gatewayStatuses ...int) *rig {
	t.Helper()
	r := &rig{db: db, logs: &syncBuffer{}}
	r.gw = &gateway{secret: bytes.Repeat([]byte("k"), 32), statuses: gatewayStatuses}
	hs := httptest.NewServer(r.gw)
	t.Cleanup(hs.Close)
	sms, err := notify.NewSMSSender(notify.SMSOptions{URL: hs.URL + "/sms", Secret: r.gw.secret})
	if err != nil {
		t.Fatal(err)
	}
	srv, roots := newSMTPServer(t, true)
	r.smtp = srv
	email, err := notify.NewEmailSender(notify.EmailOptions{Addr: srv.addr(), From: "noreply@yiwang.example.cn",
		TLS: &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"}, RequireTLS: true, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(r.logs, nil))
	r.svc = notify.New(db, notify.Options{Directory: people, PublicURL: "https://yiwang.example.cn/",
		Senders: []notify.Sender{sms, email, notify.NewLogSender(logger)}, Logger: slog.New(slog.DiscardHandler)})
	r.d = events.NewDispatcher(db, events.Options{Logger: slog.New(slog.DiscardHandler), PollInterval: 20 * time.Millisecond,
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond, MaxAttempts: 4})
	r.svc.Subscribe(r.d)
	ctx, cancel := context.WithCancel(context.Background())
	if err := r.d.Register(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { r.d.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return r
}

func (r *rig) send(t *testing.T, account int64, args []string, link string) int64 {
	t.Helper()
	ctx := context.Background()
	id, err := r.svc.Send(ctx, account, "notify.welcome", args, link)
	if err != nil {
		t.Fatal(err)
	}
	r.d.Notify()
	return id
}

// wait polls until each channel has an outcome for message id and returns them.
func (r *rig) wait(t *testing.T, id int64, channels int) map[string]string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		got, err := r.svc.Deliveries(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == channels {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("message %d: deliveries %v after 15 s", id, got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestDeliveryThroughEverySender(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newRig(t, db)
		id := r.send(t, 101, []string{"林明"}, "/my/cases/C202603020001")
		want := map[string]string{"sms": "sent", "email": "sent", "log": "sent"}
		if got := r.wait(t, id, 3); !equalMaps(got, want) {
			t.Errorf("deliveries = %v, want %v", got, want)
		}
		// SMS: the person's number, the text in their language with an absolute link.
		reqs := r.gw.requests()
		if len(reqs) != 1 {
			t.Fatalf("gateway got %d requests", len(reqs))
		}
		sms := reqs[0]
		wantText := i18n.T(i18n.ZhHans, "notify.welcome", "林明") + " https://yiwang.example.cn/my/cases/C202603020001"
		if sms.Mobile != "13805912345" || sms.Text != wantText || sms.Template != "notify.welcome" || sms.Lang != "zh-Hans" {
			t.Errorf("SMS request = %+v", sms)
		}
		if r.gw.keys[0] != sms.ID || !strings.HasPrefix(sms.ID, "notify-") {
			t.Errorf("idempotency key %q, id %q", r.gw.keys[0], sms.ID)
		}
		// Email: over STARTTLS, a MIME message that decodes to the text and the link.
		mails := r.smtp.received()
		if len(mails) != 1 {
			t.Fatalf("SMTP server got %d mails", len(mails))
		}
		m := mails[0]
		if !m.TLS || m.To != "linming@example.cn" || m.From != "noreply@yiwang.example.cn" {
			t.Errorf("mail envelope = %+v", m)
		}
		msg, err := mail.ReadMessage(strings.NewReader(m.Data))
		if err != nil {
			t.Fatal(err)
		}
		subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		if subject != i18n.T(i18n.ZhHans, "notify.email.subject") {
			t.Errorf("Subject = %q", subject)
		}
		raw, _ := io.ReadAll(msg.Body)
		body, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(string(raw), "\r\n", ""))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(body), i18n.T(i18n.ZhHans, "notify.welcome", "林明")) ||
			!strings.Contains(string(body), "https://yiwang.example.cn/my/cases/C202603020001") {
			t.Errorf("mail body = %q", body)
		}
		// Log: the key and masked destinations, never the text or the whole number.
		logs := r.logs.String()
		if !strings.Contains(logs, "notify.welcome") || !strings.Contains(logs, "138****2345") || !strings.Contains(logs, "l***@example.cn") {
			t.Errorf("log = %q", logs)
		}
		for _, secret := range []string{"13805912345", "linming@", "林明"} {
			if strings.Contains(logs, secret) {
				t.Errorf("log reveals %q: %s", secret, logs)
			}
		}
	})
}

func TestDeliverySkipsMissingContacts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newRig(t, db)
		noEmail := r.send(t, 102, []string{"Chen Hua"}, "")
		noMobile := r.send(t, 103, []string{"陳立"}, "")
		unknown := r.send(t, 999, []string{"?"}, "")
		for _, tc := range []struct {
			id   int64
			want map[string]string
		}{
			{noEmail, map[string]string{"sms": "sent", "email": "skipped", "log": "sent"}},
			{noMobile, map[string]string{"sms": "skipped", "email": "sent", "log": "sent"}},
			{unknown, map[string]string{"sms": "skipped", "email": "skipped", "log": "skipped"}},
		} {
			if got := r.wait(t, tc.id, 3); !equalMaps(got, tc.want) {
				t.Errorf("message %d: deliveries = %v, want %v", tc.id, got, tc.want)
			}
		}
		// Each in their own language.
		reqs := r.gw.requests()
		if len(reqs) != 1 || reqs[0].Lang != "en" || reqs[0].Text != i18n.T(i18n.En, "notify.welcome", "Chen Hua") {
			t.Errorf("SMS requests = %+v", reqs)
		}
		mails := r.smtp.received()
		if len(mails) != 1 || !strings.Contains(mails[0].Data, "Content-Language: zh-Hant") {
			t.Errorf("mails = %+v", mails)
		}
	})
}

// TestDeliveryRetries: a gateway that is down for a while gets the message once it is back, and
// once only; the other channels do not wait for it nor send twice.
func TestDeliveryRetries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newRig(t, db, http.StatusServiceUnavailable, http.StatusTooManyRequests)
		id := r.send(t, 101, []string{"林明"}, "")
		want := map[string]string{"sms": "sent", "email": "sent", "log": "sent"}
		if got := r.wait(t, id, 3); !equalMaps(got, want) {
			t.Errorf("deliveries = %v, want %v", got, want)
		}
		if n := len(r.gw.requests()); n != 1 {
			t.Errorf("gateway accepted %d requests, want 1", n)
		}
		if n := len(r.smtp.received()); n != 1 {
			t.Errorf("SMTP server got %d mails, want 1", n)
		}
		// The same message delivered again (as after a crash before the acknowledgement) is not
		// sent again.
		ctx := context.Background()
		if err := db.Transact(ctx, func(tx *store.Tx) error {
			return events.Enqueue(ctx, tx, notify.Topic, map[string]int64{"message_id": id})
		}); err != nil {
			t.Fatal(err)
		}
		r.d.Notify()
		deadline := time.Now().Add(15 * time.Second)
		for {
			var pending int
			if err := db.Get(ctx, &pending, `SELECT COUNT(*) FROM event_deliveries`); err != nil {
				t.Fatal(err)
			}
			if pending == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d deliveries still pending", pending)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if n, m := len(r.gw.requests()), len(r.smtp.received()); n != 1 || m != 1 {
			t.Errorf("after redelivery: %d SMS, %d mails; want 1 each", n, m)
		}
	})
}

// TestDeliveryRefusedIsDeadLettered: a 4xx from the gateway is permanent.
func TestDeliveryRefusedIsDeadLettered(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newRig(t, db, http.StatusBadRequest)
		id := r.send(t, 101, []string{"林明"}, "")
		deadline := time.Now().Add(15 * time.Second)
		for {
			dead, err := r.d.DeadLetters(context.Background(), notify.ConsumerPrefix+"sms", 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(dead) == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the refused SMS was not dead-lettered")
			}
			time.Sleep(20 * time.Millisecond)
		}
		got := r.wait(t, id, 2)
		if _, ok := got["sms"]; ok || got["email"] != "sent" {
			t.Errorf("deliveries = %v", got)
		}
	})
}

func TestSMSSignatureForged(t *testing.T) {
	g := &gateway{secret: bytes.Repeat([]byte("k"), 32)}
	hs := httptest.NewServer(g)
	defer hs.Close()
	wrong, err := notify.NewSMSSender(notify.SMSOptions{URL: hs.URL, Secret: bytes.Repeat([]byte("x"), 32)})
	if err != nil {
		t.Fatal(err)
	}
	err = wrong.Send(context.Background(), notify.Delivery{MessageID: 1, To: notify.Contact{Mobile: "13805912345"}, Text: "t"})
	if err == nil || g.forged != 1 || len(g.got) != 0 {
		t.Errorf("Send with a wrong secret = %v (forged %d, accepted %d)", err, g.forged, len(g.got))
	}
	if _, err := notify.NewSMSSender(notify.SMSOptions{URL: hs.URL, Secret: []byte("short")}); err == nil {
		t.Error("a short secret was accepted")
	}
}

func TestEmailSenderRules(t *testing.T) {
	plain, _ := newSMTPServer(t, false)
	d := notify.Delivery{MessageID: 7, To: notify.Contact{Email: "linming@example.cn"}, Lang: i18n.En, Key: "notify.welcome",
		Text: "Welcome", CreatedAt: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	for _, tc := range []struct {
		name      string
		o         notify.EmailOptions
		d         notify.Delivery
		ok        bool
		permanent bool
	}{
		{"plain server, TLS not required", notify.EmailOptions{Addr: plain.addr(), From: "noreply@yiwang.example.cn"}, d, true, false},
		{"plain server, TLS required", notify.EmailOptions{Addr: plain.addr(), From: "noreply@yiwang.example.cn", RequireTLS: true}, d, false, false},
		{"password without TLS", notify.EmailOptions{Addr: plain.addr(), From: "noreply@yiwang.example.cn", Username: "u", Password: "p"}, d, false, true},
		{"no email", notify.EmailOptions{Addr: plain.addr(), From: "noreply@yiwang.example.cn"}, notify.Delivery{MessageID: 8}, false, false},
		{"header injection", notify.EmailOptions{Addr: plain.addr(), From: "noreply@yiwang.example.cn"},
			notify.Delivery{MessageID: 9, To: notify.Contact{Email: "a@example.cn\r\nBcc: b@example.cn"}}, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := notify.NewEmailSender(tc.o)
			if err != nil {
				t.Fatal(err)
			}
			err = s.Send(context.Background(), tc.d)
			if (err == nil) != tc.ok {
				t.Fatalf("Send = %v, want ok %v", err, tc.ok)
			}
			if err != nil && tc.permanent != strings.Contains(err.Error(), "permanent") {
				t.Errorf("Send = %v, want permanent %v", err, tc.permanent)
			}
		})
	}
	plain.refuse = "nobody@example.cn"
	s, _ := notify.NewEmailSender(notify.EmailOptions{Addr: plain.addr(), From: "noreply@yiwang.example.cn"})
	d.To.Email = "nobody@example.cn"
	if err := s.Send(context.Background(), d); err == nil || !strings.Contains(err.Error(), "permanent") {
		t.Errorf("a 550 recipient = %v, want a permanent error", err)
	}
	if _, err := notify.NewEmailSender(notify.EmailOptions{Addr: "mail.example.cn", From: "x@example.cn"}); err == nil {
		t.Error("an address without a port was accepted")
	}
	if _, err := notify.NewEmailSender(notify.EmailOptions{Addr: "mail.example.cn:25", From: "Yiwang <x@example.cn>"}); err == nil {
		t.Error("a From with a display name was accepted")
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
