package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/license"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/qrcode"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// stranger is a demo resident who holds none of the licences these tests issue.
var stranger = demo.Residents[0].Phone

// issueLicence issues a food business licence to the site's resident (林秀英) and returns it.
func (s *site) issueLicence() license.Licence {
	s.t.Helper()
	ctx := principal.With(context.Background(), principal.SystemPrincipal)
	l, err := s.a.Licenses.Issue(ctx, principal.SystemPrincipal, license.IssueRequest{TypeCode: demo.LicenceFood,
		IssuerOrg: "fz-market-regulation", HolderName: "林秀英", HolderCodeType: license.HolderCodeResidentID,
		HolderCode: idcode.NewResidentID("350102", time.Date(1986, 4, 12, 0, 0, 0, 0, clock.China), 24),
		Number:     "JY13501020026077", Face: map[string]string{"enterprise_name": "秀英小吃店", "applicant_name": "林秀英",
			"premises": "福州市台江区中亭街12号", "food_type": "热食类食品制售"}})
	if err != nil {
		s.t.Fatal(err)
	}
	return l
}

// verifyUpload posts a file (and text) to the verify page as the public.
func (s *site) verifyUpload(text, filename string, file []byte) *httptest.ResponseRecorder {
	s.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("text", text)
	if file != nil {
		fw, err := mw.CreateFormFile("file", filename)
		if err != nil {
			s.t.Fatal(err)
		}
		_, _ = fw.Write(file)
	}
	_ = mw.Close()
	r := httptest.NewRequest("POST", "/licenses/verify", &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.Header.Set("Accept", "text/html")
	return s.do(r, "")
}

func TestLicencePagesInEveryLanguage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, highLimits)
		l := s.issueLicence()
		pages := []struct {
			path, as, h1Key string
			h1Args          []any
			check           func(t *testing.T, lang i18n.Lang, w *httptest.ResponseRecorder)
		}{
			{path: "/my/licenses", as: resident, h1Key: "license.wallet.title", check: func(t *testing.T, lang i18n.Lang, w *httptest.ResponseRecorder) {
				doc := parse(t, w)
				if n := count(t, doc, "table#licences tbody tr"); n != 1 {
					t.Errorf("%d licences listed, want 1", n)
				}
				one(t, doc, `a[href="/my/licenses/`+l.ID+`"]`)
			}},
			{path: "/my/licenses/" + l.ID, as: resident, check: func(t *testing.T, lang i18n.Lang, w *httptest.ResponseRecorder) {
				doc := parse(t, w)
				if got := text(one(t, doc, "h1")); got != "食品经营许可证" {
					t.Errorf("h1 = %q", got)
				}
				if got := text(one(t, doc, "#face-premises td")); got != "福州市台江区中亭街12号" {
					t.Errorf("premises = %q", got)
				}
				one(t, doc, `#state .licence-state.valid`)
				if n := count(t, doc, `#present-fields input[type="checkbox"]`); n != 6 {
					t.Errorf("%d fields to disclose, want 6 (holder name and code, four face fields)", n)
				}
				one(t, doc, `input#present-purpose[required]`)
				one(t, doc, `a#download[href="/my/licenses/`+l.ID+`/pdf"]`)
				if n := count(t, doc, "#history li"); n != 1 {
					t.Errorf("%d history steps, want 1", n)
				}
				one(t, doc, "#no-uses")
			}},
			{path: "/licenses/verify", h1Key: "license.verify.title", check: func(t *testing.T, lang i18n.Lang, w *httptest.ResponseRecorder) {
				doc := parse(t, w)
				one(t, doc, `form#verify-form[enctype="multipart/form-data"] textarea#verify-text`)
				one(t, doc, `input#verify-file[type="file"]`)
			}},
			{path: "/licenses/verify?id=" + url.QueryEscape(l.ID), h1Key: "license.verify.result_title",
				check: func(t *testing.T, lang i18n.Lang, w *httptest.ResponseRecorder) {
					doc := parse(t, w)
					if got := text(one(t, doc, "#verdict-state")); got != i18n.T(lang, "license.state.valid") {
						t.Errorf("state = %q", got)
					}
					if n := count(t, doc, `tr[id^="disclosed-"]`); n != 0 {
						t.Errorf("an identifier disclosed %d hidden claims", n)
					}
				}},
		}
		for _, lang := range i18n.All {
			for _, p := range pages {
				t.Run(string(lang)+p.path, func(t *testing.T) {
					w := s.get(p.path+map[bool]string{true: "&", false: "?"}[strings.Contains(p.path, "?")]+"lang="+string(lang), p.as)
					if w.Code != http.StatusOK {
						t.Fatalf("status %d; body: %.500s", w.Code, w.Body)
					}
					doc := parse(t, w)
					path, _, _ := strings.Cut(p.path, "?")
					checkLayout(t, doc, lang, path)
					if p.h1Key != "" {
						if got, want := text(one(t, doc, "h1")), i18n.T(lang, p.h1Key, p.h1Args...); got != want {
							t.Errorf("h1 = %q, want %q", got, want)
						}
					}
					p.check(t, lang, w)
				})
			}
		}
	})
}

