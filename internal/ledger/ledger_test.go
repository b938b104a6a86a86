package ledger_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	tlogfmt "github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/ledger"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

const origin = "yiwang.test/350000/ledger"

// testTime is the time of storetest's fake clock, 2026-03-02 09:00 China time.
var testTime = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)

// keys is a log's or witness's note key pair.
type keys struct {
	signer   note.Signer
	verifier note.Verifier
	vkey     string
}

func newKeys(t testing.TB, name string) keys {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return keys{s, v, vkey}
}

func newLog(t testing.TB, db *store.DB, k keys, witnesses ...ledger.WitnessPeer) *ledger.Log {
	t.Helper()
	l, err := ledger.New(db, ledger.Config{Origin: origin, Signer: k.signer, VerifierKey: k.vkey, Witnesses: witnesses})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// entry returns a licence entry whose digest is the SHA-256 of i.
func entry(i int) ledger.Entry {
	sum := sha256.Sum256([]byte(fmt.Sprint(i)))
	return ledger.Entry{Type: ledger.TypeLicenceIssued, Digest: fmt.Sprintf("sha256:%x", sum), Org: "fj-miit", Subject: fmt.Sprintf("闽工信证字〔2026〕%05d号", i)}
}

// model is an in-memory tlog, computed with x/mod's own StoredHashes, against which the stored
// log is compared.
type model struct{ hashes []tlog.Hash }

func (m *model) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		out[i] = m.hashes[x]
	}
	return out, nil
}

func (m *model) add(t testing.TB, n int64, data []byte) {
	t.Helper()
	hs, err := tlog.StoredHashes(n, data, m)
	if err != nil {
		t.Fatal(err)
	}
	m.hashes = append(m.hashes, hs...)
}

func hashes(hs []tlog.Hash) [][]byte {
	out := make([][]byte, len(hs))
	for i := range hs {
		out[i] = hs[i][:]
	}
	return out
}

func ctx() context.Context { return context.Background() }

// TestAppendAndProofs grows a log in uneven batches and checks, at many sizes, that its root,
// stored hashes, inclusion and consistency proofs agree with x/mod's tlog and verify with
// transparency-dev/merkle.
func TestAppendAndProofs(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		k := newKeys(t, origin)
		l := newLog(t, db, k)
		m := &model{}
		var sizes []int64
		var roots []tlog.Hash
		n := 0
		for _, batch := range []int{1, 1, 1, 2, 3, 5, 8, 13, 1, 21, 34, 55, 7, 64, 1, 100} {
			var es []ledger.Entry
			for range batch {
				es = append(es, entry(n))
				n++
			}
			idx, err := l.Append(ctx(), es...)
			if err != nil {
				t.Fatal(err)
			}
			for i, x := range idx {
				if x != int64(n-batch+i) {
					t.Fatalf("indexes %v, want from %d", idx, n-batch)
				}
				got, err := l.Entry(ctx(), x)
				if err != nil {
					t.Fatal(err)
				}
				m.add(t, x, ledger.LeafData(got))
			}
			size := int64(n)
			root, err := tlog.TreeHash(size, m)
			if err != nil {
				t.Fatal(err)
			}
			msg, err := l.CheckpointCovering(ctx(), size)
			if err != nil {
				t.Fatal(err)
			}
			cp, _, _, err := tlogfmt.ParseCheckpoint(msg, origin, k.verifier)
			if err != nil {
				t.Fatalf("checkpoint does not parse: %v\n%s", err, msg)
			}
			if int64(cp.Size) != size || tlog.Hash(cp.Hash) != root {
				t.Fatalf("checkpoint %d %x, want %d %x", cp.Size, cp.Hash, size, root)
			}
			sizes, roots = append(sizes, size), append(roots, root)
		}
		// Stored hashes are exactly tlog's, read back through the hash tiles.
		hr := hashReaderFromTiles(t, l, int64(n))
		for i := range m.hashes {
			h, err := hr.ReadHashes([]int64{int64(i)})
			if err != nil {
				t.Fatalf("hash %d: %v", i, err)
			}
			if h[0] != m.hashes[i] {
				t.Fatalf("stored hash %d = %x, tlog says %x", i, h[0], m.hashes[i])
			}
		}
		hasher := rfc6962.DefaultHasher
		for si, size := range sizes {
			for _, index := range []int64{0, size / 3, size / 2, size - 1} {
				p, err := l.InclusionProof(ctx(), index, size)
				if err != nil {
					t.Fatal(err)
				}
				leaf := m.hashes[tlog.StoredHashIndex(0, index)]
				if err := tlog.CheckRecord(p, size, roots[si], index, leaf); err != nil {
					t.Errorf("tlog rejects inclusion of %d in %d: %v", index, size, err)
				}
				e, _ := l.Entry(ctx(), index)
				if err := proof.VerifyInclusion(hasher, uint64(index), uint64(size), hasher.HashLeaf(ledger.LeafData(e)), hashes(p), roots[si][:]); err != nil {
					t.Errorf("merkle rejects inclusion of %d in %d: %v", index, size, err)
				}
			}
			for sj := 0; sj <= si; sj++ {
				from := sizes[sj]
				p, err := l.ConsistencyProof(ctx(), from, size)
				if err != nil {
					t.Fatal(err)
				}
				if err := tlog.CheckTree(p, size, roots[si], from, roots[sj]); err != nil {
					t.Errorf("tlog rejects consistency %d → %d: %v", from, size, err)
				}
				if err := proof.VerifyConsistency(hasher, uint64(from), uint64(size), hashes(p), roots[sj][:], roots[si][:]); err != nil {
					t.Errorf("merkle rejects consistency %d → %d: %v", from, size, err)
				}
			}
		}
		// Out of range.
		for _, c := range [][2]int64{{-1, 5}, {5, 5}, {0, int64(n) + 1}, {0, -1}} {
			if _, err := l.InclusionProof(ctx(), c[0], c[1]); !errs.Is(err, errs.Invalid) {
				t.Errorf("InclusionProof(%d, %d) = %v, want invalid", c[0], c[1], err)
			}
		}
		for _, c := range [][2]int64{{-1, 5}, {6, 5}, {0, int64(n) + 1}} {
			if _, err := l.ConsistencyProof(ctx(), c[0], c[1]); !errs.Is(err, errs.Invalid) {
				t.Errorf("ConsistencyProof(%d, %d) = %v, want invalid", c[0], c[1], err)
			}
		}
		// Every checkpoint was kept, each consistent with the one before.
		cps, err := l.Checkpoints(ctx(), 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, c := range cps {
			got = append(got, c.Size)
		}
		if diff := cmp.Diff(sizes, got); diff != "" {
			t.Errorf("checkpoint sizes (-want +got):\n%s", diff)
		}
		rep, err := ledger.Audit(ctx(), ledger.DBSource(db), k.vkey)
		if err != nil || !rep.OK() {
			t.Errorf("audit of an honest log: %v\n%s", err, rep.Describe())
		}
		if rep.EntriesChecked != int64(n) || rep.HashesChecked != int64(len(m.hashes)) || rep.CheckpointsChecked != int64(len(sizes)) {
			t.Errorf("audit counts: %+v", rep)
		}
	})
}

