package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/app"
	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// The people of the seal scenarios: the market regulator's demo officials (internal/demo), an
// official of the regulator who both administers and approves (to try the two-person rule on
// one person), and officials of public security, another organisation with its own roles.
const (
	scjAdmin    = "scj.admin"    // administrator: asks for seals and revocations
	scjApprover = "scj.approver" // approver: decides
	scjSealer   = "scj.sealer"   // seal user: signs
	scjChief    = "scj.chief"    // administrator and approver
	gatAdmin    = "gat.admin"
	gatApprover = "gat.approver"
	gatSealer   = "gat.sealer"
)

// The demo seals of the market regulator.
const (
	sm2SealName      = "福建省市场监督管理局行政审批专用章"
	ecSealName       = "福建省市场监督管理局"
	contractSealName = "福建省市场监督管理局合同专用章"
)

// resident is a demo resident's login (her mobile number).
var resident = demo.Residents[0].Phone

// sealScenarios run in the main table, on the demo platform: refusals and reads that need no
// seal id, so that every seal and signature route is called there. The seal and signature
// tests run the rest on platforms of their own.
var sealScenarios = []scenario{
	{name: "seals: list, anonymous", method: "GET", url: "/api/v1/seals", status: 401, want: unauthenticated},
	{name: "seals: list, the official's organisation", method: "GET", url: "/api/v1/seals", as: "scj.window", status: 200,
		want: map[string]any{"#": 3, "0.org": "fj-market-regulation", "0.image_url": present, "0.seal_der": absent}},
	{name: "seals: list, an organisation without seals", method: "GET", url: "/api/v1/seals", as: gxt, status: 200,
		want: map[string]any{"#": 0}},
	{name: "seals: request, anonymous", method: "POST", url: "/api/v1/seals", body: `{"kind":"official"}`, status: 401, want: unauthenticated},
	{name: "seals: one, unknown", method: "GET", url: "/api/v1/seals/seal_0000", as: admin, status: 404,
		want: errWant("not_found", zh("error.seal_not_found"))},
	{name: "seals: approve, unknown", method: "POST", url: "/api/v1/seals/seal_0000/approve", as: "scj.approver", status: 404,
		want: errWant("not_found", zh("error.seal_not_found"))},
	{name: "seals: reject, anonymous", method: "POST", url: "/api/v1/seals/seal_0000/reject", body: `{"reason":"x"}`, status: 401,
		want: unauthenticated},
	{name: "seals: revocation, unknown", method: "POST", url: "/api/v1/seals/seal_0000/revocation", as: "scj.admin",
		body: `{"reason":"superseded"}`, status: 404, want: errWant("not_found", zh("error.seal_not_found"))},
	{name: "seals: revocation decision, anonymous", method: "POST", url: "/api/v1/seals/seal_0000/revocation/decision",
		body: `{"approve":true}`, status: 401, want: unauthenticated},
	{name: "seals: register, unknown", method: "GET", url: "/api/v1/seals/seal_0000/signatures", as: admin, status: 404,
		want: errWant("not_found", zh("error.seal_not_found"))},
	{name: "seals: impression, unknown", method: "GET", url: "/api/v1/seals/seal_0000/image", status: 404,
		want: errWant("not_found", zh("error.seal_not_found"))},
	{name: "signatures: anonymous", method: "POST", url: "/api/v1/signatures", body: `{}`, status: 401, want: unauthenticated},
	{name: "signatures: neither a form nor JSON", method: "POST", url: "/api/v1/signatures", as: "scj.sealer", body: "x",
		header: textPlain, status: 415, want: errWant("unsupported_media_type", zh("api.error.unsupported_media_type", "multipart/form-data, application/json")),
		wantHeader: map[string]string{"Accept-Post": "multipart/form-data, application/json"}},
	{name: "verifications: garbage", method: "POST", url: "/api/v1/verifications",
		body:   `{"document":"` + base64.StdEncoding.EncodeToString([]byte("hello")) + `","signature":"` + base64.StdEncoding.EncodeToString([]byte("garbage")) + `"}`,
		status: 400, want: fieldErr("signature", zh("sign.error.signature_unreadable"))},
	{name: "verifications: neither a form nor JSON", method: "POST", url: "/api/v1/verifications", body: "x", header: textPlain,
		status: 415, want: map[string]any{"error.kind": "unsupported_media_type", "error.field": "Content-Type"}},
}

func init() { scenarios = append(scenarios, sealScenarios...) }

// sealEnv is the demo platform with the seal scenarios' people, and the demo seals' ids saved as
// {sm2}, {ec} and {contract}.
type sealEnv struct {
	t     *testing.T
	app   *app.App
	h     http.Handler
	db    *store.DB
	ss    *sessions
	saved map[string]string
}

func sys() context.Context { return principal.With(context.Background(), principal.SystemPrincipal) }