// TestLicencePagesAreTheHolders checks that nobody but the holder reaches a licence's page, PDF
// or presentation (404, as if it did not exist), and that the public is sent to log in.
func TestLicencePagesAreTheHolders(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, highLimits)
		l := s.issueLicence()
		base := "/my/licenses/" + l.ID
		for _, tc := range []struct {
			name, method, path, as string
			want                   int
		}{
			{"page, another resident", "GET", base, stranger, http.StatusNotFound},
			{"PDF, another resident", "GET", base + "/pdf", stranger, http.StatusNotFound},
			{"present, another resident", "POST", base + "/present", stranger, http.StatusNotFound},
			{"page, an official of another organisation", "GET", base, gxt, http.StatusNotFound},
			{"wallet, another resident sees none", "GET", "/my/licenses", stranger, http.StatusOK},
			{"wallet, the public", "GET", "/my/licenses", "", http.StatusSeeOther},
			{"page, the public", "GET", base, "", http.StatusSeeOther},
			{"present, the public", "POST", base + "/present", "", http.StatusUnauthorized},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var w *httptest.ResponseRecorder
				if tc.method == "POST" {
					w = s.post(tc.path, tc.as, url.Values{"purpose": {"看看"}, "fields": {"holder_code"}})
				} else {
					w = s.get(tc.path, tc.as)
				}
				if w.Code != tc.want {
					t.Fatalf("status %d, want %d: %.300s", w.Code, tc.want, w.Body)
				}
				if strings.Contains(w.Body.String(), l.HolderCode) || strings.Contains(w.Body.String(), "中亭街") {
					t.Error("the response shows the holder's data")
				}
				if tc.path == "/my/licenses" && tc.as != "" {
					one(t, parse(t, w), "#empty")
				}
			})
		}
	})
}

// present shows the resident's licence l with fields and purpose and returns the presentation's
// text from the page.
func (s *site) present(t *testing.T, l license.Licence, fields ...string) string {
	t.Helper()
	w := s.post("/my/licenses/"+l.ID+"/present", resident, url.Values{"fields": fields, "purpose": {"银行开户"}, "audience": {"福州银行"}})
	if w.Code != http.StatusOK {
		t.Fatalf("present: %d: %.500s", w.Code, w.Body)
	}
	doc := parse(t, w)
	src, _ := attr(one(t, doc, "#qr img"), "src")
	if !strings.HasPrefix(src, "data:image/png;base64,") {
		t.Errorf("QR image src = %.40q", src)
	}
	if exp, _ := attr(one(t, doc, "#expires"), "data-seconds"); exp != "300" {
		t.Errorf("lifetime %s s, want 300", exp)
	}
	return strings.TrimSpace(text(one(t, doc, "textarea#presentation-text")))
}

