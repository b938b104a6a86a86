package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/license"
)

func init() {
	states := []string{string(license.StateValid), string(license.StateSuspended), string(license.StateRevoked),
		string(license.StateSuperseded), string(license.StateExpired), string(license.StateForged),
		string(license.StateNotTrusted), string(license.StateMalformed)}
	stateSchema := map[string]any{"type": "string", "enum": states}
	schemas["Licence"] = obj(map[string]any{
		"id": str("the GB/T 36904 identifier"), "type_code": str("the licence type (GB/T 36902)"), "type_version": integer(""),
		"serial": str(""), "version": str("001, 002…"), "number": str("the licence number printed on it"), "name": str("the licence's name"),
		"issuer_org": str("the issuing organisation's code"), "issuer_code": str("its credit code"), "issuer_name": str(""),
		"holder_name": str(""), "holder_code": str("resident ID number or credit code"),
		"holder_code_type": map[string]any{"type": "string", "enum": []string{license.HolderCodeResidentID, license.HolderCodeCreditCode}},
		"jurisdiction":     str("GB/T 2260 region code"), "issued_on": str("YYYY-MM-DD"), "valid_from": str("YYYY-MM-DD"),
		"valid_until": str("YYYY-MM-DD; absent for no end"),
		"status":      map[string]any{"type": "string", "enum": []string{"valid", "suspended", "revoked", "superseded"}},
		"state":       stateSchema, "state_text": str("the state in the language asked for"),
		"status_reason": str("why it was suspended or revoked"), "face": map[string]any{"type": "object",
			"additionalProperties": map[string]any{"type": "string"}, "description": "the face data by the type's field keys"},
		"credential": str("the signed machine-readable licence (YWC1.…)"), "key_id": str("the key that signed it"),
		"pdf_sha256": str("SHA-256 of its signed PDF, once made"), "supersedes": str("the version it replaced"),
	}, "id", "type_code", "name", "issuer_name", "holder_name", "status", "state")
	schemas["LicenceHistory"] = obj(map[string]any{"at": str("RFC 3339"), "kind": str("issued, changed, suspended, reinstated, revoked, expired…"),
		"actor": str(""), "reason": str(""), "ledger_index": integer("the ledger entry of the step")})
	schemas["LicenceUse"] = obj(map[string]any{"at": str("RFC 3339"),
		"kind":    map[string]any{"type": "string", "enum": []string{"verified", "fetched", "filled", "downloaded"}},
		"by_node": str(""), "by_org": str("the organisation that used it, when known"), "purpose": str("the stated purpose (用证事由)"),
		"presentation": str("the presentation verified"), "grant_id": str("the grant a fetch came under")})
	schemas["LicenceShown"] = obj(map[string]any{"id": str(""), "type_code": str(""), "type_name": str(""), "number": str(""),
		"issuer": str(""), "issuer_code": str(""), "jurisdiction": str(""), "issued_on": str(""), "valid_from": str(""),
		"valid_until": str(""), "holder_code_type": str(""),
		"disclosed": map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"},
			"description": "the hidden claims the holder chose to disclose, by name"}})
	schemas["LicenceVerification"] = obj(map[string]any{
		"state": stateSchema, "state_text": str("the state in the language asked for"),
		"reason": str("an i18n key (license.reason.*)"), "reason_text": str("why, in a sentence, in the language asked for"),
		"input": map[string]any{"type": "string", "enum": []string{license.InputCredential, license.InputPresentation, license.InputIdentifier,
			license.InputCopy, ""}, "description": "what was given; for an annotated copy (" + license.InputCopy + ") purpose is its " +
			"reason and audience what it is for"},
		"licence": ref("LicenceShown"), "purpose": str("a presentation's stated purpose"), "audience": str(""),
		"presentation_id": str(""), "checked_at": str("RFC 3339"),
		"status_as_of": str("RFC 3339: for another province's licence, when that province's status snapshot that gave " +
			"its state was made"),
		"copy_id": str("an annotated copy's id"), "copy_expires": str("RFC 3339: when an annotated copy stops being valid"),
	}, "state", "reason", "reason_text", "checked_at")
}

// licenseAPI serves the holders' wallet and the public verification of licences.
type licenseAPI struct {
	svc *license.Service
}

// maxLicenseBody bounds a JSON body of the licence routes: a credential is the longest input.
const maxLicenseBody = 2*license.MaxInput + 4<<10

