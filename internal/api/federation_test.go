package api_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"log/slog"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/app"
	"github.com/yiwang-platform/yiwang/internal/federation"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// The federation routes: anyone reads the trust list and the node key; the digital office's
// administrator registers, approves, suspends and fetches a peer (Zhejiang, at an endpoint
// nobody answers); its reviewer reads the peers but changes nothing; residents and other
// organisations' officials are refused. The two nodes' whole exchange is internal/app's
// TestFederationTwoNodes.
var federationScenarios = []scenario{
	{name: "federation: trust list, the public", method: "GET", url: "/api/v1/federation/trust-list", as: anon, status: 200,
		want:       map[string]any{"kid": present, "alg": "SM2", "body": present, "sig": present},
		wantHeader: map[string]string{"Content-Type": "application/json", "Cache-Control": "public, max-age=60"}},
	{name: "federation: node key, the public", method: "GET", url: "/api/v1/federation/node-key", as: anon, status: 200,
		want: map[string]any{"kid": present, "alg": "SM2", "pem": present, "fingerprint": present}},
	{name: "federation: peers, the public", method: "GET", url: "/api/v1/federation/peers", as: anon, status: 401, want: unauthenticated},
	{name: "federation: peers, a resident", method: "GET", url: "/api/v1/federation/peers", as: resident, status: 403,
		want: errWant("forbidden", zh("federation.error.forbidden"))},
	{name: "federation: peers, another organisation's administrator", method: "GET", url: "/api/v1/federation/peers", as: lwAdmin,
		status: 403, want: errWant("forbidden", zh("federation.error.forbidden"))},
	{name: "federation: register, the digital office's reviewer", method: "POST", url: "/api/v1/federation/peers", as: reviewer,
		body: fedPeerBody, status: 403, want: errWant("forbidden", zh("federation.error.forbidden"))},
	{name: "federation: register, another organisation's administrator", method: "POST", url: "/api/v1/federation/peers", as: lwAdmin,
		body: fedPeerBody, status: 403, want: errWant("forbidden", zh("federation.error.forbidden"))},
	{name: "federation: register, this node's code", method: "POST", url: "/api/v1/federation/peers", as: admin,
		body: `{"code":"350000","name":"福建省","endpoint":"https://127.0.0.1:1","public_key":"{peer_key}"}`, status: 400,
		want: map[string]any{"error.field": "code"}},
	{name: "federation: register, unknown field", method: "POST", url: "/api/v1/federation/peers", as: admin, body: `{"colour":"red"}`,
		status: 400, want: map[string]any{"error.field": "colour"}},
	{name: "federation: register", method: "POST", url: "/api/v1/federation/peers", as: admin, body: fedPeerBody, status: 201,
		want:  map[string]any{"code": "330000", "status": "pending", "fingerprint": "{peer_fp}", "version": 0, "pem": present},
		audit: []string{"federation.peer.register"}},
	{name: "federation: register again", method: "POST", url: "/api/v1/federation/peers", as: admin, body: fedPeerBody, status: 409},
	{name: "federation: peers, the reviewer", method: "GET", url: "/api/v1/federation/peers", as: reviewer, status: 200,
		want: map[string]any{"#": 1, "0.code": "330000", "0.status": "pending"}},
	{name: "federation: peer, a resident", method: "GET", url: "/api/v1/federation/peers/330000", as: resident, status: 403,
		want: errWant("forbidden", zh("federation.error.forbidden"))},
	{name: "federation: peer, unknown", method: "GET", url: "/api/v1/federation/peers/440000", as: reviewer, status: 404},
	{name: "federation: fetch, pending", method: "POST", url: "/api/v1/federation/peers/330000/fetch", as: admin, status: 409},
	{name: "federation: approve, the reviewer", method: "POST", url: "/api/v1/federation/peers/330000/approve", as: reviewer,
		body: `{"fingerprint":"{peer_fp}"}`, status: 403, want: errWant("forbidden", zh("federation.error.forbidden"))},
	{name: "federation: approve, another fingerprint", method: "POST", url: "/api/v1/federation/peers/330000/approve", as: admin,
		body: `{"fingerprint":"` + zeroFingerprint + `"}`, status: 400},
	{name: "federation: approve", method: "POST", url: "/api/v1/federation/peers/330000/approve", as: admin,
		body: `{"fingerprint":"{peer_fp}"}`, status: 200, want: map[string]any{"status": "approved", "approved_by": "official:szb.admin"},
		audit: []string{"federation.peer.approve"}},
	{name: "federation: fetch, a resident", method: "POST", url: "/api/v1/federation/peers/330000/fetch", as: resident, status: 403,
		want: errWant("forbidden", zh("federation.error.forbidden"))},
	{name: "federation: fetch, unreachable", method: "POST", url: "/api/v1/federation/peers/330000/fetch", as: admin, status: 503},
	{name: "federation: snapshot, a resident", method: "POST", url: "/api/v1/federation/peers/330000/snapshot", as: resident,
		status: 403, want: errWant("forbidden", zh("federation.error.forbidden"))},
	{name: "federation: snapshot, the reviewer", method: "POST", url: "/api/v1/federation/peers/330000/snapshot", as: reviewer,
		status: 403, want: errWant("forbidden", zh("federation.error.forbidden"))},
	{name: "federation: snapshot, no list yet", method: "POST", url: "/api/v1/federation/peers/330000/snapshot", as: admin,
		status: 409, want: errWant("conflict", zh("federation.error.no_peer_list", "浙江省"))},
	{name: "federation: snapshot, unknown peer", method: "POST", url: "/api/v1/federation/peers/440000/snapshot", as: admin,
		status: 404},
	{name: "federation: peer with its versions", method: "GET", url: "/api/v1/federation/peers/330000", as: reviewer, status: 200,
		want: map[string]any{"peer.code": "330000", "peer.status": "approved", "versions.#": 0}},
	{name: "federation: suspend, another organisation's administrator", method: "POST", url: "/api/v1/federation/peers/330000/suspend",
		as: lwAdmin, body: `{"reason":"x"}`, status: 403, want: errWant("forbidden", zh("federation.error.forbidden"))},
	{name: "federation: suspend without reason", method: "POST", url: "/api/v1/federation/peers/330000/suspend", as: admin,
		body: `{"reason":""}`, status: 400, want: map[string]any{"error.field": "reason"}},
	{name: "federation: suspend", method: "POST", url: "/api/v1/federation/peers/330000/suspend", as: admin,
		body: `{"reason":"节点密钥泄露"}`, status: 200, want: map[string]any{"status": "suspended", "suspend_reason": "节点密钥泄露"},
		audit: []string{"federation.peer.suspend"}},
}

