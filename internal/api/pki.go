package api

import (
	"bytes"
	"encoding/base64"
	"encoding/pem"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/pki"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// Media types of the PKI's public routes (RFC 2585, RFC 6960, RFC 7468).
const (
	pkixCert      = "application/pkix-cert"
	pkixCRL       = "application/pkix-crl"
	pemFile       = "application/x-pem-file"
	ocspRequest   = "application/ocsp-request"
	ocspResponse  = "application/ocsp-response"
	pkiPublicPath = "/pki/"
)

// installPKI serves the provincial PKI. Certificates, chains, CRLs, status answers and OCSP are
// public, under /pki outside the JSON API because PKI clients (openssl, PDF readers, other
// departments' verifiers) expect bare URLs and DER; they read no credentials and are rate
// limited as pages are. Listing an organisation's certificates and revoking one are in the API.
func (a *API) installPKI(srv *httpserver.Server) {
	if a.cfg.PKI == nil {
		return
	}
	h := pkiAPI{svc: a.cfg.PKI}
	public := func(name string, more ...httpserver.RouteOption) []httpserver.RouteOption {
		return append([]httpserver.RouteOption{httpserver.RateLimit(httpserver.ClassPublic), httpserver.OwnAuthentication(),
			httpserver.Name(name)}, more...)
	}
	srv.Handle("GET /pki/roots", h.roots, public("pki.roots")...)
	srv.Handle("GET /pki/certs/{serial}", h.cert, public("pki.cert")...)
	srv.Handle("GET /pki/certs/{serial}/chain", h.chain, public("pki.chain")...)
	srv.Handle("GET /pki/crl/{issuer}", h.crl, public("pki.crl")...)
	srv.Handle("GET /pki/status/{serial}", h.status, public("pki.status")...)
	srv.Handle("POST /pki/ocsp", h.ocspPost, public("pki.ocsp", httpserver.MaxBody(pki.MaxOCSPRequest))...)
	srv.Handle("GET /pki/ocsp/{request...}", h.ocspGet, public("pki.ocsp")...)

	const tag = "pki"
	serial := param{Name: "serial", In: "path", Required: true, Description: "certificate serial number, hexadecimal",
		Schema: map[string]any{"type": "string", "pattern": "^[0-9a-fA-F]{1,40}$"}}
	a.route(srv, operation{Method: "GET", Path: "/api/v1/pki/certificates", ID: "listCertificates", Tag: tag, Auth: true,
		Summary: "An organisation's certificates (its officials and the digital office's); DER at /pki/certs/{serial}",
		Params: []param{{Name: "org", In: "query", Description: "organisation code; the caller's own when omitted",
			Schema: str("organisation code")}},
		Response: arr(ref("Certificate"))}, h.list)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/pki/certificates/{serial}/revoke", ID: "revokeCertificate", Tag: tag,
		Auth: true, Summary: "Revoke a certificate (the organisation's or the digital office's administrators; CA certificates the digital office only)",
		Params: []param{serial},
		Body: obj(map[string]any{"reason": map[string]any{"type": "string", "enum": pki.Reasons,
			"description": "RFC 5280 reason; unspecified when omitted"}}),
		Response: ref("Certificate")}, h.revoke)
}

func init() {
	schemas["Certificate"] = obj(map[string]any{
		"serial": str("serial number, lower-case hexadecimal"), "issuer_serial": str("the issuing CA certificate's serial; a root names itself"),
		"key_id": str("the key in the key service"), "org": str("organisation code"),
		"kind":       map[string]any{"type": "string", "enum": []string{"root", "org-ca", "seal", "signer", "tsa"}},
		"family":     map[string]any{"type": "string", "enum": []string{"SM2", "ECDSA"}},
		"subject":    str("distinguished name: organisation and seal or purpose, never a person"),
		"not_before": str("RFC 3339"), "not_after": str("RFC 3339"),
		"status":     map[string]any{"type": "string", "enum": []string{"good", "revoked"}},
		"revoked_at": str("RFC 3339, when revoked"), "reason": str("RFC 5280 reason, when revoked"),
		"url": str("the certificate, DER (?format=pem for PEM)"), "chain_url": str("the chain, PEM, leaf first"),
		"status_url": str("the signed JSON status"),
	})
}

type pkiAPI struct{ svc *pki.Service }

// certView is a certificate as the API lists it: the register's fields and where to fetch it.
type certView struct {
	Serial       string     `json:"serial"`
	IssuerSerial string     `json:"issuer_serial"`
	KeyID        string     `json:"key_id"`
	Org          string     `json:"org"`
	Kind         pki.Kind   `json:"kind"`
	Family       pki.Family `json:"family"`
	Subject      string     `json:"subject"`
	NotBefore    time.Time  `json:"not_before"`
	NotAfter     time.Time  `json:"not_after"`
	Status       string     `json:"status"`
	RevokedAt    *time.Time `json:"revoked_at,omitempty"`
	Reason       string     `json:"reason,omitempty"`
	URL          string     `json:"url"`
	ChainURL     string     `json:"chain_url"`
	StatusURL    string     `json:"status_url"`
}

