package api

import (
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/plan"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// schemas are the named components of the OpenAPI document.
var schemas = map[string]any{
	"Error": errorSchema,
	"PlanDocumentSummary": obj(map[string]any{
		"id": integer(""), "number": str("document number, e.g. 閩政辦〔2021〕26號"), "title": str(""), "issuer": str(""),
		"issued_on": str("civil date YYYY-MM-DD"), "revision": integer("1 at first import, +1 for each import that changed it"),
		"preamble": str(""), "source_sha256": str("SHA-256 of the imported file"),
		"imported_at": str("RFC 3339: first import"), "updated_at": str("RFC 3339: last import that changed it"),
	}),
	"PlanDocument": obj(map[string]any{
		"id": integer(""), "number": str(""), "title": str(""), "issuer": str(""), "issued_on": str(""), "preamble": str(""),
		"source_sha256": str("SHA-256 of the imported file"), "revision": integer(""),
		"imported_at": str("RFC 3339"), "updated_at": str("RFC 3339"),
		"sections": arr(obj(map[string]any{"id": integer(""), "ordinal": integer(""), "label": str("一、"), "title": str(""), "items": arr(ref("PlanItem"))})),
	}),
	"PlanItem": obj(map[string]any{
		"id": integer(""), "section_id": integer(""), "ordinal": integer("1…n across the document"), "label": str("(一)"),
		"heading": str("first sentence"), "text": str("full text exactly as found"), "deadline": str("YYYY-MM-DD"),
		"status":   map[string]any{"type": "string", "enum": []string{plan.StatusNotStarted, plan.StatusInProgress, plan.StatusCompleted}},
		"progress": integer("0–100, from the last accepted report"),
		"units": arr(obj(map[string]any{"position": integer(""), "group": integer("which responsibility parenthesis"), "raw": str("as written"),
			"name": str("normalised"), "org_code": map[string]any{"type": []string{"string", "null"}}, "collective": boolean(""), "lead": boolean("")})),
		"assigned":       arr(obj(map[string]any{"org_code": str(""), "lead": boolean("")})),
		"targets":        arr(ref("PlanTarget")),
		"damage":         arr(obj(map[string]any{"position": integer(""), "offset": integer("rune offset in text"), "text": str("as found")})),
		"deadline_clock": obj(map[string]any{"working_days_left": integer("negative when overdue"), "overdue": boolean(""), "due_soon": boolean("")}),
	}),
	"PlanTarget": obj(map[string]any{"id": integer(""), "position": integer(""), "value": number(""), "unit": str("measure word, e.g. 個"),
		"subject": str("what is counted"), "source": str("the text it came from"), "at_least": boolean("以上"), "reached": number("")}),
	"PlanReport": obj(map[string]any{"id": integer(""), "item_id": integer(""), "org_code": str(""), "reporter": str(""),
		"submitted_at": str("RFC 3339"), "text": str(""), "progress": integer(""),
		"status":   map[string]any{"type": "string", "enum": []string{plan.ReportSubmitted, plan.ReportAccepted, plan.ReportReturned}},
		"reviewer": str(""), "reviewed_at": str(""), "review_comment": str(""),
		"figures":     arr(obj(map[string]any{"target_id": integer(""), "value": number("")})),
		"attachments": arr(obj(map[string]any{"sha256": str(""), "filename": str("")}))}),
	"PlanTotals": obj(map[string]any{"items": integer(""), "completed": integer(""), "in_progress": integer(""), "not_started": integer(""),
		"overdue": integer(""), "due_soon": integer(""), "average_progress": number("")}),
	"Organisation": obj(map[string]any{"code": str(""), "kind": str(""), "name_hans": str(""), "name_hant": str(""), "name_en": str(""),
		"region_code": str("GB/T 2260"), "parent_code": str("")}),
}

type reportRequest struct {
	Text        string             `json:"text"`
	Progress    *int               `json:"progress"`
	Figures     map[string]float64 `json:"figures"`
	Attachments []struct {
		Filename string `json:"filename"`
		Content  string `json:"content_base64"`
	} `json:"attachments"`
}

type reviewRequest struct {
	Decision string `json:"decision"`
	Comment  string `json:"comment"`
}

type deadlineRequest struct {
	Deadline string `json:"deadline"`
}

func (a *API) installPlan(srv *httpserver.Server) {
	const tag = "plan"
	a.route(srv, operation{Method: "GET", Path: "/api/v1/plan/documents", ID: "listPlanDocuments", Tag: tag,
		Summary: "List imported work plans, newest first", Response: arr(ref("PlanDocumentSummary"))}, a.planDocuments)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/plan/documents", ID: "importPlan", Tag: tag, Auth: true, Status: http.StatusCreated,
		Summary: "Import a work-plan document (digital office administrators): the body is the document as UTF-8 text. " +
			"201 when created, 200 when unchanged or revised; the result lists changes, unmatched units and damaged text.",
		RawBody: "text/plain",
		Response: obj(map[string]any{"document_id": integer(""), "number": str(""), "title": str(""), "revision": integer(""),
			"created": boolean(""), "unchanged": boolean(""), "sections": integer(""), "items": integer(""), "targets": integer(""),
			"changes": arr(map[string]any{"type": "object"}), "unmatched_units": arr(str("")), "damage": arr(map[string]any{"type": "object"})})},
		a.planImport, httpserver.MaxBody(plan.MaxDocumentSize+1))
	a.route(srv, operation{Method: "GET", Path: "/api/v1/plan/documents/latest", ID: "getLatestPlan", Tag: tag,
		Summary: "The most recently issued plan with sections, items, units, targets and progress", Response: ref("PlanDocument")}, a.planLatest)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/plan/documents/{id}", ID: "getPlanDocument", Tag: tag,
		Summary: "One plan with sections, items, units, targets and progress", Params: []param{idParam("id", "plan id")},
		Response: ref("PlanDocument")}, a.planDocument)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/plan/documents/{id}/revisions", ID: "listPlanRevisions", Tag: tag,
		Summary: "The import history of a plan, newest first, with what each revision changed", Params: []param{idParam("id", "plan id")},
		Response: arr(obj(map[string]any{"revision": integer(""), "source_sha256": str(""), "imported_at": str("RFC 3339"),
			"imported_by": str("actor"), "changes": arr(obj(map[string]any{"kind": str("created, header, section_added, section_changed, section_removed, item_added, item_changed, item_removed"),
				"label": str(""), "field": str(""), "before": str(""), "after": str("")}))}))}, a.planRevisions)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/plan/items/{id}", ID: "getPlanItem", Tag: tag,
		Summary: "One item with its units, targets and deadline clock", Params: []param{idParam("id", "item id")},
		Response: ref("PlanItem")}, a.planItem)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/plan/items/{id}/reports", ID: "listPlanReports", Tag: tag, Auth: true,
		Summary: "Progress reports of an item (officials)", Params: []param{idParam("id", "item id")},
		Response: arr(ref("PlanReport"))}, a.planReports)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/plan/items/{id}/reports", ID: "submitPlanReport", Tag: tag, Auth: true, Status: http.StatusCreated,
		Summary: "Report progress on an item for the caller's organisation (officials of a responsible unit)",
		Params:  []param{idParam("id", "item id")},
		Body: obj(map[string]any{"text": str("what has been done"), "progress": integer("0–100"),
			"figures":     map[string]any{"type": "object", "description": "target id → value reached", "additionalProperties": map[string]any{"type": "number", "minimum": 0}},
			"attachments": arr(obj(map[string]any{"filename": str(""), "content_base64": str("file content, base64; PDF, PNG, JPEG, DOCX/XLSX or text, at most 10 MB")}, "filename", "content_base64")),
		}, "text", "progress"),
		Response: ref("PlanReport")}, a.planSubmitReport, httpserver.MaxBody(80<<20))
	a.route(srv, operation{Method: "POST", Path: "/api/v1/plan/reports/{id}/review", ID: "reviewPlanReport", Tag: tag, Auth: true,
		Summary: "Accept or return a submitted report (digital office reviewers)", Params: []param{idParam("id", "report id")},
		Body: obj(map[string]any{"decision": map[string]any{"type": "string", "enum": []string{"accept", "return"}},
			"comment": str("required when returning")}, "decision"),
		Response: ref("PlanReport")}, a.planReview)
	a.route(srv, operation{Method: "PUT", Path: "/api/v1/plan/items/{id}/deadline", ID: "setPlanItemDeadline", Tag: tag, Auth: true,
		Summary: "Set an item's deadline (digital office reviewers)", Params: []param{idParam("id", "item id")},
		Body: obj(map[string]any{"deadline": str("YYYY-MM-DD")}, "deadline"), Response: ref("PlanItem")}, a.planDeadline)
	orgParam := param{Name: "org", In: "path", Required: true, Description: "organisation code", Schema: map[string]any{"type": "string"}}
	a.route(srv, operation{Method: "PUT", Path: "/api/v1/plan/items/{id}/assignments/{org}", ID: "assignPlanItem", Tag: tag, Auth: true,
		Summary:  "Make an organisation answer for an item, as lead or supporting unit (digital office reviewers)",
		Params:   []param{idParam("id", "item id"), orgParam},
		Body:     obj(map[string]any{"lead": boolean("make it the lead unit; the previous lead becomes supporting")}),
		Response: ref("PlanItem")}, a.planAssign)
	a.route(srv, operation{Method: "DELETE", Path: "/api/v1/plan/items/{id}/assignments/{org}", ID: "unassignPlanItem", Tag: tag, Auth: true,
		Summary: "Stop an organisation answering for an item; an item keeps at least one (digital office reviewers)",
		Params:  []param{idParam("id", "item id"), orgParam}, Response: ref("PlanItem")}, a.planUnassign)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/plan/assessment", ID: "getPlanAssessment", Tag: tag,
		Summary: "Assessment of the latest plan: totals, by section, by unit, targets reached",
		Response: obj(map[string]any{"totals": ref("PlanTotals"), "sections": arr(map[string]any{}), "units": arr(map[string]any{}),
			"targets": arr(map[string]any{}), "unmatched_units": arr(str(""))})}, a.planAssessment)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/plan/worklist", ID: "getPlanWorklist", Tag: tag, Auth: true,
		Summary:  "Items an organisation answers for, most urgent first (officials); the caller's own organisation by default",
		Params:   []param{{Name: "org", In: "query", Description: "organisation code", Schema: map[string]any{"type": "string"}}},
		Response: obj(map[string]any{"org_code": str(""), "items": arr(map[string]any{}), "totals": ref("PlanTotals"), "pending_reviews": arr(ref("PlanReport"))})}, a.planWorklist)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/plan/export", ID: "exportPlan", Tag: tag,
		Summary:  "The whole latest plan with units, targets and progress (and reports, for officials)",
		Response: obj(map[string]any{"document": ref("PlanDocument"), "totals": ref("PlanTotals"), "reports": map[string]any{"type": "object"}})}, a.planExport)
}

