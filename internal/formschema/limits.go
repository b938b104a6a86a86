package formschema

// Limits on what a schema may describe and what a submission may carry. They keep a form a form:
// an item's schema is written by a department and read on every page view, and submissions come
// from anyone on the internet.
const (
	// MaxSchemaBytes is the largest schema Compile reads.
	MaxSchemaBytes = 256 << 10
	// MaxProperties is the most fields one form (also a merged bundle form) may have.
	MaxProperties = 200
	// MaxOptions is the most options an enumerated field may offer.
	MaxOptions = 200
	// MaxValueBytes is the largest single submitted value, whatever maxLength says.
	MaxValueBytes = 32 << 10
	// MaxFormBytes is the largest total of submitted values of one form.
	MaxFormBytes = 512 << 10
	// maxNameLen is the longest property name (names become HTML form field names).
	maxNameLen = 64
	// maxTextLen is the longest x-title, x-help or option label, in bytes.
	maxTextLen = 2000
	// maxPatternLen is the longest pattern a schema may use.
	maxPatternLen = 1000
)

// maxUnknownReported is the most unknown names one Validate reports.
const maxUnknownReported = 10
