package cases

import (
	"crypto/sha256"
	"encoding/json"
	"errors"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/formschema"
)

// schema compiles a form schema once per distinct JSON (items are published rarely, forms
// validated on every submission).
func (s *Service) schema(raw []byte) (*formschema.Schema, error) {
	key := sha256.Sum256(raw)
	if v, ok := s.schemas.Load(key); ok {
		return v.(*formschema.Schema), nil
	}
	sch, err := formschema.Compile(raw)
	if err != nil {
		// A published item with a form that does not compile is the catalogue's fault, not the
		// applicant's.
		return nil, errs.Wrapf(errs.Unavailable, err, "cases.error.form_unavailable")
	}
	s.schemas.Store(key, sch)
	return sch, nil
}

// checkForm validates values against raw fully (for submission). It returns a
// *formschema.Errors (field-level) or nil; an empty schema accepts only no values.
func (s *Service) checkForm(raw []byte, values map[string]any) (*formschema.Errors, error) {
	if len(raw) == 0 {
		raw = []byte(`{"type":"object","properties":{}}`)
	}
	sch, err := s.schema(raw)
	if err != nil {
		return nil, err
	}
	return sch.Validate(values), nil
}

// checkDraftForm validates what a draft holds: the values given must be right, but required
// fields may still be missing.
func (s *Service) checkDraftForm(raw []byte, values map[string]any) (*formschema.Errors, error) {
	fe, err := s.checkForm(raw, values)
	if err != nil || fe == nil {
		return nil, err
	}
	var kept []formschema.FieldError
	for _, f := range fe.Fields {
		if _, given := values[f.Field]; f.Key == "formschema.required" && !given {
			continue
		}
		kept = append(kept, f)
	}
	if len(kept) == 0 {
		return nil, nil
	}
	return &formschema.Errors{Fields: kept}, nil
}

// formFields returns the names of raw's fields, or nil when it does not compile.
func (s *Service) formFields(raw []byte) map[string]bool {
	if len(raw) == 0 {
		return map[string]bool{}
	}
	sch, err := s.schema(raw)
	if err != nil {
		return nil
	}
	out := map[string]bool{}
	for _, f := range sch.Fields() {
		out[f.Name] = true
	}
	return out
}

// encodeForm stores values as JSON.
func encodeForm(values map[string]any) (string, error) {
	if values == nil {
		values = map[string]any{}
	}
	b, err := json.Marshal(values)
	if err != nil {
		return "", errs.Wrapf(errs.Invalid, err, "cases.error.form_encoding")
	}
	return string(b), nil
}

// asError turns field errors into an error, nil when there are none (a nil *formschema.Errors
// must not become a non-nil error).
func asError(fe *formschema.Errors) error {
	if fe == nil || len(fe.Fields) == 0 {
		return nil
	}
	return fe
}

// FieldErrors returns the field-level errors in err (the form's fields and the materials, see
// MaterialField), or nil when err has none.
func FieldErrors(err error) *formschema.Errors {
	var fe *formschema.Errors
	if errors.As(err, &fe) {
		return fe
	}
	return nil
}
