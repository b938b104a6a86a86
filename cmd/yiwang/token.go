package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

const tokenUsage = `Usage:
  yiwang token create [--data DIR | --database-url URL] --account LOGIN --scope api:read[,api:write] --ttl 30d --name NAME
                      create a personal access token for an account and print it (only this once)
  yiwang token list   [--data DIR | --database-url URL] --account LOGIN
                      list an account's tokens (never the tokens themselves)
  yiwang token revoke [--data DIR | --database-url URL] --account LOGIN --id N
                      revoke one of an account's tokens

Tokens are sent to the JSON API as "Authorization: Bearer <token>". api:read may only read;
api:write may also change what the account may change. 'yiwang token create --help' lists its flags.
`

func cmdToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"token needs a subcommand: create, list or revoke (see 'yiwang token help')"}
	}
	switch args[0] {
	case "help", "-h", "--help":
		fmt.Fprint(stdout, tokenUsage)
		return nil
	case "create":
		return cmdTokenCreate(ctx, args[1:], stdout, stderr)
	case "list":
		return cmdTokenList(ctx, args[1:], stdout, stderr)
	case "revoke":
		return cmdTokenRevoke(ctx, args[1:], stdout, stderr)
	}
	return usageError{fmt.Sprintf("unknown token subcommand %q: use create, list or revoke", args[0])}
}

// tokenFlags parses the flags every token subcommand shares, and --account, which each needs.
func tokenFlags(fs *flag.FlagSet, o *options, account *string, args []string) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageError{fmt.Sprintf("%s takes no arguments, only flags (unexpected %q)", fs.Name(), fs.Arg(0))}
	}
	if err := resolve(fs, o); err != nil {
		return usageError{err.Error()}
	}
	if strings.TrimSpace(*account) == "" {
		return usageError{"--account: name the login of the account the token is for"}
	}
	return nil
}

// parseTTL reads a token's lifetime: a number of days ("30d") or a Go duration ("12h").
func parseTTL(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("--ttl: %q is not a number of days like 30d", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("--ttl: %q is not a lifetime like 30d or 12h", s)
	}
	return d, nil
}

// tokenFlag names the command-line flag behind a field of the identity service's errors.
var tokenFlag = map[string]string{"account": "--account", "name": "--name", "scope": "--scope", "ttl": "--ttl"}

// describeToken is describe with the flag at fault instead of the service's field name.
func describeToken(err error) error {
	pe := errs.Public(err)
	if pe.Kind == errs.Internal {
		return err
	}
	msg := pe.Message
	if i18n.Has(msg) {
		msg = i18n.T(i18n.ZhHans, msg, pe.Args...)
	}
	if f, ok := tokenFlag[pe.Field]; ok {
		return fmt.Errorf("%s: %s", f, msg)
	}
	if pe.Field != "" {
		return fmt.Errorf("%s: %s", pe.Field, msg)
	}
	return fmt.Errorf("%s", msg)
}

// tokenAccount opens the store of o and returns the identity service and the account login.
// The caller closes the service's store.
func tokenAccount(ctx context.Context, o *options, login string) (*identity.Service, identity.Account, error) {
	db, err := openMigrated(ctx, o, nil)
	if err != nil {
		return nil, identity.Account{}, err
	}
	ids, err := identity.New(db, identity.Options{})
	if err != nil {
		db.Close()
		return nil, identity.Account{}, err
	}
	a, err := ids.AccountByLogin(ctx, login)
	if errs.Is(err, errs.NotFound) {
		db.Close()
		return nil, a, fmt.Errorf("--account: there is no account with login %q in %s", login, db.Where())
	}
	if err != nil {
		db.Close()
		return nil, a, err
	}
	return ids, a, nil
}

// operatorFor is Yiwang itself — the operator at the command line — working on a's tokens: the
// service lists and revokes the tokens of the principal's account, and the audit log names the
// system, not the account holder, as the one who revoked.
func operatorFor(a identity.Account) principal.Principal {
	p := principal.SystemPrincipal
	p.AccountID = a.ID
	return p
}

func chinaTime(t time.Time) string { return t.In(clock.China).Format("2006-01-02 15:04 MST") }

func cmdTokenCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o options
	var account, scope, ttl, name string
	fs := newFlagSet("token create", "token create [--data DIR | --database-url URL] --account LOGIN --scope api:read[,api:write] --ttl 30d --name NAME", stderr)
	commonFlags(fs, &o, "data", "database-url")
	fs.StringVar(&account, "account", "", "login of the account the token acts as")
	fs.StringVar(&scope, "scope", "", "comma-separated scopes: "+strings.Join(identity.TokenScopes, ", "))
	fs.StringVar(&ttl, "ttl", "", fmt.Sprintf("lifetime: days (30d) or a duration (12h), at most %dd", int(identity.MaxTokenTTL.Hours()/24)))
	fs.StringVar(&name, "name", "", "what the token is for, shown in lists")
	if err := tokenFlags(fs, &o, &account, args); err != nil {
		return err
	}
	if strings.TrimSpace(name) == "" {
		return usageError{"--name: say what the token is for"}
	}
	var scopes []string
	for _, s := range strings.Split(scope, ",") {
		if s = strings.TrimSpace(s); s != "" {
			scopes = append(scopes, s)
		}
	}
	if len(scopes) == 0 {
		return usageError{"--scope: give api:read, api:write or both (api:read,api:write)"}
	}
	if ttl == "" {
		return usageError{"--ttl: give the token's lifetime, like 30d"}
	}
	d, err := parseTTL(ttl)
	if err != nil {
		return usageError{err.Error()}
	}
	ids, a, err := tokenAccount(ctx, &o, account)
	if err != nil {
		return err
	}
	defer ids.DB().Close()
	sys := principal.With(ctx, principal.SystemPrincipal)
	t, token, err := ids.CreateToken(sys, identity.NewToken{Account: a.Login, Name: name, Scopes: scopes, TTL: d})
	if err != nil {
		return describeToken(err)
	}
	fmt.Fprintf(stdout, "created token %d %q for %s with scope %s, expires %s\n", t.ID, t.Name, a.Login,
		strings.Join(t.ScopeList, ","), chinaTime(t.ExpiresAt))
	fmt.Fprintln(stdout, token)
	fmt.Fprintln(stdout, `This is the only time the token is shown: keep it secret. Send it as "Authorization: Bearer <token>".`)
	return nil
}

func cmdTokenList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o options
	var account string
	fs := newFlagSet("token list", "token list [--data DIR | --database-url URL] --account LOGIN", stderr)
	commonFlags(fs, &o, "data", "database-url")
	fs.StringVar(&account, "account", "", "login of the account whose tokens to list")
	if err := tokenFlags(fs, &o, &account, args); err != nil {
		return err
	}
	ids, a, err := tokenAccount(ctx, &o, account)
	if err != nil {
		return err
	}
	defer ids.DB().Close()
	list, err := ids.Tokens(principal.With(ctx, operatorFor(a)))
	if err != nil {
		return describeToken(err)
	}
	if len(list) == 0 {
		fmt.Fprintf(stdout, "%s has no tokens\n", a.Login)
		return nil
	}
	now := ids.DB().Clock().Now()
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tPREFIX\tSCOPES\tCREATED\tEXPIRES\tLAST USED\tSTATE")
	for _, t := range list {
		state := "active"
		switch {
		case t.RevokedAt != nil:
			state = "revoked " + chinaTime(*t.RevokedAt)
		case !now.Before(t.ExpiresAt):
			state = "expired"
		}
		used := "-"
		if t.LastUsedAt != nil {
			used = chinaTime(*t.LastUsedAt)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s%s_…\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, identity.TokenPrefix, t.Prefix, strings.Join(t.ScopeList, ","),
			chinaTime(t.CreatedAt), chinaTime(t.ExpiresAt), used, state)
	}
	return tw.Flush()
}

func cmdTokenRevoke(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o options
	var account, idText string
	fs := newFlagSet("token revoke", "token revoke [--data DIR | --database-url URL] --account LOGIN --id N", stderr)
	commonFlags(fs, &o, "data", "database-url")
	fs.StringVar(&account, "account", "", "login of the account the token belongs to")
	fs.StringVar(&idText, "id", "", "the token's id (see 'yiwang token list')")
	if err := tokenFlags(fs, &o, &account, args); err != nil {
		return err
	}
	id, err := strconv.ParseInt(strings.TrimSpace(idText), 10, 64)
	if err != nil || id <= 0 {
		return usageError{fmt.Sprintf("--id: %q is not a token id; 'yiwang token list --account %s' shows them", idText, account)}
	}
	ids, a, err := tokenAccount(ctx, &o, account)
	if err != nil {
		return err
	}
	defer ids.DB().Close()
	err = ids.RevokeToken(principal.With(ctx, operatorFor(a)), id)
	if errs.Is(err, errs.NotFound) {
		return fmt.Errorf("--id: %s has no token %d; 'yiwang token list --account %s' shows its tokens", a.Login, id, a.Login)
	}
	if err != nil {
		return describeToken(err)
	}
	fmt.Fprintf(stdout, "revoked token %d of %s\n", id, a.Login)
	return nil
}
