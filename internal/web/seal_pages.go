package web

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/seal"
	"github.com/yiwang-platform/yiwang/internal/sign"
)

// The seal registry's pages (/seals): an organisation's officials see its electronic seals,
// its administrators ask for new ones and for revocations, and its approvers — someone other
// than whoever asked — decide. The seal registry decides who may do what; these pages refuse
// early whoever has no business here and offer each person only the buttons they may press.

func (s *Site) installSeals(srv *httpserver.Server) {
	if s.cfg.Seals == nil {
		return
	}
	srv.Handle("GET /seals", s.sealList)
	// Room for a picture just over the limit, so that the form can say what is wrong with it.
	srv.Handle("POST /seals", s.sealRequest, httpserver.MaxBody(2*seal.MaxImageBytes+(64<<10)))
	srv.Handle("GET /seals/{id}", s.sealDetail)
	srv.Handle("GET /seals/{id}/image.png", s.sealImage)
	srv.Handle("POST /seals/{id}/approve", s.sealApprove)
	srv.Handle("POST /seals/{id}/reject", s.sealReject)
	srv.Handle("POST /seals/{id}/revoke", s.sealRevoke)
	srv.Handle("POST /seals/{id}/revocation", s.sealRevocation)
}

// trustNav is what the navigation offers of the trust services: verification and the ledger to
// everyone, the seals to officials, signing to seal users.
func (s *Site) trustNav(p principal.Principal) []struct{ href, key string } {
	var nav []struct{ href, key string }
	if s.cfg.Sign != nil {
		nav = append(nav, struct{ href, key string }{"/verify", "nav.verify"})
	}
	if s.cfg.Ledger != nil {
		nav = append(nav, struct{ href, key string }{"/ledger", "nav.ledger"})
	}
	if s.cfg.Seals != nil && requireTrustOfficial(p) == nil {
		nav = append(nav, struct{ href, key string }{"/seals", "nav.seals"})
	}
	if s.cfg.Sign != nil && requireSealUser(p) == nil {
		nav = append(nav, struct{ href, key string }{"/sign", "nav.sign"})
	}
	return nav
}

// requireTrustOfficial refuses the public (to the login) and everyone who is not an official.
func requireTrustOfficial(p principal.Principal) error {
	if err := requireSignedIn(p); err != nil {
		return err
	}
	if p.Kind != principal.Official {
		return errs.E(errs.Forbidden, "trust.error.officials_only")
	}
	return nil
}

// inDigitalOffice reports whether p is an official of the digital office, who sees every
// organisation's seals.
func inDigitalOffice(p principal.Principal) bool { return p.IsOfficial(org.DigitalOffice) }

// mayRequestSeals reports whether p may ask for seals of organisation orgCode ("" for any), as
// the seal registry allows: its administrators and the digital office's.
func mayRequestSeals(p principal.Principal, orgCode string) bool {
	return p.Kind == principal.Official && p.HasRole(principal.RoleAdministrator) &&
		(orgCode == "" || p.OrgCode == orgCode || inDigitalOffice(p))
}

// mayDecideSeals reports whether p may decide on requests for seals of organisation orgCode: its
// approvers and the digital office's.
func mayDecideSeals(p principal.Principal, orgCode string) bool {
	return p.Kind == principal.Official && p.HasRole(principal.RoleApprover) && (p.OrgCode == orgCode || inDigitalOffice(p))
}

// sealAlgorithms are the algorithms a seal may have, in the order the form offers them.
var sealAlgorithms = []keys.Algorithm{keys.SM2, keys.ECDSAP256}

// sealFields are the request form's fields, named as the seal registry names them in its errors
// (valid_from is the page's own).
var sealFields = []string{"org", "kind", "name", "caption", "algorithm", "valid_from", "valid_to"}

// sealView is a seal as the pages show it.
type sealView struct {
	ID, Code, Name, Kind, Algorithm, AlgorithmHint, OrgCode, OrgName string
	Status, StatusLabel                                              string
	ValidFrom, ValidTo                                               string
	Usable                                                           bool
}

