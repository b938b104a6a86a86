package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/api"
	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/payments"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/seal"
	"github.com/yiwang-platform/yiwang/internal/sign"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// caseMainScenarios belong in the main table once the platform wires the case service (app.New
// with Config.Cases): refusals and reads that need no case, so that every case route is called
// there. Add them with
//
//	func init() { scenarios = append(scenarios, caseMainScenarios...) }
//
// The case scenarios below run them, and a whole application's life, on a platform of their own.
var caseMainScenarios = []scenario{
	{name: "cases: mine, anonymous", method: "GET", url: "/api/v1/cases", status: 401, want: unauthenticated},
	{name: "cases: mine, an official", method: "GET", url: "/api/v1/cases", as: caseWin, status: 403,
		want: errWant("forbidden", zh("cases.error.applicants_only"))},
	{name: "cases: mine, none yet", method: "GET", url: "/api/v1/cases", as: caseApplicant, status: 200, want: map[string]any{"#": 0}},
	{name: "cases: mine, unknown status", method: "GET", url: "/api/v1/cases?status=lost", as: caseApplicant, status: 400,
		want: fieldErr("status", zh("cases.error.status"))},
	{name: "cases: mine, limit too high", method: "GET", url: "/api/v1/cases?limit=201", as: caseApplicant, status: 400,
		want: fieldErr("limit", zh("api.error.bad_limit", 200))},
	{name: "cases: apply, anonymous", method: "POST", url: "/api/v1/cases", body: `{"item":"X"}`, status: 401, want: unauthenticated},
	{name: "cases: apply, unknown item", method: "POST", url: "/api/v1/cases", as: caseApplicant, body: `{"item":"NO-SUCH-ITEM"}`,
		status: 400, want: fieldErr("item", zh("cases.error.item_unknown"))},
	{name: "cases: apply, item and bundle", method: "POST", url: "/api/v1/cases", as: caseApplicant, body: `{"item":"A","bundle":"B"}`,
		status: 400, want: fieldErr("item", zh("cases.error.item_or_bundle"))},
	{name: "cases: apply, unknown field", method: "POST", url: "/api/v1/cases", as: caseApplicant, body: `{"item":"A","urgent":true}`,
		status: 400, want: fieldErr("urgent", zh("api.error.unknown_field", "urgent"))},
	{name: "cases: apply, bad base64", method: "POST", url: "/api/v1/cases", as: caseApplicant,
		body: `{"item":"A","materials":[{"code":"application","data":"%%%"}]}`, status: 400,
		want: fieldErr("materials.0.data", zh("api.error.bad_base64", "materials.0.data"))},
	{name: "cases: lookup, unknown", method: "GET", url: "/api/v1/cases/lookup?number=350000-20260302-000001&code=ABCDEFGH",
		status: 404, want: errWant("not_found", zh("cases.error.lookup"))},
	{name: "cases: one, anonymous", method: "GET", url: "/api/v1/cases/case-none", status: 401, want: unauthenticated},
	{name: "cases: one, unknown", method: "GET", url: "/api/v1/cases/case-none", as: caseApplicant, status: 404,
		want: errWant("not_found", zh("cases.error.not_found"))},
	{name: "cases: values, unknown", method: "PUT", url: "/api/v1/cases/case-none/values", as: caseApplicant, body: `{"values":{}}`,
		status: 404, want: errWant("not_found", zh("cases.error.not_found"))},
	{name: "cases: values, none given", method: "PUT", url: "/api/v1/cases/case-none/values", as: caseApplicant, body: `{}`,
		status: 400, want: fieldErr("values", zh("api.cases.values_required"))},
	{name: "cases: submit, unknown", method: "POST", url: "/api/v1/cases/case-none/submit", as: caseApplicant, status: 404,
		want: errWant("not_found", zh("cases.error.not_found"))},
	{name: "cases: attach, not a material's type", method: "PUT", url: "/api/v1/cases/case-none/materials/application",
		as: caseApplicant, body: "hello", header: textPlain, status: 415,
		want: map[string]any{"error.kind": "unsupported_media_type", "error.field": "Content-Type"}},
	{name: "cases: attach, unknown case", method: "PUT", url: "/api/v1/cases/case-none/materials/application", as: caseApplicant,
		body: "%PDF-1.7\n", header: map[string]string{"Content-Type": "application/pdf"}, status: 404,
		want: errWant("not_found", zh("cases.error.not_found"))},
	{name: "cases: remove, unknown case", method: "DELETE", url: "/api/v1/cases/case-none/materials/application", as: caseApplicant,
		status: 404, want: errWant("not_found", zh("cases.error.not_found"))},
	{name: "cases: material, unknown case", method: "GET", url: "/api/v1/cases/case-none/materials/application", as: caseApplicant,
		status: 404, want: errWant("not_found", zh("cases.error.not_found"))},
	{name: "cases: resubmit, unknown", method: "POST", url: "/api/v1/cases/case-none/resubmit", as: caseApplicant, status: 404,
		want: errWant("not_found", zh("cases.error.not_found"))},
	{name: "cases: withdraw, unknown", method: "POST", url: "/api/v1/cases/case-none/withdraw", as: caseApplicant, status: 404,
		want: errWant("not_found", zh("cases.error.not_found"))},
	{name: "cases: message, empty", method: "POST", url: "/api/v1/cases/case-none/messages", as: caseApplicant, body: `{"body":" "}`,
		status: 400, want: fieldErr("body", zh("cases.error.text_required"))},
	{name: "cases: timeline, unknown", method: "GET", url: "/api/v1/cases/case-none/timeline", as: caseApplicant, status: 404,
		want: errWant("not_found", zh("cases.error.not_found"))},
	{name: "cases: decision, unknown", method: "GET", url: "/api/v1/cases/case-none/decision", as: caseApplicant, status: 404,
		want: errWant("not_found", zh("cases.error.not_found"))},
	{name: "work: worklist, a resident", method: "GET", url: "/api/v1/work/cases", as: caseApplicant, status: 403,
		want: errWant("forbidden", zh("cases.error.officials_only"))},
	{name: "work: worklist, none yet", method: "GET", url: "/api/v1/work/cases?due=soon", as: caseWin, status: 200, want: map[string]any{"#": 0}},
	{name: "work: worklist, bad due", method: "GET", url: "/api/v1/work/cases?due=later", as: caseWin, status: 400,
		want: fieldErr("due", zh("api.cases.bad_due"))},
	{name: "work: worklist, bad side", method: "GET", url: "/api/v1/work/cases?as=owner", as: caseWin, status: 400,
		want: fieldErr("as", zh("cases.error.worklist_as"))},
	{name: "work: accept, a resident", method: "POST", url: "/api/v1/work/cases/case-none/accept", as: caseApplicant, status: 403,
		want: errWant("forbidden", zh("cases.error.officials_only"))},
	{name: "work: accept, unknown", method: "POST", url: "/api/v1/work/cases/case-none/accept", as: caseWin, status: 404,
		want: errWant("not_found", zh("cases.error.not_found"))},
	{name: "work: transfer, a resident", method: "POST", url: "/api/v1/work/cases/case-none/transfer", as: caseApplicant,
		status: 403, want: errWant("forbidden", zh("cases.error.officials_only"))},
	{name: "work: transfer, unknown", method: "POST", url: "/api/v1/work/cases/case-none/transfer", as: caseWin, status: 404,
		want: errWant("not_found", zh("cases.error.not_found"))},
	{name: "work: transfer, the public", method: "POST", url: "/api/v1/work/cases/case-none/transfer", as: anon, status: 401},
	{name: "work: request materials, none named", method: "POST", url: "/api/v1/work/cases/case-none/request-materials", as: caseWin,
		body: `{"materials":[],"note":"请补交"}`, status: 400, want: fieldErr("materials", zh("cases.error.materials_required"))},
	{name: "work: reject, no reasons", method: "POST", url: "/api/v1/work/cases/case-none/reject", as: caseWin, body: `{}`,
		status: 400, want: fieldErr("reasons", zh("cases.error.text_required"))},
	{name: "work: review, unknown", method: "POST", url: "/api/v1/work/cases/case-none/review", as: caseAppr,
		body: `{"opinion":"同意"}`, status: 404, want: errWant("not_found", zh("cases.error.not_found"))},
	{name: "work: procedure, unknown kind", method: "POST", url: "/api/v1/work/cases/case-none/procedure", as: caseAppr,
		body: `{"kind":"prayer"}`, status: 400, want: fieldErr("kind", zh("cases.error.procedure_kind"))},
	{name: "work: procedure end, unknown", method: "POST", url: "/api/v1/work/cases/case-none/procedure/end", as: caseAppr,
		status: 404, want: errWant("not_found", zh("cases.error.not_found"))},
	{name: "work: decide, no outcome", method: "POST", url: "/api/v1/work/cases/case-none/decide", as: caseAppr,
		body: `{"reasons":"符合条件"}`, status: 400, want: fieldErr("outcome", zh("cases.error.outcome"))},
	{name: "work: deliver, bad method", method: "POST", url: "/api/v1/work/cases/case-none/deliver", as: caseWin,
		body: `{"method":"pigeon"}`, status: 400, want: fieldErr("method", zh("cases.error.delivery_method"))},
}

