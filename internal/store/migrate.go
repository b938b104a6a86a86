package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

//go:embed migrations
var migrations embed.FS

// MigrationFS returns the numbered migrations of one dialect.
func MigrationFS(d Dialect) fs.FS {
	sub, err := fs.Sub(migrations, "migrations/"+string(d))
	if err != nil {
		panic(err) // the folder is embedded at build time
	}
	return sub
}

func (db *DB) provider(logger *slog.Logger) (*goose.Provider, error) {
	dialect := goose.DialectSQLite3
	var opts []goose.ProviderOption
	if db.dialect == Postgres {
		dialect = goose.DialectPostgres
		// Several nodes starting at once must not migrate concurrently.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	if logger != nil {
		opts = append(opts, goose.WithSlog(logger))
	}
	opts = append(opts, goose.WithDisableGlobalRegistry(true), goose.WithTableName("schema_migrations"))
	return goose.NewProvider(dialect, db.writer.DB, MigrationFS(db.dialect), opts...)
}

// Migrate applies every pending migration in order, each in its own transaction, and returns
// the versions it applied.
func (db *DB) Migrate(ctx context.Context, logger *slog.Logger) (applied []int64, err error) {
	defer errs.Wrap(&err, "store.Migrate")
	p, err := db.provider(logger)
	if err != nil {
		return nil, err
	}
	results, err := p.Up(ctx)
	db.ranks.Store(nil) // the foreign keys may have changed (later.go)
	if err != nil {
		return nil, errs.Wrapf(errs.Unavailable, err, "migration failed")
	}
	for _, r := range results {
		applied = append(applied, r.Source.Version)
	}
	return applied, nil
}

// MigrationState reports the schema version the database is at and the newest one this binary knows.
func (db *DB) MigrationState(ctx context.Context) (current, latest int64, err error) {
	p, err := db.provider(nil)
	if err != nil {
		return 0, 0, err
	}
	current, latest, err = p.GetVersions(ctx)
	if err != nil {
		return 0, 0, errs.Wrapf(errs.Unavailable, err, "cannot read schema version")
	}
	return current, latest, nil
}

// Ready reports whether the database answers and is migrated to this binary's latest version.
func (db *DB) Ready(ctx context.Context) error {
	if err := db.Ping(ctx); err != nil {
		return err
	}
	current, latest, err := db.MigrationState(ctx)
	if err != nil {
		return err
	}
	if current != latest {
		return errs.E(errs.Unavailable, fmt.Sprintf("schema at version %d, binary expects %d: run yiwang migrate", current, latest))
	}
	return nil
}
