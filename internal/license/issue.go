package license

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/events"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/ledger"
	"github.com/yiwang-platform/yiwang/internal/plaintext"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// IssueRequest asks for a licence.
type IssueRequest struct {
	// TypeCode names a published licence type.
	TypeCode string
	// IssuerOrg is the issuing organisation; "" for the official's own.
	IssuerOrg string
	// The holder: name, code and code type (HolderCodeResidentID or HolderCodeCreditCode),
	// which the type's holder category must allow.
	HolderName, HolderCode, HolderCodeType string
	// Jurisdiction is the GB/T 2260 region the licence is valid in; "" for the issuer's region.
	Jurisdiction string
	// Number is the licence number printed on it; "" for its serial.
	Number string
	// IssuedOn is the day it was issued, YYYY-MM-DD in China time, not after today: "" for
	// today; an earlier day for a licence issued before the platform (bulk import).
	IssuedOn string
	// ValidFrom ("" for the day it was issued) and ValidUntil ("" for the longest validity the
	// type allows), YYYY-MM-DD in China time.
	ValidFrom, ValidUntil string
	// Face is the face data by the type's field keys.
	Face map[string]string
	// LinkedItem is the service item whose approval issues the licence, CaseID the case.
	LinkedItem, CaseID string
	// Account is the account told of the new licence; 0 finds the holder's through Holders.
	Account int64
}

// Issue issues a licence as the request says, signed by the issuing organisation's licence key.
// Only the approvers of the issuing organisation may (errs.Forbidden). The request is checked
// against the published type: the holder, the face data and the validity; the first problem is
// errs.Invalid naming its field.
func (s *Service) Issue(ctx context.Context, p principal.Principal, req IssueRequest) (_ Licence, err error) {
	defer errs.Wrap(&err, "license.Issue(%s)", req.TypeCode)
	ctx = principal.With(ctx, p)
	if req.IssuerOrg == "" {
		req.IssuerOrg = p.OrgCode
	}
	if !MayIssue(p, req.IssuerOrg) {
		return Licence{}, errs.E(errs.Forbidden, "license.error.issue_forbidden")
	}
	if _, err := s.organisation(ctx, req.IssuerOrg); err != nil {
		return Licence{}, err
	}
	// The key is made (if it must be) in a transaction of its own, before the licence's.
	if _, err := s.issuerSigner(ctx, req.IssuerOrg); err != nil {
		return Licence{}, err
	}
	var l Licence
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		var err error
		l, err = s.IssueTx(ctx, tx, p, req)
		return err
	})
	return l, err
}

// organisation finds orgCode in the directory; errs.Invalid on issuer_org if it is not there.
func (s *Service) organisation(ctx context.Context, orgCode string) (Organisation, error) {
	o, err := s.cfg.Directory.Organisation(ctx, orgCode)
	if errs.Is(err, errs.NotFound) {
		return Organisation{}, errs.Field("issuer_org", "license.error.org_unknown")
	}
	if err != nil {
		return Organisation{}, err
	}
	if err := idcode.ValidateCreditCode(o.CreditCode); err != nil {
		return Organisation{}, errs.Wrapf(errs.Internal, err, "error.internal")
	}
	return o, nil
}

