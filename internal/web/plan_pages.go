package web

import (
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/plan"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

func (s *Site) installPlan(srv *httpserver.Server) {
	srv.Handle("GET /plan", s.planDocument)
	srv.Handle("GET /plan/documents/{id}", s.planDocument)
	srv.Handle("GET /plan/items/{id}", s.planItem)
	srv.Handle("POST /plan/items/{id}/reports", s.planReport, httpserver.MaxBody(plan.MaxAttachments*plan.MaxAttachmentBytes+(1<<20)))
	srv.Handle("POST /plan/items/{id}/deadline", s.planDeadline)
	srv.Handle("POST /plan/reports/{id}/review", s.planReview)
	srv.Handle("POST /plan/items/{id}/assignments", s.planAssign)
	srv.Handle("POST /plan/items/{id}/assignments/{org}/remove", s.planUnassign)
	srv.Handle("GET /plan/reports/{id}/attachments/{sha}", s.planAttachment)
	srv.Handle("GET /plan/import", s.planImportForm)
	// Room for a file just over the limit, so that the page can say what is wrong with it.
	srv.Handle("POST /plan/import", s.planImport, httpserver.MaxBody(2*plan.MaxDocumentSize))
	srv.Handle("GET /plan/worklist", s.planWorklist)
	srv.Handle("GET /plan/dashboard", s.planDashboard)
	srv.Handle("GET /plan/export.json", s.planExportJSON)
	srv.Handle("GET /plan/export.xlsx", s.planExportXLSX)
}

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.E(errs.NotFound, "error.page_not_found")
	}
	return id, nil
}

// itemView is an item with what the page shows about it.
type itemView struct {
	*plan.Item
	Lead, Support []string
	StatusLabel   string
	page          basePage
}

// T translates in the page's language, so that partial templates given an item can.
func (v itemView) T(key string, args ...any) string { return v.page.T(key, args...) }

func (s *Site) itemView(b basePage, it *plan.Item, name func(string) string) itemView {
	v := itemView{Item: it, StatusLabel: b.T("plan.status." + it.Status), page: b}
	for _, a := range it.Assigned {
		if a.Lead {
			v.Lead = append(v.Lead, name(a.OrgCode))
		} else {
			v.Support = append(v.Support, name(a.OrgCode))
		}
	}
	return v
}

type sectionView struct {
	plan.Section
	Items []itemView
}

type documentPage struct {
	basePage
	Doc       *plan.Document
	Sections  []sectionView
	Documents []plan.Document
	Totals    plan.Totals
	Revisions []plan.Revision
	CanImport bool
}

func (s *Site) planDocument(w http.ResponseWriter, r *http.Request) error {
	var id int64
	if r.PathValue("id") != "" {
		var err error
		if id, err = pathID(r, "id"); err != nil {
			return err
		}
	}
	a, err := s.cfg.Plan.Assess(r.Context(), id)
	if err != nil {
		return err
	}
	p := documentPage{basePage: s.newBase(w, r, "plan.document_title", a.Document.Title), Doc: a.Document, Totals: a.Totals,
		CanImport: s.cfg.Plan.CanImport(principal.From(r.Context()))}
	name, err := s.orgs.namer(r, p.Lang)
	if err != nil {
		return err
	}
	for _, sec := range a.Document.Sections {
		sv := sectionView{Section: sec}
		for i := range sec.Items {
			sv.Items = append(sv.Items, s.itemView(p.basePage, &sec.Items[i], name))
		}
		p.Sections = append(p.Sections, sv)
	}
	if p.Documents, err = s.cfg.Plan.Documents(r.Context()); err != nil {
		return err
	}
	if p.Revisions, err = s.cfg.Plan.Revisions(r.Context(), a.Document.ID); err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "plan/document", p)
}

type reportView struct {
	plan.Report
	OrgName   string
	CanReview bool
	Figures   []figureView
}

type figureView struct {
	Subject, Unit string
	Value         float64
}

