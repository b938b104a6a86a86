package acquirer_test

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

// The platform and the sandbox acquirer on one test server, as in the demo but over real HTTP:
// the platform's callback endpoint, the acquirer's API and cashier, and the channel client
// between them.

const samr = "fj-market-regulation"

// start is the tests' time: a Monday morning in Fuzhou.
var start = time.Date(2026, 3, 2, 9, 0, 0, 0, clock.China)

type sentMessage struct {
	Account int64
	Key     string
	Args    []string
	Link    string
}

// inbox records what the payments service tells payers.
type inbox struct {
	mu   sync.Mutex
	sent []sentMessage
}

func (b *inbox) SendTx(ctx context.Context, tx *store.Tx, account int64, key string, args []string, link string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sent = append(b.sent, sentMessage{account, key, args, link})
	return nil
}

func (b *inbox) keys() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, m := range b.sent {
		out = append(out, m.Key)
	}
	return out
}

type env struct {
	t      testing.TB
	ctx    context.Context
	db     *store.DB
	clock  *clock.Fake
	srv    *httpserver.Server
	ts     *httptest.Server
	acq    *acquirer.Acquirer
	client *acquirer.Client
	pay    *payments.Service
	inbox  *inbox
	// failCallbacks makes the platform's callback endpoint answer 503 that many times.
	failCallbacks atomic.Int32
	browser       *http.Client

	payer, payer2, agent            principal.Principal
	approver, window, admin, office principal.Principal
	otherApprover                   principal.Principal
	enterprise                      string
}

func clockAt(t time.Time) *clock.Fake { return clock.NewFake(t) }

func each(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			fn(t, newEnv(t, storetest.Open(t, d, storetest.Options{Clock: clock.NewFake(start)})))
		})
	}
}

func sys() context.Context { return principal.With(context.Background(), principal.SystemPrincipal) }

func newEnv(t testing.TB, db *store.DB) *env {
	t.Helper()
	ctx := sys()
	if _, err := org.Seed(ctx, db, org.Directory()); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, ctx: ctx, db: db, clock: db.Clock().(*clock.Fake), inbox: &inbox{}}
	high := httpserver.Limit{PerSecond: 1e6, Burst: 1e6}
	srv, err := httpserver.New(httpserver.Config{Logger: slog.New(slog.DiscardHandler),
		RateLimits: map[string]httpserver.Limit{httpserver.ClassAPI: high, httpserver.ClassPublic: high, httpserver.ClassLogin: high}})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	e.ts = httptest.NewServer(srv.Handler())
	t.Cleanup(e.ts.Close)
	e.acq, err = acquirer.New(ctx, acquirer.Config{DB: db, PublicURL: e.ts.URL, Logger: slog.New(slog.DiscardHandler),
		RetryBase: time.Second, RetryMax: time.Minute, MaxAttempts: 4})
	if err != nil {
		t.Fatal(err)
	}
	e.acq.Install(srv)
	e.pay = payments.New(db, payments.Options{Notifier: e.inbox})
	srv.Handle("POST /api/v1/payments/callbacks/{channel}", e.callback, httpserver.OwnAuthentication(),
		httpserver.MaxBody(payments.MaxCallbackBody))
	creds, err := e.acq.Merchant(ctx, "yiwang-fj", "福建省统一公共支付平台")
	if err != nil {
		t.Fatal(err)
	}
	e.client, err = acquirer.NewClient(acquirer.ClientConfig{AcquirerURL: e.ts.URL + acquirer.BasePath,
		NotifyURL: e.ts.URL + "/api/v1/payments/callbacks/sandbox", ReturnURL: e.ts.URL, Credentials: creds,
		PublicKey: e.acq.PublicKey(), Clock: db.Clock()})
	if err != nil {
		t.Fatal(err)
	}
	e.pay.Register("sandbox", e.client)
	e.browser = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	e.enterprise = idcode.NewCreditCode('9', '1', "350102", "MA2Y7K3L")
	e.payer = e.account("13905912846", principal.Resident, "", "")
	e.payer2 = e.account("13805917733", principal.Resident, "", "")
	e.agent = e.account("13705916621", principal.Agent, "", "")
	e.agent.ActingFor = e.enterprise
	e.approver = e.account("scj.approver", principal.Official, samr, principal.RoleApprover)
	e.window = e.account("scj.window", principal.Official, samr, principal.RoleWindowOfficer)
	e.admin = e.account("scj.admin", principal.Official, samr, principal.RoleAdministrator)
	e.office = e.account("szb.admin", principal.Official, org.DigitalOffice, principal.RoleAdministrator)
	e.otherApprover = e.account("gat.approver", principal.Official, "fj-public-security", principal.RoleApprover)
	return e
}

