package api

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/ratings"
	"github.com/yiwang-platform/yiwang/internal/store"
)

func init() {
	levelSchema := map[string]any{"type": "integer", "minimum": 1, "maximum": 5,
		"description": "5 非常满意 very satisfied, 4 满意 satisfied, 3 基本满意 fairly satisfied, 2 不满意 dissatisfied, 1 非常不满意 very dissatisfied; 1 and 2 are bad ratings"}
	channels := make([]string, len(ratings.Channels))
	for i, c := range ratings.Channels {
		channels[i] = string(c)
	}
	channelSchema := map[string]any{"type": "string", "enum": channels}
	inputProps := map[string]any{
		"level": levelSchema,
		"tags":  map[string]any{"type": "array", "items": str("a tag code of the level (GET /api/v1/ratings/tags)"), "maxItems": ratings.MaxTags},
		"comment": map[string]any{"type": "string", "maxLength": ratings.MaxCommentRunes,
			"description": "plain text, optional; officials read it with ID and mobile numbers masked, the public never"},
		"channel": map[string]any{"type": "string", "enum": channels, "description": "online when omitted; a case is not rated at the window"},
	}
	schemas["RatingInput"] = obj(inputProps, "level")
	visitInput := map[string]any{"code": str("the visit's 8-character code")}
	for k, v := range inputProps {
		visitInput[k] = v
	}
	schemas["VisitRatingInput"] = obj(visitInput, "code", "level")
	schemas["Rating"] = obj(map[string]any{
		"id": str("rat_…"), "kind": map[string]any{"type": "string", "enum": []string{"case", "visit"}},
		"case_id": str("the case rated"), "visit_id": str("the window visit rated"), "case_number": str(""),
		"org": str("the rated organisation's code"), "item_code": str("the service item's implementation code"), "item_name": str(""),
		"level": levelSchema, "bad": boolean("level 1 or 2"), "tags": arr(str("tag code")),
		"comment":   str("the person's comment; masked for officials"),
		"follow_up": str("the person's follow-up comment (追评), once"), "follow_up_at": str("RFC 3339"),
		"channel": channelSchema, "real_name": boolean("the person is known (signed in, or named by the window officer)"),
		"acting_for": str("credit code of the enterprise an agent rated for"), "rated_at": str("RFC 3339"),
		"excluded": boolean("an appeal against the rating was upheld: kept on record, left out of the statistics"),
	})
	schemas["RatingCallBack"] = obj(map[string]any{
		"id": str("rcb_…"), "caller": str("actor who called"), "called_at": str("RFC 3339"),
		"reached": boolean(""), "account": str("what the person said, masked"), "recorded_at": str("RFC 3339"),
	})
	appeal := map[string]any{
		"id": str("rap_…"), "rating_id": str(""), "org": str(""),
		"reason":   map[string]any{"type": "string", "enum": ratings.AppealReasons},
		"evidence": str("masked"), "status": map[string]any{"type": "string", "enum": []string{"pending", "upheld", "rejected"}},
		"appealed_by": str(""), "appealed_at": str("RFC 3339"), "decided_by": str(""), "decided_at": str("RFC 3339"),
		"decision_note": str(""), "level": levelSchema, "case_number": str(""), "item_code": str(""), "task_id": str("the rating's rectification task"),
	}
	schemas["RatingAppeal"] = obj(appeal)
	statuses := make([]string, len(ratings.TaskStatuses))
	for i, s := range ratings.TaskStatuses {
		statuses[i] = string(s)
	}
	schemas["RatingTask"] = obj(map[string]any{
		"id": str("rtk_…"), "rating_id": str(""), "org": str(""),
		"status":        map[string]any{"type": "string", "enum": statuses, "description": "open → verified → rectified → closed; cancelled when an appeal is upheld"},
		"deadline_days": integer("working days allowed"), "opened_at": str("RFC 3339"),
		"due_at":  str("RFC 3339: the end of the last working day allowed"),
		"overdue": boolean("the deadline passed before the task was closed"), "overdue_at": str("RFC 3339"),
		"findings": str("verification"), "verified_by": str(""), "verified_at": str(""),
		"measures": str("rectification measures"), "rectified_by": str(""), "rectified_at": str(""),
		"closing_note": str(""), "closed_by": str(""), "closed_at": str(""), "cancelled_at": str(""),
		"level": levelSchema, "kind": str("case or visit"), "case_number": str(""), "item_code": str(""), "item_name": str(""),
		"real_name": boolean("a real-name bad rating must be called back before verification"),
		"rating":    ref("Rating"), "callbacks": arr(ref("RatingCallBack")), "appeal": ref("RatingAppeal"),
	})
	counts := map[string]any{
		"by_level": map[string]any{"type": "array", "items": map[string]any{"type": "integer"}, "minItems": 5, "maxItems": 5,
			"description": "ratings per level, level 1 first"},
		"total": integer("ratings counted"), "bad": integer("levels 1–2"), "tasks": integer("rectification tasks"),
		"rectified": integer("tasks closed"), "rectified_on_time": integer("tasks closed by their deadline"),
		"overdue_open":      integer("tasks past their deadline and not closed"),
		"satisfaction_rate": map[string]any{"type": []string{"number", "null"}, "description": "per cent of ratings at levels 3–5"},
		"on_time_rate": map[string]any{"type": []string{"number", "null"},
			"description": "per cent of tasks with a known outcome (closed, or open past the deadline) closed on time"},
	}
	row := map[string]any{"org": str("organisation code"), "org_name": str("in the language asked for"), "item_code": str(""), "item_name": str("")}
	for k, v := range counts {
		row[k] = v
	}
	schemas["RatingStats"] = obj(map[string]any{
		"from": str("RFC 3339"), "to": str("RFC 3339, exclusive"), "by": map[string]any{"type": "string", "enum": []string{"org", "item"}},
		"org": str("the organisation counted, when one was asked for"), "rows": arr(obj(row)), "total": obj(counts),
	})
}

