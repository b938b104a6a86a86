package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/ratings"
)

// Officials' rating pages: the rectification tasks of their organisation's bad ratings (call-
// backs, verification, measures, closing, an appeal against a malicious rating) and the appeals,
// which the digital office's administrators decide. The rating service decides who may do
// what; these pages offer each official only the forms they may use.

func (s *Site) installRatingWork(srv *httpserver.Server) {
	srv.Handle("GET /ratings/tasks", s.ratingTasks)
	srv.Handle("GET /ratings/tasks/{id}", s.ratingTask)
	srv.Handle("POST /ratings/tasks/{id}/callbacks", s.ratingTaskCallBack)
	srv.Handle("POST /ratings/tasks/{id}/verify", s.ratingTaskVerify)
	srv.Handle("POST /ratings/tasks/{id}/rectify", s.ratingTaskRectify)
	srv.Handle("POST /ratings/tasks/{id}/close", s.ratingTaskClose)
	srv.Handle("POST /ratings/tasks/{id}/appeal", s.ratingTaskAppeal)
	srv.Handle("GET /ratings/appeals", s.ratingAppeals)
	srv.Handle("POST /ratings/appeals/{id}/decision", s.ratingAppealDecision)
}

// requireRatingOfficial sends the public to the login and refuses everyone but officials.
func requireRatingOfficial(p principal.Principal) error {
	if err := requireSignedIn(p); err != nil {
		return err
	}
	if p.Kind != principal.Official {
		return errs.E(errs.Forbidden, "ratings.error.officials_only")
	}
	return nil
}

// ratingTaskView is a task as the pages show it.
type ratingTaskView struct {
	ID, Status, StatusLabel, OrgName, Opened, LastDay string
	DeadlineDays                                      int
	Overdue, Late, Done                               bool
	Level                                             int
	LevelLabel, Kind, CaseNumber, ItemCode, ItemName  string
	RealName                                          bool
	Findings, VerifiedBy, VerifiedAt                  string
	Measures, RectifiedBy, RectifiedAt                string
	ClosingNote, ClosedBy, ClosedAt, CancelledAt      string
	OnTime                                            bool
}

func (s *Site) newRatingTaskView(b basePage, name func(string) string, t ratings.Task) ratingTaskView {
	return ratingTaskView{ID: t.ID, Status: string(t.Status), StatusLabel: b.T(t.Status.Key()), OrgName: name(t.Org),
		Opened: civil(t.OpenedAt), LastDay: t.LastDay().Format(time.DateOnly), DeadlineDays: t.DeadlineDays, Overdue: t.Overdue,
		Late: t.Late(s.cfg.DB.Clock().Now()), Done: t.Status.Done(), Level: int(t.Level), LevelLabel: b.T(t.Level.Key()),
		Kind: string(t.Kind), CaseNumber: t.CaseNumber, ItemCode: t.ItemCode, ItemName: t.ItemName, RealName: t.RealName,
		Findings: t.Findings, VerifiedBy: derefLogin(t.VerifiedBy), VerifiedAt: civilPtr(t.VerifiedAt),
		Measures: t.Measures, RectifiedBy: derefLogin(t.RectifiedBy), RectifiedAt: civilPtr(t.RectifiedAt),
		ClosingNote: t.ClosingNote, ClosedBy: derefLogin(t.ClosedBy), ClosedAt: civilPtr(t.ClosedAt),
		CancelledAt: civilPtr(t.CancelledAt), OnTime: t.OnTime()}
}

// ratingAppealView is an appeal as the pages show it.
type ratingAppealView struct {
	ID, RatingID, TaskID, OrgName, Reason, Evidence, Status, StatusLabel string
	AppealedBy, AppealedAt, DecidedBy, DecidedAt, DecisionNote           string
	Level                                                                int
	LevelLabel, CaseNumber, ItemCode                                     string
	Pending                                                              bool
}

func newRatingAppealView(b basePage, name func(string) string, a ratings.Appeal) ratingAppealView {
	return ratingAppealView{ID: a.ID, RatingID: a.RatingID, TaskID: a.TaskID, OrgName: name(a.Org),
		Reason: b.T(ratings.AppealReasonKey(a.Reason)), Evidence: a.Evidence, Status: string(a.Status), StatusLabel: b.T(a.Status.Key()),
		AppealedBy: loginOf(a.AppealedBy), AppealedAt: civil(a.AppealedAt), DecidedBy: derefLogin(a.DecidedBy),
		DecidedAt: civilPtr(a.DecidedAt), DecisionNote: a.DecisionNote, Level: int(a.Level), LevelLabel: b.T(a.Level.Key()),
		CaseNumber: a.CaseNumber, ItemCode: a.ItemCode, Pending: a.Status == ratings.AppealPending}
}

