package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/app"
	"github.com/yiwang-platform/yiwang/internal/catalog"
	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/license"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// The wallet's and the verifier's routes in the main table: refusals and public reads that need
// no licence of the caller's. The whole life of a resident's licence (list, present, verify,
// revoke, verify again) runs on a platform of its own in TestLicenceScenarios.
func init() {
	scenarios = append(scenarios, licenseMainScenarios...)
}

// otherResident is a demo resident who holds none of the licences the tests issue.
var otherResident = demo.Residents[1].Phone

// unknownLicence is a well-formed identifier of a licence nobody issued.
var unknownLicence = idcode.LicenceID{TypeCode: demo.LicenceFood, IssuerCode: catalog.OrgCreditCode("fz-market-regulation"),
	Serial: "2026999999", Version: "001"}.String()

var licenseMainScenarios = []scenario{
	{name: "licences: mine, the public", method: "GET", url: "/api/v1/licenses", as: anon, status: 401,
		want: errWant("unauthenticated", zh("error.unauthenticated"))},
	{name: "licences: mine, an official holds none", method: "GET", url: "/api/v1/licenses", as: gxt, status: 403,
		want: errWant("forbidden", zh("license.error.wallet_forbidden"))},
	{name: "licences: mine, a resident without licences", method: "GET", url: "/api/v1/licenses", as: resident, status: 200,
		want: map[string]any{"licences.#": 0}},
	{name: "licences: one, unknown", method: "GET", url: "/api/v1/licenses/" + unknownLicence, as: resident, status: 404},
	{name: "licences: PDF, unknown", method: "GET", url: "/api/v1/licenses/" + unknownLicence + "/pdf", as: resident, status: 404},
	{name: "licences: PDF, the public", method: "GET", url: "/api/v1/licenses/" + unknownLicence + "/pdf", as: anon, status: 401},
	{name: "licences: present, unknown", method: "POST", url: "/api/v1/licenses/" + unknownLicence + "/presentations", as: resident,
		body: `{"purpose":"开户"}`, status: 404},
	{name: "licences: present, unknown field", method: "POST", url: "/api/v1/licenses/" + unknownLicence + "/presentations", as: resident,
		body: `{"purpose":"开户","colour":"red"}`, status: 400, want: map[string]any{"error.field": "colour"}},
	{name: "licences: verify, garbage is malformed", method: "POST", url: "/api/v1/licenses/verify", as: anon,
		body: `{"text":"hello"}`, status: 200,
		want: map[string]any{"state": "malformed", "reason": "license.reason.malformed", "reason_text": zh("license.reason.malformed"),
			"licence": absent}},
	{name: "licences: verify, an unknown identifier", method: "POST", url: "/api/v1/licenses/verify", as: anon,
		body: `{"text":"https://yiwang.example/licenses/verify?id=` + unknownLicence + `"}`, status: 200,
		want: map[string]any{"input": "identifier", "state": "forged", "reason": "license.reason.unknown_licence"}},
	{name: "licences: the status snapshot, public", method: "GET", url: "/api/v1/licenses/status", as: anon, status: 200,
		want: map[string]any{"node": "350000", "snapshot": present, "next_update": present}, audit: []string{"keys.create"}},
	{name: "licences: verify, no text", method: "POST", url: "/api/v1/licenses/verify", as: anon, body: `{}`, status: 400,
		want: fieldErr("text", zh("license.error.required"))},
}

// licenceFixture issues a food business licence to the demo resident and returns its identifier.
func licenceFixture(t testing.TB, a *app.App) string {
	t.Helper()
	ctx := principal.With(context.Background(), principal.SystemPrincipal)
	r := demo.Residents[0]
	l, err := a.Licenses.Issue(ctx, principal.SystemPrincipal, license.IssueRequest{TypeCode: demo.LicenceFood,
		IssuerOrg: "fz-market-regulation", HolderName: r.Name, HolderCode: r.IDNumber, HolderCodeType: license.HolderCodeResidentID,
		Number: "JY13501020026099", Face: map[string]string{"enterprise_name": "陈记茶点", "applicant_name": r.Name,
			"premises": "福州市鼓楼区东街88号", "food_type": "热食类食品制售"}})
	if err != nil {
		t.Fatal(err)
	}
	return l.ID
}

