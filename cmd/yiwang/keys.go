package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

const keysUsage = `Usage:
  yiwang keys master-key
                      print a new random master key (base64) to give a node as YIWANG_MASTER_KEY or
                      to save in a --master-key-file (chmod 600; never beside the database)
  yiwang keys list    [--data DIR | --database-url URL] --org CODE
                      list an organisation's signing keys with their status and use counts
  yiwang keys rotate  [--data DIR | --database-url URL] --id KEY [--overlap 7d]
                      replace a key; the old one may still sign during the overlap, then retires
  yiwang keys retire  [--data DIR | --database-url URL] --id KEY
                      stop a key signing at once (it still verifies)
  yiwang keys rotate-data-key [--data DIR | --database-url URL] --purpose PURPOSE
                      seal new secrets of a purpose (signing-keys, totp, …) under a new data key
  yiwang keys rewrap  [--data DIR | --database-url URL] --new-master-key-file FILE
                      re-seal every data key under a new master key (all or nothing); then restart
                      the nodes with the new key

The commands act as the platform operator and are recorded in the audit trail as "system".
`

func cmdKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"keys needs a subcommand: master-key, list, rotate, retire, rotate-data-key or rewrap (see 'yiwang keys help')"}
	}
	switch args[0] {
	case "help", "-h", "--help":
		fmt.Fprint(stdout, keysUsage)
		return nil
	case "master-key":
		if len(args) > 1 {
			return usageError{"keys master-key takes no arguments"}
		}
		fmt.Fprintln(stdout, keys.NewMasterKey().Encode())
		return nil
	case "list", "rotate", "retire", "rotate-data-key", "rewrap":
		return cmdKeysOn(ctx, args[0], args[1:], stdout, stderr)
	}
	return usageError{fmt.Sprintf("unknown keys subcommand %q (see 'yiwang keys help')", args[0])}
}

func cmdKeysOn(ctx context.Context, sub string, args []string, stdout, stderr io.Writer) error {
	var o options
	fs := newFlagSet("keys "+sub, "keys "+sub+" [flags]", stderr)
	commonFlags(fs, &o, "data", "database-url", "master-key-file", "log-level", "log-format")
	org := fs.String("org", "", "organisation code")
	id := fs.String("id", "", "key id (key_…)")
	overlap := fs.String("overlap", "7d", "how long the old key may still sign after rotation (e.g. 7d, 12h)")
	purpose := fs.String("purpose", "", "data-key purpose")
	newMaster := fs.String("new-master-key-file", "", "file holding the new master key")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageError{fmt.Sprintf("keys %s takes only flags (unexpected %q)", sub, fs.Arg(0))}
	}
	if err := resolve(fs, &o); err != nil {
		return usageError{err.Error()}
	}
	switch {
	case sub == "list" && *org == "":
		return usageError{"--org: name the organisation whose keys to list"}
	case (sub == "rotate" || sub == "retire") && *id == "":
		return usageError{"--id: name the key (key_…; see 'yiwang keys list')"}
	case sub == "rotate-data-key" && *purpose == "":
		return usageError{"--purpose: name the data key's purpose (e.g. signing-keys)"}
	case sub == "rewrap" && *newMaster == "":
		return usageError{"--new-master-key-file: name the file holding the new master key"}
	}
	logger := o.logger(stderr)
	db, err := openMigrated(ctx, &o, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	m, err := masterKey(&o, logger)
	if err != nil {
		return err
	}
	ks, err := keys.New(db, m, keys.Options{})
	if err != nil {
		return err
	}
	ctx = principal.With(ctx, principal.SystemPrincipal)
	sys := principal.SystemPrincipal
	switch sub {
	case "list":
		return listKeys(ctx, ks, *org, stdout)
	case "rotate":
		d, err := parseTTL(*overlap)
		if err != nil {
			return usageError{strings.Replace(err.Error(), "--ttl", "--overlap", 1)}
		}
		nk, err := ks.Rotate(ctx, sys, *id, d)
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "rotated %s: the new key is %s; the old one may sign until %s\n", *id, nk.ID,
			chinaTime(db.Clock().Now().Add(d)))
	case "retire":
		if err := ks.Retire(ctx, sys, *id); err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "retired %s: it no longer signs and still verifies\n", *id)
	case "rotate-data-key":
		if err := ks.RotateDataKey(ctx, *purpose); err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "new secrets of %q will be sealed under a new data key; old ones still open\n", *purpose)
	case "rewrap":
		next, err := keys.LoadMasterKeyFile(*newMaster)
		if err != nil {
			return err
		}
		n, err := ks.Rewrap(ctx, next)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "rewrapped %d data keys under master key %s; restart every node with the new key\n", n, next.ID())
	}
	return nil
}

func listKeys(ctx context.Context, ks *keys.Service, org string, stdout io.Writer) error {
	list, err := ks.List(ctx, principal.SystemPrincipal, org)
	if err != nil {
		return describe(err)
	}
	if len(list) == 0 {
		fmt.Fprintf(stdout, "%s has no signing keys\n", org)
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPURPOSE\tALGORITHM\tSTATUS\tCREATED\tUSES\tLAST USED")
	for _, k := range list {
		last := "-"
		if k.LastUsedAt != nil {
			last = chinaTime(*k.LastUsedAt)
		}
		status := string(k.Status)
		if k.Status == keys.Retiring && k.RetireAt != nil {
			status += " until " + k.RetireAt.In(time.Local).Format("2006-01-02")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", k.ID, k.Purpose, k.Algorithm, status, chinaTime(k.CreatedAt), k.Uses, last)
	}
	return tw.Flush()
}
