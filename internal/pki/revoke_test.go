package pki_test

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/smx509"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/ocsp"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/pki"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

func TestRevokeAndStatus(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fx := setup(t, db)
		fake := db.Clock().(*clock.Fake)
		ctx := ctxAs(system)
		seal := fx.issue(t, scj, pki.KindSeal, pki.SM2, sealName)
		issuedAt := fake.Now()
		fake.Advance(time.Hour)

		for _, tc := range []struct {
			name   string
			p      principalT
			serial string
			reason string
			kind   errs.Kind
		}{
			{"the public", anonymous, seal.Serial, "keyCompromise", errs.Unauthenticated},
			{"another organisation's administrator", gatAdmin, seal.Serial, "keyCompromise", errs.Forbidden},
			{"a window officer of the organisation", scjWindow, seal.Serial, "keyCompromise", errs.Forbidden},
			{"a digital office reviewer", officeClerk, seal.Serial, "keyCompromise", errs.Forbidden},
			{"a resident", resident, seal.Serial, "keyCompromise", errs.Forbidden},
			{"an unknown reason", scjAdmin, seal.Serial, "lostIt", errs.Invalid},
			{"certificateHold is not offered", scjAdmin, seal.Serial, "certificateHold", errs.Invalid},
			{"cACompromise of an end entity", scjAdmin, seal.Serial, "cACompromise", errs.Invalid},
			{"no such certificate", scjAdmin, "4abc", "keyCompromise", errs.NotFound},
			{"not a serial", scjAdmin, "../../etc", "keyCompromise", errs.NotFound},
		} {
			if err := fx.pki.Revoke(ctxAs(tc.p), tc.p, tc.serial, tc.reason); errs.KindOf(err) != tc.kind {
				t.Errorf("%s: Revoke = %v, want %s", tc.name, err, tc.kind)
			}
		}
		if st, _, err := fx.pki.Status(ctx, seal.IssuerSerial, seal.Serial, fake.Now()); err != nil || st != pki.StatusGood {
			t.Fatalf("refused revocations changed the status: %s, %v", st, err)
		}

		if err := fx.pki.Revoke(ctxAs(scjAdmin), scjAdmin, seal.Serial, "keyCompromise"); err != nil {
			t.Fatal(err)
		}
		revokedAt := fake.Now()
		if err := fx.pki.Revoke(ctxAs(scjAdmin), scjAdmin, seal.Serial, "superseded"); !errs.Is(err, errs.Conflict) {
			t.Errorf("second revocation = %v, want conflict", err)
		}
		c, err := fx.pki.Get(ctx, seal.Serial)
		if err != nil || c.Status != pki.StatusRevoked || c.Reason != "keyCompromise" || c.RevokedAt == nil || !c.RevokedAt.Equal(revokedAt) {
			t.Fatalf("revoked certificate %+v, %v", c, err)
		}
		evs, err := audit.List(ctx, db, audit.Filter{ObjectType: "certificate", ObjectID: seal.Serial})
		if err != nil || len(evs) != 2 || evs[0].Action != "pki.revoke" || evs[0].Actor != scjAdmin.Actor() ||
			!strings.Contains(evs[0].Detail, `"reason":"keyCompromise"`) {
			t.Errorf("audit %+v, %v", evs, err)
		}

		for _, tc := range []struct {
			name    string
			issuer  string
			serial  string
			at      time.Time
			want    string
			wantAt  time.Time
			wantErr bool
		}{
			{"before revocation", seal.IssuerSerial, seal.Serial, issuedAt, pki.StatusGood, time.Time{}, false},
			{"a moment before", seal.IssuerSerial, seal.Serial, revokedAt.Add(-time.Microsecond), pki.StatusGood, time.Time{}, false},
			{"at revocation", seal.IssuerSerial, seal.Serial, revokedAt, pki.StatusRevoked, revokedAt, false},
			{"after revocation", seal.IssuerSerial, seal.Serial, revokedAt.Add(24 * time.Hour), pki.StatusRevoked, revokedAt, false},
			{"serial written otherwise", strings.ToUpper(seal.IssuerSerial), "0" + seal.Serial, revokedAt, pki.StatusRevoked, revokedAt, false},
			{"another issuer", seal.Serial, seal.Serial, revokedAt, pki.StatusUnknown, time.Time{}, false},
			{"unknown serial", seal.IssuerSerial, "4abc", revokedAt, pki.StatusUnknown, time.Time{}, false},
			{"malformed issuer", "xyz", seal.Serial, revokedAt, pki.StatusUnknown, time.Time{}, false},
		} {
			st, at, err := fx.pki.Status(ctx, tc.issuer, tc.serial, tc.at)
			if err != nil || st != tc.want || !at.Equal(tc.wantAt) {
				t.Errorf("%s: Status = %s, %v, %v; want %s, %v", tc.name, st, at, err, tc.want, tc.wantAt)
			}
		}
	})
}

