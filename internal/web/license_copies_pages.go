package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/license"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// Annotated copies (加注件). On the wallet's licence page the holder makes a copy of a valid
// licence for one use — what it is for, the reason (用证事由), a last day — sees every copy with
// its state, downloads its sealed PDF and withdraws it (/my/licenses/{id}/copies,
// /my/licenses/copies/{copy}/…). The licence service checks every step; a copy of a licence
// someone does not hold is not found.

// copyFormBytes bounds a posted copy form.
const copyFormBytes = 8 << 10

// installLicenseCopies registers the copies' routes (from installLicense).
func (s *Site) installLicenseCopies(srv *httpserver.Server) {
	srv.Handle("POST /my/licenses/{id}/copies", s.walletCopy, httpserver.MaxBody(copyFormBytes))
	srv.Handle("POST /my/licenses/copies/{copy}/revoke", s.walletRevokeCopy, httpserver.MaxBody(copyFormBytes))
	srv.Handle("GET /my/licenses/copies/{copy}/pdf", s.walletCopyPDF)
}

// copiesSection is the holder's copies of a licence and the form to make one.
type copiesSection struct {
	Rows []copyRow
	F    form
	// Done says what was just done, for the notice.
	Done string
	// MinDate and MaxDate bound the date input; MaxDays is the longest a copy lives.
	MinDate, MaxDate string
	MaxDays          int
}

type copyRow struct {
	ID, UseFor, Reason, Made, Until string
	// State is the copy's own: "valid", "expired" or "revoked".
	State, StateLabel string
	Revocable         bool
}

// copiesSection reads the holder's copies of licence l with an empty form.
func (s *Site) copiesSection(r *http.Request, b basePage, p principal.Principal, l license.Licence) (*copiesSection, error) {
	list, err := s.cfg.Licenses.Copies(r.Context(), p, l.ID)
	if err != nil {
		return nil, err
	}
	sec := &copiesSection{F: form{Values: url.Values{}, Errors: map[string]string{}}, MaxDays: license.MaxCopyDays}
	sec.MinDate, sec.MaxDate = s.cfg.Licenses.CopyDays(l)
	switch q := r.URL.Query(); {
	case q.Get("copied") == "1":
		sec.Done = b.T("license.copies.made")
	case q.Get("withdrawn") == "1":
		sec.Done = b.T("license.copies.revoked_notice")
	}
	for _, c := range list {
		st := s.cfg.Licenses.CopyState(c)
		sec.Rows = append(sec.Rows, copyRow{ID: c.ID, UseFor: c.UseFor, Reason: c.Reason, Made: civil(c.CreatedAt),
			Until: c.ExpiresAt.In(chinaTime).Format(time.DateOnly), State: string(st),
			StateLabel: b.T("license.copies.state." + string(st)), Revocable: st == license.StateValid})
	}
	return sec, nil
}

// walletCopy makes a copy from the licence page's form; a mistake comes back beside its field.
func (s *Site) walletCopy(w http.ResponseWriter, r *http.Request) error {
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
	if data.Copies == nil {
		return errs.E(errs.NotFound, "license.error.not_found") // the issuer's officials read it; only the holder copies
	}
	f := newForm(r, "use_for", "reason", "expires_at")
	req := license.CopyRequest{UseFor: f.V("use_for"), Reason: f.V("reason")}
	if f.V("expires_at") == "" {
		err = errs.Field("expires_at", "license.error.copy_expiry_required")
	} else {
		req.ExpiresAt, err = license.CopyExpiryOn(f.V("expires_at"))
	}
	if err == nil {
		_, err = s.cfg.Licenses.Annotate(r.Context(), p, data.L.ID, req)
	}
	if err != nil {
		status, ok := formStatus(err)
		if !ok {
			return err
		}
		f.fail(data.Lang, err, nil)
		data.Copies.F = f
		return s.render(w, status, "license/licence", data)
	}
	http.Redirect(w, r, data.Href+"?copied=1#copies", http.StatusSeeOther)
	return nil
}

// walletRevokeCopy withdraws a copy and goes back to its licence's page.
func (s *Site) walletRevokeCopy(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireSignedIn(p); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	c, err := s.cfg.Licenses.RevokeCopy(r.Context(), p, r.PathValue("copy"))
	if err != nil {
		return err
	}
	http.Redirect(w, r, license.WalletLink(c.LicenceID)+"?withdrawn=1#copies", http.StatusSeeOther)
	return nil
}

func (s *Site) walletCopyPDF(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireSignedIn(p); err != nil {
		return err
	}
	id := r.PathValue("copy")
	pdf, err := s.cfg.Licenses.CopyPDF(r.Context(), p, id)
	if err != nil {
		return err
	}
	return writePDF(w, "licence-copy.pdf", id, pdf)
}

// writePDF answers with a holder's PDF as a download named name, or id in UTF-8; never cached.
func writePDF(w http.ResponseWriter, name, id string, pdf []byte) error {
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"; filename*=UTF-8''`+urlPathEscape(id)+".pdf")
	w.Header().Set("Content-Length", strconv.Itoa(len(pdf)))
	_, err := w.Write(pdf)
	return err
}
