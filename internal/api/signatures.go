package api

import (
	"encoding/base64"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/requestid"
	"github.com/yiwang-platform/yiwang/internal/sign"
)

// Media types the signing and verification routes take.
const (
	formData = "multipart/form-data"
	jsonType = "application/json"
)

// Limits of the signing and verification routes. A document is at most sign.MaxDocument; a
// detached signature is a few kilobytes, a GB/T 38540 one carries the seal's picture (at most
// 1 MB) and certificates. A JSON body holds them in base64, a third larger.
const (
	maxSignatureFile = 4 << 20
	maxFormField     = 4 << 10
	maxSignBody      = sign.MaxDocument*4/3 + 1<<20
	maxVerifyBody    = (sign.MaxDocument+maxSignatureFile)*4/3 + 1<<20
)

// Response headers of a signature returned as a file.
const (
	headerSignatureID    = "X-Yiwang-Signature-Id"
	headerLedgerIndex    = "X-Yiwang-Ledger-Index"
	headerDocumentSHA256 = "X-Yiwang-Document-Sha256"
)

func init() {
	problem := obj(map[string]any{
		"code":     str("what is wrong, e.g. document_changed, chain_untrusted, no_timestamp"),
		"severity": map[string]any{"type": "string", "enum": []string{string(sign.SeverityError), string(sign.SeverityWarning)}},
		"key":      str("i18n key of the message"), "args": arr(map[string]any{"type": []string{"string", "integer"}}),
		"message": str("the problem explained in the language asked for (Accept-Language or ?lang)"),
	})
	schemas["SignatureResult"] = obj(map[string]any{
		"id": str("sig_…; the signature's entry in the seal's register"), "format": map[string]any{"type": "string", "enum": []string{"cms", "pdf", "ses"}},
		"content_type": str("media type of the signature file"), "file_name": str("a name for the signature file"),
		"document_sha256": str("hex SHA-256 of the document signed"), "seal_id": str(""), "seal_name": str(""),
		"signed_at": str("RFC 3339"), "ledger_index": integer("the signature's entry in the transparency log"),
		"signature": str("the signature file, base64: .p7s (cms), .ses (GB/T 38540) or the signed PDF (pdf)"),
	})
	schemas["Verification"] = obj(map[string]any{
		"format":                       str("cms, pdf or ses"),
		"valid":                        boolean("the signature is genuine, the document is as signed and the certificate was valid and trusted when it was signed; true exactly when no problem is an error"),
		"signature_valid":              boolean("the signature verifies with the certificate's key"),
		"document_intact":              boolean("the document is the one signed"),
		"signer":                       obj(map[string]any{"common_name": str(""), "organisation": str(""), "serial": str("hex"), "issuer": str(""), "issuer_common_name": str(""), "algorithm": str("SM2-SM3 or ECDSA-SHA256"), "not_before": str("RFC 3339"), "not_after": str("RFC 3339")}),
		"signing_time":                 str("RFC 3339: the time the signer claimed"),
		"checked_at":                   str("RFC 3339: the time the certificate was checked at"),
		"time_source":                  map[string]any{"type": "string", "enum": []string{"timestamp", "signing_time", "verification_time"}},
		"timestamp":                    obj(map[string]any{"time": str("RFC 3339"), "accuracy": integer("nanoseconds"), "tsa": str(""), "serial": str(""), "policy": str(""), "verified": boolean("")}),
		"certificate_valid_at_signing": boolean(""),
		"chain_trusted":                boolean("the certificate chains to a provincial root"),
		"status":                       map[string]any{"type": "string", "enum": []string{sign.StatusGood, sign.StatusRevoked, sign.StatusUnknown}},
		"revoked_at":                   str("RFC 3339, when revoked"),
		"problems":                     arr(problem),
		"pdf":                          obj(map[string]any{"name": str(""), "reason": str(""), "location": str(""), "contact": str(""), "signatures": integer(""), "covers_whole_file": boolean("")}),
		"seal":                         obj(map[string]any{"id": str(""), "code": str(""), "org": str(""), "kind": str(""), "name": str(""), "status": str(""), "valid_from": str(""), "valid_to": str(""), "revoked_at": str("")}),
		"seal_image_url":               str("the seal's impression, when the seal is in this registry"),
		"registered":                   boolean("this platform made the signature: it is in a seal's register"),
		"signed_at":                    str("RFC 3339: when this platform made it"),
		"ledger_index":                 integer("its entry in the transparency log"),
	}, "valid", "problems")
}

