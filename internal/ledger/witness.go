package ledger

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	tlogfmt "github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// A witness cosigns other logs' checkpoints after checking that each is consistent with the last
// one it cosigned for that log, so that a log cannot show different histories to different
// viewers without one of them holding the proof. The protocol is C2SP tlog-witness
// (add-checkpoint); the cosignature, however, is deliberately simpler than C2SP
// tlog-cosignature/v1: it is an ordinary signed-note Ed25519 signature by the witness's key
// over the same checkpoint body the log signed (no "cosignature/v1" header, no timestamp), so
// that note.Open with the log's and the witness's verifiers checks both, and the cosigned
// checkpoint stays a plain signed note that any note library reads.

// WitnessedLog is a log a witness cosigns for.
type WitnessedLog struct {
	Origin      string
	VerifierKey string
}

// WitnessConfig configures a Witness.
type WitnessConfig struct {
	// Signer is the witness's own note signer.
	Signer note.Signer
	// Logs are the logs it witnesses; checkpoints of any other origin are refused.
	Logs []WitnessedLog
	// Clock stamps stored state and evidence; the store's clock if nil.
	Clock clock.Clock
}

// Witness cosigns the checkpoints of the logs it is configured for.
type Witness struct {
	db     *store.DB
	signer note.Signer
	logs   map[string]note.Verifier
	clock  clock.Clock
}

// NewWitness returns a witness that keeps its state in db.
func NewWitness(db *store.DB, cfg WitnessConfig) (*Witness, error) {
	if cfg.Signer == nil {
		return nil, errors.New("ledger.NewWitness: no signer")
	}
	w := &Witness{db: db, signer: cfg.Signer, logs: map[string]note.Verifier{}, clock: cfg.Clock}
	if w.clock == nil {
		w.clock = db.Clock()
	}
	for _, lg := range cfg.Logs {
		v, err := note.NewVerifier(lg.VerifierKey)
		if err != nil {
			return nil, fmt.Errorf("ledger.NewWitness: log %s: verifier key: %w", lg.Origin, err)
		}
		if lg.Origin == "" {
			return nil, errors.New("ledger.NewWitness: a witnessed log without origin")
		}
		w.logs[lg.Origin] = v
	}
	return w, nil
}

// VerifierKey is the note verifier key of the witness's cosignatures, for the logs that submit
// to it and the viewers who check them; "" if its signer does not tell.
func (w *Witness) VerifierKey() string {
	if vk, ok := w.signer.(interface{ VerifierKey() string }); ok {
		return vk.VerifierKey()
	}
	return ""
}

// SizeConflictError says that the old size of an add-checkpoint request is not the size of the
// checkpoint the witness last cosigned for that log (C2SP: 409 with the witness's size).
type SizeConflictError struct {
	Size int64
}

func (e *SizeConflictError) Error() string {
	return fmt.Sprintf("the witness's latest size for this log is %d", e.Size)
}

// ErrInconsistent marks a checkpoint that contradicts what the witness cosigned before: the
// consistency proof does not hold, or the same size has another root (C2SP: 422). Such
// checkpoints are kept as evidence.
var ErrInconsistent = errors.New("checkpoint is inconsistent with the witness's view of the log")

// MaxProofHashes bounds the consistency proof of an add-checkpoint request (a proof between
// trees of up to 2⁶³ entries has fewer than 2·63 hashes).
const MaxProofHashes = 128

// MaxAddCheckpointBody bounds an add-checkpoint request body.
const MaxAddCheckpointBody = 64 << 10

// ParseAddCheckpoint parses a C2SP tlog-witness add-checkpoint request body: "old <size>\n",
// zero or more consistency proof hashes in base64, one a line, an empty line, and the
// checkpoint (a signed note). Every failure is errs.Invalid.
func ParseAddCheckpoint(body []byte) (oldSize int64, proof tlog.TreeProof, checkpoint []byte, err error) {
	bad := func(key string, args ...any) (int64, tlog.TreeProof, []byte, error) {
		return 0, nil, nil, errs.E(errs.Invalid, key, args...)
	}
	if len(body) > MaxAddCheckpointBody {
		return bad("ledger.error.witness_body")
	}
	first, rest, ok := bytes.Cut(body, []byte("\n"))
	if !ok || !bytes.HasPrefix(first, []byte("old ")) {
		return bad("ledger.error.witness_body")
	}
	oldSize, err = parseSize(string(first[len("old "):]))
	if err != nil {
		return bad("ledger.error.witness_body")
	}
	for {
		line, more, ok := bytes.Cut(rest, []byte("\n"))
		if !ok {
			return bad("ledger.error.witness_body")
		}
		rest = more
		if len(line) == 0 {
			break
		}
		h, err := decodeHash(string(line))
		if err != nil || len(proof) >= MaxProofHashes {
			return bad("ledger.error.witness_proof")
		}
		proof = append(proof, h)
	}
	if len(rest) == 0 {
		return bad("ledger.error.witness_body")
	}
	return oldSize, proof, rest, nil
}

