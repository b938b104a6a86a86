package web

import (
	"context"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/license"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/qrcode"
)

// The holders' wallet (我的证照, /my/licenses) and the public licence verifier
// (/licenses/verify). A resident sees their own licences, an agent acting for an enterprise
// with the licences scope the enterprise's; each licence shows its face data, metadata, state,
// history and every use the platform saw, downloads as the issuer's sealed PDF, and is shown as
// a QR code that discloses the fields the holder ticks, for a stated purpose, for five minutes.
// Anyone verifies a licence by pasting a QR code's text or a credential, uploading a picture of
// the QR code or the licence's PDF, or following the QR code on the PDF (?id=). The licence
// service decides who sees what; a licence someone may not see is not found.

// licensePageNames lists this module's page templates.
var licensePageNames = []string{"license/wallet", "license/licence", "license/present", "license/verify"}

// maxVerifyUpload bounds a file the verify page reads: a picture of a QR code or a licence PDF.
const maxVerifyUpload = qrcode.MaxImageBytes

func (s *Site) installLicense(srv *httpserver.Server) {
	if s.cfg.Licenses == nil {
		return
	}
	srv.Handle("GET /my/licenses", s.walletList)
	srv.Handle("GET /my/licenses/{id}", s.walletLicence)
	srv.Handle("GET /my/licenses/{id}/pdf", s.walletPDF)
	srv.Handle("POST /my/licenses/{id}/present", s.walletPresent)
	srv.Handle("GET "+license.VerifyPath, s.licenceVerifyForm)
	// Verification is public and may read an uploaded picture or PDF: the slow public class.
	srv.Handle("POST "+license.VerifyPath, s.licenceVerifyPost, httpserver.RateLimit(httpserver.ClassVerify),
		httpserver.MaxBody(maxVerifyUpload+(64<<10)))
	s.installLicenseGrants(srv)
	s.installLicenseCopies(srv)
}

// licenseNav is the wallet's entry for holders and the verifier's for everyone.
func (s *Site) licenseNav(p principal.Principal) []struct{ href, key string } {
	if s.cfg.Licenses == nil {
		return nil
	}
	var nav []struct{ href, key string }
	if p.Kind == principal.Resident || p.Kind == principal.Agent && p.ActsFor(p.ActingFor, license.ScopeLicences) {
		nav = append(nav, struct{ href, key string }{"/my/licenses", "nav.my_licenses"})
	}
	return append(nav, struct{ href, key string }{license.VerifyPath, "nav.verify_licence"})
}

type walletPage struct {
	basePage
	Licences []walletRow
	// Holder names whose wallet this is: the enterprise an agent acts for, else "".
	Holder string
}

type walletRow struct {
	ID, Name, Number, Issuer, ValidUntil string
	State, StateLabel                    string
}

func (s *Site) walletList(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireSignedIn(p); err != nil {
		return err
	}
	b := s.newBase(w, r, "license.wallet.title")
	list, err := s.cfg.Licenses.Mine(r.Context(), p)
	if err != nil {
		return err
	}
	data := walletPage{basePage: b, Holder: p.ActingForName}
	for _, l := range list {
		st := s.cfg.Licenses.StateOf(l)
		data.Licences = append(data.Licences, walletRow{ID: l.ID, Name: l.NameHans, Number: l.Number, Issuer: l.IssuerName,
			ValidUntil: validUntil(b, l.ValidUntil), State: string(st), StateLabel: b.T("license.state." + string(st))})
	}
	return s.render(w, http.StatusOK, "license/wallet", data)
}

func validUntil(b basePage, day string) string {
	if day == "" {
		return b.T("license.wallet.no_end")
	}
	return day
}

// labelled is a label and a value, for tables.
type labelled struct{ Key, Label, Value string }

type licencePage struct {
	basePage
	L                         license.Licence
	Href                      string
	State, StateLabel, Reason string
	Face                      []labelled
	Meta                      []labelled
	History                   []historyRow
	Uses                      []useRow
	// Fields are the hidden claims the holder may disclose; F the presentation form.
	Fields []choice
	F      form
	// Presentable: the licence is valid, so it may be shown.
	Presentable bool
	// Grants are the holder's grants of the licence and the form to make one (nil to the
	// issuer's officials).
	Grants *grantsSection
	// Copies are the holder's annotated copies of the licence and the form to make one (nil to
	// the issuer's officials).
	Copies *copiesSection
}

type historyRow struct{ At, Kind, Actor, Reason string }

type useRow struct{ At, Kind, By, Purpose string }