// signAPI serves signing with a seal and verifying any signature.
type signAPI struct {
	svc *sign.Service
}

// installSignatures serves signing and verification. Signing is for the seal users of the
// seal's organisation (the seal registry decides), who send the document as a file
// (multipart/form-data) and get the signature file back, or as JSON with base64. Verifying is
// public — anyone holding a signed document may check it — and rate limited as pages are; it
// reads no credentials.
func (a *API) installSignatures(srv *httpserver.Server) {
	if a.cfg.Sign == nil {
		return
	}
	h := signAPI{svc: a.cfg.Sign}
	const tag = "signatures"
	formats := map[string]any{"type": "string", "enum": []string{string(sign.FormatCMS), string(sign.FormatPDF), string(sign.FormatSES)},
		"description": "cms: a detached CMS signature (.p7s) over any document, SM2 or ECDSA seals; pdf: the PDF signed, with the " +
			"impression on the page (ECDSA seals); ses: a GB/T 38540 seal signature (.ses) over any document (SM2 seals)"}
	signFields := map[string]any{
		"seal_id": str("the seal to sign with (GET /api/v1/seals)"), "format": formats,
		"reason": str("why it is signed, at most 200 characters; written into a PDF signature"),
		"page":   integer("pdf: the page to put the impression on, from 1; the first when omitted"),
	}
	form := map[string]any{"document": map[string]any{"type": "string", "contentMediaType": "application/octet-stream",
		"description": "the document, at most 20 MB; its file name is recorded"},
		"document_name": str("optional: the name to record instead of the file's"),
		"rect":          str("pdf: where the impression goes, four numbers x1 y1 x2 y2 in points from the lower left; the lower right of the page when omitted")}
	asJSON := map[string]any{"document": str("the document, base64, at most 20 MB"), "document_name": str("the document's file name, recorded"),
		"rect": map[string]any{"type": "array", "items": map[string]any{"type": "number"}, "minItems": 4, "maxItems": 4,
			"description": "pdf: where the impression goes, x1 y1 x2 y2 in points from the lower left"}}
	for k, v := range signFields {
		form[k], asJSON[k] = v, v
	}
	a.route(srv, operation{Method: "POST", Path: "/api/v1/signatures", ID: "sign", Tag: tag, Auth: true, Status: http.StatusCreated,
		Summary: "Sign a document with a seal (the seal users of its organisation; tokens need api:write). Sent as a file " +
			"(multipart/form-data), the answer is the signature file, with the headers " + headerSignatureID + ", " +
			headerLedgerIndex + " and " + headerDocumentSHA256 + "; sent as JSON, the answer is JSON with the signature in base64. " +
			"Every signature is recorded in the seal's register (digests only) and logged in the ledger",
		Consumes: map[string]any{
			formData: map[string]any{"schema": obj(form, "seal_id", "format", "document")},
			jsonType: map[string]any{"schema": obj(asJSON, "seal_id", "format", "document")},
		},
		Content: map[string]any{
			"application/pkcs7-signature": map[string]any{"schema": map[string]any{"type": "string", "contentMediaType": "application/pkcs7-signature"}},
			"application/octet-stream":    map[string]any{"schema": map[string]any{"type": "string", "description": "GB/T 38540 signature"}},
			"application/pdf":             map[string]any{"schema": map[string]any{"type": "string", "contentMediaType": "application/pdf"}},
			jsonType:                      map[string]any{"schema": ref("SignatureResult")},
		}}, h.sign, httpserver.MaxBody(maxSignBody))
	a.route(srv, operation{Method: "POST", Path: "/api/v1/verifications", ID: "verifySignature", Tag: tag,
		Summary: "Verify a signature, without login: a signed PDF alone, or a document with its detached CMS (.p7s) or GB/T 38540 " +
			"(.ses) signature. A signature that fails is a 200 with valid false and problems explained in the language asked " +
			"for; only input that cannot be read is a 400",
		Consumes: map[string]any{
			formData: map[string]any{"schema": obj(map[string]any{
				"document":  map[string]any{"type": "string", "contentMediaType": "application/octet-stream", "description": "the document or signed PDF, at most 20 MB"},
				"signature": map[string]any{"type": "string", "contentMediaType": "application/octet-stream", "description": "the .p7s or .ses file; none for a PDF"},
			}, "document")},
			jsonType: map[string]any{"schema": obj(map[string]any{"document": str("base64"), "signature": str("base64; none for a PDF")}, "document")},
		},
		Response: ref("Verification")},
		h.verify, httpserver.MaxBody(maxVerifyBody), httpserver.RateLimit(httpserver.ClassVerify), httpserver.OwnAuthentication())
}

