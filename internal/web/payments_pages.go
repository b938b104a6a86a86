package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/payments"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// The unified payment entry's pages. Payers: /pay (their orders, and finding one by its notice
// number) and /pay/{id} (what is paid for, to whom, on what legal basis; choose a channel and
// go to its cashier; back from it, the result once the channel's callback arrived — the page
// refreshes itself without script while the payment is being confirmed). Officials: /payments
// (their organisation's orders; each order's page has the refund and close forms for its
// approvers) and /payments/reconciliation (administrators run and read reconciliations). The
// payment service decides who may do what; these pages offer only what the reader may use.

var paymentsPageNames = []string{"payments/mine", "payments/order", "payments/list", "payments/reconciliation", "payments/report"}

func (s *Site) installPayments(srv *httpserver.Server) {
	if s.cfg.Payments == nil {
		return
	}
	srv.Handle("GET /pay", s.payMine)
	srv.Handle("GET /pay/{id}", s.payOrder)
	srv.Handle("POST /pay/{id}/start", s.payStart)
	srv.Handle("POST /pay/{id}/check", s.payCheck)
	srv.Handle("POST /pay/{id}/refund", s.payRefund)
	srv.Handle("POST /pay/{id}/close", s.payClose)
	srv.Handle("GET /payments", s.paymentsList)
	srv.Handle("GET /payments/reconciliation", s.reconciliation)
	srv.Handle("POST /payments/reconciliation", s.reconcileRun)
	srv.Handle("GET /payments/reconciliation/{id}", s.reconciliationReport)
}

// paymentsNav is what the navigation offers of the payments: their orders to residents and
// agents, the organisation's orders to officials, reconciliation to administrators. (The
// service hall's navigation, hallNav, lists these.)
func (s *Site) paymentsNav(p principal.Principal) []struct{ href, key string } {
	if s.cfg.Payments == nil || requireSignedIn(p) != nil {
		return nil
	}
	switch p.Kind {
	case principal.Resident, principal.Agent:
		return []struct{ href, key string }{{"/pay", "payments.nav.pay"}}
	case principal.Official:
		nav := []struct{ href, key string }{{"/payments", "payments.nav.orders"}}
		if payments.CanReconcile(p) {
			nav = append(nav, struct{ href, key string }{"/payments/reconciliation", "payments.nav.reconciliation"})
		}
		return nav
	}
	return nil
}

// ---- views -----------------------------------------------------------------------------------

type lineView struct {
	Name, Basis, Amount string
}

type orderView struct {
	ID, Notice, NoticeGrouped, Reference, OrgName  string
	Status, StatusLabel, Exception                 string
	Total, Received, Refunded, Refundable          string
	Created, Expires, Paid, Closed, CloseReason    string
	ChannelName, ChannelTxn, Method, ActingFor     string
	Lines                                          []lineView
	Payable, Paying, Settled, Problem, Unreachable bool
}

// channelName names channel name in the page's language, or gives the name itself.
func (s *Site) channelName(b basePage, name string) string {
	for _, c := range s.cfg.Payments.Channels() {
		if c.Name == name {
			return c.Info.Name(string(b.Lang))
		}
	}
	return name
}

// methodLabel names a way of paying, when the channel's methods have names here.
func methodLabel(b basePage, m string) string {
	if k := msgKey("acquirer.method.", m); m != "" && i18n.Has(k) {
		return b.T(k)
	}
	return m
}

func (s *Site) newOrderView(b basePage, name func(string) string, o payments.Order) orderView {
	v := orderView{ID: o.ID, Notice: o.NoticeNumber, NoticeGrouped: payments.GroupNotice(o.NoticeNumber), Reference: o.ReferenceNumber,
		OrgName: name(o.Org), Status: string(o.Status), StatusLabel: b.T(msgKey("payments.status.", string(o.Status))),
		Total: payments.Yuan(o.TotalFen), Received: payments.Yuan(o.ReceivedFen), Refunded: payments.Yuan(o.RefundedFen),
		Refundable: payments.Yuan(o.Refundable()), Created: civil(o.CreatedAt), Expires: civil(o.ExpiresAt), Paid: civilPtr(o.PaidAt),
		Closed: civilPtr(o.ClosedAt), CloseReason: o.CloseReason, ChannelTxn: o.ChannelTxn, Method: methodLabel(b, o.Method),
		ActingFor: o.PayerActingFor, Payable: o.Status.Payable(), Paying: o.Status == payments.Paying,
		Settled: o.Status == payments.Paid || o.Status == payments.PartiallyRefunded || o.Status == payments.Refunded,
		Problem: o.Status == payments.Exception, Unreachable: o.Status == payments.Closed || o.Status == payments.Expired}
	if o.Channel != "" {
		v.ChannelName = s.channelName(b, o.Channel)
	}
	if o.ExceptionReason != "" {
		v.Exception = b.T(msgKey("payments.reason.", o.ExceptionReason))
	}
	if o.ReferenceNumber == "" {
		v.Reference = o.ReferenceID
	}
	for _, l := range o.Lines {
		v.Lines = append(v.Lines, lineView{Name: l.Name, Basis: l.LegalBasis, Amount: payments.Yuan(l.AmountFen)})
	}
	return v
}

