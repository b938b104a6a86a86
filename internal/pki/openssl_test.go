package pki_test

import (
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/smx509"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/pki"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// sm2DistID is the signer identity every SM2 signature here uses: the GM/T 0009 default, which
// OpenSSL 3 must be told (-vfyopt distid:…, -pkeyopt distid:…).
const sm2DistID = "distid:1234567812345678"

// needOpenSSL returns the openssl binary, skipping the test when there is none unless CI=true.
func needOpenSSL(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("openssl")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("openssl is required in CI")
		}
		t.Skip("openssl not installed")
	}
	return path
}

type opensslRun struct {
	t   *testing.T
	bin string
	dir string
}

// run runs openssl with args in the test's directory and returns its combined output.
func (o opensslRun) run(args ...string) (string, error) {
	o.t.Helper()
	cmd := exec.Command(o.bin, args...)
	cmd.Dir = o.dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (o opensslRun) ok(args ...string) string {
	o.t.Helper()
	out, err := o.run(args...)
	if err != nil {
		o.t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func (o opensslRun) write(name string, b []byte) {
	o.t.Helper()
	if err := os.WriteFile(filepath.Join(o.dir, name), b, 0o600); err != nil {
		o.t.Fatal(err)
	}
}

func (o opensslRun) writePEM(name string, c pki.Certificate) {
	o.t.Helper()
	o.write(name, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.DER}))
}

// TestOpenSSL checks chains, revocation and CRLs with OpenSSL 3, an implementation that is not
// Go's. OpenSSL 3.0 and 3.1 apply -vfyopt distid only to the certificate being verified, not
// to intermediates or CRLs, so SM2 chains are checked one link at a time and SM2 CRL signatures
// with pkeyutl; where OpenSSL does it in one go (later versions), the one-shot commands must
// agree.
func TestOpenSSL(t *testing.T) {
	t.Parallel()
	bin := needOpenSSL(t)
	// OpenSSL checks validity against the real time.
	db := storetest.Open(t, store.SQLite, storetest.Options{Clock: clock.Real{}})
	fx := setup(t, db)
	ctx := ctxAs(system)
	for _, f := range pki.Families {
		t.Run(string(f), func(t *testing.T) {
			o := opensslRun{t: t, bin: bin, dir: t.TempDir()}
			seal := fx.issue(t, scj, pki.KindSeal, f, sealName)
			tsa := fx.issue(t, org.DigitalOffice, pki.KindTSA, f, "福建省政务服务时间戳服务")
			chain, err := fx.pki.Chain(ctx, seal.Serial)
			if err != nil {
				t.Fatal(err)
			}
			tsaChain, err := fx.pki.Chain(ctx, tsa.Serial)
			if err != nil {
				t.Fatal(err)
			}
			o.writePEM("leaf.pem", seal)
			o.writePEM("orgca.pem", chain[1])
			o.writePEM("root.pem", chain[2])
			o.writePEM("tsa.pem", tsa)
			o.writePEM("tsaca.pem", tsaChain[1])

			text := o.ok("x509", "-in", "tsa.pem", "-noout", "-text")
			if !strings.Contains(text, "X509v3 Extended Key Usage: critical") || !strings.Contains(text, "Time Stamping") {
				t.Errorf("TSA certificate as OpenSSL reads it:\n%s", text)
			}

			if f == pki.ECDSA {
				o.ok("verify", "-CAfile", "root.pem", "-untrusted", "orgca.pem", "leaf.pem")
				o.ok("verify", "-purpose", "timestampsign", "-CAfile", "root.pem", "-untrusted", "tsaca.pem", "tsa.pem")
			} else {
				// Link by link, each with the SM2 identity.
				o.ok("verify", "-vfyopt", sm2DistID, "-CAfile", "root.pem", "orgca.pem")
				o.ok("verify", "-vfyopt", sm2DistID, "-partial_chain", "-CAfile", "orgca.pem", "leaf.pem")
				o.ok("verify", "-vfyopt", sm2DistID, "-partial_chain", "-purpose", "timestampsign", "-CAfile", "tsaca.pem", "tsa.pem")
				if out, err := o.run("verify", "-vfyopt", sm2DistID, "-CAfile", "root.pem", "-untrusted", "orgca.pem", "leaf.pem"); err != nil {
					t.Logf("this OpenSSL does not verify SM2 intermediates in one go (3.0/3.1): %s", strings.TrimSpace(out))
				}
				// A wrong identity must fail: the check is real.
				if out, err := o.run("verify", "-vfyopt", "distid:0000000000000000", "-partial_chain", "-CAfile", "orgca.pem", "leaf.pem"); err == nil {
					t.Errorf("SM2 certificate verifies with a wrong identity:\n%s", out)
				}
			}

			if err := fx.pki.Revoke(ctx, system, seal.Serial, "keyCompromise"); err != nil {
				t.Fatal(err)
			}
			crl, err := fx.pki.CRL(ctx, chain[1].Serial)
			if err != nil {
				t.Fatal(err)
			}
			o.write("crl.der", crl)
			o.ok("crl", "-in", "crl.der", "-inform", "DER", "-out", "crl.pem")
			crlText := o.ok("crl", "-in", "crl.der", "-inform", "DER", "-noout", "-text")
			if !strings.Contains(crlText, "Serial Number: "+strings.ToUpper(seal.Serial)) || !strings.Contains(crlText, "Key Compromise") ||
				!strings.Contains(crlText, "X509v3 CRL Number") {
				t.Errorf("CRL as OpenSSL reads it:\n%s", crlText)
			}

			if f == pki.ECDSA {
				if out := o.ok("crl", "-in", "crl.der", "-inform", "DER", "-CAfile", "orgca.pem", "-noout"); !strings.Contains(out, "verify OK") {
					t.Errorf("openssl crl: %s", out)
				}
				out, err := o.run("verify", "-crl_check", "-CRLfile", "crl.pem", "-CAfile", "root.pem", "-untrusted", "orgca.pem", "leaf.pem")
				if err == nil || !strings.Contains(out, "certificate revoked") {
					t.Errorf("revoked certificate: %v\n%s", err, out)
				}
				// The TSA's chain, under another CA, is untouched.
				o.ok("verify", "-CAfile", "root.pem", "-untrusted", "tsaca.pem", "tsa.pem")
				return
			}
			// SM2: the CRL's signature with OpenSSL's SM2, over the signed part of the CRL.
			rl, err := smx509.ParseRevocationList(crl)
			if err != nil {
				t.Fatal(err)
			}
			o.write("tbs.der", rl.RawTBSRevocationList)
			o.write("sig.der", rl.Signature)
			o.ok("x509", "-in", "orgca.pem", "-pubkey", "-noout", "-out", "orgca-pub.pem")
			o.ok("pkeyutl", "-verify", "-pubin", "-inkey", "orgca-pub.pem", "-rawin", "-digest", "sm3", "-pkeyopt", sm2DistID,
				"-in", "tbs.der", "-sigfile", "sig.der")
			o.write("tbs-changed.der", append(append([]byte{}, rl.RawTBSRevocationList[:len(rl.RawTBSRevocationList)-1]...), 0))
			if out, err := o.run("pkeyutl", "-verify", "-pubin", "-inkey", "orgca-pub.pem", "-rawin", "-digest", "sm3", "-pkeyopt", sm2DistID,
				"-in", "tbs-changed.der", "-sigfile", "sig.der"); err == nil {
				t.Errorf("a changed CRL verifies:\n%s", out)
			}
			// Where OpenSSL checks SM2 CRLs itself, it must find the certificate revoked.
			if out, err := o.run("verify", "-vfyopt", sm2DistID, "-partial_chain", "-crl_check", "-CRLfile", "crl.pem", "-CAfile", "orgca.pem",
				"leaf.pem"); err == nil {
				t.Errorf("revoked SM2 certificate verifies:\n%s", out)
			} else if !strings.Contains(out, "certificate revoked") {
				t.Logf("this OpenSSL does not check SM2 CRL signatures (3.0/3.1): %s", strings.TrimSpace(out))
			}
		})
	}
}
