package federation

import (
	"context"
	"database/sql"

	"github.com/emmansun/gmsm/smx509"

	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/keys"
)

// What the node-to-node calls (internal/nodecall, wired in internal/app) need of the
// federation: this node's key, and where an approved peer is.

// NodeSigner returns the signer of this node's key (creating the key if there is none) and its
// credential algorithm: the key that signs the trust lists, and the node's calls to its peers.
// For the platform's own code.
func (s *Service) NodeSigner(ctx context.Context) (*keys.Signer, credential.Algorithm, error) {
	sg, err := s.cfg.Keys.EnsureSigner(systemCtx(ctx), s.cfg.NodeOrg, PurposeNode, s.cfg.Algorithm)
	if err != nil {
		return nil, "", err
	}
	return sg, s.credAlg(), nil
}

// Endpoint returns the base URL of approved peer code: the endpoint its current trust list
// names (checked again under the pinned key), else the one it was registered with. A node that
// is not an approved peer is errs.NotFound. For the platform's own code: it reads what any
// caller of this node may learn from the peer's public list.
func (s *Service) Endpoint(ctx context.Context, code string) (string, error) {
	var row struct {
		Endpoint  string         `db:"endpoint"`
		PublicKey []byte         `db:"public_key"`
		Document  sql.NullString `db:"document"`
	}
	err := s.db.Get(ctx, &row, `SELECT p.endpoint, p.public_key, l.document FROM federation_peers p
		LEFT JOIN federation_peer_lists l ON l.peer_code = p.code AND l.version = p.version
		WHERE p.code = ? AND p.status = 'approved'`, code)
	if errs.Is(err, errs.NotFound) {
		return "", errs.E(errs.NotFound, "federation.error.peer_not_found", code)
	}
	if err != nil {
		return "", err
	}
	if !row.Document.Valid {
		return row.Endpoint, nil
	}
	pinned, err := smx509.ParsePKIXPublicKey(row.PublicKey)
	if err != nil {
		return "", err
	}
	l, err := Open([]byte(row.Document.String), pinned)
	if err != nil || l.Node != code {
		s.log.ErrorContext(ctx, "federation: a peer's stored list no longer opens; its registered endpoint is used",
			"peer", code, "err", err)
		return row.Endpoint, nil
	}
	return l.Endpoint, nil
}
