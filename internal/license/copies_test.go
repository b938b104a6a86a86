package license

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/ledger"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/qrcode"
	"github.com/yiwang-platform/yiwang/internal/sealimage"
	"github.com/yiwang-platform/yiwang/internal/sign"
)

// copyRequest is a copy for the housing fund, expiring in days (at the end of that day).
func copyRequest(r *rig, days int) CopyRequest {
	exp, _ := CopyExpiryOn(today(r.clock.Now().AddDate(0, 0, days)))
	return CopyRequest{Reason: "办理公积金贷款", UseFor: "福州市住房公积金中心", ExpiresAt: exp}
}

// TestAnnotate: the holder makes a copy of a valid licence; it verifies valid, and stops
// verifying valid when it is changed, expires, is withdrawn, or its licence stops being valid.
func TestAnnotate(t *testing.T) {
	eachRig(t, keys.SM2, func(t *testing.T, r *rig) {
		r.publishAll(t)
		s := r.svc
		ctx := context.Background()
		verify := func(t *testing.T, text string) VerifyResult {
			t.Helper()
			res, err := s.Verify(ctx, text)
			if err != nil {
				t.Fatal(err)
			}
			if !i18n.Has(res.Reason) {
				t.Errorf("reason %s has no texts", res.Reason)
			}
			return res
		}
		makeCopy := func(t *testing.T, l Licence, p principal.Principal) Copy {
			t.Helper()
			c, err := s.Annotate(as(p), p, l.ID, copyRequest(r, 30))
			if err != nil {
				t.Fatal(err)
			}
			return c
		}

		guide := r.issue(t, fzApprover, guideRequest("林小梅", aliceID))
		c := makeCopy(t, guide, r.alice)
		if !strings.HasPrefix(c.Credential, CopyPrefix) || len(c.Credential) > MaxCopy {
			t.Fatalf("copy = %.40s… (%d bytes)", c.Credential, len(c.Credential))
		}
		claims, err := ParseCopy(c.Credential)
		if err != nil {
			t.Fatal(err)
		}
		if claims.Licence != guide.ID || claims.Public[ClaimTypeName] != "导游证" || claims.Reason != "办理公积金贷款" {
			t.Errorf("claims = %+v", claims)
		}
		if strings.Contains(c.Credential, aliceID) || strings.Contains(string(mustDecodePayload(t, c.Credential)), "林小梅") {
			t.Error("the copy discloses the holder's hidden claims")
		}
		// The step, the ledger entry and the audit record.
		hist, err := s.History(as(r.alice), r.alice, guide.ID)
		if err != nil {
			t.Fatal(err)
		}
		if last := hist[len(hist)-1]; last.Kind != StepAnnotated || last.Reason != c.ID || last.LedgerIndex == nil {
			t.Errorf("history = %+v", last)
		}
		es := r.entries(t)
		if e := es[len(es)-1]; e.Type != ledger.TypeLicenceAnnotated || e.Digest != digestText(c.Credential) ||
			!strings.HasPrefix(e.Subject, guide.ID+"#") {
			t.Errorf("ledger entry = %+v", e)
		}
		if acts := r.auditActions(t, guide.ID); acts[len(acts)-1] != "license.annotate" {
			t.Errorf("audit = %v", acts)
		}

		tampered := func(text string, change func(*CopyClaims)) string { return tamperCopy(t, text, change) }
		// The copy signed by the issuer's licence key instead of the node key.
		issuerSg, err := s.issuerSigner(ctx, fzMarket)
		if err != nil {
			t.Fatal(err)
		}
		byIssuer := claims
		byIssuer.KeyID = issuerSg.Key().ID
		byIssuerText, err := signCopy(issuerSg, byIssuer)
		if err != nil {
			t.Fatal(err)
		}
		dot := strings.LastIndexByte(guide.Credential, '.')
		copyDot := strings.LastIndexByte(c.Credential, '.')

		for _, tc := range []struct {
			id     string
			state  State
			reason string
		}{
			{c.ID, StateValid, "license.reason.copy_valid"},
			{"cp_" + strings.Repeat("a", 24), StateForged, "license.reason.copy_unknown"},
			{"cp_../etc", StateMalformed, "license.reason.malformed"},
		} {
			res, err := s.VerifyCopyID(ctx, tc.id)
			if err != nil || res.State != tc.state || res.Reason != tc.reason || res.Input != InputCopy {
				t.Errorf("VerifyCopyID(%s) = %+v, %v; want %s %s", tc.id, res, err, tc.state, tc.reason)
			}
		}

		for _, tc := range []struct {
			name   string
			text   string
			state  State
			reason string
		}{
			{"made", c.Credential, StateValid, "license.reason.copy_valid"},
			{"made, with spaces around", "\n " + c.Credential + " \n", StateValid, "license.reason.copy_valid"},
			{"reason changed", tampered(c.Credential, func(cl *CopyClaims) { cl.Reason = "办理任何事项" }), StateForged, "license.reason.forged"},
			{"expiry moved", tampered(c.Credential, func(cl *CopyClaims) { cl.Expires += 86400 * 365 }), StateForged, "license.reason.forged"},
			{"another licence named", tampered(c.Credential, func(cl *CopyClaims) { cl.Licence = r.issue(t, xmApprover, guideRequest("陈大伟", bobID)).ID }),
				StateForged, "license.reason.forged"},
			{"signed by the issuer's key", byIssuerText, StateNotTrusted, "license.reason.not_trusted"},
			{"the licence's signature on the copy", c.Credential[:copyDot] + guide.Credential[dot:], StateForged, "license.reason.forged"},
			{"the copy's signature on the licence", guide.Credential[:dot] + c.Credential[copyDot:], StateForged, "license.reason.forged"},
			{"the copy as a credential", credential.CredentialPrefix + strings.TrimPrefix(c.Credential, CopyPrefix), StateMalformed, "license.reason.malformed"},
			{"cut short", c.Credential[:len(c.Credential)/2], StateMalformed, "license.reason.malformed"},
		} {
			t.Run("verify/"+tc.name, func(t *testing.T) {
				res := verify(t, tc.text)
				if res.State != tc.state || res.Reason != tc.reason {
					t.Fatalf("verify = %s %s, want %s %s", res.State, res.Reason, tc.state, tc.reason)
				}
				if tc.state == StateValid {
					if res.Input != InputCopy || res.Purpose != "办理公积金贷款" || res.Audience != "福州市住房公积金中心" ||
						res.CopyID != c.ID || res.Licence == nil || res.Licence.ID != guide.ID || res.Licence.Disclosed != nil {
						t.Errorf("verify = %+v", res)
					}
				} else if (tc.state == StateForged || tc.state == StateMalformed || tc.state == StateNotTrusted) && res.Licence != nil {
					t.Errorf("a copy that did not verify shows a licence: %+v", res.Licence)
				}
			})
		}

		// What ends a copy: each on a fresh licence and copy.
		for _, tc := range []struct {
			name   string
			end    func(t *testing.T, l Licence, c Copy)
			state  State
			reason string
		}{
			{"the copy expires", func(t *testing.T, _ Licence, c Copy) {
				r.clock.Set(c.ExpiresAt.Add(time.Second))
			}, StateExpired, "license.reason.copy_expired"},
			{"the holder withdraws it", func(t *testing.T, _ Licence, c Copy) {
				got, err := s.RevokeCopy(as(r.alice), r.alice, c.ID)
				if err != nil || got.RevokedAt == nil || s.CopyState(got) != StateRevoked {
					t.Fatalf("revoke = %+v, %v", got, err)
				}
				_, err = s.RevokeCopy(as(r.alice), r.alice, c.ID)
				wantErr(t, err, errs.Conflict, "", "license.error.copy_revoked")
			}, StateRevoked, "license.reason.copy_revoked"},
			{"the licence is revoked", func(t *testing.T, l Licence, _ Copy) {
				if _, err := s.Revoke(as(fzApprover), fzApprover, l.ID, "以欺骗手段取得"); err != nil {
					t.Fatal(err)
				}
			}, StateRevoked, "license.reason.copy_licence_revoked"},
			{"the licence is suspended", func(t *testing.T, l Licence, _ Copy) {
				if _, err := s.Suspend(as(fzApprover), fzApprover, l.ID, "核查中"); err != nil {
					t.Fatal(err)
				}
			}, StateSuspended, "license.reason.copy_licence_suspended"},
			{"the licence changes", func(t *testing.T, l Licence, _ Copy) {
				if _, err := s.Change(as(fzApprover), fzApprover, l.ID, ChangeRequest{Reason: "更正",
					Face: map[string]string{"language": "日语"}}); err != nil {
					t.Fatal(err)
				}
			}, StateSuperseded, "license.reason.copy_licence_superseded"},
		} {
			t.Run("end/"+tc.name, func(t *testing.T) {
				start := r.clock.Now()
				defer r.clock.Set(start)
				l := r.issue(t, fzApprover, guideRequest("林小梅", aliceID))
				c := makeCopy(t, l, r.alice)
				if res := verify(t, c.Credential); res.State != StateValid {
					t.Fatalf("before: %s %s", res.State, res.Reason)
				}
				tc.end(t, l, c)
				res := verify(t, c.Credential)
				if res.State != tc.state || res.Reason != tc.reason || res.Licence == nil || res.Purpose == "" {
					t.Fatalf("after = %+v, want %s %s", res, tc.state, tc.reason)
				}
			})
		}
	})
}

