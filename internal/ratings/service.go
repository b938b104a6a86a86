// Package ratings is the service-rating system (好差評): one rating per completed case and per
// window visit, rectification of bad ratings by a deadline, appeals, and published totals.
package ratings

// Service is replaced by the package's real service (this file is a placeholder so that the
// adapters compile while the package is being written).
type Service struct{}
