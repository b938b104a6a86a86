package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// Following one's cases: the list (/my/cases) and a case's page (/my/cases/{id}) with its status,
// next step, clock, timeline and messages, the materials asked for (補正) and the resubmission,
// withdrawal, the decision and its signature, the fee and the rating. The files of a case (its
// materials, the decision and its signature) are served under /cases/{id} to whoever may see it.

// ---- my cases ------------------------------------------------------------------------------

type caseMinePage struct {
	casesBase
	Rows               []caseRow
	Page               int
	PrevHref, NextHref string
}

func (s *Site) myCases(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireApplicantKind(p); err != nil {
		return err
	}
	b := s.newCasesBase(w, r, "cases.mine.title")
	n, _ := strconv.Atoi(r.URL.Query().Get("page"))
	n = max(n, 1)
	list, err := s.cfg.Cases.Mine(r.Context(), p, cases.ListFilter{Limit: cases.DefaultPage + 1, Offset: (n - 1) * cases.DefaultPage})
	if err != nil {
		return err
	}
	name, err := s.orgs.namer(r, b.Lang)
	if err != nil {
		return err
	}
	page := caseMinePage{casesBase: b, Page: n}
	if len(list) > cases.DefaultPage {
		list = list[:cases.DefaultPage]
		page.NextHref = "/my/cases?page=" + strconv.Itoa(n+1)
	}
	if n > 1 {
		page.PrevHref = "/my/cases?page=" + strconv.Itoa(n-1)
	}
	for _, c := range list {
		href := casePath(c.ID)
		if c.Status == cases.StatusDraft {
			href = caseEditMy.edit(c.ID)
		}
		page.Rows = append(page.Rows, b.caseRow(name, c, href))
	}
	return s.render(w, http.StatusOK, "cases/mine", page)
}

// ---- one case ------------------------------------------------------------------------------

// caseDetail is what the applicant's and the officials' pages of a case both show.
type caseDetail struct {
	ID, Number, Name, OrgName, ReceivingName, Channel          string
	Status, StatusLabel, NextStep                              string
	Created, Submitted, Accepted, Decided, Completed, Delivery string
	Bundle, Draft                                              bool
	ParentHref                                                 string
	Clock                                                      caseClockView
	Values                                                     []caseValueView
	Materials                                                  []caseMaterialView
	Supplement                                                 *caseSupplementView
	Procedure                                                  *caseProcedureView
	Decision                                                   *caseDecisionView
	Children                                                   []caseRow
	Timeline                                                   []caseEventView
	// Fees: the order to pay (PayHref) while it waits, and when it was paid.
	PayHref, PaidAt string
	// A case transferred to another province's node: where, its number and status there.
	Transferred, RemoteStatus string
	// A case received from another province's node: from where, and the applicant's document
	// as that node identified them (the handling organisation's officials only see such cases).
	Origin, OriginApplicant string
}

type caseSupplementView struct {
	Note, RequestedAt, During string
	Materials                 []caseMaterialView
}

type caseProcedureView struct {
	Kind, Label, Note, StartedAt, StartedBy string
}