func TestRevokeCA(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fx := setup(t, db)
		ctx := ctxAs(system)
		seal := fx.issue(t, scj, pki.KindSeal, pki.ECDSA, sealName)
		ca, err := fx.pki.Get(ctx, seal.IssuerSerial)
		if err != nil {
			t.Fatal(err)
		}
		lastCRL, err := fx.pki.CRL(ctx, ca.Serial)
		if err != nil {
			t.Fatal(err)
		}
		if err := fx.pki.Revoke(ctxAs(scjAdmin), scjAdmin, ca.Serial, "cACompromise"); !errs.Is(err, errs.Forbidden) {
			t.Errorf("the organisation's administrator revoking its CA = %v, want forbidden", err)
		}
		if err := fx.pki.Revoke(ctxAs(officeAdmin), officeAdmin, ca.Serial, "cACompromise"); err != nil {
			t.Fatal(err)
		}
		// The CA's key is retired: a new CA with a new key takes over, the old key signs no more.
		next, err := fx.pki.EnsureOrgCA(ctx, scj, pki.ECDSA)
		if err != nil {
			t.Fatal(err)
		}
		if next.Serial == ca.Serial || next.KeyID == ca.KeyID || next.Status != pki.StatusGood {
			t.Errorf("after revocation EnsureOrgCA = %+v", next)
		}
		sg, err := fx.keys.Signer(ctx, ca.KeyID)
		if err == nil {
			if _, err := sg.Sign(nil, make([]byte, 32), crypto.SHA256); err == nil {
				t.Error("the revoked CA's key still signs")
			}
		}
		// The revoked CA, whose key is retired, serves its last CRL and answers OCSP no more.
		fake := db.Clock().(*clock.Fake)
		fake.Advance(pki.CRLValidity)
		if der, err := fx.pki.CRL(ctx, ca.Serial); err != nil || !bytes.Equal(der, lastCRL) {
			t.Errorf("CRL of the revoked CA: %v", err)
		}
		if der, err := fx.pki.OCSP(ctx, ocspRequest(t, ca, seal.SerialNumber(), crypto.SHA1)); err != nil ||
			!bytes.Equal(der, ocsp.UnauthorizedErrorResponse) {
			t.Errorf("OCSP of the revoked CA: %x, %v", der, err)
		}
		leaf := fx.issue(t, scj, pki.KindSigner, pki.ECDSA, "签名")
		if leaf.IssuerSerial != next.Serial {
			t.Errorf("new certificates issued by %s, want %s", leaf.IssuerSerial, next.Serial)
		}
		// The root's CRL lists the revoked CA.
		der, err := fx.pki.CRL(ctx, ca.IssuerSerial)
		if err != nil {
			t.Fatal(err)
		}
		crl, err := x509.ParseRevocationList(der)
		if err != nil {
			t.Fatal(err)
		}
		if len(crl.RevokedCertificateEntries) != 1 || crl.RevokedCertificateEntries[0].SerialNumber.Cmp(ca.SerialNumber()) != 0 ||
			crl.RevokedCertificateEntries[0].ReasonCode != 2 {
			t.Errorf("root CRL entries %+v", crl.RevokedCertificateEntries)
		}
		// Revoking the root replaces it too, and organisation CAs are certified again under the new one.
		root, _ := fx.pki.Get(ctx, ca.IssuerSerial)
		if err := fx.pki.Revoke(ctxAs(officeAdmin), officeAdmin, root.Serial, "cACompromise"); err != nil {
			t.Fatal(err)
		}
		again, err := fx.pki.EnsureOrgCA(ctx, scj, pki.ECDSA)
		if err != nil {
			t.Fatal(err)
		}
		if again.IssuerSerial == root.Serial || again.KeyID != next.KeyID {
			t.Errorf("after the root's revocation: org CA %+v", again)
		}
	})
}

