package web

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/sign"
)

// Signing and verification (/sign, /verify): a department's seal users sign a document with one
// of its seals and take the signature away; anyone verifies a signed document and reads, in
// plain words, who signed it, with which seal, when, and whether anything has changed since.
// The signing service decides who may sign and what a signature is worth; these pages turn its
// answers into pages.

func (s *Site) installSign(srv *httpserver.Server) {
	if s.cfg.Sign == nil || s.cfg.Seals == nil {
		return
	}
	// Room for a document just over the limit, so that the form can say what is wrong with it.
	srv.Handle("GET /sign", s.signForm)
	srv.Handle("POST /sign", s.signPost, httpserver.MaxBody(sign.MaxDocument+(1<<20)))
	srv.Handle("GET /verify", s.verifyForm)
	// Verification is public and costs the server a signature check per upload: it is in the
	// slow class of the other public forms.
	srv.Handle("POST /verify", s.verifyPost, httpserver.RateLimit(httpserver.ClassVerify),
		httpserver.MaxBody(2*sign.MaxDocument+(1<<20)))
}

// requireSealUser refuses the public (to the login), and everyone but officials with the
// seal-user role.
func requireSealUser(p principal.Principal) error {
	if err := requireTrustOfficial(p); err != nil {
		return err
	}
	if !p.HasRole(principal.RoleSealUser) {
		return errs.E(errs.Forbidden, "trust.error.seal_users_only")
	}
	return nil
}

// ---- signing ----------------------------------------------------------------------------

type signPage struct {
	basePage
	Seals []signSeal
	F     form
	// MaxMB is the largest document, in MB.
	MaxMB int
}

// signSeal is a usable seal with the formats it may sign in.
type signSeal struct {
	sealView
	ImageAlt string
	Formats  []choice
}

// signFields are the signing form's fields: use is "<seal id>:<format>".
var signFields = []string{"use", "reason"}

func (s *Site) newSignPage(w http.ResponseWriter, r *http.Request, f form) (signPage, error) {
	p := principal.From(r.Context())
	b := s.newBase(w, r, "trust.sign.title")
	name, err := s.orgs.namer(r, b.Lang)
	if err != nil {
		return signPage{}, err
	}
	list, err := s.cfg.Seals.List(r.Context(), p, p.OrgCode)
	if err != nil {
		return signPage{}, err
	}
	page := signPage{basePage: b, F: f, MaxMB: sign.MaxDocument >> 20}
	now := s.cfg.DB.Clock().Now()
	for _, sl := range list {
		if !sl.UsableAt(now) {
			continue
		}
		v := signSeal{sealView: s.newSealView(b, name, sl), ImageAlt: b.T("trust.seal.image_alt", sl.Name, sl.Code)}
		for _, f := range sealFormats(sl) {
			v.Formats = append(v.Formats, choice{Value: sl.ID + ":" + string(f), Label: b.T(msgKey("trust.format.", string(f)))})
		}
		page.Seals = append(page.Seals, v)
	}
	// A fresh form has the first seal's first format chosen; a form sent back keeps the choice.
	if r.Method == http.MethodGet && len(page.Seals) > 0 {
		page.F.Values.Set("use", page.Seals[0].Formats[0].Value)
	}
	return page, nil
}

func (s *Site) signForm(w http.ResponseWriter, r *http.Request) error {
	if err := requireSealUser(principal.From(r.Context())); err != nil {
		return err
	}
	page, err := s.newSignPage(w, r, newForm(r))
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "trust/sign", page)
}

// signRequest is the request the form describes. The seal and format come as one choice
// ("use"), so that only the formats a seal allows are offered; seal and format separately are
// accepted too.
func signRequest(r *http.Request) (sign.Request, error) {
	req := sign.Request{SealID: r.PostFormValue("seal"), Format: sign.Format(r.PostFormValue("format")),
		Reason: strings.TrimSpace(r.PostFormValue("reason"))}
	if use := r.PostFormValue("use"); use != "" {
		id, f, _ := strings.Cut(use, ":")
		req.SealID, req.Format = id, sign.Format(f)
	}
	if req.SealID == "" {
		return req, errs.Field("use", "trust.sign.error.choose_seal")
	}
	doc, name, ok, err := readUpload(r, "document", sign.MaxDocument, "sign.error.document_too_large", sign.MaxDocument>>20)
	if err != nil {
		return req, err
	}
	if !ok {
		return req, errs.Field("document", "sign.error.document_empty")
	}
	req.Document, req.DocumentName = doc, baseName(name)
	return req, nil
}

// baseName is a file name without any folder a browser may have sent with it.
func baseName(name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	if name == "." || name == "/" {
		return ""
	}
	return name
}

