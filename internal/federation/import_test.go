package federation

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// What an import refuses, each refusal storing nothing; the same version again is accepted
// when identical and changes nothing.
func TestImport(t *testing.T) {
	eachRig(t, func(t *testing.T, r *rig) {
		own := r.licenceKey(t, marketOrg, keys.SM2)
		zj := newFakePeer(t, zhejiang, "浙江省")
		r.approved(t, zj)
		now := r.clock.Now()
		v1 := zj.sign(t, zj.list(t, 1, now.Add(-time.Hour)))
		v2list := zj.list(t, 2, now)
		v2 := zj.sign(t, v2list)
		for _, doc := range [][]byte{v1, v2} {
			if _, err := r.svc.Import(as(officeAdmin), zhejiang, doc); err != nil {
				t.Fatal(err)
			}
		}
		// envelope signs body with the peer's node key without checking it, as a liar would.
		envelope := func(edit func(*TrustList)) []byte {
			l := zj.list(t, 3, now)
			edit(&l)
			body, _ := json.Marshal(l)
			sig, err := credential.SignBytes(zj.node, credential.SM2, body)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(Signed{Body: body, Alg: credential.SM2, KeyID: zj.nodeKID, Signature: sig})
			return b
		}
		ownTK := trustedKey(t, own.Key().ID, zhejiang+"/"+creditCodeOf(zhejiang, marketOrg), own)
		withExtra := func() []byte {
			var s Signed
			_ = json.Unmarshal(envelope(func(*TrustList) {}), &s)
			s.Body = []byte(strings.Replace(string(s.Body), `{`, `{"extra":1,`, 1))
			s.Signature, _ = credential.SignBytes(zj.node, credential.SM2, s.Body)
			b, _ := json.Marshal(s)
			return b
		}
		for _, tc := range []struct {
			name      string
			peer      string
			doc       []byte
			kind      errs.Kind
			message   string
			unchanged bool
		}{
			{"the same version again, identical", zhejiang, v2, "", "", true},
			{"signed by another key", zhejiang, func() []byte {
				other := *zj
				other.node = sm2Key(t)
				return other.sign(t, zj.list(t, 3, now))
			}(), errs.Invalid, "federation.error.list_signature", false},
			{"a replayed older version", zhejiang, v1, errs.Conflict, "federation.error.list_older", false},
			{"the same version, other content", zhejiang, func() []byte {
				l := v2list
				l.LicenceTypes = nil
				return zj.sign(t, l)
			}(), errs.Conflict, "federation.error.list_version_reused", false},
			{"a list of another node", zhejiang, func() []byte {
				sh := *zj
				sh.code, sh.orgOwner = shanghai, shanghai+"/"+creditCodeOf(shanghai, marketOrg)
				return sh.sign(t, sh.list(t, 3, now))
			}(), errs.Invalid, "federation.error.list_other_node", false},
			{"a key id of this node", zhejiang, func() []byte {
				l := zj.list(t, 3, now)
				l.Keys[1].KeyID = own.Key().ID
				return zj.sign(t, l)
			}(), errs.Invalid, "federation.error.list_own_key", false},
			{"this node's public key under its own id", zhejiang, func() []byte {
				l := zj.list(t, 3, now)
				k := ownTK
				k.KeyID = "zj-borrowed"
				l.Keys = append(l.Keys, k)
				return zj.sign(t, l)
			}(), errs.Invalid, "federation.error.list_own_key", false},
			{"a key owned by this node", zhejiang, envelope(func(l *TrustList) {
				l.Keys[1].Owner = fujian + "/" + creditCodeOf(fujian, marketOrg)
			}), errs.Invalid, "federation.error.list_malformed", false},
			{"expired", zhejiang, zj.sign(t, func() TrustList {
				l := zj.list(t, 3, now.Add(-8*24*time.Hour))
				return l
			}()), errs.Invalid, "federation.error.list_expired", false},
			{"issued in the future", zhejiang, zj.sign(t, zj.list(t, 3, now.Add(time.Hour))), errs.Invalid, "federation.error.list_future", false},
			{"a field the schema does not know", zhejiang, withExtra(), errs.Invalid, "federation.error.list_malformed", false},
			{"not JSON", zhejiang, []byte("<trust-list/>"), errs.Invalid, "federation.error.list_malformed", false},
			{"too large", zhejiang, make([]byte, MaxTrustList+1), errs.TooLarge, "federation.error.list_too_large", false},
			{"an unknown peer", shanghai, v2, errs.NotFound, "federation.error.peer_not_found", false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				imp, err := r.svc.Import(as(officeAdmin), tc.peer, tc.doc)
				if tc.kind == "" {
					if err != nil || imp.Unchanged != tc.unchanged || imp.Version != 2 {
						t.Fatalf("import = %+v, %v", imp, err)
					}
					return
				}
				wantErr(t, err, tc.kind, tc.message)
			})
		}
		_, err := r.svc.Import(as(officeClerk), zhejiang, v2)
		wantErr(t, err, errs.Forbidden, "")
		vs, err := r.svc.Versions(as(officeAdmin), zhejiang)
		if err != nil || len(vs) != 2 || vs[0].Version != 2 || vs[0].Digest != documentDigest(v2) || vs[0].FetchedBy != "official:szb.admin" {
			t.Errorf("versions after refusals = %+v, %v", vs, err)
		}
		entries := r.trustListEntries(t)
		for v, doc := range map[int64][]byte{1: v1, 2: v2} {
			if got := entries[ledgerSubject(zhejiang, v)]; got != documentDigest(doc) {
				t.Errorf("ledger digest of the peer's version %d = %q", v, got)
			}
		}
		if len(entries) != 2 {
			t.Errorf("trust list entries in the ledger: %v", entries)
		}
		if got := r.auditActions(t, "federation_peer", zhejiang); len(got) != 4 || got[2] != "federation.trustlist.import" || got[3] != "federation.trustlist.import" {
			t.Errorf("audit of the peer = %v", got)
		}
		peer, err := r.svc.Peer(as(officeAdmin), zhejiang)
		if err != nil || peer.Version != 2 || peer.ImportedAt == nil {
			t.Errorf("peer after imports = %+v, %v", peer, err)
		}
	})
}

