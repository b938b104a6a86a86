package events_test

import (
	"context"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

func BenchmarkZZBaselineInsert(b *testing.B) {
	db := storetest.Open(b, store.SQLite, storetest.Options{})
	ctx := context.Background()
	for b.Loop() {
		if err := db.Transact(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO events (topic, payload, request_id, created_at) VALUES ('a.b', '{}', '', ?)`, tx.Now)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
}
