package ses

import (
	"bytes"
	"crypto/ecdsa"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/smx509"
)

// needOpenSSL returns the path of an OpenSSL 3 binary, or skips the test; under CI=true a
// missing or older OpenSSL fails it instead.
func needOpenSSL(t *testing.T) string {
	t.Helper()
	skip := t.Skipf
	if os.Getenv("CI") == "true" {
		skip = t.Fatalf
	}
	path, err := exec.LookPath("openssl")
	if err != nil {
		skip("openssl not found: %v", err)
		return ""
	}
	out, err := exec.Command(path, "version").Output()
	if err != nil || !bytes.HasPrefix(out, []byte("OpenSSL 3.")) {
		skip("need OpenSSL 3 for SM2 with a distinguishing id, have %q (%v)", out, err)
		return ""
	}
	return path
}

// opensslVerify runs
//
//	openssl pkeyutl -verify -pubin -inkey pub.pem -rawin -in tbs.der -sigfile sig.der \
//	    -digest sm3 -pkeyopt distid:1234567812345678
//
// and reports whether OpenSSL accepted the signature. Without the distid option (distid false)
// OpenSSL 3.0 uses an empty user id, and signatures made with the default id fail.
func opensslVerify(t *testing.T, openssl string, pub *ecdsa.PublicKey, tbs, sig []byte, distid bool) (bool, string) {
	t.Helper()
	dir := t.TempDir()
	spki, err := smx509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"pub.pem": pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki}),
		"tbs.der": tbs,
		"sig.der": sig,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem",
		"-rawin", "-in", "tbs.der", "-sigfile", "sig.der", "-digest", "sm3"}
	if distid {
		args = append(args, "-pkeyopt", "distid:1234567812345678")
	}
	cmd := exec.Command(openssl, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	ok := err == nil && strings.Contains(string(out), "Signature Verified Successfully")
	return ok, string(out)
}

// TestOpenSSLVerifies checks both signatures with an implementation other than gmsm: the seal
// maker's over SES_SealInfo and the signer's over TBS_Sign, and that a changed TBS fails.
func TestOpenSSLVerifies(t *testing.T) {
	openssl := needOpenSSL(t)
	p := newPKI(t)
	sealDER := p.makeSeal(t, p.sealInfo())
	s, err := ParseSignature(p.sign(t, sealDER, []byte("document"), SignOptions{Time: now, Property: "/Doc_0/Signs/Sign_0/Signature.xml"}))
	if err != nil {
		t.Fatal(err)
	}
	flip := func(b []byte) []byte {
		b = bytes.Clone(b)
		b[len(b)/2] ^= 1
		return b
	}
	for _, tc := range []struct {
		name   string
		pub    *ecdsa.PublicKey
		tbs    []byte
		sig    []byte
		distid bool
		want   bool
	}{
		{"seal maker over SES_SealInfo", &p.maker.key.PublicKey, s.Seal.TBS, s.Seal.Signature, true, true},
		{"signer over TBS_Sign", &p.signer.key.PublicKey, s.TBS, s.Value, true, true},
		{"changed SES_SealInfo", &p.maker.key.PublicKey, flip(s.Seal.TBS), s.Seal.Signature, true, false},
		{"changed TBS_Sign", &p.signer.key.PublicKey, flip(s.TBS), s.Value, true, false},
		{"someone else's key", &p.outsider.key.PublicKey, s.TBS, s.Value, true, false},
		{"empty user id (no distid)", &p.signer.key.PublicKey, s.TBS, s.Value, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, out := opensslVerify(t, openssl, tc.pub, tc.tbs, tc.sig, tc.distid)
			t.Logf("openssl: %s", strings.TrimSpace(out))
			if got != tc.want {
				t.Errorf("openssl verified = %v, want %v:\n%s", got, tc.want, out)
			}
		})
	}
}
