package federation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/ledger"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Key purposes (internal/keys) that a trust list names. They are internal/license's
// PurposeIssuer and PurposeNode, repeated here because domains do not import each other.
const (
	// PurposeIssuer is an organisation's licence key, trusted as "<node>/<credit code>".
	PurposeIssuer = "license"
	// PurposeNode is the node's own key (of Config.NodeOrg), trusted as "<node>": it signs
	// presentations, status snapshots and the node's trust list.
	PurposeNode = "license-status"
)

// TrustListPath is where a node serves its current trust list, below its endpoint.
const TrustListPath = "/api/v1/federation/trust-list"

// What the service needs from other parts of the platform, declared here by the consumer and
// implemented by adapters in internal/app.

// Directory gives this node's organisations' credit codes (internal/org keeps none).
type Directory interface {
	// CreditCode returns the unified social credit code (GB 32100) of organisation orgCode;
	// errs.NotFound if it has none, and then its keys are left out of the trust list.
	CreditCode(ctx context.Context, orgCode string) (string, error)
}

// LicenceTypes gives the licence types this node publishes (internal/license).
type LicenceTypes interface {
	// PublishedTypeCodes returns the codes of the published licence types
	// (license.Service.PublishedTypes).
	PublishedTypeCodes(ctx context.Context) ([]string, error)
}

// Transport makes Fetch's HTTP request: domains do not import net/http, so internal/app wires
// one over an http.Client.
type Transport interface {
	// Get returns the body of a GET of url answered 200 OK. It reads at most limit bytes and
	// fails with errs.TooLarge beyond; it follows no redirect; ctx bounds its time. Any other
	// failure is an error of any kind (Fetch reports it as the peer being unreachable).
	Get(ctx context.Context, url string, limit int64) ([]byte, error)
}

// Config configures a Service.
type Config struct {
	// Node is this node's GB/T 2260 province code, e.g. "350000"; Name its name, "福建省".
	Node string
	Name string
	// NodeOrg is the organisation whose PurposeNode key speaks for the node (the key of
	// license.Config.NodeOrg); the digital office if empty.
	NodeOrg string
	// Algorithm of the node key: keys.SM2 (the default) or keys.ECDSAP256, as licence's.
	Algorithm keys.Algorithm
	// Endpoint is this node's base URL (https, or http on loopback); StatusURL where its signed
	// status snapshot is served (may be empty).
	Endpoint  string
	StatusURL string
	// TTL is how long a published list is current (its next update); seven days if zero. A
	// list with half its time left is published again under the next version.
	TTL time.Duration
	// FetchTimeout bounds Fetch and RefreshSnapshot; ten seconds if zero.
	FetchTimeout time.Duration
	// SnapshotEvery is how often Run fetches the approved peers' status snapshots, more often
	// than their trust lists (revocations should be seen soon); five minutes if zero.
	SnapshotEvery time.Duration
	// Keys holds the node's and organisations' keys; Ledger logs every list published and
	// imported.
	Keys   *keys.Service
	Ledger *ledger.Log
	// Directory gives credit codes and Types the published licence types (both required).
	Directory Directory
	Types     LicenceTypes
	// Transport fetches peers' lists; without it Fetch is errs.Unavailable.
	Transport Transport
	// Clock gives the time of freshness checks and of the cache; the store's clock if nil.
	Clock clock.Clock
	// Logger reports peers' stored lists that no longer open; slog.Default() if nil.
	Logger *slog.Logger
}

// Service publishes this node's trust list and keeps its peers. Who may do what:
//
//   - anyone reads the current published list (Current) and the node key (NodeKey);
//   - administrators of the digital office publish, register peers, approve and suspend them,
//     and import or fetch their lists (and the system, for the periodic Run);
//   - officials of the digital office read the peers and the versions of their lists.
//
// Everything else is errs.Forbidden.
type Service struct {
	db    *store.DB
	cfg   Config
	clock clock.Clock
	log   *slog.Logger

	// The peers' keys, loaded from the database and reloaded after cacheTTL or once a change
	// of this process invalidates them (gen counts invalidations, so that a load that began
	// before one is not kept).
	reload sync.Mutex
	mu     sync.Mutex
	gen    uint64
	trust  atomic.Pointer[peerTrust]

	// The peers' status snapshots as last read or fetched, by peer code (PeerSnapshot).
	snapMu sync.Mutex
	snaps  map[string]heldSnapshot
}

// New returns the federation service over db.
func New(db *store.DB, cfg Config) (*Service, error) {
	switch {
	case db == nil:
		return nil, errors.New("federation.New: no database")
	case cfg.Keys == nil || cfg.Ledger == nil || cfg.Directory == nil || cfg.Types == nil:
		return nil, errors.New("federation.New: keys, ledger, directory and licence types are required")
	case strings.TrimSpace(cfg.Name) == "":
		return nil, errors.New("federation.New: the node needs a name")
	}
	if err := idcode.ValidateRegionCode(cfg.Node); err != nil || !strings.HasSuffix(cfg.Node, "0000") {
		return nil, fmt.Errorf("federation.New: node %q is not a province code", cfg.Node)
	}
	cfg.Endpoint = strings.TrimSuffix(cfg.Endpoint, "/")
	if err := checkEndpoint(cfg.Endpoint); err != nil {
		return nil, fmt.Errorf("federation.New: %w", err)
	}
	if cfg.NodeOrg == "" {
		cfg.NodeOrg = org.DigitalOffice
	}
	switch cfg.Algorithm {
	case "":
		cfg.Algorithm = keys.SM2
	case keys.SM2, keys.ECDSAP256:
	default:
		return nil, fmt.Errorf("federation.New: algorithm %q: the node key is SM2 or ECDSA-P256", cfg.Algorithm)
	}
	if cfg.TTL <= 0 {
		cfg.TTL = 7 * 24 * time.Hour
	}
	if cfg.FetchTimeout <= 0 {
		cfg.FetchTimeout = 10 * time.Second
	}
	if cfg.SnapshotEvery <= 0 {
		cfg.SnapshotEvery = 5 * time.Minute
	}
	s := &Service{db: db, cfg: cfg, clock: cfg.Clock, log: cfg.Logger}
	if s.clock == nil {
		s.clock = db.Clock()
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s, nil
}

// Node returns this node's code.
func (s *Service) Node() string { return s.cfg.Node }

// credAlg is the credential algorithm of the node key.
func (s *Service) credAlg() credential.Algorithm {
	if s.cfg.Algorithm == keys.ECDSAP256 {
		return credential.ES256
	}
	return credential.SM2
}

// systemCtx is ctx acting as the platform, for the key service's own checks.
func systemCtx(ctx context.Context) context.Context {
	return principal.With(ctx, principal.SystemPrincipal)
}

// MayManage reports whether p may publish this node's list, register, approve and suspend
// peers and import their lists: the digital office's administrators (and the system).
func MayManage(p principal.Principal) bool {
	return p.Kind == principal.System ||
		p.Kind == principal.Official && p.HasRole(principal.RoleAdministrator) && p.OrgCode == org.DigitalOffice
}

// MaySee reports whether p may read the peers and their lists' versions: the digital office's
// officials (and the system).
func MaySee(p principal.Principal) bool {
	return p.Kind == principal.System || p.Kind == principal.Official && p.OrgCode == org.DigitalOffice
}

// coversNode reports whether a key owned by owner would sign for node or one of its
// organisations.
func coversNode(owner, node string) bool {
	return owner == "" || owner == node || strings.HasPrefix(owner, node+"/")
}
