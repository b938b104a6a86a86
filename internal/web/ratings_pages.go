package web

import (
	"bytes"
	"encoding/base64"
	"html/template"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/boombuler/barcode/qr"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/ratings"
)

// The rating system's pages (好差評). People rate a completed case at /ratings/case/{caseID}
// and a window visit with the code the window officer gave them at /ratings/visit; window
// officers open visits at /ratings/visits/new; officials work through their organisation's
// rectification tasks and appeals (ratings_work_pages.go); everyone reads the published
// statistics at /ratings/stats (ratings_stats_pages.go).
//
// Rating takes two steps so that it works without script and in large type: five large buttons
// choose the level (a GET form), then the page offers that level's tags and a comment.

// ratingsPageNames lists this module's page templates.
var ratingsPageNames = []string{"ratings/case", "ratings/visit_code", "ratings/visit", "ratings/visit_open",
	"ratings/tasks", "ratings/task", "ratings/appeals", "ratings/stats"}

func (s *Site) installRatings(srv *httpserver.Server) {
	if s.cfg.Ratings == nil {
		return
	}
	srv.Handle("GET /ratings/case/{caseID}", s.rateCasePage)
	srv.Handle("POST /ratings/case/{caseID}", s.rateCasePost)
	srv.Handle("POST /ratings/case/{caseID}/follow-up", s.rateCaseFollowUp)
	srv.Handle("GET /ratings/visit", s.rateVisitCode)
	srv.Handle("POST /ratings/visit", s.rateVisitPost)
	srv.Handle("GET /ratings/visit/{code}", s.rateVisitPage)
	srv.Handle("GET /ratings/visits/new", s.ratingVisitForm)
	srv.Handle("POST /ratings/visits", s.ratingVisitOpen)
	s.installRatingWork(srv)
	srv.Handle("GET /ratings/stats", s.ratingStats)
}

// ratingsNav is what the navigation may offer of the rating system: the statistics to
// everyone, visits to window officers, tasks and appeals to officials. (The hall's navigation
// in catalog_pages.go decides what it shows.)
func (s *Site) ratingsNav(p principal.Principal) []struct{ href, key string } {
	if s.cfg.Ratings == nil {
		return nil
	}
	nav := []struct{ href, key string }{{"/ratings/stats", "ratings.nav.stats"}}
	if ratings.MayOpenVisits(p) {
		nav = append(nav, struct{ href, key string }{"/ratings/visits/new", "ratings.nav.visits"})
	}
	if p.Kind == principal.Official {
		nav = append(nav, struct{ href, key string }{"/ratings/tasks", "ratings.nav.tasks"},
			struct{ href, key string }{"/ratings/appeals", "ratings.nav.appeals"})
	}
	return nav
}

// ---- what the rating pages share ----------------------------------------------------------

// ratingLevelChoice is one of the five level buttons.
type ratingLevelChoice struct {
	Value int
	Label string
	// Stars draws the level (★★★★☆) beside its name; screen readers read the name only.
	Stars string
	Bad   bool
}

// ratingForm is the two-step rating form: Level 0 offers the five levels, a level its tags and
// the comment.
type ratingForm struct {
	// Path is the form's address: the level buttons are a GET form to it, the rating is posted
	// to it.
	Path string
	// Keep are values both steps carry along as hidden fields (where the person rates: at, via;
	// a visit's code).
	Keep       url.Values
	Levels     []ratingLevelChoice
	Level      int
	LevelLabel string
	Bad        bool
	Tags       []choice
	Channel    string
	MaxComment int
	F          form
}

// ChangeHref goes back to the first step.
func (f ratingForm) ChangeHref() string {
	if len(f.Keep) == 0 {
		return f.Path
	}
	return f.Path + "?" + f.Keep.Encode()
}

func newRatingForm(b basePage, path string, keep url.Values, level ratings.Level, channel ratings.Channel, f form) *ratingForm {
	rf := &ratingForm{Path: path, Keep: keep, Channel: string(channel), MaxComment: ratings.MaxCommentRunes, F: f}
	for _, l := range ratings.Levels {
		rf.Levels = append(rf.Levels, ratingLevelChoice{Value: int(l), Label: b.T(l.Key()), Bad: l.Bad(),
			Stars: strings.Repeat("★", int(l)) + strings.Repeat("☆", 5-int(l))})
	}
	if level.Valid() {
		rf.Level, rf.LevelLabel, rf.Bad = int(level), b.T(level.Key()), level.Bad()
		for _, t := range ratings.TagsFor(level) {
			rf.Tags = append(rf.Tags, choice{Value: t, Label: b.T(ratings.TagKey(t))})
		}
	}
	return rf
}

