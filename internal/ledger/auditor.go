package ledger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	tlogfmt "github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/yiwang-platform/yiwang/internal/store"
)

// Source is where an auditor reads a log: a node's database (DBSource, offline) or its read
// API (HTTPSource).
type Source interface {
	// Head returns the number of entries the node says the log holds.
	Head(ctx context.Context) (int64, error)
	// Records returns up to limit entries from index from on, in order, each with the leaf hash
	// the node stores for it. Missing entries are simply absent.
	Records(ctx context.Context, from int64, limit int) ([]Record, error)
	// Hashes returns the node's stored hashes with storage indexes in [from, to), keyed by
	// index; ErrNoHashes if the source cannot read them (auditing then recomputes the tree from
	// the entries and compares only leaf hashes and checkpoints).
	Hashes(ctx context.Context, from, to int64) (map[int64]tlog.Hash, error)
	// Checkpoints returns up to limit stored checkpoints of size ≥ from, smallest first.
	Checkpoints(ctx context.Context, from int64, limit int) ([]SignedCheckpoint, error)
	// String names the source for reports.
	String() string
}

// ErrNoHashes is returned by Source.Hashes of sources that do not expose stored hashes.
var ErrNoHashes = errors.New("ledger: the source does not expose stored hashes")

// DBSource reads the log from a database opened on a node's data directory or database URL.
func DBSource(db *store.DB) Source { return dbSource{db} }

type dbSource struct{ db *store.DB }

func (s dbSource) String() string { return s.db.Where() }

func (s dbSource) Head(ctx context.Context) (int64, error) { return headSize(ctx, s.db) }

func (s dbSource) Records(ctx context.Context, from int64, limit int) ([]Record, error) {
	return readRecords(ctx, s.db, from, limit)
}

func (s dbSource) Hashes(ctx context.Context, from, to int64) (map[int64]tlog.Hash, error) {
	var rows []hashRow
	if err := s.db.Select(ctx, &rows, `SELECT id, hash FROM ledger_hashes WHERE id >= ? AND id < ?`, from, to); err != nil {
		return nil, err
	}
	out := make(map[int64]tlog.Hash, len(rows))
	for _, r := range rows {
		var h tlog.Hash
		if len(r.Hash) == tlog.HashSize {
			h = tlog.Hash(r.Hash)
		} else {
			// A hash of the wrong length never equals the one recomputed.
			h = tlog.Hash{0xff}
		}
		out[r.ID] = h
	}
	return out, nil
}

func (s dbSource) Checkpoints(ctx context.Context, from int64, limit int) ([]SignedCheckpoint, error) {
	return readCheckpoints(ctx, s.db, from, limit)
}

// Report says what an audit checked and the first things it found wrong.
type Report struct {
	Source string
	// Size is the number of entries the log claims (the larger of its head and its newest
	// checkpoint).
	Size               int64
	EntriesChecked     int64
	HashesChecked      int64
	CheckpointsChecked int64
	// FirstBadEntry is the index of the first entry that is missing, was changed, or whose
	// stored hashes were changed; -1 if none.
	FirstBadEntry int64
	// BadCheckpoint is the size of the first checkpoint whose signature fails or whose root
	// hash is not that of the entries (so it is inconsistent with the checkpoints before it);
	// -1 if none. A checkpoint that disagrees only because an entry below it was changed is not
	// counted here: that entry is.
	BadCheckpoint int64
	// Problems describe what is wrong, in log order, at most maxProblems of them.
	Problems []string
	// SelfAsserted says that checkpoints were checked against the keys the node itself names,
	// not a key given by the auditor.
	SelfAsserted bool
}

const maxProblems = 20

// OK reports whether the audit found nothing wrong.
func (r Report) OK() bool { return r.FirstBadEntry < 0 && r.BadCheckpoint < 0 && len(r.Problems) == 0 }

func (r *Report) problem(format string, args ...any) {
	if len(r.Problems) < maxProblems {
		r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
	}
}

