package sign_test

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/pkcs7"

	"github.com/yiwang-platform/yiwang/internal/sign"
)

func run(t *testing.T, name string, args ...string) (string, bool) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	return string(out), err == nil
}

// embeddedToken returns the id-aa-timeStampToken of a CMS signature and the SHA-256 of the
// signature value it stamps.
func embeddedToken(t *testing.T, sig []byte) (token, digest []byte) {
	t.Helper()
	p7, err := pkcs7.Parse(sig)
	if err != nil {
		t.Fatal(err)
	}
	si := p7.Signers[0]
	for _, a := range si.UnauthenticatedAttributes {
		if a.Type.Equal(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}) {
			sum := sha256.Sum256(si.EncryptedDigest)
			return a.Value.Bytes, sum[:]
		}
	}
	t.Fatal("no time-stamp token in the signature")
	return nil, nil
}

// TestOpenSSLVerifiesCMS: `openssl cms -verify` accepts the ECDSA signatures and refuses them
// for a changed document; the time-stamps inside ECDSA and SM2 signatures pass
// `openssl ts -verify`; and a signature OpenSSL makes passes VerifyCMS.
func TestOpenSSLVerifiesCMS(t *testing.T) {
	openssl := needTool(t, "openssl")
	p := newPKI(t)
	a := p.authority(t)
	dir := t.TempDir()
	doc := document(t, 4096)
	docPath := writeFile(t, dir, "doc.bin", doc)
	changedPath := writeFile(t, dir, "changed.bin", append([]byte{doc[0] ^ 1}, doc[1:]...))
	rootPEM := writePEM(t, dir, "root.pem", p.ecCA.cert.Raw)
	tsaPEM := writePEM(t, dir, "tsa.pem", p.tsaCert.Raw)

	ecSig, err := sign.CMS(ctx(), doc, p.ec.key, p.ec.cert, p.ec.chain, a)
	if err != nil {
		t.Fatal(err)
	}
	sigPath := writeFile(t, dir, "sig.p7s", ecSig)

	t.Run("openssl cms -verify accepts the ECDSA signature", func(t *testing.T) {
		out, ok := run(t, openssl, "cms", "-verify", "-binary", "-inform", "DER", "-in", sigPath, "-content", docPath,
			"-CAfile", rootPEM, "-out", os.DevNull)
		if !ok || !strings.Contains(out, "Verification successful") {
			t.Fatalf("openssl cms -verify:\n%s", out)
		}
	})
	t.Run("openssl cms -verify refuses it for a changed document", func(t *testing.T) {
		out, ok := run(t, openssl, "cms", "-verify", "-binary", "-inform", "DER", "-in", sigPath, "-content", changedPath,
			"-CAfile", rootPEM, "-out", os.DevNull)
		if ok || strings.Contains(out, "Verification successful") {
			t.Fatalf("openssl cms -verify accepted a changed document:\n%s", out)
		}
	})

	for _, tc := range []struct {
		name string
		s    *signer
	}{{"ECDSA", p.ec}, {"SM2", p.sm2}} {
		t.Run("openssl ts -verify accepts the time-stamp inside the "+tc.name+" signature", func(t *testing.T) {
			sig, err := sign.CMS(ctx(), doc, tc.s.key, tc.s.cert, tc.s.chain, a)
			if err != nil {
				t.Fatal(err)
			}
			token, digest := embeddedToken(t, sig)
			tokenPath := writeFile(t, dir, "token-"+tc.name+".der", token)
			out, ok := run(t, openssl, "ts", "-verify", "-digest", hex.EncodeToString(digest), "-in", tokenPath, "-token_in",
				"-CAfile", rootPEM, "-untrusted", tsaPEM)
			if !ok || !strings.Contains(out, "Verification: OK") {
				t.Fatalf("openssl ts -verify:\n%s", out)
			}
			digest[0] ^= 1
			if out, ok := run(t, openssl, "ts", "-verify", "-digest", hex.EncodeToString(digest), "-in", tokenPath, "-token_in",
				"-CAfile", rootPEM, "-untrusted", tsaPEM); ok {
				t.Fatalf("openssl ts -verify accepted the token for another signature:\n%s", out)
			}
		})
	}

	t.Run("VerifyCMS accepts a signature made by openssl cms -sign", func(t *testing.T) {
		der, err := x509.MarshalPKCS8PrivateKey(p.ec.key)
		if err != nil {
			t.Fatal(err)
		}
		keyPath := writeFile(t, dir, "key.pem", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
		certPath := writePEM(t, dir, "signer.pem", p.ec.cert.Raw)
		outPath := filepath.Join(dir, "openssl.p7s")
		if out, ok := run(t, openssl, "cms", "-sign", "-binary", "-in", docPath, "-signer", certPath, "-inkey", keyPath,
			"-md", "sha256", "-outform", "DER", "-out", outPath); !ok {
			t.Fatalf("openssl cms -sign:\n%s", out)
		}
		sig, err := os.ReadFile(outPath)
		if err != nil {
			t.Fatal(err)
		}
		r, err := sign.VerifyCMS(ctx(), doc, sig, p.trust())
		if err != nil {
			t.Fatal(err)
		}
		if !r.Valid || r.TimeSource != "signing_time" || r.Signer.CommonName != p.ec.cert.Subject.CommonName {
			t.Errorf("report of an OpenSSL signature: %v", r)
		}
		changed, _ := os.ReadFile(changedPath)
		if r, err := sign.VerifyCMS(ctx(), changed, sig, p.trust()); err != nil || r.DocumentIntact || !r.SignatureValid {
			t.Errorf("report of an OpenSSL signature over a changed document: %v, %v", r, err)
		}
	})
}