// parseCRL parses and checks a CRL of either family against its issuer.
func parseCRL(t *testing.T, der []byte, issuer pki.Certificate) (*smx509.RevocationList, error) {
	t.Helper()
	crl, err := smx509.ParseRevocationList(der)
	if err != nil {
		return nil, err
	}
	ic, err := pki.ParseCertificate(issuer.DER)
	if err != nil {
		return nil, err
	}
	if err := crl.CheckSignatureFrom(ic); err != nil {
		return nil, err
	}
	if issuer.Family == pki.ECDSA {
		xcrl, err := x509.ParseRevocationList(der)
		if err != nil {
			return nil, err
		}
		xc, _ := issuer.X509()
		if err := xcrl.CheckSignatureFrom(xc); err != nil {
			return nil, err
		}
	}
	return crl, nil
}

func TestCRL(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fx := setup(t, db)
		fake := db.Clock().(*clock.Fake)
		ctx := ctxAs(system)
		for _, f := range pki.Families {
			t.Run(string(f), func(t *testing.T) {
				seal := fx.issue(t, scj, pki.KindSeal, f, sealName)
				other := fx.issue(t, scj, pki.KindSigner, f, "签名")
				ca, _ := fx.pki.Get(ctx, seal.IssuerSerial)
				get := func() (*smx509.RevocationList, []byte) {
					t.Helper()
					der, err := fx.pki.CRL(ctx, ca.Serial)
					if err != nil {
						t.Fatal(err)
					}
					crl, err := parseCRL(t, der, ca)
					if err != nil {
						t.Fatal(err)
					}
					return crl, der
				}
				crl, first := get()
				if crl.Number.Int64() != 1 || len(crl.RevokedCertificateEntries) != 0 ||
					crl.NextUpdate.Sub(crl.ThisUpdate) != pki.CRLValidity || !crl.ThisUpdate.Equal(fake.Now().Truncate(time.Second)) {
					t.Errorf("first CRL: number %v, %d entries, %v – %v", crl.Number, len(crl.RevokedCertificateEntries), crl.ThisUpdate, crl.NextUpdate)
				}
				fake.Advance(time.Hour)
				if _, again := get(); !bytes.Equal(again, first) {
					t.Error("CRL signed again without a revocation")
				}
				if err := fx.pki.Revoke(ctx, system, seal.Serial, "keyCompromise"); err != nil {
					t.Fatal(err)
				}
				crl, _ = get()
				if crl.Number.Int64() != 2 || len(crl.RevokedCertificateEntries) != 1 {
					t.Fatalf("CRL after revocation: number %v, %d entries", crl.Number, len(crl.RevokedCertificateEntries))
				}
				e := crl.RevokedCertificateEntries[0]
				if e.SerialNumber.Cmp(seal.SerialNumber()) != 0 || e.ReasonCode != 1 || !e.RevocationTime.Equal(fake.Now().Truncate(time.Second)) {
					t.Errorf("entry %+v", e)
				}
				if err := fx.pki.Revoke(ctx, system, other.Serial, ""); err != nil {
					t.Fatal(err)
				}
				crl, _ = get()
				reasons := map[string]int{}
				for _, e := range crl.RevokedCertificateEntries {
					reasons[e.SerialNumber.Text(16)] = e.ReasonCode
				}
				if diff := cmp.Diff(map[string]int{seal.Serial: 1, other.Serial: 0}, reasons); crl.Number.Int64() != 3 || diff != "" {
					t.Errorf("CRL after a second revocation: number %v, reasons (-want +got):\n%s", crl.Number, diff)
				}
				// Near nextUpdate the CRL is signed again with the next number.
				fake.Advance(pki.CRLValidity - pki.CRLRefreshBefore)
				crl, _ = get()
				if crl.Number.Int64() != 4 || len(crl.RevokedCertificateEntries) != 2 {
					t.Errorf("refreshed CRL: number %v", crl.Number)
				}
				fake.Advance(time.Hour)
				if crl, _ = get(); crl.Number.Int64() != 4 {
					t.Errorf("fresh CRL signed again: number %v", crl.Number)
				}
				for _, serial := range []string{seal.Serial, "4abc", "", "-1"} {
					if _, err := fx.pki.CRL(ctx, serial); !errs.Is(err, errs.NotFound) {
						t.Errorf("CRL(%q) = %v, want not found", serial, err)
					}
				}
			})
		}
	})
}

