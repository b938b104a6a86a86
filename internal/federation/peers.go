package federation

import (
	"context"
	"crypto"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/emmansun/gmsm/smx509"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// PeerStatus is where a peer is in its approval.
type PeerStatus string

// A peer is registered pending, trusted once approved, and no longer trusted once suspended
// (approval trusts it again).
const (
	PeerPending   PeerStatus = "pending"
	PeerApproved  PeerStatus = "approved"
	PeerSuspended PeerStatus = "suspended"
)

// Peer is another province's node.
type Peer struct {
	// Code is its province code (GB/T 2260), e.g. "330000"; Name its name.
	Code     string `db:"code" json:"code"`
	Name     string `db:"name" json:"name"`
	Endpoint string `db:"endpoint" json:"endpoint"`
	// Alg and PublicKey (DER SubjectPublicKeyInfo) are the pinned node key that signs its trust
	// lists; Fingerprint its lower-case hex SHA-256.
	Alg         credential.Algorithm `db:"algorithm" json:"alg"`
	PublicKey   []byte               `db:"public_key" json:"public_key"`
	Fingerprint string               `db:"fingerprint" json:"fingerprint"`
	Status      PeerStatus           `db:"status" json:"status"`
	// Who registered, approved and suspended it, and when; why it was suspended.
	RegisteredBy  string     `db:"registered_by" json:"registered_by"`
	RegisteredAt  time.Time  `db:"registered_at" json:"registered_at"`
	ApprovedBy    *string    `db:"approved_by" json:"approved_by,omitempty"`
	ApprovedAt    *time.Time `db:"approved_at" json:"approved_at,omitempty"`
	SuspendedBy   *string    `db:"suspended_by" json:"suspended_by,omitempty"`
	SuspendedAt   *time.Time `db:"suspended_at" json:"suspended_at,omitempty"`
	SuspendReason string     `db:"suspend_reason" json:"suspend_reason,omitempty"`
	// Version is the latest list imported, 0 before the first; ImportedAt when.
	Version    int64      `db:"version" json:"version"`
	ImportedAt *time.Time `db:"imported_at" json:"imported_at,omitempty"`
}

// PEM returns the pinned key as a PEM "PUBLIC KEY" block.
func (p Peer) PEM() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: p.PublicKey}))
}

// Trusted reports whether the peer's lists are trusted now.
func (p Peer) Trusted() bool { return p.Status == PeerApproved }

const peerColumns = `code, name, endpoint, algorithm, public_key, fingerprint, status, registered_by, registered_at,
	approved_by, approved_at, suspended_by, suspended_at, suspend_reason, version, imported_at`

// PeerInput is what an administrator registers of a peer.
type PeerInput struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Endpoint string `json:"endpoint"`
	// PublicKey is the peer's node key: a PEM "PUBLIC KEY" block or the base64 of the DER
	// SubjectPublicKeyInfo, SM2 or ECDSA P-256.
	PublicKey string `json:"public_key"`
}

// Limits of a peer's texts, in characters (the key in bytes).
const (
	maxPeerName  = 64
	maxReason    = 200
	maxEndpoint  = 200
	maxPublicKey = 4096
)