// ---- the payer's orders ----------------------------------------------------------------------

type payMinePage struct {
	basePage
	Orders []orderView
	F      form
}

func (s *Site) payMine(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireSignedIn(p); err != nil {
		return err
	}
	if p.Kind == principal.Official {
		seeOther(w, r, "/payments")
		return nil
	}
	status := http.StatusOK
	f := form{Values: url.Values{}, Errors: map[string]string{}}
	b := s.newBase(w, r, "payments.mine.title")
	if n := r.URL.Query().Get("notice_number"); n != "" {
		o, err := s.cfg.Payments.FindByNotice(r.Context(), p, n)
		if err == nil {
			seeOther(w, r, payments.OrderPath(o.ID))
			return nil
		}
		k := errs.KindOf(err)
		if k != errs.Invalid && k != errs.NotFound {
			return err
		}
		f.Values.Set("notice_number", n)
		if k == errs.NotFound {
			err = errs.Field("notice_number", "payments.page.notice_not_found")
		}
		f.fail(b.Lang, err, nil)
		status = httpserver.Status(k)
	}
	name, err := s.orgs.namer(r, b.Lang)
	if err != nil {
		return err
	}
	list, err := s.cfg.Payments.List(r.Context(), p, payments.Filter{Limit: 200})
	if err != nil {
		return err
	}
	page := payMinePage{basePage: b, F: f}
	for _, o := range list {
		page.Orders = append(page.Orders, s.newOrderView(b, name, o))
	}
	return s.render(w, status, "payments/mine", page)
}

// ---- one order -------------------------------------------------------------------------------

type refundView struct {
	ID, Amount, Refunded, Reason, Status, StatusLabel, RequestedBy, RequestedAt, FinishedAt string
}

type callbackView struct {
	Time, Kind, Outcome, OutcomeLabel, Reason string
}

type payOrderPage struct {
	basePage
	Order orderView
	// What the reader may do: pay (Channels to choose from), refund and close.
	IsPayer, CanPay, CanRefund, CanClose, Official bool
	Channels                                       []hintedChoice
	// Cashier is the open cashier of a payment being made, to go back to.
	Cashier   string
	Refunds   []refundView
	Callbacks []callbackView
	// Refresh asks the browser to load the page again while the payment is confirmed.
	Refresh bool
	Done    string
	// F is the form of Action ("pay", "refund", "close", "check") sent back.
	Action string
	F      form
}

