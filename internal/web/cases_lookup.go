package web

import (
	"net/http"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// The public lookup (/lookup): anyone holding a case's number and query code sees its status,
// item, organisation and dates, without signing in. The code travels in the body of a POST, never
// in a URL that logs and histories keep; a wrong code and an unknown number get the same answer.

type caseLookupPage struct {
	casesBase
	F      form
	Result *caseLookupResult
}

type caseLookupResult struct {
	Number, Name, OrgName, StatusLabel               string
	Submitted, Accepted, DueDate, Decided, Completed string
}

func (s *Site) lookupForm(w http.ResponseWriter, r *http.Request) error {
	page := caseLookupPage{casesBase: s.newCasesBase(w, r, "cases.lookup.title"), F: newForm(r)}
	if n := r.URL.Query().Get("number"); n != "" && len(n) <= 64 {
		page.F.Values.Set("number", n)
	}
	return s.render(w, http.StatusOK, "cases/lookup", page)
}

func (s *Site) lookup(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	page := caseLookupPage{casesBase: s.newCasesBase(w, r, "cases.lookup.title"), F: newForm(r, "number")}
	ps, err := s.cfg.Cases.Lookup(r.Context(), r.PostFormValue("number"), r.PostFormValue("code"))
	if errs.Is(err, errs.NotFound) {
		page.F.fail(page.Lang, errs.Field("code", "cases.error.lookup"), nil)
		return s.render(w, http.StatusNotFound, "cases/lookup", page)
	}
	if err != nil {
		return err
	}
	name, err := s.orgs.namer(r, page.Lang)
	if err != nil {
		return err
	}
	res := &caseLookupResult{Number: ps.Number, Name: page.name(ps.NameHans, ps.NameHant, ps.NameEn),
		StatusLabel: page.statusLabel(ps.Status, ps.Outcome), Submitted: civilPtr(ps.SubmittedAt), Accepted: civilPtr(ps.AcceptedAt),
		Decided: civilPtr(ps.DecidedAt), Completed: civilPtr(ps.CompletedAt)}
	if ps.HandlingOrg != "" {
		res.OrgName = name(ps.HandlingOrg)
	}
	if ps.DueDate != nil {
		res.DueDate = ps.DueDate.In(chinaTime).Format("2006-01-02")
	}
	page.Result = res
	return s.render(w, http.StatusOK, "cases/lookup", page)
}
