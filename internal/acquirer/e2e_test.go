package acquirer_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/acquirer"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/payments"
	"github.com/yiwang-platform/yiwang/internal/payments/paymentstest"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

func as(p principal.Principal) context.Context { return principal.With(context.Background(), p) }

// TestPayCallbackPaid: the payer pays at the cashier, the acquirer's signed notification
// arrives, and the order is paid — once, announced once, the payer told once.
func TestPayCallbackPaid(t *testing.T) {
	t.Parallel()
	paymentstest.Each(t, func(t *testing.T, e *paymentstest.Env) {
		o := e.Order(e.Payer)
		if !payments.ValidNoticeNumber(o.NoticeNumber) || o.TotalFen != 15000 || o.Status != payments.Unpaid {
			t.Fatalf("opened order %+v", o)
		}
		cashier := e.Start(e.Payer, o.ID)
		if !strings.HasPrefix(cashier, e.TS.URL+acquirer.BasePath+"/cashier/SBX") {
			t.Fatalf("cashier %q", cashier)
		}
		// Pressing "pay" again returns the same cashier.
		if again := e.Start(e.Payer, o.ID); again != cashier {
			t.Errorf("second start: %q, want %q", again, cashier)
		}
		if got := e.Get(o.ID).Status; got != payments.Paying {
			t.Errorf("after start: %s", got)
		}
		back := e.PayAt(cashier, "wechat")
		if back != e.TS.URL+"/pay/"+o.ID {
			t.Errorf("cashier sends the payer to %q", back)
		}
		if got := e.Get(o.ID).Status; got != payments.Paying {
			t.Errorf("before the notification: %s", got)
		}
		e.Tick()
		got := e.Get(o.ID)
		if got.Status != payments.Paid || got.ReceivedFen != 15000 || got.Method != "wechat" || got.PaidAt == nil ||
			!strings.HasPrefix(got.ChannelTxn, "SBX") || got.Channel != "sandbox" {
			t.Fatalf("after the notification: %+v", got)
		}
		evs := e.Events()
		if len(evs) != 1 || evs[0].Topic != payments.TopicPaid {
			t.Fatalf("events %v", evs)
		}
		want := map[string]any{"order_id": o.ID, "reference_kind": "case", "reference_id": "case_" + e.Payer.Login,
			"amount_fen": float64(15000), "org": paymentstest.Org, "notice_number": o.NoticeNumber}
		if diff := cmp.Diff(want, evs[0].Payload); diff != "" {
			t.Errorf("payment.paid payload mismatch (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"payments.notify.opened", "payments.notify.paid"}, e.Inbox.Keys()); diff != "" {
			t.Errorf("messages to the payer (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{payments.OutcomeAccepted}, e.Callbacks()); diff != "" {
			t.Errorf("callbacks (-want +got):\n%s", diff)
		}
		// The acquirer marked its notification delivered and delivers nothing more.
		ns, err := e.Acquirer.Notifications(e.Ctx, e.AttemptRef(o.ID))
		if err != nil || len(ns) != 1 || ns[0].Status != "delivered" || ns[0].Attempts != 1 {
			t.Errorf("acquirer's notifications %+v %v", ns, err)
		}
		e.Tick()
		if n := len(e.Callbacks()); n != 1 {
			t.Errorf("%d callbacks after a second tick", n)
		}
		// The paid order can be paid no more.
		if _, err := e.Payments.StartPayment(as(e.Payer), e.Payer, o.ID, "sandbox"); errs.KindOf(err) != errs.Conflict {
			t.Errorf("starting a paid order: %v", err)
		}
	})
}

// TestRetriesUntilAcknowledged: a notification the platform does not acknowledge is sent
// again after a backoff, and given up after the last attempt.
func TestRetriesUntilAcknowledged(t *testing.T) {
	t.Parallel()
	paymentstest.Each(t, func(t *testing.T, e *paymentstest.Env) {
		o := e.Order(e.Payer)
		e.PayAt(e.Start(e.Payer, o.ID), "alipay")
		e.FailCallbacks.Store(2)
		e.Tick()
		ref := e.AttemptRef(o.ID)
		ns, _ := e.Acquirer.Notifications(e.Ctx, ref)
		if len(ns) != 1 || ns[0].Status != "pending" || ns[0].Attempts != 1 {
			t.Fatalf("after a refusal: %+v", ns)
		}
		e.Tick() // not yet due
		if ns, _ = e.Acquirer.Notifications(e.Ctx, ref); ns[0].Attempts != 1 {
			t.Fatalf("retried before its backoff: %+v", ns)
		}
		e.Clock.Advance(time.Second)
		e.Tick()
		e.Clock.Advance(2 * time.Second)
		e.Tick()
		ns, _ = e.Acquirer.Notifications(e.Ctx, ref)
		if ns[0].Status != "delivered" || ns[0].Attempts != 3 {
			t.Fatalf("after three attempts: %+v", ns)
		}
		if got := e.Get(o.ID).Status; got != payments.Paid {
			t.Errorf("order %s", got)
		}

		// One the platform never acknowledges is given up after MaxAttempts (4 here).
		o2 := e.Order(e.Payer2)
		e.PayAt(e.Start(e.Payer2, o2.ID), "alipay")
		e.FailCallbacks.Store(100)
		for range 6 {
			e.Tick()
			e.Clock.Advance(time.Minute)
		}
		ns, _ = e.Acquirer.Notifications(e.Ctx, e.AttemptRef(o2.ID))
		if ns[0].Status != "failed" || ns[0].Attempts != 4 {
			t.Errorf("never acknowledged: %+v", ns)
		}
		e.FailCallbacks.Store(0)
	})
}

// postCallback sends body with header to the platform's callback endpoint.
func postCallback(e *paymentstest.Env, channel string, body []byte, header string) *http.Response {
	e.T.Helper()
	req, _ := http.NewRequest("POST", e.TS.URL+"/api/v1/payments/callbacks/"+channel, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if header != "" {
		req.Header.Set(acquirer.SignatureHeader, header)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.T.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// forgedSignature signs body with a key that is not the acquirer's, naming the acquirer's key id.
func forgedSignature(kid string, t time.Time, body []byte) string {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	msg := append([]byte(strconv.FormatInt(t.Unix(), 10)+"."), body...)
	return acquirer.FormatSignature(t, kid, ed25519.Sign(key, msg))
}

// TestForgedCallbacksRefused: a callback not signed by the acquirer's key — another key, a
// changed body, an old signature, none at all, an unknown channel — changes nothing, is
// refused, and is recorded without its body.
func TestForgedCallbacksRefused(t *testing.T) {
	t.Parallel()
	paymentstest.Each(t, func(t *testing.T, e *paymentstest.Env) {
		o := e.Order(e.Payer)
		e.Start(e.Payer, o.ID)
		attempts, err := e.Payments.Attempts(e.Ctx, principal.SystemPrincipal, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := json.Marshal(acquirer.Notification{NotifyID: "ntf_forged", NotifyType: "payment", MerchantID: "yiwang-fj",
			OutTradeNo: attempts[0].ID, TransactionID: attempts[0].ChannelTxn, TradeStatus: "SUCCESS", AmountFen: 15000, Method: "alipay",
			EventTime: e.Clock.Now()})
		now := e.Clock.Now()
		good := e.Acquirer.Sign(now, body)
		changed := bytes.Replace(body, []byte(`"amount_fen":15000`), []byte(`"amount_fen":1500`), 1)
		for _, tc := range []struct {
			name, channel, header string
			body                  []byte
			status                int
		}{
			{"another key", "sandbox", forgedSignature(e.Acquirer.KeyID(), now, body), body, 401},
			{"body changed after signing", "sandbox", good, changed, 401},
			{"an old signature", "sandbox", e.Acquirer.Sign(now.Add(-time.Hour), body), body, 401},
			{"no signature", "sandbox", "", body, 401},
			{"a garbled header", "sandbox", "t=1,kid=x,alg=rsa,sig=AAAA", body, 401},
			{"an unknown channel", "paypal", good, body, 404},
			{"not JSON, well signed", "sandbox", e.Acquirer.Sign(now, []byte("hello")), []byte("hello"), 400},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if resp := postCallback(e, tc.channel, tc.body, tc.header); resp.StatusCode != tc.status {
					t.Errorf("status %d, want %d", resp.StatusCode, tc.status)
				}
			})
		}
		if got := e.Get(o.ID); got.Status != payments.Paying || got.ReceivedFen != 0 {
			t.Errorf("order after forged callbacks: %+v", got)
		}
		if evs := e.Events(); len(evs) != 0 {
			t.Errorf("events %v", evs)
		}
		var rows []struct {
			Outcome string `db:"outcome"`
			Body    string `db:"body"`
			Order   string `db:"order_id"`
			Reason  string `db:"reason"`
		}
		if err := e.DB.Select(e.Ctx, &rows, `SELECT outcome, body, order_id, reason FROM payment_callbacks ORDER BY id`); err != nil {
			t.Fatal(err)
		}
		if len(rows) != 7 {
			t.Fatalf("%d callbacks recorded, want 7", len(rows))
		}
		for _, r := range rows {
			if r.Outcome != payments.OutcomeRejected || r.Body != "" || r.Order != "" || r.Reason == "" {
				t.Errorf("recorded %+v", r)
			}
		}
		// The genuine one is accepted afterwards.
		if resp := postCallback(e, "sandbox", body, good); resp.StatusCode != 200 {
			t.Fatalf("genuine callback: %d", resp.StatusCode)
		}
		if got := e.Get(o.ID).Status; got != payments.Paid {
			t.Errorf("after the genuine callback: %s", got)
		}
	})
}

// TestDuplicateCallbackHarmless: a notification sent twice is applied once; the second is
// acknowledged and recorded as a duplicate.
func TestDuplicateCallbackHarmless(t *testing.T) {
	t.Parallel()
	paymentstest.Each(t, func(t *testing.T, e *paymentstest.Env) {
		o := e.Order(e.Payer)
		cashier := e.Start(e.Payer, o.ID)
		e.Acquirer.Misbehave(e.AttemptRef(o.ID), acquirer.Duplicate)
		e.PayAt(cashier, "unionpay")
		e.Tick()
		if diff := cmp.Diff([]string{payments.OutcomeAccepted, payments.OutcomeDuplicate}, e.Callbacks()); diff != "" {
			t.Errorf("callbacks (-want +got):\n%s", diff)
		}
		got := e.Get(o.ID)
		if got.Status != payments.Paid || got.ReceivedFen != 15000 {
			t.Errorf("order %+v", got)
		}
		if diff := cmp.Diff([]string{payments.TopicPaid}, e.Topics()); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
		ns, _ := e.Acquirer.Notifications(e.Ctx, e.AttemptRef(o.ID))
		if len(ns) != 2 || ns[0].NotifyID != ns[1].NotifyID || ns[1].Status != "delivered" {
			t.Errorf("acquirer's notifications %+v", ns)
		}
	})
}

// TestAmountMismatchFlagged: a notification that says another amount was paid makes the order
// an exception, never paid.
func TestAmountMismatchFlagged(t *testing.T) {
	t.Parallel()
	paymentstest.Each(t, func(t *testing.T, e *paymentstest.Env) {
		o := e.Order(e.Payer)
		cashier := e.Start(e.Payer, o.ID)
		e.Acquirer.Misbehave(e.AttemptRef(o.ID), acquirer.WrongAmount)
		e.PayAt(cashier, "alipay")
		e.Tick()
		got := e.Get(o.ID)
		if got.Status != payments.Exception || got.ExceptionReason != payments.ReasonAmountMismatch || got.PaidAt != nil ||
			got.ReceivedFen != 14900 {
			t.Fatalf("order %+v", got)
		}
		evs := e.Events()
		if len(evs) != 1 || evs[0].Topic != payments.TopicException || evs[0].Payload["reason"] != payments.ReasonAmountMismatch ||
			evs[0].Payload["order_id"] != o.ID || evs[0].Payload["amount_fen"] != float64(14900) {
			t.Fatalf("events %v", evs)
		}
		if diff := cmp.Diff([]string{payments.OutcomeException}, e.Callbacks()); diff != "" {
			t.Errorf("callbacks (-want +got):\n%s", diff)
		}
		if slices := e.Inbox.Keys(); len(slices) != 1 {
			t.Errorf("payer told %v", slices)
		}
		// The payer cannot pay it again; the approver refunds what came in, which resolves it.
		if _, err := e.Payments.StartPayment(as(e.Payer), e.Payer, o.ID, "sandbox"); errs.KindOf(err) != errs.Conflict {
			t.Errorf("paying an exception: %v", err)
		}
		if _, err := e.Payments.Refund(as(e.Approver), e.Approver, o.ID, 14900, "金额不符，全额退回"); err != nil {
			t.Fatal(err)
		}
		e.Tick()
		if got := e.Get(o.ID); got.Status != payments.Refunded || got.RefundedFen != 14900 {
			t.Errorf("after the refund: %+v", got)
		}
	})
}

// TestOutOfOrderCallbacks: notifications that arrive in another order than the events
// happened still end in the right state.
func TestOutOfOrderCallbacks(t *testing.T) {
	t.Parallel()
	paymentstest.Each(t, func(t *testing.T, e *paymentstest.Env) {
		t.Run("refund before payment", func(t *testing.T) {
			o := e.Order(e.Payer)
			cashier := e.Start(e.Payer, o.ID)
			ref := e.AttemptRef(o.ID)
			e.Acquirer.Misbehave(ref, acquirer.OutOfOrder)
			e.PayAt(cashier, "alipay")
			e.Tick() // the payment's notification is held back
			if got := e.Get(o.ID).Status; got != payments.Paying {
				t.Fatalf("while the notification is held: %s", got)
			}
			// The payer comes back and asks: the channel says paid.
			synced, err := e.Payments.Sync(as(e.Payer), e.Payer, o.ID)
			if err != nil || synced.Status != payments.Paid {
				t.Fatalf("Sync: %+v %v", synced, err)
			}
			if _, err := e.Payments.Refund(as(e.Approver), e.Approver, o.ID, 5000, "邮寄费退回：申请人改为窗口领取"); err != nil {
				t.Fatal(err)
			}
			e.Tick() // the refund's notification first, then the held payment's
			got := e.Get(o.ID)
			if got.Status != payments.PartiallyRefunded || got.ReceivedFen != 15000 || got.RefundedFen != 5000 {
				t.Fatalf("order %+v", got)
			}
			if diff := cmp.Diff([]string{payments.OutcomeAccepted, payments.OutcomeDuplicate}, e.Callbacks()); diff != "" {
				t.Errorf("callbacks (refund, then the late payment) (-want +got):\n%s", diff)
			}
			var kinds []string
			if err := e.DB.Select(e.Ctx, &kinds, `SELECT kind FROM payment_callbacks ORDER BY id`); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{payments.KindRefund, payments.KindPayment}, kinds); diff != "" {
				t.Errorf("callback kinds (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{payments.TopicPaid, payments.TopicRefunded}, e.Topics()); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
		t.Run("paid after closed", func(t *testing.T) {
			o := e.Order(e.Payer2)
			cashier := e.Start(e.Payer2, o.ID)
			if _, err := e.Payments.Close(as(e.Approver), e.Approver, o.ID, "申请已撤回，不再收费"); err != nil {
				t.Fatal(err)
			}
			e.PayAt(cashier, "wechat") // the payer still had the cashier open
			e.Tick()
			got := e.Get(o.ID)
			if got.Status != payments.Exception || got.ExceptionReason != payments.ReasonPaidAfterClose || got.ReceivedFen != 15000 {
				t.Fatalf("order %+v", got)
			}
			evs := e.Events()
			if last := evs[len(evs)-1]; last.Topic != payments.TopicException || last.Payload["reason"] != payments.ReasonPaidAfterClose {
				t.Errorf("last event %+v", last)
			}
			if _, err := e.Payments.Refund(as(e.Approver), e.Approver, o.ID, 15000, "订单已关闭，退回误缴款项"); err != nil {
				t.Fatal(err)
			}
			e.Tick()
			if got := e.Get(o.ID); got.Status != payments.Refunded {
				t.Errorf("after the refund: %s", got.Status)
			}
		})
		t.Run("closed after paid is stale", func(t *testing.T) {
			o := e.Order(e.Agent)
			cashier := e.Start(e.Agent, o.ID)
			e.PayAt(cashier, "alipay")
			e.Tick()
			// A "closed" for the paid payment, signed by the acquirer (as a confused acquirer
			// might send it) changes nothing.
			body, _ := json.Marshal(acquirer.Notification{NotifyID: "ntf_late_close", NotifyType: "payment", MerchantID: "yiwang-fj",
				OutTradeNo: e.AttemptRef(o.ID), TransactionID: e.Get(o.ID).ChannelTxn, TradeStatus: "CLOSED", AmountFen: 15000,
				EventTime: e.Clock.Now()})
			if resp := postCallback(e, "sandbox", body, e.Acquirer.Sign(e.Clock.Now(), body)); resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if got := e.Get(o.ID).Status; got != payments.Paid {
				t.Errorf("order %s", got)
			}
			cbs := e.Callbacks()
			if cbs[len(cbs)-1] != payments.OutcomeStale {
				t.Errorf("callbacks %v", cbs)
			}
		})
		t.Run("cancelled, then paid anew", func(t *testing.T) {
			o := e.Order(e.Payer)
			first := e.Start(e.Payer, o.ID)
			e.CancelAt(first)
			e.Tick()
			if got := e.Get(o.ID).Status; got != payments.Unpaid {
				t.Fatalf("after cancelling: %s", got)
			}
			second := e.Start(e.Payer, o.ID)
			if second == first {
				t.Fatal("a closed cashier was offered again")
			}
			e.PayAt(second, "unionpay")
			e.Tick()
			if got := e.Get(o.ID); got.Status != payments.Paid || got.ReceivedFen != 15000 {
				t.Errorf("order %+v", got)
			}
		})
	})
}

// TestRefunds: partial and full refunds through the channel, finalised by its callbacks, and
// the limits on them.
func TestRefunds(t *testing.T) {
	t.Parallel()
	paymentstest.Each(t, func(t *testing.T, e *paymentstest.Env) {
		o := e.Order(e.Payer)
		e.PayAt(e.Start(e.Payer, o.ID), "alipay")
		e.Tick()
		ctx := as(e.Approver)
		for _, tc := range []struct {
			name   string
			p      principal.Principal
			amount int64
			reason string
			want   errs.Kind
		}{
			{"another organisation's approver", e.OtherApprover, 100, "退款原因", errs.NotFound},
			{"a window officer", e.Window, 100, "退款原因", errs.Forbidden},
			{"the payer", e.Payer, 100, "退款原因", errs.Forbidden},
			{"too much", e.Approver, 15001, "退款原因", errs.Invalid},
			{"nothing", e.Approver, 0, "退款原因", errs.Invalid},
			{"no reason", e.Approver, 100, " ", errs.Invalid},
		} {
			if _, err := e.Payments.Refund(as(tc.p), tc.p, o.ID, tc.amount, tc.reason); errs.KindOf(err) != tc.want {
				t.Errorf("%s: %v, want %s", tc.name, err, tc.want)
			}
		}
		r, err := e.Payments.Refund(ctx, e.Approver, o.ID, 5000, "邮寄费退回")
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != payments.RefundProcessing || !strings.HasPrefix(r.ChannelRefundID, "SBR") || r.ID != "R"+o.NoticeNumber+"001" {
			t.Fatalf("refund %+v", r)
		}
		// While it is processed, only the rest can be refunded.
		if _, err := e.Payments.Refund(ctx, e.Approver, o.ID, 10001, "再退"); errs.KindOf(err) != errs.Invalid {
			t.Errorf("refunding more than is left: %v", err)
		}
		e.Tick()
		if got := e.Get(o.ID); got.Status != payments.PartiallyRefunded || got.RefundedFen != 5000 {
			t.Fatalf("after the first refund: %+v", got)
		}
		if _, err := e.Payments.Refund(ctx, e.Approver, o.ID, 10000, "申请不予受理，全额退回"); err != nil {
			t.Fatal(err)
		}
		e.Tick()
		if got := e.Get(o.ID); got.Status != payments.Refunded || got.RefundedFen != 15000 {
			t.Fatalf("after the second refund: %+v", got)
		}
		if _, err := e.Payments.Refund(ctx, e.Approver, o.ID, 1, "再退"); errs.KindOf(err) != errs.Conflict {
			t.Errorf("refunding a refunded order: %v", err)
		}
		refunds, err := e.Payments.Refunds(ctx, e.Approver, o.ID)
		if err != nil || len(refunds) != 2 || refunds[0].Status != payments.RefundSucceeded || refunds[1].RefundedFen != 10000 {
			t.Errorf("refunds %+v %v", refunds, err)
		}
		if diff := cmp.Diff([]string{payments.TopicPaid, payments.TopicRefunded, payments.TopicRefunded}, e.Topics()); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
		last := e.Events()[2].Payload
		if last["refunded_fen"] != float64(15000) || last["status"] != string(payments.Refunded) || last["refund_id"] != refunds[1].ID {
			t.Errorf("payment.refunded payload %v", last)
		}
		if diff := cmp.Diff([]string{"payments.notify.opened", "payments.notify.paid", "payments.notify.refunded",
			"payments.notify.refunded"}, e.Inbox.Keys()); diff != "" {
			t.Errorf("messages (-want +got):\n%s", diff)
		}
	})
}

// TestReconciliation: the day's statement against our records finds a dropped notification,
// an amount mismatch, a payment the platform never opened and one the channel does not have.
func TestReconciliation(t *testing.T) {
	t.Parallel()
	paymentstest.Each(t, func(t *testing.T, e *paymentstest.Env) {
		normal := e.Order(e.Payer)
		e.PayAt(e.Start(e.Payer, normal.ID), "alipay")
		e.Clock.Advance(time.Minute)
		dropped := e.Order(e.Payer2)
		c := e.Start(e.Payer2, dropped.ID)
		e.Acquirer.Misbehave(e.AttemptRef(dropped.ID), acquirer.Drop)
		e.PayAt(c, "wechat")
		e.Clock.Advance(time.Minute)
		wrong := e.Order(e.Agent)
		c = e.Start(e.Agent, wrong.ID)
		e.Acquirer.Misbehave(e.AttemptRef(wrong.ID), acquirer.WrongAmount)
		e.PayAt(c, "unionpay")
		e.Tick()
		if _, err := e.Payments.Refund(as(e.Approver), e.Approver, normal.ID, 5000, "邮寄费退回"); err != nil {
			t.Fatal(err)
		}
		e.Tick()
		e.Clock.Advance(time.Minute)
		// A payment nobody on the platform opened (made with the merchant's credentials).
		start, err := e.Client.CreatePayment(e.Ctx, payments.PaymentRequest{MerchantRef: "STRAY001", AmountFen: 800, Subject: "未知款项",
			ReturnPath: "/", ExpiresAt: e.Clock.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		e.PayAt(start.PayURL, "alipay")
		e.Tick()
		// A payment of another organisation's order that the channel never saw succeed: our
		// record says succeeded (as after a bug), the statement has nothing.
		ghost := e.Order(e.Payer)
		e.Start(e.Payer, ghost.ID)
		if err := e.DB.Transact(e.Ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(e.Ctx, `UPDATE payment_orders SET org_code = 'fj-public-security' WHERE id = ?`, ghost.ID)
			if err != nil {
				return err
			}
			_, err = tx.Exec(e.Ctx, `UPDATE payment_attempts SET status = 'succeeded', received_fen = amount_fen, succeeded_at = ?
				WHERE order_id = ?`, tx.Now, ghost.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}

		for _, p := range []principal.Principal{e.Approver, e.Payer, e.Window} {
			if _, err := e.Payments.Reconcile(as(p), p, "sandbox", e.Clock.Now()); errs.KindOf(err) != errs.Forbidden {
				t.Errorf("reconcile as %s: %v", p.Login, err)
			}
		}
		if _, err := e.Payments.Reconcile(as(e.Office), e.Office, "sandbox", e.Clock.Now().AddDate(0, 0, 1)); errs.KindOf(err) != errs.Invalid {
			t.Errorf("reconciling tomorrow: %v", err)
		}
		rep, err := e.Payments.Reconcile(as(e.Office), e.Office, "sandbox", e.Clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		type diff struct{ Kind, TxnKind, Order, Ref string }
		var got []diff
		for _, d := range rep.Differences {
			got = append(got, diff{d.Kind, d.TxnKind, d.OrderID, d.MerchantRef})
		}
		want := []diff{
			{payments.StatusDiffers, payments.KindPayment, dropped.ID, e.AttemptRef(dropped.ID)},
			{payments.AmountDiffers, payments.KindPayment, wrong.ID, e.AttemptRef(wrong.ID)},
			{payments.MissingOurs, payments.KindPayment, "", "STRAY001"},
			{payments.MissingTheirs, payments.KindPayment, ghost.ID, e.AttemptRef(ghost.ID)},
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("differences (-want +got):\n%s", d)
		}
		// The normal payment and its refund match.
		if rep.Matched != 2 || rep.StatementLines != 5 || rep.Mismatched != 4 || rep.Day != "2026-03-02" {
			t.Errorf("report %+v", rep)
		}
		if rep.TheirsPaidFen != 15000*3+800 || rep.OursPaidFen != 15000+14900+15000 || rep.TheirsRefundedFen != 5000 || rep.OursRefundedFen != 5000 {
			t.Errorf("totals ours %d/%d theirs %d/%d", rep.OursPaidFen, rep.OursRefundedFen, rep.TheirsPaidFen, rep.TheirsRefundedFen)
		}
		amounts := rep.Differences[1]
		if *amounts.OursFen != 14900 || *amounts.TheirsFen != 15000 {
			t.Errorf("amount difference %+v", amounts)
		}
		stored, err := e.Payments.GetReport(as(e.Office), e.Office, rep.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(rep, stored); d != "" {
			t.Errorf("stored report (-run +stored):\n%s", d)
		}

		// The market regulator's administrator reconciles its own orders only: the stray payment
		// and the public security's are not in its report.
		own, err := e.Payments.Reconcile(as(e.Admin), e.Admin, "sandbox", e.Clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if own.Org != paymentstest.Org || own.Mismatched != 2 || own.Matched != 2 {
			t.Errorf("the organisation's report %+v", own)
		}
		list, err := e.Payments.Reports(as(e.Admin), e.Admin, 10)
		if err != nil || len(list) != 1 || list[0].ID != own.ID {
			t.Errorf("the organisation's reports %+v %v", list, err)
		}
		if _, err := e.Payments.GetReport(as(e.Admin), e.Admin, rep.ID); errs.KindOf(err) != errs.NotFound {
			t.Errorf("the organisation reading the province's report: %v", err)
		}
		all, err := e.Payments.Reports(as(e.Office), e.Office, 10)
		if err != nil || len(all) != 2 {
			t.Errorf("the digital office's reports %d %v", len(all), err)
		}
		// Another day has nothing.
		prev, err := e.Payments.Reconcile(as(e.Office), e.Office, "sandbox", e.Clock.Now().AddDate(0, 0, -1))
		if err != nil || prev.StatementLines != 0 || prev.Mismatched != 0 {
			t.Errorf("yesterday %+v %v", prev, err)
		}
	})
}
