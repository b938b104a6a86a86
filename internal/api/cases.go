package api

import (
	"encoding/base64"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/blob"
	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// The cases API: applicants apply (at once, or through a draft whose values and materials they
// fill in and then submit), follow their cases, supply materials asked for, resubmit, withdraw,
// write to the officials and fetch the decision with its signature; officials list their
// organisation's cases and take the steps their roles allow; anyone looks a case up by its number
// and query code. The case service decides who may do what; these handlers only read the
// requests and write the answers.

func caseStatuses() []string {
	out := make([]string, len(cases.Statuses))
	for i, s := range cases.Statuses {
		out[i] = string(s)
	}
	return out
}

func init() {
	clock := obj(map[string]any{
		"state":      map[string]any{"type": "string", "enum": []string{"not_started", "running", "paused", "stopped"}},
		"limit_days": integer("the promised limit in working days (the legal one when none is promised)"),
		"legal_days": integer(""), "started_at": str("RFC 3339: the acceptance; its day is not counted"),
		"used_days": integer("working days used, pauses excepted"), "paused_days": integer("working days paused so far"),
		"remaining_days": integer("limit − used; negative when overdue"), "due_date": str("RFC 3339, midnight China time"),
		"due_soon": boolean(""), "overdue": boolean(""), "paused_since": str("RFC 3339"),
		"pause_reason": map[string]any{"type": "string", "enum": []string{cases.PauseSupplement, cases.PauseProcedure}},
		"stopped_at":   str("RFC 3339"),
	})
	schemas["CaseClock"] = clock
	schemas["CaseMaterial"] = obj(map[string]any{
		"code": str("the material's code within the item or bundle"), "name_hans": str(""), "name_hant": str(""), "name_en": str(""),
		"source":   map[string]any{"type": "string", "enum": []string{cases.SourceApplicant, cases.SourceLicence, cases.SourceSharedData}},
		"required": boolean(""), "formats": arr(str("pdf, jpeg, png or ofd")), "max_bytes": integer("0: the platform's limit"),
		"status":    map[string]any{"type": "string", "enum": []string{"missing", "provided", "to_fetch", "requested"}},
		"file_name": str(""), "format": str(""), "size": integer(""), "sha256": str("hex"), "added_at": str("RFC 3339"),
		"licence_type": str("for source licence: the licence type that satisfies it"),
	})
	schemas["CaseSummary"] = obj(map[string]any{
		"id": str(""), "number": str("辦件編號, region-YYYYMMDD-sequence; absent for a draft"), "parent_id": str("a bundle's case: its parent"),
		"bundle_code": str(""), "item_code": str(""), "name_hans": str(""), "name_hant": str(""), "name_en": str(""),
		"handling_org": str(""), "receiving_org": str("the window that collected it (收受分離)"),
		"channel":   map[string]any{"type": "string", "enum": []string{"online", "window", "kiosk"}},
		"applicant": obj(map[string]any{"account": integer(""), "kind": str("person or enterprise"), "acting_for": str("credit code"), "name": str("masked")}),
		"status":    map[string]any{"type": "string", "enum": caseStatuses()}, "outcome": str("approved, denied or partially_approved"),
		"clock": ref("CaseClock"), "next_step": str(""), "next_party": str("applicant or official"),
		"created_at": str("RFC 3339"), "updated_at": str("RFC 3339"), "submitted_at": str("RFC 3339"),
	})
	schemas["Case"] = obj(map[string]any{
		"id": str(""), "number": str(""), "parent_id": str(""), "bundle_code": str(""), "item_code": str(""), "item_version": integer(""),
		"name_hans": str(""), "name_hant": str(""), "name_en": str(""), "handling_org": str(""), "receiving_org": str(""),
		"channel": str("online, window or kiosk"), "applicant": obj(map[string]any{"account": integer(""), "kind": str(""),
			"acting_for": str(""), "name": str("in full to the applicant and the handling and receiving officials")}),
		"created_by": str("actor"), "status": map[string]any{"type": "string", "enum": caseStatuses()}, "outcome": str(""),
		"form": map[string]any{"type": "object", "description": "the form's values"}, "materials": arr(ref("CaseMaterial")),
		"clock":      ref("CaseClock"),
		"supplement": obj(map[string]any{"id": integer(""), "materials": arr(str("codes")), "note": str(""), "during": str("status"), "requested_by": str(""), "requested_at": str("")}),
		"procedure":  obj(map[string]any{"id": integer(""), "kind": str("hearing, expert_review, inspection, testing, public_notice"), "note": str(""), "started_by": str(""), "started_at": str("")}),
		"decision":   ref("CaseDecision"), "fee_order_id": str("the fee order to pay (GET /api/v1/payments/orders/{id})"),
		"paid_at": str(""), "delivery": obj(map[string]any{"method": str("electronic, pickup or post"), "by": str(""), "at": str("")}),
		"children": arr(ref("CaseSummary")), "next_step": str(""), "next_party": str(""),
		"created_at": str(""), "updated_at": str(""), "submitted_at": str(""), "accepted_at": str(""), "decided_at": str(""), "completed_at": str(""),
	})
	schemas["CaseDecision"] = obj(map[string]any{
		"outcome": str("approved or denied"), "reasons": str(""), "decided_at": str("RFC 3339"), "decided_by": str("actor"),
		"document_sha256": str("hex SHA-256 of the decision document, also its digest in the ledger"), "signature_sha256": str(""),
		"signature_id": str("the signing service's record"), "seal_id": str(""), "seal_name": str(""),
		"signature_format": str("cms"), "ledger_index": integer("the decision's entry in the transparency log"),
	})
	schemas["CaseSubmission"] = obj(map[string]any{
		"case":       ref("Case"),
		"query_code": str("shown this once: with the number, anyone may look the case up (GET /api/v1/cases/lookup); absent for a draft"),
	}, "case")
	schemas["CaseEvent"] = obj(map[string]any{
		"id": integer(""), "at": str("RFC 3339"), "kind": str("created, submitted, accepted, materials_requested, clock.paused, decided, message…"),
		"actor": str(""), "party": str("applicant, official, system or remote"), "org": str(""), "internal": boolean("officials only"),
		"note": str(""), "detail": map[string]any{"type": "object"},
	})
	schemas["CasePublicStatus"] = obj(map[string]any{
		"number": str(""), "name_hans": str(""), "name_hant": str(""), "name_en": str(""), "handling_org": str(""),
		"status": map[string]any{"type": "string", "enum": caseStatuses()}, "outcome": str(""), "submitted_at": str(""),
		"accepted_at": str(""), "due_date": str(""), "decided_at": str(""), "completed_at": str(""),
	})
}

// Limits: an application with its materials in base64, and one material's raw body.
const (
	maxCaseJSON     = 64 << 20
	maxCaseMaterial = blob.MaxSize
	maxCaseBody     = 256 << 10
)

// caseMaterialTypes are the media types a material's upload may have, by format.
var caseMaterialTypes = map[string]string{"application/pdf": cases.FormatPDF, "image/jpeg": cases.FormatJPEG,
	"image/png": cases.FormatPNG, "application/ofd": cases.FormatOFD}

type casesAPI struct {
	svc *cases.Service
}

func (a *API) installCases(srv *httpserver.Server) {
	if a.cfg.Cases == nil {
		return
	}
	h := casesAPI{svc: a.cfg.Cases}
	const tag = "cases"
	caseID := param{Name: "id", In: "path", Required: true, Description: "the case's id", Schema: map[string]any{"type": "string"}}
	code := param{Name: "code", In: "path", Required: true, Description: "the material's code", Schema: map[string]any{"type": "string"}}
	values := map[string]any{"type": "object", "description": "the form's values by field name (the item's or bundle's form schema)"}
	material := obj(map[string]any{"code": str(""), "file_name": str(""), "data": str("the file, base64")}, "code", "data")
	pageParams := []param{
		{Name: "limit", In: "query", Description: "at most this many, 1–200; 50 when omitted", Schema: map[string]any{"type": "integer", "minimum": 1, "maximum": cases.MaxPage}},
		{Name: "offset", In: "query", Description: "skip this many", Schema: map[string]any{"type": "integer", "minimum": 0}},
		{Name: "status", In: "query", Description: "only cases in these statuses (repeat it, or separate with commas)", Schema: str("")},
	}

	// The applicant's side.
	a.route(srv, operation{Method: "POST", Path: "/api/v1/cases", ID: "applyCase", Tag: tag, Auth: true, Status: http.StatusCreated,
		Summary: "Apply for a published item or bundle (residents, and agents for the enterprise they act for): with draft " +
			"true a draft is started (values may be partial; fill it in with PUT …/values and …/materials, then …/submit); " +
			"otherwise the application is submitted at once with its materials, and the answer carries the case number and " +
			"the query code, shown this once. A bundle makes one case per item, each routed to its organisation",
		Body: obj(map[string]any{"item": str("the item's implementation code"), "bundle": str("or the bundle's code"),
			"values": values, "materials": arr(material), "draft": boolean("start a draft instead of submitting"),
			"licence_consent": boolean("the applicant agrees that the materials an electronic licence satisfies be fetched " +
				"from their (or the enterprise's) licences; without it those materials are uploaded")}),
		Response: ref("CaseSubmission")}, h.apply, httpserver.MaxBody(maxCaseJSON))
	a.route(srv, operation{Method: "GET", Path: "/api/v1/cases", ID: "listMyCases", Tag: tag, Auth: true,
		Summary: "The caller's cases, newest first (a bundle's cases are under their parent)", Params: pageParams,
		Response: arr(ref("CaseSummary"))}, h.mine)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/cases/lookup", ID: "lookupCase", Tag: tag,
		Summary: "The public status of a case, without login, for whoever holds its number and query code: status, item, " +
			"organisation and dates, no personal data. A wrong code and an unknown number are the same 404",
		Params: []param{{Name: "number", In: "query", Required: true, Description: "the case number", Schema: str("")},
			{Name: "code", In: "query", Required: true, Description: "the query code", Schema: str("")}},
		Response: ref("CasePublicStatus")}, h.lookup, httpserver.RateLimit(httpserver.ClassPublic), httpserver.OwnAuthentication())
	a.route(srv, operation{Method: "GET", Path: "/api/v1/cases/{id}", ID: "getCase", Tag: tag, Auth: true,
		Summary: "A case, to its applicant and to the officials of its handling and receiving organisations", Params: []param{caseID},
		Response: ref("Case")}, h.get)
	a.route(srv, operation{Method: "PUT", Path: "/api/v1/cases/{id}/values", ID: "saveCaseDraft", Tag: tag, Auth: true,
		Summary: "Replace a draft's form values (partial values allowed; wrong ones refused)", Params: []param{caseID},
		Body: obj(map[string]any{"values": values}, "values"), Response: ref("Case")}, h.saveDraft, httpserver.MaxBody(maxCaseBody))
	a.route(srv, operation{Method: "POST", Path: "/api/v1/cases/{id}/submit", ID: "submitCase", Tag: tag, Auth: true,
		Summary: "Submit a draft: the form must be complete and the required materials attached. The answer carries the " +
			"case number and the query code, shown this once. No body", Params: []param{caseID},
		Response: ref("CaseSubmission")}, h.submit)
	a.route(srv, operation{Method: "PUT", Path: "/api/v1/cases/{id}/materials/{code}", ID: "attachCaseMaterial", Tag: tag, Auth: true,
		Summary: "Attach a material's file to a draft, or to a case whose materials were asked for (補正), replacing any " +
			"earlier one. The body is the file itself, of the Content-Type of its format; its content must be that format, " +
			"within the material's size limit, and pass the safety check",
		Params: []param{caseID, code, {Name: "file_name", In: "query", Description: "the file's name, kept with it", Schema: str("")}},
		Consumes: map[string]any{
			"application/pdf": map[string]any{"schema": map[string]any{"type": "string", "contentMediaType": "application/pdf"}},
			"image/jpeg":      map[string]any{"schema": map[string]any{"type": "string", "contentMediaType": "image/jpeg"}},
			"image/png":       map[string]any{"schema": map[string]any{"type": "string", "contentMediaType": "image/png"}},
			"application/ofd": map[string]any{"schema": map[string]any{"type": "string", "contentMediaType": "application/ofd"}},
		},
		Response: ref("CaseMaterial")}, h.attach, httpserver.MaxBody(maxCaseMaterial))
	a.route(srv, operation{Method: "DELETE", Path: "/api/v1/cases/{id}/materials/{code}", ID: "removeCaseMaterial", Tag: tag, Auth: true,
		Summary: "Remove a material's file from a draft; the answer is the draft", Params: []param{caseID, code},
		Response: ref("Case")}, h.remove)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/cases/{id}/materials/{code}", ID: "getCaseMaterial", Tag: tag, Auth: true,
		Summary: "A material's file, to whoever may see the case", Params: []param{caseID, code},
		Content: map[string]any{"application/octet-stream": map[string]any{"schema": map[string]any{"type": "string",
			"description": "the file, with the Content-Type of its format"}}}}, h.material)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/cases/{id}/resubmit", ID: "resubmitCase", Tag: tag, Auth: true,
		Summary: "Hand the case back once the materials asked for are attached; the clock, if paused, runs again. No body",
		Params:  []param{caseID}, Response: ref("Case")}, h.resubmit)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/cases/{id}/withdraw", ID: "withdrawCase", Tag: tag, Auth: true,
		Summary: "Withdraw a case before its decision (a bundle: every case of it not decided yet)", Params: []param{caseID},
		Body: obj(map[string]any{"reason": str("optional, at most 2000 characters")}), Response: ref("Case")}, h.withdraw, httpserver.MaxBody(maxCaseBody))
	a.route(srv, operation{Method: "POST", Path: "/api/v1/cases/{id}/messages", ID: "postCaseMessage", Tag: tag, Auth: true,
		Summary: "Write to the other side of a case (the applicant to the officials, an official to the applicant), who is told",
		Params:  []param{caseID}, Body: obj(map[string]any{"body": str("at most 2000 characters")}, "body"),
		Status: http.StatusCreated, Response: ref("CaseEvent")}, h.message, httpserver.MaxBody(maxCaseBody))
	a.route(srv, operation{Method: "GET", Path: "/api/v1/cases/{id}/timeline", ID: "getCaseTimeline", Tag: tag, Auth: true,
		Summary: "A case's steps, clock events and messages, oldest first (applicants do not see internal review opinions)",
		Params:  []param{caseID}, Response: arr(ref("CaseEvent"))}, h.timeline)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/cases/{id}/decision", ID: "getCaseDecision", Tag: tag, Auth: true,
		Summary: "The decision, its document (canonical JSON) and its detached signature by the organisation's seal, in base64: " +
			"POST both to /api/v1/verifications to verify them",
		Params: []param{caseID},
		Response: obj(map[string]any{"decision": ref("CaseDecision"), "document": str("the decision document, base64"),
			"document_type": str("application/json"), "signature": str("the signature, base64"),
			"signature_type": str("application/pkcs7-signature for cms")})}, h.decision)

	// The officials' side.
	step := func(action, id, summary string, body map[string]any) {
		op := operation{Method: "POST", Path: "/api/v1/work/cases/{id}/" + action, ID: id, Tag: tag, Auth: true, Summary: summary,
			Params: []param{caseID}, Response: ref("Case")}
		if body != nil {
			op.Body = body
		}
		a.route(srv, op, h.step(action), httpserver.MaxBody(maxCaseBody))
	}
	a.route(srv, operation{Method: "GET", Path: "/api/v1/work/cases", ID: "listWorkCases", Tag: tag, Auth: true,
		Summary: "The cases of the caller's organisation, as handling or receiving organisation, most urgent first (officials)",
		Params: append(pageParams,
			param{Name: "due", In: "query", Description: "soon: within the warning days; overdue: past the due date", Schema: map[string]any{"type": "string", "enum": []string{"soon", "overdue"}}},
			param{Name: "as", In: "query", Description: "handling or receiving; both when omitted", Schema: map[string]any{"type": "string", "enum": []string{cases.AsHandling, cases.AsReceiving}}}),
		Response: arr(ref("CaseSummary"))}, h.worklist)
	note := obj(map[string]any{"note": str("optional")})
	step("accept", "acceptCase", "Accept a submitted case (window officers of the handling organisation): the clock starts", note)
	step("request-materials", "requestCaseMaterials", "Ask for materials (補正), all at once with a note: window officers "+
		"before acceptance, window officers and reviewers after it (the clock then pauses)",
		obj(map[string]any{"materials": arr(str("material codes")), "note": str("")}, "materials", "note"))
	step("reject", "rejectCase", "Refuse acceptance (不予受理) with reasons (window officers)", obj(map[string]any{"reasons": str("")}, "reasons"))
	step("review", "reviewCase", "Record the review opinion (reviewers); officials only see it", obj(map[string]any{"opinion": str("")}, "opinion"))
	step("procedure", "startCaseProcedure", "Start a special procedure; the clock pauses (reviewers and approvers)",
		obj(map[string]any{"kind": map[string]any{"type": "string", "enum": []string{"hearing", "expert_review", "inspection", "testing", "public_notice"}},
			"note": str("optional")}, "kind"))
	step("procedure/end", "endCaseProcedure", "End the special procedure with its result; the clock runs again",
		obj(map[string]any{"result": str("optional")}))
	step("decide", "decideCase", "Decide a reviewed case (approvers): the decision is signed by the organisation's seal "+
		"and logged in the ledger; an approval with fees opens the fee order",
		obj(map[string]any{"outcome": map[string]any{"type": "string", "enum": []string{"approved", "denied"}}, "reasons": str("")},
			"outcome", "reasons"))
	step("deliver", "deliverCase", "Record the decision's delivery (window officers; the receiving window by pickup): the case is completed",
		obj(map[string]any{"method": map[string]any{"type": "string", "enum": []string{"electronic", "pickup", "post"}}}, "method"))
	step("transfer", "transferCase", "Pass a submitted case for another province's item open to cross-province handling "+
		"(跨省通辦) on to that province's node (window officers of the receiving or handling organisation): the case becomes "+
		"transferred, is sent signed, and the node's reports come back to it (remote_number, remote_status); 409 for an "+
		"item of this province or one not open to it", nil)
}

