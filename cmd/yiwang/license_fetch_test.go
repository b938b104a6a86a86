package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/app"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/federation"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/license"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// tamperer serves a node's handler, spoiling one of its answers when told to: "list" flips a
// bit of the trust list's signature, "snapshot" one of the status snapshot's.
type tamperer struct {
	h    http.Handler
	mu   sync.Mutex
	what string
}

func (tp *tamperer) set(what string) {
	tp.mu.Lock()
	tp.what = what
	tp.mu.Unlock()
}

func (tp *tamperer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tp.mu.Lock()
	what := tp.what
	tp.mu.Unlock()
	if what == "" || !(what == "list" && r.URL.Path == federation.TrustListPath || what == "snapshot" && r.URL.Path == "/api/v1/licenses/status") {
		tp.h.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	tp.h.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	switch what {
	case "list":
		var s federation.Signed
		if err := json.Unmarshal(body, &s); err == nil {
			s.Signature[len(s.Signature)/2] ^= 1
			body, _ = json.Marshal(s)
		}
	case "snapshot":
		var a map[string]any
		if err := json.Unmarshal(body, &a); err == nil {
			doc := a["snapshot"].(string)
			dot := strings.LastIndexByte(doc, '.')
			sig, _ := base64.RawURLEncoding.DecodeString(doc[dot+1:])
			sig[len(sig)/2] ^= 1
			a["snapshot"] = doc[:dot+1] + base64.RawURLEncoding.EncodeToString(sig)
			body, _ = json.Marshal(a)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(body)
}

// TestLicenseFetchTrust downloads a real node's trust list and status snapshot, pinned by its
// key's fingerprint, and verifies a licence offline with them, before and after a revocation;
// and refuses a wrong fingerprint, an unreachable node and answers with bad signatures, writing
// nothing.
func TestLicenseFetchTrust(t *testing.T) {
	hermetic(t)
	ctx := principal.With(context.Background(), principal.SystemPrincipal)
	db := storetest.Open(t, store.SQLite, storetest.Options{Clock: clock.Real{}})
	tp := &tamperer{}
	srv := httptest.NewUnstartedServer(tp)
	base := "http://" + srv.Listener.Addr().String()
	a, err := app.New(ctx, app.Config{DB: db, PublicURL: base, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	tp.h = a.Server.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	svc := a.Licenses
	if _, err := svc.SaveType(ctx, principal.SystemPrincipal, cliGuideType); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SubmitType(ctx, principal.SystemPrincipal, cliGuideType.Code); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PublishType(ctx, principal.SystemPrincipal, cliGuideType.Code); err != nil {
		t.Fatal(err)
	}
	l, err := svc.Issue(ctx, principal.SystemPrincipal, license.IssueRequest{TypeCode: cliGuideType.Code, IssuerOrg: cliIssuer,
		HolderName: "林小梅", HolderCode: idcode.NewResidentID("350102", time.Date(1988, 3, 7, 0, 0, 0, 0, time.UTC), 123),
		HolderCodeType: license.HolderCodeResidentID, Number: "DY-9", Face: map[string]string{"language": "英语"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Federation().Publish(ctx); err != nil {
		t.Fatal(err)
	}
	key, err := a.Federation().NodeKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// As an administrator reads it out: in groups, upper case.
	spoken := strings.ToUpper(federation.GroupFingerprint(key.Fingerprint))

	dir := t.TempDir()
	trust, snap := filepath.Join(dir, "trust.json"), filepath.Join(dir, "status.yws")
	fetch := func(extra ...string) (string, error) {
		t.Helper()
		out, _, err := yiwang(t, append([]string{"license", "fetch-trust", "--trust", trust, "--snapshot", snap}, extra...)...)
		return out, err
	}
	verify := func() (string, int) {
		t.Helper()
		out, _, err := yiwang(t, "license", "verify", "--trust", trust, "--snapshot", snap, l.Credential)
		if err == nil {
			return out, 0
		}
		return out, exitCode(err)
	}
	out, err := fetch("--fingerprint", spoken, base+"/")
	if err != nil {
		t.Fatalf("fetch-trust: %v", err)
	}
	if !strings.HasPrefix(out, "已核验并保存：福建省（350000）的信任列表第 1 版") || strings.Count(out, "\n") != 1 {
		t.Errorf("output %q", out)
	}
	if out, code := verify(); code != 0 || !strings.HasPrefix(out, "有效（valid）") {
		t.Fatalf("verify with the fetched files: %q, exit %d", out, code)
	}

	// Revoked: the snapshot in hand still says valid; a fresh one says revoked.
	if _, err := svc.Revoke(ctx, principal.SystemPrincipal, l.ID, "吊销"); err != nil {
		t.Fatal(err)
	}
	if _, code := verify(); code != 0 {
		t.Errorf("with the old snapshot: exit %d", code)
	}
	if _, err := fetch(base, "--fingerprint", key.Fingerprint); err != nil {
		t.Fatalf("fetch-trust again: %v", err)
	}
	if out, code := verify(); code != 4 || !strings.HasPrefix(out, "已撤销（revoked）") {
		t.Errorf("with the fresh snapshot: %q, exit %d", out, code)
	}
	saved, err := os.ReadFile(trust)
	if err != nil {
		t.Fatal(err)
	}
	// license verify also takes the node's JSON answer as it comes from the status URL.
	res, err := http.Get(base + "/api/v1/licenses/status")
	if err != nil {
		t.Fatal(err)
	}
	answer, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	asServed := writeFile(t, dir, "status.json", answer)
	if out, _, err := yiwang(t, "license", "verify", "--trust", trust, "--snapshot", asServed, l.Credential); exitCode(err) != 4 ||
		!strings.HasPrefix(out, "已撤销（revoked）") {
		t.Errorf("with the JSON answer as the snapshot: %q, %v", out, err)
	}

	other := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		name   string
		tamper string
		args   []string
		code   int
		says   string
	}{
		{"a wrong fingerprint", "", []string{"--fingerprint", other, base}, 1, "wrong fingerprint"},
		{"no fingerprint", "", []string{base}, 2, "--fingerprint"},
		{"a fingerprint too short", "", []string{"--fingerprint", "abcd", base}, 2, "64 hexadecimal digits"},
		{"plain http elsewhere", "", []string{"--fingerprint", spoken, "http://yiwang.fujian.example.cn"}, 2, "https"},
		{"unreachable", "", []string{"--fingerprint", spoken, "http://127.0.0.1:1"}, 1, "unreachable"},
		{"a trust list with a bad signature", "list", []string{"--fingerprint", spoken, base}, 1, "bad signature: the trust list"},
		{"a snapshot with a bad signature", "snapshot", []string{"--fingerprint", spoken, base}, 1, "bad signature: the status snapshot"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tp.set(tc.tamper)
			defer tp.set("")
			before, _ := os.Stat(snap)
			_, err := fetch(tc.args...)
			if got := exitCode(err); err == nil || got != tc.code || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("exit %d (%v), want %d saying %q", got, err, tc.code, tc.says)
			}
			if b, _ := os.ReadFile(trust); string(b) != string(saved) {
				t.Error("the trust file was overwritten")
			}
			if after, _ := os.Stat(snap); !after.ModTime().Equal(before.ModTime()) {
				t.Error("the snapshot was overwritten")
			}
		})
	}
}

// A node's status answer is outside input: taking the snapshot out of it never panics, and what
// it gives is the answer trimmed unless the answer is a JSON object.
func FuzzSnapshotOf(f *testing.F) {
	for _, seed := range []string{`{"snapshot":"YWS1.a.b"}`, "YWS1.a.b\n", "{", `{"snapshot":null}`, `[]`, ""} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, answer []byte) {
		got := string(snapshotOf(answer))
		if got != strings.TrimSpace(string(answer)) && !strings.HasPrefix(strings.TrimSpace(string(answer)), "{") {
			t.Fatalf("snapshotOf(%q) = %q", answer, got)
		}
	})
}
