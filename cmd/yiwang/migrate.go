package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// openStore opens the database the options name.
func openStore(ctx context.Context, o *options) (*store.DB, error) {
	return store.Open(ctx, store.Config{URL: o.DatabaseURL, DataDir: o.Data, Clock: clock.Real{}})
}

// openMigrated opens the database and applies pending migrations.
func openMigrated(ctx context.Context, o *options, logger *slog.Logger) (*store.DB, error) {
	db, err := openStore(ctx, o)
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx, logger); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o options
	fs := newFlagSet("migrate", "migrate [flags] [status]", stderr)
	commonFlags(fs, &o, "data", "database-url", "log-level", "log-format")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := resolve(fs, &o); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() > 1 || (fs.NArg() == 1 && fs.Arg(0) != "status") {
		return usageError{"migrate takes no argument but an optional 'status'"}
	}
	db, err := openStore(ctx, &o)
	if err != nil {
		return err
	}
	defer db.Close()
	if fs.Arg(0) == "status" {
		cur, latest, err := db.MigrationState(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: schema version %d, this binary's latest %d\n", db, cur, latest)
		return nil
	}
	applied, err := db.Migrate(ctx, nil)
	if err != nil {
		return err
	}
	cur, _, err := db.MigrationState(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: applied %d migration(s), now at version %d\n", db, len(applied), cur)
	return nil
}