func (s *Site) newPayOrderPage(w http.ResponseWriter, r *http.Request) (payOrderPage, error) {
	p := principal.From(r.Context())
	if err := requireSignedIn(p); err != nil {
		return payOrderPage{}, err
	}
	ctx, id := r.Context(), r.PathValue("id")
	o, err := s.cfg.Payments.Get(ctx, p, id)
	if err != nil {
		return payOrderPage{}, err
	}
	b := s.newBase(w, r, "payments.order.title", payments.GroupNotice(o.NoticeNumber))
	name, err := s.orgs.namer(r, b.Lang)
	if err != nil {
		return payOrderPage{}, err
	}
	page := payOrderPage{basePage: b, Order: s.newOrderView(b, name, o), Official: p.Kind == principal.Official, F: newForm(r)}
	page.IsPayer = p.Kind == principal.Resident || p.Kind == principal.Agent
	page.CanPay = page.IsPayer && o.Status.Payable() && len(s.cfg.Payments.Channels()) > 0
	if page.CanPay {
		// The pay form's answer redirects to the chosen channel's cashier, which may be on the
		// acquirer's own site.
		addFormActions(w, s.cfg.Payments.CashierOrigins())
	}
	may := payments.CanRefund(p, o.Org)
	page.CanRefund = may && o.Refundable() > 0 && (o.Status == payments.Paid || o.Status == payments.PartiallyRefunded || o.Status == payments.Exception)
	page.CanClose = may && o.Status.Payable()
	page.Refresh = o.Status == payments.Paying && r.Method == http.MethodGet
	for i, c := range s.cfg.Payments.Channels() {
		page.Channels = append(page.Channels, hintedChoice{Value: c.Name, Label: c.Info.Name(string(b.Lang))})
		if i == 0 && page.F.V("channel") == "" {
			page.F.Values.Set("channel", c.Name)
		}
	}
	if page.IsPayer && o.Status == payments.Paying {
		attempts, err := s.cfg.Payments.Attempts(ctx, p, o.ID)
		if err != nil {
			return payOrderPage{}, err
		}
		for _, a := range slices.Backward(attempts) {
			if a.Status == payments.AttemptPending && a.PayURL != "" {
				page.Cashier = a.PayURL
				break
			}
		}
	}
	refunds, err := s.cfg.Payments.Refunds(ctx, p, o.ID)
	if err != nil {
		return payOrderPage{}, err
	}
	for _, rf := range refunds {
		page.Refunds = append(page.Refunds, refundView{ID: rf.ID, Amount: payments.Yuan(rf.AmountFen), Refunded: payments.Yuan(rf.RefundedFen),
			Reason: rf.Reason, Status: rf.Status, StatusLabel: b.T(msgKey("payments.refund_status.", rf.Status)),
			RequestedBy: loginOf(rf.RequestedBy), RequestedAt: civil(rf.RequestedAt), FinishedAt: civilPtr(rf.FinishedAt)})
	}
	if page.Official {
		cbs, err := s.cfg.Payments.Callbacks(ctx, p, o.ID)
		if err != nil {
			return payOrderPage{}, err
		}
		for _, c := range cbs {
			page.Callbacks = append(page.Callbacks, callbackView{Time: civil(c.ReceivedAt), Kind: c.Kind, Outcome: c.Outcome,
				OutcomeLabel: b.T(msgKey("payments.outcome.", c.Outcome)), Reason: c.Reason})
		}
	}
	switch r.URL.Query().Get("done") {
	case "refund":
		page.Done = b.T("payments.order.done_refund")
	case "closed":
		page.Done = b.T("payments.order.done_closed")
	case "checked":
		page.Done = b.T("payments.order.done_checked")
	}
	return page, nil
}

func (s *Site) payOrder(w http.ResponseWriter, r *http.Request) error {
	page, err := s.newPayOrderPage(w, r)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "payments/order", page)
}

// payDone finishes a form of the order page: on to target, or back to the page with what went
// wrong beside the form of action (bad input, a conflict, a channel that did not answer).
func (s *Site) payDone(w http.ResponseWriter, r *http.Request, action, target string, err error, fields ...string) error {
	if err == nil {
		seeOther(w, r, target)
		return nil
	}
	status, ok := formStatus(err, errs.Forbidden, errs.Unavailable)
	if !ok {
		return err
	}
	page, perr := s.newPayOrderPage(w, r)
	if perr != nil {
		return perr
	}
	page.Action, page.F = action, newForm(r, fields...)
	page.basePage.rebase(payments.OrderPath(r.PathValue("id")))
	page.F.fail(page.Lang, err, map[string]string{"amount_fen": "amount"})
	return s.render(w, status, "payments/order", page)
}

func (s *Site) payStart(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireSignedIn(p); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	payURL, err := s.cfg.Payments.StartPayment(r.Context(), p, r.PathValue("id"), r.PostFormValue("channel"))
	return s.payDone(w, r, "pay", payURL, err, "channel")
}

func (s *Site) payCheck(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireSignedIn(p); err != nil {
		return err
	}
	_, err := s.cfg.Payments.Sync(r.Context(), p, r.PathValue("id"))
	return s.payDone(w, r, "check", payments.OrderPath(r.PathValue("id"))+"?done=checked", err)
}

// postedRefund reads the refund form: the amount typed in yuan, in fen, and the reason.
func postedRefund(r *http.Request) (fen int64, reason string, err error) {
	if err := parseForm(r); err != nil {
		return 0, "", err
	}
	fen, err = payments.ParseYuan("amount", r.PostFormValue("amount"))
	return fen, r.PostFormValue("reason"), err
}

