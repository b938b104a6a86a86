package pki_test

import (
	"crypto/x509"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/smx509"
	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/pki"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

const sealName = "福建省市场监督管理局行政审批专用章"

var serialRE = regexp.MustCompile(`^[4-7][0-9a-f]{31}$`)

// verifyChain checks leaf against the chain with Go: smx509 for both families, and crypto/x509
// too for ECDSA.
func verifyChain(t *testing.T, f pki.Family, leaf, ca, root pki.Certificate, usage x509.ExtKeyUsage) {
	t.Helper()
	parse := func(c pki.Certificate) *smx509.Certificate {
		t.Helper()
		p, err := pki.ParseCertificate(c.DER)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	roots, inter := smx509.NewCertPool(), smx509.NewCertPool()
	roots.AddCert(parse(root))
	inter.AddCert(parse(ca))
	if _, err := parse(leaf).Verify(smx509.VerifyOptions{Roots: roots, Intermediates: inter,
		KeyUsages: []smx509.ExtKeyUsage{smx509.ExtKeyUsage(usage)}, CurrentTime: leaf.NotBefore.Add(time.Hour)}); err != nil {
		t.Errorf("smx509 verify %s %s: %v", f, leaf.Kind, err)
	}
	if f != pki.ECDSA {
		if _, err := leaf.X509(); err == nil {
			t.Errorf("X509() of an SM2 certificate: no error")
		}
		return
	}
	xparse := func(c pki.Certificate) *x509.Certificate {
		t.Helper()
		p, err := c.X509()
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	xroots, xinter := x509.NewCertPool(), x509.NewCertPool()
	xroots.AddCert(xparse(root))
	xinter.AddCert(xparse(ca))
	if _, err := xparse(leaf).Verify(x509.VerifyOptions{Roots: xroots, Intermediates: xinter,
		KeyUsages: []x509.ExtKeyUsage{usage}, CurrentTime: leaf.NotBefore.Add(time.Hour)}); err != nil {
		t.Errorf("x509 verify %s: %v", leaf.Kind, err)
	}
}

func TestHierarchy(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fx := setup(t, db)
		ctx := ctxAs(system)
		scjOrg, err := org.Get(ctx, db, scj)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range pki.Families {
			t.Run(string(f), func(t *testing.T) {
				root, err := fx.pki.EnsureRoot(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				again, err := fx.pki.EnsureRoot(ctx, f)
				if err != nil || again.Serial != root.Serial {
					t.Fatalf("EnsureRoot again = %s, %v; want %s", again.Serial, err, root.Serial)
				}
				ca, err := fx.pki.EnsureOrgCA(ctx, scj, f)
				if err != nil {
					t.Fatal(err)
				}
				if again, err := fx.pki.EnsureOrgCA(ctx, scj, f); err != nil || again.Serial != ca.Serial {
					t.Fatalf("EnsureOrgCA again = %s, %v; want %s", again.Serial, err, ca.Serial)
				}
				seal := fx.issue(t, scj, pki.KindSeal, f, sealName)
				signer := fx.issue(t, scj, pki.KindSigner, f, "福建省市场监督管理局电子证照签发")

				for _, c := range []pki.Certificate{root, ca, seal, signer} {
					if !serialRE.MatchString(c.Serial) {
						t.Errorf("%s serial %q: want 16 bytes of lower-case hex, top bit clear", c.Kind, c.Serial)
					}
					if c.Family != f || c.Status != pki.StatusGood {
						t.Errorf("%s: family %s status %s", c.Kind, c.Family, c.Status)
					}
				}
				if root.IssuerSerial != root.Serial || ca.IssuerSerial != root.Serial || seal.IssuerSerial != ca.Serial {
					t.Errorf("issuers: root %s ca %s seal %s", root.IssuerSerial, ca.IssuerSerial, seal.IssuerSerial)
				}
				if root.Org != org.DigitalOffice || ca.Org != scj || seal.Org != scj {
					t.Errorf("orgs: root %s ca %s seal %s", root.Org, ca.Org, seal.Org)
				}
				if d := root.NotAfter.Sub(root.NotBefore); d < pki.RootValidity {
					t.Errorf("root validity %v", d)
				}
				if d := ca.NotAfter.Sub(ca.NotBefore); d < pki.OrgCAValidity {
					t.Errorf("org CA validity %v", d)
				}

				chain, err := fx.pki.Chain(ctx, seal.Serial)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, c := range chain {
					got = append(got, c.Serial)
				}
				if diff := cmp.Diff([]string{seal.Serial, ca.Serial, root.Serial}, got); diff != "" {
					t.Errorf("chain mismatch (-want +got):\n%s", diff)
				}
				verifyChain(t, f, seal, ca, root, x509.ExtKeyUsageAny)
				verifyChain(t, f, signer, ca, root, x509.ExtKeyUsageAny)

				pr, _ := pki.ParseCertificate(root.DER)
				pc, _ := pki.ParseCertificate(ca.DER)
				ps, _ := pki.ParseCertificate(seal.DER)
				pg, _ := pki.ParseCertificate(signer.DER)
				if pr.Subject.CommonName != pki.RootName(f) || !pr.IsCA || pr.MaxPathLen != 1 {
					t.Errorf("root: CN %q CA %v pathlen %d", pr.Subject.CommonName, pr.IsCA, pr.MaxPathLen)
				}
				if !pc.IsCA || pc.MaxPathLen != 0 || !pc.MaxPathLenZero || pc.Subject.Organization[0] != scjOrg.NameHans {
					t.Errorf("org CA: CA %v pathlen %d O %v", pc.IsCA, pc.MaxPathLen, pc.Subject.Organization)
				}
				caUsage := smx509.KeyUsageCertSign | smx509.KeyUsageCRLSign | smx509.KeyUsageDigitalSignature
				if pr.KeyUsage != caUsage || pc.KeyUsage != caUsage {
					t.Errorf("CA key usage root %b org %b", pr.KeyUsage, pc.KeyUsage)
				}
				if ps.KeyUsage != smx509.KeyUsageDigitalSignature|smx509.KeyUsageContentCommitment || ps.IsCA {
					t.Errorf("seal key usage %b CA %v", ps.KeyUsage, ps.IsCA)
				}
				if pg.KeyUsage != smx509.KeyUsageDigitalSignature || len(pg.ExtKeyUsage) != 0 {
					t.Errorf("signer key usage %b EKU %v", pg.KeyUsage, pg.ExtKeyUsage)
				}
				if ps.Subject.CommonName != sealName || ps.Subject.Organization[0] != scjOrg.NameHans || ps.Subject.Country[0] != "CN" {
					t.Errorf("seal subject %v", ps.Subject)
				}
				status := "https://yiwang.test/pki/ocsp"
				if f == pki.SM2 {
					status = "https://yiwang.test/pki/status/" + seal.Serial
				}
				if diff := cmp.Diff([]string{"https://yiwang.test/pki/crl/" + ca.Serial}, ps.CRLDistributionPoints); diff != "" {
					t.Errorf("CRL distribution point (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff([]string{status}, ps.OCSPServer); diff != "" {
					t.Errorf("OCSP server (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff([]string{"https://yiwang.test/pki/certs/" + ca.Serial}, ps.IssuingCertificateURL); diff != "" {
					t.Errorf("issuer URL (-want +got):\n%s", diff)
				}
				if len(pr.CRLDistributionPoints) != 0 || len(pr.OCSPServer) != 0 {
					t.Errorf("root names a CRL or responder: %v %v", pr.CRLDistributionPoints, pr.OCSPServer)
				}
				if string(ps.AuthorityKeyId) != string(pc.SubjectKeyId) || len(ps.SubjectKeyId) != 20 {
					t.Errorf("key identifiers do not link")
				}

				byKey, err := fx.pki.ByKey(ctx, seal.KeyID)
				if err != nil || len(byKey) != 1 || byKey[0].Serial != seal.Serial {
					t.Errorf("ByKey = %v, %v", byKey, err)
				}
				// Serials are found however they are written.
				if c, err := fx.pki.Get(ctx, "00"+strings.ToUpper(seal.Serial)); err != nil || c.Serial != seal.Serial {
					t.Errorf("Get(upper case, leading zeros) = %v, %v", c.Serial, err)
				}
			})
		}
		roots, err := fx.pki.Roots(ctx)
		if err != nil || len(roots) != 2 || roots[0].Family != pki.SM2 || roots[1].Family != pki.ECDSA {
			t.Errorf("Roots = %d, %v", len(roots), err)
		}
		for _, serial := range []string{"", "zz", "0", strings.Repeat("1", 41), "abcdef"} {
			if _, err := fx.pki.Get(ctx, serial); !errs.Is(err, errs.NotFound) {
				t.Errorf("Get(%q) = %v, want not found", serial, err)
			}
		}
		evs, err := audit.List(ctx, db, audit.Filter{ObjectType: "certificate", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 8 { // per family: root, org CA, seal, signer
			t.Errorf("%d audit records of certificates, want 8", len(evs))
		}
		for _, e := range evs {
			if e.Action != "pki.issue" || e.Actor != "system:system" || strings.Contains(e.Detail, "CN=") {
				t.Errorf("audit %+v", e)
			}
		}
	})
}

func TestTSACertificate(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fx := setup(t, db)
		for _, f := range pki.Families {
			tsa := fx.issue(t, org.DigitalOffice, pki.KindTSA, f, "福建省政务服务时间戳服务")
			chain, err := fx.pki.Chain(ctxAs(system), tsa.Serial)
			if err != nil {
				t.Fatal(err)
			}
			verifyChain(t, f, tsa, chain[1], chain[2], x509.ExtKeyUsageTimeStamping)
			p, _ := pki.ParseCertificate(tsa.DER)
			if diff := cmp.Diff([]smx509.ExtKeyUsage{smx509.ExtKeyUsageTimeStamping}, p.ExtKeyUsage); diff != "" {
				t.Errorf("%s EKU (-want +got):\n%s", f, diff)
			}
			critical := false
			for _, e := range p.Extensions {
				if e.Id.String() == "2.5.29.37" {
					critical = e.Critical
				}
			}
			if !critical || p.KeyUsage != smx509.KeyUsageDigitalSignature {
				t.Errorf("%s: EKU critical %v, key usage %b", f, critical, p.KeyUsage)
			}
			if d := tsa.NotAfter.Sub(tsa.NotBefore); d < pki.DefaultTSAValidity {
				t.Errorf("tsa validity %v", d)
			}
		}
	})
}

func TestIssueAuthority(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fx := setup(t, db)
		ctx := ctxAs(system)
		scjKey := fx.key(t, scj, "seal", pki.SM2)
		gatKey := fx.key(t, gat, "seal", pki.ECDSA)
		officeKey := fx.key(t, org.DigitalOffice, "tsa", pki.ECDSA)
		caKey := fx.key(t, scj, pki.PurposeOrgCA, pki.SM2)
		edKey, err := fx.keys.Ensure(ctx, scj, "ledger", keys.Ed25519)
		if err != nil {
			t.Fatal(err)
		}
		oldKey := fx.key(t, scj, "signer", pki.ECDSA)
		if err := fx.keys.Retire(ctx, system, oldKey.ID); err != nil {
			t.Fatal(err)
		}
		tsaReq := func(r *pki.IssueRequest) {
			*r = pki.IssueRequest{Org: org.DigitalOffice, Kind: pki.KindTSA, KeyID: officeKey.ID, CommonName: "时间戳服务"}
		}
		for _, tc := range []struct {
			name   string
			as     principalT
			change func(r *pki.IssueRequest) // of a seal certificate for scjKey
			kind   errs.Kind
			field  string
		}{
			{"the platform", system, nil, "", ""},
			{"the digital office's administrator", officeAdmin, nil, "", ""},
			{"the organisation's administrator", scjAdmin, nil, "", ""},
			{"another organisation's administrator", gatAdmin, nil, errs.Forbidden, ""},
			{"a window officer of the organisation", scjWindow, nil, errs.Forbidden, ""},
			{"a digital office reviewer", officeClerk, nil, errs.Forbidden, ""},
			{"a resident", resident, nil, errs.Forbidden, ""},
			{"the public", anonymous, nil, errs.Forbidden, ""},
			{"a key of another organisation", scjAdmin, func(r *pki.IssueRequest) { r.KeyID = gatKey.ID }, errs.Invalid, "key_id"},
			{"a key of another organisation, as the digital office", officeAdmin, func(r *pki.IssueRequest) { r.KeyID = gatKey.ID },
				errs.Invalid, "key_id"},
			{"no such key", scjAdmin, func(r *pki.IssueRequest) { r.KeyID = "key_nope" }, errs.Invalid, "key_id"},
			{"a CA key", system, func(r *pki.IssueRequest) { r.KeyID = caKey.ID }, errs.Invalid, "key_id"},
			{"an Ed25519 key", system, func(r *pki.IssueRequest) { r.KeyID = edKey.ID }, errs.Invalid, "key_id"},
			{"a retired key", system, func(r *pki.IssueRequest) { r.KeyID = oldKey.ID }, errs.Invalid, "key_id"},
			{"a time-stamping certificate for a department", system, func(r *pki.IssueRequest) { r.Kind = pki.KindTSA }, errs.Forbidden, ""},
			{"a time-stamping certificate for the digital office", officeAdmin, tsaReq, "", ""},
			{"a time-stamping certificate, as a department's administrator", scjAdmin, tsaReq, errs.Forbidden, ""},
			{"a CA kind", system, func(r *pki.IssueRequest) { r.Kind = pki.KindOrgCA }, errs.Invalid, "kind"},
			{"no name", system, func(r *pki.IssueRequest) { r.CommonName = " " }, errs.Invalid, "common_name"},
			{"a phone number in the name", system, func(r *pki.IssueRequest) { r.CommonName = "经办人13905910001" }, errs.Invalid, "common_name"},
			{"an ID number in the name", system, func(r *pki.IssueRequest) { r.CommonName = "350102199001011234" }, errs.Invalid, "common_name"},
			{"a name too long", system, func(r *pki.IssueRequest) { r.CommonName = strings.Repeat("章", 65) }, errs.Invalid, "common_name"},
			{"ten years", system, func(r *pki.IssueRequest) { r.Validity = 10 * 365 * 24 * time.Hour }, errs.Invalid, "validity"},
			{"a minute", system, func(r *pki.IssueRequest) { r.Validity = time.Minute }, errs.Invalid, "validity"},
			{"ninety days", system, func(r *pki.IssueRequest) { r.Validity = 90 * 24 * time.Hour }, "", ""},
			{"an unknown organisation", system, func(r *pki.IssueRequest) { r.Org = "fj-nowhere" }, errs.NotFound, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := pki.IssueRequest{Org: scj, Kind: pki.KindSeal, KeyID: scjKey.ID, CommonName: sealName}
				if tc.change != nil {
					tc.change(&r)
				}
				p := tc.as
				c, err := fx.pki.Issue(ctxAs(p), p, r)
				if tc.kind == "" {
					if err != nil {
						t.Fatalf("Issue: %v", err)
					}
					if c.Org != r.Org || c.Kind != r.Kind || c.KeyID != r.KeyID {
						t.Errorf("issued %+v", c)
					}
					if r.Validity != 0 && c.NotAfter.Sub(c.NotBefore) > r.Validity+2*time.Minute {
						t.Errorf("validity %v, asked %v", c.NotAfter.Sub(c.NotBefore), r.Validity)
					}
					evs, err := audit.List(ctx, db, audit.Filter{ObjectType: "certificate", ObjectID: c.Serial})
					if err != nil || len(evs) != 1 || evs[0].Actor != p.Actor() {
						t.Errorf("audit %+v, %v; want one by %s", evs, err, p.Actor())
					}
					return
				}
				if errs.KindOf(err) != tc.kind {
					t.Fatalf("Issue = %v, want %s", err, tc.kind)
				}
				if pe := errs.Public(err); pe.Field != tc.field {
					t.Errorf("field %q, want %q", pe.Field, tc.field)
				}
			})
		}
	})
}
