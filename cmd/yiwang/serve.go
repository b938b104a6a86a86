package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/yiwang-platform/yiwang/internal/app"
	"github.com/yiwang-platform/yiwang/internal/demo"
)

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer, isDemo bool) error {
	name, synopsis := "serve", "serve [--data DIR | --database-url URL] [--addr HOST:PORT]"
	if isDemo {
		name, synopsis = "demo", "demo [--data DIR | --database-url URL] [--addr HOST:PORT]"
	}
	var o options
	fs := newFlagSet(name, synopsis, stderr)
	commonFlags(fs, &o)
	if err := parseFlags(fs, args); err != nil {
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
	db, err := openMigrated(ctx, &o, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	a, err := app.New(ctx, app.Config{DB: db, Logger: logger, NATSURL: o.NATSURL, Production: o.Production, Demo: isDemo, Version: version()})
	if err != nil {
		return err
	}
	defer a.Close()
	if res := a.DemoResult; res != nil {
		logger.Info("demo data seeded", "organisations_changed", res.Organisations, "new_accounts", res.NewAccounts,
			"plan_created", res.Plan.Created, "reports", res.Reports)
	}
	return a.Run(ctx, o.Addr, func(url string) {
		if !isDemo {
			fmt.Fprintf(stdout, "Yiwang is serving at %s (store: %s, ready in %s)\n", url, db, time.Since(start).Round(time.Millisecond))
			return
		}
		fmt.Fprintf(stdout, "Yiwang demo is ready at %s  (store: %s, ready in %s)\n\n", url, db, time.Since(start).Round(time.Millisecond))
		fmt.Fprintf(stdout, "Demo accounts (password for all: %s):\n", demo.Password)
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		for _, acc := range demo.Accounts {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", acc.Login, acc.Name, acc.Purpose)
		}
		for _, r := range demo.Residents {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", r.Phone, r.Name, r.Purpose)
		}
		tw.Flush()
		fmt.Fprintf(stdout, "Residents sign in with their phone number; one-time codes appear at %s/dev/outbox.\n", url)
		if res := a.DemoResult; res != nil && len(res.Apps) > 0 {
			fmt.Fprintf(stdout, "\nDemo apps (OpenID Connect issuer %s/oidc; secrets are new on every start):\n", url)
			tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
			for _, app := range res.Apps {
				secret := app.Secret
				if secret == "" {
					secret = "(public client: PKCE, loopback redirect on any port)"
				}
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", app.ClientID, app.Type, secret, app.Name)
			}
			tw.Flush()
		}
		fmt.Fprintf(stdout, "\nPages: %s/plan  %s/plan/dashboard  %s/plan/worklist   API: %s/api/openapi.json\n", url, url, url, url)
		fmt.Fprintln(stdout, "Press Ctrl+C to stop.")
	})
}
