package web_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/sign"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// approval is the document the tests sign: a decision letter, named in Chinese.
var approval = []byte("准予行政许可决定书\n闽市监许〔2026〕第 0415 号\n经审查，准予许可。\n")

const approvalName = "准予许可决定书(2026);第415号.txt"

// testPDF writes a one-page PDF that says text: the objects, then a cross-reference table with
// each object's offset, as a PDF writer would.
func testPDF(text string) []byte {
	stream := "BT /F1 18 Tf 60 780 Td (" + text + ") Tj ET"
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
		"<< /Length " + strconv.Itoa(len(stream)) + " >>\nstream\n" + stream + "\nendstream",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xc7\xec\x8f\xa2\n")
	var xref strings.Builder
	fmt.Fprintf(&xref, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for i, o := range objs {
		fmt.Fprintf(&xref, "%010d 00000 n \n", b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	start := b.Len()
	b.WriteString(xref.String())
	fmt.Fprintf(&b, "trailer\n<< /Root 1 0 R /Size %d >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, start)
	return b.Bytes()
}

// signAs posts the signing form as login: use is "<seal id>:<format>".
func (s *site) signAs(login, use, name string, doc []byte, headers ...string) *httptest.ResponseRecorder {
	s.t.Helper()
	var files []upload
	if doc != nil {
		files = []upload{{"document", name, doc}}
	}
	return s.postMultipart("/sign", login, url.Values{"use": {use}, "reason": {"准予许可"}}, files, headers...)
}

// verify posts the verification form anonymously, in lang.
func (s *site) verify(lang i18n.Lang, doc []byte, docName string, sig []byte, sigName string) *httptest.ResponseRecorder {
	s.t.Helper()
	files := []upload{{"document", docName, doc}}
	if sig != nil {
		files = append(files, upload{"signature", sigName, sig})
	}
	return s.postMultipart("/verify?lang="+string(lang), "", nil, files)
}

func TestSignPageRoles(t *testing.T) {
	t.Parallel()
	s := newTrustSite(t, storetest.Open(t, store.SQLite, storetest.Options{}))
	sm2 := demoSeal(t, s, sm2SealName)
	ecdsa := demoSeal(t, s, ecdsaSealName)
	pending := demoSeal(t, s, contractSealName)

	wantLogin(t, "GET /sign anonymous", s.get("/sign", ""))
	for _, login := range []string{resident, gxt, scjWindow, scjAdmin, scjApprover, miitApprove} {
		w := s.get("/sign", login)
		wantStatus(t, "GET /sign as "+login, w, http.StatusForbidden)
		wantStatus(t, "POST /sign as "+login, s.signAs(login, sm2.ID+":cms", "a.txt", approval), http.StatusForbidden)
	}
	wantStatus(t, "POST /sign anonymous", s.signAs("", sm2.ID+":cms", "a.txt", approval), http.StatusUnauthorized)
	if got := alertText(t, parse(t, s.get("/sign", scjAdmin))); got != i18n.T(i18n.ZhHans, "trust.error.seal_users_only") {
		t.Errorf("refusal %q", got)
	}

	// A seal user of another organisation has no seal to choose and cannot use another's.
	doc := parse(t, s.get("/sign", miitSealer))
	one(t, doc, "#no-seals")
	before := s.lastAuditID()
	wantStatus(t, "another organisation's seal", s.signAs(miitSealer, sm2.ID+":cms", "a.txt", approval), http.StatusNotFound)

	// The market regulator's seal user chooses among the usable seals, each with its formats.
	doc = parse(t, s.get("/sign", scjSealer))
	var offered []string
	for _, in := range queryAll(t, doc, `form[action="/sign"][enctype="multipart/form-data"] input[name="use"]`) {
		offered = append(offered, attrOr(in, "value"))
	}
	want := []string{ecdsa.ID + ":cms", ecdsa.ID + ":pdf", sm2.ID + ":cms", sm2.ID + ":ses"}
	for _, w := range want {
		if !strings.Contains(strings.Join(offered, " "), w) {
			t.Errorf("offered %v, want %s among them", offered, w)
		}
	}
	if len(offered) != len(want) || strings.Contains(strings.Join(offered, " "), pending.ID) {
		t.Errorf("offered %v, want exactly %v (never the pending seal)", offered, want)
	}
	one(t, doc, `input#sign-document[type="file"][name="document"]`)

	// The pending seal cannot sign, nor a seal in a format its algorithm does not allow.
	w := s.signAs(scjSealer, pending.ID+":cms", "a.txt", approval)
	wantStatus(t, "pending seal", w, http.StatusConflict)
	if got := alertText(t, parse(t, w)); got != i18n.T(i18n.ZhHans, "error.seal_not_usable", pending.Name) {
		t.Errorf("alert %q", got)
	}
	w = s.signAs(scjSealer, sm2.ID+":pdf", "a.pdf", testPDF("x"))
	wantStatus(t, "PDF with SM2", w, http.StatusBadRequest)
	checkFieldError(t, parse(t, w), "sign-use", i18n.T(i18n.ZhHans, "sign.error.pdf_needs_ecdsa"))
	w = s.signAs(scjSealer, ecdsa.ID+":pdf", "a.txt", approval)
	wantStatus(t, "PDF of a text", w, http.StatusBadRequest)
	checkFieldError(t, parse(t, w), "sign-document", i18n.T(i18n.ZhHans, "sign.error.not_pdf"))
	w = s.signAs(scjSealer, sm2.ID+":cms", "", nil)
	wantStatus(t, "no document", w, http.StatusBadRequest)
	checkFieldError(t, parse(t, w), "sign-document", i18n.T(i18n.ZhHans, "sign.error.document_empty"))
	w = s.signAs(scjSealer, "", "a.txt", approval)
	wantStatus(t, "no seal", w, http.StatusBadRequest)
	checkFieldError(t, parse(t, w), "sign-use", i18n.T(i18n.ZhHans, "trust.sign.error.choose_seal"))
	w = s.signAs(scjSealer, sm2.ID+":cms", "big.bin", bytes.Repeat([]byte{1}, sign.MaxDocument+1))
	wantStatus(t, "too large", w, http.StatusRequestEntityTooLarge)
	checkFieldError(t, parse(t, w), "sign-document", i18n.T(i18n.ZhHans, "sign.error.document_too_large", sign.MaxDocument>>20))

	// Another site's page cannot make the seal user sign.
	w = s.signAs(scjSealer, sm2.ID+":cms", "a.txt", approval, "Sec-Fetch-Site", "cross-site")
	wantStatus(t, "cross-site signing", w, http.StatusForbidden)
	if got := s.auditSince(before); len(got) != 0 {
		t.Errorf("refused signing changed something: %v", got)
	}
	recs, err := s.a.Sign.Records(systemContext(), principal.SystemPrincipal, sm2.ID, 10)
	if err != nil || len(recs) != 0 {
		t.Errorf("records after refusals: %v, %v", recs, err)
	}
}

// TestSignAndVerify signs with each demo seal in each format its algorithm allows, then verifies
// the result at /verify as the public: valid, registered, logged; and a changed document is not.
func TestSignAndVerify(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newTrustSite(t, db)
		sm2 := demoSeal(t, s, sm2SealName)
		ecdsa := demoSeal(t, s, ecdsaSealName)
		pdf := testPDF("Yiwang test")
		for _, c := range []struct {
			name, use, docName, fileName, contentType, seal string
			doc                                             []byte
			lang                                            i18n.Lang
		}{
			{"SM2 CMS", sm2.ID + ":cms", approvalName, "准予许可决定书(2026);第415号.p7s", "application/pkcs7-signature", sm2SealName, approval, i18n.ZhHans},
			{"SM2 GB/T 38540", sm2.ID + ":ses", approvalName, "准予许可决定书(2026);第415号.ses", "application/octet-stream", sm2SealName, approval, i18n.ZhHant},
			{"ECDSA CMS", ecdsa.ID + ":cms", "letter.txt", "letter.p7s", "application/pkcs7-signature", ecdsaSealName, approval, i18n.En},
			{"ECDSA PDF", ecdsa.ID + ":pdf", "决定书.pdf", "决定书-signed.pdf", "application/pdf", ecdsaSealName, pdf, i18n.ZhHans},
		} {
			t.Run(c.name, func(t *testing.T) {
				before := s.lastAuditID()
				w := s.signAs(scjSealer, c.use, c.docName, c.doc)
				wantStatus(t, "sign", w, http.StatusOK)
				h := w.Header()
				if h.Get("Content-Type") != c.contentType {
					t.Errorf("Content-Type %q, want %q", h.Get("Content-Type"), c.contentType)
				}
				cd := h.Get("Content-Disposition")
				if !strings.HasPrefix(cd, "attachment; filename=\"") || !strings.Contains(cd, "filename*=UTF-8''"+rfc5987Want(c.fileName)) {
					t.Errorf("Content-Disposition %q, want %q as filename*", cd, c.fileName)
				}
				for _, r := range cd {
					if r < 0x20 || r > 0x7e {
						t.Errorf("Content-Disposition %q is not plain ASCII", cd)
						break
					}
				}
				idx, err := strconv.ParseInt(h.Get("X-Yiwang-Ledger-Index"), 10, 64)
				if err != nil {
					t.Fatalf("X-Yiwang-Ledger-Index %q", h.Get("X-Yiwang-Ledger-Index"))
				}
				if got := s.auditSince(before); len(got) == 0 || got[len(got)-1] != "sign.sign" {
					t.Errorf("audit %v", got)
				}
				signature := w.Body.Bytes()

				// The public verifies it: the document with its signature, or the signed PDF alone.
				var doc, sig []byte = c.doc, signature
				if c.contentType == "application/pdf" {
					doc, sig = signature, nil
				}
				w = s.verify(c.lang, doc, c.docName, sig, c.fileName)
				wantStatus(t, "verify", w, http.StatusOK)
				page := parse(t, w)
				verdict := one(t, page, "#verdict.valid")
				if got := text(verdict); !strings.Contains(got, i18n.T(c.lang, "trust.verify.valid")) {
					t.Errorf("verdict %q", got)
				}
				if n := count(t, page, "#errors li"); n != 0 {
					t.Errorf("%d errors: %s", n, text(one(t, page, "#errors")))
				}
				if got := text(one(t, page, "#row-seal")); !strings.Contains(got, c.seal) || !strings.Contains(got, i18n.T(c.lang, "trust.status.active")) {
					t.Errorf("seal row %q", got)
				}
				if got := text(one(t, page, "#row-time")); !strings.Contains(got, i18n.T(c.lang, "trust.verify.time_timestamp")) ||
					!strings.Contains(got, "福建省政务服务时间戳服务") || strings.Contains(got, "CN=") {
					t.Errorf("time row %q, want a time-stamp by its authority's name", got)
				}
				link := one(t, page, `#row-registered a[href="/ledger/entries/`+strconv.FormatInt(idx, 10)+`"]`)
				if got, want := text(link), i18n.T(c.lang, "trust.verify.ledger_entry", idx); got != want {
					t.Errorf("ledger link %q, want %q", got, want)
				}
				one(t, page, "#row-intact .check.ok")
				e, err := s.a.Ledger.Entry(systemContext(), idx)
				if err != nil || e.Type != "signature" || e.Org != market {
					t.Errorf("ledger entry %d: %+v, %v", idx, e, err)
				}

				// A changed document does not verify, and says why.
				if c.contentType == "application/pdf" {
					doc = append(bytes.Clone(signature), []byte("\n% appended\n")...)
				} else {
					doc = append(bytes.Clone(c.doc), '!')
				}
				w = s.verify(c.lang, doc, c.docName, sig, c.fileName)
				wantStatus(t, "verify changed", w, http.StatusOK)
				page = parse(t, w)
				if got := text(one(t, page, "#verdict.invalid")); !strings.Contains(got, i18n.T(c.lang, "trust.verify.invalid")) {
					t.Errorf("verdict %q", got)
				}
				one(t, page, "#row-intact .check.bad")
				changed := i18n.T(c.lang, "sign.problem.document_changed")
				if c.contentType == "application/pdf" {
					changed = i18n.T(c.lang, "sign.problem.pdf_appended", len("\n% appended\n"))
				}
				if got := text(one(t, page, "#errors")); !strings.Contains(got, changed) {
					t.Errorf("errors %q, want %q", got, changed)
				}
			})
		}
		// The seal's page lists what it signed, with links to the ledger.
		doc := parse(t, s.get("/seals/"+sm2.ID, scjAdmin))
		if n := count(t, doc, "#records tbody tr"); n != 2 {
			t.Errorf("%d signatures listed for the SM2 seal, want 2", n)
		}
		row := text(queryAll(t, doc, "#records tbody tr")[0])
		if !strings.Contains(row, scjSealer) || !strings.Contains(row, approvalName) {
			t.Errorf("record %q", row)
		}
		links := queryAll(t, doc, `#records a[href^="/ledger/entries/"]`)
		if len(links) != 2 {
			t.Errorf("%d links to the ledger, want 2", len(links))
		}
		for _, a := range links {
			if "/ledger/entries/"+strings.TrimPrefix(text(a), "#") != attrOr(a, "href") {
				t.Errorf("ledger link %q to %q", text(a), attrOr(a, "href"))
			}
		}
	})
}

// rfc5987Want percent-encodes name as RFC 5987 wants: every byte but the attr-chars.
func rfc5987Want(name string) string {
	var b strings.Builder
	for _, c := range []byte(name) {
		if c < 0x80 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0) {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func TestVerifyRefusesGarbage(t *testing.T) {
	t.Parallel()
	s := newTrustSite(t, storetest.Open(t, store.SQLite, storetest.Options{}))
	lang := i18n.ZhHans
	doc := parse(t, s.get("/verify", ""))
	one(t, doc, `form[action="/verify"][enctype="multipart/form-data"] input#verify-document[type="file"][required]`)
	one(t, doc, `input#verify-signature[type="file"]`)
	for _, c := range []struct {
		name    string
		files   []upload
		status  int
		id, key string
	}{
		{"nothing", nil, 400, "verify-document", "sign.error.document_empty"},
		{"text without signature", []upload{{"document", "a.txt", approval}}, 400, "verify-signature", "sign.error.signature_required"},
		{"garbage signature", []upload{{"document", "a.txt", approval}, {"signature", "a.p7s", []byte("not a signature")}}, 400, "verify-signature", "sign.error.signature_unreadable"},
		{"unsigned PDF", []upload{{"document", "a.pdf", testPDF("unsigned")}}, 400, "verify-document", "sign.error.pdf_no_signature"},
		{"truncated PDF", []upload{{"document", "a.pdf", []byte("%PDF-1.7\n garbage")}}, 400, "verify-document", ""},
		{"too large", []upload{{"document", "a.bin", bytes.Repeat([]byte{0}, sign.MaxDocument+1)}}, 413, "verify-document", "sign.error.document_too_large"},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := s.postMultipart("/verify", "", nil, c.files)
			wantStatus(t, c.name, w, c.status)
			page := parse(t, w)
			if n := count(t, page, "#verdict"); n != 0 {
				t.Error("a verdict on garbage")
			}
			if c.key == "" {
				one(t, page, "#"+c.id+"-error")
				return
			}
			var args []any
			if c.status == 413 {
				args = []any{sign.MaxDocument >> 20}
			}
			checkFieldError(t, page, c.id, i18n.T(lang, c.key, args...))
		})
	}
}

// TestVerifyRateLimited: verification is public and costs a signature check, so it is limited
// per client in a class of its own (a burst of 20, then one a second); reading the form is not,
// and a client that verified many documents can still sign in.
func TestVerifyRateLimited(t *testing.T) {
	t.Parallel()
	s := newSite(t, storetest.Open(t, store.SQLite, storetest.Options{}), nil)
	limited := false
	for i := range 30 {
		w := s.postMultipart("/verify", "", nil, []upload{{"document", "a.txt", approval}})
		if w.Code == http.StatusTooManyRequests {
			limited = true
			if i < httpserver.DefaultRateLimits()[httpserver.ClassVerify].Burst {
				t.Errorf("limited after only %d verifications", i)
			}
			if w.Header().Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
			break
		}
		wantStatus(t, "verification "+strconv.Itoa(i), w, http.StatusBadRequest)
	}
	if !limited {
		t.Error("30 verifications in a row were not limited")
	}
	wantStatus(t, "the form", s.get("/verify", ""), http.StatusOK)
}