// ratingsAPI serves the rating system.
type ratingsAPI struct {
	db  *store.DB
	svc *ratings.Service
	ids *identity.Service
}

// maxRatingBody bounds a JSON body of the rating routes: a few texts of at most 2,000
// characters.
const maxRatingBody = 64 << 10

// installRatings serves the rating system (好差評). Rating a visit by its code and the published
// statistics are public, in the public rate-limit class; rating a case is its applicant's; lists,
// tasks and appeals are officials' — the service decides who sees and does what.
func (a *API) installRatings(srv *httpserver.Server) {
	if a.cfg.Ratings == nil {
		return
	}
	h := ratingsAPI{db: a.cfg.DB, svc: a.cfg.Ratings, ids: a.cfg.Identity}
	const tag = "ratings"
	public := []httpserver.RouteOption{httpserver.RateLimit(httpserver.ClassPublic), httpserver.MaxBody(maxRatingBody)}
	body := httpserver.MaxBody(maxRatingBody)
	caseID := param{Name: "caseID", In: "path", Required: true, Description: "the case's id", Schema: map[string]any{"type": "string"}}
	id := func(what string) param {
		return param{Name: "id", In: "path", Required: true, Description: what, Schema: map[string]any{"type": "string"}}
	}
	q := func(name, desc string) param {
		return param{Name: name, In: "query", Description: desc, Schema: str(desc)}
	}
	period := []param{q("from", "start of the period: a date (China time) or RFC 3339"), q("to", "end of the period, inclusive of a date given")}
	limit := param{Name: "limit", In: "query", Description: "at most this many, 1–500; 100 when omitted",
		Schema: map[string]any{"type": "integer", "minimum": 1, "maximum": ratings.MaxList}}

	a.route(srv, operation{Method: "GET", Path: "/api/v1/ratings/tags", ID: "listRatingTags", Tag: tag,
		Summary: "The five levels and the tags each may carry, named in zh-Hans, zh-Hant and en. Public",
		Response: arr(obj(map[string]any{"level": integer(""), "bad": boolean(""), "names": obj(nil),
			"tags": arr(obj(map[string]any{"code": str(""), "names": obj(nil)}))}))}, h.tags, public...)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/ratings/stats", ID: "getRatingStats", Tag: tag,
		Summary: "Published statistics per organisation or per item over a period: counts per level, satisfaction rate, bad " +
			"ratings, rectified and on-time. Public: no person and no comment. The current year when no period is given",
		Params:   append([]param{q("by", "org (default) or item"), q("org", "only this organisation")}, period...),
		Response: ref("RatingStats")}, h.stats, public...)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/ratings/cases/{caseID}", ID: "getCaseRating", Tag: tag, Auth: true,
		Summary: "A case and its rating, to its applicant (404 to anyone else)", Params: []param{caseID},
		Response: obj(map[string]any{"case": obj(map[string]any{"case_id": str(""), "case_number": str(""), "org": str(""),
			"item_code": str(""), "item_name": str(""), "completed": boolean(""), "completed_at": str("RFC 3339")}),
			"rating": ref("Rating"), "can_rate": boolean("completed and not yet rated")})}, h.caseRating)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/ratings/cases/{caseID}", ID: "rateCase", Tag: tag, Auth: true,
		Status: http.StatusCreated, Summary: "Rate a completed case, once (its applicant: the resident, or the agent acting for " +
			"the enterprise that applied). A bad rating opens a rectification task for the organisation",
		Params: []param{caseID}, Body: ref("RatingInput"), Response: ref("Rating")}, h.rateCase, body)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/ratings/visits", ID: "openRatingVisit", Tag: tag, Auth: true,
		Status: http.StatusCreated, Summary: "Open a window visit for rating (window officers): returns its one-time code, shown " +
			"only now, usable for 24 hours at the window's pad, a kiosk or online, with or without login",
		Body: obj(map[string]any{"item_code": str("the item handled, optional"),
			"resident_login": str("the person served (login or mobile number), optional: only they may then use the code while signed in, and their rating is real-name")}),
		Response: obj(map[string]any{"visit": obj(map[string]any{"id": str("vis_…"), "org": str(""), "item_code": str(""),
			"opened_by": str(""), "opened_at": str(""), "expires_at": str("")}), "code": str("8 characters, shown as ABCD-EFGH"),
			"rate_url": str("the page that rates the visit (the code in its query): put it in a QR code")})}, h.openVisit, body)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/ratings/visits", ID: "getRatingVisit", Tag: tag,
		Summary: "What a visit's code is for: the organisation, the item and whether it can still be rated. Public. The code " +
			"goes in the query, never in a path: it is a one-time secret, and paths are logged",
		Params: []param{{Name: "code", In: "query", Required: true, Description: "the visit's 8-character code (case, spaces and hyphens do not matter)",
			Schema: map[string]any{"type": "string"}}},
		Response: obj(map[string]any{"org": str(""), "org_name": str(""), "item_code": str(""),
			"expires_at": str("RFC 3339"), "expired": boolean(""), "rated": boolean("")})}, h.visit, public...)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/ratings/visits/rating", ID: "rateVisit", Tag: tag, Status: http.StatusCreated,
		Summary: "Rate a window visit with its code, once, signed in or not (officials may not). Public",
		Body:    ref("VisitRatingInput"), Response: ref("Rating")}, h.rateVisit, public...)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/ratings/records", ID: "listRatings", Tag: tag, Auth: true,
		Summary:  "Ratings newest first, comments masked: the official's organisation's, any organisation's for the digital office",
		Params:   append([]param{q("org", "organisation code"), q("level", "1–5"), q("bad", "true: bad ratings only"), limit}, period...),
		Response: arr(ref("Rating"))}, h.list)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/ratings/records/{id}", ID: "getRating", Tag: tag, Auth: true,
		Summary: "One rating: as given to the person who gave it, masked to the organisation's and the digital office's officials",
		Params:  []param{id("rat_…")}, Response: ref("Rating")}, h.get)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/ratings/records/{id}/follow-up", ID: "followUpRating", Tag: tag, Auth: true,
		Summary: "Add a follow-up comment (追评) to one's own rating, once", Params: []param{id("rat_…")},
		Body: obj(map[string]any{"text": str("at most 500 characters")}, "text"), Response: ref("Rating")}, h.followUp, body)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/ratings/records/{id}/appeal", ID: "appealRating", Tag: tag, Auth: true,
		Status: http.StatusCreated, Summary: "Appeal against a bad rating as malicious (the rated organisation's administrators), " +
			"once per rating; the digital office decides",
		Params: []param{id("rat_…")}, Body: obj(map[string]any{"reason": map[string]any{"type": "string", "enum": ratings.AppealReasons},
			"evidence": str("at most 2,000 characters")}, "reason", "evidence"), Response: ref("RatingAppeal")}, h.appeal, body)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/ratings/tasks", ID: "listRatingTasks", Tag: tag, Auth: true,
		Summary: "Rectification tasks, earliest deadline first: the official's organisation's, any for the digital office",
		Params: []param{q("org", "organisation code"), q("status", "open, verified, rectified, closed or cancelled"),
			q("pending", "true: tasks not yet done"), q("overdue", "true: tasks flagged overdue"), limit},
		Response: arr(ref("RatingTask"))}, h.tasks)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/ratings/tasks/{id}", ID: "getRatingTask", Tag: tag, Auth: true,
		Summary: "One task with its rating (masked), call-backs and appeal", Params: []param{id("rtk_…")},
		Response: ref("RatingTask")}, h.task)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/ratings/tasks/{id}/callbacks", ID: "recordRatingCallBack", Tag: tag, Auth: true,
		Status: http.StatusCreated, Summary: "Record a call made to the person about their bad rating (the organisation's officials)",
		Params: []param{id("rtk_…")}, Body: obj(map[string]any{"called_at": str("RFC 3339; now when omitted"),
			"reached": boolean(""), "account": str("what the person said; required when reached")}, "reached"),
		Response: ref("RatingCallBack")}, h.callBack, body)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/ratings/tasks/{id}/verification", ID: "verifyRatingTask", Tag: tag, Auth: true,
		Summary: "Record what verifying the complaint found (administrators; a real-name rating must be called back first)",
		Params:  []param{id("rtk_…")}, Body: obj(map[string]any{"findings": str("at most 2,000 characters")}, "findings"),
		Response: ref("RatingTask")}, h.verify, body)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/ratings/tasks/{id}/rectification", ID: "rectifyRatingTask", Tag: tag, Auth: true,
		Summary: "Record the rectification measures taken (administrators)", Params: []param{id("rtk_…")},
		Body:     obj(map[string]any{"measures": str("at most 2,000 characters")}, "measures"),
		Response: ref("RatingTask")}, h.rectify, body)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/ratings/tasks/{id}/closing", ID: "closeRatingTask", Tag: tag, Auth: true,
		Summary: "Close a rectified task (administrators); closing after the deadline flags it overdue. The person is told",
		Params:  []param{id("rtk_…")}, Body: obj(map[string]any{"note": str("optional")}),
		Response: ref("RatingTask")}, h.close, body)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/ratings/appeals", ID: "listRatingAppeals", Tag: tag, Auth: true,
		Summary:  "Appeals, pending first: the official's organisation's, every organisation's for the digital office",
		Params:   []param{q("org", "organisation code"), q("status", "pending, upheld or rejected"), limit},
		Response: arr(ref("RatingAppeal"))}, h.appeals)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/ratings/appeals/{id}/decision", ID: "decideRatingAppeal", Tag: tag, Auth: true,
		Summary: "Uphold or reject a pending appeal (the digital office's administrators). Upheld: the rating leaves the " +
			"statistics and its task is cancelled",
		Params: []param{id("rap_…")}, Body: obj(map[string]any{"uphold": boolean(""), "note": str("required when rejecting")}, "uphold"),
		Response: ref("RatingAppeal")}, h.decide, body)
}