// apiCaseMaterial is a material with its names, which the domain type keeps out of JSON.
type apiCaseMaterial struct {
	cases.Material
	NameHans string `json:"name_hans"`
	NameHant string `json:"name_hant"`
	NameEn   string `json:"name_en"`
}

func apiCaseMaterialOf(m cases.Material) apiCaseMaterial {
	return apiCaseMaterial{Material: m, NameHans: m.NameHans, NameHant: m.NameHant, NameEn: m.NameEn}
}

// apiCase is a case as the API shows it.
type apiCase struct {
	cases.Case
	Materials []apiCaseMaterial `json:"materials"`
}

func apiCaseOf(c cases.Case) apiCase {
	v := apiCase{Case: c, Materials: make([]apiCaseMaterial, len(c.Materials))}
	for i, m := range c.Materials {
		v.Materials[i] = apiCaseMaterialOf(m)
	}
	if v.Form == nil {
		v.Form = map[string]any{}
	}
	return v
}

type apiCaseSubmission struct {
	Case      apiCase `json:"case"`
	QueryCode string  `json:"query_code,omitempty"`
}

// apiCaseApplication is the body of POST /api/v1/cases.
type apiCaseApplication struct {
	Item      string         `json:"item"`
	Bundle    string         `json:"bundle"`
	Values    map[string]any `json:"values"`
	Materials []struct {
		Code     string `json:"code"`
		FileName string `json:"file_name"`
		Data     string `json:"data"`
	} `json:"materials"`
	Draft bool `json:"draft"`
	// LicenceConsent agrees that licence materials not uploaded be fetched (免提交).
	LicenceConsent bool `json:"licence_consent"`
}