// signedView is a signature made, as JSON.
type signedView struct {
	sign.Result
	Signature []byte `json:"signature"`
}

func (h signAPI) sign(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	// Only officials hold seals; refuse the others before reading a large body.
	if p.Kind != principal.Official {
		return errs.E(errs.Forbidden, "error.seal_use_forbidden")
	}
	var req sign.Request
	mt := mediaType(r)
	switch mt {
	case formData:
		req, err = signRequestFromForm(r)
	case jsonType:
		req, err = signRequestFromJSON(r)
	default:
		return unsupportedMediaType(w, r, formData, jsonType)
	}
	if err != nil {
		return err
	}
	res, err := h.svc.Sign(r.Context(), p, req)
	if err != nil {
		return err
	}
	hd := w.Header()
	hd.Set(headerSignatureID, res.ID)
	hd.Set(headerDocumentSHA256, res.DocumentSHA256)
	if res.LedgerIndex != nil {
		hd.Set(headerLedgerIndex, strconv.FormatInt(*res.LedgerIndex, 10))
	}
	if mt == jsonType {
		return writeJSON(w, http.StatusCreated, signedView{Result: res, Signature: res.Signature})
	}
	hd.Set("Content-Type", res.ContentType)
	hd.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": res.FileName}))
	hd.Set("Content-Length", strconv.Itoa(len(res.Signature)))
	hd.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write(res.Signature)
	return nil
}

func signRequestFromForm(r *http.Request) (sign.Request, error) {
	f, err := readForm(r, []string{"seal_id", "format", "reason", "document_name", "page", "rect"}, map[string]fileLimit{
		"document": {max: sign.MaxDocument, tooLarge: errs.E(errs.TooLarge, "sign.error.document_too_large", sign.MaxDocument>>20)},
	})
	if err != nil {
		return sign.Request{}, err
	}
	doc := f.files["document"]
	req := sign.Request{SealID: f.values["seal_id"], Format: sign.Format(f.values["format"]), Reason: f.values["reason"],
		Document: doc.data, DocumentName: doc.name}
	if name := f.values["document_name"]; name != "" {
		req.DocumentName = name
	}
	if v := strings.TrimSpace(f.values["page"]); v != "" {
		if req.Page, err = strconv.Atoi(v); err != nil || req.Page < 1 {
			return sign.Request{}, errs.Field("page", "api.error.bad_page")
		}
	}
	if v := strings.TrimSpace(f.values["rect"]); v != "" {
		nums := strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
		if len(nums) != 4 {
			return sign.Request{}, errs.Field("rect", "api.error.bad_rect")
		}
		for i, s := range nums {
			x, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return sign.Request{}, errs.Field("rect", "api.error.bad_rect")
			}
			req.Rect[i] = x
		}
	}
	return req, checkSignRequest(req)
}

