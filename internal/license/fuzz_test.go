package license

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// sqliteRig is a rig on SQLite with the types published, for fuzzing and benchmarks.
func sqliteRig(tb testing.TB, alg keys.Algorithm) *rig {
	tb.Helper()
	c := clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, clock.China))
	r := newRig(tb, storetest.Open(tb, store.SQLite, storetest.Options{Clock: c}), c, alg)
	r.publishAll(tb)
	return r
}

var knownStates = map[State]bool{StateValid: true, StateSuspended: true, StateRevoked: true, StateSuperseded: true,
	StateExpired: true, StateForged: true, StateNotTrusted: true, StateMalformed: true}

// FuzzVerify feeds Verify and VerifyOffline anything: they answer with a known state and a
// translated reason, never an error or a panic, and show no licence unless it verified.
func FuzzVerify(f *testing.F) {
	r := sqliteRig(f, keys.SM2)
	ctx := context.Background()
	l := r.issue(f, fzApprover, foodRequest())
	pres, err := r.svc.Present(as(r.agent), r.agent, l.ID, PresentRequest{Purpose: "查验", Fields: []string{"address"}})
	if err != nil {
		f.Fatal(err)
	}
	doc, err := r.svc.Snapshot(ctx)
	if err != nil {
		f.Fatal(err)
	}
	nodeKey, _, _ := r.svc.NodeKey(ctx)
	snap, err := VerifySnapshot(doc, nodeKey.Public)
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{l.Credential, pres, l.ID, "", "YWC1.", "YWP1..", "YWC1.e30.AA", "YWP1.AAAA.AAAA",
		"1.2.156.3005.2.", "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F",
		l.Credential[:len(l.Credential)/2], strings.Replace(pres, "A", "B", 3), string(doc[:40])} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		res, err := r.svc.Verify(ctx, text)
		if err != nil {
			t.Fatalf("Verify(%q): %v", text, err)
		}
		off := VerifyOffline(text, snap, r.clock.Now())
		for _, res := range []VerifyResult{res, off} {
			if !knownStates[res.State] || !i18n.Has(res.Reason) {
				t.Fatalf("Verify(%q) = %s %s", text, res.State, res.Reason)
			}
			if (res.State == StateForged || res.State == StateNotTrusted || res.State == StateMalformed) && res.Licence != nil {
				t.Fatalf("Verify(%q) shows a licence that did not verify: %+v", text, res.Licence)
			}
		}
	})
}

func BenchmarkVerifyPresentation(b *testing.B) {
	for _, alg := range []keys.Algorithm{keys.SM2, keys.ECDSAP256} {
		b.Run(string(alg), func(b *testing.B) {
			r := sqliteRig(b, alg)
			ctx := as(fzWindow)
			l := r.issue(b, fzApprover, foodRequest())
			pres, err := r.svc.Present(as(r.agent), r.agent, l.ID, PresentRequest{Purpose: "查验",
				Fields: []string{ClaimHolderName, "address"}})
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				res, err := r.svc.Verify(ctx, pres)
				if err != nil || res.State != StateValid {
					b.Fatalf("verify = %s, %v", res.State, err)
				}
			}
		})
	}
}

// Every message key the package uses, and the reason of every state, is translated.
func TestMessagesExist(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	keyRE := regexp.MustCompile(`"(license\.(?:error|reason|notice)\.[a-z_]+)"`)
	keys := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyRE.FindAllStringSubmatch(string(b), -1) {
			keys[m[1]] = true
		}
	}
	for _, st := range []State{StateValid, StateSuspended, StateRevoked, StateSuperseded, StateExpired} {
		keys[reasonOf(st)] = true
	}
	if len(keys) < 50 {
		t.Fatalf("found only %d keys", len(keys))
	}
	for k := range keys {
		if !i18n.Has(k) {
			t.Errorf("message %s has no texts", k)
		}
	}
}