// ratingInput reads a rating from a JSON body, strictly; with code set, the body also carries
// the visit's code.
func ratingInput(r *http.Request, code *string) (ratings.Input, error) {
	var in struct {
		Level   *int     `json:"level"`
		Tags    []string `json:"tags"`
		Comment string   `json:"comment"`
		Channel string   `json:"channel"`
	}
	if code != nil {
		var withCode struct {
			Code    string   `json:"code"`
			Level   *int     `json:"level"`
			Tags    []string `json:"tags"`
			Comment string   `json:"comment"`
			Channel string   `json:"channel"`
		}
		if err := decode(r, &withCode); err != nil {
			return ratings.Input{}, err
		}
		*code = withCode.Code
		in.Level, in.Tags, in.Comment, in.Channel = withCode.Level, withCode.Tags, withCode.Comment, withCode.Channel
	} else if err := decode(r, &in); err != nil {
		return ratings.Input{}, err
	}
	if in.Level == nil {
		return ratings.Input{}, errs.Field("level", "ratings.error.level")
	}
	fields := map[string]string{"comment": in.Comment, "channel": in.Channel}
	for _, t := range in.Tags {
		if !storableText(t) {
			return ratings.Input{}, errs.Field("tags", "ratings.error.tag")
		}
	}
	if err := storable(fields); err != nil {
		return ratings.Input{}, err
	}
	return ratings.Input{Level: ratings.Level(*in.Level), Tags: in.Tags, Comment: in.Comment, Channel: ratings.Channel(in.Channel)}, nil
}