func (s *Site) payRefund(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireOfficial(p); err != nil {
		return err
	}
	fen, reason, err := postedRefund(r)
	if errs.Is(err, errs.Invalid) && r.PostForm == nil {
		return err
	}
	if err == nil {
		_, err = s.cfg.Payments.Refund(r.Context(), p, r.PathValue("id"), fen, reason)
	}
	return s.payDone(w, r, "refund", payments.OrderPath(r.PathValue("id"))+"?done=refund", err, "amount", "reason")
}

func (s *Site) payClose(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireOfficial(p); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	_, err := s.cfg.Payments.Close(r.Context(), p, r.PathValue("id"), r.PostFormValue("reason"))
	return s.payDone(w, r, "close", payments.OrderPath(r.PathValue("id"))+"?done=closed", err, "reason")
}

// ---- the organisation's orders ----------------------------------------------------------------

type paymentsListPage struct {
	basePage
	Orders []orderView
	// AllOrgs: the reader sees every organisation's orders and may pick one.
	orgFilter
	Status   string
	Statuses []choice
	// Rejected are the newest refused callbacks (the digital office watches for forgeries).
	Rejected []callbackView
}

func (s *Site) paymentsList(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireOfficial(p); err != nil {
		return err
	}
	b := s.newBase(w, r, "payments.list.title")
	name, orgs, err := s.orgs.all(r, b.Lang)
	if err != nil {
		return err
	}
	page := paymentsListPage{basePage: b, orgFilter: pickOrg(r, orgs, payments.ReadsAllOrgs(p), "")}
	q := r.URL.Query()
	f := payments.Filter{Limit: 200, Org: page.Org}
	if st := payments.Status(q.Get("status")); slices.Contains(payments.Statuses, st) {
		f.Status, page.Status = st, string(st)
	}
	for _, st := range payments.Statuses {
		page.Statuses = append(page.Statuses, choice{Value: string(st), Label: b.T(msgKey("payments.status.", string(st)))})
	}
	list, err := s.cfg.Payments.List(r.Context(), p, f)
	if err != nil {
		return err
	}
	for _, o := range list {
		page.Orders = append(page.Orders, s.newOrderView(b, name, o))
	}
	if page.AllOrgs {
		cbs, err := s.cfg.Payments.RecentCallbacks(r.Context(), p, 100)
		if err != nil {
			return err
		}
		for _, c := range cbs {
			if c.Outcome == payments.OutcomeRejected && len(page.Rejected) < 10 {
				page.Rejected = append(page.Rejected, callbackView{Time: civil(c.ReceivedAt), Kind: c.Channel, Outcome: c.Outcome,
					OutcomeLabel: b.T(msgKey("payments.outcome.", c.Outcome)), Reason: b.T(c.Reason)})
			}
		}
	}
	return s.render(w, http.StatusOK, "payments/list", page)
}

// ---- reconciliation --------------------------------------------------------------------------

type reportRow struct {
	ID, Day, Channel, Org, RunBy, RunAt string
	Lines, Matched, Mismatched          int
}

type reconciliationPage struct {
	basePage
	Reports  []reportRow
	Channels []choice
	F        form
	Scope    string
}

func (s *Site) newReconciliationPage(w http.ResponseWriter, r *http.Request, f form) (reconciliationPage, error) {
	p := principal.From(r.Context())
	if err := requireOfficial(p); err != nil {
		return reconciliationPage{}, err
	}
	if !payments.CanReconcile(p) {
		return reconciliationPage{}, errs.E(errs.Forbidden, "payments.error.reconcile_forbidden")
	}
	b := s.newBase(w, r, "payments.reconciliation.title")
	name, err := s.orgs.namer(r, b.Lang)
	if err != nil {
		return reconciliationPage{}, err
	}
	page := reconciliationPage{basePage: b, F: f, Scope: b.T("payments.reconciliation.scope_all")}
	if !payments.ReadsAllOrgs(p) {
		page.Scope = b.T("payments.reconciliation.scope_org", name(p.OrgCode))
	}
	for _, c := range s.cfg.Payments.Channels() {
		page.Channels = append(page.Channels, choice{Value: c.Name, Label: c.Info.Name(string(b.Lang))})
	}
	if page.F.V("day") == "" {
		page.F.Values.Set("day", civilDay(s.cfg.DB.Clock().Now()).AddDate(0, 0, -1).Format(time.DateOnly))
	}
	list, err := s.cfg.Payments.Reports(r.Context(), p, 100)
	if err != nil {
		return reconciliationPage{}, err
	}
	for _, rep := range list {
		row := reportRow{ID: rep.ID, Day: rep.Day, Channel: s.channelName(b, rep.Channel), RunBy: loginOf(rep.RunBy), RunAt: civil(rep.RunAt),
			Lines: rep.StatementLines, Matched: rep.Matched, Mismatched: rep.Mismatched, Org: b.T("payments.reconciliation.scope_all")}
		if rep.Org != "" {
			row.Org = name(rep.Org)
		}
		page.Reports = append(page.Reports, row)
	}
	return page, nil
}

