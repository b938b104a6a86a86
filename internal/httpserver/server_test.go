package httpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/requestid"
)

// logBuffer collects log output safely from several goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newServer returns a server logging to the returned buffer at debug level.
func newServer(t testing.TB, cfg Config) (*Server, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, logs
}

// serve runs one request through s's whole stack.
func serve(s *Server, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	return w
}

type errorResponse struct {
	Error struct {
		Kind      string `json:"kind"`
		Message   string `json:"message"`
		Field     string `json:"field"`
		RequestID string `json:"request_id"`
	} `json:"error"`
}

const secret = "dial tcp 10.1.2.3:5432: password=hunter2"

func TestWriteErrorMapping(t *testing.T) {
	secretErr := errors.New(secret)
	for _, tc := range []struct {
		name       string
		err        error
		wantStatus int
		wantKind   string
		wantKey    string // the i18n key of the message shown; "" when shown as is
		wantMsg    string // the message shown when not a key
		wantField  string
		wantLogged bool
	}{
		{"invalid", errs.Field("email", "error.invalid"), 400, "invalid", "error.invalid", "", "email", false},
		{"unauthenticated", errs.E(errs.Unauthenticated, ""), 401, "unauthenticated", "error.unauthenticated", "", "", false},
		{"forbidden", errs.E(errs.Forbidden, "error.forbidden"), 403, "forbidden", "error.forbidden", "", "", false},
		{"not found", errs.Wrapf(errs.NotFound, secretErr, "error.not_found"), 404, "not_found", "error.not_found", "", "", false},
		{"conflict", errs.E(errs.Conflict, "error.conflict"), 409, "conflict", "error.conflict", "", "", false},
		{"too large", errs.E(errs.TooLarge, ""), 413, "too_large", "error.too_large", "", "", false},
		{"too many", errs.E(errs.TooMany, ""), 429, "too_many_requests", "error.too_many_requests", "", "", false},
		{"unavailable", errs.Wrapf(errs.Unavailable, secretErr, "error.busy"), 503, "unavailable", "error.busy", "", "", true},
		{"internal classified", errs.Wrapf(errs.Internal, secretErr, "error.internal"), 500, "internal", "error.internal", "", "", true},
		{"unclassified", fmt.Errorf("plan.Import(x): %w", secretErr), 500, "internal", "error.internal", "", "", true},
		{"internal with a sentence", errs.E(errs.Internal, "query failed: "+secret), 500, "internal", "error.internal", "", "", true},
		{"wrapped kind", fmt.Errorf("license.Get(7): %w", errs.E(errs.NotFound, "")), 404, "not_found", "error.not_found", "", "", false},
		{"plain sentence shown as is", errs.Field("name", "名称不能为空"), 400, "invalid", "", "名称不能为空", "name", false},
		{"body too large", fmt.Errorf("decode: %w", &http.MaxBytesError{Limit: 10}), 413, "too_large", "error.too_large", "", "", false},
	} {
		for _, lang := range i18n.All {
			for _, asJSON := range []bool{true, false} {
				t.Run(fmt.Sprintf("%s/%s/json=%v", tc.name, lang, asJSON), func(t *testing.T) {
					s, logs := newServer(t, Config{})
					s.Handle("GET /api/x", func(w http.ResponseWriter, r *http.Request) error { return tc.err })
					s.Handle("GET /x", func(w http.ResponseWriter, r *http.Request) error { return tc.err })
					path := "/x"
					if asJSON {
						path = "/api/x"
					}
					r := httptest.NewRequest("GET", path+"?lang="+string(lang), nil)
					r.Header.Set("X-Request-Id", "req-123")
					w := serve(s, r)

					if w.Code != tc.wantStatus {
						t.Errorf("status = %d, want %d", w.Code, tc.wantStatus)
					}
					want := tc.wantMsg
					if tc.wantKey != "" {
						want = i18n.T(lang, tc.wantKey)
					}
					body := w.Body.String()
					if strings.Contains(body, "hunter2") || strings.Contains(body, "10.1.2.3") {
						t.Errorf("internal detail leaked: %s", body)
					}
					if got := w.Header().Get("X-Request-Id"); got != "req-123" {
						t.Errorf("X-Request-Id = %q", got)
					}
					if asJSON {
						if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
							t.Errorf("Content-Type = %q", ct)
						}
						var got errorResponse
						if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
							t.Fatalf("body %q: %v", body, err)
						}
						var wantBody errorResponse
						wantBody.Error.Kind, wantBody.Error.Message, wantBody.Error.Field, wantBody.Error.RequestID = tc.wantKind, want, tc.wantField, "req-123"
						if diff := cmp.Diff(wantBody, got); diff != "" {
							t.Errorf("body mismatch (-want +got):\n%s", diff)
						}
					} else {
						if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
							t.Errorf("Content-Type = %q", ct)
						}
						if !strings.Contains(body, want) && !strings.Contains(body, htmlEscape(want)) {
							t.Errorf("page lacks message %q:\n%s", want, body)
						}
						if idLine := i18n.T(lang, "error.request_id", "req-123"); !strings.Contains(body, idLine) {
							t.Errorf("page lacks %q:\n%s", idLine, body)
						}
						if !strings.Contains(body, `<html lang="`+string(lang)+`">`) {
							t.Errorf("page lacks lang %s", lang)
						}
					}
					logged := strings.Contains(logs.String(), `"msg":"internal error"`) || strings.Contains(logs.String(), `"msg":"service unavailable"`)
					if logged != tc.wantLogged {
						t.Errorf("error logged = %v, want %v; logs:\n%s", logged, tc.wantLogged, logs)
					}
					if tc.wantLogged && (!strings.Contains(logs.String(), "hunter2") || !strings.Contains(logs.String(), `"request_id":"req-123"`)) {
						t.Errorf("log lacks detail or request id:\n%s", logs)
					}
				})
			}
		}
	}
}

