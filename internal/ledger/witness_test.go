package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	tlogfmt "github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/ledger"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

const (
	originA = "a.yiwang.test/ledger"
	originB = "b.yiwang.test/ledger"
)

func newLogAt(t testing.TB, db *store.DB, o string, k keys, witnesses ...ledger.WitnessPeer) *ledger.Log {
	t.Helper()
	l, err := ledger.New(db, ledger.Config{Origin: o, Signer: k.signer, VerifierKey: k.vkey, Witnesses: witnesses, Interval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func grow(t testing.TB, l *ledger.Log, from, to int) []byte {
	t.Helper()
	for i := from; i < to; i++ {
		if _, err := l.Append(ctx(), entry(i)); err != nil {
			t.Fatal(err)
		}
	}
	msg, err := l.CheckpointCovering(ctx(), int64(to))
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

func TestWitness(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, wdb *store.DB) {
		ka, kb, wk := newKeys(t, originA), newKeys(t, originB), newKeys(t, "witness.yiwang.test")
		a := newLogAt(t, storetest.Open(t, store.SQLite, storetest.Options{}), originA, ka)
		w, err := ledger.NewWitness(wdb, ledger.WitnessConfig{Signer: wk.signer, Logs: []ledger.WitnessedLog{{Origin: originA, VerifierKey: ka.vkey}}})
		if err != nil {
			t.Fatal(err)
		}

		cp5 := grow(t, a, 0, 5)
		cosig, err := w.AddCheckpoint(ctx(), 0, nil, cp5)
		if err != nil {
			t.Fatal(err)
		}
		// The cosigned checkpoint is one signed note: both signatures verify with note.Open, and
		// it parses as a checkpoint with the witness as another verifier.
		both := append(append([]byte(nil), cp5...), cosig...)
		n, err := note.Open(both, note.VerifierList(ka.verifier, wk.verifier))
		if err != nil || len(n.Sigs) != 2 {
			t.Fatalf("cosigned checkpoint: %v %+v\n%s", err, n, both)
		}
		if _, _, _, err := tlogfmt.ParseCheckpoint(both, originA, ka.verifier, wk.verifier); err != nil {
			t.Error(err)
		}

		cp12 := grow(t, a, 5, 12)
		_, err = w.AddCheckpoint(ctx(), 0, nil, cp12)
		var conflict *ledger.SizeConflictError
		if !errs.Is(err, errs.Conflict) || !errors.As(err, &conflict) || conflict.Size != 5 {
			t.Fatalf("stale old size: %v", err)
		}
		proof, err := a.ConsistencyProof(ctx(), 5, 12)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.AddCheckpoint(ctx(), 5, proof, cp12); err != nil {
			t.Fatal(err)
		}
		if _, err := w.AddCheckpoint(ctx(), 12, nil, cp12); err != nil {
			t.Errorf("the same checkpoint again: %v", err)
		}
		if n, _ := w.WitnessedSize(ctx(), originA); n != 12 {
			t.Errorf("witnessed size %d", n)
		}

		// A split view: the same log key signs another history (a fork from entry 3 on).
		forkDB := storetest.Open(t, store.SQLite, storetest.Options{})
		fork := newLogAt(t, forkDB, originA, ka)
		grow(t, fork, 0, 3)
		for i := 3; i < 12; i++ {
			if _, err := fork.Append(ctx(), entry(500+i)); err != nil {
				t.Fatal(err)
			}
		}
		forkCP12, err := fork.CheckpointCovering(ctx(), 12)
		if err != nil {
			t.Fatal(err)
		}
		forkCP15 := grow(t, fork, 12, 15)
		forkProof, err := fork.ConsistencyProof(ctx(), 12, 15)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name  string
			old   int64
			proof tlog.TreeProof
			cp    []byte
		}{
			{"a fork's proof from the witnessed size", 12, forkProof, forkCP15},
			{"a fork's checkpoint of the same size", 12, nil, forkCP12},
			{"a proof that is not one", 12, tlog.TreeProof{{1}, {2}}, grow(t, a, 12, 14)},
		} {
			before := countRows(t, wdb, "ledger_witness_evidence")
			_, err := w.AddCheckpoint(ctx(), tc.old, tc.proof, tc.cp)
			if !errs.Is(err, errs.Conflict) || !errors.Is(err, ledger.ErrInconsistent) {
				t.Errorf("%s: %v, want inconsistent", tc.name, err)
			}
			if countRows(t, wdb, "ledger_witness_evidence") != before+1 {
				t.Errorf("%s: not kept as evidence", tc.name)
			}
		}
		ev, err := w.Evidence(ctx(), 10)
		if err != nil || len(ev) != 3 || ev[2].Origin != originA || ev[2].Size != 15 || !strings.Contains(ev[2].Request, "old 12\n") {
			t.Errorf("evidence: %+v %v", ev, err)
		}
		evs, err := audit.List(ctx(), wdb, audit.Filter{ObjectType: "ledger_log", ObjectID: originA})
		if err != nil || len(evs) != 3 || evs[0].Action != "ledger.witness.split_view" {
			t.Errorf("audit of the split view: %+v %v", evs, err)
		}
		if n, _ := w.WitnessedSize(ctx(), originA); n != 12 {
			t.Errorf("witnessed size after refusals %d", n)
		}

		// Refusals that are not evidence.
		b := newLogAt(t, storetest.Open(t, store.SQLite, storetest.Options{}), originB, kb)
		stranger := newLogAt(t, storetest.Open(t, store.SQLite, storetest.Options{}), originA, newKeys(t, originA))
		for _, tc := range []struct {
			name  string
			old   int64
			proof tlog.TreeProof
			cp    []byte
			kind  errs.Kind
		}{
			{"a log it does not witness", 0, nil, grow(t, b, 0, 2), errs.NotFound},
			{"the origin signed by another key", 12, nil, grow(t, stranger, 0, 20), errs.Forbidden},
			{"old size beyond the checkpoint", 13, nil, cp12, errs.Invalid},
			{"a proof from size 0", 0, tlog.TreeProof{{1}}, cp12, errs.Invalid},
			{"not a note", 12, nil, []byte("a.yiwang.test/ledger\n12\n"), errs.Invalid},
		} {
			if _, err := w.AddCheckpoint(ctx(), tc.old, tc.proof, tc.cp); !errs.Is(err, tc.kind) {
				t.Errorf("%s: %v, want %s", tc.name, err, tc.kind)
			}
		}
	})
}

func countRows(t testing.TB, db *store.DB, table string) int {
	var n int
	if err := db.Get(ctx(), &n, `SELECT COUNT(*) FROM `+table); err != nil {
		t.Fatal(err)
	}
	return n
}

// witnessHandler serves add-checkpoint the way the API does, for the log side's tests.
func witnessHandler(w *ledger.Witness) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		old, proof, cp, err := ledger.ParseAddCheckpoint(body)
		if err == nil {
			var cosig []byte
			if cosig, err = w.AddCheckpoint(r.Context(), old, proof, cp); err == nil {
				rw.Write(cosig)
				return
			}
		}
		var conflict *ledger.SizeConflictError
		switch {
		case errors.As(err, &conflict):
			rw.Header().Set("Content-Type", "text/x.tlog.size")
			rw.WriteHeader(http.StatusConflict)
			fmt.Fprintf(rw, "%d\n", conflict.Size)
		case errors.Is(err, ledger.ErrInconsistent):
			http.Error(rw, err.Error(), http.StatusUnprocessableEntity)
		default:
			http.Error(rw, err.Error(), http.StatusBadRequest)
		}
	})
}

