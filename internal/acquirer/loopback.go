package acquirer

import (
	"net/http"
	"net/http/httptest"
)

// Loopback returns an HTTP client whose requests are served by h in the same process, as if
// they came from 127.0.0.1: for an acquirer mounted on the platform's own server, where the
// platform's requests to the acquirer and the acquirer's notifications to the platform need no
// network (and no address known before the server listens).
func Loopback(h http.Handler) *http.Client {
	return &http.Client{Transport: loopback{h}, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

type loopback struct{ h http.Handler }

func (l loopback) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.RequestURI = req.URL.RequestURI()
	r.RemoteAddr = "127.0.0.1:0"
	r.Host = req.URL.Host
	if r.Body == nil {
		r.Body = http.NoBody
	}
	w := httptest.NewRecorder()
	l.h.ServeHTTP(w, r)
	resp := w.Result()
	resp.Request = req
	return resp, nil
}
