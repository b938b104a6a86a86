package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/acquirer"
	"github.com/yiwang-platform/yiwang/internal/api"
	"github.com/yiwang-platform/yiwang/internal/app"
	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/payments"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// paymentScenarios call every payment route on the demo platform without needing an order:
// refusals, unknown ids, empty lists, forged callbacks, and a reconciliation of a quiet day.
var paymentScenarios = []scenario{
	{name: "payments: channels, anonymous", method: "GET", url: "/api/v1/payments/channels", status: 401, want: unauthenticated},
	{name: "payments: channels", method: "GET", url: "/api/v1/payments/channels", as: resident, status: 200,
		want: map[string]any{"0.name": "sandbox", "0.name_hans": present}},
	{name: "payments: orders, anonymous", method: "GET", url: "/api/v1/payments/orders", status: 401, want: unauthenticated},
	{name: "payments: orders, a bad status", method: "GET", url: "/api/v1/payments/orders?status=lost", as: resident, status: 400,
		want: fieldErr("status", zh("payments.error.status_filter", "unpaid, paying, paid, partially_refunded, refunded, closed, expired, exception"))},
	{name: "payments: orders, half a reference", method: "GET", url: "/api/v1/payments/orders?reference_kind=case", as: resident,
		status: 400, want: fieldErr("reference_id", zh("payments.error.reference_pair"))},
	{name: "payments: orders, a mistyped notice number", method: "GET", url: "/api/v1/payments/orders?notice_number=1234", as: resident,
		status: 400, want: fieldErr("notice_number", zh("payments.error.notice_length", 20))},
	{name: "payments: order, unknown", method: "GET", url: "/api/v1/payments/orders/pay_00000000000000000000", as: resident, status: 404,
		want: errWant("not_found", zh("payments.error.order_not_found"))},
	{name: "payments: order, a malformed id", method: "GET", url: "/api/v1/payments/orders/..%2f", as: resident, status: 404,
		want: errWant("not_found", zh("payments.error.order_not_found"))},
	{name: "payments: start, anonymous", method: "POST", url: "/api/v1/payments/orders/pay_00000000000000000000/payments",
		body: `{"channel":"sandbox"}`, status: 401, want: unauthenticated},
	{name: "payments: start, unknown order", method: "POST", url: "/api/v1/payments/orders/pay_00000000000000000000/payments", as: resident,
		body: `{"channel":"sandbox"}`, status: 404, want: errWant("not_found", zh("payments.error.order_not_found"))},
	{name: "payments: check, unknown order", method: "POST", url: "/api/v1/payments/orders/pay_00000000000000000000/check", as: resident,
		status: 404, want: errWant("not_found", zh("payments.error.order_not_found"))},
	{name: "payments: close, unknown order", method: "POST", url: "/api/v1/payments/orders/pay_00000000000000000000/close",
		as: "scj.approver", body: `{"reason":"撤回"}`, status: 404, want: errWant("not_found", zh("payments.error.order_not_found"))},
	{name: "payments: refunds, unknown order", method: "GET", url: "/api/v1/payments/orders/pay_00000000000000000000/refunds",
		as: "scj.approver", status: 404, want: errWant("not_found", zh("payments.error.order_not_found"))},
	{name: "payments: refund, no amount", method: "POST", url: "/api/v1/payments/orders/pay_00000000000000000000/refunds",
		as: "scj.approver", body: `{"reason":"退回"}`, status: 400, want: fieldErr("amount_fen", zh("payments.error.amount_required"))},
	{name: "payments: callback, an unknown channel", method: "POST", url: "/api/v1/payments/callbacks/paypal", body: `{}`, status: 404,
		want: errWant("not_found", zh("payments.error.channel_unknown")), audit: []string{"payment.callback_rejected"}},
	{name: "payments: callback, unsigned", method: "POST", url: "/api/v1/payments/callbacks/sandbox",
		body: `{"notify_id":"ntf_1","notify_type":"payment"}`, status: 401,
		want: errWant("unauthenticated", zh("acquirer.error.signature_missing")), audit: []string{"payment.callback_rejected"}},
	{name: "payments: reconciliations, a resident", method: "GET", url: "/api/v1/payments/reconciliations", as: resident, status: 403,
		want: errWant("forbidden", zh("payments.error.reconcile_forbidden"))},
	{name: "payments: reconcile, not a day", method: "POST", url: "/api/v1/payments/reconciliations", as: "szb.admin",
		body: `{"channel":"sandbox","day":"March 2"}`, status: 400, want: fieldErr("day", zh("api.error.bad_date", "March 2"))},
	{name: "payments: reconcile a quiet day", method: "POST", url: "/api/v1/payments/reconciliations", as: "scj.admin",
		body: `{"channel":"sandbox","day":"2026-03-01"}`, status: 201,
		want:  map[string]any{"org": "fj-market-regulation", "day": "2026-03-01", "statement_lines": 0, "mismatched": 0, "differences.#": 0},
		audit: []string{"payment.reconcile"}, save: map[string]string{"quiet": "id"}},
	{name: "payments: reconciliations of the organisation", method: "GET", url: "/api/v1/payments/reconciliations", as: "scj.admin",
		status: 200, want: map[string]any{"#": 1, "0.id": "{quiet}"}},
	{name: "payments: a reconciliation", method: "GET", url: "/api/v1/payments/reconciliations/{quiet}", as: "szb.admin", status: 200,
		want: map[string]any{"id": "{quiet}", "channel": "sandbox"}},
	{name: "payments: a reconciliation, unknown", method: "GET", url: "/api/v1/payments/reconciliations/rec_00000000000000000000",
		as: "szb.admin", status: 404, want: errWant("not_found", zh("payments.error.report_not_found"))},
}