// hashReaderFromTiles reads stored hashes through the log's hash tiles, as a tile client would.
func hashReaderFromTiles(t *testing.T, l *ledger.Log, size int64) tlog.HashReader {
	cache := map[string][]byte{}
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			tile := tlog.TileForIndex(ledger.TileHeight, x)
			// Ask for the widest tile the tree holds: complete if it can be.
			full := tile
			full.W = 1 << ledger.TileHeight
			if _, ok := ledger.TileSpan(full, size); ok {
				tile = full
			}
			data, ok := cache[tile.Path()]
			if !ok {
				var err error
				if data, err = l.ReadTile(ctx(), tile); err != nil {
					return nil, fmt.Errorf("tile %s: %w", tile.Path(), err)
				}
				cache[tile.Path()] = data
			}
			var err error
			if out[i], err = tlog.HashFromTile(tile, data, x); err != nil {
				return nil, err
			}
		}
		return out, nil
	})
}

func TestTiles(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		l := newLog(t, db, newKeys(t, origin))
		var es []ledger.Entry
		for i := range 300 {
			es = append(es, entry(i))
		}
		if _, err := l.Append(ctx(), es...); err != nil {
			t.Fatal(err)
		}
		// Data tiles hold the leaves.
		for _, p := range []string{"tile/8/data/000", "tile/8/data/001.p/44"} {
			tile, err := tlog.ParseTilePath(p)
			if err != nil {
				t.Fatal(err)
			}
			data, err := l.ReadTile(ctx(), tile)
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			leaves, err := ledger.SplitDataTile(data)
			if err != nil || len(leaves) != tile.W {
				t.Fatalf("%s: %d leaves, %v", p, len(leaves), err)
			}
			for i, leaf := range leaves {
				e, err := ledger.DecodeLeaf(leaf)
				if err != nil || e.Index != tile.N<<8+int64(i) {
					t.Fatalf("%s leaf %d: %+v %v", p, i, e, err)
				}
			}
		}
		// The tree's root from the level-1 tile and the level-0 tiles matches the checkpoint.
		msg, err := l.Checkpoint(ctx())
		if err != nil {
			t.Fatal(err)
		}
		n, _ := note.Open(msg, note.VerifierList(mustVerifier(t, l.VerifierKey())))
		tree, err := parseTree(n.Text)
		if err != nil {
			t.Fatal(err)
		}
		root, err := tlog.TreeHash(tree.N, hashReaderFromTiles(t, l, tree.N))
		if err != nil || root != tree.Hash {
			t.Errorf("root from tiles %x (%v), checkpoint %x", root, err, tree.Hash)
		}
		for _, p := range []string{"tile/8/0/002", "tile/8/1/000", "tile/8/data/001", "tile/8/0/001.p/45", "tile/4/0/000"} {
			tile, err := tlog.ParseTilePath(p)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := l.ReadTile(ctx(), tile); !errs.Is(err, errs.NotFound) {
				t.Errorf("%s: %v, want not found", p, err)
			}
		}
	})
}