// Register records a peer node, pending: nothing of it is trusted until Approve. It returns the
// peer with the fingerprint of its key, which the administrator compares with the peer's own
// administrator out of band before approving. Only MayManage principals register
// (errs.Forbidden); bad input is errs.Invalid naming the field; a peer of that code or with
// that key already registered is errs.Conflict.
func (s *Service) Register(ctx context.Context, in PeerInput) (_ Peer, err error) {
	defer errs.Wrap(&err, "federation.Register(%s)", in.Code)
	p := principal.From(ctx)
	if !MayManage(p) {
		return Peer{}, errs.E(errs.Forbidden, "federation.error.forbidden")
	}
	peer, err := s.checkInput(in)
	if err != nil {
		return Peer{}, err
	}
	peer.Status, peer.RegisteredBy = PeerPending, p.Actor()
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		var found []Peer
		if err := tx.Select(ctx, &found, `SELECT `+peerColumns+` FROM federation_peers WHERE code = ? OR fingerprint = ?`,
			peer.Code, peer.Fingerprint); err != nil {
			return err
		}
		for _, f := range found {
			if f.Code == peer.Code {
				return errs.E(errs.Conflict, "federation.error.peer_exists", peer.Code)
			}
			return errs.E(errs.Conflict, "federation.error.key_pinned", f.Name)
		}
		peer.RegisteredAt = tx.Now
		if _, err := tx.Exec(ctx, `INSERT INTO federation_peers (code, name, endpoint, algorithm, public_key, fingerprint,
			status, registered_by, registered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			peer.Code, peer.Name, peer.Endpoint, string(peer.Alg), peer.PublicKey, peer.Fingerprint, string(peer.Status),
			peer.RegisteredBy, peer.RegisteredAt); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "federation.peer.register", ObjectType: "federation_peer",
			ObjectID: peer.Code, After: peer,
			Detail: map[string]any{"endpoint": peer.Endpoint, "alg": string(peer.Alg), "fingerprint": peer.Fingerprint}})
	})
	if err != nil {
		return Peer{}, err
	}
	return peer, nil
}

// checkInput validates a registration.
func (s *Service) checkInput(in PeerInput) (Peer, error) {
	code := strings.TrimSpace(in.Code)
	if err := idcode.ValidateRegionCode(code); err != nil || !strings.HasSuffix(code, "0000") {
		return Peer{}, errs.Field("code", "federation.error.code")
	}
	if code == s.cfg.Node {
		return Peer{}, errs.Field("code", "federation.error.own_code", code)
	}
	name := strings.TrimSpace(in.Name)
	if name == "" || utf8.RuneCountInString(name) > maxPeerName || !plain(name) {
		return Peer{}, errs.Field("name", "federation.error.name", maxPeerName)
	}
	endpoint := strings.TrimSuffix(strings.TrimSpace(in.Endpoint), "/")
	if len(endpoint) > maxEndpoint || checkEndpoint(endpoint) != nil {
		return Peer{}, errs.Field("endpoint", "federation.error.endpoint")
	}
	der, pub, err := ParsePublicKey(in.PublicKey)
	if err != nil {
		return Peer{}, errs.Field("public_key", "federation.error.public_key")
	}
	alg, _ := credential.AlgorithmOf(pub)
	return Peer{Code: code, Name: name, Endpoint: endpoint, Alg: alg, PublicKey: der, Fingerprint: Fingerprint(der)}, nil
}

// plain reports whether s holds no control characters.
func plain(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}

// ParsePublicKey reads a node key as an administrator pastes it: a PEM "PUBLIC KEY" block, or
// the base64 (standard or URL alphabet, padded or not, spaces ignored) of the DER
// SubjectPublicKeyInfo. The key must be SM2 or ECDSA P-256. It returns the DER and the key.
func ParsePublicKey(text string) ([]byte, crypto.PublicKey, error) {
	text = strings.TrimSpace(text)
	if len(text) > maxPublicKey {
		return nil, nil, errs.Field("public_key", "federation.error.public_key")
	}
	var der []byte
	if strings.HasPrefix(text, "-----BEGIN") {
		b, rest := pem.Decode([]byte(text))
		if b == nil || b.Type != "PUBLIC KEY" || strings.TrimSpace(string(rest)) != "" {
			return nil, nil, errs.Field("public_key", "federation.error.public_key")
		}
		der = b.Bytes
	} else {
		compact := strings.Join(strings.Fields(text), "")
		compact = strings.TrimRight(strings.NewReplacer("-", "+", "_", "/").Replace(compact), "=")
		var err error
		if der, err = base64.RawStdEncoding.DecodeString(compact); err != nil {
			return nil, nil, errs.Field("public_key", "federation.error.public_key")
		}
	}
	pub, err := smx509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, nil, errs.Field("public_key", "federation.error.public_key")
	}
	if _, err := credential.AlgorithmOf(pub); err != nil {
		return nil, nil, errs.Field("public_key", "federation.error.public_key")
	}
	return der, pub, nil
}

// GroupFingerprint writes a hex fingerprint in groups of four characters, as people read it out
// to each other when they compare it.
func GroupFingerprint(fp string) string {
	var b strings.Builder
	for i := 0; i < len(fp); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(fp[i:min(i+4, len(fp))])
	}
	return b.String()
}

// normFingerprint lower-cases a fingerprint as written, without colons and spaces.
func normFingerprint(s string) string {
	return strings.ToLower(strings.NewReplacer(":", "", " ", "", "-", "").Replace(strings.TrimSpace(s)))
}

// Approve trusts a pending or suspended peer: the administrator confirms the fingerprint of
// the pinned key, as compared out of band (colons, spaces and case do not matter). Who and when
// are recorded and audited. errs.Forbidden for anyone but MayManage principals,
// errs.NotFound for an unknown peer, errs.Invalid for another fingerprint, errs.Conflict for a
// peer already approved.
func (s *Service) Approve(ctx context.Context, code, fingerprint string) (_ Peer, err error) {
	defer errs.Wrap(&err, "federation.Approve(%s)", code)
	p := principal.From(ctx)
	if !MayManage(p) {
		return Peer{}, errs.E(errs.Forbidden, "federation.error.forbidden")
	}
	var out Peer
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		before, err := loadPeer(ctx, tx, code)
		if err != nil {
			return err
		}
		if normFingerprint(fingerprint) != before.Fingerprint {
			return errs.Field("fingerprint", "federation.error.fingerprint_mismatch")
		}
		if before.Status == PeerApproved {
			return errs.E(errs.Conflict, "federation.error.peer_approved", before.Name)
		}
		actor := p.Actor()
		if _, err := tx.Exec(ctx, `UPDATE federation_peers SET status = 'approved', approved_by = ?, approved_at = ?,
			suspended_by = NULL, suspended_at = NULL, suspend_reason = '' WHERE code = ?`, actor, tx.Now, code); err != nil {
			return err
		}
		out = before
		now := tx.Now
		out.Status, out.ApprovedBy, out.ApprovedAt = PeerApproved, &actor, &now
		out.SuspendedBy, out.SuspendedAt, out.SuspendReason = nil, nil, ""
		return audit.Record(ctx, tx, audit.Change{Action: "federation.peer.approve", ObjectType: "federation_peer",
			ObjectID: code, Before: before, After: out,
			Detail: map[string]any{"fingerprint": out.Fingerprint, "from": string(before.Status)}})
	})
	if err != nil {
		return Peer{}, err
	}
	s.invalidate()
	return out, nil
}

// Suspend stops trusting a peer (pending or approved) at once, with a reason; Approve trusts
// it again. errs.Forbidden for anyone but MayManage principals, errs.NotFound for an unknown
// peer, errs.Invalid without a reason, errs.Conflict for a peer already suspended.
func (s *Service) Suspend(ctx context.Context, code, reason string) (_ Peer, err error) {
	defer errs.Wrap(&err, "federation.Suspend(%s)", code)
	p := principal.From(ctx)
	if !MayManage(p) {
		return Peer{}, errs.E(errs.Forbidden, "federation.error.forbidden")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > maxReason || !plain(reason) {
		return Peer{}, errs.Field("reason", "federation.error.reason", maxReason)
	}
	var out Peer
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		before, err := loadPeer(ctx, tx, code)
		if err != nil {
			return err
		}
		if before.Status == PeerSuspended {
			return errs.E(errs.Conflict, "federation.error.peer_suspended", before.Name)
		}
		actor := p.Actor()
		if _, err := tx.Exec(ctx, `UPDATE federation_peers SET status = 'suspended', suspended_by = ?, suspended_at = ?,
			suspend_reason = ? WHERE code = ?`, actor, tx.Now, reason, code); err != nil {
			return err
		}
		out = before
		now := tx.Now
		out.Status, out.SuspendedBy, out.SuspendedAt, out.SuspendReason = PeerSuspended, &actor, &now, reason
		return audit.Record(ctx, tx, audit.Change{Action: "federation.peer.suspend", ObjectType: "federation_peer",
			ObjectID: code, Before: before, After: out, Detail: map[string]any{"from": string(before.Status)}})
	})
	if err != nil {
		return Peer{}, err
	}
	s.invalidate()
	return out, nil
}

// Peers returns every peer by code, to MaySee principals (else errs.Forbidden).
func (s *Service) Peers(ctx context.Context) ([]Peer, error) {
	if !MaySee(principal.From(ctx)) {
		return nil, errs.E(errs.Forbidden, "federation.error.forbidden")
	}
	var out []Peer
	if err := s.db.Select(ctx, &out, `SELECT `+peerColumns+` FROM federation_peers ORDER BY code`); err != nil {
		return nil, err
	}
	return out, nil
}

// Peer returns one peer to MaySee principals (else errs.Forbidden); errs.NotFound if there is
// none with code.
func (s *Service) Peer(ctx context.Context, code string) (Peer, error) {
	if !MaySee(principal.From(ctx)) {
		return Peer{}, errs.E(errs.Forbidden, "federation.error.forbidden")
	}
	return loadPeer(ctx, s.db, code)
}

// querier reads within a transaction or outside one.
type querier interface {
	Get(ctx context.Context, dest any, query string, args ...any) error
	Select(ctx context.Context, dest any, query string, args ...any) error
}

func loadPeer(ctx context.Context, q querier, code string) (Peer, error) {
	var p Peer
	err := q.Get(ctx, &p, `SELECT `+peerColumns+` FROM federation_peers WHERE code = ?`, code)
	if errs.Is(err, errs.NotFound) {
		return Peer{}, errs.E(errs.NotFound, "federation.error.peer_not_found", code)
	}
	return p, err
}
