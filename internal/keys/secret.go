package keys

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"

	"github.com/yiwang-platform/yiwang/internal/store"
)

// Purposes of Secret: the keys under which short codes people hold are stored as HMACs.
const (
	SecretCaseQueryCodes   = "case query codes"
	SecretRatingVisitCodes = "rating visit codes"
)

// SecretSize is the length of a secret returned by Secret.
const SecretSize = 32

// secretsPurpose is the purpose of the data key that Secret derives from.
const secretsPurpose = "node-secrets"

// Secret returns the node secret for purpose (SecretCaseQueryCodes…): SecretSize bytes, the same
// on every node over this database and after every restart. It is derived (HKDF-SHA-256) from
// the first data key ever made for "node-secrets", which the master key wraps but does not
// determine: Rewrap under a new master key and RotateDataKey leave every secret unchanged. That is
// what keyed hashes of values people hold need (their stored form must keep matching); anything
// that must be re-keyable is sealed with Seal instead. The first call on a fresh database makes the
// data key.
func (s *Service) Secret(ctx context.Context, purpose string) ([]byte, error) {
	if purpose == "" {
		return nil, fmt.Errorf("keys: a secret needs a purpose")
	}
	var row dataKeyRow
	err := s.db.Transact(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.Get(ctx, &n, `SELECT COUNT(*) FROM key_data_keys WHERE purpose = ?`, secretsPurpose); err != nil {
			return err
		}
		if n == 0 {
			if _, err := s.activeDataKey(ctx, tx, secretsPurpose); err != nil {
				return err
			}
		}
		return tx.Get(ctx, &row, `SELECT id, purpose, algorithm, wrapped, master_key_id, created_at, retired_at
			FROM key_data_keys WHERE purpose = ? ORDER BY created_at, id LIMIT 1`, secretsPurpose)
	})
	if err != nil {
		return nil, fmt.Errorf("keys: secret %q: %w", purpose, err)
	}
	dk, err := s.unwrap(row)
	if err != nil {
		return nil, err
	}
	return hkdf.Key(sha256.New, dk, nil, "yiwang node secret: "+purpose, SecretSize)
}
