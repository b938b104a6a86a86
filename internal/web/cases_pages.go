package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/blob"
	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/license"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// The service hall's case pages: applying (online, at a window for a person, at a kiosk — files
// cases_apply.go, cases_window.go, cases_kiosk.go), following one's cases (cases_follow.go), the
// public lookup (cases_lookup.go) and the officials' worklist and case page (cases_work.go). The
// case service decides who may see and do what; these pages refuse early whoever has no business
// here and offer each person only the buttons they may press.

// casesPageNames lists this module's page templates.
var casesPageNames = []string{"cases/apply", "cases/submitted", "cases/mine", "cases/case", "cases/work", "cases/work_case",
	"cases/window", "cases/lookup", "cases/kiosk", "cases/kiosk_login"}

// Body limits: a whole application with its materials, and one material.
const (
	maxApplyBody    = 64 << 20
	maxMaterialBody = blob.MaxSize + 1<<20
)

func (s *Site) installCases(srv *httpserver.Server) {
	if s.cfg.Cases == nil {
		return
	}
	// Every page a person may reach from a kiosk goes through the kiosk guard, which sends a kiosk
	// whose session ended (left idle) back to its start.
	g := s.kioskGuard
	big := httpserver.MaxBody(maxApplyBody)
	one := httpserver.MaxBody(maxMaterialBody)
	srv.Handle("GET /apply/item/{code}", g(s.applyForm))
	srv.Handle("POST /apply/item/{code}", g(s.applyPost), big)
	srv.Handle("GET /apply/bundle/{code}", g(s.applyForm))
	srv.Handle("POST /apply/bundle/{code}", g(s.applyPost), big)
	srv.Handle("GET /my/cases", g(s.myCases))
	srv.Handle("GET /my/cases/{id}", g(s.myCase))
	srv.Handle("GET /my/cases/{id}/edit", g(s.draftForm))
	srv.Handle("POST /my/cases/{id}/edit", g(s.draftPost), big)
	srv.Handle("POST /my/cases/{id}/materials/{code}", g(s.materialUpload), one)
	srv.Handle("POST /my/cases/{id}/materials/{code}/remove", g(s.materialRemove))
	srv.Handle("POST /my/cases/{id}/resubmit", g(s.myResubmit))
	srv.Handle("POST /my/cases/{id}/withdraw", g(s.myWithdraw))
	srv.Handle("POST /my/cases/{id}/messages", g(s.myMessage))
	srv.Handle("POST /my/cases/{id}/query-code", g(s.myQueryCode))
	srv.Handle("GET /cases/{id}/materials/{code}", g(s.caseMaterialFile))
	srv.Handle("GET /cases/{id}/decision/document", g(s.caseDecisionDocument))
	srv.Handle("GET /cases/{id}/decision/signature", g(s.caseDecisionSignature))
	srv.Handle("GET /lookup", g(s.lookupForm))
	srv.Handle("POST /lookup", g(s.lookup), httpserver.RateLimit(httpserver.ClassPublic))
	s.installCaseWork(srv)
	s.installCaseWindow(srv)
	s.installKiosk(srv)
}

// ---- the base of every case page -----------------------------------------------------------

// casesBase is the base page of the case pages: at a kiosk, always in large type, with the
// inactivity timeout (KioskIdle seconds) that ends the session.
type casesBase struct {
	basePage
	Kiosk     bool
	KioskIdle int
}

func (s *Site) newCasesBase(w http.ResponseWriter, r *http.Request, titleKey string, args ...any) casesBase {
	b := casesBase{basePage: s.newBase(w, r, titleKey, args...)}
	if s.isKiosk(r) {
		b.Kiosk, b.KioskIdle, b.LargeType = true, int(kioskIdle.Seconds()), true
		b.Nav = kioskNav(b.basePage, r)
	}
	return b
}

// name is a case's (or an item's) name in the page's language.
func (b casesBase) name(hans, hant, en string) string {
	switch b.Lang {
	case i18n.ZhHant:
		if hant != "" {
			return hant
		}
	case i18n.En:
		if en != "" {
			return en
		}
	}
	return hans
}

func (b casesBase) statusLabel(st cases.Status, out cases.Outcome) string {
	label := b.T(msgKey("cases.status.", string(st)))
	if out != cases.OutcomeNone && st == cases.StatusCompleted {
		label += b.T("cases.page.outcome_suffix", b.T(msgKey("cases.outcome.", string(out))))
	}
	return label
}

