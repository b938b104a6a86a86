package api

import (
	"io"
	"net/http"

	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/tsa"
)

// maxTSARequest bounds a time-stamp request: a TimeStampReq is a few hundred bytes.
const maxTSARequest = 16 << 10

// installTSA serves Yiwang's time-stamping authority at POST /tsa, the RFC 3161 §3.4 binding
// over HTTP. It is outside /api/v1 because TSP clients (openssl ts, PDF signers, other
// departments' systems) speak DER, not JSON, and expect a bare URL. It is public — a time-stamp
// says only that a digest existed at a time — and rate limited like the API; it reads no
// credentials.
func (a *API) installTSA(srv *httpserver.Server) {
	if a.cfg.TSA == nil {
		return
	}
	srv.Handle("POST /tsa", a.tsaRespond, httpserver.RateLimit(httpserver.ClassAPI),
		httpserver.MaxBody(maxTSARequest), httpserver.OwnAuthentication(), httpserver.Name("tsa"))
}

func (a *API) tsaRespond(w http.ResponseWriter, r *http.Request) error {
	if !tsa.IsQueryContentType(r.Header.Get("Content-Type")) {
		// 415 is a protocol answer, not an error of the errs vocabulary (which has no such
		// kind): RFC 3161 clients are told which media type to send.
		w.Header().Set("Accept-Post", tsa.QueryContentType)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusUnsupportedMediaType)
		_, _ = io.WriteString(w, i18n.T(i18n.Negotiate(r), "tsa.error.content_type")+"\n")
		return nil
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err // a body over the limit becomes 413 in WriteError
	}
	resp, err := a.cfg.TSA.Respond(r.Context(), body)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", tsa.ReplyContentType)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(resp)
	return nil
}
