package cases_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// codeKey is the fixture's query-code key (Config.CodeKey).
var codeKey = []byte("cases test query-code key, 32+ bytes long")

// plainQueryHash is how query codes were stored before they were keyed.
func plainQueryHash(number, code string) string {
	sum := sha256.Sum256([]byte("yiwang.case.query/v1\x00" + number + "\x00" + code))
	return hex.EncodeToString(sum[:])
}

func TestNewNeedsCodeKey(t *testing.T) {
	eachEnv(t, envOptions{}, func(t *testing.T, e *env) {
		for _, tc := range []struct {
			name string
			key  []byte
			ok   bool
		}{
			{"none", nil, false},
			{"short", make([]byte, cases.MinCodeKey-1), false},
			{"enough", make([]byte, cases.MinCodeKey), true},
		} {
			_, err := cases.New(e.db, cases.Config{Catalog: e.cat, People: people{e.ids}, Calendar: e.cal, CodeKey: tc.key})
			if (err == nil) != tc.ok || err != nil && !strings.Contains(err.Error(), "CodeKey") {
				t.Errorf("%s: New = %v, want ok %v (an error naming CodeKey)", tc.name, err, tc.ok)
			}
		}
	})
}

// Query codes are stored as HMACs under the node's key, so that a copy of the database alone
// cannot test guesses; codes stored before (plain SHA-256) keep working until they are reset.
func TestQueryCodesAreKeyed(t *testing.T) {
	eachEnv(t, envOptions{}, func(t *testing.T, e *env) {
		anon := context.Background()
		other, err := cases.New(e.db, cases.Config{Catalog: e.cat, People: people{e.ids}, Calendar: e.cal,
			CodeKey: []byte("another node's key, also 32+ bytes long")})
		if err != nil {
			t.Fatal(err)
		}
		stored := func(id string) string {
			t.Helper()
			var h string
			if err := e.db.Get(anon, &h, `SELECT query_hash FROM cases WHERE id = ?`, id); err != nil {
				t.Fatal(err)
			}
			return h
		}
		keyed := must[cases.Submission](t)(e.svc.Apply(as(e.zhang), e.zhang, cases.Application{LicenceConsent: true, ItemCode: itemBirth, Form: birthValues()}))
		old := must[cases.Submission](t)(e.svc.Apply(as(e.li), e.li, cases.Application{LicenceConsent: true, ItemCode: itemBirth, Form: birthValues()}))
		if err := e.db.Transact(anon, func(tx *store.Tx) error {
			_, err := tx.Exec(anon, `UPDATE cases SET query_hash = ? WHERE id = ?`, plainQueryHash(old.Case.Number, old.QueryCode), old.Case.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		h := stored(keyed.Case.ID)
		if !strings.HasPrefix(h, "h2:") || len(h) != 3+64 || strings.Contains(h, keyed.QueryCode) ||
			strings.Contains(h, plainQueryHash(keyed.Case.Number, keyed.QueryCode)) {
			t.Errorf("stored %q, want h2: and a keyed hash", h)
		}
		for _, tc := range []struct {
			name         string
			svc          *cases.Service
			number, code string
			ok           bool
		}{
			{"new code", e.svc, keyed.Case.Number, keyed.QueryCode, true},
			{"new code, another key", other, keyed.Case.Number, keyed.QueryCode, false},
			{"new code, wrong code", e.svc, keyed.Case.Number, old.QueryCode, false},
			{"old-form row", e.svc, old.Case.Number, old.QueryCode, true},
			{"old-form row, typed loosely", e.svc, " " + old.Case.Number, strings.ToLower(old.QueryCode[:4]) + "-" + old.QueryCode[4:], true},
			{"old-form row, wrong code", e.svc, old.Case.Number, keyed.QueryCode, false},
			{"unknown number", e.svc, "350000-20260302-999999", keyed.QueryCode, false},
		} {
			ps, err := tc.svc.Lookup(anon, tc.number, tc.code)
			if tc.ok {
				if err != nil || ps.Number != strings.TrimSpace(tc.number) {
					t.Errorf("%s: Lookup = %+v, %v", tc.name, ps, err)
				}
				continue
			}
			// A wrong code says no more than an unknown number: the same error, nothing else.
			if !errs.Is(err, errs.NotFound) || errs.Public(err).Message != "cases.error.lookup" || ps != (cases.PublicStatus{}) {
				t.Errorf("%s: Lookup = %+v, %v; want only the one not found", tc.name, ps, err)
			}
		}
		// A reset stores the new code in the keyed form.
		code := must[string](t)(e.svc.ResetQueryCode(as(e.li), e.li, old.Case.ID))
		if h := stored(old.Case.ID); !strings.HasPrefix(h, "h2:") {
			t.Errorf("after reset: stored %q", h)
		}
		if _, err := e.svc.Lookup(anon, old.Case.Number, code); err != nil {
			t.Errorf("reset code: %v", err)
		}
		if _, err := e.svc.Lookup(anon, old.Case.Number, old.QueryCode); !errs.Is(err, errs.NotFound) {
			t.Errorf("old code after reset: %v", err)
		}
	})
}