func signRequestFromJSON(r *http.Request) (sign.Request, error) {
	var body struct {
		SealID       string      `json:"seal_id"`
		Format       sign.Format `json:"format"`
		Reason       string      `json:"reason"`
		DocumentName string      `json:"document_name"`
		Document     string      `json:"document"`
		Page         int         `json:"page"`
		Rect         []float64   `json:"rect"`
	}
	if err := decode(r, &body); err != nil {
		return sign.Request{}, err
	}
	req := sign.Request{SealID: body.SealID, Format: body.Format, Reason: body.Reason, DocumentName: body.DocumentName, Page: body.Page}
	var err error
	if req.Document, err = base64.StdEncoding.DecodeString(body.Document); err != nil {
		return sign.Request{}, errs.Field("document", "api.error.bad_base64", "document")
	}
	if body.Page < 0 {
		return sign.Request{}, errs.Field("page", "api.error.bad_page")
	}
	if body.Rect != nil {
		if len(body.Rect) != 4 {
			return sign.Request{}, errs.Field("rect", "api.error.bad_rect")
		}
		copy(req.Rect[:], body.Rect)
	}
	return req, checkSignRequest(req)
}

// checkSignRequest refuses what the signing service would take but cannot be kept: text that
// is not UTF-8 or holds NUL (PostgreSQL refuses both), impossible rectangles.
func checkSignRequest(req sign.Request) error {
	if strings.TrimSpace(req.SealID) == "" {
		return errs.Field("seal_id", "api.error.seal_id_required")
	}
	if err := storable(map[string]string{"reason": req.Reason, "document_name": req.DocumentName, "seal_id": req.SealID}); err != nil {
		return err
	}
	for _, x := range req.Rect {
		if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 || x > 14400 { // 14400 points: PDF's largest page
			return errs.Field("rect", "api.error.bad_rect")
		}
	}
	if req.Rect != ([4]float64{}) && (req.Rect[2] <= req.Rect[0] || req.Rect[3] <= req.Rect[1]) {
		return errs.Field("rect", "api.error.bad_rect")
	}
	return nil
}

// storableText reports whether s is UTF-8 without NUL, which both databases store.
func storableText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// verificationView is a verification report with each problem explained.
type verificationView struct {
	sign.Verification
	Problems     []problemView `json:"problems"`
	SealImageURL string        `json:"seal_image_url,omitempty"`
}

type problemView struct {
	sign.Problem
	Message string `json:"message"`
}

func (h signAPI) verify(w http.ResponseWriter, r *http.Request) error {
	var document, signature []byte
	switch mediaType(r) {
	case formData:
		f, err := readForm(r, nil, map[string]fileLimit{
			"document":  {max: sign.MaxDocument, tooLarge: errs.E(errs.TooLarge, "sign.error.document_too_large", sign.MaxDocument>>20)},
			"signature": {max: maxSignatureFile, tooLarge: errs.E(errs.TooLarge, "api.error.signature_too_large", maxSignatureFile>>20)},
		})
		if err != nil {
			return err
		}
		document, signature = f.files["document"].data, f.files["signature"].data
	case jsonType:
		var body struct {
			Document  string `json:"document"`
			Signature string `json:"signature"`
		}
		if err := decode(r, &body); err != nil {
			return err
		}
		var err error
		if document, err = base64.StdEncoding.DecodeString(body.Document); err != nil {
			return errs.Field("document", "api.error.bad_base64", "document")
		}
		if signature, err = base64.StdEncoding.DecodeString(body.Signature); err != nil {
			return errs.Field("signature", "api.error.bad_base64", "signature")
		}
		if len(signature) > maxSignatureFile {
			return errs.E(errs.TooLarge, "api.error.signature_too_large", maxSignatureFile>>20)
		}
	default:
		return unsupportedMediaType(w, r, formData, jsonType)
	}
	v, err := h.svc.Verify(r.Context(), document, signature)
	if err != nil {
		return err
	}
	lang := i18n.Negotiate(r)
	out := verificationView{Verification: v, Problems: make([]problemView, 0, len(v.Problems))}
	for _, p := range v.Problems {
		out.Problems = append(out.Problems, problemView{Problem: p, Message: i18n.T(lang, p.Key, p.Args...)})
	}
	if v.Seal != nil {
		out.SealImageURL = "/api/v1/seals/" + v.Seal.ID + "/image"
	}
	w.Header().Set("Content-Language", string(lang))
	return writeJSON(w, http.StatusOK, out)
}

