package pki_test

import (
	"bytes"
	"context"
	"crypto"
	"encoding/json"
	"testing"

	"golang.org/x/crypto/ocsp"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/pki"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// FuzzOCSP feeds the OCSP responder arbitrary requests, seeded with real ones: it must never
// fail or panic, and must always answer with a response that parses.
func FuzzOCSP(f *testing.F) {
	db := storetest.Open(f, store.SQLite, storetest.Options{})
	fx := setup(f, db)
	ctx := ctxAs(system)
	seal := fx.issue(f, scj, pki.KindSeal, pki.ECDSA, sealName)
	sm2 := fx.issue(f, scj, pki.KindSeal, pki.SM2, sealName)
	ca, _ := fx.pki.Get(ctx, seal.IssuerSerial)
	sm2CA, _ := fx.pki.Get(ctx, sm2.IssuerSerial)
	leafX, _ := seal.X509()
	caX, _ := ca.X509()
	for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256, crypto.SHA512} {
		req, err := ocsp.CreateRequest(leafX, caX, &ocsp.RequestOptions{Hash: h})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(req)
	}
	f.Add(ocspRequest(f, sm2CA, sm2.SerialNumber(), crypto.SHA1))
	f.Add([]byte{0x30, 0x00})
	f.Fuzz(func(t *testing.T, der []byte) {
		if _, err := pki.ParseOCSPRequest(der); err != nil && errs.KindOf(err) != errs.Invalid && errs.KindOf(err) != errs.TooLarge {
			t.Fatalf("ParseOCSPRequest: unclassified error %v", err)
		}
		resp, err := fx.pki.OCSP(context.Background(), der)
		if err != nil {
			t.Fatalf("OCSP: %v", err)
		}
		if _, err := ocsp.ParseResponse(resp, caX); err != nil {
			if _, isResponseError := err.(ocsp.ResponseError); !isResponseError {
				// A good answer may come from another CA than caX (a guessed certID); it must
				// still be a well-formed response.
				if _, err := ocsp.ParseResponse(resp, nil); err != nil {
					t.Fatalf("answer does not parse: %v", err)
				}
			}
		}
	})
}

// FuzzVerifyStatusResponse feeds the status verifier arbitrary bodies, seeded with real ones:
// it must never panic, and what it accepts must be exactly what the CA signed.
func FuzzVerifyStatusResponse(f *testing.F) {
	db := storetest.Open(f, store.SQLite, storetest.Options{})
	fx := setup(f, db)
	ctx := ctxAs(system)
	good := fx.issue(f, scj, pki.KindSeal, pki.SM2, sealName)
	revoked := fx.issue(f, scj, pki.KindSigner, pki.SM2, "签名")
	if err := fx.pki.Revoke(ctx, system, revoked.Serial, "superseded"); err != nil {
		f.Fatal(err)
	}
	ca, _ := fx.pki.Get(ctx, good.IssuerSerial)
	signed := map[string]bool{}
	for _, serial := range []string{good.Serial, revoked.Serial} {
		body, err := fx.pki.StatusResponse(ctx, serial)
		if err != nil {
			f.Fatal(err)
		}
		signed[string(canonicalOf(f, body))] = true
		f.Add(body)
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"algorithm":"SM2-with-SM3","signature":""}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		info, err := pki.VerifyStatusResponse(body, ca.DER)
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		if !signed[string(canonicalOf(t, body))] {
			t.Fatalf("accepted a status the CA never signed: %s", body)
		}
		if info.Status != pki.StatusGood && info.Status != pki.StatusRevoked {
			t.Fatalf("accepted status %q", info.Status)
		}
	})
}

// canonicalOf is the body's fields without the signature, in a fixed encoding.
func canonicalOf(t testing.TB, body []byte) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "signature")
	for k, v := range m {
		if v == "" {
			delete(m, k) // as omitted: the signed form leaves empty fields out
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
