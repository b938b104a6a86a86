package api_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	tlogfmt "github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"github.com/yiwang-platform/yiwang/internal/api"
	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/ledger"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// ledgerNode is a node serving a transparency log (and, when it has logs to witness, a witness)
// through the API's real routes. Requests say who they are with the X-Test-As header.
type ledgerNode struct {
	db      *store.DB
	log     *ledger.Log
	witness *ledger.Witness
	vkey    string
	wkey    string // the witness's verifier key
	h       http.Handler
}

// testPrincipals are who X-Test-As names.
var testPrincipals = map[string]principal.Principal{
	"official": {Kind: principal.Official, Login: "gxt.officer", OrgCode: "fj-miit", Via: "session"},
	"system": {Kind: principal.Client, Login: "demo-data-sync", ClientID: "demo-data-sync", OrgCode: "fj-bdc",
		Scopes: []string{principal.ScopeAPIRead, principal.ScopeAPIWrite}, Via: "client"},
	"resident": {Kind: principal.Resident, Login: "zhang", RealNameLevel: 2, Via: "session"},
	"reader":   {Kind: principal.Official, Login: "kjt.officer", OrgCode: "fj-kjt", Scopes: []string{principal.ScopeAPIRead}, Via: "token"},
}

func noteKeys(t testing.TB, name string) (note.Signer, string) {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return s, vkey
}