// FormatAddCheckpoint writes an add-checkpoint request body.
func FormatAddCheckpoint(oldSize int64, proof tlog.TreeProof, checkpoint []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "old %d\n", oldSize)
	for _, h := range proof {
		b.WriteString(base64.StdEncoding.EncodeToString(h[:]))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.Write(checkpoint)
	return b.Bytes()
}

// parseSize parses a tree size: ASCII decimal without sign or leading zeroes.
func parseSize(s string) (int64, error) {
	if s == "" || len(s) > 19 || (len(s) > 1 && s[0] == '0') || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return strconv.ParseInt(s, 10, 64)
}

func decodeHash(s string) (tlog.Hash, error) {
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || len(b) != tlog.HashSize {
		return tlog.Hash{}, fmt.Errorf("bad hash %q", s)
	}
	return tlog.Hash(b), nil
}

// parseSignedCheckpoint opens a checkpoint signed by one of the known logs and returns its
// parsed body and verified note. Unknown origin: errs.NotFound; no valid signature by that
// origin's key: errs.Forbidden; malformed: errs.Invalid.
func parseSignedCheckpoint(msg []byte, logs map[string]note.Verifier) (*tlogfmt.Checkpoint, *note.Note, note.Verifier, error) {
	text, _, ok := bytes.Cut(msg, []byte("\n\n"))
	if !ok {
		return nil, nil, nil, errs.E(errs.Invalid, "ledger.error.bad_checkpoint")
	}
	var body tlogfmt.Checkpoint
	if _, err := body.Unmarshal(append(text, '\n')); err != nil {
		return nil, nil, nil, errs.Wrapf(errs.Invalid, err, "ledger.error.bad_checkpoint")
	}
	v, ok := logs[body.Origin]
	if !ok {
		return nil, nil, nil, errs.E(errs.NotFound, "ledger.error.witness_unknown_log", body.Origin)
	}
	cp, _, n, err := tlogfmt.ParseCheckpoint(msg, body.Origin, v)
	if err != nil {
		return nil, nil, nil, errs.Wrapf(errs.Forbidden, err, "ledger.error.witness_signature", body.Origin)
	}
	if len(cp.Hash) != tlog.HashSize || cp.Size > 1<<62 {
		return nil, nil, nil, errs.E(errs.Invalid, "ledger.error.bad_checkpoint")
	}
	return cp, n, v, nil
}

type witnessState struct {
	Size       int64  `db:"size"`
	RootHash   []byte `db:"root_hash"`
	Checkpoint string `db:"checkpoint"`
}