func (a *API) planDocuments(w http.ResponseWriter, r *http.Request) error {
	ds, err := a.cfg.Plan.Documents(r.Context())
	if err != nil {
		return err
	}
	if ds == nil {
		ds = []plan.Document{}
	}
	for i := range ds {
		ds[i].Sections = nil
	}
	return writeJSON(w, http.StatusOK, ds)
}

func (a *API) planImport(w http.ResponseWriter, r *http.Request) error {
	// Check who asks before reading a body that may be large.
	if p := principal.From(r.Context()); !p.Authenticated() {
		return errs.E(errs.Unauthenticated, "error.unauthenticated")
	} else if !a.cfg.Plan.CanImport(p) {
		return errs.E(errs.Forbidden, "plan.error.import_forbidden")
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errs.E(errs.TooLarge, "plan.error.document_too_large", plan.MaxDocumentSize>>20)
		}
		return errs.Wrapf(errs.Invalid, err, "error.invalid")
	}
	res, err := a.cfg.Plan.Import(r.Context(), data)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if res.Created {
		status = http.StatusCreated
	}
	return writeJSON(w, status, res)
}

func (a *API) planLatest(w http.ResponseWriter, r *http.Request) error {
	d, err := a.cfg.Plan.Latest(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

func (a *API) planDocument(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d, err := a.cfg.Plan.Document(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

func (a *API) planRevisions(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	revs, err := a.cfg.Plan.Revisions(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, revs)
}

func (a *API) planItem(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	it, err := a.cfg.Plan.Item(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, it)
}

func (a *API) planReports(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := a.cfg.Plan.Item(r.Context(), id); err != nil {
		return err
	}
	rs, err := a.cfg.Plan.ItemReports(r.Context(), id)
	if err != nil {
		return err
	}
	if rs == nil {
		rs = []plan.Report{}
	}
	return writeJSON(w, http.StatusOK, rs)
}

func (a *API) planSubmitReport(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req reportRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if req.Progress == nil {
		return errs.Field("progress", "plan.error.progress_range")
	}
	in := plan.ReportInput{Body: req.Text, Progress: *req.Progress, Figures: map[int64]float64{}}
	for k, v := range req.Figures {
		tid, err := strconv.ParseInt(k, 10, 64)
		if err != nil {
			return errs.Field("figures", "api.error.bad_id", k)
		}
		in.Figures[tid] = v
	}
	for _, att := range req.Attachments {
		data, err := base64.StdEncoding.DecodeString(att.Content)
		if err != nil {
			return errs.Field("attachments", "api.error.bad_base64", att.Filename)
		}
		in.Attachments = append(in.Attachments, plan.NewAttachment{Filename: att.Filename, Data: data})
	}
	rep, err := a.cfg.Plan.SubmitReport(r.Context(), id, in)
	if err != nil {
		return jsonField(err)
	}
	return writeJSON(w, http.StatusCreated, rep)
}

// jsonField renames the form fields the plan service names in its errors (body, figure_<id>)
// to the request's JSON fields (text, figures.<id>), so that the field an API client is told to
// fix is one it sent.
func jsonField(err error) error {
	var e *errs.Error
	if errors.As(err, &e) {
		switch {
		case e.Field == "body":
			e.Field = "text"
		case strings.HasPrefix(e.Field, "figure_"):
			e.Field = "figures." + strings.TrimPrefix(e.Field, "figure_")
		}
	}
	return err
}

func (a *API) planReview(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req reviewRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	var accept bool
	switch req.Decision {
	case "accept":
		accept = true
	case "return":
	default:
		return errs.Field("decision", "plan.error.bad_decision")
	}
	rep, err := a.cfg.Plan.ReviewReport(r.Context(), id, accept, req.Comment)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rep)
}

func (a *API) planDeadline(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req deadlineRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if err := a.cfg.Plan.SetDeadline(r.Context(), id, req.Deadline); err != nil {
		return err
	}
	it, err := a.cfg.Plan.Item(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, it)
}

func (a *API) planAssign(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req struct {
		Lead bool `json:"lead"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	if err := a.cfg.Plan.Assign(r.Context(), id, r.PathValue("org"), req.Lead); err != nil {
		return err
	}
	it, err := a.cfg.Plan.Item(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, it)
}

func (a *API) planUnassign(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.cfg.Plan.Unassign(r.Context(), id, r.PathValue("org")); err != nil {
		return err
	}
	it, err := a.cfg.Plan.Item(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, it)
}

func (a *API) planAssessment(w http.ResponseWriter, r *http.Request) error {
	as, err := a.cfg.Plan.Assess(r.Context(), 0)
	if err != nil {
		return err
	}
	as.Document = nil
	return writeJSON(w, http.StatusOK, as)
}

func (a *API) planWorklist(w http.ResponseWriter, r *http.Request) error {
	wl, err := a.cfg.Plan.Worklist(r.Context(), r.URL.Query().Get("org"))
	if err != nil {
		return err
	}
	if wl.Items == nil {
		wl.Items = []plan.WorkItem{}
	}
	return writeJSON(w, http.StatusOK, wl)
}

func (a *API) planExport(w http.ResponseWriter, r *http.Request) error {
	e, err := a.cfg.Plan.BuildExport(r.Context(), 0)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	// Officials' exports carry their reports: no cache may keep one and hand it to the public.
	w.Header().Set("Cache-Control", "no-store")
	return e.WriteJSON(w)
}
