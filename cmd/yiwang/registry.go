package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// cmdRegistry loads the population registry that level-2 real-name checks match against.
func cmdRegistry(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "import" {
		return usageError{"registry needs a subcommand: import [--data DIR | --database-url URL] FILE.csv"}
	}
	var o options
	fs := newFlagSet("registry import", "registry import [--data DIR | --database-url URL] FILE.csv (id_type,id_number,name; - for standard input)", stderr)
	commonFlags(fs, &o, "data", "database-url")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"registry import takes exactly one FILE (use - for standard input)"}
	}
	if err := resolve(fs, &o); err != nil {
		return usageError{err.Error()}
	}
	name := fs.Arg(0)
	var r io.Reader = stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("cannot read %s: %w", name, err)
		}
		defer f.Close()
		r = f
	}
	entries, err := identity.ParseRegistryCSV(r)
	if err != nil {
		return fmt.Errorf("%s: %w", name, describe(err))
	}
	db, err := openMigrated(ctx, &o, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	ids, err := identity.New(db, identity.Options{})
	if err != nil {
		return err
	}
	if err := ids.LoadRegistry(principal.With(ctx, principal.SystemPrincipal), entries); err != nil {
		return fmt.Errorf("%s: %w", name, describe(err))
	}
	fmt.Fprintf(stdout, "%s: loaded %d people into the population registry\n", name, len(entries))
	return nil
}