// The people of the case scenarios: the demo's resident and the market regulator's officials, an
// official of another department, and another resident.
const (
	caseWin   = "scj.window"
	caseAppr  = "scj.approver"
	caseAdmin = "scj.admin"
	caseGat   = "tgat.casewindow"
)

var (
	caseApplicant = demo.Residents[0].Phone
	caseOther     = demo.Residents[1].Phone
)

// Implementation codes of the test catalogue.
var (
	caseFood    = idcode.NewCreditCode('1', '1', "350000", "00304121") + "400011170000"
	caseBarcode = idcode.NewCreditCode('1', '1', "350000", "00304121") + "400011230000"
)

var (
	casePDF = []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	casePNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	pdf64   = base64.StdEncoding.EncodeToString(casePDF)
	png64   = base64.StdEncoding.EncodeToString(casePNG)
)

const caseFoodForm = `{"type":"object","properties":{
  "operator":{"type":"string","minLength":2,"maxLength":50,"x-title":{"zh-Hans":"经营者名称","zh-Hant":"經營者名稱","en":"Operator"}},
  "kind":{"type":"string","enum":["sales","catering","canteen"],"x-title":{"zh-Hans":"主体业态","zh-Hant":"主體業態","en":"Kind"}},
  "mobile":{"type":"string","format":"mobile","x-title":{"zh-Hans":"联系电话","zh-Hant":"聯繫電話","en":"Mobile"}},
  "staff":{"type":"integer","minimum":1,"x-title":{"zh-Hans":"从业人员数","zh-Hant":"從業人員數","en":"Staff"}}},
  "required":["operator","kind","mobile"]}`