// ---- the list of tasks ----------------------------------------------------------------------

type ratingTasksPage struct {
	basePage
	Tasks []ratingTaskView
	// AllOrgs: the digital office reads every organisation's tasks and may filter them.
	orgFilter
	Show     string
	Shows    []choice
	Deadline int
}

// ratingTaskShows are the list's views: tasks still to do (the default), overdue ones, and
// those in each status.
var ratingTaskShows = []string{"pending", "overdue", "all"}

func (s *Site) ratingTasks(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireRatingOfficial(p); err != nil {
		return err
	}
	b := s.newBase(w, r, "ratings.tasks.title")
	name, orgs, err := s.orgs.all(r, b.Lang)
	if err != nil {
		return err
	}
	page := ratingTasksPage{basePage: b, orgFilter: pickOrg(r, orgs, ratings.SeesAllOrgs(p), ""), Deadline: s.cfg.Ratings.DeadlineDays()}
	q := r.URL.Query()
	f := ratings.TaskFilter{Org: page.Org}
	page.Show = q.Get("show")
	if !slices.Contains(ratingTaskShows, page.Show) {
		page.Show = "pending"
	}
	switch page.Show {
	case "pending":
		f.Pending = true
	case "overdue":
		f.OverdueOnly = true
	}
	for _, v := range ratingTaskShows {
		page.Shows = append(page.Shows, choice{Value: v, Label: b.T(msgKey("ratings.tasks.show_", v))})
	}
	list, err := s.cfg.Ratings.Tasks(r.Context(), p, f)
	if err != nil {
		return err
	}
	for _, t := range list {
		page.Tasks = append(page.Tasks, s.newRatingTaskView(b, name, t))
	}
	return s.render(w, http.StatusOK, "ratings/tasks", page)
}

// ---- one task -------------------------------------------------------------------------------

type ratingCallBackView struct {
	Caller, CalledAt, Account string
	Reached                   bool
}

type ratingTaskPage struct {
	basePage
	Task      ratingTaskView
	Rating    ratingView
	CallBacks []ratingCallBackView
	Appeal    *ratingAppealView
	// What the reader may do now.
	CanCallBack, CanVerify, CanRectify, CanClose, CanAppeal bool
	// Step is the form of the task's next step (verify, rectify or close), if the reader
	// takes it.
	Step    *ratingStepForm
	Reasons []choice
	// Action is the form sent back with F ("callback", "verify", "rectify", "close", "appeal").
	Action string
	F      form
	// Now is the call-back form's default time (China time, for a datetime-local input).
	Now  string
	Done string
}

// ratingStepForm is the one-text form of a task's next step.
type ratingStepForm struct {
	Action, Field                string
	Heading, Label, Hint, Submit string
	Required                     bool
}

func ratingTaskPath(id string) string { return "/ratings/tasks/" + url.PathEscape(id) }

