package tsa_test

import (
	"crypto"
	"crypto/sha256"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
	"github.com/yiwang-platform/yiwang/internal/tsa"
)

// BenchmarkStamp measures one token issued in process: a register row and an audit record in
// one SQLite transaction, and an ECDSA P-256 signature.
func BenchmarkStamp(b *testing.B) {
	db := storetest.Open(b, store.SQLite, storetest.Options{})
	p := newPKI(b)
	a := newAuthority(b, db, p)
	digest := sha256.Sum256([]byte("benchmark"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Stamp(ctx(), crypto.SHA256, digest[:]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify measures verifying one token, chain included.
func BenchmarkVerify(b *testing.B) {
	db := storetest.Open(b, store.SQLite, storetest.Options{})
	p := newPKI(b)
	a := newAuthority(b, db, p)
	digest := sha256.Sum256([]byte("benchmark"))
	token, err := a.Stamp(ctx(), crypto.SHA256, digest[:])
	if err != nil {
		b.Fatal(err)
	}
	roots := p.roots()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tsa.Verify(token, crypto.SHA256, digest[:], roots); err != nil {
			b.Fatal(err)
		}
	}
}