type itemPage struct {
	basePage
	Item        itemView
	UnitNames   map[string]string
	Reports     []reportView
	SeeReports  bool
	CanReport   bool
	CanReview   bool
	Form        reportForm
	FieldErrors map[string]string
	FormError   string
	// A failed review: which report, the comment as typed, and the message.
	ReviewID      int64
	ReviewComment string
	ReviewError   string
	// For the coordinator: who answers for the item, the organisations to choose from, and a
	// failed change's message.
	Assigned    []assignedView
	Orgs        []orgRow
	AssignError string
	Saved       string
}

type reportForm struct {
	Body     string
	Progress string
	Figures  map[int64]string
}

// itemForms carries a failed form back to the item page: the report form's values, or the
// review of one report, with the error to show beside it.
type itemForms struct {
	report    *reportForm
	reportErr error
	reviewID  int64
	comment   string
	reviewErr error
	assignErr error
}

func (s *Site) planItem(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.renderItem(w, r, id, http.StatusOK, itemForms{})
}

// renderItem shows an item page; a failed form comes back with its values and the error.
func (s *Site) renderItem(w http.ResponseWriter, r *http.Request, id int64, status int, f itemForms) error {
	form, formErr := f.report, f.reportErr
	it, err := s.cfg.Plan.Item(r.Context(), id)
	if err != nil {
		return err
	}
	b := s.newBase(w, r, "plan.item_title", it.Label, it.Heading)
	name, orgs, err := s.orgs.all(r, b.Lang)
	if err != nil {
		return err
	}
	pr := principal.From(r.Context())
	p := itemPage{basePage: b, Item: s.itemView(b, it, name), UnitNames: map[string]string{},
		CanReport: plan.CanReport(pr, it.Assigned), CanReview: s.cfg.Plan.CanReview(pr), SeeReports: plan.CanSeeReports(pr),
		Saved: r.URL.Query().Get("saved")}
	for _, u := range it.Units {
		if u.OrgCode != nil {
			p.UnitNames[*u.OrgCode] = name(*u.OrgCode)
		}
	}
	if form != nil {
		p.Form = *form
	} else {
		p.Form = reportForm{Progress: strconv.Itoa(it.Progress), Figures: map[int64]string{}}
	}
	if formErr != nil {
		pe := errs.Public(formErr)
		msg := httpserver.Translate(b.Lang, pe)
		if pe.Field != "" {
			p.FieldErrors = map[string]string{pe.Field: msg}
		}
		p.FormError = msg
	}
	if p.CanReview {
		for _, a := range it.Assigned {
			p.Assigned = append(p.Assigned, assignedView{Code: a.OrgCode, Name: name(a.OrgCode), Lead: a.Lead})
		}
		p.Orgs = orgs
	}
	if f.assignErr != nil {
		p.AssignError = httpserver.Translate(b.Lang, errs.Public(f.assignErr))
	}
	if f.reviewErr != nil {
		p.ReviewID, p.ReviewComment = f.reviewID, f.comment
		p.ReviewError = httpserver.Translate(b.Lang, errs.Public(f.reviewErr))
	}
	if p.SeeReports {
		reports, err := s.cfg.Plan.ItemReports(r.Context(), id)
		if err != nil {
			return err
		}
		subjects := map[int64]plan.Target{}
		for _, t := range it.Targets {
			subjects[t.ID] = t
		}
		for _, rep := range reports {
			rv := reportView{Report: rep, OrgName: name(rep.OrgCode), CanReview: p.CanReview && rep.Status == plan.ReportSubmitted}
			for _, f := range rep.Figures {
				t := subjects[f.TargetID]
				rv.Figures = append(rv.Figures, figureView{Subject: t.Subject, Unit: t.Unit, Value: f.Value})
			}
			p.Reports = append(p.Reports, rv)
		}
	}
	return s.render(w, status, "plan/item", p)
}