func TestStatusResponse(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fx := setup(t, db)
		fake := db.Clock().(*clock.Fake)
		ctx := ctxAs(system)
		for _, f := range pki.Families {
			t.Run(string(f), func(t *testing.T) {
				seal := fx.issue(t, scj, pki.KindSeal, f, sealName)
				chain, _ := fx.pki.Chain(ctx, seal.Serial)
				ca, root := chain[1], chain[2]
				body, err := fx.pki.StatusResponse(ctx, seal.Serial)
				if err != nil {
					t.Fatal(err)
				}
				info, err := pki.VerifyStatusResponse(body, ca.DER)
				if err != nil {
					t.Fatalf("%v\n%s", err, body)
				}
				now := fake.Now().UTC().Truncate(time.Second)
				if info.Status != pki.StatusGood || info.Serial != seal.Serial || info.Issuer != ca.Serial || info.RevokedAt != nil ||
					!info.ThisUpdate.Equal(now) || !info.NextUpdate.Equal(now.Add(pki.StatusValidity)) || info.Algorithm != f.SignatureAlgorithm() {
					t.Errorf("status %+v", info)
				}
				if _, err := pki.VerifyStatusResponse(body, root.DER); !errs.Is(err, errs.Invalid) {
					t.Errorf("verified against the root: %v", err)
				}
				var m map[string]any
				if err := json.Unmarshal(body, &m); err != nil {
					t.Fatal(err)
				}
				for field, value := range map[string]any{"status": "revoked", "serial": "4abc", "this_update": "2030-01-01T00:00:00Z",
					"algorithm": pki.Families[0].SignatureAlgorithm() + pki.Families[1].SignatureAlgorithm(), "extra": "x",
					"signature": "AAAA"} {
					tampered := map[string]any{}
					for k, v := range m {
						tampered[k] = v
					}
					tampered[field] = value
					b, _ := json.Marshal(tampered)
					if _, err := pki.VerifyStatusResponse(b, ca.DER); !errs.Is(err, errs.Invalid) {
						t.Errorf("%s changed to %v: %v", field, value, err)
					}
				}

				fake.Advance(time.Minute)
				if err := fx.pki.Revoke(ctx, system, seal.Serial, "superseded"); err != nil {
					t.Fatal(err)
				}
				body, err = fx.pki.StatusResponse(ctx, seal.Serial)
				if err != nil {
					t.Fatal(err)
				}
				info, err = pki.VerifyStatusResponse(body, ca.DER)
				if err != nil {
					t.Fatalf("%v\n%s", err, body)
				}
				if info.Status != pki.StatusRevoked || info.Reason != "superseded" || info.RevokedAt == nil || !info.RevokedAt.Equal(fake.Now()) {
					t.Errorf("revoked status %+v", info)
				}
				if _, err := fx.pki.StatusResponse(ctx, "4abc"); !errs.Is(err, errs.NotFound) {
					t.Errorf("StatusResponse(unknown) = %v", err)
				}
			})
		}
	})
}

