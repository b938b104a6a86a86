package nodecall_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/nodecall"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// peerSet is a node's trust in its peers, as the federation's trust lists give it.
type peerSet struct {
	keys      credential.Keys
	endpoints map[string]string
}

func (p peerSet) TrustedKey(kid string) (credential.TrustedKey, bool) { return p.keys.TrustedKey(kid) }

func (p peerSet) Endpoint(_ context.Context, node string) (string, error) {
	e, ok := p.endpoints[node]
	if !ok {
		return "", errs.E(errs.NotFound, "nodecall.error.no_peer", node)
	}
	return e, nil
}

// identityOf is the identity of a key of ks, speaking as node.
func identityOf(t *testing.T, ks *keys.Service, node, orgCode, purpose string, alg keys.Algorithm) nodecall.Identity {
	t.Helper()
	sg, err := ks.EnsureSigner(principal.With(context.Background(), principal.SystemPrincipal), orgCode, purpose, alg)
	if err != nil {
		t.Fatal(err)
	}
	calg := credential.SM2
	if alg == keys.ECDSAP256 {
		calg = credential.ES256
	}
	return nodecall.Identity{Node: node, KeyID: sg.Key().ID, Alg: calg, Signer: sg}
}

func fixed(id nodecall.Identity) func(context.Context) (nodecall.Identity, error) {
	return func(context.Context) (nodecall.Identity, error) { return id, nil }
}

// roundTrip lets a test see and change what the client sends.
type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

type echoIn struct {
	Text string `json:"text"`
}

type echoOut struct {
	Caller string `json:"caller"`
	Text   string `json:"text"`
}

// echo answers the caller and the text; "bad" is an invalid field, "boom" an internal error.
func echo(_ context.Context, caller string, body []byte) (any, error) {
	var in echoIn
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, errs.Wrapf(errs.Invalid, err, "nodecall.error.body")
	}
	switch in.Text {
	case "bad":
		return nil, errs.Field("text", "nodecall.error.no_peer", "X")
	case "boom":
		return nil, errors.New("pq: password authentication failed for user admin")
	}
	return echoOut{Caller: caller, Text: in.Text}, nil
}

const (
	nodeA   = "330000" // the callee
	nodeB   = "350000" // the caller
	orgCode = "fj-market-regulation"
	credit  = "11350000003591514P"
)

// TestCalls runs node A's server and node B's client over loopback with real keys of each
// algorithm: a good call and error answers pass; tampered bodies, organisation keys, unknown
// nodes, replays, skewed dates and forged answers do not.
func TestCalls(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, clock.China)
	for _, alg := range []keys.Algorithm{keys.SM2, keys.ECDSAP256} {
		t.Run(string(alg), func(t *testing.T) {
			clk := clock.NewFake(start)
			storetest.EachWith(t, storetest.Options{Clock: clk}, func(t *testing.T, db *store.DB) {
				testCalls(t, db, clk, alg)
			})
		})
	}
}