func htmlEscape(s string) string { return html.EscapeString(s) }

func TestWriteErrorNegotiation(t *testing.T) {
	for _, tc := range []struct {
		path, accept string
		wantJSON     bool
	}{
		{"/x", "", false},
		{"/x", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", false},
		{"/x", "application/json", true},
		{"/x", "application/json, text/plain, */*", true},
		{"/x", "application/json, text/html", false},
		{"/x", "application/json, text/html;q=0", true},
		{"/x", "text/html, application/json;q=0", false},
		{"/api/v1/x", "text/html", true},
	} {
		r := httptest.NewRequest("GET", tc.path, nil)
		if tc.accept != "" {
			r.Header.Set("Accept", tc.accept)
		}
		if got := wantsJSON(r); got != tc.wantJSON {
			t.Errorf("wantsJSON(%s, Accept %q) = %v, want %v", tc.path, tc.accept, got, tc.wantJSON)
		}
	}
}

func TestErrorPageGetsNoInternalDetail(t *testing.T) {
	var got *errs.Error
	var gotStatus int
	var gotID string
	s, _ := newServer(t, Config{ErrorPage: func(w http.ResponseWriter, r *http.Request, status int, e *errs.Error) {
		got, gotStatus, gotID = e, status, requestid.From(r.Context())
		w.WriteHeader(status)
		_, _ = io.WriteString(w, "custom page")
	}})
	s.Handle("GET /x", func(w http.ResponseWriter, r *http.Request) error {
		return errs.Wrapf(errs.Conflict, errors.New(secret), "error.conflict")
	})
	r := httptest.NewRequest("GET", "/x", nil)
	r.Header.Set("X-Request-Id", "abc")
	w := serve(s, r)
	if w.Code != 409 || w.Body.String() != "custom page" || gotStatus != 409 || gotID != "abc" {
		t.Fatalf("status %d, body %q, page got status %d, id %q", w.Code, w.Body, gotStatus, gotID)
	}
	if diff := cmp.Diff(&errs.Error{Kind: errs.Conflict, Message: "error.conflict"}, got); diff != "" {
		t.Errorf("ErrorPage error mismatch (-want +got):\n%s", diff)
	}
}

func TestErrorAfterResponseStarted(t *testing.T) {
	s, logs := newServer(t, Config{})
	s.Handle("GET /x", func(w http.ResponseWriter, r *http.Request) error {
		_, _ = io.WriteString(w, "partial")
		return errs.E(errs.Invalid, "error.invalid")
	})
	w := serve(s, httptest.NewRequest("GET", "/x", nil))
	if w.Code != 200 || w.Body.String() != "partial" {
		t.Errorf("got %d %q, want the handler's partial response untouched", w.Code, w.Body)
	}
	if !strings.Contains(logs.String(), "error after response started") {
		t.Errorf("not logged:\n%s", logs)
	}
}

func TestPanicRecovery(t *testing.T) {
	s, logs := newServer(t, Config{})
	s.Handle("GET /api/boom", func(w http.ResponseWriter, r *http.Request) error { panic("boom " + secret) })
	r := httptest.NewRequest("GET", "/api/boom", nil)
	r.Header.Set("X-Request-Id", "p-1")
	w := serve(s, r)
	if w.Code != 500 {
		t.Errorf("status = %d, want 500", w.Code)
	}
	if strings.Contains(w.Body.String(), "hunter2") {
		t.Errorf("panic value leaked: %s", w.Body)
	}
	var got errorResponse
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || got.Error.Kind != "internal" || got.Error.RequestID != "p-1" {
		t.Errorf("body = %s (%v)", w.Body, err)
	}
	if w.Header().Get("Content-Security-Policy") == "" {
		t.Error("500 after panic lacks security headers")
	}
	l := logs.String()
	for _, want := range []string{`"msg":"panic serving request"`, "hunter2", "server_test.go", `"request_id":"p-1"`, `"status":500`} {
		if !strings.Contains(l, want) {
			t.Errorf("log lacks %q:\n%s", want, l)
		}
	}
	// The error is logged once, with its stack, not a second time as "internal error".
	if strings.Contains(l, `"msg":"internal error"`) {
		t.Errorf("panic logged twice:\n%s", l)
	}
}

func TestAbortHandlerIsNotRecovered(t *testing.T) {
	s, _ := newServer(t, Config{})
	s.Handle("GET /abort", func(w http.ResponseWriter, r *http.Request) error { panic(http.ErrAbortHandler) })
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Errorf("recovered %v, want http.ErrAbortHandler to propagate", v)
		}
	}()
	serve(s, httptest.NewRequest("GET", "/abort", nil))
}

