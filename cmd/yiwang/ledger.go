package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/ledger"
)

const ledgerUsage = `Usage:
  yiwang ledger verify [--data DIR | --database-url URL | --url https://node] [--key VERIFIER_KEY]
                      audit a node's transparency log offline from its database, or over its read
                      API: recompute every hash from the entries, check every checkpoint's
                      signature and its consistency with the one before; name the first tampered
                      entry or checkpoint. Exit status 1 when anything is wrong.
  yiwang ledger receipt verify FILE --key VERIFIER_KEY
                      check a notarisation receipt (JSON) offline against the log's key

VERIFIER_KEY is the log's signed-note verifier key (GET /ledger/key on the node; take it from a
source you trust). Without --key, verify uses the key the node itself names, and says so.
`

func cmdLedger(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"ledger needs a subcommand: verify or receipt verify (see 'yiwang ledger help')"}
	}
	switch args[0] {
	case "help", "-h", "--help":
		fmt.Fprint(stdout, ledgerUsage)
		return nil
	case "verify":
		return cmdLedgerVerify(ctx, args[1:], stdout, stderr)
	case "receipt":
		if len(args) < 2 || args[1] != "verify" {
			return usageError{"ledger receipt needs the subcommand verify: yiwang ledger receipt verify FILE --key KEY"}
		}
		return cmdLedgerReceiptVerify(args[2:], stdout, stderr)
	}
	return usageError{fmt.Sprintf("unknown ledger subcommand %q: use verify or receipt verify", args[0])}
}

// parseInterspersed parses flags that may come before or after the positional arguments
// ("receipt verify FILE --key K" as well as "receipt verify --key K FILE") and returns the
// positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func cmdLedgerVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o options
	fs := newFlagSet("ledger verify", "ledger verify [--data DIR | --database-url URL | --url https://node] [--key VERIFIER_KEY]", stderr)
	commonFlags(fs, &o, "data", "database-url")
	nodeURL := fs.String("url", "", "base URL of a node to audit over its read API (https://yiwang.example.gov.cn) instead of a database")
	key := fs.String("key", "", "the log's note verifier key; without it the key the node names is used (self-asserted)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{fmt.Sprintf("ledger verify takes no arguments, only flags (unexpected %q)", pos[0])}
	}
	if err := resolve(fs, &o); err != nil {
		return usageError{err.Error()}
	}
	dataSet := false
	fs.Visit(func(f *flag.Flag) { dataSet = dataSet || f.Name == "data" || f.Name == "database-url" })
	var src ledger.Source
	switch {
	case *nodeURL != "":
		if dataSet {
			return usageError{"give --url or --data/--database-url, not both"}
		}
		if !strings.HasPrefix(*nodeURL, "https://") && !strings.HasPrefix(*nodeURL, "http://") {
			return usageError{fmt.Sprintf("--url must be an http(s) URL, not %q", *nodeURL)}
		}
		src = ledger.HTTPSource(*nodeURL, nil)
	default:
		if o.DatabaseURL == "" {
			// Auditing must not create an empty store where there was none.
			if _, err := os.Stat(filepath.Join(o.Data, "yiwang.db")); err != nil {
				return fmt.Errorf("no Yiwang database in %s: %v", o.Data, err)
			}
		}
		db, err := openStore(ctx, &o)
		if err != nil {
			return err
		}
		defer db.Close()
		src = ledger.DBSource(db)
	}
	if *key == "" {
		fmt.Fprintln(stderr, "warning: no --key given: checkpoints are checked against the key the node itself names, which proves nothing "+
			"against whoever controls the node; pass the log's verifier key from a source you trust")
	}
	rep, err := ledger.Audit(ctx, src, strings.TrimSpace(*key))
	if err != nil {
		return fmt.Errorf("ledger verify %s: %w", src, err)
	}
	fmt.Fprint(stdout, rep.Describe())
	switch {
	case rep.FirstBadEntry >= 0:
		return fmt.Errorf("ledger verify: the log was tampered with: first tampered entry %d", rep.FirstBadEntry)
	case rep.BadCheckpoint >= 0:
		return fmt.Errorf("ledger verify: the log was tampered with: first bad checkpoint at size %d", rep.BadCheckpoint)
	case !rep.OK():
		return fmt.Errorf("ledger verify: the log is not sound: %s", rep.Problems[0])
	}
	return nil
}

func cmdLedgerReceiptVerify(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("ledger receipt verify", "ledger receipt verify FILE --key VERIFIER_KEY", stderr)
	key := fs.String("key", "", "the log's note verifier key (required)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"ledger receipt verify takes one receipt file"}
	}
	if strings.TrimSpace(*key) == "" {
		return usageError{"--key: give the log's verifier key (GET /ledger/key on the node, from a source you trust)"}
	}
	data, err := os.ReadFile(pos[0])
	if err != nil {
		return err
	}
	r, err := ledger.ParseReceipt(data)
	if err == nil {
		err = ledger.VerifyReceipt(r, strings.TrimSpace(*key))
	}
	if err != nil {
		return fmt.Errorf("%s: %s", pos[0], ledgerMessage(err))
	}
	fmt.Fprintf(stdout, "%s: receipt OK: entry %d (%s, %s) is in the log's tree of %d entries, signed by %s\n",
		pos[0], r.Entry.Index, r.Entry.Type, r.Entry.Digest, r.Size, keyName(*key))
	return nil
}

// ledgerMessage is an error's public message in Simplified Chinese and English.
func ledgerMessage(err error) string {
	pe := errs.Public(err)
	if pe.Kind == errs.Internal || !i18n.Has(pe.Message) {
		return err.Error()
	}
	return i18n.T(i18n.ZhHans, pe.Message, pe.Args...) + " (" + i18n.T(i18n.En, pe.Message, pe.Args...) + ")"
}

func keyName(vkey string) string {
	if v, err := note.NewVerifier(strings.TrimSpace(vkey)); err == nil {
		return v.Name()
	}
	return "?"
}

// parseWitnessPeers reads the ledger-witnesses setting: comma-separated "URL KEY" pairs.
func parseWitnessPeers(s string) ([]ledger.WitnessPeer, error) {
	var out []ledger.WitnessPeer
	for _, item := range splitList(s) {
		f := strings.Fields(item)
		if len(f) != 2 || (!strings.HasPrefix(f[0], "https://") && !strings.HasPrefix(f[0], "http://")) {
			return nil, fmt.Errorf("--ledger-witnesses: %q is not \"URL VERIFIER_KEY\"", item)
		}
		if _, err := note.NewVerifier(f[1]); err != nil {
			return nil, fmt.Errorf("--ledger-witnesses: %q: verifier key: %v", item, err)
		}
		out = append(out, ledger.WitnessPeer{URL: f[0], VerifierKey: f[1]})
	}
	return out, nil
}

// parseWitnessedLogs reads the ledger-witnessed setting: comma-separated "ORIGIN KEY" pairs.
func parseWitnessedLogs(s string) ([]ledger.WitnessedLog, error) {
	var out []ledger.WitnessedLog
	for _, item := range splitList(s) {
		f := strings.Fields(item)
		if len(f) != 2 {
			return nil, fmt.Errorf("--ledger-witnessed: %q is not \"ORIGIN VERIFIER_KEY\"", item)
		}
		if _, err := note.NewVerifier(f[1]); err != nil {
			return nil, fmt.Errorf("--ledger-witnessed: %q: verifier key: %v", item, err)
		}
		out = append(out, ledger.WitnessedLog{Origin: f[0], VerifierKey: f[1]})
	}
	return out, nil
}

func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
