package license

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/events"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// typeData is what licence_types.data holds: a version's elements that are not columns.
type typeData struct {
	AuthorityName     string   `json:"authority_name"`
	AuthorityCode     string   `json:"authority_code"`
	AuthorityLevel    Level    `json:"authority_level"`
	IssuerLevel       Level    `json:"issuer_level"`
	MinValidityMonths int      `json:"min_validity_months"`
	MaxValidityMonths int      `json:"max_validity_months"`
	LinkedItems       []string `json:"linked_items,omitempty"`
	Fields            []Field  `json:"fields"`
}

// typeRow is a licence_types row.
type typeRow struct {
	Code           string         `db:"code"`
	Version        int            `db:"version"`
	Status         TypeStatus     `db:"status"`
	Org            string         `db:"org_code"`
	NameHans       string         `db:"name_hans"`
	NameHant       string         `db:"name_hant"`
	NameEn         string         `db:"name_en"`
	HolderCategory HolderCategory `db:"holder_category"`
	Data           string         `db:"data"`
	CreatedBy      string         `db:"created_by"`
	CreatedAt      time.Time      `db:"created_at"`
	UpdatedBy      string         `db:"updated_by"`
	UpdatedAt      time.Time      `db:"updated_at"`
	DecidedBy      *string        `db:"decided_by"`
	DecidedAt      *time.Time     `db:"decided_at"`
	ReturnReason   string         `db:"return_reason"`
}

const typeColumns = `code, version, status, org_code, name_hans, name_hant, name_en, holder_category, data,
	created_by, created_at, updated_by, updated_at, decided_by, decided_at, return_reason`

func (r typeRow) typ() (Type, error) {
	var d typeData
	if err := json.Unmarshal([]byte(r.Data), &d); err != nil {
		return Type{}, errs.Wrapf(errs.Internal, err, "error.internal")
	}
	t := Type{Code: r.Code, Version: r.Version, Status: r.Status, Org: r.Org, NameHans: r.NameHans,
		NameHant: r.NameHant, NameEn: r.NameEn, AuthorityName: d.AuthorityName, AuthorityCode: d.AuthorityCode,
		AuthorityLevel: d.AuthorityLevel, IssuerLevel: d.IssuerLevel, HolderCategory: r.HolderCategory,
		MinValidityMonths: d.MinValidityMonths, MaxValidityMonths: d.MaxValidityMonths, LinkedItems: d.LinkedItems,
		Fields: d.Fields, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		DecidedAt: r.DecidedAt, ReturnReason: r.ReturnReason}
	if r.DecidedBy != nil {
		t.DecidedBy = *r.DecidedBy
	}
	return t, nil
}