func (s *Site) newSealView(b basePage, name func(string) string, sl seal.Seal) sealView {
	return sealView{ID: sl.ID, Code: sl.Code, Name: sl.Name, Kind: b.T(msgKey("trust.kind.", string(sl.Kind))),
		Algorithm: b.T(msgKey("trust.algorithm.", string(sl.Algorithm))), AlgorithmHint: b.T(msgKey("trust.algorithm_hint.", string(sl.Algorithm))),
		OrgCode: sl.Org, OrgName: name(sl.Org), Status: string(sl.Status), StatusLabel: b.T(msgKey("trust.status.", string(sl.Status))),
		ValidFrom: civil(sl.ValidFrom), ValidTo: civil(sl.ValidTo), Usable: sl.UsableAt(s.cfg.DB.Clock().Now())}
}

// ---- the list and the request form ---------------------------------------------------------

type sealsPage struct {
	basePage
	Seals []sealView
	// AllOrgs: the reader sees every organisation's seals and may filter them (Org, Orgs).
	orgFilter
	// CanRequest shows the request form; ChooseOrg lets a digital-office administrator ask for
	// any organisation.
	CanRequest bool
	ChooseOrg  bool
	Kinds      []choice
	Algorithms []hintedChoice
	F          form
}

// hintedChoice is an option with a line that explains it.
type hintedChoice struct {
	Value, Label, Hint string
}

func (s *Site) newSealsPage(w http.ResponseWriter, r *http.Request, f form) (sealsPage, error) {
	p := principal.From(r.Context())
	b := s.newBase(w, r, "trust.seals.title")
	name, orgs, err := s.orgs.all(r, b.Lang)
	if err != nil {
		return sealsPage{}, err
	}
	page := sealsPage{basePage: b, orgFilter: pickOrg(r, orgs, inDigitalOffice(p), ""), CanRequest: mayRequestSeals(p, p.OrgCode),
		ChooseOrg: mayRequestSeals(p, p.OrgCode) && inDigitalOffice(p), F: f}
	filter := page.Org
	if !page.AllOrgs {
		filter = p.OrgCode
	}
	list, err := s.cfg.Seals.List(r.Context(), p, filter)
	if err != nil {
		return sealsPage{}, err
	}
	for _, sl := range list {
		page.Seals = append(page.Seals, s.newSealView(b, name, sl))
	}
	for _, k := range seal.Kinds {
		page.Kinds = append(page.Kinds, choice{Value: string(k), Label: b.T(msgKey("trust.kind.", string(k)))})
	}
	for _, a := range sealAlgorithms {
		page.Algorithms = append(page.Algorithms, hintedChoice{Value: string(a), Label: b.T(msgKey("trust.algorithm.", string(a))),
			Hint: b.T(msgKey("trust.algorithm_hint.", string(a)))})
	}
	if page.F.V("org") == "" {
		page.F.Values.Set("org", p.OrgCode)
	}
	if r.Method == http.MethodGet {
		// A fresh form offers the national algorithm; a form sent back keeps what was sent.
		page.F.Values.Set("algorithm", string(keys.SM2))
	}
	if page.F.V("valid_from") == "" && page.F.V("valid_to") == "" {
		today := civilDay(s.cfg.DB.Clock().Now())
		page.F.Values.Set("valid_from", today.Format(time.DateOnly))
		page.F.Values.Set("valid_to", today.AddDate(3, 0, -1).Format(time.DateOnly))
	}
	return page, nil
}

// rebase points the page's language links, large-type switch and navigation at path: a form
// posted to an address of its own (/seals/{id}/approve) is sent back on the page it belongs
// to, which a link can show again.
func (b *basePage) rebase(path string) {
	b.Path = path
	for i := range b.Langs {
		b.Langs[i].Href = path + "?" + url.Values{"lang": {string(b.Langs[i].Lang)}}.Encode()
	}
	for i := range b.Nav {
		b.Nav[i].Current = b.Nav[i].Href == path
	}
}

// civilDay is the start of t's day in China time.
func civilDay(t time.Time) time.Time {
	y, m, d := t.In(chinaTime).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, chinaTime)
}

func (s *Site) sealList(w http.ResponseWriter, r *http.Request) error {
	if err := requireTrustOfficial(principal.From(r.Context())); err != nil {
		return err
	}
	page, err := s.newSealsPage(w, r, newForm(r))
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "trust/seals", page)
}

// parseUpload parses a multipart form, keeping up to 8 MB in memory; a body over the route's
// limit is too large, anything else unreadable is invalid.
func parseUpload(r *http.Request) error {
	err := r.ParseMultipartForm(8 << 20)
	var tooBig *http.MaxBytesError
	switch {
	case err == nil, errors.Is(err, http.ErrNotMultipart):
		return parseForm(r)
	case errors.As(err, &tooBig):
		return errs.Wrapf(errs.TooLarge, err, "error.too_large")
	}
	return errs.Wrapf(errs.Invalid, err, "error.invalid")
}