func TestSecurityHeaders(t *testing.T) {
	for _, tc := range []struct {
		name      string
		cfgTLS    bool
		url       string
		wantHSTS  bool
		wantFound bool
	}{
		{"plain http", false, "http://example.test/healthz", false, true},
		{"tls", false, "https://example.test/healthz", true, true},
		{"behind tls proxy", true, "http://example.test/healthz", true, true},
		{"not found page too", false, "http://example.test/nope", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newServer(t, Config{TLS: tc.cfgTLS})
			w := serve(s, httptest.NewRequest("GET", tc.url, nil))
			want := map[string]string{
				"Content-Security-Policy":    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
				"X-Content-Type-Options":     "nosniff",
				"X-Frame-Options":            "DENY",
				"Referrer-Policy":            "strict-origin-when-cross-origin",
				"Permissions-Policy":         "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
				"Cross-Origin-Opener-Policy": "same-origin",
			}
			if tc.wantHSTS {
				want["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
			}
			got := map[string]string{}
			for k := range want {
				got[k] = w.Header().Get(k)
			}
			if hsts := w.Header().Get("Strict-Transport-Security"); hsts != "" {
				got["Strict-Transport-Security"] = hsts
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("headers mismatch (-want +got):\n%s", diff)
			}
			if (w.Code == 200) != tc.wantFound {
				t.Errorf("status %d", w.Code)
			}
		})
	}
}

func TestCrossOriginProtection(t *testing.T) {
	for _, tc := range []struct {
		name       string
		method     string
		headers    map[string]string
		wantStatus int
	}{
		{"same origin by fetch metadata", "POST", map[string]string{"Sec-Fetch-Site": "same-origin"}, 200},
		{"typed address", "POST", map[string]string{"Sec-Fetch-Site": "none"}, 200},
		{"cross site", "POST", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"same site other origin", "POST", map[string]string{"Sec-Fetch-Site": "same-site"}, 403},
		{"old browser same origin", "POST", map[string]string{"Origin": "http://portal.example.test"}, 200},
		{"old browser other origin", "POST", map[string]string{"Origin": "http://evil.example"}, 403},
		{"trusted origin", "POST", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://app.example.test"}, 200},
		{"non-browser client with bearer token", "POST", map[string]string{"Authorization": "Bearer t0ken"}, 200},
		{"cross-site with bearer token is not exempt", "POST", map[string]string{"Sec-Fetch-Site": "cross-site", "Authorization": "Bearer t0ken"}, 403},
		{"cross-site DELETE", "DELETE", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"cross-site GET is safe", "GET", map[string]string{"Sec-Fetch-Site": "cross-site"}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newServer(t, Config{TrustedOrigins: []string{"https://app.example.test"}})
			ok := func(w http.ResponseWriter, r *http.Request) error { return nil }
			s.Handle("GET /form", ok)
			s.Handle("POST /form", ok)
			s.Handle("DELETE /form", ok)
			r := httptest.NewRequest(tc.method, "http://portal.example.test/form", strings.NewReader("a=1"))
			r.Header.Set("Accept", "application/json")
			for k, v := range tc.headers {
				r.Header.Set(k, v)
			}
			w := serve(s, r)
			if w.Code != tc.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", w.Code, tc.wantStatus, w.Body)
			}
			if tc.wantStatus == 403 {
				var got errorResponse
				_ = json.Unmarshal(w.Body.Bytes(), &got)
				if got.Error.Kind != "forbidden" || got.Error.Message != i18n.T(i18n.ZhHans, "error.csrf") {
					t.Errorf("body = %s", w.Body)
				}
			}
		})
	}
}

