package plan

import (
	"time"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Item statuses. An item's status follows its reviewed progress: accepted progress above zero
// makes it in progress, accepted progress of 100 completes it.
const (
	StatusNotStarted = "not_started"
	StatusInProgress = "in_progress"
	StatusCompleted  = "completed"
)

// Report statuses.
const (
	ReportSubmitted = "submitted"
	ReportAccepted  = "accepted"
	ReportReturned  = "returned"
)

// Document is a work plan as stored: its sections hold its items.
type Document struct {
	ID           int64     `db:"id" json:"id"`
	Number       string    `db:"number" json:"number"`
	Title        string    `db:"title" json:"title"`
	Issuer       string    `db:"issuer" json:"issuer"`
	IssuedOn     string    `db:"issued_on" json:"issued_on"`
	Preamble     string    `db:"preamble" json:"preamble"`
	SourceSHA256 string    `db:"source_sha256" json:"source_sha256"`
	Revision     int       `db:"revision" json:"revision"`
	ImportedAt   time.Time `db:"imported_at" json:"imported_at"`
	UpdatedAt    time.Time `db:"updated_at" json:"updated_at"`
	Sections     []Section `db:"-" json:"sections,omitempty"`
}

// Items returns every item of d in order.
func (d *Document) Items() []*Item {
	var out []*Item
	for i := range d.Sections {
		for j := range d.Sections[i].Items {
			out = append(out, &d.Sections[i].Items[j])
		}
	}
	return out
}

// Section is one of a plan's numbered parts (一、…).
type Section struct {
	ID      int64  `db:"id" json:"id"`
	Ordinal int    `db:"ordinal" json:"ordinal"`
	Label   string `db:"label" json:"label"`
	Title   string `db:"title" json:"title"`
	Items   []Item `db:"-" json:"items"`
}

// Item is one numbered task of the plan ((一)…) with the units that answer for it.
type Item struct {
	ID        int64    `db:"id" json:"id"`
	SectionID int64    `db:"section_id" json:"section_id"`
	Ordinal   int      `db:"ordinal" json:"ordinal"`
	Label     string   `db:"label" json:"label"`
	Heading   string   `db:"heading" json:"heading"`
	Body      string   `db:"body" json:"text"`
	Deadline  string   `db:"deadline" json:"deadline"`
	Status    string   `db:"status" json:"status"`
	Progress  int      `db:"progress" json:"progress"`
	Units     []Unit   `db:"-" json:"units"`
	Assigned  []Assign `db:"-" json:"assigned"`
	Targets   []Target `db:"-" json:"targets"`
	Damage    []Damage `db:"-" json:"damage,omitempty"`
	// Clock is computed at read time from the deadline and the working-day calendar.
	Clock DeadlineClock `db:"-" json:"deadline_clock"`
}

// Unit is a responsible unit as the plan names it, normalised, and the organisation it matched.
type Unit struct {
	Position   int     `db:"position" json:"position"`
	Group      int     `db:"grp" json:"group"`
	Raw        string  `db:"raw" json:"raw"`
	Name       string  `db:"name" json:"name"`
	OrgCode    *string `db:"org_code" json:"org_code"`
	Collective bool    `db:"collective" json:"collective"`
	Lead       bool    `db:"lead" json:"lead"`
}

// Assign says that an organisation answers for an item, as its lead unit or a supporting one.
type Assign struct {
	OrgCode string `db:"org_code" json:"org_code"`
	Lead    bool   `db:"lead" json:"lead"`
}

// Target is a quantified target of an item (新建3萬個以上5G基站 → 30000 個 5G基站, at least).
type Target struct {
	ID       int64   `db:"id" json:"id"`
	ItemID   int64   `db:"item_id" json:"-"`
	Position int     `db:"position" json:"position"`
	Value    float64 `db:"value" json:"value"`
	Unit     string  `db:"unit" json:"unit"`
	Subject  string  `db:"subject" json:"subject"`
	Source   string  `db:"source" json:"source"`
	AtLeast  bool    `db:"at_least" json:"at_least"`
	Reached  float64 `db:"reached" json:"reached"`
}

// Met reports whether the reached figure meets the target.
func (t Target) Met() bool { return t.Reached >= t.Value }

// Damage is text of an item the importer found damaged, kept exactly as found.
type Damage struct {
	Position int    `db:"position" json:"position"`
	Offset   int    `db:"char_offset" json:"offset"`
	Text     string `db:"text" json:"text"`
}

// DeadlineClock tells how an item stands against its deadline, in working days.
type DeadlineClock struct {
	// DaysLeft is the number of working days from today to the deadline (negative when overdue).
	DaysLeft int  `json:"working_days_left"`
	Overdue  bool `json:"overdue"`
	DueSoon  bool `json:"due_soon"`
}

// Report is a responsible unit's progress report on an item.
type Report struct {
	ID            int64        `db:"id" json:"id"`
	ItemID        int64        `db:"item_id" json:"item_id"`
	OrgCode       string       `db:"org_code" json:"org_code"`
	Reporter      string       `db:"reporter" json:"reporter"`
	SubmittedAt   time.Time    `db:"submitted_at" json:"submitted_at"`
	Body          string       `db:"body" json:"text"`
	Progress      int          `db:"progress" json:"progress"`
	Status        string       `db:"status" json:"status"`
	Reviewer      string       `db:"reviewer" json:"reviewer,omitempty"`
	ReviewedAt    *time.Time   `db:"reviewed_at" json:"reviewed_at,omitempty"`
	ReviewComment string       `db:"review_comment" json:"review_comment,omitempty"`
	Figures       []Figure     `db:"-" json:"figures"`
	Attachments   []Attachment `db:"-" json:"attachments"`
}

// Figure is a reported value against one target.
type Figure struct {
	TargetID int64   `db:"target_id" json:"target_id"`
	Value    float64 `db:"value" json:"value"`
}

// Attachment is a file attached to a report, stored as a blob.
type Attachment struct {
	SHA256   string `db:"sha256" json:"sha256"`
	Filename string `db:"filename" json:"filename"`
}

// Calendar is the working-day arithmetic the plan needs (internal/calendar provides it).
type Calendar interface {
	WorkingDaysBetween(from, to time.Time) int
}

// Service is the work-plan domain: every read and change goes through it, and it decides who
// may do what.
type Service struct {
	db       *store.DB
	calendar Calendar
	clock    clock.Clock
	// Coordinator is the organisation that reviews progress and sets deadlines (省數字辦).
	coordinator string
	// DueSoon is how many working days before a deadline an item counts as due soon.
	dueSoon int
}

// DefaultCoordinator is the code of the provincial digital office in the organisation directory.
const DefaultCoordinator = "fj-digital-office"

// New returns the plan service over db, counting deadlines with cal.
func New(db *store.DB, cal Calendar) *Service {
	return &Service{db: db, calendar: cal, clock: db.Clock(), coordinator: DefaultCoordinator, dueSoon: 10}
}

// Coordinator returns the code of the coordinating organisation.
func (s *Service) Coordinator() string { return s.coordinator }