func mustVerifier(t testing.TB, vkey string) note.Verifier {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func parseTree(text string) (tlog.Tree, error) {
	var c tlogfmt.Checkpoint
	if _, err := c.Unmarshal([]byte(text)); err != nil {
		return tlog.Tree{}, err
	}
	return tlog.Tree{N: int64(c.Size), Hash: tlog.Hash(c.Hash)}, nil
}

func TestAppendTxRollback(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		l := newLog(t, db, newKeys(t, origin))
		if _, err := l.Append(ctx(), entry(0)); err != nil {
			t.Fatal(err)
		}
		err := db.Transact(ctx(), func(tx *store.Tx) error {
			idx, err := l.AppendTx(ctx(), tx, entry(1), entry(2))
			if err != nil {
				return err
			}
			if !slices.Equal(idx, []int64{1, 2}) {
				t.Errorf("indexes %v", idx)
			}
			return store.ErrRollback
		})
		if err != store.ErrRollback {
			t.Fatal(err)
		}
		var entries, hashes, size int64
		for q, dst := range map[string]*int64{
			`SELECT COUNT(*) FROM ledger_entries`: &entries, `SELECT COUNT(*) FROM ledger_hashes`: &hashes,
			`SELECT size FROM ledger_head`: &size} {
			if err := db.Get(ctx(), dst, q); err != nil {
				t.Fatal(err)
			}
		}
		if entries != 1 || hashes != 1 || size != 1 {
			t.Errorf("after rollback: %d entries, %d hashes, size %d; want 1, 1, 1", entries, hashes, size)
		}
		// The indexes the rolled-back transaction took are taken again.
		idx, err := l.Append(ctx(), entry(3))
		if err != nil || idx[0] != 1 {
			t.Errorf("next append: %v %v", idx, err)
		}
		// A bad entry refuses the whole transaction's appends before writing any.
		err = db.Transact(ctx(), func(tx *store.Tx) error {
			_, err := l.AppendTx(ctx(), tx, entry(4), ledger.Entry{Type: "licence.invented", Digest: entry(5).Digest})
			return err
		})
		if pe := errs.Public(err); pe.Kind != errs.Invalid || pe.Field != "type" {
			t.Errorf("bad type: %v", err)
		}
	})
}

func TestConcurrentAppend(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		k := newKeys(t, origin)
		l := newLog(t, db, k)
		const workers, each = 24, 15
		var mu sync.Mutex
		var all []int64
		var wg sync.WaitGroup
		errc := make(chan error, workers)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					var idx []int64
					var err error
					if w%8 == 0 && i%3 == 0 {
						// Mixed with appends inside callers' own transactions. On PostgreSQL these
						// serialise on the head row by aborting and retrying: a few, as in life.
						err = db.Transact(ctx(), func(tx *store.Tx) error {
							idx, err = l.AppendTx(ctx(), tx, entry(w*1000+i))
							return err
						})
					} else {
						idx, err = l.Append(ctx(), entry(w*1000+i))
					}
					if err != nil {
						errc <- err
						return
					}
					mu.Lock()
					all = append(all, idx...)
					mu.Unlock()
					if i%7 == 0 {
						if _, err := l.CheckpointCovering(ctx(), idx[0]+1); err != nil {
							errc <- err
							return
						}
					}
				}
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Fatal(err)
		}
		slices.Sort(all)
		for i, x := range all {
			if x != int64(i) {
				t.Fatalf("indexes not 0…%d without gaps: %v", len(all)-1, all)
			}
		}
		if _, err := l.Checkpoint(ctx()); err != nil {
			t.Fatal(err)
		}
		rep, err := ledger.Audit(ctx(), ledger.DBSource(db), k.vkey)
		if err != nil || !rep.OK() || rep.EntriesChecked != workers*each {
			t.Errorf("audit: %v\n%s", err, rep.Describe())
		}
	})
}