func TestRateLimit(t *testing.T) {
	s, _ := newServer(t, Config{})
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	s.Handle("POST /login", func(w http.ResponseWriter, r *http.Request) error { return nil }, RateLimit(ClassLogin))
	s.Handle("GET /page", func(w http.ResponseWriter, r *http.Request) error { return nil })
	post := func(ip, path string) *httptest.ResponseRecorder {
		method := "POST"
		if path == "/page" {
			method = "GET"
		}
		r := httptest.NewRequest(method, path, nil)
		r.RemoteAddr = ip + ":4711"
		r.Header.Set("Accept-Language", "en")
		return serve(s, r)
	}
	for i := range 5 {
		if w := post("192.0.2.1", "/login"); w.Code != 200 {
			t.Fatalf("request %d within the burst: status %d", i+1, w.Code)
		}
	}
	w := post("192.0.2.1", "/login")
	if w.Code != 429 {
		t.Fatalf("request after the burst: status %d, want 429", w.Code)
	}
	if got := w.Header().Get("Retry-After"); got != "12" { // 5 a minute: one every 12 s
		t.Errorf("Retry-After = %q, want 12", got)
	}
	if !strings.Contains(w.Body.String(), i18n.T(i18n.En, "error.too_many_requests")) {
		t.Errorf("body lacks the translated message: %s", w.Body)
	}
	if w := post("192.0.2.2", "/login"); w.Code != 200 {
		t.Errorf("another client: status %d, want 200", w.Code)
	}
	if w := post("192.0.2.1", "/page"); w.Code != 200 {
		t.Errorf("same client, another class: status %d, want 200", w.Code)
	}
	now = now.Add(12 * time.Second)
	if w := post("192.0.2.1", "/login"); w.Code != 200 {
		t.Errorf("after Retry-After: status %d, want 200", w.Code)
	}
	if w := post("192.0.2.1", "/login"); w.Code != 429 {
		t.Errorf("again right after: status %d, want 429", w.Code)
	}
}

func TestRateLimitIPv6SharesSlash64(t *testing.T) {
	s, _ := newServer(t, Config{RateLimits: map[string]Limit{ClassLogin: {PerSecond: 1.0 / 60, Burst: 1}}})
	s.Handle("POST /login", func(w http.ResponseWriter, r *http.Request) error { return nil }, RateLimit(ClassLogin))
	codes := []int{}
	for _, addr := range []string{"[2001:db8:1:2::1]:1", "[2001:db8:1:2::ffff]:1", "[2001:db8:1:3::1]:1"} {
		r := httptest.NewRequest("POST", "/login", nil)
		r.RemoteAddr = addr
		codes = append(codes, serve(s, r).Code)
	}
	if diff := cmp.Diff([]int{200, 429, 200}, codes); diff != "" {
		t.Errorf("status codes mismatch (-want +got):\n%s", diff)
	}
}

func TestRateLimitConfig(t *testing.T) {
	if _, err := New(Config{RateLimits: map[string]Limit{"x": {PerSecond: 1}}}); err == nil {
		t.Error("a rate without a burst was accepted")
	}
	s, _ := newServer(t, Config{RateLimits: map[string]Limit{ClassPublic: {}, "export": {PerSecond: 1, Burst: 1}}})
	s.Handle("GET /open", func(w http.ResponseWriter, r *http.Request) error { return nil })
	for range 300 {
		if w := serve(s, httptest.NewRequest("GET", "/open", nil)); w.Code != 200 {
			t.Fatalf("unlimited class limited: %d", w.Code)
		}
	}
	s.Handle("GET /export", func(w http.ResponseWriter, r *http.Request) error { return nil }, RateLimit("export"))
	defer func() {
		if recover() == nil {
			t.Error("unknown class accepted")
		}
	}()
	s.Handle("GET /y", func(w http.ResponseWriter, r *http.Request) error { return nil }, RateLimit("nope"))
}

func TestLimiterForgetsIdleClients(t *testing.T) {
	l := newLimiter(Limit{PerSecond: 1, Burst: 2}, 64) // 2 per shard
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 1000 {
		l.allow(fmt.Sprintf("10.0.%d.%d", i/256, i%256), now)
	}
	if n := l.size(); n > 64 {
		t.Errorf("limiter holds %d clients, want at most 64", n)
	}
	// A client idle for longer than its bucket takes to fill is forgotten by the sweep.
	l2 := newLimiter(Limit{PerSecond: 1, Burst: 2}, 1000)
	l2.allow("a", now)
	l2.allow("b", now)
	later := now.Add(sweepEvery + time.Second)
	l2.allow("c", later)
	for i := range l2.shards {
		l2.shards[i].sweep(later, l2.idle)
	}
	if n := l2.size(); n != 1 {
		t.Errorf("after sweeping, %d clients remembered, want 1 (the recent one)", n)
	}
}

func TestBodyLimit(t *testing.T) {
	s, _ := newServer(t, Config{MaxBodyBytes: 100})
	read := func(w http.ResponseWriter, r *http.Request) error {
		if _, err := io.ReadAll(r.Body); err != nil {
			return errs.Wrapf(errs.Invalid, err, "error.invalid")
		}
		return nil
	}
	s.Handle("POST /api/small", read)
	s.Handle("POST /api/big", read, MaxBody(1000))
	s.Handle("POST /form", func(w http.ResponseWriter, r *http.Request) error { return r.ParseForm() })
	for _, tc := range []struct {
		name       string
		path       string
		size       int
		chunked    bool
		wantStatus int
	}{
		{"within default", "/api/small", 100, false, 200},
		{"over default, length known", "/api/small", 101, false, 413},
		{"over default, chunked", "/api/small", 5000, true, 413},
		{"route limit", "/api/big", 1000, true, 200},
		{"over route limit", "/api/big", 1001, false, 413},
		{"form over limit", "/form", 5000, true, 413},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body io.Reader = strings.NewReader(strings.Repeat("a", tc.size))
			if tc.chunked {
				body = io.MultiReader(body) // hides the length
			}
			r := httptest.NewRequest("POST", tc.path, body)
			if tc.chunked {
				r.ContentLength = -1
			}
			if tc.path == "/form" {
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			w := serve(s, r)
			if w.Code != tc.wantStatus {
				t.Errorf("status = %d, want %d; body %s", w.Code, tc.wantStatus, w.Body)
			}
		})
	}
}

