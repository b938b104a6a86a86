package license

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/blob"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/ledger"
	"github.com/yiwang-platform/yiwang/internal/plaintext"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/qrcode"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Annotated copies (加注件): a holder makes a copy of a valid licence for one use — a stated
// reason (用证事由), the organisation or use it is for, and an expiry. The copy is a signed
// document of its own, written
//
//	YWA1.<base64url(JSON of CopyClaims)>.<base64url(signature)>
//
// signed by the node key as presentations are (the signature covers the ASCII text before the
// last dot). Its prefix is part of what is signed, so a copy's signature never passes for a
// credential's, a presentation's or a snapshot's, nor theirs for a copy's. It names the licence
// and repeats the licence credential's public claims and issuer, so a verifier sees what it is a
// copy of without anything else, and binds the licence credential by its SHA-256. It discloses
// none of the hidden claims. Its PDF is the licence's face with the annotation printed over it,
// the copy's signed form as the QR code, sealed by the issuer as licence PDFs are.
//
// A copy verifies valid while its signature checks, it is not revoked, it has not expired and
// the licence is valid. Offline (a status snapshot) the copy's revocation is not known: the
// snapshot lists licences only, so an offline answer says the copy's withdrawal is checked online.

// CopyPrefix starts a copy's signed form.
const CopyPrefix = "YWA1."

// MaxCopy bounds a copy's signed form: it must fit a QR code at the lowest correction level.
const MaxCopy = 2900

// InputCopy is VerifyResult.Input for an annotated copy. For a copy, VerifyResult.Purpose is
// its reason, Audience what it is for, CopyID its id and CopyExpires its end.
const InputCopy = "annotated_copy"

// StepAnnotated is the history step of a copy made.
const StepAnnotated = "annotated"

// Bounds of a copy's request.
const (
	maxCopyReason = 100 // characters
	maxCopyUseFor = 100
	// MaxCopyDays is how many days ahead a copy may expire at the latest.
	MaxCopyDays = 90
)

// CopyRequest asks for an annotated copy.
type CopyRequest struct {
	// Reason is the stated reason of use (用证事由); UseFor the organisation or use the copy
	// is for. Both required, one line of plain text each.
	Reason, UseFor string
	// ExpiresAt is when the copy stops verifying: after now, on a day (China time) no later
	// than the licence's validity end and MaxCopyDays from today.
	ExpiresAt time.Time
}

// Copy is an annotated copy as its holder sees it.
type Copy struct {
	ID        string    `db:"id" json:"id"`
	LicenceID string    `db:"licence_id" json:"licence_id"`
	Reason    string    `db:"reason" json:"reason"`
	UseFor    string    `db:"use_for" json:"use_for"`
	ExpiresAt time.Time `db:"expires_at" json:"expires_at"`
	// Credential is the copy's signed form (YWA1.…), the QR code's content.
	Credential string     `db:"credential" json:"credential"`
	PDFSHA256  *string    `db:"pdf_sha256" json:"pdf_sha256,omitempty"`
	CreatedAt  time.Time  `db:"created_at" json:"created_at"`
	RevokedAt  *time.Time `db:"revoked_at" json:"revoked_at,omitempty"`
}

// State is the copy's own state at now: revoked, expired or valid (the licence's state is
// another matter).
func (c Copy) State(now time.Time) State {
	switch {
	case c.RevokedAt != nil:
		return StateRevoked
	case !now.Before(c.ExpiresAt):
		return StateExpired
	}
	return StateValid
}

// CopyState is the copy's own state by the service's clock.
func (s *Service) CopyState(c Copy) State { return c.State(s.clock.Now()) }

// CopyClaims is what a copy's signed form says.
type CopyClaims struct {
	Alg   credential.Algorithm `json:"alg"`
	KeyID string               `json:"kid"`
	// Node is the node that signs the copy for the holder, e.g. "350000".
	Node string `json:"node"`
	// ID is the copy's id.
	ID string `json:"jti"`
	// Licence is the licence's identifier; Issuer and Public its credential's issuer and public
	// claims; CredentialSHA256 the base64url SHA-256 of its credential.
	Licence          string            `json:"sub"`
	Issuer           string            `json:"iss"`
	Public           map[string]string `json:"pub"`
	CredentialSHA256 string            `json:"cred_sha256"`
	Reason           string            `json:"reason"`
	UseFor           string            `json:"use_for"`
	IssuedAt         int64             `json:"iat"`
	Expires          int64             `json:"exp"`
}

