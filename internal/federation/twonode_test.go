package federation

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// serveTrustList starts a loopback server that serves r's current list as the API will, and
// makes r's service with that endpoint.
func serveTrustList(t *testing.T, d store.Dialect, node, name string) *rig {
	t.Helper()
	var r *rig
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodGet || req.URL.Path != TrustListPath {
			http.NotFound(w, req)
			return
		}
		doc, err := r.svc.Current(req.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(doc)
	}))
	t.Cleanup(srv.Close)
	r = newRig(t, d, node, name, srv.URL, nil)
	return r
}

// Two nodes on two databases publish their lists, fetch each other's over loopback HTTP once
// each approved the other's key (fingerprint compared out of band), and then recognise each
// other's licences — not before, and not after a suspension.
func TestTwoNodes(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			fj := serveTrustList(t, d, fujian, "福建省")
			zj := serveTrustList(t, d, zhejiang, "浙江省")
			fjMarketKey := fj.licenceKey(t, marketOrg, keys.SM2)
			zjMarketKey := zj.licenceKey(t, xmOrg, keys.ECDSAP256)
			fj.types.add(natType)
			for _, n := range []*rig{fj, zj} {
				if _, err := n.svc.Publish(as(system)); err != nil {
					t.Fatal(err)
				}
			}
			fjIssuer := fujian + "/" + creditCodeOf(fujian, marketOrg)
			zjIssuer := zhejiang + "/" + creditCodeOf(zhejiang, xmOrg)
			fjLicence := issue(t, fjMarketKey, fjMarketKey.Key().ID, fjIssuer)
			zjLicence := issue(t, zjMarketKey, zjMarketKey.Key().ID, zjIssuer)
			// Fujian's key claiming to sign for a Zhejiang organisation.
			impostor := issue(t, fjMarketKey, fjMarketKey.Key().ID, zjIssuer)
			atZJ, err := zj.svc.Resolver(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			atFJ, err := fj.svc.Resolver(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			verifies := func(text string, at credential.Resolver) bool {
				t.Helper()
				_, err := credential.Verify(text, at)
				if err != nil && credential.ReasonOf(err) != credential.NotTrusted {
					t.Fatalf("verify: %v", err)
				}
				return err == nil
			}
			recognised := func() (bool, bool) { return verifies(fjLicence, atZJ), verifies(zjLicence, atFJ) }

			// Each registers the other with the node key the other's administrator handed over.
			for _, pair := range [][2]*rig{{zj, fj}, {fj, zj}} {
				at, peer := pair[0], pair[1]
				nk, err := peer.svc.NodeKey(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				name := map[string]string{fujian: "福建省", zhejiang: "浙江省"}[peer.node]
				if _, err := at.svc.Register(as(officeAdmin), PeerInput{Code: peer.node, Name: name, Endpoint: peer.svc.cfg.Endpoint,
					PublicKey: nk.PEM}); err != nil {
					t.Fatal(err)
				}
				_, err = at.svc.Fetch(as(officeAdmin), peer.node)
				wantErr(t, err, errs.Conflict, "federation.error.peer_not_approved")
			}
			if a, b := recognised(); a || b {
				t.Fatalf("recognised before approval: at Zhejiang %v, at Fujian %v", a, b)
			}
			// Each approves the other with the fingerprint read out by the other's administrator.
			for _, pair := range [][2]*rig{{zj, fj}, {fj, zj}} {
				at, peer := pair[0], pair[1]
				nk, _ := peer.svc.NodeKey(context.Background())
				if _, err := at.svc.Approve(as(officeAdmin2), peer.node, nk.Fingerprint); err != nil {
					t.Fatal(err)
				}
			}
			if a, b := recognised(); a || b {
				t.Fatalf("recognised before the lists were fetched: at Zhejiang %v, at Fujian %v", a, b)
			}
			for _, pair := range [][2]*rig{{zj, fj}, {fj, zj}} {
				imp, err := pair[0].svc.Fetch(as(officeAdmin), pair[1].node)
				if err != nil {
					t.Fatal(err)
				}
				if imp.Version != 1 || imp.Keys != 2 {
					t.Errorf("%s imported %+v", pair[0].node, imp)
				}
			}
			if a, b := recognised(); !a || !b {
				t.Fatalf("not recognised after approval: at Zhejiang %v, at Fujian %v", a, b)
			}
			if c, err := credential.Verify(fjLicence, atZJ); err != nil || c.Issuer != fjIssuer {
				t.Errorf("Fujian's licence at Zhejiang: %+v, %v", c, err)
			}
			if verifies(impostor, atZJ) {
				t.Error("Fujian's key signing for a Zhejiang organisation is trusted at Zhejiang")
			}
			// A node's own licences are not its peers' to vouch for: Zhejiang's resolver holds
			// only Fujian's keys.
			if verifies(zjLicence, atZJ) {
				t.Error("Zhejiang's own licence verifies through its peers' keys")
			}

			// Fujian adds a key: Zhejiang trusts it after the next fetch.
			fjXM := fj.licenceKey(t, xmOrg, keys.SM2)
			xmLicence := issue(t, fjXM, fjXM.Key().ID, fujian+"/"+creditCodeOf(fujian, xmOrg))
			if verifies(xmLicence, atZJ) {
				t.Fatal("a key not yet published is trusted")
			}
			if pub, err := fj.svc.Publish(as(system)); err != nil || pub.Version != 2 {
				t.Fatalf("publish = %+v, %v", pub, err)
			}
			if imp, err := zj.svc.Fetch(as(system), fujian); err != nil || imp.Version != 2 {
				t.Fatalf("fetch = %+v, %v", imp, err)
			}
			if !verifies(xmLicence, atZJ) {
				t.Fatal("a newly published key is not trusted after the fetch")
			}

			if _, err := zj.svc.Suspend(as(officeAdmin), fujian, "互认协议暂停"); err != nil {
				t.Fatal(err)
			}
			if a, b := recognised(); a || !b {
				t.Fatalf("after Zhejiang suspended Fujian: at Zhejiang %v (want false), at Fujian %v (want true)", a, b)
			}
			if _, ok := zj.trustListEntries(t)[ledgerSubject(fujian, 2)]; !ok {
				t.Error("Zhejiang's ledger does not hold Fujian's version 2")
			}
		})
	}
}