func TestHealthAndReadiness(t *testing.T) {
	var readyErr error
	s, _ := newServer(t, Config{Ready: func(ctx context.Context) error { return readyErr }})
	for _, tc := range []struct {
		name       string
		path       string
		readyErr   error
		wantStatus int
		wantBody   string
	}{
		{"healthz", "/healthz", nil, 200, "ok\n"},
		{"healthz while not ready", "/healthz", errors.New("db down"), 200, "ok\n"},
		{"ready", "/readyz", nil, 200, "ok\n"},
		{"not ready, public reason", "/readyz", errs.Wrapf(errs.Unavailable, errors.New(secret), "database not reachable"), 503, "not ready: database not reachable\n"},
		{"not ready, internal detail hidden", "/readyz", errors.New(secret), 503, "not ready\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			readyErr = tc.readyErr
			w := serve(s, httptest.NewRequest("GET", tc.path, nil))
			if w.Code != tc.wantStatus || w.Body.String() != tc.wantBody {
				t.Errorf("got %d %q, want %d %q", w.Code, w.Body, tc.wantStatus, tc.wantBody)
			}
		})
	}
}

func TestMetrics(t *testing.T) {
	s, _ := newServer(t, Config{})
	s.Handle("GET /plan/{id}", func(w http.ResponseWriter, r *http.Request) error {
		if r.PathValue("id") == "missing" {
			return errs.E(errs.NotFound, "")
		}
		return nil
	})
	s.Handle("GET /named", func(w http.ResponseWriter, r *http.Request) error { return nil }, Name("named_route"))
	for _, p := range []string{"/plan/1", "/plan/2", "/plan/missing", "/named", "/no/such/page/123"} {
		serve(s, httptest.NewRequest("GET", p, nil))
	}
	w := serve(s, httptest.NewRequest("GET", "/metrics", nil))
	if w.Code != 200 {
		t.Fatalf("/metrics: %d", w.Code)
	}
	body := w.Body.String()
	for _, want := range []string{
		`yiwang_http_requests_total{code="2xx",method="GET",route="GET /plan/{id}"} 2`,
		`yiwang_http_requests_total{code="4xx",method="GET",route="GET /plan/{id}"} 1`,
		`yiwang_http_requests_total{code="2xx",method="GET",route="named_route"} 1`,
		`yiwang_http_requests_total{code="4xx",method="GET",route="unmatched"} 1`,
		`yiwang_http_request_duration_seconds_count{code="2xx",method="GET",route="GET /plan/{id}"} 2`,
		`yiwang_http_requests_in_flight 1`, // the scrape itself
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, "/no/such/page") {
		t.Error("a raw path became a metric label")
	}
}

func TestNotFoundAndMethodNotAllowed(t *testing.T) {
	s, _ := newServer(t, Config{})
	s.Handle("GET /plan/{id}", func(w http.ResponseWriter, r *http.Request) error { return nil })
	s.Handle("PUT /plan/{id}", func(w http.ResponseWriter, r *http.Request) error { return nil })
	s.Handle("GET /dir/", func(w http.ResponseWriter, r *http.Request) error { return nil })
	for _, tc := range []struct {
		name, method, path, accept string
		wantStatus                 int
		wantKind, wantKey          string
		wantAllow, wantLocation    string
	}{
		{"unknown page", "GET", "/nope", "", 404, "not_found", "error.page_not_found", "", ""},
		{"unknown api", "GET", "/api/nope", "", 404, "not_found", "error.page_not_found", "", ""},
		{"wrong method", "DELETE", "/plan/1", "application/json", 405, "method_not_allowed", "error.method_not_allowed", "GET, HEAD, PUT", ""},
		{"wrong method page", "POST", "/plan/1", "", 405, "method_not_allowed", "error.method_not_allowed", "GET, HEAD, PUT", ""},
		{"trailing slash redirect kept", "GET", "/dir", "", 307, "", "", "", "/dir/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, tc.path, nil)
			r.Header.Set("Accept-Language", "zh-TW")
			if tc.accept != "" {
				r.Header.Set("Accept", tc.accept)
			}
			w := serve(s, r)
			if w.Code != tc.wantStatus {
				t.Fatalf("status = %d, want %d", w.Code, tc.wantStatus)
			}
			if got := w.Header().Get("Allow"); got != tc.wantAllow {
				t.Errorf("Allow = %q, want %q", got, tc.wantAllow)
			}
			if got := w.Header().Get("Location"); got != tc.wantLocation {
				t.Errorf("Location = %q, want %q", got, tc.wantLocation)
			}
			if tc.wantKey == "" {
				return
			}
			want := i18n.T(i18n.ZhHant, tc.wantKey)
			if tc.accept != "" || strings.HasPrefix(tc.path, "/api/") {
				var got errorResponse
				if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
					t.Fatalf("body %s: %v", w.Body, err)
				}
				if got.Error.Kind != tc.wantKind || got.Error.Message != want || got.Error.RequestID == "" {
					t.Errorf("body = %s", w.Body)
				}
			} else if !strings.Contains(w.Body.String(), want) {
				t.Errorf("page lacks %q: %s", want, w.Body)
			}
		})
	}
}

