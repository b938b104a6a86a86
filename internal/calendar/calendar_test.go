package calendar_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"
	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/calendar"
	"github.com/yiwang-platform/yiwang/internal/clock"
)

// day returns midnight China time of a date written YYYY-MM-DD.
func day(t testing.TB, s string) time.Time {
	t.Helper()
	d, err := time.ParseInLocation(time.DateOnly, s, clock.China)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// official is the calendar with the official schedule only.
var official = &calendar.Calendar{}

// TestKind2026 checks the official 2026 schedule (國務院辦公廳關於2026年部分節假日安排的通知)
// around the Spring Festival and National Day, weekday included so that a wrong date shows.
func TestKind2026(t *testing.T) {
	type want struct {
		Weekday time.Weekday
		Kind    calendar.DayKind
		Reason  string
		Working bool
	}
	for _, tc := range []struct {
		day  string
		want want
	}{
		// New Year: Jan 1–3 off, Sunday Jan 4 worked.
		{"2026-01-01", want{time.Thursday, calendar.Holiday, "元旦节", false}},
		{"2026-01-03", want{time.Saturday, calendar.Holiday, "元旦节", false}},
		{"2026-01-04", want{time.Sunday, calendar.MakeupWorkday, "元旦节", true}},
		{"2026-01-05", want{time.Monday, calendar.Workday, "", true}},

		// Spring Festival: Feb 15–23 off; Saturdays Feb 14 and Feb 28 worked.
		{"2026-02-13", want{time.Friday, calendar.Workday, "", true}},
		{"2026-02-14", want{time.Saturday, calendar.MakeupWorkday, "春节", true}},
		{"2026-02-15", want{time.Sunday, calendar.Holiday, "春节", false}},
		{"2026-02-16", want{time.Monday, calendar.Holiday, "春节", false}},
		{"2026-02-17", want{time.Tuesday, calendar.Holiday, "春节", false}},
		{"2026-02-20", want{time.Friday, calendar.Holiday, "春节", false}},
		{"2026-02-21", want{time.Saturday, calendar.Holiday, "春节", false}},
		{"2026-02-22", want{time.Sunday, calendar.Holiday, "春节", false}},
		{"2026-02-23", want{time.Monday, calendar.Holiday, "春节", false}},
		{"2026-02-24", want{time.Tuesday, calendar.Workday, "", true}},
		{"2026-02-28", want{time.Saturday, calendar.MakeupWorkday, "春节", true}},
		{"2026-03-01", want{time.Sunday, calendar.Weekend, "", false}},

		// Mid-Autumn Sep 25–27 and National Day Oct 1–7; Sunday Sep 20 and Saturday Oct 10 worked.
		{"2026-09-19", want{time.Saturday, calendar.Weekend, "", false}},
		{"2026-09-20", want{time.Sunday, calendar.MakeupWorkday, "国庆节", true}},
		{"2026-09-25", want{time.Friday, calendar.Holiday, "中秋节", false}},
		{"2026-09-27", want{time.Sunday, calendar.Holiday, "中秋节", false}},
		{"2026-09-28", want{time.Monday, calendar.Workday, "", true}},
		{"2026-09-30", want{time.Wednesday, calendar.Workday, "", true}},
		{"2026-10-01", want{time.Thursday, calendar.Holiday, "国庆节", false}},
		{"2026-10-03", want{time.Saturday, calendar.Holiday, "国庆节", false}},
		{"2026-10-07", want{time.Wednesday, calendar.Holiday, "国庆节", false}},
		{"2026-10-08", want{time.Thursday, calendar.Workday, "", true}},
		{"2026-10-09", want{time.Friday, calendar.Workday, "", true}},
		{"2026-10-10", want{time.Saturday, calendar.MakeupWorkday, "国庆节", true}},
		{"2026-10-11", want{time.Sunday, calendar.Weekend, "", false}},

		// A year beyond the official schedule has ordinary weeks only.
		{"2030-10-01", want{time.Tuesday, calendar.Workday, "", true}},
	} {
		d := day(t, tc.day)
		kind, reason := official.Kind(d)
		got := want{d.Weekday(), kind, reason, official.IsWorkingDay(d)}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", tc.day, diff)
		}
		if kind.Working() != got.Working {
			t.Errorf("%s: %s.Working() = %v, IsWorkingDay = %v", tc.day, kind, kind.Working(), got.Working)
		}
	}
}

