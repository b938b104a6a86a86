package api

import (
	"net/http"
	"strconv"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/license"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// The officials' side of electronic licences: licence types kept by organisations and
// published by the digital office (/api/v1/work/license-types), and the licences an
// organisation issued, with issuing and status changes by its approvers (/api/v1/work/licenses).
// The licence service decides who may do what.

func init() {
	strEnum := func(desc string, values ...string) map[string]any {
		return map[string]any{"type": "string", "enum": values, "description": desc}
	}
	var levels []string
	for _, l := range license.Levels {
		levels = append(levels, string(l))
	}
	typeStatuses := []string{string(license.TypeDraft), string(license.TypeSubmitted), string(license.TypeReturned),
		string(license.TypePublished), string(license.TypeSuperseded)}
	var statuses []string
	for _, s := range license.Statuses {
		statuses = append(statuses, string(s))
	}
	schemas["LicenceType"] = obj(map[string]any{
		"code":    str("21 characters: the defining authority's credit code and 3 digits; stable across versions"),
		"version": integer("set by the service"), "status": strEnum("set by the service", typeStatuses...),
		"org":       str("the organisation that keeps the type; the caller's own when omitted"),
		"name_hans": str(""), "name_hant": str(""), "name_en": str(""),
		"authority_name":  str("the defining authority (定义机构)"),
		"authority_code":  str("its credit code: the type code's first 18 characters (filled in when omitted)"),
		"authority_level": strEnum("", levels...), "issuer_level": strEnum("the level of the organisations that issue it", levels...),
		"holder_category":     strEnum("", string(license.HolderPerson), string(license.HolderEnterprise), string(license.HolderBoth)),
		"min_validity_months": integer("0–1200; 0 and 0: no end"), "max_validity_months": integer("0–1200"),
		"linked_items": map[string]any{"type": "array", "items": str("implementation code of a service item whose approval issues it")},
		"fields": arr(obj(map[string]any{
			"key":       str("lower-case letters, digits and underscores, starting with a letter"),
			"name_hans": str(""), "name_hant": str(""), "name_en": str(""),
			"kind":     strEnum("", string(license.FieldText), string(license.FieldArea), string(license.FieldDate)),
			"required": boolean(""), "max_len": integer("0: 200, or 2,000 for an area; at most 5,000"),
		}, "key", "name_hans", "name_hant", "name_en", "kind")),
		"created_at": str("RFC 3339"), "updated_at": str("RFC 3339"), "decided_at": str("RFC 3339"), "return_reason": str(""),
	}, "code", "name_hans", "name_hant", "name_en", "authority_name", "authority_level", "issuer_level", "holder_category", "fields")
	schemas["IssuedLicence"] = obj(map[string]any{
		"id": str("GB/T 36904 identifier"), "type_code": str(""), "type_version": integer(""), "serial": str(""),
		"version": str("001, 002… after changes"), "number": str("licence number printed on it"), "name": str("the type's name"),
		"issuer_org": str(""), "issuer_code": str("issuer's credit code"), "issuer_name": str(""),
		"holder_name": str(""), "holder_code": str(""), "holder_code_type": strEnum("111 resident ID, 001 credit code",
			license.HolderCodeResidentID, license.HolderCodeCreditCode),
		"jurisdiction": str("GB/T 2260 region code"), "linked_item": str(""), "case_id": str(""),
		"issued_on": str("YYYY-MM-DD"), "valid_from": str("YYYY-MM-DD"), "valid_until": str("YYYY-MM-DD; absent: no end"),
		"status": strEnum("its own status; read expiry from valid_until", statuses...), "status_reason": str(""),
		"status_at": str("RFC 3339"), "face": map[string]any{"type": "object", "additionalProperties": str(""), "description": "face data by field key"},
		"credential": str("the signed credential"), "key_id": str("the key that signed it"), "supersedes": str("the version a change replaced"),
		"history": arr(obj(map[string]any{"at": str("RFC 3339"), "kind": str("issued, changed, suspended, reinstated, revoked, expired"),
			"reason": str(""), "ledger_index": integer("the ledger entry of the step")})),
		"uses": arr(obj(map[string]any{"at": str("RFC 3339"), "kind": str(""), "by_node": str(""), "by_org": str(""),
			"purpose": str("用证事由")})),
	})
	schemas["LicenceIssueRequest"] = obj(map[string]any{
		"type_code": str("a published licence type"), "holder_name": str(""), "holder_code": str("resident ID number or credit code"),
		"holder_code_type": strEnum("", license.HolderCodeResidentID, license.HolderCodeCreditCode),
		"jurisdiction":     str("GB/T 2260 region; the issuer's when omitted"), "number": str("the issuer's serial when omitted"),
		"valid_from": str("YYYY-MM-DD; today when omitted"), "valid_until": str("YYYY-MM-DD; the type's longest validity when omitted"),
		"face": map[string]any{"type": "object", "additionalProperties": str(""), "description": "face data by the type's field keys"},
	}, "type_code", "holder_name", "holder_code", "holder_code_type", "face")
}

// licenseWorkAPI serves licence types and an organisation's licences to officials.
type licenseWorkAPI struct {
	lic *license.Service
}

// maxLicenseWorkBody bounds a type or an issue request: sixty fields of three names.
const maxLicenseWorkBody = 256 << 10

// installLicenseWork registers the officials' licence routes.
func (a *API) installLicenseWork(srv *httpserver.Server) {
	if a.cfg.Licenses == nil {
		return
	}
	h := licenseWorkAPI{lic: a.cfg.Licenses}
	const tag = "licences (officials)"
	code := param{Name: "code", In: "path", Required: true, Description: "the licence type's code", Schema: map[string]any{"type": "string"}}
	id := param{Name: "id", In: "path", Required: true, Description: "the licence's GB/T 36904 identifier", Schema: map[string]any{"type": "string"}}
	q := func(name, desc string) param {
		return param{Name: name, In: "query", Description: desc, Schema: map[string]any{"type": "string"}}
	}
	reason := obj(map[string]any{"reason": str("at most 500 characters")}, "reason")
	types := "/api/v1/work/license-types"
	a.route(srv, operation{Method: "GET", Path: types, ID: "listLicenceTypes", Tag: tag, Auth: true,
		Summary: "An organisation's licence types, the latest version of each (its officials; the digital office's for any or, " +
			"without org, all)", Params: []param{q("org", "organisation code; the caller's own when omitted")},
		Response: arr(ref("LicenceType"))}, h.types)
	a.route(srv, operation{Method: "POST", Path: types, ID: "saveLicenceType", Tag: tag, Auth: true,
		Summary: "Save a licence type as a draft: the first version, the open draft, or a new version after a published or " +
			"returned one (the organisation's administrators). A submitted version cannot change",
		Body: ref("LicenceType"), Response: ref("LicenceType")}, h.save, httpserver.MaxBody(maxLicenseWorkBody))
	a.route(srv, operation{Method: "GET", Path: types + "/{code}", ID: "getLicenceType", Tag: tag, Auth: true,
		Summary: "The latest version of a licence type, drafts included (its organisation's officials and the digital office's)",
		Params:  []param{code}, Response: ref("LicenceType")}, h.typ)
	a.route(srv, operation{Method: "GET", Path: types + "/{code}/versions", ID: "listLicenceTypeVersions", Tag: tag, Auth: true,
		Summary: "Every version of a licence type, newest first (as getLicenceType)", Params: []param{code},
		Response: arr(ref("LicenceType"))}, h.versions)
	a.route(srv, operation{Method: "POST", Path: types + "/{code}/submit", ID: "submitLicenceType", Tag: tag, Auth: true,
		Summary: "Submit the draft for review (the organisation's administrators). No body, or {}", Params: []param{code},
		Response: ref("LicenceType")}, h.submit)
	a.route(srv, operation{Method: "POST", Path: types + "/{code}/publish", ID: "publishLicenceType", Tag: tag, Auth: true,
		Summary: "Publish the submitted version; the one published before is kept, superseded (the digital office's " +
			"administrators). No body, or {}", Params: []param{code}, Response: ref("LicenceType")}, h.publish)
	a.route(srv, operation{Method: "POST", Path: types + "/{code}/return", ID: "returnLicenceType", Tag: tag, Auth: true,
		Summary: "Return the submitted version to its organisation with a reason (the digital office's administrators)",
		Params:  []param{code}, Body: reason, Response: ref("LicenceType")}, h.returnType)
	lics := "/api/v1/work/licenses"
	a.route(srv, operation{Method: "GET", Path: lics, ID: "listIssuedLicences", Tag: tag, Auth: true,
		Summary: "The licences the caller's organisation issued, newest first, every version (its officials)",
		Params: []param{q("type", "licence type code"), q("status", "valid, suspended, revoked or superseded"),
			q("holder", "holder's code"), q("limit", "1–200, 50 when omitted"), q("offset", "from 0")},
		Response: arr(ref("IssuedLicence"))}, h.list)
	a.route(srv, operation{Method: "POST", Path: lics, ID: "issueLicence", Tag: tag, Auth: true, Status: http.StatusCreated,
		Summary: "Issue a licence of a published type, signed with the organisation's licence key (its approvers)",
		Body:    ref("LicenceIssueRequest"), Response: ref("IssuedLicence")}, h.issue, httpserver.MaxBody(maxLicenseWorkBody))
	a.route(srv, operation{Method: "GET", Path: lics + "/{id}", ID: "getIssuedLicence", Tag: tag, Auth: true,
		Summary: "A licence the caller's organisation issued, with its history and uses (its officials)", Params: []param{id},
		Response: ref("IssuedLicence")}, h.get)
	a.route(srv, operation{Method: "POST", Path: lics + "/{id}/suspend", ID: "suspendLicence", Tag: tag, Auth: true,
		Summary: "Suspend a valid licence until it is reinstated (the issuing organisation's approvers)", Params: []param{id},
		Body: reason, Response: ref("IssuedLicence")}, h.status("suspend"))
	a.route(srv, operation{Method: "POST", Path: lics + "/{id}/reinstate", ID: "reinstateLicence", Tag: tag, Auth: true,
		Summary: "Make a suspended licence valid again (the issuing organisation's approvers)", Params: []param{id},
		Body: reason, Response: ref("IssuedLicence")}, h.status("reinstate"))
	a.route(srv, operation{Method: "POST", Path: lics + "/{id}/revoke", ID: "revokeLicence", Tag: tag, Auth: true,
		Summary: "Revoke a valid or suspended licence for good (the issuing organisation's approvers); final must be true",
		Params:  []param{id}, Body: obj(map[string]any{"reason": str("at most 500 characters"),
			"final": boolean("confirms that the revocation cannot be undone")}, "reason", "final"),
		Response: ref("IssuedLicence")}, h.status("revoke"))
	a.route(srv, operation{Method: "POST", Path: lics + "/{id}/change", ID: "changeLicence", Tag: tag, Auth: true,
		Summary: "Issue the next version of a valid licence with changed content, under a new identifier; the licence " +
			"before is superseded (the issuing organisation's approvers)", Params: []param{id},
		Body: obj(map[string]any{"reason": str(""), "holder_name": str("the holder's new name"),
			"valid_until": str("YYYY-MM-DD within the type's range"),
			"face":        map[string]any{"type": "object", "additionalProperties": str(""), "description": "the whole new face data"}}, "reason"),
		Status: http.StatusCreated, Response: ref("IssuedLicence")}, h.change, httpserver.MaxBody(maxLicenseWorkBody))
}

func (h licenseWorkAPI) types(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	orgCode := r.URL.Query().Get("org")
	if orgCode == "" && p.OrgCode != org.DigitalOffice {
		orgCode = p.OrgCode // "" for residents: the service refuses them
		if orgCode == "" {
			return errs.E(errs.Forbidden, "license.error.types_forbidden")
		}
	}
	list, err := h.lic.Types(r.Context(), p, orgCode)
	if err != nil {
		return err
	}
	if list == nil {
		list = []license.Type{}
	}
	return writeJSON(w, http.StatusOK, list)
}

func (h licenseWorkAPI) save(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	var t license.Type
	if err := decode(r, &t); err != nil {
		return err
	}
	if t.Org == "" {
		t.Org = p.OrgCode
	}
	saved, err := h.lic.SaveType(r.Context(), p, t)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, saved)
}