func (s *Site) signPost(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireSealUser(p); err != nil {
		return err
	}
	if err := parseUpload(r); err != nil {
		return err
	}
	req, err := signRequest(r)
	var res sign.Result
	if err == nil {
		res, err = s.cfg.Sign.Sign(r.Context(), p, req)
	}
	if err != nil {
		status, ok := formStatus(err, errs.TooLarge)
		if !ok {
			return err
		}
		page, perr := s.newSignPage(w, r, newForm(r, signFields...))
		if perr != nil {
			return perr
		}
		page.F.fail(page.Lang, err, map[string]string{"seal": "use", "format": "use"})
		return s.render(w, status, "trust/sign", page)
	}
	h := w.Header()
	h.Set("Content-Type", res.ContentType)
	h.Set("Content-Disposition", attachment(res.FileName))
	h.Set("Content-Length", strconv.Itoa(len(res.Signature)))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Yiwang-Signature-Id", res.ID)
	if res.LedgerIndex != nil {
		h.Set("X-Yiwang-Ledger-Index", strconv.FormatInt(*res.LedgerIndex, 10))
	}
	_, err = w.Write(res.Signature)
	return err
}

// attachment is a Content-Disposition that downloads a file named name: a plain ASCII name for
// old clients and the real one in UTF-8 (RFC 6266, RFC 5987) for the others.
func attachment(name string) string {
	var fallback strings.Builder
	for _, r := range name {
		switch {
		case r < 0x20 || r >= 0x7f || r == '"' || r == '\\' || r == '%':
			fallback.WriteByte('_')
		default:
			fallback.WriteRune(r)
		}
	}
	return `attachment; filename="` + fallback.String() + `"; filename*=UTF-8''` + rfc5987(name)
}

// rfc5987 percent-encodes every byte of s that is not an attr-char of RFC 5987.
func rfc5987(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// ---- verification -----------------------------------------------------------------------

type verifyPage struct {
	basePage
	F     form
	MaxMB int
	// Result is the verification of what was uploaded; nil shows the form alone.
	Result *verifyResult
}

// verifyResult is a verification report put into words.
type verifyResult struct {
	Valid                            bool
	DocumentName, SignatureName      string
	DocumentSHA256                   string
	Format                           string
	SignerName, SignerOrg            string
	CertSerial, CertIssuer           string
	CertNotBefore, CertNotAfter      string
	Algorithm                        string
	Seal                             *sealFacts
	Time, TimeSource, TSA, TSASerial string
	TimeWarning                      string
	SignatureValid, DocumentIntact   bool
	CertificateValid, ChainTrusted   bool
	Status, StatusLabel, RevokedAt   string
	Registered                       bool
	RegisteredAt                     string
	// LedgerIndex is the entry that logged the signature, when HasLedger.
	LedgerIndex             int64
	HasLedger               bool
	Errors, Warnings        []string
	PDFSignatures           int
	PDFCoversWholeFile, PDF bool
	// The checks in words: certificate valid then, document intact, signature genuine.
	CertCheck, IntactCheck, GenuineCheck check
}

// check is the outcome of one check, with its words.
type check struct {
	OK    bool
	Label string
}

func newCheck(b basePage, ok bool, yes, no string) check {
	if ok {
		return check{OK: true, Label: b.T(yes)}
	}
	return check{Label: b.T(no)}
}

// sealFacts is what a verifier may learn of the seal that signed.
type sealFacts struct {
	ID, Name, Code, Kind, OrgName, Status, StatusLabel, ValidFrom, ValidTo, RevokedAt string
}

func (s *Site) newVerifyPage(w http.ResponseWriter, r *http.Request, f form) verifyPage {
	return verifyPage{basePage: s.newBase(w, r, "trust.verify.title"), F: f, MaxMB: sign.MaxDocument >> 20}
}

func (s *Site) verifyForm(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, http.StatusOK, "trust/verify", s.newVerifyPage(w, r, newForm(r)))
}

func (s *Site) verifyPost(w http.ResponseWriter, r *http.Request) error {
	fail := func(err error) error {
		status, ok := formStatus(err, errs.TooLarge)
		if !ok {
			return err
		}
		page := s.newVerifyPage(w, r, newForm(r))
		page.F.fail(page.Lang, err, nil)
		return s.render(w, status, "trust/verify", page)
	}
	if err := parseUpload(r); err != nil {
		return fail(err)
	}
	doc, docName, ok, err := readUpload(r, "document", sign.MaxDocument, "sign.error.document_too_large", sign.MaxDocument>>20)
	if err != nil {
		return fail(err)
	}
	if !ok {
		return fail(errs.Field("document", "sign.error.document_empty"))
	}
	sig, sigName, _, err := readUpload(r, "signature", sign.MaxDocument, "sign.error.document_too_large", sign.MaxDocument>>20)
	if err != nil {
		return fail(err)
	}
	v, err := s.cfg.Sign.Verify(r.Context(), doc, sig)
	if err != nil {
		// Verify refuses a file that holds no signature it can read as invalid input without
		// naming a field: it is the document when nothing else was sent.
		if pe := errs.Public(err); pe.Kind == errs.Invalid && pe.Field == "" {
			field := "signature"
			if len(sig) == 0 {
				field = "document"
			}
			err = &errs.Error{Kind: errs.Invalid, Field: field, Message: pe.Message, Args: pe.Args, Err: err}
		}
		return fail(err)
	}
	page := s.newVerifyPage(w, r, newForm(r))
	name, err := s.orgs.namer(r, page.Lang)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(doc)
	res := describeVerification(page.basePage, name, v)
	res.DocumentName, res.SignatureName, res.DocumentSHA256 = baseName(docName), baseName(sigName), hex.EncodeToString(sum[:])
	page.Result = &res
	page.Title = page.T("trust.verify.result_title")
	return s.render(w, http.StatusOK, "trust/verify", page)
}

