package api_test

import (
	"testing"

	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// The node calls and an official's fetch from a peer: a call that is not signed by an approved
// peer is a 401 whatever session comes with it, and this node signs even that answer; the
// officials' fetch checks who asks and its input before any call goes out. Whole exchanges
// between two nodes are internal/app's TestFederationLicenceFetch.
var nodeCallScenarios = []scenario{
	{name: "node call: unsigned", method: "POST", url: "/api/v1/federation/calls/licence-fetch", as: anon,
		body: `{"licence_id":"x","credit_code":"x","actor":"x","reason":"x"}`, status: 401,
		want:       map[string]any{"error.kind": "unauthenticated", "error.message": zh("nodecall.error.headers")},
		wantHeader: map[string]string{"Yiwang-From": "350000"}},
	{name: "node call: an official's session is no node's signature", method: "POST",
		url: "/api/v1/federation/calls/licence-fetch", as: admin, body: `{}`, status: 401,
		want: map[string]any{"error.kind": "unauthenticated"}, wantHeader: map[string]string{"Yiwang-From": "350000"}},
	{name: "peer fetch: the public", method: "POST", url: "/api/v1/work/federation/licence-fetch", as: anon,
		body: `{"node":"330000","licence_id":"x","reason":"核验"}`, status: 401, want: unauthenticated},
	{name: "peer fetch: a resident", method: "POST", url: "/api/v1/work/federation/licence-fetch", as: resident,
		body: `{"node":"330000","licence_id":"x","reason":"核验"}`, status: 403,
		want: errWant("forbidden", zh("license.peer.error.officials_only"))},
	{name: "peer fetch: no reason", method: "POST", url: "/api/v1/work/federation/licence-fetch", as: gxt,
		body: `{"node":"330000","licence_id":"x","reason":" "}`, status: 400, want: map[string]any{"error.field": "reason"}},
	{name: "peer fetch: not a node code", method: "POST", url: "/api/v1/work/federation/licence-fetch", as: gxt,
		body: `{"node":"33","licence_id":"x","reason":"核验"}`, status: 400, want: map[string]any{"error.field": "node"}},
	{name: "peer fetch: no licence", method: "POST", url: "/api/v1/work/federation/licence-fetch", as: gxt,
		body: `{"node":"330000","licence_id":"","reason":"核验"}`, status: 400, want: map[string]any{"error.field": "licence_id"}},
	{name: "peer fetch: unknown field", method: "POST", url: "/api/v1/work/federation/licence-fetch", as: gxt,
		body: `{"node":"330000","licence_id":"x","reason":"核验","why":"x"}`, status: 400, want: map[string]any{"error.field": "why"}},
	{name: "peer fetch: not a peer", method: "POST", url: "/api/v1/work/federation/licence-fetch", as: gxt,
		body: `{"node":"440000","licence_id":"x","reason":"核验"}`, status: 404,
		want: errWant("not_found", zh("nodecall.error.no_peer", "440000"))},
}

func TestNodeCallsAPI(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newFederationApp(t, db)
		ss := &sessions{ids: a.Identity, tokens: map[string]string{}}
		for _, sc := range nodeCallScenarios {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, a.Server.Handler(), db, ss, map[string]string{}) })
		}
	})
}
