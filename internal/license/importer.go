package license

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/plaintext"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// ImportRequest asks to issue the licences of an import file.
type ImportRequest struct {
	// TypeCode names the published type the file was parsed for; IssuerOrg the issuing
	// organisation ("" for the principal's own).
	TypeCode  string
	IssuerOrg string
	File      *ImportFile
	// DryRun checks every row as the import would and stores nothing.
	DryRun bool
	// Progress, if set, is told after each licence is issued how many of total are; a
	// transaction that is tried again starts again from 0.
	Progress func(done, total int)
}

// Imported is a licence an import issued.
type Imported struct {
	Row    int    `json:"row"`
	ID     string `json:"id"`
	Number string `json:"number"`
}

// ImportResult says what an import did.
type ImportResult struct {
	// Rows is the number of licences in the file; Issued those issued (none in a dry run).
	Rows   int        `json:"rows"`
	DryRun bool       `json:"dry_run"`
	Issued []Imported `json:"issued,omitempty"`
}

// Import issues every licence of a parsed import file (ParseImport) in one transaction, as
// Issue would one by one: all of them, or — if any row is wrong — none. Every row is checked
// first (holder, dates against the type's validity range, face data, licence numbers repeated in
// the file or already given to a licence of the same issuer and type); the problems are an
// *ImportError naming each row and column. Only those who may issue the organisation's
// licences may import them (errs.Forbidden); a type that is not published is errs.Invalid on
// type_code, and a type published anew since the file was parsed errs.Conflict.
func (s *Service) Import(ctx context.Context, p principal.Principal, req ImportRequest) (_ ImportResult, err error) {
	defer errs.Wrap(&err, "license.Import(%s)", req.TypeCode)
	ctx = principal.With(ctx, p)
	if req.IssuerOrg == "" {
		req.IssuerOrg = p.OrgCode
	}
	if !MayIssue(p, req.IssuerOrg) {
		return ImportResult{}, errs.E(errs.Forbidden, "license.error.issue_forbidden")
	}
	if req.File == nil || len(req.File.Rows) == 0 {
		return ImportResult{}, fileProblem("license.import.no_rows")
	}
	typ, err := publishedType(ctx, s.db, strings.ToUpper(strings.TrimSpace(req.TypeCode)))
	if errs.Is(err, errs.NotFound) {
		return ImportResult{}, errs.Field("type_code", "license.error.type_not_published")
	}
	if err != nil {
		return ImportResult{}, err
	}
	if req.File.TypeCode != typ.Code || req.File.TypeVersion != typ.Version {
		return ImportResult{}, errs.E(errs.Conflict, "license.import.type_changed")
	}
	issuer, err := s.organisation(ctx, req.IssuerOrg)
	if err != nil {
		return ImportResult{}, err
	}
	res := ImportResult{Rows: len(req.File.Rows), DryRun: req.DryRun}
	problems, err := s.checkImport(ctx, s.db, typ, issuer, req.File, today(s.clock.Now()))
	if err != nil {
		return ImportResult{}, err
	}
	if len(problems) > 0 {
		return ImportResult{}, &ImportError{Problems: problems}
	}
	if req.DryRun {
		return res, nil
	}
	// The key is made (if it must be) in a transaction of its own, before the licences'.
	if _, err := s.issuerSigner(ctx, req.IssuerOrg); err != nil {
		return ImportResult{}, err
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		res.Issued = make([]Imported, 0, len(req.File.Rows))
		for i, row := range req.File.Rows {
			l, err := s.IssueTx(ctx, tx, p, row.request(typ.Code, req.IssuerOrg))
			if errs.Is(err, errs.Invalid) {
				return &ImportError{Problems: []ImportProblem{req.File.problem(row.Row, err)}}
			}
			if err != nil {
				return fmt.Errorf("row %d: %w", row.Row, err)
			}
			res.Issued = append(res.Issued, Imported{Row: row.Row, ID: l.ID, Number: l.Number})
			if req.Progress != nil {
				req.Progress(i+1, len(req.File.Rows))
			}
		}
		return audit.Record(ctx, tx, audit.Change{Action: "license.import", ObjectType: "licence_type", ObjectID: typ.Code,
			Detail: map[string]any{"issuer_org": req.IssuerOrg, "rows": len(res.Issued), "format": req.File.Format,
				"sha256": req.File.SHA256, "first": res.Issued[0].ID, "last": res.Issued[len(res.Issued)-1].ID}})
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

// request is the issue request of row.
func (r ImportRow) request(typeCode, issuerOrg string) IssueRequest {
	face := make(map[string]string, len(r.Face))
	for k, v := range r.Face {
		face[k] = v
	}
	return IssueRequest{TypeCode: typeCode, IssuerOrg: issuerOrg, HolderName: r.HolderName, HolderCode: r.HolderCode,
		HolderCodeType: inferCodeType(r.HolderCodeType, r.HolderCode), Number: r.Number, IssuedOn: r.IssuedOn,
		ValidFrom: r.ValidFrom, ValidUntil: r.ValidUntil, Face: face}
}

// inferCodeType is the holder code type given, or for none the type code's form says: a
// resident ID number (111) or a credit code (001); "" if it is neither.
func inferCodeType(given, code string) string {
	if given != "" {
		return given
	}
	code = idcode.Normalize(code)
	switch {
	case len(code) != 18:
	case idcode.ValidateResidentID(code) == nil:
		return HolderCodeResidentID
	case idcode.ValidateCreditCode(code) == nil:
		return HolderCodeCreditCode
	}
	return ""
}

// standIn is the column a problem of a column the file may lack is shown in: the holder code
// for its type, the issue date for the start of validity (which it defaults to).
var standIn = map[string]string{ColHolderCodeType: ColHolderCode, ColValidFrom: ColIssuedOn}

// problem is the problem err (an errs.Invalid naming a field, as IssueTx returns) makes of row.
func (f *ImportFile) problem(row int, err error) ImportProblem {
	e := errs.Public(err)
	p := ImportProblem{Row: row, Message: e.Message, Args: e.Args}
	for _, key := range []string{e.Field, standIn[e.Field]} {
		for _, c := range f.Columns {
			if key != "" && c.Key == key {
				p.Column, p.Header = c.Letter, c.Header
				return p
			}
		}
	}
	return p
}

// checkImport checks every row of f as IssueTx will, and more: every problem of every row,
// not just the first, and licence numbers repeated in the file or already given to a licence
// of the issuer and type. The error is only for failures of the platform.
func (s *Service) checkImport(ctx context.Context, g getter, typ Type, issuer Organisation, f *ImportFile, day string) ([]ImportProblem, error) {
	var taken []string
	if err := g.Select(ctx, &taken, `SELECT number FROM licences WHERE issuer_code = ? AND type_code = ? AND status <> 'superseded'`,
		issuer.CreditCode, typ.Code); err != nil {
		return nil, err
	}
	used := make(map[string]int, len(taken)+len(f.Rows))
	for _, n := range taken {
		used[n] = 0
	}
	var problems []ImportProblem
	for _, row := range f.Rows {
		add := func(err error) {
			if err != nil {
				problems = append(problems, f.problem(row.Row, err))
			}
		}
		req := row.request(typ.Code, issuer.Code)
		name := req.HolderName
		if err := plaintext.Line(&name, ColHolderName, maxHolder, true); err != nil {
			add(err)
			name = "-"
		}
		if req.HolderCodeType == "" {
			add(holderCodeProblem(typ.HolderCategory, req.HolderCode))
		} else {
			add(checkHolder(typ.HolderCategory, &name, &req.HolderCode, &req.HolderCodeType))
		}
		if n := strings.TrimSpace(req.Number); n != "" {
			switch first, seen := used[n]; {
			case len(n) > maxNumber || !numberRE.MatchString(n):
				add(errs.Field(ColNumber, "license.error.number", maxNumber))
			case seen && first == 0:
				add(errs.Field(ColNumber, "license.import.number_taken", n))
			case seen:
				add(errs.Field(ColNumber, "license.import.number_twice", first))
			default:
				used[n] = row.Row
			}
		}
		issued, err := issuedOn(req.IssuedOn, day)
		switch {
		case err != nil:
			add(err)
		case strings.TrimSpace(req.IssuedOn) == "":
			add(errs.Field(ColIssuedOn, "license.error.required"))
		case strings.TrimSpace(req.ValidUntil) == "" && typ.MaxValidityMonths > 0:
			add(errs.Field(ColValidUntil, "license.import.until_required", typ.MinValidityMonths, typ.MaxValidityMonths))
		default:
			_, _, err := validity(typ, req.ValidFrom, req.ValidUntil, issued)
			add(err)
		}
		// Each face-data field on its own, so that every wrong one is named.
		for _, fl := range typ.Fields {
			_, err := checkFace(Type{Fields: []Field{fl}}, map[string]string{fl.Key: req.Face[fl.Key]})
			add(err)
		}
	}
	return problems, nil
}

// holderCodeProblem is the error for a holder code whose type was not given and that is neither a
// resident ID number nor a credit code: what is wrong with it as the type's holders' code.
func holderCodeProblem(cat HolderCategory, code string) error {
	code = idcode.Normalize(code)
	switch {
	case code == "":
		return errs.Field(ColHolderCode, "license.error.required")
	case cat == HolderPerson:
		if err := idcode.ValidateResidentID(code); err != nil {
			return asField(err, ColHolderCode)
		}
	case cat == HolderEnterprise:
		if err := idcode.ValidateCreditCode(code); err != nil {
			return asField(err, ColHolderCode)
		}
	}
	return errs.Field(ColHolderCode, "license.import.holder_code_kind")
}

// issuedOn is the issue date of a licence: given (a date not after today), or today for "".
func issuedOn(given, today string) (string, error) {
	given = strings.TrimSpace(given)
	if given == "" {
		return today, nil
	}
	if _, err := time.Parse(dateLayout, given); err != nil {
		return "", errs.Field(ColIssuedOn, "license.error.date")
	}
	if given > today {
		return "", errs.Field(ColIssuedOn, "license.import.issued_later", today)
	}
	return given, nil
}
