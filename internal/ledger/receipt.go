package ledger

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	tlogfmt "github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Receipt proves, offline, that an entry is in the log: the entry, its leaf hash, an inclusion
// proof in the tree of Size entries, and the log's signed checkpoint of that tree. Hashes are
// base64, as in checkpoints.
type Receipt struct {
	Entry    Entry    `json:"entry"`
	LeafHash string   `json:"leaf_hash"`
	Size     int64    `json:"size"`
	Proof    []string `json:"proof"`
	// Checkpoint is the signed note of the tree of Size entries, with any witness cosignatures.
	Checkpoint string `json:"checkpoint"`
	// LogKey is the log's note verifier key, for convenience: a verifier should use the key it
	// trusts, not this one.
	LogKey string `json:"log_key"`
}

// Notarise records the digest of a document (存證) for an official of any organisation (the
// entry's Org is theirs) or a department system with write scope, and returns a receipt that
// verifies offline. Residents, enterprise agents and read-only tokens get errs.Forbidden, the
// public errs.Unauthenticated. The notarisation is audited: who, the digest's prefix, the index.
func (l *Log) Notarise(ctx context.Context, p principal.Principal, digest, subject string) (_ Receipt, err error) {
	defer errs.Wrap(&err, "ledger.Notarise")
	switch {
	case !p.Authenticated():
		return Receipt{}, errs.E(errs.Unauthenticated, "error.unauthenticated")
	case p.Kind == principal.Official, p.Kind == principal.System, p.Kind == principal.Client:
		if !p.Allows(principal.ScopeAPIWrite) {
			return Receipt{}, errs.E(errs.Forbidden, "error.token_read_only")
		}
	default:
		return Receipt{}, errs.E(errs.Forbidden, "ledger.error.notarise_forbidden")
	}
	e, err := normalise(Entry{Type: TypeNotarisation, Digest: digest, Org: p.OrgCode, Subject: subject})
	if err != nil {
		return Receipt{}, err
	}
	ctx = principal.With(ctx, p)
	err = l.db.Transact(ctx, func(tx *store.Tx) error {
		entries := []Entry{e}
		idx, err := appendTx(ctx, tx, entries)
		if err != nil {
			return err
		}
		e = entries[0]
		return audit.Record(ctx, tx, audit.Change{Action: "ledger.notarised", ObjectType: "ledger_entry",
			ObjectID: strconv.FormatInt(idx[0], 10),
			Detail:   map[string]any{"index": idx[0], "digest_prefix": digestPrefix(e.Digest), "org": e.Org}})
	})
	if err != nil {
		return Receipt{}, err
	}
	return l.Receipt(ctx, e.Index)
}

// digestPrefix shortens a digest for audit records: the algorithm and 16 hex digits.
func digestPrefix(d string) string {
	if i := bytes.IndexByte([]byte(d), ':'); i >= 0 && len(d) > i+17 {
		return d[:i+17]
	}
	return d
}

// Receipt returns a receipt for the entry at index against a checkpoint that covers it (signing
// one now if none does yet).
func (l *Log) Receipt(ctx context.Context, index int64) (_ Receipt, err error) {
	defer errs.Wrap(&err, "ledger.Receipt(%d)", index)
	e, err := l.Entry(ctx, index)
	if err != nil {
		return Receipt{}, err
	}
	msg, err := l.CheckpointCovering(ctx, index+1)
	if err != nil {
		return Receipt{}, err
	}
	n, err := note.Open(msg, note.VerifierList(l.verifier))
	if err != nil {
		return Receipt{}, errs.Wrapf(errs.Internal, err, "error.internal")
	}
	var cp tlogfmt.Checkpoint
	if _, err := cp.Unmarshal([]byte(n.Text)); err != nil {
		return Receipt{}, errs.Wrapf(errs.Internal, err, "error.internal")
	}
	proof, err := l.InclusionProof(ctx, index, int64(cp.Size))
	if err != nil {
		return Receipt{}, err
	}
	leaf := tlog.RecordHash(LeafData(e))
	r := Receipt{Entry: e, LeafHash: b64(leaf), Size: int64(cp.Size), Proof: make([]string, len(proof)),
		Checkpoint: string(msg), LogKey: l.verifierKey}
	for i, h := range proof {
		r.Proof[i] = b64(h)
	}
	return r, nil
}

func b64(h tlog.Hash) string { return base64.StdEncoding.EncodeToString(h[:]) }

// ParseReceipt decodes a receipt from JSON strictly: unknown fields and trailing data are
// errors (errs.Invalid).
func ParseReceipt(data []byte) (Receipt, error) {
	var r Receipt
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return Receipt{}, errs.Wrapf(errs.Invalid, err, "ledger.error.bad_receipt")
	}
	if dec.More() {
		return Receipt{}, errs.E(errs.Invalid, "ledger.error.bad_receipt")
	}
	return r, nil
}

// VerifyReceipt checks r offline against the log's note verifier key: the checkpoint is signed
// by that key, its size is the receipt's, the entry's canonical leaf hashes to LeafHash, and the
// proof leads from that leaf to the checkpoint's root hash. Every failure is errs.Invalid with a
// message saying which check failed.
func VerifyReceipt(r Receipt, verifierKey string) error {
	v, err := note.NewVerifier(verifierKey)
	if err != nil {
		return errs.Wrapf(errs.Invalid, err, "ledger.error.bad_key")
	}
	n, err := note.Open([]byte(r.Checkpoint), note.VerifierList(v))
	if err != nil {
		return errs.Wrapf(errs.Invalid, err, "ledger.error.receipt_signature")
	}
	var cp tlogfmt.Checkpoint
	if _, err := cp.Unmarshal([]byte(n.Text)); err != nil || len(cp.Hash) != tlog.HashSize {
		return errs.Wrapf(errs.Invalid, fmt.Errorf("checkpoint body: %v", err), "ledger.error.receipt_checkpoint")
	}
	if cp.Size > 1<<62 || int64(cp.Size) != r.Size {
		return errs.E(errs.Invalid, "ledger.error.receipt_size", r.Size, cp.Size)
	}
	e, err := normalise(r.Entry)
	if err != nil {
		return errs.Wrapf(errs.Invalid, err, "ledger.error.receipt_entry")
	}
	e.Index, e.Time = r.Entry.Index, r.Entry.Time
	if e.Index < 0 || e.Index >= r.Size {
		return errs.E(errs.Invalid, "ledger.error.receipt_index", e.Index, r.Size)
	}
	leaf := tlog.RecordHash(LeafData(e))
	canonical := e.Digest == r.Entry.Digest && e.Time.Equal(e.Time.Truncate(time.Microsecond))
	if b64(leaf) != r.LeafHash || !canonical {
		return errs.E(errs.Invalid, "ledger.error.receipt_leaf")
	}
	if len(r.Proof) > MaxProofHashes {
		return errs.E(errs.Invalid, "ledger.error.receipt_proof")
	}
	proof := make(tlog.RecordProof, len(r.Proof))
	for i, s := range r.Proof {
		h, err := decodeHash(s)
		if err != nil {
			return errs.Wrapf(errs.Invalid, err, "ledger.error.receipt_proof")
		}
		proof[i] = h
	}
	if err := tlog.CheckRecord(proof, r.Size, tlog.Hash(cp.Hash), e.Index, leaf); err != nil {
		return errs.Wrapf(errs.Invalid, err, "ledger.error.receipt_proof")
	}
	return nil
}
