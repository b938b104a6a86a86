package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// The copies' routes in the main table: refusals that need no licence of the caller's.
func init() {
	scenarios = append(scenarios,
		scenario{name: "copies: make, unknown licence", method: "POST", url: "/api/v1/licenses/" + unknownLicence + "/copies", as: resident,
			body: `{"reason":"贷款","use_for":"公积金中心","expires_at":"2099-01-01"}`, status: 404},
		scenario{name: "copies: list, unknown licence", method: "GET", url: "/api/v1/licenses/" + unknownLicence + "/copies", as: resident,
			status: 404},
		scenario{name: "copies: list, the public", method: "GET", url: "/api/v1/licenses/" + unknownLicence + "/copies", as: anon,
			status: 401},
		scenario{name: "copies: revoke, unknown copy", method: "POST", url: "/api/v1/licenses/copies/cp_nosuchcopy/revoke", as: resident,
			status: 404, want: errWant("not_found", zh("license.error.copy_not_found"))},
		scenario{name: "copies: PDF, unknown copy", method: "GET", url: "/api/v1/licenses/copies/cp_nosuchcopy/pdf", as: resident,
			status: 404},
		scenario{name: "copies: PDF, the public", method: "GET", url: "/api/v1/licenses/copies/cp_nosuchcopy/pdf", as: anon, status: 401},
	)
}

// copyScenarios run after licenceFixture: {lic} is the demo resident's licence.
func copyScenarios(expires string) []scenario {
	body := `{"reason":"办理公积金贷款","use_for":"福州市住房公积金中心","expires_at":"` + expires + `"}`
	return []scenario{
		{name: "copies: make, the public", method: "POST", url: "/api/v1/licenses/{lic}/copies", as: anon, body: body, status: 401},
		{name: "copies: make, another resident", method: "POST", url: "/api/v1/licenses/{lic}/copies", as: otherResident, body: body,
			status: 404},
		{name: "copies: make, the issuer's official", method: "POST", url: "/api/v1/licenses/{lic}/copies", as: "fzscj.window",
			body: body, status: 404},
		{name: "copies: make, no reason", method: "POST", url: "/api/v1/licenses/{lic}/copies", as: resident,
			body: `{"use_for":"公积金中心","expires_at":"` + expires + `"}`, status: 400, want: fieldErr("reason", zh("plaintext.error.required"))},
		{name: "copies: make, no expiry", method: "POST", url: "/api/v1/licenses/{lic}/copies", as: resident,
			body: `{"reason":"贷款","use_for":"公积金中心"}`, status: 400,
			want: fieldErr("expires_at", zh("license.error.copy_expiry_required"))},
		{name: "copies: make, an expiry that is no date", method: "POST", url: "/api/v1/licenses/{lic}/copies", as: resident,
			body: `{"reason":"贷款","use_for":"公积金中心","expires_at":"next week"}`, status: 400,
			want: fieldErr("expires_at", zh("license.error.copy_expiry_date"))},
		{name: "copies: make, an expiry past", method: "POST", url: "/api/v1/licenses/{lic}/copies", as: resident,
			body: `{"reason":"贷款","use_for":"公积金中心","expires_at":"2020-01-01"}`, status: 400,
			want: fieldErr("expires_at", zh("license.error.copy_expiry_past"))},
		{name: "copies: make, an unknown field", method: "POST", url: "/api/v1/licenses/{lic}/copies", as: resident,
			body: `{"reason":"贷款","colour":"red"}`, status: 400, want: map[string]any{"error.field": "colour"}},
		{name: "copies: make", method: "POST", url: "/api/v1/licenses/{lic}/copies", as: resident, body: body, status: 201,
			want: map[string]any{"id": present, "licence_id": "{lic}", "state": "valid", "state_text": zh("license.copies.state.valid"),
				"reason": "办理公积金贷款", "use_for": "福州市住房公积金中心", "credential": present, "revoked_at": absent},
			audit: []string{"keys.create", "license.annotate"}, save: map[string]string{"copy": "id", "copytext": "credential"}},
		{name: "copies: list", method: "GET", url: "/api/v1/licenses/{lic}/copies", as: resident, status: 200,
			want: map[string]any{"copies.#": 1, "copies.0.id": "{copy}", "copies.0.state": "valid"}},
		{name: "copies: list, another resident", method: "GET", url: "/api/v1/licenses/{lic}/copies", as: otherResident, status: 404},
		{name: "copies: verify", method: "POST", url: "/api/v1/licenses/verify", as: anon, body: `{"text":"{copytext}"}`, status: 200,
			want: map[string]any{"state": "valid", "input": "annotated_copy", "reason": "license.reason.copy_valid",
				"reason_text": zh("license.reason.copy_valid"), "purpose": "办理公积金贷款", "audience": "福州市住房公积金中心",
				"copy_id": "{copy}", "presentation_id": absent, "licence.id": "{lic}", "licence.disclosed": absent}},
		{name: "copies: PDF, another resident", method: "GET", url: "/api/v1/licenses/copies/{copy}/pdf", as: otherResident, status: 404},
		{name: "copies: revoke, another resident", method: "POST", url: "/api/v1/licenses/copies/{copy}/revoke", as: otherResident,
			status: 404},
		{name: "copies: revoke, unknown", method: "POST", url: "/api/v1/licenses/copies/cp_nosuchcopy/revoke", as: resident, status: 404},
		{name: "copies: revoke", method: "POST", url: "/api/v1/licenses/copies/{copy}/revoke", as: resident, status: 200,
			want: map[string]any{"id": "{copy}", "state": "revoked", "revoked_at": present}, audit: []string{"license.copy_revoke"}},
		{name: "copies: revoke again", method: "POST", url: "/api/v1/licenses/copies/{copy}/revoke", as: resident, status: 409},
		{name: "copies: verify a withdrawn copy", method: "POST", url: "/api/v1/licenses/verify", as: anon,
			body: `{"text":"{copytext}"}`, status: 200,
			want: map[string]any{"state": "revoked", "reason": "license.reason.copy_revoked", "licence.id": "{lic}"}},
		{name: "copies: PDF of a copy withdrawn before", method: "GET", url: "/api/v1/licenses/copies/{copy}/pdf", as: resident, status: 409},
	}
}

