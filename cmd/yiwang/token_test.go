package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/app"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/identity"
)

var tokenRE = regexp.MustCompile(`(?m)^(` + identity.TokenPrefix + `\S+)$`)

// callAPI sends one request with a bearer token to the platform's handler and returns the
// status and the decoded JSON body.
func callAPI(t *testing.T, h http.Handler, method, path, token, body string) (int, any) {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	var got any
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatalf("%s %s: not JSON: %s", method, path, w.Body)
	}
	return w.Code, got
}

// pick returns the values of keys of a JSON object.
func pick(v any, keys ...string) []any {
	m, _ := v.(map[string]any)
	var out []any
	for _, k := range keys {
		out = append(out, m[k])
	}
	return out
}

func TestToken(t *testing.T) {
	hermetic(t)
	dir := t.TempDir()
	stdin = strings.NewReader("a-strong-password-1\n")
	t.Cleanup(func() { stdin = nil })
	mustRun(t, "account", "create", "--data", dir, "--login", "szb.chief", "--name", "刘建国", "--org", "fj-digital-office", "--roles", "administrator")
	stdin = strings.NewReader("a-strong-password-2\n")
	mustRun(t, "account", "create", "--data", dir, "--login", "gxt.clerk", "--name", "黄志强", "--org", "fj-miit")

	out := mustRun(t, "token", "create", "--data", dir, "--account", "szb.chief", "--scope", "api:read", "--ttl", "30d", "--name", "报表脚本")
	m := tokenRE.FindStringSubmatch(out)
	if m == nil || !regexp.MustCompile(`created token \d+ "报表脚本" for szb.chief with scope api:read, expires 20\d\d-\d\d-\d\d \d\d:\d\d CST`).MatchString(out) {
		t.Fatalf("token create printed:\n%s", out)
	}
	readTok := m[1]
	out = mustRun(t, "token", "create", "--data", dir, "--account", "SZB.Chief", "--scope", "api:read, api:write", "--ttl", "12h", "--name", "同步")
	m = tokenRE.FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "with scope api:read,api:write") {
		t.Fatalf("second token create printed:\n%s", out)
	}
	writeTok := m[1]

	// The printed tokens work as bearer tokens against the platform.
	db, err := openStore(context.Background(), &options{Data: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a, err := app.New(context.Background(), app.Config{DB: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	h := a.Server.Handler()
	p, err := a.Identity.TokenPrincipal(context.Background(), readTok)
	if err != nil || p.Login != "szb.chief" || !cmp.Equal(p.Scopes, []string{"api:read"}) {
		t.Errorf("TokenPrincipal: %+v, %v", p, err)
	}
	if status, body := callAPI(t, h, "GET", "/api/v1/me", readTok, ""); status != 200 || !cmp.Equal(pick(body, "login", "via"), []any{"szb.chief", "token"}) {
		t.Errorf("GET /api/v1/me with the read token: %d %v", status, body)
	}
	if status, _ := callAPI(t, h, "GET", "/api/v1/officials", readTok, ""); status != 200 {
		t.Errorf("GET /api/v1/officials with the read token: %d", status)
	}
	if status, _ := callAPI(t, h, "PUT", "/api/v1/officials/2/roles", readTok, `{"roles":["reviewer"]}`); status != 403 {
		t.Errorf("PUT roles with the read token: %d, want 403", status)
	}
	if status, body := callAPI(t, h, "PUT", "/api/v1/officials/2/roles", writeTok, `{"roles":["reviewer"]}`); status != 200 ||
		!cmp.Equal(pick(body, "login", "roles"), []any{"gxt.clerk", []any{"reviewer"}}) {
		t.Errorf("PUT roles with the write token: %d %v", status, body)
	}

	out = mustRun(t, "token", "list", "--data", dir, "--account", "szb.chief")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "ID") || !strings.Contains(lines[1], "同步") || !strings.Contains(lines[2], "报表脚本") ||
		!strings.HasSuffix(lines[2], "active") || strings.Contains(out, readTok) || strings.Contains(out, writeTok) {
		t.Errorf("token list printed:\n%s", out)
	}
	readID := strings.Fields(lines[2])[0]
	if out := mustRun(t, "token", "list", "--data", dir, "--account", "gxt.clerk"); out != "gxt.clerk has no tokens\n" {
		t.Errorf("token list of an account without tokens: %q", out)
	}

	// Another account's token id is not this account's to revoke.
	if _, _, err := yiwang(t, "token", "revoke", "--data", dir, "--account", "gxt.clerk", "--id", readID); err == nil || !strings.Contains(err.Error(), "--id") {
		t.Errorf("revoke another account's token: %v, want an error naming --id", err)
	}
	if out := mustRun(t, "token", "revoke", "--data", dir, "--account", "szb.chief", "--id", readID); out != "revoked token "+readID+" of szb.chief\n" {
		t.Errorf("token revoke printed %q", out)
	}
	if _, err := a.Identity.TokenPrincipal(context.Background(), readTok); !errs.Is(err, errs.Unauthenticated) {
		t.Errorf("revoked token: %v, want unauthenticated", err)
	}
	if status, _ := callAPI(t, h, "GET", "/api/v1/me", readTok, ""); status != 401 {
		t.Errorf("GET /api/v1/me with the revoked token: %d, want 401", status)
	}
	if out := mustRun(t, "token", "list", "--data", dir, "--account", "szb.chief"); !strings.Contains(out, "revoked 20") {
		t.Errorf("token list after revoking:\n%s", out)
	}
	var actor string
	if err := db.Get(context.Background(), &actor, `SELECT actor FROM audit_events WHERE action = 'identity.token.revoked'`); err != nil || actor != "system:system" {
		t.Errorf("the revocation was audited as %q (%v), want the system", actor, err)
	}

	for _, tc := range []struct {
		name string
		args []string
		want string // in the error
	}{
		{"no subcommand", nil, "create, list or revoke"},
		{"unknown subcommand", []string{"rotate"}, `"rotate"`},
		{"create without account", []string{"create", "--scope", "api:read", "--ttl", "1d", "--name", "x"}, "--account"},
		{"create for an unknown account", []string{"create", "--account", "nobody.here", "--scope", "api:read", "--ttl", "1d", "--name", "x"}, "--account"},
		{"create without name", []string{"create", "--account", "szb.chief", "--scope", "api:read", "--ttl", "1d"}, "--name"},
		{"create without scope", []string{"create", "--account", "szb.chief", "--ttl", "1d", "--name", "x"}, "--scope"},
		{"create with an unknown scope", []string{"create", "--account", "szb.chief", "--scope", "api:admin", "--ttl", "1d", "--name", "x"}, "--scope"},
		{"create without ttl", []string{"create", "--account", "szb.chief", "--scope", "api:read", "--name", "x"}, "--ttl"},
		{"create with a bad ttl", []string{"create", "--account", "szb.chief", "--scope", "api:read", "--ttl", "30x", "--name", "x"}, "--ttl"},
		{"create with a negative ttl", []string{"create", "--account", "szb.chief", "--scope", "api:read", "--ttl", "-1d", "--name", "x"}, "--ttl"},
		{"create for more than a year", []string{"create", "--account", "szb.chief", "--scope", "api:read", "--ttl", "400d", "--name", "x"}, "--ttl"},
		{"create with an argument", []string{"create", "--account", "szb.chief", "--scope", "api:read", "--ttl", "1d", "--name", "x", "extra"}, `"extra"`},
		{"create with an unknown flag", []string{"create", "--acount", "szb.chief"}, "acount"},
		{"list without account", []string{"list"}, "--account"},
		{"revoke without id", []string{"revoke", "--account", "szb.chief"}, "--id"},
		{"revoke with a bad id", []string{"revoke", "--account", "szb.chief", "--id", "abc"}, "--id"},
		{"revoke an unknown id", []string{"revoke", "--account", "szb.chief", "--id", "99999"}, "--id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"token"}, tc.args...)
			if len(tc.args) > 0 {
				args = append(args, "--data", dir)
				if tc.name == "unknown subcommand" {
					args = []string{"token", "rotate"}
				}
			}
			_, _, err := yiwang(t, args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("yiwang %s: %v, want an error mentioning %q", strings.Join(args, " "), err, tc.want)
			}
		})
	}
	if out := mustRun(t, "token", "help"); !strings.Contains(out, "yiwang token create") {
		t.Errorf("token help printed %q", out)
	}
	// Nothing the refusals did created a token.
	if out := mustRun(t, "token", "list", "--data", dir, "--account", "szb.chief"); strings.Count(out, "\n") != 3 {
		t.Errorf("refused commands changed the tokens:\n%s", out)
	}
}