// tamperCopy is copy text with its claims changed, keeping the signature.
func tamperCopy(t *testing.T, text string, change func(*CopyClaims)) string {
	t.Helper()
	cl, err := ParseCopy(text)
	if err != nil {
		t.Fatal(err)
	}
	change(&cl)
	body, _ := json.Marshal(cl)
	return CopyPrefix + base64.RawURLEncoding.EncodeToString(body) + text[strings.LastIndexByte(text, '.'):]
}

func mustDecodePayload(t *testing.T, text string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(text[len(CopyPrefix):strings.LastIndexByte(text, '.')])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestAnnotateRequests: who may make, list and withdraw copies, and what a request must hold.
func TestAnnotateRequests(t *testing.T) {
	eachRig(t, keys.ECDSAP256, func(t *testing.T, r *rig) {
		r.publishAll(t)
		s := r.svc
		guide := r.issue(t, fzApprover, guideRequest("林小梅", aliceID))
		food := r.issue(t, fzApprover, foodRequest())
		teach := r.issue(t, eduApprover, IssueRequest{TypeCode: teachTypeCode, HolderName: "林小梅", HolderCode: aliceID,
			HolderCodeType: HolderCodeResidentID, Face: map[string]string{"subject": "数学"}})
		suspended := r.issue(t, fzApprover, guideRequest("林小梅", aliceID))
		if _, err := s.Suspend(as(fzApprover), fzApprover, suspended.ID, "核查中"); err != nil {
			t.Fatal(err)
		}
		ok := copyRequest(r, 30)
		with := func(change func(*CopyRequest)) CopyRequest {
			req := ok
			change(&req)
			return req
		}
		for _, tc := range []struct {
			name        string
			p           principal.Principal
			id          string
			req         CopyRequest
			kind        errs.Kind
			field, key  string
			wantExpires string // YYYY-MM-DD of the copy's expiry
		}{
			{"the holder", r.alice, guide.ID, ok, "", "", "", today(ok.ExpiresAt)},
			{"an agent for the enterprise's licences", r.agent, food.ID, ok, "", "", "", ""},
			{"a licence without an end, 90 days ahead", r.alice, teach.ID, copyRequest(r, MaxCopyDays), "", "", "", ""},
			{"another resident", r.bob, guide.ID, ok, errs.NotFound, "", "license.error.not_found", ""},
			{"the enterprise's owner as a person", r.owner, food.ID, ok, errs.NotFound, "", "license.error.not_found", ""},
			{"an agent for taxation", r.taxAgent, food.ID, ok, errs.NotFound, "", "license.error.not_found", ""},
			{"the issuer's approver", fzApprover, guide.ID, ok, errs.NotFound, "", "license.error.not_found", ""},
			{"the public", anonymous, guide.ID, ok, errs.NotFound, "", "license.error.not_found", ""},
			{"a suspended licence", r.alice, suspended.ID, ok, errs.Conflict, "", "license.error.not_copyable", ""},
			{"no reason", r.alice, guide.ID, with(func(q *CopyRequest) { q.Reason = "  " }), errs.Invalid, "reason", "plaintext.error.required", ""},
			{"a reason with a control character", r.alice, guide.ID, with(func(q *CopyRequest) { q.Reason = "贷款\x07" }), errs.Invalid, "reason", "plaintext.error.control", ""},
			{"a reason too long", r.alice, guide.ID, with(func(q *CopyRequest) { q.Reason = strings.Repeat("贷", maxCopyReason+1) }), errs.Invalid, "reason", "plaintext.error.too_long", ""},
			{"no use", r.alice, guide.ID, with(func(q *CopyRequest) { q.UseFor = "" }), errs.Invalid, "use_for", "plaintext.error.required", ""},
			{"no expiry", r.alice, guide.ID, with(func(q *CopyRequest) { q.ExpiresAt = time.Time{} }), errs.Invalid, "expires_at", "license.error.copy_expiry_required", ""},
			{"expiry past", r.alice, guide.ID, with(func(q *CopyRequest) { q.ExpiresAt = r.clock.Now().Add(-time.Minute) }), errs.Invalid, "expires_at", "license.error.copy_expiry_past", ""},
			{"expiry too far", r.alice, guide.ID, copyRequest(r, MaxCopyDays+1), errs.Invalid, "expires_at", "license.error.copy_expiry_too_far", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c, err := s.Annotate(as(tc.p), tc.p, tc.id, tc.req)
				if tc.kind != "" {
					wantErr(t, err, tc.kind, tc.field, tc.key)
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if tc.wantExpires != "" && today(c.ExpiresAt) != tc.wantExpires {
					t.Errorf("expires %s, want %s", c.ExpiresAt, tc.wantExpires)
				}
				if res, err := s.Verify(context.Background(), c.Credential); err != nil || res.State != StateValid {
					t.Errorf("verify = %+v, %v", res, err)
				}
			})
		}

		// A copy may not outlive its licence: near the end of the guide's validity.
		t.Run("expiry after the licence's", func(t *testing.T) {
			start := r.clock.Now()
			defer r.clock.Set(start)
			end, err := endOfDay(guide.ValidUntil)
			if err != nil {
				t.Fatal(err)
			}
			r.clock.Set(end.AddDate(0, 0, -10))
			_, err = s.Annotate(as(r.alice), r.alice, guide.ID, copyRequest(r, 30))
			wantErr(t, err, errs.Invalid, "expires_at", "license.error.copy_expiry_after_licence")
			if _, err := s.Annotate(as(r.alice), r.alice, guide.ID, copyRequest(r, 10)); err != nil {
				t.Errorf("a copy until the licence's last day: %v", err)
			}
		})

		// Listing and withdrawing: the holder only.
		c, err := s.Annotate(as(r.alice), r.alice, guide.ID, ok)
		if err != nil {
			t.Fatal(err)
		}
		list, err := s.Copies(as(r.alice), r.alice, guide.ID)
		if err != nil || !slices.ContainsFunc(list, func(x Copy) bool { return x.ID == c.ID }) {
			t.Fatalf("copies = %+v, %v", list, err)
		}
		for _, p := range []principal.Principal{r.bob, fzApprover, anonymous, r.agent} {
			if _, err := s.Copies(as(p), p, guide.ID); !errs.Is(err, errs.NotFound) {
				t.Errorf("%s lists the copies: %v", p.Login, err)
			}
			if _, err := s.GetCopy(as(p), p, c.ID); !errs.Is(err, errs.NotFound) {
				t.Errorf("%s reads the copy: %v", p.Login, err)
			}
			if _, err := s.RevokeCopy(as(p), p, c.ID); !errs.Is(err, errs.NotFound) {
				t.Errorf("%s withdraws the copy: %v", p.Login, err)
			}
			if _, err := s.CopyPDF(as(p), p, c.ID); !errs.Is(err, errs.NotFound) {
				t.Errorf("%s downloads the copy: %v", p.Login, err)
			}
		}
		if _, err := s.RevokeCopy(as(r.alice), r.alice, "cp_nosuchcopy"); !errs.Is(err, errs.NotFound) {
			t.Errorf("withdraw an unknown copy: %v", err)
		}
		if got, err := s.GetCopy(as(r.alice), r.alice, c.ID); err != nil || got.RevokedAt != nil || !got.ExpiresAt.Equal(c.ExpiresAt) ||
			today(got.ExpiresAt) != today(ok.ExpiresAt) {
			t.Errorf("the copy after others tried = %+v, %v; want it unrevoked, expiring at %s", got, err, c.ExpiresAt)
		}
	})
}

// TestVerifyCopyOffline: offline, a copy verifies by its signature, its expiry and the
// snapshot's status of its licence; its withdrawal is not known offline.
func TestVerifyCopyOffline(t *testing.T) {
	eachRig(t, keys.SM2, func(t *testing.T, r *rig) {
		r.publishAll(t)
		s := r.svc
		ctx := context.Background()
		guide := r.issue(t, fzApprover, guideRequest("林小梅", aliceID))
		revoked := r.issue(t, fzApprover, guideRequest("林小梅", aliceID))
		c, err := s.Annotate(as(r.alice), r.alice, guide.ID, copyRequest(r, 30))
		if err != nil {
			t.Fatal(err)
		}
		withdrawn, err := s.Annotate(as(r.alice), r.alice, guide.ID, copyRequest(r, 30))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.RevokeCopy(as(r.alice), r.alice, withdrawn.ID); err != nil {
			t.Fatal(err)
		}
		ofRevoked, err := s.Annotate(as(r.alice), r.alice, revoked.ID, copyRequest(r, 30))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Revoke(as(fzApprover), fzApprover, revoked.ID, "注销"); err != nil {
			t.Fatal(err)
		}
		doc, err := s.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		nodeKey, _, err := s.NodeKey(ctx)
		if err != nil {
			t.Fatal(err)
		}
		snap, err := VerifySnapshot(doc, nodeKey.Public)
		if err != nil {
			t.Fatal(err)
		}
		trust, err := snap.Resolver()
		if err != nil {
			t.Fatal(err)
		}
		now := r.clock.Now()
		for _, tc := range []struct {
			name   string
			text   string
			at     time.Time
			snap   Snapshot
			state  State
			reason string
		}{
			{"valid", c.Credential, now, snap, StateValid, "license.reason.copy_offline"},
			{"withdrawn: known online only", withdrawn.Credential, now, snap, StateValid, "license.reason.copy_offline"},
			{"its licence revoked", ofRevoked.Credential, now, snap, StateRevoked, "license.reason.copy_licence_revoked"},
			{"expired", c.Credential, c.ExpiresAt.Add(time.Second), snap, StateExpired, "license.reason.copy_expired"},
			{"no snapshot of its node", c.Credential, now, Snapshot{}, StateValid, "license.reason.copy_no_snapshot"},
			{"changed", tamperCopy(t, c.Credential, func(cl *CopyClaims) { cl.UseFor = "任何单位" }), now, snap, StateForged, "license.reason.forged"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				for _, res := range []VerifyResult{VerifyOffline(tc.text, tc.snap, tc.at), VerifyOfflineWith(tc.text, trust, tc.snap, tc.at)} {
					if tc.snap.Node == "" && res.Reason == "license.reason.not_trusted" {
						continue // VerifyOffline trusts only the snapshot's keys
					}
					if res.State != tc.state || res.Reason != tc.reason {
						t.Errorf("offline = %s %s, want %s %s", res.State, res.Reason, tc.state, tc.reason)
					}
				}
			})
		}
		// Online, the withdrawal is known.
		if res, err := s.Verify(ctx, withdrawn.Credential); err != nil || res.State != StateRevoked {
			t.Errorf("online = %+v, %v", res, err)
		}
	})
}

