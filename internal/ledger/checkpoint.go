package ledger

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	tlogfmt "github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// SignedCheckpoint is a checkpoint as the log stores it.
type SignedCheckpoint struct {
	Size     int64     `json:"size"`
	RootHash tlog.Hash `json:"-"`
	// Note is the signed note: the checkpoint body and the log's signature.
	Note string `json:"note"`
	// VerifierKey is the key the node says signed it (self-asserted).
	VerifierKey string    `json:"verifier_key"`
	SignedAt    time.Time `json:"signed_at"`
}

type checkpointRow struct {
	Size        int64     `db:"size"`
	RootHash    []byte    `db:"root_hash"`
	Note        string    `db:"note"`
	VerifierKey string    `db:"verifier_key"`
	SignedAt    time.Time `db:"signed_at"`
}

func (r checkpointRow) checkpoint() SignedCheckpoint {
	c := SignedCheckpoint{Size: r.Size, Note: r.Note, VerifierKey: r.VerifierKey, SignedAt: r.SignedAt.UTC()}
	copy(c.RootHash[:], r.RootHash)
	return c
}

// Checkpoints returns up to limit (at most MaxPage) stored checkpoints of size ≥ from, smallest
// first: the history auditors check one against the next.
func (l *Log) Checkpoints(ctx context.Context, from int64, limit int) ([]SignedCheckpoint, error) {
	return readCheckpoints(ctx, l.db, from, clampLimit(limit))
}

func readCheckpoints(ctx context.Context, q querier, from int64, limit int) ([]SignedCheckpoint, error) {
	var rows []checkpointRow
	if err := q.Select(ctx, &rows, `SELECT size, root_hash, note, verifier_key, signed_at FROM ledger_checkpoints
		WHERE size >= ? ORDER BY size LIMIT ?`, from, limit); err != nil {
		return nil, err
	}
	out := make([]SignedCheckpoint, len(rows))
	for i, r := range rows {
		out[i] = r.checkpoint()
	}
	return out, nil
}

// latest returns the newest stored checkpoint; ok is false when none was signed yet.
func (l *Log) latest(ctx context.Context) (c SignedCheckpoint, ok bool, err error) {
	var rows []checkpointRow
	if err := l.db.Select(ctx, &rows, `SELECT size, root_hash, note, verifier_key, signed_at FROM ledger_checkpoints
		ORDER BY size DESC LIMIT 1`); err != nil {
		return c, false, err
	}
	if len(rows) == 0 {
		return c, false, nil
	}
	return rows[0].checkpoint(), true, nil
}

// Checkpoint returns the latest signed checkpoint as a signed note, with the cosignatures of
// the witnesses that cosigned it. On a log that never signed one, it signs one now.
func (l *Log) Checkpoint(ctx context.Context) ([]byte, error) {
	return l.CheckpointCovering(ctx, 0)
}

// CheckpointCovering returns the latest signed checkpoint if its size is at least size, else
// signs one over the whole tree now. Concurrent callers coalesce into one signature. Returns
// errs.Invalid if the log holds fewer than size entries.
func (l *Log) CheckpointCovering(ctx context.Context, size int64) (_ []byte, err error) {
	defer errs.Wrap(&err, "ledger.CheckpointCovering(%d)", size)
	c, ok, err := l.latest(ctx)
	if err != nil {
		return nil, err
	}
	if !ok || c.Size < size {
		if c, _, err = l.sign(ctx); err != nil {
			return nil, err
		}
		if c.Size < size {
			return nil, errs.Field("size", "ledger.error.bad_size", size, c.Size)
		}
	}
	return l.withCosignatures(ctx, c)
}

// withCosignatures appends the stored cosignature lines of c to its note.
func (l *Log) withCosignatures(ctx context.Context, c SignedCheckpoint) ([]byte, error) {
	var lines []string
	if err := l.db.Select(ctx, &lines, `SELECT signature FROM ledger_cosignatures WHERE size = ? ORDER BY witness`, c.Size); err != nil {
		return nil, err
	}
	out := []byte(c.Note)
	for _, line := range lines {
		out = append(out, line...)
	}
	return out, nil
}

// FormatCheckpoint returns the checkpoint body (C2SP tlog-checkpoint note text).
func FormatCheckpoint(origin string, size int64, root tlog.Hash) []byte {
	return tlogfmt.Checkpoint{Origin: origin, Size: uint64(size), Hash: root[:]}.Marshal()
}

