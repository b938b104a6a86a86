package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cheggaaa/pb/v3"
	"github.com/emmansun/gmsm/smx509"

	"github.com/yiwang-platform/yiwang/internal/app"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/federation"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/license"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/qrcode"
)

const licenseUsage = `Usage:
  yiwang license import --type CODE --issuer ORG [--data DIR | --database-url URL] [--dry-run] [--lang LANG] FILE
        import licences issued before the platform from an Excel workbook (.xlsx, first sheet) or a
        CSV file (UTF-8, with or without BOM, or GB18030), one licence a row, the headers in row 1:
        证照编号 (number), 持证主体 (holder_name), 持证主体代码 (holder_code), 持证主体代码类型
        (holder_code_type: 111 resident ID, 001 credit code; inferred from the code when absent),
        颁证日期 (issued_on), 有效期起始日期 (valid_from; the issue date when empty),
        有效期截止日期 (valid_until; empty for a type without an end), and one column per
        face-data field of the type, by its key or Chinese name. At most 100,000 rows and 50 MB.
        Every row is checked first; a file with any bad row imports nothing and the report names
        each bad row and column. --dry-run checks without writing. The licences are issued by the
        platform for ORG and recorded as "system:cli.license-import".

  yiwang license verify [--trust FILE] [--node-key FILE] [--save-trust FILE] --snapshot FILE
                        [--at TIME] [--lang LANG] TEXT|@FILE|-
        verify a presentation (YWP1.…), a credential (YWC1.…) or a PNG/JPEG picture of its QR code
        offline, contacting no one: signatures against the trust list, status from the node's
        signed status snapshot (GET /api/v1/licenses/status of the node). The node's key
        (--node-key, a PEM public key an administrator approved) opens the trust list (--trust, as
        the node publishes it) and the snapshot; --save-trust keeps key and list in one file that
        later runs take as --trust alone. Without --trust the snapshot's keys are trusted.
        Prints one line: the state and why, in --lang (zh-Hans, zh-Hant or en).

` + fetchTrustUsage + `
` + verifyExitHelp

// verifyExitHelp documents license verify's exit codes.
const verifyExitHelp = `Exit codes of license verify: 0 valid; 3 suspended; 4 revoked; 5 superseded (an old version);
6 expired (the licence or the presentation); 7 forged; 8 not trusted; 9 malformed; 1 the verifier
could not run (an unreadable trust list or snapshot, or one not signed by the node key); 2 usage.
`

func cmdLicense(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"license needs a subcommand: import, verify or fetch-trust (see 'yiwang license help')"}
	}
	switch args[0] {
	case "help", "-h", "--help":
		fmt.Fprint(stdout, licenseUsage)
		return nil
	case "import":
		return cmdLicenseImport(ctx, args[1:], stdout, stderr)
	case "verify":
		return cmdLicenseVerify(args[1:], stdout, stderr)
	case "fetch-trust":
		return cmdLicenseFetchTrust(ctx, args[1:], stdout, stderr)
	}
	return usageError{fmt.Sprintf("unknown license subcommand %q: use import, verify or fetch-trust", args[0])}
}

// parseLang reads --lang.
func parseLang(s string) (i18n.Lang, error) {
	l, ok := i18n.Parse(s)
	if !ok {
		return "", usageError{fmt.Sprintf("--lang must be zh-Hans, zh-Hant or en, not %q", s)}
	}
	return l, nil
}

// describeIn is describe in lang.
func describeIn(err error, lang i18n.Lang) error {
	pe := errs.Public(err)
	if pe.Kind == errs.Internal {
		return err
	}
	msg := pe.Message
	if i18n.Has(msg) {
		msg = i18n.T(lang, msg, pe.Args...)
	} else if len(pe.Args) > 0 {
		msg = fmt.Sprintf(msg, pe.Args...)
	}
	if pe.Field != "" {
		msg = pe.Field + ": " + msg
	}
	return errors.New(msg)
}

// importPrincipal is who a command-line import acts as: the platform, for the issuer.
func importPrincipal(issuer string) principal.Principal {
	return principal.Principal{Kind: principal.System, Login: "cli.license-import", Name: "yiwang license import",
		OrgCode: issuer, Via: "cli"}
}

func cmdLicenseImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o options
	fs := newFlagSet("license import", "license import --type CODE --issuer ORG [--data DIR | --database-url URL] [--dry-run] FILE", stderr)
	commonFlags(fs, &o, "data", "database-url", "master-key-file", "province", "node", "public-url", "log-level", "log-format")
	typeCode := fs.String("type", "", "the licence type's code (21 characters; it must be published)")
	issuer := fs.String("issuer", "", "the issuing organisation's code in the directory (e.g. fz-market-regulation)")
	dryRun := fs.Bool("dry-run", false, "check every row and write nothing")
	langFlag := fs.String("lang", "zh-Hans", "language of the report: zh-Hans, zh-Hant or en")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() != 1:
		return usageError{"license import takes exactly one FILE (.xlsx or .csv; - for standard input)"}
	case *typeCode == "":
		return usageError{"--type: name the licence type (its 21-character code)"}
	case *issuer == "":
		return usageError{"--issuer: name the issuing organisation (its code in the directory)"}
	}
	lang, err := parseLang(*langFlag)
	if err != nil {
		return err
	}
	if err := resolve(fs, &o); err != nil {
		return usageError{err.Error()}
	}
	name := fs.Arg(0)
	data, err := readImportFile(name)
	if err != nil {
		return err
	}
	logger := o.logger(stderr)
	db, err := openMigrated(ctx, &o, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	master, err := masterKey(&o, logger)
	if err != nil {
		return err
	}
	secret, err := oidcSecret(&o)
	if err != nil {
		return err
	}
	// The whole platform, as the server assembles it: the licence service with the directory's
	// credit codes, the holders' inboxes and the ledger.
	a, err := app.New(ctx, app.Config{DB: db, Logger: logger, Production: o.Production, PublicURL: o.PublicURL,
		OIDCSecret: secret, MasterKey: master, Node: o.Node, NodeName: o.NodeName, Version: version()})
	if err != nil {
		return err
	}
	defer a.Close()
	svc := a.Licenses
	p := importPrincipal(*issuer)
	ctx = principal.With(ctx, p)
	typ, err := svc.Published(ctx, strings.ToUpper(strings.TrimSpace(*typeCode)))
	if err != nil {
		return fmt.Errorf("--type %s: %w", *typeCode, describeIn(err, lang))
	}
	file, err := license.ParseImport(data, name, typ)
	if err != nil {
		return importReport(stdout, name, err, lang)
	}
	req := license.ImportRequest{TypeCode: typ.Code, IssuerOrg: *issuer, File: file, DryRun: *dryRun}
	bar := progressBar(stderr, len(file.Rows))
	if bar != nil && !*dryRun {
		req.Progress = func(done, _ int) { bar.SetCurrent(int64(done)) }
		bar.Start()
	}
	res, err := svc.Import(ctx, p, req)
	if bar != nil && bar.IsStarted() {
		bar.Finish()
	}
	if err != nil {
		return importReport(stdout, name, err, lang)
	}
	if err := a.Keys.Flush(ctx); err != nil {
		logger.Warn("key uses not recorded", "err", err)
	}
	typeName := typ.NameHans
	switch lang {
	case i18n.ZhHant:
		typeName = typ.NameHant
	case i18n.En:
		typeName = typ.NameEn
	}
	if res.DryRun {
		fmt.Fprintln(stdout, i18n.T(lang, "license.import.checked", res.Rows, typeName))
		return nil
	}
	issuerName := *issuer
	if o, err := org.Get(ctx, db, *issuer); err == nil {
		issuerName = o.Name(string(lang))
	}
	fmt.Fprintln(stdout, i18n.T(lang, "license.import.done", len(res.Issued), typeName, issuerName))
	return nil
}

// importReport prints what is wrong with an import file and returns the command's error; an
// error that is not about the file is returned as it is.
func importReport(stdout io.Writer, name string, err error, lang i18n.Lang) error {
	var ie *license.ImportError
	if !errors.As(err, &ie) {
		return fmt.Errorf("%s: %w", name, describeIn(err, lang))
	}
	fmt.Fprintln(stdout, i18n.T(lang, "license.import.report", len(ie.Problems)))
	for _, p := range ie.Problems {
		fmt.Fprintln(stdout, "  "+p.Text(lang))
	}
	return fmt.Errorf("%s: %d problem(s); nothing was imported", name, len(ie.Problems))
}

// readImportFile reads an import file, refusing one over the limit before reading it.
func readImportFile(name string) ([]byte, error) {
	var r io.Reader = stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("cannot read %s: %w", name, err)
		}
		defer f.Close()
		st, err := f.Stat()
		switch {
		case err != nil:
			return nil, fmt.Errorf("cannot read %s: %w", name, err)
		case st.IsDir():
			return nil, fmt.Errorf("%s is a directory, not a spreadsheet", name)
		case st.Size() > license.MaxImportBytes:
			return nil, fmt.Errorf("%s is %d bytes, more than the limit of %d MB for an import; split it into several files",
				name, st.Size(), license.MaxImportBytes>>20)
		}
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(bufio.NewReader(r), license.MaxImportBytes+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", name, err)
	}
	if len(data) > license.MaxImportBytes {
		return nil, fmt.Errorf("%s is more than the limit of %d MB for an import; split it into several files", name, license.MaxImportBytes>>20)
	}
	return data, nil
}

