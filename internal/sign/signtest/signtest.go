// Package signtest assembles the real trust services for tests, as the app assembles them: keys
// under a fresh master key, the ledger, both provincial roots, the time-stamping authority with
// its certificate, the seal registry and the signing service. Only tests import it.
package signtest

import (
	"context"
	"crypto/x509"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/ledger"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/pki"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/seal"
	"github.com/yiwang-platform/yiwang/internal/sign"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/tsa"
)

// Services are the trust services on one database.
type Services struct {
	Keys   *keys.Service
	PKI    *pki.Service
	TSA    *tsa.Authority // closed when the test ends
	Ledger *ledger.Log
	Seals  *seal.Registry
	Sign   *sign.Service
}

// New assembles the trust services on db, whose organisations are already seeded.
func New(t testing.TB, db *store.DB) *Services {
	t.Helper()
	ctx := principal.With(context.Background(), principal.SystemPrincipal)
	s := &Services{}
	var err error
	if s.Keys, err = keys.New(db, keys.NewMasterKey(), keys.Options{}); err != nil {
		t.Fatal(err)
	}
	ns, err := s.Keys.NoteSigner(ctx, org.DigitalOffice, "ledger", "yiwang.test/ledger")
	if err != nil {
		t.Fatal(err)
	}
	if s.Ledger, err = ledger.New(db, ledger.Config{Origin: "yiwang.test/ledger", Signer: ns}); err != nil {
		t.Fatal(err)
	}
	s.PKI = pki.New(db, s.Keys, pki.Config{BaseURL: "https://yiwang.example.gov.cn"})
	for _, f := range pki.Families {
		if _, err := s.PKI.EnsureRoot(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	sg, err := s.Keys.EnsureSigner(ctx, org.DigitalOffice, "tsa", keys.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := s.PKI.Issue(ctx, principal.SystemPrincipal, pki.IssueRequest{Org: org.DigitalOffice, Kind: pki.KindTSA,
		KeyID: sg.Key().ID, CommonName: "福建省政务服务时间戳服务"})
	if err != nil {
		t.Fatal(err)
	}
	chain, err := s.PKI.Chain(ctx, cert.Serial)
	if err != nil {
		t.Fatal(err)
	}
	var xs []*x509.Certificate
	for _, c := range chain {
		xc, err := c.X509()
		if err != nil {
			t.Fatal(err)
		}
		xs = append(xs, xc)
	}
	if s.TSA, err = tsa.New(db, tsa.Config{Signer: sg, Certificate: xs[0], Chain: xs[1:], Clock: clock.Real{}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.TSA.Close() })
	s.Seals = seal.New(db, s.Keys, s.PKI, seal.Config{})
	s.Sign = sign.NewService(db, s.Keys, s.PKI, s.Seals, s.TSA, s.Ledger)
	return s
}