// stepLabel says what happens next and who does it.
func (b casesBase) stepLabel(step cases.Step, party string) string {
	if step == cases.StepNone {
		return ""
	}
	label := b.T(msgKey("cases.step.", string(step)))
	switch party {
	case cases.PartyApplicant:
		return b.T("cases.page.next_yours", label)
	case cases.PartyOfficial:
		return b.T("cases.page.next_officials", label)
	}
	return label
}

// ---- the statutory clock ---------------------------------------------------------------------

// caseClockView is the statutory clock as the pages show it: Summary is one line for lists.
type caseClockView struct {
	State, StateLabel                          string
	Started                                    bool
	LimitDays, UsedDays, PausedDays, Remaining int
	DueDate, PausedSince, PauseReason, Summary string
	DueSoon, Overdue                           bool
}

func (b casesBase) clockView(c cases.Clock) caseClockView {
	v := caseClockView{State: string(c.State), StateLabel: b.T(msgKey("cases.clock.", string(c.State))),
		Started: c.StartedAt != nil, LimitDays: c.LimitDays, UsedDays: c.UsedDays, PausedDays: c.PausedDays,
		Remaining: c.RemainingDays, DueSoon: c.DueSoon, Overdue: c.Overdue}
	if c.DueDate != nil {
		v.DueDate = c.DueDate.In(chinaTime).Format("2006-01-02")
	}
	if c.PausedSince != nil {
		v.PausedSince = civil(*c.PausedSince)
	}
	switch c.PauseReason {
	case cases.PauseSupplement:
		v.PauseReason = b.T("cases.page.pause_supplement")
	case cases.PauseProcedure:
		v.PauseReason = b.T("cases.page.pause_procedure")
	}
	switch {
	case !v.Started && c.State != cases.ClockStopped:
		v.Summary = b.T("cases.page.clock_not_started", c.LimitDays)
	case c.State == cases.ClockStopped:
		v.Summary = b.T("cases.page.clock_stopped", c.UsedDays, c.LimitDays)
	case c.Overdue:
		v.Summary = b.T("cases.page.clock_overdue", -c.RemainingDays, v.DueDate)
	case c.State == cases.ClockPaused:
		v.Summary = b.T("cases.page.clock_paused", c.RemainingDays, v.PauseReason)
	default:
		v.Summary = b.T("cases.page.clock_running", c.RemainingDays, v.DueDate)
	}
	return v
}

// ---- summaries in lists ----------------------------------------------------------------------

// caseRow is a case in a list.
type caseRow struct {
	ID, Href, Number, Name, OrgName, ReceivingName, Applicant  string
	Status, StatusLabel, NextStep, Submitted, Updated, Channel string
	Draft, Bundle                                              bool
	Clock                                                      caseClockView
}

func (b casesBase) caseRow(name func(string) string, c cases.Summary, href string) caseRow {
	row := caseRow{ID: c.ID, Href: href, Number: c.Number, Name: b.name(c.NameHans, c.NameHant, c.NameEn),
		Applicant: c.Applicant.Name, Status: string(c.Status), StatusLabel: b.statusLabel(c.Status, c.Outcome),
		NextStep: b.stepLabel(c.NextStep, c.NextParty), Updated: civil(c.UpdatedAt),
		Channel: b.T(msgKey("cases.channel.", string(c.Channel))), Draft: c.Status == cases.StatusDraft,
		Bundle: c.ItemCode == "" && c.BundleCode != "", Clock: b.clockView(c.Clock)}
	if c.HandlingOrg != "" {
		row.OrgName = name(c.HandlingOrg)
	}
	if c.ReceivingOrg != "" {
		row.ReceivingName = name(c.ReceivingOrg)
	}
	if c.SubmittedAt != nil {
		row.Submitted = civil(*c.SubmittedAt)
	}
	if row.Number == "" {
		row.Number = b.T("cases.page.no_number")
	}
	return row
}

// ---- materials -------------------------------------------------------------------------------

// caseMaterialView is a material of an application or a case.
type caseMaterialView struct {
	Code, Field, ID, Name, Source, SourceLabel, Formats, Accept, MaxSize string
	Required, Uploadable, Requested                                      bool
	Status, StatusLabel, FileName, Size, Added, Href, Error              string
	// FromLicence: a licence type satisfies it (fetched with the applicant's consent, else
	// uploaded); LicenceName is the type's name.
	FromLicence              bool
	LicenceType, LicenceName string
	// Licence is the licence it was filled from (免提交), or found unusable.
	Licence *caseLicenceView
}

