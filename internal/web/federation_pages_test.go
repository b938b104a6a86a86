package web_test

import (
	"context"
	"crypto/rand"
	"encoding/pem"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"github.com/yiwang-platform/yiwang/internal/app"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/federation"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// newFederationSite is the demo platform of Fujian with a public URL, so that it federates.
func newFederationSite(t *testing.T, db *store.DB) *site {
	t.Helper()
	a, err := app.New(context.Background(), app.Config{DB: db, Demo: true, Logger: slog.New(slog.DiscardHandler),
		RateLimits: highLimits, PublicURL: "https://yiwang.fujian.example.cn"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	s := &site{t: t, a: a, db: db, tokens: map[string]string{}}
	for _, login := range []string{admin, reviewer, cityAdmin, gxt, citizen} {
		s.token(login)
	}
	return s
}

// peerNode is another province's platform served on a loopback port, its trust list published.
func peerNode(t *testing.T, d store.Dialect, code, name string) (*app.App, string) {
	t.Helper()
	var h http.Handler
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	u := "http://" + srv.Listener.Addr().String()
	a, err := app.New(context.Background(), app.Config{DB: storetest.Open(t, d, storetest.Options{Clock: clock.Real{}}),
		Node: code, NodeName: name, PublicURL: u, Logger: slog.New(slog.DiscardHandler), RateLimits: highLimits})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	h = a.Server.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	if _, err := a.Federation().Publish(principal.With(context.Background(), principal.SystemPrincipal)); err != nil {
		t.Fatal(err)
	}
	return a, u
}

// strangerKey is a PEM node key nobody else holds.
func strangerKey(t *testing.T) string {
	t.Helper()
	k, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := smx509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// location is where w redirects, without the fragment a browser keeps to itself.
func location(w *httptest.ResponseRecorder) string {
	l, _, _ := strings.Cut(w.Header().Get("Location"), "#")
	return l
}

// The digital office's administrators register, approve, fetch, refresh and suspend peer nodes
// on /admin/federation; everyone else is refused; each refused step says why beside its field.
func TestFederationPages(t *testing.T) {
	t.Parallel()
	storetest.EachWith(t, storetest.Options{Clock: clock.Real{}}, func(t *testing.T, db *store.DB) {
		s := newFederationSite(t, db)
		ctx := context.Background()
		zj, zjURL := peerNode(t, db.Dialect(), "330000", "浙江省")
		zjKey, err := zj.Federation().NodeKey(ctx)
		if err != nil {
			t.Fatal(err)
		}
		register := func(kv ...string) url.Values {
			v := url.Values{"code": {"330000"}, "name": {"浙江省"}, "endpoint": {zjURL}, "public_key": {zjKey.PEM}}
			for i := 0; i < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return v
		}

		// Only the digital office's administrators.
		if w := s.get("/admin/federation", ""); w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/login?next=") {
			t.Errorf("anonymous: %d %s", w.Code, w.Header().Get("Location"))
		}
		targets := []string{"/admin/federation/peers", "/admin/federation/peers/330000/approve", "/admin/federation/peers/330000/suspend",
			"/admin/federation/peers/330000/fetch", "/admin/federation/peers/330000/snapshot"}
		for _, target := range targets {
			if w := s.post(target, "", register()); w.Code != http.StatusUnauthorized {
				t.Errorf("anonymous posting %s: %d, want 401", target, w.Code)
			}
			for _, who := range []string{reviewer, cityAdmin, gxt, citizen} {
				if w := s.post(target, who, register("fingerprint", zjKey.Fingerprint, "reason", "x")); w.Code != http.StatusForbidden {
					t.Errorf("%s posting %s: %d, want 403", who, target, w.Code)
				}
			}
		}
		for _, who := range []string{reviewer, cityAdmin, gxt, citizen} {
			if w := s.get("/admin/federation", who); w.Code != http.StatusForbidden {
				t.Errorf("%s: %d, want 403", who, w.Code)
			}
		}
		for who, want := range map[string]int{admin: 1, reviewer: 0, cityAdmin: 0} {
			if n := count(t, parse(t, s.get("/", who)), `nav a[href="/admin/federation"]`); n != want {
				t.Errorf("%s sees %d links to /admin/federation, want %d", who, n, want)
			}
		}
		if peers, err := s.a.Federation().Peers(principal.With(ctx, principal.SystemPrincipal)); err != nil || len(peers) != 0 {
			t.Fatalf("refused posts registered %v (%v)", peers, err)
		}

		// The node's key as a peer pins it, and its list once published.
		own, err := s.a.Federation().NodeKey(ctx)
		if err != nil {
			t.Fatal(err)
		}
		doc := parse(t, s.get("/admin/federation", admin))
		checkIdentityLayout(t, doc, i18n.ZhHans)
		if got := strings.ReplaceAll(text(one(t, doc, "#node-fingerprint")), " ", ""); got != own.Fingerprint {
			t.Errorf("the fingerprint shown is %q, want %s", got, own.Fingerprint)
		}
		if got := text(one(t, doc, "#node-pem")); strings.TrimSpace(got) != strings.TrimSpace(own.PEM) {
			t.Errorf("the PEM shown is %q", got)
		}
		if got := text(one(t, doc, "#node-list")); got != i18n.T(i18n.ZhHans, "federation_admin.no_list") {
			t.Errorf("before publishing, the list is %q", got)
		}
		one(t, doc, "#no-peers")
		if _, err := s.a.Federation().Publish(principal.With(ctx, principal.SystemPrincipal)); err != nil {
			t.Fatal(err)
		}
		if got := text(one(t, parse(t, s.get("/admin/federation", admin)), "#node-list")); !strings.HasPrefix(got, "第 1 版") {
			t.Errorf("after publishing, the list is %q", got)
		}

		// Registering: bad input is said beside its field, the typed values kept, nothing stored.
		for _, tc := range []struct {
			name   string
			form   url.Values
			id     string
			status int
			want   string
		}{
			{"not a province", register("code", "330100"), "peer-code", 400, i18n.T(i18n.ZhHans, "federation.error.code")},
			{"this node", register("code", "350000"), "peer-code", 400, i18n.T(i18n.ZhHans, "federation.error.own_code", "350000")},
			{"no name", register("name", " "), "peer-name", 400, i18n.T(i18n.ZhHans, "federation.error.name", 64)},
			{"plain http", register("endpoint", "http://yiwang.zhejiang.example.cn"), "peer-endpoint", 400,
				i18n.T(i18n.ZhHans, "federation.error.endpoint")},
			{"not a key", register("public_key", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"), "peer-public_key", 400,
				i18n.T(i18n.ZhHans, "federation.error.public_key")},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := s.lastAuditID()
				w := s.post("/admin/federation/peers", admin, tc.form)
				if w.Code != tc.status {
					t.Fatalf("%d, want %d; %.300s", w.Code, tc.status, w.Body)
				}
				doc := parse(t, w)
				checkFieldError(t, doc, tc.id, tc.want)
				if v := text(one(t, doc, "#peer-public_key")); strings.TrimSpace(v) != strings.TrimSpace(tc.form.Get("public_key")) {
					t.Errorf("the key typed is not kept: %q", v)
				}
				if got := s.auditSince(before); len(got) != 0 {
					t.Errorf("audit %v", got)
				}
			})
		}
		w := s.post("/admin/federation/peers", admin, register())
		if w.Code != http.StatusSeeOther {
			t.Fatalf("register: %d; %.400s", w.Code, w.Body)
		}
		doc = parse(t, s.get(location(w), admin))
		if got := text(one(t, doc, `#saved[role="status"]`)); !strings.Contains(got, "浙江省") {
			t.Errorf("notice %q", got)
		}
		if got := text(one(t, doc, "#peer-330000 .peer-status")); got != i18n.T(i18n.ZhHans, "federation.status.pending") {
			t.Errorf("status %q", got)
		}
		one(t, doc, `#peer-330000 form[action="/admin/federation/peers/330000/approve"] input#fingerprint-330000`)
		if n := count(t, doc, `#peer-330000 form[action="/admin/federation/peers/330000/fetch"]`); n != 0 {
			t.Error("a pending peer can be fetched")
		}
		// The same code, or the same key under another code: on the field it is about.
		for _, tc := range []struct {
			name string
			form url.Values
			id   string
			want string
		}{
			{"the same code", register("public_key", strangerKey(t)), "peer-code", i18n.T(i18n.ZhHans, "federation.error.peer_exists", "330000")},
			{"the same key", register("code", "310000", "name", "上海市"), "peer-public_key",
				i18n.T(i18n.ZhHans, "federation.error.key_pinned", "浙江省")},
		} {
			w := s.post("/admin/federation/peers", admin, tc.form)
			if w.Code != http.StatusConflict {
				t.Errorf("%s: %d, want 409", tc.name, w.Code)
				continue
			}
			checkFieldError(t, parse(t, w), tc.id, tc.want)
		}

		// Steps on a peer: refusals on its row, with what was typed.
		rowError := func(t *testing.T, w *httptest.ResponseRecorder, status int, field, want string) {
			t.Helper()
			if w.Code != status {
				t.Fatalf("%d, want %d; %.300s", w.Code, status, w.Body)
			}
			doc := parse(t, w)
			if got := text(one(t, doc, `#peer-330000 [role="alert"]#peer-330000-error`)); got != want {
				t.Errorf("the row says %q, want %q", got, want)
			}
			if field != "" {
				ctl := one(t, doc, "#"+field+"-330000")
				if v := attrOr(ctl, "aria-invalid"); v != "true" {
					t.Errorf("#%s-330000 aria-invalid = %q", field, v)
				}
				if v := attrOr(ctl, "aria-describedby"); !strings.Contains(v, "peer-330000-error") {
					t.Errorf("#%s-330000 aria-describedby = %q", field, v)
				}
				one(t, doc, `#peer-330000-error a[href="#`+field+`-330000"]`)
			}
		}
		t.Run("approve without a fingerprint", func(t *testing.T) {
			rowError(t, s.post("/admin/federation/peers/330000/approve", admin, url.Values{"fingerprint": {" "}}), 400, "fingerprint",
				i18n.T(i18n.ZhHans, "federation_admin.error.fingerprint_required"))
		})
		t.Run("approve with another fingerprint", func(t *testing.T) {
			w := s.post("/admin/federation/peers/330000/approve", admin, url.Values{"fingerprint": {own.Fingerprint}})
			rowError(t, w, 400, "fingerprint", i18n.T(i18n.ZhHans, "federation.error.fingerprint_mismatch"))
			if v := attrOr(one(t, parse(t, s.post("/admin/federation/peers/330000/approve", admin,
				url.Values{"fingerprint": {own.Fingerprint}})), "#fingerprint-330000"), "value"); v != own.Fingerprint {
				t.Errorf("the fingerprint typed is not kept: %q", v)
			}
		})
		t.Run("suspend without a reason", func(t *testing.T) {
			rowError(t, s.post("/admin/federation/peers/330000/suspend", admin, url.Values{"reason": {""}}), 400, "reason",
				i18n.T(i18n.ZhHans, "federation.error.reason", 200))
		})
		t.Run("fetch a pending peer", func(t *testing.T) {
			rowError(t, s.post("/admin/federation/peers/330000/fetch", admin, nil), 409, "",
				i18n.T(i18n.ZhHans, "federation.error.peer_not_approved", "浙江省"))
		})
		if w := s.post("/admin/federation/peers/440000/approve", admin, url.Values{"fingerprint": {own.Fingerprint}}); w.Code != http.StatusNotFound {
			t.Errorf("approving an unknown peer: %d, want 404", w.Code)
		}

		// Approved with the fingerprint as read out: in groups, upper case.
		fp := strings.ToUpper(text(one(t, parse(t, s.get("/admin/federation", admin)), "#peer-330000 code.fingerprint")))
		if w := s.post("/admin/federation/peers/330000/approve", admin, url.Values{"fingerprint": {fp}}); w.Code != http.StatusSeeOther {
			t.Fatalf("approve: %d; %.300s", w.Code, w.Body)
		}
		t.Run("refresh the snapshot before any list", func(t *testing.T) {
			rowError(t, s.post("/admin/federation/peers/330000/snapshot", admin, nil), 409, "",
				i18n.T(i18n.ZhHans, "federation.error.no_peer_list", "浙江省"))
		})
		// Fetched now: the list and the snapshot.
		w = s.post("/admin/federation/peers/330000/fetch", admin, nil)
		if w.Code != http.StatusSeeOther {
			t.Fatalf("fetch: %d; %.300s", w.Code, w.Body)
		}
		doc = parse(t, s.get(location(w), admin))
		if got := text(one(t, doc, "#saved")); got != i18n.T(i18n.ZhHans, "federation_admin.saved_fetched", "浙江省", 1) {
			t.Errorf("notice %q", got)
		}
		cells := queryAll(t, doc, "#peer-330000 td")
		if got := text(cells[4]); !strings.HasPrefix(got, "1") {
			t.Errorf("version cell %q", got)
		}
		if got := text(cells[5]); got == i18n.T(i18n.ZhHans, "federation_admin.none") {
			t.Error("no snapshot after fetching")
		}
		before := s.lastAuditID()
		if w := s.post("/admin/federation/peers/330000/snapshot", admin, nil); w.Code != http.StatusSeeOther {
			t.Fatalf("refresh: %d; %.300s", w.Code, w.Body)
		}
		if got := s.auditSince(before); len(got) != 1 || got[0] != "federation.snapshot.fetch" {
			t.Errorf("refreshing audited %v", got)
		}

		// A peer that cannot be reached: said on its row, 503.
		other := strangerKey(t)
		if w := s.post("/admin/federation/peers", admin, register("code", "440000", "name", "广东省", "endpoint", "http://127.0.0.1:1",
			"public_key", other)); w.Code != http.StatusSeeOther {
			t.Fatalf("register 440000: %d", w.Code)
		}
		der, _, err := federation.ParsePublicKey(other)
		if err != nil {
			t.Fatal(err)
		}
		if w := s.post("/admin/federation/peers/440000/approve", admin, url.Values{"fingerprint": {federation.Fingerprint(der)}}); w.Code != http.StatusSeeOther {
			t.Fatalf("approve 440000: %d", w.Code)
		}
		w = s.post("/admin/federation/peers/440000/fetch", admin, nil)
		if w.Code != http.StatusServiceUnavailable {
			t.Fatalf("fetching an unreachable peer: %d; %.300s", w.Code, w.Body)
		}
		if got := text(one(t, parse(t, w), `#peer-440000-error[role="alert"]`)); got != i18n.T(i18n.ZhHans, "federation.error.fetch_failed", "广东省") {
			t.Errorf("the row says %q", got)
		}

		// Suspended with a reason; it may be approved again.
		if w := s.post("/admin/federation/peers/330000/suspend", admin, url.Values{"reason": {"核查节点密钥"}}); w.Code != http.StatusSeeOther {
			t.Fatalf("suspend: %d; %.300s", w.Code, w.Body)
		}
		doc = parse(t, s.get("/admin/federation", admin))
		if got := text(one(t, doc, "#peer-330000 .peer-status")); got != i18n.T(i18n.ZhHans, "federation.status.suspended") {
			t.Errorf("status %q", got)
		}
		one(t, doc, `#peer-330000 form[action="/admin/federation/peers/330000/approve"]`)
		if n := count(t, doc, `#peer-330000 form[action="/admin/federation/peers/330000/suspend"]`); n != 0 {
			t.Error("a suspended peer can be suspended")
		}
		// The other languages render too.
		for _, l := range []i18n.Lang{i18n.ZhHant, i18n.En} {
			doc := parse(t, s.get("/admin/federation?lang="+string(l), admin))
			checkIdentityLayout(t, doc, l)
		}
	})
}
