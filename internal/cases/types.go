package cases

import (
	"slices"
	"time"
)

// Status is where a case stands; see the package documentation for the state machine.
type Status string

// The statuses of a case.
const (
	StatusDraft               Status = "draft"                // saved by the applicant, not yet submitted
	StatusSubmitted           Status = "submitted"            // waiting for acceptance (受理審查)
	StatusSupplementRequested Status = "supplement_requested" // materials asked for (補正); the applicant's turn
	StatusAccepted            Status = "accepted"             // accepted (受理): the statutory clock runs
	StatusReviewed            Status = "reviewed"             // reviewed (審查): waiting for the decision
	StatusAwaitingPayment     Status = "awaiting_payment"     // approved; the fee order waits for payment
	StatusApproved            Status = "approved"             // decided to approve (and paid): to be delivered
	StatusDenied              Status = "denied"               // decided to deny: the decision to be delivered
	StatusCompleted           Status = "completed"            // the decision was delivered (Outcome says which)
	StatusNotAccepted         Status = "not_accepted"         // not accepted (不予受理), with reasons
	StatusWithdrawn           Status = "withdrawn"            // withdrawn by the applicant before a decision
	StatusTransferred         Status = "transferred"          // handed to another province's node (ExportTransfer)
	StatusInProgress          Status = "in_progress"          // a bundle's parent while its cases are handled
)

// Statuses lists every status in the order a case passes through them.
var Statuses = []Status{StatusDraft, StatusSubmitted, StatusSupplementRequested, StatusAccepted, StatusReviewed,
	StatusAwaitingPayment, StatusApproved, StatusDenied, StatusCompleted, StatusNotAccepted, StatusWithdrawn,
	StatusTransferred, StatusInProgress}

// Valid reports whether s is one of the statuses.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Final reports whether nothing more happens to a case in status s on this node (a transferred
// case still learns its remote status through ApplyTransferStatus).
func (s Status) Final() bool {
	return s == StatusCompleted || s == StatusNotAccepted || s == StatusWithdrawn || s == StatusTransferred
}

// Decided reports whether a decision was made on a case in status s.
func (s Status) Decided() bool {
	return s == StatusAwaitingPayment || s == StatusApproved || s == StatusDenied || s == StatusCompleted
}

// Outcome is what a case ended with.
type Outcome string

// The outcomes. A bundle's parent is approved when all its cases were, denied when none was,
// and partially approved otherwise.
const (
	OutcomeNone              Outcome = ""
	OutcomeApproved          Outcome = "approved"
	OutcomeDenied            Outcome = "denied"
	OutcomePartiallyApproved Outcome = "partially_approved"
)

// Channel is how an application arrived.
type Channel string

// The channels.
const (
	ChannelOnline Channel = "online" // by the applicant on the portal or mobile app
	ChannelWindow Channel = "window" // by a window officer for a person at the counter
	ChannelKiosk  Channel = "kiosk"  // by the person at a self-service kiosk
)

// ApplicantKind says whether a case belongs to a person or an enterprise.
type ApplicantKind string

// The kinds of applicant.
const (
	ApplicantPerson     ApplicantKind = "person"
	ApplicantEnterprise ApplicantKind = "enterprise"
)

// ClockState is the state of a case's statutory clock.
type ClockState string

// The clock states.
const (
	ClockNotStarted ClockState = "not_started" // before acceptance
	ClockRunning    ClockState = "running"
	ClockPaused     ClockState = "paused" // during 補正 or a special procedure
	ClockStopped    ClockState = "stopped"
)

// Why a clock is paused (Clock.PauseReason).
const (
	PauseSupplement = "supplement"
	PauseProcedure  = "procedure"
)

// DeliveryMethod is how a decision reaches the applicant (送達).
type DeliveryMethod string

// The delivery methods.
const (
	DeliveryElectronic DeliveryMethod = "electronic"
	DeliveryPickup     DeliveryMethod = "pickup" // at the handling or the receiving window
	DeliveryPost       DeliveryMethod = "post"
)

// ProcedureKind is a statutory special procedure, during which the clock stops.
type ProcedureKind string

// The special procedures.
const (
	ProcedureHearing      ProcedureKind = "hearing"       // 聽證
	ProcedureExpertReview ProcedureKind = "expert_review" // 專家評審
	ProcedureInspection   ProcedureKind = "inspection"    // 現場核查
	ProcedureTesting      ProcedureKind = "testing"       // 檢驗、檢測、檢疫
	ProcedurePublicNotice ProcedureKind = "public_notice" // 公示
)

