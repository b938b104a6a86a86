// Package calendar does working-day arithmetic with China's official holidays, make-up working
// days and administrator overrides.
//
// Days are calendar dates in China time (clock.China, UTC+8): every time.Time given to this
// package is first converted to China time and only its date is used, so 2026-02-13T16:30Z is
// 2026-02-14. Results are midnight China time.
//
// Whether a day is a working day is decided in this order: an administrator's override (the
// calendar_overrides table) wins; then the State Council's schedule of public holidays and
// make-up working days (調休), as carried by github.com/6tail/lunar-go; then the ordinary week,
// Monday to Friday. Years the official schedule does not cover (see OfficialYears) have ordinary
// weeks only until an administrator adds their holidays as overrides.
package calendar

import (
	"time"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
)

// DayKind says why a day is, or is not, a working day.
type DayKind string

// The kinds of day.
const (
	Workday         DayKind = "workday"          // Monday to Friday with nothing special
	Weekend         DayKind = "weekend"          // Saturday or Sunday with nothing special
	Holiday         DayKind = "holiday"          // an official public holiday, including days off moved by 調休
	MakeupWorkday   DayKind = "makeup_workday"   // a Saturday or Sunday worked to make up for a holiday
	OverrideWorkday DayKind = "override_workday" // made a working day by an administrator
	OverrideHoliday DayKind = "override_holiday" // made a day off by an administrator
)

// Working reports whether a day of kind k is a working day.
func (k DayKind) Working() bool {
	return k == Workday || k == MakeupWorkday || k == OverrideWorkday
}

// Calendar answers working-day questions. It is an immutable snapshot of the official schedule
// and the overrides it was made with, safe for concurrent use; load a new one after changing
// overrides. The zero Calendar has the official schedule and no overrides.
type Calendar struct {
	overrides map[date]Override
}

// New returns a calendar with the official schedule and the given overrides. It returns
// errs.Invalid if an override has a malformed day or kind, or two overrides name the same day.
func New(overrides []Override) (*Calendar, error) {
	c := &Calendar{overrides: make(map[date]Override, len(overrides))}
	for _, o := range overrides {
		d, err := parseDate(o.Day)
		if err != nil {
			return nil, err
		}
		if err := o.Kind.validate(); err != nil {
			return nil, err
		}
		if _, dup := c.overrides[d]; dup {
			return nil, errs.Field("day", "calendar.error.duplicate_override", o.Day)
		}
		c.overrides[d] = o
	}
	return c, nil
}

// IsWorkingDay reports whether day's date is a working day.
func (c *Calendar) IsWorkingDay(day time.Time) bool {
	return c.working(dateOf(day))
}

// Kind returns what kind of day day's date is, and the reason: the administrator's reason for an
// override, the official holiday's name (in Simplified Chinese, as the State Council's notice
// names it, e.g. 春节) for a holiday or a make-up working day, "" for an ordinary day.
func (c *Calendar) Kind(day time.Time) (DayKind, string) {
	d := dateOf(day)
	if o, ok := c.overrides[d]; ok {
		if o.Kind == OverrideKindWorkday {
			return OverrideWorkday, o.Reason
		}
		return OverrideHoliday, o.Reason
	}
	if o, ok := officialDay(d); ok {
		if o.working {
			return MakeupWorkday, o.name
		}
		return Holiday, o.name
	}
	if d.weekend() {
		return Weekend, ""
	}
	return Workday, ""
}

// working reports whether d is a working day; the hot path of the arithmetic below.
func (c *Calendar) working(d date) bool {
	if len(c.overrides) > 0 {
		if o, ok := c.overrides[d]; ok {
			return o.Kind == OverrideKindWorkday
		}
	}
	switch official().at(d) {
	case officialHoliday:
		return false
	case officialMakeup:
		return true
	}
	return !d.weekend()
}

// AddWorkingDays returns the date by which n working days after start have passed, following the
// rule of Chinese statutory time limits that the day on which a period starts (the day of
// acceptance) is not counted:
//
//   - n > 0: the n-th working day strictly after start's date, whether or not start's date is
//     itself a working day. A 20-working-day limit for an application accepted on start ends at
//     the end of AddWorkingDays(start, 20).
//   - n = 0: start's date if it is a working day, otherwise the next working day.
//   - n < 0: the |n|-th working day strictly before start's date.
//
// The result is always a working day, at midnight China time, and for n ≥ 1
// WorkingDaysBetween(start, result) == n.
func (c *Calendar) AddWorkingDays(start time.Time, n int) time.Time {
	d := dateOf(start)
	if n == 0 {
		for !c.working(d) {
			d++
		}
		return d.time()
	}
	step := date(1)
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		d += step
		if c.working(d) {
			n--
		}
	}
	return d.time()
}

// WorkingDaysBetween returns the number of working days among the dates in (from, to]: after
// from's date, up to and including to's date. It is negative, -WorkingDaysBetween(to, from),
// when to's date is before from's, and 0 when both fall on the same date.
func (c *Calendar) WorkingDaysBetween(from, to time.Time) int {
	a, b := dateOf(from), dateOf(to)
	sign := 1
	if b < a {
		a, b, sign = b, a, -1
	}
	n := 0
	for d := a + 1; d <= b; d++ {
		if c.working(d) {
			n++
		}
	}
	return sign * n
}

// date is a calendar date in China time, counted in days from 1970-01-01.
type date int32

// dateOf returns t's date in China time.
func dateOf(t time.Time) date {
	y, m, d := t.In(clock.China).Date()
	return date(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// time returns midnight of d in China time.
func (d date) time() time.Time {
	y, m, dd := time.Unix(int64(d)*86400, 0).UTC().Date()
	return time.Date(y, m, dd, 0, 0, 0, 0, clock.China)
}

// weekend reports whether d is a Saturday or a Sunday. 1970-01-01 was a Thursday.
func (d date) weekend() bool {
	wd := time.Weekday(((int(d)+4)%7 + 7) % 7)
	return wd == time.Saturday || wd == time.Sunday
}

// String formats d as YYYY-MM-DD.
func (d date) String() string { return d.time().Format(time.DateOnly) }

// FormatDay returns t's date in China time as YYYY-MM-DD, the form overrides are stored in.
func FormatDay(t time.Time) string { return dateOf(t).String() }

// Years an override may name: a wider range is almost certainly a typing mistake.
const (
	firstYear = 2000
	lastYear  = 2099
)

// ParseDay parses a date written YYYY-MM-DD (as in 2026-10-01) and returns midnight of it in
// China time. It returns an errs.Invalid error for field "day" if s is not such a real date in
// the years 2000–2099.
func ParseDay(s string) (time.Time, error) {
	d, err := parseDate(s)
	if err != nil {
		return time.Time{}, err
	}
	return d.time(), nil
}

func parseDate(s string) (date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || len(s) != len(time.DateOnly) {
		return 0, errs.Field("day", "calendar.error.bad_day", s)
	}
	if y := t.Year(); y < firstYear || y > lastYear {
		return 0, errs.Field("day", "calendar.error.day_out_of_range", s, firstYear, lastYear)
	}
	return date(t.Unix() / 86400), nil
}