type tagView struct {
	Code  string            `json:"code"`
	Names map[string]string `json:"names"`
}

type levelView struct {
	Level int               `json:"level"`
	Bad   bool              `json:"bad"`
	Names map[string]string `json:"names"`
	Tags  []tagView         `json:"tags"`
}

func names(key string) map[string]string {
	out := map[string]string{}
	for _, l := range i18n.All {
		out[string(l)] = i18n.T(l, key)
	}
	return out
}

func (h ratingsAPI) tags(w http.ResponseWriter, r *http.Request) error {
	var out []levelView
	for _, l := range ratings.Levels {
		v := levelView{Level: int(l), Bad: l.Bad(), Names: names(l.Key()), Tags: []tagView{}}
		for _, t := range ratings.TagsFor(l) {
			v.Tags = append(v.Tags, tagView{Code: t, Names: names(ratings.TagKey(t))})
		}
		out = append(out, v)
	}
	return writeJSON(w, http.StatusOK, out)
}

// queryPeriod reads from and to (dates are China time, to inclusive); the current year up to
// the end of today when both are omitted.
func queryPeriod(r *http.Request, now time.Time) (from, to time.Time, err error) {
	qv := r.URL.Query()
	f, t := strings.TrimSpace(qv.Get("from")), strings.TrimSpace(qv.Get("to"))
	today := now.In(clock.China)
	if f == "" {
		from = time.Date(today.Year(), 1, 1, 0, 0, 0, 0, clock.China)
	} else if from, err = parseMoment("from", f, false); err != nil {
		return
	}
	if t == "" {
		to = time.Date(today.Year(), today.Month(), today.Day()+1, 0, 0, 0, 0, clock.China)
	} else if to, err = parseMoment("to", t, true); err != nil {
		return
	}
	return from, to, nil
}

