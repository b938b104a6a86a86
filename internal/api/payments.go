package api

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/payments"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

func paymentStatuses() []string {
	out := make([]string, len(payments.Statuses))
	for i, s := range payments.Statuses {
		out[i] = string(s)
	}
	return out
}

func init() {
	schemas["PaymentOrder"] = obj(map[string]any{
		"id": str("pay_…"), "notice_number": str("the 20-digit payment notice number (缴款码), Damm check digit last"),
		"reference_kind": str("what the fee is for: \"case\""), "reference_id": str("e.g. the case's id"),
		"reference_number": str("the number shown to the payer, e.g. the case number"), "org": str("the payee organisation's code"),
		"payer": integer("the paying account"), "payer_acting_for": str("credit code of the enterprise an agent pays for"),
		"total_fen": integer("the fee in fen (分)"), "received_fen": integer("what the channels said was paid, in fen"),
		"refunded_fen":     integer("what was returned, in fen"),
		"status":           map[string]any{"type": "string", "enum": paymentStatuses(), "description": "unpaid → paying → paid → partially_refunded → refunded; closed, expired; exception when a channel's callback disagrees"},
		"exception_reason": map[string]any{"type": "string", "enum": payments.ExceptionReasons},
		"channel":          str("the channel that took the money"), "channel_txn": str("its transaction id"), "method": str("e.g. alipay"),
		"created_at": str("RFC 3339"), "expires_at": str("RFC 3339; after it the order can no longer be paid"),
		"paid_at": str("RFC 3339"), "closed_at": str("RFC 3339"), "close_reason": str(""), "updated_at": str("RFC 3339"),
		"lines": arr(obj(map[string]any{"name": str("the fee"), "amount_fen": integer("in fen"),
			"legal_basis": str("the rule that allows charging it")})),
		"refunds":  arr(ref("PaymentRefund")),
		"pay_page": str("the payer's page of the order"),
	})
	schemas["PaymentRefund"] = obj(map[string]any{
		"id": str("the refund reference: R + notice number + refund number"), "order_id": str(""), "attempt_id": str("the payment refunded"),
		"channel": str(""), "channel_refund_id": str(""), "amount_fen": integer("asked for"), "refunded_fen": integer("returned, per the channel"),
		"reason": str(""), "status": map[string]any{"type": "string", "enum": []string{payments.RefundRequested, payments.RefundProcessing,
			payments.RefundSucceeded, payments.RefundFailed}},
		"requested_by": str("actor"), "requested_at": str("RFC 3339"), "finished_at": str("RFC 3339"), "updated_at": str("RFC 3339"),
	})
	schemas["ReconciliationReport"] = obj(map[string]any{
		"id": str("rec_…"), "channel": str(""), "day": str("YYYY-MM-DD, China time"), "org": str("the organisation reconciled; absent for all"),
		"run_by": str("actor"), "run_at": str("RFC 3339"), "statement_sha256": str("digest of the channel's verified statement"),
		"statement_lines": integer(""), "matched": integer(""), "mismatched": integer(""),
		"ours_paid_fen": integer(""), "theirs_paid_fen": integer(""), "ours_refunded_fen": integer(""), "theirs_refunded_fen": integer(""),
		"differences": arr(obj(map[string]any{
			"no":       integer(""),
			"kind":     map[string]any{"type": "string", "enum": payments.DifferenceKinds},
			"txn_kind": map[string]any{"type": "string", "enum": []string{payments.KindPayment, payments.KindRefund}},
			"order_id": str(""), "org": str(""), "merchant_ref": str("our payment or refund reference"), "channel_ref": str("the channel's id"),
			"ours_fen": integer("absent side: null"), "theirs_fen": integer("absent side: null"),
			"ours_status": str(""), "theirs_status": str(""),
		})),
	})
}

// paymentsAPI serves the unified payment entry: payers' orders and payments, the payee's
// refunds, reconciliation, and the channels' callbacks.
type paymentsAPI struct {
	pay *payments.Service
}

// maxPaymentsList bounds one list of orders or reconciliation reports.
const maxPaymentsList = 500