func newSealEnv(t *testing.T, db *store.DB) *sealEnv {
	t.Helper()
	a := newApp(t, db)
	for _, acc := range []struct {
		login, org string
		roles      []string
	}{
		{scjChief, "fj-market-regulation", []string{principal.RoleAdministrator, principal.RoleApprover}},
		{gatAdmin, "fj-public-security", []string{principal.RoleAdministrator}},
		{gatApprover, "fj-public-security", []string{principal.RoleApprover}},
		{gatSealer, "fj-public-security", []string{principal.RoleSealUser}},
	} {
		if _, err := a.Identity.CreateAccount(sys(), identity.NewAccount{Login: acc.login, Kind: principal.Official, DisplayName: acc.login,
			OrgCode: acc.org, Roles: acc.roles, Password: demo.Password}); err != nil {
			t.Fatal(err)
		}
	}
	e := &sealEnv{t: t, app: a, h: a.Server.Handler(), db: db, ss: &sessions{ids: a.Identity, tokens: map[string]string{}},
		saved: map[string]string{}}
	list, err := a.Seals.List(sys(), principal.SystemPrincipal, "fj-market-regulation")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list {
		switch s.Name {
		case sm2SealName:
			e.saved["sm2"] = s.ID
		case ecSealName:
			e.saved["ec"] = s.ID
		case contractSealName:
			e.saved["contract"] = s.ID
		}
	}
	if len(e.saved) != 3 {
		t.Fatalf("demo seals: %v", e.saved)
	}
	return e
}

func (e *sealEnv) run(t *testing.T, list []scenario) {
	for _, sc := range list {
		t.Run(sc.name, func(t *testing.T) { sc.run(t, e.h, e.db, e.ss, e.saved) })
	}
}