func (s *Site) planReport(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseMultipartForm(8 << 20); err != nil && err != http.ErrNotMultipart {
		if strings.Contains(err.Error(), "too large") {
			return errs.Wrapf(errs.TooLarge, err, "error.too_large")
		}
		return errs.Wrapf(errs.Invalid, err, "error.invalid")
	}
	form := reportForm{Body: r.FormValue("body"), Progress: r.FormValue("progress"), Figures: map[int64]string{}}
	in := plan.ReportInput{Body: form.Body, Figures: map[int64]float64{}}
	progress, perr := strconv.Atoi(strings.TrimSpace(form.Progress))
	if perr != nil {
		return s.renderItem(w, r, id, http.StatusBadRequest, itemForms{report: &form, reportErr: errs.Field("progress", "plan.error.progress_range")})
	}
	in.Progress = progress
	for key, vals := range r.Form {
		if !strings.HasPrefix(key, "figure_") || len(vals) == 0 || strings.TrimSpace(vals[0]) == "" {
			continue
		}
		tid, err := strconv.ParseInt(strings.TrimPrefix(key, "figure_"), 10, 64)
		if err != nil {
			return s.renderItem(w, r, id, http.StatusBadRequest, itemForms{report: &form, reportErr: errs.Field(key, "plan.error.figure_range")})
		}
		form.Figures[tid] = vals[0]
		v, err := strconv.ParseFloat(strings.TrimSpace(vals[0]), 64)
		if err != nil {
			return s.renderItem(w, r, id, http.StatusBadRequest, itemForms{report: &form, reportErr: errs.Field(key, "plan.error.figure_range")})
		}
		in.Figures[tid] = v
	}
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["attachments"] {
			if fh.Size == 0 && fh.Filename == "" {
				continue
			}
			if fh.Size > plan.MaxAttachmentBytes {
				return s.renderItem(w, r, id, http.StatusRequestEntityTooLarge, itemForms{report: &form, reportErr: errs.E(errs.TooLarge, "plan.error.attachment_too_large", fh.Filename, plan.MaxAttachmentBytes>>20)})
			}
			f, err := fh.Open()
			if err != nil {
				return err
			}
			data, err := io.ReadAll(io.LimitReader(f, plan.MaxAttachmentBytes+1))
			f.Close()
			if err != nil {
				return err
			}
			in.Attachments = append(in.Attachments, plan.NewAttachment{Filename: fh.Filename, Data: data})
		}
	}
	if _, err := s.cfg.Plan.SubmitReport(r.Context(), id, in); err != nil {
		switch errs.KindOf(err) {
		case errs.Invalid:
			return s.renderItem(w, r, id, http.StatusBadRequest, itemForms{report: &form, reportErr: err})
		case errs.TooLarge:
			return s.renderItem(w, r, id, http.StatusRequestEntityTooLarge, itemForms{report: &form, reportErr: err})
		}
		return err
	}
	http.Redirect(w, r, "/plan/items/"+strconv.FormatInt(id, 10)+"?saved=report#reports", http.StatusSeeOther)
	return nil
}

func (s *Site) planReview(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errs.Wrapf(errs.Invalid, err, "error.invalid")
	}
	before, err := s.cfg.Plan.Report(r.Context(), id)
	if err != nil {
		return err
	}
	var accept bool
	comment := r.PostFormValue("comment")
	switch r.PostFormValue("decision") {
	case "accept":
		accept = true
	case "return":
	default:
		return s.renderItem(w, r, before.ItemID, http.StatusBadRequest, itemForms{reviewID: id, comment: comment,
			reviewErr: errs.Field("decision", "plan.error.bad_decision")})
	}
	rep, err := s.cfg.Plan.ReviewReport(r.Context(), id, accept, comment)
	if errs.Is(err, errs.Invalid) {
		return s.renderItem(w, r, before.ItemID, http.StatusBadRequest, itemForms{reviewID: id, comment: comment, reviewErr: err})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/plan/items/"+strconv.FormatInt(rep.ItemID, 10)+"?saved=review#reports", http.StatusSeeOther)
	return nil
}

type importPage struct {
	basePage
	Result *plan.ImportResult
	Error  string
}

// mayImport refuses the public and anyone but the coordinator's administrators.
func (s *Site) mayImport(r *http.Request) error {
	p := principal.From(r.Context())
	if !p.Authenticated() {
		return errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	if !s.cfg.Plan.CanImport(p) {
		return errs.E(errs.Forbidden, "plan.error.import_forbidden")
	}
	return nil
}

func (s *Site) planImportForm(w http.ResponseWriter, r *http.Request) error {
	if err := s.mayImport(r); err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "plan/import", importPage{basePage: s.newBase(w, r, "plan.import_heading")})
}

