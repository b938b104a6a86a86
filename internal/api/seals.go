package api

import (
	"bufio"
	"encoding/base64"
	"errors"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/seal"
	"github.com/yiwang-platform/yiwang/internal/sign"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// sealKinds are the kinds of seal, as the API names them.
func sealKinds() []string {
	kinds := make([]string, len(seal.Kinds))
	for i, k := range seal.Kinds {
		kinds[i] = string(k)
	}
	return kinds
}

func init() {
	schemas["Seal"] = obj(map[string]any{
		"id": str("seal_…; the seal's id in this registry"), "code": str("GB/T 38540 seal code: the organisation's region code and eight digits"),
		"org":  str("the organisation's code"),
		"kind": map[string]any{"type": "string", "enum": sealKinds(), "description": "official 公章, special 业务专用章, contract 合同专用章, finance 财务专用章, invoice 发票专用章"},
		"name": str("the seal's name, e.g. 福建省市场监督管理局行政审批专用章"), "algorithm": map[string]any{"type": "string", "enum": []string{string(keys.SM2), string(keys.ECDSAP256)}},
		"image_sha256": str("SHA-256 of the impression (PNG)"), "width_mm": integer("size of the impression"), "height_mm": integer(""),
		"valid_from": str("RFC 3339"), "valid_to": str("RFC 3339; the seal signs before this moment"),
		"status": map[string]any{"type": "string", "enum": []string{string(seal.Pending), string(seal.Rejected), string(seal.Active),
			string(seal.RevocationPending), string(seal.Revoked)}},
		"key_id": str("the seal's key in the key service, once approved"), "cert_serial": str("the seal certificate's serial, once approved"),
		"requested_by": str("actor who asked for it"), "requested_at": str("RFC 3339"),
		"decided_by": str("actor who approved or rejected it"), "decided_at": str("RFC 3339"), "reject_reason": str(""),
		"revoke_requested_by": str(""), "revoke_requested_at": str("RFC 3339"), "revoke_reason": str("RFC 5280 reason, then the note"),
		"revoked_by": str(""), "revoked_at": str("RFC 3339"),
		"image_url":       str("the impression, PNG, public"),
		"certificate_url": str("the seal certificate, DER, public; absent until approved"),
	})
	schemas["SignatureRecord"] = obj(map[string]any{
		"id": str("sig_…"), "seal_id": str(""), "org": str(""), "signer": str("actor who signed"),
		"format":           map[string]any{"type": "string", "enum": []string{string(sign.FormatCMS), string(sign.FormatPDF), string(sign.FormatSES)}},
		"document_sha256":  str("hex SHA-256 of the document signed; the document itself is not kept"),
		"signature_sha256": str("hex SHA-256 of the signature file (for a PDF, of the signed PDF)"),
		"document_name":    str("as given when signing"), "reason": str(""), "signed_at": str("RFC 3339"),
		"ledger_index": integer("the signature's entry in the transparency log"),
	})
}

// maxSealRequest bounds a seal request: a picture of at most seal.MaxImageBytes, base64, and a
// few short fields.
const maxSealRequest = seal.MaxImageBytes*4/3 + 64<<10

// sealsAPI serves the seal registry and the register of signatures made with each seal.
type sealsAPI struct {
	db    *store.DB
	seals *seal.Registry
	sign  *sign.Service
}

// installSeals serves the seal registry. Reading a seal, its requests and its register is for
// the officials of its organisation and of the digital office; requests are for their
// administrators, decisions for their approvers (someone other than who asked) — the registry
// decides. A seal's impression is public: it is on every document the seal signs, so it is served
// without login for verifiers and document viewers.
func (a *API) installSeals(srv *httpserver.Server) {
	if a.cfg.Seals == nil {
		return
	}
	h := sealsAPI{db: a.cfg.DB, seals: a.cfg.Seals, sign: a.cfg.Sign}
	const tag = "seals"
	sealID := param{Name: "id", In: "path", Required: true, Description: "the seal's id (seal_…)", Schema: map[string]any{"type": "string"}}
	a.route(srv, operation{Method: "GET", Path: "/api/v1/seals", ID: "listSeals", Tag: tag, Auth: true,
		Summary: "An organisation's seals, newest first (its officials and the digital office's); without org, the caller's " +
			"organisation's, or every organisation's for the digital office",
		Params:   []param{{Name: "org", In: "query", Description: "organisation code", Schema: str("organisation code")}},
		Response: arr(ref("Seal"))}, h.list)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/seals", ID: "requestSeal", Tag: tag, Auth: true, Status: http.StatusCreated,
		Summary: "Ask for a new seal (the organisation's or the digital office's administrators). The seal is pending until an " +
			"approver of the organisation who is not the requester approves it",
		Body: obj(map[string]any{
			"org":        str("organisation code; the caller's own when omitted"),
			"kind":       map[string]any{"type": "string", "enum": sealKinds()},
			"name":       str("at most 40 characters"),
			"caption":    str("the text across the impression's lower half, e.g. 行政审批专用章; optional"),
			"algorithm":  map[string]any{"type": "string", "enum": []string{string(keys.SM2), string(keys.ECDSAP256)}, "description": "SM2 for CMS and GB/T 38540 signatures, ECDSA-P256 for CMS and PDF signatures"},
			"valid_from": str("RFC 3339 time, or a date (its start, China time); now when omitted"),
			"valid_to":   str("RFC 3339 time, or a date (valid through that day, China time)"),
			"image":      str("the impression, PNG, base64, at most 1 MB and 64–2048 pixels a side; drawn from the organisation's name when omitted"),
		}, "kind", "name", "algorithm", "valid_to"),
		Response: ref("Seal")}, h.request, httpserver.MaxBody(maxSealRequest))
	a.route(srv, operation{Method: "GET", Path: "/api/v1/seals/{id}", ID: "getSeal", Tag: tag, Auth: true,
		Summary: "One seal (the organisation's officials and the digital office's)", Params: []param{sealID},
		Response: ref("Seal")}, h.get)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/seals/{id}/approve", ID: "approveSeal", Tag: tag, Auth: true,
		Summary: "Approve a pending seal: it gets its key, its certificate and, for SM2, its GB/T 38540 seal structure, and is " +
			"logged in the ledger (the organisation's or the digital office's approvers; not the requester). No body, or {}",
		Params: []param{sealID}, Response: ref("Seal")}, h.approve)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/seals/{id}/reject", ID: "rejectSeal", Tag: tag, Auth: true,
		Summary: "Turn a pending seal request down, with the reason the requester reads (approvers; not the requester)",
		Params:  []param{sealID}, Body: obj(map[string]any{"reason": str("at most 200 characters")}, "reason"),
		Response: ref("Seal")}, h.reject)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/seals/{id}/revocation", ID: "requestSealRevocation", Tag: tag, Auth: true,
		Summary: "Ask for an active seal to be revoked (the organisation's or the digital office's administrators); it keeps " +
			"signing until an approver decides",
		Params: []param{sealID},
		Body: obj(map[string]any{"reason": map[string]any{"type": "string", "enum": seal.RevocationReasons, "description": "RFC 5280 reason"},
			"note": str("optional, at most 200 characters")}, "reason"),
		Response: ref("Seal")}, h.requestRevocation)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/seals/{id}/revocation/decision", ID: "decideSealRevocation", Tag: tag, Auth: true,
		Summary: "Approve or refuse a revocation request (approvers; not who asked). On approval the certificate is revoked " +
			"at once and the key retired: later signatures fail, earlier time-stamped ones still verify",
		Params: []param{sealID}, Body: obj(map[string]any{"approve": boolean("true revokes the seal, false keeps it active")}, "approve"),
		Response: ref("Seal")}, h.decideRevocation)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/seals/{id}/signatures", ID: "listSealSignatures", Tag: tag, Auth: true,
		Summary: "The register of signatures made with a seal, newest first (the organisation's officials and the digital office's)",
		Params: []param{sealID, {Name: "limit", In: "query", Description: "at most this many, 1–500; 100 when omitted",
			Schema: map[string]any{"type": "integer", "minimum": 1, "maximum": maxRecords}}},
		Response: arr(ref("SignatureRecord"))}, h.records)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/seals/{id}/image", ID: "getSealImage", Tag: tag,
		Summary: "A seal's impression as PNG. Public, without login: the impression is on every document the seal signs",
		Params:  []param{sealID},
		Content: map[string]any{"image/png": map[string]any{"schema": map[string]any{"type": "string", "contentMediaType": "image/png"}}}},
		h.image, httpserver.RateLimit(httpserver.ClassPublic), httpserver.OwnAuthentication())
}