func TestAddWorkingDays(t *testing.T) {
	for _, tc := range []struct {
		start string
		n     int
		want  string
	}{
		// Spring Festival 2026.
		{"2026-02-13", 0, "2026-02-13"},
		{"2026-02-13", 1, "2026-02-14"}, // the make-up Saturday counts
		{"2026-02-13", 2, "2026-02-24"},
		{"2026-02-14", 1, "2026-02-24"}, // accepted on the make-up Saturday
		{"2026-02-15", 0, "2026-02-24"}, // n = 0 on a holiday: the next working day
		{"2026-02-15", 1, "2026-02-24"},
		{"2026-02-15", 2, "2026-02-25"},
		{"2026-02-27", 1, "2026-02-28"},
		{"2026-02-27", 2, "2026-03-02"},
		{"2026-02-10", 20, "2026-03-16"}, // a 20-working-day limit across the whole festival
		{"2026-02-24", -1, "2026-02-14"},
		{"2026-02-24", -2, "2026-02-13"},

		// Mid-Autumn and National Day 2026.
		{"2026-09-18", 1, "2026-09-20"},
		{"2026-09-18", 2, "2026-09-21"},
		{"2026-09-24", 1, "2026-09-28"},
		{"2026-09-30", 1, "2026-10-08"},
		{"2026-09-30", 3, "2026-10-10"},
		{"2026-09-30", 4, "2026-10-12"},
		{"2026-10-03", 0, "2026-10-08"},
		{"2026-09-15", 20, "2026-10-19"},

		// Ordinary weeks.
		{"2026-03-06", 1, "2026-03-09"},
		{"2026-03-07", 0, "2026-03-09"},
		{"2026-03-09", 5, "2026-03-16"},
	} {
		got := official.AddWorkingDays(day(t, tc.start), tc.n)
		if want := day(t, tc.want); !got.Equal(want) || got.Location() != clock.China {
			t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", tc.start, tc.n, got, want)
		}
		if !official.IsWorkingDay(got) {
			t.Errorf("AddWorkingDays(%s, %d) = %s, not a working day", tc.start, tc.n, tc.want)
		}
		if tc.n > 0 {
			if b := official.WorkingDaysBetween(day(t, tc.start), got); b != tc.n {
				t.Errorf("WorkingDaysBetween(%s, AddWorkingDays(%s, %d)) = %d", tc.start, tc.start, tc.n, b)
			}
		}
	}
}

