package api_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"io"
	"log/slog"
	"math/big"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/timestamp"

	"github.com/yiwang-platform/yiwang/internal/api"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
	"github.com/yiwang-platform/yiwang/internal/tsa"
)

// newTestTSA returns an authority with a throwaway root and time-stamping certificate, and the
// root.
func newTestTSA(t *testing.T, db *store.DB) (*tsa.Authority, *x509.Certificate) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	rootKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err)
	now := time.Now()
	rootTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "API test root"},
		NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(1, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	rootDER, err := x509.CreateCertificate(rand.Reader, rootTmpl, rootTmpl, rootKey.Public(), rootKey)
	must(err)
	root, err := x509.ParseCertificate(rootDER)
	must(err)
	eku, err := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
	must(err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "API test TSA"},
		NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(1, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: eku}}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, root, key.Public(), rootKey)
	must(err)
	cert, err := x509.ParseCertificate(der)
	must(err)
	a, err := tsa.New(db, tsa.Config{Signer: key, Certificate: cert, Chain: []*x509.Certificate{root}})
	must(err)
	t.Cleanup(func() { a.Close() })
	return a, root
}

func TestTSAEndpoint(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		authority, root := newTestTSA(t, db)
		srv, err := httpserver.New(httpserver.Config{
			Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
			RateLimits: map[string]httpserver.Limit{httpserver.ClassAPI: {PerSecond: 0.001, Burst: 6}},
		})
		if err != nil {
			t.Fatal(err)
		}
		api.New(api.Config{DB: db, TSA: authority}).Install(srv)
		h := srv.Handler()

		digest := sha256.Sum256([]byte("a document"))
		query, err := (&timestamp.Request{HashAlgorithm: crypto.SHA256, HashedMessage: digest[:], Certificates: true, Nonce: big.NewInt(99)}).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		roots := x509.NewCertPool()
		roots.AddCert(root)

		for _, tc := range []struct {
			name        string
			method      string
			contentType string
			auth        string
			body        []byte
			status      int
			wantType    string
		}{
			{name: "a time-stamp request", method: "POST", contentType: tsa.QueryContentType, body: query, status: 200, wantType: tsa.ReplyContentType},
			{name: "credentials are not looked at", method: "POST", contentType: tsa.QueryContentType, auth: "Bearer ywpat_nonsense", body: query,
				status: 200, wantType: tsa.ReplyContentType},
			{name: "another content type", method: "POST", contentType: "application/octet-stream", body: query, status: 415, wantType: "text/plain"},
			{name: "no content type", method: "POST", body: query, status: 415, wantType: "text/plain"},
			{name: "not a request", method: "POST", contentType: tsa.QueryContentType, body: []byte("hello"), status: 400},
			{name: "too large", method: "POST", contentType: tsa.QueryContentType, body: bytes.Repeat([]byte{0x30}, 17<<10), status: 413},
			{name: "GET is not allowed", method: "GET", status: 405},
			{name: "the rate limit", method: "POST", contentType: tsa.QueryContentType, body: query, status: 429},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := httptest.NewRequest(tc.method, "/tsa", bytes.NewReader(tc.body))
				if tc.contentType != "" {
					r.Header.Set("Content-Type", tc.contentType)
				}
				if tc.auth != "" {
					r.Header.Set("Authorization", tc.auth)
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != tc.status {
					t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body.String())
				}
				if tc.wantType != "" && !strings.HasPrefix(w.Header().Get("Content-Type"), tc.wantType) {
					t.Errorf("Content-Type %q, want %q", w.Header().Get("Content-Type"), tc.wantType)
				}
				if tc.status == 415 && w.Header().Get("Accept-Post") != tsa.QueryContentType {
					t.Errorf("Accept-Post %q", w.Header().Get("Accept-Post"))
				}
				if tc.status != 200 {
					return
				}
				ts, err := timestamp.ParseResponse(w.Body.Bytes())
				if err != nil {
					t.Fatalf("reply: %v", err)
				}
				if ts.Nonce == nil || ts.Nonce.Int64() != 99 {
					t.Errorf("nonce %v, want 99", ts.Nonce)
				}
				if _, err := tsa.Verify(ts.RawToken, crypto.SHA256, digest[:], roots); err != nil {
					t.Errorf("Verify: %v", err)
				}
			})
		}
	})
}
