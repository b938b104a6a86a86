package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/yiwang-platform/yiwang/internal/calendar"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
)

// maxCalendarSpan bounds how many days one calendar query lists.
const maxCalendarSpan = 366

func init() {
	schemas["CalendarOverride"] = obj(map[string]any{
		"day": str("YYYY-MM-DD"), "kind": map[string]any{"type": "string", "enum": []string{"workday", "holiday"}},
		"reason": str("why the day differs from the official schedule"), "created_by": str(""), "created_at": str("RFC 3339"),
	})
	schemas["CalendarDay"] = obj(map[string]any{
		"day": str("YYYY-MM-DD"), "working": boolean(""),
		"kind":   map[string]any{"type": "string", "enum": []string{"workday", "weekend", "holiday", "makeup_workday", "override_workday", "override_holiday"}},
		"reason": str("holiday name or override reason"),
	})
}

func (a *API) installCalendar(srv *httpserver.Server) {
	const tag = "calendar"
	dayParam := param{Name: "day", In: "path", Required: true, Description: "YYYY-MM-DD", Schema: map[string]any{"type": "string", "format": "date"}}
	a.route(srv, operation{Method: "GET", Path: "/api/v1/calendar/days", ID: "listCalendarDays", Tag: tag,
		Summary: "Each day from `from` to `to` (at most 366) with whether it is a working day and why",
		Params: []param{{Name: "from", In: "query", Required: true, Schema: map[string]any{"type": "string", "format": "date"}},
			{Name: "to", In: "query", Required: true, Schema: map[string]any{"type": "string", "format": "date"}}},
		Response: arr(ref("CalendarDay"))}, a.calendarDays)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/calendar/working-days", ID: "countWorkingDays", Tag: tag,
		Summary: "Working days in (from, to], or with `add` the date `add` working days after `from`",
		Params: []param{{Name: "from", In: "query", Required: true, Schema: map[string]any{"type": "string", "format": "date"}},
			{Name: "to", In: "query", Schema: map[string]any{"type": "string", "format": "date"}},
			{Name: "add", In: "query", Schema: map[string]any{"type": "integer", "minimum": -3650, "maximum": 3650}}},
		Response: obj(map[string]any{"from": str(""), "to": str(""), "working_days": integer("")})}, a.calendarWorkingDays)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/calendar/overrides", ID: "listCalendarOverrides", Tag: tag,
		Summary: "The administrators' overrides of the official schedule", Response: arr(ref("CalendarOverride"))}, a.calendarOverrides)
	a.route(srv, operation{Method: "PUT", Path: "/api/v1/calendar/overrides/{day}", ID: "setCalendarOverride", Tag: tag, Auth: true,
		Summary: "Make a day a working day or a holiday (administrators)", Params: []param{dayParam},
		Body:     obj(map[string]any{"kind": map[string]any{"type": "string", "enum": []string{"workday", "holiday"}}, "reason": str("at most 200 characters")}, "kind", "reason"),
		Response: ref("CalendarOverride")}, a.calendarSetOverride)
	a.route(srv, operation{Method: "DELETE", Path: "/api/v1/calendar/overrides/{day}", ID: "removeCalendarOverride", Tag: tag, Auth: true,
		Summary: "Remove a day's override (administrators)", Params: []param{dayParam},
		Response: obj(map[string]any{"removed": str("YYYY-MM-DD")})}, a.calendarRemoveOverride)
}

func queryDay(r *http.Request, name string) (time.Time, error) {
	v := strings.TrimSpace(r.URL.Query().Get(name))
	d, err := calendar.ParseDay(v)
	if err != nil {
		return time.Time{}, errs.Field(name, "api.error.bad_date", v)
	}
	return d, nil
}

type calendarDay struct {
	Day     string           `json:"day"`
	Working bool             `json:"working"`
	Kind    calendar.DayKind `json:"kind"`
	Reason  string           `json:"reason,omitempty"`
}

func (a *API) calendarDays(w http.ResponseWriter, r *http.Request) error {
	from, err := queryDay(r, "from")
	if err != nil {
		return err
	}
	to, err := queryDay(r, "to")
	if err != nil {
		return err
	}
	if to.Before(from) || to.Sub(from) > maxCalendarSpan*24*time.Hour {
		return errs.Field("to", "api.error.calendar_span", maxCalendarSpan)
	}
	cal := a.cfg.Calendar.Current()
	days := []calendarDay{}
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		k, reason := cal.Kind(d)
		days = append(days, calendarDay{Day: calendar.FormatDay(d), Working: k.Working(), Kind: k, Reason: reason})
	}
	return writeJSON(w, http.StatusOK, days)
}

func (a *API) calendarWorkingDays(w http.ResponseWriter, r *http.Request) error {
	from, err := queryDay(r, "from")
	if err != nil {
		return err
	}
	cal := a.cfg.Calendar.Current()
	if add := r.URL.Query().Get("add"); add != "" {
		n, err := strconv.Atoi(add)
		if err != nil || n < -3650 || n > 3650 {
			return errs.Field("add", "api.error.bad_add")
		}
		to := cal.AddWorkingDays(from, n)
		return writeJSON(w, http.StatusOK, map[string]any{"from": calendar.FormatDay(from), "to": calendar.FormatDay(to), "working_days": n})
	}
	to, err := queryDay(r, "to")
	if err != nil {
		return err
	}
	if to.Sub(from) > 20*366*24*time.Hour || from.Sub(to) > 20*366*24*time.Hour {
		return errs.Field("to", "api.error.calendar_span", 20*366)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"from": calendar.FormatDay(from), "to": calendar.FormatDay(to),
		"working_days": cal.WorkingDaysBetween(from, to)})
}

func (a *API) calendarOverrides(w http.ResponseWriter, r *http.Request) error {
	list, err := calendar.ListOverrides(r.Context(), a.cfg.DB)
	if err != nil {
		return err
	}
	if list == nil {
		list = []calendar.Override{}
	}
	return writeJSON(w, http.StatusOK, list)
}

func (a *API) calendarSetOverride(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Kind   string `json:"kind"`
		Reason string `json:"reason"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	o, err := calendar.SetOverride(r.Context(), a.cfg.DB, r.PathValue("day"), calendar.OverrideKind(req.Kind), req.Reason)
	if err != nil {
		return err
	}
	if err := a.cfg.Calendar.Reload(r.Context()); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, o)
}

func (a *API) calendarRemoveOverride(w http.ResponseWriter, r *http.Request) error {
	day := r.PathValue("day")
	if err := calendar.RemoveOverride(r.Context(), a.cfg.DB, day); err != nil {
		return err
	}
	if err := a.cfg.Calendar.Reload(r.Context()); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]string{"removed": day})
}
