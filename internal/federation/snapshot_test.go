package federation

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// served is what a scripted transport answers for a URL: a body, or an error.
type served struct {
	body []byte
	err  error
}

// scripted is a Transport that answers from a table, recording each URL asked and its limit.
type scripted struct {
	mu     sync.Mutex
	answer map[string]served
	asked  []string
	limits map[string]int64
}

func newScripted() *scripted {
	return &scripted{answer: map[string]served{}, limits: map[string]int64{}}
}

func (s *scripted) set(url string, body []byte, err error) {
	s.mu.Lock()
	s.answer[url] = served{body: body, err: err}
	s.mu.Unlock()
}

func (s *scripted) count(url string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, u := range s.asked {
		if u == url {
			n++
		}
	}
	return n
}

func (s *scripted) Get(_ context.Context, url string, limit int64) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked = append(s.asked, url)
	s.limits[url] = limit
	a, ok := s.answer[url]
	switch {
	case !ok:
		return nil, errors.New("GET " + url + ": 404 Not Found")
	case a.err != nil:
		return nil, a.err
	case int64(len(a.body)) > limit:
		return nil, errs.E(errs.TooLarge, "error.too_large")
	}
	return a.body, nil
}

// snapshotRig is a Fujian node whose transport is scripted, with Zhejiang approved and its list
// (naming statusURL) served at its endpoint.
func snapshotRig(t *testing.T, d store.Dialect, statusURL string) (*rig, *fakePeer, *scripted) {
	t.Helper()
	tr := newScripted()
	r := newRig(t, d, fujian, "福建省", "https://yiwang.fujian.example.cn", func(c *Config) { c.Transport = tr })
	zj := newFakePeer(t, zhejiang, "浙江省")
	r.approved(t, zj)
	l := zj.list(t, 1, r.clock.Now())
	l.StatusURL = statusURL
	tr.set(zj.endpoint+TrustListPath, zj.sign(t, l), nil)
	return r, zj, tr
}