// planImport imports an uploaded plan and shows what the import did, or why it was refused.
func (s *Site) planImport(w http.ResponseWriter, r *http.Request) error {
	if err := s.mayImport(r); err != nil {
		return err
	}
	p := importPage{basePage: s.newBase(w, r, "plan.import_heading")}
	fail := func(status int, err error) error {
		p.Error = httpserver.Translate(p.Lang, errs.Public(err))
		return s.render(w, status, "plan/import", p)
	}
	f, _, err := r.FormFile("document")
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return fail(http.StatusRequestEntityTooLarge, errs.E(errs.TooLarge, "plan.error.document_too_large", plan.MaxDocumentSize>>20))
		}
		return fail(http.StatusBadRequest, errs.Field("document", "plan.error.import_no_file"))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, plan.MaxDocumentSize+1))
	if err != nil {
		return err
	}
	res, err := s.cfg.Plan.Import(r.Context(), data)
	switch k := errs.KindOf(err); k {
	case "":
	case errs.Invalid, errs.TooLarge, errs.Conflict:
		return fail(httpserver.Status(k), err)
	default:
		return err
	}
	p.Result = res
	return s.render(w, http.StatusOK, "plan/import", p)
}

type assignedView struct {
	Code, Name string
	Lead       bool
}

func (s *Site) planAssign(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errs.Wrapf(errs.Invalid, err, "error.invalid")
	}
	return s.afterAssign(w, r, id, s.cfg.Plan.Assign(r.Context(), id, r.PostFormValue("org"), r.PostFormValue("lead") == "1"))
}

func (s *Site) planUnassign(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.afterAssign(w, r, id, s.cfg.Plan.Unassign(r.Context(), id, r.PathValue("org")))
}

// afterAssign shows the item again: with the message beside the form when the change was
// refused for its content, through the error page when the principal may not make it.
func (s *Site) afterAssign(w http.ResponseWriter, r *http.Request, id int64, err error) error {
	switch errs.KindOf(err) {
	case "":
		http.Redirect(w, r, "/plan/items/"+strconv.FormatInt(id, 10)+"?saved=assignment#assignments", http.StatusSeeOther)
		return nil
	case errs.Invalid, errs.Conflict:
		return s.renderItem(w, r, id, httpserver.Status(errs.KindOf(err)), itemForms{assignErr: err})
	}
	return err
}

func (s *Site) planDeadline(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errs.Wrapf(errs.Invalid, err, "error.invalid")
	}
	if err := s.cfg.Plan.SetDeadline(r.Context(), id, r.PostFormValue("deadline")); err != nil {
		return err
	}
	http.Redirect(w, r, "/plan/items/"+strconv.FormatInt(id, 10)+"?saved=deadline", http.StatusSeeOther)
	return nil
}