func (a *API) installLicense(srv *httpserver.Server) {
	if a.cfg.Licenses == nil {
		return
	}
	h := licenseAPI{svc: a.cfg.Licenses}
	const tag = "licences"
	id := param{Name: "id", In: "path", Required: true, Description: "the licence's GB/T 36904 identifier", Schema: map[string]any{"type": "string"}}
	a.route(srv, operation{Method: "GET", Path: "/api/v1/licenses", ID: "listMyLicences", Tag: tag, Auth: true,
		Summary: "The caller's licences (我的证照), newest first, without superseded versions: a resident's own, or the enterprise's " +
			"when an agent acts for it with the licences scope",
		Response: obj(map[string]any{"licences": arr(ref("Licence"))}, "licences")}, h.mine)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/licenses/{id}", ID: "getLicence", Tag: tag, Auth: true,
		Summary: "One licence with its history, to its holder and the issuer's officials (404 to anyone else); the holder also " +
			"sees every use of it",
		Params: []param{id}, Response: obj(map[string]any{"licence": ref("Licence"), "history": arr(ref("LicenceHistory")),
			"uses": arr(ref("LicenceUse")), "disclosable": arr(str("hidden claims a presentation may disclose"))}, "licence", "history")},
		h.get)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/licenses/{id}/pdf", ID: "getLicencePDF", Tag: tag, Auth: true,
		Summary: "The licence's PDF sealed by its issuer (made on the first download, the same file afterwards), to its holder " +
			"and the issuer's officials; every download is recorded as a use. 503 when the issuer has no seal that signs PDFs",
		Params:  []param{id},
		Content: map[string]any{"application/pdf": map[string]any{"schema": map[string]any{"type": "string", "contentMediaType": "application/pdf"}}}},
		h.pdf)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/licenses/{id}/presentations", ID: "presentLicence", Tag: tag, Auth: true,
		Status: http.StatusCreated,
		Summary: "Present one of the caller's valid licences: a short-lived text (for a QR code) disclosing the chosen hidden " +
			"claims, bound to a stated purpose (用证事由), signed by this node; the holder only (404 to anyone else)",
		Params: []param{id},
		Body: obj(map[string]any{"fields": arr(str("a hidden claim to disclose: holder_name, holder_code or a face-data key")),
			"purpose":  map[string]any{"type": "string", "maxLength": 100, "description": "the stated purpose, required"},
			"audience": map[string]any{"type": "string", "maxLength": 100, "description": "the organisation it is for, optional"},
			"lifetime_minutes": map[string]any{"type": "integer", "minimum": 1, "maximum": int(credential.MaxLifetime / time.Minute),
				"description": "how long it verifies; 5 when omitted"}}, "purpose"),
		Response: obj(map[string]any{"id": str("the presentation's id"), "text": str("the presentation (YWP1.…), the QR code's content"),
			"expires_at": str("RFC 3339")}, "id", "text", "expires_at")}, h.present)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/licenses/verify", ID: "verifyLicence", Tag: tag,
		Summary: "Verify a licence without login: a presentation (YWP1.…, a QR code's content), a credential (YWC1.…), a bare " +
			"identifier, or the verify address on a licence's PDF. The answer is always 200 with the state (valid, suspended, " +
			"revoked, expired, superseded, forged, not_trusted, malformed) and why; a verified presentation is recorded as a use",
		Body:     obj(map[string]any{"text": map[string]any{"type": "string", "maxLength": license.MaxInput}}, "text"),
		Response: ref("LicenceVerification")}, h.verify, httpserver.MaxBody(maxLicenseBody))
	a.route(srv, operation{Method: "GET", Path: "/api/v1/licenses/status", ID: "licenceStatusSnapshot", Tag: tag,
		Summary: "This node's signed status snapshot (YWS1.…) for offline verifiers: the keys that signed its licences and every " +
			"licence that is not valid. Public",
		Response: obj(map[string]any{"node": str("the node's province code"), "issued_at": str("RFC 3339"),
			"next_update": str("RFC 3339"), "snapshot": str("YWS1.<payload>.<signature>")}, "node", "snapshot")}, h.status)
}

// licenceView is a licence as the API shows it.
type licenceView struct {
	license.Licence
	State     license.State `json:"state"`
	StateText string        `json:"state_text"`
	CreatedAt time.Time     `json:"created_at"`
	UpdatedAt time.Time     `json:"updated_at"`
}