func (h licenseWorkAPI) typ(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	list, err := h.lic.TypeVersions(r.Context(), p, r.PathValue("code"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[0])
}

func (h licenseWorkAPI) versions(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	list, err := h.lic.TypeVersions(r.Context(), p, r.PathValue("code"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list)
}

func (h licenseWorkAPI) submit(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	if err := emptyBody(r); err != nil {
		return err
	}
	t, err := h.lic.SubmitType(r.Context(), p, r.PathValue("code"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, t)
}

func (h licenseWorkAPI) publish(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	if err := emptyBody(r); err != nil {
		return err
	}
	t, err := h.lic.PublishType(r.Context(), p, r.PathValue("code"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, t)
}

func (h licenseWorkAPI) returnType(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	var body struct {
		Reason string `json:"reason"`
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	t, err := h.lic.ReturnType(r.Context(), p, r.PathValue("code"), body.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, t)
}

// issuedLicence is a licence as its issuer's officials read it: with its history and uses.
type issuedLicence struct {
	license.Licence
	History []license.History `json:"history"`
	Uses    []license.Use     `json:"uses"`
}

func (h licenseWorkAPI) list(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	v := r.URL.Query()
	f := license.IssuedFilter{TypeCode: v.Get("type"), Status: license.Status(v.Get("status")), HolderCode: v.Get("holder")}
	if s := v.Get("limit"); s != "" {
		if f.Limit, err = strconv.Atoi(s); err != nil {
			return errs.Field("limit", "license.error.limit", license.MaxIssuedPage)
		}
	}
	if s := v.Get("offset"); s != "" {
		if f.Offset, err = strconv.Atoi(s); err != nil {
			return errs.Field("offset", "license.error.offset")
		}
	}
	list, err := h.lic.Issued(r.Context(), p, f)
	if err != nil {
		return err
	}
	out := make([]issuedLicence, 0, len(list))
	for _, l := range list {
		out = append(out, issuedLicence{Licence: l, History: []license.History{}, Uses: []license.Use{}})
	}
	return writeJSON(w, http.StatusOK, out)
}

// issued reads licence id for its issuer's officials: errs.NotFound for anyone else, the holder
// too (the holder reads it under /api/v1/licenses).
func (h licenseWorkAPI) issued(r *http.Request, id string) (issuedLicence, error) {
	p := principal.From(r.Context())
	l, err := h.lic.Get(r.Context(), p, id)
	if err != nil {
		return issuedLicence{}, err
	}
	if !p.IsOfficial(l.IssuerOrg) || p.OrgCode == "" {
		return issuedLicence{}, errs.E(errs.NotFound, "license.error.not_found")
	}
	out := issuedLicence{Licence: l}
	if out.History, err = h.lic.History(r.Context(), p, id); err != nil {
		return issuedLicence{}, err
	}
	if out.Uses, err = h.lic.IssuerUses(r.Context(), p, id); err != nil {
		return issuedLicence{}, err
	}
	if out.History == nil {
		out.History = []license.History{}
	}
	if out.Uses == nil {
		out.Uses = []license.Use{}
	}
	return out, nil
}

func (h licenseWorkAPI) get(w http.ResponseWriter, r *http.Request) error {
	if _, err := authenticated(r); err != nil {
		return err
	}
	l, err := h.issued(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, l)
}

func (h licenseWorkAPI) issue(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	var body struct {
		TypeCode       string            `json:"type_code"`
		HolderName     string            `json:"holder_name"`
		HolderCode     string            `json:"holder_code"`
		HolderCodeType string            `json:"holder_code_type"`
		Jurisdiction   string            `json:"jurisdiction"`
		Number         string            `json:"number"`
		ValidFrom      string            `json:"valid_from"`
		ValidUntil     string            `json:"valid_until"`
		Face           map[string]string `json:"face"`
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	l, err := h.lic.Issue(r.Context(), p, license.IssueRequest{TypeCode: body.TypeCode, HolderName: body.HolderName,
		HolderCode: body.HolderCode, HolderCodeType: body.HolderCodeType, Jurisdiction: body.Jurisdiction, Number: body.Number,
		ValidFrom: body.ValidFrom, ValidUntil: body.ValidUntil, Face: body.Face})
	if err != nil {
		return err
	}
	out, err := h.issued(r, l.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, out)
}

// status serves suspending, reinstating and revoking; a revocation must say final: true.
func (h licenseWorkAPI) status(action string) httpserver.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := authenticated(r)
		if err != nil {
			return err
		}
		id := r.PathValue("id")
		var body struct {
			Reason string `json:"reason"`
			Final  *bool  `json:"final,omitempty"`
		}
		if err := decode(r, &body); err != nil {
			return err
		}
		switch action {
		case "suspend":
			_, err = h.lic.Suspend(r.Context(), p, id, body.Reason)
		case "reinstate":
			_, err = h.lic.Reinstate(r.Context(), p, id, body.Reason)
		default:
			if body.Final == nil || !*body.Final {
				// Those who may not see the licence learn nothing more than that.
				if _, err := h.issued(r, id); err != nil {
					return err
				}
				if !license.MayIssue(p, p.OrgCode) {
					return errs.E(errs.Forbidden, "license.error.issue_forbidden")
				}
				return errs.Field("final", "license.work.error.confirm_revoke")
			}
			_, err = h.lic.Revoke(r.Context(), p, id, body.Reason)
		}
		if err != nil {
			return err
		}
		out, err := h.issued(r, id)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, out)
	}
}

func (h licenseWorkAPI) change(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	var body struct {
		Reason     string            `json:"reason"`
		HolderName string            `json:"holder_name"`
		ValidUntil string            `json:"valid_until"`
		Face       map[string]string `json:"face"`
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	l, err := h.lic.Change(r.Context(), p, r.PathValue("id"), license.ChangeRequest{Face: body.Face, HolderName: body.HolderName,
		ValidUntil: body.ValidUntil, Reason: body.Reason})
	if err != nil {
		return err
	}
	out, err := h.issued(r, l.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, out)
}
