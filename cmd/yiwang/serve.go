package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/yiwang-platform/yiwang/internal/app"
	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/oidc"
)

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer, isDemo bool) error {
	name, synopsis := "serve", "serve [--data DIR | --database-url URL] [--addr HOST:PORT] [--node CODE] [--node-name NAME]"
	if isDemo {
		name, synopsis = "demo", "demo [--data DIR | --database-url URL] [--addr HOST:PORT] [--node CODE] [--node-name NAME]"
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
	secret, err := oidcSecret(&o)
	if err != nil {
		return err
	}
	master, err := masterKey(&o, logger)
	if err != nil {
		return err
	}
	witnesses, err := parseWitnessPeers(o.LedgerWitnesses)
	if err != nil {
		return usageError{err.Error()}
	}
	witnessed, err := parseWitnessedLogs(o.LedgerWitnessed)
	if err != nil {
		return usageError{err.Error()}
	}
	a, err := app.New(ctx, app.Config{DB: db, Logger: logger, NATSURL: o.NATSURL, Production: o.Production, Demo: isDemo,
		Version: version(), PublicURL: o.PublicURL, OIDCSecret: secret, MasterKey: master,
		Witnesses: witnesses, WitnessedLogs: witnessed, Node: o.Node, NodeName: o.NodeName})
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
		for _, acc := range demo.HallAccounts() {
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
		fmt.Fprintf(stdout, "\nPages: %s/plan  %s/plan/dashboard  %s/login  %s/register  %s/account  %s/apps\n", url, url, url, url, url, url)
		fmt.Fprintf(stdout, "API: %s/api/openapi.json   Single sign-on: %s/oidc/.well-known/openid-configuration\n", url, url)
		fmt.Fprintf(stdout, "Seals and signatures: %s/seals  %s/sign (scj.sealer)  %s/verify (anyone)   Time stamps: POST %s/tsa\n", url, url, url, url)
		fmt.Fprintf(stdout, "Service hall: %s/services (search, guides, apply)  %s/my/cases  %s/work/cases (officials)  %s/lookup  %s/kiosk  %s/pay  %s/ratings/stats\n",
			url, url, url, url, url, url, url)
		fmt.Fprintf(stdout, "Licences: %s/my/licenses (wallet)  %s/licenses/verify (anyone)  %s/work/licenses (fzscj.approver)  %s/licenses/types  status %s/api/v1/licenses/status\n",
			url, url, url, url, url)
		fmt.Fprintf(stdout, "Ledger: %s/ledger  checkpoint %s/ledger/checkpoint  verifier key %s\n", url, url, a.Ledger.VerifierKey())
		fmt.Fprintf(stdout, "Federation: node %s (--node); trust list %s/api/v1/federation/trust-list  node key %s/api/v1/federation/node-key  peers /api/v1/federation/peers (szb.admin)\n",
			o.Node, url, url)
		fmt.Fprintf(stdout, "Master key: kept outside the data directory (see 'yiwang keys --help'); certificates at %s/pki/roots\n", url)
		fmt.Fprintln(stdout, "Press Ctrl+C to stop.")
	})
}

// oidcSecret returns the single sign-on secret: the configured one, or for a development node on
// SQLite one kept in the data directory (created on first start, readable only by its owner), so
// that tokens and signing keys survive a restart. Production always has a configured one.
func oidcSecret(o *options) ([]byte, error) {
	if o.OIDCSecret != "" {
		return []byte(o.OIDCSecret), nil
	}
	if o.Production || o.DatabaseURL != "" {
		return nil, nil // app.New refuses production without one, and nodes sharing PostgreSQL need the same one
	}
	path := filepath.Join(o.Data, "oidc.secret")
	b, err := os.ReadFile(path)
	if err == nil && len(bytes.TrimSpace(b)) >= oidc.MinSecretLen {
		return bytes.TrimSpace(b), nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("single sign-on secret %s: %w", path, err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	secret := []byte(hex.EncodeToString(raw))
	if err := os.WriteFile(path, append(secret, '\n'), 0o600); err != nil {
		return nil, fmt.Errorf("single sign-on secret %s: %w", path, err)
	}
	return secret, nil
}
