package api_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// The people of the identity scenarios, made by identityFixture: residents A (林小明, who owns
// enterprise entA) and B (陈美玲, who owns entB), both verified against the population registry,
// and G (王海燕, level 1), whom A authorised as agent of entA; G's session acts for entA. They sign
// in by phone with demo.Password.
const (
	phoneA = "19959020001"
	phoneB = "19959020002"
	phoneG = "19959020003"
	agentG = "agent-acting-for-entA" // the sessions key of G's session acting for entA
)

var (
	entA = idcode.NewCreditCode('9', '1', "350100", "MA2YXK0L")
	entB = idcode.NewCreditCode('9', '1', "350200", "MA31PQ7R")
)

// bearer is the header of a request with the saved token name.
func bearer(name string) map[string]string {
	return map[string]string{"Authorization": "Bearer {" + name + "}"}
}

// anonymousIdentity calls every identity route without credentials. The scenarios of
// api_test.go include them, so that every route has a scenario there too.
var anonymousIdentity = []scenario{
	{name: "identity: me, anonymous", method: "GET", url: "/api/v1/me", status: 401, want: unauthenticated},
	{name: "identity: logins, anonymous", method: "GET", url: "/api/v1/me/logins", status: 401, want: unauthenticated},
	{name: "identity: tokens, anonymous", method: "GET", url: "/api/v1/me/tokens", status: 401, want: unauthenticated},
	{name: "identity: create token, anonymous", method: "POST", url: "/api/v1/me/tokens", body: `{"name":"x","scopes":["api:read"],"ttl_days":1}`,
		status: 401, want: unauthenticated},
	{name: "identity: revoke token, anonymous", method: "DELETE", url: "/api/v1/me/tokens/1", status: 401, want: unauthenticated},
	{name: "identity: enterprises, anonymous", method: "GET", url: "/api/v1/me/enterprises", status: 401, want: unauthenticated},
	{name: "identity: agents, anonymous", method: "GET", url: "/api/v1/enterprises/" + entA + "/agents", status: 401, want: unauthenticated},
	{name: "identity: authorise agent, anonymous", method: "POST", url: "/api/v1/enterprises/" + entA + "/agents",
		body: `{"agent":"` + phoneB + `","scopes":["licences"],"valid_until":"2026-12-31"}`, status: 401, want: unauthenticated},
	{name: "identity: revoke agent, anonymous", method: "DELETE", url: "/api/v1/enterprises/" + entA + "/agents/1", status: 401, want: unauthenticated},
	{name: "identity: officials, anonymous", method: "GET", url: "/api/v1/officials", status: 401, want: unauthenticated},
	{name: "identity: set roles, anonymous", method: "PUT", url: "/api/v1/officials/1/roles", body: `{"roles":[]}`, status: 401, want: unauthenticated},
	{name: "identity: stale session is anonymous", method: "GET", url: "/api/v1/me", header: map[string]string{"Cookie": "yiwang_session=gone"},
		status: 401, want: unauthenticated},
}

func init() { scenarios = append(scenarios, anonymousIdentity...) }

