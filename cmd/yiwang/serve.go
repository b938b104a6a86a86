package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/yiwang-platform/yiwang/internal/api"
	"github.com/yiwang-platform/yiwang/internal/calendar"
	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/events"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/plan"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/web"
)

// app is the wired platform: one store, the domain services, the event dispatcher and the
// HTTP server.
type app struct {
	db         *store.DB
	plan       *plan.Service
	calendar   *calendar.Calendar
	dispatcher *events.Dispatcher
	nats       *events.NATSPublisher
	server     *httpserver.Server
	logger     *slog.Logger
}

// newApp opens and migrates the store and wires every module.
func newApp(ctx context.Context, o *options, logger *slog.Logger, isDemo bool) (_ *app, err error) {
	db, err := openMigrated(ctx, o, logger)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			db.Close()
		}
	}()
	cal, err := calendar.Load(ctx, db)
	if err != nil {
		return nil, err
	}
	a := &app{db: db, calendar: cal, plan: plan.New(db, cal), logger: logger}
	a.dispatcher = events.NewDispatcher(db, events.Options{Logger: logger})
	if o.NATSURL != "" {
		if a.nats, err = events.NewNATSPublisher(ctx, o.NATSURL, events.WithNATSLogger(logger)); err != nil {
			return nil, fmt.Errorf("NATS at %s: %w", o.NATSURL, err)
		}
		a.nats.Attach(a.dispatcher)
	}
	site, err := web.New(web.Config{DB: db, Plan: a.plan, Logger: logger, Secure: o.Production, Demo: isDemo})
	if err != nil {
		return nil, err
	}
	srv, err := httpserver.New(httpserver.Config{
		Logger:       logger,
		TLS:          o.Production,
		Ready:        db.Ready,
		Authenticate: site.Authenticate,
		ErrorPage:    site.ErrorPage,
	})
	if err != nil {
		return nil, err
	}
	site.Install(srv)
	api.New(api.Config{DB: db, Plan: a.plan, Version: version()}).Install(srv)
	a.server = srv
	return a, nil
}

func (a *app) close() {
	if a.nats != nil {
		a.nats.Close()
	}
	a.db.Close()
}

// run serves until ctx ends; onListening gets the URL once the server accepts connections.
func (a *app) run(ctx context.Context, addr string, onListening func(url string)) error {
	if err := a.dispatcher.Register(ctx); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := a.dispatcher.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			a.logger.Error("event dispatcher stopped", "err", err)
		}
	}()
	err := a.server.Run(ctx, addr, onListening)
	cancel()
	wg.Wait()
	return err
}

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer, isDemo bool) error {
	name, synopsis := "serve", "serve [--data DIR | --database-url URL] [--addr HOST:PORT]"
	if isDemo {
		name, synopsis = "demo", "demo [--data DIR | --database-url URL] [--addr HOST:PORT]"
	}
	var o options
	fs := newFlagSet(name, synopsis, stderr)
	commonFlags(fs, &o)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("%s takes no arguments (got %q)", name, fs.Args())}
	}
	if err := resolve(fs, &o); err != nil {
		return usageError{err.Error()}
	}
	if isDemo && o.Production {
		return errors.New("demo data is refused in production mode (YIWANG_PRODUCTION=true); use yiwang serve")
	}
	logger := o.logger(stderr)
	start := time.Now()
	a, err := newApp(ctx, &o, logger, isDemo)
	if err != nil {
		return err
	}
	defer a.close()
	if isDemo {
		res, err := demo.Seed(ctx, a.db, a.calendar)
		if err != nil {
			return err
		}
		logger.Info("demo data seeded", "organisations_changed", res.Organisations, "new_accounts", res.NewAccounts,
			"plan_created", res.Plan.Created, "reports", res.Reports)
	}
	return a.run(ctx, o.Addr, func(url string) {
		if !isDemo {
			fmt.Fprintf(stdout, "Yiwang is serving at %s (store: %s, ready in %s)\n", url, a.db, time.Since(start).Round(time.Millisecond))
			return
		}
		fmt.Fprintf(stdout, "Yiwang demo is ready at %s  (store: %s, ready in %s)\n\n", url, a.db, time.Since(start).Round(time.Millisecond))
		fmt.Fprintf(stdout, "Demo accounts (password for all: %s):\n", demo.Password)
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		for _, acc := range demo.Accounts {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", acc.Login, acc.Name, acc.Purpose)
		}
		tw.Flush()
		fmt.Fprintf(stdout, "\nPages: %s/plan  %s/plan/dashboard  %s/plan/worklist   API: %s/api/openapi.json\n", url, url, url, url)
		fmt.Fprintln(stdout, "Press Ctrl+C to stop.")
	})
}