// ProcedureKinds lists the special procedures.
var ProcedureKinds = []ProcedureKind{ProcedureHearing, ProcedureExpertReview, ProcedureInspection, ProcedureTesting,
	ProcedurePublicNotice}

// MaterialStatus says where a material of a case stands.
type MaterialStatus string

// The material statuses.
const (
	MaterialMissing   MaterialStatus = "missing"   // not provided yet
	MaterialProvided  MaterialStatus = "provided"  // a file is attached
	MaterialToFetch   MaterialStatus = "to_fetch"  // licence or shared data: fetched by those modules
	MaterialRequested MaterialStatus = "requested" // asked for by an open 補正 request
	// MaterialFromLicence: filled from the applicant's electronic licence (免提交), verified.
	MaterialFromLicence MaterialStatus = "from_licence"
	// MaterialUnavailable: to be fetched from a licence that could not be used (none held,
	// suspended, revoked, expired); the applicant supplies it.
	MaterialUnavailable MaterialStatus = "unavailable"
)

// Step is what happens next to a case, and Party who does it.
type Step string

// The steps.
const (
	StepNone       Step = ""
	StepSubmit     Step = "submit"     // applicant: complete and submit the draft
	StepAccept     Step = "accept"     // window officer: accept, ask for materials, or refuse
	StepSupplement Step = "supplement" // applicant: supply the materials asked for and resubmit
	StepReview     Step = "review"     // reviewer
	StepProcedure  Step = "procedure"  // handling officials: end the special procedure
	StepDecide     Step = "decide"     // approver
	StepPay        Step = "pay"        // applicant: pay the fees
	StepDeliver    Step = "deliver"    // window officer: deliver the decision
	StepChildren   Step = "children"   // a bundle's parent: its cases are being handled
)

// Parties of a case (Event.Party, Case.NextParty).
const (
	PartyApplicant = "applicant"
	PartyOfficial  = "official"
	PartySystem    = "system"
	PartyRemote    = "remote" // another province's node
)

// Applicant is who a case belongs to. A person's case is theirs; an enterprise's (an agent
// applied while acting for it) is the enterprise's, visible to its agents.
type Applicant struct {
	Account   int64         `json:"account"` // the person who applied (the agent for an enterprise)
	Kind      ApplicantKind `json:"kind"`
	ActingFor string        `json:"acting_for,omitempty"` // the enterprise's credit code
	// Name is the person's or enterprise's name: personal data, mask it in lists (MaskedName).
	Name string `json:"name"`
}

// Material is one material of a case.
type Material struct {
	Code                       string         `json:"code"`
	NameHans, NameHant, NameEn string         `json:"-"`
	Source                     string         `json:"source"`
	LicenceType                string         `json:"licence_type,omitempty"`
	Required                   bool           `json:"required"`
	Formats                    []string       `json:"formats"`
	MaxBytes                   int64          `json:"max_bytes"`
	Status                     MaterialStatus `json:"status"`
	FileName                   string         `json:"file_name,omitempty"`
	Format                     string         `json:"format,omitempty"`
	Size                       int64          `json:"size,omitempty"`
	SHA256                     string         `json:"sha256,omitempty"`
	AddedAt                    *time.Time     `json:"added_at,omitempty"`
	// Licence is the licence the material was filled from (MaterialFromLicence), or what was
	// found instead of a usable one (MaterialUnavailable).
	Licence *LicenceFill `json:"licence,omitempty"`
}

// Clock is a case's statutory clock as of when it was read. Days are working days; dates are
// midnight China time.
type Clock struct {
	State ClockState `json:"state"`
	// LimitDays is the limit the clock counts against: the promised limit (承諾時限), or the
	// legal limit when the item promises none.
	LimitDays int `json:"limit_days"`
	LegalDays int `json:"legal_days"`
	// StartedAt is the acceptance; the day of acceptance is not counted.
	StartedAt *time.Time `json:"started_at,omitempty"`
	// UsedDays counts the working days since acceptance that were not paused.
	UsedDays int `json:"used_days"`
	// PausedDays counts the working days paused so far (the current pause included).
	PausedDays int `json:"paused_days"`
	// RemainingDays is LimitDays − UsedDays; negative when overdue.
	RemainingDays int `json:"remaining_days"`
	// DueDate is the last working day of the limit (extended by paused days; while paused it
	// moves on every working day).
	DueDate     *time.Time `json:"due_date,omitempty"`
	DueSoon     bool       `json:"due_soon"` // within the warning days of the due date
	Overdue     bool       `json:"overdue"`  // past the due date
	PausedSince *time.Time `json:"paused_since,omitempty"`
	PauseReason string     `json:"pause_reason,omitempty"` // PauseSupplement or PauseProcedure
	StoppedAt   *time.Time `json:"stopped_at,omitempty"`
}

