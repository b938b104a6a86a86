package keys_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"testing"

	"github.com/emmansun/gmsm/sm2"

	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// BenchmarkSign compares signing with the raw library key (the limit) and through the key
// service's Signer — the same key sealed under a data key, opened once, every use counted — in
// one run. SM2 signs the message with the SM2 user id (ZA + SM3); ECDSA a SHA-256 digest.
func BenchmarkSign(b *testing.B) {
	db := storetest.Open(b, store.SQLite, storetest.Options{})
	if _, err := org.Seed(principal.With(context.Background(), principal.SystemPrincipal), db, org.Directory()); err != nil {
		b.Fatal(err)
	}
	master := keys.NewMasterKey()
	s, err := keys.New(db, master, keys.Options{})
	if err != nil {
		b.Fatal(err)
	}
	msg := make([]byte, 256)
	digest := sha256.Sum256(msg)
	rawSM2, _ := sm2.GenerateKey(rand.Reader)
	rawEC, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	svcSM2, err := s.EnsureSigner(context.Background(), "fj-market-regulation", "bench", keys.SM2)
	if err != nil {
		b.Fatal(err)
	}
	svcEC, err := s.EnsureSigner(context.Background(), "fj-market-regulation", "bench", keys.ECDSAP256)
	if err != nil {
		b.Fatal(err)
	}
	cases := []struct {
		name   string
		signer crypto.Signer
		data   []byte
		opts   crypto.SignerOpts
	}{
		{"SM2/raw", rawSM2, msg, sm2.DefaultSM2SignerOpts},
		{"SM2/service", svcSM2, msg, sm2.DefaultSM2SignerOpts},
		{"ECDSA/raw", rawEC, digest[:], crypto.SHA256},
		{"ECDSA/service", svcEC, digest[:], crypto.SHA256},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := c.signer.Sign(rand.Reader, c.data, c.opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("SM2/open", func(b *testing.B) {
		// Opening a key on a node that has not used it yet: read the row, unwrap the data key
		// under the master key and the private key under the data key.
		for b.Loop() {
			fresh, err := keys.New(db, master, keys.Options{})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := fresh.Signer(context.Background(), svcSM2.Key().ID); err != nil {
				b.Fatal(err)
			}
		}
	})
}