// postedRating reads the rating form: the level, the ticked tags, the comment and the channel
// the page set.
func postedRating(v url.Values) ratings.Input {
	return ratings.Input{Level: ratings.ParseLevel(v.Get("level")), Tags: v["tag"], Comment: v.Get("comment"),
		Channel: ratings.Channel(v.Get("channel"))}
}

// ratingFields are the form's fields as the domain names them; "tags" is the form's "tag".
var ratingRename = map[string]string{"tags": "tag"}

// ratingView is a rating as its pages show it.
type ratingView struct {
	ID, LevelLabel, Channel, RatedAt string
	Level                            int
	Bad, RealName, Excluded          bool
	Tags                             []string
	Comment, FollowUp, FollowUpAt    string
	Kind, CaseNumber, ItemCode       string
	ItemName                         string
}

func newRatingView(b basePage, r ratings.Rating) ratingView {
	v := ratingView{ID: r.ID, Level: int(r.Level), LevelLabel: b.T(r.Level.Key()), Channel: b.T(r.Channel.Key()),
		RatedAt: civil(r.RatedAt), Bad: r.Bad, RealName: r.RealName, Excluded: r.Excluded, Comment: r.Comment, FollowUp: r.FollowUp,
		Kind: string(r.Kind), CaseNumber: r.CaseNumber, ItemCode: r.ItemCode, ItemName: r.ItemName}
	if r.FollowUpAt != nil {
		v.FollowUpAt = civil(*r.FollowUpAt)
	}
	for _, t := range r.Tags {
		v.Tags = append(v.Tags, b.T(ratings.TagKey(t)))
	}
	return v
}

// ---- rating a case --------------------------------------------------------------------------

type ratingCasePage struct {
	basePage
	CaseID, CaseNumber, ItemName, OrgName string
	Completed                             bool
	// Bundle: a bundle's parent case, not rated itself (each of its cases is).
	Bundle bool
	Rating *ratingView
	Form   *ratingForm
	// FollowUp is the follow-up form, offered once on the person's rating.
	CanFollowUp bool
	FollowUp    form
	Done        string
}

// caseChannel is where a case is being rated: a kiosk (?at=kiosk), from a text message's link
// (?via=sms), else online.
func ratingCaseChannel(q url.Values) (ratings.Channel, url.Values) {
	switch {
	case q.Get("at") == "kiosk":
		return ratings.Kiosk, url.Values{"at": {"kiosk"}}
	case q.Get("via") == "sms":
		return ratings.SMS, url.Values{"via": {"sms"}}
	}
	return ratings.Online, url.Values{}
}

// ratingRebase points the page's language links and type-size switch at path with the values of
// the rating's step (where it is rated, a visit's code, the level chosen), so that switching
// keeps the person where they are.
func ratingRebase(b *basePage, path string, keep url.Values, level ratings.Level) {
	q := url.Values{}
	for k, vs := range keep {
		q[k] = vs
	}
	if level.Valid() {
		q.Set("level", strconv.Itoa(int(level)))
	}
	b.Path = path
	if len(q) > 0 {
		b.Path += "?" + q.Encode()
	}
	for i := range b.Langs {
		lq := url.Values{"lang": {string(b.Langs[i].Lang)}}
		for k, vs := range q {
			lq[k] = vs
		}
		b.Langs[i].Href = path + "?" + lq.Encode()
	}
}

func ratingCasePath(id string) string { return "/ratings/case/" + url.PathEscape(id) }

func (s *Site) newRatingCasePage(w http.ResponseWriter, r *http.Request, level ratings.Level, f form) (ratingCasePage, error) {
	p := principal.From(r.Context())
	cr, err := s.cfg.Ratings.ForCase(r.Context(), p, r.PathValue("caseID"))
	if err != nil {
		return ratingCasePage{}, err
	}
	b := s.newBase(w, r, "ratings.case.title", cr.Subject.CaseNumber)
	name, err := s.orgs.namer(r, b.Lang)
	if err != nil {
		return ratingCasePage{}, err
	}
	sub := cr.Subject
	page := ratingCasePage{basePage: b, CaseID: sub.CaseID, CaseNumber: sub.CaseNumber, ItemName: sub.ItemNameHans,
		OrgName: name(sub.Org), Completed: sub.Completed, Bundle: sub.Org == "", FollowUp: newForm(r)}
	path := ratingCasePath(sub.CaseID)
	switch {
	case cr.Rating != nil:
		v := newRatingView(b, *cr.Rating)
		page.Rating = &v
		page.CanFollowUp = cr.Rating.FollowUp == ""
	case sub.Completed && sub.Org != "":
		v := r.URL.Query()
		if r.Method == http.MethodPost {
			v = r.PostForm
		}
		channel, keep := ratingCaseChannel(v)
		page.Form = newRatingForm(b, path, keep, level, channel, f)
		ratingRebase(&page.basePage, path, keep, level)
	}
	switch r.URL.Query().Get("done") {
	case "rated":
		page.Done = b.T("ratings.case.done_rated")
	case "follow_up":
		page.Done = b.T("ratings.case.done_follow_up")
	}
	return page, nil
}