// TestChinaTime checks that dates are taken in China time whatever the location of the argument.
func TestChinaTime(t *testing.T) {
	// 16:30 UTC on Friday Feb 13 is 00:30 on Saturday Feb 14 in China: the make-up day.
	start := time.Date(2026, 2, 13, 16, 30, 0, 0, time.UTC)
	if k, _ := official.Kind(start); k != calendar.MakeupWorkday {
		t.Errorf("Kind(%s) = %s, want %s", start, k, calendar.MakeupWorkday)
	}
	if got, want := official.AddWorkingDays(start, 1), day(t, "2026-02-24"); !got.Equal(want) {
		t.Errorf("AddWorkingDays(%s, 1) = %s, want %s", start, got, want)
	}
	if got := calendar.FormatDay(start); got != "2026-02-14" {
		t.Errorf("FormatDay(%s) = %s", start, got)
	}
	late := time.Date(2026, 2, 24, 23, 59, 0, 0, clock.China)
	if n := official.WorkingDaysBetween(day(t, "2026-02-24"), late); n != 0 {
		t.Errorf("WorkingDaysBetween within one date = %d, want 0", n)
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	for _, tc := range []struct {
		from, to string
		want     int
	}{
		{"2026-02-13", "2026-02-13", 0},
		{"2026-02-13", "2026-02-14", 1},
		{"2026-02-13", "2026-02-24", 2},
		{"2026-02-24", "2026-02-13", -2},
		{"2026-02-14", "2026-02-23", 0},
		// February 2026: 14 ordinary weekdays outside the festival and the two make-up Saturdays.
		{"2026-02-01", "2026-03-01", 16},
		{"2026-03-01", "2026-02-01", -16},
		{"2026-09-30", "2026-10-10", 3},
		// The whole of 2026: 261 weekdays, 19 of them holidays, and 6 make-up days.
		{"2025-12-31", "2026-12-31", 248},
	} {
		if got := official.WorkingDaysBetween(day(t, tc.from), day(t, tc.to)); got != tc.want {
			t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", tc.from, tc.to, got, tc.want)
		}
	}
}

// TestOfficialScheduleMatchesLunarGo checks our copy of the schedule against lunar-go's own
// day-by-day look-up, for every day it covers.
func TestOfficialScheduleMatchesLunarGo(t *testing.T) {
	first, last := calendar.OfficialYears()
	if first != 2001 || last != 2027 {
		t.Errorf("OfficialYears() = %d, %d; want 2001, 2027 (lunar-go v1.4.7)", first, last)
	}
	for d := day(t, fmt.Sprintf("%d-01-01", first)); d.Year() <= last; d = d.AddDate(0, 0, 1) {
		kind, reason := official.Kind(d)
		var want calendar.DayKind
		wantReason := ""
		switch h := HolidayUtil.GetHoliday(d.Format(time.DateOnly)); {
		case h != nil && h.IsWork():
			want, wantReason = calendar.MakeupWorkday, h.GetName()
		case h != nil:
			want, wantReason = calendar.Holiday, h.GetName()
		case d.Weekday() == time.Saturday || d.Weekday() == time.Sunday:
			want = calendar.Weekend
		default:
			want = calendar.Workday
		}
		if kind != want || reason != wantReason {
			t.Errorf("%s: Kind = %s %q, lunar-go says %s %q", d.Format(time.DateOnly), kind, reason, want, wantReason)
		}
	}
}

func TestNewRejectsBadOverrides(t *testing.T) {
	for _, o := range [][]calendar.Override{
		{{Day: "2026-13-01", Kind: calendar.OverrideKindHoliday, Reason: "x"}},
		{{Day: "2026-10-12", Kind: "closed", Reason: "x"}},
		{{Day: "2026-10-12", Kind: calendar.OverrideKindHoliday, Reason: "x"}, {Day: "2026-10-12", Kind: calendar.OverrideKindWorkday, Reason: "y"}},
	} {
		if _, err := calendar.New(o); err == nil {
			t.Errorf("New(%+v) accepted them", o)
		}
	}
}

func TestParseDay(t *testing.T) {
	if got, err := calendar.ParseDay("2026-10-01"); err != nil || !got.Equal(day(t, "2026-10-01")) {
		t.Errorf("ParseDay(2026-10-01) = %s, %v", got, err)
	}
	for _, bad := range []string{"", "2026-2-03", "2026-02-30", "2026/02/03", "20260203", "1999-12-31", "2100-01-01", " 2026-02-03"} {
		if _, err := calendar.ParseDay(bad); err == nil {
			t.Errorf("ParseDay(%q) accepted it", bad)
		}
	}
}

func BenchmarkAddWorkingDays(b *testing.B) {
	c, err := calendar.New([]calendar.Override{
		{Day: "2026-12-24", Kind: calendar.OverrideKindHoliday, Reason: "typhoon"},
		{Day: "2026-12-27", Kind: calendar.OverrideKindWorkday, Reason: "make-up"},
	})
	if err != nil {
		b.Fatal(err)
	}
	// Acceptance dates spread over 2026, each with the common 20-working-day limit.
	starts := make([]time.Time, 365)
	for i := range starts {
		starts[i] = time.Date(2026, 1, 1+i, 10, 0, 0, 0, clock.China)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c.AddWorkingDays(starts[i%len(starts)], 20)
		i++
	}
}