func (s *Site) newRatingTaskPage(w http.ResponseWriter, r *http.Request) (ratingTaskPage, error) {
	p := principal.From(r.Context())
	t, err := s.cfg.Ratings.Task(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return ratingTaskPage{}, err
	}
	b := s.newBase(w, r, "ratings.task.title")
	name, err := s.orgs.namer(r, b.Lang)
	if err != nil {
		return ratingTaskPage{}, err
	}
	page := ratingTaskPage{basePage: b, Task: s.newRatingTaskView(b, name, t), F: newForm(r),
		Now: s.cfg.DB.Clock().Now().In(chinaTime).Format("2006-01-02T15:04")}
	if t.Rating != nil {
		page.Rating = newRatingView(b, *t.Rating)
	}
	for _, c := range t.CallBacks {
		page.CallBacks = append(page.CallBacks, ratingCallBackView{Caller: loginOf(c.Caller), CalledAt: civil(c.CalledAt), Account: c.Account,
			Reached: c.Reached})
	}
	if t.Appeal != nil {
		v := newRatingAppealView(b, name, *t.Appeal)
		page.Appeal = &v
	}
	done := t.Status.Done()
	page.CanCallBack = !done && ratings.MayCallBack(p, t.Org)
	rectifier := ratings.MayRectify(p, t.Org)
	page.CanVerify = rectifier && t.Status == ratings.TaskOpen
	page.CanRectify = rectifier && t.Status == ratings.TaskVerified
	page.CanClose = rectifier && t.Status == ratings.TaskRectified
	step := func(action, field string, required bool) *ratingStepForm {
		return &ratingStepForm{Action: action, Field: field, Required: required, Heading: b.T(msgKey("ratings.task.", action)),
			Label: b.T(msgKey("ratings.task.", field)), Hint: b.T(msgKey("ratings.task.", field+"_hint")),
			Submit: b.T(msgKey("ratings.task.", action+"_submit"))}
	}
	switch {
	case page.CanVerify:
		page.Step = step("verify", "findings", true)
	case page.CanRectify:
		page.Step = step("rectify", "measures", true)
	case page.CanClose:
		page.Step = step("close", "note", false)
	}
	page.CanAppeal = rectifier && t.Appeal == nil && t.Rating != nil && !t.Rating.Excluded
	for _, reason := range ratings.AppealReasons {
		page.Reasons = append(page.Reasons, choice{Value: reason, Label: b.T(ratings.AppealReasonKey(reason))})
	}
	if d := r.URL.Query().Get("done"); slices.Contains([]string{"callback", "verify", "rectify", "close", "appeal"}, d) {
		page.Done = b.T(msgKey("ratings.task.done_", d))
	}
	return page, nil
}

func (s *Site) ratingTask(w http.ResponseWriter, r *http.Request) error {
	if err := requireRatingOfficial(principal.From(r.Context())); err != nil {
		return err
	}
	page, err := s.newRatingTaskPage(w, r)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "ratings/task", page)
}

// ratingTaskDone finishes a task form: back to the task with what was done, or the page again
// with the refusal beside the form of action. Errors about the task itself go to the error page.
func (s *Site) ratingTaskDone(w http.ResponseWriter, r *http.Request, action string, err error, fields ...string) error {
	if err == nil {
		seeOther(w, r, ratingTaskPath(r.PathValue("id"))+"?done="+action)
		return nil
	}
	status, ok := formStatus(err, errs.Forbidden)
	if !ok {
		return err
	}
	page, perr := s.newRatingTaskPage(w, r)
	if perr != nil {
		return perr
	}
	page.Action, page.F = action, newForm(r, fields...)
	page.basePage.rebase(ratingTaskPath(r.PathValue("id")))
	page.F.fail(page.Lang, err, nil)
	return s.render(w, status, "ratings/task", page)
}

// ratingTaskForm checks the official and parses the form.
func ratingTaskForm(r *http.Request) (principal.Principal, error) {
	p := principal.From(r.Context())
	if err := requireRatingOfficial(p); err != nil {
		return p, err
	}
	return p, parseForm(r)
}

func (s *Site) ratingTaskCallBack(w http.ResponseWriter, r *http.Request) error {
	p, err := ratingTaskForm(r)
	if err != nil {
		return err
	}
	c := ratings.NewCallBack{Account: r.PostFormValue("account")}
	switch r.PostFormValue("reached") {
	case "yes":
		c.Reached = true
	case "no":
	default:
		return s.ratingTaskDone(w, r, "callback", errs.Field("reached", "ratings.task.error_reached"), "called_at", "reached", "account")
	}
	at, perr := time.ParseInLocation("2006-01-02T15:04", strings.TrimSpace(r.PostFormValue("called_at")), chinaTime)
	if perr != nil {
		return s.ratingTaskDone(w, r, "callback", errs.Field("called_at", "ratings.error.called_at"), "called_at", "reached", "account")
	}
	c.CalledAt = at
	_, err = s.cfg.Ratings.RecordCallBack(r.Context(), p, r.PathValue("id"), c)
	return s.ratingTaskDone(w, r, "callback", err, "called_at", "reached", "account")
}

func (s *Site) ratingTaskVerify(w http.ResponseWriter, r *http.Request) error {
	p, err := ratingTaskForm(r)
	if err != nil {
		return err
	}
	_, err = s.cfg.Ratings.Verify(r.Context(), p, r.PathValue("id"), r.PostFormValue("findings"))
	return s.ratingTaskDone(w, r, "verify", err, "findings")
}