const foodValues = `{"operator":"榕城小吃店","kind":"catering","mobile":"13805912345","staff":6}`

// caseTestCatalog is the published items of the case scenarios.
type caseTestCatalog map[string]cases.ItemSpec

func newCaseTestCatalog() caseTestCatalog {
	mat := func(code, name string, req bool, formats ...string) cases.MaterialSpec {
		return cases.MaterialSpec{Code: code, NameHans: name, NameHant: name, NameEn: code, Source: cases.SourceApplicant,
			Required: req, Formats: formats, MaxBytes: 1 << 20}
	}
	food := cases.ItemSpec{Code: caseFood, Version: 3, Org: "fj-market-regulation", RegionCode: "350000",
		NameHans: "食品经营许可证核发", NameHant: "食品經營許可證核發", NameEn: "Food business licence", Type: "administrative_licensing",
		ServiceObject: cases.ServiceObjectBoth, LegalDays: 20, PromisedDays: 10, FormSchema: []byte(caseFoodForm),
		Materials: []cases.MaterialSpec{mat("application", "食品经营许可申请书", true, cases.FormatPDF),
			mat("layout", "经营场所平面布局图", true, cases.FormatPDF, cases.FormatPNG, cases.FormatJPEG),
			{Code: "identity", NameHans: "经营者身份证明", Source: cases.SourceSharedData, Required: true}},
		CrossRegion: cases.CrossRegionProvince, OnlineDepth: 4}
	barcode := food
	barcode.Code, barcode.NameHans, barcode.Version = caseBarcode, "商品条码系统成员注册", 1
	barcode.Materials = []cases.MaterialSpec{mat("application", "注册申请表", true, cases.FormatPDF)}
	barcode.Fees = []cases.FeeLine{{Name: "系统成员注册费", AmountFen: 80000, LegalBasis: "《商品条码管理办法》"}}
	return caseTestCatalog{caseFood: food, caseBarcode: barcode}
}

func (c caseTestCatalog) Item(_ context.Context, code string) (cases.ItemSpec, error) {
	it, ok := c[code]
	if !ok {
		return it, errs.E(errs.NotFound, "error.not_found")
	}
	return it, nil
}

func (c caseTestCatalog) Bundle(context.Context, string) (cases.BundleSpec, error) {
	return cases.BundleSpec{}, errs.E(errs.NotFound, "error.not_found")
}

// casePeopleOf answers from the identity register.
type casePeopleOf struct{ ids *identity.Service }

func (p casePeopleOf) Person(ctx context.Context, account int64) (cases.Person, error) {
	a, err := p.ids.Account(ctx, account)
	if err != nil {
		return cases.Person{}, err
	}
	return cases.Person{Account: a.ID, Kind: a.Kind, Name: a.DisplayName}, nil
}

func (p casePeopleOf) Officials(ctx context.Context, org string, roles ...string) ([]int64, error) {
	list, err := p.ids.Officials(sys(), org)
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, a := range list {
		if slices.ContainsFunc(roles, func(r string) bool { return slices.Contains(a.Roles, r) }) {
			out = append(out, a.ID)
		}
	}
	return out, nil
}

// caseSealSigner signs decisions with the organisation's active seal, as its seal users would.
type caseSealSigner struct {
	seals *seal.Registry
	sign  *sign.Service
}

