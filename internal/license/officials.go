package license

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/plaintext"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// What the officials of an issuing organisation see of its licences: the list it issued, with
// filters and paging, and the uses the platform saw of one of them.

// IssuedFilter narrows the licences an organisation issued.
type IssuedFilter struct {
	// Org is the issuing organisation; "" for the official's own.
	Org string
	// TypeCode, Status and HolderCode narrow the list when not empty; Status is a licence's
	// own status (an expired licence is still "valid" here).
	TypeCode   string
	Status     Status
	HolderCode string
	// Limit (at most MaxIssuedPage; 0 for DefaultIssuedPage) and Offset page through the list.
	Limit, Offset int
}

// Page sizes of Issued.
const (
	DefaultIssuedPage = 50
	MaxIssuedPage     = 200
)

// Statuses lists a licence's own statuses.
var Statuses = []Status{StatusValid, StatusSuspended, StatusRevoked, StatusSuperseded}

// Issued returns the licences organisation f.Org issued, newest first, every version included,
// to its officials (and the system); anyone else gets errs.Forbidden. A bad filter is
// errs.Invalid naming its field.
func (s *Service) Issued(ctx context.Context, p principal.Principal, f IssuedFilter) (_ []Licence, err error) {
	defer errs.Wrap(&err, "license.Issued(%s)", f.Org)
	if f.Org == "" {
		f.Org = p.OrgCode
	}
	if f.Org == "" || p.Kind != principal.System && !p.IsOfficial(f.Org) {
		return nil, errs.E(errs.Forbidden, "license.error.issued_forbidden")
	}
	switch {
	case f.Limit == 0:
		f.Limit = DefaultIssuedPage
	case f.Limit < 0 || f.Limit > MaxIssuedPage:
		return nil, errs.Field("limit", "license.error.limit", MaxIssuedPage)
	}
	if f.Offset < 0 {
		return nil, errs.Field("offset", "license.error.offset")
	}
	o, err := s.organisation(ctx, f.Org)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + licenceColumns + ` FROM licences WHERE issuer_code = ? AND issuer_org = ?`
	args := []any{o.CreditCode, f.Org}
	if c := strings.ToUpper(strings.TrimSpace(f.TypeCode)); c != "" {
		if err := idcode.ValidateLicenceTypeCode(c); err != nil {
			return nil, asField(err, "type_code")
		}
		q += ` AND type_code = ?`
		args = append(args, c)
	}
	if f.Status != "" {
		if !slices.Contains(Statuses, f.Status) {
			return nil, errs.Field("status", "license.error.status")
		}
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	if c := idcode.Normalize(f.HolderCode); c != "" {
		if len(c) > 40 || !plaintext.Valid(c, false) {
			return nil, errs.Field("holder_code", "license.error.holder_code")
		}
		q += ` AND holder_code = ?`
		args = append(args, c)
	}
	q += ` ORDER BY created_at DESC, id DESC LIMIT ` + strconv.Itoa(f.Limit) + ` OFFSET ` + strconv.Itoa(f.Offset)
	var rows []licenceRow
	if err := s.db.Select(ctx, &rows, q, args...); err != nil {
		return nil, err
	}
	return licencesOf(rows)
}

// IssuerUses returns the uses of licence id the platform saw, newest first, to the officials of
// its issuing organisation (and the system); errs.NotFound to anyone else. The holder sees them
// through Uses.
func (s *Service) IssuerUses(ctx context.Context, p principal.Principal, id string) ([]Use, error) {
	l, err := loadLicence(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	if p.Kind != principal.System && !p.IsOfficial(l.IssuerOrg) {
		return nil, errNotFound()
	}
	// Uses written behind verifications' answers are written first, so that this instance
	// shows every use it recorded.
	if err := s.uses.flush(ctx); err != nil {
		return nil, err
	}
	var out []Use
	err = s.db.Select(ctx, &out, `SELECT at, kind, by_node, by_org, purpose, presentation, grant_id FROM licence_uses
		WHERE licence_id = ? ORDER BY at DESC, id DESC`, id)
	return out, err
}
