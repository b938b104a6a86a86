// Package ledger is Yiwang's tamper-evident transparency log — the "Digital Fujian blockchain
// application service platform" and its notarisation (存證) service — kept in Yiwang's own
// database: typed entries that carry digests (never personal data in clear) are the leaves of an
// RFC 6962 Merkle tree (golang.org/x/mod/sumdb/tlog), whose hashes are stored in the same
// transaction as the entry; signed checkpoints (C2SP tlog-checkpoint, signed notes) commit to
// the tree, witnesses cosign them after checking consistency, and Audit recomputes everything
// from the entries so that a row edited directly in the database is found out.
//
// Writers: AppendTx inside a domain's own transaction (a licence is issued and logged, or
// neither), Append for standalone records (concurrent callers share one transaction: group
// commit), Notarise for departments' document digests. Readers: entries, inclusion and
// consistency proofs, tiles (tlog tile paths, height 8) and checkpoints, for the HTTP read API
// and for auditors. Run signs a checkpoint at least every second while the tree grows and
// submits it to the configured witnesses.
package ledger

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// TileHeight is the height of the tiles the log serves (tlog tile paths tile/8/…).
const TileHeight = 8

// DefaultInterval is how often Run looks for growth to sign.
const DefaultInterval = time.Second

// WitnessPeer is a witness this log submits its checkpoints to.
type WitnessPeer struct {
	// URL is the witness's submission prefix: checkpoints are POSTed to URL + "/add-checkpoint"
	// (for another Yiwang node, https://node/ledger/witness).
	URL string
	// VerifierKey is the witness's note verifier key; its cosignatures are checked against it.
	VerifierKey string
}

// Config configures a Log.
type Config struct {
	// Origin is the checkpoint origin line, e.g. "yiwang.fujian.gov.cn/350000/ledger": a
	// schema-less URL without spaces or plus signs.
	Origin string
	// Signer is the Ed25519 note signer of this log.
	Signer note.Signer
	// VerifierKey is the note verifier key of Signer. It may be left empty when Signer has a
	// method VerifierKey() string that gives it.
	VerifierKey string
	// Witnesses are the witnesses Run submits checkpoints to.
	Witnesses []WitnessPeer
	// Clock is used for the times of checkpoints and cosignatures; the store's clock if nil.
	Clock clock.Clock
	// Interval is how often Run signs a checkpoint when the tree grew; DefaultInterval if zero.
	Interval time.Duration
	// HTTPClient talks to witnesses; a client with a 10-second timeout if nil.
	HTTPClient *http.Client
	// Logger receives Run's warnings; slog.Default() if nil.
	Logger *slog.Logger
}

// Log is the transparency log over one database.
type Log struct {
	db          *store.DB
	cfg         Config
	verifier    note.Verifier
	verifierKey string
	witnesses   []*peer
	log         *slog.Logger

	// Group commit (Append): waiting requests and whether a leader is committing.
	mu    sync.Mutex
	queue []*appendReq
	busy  bool

	// The PostgreSQL gate between AppendTx and group commits (see gateWait).
	gateMu     sync.Mutex
	external   int
	noExternal chan struct{}
	leaderTx   chan struct{}

	// signMu serialises checkpoint signing in this process, so that concurrent callers of
	// CheckpointCovering coalesce into one signature.
	signMu sync.Mutex
}