// AddCheckpoint is C2SP tlog-witness add-checkpoint: it verifies the log's signature on
// checkpoint, requires oldSize to be the size the witness last cosigned for that log (else a
// conflict carrying *SizeConflictError with the witness's size), verifies proof as the
// consistency proof from that checkpoint to this one, stores the new state and returns the
// witness's cosignature: signed-note signature lines over the checkpoint body. A checkpoint that
// contradicts the witness's view (ErrInconsistent) is refused and kept as evidence, with an
// audit record.
func (w *Witness) AddCheckpoint(ctx context.Context, oldSize int64, proof tlog.TreeProof, checkpoint []byte) (_ []byte, err error) {
	defer errs.Wrap(&err, "ledger.Witness.AddCheckpoint")
	cp, n, _, err := parseSignedCheckpoint(checkpoint, w.logs)
	if err != nil {
		return nil, err
	}
	size := int64(cp.Size)
	root := tlog.Hash(cp.Hash)
	if oldSize < 0 || oldSize > size {
		return nil, errs.E(errs.Invalid, "ledger.error.witness_old_beyond", oldSize, size)
	}
	if oldSize == 0 && len(proof) > 0 {
		return nil, errs.E(errs.Invalid, "ledger.error.witness_proof")
	}
	var refused error
	err = w.db.Transact(ctx, func(tx *store.Tx) error {
		refused = nil
		q := `SELECT size, root_hash, checkpoint FROM ledger_witness_state WHERE origin = ?`
		if tx.Dialect() == store.Postgres {
			q += ` FOR UPDATE`
		}
		var st witnessState
		err := tx.Get(ctx, &st, q, cp.Origin)
		known := true
		if errs.Is(err, errs.NotFound) {
			known, st = false, witnessState{}
		} else if err != nil {
			return err
		}
		if oldSize != st.Size {
			refused = &errs.Error{Kind: errs.Conflict, Message: "ledger.error.witness_old_size", Args: []any{oldSize, st.Size},
				Err: &SizeConflictError{Size: st.Size}}
			return nil
		}
		reason := ""
		switch {
		case known && size == st.Size:
			if !bytes.Equal(root[:], st.RootHash) {
				reason = "same size, different root hash"
			}
		case oldSize > 0:
			if err := tlog.CheckTree(proof, size, root, oldSize, tlog.Hash(st.RootHash)); err != nil {
				reason = "consistency proof does not hold: " + err.Error()
			}
		}
		if reason != "" {
			refused = &errs.Error{Kind: errs.Conflict, Message: "ledger.error.witness_inconsistent", Args: []any{cp.Origin, oldSize, size},
				Err: fmt.Errorf("%w: %s", ErrInconsistent, reason)}
			if _, err := tx.Exec(ctx, `INSERT INTO ledger_witness_evidence (origin, old_size, size, reason, request, known, received_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, cp.Origin, oldSize, size, reason,
				string(FormatAddCheckpoint(oldSize, proof, checkpoint)), st.Checkpoint, tx.Now); err != nil {
				return err
			}
			return audit.Record(ctx, tx, audit.Change{Action: "ledger.witness.split_view", ObjectType: "ledger_log", ObjectID: cp.Origin,
				Detail: map[string]any{"old_size": oldSize, "size": size, "reason": reason}})
		}
		if known && size == st.Size {
			return nil // the same checkpoint again: cosign it again
		}
		if known {
			_, err = tx.Exec(ctx, `UPDATE ledger_witness_state SET size = ?, root_hash = ?, checkpoint = ?, updated_at = ? WHERE origin = ?`,
				size, root[:], string(checkpoint), tx.Now, cp.Origin)
		} else {
			_, err = tx.Exec(ctx, `INSERT INTO ledger_witness_state (origin, size, root_hash, checkpoint, updated_at) VALUES (?, ?, ?, ?, ?)`,
				cp.Origin, size, root[:], string(checkpoint), tx.Now)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if refused != nil {
		return nil, refused
	}
	signed, err := note.Sign(&note.Note{Text: n.Text}, w.signer)
	if err != nil {
		return nil, errs.Wrapf(errs.Internal, err, "error.internal")
	}
	return []byte(strings.Join(cosignatureLines(string(signed)), "")), nil
}

// WitnessedSize returns the size of the latest checkpoint of origin the witness cosigned, 0 if
// none.
func (w *Witness) WitnessedSize(ctx context.Context, origin string) (int64, error) {
	var n int64
	err := w.db.Get(ctx, &n, `SELECT size FROM ledger_witness_state WHERE origin = ?`, origin)
	if errs.Is(err, errs.NotFound) {
		return 0, nil
	}
	return n, err
}

// Evidence is a refused checkpoint kept against a log.
type Evidence struct {
	ID         int64     `db:"id" json:"id"`
	Origin     string    `db:"origin" json:"origin"`
	OldSize    int64     `db:"old_size" json:"old_size"`
	Size       int64     `db:"size" json:"size"`
	Reason     string    `db:"reason" json:"reason"`
	Request    string    `db:"request" json:"request"`
	Known      string    `db:"known" json:"known"`
	ReceivedAt time.Time `db:"received_at" json:"received_at"`
}

// Evidence returns the checkpoints the witness refused as inconsistent, newest first.
func (w *Witness) Evidence(ctx context.Context, limit int) ([]Evidence, error) {
	var out []Evidence
	err := w.db.Select(ctx, &out, `SELECT id, origin, old_size, size, reason, request, known, received_at
		FROM ledger_witness_evidence ORDER BY id DESC LIMIT ?`, clampLimit(limit))
	return out, err
}
