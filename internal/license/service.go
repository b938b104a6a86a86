package license

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/ledger"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Key purposes (internal/keys) of licences.
const (
	// PurposeIssuer is an issuing organisation's key: it signs the organisation's licences and
	// is trusted as "<node>/<credit code>".
	PurposeIssuer = "license"
	// PurposeNode is the node's own key (of Config.NodeOrg): it signs presentations and status
	// snapshots and is trusted as "<node>".
	PurposeNode = "license-status"
	// PurposeDisclosures is the data key that seals the disclosures of licences' hidden claims.
	PurposeDisclosures = "license-disclosures"
)

// Topics of the events the service enqueues; their payloads carry identifiers only.
const (
	TopicIssued        = "license.issued"
	TopicChanged       = "license.changed"
	TopicSuspended     = "license.suspended"
	TopicReinstated    = "license.reinstated"
	TopicRevoked       = "license.revoked"
	TopicExpired       = "license.expired"
	TopicTypePublished = "license.type.published"
)

// What the service needs from other parts of the platform, declared here by the consumer and
// implemented by adapters in internal/app.

// Organisation is an organisation of this node's directory as licences name it.
type Organisation struct {
	Code string
	// CreditCode is its unified social credit code (GB 32100): the issuer code of its licences.
	CreditCode string
	NameHans   string
	// Region is its GB/T 2260 region code, the default jurisdiction of its licences.
	Region string
}

// Directory finds organisations with their credit codes (internal/org keeps no credit codes).
type Directory interface {
	// Organisation returns the organisation with code; errs.NotFound if there is none.
	Organisation(ctx context.Context, code string) (Organisation, error)
}

// Holders answers questions about licence holders (internal/identity).
type Holders interface {
	// Resident returns the name and resident ID number of the resident with account;
	// errs.NotFound if there is no such resident or they have no resident ID.
	Resident(ctx context.Context, account int64) (name, idNumber string, err error)
	// ResidentAccount returns the account of the resident with resident ID idNumber;
	// errs.NotFound if there is none.
	ResidentAccount(ctx context.Context, idNumber string) (int64, error)
	// Enterprise returns the name and the owner's account of the enterprise with creditCode;
	// errs.NotFound if it is not registered.
	Enterprise(ctx context.Context, creditCode string) (name string, owner int64, err error)
}

// Notifier puts messages in people's inboxes (internal/notify's Service).
type Notifier interface {
	// SendTx puts a message in account's inbox within tx: key is an i18n message key rendered
	// with args, link a local path.
	SendTx(ctx context.Context, tx *store.Tx, account int64, key string, args []string, link string) error
}

// CaseForms gives the form data of cases (internal/cases), from which a licence issued for an
// approved case takes its face data.
type CaseForms interface {
	// CaseForm returns the form values of case id as submitted (JSON numbers as float64);
	// errs.NotFound if there is no such case.
	CaseForm(ctx context.Context, caseID string) (map[string]any, error)
}

