package federation

import (
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/ledger"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// maxSkew is how far in the future a peer's list may say it was issued.
const maxSkew = 5 * time.Minute

// Imported says what an import did.
type Imported struct {
	Peer    string `json:"peer"`
	Version int64  `json:"version"`
	// Keys and LicenceTypes count what the list names.
	Keys         int `json:"keys"`
	LicenceTypes int `json:"licence_types"`
	// Unchanged is true when the list was the version already held, received again: nothing
	// was stored.
	Unchanged   bool  `json:"unchanged"`
	LedgerIndex int64 `json:"ledger_index,omitempty"`
	// Snapshot is the peer's status snapshot Fetch fetched after the list; nil when that failed
	// (logged; the one held is kept) or for an Import.
	Snapshot *SnapshotInfo `json:"snapshot,omitempty"`
}

// ListVersion is one version of a peer's list as imported.
type ListVersion struct {
	Version int64 `db:"version" json:"version"`
	// Digest is "sha256:<hex>" of the document as received, as the ledger holds it.
	Digest      string    `db:"digest" json:"digest"`
	IssuedAt    time.Time `db:"issued_at" json:"issued_at"`
	NextUpdate  time.Time `db:"next_update" json:"next_update"`
	FetchedAt   time.Time `db:"fetched_at" json:"fetched_at"`
	FetchedBy   string    `db:"fetched_by" json:"fetched_by"`
	LedgerIndex int64     `db:"ledger_index" json:"ledger_index"`
}

// Import takes a peer's published trust list (Signed's JSON). The list must be signed by the
// peer's pinned key, be the peer's (its node code), name no key of this node (by key id or
// public key), and be newer than the version held — the same version again is accepted only if
// identical, and changes nothing. A new version is stored as received, appended to the ledger
// (subject "trustlist/<peer>/<version>") and audited in one transaction, and trusted at once
// (Resolver). Errors: errs.Forbidden for anyone but MayManage principals; errs.NotFound for an
// unknown peer; errs.Conflict for a peer not approved, an older version or a version reused
// for other content; errs.TooLarge beyond MaxTrustList; errs.Invalid for anything wrong with
// the list (signature, form, node, this node's key, expired or issued in the future).
func (s *Service) Import(ctx context.Context, peerCode string, published []byte) (_ Imported, err error) {
	defer errs.Wrap(&err, "federation.Import(%s)", peerCode)
	p := principal.From(ctx)
	if !MayManage(p) {
		return Imported{}, errs.E(errs.Forbidden, "federation.error.forbidden")
	}
	if len(published) > MaxTrustList {
		return Imported{}, errs.E(errs.TooLarge, "federation.error.list_too_large", MaxTrustList/1024)
	}
	peer, err := loadPeer(ctx, s.db, peerCode)
	if err != nil {
		return Imported{}, err
	}
	l, content, err := s.open(ctx, peer, published)
	if err != nil {
		return Imported{}, err
	}
	out := Imported{Peer: peer.Code, Version: l.Version, Keys: len(l.Keys), LicenceTypes: len(l.LicenceTypes)}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		now, err := loadPeer(ctx, tx, peerCode)
		if err != nil {
			return err
		}
		if now.Status != PeerApproved || now.Fingerprint != peer.Fingerprint {
			return errs.E(errs.Conflict, "federation.error.peer_not_approved", now.Name)
		}
		switch {
		case l.Version < now.Version:
			return errs.E(errs.Conflict, "federation.error.list_older", l.Version, now.Version)
		case l.Version == now.Version:
			var held string
			if err := tx.Get(ctx, &held, `SELECT content FROM federation_peer_lists WHERE peer_code = ? AND version = ?`,
				peerCode, l.Version); err != nil {
				return err
			}
			if held != content {
				return errs.E(errs.Conflict, "federation.error.list_version_reused", l.Version)
			}
			out.Unchanged = true
			return nil
		}
		if !l.NextUpdate.After(tx.Now) {
			return errs.E(errs.Invalid, "federation.error.list_expired", l.NextUpdate.UTC().Format(time.RFC3339))
		}
		if l.IssuedAt.After(tx.Now.Add(maxSkew)) {
			return errs.E(errs.Invalid, "federation.error.list_future", l.IssuedAt.UTC().Format(time.RFC3339))
		}
		digest := documentDigest(published)
		idx, err := s.cfg.Ledger.AppendTx(ctx, tx, ledger.Entry{Type: ledger.TypeTrustList, Digest: digest,
			Org: s.cfg.NodeOrg, Subject: ledgerSubject(peerCode, l.Version)})
		if err != nil {
			return err
		}
		out.LedgerIndex = idx[0]
		if _, err := tx.Exec(ctx, `INSERT INTO federation_peer_lists (peer_code, version, document, content, digest,
			issued_at, next_update, fetched_at, fetched_by, ledger_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			peerCode, l.Version, string(published), content, digest, l.IssuedAt, l.NextUpdate, tx.Now, p.Actor(),
			out.LedgerIndex); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE federation_peers SET version = ?, imported_at = ? WHERE code = ?`,
			l.Version, tx.Now, peerCode); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "federation.trustlist.import", ObjectType: "federation_peer",
			ObjectID: peerCode, After: digest,
			Detail: map[string]any{"version": l.Version, "previous": now.Version, "digest": digest, "keys": len(l.Keys),
				"licence_types": len(l.LicenceTypes), "ledger_index": out.LedgerIndex}})
	})
	if err != nil {
		return Imported{}, err
	}
	if !out.Unchanged {
		s.invalidate()
	}
	return out, nil
}