// payEnv is the demo platform with the payment service, the sandbox acquirer and the channel
// between them on one server, as the app mounts them (the acquirer reached in process).
type payEnv struct {
	t     *testing.T
	app   *app.App
	db    *store.DB
	srv   *httpserver.Server
	h     http.Handler
	ss    *sessions
	pay   *payments.Service
	acq   *acquirer.Acquirer
	api   *api.API
	saved map[string]string
}

func newPayEnv(t *testing.T, db *store.DB) *payEnv {
	t.Helper()
	a := newApp(t, db)
	e := &payEnv{t: t, app: a, db: db, ss: &sessions{ids: a.Identity, tokens: map[string]string{}}, saved: map[string]string{}}
	high := httpserver.Limit{PerSecond: 1e6, Burst: 1e6}
	srv, err := httpserver.New(httpserver.Config{
		Authenticate: func(r *http.Request) (principal.Principal, error) {
			c, err := r.Cookie("yiwang_session")
			if err != nil {
				return principal.Principal{Kind: principal.Anonymous}, nil
			}
			p, err := a.Identity.SessionPrincipal(r.Context(), c.Value)
			if errs.Is(err, errs.Unauthenticated) {
				return principal.Principal{Kind: principal.Anonymous}, nil
			}
			return p, err
		},
		RateLimits: map[string]httpserver.Limit{httpserver.ClassAPI: high, httpserver.ClassPublic: high, httpserver.ClassLogin: high,
			httpserver.ClassVerify: high},
	})
	if err != nil {
		t.Fatal(err)
	}
	e.srv, e.h = srv, srv.Handler()
	ctx := sys()
	loop := acquirer.Loopback(e.h)
	if e.acq, err = acquirer.New(ctx, acquirer.Config{DB: db, Secrets: a.Keys, HTTPClient: loop}); err != nil {
		t.Fatal(err)
	}
	e.acq.Install(srv)
	creds, err := e.acq.Merchant(ctx, "yiwang", "福建省统一公共支付平台")
	if err != nil {
		t.Fatal(err)
	}
	client, err := acquirer.NewClient(acquirer.ClientConfig{AcquirerURL: "http://yiwang.internal" + acquirer.BasePath,
		NotifyURL: "http://yiwang.internal/api/v1/payments/callbacks/sandbox", Credentials: creds, PublicKey: e.acq.PublicKey(),
		HTTPClient: loop, Clock: db.Clock()})
	if err != nil {
		t.Fatal(err)
	}
	e.pay = payments.New(db, payments.Options{})
	e.pay.Register("sandbox", client)
	e.api = api.New(api.Config{DB: db, Plan: a.Plan, Calendar: a.Calendar, Identity: a.Identity, Apps: a.Apps, Payments: e.pay, Version: "test"})
	e.api.Install(srv)
	return e
}