func (c caseSealSigner) SignDecision(ctx context.Context, p principal.Principal, org string, document []byte, name string) (cases.SignedDecision, error) {
	list, err := c.seals.List(ctx, principal.SystemPrincipal, org)
	if err != nil {
		return cases.SignedDecision{}, err
	}
	for _, sl := range list {
		if sl.Status != seal.Active {
			continue
		}
		signer := p
		signer.Roles = append(slices.Clone(p.Roles), principal.RoleSealUser)
		res, err := c.sign.Sign(ctx, signer, sign.Request{SealID: sl.ID, Format: sign.FormatCMS, Document: document, DocumentName: name})
		if err != nil {
			return cases.SignedDecision{}, err
		}
		return cases.SignedDecision{SignatureID: res.ID, SealID: sl.ID, SealName: sl.Name, Format: string(res.Format), Signature: res.Signature}, nil
	}
	return cases.SignedDecision{}, errs.E(errs.Conflict, "error.seal_not_usable", org)
}

// caseFeeOrders opens fee orders with the payment service.
type caseFeeOrders struct{ pay *payments.Service }

func (f caseFeeOrders) OpenOrderTx(ctx context.Context, tx *store.Tx, o cases.FeeOrder) (string, error) {
	var lines []payments.Line
	for _, l := range o.Lines {
		lines = append(lines, payments.Line{Name: l.Name, AmountFen: l.AmountFen, LegalBasis: l.LegalBasis})
	}
	order, err := f.pay.OpenOrderTx(ctx, tx, payments.OrderRequest{ReferenceKind: "case", ReferenceID: o.CaseID,
		ReferenceNumber: o.CaseNumber, Org: o.Org, Payer: o.Payer, PayerActingFor: o.PayerActingFor, Lines: lines})
	return order.ID, err
}

// newCaseServer is the demo platform with the case service wired in, on a server of its own: the
// API (with every other module's routes too) and the session cookie.
func newCaseServer(t *testing.T, db *store.DB) (http.Handler, *sessions, *cases.Service) {
	t.Helper()
	a := newApp(t, db)
	if _, err := a.Identity.CreateAccount(sys(), identity.NewAccount{Login: caseGat, Kind: principal.Official, DisplayName: caseGat,
		OrgCode: "fj-public-security", Roles: []string{principal.RoleWindowOfficer, principal.RoleApprover}, Password: demo.Password}); err != nil {
		t.Fatal(err)
	}
	svc, err := cases.New(db, cases.Config{Catalog: newCaseTestCatalog(), People: casePeopleOf{a.Identity}, Calendar: a.Calendar,
		Signer: caseSealSigner{seals: a.Seals, sign: a.Sign}, Ledger: a.Ledger, Fees: caseFeeOrders{payments.New(db, payments.Options{})},
		CodeKey: []byte("api test query-code key, 32+ bytes long")})
	if err != nil {
		t.Fatal(err)
	}
	high := httpserver.Limit{PerSecond: 1e6, Burst: 1e6}
	srv, err := httpserver.New(httpserver.Config{Logger: slog.New(slog.DiscardHandler),
		RateLimits: map[string]httpserver.Limit{httpserver.ClassAPI: high, httpserver.ClassLogin: high, httpserver.ClassPublic: high, httpserver.ClassVerify: high},
		Authenticate: func(r *http.Request) (principal.Principal, error) {
			c, err := r.Cookie("yiwang_session")
			if err != nil {
				return principal.Principal{Kind: principal.Anonymous}, nil
			}
			return a.Identity.SessionPrincipal(r.Context(), c.Value)
		}})
	if err != nil {
		t.Fatal(err)
	}
	api.New(api.Config{DB: db, Plan: a.Plan, Calendar: a.Calendar, Identity: a.Identity, Apps: a.Apps, Version: "test",
		Seals: a.Seals, Sign: a.Sign, Cases: svc}).Install(srv)
	ss := &sessions{ids: a.Identity, tokens: map[string]string{}}
	// Sign everyone in now, so that no sign-in lands among the audit events a scenario expects.
	for _, login := range []string{caseApplicant, caseOther, caseWin, caseAppr, caseAdmin, caseGat} {
		ss.token(t, login)
	}
	return srv.Handler(), ss, svc
}

var pdfHeader = map[string]string{"Content-Type": "application/pdf"}

