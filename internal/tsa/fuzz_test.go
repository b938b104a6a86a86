package tsa_test

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/asn1"
	"math/big"
	"testing"

	"github.com/digitorus/timestamp"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
	"github.com/yiwang-platform/yiwang/internal/tsa"
)

// FuzzRespond feeds arbitrary bytes to the authority as a time-stamp request: it must never
// panic, must answer either errs.Invalid or a TimeStampResp that parses, and every token it
// grants must verify against the request's own imprint.
func FuzzRespond(f *testing.F) {
	db := storetest.Open(f, store.SQLite, storetest.Options{})
	p := newPKI(f)
	a := newAuthority(f, db, p)
	d256 := sha256.Sum256([]byte("seed"))
	d512 := sha512.Sum512([]byte("seed"))
	for _, r := range []request{
		{Version: 1, MessageImprint: imprintOf(oidSHA256, d256[:]), CertReq: true, Nonce: big.NewInt(42)},
		{Version: 1, MessageImprint: imprintOf(oidSHA512, d512[:]), ReqPolicy: tsa.DefaultPolicy},
		{Version: 1, MessageImprint: imprintOf(tsa.OIDSM3, d256[:])},
		{Version: 1, MessageImprint: imprintOf(oidSHA256, d256[:3])},
	} {
		f.Add(marshalRequest(f, r))
	}
	if der, err := timestamp.CreateRequest(bytes.NewReader([]byte("seed")), &timestamp.RequestOptions{Hash: crypto.SHA384, Certificates: true, Nonce: big.NewInt(7)}); err == nil {
		f.Add(der)
	}
	f.Add([]byte{0x30, 0x00})
	f.Fuzz(func(t *testing.T, req []byte) {
		der, err := a.Respond(ctx(), req)
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("Respond: %v, want errs.Invalid or a response", err)
			}
			return
		}
		var resp response
		if rest, err := asn1.Unmarshal(der, &resp); err != nil || len(rest) > 0 {
			t.Fatalf("the response does not parse: %v", err)
		}
		if resp.Status.Status != 0 {
			return
		}
		ts, err := timestamp.ParseResponse(der)
		if err != nil {
			t.Fatalf("granted response does not parse: %v", err)
		}
		if len(ts.Certificates) > 0 {
			if _, err := tsa.Verify(resp.Token.FullBytes, ts.HashAlgorithm, ts.HashedMessage, p.roots()); err != nil {
				t.Fatalf("granted token does not verify: %v", err)
			}
		}
	})
}

// FuzzVerify feeds arbitrary bytes to Verify as a token: tokens arrive inside signatures and PDFs
// from outside. It must never panic, and whatever it accepts must be a token over the digest it
// was asked about.
func FuzzVerify(f *testing.F) {
	db := storetest.Open(f, store.SQLite, storetest.Options{})
	p := newPKI(f)
	a := newAuthority(f, db, p)
	digest := sha256.Sum256([]byte("seed"))
	token, err := a.Stamp(ctx(), crypto.SHA256, digest[:])
	if err != nil {
		f.Fatal(err)
	}
	f.Add(token)
	f.Add(token[:len(token)/2])
	f.Add([]byte{0x30, 0x03, 0x06, 0x01, 0x00})
	roots := p.roots()
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := tsa.Verify(b, crypto.SHA256, digest[:], roots)
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("Verify: %v, want errs.Invalid", err)
			}
			return
		}
		if info.Hash != crypto.SHA256 || string(info.Digest) != string(digest[:]) {
			t.Fatalf("accepted a token over %v %x", info.Hash, info.Digest)
		}
	})
}
