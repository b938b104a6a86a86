// Package paymentstest gives the tests of payments and of the sandbox acquirer one environment:
// the platform and the sandbox acquirer on one test server over real HTTP — the platform's
// callback endpoint, the acquirer's API and cashier, and the channel client between them — on a
// fresh database with a fake clock and the accounts that pay and handle fees. Only tests import it.
package paymentstest

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/acquirer"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/payments"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// Org is the organisation that charges the fees: the market regulator.
const Org = "fj-market-regulation"

// Start is the tests' time: a Monday morning in Fuzhou.
var Start = time.Date(2026, 3, 2, 9, 0, 0, 0, clock.China)

type sentMessage struct {
	Account int64
	Key     string
	Args    []string
	Link    string
}

// Inbox records what the payments service tells payers.
type Inbox struct {
	mu   sync.Mutex
	sent []sentMessage
}

// SendTx records the message; it never fails.
func (b *Inbox) SendTx(ctx context.Context, tx *store.Tx, account int64, key string, args []string, link string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sent = append(b.sent, sentMessage{account, key, args, link})
	return nil
}

// Keys returns the message keys sent so far, oldest first.
func (b *Inbox) Keys() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, m := range b.sent {
		out = append(out, m.Key)
	}
	return out
}

// Env is one test's platform and sandbox acquirer. Its helpers fail T.
type Env struct {
	// T is the test the helpers fail; a fuzz target sets it to each input's test.
	T        testing.TB
	Ctx      context.Context // the system principal's
	DB       *store.DB
	Clock    *clock.Fake
	Server   *httpserver.Server
	TS       *httptest.Server // serves Server
	Acquirer *acquirer.Acquirer
	Client   *acquirer.Client // registered as the "sandbox" channel
	Payments *payments.Service
	Inbox    *Inbox
	// FailCallbacks makes the platform's callback endpoint answer 503 that many times.
	FailCallbacks atomic.Int32
	// Browser does not follow redirects.
	Browser *http.Client

	Payer, Payer2, Agent            principal.Principal
	Approver, Window, Admin, Office principal.Principal // of Org, but Office of the digital office
	OtherApprover                   principal.Principal // of another organisation
	Enterprise                      string              // the credit code Agent acts for
}

// Each runs fn with a fresh environment on SQLite and on PostgreSQL.
func Each(t *testing.T, fn func(t *testing.T, e *Env)) {
	t.Helper()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			fn(t, New(t, d))
		})
	}
}

func sys() context.Context { return principal.With(context.Background(), principal.SystemPrincipal) }

