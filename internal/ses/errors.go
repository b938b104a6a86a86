package ses

import (
	"fmt"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// The failures a verification report tells apart. Every error this package returns for a bad seal
// or signature wraps one of them (Verify may wrap several, joined); test with errors.Is. Their
// Message is the public i18n key; the detail after it is for logs only.
var (
	// ErrMalformed: the bytes are not a GB/T 38540 v4 seal or signature in DER, or a certificate
	// inside cannot be read.
	ErrMalformed = errs.E(errs.Invalid, "ses.error.malformed")
	// ErrNotSM2: an algorithm or key other than SM2 with SM3.
	ErrNotSM2 = errs.E(errs.Invalid, "ses.error.not_sm2")
	// ErrKeyMismatch: the signing key is not the key of the certificate given with it.
	ErrKeyMismatch = errs.E(errs.Invalid, "ses.error.key_mismatch")
	// ErrBadSignature: the signer's signature over TBS_Sign does not verify — the signed
	// information (time, scope, seal, hash) was changed, or someone else signed.
	ErrBadSignature = errs.E(errs.Invalid, "ses.error.bad_signature")
	// ErrDocumentChanged: the document's SM3 digest is not the signed dataHash.
	ErrDocumentChanged = errs.E(errs.Invalid, "ses.error.document_changed")
	// ErrSignerNotOnSeal: the signer's certificate is not in the seal's certificate list.
	ErrSignerNotOnSeal = errs.E(errs.Invalid, "ses.error.signer_not_on_seal")
	// ErrSealSignature: the seal maker's signature over the seal information does not verify.
	ErrSealSignature = errs.E(errs.Invalid, "ses.error.seal_signature")
	// ErrSealNotInForce: the signing time lies outside the seal's validity period.
	ErrSealNotInForce = errs.E(errs.Invalid, "ses.error.seal_not_in_force")
	// ErrTimestamp: the time-stamp token cannot be read or is not over this signature value.
	ErrTimestamp = errs.E(errs.Invalid, "ses.error.timestamp")
	// ErrCriticalExtension: the seal or the signature carries a critical extension.
	ErrCriticalExtension = errs.E(errs.Invalid, "ses.error.critical_extension")
)

// fail wraps a sentinel with detail for the logs.
func fail(sentinel *errs.Error, format string, args ...any) error {
	return fmt.Errorf("ses: %w: %s", sentinel, fmt.Sprintf(format, args...))
}

// malformed is fail(ErrMalformed, ...).
func malformed(format string, args ...any) error {
	return fail(ErrMalformed, format, args...)
}
