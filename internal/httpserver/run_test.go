package httpserver

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestRunGracefulShutdown(t *testing.T) {
	s, logs := newServer(t, Config{ShutdownTimeout: 5 * time.Second})
	started := make(chan struct{})
	release := make(chan struct{})
	s.Handle("GET /slow", func(w http.ResponseWriter, r *http.Request) error {
		close(started)
		<-release
		_, _ = io.WriteString(w, "finished")
		return nil
	})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	urls := make(chan string, 1)
	runErr := make(chan error, 1)
	go func() { runErr <- s.Run(ctx, "127.0.0.1:0", func(url string) { urls <- url }) }()
	var url string
	select {
	case url = <-urls:
	case err := <-runErr:
		t.Fatalf("Run: %v", err)
	}
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("url = %q", url)
	}

	resp, err := http.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("/healthz: %d", resp.StatusCode)
	}

	type result struct {
		body string
		err  error
	}
	slow := make(chan result, 1)
	go func() {
		resp, err := http.Get(url + "/slow")
		if err != nil {
			slow <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		slow <- result{string(b), err}
	}()
	<-started
	cancel() // shut down while /slow is in flight

	// New connections are refused soon after, while the slow request is still running.
	deadline := time.Now().Add(2 * time.Second)
	for {
		c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		resp, err := c.Get(url + "/healthz")
		if err != nil {
			break
		}
		_ = resp.Body.Close()
		if time.Now().After(deadline) {
			t.Fatal("server still accepts connections after shutdown began")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-runErr:
		t.Fatalf("Run returned %v before the in-flight request finished", err)
	default:
	}

	close(release)
	if r := <-slow; r.err != nil || r.body != "finished" {
		t.Errorf("in-flight request: %q, %v", r.body, r.err)
	}
	select {
	case err := <-runErr:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after the last request finished")
	}
	if !strings.Contains(logs.String(), "shutting down") {
		t.Errorf("logs:\n%s", logs)
	}
}

func TestRunShutdownTimeout(t *testing.T) {
	s, _ := newServer(t, Config{ShutdownTimeout: 100 * time.Millisecond})
	started := make(chan struct{})
	s.Handle("GET /stuck", func(w http.ResponseWriter, r *http.Request) error {
		close(started)
		<-r.Context().Done() // released when the server finally closes the connection
		return nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	urls := make(chan string, 1)
	runErr := make(chan error, 1)
	go func() { runErr <- s.Run(ctx, "127.0.0.1:0", func(url string) { urls <- url }) }()
	url := <-urls
	go func() {
		if resp, err := http.Get(url + "/stuck"); err == nil {
			_ = resp.Body.Close()
		}
	}()
	<-started
	cancel()
	select {
	case err := <-runErr:
		if err == nil || !strings.Contains(err.Error(), "still in flight") {
			t.Errorf("Run = %v, want a shutdown timeout", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not give up after ShutdownTimeout")
	}
}

func TestRunBadAddress(t *testing.T) {
	s, _ := newServer(t, Config{})
	if err := s.Run(context.Background(), "256.0.0.1:bad", nil); err == nil {
		t.Error("Run on a bad address succeeded")
	}
}

// BenchmarkMiddlewareStack measures a trivial handler through the whole stack against the same
// handler served bare, as a baseline for later performance work.
func BenchmarkMiddlewareStack(b *testing.B) {
	hello := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "hello")
	}
	newReq := func() *http.Request {
		r := httptest.NewRequest("GET", "/plan/42", nil)
		r.Header.Set("Accept-Language", "zh-CN,zh;q=0.9")
		return r
	}
	b.Run("bare", func(b *testing.B) {
		mux := http.NewServeMux()
		mux.HandleFunc("GET /plan/{id}", hello)
		r := newReq()
		b.ReportAllocs()
		for b.Loop() {
			mux.ServeHTTP(discard{h: http.Header{}}, r)
		}
	})
	b.Run("stack", func(b *testing.B) {
		s, _ := newServer(b, Config{Logger: discardLogger(), RateLimits: map[string]Limit{ClassPublic: {PerSecond: 1e9, Burst: 1e9}}})
		s.Handle("GET /plan/{id}", func(w http.ResponseWriter, r *http.Request) error { hello(w, r); return nil })
		h := s.Handler()
		r := newReq()
		b.ReportAllocs()
		for b.Loop() {
			h.ServeHTTP(discard{h: http.Header{}}, r)
		}
	})
	b.Run("stack-parallel", func(b *testing.B) {
		s, _ := newServer(b, Config{Logger: discardLogger(), RateLimits: map[string]Limit{ClassPublic: {PerSecond: 1e9, Burst: 1e9}}})
		s.Handle("GET /plan/{id}", func(w http.ResponseWriter, r *http.Request) error { hello(w, r); return nil })
		h := s.Handler()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			r := newReq()
			for pb.Next() {
				h.ServeHTTP(discard{h: http.Header{}}, r)
			}
		})
	})
}

// discard is a ResponseWriter that keeps nothing but a header map.
type discard struct{ h http.Header }

func (d discard) Header() http.Header         { return d.h }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
