package ratings_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/calendar"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/ratings"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// codeKey is the tests' visit-code key (Config.CodeKey).
var codeKey = []byte("ratings test visit-code key, 32+ bytes")

// plainCodeHash is how visit codes were stored before they were keyed.
func plainCodeHash(code string) string {
	sum := sha256.Sum256([]byte("yiwang-rating-visit:" + code))
	return hex.EncodeToString(sum[:])
}

func TestNewNeedsCodeKey(t *testing.T) {
	db := storetest.Open(t, store.SQLite, storetest.Options{})
	cal, _ := calendar.New(nil)
	for _, tc := range []struct {
		name string
		key  []byte
		ok   bool
	}{
		{"none", nil, false},
		{"short", make([]byte, ratings.MinCodeKey-1), false},
		{"enough", make([]byte, ratings.MinCodeKey), true},
	} {
		_, err := ratings.New(db, ratings.Config{Calendar: cal, CodeKey: tc.key})
		if tc.ok != (err == nil) || err != nil && (errs.KindOf(err) != errs.Invalid || !strings.Contains(err.Error(), "CodeKey")) {
			t.Errorf("%s: New = %v, want ok %v (errs.Invalid naming CodeKey)", tc.name, err, tc.ok)
		}
	}
}

// Visit codes are stored as HMACs under the node's key, so that a copy of the database alone
// cannot test guesses; visits opened before (plain SHA-256) are still found by their code.
func TestVisitCodesAreKeyed(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		cal, _ := calendar.New(nil)
		other, err := ratings.New(f.db, ratings.Config{Calendar: cal, CodeKey: []byte("another node's key, also 32+ bytes")})
		if err != nil {
			t.Fatal(err)
		}
		stored := func(id string) string {
			t.Helper()
			var h string
			if err := f.db.Get(ctx, &h, `SELECT code_sha256 FROM rating_visits WHERE id = ?`, id); err != nil {
				t.Fatal(err)
			}
			return h
		}
		keyed, code, err := f.svc.OpenVisit(as(scjWindow), scjWindow, ratings.NewVisit{ItemCode: foodLicence})
		if err != nil {
			t.Fatal(err)
		}
		old, oldCode, err := f.svc.OpenVisit(as(gatWindow), gatWindow, ratings.NewVisit{})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.db.Transact(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE rating_visits SET code_sha256 = ? WHERE id = ?`, plainCodeHash(oldCode), old.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if h := stored(keyed.ID); !strings.HasPrefix(h, "h2:") || len(h) != 3+64 || strings.Contains(h, code) ||
			strings.Contains(h, plainCodeHash(code)) {
			t.Errorf("stored %q, want h2: and a keyed hash", h)
		}
		wrong := "2222-2222"
		if wrong == ratings.FormatCode(code) || wrong == ratings.FormatCode(oldCode) {
			wrong = "3333-3333"
		}
		for _, tc := range []struct {
			name string
			svc  *ratings.Service
			code string
			want string // the visit's id; "" for not found
		}{
			{"new code", f.svc, code, keyed.ID},
			{"new code, typed loosely", f.svc, strings.ToLower(ratings.FormatCode(code)), keyed.ID},
			{"new code, another key", other, code, ""},
			{"old-form row", f.svc, oldCode, old.ID},
			{"old-form row, typed loosely", f.svc, strings.ToLower(ratings.FormatCode(oldCode)), old.ID},
			{"wrong code", f.svc, wrong, ""},
			{"the stored hash as a code", f.svc, stored(keyed.ID), ""},
		} {
			v, err := tc.svc.VisitByCode(as(anonymous), anonymous, tc.code)
			if tc.want != "" {
				if err != nil || v.ID != tc.want {
					t.Errorf("%s: VisitByCode = %+v, %v; want %s", tc.name, v, err, tc.want)
				}
				continue
			}
			// A wrong code says nothing but not found.
			if !errs.Is(err, errs.NotFound) || errs.Public(err).Message != "ratings.error.visit_not_found" || v != (ratings.Visit{}) {
				t.Errorf("%s: VisitByCode = %+v, %v; want only not found", tc.name, v, err)
			}
		}
		// An old-form visit is rated by its code like any other.
		if r, err := f.svc.RateVisit(as(anonymous), anonymous, oldCode, ratings.Input{Level: 5}); err != nil || r.VisitID != old.ID {
			t.Errorf("RateVisit(old-form code) = %+v, %v", r, err)
		}
	})
}