// readUpload reads the file of field name, at most max bytes: ok is false when none was chosen,
// and a file over max is errs.TooLarge on the field with message key tooLarge.
func readUpload(r *http.Request, field string, max int64, tooLarge string, args ...any) (data []byte, filename string, ok bool, err error) {
	if r.MultipartForm == nil {
		return nil, "", false, nil
	}
	fhs := r.MultipartForm.File[field]
	if len(fhs) == 0 || fhs[0].Filename == "" && fhs[0].Size == 0 {
		return nil, "", false, nil
	}
	fh := fhs[0]
	if fh.Size > max {
		return nil, fh.Filename, true, &errs.Error{Kind: errs.TooLarge, Field: field, Message: tooLarge, Args: args}
	}
	f, err := fh.Open()
	if err != nil {
		return nil, fh.Filename, true, errs.Wrapf(errs.Invalid, err, "error.invalid")
	}
	defer f.Close()
	data, err = io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fh.Filename, true, errs.Wrapf(errs.Invalid, err, "error.invalid")
	}
	if int64(len(data)) > max {
		return nil, fh.Filename, true, &errs.Error{Kind: errs.TooLarge, Field: field, Message: tooLarge, Args: args}
	}
	return data, fh.Filename, true, nil
}

// postedSealRequest is the request the form describes, or a field error the registry would not
// find itself (a date that is not one).
func postedSealRequest(r *http.Request, p principal.Principal) (seal.Request, error) {
	v := r.PostFormValue
	req := seal.Request{Org: p.OrgCode, Kind: seal.Kind(v("kind")), Name: v("name"), Caption: v("caption"),
		Algorithm: keys.Algorithm(v("algorithm"))}
	if inDigitalOffice(p) && v("org") != "" {
		req.Org = v("org")
	}
	from, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(v("valid_from")), chinaTime)
	if err != nil {
		return req, errs.Field("valid_from", "trust.seals.error.date")
	}
	to, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(v("valid_to")), chinaTime)
	if err != nil {
		return req, errs.Field("valid_to", "trust.seals.error.date")
	}
	// The seal is valid through the whole of its last day.
	req.ValidFrom, req.ValidTo = from, to.AddDate(0, 0, 1)
	img, _, _, err := readUpload(r, "image", seal.MaxImageBytes, "error.seal_image_size")
	req.Image = img
	return req, err
}

func (s *Site) sealRequest(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireTrustOfficial(p); err != nil {
		return err
	}
	if !mayRequestSeals(p, p.OrgCode) {
		return errs.E(errs.Forbidden, "error.seal_request_forbidden")
	}
	if err := parseUpload(r); err != nil {
		return err
	}
	req, err := postedSealRequest(r, p)
	var created seal.Seal
	if err == nil {
		created, err = s.cfg.Seals.RequestSeal(r.Context(), p, req)
	}
	if err != nil {
		status, ok := formStatus(err, errs.TooLarge)
		if !ok {
			return err
		}
		page, perr := s.newSealsPage(w, r, newForm(r, sealFields...))
		if perr != nil {
			return perr
		}
		page.F.fail(page.Lang, err, nil)
		return s.render(w, status, "trust/seals", page)
	}
	seeOther(w, r, sealPath(created.ID)+"?done=requested")
	return nil
}

// sealPath is the page of seal id.
func sealPath(id string) string { return "/seals/" + url.PathEscape(id) }

// ---- one seal ---------------------------------------------------------------------------

type sealPage struct {
	basePage
	Seal sealView
	// ImageAlt describes the picture for those who cannot see it.
	ImageAlt string
	Cert     *certView
	// Who asked and decided, by login, and when.
	RequestedBy, RequestedAt, DecidedBy, DecidedAt, RejectReason  string
	RevokeRequestedBy, RevokeRequestedAt, RevokeReason, RevokedBy string
	RevokedAt                                                     string
	// What the reader may do now.
	CanDecide, CanDecideRevocation, CanRequestRevocation bool
	// OwnRequest: the reader asked for what waits for a decision, so another approver must
	// decide (the two-person rule).
	OwnRequest bool
	Reasons    []choice
	// F is the form of Action ("approve", "reject", "revoke", "revocation") sent back.
	Action  string
	F       form
	Done    string
	Records []recordView
}

