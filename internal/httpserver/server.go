// Package httpserver is Yiwang's HTTP foundation: one route table, request ids, logs, panic
// recovery, security headers, cross-origin protection, rate limits, metrics, health checks,
// graceful shutdown, and the one place where errors become HTTP responses.
//
// Handlers return errors (HandlerFunc); WriteError turns them into a status code and a
// translated message, as JSON for API clients and through Config.ErrorPage for browsers. Routes
// are registered in one table with Go's method patterns:
//
//	s.Handle("GET /plan/{id}", pages.plan)
//	s.Handle("POST /login", pages.login, httpserver.RateLimit("login"))
//	s.Handle("POST /api/v1/uploads", api.upload, httpserver.RateLimit("api"), httpserver.MaxBody(32<<20))
//
// The middleware order, outermost first, is written down on Server.Handler.
package httpserver

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// HandlerFunc serves a request and returns an error instead of writing one: the server writes
// it (WriteError). A handler that has already started its response should not return an error
// it expects the client to see; the server can then only log it.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Limit is the rate allowed to one client in one rate-limit class: a sustained number of
// requests per second and a burst above it. The zero Limit means no limit.
type Limit struct {
	PerSecond float64
	Burst     int
}

// The rate-limit classes Yiwang uses. Routes without a RateLimit option are in ClassPublic.
const (
	ClassLogin  = "login"  // sign-in, password reset, verification codes: slow by design
	ClassAPI    = "api"    // the JSON API
	ClassPublic = "public" // pages and static files
	// ClassVerify: public uploads that cost real work — verifying a signature over a document
	// of up to 20 MB — kept apart from sign-in so that checking documents never delays a login.
	ClassVerify = "verify"
)

// DefaultRateLimits returns the default limits per client IP of each class.
func DefaultRateLimits() map[string]Limit {
	return map[string]Limit{
		ClassLogin:  {PerSecond: 5.0 / 60, Burst: 5},
		ClassAPI:    {PerSecond: 20, Burst: 40},
		ClassPublic: {PerSecond: 50, Burst: 100},
		ClassVerify: {PerSecond: 1, Burst: 20},
	}
}

// Defaults of Config.
const (
	DefaultMaxBodyBytes    = 1 << 20
	DefaultShutdownTimeout = 10 * time.Second
	DefaultMaxClients      = 100_000
)

// Config configures a Server. The zero Config is usable.
type Config struct {
	// Logger receives the access log and server errors; slog.Default() when nil.
	Logger *slog.Logger

	// TLS says that clients reach the server over TLS even though the server itself speaks
	// plain HTTP (a TLS-terminating proxy in front). Requests with r.TLS set count as TLS
	// anyway. TLS requests get Strict-Transport-Security.
	TLS bool

	// Ready reports whether the server can serve (database reachable, migrations applied…) for
	// GET /readyz. Its error's public message (errs.Error.Message) is shown to the prober;
	// other detail is only logged. Nil means always ready.
	Ready func(ctx context.Context) error

	// Authenticate says who is asking, from the session cookie or bearer token; its principal
	// is put in the request context (principal.With). It should return the anonymous
	// principal and no error when the request carries no credentials, and an error (usually
	// errs.Unauthenticated, or errs.Unavailable when the session store is down) only when
	// credentials are present but cannot be accepted. It runs after the rate limit, so a flood
	// of requests does not reach the session store. Nil leaves every request anonymous.
	Authenticate func(r *http.Request) (principal.Principal, error)

	// ErrorPage writes the HTML error page for a browser: it must write status and should
	// show e.Message translated (it is an i18n key or a sentence) and the request id
	// (requestid.From(r.Context())). e never carries internal detail; its Message is never
	// empty; its Kind is one of errs' kinds or "method_not_allowed" (405). Nil writes a
	// minimal page.
	ErrorPage func(w http.ResponseWriter, r *http.Request, status int, e *errs.Error)

	// MaxBodyBytes bounds request bodies of routes without a MaxBody option;
	// DefaultMaxBodyBytes when zero.
	MaxBodyBytes int64

	// RateLimits overrides or adds rate-limit classes over DefaultRateLimits. A class set to
	// the zero Limit is not limited.
	RateLimits map[string]Limit

	// MaxClients bounds how many clients each rate-limit class remembers;
	// DefaultMaxClients when zero. Idle clients are forgotten once their allowance is full
	// again; past the bound, arbitrary clients are forgotten, which only ever gives them a
	// fresh burst.
	MaxClients int

	// TrustedProxies lists the reverse proxies (addresses or CIDR prefixes) whose
	// X-Forwarded-For header is believed. See ClientIP.
	TrustedProxies []netip.Prefix

	// TrustedOrigins lists origins ("https://app.example.gov.cn") whose browser pages may send
	// unsafe cross-origin requests (POST, PUT, DELETE…) to this server. Empty by default.
	TrustedOrigins []string

	// Registry receives the HTTP metrics and is served at GET /metrics. When nil the server
	// makes one with the Go runtime and process collectors.
	Registry *prometheus.Registry

	// ShutdownTimeout bounds how long Run waits for in-flight requests after its context is
	// cancelled; DefaultShutdownTimeout when zero.
	ShutdownTimeout time.Duration
}

