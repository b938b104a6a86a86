package web

import (
	"net/http"
	"sort"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

type planSummary struct {
	Title                     string
	Items, Completed, Overdue int
}

type homePage struct {
	basePage
	Plan *planSummary
}

func (s *Site) home(w http.ResponseWriter, r *http.Request) error {
	p := homePage{basePage: s.newBase(w, r, "home.page_title")}
	if a, err := s.cfg.Plan.Assess(r.Context(), 0); err == nil {
		p.Plan = &planSummary{Title: a.Document.Title, Items: a.Totals.Items, Completed: a.Totals.Completed, Overdue: a.Totals.Overdue}
	} else if !errs.Is(err, errs.NotFound) {
		return err
	}
	return s.render(w, http.StatusOK, "home", p)
}

type orgRow struct {
	Code, Name, Kind, Region string
}

type orgsPage struct {
	basePage
	Orgs []orgRow
}

func (s *Site) orgList(w http.ResponseWriter, r *http.Request) error {
	p := orgsPage{basePage: s.newBase(w, r, "orgs.title")}
	list, err := org.List(r.Context(), s.cfg.DB)
	if err != nil {
		return err
	}
	for _, o := range list {
		region := o.RegionCode
		if n, ok := idcode.RegionName(o.RegionCode, string(p.Lang)); ok {
			region = n + " (" + o.RegionCode + ")"
		}
		p.Orgs = append(p.Orgs, orgRow{Code: o.Code, Name: o.Name(string(p.Lang)), Kind: p.T("org.kind." + string(o.Kind)), Region: region})
	}
	sort.SliceStable(p.Orgs, func(i, j int) bool { return p.Orgs[i].Kind < p.Orgs[j].Kind })
	return s.render(w, http.StatusOK, "orgs", p)
}

// largeType switches the large-type mode, remembered for a year in a cookie.
func (s *Site) largeType(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errs.Wrapf(errs.Invalid, err, "error.invalid")
	}
	v := "0"
	if r.PostFormValue("on") == "1" {
		v = "1"
	}
	http.SetCookie(w, &http.Cookie{Name: largeTypeCookie, Value: v, Path: "/", MaxAge: 365 * 24 * 3600,
		Secure: s.cfg.Secure || r.TLS != nil, SameSite: http.SameSiteLaxMode, HttpOnly: true})
	http.Redirect(w, r, safeNext(r.PostFormValue("back")), http.StatusSeeOther)
	return nil
}

// requireOfficial returns errs.Unauthenticated for the public and errs.Forbidden for
// non-officials; pages call it before officials-only work.
func requireOfficial(p principal.Principal) error {
	if !p.Authenticated() {
		return errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	if p.Kind != principal.Official {
		return errs.E(errs.Forbidden, "plan.error.officials_only")
	}
	return nil
}
