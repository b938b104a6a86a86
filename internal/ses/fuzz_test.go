package ses

import (
	"bytes"
	"errors"
	"testing"
)

// fuzzSeeds are real outputs: a seal with certificates, one with digests and extensions, and
// signatures over them with and without a time-stamp token.
func fuzzSeeds(f *testing.F) (seals, signatures [][]byte) {
	p := newPKI(f)
	plain := p.makeSeal(f, p.sealInfo())
	info := p.sealInfo()
	info.Certificates, info.CertDigests = nil, []CertDigest{SM3CertDigest(p.signer.cert)}
	info.Extensions = []Extension{{ID: []int{1, 2, 156, 1}, Critical: true, Value: []byte("x")}}
	info.Picture = []byte("<svg/>")
	info.PictureType = "SVG"
	digests := p.makeSeal(f, info)
	doc := []byte("document")
	signatures = [][]byte{
		p.sign(f, plain, doc, SignOptions{Time: now, Property: "all"}),
		p.sign(f, plain, doc, SignOptions{Time: now, Property: "/Doc_0/Signs/Sign_0/Signature.xml",
			Extensions: []Extension{{ID: []int{1, 2, 3}, Value: []byte{1}}},
			Timestamp:  func(sig []byte) ([]byte, error) { return fakeToken(f, OIDSM3, sig), nil }}),
	}
	return [][]byte{plain, digests}, signatures
}

// FuzzParseSeal checks that ParseSeal never panics, that what it accepts is exactly its input
// (Raw), and that VerifyMaker answers with classified errors only.
//
// Run it with a bounded minimisation: go's minimiser is quadratic in the input, and a seal is
// over a kilobyte, so the default 60 s would spend a 30 s run minimising its first finding:
//
//	go test -run '^$' -fuzz FuzzParseSeal -fuzztime 30s -fuzzminimizetime 100x ./internal/ses
func FuzzParseSeal(f *testing.F) {
	seals, signatures := fuzzSeeds(f)
	for _, s := range append(seals, signatures...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, der []byte) {
		s, err := ParseSeal(der)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("ParseSeal error is not ErrMalformed: %v", err)
			}
			return
		}
		if !bytes.Equal(s.Raw, der) || !bytes.Contains(der, s.TBS) {
			t.Fatal("accepted seal does not keep its bytes")
		}
		if err := s.VerifyMaker(); err != nil && !classified(err) {
			t.Fatalf("VerifyMaker error is not classified: %v", err)
		}
	})
}

// FuzzParseSignature checks that ParseSignature never panics, that what it accepts is exactly its
// input and that Verify answers with classified errors only. Bound the minimisation as for
// FuzzParseSeal: -fuzzminimizetime 100x.
func FuzzParseSignature(f *testing.F) {
	seals, signatures := fuzzSeeds(f)
	for _, s := range append(signatures, seals...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, der []byte) {
		s, err := ParseSignature(der)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("ParseSignature error is not ErrMalformed: %v", err)
			}
			return
		}
		if !bytes.Equal(s.Raw, der) || !bytes.Contains(der, s.TBS) || !bytes.Contains(s.TBS, s.Seal.Raw) {
			t.Fatal("accepted signature does not keep its bytes")
		}
		err = s.Verify([]byte("document"))
		failures := []error{err}
		if multi, ok := err.(interface{ Unwrap() []error }); ok {
			failures = multi.Unwrap()
		}
		for _, e := range failures {
			if e != nil && !classified(e) {
				t.Fatalf("Verify error is not classified: %v", e)
			}
		}
	})
}

func classified(err error) bool {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}