// installPayments serves /api/v1/payments. The service decides who may do what: payers see
// and pay their own orders, officials see their organisation's, its approvers refund and close,
// administrators reconcile. Callbacks carry no login: the channel's signature is their proof.
func (a *API) installPayments(srv *httpserver.Server) {
	if a.cfg.Payments == nil {
		return
	}
	h := paymentsAPI{pay: a.cfg.Payments}
	const tag = "payments"
	orderID := param{Name: "id", In: "path", Required: true, Description: "the order's id (pay_…)", Schema: str("")}
	a.route(srv, operation{Method: "GET", Path: "/api/v1/payments/channels", ID: "listPaymentChannels", Tag: tag, Auth: true,
		Summary:  "The payment channels a payer may choose",
		Response: arr(obj(map[string]any{"name": str("the channel's name"), "name_hans": str(""), "name_hant": str(""), "name_en": str("")}))},
		h.channels)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/payments/orders", ID: "listPaymentOrders", Tag: tag, Auth: true,
		Summary: "Fee orders, newest first: a payer's own (a resident's, or an agent's enterprise's), an official's organisation's, " +
			"every organisation's for the digital office's administrators",
		Params: []param{
			{Name: "status", In: "query", Schema: map[string]any{"type": "string", "enum": paymentStatuses()}},
			{Name: "org", In: "query", Description: "organisation code (officials)", Schema: str("")},
			{Name: "notice_number", In: "query", Description: "find one order by its payment notice number", Schema: str("")},
			{Name: "reference_kind", In: "query", Description: "with reference_id: the orders of one case", Schema: str("")},
			{Name: "reference_id", In: "query", Schema: str("")},
			{Name: "limit", In: "query", Description: "1–500; 50 when omitted", Schema: map[string]any{"type": "integer", "minimum": 1, "maximum": maxPaymentsList}},
			{Name: "offset", In: "query", Schema: map[string]any{"type": "integer", "minimum": 0}},
		},
		Response: arr(ref("PaymentOrder"))}, h.list)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/payments/orders/{id}", ID: "getPaymentOrder", Tag: tag, Auth: true,
		Summary: "One fee order with its lines and refunds (its payer, the payee's officials)", Params: []param{orderID},
		Response: ref("PaymentOrder")}, h.get)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/payments/orders/{id}/payments", ID: "startPayment", Tag: tag, Auth: true,
		Status:  http.StatusCreated,
		Summary: "Start paying an order (its payer): opens a payment at the channel and answers with the cashier to send the payer to. The order is paid when the channel's callback says so",
		Params:  []param{orderID}, Body: obj(map[string]any{"channel": str("a channel's name from /api/v1/payments/channels")}, "channel"),
		Response: obj(map[string]any{"pay_url": str("the channel's cashier"), "order": ref("PaymentOrder")})}, h.start)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/payments/orders/{id}/check", ID: "checkPaymentOrder", Tag: tag, Auth: true,
		Summary: "Ask the channels about the order's open payments now (a payer back from the cashier before the callback came); no body",
		Params:  []param{orderID}, Response: ref("PaymentOrder")}, h.check)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/payments/orders/{id}/close", ID: "closePaymentOrder", Tag: tag, Auth: true,
		Summary: "Close an unpaid order: the fee is no longer due (the payee's approvers)", Params: []param{orderID},
		Body: obj(map[string]any{"reason": str("2–200 characters")}, "reason"), Response: ref("PaymentOrder")}, h.close)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/payments/orders/{id}/refunds", ID: "listPaymentRefunds", Tag: tag, Auth: true,
		Summary: "The refunds of an order (its payer, the payee's officials)", Params: []param{orderID},
		Response: arr(ref("PaymentRefund"))}, h.refunds)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/payments/orders/{id}/refunds", ID: "refundPaymentOrder", Tag: tag, Auth: true,
		Status:   http.StatusCreated,
		Summary:  "Refund all or part of what an order received (the payee's approvers), through the channel; final when its callback arrives (payment.refunded)",
		Params:   []param{orderID},
		Body:     obj(map[string]any{"amount_fen": integer("in fen, at most what is left"), "reason": str("2–200 characters")}, "amount_fen", "reason"),
		Response: ref("PaymentRefund")}, h.refund)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/payments/callbacks/{channel}", ID: "paymentCallback", Tag: tag,
		Summary: "A payment channel's asynchronous notification. No login: the channel's signature (for the sandbox acquirer, the " +
			"Acquirer-Signature header, Ed25519 over the timestamp and the body) is verified first; a forged one is refused (401) and " +
			"recorded. A notification already received is acknowledged again and changes nothing",
		Params:   []param{{Name: "channel", In: "path", Required: true, Description: "the channel's name", Schema: str("")}},
		RawBody:  "application/json",
		Response: obj(map[string]any{"code": str("SUCCESS: received; the channel stops sending it")})},
		h.callback, httpserver.RateLimit(httpserver.ClassPublic), httpserver.OwnAuthentication(), httpserver.MaxBody(payments.MaxCallbackBody))
	a.route(srv, operation{Method: "GET", Path: "/api/v1/payments/reconciliations", ID: "listReconciliations", Tag: tag, Auth: true,
		Summary: "Reconciliation reports, newest first (administrators: the digital office's all, an organisation's its own)",
		Params: []param{{Name: "limit", In: "query", Description: "1–500; 50 when omitted",
			Schema: map[string]any{"type": "integer", "minimum": 1, "maximum": maxPaymentsList}}},
		Response: arr(ref("ReconciliationReport"))}, h.reports)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/payments/reconciliations", ID: "reconcile", Tag: tag, Auth: true,
		Status: http.StatusCreated,
		Summary: "Reconcile a channel's signed statement for a day against the platform's records and store the report with every " +
			"difference (administrators)",
		Body:     obj(map[string]any{"channel": str(""), "day": str("YYYY-MM-DD, China time; today or earlier")}, "channel", "day"),
		Response: ref("ReconciliationReport")}, h.reconcile)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/payments/reconciliations/{id}", ID: "getReconciliation", Tag: tag, Auth: true,
		Summary:  "One reconciliation report with its differences",
		Params:   []param{{Name: "id", In: "path", Required: true, Description: "rec_…", Schema: str("")}},
		Response: ref("ReconciliationReport")}, h.report)
}

