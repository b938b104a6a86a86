package sign_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/pkcs7"
	"github.com/emmansun/gmsm/smx509"
	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/sign"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

func document(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func codes(r sign.Report) []string {
	out := []string{}
	for _, p := range r.Problems {
		out = append(out, p.Code)
	}
	return out
}

func TestCMSRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPKI(t)
		a := p.authorityOn(t, db)
		trust := p.trust()
		trust.Status = fakeStatus{status: sign.StatusGood}
		doc := document(t, 4096)
		for _, tc := range []struct {
			name      string
			signer    *signer
			algorithm string
		}{
			{"SM2", p.sm2, "SM2-SM3"},
			{"ECDSA", p.ec, "ECDSA-SHA256"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := time.Now().Add(-time.Second)
				sig, err := sign.CMS(ctx(), doc, tc.signer.key, tc.signer.cert, tc.signer.chain, a)
				if err != nil {
					t.Fatal(err)
				}
				// Detached: the document is not in the signature.
				if bytes.Contains(sig, doc[:64]) {
					t.Error("the signature carries the document")
				}
				// An independent verifier agrees.
				p7, err := pkcs7.Parse(sig)
				if err != nil {
					t.Fatal(err)
				}
				if len(p7.Content) != 0 {
					t.Errorf("pkcs7 sees %d content bytes in a detached signature", len(p7.Content))
				}
				p7.Content = doc
				if err := p7.Verify(); err != nil {
					t.Errorf("gmsm pkcs7 Verify: %v", err)
				}

				r, err := sign.VerifyCMS(ctx(), doc, sig, trust)
				if err != nil {
					t.Fatal(err)
				}
				if !r.Valid || !r.SignatureValid || !r.DocumentIntact || !r.CertificateValidAtSigning || !r.ChainTrusted {
					t.Fatalf("report: %v", r)
				}
				if diff := cmp.Diff([]string{}, codes(r)); diff != "" {
					t.Errorf("problems (-want +got):\n%s", diff)
				}
				if r.Format != "cms" || r.Signer.Algorithm != tc.algorithm || r.Signer.CommonName != tc.signer.cert.Subject.CommonName ||
					r.Signer.Organisation != "福建省市场监督管理局" || r.Signer.Serial != tc.signer.cert.SerialNumber.Text(16) ||
					r.Signer.IssuerCommonName != tc.signer.root.Subject.CommonName || r.Status != sign.StatusGood {
					t.Errorf("signer %+v, status %s", r.Signer, r.Status)
				}
				if r.Timestamp == nil || !r.Timestamp.Verified || r.TimeSource != "timestamp" || !strings.Contains(r.Timestamp.TSA, "Yiwang Test TSA") ||
					r.Timestamp.Policy != "1.3.6.1.4.1.32473.3161.1" || r.Timestamp.Time.Before(before.Truncate(time.Second)) {
					t.Errorf("timestamp %+v, source %s", r.Timestamp, r.TimeSource)
				}
				if r.SigningTime.IsZero() || r.SigningTime.Before(before.Truncate(time.Second)) {
					t.Errorf("signing time %v", r.SigningTime)
				}
			})
		}
	})
}

