package tsa_test

import (
	"crypto"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// run runs a command and returns its combined output and whether it exited 0.
func run(t *testing.T, name string, args ...string) (string, bool) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	return string(out), err == nil
}

// TestOpenSSLAcceptsTokens checks the authority against OpenSSL's own TSP client: tokens from
// Stamp verify with `openssl ts -verify`, requests made by `openssl ts -query` get replies that
// `openssl ts -reply` reads and `openssl ts -verify -queryfile` accepts, and a changed digest
// fails.
func TestOpenSSLAcceptsTokens(t *testing.T) {
	openssl := needTool(t, "openssl")
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPKI(t)
		a := newAuthority(t, db, p)
		dir := t.TempDir()
		rootPEM := writePEM(t, dir, "root.pem", p.root)
		tsaPEM := writePEM(t, dir, "tsa.pem", p.cert)
		write := func(name string, b []byte) string {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			return path
		}

		t.Run("a token from Stamp", func(t *testing.T) {
			digest := sha256.Sum256([]byte("a document"))
			token, err := a.Stamp(ctx(), crypto.SHA256, digest[:])
			if err != nil {
				t.Fatal(err)
			}
			tokenPath := write("token.der", token)
			out, ok := run(t, openssl, "ts", "-verify", "-digest", hex.EncodeToString(digest[:]), "-in", tokenPath, "-token_in",
				"-CAfile", rootPEM, "-untrusted", tsaPEM)
			if !ok || !strings.Contains(out, "Verification: OK") {
				t.Fatalf("openssl ts -verify refused the token:\n%s", out)
			}
			other := sha256.Sum256([]byte("a changed document"))
			out, ok = run(t, openssl, "ts", "-verify", "-digest", hex.EncodeToString(other[:]), "-in", tokenPath, "-token_in",
				"-CAfile", rootPEM, "-untrusted", tsaPEM)
			if ok || strings.Contains(out, "Verification: OK") {
				t.Fatalf("openssl ts -verify accepted the token for another digest:\n%s", out)
			}
		})

		for _, tc := range []struct {
			name string
			args []string
		}{
			{"SHA-256 query asking for certificates", []string{"-sha256", "-cert"}},
			{"SHA-512 query without certificates", []string{"-sha512"}},
			{"SHA-384 query without a nonce", []string{"-sha384", "-cert", "-no_nonce"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				data := write("data.txt", []byte("data for "+tc.name))
				query := filepath.Join(dir, "req.tsq")
				args := append([]string{"ts", "-query", "-data", data, "-out", query}, tc.args...)
				if out, ok := run(t, openssl, args...); !ok {
					t.Fatalf("openssl ts -query: %s", out)
				}
				req, err := os.ReadFile(query)
				if err != nil {
					t.Fatal(err)
				}
				resp, err := a.Respond(ctx(), req)
				if err != nil {
					t.Fatal(err)
				}
				respPath := write("resp.der", resp)
				out, ok := run(t, openssl, "ts", "-reply", "-in", respPath, "-text")
				if !ok || !strings.Contains(out, "Status: Granted") || !strings.Contains(out, "1.3.6.1.4.1.32473.3161.1") {
					t.Fatalf("openssl ts -reply -text:\n%s", out)
				}
				out, ok = run(t, openssl, "ts", "-verify", "-queryfile", query, "-in", respPath, "-CAfile", rootPEM, "-untrusted", tsaPEM)
				if !ok || !strings.Contains(out, "Verification: OK") {
					t.Fatalf("openssl ts -verify -queryfile refused the reply:\n%s", out)
				}
				out, ok = run(t, openssl, "ts", "-verify", "-data", write("other.txt", []byte("other data")), "-in", respPath,
					"-CAfile", rootPEM, "-untrusted", tsaPEM)
				if ok {
					t.Fatalf("openssl ts -verify accepted the reply for other data:\n%s", out)
				}
			})
		}

		t.Run("an SM3 query is rejected with badAlg", func(t *testing.T) {
			query := filepath.Join(dir, "sm3.tsq")
			if out, ok := run(t, openssl, "ts", "-query", "-data", write("sm3.txt", []byte("x")), "-sm3", "-cert", "-out", query); !ok {
				t.Skipf("this openssl makes no SM3 queries: %s", out)
			}
			req, err := os.ReadFile(query)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := a.Respond(ctx(), req)
			if err != nil {
				t.Fatal(err)
			}
			out, ok := run(t, openssl, "ts", "-reply", "-in", write("sm3.der", resp), "-text")
			if !ok || !strings.Contains(out, "Status: Rejected") || !strings.Contains(out, "unrecognized or unsupported algorithm identifier") ||
				!strings.Contains(out, "SM3 message imprints are not supported") {
				t.Fatalf("openssl ts -reply -text of the rejection:\n%s", out)
			}
		})
	})
}
