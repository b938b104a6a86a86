package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestResolvePrecedence checks that a setting comes from the flag, else the environment, else
// the config file, else the default.
func TestResolvePrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "yiwang.toml")
	if err := os.WriteFile(file, []byte("data = \"/from/file\"\naddr = \"127.0.0.1:9000\"\nlog_level = \"warn\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name              string
		args              []string
		env               map[string]string
		data, addr, level string
		wantErr           string
	}{
		{name: "defaults", data: "./data", addr: "127.0.0.1:8080", level: "info"},
		{name: "file", args: []string{"--config", file}, data: "/from/file", addr: "127.0.0.1:9000", level: "warn"},
		{name: "file from env", env: map[string]string{"YIWANG_CONFIG": file}, data: "/from/file", addr: "127.0.0.1:9000", level: "warn"},
		{name: "env beats file", args: []string{"--config", file}, env: map[string]string{"YIWANG_DATA": "/from/env"},
			data: "/from/env", addr: "127.0.0.1:9000", level: "warn"},
		{name: "flag beats env and file", args: []string{"--config", file, "--data", "/from/flag"}, env: map[string]string{"YIWANG_DATA": "/from/env"},
			data: "/from/flag", addr: "127.0.0.1:9000", level: "warn"},
		{name: "bad log level", args: []string{"--log-level", "loud"}, wantErr: "--log-level"},
		{name: "bad database URL", env: map[string]string{"YIWANG_DATABASE_URL": "mysql://x"}, wantErr: "postgres://"},
		{name: "missing config file", args: []string{"--config", filepath.Join(dir, "none.toml")}, wantErr: "none.toml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hermetic(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			var o options
			fs := newFlagSet("serve", "serve", io.Discard)
			commonFlags(fs, &o)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			err := resolve(fs, &o)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one mentioning %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if o.Data != tc.data || o.Addr != tc.addr || o.LogLevel != tc.level {
				t.Errorf("data %q addr %q level %q, want %q %q %q", o.Data, o.Addr, o.LogLevel, tc.data, tc.addr, tc.level)
			}
		})
	}
}

func TestConfigFileRejectsUnknownSetting(t *testing.T) {
	hermetic(t)
	file := filepath.Join(t.TempDir(), "bad.toml")
	if err := os.WriteFile(file, []byte("datadir = \"/x\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var o options
	fs := newFlagSet("serve", "serve", io.Discard)
	commonFlags(fs, &o)
	if err := fs.Parse([]string{"--config", file}); err != nil {
		t.Fatal(err)
	}
	if err := resolve(fs, &o); err == nil || !strings.Contains(err.Error(), `unknown setting "datadir"`) {
		t.Errorf("err = %v, want unknown setting datadir", err)
	}
}

func TestSingleSignOnSettings(t *testing.T) {
	const secret = "0123456789abcdef0123456789abcdef0123456789abcdef"
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		wantErr string
	}{
		{"development needs nothing", nil, nil, ""},
		{"production without a public URL", map[string]string{"YIWANG_PRODUCTION": "true", "YIWANG_OIDC_SECRET": secret}, nil, "production needs --public-url"},
		{"production without a secret", map[string]string{"YIWANG_PRODUCTION": "true"}, []string{"--public-url", "https://yiwang.example.gov.cn"}, "YIWANG_OIDC_SECRET"},
		{"production without a master key", map[string]string{"YIWANG_PRODUCTION": "true", "YIWANG_OIDC_SECRET": secret}, []string{"--public-url", "https://yiwang.example.gov.cn"}, "production needs a master key"},
		{"production with all three", map[string]string{"YIWANG_PRODUCTION": "true", "YIWANG_OIDC_SECRET": secret, "YIWANG_MASTER_KEY": strings.Repeat("ab", 32)}, []string{"--public-url", "https://yiwang.example.gov.cn"}, ""},
		{"master key twice", map[string]string{"YIWANG_MASTER_KEY": strings.Repeat("ab", 32)}, []string{"--master-key-file", "/etc/yiwang/master.key"}, "not both"},
		{"master key not a key", map[string]string{"YIWANG_MASTER_KEY": "hunter2"}, nil, "YIWANG_MASTER_KEY"},
		{"short secret", map[string]string{"YIWANG_OIDC_SECRET": "short"}, nil, "at least 32 characters"},
		{"public URL with a path", nil, []string{"--public-url", "https://example.gov.cn/yiwang"}, "without a path"},
		{"public URL not a URL", nil, []string{"--public-url", "yiwang.example.gov.cn"}, "absolute http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hermetic(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var o options
			fs := newFlagSet("serve", "serve", io.Discard)
			commonFlags(fs, &o)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			err := resolve(fs, &o)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// TestDevelopmentSecretKept: a development node keeps its single sign-on secret in the data
// directory, readable only by its owner, so that tokens survive a restart.
func TestDevelopmentSecretKept(t *testing.T) {
	hermetic(t)
	o := options{Data: t.TempDir()}
	first, err := oidcSecret(&o)
	if err != nil || len(first) < 32 {
		t.Fatalf("first secret %q, %v", first, err)
	}
	fi, err := os.Stat(filepath.Join(o.Data, "oidc.secret"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("oidc.secret mode %v, want 0600", fi.Mode().Perm())
	}
	second, err := oidcSecret(&o)
	if err != nil || string(second) != string(first) {
		t.Errorf("second start got another secret (%v)", err)
	}
	if s, _ := oidcSecret(&options{Data: o.Data, Production: true}); s != nil {
		t.Error("production used the development secret file")
	}
}

// TestNodeSettings: --node (YIWANG_NODE) is a province's code, --province when empty, and
// --node-name (YIWANG_NODE_NAME) its name, which a province missing from the region table needs.
func TestNodeSettings(t *testing.T) {
	tests := []struct {
		name               string
		env                map[string]string
		args               []string
		wantNode, wantName string
		wantErr            string
	}{
		{"the default", nil, nil, "350000", "", ""},
		{"a flag", nil, []string{"--node", "330000", "--node-name", " 浙江省 "}, "330000", "浙江省", ""},
		{"the environment", map[string]string{"YIWANG_NODE": "440000", "YIWANG_NODE_NAME": "广东省"}, nil, "440000", "广东省", ""},
		{"the flag over the environment", map[string]string{"YIWANG_NODE": "440000"}, []string{"--node", "330000"}, "330000", "", ""},
		{"the province when empty", map[string]string{"YIWANG_PROVINCE": "320000"}, nil, "320000", "", ""},
		{"a city", nil, []string{"--node", "350100"}, "", "", "ending in 0000"},
		{"not a code", nil, []string{"--node", "fujian"}, "", "", "ending in 0000"},
		{"an unknown province", nil, []string{"--node", "990000"}, "", "", "ending in 0000"},
		{"a long name", nil, []string{"--node-name", strings.Repeat("省", 65)}, "", "", "more than 64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hermetic(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var o options
			fs := newFlagSet("demo", "demo", io.Discard)
			commonFlags(fs, &o)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			err := resolve(fs, &o)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if o.Node != tt.wantNode || o.NodeName != tt.wantName {
				t.Errorf("node %q named %q, want %q named %q", o.Node, o.NodeName, tt.wantNode, tt.wantName)
			}
		})
	}
}
