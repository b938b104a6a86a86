package store_test

import (
	"context"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// Statements recur through SQLite's prepared-statement cache with the same results, also after
// the schema changed under them.
func TestPreparedStatementsRecur(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := db.SQL().Exec(`CREATE TABLE recurring (k TEXT PRIMARY KEY, n INTEGER NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		for i := range 4 {
			err := db.Transact(ctx, func(tx *store.Tx) error {
				if _, err := tx.Exec(ctx, `INSERT INTO recurring (k, n) VALUES (?, ?)`, string(rune('a'+i)), i); err != nil {
					return err
				}
				var n int
				if err := tx.Get(ctx, &n, `SELECT COUNT(*) FROM recurring WHERE n <= ?`, i); err != nil {
					return err
				}
				if n != i+1 {
					t.Errorf("round %d: count %d", i, n)
				}
				id, err := tx.InsertID(ctx, `SELECT n + 100 FROM recurring WHERE k = ?`, string(rune('a'+i)))
				if err != nil || id != int64(i+100) {
					t.Errorf("round %d: InsertID = %d, %v", i, id, err)
				}
				var ks []string
				if err := tx.Select(ctx, &ks, `SELECT k FROM recurring ORDER BY k`); err != nil || len(ks) != i+1 {
					t.Errorf("round %d: Select = %v, %v", i, ks, err)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if i == 1 {
				if _, err := db.SQL().Exec(`ALTER TABLE recurring ADD COLUMN note TEXT NOT NULL DEFAULT ''`); err != nil {
					t.Fatal(err)
				}
			}
		}
		// A constraint violation through a prepared statement is still classified.
		err := db.Transact(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO recurring (k, n) VALUES (?, ?)`, "a", 9)
			return err
		})
		if err == nil {
			t.Fatal("duplicate key accepted")
		}
	})
}