func TestRequestID(t *testing.T) {
	s, _ := newServer(t, Config{})
	var seen string
	s.Handle("GET /x", func(w http.ResponseWriter, r *http.Request) error {
		seen = requestid.From(r.Context())
		return nil
	})
	for _, tc := range []struct {
		incoming string
		keep     bool
	}{
		{"", false},
		{"abc-123-DEF", true},
		{strings.Repeat("a", 64), true},
		{strings.Repeat("a", 65), false},
		{"has space", false},
		{"<script>", false},
		{"id\nInjected: 1", false},
	} {
		r := httptest.NewRequest("GET", "/x", nil)
		if tc.incoming != "" {
			r.Header["X-Request-Id"] = []string{tc.incoming}
		}
		w := serve(s, r)
		got := w.Header().Get("X-Request-Id")
		if got != seen {
			t.Errorf("%q: header %q, context %q", tc.incoming, got, seen)
		}
		if tc.keep && got != tc.incoming || !tc.keep && (got == tc.incoming || !validRequestID(got)) {
			t.Errorf("incoming %q: request id %q (keep = %v)", tc.incoming, got, tc.keep)
		}
	}
}

func TestAuthenticate(t *testing.T) {
	official := principal.Principal{Kind: principal.Official, Login: "lin", OrgCode: "FJ-DSO"}
	auth := func(r *http.Request) (principal.Principal, error) {
		switch r.Header.Get("Authorization") {
		case "":
			return principal.Principal{Kind: principal.Anonymous}, nil
		case "Bearer good":
			return official, nil
		}
		return principal.Principal{}, errs.E(errs.Unauthenticated, "")
	}
	s, logs := newServer(t, Config{Authenticate: auth})
	var got principal.Principal
	s.Handle("GET /api/me", func(w http.ResponseWriter, r *http.Request) error {
		got = principal.From(r.Context())
		return nil
	})
	for _, tc := range []struct {
		token      string
		wantStatus int
		want       principal.Principal
	}{
		{"", 200, principal.Principal{Kind: principal.Anonymous}},
		{"Bearer good", 200, official},
		{"Bearer bad", 401, principal.Principal{}},
	} {
		got = principal.Principal{}
		r := httptest.NewRequest("GET", "/api/me", nil)
		if tc.token != "" {
			r.Header.Set("Authorization", tc.token)
		}
		w := serve(s, r)
		if w.Code != tc.wantStatus {
			t.Errorf("%q: status %d, want %d", tc.token, w.Code, tc.wantStatus)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%q: principal mismatch (-want +got):\n%s", tc.token, diff)
		}
		if tc.wantStatus == 401 && w.Header().Get("WWW-Authenticate") != "Bearer" {
			t.Errorf("401 without WWW-Authenticate")
		}
	}
	if !strings.Contains(logs.String(), `"actor":"official:lin"`) {
		t.Errorf("access log lacks the actor:\n%s", logs)
	}
}

// TestOwnAuthentication: a route that authenticates its callers itself gets their credentials
// untouched, even ones Config.Authenticate would refuse, and an anonymous principal.
func TestOwnAuthentication(t *testing.T) {
	calls := 0
	auth := func(r *http.Request) (principal.Principal, error) {
		calls++
		if r.Header.Get("Authorization") != "" {
			return principal.Principal{}, errs.E(errs.Unauthenticated, "error.unauthenticated")
		}
		return principal.Principal{Kind: principal.Official, Login: "lin"}, nil
	}
	s, _ := newServer(t, Config{Authenticate: auth})
	var got principal.Principal
	var gotAuth string
	s.Handle("POST /oauth/token", func(w http.ResponseWriter, r *http.Request) error {
		got, gotAuth = principal.From(r.Context()), r.Header.Get("Authorization")
		return nil
	}, OwnAuthentication())
	s.Handle("POST /api/things", func(w http.ResponseWriter, r *http.Request) error { return nil })

	r := httptest.NewRequest("POST", "/oauth/token", strings.NewReader("grant_type=client_credentials"))
	r.SetBasicAuth("app", "secret")
	if w := serve(s, r); w.Code != 200 {
		t.Fatalf("own-authentication route: status %d, want 200", w.Code)
	}
	if calls != 0 {
		t.Errorf("Authenticate ran %d times for a route that authenticates its callers itself", calls)
	}
	if got.Kind != principal.Anonymous || gotAuth == "" {
		t.Errorf("handler saw principal %+v and Authorization %q; want anonymous and the header untouched", got, gotAuth)
	}
	// Other routes are still authenticated.
	r = httptest.NewRequest("POST", "/api/things", nil)
	r.SetBasicAuth("app", "secret")
	if w := serve(s, r); w.Code != 401 {
		t.Errorf("ordinary route with a refused credential: status %d, want 401", w.Code)
	}
	// Cross-origin protection still applies.
	r = httptest.NewRequest("POST", "/oauth/token", nil)
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	if w := serve(s, r); w.Code != 403 {
		t.Errorf("cross-site POST to an own-authentication route: status %d, want 403", w.Code)
	}
}

