package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/plan"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// hermetic clears the YIWANG_* settings of the environment the tests run in, so that every
// command uses the --data directory it is given.
func hermetic(tb testing.TB) {
	tb.Helper()
	tb.Setenv("YIWANG_CONFIG", "")
	tb.Setenv("YIWANG_PRODUCTION", "")
	tb.Setenv("YIWANG_OIDC_SECRET", "")
	tb.Setenv("YIWANG_MASTER_KEY", "")
	// Development master keys live under the user's configuration directory: keep the tests' own.
	tb.Setenv("XDG_CONFIG_HOME", tb.TempDir())
	for _, s := range settings {
		tb.Setenv(s.env, "")
	}
}

// yiwang runs one command line through run, as main does, and returns what it wrote.
func yiwang(tb testing.TB, args ...string) (stdout, stderr string, err error) {
	tb.Helper()
	var out, errb bytes.Buffer
	err = run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), err
}

// mustRun runs a command line that must succeed and returns its standard output.
func mustRun(tb testing.TB, args ...string) string {
	tb.Helper()
	out, stderr, err := yiwang(tb, args...)
	if err != nil {
		tb.Fatalf("yiwang %s: %v\nstderr:\n%s", strings.Join(args, " "), err, stderr)
	}
	return out
}

// writeFile writes data to name in dir and returns its path.
func writeFile(tb testing.TB, dir, name string, data []byte) string {
	tb.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	return p
}

// exportJSON returns the plan stored under data as the JSON export writes it.
func exportJSON(t *testing.T, data string) string {
	t.Helper()
	return mustRun(t, "plan", "export", "--data", data, "--format", "json")
}

