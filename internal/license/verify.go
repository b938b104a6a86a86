package license

import (
	"context"
	"crypto/sha256"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// What a verifier was given.
const (
	InputCredential   = "credential"
	InputPresentation = "presentation"
	InputIdentifier   = "identifier"
)

// MaxInput bounds the text Verify reads: a credential is the longest input.
const MaxInput = credential.MaxCredential

// VerifyResult is what a verifier is told.
type VerifyResult struct {
	State State `json:"state"`
	// Reason is an i18n key (license.reason.*) saying why, in a sentence.
	Reason string `json:"reason"`
	// Input is what was given: InputCredential, InputPresentation, InputIdentifier, or "" when
	// it was none of them.
	Input string `json:"input,omitempty"`
	// Licence is what may be shown of the licence, for every state but forged, not trusted and
	// malformed.
	Licence *Shown `json:"licence,omitempty"`
	// A presentation's stated purpose, audience and id.
	Purpose        string    `json:"purpose,omitempty"`
	Audience       string    `json:"audience,omitempty"`
	PresentationID string    `json:"presentation_id,omitempty"`
	CheckedAt      time.Time `json:"checked_at"`
	// StatusAsOf is, for a peer's licence, when the peer's status snapshot that gave its state
	// was made (its issued_at); nil when no snapshot of the peer was used.
	StatusAsOf *time.Time `json:"status_as_of,omitempty"`
	// From an annotated copy (InputCopy): its id and the end of its validity; Purpose is its
	// reason and Audience what it is for.
	CopyID      string     `json:"copy_id,omitempty"`
	CopyExpires *time.Time `json:"copy_expires,omitempty"`
}

// Shown is what a verifier may see of a licence: its public metadata and, from a presentation,
// the hidden claims the holder chose to disclose. From a bare identifier only the identifier,
// the type and the issuer.
type Shown struct {
	ID             string `json:"id"`
	TypeCode       string `json:"type_code"`
	TypeName       string `json:"type_name"`
	Number         string `json:"number,omitempty"`
	Issuer         string `json:"issuer"`
	IssuerCode     string `json:"issuer_code"`
	Jurisdiction   string `json:"jurisdiction,omitempty"`
	IssuedOn       string `json:"issued_on,omitempty"`
	ValidFrom      string `json:"valid_from,omitempty"`
	ValidUntil     string `json:"valid_until,omitempty"`
	HolderCodeType string `json:"holder_code_type,omitempty"`
	// Disclosed are the hidden claims shown (holder name and code, face data), by name.
	Disclosed map[string]string `json:"disclosed,omitempty"`
}

// reasonOf is the reason key of a licence's state.
func reasonOf(st State) string { return "license.reason." + string(st) }

// failed is the result for an input whose signatures did not verify.
func failed(input string, err error, now time.Time) VerifyResult {
	r := VerifyResult{Input: input, CheckedAt: now}
	switch credential.ReasonOf(err) {
	case credential.NotTrusted:
		r.State, r.Reason = StateNotTrusted, "license.reason.not_trusted"
	case credential.Forged:
		r.State, r.Reason = StateForged, "license.reason.forged"
	case credential.Expired:
		r.State, r.Reason = StateExpired, "license.reason.presentation_expired"
	default:
		r.State, r.Reason = StateMalformed, "license.reason.malformed"
	}
	return r
}

// checked is an input whose signatures verified.
type checked struct {
	input    string
	credText string
	claims   credential.Claims
	id       idcode.LicenceID
	// From a presentation: the presentation and the claims it disclosed.
	pres      *credential.Presentation
	disclosed map[string]string
}

// checkSignatures verifies a credential or presentation against trust at now. It returns the
// result to give if the input does not verify (State set), or what verified.
// A credential that vouched accepts is not checked again (see credential.Voucher); vouched may
// be nil.
func checkSignatures(text string, trust credential.Resolver, now time.Time, vouched credential.Voucher) (checked, VerifyResult) {
	var c checked
	switch {
	case strings.HasPrefix(text, credential.CredentialPrefix):
		c.input, c.credText = InputCredential, text
		cl, err := credential.VerifyVouched(text, trust, vouched)
		if err != nil {
			return c, failed(c.input, err, now)
		}
		c.claims = cl
	case strings.HasPrefix(text, credential.PresentationPrefix):
		c.input = InputPresentation
		v, err := credential.VerifyPresentationVouched(text, trust, now, vouched)
		if err != nil {
			return c, failed(c.input, err, now)
		}
		c.claims, c.credText, c.pres, c.disclosed = v.Claims, v.Presentation.Credential, &v.Presentation, v.Disclosed
	default:
		return c, failed("", nil, now)
	}
	id, err := idcode.ParseLicenceID(c.claims.Subject)
	if err != nil {
		return c, VerifyResult{State: StateMalformed, Reason: "license.reason.not_licence", Input: c.input, CheckedAt: now}
	}
	c.id = id
	// The issuer signs for itself: the identifier names the organisation the credential's
	// issuer is.
	if !strings.HasSuffix(c.claims.Issuer, "/"+id.IssuerCode) {
		return c, VerifyResult{State: StateForged, Reason: "license.reason.issuer_mismatch", Input: c.input, CheckedAt: now}
	}
	return c, VerifyResult{}
}

// result is the answer for verified input c whose licence is in state st.
func (c checked) result(st State, reason string, now time.Time) VerifyResult {
	r := VerifyResult{State: st, Reason: reason, Input: c.input, CheckedAt: now}
	pub := c.claims.Public
	r.Licence = &Shown{ID: c.claims.Subject, TypeCode: pub[ClaimTypeCode], TypeName: pub[ClaimTypeName],
		Number: pub[ClaimNumber], Issuer: pub[ClaimIssuer], IssuerCode: c.id.IssuerCode, Jurisdiction: pub[ClaimJurisdiction],
		IssuedOn: pub[ClaimIssuedOn], ValidFrom: pub[ClaimValidFrom], ValidUntil: pub[ClaimValidUntil],
		HolderCodeType: pub[ClaimHolderCodeType]}
	if len(c.disclosed) > 0 {
		r.Licence.Disclosed = c.disclosed
	}
	if c.pres != nil {
		r.Purpose, r.Audience, r.PresentationID = c.pres.Purpose, c.pres.Audience, c.pres.ID
	}
	return r
}

// claimedState is the state a credential's own claims give on day: expired after its
// validity, valid otherwise (its status is the issuing node's to say).
func (c checked) claimedState(day string) State {
	if until := c.claims.Public[ClaimValidUntil]; until != "" && day > until {
		return StateExpired
	}
	return StateValid
}

// Verify says whether text — a licence's credential (YWC1.), a presentation of one (YWP1.), an
// annotated copy (YWA1.) or a bare identifier — is valid, suspended, revoked, superseded,
// expired, forged, not trusted or malformed, and why. Trust comes from this node's keys and
// Config.Peers. A credential of this node must be the one the node issued under its identifier
// (else forged), and its state is the licence's (statuscache.go); a peer's licence has the state
// the peer's latest status snapshot gives it, else its own validity's (peerstatus.go). A
// presentation or copy of one of this node's licences is recorded as a use, shown to the holder
// (uselog.go). A bare identifier shows no holder data. The error is only for failures of the
// platform.
func (s *Service) Verify(ctx context.Context, text string) (VerifyResult, error) {
	now := s.clock.Now()
	text = strings.TrimSpace(text)
	if len(text) > MaxInput {
		return failed("", nil, now), nil
	}
	if strings.HasPrefix(text, idcode.LicenceIDPrefix) {
		return s.verifyIdentifier(ctx, text, now)
	}
	if strings.HasPrefix(text, CopyPrefix) {
		return s.verifyCopy(ctx, text, now) // copies.go
	}
	// The node keeps every credential it issued: one it holds byte for byte needs no signature
	// check of its own (its key must still be trusted), and the status read for it is the one
	// the answer gives.
	var (
		st     licenceStatus
		stErr  error
		looked bool
	)
	vouch := func(cl credential.Claims, text string) bool {
		if !strings.HasPrefix(cl.Issuer, s.cfg.Node+"/") {
			return false
		}
		st, stErr = s.status(ctx, cl.Subject)
		looked = true
		return stErr == nil && st.credential == sha256.Sum256([]byte(text))
	}
	c, res := checkSignatures(text, s.trust, now, vouch)
	if res.State != "" {
		return res, nil
	}
	if !strings.HasPrefix(c.claims.Issuer, s.cfg.Node+"/") {
		return s.verifyPeer(ctx, c, now)
	}
	if !looked {
		st, stErr = s.status(ctx, c.claims.Subject)
	}
	if errs.Is(stErr, errs.NotFound) {
		return VerifyResult{State: StateForged, Reason: "license.reason.unknown_licence", Input: c.input, CheckedAt: now}, nil
	}
	if stErr != nil {
		return VerifyResult{}, stErr
	}
	if st.credential != sha256.Sum256([]byte(c.credText)) {
		return VerifyResult{State: StateForged, Reason: "license.reason.credential_differs", Input: c.input, CheckedAt: now}, nil
	}
	state := st.state(today(now))
	if c.pres != nil {
		if err := s.recordUse(ctx, c.claims.Subject, *c.pres); err != nil {
			return VerifyResult{}, err
		}
	}
	return c.result(state, reasonOf(state), now), nil
}

// verifyIdentifier answers for a bare identifier: the state of this node's licence, or forged
// for one it does not know.
func (s *Service) verifyIdentifier(ctx context.Context, text string, now time.Time) (VerifyResult, error) {
	res := VerifyResult{Input: InputIdentifier, CheckedAt: now}
	if _, err := idcode.ParseLicenceID(text); err != nil {
		res.State, res.Reason = StateMalformed, "license.reason.malformed_identifier"
		return res, nil
	}
	l, err := loadLicence(ctx, s.db, text)
	if errs.Is(err, errs.NotFound) {
		res.State, res.Reason = StateForged, "license.reason.unknown_licence"
		return res, nil
	}
	if err != nil {
		return VerifyResult{}, err
	}
	res.State = l.State(today(now))
	res.Reason = reasonOf(res.State)
	res.Licence = &Shown{ID: l.ID, TypeCode: l.TypeCode, TypeName: l.NameHans, Issuer: l.IssuerName, IssuerCode: l.IssuerCode}
	return res, nil
}

// maxUsePurpose bounds the purpose a use records, in characters.
const maxUsePurpose = 200

// recordUse records that presentation pr of licence id was verified here now, by whom ctx
// names: behind the answer (uselog.go), or within it when too many uses wait to be written.
func (s *Service) recordUse(ctx context.Context, id string, pr credential.Presentation) error {
	p := principal.From(ctx)
	purpose := pr.Purpose
	if utf8.RuneCountInString(purpose) > maxUsePurpose {
		purpose = string([]rune(purpose)[:maxUsePurpose])
	}
	byOrg := ""
	if p.Kind == principal.Official {
		byOrg = p.OrgCode
	}
	u := use{licenceID: id, at: s.clock.Now(), byOrg: byOrg, byActor: p.Actor(), purpose: purpose, presentation: pr.ID}
	if s.uses.add(u) {
		return nil
	}
	return s.db.TransactGrouped(ctx, func(tx *store.Tx) error {
		tx.InsertLater("licence_uses", "licence_id, at, kind, by_org, by_actor, purpose, presentation",
			u.licenceID, u.at, "verified", u.byOrg, u.byActor, u.purpose, u.presentation)
		return nil
	})
}

// nodeResolver trusts this node's keys: an organisation's licence key for "<node>/<credit
// code>", the node key for "<node>"; then the peers' keys, except any claiming to sign for this
// node. Keys found are remembered (a key's public part and owner never change); keys not found
// are looked up again each time.
type nodeResolver struct {
	s     *Service
	mu    sync.RWMutex
	known map[string]credential.TrustedKey
}

func newNodeResolver(s *Service) *nodeResolver {
	return &nodeResolver{s: s, known: map[string]credential.TrustedKey{}}
}

// maxKeyID bounds a key id worth looking up.
const maxKeyID = 64

// TrustedKey implements credential.Resolver.
func (r *nodeResolver) TrustedKey(kid string) (credential.TrustedKey, bool) {
	r.mu.RLock()
	t, ok := r.known[kid]
	r.mu.RUnlock()
	if ok {
		return t, true
	}
	if kid == "" || len(kid) > maxKeyID {
		return credential.TrustedKey{}, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	k, err := r.s.cfg.Keys.Get(systemCtx(ctx), principal.SystemPrincipal, kid)
	if err == nil {
		if owner, ok := r.s.ownerOf(ctx, k); ok {
			t = credential.TrustedKey{Public: k.Public, Owner: owner}
			r.mu.Lock()
			r.known[kid] = t
			r.mu.Unlock()
			return t, true
		}
	}
	if r.s.cfg.Peers != nil {
		if t, ok := r.s.cfg.Peers.TrustedKey(kid); ok && !coversNode(t.Owner, r.s.cfg.Node) {
			return t, true
		}
	}
	return credential.TrustedKey{}, false
}

// coversNode reports whether a key owned by owner would sign for node or one of its
// organisations.
func coversNode(owner, node string) bool {
	return owner == "" || owner == node || strings.HasPrefix(owner, node+"/")
}

// ownerOf says whom a key of this node signs for: an organisation's licence key for
// "<node>/<credit code>", the node key for "<node>"; ok is false for any other key.
func (s *Service) ownerOf(ctx context.Context, k keys.Key) (string, bool) {
	switch {
	case k.Purpose == PurposeIssuer:
		o, err := s.cfg.Directory.Organisation(ctx, k.Org)
		if err != nil || idcode.ValidateCreditCode(o.CreditCode) != nil {
			return "", false
		}
		return s.issuerName(o.CreditCode), true
	case k.Purpose == PurposeNode && k.Org == s.cfg.NodeOrg:
		return s.cfg.Node, true
	}
	return "", false
}
