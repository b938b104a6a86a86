package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/acquirer"
	"github.com/yiwang-platform/yiwang/internal/api"
	"github.com/yiwang-platform/yiwang/internal/app"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/payments"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
	"github.com/yiwang-platform/yiwang/internal/web"
)

// paySite is the demo platform with the payment pages, the payment API (for the channel's
// callbacks) and the sandbox acquirer on one server, the acquirer reached in process as the
// app mounts it.
type paySite struct {
	*site
	pay *payments.Service
	acq *acquirer.Acquirer
}

const resident2 = "13805917733" // a second resident, who pays nothing of the first's

func newPaySite(t *testing.T, db *store.DB) *paySite {
	t.Helper()
	base := newSite(t, db, highLimits)
	ctx := systemContext()
	if _, err := base.a.Identity.ImportResident(ctx, identity.Registration{Name: "黄国强", IDType: identity.ResidentID,
		IDNumber: idcode.NewResidentID("350203", time.Date(1979, 8, 30, 0, 0, 0, 0, clock.China), 13), Phone: resident2,
		Password: demo.Password}); err != nil {
		t.Fatal(err)
	}
	// The same platform's services, on a server with the payment pages.
	a := &app.App{DB: base.a.DB, Plan: base.a.Plan, Identity: base.a.Identity, Keys: base.a.Keys, Ledger: base.a.Ledger,
		Apps: base.a.Apps, Sign: base.a.Sign, Seals: base.a.Seals, OIDC: base.a.OIDC, PKI: base.a.PKI, Licenses: base.a.Licenses}
	pay := payments.New(db, payments.Options{})
	pages, err := web.New(web.Config{DB: db, Plan: a.Plan, Identity: a.Identity, Payments: pay, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := httpserver.New(httpserver.Config{Logger: slog.New(slog.DiscardHandler), RateLimits: highLimits,
		Authenticate: pages.Authenticate, ErrorPage: pages.ErrorPage})
	if err != nil {
		t.Fatal(err)
	}
	loop := acquirer.Loopback(srv.Handler())
	acq, err := acquirer.New(ctx, acquirer.Config{DB: db, Secrets: a.Keys, HTTPClient: loop, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	creds, err := acq.Merchant(ctx, "yiwang", "福建省统一公共支付平台")
	if err != nil {
		t.Fatal(err)
	}
	client, err := acquirer.NewClient(acquirer.ClientConfig{AcquirerURL: "http://yiwang.internal" + acquirer.BasePath,
		NotifyURL: "http://yiwang.internal/api/v1/payments/callbacks/sandbox", Credentials: creds, PublicKey: acq.PublicKey(),
		HTTPClient: loop, Clock: db.Clock()})
	if err != nil {
		t.Fatal(err)
	}
	pay.Register("sandbox", client)
	pages.Install(srv)
	acq.Install(srv)
	api.New(api.Config{DB: db, Plan: a.Plan, Calendar: a.Calendar, Identity: a.Identity, Payments: pay}).Install(srv)
	a.Server = srv
	s := &paySite{site: &site{t: t, a: a, db: db, tokens: map[string]string{}}, pay: pay, acq: acq}
	for _, login := range []string{resident, resident2, scjWindow, scjApprover, scjAdmin, "szb.admin", gxt} {
		s.token(login)
	}
	return s
}

// accountOf is the account id of login.
func (s *paySite) accountOf(login string) int64 {
	s.t.Helper()
	p, err := s.a.Identity.SessionPrincipal(context.Background(), s.token(login))
	if err != nil {
		s.t.Fatal(err)
	}
	return p.AccountID
}

// order opens a fee order of the market regulator for login: two fees, 150.00 yuan.
func (s *paySite) order(login string) payments.Order {
	s.t.Helper()
	o, err := s.pay.OpenOrder(systemContext(), principal.SystemPrincipal, payments.OrderRequest{ReferenceKind: "case",
		ReferenceID: "case_web", ReferenceNumber: "FJ2026030200123", Org: market, Payer: s.accountOf(login), Lines: []payments.Line{
			{Name: "食品经营许可证工本费", AmountFen: 10000, LegalBasis: "《福建省行政事业性收费目录清单》第12项"},
			{Name: "证照邮寄费", AmountFen: 5000, LegalBasis: "《政务服务事项收费管理办法》第8条"},
		}})
	if err != nil {
		s.t.Fatal(err)
	}
	return o
}

func (s *paySite) tick() {
	s.t.Helper()
	if err := s.acq.Tick(context.Background()); err != nil {
		s.t.Fatal(err)
	}
}

func (s *paySite) status(id string) payments.Status {
	s.t.Helper()
	o, err := s.pay.Get(systemContext(), principal.SystemPrincipal, id)
	if err != nil {
		s.t.Fatal(err)
	}
	return o.Status
}

// payAtCashier pays at the sandbox cashier as the payer's browser does and returns where the
// cashier sends it back.
func (s *paySite) payAtCashier(cashier string) string {
	s.t.Helper()
	w := s.get(cashier, "")
	wantStatus(s.t.(*testing.T), "the cashier", w, http.StatusOK)
	doc := parse(s.t.(*testing.T), w)
	one(s.t.(*testing.T), doc, `form[action="`+cashier+`/pay"] input[name="method"][value="alipay"]`)
	w = s.post(cashier+"/pay", "", url.Values{"method": {"alipay"}})
	wantStatus(s.t.(*testing.T), "paying at the cashier", w, http.StatusSeeOther)
	return w.Header().Get("Location")
}

var cashierPath = regexp.MustCompile(`^/sandbox/acquirer/cashier/SBX\d+$`)

// TestPayPages: a resident finds her order, reads what it is for, chooses the channel, pays at
// the cashier, comes back to a page that refreshes itself until the callback arrived, and then
// shows the payment.
func TestPayPages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newPaySite(t, db)
		o := s.order(resident)
		page := "/pay/" + o.ID

		doc := parse(t, s.get("/pay", resident))
		row := one(t, doc, "#order-"+o.ID)
		if got := text(one(t, row, "code.notice-number")); got != payments.GroupNotice(o.NoticeNumber) {
			t.Errorf("notice number %q", got)
		}
		if n := count(t, parse(t, s.get("/pay", resident2)), "#orders tbody tr"); n != 0 {
			t.Errorf("another resident sees %d orders", n)
		}
		// Finding by the notice number as printed, with spaces.
		w := s.get("/pay?notice_number="+url.QueryEscape(payments.GroupNotice(o.NoticeNumber)), resident)
		if wantStatus(t, "find", w, http.StatusSeeOther); w.Header().Get("Location") != page {
			t.Errorf("found at %q", w.Header().Get("Location"))
		}
		w = s.get("/pay?notice_number="+o.NoticeNumber[:19]+"0", resident)
		if o.NoticeNumber[19] == '0' {
			w = s.get("/pay?notice_number="+o.NoticeNumber[:19]+"1", resident)
		}
		wantStatus(t, "a mistyped number", w, http.StatusBadRequest)
		doc = parse(t, w)
		if got := text(one(t, doc, "#notice-number-error")); got != i18n.T(i18n.ZhHans, "payments.error.notice_check") {
			t.Errorf("error %q", got)
		}
		one(t, doc, `#notice-number[aria-invalid="true"]`)
		wantStatus(t, "another's number", s.get("/pay?notice_number="+o.NoticeNumber, resident2), http.StatusNotFound)

		// The order's page: to whom, for what, on what legal basis, the total, the channel.
		doc = parse(t, s.get(page, resident))
		if got := text(one(t, doc, "#payee")); got != "福建省市场监督管理局" {
			t.Errorf("payee %q", got)
		}
		if n := count(t, doc, "#lines tbody tr"); n != 2 {
			t.Errorf("%d lines", n)
		}
		if !strings.Contains(text(one(t, doc, "#lines")), "《福建省行政事业性收费目录清单》第12项") {
			t.Error("no legal basis")
		}
		if got := text(one(t, doc, "#total")); got != "¥150.00" {
			t.Errorf("total %q", got)
		}
		one(t, doc, `form[action="`+page+`/start"] input[name="channel"][value="sandbox"][checked]`)
		if n := count(t, doc, `meta[http-equiv="refresh"]`); n != 0 {
			t.Error("an unpaid order's page refreshes itself")
		}
		wantStatus(t, "another resident's order", s.get(page, resident2), http.StatusNotFound)
		wantLogin(t, "the public", s.get(page, ""))
		wantStatus(t, "another resident pays", s.post(page+"/start", resident2, url.Values{"channel": {"sandbox"}}), http.StatusNotFound)
		wantStatus(t, "cross-site", s.crossSite(page+"/start", resident, url.Values{"channel": {"sandbox"}}), http.StatusForbidden)
		w = s.post(page+"/start", resident, url.Values{"channel": {"paypal"}})
		wantStatus(t, "an unknown channel", w, http.StatusBadRequest)
		one(t, parse(t, w), "#pay-channel-error")

		// Pay: to the cashier and back.
		w = s.post(page+"/start", resident, url.Values{"channel": {"sandbox"}})
		wantStatus(t, "pay", w, http.StatusSeeOther)
		cashier := w.Header().Get("Location")
		if !cashierPath.MatchString(cashier) {
			t.Fatalf("sent to %q", cashier)
		}
		doc = parse(t, s.get(page, resident))
		one(t, doc, `meta[http-equiv="refresh"][content="5"]`)
		one(t, doc, `#cashier a[href="`+cashier+`"]`)
		one(t, doc, `form[action="`+page+`/check"]`)
		if back := s.payAtCashier(cashier); back != page {
			t.Errorf("the cashier sends the payer to %q", back)
		}
		if got := s.status(o.ID); got != payments.Paying {
			t.Fatalf("before the callback: %s", got)
		}
		s.tick() // the acquirer's notification reaches the platform's callback endpoint
		doc = parse(t, s.get(page, resident))
		if got := text(one(t, doc, "#state .pay-status")); got != i18n.T(i18n.ZhHans, "payments.status.paid") {
			t.Errorf("state %q", got)
		}
		one(t, doc, "#paid-at")
		if n := count(t, doc, `meta[http-equiv="refresh"]`) + count(t, doc, "#pay") + count(t, doc, "#check"); n != 0 {
			t.Error("a paid order still offers to pay or refreshes")
		}
		// The payer sees no official's forms or the channel's messages.
		if n := count(t, doc, "#refund") + count(t, doc, "#close") + count(t, doc, "#callbacks"); n != 0 {
			t.Error("the payer is offered officials' forms")
		}
	})
}

// TestPayCheck: a payer back from the cashier before the callback asks the channel.
func TestPayCheck(t *testing.T) {
	t.Parallel()
	s := newPaySite(t, storetest.Open(t, store.SQLite, storetest.Options{}))
	o := s.order(resident)
	w := s.post("/pay/"+o.ID+"/start", resident, url.Values{"channel": {"sandbox"}})
	cashier := w.Header().Get("Location")
	ref := ""
	if attempts, err := s.pay.Attempts(systemContext(), principal.SystemPrincipal, o.ID); err == nil && len(attempts) == 1 {
		ref = attempts[0].ID
	}
	s.acq.Misbehave(ref, acquirer.Drop)
	s.payAtCashier(cashier)
	s.tick()
	if got := s.status(o.ID); got != payments.Paying {
		t.Fatalf("with the notification dropped: %s", got)
	}
	w = s.post("/pay/"+o.ID+"/check", resident, nil)
	if wantStatus(t, "check", w, http.StatusSeeOther); w.Header().Get("Location") != "/pay/"+o.ID+"?done=checked" {
		t.Errorf("to %q", w.Header().Get("Location"))
	}
	if got := s.status(o.ID); got != payments.Paid {
		t.Errorf("after checking: %s", got)
	}
	one(t, parse(t, s.get("/pay/"+o.ID+"?done=checked", resident)), "#done")
}

// TestPaymentsOfficialPages: the organisation's officials see its orders; its approver refunds
// and closes through the order's page; others are refused.
func TestPaymentsOfficialPages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newPaySite(t, db)
		paid := s.order(resident)
		w := s.post("/pay/"+paid.ID+"/start", resident, url.Values{"channel": {"sandbox"}})
		s.payAtCashier(w.Header().Get("Location"))
		s.tick()
		open := s.order(resident2)

		w = s.get("/pay", scjWindow)
		if wantStatus(t, "an official on /pay", w, http.StatusSeeOther); w.Header().Get("Location") != "/payments" {
			t.Errorf("to %q", w.Header().Get("Location"))
		}
		for _, login := range []string{scjWindow, scjApprover, "szb.admin"} {
			doc := parse(t, s.get("/payments", login))
			if n := count(t, doc, "#orders tbody tr"); n != 2 {
				t.Errorf("%s sees %d orders", login, n)
			}
		}
		if n := count(t, parse(t, s.get("/payments", gxt)), "#orders tbody tr"); n != 0 {
			t.Errorf("another organisation's official sees %d orders", n)
		}
		wantStatus(t, "a resident on /payments", s.get("/payments", resident), http.StatusForbidden)
		doc := parse(t, s.get("/payments?status=paid", scjWindow))
		if n := count(t, doc, "#orders tbody tr"); n != 1 {
			t.Errorf("paid orders: %d", n)
		}

		// Who is offered what on the paid order.
		page := "/pay/" + paid.ID
		for _, c := range []struct {
			login  string
			refund bool
		}{{scjWindow, false}, {scjAdmin, false}, {scjApprover, true}} {
			doc := parse(t, s.get(page, c.login))
			if got := count(t, doc, "#refund form") == 1; got != c.refund {
				t.Errorf("%s: refund form %v", c.login, got)
			}
			one(t, doc, "#callbacks")
		}
		wantStatus(t, "another organisation's official", s.get(page, gxt), http.StatusNotFound)
		before := s.lastAuditID()
		wantStatus(t, "a window officer refunds", s.post(page+"/refund", scjWindow, url.Values{"amount": {"1"}, "reason": {"退回"}}),
			http.StatusForbidden)
		wantStatus(t, "a resident refunds", s.post(page+"/refund", resident, url.Values{"amount": {"1"}, "reason": {"退回"}}),
			http.StatusForbidden)
		wantStatus(t, "cross-site refund", s.crossSite(page+"/refund", scjApprover, url.Values{"amount": {"1"}, "reason": {"退回"}}),
			http.StatusForbidden)
		for _, bad := range []struct{ amount, field string }{{"abc", "amount"}, {"150.01", "amount"}, {"1.234", "amount"}} {
			w := s.post(page+"/refund", scjApprover, url.Values{"amount": {bad.amount}, "reason": {"多收退回"}})
			wantStatus(t, "refund "+bad.amount, w, http.StatusBadRequest)
			doc := parse(t, w)
			one(t, doc, "#refund-amount-error")
			if v, _ := attr(one(t, doc, "#refund-amount"), "value"); v != bad.amount {
				t.Errorf("the form lost the amount typed: %q", v)
			}
		}
		if got := s.auditSince(before); len(got) != 0 {
			t.Errorf("refused refunds changed something: %v", got)
		}
		w = s.post(page+"/refund", scjApprover, url.Values{"amount": {"50"}, "reason": {"证照改为窗口领取，退回邮寄费"}})
		if wantStatus(t, "refund", w, http.StatusSeeOther); w.Header().Get("Location") != page+"?done=refund" {
			t.Errorf("to %q", w.Header().Get("Location"))
		}
		s.tick()
		doc = parse(t, s.get(page, scjApprover))
		if got := text(one(t, doc, "#state .pay-status")); got != i18n.T(i18n.ZhHans, "payments.status.partially_refunded") {
			t.Errorf("state %q", got)
		}
		if n := count(t, doc, "#refunds tbody tr"); n != 1 {
			t.Errorf("%d refunds listed", n)
		}
		// The payer sees the refund too.
		if n := count(t, parse(t, s.get(page, resident)), "#refunds tbody tr"); n != 1 {
			t.Errorf("the payer sees %d refunds", n)
		}

		// Closing the unpaid order.
		w = s.post("/pay/"+open.ID+"/close", scjApprover, url.Values{"reason": {""}})
		wantStatus(t, "close without a reason", w, http.StatusBadRequest)
		one(t, parse(t, w), "#close-reason-error")
		w = s.post("/pay/"+open.ID+"/close", scjApprover, url.Values{"reason": {"申请人撤回申请"}})
		wantStatus(t, "close", w, http.StatusSeeOther)
		if got := s.status(open.ID); got != payments.Closed {
			t.Errorf("closed order is %s", got)
		}
		if n := count(t, parse(t, s.get("/pay/"+open.ID, resident2)), "#pay"); n != 0 {
			t.Error("a closed order offers to pay")
		}
	})
}

