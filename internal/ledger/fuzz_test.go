package ledger_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/yiwang-platform/yiwang/internal/ledger"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// fuzzLog is a small real log whose outputs seed the fuzzers.
func fuzzLog(f *testing.F) (*ledger.Log, keys, ledger.Receipt) {
	db := storetest.Open(f, store.SQLite, storetest.Options{})
	k := newKeys(f, origin)
	l := newLog(f, db, k)
	for i := range 10 {
		if _, err := l.Append(ctx(), entry(i)); err != nil {
			f.Fatal(err)
		}
	}
	r, err := l.Notarise(ctx(), official, docDigest, "闽工信函〔2026〕12号")
	if err != nil {
		f.Fatal(err)
	}
	return l, k, r
}

func FuzzParseAddCheckpoint(f *testing.F) {
	l, _, _ := fuzzLog(f)
	cp5, _ := l.Checkpoint(ctx())
	proof, _ := l.ConsistencyProof(ctx(), 3, 11)
	f.Add(ledger.FormatAddCheckpoint(3, proof, cp5))
	f.Add(ledger.FormatAddCheckpoint(0, nil, cp5))
	f.Add([]byte("old 0\n\n"))
	f.Add([]byte("old 01\n\nx"))
	f.Fuzz(func(t *testing.T, body []byte) {
		old, p, cp, err := ledger.ParseAddCheckpoint(body)
		if err != nil {
			return
		}
		if old < 0 || len(p) > ledger.MaxProofHashes || len(cp) == 0 {
			t.Fatalf("accepted old %d, %d hashes, %d bytes", old, len(p), len(cp))
		}
		// What parses is written back the same way.
		if again := ledger.FormatAddCheckpoint(old, p, cp); !bytes.Equal(again, body) {
			t.Fatalf("round trip:\n%q\n%q", body, again)
		}
	})
}

func FuzzDecodeLeaf(f *testing.F) {
	for i := range 3 {
		e := entry(i)
		e.Index = int64(i * 1000)
		e.Time = testTime
		f.Add(ledger.LeafData(e))
	}
	f.Add([]byte("yiwang.ledger.entry/v1\n0\nnotarisation\nsm3:" + string(bytes.Repeat([]byte("a"), 64)) + "\n\n\n2026-03-02T01:00:00.000000Z\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ledger.DecodeLeaf(data)
		if err != nil {
			return
		}
		if !bytes.Equal(ledger.LeafData(e), data) {
			t.Fatalf("not canonical: %q", data)
		}
		if _, err := ledger.NormaliseEntry(e); err != nil {
			t.Fatalf("decoded an entry that appending refuses: %v", err)
		}
	})
}

func FuzzReceipt(f *testing.F) {
	_, k, r := fuzzLog(f)
	good, _ := json.Marshal(r)
	f.Add(good)
	f.Add([]byte(`{"entry":{"index":0},"proof":["AAAA"]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ledger.ParseReceipt(data)
		if err != nil {
			return
		}
		if ledger.VerifyReceipt(r, k.vkey) == nil {
			// Only the real receipt verifies: same entry, same tree.
			if r.Entry.Index != 10 || r.Entry.Digest != docDigest || r.LeafHash != reLeaf(t, good) {
				t.Fatalf("a different receipt verified: %s", data)
			}
		}
	})
}

func reLeaf(t *testing.T, good []byte) string {
	r, err := ledger.ParseReceipt(good)
	if err != nil {
		t.Fatal(err)
	}
	return r.LeafHash
}

func FuzzTilePath(f *testing.F) {
	for _, p := range []string{"tile/8/0/000", "tile/8/0/001.p/5", "tile/8/data/x001/234", "tile/8/1/000.p/1", "tile/30/7/x999/999/999.p/3"} {
		f.Add(p, int64(300))
	}
	f.Fuzz(func(t *testing.T, path string, size int64) {
		tile, err := tlog.ParseTilePath(path)
		if err != nil {
			return
		}
		start, ok := ledger.TileSpan(tile, size)
		if !ok {
			return
		}
		if tile.H != ledger.TileHeight || start < 0 || tile.Path() != path {
			t.Fatalf("TileSpan accepted %s (start %d) for size %d", path, start, size)
		}
		level := max(tile.L, 0) * tile.H
		if (start+int64(tile.W))<<level > size || (start+int64(tile.W))<<level < 0 {
			t.Fatalf("tile %s reaches past the tree of %d", path, size)
		}
	})
}

// FuzzWitness feeds add-checkpoint bodies to a witness of a real log: nothing panics, and only
// checkpoints the log signed are ever cosigned.
func FuzzWitness(f *testing.F) {
	l, k, _ := fuzzLog(f)
	wk := newKeys(f, "witness.yiwang.test")
	w, err := ledger.NewWitness(storetest.Open(f, store.SQLite, storetest.Options{}), ledger.WitnessConfig{
		Signer: wk.signer, Logs: []ledger.WitnessedLog{{Origin: origin, VerifierKey: k.vkey}}})
	if err != nil {
		f.Fatal(err)
	}
	cp, _ := l.Checkpoint(ctx())
	f.Add(ledger.FormatAddCheckpoint(0, nil, cp))
	proof, _ := l.ConsistencyProof(ctx(), 4, 11)
	f.Add(ledger.FormatAddCheckpoint(4, proof, cp))
	f.Add([]byte("old 0\n\nyiwang.test/350000/ledger\n1\nAAAA\n\n— x AAAAAAA=\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		old, p, msg, err := ledger.ParseAddCheckpoint(body)
		if err != nil {
			return
		}
		cosig, err := w.AddCheckpoint(ctx(), old, p, msg)
		if err != nil {
			return
		}
		if _, err := note.Open(msg, note.VerifierList(k.verifier)); err != nil {
			t.Fatalf("cosigned a checkpoint the log did not sign: %q", msg)
		}
		if _, err := note.Open(append(bytes.Clone(msg), cosig...), note.VerifierList(k.verifier, wk.verifier)); err != nil {
			t.Fatalf("cosignature does not verify: %v", err)
		}
	})
}
