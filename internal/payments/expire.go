package payments

import (
	"context"
	"log/slog"
	"time"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// expireTx marks a payable order whose time ran out as expired.
func (s *Service) expireTx(ctx context.Context, tx *store.Tx, o Order) error {
	before := o
	o.Status, o.UpdatedAt = Expired, tx.Now
	if _, err := tx.Exec(ctx, `UPDATE payment_orders SET status = 'expired', updated_at = ? WHERE id = ? AND status IN ('unpaid', 'paying')`,
		tx.Now, o.ID); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Change{Action: "payment.order_expire", ObjectType: "payment_order", ObjectID: o.ID,
		Before: before, After: o, Detail: map[string]any{"org": o.Org}})
}

// expireBatch bounds the orders one ExpireDue transaction expires.
const expireBatch = 200

// ExpireDue expires the orders whose time to pay ran out: unpaid ones at once, paying ones
// once their last cashier has closed too (a payment made there still counts). It returns how
// many it expired.
func (s *Service) ExpireDue(ctx context.Context) (n int, err error) {
	defer errs.Wrap(&err, "payments.ExpireDue")
	ctx = principal.With(ctx, principal.SystemPrincipal)
	for {
		var batch int
		err := s.db.Transact(ctx, func(tx *store.Tx) error {
			var due []Order
			if err := tx.Select(ctx, &due, `SELECT `+orderColumns+` FROM payment_orders
				WHERE (status = 'unpaid' AND expires_at <= ?) OR (status = 'paying' AND expires_at <= ?)
				ORDER BY expires_at LIMIT ?`, tx.Now, tx.Now.Add(-s.opt.AttemptTTL), expireBatch); err != nil {
				return err
			}
			batch = len(due)
			for _, o := range due {
				if err := s.expireTx(ctx, tx, o); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return n, err
		}
		n += batch
		if batch < expireBatch {
			return n, nil
		}
	}
}

// Run expires due orders every interval until ctx ends.
func (s *Service) Run(ctx context.Context, interval time.Duration, logger *slog.Logger) {
	if logger == nil {
		logger = slog.Default()
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.ExpireDue(ctx); err != nil && ctx.Err() == nil {
			logger.Error("payments: expiring orders", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