// caseScenarios take applications through their whole life over the API.
var caseScenarios = []scenario{
	// Applying at once, with the materials.
	{name: "apply: a field error", method: "POST", url: "/api/v1/cases", as: caseApplicant,
		body: `{"item":"` + caseFood + `","values":{"operator":"榕城小吃店","kind":"catering","mobile":"12345"}}`, status: 400,
		want: fieldErr("mobile", zh("formschema.format.mobile"))},
	{name: "apply: a material missing", method: "POST", url: "/api/v1/cases", as: caseApplicant,
		body:   `{"item":"` + caseFood + `","values":` + foodValues + `,"materials":[{"code":"application","file_name":"申请书.pdf","data":"` + pdf64 + `"}]}`,
		status: 400, want: fieldErr("material.layout", zh("cases.error.material_missing", "经营场所平面布局图"))},
	{name: "apply: a file of the wrong type", method: "POST", url: "/api/v1/cases", as: caseApplicant,
		body: `{"item":"` + caseFood + `","values":` + foodValues + `,"materials":[{"code":"application","data":"` + png64 +
			`"},{"code":"layout","data":"` + png64 + `"}]}`,
		status: 400, want: fieldErr("material.application", zh("cases.error.material_format", "pdf"))},
	{name: "apply: at once", method: "POST", url: "/api/v1/cases", as: caseApplicant,
		body: `{"item":"` + caseFood + `","values":` + foodValues + `,"materials":[{"code":"application","file_name":"申请书.pdf","data":"` +
			pdf64 + `"},{"code":"layout","file_name":"平面图.png","data":"` + png64 + `"}]}`,
		status: 201, want: map[string]any{"case.status": "submitted", "case.number": present, "query_code": present,
			"case.channel": "online", "case.materials.0.name_hans": "食品经营许可申请书", "case.materials.0.status": "provided",
			"case.materials.2.status": "to_fetch", "case.form.staff": 6, "case.clock.state": "not_started", "case.clock.limit_days": 10},
		wantHeader: map[string]string{"Location": present.String()}, audit: []string{"cases.submit"},
		save: map[string]string{"case": "case.id", "number": "case.number", "code": "query_code"}},
	{name: "apply: mine lists it", method: "GET", url: "/api/v1/cases", as: caseApplicant, status: 200,
		want: map[string]any{"#": 1, "0.id": "{case}", "0.applicant.name": "陈**"}},
	{name: "apply: another resident", method: "GET", url: "/api/v1/cases/{case}", as: caseOther, status: 404,
		want: errWant("not_found", zh("cases.error.not_found"))},
	{name: "apply: another department", method: "GET", url: "/api/v1/cases/{case}", as: caseGat, status: 404,
		want: errWant("not_found", zh("cases.error.not_found"))},
	{name: "lookup: by number and code", method: "GET", url: "/api/v1/cases/lookup?number={number}&code={code}", status: 200,
		want: map[string]any{"number": "{number}", "status": "submitted", "handling_org": "fj-market-regulation",
			"name_hans": "食品经营许可证核发", "applicant": absent, "form": absent}},
	{name: "lookup: the code in lower case", method: "GET", url: "/api/v1/cases/lookup?number={number}&code={code}", status: 200,
		prepare: func(r *http.Request) {
			q := r.URL.Query()
			q.Set("code", strings.ToLower(q.Get("code")))
			r.URL.RawQuery = q.Encode()
		}, want: map[string]any{"status": "submitted"}},
	{name: "lookup: a wrong code", method: "GET", url: "/api/v1/cases/lookup?number={number}&code=ZZZZZZZZ", status: 404,
		want: errWant("not_found", zh("cases.error.lookup"))},

	// A draft, filled in bit by bit.
	{name: "draft: start", method: "POST", url: "/api/v1/cases", as: caseApplicant,
		body: `{"item":"` + caseFood + `","draft":true,"values":{"operator":"榕城小吃店"}}`, status: 201,
		want:  map[string]any{"case.status": "draft", "case.number": absent, "query_code": absent, "case.form.operator": "榕城小吃店"},
		audit: []string{"cases.start"}, save: map[string]string{"draft": "case.id"}},
	{name: "draft: with materials", method: "POST", url: "/api/v1/cases", as: caseApplicant,
		body: `{"item":"` + caseFood + `","draft":true,"materials":[{"code":"application","data":"` + pdf64 + `"}]}`, status: 400,
		want: fieldErr("materials", zh("api.cases.draft_materials"))},
	{name: "draft: a wrong value", method: "PUT", url: "/api/v1/cases/{draft}/values", as: caseApplicant,
		body: `{"values":{"operator":"榕城小吃店","staff":0}}`, status: 400, want: fieldErr("staff", zh("formschema.too_small", "1"))},
	{name: "draft: values", method: "PUT", url: "/api/v1/cases/{draft}/values", as: caseApplicant,
		body: `{"values":{"operator":"榕城小吃店","kind":"sales"}}`, status: 200,
		want: map[string]any{"form.kind": "sales", "status": "draft"}, audit: []string{"cases.save_draft"}},
	{name: "draft: another resident's values", method: "PUT", url: "/api/v1/cases/{draft}/values", as: caseOther,
		body: `{"values":{}}`, status: 404, want: errWant("not_found", zh("cases.error.not_found"))},
	{name: "draft: a file whose content is not its type", method: "PUT", url: "/api/v1/cases/{draft}/materials/layout?file_name=x.png",
		as: caseApplicant, body: string(casePDF), header: map[string]string{"Content-Type": "image/png"}, status: 400,
		want: fieldErr("material.layout", zh("api.cases.content_type_mismatch", "pdf"))},
	{name: "draft: a file over the material's limit", method: "PUT", url: "/api/v1/cases/{draft}/materials/application",
		as: caseApplicant, body: string(casePDF) + strings.Repeat("0", 1<<20), header: pdfHeader, status: 413,
		want: map[string]any{"error.kind": "too_large", "error.field": "material.application",
			"error.message": zh("cases.error.material_too_large", "1 MB")}},
	{name: "draft: a file for an unknown material", method: "PUT", url: "/api/v1/cases/{draft}/materials/photo",
		as: caseApplicant, body: string(casePDF), header: pdfHeader, status: 400,
		want: fieldErr("material.photo", zh("cases.error.material_unknown"))},
	{name: "draft: attach", method: "PUT", url: "/api/v1/cases/{draft}/materials/application?file_name=申请书.pdf", as: caseApplicant,
		body: string(casePDF), header: pdfHeader, status: 200,
		want:  map[string]any{"code": "application", "status": "provided", "format": "pdf", "file_name": "申请书.pdf", "name_hans": "食品经营许可申请书"},
		audit: []string{"cases.attach_material"}},
	{name: "draft: the file, another resident", method: "GET", url: "/api/v1/cases/{draft}/materials/application", as: caseOther,
		status: 404, want: errWant("not_found", zh("cases.error.not_found"))},
	{name: "draft: remove", method: "DELETE", url: "/api/v1/cases/{draft}/materials/application", as: caseApplicant, status: 200,
		want: map[string]any{"materials.0.status": "missing"}, audit: []string{"cases.remove_material"}},
	{name: "draft: remove again", method: "DELETE", url: "/api/v1/cases/{draft}/materials/application", as: caseApplicant, status: 400,
		want: fieldErr("material.application", zh("cases.error.material_not_attached"))},
	{name: "draft: submit incomplete", method: "POST", url: "/api/v1/cases/{draft}/submit", as: caseApplicant, status: 400,
		want: fieldErr("mobile", zh("formschema.required"))},
	{name: "draft: message on a draft", method: "POST", url: "/api/v1/cases/{draft}/messages", as: caseApplicant,
		body: `{"body":"请问需要多久？"}`, status: 409, want: errWant("conflict", zh("cases.error.wrong_status", "draft"))},
	{name: "draft: withdraw", method: "POST", url: "/api/v1/cases/{draft}/withdraw", as: caseApplicant, status: 200,
		want: map[string]any{"status": "withdrawn"}, audit: []string{"cases.withdraw"}},

	// 補正 before acceptance, then the workflow to the decision.
	{name: "work: the worklist", method: "GET", url: "/api/v1/work/cases?as=handling&status=submitted", as: caseWin, status: 200,
		want: map[string]any{"#": 1, "0.id": "{case}", "0.next_step": "accept"}},
	{name: "work: another department's worklist", method: "GET", url: "/api/v1/work/cases", as: caseGat, status: 200,
		want: map[string]any{"#": 0}},
	{name: "work: another department accepts", method: "POST", url: "/api/v1/work/cases/{case}/accept", as: caseGat, status: 404,
		want: errWant("not_found", zh("cases.error.not_found"))},
	{name: "work: the administrator accepts", method: "POST", url: "/api/v1/work/cases/{case}/accept", as: caseAdmin, status: 403,
		want: errWant("forbidden", zh("cases.error.not_your_step"))},
	{name: "work: the approver decides too early", method: "POST", url: "/api/v1/work/cases/{case}/decide", as: caseAppr,
		body: `{"outcome":"approved","reasons":"符合条件"}`, status: 409, want: errWant("conflict", zh("cases.error.wrong_status", "submitted"))},
	{name: "work: request materials", method: "POST", url: "/api/v1/work/cases/{case}/request-materials", as: caseWin,
		body: `{"materials":["layout"],"note":"平面布局图须标明食品处理区和就餐区。"}`, status: 200,
		want: map[string]any{"status": "supplement_requested", "supplement.materials.0": "layout", "materials.1.status": "requested",
			"next_party": "applicant"}, audit: []string{"cases.request_materials"}},
	{name: "supply: resubmit without it", method: "POST", url: "/api/v1/cases/{case}/resubmit", as: caseApplicant, status: 400,
		want: fieldErr("material.layout", zh("cases.error.material_missing", "经营场所平面布局图"))},
	{name: "supply: the material", method: "PUT", url: "/api/v1/cases/{case}/materials/layout?file_name=平面图-修改.png", as: caseApplicant,
		body: string(casePNG), header: map[string]string{"Content-Type": "image/png"}, status: 200,
		want: map[string]any{"status": "provided", "format": "png"}, audit: []string{"cases.attach_material"}},
	{name: "supply: resubmit", method: "POST", url: "/api/v1/cases/{case}/resubmit", as: caseApplicant, status: 200,
		want: map[string]any{"status": "submitted", "supplement": absent}, audit: []string{"cases.resubmit"}},
	{name: "work: accept", method: "POST", url: "/api/v1/work/cases/{case}/accept", as: caseWin, body: `{"note":"予以受理"}`, status: 200,
		want:  map[string]any{"status": "accepted", "clock.state": "running", "clock.limit_days": 10, "clock.due_date": present},
		audit: []string{"cases.accept"}},
	{name: "work: a special procedure", method: "POST", url: "/api/v1/work/cases/{case}/procedure", as: caseAppr,
		body: `{"kind":"inspection","note":"现场核查"}`, status: 200,
		want:  map[string]any{"clock.state": "paused", "clock.pause_reason": "procedure", "procedure.kind": "inspection"},
		audit: []string{"cases.start_procedure"}},
	{name: "work: review during the procedure", method: "POST", url: "/api/v1/work/cases/{case}/review", as: caseAppr,
		body: `{"opinion":"同意"}`, status: 409, want: errWant("conflict", zh("cases.error.procedure_running"))},
	{name: "work: end the procedure", method: "POST", url: "/api/v1/work/cases/{case}/procedure/end", as: caseAppr,
		body: `{"result":"核查合格"}`, status: 200, want: map[string]any{"clock.state": "running", "procedure": absent},
		audit: []string{"cases.end_procedure"}},
	{name: "work: review", method: "POST", url: "/api/v1/work/cases/{case}/review", as: caseAppr,
		body: `{"opinion":"经审查符合条件，建议准予许可。"}`, status: 200, want: map[string]any{"status": "reviewed"}, audit: []string{"cases.review"}},
	{name: "work: decide", method: "POST", url: "/api/v1/work/cases/{case}/decide", as: caseAppr,
		body: `{"outcome":"approved","reasons":"申请材料齐全，符合法定条件，准予许可。"}`, status: 200,
		want: map[string]any{"status": "approved", "decision.outcome": "approved", "decision.ledger_index": present,
			"decision.seal_name": present, "decision.signature_format": "cms", "clock.state": "stopped"},
		audit: []string{"tsa.stamp", "sign.sign", "cases.decide"}},
	{name: "decision: the applicant", method: "GET", url: "/api/v1/cases/{case}/decision", as: caseApplicant, status: 200,
		want: map[string]any{"decision.outcome": "approved", "document": present, "signature": present,
			"signature_type": "application/pkcs7-signature"}},
	{name: "decision: another resident", method: "GET", url: "/api/v1/cases/{case}/decision", as: caseOther, status: 404,
		want: errWant("not_found", zh("cases.error.not_found"))},
	{name: "messages: the applicant", method: "POST", url: "/api/v1/cases/{case}/messages", as: caseApplicant,
		body: `{"body":"请问何时可以领取许可证？"}`, status: 201, want: map[string]any{"kind": "message", "party": "applicant"},
		audit: []string{"cases.message"}},
	{name: "messages: the window", method: "POST", url: "/api/v1/work/cases/{case}/deliver", as: caseWin, body: `{"method":"electronic"}`,
		status: 200, want: map[string]any{"status": "completed", "outcome": "approved", "delivery.method": "electronic"},
		audit: []string{"cases.deliver"}},
	{name: "timeline: the applicant", method: "GET", url: "/api/v1/cases/{case}/timeline", as: caseApplicant, status: 200,
		want: map[string]any{"0.kind": "created", "1.kind": "submitted"}},
	{name: "lookup: completed", method: "GET", url: "/api/v1/cases/lookup?number={number}&code={code}", status: 200,
		want: map[string]any{"status": "completed", "outcome": "approved", "decided_at": present, "completed_at": present}},
	{name: "withdraw: too late", method: "POST", url: "/api/v1/cases/{case}/withdraw", as: caseApplicant, body: `{"reason":"不办了"}`,
		status: 409, want: errWant("conflict", zh("cases.error.wrong_status", "completed"))},

	// An item with a fee: the approval opens the fee order.
	{name: "fee: apply", method: "POST", url: "/api/v1/cases", as: caseApplicant,
		body:   `{"item":"` + caseBarcode + `","values":` + foodValues + `,"materials":[{"code":"application","data":"` + pdf64 + `"}]}`,
		status: 201, audit: []string{"cases.submit"}, save: map[string]string{"fee": "case.id"}},
	{name: "fee: accept", method: "POST", url: "/api/v1/work/cases/{fee}/accept", as: caseWin, status: 200, audit: []string{"cases.accept"}},
	{name: "fee: review", method: "POST", url: "/api/v1/work/cases/{fee}/review", as: caseAppr, body: `{"opinion":"同意"}`,
		status: 200, audit: []string{"cases.review"}},
	{name: "fee: approve", method: "POST", url: "/api/v1/work/cases/{fee}/decide", as: caseAppr,
		body: `{"outcome":"approved","reasons":"符合条件"}`, status: 200,
		want:  map[string]any{"status": "awaiting_payment", "fee_order_id": present, "next_step": "pay"},
		audit: []string{"tsa.stamp", "sign.sign", "payment.order_open", "cases.decide"}},
}