type certView struct {
	Serial, Subject, NotBefore, NotAfter, Status string
}

type recordView struct {
	Time, Signer, Format, Document, DigestShort, Digest string
	LedgerIndex                                         *int64
}

// loginOf names the person of an audit actor ("official:scj.admin") by their login.
func loginOf(actor string) string {
	if _, login, ok := strings.Cut(actor, ":"); ok {
		return login
	}
	return actor
}

func derefLogin(actor *string) string {
	if actor == nil {
		return ""
	}
	return loginOf(*actor)
}

func civilPtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return civil(*t)
}

// revocationLabel translates a stored revocation reason ("keyCompromise: note").
func revocationLabel(b basePage, stored string) string {
	reason, note, _ := strings.Cut(stored, ":")
	if !slices.Contains(seal.RevocationReasons, reason) {
		return stored
	}
	label := b.T(msgKey("trust.reason.", reason))
	if note = strings.TrimSpace(note); note != "" {
		label += b.T("trust.seal.reason_note", note)
	}
	return label
}

// newSealPage builds the page of the seal of the request's path for p, who may see it.
func (s *Site) newSealPage(w http.ResponseWriter, r *http.Request) (sealPage, error) {
	p := principal.From(r.Context())
	sl, err := s.cfg.Seals.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return sealPage{}, err
	}
	b := s.newBase(w, r, "trust.seal.title", sl.Name)
	name, err := s.orgs.namer(r, b.Lang)
	if err != nil {
		return sealPage{}, err
	}
	page := sealPage{basePage: b, Seal: s.newSealView(b, name, sl), F: newForm(r),
		ImageAlt:    b.T("trust.seal.image_alt", sl.Name, sl.Code),
		RequestedBy: loginOf(sl.RequestedBy), RequestedAt: civil(sl.RequestedAt),
		DecidedBy: derefLogin(sl.DecidedBy), DecidedAt: civilPtr(sl.DecidedAt), RejectReason: sl.RejectReason,
		RevokeRequestedBy: derefLogin(sl.RevokeRequestedBy), RevokeRequestedAt: civilPtr(sl.RevokeRequestedAt),
		RevokedBy: derefLogin(sl.RevokedBy), RevokedAt: civilPtr(sl.RevokedAt)}
	if sl.RevokeReason != "" {
		page.RevokeReason = revocationLabel(b, sl.RevokeReason)
	}
	decider := mayDecideSeals(p, sl.Org)
	page.CanDecide = decider && sl.Status == seal.Pending
	page.CanDecideRevocation = decider && sl.Status == seal.RevocationPending
	page.CanRequestRevocation = mayRequestSeals(p, sl.Org) && sl.Status == seal.Active
	switch {
	case page.CanDecide:
		page.OwnRequest = p.Actor() == sl.RequestedBy
	case page.CanDecideRevocation:
		page.OwnRequest = sl.RevokeRequestedBy != nil && p.Actor() == *sl.RevokeRequestedBy
	}
	for _, reason := range seal.RevocationReasons {
		page.Reasons = append(page.Reasons, choice{Value: reason, Label: b.T(msgKey("trust.reason.", reason))})
	}
	if sl.CertSerial != nil && s.cfg.PKI != nil {
		c, err := s.cfg.PKI.Get(r.Context(), *sl.CertSerial)
		if err != nil {
			return sealPage{}, err
		}
		cv := certView{Serial: c.Serial, Subject: c.Subject, NotBefore: civil(c.NotBefore), NotAfter: civil(c.NotAfter),
			Status: b.T(msgKey("trust.cert_status.", c.Status))}
		page.Cert = &cv
	}
	if s.cfg.Sign != nil {
		recs, err := s.cfg.Sign.Records(r.Context(), p, sl.ID, 20)
		if err != nil {
			return sealPage{}, err
		}
		for _, rec := range recs {
			page.Records = append(page.Records, recordView{Time: civil(rec.SignedAt), Signer: loginOf(rec.Signer),
				Format: b.T(msgKey("trust.format.", string(rec.Format))), Document: rec.DocumentName,
				Digest: rec.DocumentSHA256, DigestShort: shortDigest(rec.DocumentSHA256), LedgerIndex: rec.LedgerIndex})
		}
	}
	switch r.URL.Query().Get("done") {
	case "requested":
		page.Done = b.T("trust.seal.done_requested")
	case "approved":
		page.Done = b.T("trust.seal.done_approved")
	case "rejected":
		page.Done = b.T("trust.seal.done_rejected")
	case "revoke_requested":
		page.Done = b.T("trust.seal.done_revoke_requested")
	case "revoked":
		page.Done = b.T("trust.seal.done_revoked")
	case "revoke_refused":
		page.Done = b.T("trust.seal.done_revoke_refused")
	}
	return page, nil
}