// signCopy returns c's signed form, signed with sg.
func signCopy(sg credential.Signer, c CopyClaims) (string, error) {
	body, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	input := CopyPrefix + base64.RawURLEncoding.EncodeToString(body)
	sig, err := credential.SignBytes(sg, c.Alg, []byte(input))
	if err != nil {
		return "", err
	}
	text := input + "." + base64.RawURLEncoding.EncodeToString(sig)
	if len(text) > MaxCopy {
		return "", fmt.Errorf("copy of %d bytes, more than %d", len(text), MaxCopy)
	}
	return text, nil
}

func malformedCopy(format string, args ...any) error {
	return &credential.Error{Reason: credential.Malformed, Err: fmt.Errorf("copy: "+format, args...)}
}

// ParseCopy decodes a copy's signed form without checking its signature; the error is a
// *credential.Error (malformed).
func ParseCopy(text string) (CopyClaims, error) {
	c, _, _, err := parseCopy(text)
	return c, err
}

func parseCopy(text string) (CopyClaims, string, []byte, error) {
	text = strings.TrimSpace(text)
	if len(text) > MaxCopy {
		return CopyClaims{}, "", nil, malformedCopy("%d bytes, more than %d", len(text), MaxCopy)
	}
	if !strings.HasPrefix(text, CopyPrefix) {
		return CopyClaims{}, "", nil, malformedCopy("does not start with %s", CopyPrefix)
	}
	dot := strings.LastIndexByte(text, '.')
	if dot <= len(CopyPrefix) {
		return CopyClaims{}, "", nil, malformedCopy("no signature")
	}
	input := text[:dot]
	body, err := base64.RawURLEncoding.DecodeString(input[len(CopyPrefix):])
	if err != nil {
		return CopyClaims{}, "", nil, malformedCopy("payload: %v", err)
	}
	sig, err := base64.RawURLEncoding.DecodeString(text[dot+1:])
	if err != nil || len(sig) == 0 {
		return CopyClaims{}, "", nil, malformedCopy("signature is not base64url")
	}
	var c CopyClaims
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil || dec.More() {
		return CopyClaims{}, "", nil, malformedCopy("claims: %v", err)
	}
	switch {
	case c.KeyID == "" || c.Node == "" || c.ID == "" || c.Licence == "" || c.Issuer == "" || c.CredentialSHA256 == "":
		return CopyClaims{}, "", nil, malformedCopy("incomplete")
	case c.Alg != credential.SM2 && c.Alg != credential.ES256:
		return CopyClaims{}, "", nil, malformedCopy("algorithm %q", c.Alg)
	case c.Reason == "" || c.UseFor == "" || !utf8.ValidString(c.Reason) || !utf8.ValidString(c.UseFor):
		return CopyClaims{}, "", nil, malformedCopy("no reason or use")
	case c.Expires <= c.IssuedAt || len(c.Public) > credential.MaxClaims:
		return CopyClaims{}, "", nil, malformedCopy("times or claims out of bounds")
	}
	return c, input, sig, nil
}

