package httpserver

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/requestid"
)

// Handler returns the whole stack: every middleware around the route table. The layers, from
// the outside in, and why they sit where they do:
//
//  1. request id — first, so that every later layer, log line and error response names the
//     request; the client IP is worked out here once, too.
//  2. observe — in-flight gauge, metrics and the access log; outside recovery, so that a
//     panic is counted and logged as the 500 it became.
//  3. recover — turns a panic into a logged 500 through the error writer.
//  4. security headers — set before anything below writes, so that every response carries
//     them, error pages included; a handler may still override one for its own page.
//  5. cross-origin protection — refuses unsafe cross-origin browser requests (403
//     error.csrf) before routing, rate limiting or authentication spend anything on them.
//  6. routing — the one ServeMux; unknown paths (404) and wrong methods (405) go to the error
//     writer instead of the mux's plain-text replies.
//
// then, per route, in the handler registered with the mux:
//
//  7. rate limit of the route's class, per client IP — before authentication, so a flood
//     never reaches the session store;
//  8. body size limit (413);
//  9. authentication (Config.Authenticate → principal in the context), unless the route
//     authenticates its callers itself (OwnAuthentication);
//  10. the handler, whose error goes to WriteError.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) stack() http.Handler {
	var h http.Handler = http.HandlerFunc(s.dispatch)
	h = s.crossOrigin(h)
	h = securityHeaders(s.cfg.TLS, h)
	h = s.recoverPanic(h)
	h = s.observe(h)
	h = s.withRequestID(h)
	return h
}

// reqState is what the layers learn about a request, shared through its context.
type reqState struct {
	id       string
	clientIP string
	rateKey  string
	route    string // the matched pattern, for logs
	name     string // the route's metrics label
	builtin  bool   // a probe or scrape: logged at debug level
	actor    string // the authenticated principal, for the access log
	rec      *recorder
}

type stateKey struct{}

func stateOf(r *http.Request) *reqState {
	st, _ := r.Context().Value(stateKey{}).(*reqState)
	return st
}

// unmatchedRoute labels requests that matched no route, so that metrics never carry a raw path.
const unmatchedRoute = "unmatched"

// validRequestID reports whether an incoming X-Request-Id is sane enough to reuse:
// [A-Za-z0-9-]{1,64}.
func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func (s *Server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			id = requestid.New()
		}
		w.Header().Set("X-Request-Id", id)
		ip := s.clientIP(r)
		st := &reqState{id: id, clientIP: ip, rateKey: rateKey(ip), route: unmatchedRoute, name: unmatchedRoute}
		ctx := context.WithValue(requestid.With(r.Context(), id), stateKey{}, st)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := stateOf(r)
		rec := &recorder{ResponseWriter: w}
		st.rec = rec
		start := time.Now()
		s.metrics.inFlight.Inc()
		// Deferred so that a request aborted with http.ErrAbortHandler is still counted.
		defer func() {
			d := time.Since(start)
			s.metrics.inFlight.Dec()
			status := rec.status
			if status == 0 {
				status = http.StatusOK // what net/http sends for a handler that wrote nothing
			}
			s.metrics.observe(st.name, r.Method, status, d)

			level := slog.LevelInfo
			if st.builtin && status < 500 {
				level = slog.LevelDebug
			}
			if !s.log.Enabled(r.Context(), level) {
				return
			}
			// The path only: query strings may hold personal data (names, ID numbers in
			// searches), and no header is logged.
			attrs := []slog.Attr{
				slog.String("method", r.Method),
				slog.String("route", st.route),
				slog.String("path", r.URL.Path),
				slog.Int("status", status),
				slog.Int64("bytes", rec.bytes),
				slog.Duration("duration", d),
				slog.String("request_id", st.id),
				slog.String("client_ip", st.clientIP),
			}
			if st.actor != "" {
				attrs = append(attrs, slog.String("actor", st.actor))
			}
			s.log.LogAttrs(r.Context(), level, "http request", attrs...)
		}()
		next.ServeHTTP(rec, r)
	})
}

func (s *Server) recoverPanic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler { // net/http's way to abort a response; it logs nothing
				panic(v)
			}
			st := stateOf(r)
			s.log.LogAttrs(r.Context(), slog.LevelError, "panic serving request",
				slog.String("panic", fmt.Sprint(v)),
				slog.String("stack", string(debug.Stack())),
				slog.String("request_id", st.id),
				slog.String("method", r.Method),
				slog.String("route", st.route),
				slog.String("path", r.URL.Path))
			e := errs.Wrapf(errs.Internal, fmt.Errorf("panic: %v", v), "error.internal")
			s.writeError(w, r, e, e, 0, false)
		}()
		next.ServeHTTP(w, r)
	})
}

// contentSecurityPolicy allows only this origin's scripts, styles, fonts and images (and data:
// images, for QR codes), no plugins, and no framing.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// Header values are shared slices of length and capacity 1, so that setting them allocates
// nothing and Header.Add on them copies rather than appends in place.
var (
	securityHeaderValues = []struct {
		key   string
		value []string
	}{
		{"Content-Security-Policy", []string{contentSecurityPolicy}},
		{"X-Content-Type-Options", []string{"nosniff"}},
		{"X-Frame-Options", []string{"DENY"}},
		{"Referrer-Policy", []string{"strict-origin-when-cross-origin"}},
		// Pages that need a device (a kiosk scanning a QR code with the camera) allow it
		// on their own response.
		{"Permissions-Policy", []string{"camera=(), microphone=(), geolocation=(), payment=(), usb=()"}},
		{"Cross-Origin-Opener-Policy", []string{"same-origin"}},
	}
	hstsValue = []string{"max-age=63072000; includeSubDomains"}
)