// readApplication reads the body of POST /api/v1/cases into what the case service takes, and
// whether a draft is asked for.
func readApplication(r *http.Request) (cases.Application, bool, error) {
	var body apiCaseApplication
	if err := decode(r, &body); err != nil {
		return cases.Application{}, false, err
	}
	return body.application()
}

func (body apiCaseApplication) application() (cases.Application, bool, error) {
	a := cases.Application{ItemCode: strings.TrimSpace(body.Item), BundleCode: strings.TrimSpace(body.Bundle),
		Channel: cases.ChannelOnline, Form: body.Values, LicenceConsent: body.LicenceConsent}
	if a.Form == nil {
		a.Form = map[string]any{}
	}
	for i, m := range body.Materials {
		data, err := base64.StdEncoding.DecodeString(m.Data)
		if err != nil {
			field := "materials." + strconv.Itoa(i) + ".data"
			return a, false, errs.Field(field, "api.error.bad_base64", field)
		}
		a.Materials = append(a.Materials, cases.Upload{Code: m.Code, FileName: m.FileName, Data: data})
	}
	if body.Draft && len(a.Materials) > 0 {
		return a, false, errs.Field("materials", "api.cases.draft_materials")
	}
	return a, body.Draft, nil
}

func (h casesAPI) apply(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	a, draft, err := readApplication(r)
	if err != nil {
		return err
	}
	var sub cases.Submission
	if draft {
		sub.Case, err = h.svc.Start(r.Context(), p, a)
	} else {
		sub, err = h.svc.Apply(r.Context(), p, a)
	}
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/cases/"+sub.Case.ID)
	return writeJSON(w, http.StatusCreated, apiCaseSubmission{Case: apiCaseOf(sub.Case), QueryCode: sub.QueryCode})
}