// checkCopy verifies a copy's signature against trust: the key must be trusted for the node the
// copy names, and for that node only (an organisation's licence key does not sign copies); the
// licence must be one of that node's, issued by the organisation its identifier names.
func checkCopy(text string, trust credential.Resolver) (CopyClaims, error) {
	c, input, sig, err := parseCopy(text)
	if err != nil {
		return CopyClaims{}, err
	}
	id, err := idcode.ParseLicenceID(c.Licence)
	if err != nil {
		return CopyClaims{}, malformedCopy("licence identifier: %v", err)
	}
	k, ok := trust.TrustedKey(c.KeyID)
	if !ok {
		return CopyClaims{}, &credential.Error{Reason: credential.NotTrusted, Err: fmt.Errorf("copy: key %q is not on the trust list", c.KeyID)}
	}
	if k.Owner != c.Node {
		return CopyClaims{}, &credential.Error{Reason: credential.NotTrusted, Err: fmt.Errorf("copy: key %q signs for %q, not node %q", c.KeyID, k.Owner, c.Node)}
	}
	if alg, err := credential.AlgorithmOf(k.Public); err != nil || alg != c.Alg {
		return CopyClaims{}, &credential.Error{Reason: credential.Forged, Err: fmt.Errorf("copy: algorithm %q does not match key %q", c.Alg, c.KeyID)}
	}
	if !credential.VerifyBytes(k.Public, c.Alg, []byte(input), sig) {
		return CopyClaims{}, &credential.Error{Reason: credential.Forged, Err: errors.New("copy: the signature does not match the content")}
	}
	if c.Issuer != c.Node+"/"+id.IssuerCode {
		return CopyClaims{}, &credential.Error{Reason: credential.Forged, Err: fmt.Errorf("copy: licence issuer %q is not node %s's %s", c.Issuer, c.Node, id.IssuerCode)}
	}
	return c, nil
}

// copyResult is the answer for copy c that verified, in state st for reason.
func copyResult(c CopyClaims, st State, reason string, now time.Time) VerifyResult {
	id, _ := idcode.ParseLicenceID(c.Licence) // checked by checkCopy
	pub := c.Public
	expires := time.Unix(c.Expires, 0).UTC()
	return VerifyResult{State: st, Reason: reason, Input: InputCopy, CheckedAt: now,
		Licence: &Shown{ID: c.Licence, TypeCode: pub[ClaimTypeCode], TypeName: pub[ClaimTypeName], Number: pub[ClaimNumber],
			Issuer: pub[ClaimIssuer], IssuerCode: id.IssuerCode, Jurisdiction: pub[ClaimJurisdiction], IssuedOn: pub[ClaimIssuedOn],
			ValidFrom: pub[ClaimValidFrom], ValidUntil: pub[ClaimValidUntil], HolderCodeType: pub[ClaimHolderCodeType]},
		Purpose: c.Reason, Audience: c.UseFor, CopyID: c.ID, CopyExpires: &expires}
}

// claimedCopyState answers for verified copy c from what it says alone: expired after its
// expiry, or after its licence's validity; else valid with reason.
func claimedCopyState(c CopyClaims, now time.Time, reason string) VerifyResult {
	if !now.Before(time.Unix(c.Expires, 0)) {
		return copyResult(c, StateExpired, "license.reason.copy_expired", now)
	}
	if until := c.Public[ClaimValidUntil]; until != "" && today(now) > until {
		return copyResult(c, StateExpired, "license.reason.copy_licence_expired", now)
	}
	return copyResult(c, StateValid, reason, now)
}

// verifyCopy is Verify for a copy: the signature against this node's and its peers' keys; a
// copy of this node must be the one stored under its id, not revoked nor expired, of a valid
// licence; a peer's copy is answered from what it says (its withdrawal is the peer's to say).
// A copy verified here is recorded as a use of its licence, shown to the holder.
func (s *Service) verifyCopy(ctx context.Context, text string, now time.Time) (VerifyResult, error) {
	c, err := checkCopy(text, s.trust)
	if err != nil {
		return failed(InputCopy, err, now), nil
	}
	if c.Node != s.cfg.Node {
		return claimedCopyState(c, now, "license.reason.copy_peer"), nil
	}
	forged := func(reason string) VerifyResult {
		return VerifyResult{State: StateForged, Reason: reason, Input: InputCopy, CheckedAt: now}
	}
	cp, err := loadCopy(ctx, s.db, c.ID)
	if errs.Is(err, errs.NotFound) {
		return forged("license.reason.copy_unknown"), nil
	}
	if err != nil {
		return VerifyResult{}, err
	}
	if cp.Credential != strings.TrimSpace(text) || cp.LicenceID != c.Licence {
		return forged("license.reason.copy_differs"), nil
	}
	switch cp.State(now) {
	case StateRevoked:
		return copyResult(c, StateRevoked, "license.reason.copy_revoked", now), nil
	case StateExpired:
		return copyResult(c, StateExpired, "license.reason.copy_expired", now), nil
	}
	l, err := loadLicence(ctx, s.db, c.Licence)
	if errs.Is(err, errs.NotFound) {
		return forged("license.reason.unknown_licence"), nil
	}
	if err != nil {
		return VerifyResult{}, err
	}
	if credentialSHA256(l.Credential) != c.CredentialSHA256 {
		return forged("license.reason.copy_differs"), nil
	}
	if st := l.State(today(now)); st != StateValid {
		return copyResult(c, st, copyLicenceReason(st), now), nil
	}
	if err := s.recordUse(ctx, l.ID, credential.Presentation{ID: c.ID, Purpose: c.Reason}); err != nil {
		return VerifyResult{}, err
	}
	return copyResult(c, StateValid, "license.reason.copy_valid", now), nil
}