const (
	fedPeerBody     = `{"code":"330000","name":"浙江省","endpoint":"https://127.0.0.1:1","public_key":"{peer_key}"}`
	zeroFingerprint = "0000000000000000000000000000000000000000000000000000000000000000"
)

// newFederationApp is newApp with a public URL, so that the federation service exists without
// Run, and this node's trust list published.
func newFederationApp(t *testing.T, db *store.DB) *app.App {
	t.Helper()
	high := httpserver.Limit{PerSecond: 1e6, Burst: 1e6}
	a, err := app.New(context.Background(), app.Config{
		DB: db, Demo: true, Version: "test", PublicURL: "https://yiwang.fujian.example.cn",
		Logger:     slog.New(slog.DiscardHandler),
		RateLimits: map[string]httpserver.Limit{httpserver.ClassAPI: high, httpserver.ClassLogin: high, httpserver.ClassPublic: high, httpserver.ClassVerify: high},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	if _, err := a.Federation().Publish(principal.With(context.Background(), principal.SystemPrincipal)); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestFederationAPI(t *testing.T) {
	t.Parallel()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newFederationApp(t, db)
		ss := &sessions{ids: a.Identity, tokens: map[string]string{}}
		saved := map[string]string{"peer_key": base64.StdEncoding.EncodeToString(der), "peer_fp": federation.Fingerprint(der)}
		for _, sc := range federationScenarios {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, a.Server.Handler(), db, ss, saved) })
		}
	})
}

// Without a public URL the federation service waits for Run to know the node's address, and
// its routes say so.
func TestFederationAPIWithoutEndpoint(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, store.SQLite, storetest.Options{})
	a := newApp(t, db)
	ss := &sessions{ids: a.Identity, tokens: map[string]string{}}
	for _, sc := range []scenario{
		{name: "trust list", method: "GET", url: "/api/v1/federation/trust-list", as: anon, status: 503},
		{name: "peers", method: "GET", url: "/api/v1/federation/peers", as: admin, status: 503},
	} {
		t.Run(sc.name, func(t *testing.T) { sc.run(t, a.Server.Handler(), db, ss, map[string]string{}) })
	}
}