func (s *Site) newCaseDetail(r *http.Request, b casesBase, c cases.Case, childHref func(string) string) (caseDetail, error) {
	name, err := s.orgs.namer(r, b.Lang)
	if err != nil {
		return caseDetail{}, err
	}
	d := caseDetail{ID: c.ID, Number: c.Number, Name: b.name(c.NameHans, c.NameHant, c.NameEn),
		Channel: b.T(msgKey("cases.channel.", string(c.Channel))), Status: string(c.Status),
		StatusLabel: b.statusLabel(c.Status, c.Outcome), NextStep: b.stepLabel(c.NextStep, c.NextParty), Created: civil(c.CreatedAt),
		Submitted: civilPtr(c.SubmittedAt), Accepted: civilPtr(c.AcceptedAt), Decided: civilPtr(c.DecidedAt),
		Completed: civilPtr(c.CompletedAt), Bundle: c.IsBundle(), Draft: c.Status == cases.StatusDraft, Clock: b.clockView(c.Clock),
		Values: s.formValues(b, c), Materials: b.caseMaterials(c), Decision: b.decisionView(c)}
	if d.Number == "" {
		d.Number = b.T("cases.page.no_number")
	}
	if c.HandlingOrg != "" {
		d.OrgName = name(c.HandlingOrg)
	}
	if c.ReceivingOrg != "" {
		d.ReceivingName = name(c.ReceivingOrg)
	}
	if c.ParentID != "" {
		d.ParentHref = childHref(c.ParentID)
	}
	if c.Delivery != nil {
		d.Delivery = b.T("cases.page.delivered_by", b.T(msgKey("cases.delivery.", string(c.Delivery.Method))), civil(c.Delivery.At))
	}
	if c.TransferredTo != "" {
		number := c.RemoteNumber
		if number == "" {
			number = b.T("cases.page.remote_pending")
		}
		d.Transferred = b.T("cases.page.transferred", b.nodeName(c.TransferredTo), number)
		if c.RemoteStatus != "" {
			d.RemoteStatus = b.statusLabel(c.RemoteStatus, c.Outcome)
		}
	}
	if o := c.Origin; o != nil {
		d.Origin = b.T("cases.page.origin", b.nodeName(o.Node), o.Number)
		d.OriginApplicant = b.T("cases.page.origin_document", o.Applicant.Name, o.Applicant.IDNumber)
		if o.Applicant.CreditCode != "" {
			d.OriginApplicant = b.T("cases.page.origin_enterprise", o.Applicant.EnterpriseName, o.Applicant.CreditCode, d.OriginApplicant)
		}
	}
	if sp := c.Supplement; sp != nil {
		v := &caseSupplementView{Note: sp.Note, RequestedAt: civil(sp.RequestedAt), During: b.T(msgKey("cases.status.", string(sp.During)))}
		for _, m := range d.Materials {
			for _, code := range sp.Materials {
				if m.Code == code {
					v.Materials = append(v.Materials, m)
				}
			}
		}
		d.Supplement = v
	}
	if pr := c.Procedure; pr != nil {
		d.Procedure = &caseProcedureView{Kind: string(pr.Kind), Label: b.T(msgKey("cases.procedure.", string(pr.Kind))), Note: pr.Note,
			StartedAt: civil(pr.StartedAt), StartedBy: loginOf(pr.StartedBy)}
	}
	for _, ch := range c.Children {
		d.Children = append(d.Children, b.caseRow(name, ch, childHref(ch.ID)))
	}
	if c.FeeOrderID != "" {
		if c.Status == cases.StatusAwaitingPayment {
			d.PayHref = "/pay/" + url.PathEscape(c.FeeOrderID)
		}
		d.PaidAt = civilPtr(c.PaidAt)
	}
	evs, err := s.cfg.Cases.Timeline(r.Context(), principal.From(r.Context()), c.ID)
	if err != nil {
		return caseDetail{}, err
	}
	d.Timeline = b.timeline(name, evs, b.materialNamer(c))
	return d, nil
}

// caseMinePageOf is the applicant's page of a case.
type caseApplicantPage struct {
	casesBase
	caseDetail
	// What the applicant may do now.
	CanResubmit, CanWithdraw, CanMessage, CanResetCode bool
	RateHref                                           string
	// NewQueryCode is shown once, after the applicant asked for a new one.
	NewQueryCode string
	Done         string
	// F is the form of Action ("message", "withdraw", "resubmit", "upload") sent back; Material
	// the material of an upload sent back.
	Action   string
	Material string
	F        form
}

// ActionID is the prefix of the ids of the fields of the form of Action.
func (p caseApplicantPage) ActionID() string { return strings.ReplaceAll(p.Action, "/", "-") }

