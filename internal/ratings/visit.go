package ratings

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"math/big"
	"strings"
	"time"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Visit is a visit to a window that its officer opened for rating. Its code is shown once, when
// the visit is opened; only its keyed hash is kept (codeHash).
type Visit struct {
	ID        string     `db:"id" json:"id"`
	Org       string     `db:"org_code" json:"org"`
	ItemCode  string     `db:"item_code" json:"item_code,omitempty"`
	OpenedBy  string     `db:"opened_by" json:"opened_by"`
	OpenedAt  time.Time  `db:"opened_at" json:"opened_at"`
	ExpiresAt time.Time  `db:"expires_at" json:"expires_at"`
	RatedAt   *time.Time `db:"rated_at" json:"rated_at,omitempty"`
	// resident is the person served, when the officer named them: only they may use the code
	// while signed in, and their rating is real-name.
	Resident *int64 `db:"resident_account" json:"-"`
}

const visitColumns = `id, org_code, item_code, opened_by, opened_at, expires_at, rated_at, resident_account`

// Visit codes: eight characters of an alphabet without look-alikes (0/O, 1/I/L), read aloud or
// typed at a pad, shown as two groups of four. 31⁸ ≈ 8.5×10¹¹ codes.
const (
	codeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
	codeLen      = 8
)

// NewVisit is what a window officer gives when opening a visit.
type NewVisit struct {
	// ItemCode is the service item handled, if any (its implementation code).
	ItemCode string
	// Resident is the account of the person served, if known; 0 leaves the visit anonymous
	// unless the person signs in to rate.
	Resident int64
}

// MaxItemCode bounds an item code (implementation codes have up to 36 characters).
const MaxItemCode = 40