// TestReconciliationPages: administrators run a reconciliation and read its report, which
// names the payment whose notification was lost.
func TestReconciliationPages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newPaySite(t, db)
		o := s.order(resident)
		w := s.post("/pay/"+o.ID+"/start", resident, url.Values{"channel": {"sandbox"}})
		attempts, err := s.pay.Attempts(systemContext(), principal.SystemPrincipal, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		s.acq.Misbehave(attempts[0].ID, acquirer.Drop)
		s.payAtCashier(w.Header().Get("Location"))
		s.tick()

		for _, login := range []string{resident, scjWindow, scjApprover} {
			wantStatus(t, "reconciliation as "+login, s.get("/payments/reconciliation", login), http.StatusForbidden)
		}
		wantLogin(t, "reconciliation, the public", s.get("/payments/reconciliation", ""))
		doc := parse(t, s.get("/payments/reconciliation", scjAdmin))
		one(t, doc, `form[action="/payments/reconciliation"] select[name="channel"] option[value="sandbox"]`)
		one(t, doc, "#no-reports")
		today := time.Now().In(clock.China).Format(time.DateOnly)
		if d := db.Clock().Now(); !d.IsZero() {
			today = d.In(clock.China).Format(time.DateOnly)
		}
		w = s.post("/payments/reconciliation", scjAdmin, url.Values{"channel": {"sandbox"}, "day": {"not a day"}})
		wantStatus(t, "a bad day", w, http.StatusBadRequest)
		one(t, parse(t, w), "#run-day-error")
		w = s.post("/payments/reconciliation", scjAdmin, url.Values{"channel": {"sandbox"}, "day": {today}})
		wantStatus(t, "reconcile", w, http.StatusSeeOther)
		report := w.Header().Get("Location")
		doc = parse(t, s.get(report, scjAdmin))
		rows := queryAll(t, doc, "#differences tbody tr")
		if len(rows) != 1 {
			t.Fatalf("%d differences", len(rows))
		}
		if !strings.Contains(text(rows[0]), i18n.T(i18n.ZhHans, "payments.diff.status_differs")) {
			t.Errorf("difference %q", text(rows[0]))
		}
		one(t, rows[0], `a[href="/pay/`+o.ID+`"]`)
		one(t, doc, "#verdict")
		// The digital office sees the organisation's report; another organisation's
		// administrator does not.
		wantStatus(t, "the report, digital office", s.get(report, "szb.admin"), http.StatusOK)
		if n := count(t, parse(t, s.get("/payments/reconciliation", scjAdmin)), "#reports tbody tr"); n != 1 {
			t.Errorf("%d reports listed", n)
		}
	})
}