// claimLabel names hidden claim key of a licence of type t in lang.
func claimLabel(b basePage, t license.Type, key string) string {
	switch key {
	case license.ClaimHolderName:
		return b.T("license.wallet.holder_name")
	case license.ClaimHolderCode:
		return b.T("license.wallet.holder_code")
	}
	for _, f := range t.Fields {
		if f.Key == key {
			switch b.Lang {
			case i18n.ZhHant:
				return f.NameHant
			case i18n.En:
				return f.NameEn
			}
			return f.NameHans
		}
	}
	return key
}

// walletLicence shows one licence to its holder (and, read-only, to the issuer's officials, who
// see no uses and cannot present it).
func (s *Site) walletLicence(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireSignedIn(p); err != nil {
		return err
	}
	data, err := s.licencePageData(w, r, p)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "license/licence", data)
}

func (s *Site) licencePageData(w http.ResponseWriter, r *http.Request, p principal.Principal) (licencePage, error) {
	ctx := r.Context()
	id := r.PathValue("id")
	l, err := s.cfg.Licenses.Get(ctx, p, id)
	if err != nil {
		return licencePage{}, err
	}
	b := s.newBase(w, r, "license.wallet.licence_title", l.NameHans)
	t, err := s.cfg.Licenses.LicenceType(ctx, l)
	if err != nil {
		return licencePage{}, err
	}
	st := s.cfg.Licenses.StateOf(l)
	data := licencePage{basePage: b, L: l, Href: "/my/licenses/" + url.PathEscape(l.ID), State: string(st),
		StateLabel: b.T("license.state." + string(st)), Reason: b.T("license.reason." + string(st)),
		F: form{Values: url.Values{}, Errors: map[string]string{}}, Presentable: st == license.StateValid}
	for _, f := range t.Fields {
		if v, ok := l.Face[f.Key]; ok {
			data.Face = append(data.Face, labelled{Key: f.Key, Label: claimLabel(b, t, f.Key), Value: v})
		}
	}
	data.Meta = []labelled{
		{Key: "id", Label: b.T("license.wallet.identifier"), Value: l.ID},
		{Key: "number", Label: b.T("license.wallet.number"), Value: l.Number},
		{Key: "holder", Label: b.T("license.wallet.holder_name"), Value: l.HolderName},
		{Key: "holder_code", Label: b.T("license.wallet.holder_code"), Value: l.HolderCode},
		{Key: "issuer", Label: b.T("license.wallet.issuer"), Value: l.IssuerName},
		{Key: "issued_on", Label: b.T("license.wallet.issued_on"), Value: l.IssuedOn},
		{Key: "validity", Label: b.T("license.wallet.validity"), Value: l.ValidFrom + " – " + validUntil(b, l.ValidUntil)},
		{Key: "jurisdiction", Label: b.T("license.wallet.jurisdiction"), Value: l.Jurisdiction},
	}
	if l.StatusReason != "" {
		data.Meta = append(data.Meta, labelled{Key: "status_reason", Label: b.T("license.wallet.status_reason"), Value: l.StatusReason})
	}
	hist, err := s.cfg.Licenses.History(ctx, p, id)
	if err != nil {
		return licencePage{}, err
	}
	for _, h := range hist {
		data.History = append(data.History, historyRow{At: civil(h.At), Kind: b.T("license.wallet.step." + h.Kind),
			Actor: h.Actor, Reason: h.Reason})
	}
	uses, err := s.cfg.Licenses.Uses(ctx, p, id)
	switch {
	case err == nil:
		if data.Grants, err = s.grantsSection(r, b, p, id); err != nil {
			return licencePage{}, err
		}
		if l.ValidUntil != "" && l.ValidUntil < data.Grants.MaxDate {
			data.Grants.MaxDate = l.ValidUntil // a grant ends with the licence at the latest
		}
		if data.Copies, err = s.copiesSection(r, b, p, l); err != nil {
			return licencePage{}, err
		}
		grantees := map[string]string{}
		for _, g := range data.Grants.Rows {
			grantees[g.ID] = g.Grantee
		}
		for _, u := range uses {
			by := u.ByOrg
			if name, ok := grantees[u.GrantID]; ok && u.GrantID != "" {
				by = name
			}
			if by == "" {
				by = b.T("license.wallet.by_public")
			}
			data.Uses = append(data.Uses, useRow{At: civil(u.At), Kind: b.T("license.wallet.use." + u.Kind), By: by, Purpose: u.Purpose})
		}
		for _, key := range license.Disclosable(l, t) {
			data.Fields = append(data.Fields, choice{Value: key, Label: claimLabel(b, t, key)})
		}
	case errs.Is(err, errs.NotFound):
		data.Presentable = false // the issuer's officials read it; only the holder presents it
	default:
		return licencePage{}, err
	}
	return data, nil
}

