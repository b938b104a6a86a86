package cases

import (
	"context"
	"time"

	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// What cases needs from other parts of the platform, declared here by the consumer and
// implemented by adapters in internal/app.

// Where a material comes from (MaterialSpec.Source).
const (
	SourceApplicant  = "applicant"   // uploaded by the applicant (or a window for them)
	SourceLicence    = "licence"     // satisfied by an electronic licence of LicenceType
	SourceSharedData = "shared_data" // fetched from shared public data
)

// Upload formats a material may allow (MaterialSpec.Formats).
const (
	FormatPDF  = "pdf"
	FormatJPEG = "jpeg"
	FormatPNG  = "png"
	FormatOFD  = "ofd"
)

// Cross-region scopes of an item (ItemSpec.CrossRegion).
const (
	CrossRegionNone     = "none"           // collected only in the item's own region
	CrossRegionProvince = "province"       // collected anywhere in the province
	CrossRegionCountry  = "cross_province" // also collected in, or transferred to, other provinces
)

// Service objects of an item (ItemSpec.ServiceObject).
const (
	ServiceObjectPerson     = "person"
	ServiceObjectEnterprise = "enterprise"
	ServiceObjectBoth       = "both"
)

// MaterialSpec is one material an item (or bundle) asks for.
type MaterialSpec struct {
	Code                       string // unique within the item (or bundle)
	NameHans, NameHant, NameEn string
	Source                     string // SourceApplicant, SourceLicence or SourceSharedData
	LicenceType                string // for SourceLicence: the licence type code that satisfies it
	Required                   bool
	Formats                    []string // allowed upload types (Format*); empty allows all four
	MaxBytes                   int64    // 0: blob.MaxSize
	ForItems                   []string // in a bundle: the item codes that need it (empty: all)
}

// FeeLine is one fee of an item.
type FeeLine struct {
	Name       string
	AmountFen  int64
	LegalBasis string
}

// ItemSpec is a published service item as cases uses it.
type ItemSpec struct {
	Code                       string // the implementation code (stable across versions)
	Version                    int
	Org                        string // implementing (competent) organisation code
	RegionCode                 string // GB/T 2260 code of the implementing organisation's region
	NameHans, NameHant, NameEn string
	Type                       string // item type, e.g. "administrative_licensing"
	ServiceObject              string // ServiceObjectPerson, ServiceObjectEnterprise or ServiceObjectBoth
	LegalDays, PromisedDays    int    // working days
	Materials                  []MaterialSpec
	Fees                       []FeeLine // empty = free
	FormSchema                 []byte    // JSON Schema (internal/formschema subset)
	CrossRegion                string    // CrossRegionNone, CrossRegionProvince or CrossRegionCountry
	OnlineDepth                int       // 1..4
	// AgentScope is the service scope (經辦範圍) the item's matter falls under, e.g. "licences": an
	// agent acts for an enterprise on it only if authorised for that scope or for all services.
	// Empty: only agents for all services (and the legal representative, who has them) may.
	AgentScope string
}

// BundleSpec is a published bundle (一件事).
type BundleSpec struct {
	Code                       string
	Version                    int
	NameHans, NameHant, NameEn string
	// Org is the lead organisation (牽頭部門): the one the bundle as a whole is rated for.
	Org           string
	FormSchema    []byte         // the one form (the items' forms merged)
	Materials     []MaterialSpec // one set, deduplicated, each with ForItems
	Items         []ItemSpec     // the items it fans out to
	ResultLicence string         // "one industry, one licence": the comprehensive licence's name, else ""
}

// Catalog gives the published service items and bundles.
type Catalog interface {
	// Item returns the published version of an item; errs.NotFound if there is none.
	Item(ctx context.Context, code string) (ItemSpec, error)
	// Bundle returns the published version of a bundle; errs.NotFound if there is none.
	Bundle(ctx context.Context, code string) (BundleSpec, error)
}

// FeeOrder asks payments for an order over an approved case's fees.
type FeeOrder struct {
	CaseID, CaseNumber, Org string // Org = payee (the handling organisation)
	Payer                   int64  // applicant account id
	PayerActingFor          string // credit code when an agent applied for an enterprise
	Lines                   []FeeLine
}

// Fees opens fee orders.
type Fees interface {
	// OpenOrderTx opens a fee order in the case's own transaction; returns the order id.
	OpenOrderTx(ctx context.Context, tx *store.Tx, o FeeOrder) (string, error)
}

// Notifier puts messages in people's inboxes (internal/notify's Service).
type Notifier interface {
	// SendTx puts a message in account's inbox within tx. key is an i18n message key rendered
	// in the reader's language with args; link a local path.
	SendTx(ctx context.Context, tx *store.Tx, account int64, key string, args []string, link string) error
}

// SignedDecision is a decision document's detached signature with the seal that made it.
type SignedDecision struct {
	SignatureID string // the signing service's record of it
	SealID      string
	SealName    string
	Format      string // e.g. "cms"
	Signature   []byte
}

// DecisionSigner signs decision documents as the deciding organisation, with its approval
// (or official) seal.
type DecisionSigner interface {
	// SignDecision signs document as org on behalf of the approver p; name is the document's
	// file name. Returns errs.Conflict when org has no usable seal.
	SignDecision(ctx context.Context, p principal.Principal, org string, document []byte, name string) (SignedDecision, error)
}

// Person is an applicant as the identity register knows them.
type Person struct {
	Account int64
	// Kind is the account's kind: principal.Resident for people who can apply.
	Kind principal.Kind
	Name string
	// IDType and IDNumber are the identity document (e.g. "resident_id" and the number).
	IDType, IDNumber string
}

// People answers questions about accounts (internal/identity).
type People interface {
	// Person returns the account's holder; errs.NotFound if there is no such account.
	Person(ctx context.Context, account int64) (Person, error)
	// Officials returns the accounts of org's enabled officials that hold any of roles.
	Officials(ctx context.Context, org string, roles ...string) ([]int64, error)
}

// WorkingDays is the working-day arithmetic of internal/calendar (*calendar.Calendar or
// *calendar.Live).
type WorkingDays interface {
	AddWorkingDays(start time.Time, n int) time.Time
	WorkingDaysBetween(from, to time.Time) int
}

// Scanner checks an uploaded file for malware before it is stored.
type Scanner interface {
	// Scan returns nil for a clean file, an errs.Invalid error (cases.error.material_infected)
	// for a refused one, and errs.Unavailable when it cannot tell.
	Scan(ctx context.Context, name string, data []byte) error
}