// Config configures a Service.
type Config struct {
	// Node is this node's GB/T 2260 province code, e.g. "350000": credentials' issuers are
	// "<Node>/<credit code>".
	Node string
	// NodeOrg is the organisation whose PurposeNode key speaks for the node; the digital
	// office if empty.
	NodeOrg string
	// Algorithm signs credentials, presentations and snapshots: keys.SM2 (the default) or
	// keys.ECDSAP256.
	Algorithm keys.Algorithm
	// Keys holds the signing keys and seals the disclosures; Ledger logs every licence's steps.
	Keys   *keys.Service
	Ledger *ledger.Log
	// Directory gives organisations' credit codes (required).
	Directory Directory
	// Holders finds holders' accounts: needed for the wallet, holders' messages and issuing
	// from cases; without it only officials' methods work.
	Holders Holders
	// Notifier tells holders of their licences; nil sends nothing.
	Notifier Notifier
	// Cases gives the form data of decided cases, for Subscribe.
	Cases CaseForms
	// Peers are the keys of other nodes (federation) that verification also trusts; may be nil.
	// A peer key that claims to sign for this node is ignored.
	Peers credential.Resolver
	// PeerSnapshots gives the peers' status snapshots (federation), checked against their node
	// keys in Peers, from which verification takes a peer's licence's state online
	// (peerstatus.go); nil leaves a peer's licence valid until the end of its validity.
	PeerSnapshots PeerSnapshots
	// PeerNodes are the approved peer nodes a holder may grant a licence to (grants.go); nil
	// allows grants to this node's organisations only.
	PeerNodes PeerNodes
	// PDFSigner seals licences' PDFs with their issuers' seals; without it PDF is
	// errs.Unavailable. PublicURL is where people reach this node (https://…, no path): the QR
	// code on a PDF reads PublicURL + "/verify?id=<identifier>" (a path alone when empty).
	PDFSigner PDFSigner
	PublicURL string
	// SnapshotTTL is how long a status snapshot is current (its next update); a day if zero.
	SnapshotTTL time.Duration
	// Clock gives today's date and verification times; the store's clock if nil.
	Clock clock.Clock
	// StatusFresh is how long verification answers from a licence's status held in memory
	// (statuscache.go): a change made through another instance over the same database is seen
	// at most this late. Two seconds if zero; negative reads the database every time.
	StatusFresh time.Duration
	// Logger reports failures of work done in the background (writing uses); slog's default
	// if nil.
	Logger *slog.Logger
}

// Service keeps licence types and licences. Who may do what:
//
//   - anyone reads published types and verifies licences;
//   - administrators of an organisation save and submit drafts of its types; officials of the
//     organisation and of the digital office read every version;
//   - administrators of the digital office publish submitted versions or return them;
//   - approvers of an organisation issue its licences and suspend, reinstate, revoke and change
//     them; its officials read them;
//   - a holder (the resident, or an agent acting for the enterprise with the "licences" scope)
//     reads and presents their own licences.
//
// Everything else is errs.Forbidden, or errs.NotFound where saying so would reveal a licence or
// type the principal may not see.
type Service struct {
	db    *store.DB
	cfg   Config
	clock clock.Clock
	trust *nodeResolver
	// peerSnaps are the peers' status snapshots as checked (peerstatus.go).
	peerSnaps peerSnapshots
	// statuses are the licences' statuses verification reads (statuscache.go).
	statuses *statusCache
	// uses are the verifications' uses waiting to be written (uselog.go).
	uses *useLog
}

// New returns the licence service over db.
func New(db *store.DB, cfg Config) (*Service, error) {
	switch {
	case db == nil:
		return nil, errors.New("license.New: no database")
	case cfg.Keys == nil || cfg.Ledger == nil || cfg.Directory == nil:
		return nil, errors.New("license.New: keys, ledger and directory are required")
	}
	if err := idcode.ValidateRegionCode(cfg.Node); err != nil {
		return nil, fmt.Errorf("license.New: node %q is not a region code", cfg.Node)
	}
	if cfg.NodeOrg == "" {
		cfg.NodeOrg = org.DigitalOffice
	}
	switch cfg.Algorithm {
	case "":
		cfg.Algorithm = keys.SM2
	case keys.SM2, keys.ECDSAP256:
	default:
		return nil, fmt.Errorf("license.New: algorithm %q: licences are signed with SM2 or ECDSA-P256", cfg.Algorithm)
	}
	if cfg.SnapshotTTL <= 0 {
		cfg.SnapshotTTL = 24 * time.Hour
	}
	if cfg.StatusFresh == 0 {
		cfg.StatusFresh = 2 * time.Second
	}
	s := &Service{db: db, cfg: cfg, clock: cfg.Clock}
	if s.clock == nil {
		s.clock = db.Clock()
	}
	s.trust = newNodeResolver(s)
	s.statuses = newStatusCache(cfg.StatusFresh)
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	s.uses = &useLog{db: db, logger: logger, limit: maxQueuedUses}
	return s, nil
}

