// Package catalog is the catalogue of government service items (政務服務事項) with their
// standard elements, versions and publication, and the one-thing bundles (一件事) built on them.
package catalog

// Service is replaced by the package's real service (this file is a placeholder so that the
// adapters compile while the package is being written).
type Service struct{}
