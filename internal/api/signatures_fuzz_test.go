package api

import (
	"bytes"
	"errors"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// FuzzSigningForm feeds the form reader of the signing and verification routes arbitrary
// multipart bodies, and the signing route's form to its checks: each is refused with a classified
// error naming what is wrong, or gives fields within their limits and text the databases keep.
func FuzzSigningForm(f *testing.F) {
	const boundary = "yiwangfuzzboundary"
	seed := func(build func(w *multipart.Writer)) []byte {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		_ = w.SetBoundary(boundary)
		build(w)
		_ = w.Close()
		return b.Bytes()
	}
	f.Add(seed(func(w *multipart.Writer) {
		_ = w.WriteField("seal_id", "seal_0123456789abcdef0123")
		_ = w.WriteField("format", "pdf")
		_ = w.WriteField("reason", "行政许可决定")
		_ = w.WriteField("page", "1")
		_ = w.WriteField("rect", "380 90 500 210")
		d, _ := w.CreateFormFile("document", "决定书.pdf")
		_, _ = d.Write([]byte("%PDF-1.4\n1 0 obj\n<< >>\nendobj\n%%EOF\n"))
	}))
	f.Add(seed(func(w *multipart.Writer) {
		d, _ := w.CreateFormFile("document", "a.txt")
		_, _ = d.Write([]byte("hello"))
		s, _ := w.CreateFormFile("signature", "a.p7s")
		_, _ = s.Write([]byte{0x30, 0x82, 0x01, 0x00})
	}))
	f.Add(seed(func(w *multipart.Writer) {
		_ = w.WriteField("seal_id", "x")
		_ = w.WriteField("seal_id", "y")
	}))
	f.Add([]byte("--" + boundary + "\r\nContent-Disposition: form-data; name=\"document\"; filename=\"\xff\x00.txt\"\r\n\r\nabc\r\n--" + boundary + "--\r\n"))
	f.Add([]byte("--" + boundary + "\r\n\r\n"))
	f.Add([]byte(""))
	const maxDoc, maxSig = 64, 16
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest("POST", "/api/v1/signatures", bytes.NewReader(body))
		r.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
		r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 1<<20)
		tooLarge := errs.E(errs.TooLarge, "sign.error.document_too_large", 0)
		fields := []string{"seal_id", "format", "reason", "document_name", "page", "rect"}
		fm, err := readForm(r, fields, map[string]fileLimit{
			"document":  {max: maxDoc, tooLarge: tooLarge},
			"signature": {max: maxSig, tooLarge: tooLarge},
		})
		if err != nil {
			var e *errs.Error
			if !errors.As(err, &e) || (e.Kind != errs.Invalid && e.Kind != errs.TooLarge) || e.Message == "" {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		for name, v := range fm.values {
			if len(v) > maxFormField || !storableText(v) {
				t.Fatalf("field %s = %q kept", name, v)
			}
		}
		for name, file := range fm.files {
			limit := map[string]int{"document": maxDoc, "signature": maxSig}[name]
			if len(file.data) > limit || !utf8.ValidString(file.name) || strings.ContainsRune(file.name, 0) {
				t.Fatalf("file %s (%q, %d bytes) kept", name, file.name, len(file.data))
			}
		}
		// The signing route's reading of the same form.
		r = httptest.NewRequest("POST", "/api/v1/signatures", bytes.NewReader(body))
		r.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
		req, err := signRequestFromForm(r)
		if err != nil {
			if e := errs.Public(err); e.Kind != errs.Invalid && e.Kind != errs.TooLarge {
				t.Fatalf("signing form: unclassified error %v", err)
			}
			return
		}
		if req.SealID == "" || req.Page < 0 || !storableText(req.Reason) || !storableText(req.DocumentName) {
			t.Fatalf("signing form kept %+v", req)
		}
		if req.Rect != ([4]float64{}) && (req.Rect[2] <= req.Rect[0] || req.Rect[3] <= req.Rect[1]) {
			t.Fatalf("signing form kept rectangle %v", req.Rect)
		}
	})
}
