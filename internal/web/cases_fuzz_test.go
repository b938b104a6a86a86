package web

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/formschema"
	"github.com/yiwang-platform/yiwang/internal/i18n"
)

// applyFuzzForm is a form with each kind of field the application pages render.
const applyFuzzForm = `{"type":"object","properties":{
  "operator":{"type":"string","minLength":2,"maxLength":50},
  "kind":{"type":"string","enum":["sales","catering"]},
  "area":{"type":"number","minimum":10},
  "staff":{"type":"integer","minimum":1},
  "opening":{"type":"string","format":"date"},
  "items":{"type":"array","items":{"type":"string","enum":["hot","cold"]}},
  "pledge":{"type":"boolean"}},
  "required":["operator","pledge"]}`

var applyFuzzMaterials = []cases.MaterialSpec{
	{Code: "application", Source: cases.SourceApplicant, Required: true, Formats: []string{cases.FormatPDF}, MaxBytes: 64},
	{Code: "layout", Source: cases.SourceApplicant, Formats: []string{cases.FormatPNG}},
	{Code: "identity", Source: cases.SourceSharedData, Required: true},
}

// applyBody is an application form as a browser sends it.
func applyBody(t testing.TB, fields map[string]string, files map[string][]byte) ([]byte, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	for k, data := range files {
		fw, err := mw.CreateFormFile(k, k+".bin")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

// FuzzCaseApplyForm feeds the application form's readers arbitrary bodies: the form fields as
// the schema converts them, the files of the materials within their limits, and a draft's
// values. Nothing may panic or be an internal error; every file read is within its material's
// limit and for a material the applicant uploads; a draft keeps no unticked box.
func FuzzCaseApplyForm(f *testing.F) {
	sch, err := formschema.Compile([]byte(applyFuzzForm))
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []struct {
		fields map[string]string
		files  map[string][]byte
	}{
		{map[string]string{"operator": "榕城小吃店", "kind": "catering", "area": "86.5", "staff": "６", "pledge": "on", "action": "submit"},
			map[string][]byte{"material.application": []byte("%PDF-1.7\n")}},
		{map[string]string{"operator": "榕", "area": "abc", "opening": "2026-02-30", "items": "hot", "action": "draft"},
			map[string][]byte{"material.application": bytes.Repeat([]byte("0"), 65), "material.identity": []byte("x")}},
		{map[string]string{"pledge": "maybe", "staff": "1e3"}, map[string][]byte{"material.layout": []byte("\x89PNG\r\n\x1a\n")}},
		{nil, nil},
	} {
		body, ct := applyBody(f, seed.fields, seed.files)
		f.Add(body, ct)
	}
	f.Add([]byte("operator=%E6%A6%95&pledge=on"), "application/x-www-form-urlencoded")
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"material.application\"; filename=\"a\"\r\n\r\n%PDF"), "multipart/form-data; boundary=b")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		r := httptest.NewRequest("POST", "/apply/item/x", bytes.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 1<<20)
		if err := parseUpload(r); err != nil {
			if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge {
				t.Fatalf("reading the form: %v (kind %s)", err, k)
			}
			return
		}
		values, fe := sch.FromForm(r.PostForm)
		for _, e := range fieldsOf(fe) {
			if !i18n.Has(e.Key) {
				t.Fatalf("field %s: message %q has no text", e.Field, e.Key)
			}
		}
		draft := caseDraftValues(sch, values)
		for k, v := range draft {
			if f, _ := sch.Field(k); f.Type == formschema.TypeBoolean && v == false {
				t.Fatalf("the draft keeps the unticked %s", k)
			}
		}
		uploads, upErrs, _ := casePostedUploads(r, i18n.ZhHans, applyFuzzMaterials)
		for _, u := range uploads {
			switch u.Code {
			case "application":
				if len(u.Data) > 64 {
					t.Fatalf("application of %d bytes read over its limit", len(u.Data))
				}
			case "layout":
			default:
				t.Fatalf("a file read for %q", u.Code)
			}
		}
		for field := range upErrs {
			if !strings.HasPrefix(field, "material.") {
				t.Fatalf("upload error on %q", field)
			}
		}
	})
}

func fieldsOf(fe *formschema.Errors) []formschema.FieldError {
	if fe == nil {
		return nil
	}
	return fe.Fields
}
