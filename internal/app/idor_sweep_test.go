package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// TestIDORSweep calls every API route that takes an id in its path as a signed-in resident who
// owns none of the objects those ids name — the demo's plan reports, the demo enterprise and its
// agent's authorisation, another resident's token, officials, organisations — and requires that
// no route needing a signed-in principal answers 2xx, and that the objects are unchanged after.
// New routes are swept automatically.
func TestIDORSweep(t *testing.T) {
	eachPlatform(t, unlimited(), nil, func(t *testing.T, e *authzEnv) {
		ctx := context.Background()
		ids := e.app.Identity
		owner := must(ids.AccountIDByPhone(sys(), demo.Residents[1].Phone))(t)
		ownerAcc := must(ids.Account(ctx, owner))(t)
		tok, tokSecret, err := ids.CreateToken(principal.With(ctx, ownerAcc.Principal()),
			identity.NewToken{Name: "张建国的脚本", Scopes: []string{principal.ScopeAPIWrite}, TTL: 24 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		res, err := ids.Login(ctx, demo.Residents[0].Phone, demo.Password, identity.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		cookie := &http.Cookie{Name: "yiwang_session", Value: res.Token}

		// Which operations need a signed-in principal, from the OpenAPI document.
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, httptest.NewRequest("GET", "/api/openapi.json", nil))
		var doc struct {
			Paths map[string]map[string]struct {
				Security []map[string][]string `json:"security"`
			} `json:"paths"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		values := map[string][]string{
			"id":   {fmt.Sprint(tok.ID), "1", "2", "3"},
			"code": {demo.DemoEnterprise.CreditCode, "fj-miit"},
			"day":  {"2026-03-09"},
		}
		swept := 0
		for _, route := range e.app.Server.Routes() {
			method, path, _ := strings.Cut(route, " ")
			if !strings.HasPrefix(path, "/api/v1/") || !strings.Contains(path, "{") {
				continue
			}
			op, ok := doc.Paths[path][strings.ToLower(method)]
			if !ok {
				t.Errorf("%s is not documented", route)
				continue
			}
			if len(op.Security) == 0 && method == "GET" {
				continue // public reading
			}
			for _, target := range expand(path, values) {
				r := httptest.NewRequest(method, target, strings.NewReader(`{}`))
				r.Header.Set("Content-Type", "application/json")
				r.AddCookie(cookie)
				w := httptest.NewRecorder()
				e.h.ServeHTTP(w, r)
				swept++
				if w.Code >= 200 && w.Code < 300 {
					t.Errorf("%s %s as a resident who owns nothing there: %d %s", method, target, w.Code, w.Body.String())
				}
			}
		}
		t.Logf("swept %d requests over the id-taking routes", swept)
		if swept < 10 {
			t.Fatalf("swept only %d requests: are the routes registered?", swept)
		}
		// Nothing of anyone else's changed.
		if _, err := ids.TokenPrincipal(ctx, tokSecret); err != nil {
			t.Errorf("the owner's token no longer works: %v", err)
		}
		agents, err := ids.EnterpriseAgents(principal.With(ctx, ownerAcc.Principal()), demo.DemoEnterprise.CreditCode)
		if err != nil || len(agents) != 1 || !agents[0].Active(e.clk.Now()) {
			t.Errorf("the demo agent's authorisation changed: %+v, %v", agents, err)
		}
	})
}

// expand fills each {name} of path with each of values[name], every combination.
func expand(path string, values map[string][]string) []string {
	i := strings.Index(path, "{")
	if i < 0 {
		return []string{path}
	}
	j := strings.Index(path[i:], "}") + i
	vs := values[strings.TrimSuffix(path[i+1:j], "...")]
	if len(vs) == 0 {
		vs = []string{"1"}
	}
	var out []string
	for _, v := range vs {
		for _, rest := range expand(path[j+1:], values) {
			out = append(out, path[:i]+v+rest)
		}
	}
	return out
}