// token makes a personal access token of login with scope.
func (e *sealEnv) token(login, scope string) string {
	e.t.Helper()
	_, tok, err := e.app.Identity.CreateToken(sys(), identity.NewToken{Account: login, Name: "seal tests " + scope,
		Scopes: []string{scope}, TTL: time.Hour})
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// request sends a request with a session of as (or none) and returns the response.
func (e *sealEnv) request(as, method, target, contentType string, body []byte, header map[string]string) *httptest.ResponseRecorder {
	e.t.Helper()
	r := httptest.NewRequest(method, target, bytes.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		r.Header.Set(k, v)
	}
	if as != anon {
		r.AddCookie(&http.Cookie{Name: "yiwang_session", Value: e.ss.token(e.t, as)})
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

// testPNG draws a 96×96 red ring, as a department might upload its seal's impression.
func testPNG(t testing.TB) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 96, 96))
	for y := range 96 {
		for x := range 96 {
			dx, dy := x-48, y-48
			if d := dx*dx + dy*dy; d < 46*46 && d > 40*40 {
				img.Set(x, y, color.NRGBA{R: 0xc8, A: 0xff})
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const financeSeal = `{"kind":"finance","name":"福建省市场监督管理局财务专用章","caption":"财务专用章","algorithm":"SM2",` +
	`"valid_from":"2026-03-02","valid_to":"2028-03-01"}`

// sealFlow is the registry's life over HTTP: listing, asking, deciding, revoking, and who may do
// each. It runs in order on a platform of its own.
func sealFlow(png []byte) []scenario {
	gatSeal := `{"org":"fj-public-security","kind":"official","name":"福建省公安厅","algorithm":"ECDSA-P256",` +
		`"valid_to":"2029-03-02T09:00:00+08:00","image":"` + base64.StdEncoding.EncodeToString(png) + `"}`
	asRequested := func(login string) string { return "official:" + login }
	return []scenario{
		// Listing.
		{name: "list: a resident", method: "GET", url: "/api/v1/seals", as: resident, status: 403,
			want: errWant("forbidden", zh("error.seal_list_forbidden"))},
		{name: "list: another organisation's", method: "GET", url: "/api/v1/seals?org=fj-market-regulation", as: gxt, status: 403,
			want: errWant("forbidden", zh("error.seal_list_forbidden"))},
		{name: "list: another organisation's administrator", method: "GET", url: "/api/v1/seals?org=fj-market-regulation", as: gatAdmin,
			status: 403, want: errWant("forbidden", zh("error.seal_list_forbidden"))},
		{name: "list: the seal user's organisation", method: "GET", url: "/api/v1/seals", as: scjSealer, status: 200,
			want: map[string]any{"#": 3, "0.org": "fj-market-regulation", "0.image_url": present, "0.seal_der": absent}},
		// The market regulator's three, and the approval seal of each of the 16 other
		// organisations that handle the demo's service items.
		{name: "list: the digital office, every organisation", method: "GET", url: "/api/v1/seals", as: admin, status: 200,
			want: map[string]any{"#": 19}},
		{name: "list: the digital office, one organisation", method: "GET", url: "/api/v1/seals?org=fj-public-security", as: reviewer,
			status: 200, want: map[string]any{"#": 1, "0.kind": "special"}},
		{name: "list: the digital office, an organisation without seals", method: "GET", url: "/api/v1/seals?org=fj-miit", as: reviewer,
			status: 200, want: map[string]any{"#": 0}},
		{name: "list: the digital office, an unknown organisation", method: "GET", url: "/api/v1/seals?org=fj-nowhere", as: admin,
			status: 404, want: errWant("not_found", zh("error.org_not_found", "fj-nowhere"))},

		// One seal.
		{name: "get: the seal user", method: "GET", url: "/api/v1/seals/{sm2}", as: scjSealer, status: 200,
			want: map[string]any{"id": "{sm2}", "name": sm2SealName, "kind": "special", "algorithm": "SM2", "status": "active",
				"org": "fj-market-regulation", "code": present, "cert_serial": present, "key_id": present,
				"image_url": "/api/v1/seals/{sm2}/image", "certificate_url": present, "requested_by": asRequested(scjAdmin),
				"decided_by": asRequested(scjApprover), "width_mm": 40, "seal_der": absent}},
		{name: "get: the digital office's reviewer", method: "GET", url: "/api/v1/seals/{ec}", as: reviewer, status: 200,
			want: map[string]any{"name": ecSealName, "algorithm": "ECDSA-P256"}},
		{name: "get: an official of another organisation (IDOR)", method: "GET", url: "/api/v1/seals/{sm2}", as: gxt, status: 404,
			want: errWant("not_found", zh("error.seal_not_found"))},
		{name: "get: another organisation's administrator (IDOR)", method: "GET", url: "/api/v1/seals/{sm2}", as: gatAdmin, status: 404,
			want: errWant("not_found", zh("error.seal_not_found"))},
		{name: "get: a resident (IDOR)", method: "GET", url: "/api/v1/seals/{sm2}", as: resident, status: 404,
			want: errWant("not_found", zh("error.seal_not_found"))},
		{name: "get: anonymous", method: "GET", url: "/api/v1/seals/{sm2}", status: 401, want: unauthenticated},

		// Asking for a seal: administrators of the organisation or of the digital office.
		{name: "request: the approver", method: "POST", url: "/api/v1/seals", as: scjApprover, body: financeSeal, status: 403,
			want: errWant("forbidden", zh("error.seal_request_forbidden"))},
		{name: "request: the seal user", method: "POST", url: "/api/v1/seals", as: scjSealer, body: financeSeal, status: 403,
			want: errWant("forbidden", zh("error.seal_request_forbidden"))},
		{name: "request: a resident", method: "POST", url: "/api/v1/seals", as: resident, body: financeSeal, status: 403,
			want: errWant("forbidden", zh("error.seal_request_forbidden"))},
		{name: "request: another organisation's administrator", method: "POST", url: "/api/v1/seals", as: gatAdmin,
			body: strings.Replace(financeSeal, `{`, `{"org":"fj-market-regulation",`, 1), status: 403,
			want: errWant("forbidden", zh("error.seal_request_forbidden"))},
		{name: "request: unknown kind", method: "POST", url: "/api/v1/seals", as: scjAdmin,
			body: strings.Replace(financeSeal, `"finance"`, `"secret"`, 1), status: 400, want: fieldErr("kind", zh("error.seal_kind"))},
		{name: "request: unknown algorithm", method: "POST", url: "/api/v1/seals", as: scjAdmin,
			body: strings.Replace(financeSeal, `"SM2"`, `"RSA"`, 1), status: 400, want: fieldErr("algorithm", zh("error.seal_algorithm"))},
		{name: "request: validity end not a time", method: "POST", url: "/api/v1/seals", as: scjAdmin,
			body: strings.Replace(financeSeal, `"2028-03-01"`, `"next year"`, 1), status: 400,
			want: fieldErr("valid_to", zh("api.error.bad_time", "next year"))},
		{name: "request: validity end missing", method: "POST", url: "/api/v1/seals", as: scjAdmin,
			body: strings.Replace(financeSeal, `"2028-03-01"`, `""`, 1), status: 400, want: fieldErr("valid_to", zh("error.seal_validity"))},
		{name: "request: validity ends before it starts", method: "POST", url: "/api/v1/seals", as: scjAdmin,
			body: strings.Replace(financeSeal, `"2028-03-01"`, `"2026-03-01"`, 1), status: 400, want: fieldErr("valid_to", zh("error.seal_validity"))},
		{name: "request: picture not base64", method: "POST", url: "/api/v1/seals", as: scjAdmin,
			body: strings.Replace(financeSeal, `{`, `{"image":"%%%",`, 1), status: 400, want: fieldErr("image", zh("api.error.bad_base64", "image"))},
		{name: "request: picture not a PNG", method: "POST", url: "/api/v1/seals", as: scjAdmin,
			body:   strings.Replace(financeSeal, `{`, `{"image":"`+base64.StdEncoding.EncodeToString([]byte("GIF89a not a png"))+`",`, 1),
			status: 400, want: fieldErr("image", zh("error.seal_image_format"))},
		{name: "request: unknown field", method: "POST", url: "/api/v1/seals", as: scjAdmin,
			body: strings.Replace(financeSeal, `{`, `{"key":"mine",`, 1), status: 400, want: fieldErr("key", zh("api.error.unknown_field", "key"))},
		{name: "request: NUL in the name", method: "POST", url: "/api/v1/seals", as: scjAdmin,
			body: strings.Replace(financeSeal, `财务专用章",`, `财务专用章\u0000",`, 1), status: 400, want: fieldErr("name", zh("api.error.bad_text", "name"))},
		{name: "request: declared body over the limit", method: "POST", url: "/api/v1/seals", as: scjAdmin, body: financeSeal,
			prepare: func(r *http.Request) { r.ContentLength = 3 << 20 }, status: 413, want: errWant("too_large", zh("error.too_large"))},
		{name: "request: the organisation's administrator", method: "POST", url: "/api/v1/seals", as: scjAdmin, body: financeSeal,
			status: 201, want: map[string]any{"id": present, "org": "fj-market-regulation", "kind": "finance", "status": "pending",
				"requested_by": asRequested(scjAdmin), "valid_from": "2026-03-01T16:00:00Z", "valid_to": "2028-03-01T16:00:00Z",
				"width_mm": 40, "height_mm": 30, "cert_serial": absent, "image_sha256": present},
			wantHeader: map[string]string{"Location": present.String()},
			audit:      []string{"seal.request"}, save: map[string]string{"new": "id"}},
		{name: "request: the digital office for another organisation, with a picture", method: "POST", url: "/api/v1/seals", as: admin,
			body: gatSeal, status: 201, want: map[string]any{"org": "fj-public-security", "status": "pending", "valid_to": "2029-03-02T01:00:00Z"},
			audit: []string{"seal.request"}, save: map[string]string{"gat": "id", "gatImage": "image_sha256"}},
		{name: "request: nothing made by the refusals", method: "GET", url: "/api/v1/seals?org=fj-market-regulation", as: scjAdmin,
			status: 200, want: map[string]any{"#": 4}},

		// Approving: an approver of the organisation, never the one who asked.
		{name: "approve: anonymous", method: "POST", url: "/api/v1/seals/{new}/approve", status: 401, want: unauthenticated},
		{name: "approve: the requesting administrator", method: "POST", url: "/api/v1/seals/{new}/approve", as: scjAdmin, status: 403,
			want: errWant("forbidden", zh("error.seal_decide_forbidden"))},
		{name: "approve: the seal user", method: "POST", url: "/api/v1/seals/{new}/approve", as: scjSealer, status: 403,
			want: errWant("forbidden", zh("error.seal_decide_forbidden"))},
		{name: "approve: another organisation's approver (IDOR)", method: "POST", url: "/api/v1/seals/{new}/approve", as: gatApprover,
			status: 404, want: errWant("not_found", zh("error.seal_not_found"))},
		{name: "approve: a resident (IDOR)", method: "POST", url: "/api/v1/seals/{new}/approve", as: resident, status: 404,
			want: errWant("not_found", zh("error.seal_not_found"))},
		{name: "approve: unknown field", method: "POST", url: "/api/v1/seals/{new}/approve", as: scjApprover, body: `{"force":true}`,
			status: 400, want: fieldErr("force", zh("api.error.unknown_field", "force"))},
		{name: "approve: still pending after the refusals", method: "GET", url: "/api/v1/seals/{new}", as: scjAdmin, status: 200,
			want: map[string]any{"status": "pending"}},
		{name: "approve: the organisation's approver", method: "POST", url: "/api/v1/seals/{new}/approve", as: scjApprover, status: 200,
			want: map[string]any{"id": "{new}", "status": "active", "cert_serial": present, "key_id": present, "certificate_url": present,
				"decided_by": asRequested(scjApprover), "decided_at": present},
			audit: []string{"keys.create", "pki.issue", "seal.approve"}},
		{name: "approve: again", method: "POST", url: "/api/v1/seals/{new}/approve", as: scjApprover, body: `{}`, status: 409,
			want: errWant("conflict", zh("error.seal_already_decided"))},
		{name: "approve: the digital office's request, by the organisation's approver", method: "POST", url: "/api/v1/seals/{gat}/approve",
			as: gatApprover, body: `{}`, status: 200, want: map[string]any{"status": "active", "org": "fj-public-security"},
			// The organisation's CA exists already: the demo gave it an approval seal for its cases.
			audit: []string{"keys.create", "pki.issue", "seal.approve"}},

		// Two people: one who both administers and approves may not decide their own request.
		{name: "two people: the chief asks", method: "POST", url: "/api/v1/seals", as: scjChief,
			body: strings.Replace(financeSeal, "财务专用章\"", "财务专用章（二）\"", 1), status: 201,
			audit: []string{"seal.request"}, save: map[string]string{"chief": "id"}},
		{name: "two people: the chief approves their own request", method: "POST", url: "/api/v1/seals/{chief}/approve", as: scjChief,
			status: 403, want: errWant("forbidden", zh("error.seal_same_person"))},
		{name: "two people: the chief rejects their own request", method: "POST", url: "/api/v1/seals/{chief}/reject", as: scjChief,
			body: `{"reason":"重复申请"}`, status: 403, want: errWant("forbidden", zh("error.seal_same_person"))},
		{name: "reject: without a reason", method: "POST", url: "/api/v1/seals/{chief}/reject", as: scjApprover, body: `{"reason":" "}`,
			status: 400, want: fieldErr("reason", zh("error.seal_reason"))},
		{name: "reject: NUL in the reason", method: "POST", url: "/api/v1/seals/{chief}/reject", as: scjApprover, body: `{"reason":"x\u0000"}`,
			status: 400, want: fieldErr("reason", zh("api.error.bad_text", "reason"))},
		{name: "reject: another organisation's approver (IDOR)", method: "POST", url: "/api/v1/seals/{chief}/reject", as: gatApprover,
			body: `{"reason":"x"}`, status: 404, want: errWant("not_found", zh("error.seal_not_found"))},
		{name: "reject: the administrator", method: "POST", url: "/api/v1/seals/{chief}/reject", as: scjAdmin,
			body: `{"reason":"x"}`, status: 403, want: errWant("forbidden", zh("error.seal_decide_forbidden"))},
		{name: "reject: the approver", method: "POST", url: "/api/v1/seals/{chief}/reject", as: scjApprover,
			body: `{"reason":"已有财务专用章，无需重复制发。"}`, status: 200,
			want:  map[string]any{"status": "rejected", "reject_reason": "已有财务专用章，无需重复制发。", "decided_by": asRequested(scjApprover)},
			audit: []string{"seal.reject"}},
		{name: "reject: then approve", method: "POST", url: "/api/v1/seals/{chief}/approve", as: scjApprover, status: 409,
			want: errWant("conflict", zh("error.seal_already_decided"))},

		// Revoking: an administrator asks, an approver who is someone else decides.
		{name: "revocation: anonymous", method: "POST", url: "/api/v1/seals/{new}/revocation", body: `{"reason":"superseded"}`,
			status: 401, want: unauthenticated},
		{name: "revocation: the approver asks", method: "POST", url: "/api/v1/seals/{new}/revocation", as: scjApprover,
			body: `{"reason":"superseded"}`, status: 403, want: errWant("forbidden", zh("error.seal_request_forbidden"))},
		{name: "revocation: the seal user asks", method: "POST", url: "/api/v1/seals/{new}/revocation", as: scjSealer,
			body: `{"reason":"superseded"}`, status: 403, want: errWant("forbidden", zh("error.seal_request_forbidden"))},
		{name: "revocation: another organisation's administrator (IDOR)", method: "POST", url: "/api/v1/seals/{new}/revocation", as: gatAdmin,
			body: `{"reason":"keyCompromise"}`, status: 404, want: errWant("not_found", zh("error.seal_not_found"))},
		{name: "revocation: a resident (IDOR)", method: "POST", url: "/api/v1/seals/{new}/revocation", as: resident,
			body: `{"reason":"keyCompromise"}`, status: 404, want: errWant("not_found", zh("error.seal_not_found"))},
		{name: "revocation: unknown reason", method: "POST", url: "/api/v1/seals/{new}/revocation", as: scjAdmin,
			body: `{"reason":"lost"}`, status: 400, want: fieldErr("reason", zh("error.seal_revocation_reason"))},
		{name: "revocation: of a rejected request", method: "POST", url: "/api/v1/seals/{chief}/revocation", as: scjAdmin,
			body: `{"reason":"superseded"}`, status: 409, want: errWant("conflict", zh("error.seal_not_active"))},
		{name: "revocation: the administrator asks", method: "POST", url: "/api/v1/seals/{new}/revocation", as: scjAdmin,
			body: `{"reason":"superseded","note":"换发新章"}`, status: 200,
			want:  map[string]any{"status": "revocation_pending", "revoke_reason": "superseded: 换发新章", "revoke_requested_by": asRequested(scjAdmin)},
			audit: []string{"seal.revoke_request"}},
		{name: "revocation: asked twice", method: "POST", url: "/api/v1/seals/{new}/revocation", as: scjAdmin,
			body: `{"reason":"superseded"}`, status: 409, want: errWant("conflict", zh("error.seal_not_active"))},
		{name: "decision: anonymous", method: "POST", url: "/api/v1/seals/{new}/revocation/decision", body: `{"approve":true}`,
			status: 401, want: unauthenticated},
		{name: "decision: the administrator", method: "POST", url: "/api/v1/seals/{new}/revocation/decision", as: scjAdmin,
			body: `{"approve":true}`, status: 403, want: errWant("forbidden", zh("error.seal_decide_forbidden"))},
		{name: "decision: another organisation's approver (IDOR)", method: "POST", url: "/api/v1/seals/{new}/revocation/decision",
			as: gatApprover, body: `{"approve":true}`, status: 404, want: errWant("not_found", zh("error.seal_not_found"))},
		{name: "decision: missing", method: "POST", url: "/api/v1/seals/{new}/revocation/decision", as: scjApprover, body: `{}`,
			status: 400, want: fieldErr("approve", zh("api.error.approve_required"))},
		{name: "decision: not a boolean", method: "POST", url: "/api/v1/seals/{new}/revocation/decision", as: scjApprover,
			body: `{"approve":"yes"}`, status: 400, want: fieldErr("approve", zh("api.error.bad_type", "approve", "bool"))},
		{name: "decision: refused", method: "POST", url: "/api/v1/seals/{new}/revocation/decision", as: scjApprover,
			body: `{"approve":false}`, status: 200, want: map[string]any{"status": "active", "revoke_reason": absent},
			audit: []string{"seal.revoke_refuse"}},
		{name: "decision: nothing to decide", method: "POST", url: "/api/v1/seals/{new}/revocation/decision", as: scjApprover,
			body: `{"approve":true}`, status: 409, want: errWant("conflict", zh("error.seal_already_decided"))},
		{name: "revocation: the chief asks", method: "POST", url: "/api/v1/seals/{new}/revocation", as: scjChief,
			body: `{"reason":"keyCompromise"}`, status: 200, want: map[string]any{"status": "revocation_pending"},
			audit: []string{"seal.revoke_request"}},
		{name: "decision: the chief decides their own request", method: "POST", url: "/api/v1/seals/{new}/revocation/decision", as: scjChief,
			body: `{"approve":true}`, status: 403, want: errWant("forbidden", zh("error.seal_same_person"))},
		{name: "decision: approved", method: "POST", url: "/api/v1/seals/{new}/revocation/decision", as: scjApprover,
			body: `{"approve":true}`, status: 200,
			want:  map[string]any{"status": "revoked", "revoked_by": asRequested(scjApprover), "revoked_at": present},
			audit: []string{"pki.revoke", "keys.retire", "seal.revoke"}},
		{name: "revoked: the certificate too", method: "GET", url: "/api/v1/pki/certificates?org=fj-market-regulation", as: scjAdmin,
			status: 200, want: map[string]any{"#": present}},

		// The register of signatures.
		{name: "register: anonymous", method: "GET", url: "/api/v1/seals/{sm2}/signatures", status: 401, want: unauthenticated},
		{name: "register: an official of another organisation (IDOR)", method: "GET", url: "/api/v1/seals/{sm2}/signatures", as: gxt,
			status: 404, want: errWant("not_found", zh("error.seal_not_found"))},
		{name: "register: another organisation's seal user (IDOR)", method: "GET", url: "/api/v1/seals/{sm2}/signatures", as: gatSealer,
			status: 404, want: errWant("not_found", zh("error.seal_not_found"))},
		{name: "register: a resident (IDOR)", method: "GET", url: "/api/v1/seals/{sm2}/signatures", as: resident,
			status: 404, want: errWant("not_found", zh("error.seal_not_found"))},
		{name: "register: none yet", method: "GET", url: "/api/v1/seals/{sm2}/signatures", as: scjSealer, status: 200,
			want: map[string]any{"#": 0}},
		{name: "register: limit zero", method: "GET", url: "/api/v1/seals/{sm2}/signatures?limit=0", as: scjSealer, status: 400,
			want: fieldErr("limit", zh("api.error.bad_limit", 500))},
		{name: "register: limit too high", method: "GET", url: "/api/v1/seals/{sm2}/signatures?limit=501", as: scjSealer, status: 400,
			want: fieldErr("limit", zh("api.error.bad_limit", 500))},
		{name: "register: limit not a number", method: "GET", url: "/api/v1/seals/{sm2}/signatures?limit=all", as: scjSealer, status: 400,
			want: fieldErr("limit", zh("api.error.bad_limit", 500))},

		// Signing: the seal users of the seal's organisation, with a seal in force.
		{name: "sign: anonymous", method: "POST", url: "/api/v1/signatures", body: signJSON("{sm2}", "cms"), status: 401, want: unauthenticated},
		{name: "sign: the administrator", method: "POST", url: "/api/v1/signatures", as: scjAdmin, body: signJSON("{sm2}", "cms"),
			status: 403, want: errWant("forbidden", zh("error.seal_use_forbidden"))},
		{name: "sign: the approver", method: "POST", url: "/api/v1/signatures", as: scjApprover, body: signJSON("{sm2}", "cms"),
			status: 403, want: errWant("forbidden", zh("error.seal_use_forbidden"))},
		{name: "sign: another organisation's seal user (IDOR)", method: "POST", url: "/api/v1/signatures", as: gatSealer,
			body: signJSON("{sm2}", "cms"), status: 404, want: errWant("not_found", zh("error.seal_not_found"))},
		{name: "sign: an official of another organisation (IDOR)", method: "POST", url: "/api/v1/signatures", as: gxt,
			body: signJSON("{sm2}", "cms"), status: 404, want: errWant("not_found", zh("error.seal_not_found"))},
		{name: "sign: a resident", method: "POST", url: "/api/v1/signatures", as: resident, body: signJSON("{sm2}", "cms"),
			status: 403, want: errWant("forbidden", zh("error.seal_use_forbidden"))},
		{name: "sign: a revoked seal", method: "POST", url: "/api/v1/signatures", as: scjSealer, body: signJSON("{new}", "cms"),
			status: 409, want: errWant("conflict", zh("error.seal_not_usable", "福建省市场监督管理局财务专用章"))},
		{name: "sign: a seal waiting for approval", method: "POST", url: "/api/v1/signatures", as: scjSealer, body: signJSON("{contract}", "cms"),
			status: 409, want: errWant("conflict", zh("error.seal_not_usable", contractSealName))},
		{name: "sign: no seal", method: "POST", url: "/api/v1/signatures", as: scjSealer, body: signJSON("", "cms"),
			status: 400, want: fieldErr("seal_id", zh("api.error.seal_id_required"))},
		{name: "sign: unknown format", method: "POST", url: "/api/v1/signatures", as: scjSealer, body: signJSON("{sm2}", "docx"),
			status: 400, want: fieldErr("format", zh("sign.error.format"))},
		{name: "sign: PDF with an SM2 seal", method: "POST", url: "/api/v1/signatures", as: scjSealer, body: signJSON("{sm2}", "pdf"),
			status: 400, want: fieldErr("format", zh("sign.error.pdf_needs_ecdsa"))},
		{name: "sign: GB/T 38540 with an ECDSA seal", method: "POST", url: "/api/v1/signatures", as: scjSealer, body: signJSON("{ec}", "ses"),
			status: 400, want: fieldErr("format", zh("sign.error.ses_needs_sm2"))},
		{name: "sign: PDF format, not a PDF", method: "POST", url: "/api/v1/signatures", as: scjSealer, body: signJSON("{ec}", "pdf"),
			status: 400, want: fieldErr("document", zh("sign.error.not_pdf"))},
		{name: "sign: empty document", method: "POST", url: "/api/v1/signatures", as: scjSealer,
			body: `{"seal_id":"{sm2}","format":"cms","document":""}`, status: 400, want: fieldErr("document", zh("sign.error.document_empty"))},
		{name: "sign: document not base64", method: "POST", url: "/api/v1/signatures", as: scjSealer,
			body: `{"seal_id":"{sm2}","format":"cms","document":"%%%"}`, status: 400, want: fieldErr("document", zh("api.error.bad_base64", "document"))},
		{name: "sign: NUL in the reason", method: "POST", url: "/api/v1/signatures", as: scjSealer,
			body: `{"seal_id":"{sm2}","format":"cms","document":"aGk=","reason":"a\u0000b"}`, status: 400,
			want: fieldErr("reason", zh("api.error.bad_text", "reason"))},
		{name: "sign: a rectangle of three numbers", method: "POST", url: "/api/v1/signatures", as: scjSealer,
			body: `{"seal_id":"{ec}","format":"pdf","document":"aGk=","rect":[1,2,3]}`, status: 400, want: fieldErr("rect", zh("api.error.bad_rect"))},
		{name: "sign: nothing recorded by the refusals", method: "GET", url: "/api/v1/seals/{sm2}/signatures", as: scjSealer, status: 200,
			want: map[string]any{"#": 0}},
		{name: "sign: the seal user, JSON", method: "POST", url: "/api/v1/signatures", as: scjSealer, body: signJSON("{sm2}", "cms"),
			status: 201, want: map[string]any{"id": present, "format": "cms", "seal_id": "{sm2}", "seal_name": sm2SealName,
				"content_type": "application/pkcs7-signature", "file_name": "决定书.p7s", "signature": present, "ledger_index": present,
				"document_sha256": hex.EncodeToString(sha256Of(decisionText)), "signed_at": present},
			wantHeader: map[string]string{"X-Yiwang-Signature-Id": present.String(), "X-Yiwang-Ledger-Index": present.String(),
				"X-Yiwang-Document-Sha256": hex.EncodeToString(sha256Of(decisionText))},
			audit: []string{"tsa.stamp", "sign.sign"}, save: map[string]string{"sig": "id"}},
		{name: "register: the signature, to the organisation", method: "GET", url: "/api/v1/seals/{sm2}/signatures?limit=10", as: scjAdmin,
			status: 200, want: map[string]any{"#": 1, "0.id": "{sig}", "0.signer": asRequested(scjSealer), "0.format": "cms",
				"0.document_name": "决定书.txt", "0.reason": "行政许可决定", "0.ledger_index": present, "0.signature_sha256": present}},
		{name: "register: the signature, to the digital office", method: "GET", url: "/api/v1/seals/{sm2}/signatures", as: admin,
			status: 200, want: map[string]any{"#": 1}},
	}
}

var decisionText = []byte("行政许可决定书\n闽市监许〔2026〕第 0421 号\n准予福州榕城茶业有限公司食品经营许可。\n")

func sha256Of(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}

// signJSON is a JSON signing request for the decision with seal (a {placeholder}) in format.
func signJSON(seal, format string) string {
	b, _ := json.Marshal(map[string]any{"seal_id": seal, "format": format, "document": decisionText,
		"document_name": "决定书.txt", "reason": "行政许可决定"})
	return string(b)
}

// TestSealsAPI runs the seal registry's life over HTTP on each engine: who may list, ask,
// approve, reject, revoke and sign, and what each step leaves.
func TestSealsAPI(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newSealEnv(t, db)
		pic := testPNG(t)
		e.run(t, sealFlow(pic))

		// The uploaded impression is served as it was given, without login.
		w := e.request(anon, "GET", substitute("/api/v1/seals/{gat}/image", e.saved), "", nil, nil)
		if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), pic) {
			t.Errorf("uploaded impression: %d, %d bytes", w.Code, w.Body.Len())
		}
	})
}