// caseLicenceView is the licence a material was filled from, as verified then.
type caseLicenceView struct {
	ID, Name, Number, Issuer, State, StateLabel, VerifiedAt, ValidUntil, VerifyHref string
	Valid                                                                           bool
}

// caseMaterialID is the HTML id of material code's file input.
func caseMaterialID(code string) string { return "m-" + caseHTMLID(code) }

// caseHTMLID keeps the characters of s that are safe in an id and a URL fragment.
func caseHTMLID(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return '_'
	}, s)
}

var caseFormatAccept = map[string]string{cases.FormatPDF: ".pdf,application/pdf", cases.FormatJPEG: ".jpg,.jpeg,image/jpeg",
	cases.FormatPNG: ".png,image/png", cases.FormatOFD: ".ofd"}

func (b casesBase) materialView(code, hans, hant, en, source string, required bool, formats []string, maxBytes int64) caseMaterialView {
	if len(formats) == 0 {
		formats = []string{cases.FormatPDF, cases.FormatJPEG, cases.FormatPNG, cases.FormatOFD}
	}
	if maxBytes <= 0 || maxBytes > blob.MaxSize {
		maxBytes = blob.MaxSize
	}
	v := caseMaterialView{Code: code, Field: cases.MaterialField(code), ID: caseMaterialID(code), Name: b.name(hans, hant, en),
		Source: source, SourceLabel: b.T(msgKey("cases.page.source.", source)), Required: required,
		MaxSize: caseByteSize(maxBytes), Uploadable: source != cases.SourceSharedData, FromLicence: source == cases.SourceLicence}
	var names, accept []string
	for _, f := range formats {
		names = append(names, strings.ToUpper(f))
		accept = append(accept, caseFormatAccept[f])
	}
	v.Formats, v.Accept = strings.Join(names, ", "), strings.Join(accept, ",")
	if v.Source == "" {
		v.Source, v.SourceLabel = cases.SourceApplicant, b.T(msgKey("cases.page.source.", cases.SourceApplicant))
	}
	return v
}

// specMaterials are the materials an application for an item or bundle asks for, none provided.
func (b casesBase) specMaterials(specs []cases.MaterialSpec) []caseMaterialView {
	out := make([]caseMaterialView, 0, len(specs))
	for _, m := range specs {
		v := b.materialView(m.Code, m.NameHans, m.NameHant, m.NameEn, m.Source, m.Required, m.Formats, m.MaxBytes)
		v.LicenceType = m.LicenceType
		v.Status = string(cases.MaterialMissing)
		if !v.Uploadable || v.FromLicence {
			v.Status = string(cases.MaterialToFetch)
		}
		v.StatusLabel = b.T(msgKey("cases.material_status.", v.Status))
		out = append(out, v)
	}
	return out
}

// caseMaterials are a case's materials with what it holds; Href downloads a provided file.
func (b casesBase) caseMaterials(c cases.Case) []caseMaterialView {
	out := make([]caseMaterialView, 0, len(c.Materials))
	for _, m := range c.Materials {
		v := b.materialView(m.Code, m.NameHans, m.NameHant, m.NameEn, m.Source, m.Required, m.Formats, m.MaxBytes)
		v.Status, v.StatusLabel = string(m.Status), b.T(msgKey("cases.material_status.", string(m.Status)))
		v.Requested = m.Status == cases.MaterialRequested
		v.LicenceType = m.LicenceType
		if l := m.Licence; l != nil && (m.Status == cases.MaterialFromLicence || m.Status == cases.MaterialUnavailable) {
			v.Licence = &caseLicenceView{ID: l.ID, Name: l.TypeName, Number: l.Number, Issuer: l.IssuerName, State: l.State,
				StateLabel: b.T(msgKey("cases.licence_state.", l.State)), VerifiedAt: civil(l.VerifiedAt),
				ValidUntil: l.ValidUntil, Valid: l.State == cases.LicenceValid}
			if l.ID != "" {
				v.Licence.VerifyHref = license.VerifyPath + "?id=" + url.QueryEscape(l.ID)
			}
		}
		if m.FileName != "" && m.SHA256 != "" {
			v.FileName, v.Size = m.FileName, caseByteSize(m.Size)
			v.Href = "/cases/" + url.PathEscape(c.ID) + "/materials/" + url.PathEscape(m.Code)
		}
		if m.AddedAt != nil {
			v.Added = civil(*m.AddedAt)
		}
		out = append(out, v)
	}
	return out
}

// caseByteSize writes a size for people: "5 MB", "820 KB".
func caseByteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MB"
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatInt((n+(1<<10)-1)>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " B"
}

// ---- fees --------------------------------------------------------------------------------------