func (r *Report) badEntry(i int64, format string, args ...any) {
	if r.FirstBadEntry < 0 || i < r.FirstBadEntry {
		r.FirstBadEntry = i
	}
	r.problem("entry %d: "+format, append([]any{i}, args...)...)
}

// auditPage is how many entries an audit reads at a time.
const auditPage = 1000

// Audit checks a log from src: every checkpoint's signature (by verifierKey, or by the key the
// node names for each when verifierKey is "", which Report.SelfAsserted then says), every
// entry's canonical encoding and leaf hash, every stored hash the source exposes, and each
// checkpoint's root hash against the tree the entries make, which also shows each checkpoint
// consistent with the one before it. It returns an error only when the source cannot be read;
// what is wrong with the log is in the report.
func Audit(ctx context.Context, src Source, verifierKey string) (Report, error) {
	rep := Report{Source: src.String(), FirstBadEntry: -1, BadCheckpoint: -1, SelfAsserted: verifierKey == ""}
	var trusted note.Verifier
	if verifierKey != "" {
		v, err := note.NewVerifier(verifierKey)
		if err != nil {
			return rep, fmt.Errorf("verifier key: %w", err)
		}
		trusted = v
	}

	// Checkpoints: signatures and bodies first.
	type cpCheck struct {
		SignedCheckpoint
		good bool
	}
	var cps []cpCheck
	for from := int64(0); ; {
		page, err := src.Checkpoints(ctx, from, MaxPage)
		if err != nil {
			return rep, fmt.Errorf("reading checkpoints: %w", err)
		}
		for _, c := range page {
			if len(cps) > 0 && c.Size <= cps[len(cps)-1].Size {
				return rep, fmt.Errorf("reading checkpoints: sizes out of order at %d", c.Size)
			}
			why := checkCheckpoint(c, trusted)
			if why != "" {
				rep.badCheckpoint(c.Size, "%s", why)
			}
			cps = append(cps, cpCheck{c, why == ""})
		}
		if len(page) < MaxPage {
			break
		}
		from = page[len(page)-1].Size + 1
	}
	rep.CheckpointsChecked = int64(len(cps))

	head, err := src.Head(ctx)
	if err != nil {
		return rep, fmt.Errorf("reading the log's size: %w", err)
	}
	rep.Size = head
	if len(cps) > 0 && cps[len(cps)-1].Size > head {
		rep.problem("the log says it holds %d entries but signed a checkpoint of %d", head, cps[len(cps)-1].Size)
		rep.Size = cps[len(cps)-1].Size
	}

	// Entries and hashes, recomputing the tree.
	f := &frontier{}
	next := 0 // next checkpoint to compare
	compare := func() {
		for next < len(cps) && cps[next].Size <= f.size {
			c := cps[next]
			next++
			if c.Size != f.size || !c.good {
				continue
			}
			if f.root() != c.RootHash {
				if rep.FirstBadEntry >= 0 && rep.FirstBadEntry < c.Size {
					rep.problem("checkpoint %d does not match the entries, as follows from entry %d", c.Size, rep.FirstBadEntry)
				} else {
					rep.badCheckpoint(c.Size, "root hash is not that of the first %d entries: inconsistent with the entries and the checkpoints before it", c.Size)
				}
			}
		}
	}
	compare() // a checkpoint of the empty tree
	withHashes := true
	stopped := false
	for from := int64(0); from < rep.Size && !stopped; from += auditPage {
		to := min(from+auditPage, rep.Size)
		recs, err := src.Records(ctx, from, int(to-from))
		if err != nil {
			return rep, fmt.Errorf("reading entries from %d: %w", from, err)
		}
		var stored map[int64]tlog.Hash
		if withHashes {
			stored, err = src.Hashes(ctx, tlog.StoredHashIndex(0, from), tlog.StoredHashIndex(0, to))
			if errors.Is(err, ErrNoHashes) {
				withHashes = false
			} else if err != nil {
				return rep, fmt.Errorf("reading stored hashes from entry %d: %w", from, err)
			}
		}
		k := 0
		for i := from; i < to; i++ {
			if k >= len(recs) || recs[k].Index != i {
				rep.badEntry(i, "missing")
				stopped = true // the tree cannot be recomputed past a hole
				break
			}
			rec := recs[k]
			k++
			rep.EntriesChecked++
			data := LeafData(rec.Entry)
			if _, err := DecodeLeaf(data); err != nil {
				rep.badEntry(i, "fields are not valid: %v", err)
			}
			leaf := tlog.RecordHash(data)
			if rec.LeafHash != leaf {
				rep.badEntry(i, "stored leaf hash %s is not the hash %s of the entry: the entry or its hash was changed", rec.LeafHash, leaf)
			}
			hashes := f.push(leaf)
			if withHashes {
				base := tlog.StoredHashIndex(0, i)
				for j, h := range hashes {
					rep.HashesChecked++
					got, ok := stored[base+int64(j)]
					switch {
					case !ok:
						rep.badEntry(i, "stored hash %d is missing", base+int64(j))
					case got != h && j > 0:
						rep.badEntry(i, "stored hash %d (level %d, written with this entry) was changed", base+int64(j), j)
					}
				}
			}
			compare()
		}
		if k < len(recs) && !stopped {
			rep.badEntry(recs[k].Index, "unexpected: index out of order")
			stopped = true
		}
	}
	if !stopped {
		if extra, err := src.Records(ctx, rep.Size, 1); err == nil && len(extra) > 0 {
			rep.badEntry(extra[0].Index, "beyond the log's size %d", rep.Size)
		}
	}
	return rep, nil
}