// licenceScenarios run after licenceFixture: {lic} is the demo resident's licence.
func licenceScenarios(tamper func(r *http.Request)) []scenario {
	return []scenario{
		{name: "wallet: mine", method: "GET", url: "/api/v1/licenses", as: resident, status: 200,
			want: map[string]any{"licences.#": 1, "licences.0.id": "{lic}", "licences.0.state": "valid",
				"licences.0.state_text": zh("license.state.valid"), "licences.0.credential": present}},
		{name: "wallet: one, in English", method: "GET", url: "/api/v1/licenses/{lic}", as: resident,
			header: map[string]string{"Accept-Language": "en"}, status: 200,
			want: map[string]any{"licence.id": "{lic}", "licence.state_text": msg(i18n.En, "license.state.valid"),
				"history.0.kind": "issued", "uses.#": 0, "disclosable.0": "holder_name", "disclosable.2": "enterprise_name"}},
		{name: "wallet: one, another resident", method: "GET", url: "/api/v1/licenses/{lic}", as: otherResident, status: 404},
		{name: "wallet: PDF, another resident", method: "GET", url: "/api/v1/licenses/{lic}/pdf", as: otherResident, status: 404},
		{name: "wallet: present, another resident", method: "POST", url: "/api/v1/licenses/{lic}/presentations", as: otherResident,
			body: `{"purpose":"开户"}`, status: 404},
		{name: "wallet: one, the issuer's official sees no uses", method: "GET", url: "/api/v1/licenses/{lic}", as: "fzscj.window",
			status: 200, want: map[string]any{"licence.id": "{lic}", "uses": absent}},
		{name: "wallet: present, no purpose", method: "POST", url: "/api/v1/licenses/{lic}/presentations", as: resident,
			body: `{"fields":["holder_name"]}`, status: 400, want: map[string]any{"error.field": "purpose"}},
		{name: "wallet: present, a field the licence lacks", method: "POST", url: "/api/v1/licenses/{lic}/presentations", as: resident,
			body: `{"fields":["colour"],"purpose":"开户"}`, status: 400, want: map[string]any{"error.field": "fields"}},
		{name: "wallet: present", method: "POST", url: "/api/v1/licenses/{lic}/presentations", as: resident,
			body: `{"fields":["holder_name","premises"],"purpose":"银行开户","audience":"福州银行"}`, status: 201,
			want:  map[string]any{"id": present, "text": present, "expires_at": present},
			audit: []string{"keys.create", "license.present"}, save: map[string]string{"text": "text", "pid": "id"}},
		{name: "verify: a fresh presentation is valid", method: "POST", url: "/api/v1/licenses/verify", as: anon,
			body: `{"text":"{text}"}`, status: 200,
			want: map[string]any{"state": "valid", "input": "presentation", "purpose": "银行开户", "audience": "福州银行",
				"presentation_id": "{pid}", "licence.id": "{lic}", "licence.disclosed.holder_name": demo.Residents[0].Name,
				"licence.disclosed.premises": "福州市鼓楼区东街88号", "licence.disclosed.holder_code": absent}},
		{name: "verify: a tampered presentation is forged", method: "POST", url: "/api/v1/licenses/verify", as: anon,
			body: `{"text":"{text}"}`, prepare: tamper, status: 200, want: map[string]any{"state": "forged", "licence": absent}},
		{name: "wallet: the verification is a use", method: "GET", url: "/api/v1/licenses/{lic}", as: resident, status: 200,
			want: map[string]any{"uses.#": 1, "uses.0.kind": "verified", "uses.0.purpose": "银行开户", "uses.0.presentation": "{pid}"}},
		{name: "status: the signed snapshot", method: "GET", url: "/api/v1/licenses/status", as: anon, status: 200,
			want: map[string]any{"node": "350000", "snapshot": present, "next_update": present}},
	}
}

// revokedScenarios run after the issuer revoked {lic}.
var revokedScenarios = []scenario{
	{name: "verify: revoked after the issuer revoked it", method: "POST", url: "/api/v1/licenses/verify", as: anon,
		body: `{"text":"{text}"}`, status: 200,
		want: map[string]any{"state": "revoked", "reason_text": zh("license.reason.revoked"), "licence.id": "{lic}"}},
	{name: "wallet: a revoked licence is not presented", method: "POST", url: "/api/v1/licenses/{lic}/presentations", as: resident,
		body: `{"purpose":"开户"}`, status: 409},
}

