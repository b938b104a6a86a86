package cases_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// The public lookup shows status only, to whoever holds the number and the query code.
func TestLookup(t *testing.T) {
	eachEnv(t, envOptions{}, func(t *testing.T, e *env) {
		sub := must[cases.Submission](t)(e.svc.Apply(as(e.zhang), e.zhang, cases.Application{LicenceConsent: true, ItemCode: itemBirth, Form: birthValues()}))
		anon := context.Background()
		ps, err := e.svc.Lookup(anon, sub.Case.Number, sub.QueryCode)
		if err != nil {
			t.Fatal(err)
		}
		want := cases.PublicStatus{Number: sub.Case.Number, NameHans: "生育登记", NameHant: "生育登記", NameEn: "Birth registration",
			HandlingOrg: health, Status: cases.StatusSubmitted, SubmittedAt: sub.Case.SubmittedAt}
		if diff := cmp.Diff(want, ps); diff != "" {
			t.Errorf("lookup mismatch (-want +got):\n%s", diff)
		}
		// Typed loosely: spaces, lower case, the number with spaces around it.
		loose := strings.ToLower(sub.QueryCode[:4]) + " " + sub.QueryCode[4:]
		if _, err := e.svc.Lookup(anon, " "+sub.Case.Number+" ", loose); err != nil {
			t.Errorf("loosely typed code: %v", err)
		}
		wrong := []struct{ number, code string }{
			{sub.Case.Number, "ABCDEFGH"}, {sub.Case.Number, ""}, {"350000-20260302-999999", sub.QueryCode}, {"", ""},
			{strings.Repeat("9", 1000), sub.QueryCode},
		}
		for _, w := range wrong {
			if _, err := e.svc.Lookup(anon, w.number, w.code); !errs.Is(err, errs.NotFound) || errs.Public(err).Message != "cases.error.lookup" {
				t.Errorf("Lookup(%q, %q) = %v, want the one not found", w.number, w.code, err)
			}
		}
		code := must[string](t)(e.svc.ResetQueryCode(as(e.zhang), e.zhang, sub.Case.ID))
		if _, err := e.svc.Lookup(anon, sub.Case.Number, sub.QueryCode); !errs.Is(err, errs.NotFound) {
			t.Errorf("the old code still works: %v", err)
		}
		if _, err := e.svc.Lookup(anon, sub.Case.Number, code); err != nil {
			t.Errorf("the new code: %v", err)
		}
		if _, err := e.svc.ResetQueryCode(as(e.li), e.li, sub.Case.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("another resident resets the code: %v", err)
		}
		// No personal data is stored with the code: only its hash.
		var stored string
		if err := e.db.Get(anon, &stored, `SELECT query_hash FROM cases WHERE id = ?`, sub.Case.ID); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored, code) || !strings.HasPrefix(stored, "h2:") {
			t.Errorf("stored query code %q", stored)
		}
	})
}

