package calendar

import (
	"sync"

	"github.com/6tail/lunar-go/HolidayUtil"
)

// officialKind is what the official schedule says of a day.
type officialKind int8

const (
	officialNone    officialKind = iota // not in the schedule: an ordinary day
	officialHoliday                     // a public holiday or a day off moved by 調休
	officialMakeup                      // a make-up working day (調休上班)
)

// officialEntry is one day of the official schedule.
type officialEntry struct {
	working bool
	name    string // the holiday it belongs to, e.g. 春节
}

// schedule is the official schedule in a form the working-day loops read quickly: kinds holds one
// entry per date from first, names the holiday names.
type schedule struct {
	first           date
	kinds           []officialKind
	names           map[date]string
	firstYr, lastYr int
}

func (s *schedule) at(d date) officialKind {
	if i := int(d - s.first); i >= 0 && i < len(s.kinds) {
		return s.kinds[i]
	}
	return officialNone
}

// lunarFirstYear is the first year of lunar-go's schedule (it starts on 2001-12-29, a make-up
// day for New Year 2002); lunarLastYear bounds the search for its last year.
const (
	lunarFirstYear = 2001
	lunarLastYear  = 2099
)

// official reads lunar-go's schedule once. lunar-go looks each day up by scanning a string, too
// slow for loops over many days, and has a global Fix that rewrites its data: we copy the data
// once and never call Fix.
var official = sync.OnceValue(func() *schedule {
	type entry struct {
		d date
		officialEntry
	}
	var entries []entry
	s := &schedule{names: map[date]string{}}
	for y := lunarFirstYear; y <= lunarLastYear; y++ {
		l := HolidayUtil.GetHolidaysByYear(y)
		if l.Len() > 0 && s.firstYr == 0 {
			s.firstYr = y
		}
		if l.Len() > 0 {
			s.lastYr = y
		}
		for e := l.Front(); e != nil; e = e.Next() {
			h := e.Value.(*HolidayUtil.Holiday)
			d, err := parseDate(h.GetDay())
			if err != nil {
				panic("calendar: lunar-go has a malformed day " + h.GetDay()) // its data is compiled in
			}
			entries = append(entries, entry{d, officialEntry{working: h.IsWork(), name: h.GetName()}})
		}
	}
	if len(entries) == 0 {
		return s
	}
	lo, hi := entries[0].d, entries[0].d
	for _, e := range entries {
		lo, hi = min(lo, e.d), max(hi, e.d)
	}
	s.first = lo
	s.kinds = make([]officialKind, hi-lo+1)
	for _, e := range entries {
		k := officialHoliday
		if e.working {
			k = officialMakeup
		}
		s.kinds[e.d-lo] = k
		s.names[e.d] = e.name
	}
	return s
})

// officialDay returns the official schedule's entry for d, if it has one.
func officialDay(d date) (officialEntry, bool) {
	s := official()
	k := s.at(d)
	if k == officialNone {
		return officialEntry{}, false
	}
	return officialEntry{working: k == officialMakeup, name: s.names[d]}, true
}

// OfficialYears returns the first and last year for which the official schedule of holidays and
// make-up working days is known (2001 and 2027 with lunar-go v1.4.7). Holidays of later years must
// be entered as overrides until the schedule is updated.
func OfficialYears() (first, last int) {
	s := official()
	return s.firstYr, s.lastYr
}
