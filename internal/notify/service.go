// Package notify tells people about what happened to their affairs: every message lands in
// the person's inbox, and pluggable senders (SMS, email) carry it further.
package notify

// Service is replaced by the package's real service (this file is a placeholder so that the
// adapters compile while the package is being written).
type Service struct{}