// TestRunSubmitsToWitnesses runs two logs that share one witness: each log's Run signs its
// checkpoints and gets them cosigned, and serves them with the cosignature.
func TestRunSubmitsToWitnesses(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, wdb *store.DB) {
		ka, kb, wk := newKeys(t, originA), newKeys(t, originB), newKeys(t, "witness.yiwang.test")
		w, err := ledger.NewWitness(wdb, ledger.WitnessConfig{Signer: wk.signer, Logs: []ledger.WitnessedLog{
			{Origin: originA, VerifierKey: ka.vkey}, {Origin: originB, VerifierKey: kb.vkey}}})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(witnessHandler(w))
		defer srv.Close()
		peer := ledger.WitnessPeer{URL: srv.URL, VerifierKey: wk.vkey}
		dbA := storetest.Open(t, store.SQLite, storetest.Options{})
		a := newLogAt(t, dbA, originA, ka, peer)
		b := newLogAt(t, storetest.Open(t, store.SQLite, storetest.Options{}), originB, kb, peer)
		runCtx, stop := contextWithCancel()
		done := make(chan error, 2)
		go func() { done <- a.Run(runCtx) }()
		go func() { done <- b.Run(runCtx) }()
		for round := 1; round <= 3; round++ {
			for i := 0; i < 4*round; i++ {
				if _, err := a.Append(ctx(), entry(i)); err != nil {
					t.Fatal(err)
				}
				if _, err := b.Append(ctx(), entry(1000+i)); err != nil {
					t.Fatal(err)
				}
			}
			for _, l := range []*ledger.Log{a, b} {
				want, _ := l.Size(ctx())
				k := ka
				if l == b {
					k = kb
				}
				waitFor(t, func() bool {
					msg, err := l.Checkpoint(ctx())
					if err != nil {
						return false
					}
					n, err := note.Open(msg, note.VerifierList(k.verifier, wk.verifier))
					if err != nil || len(n.Sigs) != 2 {
						return false
					}
					cp, _, _, err := tlogfmt.ParseCheckpoint(msg, l.Origin(), k.verifier, wk.verifier)
					return err == nil && int64(cp.Size) == want
				})
			}
		}
		stop()
		for range 2 {
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		}
		for _, o := range []string{originA, originB} {
			if n, _ := w.WitnessedSize(ctx(), o); n != 24 {
				t.Errorf("%s witnessed up to %d, want 24", o, n)
			}
		}

		// A log that lost track of what the witness saw (a restart) catches up through 409.
		a2 := newLogAt(t, dbA, originA, ka, peer)
		grow(t, a2, 24, 30)
		if err := a2.SubmitToWitnesses(ctx()); err != nil {
			t.Fatal(err)
		}
		if n, _ := w.WitnessedSize(ctx(), originA); n != 30 {
			t.Errorf("after a restart: witnessed up to %d, want 30", n)
		}
	})
}

func contextWithCancel() (context.Context, context.CancelFunc) {
	return context.WithCancel(context.Background())
}

// waitFor polls cond for up to 10 seconds.
func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