func viewOf(c pki.Certificate) certView {
	return certView{Serial: c.Serial, IssuerSerial: c.IssuerSerial, KeyID: c.KeyID, Org: c.Org, Kind: c.Kind, Family: c.Family,
		Subject: c.Subject, NotBefore: c.NotBefore, NotAfter: c.NotAfter, Status: c.Status, RevokedAt: c.RevokedAt,
		Reason: c.Reason, URL: pkiPublicPath + "certs/" + c.Serial, ChainURL: pkiPublicPath + "certs/" + c.Serial + "/chain",
		StatusURL: pkiPublicPath + "status/" + c.Serial}
}

func (h pkiAPI) list(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if !p.Authenticated() {
		return errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	orgCode := r.URL.Query().Get("org")
	if orgCode == "" {
		orgCode = p.OrgCode
	}
	list, err := h.svc.List(r.Context(), p, orgCode)
	if err != nil {
		return err
	}
	out := make([]certView, 0, len(list))
	for _, c := range list {
		out = append(out, viewOf(c))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h pkiAPI) revoke(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if !p.Authenticated() {
		return errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	var req struct {
		Reason string `json:"reason"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	serial := r.PathValue("serial")
	if err := h.svc.Revoke(r.Context(), p, serial, req.Reason); err != nil {
		return err
	}
	c, err := h.svc.Get(r.Context(), serial)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, viewOf(c))
}

// writeBytes writes a public, cacheable PKI object.
func writeBytes(w http.ResponseWriter, contentType string, maxAge time.Duration, b []byte) error {
	w.Header().Set("Content-Type", contentType)
	if maxAge > 0 {
		w.Header().Set("Cache-Control", "public, max-age="+itoa(int(maxAge/time.Second)))
	} else {
		w.Header().Set("Cache-Control", "no-store")
	}
	_, err := w.Write(b)
	return err
}

func pemOf(certs ...pki.Certificate) []byte {
	var b bytes.Buffer
	for _, c := range certs {
		_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.DER})
	}
	return b.Bytes()
}

// Certificates never change; CRLs and status answers are cached briefly so that a revocation
// shows soon.
const (
	certMaxAge   = 24 * time.Hour
	crlMaxAge    = 5 * time.Minute
	statusMaxAge = time.Minute
)

func (h pkiAPI) roots(w http.ResponseWriter, r *http.Request) error {
	roots, err := h.svc.Roots(r.Context())
	if err != nil {
		return err
	}
	if len(roots) == 0 {
		return errs.E(errs.NotFound, "pki.error.not_found")
	}
	return writeBytes(w, pemFile, time.Hour, pemOf(roots...))
}

func (h pkiAPI) cert(w http.ResponseWriter, r *http.Request) error {
	c, err := h.svc.Get(r.Context(), r.PathValue("serial"))
	if err != nil {
		return err
	}
	switch r.URL.Query().Get("format") {
	case "", "der":
		return writeBytes(w, pkixCert, certMaxAge, c.DER)
	case "pem":
		return writeBytes(w, pemFile, certMaxAge, pemOf(c))
	}
	return errs.Field("format", "pki.error.format")
}

func (h pkiAPI) chain(w http.ResponseWriter, r *http.Request) error {
	chain, err := h.svc.Chain(r.Context(), r.PathValue("serial"))
	if err != nil {
		return err
	}
	return writeBytes(w, pemFile, certMaxAge, pemOf(chain...))
}

func (h pkiAPI) crl(w http.ResponseWriter, r *http.Request) error {
	der, err := h.svc.CRL(r.Context(), r.PathValue("issuer"))
	if err != nil {
		return err
	}
	return writeBytes(w, pkixCRL, crlMaxAge, der)
}

func (h pkiAPI) status(w http.ResponseWriter, r *http.Request) error {
	body, err := h.svc.StatusResponse(r.Context(), r.PathValue("serial"))
	if err != nil {
		return err
	}
	return writeBytes(w, "application/json; charset=utf-8", statusMaxAge, body)
}

// ocspPost is the RFC 6960 Appendix A.1 POST binding.
func (h pkiAPI) ocspPost(w http.ResponseWriter, r *http.Request) error {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != ocspRequest {
		// As for the time-stamping authority: a protocol answer naming the media type to send.
		w.Header().Set("Accept-Post", ocspRequest)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusUnsupportedMediaType)
		_, _ = io.WriteString(w, i18n.T(i18n.Negotiate(r), "pki.error.ocsp_content_type")+"\n")
		return nil
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err // a body over the limit becomes 413 in WriteError
	}
	return h.ocspAnswer(w, r, body)
}

// ocspGet is the GET binding: the request DER, base64, URL-encoded, as the last path segment(s).
func (h pkiAPI) ocspGet(w http.ResponseWriter, r *http.Request) error {
	enc := r.PathValue("request")
	if len(enc) > 2*pki.MaxOCSPRequest {
		return errs.E(errs.TooLarge, "error.too_large")
	}
	// Some clients leave '+' unescaped, which URL decoding turns into a space.
	der, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(enc, " ", "+"))
	if err != nil {
		der = nil // answered as a malformed request
	}
	return h.ocspAnswer(w, r, der)
}

func (h pkiAPI) ocspAnswer(w http.ResponseWriter, r *http.Request, der []byte) error {
	resp, err := h.svc.OCSP(r.Context(), der)
	if err != nil {
		return err
	}
	return writeBytes(w, ocspResponse, 0, resp)
}
