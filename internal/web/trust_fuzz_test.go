package web

import (
	"bytes"
	"mime"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// notarisationBody is a notarisation form as a browser sends it.
func notarisationBody(t testing.TB, digest, subject, filename string, file []byte) ([]byte, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("digest", digest)
	mw.WriteField("subject", subject)
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(file)
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

// FuzzReadNotarisation feeds the streaming reader of the notarisation form arbitrary bodies: it
// must never panic, and whatever it accepts is a digest, typed in or of a file, with the errors
// it returns all public ones.
func FuzzReadNotarisation(f *testing.F) {
	for _, seed := range []struct{ digest, subject, name, file string }{
		{"", "闽工信〔2026〕12号", "纪要.txt", "会议纪要\n"},
		{"sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "", "", ""},
		{"sm3:ABC", "x", "a.bin", "\x00\x01"},
		{"", "", "", ""},
	} {
		body, ct := notarisationBody(f, seed.digest, seed.subject, seed.name, []byte(seed.file))
		f.Add(body, ct)
	}
	f.Add([]byte("digest=sha256%3Aab&subject=x"), "application/x-www-form-urlencoded")
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nabc"), "multipart/form-data; boundary=b")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		r := httptest.NewRequest("POST", "/ledger/notarise", bytes.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		n, err := readNotarisation(r)
		if err != nil {
			if pe := errs.Public(err); pe.Kind == errs.Internal {
				t.Fatalf("internal error for outside input: %v", err)
			}
			return
		}
		if n.Digest == "" {
			t.Fatal("accepted a form without a digest")
		}
		if n.File && (!strings.HasPrefix(n.Digest, "sha256:") || len(n.Digest) != len("sha256:")+64) {
			t.Fatalf("file digest %q", n.Digest)
		}
	})
}

// FuzzAttachment checks that any file name makes a Content-Disposition header that is plain
// ASCII and that a client reads back as the same name.
func FuzzAttachment(f *testing.F) {
	for _, s := range []string{"准予许可决定书(2026);第415号.p7s", "letter.p7s", `a"b\c%d.pdf`, "receipt-12.json", "x y\tz", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if !utf8.ValidString(name) {
			return
		}
		h := attachment(name)
		for i := 0; i < len(h); i++ {
			if h[i] < 0x20 || h[i] > 0x7e {
				t.Fatalf("header %q is not plain ASCII", h)
			}
		}
		disp, params, err := mime.ParseMediaType(h)
		if err != nil {
			t.Fatalf("header %q does not parse: %v", h, err)
		}
		if disp != "attachment" || params["filename"] != name {
			t.Fatalf("header %q reads back as %q %q, want %q", h, disp, params["filename"], name)
		}
	})
}