// verifyCopyOffline is VerifyOffline for a copy: the signature against trust, the copy's
// expiry, the licence's status from snap (of the copy's node) and its validity. Whether the
// holder revoked the copy is known online only: a valid answer says so
// (license.reason.copy_offline). A copy of another node than the snapshot's is answered from
// what it says (license.reason.copy_no_snapshot).
func verifyCopyOffline(text string, trust credential.Resolver, snap Snapshot, now time.Time) VerifyResult {
	c, err := checkCopy(text, trust)
	if err != nil {
		return failed(InputCopy, err, now)
	}
	if snap.Node == "" || c.Node != snap.Node {
		return claimedCopyState(c, now, "license.reason.copy_no_snapshot")
	}
	if !now.Before(time.Unix(c.Expires, 0)) {
		return copyResult(c, StateExpired, "license.reason.copy_expired", now)
	}
	if st, listed := snap.State(c.Licence); listed && st != StateValid {
		return copyResult(c, st, copyLicenceReason(st), now)
	}
	return claimedCopyState(c, now, "license.reason.copy_offline")
}

// copyLicenceReason says that a copy is not valid because its licence is in state st.
func copyLicenceReason(st State) string {
	switch st {
	case StateSuspended:
		return "license.reason.copy_licence_suspended"
	case StateRevoked:
		return "license.reason.copy_licence_revoked"
	case StateSuperseded:
		return "license.reason.copy_licence_superseded"
	}
	return "license.reason.copy_licence_expired"
}