// mediaType is the request's media type, lower case, without parameters; "" if it has none or
// an unreadable one.
func mediaType(r *http.Request) string {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return ""
	}
	return mt
}

// unsupportedMediaType answers 415 in the API's error shape, naming the media types the route
// takes (also in Accept-Post, RFC 9110 §15.5.16). errs has no such kind, since only the route
// knows what it takes, so it is written here rather than by the server's error writer.
func unsupportedMediaType(w http.ResponseWriter, r *http.Request, accepted ...string) error {
	lang := i18n.Negotiate(r)
	list := strings.Join(accepted, ", ")
	w.Header().Set("Accept-Post", list)
	w.Header().Set("Content-Language", string(lang))
	return writeJSON(w, http.StatusUnsupportedMediaType, map[string]any{"error": map[string]string{
		"kind":       "unsupported_media_type",
		"message":    i18n.T(lang, "api.error.unsupported_media_type", list),
		"field":      "Content-Type",
		"request_id": requestid.From(r.Context()),
	}})
}

// fileLimit bounds one file part of a form, with the error to give when it is larger.
type fileLimit struct {
	max      int64
	tooLarge *errs.Error
}

type formFile struct {
	data []byte
	name string // the file name the client gave, if any
}

type form struct {
	values map[string]string
	files  map[string]formFile
}

// readForm reads a multipart/form-data body as it streams: the text fields named in fields (at
// most maxFormField bytes of UTF-8 each) and the file parts named in files, each within its
// limit. A part of another name, or a name given twice, is refused.
func readForm(r *http.Request, fields []string, files map[string]fileLimit) (form, error) {
	f := form{values: map[string]string{}, files: map[string]formFile{}}
	mr, err := r.MultipartReader()
	if err != nil {
		return f, errs.Wrapf(errs.Invalid, err, "api.error.multipart")
	}
	seen := map[string]bool{}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return f, nil
		}
		if err != nil {
			return f, errs.Wrapf(errs.Invalid, err, "api.error.multipart") // over the route's limit: 413
		}
		name := part.FormName()
		if seen[name] {
			return f, errs.Field(name, "api.error.field_twice", name)
		}
		seen[name] = true
		if lim, ok := files[name]; ok {
			data, err := readPart(part, lim.max)
			if err != nil {
				return f, err
			}
			if data == nil {
				return f, lim.tooLarge
			}
			f.files[name] = formFile{data: data, name: fileName(part)}
			continue
		}
		if !slices.Contains(fields, name) {
			return f, errs.Field(name, "api.error.unknown_field", name)
		}
		data, err := readPart(part, maxFormField)
		if err != nil {
			return f, err
		}
		if data == nil {
			return f, errs.Field(name, "api.error.field_too_long", name)
		}
		if !storableText(string(data)) {
			return f, errs.Field(name, "api.error.bad_text", name)
		}
		f.values[name] = string(data)
	}
}

// readPart reads a part of at most max bytes; nil (and no error) when it is longer.
func readPart(part *multipart.Part, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(part, max+1))
	if err != nil {
		return nil, errs.Wrapf(errs.Invalid, err, "api.error.multipart")
	}
	if int64(len(data)) > max {
		return nil, nil
	}
	if data == nil {
		data = []byte{}
	}
	return data, nil
}

// fileName is a part's file name as recorded: the base name the client gave, made valid UTF-8
// without NUL.
func fileName(part *multipart.Part) string {
	name := strings.ToValidUTF8(part.FileName(), "\uFFFD")
	return strings.ReplaceAll(name, "\x00", "")
}