// Decision is the decision on a case, with the signature that makes it verifiable.
type Decision struct {
	Outcome   Outcome   `json:"outcome"`
	Reasons   string    `json:"reasons"`
	DecidedAt time.Time `json:"decided_at"`
	DecidedBy string    `json:"decided_by"` // the approver (principal.Actor)
	// DocumentSHA256 is the hex SHA-256 of the decision document (DecisionDocument's
	// canonical JSON), also the blob that holds it and the digest in the ledger.
	DocumentSHA256  string `json:"document_sha256"`
	SignatureSHA256 string `json:"signature_sha256"`
	SignatureID     string `json:"signature_id"`
	SealID          string `json:"seal_id"`
	SealName        string `json:"seal_name"`
	SignatureFormat string `json:"signature_format"`
	LedgerIndex     *int64 `json:"ledger_index,omitempty"`
}

// SupplementRequest is a request for materials (補正).
type SupplementRequest struct {
	ID int64 `json:"id"`
	// Materials are the codes of the materials asked for.
	Materials []string `json:"materials"`
	Note      string   `json:"note"`
	// During is the status the case was in: StatusSubmitted (at acceptance, before the clock
	// started) or StatusAccepted / StatusReviewed (the clock is paused until resubmission).
	During      Status     `json:"during"`
	RequestedBy string     `json:"requested_by"`
	RequestedAt time.Time  `json:"requested_at"`
	ResolvedAt  *time.Time `json:"resolved_at,omitempty"`
}

// Procedure is a special procedure of a case.
type Procedure struct {
	ID        int64         `json:"id"`
	Kind      ProcedureKind `json:"kind"`
	Note      string        `json:"note"`
	StartedBy string        `json:"started_by"`
	StartedAt time.Time     `json:"started_at"`
	EndedBy   string        `json:"ended_by,omitempty"`
	EndedAt   *time.Time    `json:"ended_at,omitempty"`
	Result    string        `json:"result,omitempty"`
}

// Delivery is how and when a decision was delivered.
type Delivery struct {
	Method DeliveryMethod `json:"method"`
	By     string         `json:"by"`
	At     time.Time      `json:"at"`
}