// ocspRequest is a request for serial from issuer, which need not have issued it.
func ocspRequest(t testing.TB, issuer pki.Certificate, serial *big.Int, h crypto.Hash) []byte {
	t.Helper()
	ic, err := pki.ParseCertificate(issuer.DER)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := publicKeyBits(ic.RawSubjectPublicKeyInfo)
	if err != nil {
		t.Fatal(err)
	}
	nh, kh := h.New(), h.New()
	nh.Write(ic.RawSubject)
	kh.Write(pub)
	der, err := (&ocsp.Request{HashAlgorithm: h, IssuerNameHash: nh.Sum(nil), IssuerKeyHash: kh.Sum(nil), SerialNumber: serial}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestOCSP(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fx := setup(t, db)
		ctx := ctxAs(system)
		seal := fx.issue(t, scj, pki.KindSeal, pki.ECDSA, sealName)
		chain, _ := fx.pki.Chain(ctx, seal.Serial)
		leaf, _ := seal.X509()
		ca, _ := chain[1].X509()

		ask := func(req []byte) *ocsp.Response {
			t.Helper()
			der, err := fx.pki.OCSP(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := ocsp.ParseResponse(der, ca)
			if err != nil {
				t.Fatalf("parse response: %v", err)
			}
			if err := resp.CheckSignatureFrom(ca); err != nil {
				t.Errorf("response signature: %v", err)
			}
			return resp
		}
		for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256} {
			req, err := ocsp.CreateRequest(leaf, ca, &ocsp.RequestOptions{Hash: h})
			if err != nil {
				t.Fatal(err)
			}
			resp := ask(req)
			if resp.Status != ocsp.Good || resp.SerialNumber.Cmp(leaf.SerialNumber) != 0 || resp.NextUpdate.Sub(resp.ThisUpdate) != pki.StatusValidity {
				t.Errorf("%v: %+v", h, resp)
			}
		}
		if r := ask(ocspRequest(t, chain[1], big.NewInt(12345), crypto.SHA1)); r.Status != ocsp.Unknown {
			t.Errorf("unknown serial: status %d", r.Status)
		}
		// A certificate of another CA, asked of this one, is unknown to it.
		other := fx.issue(t, gat, pki.KindSeal, pki.ECDSA, "福建省公安厅专用章")
		if r := ask(ocspRequest(t, chain[1], other.SerialNumber(), crypto.SHA1)); r.Status != ocsp.Unknown {
			t.Errorf("another CA's certificate: status %d", r.Status)
		}
		// gat's CA was made after the index was built; it is found.
		otherChain, _ := fx.pki.Chain(ctx, other.Serial)
		der, err := fx.pki.OCSP(ctx, ocspRequest(t, otherChain[1], other.SerialNumber(), crypto.SHA256))
		if err != nil {
			t.Fatal(err)
		}
		gatCA, _ := otherChain[1].X509()
		if r, err := ocsp.ParseResponse(der, gatCA); err != nil || r.Status != ocsp.Good {
			t.Errorf("new CA: %v, %v", r, err)
		}

		if err := fx.pki.Revoke(ctx, system, seal.Serial, "keyCompromise"); err != nil {
			t.Fatal(err)
		}
		req, _ := ocsp.CreateRequest(leaf, ca, nil)
		r := ask(req)
		c, _ := fx.pki.Get(ctx, seal.Serial)
		if r.Status != ocsp.Revoked || r.RevocationReason != ocsp.KeyCompromise || !r.RevokedAt.Equal(c.RevokedAt.Truncate(time.Second)) {
			t.Errorf("revoked: %+v", r)
		}

		sm2Seal := fx.issue(t, scj, pki.KindSeal, pki.SM2, sealName)
		sm2CA, _ := fx.pki.Get(ctx, sm2Seal.IssuerSerial)
		for name, tc := range map[string]struct {
			req  []byte
			want []byte
		}{
			"SM2 hierarchy": {ocspRequest(t, sm2CA, sm2Seal.SerialNumber(), crypto.SHA1), ocsp.UnauthorizedErrorResponse},
			"garbage":       {[]byte("hello"), ocsp.MalformedRequestErrorResponse},
			"empty":         {nil, ocsp.MalformedRequestErrorResponse},
			"too long":      {append(append([]byte{}, req...), make([]byte, pki.MaxOCSPRequest)...), ocsp.MalformedRequestErrorResponse},
			"serial zero":   {ocspRequest(t, chain[1], big.NewInt(0), crypto.SHA1), ocsp.MalformedRequestErrorResponse},
			"unknown CA":    {ocspRequest(t, seal, big.NewInt(1), crypto.SHA1), ocsp.UnauthorizedErrorResponse},
		} {
			got, err := fx.pki.OCSP(ctx, tc.req)
			if err != nil || !bytes.Equal(got, tc.want) {
				t.Errorf("%s: %x, %v; want %x", name, got, err, tc.want)
			}
		}
	})
}