// open checks a peer's published list before any transaction: the pinned key's signature, the
// content, the node, and that it names no key of this node. It returns the list and its
// content digest (the hex SHA-256 of its JSON).
func (s *Service) open(ctx context.Context, peer Peer, published []byte) (TrustList, string, error) {
	pinned, err := smx509.ParsePKIXPublicKey(peer.PublicKey)
	if err != nil {
		return TrustList{}, "", fmt.Errorf("pinned key of %s: %w", peer.Code, err)
	}
	l, err := Open(published, pinned)
	switch {
	case errors.Is(err, ErrSignature):
		return TrustList{}, "", errs.Wrapf(errs.Invalid, err, "federation.error.list_signature", peer.Name)
	case err != nil:
		return TrustList{}, "", errs.Wrapf(errs.Invalid, err, "federation.error.list_malformed")
	case l.Node != peer.Code:
		return TrustList{}, "", errs.E(errs.Invalid, "federation.error.list_other_node", l.Node, peer.Code)
	}
	own, err := s.ownKeys(ctx)
	if err != nil {
		return TrustList{}, "", err
	}
	ids, spkis := map[string]bool{}, map[string]bool{}
	for _, k := range own {
		ids[k.ID] = true
		spkis[string(k.PublicDER)] = true
	}
	for _, k := range l.Keys {
		der, _ := smx509.MarshalPKIXPublicKey(mustPublic(k))
		if ids[k.KeyID] || spkis[string(der)] || coversNode(k.Owner, s.cfg.Node) {
			return TrustList{}, "", errs.E(errs.Invalid, "federation.error.list_own_key", k.KeyID)
		}
	}
	b, err := json.Marshal(l)
	if err != nil {
		return TrustList{}, "", err
	}
	sum := sha256.Sum256(b)
	return l, hex.EncodeToString(sum[:]), nil
}

// mustPublic is the public key of a key of a list that Validate accepted.
func mustPublic(k TrustedKey) crypto.PublicKey {
	pub, _ := k.Public()
	return pub
}

// Fetch gets an approved peer's current list from its endpoint (TrustListPath, https unless on
// loopback, within Config.FetchTimeout, at most MaxTrustList bytes) and imports it, then fetches
// the peer's status snapshot from the list's status URL (RefreshSnapshot; if that fails, the
// failure is logged, the snapshot held is kept and Imported.Snapshot is nil). Errors are
// Import's, and errs.Unavailable when the peer cannot be reached or there is no Transport.
func (s *Service) Fetch(ctx context.Context, peerCode string) (_ Imported, err error) {
	defer errs.Wrap(&err, "federation.Fetch(%s)", peerCode)
	if !MayManage(principal.From(ctx)) {
		return Imported{}, errs.E(errs.Forbidden, "federation.error.forbidden")
	}
	if s.cfg.Transport == nil {
		return Imported{}, errs.E(errs.Unavailable, "federation.error.fetch_unavailable")
	}
	peer, err := loadPeer(ctx, s.db, peerCode)
	if err != nil {
		return Imported{}, err
	}
	if peer.Status != PeerApproved {
		return Imported{}, errs.E(errs.Conflict, "federation.error.peer_not_approved", peer.Name)
	}
	u, err := trustListURL(peer.Endpoint)
	if err != nil {
		return Imported{}, errs.Wrapf(errs.Invalid, err, "federation.error.endpoint")
	}
	fctx, cancel := context.WithTimeout(ctx, s.cfg.FetchTimeout)
	defer cancel()
	body, err := s.cfg.Transport.Get(fctx, u, MaxTrustList+1)
	switch {
	case errs.Is(err, errs.TooLarge) || err == nil && len(body) > MaxTrustList:
		return Imported{}, errs.E(errs.TooLarge, "federation.error.list_too_large", MaxTrustList/1024)
	case err != nil:
		return Imported{}, errs.Wrapf(errs.Unavailable, err, "federation.error.fetch_failed", peer.Name)
	}
	out, err := s.Import(ctx, peerCode, body)
	if err != nil {
		return Imported{}, err
	}
	if snap, err := s.RefreshSnapshot(ctx, peerCode); err != nil {
		s.log.WarnContext(ctx, "federation: fetching a peer's status snapshot; the one held is kept", "peer", peerCode, "err", err)
	} else {
		out.Snapshot = &snap
	}
	return out, nil
}