// queryCaseStatuses reads the status query parameter: repeated, or separated by commas.
func queryCaseStatuses(r *http.Request) ([]cases.Status, error) {
	var out []cases.Status
	for _, v := range r.URL.Query()["status"] {
		for s := range strings.SplitSeq(v, ",") {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			st := cases.Status(s)
			if !st.Valid() {
				return nil, errs.Field("status", "cases.error.status")
			}
			out = append(out, st)
		}
	}
	return out, nil
}

// casePage reads limit and offset.
func casePage(r *http.Request) (limit, offset int, err error) {
	n, given, err := queryInt(r, "limit", cases.DefaultPage)
	if err != nil {
		return 0, 0, err
	}
	if given && (n < 1 || n > cases.MaxPage) {
		return 0, 0, errs.Field("limit", "api.error.bad_limit", cases.MaxPage)
	}
	off, _, err := queryInt(r, "offset", 0)
	if err != nil {
		return 0, 0, err
	}
	if off > 1<<31 {
		return 0, 0, errs.Field("offset", "ledger.error.bad_number", "offset", strconv.FormatInt(off, 10))
	}
	return int(n), int(off), nil
}

func caseSummaries(list []cases.Summary) []cases.Summary {
	if list == nil {
		return []cases.Summary{}
	}
	return list
}