// OpenVisit opens a visit at p's window and returns it with its one-time code. Only window
// officers open visits (errs.Forbidden otherwise), for their own organisation.
func (s *Service) OpenVisit(ctx context.Context, p principal.Principal, nv NewVisit) (Visit, string, error) {
	if !p.Authenticated() {
		return Visit{}, "", errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	if !MayOpenVisits(p) {
		return Visit{}, "", errs.E(errs.Forbidden, "ratings.error.window_officers_only")
	}
	nv.ItemCode = strings.TrimSpace(nv.ItemCode)
	if len(nv.ItemCode) > MaxItemCode || !isCode(nv.ItemCode) {
		return Visit{}, "", errs.Field("item_code", "ratings.error.item_code", MaxItemCode)
	}
	if nv.Resident < 0 {
		return Visit{}, "", errs.Field("resident", "ratings.error.resident")
	}
	code := newCode()
	v := Visit{ID: newID("vis_"), Org: p.OrgCode, ItemCode: nv.ItemCode, OpenedBy: p.Actor()}
	if nv.Resident > 0 {
		v.Resident = &nv.Resident
	}
	err := s.db.Transact(ctx, func(tx *store.Tx) error {
		v.OpenedAt = tx.Now
		v.ExpiresAt = tx.Now.Add(s.cfg.VisitTTL)
		if _, err := tx.Exec(ctx, `INSERT INTO rating_visits (id, code_sha256, org_code, item_code, resident_account, opened_by,
			opened_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			v.ID, s.codeHash(code), v.Org, v.ItemCode, v.Resident, v.OpenedBy, v.OpenedAt, v.ExpiresAt); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "rating.visit_open", ObjectType: "rating_visit", ObjectID: v.ID, After: v,
			Detail: map[string]any{"org": v.Org, "item_code": v.ItemCode, "named": v.Resident != nil}})
	})
	if err != nil {
		return Visit{}, "", err
	}
	return v, code, nil
}

// isCode reports whether s is empty or an identifier of letters, digits and hyphens.
func isCode(s string) bool {
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func newCode() string {
	var b strings.Builder
	max := big.NewInt(int64(len(codeAlphabet)))
	for range codeLen {
		n, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic("ratings: no randomness: " + err.Error())
		}
		b.WriteByte(codeAlphabet[n.Int64()])
	}
	return b.String()
}

// NormaliseCode reads a code as people type it: case, spaces and hyphens do not matter. ok is
// false when what remains cannot be a code.
func NormaliseCode(s string) (code string, ok bool) {
	if len(s) > 64 {
		return "", false
	}
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == ' ' || r == '-' || r == '\u3000':
		case r < 0x80 && strings.IndexByte(codeAlphabet, byte(r)) >= 0:
			b.WriteRune(r)
		default:
			return "", false
		}
	}
	if b.Len() != codeLen {
		return "", false
	}
	return b.String(), true
}

// FormatCode shows a code as people read it: ABCD-EFGH.
func FormatCode(code string) string {
	if len(code) != codeLen {
		return code
	}
	return code[:4] + "-" + code[4:]
}

// Stored visit codes (rating_visits.code_sha256). A code has only about 40 bits, so its plain
// hash could be brute-forced from a copy of the database: what is stored is codeHashPrefix and
// the hex HMAC-SHA-256 of the code under the node's code key (Config.CodeKey). Visits opened
// before the key hold the plain SHA-256 (64 hex digits, no prefix) and are still found.
const codeHashPrefix = "h2:"

// codeHash is what is stored of a normalised visit code.
func (s *Service) codeHash(code string) string {
	m := hmac.New(sha256.New, s.cfg.CodeKey)
	m.Write([]byte("yiwang-rating-visit/v2:" + code))
	return codeHashPrefix + hex.EncodeToString(m.Sum(nil))
}

// plainCodeHash is what was stored of a visit code before codes were keyed.
func plainCodeHash(code string) string {
	sum := sha256.Sum256([]byte("yiwang-rating-visit:" + code))
	return hex.EncodeToString(sum[:])
}

// VisitByCode returns the visit of code for the rating page. An unknown or malformed code is
// errs.NotFound; a visit named for another person is errs.NotFound to them. An expired or
// rated visit is returned as it is: the page says so.
func (s *Service) VisitByCode(ctx context.Context, p principal.Principal, code string) (Visit, error) {
	return s.visitByCode(ctx, nil, p, code)
}

func (s *Service) visitByCode(ctx context.Context, tx *store.Tx, p principal.Principal, code string) (Visit, error) {
	norm, ok := NormaliseCode(code)
	if !ok {
		return Visit{}, errs.E(errs.NotFound, "ratings.error.visit_not_found")
	}
	var v Visit
	var err error
	// The keyed form first; then the plain one, which only visits opened before keys have.
	for _, h := range []string{s.codeHash(norm), plainCodeHash(norm)} {
		if err = s.q(tx).Get(ctx, &v, `SELECT `+visitColumns+` FROM rating_visits WHERE code_sha256 = ?`, h); !errs.Is(err, errs.NotFound) {
			break
		}
	}
	switch {
	case errs.Is(err, errs.NotFound):
		return Visit{}, errs.E(errs.NotFound, "ratings.error.visit_not_found")
	case err != nil:
		return Visit{}, err
	}
	if v.Resident != nil && isPerson(p) && p.AccountID != *v.Resident {
		return Visit{}, errs.E(errs.NotFound, "ratings.error.visit_not_found")
	}
	return v, nil
}

// Expired reports whether the visit's code may no longer be used at now.
func (v Visit) Expired(now time.Time) bool { return !now.Before(v.ExpiresAt) }

// RateVisit records the rating of the visit whose code the person holds, signed in or not.
// Officials do not rate (errs.Forbidden); an unknown code is errs.NotFound; an expired or rated
// visit errs.Conflict; bad input errs.Invalid naming the field. The rating is real-name when
// the person is signed in or the officer named them.
func (s *Service) RateVisit(ctx context.Context, p principal.Principal, code string, in Input) (Rating, error) {
	if p.Kind == principal.Official || p.Kind == principal.Client || p.Kind == principal.System {
		return Rating{}, errs.E(errs.Forbidden, "ratings.error.officials_cannot_rate")
	}
	v, err := s.VisitByCode(ctx, p, code)
	if err != nil {
		return Rating{}, err
	}
	if in, err = in.Check(Channels); err != nil {
		return Rating{}, err
	}
	r := Rating{ID: newID("rat_"), Kind: KindVisit, VisitID: v.ID, Org: v.Org, ItemCode: v.ItemCode, Level: in.Level,
		Bad: in.Level.Bad(), Tags: in.Tags, Comment: in.Comment, Channel: in.Channel}
	switch {
	case isPerson(p):
		rater := p.AccountID
		r.rater, r.ActingFor = &rater, p.ActingFor
	case v.Resident != nil:
		r.rater = v.Resident
	}
	r.RealName = r.rater != nil
	admins, err := s.admins(ctx, r)
	if err != nil {
		return Rating{}, err
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		if v.Expired(tx.Now) {
			return errs.E(errs.Conflict, "ratings.error.visit_expired", max(1, int(s.cfg.VisitTTL.Hours())))
		}
		if err := tx.Get(ctx, &r.ItemName, `SELECT COALESCE(MAX(item_name), '') FROM ratings
			WHERE org_code = ? AND item_code = ? AND item_code <> ''`, v.Org, v.ItemCode); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE rating_visits SET rated_at = ? WHERE id = ? AND rated_at IS NULL`, tx.Now, v.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "ratings.error.visit_rated")
		}
		return s.insertTx(ctx, tx, &r, admins)
	})
	if err != nil {
		return Rating{}, err
	}
	return r, nil
}