func (h licenseAPI) view(l license.Licence, lang i18n.Lang) licenceView {
	st := h.svc.StateOf(l)
	return licenceView{Licence: l, State: st, StateText: i18n.T(lang, "license.state."+string(st)),
		CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt}
}

func (h licenseAPI) mine(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	list, err := h.svc.Mine(r.Context(), p)
	if err != nil {
		return err
	}
	lang := i18n.Negotiate(r)
	out := make([]licenceView, len(list))
	for i, l := range list {
		out[i] = h.view(l, lang)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"licences": out})
}

func (h licenseAPI) get(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	l, err := h.svc.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	hist, err := h.svc.History(r.Context(), p, id)
	if err != nil {
		return err
	}
	if hist == nil {
		hist = []license.History{}
	}
	out := map[string]any{"licence": h.view(l, i18n.Negotiate(r)), "history": hist}
	// Uses are the holder's to see; the issuer's officials get a 404 from Uses.
	uses, err := h.svc.Uses(r.Context(), p, id)
	switch {
	case err == nil:
		if uses == nil {
			uses = []license.Use{}
		}
		out["uses"] = uses
		t, err := h.svc.LicenceType(r.Context(), l)
		if err != nil {
			return err
		}
		out["disclosable"] = license.Disclosable(l, t)
	case !errs.Is(err, errs.NotFound):
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h licenseAPI) pdf(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	data, err := h.svc.PDF(r.Context(), p, id)
	if err != nil {
		return err
	}
	return writePDF(w, "licence.pdf", id, data)
}

// presentInput is the body of a presentation request.
type presentInput struct {
	Fields          []string `json:"fields"`
	Purpose         string   `json:"purpose"`
	Audience        string   `json:"audience"`
	LifetimeMinutes int      `json:"lifetime_minutes"`
}

// maxPresentFields bounds the fields a request names (a type has at most a few dozen).
const maxPresentFields = 64

func (h licenseAPI) present(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	var in presentInput
	if err := decode(r, &in); err != nil {
		return err
	}
	if len(in.Fields) > maxPresentFields {
		return errs.Field("fields", "license.error.too_many", maxPresentFields)
	}
	if in.LifetimeMinutes < 0 || in.LifetimeMinutes > int(credential.MaxLifetime/time.Minute) {
		return errs.Field("lifetime_minutes", "license.error.lifetime", int(credential.MaxLifetime/time.Minute))
	}
	text, err := h.svc.Present(r.Context(), p, r.PathValue("id"), license.PresentRequest{Fields: in.Fields, Purpose: in.Purpose,
		Audience: in.Audience, Lifetime: time.Duration(in.LifetimeMinutes) * time.Minute})
	if err != nil {
		return err
	}
	pr, err := credential.ParsePresentation(text)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"id": pr.ID, "text": text,
		"expires_at": time.Unix(pr.Expires, 0).UTC()})
}

// verification is a verification's result with its texts in the reader's language.
type verification struct {
	license.VerifyResult
	StateText  string `json:"state_text"`
	ReasonText string `json:"reason_text"`
}

// verificationOf returns res with its state and reason in lang.
func verificationOf(res license.VerifyResult, lang i18n.Lang) verification {
	return verification{VerifyResult: res, StateText: i18n.T(lang, "license.state."+string(res.State)),
		ReasonText: i18n.T(lang, res.Reason)}
}

func (h licenseAPI) verify(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Text string `json:"text"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if strings.TrimSpace(in.Text) == "" {
		return errs.Field("text", "license.error.required")
	}
	res, err := h.svc.Verify(r.Context(), license.VerifyInput(in.Text))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, verificationOf(res, i18n.Negotiate(r)))
}

func (h licenseAPI) status(w http.ResponseWriter, r *http.Request) error {
	doc, err := h.svc.Snapshot(r.Context())
	if err != nil {
		return err
	}
	key, _, err := h.svc.NodeKey(r.Context())
	if err != nil {
		return err
	}
	snap, err := license.VerifySnapshot(doc, key.Public)
	if err != nil {
		return err
	}
	out := map[string]any{"node": h.svc.Node(), "issued_at": snap.IssuedAt, "next_update": snap.NextUpdate, "snapshot": string(doc)}
	return writeJSON(w, http.StatusOK, out)
}