func (s *Site) planAttachment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, b, data, err := s.cfg.Plan.Attachment(r.Context(), id, r.PathValue("sha"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", b.ContentType)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+urlPathEscape(a.Filename))
	w.Header().Set("Cache-Control", "private, no-store")
	_, err = w.Write(data)
	return err
}

type worklistPage struct {
	basePage
	OrgName string
	OrgCode string
	List    *plan.Worklist
	Items   []worklistRow
	Pending []reportView
	Orgs    []orgRow
}

type worklistRow struct {
	itemView
	LeadHere   bool
	LastReport *plan.Report
}

func (s *Site) planWorklist(w http.ResponseWriter, r *http.Request) error {
	pr := principal.From(r.Context())
	if err := requireOfficial(pr); err != nil {
		return err
	}
	wl, err := s.cfg.Plan.Worklist(r.Context(), r.URL.Query().Get("org"))
	if err != nil {
		return err
	}
	b := s.newBase(w, r, "plan.worklist_title")
	name, orgs, err := s.orgs.all(r, b.Lang)
	if err != nil {
		return err
	}
	p := worklistPage{basePage: b, OrgName: name(wl.OrgCode), OrgCode: wl.OrgCode, List: wl, Orgs: orgs}
	for _, wi := range wl.Items {
		p.Items = append(p.Items, worklistRow{itemView: s.itemView(b, wi.Item, name), LeadHere: wi.Lead, LastReport: wi.LastReport})
	}
	for _, rep := range wl.Pending {
		p.Pending = append(p.Pending, reportView{Report: rep, OrgName: name(rep.OrgCode), CanReview: true})
	}
	return s.render(w, http.StatusOK, "plan/worklist", p)
}

type dashboardPage struct {
	basePage
	A         *plan.Assessment
	UnitNames map[string]string
	ChartData template.JS
}

func (s *Site) planDashboard(w http.ResponseWriter, r *http.Request) error {
	a, err := s.cfg.Plan.Assess(r.Context(), 0)
	if err != nil {
		return err
	}
	b := s.newBase(w, r, "plan.dashboard_title")
	name, err := s.orgs.namer(r, b.Lang)
	if err != nil {
		return err
	}
	p := dashboardPage{basePage: b, A: a, UnitNames: map[string]string{}}
	type series struct {
		Labels     []string  `json:"labels"`
		Completed  []int     `json:"completed"`
		InProgress []int     `json:"in_progress"`
		NotStarted []int     `json:"not_started"`
		Progress   []float64 `json:"progress"`
	}
	data := struct {
		Sections series `json:"sections"`
		Units    series `json:"units"`
		Targets  struct {
			Labels  []string  `json:"labels"`
			Planned []float64 `json:"planned"`
			Reached []float64 `json:"reached"`
		} `json:"targets"`
		Text map[string]string `json:"text"`
	}{Text: map[string]string{
		"completed": b.T("plan.status.completed"), "in_progress": b.T("plan.status.in_progress"),
		"not_started": b.T("plan.status.not_started"), "planned": b.T("plan.target_planned"), "reached": b.T("plan.target_reached_pct"),
		"by_section": b.T("plan.by_section"), "by_unit": b.T("plan.by_unit"), "targets": b.T("plan.targets_chart"),
	}}
	for _, st := range a.Sections {
		data.Sections.Labels = append(data.Sections.Labels, st.Label)
		data.Sections.Completed = append(data.Sections.Completed, st.Completed)
		data.Sections.InProgress = append(data.Sections.InProgress, st.InProgress)
		data.Sections.NotStarted = append(data.Sections.NotStarted, st.NotStarted)
		data.Sections.Progress = append(data.Sections.Progress, st.AvgProgress)
	}
	for i, u := range a.Units {
		p.UnitNames[u.OrgCode] = name(u.OrgCode)
		if i < 15 {
			data.Units.Labels = append(data.Units.Labels, name(u.OrgCode))
			data.Units.Completed = append(data.Units.Completed, u.Completed)
			data.Units.InProgress = append(data.Units.InProgress, u.InProgress)
			data.Units.NotStarted = append(data.Units.NotStarted, u.NotStarted)
		}
	}
	for _, t := range a.Targets {
		data.Targets.Labels = append(data.Targets.Labels, t.ItemLabel+" "+t.Target.Subject)
		data.Targets.Planned = append(data.Targets.Planned, 100)
		data.Targets.Reached = append(data.Targets.Reached, t.Percent)
	}
	js, err := json.Marshal(data)
	if err != nil {
		return err
	}
	p.ChartData = template.JS(js)
	return s.render(w, http.StatusOK, "plan/dashboard", p)
}

func (s *Site) planExportJSON(w http.ResponseWriter, r *http.Request) error {
	e, err := s.cfg.Plan.BuildExport(r.Context(), 0)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="plan.json"`)
	// Officials' exports carry their reports: no cache may keep one and hand it to the public.
	w.Header().Set("Cache-Control", "private, no-store")
	return e.WriteJSON(w)
}

func (s *Site) planExportXLSX(w http.ResponseWriter, r *http.Request) error {
	e, err := s.cfg.Plan.BuildExport(r.Context(), 0)
	if err != nil {
		return err
	}
	name, err := s.orgs.namer(r, i18n.Negotiate(r))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="plan.xlsx"`)
	w.Header().Set("Cache-Control", "private, no-store")
	return e.WriteXLSX(w, name)
}