// progressBar is a bar of total steps on w when w is a terminal, else nil (a pipe or a file, or
// the tests, get no bar).
func progressBar(w io.Writer, total int) *pb.ProgressBar {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return pb.New(total).SetWriter(f).SetRefreshRate(200 * time.Millisecond)
}

// Exit codes of license verify, one per family of answer.
var verifyExitCodes = map[license.State]int{
	license.StateValid:      0,
	license.StateSuspended:  3,
	license.StateRevoked:    4,
	license.StateSuperseded: 5,
	license.StateExpired:    6,
	license.StateForged:     7,
	license.StateNotTrusted: 8,
	license.StateMalformed:  9,
}

// verifyExit is the error of a verification whose answer is not valid: main exits with its code.
type verifyExit struct {
	state license.State
	code  int
}

func (e verifyExit) Error() string {
	return fmt.Sprintf("the licence is not valid: %s (exit code %d)", e.state, e.code)
}

// ExitCode is the process's exit status (main.exitCode).
func (e verifyExit) ExitCode() int { return e.code }

// trustFileFormat names the trust file license verify saves (--save-trust): the node's key and
// its trust list as published, so that later runs need no --node-key.
const trustFileFormat = "yiwang-trust-file/1"

type trustFile struct {
	Format  string          `json:"format"`
	Node    string          `json:"node"`
	NodeKey string          `json:"node_key"` // PEM
	List    json.RawMessage `json:"trust_list"`
	SavedAt time.Time       `json:"saved_at"`
}

// maxTrustFile bounds what is read of a trust file or key file.
const maxTrustFile = federation.MaxTrustList*2 + 64<<10

func cmdLicenseVerify(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("license verify", "license verify [--trust FILE] [--node-key FILE] --snapshot FILE [--at TIME] TEXT|@FILE|-", stderr)
	usage := fs.Usage
	fs.Usage = func() {
		usage()
		fmt.Fprint(stderr, "\n"+verifyExitHelp)
	}
	trustName := fs.String("trust", "", "the node's trust list as published (with --node-key), or a trust file saved by --save-trust")
	keyName := fs.String("node-key", "", "PEM file of the node's public key, as an administrator approved it")
	saveTrust := fs.String("save-trust", "", "write the node key and the trust list to this file, for later runs' --trust")
	snapName := fs.String("snapshot", "", "the node's signed status snapshot (YWS1.…)")
	at := fs.String("at", "", "verify as at this time (RFC 3339, or YYYY-MM-DD[ HH:MM] in China time); now if empty")
	langFlag := fs.String("lang", "zh-Hans", "language of the answer: zh-Hans, zh-Hant or en")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"license verify takes exactly one TEXT, @FILE or - (standard input)"}
	}
	lang, err := parseLang(*langFlag)
	if err != nil {
		return err
	}
	if *snapName == "" {
		return usageError{"--snapshot: give the node's signed status snapshot (GET /api/v1/licenses/status on the node)"}
	}
	now := time.Now()
	if *at != "" {
		if now, err = parseAt(*at); err != nil {
			return usageError{err.Error()}
		}
	}
	text, err := verifyInput(fs.Arg(0))
	if err != nil {
		return err
	}

	// The node's key: given, or from a saved trust file.
	var nodeKey crypto.PublicKey
	var saved *trustFile
	var list []byte
	if *trustName != "" {
		b, err := readSmall(*trustName)
		if err != nil {
			return err
		}
		var tf trustFile
		if json.Unmarshal(b, &tf) == nil && tf.Format == trustFileFormat {
			saved, list = &tf, tf.List
		} else {
			list = b
		}
	}
	switch {
	case *keyName != "":
		b, err := readSmall(*keyName)
		if err != nil {
			return err
		}
		if nodeKey, err = parsePublicKeyPEM(b); err != nil {
			return fmt.Errorf("--node-key %s: %w", *keyName, err)
		}
	case saved != nil:
		if nodeKey, err = parsePublicKeyPEM([]byte(saved.NodeKey)); err != nil {
			return fmt.Errorf("--trust %s: the saved node key: %w", *trustName, err)
		}
	default:
		return usageError{"--node-key: give the node's public key (PEM), or a trust file saved with --save-trust"}
	}

	var trust credential.Resolver
	var tl federation.TrustList
	if list != nil {
		if tl, err = federation.Open(list, nodeKey); err != nil {
			return fmt.Errorf("--trust %s: %w", *trustName, err)
		}
		keys, err := federation.Resolver(tl)
		if err != nil {
			return fmt.Errorf("--trust %s: %w", *trustName, err)
		}
		trust = keys
	}
	doc, err := readLimited(*snapName, license.MaxSnapshot)
	if err != nil {
		return err
	}
	// The node's JSON answer (GET /api/v1/licenses/status) carries the snapshot.
	snap, err := license.VerifySnapshot(snapshotOf(doc), nodeKey)
	if err != nil {
		return fmt.Errorf("--snapshot %s: %w", *snapName, err)
	}
	if list != nil && snap.Node != tl.Node {
		return fmt.Errorf("--snapshot %s is node %s's, the trust list node %s's", *snapName, snap.Node, tl.Node)
	}
	if trust == nil {
		keys, err := snap.Resolver()
		if err != nil {
			return fmt.Errorf("--snapshot %s: %w", *snapName, err)
		}
		trust = keys
	}
	if *saveTrust != "" {
		if list == nil {
			return usageError{"--save-trust needs --trust: the trust list to keep"}
		}
		if err := writeTrustFile(*saveTrust, tl.Node, nodeKey, list); err != nil {
			return err
		}
	}
	if now.After(snap.NextUpdate) {
		fmt.Fprintln(stderr, i18n.T(lang, "license.verify.stale_snapshot", snap.NextUpdate.In(clock.China).Format("2006-01-02 15:04")))
	}

	res := license.VerifyOfflineWith(text, trust, snap, now)
	fmt.Fprintln(stdout, i18n.T(lang, "license.verify.line", i18n.T(lang, "license.state."+string(res.State)), res.State,
		i18n.T(lang, res.Reason)))
	if code := verifyExitCodes[res.State]; code != 0 {
		return verifyExit{state: res.State, code: code}
	}
	return nil
}