func (s *Site) walletPDF(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireSignedIn(p); err != nil {
		return err
	}
	id := r.PathValue("id")
	pdf, err := s.cfg.Licenses.PDF(r.Context(), p, id)
	if err != nil {
		return err
	}
	return writePDF(w, "licence.pdf", id, pdf)
}

type presentPage struct {
	basePage
	Href, Name string
	// QR is the PNG of the presentation as a data URL; Text the presentation itself.
	QR        template.URL
	Text      string
	ExpiresAt string
	// Expires is the Unix time it expires, Seconds its lifetime, for the countdown.
	Expires  int64
	Seconds  int
	Purpose  string
	Audience string
	Shown    []string
}

// walletPresent makes a presentation of the fields ticked, for the purpose typed, and shows it as
// a QR code; a form with a mistake comes back with the mistake beside its field.
func (s *Site) walletPresent(w http.ResponseWriter, r *http.Request) error {
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
	data.F = newForm(r, "fields", "purpose", "audience")
	fields := r.PostForm["fields"]
	if len(fields) > 64 {
		fields = fields[:64]
	}
	text, err := s.cfg.Licenses.Present(r.Context(), p, data.L.ID, license.PresentRequest{Fields: fields,
		Purpose: r.PostFormValue("purpose"), Audience: r.PostFormValue("audience")})
	if err != nil {
		status, ok := formStatus(err)
		if !ok {
			return err
		}
		data.F.fail(data.Lang, err, nil)
		return s.render(w, status, "license/licence", data)
	}
	pr, err := credential.ParsePresentation(text)
	if err != nil {
		return err
	}
	png, err := qrcode.PNG(text, qrcode.Options{Level: qrcode.LevelL, Size: 640})
	if err != nil {
		return err
	}
	b := s.newBase(w, r, "license.present.title")
	exp := time.Unix(pr.Expires, 0)
	page := presentPage{basePage: b, Href: data.Href, Name: data.L.NameHans, Text: text,
		QR:        template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)),
		ExpiresAt: exp.In(chinaTime).Format("15:04:05"), Expires: pr.Expires, Seconds: int(pr.Expires - pr.IssuedAt),
		Purpose: pr.Purpose, Audience: pr.Audience}
	for _, c := range data.Fields {
		if data.F.Checked("fields", c.Value) {
			page.Shown = append(page.Shown, c.Label)
		}
	}
	return s.render(w, http.StatusOK, "license/present", page)
}

type licenceVerifyPage struct {
	basePage
	F      form
	Result *licenceVerifyView
}

type licenceVerifyView struct {
	State, StateLabel, Reason string
	Input                     string
	Licence                   *license.Shown
	Disclosed                 []labelled
	Purpose, Audience         string
	CheckedAt                 string
	// StatusAsOf is when another province's status snapshot that gave the state was made.
	StatusAsOf string
	// CopyID is the annotated copy's id when an annotated copy was verified.
	CopyID string
	// File says what was read from an uploaded file: "qr", "pdf", or "".
	File string
	// PDFSignature is what the uploaded PDF's own signature said: "valid", "invalid", or "" when
	// no PDF was uploaded; PDFSigner the seal or signer it names.
	PDFSignature string
	PDFSigner    string
}

// newLicenceVerifyPage is a verify page with an empty form.
func (s *Site) newLicenceVerifyPage(w http.ResponseWriter, r *http.Request) licenceVerifyPage {
	return licenceVerifyPage{basePage: s.newBase(w, r, "license.verify.title"), F: form{Values: url.Values{}, Errors: map[string]string{}}}
}

func (s *Site) licenceVerifyForm(w http.ResponseWriter, r *http.Request) error {
	page := s.newLicenceVerifyPage(w, r)
	id := strings.TrimSpace(r.URL.Query().Get("id"))
	if id == "" {
		return s.render(w, http.StatusOK, "license/verify", page)
	}
	if len(id) > 200 {
		id = id[:200]
	}
	res, err := s.cfg.Licenses.Verify(r.Context(), id)
	if err != nil {
		return err
	}
	page.Result = s.licenceVerifyView(r.Context(), page.basePage, res)
	return s.render(w, http.StatusOK, "license/verify", page)
}