func newLedgerNode(t testing.TB, db *store.DB, origin string, peers []ledger.WitnessPeer, witnessed ...ledger.WitnessedLog) *ledgerNode {
	t.Helper()
	signer, vkey := noteKeys(t, origin)
	l, err := ledger.New(db, ledger.Config{Origin: origin, Signer: signer, VerifierKey: vkey, Witnesses: peers,
		Interval: 20 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	n := &ledgerNode{db: db, log: l, vkey: vkey}
	if len(witnessed) > 0 {
		ws, wkey := noteKeys(t, "witness."+origin)
		if n.witness, err = ledger.NewWitness(db, ledger.WitnessConfig{Signer: ws, Logs: witnessed}); err != nil {
			t.Fatal(err)
		}
		n.wkey = wkey
	}
	high := httpserver.Limit{PerSecond: 1e6, Burst: 1e6}
	srv, err := httpserver.New(httpserver.Config{
		Logger:     slog.New(slog.DiscardHandler),
		RateLimits: map[string]httpserver.Limit{httpserver.ClassAPI: high, httpserver.ClassLogin: high, httpserver.ClassPublic: high, httpserver.ClassVerify: high},
		Authenticate: func(r *http.Request) (principal.Principal, error) {
			if p, ok := testPrincipals[r.Header.Get("X-Test-As")]; ok {
				return p, nil
			}
			return principal.Principal{Kind: principal.Anonymous}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	api.New(api.Config{DB: db, Ledger: l, Witness: n.witness, Version: "test"}).Install(srv)
	n.h = srv.Handler()
	return n
}

func as(who string) map[string]string { return map[string]string{"X-Test-As": who} }

const (
	ledgerOrigin = "yiwang.test/350000/ledger"
	docSM3       = "sm3:66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
)

func licence(i int) ledger.Entry {
	return ledger.Entry{Type: ledger.TypeLicenceIssued, Digest: fmt.Sprintf("sha256:%064x", i), Org: "fj-miit", Subject: fmt.Sprintf("闽证%05d", i)}
}

// ledgerScenarios run in order over a log of five licence entries.
var ledgerScenarios = []scenario{
	{name: "ledger: entries, public", method: "GET", url: "/api/v1/ledger/entries", status: 200,
		want: map[string]any{"#": 5, "0.index": 0, "0.type": "licence.issued", "0.org": "fj-miit", "0.subject": "闽证00000",
			"0.digest": fmt.Sprintf("sha256:%064x", 0), "0.time": "2026-03-02T01:00:00Z", "0.leaf_hash": present, "0.leaf_data": present}},
	{name: "ledger: entries, a page", method: "GET", url: "/api/v1/ledger/entries?from=3&limit=1", status: 200,
		want: map[string]any{"#": 1, "0.index": 3}},
	{name: "ledger: entries, past the end", method: "GET", url: "/api/v1/ledger/entries?from=99", status: 200, want: map[string]any{"#": 0}},
	{name: "ledger: entries, negative from", method: "GET", url: "/api/v1/ledger/entries?from=-1", status: 400,
		want: fieldErr("from", zh("ledger.error.bad_number", "from", "-1"))},
	{name: "ledger: entries, from not a number", method: "GET", url: "/api/v1/ledger/entries?from=abc", status: 400,
		want: fieldErr("from", zh("ledger.error.bad_number", "from", "abc"))},
	{name: "ledger: entries, limit over 1000", method: "GET", url: "/api/v1/ledger/entries?limit=1001", status: 400,
		want: fieldErr("limit", zh("ledger.error.bad_number", "limit", "1001"))},
	{name: "ledger: entries, limit 0", method: "GET", url: "/api/v1/ledger/entries?limit=0", status: 400,
		want: fieldErr("limit", zh("ledger.error.bad_number", "limit", "0"))},
	{name: "ledger: one entry", method: "GET", url: "/api/v1/ledger/entries/0", status: 200,
		want: map[string]any{"index": 0, "subject": "闽证00000", "leaf_hash": present}},
	{name: "ledger: no such entry", method: "GET", url: "/api/v1/ledger/entries/5", status: 404,
		want: errWant("not_found", zh("ledger.error.no_such_entry", 5))},
	{name: "ledger: entry index not a number", method: "GET", url: "/api/v1/ledger/entries/x", status: 404,
		want: with(errWant("not_found", zh("api.error.bad_id", "x")), "error.field", "index")},
	{name: "ledger: inclusion proof", method: "GET", url: "/api/v1/ledger/proof/inclusion?index=1&size=5", status: 200,
		want: map[string]any{"index": 1, "size": 5, "proof.#": 3, "leaf_hash": present, "checkpoint": absent}},
	{name: "ledger: inclusion proof in the latest checkpoint", method: "GET", url: "/api/v1/ledger/proof/inclusion?index=4", status: 200,
		want: map[string]any{"index": 4, "size": 5, "proof.#": 1, "checkpoint": present}},
	{name: "ledger: inclusion proof without index", method: "GET", url: "/api/v1/ledger/proof/inclusion?size=5", status: 400,
		want: fieldErr("index", zh("error.required"))},
	{name: "ledger: inclusion proof, index outside the tree", method: "GET", url: "/api/v1/ledger/proof/inclusion?index=5&size=5", status: 400,
		want: fieldErr("index", zh("ledger.error.bad_index", 5, 5))},
	{name: "ledger: inclusion proof, tree larger than the log", method: "GET", url: "/api/v1/ledger/proof/inclusion?index=1&size=6", status: 400,
		want: fieldErr("size", zh("ledger.error.bad_size", 6, 5))},
	{name: "ledger: inclusion proof, size beyond int64", method: "GET", url: "/api/v1/ledger/proof/inclusion?index=1&size=99999999999999999999", status: 400,
		want: fieldErr("size", zh("ledger.error.bad_number", "size", "99999999999999999999"))},
	{name: "ledger: consistency proof", method: "GET", url: "/api/v1/ledger/proof/consistency?from=3&to=5", status: 200,
		want: map[string]any{"from": 3, "to": 5, "proof.#": 4, "checkpoint": absent}},
	{name: "ledger: consistency proof to the latest checkpoint", method: "GET", url: "/api/v1/ledger/proof/consistency?from=2", status: 200,
		want: map[string]any{"from": 2, "to": 5, "proof.#": 2, "checkpoint": present}},
	{name: "ledger: consistency proof from the empty tree", method: "GET", url: "/api/v1/ledger/proof/consistency?from=0&to=5", status: 200,
		want: map[string]any{"proof.#": 0}},
	{name: "ledger: consistency proof backwards", method: "GET", url: "/api/v1/ledger/proof/consistency?from=5&to=3", status: 400,
		want: fieldErr("from", zh("ledger.error.bad_from_size", 5, 3))},
	{name: "ledger: consistency proof without from", method: "GET", url: "/api/v1/ledger/proof/consistency", status: 400,
		want: fieldErr("from", zh("error.required"))},
	{name: "ledger: checkpoints, public", method: "GET", url: "/api/v1/ledger/checkpoints", status: 200,
		want: map[string]any{"#": 1, "0.size": 5, "0.root_hash": present, "0.note": present, "0.verifier_key": present, "0.signed_at": present}},
	{name: "ledger: checkpoints, bad limit", method: "GET", url: "/api/v1/ledger/checkpoints?limit=x", status: 400,
		want: fieldErr("limit", zh("ledger.error.bad_number", "limit", "x"))},

	{name: "ledger: notarise, anonymous", method: "POST", url: "/api/v1/ledger/notarisations", body: `{"digest":"` + docSM3 + `"}`,
		status: 401, want: unauthenticated},
	{name: "ledger: notarise, a resident", method: "POST", url: "/api/v1/ledger/notarisations", header: as("resident"),
		body: `{"digest":"` + docSM3 + `"}`, status: 403, want: errWant("forbidden", zh("ledger.error.notarise_forbidden"))},
	{name: "ledger: notarise, a read-only token", method: "POST", url: "/api/v1/ledger/notarisations", header: as("reader"),
		body: `{"digest":"` + docSM3 + `"}`, status: 403, want: errWant("forbidden", zh("error.token_read_only"))},
	{name: "ledger: notarise, no digest", method: "POST", url: "/api/v1/ledger/notarisations", header: as("official"),
		body: `{"subject":"x"}`, status: 400, want: fieldErr("digest", zh("error.required"))},
	{name: "ledger: notarise, MD5", method: "POST", url: "/api/v1/ledger/notarisations", header: as("official"),
		body: `{"digest":"md5:d41d8cd98f00b204e9800998ecf8427e"}`, status: 400, want: fieldErr("digest", zh("ledger.error.digest_algorithm"))},
	{name: "ledger: notarise, an ID number as subject", method: "POST", url: "/api/v1/ledger/notarisations", header: as("official"),
		body: `{"digest":"` + docSM3 + `","subject":"申请人350102198803150461"}`, status: 400,
		want: fieldErr("subject", zh("ledger.error.subject_id_number"))},
	{name: "ledger: notarise, unknown field", method: "POST", url: "/api/v1/ledger/notarisations", header: as("official"),
		body: `{"digest":"` + docSM3 + `","name":"张三"}`, status: 400, want: fieldErr("name", zh("api.error.unknown_field", "name"))},
	{name: "ledger: notarise", method: "POST", url: "/api/v1/ledger/notarisations", header: as("official"),
		body: `{"digest":"` + docSM3 + `","subject":"闽工信函〔2026〕12号"}`, status: 201,
		want: map[string]any{"entry.index": 5, "entry.type": "notarisation", "entry.org": "fj-miit", "entry.digest": docSM3,
			"size": 6, "proof.#": 2, "leaf_hash": present, "checkpoint": present, "log_key": present},
		audit: []string{"ledger.notarised"}},
	{name: "ledger: notarise, a department system", method: "POST", url: "/api/v1/ledger/notarisations", header: as("system"),
		body: `{"digest":"` + docSM3 + `"}`, status: 201, want: map[string]any{"entry.index": 6, "entry.org": "fj-bdc", "size": 7},
		audit: []string{"ledger.notarised"}},
	{name: "ledger: the notarisations are entries", method: "GET", url: "/api/v1/ledger/entries?from=5", status: 200,
		want: map[string]any{"#": 2, "0.type": "notarisation", "1.org": "fj-bdc"}},
}

// platformLedgerScenarios run in the main table, over the platform's own ledger, whatever
// entries the demo made: they cover every ledger route of /api/v1 as the demo's people.
var platformLedgerScenarios = []scenario{
	{name: "ledger (platform): entries", method: "GET", url: "/api/v1/ledger/entries?limit=1000", status: 200},
	{name: "ledger (platform): no such entry", method: "GET", url: "/api/v1/ledger/entries/999999999", status: 404,
		want: errWant("not_found", zh("ledger.error.no_such_entry", 999999999))},
	{name: "ledger (platform): notarise, anonymous", method: "POST", url: "/api/v1/ledger/notarisations",
		body: `{"digest":"` + docSM3 + `"}`, status: 401, want: unauthenticated},
	{name: "ledger (platform): notarise, a resident", method: "POST", url: "/api/v1/ledger/notarisations", as: demo.Residents[0].Phone,
		body: `{"digest":"` + docSM3 + `"}`, status: 403, want: errWant("forbidden", zh("ledger.error.notarise_forbidden"))},
	{name: "ledger (platform): notarise, an official", method: "POST", url: "/api/v1/ledger/notarisations", as: gxt,
		body: `{"digest":"` + docSM3 + `","subject":"闽工信函〔2026〕12号"}`, status: 201,
		want:  map[string]any{"entry.type": "notarisation", "entry.org": "fj-miit", "checkpoint": present, "log_key": present},
		audit: []string{"ledger.notarised"}, save: map[string]string{"ledgerIndex": "entry.index"}},
	{name: "ledger (platform): the notarised entry", method: "GET", url: "/api/v1/ledger/entries/{ledgerIndex}", status: 200,
		want: map[string]any{"index": "{ledgerIndex}", "type": "notarisation", "digest": docSM3}},
	{name: "ledger (platform): its inclusion proof", method: "GET", url: "/api/v1/ledger/proof/inclusion?index={ledgerIndex}", status: 200,
		want: map[string]any{"index": "{ledgerIndex}", "checkpoint": present, "leaf_hash": present}},
	{name: "ledger (platform): consistency with the latest checkpoint", method: "GET", url: "/api/v1/ledger/proof/consistency?from={ledgerIndex}",
		status: 200, want: map[string]any{"from": "{ledgerIndex}", "checkpoint": present}},
	{name: "ledger (platform): checkpoints", method: "GET", url: "/api/v1/ledger/checkpoints", status: 200, want: map[string]any{"0.note": present}},
}

func init() { scenarios = append(scenarios, platformLedgerScenarios...) }

func TestLedgerAPI(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		n := newLedgerNode(t, db, ledgerOrigin, nil)
		for i := range 5 {
			if _, err := n.log.Append(context.Background(), licence(i)); err != nil {
				t.Fatal(err)
			}
		}
		saved := map[string]string{}
		for _, sc := range ledgerScenarios {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, n.h, db, nil, saved) })
		}
	})
}