type caseFeeView struct {
	Name, Amount, LegalBasis string
}

// caseYuan writes an amount in fen as yuan: "¥120.00".
func caseYuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return sign + "¥" + strconv.FormatInt(fen/100, 10) + "." + strconv.FormatInt(fen%100/10, 10) + strconv.FormatInt(fen%10, 10)
}

func caseFeeList(lines []cases.FeeLine) ([]caseFeeView, string) {
	var out []caseFeeView
	var total int64
	for _, f := range lines {
		out = append(out, caseFeeView{Name: f.Name, Amount: caseYuan(f.AmountFen), LegalBasis: f.LegalBasis})
		total += f.AmountFen
	}
	if total == 0 {
		return nil, ""
	}
	return out, caseYuan(total)
}

// ---- the timeline ------------------------------------------------------------------------------

// caseEventView is an entry of a case's timeline.
type caseEventView struct {
	ID                                  int64
	At, Kind, Label, Who, Note, Details string
	Internal, Message, Clock            bool
}

func (b casesBase) timeline(name func(string) string, evs []cases.Event, materialName func(string) string) []caseEventView {
	out := make([]caseEventView, 0, len(evs))
	for _, e := range evs {
		v := caseEventView{ID: e.ID, At: civil(e.At), Kind: e.Kind, Label: b.T(msgKey("cases.event.", e.Kind)), Note: e.Note,
			Internal: e.Internal, Message: e.Kind == cases.EventMessage, Clock: strings.HasPrefix(e.Kind, "clock.")}
		switch e.Party {
		case cases.PartyApplicant:
			v.Who = b.T("cases.page.party_applicant")
		case cases.PartyOfficial:
			v.Who = loginOf(e.Actor)
			if e.Org != "" {
				v.Who = b.T("cases.page.party_official", name(e.Org), loginOf(e.Actor))
			}
		case cases.PartySystem:
			v.Who = b.T("cases.page.party_system")
		case cases.PartyRemote:
			v.Who = b.T("cases.page.party_remote")
		}
		v.Details = b.eventDetails(e, materialName)
		out = append(out, v)
	}
	return out
}

// nodeName names another province's node by its province, e.g. 浙江省; its code if unknown.
func (b casesBase) nodeName(code string) string {
	if name, ok := idcode.RegionName(code, string(b.Lang)); ok && name != "" {
		return name
	}
	return code
}

// eventDetails says what an event's detail holds that matters to people.
func (b casesBase) eventDetails(e cases.Event, materialName func(string) string) string {
	str := func(k string) string { s, _ := e.Detail[k].(string); return s }
	switch e.Kind {
	case cases.EventTransferred:
		if to := str("to"); to != "" {
			return b.nodeName(to)
		}
	case cases.EventRemoteStatus:
		if st := str("status"); st != "" {
			return b.T("cases.page.remote_event", b.nodeName(str("node")), str("remote_number"),
				b.statusLabel(cases.Status(st), cases.Outcome(str("outcome"))))
		}
	case cases.EventReceived:
		if node := str("node"); node != "" {
			return b.T("cases.page.origin", b.nodeName(node), str("origin_number"))
		}
	case cases.EventMaterialAdded, cases.EventMaterialRemoved:
		if m := str("material"); m != "" {
			return materialName(m)
		}
	case cases.EventMaterialsRequested:
		list, _ := e.Detail["materials"].([]any)
		var names []string
		for _, x := range list {
			if code, ok := x.(string); ok {
				names = append(names, materialName(code))
			}
		}
		return strings.Join(names, b.T("cases.page.list_sep"))
	case cases.EventDecided:
		if o := str("outcome"); o != "" {
			return b.T(msgKey("cases.outcome.", o))
		}
	case cases.EventProcedureStarted:
		if k := str("procedure"); k != "" {
			return b.T(msgKey("cases.procedure.", k))
		}
	case cases.EventDelivered:
		if m := str("method"); m != "" {
			return b.T(msgKey("cases.delivery.", m))
		}
	case cases.EventCompleted:
		if o := str("outcome"); o != "" {
			return b.T(msgKey("cases.outcome.", o))
		}
	case cases.EventFeeOrderOpened:
		if n, ok := e.Detail["amount_fen"].(float64); ok {
			return caseYuan(int64(n))
		}
	}
	return ""
}

// materialNamer names a case's materials in the page's language.
func (b casesBase) materialNamer(c cases.Case) func(string) string {
	names := map[string]string{}
	for _, m := range c.Materials {
		names[m.Code] = b.name(m.NameHans, m.NameHant, m.NameEn)
	}
	return func(code string) string {
		if n, ok := names[code]; ok {
			return n
		}
		return code
	}
}

