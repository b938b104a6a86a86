package cases

import (
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/yiwang-platform/yiwang/internal/ledger"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// DefaultWarnDays is how many working days before its due date a case becomes due soon.
const DefaultWarnDays = 2

// Config wires a Service.
type Config struct {
	// Catalog gives the published items and bundles (required).
	Catalog Catalog
	// People resolves applicants and the officials to notify (required).
	People People
	// Calendar does the working-day arithmetic (required): *calendar.Live in the platform.
	Calendar WorkingDays
	// Signer signs decisions (required to decide) and Ledger logs them (required to decide).
	Signer DecisionSigner
	Ledger *ledger.Log
	// Fees opens fee orders; nil refuses to approve an item with fees.
	Fees Fees
	// Notifier sends inbox messages; nil sends none.
	Notifier Notifier
	// Scanner checks uploads; nil uses ExecutableFilter.
	Scanner Scanner
	// WarnDays is how many working days before the due date a case is due soon; 0 means
	// DefaultWarnDays.
	WarnDays int
	// Node names this node in transfers to other provinces (e.g. "fj" or its URL); Region is its
	// region code (the province, 350000 by default), used in the numbers of bundles' parents.
	Node   string
	Region string
	// CodeKey keys the stored hashes of query codes (required, at least MinCodeKey bytes): the
	// node secret keys.SecretCaseQueryCodes, the same on every node.
	CodeKey []byte
}

// Service handles cases. It is safe for concurrent use.
type Service struct {
	db  *store.DB
	cfg Config
	// schemas caches compiled form schemas by the SHA-256 of their JSON; specs the decoded
	// item and bundle specs by their hash (*specData), stored those known to be in case_specs.
	schemas sync.Map
	specs   sync.Map
	stored  sync.Map
	// officialsCache remembers whom to notify per organisation and roles (officialsEntry).
	officialsCache sync.Map
}

// New returns the case service over db.
func New(db *store.DB, cfg Config) (*Service, error) {
	switch {
	case db == nil:
		return nil, errors.New("cases.New: no database")
	case cfg.Catalog == nil:
		return nil, errors.New("cases.New: no catalog")
	case cfg.People == nil:
		return nil, errors.New("cases.New: no people directory")
	case cfg.Calendar == nil:
		return nil, errors.New("cases.New: no calendar")
	case len(cfg.CodeKey) < MinCodeKey:
		return nil, fmt.Errorf("cases.New: the query-code key (CodeKey) must be at least %d bytes, "+
			"e.g. the key service's Secret(keys.SecretCaseQueryCodes); got %d", MinCodeKey, len(cfg.CodeKey))
	}
	cfg.CodeKey = slices.Clone(cfg.CodeKey)
	if cfg.Scanner == nil {
		cfg.Scanner = ExecutableFilter{}
	}
	if cfg.WarnDays <= 0 {
		cfg.WarnDays = DefaultWarnDays
	}
	if cfg.Region == "" {
		cfg.Region = "350000"
	}
	if cfg.Node == "" {
		cfg.Node = cfg.Region
	}
	return &Service{db: db, cfg: cfg}, nil
}
