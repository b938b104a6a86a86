package api

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/license"
)

func init() {
	schemas["LicenceCopy"] = obj(map[string]any{
		"id": str("the copy's id"), "licence_id": str("the licence's GB/T 36904 identifier"),
		"reason": str("the stated reason of use (用证事由)"), "use_for": str("the organisation or use the copy is for"),
		"expires_at": str("RFC 3339: when the copy stops verifying"),
		"credential": str("the copy's signed form (YWA1.…), its QR code's content; verify it at POST /api/v1/licenses/verify"),
		"pdf_sha256": str("SHA-256 of its sealed PDF, once made"), "created_at": str("RFC 3339"),
		"revoked_at": str("RFC 3339, when the holder withdrew it"),
		"state": map[string]any{"type": "string", "enum": []string{string(license.StateValid), string(license.StateExpired),
			string(license.StateRevoked)}, "description": "the copy's own state (the licence's is another matter)"},
		"state_text": str("the state in the language asked for"),
	}, "id", "licence_id", "reason", "use_for", "expires_at", "credential", "state")
}

// maxCopyBody bounds a copy request's body: two lines of text and a date.
const maxCopyBody = 8 << 10

func (a *API) installLicenseCopies(srv *httpserver.Server) {
	if a.cfg.Licenses == nil {
		return
	}
	h := licenseAPI{svc: a.cfg.Licenses}
	const tag = "licences"
	id := param{Name: "id", In: "path", Required: true, Description: "the licence's GB/T 36904 identifier", Schema: map[string]any{"type": "string"}}
	cp := param{Name: "copy", In: "path", Required: true, Description: "the copy's id", Schema: map[string]any{"type": "string"}}
	a.route(srv, operation{Method: "POST", Path: "/api/v1/licenses/{id}/copies", ID: "annotateLicence", Tag: tag, Auth: true,
		Status: http.StatusCreated,
		Summary: "Make an annotated copy (加注件) of one of the caller's valid licences for one use: what it is for, the reason " +
			"(用证事由) and an expiry, at most " + strconv.Itoa(license.MaxCopyDays) + " days ahead and not after the licence's validity; " +
			"signed by this node. The holder only (404 to anyone else); 409 for a licence that is not valid",
		Params: []param{id},
		Body: obj(map[string]any{
			"reason":  map[string]any{"type": "string", "maxLength": 100, "description": "the stated reason of use, required"},
			"use_for": map[string]any{"type": "string", "maxLength": 100, "description": "the organisation or use it is for, required"},
			"expires_at": map[string]any{"type": "string", "description": "RFC 3339, or a date YYYY-MM-DD for the end of that " +
				"day in China; required"}}, "reason", "use_for", "expires_at"),
		Response: ref("LicenceCopy")}, h.annotate, httpserver.MaxBody(maxCopyBody))
	a.route(srv, operation{Method: "GET", Path: "/api/v1/licenses/{id}/copies", ID: "listLicenceCopies", Tag: tag, Auth: true,
		Summary: "The annotated copies of one of the caller's licences, newest first, each with its state; the holder only",
		Params:  []param{id}, Response: obj(map[string]any{"copies": arr(ref("LicenceCopy"))}, "copies")}, h.copies)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/licenses/copies/{copy}/revoke", ID: "revokeLicenceCopy", Tag: tag,
		Auth: true,
		Summary: "Withdraw one of the caller's annotated copies for good: online verification says revoked from then on " +
			"(an offline verifier cannot know). The holder only (404 to anyone else); 409 when withdrawn already",
		Params: []param{cp}, Response: ref("LicenceCopy")}, h.revokeCopy)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/licenses/copies/{copy}/pdf", ID: "getLicenceCopyPDF", Tag: tag, Auth: true,
		Summary: "The annotated copy's PDF: the licence's face with the annotation over it and the copy's signed form as its QR " +
			"code, sealed by the licence's issuer (made on the first download, the same file afterwards). The holder only; 409 " +
			"for a copy withdrawn or expired before its first download; 503 when the issuer has no seal that signs PDFs",
		Params:  []param{cp},
		Content: map[string]any{"application/pdf": map[string]any{"schema": map[string]any{"type": "string", "contentMediaType": "application/pdf"}}}},
		h.copyPDF)
}

// copyView is a copy as the API shows it.
type copyView struct {
	license.Copy
	State     license.State `json:"state"`
	StateText string        `json:"state_text"`
}

func (h licenseAPI) copyView(c license.Copy, lang i18n.Lang) copyView {
	st := h.svc.CopyState(c)
	return copyView{Copy: c, State: st, StateText: i18n.T(lang, "license.copies.state."+string(st))}
}

func (h licenseAPI) annotate(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	var in struct {
		Reason    string `json:"reason"`
		UseFor    string `json:"use_for"`
		ExpiresAt string `json:"expires_at"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	req := license.CopyRequest{Reason: in.Reason, UseFor: in.UseFor}
	switch s := strings.TrimSpace(in.ExpiresAt); {
	case s == "":
		return errs.Field("expires_at", "license.error.copy_expiry_required")
	case len(s) == len(time.DateOnly):
		if req.ExpiresAt, err = license.CopyExpiryOn(s); err != nil {
			return err
		}
	default:
		if req.ExpiresAt, err = time.Parse(time.RFC3339, s); err != nil {
			return errs.Field("expires_at", "license.error.copy_expiry_date")
		}
	}
	c, err := h.svc.Annotate(r.Context(), p, r.PathValue("id"), req)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, h.copyView(c, i18n.Negotiate(r)))
}

func (h licenseAPI) copies(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	list, err := h.svc.Copies(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	lang := i18n.Negotiate(r)
	out := make([]copyView, len(list))
	for i, c := range list {
		out[i] = h.copyView(c, lang)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"copies": out})
}

func (h licenseAPI) revokeCopy(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	c, err := h.svc.RevokeCopy(r.Context(), p, r.PathValue("copy"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, h.copyView(c, i18n.Negotiate(r)))
}

func (h licenseAPI) copyPDF(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	id := r.PathValue("copy")
	data, err := h.svc.CopyPDF(r.Context(), p, id)
	if err != nil {
		return err
	}
	return writePDF(w, "licence-copy.pdf", id, data)
}

// writePDF answers with a holder's PDF as a download named name, or id in UTF-8; never cached.
func writePDF(w http.ResponseWriter, name, id string, pdf []byte) error {
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"; filename*=UTF-8''`+url.PathEscape(id)+".pdf")
	_, err := w.Write(pdf)
	return err
}
