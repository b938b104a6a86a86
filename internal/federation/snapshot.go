package federation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// A peer's licence status snapshot (internal/license's Snapshot, "YWS1.…", signed by the peer's
// node key) says which of its licences are suspended, revoked or superseded. It is fetched from
// the status URL of the peer's current trust list and the latest one kept, so that this node's
// verifier sees the peer's revocations online. This package does not read the format (it is the
// licence service's, which checks the signature against the peer's node key): it stores the
// document and checks only its size and its form.

// MaxSnapshot bounds a status snapshot read from a peer: license.MaxSnapshot, repeated here
// because domains do not import each other.
const MaxSnapshot = 64 << 20

// snapshotPrefix starts every status snapshot (license.SnapshotPrefix).
const snapshotPrefix = "YWS1."

// SnapshotInfo describes the status snapshot held of a peer.
type SnapshotInfo struct {
	Peer string `db:"peer_code" json:"peer"`
	// Digest is "sha256:<hex>" of the document as received; Size its length in bytes.
	Digest    string    `db:"digest" json:"digest"`
	Size      int64     `db:"size" json:"size"`
	FetchedAt time.Time `db:"fetched_at" json:"fetched_at"`
	FetchedBy string    `db:"fetched_by" json:"fetched_by"`
}

// heldSnapshot is a peer's snapshot document as last read, kept so that verifications do not
// read the whole document again while its digest is the same.
type heldSnapshot struct {
	digest string
	doc    []byte
}

// PeerSnapshot returns the latest status snapshot fetched of approved peer node, and when it was
// fetched. It is for the licence service's verification, which anyone may ask for (a snapshot
// names licences only by identifier), so it checks no principal. errs.NotFound when none was
// fetched, or when node is not an approved peer (a suspended peer's word counts no more than its
// keys).
func (s *Service) PeerSnapshot(ctx context.Context, node string) (_ []byte, _ time.Time, err error) {
	defer errs.Wrap(&err, "federation.PeerSnapshot(%s)", node)
	var row struct {
		Digest    string    `db:"digest"`
		FetchedAt time.Time `db:"fetched_at"`
	}
	err = s.db.Get(ctx, &row, `SELECT s.digest, s.fetched_at FROM federation_peer_snapshots s
		JOIN federation_peers p ON p.code = s.peer_code WHERE s.peer_code = ? AND p.status = 'approved'`, node)
	if errs.Is(err, errs.NotFound) {
		return nil, time.Time{}, errs.E(errs.NotFound, "federation.error.no_peer_snapshot", node)
	}
	if err != nil {
		return nil, time.Time{}, err
	}
	s.snapMu.Lock()
	held, ok := s.snaps[node]
	s.snapMu.Unlock()
	if ok && held.digest == row.Digest {
		return held.doc, row.FetchedAt, nil
	}
	var doc struct {
		Document  string    `db:"document"`
		Digest    string    `db:"digest"`
		FetchedAt time.Time `db:"fetched_at"`
	}
	err = s.db.Get(ctx, &doc, `SELECT document, digest, fetched_at FROM federation_peer_snapshots WHERE peer_code = ?`, node)
	if errs.Is(err, errs.NotFound) {
		return nil, time.Time{}, errs.E(errs.NotFound, "federation.error.no_peer_snapshot", node)
	}
	if err != nil {
		return nil, time.Time{}, err
	}
	b := []byte(doc.Document)
	s.keepSnapshot(node, doc.Digest, b)
	return b, doc.FetchedAt, nil
}

// keepSnapshot remembers peer node's document with digest.
func (s *Service) keepSnapshot(node, digest string, doc []byte) {
	s.snapMu.Lock()
	defer s.snapMu.Unlock()
	if s.snaps == nil {
		s.snaps = map[string]heldSnapshot{}
	}
	s.snaps[node] = heldSnapshot{digest: digest, doc: doc}
}

