package keys

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Sealed values are self-describing: version byte, the data key's id (length-prefixed), then
// nonce || ciphertext. The id lets a value outlive the rotation of its data key.
const sealedVersion = 1

type dataKeyRow struct {
	ID          string     `db:"id"`
	Purpose     string     `db:"purpose"`
	Algorithm   string     `db:"algorithm"`
	Wrapped     []byte     `db:"wrapped"`
	MasterKeyID string     `db:"master_key_id"`
	CreatedAt   time.Time  `db:"created_at"`
	RetiredAt   *time.Time `db:"retired_at"`
}

// Seal encrypts a secret for purpose (e.g. "totp", "oidc") under that purpose's active data key,
// bound to aad: the same aad must be given to Open, so a sealed value copied into another row
// does not open there.
func (s *Service) Seal(ctx context.Context, purpose string, plaintext, aad []byte) ([]byte, error) {
	var out []byte
	err := s.db.Transact(ctx, func(tx *store.Tx) error {
		var err error
		out, _, err = s.sealTx(ctx, tx, purpose, plaintext, aad)
		return err
	})
	return out, err
}

// SealTx is Seal inside the caller's transaction.
func (s *Service) SealTx(ctx context.Context, tx *store.Tx, purpose string, plaintext, aad []byte) ([]byte, error) {
	out, _, err := s.sealTx(ctx, tx, purpose, plaintext, aad)
	return out, err
}

func (s *Service) sealTx(ctx context.Context, tx *store.Tx, purpose string, plaintext, aad []byte) ([]byte, string, error) {
	if !purposeRE.MatchString(purpose) {
		return nil, "", fmt.Errorf("data key purpose %q", purpose)
	}
	row, err := s.activeDataKey(ctx, tx, purpose)
	if err != nil {
		return nil, "", err
	}
	dk, err := s.unwrap(row)
	if err != nil {
		return nil, "", err
	}
	ct, err := seal(DataKeyAlgorithm(row.Algorithm), dk, plaintext, aad)
	if err != nil {
		return nil, "", err
	}
	out := make([]byte, 0, 2+len(row.ID)+len(ct))
	out = append(out, sealedVersion)
	out = binary.AppendUvarint(out, uint64(len(row.ID)))
	out = append(out, row.ID...)
	return append(out, ct...), row.ID, nil
}

// Open decrypts what Seal sealed for purpose with aad.
func (s *Service) Open(ctx context.Context, purpose string, sealed, aad []byte) ([]byte, error) {
	if len(sealed) < 2 || sealed[0] != sealedVersion {
		return nil, errors.New("keys: not a sealed value")
	}
	n, w := binary.Uvarint(sealed[1:])
	if w <= 0 || n > 64 || uint64(len(sealed)-1-w) < n {
		return nil, errors.New("keys: malformed sealed value")
	}
	id := string(sealed[1+w : 1+w+int(n)])
	ct := sealed[1+w+int(n):]
	row, err := s.dataKeyByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if row.Purpose != purpose {
		return nil, fmt.Errorf("keys: value sealed for %q, not %q", row.Purpose, purpose)
	}
	dk, err := s.unwrap(row)
	if err != nil {
		return nil, err
	}
	pt, err := open(DataKeyAlgorithm(row.Algorithm), dk, ct, aad)
	if err != nil {
		return nil, fmt.Errorf("keys: sealed value does not open (altered, or sealed for another row): %w", err)
	}
	return pt, nil
}

