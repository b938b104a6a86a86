// Command yiwang runs the Yiwang digital-government platform: the web portal and JSON API, the
// demo, database migrations and the command-line tools of its modules.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `yiwang — the Yiwang (一网) digital-government platform

Usage:
  yiwang demo    [--data DIR] [--addr HOST:PORT]   run with demo data (SQLite under ./data by default)
  yiwang serve   [--data DIR | --database-url URL] [--addr HOST:PORT]
                                                   run the portal and API on an existing store
  yiwang migrate [--data DIR | --database-url URL] [status]
                                                   apply database migrations, or show their state
  yiwang plan import [--data DIR] FILE             import a provincial work-plan document
  yiwang plan export [--data DIR] [--format json|xlsx] [--out FILE]
                                                   write the whole plan with units, targets and progress
  yiwang account create [--data DIR] --login LOGIN --name NAME --org CODE [--roles ROLE,…] < password
                                                   create an official's account (the first administrator)
  yiwang token create|list|revoke [--data DIR] --account LOGIN [--scope api:read[,api:write] --ttl 30d --name NAME | --id N]
                                                   manage an account's personal access tokens for the JSON API
  yiwang registry import [--data DIR] FILE.csv     load the population registry (id_type,id_number,name)
                                                   that real-name level 2 is checked against
  yiwang keys master-key|list|rotate|retire|rotate-data-key|rewrap [--data DIR] …
                                                   the key hierarchy: master key, signing keys, data keys
  yiwang ledger verify [--data DIR | --database-url URL | --url https://node] [--key KEY]
                                                   audit the transparency log: recompute every hash, check
                                                   every checkpoint, name the first tampered entry
  yiwang ledger receipt verify FILE --key KEY      check a notarisation receipt offline
  yiwang license import|verify|fetch-trust …       e-licences: bulk import from Excel/CSV, offline verification
  yiwang version                                   print the version

'yiwang demo' and 'yiwang serve' take --node CODE (a province code such as 330000; YIWANG_NODE) and
--node-name NAME (YIWANG_NODE_NAME): the node names itself so to other provinces' nodes and in its
licences' credentials (350000, 福建省 by default).

Every command that touches data takes the same --data DIR / --database-url URL options, so
'yiwang plan import --data DIR FILE' works on the store that 'yiwang demo --data DIR' serves.
Settings come from flags, then YIWANG_* environment variables, then --config FILE (TOML), then
defaults; 'yiwang COMMAND --help' lists a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "yiwang:", err)
		}
		os.Exit(exitCode(err))
	}
}

// exitCode is 2 for usage errors, an error's own ExitCode if it has one, 1 otherwise.
func exitCode(err error) int {
	if c, ok := errors.AsType[interface {
		error
		ExitCode() int
	}](err); ok {
		return c.ExitCode()
	}
	var u usageError
	if errors.As(err, &u) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}

type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

// run executes one command line; main and the end-to-end tests call it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{"no command given"}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "demo":
		return cmdServe(ctx, rest, stdout, stderr, true)
	case "serve":
		return cmdServe(ctx, rest, stdout, stderr, false)
	case "migrate":
		return cmdMigrate(ctx, rest, stdout, stderr)
	case "plan":
		return cmdPlan(ctx, rest, stdout, stderr)
	case "account":
		return cmdAccount(ctx, rest, stdout, stderr)
	case "token":
		return cmdToken(ctx, rest, stdout, stderr)
	case "keys":
		return cmdKeys(ctx, rest, stdout, stderr)
	case "registry":
		return cmdRegistry(ctx, rest, stdout, stderr)
	case "ledger":
		return cmdLedger(ctx, rest, stdout, stderr)
	case "license":
		return cmdLicense(ctx, rest, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "yiwang", version())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageError{fmt.Sprintf("unknown command %q", cmd)}
}

// parseFlags parses a command's flags; a malformed command line (an unknown flag, a flag without
// its value) is a usage error, like an unknown command.
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		return usageError{err.Error()}
	}
	return err
}

// newFlagSet returns a flag set whose errors come back to run instead of exiting.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: yiwang %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}
