// Package blob stores files — uploads and generated documents — addressed by their SHA-256, in
// the database by default, so that a file is stored once however often it is referenced.
package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// MaxSize is the largest file stored.
const MaxSize = 20 << 20

// Blob is a stored file's description.
type Blob struct {
	SHA256      string    `db:"sha256" json:"sha256"`
	Size        int64     `db:"size" json:"size"`
	ContentType string    `db:"content_type" json:"content_type"`
	CreatedAt   time.Time `db:"created_at" json:"created_at"`
}

// Put stores data in tx and returns its description; storing the same bytes again is a no-op.
// The content type is sniffed from the data, never taken from the uploader.
func Put(ctx context.Context, tx *store.Tx, data []byte) (b Blob, err error) {
	defer errs.Wrap(&err, "blob.Put")
	if len(data) == 0 {
		return b, errs.E(errs.Invalid, "error.empty_file")
	}
	if len(data) > MaxSize {
		return b, errs.E(errs.TooLarge, "error.file_too_large", MaxSize>>20)
	}
	sum := sha256.Sum256(data)
	b = Blob{SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data)), ContentType: http.DetectContentType(data), CreatedAt: tx.Now}
	var n int
	if err := tx.Get(ctx, &n, `SELECT COUNT(*) FROM blobs WHERE sha256 = ?`, b.SHA256); err != nil {
		return b, err
	}
	if n > 0 {
		return b, tx.Get(ctx, &b, `SELECT sha256, size, content_type, created_at FROM blobs WHERE sha256 = ?`, b.SHA256)
	}
	_, err = tx.Exec(ctx, `INSERT INTO blobs (sha256, size, content_type, data, created_at) VALUES (?, ?, ?, ?, ?)`,
		b.SHA256, b.Size, b.ContentType, data, tx.Now)
	return b, err
}

// Get returns a stored file and its description. Returns errs.NotFound if there is none.
func Get(ctx context.Context, db *store.DB, sha string) (Blob, []byte, error) {
	var row struct {
		Blob
		Data []byte `db:"data"`
	}
	err := db.Get(ctx, &row, `SELECT sha256, size, content_type, data, created_at FROM blobs WHERE sha256 = ?`, sha)
	return row.Blob, row.Data, err
}