func TestAccessLog(t *testing.T) {
	s, logs := newServer(t, Config{})
	s.Handle("GET /search", func(w http.ResponseWriter, r *http.Request) error {
		_, _ = io.WriteString(w, "results")
		return nil
	})
	r := httptest.NewRequest("GET", "/search?q=350102199001011234&name=%E5%BC%A0%E4%B8%89", nil)
	r.Header.Set("Authorization", "Bearer sekrit-token")
	r.Header.Set("Cookie", "session=sekrit-cookie")
	r.Header.Set("X-Request-Id", "log-1")
	r.RemoteAddr = "198.51.100.7:5555"
	serve(s, r)
	var entry map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err == nil && m["msg"] == "http request" {
			entry = m
		}
	}
	if entry == nil {
		t.Fatalf("no access log line:\n%s", logs)
	}
	delete(entry, "time")
	delete(entry, "duration")
	want := map[string]any{
		"level": "INFO", "msg": "http request", "method": "GET", "route": "GET /search", "path": "/search",
		"status": 200.0, "bytes": 7.0, "request_id": "log-1", "client_ip": "198.51.100.7",
	}
	if diff := cmp.Diff(want, entry); diff != "" {
		t.Errorf("access log mismatch (-want +got):\n%s", diff)
	}
	for _, leak := range []string{"350102", "sekrit", "%E5"} {
		if strings.Contains(logs.String(), leak) {
			t.Errorf("log contains %q:\n%s", leak, logs)
		}
	}
}