// New returns the log stored in db, signing with cfg.Signer. It checks that the signer and its
// verifier key belong together.
func New(db *store.DB, cfg Config) (*Log, error) {
	if db == nil {
		return nil, errors.New("ledger.New: no database")
	}
	if cfg.Origin == "" || strings.ContainsAny(cfg.Origin, " \t\n+") {
		return nil, fmt.Errorf("ledger.New: origin %q must be non-empty, without spaces or plus signs", cfg.Origin)
	}
	if cfg.Signer == nil {
		return nil, errors.New("ledger.New: no signer")
	}
	vkey := cfg.VerifierKey
	if vkey == "" {
		if vk, ok := cfg.Signer.(interface{ VerifierKey() string }); ok {
			vkey = vk.VerifierKey()
		}
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("ledger.New: verifier key: %w", err)
	}
	if v.Name() != cfg.Signer.Name() || v.KeyHash() != cfg.Signer.KeyHash() {
		return nil, fmt.Errorf("ledger.New: verifier key %s is not the signer's (%s)", v.Name(), cfg.Signer.Name())
	}
	probe := []byte("yiwang ledger key check\n")
	sig, err := cfg.Signer.Sign(probe)
	if err != nil || !v.Verify(probe, sig) {
		return nil, fmt.Errorf("ledger.New: the verifier key does not verify the signer's signatures (%v)", err)
	}
	if cfg.Clock == nil {
		cfg.Clock = db.Clock()
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	l := &Log{db: db, cfg: cfg, verifier: v, verifierKey: vkey, log: cfg.Logger}
	if l.log == nil {
		l.log = slog.Default()
	}
	for _, w := range cfg.Witnesses {
		wv, err := note.NewVerifier(w.VerifierKey)
		if err != nil {
			return nil, fmt.Errorf("ledger.New: witness %s: verifier key: %w", w.URL, err)
		}
		if !strings.HasPrefix(w.URL, "https://") && !strings.HasPrefix(w.URL, "http://") {
			return nil, fmt.Errorf("ledger.New: witness URL %q is not http(s)", w.URL)
		}
		l.witnesses = append(l.witnesses, &peer{url: strings.TrimSuffix(w.URL, "/"), verifier: wv, size: -1})
	}
	return l, nil
}

// Origin is the log's checkpoint origin.
func (l *Log) Origin() string { return l.cfg.Origin }

// VerifierKey returns the note verifier key of this log.
func (l *Log) VerifierKey() string { return l.verifierKey }

// Size returns the number of entries committed to the log.
func (l *Log) Size(ctx context.Context) (int64, error) {
	return headSize(ctx, l.db)
}

// querier is what reading needs of a *store.DB or a *store.Tx.
type querier interface {
	Select(ctx context.Context, dest any, query string, args ...any) error
	Get(ctx context.Context, dest any, query string, args ...any) error
}

func headSize(ctx context.Context, q querier) (int64, error) {
	var n int64
	if err := q.Get(ctx, &n, `SELECT size FROM ledger_head WHERE id = 1`); err != nil {
		return 0, errs.Wrapf(errs.Internal, err, "error.internal")
	}
	return n, nil
}

// hashReader reads stored hashes through q; it implements tlog.HashReader.
type hashReader struct {
	ctx context.Context
	q   querier
}

type hashRow struct {
	ID   int64  `db:"id"`
	Hash []byte `db:"hash"`
}

// maxInList bounds the placeholders of one IN (…) list.
const maxInList = 500

// ReadHashes returns the hashes at the storage indexes asked for, in order. A missing or
// malformed hash is an error: the tree is incomplete or was tampered with.
func (r hashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	if len(indexes) == 0 {
		return nil, nil
	}
	found := make(map[int64]tlog.Hash, len(indexes))
	lo, hi := indexes[0], indexes[0]
	for _, i := range indexes {
		lo, hi = min(lo, i), max(hi, i)
	}
	var rows []hashRow
	if hi-lo < int64(4*len(indexes)) {
		// Close together (a tile, a page): one range scan.
		if err := r.q.Select(r.ctx, &rows, `SELECT id, hash FROM ledger_hashes WHERE id BETWEEN ? AND ?`, lo, hi); err != nil {
			return nil, err
		}
	} else {
		for start := 0; start < len(indexes); start += maxInList {
			part := indexes[start:min(start+maxInList, len(indexes))]
			args := make([]any, len(part))
			for i, x := range part {
				args[i] = x
			}
			var some []hashRow
			if err := r.q.Select(r.ctx, &some, `SELECT id, hash FROM ledger_hashes WHERE id IN (`+store.Placeholders(len(part))+`)`, args...); err != nil {
				return nil, err
			}
			rows = append(rows, some...)
		}
	}
	for _, row := range rows {
		if len(row.Hash) != tlog.HashSize {
			return nil, errs.Wrapf(errs.Internal, fmt.Errorf("stored hash %d has %d bytes", row.ID, len(row.Hash)), "ledger.error.damaged")
		}
		found[row.ID] = tlog.Hash(row.Hash)
	}
	out := make([]tlog.Hash, len(indexes))
	for k, i := range indexes {
		h, ok := found[i]
		if !ok {
			return nil, errs.Wrapf(errs.Internal, fmt.Errorf("stored hash %d is missing", i), "ledger.error.damaged")
		}
		out[k] = h
	}
	return out, nil
}

// frontier holds the roots of the perfect subtrees that make up a tree of size n — one per set
// bit of n — which is all that appending needs: the hashes a new record completes combine the
// record with these. It is the same computation as tlog.StoredHashes without reading.
type frontier struct {
	size  int64
	nodes []tlog.Hash // by level; nodes[l] is meaningful when bit l of size is set
}

// frontierIndexes returns the storage indexes of the frontier of a tree of size n.
func frontierIndexes(n int64) []int64 {
	var out []int64
	for l := 0; n>>l > 0; l++ {
		if n>>l&1 == 1 {
			out = append(out, tlog.StoredHashIndex(l, n>>l-1))
		}
	}
	return out
}

// loadFrontier reads the frontier of the tree of size n.
func loadFrontier(ctx context.Context, q querier, n int64) (*frontier, error) {
	f := &frontier{size: n, nodes: make([]tlog.Hash, 64)}
	idx := frontierIndexes(n)
	hashes, err := hashReader{ctx, q}.ReadHashes(idx)
	if err != nil {
		return nil, err
	}
	k := 0
	for l := 0; n>>l > 0; l++ {
		if n>>l&1 == 1 {
			f.nodes[l] = hashes[k]
			k++
		}
	}
	return f, nil
}

// push appends the record with leaf hash h and returns the hashes to store for it, starting at
// storage index tlog.StoredHashIndex(0, old size): h and the subtrees it completes.
func (f *frontier) push(h tlog.Hash) []tlog.Hash {
	out := []tlog.Hash{h}
	l := 0
	for f.size>>l&1 == 1 {
		h = tlog.NodeHash(f.nodes[l], h)
		out = append(out, h)
		l++
	}
	if f.nodes == nil {
		f.nodes = make([]tlog.Hash, 64)
	}
	f.nodes[l] = h
	f.size++
	return out
}

// root returns the RFC 6962 root hash of the tree.
func (f *frontier) root() tlog.Hash {
	if f.size == 0 {
		h, _ := tlog.TreeHash(0, nil)
		return h
	}
	var r tlog.Hash
	first := true
	for l := 0; f.size>>l > 0; l++ {
		if f.size>>l&1 == 0 {
			continue
		}
		if first {
			r, first = f.nodes[l], false
		} else {
			r = tlog.NodeHash(f.nodes[l], r)
		}
	}
	return r
}
