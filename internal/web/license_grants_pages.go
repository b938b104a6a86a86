package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/license"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// Licence grants (授权调取). On the wallet's licence page the holder authorises an organisation
// — of this province, chosen from the list, or of an approved peer province by its credit code —
// to fetch the licence for a purpose and a period, sees every grant and revokes it
// (/my/licenses/{id}/grants…). The grantee's officials list what was granted to their
// organisation and fetch it with a stated reason (/work/licenses/granted,
// /work/licenses/{id}/fetch), and see what they fetched. The licence service checks every step.

func init() {
	licensePageNames = append(licensePageNames, "license/granted")
}

// grantFormBytes bounds a posted grant or fetch form.
const grantFormBytes = 16 << 10

// installLicenseGrants registers the grants' pages (from installLicense).
func (s *Site) installLicenseGrants(srv *httpserver.Server) {
	srv.Handle("POST /my/licenses/{id}/grants", s.walletGrant, httpserver.MaxBody(grantFormBytes))
	srv.Handle("POST /my/licenses/{id}/grants/{grant}/revoke", s.walletRevokeGrant, httpserver.MaxBody(grantFormBytes))
	srv.Handle("GET /work/licenses/granted", s.grantedLicences)
	srv.Handle("POST /work/licenses/{id}/fetch", s.fetchLicence, httpserver.MaxBody(grantFormBytes))
}

// grantsSection is the holder's grants of a licence and the form to make one.
type grantsSection struct {
	Rows []grantRow
	// Orgs are this province's organisations and Nodes the approved peer nodes to choose from.
	Orgs  []choice
	Nodes []choice
	F     form
	// Done says what was just done, for the notice.
	Done string
	// MinDate and MaxDate bound the date inputs (today, a year ahead).
	MinDate, MaxDate string
}

type grantRow struct {
	ID, Grantee, Purpose, From, Until, CreatedAt, RevokedAt string
	// State is "active", "pending" (not yet in force), "ended" or "revoked".
	State, StateLabel string
	Revocable         bool
}

// grantState says where grant g stands at now.
func grantState(g license.Grant, now time.Time) string {
	switch {
	case g.RevokedAt != nil:
		return "revoked"
	case g.Active:
		return "active"
	case now.Before(g.ValidFrom):
		return "pending"
	}
	return "ended"
}

// grantTime shows a grant's start or end to the minute in China time.
func grantTime(t time.Time) string { return t.In(chinaTime).Format("2006-01-02 15:04") }

// grantsSection reads the holder's grants of licence id with an empty form.
func (s *Site) grantsSection(r *http.Request, b basePage, p principal.Principal, id string) (*grantsSection, error) {
	ctx := r.Context()
	list, err := s.cfg.Licenses.Grants(ctx, p, id)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	sec := &grantsSection{F: form{Values: url.Values{}, Errors: map[string]string{}},
		MinDate: now.In(chinaTime).Format("2006-01-02"), MaxDate: now.AddDate(1, 0, -1).In(chinaTime).Format("2006-01-02")}
	switch q := r.URL.Query(); {
	case q.Get("granted") == "1":
		sec.Done = b.T("license.grants.done_granted")
	case q.Get("revoked") == "1":
		sec.Done = b.T("license.grants.done_revoked")
	}
	for _, g := range list {
		st := grantState(g, now)
		row := grantRow{ID: g.ID, Grantee: g.GranteeName, Purpose: g.Purpose, From: grantTime(g.ValidFrom),
			Until: grantTime(g.ValidUntil), CreatedAt: civil(g.CreatedAt), State: st,
			StateLabel: b.T("license.grants.state." + st), Revocable: st == "active" || st == "pending"}
		if g.RevokedAt != nil {
			row.RevokedAt = civil(*g.RevokedAt)
		}
		sec.Rows = append(sec.Rows, row)
	}
	_, orgs, err := s.orgs.all(r, b.Lang)
	if err != nil {
		return nil, err
	}
	for _, o := range orgs {
		sec.Orgs = append(sec.Orgs, choice{Value: o.Code, Label: o.Name})
	}
	nodes, err := s.cfg.Licenses.GrantNodes(ctx)
	if err != nil {
		return nil, err
	}
	for _, n := range nodes {
		sec.Nodes = append(sec.Nodes, choice{Value: n.Code, Label: n.Name})
	}
	return sec, nil
}