// IssueTx is Issue inside the caller's transaction, for the platform's own issuing (an approved
// case's consumer). The issuing organisation's licence key must exist already (Issue and the
// consumer make it before their transactions); errs.Conflict if it does not.
func (s *Service) IssueTx(ctx context.Context, tx *store.Tx, p principal.Principal, req IssueRequest) (_ Licence, err error) {
	defer errs.Wrap(&err, "license.IssueTx(%s)", req.TypeCode)
	ctx = principal.With(ctx, p)
	if req.IssuerOrg == "" {
		req.IssuerOrg = p.OrgCode
	}
	if !MayIssue(p, req.IssuerOrg) {
		return Licence{}, errs.E(errs.Forbidden, "license.error.issue_forbidden")
	}
	typ, err := publishedType(ctx, tx, strings.ToUpper(strings.TrimSpace(req.TypeCode)))
	if errs.Is(err, errs.NotFound) {
		return Licence{}, errs.Field("type_code", "license.error.type_not_published")
	}
	if err != nil {
		return Licence{}, err
	}
	issuer, err := s.organisation(ctx, req.IssuerOrg)
	if err != nil {
		return Licence{}, err
	}
	if err := checkHolder(typ.HolderCategory, &req.HolderName, &req.HolderCode, &req.HolderCodeType); err != nil {
		return Licence{}, err
	}
	face, err := checkFace(typ, req.Face)
	if err != nil {
		return Licence{}, err
	}
	now := today(tx.Now)
	if now, err = issuedOn(req.IssuedOn, now); err != nil {
		return Licence{}, err
	}
	from, until, err := validity(typ, req.ValidFrom, req.ValidUntil, now)
	if err != nil {
		return Licence{}, err
	}
	req.Jurisdiction = strings.TrimSpace(req.Jurisdiction)
	if req.Jurisdiction == "" {
		req.Jurisdiction = issuer.Region
	}
	if err := idcode.ValidateRegionCode(req.Jurisdiction); err != nil {
		return Licence{}, asField(err, "jurisdiction")
	}
	req.LinkedItem = strings.ToUpper(strings.TrimSpace(req.LinkedItem))
	if req.LinkedItem != "" && !itemCodeRE.MatchString(req.LinkedItem) {
		return Licence{}, errs.Field("linked_item", "license.error.linked_item", req.LinkedItem)
	}
	if err := plaintext.Line(&req.CaseID, "case_id", 64, false); err != nil {
		return Licence{}, err
	}
	req.Number = strings.TrimSpace(req.Number)
	if req.Number != "" && (len(req.Number) > maxNumber || !numberRE.MatchString(req.Number)) {
		return Licence{}, errs.Field("number", "license.error.number", maxNumber)
	}
	sg, err := s.cfg.Keys.ActiveSigner(systemCtx(ctx), req.IssuerOrg, PurposeIssuer, s.cfg.Algorithm)
	if errs.Is(err, errs.NotFound) {
		return Licence{}, errs.Wrapf(errs.Conflict, err, "license.error.no_issuer_key")
	}
	if err != nil {
		return Licence{}, err
	}
	serial, err := nextSerial(ctx, tx, issuer.CreditCode, typ.Code, tx.Now.In(clock.China).Year())
	if err != nil {
		return Licence{}, err
	}
	id := idcode.LicenceID{TypeCode: typ.Code, IssuerCode: issuer.CreditCode, Serial: serial, Version: "001"}
	if err := id.Validate(); err != nil {
		return Licence{}, errs.Wrapf(errs.Internal, err, "error.internal")
	}
	l := Licence{ID: id.String(), TypeCode: typ.Code, TypeVersion: typ.Version, Serial: serial, Version: id.Version,
		Number: req.Number, NameHans: typ.NameHans, IssuerOrg: req.IssuerOrg, IssuerCode: issuer.CreditCode,
		IssuerName: issuer.NameHans, HolderName: req.HolderName, HolderCode: req.HolderCode,
		HolderCodeType: req.HolderCodeType, Jurisdiction: req.Jurisdiction, LinkedItem: req.LinkedItem, CaseID: req.CaseID,
		IssuedOn: now, ValidFrom: from, ValidUntil: until, Status: StatusValid, StatusAt: tx.Now, Face: face,
		CreatedAt: tx.Now, UpdatedAt: tx.Now}
	if l.Number == "" {
		l.Number = serial
	}
	if err := s.signAndStore(ctx, tx, p, sg, &l); err != nil {
		return Licence{}, err
	}
	idx, err := s.logStep(ctx, tx, ledger.TypeLicenceIssued, l, digestText(l.Credential))
	if err != nil {
		return Licence{}, err
	}
	addHistory(tx, l.ID, StepIssued, p.Actor(), "", idx)
	if err := audit.Record(ctx, tx, audit.Change{Action: "license.issue", ObjectType: "licence", ObjectID: l.ID, After: l,
		Detail: map[string]any{"type": l.TypeCode, "issuer_org": l.IssuerOrg, "case_id": l.CaseID, "ledger_index": idx}}); err != nil {
		return Licence{}, err
	}
	if err := events.Enqueue(ctx, tx, TopicIssued, eventPayload(l)); err != nil {
		return Licence{}, err
	}
	if err := s.tellHolder(ctx, tx, l, req.Account, "license.notice.issued"); err != nil {
		return Licence{}, err
	}
	return l, nil
}

// nextSerial takes the next serial an issuer gives its licences of a type: the year and a
// six-digit count, e.g. "2026000042" (the count runs on across years).
func nextSerial(ctx context.Context, tx *store.Tx, issuerCode, typeCode string, year int) (string, error) {
	var n int64
	if err := tx.Get(ctx, &n, `INSERT INTO licence_serials (issuer_code, type_code, last) VALUES (?, ?, 1)
		ON CONFLICT (issuer_code, type_code) DO UPDATE SET last = licence_serials.last + 1 RETURNING last`,
		issuerCode, typeCode); err != nil {
		return "", err
	}
	return fmt.Sprintf("%04d%06d", year, n), nil
}

// Public and hidden claim names of a licence's credential besides the face-data fields.
const (
	ClaimTypeCode       = "type_code"
	ClaimTypeName       = "type_name"
	ClaimNumber         = "number"
	ClaimIssuer         = "issuer"
	ClaimJurisdiction   = "jurisdiction"
	ClaimIssuedOn       = "issued_on"
	ClaimValidFrom      = "valid_from"
	ClaimValidUntil     = "valid_until"
	ClaimHolderCodeType = "holder_code_type"
	ClaimHolderName     = "holder_name"
	ClaimHolderCode     = "holder_code"
)