// Snapshots describes the status snapshot held of every peer that has one, by code, to MaySee
// principals (else errs.Forbidden).
func (s *Service) Snapshots(ctx context.Context) ([]SnapshotInfo, error) {
	if !MaySee(principal.From(ctx)) {
		return nil, errs.E(errs.Forbidden, "federation.error.forbidden")
	}
	var out []SnapshotInfo
	if err := s.db.Select(ctx, &out, `SELECT peer_code, digest, LENGTH(document) AS size, fetched_at, fetched_by
		FROM federation_peer_snapshots ORDER BY peer_code`); err != nil {
		return nil, fmt.Errorf("federation.Snapshots: %w", err)
	}
	return out, nil
}

// RefreshSnapshot fetches approved peer node's status snapshot now from the status URL of its
// current trust list (within Config.FetchTimeout, at most MaxSnapshot bytes; the document, or a
// node's JSON answer carrying it) and keeps it in place of the one held, audited; the one held stays if anything fails. Errors:
// errs.Forbidden for anyone but MayManage principals; errs.NotFound for an unknown peer;
// errs.Conflict for a peer not approved, or without a trust list or a status URL in it;
// errs.TooLarge beyond MaxSnapshot; errs.Invalid for what is not a snapshot; errs.Unavailable
// when the peer cannot be reached or there is no Transport.
func (s *Service) RefreshSnapshot(ctx context.Context, node string) (_ SnapshotInfo, err error) {
	defer errs.Wrap(&err, "federation.RefreshSnapshot(%s)", node)
	if !MayManage(principal.From(ctx)) {
		return SnapshotInfo{}, errs.E(errs.Forbidden, "federation.error.forbidden")
	}
	if s.cfg.Transport == nil {
		return SnapshotInfo{}, errs.E(errs.Unavailable, "federation.error.fetch_unavailable")
	}
	peer, err := loadPeer(ctx, s.db, node)
	if err != nil {
		return SnapshotInfo{}, err
	}
	if peer.Status != PeerApproved {
		return SnapshotInfo{}, errs.E(errs.Conflict, "federation.error.peer_not_approved", peer.Name)
	}
	u, err := s.statusURL(ctx, peer)
	if err != nil {
		return SnapshotInfo{}, err
	}
	fctx, cancel := context.WithTimeout(ctx, s.cfg.FetchTimeout)
	defer cancel()
	body, err := s.cfg.Transport.Get(fctx, u, MaxSnapshot+1)
	switch {
	case errs.Is(err, errs.TooLarge) || err == nil && len(body) > MaxSnapshot:
		return SnapshotInfo{}, errs.E(errs.TooLarge, "federation.error.snapshot_too_large", MaxSnapshot>>20)
	case err != nil:
		return SnapshotInfo{}, errs.Wrapf(errs.Unavailable, err, "federation.error.snapshot_fetch_failed", peer.Name)
	}
	doc := snapshotDocument(body)
	if err := checkSnapshotForm(doc); err != nil {
		return SnapshotInfo{}, errs.Wrapf(errs.Invalid, err, "federation.error.snapshot_malformed", peer.Name)
	}
	p := principal.From(ctx)
	info := SnapshotInfo{Peer: peer.Code, Digest: documentDigest(doc), Size: int64(len(doc)), FetchedBy: p.Actor()}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		now, err := loadPeer(ctx, tx, node)
		if err != nil {
			return err
		}
		if now.Status != PeerApproved || now.Fingerprint != peer.Fingerprint {
			return errs.E(errs.Conflict, "federation.error.peer_not_approved", now.Name)
		}
		var previous string
		if err := tx.Get(ctx, &previous, `SELECT digest FROM federation_peer_snapshots WHERE peer_code = ?`, node); err != nil &&
			!errs.Is(err, errs.NotFound) {
			return err
		}
		info.FetchedAt = tx.Now
		if _, err := tx.Exec(ctx, `INSERT INTO federation_peer_snapshots (peer_code, document, digest, fetched_at, fetched_by)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (peer_code) DO UPDATE SET document = excluded.document, digest = excluded.digest,
			fetched_at = excluded.fetched_at, fetched_by = excluded.fetched_by`,
			node, string(doc), info.Digest, info.FetchedAt, info.FetchedBy); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "federation.snapshot.fetch", ObjectType: "federation_peer",
			ObjectID: node, Before: previous, After: info.Digest,
			Detail: map[string]any{"digest": info.Digest, "previous": previous, "size": info.Size, "url": u}})
	})
	if err != nil {
		return SnapshotInfo{}, err
	}
	s.keepSnapshot(node, info.Digest, doc)
	return info, nil
}