func (s *Site) rateCasePage(w http.ResponseWriter, r *http.Request) error {
	if err := requireSignedIn(principal.From(r.Context())); err != nil {
		return err
	}
	page, err := s.newRatingCasePage(w, r, ratings.ParseLevel(r.URL.Query().Get("level")), newForm(r))
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "ratings/case", page)
}

func (s *Site) rateCasePost(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireSignedIn(p); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	in := postedRating(r.PostForm)
	_, err := s.cfg.Ratings.RateCase(r.Context(), p, r.PathValue("caseID"), in)
	if err == nil {
		_, keep := ratingCaseChannel(r.PostForm)
		keep.Set("done", "rated")
		seeOther(w, r, ratingCasePath(r.PathValue("caseID"))+"?"+keep.Encode())
		return nil
	}
	status, ok := formStatus(err)
	if !ok {
		return err
	}
	page, perr := s.newRatingCasePage(w, r, in.Level, newForm(r, "level", "tag", "comment"))
	if perr != nil {
		return perr
	}
	if page.Form == nil {
		page.basePage.rebase(ratingCasePath(r.PathValue("caseID")))
	}
	if page.Form != nil {
		page.Form.F.fail(page.Lang, err, ratingRename)
	} else {
		// Rated in the meantime: the page shows the rating, the message says why.
		page.FollowUp.fail(page.Lang, err, nil)
	}
	return s.render(w, status, "ratings/case", page)
}

func (s *Site) rateCaseFollowUp(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireSignedIn(p); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	cr, err := s.cfg.Ratings.ForCase(r.Context(), p, r.PathValue("caseID"))
	if err != nil {
		return err
	}
	if cr.Rating == nil {
		return errs.E(errs.NotFound, "ratings.error.rating_not_found")
	}
	_, err = s.cfg.Ratings.FollowUp(r.Context(), p, cr.Rating.ID, r.PostFormValue("follow_up"))
	if err == nil {
		seeOther(w, r, ratingCasePath(cr.Subject.CaseID)+"?done=follow_up")
		return nil
	}
	status, ok := formStatus(err)
	if !ok {
		return err
	}
	page, perr := s.newRatingCasePage(w, r, 0, newForm(r))
	if perr != nil {
		return perr
	}
	page.basePage.rebase(ratingCasePath(cr.Subject.CaseID))
	page.FollowUp = newForm(r, "follow_up")
	page.FollowUp.fail(page.Lang, err, nil)
	return s.render(w, status, "ratings/case", page)
}

// ---- rating a window visit ----------------------------------------------------------------
//
// A visit's code is a one-time secret: the pages carry it in query strings and form bodies,
// which the access log leaves out, never in a path of their own making. /ratings/visit/{code}
// answers links people type, but the QR code and the forms use /ratings/visit?code=….

// ratingVisitPlace is where a visit is being rated: the window's pad (at=window), a kiosk
// (at=kiosk), else online; and the values the pages carry along for it.
func ratingVisitPlace(v url.Values) (ratings.Channel, url.Values) {
	switch v.Get("at") {
	case "window":
		return ratings.Window, url.Values{"at": {"window"}}
	case "kiosk":
		return ratings.Kiosk, url.Values{"at": {"kiosk"}}
	}
	return ratings.Online, url.Values{}
}

// ratingVisitHref is the visit page of code (a QR code's target).
func ratingVisitHref(code string) string {
	return "/ratings/visit?" + url.Values{"code": {code}}.Encode()
}

type ratingVisitCodePage struct {
	basePage
	Keep url.Values
	Done string
	F    form
}