// TestPaymentPagesInEveryLanguage renders each payment page in each language and in large type.
func TestPaymentPagesInEveryLanguage(t *testing.T) {
	t.Parallel()
	s := newPaySite(t, storetest.Open(t, store.SQLite, storetest.Options{}))
	o := s.order(resident)
	w := s.post("/pay/"+o.ID+"/start", resident, url.Values{"channel": {"sandbox"}})
	s.payAtCashier(w.Header().Get("Location"))
	s.tick()
	w = s.post("/payments/reconciliation", "szb.admin", url.Values{"channel": {"sandbox"},
		"day": {s.db.Clock().Now().In(clock.China).Format(time.DateOnly)}})
	report := w.Header().Get("Location")
	large := &http.Cookie{Name: "large_type", Value: "1"}
	pages := []struct{ path, as, h1 string }{
		{"/pay", resident, "payments.mine.title"},
		{"/pay/" + o.ID, resident, "payments.order.heading"},
		{"/pay/" + o.ID, scjApprover, "payments.order.heading"},
		{"/payments", "szb.admin", "payments.list.title"},
		{"/payments/reconciliation", "szb.admin", "payments.reconciliation.title"},
		{report, "szb.admin", ""},
	}
	for _, lang := range i18n.All {
		for _, p := range pages {
			t.Run(string(lang)+p.path+"/"+p.as, func(t *testing.T) {
				w := s.get(p.path+"?lang="+string(lang), p.as, large)
				wantStatus(t, p.path, w, http.StatusOK)
				doc := parse(t, w)
				if got, _ := attr(one(t, doc, "html"), "lang"); got != string(lang) {
					t.Errorf("lang %q", got)
				}
				if got, _ := attr(one(t, doc, "html"), "class"); got != "large-type" {
					t.Errorf("html class %q", got)
				}
				if n := count(t, doc, "main h1"); n != 1 {
					t.Errorf("%d h1 in main", n)
				}
				if p.h1 != "" {
					if got := text(one(t, doc, "h1")); got != i18n.T(lang, p.h1) {
						t.Errorf("h1 %q, want %q", got, i18n.T(lang, p.h1))
					}
				}
				one(t, doc, `link[rel="stylesheet"][href="/static/css/payments.css"]`)
				for _, tbl := range queryAll(t, doc, "main table") {
					if p := tbl.Parent; p == nil || !strings.Contains(attrOr(p, "class"), "table-scroll") || attrOr(p, "tabindex") != "0" {
						t.Errorf("table #%s is not in a scrolling region", attrOr(tbl, "id"))
					}
				}
				// Every form control has its label.
				for _, sel := range []string{"main input", "main select", "main textarea"} {
					for _, in := range queryAll(t, doc, sel) {
						if attrOr(in, "type") == "hidden" {
							continue
						}
						if id := attrOr(in, "id"); id == "" || count(t, doc, `label[for="`+id+`"]`) != 1 {
							t.Errorf("control %q has no label", id)
						}
					}
				}
				// No untranslated key is left on the page.
				if m := regexp.MustCompile(`payments\.[a-z_]+\.[a-z_]+`).FindString(text(one(t, doc, "main"))); m != "" {
					t.Errorf("untranslated %q", m)
				}
			})
		}
	}
	// The sandbox cashier speaks the three languages too.
	attempts, _ := s.pay.Attempts(systemContext(), principal.SystemPrincipal, o.ID)
	for _, lang := range i18n.All {
		w := s.get(acquirer.BasePath+"/cashier/"+attempts[0].ChannelTxn+"?lang="+string(lang), "")
		wantStatus(t, "cashier", w, http.StatusOK)
		doc := parse(t, w)
		if got, _ := attr(one(t, doc, "html"), "lang"); got != string(lang) {
			t.Errorf("cashier lang %q", got)
		}
		if got := text(one(t, doc, "h1")); got != i18n.T(lang, "acquirer.cashier.title") {
			t.Errorf("cashier h1 %q", got)
		}
	}
}