// statusURL is where peer serves its status snapshot, as its current trust list says.
func (s *Service) statusURL(ctx context.Context, peer Peer) (string, error) {
	var doc string
	err := s.db.Get(ctx, &doc, `SELECT document FROM federation_peer_lists WHERE peer_code = ? AND version = ?`,
		peer.Code, peer.Version)
	if errs.Is(err, errs.NotFound) {
		return "", errs.E(errs.Conflict, "federation.error.no_peer_list", peer.Name)
	}
	if err != nil {
		return "", err
	}
	pinned, err := smx509.ParsePKIXPublicKey(peer.PublicKey)
	if err != nil {
		return "", fmt.Errorf("pinned key of %s: %w", peer.Code, err)
	}
	l, err := Open([]byte(doc), pinned)
	if err != nil {
		return "", fmt.Errorf("the stored list of %s no longer opens: %w", peer.Code, err)
	}
	if l.StatusURL == "" {
		return "", errs.E(errs.Conflict, "federation.error.no_status_url", peer.Name)
	}
	if err := checkFetchURL(l.StatusURL); err != nil {
		return "", errs.Wrapf(errs.Conflict, err, "federation.error.no_status_url", peer.Name)
	}
	return l.StatusURL, nil
}

// checkFetchURL accepts a URL to fetch from a peer: https, or plain http on loopback with a port,
// as endpoints; with a path, but no user or fragment.
func checkFetchURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" || u.Opaque != "" {
		return fmt.Errorf("%q is not a URL to fetch", raw)
	}
	return checkEndpoint((&url.URL{Scheme: u.Scheme, Host: u.Host}).String())
}

// snapshotDocument takes the document out of what a status URL serves: the document itself, or
// a node's JSON answer that carries it (GET /api/v1/licenses/status: {"snapshot": "YWS1.…", …}).
func snapshotDocument(body []byte) []byte {
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '{' {
		var answer struct {
			Snapshot string `json:"snapshot"`
		}
		if json.Unmarshal(body, &answer) == nil && answer.Snapshot != "" {
			return bytes.TrimSpace([]byte(answer.Snapshot))
		}
	}
	return body
}

// checkSnapshotForm accepts what may be a status snapshot: the prefix, then only the characters
// of base64url and dots (what any snapshot is, and what both engines store as text).
func checkSnapshotForm(doc []byte) error {
	if !bytes.HasPrefix(doc, []byte(snapshotPrefix)) {
		return errors.New("does not start with " + snapshotPrefix)
	}
	for _, c := range doc {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return fmt.Errorf("byte %#x is not of a snapshot", c)
		}
	}
	return nil
}

// refreshSnapshots fetches every approved peer's status snapshot, as Run does every
// Config.SnapshotEvery; failures are logged and keep the snapshot held.
func (s *Service) refreshSnapshots(ctx context.Context, logger *slog.Logger) {
	for _, code := range s.approvedPeers(ctx, logger) {
		if _, err := s.RefreshSnapshot(ctx, code); err != nil && ctx.Err() == nil {
			logger.WarnContext(ctx, "federation: fetching a peer's status snapshot; the one held is kept", "peer", code, "err", err)
		}
	}
}

// approvedPeers lists the approved peers' codes (none, logged, if the database fails).
func (s *Service) approvedPeers(ctx context.Context, logger *slog.Logger) []string {
	var codes []string
	if err := s.db.Select(ctx, &codes, `SELECT code FROM federation_peers WHERE status = 'approved' ORDER BY code`); err != nil {
		if ctx.Err() == nil {
			logger.ErrorContext(ctx, "federation: listing peers", "err", err)
		}
		return nil
	}
	return codes
}
