// Package formschema compiles the JSON Schema of an application form, validates submitted
// values with one translated message per field, and describes the fields for the pages that
// render the form.
package formschema
