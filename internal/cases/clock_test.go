package cases_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/clock"
)

func day(s string, hour int) time.Time {
	t, err := time.ParseInLocation("2006-01-02", s, clock.China)
	if err != nil {
		panic(err)
	}
	return t.Add(time.Duration(hour) * time.Hour)
}

func dueOf(c cases.Case) string {
	if c.Clock.DueDate == nil {
		return ""
	}
	return c.Clock.DueDate.In(clock.China).Format("2006-01-02")
}

// A real estate registration (5 working days promised) accepted on the eve of the National Day
// holiday (1–8 October 2026, with Saturday 10 October worked): the holiday does not count, a
// request for materials pauses the clock over the make-up Saturday, the sweep warns once and then
// flags the case overdue.
func TestClockAcrossNationalDay(t *testing.T) {
	eachEnv(t, envOptions{now: day("2026-09-30", 10)}, func(t *testing.T, e *env) {
		zhang := as(e.zhang)
		sub := must[cases.Submission](t)(e.svc.Apply(zhang, e.zhang, cases.Application{LicenceConsent: true, ItemCode: itemRealEstate,
			Form: realEstateValues(), Materials: []cases.Upload{{Code: "sale_contract", FileName: "买卖合同.pdf", Data: pdfFile}}}))
		id := sub.Case.ID
		c := must[cases.Case](t)(e.svc.Accept(as(e.zrzyWindow), e.zrzyWindow, id, "材料齐全，予以受理。"))
		// After Wednesday 30 September: 8, 9, 10 (make-up Saturday), 12, 13 October.
		if got := dueOf(c); got != "2026-10-13" {
			t.Fatalf("due date %s, want 2026-10-13", got)
		}
		if c.Clock.UsedDays != 0 || c.Clock.RemainingDays != 5 || c.Clock.DueSoon || c.Clock.Overdue {
			t.Errorf("clock at acceptance %+v", c.Clock)
		}

		e.clock.Set(day("2026-10-09", 10)) // Friday after the holiday
		c = must[cases.Case](t)(e.svc.Get(zhang, e.zhang, id))
		if c.Clock.UsedDays != 2 || c.Clock.RemainingDays != 3 || c.Clock.DueSoon {
			t.Errorf("clock on 9 October %+v", c.Clock)
		}
		if res := must[cases.SweepResult](t)(e.svc.Sweep(as(e.zhang))); res != (cases.SweepResult{}) {
			t.Errorf("sweep on 9 October flagged %+v", res)
		}
		c = must[cases.Case](t)(e.svc.RequestMaterials(as(e.zrzyReviewer), e.zrzyReviewer, id, []string{"sale_contract"},
			"合同第三页缺少买方签字，请补正。"))
		if c.Clock.State != cases.ClockPaused || c.Clock.PauseReason != cases.PauseSupplement || c.Status != cases.StatusSupplementRequested {
			t.Fatalf("after the request %s %+v", c.Status, c.Clock)
		}

		e.clock.Set(day("2026-10-12", 9)) // Monday: the make-up Saturday and Monday were paused
		c = must[cases.Case](t)(e.svc.Get(zhang, e.zhang, id))
		if c.Clock.PausedDays != 2 || c.Clock.UsedDays != 2 || dueOf(c) != "2026-10-15" {
			t.Errorf("clock during the pause %+v due %s", c.Clock, dueOf(c))
		}
		must[cases.Material](t)(e.svc.AttachMaterial(zhang, e.zhang, id, "sale_contract", "买卖合同（补正）.pdf", append([]byte(nil), append(pdfFile, '\n')...)))
		c = must[cases.Case](t)(e.svc.Resubmit(zhang, e.zhang, id))
		if c.Status != cases.StatusAccepted || c.Clock.State != cases.ClockRunning || c.Clock.PausedDays != 2 {
			t.Fatalf("after resubmission %s %+v", c.Status, c.Clock)
		}
		// 8, 9, 10, 12, 13 plus two paused working days: 14 and 15 October.
		if got := dueOf(c); got != "2026-10-15" {
			t.Errorf("due date after the pause %s, want 2026-10-15", got)
		}

		e.clock.Set(day("2026-10-13", 9)) // two working days before the due date
		c = must[cases.Case](t)(e.svc.Get(zhang, e.zhang, id))
		if !c.Clock.DueSoon || c.Clock.Overdue || c.Clock.RemainingDays != 2 {
			t.Errorf("clock on 13 October %+v", c.Clock)
		}
		if res := must[cases.SweepResult](t)(e.svc.Sweep(as(e.zhang))); res != (cases.SweepResult{DueSoon: 1}) {
			t.Errorf("sweep on 13 October %+v, want one due soon", res)
		}
		if res := must[cases.SweepResult](t)(e.svc.Sweep(as(e.zhang))); res != (cases.SweepResult{}) {
			t.Errorf("second sweep %+v, want nothing new", res)
		}
		list := must[[]cases.Summary](t)(e.svc.Worklist(as(e.zrzyWindow), e.zrzyWindow, cases.WorkFilter{DueSoon: true}))
		if len(list) != 1 || list[0].ID != id {
			t.Errorf("due-soon worklist %v", list)
		}

		e.clock.Set(day("2026-10-16", 9)) // the day after the due date
		c = must[cases.Case](t)(e.svc.Get(zhang, e.zhang, id))
		if !c.Clock.Overdue || c.Clock.DueSoon || c.Clock.RemainingDays != -1 {
			t.Errorf("clock on 16 October %+v", c.Clock)
		}
		if res := must[cases.SweepResult](t)(e.svc.Sweep(as(e.zhang))); res != (cases.SweepResult{Overdue: 1}) {
			t.Errorf("sweep on 16 October %+v, want one overdue", res)
		}
		list = must[[]cases.Summary](t)(e.svc.Worklist(as(e.zrzyReviewer), e.zrzyReviewer, cases.WorkFilter{Overdue: true}))
		if len(list) != 1 || list[0].ID != id {
			t.Errorf("overdue worklist %v", list)
		}
		c = must[cases.Case](t)(e.svc.Withdraw(zhang, e.zhang, id, "已协商解除买卖合同"))
		if c.Clock.State != cases.ClockStopped || c.Status != cases.StatusWithdrawn {
			t.Errorf("after withdrawal %s %+v", c.Status, c.Clock)
		}

		var clockEvents []string
		for _, ev := range must[[]cases.Event](t)(e.svc.Timeline(zhang, e.zhang, id)) {
			if len(ev.Kind) > 6 && ev.Kind[:6] == "clock." {
				clockEvents = append(clockEvents, ev.Kind+" "+ev.At.In(clock.China).Format("2006-01-02"))
			}
		}
		want := []string{"clock.started 2026-09-30", "clock.paused 2026-10-09", "clock.resumed 2026-10-12",
			"clock.warned 2026-10-13", "clock.overdue 2026-10-16", "clock.stopped 2026-10-16"}
		if diff := cmp.Diff(want, clockEvents); diff != "" {
			t.Errorf("clock events mismatch (-want +got):\n%s", diff)
		}
		wantInbox := []string{"cases.notice.accepted", "cases.notice.materials_requested", "cases.notice.due_soon_applicant",
			"cases.notice.overdue_applicant"}
		if diff := cmp.Diff(wantInbox, e.inbox(t, e.zhang.AccountID)); diff != "" {
			t.Errorf("applicant's inbox mismatch (-want +got):\n%s", diff)
		}
		wantOfficial := []string{"cases.notice.resubmitted", "cases.notice.due_soon", "cases.notice.overdue"}
		if diff := cmp.Diff(wantOfficial, e.inbox(t, e.zrzyReviewer.AccountID)); diff != "" {
			t.Errorf("reviewer's inbox mismatch (-want +got):\n%s", diff)
		}
	})
}