// TestSealImage checks the public impression: PNG, cacheable, the picture the seal's record
// names, served whatever credentials come with the request.
func TestSealImage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newSealEnv(t, db)
		s, err := e.app.Seals.Get(sys(), principal.SystemPrincipal, e.saved["sm2"])
		if err != nil {
			t.Fatal(err)
		}
		for name, header := range map[string]map[string]string{
			"anonymous":           nil,
			"unknown bearer":      {"Authorization": "Bearer ywpat_not-a-token"},
			"stale session":       {"Cookie": "yiwang_session=stale"},
			"another language":    {"Accept-Language": "en"},
			"a browser's request": {"Accept": "image/avif,image/webp,*/*"},
		} {
			w := e.request(anon, "GET", "/api/v1/seals/"+s.ID+"/image", "", nil, header)
			if w.Code != 200 {
				t.Errorf("%s: %d %s", name, w.Code, w.Body)
				continue
			}
			if ct := w.Header().Get("Content-Type"); ct != "image/png" {
				t.Errorf("%s: Content-Type %q", name, ct)
			}
			if cc := w.Header().Get("Cache-Control"); !strings.HasPrefix(cc, "public, max-age=") {
				t.Errorf("%s: Cache-Control %q", name, cc)
			}
			if got := hex.EncodeToString(sha256Of(w.Body.Bytes())); got != s.ImageSHA256 {
				t.Errorf("%s: picture %s, the seal names %s", name, got, s.ImageSHA256)
			}
			if _, err := png.Decode(bytes.NewReader(w.Body.Bytes())); err != nil {
				t.Errorf("%s: not a PNG: %v", name, err)
			}
		}
	})
}