// testPDFSigner seals PDFs as internal/sign does, with a throwaway ECDSA certificate.
type testPDFSigner struct{ t testing.TB }

func (s testPDFSigner) SignPDF(ctx context.Context, orgCode string, pdf []byte, rect [4]float64) ([]byte, error) {
	seal, err := sealimage.Render(sealimage.Spec{Name: "福州市市场监督管理局", Caption: "行政审批专用章", Code: "3501000012345"})
	if err != nil {
		return nil, err
	}
	key, cert := pdfTestSigner(s.t)
	return sign.PDF(ctx, pdf, key, cert, nil, sign.PDFOptions{SealImage: seal, Page: 1, Rect: rect, Reason: "电子证照", Location: "Fuzhou"})
}

// TestCopyPDF: the copy's PDF carries the licence's face, the annotation and the copy's
// signed form as its QR code, is signed so that pdfsig validates it, is kept after the first
// download, and is not made for a copy withdrawn before.
func TestCopyPDF(t *testing.T) {
	pdfsig := pdfNeed(t, "pdfsig")
	pdftotext := pdfNeed(t, "pdftotext")
	pdftoppm := pdfNeed(t, "pdftoppm")
	pdfNeedFont(t)
	eachRig(t, keys.SM2, func(t *testing.T, r *rig) {
		r.publishAll(t)
		r.svc.cfg.PDFSigner = testPDFSigner{t}
		s := r.svc
		guide := r.issue(t, fzApprover, guideRequest("林小梅", aliceID))
		req := copyRequest(r, 30)
		req.Reason, req.UseFor = "办理公积金贷款（首套住房）", "福州市住房公积金中心鼓楼管理部"
		c, err := s.Annotate(as(r.alice), r.alice, guide.ID, req)
		if err != nil {
			t.Fatal(err)
		}
		pdf, err := s.CopyPDF(as(r.alice), r.alice, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		again, err := s.CopyPDF(as(r.alice), r.alice, c.ID)
		if err != nil || !bytes.Equal(pdf, again) {
			t.Errorf("the second download differs (%v)", err)
		}
		dir := t.TempDir()
		path := filepath.Join(dir, "copy.pdf")
		if err := os.WriteFile(path, pdf, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(pdfsig, "-nocert", path).CombinedOutput()
		if err != nil {
			t.Fatalf("pdfsig: %v\n%s", err, out)
		}
		for _, w := range []string{"Signature Validation: Signature is Valid.", "Total document signed"} {
			if !strings.Contains(string(out), w) {
				t.Errorf("pdfsig does not say %q:\n%s", w, out)
			}
		}
		text, err := exec.Command(pdftotext, "-enc", "UTF-8", path, "-").CombinedOutput()
		if err != nil {
			t.Fatalf("pdftotext: %v\n%s", err, text)
		}
		// The watermark's characters, drawn at an angle, come out one a line among the others.
		var kept []string
		for _, line := range strings.Split(string(text), "\n") {
			if utf8.RuneCountInString(strings.TrimSpace(line)) > 1 {
				kept = append(kept, line)
			}
		}
		text = []byte(strings.Join(kept, "\n"))
		until := pdfDate(today(c.ExpiresAt))
		for _, w := range []string{"导游证", "英语", "本复印件仅供" + req.UseFor + "用于" + req.Reason, "有效期至" + until,
			"再次复印无效", c.ID, guide.ID, "加注件"} {
			if !strings.Contains(pdfSquash(string(text)), pdfSquash(w)) {
				t.Errorf("pdftotext does not show %q:\n%s", w, text)
			}
		}
		if dst := os.Getenv("YIWANG_KEEP_PDF"); dst != "" {
			_ = os.WriteFile(filepath.Join(dst, "copy.pdf"), pdf, 0o644)
		}
		// The PDF names the copy, not the licence: a verifier given the file verifies the copy.
		if id, err := PDFCopyID(pdf); err != nil || id != c.ID {
			t.Errorf("PDFCopyID = %q, %v; want %s", id, err, c.ID)
		}
		if id, err := PDFIdentifier(pdf); err == nil {
			t.Errorf("the copy's PDF passes for the licence's: %s", id)
		}
		if res, err := s.VerifyCopyID(context.Background(), c.ID); err != nil || res.State != StateValid ||
			res.Reason != "license.reason.copy_valid" || res.CopyID != c.ID {
			t.Errorf("VerifyCopyID = %+v, %v", res, err)
		}
		// The printed QR code reads back as the copy's signed form, through the watermark.
		if out, err := exec.Command(pdftoppm, "-r", "200", "-png", "-singlefile", path, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v\n%s", err, out)
		}
		page, err := os.ReadFile(filepath.Join(dir, "page.png"))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := qrcode.Read(page); err != nil || got != c.Credential {
			t.Errorf("the QR code reads %q, %v; want the copy", got, err)
		}
		// A copy withdrawn before its first download has no PDF; one downloaded keeps its file.
		if _, err := s.RevokeCopy(as(r.alice), r.alice, c.ID); err != nil {
			t.Fatal(err)
		}
		if kept, err := s.CopyPDF(as(r.alice), r.alice, c.ID); err != nil || !bytes.Equal(kept, pdf) {
			t.Errorf("the kept PDF after withdrawal: %v", err)
		}
		other, err := s.Annotate(as(r.alice), r.alice, guide.ID, copyRequest(r, 5))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.RevokeCopy(as(r.alice), r.alice, other.ID); err != nil {
			t.Fatal(err)
		}
		_, err = s.CopyPDF(as(r.alice), r.alice, other.ID)
		wantErr(t, err, errs.Conflict, "", "license.error.copy_not_current")
	})
}

// FuzzPDFCopyID feeds arbitrary files to PDFCopyID: it never panics, refuses only with
// errs.Invalid, and what it returns is a copy's id.
func FuzzPDFCopyID(f *testing.F) {
	for _, s := range []string{"%PDF-1.4\n/Subject (cp_abcdefghijklmnopqrstuvwx)", "%PDF-/Subject <FEFF0063>", "%PDF-/Subject (cp_)",
		"%PDF-/Subject (1.2.156.3005.2.x)", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, pdf []byte) {
		id, err := PDFCopyID(pdf)
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("%v, want errs.Invalid", err)
			}
			return
		}
		if !copyIDPattern.MatchString(id) {
			t.Fatalf("returned %q", id)
		}
	})
}

