package browsertest

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/app"
	"github.com/yiwang-platform/yiwang/internal/catalog"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/federation"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/license"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// startNodeSite serves a fresh platform as province node (its public URL where it is served).
func startNodeSite(t *testing.T, node, name string) *site {
	t.Helper()
	db := storetest.Open(t, store.SQLite, storetest.Options{Clock: clock.Real{}})
	var h http.Handler
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	u := "http://" + srv.Listener.Addr().String()
	logger := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelError}))
	a, err := app.New(context.Background(), app.Config{DB: db, Demo: true, Logger: logger, PublicURL: u, Node: node, NodeName: name,
		RateLimits: map[string]httpserver.Limit{httpserver.ClassLogin: {}, httpserver.ClassPublic: {}, httpserver.ClassAPI: {},
			httpserver.ClassVerify: {}}})
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	t.Cleanup(a.Close)
	h = a.Server.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	return &site{URL: u, App: a}
}

// TestPeerFetchAccessible runs Zhejiang's and Fujian's nodes, each having approved the other, a
// licence of Zhejiang's granted by its holder to Fujian's Fuzhou market regulator; the
// regulator's window officer opens the peer fetch page at Fujian in simplified Chinese, is
// sent back without a reason, then fetches the licence and sees its data verified — each step
// checked with axe-core.
func TestPeerFetchAccessible(t *testing.T) {
	t.Parallel()
	axe := Axe(t)
	b := Shared(t)
	zj := startNodeSite(t, "330000", "浙江省")
	fj := startNodeSite(t, "350000", "福建省")
	l := grantedPeerLicence(t, zj, fj)

	lang := i18n.ZhHans
	ctx := b.NewTab(t)
	login(t, ctx, fj, "fzscj.window", "/work/licenses/peer-fetch", lang)
	checkShell(t, ctx, lang)
	if got := attr(t, ctx, `#peer-node option[value="330000"]`, "value"); got != "330000" {
		t.Fatalf("Zhejiang is not offered: %q", got)
	}
	checkAxe(t, ctx, axe) // the empty form

	fill(t, ctx, "#peer-licence_id", l.ID)
	if status := submit(t, ctx, "#peer-submit"); status != http.StatusBadRequest {
		t.Fatalf("without a reason: %d", status)
	}
	if got := attr(t, ctx, "#peer-summary a", "href"); got != "#peer-reason" {
		t.Errorf("the summary links %q", got)
	}
	if got := attr(t, ctx, "#peer-reason", "aria-invalid"); got != "true" {
		t.Errorf("the reason is not marked invalid")
	}
	checkAxe(t, ctx, axe) // the form sent back

	fill(t, ctx, "#peer-reason", "办理食品经营许可跨省变更，核验原证")
	if status := submit(t, ctx, "#peer-submit"); status != http.StatusOK {
		t.Fatalf("fetch: %d (%s)", status, alerts(t, ctx))
	}
	if got := text(t, ctx, "#verified-state strong"); got != i18n.T(lang, "license.state.valid") {
		t.Errorf("verified here: %q", got)
	}
	if got := text(t, ctx, "#fetched-premises td"); got != "杭州市西湖区文三路90号" {
		t.Errorf("premises %q", got)
	}
	if got := text(t, ctx, "#fetched-"+license.ClaimHolderName+" td"); got != demo.Residents[0].Name {
		t.Errorf("holder %q", got)
	}
	checkAxe(t, ctx, axe) // the licence fetched and verified
}

// grantedPeerLicence issues a licence at zj, has zj and fj approve each other, and has the
// holder grant it to fj's Fuzhou market regulator.
func grantedPeerLicence(t *testing.T, zj, fj *site) license.Licence {
	t.Helper()
	ctx := context.Background()
	sys := principal.With(ctx, principal.SystemPrincipal)
	admin := principal.With(ctx, principal.Principal{Kind: principal.Official, Login: "szb.admin",
		OrgCode: org.DigitalOffice, Roles: []string{principal.RoleAdministrator}})
	typeCode := idcode.NewCreditCode('1', '1', "100000", "00001399") + "079"
	lic := zj.App.Licenses
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
	for _, s := range []*site{zj, fj} {
		if _, err := s.App.Federation().Publish(sys); err != nil {
			t.Fatal(err)
		}
	}
	pair := func(at, peer *site, code, name string) {
		res, err := http.Get(peer.URL + "/api/v1/federation/node-key")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var key federation.NodeKey
		if err := json.NewDecoder(res.Body).Decode(&key); err != nil {
			t.Fatal(err)
		}
		fed := at.App.Federation()
		if _, err := fed.Register(admin, federation.PeerInput{Code: code, Name: name, Endpoint: peer.URL, PublicKey: key.PEM}); err != nil {
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
	acc, err := zj.App.Identity.AccountIDByPhone(sys, holder.Phone)
	if err != nil {
		t.Fatal(err)
	}
	a, err := zj.App.Identity.Account(sys, acc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lic.Grant(ctx, a.Principal(), l.ID, license.GrantRequest{GranteeNode: "350000",
		GranteeOrg: catalog.OrgCreditCode("fz-market-regulation"), Purpose: "跨省办理食品经营许可",
		ValidUntil: time.Now().Add(30 * 24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	return l
}
