package ledger

import (
	"context"
	"encoding/binary"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// MaxPage is the most entries or checkpoints one read returns.
const MaxPage = 1000

// Record is an entry with the leaf hash the log stores for it. An honest log's LeafHash is
// tlog.RecordHash(LeafData(Entry)); auditors check that it is.
type Record struct {
	Entry
	LeafHash tlog.Hash
}

type entryRow struct {
	Idx     int64     `db:"idx"`
	Version int       `db:"version"`
	Type    string    `db:"type"`
	Digest  string    `db:"digest"`
	Org     string    `db:"org"`
	Subject string    `db:"subject"`
	At      time.Time `db:"at"`
}

func (r entryRow) entry() Entry {
	return Entry{Index: r.Idx, Type: Type(r.Type), Digest: r.Digest, Org: r.Org, Subject: r.Subject, Time: r.At.UTC()}
}

// Entry returns the entry at index. Returns errs.NotFound if the log has none there.
func (l *Log) Entry(ctx context.Context, index int64) (Entry, error) {
	es, err := readEntries(ctx, l.db, index, 1)
	if err != nil {
		return Entry{}, err
	}
	if len(es) == 0 || es[0].Index != index {
		return Entry{}, errs.E(errs.NotFound, "ledger.error.no_such_entry", index)
	}
	return es[0], nil
}

// Entries returns up to limit entries (at most MaxPage) from index from on, in order.
func (l *Log) Entries(ctx context.Context, from int64, limit int) ([]Entry, error) {
	if from < 0 {
		return nil, errs.Field("from", "ledger.error.bad_from")
	}
	return readEntries(ctx, l.db, from, clampLimit(limit))
}

// Records returns up to limit entries from index from on, each with its stored leaf hash.
func (l *Log) Records(ctx context.Context, from int64, limit int) ([]Record, error) {
	if from < 0 {
		return nil, errs.Field("from", "ledger.error.bad_from")
	}
	return readRecords(ctx, l.db, from, clampLimit(limit))
}

func clampLimit(limit int) int {
	if limit <= 0 {
		return 100
	}
	return min(limit, MaxPage)
}

func readEntries(ctx context.Context, q querier, from int64, limit int) ([]Entry, error) {
	var rows []entryRow
	if err := q.Select(ctx, &rows, `SELECT idx, version, type, digest, org, subject, at FROM ledger_entries
		WHERE idx >= ? ORDER BY idx LIMIT ?`, from, limit); err != nil {
		return nil, err
	}
	out := make([]Entry, len(rows))
	for i, r := range rows {
		out[i] = r.entry()
	}
	return out, nil
}

// readRecords reads entries with the leaf hashes stored for them; an entry whose leaf hash is
// missing gets the zero hash, which no auditor accepts.
func readRecords(ctx context.Context, q querier, from int64, limit int) ([]Record, error) {
	es, err := readEntries(ctx, q, from, limit)
	if err != nil || len(es) == 0 {
		return nil, err
	}
	lo := tlog.StoredHashIndex(0, es[0].Index)
	hi := tlog.StoredHashIndex(0, es[len(es)-1].Index)
	var rows []hashRow
	if hi-lo < int64(4*len(es))+64 {
		err = q.Select(ctx, &rows, `SELECT id, hash FROM ledger_hashes WHERE id BETWEEN ? AND ?`, lo, hi)
	} else {
		// Entries far apart (a gap): fetch only their leaves.
		ids := make([]any, 0, len(es))
		for _, e := range es {
			ids = append(ids, tlog.StoredHashIndex(0, e.Index))
		}
		for start := 0; start < len(ids) && err == nil; start += maxInList {
			part := ids[start:min(start+maxInList, len(ids))]
			var some []hashRow
			err = q.Select(ctx, &some, `SELECT id, hash FROM ledger_hashes WHERE id IN (`+store.Placeholders(len(part))+`)`, part...)
			rows = append(rows, some...)
		}
	}
	if err != nil {
		return nil, err
	}
	byID := make(map[int64][]byte, len(rows))
	for _, r := range rows {
		byID[r.ID] = r.Hash
	}
	out := make([]Record, len(es))
	for i, e := range es {
		out[i].Entry = e
		if h := byID[tlog.StoredHashIndex(0, e.Index)]; len(h) == tlog.HashSize {
			out[i].LeafHash = tlog.Hash(h)
		}
	}
	return out, nil
}

// InclusionProof returns the proof that the tree of the given size contains the entry at index.
// Returns errs.Invalid unless 0 ≤ index < size ≤ the log's size.
func (l *Log) InclusionProof(ctx context.Context, index, size int64) (_ tlog.RecordProof, err error) {
	defer errs.Wrap(&err, "ledger.InclusionProof(%d, %d)", index, size)
	if err := l.checkSize(ctx, "size", size); err != nil {
		return nil, err
	}
	if index < 0 || index >= size {
		return nil, errs.Field("index", "ledger.error.bad_index", index, size)
	}
	return tlog.ProveRecord(size, index, hashReader{ctx, l.db})
}

// ConsistencyProof returns the proof that the tree of size to extends the tree of size from.
// Returns errs.Invalid unless 0 ≤ from ≤ to ≤ the log's size.
func (l *Log) ConsistencyProof(ctx context.Context, from, to int64) (_ tlog.TreeProof, err error) {
	defer errs.Wrap(&err, "ledger.ConsistencyProof(%d, %d)", from, to)
	if err := l.checkSize(ctx, "to", to); err != nil {
		return nil, err
	}
	if from < 0 || from > to {
		return nil, errs.Field("from", "ledger.error.bad_from_size", from, to)
	}
	if from == 0 || from == to {
		return tlog.TreeProof{}, nil
	}
	return tlog.ProveTree(to, from, hashReader{ctx, l.db})
}

// checkSize refuses a tree size that is negative or beyond the log.
func (l *Log) checkSize(ctx context.Context, field string, size int64) error {
	n, err := l.Size(ctx)
	if err != nil {
		return err
	}
	if size < 0 || size > n {
		return errs.Field(field, "ledger.error.bad_size", size, n)
	}
	return nil
}

// ReadTile returns the contents of tile t: for a hash tile (t.L ≥ 0), its hashes concatenated
// (tlog.ReadTileData); for a data tile (t.L == -1, path tile/8/data/…), the leaf data of its
// entries, each preceded by its length as a big-endian uint16 (the entry bundle of C2SP
// tlog-tiles). Only tiles of height TileHeight are served. Returns errs.NotFound for a tile the
// tree does not hold yet.
func (l *Log) ReadTile(ctx context.Context, t tlog.Tile) (_ []byte, err error) {
	defer errs.Wrap(&err, "ledger.ReadTile(%s)", t.Path())
	size, err := l.Size(ctx)
	if err != nil {
		return nil, err
	}
	start, ok := TileSpan(t, size)
	if !ok {
		return nil, errs.E(errs.NotFound, "ledger.error.no_such_tile")
	}
	if t.L >= 0 {
		return tlog.ReadTileData(t, hashReader{ctx, l.db})
	}
	es, err := readEntries(ctx, l.db, start, t.W)
	if err != nil {
		return nil, err
	}
	if len(es) != t.W {
		return nil, errs.Wrapf(errs.Internal, errs.E(errs.Internal, "entries missing under the head"), "ledger.error.damaged")
	}
	var out []byte
	for i, e := range es {
		if e.Index != start+int64(i) {
			return nil, errs.Wrapf(errs.Internal, errs.E(errs.Internal, "entry missing under the head"), "ledger.error.damaged")
		}
		d := LeafData(e)
		out = binary.BigEndian.AppendUint16(out, uint16(len(d)))
		out = append(out, d...)
	}
	return out, nil
}

// TileSpan reports whether a tree of size entries holds tile t, a tile of height TileHeight,
// and the index of its first node at its level (for a data tile, its first entry).
func TileSpan(t tlog.Tile, size int64) (start int64, ok bool) {
	if t.H != TileHeight || t.W < 1 || t.W > 1<<TileHeight || t.L < -1 || t.L > 63/TileHeight || t.N < 0 || size < 0 {
		return 0, false
	}
	level := max(t.L, 0) * t.H
	start = t.N << t.H
	if start>>t.H != t.N {
		return 0, false // overflow
	}
	end := start + int64(t.W) // exclusive, in nodes of the tile's level
	if end < start || end > size>>level {
		return 0, false
	}
	return start, true
}

// SplitDataTile splits the contents of a data tile into its entries' leaf data.
func SplitDataTile(data []byte) ([][]byte, error) {
	var out [][]byte
	for len(data) > 0 {
		if len(data) < 2 {
			return nil, errs.E(errs.Invalid, "ledger.error.bad_tile")
		}
		n := int(binary.BigEndian.Uint16(data))
		if len(data) < 2+n {
			return nil, errs.E(errs.Invalid, "ledger.error.bad_tile")
		}
		out = append(out, data[2:2+n])
		data = data[2+n:]
	}
	return out, nil
}
