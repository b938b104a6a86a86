package license

import "time"

// TypeStatus is where a version of a licence type stands (as catalogue versions do).
type TypeStatus string

// The statuses of a licence type version: a draft is edited until submitted; the digital
// office publishes a submitted version or returns it; a published version is superseded when a
// later one is published.
const (
	TypeDraft      TypeStatus = "draft"
	TypeSubmitted  TypeStatus = "submitted"
	TypeReturned   TypeStatus = "returned"
	TypePublished  TypeStatus = "published"
	TypeSuperseded TypeStatus = "superseded"
)

// Level is the administrative level of a defining authority or an issuer (GB/T 36902).
type Level string

// The levels.
const (
	LevelNational   Level = "national"
	LevelProvincial Level = "provincial"
	LevelCity       Level = "city"
	LevelCounty     Level = "county"
	LevelTownship   Level = "township"
)

// Levels lists the levels from the top.
var Levels = []Level{LevelNational, LevelProvincial, LevelCity, LevelCounty, LevelTownship}

// HolderCategory says who holds licences of a type.
type HolderCategory string

// The holder categories.
const (
	HolderPerson     HolderCategory = "person"
	HolderEnterprise HolderCategory = "enterprise"
	HolderBoth       HolderCategory = "both"
)

// Holder code types (GB/T 36903): how a holder is identified.
const (
	HolderCodeResidentID = "111" // resident ID number (GB 11643)
	HolderCodeCreditCode = "001" // unified social credit code (GB 32100)
)

// FieldKind is the kind of value of a face-data field.
type FieldKind string

// The field kinds.
const (
	FieldText FieldKind = "text" // one line
	FieldArea FieldKind = "area" // several lines (business scope, address)
	FieldDate FieldKind = "date" // YYYY-MM-DD
)

// Field is one face-data field of a licence type: what the licence shows besides its metadata.
type Field struct {
	Key      string    `json:"key"` // lower-case ASCII, e.g. "business_scope"
	NameHans string    `json:"name_hans"`
	NameHant string    `json:"name_hant"`
	NameEn   string    `json:"name_en"`
	Kind     FieldKind `json:"kind"`
	Required bool      `json:"required"`
	// MaxLen bounds the value in characters (0: 200, or 2,000 for an area).
	MaxLen int `json:"max_len,omitempty"`
}

// Type is a version of a licence type (證照類型, GB/T 36902).
type Type struct {
	// Code is the 21-character type code: the defining authority's credit code and 3 digits.
	Code    string     `json:"code"`
	Version int        `json:"version"`
	Status  TypeStatus `json:"status"`
	// Org is the organisation (of this node's directory) that keeps the type.
	Org      string `json:"org"`
	NameHans string `json:"name_hans"`
	NameHant string `json:"name_hant"`
	NameEn   string `json:"name_en"`
	// The defining authority (定義機構), its credit code and level.
	AuthorityName  string `json:"authority_name"`
	AuthorityCode  string `json:"authority_code"`
	AuthorityLevel Level  `json:"authority_level"`
	// IssuerLevel is the level of the organisations that issue it.
	IssuerLevel    Level          `json:"issuer_level"`
	HolderCategory HolderCategory `json:"holder_category"`
	// Validity range in months: a licence's validity must lie within it; 0 and 0 mean no end
	// (a licence of the type has no valid_until).
	MinValidityMonths int `json:"min_validity_months"`
	MaxValidityMonths int `json:"max_validity_months"`
	// LinkedItems are the service items (implementation codes) whose approval issues it.
	LinkedItems []string `json:"linked_items,omitempty"`
	Fields      []Field  `json:"fields"`

	CreatedBy    string     `json:"-"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	DecidedBy    string     `json:"-"`
	DecidedAt    *time.Time `json:"decided_at,omitempty"`
	ReturnReason string     `json:"return_reason,omitempty"`
}

// Status is a licence's own status; expiry is read from its validity (Licence.State).
type Status string

// The statuses.
const (
	StatusValid      Status = "valid"
	StatusSuspended  Status = "suspended"
	StatusRevoked    Status = "revoked"
	StatusSuperseded Status = "superseded"
)

// State is what a verifier is told of a licence.
type State string

// The states a verification reports: the licence's status and expiry, or why it could not be
// trusted at all.
const (
	StateValid      State = "valid"
	StateSuspended  State = "suspended"
	StateRevoked    State = "revoked"
	StateSuperseded State = "superseded"
	StateExpired    State = "expired"
	StateForged     State = "forged"      // changed after signing, or an unknown licence under a trusted key
	StateNotTrusted State = "not_trusted" // signed by a key no trusted node vouches for
	StateMalformed  State = "malformed"   // not a licence credential, presentation or PDF of ours
)

// Licence is one version of a licence with its GB/T 36903 metadata.
type Licence struct {
	ID          string `json:"id"` // the GB/T 36904 identifier
	TypeCode    string `json:"type_code"`
	TypeVersion int    `json:"type_version"`
	Serial      string `json:"serial"`
	Version     string `json:"version"`
	// Number is the licence number printed on it (證照編號), e.g. JY13501020012345.
	Number   string `json:"number"`
	NameHans string `json:"name"` // the licence's name (the type's, as issued)
	// Issuer: the organisation of the directory, its credit code and name.
	IssuerOrg  string `json:"issuer_org"`
	IssuerCode string `json:"issuer_code"`
	IssuerName string `json:"issuer_name"`
	// Holder: name, code and code type (HolderCodeResidentID or HolderCodeCreditCode).
	HolderName     string `json:"holder_name"`
	HolderCode     string `json:"holder_code"`
	HolderCodeType string `json:"holder_code_type"`
	// Jurisdiction is the GB/T 2260 region code the licence is valid in.
	Jurisdiction string `json:"jurisdiction"`
	LinkedItem   string `json:"linked_item,omitempty"`
	CaseID       string `json:"case_id,omitempty"`
	// Dates in China time, YYYY-MM-DD; ValidUntil "" for no end.
	IssuedOn   string `json:"issued_on"`
	ValidFrom  string `json:"valid_from"`
	ValidUntil string `json:"valid_until,omitempty"`
	Status     Status `json:"status"`
	// StatusReason says why it was suspended or revoked.
	StatusReason string    `json:"status_reason,omitempty"`
	StatusAt     time.Time `json:"status_at"`
	// Face is the face data by the type's field keys.
	Face map[string]string `json:"face"`
	// Credential is the signed machine-readable licence; KeyID the key that signed it.
	Credential string `json:"credential"`
	KeyID      string `json:"key_id"`
	PDFSHA256  string `json:"pdf_sha256,omitempty"`
	Supersedes string `json:"supersedes,omitempty"`
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// State returns what a verifier is told of l on day today (YYYY-MM-DD, China time).
func (l Licence) State(today string) State {
	switch l.Status {
	case StatusRevoked:
		return StateRevoked
	case StatusSuperseded:
		return StateSuperseded
	case StatusSuspended:
		return StateSuspended
	}
	if l.ValidUntil != "" && today > l.ValidUntil {
		return StateExpired
	}
	return StateValid
}