// credentialSHA256 is the digest of a licence credential a copy binds.
func credentialSHA256(cred string) string {
	sum := sha256.Sum256([]byte(cred))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

const copyColumns = `id, licence_id, reason, use_for, expires_at, credential, pdf_sha256, created_at, revoked_at`

func loadCopy(ctx context.Context, g getter, id string) (Copy, error) {
	var c Copy
	if err := g.Get(ctx, &c, `SELECT `+copyColumns+` FROM licence_copies WHERE id = ?`, id); err != nil {
		if errs.Is(err, errs.NotFound) {
			return Copy{}, errs.E(errs.NotFound, "license.error.copy_not_found")
		}
		return Copy{}, err
	}
	return c, nil
}

// heldLicence returns licence id if p holds it; errs.NotFound otherwise, as if it did not
// exist.
func (s *Service) heldLicence(ctx context.Context, p principal.Principal, id string) (Licence, error) {
	l, err := loadLicence(ctx, s.db, id)
	if err != nil {
		return Licence{}, err
	}
	if ok, err := s.holds(ctx, p, l); err != nil {
		return Licence{}, err
	} else if !ok {
		return Licence{}, errNotFound()
	}
	return l, nil
}

// heldCopy returns copy id and its licence if p holds the licence; errs.NotFound otherwise.
func (s *Service) heldCopy(ctx context.Context, p principal.Principal, id string) (Copy, Licence, error) {
	c, err := loadCopy(ctx, s.db, id)
	if err != nil {
		return Copy{}, Licence{}, err
	}
	l, err := s.heldLicence(ctx, p, c.LicenceID)
	if errs.Is(err, errs.NotFound) {
		return Copy{}, Licence{}, errs.E(errs.NotFound, "license.error.copy_not_found")
	}
	return c, l, err
}

// endOfDay is the last second of day (YYYY-MM-DD) in China.
func endOfDay(day string) (time.Time, error) {
	d, err := time.ParseInLocation(dateLayout, day, clock.China)
	if err != nil {
		return time.Time{}, err
	}
	return d.Add(24*time.Hour - time.Second), nil
}

// CopyExpiryOn is a copy's expiry for a day typed as YYYY-MM-DD: the day's last second in China.
func CopyExpiryOn(day string) (time.Time, error) {
	t, err := endOfDay(strings.TrimSpace(day))
	if err != nil {
		return time.Time{}, errs.Field("expires_at", "license.error.copy_expiry_date")
	}
	return t, nil
}

// CopyDays returns the first and last day (YYYY-MM-DD, China time) a copy of l made now may
// expire on, as a form's date input bounds them.
func (s *Service) CopyDays(l Licence) (first, last string) {
	now := s.clock.Now()
	first, last = today(now), today(now.AddDate(0, 0, MaxCopyDays))
	if l.ValidUntil != "" && l.ValidUntil < last {
		last = l.ValidUntil
	}
	return first, last
}

// checkCopyRequest cleans req for a copy of l at now.
func checkCopyRequest(req *CopyRequest, l Licence, now time.Time) error {
	if err := plaintext.Line(&req.Reason, "reason", maxCopyReason, true); err != nil {
		return err
	}
	if err := plaintext.Line(&req.UseFor, "use_for", maxCopyUseFor, true); err != nil {
		return err
	}
	exp := req.ExpiresAt.Truncate(time.Second)
	switch day := today(exp); {
	case req.ExpiresAt.IsZero():
		return errs.Field("expires_at", "license.error.copy_expiry_required")
	case !exp.After(now):
		return errs.Field("expires_at", "license.error.copy_expiry_past")
	case day > today(now.AddDate(0, 0, MaxCopyDays)):
		return errs.Field("expires_at", "license.error.copy_expiry_too_far", MaxCopyDays)
	case l.ValidUntil != "" && day > l.ValidUntil:
		return errs.Field("expires_at", "license.error.copy_expiry_after_licence", l.ValidUntil)
	}
	req.ExpiresAt = exp.UTC()
	return nil
}

// Annotate makes an annotated copy of licence id for its holder p, for one use: req's reason,
// what it is for, and expiry (errs.Invalid naming the field otherwise). Only the holder may
// (errs.NotFound for anyone else), only of a valid licence (errs.Conflict). The copy is signed
// by the node key; the copy, the licence's history step, a ledger entry (licence.annotated, the
// copy's digest) and the audit record are written in one transaction.
func (s *Service) Annotate(ctx context.Context, p principal.Principal, id string, req CopyRequest) (_ Copy, err error) {
	defer errs.Wrap(&err, "license.Annotate(%s)", id)
	ctx = principal.With(ctx, p)
	l, err := s.heldLicence(ctx, p, id)
	if err != nil {
		return Copy{}, err
	}
	if p.AccountID == 0 {
		return Copy{}, errNotFound()
	}
	now := s.clock.Now()
	if l.State(today(now)) != StateValid {
		return Copy{}, errs.E(errs.Conflict, "license.error.not_copyable")
	}
	if err := checkCopyRequest(&req, l, now); err != nil {
		return Copy{}, err
	}
	lc, err := credential.ParseCredential(l.Credential)
	if err != nil {
		return Copy{}, err
	}
	sg, err := s.nodeSigner(ctx)
	if err != nil {
		return Copy{}, err
	}
	cc := CopyClaims{Alg: s.credAlg(), KeyID: sg.Key().ID, Node: s.cfg.Node, ID: newID("cp_"), Licence: l.ID,
		Issuer: lc.Issuer, Public: lc.Public, CredentialSHA256: credentialSHA256(l.Credential),
		Reason: req.Reason, UseFor: req.UseFor, IssuedAt: now.Unix(), Expires: req.ExpiresAt.Unix()}
	text, err := signCopy(sg, cc)
	if err != nil {
		return Copy{}, errs.Wrapf(errs.Invalid, err, "license.error.copy_too_long")
	}
	var out Copy
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		cur, err := loadLicence(ctx, tx, l.ID)
		if err != nil {
			return err
		}
		if cur.State(today(tx.Now)) != StateValid || cur.Credential != l.Credential {
			return errs.E(errs.Conflict, "license.error.not_copyable")
		}
		out = Copy{ID: cc.ID, LicenceID: l.ID, Reason: cc.Reason, UseFor: cc.UseFor, ExpiresAt: req.ExpiresAt,
			Credential: text, CreatedAt: tx.Now}
		if _, err := tx.Exec(ctx, `INSERT INTO licence_copies (id, licence_id, account_id, reason, use_for, expires_at, credential,
			created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, out.ID, out.LicenceID, p.AccountID, out.Reason, out.UseFor, out.ExpiresAt,
			out.Credential, out.CreatedAt); err != nil {
			return err
		}
		idx, err := s.cfg.Ledger.AppendTx(ctx, tx, ledger.Entry{Type: ledger.TypeLicenceAnnotated, Digest: digestText(text),
			Org: s.cfg.NodeOrg, Subject: ledgerSubject(l.ID, sg.Key().ID)})
		if err != nil {
			return err
		}
		// The history, which the issuer's officials read, names the copy, not the holder's reason.
		addHistory(tx, l.ID, StepAnnotated, p.Actor(), out.ID, idx[0])
		return audit.Record(ctx, tx, audit.Change{Action: "license.annotate", ObjectType: "licence", ObjectID: l.ID,
			Detail: map[string]any{"copy": out.ID, "expires_at": out.ExpiresAt, "ledger_index": idx[0]}})
	})
	if err != nil {
		return Copy{}, err
	}
	return out, nil
}

// Copies returns the annotated copies of licence id, newest first, to its holder (errs.NotFound
// to anyone else).
func (s *Service) Copies(ctx context.Context, p principal.Principal, id string) (_ []Copy, err error) {
	defer errs.Wrap(&err, "license.Copies(%s)", id)
	if _, err := s.heldLicence(ctx, p, id); err != nil {
		return nil, err
	}
	out := []Copy{}
	err = s.db.Select(ctx, &out, `SELECT `+copyColumns+` FROM licence_copies WHERE licence_id = ? ORDER BY created_at DESC, id`, id)
	return out, err
}

// GetCopy returns copy id to the holder of its licence (errs.NotFound to anyone else).
func (s *Service) GetCopy(ctx context.Context, p principal.Principal, id string) (Copy, error) {
	c, _, err := s.heldCopy(ctx, p, id)
	return c, err
}

// RevokeCopy withdraws copy id for good: it verifies revoked from then on (online; an offline
// verifier cannot know). Only the holder of its licence may (errs.NotFound for anyone else);
// a copy revoked already is errs.Conflict.
func (s *Service) RevokeCopy(ctx context.Context, p principal.Principal, id string) (_ Copy, err error) {
	defer errs.Wrap(&err, "license.RevokeCopy(%s)", id)
	ctx = principal.With(ctx, p)
	c, l, err := s.heldCopy(ctx, p, id)
	if err != nil {
		return Copy{}, err
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE licence_copies SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, tx.Now, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "license.error.copy_revoked")
		}
		at := tx.Now
		c.RevokedAt = &at
		return audit.Record(ctx, tx, audit.Change{Action: "license.copy_revoke", ObjectType: "licence", ObjectID: l.ID,
			Detail: map[string]any{"copy": c.ID}})
	})
	if err != nil {
		return Copy{}, err
	}
	return c, nil
}

// copyIDPattern is what newID("cp_") makes.
var copyIDPattern = regexp.MustCompile(`^cp_[a-z2-7]{24}$`)

// PDFCopyID returns the id of the annotated copy a PDF of RenderCopyPDF says it is (its
// subject); errs.Invalid for a file that is not one. It says nothing of the file's signature.
func PDFCopyID(pdf []byte) (string, error) {
	subject, err := pdfSubject(pdf)
	if err != nil || !copyIDPattern.MatchString(subject) {
		return "", errs.Field("file", "license.error.not_licence_pdf")
	}
	return subject, nil
}

// VerifyCopyID verifies the annotated copy with id as Verify verifies its signed form: what a
// verifier given the copy's PDF asks (the PDF names the copy). A copy this node does not know is
// forged. The error is only for failures of the platform.
func (s *Service) VerifyCopyID(ctx context.Context, id string) (VerifyResult, error) {
	now := s.clock.Now()
	if !copyIDPattern.MatchString(id) {
		return VerifyResult{State: StateMalformed, Reason: "license.reason.malformed", Input: InputCopy, CheckedAt: now}, nil
	}
	c, err := loadCopy(ctx, s.db, id)
	if errs.Is(err, errs.NotFound) {
		return VerifyResult{State: StateForged, Reason: "license.reason.copy_unknown", Input: InputCopy, CheckedAt: now}, nil
	}
	if err != nil {
		return VerifyResult{}, err
	}
	return s.verifyCopy(ctx, c.Credential, now)
}

// copyQRSize is the side of a copy's QR code on its PDF: its signed form is some 1.5 KB, ten
// times a verify address, and needs a larger code to print and scan.
const copyQRSize = 44 * pdfMM

// copyAnnotation is what copy c's PDF prints over the licence.
func copyAnnotation(c Copy) *pdfAnnotation {
	until := pdfDate(today(c.ExpiresAt))
	use, reason := pdfCleanText(c.UseFor, false), pdfCleanText(c.Reason, false)
	mark := "仅供" + use + "使用"
	if r := []rune(mark); len(r) > 24 {
		mark = string(r[:23]) + "…"
	}
	return &pdfAnnotation{
		Band:      "加注件：本复印件仅供" + use + "用于" + reason + "，有效期至" + until + "，再次复印无效。扫描左下二维码核验本加注件的真伪与状态。",
		Watermark: "加注件 " + mark,
		Footer:    "加注件编号：" + c.ID,
		Checks: []pdfRow{{field: "use_for", value: use}, {field: "reason", value: reason},
			{field: "band", value: "加注件：本复印件仅供用于，有效期至年月日再次复印无效。扫描左下二维码核验的真伪与状态使用…编号"}},
		QRSize: copyQRSize,
	}
}

// RenderCopyPDF draws annotated copy c of licence l of type t: the licence's face as RenderPDF
// draws it, the annotation (本复印件仅供…用于…，有效期至…，再次复印无效) in a red band under
// the tables and faintly across the page, the copy's signed form as the QR code, and the copy's
// id under the identifier. The document's subject is the copy's id. Errors as RenderPDF's.
func RenderCopyPDF(c Copy, l Licence, t Type) (_ []byte, err error) {
	defer errs.Wrap(&err, "license.RenderCopyPDF(%s)", c.ID)
	qr, err := qrcode.PNG(c.Credential, qrcode.Options{Level: qrcode.LevelL, Size: 1024})
	if err != nil {
		return nil, err
	}
	a := copyAnnotation(c)
	a.Title, a.Subject = pdfCleanText(l.NameHans, false)+"（加注件）", c.ID
	return renderPDF(l, t, PDFOptions{QRCode: qr}, a)
}

// CopyPDF returns copy id's PDF to the holder of its licence (errs.NotFound to anyone else),
// sealed by the licence's issuer (Config.PDFSigner). The first PDF is kept (a blob, its SHA-256
// in licence_copies.pdf_sha256) and returned from then on. A copy revoked or expired before its
// first download has none (errs.Conflict); errs.Unavailable when the issuer has no seal that
// signs PDFs.
func (s *Service) CopyPDF(ctx context.Context, p principal.Principal, id string) (_ []byte, err error) {
	defer errs.Wrap(&err, "license.CopyPDF(%s)", id)
	ctx = principal.With(ctx, p)
	c, l, err := s.heldCopy(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if c.PDFSHA256 != nil && *c.PDFSHA256 != "" {
		_, data, err := blob.Get(ctx, s.db, *c.PDFSHA256)
		return data, err
	}
	if c.State(s.clock.Now()) != StateValid {
		return nil, errs.E(errs.Conflict, "license.error.copy_not_current")
	}
	signed, err := s.sealedPDF(ctx, l, func(t Type) ([]byte, error) { return RenderCopyPDF(c, l, t) })
	if err != nil {
		return nil, err
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		var err error
		signed, err = s.keepPDF(ctx, tx, "licence_copies", c.ID, signed)
		return err
	})
	if err != nil {
		return nil, err
	}
	return signed, nil
}
