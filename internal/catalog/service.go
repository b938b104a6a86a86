package catalog

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/search"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Service keeps the catalogue: drafts and their review, the published items and bundles, and
// searching them. Who may do what:
//
//   - anyone, signed in or not, reads and searches the published versions;
//   - officials of an entry's organisation and of the digital office read every version;
//   - administrators of the organisation save drafts and submit them;
//   - administrators of the digital office publish submitted versions or return them.
//
// Everything else is errs.Forbidden, or errs.NotFound where saying so would reveal an entry the
// principal may not see.
type Service struct {
	db    *store.DB
	index *search.Index
	orgs  orgCache
	// province is the GB/T 2260 code of the node's province (WithProvince).
	province string
}

// Option adjusts a Service.
type Option func(*Service)

// WithProvince makes the catalogue the one of the node of province (its GB/T 2260 code;
// 350000, Fujian, by default): its items are that province's, and another province's only when
// they allow cross-province handling (跨省通辦) — listed here so that windows collect
// applications for them, which the node hands over to that province's node.
func WithProvince(code string) Option { return func(s *Service) { s.province = code } }

// New returns the catalogue over db, indexing published entries in ix.
func New(db *store.DB, ix *search.Index, opts ...Option) (*Service, error) {
	if db == nil || ix == nil {
		return nil, errors.New("catalog.New: no database or search index")
	}
	s := &Service{db: db, index: ix, province: "350000"}
	for _, o := range opts {
		o(s)
	}
	if idcode.ValidateRegionCode(s.province) != nil {
		return nil, fmt.Errorf("catalog.New: province %q is not a region code", s.province)
	}
	return s, nil
}

// Search document kinds of the catalogue in the shared index.
const (
	docItem   = "catalog.item"
	docBundle = "catalog.bundle"
)

func docKind(k Kind) string {
	if k == KindBundle {
		return docBundle
	}
	return docItem
}

// MayEdit reports whether p may save and submit drafts of organisation orgCode's entries: its
// administrators (and the system).
func MayEdit(p principal.Principal, orgCode string) bool {
	return p.Kind == principal.System ||
		p.Kind == principal.Official && p.HasRole(principal.RoleAdministrator) && p.OrgCode == orgCode
}

// MayDecide reports whether p may publish or return submitted versions: the digital office's
// administrators (and the system).
func MayDecide(p principal.Principal) bool {
	return p.Kind == principal.System ||
		p.Kind == principal.Official && p.HasRole(principal.RoleAdministrator) && p.OrgCode == org.DigitalOffice
}

// MaySeeVersions reports whether p may read every version of organisation orgCode's entries,
// drafts included: its officials and the digital office's.
func MaySeeVersions(p principal.Principal, orgCode string) bool {
	return p.Kind == principal.System ||
		p.Kind == principal.Official && (p.OrgCode == orgCode || p.OrgCode == org.DigitalOffice)
}

// Revision is the workflow record of one version of an entry.
type Revision struct {
	Kind         Kind       `db:"kind" json:"kind"`
	Code         string     `db:"code" json:"code"`
	Version      int        `db:"version" json:"version"`
	Status       Status     `db:"status" json:"status"`
	Org          string     `db:"org_code" json:"org"`
	NameHans     string     `db:"name_hans" json:"name_hans"`
	NameHant     string     `db:"name_hant" json:"name_hant"`
	NameEn       string     `db:"name_en" json:"name_en"`
	CreatedBy    string     `db:"created_by" json:"created_by"`
	CreatedAt    time.Time  `db:"created_at" json:"created_at"`
	UpdatedBy    string     `db:"updated_by" json:"updated_by"`
	UpdatedAt    time.Time  `db:"updated_at" json:"updated_at"`
	SubmittedBy  *string    `db:"submitted_by" json:"submitted_by,omitempty"`
	SubmittedAt  *time.Time `db:"submitted_at" json:"submitted_at,omitempty"`
	DecidedBy    *string    `db:"decided_by" json:"decided_by,omitempty"`
	DecidedAt    *time.Time `db:"decided_at" json:"decided_at,omitempty"`
	ReturnReason string     `db:"return_reason" json:"return_reason,omitempty"`
}

// Name returns the version's name in language tag lang.
func (r Revision) Name(lang string) string {
	return Text{Hans: r.NameHans, Hant: r.NameHant, En: r.NameEn}.In(lang)
}

const revisionColumns = `v.kind, v.code, v.version, v.status, e.org_code, v.name_hans, v.name_hant, v.name_en,
	v.created_by, v.created_at, v.updated_by, v.updated_at, v.submitted_by, v.submitted_at, v.decided_by,
	v.decided_at, v.return_reason`

// entry is a catalogue entry's row.
type entry struct {
	Kind             Kind      `db:"kind"`
	Code             string    `db:"code"`
	Org              string    `db:"org_code"`
	LatestVersion    int       `db:"latest_version"`
	PublishedVersion *int      `db:"published_version"`
	CreatedAt        time.Time `db:"created_at"`
	UpdatedAt        time.Time `db:"updated_at"`
}

// getter is what reads rows: the database or a transaction.
type getter interface {
	Get(ctx context.Context, dest any, query string, args ...any) error
	Select(ctx context.Context, dest any, query string, args ...any) error
}

func loadEntry(ctx context.Context, g getter, kind Kind, code string) (entry, error) {
	var e entry
	err := g.Get(ctx, &e, `SELECT kind, code, org_code, latest_version, published_version, created_at, updated_at
		FROM catalog_entries WHERE kind = ? AND code = ?`, kind, code)
	return e, err
}

// notFound is the error for an entry that does not exist or that the principal may not see.
func notFound(kind Kind) error {
	if kind == KindBundle {
		return errs.E(errs.NotFound, "catalog.error.bundle_not_found")
	}
	return errs.E(errs.NotFound, "catalog.error.item_not_found")
}

// orgCache keeps the organisations entries name (their regions, and their names for the search
// index) for a minute: an import names the same few organisations thousands of times, and
// organisations change rarely.
type orgCache struct {
	mu sync.Mutex
	m  map[string]cachedOrg
}

type cachedOrg struct {
	o  org.Organisation
	at time.Time
}

const orgCacheTTL = time.Minute

// org returns organisation code (errs.NotFound if there is none).
func (s *Service) org(ctx context.Context, code string) (org.Organisation, error) {
	s.orgs.mu.Lock()
	c, ok := s.orgs.m[code]
	s.orgs.mu.Unlock()
	if ok && time.Since(c.at) < orgCacheTTL {
		return c.o, nil
	}
	o, err := org.Get(ctx, s.db, code)
	if err != nil {
		return o, err
	}
	s.orgs.mu.Lock()
	if s.orgs.m == nil {
		s.orgs.m = map[string]cachedOrg{}
	}
	s.orgs.m[code] = cachedOrg{o, time.Now()}
	s.orgs.mu.Unlock()
	return o, nil
}

// objectType names an entry's kind in audit records.
func objectType(kind Kind) string { return "catalog_" + string(kind) }