// TestPaymentsMessageKeys checks that every key the payment pages build from a value exists,
// and every payments.* key their code and templates name.
func TestPaymentsMessageKeys(t *testing.T) {
	t.Parallel()
	var want []string
	for _, st := range payments.Statuses {
		want = append(want, "payments.status."+string(st))
	}
	for _, r := range payments.ExceptionReasons {
		want = append(want, "payments.reason."+r)
	}
	for _, k := range payments.DifferenceKinds {
		want = append(want, "payments.diff."+k)
	}
	for _, k := range []string{payments.KindPayment, payments.KindRefund} {
		want = append(want, "payments.txn."+k)
	}
	for _, st := range []string{payments.RefundRequested, payments.RefundProcessing, payments.RefundSucceeded, payments.RefundFailed} {
		want = append(want, "payments.refund_status."+st)
	}
	for _, o := range []string{payments.OutcomeAccepted, payments.OutcomeDuplicate, payments.OutcomeStale, payments.OutcomeException,
		payments.OutcomeRejected} {
		want = append(want, "payments.outcome."+o)
	}
	for _, m := range acquirer.Methods {
		want = append(want, "acquirer.method."+m, "acquirer.method_hint."+m)
	}
	files, _ := filepath.Glob("templates/payments/*.html")
	files = append(files, "payments_pages.go")
	literal := regexp.MustCompile(`"((?:payments|acquirer)\.[a-z_]+(?:\.[a-z_]+)*[a-z_])"`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			want = append(want, m[1])
		}
	}
	for _, k := range want {
		if !i18n.Has(k) {
			t.Errorf("message key %q is missing", k)
		}
	}
	if len(want) < 100 {
		t.Errorf("only %d keys found; is the test running in internal/web?", len(want))
	}
}
