package httpserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Timeouts of the http.Server that Run and Serve use. Slow clients cannot hold a connection
// open by trickling headers (ReadHeaderTimeout) or a body (ReadTimeout). A handler that
// legitimately needs longer — a large upload, a CSV export streamed at disk speed — extends its
// own deadline with http.ResponseController.SetReadDeadline / SetWriteDeadline.
const (
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = 2 * time.Minute
	WriteTimeout      = 2 * time.Minute
	IdleTimeout       = 2 * time.Minute
	MaxHeaderBytes    = 64 << 10
)

// Run listens on addr (":8080", or "127.0.0.1:0" for any free port), calls onListening with
// the server's URL once it accepts connections, and serves until ctx is cancelled. Then it
// stops accepting, waits up to Config.ShutdownTimeout for requests in flight, and returns nil
// once they are done.
func (s *Server) Run(ctx context.Context, addr string, onListening func(url string)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("httpserver: %w", err)
	}
	return s.Serve(ctx, ln, onListening)
}

// Serve is Run on a listener of the caller's; it closes ln.
func (s *Server) Serve(ctx context.Context, ln net.Listener, onListening func(url string)) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	url := listenURL(ln.Addr())
	s.log.Info("listening", slog.String("url", url))
	if onListening != nil {
		onListening(url)
	}

	select {
	case err := <-errc:
		return fmt.Errorf("httpserver: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down", slog.Duration("grace", s.cfg.ShutdownTimeout))
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		_ = srv.Close()
		err = fmt.Errorf("httpserver: shutdown: requests still in flight after %s: %w", s.cfg.ShutdownTimeout, err)
	}
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = fmt.Errorf("httpserver: %w", serr)
	}
	return err
}

// listenURL is the URL a client on this machine uses to reach a listener's address: an
// unspecified address (":0", "0.0.0.0") is reached through loopback.
func listenURL(a net.Addr) string {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return "http://" + a.String()
	}
	host := ta.IP
	switch {
	case host == nil || host.IsUnspecified() && host.To4() != nil:
		host = net.IPv4(127, 0, 0, 1)
	case host.IsUnspecified():
		// "[::]" on a dual-stack socket, which ":0" gives: IPv4 loopback works either way
		// on Linux, and every client resolves it.
		host = net.IPv4(127, 0, 0, 1)
	}
	return "http://" + net.JoinHostPort(host.String(), fmt.Sprint(ta.Port))
}
