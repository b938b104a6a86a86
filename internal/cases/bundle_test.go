package cases_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// handle takes a case through acceptance, review, decision and delivery.
func (e *env) handle(t *testing.T, id string, window, reviewer, approver principal.Principal, outcome cases.Outcome) cases.Case {
	t.Helper()
	must[cases.Case](t)(e.svc.Accept(as(window), window, id, ""))
	must[cases.Case](t)(e.svc.Review(as(reviewer), reviewer, id, "经审查，材料真实有效。"))
	c := must[cases.Case](t)(e.svc.Decide(as(approver), approver, id, outcome, "依据有关规定作出决定。"))
	return must[cases.Case](t)(e.svc.Deliver(as(window), window, c.ID, cases.DeliveryElectronic))
}

func restaurantUploads() []cases.Upload {
	return []cases.Upload{{Code: "application_form", FileName: "食品经营许可申请书.pdf", Data: pdfFile},
		{Code: "premises_plan", FileName: "平面图.png", Data: pngFile},
		{Code: "fire_plan", FileName: "消防平面图.pdf", Data: append(append([]byte(nil), pdfFile...), "% fire\n"...)},
		{Code: "sign_design", FileName: "招牌.jpg", Data: jpegFile}}
}

// 我要开餐馆: one form and one set of materials fan out to three departments; the bundle is
// partially approved when one of them denies.
func TestBundleRestaurant(t *testing.T) {
	eachEnv(t, envOptions{trust: true}, func(t *testing.T, e *env) {
		agent := as(e.agentRongcheng)
		sub := must[cases.Submission](t)(e.svc.Apply(agent, e.agentRongcheng, cases.Application{LicenceConsent: true, BundleCode: bundleRestaurant,
			Form: restaurantValues(e), Materials: restaurantUploads()}))
		parent := must[cases.Case](t)(e.svc.Get(agent, e.agentRongcheng, sub.Case.ID))
		if !parent.IsBundle() || parent.Status != cases.StatusSubmitted || len(parent.Children) != 3 || parent.Number[:6] != "350000" {
			t.Fatalf("parent %+v", parent)
		}
		kids := map[string]cases.Case{}
		for _, s := range parent.Children {
			kids[s.ItemCode] = must[cases.Case](t)(e.svc.Get(agent, e.agentRongcheng, s.ID))
		}
		for code, org := range map[string]string{itemFood: scj, itemFire: yjt, itemSign: zjt} {
			k := kids[code]
			if k.HandlingOrg != org || k.ParentID != parent.ID || k.Status != cases.StatusSubmitted || k.Applicant.ActingFor != e.creditRongcheng {
				t.Errorf("case of %s: org %s parent %s status %s", code, k.HandlingOrg, k.ParentID, k.Status)
			}
			if _, err := e.svc.Lookup(as(principal.Principal{}), k.Number, sub.QueryCode); err != nil {
				t.Errorf("lookup of %s with the bundle's code: %v", code, err)
			}
		}
		// Each case has the values its item's form has, and the materials its item needs.
		if _, ok := kids[itemFood].Form["seats"]; ok {
			t.Errorf("food licence case got the fire inspection's seats: %v", kids[itemFood].Form)
		}
		if kids[itemFire].Form["seats"] != float64(48) || kids[itemSign].Form["sign_text"] != "榕城小馆" {
			t.Errorf("forms: fire %v sign %v", kids[itemFire].Form, kids[itemSign].Form)
		}
		materials := func(c cases.Case) map[string]cases.MaterialStatus {
			m := map[string]cases.MaterialStatus{}
			for _, x := range c.Materials {
				m[x.Code] = x.Status
			}
			return m
		}
		wantMaterials := map[string]map[string]cases.MaterialStatus{
			itemFood: {"business_licence": cases.MaterialToFetch, "application_form": cases.MaterialProvided, "premises_plan": cases.MaterialProvided},
			itemFire: {"business_licence": cases.MaterialToFetch, "fire_plan": cases.MaterialProvided},
			itemSign: {"business_licence": cases.MaterialToFetch, "sign_design": cases.MaterialProvided},
		}
		for code, want := range wantMaterials {
			if diff := cmp.Diff(want, materials(kids[code])); diff != "" {
				t.Errorf("materials of %s mismatch (-want +got):\n%s", code, diff)
			}
		}
		for _, w := range []principal.Principal{e.scjWindow, e.yjtWindow, e.zjtWindow} {
			if diff := cmp.Diff([]string{"cases.notice.submitted"}, e.inbox(t, w.AccountID)); diff != "" {
				t.Errorf("%s's inbox mismatch (-want +got):\n%s", w.Login, diff)
			}
		}
		// Officials see their own organisation's case, not the others' nor the parent.
		if _, err := e.svc.Get(as(e.scjWindow), e.scjWindow, kids[itemFire].ID); err == nil {
			t.Error("the market regulator sees the fire inspection")
		}
		if _, err := e.svc.Get(as(e.scjWindow), e.scjWindow, parent.ID); err == nil {
			t.Error("the market regulator sees the bundle's parent")
		}
		mine := must[[]cases.Summary](t)(e.svc.Mine(agent, e.agentRongcheng, cases.ListFilter{}))
		if len(mine) != 1 || mine[0].ID != parent.ID {
			t.Errorf("Mine = %v, want the parent only", mine)
		}

		e.handle(t, kids[itemFood].ID, e.scjWindow, e.scjReviewer, e.scjApprover, cases.OutcomeApproved)
		if p := must[cases.Case](t)(e.svc.Get(agent, e.agentRongcheng, parent.ID)); p.Status != cases.StatusInProgress {
			t.Errorf("parent after one case %s", p.Status)
		}
		e.handle(t, kids[itemFire].ID, e.yjtWindow, e.yjtReviewer, e.yjtApprover, cases.OutcomeDenied)
		e.handle(t, kids[itemSign].ID, e.zjtWindow, e.zjtReviewer, e.zjtApprover, cases.OutcomeApproved)
		p := must[cases.Case](t)(e.svc.Get(agent, e.agentRongcheng, parent.ID))
		if p.Status != cases.StatusCompleted || p.Outcome != cases.OutcomePartiallyApproved || p.CompletedAt == nil {
			t.Errorf("parent at the end %s %s", p.Status, p.Outcome)
		}
		if !slices.Contains(e.topics(t, parent.ID), cases.TopicCompleted) {
			t.Errorf("no case.completed for the bundle: %v", e.topics(t, parent.ID))
		}
		if !slices.Contains(e.inbox(t, e.agentRongcheng.AccountID), "cases.notice.bundle_completed") {
			t.Error("the applicant was not told the bundle completed")
		}
		if _, err := e.svc.Accept(as(e.scjWindow), e.scjWindow, parent.ID, ""); err == nil {
			t.Error("a bundle's parent was accepted")
		}
		// The bundle as a whole is rated for its lead organisation.
		subject := must[cases.Subject](t)(e.svc.Subject(context.Background(), parent.ID))
		if subject.Org != fuzhou || subject.ItemCode != bundleRestaurant || !subject.Completed {
			t.Errorf("the parent's subject %+v, want the lead organisation %s", subject, fuzhou)
		}
	})
}