// tamperText changes one character of the presentation's signed part in the request body.
func tamperText(r *http.Request) {
	var in struct{ Text string }
	b := new(bytes.Buffer)
	_, _ = b.ReadFrom(r.Body)
	_ = json.Unmarshal(b.Bytes(), &in)
	i := strings.LastIndex(in.Text, ".") + 5
	c := byte('A')
	if in.Text[i] == 'A' {
		c = 'B'
	}
	in.Text = in.Text[:i] + string(c) + in.Text[i+1:]
	body, _ := json.Marshal(in)
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
}

func TestLicenceScenarios(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		h := a.Server.Handler()
		ss := &sessions{ids: a.Identity, tokens: map[string]string{}}
		saved := map[string]string{"lic": licenceFixture(t, a)}
		for _, sc := range licenceScenarios(tamperText) {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, h, db, ss, saved) })
		}
		ctx := principal.With(context.Background(), principal.SystemPrincipal)
		if _, err := a.Licenses.Revoke(ctx, principal.SystemPrincipal, saved["lic"], "经营场所已不存在"); err != nil {
			t.Fatal(err)
		}
		for _, sc := range revokedScenarios {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, h, db, ss, saved) })
		}
	})
}

// TestLicencePDF downloads the demo resident's licence as a PDF: sealed by the issuer, the same
// file the second time, each download a use; pdfsig validates it when it is installed.
func TestLicencePDF(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		h := a.Server.Handler()
		ss := &sessions{ids: a.Identity, tokens: map[string]string{}}
		id := licenceFixture(t, a)
		get := func() []byte {
			r := httptest.NewRequest("GET", "/api/v1/licenses/"+id+"/pdf", nil)
			r.AddCookie(&http.Cookie{Name: "yiwang_session", Value: ss.token(t, resident)})
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code == http.StatusServiceUnavailable && os.Getenv("CI") != "true" {
				t.Skipf("no licence PDF here (a Chinese TrueType font is needed; CI installs one): %.300s", w.Body)
			}
			if w.Code != 200 || w.Header().Get("Content-Type") != "application/pdf" {
				t.Fatalf("GET pdf: %d %s: %.300s", w.Code, w.Header().Get("Content-Type"), w.Body)
			}
			return w.Body.Bytes()
		}
		first, second := get(), get()
		if !bytes.Equal(first, second) {
			t.Error("the second download differs from the first")
		}
		if !bytes.Contains(first, []byte("/ByteRange")) {
			t.Error("the PDF carries no signature")
		}
		p, err := ss.ids.SessionPrincipal(context.Background(), ss.token(t, resident))
		if err != nil {
			t.Fatal(err)
		}
		uses, err := a.Licenses.Uses(context.Background(), p, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(uses) != 2 || uses[0].Kind != "downloaded" {
			t.Errorf("uses = %+v, want two downloads", uses)
		}
		if _, err := exec.LookPath("pdfsig"); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatal("pdfsig is missing (apt-get install -y poppler-utils)")
			}
			t.Skip("pdfsig is missing")
		}
		f := filepath.Join(t.TempDir(), "licence.pdf")
		if err := os.WriteFile(f, first, 0o600); err != nil {
			t.Fatal(err)
		}
		out, _ := exec.Command("pdfsig", f).CombinedOutput()
		if !strings.Contains(string(out), "Signature is Valid") {
			t.Errorf("pdfsig:\n%s", out)
		}
	})
}

// FuzzLicenceVerifyJSON posts arbitrary bodies to the public verify route: each is refused as
// invalid (400, 413) or answered with one of the states (200), never a server error.
func FuzzLicenceVerifyJSON(f *testing.F) {
	for _, s := range []string{`{"text":"YWP1.abc.def"}`, `{"text":"YWC1."}`, `{"text":"1.2.156.3005.2.x"}`, `{"text":""}`,
		`{"text":null}`, `{"text":1}`, `{}`, ``, `[]`, `{"text":"a"} {}`, `{"text":"\u0000"}`, `{"txt":"a"}`,
		`{"text":"https://x/licenses/verify?id=%zz"}`} {
		f.Add(s)
	}
	a := newApp(f, storetest.Open(f, store.SQLite, storetest.Options{}))
	h := a.Server.Handler()
	states := []string{"valid", "suspended", "revoked", "superseded", "expired", "forged", "not_trusted", "malformed"}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "/api/v1/licenses/verify", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		switch w.Code {
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		case http.StatusOK:
			var res struct{ State string }
			if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil || !slices.Contains(states, res.State) {
				t.Fatalf("body %q: %s", body, w.Body)
			}
		default:
			t.Fatalf("body %q: status %d: %s", body, w.Code, w.Body)
		}
	})
}
