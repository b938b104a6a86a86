// Package payments is the unified payment entry (統一支付): fee orders, payment channels behind
// one interface with a sandbox acquirer, signed asynchronous callbacks handled idempotently,
// refunds and the daily reconciliation.
package payments

// Service is replaced by the package's real service (this file is a placeholder so that the
// adapters compile while the package is being written).
type Service struct{}