func (e *payEnv) run(t *testing.T, list []scenario) {
	for _, sc := range list {
		t.Run(sc.name, func(t *testing.T) { sc.run(t, e.h, e.db, e.ss, e.saved) })
	}
}

// principalOf signs login in and returns who it is.
func (e *payEnv) principalOf(login string) principal.Principal {
	e.t.Helper()
	p, err := e.app.Identity.SessionPrincipal(context.Background(), e.ss.token(e.t, login))
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// order opens an order of the market regulator for login.
func (e *payEnv) order(login string) payments.Order {
	e.t.Helper()
	o, err := e.pay.OpenOrder(sys(), principal.SystemPrincipal, payments.OrderRequest{ReferenceKind: "case", ReferenceID: "case_api",
		ReferenceNumber: "FJ2026030200099", Org: "fj-market-regulation", Payer: e.principalOf(login).AccountID,
		Lines: []payments.Line{{Name: "食品经营许可证工本费", AmountFen: 8800, LegalBasis: "《福建省行政事业性收费目录清单》第12项"}}})
	if err != nil {
		e.t.Fatal(err)
	}
	return o
}

// payAt pays at the sandbox cashier as a browser would.
func (e *payEnv) payAt(cashier string) {
	e.t.Helper()
	r := httptest.NewRequest("POST", cashier+"/pay", strings.NewReader(url.Values{"method": {"alipay"}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	if w.Code != http.StatusSeeOther {
		e.t.Fatalf("paying at the cashier: %d %s", w.Code, w.Body)
	}
}

func TestPaymentScenarios(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		newPayEnv(t, db).run(t, paymentScenarios)
	})
}

// TestPaymentRoutesDocumented: every payment route is documented and called by a scenario.
func TestPaymentRoutesDocumented(t *testing.T) {
	t.Parallel()
	e := newPayEnv(t, storetest.Open(t, store.SQLite, storetest.Options{}))
	documented := map[string]bool{}
	for _, op := range e.api.Documented() {
		documented[op] = true
	}
	mux := http.NewServeMux()
	var routes []string
	for _, p := range e.srv.Routes() {
		if _, path, _ := strings.Cut(p, " "); strings.HasPrefix(path, "/api/v1/payments") {
			routes = append(routes, p)
			mux.HandleFunc(p, func(http.ResponseWriter, *http.Request) {})
			if !documented[p] {
				t.Errorf("%s is not documented", p)
			}
		}
	}
	if len(routes) != 12 {
		t.Errorf("%d payment routes: %v", len(routes), routes)
	}
	covered := map[string]bool{}
	for _, sc := range paymentScenarios {
		if _, pattern := mux.Handler(httptest.NewRequest(sc.method, substitute(sc.url, map[string]string{"quiet": "rec_1"}), nil)); pattern != "" {
			covered[pattern] = true
		}
	}
	for _, p := range routes {
		if !covered[p] {
			t.Errorf("no payment scenario calls %s", p)
		}
	}
	doc := getOpenAPI(t, e.h)
	paths, _ := doc["paths"].(map[string]any)
	cb, _ := paths["/api/v1/payments/callbacks/{channel}"].(map[string]any)
	if op, _ := cb["post"].(map[string]any); op["operationId"] != "paymentCallback" {
		t.Errorf("callback operation %v", cb)
	}
}

// signed returns a prepare function that signs the request's body as the acquirer does.
func (e *payEnv) signed() func(r *http.Request) {
	return func(r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.Header.Set(acquirer.SignatureHeader, e.acq.Sign(e.db.Clock().Now(), body))
	}
}

// TestPaymentFlow: a payer pays over the API, the acquirer's callback arrives over the API,
// a forged one and a repeated one do not count, an approver refunds, an administrator
// reconciles.
func TestPaymentFlow(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newPayEnv(t, db)
		o := e.order(resident)
		e.saved["order"], e.saved["notice"] = o.ID, o.NoticeNumber
		other := demo.Residents[3].Phone
		e.run(t, []scenario{
			{name: "the payer's orders", method: "GET", url: "/api/v1/payments/orders", as: resident, status: 200,
				want: map[string]any{"#": 1, "0.id": "{order}", "0.total_fen": 8800, "0.status": "unpaid", "0.pay_page": "/pay/{order}"}},
			{name: "another resident's orders", method: "GET", url: "/api/v1/payments/orders", as: other, status: 200, want: map[string]any{"#": 0}},
			{name: "by notice number", method: "GET", url: "/api/v1/payments/orders?notice_number={notice}", as: resident, status: 200,
				want: map[string]any{"#": 1, "0.lines.0.legal_basis": "《福建省行政事业性收费目录清单》第12项"}},
			{name: "by notice number, another resident", method: "GET", url: "/api/v1/payments/orders?notice_number={notice}", as: other,
				status: 200, want: map[string]any{"#": 0}},
			{name: "another resident reads it", method: "GET", url: "/api/v1/payments/orders/{order}", as: other, status: 404,
				want: errWant("not_found", zh("payments.error.order_not_found"))},
			{name: "an official of the payee reads it", method: "GET", url: "/api/v1/payments/orders/{order}", as: "scj.window", status: 200,
				want: map[string]any{"id": "{order}", "refunds": absent}},
			{name: "an official pays it", method: "POST", url: "/api/v1/payments/orders/{order}/payments", as: "scj.window",
				body: `{"channel":"sandbox"}`, status: 403, want: errWant("forbidden", zh("payments.error.payer_only"))},
			{name: "an unknown channel", method: "POST", url: "/api/v1/payments/orders/{order}/payments", as: resident,
				body: `{"channel":"paypal"}`, status: 400, want: fieldErr("channel", zh("payments.error.channel_unknown"))},
			{name: "start paying", method: "POST", url: "/api/v1/payments/orders/{order}/payments", as: resident,
				body: `{"channel":"sandbox"}`, status: 201, want: map[string]any{"order.status": "paying", "pay_url": present},
				audit: []string{"payment.start"}, save: map[string]string{"cashier": "pay_url"}},
		})
		cashier := e.saved["cashier"]
		if !strings.HasPrefix(cashier, acquirer.BasePath+"/cashier/SBX") {
			t.Fatalf("cashier %q", cashier)
		}
		// The acquirer is told to hold its notification back; the payer pays and comes back.
		attempts, err := e.pay.Attempts(sys(), principal.SystemPrincipal, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		e.acq.Misbehave(attempts[0].ID, acquirer.OutOfOrder)
		e.payAt(cashier)
		if err := e.acq.Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
		notification, _ := json.Marshal(acquirer.Notification{NotifyID: "ntf_api_1", NotifyType: "payment", MerchantID: "yiwang",
			OutTradeNo: attempts[0].ID, TransactionID: attempts[0].ChannelTxn, TradeStatus: "SUCCESS", AmountFen: 8800, Method: "alipay",
			EventTime: e.db.Clock().Now()})
		e.saved["notification"] = string(notification)
		e.run(t, []scenario{
			{name: "not paid before the callback", method: "GET", url: "/api/v1/payments/orders/{order}", as: resident, status: 200,
				want: map[string]any{"status": "paying"}},
			{name: "a forged callback", method: "POST", url: "/api/v1/payments/callbacks/sandbox", body: "{notification}",
				header: map[string]string{acquirer.SignatureHeader: "t=1,kid=0000000000000000,alg=ed25519,sig=" + strings.Repeat("A", 86)},
				status: 401, want: errWant("unauthenticated", zh("acquirer.error.signature_key")), audit: []string{"payment.callback_rejected"}},
			{name: "the acquirer's callback", method: "POST", url: "/api/v1/payments/callbacks/sandbox", body: "{notification}",
				prepare: e.signed(), status: 200, want: map[string]any{"code": "SUCCESS"},
				audit: []string{"payment.paid", "payment.callback_accepted"}},
			{name: "the same callback again", method: "POST", url: "/api/v1/payments/callbacks/sandbox", body: "{notification}",
				prepare: e.signed(), status: 200, want: map[string]any{"code": "SUCCESS"}, audit: []string{"payment.callback_duplicate"}},
			{name: "paid", method: "GET", url: "/api/v1/payments/orders/{order}", as: resident, status: 200,
				want: map[string]any{"status": "paid", "received_fen": 8800, "method": "alipay", "channel": "sandbox"}},
			{name: "checking a paid order changes nothing", method: "POST", url: "/api/v1/payments/orders/{order}/check", as: resident,
				status: 200, want: map[string]any{"status": "paid"}},
			{name: "paying a paid order", method: "POST", url: "/api/v1/payments/orders/{order}/payments", as: resident,
				body: `{"channel":"sandbox"}`, status: 409, want: errWant("conflict", zh("payments.error.not_payable"))},
			{name: "closing a paid order", method: "POST", url: "/api/v1/payments/orders/{order}/close", as: "scj.approver",
				body: `{"reason":"撤回"}`, status: 409, want: errWant("conflict", zh("payments.error.not_closable"))},
			{name: "a refund by a window officer", method: "POST", url: "/api/v1/payments/orders/{order}/refunds", as: "scj.window",
				body: `{"amount_fen":800,"reason":"多收退回"}`, status: 403, want: errWant("forbidden", zh("payments.error.refund_forbidden"))},
			{name: "a refund of too much", method: "POST", url: "/api/v1/payments/orders/{order}/refunds", as: "scj.approver",
				body: `{"amount_fen":9000,"reason":"多收退回"}`, status: 400,
				want: fieldErr("amount_fen", zh("payments.error.refund_amount", "88.00")), audit: nil},
			{name: "a refund", method: "POST", url: "/api/v1/payments/orders/{order}/refunds", as: "scj.approver",
				body: `{"amount_fen":800,"reason":"多收退回"}`, status: 201,
				want: map[string]any{"status": "processing", "amount_fen": 800, "id": "R{notice}001"}, audit: []string{"payment.refund_request"}},
		})
		// The refund completes; its notification arrives before the held payment notification.
		if err := e.acq.Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
		e.run(t, []scenario{
			{name: "refunded in part", method: "GET", url: "/api/v1/payments/orders/{order}", as: resident, status: 200,
				want: map[string]any{"status": "partially_refunded", "refunded_fen": 800, "refunds.#": 1, "refunds.0.status": "succeeded"}},
			{name: "its refunds", method: "GET", url: "/api/v1/payments/orders/{order}/refunds", as: "scj.approver", status: 200,
				want: map[string]any{"#": 1, "0.refunded_fen": 800}},
			{name: "reconcile the day", method: "POST", url: "/api/v1/payments/reconciliations", as: "szb.admin",
				body: `{"channel":"sandbox","day":"2026-03-02"}`, status: 201,
				want:  map[string]any{"statement_lines": 2, "matched": 2, "mismatched": 0, "theirs_paid_fen": 8800, "theirs_refunded_fen": 800},
				audit: []string{"payment.reconcile"}},
		})
		var outcomes []string
		if err := db.Select(sys(), &outcomes, `SELECT outcome FROM payment_callbacks ORDER BY id`); err != nil {
			t.Fatal(err)
		}
		// forged, accepted, duplicate (ours), the refund's, the held payment's (a duplicate).
		want := []string{"rejected", "accepted", "duplicate", "accepted", "duplicate"}
		if strings.Join(outcomes, ",") != strings.Join(want, ",") {
			t.Errorf("callbacks %v, want %v", outcomes, want)
		}
	})
}