// walletGrant makes a grant from the licence page's form; a mistake comes back beside its field.
func (s *Site) walletGrant(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireSignedIn(p); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	data, err := s.licencePageData(w, r, p)
	if err != nil {
		return err
	}
	if data.Grants == nil {
		return errs.E(errs.NotFound, "license.error.not_found") // the issuer's officials read it; only the holder grants
	}
	f := newForm(r, "grantee_node", "grantee_org", "credit_code", "purpose", "valid_from", "valid_until")
	req := license.GrantRequest{GranteeNode: f.V("grantee_node"), GranteeOrg: f.V("grantee_org"), Purpose: f.V("purpose")}
	rename := map[string]string{}
	if req.GranteeNode != "" {
		req.GranteeOrg = f.V("credit_code")
		rename["grantee_org"] = "credit_code"
	}
	req.ValidFrom, err = license.GrantTime(f.V("valid_from"), "valid_from", false)
	if err == nil {
		req.ValidUntil, err = license.GrantTime(f.V("valid_until"), "valid_until", true)
	}
	if err == nil {
		_, err = s.cfg.Licenses.Grant(r.Context(), p, data.L.ID, req)
	}
	if err != nil {
		status, ok := formStatus(err)
		if !ok {
			return err
		}
		f.fail(data.Lang, err, rename)
		data.Grants.F = f
		return s.render(w, status, "license/licence", data)
	}
	http.Redirect(w, r, data.Href+"?granted=1#grants", http.StatusSeeOther)
	return nil
}

// walletRevokeGrant revokes one of the licence's grants and goes back to the licence page.
func (s *Site) walletRevokeGrant(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireSignedIn(p); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	id := r.PathValue("id")
	list, err := s.cfg.Licenses.Grants(r.Context(), p, id)
	if err != nil {
		return err
	}
	found := false
	for _, g := range list {
		found = found || g.ID == r.PathValue("grant")
	}
	if !found { // a grant of another licence is not revoked from this one's page
		return errs.E(errs.NotFound, "license.grant.error.not_found")
	}
	if _, err := s.cfg.Licenses.RevokeGrant(r.Context(), p, r.PathValue("grant")); err != nil {
		return err
	}
	http.Redirect(w, r, license.WalletLink(id)+"?revoked=1#grants", http.StatusSeeOther)
	return nil
}

// ---- the grantee's officials -----------------------------------------------------------------

type grantedPage struct {
	basePage
	Rows []grantedRow
	// Fetched is what the last fetch answered, if any.
	Fetched *fetchedView
}

type grantedRow struct {
	LicenceID, Name, Number, Holder, Purpose, From, Until string
	Active                                                bool
	// F is the row's fetch form.
	F form
}

type fetchedView struct {
	ID, Name, Number, Issuer, Validity string
	State, StateLabel, Reason          string
	Disclosed                          []labelled
	Credential, FetchedAt              string
}

// grantedPageData reads the grants to official p's organisation.
func (s *Site) grantedPageData(w http.ResponseWriter, r *http.Request, p principal.Principal) (grantedPage, error) {
	b := s.newBase(w, r, "license.granted.title")
	list, err := s.cfg.Licenses.GrantedTo(r.Context(), p)
	if err != nil {
		return grantedPage{}, err
	}
	page := grantedPage{basePage: b}
	for _, g := range list {
		page.Rows = append(page.Rows, grantedRow{LicenceID: g.LicenceID, Name: g.LicenceName, Number: g.LicenceNumber,
			Holder: g.HolderName, Purpose: g.Purpose, From: grantTime(g.ValidFrom), Until: grantTime(g.ValidUntil), Active: g.Active,
			F: form{Values: url.Values{}, Errors: map[string]string{}}})
	}
	return page, nil
}

func (s *Site) grantedLicences(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireLicenseOfficial(p); err != nil {
		return err
	}
	page, err := s.grantedPageData(w, r, p)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "license/granted", page)
}

// fetchLicence fetches a granted licence with the reason typed and shows it above the list; a
// missing reason comes back beside the row's field.
func (s *Site) fetchLicence(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireLicenseOfficial(p); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	page, err := s.grantedPageData(w, r, p)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	f, err := s.cfg.Licenses.Fetch(r.Context(), p, id, r.PostFormValue("reason"))
	if err != nil {
		status, ok := formStatus(err)
		if !ok {
			return err
		}
		for i := range page.Rows {
			if page.Rows[i].LicenceID == id {
				page.Rows[i].F = newForm(r, "reason")
				page.Rows[i].F.fail(page.Lang, err, nil)
			}
		}
		return s.render(w, status, "license/granted", page)
	}
	b := page.basePage
	v := &fetchedView{ID: f.Licence.ID, Name: f.Licence.TypeName, Number: f.Licence.Number, Issuer: f.Licence.Issuer,
		Validity: f.Licence.ValidFrom + " – " + validUntil(b, f.Licence.ValidUntil), State: string(f.State),
		StateLabel: b.T("license.state." + string(f.State)), Reason: b.T("license.reason." + string(f.State)),
		Credential: f.Credential, FetchedAt: civil(f.FetchedAt)}
	if len(f.Licence.Disclosed) > 0 {
		t, _ := s.cfg.Licenses.Published(r.Context(), f.Licence.TypeCode)
		for _, k := range license.Disclosable(license.Licence{Face: f.Licence.Disclosed}, t) {
			if val, ok := f.Licence.Disclosed[k]; ok {
				v.Disclosed = append(v.Disclosed, labelled{Key: k, Label: claimLabel(b, t, k), Value: val})
			}
		}
	}
	page.Fetched = v
	return s.render(w, http.StatusOK, "license/granted", page)
}