// account stores an account and returns its principal.
func (e *env) account(login string, kind principal.Kind, orgCode, role string) principal.Principal {
	e.t.Helper()
	storedKind := string(kind)
	var id int64
	err := e.db.Transact(e.ctx, func(tx *store.Tx) error {
		var orgArg any
		if orgCode != "" {
			orgArg = orgCode
		}
		var err error
		id, err = tx.InsertID(e.ctx, `INSERT INTO accounts (login, kind, display_name, org_code, password_hash, created_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, login, storedKind, login, orgArg, "x", tx.Now)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	p := principal.Principal{Kind: kind, AccountID: id, Login: login, Name: login, OrgCode: orgCode}
	if role != "" {
		p.Roles = []string{role}
	}
	return p
}

// callback is the platform's callback endpoint, as internal/api serves it.
func (e *env) callback(w http.ResponseWriter, r *http.Request) error {
	if e.failCallbacks.Load() > 0 {
		e.failCallbacks.Add(-1)
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
	if err := e.pay.HandleCallback(r.Context(), r.PathValue("channel"), body, headers); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	_, err = w.Write([]byte(`{"code":"SUCCESS"}`))
	return err
}

// order opens a fee order of two lines (150.00 yuan) for the payer (or the agent's enterprise).
func (e *env) order(payer principal.Principal) payments.Order {
	e.t.Helper()
	req := payments.OrderRequest{ReferenceKind: "case", ReferenceID: "case_" + payer.Login, ReferenceNumber: "FJ2026030200017",
		Org: samr, Payer: payer.AccountID, Lines: []payments.Line{
			{Name: "食品经营许可证工本费", AmountFen: 10000, LegalBasis: "《福建省行政事业性收费目录清单》第12项"},
			{Name: "证照邮寄费", AmountFen: 5000, LegalBasis: "《政务服务事项收费管理办法》第8条"},
		}}
	if payer.Kind == principal.Agent {
		req.PayerActingFor = payer.ActingFor
	}
	o, err := e.pay.OpenOrder(e.ctx, principal.SystemPrincipal, req)
	if err != nil {
		e.t.Fatal(err)
	}
	return o
}

// start opens a payment of order id as p and returns the cashier's address.
func (e *env) start(p principal.Principal, id string) string {
	e.t.Helper()
	u, err := e.pay.StartPayment(principal.With(context.Background(), p), p, id, "sandbox")
	if err != nil {
		e.t.Fatalf("StartPayment: %v", err)
	}
	return u
}

// payAt pays at the cashier as a browser would: the page, then the form; it returns where the
// cashier sends the payer.
func (e *env) payAt(cashier, method string) string {
	e.t.Helper()
	resp, err := e.browser.Get(cashier)
	if err != nil {
		e.t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), `action="`+cashier+`/pay"`) {
		e.t.Fatalf("cashier page %d:\n%.600s", resp.StatusCode, page)
	}
	resp, err = e.browser.PostForm(cashier+"/pay", url.Values{"method": {method}})
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("paying at the cashier: %d", resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

// cancelAt cancels at the cashier.
func (e *env) cancelAt(cashier string) {
	e.t.Helper()
	resp, err := e.browser.PostForm(cashier+"/cancel", nil)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("cancelling at the cashier: %d", resp.StatusCode)
	}
}

// tick runs the acquirer's background work once.
func (e *env) tick() {
	e.t.Helper()
	if err := e.acq.Tick(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) get(id string) payments.Order {
	e.t.Helper()
	o, err := e.pay.Get(e.ctx, principal.SystemPrincipal, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return o
}

type event struct {
	Topic   string
	Payload map[string]any
}

// events returns the events enqueued so far, oldest first.
func (e *env) events() []event {
	e.t.Helper()
	var rows []struct {
		Topic   string `db:"topic"`
		Payload string `db:"payload"`
	}
	if err := e.db.Select(e.ctx, &rows, `SELECT topic, payload FROM events ORDER BY id`); err != nil {
		e.t.Fatal(err)
	}
	var out []event
	for _, r := range rows {
		ev := event{Topic: r.Topic}
		if err := json.Unmarshal([]byte(r.Payload), &ev.Payload); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, ev)
	}
	return out
}

func (e *env) topics() []string {
	var out []string
	for _, ev := range e.events() {
		out = append(out, ev.Topic)
	}
	return out
}

// callbacks returns the outcome of every recorded callback, oldest first.
func (e *env) callbacks() []string {
	e.t.Helper()
	var out []string
	if err := e.db.Select(e.ctx, &out, `SELECT outcome FROM payment_callbacks ORDER BY id`); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// refMerchant is the merchant reference of an order's latest payment attempt.
func (e *env) attemptRef(id string) string {
	e.t.Helper()
	list, err := e.pay.Attempts(e.ctx, principal.SystemPrincipal, id)
	if err != nil || len(list) == 0 {
		e.t.Fatalf("attempts of %s: %v %v", id, list, err)
	}
	return list[len(list)-1].ID
}