// A draft bundle keeps its form and materials on the parent until submission; withdrawing the
// submitted bundle withdraws its cases.
func TestBundleDraftAndWithdrawal(t *testing.T) {
	eachEnv(t, envOptions{}, func(t *testing.T, e *env) {
		agent := as(e.agentRongcheng)
		d := must[cases.Case](t)(e.svc.Start(agent, e.agentRongcheng, cases.Application{LicenceConsent: true, BundleCode: bundleRestaurant}))
		must[cases.Case](t)(e.svc.SaveDraft(agent, e.agentRongcheng, d.ID, restaurantValues(e)))
		for _, u := range restaurantUploads() {
			must[cases.Material](t)(e.svc.AttachMaterial(agent, e.agentRongcheng, d.ID, u.Code, u.FileName, u.Data))
		}
		sub := must[cases.Submission](t)(e.svc.Submit(agent, e.agentRongcheng, d.ID))
		if len(sub.Case.Children) != 3 {
			t.Fatalf("children %v", sub.Case.Children)
		}
		food := sub.Case.Children[slices.IndexFunc(sub.Case.Children, func(s cases.Summary) bool { return s.ItemCode == itemFood })]
		must[cases.Case](t)(e.svc.Accept(as(e.scjWindow), e.scjWindow, food.ID, ""))
		p := must[cases.Case](t)(e.svc.Withdraw(agent, e.agentRongcheng, d.ID, "暂不开业"))
		if p.Status != cases.StatusWithdrawn {
			t.Errorf("parent %s after withdrawal", p.Status)
		}
		for _, k := range p.Children {
			if k.Status != cases.StatusWithdrawn {
				t.Errorf("case %s %s after the bundle's withdrawal", k.ItemCode, k.Status)
			}
		}
	})
}