// queryBool reads a true/false query parameter.
func queryBool(r *http.Request, name string) (bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, errs.Field(name, "api.ratings.bad_bool", name)
	}
	return b, nil
}

type statsRowView struct {
	OrgName string `json:"org_name"`
	ratings.StatsRow
}

type statsView struct {
	ratings.Stats
	Rows []statsRowView `json:"rows"`
}

func (h ratingsAPI) stats(w http.ResponseWriter, r *http.Request) error {
	from, to, err := queryPeriod(r, h.db.Clock().Now())
	if err != nil {
		return err
	}
	qv := r.URL.Query()
	st, err := h.svc.Stats(r.Context(), ratings.StatsQuery{From: from, To: to, By: ratings.Grouping(qv.Get("by")), Org: qv.Get("org")})
	if err != nil {
		return err
	}
	orgs, err := org.List(r.Context(), h.db)
	if err != nil {
		return err
	}
	lang := i18n.Negotiate(r)
	name := map[string]string{}
	for _, o := range orgs {
		name[o.Code] = o.Name(string(lang))
	}
	if st.Org != "" && name[st.Org] == "" {
		return errs.E(errs.NotFound, "error.org_not_found", st.Org)
	}
	out := statsView{Stats: st, Rows: make([]statsRowView, 0, len(st.Rows))}
	for _, row := range st.Rows {
		out.Rows = append(out.Rows, statsRowView{OrgName: name[row.Org], StatsRow: row})
	}
	return writeJSON(w, http.StatusOK, out)
}

type caseView struct {
	CaseID      string    `json:"case_id"`
	CaseNumber  string    `json:"case_number"`
	Org         string    `json:"org"`
	ItemCode    string    `json:"item_code"`
	ItemName    string    `json:"item_name"`
	Completed   bool      `json:"completed"`
	CompletedAt time.Time `json:"completed_at,omitzero"`
}

