package sign_test

import (
	"bytes"
	"context"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/ledger"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/pki"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/seal"
	"github.com/yiwang-platform/yiwang/internal/sign"
	"github.com/yiwang-platform/yiwang/internal/sign/signtest"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

const samr = "fj-market-regulation"

func officialOf(login, orgCode string, roles ...string) principal.Principal {
	return principal.Principal{Kind: principal.Official, Login: login, AccountID: int64(len(login)), OrgCode: orgCode, Roles: roles}
}

var (
	sealAdmin    = officialOf("scj.admin", samr, principal.RoleAdministrator)
	sealApprover = officialOf("scj.approver", samr, principal.RoleApprover)
	sealUser     = officialOf("scj.sealer", samr, principal.RoleSealUser)
	otherSealer  = officialOf("gat.sealer", "fj-public-security", principal.RoleSealUser)
)

func as(p principal.Principal) context.Context { return principal.With(context.Background(), p) }

// platform is the trust services assembled as the app assembles them.
type platform struct {
	db *store.DB
	*signtest.Services
}

func newPlatform(t testing.TB, db *store.DB) *platform {
	t.Helper()
	if _, err := org.Seed(as(principal.SystemPrincipal), db, org.Directory()); err != nil {
		t.Fatal(err)
	}
	return &platform{db: db, Services: signtest.New(t, db)}
}

// activeSeal requests and approves a seal of the market regulator.
func (p *platform) activeSeal(t testing.TB, alg keys.Algorithm) seal.Seal {
	t.Helper()
	now := p.db.Clock().Now()
	s, err := p.Seals.RequestSeal(as(sealAdmin), sealAdmin, seal.Request{Org: samr, Kind: seal.Special,
		Name: "福建省市场监督管理局行政审批专用章", Caption: "行政审批专用章", Algorithm: alg,
		ValidFrom: now.Add(-time.Hour), ValidTo: now.AddDate(3, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if s, err = p.Seals.Approve(as(sealApprover), sealApprover, s.ID); err != nil {
		t.Fatal(err)
	}
	return s
}

func problemCodes(v sign.Verification) []string {
	var out []string
	for _, pr := range v.Problems {
		out = append(out, pr.Code)
	}
	return out
}

func TestSignWithSealAndVerify(t *testing.T) {
	decision := []byte("行政许可决定书\n闽市监许〔2026〕第 0421 号\n准予福州榕城茶业有限公司食品经营许可。\n")
	storetest.EachWith(t, storetest.Options{Clock: clock.Real{}}, func(t *testing.T, db *store.DB) {
		p := newPlatform(t, db)
		sm2Seal := p.activeSeal(t, keys.SM2)
		ecSeal := p.activeSeal(t, keys.ECDSAP256)
		tests := []struct {
			name   string
			seal   seal.Seal
			format sign.Format
			doc    []byte
			alg    string
		}{
			{"CMS with SM2", sm2Seal, sign.FormatCMS, decision, "SM2-SM3"},
			{"CMS with ECDSA", ecSeal, sign.FormatCMS, decision, "ECDSA-SHA256"},
			{"GB/T 38540 with SM2", sm2Seal, sign.FormatSES, decision, "SM2-SM3"},
			{"PDF with ECDSA", ecSeal, sign.FormatPDF, onePagePDF("Decision 0421"), "ECDSA-SHA256"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res, err := p.Sign.Sign(as(sealUser), sealUser, sign.Request{SealID: tt.seal.ID, Format: tt.format,
					Document: tt.doc, DocumentName: "决定书.txt", Reason: "行政许可决定"})
				if err != nil {
					t.Fatal(err)
				}
				if res.LedgerIndex == nil || res.SealName != tt.seal.Name || len(res.Signature) == 0 {
					t.Fatalf("result %+v", res)
				}
				doc, sig := tt.doc, res.Signature
				if tt.format == sign.FormatPDF {
					doc, sig = res.Signature, nil
				}
				v, err := p.Sign.Verify(context.Background(), doc, sig)
				if err != nil {
					t.Fatal(err)
				}
				if !v.Valid || !v.Registered || v.Seal == nil || v.Seal.ID != tt.seal.ID || v.TimeSource != "timestamp" ||
					v.Status != sign.StatusGood || v.Signer.Algorithm != tt.alg {
					t.Fatalf("verification %+v problems %v", v.Report, problemCodes(v))
				}
				if v.LedgerIndex == nil || *v.LedgerIndex != *res.LedgerIndex {
					t.Fatalf("ledger index %v, want %v", v.LedgerIndex, *res.LedgerIndex)
				}
				// The ledger holds the document's digest against the seal's code.
				e, err := p.Ledger.Entry(context.Background(), *res.LedgerIndex)
				if err != nil || e.Type != ledger.TypeSignature || e.Digest != "sha256:"+res.DocumentSHA256 || e.Subject != tt.seal.Code {
					t.Fatalf("ledger entry %+v %v", e, err)
				}
				// A changed document is reported as changed, not as forged.
				changed := bytes.Clone(doc)
				if tt.format == sign.FormatPDF {
					changed = bytes.Replace(changed, []byte("Decision 0421"), []byte("Decision 0422"), 1)
				} else {
					changed = append(changed, '!')
				}
				v, err = p.Sign.Verify(context.Background(), changed, sig)
				if err != nil {
					t.Fatal(err)
				}
				if v.Valid || v.DocumentIntact || !slices.Contains(problemCodes(v), sign.ProblemDocumentChanged) {
					t.Fatalf("changed document: %+v %v", v.Report, problemCodes(v))
				}
			})
		}
		// The register lists the seal's signatures to its organisation.
		recs, err := p.Sign.Records(as(sealAdmin), sealAdmin, sm2Seal.ID, 0)
		if err != nil || len(recs) != 2 || recs[0].Signer != sealUser.Actor() {
			t.Fatalf("records %+v %v", recs, err)
		}
		if _, err := p.Sign.Records(as(otherSealer), otherSealer, sm2Seal.ID, 0); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("other organisation's records: %v", err)
		}
	})
}

func TestSignRefusals(t *testing.T) {
	storetest.EachWith(t, storetest.Options{Clock: clock.Real{}}, func(t *testing.T, db *store.DB) {
		p := newPlatform(t, db)
		sm2Seal := p.activeSeal(t, keys.SM2)
		ecSeal := p.activeSeal(t, keys.ECDSAP256)
		doc := []byte("通知")
		tests := []struct {
			name string
			p    principal.Principal
			req  sign.Request
			kind errs.Kind
		}{
			{"administrator is no seal user", sealAdmin, sign.Request{SealID: sm2Seal.ID, Format: sign.FormatCMS, Document: doc}, errs.Forbidden},
			{"another organisation", otherSealer, sign.Request{SealID: sm2Seal.ID, Format: sign.FormatCMS, Document: doc}, errs.NotFound},
			{"unknown seal", sealUser, sign.Request{SealID: "seal_nope", Format: sign.FormatCMS, Document: doc}, errs.NotFound},
			{"empty document", sealUser, sign.Request{SealID: sm2Seal.ID, Format: sign.FormatCMS}, errs.Invalid},
			{"PDF with SM2", sealUser, sign.Request{SealID: sm2Seal.ID, Format: sign.FormatPDF, Document: onePagePDF("x")}, errs.Invalid},
			{"SES with ECDSA", sealUser, sign.Request{SealID: ecSeal.ID, Format: sign.FormatSES, Document: doc}, errs.Invalid},
			{"PDF that is not", sealUser, sign.Request{SealID: ecSeal.ID, Format: sign.FormatPDF, Document: doc}, errs.Invalid},
			{"unknown format", sealUser, sign.Request{SealID: ecSeal.ID, Format: "xml", Document: doc}, errs.Invalid},
			{"too large", sealUser, sign.Request{SealID: ecSeal.ID, Format: sign.FormatCMS, Document: make([]byte, sign.MaxDocument+1)}, errs.TooLarge},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if _, err := p.Sign.Sign(as(tt.p), tt.p, tt.req); errs.KindOf(err) != tt.kind {
					t.Fatalf("got %v, want %s", err, tt.kind)
				}
			})
		}
		if _, err := p.Sign.Verify(context.Background(), doc, []byte("not a signature")); errs.KindOf(err) != errs.Invalid {
			t.Fatalf("garbage signature: %v", err)
		}
		if _, err := p.Sign.Verify(context.Background(), doc, nil); errs.KindOf(err) != errs.Invalid {
			t.Fatalf("no signature: %v", err)
		}
	})
}