func caseWithdrawable(st cases.Status) bool {
	switch st {
	case cases.StatusDraft, cases.StatusSubmitted, cases.StatusSupplementRequested, cases.StatusAccepted, cases.StatusReviewed,
		cases.StatusInProgress:
		return true
	}
	return false
}

// newApplicantPage reads the case of the request's path for p, its applicant; anyone else gets
// errs.NotFound, as for a case that does not exist.
func (s *Site) newApplicantPage(w http.ResponseWriter, r *http.Request) (caseApplicantPage, cases.Case, error) {
	p := principal.From(r.Context())
	c, err := s.cfg.Cases.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return caseApplicantPage{}, c, err
	}
	if !cases.IsApplicant(p, c) {
		return caseApplicantPage{}, c, errs.E(errs.NotFound, "cases.error.not_found")
	}
	b := s.newCasesBase(w, r, "cases.case.title", c.Number)
	d, err := s.newCaseDetail(r, b, c, casePath)
	if err != nil {
		return caseApplicantPage{}, c, err
	}
	page := caseApplicantPage{casesBase: b, caseDetail: d, F: newForm(r),
		CanResubmit: c.Status == cases.StatusSupplementRequested, CanWithdraw: caseWithdrawable(c.Status),
		CanMessage: c.Status != cases.StatusDraft, CanResetCode: c.Number != "" && c.ParentID == ""}
	page.Title = b.T("cases.case.title", d.Number)
	// A bundle as a whole is rated for its lead organisation, and each of its cases from its own
	// page for the department that handled it.
	if c.Status == cases.StatusCompleted {
		page.RateHref = "/ratings/case/" + url.PathEscape(c.ID)
	}
	switch r.URL.Query().Get("done") {
	case "message":
		page.Done = b.T("cases.case.done_message")
	case "uploaded":
		page.Done = b.T("cases.case.done_uploaded")
	case "resubmitted":
		page.Done = b.T("cases.case.done_resubmitted")
	case "withdrawn":
		page.Done = b.T("cases.case.done_withdrawn")
	}
	return page, c, nil
}

func (s *Site) myCase(w http.ResponseWriter, r *http.Request) error {
	if err := requireApplicantKind(principal.From(r.Context())); err != nil {
		return err
	}
	page, c, err := s.newApplicantPage(w, r)
	if err != nil {
		return err
	}
	if c.Status == cases.StatusDraft {
		seeOther(w, r, caseEditMy.edit(c.ID))
		return nil
	}
	return s.render(w, http.StatusOK, "cases/case", page)
}

// myCaseDone finishes an applicant's form: back to the case's page with what was done, or the
// page again with the refusal beside the form of action.
func (s *Site) myCaseDone(w http.ResponseWriter, r *http.Request, action, done, anchor string, err error, fields ...string) error {
	if err == nil {
		seeOther(w, r, casePath(r.PathValue("id"))+"?done="+done+"#"+anchor)
		return nil
	}
	if _, ok := formStatus(err, errs.Forbidden, errs.TooLarge); !ok {
		return err
	}
	page, _, perr := s.newApplicantPage(w, r)
	if perr != nil {
		return perr
	}
	page.Action, page.F = action, newForm(r, fields...)
	page.basePage.rebase(casePath(r.PathValue("id")))
	lang := page.Lang
	msgs := caseErrorFields(lang, err)
	for field, msg := range msgs {
		if field == "" {
			field = "form"
		}
		page.F.Errors[field] = msg
		if page.F.Error == "" {
			page.F.Error, page.F.Field = msg, field
		}
	}
	if action == "upload" {
		page.Material = r.PathValue("code")
	}
	// Materials the resubmission found missing, and a file refused, show beside their upload.
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
	return s.render(w, caseFormStatus(false, err), "cases/case", page)
}

func (s *Site) myMessage(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireApplicantKind(p); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	_, err := s.cfg.Cases.PostMessage(r.Context(), p, r.PathValue("id"), r.PostFormValue("body"))
	return s.myCaseDone(w, r, "message", "message", "timeline", err, "body")
}