func (h casesAPI) mine(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	st, err := queryCaseStatuses(r)
	if err != nil {
		return err
	}
	limit, offset, err := casePage(r)
	if err != nil {
		return err
	}
	list, err := h.svc.Mine(r.Context(), p, cases.ListFilter{Status: st, Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, caseSummaries(list))
}

func (h casesAPI) worklist(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	st, err := queryCaseStatuses(r)
	if err != nil {
		return err
	}
	limit, offset, err := casePage(r)
	if err != nil {
		return err
	}
	f := cases.WorkFilter{Status: st, Limit: limit, Offset: offset, As: r.URL.Query().Get("as")}
	switch r.URL.Query().Get("due") {
	case "":
	case "soon":
		f.DueSoon = true
	case "overdue":
		f.Overdue = true
	default:
		return errs.Field("due", "api.cases.bad_due")
	}
	list, err := h.svc.Worklist(r.Context(), p, f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, caseSummaries(list))
}

func (h casesAPI) get(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	c, err := h.svc.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, apiCaseOf(c))
}

func (h casesAPI) saveDraft(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	var body struct {
		Values map[string]any `json:"values"`
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	if body.Values == nil {
		return errs.Field("values", "api.cases.values_required")
	}
	c, err := h.svc.SaveDraft(r.Context(), p, r.PathValue("id"), body.Values)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, apiCaseOf(c))
}