// Case is an application with everything about it that its reader may see.
type Case struct {
	ID string `json:"id"`
	// Number is the case number (辦件編號), "" for a draft: region-YYYYMMDD-sequence, unique on
	// this node, e.g. 350100-20261009-000042.
	Number   string `json:"number,omitempty"`
	ParentID string `json:"parent_id,omitempty"` // the bundle's parent case of a bundle's case
	// BundleCode is set on a bundle's parent and on each of its cases.
	BundleCode    string `json:"bundle_code,omitempty"`
	BundleVersion int    `json:"bundle_version,omitempty"`
	// ItemCode is the item of a case ("" for a bundle's parent).
	ItemCode    string `json:"item_code,omitempty"`
	ItemVersion int    `json:"item_version,omitempty"`
	// Names of the item (or the bundle for a parent), as published when the case was made.
	NameHans string `json:"name_hans"`
	NameHant string `json:"name_hant"`
	NameEn   string `json:"name_en"`
	// HandlingOrg is the competent organisation ("" for a bundle's parent); ReceivingOrg the
	// window (or kiosk hall) that collected the application, "" online (收受分離).
	HandlingOrg  string    `json:"handling_org"`
	ReceivingOrg string    `json:"receiving_org,omitempty"`
	Channel      Channel   `json:"channel"`
	Applicant    Applicant `json:"applicant"`
	CreatedBy    string    `json:"created_by"` // principal.Actor of who started it
	Status       Status    `json:"status"`
	Outcome      Outcome   `json:"outcome,omitempty"`
	// Form holds the form's values (decoded from JSON: numbers are float64).
	Form      map[string]any `json:"form"`
	Materials []Material     `json:"materials"`
	// LicenceConsent says the applicant agreed that the licences its materials ask for be
	// fetched (免提交).
	LicenceConsent bool  `json:"licence_consent"`
	Clock          Clock `json:"clock"`
	// Supplement is the open request for materials, if any; Procedure the running procedure.
	Supplement *SupplementRequest `json:"supplement,omitempty"`
	Procedure  *Procedure         `json:"procedure,omitempty"`
	Decision   *Decision          `json:"decision,omitempty"`
	FeeOrderID string             `json:"fee_order_id,omitempty"`
	PaidAt     *time.Time         `json:"paid_at,omitempty"`
	Delivery   *Delivery          `json:"delivery,omitempty"`
	// TransferredTo names the node a transferred case went to, RemoteNumber its number there
	// and RemoteStatus the last status it reported.
	TransferredTo string `json:"transferred_to,omitempty"`
	RemoteNumber  string `json:"remote_number,omitempty"`
	RemoteStatus  Status `json:"remote_status,omitempty"`
	// Origin is set on a case received from another province's node (ImportTransfer): its
	// applicant has no account here, and it reports its progress back there.
	Origin *Origin `json:"origin,omitempty"`
	// Item is the item as published when the case was made (nil for a bundle's parent, whose
	// Bundle is set instead).
	Item   *ItemSpec   `json:"-"`
	Bundle *BundleSpec `json:"-"`
	// Children are a bundle parent's cases.
	Children []Summary `json:"children,omitempty"`
	// NextStep is what happens next and NextParty who does it (PartyApplicant, PartyOfficial).
	NextStep  Step   `json:"next_step,omitempty"`
	NextParty string `json:"next_party,omitempty"`

	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	SubmittedAt *time.Time `json:"submitted_at,omitempty"`
	AcceptedAt  *time.Time `json:"accepted_at,omitempty"`
	DecidedAt   *time.Time `json:"decided_at,omitempty"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
}

// IsBundle reports whether c is a bundle's parent.
func (c Case) IsBundle() bool { return c.ItemCode == "" && c.BundleCode != "" }

// Summary is a case in a list.
type Summary struct {
	ID           string `json:"id"`
	Number       string `json:"number,omitempty"`
	ParentID     string `json:"parent_id,omitempty"`
	BundleCode   string `json:"bundle_code,omitempty"`
	ItemCode     string `json:"item_code,omitempty"`
	NameHans     string `json:"name_hans"`
	NameHant     string `json:"name_hant"`
	NameEn       string `json:"name_en"`
	HandlingOrg  string `json:"handling_org"`
	ReceivingOrg string `json:"receiving_org,omitempty"`
	// OriginNode is the node a case received from another province came from.
	OriginNode  string     `json:"origin_node,omitempty"`
	Channel     Channel    `json:"channel"`
	Applicant   Applicant  `json:"applicant"` // Name masked
	Status      Status     `json:"status"`
	Outcome     Outcome    `json:"outcome,omitempty"`
	Clock       Clock      `json:"clock"`
	NextStep    Step       `json:"next_step,omitempty"`
	NextParty   string     `json:"next_party,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	SubmittedAt *time.Time `json:"submitted_at,omitempty"`
}

// Event is one entry of a case's timeline: a step, a clock event or a message.
type Event struct {
	ID   int64     `json:"id"`
	At   time.Time `json:"at"`
	Kind string    `json:"kind"` // one of the Event* kinds
	// Actor is principal.Actor of who did it; Party which side (Party*); Org the official's
	// organisation.
	Actor string `json:"actor"`
	Party string `json:"party"`
	Org   string `json:"org,omitempty"`
	// Internal events (review opinions) are shown to officials only.
	Internal bool           `json:"internal,omitempty"`
	Note     string         `json:"note,omitempty"`
	Detail   map[string]any `json:"detail,omitempty"`
}

