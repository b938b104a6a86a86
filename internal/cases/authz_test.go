package cases_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// What an action came to, as the authorisation table sees it.
const (
	ok        = "ok"        // allowed (nil error)
	forbidden = "forbidden" // may see the case, may not do this
	notFound  = "not_found" // may not know the case exists
)

func outcomeOf(err error) string {
	switch {
	case err == nil:
		return ok
	case errs.Is(err, errs.Forbidden):
		return forbidden
	case errs.Is(err, errs.NotFound):
		return notFound
	}
	return "error: " + err.Error()
}

// The role × action table: each action on each kind of case, by every kind of principal. An
// enterprise's online case (A) is handled by the market regulator; a person's case (B) was
// collected at Fuzhou's window for the health commission (收受分離). Whoever is not listed
// gets not_found.
func TestAuthorisationTable(t *testing.T) {
	eachEnv(t, envOptions{trust: true}, func(t *testing.T, e *env) {
		principals := map[string]principal.Principal{
			"zhang (resident)": e.zhang, "li (other resident)": e.li, "rongcheng agent": e.agentRongcheng,
			"rongcheng owner acting": e.ownerRongcheng, "rongcheng taxation agent": e.agentTaxation, "other enterprise agent": e.agentOther,
			"scj window": e.scjWindow, "scj reviewer": e.scjReviewer, "scj approver": e.scjApprover, "scj admin": e.scjAdmin,
			"health window": e.healthWindow, "health reviewer": e.healthReviewer, "health approver": e.healthApprover,
			"zrzy window": e.zrzyWindow, "fuzhou window": e.fuzhouWindow, "xiamen window": e.xiamenWindow,
			"anonymous": {Kind: principal.Anonymous},
		}
		// Cases in the state an action needs.
		type state int
		const (
			submitted state = iota
			supplement
			accepted
			reviewed
			approved
		)
		makeA := func(st state) string {
			sub := must[cases.Submission](t)(e.svc.Apply(as(e.agentRongcheng), e.agentRongcheng, cases.Application{LicenceConsent: true, ItemCode: itemFood,
				Form: foodValues(e), Materials: []cases.Upload{{Code: "application_form", Data: pdfFile}, {Code: "premises_plan", Data: pngFile}}}))
			return e.advance(t, sub.Case.ID, int(st), e.scjWindow, e.scjReviewer, e.scjApprover, "premises_plan")
		}
		makeB := func(st state) string {
			sub := must[cases.Submission](t)(e.svc.Apply(as(e.fuzhouWindow), e.fuzhouWindow, cases.Application{LicenceConsent: true, ItemCode: itemBirth,
				Channel: cases.ChannelWindow, Applicant: e.zhang.AccountID, Form: birthValues()}))
			return e.advance(t, sub.Case.ID, int(st), e.healthWindow, e.healthReviewer, e.healthApprover, "household_register")
		}
		type action struct {
			name  string
			state state
			do    func(p principal.Principal, id string) error
		}
		err1 := func(_ any, err error) error { return err }
		actions := map[string]action{
			"get":      {"get", submitted, func(p principal.Principal, id string) error { return err1(e.svc.Get(as(p), p, id)) }},
			"timeline": {"timeline", submitted, func(p principal.Principal, id string) error { return err1(e.svc.Timeline(as(p), p, id)) }},
			"accept":   {"accept", submitted, func(p principal.Principal, id string) error { return err1(e.svc.Accept(as(p), p, id, "")) }},
			"reject": {"reject", submitted, func(p principal.Principal, id string) error {
				return err1(e.svc.Reject(as(p), p, id, "不属于本部门职权范围"))
			}},
			"request": {"request", submitted, func(p principal.Principal, id string) error {
				return err1(e.svc.RequestMaterials(as(p), p, id, []string{"manager_certificate", "referral", "marriage_certificate"}[:1], "请补充"))
			}},
			"review": {"review", accepted, func(p principal.Principal, id string) error { return err1(e.svc.Review(as(p), p, id, "同意")) }},
			"procedure": {"procedure", accepted, func(p principal.Principal, id string) error {
				return err1(e.svc.StartProcedure(as(p), p, id, cases.ProcedureInspection, ""))
			}},
			"decide": {"decide", reviewed, func(p principal.Principal, id string) error {
				return err1(e.svc.Decide(as(p), p, id, cases.OutcomeDenied, "不符合条件"))
			}},
			"deliver": {"deliver", approved, func(p principal.Principal, id string) error {
				return err1(e.svc.Deliver(as(p), p, id, cases.DeliveryElectronic))
			}},
			"pickup": {"pickup", approved, func(p principal.Principal, id string) error {
				return err1(e.svc.Deliver(as(p), p, id, cases.DeliveryPickup))
			}},
			"attach":   {"attach", supplement, nil},
			"withdraw": {"withdraw", accepted, func(p principal.Principal, id string) error { return err1(e.svc.Withdraw(as(p), p, id, "")) }},
			"message": {"message", submitted, func(p principal.Principal, id string) error {
				return err1(e.svc.PostMessage(as(p), p, id, "请问进度如何？"))
			}},
			"reset": {"reset", submitted, func(p principal.Principal, id string) error { return err1(e.svc.ResetQueryCode(as(p), p, id)) }},
			"file":  {"file", supplement, nil},
		}
		// The taxation agent sees the enterprise's food licence case but may not act on it.
		visibleA := []string{"rongcheng agent", "rongcheng owner acting", "rongcheng taxation agent", "scj window", "scj reviewer",
			"scj approver", "scj admin"}
		visibleB := []string{"zhang (resident)", "health window", "health reviewer", "health approver", "fuzhou window"}
		tests := []struct {
			caseKind string
			action   string
			allowed  []string // ok; the rest of the visible ones are forbidden, everyone else not_found
		}{
			{"A", "get", visibleA}, {"A", "timeline", visibleA},
			{"A", "message", []string{"rongcheng agent", "rongcheng owner acting", "scj window", "scj reviewer", "scj approver", "scj admin"}},
			{"A", "accept", []string{"scj window"}}, {"A", "reject", []string{"scj window"}}, {"A", "request", []string{"scj window"}},
			{"A", "review", []string{"scj reviewer"}}, {"A", "procedure", []string{"scj reviewer", "scj approver"}},
			{"A", "decide", []string{"scj approver"}}, {"A", "deliver", []string{"scj window"}}, {"A", "pickup", []string{"scj window"}},
			{"A", "attach", []string{"rongcheng agent", "rongcheng owner acting"}},
			{"A", "withdraw", []string{"rongcheng agent", "rongcheng owner acting"}},
			{"A", "reset", []string{"rongcheng agent", "rongcheng owner acting"}},
			{"A", "file", visibleA},
			{"B", "get", visibleB}, {"B", "timeline", visibleB}, {"B", "message", visibleB},
			{"B", "accept", []string{"health window"}}, {"B", "reject", []string{"health window"}},
			{"B", "review", []string{"health reviewer"}}, {"B", "procedure", []string{"health reviewer", "health approver"}},
			{"B", "decide", []string{"health approver"}}, {"B", "deliver", []string{"health window"}},
			{"B", "pickup", []string{"health window", "fuzhou window"}},
			{"B", "attach", []string{"zhang (resident)", "fuzhou window"}}, {"B", "withdraw", []string{"zhang (resident)"}},
			{"B", "reset", []string{"zhang (resident)"}}, {"B", "file", visibleB},
		}
		names := make([]string, 0, len(principals))
		for n := range principals {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, tc := range tests {
			a := actions[tc.action]
			visible := visibleA
			if tc.caseKind == "B" {
				visible = visibleB
			}
			if tc.action == "request" && tc.caseKind == "B" {
				continue // covered by A; B's materials differ
			}
			// A case is made afresh only after an action changed it.
			id := ""
			for _, name := range names {
				p := principals[name]
				if id == "" && tc.caseKind == "A" {
					id = makeA(a.state)
				} else if id == "" {
					id = makeB(a.state)
				}
				var err error
				switch tc.action {
				case "attach":
					code := "premises_plan"
					if tc.caseKind == "B" {
						code = "household_register"
					}
					_, err = e.svc.AttachMaterial(as(p), p, id, code, "补正.pdf", pdfFile)
				case "file":
					code := "application_form"
					if tc.caseKind == "B" {
						code = "household_register"
						if _, err := e.svc.AttachMaterial(as(e.zhang), e.zhang, id, code, "户口簿.pdf", pdfFile); err != nil {
							t.Fatal(err)
						}
					}
					_, _, err = e.svc.MaterialFile(as(p), p, id, code)
				default:
					err = a.do(p, id)
				}
				want := notFound
				switch {
				case slices.Contains(tc.allowed, name):
					want = ok
				case slices.Contains(visible, name):
					want = forbidden
				}
				got := outcomeOf(err)
				if got != want {
					t.Errorf("case %s, %s by %s: %s, want %s", tc.caseKind, tc.action, name, got, want)
				}
				if got == ok && !slices.Contains([]string{"get", "timeline", "file", "message", "reset", "attach"}, tc.action) {
					id = ""
				}
			}
		}
	})
}

// advance takes a submitted case to state (0 submitted, 1 materials requested, 2 accepted,
// 3 reviewed, 4 approved).
func (e *env) advance(t *testing.T, id string, state int, window, reviewer, approver principal.Principal, request string) string {
	t.Helper()
	switch state {
	case 0:
	case 1:
		must[cases.Case](t)(e.svc.RequestMaterials(as(window), window, id, []string{request}, "请补正"))
	default:
		must[cases.Case](t)(e.svc.Accept(as(window), window, id, ""))
		if state >= 3 {
			must[cases.Case](t)(e.svc.Review(as(reviewer), reviewer, id, "同意"))
		}
		if state >= 4 {
			must[cases.Case](t)(e.svc.Decide(as(approver), approver, id, cases.OutcomeApproved, "符合条件"))
		}
	}
	return id
}

// An official of department A can never act on department B's items, and one resident never
// sees another's case, whatever the list or lookup.
func TestNoCrossingOver(t *testing.T) {
	eachEnv(t, envOptions{}, func(t *testing.T, e *env) {
		sub := must[cases.Submission](t)(e.svc.Apply(as(e.zhang), e.zhang, cases.Application{LicenceConsent: true, ItemCode: itemBirth, Form: birthValues()}))
		if l := must[[]cases.Summary](t)(e.svc.Mine(as(e.li), e.li, cases.ListFilter{})); len(l) != 0 {
			t.Errorf("li's list holds %v", l)
		}
		if l := must[[]cases.Summary](t)(e.svc.Worklist(as(e.scjWindow), e.scjWindow, cases.WorkFilter{})); len(l) != 0 {
			t.Errorf("the market regulator's worklist holds %v", l)
		}
		if l := must[[]cases.Summary](t)(e.svc.Worklist(as(e.healthWindow), e.healthWindow, cases.WorkFilter{})); len(l) != 1 {
			t.Errorf("the health commission's worklist holds %v", l)
		}
		if _, err := e.svc.Mine(as(e.scjWindow), e.scjWindow, cases.ListFilter{}); !errs.Is(err, errs.Forbidden) {
			t.Errorf("an official's Mine: %v", err)
		}
		if _, err := e.svc.Worklist(as(e.zhang), e.zhang, cases.WorkFilter{}); !errs.Is(err, errs.Forbidden) {
			t.Errorf("a resident's Worklist: %v", err)
		}
		// A resident guessing another's case id learns nothing.
		for _, f := range []func() error{
			func() error { _, err := e.svc.Get(as(e.li), e.li, sub.Case.ID); return err },
			func() error { _, err := e.svc.Withdraw(as(e.li), e.li, sub.Case.ID, ""); return err },
			func() error { _, err := e.svc.PostMessage(as(e.li), e.li, sub.Case.ID, "hi"); return err },
			func() error { _, err := e.svc.Get(as(e.li), e.li, "cs_00000000000000000000"); return err },
		} {
			if err := f(); !errs.Is(err, errs.NotFound) || !strings.Contains(err.Error(), "cases.error.not_found") {
				t.Errorf("got %v, want the same not found", err)
			}
		}
	})
}
