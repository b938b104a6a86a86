package calendar

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// OverrideKind is what an administrator makes of a day.
type OverrideKind string

// The kinds of override, as stored in calendar_overrides.kind.
const (
	OverrideKindWorkday OverrideKind = "workday" // the day is worked, whatever the schedule says
	OverrideKindHoliday OverrideKind = "holiday" // the day is off, whatever the schedule says
)

func (k OverrideKind) validate() error {
	if k != OverrideKindWorkday && k != OverrideKindHoliday {
		return errs.Field("kind", "calendar.error.bad_kind", string(k))
	}
	return nil
}

// Override is an administrator's decision about one day, for instance a new year's schedule
// before the holiday data carries it, or a local closure for a typhoon.
type Override struct {
	Day       string       `db:"day" json:"day"` // YYYY-MM-DD, China time
	Kind      OverrideKind `db:"kind" json:"kind"`
	Reason    string       `db:"reason" json:"reason"`
	CreatedBy string       `db:"created_by" json:"created_by"` // the actor who last set it
	CreatedAt time.Time    `db:"created_at" json:"created_at"` // when it was last set
}

// maxReason bounds the length of an override's reason, in characters.
const maxReason = 200

// Audit actions and object type of override changes.
const (
	ActionOverrideSet     = "calendar.override.set"
	ActionOverrideRemoved = "calendar.override.removed"
	auditObjectType       = "calendar_override"
)

// mayEdit is the policy for changing overrides: administrators among officials, and Yiwang
// itself (principal.System). Returns errs.Unauthenticated for the anonymous public and
// errs.Forbidden for anyone else.
func mayEdit(p principal.Principal) error {
	switch {
	case p.Kind == principal.System:
		return nil
	case p.Kind == principal.Official && p.HasRole(principal.RoleAdministrator):
		return nil
	case !p.Authenticated():
		return errs.E(errs.Unauthenticated, "calendar.error.sign_in")
	}
	return errs.E(errs.Forbidden, "calendar.error.admins_only")
}

// cleanReason trims reason and checks it: a person must be able to read why a day changed.
func cleanReason(reason string) (string, error) {
	r := strings.TrimSpace(reason)
	switch {
	case r == "":
		return "", errs.Field("reason", "calendar.error.reason_required")
	case !utf8.ValidString(r):
		return "", errs.Field("reason", "calendar.error.reason_invalid")
	case utf8.RuneCountInString(r) > maxReason:
		return "", errs.Field("reason", "calendar.error.reason_too_long", utf8.RuneCountInString(r), maxReason)
	case strings.IndexFunc(r, unicode.IsControl) >= 0:
		return "", errs.Field("reason", "calendar.error.reason_one_line")
	}
	return r, nil
}

// SetOverride makes day (YYYY-MM-DD) a working day or a day off for the reason given, replacing
// any override the day had, and records the change in the audit log in the same transaction.
// The principal in ctx must be an administrator (errs.Forbidden; errs.Unauthenticated for the
// anonymous public); a malformed day, kind or reason is errs.Invalid naming the field, and
// changes nothing. Calendars already loaded do not see the change: Load a new one.
func SetOverride(ctx context.Context, db *store.DB, day string, kind OverrideKind, reason string) (o Override, err error) {
	defer errs.Wrap(&err, "calendar.SetOverride(%s)", day)
	p := principal.From(ctx)
	if err := mayEdit(p); err != nil {
		return Override{}, err
	}
	if _, err := parseDate(day); err != nil {
		return Override{}, err
	}
	if err := kind.validate(); err != nil {
		return Override{}, err
	}
	reason, err = cleanReason(reason)
	if err != nil {
		return Override{}, err
	}
	err = db.Transact(ctx, func(tx *store.Tx) error {
		var before any // nil when the day had no override, so that no before digest is stored
		switch old, err := getOverride(ctx, tx, day); {
		case err == nil:
			before = old
		case !errs.Is(err, errs.NotFound):
			return err
		}
		o = Override{Day: day, Kind: kind, Reason: reason, CreatedBy: p.Actor(), CreatedAt: tx.Now}
		if _, err := tx.Exec(ctx, `INSERT INTO calendar_overrides (day, kind, reason, created_by, created_at)
			VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, reason = excluded.reason,
				created_by = excluded.created_by, created_at = excluded.created_at`,
			o.Day, o.Kind, o.Reason, o.CreatedBy, o.CreatedAt); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{
			Action: ActionOverrideSet, ObjectType: auditObjectType, ObjectID: day,
			Before: before, After: o, Detail: map[string]any{"kind": string(kind)},
		})
	})
	if err != nil {
		return Override{}, err
	}
	return o, nil
}

// RemoveOverride deletes the override of day (YYYY-MM-DD), so that the official schedule and the
// ordinary week decide it again, and records the change in the audit log in the same transaction.
// It returns errs.NotFound if the day has no override; errs.Forbidden, errs.Unauthenticated and
// errs.Invalid as SetOverride does.
func RemoveOverride(ctx context.Context, db *store.DB, day string) (err error) {
	defer errs.Wrap(&err, "calendar.RemoveOverride(%s)", day)
	if err := mayEdit(principal.From(ctx)); err != nil {
		return err
	}
	if _, err := parseDate(day); err != nil {
		return err
	}
	return db.Transact(ctx, func(tx *store.Tx) error {
		old, err := getOverride(ctx, tx, day)
		if err != nil {
			if errs.Is(err, errs.NotFound) {
				return errs.E(errs.NotFound, "calendar.error.no_override", day)
			}
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM calendar_overrides WHERE day = ?`, day); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{
			Action: ActionOverrideRemoved, ObjectType: auditObjectType, ObjectID: day,
			Before: old, Detail: map[string]any{"kind": string(old.Kind)},
		})
	})
}

// ListOverrides returns every override, in day order. The calendar is public: anyone may read it.
func ListOverrides(ctx context.Context, db *store.DB) (_ []Override, err error) {
	defer errs.Wrap(&err, "calendar.ListOverrides")
	var out []Override
	if err := db.Select(ctx, &out, `SELECT day, kind, reason, created_by, created_at
		FROM calendar_overrides ORDER BY day`); err != nil {
		return nil, err
	}
	for i := range out {
		out[i].CreatedAt = out[i].CreatedAt.UTC()
	}
	return out, nil
}

// getOverride reads the override of day inside tx; errs.NotFound if there is none. CreatedAt
// comes back in UTC, as tx.Now is, so that the audit digest of a state does not depend on the
// engine's or session's time zone.
func getOverride(ctx context.Context, tx *store.Tx, day string) (Override, error) {
	var o Override
	if err := tx.Get(ctx, &o, `SELECT day, kind, reason, created_by, created_at
		FROM calendar_overrides WHERE day = ?`, day); err != nil {
		return Override{}, err
	}
	o.CreatedAt = o.CreatedAt.UTC()
	return o, nil
}

// Load returns a calendar with the official schedule and the overrides stored in db.
func Load(ctx context.Context, db *store.DB) (_ *Calendar, err error) {
	defer errs.Wrap(&err, "calendar.Load")
	overrides, err := ListOverrides(ctx, db)
	if err != nil {
		return nil, err
	}
	return New(overrides)
}