func (s *Site) licenceVerifyPost(w http.ResponseWriter, r *http.Request) error {
	page := s.newLicenceVerifyPage(w, r)
	if err := r.ParseMultipartForm(1 << 20); err != nil && err != http.ErrNotMultipart {
		if strings.Contains(err.Error(), "too large") {
			page.F.failField(page.Lang, "file", "license.verify.error.file_too_large", maxVerifyUpload>>20)
			return s.render(w, http.StatusRequestEntityTooLarge, "license/verify", page)
		}
		return errs.Wrapf(errs.Invalid, err, "error.invalid")
	}
	if r.MultipartForm != nil {
		defer func() { _ = r.MultipartForm.RemoveAll() }()
	}
	page.F = newForm(r, "text")
	text := r.PostFormValue("text")
	file, _, uploaded, err := readUpload(r, "file", maxVerifyUpload, "license.verify.error.file_too_large", maxVerifyUpload>>20)
	if err != nil {
		page.F.fail(page.Lang, err, nil)
		return s.render(w, httpserver.Status(errs.KindOf(err)), "license/verify", page)
	}
	var kind, pdfSig, pdfSigner, copyID string
	switch {
	case uploaded && strings.HasPrefix(string(file[:min(len(file), 5)]), "%PDF-"):
		kind = "pdf"
		id, err := license.PDFIdentifier(file)
		if cid, cerr := license.PDFCopyID(file); err != nil && cerr == nil {
			copyID, err = cid, nil // an annotated copy's PDF names the copy
		}
		if err != nil {
			page.F.fail(page.Lang, err, nil)
			return s.render(w, http.StatusBadRequest, "license/verify", page)
		}
		text = id
		pdfSig, pdfSigner, err = s.checkPDFSignature(r.Context(), file)
		if err != nil {
			return err
		}
	case uploaded:
		kind = "qr"
		decoded, err := qrcode.Read(file)
		if err != nil {
			page.F.fail(page.Lang, errs.Field("file", "license.verify.error.no_qr"), nil)
			return s.render(w, http.StatusBadRequest, "license/verify", page)
		}
		text = decoded
	case strings.TrimSpace(text) == "":
		page.F.failField(page.Lang, "text", "license.verify.error.nothing")
		return s.render(w, http.StatusBadRequest, "license/verify", page)
	}
	var res license.VerifyResult
	if copyID != "" {
		res, err = s.cfg.Licenses.VerifyCopyID(r.Context(), copyID)
	} else {
		res, err = s.cfg.Licenses.Verify(r.Context(), license.VerifyInput(text))
	}
	if err != nil {
		return err
	}
	page.Result = s.licenceVerifyView(r.Context(), page.basePage, res)
	page.Result.File, page.Result.PDFSignature, page.Result.PDFSigner = kind, pdfSig, pdfSigner
	page.F = form{Values: url.Values{}, Errors: map[string]string{}} // the form below starts afresh
	return s.render(w, http.StatusOK, "license/verify", page)
}

// checkPDFSignature verifies an uploaded licence PDF's own signature against this node's trust
// services: "valid" or "invalid", with the seal (or signer) it names.
func (s *Site) checkPDFSignature(ctx context.Context, pdf []byte) (string, string, error) {
	if s.cfg.Sign == nil {
		return "invalid", "", nil
	}
	v, err := s.cfg.Sign.Verify(ctx, pdf, nil)
	if errs.Is(err, errs.Invalid) || errs.Is(err, errs.TooLarge) {
		return "invalid", "", nil // no readable signature
	}
	if err != nil {
		return "", "", err
	}
	signer := v.Signer.CommonName
	if v.Seal != nil {
		signer = v.Seal.Name
	}
	if v.Valid {
		return "valid", signer, nil
	}
	return "invalid", signer, nil
}

// licenceVerifyView is a verification's result as the page shows it, with the disclosed claims named
// in the reader's language where this node knows the licence's type.
func (s *Site) licenceVerifyView(ctx context.Context, b basePage, res license.VerifyResult) *licenceVerifyView {
	v := &licenceVerifyView{State: string(res.State), StateLabel: b.T("license.state." + string(res.State)), Reason: b.T(res.Reason),
		Input: res.Input, Licence: res.Licence, Purpose: res.Purpose, Audience: res.Audience, CheckedAt: civil(res.CheckedAt)}
	if res.Input == license.InputCopy {
		v.CopyID = res.CopyID
	}
	if res.StatusAsOf != nil {
		v.StatusAsOf = civil(*res.StatusAsOf)
	}
	if res.Licence != nil && len(res.Licence.Disclosed) > 0 {
		t, _ := s.cfg.Licenses.Published(ctx, res.Licence.TypeCode)
		keys := license.Disclosable(license.Licence{Face: res.Licence.Disclosed}, t)
		for _, k := range keys {
			if val, ok := res.Licence.Disclosed[k]; ok {
				v.Disclosed = append(v.Disclosed, labelled{Key: k, Label: claimLabel(b, t, k), Value: val})
			}
		}
	}
	return v
}
