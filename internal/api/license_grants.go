package api

import (
	"net/http"

	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/license"
)

// Licence grants (授权调取): a holder authorises an organisation — of this node, or of an
// approved peer node by its credit code — to fetch a licence for a period
// (/api/v1/licenses/{id}/grants); the organisation's officials list what was granted to them
// and fetch it with a stated reason (/api/v1/work/…). The licence service decides who may.

func init() {
	schemas["LicenceGrant"] = obj(map[string]any{
		"id": str("the grant's id"), "licence_id": str("the licence's GB/T 36904 identifier"),
		"grantee_node": str("\"\" for an organisation of this node, else the peer node's province code"),
		"grantee_org":  str("the organisation's code on this node, or its credit code at the peer node"),
		"grantee_name": str("the organisation's name, or the peer node's name and the credit code"),
		"purpose":      str("the stated purpose"), "valid_from": str("RFC 3339"), "valid_until": str("RFC 3339"),
		"created_at": str("RFC 3339"), "revoked_at": str("RFC 3339, when the holder revoked it"),
		"active":         boolean("not revoked, and within its period now"),
		"licence_name":   str("what was granted (to the grantee's officials)"),
		"licence_number": str(""), "holder_name": str(""),
	}, "id", "licence_id", "grantee_node", "grantee_org", "grantee_name", "purpose", "valid_from", "valid_until", "active")
	schemas["LicenceFetched"] = obj(map[string]any{
		"licence": ref("LicenceShown"),
		"state": map[string]any{"type": "string", "enum": []string{string(license.StateValid), string(license.StateSuspended),
			string(license.StateRevoked), string(license.StateSuperseded), string(license.StateExpired)}},
		"state_text":  str("the state in the language asked for"),
		"credential":  str("the signed licence (YWC1.…), only when it is valid"),
		"disclosures": arr(str("the hidden claims' disclosures, which the credential's digests list; only when it is valid")),
		"grant_id":    str("the grant it was fetched under"), "fetched_at": str("RFC 3339"),
	}, "licence", "state", "state_text", "grant_id", "fetched_at")
}

// maxGrantBody bounds a grant or fetch request: a few lines of text.
const maxGrantBody = 8 << 10

func (a *API) installLicenseGrants(srv *httpserver.Server) {
	if a.cfg.Licenses == nil {
		return
	}
	h := licenseAPI{svc: a.cfg.Licenses}
	id := param{Name: "id", In: "path", Required: true, Description: "the licence's GB/T 36904 identifier", Schema: map[string]any{"type": "string"}}
	gr := param{Name: "grant", In: "path", Required: true, Description: "the grant's id", Schema: map[string]any{"type": "string"}}
	a.route(srv, operation{Method: "POST", Path: "/api/v1/licenses/{id}/grants", ID: "grantLicence", Tag: "licences", Auth: true,
		Status: http.StatusCreated,
		Summary: "Authorise an organisation to fetch one of the caller's valid licences during a period, for a stated purpose " +
			"(授权调取): an organisation of this node by its code, or one of an approved peer node by its credit code. The " +
			"holder only (404 to anyone else); at most a year, and not beyond the licence's validity",
		Params: []param{id},
		Body: obj(map[string]any{
			"grantee_node": str("omit or \"\" for this node; else an approved peer node's province code, e.g. 330000"),
			"grantee_org":  str("the organisation's code on this node, or its 18-character credit code at the peer node"),
			"purpose":      map[string]any{"type": "string", "maxLength": license.MaxGrantPurpose, "description": "required"},
			"valid_from":   str("RFC 3339 or YYYY-MM-DD (China time, from the day's start); now when omitted"),
			"valid_until":  str("RFC 3339 or YYYY-MM-DD (China time, to the day's end); required"),
		}, "grantee_org", "purpose", "valid_until"),
		Response: ref("LicenceGrant")}, h.grant, httpserver.MaxBody(maxGrantBody))
	a.route(srv, operation{Method: "GET", Path: "/api/v1/licenses/{id}/grants", ID: "listLicenceGrants", Tag: "licences", Auth: true,
		Summary: "The grants of one of the caller's licences, newest first, revoked and ended ones included (the holder " +
			"only; 404 to anyone else). Each fetch under them is among the licence's uses",
		Params: []param{id}, Response: obj(map[string]any{"grants": arr(ref("LicenceGrant"))}, "grants")}, h.grants)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/licenses/grants/{grant}/revoke", ID: "revokeLicenceGrant", Tag: "licences",
		Auth: true, Summary: "End a grant at once (the licence's holder only; 404 to anyone else, 409 when it was revoked before). " +
			"No body, or {}", Params: []param{gr}, Response: ref("LicenceGrant")}, h.revokeGrant)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/work/licence-grants", ID: "listGrantedLicences", Tag: "licences (officials)",
		Auth: true, Summary: "The grants to the caller's organisation that are not revoked and have not ended, those in force " +
			"first, with what was granted (officials)",
		Response: obj(map[string]any{"grants": arr(ref("LicenceGrant"))}, "grants")}, h.grantedTo)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/work/licenses/{id}/fetch", ID: "fetchGrantedLicence",
		Tag: "licences (officials)", Auth: true,
		Summary: "Fetch a licence under a grant in force to the caller's organisation, with a stated reason, recorded as a use " +
			"the holder sees and is told of. A valid licence comes with its credential and every hidden claim; one that is " +
			"not valid with its state and public metadata only. 403 without a grant in force, saying nothing of the licence",
		Params: []param{id}, Body: obj(map[string]any{"reason": map[string]any{"type": "string", "maxLength": license.MaxFetchReason,
			"description": "the stated reason, required"}}, "reason"),
		Response: ref("LicenceFetched")}, h.fetch, httpserver.MaxBody(maxGrantBody))
}

func (h licenseAPI) grant(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	var in struct {
		GranteeNode string `json:"grantee_node"`
		GranteeOrg  string `json:"grantee_org"`
		Purpose     string `json:"purpose"`
		ValidFrom   string `json:"valid_from"`
		ValidUntil  string `json:"valid_until"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	req := license.GrantRequest{GranteeNode: in.GranteeNode, GranteeOrg: in.GranteeOrg, Purpose: in.Purpose}
	if req.ValidFrom, err = license.GrantTime(in.ValidFrom, "valid_from", false); err != nil {
		return err
	}
	if req.ValidUntil, err = license.GrantTime(in.ValidUntil, "valid_until", true); err != nil {
		return err
	}
	g, err := h.svc.Grant(r.Context(), p, r.PathValue("id"), req)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, g)
}

func (h licenseAPI) grants(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	list, err := h.svc.Grants(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"grants": list})
}

func (h licenseAPI) revokeGrant(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	if err := emptyBody(r); err != nil {
		return err
	}
	g, err := h.svc.RevokeGrant(r.Context(), p, r.PathValue("grant"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, g)
}

func (h licenseAPI) grantedTo(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	list, err := h.svc.GrantedTo(r.Context(), p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"grants": list})
}

func (h licenseAPI) fetch(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	f, err := h.svc.Fetch(r.Context(), p, r.PathValue("id"), in.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, struct {
		license.Fetched
		StateText string `json:"state_text"`
	}{f, i18n.T(i18n.Negotiate(r), "license.state."+string(f.State))})
}