func securityHeaders(tls bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for _, kv := range securityHeaderValues {
			h[kv.key] = kv.value
		}
		// HSTS only over TLS: over plain HTTP it is ignored by browsers and would only
		// mislead.
		if tls || r.TLS != nil {
			h["Strict-Transport-Security"] = hstsValue
		}
		next.ServeHTTP(w, r)
	})
}

// crossOrigin refuses unsafe (non-GET/HEAD/OPTIONS) requests that a browser marks as coming
// from another site, using http.CrossOriginProtection: Sec-Fetch-Site, or failing that Origin
// against Host.
//
// No request is exempt, bearer-token API calls included. None needs to be: clients that are not
// browsers (department systems, the CLI, mobile apps' native code) send neither Sec-Fetch-Site
// nor Origin and pass; a browser page on another origin that calls the API must be listed in
// Config.TrustedOrigins. Exempting "requests with an Authorization header" would buy nothing and
// would tie CSRF safety to how Authenticate treats a request carrying both a bad token and a
// session cookie. Behind a proxy, the proxy must pass the original Host header.
func (s *Server) crossOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.cop.Check(r); err != nil {
			s.log.LogAttrs(r.Context(), slog.LevelInfo, "cross-origin request refused",
				slog.String("request_id", requestid.From(r.Context())),
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.String("origin", r.Header.Get("Origin")),
				slog.String("sec_fetch_site", r.Header.Get("Sec-Fetch-Site")))
			s.WriteError(w, r, &errs.Error{Kind: errs.Forbidden, Message: "error.csrf", Err: err})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// dispatch routes r. ServeMux answers unknown paths and wrong methods itself in plain text, so
// those requests are run against an interceptor and answered by the error writer instead.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	h, pattern := s.mux.Handler(r)
	if pattern != "" {
		// ServeHTTP matches again, but only it sets r.Pattern and the path values.
		s.mux.ServeHTTP(w, r)
		return
	}
	if lim := s.limits[ClassPublic]; lim != nil && !s.allow(w, r, lim) {
		return
	}
	iw := &interceptor{ResponseWriter: w}
	h.ServeHTTP(iw, r) // NotFound, 405 with Allow, or a redirect to the cleaned path
	if iw.code == 0 {
		return
	}
	// Authenticate so the error page can show who is signed in; a failure leaves it anonymous.
	if r2, err := s.authenticate(r); err == nil {
		r = r2
	}
	if iw.code == http.StatusMethodNotAllowed { // the mux has set the Allow header
		e := &errs.Error{Kind: kindMethodNotAllowed, Message: "error.method_not_allowed"}
		s.writeError(w, r, e, e, http.StatusMethodNotAllowed, false)
		return
	}
	s.WriteError(w, r, errs.E(errs.NotFound, "error.page_not_found"))
}

// interceptor swallows the 404 or 405 that ServeMux writes for an unmatched request.
type interceptor struct {
	http.ResponseWriter
	code int
}

func (w *interceptor) WriteHeader(code int) {
	if code == http.StatusNotFound || code == http.StatusMethodNotAllowed {
		w.code = code
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *interceptor) Write(b []byte) (int, error) {
	if w.code != 0 {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// routeHandler wraps a route's handler in the per-route layers 7–10 (see Handler).
func (s *Server) routeHandler(rt *route) http.Handler {
	lim := s.limits[rt.class]
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if st := stateOf(r); st != nil {
			st.route, st.name, st.builtin = rt.pattern, rt.name, rt.builtin
		}
		if lim != nil && !s.allow(w, r, lim) {
			return
		}
		if r.ContentLength > rt.maxBody {
			s.WriteError(w, r, errs.E(errs.TooLarge, "error.too_large"))
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, rt.maxBody)
		}
		if !rt.builtin && !rt.ownAuth {
			var err error
			if r, err = s.authenticate(r); err != nil {
				s.WriteError(w, r, err)
				return
			}
		}
		if rt.hh != nil {
			rt.hh.ServeHTTP(w, r)
			return
		}
		if err := rt.h(w, r); err != nil {
			s.WriteError(w, r, err)
		}
	})
}

// authenticate puts the principal from Config.Authenticate in r's context.
func (s *Server) authenticate(r *http.Request) (*http.Request, error) {
	if s.cfg.Authenticate == nil {
		return r, nil
	}
	p, err := s.cfg.Authenticate(r)
	if err != nil {
		return r, err
	}
	if st := stateOf(r); st != nil && p.Authenticated() {
		st.actor = p.Actor()
	}
	return r.WithContext(principal.With(r.Context(), p)), nil
}

// recorder notes the status and size of a response for the access log and metrics, and tells
// the error writer whether the response has started.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *recorder) started() bool { return w.status != 0 }

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		w.status = code // 1xx informational responses (103 Early Hints) come before the real one
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// ReadFrom keeps io.Copy to the response on the sendfile path for static files.
func (w *recorder) ReadFrom(src io.Reader) (int64, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := io.Copy(w.ResponseWriter, src)
	w.bytes += n
	return n, err
}

// Flush lets streaming handlers that type-assert http.Flusher flush through the recorder.
func (w *recorder) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the connection (deadlines, hijacking).
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