func TestPlanImportExport(t *testing.T) {
	hermetic(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	file := writeFile(t, dir, "2021-digital-fujian-work-plan.txt", demo.PlanText)

	out := mustRun(t, "plan", "import", "--data", data, file)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	wantLines := []string{
		"閩政辦〔2021〕26號 2021年數字福建工作要點: imported 7 sections, 34 items, 7 targets (revision 1)",
		`warning: damaged text kept as found at line 16 column 75 (item 7): "??ā耙豢ㄍā?"`,
		`warning: damaged text kept as found at line 29 column 56 (item 18): "??ǖ燃夹g"`,
	}
	if diff := cmp.Diff(wantLines, lines); diff != "" {
		t.Errorf("import output mismatch (-want +got):\n%s", diff)
	}

	exported := exportJSON(t, data)
	var e plan.Export
	if err := json.Unmarshal([]byte(exported), &e); err != nil {
		t.Fatalf("export is not JSON: %v", err)
	}
	if len(e.Document.Sections) != 7 || len(e.Document.Items()) != 34 || e.Document.Revision != 1 || e.Totals.Items != 34 {
		t.Errorf("export: %d sections, %d items, revision %d, totals %d; want 7, 34, 1, 34",
			len(e.Document.Sections), len(e.Document.Items()), e.Document.Revision, e.Totals.Items)
	}

	out = mustRun(t, "plan", "import", "--data", data, file)
	if !strings.HasPrefix(out, "閩政辦〔2021〕26號 2021年數字福建工作要點: unchanged (revision 1); nothing was written\n") {
		t.Errorf("re-import said:\n%s", out)
	}
	if diff := cmp.Diff(exported, exportJSON(t, data)); diff != "" {
		t.Errorf("re-import changed the export (-before +after):\n%s", diff)
	}
	// Standard input works as a file name of "-" elsewhere; here the export to a file.
	jsonFile := filepath.Join(dir, "plan.json")
	mustRun(t, "plan", "export", "--data", data, "--out", jsonFile)
	if b, err := os.ReadFile(jsonFile); err != nil || string(b) != exported {
		t.Errorf("--out plan.json holds %d bytes (%v), not the export", len(b), err)
	}

	xlsx := filepath.Join(dir, "plan.xlsx")
	if out := mustRun(t, "plan", "export", "--data", data, "--format", "xlsx", "--lang", "en", "--out", xlsx); out != "" {
		t.Errorf("xlsx export wrote %q to standard output", out)
	}
	x, err := excelize.OpenFile(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if diff := cmp.Diff([]string{"items", "units", "targets", "reports"}, x.GetSheetList()); diff != "" {
		t.Errorf("sheets mismatch (-want +got):\n%s", diff)
	}
	rows, err := x.GetRows("items")
	if err != nil || len(rows) != 35 {
		t.Errorf("items sheet has %d rows (%v), want 35", len(rows), err)
	}
	if v, _ := x.GetCellValue("items", "D26"); v != "Department of Industry and Information Technology of Fujian Province" {
		t.Errorf("lead unit of (二十五) in English is %q", v)
	}
}

func TestMigrate(t *testing.T) {
	hermetic(t)
	data := t.TempDir()
	re := regexp.MustCompile(`: applied (\d+) migration\(s\), now at version (\d+)\n$`)
	m := re.FindStringSubmatch(mustRun(t, "migrate", "--data", data))
	if m == nil || m[1] == "0" || m[1] != m[2] {
		t.Fatalf("first migrate: %q", m)
	}
	latest := m[2]
	if m := re.FindStringSubmatch(mustRun(t, "migrate", "--data", data)); m == nil || m[1] != "0" || m[2] != latest {
		t.Errorf("second migrate: %q, want 0 applied, version %s", m, latest)
	}
	want := fmt.Sprintf(": schema version %s, this binary's latest %s\n", latest, latest)
	if out := mustRun(t, "migrate", "--data", data, "status"); !strings.HasSuffix(out, want) || !strings.Contains(out, data) {
		t.Errorf("migrate status = %q, want the store and %q", out, want)
	}
	// Status of a fresh store shows what is pending and applies nothing.
	fresh := t.TempDir()
	want = fmt.Sprintf(": schema version 0, this binary's latest %s\n", latest)
	if out := mustRun(t, "migrate", "--data", fresh, "status"); !strings.HasSuffix(out, want) {
		t.Errorf("migrate status of a fresh store = %q, want %q", out, want)
	}
}

func TestVersion(t *testing.T) {
	for _, arg := range []string{"version", "--version"} {
		out := mustRun(t, arg)
		if !strings.HasPrefix(out, "yiwang ") || !strings.HasSuffix(out, "\n") || strings.Count(out, "\n") != 1 || len(out) < len("yiwang x\n") {
			t.Errorf("yiwang %s = %q", arg, out)
		}
	}
}

func TestHelp(t *testing.T) {
	hermetic(t)
	for _, tc := range []struct {
		args []string
		err  error    // nil, or flag.ErrHelp for a command's flag help
		want []string // in stdout and stderr together
	}{
		{[]string{"--help"}, nil, []string{"Usage:", "yiwang demo", "yiwang plan import", "yiwang migrate", "yiwang version"}},
		{[]string{"help"}, nil, []string{"Usage:", "yiwang serve"}},
		{[]string{"demo", "--help"}, flag.ErrHelp, []string{"Usage: yiwang demo [--data DIR | --database-url URL] [--addr HOST:PORT]", "-addr", "-data", "-nats-url", "YIWANG_DATA"}},
		{[]string{"serve", "-h"}, flag.ErrHelp, []string{"Usage: yiwang serve", "-addr", "-database-url", "-log-level"}},
		{[]string{"migrate", "--help"}, flag.ErrHelp, []string{"Usage: yiwang migrate [flags] [status]", "-data", "-database-url"}},
		{[]string{"plan", "--help"}, nil, []string{"yiwang plan import", "yiwang plan export"}},
		{[]string{"plan", "import", "--help"}, flag.ErrHelp, []string{"Usage: yiwang plan import", "FILE", "-data", "-database-url"}},
		{[]string{"plan", "export", "--help"}, flag.ErrHelp, []string{"Usage: yiwang plan export", "-format", "-out", "-lang"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, stderr, err := yiwang(t, tc.args...)
			if !errors.Is(err, tc.err) || (tc.err == nil && err != nil) {
				t.Errorf("error %v, want %v", err, tc.err)
			}
			for _, w := range tc.want {
				if !strings.Contains(out+stderr, w) {
					t.Errorf("help does not say %q:\n%s%s", w, out, stderr)
				}
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	hermetic(t)
	data := t.TempDir()
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{nil, "no command"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"plan"}, "plan needs a subcommand"},
		{[]string{"plan", "frobnicate"}, `unknown plan subcommand "frobnicate"`},
		{[]string{"plan", "import", "--data", data}, "exactly one FILE"},
		{[]string{"plan", "import", "--data", data, "a.txt", "b.txt"}, "exactly one FILE"},
		{[]string{"plan", "import", "--bogus", "a.txt"}, "-bogus"},
		{[]string{"plan", "import", "--addr", ":80", "a.txt"}, "-addr"},
		{[]string{"plan", "export", "--data", data, "extra"}, "takes no arguments"},
		{[]string{"plan", "export", "--data", data, "--format", "csv"}, `--format must be json or xlsx, not "csv"`},
		{[]string{"plan", "export", "--data", data, "--lang", "fr"}, "--lang"},
		{[]string{"plan", "export", "--data"}, "flag needs an argument"},
		{[]string{"migrate", "--data", data, "up"}, "optional 'status'"},
		{[]string{"migrate", "--data", data, "--log-format", "yaml"}, "--log-format"},
		{[]string{"migrate", "--database-url", "mysql://x", "status"}, "postgres://"},
		{[]string{"demo", "--bogus"}, "-bogus"},
		{[]string{"serve", "--data", data, "extra"}, "takes no arguments"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, _, err := yiwang(t, tc.args...)
			var u usageError
			if !errors.As(err, &u) || exitCode(err) != 2 {
				t.Fatalf("error %#v (exit %d), want a usage error (exit 2)", err, exitCode(err))
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not say %q", err, tc.msg)
			}
		})
	}
	// None of them touched the store.
	if entries, _ := os.ReadDir(data); len(entries) != 0 {
		t.Errorf("usage errors wrote %d entries into the data directory", len(entries))
	}
}

func TestPlanImportBadInput(t *testing.T) {
	hermetic(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	mustRun(t, "plan", "import", "--data", data, writeFile(t, dir, "plan.txt", demo.PlanText))
	before := exportJSON(t, data)

	binary := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{0, 0xff, 0x13, 0x80}, 1024)...)
	huge := bytes.Repeat([]byte("數字福建工作要點\n"), 50<<20/25+1)
	for _, tc := range []struct {
		name string
		path string
		msg  []string
	}{
		{"missing file", filepath.Join(dir, "no-such-plan.txt"), []string{"cannot read", "no such file"}},
		{"directory", t.TempDir(), []string{"is a directory, not a plan document"}},
		{"empty file", writeFile(t, dir, "empty.txt", nil), []string{"the plan is empty"}},
		{"binary file", writeFile(t, dir, "scan.png", binary), []string{"NUL byte"}},
		{"not UTF-8", writeFile(t, dir, "gbk.txt", bytes.Repeat([]byte("\xb8\xa3\xbd\xa8\xca\xa1\n"), 30)), []string{"not UTF-8"}},
		{"50 MB file", writeFile(t, dir, "huge.txt", huge), []string{fmt.Sprintf("is %d bytes", len(huge)), "limit", "8 MiB"}},
		{"not a plan", writeFile(t, dir, "minutes.txt", []byte("會議紀要\n各位同事：請查收附件。\n")), []string{"no section headings"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := yiwang(t, "plan", "import", "--data", data, tc.path)
			if err == nil {
				t.Fatalf("import succeeded: %s", out)
			}
			if exitCode(err) != 1 {
				t.Errorf("exit %d, want 1", exitCode(err))
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.path) {
				t.Errorf("error %q does not name the file %s", msg, tc.path)
			}
			for _, w := range tc.msg {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not say %q", msg, w)
				}
			}
			if out != "" {
				t.Errorf("failed import wrote to standard output: %q", out)
			}
			if diff := cmp.Diff(before, exportJSON(t, data)); diff != "" {
				t.Errorf("stored plan changed (-before +after):\n%s", diff)
			}
		})
	}
}

// syncBuffer collects what a running command writes from its goroutines, and hands over the
// URL of the "ready at" line once it is written.
type syncBuffer struct {
	mu    sync.Mutex
	b     bytes.Buffer
	ready chan string
}

var readyLine = regexp.MustCompile(`ready at (http://[^\s]+)`)

func newSyncBuffer() *syncBuffer { return &syncBuffer{ready: make(chan string, 1)} }

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	had := readyLine.MatchString(s.b.String())
	n, err := s.b.Write(p)
	if m := readyLine.FindStringSubmatch(s.b.String()); m != nil && !had {
		s.ready <- m[1]
	}
	return n, err
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// server is a running `yiwang demo`.
type server struct {
	url            string
	stdout, stderr *syncBuffer
	cancel         context.CancelFunc
	done           chan error
}

// startDemo runs `yiwang demo` on a free port and waits until it says it is ready.
func startDemo(tb testing.TB, data string) *server {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{stdout: newSyncBuffer(), stderr: newSyncBuffer(), cancel: cancel, done: make(chan error, 1)}
	go func() {
		s.done <- run(ctx, []string{"demo", "--data", data, "--addr", "127.0.0.1:0", "--log-level", "warn"}, s.stdout, s.stderr)
	}()
	select {
	case s.url = <-s.stdout.ready:
	case err := <-s.done:
		cancel()
		tb.Fatalf("demo stopped before it was ready: %v\nstderr:\n%s", err, s.stderr)
	case <-time.After(2 * time.Minute):
		cancel()
		tb.Fatalf("demo not ready after 2 minutes\nstdout:\n%s\nstderr:\n%s", s.stdout, s.stderr)
	}
	return s
}

// stop cancels the demo's context and returns what run returned.
func (s *server) stop(tb testing.TB) error {
	tb.Helper()
	s.cancel()
	select {
	case err := <-s.done:
		return err
	case <-time.After(time.Minute):
		tb.Fatalf("demo did not stop within a minute of cancellation")
		return nil
	}
}

func TestDemo(t *testing.T) {
	hermetic(t)
	data := t.TempDir()
	for round := 1; round <= 2; round++ {
		t.Run("round "+strconv.Itoa(round), func(t *testing.T) {
			s := startDemo(t, data)
			stopped := false
			defer func() {
				if !stopped {
					s.stop(t)
				}
			}()
			if !strings.HasPrefix(s.url, "http://127.0.0.1:") || strings.HasSuffix(s.url, ":0") {
				t.Errorf("demo URL %q, want a loopback URL with the port chosen", s.url)
			}
			// The accounts follow the ready line.
			out := s.stdout.String()
			for deadline := time.Now().Add(10 * time.Second); !strings.Contains(out, "Press Ctrl+C to stop.") && time.Now().Before(deadline); {
				time.Sleep(5 * time.Millisecond)
				out = s.stdout.String()
			}
			if m := regexp.MustCompile(`ready in [^)]+`).FindString(out); m != "" {
				t.Log("demo", m) // the first round seeds the store
			}
			for _, a := range demo.Accounts {
				if !strings.Contains(out, a.Login) {
					t.Errorf("demo does not print account %s:\n%s", a.Login, out)
				}
			}
			for _, tc := range []struct {
				path, contentType, body string
			}{
				{"/healthz", "text/plain", "ok\n"},
				{"/readyz", "text/plain", "ok\n"},
				{"/", "text/html", "<html"},
				{"/api/v1/plan/assessment", "application/json", `"sections"`},
			} {
				resp, err := http.Get(s.url + tc.path)
				if err != nil {
					t.Fatalf("GET %s: %v", tc.path, err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.contentType) || !strings.Contains(string(body), tc.body) {
					t.Errorf("GET %s: %d %s, want 200 %s containing %q:\n%.300s", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), tc.contentType, tc.body, body)
				}
				if tc.path == "/api/v1/plan/assessment" {
					var a struct {
						Sections []plan.SectionStat `json:"sections"`
						Totals   plan.Totals        `json:"totals"`
					}
					if err := json.Unmarshal(body, &a); err != nil {
						t.Errorf("assessment: %v", err)
					}
					// The demo's reviewed progress: (一) completed, (十二) and (二十五) in progress.
					if len(a.Sections) != 7 || a.Totals.Items != 34 || a.Totals.Completed != 1 || a.Totals.InProgress != 2 {
						t.Errorf("assessment: %d sections, totals %+v", len(a.Sections), a.Totals)
					}
				}
			}
			stopped = true
			if err := s.stop(t); err != nil {
				t.Errorf("run returned %v after cancellation, want nil\nstderr:\n%s", err, s.stderr)
			}
		})
	}

	// Seeding twice added nothing: one account each, one enterprise with one agent, the demo
	// apps, the plan at revision 1, the demo's progress reports once.
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got := map[string]int{}
	for name, q := range map[string]string{
		// Account 0 is the placeholder applicant of cases received from other provinces
		// (migration 00025), not a person the demo seeds.
		"accounts":         `SELECT COUNT(*) FROM accounts WHERE id <> 0`,
		"distinct logins":  `SELECT COUNT(DISTINCT login) FROM accounts WHERE id <> 0`,
		"plan_documents":   `SELECT COUNT(*) FROM plan_documents`,
		"revision":         `SELECT MAX(revision) FROM plan_documents`,
		"plan_revisions":   `SELECT COUNT(*) FROM plan_revisions`,
		"plan_reports":     `SELECT COUNT(*) FROM plan_reports`,
		"imported (audit)": `SELECT COUNT(*) FROM audit_events WHERE action = 'plan.document.imported'`,
		"enterprises":      `SELECT COUNT(*) FROM enterprises`,
		"authorisations":   `SELECT COUNT(*) FROM agent_authorisations`,
		"apps":             `SELECT COUNT(*) FROM apps`,
	} {
		var n int
		if err := db.Get(ctx, &n, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		got[name] = n
	}
	people := len(demo.Accounts) + len(demo.HallAccounts()) + len(demo.Residents)
	want := map[string]int{"accounts": people, "distinct logins": people, "plan_documents": 1, "revision": 1,
		"plan_revisions": 1, "plan_reports": 5, "imported (audit)": 1, "enterprises": 1, "authorisations": 1, "apps": 3}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after two demo runs (-want +got):\n%s", diff)
	}
}

// BenchmarkDemoStart measures `yiwang demo` from run to its ready line on a data directory
// that is already seeded, as on every start after the first.
func BenchmarkDemoStart(b *testing.B) {
	hermetic(b)
	data := b.TempDir()
	if err := startDemo(b, data).stop(b); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s := startDemo(b, data)
		b.StopTimer()
		if err := s.stop(b); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