// Node returns this node's code.
func (s *Service) Node() string { return s.cfg.Node }

// credAlg is the credential algorithm of the configured key algorithm.
func (s *Service) credAlg() credential.Algorithm {
	if s.cfg.Algorithm == keys.ECDSAP256 {
		return credential.ES256
	}
	return credential.SM2
}

// issuerName is the credential issuer of an organisation with credit code.
func (s *Service) issuerName(creditCode string) string { return s.cfg.Node + "/" + creditCode }

// systemCtx is ctx acting as the platform, for the key service's own checks.
func systemCtx(ctx context.Context) context.Context {
	return principal.With(ctx, principal.SystemPrincipal)
}

// issuerSigner returns the signer of organisation orgCode's licence key, creating the key if it
// has none. It runs a transaction of its own: call it before the transaction that signs.
func (s *Service) issuerSigner(ctx context.Context, orgCode string) (*keys.Signer, error) {
	return s.cfg.Keys.EnsureSigner(systemCtx(ctx), orgCode, PurposeIssuer, s.cfg.Algorithm)
}

// nodeSigner returns the signer of the node's key, creating it if there is none (a transaction
// of its own).
func (s *Service) nodeSigner(ctx context.Context) (*keys.Signer, error) {
	return s.cfg.Keys.EnsureSigner(systemCtx(ctx), s.cfg.NodeOrg, PurposeNode, s.cfg.Algorithm)
}

// NodeKey returns the id and public key of the node's key, which signs presentations and status
// snapshots (creating it if there is none): what a trust list publishes and an offline verifier
// checks a snapshot with.
func (s *Service) NodeKey(ctx context.Context) (credential.TrustedKey, string, error) {
	sg, err := s.nodeSigner(ctx)
	if err != nil {
		return credential.TrustedKey{}, "", err
	}
	return credential.TrustedKey{Public: sg.Public(), Owner: s.cfg.Node}, sg.Key().ID, nil
}

// today is the civil date in China at t.
func today(t time.Time) string { return t.In(clock.China).Format(dateLayout) }

const dateLayout = "2006-01-02"

// MayEditTypes reports whether p may save and submit drafts of organisation orgCode's licence
// types: its administrators (and the system).
func MayEditTypes(p principal.Principal, orgCode string) bool {
	return p.Kind == principal.System ||
		p.Kind == principal.Official && p.HasRole(principal.RoleAdministrator) && p.OrgCode == orgCode
}

// MayDecideTypes reports whether p may publish or return submitted versions of licence types:
// the digital office's administrators (and the system).
func MayDecideTypes(p principal.Principal) bool {
	return p.Kind == principal.System ||
		p.Kind == principal.Official && p.HasRole(principal.RoleAdministrator) && p.OrgCode == org.DigitalOffice
}

// MaySeeTypeVersions reports whether p may read every version of organisation orgCode's licence
// types, drafts included: its officials and the digital office's.
func MaySeeTypeVersions(p principal.Principal, orgCode string) bool {
	return p.Kind == principal.System ||
		p.Kind == principal.Official && (p.OrgCode == orgCode || p.OrgCode == org.DigitalOffice)
}

// MayIssue reports whether p may issue, suspend, reinstate, revoke and change organisation
// orgCode's licences: its approvers (and the system).
func MayIssue(p principal.Principal, orgCode string) bool {
	return p.Kind == principal.System || p.IsOfficial(orgCode) && orgCode != "" && p.HasRole(principal.RoleApprover)
}

// errNotFound is the error for a licence that does not exist or that the principal may not see.
func errNotFound() error { return errs.E(errs.NotFound, "license.error.not_found") }
