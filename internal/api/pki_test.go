package api_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ocsp"

	"github.com/yiwang-platform/yiwang/internal/api"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/pki"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// pkiScenarios need only the demo's officials and no certificate; the main table runs them
// once the platform gives the API its PKI. TestPKIAPI runs them too, with the IDOR sweep over
// real certificates (pkiIDOR).
var pkiScenarios = []scenario{
	{name: "pki: certificates, anonymous", method: "GET", url: "/api/v1/pki/certificates?org=fj-market-regulation", status: 401,
		want: unauthenticated},
	{name: "pki: certificates of another organisation", method: "GET", url: "/api/v1/pki/certificates?org=fj-market-regulation", as: gxt,
		status: 403, want: errWant("forbidden", zh("pki.error.not_your_org"))},
	{name: "pki: certificates of the official's organisation", method: "GET", url: "/api/v1/pki/certificates?org=fj-market-regulation",
		as: "scj.window", status: 200},
	{name: "pki: certificates, the digital office", method: "GET", url: "/api/v1/pki/certificates?org=fj-market-regulation", as: reviewer,
		status: 200},
	{name: "pki: certificates of an unknown organisation", method: "GET", url: "/api/v1/pki/certificates?org=fj-nowhere", as: admin,
		status: 404, want: errWant("not_found", zh("error.org_not_found", "fj-nowhere"))},
	{name: "pki: revoke, anonymous", method: "POST", url: "/api/v1/pki/certificates/4abc/revoke", body: `{"reason":"keyCompromise"}`,
		status: 401, want: unauthenticated},
	{name: "pki: revoke an unknown certificate", method: "POST", url: "/api/v1/pki/certificates/4abc/revoke", as: admin,
		body: `{"reason":"keyCompromise"}`, status: 404, want: errWant("not_found", zh("pki.error.not_found"))},
	{name: "pki: revoke with an unknown reason", method: "POST", url: "/api/v1/pki/certificates/4abc/revoke", as: admin,
		body: `{"reason":"lost"}`, status: 400, want: fieldErr("reason", zh("pki.error.reason", "lost"))},
}

func init() { scenarios = append(scenarios, pkiScenarios...) }

// pkiIDOR runs after pkiFixture: {scjSeal} and {gatSeal} are seal certificates of the market
// regulator and of public security, {scjCA} the regulator's ECDSA CA.
var pkiIDOR = []scenario{
	{name: "list: the organisation's own by default", method: "GET", url: "/api/v1/pki/certificates", as: "scj.admin", status: 200,
		want: map[string]any{"#": 4, "0.org": "fj-market-regulation", "0.der": absent, "0.url": present, "0.status": "good"}},
	{name: "list: a resident", method: "GET", url: "/api/v1/pki/certificates?org=fj-market-regulation", as: "resident", status: 403,
		want: map[string]any{"error.kind": "forbidden"}},
	{name: "list: another organisation's administrator", method: "GET", url: "/api/v1/pki/certificates?org=fj-market-regulation",
		as: "gat.admin", status: 403, want: map[string]any{"error.kind": "forbidden"}},
	{name: "revoke: another organisation's administrator (IDOR)", method: "POST", url: "/api/v1/pki/certificates/{scjSeal}/revoke",
		as: "gat.admin", body: `{"reason":"keyCompromise"}`, status: 403, want: errWant("forbidden", zh("pki.error.forbidden"))},
	{name: "revoke: a window officer of the organisation", method: "POST", url: "/api/v1/pki/certificates/{scjSeal}/revoke",
		as: "scj.window", body: `{"reason":"keyCompromise"}`, status: 403, want: errWant("forbidden", zh("pki.error.forbidden"))},
	{name: "revoke: a resident", method: "POST", url: "/api/v1/pki/certificates/{scjSeal}/revoke", as: "resident",
		body: `{"reason":"keyCompromise"}`, status: 403, want: map[string]any{"error.kind": "forbidden"}},
	{name: "revoke: the organisation's CA, by its administrator", method: "POST", url: "/api/v1/pki/certificates/{scjCA}/revoke",
		as: "scj.admin", body: `{"reason":"cACompromise"}`, status: 403, want: errWant("forbidden", zh("pki.error.ca_office_only"))},
	{name: "revoke: unknown field", method: "POST", url: "/api/v1/pki/certificates/{scjSeal}/revoke", as: "scj.admin",
		body: `{"reason":"keyCompromise","when":"now"}`, status: 400, want: fieldErr("when", zh("api.error.unknown_field", "when"))},
	{name: "revoke: nothing changed by the refusals", method: "GET", url: "/api/v1/pki/certificates?org=fj-market-regulation", as: "scj.window",
		status: 200, want: map[string]any{"0.status": "good", "1.status": "good", "2.status": "good", "3.status": "good"}},
	{name: "revoke: the organisation's administrator", method: "POST", url: "/api/v1/pki/certificates/{scjSeal}/revoke", as: "scj.admin",
		body: `{"reason":"keyCompromise"}`, status: 200,
		want:  map[string]any{"serial": "{scjSeal}", "status": "revoked", "reason": "keyCompromise", "revoked_at": present},
		audit: []string{"pki.revoke"}},
	{name: "revoke: again", method: "POST", url: "/api/v1/pki/certificates/{scjSeal}/revoke", as: "scj.admin",
		body: `{"reason":"superseded"}`, status: 409, want: errWant("conflict", zh("pki.error.already_revoked"))},
	{name: "revoke: the digital office, another organisation's, no reason", method: "POST", url: "/api/v1/pki/certificates/{gatSeal}/revoke",
		as: "szb.admin", body: `{}`, status: 200, want: map[string]any{"status": "revoked", "reason": "unspecified"}, audit: []string{"pki.revoke"}},
	{name: "revoke: a CA, by the digital office", method: "POST", url: "/api/v1/pki/certificates/{scjCA}/revoke", as: "szb.admin",
		body: `{"reason":"cACompromise"}`, status: 200, want: map[string]any{"kind": "org-ca", "status": "revoked"}, audit: []string{"pki.revoke"}},
}