// A peer's status snapshot is fetched with its list and on its own, kept as received (the latest
// only), and given to the licence service while the peer is approved; whatever fails keeps the
// snapshot held.
func TestPeerSnapshot(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			const statusURL = "https://yiwang.330000.example.cn/api/v1/licenses/status"
			r, zj, tr := snapshotRig(t, d, statusURL)
			ctx := context.Background()
			if _, _, err := r.svc.PeerSnapshot(ctx, zhejiang); !errs.Is(err, errs.NotFound) {
				t.Fatalf("before any fetch: %v, want not found", err)
			}
			// Refreshing before the list is imported: no status URL to fetch from.
			_, err := r.svc.RefreshSnapshot(as(officeAdmin), zhejiang)
			wantErr(t, err, errs.Conflict, "federation.error.no_peer_list")

			first := []byte("YWS1.eyJub2RlIjoiMzMwMDAwIn0.c2lnbmF0dXJl")
			tr.set(statusURL, append(append([]byte{}, first...), '\n'), nil)
			imp, err := r.svc.Fetch(as(officeAdmin), zhejiang)
			if err != nil {
				t.Fatal(err)
			}
			if imp.Snapshot == nil || imp.Snapshot.Digest != documentDigest(first) || imp.Snapshot.Size != int64(len(first)) ||
				imp.Snapshot.FetchedBy != officeAdmin.Actor() {
				t.Fatalf("Fetch's snapshot %+v, want the document as served, trimmed", imp.Snapshot)
			}
			if got := tr.limits[statusURL]; got != MaxSnapshot+1 {
				t.Errorf("the snapshot was read with a limit of %d bytes, want %d", got, MaxSnapshot+1)
			}
			doc, at, err := r.svc.PeerSnapshot(ctx, zhejiang)
			if err != nil || string(doc) != string(first) || !at.Equal(r.clock.Now()) {
				t.Fatalf("PeerSnapshot = %q at %v, %v", doc, at, err)
			}
			if got := r.auditActions(t, "federation_peer", zhejiang); got[len(got)-1] != "federation.snapshot.fetch" {
				t.Errorf("audit %v, want the fetch last", got)
			}

			// Each refusal keeps the snapshot held.
			second := []byte("YWS1.eyJub2RlIjoiMzMwMDAwIiwidiI6Mn0.c2ln")
			for _, tc := range []struct {
				name    string
				who     context.Context
				node    string
				body    []byte
				err     error
				kind    errs.Kind
				message string
			}{
				{"a clerk", as(officeClerk), zhejiang, second, nil, errs.Forbidden, "federation.error.forbidden"},
				{"the public", as(anonymous), zhejiang, second, nil, errs.Forbidden, "federation.error.forbidden"},
				{"another organisation's administrator", as(marketAdmin), zhejiang, second, nil, errs.Forbidden, ""},
				{"an unknown peer", as(officeAdmin), shanghai, second, nil, errs.NotFound, "federation.error.peer_not_found"},
				{"unreachable", as(officeAdmin), zhejiang, nil, errors.New("dial tcp: connection refused"), errs.Unavailable,
					"federation.error.snapshot_fetch_failed"},
				{"too large", as(officeAdmin), zhejiang, nil, errs.E(errs.TooLarge, "error.too_large"), errs.TooLarge,
					"federation.error.snapshot_too_large"},
				{"not a snapshot", as(officeAdmin), zhejiang, []byte(`{"node":"330000"}`), nil, errs.Invalid,
					"federation.error.snapshot_malformed"},
				{"a snapshot with other bytes", as(officeAdmin), zhejiang, []byte("YWS1.abc def.\x00"), nil, errs.Invalid,
					"federation.error.snapshot_malformed"},
				{"an HTML error page", as(officeAdmin), zhejiang, []byte("<html>YWS1.</html>"), nil, errs.Invalid,
					"federation.error.snapshot_malformed"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					tr.set(statusURL, tc.body, tc.err)
					_, err := r.svc.RefreshSnapshot(tc.who, tc.node)
					wantErr(t, err, tc.kind, tc.message)
					if doc, _, err := r.svc.PeerSnapshot(ctx, zhejiang); err != nil || string(doc) != string(first) {
						t.Errorf("the snapshot held became %q, %v", doc, err)
					}
				})
			}
			// A failed snapshot does not fail the list's fetch.
			tr.set(statusURL, nil, errors.New("timeout"))
			if imp, err := r.svc.Fetch(as(officeAdmin), zhejiang); err != nil || imp.Snapshot != nil || !imp.Unchanged {
				t.Errorf("Fetch with the snapshot unreachable: %+v, %v", imp, err)
			}

			// A new snapshot replaces the one held; a node's JSON answer carries it.
			r.clock.Advance(5 * time.Minute)
			tr.set(statusURL, []byte(`{"node":"330000","issued_at":"2026-11-02T01:00:00Z","snapshot":"`+string(second)+`"}`), nil)
			info, err := r.svc.RefreshSnapshot(as(officeAdmin), zhejiang)
			if err != nil || info.Digest != documentDigest(second) {
				t.Fatalf("RefreshSnapshot = %+v, %v", info, err)
			}
			if doc, at, err := r.svc.PeerSnapshot(ctx, zhejiang); err != nil || string(doc) != string(second) || !at.Equal(r.clock.Now()) {
				t.Errorf("PeerSnapshot after the refresh = %q at %v, %v", doc, at, err)
			}
			list, err := r.svc.Snapshots(as(officeClerk))
			if err != nil || len(list) != 1 || list[0].Peer != zhejiang || list[0].Digest != info.Digest ||
				list[0].Size != int64(len(second)) {
				t.Errorf("Snapshots = %+v, %v", list, err)
			}
			if _, err := r.svc.Snapshots(as(marketAdmin)); !errs.Is(err, errs.Forbidden) {
				t.Errorf("Snapshots to another organisation: %v", err)
			}
			// Another copy of the node over the same database reads what this one fetched.
			other, err := New(r.db, r.svc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if doc, _, err := other.PeerSnapshot(ctx, zhejiang); err != nil || string(doc) != string(second) {
				t.Errorf("another copy reads %q, %v", doc, err)
			}

			// A suspended peer's snapshot is not given, nor fetched.
			if _, err := r.svc.Suspend(as(officeAdmin), zhejiang, "核查"); err != nil {
				t.Fatal(err)
			}
			if _, _, err := r.svc.PeerSnapshot(ctx, zhejiang); !errs.Is(err, errs.NotFound) {
				t.Errorf("a suspended peer's snapshot: %v", err)
			}
			_, err = r.svc.RefreshSnapshot(as(officeAdmin), zhejiang)
			wantErr(t, err, errs.Conflict, "federation.error.peer_not_approved")
			if _, err := r.svc.Approve(as(officeAdmin2), zhejiang, zj.fingerprint(t)); err != nil {
				t.Fatal(err)
			}
			if doc, _, err := r.svc.PeerSnapshot(ctx, zhejiang); err != nil || string(doc) != string(second) {
				t.Errorf("approved again: %q, %v", doc, err)
			}
		})
	}
}

