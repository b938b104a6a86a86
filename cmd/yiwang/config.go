package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/BurntSushi/toml"

	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/logmask"
	"github.com/yiwang-platform/yiwang/internal/oidc"
)

// options are the settings every subcommand shares. Each comes from, in order of precedence, a
// command-line flag, a YIWANG_* environment variable, the config file, and the default.
type options struct {
	Config      string `toml:"-"`
	Data        string `toml:"data"`
	DatabaseURL string `toml:"database_url"`
	Addr        string `toml:"addr"`
	NATSURL     string `toml:"nats_url"`
	LogLevel    string `toml:"log_level"`
	LogFormat   string `toml:"log_format"`
	Province    string `toml:"province"`
	Node        string `toml:"node"`
	NodeName    string `toml:"node_name"`
	PublicURL   string `toml:"public_url"`
	// OIDCSecret comes from the environment or the config file only: a flag would show it to
	// everyone who lists processes.
	OIDCSecret string `toml:"oidc_secret"`
	// MasterKey (base64 or hex, 32 bytes) wraps every data key; like the OIDC secret it comes
	// from the environment or the config file only. MasterKeyFile names a file holding it.
	MasterKey     string `toml:"master_key"`
	MasterKeyFile string `toml:"master_key_file"`
	// LedgerWitnesses are the witnesses that cosign this node's ledger checkpoints, and
	// LedgerWitnessed the other logs this node witnesses: comma-separated "URL KEY" and
	// "ORIGIN KEY" pairs (parseWitnessPeers, parseWitnessedLogs).
	LedgerWitnesses string `toml:"ledger_witnesses"`
	LedgerWitnessed string `toml:"ledger_witnessed"`
	Production      bool   `toml:"production"`
}

// setting describes one option for the flag set, the environment and --help.
type setting struct {
	flag, env, def, help string
	field                func(o *options) *string
}

var settings = []setting{
	{"data", "YIWANG_DATA", "./data", "directory of the embedded SQLite database and its files", func(o *options) *string { return &o.Data }},
	{"database-url", "YIWANG_DATABASE_URL", "", "PostgreSQL URL (postgres://user@host:5432/db); when set, used instead of SQLite under --data", func(o *options) *string { return &o.DatabaseURL }},
	{"addr", "YIWANG_ADDR", "127.0.0.1:8080", "address the web server listens on", func(o *options) *string { return &o.Addr }},
	{"nats-url", "YIWANG_NATS_URL", "", "NATS server with JetStream to publish events to (nats://127.0.0.1:4222); events stay in-process when empty", func(o *options) *string { return &o.NATSURL }},
	{"log-level", "YIWANG_LOG_LEVEL", "info", "debug, info, warn or error", func(o *options) *string { return &o.LogLevel }},
	{"log-format", "YIWANG_LOG_FORMAT", "text", "text or json", func(o *options) *string { return &o.LogFormat }},
	{"province", "YIWANG_PROVINCE", "350000", "region code of the province this node serves", func(o *options) *string { return &o.Province }},
	{"master-key-file", "YIWANG_MASTER_KEY_FILE", "", "file holding the master key that wraps all data keys (mode 0600; make one with `yiwang keys master-key`); never keep it in the data directory. A development node without one keeps one under the user's configuration directory", func(o *options) *string { return &o.MasterKeyFile }},
	{"ledger-witnesses", "YIWANG_LEDGER_WITNESSES", "", "witnesses that cosign this node's ledger checkpoints: comma-separated \"URL KEY\" pairs, URL the witness's prefix (https://node/ledger/witness), KEY its note verifier key", func(o *options) *string { return &o.LedgerWitnesses }},
	{"ledger-witnessed", "YIWANG_LEDGER_WITNESSED", "", "other nodes' ledgers this node witnesses at POST /ledger/witness/add-checkpoint: comma-separated \"ORIGIN KEY\" pairs (their checkpoint origin and note verifier key)", func(o *options) *string { return &o.LedgerWitnessed }},
	{"node", "YIWANG_NODE", "", "province code (GB/T 2260, ending in 0000) that names this node to other provinces' nodes and in its licences' credentials; --province when empty", func(o *options) *string { return &o.Node }},
	{"node-name", "YIWANG_NODE_NAME", "", "the node's name in its federation trust list (福建省); the province's name when empty", func(o *options) *string { return &o.NodeName }},
	{"public-url", "YIWANG_PUBLIC_URL", "", "URL where people and apps reach this node (https://yiwang.example.gov.cn); the OpenID Connect issuer is it + /oidc; required in production", func(o *options) *string { return &o.PublicURL }},
}