func (s *Site) reconciliation(w http.ResponseWriter, r *http.Request) error {
	page, err := s.newReconciliationPage(w, r, form{Values: url.Values{}, Errors: map[string]string{}})
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "payments/reconciliation", page)
}

// postedReconciliation reads the reconciliation form: the channel and the civil day.
func postedReconciliation(r *http.Request) (channel string, day time.Time, err error) {
	if err := parseForm(r); err != nil {
		return "", time.Time{}, err
	}
	day, err = time.ParseInLocation(time.DateOnly, strings.TrimSpace(r.PostFormValue("day")), chinaTime)
	if err != nil {
		return "", time.Time{}, errs.Field("day", "payments.page.day")
	}
	return r.PostFormValue("channel"), day, nil
}

func (s *Site) reconcileRun(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireOfficial(p); err != nil {
		return err
	}
	var rep payments.Report
	channel, day, err := postedReconciliation(r)
	if errs.Is(err, errs.Invalid) && r.PostForm == nil {
		return err
	}
	if err == nil {
		rep, err = s.cfg.Payments.Reconcile(r.Context(), p, channel, day)
	}
	if err == nil {
		seeOther(w, r, "/payments/reconciliation/"+url.PathEscape(rep.ID))
		return nil
	}
	status, ok := formStatus(err, errs.Unavailable)
	if !ok {
		return err
	}
	page, perr := s.newReconciliationPage(w, r, newForm(r, "channel", "day"))
	if perr != nil {
		return perr
	}
	page.F.fail(page.Lang, err, nil)
	return s.render(w, status, "payments/reconciliation", page)
}

type differenceView struct {
	No                                     int
	Kind, KindLabel, TxnKind, OrderID, Org string
	MerchantRef, ChannelRef, Ours, Theirs  string
	OursStatus, TheirsStatus               string
}

type reportPage struct {
	basePage
	Report       reportRow
	Statement    string
	OursPaid     string
	TheirsPaid   string
	OursRefund   string
	TheirsRefund string
	Differences  []differenceView
}

func yuanPtr(f *int64) string {
	if f == nil {
		return "—"
	}
	return payments.Yuan(*f)
}

func (s *Site) reconciliationReport(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireOfficial(p); err != nil {
		return err
	}
	rep, err := s.cfg.Payments.GetReport(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	b := s.newBase(w, r, "payments.report.title", rep.Day)
	name, err := s.orgs.namer(r, b.Lang)
	if err != nil {
		return err
	}
	page := reportPage{basePage: b, Statement: rep.StatementSHA256,
		Report: reportRow{ID: rep.ID, Day: rep.Day, Channel: s.channelName(b, rep.Channel), RunBy: loginOf(rep.RunBy), RunAt: civil(rep.RunAt),
			Lines: rep.StatementLines, Matched: rep.Matched, Mismatched: rep.Mismatched, Org: b.T("payments.reconciliation.scope_all")},
		OursPaid: payments.Yuan(rep.OursPaidFen), TheirsPaid: payments.Yuan(rep.TheirsPaidFen),
		OursRefund: payments.Yuan(rep.OursRefundedFen), TheirsRefund: payments.Yuan(rep.TheirsRefundedFen)}
	if rep.Org != "" {
		page.Report.Org = name(rep.Org)
	}
	for _, d := range rep.Differences {
		dv := differenceView{No: d.No, Kind: d.Kind, KindLabel: b.T(msgKey("payments.diff.", d.Kind)),
			TxnKind: b.T(msgKey("payments.txn.", d.TxnKind)), OrderID: d.OrderID, MerchantRef: d.MerchantRef, ChannelRef: d.ChannelRef,
			Ours: yuanPtr(d.OursFen), Theirs: yuanPtr(d.TheirsFen), OursStatus: d.OursStatus, TheirsStatus: d.TheirsStatus}
		if d.Org != "" {
			dv.Org = name(d.Org)
		}
		page.Differences = append(page.Differences, dv)
	}
	return s.render(w, http.StatusOK, "payments/report", page)
}