// identityScenarios run in order after identityFixture; later ones see what earlier ones changed.
var identityScenarios = []scenario{
	// Who am I.
	{name: "me: resident", method: "GET", url: "/api/v1/me", as: phoneA, status: 200,
		want: map[string]any{"kind": "resident", "name": "林小明", "real_name_level": 2, "roles.#": 0, "acting_for": nil, "scopes": nil,
			"via": "session", "phone": "199****0001", "id_type": "resident_id", "id_number": maskedID(1), "totp_enabled": false, "org_code": absent},
		save: map[string]string{"idA": "account_id"}},
	{name: "me: the agent acting for an enterprise", method: "GET", url: "/api/v1/me", as: agentG, status: 200,
		want: map[string]any{"kind": "enterprise_agent", "name": "王海燕", "real_name_level": 1, "acting_for.credit_code": entA,
			"acting_for.name": "福州闽江数据科技有限公司", "acting_for.scopes.#": 2, "acting_for.scopes.0": "licences", "acting_for.scopes.1": "taxation"}},
	{name: "me: official", method: "GET", url: "/api/v1/me", as: admin, status: 200,
		want: map[string]any{"kind": "official", "login": admin, "org_code": "fj-digital-office", "roles.#": 2, "roles.0": "administrator",
			"real_name_level": 0, "phone": absent, "id_number": absent},
		save: map[string]string{"idAdmin": "account_id"}},

	// Login history: one's own only.
	{name: "logins: own", method: "GET", url: "/api/v1/me/logins", as: phoneA, status: 200,
		want: map[string]any{"#": 1, "0.method": "password", "0.outcome": "success"}},
	{name: "logins: B's own, with the failure against B", method: "GET", url: "/api/v1/me/logins", as: phoneB, status: 200,
		want: map[string]any{"#": 2, "0.outcome": "success", "1.outcome": "bad_credentials", "1.client_ip": "203.0.113.66"}},
	{name: "logins: limit", method: "GET", url: "/api/v1/me/logins?limit=1", as: phoneB, status: 200, want: map[string]any{"#": 1}},
	{name: "logins: bad limit", method: "GET", url: "/api/v1/me/logins?limit=0", as: phoneB, status: 400,
		want: fieldErr("limit", zh("api.error.bad_limit", 500))},

	// Personal access tokens.
	{name: "tokens: none yet", method: "GET", url: "/api/v1/me/tokens", as: phoneA, status: 200, want: map[string]any{"#": 0}},
	{name: "tokens: create read-only", method: "POST", url: "/api/v1/me/tokens", as: phoneA,
		body: `{"name":"报表脚本","scopes":["api:read"],"ttl_days":30}`, status: 201,
		want: map[string]any{"token": present, "name": "报表脚本", "scopes.#": 1, "scopes.0": "api:read", "prefix": present,
			"created_at": "2026-03-02T01:00:00Z", "expires_at": "2026-04-01T01:00:00Z"},
		audit: []string{"identity.token.created"}, save: map[string]string{"readA": "token", "readA_id": "id"}},
	{name: "tokens: create read-write", method: "POST", url: "/api/v1/me/tokens", as: phoneA,
		body: `{"name":"同步任务","scopes":["api:write","api:read"],"ttl_days":366}`, status: 201,
		want:  map[string]any{"scopes.#": 2, "expires_at": "2027-03-03T01:00:00Z"},
		audit: []string{"identity.token.created"}, save: map[string]string{"writeA": "token", "writeA_id": "id"}},
	{name: "tokens: B's own", method: "POST", url: "/api/v1/me/tokens", as: phoneB,
		body: `{"name":"B","scopes":["api:write"],"ttl_days":1}`, status: 201,
		audit: []string{"identity.token.created"}, save: map[string]string{"writeB": "token", "writeB_id": "id"}},
	{name: "tokens: TTL of 0 days", method: "POST", url: "/api/v1/me/tokens", as: phoneA, body: `{"name":"x","scopes":["api:read"],"ttl_days":0}`,
		status: 400, want: fieldErr("ttl_days", zh("identity.error.token_ttl", 366))},
	{name: "tokens: TTL over a year", method: "POST", url: "/api/v1/me/tokens", as: phoneA, body: `{"name":"x","scopes":["api:read"],"ttl_days":367}`,
		status: 400, want: fieldErr("ttl_days", zh("identity.error.token_ttl", 366))},
	{name: "tokens: unknown scope", method: "POST", url: "/api/v1/me/tokens", as: phoneA, body: `{"name":"x","scopes":["admin"],"ttl_days":1}`,
		status: 400, want: map[string]any{"error.kind": "invalid", "error.field": "scopes"}},
	{name: "tokens: no scope", method: "POST", url: "/api/v1/me/tokens", as: phoneA, body: `{"name":"x","ttl_days":1}`,
		status: 400, want: map[string]any{"error.kind": "invalid", "error.field": "scopes"}},
	{name: "tokens: no name", method: "POST", url: "/api/v1/me/tokens", as: phoneA, body: `{"scopes":["api:read"],"ttl_days":1}`,
		status: 400, want: map[string]any{"error.kind": "invalid", "error.field": "name"}},
	{name: "tokens: unknown field", method: "POST", url: "/api/v1/me/tokens", as: phoneA, body: `{"name":"x","scopes":["api:read"],"ttl":"30d"}`,
		status: 400, want: fieldErr("ttl", zh("api.error.unknown_field", "ttl"))},
	{name: "tokens: listed without the secret", method: "GET", url: "/api/v1/me/tokens", as: phoneA, status: 200,
		want: map[string]any{"#": 2, "0.id": "{writeA_id}", "1.id": "{readA_id}", "0.token": absent, "0.token_hash": absent, "1.name": "报表脚本"}},

	// Bearer tokens on the API.
	{name: "bearer: read token reads", method: "GET", url: "/api/v1/me", header: bearer("readA"), status: 200,
		want: map[string]any{"kind": "resident", "account_id": "{idA}", "via": "token", "scopes.#": 1, "scopes.0": "api:read", "phone": "199****0001"}},
	{name: "bearer: read token lists tokens", method: "GET", url: "/api/v1/me/tokens", header: bearer("readA"), status: 200,
		want: map[string]any{"#": 2, "1.last_used_at": present}},
	{name: "bearer: read token cannot create", method: "POST", url: "/api/v1/me/tokens", header: bearer("readA"),
		body: `{"name":"x","scopes":["api:read"],"ttl_days":1}`, status: 403, want: errWant("forbidden", zh("error.token_read_only"))},
	{name: "bearer: read token cannot revoke", method: "DELETE", url: "/api/v1/me/tokens/{writeA_id}", header: bearer("readA"),
		status: 403, want: errWant("forbidden", zh("error.token_read_only"))},
	{name: "bearer: read token cannot authorise", method: "POST", url: "/api/v1/enterprises/" + entA + "/agents", header: bearer("readA"),
		body: `{"agent":"` + phoneB + `","scopes":["licences"],"valid_until":"2026-12-31"}`, status: 403,
		want: errWant("forbidden", zh("error.token_read_only"))},
	{name: "bearer: read token lists its owner's agents", method: "GET", url: "/api/v1/enterprises/" + entA + "/agents", header: bearer("readA"),
		status: 200, want: map[string]any{"#": 1}},
	{name: "bearer: a token cannot mint a token", method: "POST", url: "/api/v1/me/tokens", header: bearer("writeA"),
		body: `{"name":"x","scopes":["api:read"],"ttl_days":1}`, status: 403, want: errWant("forbidden", zh("identity.error.token_from_token"))},
	{name: "bearer: unknown token", method: "GET", url: "/api/v1/me", header: map[string]string{"Authorization": "Bearer ywpat_nothing_here"},
		status: 401, want: unauthenticated},
	{name: "bearer: not a bearer", method: "GET", url: "/api/v1/me", header: map[string]string{"Authorization": "Basic eDp5"},
		status: 401, want: errWant("unauthenticated", zh("error.bad_authorization"))},
	{name: "bearer: another's token is not found", method: "DELETE", url: "/api/v1/me/tokens/{readA_id}", header: bearer("writeB"),
		status: 404, want: map[string]any{"error.kind": "not_found"}},
	{name: "bearer: write token revokes a sibling", method: "DELETE", url: "/api/v1/me/tokens/{readA_id}", header: bearer("writeA"),
		status: 200, want: map[string]any{"id": "{readA_id}", "revoked_at": present}, audit: []string{"identity.token.revoked"}},
	{name: "bearer: revoked token", method: "GET", url: "/api/v1/me", header: bearer("readA"), status: 401,
		want: errWant("unauthenticated", zh("identity.error.token_expired"))},
	{name: "bearer: revoked token cannot write either", method: "DELETE", url: "/api/v1/me/tokens/{writeA_id}", header: bearer("readA"),
		status: 401, want: errWant("unauthenticated", zh("identity.error.token_expired"))},
	{name: "bearer: a token of a resident is no administrator", method: "GET", url: "/api/v1/officials", header: bearer("writeA"),
		status: 403, want: map[string]any{"error.kind": "forbidden"}},
	{name: "tokens: revoke another's (IDOR)", method: "DELETE", url: "/api/v1/me/tokens/{writeA_id}", as: phoneB, status: 404,
		want: map[string]any{"error.kind": "not_found"}},
	{name: "tokens: revoke unknown", method: "DELETE", url: "/api/v1/me/tokens/99999", as: phoneA, status: 404,
		want: map[string]any{"error.kind": "not_found"}},
	{name: "tokens: revoke non-numeric", method: "DELETE", url: "/api/v1/me/tokens/abc", as: phoneA, status: 404,
		want: map[string]any{"error.kind": "not_found"}},
	{name: "tokens: A's write token still works after B's attempt", method: "GET", url: "/api/v1/me/tokens", header: bearer("writeA"), status: 200,
		want: map[string]any{"#": 2, "0.id": "{writeA_id}", "0.revoked_at": absent}},

	// Enterprises and agents.
	{name: "enterprises: owner", method: "GET", url: "/api/v1/me/enterprises", as: phoneA, status: 200,
		want: map[string]any{"#": 1, "0.credit_code": entA, "0.name": "福州闽江数据科技有限公司", "0.region_code": "350100", "0.owner": true,
			"0.acting": false, "0.scopes.0": "all", "0.owner_account_id": absent}},
	{name: "enterprises: agent", method: "GET", url: "/api/v1/me/enterprises", as: agentG, status: 200,
		want: map[string]any{"#": 1, "0.credit_code": entA, "0.owner": false, "0.acting": true, "0.scopes.#": 2}},
	{name: "enterprises: official has none", method: "GET", url: "/api/v1/me/enterprises", as: gxt, status: 200, want: map[string]any{"#": 0}},
	{name: "agents: owner lists", method: "GET", url: "/api/v1/enterprises/" + entA + "/agents", as: phoneA, status: 200,
		want: map[string]any{"#": 1, "0.id": "{authG}", "0.agent_name": "王海燕", "0.agent_phone": "199****0003", "0.scopes.#": 2,
			"0.agent_account_id": absent}},
	{name: "agents: code typed in lower case", method: "GET", url: "/api/v1/enterprises/" + strings.ToLower(entA) + "/agents", as: phoneA,
		status: 200, want: map[string]any{"#": 1}},
	{name: "agents: another owner (IDOR)", method: "GET", url: "/api/v1/enterprises/" + entA + "/agents", as: phoneB, status: 404,
		want: map[string]any{"error.kind": "not_found"}},
	{name: "agents: the agent does not manage agents", method: "GET", url: "/api/v1/enterprises/" + entA + "/agents", as: agentG, status: 404,
		want: map[string]any{"error.kind": "not_found"}},
	{name: "agents: an administrator does not either", method: "GET", url: "/api/v1/enterprises/" + entA + "/agents", as: admin, status: 404,
		want: map[string]any{"error.kind": "not_found"}},
	{name: "agents: unknown enterprise", method: "GET", url: "/api/v1/enterprises/91350100MA0000000X/agents", as: phoneA, status: 404,
		want: map[string]any{"error.kind": "not_found"}},
	{name: "authorise: another owner (IDOR)", method: "POST", url: "/api/v1/enterprises/" + entA + "/agents", as: phoneB,
		body: `{"agent":"` + phoneB + `","scopes":["all"],"valid_until":"2026-12-31"}`, status: 404, want: map[string]any{"error.kind": "not_found"}},
	{name: "authorise: the agent cannot authorise", method: "POST", url: "/api/v1/enterprises/" + entA + "/agents", as: agentG,
		body: `{"agent":"` + phoneB + `","scopes":["all"],"valid_until":"2026-12-31"}`, status: 404, want: map[string]any{"error.kind": "not_found"}},
	{name: "authorise: bad date", method: "POST", url: "/api/v1/enterprises/" + entA + "/agents", as: phoneA,
		body: `{"agent":"` + phoneB + `","scopes":["licences"],"valid_until":"2026-13-01"}`, status: 400,
		want: fieldErr("valid_until", zh("api.error.bad_time", "2026-13-01"))},
	{name: "authorise: no end", method: "POST", url: "/api/v1/enterprises/" + entA + "/agents", as: phoneA,
		body: `{"agent":"` + phoneB + `","scopes":["licences"]}`, status: 400, want: map[string]any{"error.kind": "invalid", "error.field": "valid_until"}},
	{name: "authorise: longer than three years", method: "POST", url: "/api/v1/enterprises/" + entA + "/agents", as: phoneA,
		body: `{"agent":"` + phoneB + `","scopes":["licences"],"valid_until":"2030-01-01"}`, status: 400,
		want: map[string]any{"error.kind": "invalid", "error.field": "valid_until"}},
	{name: "authorise: unknown scope", method: "POST", url: "/api/v1/enterprises/" + entA + "/agents", as: phoneA,
		body: `{"agent":"` + phoneB + `","scopes":["everything"],"valid_until":"2026-12-31"}`, status: 400,
		want: map[string]any{"error.kind": "invalid", "error.field": "scopes"}},
	{name: "authorise: unknown agent", method: "POST", url: "/api/v1/enterprises/" + entA + "/agents", as: phoneA,
		body: `{"agent":"13000000000","scopes":["licences"],"valid_until":"2026-12-31"}`, status: 400,
		want: fieldErr("agent", zh("identity.error.agent_unknown"))},
	{name: "authorise: B for licences", method: "POST", url: "/api/v1/enterprises/" + entA + "/agents", as: phoneA,
		body: `{"agent":"` + phoneB + `","scopes":["licences"],"valid_from":"2026-03-02T09:00:00+08:00","valid_until":"2026-12-31"}`, status: 201,
		want: map[string]any{"id": present, "credit_code": entA, "agent_name": "陈美玲", "agent_phone": "199****0002", "scopes.0": "licences",
			"revoked_at": absent},
		audit: []string{"identity.agent.authorised"}, save: map[string]string{"authB": "id"}},
	{name: "authorise: listed with its period", method: "GET", url: "/api/v1/enterprises/" + entA + "/agents", as: phoneA, status: 200,
		want: map[string]any{"#": 2, "0.id": "{authB}", "0.valid_from": "2026-03-02T01:00:00Z", "0.valid_until": "2026-12-31T16:00:00Z"}},
	{name: "authorise: B sees it among its enterprises", method: "GET", url: "/api/v1/me/enterprises", as: phoneB, status: 200,
		want: map[string]any{"#": 2}},
	{name: "revoke agent: another owner (IDOR)", method: "DELETE", url: "/api/v1/enterprises/" + entA + "/agents/{authG}", as: phoneB, status: 404,
		want: map[string]any{"error.kind": "not_found"}},
	{name: "revoke agent: through another enterprise (IDOR)", method: "DELETE", url: "/api/v1/enterprises/" + entB + "/agents/{authG}", as: phoneB,
		status: 404, want: map[string]any{"error.kind": "not_found"}},
	{name: "revoke agent: the agent itself", method: "DELETE", url: "/api/v1/enterprises/" + entA + "/agents/{authG}", as: agentG, status: 404,
		want: map[string]any{"error.kind": "not_found"}},
	{name: "revoke agent: the agent still acts", method: "GET", url: "/api/v1/me", as: agentG, status: 200,
		want: map[string]any{"kind": "enterprise_agent", "acting_for.credit_code": entA}},
	{name: "revoke agent: unknown id", method: "DELETE", url: "/api/v1/enterprises/" + entA + "/agents/99999", as: phoneA, status: 404,
		want: map[string]any{"error.kind": "not_found"}},
	{name: "revoke agent: owner", method: "DELETE", url: "/api/v1/enterprises/" + entA + "/agents/{authG}", as: phoneA, status: 200,
		want: map[string]any{"id": "{authG}", "revoked_at": present}, audit: []string{"identity.agent.revoked"}},
	{name: "revoke agent: again", method: "DELETE", url: "/api/v1/enterprises/" + entA + "/agents/{authG}", as: phoneA, status: 409,
		want: errWant("conflict", zh("identity.error.already_revoked"))},
	{name: "revoke agent: the agent is itself again", method: "GET", url: "/api/v1/me", as: agentG, status: 200,
		want: map[string]any{"kind": "resident", "acting_for": nil}},
	{name: "revoke agent: no longer among the agent's enterprises", method: "GET", url: "/api/v1/me/enterprises", as: agentG, status: 200,
		want: map[string]any{"#": 0}},

	// Officials and roles.
	{name: "officials: digital office administrator", method: "GET", url: "/api/v1/officials", as: admin, status: 200,
		want: map[string]any{"#": present, "0.org_code": present, "0.roles": present}},
	{name: "officials: one organisation", method: "GET", url: "/api/v1/officials?org=fj-miit", as: admin, status: 200,
		want: map[string]any{"0.login": gxt, "0.roles.#": 0, "0.phone": absent, "0.password_hash": absent}, save: map[string]string{"gxtID": "0.id"}},
	{name: "officials: reviewer", method: "GET", url: "/api/v1/officials", as: reviewer, status: 403, want: map[string]any{"error.kind": "forbidden"}},
	{name: "officials: official", method: "GET", url: "/api/v1/officials", as: gxt, status: 403, want: map[string]any{"error.kind": "forbidden"}},
	{name: "officials: resident", method: "GET", url: "/api/v1/officials", as: phoneA, status: 403, want: map[string]any{"error.kind": "forbidden"}},
	{name: "officials: administrator's read token", method: "GET", url: "/api/v1/officials?org=fj-miit", header: bearer("readAdmin"), status: 200,
		want: map[string]any{"0.login": gxt}},
	{name: "roles: administrator's read token cannot change", method: "PUT", url: "/api/v1/officials/{gxtID}/roles", header: bearer("readAdmin"),
		body: `{"roles":["reviewer"]}`, status: 403, want: errWant("forbidden", zh("error.token_read_only"))},
	{name: "roles: set", method: "PUT", url: "/api/v1/officials/{gxtID}/roles", as: admin, body: `{"roles":["reviewer","approver","reviewer"]}`,
		status: 200, want: map[string]any{"id": "{gxtID}", "login": gxt, "roles.#": 2, "roles.0": "approver", "roles.1": "reviewer"},
		audit: []string{"identity.roles.changed"}},
	{name: "roles: administrator's write token", method: "PUT", url: "/api/v1/officials/{gxtID}/roles", header: bearer("writeAdmin"),
		body: `{"roles":["inspector"]}`, status: 200, want: map[string]any{"roles.#": 1, "roles.0": "inspector"}, audit: []string{"identity.roles.changed"}},
	{name: "roles: reviewer", method: "PUT", url: "/api/v1/officials/{gxtID}/roles", as: reviewer, body: `{"roles":[]}`, status: 403,
		want: map[string]any{"error.kind": "forbidden"}},
	{name: "roles: the official himself", method: "PUT", url: "/api/v1/officials/{gxtID}/roles", as: gxt, body: `{"roles":["administrator"]}`,
		status: 403, want: map[string]any{"error.kind": "forbidden"}},
	{name: "roles: a resident on an official", method: "PUT", url: "/api/v1/officials/{gxtID}/roles", as: phoneB, body: `{"roles":["administrator"]}`,
		status: 403, want: map[string]any{"error.kind": "forbidden"}},
	{name: "roles: a resident on another resident (IDOR)", method: "PUT", url: "/api/v1/officials/{idA}/roles", as: phoneB,
		body: `{"roles":["administrator"]}`, status: 403, want: map[string]any{"error.kind": "forbidden"}},
	{name: "roles: own administrator role", method: "PUT", url: "/api/v1/officials/{idAdmin}/roles", as: admin, body: `{"roles":["reviewer"]}`,
		status: 409, want: map[string]any{"error.kind": "conflict"}},
	{name: "roles: missing", method: "PUT", url: "/api/v1/officials/{gxtID}/roles", as: admin, body: `{}`, status: 400,
		want: fieldErr("roles", zh("error.required"))},
	{name: "roles: unknown role", method: "PUT", url: "/api/v1/officials/{gxtID}/roles", as: admin, body: `{"roles":["king"]}`, status: 400,
		want: map[string]any{"error.kind": "invalid", "error.field": "roles"}},
	{name: "roles: unknown official", method: "PUT", url: "/api/v1/officials/99999/roles", as: admin, body: `{"roles":[]}`, status: 404,
		want: map[string]any{"error.kind": "not_found"}},
	{name: "roles: cleared", method: "PUT", url: "/api/v1/officials/{gxtID}/roles", as: admin, body: `{"roles":[]}`, status: 200,
		want: map[string]any{"roles.#": 0}, audit: []string{"identity.roles.changed"}},
	{name: "roles: A unchanged by B's attempt", method: "GET", url: "/api/v1/me", as: phoneA, status: 200,
		want: map[string]any{"kind": "resident", "roles.#": 0}},
}