// FuzzParseCopy feeds the copy parser and checker anything: no panic, and nothing but the
// signed content verifies.
func FuzzParseCopy(f *testing.F) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	trust := credential.Keys{"k1": {Public: key.Public(), Owner: node}}
	lid := idcode.LicenceID{TypeCode: foodTypeCode, IssuerCode: creditCodeOf(fzMarket), Serial: "2630001", Version: "001"}.String()
	signed, err := signCopy(key, CopyClaims{Alg: credential.ES256, KeyID: "k1", Node: node, ID: "cp_seed", Licence: lid,
		Issuer: node + "/" + creditCodeOf(fzMarket), Public: map[string]string{ClaimTypeName: "食品经营许可证"},
		CredentialSHA256: credentialSHA256("YWC1.x.y"), Reason: "贷款", UseFor: "公积金中心", IssuedAt: 1, Expires: 2})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := checkCopy(signed, trust); err != nil {
		f.Fatalf("the seed does not verify: %v", err)
	}
	input := signed[:strings.LastIndexByte(signed, '.')]
	for _, seed := range []string{signed, "", CopyPrefix, "YWA1..", "YWA1.e30.AA", "YWA1.AAAA.AAAA", signed[:len(signed)/2],
		strings.Replace(signed, "A", "B", 2), "YWC1." + signed[5:]} {
		f.Add(seed)
	}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, clock.China)
	f.Fuzz(func(t *testing.T, text string) {
		if c, err := ParseCopy(text); err == nil && (c.ID == "" || c.Licence == "" || c.Reason == "") {
			t.Fatalf("ParseCopy(%q) accepted an incomplete copy: %+v", text, c)
		}
		c, err := checkCopy(text, trust)
		if err == nil {
			got := strings.TrimSpace(text)
			if got[:strings.LastIndexByte(got, '.')] != input {
				t.Fatalf("checkCopy(%q) verified content that was not signed: %+v", text, c)
			}
		} else if credential.ReasonOf(err) == "" {
			t.Fatalf("checkCopy(%q): an error without a reason: %v", text, err)
		}
		res := verifyCopyOffline(text, trust, Snapshot{}, now)
		if !knownStates[res.State] || !i18n.Has(res.Reason) {
			t.Fatalf("verifyCopyOffline(%q) = %s %s", text, res.State, res.Reason)
		}
	})
}
