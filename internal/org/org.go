// Package org holds the organisations of the province — the provincial government, its
// departments, the nine cities and Pingtan — with their region codes and the names people write
// them by, and matches names found in documents to them.
package org

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Kind classifies an organisation.
type Kind string

// The kinds of organisation.
const (
	Government  Kind = "government"  // a people's government (province, city)
	Department  Kind = "department"  // a department or directly affiliated body of a government
	City        Kind = "city"        // a prefecture-level city's government
	Zone        Kind = "zone"        // Pingtan Comprehensive Experimental Zone administrative committee
	Enterprise  Kind = "enterprise"  // a state-owned group or operator named as responsible
	Party       Kind = "party"       // a Party committee body
	Legislature Kind = "legislature" // people's congress and CPPCC bodies
	Judiciary   Kind = "judiciary"   // courts and procuratorates
	Other       Kind = "other"
)

// Organisation is a government body, a city, or another unit the province names as responsible.
type Organisation struct {
	Code       string    `db:"code" json:"code"`
	Kind       Kind      `db:"kind" json:"kind"`
	NameHans   string    `db:"name_hans" json:"name_hans"`
	NameHant   string    `db:"name_hant" json:"name_hant"`
	NameEn     string    `db:"name_en" json:"name_en"`
	RegionCode string    `db:"region_code" json:"region_code"`
	ParentCode *string   `db:"parent_code" json:"parent_code,omitempty"`
	CreatedAt  time.Time `db:"created_at" json:"-"`
	UpdatedAt  time.Time `db:"updated_at" json:"-"`
	// Aliases are the other names people write, in either script, e.g. 省數字辦 and 省数字办.
	Aliases []string `db:"-" json:"aliases,omitempty"`
}

// Name returns the organisation's name in language tag lang (zh-Hans, zh-Hant or en).
func (o Organisation) Name(lang string) string {
	switch lang {
	case "zh-Hant":
		return o.NameHant
	case "en":
		return o.NameEn
	}
	return o.NameHans
}