// commonFlags registers the shared options on fs; which lists the flags the command takes
// (nil for all of them).
func commonFlags(fs *flag.FlagSet, o *options, which ...string) {
	fs.StringVar(&o.Config, "config", "", "TOML config file with the same settings as the flags (env YIWANG_CONFIG)")
	for _, s := range settings {
		if which != nil && !contains(which, s.flag) {
			continue
		}
		fs.String(s.flag, "", fmt.Sprintf("%s (env %s, default %q)", s.help, s.env, s.def))
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// resolve fills o from flags that were set, then environment, then the config file, then defaults.
func resolve(fs *flag.FlagSet, o *options) error {
	set := map[string]string{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = f.Value.String() })
	if o.Config == "" {
		o.Config = os.Getenv("YIWANG_CONFIG")
	}
	var file options
	if o.Config != "" {
		md, err := toml.DecodeFile(o.Config, &file)
		if err != nil {
			return fmt.Errorf("config file %s: %w", o.Config, err)
		}
		if undec := md.Undecoded(); len(undec) > 0 {
			return fmt.Errorf("config file %s: unknown setting %q", o.Config, undec[0].String())
		}
	}
	for _, s := range settings {
		dst := s.field(o)
		switch {
		case set[s.flag] != "":
			*dst = set[s.flag]
		case os.Getenv(s.env) != "":
			*dst = os.Getenv(s.env)
		case *s.field(&file) != "":
			*dst = *s.field(&file)
		default:
			*dst = s.def
		}
	}
	if os.Getenv("YIWANG_PRODUCTION") == "true" || file.Production {
		o.Production = true
	}
	o.OIDCSecret = os.Getenv("YIWANG_OIDC_SECRET")
	if o.OIDCSecret == "" {
		o.OIDCSecret = file.OIDCSecret
	}
	if o.OIDCSecret != "" && len(o.OIDCSecret) < oidc.MinSecretLen {
		return fmt.Errorf("YIWANG_OIDC_SECRET must be at least %d characters of random data (openssl rand -hex 32)", oidc.MinSecretLen)
	}
	o.MasterKey = os.Getenv("YIWANG_MASTER_KEY")
	if o.MasterKey == "" {
		o.MasterKey = file.MasterKey
	}
	if o.MasterKey != "" && o.MasterKeyFile != "" {
		return fmt.Errorf("give the master key once: YIWANG_MASTER_KEY or --master-key-file, not both")
	}
	if o.MasterKey != "" {
		if _, err := keys.ParseMasterKey(o.MasterKey); err != nil {
			return fmt.Errorf("YIWANG_MASTER_KEY: %v (make one with `yiwang keys master-key`)", err)
		}
	}
	if _, err := parseWitnessPeers(o.LedgerWitnesses); err != nil {
		return err
	}
	if _, err := parseWitnessedLogs(o.LedgerWitnessed); err != nil {
		return err
	}
	if o.Node == "" {
		o.Node = o.Province
	}
	if err := idcode.ValidateRegionCode(o.Node); err != nil || !strings.HasSuffix(o.Node, "0000") {
		return fmt.Errorf("--node must be a province's region code, six digits ending in 0000 such as 350000, not %q", o.Node)
	}
	if o.NodeName = strings.TrimSpace(o.NodeName); o.NodeName == "" {
		if _, known := idcode.RegionName(o.Node, "zh-Hans"); !known {
			return fmt.Errorf("--node %s is not a province in the region table: give its name with --node-name", o.Node)
		}
	} else if n := utf8.RuneCountInString(o.NodeName); n > 64 {
		return fmt.Errorf("--node-name is %d characters, more than 64", n)
	}
	if o.PublicURL != "" {
		u, err := url.Parse(o.PublicURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "" && u.Path != "/" {
			return fmt.Errorf("--public-url must be an absolute http(s) URL without a path, such as https://yiwang.example.gov.cn, not %q", o.PublicURL)
		}
	}
	if o.Production && (o.PublicURL == "" || o.OIDCSecret == "") {
		return fmt.Errorf("production needs --public-url (YIWANG_PUBLIC_URL) and YIWANG_OIDC_SECRET (openssl rand -hex 32), the same on every node")
	}
	if o.Production && o.MasterKey == "" && o.MasterKeyFile == "" {
		return fmt.Errorf("production needs a master key: YIWANG_MASTER_KEY or --master-key-file (make one with `yiwang keys master-key`), the same on every node and kept apart from the database")
	}
	switch o.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("--log-format must be text or json, not %q", o.LogFormat)
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(o.LogLevel)); err != nil {
		return fmt.Errorf("--log-level must be debug, info, warn or error, not %q", o.LogLevel)
	}
	if o.DatabaseURL != "" && !strings.HasPrefix(o.DatabaseURL, "postgres://") && !strings.HasPrefix(o.DatabaseURL, "postgresql://") {
		return fmt.Errorf("--database-url must be a postgres:// URL")
	}
	return nil
}

func (o *options) logger(w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(o.LogLevel))
	ho := &slog.HandlerOptions{Level: lvl, ReplaceAttr: logmask.ReplaceAttr}
	if o.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, ho))
	}
	return slog.New(slog.NewTextHandler(w, ho))
}

// masterKey returns the node's master key: the configured one, or for a development node one
// kept under the user's configuration directory — never in the data directory, so that a copy of
// the data does not carry the key that opens it. Production always has a configured one.
func masterKey(o *options, logger *slog.Logger) (*keys.MasterKey, error) {
	switch {
	case o.MasterKey != "":
		return keys.ParseMasterKey(o.MasterKey)
	case o.MasterKeyFile != "":
		return keys.LoadMasterKeyFile(o.MasterKeyFile)
	case o.Production:
		return nil, fmt.Errorf("production needs a master key (YIWANG_MASTER_KEY or --master-key-file)")
	}
	where := o.Data
	if o.DatabaseURL != "" {
		where = o.DatabaseURL
	}
	path, err := keys.DevMasterKeyFile(where)
	if err != nil {
		return nil, err
	}
	m, created, err := keys.LoadOrCreateMasterKeyFile(path)
	if err != nil {
		return nil, err
	}
	if created {
		logger.Warn("created a development master key; production nodes must be given one", "file", path)
	}
	return m, nil
}