// rateVisitCode is the pad's page: the code to type, and thanks after a rating. A code given in
// the query shows its visit.
func (s *Site) rateVisitCode(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if q.Get("code") != "" {
		return s.rateVisitPage(w, r)
	}
	page := s.newRatingVisitCodePage(w, r, q)
	if q.Get("done") == "rated" {
		page.Done = page.T("ratings.visit.done_rated")
	}
	return s.render(w, http.StatusOK, "ratings/visit_code", page)
}

func (s *Site) newRatingVisitCodePage(w http.ResponseWriter, r *http.Request, v url.Values) ratingVisitCodePage {
	_, keep := ratingVisitPlace(v)
	return ratingVisitCodePage{basePage: s.newBase(w, r, "ratings.visit_code.title"), Keep: keep, F: newForm(r)}
}

type ratingVisitPage struct {
	basePage
	Code, OrgName, ItemCode, ExpiresAt string
	Expired, Rated                     bool
	// AtWindow: rated at the window's pad or a kiosk, which offer the next person a fresh start.
	AtWindow bool
	NextHref string
	Form     *ratingForm
}

// newRatingVisitPage builds the page of the visit whose code the request carries (the path's,
// else v's); v also says where the visit is rated.
func (s *Site) newRatingVisitPage(w http.ResponseWriter, r *http.Request, v url.Values, level ratings.Level, f form) (ratingVisitPage, error) {
	p := principal.From(r.Context())
	raw := r.PathValue("code")
	if raw == "" {
		raw = v.Get("code")
	}
	code, ok := ratings.NormaliseCode(raw)
	if !ok {
		return ratingVisitPage{}, errs.E(errs.NotFound, "ratings.error.visit_not_found")
	}
	visit, err := s.cfg.Ratings.VisitByCode(r.Context(), p, code)
	if err != nil {
		return ratingVisitPage{}, err
	}
	b := s.newBase(w, r, "ratings.visit.title")
	name, err := s.orgs.namer(r, b.Lang)
	if err != nil {
		return ratingVisitPage{}, err
	}
	channel, keep := ratingVisitPlace(v)
	page := ratingVisitPage{basePage: b, Code: ratings.FormatCode(code), OrgName: name(visit.Org), ItemCode: visit.ItemCode,
		ExpiresAt: civil(visit.ExpiresAt), Expired: visit.Expired(s.cfg.DB.Clock().Now()), Rated: visit.RatedAt != nil,
		AtWindow: channel != ratings.Online, NextHref: "/ratings/visit"}
	if len(keep) > 0 {
		page.NextHref += "?" + keep.Encode()
	}
	keep.Set("code", code)
	if !page.Expired && !page.Rated {
		page.Form = newRatingForm(b, "/ratings/visit", keep, level, channel, f)
	}
	// The language and type-size switches come back to this step of this visit, with the code
	// in the query, not in a path.
	ratingRebase(&page.basePage, "/ratings/visit", keep, level)
	return page, nil
}

func (s *Site) rateVisitPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	page, err := s.newRatingVisitPage(w, r, q, ratings.ParseLevel(q.Get("level")), newForm(r))
	if errs.Is(err, errs.NotFound) && r.PathValue("code") == "" {
		// A code typed at the pad: said beside the field, ready to type again.
		cp := s.newRatingVisitCodePage(w, r, q)
		cp.F.Values.Set("code", q.Get("code"))
		cp.F.failField(cp.Lang, "code", "ratings.error.visit_not_found")
		return s.render(w, http.StatusNotFound, "ratings/visit_code", cp)
	}
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "ratings/visit", page)
}

func (s *Site) rateVisitPost(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := parseForm(r); err != nil {
		return err
	}
	in := postedRating(r.PostForm)
	_, err := s.cfg.Ratings.RateVisit(r.Context(), p, r.PostForm.Get("code"), in)
	if err == nil {
		_, keep := ratingVisitPlace(r.PostForm)
		keep.Set("done", "rated")
		seeOther(w, r, "/ratings/visit?"+keep.Encode())
		return nil
	}
	status, ok := formStatus(err)
	if !ok {
		return err
	}
	page, perr := s.newRatingVisitPage(w, r, r.PostForm, in.Level, newForm(r, "level", "tag", "comment"))
	if perr != nil {
		return perr
	}
	if page.Form == nil {
		// Rated or expired in the meantime: the page says which.
		page.Form = &ratingForm{F: newForm(r)}
	}
	page.Form.F.fail(page.Lang, err, ratingRename)
	return s.render(w, status, "ratings/visit", page)
}

// ---- window officers open visits ----------------------------------------------------------