func (r *Report) badCheckpoint(size int64, format string, args ...any) {
	if r.BadCheckpoint < 0 || size < r.BadCheckpoint {
		r.BadCheckpoint = size
	}
	r.problem("checkpoint %d: "+format, append([]any{size}, args...)...)
}

// checkCheckpoint verifies a stored checkpoint's signature and that its body says what its
// columns say; it returns what is wrong, "" if nothing.
func checkCheckpoint(c SignedCheckpoint, trusted note.Verifier) string {
	v := trusted
	if v == nil {
		var err error
		if v, err = note.NewVerifier(c.VerifierKey); err != nil {
			return fmt.Sprintf("the node names no usable key for it (%v)", err)
		}
	}
	n, err := note.Open([]byte(c.Note), note.VerifierList(v))
	if err != nil {
		return fmt.Sprintf("signature does not verify with %s: %v", v.Name(), err)
	}
	var body tlogfmt.Checkpoint
	if _, err := body.Unmarshal([]byte(n.Text)); err != nil {
		return fmt.Sprintf("malformed body: %v", err)
	}
	if int64(body.Size) != c.Size || !bytes.Equal(body.Hash, c.RootHash[:]) {
		return "the signed body does not say the size and root hash stored with it"
	}
	return ""
}

// Describe renders the report for people, one finding a line, the first problem first.
func (r Report) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ledger %s: %d entries, %d checked, %d stored hashes checked, %d checkpoints checked\n",
		r.Source, r.Size, r.EntriesChecked, r.HashesChecked, r.CheckpointsChecked)
	if r.FirstBadEntry >= 0 {
		fmt.Fprintf(&b, "FIRST TAMPERED ENTRY: %d\n", r.FirstBadEntry)
	}
	if r.BadCheckpoint >= 0 {
		fmt.Fprintf(&b, "FIRST BAD CHECKPOINT: size %d\n", r.BadCheckpoint)
	}
	for _, p := range r.Problems {
		fmt.Fprintf(&b, "  %s\n", p)
	}
	if r.OK() {
		b.WriteString("OK: every hash recomputed, every checkpoint verified and consistent\n")
	}
	return b.String()
}
