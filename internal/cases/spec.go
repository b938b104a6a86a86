package cases

import (
	"context"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/formschema"
)

// The published items and bundles as applications see them, for the pages and the API that show
// an application form before any case exists. They are read through the same Catalog that
// Start and Apply use, so a form is always the one its submission is checked against.

// Item returns the published version of item code. Returns errs.NotFound
// (cases.error.item_unknown) when there is none.
func (s *Service) Item(ctx context.Context, code string) (ItemSpec, error) {
	it, err := s.cfg.Catalog.Item(ctx, code)
	if errs.Is(err, errs.NotFound) {
		return it, errs.E(errs.NotFound, "cases.error.item_unknown")
	}
	return it, err
}

// Bundle returns the published version of bundle code. Returns errs.NotFound
// (cases.error.bundle_unknown) when there is none, or when it has no items.
func (s *Service) Bundle(ctx context.Context, code string) (BundleSpec, error) {
	b, err := s.cfg.Catalog.Bundle(ctx, code)
	if errs.Is(err, errs.NotFound) || err == nil && len(b.Items) == 0 {
		return b, errs.E(errs.NotFound, "cases.error.bundle_unknown")
	}
	return b, err
}

// Form compiles an application form (an item's or a bundle's FormSchema), once per distinct
// schema. An empty schema is a form without fields. Returns errs.Unavailable when a published
// form does not compile: that is the catalogue's fault, not the applicant's.
func (s *Service) Form(raw []byte) (*formschema.Schema, error) {
	if len(raw) == 0 {
		raw = []byte(`{"type":"object","properties":{}}`)
	}
	return s.schema(raw)
}