func (s *Service) activeDataKey(ctx context.Context, tx *store.Tx, purpose string) (dataKeyRow, error) {
	var row dataKeyRow
	err := tx.Get(ctx, &row, `SELECT id, purpose, algorithm, wrapped, master_key_id, created_at, retired_at
		FROM key_data_keys WHERE purpose = ? AND retired_at IS NULL`, purpose)
	if err == nil || errs.KindOf(err) != errs.NotFound {
		return row, err
	}
	row, err = s.newDataKey(tx, purpose)
	if err != nil {
		return row, err
	}
	// Another node may have made one at the same moment; whichever row the index keeps wins.
	if _, err := tx.Exec(ctx, `INSERT INTO key_data_keys (id, purpose, algorithm, wrapped, master_key_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		row.ID, row.Purpose, row.Algorithm, row.Wrapped, row.MasterKeyID, row.CreatedAt); err != nil {
		return row, err
	}
	if err := audit.Record(ctx, tx, audit.Change{Action: "keys.data_key_create", ObjectType: "data_key", ObjectID: row.ID,
		Detail: map[string]any{"purpose": purpose, "algorithm": row.Algorithm, "master_key": row.MasterKeyID}}); err != nil {
		return row, err
	}
	err = tx.Get(ctx, &row, `SELECT id, purpose, algorithm, wrapped, master_key_id, created_at, retired_at
		FROM key_data_keys WHERE purpose = ? AND retired_at IS NULL`, purpose)
	return row, err
}

func (s *Service) newDataKey(tx *store.Tx, purpose string) (dataKeyRow, error) {
	dk := make([]byte, s.dkAlg.keySize())
	if _, err := randRead(dk); err != nil {
		return dataKeyRow{}, err
	}
	defer clear(dk)
	id := newID("dk_")
	wk, err := s.master.wrapKey(s.dkAlg)
	if err != nil {
		return dataKeyRow{}, err
	}
	wrapped, err := seal(s.dkAlg, wk, dk, []byte("data-key:"+id))
	if err != nil {
		return dataKeyRow{}, err
	}
	return dataKeyRow{ID: id, Purpose: purpose, Algorithm: string(s.dkAlg), Wrapped: wrapped,
		MasterKeyID: s.master.ID(), CreatedAt: tx.Now}, nil
}

func (s *Service) dataKeyByID(ctx context.Context, id string) (dataKeyRow, error) {
	var row dataKeyRow
	err := s.db.Get(ctx, &row, `SELECT id, purpose, algorithm, wrapped, master_key_id, created_at, retired_at
		FROM key_data_keys WHERE id = ?`, id)
	if errs.KindOf(err) == errs.NotFound {
		return row, fmt.Errorf("keys: data key %s does not exist", id)
	}
	return row, err
}

// unwrap opens a data key under the master key, caching it for the life of the service.
func (s *Service) unwrap(row dataKeyRow) ([]byte, error) {
	s.mu.Lock()
	dk, ok := s.dataKey[row.ID]
	s.mu.Unlock()
	if ok {
		return dk, nil
	}
	if row.MasterKeyID != s.master.ID() {
		return nil, fmt.Errorf("keys: data key %s is wrapped by master key %s, but this node has master key %s: "+
			"start it with the master key the data was made with", row.ID, row.MasterKeyID, s.master.ID())
	}
	wk, err := s.master.wrapKey(DataKeyAlgorithm(row.Algorithm))
	if err != nil {
		return nil, err
	}
	dk, err = open(DataKeyAlgorithm(row.Algorithm), wk, row.Wrapped, []byte("data-key:"+row.ID))
	if err != nil {
		return nil, fmt.Errorf("keys: data key %s does not open under the master key (altered?): %w", row.ID, err)
	}
	s.mu.Lock()
	s.dataKey[row.ID] = dk
	s.mu.Unlock()
	return dk, nil
}

// RotateDataKey retires purpose's active data key; the next Seal makes a new one. Values sealed
// under the old key still open. Only the platform rotates data keys (the CLI runs as it).
func (s *Service) RotateDataKey(ctx context.Context, purpose string) error {
	return s.db.Transact(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE key_data_keys SET retired_at = ? WHERE purpose = ? AND retired_at IS NULL`, tx.Now, purpose)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.NotFound, "error.keys_no_data_key", purpose)
		}
		return audit.Record(ctx, tx, audit.Change{Action: "keys.data_key_rotate", ObjectType: "data_key", ObjectID: purpose})
	})
}

// Rewrap re-seals every data key under next, the new master key, in one transaction: either all
// move or none. Afterwards this service still holds the old master key; start the node with the
// new one. It returns how many data keys it rewrapped.
func (s *Service) Rewrap(ctx context.Context, next *MasterKey) (int, error) {
	n := 0
	err := s.db.Transact(ctx, func(tx *store.Tx) error {
		n = 0
		var rows []dataKeyRow
		if err := tx.Select(ctx, &rows, `SELECT id, purpose, algorithm, wrapped, master_key_id, created_at, retired_at
			FROM key_data_keys ORDER BY id`); err != nil {
			return err
		}
		for _, row := range rows {
			if row.MasterKeyID == next.ID() {
				continue
			}
			dk, err := s.unwrap(row)
			if err != nil {
				return err
			}
			wk, err := next.wrapKey(DataKeyAlgorithm(row.Algorithm))
			if err != nil {
				return err
			}
			wrapped, err := seal(DataKeyAlgorithm(row.Algorithm), wk, dk, []byte("data-key:"+row.ID))
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE key_data_keys SET wrapped = ?, master_key_id = ? WHERE id = ?`, wrapped, next.ID(), row.ID); err != nil {
				return err
			}
			n++
		}
		return audit.Record(ctx, tx, audit.Change{Action: "keys.rewrap", ObjectType: "master_key", ObjectID: next.ID(),
			Detail: map[string]any{"from": s.master.ID(), "data_keys": n}})
	})
	return n, err
}