// Messages between the applicant and the officials, lists and the ratings' subject.
func TestFollowing(t *testing.T) {
	eachEnv(t, envOptions{}, func(t *testing.T, e *env) {
		agent := as(e.agentRongcheng)
		sub := must[cases.Submission](t)(e.svc.Apply(agent, e.agentRongcheng, cases.Application{LicenceConsent: true, ItemCode: itemFood, Form: foodValues(e),
			Materials: []cases.Upload{{Code: "application_form", Data: pdfFile}, {Code: "premises_plan", Data: pngFile}}}))
		id := sub.Case.ID
		must[cases.Event](t)(e.svc.PostMessage(agent, e.agentRongcheng, id, "请问现场核查大概安排在哪天？"))
		ev := must[cases.Event](t)(e.svc.PostMessage(as(e.scjWindow), e.scjWindow, id, "受理后三个工作日内安排，届时电话联系。"))
		if ev.Kind != cases.EventMessage || ev.Party != cases.PartyOfficial || ev.Org != scj {
			t.Errorf("official's message %+v", ev)
		}
		if _, err := e.svc.PostMessage(agent, e.agentRongcheng, id, "   "); errs.Public(err).Field != "body" {
			t.Errorf("empty message: %v", err)
		}
		if _, err := e.svc.PostMessage(agent, e.agentRongcheng, id, strings.Repeat("长", 2001)); errs.Public(err).Field != "body" {
			t.Errorf("long message: %v", err)
		}
		if got := e.inbox(t, e.agentRongcheng.AccountID); len(got) != 1 || got[0] != "cases.notice.message" {
			t.Errorf("agent's inbox %v", got)
		}
		if got := e.inbox(t, e.scjReviewer.AccountID); len(got) != 1 || got[0] != "cases.notice.message" {
			t.Errorf("reviewer's inbox %v", got)
		}
		// The enterprise's other agent (its owner acting for it) sees the case; the person does not.
		if l := must[[]cases.Summary](t)(e.svc.Mine(as(e.ownerRongcheng), e.ownerRongcheng, cases.ListFilter{})); len(l) != 1 || l[0].ID != id {
			t.Errorf("owner's list %v", l)
		}
		if l := must[[]cases.Summary](t)(e.svc.Mine(as(e.zhang), e.zhang, cases.ListFilter{})); len(l) != 0 {
			t.Errorf("zhang as a person sees %v", l)
		}
		if l := must[[]cases.Summary](t)(e.svc.Mine(agent, e.agentRongcheng, cases.ListFilter{Status: []cases.Status{cases.StatusCompleted}})); len(l) != 0 {
			t.Errorf("completed filter %v", l)
		}
		if _, err := e.svc.Mine(agent, e.agentRongcheng, cases.ListFilter{Status: []cases.Status{"lost"}}); errs.Public(err).Field != "status" {
			t.Errorf("bad status filter: %v", err)
		}
		l := must[[]cases.Summary](t)(e.svc.Worklist(as(e.scjWindow), e.scjWindow, cases.WorkFilter{Status: []cases.Status{cases.StatusSubmitted}}))
		if len(l) != 1 || l[0].NextStep != cases.StepAccept || l[0].Applicant.Name != "福州榕城****" {
			t.Errorf("worklist %+v", l)
		}
		s := must[cases.Subject](t)(e.svc.Subject(context.Background(), id))
		want := cases.Subject{CaseID: id, CaseNumber: sub.Case.Number, Owner: e.agentRongcheng.AccountID, OwnerActingFor: e.creditRongcheng,
			Org: scj, ItemCode: itemFood, ItemNameHans: "食品经营许可（新办）"}
		if diff := cmp.Diff(want, s); diff != "" {
			t.Errorf("subject mismatch (-want +got):\n%s", diff)
		}
		if _, err := e.svc.Subject(context.Background(), "cs_nothing"); !errs.Is(err, errs.NotFound) {
			t.Errorf("Subject(unknown) = %v", err)
		}
		// Refusal at acceptance ends the case with its reasons.
		c := must[cases.Case](t)(e.svc.Reject(as(e.scjWindow), e.scjWindow, id, "经营场所位于居民住宅楼内，不符合条件。"))
		if c.Status != cases.StatusNotAccepted || c.NextStep != cases.StepNone || c.CompletedAt == nil {
			t.Errorf("after refusal %+v", c)
		}
		if _, err := e.svc.Withdraw(agent, e.agentRongcheng, id, ""); !errs.Is(err, errs.Conflict) {
			t.Errorf("withdrawing a refused case: %v", err)
		}
		if got := e.topics(t, id); !cmp.Equal(got, []string{cases.TopicSubmitted, cases.TopicCompleted}) {
			t.Errorf("topics %v", got)
		}
	})
}