func (h ratingsAPI) caseRating(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	cr, err := h.svc.ForCase(r.Context(), p, r.PathValue("caseID"))
	if err != nil {
		return err
	}
	s := cr.Subject
	return writeJSON(w, http.StatusOK, map[string]any{
		"case": caseView{CaseID: s.CaseID, CaseNumber: s.CaseNumber, Org: s.Org, ItemCode: s.ItemCode, ItemName: s.ItemNameHans,
			Completed: s.Completed, CompletedAt: s.CompletedAt},
		"rating": cr.Rating, "can_rate": s.Completed && cr.Rating == nil})
}

func (h ratingsAPI) rateCase(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	in, err := ratingInput(r, nil)
	if err != nil {
		return err
	}
	rt, err := h.svc.RateCase(r.Context(), p, r.PathValue("caseID"), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/ratings/records/"+rt.ID)
	return writeJSON(w, http.StatusCreated, rt)
}

func (h ratingsAPI) openVisit(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	var body struct {
		ItemCode      string `json:"item_code"`
		ResidentLogin string `json:"resident_login"`
	}
	if err := decodeOptional(r, &body); err != nil {
		return err
	}
	if err := storable(map[string]string{"item_code": body.ItemCode, "resident_login": body.ResidentLogin}); err != nil {
		return err
	}
	if !ratings.MayOpenVisits(p) {
		return errs.E(errs.Forbidden, "ratings.error.window_officers_only")
	}
	nv := ratings.NewVisit{ItemCode: body.ItemCode}
	if login := strings.TrimSpace(body.ResidentLogin); login != "" {
		if nv.Resident, err = residentAccount(r, h.ids, login); err != nil {
			return errs.Field("resident_login", "ratings.error.resident")
		}
	}
	v, code, err := h.svc.OpenVisit(r.Context(), p, nv)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"visit": v, "code": ratings.FormatCode(code),
		"rate_url": "/ratings/visit?code=" + code})
}

// residentAccount finds the account of a resident by mobile number or login, for a window
// officer naming the person served (the caller has checked that p opens visits). Looking a
// phone up is Yiwang's own business, so it asks as the system.
func residentAccount(r *http.Request, ids *identity.Service, login string) (int64, error) {
	if ids == nil {
		return 0, errs.E(errs.NotFound, "ratings.error.resident")
	}
	var acc identity.Account
	var err error
	if id, perr := ids.AccountIDByPhone(principal.With(r.Context(), principal.SystemPrincipal), login); perr == nil {
		acc, err = ids.Account(r.Context(), id)
	} else {
		acc, err = ids.AccountByLogin(r.Context(), login)
	}
	if err != nil {
		return 0, err
	}
	if acc.Kind != principal.Resident || acc.Disabled {
		return 0, errs.E(errs.NotFound, "ratings.error.resident")
	}
	return acc.ID, nil
}

func (h ratingsAPI) visit(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	v, err := h.svc.VisitByCode(r.Context(), p, r.URL.Query().Get("code"))
	if err != nil {
		return err
	}
	o, err := org.Get(r.Context(), h.db, v.Org)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"org": v.Org, "org_name": o.Name(string(i18n.Negotiate(r))),
		"item_code": v.ItemCode, "expires_at": v.ExpiresAt, "expired": v.Expired(h.db.Clock().Now()), "rated": v.RatedAt != nil})
}

func (h ratingsAPI) rateVisit(w http.ResponseWriter, r *http.Request) error {
	var code string
	in, err := ratingInput(r, &code)
	if err != nil {
		return err
	}
	p := principal.From(r.Context())
	rt, err := h.svc.RateVisit(r.Context(), p, code, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, rt)
}

func (h ratingsAPI) list(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	f := ratings.Filter{Org: r.URL.Query().Get("org")}
	if v := r.URL.Query().Get("level"); v != "" {
		if f.Level = ratings.ParseLevel(v); f.Level == 0 {
			return errs.Field("level", "ratings.error.level")
		}
	}
	if f.BadOnly, err = queryBool(r, "bad"); err != nil {
		return err
	}
	if f.Limit, err = queryLimit(r, 0, ratings.MaxList); err != nil {
		return err
	}
	if r.URL.Query().Has("from") || r.URL.Query().Has("to") {
		if f.From, f.To, err = queryPeriod(r, h.db.Clock().Now()); err != nil {
			return err
		}
	}
	list, err := h.svc.Ratings(r.Context(), p, f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list)
}