// shortDigest is the first 16 hex digits of a digest, for tables; the whole one goes in a title.
func shortDigest(d string) string {
	if len(d) > 16 {
		return d[:16] + "…"
	}
	return d
}

func (s *Site) sealDetail(w http.ResponseWriter, r *http.Request) error {
	if err := requireTrustOfficial(principal.From(r.Context())); err != nil {
		return err
	}
	page, err := s.newSealPage(w, r)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "trust/seal", page)
}

// sealDecided finishes a decision form: to the seal's page with what was done, or back to the
// page with the refusal beside the form of action — the two-person rule, a request decided in
// the meantime, a missing reason. Errors about the seal itself (not found) go to the error page.
func (s *Site) sealDecided(w http.ResponseWriter, r *http.Request, action, done string, err error, fields ...string) error {
	if err == nil {
		seeOther(w, r, sealPath(r.PathValue("id"))+"?done="+done)
		return nil
	}
	status, ok := formStatus(err, errs.Forbidden)
	if !ok {
		return err
	}
	page, perr := s.newSealPage(w, r)
	if perr != nil {
		return perr
	}
	page.Action, page.F = action, newForm(r, fields...)
	page.basePage.rebase(sealPath(r.PathValue("id")))
	page.F.fail(page.Lang, err, nil)
	return s.render(w, status, "trust/seal", page)
}

func (s *Site) sealApprove(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireTrustOfficial(p); err != nil {
		return err
	}
	_, err := s.cfg.Seals.Approve(r.Context(), p, r.PathValue("id"))
	return s.sealDecided(w, r, "approve", "approved", err)
}

func (s *Site) sealReject(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireTrustOfficial(p); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	err := s.cfg.Seals.Reject(r.Context(), p, r.PathValue("id"), r.PostFormValue("reason"))
	return s.sealDecided(w, r, "reject", "rejected", err, "reason")
}

func (s *Site) sealRevoke(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireTrustOfficial(p); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	err := s.cfg.Seals.RequestRevocation(r.Context(), p, r.PathValue("id"), r.PostFormValue("reason"), r.PostFormValue("note"))
	return s.sealDecided(w, r, "revoke", "revoke_requested", err, "reason", "note")
}

func (s *Site) sealRevocation(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireTrustOfficial(p); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	var approve bool
	switch r.PostFormValue("decision") {
	case "approve":
		approve = true
	case "refuse":
	default:
		return errs.Field("decision", "trust.seal.error.decision")
	}
	err := s.cfg.Seals.DecideRevocation(r.Context(), p, r.PathValue("id"), approve)
	done := "revoke_refused"
	if approve {
		done = "revoked"
	}
	return s.sealDecided(w, r, "revocation", done, err)
}

// sealImage serves a seal's picture: to anyone once the seal was in use (it is on every document
// the seal signs), and a pending request's only to the officials who may see it. A picture never
// changes, so browsers and proxies may keep a public one; one served to a signed-in official
// may be a pending seal's, so only the browser keeps it.
func (s *Site) sealImage(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	img, err := s.cfg.Seals.ImageFor(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	sum := sha256.Sum256(img)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	h := w.Header()
	h.Set("Content-Type", "image/png")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "public, max-age=86400")
	if p.Authenticated() {
		h.Set("Cache-Control", "private, max-age=300")
	}
	h.Set("ETag", etag)
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	_, err = w.Write(img)
	return err
}

// sealFormats are the formats a seal may sign in: CMS always, GB/T 38540 with an SM2 seal that
// has its seal structure, PDF with an ECDSA seal.
func sealFormats(sl seal.Seal) []sign.Format {
	switch {
	case sl.Algorithm == keys.SM2 && len(sl.SealDER) > 0:
		return []sign.Format{sign.FormatCMS, sign.FormatSES}
	case sl.Algorithm == keys.ECDSAP256:
		return []sign.Format{sign.FormatCMS, sign.FormatPDF}
	}
	return []sign.Format{sign.FormatCMS}
}