// A list without a usable status URL gives no snapshot to fetch.
func TestPeerSnapshotStatusURL(t *testing.T) {
	for _, tc := range []struct {
		name, url string
	}{
		{"none", ""},
		{"plain http elsewhere", "http://yiwang.330000.example.cn/api/v1/licenses/status"},
		{"with a user", "https://user:pw@yiwang.330000.example.cn/status"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _, tr := snapshotRig(t, store.SQLite, tc.url)
			imp, err := r.svc.Fetch(as(officeAdmin), zhejiang)
			if err != nil || imp.Snapshot != nil {
				t.Fatalf("Fetch = %+v, %v", imp, err)
			}
			_, err = r.svc.RefreshSnapshot(as(officeAdmin), zhejiang)
			wantErr(t, err, errs.Conflict, "federation.error.no_status_url")
			if n := len(tr.asked); n != 1 {
				t.Errorf("%d requests (%v), want the list's only", n, tr.asked)
			}
		})
	}
}

// Run fetches the peers' snapshots every SnapshotEvery, more often than their lists, and keeps
// going when a fetch fails.
func TestRunRefreshesSnapshots(t *testing.T) {
	const statusURL = "https://yiwang.330000.example.cn/api/v1/licenses/status"
	tr := newScripted()
	r := newRig(t, store.SQLite, fujian, "福建省", "https://yiwang.fujian.example.cn", func(c *Config) {
		c.Transport, c.SnapshotEvery = tr, 10*time.Millisecond
	})
	zj := newFakePeer(t, zhejiang, "浙江省")
	r.approved(t, zj)
	l := zj.list(t, 1, r.clock.Now())
	l.StatusURL = statusURL
	tr.set(zj.endpoint+TrustListPath, zj.sign(t, l), nil)
	tr.set(statusURL, nil, errors.New("connection refused"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.svc.Run(ctx, time.Hour, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	defer func() { cancel(); <-done }()
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("no %s within 10s", what)
			}
		}
	}
	waitFor("three attempts", func() bool { return tr.count(statusURL) >= 3 })
	tr.set(statusURL, []byte("YWS1.b2s.c2ln"), nil)
	waitFor("snapshot", func() bool {
		doc, _, err := r.svc.PeerSnapshot(context.Background(), zhejiang)
		return err == nil && strings.HasPrefix(string(doc), "YWS1.b2s")
	})
	if n := tr.count(zj.endpoint + TrustListPath); n != 1 {
		t.Errorf("the list was fetched %d times, want once in the hour", n)
	}
}

// What a peer's status URL sends is outside input: taking the document out of it and checking its
// form never fails but by refusing, and what is accepted is a snapshot's characters only.
func FuzzSnapshotDocument(f *testing.F) {
	for _, seed := range []string{"YWS1.eyJub2RlIjoiMzMwMDAwIn0.c2ln", " YWS1.a.b\n", `{"snapshot":"YWS1.a.b","node":"330000"}`,
		`{"snapshot":1}`, `{"snapshot":" YWS1.x "}`, "YWS1.", "<html>", "", "{", "YWS1.a\x00.b", "YWS1.é.b"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		doc := snapshotDocument(body)
		if checkSnapshotForm(doc) != nil {
			return
		}
		if !strings.HasPrefix(string(doc), snapshotPrefix) {
			t.Fatalf("accepted %q without the prefix", doc)
		}
		for _, c := range doc {
			if c < '-' || c > 'z' {
				t.Fatalf("accepted byte %#x in %q", c, doc)
			}
		}
	})
}