// A stored list edited in the database is no longer trusted.
func TestStoredListTampered(t *testing.T) {
	eachRig(t, func(t *testing.T, r *rig) {
		zj := newFakePeer(t, zhejiang, "浙江省")
		r.approved(t, zj)
		if _, err := r.svc.Import(as(officeAdmin), zhejiang, zj.sign(t, zj.list(t, 1, r.clock.Now()))); err != nil {
			t.Fatal(err)
		}
		trust, err := r.svc.Resolver(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := trust.TrustedKey(zj.orgKID); !ok {
			t.Fatal("the peer's key is not trusted")
		}
		var doc string
		if err := r.db.Get(context.Background(), &doc, `SELECT document FROM federation_peer_lists WHERE peer_code = ?`, zhejiang); err != nil {
			t.Fatal(err)
		}
		var s Signed
		if err := json.Unmarshal([]byte(doc), &s); err != nil {
			t.Fatal(err)
		}
		s.Body = []byte(strings.Replace(string(s.Body), zj.orgKID, "market-forged", 1))
		edited, _ := json.Marshal(s)
		if err := r.db.Transact(context.Background(), func(tx *store.Tx) error {
			_, err := tx.Exec(context.Background(), `UPDATE federation_peer_lists SET document = ?`, string(edited))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		r.svc.invalidate()
		for _, kid := range []string{zj.orgKID, "market-forged"} {
			if _, ok := trust.TrustedKey(kid); ok {
				t.Errorf("key %s of an edited list is trusted", kid)
			}
		}
	})
}

// Fetch reads the peer's endpoint over https (http only on loopback), within bounds.
func TestFetch(t *testing.T) {
	eachRig(t, func(t *testing.T, r *rig) {
		zj := newFakePeer(t, zhejiang, "浙江省")
		var serve func(w http.ResponseWriter)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if req.URL.Path != TrustListPath {
				http.NotFound(w, req)
				return
			}
			serve(w)
		}))
		defer srv.Close()
		zj.endpoint = srv.URL
		r.approved(t, zj)
		body := func(b []byte) func(http.ResponseWriter) { return func(w http.ResponseWriter) { w.Write(b) } }
		setEndpoint := func(u string) {
			if err := r.db.Transact(context.Background(), func(tx *store.Tx) error {
				_, err := tx.Exec(context.Background(), `UPDATE federation_peers SET endpoint = ? WHERE code = ?`, u, zhejiang)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct {
			name    string
			serve   func(http.ResponseWriter)
			setup   func()
			kind    errs.Kind
			message string
			version int64
			calls   int32
		}{
			{"the peer's list over loopback", body(zj.sign(t, zj.list(t, 1, r.clock.Now()))), nil, "", "", 1, 1},
			{"the same list signed again", body(zj.sign(t, zj.list(t, 1, r.clock.Now()))), nil, "", "", 1, 1},
			{"a server error", func(w http.ResponseWriter) { w.WriteHeader(http.StatusBadGateway) }, nil,
				errs.Unavailable, "federation.error.fetch_failed", 0, 1},
			{"too large", body(make([]byte, MaxTrustList+10)), nil, errs.TooLarge, "federation.error.list_too_large", 0, 1},
			{"too slow", func(w http.ResponseWriter) { time.Sleep(300 * time.Millisecond) },
				func() { r.svc.cfg.FetchTimeout = 50 * time.Millisecond }, errs.Unavailable, "federation.error.fetch_failed", 0, 1},
			{"the next version", body(zj.sign(t, zj.list(t, 2, r.clock.Now()))), func() { r.svc.cfg.FetchTimeout = 10 * time.Second },
				"", "", 2, 1},
			{"plain http elsewhere", body(nil), func() { setEndpoint("http://yiwang.zhejiang.example.cn") },
				errs.Invalid, "federation.error.endpoint", 0, 0},
			{"https unreachable", body(nil), func() { setEndpoint("https://127.0.0.1:1") },
				errs.Unavailable, "federation.error.fetch_failed", 0, 1},
			{"no transport", body(nil), func() { r.svc.cfg.Transport = nil }, errs.Unavailable, "federation.error.fetch_unavailable", 0, 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				serve = tc.serve
				if tc.setup != nil {
					tc.setup()
				}
				before := r.http.calls.Load()
				imp, err := r.svc.Fetch(as(officeAdmin), zhejiang)
				if got := r.http.calls.Load() - before; got != tc.calls {
					t.Errorf("%d requests, want %d", got, tc.calls)
				}
				if tc.kind != "" {
					wantErr(t, err, tc.kind, tc.message)
					return
				}
				if err != nil || imp.Version != tc.version || imp.Unchanged != strings.Contains(tc.name, "again") {
					t.Fatalf("fetch = %+v, %v", imp, err)
				}
			})
		}
		_, err := r.svc.Fetch(as(marketAdmin), zhejiang)
		wantErr(t, err, errs.Forbidden, "")
	})
}

func TestTrustListURL(t *testing.T) {
	for _, tc := range []struct {
		endpoint, want string
	}{
		{"https://yiwang.zhejiang.gov.cn", "https://yiwang.zhejiang.gov.cn" + TrustListPath},
		{"https://yiwang.zhejiang.gov.cn/node/", "https://yiwang.zhejiang.gov.cn/node" + TrustListPath},
		{"http://127.0.0.1:18081", "http://127.0.0.1:18081" + TrustListPath},
		{"http://[::1]:18081", "http://[::1]:18081" + TrustListPath},
		{"http://localhost:18081", "http://localhost:18081" + TrustListPath},
		{"http://127.0.0.1", ""},
		{"http://yiwang.zhejiang.gov.cn", ""},
		{"ftp://yiwang.zhejiang.gov.cn", ""},
		{"https://user:pw@yiwang.zhejiang.gov.cn", ""},
		{"https://yiwang.zhejiang.gov.cn#x", ""},
		{"yiwang.zhejiang.gov.cn", ""},
	} {
		got, err := trustListURL(tc.endpoint)
		if got != tc.want || (err == nil) != (tc.want != "") {
			t.Errorf("trustListURL(%q) = %q, %v; want %q", tc.endpoint, got, err, tc.want)
		}
	}
}

// Import takes anything as the published list: it answers a classified error, never a panic or
// an internal error, and stores only what the peer's key signed.
func FuzzImport(f *testing.F) {
	r := newRig(f, store.SQLite, fujian, "福建省", "https://yiwang.fujian.example.cn", nil)
	zj := newFakePeer(f, zhejiang, "浙江省")
	r.approved(f, zj)
	good := zj.sign(f, zj.list(f, 1, r.clock.Now()))
	f.Add(good)
	f.Add([]byte(`{"body":"e30=","alg":"SM2","kid":"x","sig":""}`))
	f.Add([]byte(`{"body":"` + base64.StdEncoding.EncodeToString([]byte(`{"node":"330000"}`)) + `","alg":"ES256"}`))
	f.Add([]byte(`null`))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		imp, err := r.svc.Import(as(officeAdmin), zhejiang, b)
		switch errs.KindOf(err) {
		case "":
			if imp.Peer != zhejiang || imp.Version < 1 {
				t.Fatalf("imported %+v", imp)
			}
		case errs.Invalid, errs.Conflict, errs.TooLarge:
		default:
			t.Fatalf("import: %v", err)
		}
	})
}

// Every message key the package uses is translated.
func TestMessagesExist(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	keyRE := regexp.MustCompile(`"(federation\.(?:error|status)\.[a-z_]+)"`)
	found := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyRE.FindAllStringSubmatch(string(b), -1) {
			found[m[1]] = true
		}
	}
	for _, st := range []PeerStatus{PeerPending, PeerApproved, PeerSuspended} {
		found["federation.status."+string(st)] = true
	}
	if len(found) < 25 {
		t.Fatalf("found only %d keys", len(found))
	}
	for k := range found {
		if !i18n.Has(k) {
			t.Errorf("message %s has no texts", k)
		}
	}
}
