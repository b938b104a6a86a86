package tsa_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/requestid"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/tsa"
)

// testPKI is a root CA and a time-stamping certificate issued by it.
type testPKI struct {
	root    *x509.Certificate
	rootKey *ecdsa.PrivateKey
	cert    *x509.Certificate
	key     *ecdsa.PrivateKey
}

var (
	oidExtKeyUsage  = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidTimeStamping = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
)

// testNow is the storetest fake clock's start, which the authority's clock follows in tests.
var testNow = time.Date(2026, 3, 2, 9, 0, 0, 0, clock.China)

func mustKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustCert(t testing.TB, tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// ekuExtension is the extended key usage extension holding purposes, critical or not.
func ekuExtension(t testing.TB, critical bool, purposes ...asn1.ObjectIdentifier) pkix.Extension {
	t.Helper()
	v, err := asn1.Marshal(purposes)
	if err != nil {
		t.Fatal(err)
	}
	return pkix.Extension{Id: oidExtKeyUsage, Critical: critical, Value: v}
}

func newRoot(t testing.TB, cn string) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key := mustKey(t)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"Yiwang test"}, Country: []string{"CN"}},
		NotBefore:             testNow.AddDate(-1, 0, 0),
		NotAfter:              testNow.AddDate(10, 0, 0),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	return mustCert(t, tmpl, tmpl, key.Public(), key), key
}

// tsaTemplate is a time-stamping certificate template with the given extended key usage.
func tsaTemplate(ext ...pkix.Extension) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber:    big.NewInt(1001),
		Subject:         pkix.Name{CommonName: "Yiwang Test TSA", Organization: []string{"Yiwang test"}, Country: []string{"CN"}},
		NotBefore:       testNow.AddDate(0, -1, 0),
		NotAfter:        testNow.AddDate(5, 0, 0),
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtraExtensions: ext,
	}
}

func newPKI(t testing.TB) *testPKI {
	t.Helper()
	root, rootKey := newRoot(t, "Yiwang Test Root")
	key := mustKey(t)
	cert := mustCert(t, tsaTemplate(ekuExtension(t, true, oidTimeStamping)), root, key.Public(), rootKey)
	return &testPKI{root: root, rootKey: rootKey, cert: cert, key: key}
}

func (p *testPKI) roots() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.root)
	return pool
}

func newAuthority(t testing.TB, db *store.DB, p *testPKI) *tsa.Authority {
	t.Helper()
	a, err := tsa.New(db, tsa.Config{Signer: p.key, Certificate: p.cert, Chain: []*x509.Certificate{p.root}, Clock: db.Clock()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func ctx() context.Context { return requestid.With(context.Background(), "test") }

func writePEM(t testing.TB, dir, name string, certs ...*x509.Certificate) string {
	t.Helper()
	var b []byte
	for _, c := range certs {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// needTool returns the path of an external tool, skipping the test when it is missing unless
// CI=true, where it must be installed.
func needTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required when CI=true: %v", name, err)
		}
		t.Skipf("%s not installed: %v", name, err)
	}
	return p
}
