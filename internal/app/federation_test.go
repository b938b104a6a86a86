package app_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"

	"github.com/yiwang-platform/yiwang/internal/app"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/federation"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/license"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// node is one platform served on a loopback port, with that address as its public URL.
type node struct {
	app *app.App
	srv *httptest.Server
}

func newNode(t *testing.T, db *store.DB, code, name string) node {
	t.Helper()
	var h http.Handler
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	url := "http://" + srv.Listener.Addr().String()
	a, err := app.New(context.Background(), app.Config{DB: db, Demo: true, Node: code, NodeName: name, PublicURL: url,
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		RateLimits: map[string]httpserver.Limit{httpserver.ClassAPI: {}, httpserver.ClassPublic: {}, httpserver.ClassVerify: {}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	h = a.Server.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	if srv.URL != url {
		t.Fatalf("served at %s, not %s", srv.URL, url)
	}
	return node{app: a, srv: srv}
}

// TestFederationTwoNodes runs Fujian (350000) and Zhejiang (330000) side by side on two databases
// and loopback ports: Zhejiang's administrator pins Fujian's node key as Fujian serves it,
// approves it and fetches its trust list over HTTP; then a licence Fujian issues, and a
// presentation of it made at Fujian, verify at Zhejiang. Before that they are not trusted; a
// credential under a key nobody listed is not trusted, a tampered one forged; suspending the peer
// stops the trust. A peer's licence's status is Fujian's to say: Zhejiang takes it from Fujian's
// signed status snapshot, fetched with Fujian's list and refreshed on its own, so that once Fujian
// revokes the licence and Zhejiang refreshes the snapshot, Zhejiang says revoked online.
func TestFederationTwoNodes(t *testing.T) {
	storetest.EachWith(t, storetest.Options{Clock: clock.Real{}}, func(t *testing.T, dbA *store.DB) {
		dbB := storetest.Open(t, dbA.Dialect(), storetest.Options{Clock: clock.Real{}})
		fj := newNode(t, dbA, "350000", "")
		zj := newNode(t, dbB, "330000", "浙江省")
		ctx := context.Background()
		sys := principal.With(ctx, principal.SystemPrincipal)
		for _, n := range []node{fj, zj} {
			if _, err := n.app.Federation().Publish(sys); err != nil {
				t.Fatal(err)
			}
		}

		// Fujian issues a licence of a newly published type to a resident, who presents it.
		typeCode := idcode.NewCreditCode('1', '1', "100000", "00001399") + "077"
		typ := license.Type{Code: typeCode, Org: "fj-market-regulation", NameHans: "小餐饮登记证", NameHant: "小餐飲登記證",
			NameEn: "Small catering registration", AuthorityName: "国家市场监督管理总局", AuthorityCode: typeCode[:18],
			AuthorityLevel: license.LevelNational, IssuerLevel: license.LevelCity, HolderCategory: license.HolderBoth,
			Fields: []license.Field{{Key: "premises", NameHans: "住所", NameHant: "住所", NameEn: "Domicile",
				Kind: license.FieldText, Required: true}}}
		lic := fj.app.Licenses
		if _, err := lic.SaveType(sys, principal.SystemPrincipal, typ); err != nil {
			t.Fatal(err)
		}
		if _, err := lic.SubmitType(sys, principal.SystemPrincipal, typeCode); err != nil {
			t.Fatal(err)
		}
		if _, err := lic.PublishType(sys, principal.SystemPrincipal, typeCode); err != nil {
			t.Fatal(err)
		}
		holder := demo.Residents[0]
		l, err := lic.Issue(sys, principal.SystemPrincipal, license.IssueRequest{TypeCode: typeCode,
			IssuerOrg: "fz-market-regulation", HolderName: holder.Name, HolderCode: holder.IDNumber,
			HolderCodeType: license.HolderCodeResidentID, Face: map[string]string{"premises": "福州市鼓楼区南后街45号"}})
		if err != nil {
			t.Fatal(err)
		}
		claims, err := credential.ParseCredential(l.Credential)
		if err != nil || !strings.HasPrefix(claims.Issuer, "350000/") {
			t.Fatalf("Fujian's credential names %q (%v)", claims.Issuer, err)
		}
		accID, err := fj.app.Identity.AccountIDByPhone(sys, holder.Phone)
		if err != nil {
			t.Fatal(err)
		}
		acc, err := fj.app.Identity.Account(sys, accID)
		if err != nil {
			t.Fatal(err)
		}
		pres, err := lic.Present(ctx, acc.Principal(), l.ID, license.PresentRequest{Fields: []string{license.ClaimHolderName},
			Purpose: "跨省办理食品经营许可"})
		if err != nil {
			t.Fatal(err)
		}
		// Fujian publishes again, now with the new type and the issuer's key.
		if _, err := fj.app.Federation().Publish(sys); err != nil {
			t.Fatal(err)
		}

		rogue := forge(t, l.Credential)
		tampered := tamper(t, l.Credential)
		verify := func(step string, want map[string]license.State) {
			t.Helper()
			for name, text := range map[string]string{"credential": l.Credential, "presentation": pres, "rogue": rogue, "tampered": tampered} {
				w, ok := want[name]
				if !ok {
					continue
				}
				res, err := zj.app.Licenses.Verify(ctx, text)
				if err != nil {
					t.Fatalf("%s: Verify(%s): %v", step, name, err)
				}
				if res.State != w {
					t.Errorf("%s: the %s is %s (%s) at Zhejiang, want %s", step, name, res.State, res.Reason, w)
				}
			}
		}
		verify("unknown peer", map[string]license.State{"credential": license.StateNotTrusted, "presentation": license.StateNotTrusted})

		// Zhejiang's administrator reads Fujian's node key where Fujian serves it and pins it.
		var key federation.NodeKey
		getJSON(t, fj.srv.URL+"/api/v1/federation/node-key", &key)
		admin := principal.With(ctx, principal.Principal{Kind: principal.Official, Login: "szb.admin", Name: "林振华",
			OrgCode: org.DigitalOffice, Roles: []string{principal.RoleAdministrator}})
		fed := zj.app.Federation()
		if _, err := fed.Register(admin, federation.PeerInput{Code: "350000", Name: "福建省", Endpoint: fj.srv.URL,
			PublicKey: key.PEM}); err != nil {
			t.Fatal(err)
		}
		verify("registered", map[string]license.State{"credential": license.StateNotTrusted})
		if _, err := fed.Approve(admin, "350000", key.Fingerprint); err != nil {
			t.Fatal(err)
		}
		verify("approved, no list yet", map[string]license.State{"credential": license.StateNotTrusted})
		imp, err := fed.Fetch(admin, "350000")
		if err != nil {
			t.Fatal(err)
		}
		if imp.Version != 2 || imp.LicenceTypes < 1 {
			t.Errorf("imported %+v, want Fujian's second version with its types", imp)
		}
		if imp.Snapshot == nil || !strings.HasPrefix(imp.Snapshot.Digest, "sha256:") {
			t.Errorf("Fetch brought no status snapshot: %+v", imp.Snapshot)
		}
		verify("trusted", map[string]license.State{"credential": license.StateValid, "presentation": license.StateValid,
			"rogue": license.StateNotTrusted, "tampered": license.StateForged})
		res, err := zj.app.Licenses.Verify(ctx, pres)
		if err != nil || res.Input != license.InputPresentation || res.Purpose != "跨省办理食品经营许可" || res.Licence == nil ||
			res.Licence.ID != l.ID {
			t.Errorf("the presentation at Zhejiang: %+v, %v", res, err)
		}
		if res.Reason != "license.reason.peer_snapshot" || res.StatusAsOf == nil {
			t.Errorf("the presentation at Zhejiang: %s (%s) as of %v, want valid by Fujian's snapshot", res.State, res.Reason,
				res.StatusAsOf)
		}

		// Revoked at Fujian, and Fujian says so. Zhejiang still holds the snapshot it fetched
		// before: valid, as of then.
		if _, err := lic.Revoke(sys, principal.SystemPrincipal, l.ID, "以欺骗手段取得"); err != nil {
			t.Fatal(err)
		}
		if res, err := lic.Verify(ctx, l.Credential); err != nil || res.State != license.StateRevoked {
			t.Errorf("at Fujian after revocation: %s, %v", res.State, err)
		}
		res, err = zj.app.Licenses.Verify(ctx, l.Credential)
		if err != nil || res.State != license.StateValid || res.Reason != "license.reason.peer_snapshot" {
			t.Errorf("at Zhejiang with the older snapshot: %s (%s), %v; want valid as of then", res.State, res.Reason, err)
		}
		// Zhejiang refreshes Fujian's snapshot over HTTP, and says revoked online.
		info, err := fed.RefreshSnapshot(admin, "350000")
		if err != nil {
			t.Fatal(err)
		}
		if info.Digest == imp.Snapshot.Digest || info.FetchedBy != "official:szb.admin" {
			t.Errorf("refreshed %+v, want a new snapshot fetched by the administrator", info)
		}
		verify("revoked at Fujian", map[string]license.State{"credential": license.StateRevoked, "presentation": license.StateRevoked})
		before := res.StatusAsOf
		res, err = zj.app.Licenses.Verify(ctx, l.Credential)
		if err != nil || res.Reason != "license.reason.revoked" || res.StatusAsOf == nil || before == nil ||
			res.StatusAsOf.Before(*before) {
			t.Errorf("at Zhejiang after the refresh: %s (%s) as of %v (before: %v), %v", res.State, res.Reason, res.StatusAsOf,
				before, err)
		}
		// The public verifier page says so, and as of when.
		page := postForm(t, zj.srv.URL+"/licenses/verify", url.Values{"text": {l.Credential}})
		for _, want := range []string{`id="verdict-state"`, `id="status-as-of"`, "状态依据该省"} {
			if !strings.Contains(page, want) {
				t.Errorf("the verify page at Zhejiang has no %s", want)
			}
		}

		// Suspending the peer stops trusting its keys at once.
		if _, err := fed.Suspend(admin, "350000", "核查节点密钥"); err != nil {
			t.Fatal(err)
		}
		verify("suspended", map[string]license.State{"credential": license.StateNotTrusted, "presentation": license.StateNotTrusted})
	})
}

// postForm posts form to url and returns the page answered 200.
func postForm(t *testing.T, u string, form url.Values) string {
	t.Helper()
	res, err := http.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %s; %.300s", u, res.Status, b)
	}
	return string(b)
}

// getJSON decodes the JSON answer of a GET of url.
func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, res.Status)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// forge signs text's claims again under a key no trust list names.
func forge(t *testing.T, text string) string {
	t.Helper()
	c, err := credential.ParseCredential(text)
	if err != nil {
		t.Fatal(err)
	}
	k, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	c.KeyID, c.Alg = "rogue-node-key", credential.SM2
	out, _, err := credential.Issue(k, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// tamper moves text's end of validity, keeping its signature.
func tamper(t *testing.T, text string) string {
	t.Helper()
	dot := strings.LastIndexByte(text, '.')
	body, err := base64.RawURLEncoding.DecodeString(text[len(credential.CredentialPrefix):dot])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	pub, _ := m["pub"].(map[string]any)
	if pub == nil {
		t.Fatalf("no public claims in %s", body)
	}
	pub[license.ClaimValidUntil] = "2099-12-31"
	changed, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return credential.CredentialPrefix + base64.RawURLEncoding.EncodeToString(changed) + text[dot:]
}

// Without a public URL, Run gives the federation service the address it listens on and
// publishes the node's trust list at once.
func TestFederationRunPublishes(t *testing.T) {
	db := storetest.Open(t, store.SQLite, storetest.Options{Clock: clock.Real{}})
	a, err := app.New(context.Background(), app.Config{DB: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	if a.Federation() != nil {
		t.Fatal("a federation service before the node knows its address")
	}
	ctx, cancel := context.WithCancel(context.Background())
	listening := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, "127.0.0.1:0", func(url string) { listening <- url }) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	url := <-listening
	var list federation.Signed
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		res, err := http.Get(url + federation.TrustListPath)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode == http.StatusOK {
			err = json.NewDecoder(res.Body).Decode(&list)
			res.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			break
		}
		res.Body.Close()
		if time.Now().After(deadline) {
			t.Fatalf("GET trust list: %s", res.Status)
		}
	}
	var l federation.TrustList
	if err := json.Unmarshal(list.Body, &l); err != nil {
		t.Fatal(err)
	}
	if l.Node != app.DefaultNode || l.Name != "福建省" || l.Endpoint != url {
		t.Errorf("published node %s (%s) at %s, want %s at %s", l.Node, l.Name, l.Endpoint, app.DefaultNode, url)
	}
}