// Seed writes every organisation of dir and its aliases, inserting what is missing and updating
// what changed; running it twice changes nothing. Returns how many organisations it inserted or changed.
func Seed(ctx context.Context, db *store.DB, dir []Organisation) (changed int, err error) {
	defer errs.Wrap(&err, "org.Seed")
	dir, err = parentsFirst(dir)
	if err != nil {
		return 0, err
	}
	err = db.Transact(ctx, func(tx *store.Tx) error {
		changed = 0
		for _, o := range dir {
			var cur Organisation
			err := tx.Get(ctx, &cur, `SELECT code, kind, name_hans, name_hant, name_en, region_code, parent_code, created_at, updated_at
				FROM organisations WHERE code = ?`, o.Code)
			switch {
			case errs.Is(err, errs.NotFound):
				if _, err := tx.Exec(ctx, `INSERT INTO organisations
					(code, kind, name_hans, name_hant, name_en, region_code, parent_code, created_at, updated_at)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
					o.Code, o.Kind, o.NameHans, o.NameHant, o.NameEn, o.RegionCode, o.ParentCode, tx.Now, tx.Now); err != nil {
					return err
				}
				if err := audit.Record(ctx, tx, audit.Change{Action: "org.created", ObjectType: "organisation", ObjectID: o.Code, After: o}); err != nil {
					return err
				}
				changed++
			case err != nil:
				return err
			case cur.Kind != o.Kind || cur.NameHans != o.NameHans || cur.NameHant != o.NameHant || cur.NameEn != o.NameEn ||
				cur.RegionCode != o.RegionCode || deref(cur.ParentCode) != deref(o.ParentCode):
				if _, err := tx.Exec(ctx, `UPDATE organisations SET kind = ?, name_hans = ?, name_hant = ?, name_en = ?,
					region_code = ?, parent_code = ?, updated_at = ? WHERE code = ?`,
					o.Kind, o.NameHans, o.NameHant, o.NameEn, o.RegionCode, o.ParentCode, tx.Now, o.Code); err != nil {
					return err
				}
				if err := audit.Record(ctx, tx, audit.Change{Action: "org.updated", ObjectType: "organisation", ObjectID: o.Code, Before: cur, After: o}); err != nil {
					return err
				}
				changed++
			}
			for _, a := range append([]string{o.NameHans, o.NameHant}, o.Aliases...) {
				a = NormaliseName(a)
				if a == "" {
					continue
				}
				var owner string
				err := tx.Get(ctx, &owner, `SELECT org_code FROM organisation_aliases WHERE alias = ?`, a)
				switch {
				case errs.Is(err, errs.NotFound):
					if _, err := tx.Exec(ctx, `INSERT INTO organisation_aliases (alias, org_code) VALUES (?, ?)`, a, o.Code); err != nil {
						return err
					}
				case err != nil:
					return err
				case owner != o.Code:
					return errs.E(errs.Conflict, "alias %q names both %s and %s", a, owner, o.Code)
				}
			}
		}
		return nil
	})
	return changed, err
}

// parentsFirst orders dir so that every organisation comes after its parent, keeping the
// given order otherwise. A parent outside dir must already be stored; a cycle is an error.
func parentsFirst(dir []Organisation) ([]Organisation, error) {
	inDir := map[string]bool{}
	for _, o := range dir {
		inDir[o.Code] = true
	}
	placed := map[string]bool{}
	out := make([]Organisation, 0, len(dir))
	for len(out) < len(dir) {
		progress := false
		for _, o := range dir {
			if placed[o.Code] {
				continue
			}
			if p := deref(o.ParentCode); p != "" && inDir[p] && !placed[p] {
				continue
			}
			placed[o.Code] = true
			out = append(out, o)
			progress = true
		}
		if !progress {
			return nil, errs.E(errs.Invalid, "organisation parents form a cycle")
		}
	}
	return out, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// NormaliseName trims a name as written and removes the spaces that documents scatter in it.
func NormaliseName(s string) string {
	return strings.Join(strings.Fields(s), "")
}

// List returns every organisation ordered by code.
func List(ctx context.Context, db *store.DB) ([]Organisation, error) {
	var out []Organisation
	err := db.Select(ctx, &out, `SELECT code, kind, name_hans, name_hant, name_en, region_code, parent_code, created_at, updated_at
		FROM organisations ORDER BY code`)
	return out, err
}

// Get returns one organisation. Returns errs.NotFound if there is none with that code.
func Get(ctx context.Context, db *store.DB, code string) (Organisation, error) {
	var o Organisation
	err := db.Get(ctx, &o, `SELECT code, kind, name_hans, name_hant, name_en, region_code, parent_code, created_at, updated_at
		FROM organisations WHERE code = ?`, code)
	if errs.Is(err, errs.NotFound) {
		return o, errs.E(errs.NotFound, "error.org_not_found", code)
	}
	return o, err
}

// Matcher resolves names as written in documents to organisation codes.
type Matcher struct{ byAlias map[string]string }

// LoadMatcher reads every alias from the database.
func LoadMatcher(ctx context.Context, db *store.DB) (*Matcher, error) {
	var rows []struct {
		Alias string `db:"alias"`
		Code  string `db:"org_code"`
	}
	if err := db.Select(ctx, &rows, `SELECT alias, org_code FROM organisation_aliases`); err != nil {
		return nil, err
	}
	m := &Matcher{byAlias: make(map[string]string, len(rows))}
	for _, r := range rows {
		m.byAlias[r.Alias] = r.Code
	}
	return m, nil
}

// Match returns the code of the organisation called name, and whether there is one.
func (m *Matcher) Match(name string) (string, bool) {
	code, ok := m.byAlias[NormaliseName(name)]
	return code, ok
}

// DigitalOffice is the code of the provincial digital office, whose administrators administer
// organisations, roles and apps.
const DigitalOffice = "fj-digital-office"

var codePattern = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

// Save creates or changes one organisation (a new district, a renamed department), for the
// digital office's administrators. Its code must be lower-case words joined by hyphens, its
// region code a GB/T 2260 code, its parent an existing organisation. Returns whether it was new.
func Save(ctx context.Context, db *store.DB, o Organisation) (created bool, err error) {
	defer errs.Wrap(&err, "org.Save(%s)", o.Code)
	p := principal.From(ctx)
	if !p.Authenticated() {
		return false, errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	if p.Kind != principal.System && !(p.IsOfficial(DigitalOffice) && p.HasRole(principal.RoleAdministrator)) {
		return false, errs.E(errs.Forbidden, "error.forbidden")
	}
	o.Code = strings.TrimSpace(o.Code)
	if len(o.Code) > 64 || !codePattern.MatchString(o.Code) {
		return false, errs.Field("code", "org.error.code")
	}
	switch o.Kind {
	case Government, Department, City, Zone, Enterprise, Party, Legislature, Judiciary, Other:
	default:
		return false, errs.Field("kind", "org.error.kind")
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"name_hans", &o.NameHans}, {"name_hant", &o.NameHant}, {"name_en", &o.NameEn}} {
		*f.v = strings.TrimSpace(*f.v)
		if *f.v == "" || utf8.RuneCountInString(*f.v) > 100 {
			return false, errs.Field(f.name, "error.required")
		}
	}
	if err := idcode.ValidateRegionCode(o.RegionCode); err != nil {
		return false, errs.Field("region_code", "org.error.region", o.RegionCode)
	}
	if o.ParentCode != nil && *o.ParentCode == "" {
		o.ParentCode = nil
	}
	if o.ParentCode != nil {
		if *o.ParentCode == o.Code {
			return false, errs.Field("parent_code", "org.error.parent_self")
		}
		if _, err := Get(ctx, db, *o.ParentCode); errs.Is(err, errs.NotFound) {
			return false, errs.Field("parent_code", "error.unknown_org", *o.ParentCode)
		} else if err != nil {
			return false, err
		}
	}
	_, err = Get(ctx, db, o.Code)
	switch {
	case errs.Is(err, errs.NotFound):
		created = true
	case err != nil:
		return false, err
	}
	_, err = Seed(ctx, db, []Organisation{o})
	return created, err
}

// Aliases returns the other names organisation o is written by, without its own names.
func Aliases(ctx context.Context, db *store.DB, o Organisation) ([]string, error) {
	var all []string
	if err := db.Select(ctx, &all, `SELECT alias FROM organisation_aliases WHERE org_code = ? ORDER BY alias`, o.Code); err != nil {
		return nil, err
	}
	var out []string
	for _, a := range all {
		if a != NormaliseName(o.NameHans) && a != NormaliseName(o.NameHant) {
			out = append(out, a)
		}
	}
	return out, nil
}