// TestRevocationAfterSigning: a time-stamped signature made before its seal was revoked still
// verifies (with a warning); after revocation the seal signs no more.
func TestRevocationAfterSigning(t *testing.T) {
	storetest.EachWith(t, storetest.Options{Clock: clock.Real{}}, func(t *testing.T, db *store.DB) {
		p := newPlatform(t, db)
		s := p.activeSeal(t, keys.SM2)
		doc := []byte("决定书")
		res, err := p.Sign.Sign(as(sealUser), sealUser, sign.Request{SealID: s.ID, Format: sign.FormatSES, Document: doc})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(1100 * time.Millisecond) // revocation times are whole seconds after the time-stamp
		if err := p.Seals.RequestRevocation(as(sealAdmin), sealAdmin, s.ID, "superseded", ""); err != nil {
			t.Fatal(err)
		}
		if err := p.Seals.DecideRevocation(as(sealApprover), sealApprover, s.ID, true); err != nil {
			t.Fatal(err)
		}
		v, err := p.Sign.Verify(context.Background(), doc, res.Signature)
		if err != nil {
			t.Fatal(err)
		}
		if !v.Valid || v.Status != sign.StatusRevoked || !slices.Contains(problemCodes(v), sign.ProblemRevokedAfterSigning) ||
			v.Seal == nil || v.Seal.Status != seal.Revoked {
			t.Fatalf("after revocation: %+v %v", v.Report, problemCodes(v))
		}
		if _, err := p.Sign.Sign(as(sealUser), sealUser, sign.Request{SealID: s.ID, Format: sign.FormatSES, Document: doc}); errs.KindOf(err) != errs.Conflict {
			t.Fatalf("signing with a revoked seal: %v", err)
		}
	})
}

