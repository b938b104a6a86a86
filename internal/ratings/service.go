// Package ratings is the service-rating system (好差評, GB/T 39734/39735-2020): one rating per
// completed case and per window visit on five levels, rectification of bad ratings by a deadline
// in working days with call-backs, appeals against malicious ratings decided by the digital
// office, and published totals per department and item.
//
// Who may do what is decided here, from the principal: only a case's applicant rates it; anyone
// holding a visit's one-time code rates that visit; officials read their own organisation's
// ratings and tasks (the digital office's read all); the rated organisation's administrators
// rectify and appeal; only the digital office's administrators decide appeals. Statistics are
// public and carry no personal data; comments reach officials only masked.
package ratings

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Subject is a case as far as rating it goes: whose it is, which organisation and item it was,
// and whether it is completed.
type Subject struct {
	CaseID, CaseNumber string
	// Owner is the applicant's account; OwnerActingFor the credit code of the enterprise an
	// agent applied for ("" for a person's own case). Only they may rate the case.
	Owner          int64
	OwnerActingFor string
	Org, ItemCode  string
	ItemNameHans   string
	Completed      bool
	CompletedAt    time.Time
}

// CaseSource finds the cases people rate (the platform adapts internal/cases). RatingSubject
// returns errs.NotFound if there is no such case.
type CaseSource interface {
	RatingSubject(ctx context.Context, caseID string) (Subject, error)
}

// Calendar counts working days (a *calendar.Calendar or *calendar.Live).
type Calendar interface {
	AddWorkingDays(start time.Time, n int) time.Time
}

// Notifier puts a message in a person's inbox within the caller's transaction (notify.SendTx).
// key is an i18n message key rendered in the reader's language with args; link a local path.
type Notifier interface {
	SendTx(ctx context.Context, tx *store.Tx, account int64, key string, args []string, link string) error
}

// Deadline bounds, in working days, of rectifying a bad rating: local rules set 5 to 15.
const (
	DefaultDeadlineDays = 10
	MinDeadlineDays     = 5
	MaxDeadlineDays     = 15
)

// DefaultVisitTTL is how long a visit's code may be used.
const DefaultVisitTTL = 24 * time.Hour

// Config configures the service.
type Config struct {
	// Cases finds the cases rated; without it no case can be rated.
	Cases CaseSource
	// Calendar counts the rectification deadline in working days; required.
	Calendar Calendar
	// DeadlineDays is the rectification deadline in working days, 5–15; DefaultDeadlineDays when 0.
	DeadlineDays int
	// VisitTTL is how long a visit's code may be used; DefaultVisitTTL when 0.
	VisitTTL time.Duration
	// Notifier, when set, tells the rated organisation's administrators of a bad rating (through
	// Administrators) and the person of the outcome when a task is closed.
	Notifier Notifier
	// Administrators returns the accounts of an organisation's administrators; nil tells nobody.
	Administrators func(ctx context.Context, orgCode string) ([]int64, error)
	// CodeKey keys the stored hashes of visit codes (required, at least MinCodeKey bytes): the
	// node secret keys.SecretRatingVisitCodes, the same on every node.
	CodeKey []byte
}

// MinCodeKey is the least length of Config.CodeKey in bytes.
const MinCodeKey = 32

// Service is the rating system.
type Service struct {
	db  *store.DB
	cfg Config
}

// New returns the service. It returns errs.Invalid if the deadline is outside 5–15 working days,
// no calendar is given or the code key is missing or short.
func New(db *store.DB, cfg Config) (*Service, error) {
	if cfg.DeadlineDays == 0 {
		cfg.DeadlineDays = DefaultDeadlineDays
	}
	if cfg.DeadlineDays < MinDeadlineDays || cfg.DeadlineDays > MaxDeadlineDays {
		return nil, errs.E(errs.Invalid, "ratings.error.deadline_days", MinDeadlineDays, MaxDeadlineDays)
	}
	if cfg.Calendar == nil {
		return nil, errs.E(errs.Invalid, "ratings.error.no_calendar")
	}
	if len(cfg.CodeKey) < MinCodeKey {
		return nil, errs.Wrapf(errs.Invalid, fmt.Errorf("ratings.New: the visit-code key (CodeKey) has %d bytes, want at least %d, "+
			"e.g. the key service's Secret(keys.SecretRatingVisitCodes)", len(cfg.CodeKey), MinCodeKey), "ratings.error.code_key", MinCodeKey)
	}
	cfg.CodeKey = slices.Clone(cfg.CodeKey)
	if cfg.VisitTTL <= 0 {
		cfg.VisitTTL = DefaultVisitTTL
	}
	return &Service{db: db, cfg: cfg}, nil
}

// DeadlineDays is the rectification deadline in working days.
func (s *Service) DeadlineDays() int { return s.cfg.DeadlineDays }

// VisitTTL is how long a visit's code may be used.
func (s *Service) VisitTTL() time.Duration { return s.cfg.VisitTTL }

// ---- who may do what --------------------------------------------------------------------

// readsOrg reports whether p may read an organisation's ratings, tasks and appeals: its
// officials, the digital office's officials, and Yiwang itself.
func readsOrg(p principal.Principal, orgCode string) bool {
	return p.Kind == principal.System || p.Kind == principal.Official && (p.OrgCode == orgCode || p.OrgCode == org.DigitalOffice)
}

// worksFor reports whether p is an official of organisation orgCode itself.
func worksFor(p principal.Principal, orgCode string) bool {
	return p.Kind == principal.Official && p.OrgCode == orgCode && orgCode != ""
}

// administers reports whether p is an administrator of organisation orgCode itself: they
// rectify its bad ratings and appeal against malicious ones.
func administers(p principal.Principal, orgCode string) bool {
	return worksFor(p, orgCode) && p.HasRole(principal.RoleAdministrator)
}

// decidesAppeals reports whether p is an administrator of the digital office.
func decidesAppeals(p principal.Principal) bool {
	return p.Kind == principal.Official && p.OrgCode == org.DigitalOffice && p.HasRole(principal.RoleAdministrator)
}

// isPerson reports whether p is a signed-in resident or enterprise agent.
func isPerson(p principal.Principal) bool {
	return (p.Kind == principal.Resident || p.Kind == principal.Agent) && p.AccountID != 0
}

// SeesAllOrgs reports whether p reads every organisation's ratings (the digital office).
func SeesAllOrgs(p principal.Principal) bool {
	return p.Kind == principal.System || p.IsOfficial(org.DigitalOffice)
}

// MayOpenVisits reports whether p may open window visits: window officers.
func MayOpenVisits(p principal.Principal) bool {
	return p.Kind == principal.Official && p.HasRole(principal.RoleWindowOfficer) && p.OrgCode != ""
}

// MayRectify reports whether p may verify, rectify, close and appeal for organisation orgCode.
func MayRectify(p principal.Principal, orgCode string) bool { return administers(p, orgCode) }

// MayCallBack reports whether p may record call-backs for organisation orgCode: its officials.
func MayCallBack(p principal.Principal, orgCode string) bool { return worksFor(p, orgCode) }

// MayDecideAppeals reports whether p decides appeals: the digital office's administrators.
func MayDecideAppeals(p principal.Principal) bool { return decidesAppeals(p) }

// newID returns prefix and 20 random hex digits.
func newID(prefix string) string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// b2i stores a bool in the INTEGER columns both engines share.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
