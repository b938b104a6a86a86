// Package cases handles applications (辦件): submission online, at a window or a kiosk, the
// workflow of acceptance, review, decision and delivery, the statutory clock in working days,
// requests for materials, cross-region routing and the public status lookup.
package cases

// Service is replaced by the package's real service (this file is a placeholder so that the
// adapters compile while the package is being written).
type Service struct{}