// Server is Yiwang's HTTP server. Register routes with Handle and HandleHTTP, then Run it or
// mount Handler.
type Server struct {
	cfg     Config
	log     *slog.Logger
	mux     *http.ServeMux
	routes  []string
	cop     *http.CrossOriginProtection
	limits  map[string]*limiter // by class; a class with no limit has none
	classes map[string]struct{} // every known class, limited or not
	metrics *metrics
	reg     *prometheus.Registry
	handler http.Handler
	now     func() time.Time // for tests of the rate limiter
}

// New returns a Server with the built-in routes GET /healthz, GET /readyz and GET /metrics.
// It fails on a malformed trusted origin or rate limit.
func New(cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.MaxClients <= 0 {
		cfg.MaxClients = DefaultMaxClients
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = DefaultShutdownTimeout
	}
	s := &Server{
		cfg: cfg,
		log: cfg.Logger,
		mux: http.NewServeMux(),
		cop: http.NewCrossOriginProtection(),
		now: time.Now,
	}
	for _, o := range cfg.TrustedOrigins {
		if err := s.cop.AddTrustedOrigin(o); err != nil {
			return nil, fmt.Errorf("httpserver: trusted origin: %w", err)
		}
	}
	limits := DefaultRateLimits()
	for class, l := range cfg.RateLimits {
		if l.PerSecond < 0 || l.Burst < 0 || (l.PerSecond > 0) != (l.Burst > 0) {
			return nil, fmt.Errorf("httpserver: rate limit %q: want a positive rate and burst, or neither (got %+v)", class, l)
		}
		limits[class] = l
	}
	s.limits = make(map[string]*limiter, len(limits))
	s.classes = make(map[string]struct{}, len(limits))
	for class, l := range limits {
		s.classes[class] = struct{}{}
		if l != (Limit{}) {
			s.limits[class] = newLimiter(l, cfg.MaxClients)
		}
	}
	s.reg = cfg.Registry
	if s.reg == nil {
		s.reg = prometheus.NewRegistry()
		s.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	m, err := newMetrics(s.reg)
	if err != nil {
		return nil, fmt.Errorf("httpserver: metrics: %w", err)
	}
	s.metrics = m
	s.handler = s.stack()

	// Probes and scrapes are neither rate limited nor authenticated, and log at debug level.
	// /metrics is not secret but not for the public either: expose only the page routes at
	// the edge proxy.
	builtin := []RouteOption{RateLimit(""), func(r *route) { r.builtin = true }}
	s.Handle("GET /healthz", s.healthz, builtin...)
	s.Handle("GET /readyz", s.readyz, builtin...)
	s.HandleHTTP("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelError),
	}), builtin...)
	return s, nil
}

