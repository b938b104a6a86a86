package httpserver

import (
	"context"
	"encoding/json"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/requestid"
)

// kindMethodNotAllowed is the kind of a 405 response. errs has no such kind because no domain
// ever returns it: only the route table knows which methods a path accepts.
const kindMethodNotAllowed errs.Kind = "method_not_allowed"

// Status returns the HTTP status code of an error kind; 500 for Internal and unknown kinds.
func Status(k errs.Kind) int {
	switch k {
	case errs.Invalid:
		return http.StatusBadRequest
	case errs.Unauthenticated:
		return http.StatusUnauthorized
	case errs.Forbidden:
		return http.StatusForbidden
	case errs.NotFound:
		return http.StatusNotFound
	case kindMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case errs.Conflict:
		return http.StatusConflict
	case errs.TooLarge:
		return http.StatusRequestEntityTooLarge
	case errs.TooMany:
		return http.StatusTooManyRequests
	case errs.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// publicKinds are the kinds whose status says them (Status), for KindOf.
var publicKinds = []errs.Kind{errs.Invalid, errs.Unauthenticated, errs.Forbidden, errs.NotFound, errs.Conflict,
	errs.TooLarge, errs.TooMany, errs.Unavailable}

// KindOf is Status's inverse, for a client reading an answer written by WriteError: the kind
// whose status is status; errs.Internal for any other status.
func KindOf(status int) errs.Kind {
	for _, k := range publicKinds {
		if Status(k) == status {
			return k
		}
	}
	return errs.Internal
}

// WriteError is the one place where an error becomes an HTTP response. It maps the error's kind
// to a status (Status), logs the error only when it is Internal (level error) or Unavailable
// (level warn) — with the request id and the internal detail — and writes the public message
// translated into the request's language (i18n.Negotiate):
//
//   - as JSON when the path starts with /api/ or the client accepts application/json but not
//     text/html: {"error":{"kind":"not_found","message":"…","field":"…","request_id":"…"}};
//     an invalid input that names several fields (an error with a FieldErrors method, such as
//     *formschema.Errors) also lists each: "fields":[{"field":"…","message":"…"},…];
//   - otherwise through Config.ErrorPage, or a minimal HTML page when that is nil.
//
// Internal detail (errs.Error.Err, and any error that is not an *errs.Error) is never shown;
// an Internal error shows its message only when it is a known i18n key, so that a sentence
// built from a driver error cannot leak either. An *http.MaxBytesError anywhere in err's chain
// (a body over the route's limit) becomes TooLarge. If the response has already started,
// WriteError can only log.
//
// Handlers return their errors rather than calling WriteError; adapters that serve through a
// plain http.Handler call it themselves.
func (s *Server) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	if err == nil {
		return
	}
	var e *errs.Error
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		e = &errs.Error{Kind: errs.TooLarge, Message: "error.too_large", Err: err}
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		// The client went away; nobody will read the answer and nothing is wrong here.
		s.log.LogAttrs(r.Context(), slog.LevelDebug, "client went away",
			slog.String("request_id", requestid.From(r.Context())), slog.String("path", r.URL.Path))
		e = &errs.Error{Kind: errs.Unavailable, Message: "error.unavailable"}
		s.writeError(w, r, err, e, 0, false)
		return
	default:
		e = errs.Public(err)
	}
	s.writeError(w, r, err, e, 0, true)
}

// fieldLister is an error naming several invalid fields at once.
type fieldLister interface {
	FieldErrors() []*errs.Error
}

// fieldsOf returns the public field errors err lists, translated, or nil.
func fieldsOf(lang i18n.Lang, err error) []fieldJSON {
	var fl fieldLister
	if !errors.As(err, &fl) {
		return nil
	}
	var out []fieldJSON
	for _, f := range fl.FieldErrors() {
		if f == nil || f.Field == "" || f.Kind != errs.Invalid {
			continue
		}
		out = append(out, fieldJSON{Field: f.Field, Message: Translate(lang, f)})
	}
	return out
}

