package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/app"
	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/sign"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// letterPDF assembles a one-page A4 PDF showing one line of text: header, five objects, the
// cross-reference table of their byte offsets and the trailer — the least a PDF signer accepts.
func letterPDF(line string) []byte {
	page := "BT /F1 16 Tf 56 770 Td (" + line + ") Tj ET"
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>",
		"<< /Length " + strconv.Itoa(len(page)) + " >>\nstream\n" + page + "\nendstream",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xc7\xec\x8f\xa2\n")
	var xref strings.Builder
	fmt.Fprintf(&xref, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for i, o := range objects {
		fmt.Fprintf(&xref, "%010d 00000 n \n", b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	start := b.Len()
	b.WriteString(xref.String())
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, start)
	return b.Bytes()
}

// part is one part of a multipart/form-data body; a file when fileName is set.
type part struct {
	name, fileName string
	data           []byte
}

// formBody encodes parts as multipart/form-data and returns the body and its Content-Type.
func formBody(t testing.TB, parts ...part) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, p := range parts {
		var w io.Writer
		var err error
		if p.fileName != "" {
			w, err = mw.CreateFormFile(p.name, p.fileName)
		} else {
			w, err = mw.CreateFormField(p.name)
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(p.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), mw.FormDataContentType()
}

// verification is what the tests read of a verification report.
type verification struct {
	Valid          bool   `json:"valid"`
	Format         string `json:"format"`
	SignatureValid bool   `json:"signature_valid"`
	DocumentIntact bool   `json:"document_intact"`
	Registered     bool   `json:"registered"`
	TimeSource     string `json:"time_source"`
	Status         string `json:"status"`
	LedgerIndex    *int64 `json:"ledger_index"`
	SealImageURL   string `json:"seal_image_url"`
	Signer         struct {
		Algorithm string `json:"algorithm"`
	} `json:"signer"`
	Seal *struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Org  string `json:"org"`
	} `json:"seal"`
	Problems []struct {
		Code     string `json:"code"`
		Severity string `json:"severity"`
		Key      string `json:"key"`
		Args     []any  `json:"args"`
		Message  string `json:"message"`
	} `json:"problems"`
}

func (v verification) codes() []string {
	var out []string
	for _, p := range v.Problems {
		out = append(out, p.Code)
	}
	return out
}

// verify sends document and signature to /api/v1/verifications, as a form or as JSON, in lang,
// and decodes the report.
func (e *sealEnv) verify(t *testing.T, asForm bool, document, signature []byte, lang string) verification {
	t.Helper()
	var body []byte
	var ct string
	if asForm {
		parts := []part{{name: "document", fileName: "document.bin", data: document}}
		if signature != nil {
			parts = append(parts, part{name: "signature", fileName: "document.sig", data: signature})
		}
		body, ct = formBody(t, parts...)
	} else {
		m := map[string]any{"document": document}
		if signature != nil {
			m["signature"] = signature
		}
		body, _ = json.Marshal(m)
		ct = "application/json"
	}
	var header map[string]string
	if lang != "" {
		header = map[string]string{"Accept-Language": lang}
	}
	w := e.request(anon, "POST", "/api/v1/verifications", ct, body, header)
	if w.Code != 200 {
		t.Fatalf("verify: %d %s", w.Code, w.Body)
	}
	if want := string(i18n.Negotiate(&http.Request{Header: http.Header{"Accept-Language": {lang}}})); w.Header().Get("Content-Language") != want {
		t.Errorf("Content-Language %q, want %q", w.Header().Get("Content-Language"), want)
	}
	var v verification
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("verification is not JSON: %v: %s", err, w.Body)
	}
	for _, p := range v.Problems {
		l, _ := i18n.FromAcceptLanguage(lang)
		if l == "" {
			l = i18n.ZhHans
		}
		if want := i18n.T(l, p.Key, p.Args...); p.Message != want || p.Message == "" || i18n.Has(p.Message) {
			t.Errorf("problem %s: message %q, want %q", p.Code, p.Message, want)
		}
	}
	return v
}

// TestSignAndVerifyOverHTTP signs the decision with each demo seal in each format it makes, as a
// file upload and as JSON, and verifies every signature through the public verification route:
// genuine, registered, and naming the seal; then with the document changed, reported as changed
// in the language asked for.
func TestSignAndVerifyOverHTTP(t *testing.T) {
	t.Parallel()
	pdf := letterPDF("Food business licence decision 0421")
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newSealEnv(t, db)
		tests := []struct {
			name, seal, sealName string
			format               sign.Format
			doc                  []byte
			docName              string
			alg, contentType     string
			fileName             string
		}{
			{"SM2 CMS", "sm2", sm2SealName, sign.FormatCMS, decisionText, "行政许可决定书.txt", "SM2-SM3", "application/pkcs7-signature", "行政许可决定书.p7s"},
			{"SM2 GB/T 38540", "sm2", sm2SealName, sign.FormatSES, decisionText, "decision-0421.txt", "SM2-SM3", "application/octet-stream", "decision-0421.ses"},
			{"ECDSA CMS", "ec", ecSealName, sign.FormatCMS, decisionText, "decision.txt", "ECDSA-SHA256", "application/pkcs7-signature", "decision.p7s"},
			{"ECDSA PDF", "ec", ecSealName, sign.FormatPDF, pdf, "许可决定.pdf", "ECDSA-SHA256", "application/pdf", "许可决定-signed.pdf"},
		}
		signed := 0
		for _, tt := range tests {
			for _, asForm := range []bool{true, false} {
				name := tt.name + map[bool]string{true: ", form", false: ", JSON"}[asForm]
				t.Run(name, func(t *testing.T) {
					sealID := e.saved[tt.seal]
					var sig []byte
					var ledgerIndex string
					if asForm {
						body, ct := formBody(t, part{name: "seal_id", data: []byte(sealID)}, part{name: "format", data: []byte(tt.format)},
							part{name: "reason", data: []byte("行政许可决定")}, part{name: "document", fileName: tt.docName, data: tt.doc})
						w := e.request(scjSealer, "POST", "/api/v1/signatures", ct, body, nil)
						if w.Code != 201 {
							t.Fatalf("sign: %d %s", w.Code, w.Body)
						}
						if got := w.Header().Get("Content-Type"); got != tt.contentType {
							t.Errorf("Content-Type %q, want %q", got, tt.contentType)
						}
						if _, params, err := mime.ParseMediaType(w.Header().Get("Content-Disposition")); err != nil || params["filename"] != tt.fileName {
							t.Errorf("Content-Disposition %q: file name %q, want %q (%v)", w.Header().Get("Content-Disposition"), params["filename"], tt.fileName, err)
						}
						if got, want := w.Header().Get("X-Yiwang-Document-Sha256"), fmt.Sprintf("%x", sha256Of(tt.doc)); got != want {
							t.Errorf("X-Yiwang-Document-Sha256 %q, want %q", got, want)
						}
						if w.Header().Get("X-Yiwang-Signature-Id") == "" {
							t.Error("no X-Yiwang-Signature-Id")
						}
						ledgerIndex = w.Header().Get("X-Yiwang-Ledger-Index")
						sig = w.Body.Bytes()
					} else {
						body, _ := json.Marshal(map[string]any{"seal_id": sealID, "format": tt.format, "reason": "行政许可决定",
							"document_name": tt.docName, "document": tt.doc})
						w := e.request(scjSealer, "POST", "/api/v1/signatures", "application/json", body, nil)
						if w.Code != 201 {
							t.Fatalf("sign: %d %s", w.Code, w.Body)
						}
						var res struct {
							ID          string `json:"id"`
							FileName    string `json:"file_name"`
							ContentType string `json:"content_type"`
							SealName    string `json:"seal_name"`
							LedgerIndex *int64 `json:"ledger_index"`
							Signature   []byte `json:"signature"`
						}
						if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil {
							t.Fatal(err)
						}
						if res.ID == "" || res.FileName != tt.fileName || res.ContentType != tt.contentType || res.SealName != tt.sealName ||
							res.LedgerIndex == nil || len(res.Signature) == 0 {
							t.Fatalf("result %s", w.Body)
						}
						if h := w.Header().Get("X-Yiwang-Ledger-Index"); h != strconv.FormatInt(*res.LedgerIndex, 10) {
							t.Errorf("X-Yiwang-Ledger-Index %q, body %d", h, *res.LedgerIndex)
						}
						ledgerIndex, sig = strconv.FormatInt(*res.LedgerIndex, 10), res.Signature
					}
					signed++
					doc, detached := tt.doc, sig
					if tt.format == sign.FormatPDF {
						if !bytes.HasPrefix(sig, []byte("%PDF-")) {
							t.Fatalf("signed PDF starts %q", sig[:min(len(sig), 16)])
						}
						doc, detached = sig, nil
					}
					v := e.verify(t, asForm, doc, detached, "")
					if !v.Valid || !v.SignatureValid || !v.DocumentIntact || !v.Registered || v.Seal == nil || v.Seal.Name != tt.sealName ||
						v.Seal.ID != sealID || v.Format != string(tt.format) || v.Signer.Algorithm != tt.alg || v.Status != "good" ||
						v.TimeSource != "timestamp" || v.SealImageURL != "/api/v1/seals/"+sealID+"/image" {
						t.Fatalf("verification %+v, problems %v", v, v.codes())
					}
					if v.LedgerIndex == nil || strconv.FormatInt(*v.LedgerIndex, 10) != ledgerIndex {
						t.Errorf("ledger index %v, signing said %s", v.LedgerIndex, ledgerIndex)
					}

					// A changed document: not valid, reported as changed, in each language.
					changed := append(bytes.Clone(doc), '\n')
					if tt.format == sign.FormatPDF {
						changed = bytes.Replace(bytes.Clone(doc), []byte("decision 0421"), []byte("decision 0422"), 1)
					}
					for _, lang := range []string{"", "en", "zh-TW"} {
						v := e.verify(t, !asForm, changed, detached, lang)
						if v.Valid || v.DocumentIntact || !slices.Contains(v.codes(), sign.ProblemDocumentChanged) {
							t.Fatalf("changed document (%q): %+v, problems %v", lang, v, v.codes())
						}
					}
				})
			}
		}
		// Every signature is in its seal's register.
		total := 0
		for _, s := range []string{"sm2", "ec"} {
			w := e.request(scjAdmin, "GET", "/api/v1/seals/"+e.saved[s]+"/signatures", "", nil, nil)
			var recs []map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &recs); err != nil || w.Code != 200 {
				t.Fatalf("register: %d %s", w.Code, w.Body)
			}
			total += len(recs)
		}
		if total != signed {
			t.Errorf("the registers hold %d signatures, %d were made", total, signed)
		}
	})
}