func (h casesAPI) submit(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	sub, err := h.svc.Submit(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, apiCaseSubmission{Case: apiCaseOf(sub.Case), QueryCode: sub.QueryCode})
}

// readCaseMaterial reads a material's raw body of one of the materials' media types: its format as
// declared, and its bytes.
func readCaseMaterial(w http.ResponseWriter, r *http.Request) (format string, data []byte, ok bool, err error) {
	mt := mediaType(r)
	format, known := caseMaterialTypes[mt]
	if !known {
		return "", nil, false, unsupportedMediaType(w, r, "application/pdf", "image/jpeg", "image/png", "application/ofd")
	}
	data, err = io.ReadAll(r.Body)
	if err != nil {
		return "", nil, false, errs.Wrapf(errs.TooLarge, err, "error.too_large")
	}
	return format, data, true, nil
}

// checkMaterialType refuses a file whose content is another format than its Content-Type said,
// so that what is stored is what the client meant to send. The case service judges the rest
// (a content of no known format, the formats the material allows, its size, the scan).
func checkMaterialType(code, format string, data []byte) error {
	if sniffed := cases.SniffFormat(data); sniffed != "" && sniffed != format {
		return errs.Field(cases.MaterialField(code), "api.cases.content_type_mismatch", sniffed)
	}
	return nil
}