// pkiPrincipals stand in for signed-in people: the session cookie's value is the login.
var pkiPrincipals = map[string]principal.Principal{
	"scj.admin":  {Kind: principal.Official, Login: "scj.admin", OrgCode: "fj-market-regulation", Roles: []string{principal.RoleAdministrator}},
	"scj.window": {Kind: principal.Official, Login: "scj.window", OrgCode: "fj-market-regulation", Roles: []string{principal.RoleWindowOfficer}},
	"gat.admin":  {Kind: principal.Official, Login: "gat.admin", OrgCode: "fj-public-security", Roles: []string{principal.RoleAdministrator}},
	gxt:          {Kind: principal.Official, Login: gxt, OrgCode: "fj-miit"},
	admin:        {Kind: principal.Official, Login: admin, OrgCode: org.DigitalOffice, Roles: []string{principal.RoleAdministrator}},
	reviewer:     {Kind: principal.Official, Login: reviewer, OrgCode: org.DigitalOffice, Roles: []string{principal.RoleReviewer}},
	"resident":   {Kind: principal.Resident, Login: "resident", AccountID: 7, RealNameLevel: 3},
}

type pkiServer struct {
	db      *store.DB
	pki     *pki.Service
	keys    *keys.Service
	handler http.Handler
}

// newPKIServer is the API with only its PKI over db, behind a real httpserver whose
// authentication reads pkiPrincipals.
func newPKIServer(t *testing.T, db *store.DB) pkiServer {
	t.Helper()
	sys := principal.With(context.Background(), principal.SystemPrincipal)
	if _, err := org.Seed(sys, db, org.Directory()); err != nil {
		t.Fatal(err)
	}
	k, err := keys.New(db, keys.NewMasterKey(), keys.Options{})
	if err != nil {
		t.Fatal(err)
	}
	svc := pki.New(db, k, pki.Config{BaseURL: "https://yiwang.test", RootOrg: org.DigitalOffice})
	high := httpserver.Limit{PerSecond: 1e6, Burst: 1e6}
	srv, err := httpserver.New(httpserver.Config{
		Logger:     slog.New(slog.DiscardHandler),
		RateLimits: map[string]httpserver.Limit{httpserver.ClassAPI: high, httpserver.ClassPublic: high},
		Authenticate: func(r *http.Request) (principal.Principal, error) {
			if c, err := r.Cookie("yiwang_session"); err == nil {
				if p, ok := pkiPrincipals[c.Value]; ok {
					return p, nil
				}
			}
			return principal.Principal{Kind: principal.Anonymous}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	api.New(api.Config{DB: db, PKI: svc}).Install(srv)
	return pkiServer{db: db, pki: svc, keys: k, handler: srv.Handler()}
}

// issue issues a seal certificate of orgCode in family f as the platform.
func (ps pkiServer) issue(t *testing.T, orgCode string, f pki.Family) pki.Certificate {
	t.Helper()
	sys := principal.With(context.Background(), principal.SystemPrincipal)
	k, err := ps.keys.Ensure(sys, orgCode, "seal", f.KeyAlgorithm())
	if err != nil {
		t.Fatal(err)
	}
	c, err := ps.pki.Issue(sys, principal.SystemPrincipal, pki.IssueRequest{Org: orgCode, Kind: pki.KindSeal, KeyID: k.ID, CommonName: "专用章"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (ps pkiServer) get(t *testing.T, method, target, contentType string, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, bytes.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	ps.handler.ServeHTTP(w, r)
	return w
}

func TestPKIAPI(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ps := newPKIServer(t, db)
		scjSeal := ps.issue(t, "fj-market-regulation", pki.ECDSA)
		ps.issue(t, "fj-market-regulation", pki.SM2)
		gatSeal := ps.issue(t, "fj-public-security", pki.ECDSA)
		saved := map[string]string{"scjSeal": scjSeal.Serial, "gatSeal": gatSeal.Serial, "scjCA": scjSeal.IssuerSerial}
		ss := &sessions{tokens: map[string]string{}}
		for login := range pkiPrincipals {
			ss.tokens[login] = login
		}
		for _, sc := range append(append([]scenario(nil), pkiScenarios...), pkiIDOR...) {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, ps.handler, db, ss, saved) })
		}
	})
}

func TestPKIPublicRoutes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ps := newPKIServer(t, db)
		ctx := principal.With(context.Background(), principal.SystemPrincipal)
		if w := ps.get(t, "GET", "/pki/roots", "", nil); w.Code != 404 {
			t.Errorf("roots before any: %d", w.Code)
		}
		seal := ps.issue(t, "fj-market-regulation", pki.ECDSA)
		sm2Seal := ps.issue(t, "fj-market-regulation", pki.SM2)
		chain, _ := ps.pki.Chain(ctx, seal.Serial)
		ca := chain[1]

		pemBlocks := func(b []byte) (out [][]byte) {
			for {
				var blk *pem.Block
				if blk, b = pem.Decode(b); blk == nil {
					return out
				}
				out = append(out, blk.Bytes)
			}
		}
		w := ps.get(t, "GET", "/pki/roots", "", nil)
		if w.Code != 200 || w.Header().Get("Content-Type") != "application/x-pem-file" || len(pemBlocks(w.Body.Bytes())) != 2 {
			t.Errorf("roots: %d %s\n%s", w.Code, w.Header().Get("Content-Type"), w.Body)
		}
		w = ps.get(t, "GET", "/pki/certs/"+seal.Serial, "", nil)
		if w.Code != 200 || w.Header().Get("Content-Type") != "application/pkix-cert" || !bytes.Equal(w.Body.Bytes(), seal.DER) ||
			!strings.HasPrefix(w.Header().Get("Cache-Control"), "public") {
			t.Errorf("cert: %d %v", w.Code, w.Header())
		}
		w = ps.get(t, "GET", "/pki/certs/"+strings.ToUpper(seal.Serial)+"?format=pem", "", nil)
		if b := pemBlocks(w.Body.Bytes()); w.Code != 200 || len(b) != 1 || !bytes.Equal(b[0], seal.DER) {
			t.Errorf("cert as PEM: %d\n%s", w.Code, w.Body)
		}
		if w = ps.get(t, "GET", "/pki/certs/"+seal.Serial+"?format=xml", "", nil); w.Code != 400 {
			t.Errorf("cert as XML: %d", w.Code)
		}
		for _, p := range []string{"/pki/certs/4abc", "/pki/certs/nothex", "/pki/certs/4abc/chain", "/pki/crl/" + seal.Serial,
			"/pki/status/4abc"} {
			if w = ps.get(t, "GET", p, "", nil); w.Code != 404 {
				t.Errorf("GET %s: %d", p, w.Code)
			}
		}
		w = ps.get(t, "GET", "/pki/certs/"+seal.Serial+"/chain", "", nil)
		if b := pemBlocks(w.Body.Bytes()); w.Code != 200 || len(b) != 3 || !bytes.Equal(b[0], seal.DER) || !bytes.Equal(b[2], chain[2].DER) {
			t.Errorf("chain: %d, %d certificates", w.Code, len(b))
		}

		if err := ps.pki.Revoke(ctx, principal.SystemPrincipal, seal.Serial, "keyCompromise"); err != nil {
			t.Fatal(err)
		}
		w = ps.get(t, "GET", "/pki/crl/"+ca.Serial, "", nil)
		caX, _ := ca.X509()
		crl, err := x509.ParseRevocationList(w.Body.Bytes())
		if err != nil || w.Header().Get("Content-Type") != "application/pkix-crl" || crl.CheckSignatureFrom(caX) != nil ||
			len(crl.RevokedCertificateEntries) != 1 {
			t.Errorf("CRL: %d %v %s", w.Code, err, w.Header().Get("Content-Type"))
		}

		for _, c := range []pki.Certificate{seal, sm2Seal} {
			w = ps.get(t, "GET", "/pki/status/"+c.Serial, "", nil)
			issuer, _ := ps.pki.Get(ctx, c.IssuerSerial)
			info, err := pki.VerifyStatusResponse(w.Body.Bytes(), issuer.DER)
			want := map[string]string{seal.Serial: "revoked", sm2Seal.Serial: "good"}[c.Serial]
			if w.Code != 200 || err != nil || info.Status != want || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
				t.Errorf("status of %s: %d %v %+v", c.Family, w.Code, err, info)
			}
		}

		leaf, _ := seal.X509()
		req, _ := ocsp.CreateRequest(leaf, caX, nil)
		if w = ps.get(t, "POST", "/pki/ocsp", "application/x-www-form-urlencoded", req); w.Code != 415 ||
			w.Header().Get("Accept-Post") != "application/ocsp-request" {
			t.Errorf("OCSP with the wrong type: %d %v", w.Code, w.Header())
		}
		for name, w := range map[string]*httptest.ResponseRecorder{
			"POST": ps.get(t, "POST", "/pki/ocsp", "application/ocsp-request", req),
			"GET":  ps.get(t, "GET", "/pki/ocsp/"+url.PathEscape(base64.StdEncoding.EncodeToString(req)), "", nil),
		} {
			resp, err := ocsp.ParseResponseForCert(w.Body.Bytes(), leaf, caX)
			if w.Code != 200 || w.Header().Get("Content-Type") != "application/ocsp-response" || err != nil || resp.Status != ocsp.Revoked {
				t.Errorf("OCSP %s: %d %s %v %+v", name, w.Code, w.Header().Get("Content-Type"), err, resp)
			}
		}
		w = ps.get(t, "POST", "/pki/ocsp", "application/ocsp-request", []byte("junk"))
		if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), ocsp.MalformedRequestErrorResponse) {
			t.Errorf("junk OCSP request: %d %x", w.Code, w.Body.Bytes())
		}
		w = ps.get(t, "POST", "/pki/ocsp", "application/ocsp-request", make([]byte, pki.MaxOCSPRequest+1))
		if w.Code != 413 {
			t.Errorf("oversized OCSP request: %d", w.Code)
		}
	})
}