// TestChangedDocumentMessage pins the message a verifier reads when the document was changed,
// in zh-Hans and in English.
func TestChangedDocumentMessage(t *testing.T) {
	t.Parallel()
	e := newSealEnv(t, storetest.Open(t, store.SQLite, storetest.Options{}))
	body, _ := json.Marshal(map[string]any{"seal_id": e.saved["sm2"], "format": "ses", "document": decisionText})
	w := e.request(scjSealer, "POST", "/api/v1/signatures", "application/json", body, nil)
	var res struct {
		Signature []byte `json:"signature"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil || w.Code != 201 {
		t.Fatalf("sign: %d %s", w.Code, w.Body)
	}
	changed := bytes.Replace(decisionText, []byte("0421"), []byte("0422"), 1)
	for lang, want := range map[string]string{
		"zh-CN": "文件在签名后被修改过：当前内容与签名时的内容不一致。",
		"en":    "The document was changed after it was signed: its content is not what was signed.",
	} {
		v := e.verify(t, false, changed, res.Signature, lang)
		if v.Valid || len(v.Problems) == 0 || v.Problems[0].Code != sign.ProblemDocumentChanged || v.Problems[0].Message != want {
			t.Errorf("%s: %+v", lang, v)
		}
	}
}

// TestVerificationRefusals: input that cannot be read is a 400 naming the field, oversized
// input a 413, another media type a 415 — while a signature that fails is a 200 (above).
func TestVerificationRefusals(t *testing.T) {
	t.Parallel()
	e := newSealEnv(t, storetest.Open(t, store.SQLite, storetest.Options{}))
	b64 := func(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
	form := func(parts ...part) ([]byte, string) { return formBody(t, parts...) }
	big := bytes.Repeat([]byte("x"), sign.MaxDocument+1)
	garbageForm, garbageCT := form(part{name: "document", fileName: "a.txt", data: []byte("hello")},
		part{name: "signature", fileName: "a.p7s", data: []byte("garbage")})
	unknownForm, unknownCT := form(part{name: "document", fileName: "a.txt", data: []byte("hello")}, part{name: "password", data: []byte("x")})
	twiceForm, twiceCT := form(part{name: "document", fileName: "a.txt", data: []byte("hello")},
		part{name: "document", fileName: "b.txt", data: []byte("hello")})
	bigForm, bigCT := form(part{name: "document", fileName: "big.bin", data: big})
	bigSigForm, bigSigCT := form(part{name: "document", fileName: "a.txt", data: []byte("hello")},
		part{name: "signature", fileName: "a.p7s", data: bytes.Repeat([]byte("s"), 4<<20+1)})
	for _, tc := range []struct {
		name, ct string
		body     []byte
		prepare  func(*http.Request)
		status   int
		field    string
		message  string
	}{
		{"garbage signature, form", garbageCT, garbageForm, nil, 400, "signature", zh("sign.error.signature_unreadable")},
		{"garbage signature, JSON", "application/json", []byte(`{"document":"` + b64([]byte("hello")) + `","signature":"` + b64([]byte{0x30, 0x03, 1, 2, 3}) + `"}`),
			nil, 400, "signature", zh("sign.error.signature_unreadable")},
		{"a document without a signature", "application/json", []byte(`{"document":"` + b64([]byte("hello")) + `"}`), nil, 400,
			"signature", zh("sign.error.signature_required")},
		{"no document", "application/json", []byte(`{}`), nil, 400, "document", zh("sign.error.document_empty")},
		{"document not base64", "application/json", []byte(`{"document":"%%%"}`), nil, 400, "document", zh("api.error.bad_base64", "document")},
		{"signature not base64", "application/json", []byte(`{"document":"aGk=","signature":"%%%"}`), nil, 400, "signature",
			zh("api.error.bad_base64", "signature")},
		{"a broken PDF", "application/json", []byte(`{"document":"` + b64([]byte("%PDF-1.7\nnot really")) + `"}`), nil, 400, "", ""},
		{"unknown JSON field", "application/json", []byte(`{"document":"aGk=","key":"x"}`), nil, 400, "key", zh("api.error.unknown_field", "key")},
		{"unknown form field", unknownCT, unknownForm, nil, 400, "password", zh("api.error.unknown_field", "password")},
		{"a form field twice", twiceCT, twiceForm, nil, 400, "document", zh("api.error.field_twice", "document")},
		{"a form without boundary", "multipart/form-data", []byte("--x\r\n"), nil, 400, "", zh("api.error.multipart")},
		{"a truncated form", garbageCT, garbageForm[:len(garbageForm)/2], nil, 400, "", zh("api.error.multipart")},
		{"document over 20 MB", bigCT, bigForm, nil, 413, "", zh("sign.error.document_too_large", 20)},
		{"signature over 4 MB", bigSigCT, bigSigForm, nil, 413, "", zh("api.error.signature_too_large", 4)},
		{"declared body over the limit", "application/json", []byte(`{}`), func(r *http.Request) { r.ContentLength = 100 << 20 }, 413, "",
			zh("error.too_large")},
		{"streamed body over the limit", "application/json", nil, func(r *http.Request) {
			r.Body = io.NopCloser(io.MultiReader(strings.NewReader(`{"document":"`), io.LimitReader(repeatReader('A'), 60<<20), strings.NewReader(`"}`)))
			r.ContentLength = -1
		}, 413, "", zh("error.too_large")},
		{"plain text", "text/plain", []byte("hello"), nil, 415, "Content-Type", zh("api.error.unsupported_media_type", "multipart/form-data, application/json")},
		{"no media type", "", []byte("hello"), nil, 415, "Content-Type", zh("api.error.unsupported_media_type", "multipart/form-data, application/json")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/api/v1/verifications", bytes.NewReader(tc.body))
			if tc.ct != "" {
				r.Header.Set("Content-Type", tc.ct)
			}
			if tc.prepare != nil {
				tc.prepare(r)
			}
			w := httptest.NewRecorder()
			e.h.ServeHTTP(w, r)
			if w.Code != tc.status {
				t.Fatalf("%d, want %d: %.300s", w.Code, tc.status, w.Body)
			}
			var got any
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatalf("not JSON: %.300s", w.Body)
			}
			checkErrorShape(t, w, got)
			e, _ := got.(map[string]any)["error"].(map[string]any)
			if tc.field != "" && e["field"] != tc.field {
				t.Errorf("field %v, want %s", e["field"], tc.field)
			}
			if tc.message != "" && e["message"] != tc.message {
				t.Errorf("message %v, want %s", e["message"], tc.message)
			}
			if tc.status == 415 && w.Header().Get("Accept-Post") != "multipart/form-data, application/json" {
				t.Errorf("Accept-Post %q", w.Header().Get("Accept-Post"))
			}
		})
	}
}

// TestSigningRefusals: the signing route's own checks of a form, its limits and its media types.
func TestSigningRefusals(t *testing.T) {
	t.Parallel()
	e := newSealEnv(t, storetest.Open(t, store.SQLite, storetest.Options{}))
	sm2, ec := []byte(e.saved["sm2"]), []byte(e.saved["ec"])
	doc := part{name: "document", fileName: "决定书.txt", data: decisionText}
	big := bytes.Repeat([]byte("x"), sign.MaxDocument+1)
	for _, tc := range []struct {
		name    string
		parts   []part
		ct      string // instead of the form's
		body    string // instead of the form
		prepare func(*http.Request)
		status  int
		field   string
		message string
	}{
		{name: "no seal", parts: []part{{name: "format", data: []byte("cms")}, doc}, status: 400, field: "seal_id", message: zh("api.error.seal_id_required")},
		{name: "no document", parts: []part{{name: "seal_id", data: sm2}, {name: "format", data: []byte("cms")}}, status: 400,
			field: "document", message: zh("sign.error.document_empty")},
		{name: "unknown field", parts: []part{{name: "seal_id", data: sm2}, {name: "pin", data: []byte("1234")}, doc}, status: 400,
			field: "pin", message: zh("api.error.unknown_field", "pin")},
		{name: "a field twice", parts: []part{{name: "seal_id", data: sm2}, {name: "seal_id", data: ec}, doc}, status: 400,
			field: "seal_id", message: zh("api.error.field_twice", "seal_id")},
		{name: "a long reason", parts: []part{{name: "seal_id", data: sm2}, {name: "format", data: []byte("cms")},
			{name: "reason", data: bytes.Repeat([]byte("由"), 2000)}, doc}, status: 400, field: "reason", message: zh("api.error.field_too_long", "reason")},
		{name: "a reason not UTF-8", parts: []part{{name: "seal_id", data: sm2}, {name: "format", data: []byte("cms")},
			{name: "reason", data: []byte{0xff, 0xfe}}, doc}, status: 400, field: "reason", message: zh("api.error.bad_text", "reason")},
		{name: "page zero", parts: []part{{name: "seal_id", data: ec}, {name: "format", data: []byte("pdf")}, {name: "page", data: []byte("0")}, doc},
			status: 400, field: "page", message: zh("api.error.bad_page")},
		{name: "rectangle upside down", parts: []part{{name: "seal_id", data: ec}, {name: "format", data: []byte("pdf")},
			{name: "rect", data: []byte("400 200 300 100")}, doc}, status: 400, field: "rect", message: zh("api.error.bad_rect")},
		{name: "rectangle not numbers", parts: []part{{name: "seal_id", data: ec}, {name: "format", data: []byte("pdf")},
			{name: "rect", data: []byte("NaN 1 2 3")}, doc}, status: 400, field: "rect", message: zh("api.error.bad_rect")},
		{name: "document over 20 MB", parts: []part{{name: "seal_id", data: sm2}, {name: "format", data: []byte("cms")},
			{name: "document", fileName: "big.bin", data: big}}, status: 413, message: zh("sign.error.document_too_large", 20)},
		{name: "declared body over the limit", body: "{}", ct: "application/json", prepare: func(r *http.Request) { r.ContentLength = 40 << 20 },
			status: 413, message: zh("error.too_large")},
		{name: "form data as urlencoded", body: "seal_id=x&format=cms", ct: "application/x-www-form-urlencoded", status: 415,
			field: "Content-Type", message: zh("api.error.unsupported_media_type", "multipart/form-data, application/json")},
		{name: "the document as the body", body: string(decisionText), ct: "application/octet-stream", status: 415, field: "Content-Type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, ct := []byte(tc.body), tc.ct
			if tc.parts != nil {
				body, ct = formBody(t, tc.parts...)
			}
			r := httptest.NewRequest("POST", "/api/v1/signatures", bytes.NewReader(body))
			r.Header.Set("Content-Type", ct)
			r.Header.Set("Accept-Language", "zh-CN")
			r.AddCookie(&http.Cookie{Name: "yiwang_session", Value: e.ss.token(t, scjSealer)})
			if tc.prepare != nil {
				tc.prepare(r)
			}
			w := httptest.NewRecorder()
			e.h.ServeHTTP(w, r)
			if w.Code != tc.status {
				t.Fatalf("%d, want %d: %.300s", w.Code, tc.status, w.Body)
			}
			var got any
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatalf("not JSON: %.300s", w.Body)
			}
			checkErrorShape(t, w, got)
			e, _ := got.(map[string]any)["error"].(map[string]any)
			if tc.field != "" && e["field"] != tc.field {
				t.Errorf("field %v, want %s", e["field"], tc.field)
			}
			if tc.message != "" && e["message"] != tc.message {
				t.Errorf("message %v, want %s", e["message"], tc.message)
			}
		})
	}
	for _, s := range []string{"sm2", "ec"} {
		if recs, err := e.app.Sign.Records(sys(), principal.SystemPrincipal, e.saved[s], 10); err != nil || len(recs) != 0 {
			t.Errorf("the refusals recorded signatures with %s: %+v %v", s, recs, err)
		}
	}
}

// TestVerificationsHaveTheirOwnClass: verification is rate limited in its own class (public,
// but costly), not as the API, and reads no credentials — a read-only token or a stale session
// does not stop it.
func TestVerificationsHaveTheirOwnClass(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, store.SQLite, storetest.Options{})
	high := httpserver.Limit{PerSecond: 1e6, Burst: 1e6}
	a, err := app.New(context.Background(), app.Config{DB: db, Demo: true, Version: "test", Logger: slog.New(slog.DiscardHandler),
		RateLimits: map[string]httpserver.Limit{httpserver.ClassAPI: high, httpserver.ClassLogin: high,
			httpserver.ClassPublic: high, httpserver.ClassVerify: {PerSecond: 0.001, Burst: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	body := `{"document":"aGk="}`
	var codes []int
	for _, h := range []map[string]string{
		{"Authorization": "Bearer ywpat_not-a-token"},
		{"Cookie": "yiwang_session=stale"},
		nil,
	} {
		r := httptest.NewRequest("POST", "/api/v1/verifications", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		for k, v := range h {
			r.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		a.Server.Handler().ServeHTTP(w, r)
		codes = append(codes, w.Code)
	}
	// Two answered (400: a document without its signature), the third throttled.
	if !slices.Equal(codes, []int{400, 400, 429}) {
		t.Errorf("statuses %v, want [400 400 429]", codes)
	}
}

// BenchmarkSignAndVerifyOverHTTP measures a JSON signing request (CMS with the SM2 seal: key,
// time-stamp, register and ledger) and a public verification of it, through the whole server.
func BenchmarkSignAndVerifyOverHTTP(b *testing.B) {
	a := newApp(b, storetest.Open(b, store.SQLite, storetest.Options{}))
	list, err := a.Seals.List(sys(), principal.SystemPrincipal, "fj-market-regulation")
	if err != nil {
		b.Fatal(err)
	}
	var sealID string
	for _, s := range list {
		if s.Name == sm2SealName {
			sealID = s.ID
		}
	}
	res, err := a.Identity.Login(context.Background(), scjSealer, demo.Password, identity.Meta{})
	if err != nil {
		b.Fatal(err)
	}
	h := a.Server.Handler()
	post := func(path string, body []byte, session string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", path, bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		if session != "" {
			r.AddCookie(&http.Cookie{Name: "yiwang_session", Value: session})
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	signBody, _ := json.Marshal(map[string]any{"seal_id": sealID, "format": "cms", "document": decisionText})
	w := post("/api/v1/signatures", signBody, res.Token)
	var out struct {
		Signature []byte `json:"signature"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || w.Code != 201 {
		b.Fatalf("%d %s", w.Code, w.Body)
	}
	verifyBody, _ := json.Marshal(map[string]any{"document": decisionText, "signature": out.Signature})
	b.Run("sign", func(b *testing.B) {
		for b.Loop() {
			if w := post("/api/v1/signatures", signBody, res.Token); w.Code != 201 {
				b.Fatalf("%d %s", w.Code, w.Body)
			}
		}
	})
	b.Run("verify", func(b *testing.B) {
		for b.Loop() {
			if w := post("/api/v1/verifications", verifyBody, ""); w.Code != 200 {
				b.Fatalf("%d %s", w.Code, w.Body)
			}
		}
	})
}