func TestEntryValidation(t *testing.T) {
	good := entry(1)
	for _, tc := range []struct {
		name    string
		change  func(e *ledger.Entry)
		field   string
		message string
	}{
		{"unknown type", func(e *ledger.Entry) { e.Type = "licence.lost" }, "type", "ledger.error.bad_type"},
		{"empty type", func(e *ledger.Entry) { e.Type = "" }, "type", "ledger.error.bad_type"},
		{"md5 digest", func(e *ledger.Entry) { e.Digest = "md5:0123" }, "digest", "ledger.error.digest_algorithm"},
		{"bare hex", func(e *ledger.Entry) { e.Digest = good.Digest[7:] }, "digest", "ledger.error.digest_algorithm"},
		{"short digest", func(e *ledger.Entry) { e.Digest = "sm3:abcd" }, "digest", "ledger.error.digest_length"},
		{"not hex", func(e *ledger.Entry) { e.Digest = "sha256:" + string(make([]byte, 0)) + "zz" + good.Digest[9:] }, "digest", "ledger.error.digest_hex"},
		{"resident ID in subject", func(e *ledger.Entry) { e.Subject = "申请人 350102198803150461 的证照" }, "subject", "ledger.error.subject_id_number"},
		{"resident ID with a wrong check digit", func(e *ledger.Entry) { e.Subject = "350102198803150462" }, "subject", "ledger.error.subject_id_number"},
		{"resident ID with small x", func(e *ledger.Entry) { e.Subject = "id 35020319751102031x" }, "subject", "ledger.error.subject_id_number"},
		{"mobile number", func(e *ledger.Entry) { e.Subject = "联系 13859001234" }, "subject", "ledger.error.subject_phone"},
		{"mobile number with +86", func(e *ledger.Entry) { e.Subject = "+8613859001234" }, "subject", "ledger.error.subject_phone"},
		{"newline in subject", func(e *ledger.Entry) { e.Subject = "a\nb" }, "subject", "ledger.error.text_control"},
		{"subject too long", func(e *ledger.Entry) { e.Subject = string(make([]rune, 0)) + fmt.Sprintf("%0257d", 0) }, "subject", "ledger.error.text_length"},
		{"space around subject", func(e *ledger.Entry) { e.Subject = " x" }, "subject", "ledger.error.text_space"},
		{"org with space", func(e *ledger.Entry) { e.Org = "fj miit" }, "org", "ledger.error.bad_org"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := good
			tc.change(&e)
			_, err := ledger.NormaliseEntry(e)
			pe := errs.Public(err)
			if pe.Kind != errs.Invalid || pe.Field != tc.field || pe.Message != tc.message {
				t.Errorf("got %v, want invalid %s %s", err, tc.field, tc.message)
			}
		})
	}
	for _, ok := range []string{
		"91350100M000100Y43",                                                               // a credit code is not personal
		"闽(2026)福州市不动产权第0001234号", "case 2026-0001", "key:sm2:abc", "12345678901234567890", // long runs that are no ID
		"",
	} {
		e := good
		e.Subject = ok
		if _, err := ledger.NormaliseEntry(e); err != nil {
			t.Errorf("subject %q refused: %v", ok, err)
		}
	}
	e := good
	e.Digest = "SHA256:" + "ABCDEF" + good.Digest[13:]
	n, err := ledger.NormaliseEntry(e)
	if err != nil || n.Digest != "sha256:abcdef"+good.Digest[13:] {
		t.Errorf("upper-case digest: %q %v", n.Digest, err)
	}
}

func TestLeafEncoding(t *testing.T) {
	e := entry(7)
	e.Index = 42
	e.Time = e.Time.Add(0)
	data := ledger.LeafData(e)
	want := "yiwang.ledger.entry/v1\n42\nlicence.issued\n" + e.Digest + "\nfj-miit\n" + e.Subject + "\n0001-01-01T00:00:00.000000Z\n"
	if string(data) != want {
		t.Errorf("leaf data:\n%s\nwant:\n%s", data, want)
	}
	back, err := ledger.DecodeLeaf(data)
	if err != nil || !back.Time.Equal(e.Time) || back.Subject != e.Subject || back.Index != 42 {
		t.Errorf("DecodeLeaf = %+v, %v", back, err)
	}
	for _, bad := range []string{
		want[:len(want)-1],
		want + "\n",
		"yiwang.ledger.entry/v2" + want[len("yiwang.ledger.entry/v1"):],
		"yiwang.ledger.entry/v1\n042\n" + want[len("yiwang.ledger.entry/v1\n42\n"):],
		"yiwang.ledger.entry/v1\n+42\n" + want[len("yiwang.ledger.entry/v1\n42\n"):],
	} {
		if _, err := ledger.DecodeLeaf([]byte(bad)); err == nil {
			t.Errorf("DecodeLeaf accepted %q", bad)
		}
	}
}
