package calendar_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/calendar"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/requestid"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

var (
	admin    = principal.Principal{Kind: principal.Official, Login: "admin.lin", OrgCode: "fj-szb", Roles: []string{principal.RoleAdministrator}}
	reviewer = principal.Principal{Kind: principal.Official, Login: "rev.chen", OrgCode: "fj-szb", Roles: []string{principal.RoleReviewer, principal.RoleApprover}}
	resident = principal.Principal{Kind: principal.Resident, Login: "resident.wu", Roles: []string{principal.RoleAdministrator}}
	client   = principal.Principal{Kind: principal.Client, Login: "app", Roles: []string{principal.RoleAdministrator}}
)

func as(p principal.Principal) context.Context {
	return principal.With(requestid.With(context.Background(), "req-cal"), p)
}

// auditTrail returns action and object of every calendar audit record, oldest first.
func auditTrail(t *testing.T, db *store.DB) []string {
	t.Helper()
	events, err := audit.List(context.Background(), db, audit.Filter{ObjectType: "calendar_override", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		out = append(out, e.Action+" "+e.ObjectID+" by "+e.Actor)
	}
	return out
}

func TestOverrides(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := as(admin)
		now := db.Clock().Now()

		// A typhoon closes offices on Thursday Dec 24; Sunday Dec 27 is worked instead; the
		// Spring Festival make-up Saturday Feb 28 is cancelled.
		for _, o := range []struct {
			day    string
			kind   calendar.OverrideKind
			reason string
		}{
			{"2026-12-24", calendar.OverrideKindHoliday, "  typhoon closure, 闽政办明电〔2026〕1号 "},
			{"2026-12-27", calendar.OverrideKindWorkday, "make-up day for the typhoon closure"},
			{"2026-02-28", calendar.OverrideKindHoliday, "provincial notice"},
		} {
			if _, err := calendar.SetOverride(ctx, db, o.day, o.kind, o.reason); err != nil {
				t.Fatalf("SetOverride(%s): %v", o.day, err)
			}
		}
		c, err := calendar.Load(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		type dayKind struct {
			Kind   calendar.DayKind
			Reason string
		}
		got := map[string]dayKind{}
		for _, d := range []string{"2026-12-23", "2026-12-24", "2026-12-27", "2026-02-28", "2026-02-14"} {
			k, r := c.Kind(day(t, d))
			got[d] = dayKind{k, r}
		}
		want := map[string]dayKind{
			"2026-12-23": {calendar.Workday, ""},
			"2026-12-24": {calendar.OverrideHoliday, "typhoon closure, 闽政办明电〔2026〕1号"},
			"2026-12-27": {calendar.OverrideWorkday, "make-up day for the typhoon closure"},
			"2026-02-28": {calendar.OverrideHoliday, "provincial notice"},
			"2026-02-14": {calendar.MakeupWorkday, "春节"},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Kind mismatch (-want +got):\n%s", diff)
		}
		// The overrides change the arithmetic: without them Dec 23 + 1 is Dec 24.
		for _, tc := range []struct {
			cal        *calendar.Calendar
			start      string
			n          int
			want       string
			betweenEnd string
			between    int
		}{
			{official, "2026-12-23", 1, "2026-12-24", "2026-12-31", 6},
			{c, "2026-12-23", 1, "2026-12-25", "2026-12-31", 6}, // one day lost, one gained
			{c, "2026-12-25", 1, "2026-12-27", "2026-12-27", 1},
			{official, "2026-02-27", 1, "2026-02-28", "2026-03-02", 2},
			{c, "2026-02-27", 1, "2026-03-02", "2026-03-02", 1},
		} {
			if got := tc.cal.AddWorkingDays(day(t, tc.start), tc.n); !got.Equal(day(t, tc.want)) {
				t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", tc.start, tc.n, got.Format(time.DateOnly), tc.want)
			}
			if got := tc.cal.WorkingDaysBetween(day(t, tc.start), day(t, tc.betweenEnd)); got != tc.between {
				t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", tc.start, tc.betweenEnd, got, tc.between)
			}
		}

		// Setting a day again replaces its override.
		if _, err := calendar.SetOverride(ctx, db, "2026-02-28", calendar.OverrideKindWorkday, "notice withdrawn"); err != nil {
			t.Fatal(err)
		}
		list, err := calendar.ListOverrides(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		wantList := []calendar.Override{
			{Day: "2026-02-28", Kind: calendar.OverrideKindWorkday, Reason: "notice withdrawn", CreatedBy: "official:admin.lin", CreatedAt: now},
			{Day: "2026-12-24", Kind: calendar.OverrideKindHoliday, Reason: "typhoon closure, 闽政办明电〔2026〕1号", CreatedBy: "official:admin.lin", CreatedAt: now},
			{Day: "2026-12-27", Kind: calendar.OverrideKindWorkday, Reason: "make-up day for the typhoon closure", CreatedBy: "official:admin.lin", CreatedAt: now},
		}
		if diff := cmp.Diff(wantList, list); diff != "" {
			t.Errorf("ListOverrides mismatch (-want +got):\n%s", diff)
		}

		// Yiwang itself may remove one; removing it twice is NotFound.
		sys := as(principal.SystemPrincipal)
		if err := calendar.RemoveOverride(sys, db, "2026-12-27"); err != nil {
			t.Fatal(err)
		}
		if err := calendar.RemoveOverride(sys, db, "2026-12-27"); !errs.Is(err, errs.NotFound) {
			t.Errorf("second RemoveOverride = %v, want not found", err)
		}
		c, err = calendar.Load(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if k, _ := c.Kind(day(t, "2026-12-27")); k != calendar.Weekend {
			t.Errorf("after removal Dec 27 is %s, want %s", k, calendar.Weekend)
		}

		wantTrail := []string{
			"calendar.override.set 2026-12-24 by official:admin.lin",
			"calendar.override.set 2026-12-27 by official:admin.lin",
			"calendar.override.set 2026-02-28 by official:admin.lin",
			"calendar.override.set 2026-02-28 by official:admin.lin",
			"calendar.override.removed 2026-12-27 by system:system",
		}
		if diff := cmp.Diff(wantTrail, auditTrail(t, db)); diff != "" {
			t.Errorf("audit trail mismatch (-want +got):\n%s", diff)
		}
		// The audit records of one day chain: each one's before digest is the previous one's after.
		events, err := audit.List(ctx, db, audit.Filter{ObjectType: "calendar_override", ObjectID: "2026-02-28"})
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != 2 {
			t.Fatalf("%d audit records for 2026-02-28, want 2", len(events))
		}
		first, second := events[1], events[0] // newest first
		stored := wantList[0]
		stored.CreatedAt = now.UTC()
		after, _ := audit.Digest(stored)
		if first.BeforeDigest != "" || first.AfterDigest == "" {
			t.Errorf("first set of a day = %+v, want an after digest and no before digest", first)
		}
		if second.RequestID != "req-cal" || second.BeforeDigest != first.AfterDigest || second.AfterDigest != after {
			t.Errorf("replacement audit record = %+v, want before digest %s and after digest %s", second, first.AfterDigest, after)
		}
	})
}

func TestOverridePolicy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if _, err := calendar.SetOverride(as(admin), db, "2026-12-24", calendar.OverrideKindHoliday, "typhoon"); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			ctx  context.Context
			want errs.Kind
		}{
			{"reviewer", as(reviewer), errs.Forbidden},
			{"resident claiming administrator", as(resident), errs.Forbidden},
			{"client claiming administrator", as(client), errs.Forbidden},
			{"anonymous", context.Background(), errs.Unauthenticated},
		} {
			if _, err := calendar.SetOverride(tc.ctx, db, "2026-12-25", calendar.OverrideKindHoliday, "x"); errs.KindOf(err) != tc.want {
				t.Errorf("%s: SetOverride = %v, want %s", tc.name, err, tc.want)
			}
			if err := calendar.RemoveOverride(tc.ctx, db, "2026-12-24"); errs.KindOf(err) != tc.want {
				t.Errorf("%s: RemoveOverride = %v, want %s", tc.name, err, tc.want)
			}
			// The policy is checked before the input: bad input is still refused as forbidden.
			if _, err := calendar.SetOverride(tc.ctx, db, "nonsense", "closed", ""); errs.KindOf(err) != tc.want {
				t.Errorf("%s: SetOverride with bad input = %v, want %s", tc.name, err, tc.want)
			}
		}
		list, err := calendar.ListOverrides(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].Day != "2026-12-24" || list[0].Kind != calendar.OverrideKindHoliday {
			t.Errorf("overrides changed by refused calls: %+v", list)
		}
		if diff := cmp.Diff([]string{"calendar.override.set 2026-12-24 by official:admin.lin"}, auditTrail(t, db)); diff != "" {
			t.Errorf("audit trail mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestOverrideBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := as(admin)
		if _, err := calendar.SetOverride(ctx, db, "2026-12-24", calendar.OverrideKindHoliday, "typhoon"); err != nil {
			t.Fatal(err)
		}
		before, err := calendar.ListOverrides(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			day, kind, reason string
			field             string
		}{
			{"", "holiday", "r", "day"},
			{"2026-12-32", "holiday", "r", "day"},
			{"2026-02-29", "holiday", "r", "day"}, // 2026 is not a leap year
			{"2026-1-05", "holiday", "r", "day"},
			{"05/01/2026", "holiday", "r", "day"},
			{"1999-12-31", "holiday", "r", "day"},
			{"2100-01-01", "holiday", "r", "day"},
			{"2026-12-24'; DROP TABLE calendar_overrides; --", "holiday", "r", "day"},
			{"2026-12-24", "", "r", "kind"},
			{"2026-12-24", "Holiday", "r", "kind"},
			{"2026-12-24", "weekend", "r", "kind"},
			{"2026-12-24", "workday", "", "reason"},
			{"2026-12-24", "workday", " \t\n ", "reason"},
			{"2026-12-24", "workday", strings.Repeat("台", 201), "reason"},
			{"2026-12-24", "workday", "two\nlines", "reason"},
			{"2026-12-24", "workday", "bad \xff utf-8", "reason"},
		} {
			_, err := calendar.SetOverride(ctx, db, tc.day, calendar.OverrideKind(tc.kind), tc.reason)
			pub := errs.Public(err)
			if err == nil || pub.Kind != errs.Invalid || pub.Field != tc.field || pub.Message == "" {
				t.Errorf("SetOverride(%q, %q, %q) = %v, want invalid %s", tc.day, tc.kind, tc.reason, err, tc.field)
			}
		}
		if err := calendar.RemoveOverride(ctx, db, "24.12.2026"); errs.Public(err).Field != "day" {
			t.Errorf("RemoveOverride(24.12.2026) = %v, want invalid day", err)
		}
		// A reason of exactly 200 characters is fine.
		if _, err := calendar.SetOverride(ctx, db, "2026-12-25", calendar.OverrideKindHoliday, strings.Repeat("台", 200)); err != nil {
			t.Errorf("reason of 200 characters: %v", err)
		}
		if err := calendar.RemoveOverride(ctx, db, "2026-12-25"); err != nil {
			t.Fatal(err)
		}

		after, err := calendar.ListOverrides(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(before, after); diff != "" {
			t.Errorf("refused input changed the overrides (-before +after):\n%s", diff)
		}
		wantTrail := []string{
			"calendar.override.set 2026-12-24 by official:admin.lin",
			"calendar.override.set 2026-12-25 by official:admin.lin",
			"calendar.override.removed 2026-12-25 by official:admin.lin",
		}
		if diff := cmp.Diff(wantTrail, auditTrail(t, db)); diff != "" {
			t.Errorf("audit trail mismatch (-want +got):\n%s", diff)
		}
	})
}

// TestOverrideTableConstraints checks that the database itself refuses what the service refuses,
// for writes that do not pass through it.
func TestOverrideTableConstraints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
		for _, row := range [][]any{
			{"2026/12/24", "holiday", "r", "x", now},
			{"2026-12-24", "closed", "r", "x", now},
			{"2026-12-24", "holiday", "", "x", now},
		} {
			err := db.Transact(ctx, func(tx *store.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO calendar_overrides (day, kind, reason, created_by, created_at) VALUES (?, ?, ?, ?, ?)`, row...)
				return err
			})
			if !errs.Is(err, errs.Invalid) {
				t.Errorf("insert %v = %v, want invalid", row, err)
			}
		}
	})
}