// New returns an environment on a fresh database of dialect d whose clock stands at Start.
func New(t testing.TB, d store.Dialect) *Env {
	t.Helper()
	db := storetest.Open(t, d, storetest.Options{Clock: clock.NewFake(Start)})
	ctx := sys()
	if _, err := org.Seed(ctx, db, org.Directory()); err != nil {
		t.Fatal(err)
	}
	e := &Env{T: t, Ctx: ctx, DB: db, Clock: db.Clock().(*clock.Fake), Inbox: &Inbox{}}
	high := httpserver.Limit{PerSecond: 1e6, Burst: 1e6}
	srv, err := httpserver.New(httpserver.Config{Logger: slog.New(slog.DiscardHandler),
		RateLimits: map[string]httpserver.Limit{httpserver.ClassAPI: high, httpserver.ClassPublic: high, httpserver.ClassLogin: high}})
	if err != nil {
		t.Fatal(err)
	}
	e.Server = srv
	e.TS = httptest.NewServer(srv.Handler())
	t.Cleanup(e.TS.Close)
	e.Acquirer, err = acquirer.New(ctx, acquirer.Config{DB: db, PublicURL: e.TS.URL, Logger: slog.New(slog.DiscardHandler),
		RetryBase: time.Second, RetryMax: time.Minute, MaxAttempts: 4})
	if err != nil {
		t.Fatal(err)
	}
	e.Acquirer.Install(srv)
	e.Payments = payments.New(db, payments.Options{Notifier: e.Inbox})
	srv.Handle("POST /api/v1/payments/callbacks/{channel}", e.callback, httpserver.OwnAuthentication(),
		httpserver.MaxBody(payments.MaxCallbackBody))
	creds, err := e.Acquirer.Merchant(ctx, "yiwang-fj", "福建省统一公共支付平台")
	if err != nil {
		t.Fatal(err)
	}
	e.Client, err = acquirer.NewClient(acquirer.ClientConfig{AcquirerURL: e.TS.URL + acquirer.BasePath,
		NotifyURL: e.TS.URL + "/api/v1/payments/callbacks/sandbox", ReturnURL: e.TS.URL, Credentials: creds,
		PublicKey: e.Acquirer.PublicKey(), Clock: db.Clock()})
	if err != nil {
		t.Fatal(err)
	}
	e.Payments.Register("sandbox", e.Client)
	e.Browser = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	e.Enterprise = idcode.NewCreditCode('9', '1', "350102", "MA2Y7K3L")
	e.Payer = e.Account("13905912846", principal.Resident, "", "")
	e.Payer2 = e.Account("13805917733", principal.Resident, "", "")
	e.Agent = e.Account("13705916621", principal.Agent, "", "")
	e.Agent.ActingFor = e.Enterprise
	e.Approver = e.Account("scj.approver", principal.Official, Org, principal.RoleApprover)
	e.Window = e.Account("scj.window", principal.Official, Org, principal.RoleWindowOfficer)
	e.Admin = e.Account("scj.admin", principal.Official, Org, principal.RoleAdministrator)
	e.Office = e.Account("szb.admin", principal.Official, org.DigitalOffice, principal.RoleAdministrator)
	e.OtherApprover = e.Account("gat.approver", principal.Official, "fj-public-security", principal.RoleApprover)
	return e
}

