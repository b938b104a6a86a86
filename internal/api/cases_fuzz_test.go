package api

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/errs"
)

// FuzzCaseApplicationJSON feeds the application body reader arbitrary JSON: each body is refused
// as invalid (or too large), or becomes an application with a form and decoded materials.
func FuzzCaseApplicationJSON(f *testing.F) {
	for _, s := range []string{
		`{"item":"1135000000304121X400011170000","values":{"operator":"榕城小吃店","staff":6},"materials":[{"code":"application","file_name":"申请书.pdf","data":"JVBERi0xLjcK"}]}`,
		`{"bundle":"YJS-350000-KCG","draft":true,"values":{}}`, `{"item":"A","materials":[{"code":"x","data":"%%%"}]}`,
		`{"item":"A","draft":true,"materials":[{"code":"x","data":""}]}`, `{"values":null}`, `{"values":[1,2]}`, `{}`, ``, `[]`,
		`{"item":"A"} {}`, `{"item":"A","urgent":true}`, `{"item":1}`, `{"values":{"a":{"b":[1e999]}}}`, `{"item":"\ud800"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "/api/v1/cases", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Body = http.MaxBytesReader(nil, r.Body, maxCaseJSON)
		a, draft, err := readApplication(r)
		if err != nil {
			if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge {
				t.Fatalf("body %q: %v (kind %s)", body, err, k)
			}
			return
		}
		if a.Form == nil || a.Channel != cases.ChannelOnline {
			t.Fatalf("body %q: application %+v", body, a)
		}
		if draft && len(a.Materials) > 0 {
			t.Fatalf("body %q: a draft with materials", body)
		}
	})
}

// FuzzCaseStepJSON feeds an official's step body arbitrary JSON: refused as invalid, or read.
func FuzzCaseStepJSON(f *testing.F) {
	for _, s := range []string{`{"materials":["layout"],"note":"请补交"}`, `{"outcome":"approved","reasons":"符合"}`, ``, `{}`,
		`{"kind":"inspection","note":null}`, `{"materials":"layout"}`, `{"note":1}`, `{"method":"post"}{}`, `{"x":1}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "/api/v1/work/cases/c/accept", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Body = http.MaxBytesReader(nil, r.Body, maxCaseBody)
		var b caseStepBody
		if err := decodeOptional(r, &b); err != nil {
			if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge {
				t.Fatalf("body %q: %v (kind %s)", body, err, k)
			}
		}
	})
}

// FuzzCaseMaterialUpload feeds the material upload arbitrary bodies and Content-Types: an
// unknown type is a 415, and a known one gives back the body as sent, whose content is refused
// only when it is another known format than the type said.
func FuzzCaseMaterialUpload(f *testing.F) {
	for _, s := range []struct{ ct, body string }{
		{"application/pdf", "%PDF-1.7\n%%EOF\n"}, {"image/png", "\x89PNG\r\n\x1a\n"}, {"image/jpeg", "\xff\xd8\xff\xe0"},
		{"application/ofd", "PK\x03\x04"}, {"image/png", "%PDF-1.7"}, {"text/plain", "hello"}, {"", ""},
		{"application/pdf; charset=binary", "%PDF-"}, {"multipart/form-data; boundary=x", "--x--"}, {"application/pdf", ""},
	} {
		f.Add(s.ct, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		r := httptest.NewRequest("PUT", "/api/v1/cases/c/materials/application", bytes.NewReader(body))
		r.Header.Set("Content-Type", ct)
		r.Body = http.MaxBytesReader(nil, r.Body, maxCaseMaterial)
		w := httptest.NewRecorder()
		format, data, ok, err := readCaseMaterial(w, r)
		if !ok {
			if err != nil || w.Code != http.StatusUnsupportedMediaType {
				t.Fatalf("type %q refused with %d, %v", ct, w.Code, err)
			}
			return
		}
		if err != nil || !bytes.Equal(data, body) || caseMaterialTypes[mediaType(r)] != format {
			t.Fatalf("type %q: format %q, %d of %d bytes, %v", ct, format, len(data), len(body), err)
		}
		err = checkMaterialType("application", format, data)
		sniffed := cases.SniffFormat(data)
		if (err != nil) != (sniffed != "" && sniffed != format) {
			t.Fatalf("type %q, content %q: %v", ct, sniffed, err)
		}
		if err != nil && errs.KindOf(err) != errs.Invalid {
			t.Fatalf("refused as %s", errs.KindOf(err))
		}
	})
}
