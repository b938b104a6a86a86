package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// The officials' pages: the worklist of their organisation's cases (as the handling or the
// receiving organisation) with the statutory clock, and a case's page with the steps the
// official's roles allow at its status. The case service checks every step again.

func (s *Site) installCaseWork(srv *httpserver.Server) {
	srv.Handle("GET /work/cases", s.worklistCases)
	srv.Handle("GET /work/cases/{id}", s.workCase)
	for _, a := range []string{"accept", "request-materials", "reject", "review", "procedure", "procedure/end", "decide", "deliver",
		"messages", "resubmit", "transfer"} {
		srv.Handle("POST /work/cases/{id}/"+a, s.workAction(a))
	}
	srv.Handle("POST /work/cases/{id}/materials/{code}", s.workMaterialUpload, httpserver.MaxBody(maxMaterialBody))
}

// requireCaseOfficial refuses the public (to the login) and anyone who is not an official.
func requireCaseOfficial(p principal.Principal) error {
	if err := requireSignedIn(p); err != nil {
		return err
	}
	if p.Kind != principal.Official || p.OrgCode == "" {
		return errs.E(errs.Forbidden, "cases.error.officials_only")
	}
	return nil
}

// ---- the worklist ----------------------------------------------------------------------------

type caseWorklistPage struct {
	casesBase
	Rows []caseRow
	// The filters as chosen, and their choices.
	Status, Due, As    string
	Statuses, Dues     []choice
	Sides              []choice
	PrevHref, NextHref string
}

// caseWorklistStatuses are the statuses an official filters by (drafts never reach a worklist, and
// a bundle's parent is no official's).
var caseWorklistStatuses = []cases.Status{cases.StatusSubmitted, cases.StatusSupplementRequested, cases.StatusAccepted,
	cases.StatusReviewed, cases.StatusAwaitingPayment, cases.StatusApproved, cases.StatusDenied, cases.StatusCompleted,
	cases.StatusNotAccepted, cases.StatusWithdrawn, cases.StatusTransferred}

func (s *Site) worklistCases(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireCaseOfficial(p); err != nil {
		return err
	}
	b := s.newCasesBase(w, r, "cases.work.title")
	q := r.URL.Query()
	page := caseWorklistPage{casesBase: b, Status: q.Get("status"), Due: q.Get("due"), As: q.Get("as")}
	f := cases.WorkFilter{Limit: cases.DefaultPage + 1}
	if page.Status != "" {
		if !slices.Contains(caseWorklistStatuses, cases.Status(page.Status)) {
			return errs.Field("status", "cases.error.status")
		}
		f.Status = []cases.Status{cases.Status(page.Status)}
	}
	switch page.Due {
	case "":
	case "soon":
		f.DueSoon = true
	case "overdue":
		f.Overdue = true
	default:
		return errs.Field("due", "cases.page.error.due")
	}
	switch page.As {
	case "", cases.AsHandling, cases.AsReceiving:
		f.As = page.As
	default:
		return errs.Field("as", "cases.error.worklist_as")
	}
	n, _ := strconv.Atoi(q.Get("page"))
	n = max(n, 1)
	f.Offset = (n - 1) * cases.DefaultPage
	list, err := s.cfg.Cases.Worklist(r.Context(), p, f)
	if err != nil {
		return err
	}
	more := func(k int) string {
		v := url.Values{}
		for key, val := range map[string]string{"status": page.Status, "due": page.Due, "as": page.As} {
			if val != "" {
				v.Set(key, val)
			}
		}
		v.Set("page", strconv.Itoa(k))
		return "/work/cases?" + v.Encode()
	}
	if len(list) > cases.DefaultPage {
		list = list[:cases.DefaultPage]
		page.NextHref = more(n + 1)
	}
	if n > 1 {
		page.PrevHref = more(n - 1)
	}
	name, err := s.orgs.namer(r, b.Lang)
	if err != nil {
		return err
	}
	for _, c := range list {
		page.Rows = append(page.Rows, b.caseRow(name, c, workCasePath(c.ID)))
	}
	page.Statuses = append(page.Statuses, choice{Value: "", Label: b.T("cases.work.any_status")})
	for _, st := range caseWorklistStatuses {
		page.Statuses = append(page.Statuses, choice{Value: string(st), Label: b.T(msgKey("cases.status.", string(st)))})
	}
	page.Dues = []choice{{"", b.T("cases.work.due_any")}, {"soon", b.T("cases.work.due_soon")}, {"overdue", b.T("cases.work.overdue")}}
	page.Sides = []choice{{"", b.T("cases.work.as_both")}, {cases.AsHandling, b.T("cases.work.as_handling")},
		{cases.AsReceiving, b.T("cases.work.as_receiving")}}
	return s.render(w, http.StatusOK, "cases/work", page)
}