// route is one entry of the route table.
type route struct {
	pattern string
	name    string // metrics label; the pattern unless Name is given
	class   string // rate-limit class; "" for none
	maxBody int64
	builtin bool
	ownAuth bool // the handler authenticates its callers itself
	h       HandlerFunc
	hh      http.Handler
}

// A RouteOption adjusts one route.
type RouteOption func(*route)

// RateLimit puts the route in a rate-limit class ("login", "api", "public" or one added in
// Config.RateLimits); "" exempts it. Routes are in "public" by default. Handle panics on an
// unknown class.
func RateLimit(class string) RouteOption { return func(r *route) { r.class = class } }

// MaxBody bounds the route's request body to n bytes instead of Config.MaxBodyBytes.
func MaxBody(n int64) RouteOption { return func(r *route) { r.maxBody = n } }

// Name sets the route's label in metrics, instead of its pattern.
func Name(name string) RouteOption { return func(r *route) { r.name = name } }

// OwnAuthentication marks a route whose handler authenticates its callers itself — an OAuth
// token endpoint checks client secrets in the Authorization header, its userinfo endpoint its
// own access tokens — so Config.Authenticate is not run for it and its principal is anonymous.
// Without it, a credential that Authenticate does not know would be refused before the handler
// could check it. Cross-origin protection, rate limits and body limits still apply.
func OwnAuthentication() RouteOption { return func(r *route) { r.ownAuth = true } }

// Handle registers h for pattern, a Go method pattern such as "GET /plan/{id}". It panics,
// as http.ServeMux does, on a malformed or conflicting pattern, and on a bad option.
func (s *Server) Handle(pattern string, h HandlerFunc, opts ...RouteOption) {
	s.add(&route{pattern: pattern, h: h}, opts)
}

// HandleHTTP registers a plain http.Handler (static files, adapters) for pattern.
func (s *Server) HandleHTTP(pattern string, h http.Handler, opts ...RouteOption) {
	s.add(&route{pattern: pattern, hh: h}, opts)
}

func (s *Server) add(rt *route, opts []RouteOption) {
	rt.name, rt.class, rt.maxBody = rt.pattern, ClassPublic, s.cfg.MaxBodyBytes
	for _, o := range opts {
		o(rt)
	}
	if _, known := s.classes[rt.class]; !known && rt.class != "" {
		panic(fmt.Sprintf("httpserver: route %q: unknown rate-limit class %q", rt.pattern, rt.class))
	}
	if rt.maxBody <= 0 {
		panic(fmt.Sprintf("httpserver: route %q: MaxBody must be positive", rt.pattern))
	}
	s.mux.Handle(rt.pattern, s.routeHandler(rt))
	s.routes = append(s.routes, rt.pattern)
}

// Routes returns the registered patterns in registration order, built-in routes first.
func (s *Server) Routes() []string { return slices.Clone(s.routes) }

// Registry returns the registry that holds the server's metrics and is served at /metrics, so
// other packages can register theirs.
func (s *Server) Registry() *prometheus.Registry { return s.reg }

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("ok\n"))
	return nil
}

// readyTimeout bounds a readiness check, so a hung database fails the probe instead of hanging
// it.
const readyTimeout = 5 * time.Second

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if s.cfg.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		if err := s.cfg.Ready(ctx); err != nil {
			s.log.LogAttrs(r.Context(), slog.LevelWarn, "not ready", slog.String("err", err.Error()))
			reason := "not ready"
			if e := errs.Public(err); e.Kind != errs.Internal && e.Message != "" {
				reason += ": " + e.Message
			}
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(reason + "\n"))
			return nil
		}
	}
	_, _ = w.Write([]byte("ok\n"))
	return nil
}
