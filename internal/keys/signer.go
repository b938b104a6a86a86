package keys

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

var randRead = rand.Read

// Signer signs with one key. It implements crypto.Signer, so certificates, CMS, PDF and
// time-stamp code can use it, but the private key inside it cannot be read out. Each signature
// is counted; the counts reach the database and the audit trail when the service flushes.
type Signer struct {
	svc    *Service
	key    Key
	inner  crypto.Signer
	uses   atomic.Int64
	closed atomic.Bool
	// retireAt is when a retiring key stops signing; another node's rotation sets it
	// (Refresh), so it is read and written atomically.
	retireAt atomic.Pointer[time.Time]
}

// Key describes the key this signer uses.
func (sg *Signer) Key() Key { return sg.key }

// Algorithm is the key's algorithm.
func (sg *Signer) Algorithm() Algorithm { return sg.key.Algorithm }

// Public returns the public key.
func (sg *Signer) Public() crypto.PublicKey { return sg.inner.Public() }

// Sign signs digest as the underlying key does (for SM2, opts may be sm2.DefaultSM2SignerOpts
// to sign a message with the SM2 user id; for Ed25519, digest is the message). A retired key,
// or a retiring one past its overlap, refuses.
func (sg *Signer) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if sg.closed.Load() {
		return nil, errs.E(errs.Conflict, "error.keys_retired", sg.key.ID)
	}
	if at := sg.retireAt.Load(); at != nil && sg.svc.clock.Now().After(*at) {
		return nil, errs.E(errs.Conflict, "error.keys_retired", sg.key.ID)
	}
	if r == nil {
		r = rand.Reader
	}
	sig, err := sg.inner.Sign(r, digest, opts)
	if err == nil {
		sg.uses.Add(1)
	}
	return sig, err
}

// Signer returns a signer for the key id. Only the platform's own code calls it: the services
// that sign on someone's behalf (seals, licences, the ledger) check who is asking first.
func (s *Service) Signer(ctx context.Context, id string) (*Signer, error) {
	s.mu.Lock()
	sg, ok := s.signers[id]
	s.mu.Unlock()
	if ok {
		return sg, nil
	}
	var row struct {
		Key
		Ref []byte `db:"key_ref"`
	}
	if err := s.db.Get(ctx, &row, `SELECT `+keyColumns+`, key_ref FROM signing_keys WHERE id = ?`, id); err != nil {
		if errs.KindOf(err) == errs.NotFound {
			return nil, errs.E(errs.NotFound, "error.keys_not_found")
		}
		return nil, err
	}
	k := row.Key
	if err := k.parsePublic(); err != nil {
		return nil, err
	}
	if k.Status == Retired {
		return nil, errs.E(errs.Conflict, "error.keys_retired", id)
	}
	if k.Provider != s.provider.Name() {
		return nil, fmt.Errorf("keys: key %s is held by provider %q, this node uses %q", id, k.Provider, s.provider.Name())
	}
	inner, err := s.provider.Open(ctx, id, k.Algorithm, row.Ref)
	if err != nil {
		return nil, err
	}
	sg = &Signer{svc: s, key: k, inner: inner}
	sg.retireAt.Store(k.RetireAt)
	s.mu.Lock()
	if prev, ok := s.signers[id]; ok {
		sg = prev
	} else {
		s.signers[id] = sg
	}
	s.mu.Unlock()
	return sg, nil
}

// ActiveSigner returns the signer of the active key of org, purpose and algorithm.
func (s *Service) ActiveSigner(ctx context.Context, orgCode, purpose string, alg Algorithm) (*Signer, error) {
	var id string
	if err := s.db.Get(ctx, &id, `SELECT id FROM signing_keys WHERE org_code = ? AND purpose = ? AND algorithm = ? AND status = 'active'`,
		orgCode, purpose, string(alg)); err != nil {
		if errs.KindOf(err) == errs.NotFound {
			return nil, errs.E(errs.NotFound, "error.keys_none_active", orgCode, purpose, string(alg))
		}
		return nil, err
	}
	return s.Signer(ctx, id)
}

// EnsureSigner is Ensure followed by Signer: the platform's own keys.
func (s *Service) EnsureSigner(ctx context.Context, orgCode, purpose string, alg Algorithm) (*Signer, error) {
	k, err := s.Ensure(ctx, orgCode, purpose, alg)
	if err != nil {
		return nil, err
	}
	return s.Signer(ctx, k.ID)
}