func (s *Site) myResubmit(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireApplicantKind(p); err != nil {
		return err
	}
	_, err := s.cfg.Cases.Resubmit(r.Context(), p, r.PathValue("id"))
	return s.myCaseDone(w, r, "resubmit", "resubmitted", "status", err)
}

func (s *Site) myWithdraw(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireApplicantKind(p); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	c, err := s.cfg.Cases.Withdraw(r.Context(), p, r.PathValue("id"), r.PostFormValue("reason"))
	if err == nil && c.ParentID == "" && c.Status == cases.StatusWithdrawn && c.Number == "" {
		// A draft withdrawn is gone from the person's work: back to the list.
		seeOther(w, r, "/my/cases")
		return nil
	}
	return s.myCaseDone(w, r, "withdraw", "withdrawn", "status", err, "reason")
}

// materialUpload attaches a file asked for (補正) to the applicant's case, or to a draft.
func (s *Site) materialUpload(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireApplicantKind(p); err != nil {
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
	return s.myCaseDone(w, r, "upload", "uploaded", "supplement", err)
}

func (s *Site) myQueryCode(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireApplicantKind(p); err != nil {
		return err
	}
	code, err := s.cfg.Cases.ResetQueryCode(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return s.myCaseDone(w, r, "query_code", "", "", err)
	}
	page, _, err := s.newApplicantPage(w, r)
	if err != nil {
		return err
	}
	page.NewQueryCode = code
	page.basePage.rebase(casePath(r.PathValue("id")))
	return s.render(w, http.StatusOK, "cases/case", page)
}

// ---- the files of a case ---------------------------------------------------------------------

// caseMaterialTypes are the media types of the upload formats.
var caseMaterialTypes = map[string]string{cases.FormatPDF: "application/pdf", cases.FormatJPEG: "image/jpeg",
	cases.FormatPNG: "image/png", cases.FormatOFD: "application/ofd"}

// caseSendFile answers with a private file to save.
func caseSendFile(w http.ResponseWriter, contentType, name string, data []byte) error {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", attachment(name))
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	_, err := w.Write(data)
	return err
}

func (s *Site) caseMaterialFile(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireSignedIn(p); err != nil {
		return err
	}
	m, data, err := s.cfg.Cases.MaterialFile(r.Context(), p, r.PathValue("id"), r.PathValue("code"))
	if err != nil {
		return err
	}
	ct := caseMaterialTypes[m.Format]
	if ct == "" {
		ct = "application/octet-stream"
	}
	return caseSendFile(w, ct, m.FileName, data)
}

// decisionFiles reads the decision of the request's case for p and names its files.
func (s *Site) decisionFiles(r *http.Request) (doc, sig []byte, number string, d cases.Decision, err error) {
	p := principal.From(r.Context())
	if err := requireSignedIn(p); err != nil {
		return nil, nil, "", d, err
	}
	c, err := s.cfg.Cases.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return nil, nil, "", d, err
	}
	doc, sig, d, err = s.cfg.Cases.DecisionFiles(r.Context(), p, c.ID)
	return doc, sig, c.Number, d, err
}

func (s *Site) caseDecisionDocument(w http.ResponseWriter, r *http.Request) error {
	doc, _, number, _, err := s.decisionFiles(r)
	if err != nil {
		return err
	}
	return caseSendFile(w, "application/json", "decision-"+number+".json", doc)
}

func (s *Site) caseDecisionSignature(w http.ResponseWriter, r *http.Request) error {
	_, sig, number, d, err := s.decisionFiles(r)
	if err != nil {
		return err
	}
	name, ct := "decision-"+number+".json.p7s", "application/pkcs7-signature"
	if d.SignatureFormat != "" && d.SignatureFormat != "cms" {
		name, ct = "decision-"+number+".json."+d.SignatureFormat, "application/octet-stream"
	}
	return caseSendFile(w, ct, name, sig)
}