// ---- one case --------------------------------------------------------------------------------

type caseWorkPage struct {
	casesBase
	caseDetail
	Applicant, ApplicantKind, ActingFor string
	Handling, Receiving                 bool
	// The steps the official may take now.
	CanAccept, CanRequest, CanReject, CanReview, CanStartProcedure, CanEndProcedure bool
	CanDecide, CanDeliver, CanMessage, CanSupply                                    bool
	// CanTransfer: the window may hand the case over to the node of its item's province.
	CanTransfer     bool
	DeliveryMethods []choice
	Requestable     []choice
	Procedures      []choice
	// SealOrg names the organisation whose seal signs a decision.
	SealOrg string
	// ReceiptHref prints a window case's receipt again, for the window that collected it.
	ReceiptHref string
	// F is the form of Action sent back with what was wrong; Material the material of an upload.
	Action   string
	Material string
	F        form
	Done     string
	// transferable: the case service would let its window hand it over (Transferable).
	transferable bool
}

// Err is the message beside field of the form of action, when that form came back.
func (p caseWorkPage) Err(action, field string) string {
	if p.Action != action {
		return ""
	}
	return p.F.E(field)
}

// Val is what was typed in field of the form of action, when that form came back.
func (p caseWorkPage) Val(action, field string) string {
	if p.Action != action {
		return ""
	}
	return p.F.V(field)
}

// Picked reports whether value was chosen in field of the form of action that came back.
func (p caseWorkPage) Picked(action, field, value string) bool {
	return p.Action == action && p.F.Checked(field, value)
}

// ActionID is the prefix of the ids of the fields of the form of Action.
func (p caseWorkPage) ActionID() string { return strings.ReplaceAll(p.Action, "/", "-") }

// workSteps works out which steps p may take on c, as the case service would allow them.
func (page *caseWorkPage) workSteps(p principal.Principal, c cases.Case) {
	handles := c.HandlingOrg != "" && p.IsOfficial(c.HandlingOrg)
	receives := c.ReceivingOrg != "" && p.IsOfficial(c.ReceivingOrg)
	page.Handling, page.Receiving = handles, receives
	win, rev, appr := p.HasRole(principal.RoleWindowOfficer), p.HasRole(principal.RoleReviewer), p.HasRole(principal.RoleApprover)
	item := !c.IsBundle()
	paused := c.Clock.State == cases.ClockPaused
	st := c.Status
	page.CanAccept = handles && win && item && st == cases.StatusSubmitted
	page.CanReject = handles && win && item && (st == cases.StatusSubmitted ||
		st == cases.StatusSupplementRequested && c.Supplement != nil && c.Supplement.During == cases.StatusSubmitted)
	page.CanRequest = handles && item && (st == cases.StatusSubmitted && win ||
		(st == cases.StatusAccepted || st == cases.StatusReviewed) && (win || rev) && !paused)
	page.CanReview = handles && rev && item && st == cases.StatusAccepted && !paused
	page.CanStartProcedure = handles && (rev || appr) && item && (st == cases.StatusAccepted || st == cases.StatusReviewed) &&
		c.Clock.State == cases.ClockRunning
	page.CanEndProcedure = handles && (rev || appr) && item && paused && c.Clock.PauseReason == cases.PauseProcedure
	page.CanDecide = handles && appr && item && st == cases.StatusReviewed && !paused
	decided := item && (st == cases.StatusApproved || st == cases.StatusDenied) && win
	page.CanDeliver = decided && (handles || receives)
	page.CanMessage = st != cases.StatusDraft && (handles || receives)
	page.CanSupply = c.Channel == cases.ChannelWindow && receives && win && st == cases.StatusSupplementRequested
	page.CanTransfer = (handles || receives) && win && page.transferable
	methods := []cases.DeliveryMethod{cases.DeliveryElectronic, cases.DeliveryPickup, cases.DeliveryPost}
	if !handles {
		methods = []cases.DeliveryMethod{cases.DeliveryPickup}
	}
	for _, m := range methods {
		page.DeliveryMethods = append(page.DeliveryMethods, choice{Value: string(m), Label: page.T(msgKey("cases.delivery.", string(m)))})
	}
	for _, m := range c.Materials {
		page.Requestable = append(page.Requestable, choice{Value: m.Code, Label: page.name(m.NameHans, m.NameHant, m.NameEn)})
	}
	for _, k := range cases.ProcedureKinds {
		page.Procedures = append(page.Procedures, choice{Value: string(k), Label: page.T(msgKey("cases.procedure.", string(k)))})
	}
}