func TestLicenceCopies(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		h := a.Server.Handler()
		ss := &sessions{ids: a.Identity, tokens: map[string]string{}}
		saved := map[string]string{"lic": licenceFixture(t, a)}
		expires := db.Clock().Now().In(clock.China).AddDate(0, 0, 30).Format(time.DateOnly)
		for _, sc := range copyScenarios(expires) {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, h, db, ss, saved) })
		}
	})
}

// TestLicenceCopyPDF downloads an annotated copy's PDF: sealed, the same file the second time;
// pdfsig validates it.
func TestLicenceCopyPDF(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		h := a.Server.Handler()
		ss := &sessions{ids: a.Identity, tokens: map[string]string{}}
		lic := licenceFixture(t, a)
		do := func(method, url, body string) *httptest.ResponseRecorder {
			r := httptest.NewRequest(method, url, strings.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			r.AddCookie(&http.Cookie{Name: "yiwang_session", Value: ss.token(t, resident)})
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			return w
		}
		expires := db.Clock().Now().In(clock.China).AddDate(0, 0, 7).Format(time.DateOnly)
		w := do("POST", "/api/v1/licenses/"+lic+"/copies", `{"reason":"银行开户","use_for":"福州银行","expires_at":"`+expires+`"}`)
		if w.Code != http.StatusCreated {
			t.Fatalf("make: %d %s", w.Code, w.Body)
		}
		var made struct{ ID string }
		if err := json.Unmarshal(w.Body.Bytes(), &made); err != nil || made.ID == "" {
			t.Fatalf("make: %s (%v)", w.Body, err)
		}
		id := made.ID
		get := func() []byte {
			w := do("GET", "/api/v1/licenses/copies/"+id+"/pdf", "")
			if w.Code == http.StatusServiceUnavailable && os.Getenv("CI") != "true" {
				t.Skipf("no PDF here (a Chinese TrueType font is needed; CI installs one): %.300s", w.Body)
			}
			if w.Code != 200 || w.Header().Get("Content-Type") != "application/pdf" {
				t.Fatalf("GET pdf: %d %s: %.300s", w.Code, w.Header().Get("Content-Type"), w.Body)
			}
			return w.Body.Bytes()
		}
		first, second := get(), get()
		if string(first) != string(second) {
			t.Error("the second download differs from the first")
		}
		if _, err := exec.LookPath("pdfsig"); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatal("pdfsig is missing (apt-get install -y poppler-utils)")
			}
			t.Skip("pdfsig is missing")
		}
		f := filepath.Join(t.TempDir(), "copy.pdf")
		if err := os.WriteFile(f, first, 0o600); err != nil {
			t.Fatal(err)
		}
		out, _ := exec.Command("pdfsig", f).CombinedOutput()
		if !strings.Contains(string(out), "Signature is Valid") {
			t.Errorf("pdfsig:\n%s", out)
		}
	})
}