// ---- the decision ------------------------------------------------------------------------------

type caseDecisionView struct {
	Outcome, OutcomeLabel, Reasons, DecidedAt, SealName, Digest string
	LedgerIndex                                                 *int64
	DocumentHref, SignatureHref                                 string
}

func (b casesBase) decisionView(c cases.Case) *caseDecisionView {
	d := c.Decision
	if d == nil {
		return nil
	}
	v := &caseDecisionView{Outcome: string(d.Outcome), OutcomeLabel: b.T(msgKey("cases.outcome.", string(d.Outcome))),
		Reasons: d.Reasons, DecidedAt: civil(d.DecidedAt), SealName: d.SealName, Digest: d.DocumentSHA256, LedgerIndex: d.LedgerIndex}
	if d.DocumentSHA256 != "" && d.SignatureSHA256 != "" {
		base := "/cases/" + url.PathEscape(c.ID) + "/decision/"
		v.DocumentHref, v.SignatureHref = base+"document", base+"signature"
	}
	return v
}

// ---- form values as text -----------------------------------------------------------------------

// caseValueView is one answer of an application's form, for reading.
type caseValueView struct {
	Label, Value string
}

// formValues lists a case's answers in the form's order, each labelled in the page's language.
func (s *Site) formValues(b casesBase, c cases.Case) []caseValueView {
	raw := caseFormSchema(c)
	sch, err := s.cfg.Cases.Form(raw)
	if err != nil {
		return nil
	}
	var out []caseValueView
	for _, f := range sch.Fields() {
		v, ok := c.Form[f.Name]
		if !ok {
			continue
		}
		vals := caseValueStrings(v)
		for i, x := range vals {
			for _, o := range f.Enum {
				if o.Value == x {
					vals[i] = o.Label.In(b.Lang)
				}
			}
		}
		text := strings.Join(vals, b.T("cases.page.list_sep"))
		if f.Type == "boolean" {
			text = b.T("cases.page.no")
			if v == true {
				text = b.T("cases.page.yes")
			}
		}
		out = append(out, caseValueView{Label: f.Title.In(b.Lang), Value: text})
	}
	return out
}

// caseFormSchema is the form of a case: its item's, or its bundle's.
func caseFormSchema(c cases.Case) []byte {
	switch {
	case c.Item != nil:
		return c.Item.FormSchema
	case c.Bundle != nil:
		return c.Bundle.FormSchema
	}
	return nil
}

// caseValueStrings writes a stored form value as the strings a form field holds.
func caseValueStrings(v any) []string {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return []string{x}
	case bool:
		if x {
			return []string{"on"}
		}
		return nil
	case float64:
		return []string{strconv.FormatFloat(x, 'f', -1, 64)}
	case int64:
		return []string{strconv.FormatInt(x, 10)}
	case int:
		return []string{strconv.Itoa(x)}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, caseValueStrings(e)...)
		}
		return out
	case []string:
		return slices.Clone(x)
	}
	return nil
}

// ---- who may use the pages ---------------------------------------------------------------------

// requireApplicantKind refuses the public (to the login) and anyone who is not a resident or an
// agent acting for an enterprise: only they apply and follow their own cases.
func requireApplicantKind(p principal.Principal) error {
	if err := requireSignedIn(p); err != nil {
		return err
	}
	if p.Kind != principal.Resident && !(p.Kind == principal.Agent && p.ActingFor != "") {
		return errs.E(errs.Forbidden, "cases.error.applicants_only")
	}
	return nil
}

// casePath is the applicant's page of case id.
func casePath(id string) string { return "/my/cases/" + url.PathEscape(id) }

// workCasePath is the officials' page of case id.
func workCasePath(id string) string { return "/work/cases/" + url.PathEscape(id) }

// caseErrorFields turns what a case service call refused into messages by field: the
// form's fields and materials (cases.MaterialField) of *formschema.Errors, or the one field of
// an *errs.Error ("" when it names none).
func caseErrorFields(lang i18n.Lang, err error) map[string]string {
	out := map[string]string{}
	if fe := cases.FieldErrors(err); fe != nil {
		for _, f := range fe.Fields {
			if _, dup := out[f.Field]; !dup {
				out[f.Field] = i18n.T(lang, f.Key, f.Args...)
			}
		}
		return out
	}
	pe := errs.Public(err)
	out[pe.Field] = httpserver.Translate(lang, pe)
	return out
}