func (h ratingsAPI) get(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	rt, err := h.svc.Rating(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rt)
}

func (h ratingsAPI) followUp(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	var body struct {
		Text string `json:"text"`
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	rt, err := h.svc.FollowUp(r.Context(), p, r.PathValue("id"), body.Text)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rt)
}

func (h ratingsAPI) appeal(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	var body struct {
		Reason   string `json:"reason"`
		Evidence string `json:"evidence"`
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	a, err := h.svc.FileAppeal(r.Context(), p, r.PathValue("id"), body.Reason, body.Evidence)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, a)
}

func (h ratingsAPI) tasks(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	qv := r.URL.Query()
	f := ratings.TaskFilter{Org: qv.Get("org"), Status: ratings.TaskStatus(qv.Get("status"))}
	if f.Status != "" && !slices.Contains(ratings.TaskStatuses, f.Status) {
		return errs.Field("status", "api.ratings.bad_status")
	}
	if f.Pending, err = queryBool(r, "pending"); err != nil {
		return err
	}
	if f.OverdueOnly, err = queryBool(r, "overdue"); err != nil {
		return err
	}
	if f.Limit, err = queryLimit(r, 0, ratings.MaxList); err != nil {
		return err
	}
	list, err := h.svc.Tasks(r.Context(), p, f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list)
}

func (h ratingsAPI) task(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	t, err := h.svc.Task(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, t)
}

// currentTask answers with the task as the caller now sees it, after a change.
func (h ratingsAPI) currentTask(w http.ResponseWriter, r *http.Request, p principal.Principal) error {
	t, err := h.svc.Task(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, t)
}

func (h ratingsAPI) callBack(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	var body struct {
		CalledAt string `json:"called_at"`
		Reached  *bool  `json:"reached"`
		Account  string `json:"account"`
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	if body.Reached == nil {
		return errs.Field("reached", "api.ratings.reached_required")
	}
	c := ratings.NewCallBack{Reached: *body.Reached, Account: body.Account, CalledAt: h.db.Clock().Now()}
	if strings.TrimSpace(body.CalledAt) != "" {
		if c.CalledAt, err = time.Parse(time.RFC3339, strings.TrimSpace(body.CalledAt)); err != nil {
			return errs.Field("called_at", "api.error.bad_time", body.CalledAt)
		}
	}
	cb, err := h.svc.RecordCallBack(r.Context(), p, r.PathValue("id"), c)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, cb)
}

func (h ratingsAPI) verify(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	var body struct {
		Findings string `json:"findings"`
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	if _, err := h.svc.Verify(r.Context(), p, r.PathValue("id"), body.Findings); err != nil {
		return err
	}
	return h.currentTask(w, r, p)
}

func (h ratingsAPI) rectify(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	var body struct {
		Measures string `json:"measures"`
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	if _, err := h.svc.Rectify(r.Context(), p, r.PathValue("id"), body.Measures); err != nil {
		return err
	}
	return h.currentTask(w, r, p)
}

func (h ratingsAPI) close(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	var body struct {
		Note string `json:"note"`
	}
	if err := decodeOptional(r, &body); err != nil {
		return err
	}
	if _, err := h.svc.Close(r.Context(), p, r.PathValue("id"), body.Note); err != nil {
		return err
	}
	return h.currentTask(w, r, p)
}

func (h ratingsAPI) appeals(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	qv := r.URL.Query()
	f := ratings.AppealFilter{Org: qv.Get("org"), Status: ratings.AppealStatus(qv.Get("status"))}
	switch f.Status {
	case "", ratings.AppealPending, ratings.AppealUpheld, ratings.AppealRejected:
	default:
		return errs.Field("status", "api.ratings.bad_status")
	}
	if f.Limit, err = queryLimit(r, 0, ratings.MaxList); err != nil {
		return err
	}
	list, err := h.svc.Appeals(r.Context(), p, f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list)
}

func (h ratingsAPI) decide(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	var body struct {
		Uphold *bool  `json:"uphold"`
		Note   string `json:"note"`
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	if body.Uphold == nil {
		return errs.Field("uphold", "api.ratings.uphold_required")
	}
	a, err := h.svc.DecideAppeal(r.Context(), p, r.PathValue("id"), *body.Uphold, body.Note)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a)
}