// A hearing stops the clock; its working days (over the holiday, only three) move the due date.
func TestClockSpecialProcedure(t *testing.T) {
	eachEnv(t, envOptions{now: day("2026-09-28", 9)}, func(t *testing.T, e *env) {
		sub := must[cases.Submission](t)(e.svc.Apply(as(e.agentRongcheng), e.agentRongcheng, cases.Application{LicenceConsent: true, ItemCode: itemFood,
			Form: foodValues(e), Materials: []cases.Upload{{Code: "application_form", FileName: "申请书.pdf", Data: pdfFile},
				{Code: "premises_plan", FileName: "平面图.png", Data: pngFile}}}))
		c := must[cases.Case](t)(e.svc.Accept(as(e.scjWindow), e.scjWindow, sub.Case.ID, ""))
		if got := dueOf(c); got != "2026-10-16" {
			t.Fatalf("due date %s, want 2026-10-16", got)
		}
		e.clock.Set(day("2026-09-29", 15))
		c = must[cases.Case](t)(e.svc.StartProcedure(as(e.scjReviewer), e.scjReviewer, c.ID, cases.ProcedureHearing, "申请人要求听证"))
		if c.Procedure == nil || c.Clock.State != cases.ClockPaused || c.NextStep != cases.StepProcedure {
			t.Fatalf("after starting the hearing %+v %+v %s", c.Procedure, c.Clock, c.NextStep)
		}
		if _, err := e.svc.Review(as(e.scjReviewer), e.scjReviewer, c.ID, "意见"); err == nil {
			t.Error("a review during the hearing was accepted")
		}
		e.clock.Set(day("2026-10-09", 16))
		c = must[cases.Case](t)(e.svc.EndProcedure(as(e.scjApprover), e.scjApprover, c.ID, "听证结束，维持原申请"))
		// Paused over 30 September, 8 and 9 October: three working days more.
		if got := dueOf(c); got != "2026-10-21" || c.Clock.PausedDays != 3 || c.Clock.UsedDays != 1 {
			t.Errorf("after the hearing due %s clock %+v, want 2026-10-21", got, c.Clock)
		}
		if c.Procedure != nil {
			t.Errorf("procedure still open: %+v", c.Procedure)
		}
	})
}