// claims returns the public and hidden claims of licence l.
func claims(l Licence) (public, hidden map[string]string) {
	public = map[string]string{ClaimTypeCode: l.TypeCode, ClaimTypeName: l.NameHans, ClaimNumber: l.Number,
		ClaimIssuer: l.IssuerName, ClaimJurisdiction: l.Jurisdiction, ClaimIssuedOn: l.IssuedOn,
		ClaimValidFrom: l.ValidFrom, ClaimHolderCodeType: l.HolderCodeType}
	if l.ValidUntil != "" {
		public[ClaimValidUntil] = l.ValidUntil
	}
	hidden = map[string]string{ClaimHolderName: l.HolderName, ClaimHolderCode: l.HolderCode}
	for k, v := range l.Face {
		hidden[k] = v
	}
	return public, hidden
}

// disclosureAAD binds a licence's sealed disclosures to its row.
func disclosureAAD(id string) []byte { return []byte("licences.disclosures:" + id) }

// signAndStore signs licence l's credential with sg, seals its disclosures and inserts its row.
func (s *Service) signAndStore(ctx context.Context, tx *store.Tx, p principal.Principal, sg *keys.Signer, l *Licence) error {
	public, hidden := claims(*l)
	text, disc, err := credential.Issue(sg, credential.Claims{Alg: s.credAlg(), KeyID: sg.Key().ID,
		Issuer: s.issuerName(l.IssuerCode), Subject: l.ID, IssuedAt: tx.Now.Unix(), Public: public}, hidden)
	if err != nil {
		return err
	}
	l.Credential, l.KeyID = text, sg.Key().ID
	discJSON, err := json.Marshal(disc)
	if err != nil {
		return err
	}
	sealed, err := s.cfg.Keys.SealTx(ctx, tx, PurposeDisclosures, discJSON, disclosureAAD(l.ID))
	if err != nil {
		return err
	}
	face, err := json.Marshal(l.Face)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO licences (id, type_code, type_version, serial, version, number, name_hans, issuer_org,
		issuer_code, issuer_name, holder_name, holder_code, holder_code_type, jurisdiction, linked_item, case_id, issued_on,
		valid_from, valid_until, status, status_reason, status_at, face, credential, disclosures, key_id, supersedes,
		created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		l.ID, l.TypeCode, l.TypeVersion, l.Serial, l.Version, l.Number, l.NameHans, l.IssuerOrg, l.IssuerCode, l.IssuerName,
		l.HolderName, l.HolderCode, l.HolderCodeType, l.Jurisdiction, l.LinkedItem, nullable(l.CaseID), l.IssuedOn,
		l.ValidFrom, nullable(l.ValidUntil), l.Status, l.StatusReason, l.StatusAt, string(face), l.Credential, sealed,
		l.KeyID, nullable(l.Supersedes), p.Actor(), tx.Now, tx.Now)
	return err
}

// eventPayload describes l for an event: identifiers only, never the holder.
func eventPayload(l Licence) map[string]any {
	m := map[string]any{"id": l.ID, "type_code": l.TypeCode, "issuer_org": l.IssuerOrg, "status": l.Status}
	if l.CaseID != "" {
		m["case_id"] = l.CaseID
	}
	if l.Supersedes != "" {
		m["supersedes"] = l.Supersedes
	}
	return m
}

// WalletLink is the local path of a licence in its holder's wallet.
func WalletLink(id string) string { return "/my/licenses/" + url.PathEscape(id) }

// tellHolder puts a message about l in its holder's inbox: account, or the holder's account
// found through Holders (a resident by ID number, an enterprise's owner by credit code). A
// holder without an account is not told.
func (s *Service) tellHolder(ctx context.Context, tx *store.Tx, l Licence, account int64, key string) error {
	if s.cfg.Notifier == nil {
		return nil
	}
	if account == 0 {
		var err error
		if account, err = s.holderAccount(ctx, l.HolderCodeType, l.HolderCode); errs.Is(err, errs.NotFound) {
			return nil
		} else if err != nil {
			return err
		}
	}
	return s.cfg.Notifier.SendTx(ctx, tx, account, key, []string{l.NameHans, l.Number}, WalletLink(l.ID))
}

// holderAccount finds the account of a holder; errs.NotFound if it has none (or the service
// has no Holders).
func (s *Service) holderAccount(ctx context.Context, codeType, code string) (int64, error) {
	if s.cfg.Holders == nil {
		return 0, errs.E(errs.NotFound, "error.not_found")
	}
	if codeType == HolderCodeResidentID {
		return s.cfg.Holders.ResidentAccount(ctx, code)
	}
	_, owner, err := s.cfg.Holders.Enterprise(ctx, code)
	if err == nil && owner == 0 {
		err = errs.E(errs.NotFound, "error.not_found")
	}
	return owner, err
}