// parseAt reads --at: RFC 3339, or a civil date and time in China.
func parseAt(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, clock.China); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--at %q: write a time as 2026-03-02T09:00:00+08:00 or 2026-03-02 09:00 (China time)", s)
}

// verifyInput reads what to verify: the argument itself, a file (@FILE) or standard input (-);
// a PNG or JPEG picture is read as the QR code it shows.
func verifyInput(arg string) (string, error) {
	var data []byte
	switch {
	case arg == "-":
		b, err := io.ReadAll(io.LimitReader(stdin, qrcode.MaxImageBytes+1))
		if err != nil {
			return "", fmt.Errorf("cannot read standard input: %w", err)
		}
		data = b
	case strings.HasPrefix(arg, "@"):
		b, err := readLimited(arg[1:], qrcode.MaxImageBytes)
		if err != nil {
			return "", err
		}
		data = b
	default:
		return arg, nil
	}
	if bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) || bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}) {
		text, err := qrcode.Read(data)
		if err != nil {
			return "", fmt.Errorf("%s: %w", arg, describeIn(err, i18n.ZhHans))
		}
		return text, nil
	}
	return string(bytes.TrimSpace(data)), nil
}

// readSmall reads a key or trust file.
func readSmall(name string) ([]byte, error) { return readLimited(name, maxTrustFile) }

// readLimited reads file name, refusing one larger than max bytes.
func readLimited(name string, max int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", name, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", name, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, max)
	}
	return b, nil
}

// parsePublicKeyPEM reads a PEM "PUBLIC KEY" (SubjectPublicKeyInfo; SM2 or ECDSA P-256).
func parsePublicKeyPEM(b []byte) (crypto.PublicKey, error) {
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PUBLIC KEY" {
		return nil, errors.New("not a PEM public key (-----BEGIN PUBLIC KEY-----)")
	}
	pub, err := smx509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	if _, err := credential.AlgorithmOf(pub); err != nil {
		return nil, err
	}
	return pub, nil
}

// writeTrustFile saves the node's key and trust list for later runs.
func writeTrustFile(name, node string, nodeKey crypto.PublicKey, list []byte) error {
	der, err := smx509.MarshalPKIXPublicKey(nodeKey)
	if err != nil {
		return err
	}
	tf := trustFile{Format: trustFileFormat, Node: node, NodeKey: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})),
		List: json.RawMessage(list), SavedAt: time.Now().UTC().Truncate(time.Second)}
	b, err := json.MarshalIndent(tf, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(name, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("--save-trust %s: %w", filepath.Base(name), err)
	}
	return nil
}