// describeVerification puts a verification into the reader's words.
func describeVerification(b basePage, name func(string) string, v sign.Verification) verifyResult {
	res := verifyResult{Valid: v.Valid, Format: b.T(msgKey("trust.verify.format.", v.Format)),
		SignerName: v.Signer.CommonName, SignerOrg: v.Signer.Organisation, CertSerial: v.Signer.Serial,
		CertIssuer: v.Signer.IssuerCommonName, Algorithm: v.Signer.Algorithm,
		SignatureValid: v.SignatureValid, DocumentIntact: v.DocumentIntact, CertificateValid: v.CertificateValidAtSigning,
		ChainTrusted: v.ChainTrusted, Status: v.Status, StatusLabel: b.T(msgKey("trust.verify.status.", v.Status)),
		Registered: v.Registered}
	if v.LedgerIndex != nil {
		res.LedgerIndex, res.HasLedger = *v.LedgerIndex, true
	}
	res.CertCheck = newCheck(b, v.CertificateValidAtSigning, "trust.verify.cert_valid_yes", "trust.verify.cert_valid_no")
	res.IntactCheck = newCheck(b, v.DocumentIntact, "trust.verify.intact_yes", "trust.verify.intact_no")
	res.GenuineCheck = newCheck(b, v.SignatureValid, "trust.verify.genuine_yes", "trust.verify.genuine_no")
	if res.CertIssuer == "" {
		res.CertIssuer = v.Signer.Issuer
	}
	if !v.Signer.NotBefore.IsZero() {
		res.CertNotBefore, res.CertNotAfter = civil(v.Signer.NotBefore), civil(v.Signer.NotAfter)
	}
	if v.RevokedAt != nil {
		res.RevokedAt = civil(*v.RevokedAt)
	}
	if v.SignedAt != nil {
		res.RegisteredAt = civil(*v.SignedAt)
	}
	if v.PDF != nil {
		res.PDF, res.PDFSignatures, res.PDFCoversWholeFile = true, v.PDF.Signatures, v.PDF.CoversWholeFile
	}
	switch v.TimeSource {
	case "timestamp":
		res.TimeSource = b.T("trust.verify.time_timestamp")
		res.Time = civil(v.Timestamp.Time)
		res.TSA, res.TSASerial = commonName(v.Timestamp.TSA), v.Timestamp.Serial
	case "signing_time":
		res.TimeSource = b.T("trust.verify.time_signing")
		res.Time = civil(v.SigningTime)
		res.TimeWarning = b.T("trust.verify.time_signing_warning")
	default:
		res.TimeSource = b.T("trust.verify.time_none")
		if !v.CheckedAt.IsZero() {
			res.Time = civil(v.CheckedAt)
		}
		res.TimeWarning = b.T("trust.verify.time_none_warning")
	}
	if v.Seal != nil {
		sf := sealFacts{ID: v.Seal.ID, Name: v.Seal.Name, Code: v.Seal.Code, Kind: b.T(msgKey("trust.kind.", string(v.Seal.Kind))),
			OrgName: name(v.Seal.Org), Status: string(v.Seal.Status), StatusLabel: b.T(msgKey("trust.status.", string(v.Seal.Status))),
			ValidFrom: civil(v.Seal.ValidFrom), ValidTo: civil(v.Seal.ValidTo)}
		if v.Seal.RevokedAt != nil {
			sf.RevokedAt = civil(*v.Seal.RevokedAt)
		}
		res.Seal = &sf
	}
	for _, p := range v.Problems {
		msg := i18n.T(b.Lang, p.Key, p.Args...)
		if p.Severity == sign.SeverityError {
			res.Errors = append(res.Errors, msg)
		} else {
			res.Warnings = append(res.Warnings, msg)
		}
	}
	return res
}

// commonName is the common name of a distinguished name written "CN=…,O=…", or the whole name
// when it does not start with one: people know an authority by its name.
func commonName(dn string) string {
	rest, ok := strings.CutPrefix(dn, "CN=")
	if !ok {
		return dn
	}
	for i := 0; i < len(rest); i++ {
		switch rest[i] {
		case '\\':
			i++
		case ',', '+':
			return rest[:i]
		}
	}
	return rest
}
