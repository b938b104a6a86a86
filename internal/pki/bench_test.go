package pki_test

import (
	"testing"

	"golang.org/x/crypto/ocsp"

	"github.com/yiwang-platform/yiwang/internal/pki"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// benchFixture is a PKI on SQLite with the market regulator's CAs made, so that benchmarks
// measure the operation and not the first-use set-up.
func benchFixture(b *testing.B) fixture {
	b.Helper()
	fx := setup(b, storetest.Open(b, store.SQLite, storetest.Options{}))
	for _, f := range pki.Families {
		if _, err := fx.pki.EnsureOrgCA(ctxAs(system), scj, f); err != nil {
			b.Fatal(err)
		}
	}
	return fx
}

func BenchmarkIssue(b *testing.B) {
	fx := benchFixture(b)
	for _, f := range pki.Families {
		b.Run(string(f), func(b *testing.B) {
			k := fx.key(b, scj, "seal", f)
			r := pki.IssueRequest{Org: scj, Kind: pki.KindSeal, KeyID: k.ID, CommonName: sealName}
			for b.Loop() {
				if _, err := fx.pki.Issue(ctxAs(system), system, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkStatus(b *testing.B) {
	fx := benchFixture(b)
	c := fx.issue(b, scj, pki.KindSeal, pki.SM2, sealName)
	now := fx.db.Clock().Now()
	b.Run("lookup", func(b *testing.B) {
		for b.Loop() {
			if st, _, err := fx.pki.Status(ctxAs(system), c.IssuerSerial, c.Serial, now); err != nil || st != pki.StatusGood {
				b.Fatal(st, err)
			}
		}
	})
	b.Run("signed", func(b *testing.B) {
		for b.Loop() {
			if _, err := fx.pki.StatusResponse(ctxAs(system), c.Serial); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkOCSP(b *testing.B) {
	fx := benchFixture(b)
	c := fx.issue(b, scj, pki.KindSeal, pki.ECDSA, sealName)
	leaf, _ := c.X509()
	ca, _ := fx.pki.Get(ctxAs(system), c.IssuerSerial)
	caX, _ := ca.X509()
	req, err := ocsp.CreateRequest(leaf, caX, nil)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := fx.pki.OCSP(ctxAs(system), req); err != nil {
			b.Fatal(err)
		}
	}
}