func (s *Site) newWorkPage(w http.ResponseWriter, r *http.Request) (caseWorkPage, error) {
	p := principal.From(r.Context())
	c, err := s.cfg.Cases.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return caseWorkPage{}, err
	}
	if cases.IsApplicant(p, c) || p.Kind != principal.Official {
		return caseWorkPage{}, errs.E(errs.NotFound, "cases.error.not_found")
	}
	b := s.newCasesBase(w, r, "cases.work_case.title", c.Number)
	d, err := s.newCaseDetail(r, b, c, workCasePath)
	if err != nil {
		return caseWorkPage{}, err
	}
	page := caseWorkPage{casesBase: b, caseDetail: d, Applicant: c.Applicant.Name, ActingFor: c.Applicant.ActingFor,
		ApplicantKind: b.T(msgKey("cases.page.applicant_kind.", string(c.Applicant.Kind))), F: newForm(r)}
	page.Title = b.T("cases.work_case.title", d.Number)
	page.transferable = s.cfg.Cases.Transferable(c)
	page.workSteps(p, c)
	if c.HandlingOrg != "" {
		page.SealOrg = d.OrgName
	}
	if c.Channel == cases.ChannelWindow && page.Receiving && c.Number != "" && p.HasRole(principal.RoleWindowOfficer) {
		page.ReceiptHref = "/window/cases/" + url.PathEscape(c.ID) + "/receipt"
	}
	switch r.URL.Query().Get("done") {
	case "accept":
		page.Done = b.T("cases.work_case.done_accept")
	case "request-materials":
		page.Done = b.T("cases.work_case.done_request")
	case "reject":
		page.Done = b.T("cases.work_case.done_reject")
	case "review":
		page.Done = b.T("cases.work_case.done_review")
	case "procedure":
		page.Done = b.T("cases.work_case.done_procedure")
	case "procedure/end":
		page.Done = b.T("cases.work_case.done_procedure_end")
	case "decide":
		page.Done = b.T("cases.work_case.done_decide")
	case "deliver":
		page.Done = b.T("cases.work_case.done_deliver")
	case "messages":
		page.Done = b.T("cases.work_case.done_message")
	case "resubmit":
		page.Done = b.T("cases.work_case.done_resubmit")
	case "upload":
		page.Done = b.T("cases.work_case.done_upload")
	case "transfer":
		page.Done = b.T("cases.work_case.done_transfer")
	}
	return page, nil
}

func (s *Site) workCase(w http.ResponseWriter, r *http.Request) error {
	if err := requireCaseOfficial(principal.From(r.Context())); err != nil {
		return err
	}
	page, err := s.newWorkPage(w, r)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "cases/work_case", page)
}

// caseWorkFields are the fields each step's form has.
var caseWorkFields = map[string][]string{
	"accept": {"note"}, "request-materials": {"materials", "note"}, "reject": {"reasons"}, "review": {"opinion"},
	"procedure": {"kind", "note"}, "procedure/end": {"result"}, "decide": {"outcome", "reasons"}, "deliver": {"method"},
	"messages": {"body"},
}