func TestCaseScenarios(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h, ss, _ := newCaseServer(t, db)
		saved := map[string]string{}
		for _, sc := range append(append([]scenario{}, caseMainScenarios...), caseScenarios...) {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, h, db, ss, saved) })
		}
	})
}

// TestCaseScenariosCoverEveryRoute fails when a case route has no scenario in the table the main
// one takes, so that the main table covers every route once the platform wires cases.
func TestCaseScenariosCoverEveryRoute(t *testing.T) {
	t.Parallel()
	h, _, _ := newCaseServer(t, storetest.Open(t, store.SQLite, storetest.Options{}))
	doc := getOpenAPI(t, h)
	paths, _ := doc["paths"].(map[string]any)
	mux := http.NewServeMux()
	var routes []string
	for path, item := range paths {
		if !strings.HasPrefix(path, "/api/v1/cases") && !strings.HasPrefix(path, "/api/v1/work/cases") {
			continue
		}
		for method := range item.(map[string]any) {
			p := strings.ToUpper(method) + " " + path
			routes = append(routes, p)
			mux.HandleFunc(p, func(http.ResponseWriter, *http.Request) {})
		}
	}
	if len(routes) < 20 {
		t.Fatalf("only %d case routes documented", len(routes))
	}
	covered := map[string]bool{}
	for _, sc := range caseMainScenarios {
		if _, pattern := mux.Handler(httptest.NewRequest(sc.method, sc.url, nil)); pattern != "" {
			covered[pattern] = true
		}
	}
	for _, p := range routes {
		if !covered[p] {
			t.Errorf("no main scenario calls %s", p)
		}
	}
}