// orderView is an order as the API shows it.
type orderView struct {
	payments.Order
	Refunds []payments.Refund `json:"refunds,omitempty"`
	PayPage string            `json:"pay_page"`
}

func viewOrder(o payments.Order) orderView {
	if o.Lines == nil {
		o.Lines = []payments.Line{}
	}
	return orderView{Order: o, PayPage: payments.OrderPath(o.ID)}
}

func (h paymentsAPI) channels(w http.ResponseWriter, r *http.Request) error {
	if _, err := authenticated(r); err != nil {
		return err
	}
	type channel struct {
		Name     string `json:"name"`
		NameHans string `json:"name_hans"`
		NameHant string `json:"name_hant"`
		NameEn   string `json:"name_en"`
	}
	out := []channel{}
	for _, c := range h.pay.Channels() {
		out = append(out, channel{c.Name, c.Info.NameHans, c.Info.NameHant, c.Info.NameEn})
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h paymentsAPI) list(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if n := q.Get("notice_number"); n != "" {
		o, err := h.pay.FindByNotice(r.Context(), p, n)
		if errs.Is(err, errs.NotFound) {
			return writeJSON(w, http.StatusOK, []orderView{})
		}
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, []orderView{viewOrder(o)})
	}
	f := payments.Filter{Org: q.Get("org"), Status: payments.Status(q.Get("status")), ReferenceKind: q.Get("reference_kind"),
		ReferenceID: q.Get("reference_id")}
	if f.Status != "" && !validStatus(f.Status) {
		return errs.Field("status", "payments.error.status_filter", strings.Join(paymentStatuses(), ", "))
	}
	if (f.ReferenceKind == "") != (f.ReferenceID == "") {
		return errs.Field("reference_id", "payments.error.reference_pair")
	}
	limit, err := queryLimit(r, 50, maxPaymentsList)
	if err != nil {
		return err
	}
	offset, _, err := queryInt(r, "offset", 0)
	if err != nil {
		return err
	}
	f.Limit, f.Offset = limit, int(min(offset, 1<<30))
	list, err := h.pay.List(r.Context(), p, f)
	if err != nil {
		return err
	}
	out := make([]orderView, 0, len(list))
	for _, o := range list {
		out = append(out, viewOrder(o))
	}
	return writeJSON(w, http.StatusOK, out)
}

func validStatus(s payments.Status) bool {
	for _, x := range payments.Statuses {
		if s == x {
			return true
		}
	}
	return false
}

