package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/calendar"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/plan"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

const planUsage = `Usage:
  yiwang plan import [--data DIR | --database-url URL] FILE
                     import a provincial work-plan document (- reads standard input)
  yiwang plan export [--data DIR | --database-url URL] [--format json|xlsx] [--out FILE] [--lang LANG]
                     write the whole plan with units, targets and progress

'yiwang plan import --help' and 'yiwang plan export --help' list their flags.
`

func cmdPlan(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"plan needs a subcommand: import FILE, or export [--format json|xlsx] [--out FILE]"}
	}
	switch args[0] {
	case "help", "-h", "--help":
		fmt.Fprint(stdout, planUsage)
		return nil
	case "import":
		return cmdPlanImport(ctx, args[1:], stdout, stderr)
	case "export":
		return cmdPlanExport(ctx, args[1:], stdout, stderr)
	}
	return usageError{fmt.Sprintf("unknown plan subcommand %q: use import or export", args[0])}
}

// planService opens the store named by o, migrates it, makes sure the organisation directory
// is present (units are matched against it) and returns the plan service.
func planService(ctx context.Context, o *options, stderr io.Writer) (*plan.Service, *store.DB, error) {
	db, err := openMigrated(ctx, o, nil)
	if err != nil {
		return nil, nil, err
	}
	if _, err := org.Seed(principal.With(ctx, principal.SystemPrincipal), db, org.Directory()); err != nil {
		db.Close()
		return nil, nil, err
	}
	cal, err := calendar.Load(ctx, db)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return plan.New(db, cal), db, nil
}

// describe turns an error into the sentence a person at the terminal reads.
func describe(err error) error {
	pe := errs.Public(err)
	if pe.Kind == errs.Internal {
		return err
	}
	msg := pe.Message
	if i18n.Has(msg) {
		msg = i18n.T(i18n.ZhHans, msg, pe.Args...)
	} else if len(pe.Args) > 0 {
		msg = fmt.Sprintf(msg, pe.Args...)
	}
	if pe.Field != "" {
		msg = pe.Field + ": " + msg
	}
	return fmt.Errorf("%s", msg)
}

func cmdPlanImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o options
	fs := newFlagSet("plan import", "plan import [--data DIR | --database-url URL] FILE", stderr)
	commonFlags(fs, &o, "data", "database-url")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"plan import takes exactly one FILE (use - for standard input)"}
	}
	if err := resolve(fs, &o); err != nil {
		return usageError{err.Error()}
	}
	data, err := readInput(fs.Arg(0))
	if err != nil {
		return err
	}
	svc, db, err := planService(ctx, &o, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := svc.Import(principal.With(ctx, principal.SystemPrincipal), data)
	if err != nil {
		return fmt.Errorf("%s: %w", fs.Arg(0), describe(err))
	}
	switch {
	case res.Unchanged:
		fmt.Fprintf(stdout, "%s %s: unchanged (revision %d); nothing was written\n", res.Number, res.Title, res.Revision)
	case res.Created:
		fmt.Fprintf(stdout, "%s %s: imported %d sections, %d items, %d targets (revision 1)\n", res.Number, res.Title, res.Sections, res.Items, res.Targets)
	default:
		fmt.Fprintf(stdout, "%s %s: revision %d, %d change(s):\n", res.Number, res.Title, res.Revision, len(res.Changes))
		for _, c := range res.Changes {
			fmt.Fprintf(stdout, "  %s %s %s\n", c.Kind, c.Label, c.Field)
		}
	}
	for _, u := range res.Unmatched {
		fmt.Fprintf(stdout, "warning: responsible unit %q matches no organisation\n", u)
	}
	for _, d := range res.Damage {
		fmt.Fprintf(stdout, "warning: damaged text kept as found at line %d column %d (item %d): %q\n", d.Line, d.Column, d.Item, d.Text)
	}
	return nil
}

// maxInput bounds what the CLI reads before the parser's own limit judges it, so that a huge
// file is refused without being read whole.
const maxInput = plan.MaxDocumentSize + 1

func readInput(name string) ([]byte, error) {
	var r io.Reader
	if name == "-" {
		r = os.Stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("cannot read %s: %w", name, err)
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.IsDir() {
			return nil, fmt.Errorf("%s is a directory, not a plan document", name)
		} else if err == nil && st.Size() > plan.MaxDocumentSize {
			return nil, fmt.Errorf("%s is %d bytes, more than the limit of %d bytes (%d MiB) for a plan document; check that it is the plan text",
				name, st.Size(), plan.MaxDocumentSize, plan.MaxDocumentSize>>20)
		}
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(bufio.NewReader(r), maxInput))
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", name, err)
	}
	return data, nil
}

func cmdPlanExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o options
	var format, out, lang string
	fs := newFlagSet("plan export", "plan export [--data DIR | --database-url URL] [--format json|xlsx] [--out FILE]", stderr)
	commonFlags(fs, &o, "data", "database-url")
	fs.StringVar(&format, "format", "json", "json or xlsx")
	fs.StringVar(&out, "out", "", "file to write (default standard output for json; required for xlsx unless stdout is redirected)")
	fs.StringVar(&lang, "lang", "zh-Hans", "language of organisation names in the workbook: zh-Hans, zh-Hant or en")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageError{"plan export takes no arguments"}
	}
	if err := resolve(fs, &o); err != nil {
		return usageError{err.Error()}
	}
	format = strings.ToLower(format)
	if format != "json" && format != "xlsx" {
		return usageError{fmt.Sprintf("--format must be json or xlsx, not %q", format)}
	}
	l, ok := i18n.Parse(lang)
	if !ok {
		return usageError{fmt.Sprintf("--lang must be zh-Hans, zh-Hant or en, not %q", lang)}
	}
	if f, ok := stdout.(*os.File); ok && format == "xlsx" && out == "" {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			return usageError{"--format xlsx writes a binary workbook: give --out FILE or redirect standard output to a file"}
		}
	}
	svc, db, err := planService(ctx, &o, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx = principal.With(ctx, principal.SystemPrincipal)
	e, err := svc.BuildExport(ctx, 0)
	if err != nil {
		return describe(err)
	}
	w := stdout
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	if format == "json" {
		return e.WriteJSON(w)
	}
	names, err := orgNamer(ctx, db, l)
	if err != nil {
		return err
	}
	return e.WriteXLSX(w, names)
}

func orgNamer(ctx context.Context, db *store.DB, lang i18n.Lang) (plan.OrgNamer, error) {
	list, err := org.List(ctx, db)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, x := range list {
		names[x.Code] = x.Name(string(lang))
	}
	return func(code string) string {
		if n, ok := names[code]; ok {
			return n
		}
		return code
	}, nil
}