// TestCaseFiles fetches a material's file and a decision over the API, and verifies the decision.
func TestCaseFiles(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h, ss, _ := newCaseServer(t, db)
		call := func(method, target, login, ct string, body []byte) *httptest.ResponseRecorder {
			r := httptest.NewRequest(method, target, bytes.NewReader(body))
			if ct != "" {
				r.Header.Set("Content-Type", ct)
			}
			r.AddCookie(&http.Cookie{Name: "yiwang_session", Value: ss.token(t, login)})
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			return w
		}
		w := call("POST", "/api/v1/cases", caseApplicant, "application/json", []byte(`{"item":"`+caseFood+`","values":`+foodValues+
			`,"materials":[{"code":"application","file_name":"申请书.pdf","data":"`+pdf64+`"},{"code":"layout","data":"`+png64+`"}]}`))
		if w.Code != 201 {
			t.Fatalf("apply: %d %s", w.Code, w.Body)
		}
		var sub struct {
			Case struct{ ID string } `json:"case"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &sub); err != nil {
			t.Fatal(err)
		}
		id := sub.Case.ID
		w = call("GET", "/api/v1/cases/"+id+"/materials/application", caseWin, "", nil)
		if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), casePDF) || w.Header().Get("Content-Type") != "application/pdf" ||
			!strings.HasPrefix(w.Header().Get("Content-Disposition"), "attachment;") {
			t.Fatalf("material: %d %q %q", w.Code, w.Header().Get("Content-Type"), w.Header().Get("Content-Disposition"))
		}
		for _, step := range []struct{ login, action, body string }{
			{caseWin, "accept", ""}, {caseAppr, "review", `{"opinion":"同意"}`}, {caseAppr, "decide", `{"outcome":"denied","reasons":"经营场所不符合要求。"}`},
		} {
			if w := call("POST", "/api/v1/work/cases/"+id+"/"+step.action, step.login, "application/json", []byte(step.body)); w.Code != 200 {
				t.Fatalf("%s: %d %s", step.action, w.Code, w.Body)
			}
		}
		w = call("GET", "/api/v1/cases/"+id+"/decision", caseApplicant, "", nil)
		var d struct {
			Document, Signature []byte
			Decision            struct{ Outcome string }
		}
		if err := json.Unmarshal(w.Body.Bytes(), &d); err != nil || w.Code != 200 {
			t.Fatalf("decision: %d %v", w.Code, err)
		}
		doc, err := cases.ParseDecisionDocument(d.Document)
		if err != nil || doc.Outcome != cases.OutcomeDenied || d.Decision.Outcome != "denied" {
			t.Fatalf("decision document: %+v %v", doc, err)
		}
		// The decision and its signature verify at the public verification endpoint.
		body, _ := json.Marshal(map[string][]byte{"document": d.Document, "signature": d.Signature})
		r := httptest.NewRequest("POST", "/api/v1/verifications", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		vw := httptest.NewRecorder()
		h.ServeHTTP(vw, r)
		out, _ := io.ReadAll(vw.Body)
		var v struct{ Valid bool }
		if err := json.Unmarshal(out, &v); err != nil || vw.Code != 200 || !v.Valid {
			t.Fatalf("verification: %d %s", vw.Code, out)
		}
	})
}