// TestOpenSSLOCSP asks the HTTP responder with `openssl ocsp`: good, then revoked.
func TestOpenSSLOCSP(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("openssl is required in CI")
		}
		t.Skip("openssl not installed")
	}
	// OpenSSL checks the response's times against the real clock.
	db := storetest.Open(t, store.SQLite, storetest.Options{Clock: clock.Real{}})
	ps := newPKIServer(t, db)
	ctx := principal.With(context.Background(), principal.SystemPrincipal)
	seal := ps.issue(t, "fj-market-regulation", pki.ECDSA)
	chain, _ := ps.pki.Chain(ctx, seal.Serial)
	dir := t.TempDir()
	for name, c := range map[string]pki.Certificate{"leaf.pem": seal, "orgca.pem": chain[1], "root.pem": chain[2]} {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.DER}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	hs := httptest.NewServer(ps.handler)
	defer hs.Close()
	ask := func() string {
		t.Helper()
		cmd := exec.Command(bin, "ocsp", "-issuer", "orgca.pem", "-cert", "leaf.pem", "-url", hs.URL+"/pki/ocsp", "-CAfile", "root.pem")
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("openssl ocsp: %v\n%s", err, out)
		}
		t.Logf("openssl ocsp:\n%s", out)
		if !strings.Contains(string(out), "Response verify OK") {
			t.Errorf("openssl did not verify the response:\n%s", out)
		}
		return string(out)
	}
	if out := ask(); !strings.Contains(out, "leaf.pem: good") {
		t.Errorf("before revocation:\n%s", out)
	}
	if err := ps.pki.Revoke(ctx, principal.SystemPrincipal, seal.Serial, "keyCompromise"); err != nil {
		t.Fatal(err)
	}
	if out := ask(); !strings.Contains(out, "leaf.pem: revoked") || !strings.Contains(out, "Reason: keyCompromise") {
		t.Errorf("after revocation:\n%s", out)
	}
}
