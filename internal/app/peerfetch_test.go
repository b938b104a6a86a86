package app_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"

	"github.com/yiwang-platform/yiwang/internal/api"
	"github.com/yiwang-platform/yiwang/internal/catalog"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/federation"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/license"
	"github.com/yiwang-platform/yiwang/internal/nodecall"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// TestFederationLicenceFetch runs Zhejiang (330000, where the licence is) and Fujian (350000,
// whose official fetches it) on two databases and loopback ports, each having approved the
// other: the holder grants Fujian's market regulator at Zhejiang; Fujian's official fetches the
// licence with a reason over a signed node call, and Fujian verifies its credential against
// Zhejiang's trust list; Zhejiang records the use (by node 350000, with the reason) and Fujian
// audits the fetch. Another organisation without a grant is refused; so is a node Zhejiang never
// approved, with a signed 401, and Fujian once Zhejiang suspends it.
func TestFederationLicenceFetch(t *testing.T) {
	storetest.EachWith(t, storetest.Options{Clock: clock.Real{}}, func(t *testing.T, dbA *store.DB) {
		dbB := storetest.Open(t, dbA.Dialect(), storetest.Options{Clock: clock.Real{}})
		zj := newNode(t, dbA, "330000", "浙江省")
		fj := newNode(t, dbB, "350000", "")
		ctx := context.Background()
		sys := principal.With(ctx, principal.SystemPrincipal)
		admin := principal.With(ctx, principal.Principal{Kind: principal.Official, Login: "szb.admin", Name: "林振华",
			OrgCode: org.DigitalOffice, Roles: []string{principal.RoleAdministrator}})

		// Zhejiang issues a licence of a type it publishes.
		typeCode := idcode.NewCreditCode('1', '1', "100000", "00001399") + "078"
		lic := zj.app.Licenses
		if _, err := lic.SaveType(sys, principal.SystemPrincipal, license.Type{Code: typeCode, Org: "fj-market-regulation",
			NameHans: "食品经营许可证", NameHant: "食品經營許可證", NameEn: "Food business licence", AuthorityName: "国家市场监督管理总局",
			AuthorityCode: typeCode[:18], AuthorityLevel: license.LevelNational, IssuerLevel: license.LevelCity,
			HolderCategory: license.HolderBoth, Fields: []license.Field{{Key: "premises", NameHans: "住所", NameHant: "住所",
				NameEn: "Domicile", Kind: license.FieldText, Required: true}}}); err != nil {
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
			HolderCodeType: license.HolderCodeResidentID, Face: map[string]string{"premises": "杭州市西湖区文三路90号"}})
		if err != nil {
			t.Fatal(err)
		}

		// The two nodes approve each other and import each other's lists.
		for _, n := range []node{zj, fj} {
			if _, err := n.app.Federation().Publish(sys); err != nil {
				t.Fatal(err)
			}
		}
		pair := func(at, peer node, code, name string) {
			var key federation.NodeKey
			getJSON(t, peer.srv.URL+"/api/v1/federation/node-key", &key)
			fed := at.app.Federation()
			if _, err := fed.Register(admin, federation.PeerInput{Code: code, Name: name, Endpoint: peer.srv.URL,
				PublicKey: key.PEM}); err != nil {
				t.Fatal(err)
			}
			if _, err := fed.Approve(admin, code, key.Fingerprint); err != nil {
				t.Fatal(err)
			}
			if _, err := fed.Fetch(admin, code); err != nil {
				t.Fatal(err)
			}
		}
		pair(zj, fj, "350000", "福建省")
		pair(fj, zj, "330000", "浙江省")

		// The holder, signed in at Zhejiang, grants Fujian's Fuzhou market regulator.
		accID, err := zj.app.Identity.AccountIDByPhone(sys, holder.Phone)
		if err != nil {
			t.Fatal(err)
		}
		acc, err := zj.app.Identity.Account(sys, accID)
		if err != nil {
			t.Fatal(err)
		}
		credit := catalog.OrgCreditCode("fz-market-regulation")
		g, err := lic.Grant(ctx, acc.Principal(), l.ID, license.GrantRequest{GranteeNode: "350000", GranteeOrg: credit,
			Purpose: "跨省办理食品经营许可", ValidUntil: time.Now().Add(30 * 24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}

		official := principal.Principal{Kind: principal.Official, Login: "fz.scj.window", Name: "陈敏",
			OrgCode: "fz-market-regulation", Roles: []string{principal.RoleWindowOfficer}}
		const reason = "办理食品经营许可跨省变更，核验原证"
		got, res, err := fj.app.FetchFromPeer(ctx, official, "330000", l.ID, reason)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != license.StateValid || got.GrantID != g.ID || got.Licence.ID != l.ID ||
			got.Licence.Disclosed["premises"] != "杭州市西湖区文三路90号" || got.Licence.Disclosed[license.ClaimHolderName] != holder.Name {
			t.Errorf("fetched %+v", got)
		}
		if res.State != license.StateValid || res.Licence == nil || res.Licence.ID != l.ID {
			t.Errorf("verified at Fujian: %+v", res)
		}

		// Zhejiang recorded the use, by Fujian's node and organisation, with the reason.
		var uses []struct {
			ByNode  string `db:"by_node"`
			ByOrg   string `db:"by_org"`
			Purpose string `db:"purpose"`
			Actor   string `db:"by_actor"`
		}
		if err := dbA.Select(ctx, &uses, `SELECT by_node, by_org, purpose, by_actor FROM licence_uses
			WHERE licence_id = ? AND kind = ?`, l.ID, license.KindFetched); err != nil {
			t.Fatal(err)
		}
		if len(uses) != 1 || uses[0].ByNode != "350000" || uses[0].ByOrg != credit || uses[0].Purpose != reason ||
			!strings.Contains(uses[0].Actor, official.Login) {
			t.Errorf("uses at Zhejiang: %+v", uses)
		}
		// Fujian audited it: who, which node, which licence, without the reason in clear.
		auditOf := func() []struct {
			Actor  string `db:"actor"`
			Detail string `db:"detail"`
		} {
			var rows []struct {
				Actor  string `db:"actor"`
				Detail string `db:"detail"`
			}
			if err := dbB.Select(ctx, &rows, `SELECT actor, detail FROM audit_events WHERE action = 'license.peer_fetch'
				AND object_id = ? ORDER BY id`, l.ID); err != nil {
				t.Fatal(err)
			}
			return rows
		}
		if a := auditOf(); len(a) != 1 || a[0].Actor != official.Actor() || !strings.Contains(a[0].Detail, `"node":"330000"`) ||
			!strings.Contains(a[0].Detail, `"outcome":"fetched"`) || strings.Contains(a[0].Detail, reason) {
			t.Errorf("audit at Fujian: %+v", a)
		}

		// The same through Fujian's page and its API, as the regulator's window officer.
		login, err := fj.app.Identity.Login(ctx, "fzscj.window", demo.Password, identity.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		post := func(path, contentType, body string) (int, string) {
			t.Helper()
			req, err := http.NewRequest(http.MethodPost, fj.srv.URL+path, strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", contentType)
			req.AddCookie(&http.Cookie{Name: "yiwang_session", Value: login.Token})
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res.StatusCode, string(b)
		}
		status, page := post("/work/licenses/peer-fetch?lang=en", "application/x-www-form-urlencoded",
			url.Values{"node": {"330000"}, "licence_id": {l.ID}, "reason": {reason}}.Encode())
		for _, want := range []string{`id="verified-state"`, `class="licence-state valid"`, "杭州市西湖区文三路90号", holder.Name} {
			if status != http.StatusOK || !strings.Contains(page, want) {
				t.Errorf("the peer fetch page: %d, without %q", status, want)
			}
		}
		status, body := post("/api/v1/work/federation/licence-fetch", "application/json",
			`{"node":"330000","licence_id":"`+l.ID+`","reason":"`+reason+`"}`)
		var answer struct {
			Node    string
			Fetched license.Fetched
			Verify  license.VerifyResult `json:"verification"`
		}
		if err := json.Unmarshal([]byte(body), &answer); status != http.StatusOK || err != nil || answer.Node != "330000" ||
			answer.Fetched.State != license.StateValid || answer.Verify.State != license.StateValid {
			t.Errorf("the peer fetch API: %d %s", status, body)
		}

		// Bad input is named; another organisation has no grant.
		for field, call := range map[string][3]string{
			"reason": {"330000", l.ID, " "}, "node": {"33", l.ID, reason}, "licence_id": {"330000", "", reason}} {
			_, _, err := fj.app.FetchFromPeer(ctx, official, call[0], call[1], call[2])
			if e := errs.Public(err); e.Kind != errs.Invalid || e.Field != field {
				t.Errorf("FetchFromPeer without %s: %v", field, err)
			}
		}
		other := principal.Principal{Kind: principal.Official, Login: "fz.gat.window", OrgCode: "fj-public-security",
			Roles: []string{principal.RoleWindowOfficer}}
		if _, _, err := fj.app.FetchFromPeer(ctx, other, "330000", l.ID, reason); !errs.Is(err, errs.Forbidden) {
			t.Errorf("fetch without a grant: %v, want forbidden", err)
		}
		if _, _, err := fj.app.FetchFromPeer(ctx, official, "440000", l.ID, reason); !errs.Is(err, errs.NotFound) {
			t.Errorf("fetch from a node that is no peer: %v, want not found", err)
		}

		// A node Zhejiang never approved gets a signed 401, whatever it sends.
		var zjKey federation.NodeKey
		getJSON(t, zj.srv.URL+"/api/v1/federation/node-key", &zjKey)
		_, zjPub, err := federation.ParsePublicKey(zjKey.PEM)
		if err != nil {
			t.Fatal(err)
		}
		rogue, err := sm2.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		stranger := nodecall.NewClient(func(context.Context) (nodecall.Identity, error) {
			return nodecall.Identity{Node: "440000", KeyID: "gd-node", Alg: credential.SM2, Signer: rogue}, nil
		}, fixedPeer{node: "330000", url: zj.srv.URL, key: zjKey.KeyID, pub: zjPub.(*ecdsa.PublicKey)}, nil)
		err = stranger.Call(ctx, "330000", api.PathLicenceFetch, api.LicenceFetchCall{LicenceID: l.ID, CreditCode: credit,
			Actor: "x", Reason: reason}, nil)
		var ae *nodecall.AnswerError
		if !errors.As(err, &ae) || ae.Status != http.StatusUnauthorized {
			t.Errorf("a call of a node not approved: %v, want a signed 401", err)
		}

		// Suspended at Zhejiang, Fujian is refused too.
		if _, err := zj.app.Federation().Suspend(admin, "350000", "核查节点密钥"); err != nil {
			t.Fatal(err)
		}
		_, _, err = fj.app.FetchFromPeer(ctx, official, "330000", l.ID, reason)
		if !errors.As(err, &ae) || ae.Status != http.StatusUnauthorized || !errs.Is(err, errs.Forbidden) {
			t.Errorf("a call of a suspended peer: %v, want a signed 401", err)
		}
		if n := len(auditOf()); n != 5 {
			t.Errorf("%d fetches audited at Fujian, want 5 (fetched thrice, no grant, refused)", n)
		}
	})
}

// fixedPeer is nodecall.Peers knowing one node.
type fixedPeer struct {
	node, url, key string
	pub            *ecdsa.PublicKey
}

func (p fixedPeer) TrustedKey(kid string) (credential.TrustedKey, bool) {
	if kid != p.key {
		return credential.TrustedKey{}, false
	}
	return credential.TrustedKey{Public: p.pub, Owner: p.node}, true
}

func (p fixedPeer) Endpoint(_ context.Context, node string) (string, error) {
	if node != p.node {
		return "", errs.E(errs.NotFound, "nodecall.error.no_peer", node)
	}
	return p.url, nil
}