func typesOf(rows []typeRow) ([]Type, error) {
	out := make([]Type, 0, len(rows))
	for _, r := range rows {
		t, err := r.typ()
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// getter reads rows: the database or a transaction.
type getter interface {
	Get(ctx context.Context, dest any, query string, args ...any) error
	Select(ctx context.Context, dest any, query string, args ...any) error
}

// latestType reads the latest version of type code; errs.NotFound if there is none.
func latestType(ctx context.Context, g getter, code string) (typeRow, error) {
	var r typeRow
	err := g.Get(ctx, &r, `SELECT `+typeColumns+` FROM licence_types WHERE code = ? ORDER BY version DESC LIMIT 1`, code)
	return r, err
}

// visibleType reads the latest version of type code if p may see its versions; otherwise, or
// if there is none, it is errs.NotFound.
func visibleType(ctx context.Context, g getter, p principal.Principal, code string) (typeRow, error) {
	r, err := latestType(ctx, g, code)
	if errs.Is(err, errs.NotFound) || err == nil && !MaySeeTypeVersions(p, r.Org) {
		return typeRow{}, errs.E(errs.NotFound, "license.error.type_not_found")
	}
	return r, err
}

// SaveType saves in as the draft of its licence type: the first version of a new type, the open
// draft edited in place, or a new version after a published or returned one. Only the
// administrators of the type's organisation may; a version waiting for review cannot change
// (errs.Conflict). Every element is checked first; the first problem is errs.Invalid naming its
// field.
func (s *Service) SaveType(ctx context.Context, p principal.Principal, in Type) (_ Type, err error) {
	defer errs.Wrap(&err, "license.SaveType(%s)", in.Code)
	ctx = principal.With(ctx, p)
	if !MayEditTypes(p, strings.TrimSpace(in.Org)) {
		return Type{}, errs.E(errs.Forbidden, "license.error.type_edit_forbidden")
	}
	if err := checkType(&in); err != nil {
		return Type{}, err
	}
	if _, err := org.Get(ctx, s.db, in.Org); errs.Is(err, errs.NotFound) {
		return Type{}, errs.Field("org", "license.error.org_unknown")
	} else if err != nil {
		return Type{}, err
	}
	data, err := json.Marshal(typeData{AuthorityName: in.AuthorityName, AuthorityCode: in.AuthorityCode,
		AuthorityLevel: in.AuthorityLevel, IssuerLevel: in.IssuerLevel, MinValidityMonths: in.MinValidityMonths,
		MaxValidityMonths: in.MaxValidityMonths, LinkedItems: in.LinkedItems, Fields: in.Fields})
	if err != nil {
		return Type{}, err
	}
	var out Type
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		latest, err := latestType(ctx, tx, in.Code)
		version, action := 1, "create"
		switch {
		case errs.Is(err, errs.NotFound):
		case err != nil:
			return err
		case latest.Org != in.Org:
			if MaySeeTypeVersions(p, latest.Org) {
				return errs.Field("org", "license.error.org_changed")
			}
			return errs.Field("code", "license.error.code_taken")
		case latest.Status == TypeSubmitted:
			return errs.E(errs.Conflict, "license.error.awaiting_review")
		case latest.Status == TypeDraft:
			version, action = latest.Version, "update"
		default:
			version, action = latest.Version+1, "new_version"
		}
		if action == "update" {
			if _, err := tx.Exec(ctx, `UPDATE licence_types SET name_hans = ?, name_hant = ?, name_en = ?, holder_category = ?,
				data = ?, updated_by = ?, updated_at = ? WHERE code = ? AND version = ?`,
				in.NameHans, in.NameHant, in.NameEn, in.HolderCategory, string(data), p.Actor(), tx.Now, in.Code, version); err != nil {
				return err
			}
		} else if _, err := tx.Exec(ctx, `INSERT INTO licence_types (code, version, status, org_code, name_hans, name_hant,
			name_en, holder_category, data, created_by, created_at, updated_by, updated_at)
			VALUES (?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			in.Code, version, in.Org, in.NameHans, in.NameHant, in.NameEn, in.HolderCategory, string(data),
			p.Actor(), tx.Now, p.Actor(), tx.Now); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Change{Action: "license.type.save", ObjectType: "licence_type", ObjectID: in.Code,
			After: json.RawMessage(data), Detail: map[string]any{"version": version, "org": in.Org, "change": action}}); err != nil {
			return err
		}
		out, err = loadType(ctx, tx, in.Code, version)
		return err
	})
	return out, err
}

// loadType reads version v of type code.
func loadType(ctx context.Context, g getter, code string, v int) (Type, error) {
	var r typeRow
	if err := g.Get(ctx, &r, `SELECT `+typeColumns+` FROM licence_types WHERE code = ? AND version = ?`, code, v); err != nil {
		return Type{}, err
	}
	return r.typ()
}

// SubmitType sends the draft of type code to the digital office for review. Only the
// administrators of the type's organisation may; there must be a draft (errs.Conflict).
func (s *Service) SubmitType(ctx context.Context, p principal.Principal, code string) (_ Type, err error) {
	defer errs.Wrap(&err, "license.SubmitType(%s)", code)
	ctx = principal.With(ctx, p)
	var out Type
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		r, err := visibleType(ctx, tx, p, code)
		if err != nil {
			return err
		}
		if !MayEditTypes(p, r.Org) {
			return errs.E(errs.Forbidden, "license.error.type_edit_forbidden")
		}
		res, err := tx.Exec(ctx, `UPDATE licence_types SET status = 'submitted', updated_by = ?, updated_at = ?
			WHERE code = ? AND version = ? AND status = 'draft'`, p.Actor(), tx.Now, code, r.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "license.error.no_draft")
		}
		if err := audit.Record(ctx, tx, audit.Change{Action: "license.type.submit", ObjectType: "licence_type", ObjectID: code,
			Detail: map[string]any{"version": r.Version}}); err != nil {
			return err
		}
		out, err = loadType(ctx, tx, code, r.Version)
		return err
	})
	return out, err
}

// PublishType makes the submitted version of type code the published one; the version published
// before is superseded and kept. Only the digital office's administrators may. A service item
// issues one type of licence: a linked item that another published type links already is
// errs.Conflict naming both.
func (s *Service) PublishType(ctx context.Context, p principal.Principal, code string) (_ Type, err error) {
	defer errs.Wrap(&err, "license.PublishType(%s)", code)
	ctx = principal.With(ctx, p)
	var out Type
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		r, err := visibleType(ctx, tx, p, code)
		if err != nil {
			return err
		}
		if !MayDecideTypes(p) {
			return errs.E(errs.Forbidden, "license.error.type_decide_forbidden")
		}
		if r.Status != TypeSubmitted {
			return errs.E(errs.Conflict, "license.error.not_submitted")
		}
		t, err := r.typ()
		if err != nil {
			return err
		}
		var others []typeRow
		if err := tx.Select(ctx, &others, `SELECT `+typeColumns+` FROM licence_types WHERE status = 'published' AND code <> ?`, code); err != nil {
			return err
		}
		for _, o := range others {
			ot, err := o.typ()
			if err != nil {
				return err
			}
			for _, item := range t.LinkedItems {
				if slices.Contains(ot.LinkedItems, item) {
					return errs.E(errs.Conflict, "license.error.item_linked_elsewhere", item, ot.Code)
				}
			}
		}
		// The published version steps down first: the unique index allows one per code.
		if _, err := tx.Exec(ctx, `UPDATE licence_types SET status = 'superseded' WHERE code = ? AND status = 'published'`, code); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE licence_types SET status = 'published', decided_by = ?, decided_at = ?
			WHERE code = ? AND version = ?`, p.Actor(), tx.Now, code, r.Version); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Change{Action: "license.type.publish", ObjectType: "licence_type", ObjectID: code,
			Detail: map[string]any{"version": r.Version}}); err != nil {
			return err
		}
		if err := events.Enqueue(ctx, tx, TopicTypePublished, map[string]any{"code": code, "version": r.Version, "org": r.Org}); err != nil {
			return err
		}
		out, err = loadType(ctx, tx, code, r.Version)
		return err
	})
	return out, err
}