// writeError writes e with status (Status(e.Kind) when 0); cause is the whole error for the log.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, cause error, e *errs.Error, status int, logIt bool) {
	ctx := r.Context()
	id := requestid.From(ctx)
	if status == 0 {
		status = Status(e.Kind)
	}
	st := stateOf(r)
	started := st != nil && st.rec != nil && st.rec.started()
	internal := status == http.StatusInternalServerError // errs.Internal, or a kind unknown here
	if logIt && (internal || e.Kind == errs.Unavailable || started) {
		level := slog.LevelError
		msg := "internal error"
		switch {
		case e.Kind == errs.Unavailable:
			level, msg = slog.LevelWarn, "service unavailable"
		case !internal:
			level, msg = slog.LevelWarn, "error after response started"
		}
		attrs := []slog.Attr{
			slog.String("err", cause.Error()),
			slog.String("kind", string(e.Kind)),
			slog.String("request_id", id),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
		}
		if st != nil {
			attrs = append(attrs, slog.String("route", st.route))
		}
		s.log.LogAttrs(ctx, level, msg, attrs...)
	}
	if started {
		return
	}

	msg := e.Message
	if msg == "" || (internal && !i18n.Has(msg)) {
		msg = defaultMessage(e.Kind)
	}
	public := &errs.Error{Kind: e.Kind, Message: msg, Field: e.Field, Args: e.Args}

	h := w.Header()
	// Whatever the handler prepared for its own response does not describe this one.
	for _, k := range []string{"Content-Type", "Content-Length", "Content-Disposition", "Content-Encoding", "ETag", "Last-Modified"} {
		h.Del(k)
	}
	h.Set("Cache-Control", "no-store")

	if wantsJSON(r) {
		lang := i18n.Negotiate(r)
		if status == http.StatusUnauthorized {
			h.Set("WWW-Authenticate", "Bearer")
		}
		h.Set("Content-Type", "application/json; charset=utf-8")
		h.Set("Content-Language", string(lang))
		w.WriteHeader(status)
		body := errorJSON{Kind: string(public.Kind), Message: Translate(lang, public), Field: public.Field, RequestID: id}
		if public.Kind == errs.Invalid {
			body.Fields = fieldsOf(lang, cause)
		}
		_ = json.NewEncoder(w).Encode(errorBody{Error: body})
		return
	}
	if s.cfg.ErrorPage != nil {
		s.cfg.ErrorPage(w, r, status, public)
		return
	}
	writeMinimalPage(w, r, status, public)
}

// defaultMessage is the message key of a kind: "error.not_found" for errs.NotFound.
func defaultMessage(k errs.Kind) string {
	if k == "" || Status(k) == http.StatusInternalServerError {
		return "error.internal"
	}
	return "error." + string(k)
}

// Translate returns e's public message in lang: the translation when the message is an i18n
// key, else the message as it is.
func Translate(lang i18n.Lang, e *errs.Error) string {
	if i18n.Has(e.Message) {
		return i18n.T(lang, e.Message, e.Args...)
	}
	return e.Message
}

type errorBody struct {
	Error errorJSON `json:"error"`
}

type errorJSON struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	// Fields lists every invalid field when there are several (the first is also Field).
	Fields    []fieldJSON `json:"fields,omitempty"`
	RequestID string      `json:"request_id,omitempty"`
}

type fieldJSON struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// wantsJSON reports whether r is an API call or comes from a client that reads JSON, not HTML.
func wantsJSON(r *http.Request) bool {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		return true
	}
	accept := r.Header.Get("Accept")
	if accept == "" {
		return false
	}
	var jsonOK, htmlOK bool
	for part := range strings.SplitSeq(accept, ",") {
		media, params, _ := strings.Cut(part, ";")
		if refused(params) {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(media)) {
		case "application/json":
			jsonOK = true
		case "text/html", "application/xhtml+xml":
			htmlOK = true
		}
	}
	return jsonOK && !htmlOK
}

// refused reports whether media-range parameters carry q=0.
func refused(params string) bool {
	for p := range strings.SplitSeq(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
			q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return err == nil && q <= 0
		}
	}
	return false
}

var minimalPage = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
</head>
<body>
<main>
<h1>{{.Title}}</h1>
<p>{{.Message}}</p>
{{if .RequestID}}<p><small>{{.RequestID}}</small></p>{{end}}
<p><a href="/">{{.Home}}</a></p>
</main>
</body>
</html>
`))

// writeMinimalPage is the HTML error page when Config.ErrorPage is nil.
func writeMinimalPage(w http.ResponseWriter, r *http.Request, status int, e *errs.Error) {
	lang := i18n.Negotiate(r)
	data := struct{ Lang, Title, Message, RequestID, Home string }{
		Lang:    string(lang),
		Title:   i18n.T(lang, "error.title"),
		Message: Translate(lang, e),
		Home:    i18n.T(lang, "error.back_home"),
	}
	if id := requestid.From(r.Context()); id != "" {
		data.RequestID = i18n.T(lang, "error.request_id", id)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", string(lang))
	w.WriteHeader(status)
	_ = minimalPage.Execute(w, data)
}