// trustListURL is where the node at endpoint serves its list; the endpoint must be https, or
// http on loopback.
func trustListURL(endpoint string) (string, error) {
	endpoint = strings.TrimSuffix(endpoint, "/")
	if err := checkEndpoint(endpoint); err != nil {
		return "", err
	}
	return endpoint + TrustListPath, nil
}

// Versions returns every version of peer code's list imported, newest first, to MaySee
// principals (else errs.Forbidden); errs.NotFound for an unknown peer.
func (s *Service) Versions(ctx context.Context, code string) ([]ListVersion, error) {
	if !MaySee(principal.From(ctx)) {
		return nil, errs.E(errs.Forbidden, "federation.error.forbidden")
	}
	if _, err := loadPeer(ctx, s.db, code); err != nil {
		return nil, err
	}
	var out []ListVersion
	if err := s.db.Select(ctx, &out, `SELECT version, digest, issued_at, next_update, fetched_at, fetched_by, ledger_index
		FROM federation_peer_lists WHERE peer_code = ? ORDER BY version DESC`, code); err != nil {
		return nil, err
	}
	return out, nil
}

// PeerList returns the current list of peer code as imported, to MaySee principals (else
// errs.Forbidden); errs.NotFound for an unknown peer or one with no list yet.
func (s *Service) PeerList(ctx context.Context, code string) (TrustList, error) {
	if !MaySee(principal.From(ctx)) {
		return TrustList{}, errs.E(errs.Forbidden, "federation.error.forbidden")
	}
	peer, err := loadPeer(ctx, s.db, code)
	if err != nil {
		return TrustList{}, err
	}
	var doc string
	err = s.db.Get(ctx, &doc, `SELECT document FROM federation_peer_lists WHERE peer_code = ? AND version = ?`, code, peer.Version)
	if errs.Is(err, errs.NotFound) {
		return TrustList{}, errs.E(errs.NotFound, "federation.error.no_peer_list", peer.Name)
	}
	if err != nil {
		return TrustList{}, err
	}
	pinned, err := smx509.ParsePKIXPublicKey(peer.PublicKey)
	if err != nil {
		return TrustList{}, err
	}
	return Open([]byte(doc), pinned)
}

// Run publishes this node's list and fetches every approved peer's list and status snapshot, at
// once and then every interval (an hour if not positive), and the peers' status snapshots alone
// every Config.SnapshotEvery, until ctx ends, as the platform; failures are logged (a peer's
// snapshot that cannot be fetched stays as it was).
func (s *Service) Run(ctx context.Context, every time.Duration, logger *slog.Logger) {
	if logger == nil {
		logger = s.log
	}
	if every <= 0 {
		every = time.Hour
	}
	ctx = systemCtx(ctx)
	lists := time.NewTicker(every)
	defer lists.Stop()
	snaps := time.NewTicker(s.cfg.SnapshotEvery)
	defer snaps.Stop()
	for {
		if _, err := s.Publish(ctx); err != nil && ctx.Err() == nil {
			logger.ErrorContext(ctx, "federation: publishing the trust list", "err", err)
		}
		for _, code := range s.approvedPeers(ctx, logger) {
			if _, err := s.Fetch(ctx, code); err != nil && ctx.Err() == nil {
				logger.WarnContext(ctx, "federation: fetching a peer's trust list", "peer", code, "err", err)
			}
		}
		snaps.Reset(s.cfg.SnapshotEvery)
	wait:
		for {
			select {
			case <-ctx.Done():
				return
			case <-snaps.C:
				s.refreshSnapshots(ctx, logger)
			case <-lists.C:
				break wait
			}
		}
	}
}
