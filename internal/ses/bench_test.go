package ses

import (
	"crypto/rand"
	"os"
	"strconv"
	"testing"
)

// benchDocumentSize is 64 KiB, or YIWANG_BENCH_SES_BYTES to try bigger documents.
func benchDocumentSize(b *testing.B) int {
	if s := os.Getenv("YIWANG_BENCH_SES_BYTES"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			b.Fatalf("YIWANG_BENCH_SES_BYTES=%q", s)
		}
		return n
	}
	return 64 << 10
}

func benchDocument(b *testing.B) []byte {
	doc := make([]byte, benchDocumentSize(b))
	if _, err := rand.Read(doc); err != nil {
		b.Fatal(err)
	}
	return doc
}

func BenchmarkSignDocument(b *testing.B) {
	p := newPKI(b)
	sealDER := p.makeSeal(b, p.sealInfo())
	doc := benchDocument(b)
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if _, err := SignDocument(sealDER, doc, p.signer.key, p.signer.cert, SignOptions{Time: now, Property: "all"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify parses and verifies, as a verification service does for each upload.
func BenchmarkVerify(b *testing.B) {
	p := newPKI(b)
	doc := benchDocument(b)
	der := p.sign(b, p.makeSeal(b, p.sealInfo()), doc, SignOptions{Time: now, Property: "all"})
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		s, err := ParseSignature(der)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Verify(doc); err != nil {
			b.Fatal(err)
		}
	}
}