// Flush adds the signatures counted since the last flush to each key's use count and records
// them in the audit trail, in one transaction. A failed flush puts the counts back.
func (s *Service) Flush(ctx context.Context) error {
	s.mu.Lock()
	counts := map[string]int64{}
	for id, sg := range s.signers {
		if n := sg.uses.Swap(0); n > 0 {
			counts[id] = n
		}
	}
	s.mu.Unlock()
	if len(counts) == 0 {
		return nil
	}
	ids := make([]string, 0, len(counts))
	for id := range counts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	err := s.db.Transact(principal.With(ctx, principal.SystemPrincipal), func(tx *store.Tx) error {
		for _, id := range ids {
			if _, err := tx.Exec(ctx, `UPDATE signing_keys SET uses = uses + ?, last_used_at = ? WHERE id = ?`, counts[id], tx.Now, id); err != nil {
				return err
			}
			if err := audit.Record(principal.With(ctx, principal.SystemPrincipal), tx, audit.Change{Action: "keys.use", ObjectType: "signing_key",
				ObjectID: id, Detail: map[string]any{"signatures": counts[id]}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.mu.Lock()
		for id, n := range counts {
			if sg, ok := s.signers[id]; ok {
				sg.uses.Add(n)
			}
		}
		s.mu.Unlock()
	}
	return err
}

// Refresh reads the status of the keys this process has open, so that a key another node
// rotated or retired stops signing here too: a retired one is closed, a retiring one gets its
// end of overlap.
func (s *Service) Refresh(ctx context.Context) error {
	s.mu.Lock()
	ids := make([]any, 0, len(s.signers))
	for id := range s.signers {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	if len(ids) == 0 {
		return nil
	}
	var rows []struct {
		ID       string     `db:"id"`
		Status   Status     `db:"status"`
		RetireAt *time.Time `db:"retire_at"`
	}
	if err := s.db.Select(ctx, &rows, `SELECT id, status, retire_at FROM signing_keys WHERE id IN (`+
		store.Placeholders(len(ids))+`)`, ids...); err != nil {
		return err
	}
	for _, r := range rows {
		switch r.Status {
		case Retired:
			s.forget(r.ID)
		case Retiring:
			s.mu.Lock()
			if sg, ok := s.signers[r.ID]; ok {
				sg.retireAt.Store(r.RetireAt)
			}
			s.mu.Unlock()
		}
	}
	return nil
}

// Run flushes use counts every interval, follows other nodes' rotations (Refresh) and retires
// keys whose overlap ended, until ctx ends; then it flushes once more.
func (s *Service) Run(ctx context.Context, interval time.Duration, logger *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			if err := s.Flush(context.WithoutCancel(ctx)); err != nil {
				logger.Error("keys: final flush of use counts", "err", err)
			}
			return
		case <-t.C:
			if err := s.Flush(ctx); err != nil {
				logger.Error("keys: flush use counts", "err", err)
			}
			if err := s.Refresh(ctx); err != nil {
				logger.Error("keys: refresh the status of open keys", "err", err)
			}
			if _, err := s.RetireDue(ctx); err != nil {
				logger.Error("keys: retire keys past their overlap", "err", err)
			}
		}
	}
}

// NoteSigner signs signed notes (golang.org/x/mod/sumdb/note), such as ledger checkpoints, with
// an Ed25519 key of this service.
type NoteSigner struct {
	name   string
	hash   uint32
	vkey   string
	signer *Signer
}

// NoteSigner returns a note signer named name over the active Ed25519 key of org and purpose,
// creating the key on first use.
func (s *Service) NoteSigner(ctx context.Context, orgCode, purpose, name string) (*NoteSigner, error) {
	sg, err := s.EnsureSigner(ctx, orgCode, purpose, Ed25519)
	if err != nil {
		return nil, err
	}
	pub, ok := sg.Public().(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("keys: key %s is not Ed25519", sg.key.ID)
	}
	vkey, err := note.NewEd25519VerifierKey(name, pub)
	if err != nil {
		return nil, fmt.Errorf("keys: note key name %q: %w", name, err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, err
	}
	return &NoteSigner{name: name, hash: v.KeyHash(), vkey: vkey, signer: sg}, nil
}

// Name is the key name that appears in signature lines.
func (n *NoteSigner) Name() string { return n.name }

// KeyHash is the key hash of signature lines.
func (n *NoteSigner) KeyHash() uint32 { return n.hash }

// Sign signs a note's text.
func (n *NoteSigner) Sign(msg []byte) ([]byte, error) { return n.signer.Sign(nil, msg, crypto.Hash(0)) }

// VerifierKey is the verifier key others use to check this signer's notes.
func (n *NoteSigner) VerifierKey() string { return n.vkey }

// KeyID is the signing key behind this note signer.
func (n *NoteSigner) KeyID() string { return n.signer.key.ID }

var _ note.Signer = (*NoteSigner)(nil)