// Account stores an account and returns its principal.
func (e *Env) Account(login string, kind principal.Kind, orgCode, role string) principal.Principal {
	e.T.Helper()
	storedKind := string(kind)
	var id int64
	err := e.DB.Transact(e.Ctx, func(tx *store.Tx) error {
		var orgArg any
		if orgCode != "" {
			orgArg = orgCode
		}
		var err error
		id, err = tx.InsertID(e.Ctx, `INSERT INTO accounts (login, kind, display_name, org_code, password_hash, created_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, login, storedKind, login, orgArg, "x", tx.Now)
		return err
	})
	if err != nil {
		e.T.Fatal(err)
	}
	p := principal.Principal{Kind: kind, AccountID: id, Login: login, Name: login, OrgCode: orgCode}
	if role != "" {
		p.Roles = []string{role}
	}
	return p
}

// callback is the platform's callback endpoint, as internal/api serves it.
func (e *Env) callback(w http.ResponseWriter, r *http.Request) error {
	if e.FailCallbacks.Load() > 0 {
		e.FailCallbacks.Add(-1)
		return errs.E(errs.Unavailable, "error.unavailable")
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return errs.Wrapf(errs.TooLarge, err, "error.too_large")
	}
	headers := map[string]string{}
	for k, v := range r.Header {
		headers[k] = v[0]
	}
	if err := e.Payments.HandleCallback(r.Context(), r.PathValue("channel"), body, headers); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	_, err = w.Write([]byte(`{"code":"SUCCESS"}`))
	return err
}

// Order opens a fee order of two lines (150.00 yuan) for the payer (or the agent's enterprise).
func (e *Env) Order(payer principal.Principal) payments.Order {
	e.T.Helper()
	req := payments.OrderRequest{ReferenceKind: "case", ReferenceID: "case_" + payer.Login, ReferenceNumber: "FJ2026030200017",
		Org: Org, Payer: payer.AccountID, Lines: []payments.Line{
			{Name: "食品经营许可证工本费", AmountFen: 10000, LegalBasis: "《福建省行政事业性收费目录清单》第12项"},
			{Name: "证照邮寄费", AmountFen: 5000, LegalBasis: "《政务服务事项收费管理办法》第8条"},
		}}
	if payer.Kind == principal.Agent {
		req.PayerActingFor = payer.ActingFor
	}
	o, err := e.Payments.OpenOrder(e.Ctx, principal.SystemPrincipal, req)
	if err != nil {
		e.T.Fatal(err)
	}
	return o
}

// Start opens a payment of order id as p and returns the cashier's address.
func (e *Env) Start(p principal.Principal, id string) string {
	e.T.Helper()
	u, err := e.Payments.StartPayment(principal.With(context.Background(), p), p, id, "sandbox")
	if err != nil {
		e.T.Fatalf("StartPayment: %v", err)
	}
	return u
}

// PayAt pays at the cashier as a browser would: the page, then the form; it returns where the
// cashier sends the payer.
func (e *Env) PayAt(cashier, method string) string {
	e.T.Helper()
	resp, err := e.Browser.Get(cashier)
	if err != nil {
		e.T.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), `action="`+cashier+`/pay"`) {
		e.T.Fatalf("cashier page %d:\n%.600s", resp.StatusCode, page)
	}
	resp, err = e.Browser.PostForm(cashier+"/pay", url.Values{"method": {method}})
	if err != nil {
		e.T.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		e.T.Fatalf("paying at the cashier: %d", resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

// CancelAt cancels at the cashier.
func (e *Env) CancelAt(cashier string) {
	e.T.Helper()
	resp, err := e.Browser.PostForm(cashier+"/cancel", nil)
	if err != nil {
		e.T.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		e.T.Fatalf("cancelling at the cashier: %d", resp.StatusCode)
	}
}

// Tick runs the acquirer's background work once.
func (e *Env) Tick() {
	e.T.Helper()
	if err := e.Acquirer.Tick(context.Background()); err != nil {
		e.T.Fatal(err)
	}
}

// Get returns order id as the system sees it.
func (e *Env) Get(id string) payments.Order {
	e.T.Helper()
	o, err := e.Payments.Get(e.Ctx, principal.SystemPrincipal, id)
	if err != nil {
		e.T.Fatal(err)
	}
	return o
}

// Event is an enqueued event with its payload decoded.
type Event struct {
	Topic   string
	Payload map[string]any
}

// Events returns the events enqueued so far, oldest first.
func (e *Env) Events() []Event {
	e.T.Helper()
	var rows []struct {
		Topic   string `db:"topic"`
		Payload string `db:"payload"`
	}
	if err := e.DB.Select(e.Ctx, &rows, `SELECT topic, payload FROM events ORDER BY id`); err != nil {
		e.T.Fatal(err)
	}
	var out []Event
	for _, r := range rows {
		ev := Event{Topic: r.Topic}
		if err := json.Unmarshal([]byte(r.Payload), &ev.Payload); err != nil {
			e.T.Fatal(err)
		}
		out = append(out, ev)
	}
	return out
}

// Topics returns the topics of the events enqueued so far, oldest first.
func (e *Env) Topics() []string {
	var out []string
	for _, ev := range e.Events() {
		out = append(out, ev.Topic)
	}
	return out
}

// Callbacks returns the outcome of every recorded callback, oldest first.
func (e *Env) Callbacks() []string {
	e.T.Helper()
	var out []string
	if err := e.DB.Select(e.Ctx, &out, `SELECT outcome FROM payment_callbacks ORDER BY id`); err != nil {
		e.T.Fatal(err)
	}
	return out
}

// AttemptRef is the merchant reference of order id's latest payment attempt.
func (e *Env) AttemptRef(id string) string {
	e.T.Helper()
	list, err := e.Payments.Attempts(e.Ctx, principal.SystemPrincipal, id)
	if err != nil || len(list) == 0 {
		e.T.Fatalf("attempts of %s: %v %v", id, list, err)
	}
	return list[len(list)-1].ID
}