// The kinds of timeline event.
const (
	EventCreated            = "created"
	EventSubmitted          = "submitted"
	EventResubmitted        = "resubmitted"
	EventMaterialAdded      = "material_added"
	EventMaterialRemoved    = "material_removed"
	EventAccepted           = "accepted"
	EventMaterialsRequested = "materials_requested"
	EventNotAccepted        = "not_accepted"
	EventReviewed           = "reviewed"
	EventProcedureStarted   = "procedure_started"
	EventProcedureEnded     = "procedure_ended"
	EventDecided            = "decided"
	EventFeeOrderOpened     = "fee_order_opened"
	EventPaid               = "paid"
	EventDelivered          = "delivered"
	EventCompleted          = "completed"
	EventWithdrawn          = "withdrawn"
	EventTransferred        = "transferred"
	EventTransferRefused    = "transfer_refused" // the node it was transferred to refused it
	EventRemoteStatus       = "remote_status"
	EventReceived           = "received" // received from another province's node (ImportTransfer)
	EventMessage            = "message"
	EventQueryCodeReset     = "query_code_reset"
	EventLicenceConsent     = "licence_consent"       // a draft's consent to fetch licences given or withdrawn
	EventFromLicence        = "material_from_licence" // a material filled from a licence
	EventLicenceUnavailable = "licence_unavailable"   // a material's licence could not be used
	EventClockStarted       = "clock.started"
	EventClockPaused        = "clock.paused"
	EventClockResumed       = "clock.resumed"
	EventClockWarned        = "clock.warned"
	EventClockOverdue       = "clock.overdue"
	EventClockStopped       = "clock.stopped"
)

// Origin is where a case received from another province's node came from.
type Origin struct {
	Node   string `json:"node"`   // the sending node, e.g. "350000"
	Number string `json:"number"` // the case's number there
	// ReceivingOrg is the window there that collected the application (an organisation of
	// that node's directory), ItemVersion the item's version there.
	ReceivingOrg string `json:"receiving_org"`
	ItemVersion  int    `json:"item_version"`
	// Applicant is the applicant as that node identified them: personal data, for the handling
	// organisation's officials.
	Applicant     TransferApplicant `json:"applicant"`
	SubmittedAt   time.Time         `json:"submitted_at"`
	TransferredAt time.Time         `json:"transferred_at"`
	ReceivedAt    time.Time         `json:"received_at"`
	// Signed says the transfer came with the sending node's signature (kept with the case).
	Signed bool `json:"signed"`
}

// Application asks for a new case (Start, Apply).
type Application struct {
	// ItemCode or BundleCode names what is applied for (exactly one).
	ItemCode   string
	BundleCode string
	// Channel is ChannelOnline when empty.
	Channel Channel
	// Applicant is, at a window, the account of the person the officer applies for; otherwise
	// it is ignored (the applicant is the principal, or the enterprise it acts for).
	Applicant int64
	// KioskOrg is, for ChannelKiosk, the organisation whose hall the kiosk stands in ("" if none).
	KioskOrg string
	// Form holds the form's values: partial for a draft, complete for Apply.
	Form map[string]any
	// Materials are uploaded with the application (Apply), as AttachMaterial would.
	Materials []Upload
	// LicenceConsent is the applicant's consent that the materials of source SourceLicence
	// not uploaded be filled from their electronic licences (同意调取本人/本企业的电子证照).
	// Without it those materials are uploaded like any other.
	LicenceConsent bool
}

// Upload is a file for a material.
type Upload struct {
	Code     string // the material's code
	FileName string
	Data     []byte
}

// Submission is a submitted case with its query code, which is shown to the applicant this
// once (only its hash is kept; ResetQueryCode makes a new one).
type Submission struct {
	Case      Case
	QueryCode string
}

// PublicStatus is what anyone holding a case's number and query code may see: no personal data.
type PublicStatus struct {
	Number      string     `json:"number"`
	NameHans    string     `json:"name_hans"`
	NameHant    string     `json:"name_hant"`
	NameEn      string     `json:"name_en"`
	HandlingOrg string     `json:"handling_org"`
	Status      Status     `json:"status"`
	Outcome     Outcome    `json:"outcome,omitempty"`
	SubmittedAt *time.Time `json:"submitted_at,omitempty"`
	AcceptedAt  *time.Time `json:"accepted_at,omitempty"`
	DueDate     *time.Time `json:"due_date,omitempty"`
	DecidedAt   *time.Time `json:"decided_at,omitempty"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
}

// Subject is what ratings needs to know of a case (ratings.Subject, adapted by the app).
type Subject struct {
	CaseID, CaseNumber string
	Owner              int64  // the applicant's account (only they may rate)
	OwnerActingFor     string // the enterprise's credit code when an agent applied
	Org                string // the handling organisation; a bundle's lead organisation for its parent case
	ItemCode           string
	ItemNameHans       string
	Completed          bool
	CompletedAt        time.Time
}
