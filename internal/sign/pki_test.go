package sign_test

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
	"sync/atomic"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"github.com/yiwang-platform/yiwang/internal/requestid"
	"github.com/yiwang-platform/yiwang/internal/sign"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
	"github.com/yiwang-platform/yiwang/internal/tsa"
)

// A test PKI: an SM2 root with an SM2 signer, an ECDSA root with an ECDSA signer and a
// time-stamping authority. Certificates are valid around the real time, because the CMS
// signing-time attribute and the time-stamps are taken from the real clock.

type ca struct {
	cert *smx509.Certificate
	key  crypto.Signer
}

type signer struct {
	key   crypto.Signer
	cert  *smx509.Certificate
	chain []*smx509.Certificate // issuer first
	root  *smx509.Certificate
}

// x509 returns the signer's certificate and chain for the PDF signer, which takes crypto/x509.
func (s *signer) x509(t testing.TB) (*x509.Certificate, []*x509.Certificate) {
	t.Helper()
	conv := func(c *smx509.Certificate) *x509.Certificate {
		x, err := x509.ParseCertificate(c.Raw)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	var chain []*x509.Certificate
	for _, c := range s.chain {
		chain = append(chain, conv(c))
	}
	return conv(s.cert), chain
}

var serials atomic.Int64

func nextSerial() *big.Int { return big.NewInt(serials.Add(1) + 100) }

func newKey(t testing.TB, sm bool) crypto.Signer {
	t.Helper()
	if sm {
		k, err := sm2.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func create(t testing.TB, tmpl, parent *smx509.Certificate, pub crypto.PublicKey, key crypto.Signer) *smx509.Certificate {
	t.Helper()
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := smx509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newCA(t testing.TB, sm bool, cn string) *ca {
	t.Helper()
	key := newKey(t, sm)
	now := time.Now()
	tmpl := &smx509.Certificate{
		SerialNumber:          nextSerial(),
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"福建省数字福建建设领导小组办公室"}, Country: []string{"CN"}},
		NotBefore:             now.AddDate(-5, 0, 0),
		NotAfter:              now.AddDate(10, 0, 0),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              smx509.KeyUsageCertSign | smx509.KeyUsageCRLSign,
	}
	return &ca{cert: create(t, tmpl, tmpl, key.Public(), key), key: key}
}

// issue makes a signing certificate valid from notBefore to notAfter.
func (c *ca) issue(t testing.TB, sm bool, cn string, notBefore, notAfter time.Time) *signer {
	t.Helper()
	key := newKey(t, sm)
	tmpl := &smx509.Certificate{
		SerialNumber: nextSerial(),
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"福建省市场监督管理局"}, Country: []string{"CN"}},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     smx509.KeyUsageDigitalSignature | smx509.KeyUsageContentCommitment,
	}
	return &signer{key: key, cert: create(t, tmpl, c.cert, key.Public(), c.key), chain: []*smx509.Certificate{c.cert}, root: c.cert}
}

type testPKI struct {
	sm2CA, ecCA *ca
	sm2, ec     *signer
	tsaCert     *x509.Certificate
	tsaKey      *ecdsa.PrivateKey
	tsaRoot     *x509.Certificate
}

func newPKI(t testing.TB) *testPKI {
	t.Helper()
	now := time.Now()
	p := &testPKI{sm2CA: newCA(t, true, "Yiwang Test SM2 Root"), ecCA: newCA(t, false, "Yiwang Test ECDSA Root")}
	p.sm2 = p.sm2CA.issue(t, true, "福建省市场监督管理局 电子印章", now.Add(-time.Hour), now.AddDate(1, 0, 0))
	p.ec = p.ecCA.issue(t, false, "Fujian Market Regulation seal", now.Add(-time.Hour), now.AddDate(1, 0, 0))

	// The time-stamping certificate, issued by the ECDSA root, with the critical
	// id-kp-timeStamping extended key usage RFC 3161 requires.
	eku, err := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
	if err != nil {
		t.Fatal(err)
	}
	key := newKey(t, false).(*ecdsa.PrivateKey)
	tmpl := &smx509.Certificate{
		SerialNumber:    nextSerial(),
		Subject:         pkix.Name{CommonName: "Yiwang Test TSA", Organization: []string{"Yiwang test"}, Country: []string{"CN"}},
		NotBefore:       now.AddDate(-1, 0, 0),
		NotAfter:        now.AddDate(5, 0, 0),
		KeyUsage:        smx509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: eku}},
	}
	tsaCert := create(t, tmpl, p.ecCA.cert, key.Public(), p.ecCA.key)
	p.tsaKey = key
	p.tsaCert, err = x509.ParseCertificate(tsaCert.Raw)
	if err != nil {
		t.Fatal(err)
	}
	p.tsaRoot, err = x509.ParseCertificate(p.ecCA.cert.Raw)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// authority starts a time-stamping authority on a fresh SQLite database.
func (p *testPKI) authority(t testing.TB) *tsa.Authority {
	t.Helper()
	return p.authorityOn(t, storetest.Open(t, store.SQLite, storetest.Options{}))
}

func (p *testPKI) authorityOn(t testing.TB, db *store.DB) *tsa.Authority {
	t.Helper()
	a, err := tsa.New(db, tsa.Config{Signer: p.tsaKey, Certificate: p.tsaCert, Chain: []*x509.Certificate{p.tsaRoot}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// trust trusts both roots for signers and the ECDSA root for time-stamps.
func (p *testPKI) trust() sign.Trust {
	return sign.Trust{Roots: []*smx509.Certificate{p.sm2CA.cert, p.ecCA.cert}, TSARoots: []*x509.Certificate{p.tsaRoot}}
}

func ctx() context.Context { return requestid.With(context.Background(), "test") }

func writeFile(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func writePEM(t testing.TB, dir, name string, ders ...[]byte) string {
	t.Helper()
	var b []byte
	for _, d := range ders {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: d})...)
	}
	return writeFile(t, dir, name, b)
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

// fakeStatus answers every status question the same way.
type fakeStatus struct {
	status    string
	revokedAt time.Time
	err       error
}

func (f fakeStatus) Status(context.Context, string, string, time.Time) (string, time.Time, error) {
	return f.status, f.revokedAt, f.err
}