// workAction takes step action on the case of the request's path.
func (s *Site) workAction(action string) httpserver.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p := principal.From(r.Context())
		if err := requireCaseOfficial(p); err != nil {
			return err
		}
		if err := parseForm(r); err != nil {
			return err
		}
		ctx, id, v := r.Context(), r.PathValue("id"), r.PostFormValue
		var err error
		switch action {
		case "accept":
			_, err = s.cfg.Cases.Accept(ctx, p, id, v("note"))
		case "request-materials":
			_, err = s.cfg.Cases.RequestMaterials(ctx, p, id, r.PostForm["materials"], v("note"))
		case "reject":
			_, err = s.cfg.Cases.Reject(ctx, p, id, v("reasons"))
		case "review":
			_, err = s.cfg.Cases.Review(ctx, p, id, v("opinion"))
		case "procedure":
			_, err = s.cfg.Cases.StartProcedure(ctx, p, id, cases.ProcedureKind(v("kind")), v("note"))
		case "procedure/end":
			_, err = s.cfg.Cases.EndProcedure(ctx, p, id, v("result"))
		case "decide":
			_, err = s.cfg.Cases.Decide(ctx, p, id, cases.Outcome(v("outcome")), v("reasons"))
		case "deliver":
			_, err = s.cfg.Cases.Deliver(ctx, p, id, cases.DeliveryMethod(v("method")))
		case "messages":
			_, err = s.cfg.Cases.PostMessage(ctx, p, id, v("body"))
		case "resubmit":
			_, err = s.cfg.Cases.Resubmit(ctx, p, id)
		case "transfer":
			_, err = s.cfg.Cases.ExportTransfer(ctx, p, id)
		}
		return s.workDone(w, r, action, err)
	}
}

// workDone finishes an official's form: back to the case with what was done, or the page again
// with the refusal beside the form — a step another official took meanwhile, a missing reason, a
// decision that cannot be signed. A case the official may not see is the error page.
func (s *Site) workDone(w http.ResponseWriter, r *http.Request, action string, err error) error {
	if err == nil {
		seeOther(w, r, workCasePath(r.PathValue("id"))+"?done="+url.QueryEscape(action))
		return nil
	}
	if _, ok := formStatus(err, errs.Forbidden, errs.Unavailable, errs.TooLarge); !ok {
		return err
	}
	page, perr := s.newWorkPage(w, r)
	if perr != nil {
		return perr
	}
	page.Action, page.F = action, newForm(r, caseWorkFields[action]...)
	if action == "upload" {
		page.Material = r.PathValue("code")
	}
	page.basePage.rebase(workCasePath(r.PathValue("id")))
	msgs := caseErrorFields(page.Lang, err)
	for field, msg := range msgs {
		if field == "" {
			field = "form"
		}
		page.F.Errors[field] = msg
		if page.F.Error == "" {
			page.F.Error, page.F.Field = msg, field
		}
	}
	if page.Supplement != nil {
		for i, m := range page.Supplement.Materials {
			if msg, ok := msgs[m.Field]; ok {
				page.Supplement.Materials[i].Error = msg
			} else if action == "upload" && m.Code == page.Material {
				page.Supplement.Materials[i].Error = page.F.Error
			}
		}
		if action == "upload" || action == "resubmit" {
			page.F.Field = ""
		}
	}
	status, _ := formStatus(err, errs.Forbidden, errs.Unavailable, errs.TooLarge)
	return s.render(w, status, "cases/work_case", page)
}

// workMaterialUpload lets the window that collected a person's case supply a material asked for.
func (s *Site) workMaterialUpload(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireCaseOfficial(p); err != nil {
		return err
	}
	if err := parseUpload(r); err != nil {
		return err
	}
	data, name, ok, err := readUpload(r, "file", maxMaterialBody, "error.too_large")
	if err == nil && !ok {
		err = errs.Field("file", "cases.page.error.no_file")
	}
	if err == nil {
		_, err = s.cfg.Cases.AttachMaterial(r.Context(), p, r.PathValue("id"), r.PathValue("code"), name, data)
	}
	return s.workDone(w, r, "upload", err)
}