// ReturnType sends the submitted version of type code back to its organisation with a reason;
// the organisation's next save makes a new draft. Only the digital office's administrators may.
func (s *Service) ReturnType(ctx context.Context, p principal.Principal, code, reason string) (_ Type, err error) {
	defer errs.Wrap(&err, "license.ReturnType(%s)", code)
	ctx = principal.With(ctx, p)
	var out Type
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		r, err := visibleType(ctx, tx, p, code)
		if err != nil {
			return err
		}
		if !MayDecideTypes(p) {
			return errs.E(errs.Forbidden, "license.error.type_decide_forbidden")
		}
		if err := checkReason(&reason); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE licence_types SET status = 'returned', decided_by = ?, decided_at = ?, return_reason = ?
			WHERE code = ? AND version = ? AND status = 'submitted'`, p.Actor(), tx.Now, reason, code, r.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "license.error.not_submitted")
		}
		if err := audit.Record(ctx, tx, audit.Change{Action: "license.type.return", ObjectType: "licence_type", ObjectID: code,
			Detail: map[string]any{"version": r.Version}}); err != nil {
			return err
		}
		out, err = loadType(ctx, tx, code, r.Version)
		return err
	})
	return out, err
}

// Published returns the published version of type code, to anyone; errs.NotFound if there is
// none.
func (s *Service) Published(ctx context.Context, code string) (Type, error) {
	return publishedType(ctx, s.db, code)
}

func publishedType(ctx context.Context, g getter, code string) (Type, error) {
	var r typeRow
	err := g.Get(ctx, &r, `SELECT `+typeColumns+` FROM licence_types WHERE code = ? AND status = 'published'`, code)
	if errs.Is(err, errs.NotFound) {
		return Type{}, errs.E(errs.NotFound, "license.error.type_not_found")
	}
	if err != nil {
		return Type{}, err
	}
	return r.typ()
}

// PublishedTypes returns the published version of every licence type, by code, to anyone.
func (s *Service) PublishedTypes(ctx context.Context) ([]Type, error) {
	var rows []typeRow
	if err := s.db.Select(ctx, &rows, `SELECT `+typeColumns+` FROM licence_types WHERE status = 'published' ORDER BY code`); err != nil {
		return nil, err
	}
	return typesOf(rows)
}

// Types returns the latest version of each licence type of organisation orgCode, by code, to
// its officials and the digital office's; orgCode "" asks for every organisation's, which only
// the digital office may. Otherwise errs.Forbidden.
func (s *Service) Types(ctx context.Context, p principal.Principal, orgCode string) ([]Type, error) {
	if orgCode == "" && !MaySeeTypeVersions(p, org.DigitalOffice) || orgCode != "" && !MaySeeTypeVersions(p, orgCode) {
		return nil, errs.E(errs.Forbidden, "license.error.types_forbidden")
	}
	q := `SELECT ` + typeColumns + ` FROM licence_types t WHERE version = (SELECT MAX(version) FROM licence_types WHERE code = t.code)`
	var args []any
	if orgCode != "" {
		q += ` AND org_code = ?`
		args = append(args, orgCode)
	}
	var rows []typeRow
	if err := s.db.Select(ctx, &rows, q+` ORDER BY code`, args...); err != nil {
		return nil, err
	}
	return typesOf(rows)
}

// TypeVersions returns every version of type code, newest first, to the officials of its
// organisation and the digital office; errs.NotFound to anyone else.
func (s *Service) TypeVersions(ctx context.Context, p principal.Principal, code string) ([]Type, error) {
	if _, err := visibleType(ctx, s.db, p, code); err != nil {
		return nil, err
	}
	var rows []typeRow
	if err := s.db.Select(ctx, &rows, `SELECT `+typeColumns+` FROM licence_types WHERE code = ? ORDER BY version DESC`, code); err != nil {
		return nil, err
	}
	return typesOf(rows)
}

// typeForItem returns the published type that service item itemCode issues, if any.
func (s *Service) typeForItem(ctx context.Context, g getter, itemCode string) (Type, bool, error) {
	var rows []typeRow
	if err := g.Select(ctx, &rows, `SELECT `+typeColumns+` FROM licence_types WHERE status = 'published' ORDER BY code`); err != nil {
		return Type{}, false, err
	}
	ts, err := typesOf(rows)
	if err != nil {
		return Type{}, false, err
	}
	for _, t := range ts {
		if slices.Contains(t.LinkedItems, itemCode) {
			return t, true, nil
		}
	}
	return Type{}, false, nil
}
