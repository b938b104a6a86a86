package sign_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"testing"

	"github.com/emmansun/gmsm/sm2"

	"github.com/yiwang-platform/yiwang/internal/sign"
)

// The benchmarks compare signing and verifying a 4 KiB document with the raw primitives (SM2
// with its SM3 digest and Z value; ECDSA P-256 over SHA-256) against a detached CMS signature
// made and verified by this package (signed attributes, certificate chain, the verification
// report with its chain check), without a time-stamp so that only signing is measured; TSA
// stamping is measured by BenchmarkStamp and, with the database, in internal/tsa.

func benchDoc(b *testing.B) []byte { return document(b, 4096) }

func BenchmarkRawSM2Sign(b *testing.B) {
	p := newPKI(b)
	doc := benchDoc(b)
	key := p.sm2.key.(*sm2.PrivateKey)
	for b.Loop() {
		if _, err := key.Sign(rand.Reader, doc, sm2.DefaultSM2SignerOpts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRawSM2Verify(b *testing.B) {
	p := newPKI(b)
	doc := benchDoc(b)
	key := p.sm2.key.(*sm2.PrivateKey)
	sig, err := key.Sign(rand.Reader, doc, sm2.DefaultSM2SignerOpts)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if !sm2.VerifyASN1WithSM2(&key.PublicKey, nil, doc, sig) {
			b.Fatal("verification failed")
		}
	}
}

func BenchmarkRawECDSASign(b *testing.B) {
	p := newPKI(b)
	doc := benchDoc(b)
	key := p.ec.key.(*ecdsa.PrivateKey)
	for b.Loop() {
		sum := sha256.Sum256(doc)
		if _, err := ecdsa.SignASN1(rand.Reader, key, sum[:]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRawECDSAVerify(b *testing.B) {
	p := newPKI(b)
	doc := benchDoc(b)
	key := p.ec.key.(*ecdsa.PrivateKey)
	sum := sha256.Sum256(doc)
	sig, err := ecdsa.SignASN1(rand.Reader, key, sum[:])
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		sum := sha256.Sum256(doc)
		if !ecdsa.VerifyASN1(&key.PublicKey, sum[:], sig) {
			b.Fatal("verification failed")
		}
	}
}

func benchCMSSign(b *testing.B, s *signer) {
	doc := benchDoc(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sign.CMS(ctx(), doc, s.key, s.cert, s.chain, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func benchCMSVerify(b *testing.B, p *testPKI, s *signer) {
	doc := benchDoc(b)
	sig, err := sign.CMS(ctx(), doc, s.key, s.cert, s.chain, nil)
	if err != nil {
		b.Fatal(err)
	}
	trust := p.trust()
	b.ReportAllocs()
	for b.Loop() {
		r, err := sign.VerifyCMS(ctx(), doc, sig, trust)
		if err != nil || !r.Valid {
			b.Fatalf("%v %v", r, err)
		}
	}
}

func BenchmarkCMSSignSM2(b *testing.B)   { benchCMSSign(b, newPKI(b).sm2) }
func BenchmarkCMSSignECDSA(b *testing.B) { benchCMSSign(b, newPKI(b).ec) }

func BenchmarkCMSVerifySM2(b *testing.B) {
	p := newPKI(b)
	benchCMSVerify(b, p, p.sm2)
}

func BenchmarkCMSVerifyECDSA(b *testing.B) {
	p := newPKI(b)
	benchCMSVerify(b, p, p.ec)
}

// BenchmarkCMSSignECDSAStamped includes the time-stamp from an in-process authority on SQLite.
func BenchmarkCMSSignECDSAStamped(b *testing.B) {
	p := newPKI(b)
	a := p.authority(b)
	doc := benchDoc(b)
	for b.Loop() {
		if _, err := sign.CMS(ctx(), doc, p.ec.key, p.ec.cert, p.ec.chain, a); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStamp is one time-stamp from the in-process authority on SQLite.
func BenchmarkStamp(b *testing.B) {
	p := newPKI(b)
	a := p.authority(b)
	sum := sha256.Sum256([]byte("benchmark"))
	for b.Loop() {
		if _, err := a.Stamp(ctx(), crypto.SHA256, sum[:]); err != nil {
			b.Fatal(err)
		}
	}
}
