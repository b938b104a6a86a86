package blob_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/blob"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

func TestPutGet(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		data := []byte("%PDF-1.7\n进展材料\n")
		var first, second blob.Blob
		err := db.Transact(ctx, func(tx *store.Tx) (err error) {
			if first, err = blob.Put(ctx, tx, data); err != nil {
				return err
			}
			second, err = blob.Put(ctx, tx, data)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if first.SHA256 != second.SHA256 || first.ContentType != "application/pdf" || first.Size != int64(len(data)) {
			t.Errorf("first %+v second %+v", first, second)
		}
		got, body, err := blob.Get(ctx, db, first.SHA256)
		if err != nil || !bytes.Equal(body, data) || got.SHA256 != first.SHA256 {
			t.Errorf("Get = %+v %q %v", got, body, err)
		}
		if _, _, err := blob.Get(ctx, db, "00"); !errs.Is(err, errs.NotFound) {
			t.Errorf("missing blob: %v", err)
		}
		for _, tc := range []struct {
			data []byte
			kind errs.Kind
		}{{nil, errs.Invalid}, {make([]byte, blob.MaxSize+1), errs.TooLarge}} {
			err := db.Transact(ctx, func(tx *store.Tx) error { _, err := blob.Put(ctx, tx, tc.data); return err })
			if !errs.Is(err, tc.kind) {
				t.Errorf("put %d bytes: %v, want %s", len(tc.data), err, tc.kind)
			}
		}
	})
}
