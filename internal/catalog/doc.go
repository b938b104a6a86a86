// Package catalog is the catalogue of government service items (政務服務事項) with their
// standard elements, versions and publication, and the one-thing bundles (一件事) built on them;
// it finds them by Chinese full-text search (internal/search) with filters by department,
// region, life event, enterprise stage, online depth and service object.
package catalog