// detail answers with order id as p sees it, with its refunds.
func (h paymentsAPI) detail(w http.ResponseWriter, r *http.Request, status int) error {
	p := principal.From(r.Context())
	o, err := h.pay.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	v := viewOrder(o)
	if v.Refunds, err = h.pay.Refunds(r.Context(), p, o.ID); err != nil {
		return err
	}
	return writeJSON(w, status, v)
}

func (h paymentsAPI) get(w http.ResponseWriter, r *http.Request) error {
	if _, err := authenticated(r); err != nil {
		return err
	}
	return h.detail(w, r, http.StatusOK)
}

func (h paymentsAPI) start(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	var body struct {
		Channel string `json:"channel"`
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	payURL, err := h.pay.StartPayment(r.Context(), p, r.PathValue("id"), body.Channel)
	if err != nil {
		return err
	}
	o, err := h.pay.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"pay_url": payURL, "order": viewOrder(o)})
}

func (h paymentsAPI) check(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	if err := decodeOptional(r, &struct{}{}); err != nil {
		return err
	}
	if _, err := h.pay.Sync(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	return h.detail(w, r, http.StatusOK)
}

func (h paymentsAPI) close(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	var body struct {
		Reason string `json:"reason"`
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	if _, err := h.pay.Close(r.Context(), p, r.PathValue("id"), body.Reason); err != nil {
		return err
	}
	return h.detail(w, r, http.StatusOK)
}

func (h paymentsAPI) refunds(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	list, err := h.pay.Refunds(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	if list == nil {
		list = []payments.Refund{}
	}
	return writeJSON(w, http.StatusOK, list)
}

func (h paymentsAPI) refund(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	var body struct {
		AmountFen *int64 `json:"amount_fen"`
		Reason    string `json:"reason"`
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	if body.AmountFen == nil {
		return errs.Field("amount_fen", "payments.error.amount_required")
	}
	rf, err := h.pay.Refund(r.Context(), p, r.PathValue("id"), *body.AmountFen, body.Reason)
	if err != nil {
		if pe := errs.Public(err); pe.Field == "amount" {
			pe.Field = "amount_fen"
		}
		return err
	}
	w.Header().Set("Location", "/api/v1/payments/orders/"+rf.OrderID+"/refunds")
	return writeJSON(w, http.StatusCreated, rf)
}

// callback hands a channel's notification to the payment service with its headers (one value
// each, canonical names) and acknowledges it, or refuses it with the service's error.
func (h paymentsAPI) callback(w http.ResponseWriter, r *http.Request) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errs.Wrapf(errs.TooLarge, err, "error.too_large")
		}
		return errs.Wrapf(errs.Invalid, err, "error.invalid")
	}
	headers := make(map[string]string, len(r.Header))
	for k, v := range r.Header {
		if len(v) > 0 {
			headers[k] = v[0]
		}
	}
	if err := h.pay.HandleCallback(r.Context(), r.PathValue("channel"), body, headers); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]string{"code": "SUCCESS"})
}

func (h paymentsAPI) reports(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	limit, err := queryLimit(r, 50, maxPaymentsList)
	if err != nil {
		return err
	}
	list, err := h.pay.Reports(r.Context(), p, limit)
	if err != nil {
		return err
	}
	if list == nil {
		list = []payments.Report{}
	}
	for i := range list {
		list[i].Differences = []payments.Difference{}
	}
	return writeJSON(w, http.StatusOK, list)
}

func (h paymentsAPI) reconcile(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	var body struct {
		Channel string `json:"channel"`
		Day     string `json:"day"`
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	day, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(body.Day), clock.China)
	if err != nil {
		return errs.Field("day", "api.error.bad_date", body.Day)
	}
	rep, err := h.pay.Reconcile(r.Context(), p, body.Channel, day)
	if err != nil {
		return err
	}
	if rep.Differences == nil {
		rep.Differences = []payments.Difference{}
	}
	w.Header().Set("Location", "/api/v1/payments/reconciliations/"+rep.ID)
	return writeJSON(w, http.StatusCreated, rep)
}

func (h paymentsAPI) report(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	rep, err := h.pay.GetReport(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	if rep.Differences == nil {
		rep.Differences = []payments.Difference{}
	}
	return writeJSON(w, http.StatusOK, rep)
}
