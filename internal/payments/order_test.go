package payments_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/payments"
	"github.com/yiwang-platform/yiwang/internal/payments/paymentstest"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

func as(p principal.Principal) context.Context { return principal.With(context.Background(), p) }

func fee(name string, fen int64) payments.Line {
	return payments.Line{Name: name, AmountFen: fen, LegalBasis: "《行政事业性收费目录清单》"}
}

// TestOpenOrderValidation: bad requests name the field at fault and store nothing.
func TestOpenOrderValidation(t *testing.T) {
	t.Parallel()
	paymentstest.Each(t, func(t *testing.T, e *paymentstest.Env) {
		good := payments.OrderRequest{ReferenceKind: "case", ReferenceID: "case_1", ReferenceNumber: "FJ2026030200001", Org: paymentstest.Org,
			Payer: e.Payer.AccountID, Lines: []payments.Line{fee("工本费", 1000)}}
		many := make([]payments.Line, payments.MaxLines+1)
		for i := range many {
			many[i] = fee("工本费", 1)
		}
		for _, tc := range []struct {
			name  string
			edit  func(r *payments.OrderRequest)
			field string
		}{
			{"no reference kind", func(r *payments.OrderRequest) { r.ReferenceKind = "" }, "reference_kind"},
			{"reference kind with capitals", func(r *payments.OrderRequest) { r.ReferenceKind = "Case" }, "reference_kind"},
			{"no reference", func(r *payments.OrderRequest) { r.ReferenceID = " " }, "reference_id"},
			{"reference with a newline", func(r *payments.OrderRequest) { r.ReferenceID = "a\nb" }, "reference_id"},
			{"unknown organisation", func(r *payments.OrderRequest) { r.Org = "fj-nowhere" }, "org"},
			{"no payer", func(r *payments.OrderRequest) { r.Payer = 0 }, "payer"},
			{"unknown payer", func(r *payments.OrderRequest) { r.Payer = 999999 }, "payer"},
			{"bad credit code", func(r *payments.OrderRequest) { r.PayerActingFor = "91350100MA2Y7K3L0X" }, "payer_acting_for"},
			{"no lines", func(r *payments.OrderRequest) { r.Lines = nil }, "lines"},
			{"too many lines", func(r *payments.OrderRequest) { r.Lines = many }, "lines"},
			{"zero amount", func(r *payments.OrderRequest) { r.Lines = []payments.Line{fee("工本费", 0)} }, "lines"},
			{"negative amount", func(r *payments.OrderRequest) { r.Lines = []payments.Line{fee("工本费", -100)} }, "lines"},
			{"total too large", func(r *payments.OrderRequest) {
				r.Lines = []payments.Line{fee("a", payments.MaxAmountFen), fee("b", 1)}
			}, "lines"},
			{"no legal basis", func(r *payments.OrderRequest) { r.Lines = []payments.Line{{Name: "工本费", AmountFen: 100}} }, "lines"},
			{"name too long", func(r *payments.OrderRequest) { r.Lines = []payments.Line{fee(strings.Repeat("费", 101), 100)} }, "lines"},
		} {
			r := good
			tc.edit(&r)
			_, err := e.Payments.OpenOrder(e.Ctx, principal.SystemPrincipal, r)
			if errs.KindOf(err) != errs.Invalid || errs.Public(err).Field != tc.field {
				t.Errorf("%s: %v, want invalid on %s", tc.name, err, tc.field)
			}
		}
		var n int
		if err := e.DB.Get(e.Ctx, &n, `SELECT COUNT(*) FROM payment_orders`); err != nil || n != 0 {
			t.Fatalf("%d orders stored, %v", n, err)
		}
		// Who may open an order outside a case: the payee's window officers and approvers.
		for _, tc := range []struct {
			p    principal.Principal
			want errs.Kind
		}{
			{e.Window, ""}, {e.Approver, ""}, {e.Admin, errs.Forbidden}, {e.OtherApprover, errs.Forbidden}, {e.Payer, errs.Forbidden},
		} {
			if _, err := e.Payments.OpenOrder(as(tc.p), tc.p, good); errs.KindOf(err) != tc.want {
				t.Errorf("OpenOrder as %s: %v", tc.p.Login, err)
			}
		}
		// Lines are kept in order with their legal basis; names are trimmed.
		r := good
		r.Lines = []payments.Line{fee(" 工本费 ", 1000), fee("邮寄费", 2350)}
		var o payments.Order
		if err := e.DB.Transact(e.Ctx, func(tx *store.Tx) error {
			var err error
			o, err = e.Payments.OpenOrderTx(e.Ctx, tx, r)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		got := e.Get(o.ID)
		if diff := cmp.Diff([]payments.Line{fee("工本费", 1000), fee("邮寄费", 2350)}, got.Lines); diff != "" {
			t.Errorf("lines (-want +got):\n%s", diff)
		}
		if got.TotalFen != 3350 || !got.ExpiresAt.Equal(got.CreatedAt.Add(payments.DefaultOrderTTL)) {
			t.Errorf("order %+v", got)
		}
	})
}

// allowed is an expected outcome: "" for success, else the error kind.
type allowed = errs.Kind

// TestWhoMayDoWhat is the role × action table: who sees an order, pays it, refunds and closes
// it, sees its callbacks, and reconciles.
func TestWhoMayDoWhat(t *testing.T) {
	t.Parallel()
	paymentstest.Each(t, func(t *testing.T, e *paymentstest.Env) {
		anon := principal.Principal{Kind: principal.Anonymous}
		otherAgent := e.Agent
		otherAgent.ActingFor = "91350100MA2YQ7X21T"
		officeApprover := e.Office
		officeApprover.Roles = []string{principal.RoleApprover}
		people := []struct {
			name string
			p    principal.Principal
		}{
			{"payer", e.Payer}, {"another resident", e.Payer2}, {"agent of the enterprise", e.Agent},
			{"agent of another enterprise", otherAgent}, {"window officer", e.Window}, {"approver", e.Approver},
			{"administrator", e.Admin}, {"approver elsewhere", e.OtherApprover}, {"digital office administrator", e.Office},
			{"digital office approver", officeApprover}, {"anonymous", anon},
		}
		// Expected outcome per person for: see the resident's order, see the enterprise's order,
		// pay the resident's, refund it (once paid), close an unpaid one, see its callbacks,
		// reconcile.
		want := map[string][7]allowed{
			"payer":                        {"", errs.NotFound, "", errs.Forbidden, errs.Forbidden, errs.Forbidden, errs.Forbidden},
			"another resident":             {errs.NotFound, errs.NotFound, errs.NotFound, errs.NotFound, errs.NotFound, errs.NotFound, errs.Forbidden},
			"agent of the enterprise":      {errs.NotFound, "", errs.NotFound, errs.NotFound, errs.NotFound, errs.NotFound, errs.Forbidden},
			"agent of another enterprise":  {errs.NotFound, errs.NotFound, errs.NotFound, errs.NotFound, errs.NotFound, errs.NotFound, errs.Forbidden},
			"window officer":               {"", "", errs.Forbidden, errs.Forbidden, errs.Forbidden, "", errs.Forbidden},
			"approver":                     {"", "", errs.Forbidden, "", "", "", errs.Forbidden},
			"administrator":                {"", "", errs.Forbidden, errs.Forbidden, errs.Forbidden, "", ""},
			"approver elsewhere":           {errs.NotFound, errs.NotFound, errs.NotFound, errs.NotFound, errs.NotFound, errs.NotFound, errs.Forbidden},
			"digital office administrator": {"", "", errs.Forbidden, errs.Forbidden, errs.Forbidden, "", ""},
			"digital office approver":      {errs.NotFound, errs.NotFound, errs.NotFound, errs.NotFound, errs.NotFound, errs.NotFound, errs.Forbidden},
			"anonymous":                    {errs.NotFound, errs.NotFound, errs.NotFound, errs.NotFound, errs.NotFound, errs.NotFound, errs.Forbidden},
		}
		resident := e.Order(e.Payer)
		firm := e.Order(e.Agent)
		paid := e.Order(e.Payer)
		e.PayAt(e.Start(e.Payer, paid.ID), "alipay")
		e.Tick()
		for _, who := range people {
			t.Run(who.name, func(t *testing.T) {
				ctx, p := as(who.p), who.p
				var got [7]allowed
				_, err := e.Payments.Get(ctx, p, resident.ID)
				got[0] = errs.KindOf(err)
				_, err = e.Payments.Get(ctx, p, firm.ID)
				got[1] = errs.KindOf(err)
				fresh := e.Order(e.Payer)
				_, err = e.Payments.StartPayment(ctx, p, fresh.ID, "sandbox")
				got[2] = errs.KindOf(err)
				_, err = e.Payments.Refund(ctx, p, paid.ID, 1, "退回一分钱")
				got[3] = errs.KindOf(err)
				_, err = e.Payments.Close(ctx, p, fresh.ID, "不再收费")
				got[4] = errs.KindOf(err)
				_, err = e.Payments.Callbacks(ctx, p, paid.ID)
				got[5] = errs.KindOf(err)
				_, err = e.Payments.Reports(ctx, p, 10)
				got[6] = errs.KindOf(err)
				if diff := cmp.Diff(want[who.name], got); diff != "" {
					t.Errorf("get, get enterprise's, pay, refund, close, callbacks, reconcile (-want +got):\n%s", diff)
				}
			})
		}
		// Lists: each sees only what is theirs.
		for _, tc := range []struct {
			p    principal.Principal
			want int
		}{
			{e.Payer, 1 + 1 + len(people)}, {e.Payer2, 0}, {e.Agent, 1}, {otherAgent, 0}, {e.Window, 3 + len(people)},
			{e.OtherApprover, 0}, {e.Office, 3 + len(people)},
		} {
			list, err := e.Payments.List(as(tc.p), tc.p, payments.Filter{Limit: 500})
			if err != nil || len(list) != tc.want {
				t.Errorf("List as %s: %d orders, %v; want %d", tc.p.Login, len(list), err, tc.want)
			}
		}
		if _, err := e.Payments.List(as(anon), anon, payments.Filter{}); errs.KindOf(err) != errs.Unauthenticated {
			t.Errorf("List anonymous: %v", err)
		}
		// Finding by notice number checks the number, then who asks.
		if o, err := e.Payments.FindByNotice(as(e.Payer), e.Payer, payments.GroupNotice(resident.NoticeNumber)); err != nil || o.ID != resident.ID {
			t.Errorf("FindByNotice as the payer: %v", err)
		}
		if _, err := e.Payments.FindByNotice(as(e.Payer2), e.Payer2, resident.NoticeNumber); errs.KindOf(err) != errs.NotFound {
			t.Errorf("FindByNotice as another: %v", err)
		}
	})
}

// TestExpiry: an order nobody paid in time expires and can no longer be paid.
func TestExpiry(t *testing.T) {
	t.Parallel()
	paymentstest.Each(t, func(t *testing.T, e *paymentstest.Env) {
		unpaid := e.Order(e.Payer)
		paying := e.Order(e.Payer2)
		e.Start(e.Payer2, paying.ID)
		paid := e.Order(e.Agent)
		e.PayAt(e.Start(e.Agent, paid.ID), "alipay")
		e.Tick()
		e.Clock.Advance(payments.DefaultOrderTTL - time.Minute)
		if n, err := e.Payments.ExpireDue(e.Ctx); err != nil || n != 0 {
			t.Fatalf("ExpireDue before the time: %d %v", n, err)
		}
		e.Clock.Advance(2 * time.Minute)
		if _, err := e.Payments.StartPayment(as(e.Payer), e.Payer, unpaid.ID, "sandbox"); errs.Public(err).Message != "payments.error.expired" {
			t.Errorf("paying an order past its time: %v", err)
		}
		if got := e.Get(unpaid.ID).Status; got != payments.Expired {
			t.Errorf("the order refused for being late is %s", got)
		}
		// A paying order waits for its last cashier to close too.
		if n, err := e.Payments.ExpireDue(e.Ctx); err != nil || n != 0 {
			t.Fatalf("ExpireDue with a cashier open: %d %v", n, err)
		}
		e.Clock.Advance(payments.DefaultAttemptTTL)
		if n, err := e.Payments.ExpireDue(e.Ctx); err != nil || n != 1 {
			t.Fatalf("ExpireDue: %d %v", n, err)
		}
		if got := e.Get(paying.ID).Status; got != payments.Expired {
			t.Errorf("paying order: %s", got)
		}
		if got := e.Get(paid.ID).Status; got != payments.Paid {
			t.Errorf("paid order: %s", got)
		}
		evs, err := audit.List(e.Ctx, e.DB, audit.Filter{ObjectType: "payment_order", ObjectID: paying.ID})
		if err != nil || len(evs) == 0 || evs[0].Action != "payment.order_expire" {
			t.Errorf("audit of the expiry %+v %v", evs, err)
		}
	})
}