func TestVerifyCMSReports(t *testing.T) {
	p := newPKI(t)
	a := p.authority(t)
	doc := document(t, 1000)
	now := time.Now()
	expired := p.ecCA.issue(t, false, "Expired seal", now.AddDate(-2, 0, 0), now.AddDate(-1, 0, 0))
	notYet := p.sm2CA.issue(t, true, "Future seal", now.Add(24*time.Hour), now.AddDate(1, 0, 0))
	otherRoot := newCA(t, false, "Another Root")

	mustSign := func(s *signer, stamper sign.Stamper) []byte {
		t.Helper()
		sig, err := sign.CMS(ctx(), doc, s.key, s.cert, s.chain, stamper)
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	ecSig := mustSign(p.ec, a)
	sm2Sig := mustSign(p.sm2, a)
	unstamped := mustSign(p.ec, nil)

	good := fakeStatus{status: sign.StatusGood}
	withStatus := func(s sign.StatusChecker) sign.Trust { tr := p.trust(); tr.Status = s; return tr }
	changed := append(bytes.Clone(doc[:len(doc)-1]), doc[len(doc)-1]^1)

	for _, tc := range []struct {
		name   string
		doc    []byte
		sig    []byte
		trust  sign.Trust
		valid  bool
		sigOK  bool
		intact bool
		certOK bool
		source string
		status string
		codes  []string
	}{
		{name: "ECDSA intact", doc: doc, sig: ecSig, trust: withStatus(good), valid: true, sigOK: true, intact: true, certOK: true,
			source: "timestamp", status: "good", codes: []string{}},
		{name: "SM2 intact", doc: doc, sig: sm2Sig, trust: withStatus(good), valid: true, sigOK: true, intact: true, certOK: true,
			source: "timestamp", status: "good", codes: []string{}},
		{name: "ECDSA over a changed document", doc: changed, sig: ecSig, trust: withStatus(good), sigOK: true, certOK: true,
			source: "timestamp", status: "good", codes: []string{"document_changed"}},
		{name: "SM2 over a changed document", doc: changed, sig: sm2Sig, trust: withStatus(good), sigOK: true, certOK: true,
			source: "timestamp", status: "good", codes: []string{"document_changed"}},
		{name: "a forged signature", doc: doc, sig: forgeSigningTime(t, unstamped), trust: withStatus(good), intact: true, certOK: true,
			source: "signing_time", status: "good", codes: []string{"signature_invalid", "no_timestamp"}},
		{name: "an untrusted root", doc: doc, sig: ecSig,
			trust: sign.Trust{Roots: []*smx509.Certificate{otherRoot.cert}, TSARoots: p.trust().TSARoots, Status: good},
			sigOK: true, intact: true, source: "timestamp", status: "good", codes: []string{"chain_untrusted"}},
		{name: "a certificate expired when signing", doc: doc, sig: mustSign(expired, a), trust: withStatus(good), sigOK: true, intact: true,
			source: "timestamp", status: "good", codes: []string{"certificate_expired_at_signing"}},
		{name: "a certificate not yet valid when signing", doc: doc, sig: mustSign(notYet, a), trust: withStatus(good), sigOK: true, intact: true,
			source: "timestamp", status: "good", codes: []string{"certificate_not_yet_valid_at_signing"}},
		{name: "revoked before signing", doc: doc, sig: ecSig, trust: withStatus(fakeStatus{status: sign.StatusRevoked, revokedAt: now.Add(-time.Hour)}),
			sigOK: true, intact: true, source: "timestamp", status: "revoked", codes: []string{"revoked_before_signing"}},
		{name: "revoked after signing", doc: doc, sig: ecSig, trust: withStatus(fakeStatus{status: sign.StatusRevoked, revokedAt: now.Add(time.Hour)}),
			valid: true, sigOK: true, intact: true, certOK: true, source: "timestamp", status: "revoked", codes: []string{"revoked_after_signing"}},
		{name: "no time-stamp", doc: doc, sig: unstamped, trust: withStatus(good), valid: true, sigOK: true, intact: true, certOK: true,
			source: "signing_time", status: "good", codes: []string{"no_timestamp"}},
		{name: "a time-stamp from an untrusted authority", doc: doc, sig: ecSig,
			trust: sign.Trust{Roots: p.trust().Roots, Status: good}, valid: true, sigOK: true, intact: true, certOK: true,
			source: "signing_time", status: "good", codes: []string{"timestamp_untrusted"}},
		{name: "no status checker", doc: doc, sig: ecSig, trust: p.trust(), valid: true, sigOK: true, intact: true, certOK: true,
			source: "timestamp", status: "unknown", codes: []string{"status_unknown"}},
		{name: "the status checker fails", doc: doc, sig: ecSig, trust: withStatus(fakeStatus{err: errors.New("down")}), valid: true, sigOK: true,
			intact: true, certOK: true, source: "timestamp", status: "unknown", codes: []string{"status_unavailable"}},
		{name: "several problems, errors first", doc: changed, sig: unstamped, trust: sign.Trust{}, intact: false, sigOK: true,
			source: "signing_time", status: "unknown", codes: []string{"document_changed", "chain_untrusted", "no_timestamp", "status_unknown"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := sign.VerifyCMS(ctx(), tc.doc, tc.sig, tc.trust)
			if err != nil {
				t.Fatal(err)
			}
			got := []any{r.Valid, r.SignatureValid, r.DocumentIntact, r.CertificateValidAtSigning, r.TimeSource, r.Status}
			want := []any{tc.valid, tc.sigOK, tc.intact, tc.certOK, tc.source, tc.status}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("valid, signature, intact, certificate, time source, status (-want +got):\n%s\n%v", diff, r)
			}
			if diff := cmp.Diff(tc.codes, codes(r)); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			for _, p := range r.Problems {
				if p.Key != "sign.problem."+p.Code {
					t.Errorf("problem %s has key %s", p.Code, p.Key)
				}
				for _, lang := range i18n.All {
					if msg := i18n.T(lang, p.Key, p.Args...); !i18n.Has(p.Key) || strings.Contains(msg, "%!") {
						t.Errorf("problem %s in %s: %q", p.Code, lang, msg)
					}
				}
			}
		})
	}

	t.Run("not a signature", func(t *testing.T) {
		for _, b := range [][]byte{nil, []byte("hello"), ecSig[:len(ecSig)/2], append(bytes.Clone(ecSig), 0)} {
			if _, err := sign.VerifyCMS(ctx(), doc, b, p.trust()); !errs.Is(err, errs.Invalid) {
				t.Errorf("VerifyCMS(%d bytes) = %v, want errs.Invalid", len(b), err)
			}
		}
	})
}

// forgeSigningTime changes the seconds of the signing-time attribute of an unstamped signature
// (the last UTCTime in it), so the signed attributes no longer match the signature while the
// message digest still matches the document.
func forgeSigningTime(t *testing.T, sig []byte) []byte {
	t.Helper()
	out := bytes.Clone(sig)
	i := bytes.LastIndex(out, []byte{0x17, 0x0d})
	if i < 0 {
		t.Fatal("no UTCTime in the signature")
	}
	out[i+2+11] = '0' + (out[i+2+11]-'0'+1)%10 // the last digit of the seconds
	return out
}

func TestCMSRefusesWrongKeys(t *testing.T) {
	p := newPKI(t)
	for _, tc := range []struct {
		name string
		s    *signer
		cert *smx509.Certificate
		key  string
	}{
		{"a key that is not the certificate's", p.ec, p.sm2.cert, "sign.error.key_mismatch"},
		{"an SM2 key with an ECDSA certificate", p.sm2, p.ec.cert, "sign.error.key_mismatch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sign.CMS(ctx(), []byte("x"), tc.s.key, tc.cert, nil, nil)
			if !errs.Is(err, errs.Invalid) || errs.Public(err).Message != tc.key {
				t.Errorf("CMS = %v, want errs.Invalid %s", err, tc.key)
			}
		})
	}
}