func (s *Site) ratingTaskRectify(w http.ResponseWriter, r *http.Request) error {
	p, err := ratingTaskForm(r)
	if err != nil {
		return err
	}
	_, err = s.cfg.Ratings.Rectify(r.Context(), p, r.PathValue("id"), r.PostFormValue("measures"))
	return s.ratingTaskDone(w, r, "rectify", err, "measures")
}

func (s *Site) ratingTaskClose(w http.ResponseWriter, r *http.Request) error {
	p, err := ratingTaskForm(r)
	if err != nil {
		return err
	}
	_, err = s.cfg.Ratings.Close(r.Context(), p, r.PathValue("id"), r.PostFormValue("note"))
	return s.ratingTaskDone(w, r, "close", err, "note")
}

func (s *Site) ratingTaskAppeal(w http.ResponseWriter, r *http.Request) error {
	p, err := ratingTaskForm(r)
	if err != nil {
		return err
	}
	t, err := s.cfg.Ratings.Task(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	_, err = s.cfg.Ratings.FileAppeal(r.Context(), p, t.RatingID, r.PostFormValue("reason"), r.PostFormValue("evidence"))
	return s.ratingTaskDone(w, r, "appeal", err, "reason", "evidence")
}

// ---- appeals ------------------------------------------------------------------------------

type ratingAppealsPage struct {
	basePage
	Appeals []ratingAppealView
	orgFilter
	CanDecide bool
	Status    string
	Statuses  []choice
	// Action is the appeal whose decision form is sent back with F.
	Action string
	F      form
	Done   string
}

func (s *Site) newRatingAppealsPage(w http.ResponseWriter, r *http.Request) (ratingAppealsPage, error) {
	p := principal.From(r.Context())
	b := s.newBase(w, r, "ratings.appeals.title")
	name, orgs, err := s.orgs.all(r, b.Lang)
	if err != nil {
		return ratingAppealsPage{}, err
	}
	page := ratingAppealsPage{basePage: b, orgFilter: pickOrg(r, orgs, ratings.SeesAllOrgs(p), ""),
		CanDecide: ratings.MayDecideAppeals(p), F: newForm(r)}
	q := r.URL.Query()
	f := ratings.AppealFilter{Org: page.Org}
	statuses := []ratings.AppealStatus{ratings.AppealPending, ratings.AppealUpheld, ratings.AppealRejected}
	for _, st := range statuses {
		page.Statuses = append(page.Statuses, choice{Value: string(st), Label: b.T(st.Key())})
		if q.Get("status") == string(st) {
			f.Status, page.Status = st, string(st)
		}
	}
	list, err := s.cfg.Ratings.Appeals(r.Context(), p, f)
	if err != nil {
		return ratingAppealsPage{}, err
	}
	for _, a := range list {
		page.Appeals = append(page.Appeals, newRatingAppealView(b, name, a))
	}
	switch q.Get("done") {
	case "upheld":
		page.Done = b.T("ratings.appeals.done_upheld")
	case "rejected":
		page.Done = b.T("ratings.appeals.done_rejected")
	}
	return page, nil
}

func (s *Site) ratingAppeals(w http.ResponseWriter, r *http.Request) error {
	if err := requireRatingOfficial(principal.From(r.Context())); err != nil {
		return err
	}
	page, err := s.newRatingAppealsPage(w, r)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "ratings/appeals", page)
}

func (s *Site) ratingAppealDecision(w http.ResponseWriter, r *http.Request) error {
	p, err := ratingTaskForm(r)
	if err != nil {
		return err
	}
	var uphold bool
	switch r.PostFormValue("decision") {
	case "uphold":
		uphold = true
	case "reject":
	default:
		err = errs.Field("decision", "ratings.appeals.error_decision")
	}
	if err == nil {
		_, err = s.cfg.Ratings.DecideAppeal(r.Context(), p, r.PathValue("id"), uphold, r.PostFormValue("note"))
	}
	if err == nil {
		done := "rejected"
		if uphold {
			done = "upheld"
		}
		seeOther(w, r, "/ratings/appeals?done="+done+"#appeal-"+url.PathEscape(r.PathValue("id")))
		return nil
	}
	status, ok := formStatus(err, errs.Forbidden)
	if !ok {
		return err
	}
	page, perr := s.newRatingAppealsPage(w, r)
	if perr != nil {
		return perr
	}
	page.basePage.rebase("/ratings/appeals")
	page.Action, page.F = r.PathValue("id"), newForm(r, "note")
	page.F.fail(page.Lang, err, nil)
	return s.render(w, status, "ratings/appeals", page)
}