func TestLicenceVerifyPage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, highLimits)
		l := s.issueLicence()
		// A mistake comes back beside its field.
		w := s.post("/my/licenses/"+l.ID+"/present", resident, url.Values{"fields": {"holder_name"}})
		if w.Code != http.StatusBadRequest {
			t.Fatalf("present without purpose: %d", w.Code)
		}
		one(t, parse(t, w), "#present-purpose-error")
		one(t, parse(t, w), `input#field-holder_name[checked]`)

		text1 := s.present(t, l, "holder_name", "premises")
		if !strings.HasPrefix(text1, "YWP1.") {
			t.Fatalf("presentation text %.20q", text1)
		}
		png, err := qrcode.PNG(text1, qrcode.Options{Level: qrcode.LevelL})
		if err != nil {
			t.Fatal(err)
		}
		i := strings.LastIndex(text1, ".") + 5
		tampered := text1[:i] + map[bool]string{true: "B", false: "A"}[text1[i] == 'A'] + text1[i+1:]
		zhHans := func(key string) string { return i18n.T(i18n.ZhHans, key) }

		check := func(t *testing.T, w *httptest.ResponseRecorder, state license.State, disclosed map[string]string) {
			t.Helper()
			if w.Code != http.StatusOK {
				t.Fatalf("status %d: %.500s", w.Code, w.Body)
			}
			doc := parse(t, w)
			if got := text(one(t, doc, "#verdict-state")); got != zhHans("license.state."+string(state)) {
				t.Errorf("state %q, want %s", got, state)
			}
			for k, v := range disclosed {
				if got := text(one(t, doc, "#disclosed-"+k+" td")); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if n := count(t, doc, `tr[id^="disclosed-"]`); n != len(disclosed) {
				t.Errorf("%d claims disclosed, want %d", n, len(disclosed))
			}
		}
		post := func(text string) *httptest.ResponseRecorder {
			return s.post("/licenses/verify", "", url.Values{"text": {text}})
		}
		fresh := map[string]string{"holder_name": "林秀英", "premises": "福州市台江区中亭街12号"}
		t.Run("a fresh presentation is valid", func(t *testing.T) { check(t, post(text1), license.StateValid, fresh) })
		t.Run("its QR code uploaded is valid", func(t *testing.T) {
			w := s.verifyUpload("", "qr.png", png)
			check(t, w, license.StateValid, fresh)
			one(t, parse(t, w), "#qr-note")
		})
		t.Run("a tampered text is forged", func(t *testing.T) { check(t, post(tampered), license.StateForged, nil) })
		t.Run("garbage is malformed", func(t *testing.T) { check(t, post("不是证照"), license.StateMalformed, nil) })
		t.Run("the address on the PDF", func(t *testing.T) {
			check(t, post("https://yiwang.example/licenses/verify?id="+url.QueryEscape(l.ID)), license.StateValid, nil)
		})
		t.Run("nothing given", func(t *testing.T) {
			w := post("  ")
			if w.Code != http.StatusBadRequest {
				t.Fatalf("status %d", w.Code)
			}
			one(t, parse(t, w), "#verify-text-error")
		})
		t.Run("a picture without a QR code", func(t *testing.T) {
			w := s.verifyUpload("", "x.png", []byte("\x89PNG\r\n\x1a\nnot really"))
			if w.Code != http.StatusBadRequest {
				t.Fatalf("status %d", w.Code)
			}
			one(t, parse(t, w), "#verify-file-error")
		})
		t.Run("a PDF that is no licence", func(t *testing.T) {
			w := s.verifyUpload("", "x.pdf", []byte("%PDF-1.7\n%%EOF\n"))
			if w.Code != http.StatusBadRequest {
				t.Fatalf("status %d", w.Code)
			}
			one(t, parse(t, w), "#verify-file-error")
		})
		t.Run("the verification is a use the holder sees", func(t *testing.T) {
			doc := parse(t, s.get("/my/licenses/"+l.ID, resident))
			if n := count(t, doc, "table#uses tbody tr"); n != 2 {
				t.Errorf("%d uses, want 2 (the text and the uploaded QR code)", n)
			}
		})
		t.Run("the licence's PDF", func(t *testing.T) {
			w := s.get("/my/licenses/"+l.ID+"/pdf", resident)
			if w.Code == http.StatusServiceUnavailable && os.Getenv("CI") != "true" {
				t.Skipf("no licence PDF here (a Chinese TrueType font is needed): %.200s", w.Body)
			}
			if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/pdf" {
				t.Fatalf("PDF: %d %s", w.Code, w.Header().Get("Content-Type"))
			}
			pdf := w.Body.Bytes()
			v := s.verifyUpload("", "licence.pdf", pdf)
			check(t, v, license.StateValid, nil)
			if got := text(one(t, parse(t, v), "#pdf-signature.ok")); got == "" {
				t.Error("no word on the PDF's signature")
			}
			// A changed PDF still names its licence, but its signature no longer holds.
			changed := append(bytes.Clone(pdf), []byte("\n% appended\n")...)
			v = s.verifyUpload("", "licence.pdf", changed)
			check(t, v, license.StateValid, nil)
			one(t, parse(t, v), "#pdf-signature.bad")
		})
		ctx := principal.With(context.Background(), principal.SystemPrincipal)
		if _, err := s.a.Licenses.Revoke(ctx, principal.SystemPrincipal, l.ID, "经营场所已不存在"); err != nil {
			t.Fatal(err)
		}
		t.Run("revoked after the issuer revoked it", func(t *testing.T) { check(t, post(text1), license.StateRevoked, fresh) })
		t.Run("a revoked licence is not presented", func(t *testing.T) {
			doc := parse(t, s.get("/my/licenses/"+l.ID, resident))
			if count(t, doc, "#present") != 0 {
				t.Error("the presentation form is offered for a revoked licence")
			}
		})
	})
}

// FuzzLicenceVerifyForm posts arbitrary text to the public verify page: it answers with a
// result (200) or a form error (400), never a server error.
func FuzzLicenceVerifyForm(f *testing.F) {
	for _, s := range []string{"", "YWP1.", "YWC1.a.b", "1.2.156.3005.2.", "https://x/licenses/verify?id=%ZZ", "/licenses/verify?id=",
		"YWP1.eJw.abc.def", strings.Repeat("Y", 9000), "\x00\xff", "1.2.156.3005.2.111.222.333.001.X"} {
		f.Add(s)
	}
	s := newSite(f, storetest.Open(f, store.SQLite, storetest.Options{}), highLimits)
	f.Fuzz(func(t *testing.T, text string) {
		r := httptest.NewRequest("POST", "/licenses/verify", strings.NewReader(url.Values{"text": {text}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Accept", "text/html")
		w := httptest.NewRecorder()
		s.a.Server.Handler().ServeHTTP(w, r)
		if w.Code != http.StatusOK && w.Code != http.StatusBadRequest && w.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("text %q: status %d", text, w.Code)
		}
	})
}