func testCalls(t *testing.T, db *store.DB, clk *clock.Fake, alg keys.Algorithm) {
	ctx := context.Background()
	if _, err := org.Seed(principal.With(ctx, principal.SystemPrincipal), db, org.Directory()); err != nil {
		t.Fatal(err)
	}
	ks, err := keys.New(db, keys.NewMasterKey(), keys.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Both nodes' keys in one key service, under purposes of their own.
	aNode := identityOf(t, ks, nodeA, org.DigitalOffice, "node-a", alg)
	aOrg := identityOf(t, ks, nodeA, orgCode, "issuer-a", alg)
	bNode := identityOf(t, ks, nodeB, org.DigitalOffice, "node-b", alg)
	bOrg := identityOf(t, ks, nodeB, orgCode, "issuer-b", alg)
	stranger := identityOf(t, ks, "440000", org.DigitalOffice, "node-c", alg)
	trusted := func(ids ...nodecall.Identity) credential.Keys {
		out := credential.Keys{}
		for _, id := range ids {
			owner := id.Node
			if id == aOrg || id == bOrg {
				owner += "/" + credit
			}
			out[id.KeyID] = credential.TrustedKey{Public: id.Signer.Public(), Owner: owner}
		}
		return out
	}

	// Node A trusts B (its node and organisation keys); B trusts A likewise.
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	aPeers := peerSet{keys: trusted(bNode, bOrg), endpoints: map[string]string{nodeB: "https://fj.example"}}
	srv := nodecall.NewServer(db, fixed(aNode), aPeers)
	srv.Logger = quiet
	orgSigned := nodecall.NewServer(db, fixed(aOrg), aPeers) // answers under an organisation's key
	orgSigned.Logger = quiet
	mux := http.NewServeMux()
	mux.Handle("POST /calls/echo", srv.Handler(echo))
	mux.Handle("POST /calls/org-signed", orgSigned.Handler(echo))
	mux.Handle("POST /calls/tampered-answer", tamperAnswer(srv.Handler(echo)))
	hs := httptest.NewServer(mux)
	defer hs.Close()
	bPeers := peerSet{keys: trusted(aNode, aOrg), endpoints: map[string]string{nodeA: hs.URL}}

	// The last request the client sent, to replay it.
	var mu sync.Mutex
	var lastHeader http.Header
	var lastBody []byte
	record := roundTrip(func(r *http.Request) (*http.Response, error) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		lastHeader, lastBody = r.Header.Clone(), b
		mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(b))
		return http.DefaultTransport.RoundTrip(r)
	})
	tamper := roundTrip(func(r *http.Request) (*http.Response, error) {
		b, _ := io.ReadAll(r.Body)
		b = bytes.Replace(b, []byte("hello"), []byte("HELLO"), 1)
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
		return http.DefaultTransport.RoundTrip(r)
	})
	client := func(id nodecall.Identity, rt http.RoundTripper, skew time.Duration) *nodecall.Client {
		c := nodecall.NewClient(fixed(id), bPeers, &http.Client{Transport: rt})
		c.Clock = clock.NewFake(clk.Now().Add(skew))
		return c
	}

	for _, tc := range []struct {
		name   string
		c      *nodecall.Client
		node   string
		path   string
		text   string
		kind   errs.Kind // "" for success
		status int       // the peer's signed status, 0 when no answer is taken
		field  string
	}{
		{name: "good call", c: client(bNode, record, 0), node: nodeA, path: "/calls/echo", text: "hello"},
		{name: "invalid field answered", c: client(bNode, nil, 0), node: nodeA, path: "/calls/echo", text: "bad",
			kind: errs.Invalid, status: http.StatusBadRequest, field: "text"},
		{name: "internal error hidden", c: client(bNode, nil, 0), node: nodeA, path: "/calls/echo", text: "boom",
			kind: errs.Unavailable, status: http.StatusInternalServerError},
		{name: "tampered body", c: client(bNode, tamper, 0), node: nodeA, path: "/calls/echo", text: "hello",
			kind: errs.Forbidden, status: http.StatusUnauthorized},
		{name: "organisation key for the node", c: client(nodecall.Identity{Node: nodeB, KeyID: bOrg.KeyID, Alg: bOrg.Alg,
			Signer: bOrg.Signer}, nil, 0), node: nodeA, path: "/calls/echo", text: "hello",
			kind: errs.Forbidden, status: http.StatusUnauthorized},
		{name: "node key under another key id", c: client(nodecall.Identity{Node: nodeB, KeyID: bOrg.KeyID, Alg: bNode.Alg,
			Signer: bNode.Signer}, nil, 0), node: nodeA, path: "/calls/echo", text: "hello",
			kind: errs.Forbidden, status: http.StatusUnauthorized},
		{name: "unknown node", c: client(stranger, nil, 0), node: nodeA, path: "/calls/echo", text: "hello",
			kind: errs.Forbidden, status: http.StatusUnauthorized},
		{name: "not a peer of the caller", c: client(bNode, nil, 0), node: "440000", path: "/calls/echo", text: "hello",
			kind: errs.NotFound},
		{name: "date ahead", c: client(bNode, nil, 6*time.Minute), node: nodeA, path: "/calls/echo", text: "hello",
			kind: errs.Forbidden, status: http.StatusUnauthorized},
		{name: "date behind", c: client(bNode, nil, -6*time.Minute), node: nodeA, path: "/calls/echo", text: "hello",
			kind: errs.Forbidden, status: http.StatusUnauthorized},
		{name: "date within the window", c: client(bNode, nil, 4*time.Minute), node: nodeA, path: "/calls/echo", text: "hello"},
		{name: "answer signed by an organisation key", c: client(bNode, nil, 0), node: nodeA, path: "/calls/org-signed",
			text: "hello", kind: errs.Unavailable},
		{name: "answer changed", c: client(bNode, nil, 0), node: nodeA, path: "/calls/tampered-answer", text: "hello",
			kind: errs.Unavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out echoOut
			err := tc.c.Call(nodecall.WithLanguage(ctx, i18n.En), tc.node, tc.path, echoIn{Text: tc.text}, &out)
			if tc.kind == "" {
				if err != nil {
					t.Fatal(err)
				}
				if out != (echoOut{Caller: nodeB, Text: tc.text}) {
					t.Errorf("answer %+v", out)
				}
				return
			}
			if got := errs.KindOf(err); got != tc.kind {
				t.Fatalf("Call: %v; kind %s, want %s", err, got, tc.kind)
			}
			var ae *nodecall.AnswerError
			switch {
			case tc.status == 0 && errors.As(err, &ae):
				t.Errorf("an answer was taken: %v", ae)
			case tc.status != 0 && (!errors.As(err, &ae) || ae.Status != tc.status):
				t.Errorf("Call: %v, want a signed %d answer", err, tc.status)
			}
			if e := errs.Public(err); e.Field != tc.field {
				t.Errorf("field %q, want %q", e.Field, tc.field)
			}
			if strings.Contains(err.Error(), "password") {
				t.Errorf("internal detail reached the caller: %v", err)
			}
			if tc.status == http.StatusUnauthorized && (ae == nil || ae.Message == "" || ae.Kind != errs.Unauthenticated) {
				t.Errorf("401 without its message: %+v", ae)
			}
		})
	}

	// The good call's request sent again is a replay.
	mu.Lock()
	req, err := http.NewRequest(http.MethodPost, hs.URL+"/calls/echo", bytes.NewReader(lastBody))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = lastHeader
	mu.Unlock()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), "unauthenticated") ||
		res.Header.Get(nodecall.HeaderSignature) == "" {
		t.Errorf("replay: %s %s (signed %q)", res.Status, body, res.Header.Get(nodecall.HeaderSignature))
	}

	// Nonces are kept for their window, then pruned.
	count := func() int {
		var n int
		if err := db.Get(ctx, &n, `SELECT COUNT(*) FROM node_call_nonces`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n < 3 {
		t.Errorf("%d nonces kept, want one per accepted call", n)
	}
	if n, err := srv.Prune(ctx); err != nil || n != 0 {
		t.Errorf("Prune within the window: %d, %v", n, err)
	}
	clk.Advance(12 * time.Minute)
	if n, err := srv.Prune(ctx); err != nil || n == 0 || count() != 0 {
		t.Errorf("Prune after the window: %d, %v; %d left", n, err, count())
	}
}

// tamperAnswer changes the answer's body after it was signed.
func tamperAnswer(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		body := bytes.Replace(rec.Body.Bytes(), []byte(nodeB), []byte("310000"), 1)
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	})
}

