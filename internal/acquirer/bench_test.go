package acquirer_test

import (
	"encoding/json"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/acquirer"
	"github.com/yiwang-platform/yiwang/internal/payments"
	"github.com/yiwang-platform/yiwang/internal/payments/paymentstest"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// BenchmarkHandleCallback measures verified payment callbacks applied per second: signature
// check, idempotency check, the order paid, its event and audit records, the callback recorded.
func BenchmarkHandleCallback(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(string(d), func(b *testing.B) {
			e := paymentstest.New(b, d)
			type signed struct{ body, sig string }
			calls := make([]signed, b.N)
			for i := range calls {
				o := e.Order(e.Payer)
				e.Start(e.Payer, o.ID)
				attempts, err := e.Payments.Attempts(e.Ctx, principal.SystemPrincipal, o.ID)
				if err != nil {
					b.Fatal(err)
				}
				body, _ := json.Marshal(acquirer.Notification{NotifyID: "ntf_bench_" + attempts[0].ID, NotifyType: "payment",
					MerchantID: "yiwang-fj", OutTradeNo: attempts[0].ID, TransactionID: attempts[0].ChannelTxn, TradeStatus: "SUCCESS",
					AmountFen: o.TotalFen, Method: "alipay", EventTime: e.Clock.Now()})
				calls[i] = signed{string(body), e.Acquirer.Sign(e.Clock.Now(), body)}
			}
			b.ResetTimer()
			for _, c := range calls {
				if err := e.Payments.HandleCallback(e.Ctx, "sandbox", []byte(c.body), map[string]string{acquirer.SignatureHeader: c.sig}); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			var paid int
			if err := e.DB.Get(e.Ctx, &paid, `SELECT COUNT(*) FROM payment_orders WHERE status = ?`, string(payments.Paid)); err != nil || paid != b.N {
				b.Fatalf("%d paid of %d, %v", paid, b.N, err)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "callbacks/s")
		})
	}
}