func (h casesAPI) attach(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	format, data, ok, err := readCaseMaterial(w, r)
	if !ok {
		return err
	}
	code := r.PathValue("code")
	if err := checkMaterialType(code, format, data); err != nil {
		return err
	}
	m, err := h.svc.AttachMaterial(r.Context(), p, r.PathValue("id"), code, r.URL.Query().Get("file_name"), data)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, apiCaseMaterialOf(m))
}

func (h casesAPI) remove(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	if err := h.svc.RemoveMaterial(r.Context(), p, r.PathValue("id"), r.PathValue("code")); err != nil {
		return err
	}
	return h.get(w, r)
}

func (h casesAPI) material(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	m, data, err := h.svc.MaterialFile(r.Context(), p, r.PathValue("id"), r.PathValue("code"))
	if err != nil {
		return err
	}
	ct := "application/octet-stream"
	for t, f := range caseMaterialTypes {
		if f == m.Format {
			ct = t
		}
	}
	hd := w.Header()
	hd.Set("Content-Type", ct)
	hd.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": m.FileName}))
	hd.Set("Content-Length", strconv.Itoa(len(data)))
	hd.Set("Cache-Control", "private, no-store")
	_, err = w.Write(data)
	return err
}

func (h casesAPI) resubmit(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	c, err := h.svc.Resubmit(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, apiCaseOf(c))
}

func (h casesAPI) withdraw(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	var body struct {
		Reason string `json:"reason"`
	}
	if err := decodeOptional(r, &body); err != nil {
		return err
	}
	c, err := h.svc.Withdraw(r.Context(), p, r.PathValue("id"), body.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, apiCaseOf(c))
}

func (h casesAPI) message(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	var body struct {
		Body string `json:"body"`
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	e, err := h.svc.PostMessage(r.Context(), p, r.PathValue("id"), body.Body)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, e)
}

func (h casesAPI) timeline(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	list, err := h.svc.Timeline(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	if list == nil {
		list = []cases.Event{}
	}
	return writeJSON(w, http.StatusOK, list)
}

func (h casesAPI) decision(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	doc, sig, d, err := h.svc.DecisionFiles(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	sigType := "application/octet-stream"
	if d.SignatureFormat == "cms" {
		sigType = "application/pkcs7-signature"
	}
	return writeJSON(w, http.StatusOK, map[string]any{"decision": d, "document": doc, "document_type": jsonType,
		"signature": sig, "signature_type": sigType})
}

func (h casesAPI) lookup(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	ps, err := h.svc.Lookup(r.Context(), q.Get("number"), q.Get("code"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ps)
}

// caseStepBody is the body of an official's step; each step reads its own fields.
type caseStepBody struct {
	Note      string   `json:"note"`
	Materials []string `json:"materials"`
	Reasons   string   `json:"reasons"`
	Opinion   string   `json:"opinion"`
	Kind      string   `json:"kind"`
	Result    string   `json:"result"`
	Outcome   string   `json:"outcome"`
	Method    string   `json:"method"`
}

// step takes an official's step action on the case of the path.
func (h casesAPI) step(action string) httpserver.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := authenticated(r)
		if err != nil {
			return err
		}
		if p.Kind != principal.Official {
			return errs.E(errs.Forbidden, "cases.error.officials_only")
		}
		var b caseStepBody
		if err := decodeOptional(r, &b); err != nil {
			return err
		}
		ctx, id := r.Context(), r.PathValue("id")
		var c cases.Case
		switch action {
		case "accept":
			c, err = h.svc.Accept(ctx, p, id, b.Note)
		case "request-materials":
			c, err = h.svc.RequestMaterials(ctx, p, id, b.Materials, b.Note)
		case "reject":
			c, err = h.svc.Reject(ctx, p, id, b.Reasons)
		case "review":
			c, err = h.svc.Review(ctx, p, id, b.Opinion)
		case "procedure":
			c, err = h.svc.StartProcedure(ctx, p, id, cases.ProcedureKind(b.Kind), b.Note)
		case "procedure/end":
			c, err = h.svc.EndProcedure(ctx, p, id, b.Result)
		case "decide":
			c, err = h.svc.Decide(ctx, p, id, cases.Outcome(b.Outcome), b.Reasons)
		case "deliver":
			c, err = h.svc.Deliver(ctx, p, id, cases.DeliveryMethod(b.Method))
		case "transfer":
			if _, err = h.svc.ExportTransfer(ctx, p, id); err == nil {
				c, err = h.svc.Get(ctx, p, id)
			}
		}
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, apiCaseOf(c))
	}
}