type ratingOpenedVisit struct {
	Code, URL, ExpiresAt, ItemCode string
	QR                             template.URL
	Named                          bool
}

type ratingVisitOpenPage struct {
	basePage
	TTLHours int
	Opened   *ratingOpenedVisit
	F        form
}

func requireRatingWindow(p principal.Principal) error {
	if err := requireSignedIn(p); err != nil {
		return err
	}
	if !ratings.MayOpenVisits(p) {
		return errs.E(errs.Forbidden, "ratings.error.window_officers_only")
	}
	return nil
}

func (s *Site) newRatingVisitOpenPage(w http.ResponseWriter, r *http.Request, f form) ratingVisitOpenPage {
	return ratingVisitOpenPage{basePage: s.newBase(w, r, "ratings.visit_open.title"), TTLHours: int(s.cfg.Ratings.VisitTTL().Hours()), F: f}
}

func (s *Site) ratingVisitForm(w http.ResponseWriter, r *http.Request) error {
	if err := requireRatingWindow(principal.From(r.Context())); err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "ratings/visit_open", s.newRatingVisitOpenPage(w, r, newForm(r)))
}

func (s *Site) ratingVisitOpen(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireRatingWindow(p); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	nv := ratings.NewVisit{ItemCode: r.PostFormValue("item_code")}
	var err error
	if who := strings.TrimSpace(r.PostFormValue("resident")); who != "" {
		if nv.Resident, err = s.ratingResident(r, who); err != nil {
			err = errs.Field("resident", "ratings.error.resident")
		}
	}
	var v ratings.Visit
	var code string
	if err == nil {
		v, code, err = s.cfg.Ratings.OpenVisit(r.Context(), p, nv)
	}
	if err != nil {
		status, ok := formStatus(err)
		if !ok {
			return err
		}
		page := s.newRatingVisitOpenPage(w, r, newForm(r, "item_code", "resident"))
		page.basePage.rebase("/ratings/visits/new")
		page.F.fail(page.Lang, err, nil)
		return s.render(w, status, "ratings/visit_open", page)
	}
	link := s.ratingURL(r, ratingVisitHref(code))
	qrURI, err := ratingQR(link)
	if err != nil {
		return err
	}
	page := s.newRatingVisitOpenPage(w, r, newForm(r))
	page.basePage.rebase("/ratings/visits/new")
	page.Opened = &ratingOpenedVisit{Code: ratings.FormatCode(code), URL: link, ExpiresAt: civil(v.ExpiresAt), ItemCode: v.ItemCode,
		QR: qrURI, Named: v.Resident != nil}
	return s.render(w, http.StatusOK, "ratings/visit_open", page)
}

// ratingResident finds the resident a window officer names by mobile number or login. Looking
// a phone up is Yiwang's own business, so it asks as the system; the caller has checked that the
// officer opens visits.
func (s *Site) ratingResident(r *http.Request, who string) (int64, error) {
	var acc identity.Account
	var err error
	if id, perr := s.cfg.Identity.AccountIDByPhone(principal.With(r.Context(), principal.SystemPrincipal), who); perr == nil {
		acc, err = s.cfg.Identity.Account(r.Context(), id)
	} else {
		acc, err = s.cfg.Identity.AccountByLogin(r.Context(), who)
	}
	if err != nil {
		return 0, err
	}
	if acc.Kind != principal.Resident || acc.Disabled {
		return 0, errs.E(errs.NotFound, "ratings.error.resident")
	}
	return acc.ID, nil
}

// ratingURL is path on this site as a phone scanning a QR code reaches it.
func (s *Site) ratingURL(r *http.Request, path string) string {
	scheme := "http"
	if s.secure(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host + path
}

// ratingQR draws text as a QR code (error correction M, a quiet zone of four modules) in a
// PNG data URI that an img element shows without another request.
func ratingQR(text string) (template.URL, error) {
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return "", errs.Wrapf(errs.Internal, err, "error.internal")
	}
	const scale, quiet = 6, 4
	n := code.Bounds().Dx()
	img := image.NewGray(image.Rect(0, 0, (n+2*quiet)*scale, (n+2*quiet)*scale))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	for y := range n {
		for x := range n {
			if c := color.GrayModel.Convert(code.At(x, y)).(color.Gray); c.Y < 128 {
				draw.Draw(img, image.Rect((x+quiet)*scale, (y+quiet)*scale, (x+quiet+1)*scale, (y+quiet+1)*scale), image.Black, image.Point{}, draw.Src)
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", err
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())), nil
}
