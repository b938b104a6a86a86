package cases_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/ledger"
)

var numberRE = regexp.MustCompile(`^[0-9]{6}-[0-9]{8}-[0-9]{6,}$`)

// An enterprise applies for a food licence online with a draft, an official asks for a missing
// material, the agent supplies it, and the case is accepted, reviewed, approved with a real
// seal signature logged in the ledger, and delivered.
func TestLifecycleFoodLicence(t *testing.T) {
	eachEnv(t, envOptions{trust: true}, func(t *testing.T, e *env) {
		agent := as(e.agentRongcheng)
		draft := must[cases.Case](t)(e.svc.Start(agent, e.agentRongcheng, cases.Application{LicenceConsent: true, ItemCode: itemFood,
			Form: map[string]any{"shop_name": "榕城小馆"}}))
		if draft.Status != cases.StatusDraft || draft.Number != "" || draft.NextStep != cases.StepSubmit {
			t.Fatalf("draft = %+v", draft)
		}
		if draft.Applicant.Kind != cases.ApplicantEnterprise || draft.Applicant.ActingFor != e.creditRongcheng || draft.HandlingOrg != scj {
			t.Errorf("draft applicant %+v, org %s", draft.Applicant, draft.HandlingOrg)
		}
		// Submitting an incomplete draft names every missing field and material.
		_, err := e.svc.Submit(agent, e.agentRongcheng, draft.ID)
		fe := cases.FieldErrors(err)
		if fe == nil {
			t.Fatalf("Submit(incomplete) = %v, want field errors", err)
		}
		for _, f := range []string{"credit_code", "address", "mobile", "kind", cases.MaterialField("application_form"),
			cases.MaterialField("premises_plan")} {
			if fe.For(f) == nil {
				t.Errorf("no error for %s in %v", f, fe)
			}
		}
		if fe.For(cases.MaterialField("business_licence")) != nil || fe.For(cases.MaterialField("manager_certificate")) != nil {
			t.Errorf("licence or optional material reported missing: %v", fe)
		}
		must[cases.Case](t)(e.svc.SaveDraft(agent, e.agentRongcheng, draft.ID, foodValues(e)))
		must[cases.Material](t)(e.svc.AttachMaterial(agent, e.agentRongcheng, draft.ID, "application_form", "申请书.pdf", pdfFile))
		must[cases.Material](t)(e.svc.AttachMaterial(agent, e.agentRongcheng, draft.ID, "premises_plan", "平面图.jpg", jpegFile))
		sub := must[cases.Submission](t)(e.svc.Submit(agent, e.agentRongcheng, draft.ID))
		c := sub.Case
		if !numberRE.MatchString(c.Number) || c.Number[:6] != "350000" || c.Number[7:15] != "20260302" {
			t.Errorf("number %q", c.Number)
		}
		if len(sub.QueryCode) != 8 || c.Status != cases.StatusSubmitted {
			t.Errorf("submission %q %s", sub.QueryCode, c.Status)
		}
		byCode := map[string]cases.MaterialStatus{}
		for _, m := range c.Materials {
			byCode[m.Code] = m.Status
		}
		want := map[string]cases.MaterialStatus{"application_form": cases.MaterialProvided, "business_licence": cases.MaterialToFetch,
			"premises_plan": cases.MaterialProvided, "manager_certificate": cases.MaterialMissing}
		if diff := cmp.Diff(want, byCode); diff != "" {
			t.Errorf("materials mismatch (-want +got):\n%s", diff)
		}
		if _, err := e.svc.Submit(agent, e.agentRongcheng, draft.ID); !errs.Is(err, errs.Conflict) {
			t.Errorf("second Submit = %v, want conflict", err)
		}
		// The window officer asks for a better floor plan (補正 at acceptance: the clock has not
		// started); the one attached before the request does not count.
		c = must[cases.Case](t)(e.svc.RequestMaterials(as(e.scjWindow), e.scjWindow, c.ID, []string{"premises_plan"}, "请补充经营场所平面图，标明功能分区。"))
		if c.Status != cases.StatusSupplementRequested || c.Clock.State != cases.ClockNotStarted || c.Supplement == nil {
			t.Fatalf("after request: %s %s %+v", c.Status, c.Clock.State, c.Supplement)
		}
		if _, err := e.svc.Resubmit(agent, e.agentRongcheng, c.ID); cases.FieldErrors(err).For(cases.MaterialField("premises_plan")) == nil {
			t.Errorf("Resubmit without the material = %v", err)
		}
		must[cases.Material](t)(e.svc.AttachMaterial(agent, e.agentRongcheng, c.ID, "premises_plan", "平面图.png", pngFile))
		c = must[cases.Case](t)(e.svc.Resubmit(agent, e.agentRongcheng, c.ID))
		if c.Status != cases.StatusSubmitted || c.Supplement != nil {
			t.Fatalf("after resubmission: %s %+v", c.Status, c.Supplement)
		}
		c = must[cases.Case](t)(e.svc.Accept(as(e.scjWindow), e.scjWindow, c.ID, ""))
		if c.Status != cases.StatusAccepted || c.Clock.State != cases.ClockRunning || c.Clock.LimitDays != 10 || c.Clock.DueDate == nil {
			t.Fatalf("after acceptance: %s %+v", c.Status, c.Clock)
		}
		// 2026-03-02 (Monday) + 10 working days = 2026-03-16.
		if got := c.Clock.DueDate.Format("2006-01-02"); got != "2026-03-16" {
			t.Errorf("due date %s, want 2026-03-16", got)
		}
		c = must[cases.Case](t)(e.svc.Review(as(e.scjReviewer), e.scjReviewer, c.ID, "材料齐全，场所符合要求，建议准予。"))
		c = must[cases.Case](t)(e.svc.Decide(as(e.scjApprover), e.scjApprover, c.ID, cases.OutcomeApproved, "符合《食品经营许可和备案管理办法》规定的条件。"))
		if c.Status != cases.StatusApproved || c.Decision == nil || c.Decision.LedgerIndex == nil || c.Clock.State != cases.ClockStopped {
			t.Fatalf("after decision: %s %+v %s", c.Status, c.Decision, c.Clock.State)
		}
		doc, sig, d := must3[[]byte, []byte, cases.Decision](t)(e.svc.DecisionFiles(agent, e.agentRongcheng, c.ID))
		sum := sha256.Sum256(doc)
		if hex.EncodeToString(sum[:]) != d.DocumentSHA256 {
			t.Errorf("document digest %x, recorded %s", sum, d.DocumentSHA256)
		}
		parsed, err := cases.ParseDecisionDocument(doc)
		if err != nil {
			t.Fatal(err)
		}
		if parsed.CaseNumber != c.Number || parsed.Outcome != cases.OutcomeApproved || parsed.Organisation.Code != scj ||
			parsed.Organisation.Name != "福建省市场监督管理局" {
			t.Errorf("decision document %+v", parsed)
		}
		v, err := e.trust.sign.Verify(context.Background(), doc, sig)
		if err != nil {
			t.Fatal(err)
		}
		if !v.Valid || v.Seal == nil || v.Seal.Name != "福建省市场监督管理局行政审批专用章" {
			t.Errorf("verification %+v", v)
		}
		entry, err := e.trust.ledger.Entry(context.Background(), *d.LedgerIndex)
		if err != nil {
			t.Fatal(err)
		}
		if entry.Type != ledger.TypeCaseDecision || entry.Digest != "sha256:"+d.DocumentSHA256 || entry.Subject != c.Number || entry.Org != scj {
			t.Errorf("ledger entry %+v", entry)
		}
		c = must[cases.Case](t)(e.svc.Deliver(as(e.scjWindow), e.scjWindow, c.ID, cases.DeliveryElectronic))
		if c.Status != cases.StatusCompleted || c.Outcome != cases.OutcomeApproved || c.Delivery == nil || c.CompletedAt == nil {
			t.Fatalf("after delivery: %+v", c)
		}
		if diff := cmp.Diff([]string{cases.TopicSubmitted, cases.TopicMaterialRequested, cases.TopicAccepted, cases.TopicDecided,
			cases.TopicCompleted}, e.topics(t, c.ID)); diff != "" {
			t.Errorf("events mismatch (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"cases.notice.materials_requested", "cases.notice.accepted", "cases.notice.approved",
			"cases.notice.delivered"}, e.inbox(t, e.agentRongcheng.AccountID)); diff != "" {
			t.Errorf("applicant's inbox mismatch (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"cases.notice.submitted", "cases.notice.resubmitted"}, e.inbox(t, e.scjWindow.AccountID)); diff != "" {
			t.Errorf("window officer's inbox mismatch (-want +got):\n%s", diff)
		}
		tl := must[[]cases.Event](t)(e.svc.Timeline(agent, e.agentRongcheng, c.ID))
		var kinds []string
		for _, ev := range tl {
			kinds = append(kinds, ev.Kind)
		}
		wantKinds := []string{cases.EventCreated, cases.EventMaterialAdded, cases.EventMaterialAdded, cases.EventSubmitted, cases.EventMaterialsRequested,
			cases.EventMaterialAdded, cases.EventResubmitted, cases.EventAccepted, cases.EventClockStarted,
			cases.EventDecided, cases.EventClockStopped, cases.EventDelivered, cases.EventCompleted}
		if diff := cmp.Diff(wantKinds, kinds); diff != "" {
			t.Errorf("applicant's timeline mismatch (-want +got):\n%s", diff)
		}
		tl = must[[]cases.Event](t)(e.svc.Timeline(as(e.scjApprover), e.scjApprover, c.ID))
		if !slices.ContainsFunc(tl, func(ev cases.Event) bool { return ev.Kind == cases.EventReviewed && ev.Internal }) {
			t.Error("officials do not see the review opinion")
		}
		var auditN int
		if err := e.db.Get(context.Background(), &auditN, `SELECT COUNT(*) FROM audit_events WHERE object_type = 'case' AND object_id = ?`, c.ID); err != nil {
			t.Fatal(err)
		}
		if auditN < 9 {
			t.Errorf("%d audit records, want one per change", auditN)
		}
	})
}

func must3[A, B, C any](t testing.TB) func(a A, b B, c C, err error) (A, B, C) {
	return func(a A, b B, c C, err error) (A, B, C) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a, b, c
	}
}