// get fetches path from a node over HTTP and returns its body, failing the test unless the
// status is want.
func get(t *testing.T, base, path string, want int) ([]byte, http.Header) {
	t.Helper()
	resp, err := http.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %d, want %d: %.300s", path, resp.StatusCode, want, body)
	}
	return body, resp.Header
}

func getJSON(t *testing.T, base, path string, v any) {
	t.Helper()
	body, _ := get(t, base, path, 200)
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

func unb64(t *testing.T, ss ...string) [][]byte {
	t.Helper()
	out := make([][]byte, len(ss))
	for i, s := range ss {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = b
	}
	return out
}

// TestLedgerProofsVerifyIndependently is the acceptance test: a client that knows only HTTP,
// transparency-dev/merkle, transparency-dev/formats and sumdb/note — none of Yiwang's ledger
// code — verifies the checkpoint's signature, an entry's inclusion proof and a consistency
// proof that the node serves.
func TestLedgerProofsVerifyIndependently(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		node := newLedgerNode(t, db, ledgerOrigin, nil)
		srv := httptest.NewServer(node.h)
		defer srv.Close()
		for i := range 13 {
			if _, err := node.log.Append(context.Background(), licence(i)); err != nil {
				t.Fatal(err)
			}
		}
		verifyIndependently(t, srv.URL, 0)
		// A notarisation over HTTP, then everything again against the grown tree.
		req, _ := http.NewRequest("POST", srv.URL+"/api/v1/ledger/notarisations", strings.NewReader(`{"digest":"`+docSM3+`"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Test-As", "official")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 201 {
			t.Fatalf("notarise: %v %v", resp, err)
		}
		var receipt struct {
			Entry      struct{ Index int64 }
			LeafHash   string `json:"leaf_hash"`
			Size       int64
			Proof      []string
			Checkpoint string
		}
		if err := json.NewDecoder(resp.Body).Decode(&receipt); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		key, _ := get(t, srv.URL, "/ledger/key", 200)
		v, err := note.NewVerifier(strings.TrimSpace(string(key)))
		if err != nil {
			t.Fatal(err)
		}
		cp, _, _, err := tlogfmt.ParseCheckpoint([]byte(receipt.Checkpoint), ledgerOrigin, v)
		if err != nil {
			t.Fatal(err)
		}
		if err := proof.VerifyInclusion(rfc6962.DefaultHasher, uint64(receipt.Entry.Index), cp.Size, unb64(t, receipt.LeafHash)[0],
			unb64(t, receipt.Proof...), cp.Hash); err != nil {
			t.Errorf("the receipt's proof: %v", err)
		}
		verifyIndependently(t, srv.URL, 13)
	})
}

func verifyIndependently(t *testing.T, base string, earlier uint64) {
	t.Helper()
	key, _ := get(t, base, "/ledger/key", 200)
	v, err := note.NewVerifier(strings.TrimSpace(string(key)))
	if err != nil {
		t.Fatal(err)
	}
	msg, hdr := get(t, base, "/ledger/checkpoint", 200)
	if !strings.HasPrefix(hdr.Get("Content-Type"), "text/plain") {
		t.Errorf("checkpoint Content-Type %q", hdr.Get("Content-Type"))
	}
	if _, err := note.Open(msg, note.VerifierList(v)); err != nil {
		t.Fatalf("note.Open: %v", err)
	}
	origin, _, _ := strings.Cut(string(msg), "\n")
	cp, _, _, err := tlogfmt.ParseCheckpoint(msg, origin, v)
	if err != nil {
		t.Fatalf("ParseCheckpoint: %v\n%s", err, msg)
	}
	hasher := rfc6962.DefaultHasher
	for index := uint64(0); index < cp.Size; index++ {
		var entry struct {
			Index    uint64 `json:"index"`
			LeafData string `json:"leaf_data"`
		}
		getJSON(t, base, fmt.Sprintf("/api/v1/ledger/entries/%d", index), &entry)
		var p struct {
			Proof []string `json:"proof"`
		}
		getJSON(t, base, fmt.Sprintf("/api/v1/ledger/proof/inclusion?index=%d&size=%d", index, cp.Size), &p)
		leaf := hasher.HashLeaf(unb64(t, entry.LeafData)[0])
		if err := proof.VerifyInclusion(hasher, index, cp.Size, leaf, unb64(t, p.Proof...), cp.Hash); err != nil {
			t.Errorf("inclusion of %d in %d: %v", index, cp.Size, err)
		}
	}
	if earlier > 0 {
		var cps []struct {
			Size     uint64 `json:"size"`
			Note     string `json:"note"`
			RootHash string `json:"root_hash"`
		}
		getJSON(t, base, "/api/v1/ledger/checkpoints", &cps)
		var old *tlogfmt.Checkpoint
		for _, c := range cps {
			if c.Size == earlier {
				if old, _, _, err = tlogfmt.ParseCheckpoint([]byte(c.Note), origin, v); err != nil {
					t.Fatal(err)
				}
			}
		}
		if old == nil {
			t.Fatalf("no checkpoint of size %d in %+v", earlier, cps)
		}
		var p struct {
			Proof []string `json:"proof"`
		}
		getJSON(t, base, fmt.Sprintf("/api/v1/ledger/proof/consistency?from=%d&to=%d", earlier, cp.Size), &p)
		if err := proof.VerifyConsistency(hasher, earlier, cp.Size, unb64(t, p.Proof...), old.Hash, cp.Hash); err != nil {
			t.Errorf("consistency %d → %d: %v", earlier, cp.Size, err)
		}
	}
}

func TestLedgerTilesOverHTTP(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, store.SQLite, storetest.Options{})
	node := newLedgerNode(t, db, ledgerOrigin, nil)
	srv := httptest.NewServer(node.h)
	defer srv.Close()
	for i := range 5 {
		if _, err := node.log.Append(context.Background(), licence(i)); err != nil {
			t.Fatal(err)
		}
	}
	body, hdr := get(t, srv.URL, "/ledger/tile/8/0/000.p/5", 200)
	if len(body) != 5*32 || hdr.Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Errorf("hash tile: %d bytes, Cache-Control %q", len(body), hdr.Get("Cache-Control"))
	}
	data, _ := get(t, srv.URL, "/ledger/tile/8/data/000.p/5", 200)
	leaves, err := ledger.SplitDataTile(data)
	if err != nil || len(leaves) != 5 || !strings.HasPrefix(string(leaves[4]), "yiwang.ledger.entry/v1\n4\n") {
		t.Errorf("data tile: %q %v", leaves, err)
	}
	for _, p := range []string{"/ledger/tile/8/0/000.p/6", "/ledger/tile/8/0/000", "/ledger/tile/8/0/000.p/05", "/ledger/tile/4/0/000.p/5",
		"/ledger/tile/8/1/000.p/1", "/ledger/tile/x", "/ledger/tile/8/-1/000"} {
		get(t, srv.URL, p, 404)
	}
	key, _ := get(t, srv.URL, "/ledger/key", 200)
	if strings.TrimSpace(string(key)) != node.vkey {
		t.Errorf("key %q, want %q", key, node.vkey)
	}
}

// TestWitnessOverHTTP runs two logs and a witness as three nodes over HTTP: each log's Run gets
// its checkpoints cosigned and serves them with the cosignature; the witness refuses a stale
// size with 409 and its size, and a split view with 422, keeping it as evidence. An audit over
// HTTP checks a log from its read API.
func TestWitnessOverHTTP(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, wdb *store.DB) {
		// The witness must know the logs' keys before the logs know its URL: make the logs' keys
		// through nodes without witnesses first, then the real ones over the same databases.
		dbA, dbB := storetest.Open(t, store.SQLite, storetest.Options{}), storetest.Open(t, store.SQLite, storetest.Options{})
		sa, vka := noteKeys(t, "a.yiwang.test/ledger")
		sb, vkb := noteKeys(t, "b.yiwang.test/ledger")
		w := newLedgerNode(t, wdb, "w.yiwang.test/ledger", nil,
			ledger.WitnessedLog{Origin: "a.yiwang.test/ledger", VerifierKey: vka}, ledger.WitnessedLog{Origin: "b.yiwang.test/ledger", VerifierKey: vkb})
		wsrv := httptest.NewServer(w.h)
		defer wsrv.Close()
		peer := []ledger.WitnessPeer{{URL: wsrv.URL + "/ledger/witness", VerifierKey: w.wkey}}
		logs := map[string]*ledger.Log{}
		servers := map[string]*httptest.Server{}
		for name, k := range map[string]struct {
			s    note.Signer
			vkey string
			db   *store.DB
		}{"a": {sa, vka, dbA}, "b": {sb, vkb, dbB}} {
			l, err := ledger.New(k.db, ledger.Config{Origin: name + ".yiwang.test/ledger", Signer: k.s, VerifierKey: k.vkey, Witnesses: peer,
				Interval: 20 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			srv, err := httpserver.New(httpserver.Config{Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			api.New(api.Config{DB: k.db, Ledger: l, Version: "test"}).Install(srv)
			servers[name] = httptest.NewServer(srv.Handler())
			defer servers[name].Close()
			logs[name] = l
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		for _, l := range logs {
			go l.Run(ctx)
		}
		wv, err := note.NewVerifier(w.wkey)
		if err != nil {
			t.Fatal(err)
		}
		for round := 1; round <= 2; round++ {
			for name, l := range logs {
				for i := range 3 * round {
					if _, err := l.Append(context.Background(), licence(i)); err != nil {
						t.Fatal(err)
					}
				}
				size, _ := l.Size(context.Background())
				lv, _ := note.NewVerifier(l.VerifierKey())
				deadline := time.Now().Add(10 * time.Second)
				for {
					msg, _ := get(t, servers[name].URL, "/ledger/checkpoint", 200)
					cp, _, n, err := tlogfmt.ParseCheckpoint(msg, l.Origin(), lv, wv)
					if err == nil && int64(cp.Size) == size && len(n.Sigs) == 2 {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("log %s: no cosigned checkpoint of size %d: %v\n%s", name, size, err, msg)
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
		}
		cancel()

		// The witness protocol's refusals over HTTP.
		post := func(body string) (int, string, string) {
			resp, err := http.Post(wsrv.URL+"/ledger/witness/add-checkpoint", "text/plain", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
		}
		msgA, err := logs["a"].Checkpoint(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if code, ct, body := post(string(ledger.FormatAddCheckpoint(3, nil, msgA))); code != 409 || ct != "text/x.tlog.size" || body != "9\n" {
			t.Errorf("stale old size: %d %q %q", code, ct, body)
		}
		// A fork of log a: same key, another history, offered as the next checkpoint.
		forkDB := storetest.Open(t, store.SQLite, storetest.Options{})
		fork, err := ledger.New(forkDB, ledger.Config{Origin: "a.yiwang.test/ledger", Signer: sa, VerifierKey: vka})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 12 {
			if _, err := fork.Append(context.Background(), licence(100+i)); err != nil {
				t.Fatal(err)
			}
		}
		forkMsg, _ := fork.Checkpoint(context.Background())
		forkProof, _ := fork.ConsistencyProof(context.Background(), 9, 12)
		if code, _, body := post(string(ledger.FormatAddCheckpoint(9, forkProof, forkMsg))); code != 422 {
			t.Errorf("split view: %d %q", code, body)
		}
		ev, err := w.witness.Evidence(context.Background(), 10)
		if err != nil || len(ev) != 1 || ev[0].Origin != "a.yiwang.test/ledger" {
			t.Errorf("evidence: %+v %v", ev, err)
		}
		if code, _, _ := post("old x\n\n"); code != 400 {
			t.Errorf("garbage: %d", code)
		}
		if code, _, _ := post(string(ledger.FormatAddCheckpoint(0, nil, []byte("c.yiwang.test/ledger\n1\n"+strings.Repeat("A", 43)+"=\n\n— c.yiwang.test/ledger AAAAAAA=\n")))); code != 404 {
			t.Errorf("unknown log: %d", code)
		}

		// An audit over HTTP, of an honest log and then of one whose entry was edited.
		rep, err := ledger.Audit(context.Background(), ledger.HTTPSource(servers["a"].URL, nil), vka)
		if err != nil || !rep.OK() || rep.EntriesChecked != 9 {
			t.Errorf("HTTP audit: %v\n%s", err, rep.Describe())
		}
		if _, err := dbA.SQL().ExecContext(context.Background(), `DROP TRIGGER ledger_entries_no_update`); err != nil {
			t.Fatal(err)
		}
		if _, err := dbA.SQL().ExecContext(context.Background(), `UPDATE ledger_entries SET subject = 'x' WHERE idx = 4`); err != nil {
			t.Fatal(err)
		}
		rep, err = ledger.Audit(context.Background(), ledger.HTTPSource(servers["a"].URL, nil), vka)
		if err != nil || rep.FirstBadEntry != 4 {
			t.Errorf("HTTP audit of an edited entry: %v\n%s", err, rep.Describe())
		}
	})
}
