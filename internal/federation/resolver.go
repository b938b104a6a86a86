package federation

import (
	"context"
	"fmt"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/yiwang-platform/yiwang/internal/credential"
)

// cacheTTL is how long the peers' keys are kept before they are read again: other copies of
// the node (on one PostgreSQL) import and suspend too, and this process learns of it so.
const cacheTTL = time.Minute

// maxKeyID bounds a key id worth looking up.
const maxKeyID = 128

// peerTrust is the peers' keys as loaded at a time.
type peerTrust struct {
	keys   credential.Keys
	loaded time.Time
}

// Resolver returns the keys of the current lists of every approved peer as a
// credential.Resolver, for license.Config.Peers: it reads them now (the error is the
// database's), and then follows imports, approvals and suspensions (at once for those of this
// process, within a minute for other copies of the node). A key that would sign for this node
// or one of its organisations is never taken from a peer, and a key id that two peers name is
// trusted for neither.
func (s *Service) Resolver(ctx context.Context) (credential.Resolver, error) {
	if _, err := s.peerKeys(ctx); err != nil {
		return nil, fmt.Errorf("federation.Resolver: %w", err)
	}
	return resolver{s}, nil
}

type resolver struct{ s *Service }

// TrustedKey implements credential.Resolver.
func (r resolver) TrustedKey(kid string) (credential.TrustedKey, bool) {
	if kid == "" || len(kid) > maxKeyID {
		return credential.TrustedKey{}, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	keys, err := r.s.peerKeys(ctx)
	if err != nil {
		r.s.log.Error("federation: reading the peers' keys", "err", err)
		return credential.TrustedKey{}, false
	}
	return keys.TrustedKey(kid)
}

// invalidate forgets the peers' keys after a change of this process.
func (s *Service) invalidate() {
	s.mu.Lock()
	s.gen++
	s.trust.Store(nil)
	s.mu.Unlock()
}

// peerKeys returns the peers' keys, loading them when they are missing or older than cacheTTL.
// When reading fails, keys that are only old are used a while longer; keys a change forgot are
// not.
func (s *Service) peerKeys(ctx context.Context) (credential.Keys, error) {
	if t := s.trust.Load(); t != nil && s.clock.Now().Sub(t.loaded) < cacheTTL {
		return t.keys, nil
	}
	s.reload.Lock()
	defer s.reload.Unlock()
	old := s.trust.Load()
	if old != nil && s.clock.Now().Sub(old.loaded) < cacheTTL {
		return old.keys, nil
	}
	s.mu.Lock()
	gen := s.gen
	s.mu.Unlock()
	keys, err := s.loadPeerKeys(ctx)
	if err != nil {
		if old != nil {
			return old.keys, nil
		}
		return nil, err
	}
	s.mu.Lock()
	if s.gen == gen {
		s.trust.Store(&peerTrust{keys: keys, loaded: s.clock.Now()})
	}
	s.mu.Unlock()
	return keys, nil
}

// loadPeerKeys reads the current list of every approved peer, opens it again under the pinned
// key (a stored list edited in the database no longer opens, and its peer is left out), and
// returns their keys, without any that would sign for this node.
func (s *Service) loadPeerKeys(ctx context.Context) (credential.Keys, error) {
	var rows []struct {
		Code      string `db:"code"`
		PublicKey []byte `db:"public_key"`
		Document  string `db:"document"`
	}
	if err := s.db.Select(ctx, &rows, `SELECT p.code, p.public_key, l.document FROM federation_peers p
		JOIN federation_peer_lists l ON l.peer_code = p.code AND l.version = p.version
		WHERE p.status = 'approved' ORDER BY p.code`); err != nil {
		return nil, err
	}
	var lists []TrustList
	for _, r := range rows {
		pinned, err := smx509.ParsePKIXPublicKey(r.PublicKey)
		if err != nil {
			s.log.ErrorContext(ctx, "federation: a peer's pinned key does not parse; its list is not trusted", "peer", r.Code, "err", err)
			continue
		}
		l, err := Open([]byte(r.Document), pinned)
		if err != nil || l.Node != r.Code {
			s.log.ErrorContext(ctx, "federation: a peer's stored list no longer opens; it is not trusted", "peer", r.Code, "err", err)
			continue
		}
		kept := l.Keys[:0]
		for _, k := range l.Keys {
			if !coversNode(k.Owner, s.cfg.Node) {
				kept = append(kept, k)
			}
		}
		l.Keys = kept
		lists = append(lists, l)
	}
	return Resolver(lists...)
}
