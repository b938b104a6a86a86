// Package errs is Yiwang's one error vocabulary: every error a person or client can see has a
// Kind, a public message key kept apart from internal detail, and is mapped to an HTTP status in
// exactly one place (internal/httpserver).
package errs

import (
	"errors"
	"fmt"
)

// Kind classifies an error for callers; it decides the HTTP status and whether it is logged.
type Kind string

// The kinds of error. Internal is the zero value's meaning: anything unclassified is internal.
const (
	Invalid         Kind = "invalid"
	NotFound        Kind = "not_found"
	Conflict        Kind = "conflict"
	Unauthenticated Kind = "unauthenticated"
	Forbidden       Kind = "forbidden"
	TooMany         Kind = "too_many_requests"
	TooLarge        Kind = "too_large"
	Unavailable     Kind = "unavailable"
	Internal        Kind = "internal"
)

// Error is a classified error. Message is safe to show to the person asking (it is a message key
// of internal/i18n or a plain sentence already meant for them); Field names the input at fault;
// Err is internal detail that is logged, never shown.
type Error struct {
	Kind    Kind
	Message string
	Field   string
	Args    []any
	Err     error
}

func (e *Error) Error() string {
	s := string(e.Kind)
	if e.Message != "" {
		s += ": " + e.Message
		if len(e.Args) > 0 {
			s += fmt.Sprint(e.Args)
		}
	}
	if e.Field != "" {
		s += " (field " + e.Field + ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// E builds a classified error with a public message (an i18n key or sentence) and optional
// arguments for it.
func E(kind Kind, message string, args ...any) *Error {
	return &Error{Kind: kind, Message: message, Args: args}
}

// Field builds an Invalid error that names the input field at fault.
func Field(field, message string, args ...any) *Error {
	return &Error{Kind: Invalid, Field: field, Message: message, Args: args}
}

// Wrapf classifies an internal error: err is kept as detail, message is public.
func Wrapf(kind Kind, err error, message string, args ...any) *Error {
	return &Error{Kind: kind, Message: message, Args: args, Err: err}
}

// KindOf reports the kind of the first classified error in err's chain, Internal otherwise.
func KindOf(err error) Kind {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Is reports whether err's kind is k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// Public returns the first classified error in err's chain, or an Internal one that hides err.
func Public(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Kind: Internal, Message: "error.internal", Err: err}
}

// Wrap adds context to *errp once per function, keeping its kind:
//
//	defer errs.Wrap(&err, "plan.Import(%s)", name)
func Wrap(errp *error, format string, args ...any) {
	if *errp != nil {
		*errp = fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), *errp)
	}
}