// sign signs a checkpoint over the whole committed tree if it grew past the latest checkpoint
// (or none exists), after checking that the tree extends the latest checkpoint: a log whose
// stored hashes were changed under it refuses to sign rather than certify them. signed says
// whether a new checkpoint was made.
func (l *Log) sign(ctx context.Context) (c SignedCheckpoint, signed bool, err error) {
	l.signMu.Lock()
	defer l.signMu.Unlock()
	prev, havePrev, err := l.latest(ctx)
	if err != nil {
		return c, false, err
	}
	size, err := l.Size(ctx)
	if err != nil {
		return c, false, err
	}
	if havePrev && prev.Size >= size {
		return prev, false, nil
	}
	r := hashReader{ctx, l.db}
	root, err := tlog.TreeHash(size, r)
	if err != nil {
		return c, false, err
	}
	if havePrev && prev.Size > 0 {
		proof, err := tlog.ProveTree(size, prev.Size, r)
		if err == nil {
			err = tlog.CheckTree(proof, size, root, prev.Size, prev.RootHash)
		}
		if err != nil {
			return c, false, errs.Wrapf(errs.Internal, fmt.Errorf("tree of size %d does not extend checkpoint %d: %w", size, prev.Size, err), "ledger.error.damaged")
		}
	}
	msg, err := note.Sign(&note.Note{Text: string(FormatCheckpoint(l.cfg.Origin, size, root))}, l.cfg.Signer)
	if err != nil {
		return c, false, errs.Wrapf(errs.Internal, err, "error.internal")
	}
	c = SignedCheckpoint{Size: size, RootHash: root, Note: string(msg), VerifierKey: l.verifierKey, SignedAt: l.cfg.Clock.Now().UTC().Truncate(time.Microsecond)}
	err = l.db.Transact(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO ledger_checkpoints (size, root_hash, note, verifier_key, signed_at) VALUES (?, ?, ?, ?, ?)`,
			c.Size, root[:], c.Note, c.VerifierKey, c.SignedAt)
		return err
	})
	if errs.Is(err, errs.Conflict) {
		// Another node of this log signed the same size first.
		cs, err := readCheckpoints(ctx, l.db, size, 1)
		if err != nil || len(cs) == 0 || cs[0].Size != size {
			return c, false, errors.Join(err, errs.E(errs.Internal, "checkpoint vanished"))
		}
		return cs[0], false, nil
	}
	if err != nil {
		return c, false, err
	}
	return c, true, nil
}

// Run signs a checkpoint whenever the tree grew, looking every Config.Interval (so at least
// every second by default), and submits each new checkpoint to the configured witnesses,
// storing their cosignatures. It returns nil when ctx ends.
func (l *Log) Run(ctx context.Context) error {
	t := time.NewTicker(l.cfg.Interval)
	defer t.Stop()
	// Witnesses are asked in the background, one round at a time, so that a slow or absent
	// witness never delays the next checkpoint.
	var submitting sync.WaitGroup
	defer submitting.Wait()
	busy := make(chan struct{}, 1)
	for {
		c, _, err := l.sign(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			l.log.Error("ledger: cannot sign a checkpoint", "err", err)
		case len(l.witnesses) > 0:
			select {
			case busy <- struct{}{}:
				submitting.Add(1)
				go func() {
					defer submitting.Done()
					l.submit(ctx, c)
					<-busy
				}()
			default: // the previous round is still out; the next tick brings the newest checkpoint
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// cosignatureLines returns the signature lines of a note's signature block.
func cosignatureLines(msg string) []string {
	i := strings.LastIndex(msg, "\n\n")
	if i < 0 {
		return nil
	}
	var out []string
	for _, line := range strings.SplitAfter(msg[i+2:], "\n") {
		if line != "" {
			out = append(out, line)
		}
	}
	return out
}

// CheckpointSize returns the tree size a checkpoint note states, without checking signatures.
func CheckpointSize(msg []byte) (int64, error) {
	text, _, _ := strings.Cut(string(msg), "\n\n")
	var c tlogfmt.Checkpoint
	if _, err := c.Unmarshal([]byte(text + "\n")); err != nil || c.Size > 1<<62 {
		return 0, errs.Wrapf(errs.Invalid, fmt.Errorf("checkpoint: %v", err), "ledger.error.bad_checkpoint")
	}
	return int64(c.Size), nil
}