// TestOutsideVerifiersAcceptServiceSignatures checks what the service makes with the tools
// a recipient has: openssl for the ECDSA CMS signature, pdfsig for the PDF.
func TestOutsideVerifiersAcceptServiceSignatures(t *testing.T) {
	for _, tool := range []string{"openssl", "pdfsig"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is missing (apt-get install -y openssl poppler-utils)", tool)
			}
			t.Skipf("%s is missing", tool)
		}
	}
	db := storetest.Open(t, store.SQLite, storetest.Options{Clock: clock.Real{}})
	p := newPlatform(t, db)
	s := p.activeSeal(t, keys.ECDSAP256)
	dir := t.TempDir()
	doc := []byte("行政许可决定书 0421\n")
	res, err := p.Sign.Sign(as(sealUser), sealUser, sign.Request{SealID: s.ID, Format: sign.FormatCMS, Document: doc})
	if err != nil {
		t.Fatal(err)
	}
	roots, err := p.PKI.Roots(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var bundle []byte
	for _, r := range roots {
		if r.Family == pki.ECDSA {
			bundle = append(bundle, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.DER})...)
		}
	}
	write := func(name string, b []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	out, err := exec.Command("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", write("sig.p7s", res.Signature),
		"-content", write("doc.txt", doc), "-CAfile", write("root.pem", bundle), "-purpose", "any", "-out", os.DevNull).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Verification successful") {
		t.Fatalf("openssl cms -verify: %v\n%s", err, out)
	}
	pdfRes, err := p.Sign.Sign(as(sealUser), sealUser, sign.Request{SealID: s.ID, Format: sign.FormatPDF, Document: onePagePDF("Decision 0421")})
	if err != nil {
		t.Fatal(err)
	}
	out, _ = exec.Command("pdfsig", "-nocert", write("signed.pdf", pdfRes.Signature)).CombinedOutput()
	if !strings.Contains(string(out), "Signature is Valid") {
		t.Fatalf("pdfsig:\n%s", out)
	}
}