// maxRecords bounds one page of a seal's register.
const maxRecords = 500

// sealView is a seal as the API shows it: the registry's fields and where to fetch its public
// parts.
type sealView struct {
	seal.Seal
	ImageURL       string `json:"image_url"`
	CertificateURL string `json:"certificate_url,omitempty"`
}

func sealViewOf(s seal.Seal) sealView {
	v := sealView{Seal: s, ImageURL: "/api/v1/seals/" + s.ID + "/image"}
	if s.CertSerial != nil {
		v.CertificateURL = pkiPublicPath + "certs/" + *s.CertSerial
	}
	return v
}

// authenticated refuses the public (401) before a service is asked.
func authenticated(r *http.Request) (principal.Principal, error) {
	p := principal.From(r.Context())
	if !p.Authenticated() {
		return p, errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	return p, nil
}

func (h sealsAPI) list(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	code := r.URL.Query().Get("org")
	if code == "" && p.OrgCode != org.DigitalOffice {
		code = p.OrgCode // "" for the public and residents: the registry refuses them
	}
	list, err := h.seals.List(r.Context(), p, code)
	if err != nil {
		return err
	}
	if len(list) == 0 && code != "" {
		if _, err := org.Get(r.Context(), h.db, code); errs.Is(err, errs.NotFound) {
			return errs.E(errs.NotFound, "error.org_not_found", code)
		} else if err != nil {
			return err
		}
	}
	out := make([]sealView, 0, len(list))
	for _, s := range list {
		out = append(out, sealViewOf(s))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h sealsAPI) request(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	var body struct {
		Org       string         `json:"org"`
		Kind      seal.Kind      `json:"kind"`
		Name      string         `json:"name"`
		Caption   string         `json:"caption"`
		Algorithm keys.Algorithm `json:"algorithm"`
		ValidFrom string         `json:"valid_from"`
		ValidTo   string         `json:"valid_to"`
		Image     string         `json:"image"`
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	if err := storable(map[string]string{"org": body.Org, "name": body.Name, "caption": body.Caption}); err != nil {
		return err
	}
	req := seal.Request{Org: body.Org, Kind: body.Kind, Name: body.Name, Caption: body.Caption, Algorithm: body.Algorithm}
	if req.Org == "" {
		req.Org = p.OrgCode
	}
	if strings.TrimSpace(body.ValidFrom) == "" {
		req.ValidFrom = h.db.Clock().Now()
	} else if req.ValidFrom, err = parseMoment("valid_from", body.ValidFrom, false); err != nil {
		return err
	}
	if strings.TrimSpace(body.ValidTo) != "" {
		if req.ValidTo, err = parseMoment("valid_to", body.ValidTo, true); err != nil {
			return err
		}
	}
	if body.Image != "" {
		if req.Image, err = base64.StdEncoding.DecodeString(body.Image); err != nil {
			return errs.Field("image", "api.error.bad_base64", "image")
		}
	}
	s, err := h.seals.RequestSeal(r.Context(), p, req)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/seals/"+s.ID)
	return writeJSON(w, http.StatusCreated, sealViewOf(s))
}

func (h sealsAPI) get(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	s, err := h.seals.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, sealViewOf(s))
}

// current answers with the seal as the caller now sees it, after a change.
func (h sealsAPI) current(w http.ResponseWriter, r *http.Request, p principal.Principal) error {
	s, err := h.seals.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, sealViewOf(s))
}

func (h sealsAPI) approve(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	if err := decodeOptional(r, &struct{}{}); err != nil {
		return err
	}
	s, err := h.seals.Approve(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, sealViewOf(s))
}

func (h sealsAPI) reject(w http.ResponseWriter, r *http.Request) error {
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
	if err := storable(map[string]string{"reason": body.Reason}); err != nil {
		return err
	}
	if err := h.seals.Reject(r.Context(), p, r.PathValue("id"), body.Reason); err != nil {
		return err
	}
	return h.current(w, r, p)
}

func (h sealsAPI) requestRevocation(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	var body struct {
		Reason string `json:"reason"`
		Note   string `json:"note"`
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	if err := storable(map[string]string{"note": body.Note}); err != nil {
		return err
	}
	if err := h.seals.RequestRevocation(r.Context(), p, r.PathValue("id"), body.Reason, body.Note); err != nil {
		return err
	}
	return h.current(w, r, p)
}

func (h sealsAPI) decideRevocation(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	var body struct {
		Approve *bool `json:"approve"`
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	if body.Approve == nil {
		return errs.Field("approve", "api.error.approve_required")
	}
	if err := h.seals.DecideRevocation(r.Context(), p, r.PathValue("id"), *body.Approve); err != nil {
		return err
	}
	return h.current(w, r, p)
}

func (h sealsAPI) records(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxRecords {
			return errs.Field("limit", "api.error.bad_limit", maxRecords)
		}
		limit = n
	}
	if h.sign == nil {
		return errs.E(errs.Unavailable, "error.unavailable")
	}
	list, err := h.sign.Records(r.Context(), p, r.PathValue("id"), limit)
	if err != nil {
		return err
	}
	if list == nil {
		list = []sign.Record{}
	}
	return writeJSON(w, http.StatusOK, list)
}

// sealImageMaxAge: a seal's picture never changes (it is content-addressed in the seal's record).
const sealImageMaxAge = 24 * time.Hour

func (h sealsAPI) image(w http.ResponseWriter, r *http.Request) error {
	img, err := h.seals.ImageFor(r.Context(), principal.From(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeBytes(w, "image/png", sealImageMaxAge, img)
}

// decodeOptional decodes a JSON body strictly into v, as decode does, but accepts an empty one:
// for actions that take no input, where a client may send nothing or {}.
func decodeOptional(r *http.Request, v any) error {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	br := bufio.NewReader(r.Body)
	if _, err := br.Peek(1); errors.Is(err, io.EOF) {
		return nil
	} else if err != nil {
		return err // a body over the limit becomes 413 in WriteError
	}
	r.Body = struct {
		io.Reader
		io.Closer
	}{br, r.Body}
	return decode(r, v)
}

// storable refuses the first of fields (name → value) that the databases cannot keep: JSON
// carries NUL (\u0000), which PostgreSQL refuses in text.
func storable(fields map[string]string) error {
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		if !storableText(fields[name]) {
			return errs.Field(name, "api.error.bad_text", name)
		}
	}
	return nil
}
