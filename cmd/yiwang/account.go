package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// stdin is where account create reads a password; tests replace it.
var stdin io.Reader = os.Stdin

func cmdAccount(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return usageError{"account needs a subcommand: create --login LOGIN --name NAME --org CODE [--roles ROLE,…] (password on standard input)"}
	}
	var o options
	var login, name, orgCode, roles string
	fs := newFlagSet("account create", "account create [--data DIR | --database-url URL] --login LOGIN --name NAME --org CODE [--roles ROLE,…] < password", stderr)
	commonFlags(fs, &o, "data", "database-url")
	fs.StringVar(&login, "login", "", "account name: 3–64 lowercase letters, digits, dots, hyphens or underscores")
	fs.StringVar(&name, "name", "", "the official's name as shown")
	fs.StringVar(&orgCode, "org", "", "code of the official's organisation (see /orgs), e.g. fj-digital-office")
	fs.StringVar(&roles, "roles", "", "comma-separated roles: "+strings.Join(principal.AllRoles, ", "))
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageError{"account create takes no arguments; the password is read from standard input"}
	}
	if err := resolve(fs, &o); err != nil {
		return usageError{err.Error()}
	}
	password, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
	if err != nil && err != io.EOF {
		return fmt.Errorf("reading the password from standard input: %w", err)
	}
	password = strings.TrimRight(password, "\r\n")
	db, err := openMigrated(ctx, &o, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	sys := principal.With(ctx, principal.SystemPrincipal)
	if _, err := org.Seed(sys, db, org.Directory()); err != nil {
		return err
	}
	var roleList []string
	for _, r := range strings.Split(roles, ",") {
		if r = strings.TrimSpace(r); r != "" {
			roleList = append(roleList, r)
		}
	}
	if orgCode != "" {
		if _, err := org.Get(ctx, db, orgCode); err != nil {
			return fmt.Errorf("--org: %w", describe(err))
		}
	}
	ids, err := identity.New(db, identity.Options{})
	if err != nil {
		return err
	}
	a, err := ids.CreateAccount(sys, identity.NewAccount{Login: login, Kind: principal.Official, DisplayName: name,
		OrgCode: orgCode, Roles: roleList, Password: password})
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "created account %s (%s) of %s with roles %s\n", a.Login, a.DisplayName, orgCode, strings.Join(a.Roles, ", "))
	return nil
}