// maskedID is the masked resident ID number of the n-th fixture resident.
func maskedID(n int) string { return identity.MaskIDNumber(fixtureID(n)) }

func fixtureID(n int) string {
	return idcode.NewResidentID("350102", time.Date(1986, 4, 8, 0, 0, 0, 0, clock.China), 500+n)
}

// identityFixture adds residents A, B and G, their enterprises, G's authorisation and G's
// session acting for entA, a failed login against B, and tokens of szb.admin; it saves authG,
// readAdmin and writeAdmin.
func identityFixture(t *testing.T, ids *identity.Service, ss *sessions, saved map[string]string) {
	t.Helper()
	ctx := principal.With(context.Background(), principal.SystemPrincipal)
	if err := ids.LoadRegistry(ctx, []identity.RegistryEntry{
		{IDType: identity.ResidentID, IDNumber: fixtureID(1), Name: "林小明"},
		{IDType: identity.ResidentID, IDNumber: fixtureID(2), Name: "陈美玲"},
	}); err != nil {
		t.Fatal(err)
	}
	people := map[string]identity.Account{}
	for i, r := range []struct{ name, phone string }{{"林小明", phoneA}, {"陈美玲", phoneB}, {"王海燕", phoneG}} {
		a, err := ids.ImportResident(ctx, identity.Registration{Name: r.name, IDType: identity.ResidentID, IDNumber: fixtureID(i + 1),
			Phone: r.phone, Password: demo.Password})
		if err != nil {
			t.Fatal(err)
		}
		people[r.phone] = a
	}
	as := func(phone string) context.Context {
		return principal.With(context.Background(), people[phone].Principal())
	}
	if _, err := ids.RegisterEnterprise(as(phoneA), entA, "福州闽江数据科技有限公司"); err != nil {
		t.Fatal(err)
	}
	if _, err := ids.RegisterEnterprise(as(phoneB), entB, "厦门鹭岛物流有限公司"); err != nil {
		t.Fatal(err)
	}
	now := ids.DB().Clock().Now()
	auth, err := ids.AuthoriseAgent(as(phoneA), identity.Grant{CreditCode: entA, Agent: phoneG, Scopes: []string{"licences", "taxation"},
		ValidFrom: now, ValidUntil: now.Add(90 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	saved["authG"] = strconv.FormatInt(auth.ID, 10)
	res, err := ids.Login(context.Background(), phoneG, demo.Password, identity.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	if err := ids.ActFor(as(phoneG), res.Token, entA); err != nil {
		t.Fatal(err)
	}
	ss.tokens[agentG] = res.Token
	if _, err := ids.Login(context.Background(), phoneB, "not-the-password", identity.Meta{ClientIP: "203.0.113.66"}); err == nil {
		t.Fatal("a wrong password signed B in")
	}
	adminAcc, err := ids.AccountByLogin(context.Background(), admin)
	if err != nil {
		t.Fatal(err)
	}
	for name, scope := range map[string]string{"readAdmin": principal.ScopeAPIRead, "writeAdmin": principal.ScopeAPIWrite} {
		_, tok, err := ids.CreateToken(principal.With(context.Background(), adminAcc.Principal()),
			identity.NewToken{Name: name, Scopes: []string{scope}, TTL: 24 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		saved[name] = tok
	}
}

// TestIdentityScenarios runs the identity scenarios on each engine, with sessions and bearer
// tokens ({name} in a header is a saved value).
func TestIdentityScenarios(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		h := a.Server.Handler()
		ss := &sessions{ids: a.Identity, tokens: map[string]string{}}
		saved := map[string]string{}
		identityFixture(t, a.Identity, ss, saved)
		for _, sc := range append(append([]scenario(nil), anonymousIdentity...), identityScenarios...) {
			t.Run(sc.name, func(t *testing.T) {
				if sc.header != nil {
					header := map[string]string{}
					for k, v := range sc.header {
						header[k] = substitute(v, saved)
					}
					sc.header = header
				}
				sc.run(t, h, db, ss, saved)
			})
		}
	})
}