// TestBodyLimit refuses a call over the server's limit with a signed 413.
func TestBodyLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := org.Seed(principal.With(ctx, principal.SystemPrincipal), db, org.Directory()); err != nil {
			t.Fatal(err)
		}
		ks, err := keys.New(db, keys.NewMasterKey(), keys.Options{})
		if err != nil {
			t.Fatal(err)
		}
		a := identityOf(t, ks, nodeA, org.DigitalOffice, "node-a", keys.SM2)
		b := identityOf(t, ks, nodeB, org.DigitalOffice, "node-b", keys.SM2)
		srv := nodecall.NewServer(db, fixed(a), peerSet{keys: credential.Keys{b.KeyID: {Public: b.Signer.Public(), Owner: nodeB}},
			endpoints: map[string]string{nodeB: "https://fj.example"}})
		srv.MaxBody = 64
		srv.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
		hs := httptest.NewServer(srv.Handler(echo))
		defer hs.Close()
		c := nodecall.NewClient(fixed(b), peerSet{keys: credential.Keys{a.KeyID: {Public: a.Signer.Public(), Owner: nodeA}},
			endpoints: map[string]string{nodeA: hs.URL}}, nil)
		c.Clock = db.Clock()
		err = c.Call(ctx, nodeA, "/x", echoIn{Text: strings.Repeat("长", 64)}, nil)
		var ae *nodecall.AnswerError
		if !errs.Is(err, errs.TooLarge) || !errors.As(err, &ae) || ae.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("Call over the limit: %v", err)
		}
		if err := c.Call(ctx, nodeA, "/x", echoIn{Text: "short"}, nil); err != nil {
			t.Errorf("Call within the limit: %v", err)
		}
		if err := c.Call(ctx, nodeA, "/x?q=1", echoIn{Text: "short"}, nil); err == nil {
			t.Error("a path with a query was called")
		}
	})
}
