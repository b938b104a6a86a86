package nodecall

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"testing"
)

// FuzzParseRequest feeds arbitrary header values to the call's parser: it never panics, and
// what it accepts is well formed and reads back the same once written out again.
func FuzzParseRequest(f *testing.F) {
	sig := base64.StdEncoding.EncodeToString([]byte("0E\x02!\x00signature"))
	f.Add("350000", "330000", "k_01", "1772413200", "0123456789abcdef0123456789abcdef", sig)
	f.Add("35000", "330000", "k 1", "-1", "0123456789ABCDEF0123456789ABCDEF", "!!")
	f.Add("350000", "330000", "k", "0001", "00", "")
	f.Fuzz(func(t *testing.T, from, to, key, date, nonce, signature string) {
		h := http.Header{}
		h.Set(HeaderFrom, from)
		h.Set(HeaderTo, to)
		h.Set(HeaderKey, key)
		h.Set(HeaderDate, date)
		h.Set(HeaderNonce, nonce)
		h.Set(HeaderSignature, signature)
		e, err := parseRequest(h)
		if err != nil {
			return
		}
		if !validNode(e.From) || !validNode(e.To) || !validNonce(e.Nonce) || e.Date < 0 || len(e.Signature) == 0 {
			t.Fatalf("accepted %+v", e)
		}
		again := http.Header{}
		again.Set(HeaderFrom, e.From)
		again.Set(HeaderTo, e.To)
		again.Set(HeaderKey, e.KeyID)
		again.Set(HeaderDate, strconv.FormatInt(e.Date, 10))
		again.Set(HeaderNonce, e.Nonce)
		again.Set(HeaderSignature, base64.StdEncoding.EncodeToString(e.Signature))
		e2, err := parseRequest(again)
		if err != nil || e2.From != e.From || e2.KeyID != e.KeyID || e2.Date != e.Date || string(e2.Signature) != string(e.Signature) {
			t.Fatalf("%+v written out reads back as %+v, %v", e, e2, err)
		}
		if e.Date == 0 && date != "0" {
			t.Fatalf("date %q read as 0", date)
		}
	})
}

// FuzzParseAnswer feeds arbitrary headers and bodies to the answer's parsers.
func FuzzParseAnswer(f *testing.F) {
	f.Add("330000", "k", base64.StdEncoding.EncodeToString([]byte("sig")), 401,
		[]byte(`{"error":{"kind":"unauthenticated","message":"no","field":"x"}}`))
	f.Add("3300000", "", "=", 500, []byte(`{"error":{"kind":"internal","message":"\u0000`))
	f.Add("330000", "k", "c2ln", 400, []byte(`[]`))
	f.Fuzz(func(t *testing.T, from, key, signature string, status int, body []byte) {
		h := http.Header{}
		h.Set(HeaderFrom, from)
		h.Set(HeaderKey, key)
		h.Set(HeaderSignature, signature)
		if s, err := parseAnswer(h); err == nil && (!validNode(s.From) || s.KeyID == "" || len(s.Signature) == 0) {
			t.Fatalf("accepted %+v", s)
		}
		ae := parseErrorAnswer("330000", status, body)
		if len([]rune(ae.Message)) > maxPeerMessage+1 || ae.Kind == "" {
			t.Fatalf("error answer %+v", ae)
		}
		for _, r := range ae.Message {
			if r < ' ' {
				t.Fatalf("control character in %q", ae.Message)
			}
		}
	})
}

// FuzzValidPath checks that an accepted path is one the client can put after an endpoint.
func FuzzValidPath(f *testing.F) {
	f.Add("/api/v1/federation/calls/licence-fetch")
	f.Add("/a/../b")
	f.Add("/a?b")
	f.Fuzz(func(t *testing.T, p string) {
		if !validPath(p) {
			return
		}
		req, err := http.NewRequest(http.MethodPost, "https://example.org"+p, nil)
		if err != nil || req.URL.EscapedPath() != p || req.URL.RawQuery != "" {
			t.Fatalf("accepted %q: %v, %q", p, err, req.URL.EscapedPath())
		}
	})
}