// An approved item with fees waits for payment: the fee order is opened in the decision's
// transaction through payments, and the payment moves the case on.
func TestFeesAndPayment(t *testing.T) {
	eachEnv(t, envOptions{trust: true}, func(t *testing.T, e *env) {
		sub := must[cases.Submission](t)(e.svc.Apply(as(e.zhang), e.zhang, cases.Application{LicenceConsent: true, ItemCode: itemRealEstate,
			Form: realEstateValues(), Materials: []cases.Upload{{Code: "sale_contract", FileName: "买卖合同.pdf", Data: pdfFile}}}))
		id := sub.Case.ID
		e.advance(t, id, 3, e.zrzyWindow, e.zrzyReviewer, e.zrzyApprover, "")
		c := must[cases.Case](t)(e.svc.Decide(as(e.zrzyApprover), e.zrzyApprover, id, cases.OutcomeApproved, "权属清楚，准予登记。"))
		if c.Status != cases.StatusAwaitingPayment || c.FeeOrderID == "" || c.NextStep != cases.StepPay || c.NextParty != cases.PartyApplicant {
			t.Fatalf("after approval %+v", c)
		}
		order, err := e.pay.Get(as(e.zhang), e.zhang, c.FeeOrderID)
		if err != nil {
			t.Fatal(err)
		}
		if order.ReferenceID != id || order.ReferenceNumber != c.Number || order.TotalFen != 8000 || order.Org != zrzy {
			t.Errorf("fee order %+v", order)
		}
		if _, err := e.svc.Deliver(as(e.zrzyWindow), e.zrzyWindow, id, cases.DeliveryPickup); !errs.Is(err, errs.Conflict) {
			t.Errorf("delivery before payment: %v", err)
		}
		if err := e.svc.MarkPaid(context.Background(), id, "another-order"); !errs.Is(err, errs.Conflict) {
			t.Errorf("MarkPaid(another order) = %v", err)
		}
		for range 2 { // the payment event may arrive twice
			if err := e.svc.MarkPaid(context.Background(), id, c.FeeOrderID); err != nil {
				t.Fatal(err)
			}
		}
		c = must[cases.Case](t)(e.svc.Get(as(e.zhang), e.zhang, id))
		if c.Status != cases.StatusApproved || c.PaidAt == nil {
			t.Fatalf("after payment %+v", c)
		}
		c = must[cases.Case](t)(e.svc.Deliver(as(e.zrzyWindow), e.zrzyWindow, id, cases.DeliveryPickup))
		if c.Status != cases.StatusCompleted || c.Delivery.Method != cases.DeliveryPickup {
			t.Errorf("after delivery %+v", c)
		}
		wantInbox := []string{"cases.notice.approved", "cases.notice.payment_due", "cases.notice.paid", "cases.notice.delivered"}
		got := e.inbox(t, e.zhang.AccountID)
		// payments may tell the payer too; cases' own messages come in this order.
		var mine []string
		for _, k := range got {
			if strings.HasPrefix(k, "cases.") {
				mine = append(mine, k)
			}
		}
		if diff := cmp.Diff(wantInbox[1:], mine[len(mine)-3:]); diff != "" || mine[0] != "cases.notice.accepted" {
			t.Errorf("applicant's inbox mismatch (-want +got):\n%s (%v)", diff, mine)
		}
		doc, _, _ := must3[[]byte, []byte, cases.Decision](t)(e.svc.DecisionFiles(as(e.zhang), e.zhang, id))
		d, err := cases.ParseDecisionDocument(doc)
		if err != nil || len(d.Fees) != 1 || d.Fees[0].AmountFen != 8000 {
			t.Errorf("decision document fees %+v (%v)", d.Fees, err)
		}
		if strings.Contains(string(doc), "张晓明") {
			t.Error("the decision document names the applicant")
		}
		s := must[cases.Subject](t)(e.svc.Subject(context.Background(), id))
		if !s.Completed || s.CompletedAt.IsZero() || s.Owner != e.zhang.AccountID {
			t.Errorf("subject %+v", s)
		}
	})
}

// Decisions need their trust services; without them nothing is decided.
func TestDecisionsNeedTrust(t *testing.T) {
	eachEnv(t, envOptions{}, func(t *testing.T, e *env) {
		sub := must[cases.Submission](t)(e.svc.Apply(as(e.zhang), e.zhang, cases.Application{LicenceConsent: true, ItemCode: itemBirth, Form: birthValues()}))
		e.advance(t, sub.Case.ID, 3, e.healthWindow, e.healthReviewer, e.healthApprover, "")
		if _, err := e.svc.Decide(as(e.healthApprover), e.healthApprover, sub.Case.ID, cases.OutcomeApproved, "符合条件"); !errs.Is(err, errs.Unavailable) {
			t.Errorf("Decide without a signer = %v", err)
		}
		if _, err := e.svc.Decide(as(e.healthApprover), e.healthApprover, sub.Case.ID, "maybe", "?"); errs.Public(err).Field != "outcome" {
			t.Errorf("Decide(maybe) = %v", err)
		}
		if _, err := e.svc.Decide(as(e.healthApprover), e.healthApprover, sub.Case.ID, cases.OutcomeDenied, ""); errs.Public(err).Field != "reasons" {
			t.Errorf("Decide without reasons = %v", err)
		}
		c := must[cases.Case](t)(e.svc.Get(as(e.zhang), e.zhang, sub.Case.ID))
		if c.Status != cases.StatusReviewed || c.Decision != nil {
			t.Errorf("case after refused decisions %+v", c)
		}
		_ = principal.SystemPrincipal
	})
}

// A draft withdrawn before it was ever submitted stays the applicant's: it never reaches the
// handling organisation's worklist.
func TestWithdrawnDraftNotInWorklist(t *testing.T) {
	eachEnv(t, envOptions{}, func(t *testing.T, e *env) {
		agent := as(e.agentRongcheng)
		d := must[cases.Case](t)(e.svc.Start(agent, e.agentRongcheng, cases.Application{LicenceConsent: true, ItemCode: itemFood}))
		if c := must[cases.Case](t)(e.svc.Withdraw(agent, e.agentRongcheng, d.ID, "")); c.Status != cases.StatusWithdrawn {
			t.Fatalf("draft %s after withdrawal", c.Status)
		}
		for _, f := range []cases.WorkFilter{{}, {Status: []cases.Status{cases.StatusWithdrawn}}} {
			for _, s := range must[[]cases.Summary](t)(e.svc.Worklist(as(e.scjWindow), e.scjWindow, f)) {
				if s.ID == d.ID {
					t.Errorf("worklist %+v shows the withdrawn draft", f)
				}
			}
		}
	})
}