func TestClientIP(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8:ffff::/48")}
	for _, tc := range []struct {
		name    string
		trusted []netip.Prefix
		remote  string
		xff     []string
		want    string
	}{
		{"no proxies: peer", nil, "203.0.113.5:1234", []string{"1.2.3.4"}, "203.0.113.5"},
		{"untrusted peer: xff ignored", proxies, "203.0.113.5:1234", []string{"1.2.3.4"}, "203.0.113.5"},
		{"trusted peer, one hop", proxies, "10.0.0.1:1234", []string{"198.51.100.9"}, "198.51.100.9"},
		{"spoofed left entries ignored", proxies, "10.0.0.1:1234", []string{"6.6.6.6, 198.51.100.9"}, "198.51.100.9"},
		{"chain of trusted proxies", proxies, "10.0.0.1:1234", []string{"198.51.100.9, 10.0.0.2", "10.0.0.3"}, "198.51.100.9"},
		{"all trusted: leftmost", proxies, "10.0.0.1:1234", []string{"10.0.0.9"}, "10.0.0.9"},
		{"trusted peer, no xff", proxies, "10.0.0.1:1234", nil, "10.0.0.1"},
		{"garbage entry stops the walk", proxies, "10.0.0.1:1234", []string{"198.51.100.9, junk, 10.0.0.2"}, "10.0.0.2"},
		{"ipv6 peer", proxies, "[2001:db8:ffff::1]:443", []string{"[2001:db8:1::5]:999"}, "2001:db8:1::5"},
		{"mapped ipv4", nil, "[::ffff:192.0.2.1]:1", nil, "192.0.2.1"},
		{"unparsable remote", nil, "pipe", nil, "pipe"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newServer(t, Config{TrustedProxies: tc.trusted})
			var got string
			s.Handle("GET /ip", func(w http.ResponseWriter, r *http.Request) error {
				got = ClientIP(r)
				return nil
			})
			r := httptest.NewRequest("GET", "/ip", nil)
			r.RemoteAddr = tc.remote
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			serve(s, r)
			if got != tc.want {
				t.Errorf("ClientIP = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRoutes(t *testing.T) {
	s, _ := newServer(t, Config{})
	s.Handle("GET /plan/{id}", func(w http.ResponseWriter, r *http.Request) error { return nil })
	s.HandleHTTP("GET /static/", http.FileServerFS(nil))
	want := []string{"GET /healthz", "GET /readyz", "GET /metrics", "GET /plan/{id}", "GET /static/"}
	if diff := cmp.Diff(want, s.Routes()); diff != "" {
		t.Errorf("Routes mismatch (-want +got):\n%s", diff)
	}
}

func TestSharedRegistry(t *testing.T) {
	s1, _ := newServer(t, Config{})
	if _, err := New(Config{Registry: s1.Registry()}); err != nil {
		t.Errorf("second server on the same registry: %v", err)
	}
}

func TestEveryKindHasAMessage(t *testing.T) {
	for _, k := range []errs.Kind{errs.Invalid, errs.NotFound, errs.Conflict, errs.Unauthenticated,
		errs.Forbidden, errs.TooMany, errs.TooLarge, errs.Unavailable, errs.Internal, kindMethodNotAllowed, ""} {
		if key := defaultMessage(k); !i18n.Has(key) {
			t.Errorf("kind %q: default message %q is not an i18n key", k, key)
		}
	}
}

func TestStaticFilesAndStreaming(t *testing.T) {
	s, _ := newServer(t, Config{})
	s.HandleHTTP("GET /static/", http.StripPrefix("/static/", http.FileServerFS(fstest.MapFS{
		"app.css": {Data: []byte("body{}")},
	})))
	s.Handle("GET /stream", func(w http.ResponseWriter, r *http.Request) error {
		_, _ = io.WriteString(w, "a")
		w.(http.Flusher).Flush()
		return http.NewResponseController(w).Flush() // reaches the recorder's writer through Unwrap
	})
	w := serve(s, httptest.NewRequest("GET", "/static/app.css", nil))
	if w.Code != 200 || w.Body.String() != "body{}" || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/css") {
		t.Errorf("static file: %d %q %q", w.Code, w.Body, w.Header().Get("Content-Type"))
	}
	w = serve(s, httptest.NewRequest("GET", "/stream", nil))
	if w.Code != 200 || w.Body.String() != "a" || !w.Flushed {
		t.Errorf("stream: %d %q flushed=%v", w.Code, w.Body, w.Flushed)
	}
}

func TestClientWentAway(t *testing.T) {
	s, logs := newServer(t, Config{})
	s.Handle("GET /x", func(w http.ResponseWriter, r *http.Request) error { return r.Context().Err() })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	serve(s, httptest.NewRequest("GET", "/x", nil).WithContext(ctx))
	if strings.Contains(logs.String(), `"level":"ERROR"`) || strings.Contains(logs.String(), `"level":"WARN"`) {
		t.Errorf("a client going away was logged as a problem:\n%s", logs)
	}
}

// manyFields is an invalid input naming several fields, as *formschema.Errors is.
type manyFields []*errs.Error

func (m manyFields) Error() string              { return "several fields are wrong" }
func (m manyFields) Unwrap() error              { return m[0] }
func (m manyFields) FieldErrors() []*errs.Error { return m }

func TestWriteErrorListsEveryField(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		fields []string // the fields listed, in order; nil when none
	}{
		{"several", manyFields{errs.Field("mobile", "error.invalid"), errs.Field("id_number", "error.required")}, []string{"mobile", "id_number"}},
		{"wrapped", fmt.Errorf("cases.Apply: %w", manyFields{errs.Field("seats", "error.invalid")}), []string{"seats"}},
		{"one field only", errs.Field("email", "error.invalid"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newServer(t, Config{})
			s.Handle("POST /api/x", func(w http.ResponseWriter, r *http.Request) error { return tc.err })
			w := serve(s, httptest.NewRequest("POST", "/api/x?lang=en", nil))
			var body struct {
				Error struct {
					Field  string `json:"field"`
					Fields []struct {
						Field   string `json:"field"`
						Message string `json:"message"`
					} `json:"fields"`
				} `json:"error"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || w.Code != 400 {
				t.Fatalf("%d %s (%v)", w.Code, w.Body, err)
			}
			var got []string
			for _, f := range body.Error.Fields {
				if f.Message == "" || strings.HasPrefix(f.Message, "error.") {
					t.Errorf("field %s: message %q is not translated", f.Field, f.Message)
				}
				got = append(got, f.Field)
			}
			if !slices.Equal(got, tc.fields) {
				t.Errorf("fields %v, want %v", got, tc.fields)
			}
			if tc.fields != nil && body.Error.Field != tc.fields[0] {
				t.Errorf("field %q, want the first, %q", body.Error.Field, tc.fields[0])
			}
		})
	}
}

// TestKindOf: every kind a status says comes back from that status; any other status is Internal.
func TestKindOf(t *testing.T) {
	for _, k := range publicKinds {
		if got := KindOf(Status(k)); got != k {
			t.Errorf("KindOf(Status(%s)) = %s", k, got)
		}
	}
	for _, status := range []int{http.StatusInternalServerError, http.StatusTeapot, http.StatusMethodNotAllowed, 0} {
		if got := KindOf(status); got != errs.Internal {
			t.Errorf("KindOf(%d) = %s, want internal", status, got)
		}
	}
}