// TestSealTokens checks the registry through personal access tokens: api:read reads, api:write
// writes, and a read token is refused any change before the registry is asked.
func TestSealTokens(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newSealEnv(t, db)
		read, write := e.token(scjSealer, principal.ScopeAPIRead), e.token(scjSealer, principal.ScopeAPIWrite)
		adminRead := e.token(scjAdmin, principal.ScopeAPIRead)
		withToken := func(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }
		body := []byte(substitute(signJSON("{sm2}", "cms"), e.saved))
		for _, tc := range []struct {
			name, method, url, token string
			body                     []byte
			status                   int
			message                  string
		}{
			{"list with api:read", "GET", "/api/v1/seals", read, nil, 200, ""},
			{"sign with api:read", "POST", "/api/v1/signatures", read, body, 403, zh("error.token_read_only")},
			{"request with api:read", "POST", "/api/v1/seals", adminRead, []byte(financeSeal), 403, zh("error.token_read_only")},
			{"sign with api:write", "POST", "/api/v1/signatures", write, body, 201, ""},
			{"register with api:read", "GET", substitute("/api/v1/seals/{sm2}/signatures", e.saved), read, nil, 200, ""},
		} {
			w := e.request(anon, tc.method, tc.url, "application/json", tc.body, withToken(tc.token))
			if w.Code != tc.status {
				t.Errorf("%s: %d, want %d: %s", tc.name, w.Code, tc.status, w.Body)
				continue
			}
			if tc.message != "" {
				var got struct{ Error struct{ Message string } }
				_ = json.Unmarshal(w.Body.Bytes(), &got)
				if got.Error.Message != tc.message {
					t.Errorf("%s: message %q, want %q", tc.name, got.Error.Message, tc.message)
				}
			}
		}
		recs, err := e.app.Sign.Records(sys(), principal.SystemPrincipal, e.saved["sm2"], 10)
		if err != nil || len(recs) != 1 || recs[0].Signer != "official:"+scjSealer {
			t.Errorf("register after the token requests: %+v %v", recs, err)
		}
	})
}
