package cases_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/formschema"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// zhejiang is Zhejiang's node (330000) on a database of its own, with the Hangzhou healthcare
// security bureau (the medical item's competent organisation), its officials and its seal.
type zhejiang struct {
	*env
	window, reviewer, approver principal.Principal
}

func newZhejiang(t *testing.T, d store.Dialect) *zhejiang {
	t.Helper()
	fc := clock.NewFake(clock.Real{}.Now())
	db := storetest.Open(t, d, storetest.Options{Clock: fc})
	e := newEnv(t, db, fc, envOptions{trust: true, cfg: func(c *cases.Config) { c.Region, c.Node = "330000", "330000" }})
	if _, err := org.Save(as(principal.SystemPrincipal), db, org.Organisation{Code: hzhrss, Kind: org.Department,
		NameHans: "杭州市医疗保障局", NameHant: "杭州市醫療保障局", NameEn: "Hangzhou Healthcare Security Administration",
		RegionCode: "330100"}); err != nil {
		t.Fatal(err)
	}
	e.trust.approvalSeal(t, db, hzhrss, "杭州市医疗保障局行政审批专用章")
	return &zhejiang{env: e, window: e.official(t, "hz.window", hzhrss, principal.RoleWindowOfficer),
		reviewer: e.official(t, "hz.reviewer", hzhrss, principal.RoleReviewer),
		approver: e.official(t, "hz.approver", hzhrss, principal.RoleApprover)}
}

// reports returns the status reports enqueued about case id, in order.
func (e *env) reports(t testing.TB, id string) []cases.StatusReport {
	t.Helper()
	var bodies []string
	if err := e.db.Select(context.Background(), &bodies, `SELECT payload FROM events WHERE topic = ? ORDER BY id`,
		cases.TopicTransferStatus); err != nil {
		t.Fatal(err)
	}
	var out []cases.StatusReport
	for _, b := range bodies {
		var r cases.StatusReport
		if err := json.Unmarshal([]byte(b), &r); err != nil {
			t.Fatal(err)
		}
		if r.CaseID == id {
			out = append(out, r)
		}
	}
	return out
}

// A Fuzhou window transfers an application for a Hangzhou item; Zhejiang's node takes it in,
// once however often it is delivered, refusing what it cannot handle; Hangzhou's officials
// handle it, and every new status is reported back and closes the case at Fujian.
func TestReceiveTransfer(t *testing.T) {
	eachEnv(t, envOptions{}, func(t *testing.T, fj *env) {
		zj := newZhejiang(t, fj.db.Dialect())
		window := as(fj.fuzhouWindow)
		sub := must[cases.Submission](t)(fj.svc.Apply(window, fj.fuzhouWindow, cases.Application{ItemCode: itemHZMedical,
			Channel: cases.ChannelWindow, Applicant: fj.zhang.AccountID,
			Form:      map[string]any{"address": "杭州市上城区解放路 100 号", "mobile": "13905911234"},
			Materials: []cases.Upload{{Code: "referral", FileName: "转诊证明.pdf", Data: pdfFile}}}))
		tr := must[cases.Transfer](t)(fj.svc.ExportTransfer(window, fj.fuzhouWindow, sub.Case.ID))
		// The federation rebuilds the same transfer to send it; only Yiwang itself may.
		resent := must[cases.Transfer](t)(fj.svc.Transfer(as(principal.SystemPrincipal), principal.SystemPrincipal, sub.Case.ID))
		if resent.CaseNumber != tr.CaseNumber || !resent.TransferredAt.Equal(tr.TransferredAt) || resent.Check() != nil ||
			len(resent.Materials) != 1 || resent.Materials[0].SHA256 != tr.Materials[0].SHA256 {
			t.Errorf("rebuilt %+v", resent)
		}
		if _, err := fj.svc.Transfer(window, fj.fuzhouWindow, sub.Case.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("a window reads the transfer: %v", err)
		}
		tr.Signature = []byte("Fujian's node signature")

		fees := fj.cat.items[itemHZMedical]
		fees.Code, fees.Fees = "11330100MB1H38811J-YB-0018", []cases.FeeLine{{Name: "工本费", AmountFen: 500, LegalBasis: "浙价费〔2020〕1号"}}
		zj.cat.items[fees.Code] = fees
		ctx := context.Background()
		bad := []struct {
			name  string
			from  string
			edit  func(t *cases.Transfer)
			kind  errs.Kind
			field string
		}{
			{"digest", "350000", func(t *cases.Transfer) { t.Materials[0].Content = pdfFile[:20] }, errs.Invalid, "material.referral"},
			{"unknown item", "350000", func(t *cases.Transfer) { t.ItemCode = "11330100MB1H38811J-YB-9999" }, errs.Invalid, "item_code"},
			{"other organisation", "350000", func(t *cases.Transfer) { t.HandlingOrg = "zj-hangzhou-tax" }, errs.Invalid, "handling_org"},
			{"not this province", "350000", func(t *cases.Transfer) { t.ItemCode, t.HandlingOrg = itemBirth, health }, errs.Conflict, ""},
			{"fees", "350000", func(t *cases.Transfer) { t.ItemCode = fees.Code }, errs.Conflict, ""},
			{"another sender", "440000", func(t *cases.Transfer) {}, errs.Forbidden, ""},
			{"version", "350000", func(t *cases.Transfer) { t.Version = 2 }, errs.Invalid, "version"},
			{"no applicant", "350000", func(t *cases.Transfer) { t.Applicant.IDNumber = "" }, errs.Invalid, "applicant"},
			{"form", "350000", func(t *cases.Transfer) { t.Form = map[string]any{"address": "杭州"} }, errs.Invalid, "mobile"},
			{"unknown material", "350000", func(t *cases.Transfer) { t.Materials[0].Code = "passport" }, errs.Invalid, "material.passport"},
		}
		for _, b := range bad {
			t.Run(b.name, func(t *testing.T) {
				x := tr
				x.Materials = slices.Clone(tr.Materials)
				x.Form = map[string]any{}
				for k, v := range tr.Form {
					x.Form[k] = v
				}
				b.edit(&x)
				_, err := zj.svc.ImportTransfer(ctx, b.from, x)
				if !errs.Is(err, b.kind) {
					t.Fatalf("ImportTransfer = %v, want %s", err, b.kind)
				}
				if b.field != "" && !hasField(err, b.field) {
					t.Errorf("ImportTransfer = %v, want the field %s named", err, b.field)
				}
			})
		}

		c := must[cases.Case](t)(zj.svc.ImportTransfer(ctx, "350000", tr))
		if c.Status != cases.StatusSubmitted || c.HandlingOrg != hzhrss || c.Number[:6] != "330100" ||
			c.Origin == nil || c.Origin.Node != "350000" || c.Origin.Number != sub.Case.Number || !c.Origin.Signed ||
			c.Origin.Applicant.IDNumber != tr.Applicant.IDNumber || c.Origin.ReceivingOrg != fuzhou || c.Applicant.Name != "张晓明" {
			t.Fatalf("received %+v (origin %+v)", c, c.Origin)
		}
		if len(c.Materials) != 1 || c.Materials[0].Status != cases.MaterialProvided || c.Materials[0].SHA256 != tr.Materials[0].SHA256 {
			t.Errorf("materials %+v", c.Materials)
		}
		again := must[cases.Case](t)(zj.svc.ImportTransfer(ctx, "350000", tr))
		if again.ID != c.ID || again.Number != c.Number {
			t.Errorf("a replay made case %s (%s), not %s", again.ID, again.Number, c.ID)
		}
		if got := zj.topics(t, c.ID); !slices.Equal(got, []string{cases.TopicReceived, cases.TopicTransferStatus}) {
			t.Errorf("events after a replay %v, want case.received and its report once", got)
		}

		// Hangzhou's officials see it; the applicant has no account here, and no one else sees it,
		// not even a resident of this node with the same identity document.
		hz := as(zj.window)
		work := must[[]cases.Summary](t)(zj.svc.Worklist(hz, zj.window, cases.WorkFilter{}))
		if len(work) != 1 || work[0].ID != c.ID || work[0].OriginNode != "350000" {
			t.Errorf("Hangzhou's worklist %+v", work)
		}
		for _, p := range []principal.Principal{zj.zhang, zj.li, zj.scjWindow, zj.fuzhouWindow, agentOf(zj.zhang, "", "", "all")} {
			if _, err := zj.svc.Get(as(p), p, c.ID); !errs.Is(err, errs.NotFound) {
				t.Errorf("%s sees the received case: %v", p.Login, err)
			}
			if p.Kind == principal.Resident {
				if mine := must[[]cases.Summary](t)(zj.svc.Mine(as(p), p, cases.ListFilter{})); len(mine) != 0 {
					t.Errorf("%s lists %+v", p.Login, mine)
				}
			}
		}
		if got := zj.inbox(t, 0); len(got) != 0 {
			t.Errorf("the placeholder applicant was told %v", got)
		}
		events := must[[]cases.Event](t)(zj.svc.Timeline(hz, zj.window, c.ID))
		if len(events) == 0 || events[0].Kind != cases.EventReceived || events[0].Party != cases.PartyRemote ||
			events[0].Actor != "system:node:350000" {
			t.Errorf("timeline %+v", events)
		}

		// Handled through the ordinary steps; each new status is reported, in order.
		must[cases.Case](t)(zj.svc.Accept(hz, zj.window, c.ID, "材料齐全，予以受理"))
		must[cases.Case](t)(zj.svc.Review(as(zj.reviewer), zj.reviewer, c.ID, "符合备案条件"))
		decided := must[cases.Case](t)(zj.svc.Decide(as(zj.approver), zj.approver, c.ID, cases.OutcomeApproved, "准予备案"))
		must[cases.Case](t)(zj.svc.Deliver(hz, zj.window, c.ID, cases.DeliveryElectronic))
		reports := zj.reports(t, c.ID)
		want := []cases.Status{cases.StatusSubmitted, cases.StatusAccepted, cases.StatusReviewed, cases.StatusApproved, cases.StatusCompleted}
		if len(reports) != len(want) {
			t.Fatalf("%d reports, want %d: %+v", len(reports), len(want), reports)
		}
		for i, r := range reports {
			ts := r.Status
			if r.To != "350000" || ts.Node != "330000" || ts.CaseNumber != sub.Case.Number || ts.RemoteNumber != c.Number ||
				ts.Status != want[i] || ts.Version != cases.TransferVersion || ts.At.IsZero() {
				t.Errorf("report %d: %+v", i, r)
			}
			decidedYet := i >= 3
			if decidedYet != (ts.DecisionSHA256 == decided.Decision.DocumentSHA256) || decidedYet != (ts.Outcome == cases.OutcomeApproved) ||
				decidedYet != (ts.Note == "准予备案") {
				t.Errorf("report %d of %s: outcome %q, decision %q, note %q", i, ts.Status, ts.Outcome, ts.DecisionSHA256, ts.Note)
			}
			// Fujian takes each in: the case shows the remote progress, and closes with the last.
			if err := fj.svc.ApplyTransferStatus(ctx, ts); err != nil {
				t.Fatalf("Fujian applies report %d: %v", i, err)
			}
		}
		back := must[cases.Case](t)(fj.svc.Get(as(fj.zhang), fj.zhang, sub.Case.ID))
		if back.Status != cases.StatusCompleted || back.Outcome != cases.OutcomeApproved || back.RemoteNumber != c.Number ||
			back.RemoteStatus != cases.StatusCompleted {
			t.Errorf("at Fujian: %s %s, remote %s %s", back.Status, back.Outcome, back.RemoteNumber, back.RemoteStatus)
		}

		// A refusal at acceptance is reported with its reasons.
		sub2 := must[cases.Submission](t)(fj.svc.Apply(window, fj.fuzhouWindow, cases.Application{ItemCode: itemHZMedical,
			Channel: cases.ChannelWindow, Applicant: fj.li.AccountID,
			Form: map[string]any{"address": "杭州市西湖区文三路 20 号", "mobile": "13806052345"}}))
		tr2 := must[cases.Transfer](t)(fj.svc.ExportTransfer(window, fj.fuzhouWindow, sub2.Case.ID))
		c2 := must[cases.Case](t)(zj.svc.ImportTransfer(ctx, "350000", tr2))
		if c2.Origin.Signed || len(c2.Materials) != 1 || c2.Materials[0].Status != cases.MaterialMissing {
			t.Errorf("unsigned, without materials: %+v %+v", c2.Origin, c2.Materials)
		}
		must[cases.Case](t)(zj.svc.Reject(hz, zj.window, c2.ID, "不属于本地参保人员"))
		r2 := zj.reports(t, c2.ID)
		if len(r2) != 2 || r2[1].Status.Status != cases.StatusNotAccepted || r2[1].Status.Note != "不属于本地参保人员" {
			t.Errorf("reports of the refusal %+v", r2)
		}
	})
}

// hasField reports whether err names field, itself or among its form errors.
func hasField(err error, field string) bool {
	var fe *formschema.Errors
	if errors.As(err, &fe) {
		return fe.For(field) != nil
	}
	e := errs.Public(err)
	return e != nil && e.Field == field
}

// A transfer the other node refuses comes back: the case is submitted again, for the window that
// collected it, and the applicant is told; a refusal from another node, or after a report, does
// nothing.
func TestTransferRefused(t *testing.T) {
	eachEnv(t, envOptions{}, func(t *testing.T, e *env) {
		window := as(e.fuzhouWindow)
		apply := func() string {
			sub := must[cases.Submission](t)(e.svc.Apply(window, e.fuzhouWindow, cases.Application{ItemCode: itemHZMedical,
				Channel: cases.ChannelWindow, Applicant: e.zhang.AccountID,
				Form: map[string]any{"address": "杭州市上城区解放路 100 号", "mobile": "13905911234"}}))
			must[cases.Transfer](t)(e.svc.ExportTransfer(window, e.fuzhouWindow, sub.Case.ID))
			return sub.Case.ID
		}
		ctx := context.Background()
		id := apply()
		if err := e.svc.TransferRefused(ctx, id, "440000", "不是我们的"); err != nil {
			t.Fatal(err)
		}
		if c := must[cases.Case](t)(e.svc.Get(as(e.zhang), e.zhang, id)); c.Status != cases.StatusTransferred {
			t.Errorf("another node's refusal: %s", c.Status)
		}
		if err := e.svc.TransferRefused(ctx, id, "330000", "本省目录无此事项"); err != nil {
			t.Fatal(err)
		}
		c := must[cases.Case](t)(e.svc.Get(as(e.zhang), e.zhang, id))
		if c.Status != cases.StatusSubmitted || c.TransferredTo != "" {
			t.Errorf("refused: %s to %q", c.Status, c.TransferredTo)
		}
		evs := must[[]cases.Event](t)(e.svc.Timeline(as(e.zhang), e.zhang, id))
		if last := evs[len(evs)-1]; last.Kind != cases.EventTransferRefused || last.Note != "本省目录无此事项" || last.Party != cases.PartyRemote {
			t.Errorf("last event %+v", last)
		}
		if got := e.inbox(t, e.zhang.AccountID); got[len(got)-1] != "cases.notice.transfer_refused" {
			t.Errorf("inbox %v", got)
		}
		// Once the node reported on the case, a refusal is too late.
		id = apply()
		number := must[cases.Case](t)(e.svc.Get(as(e.zhang), e.zhang, id)).Number
		if err := e.svc.ApplyTransferStatus(ctx, cases.TransferStatus{Version: 1, Node: "330000", CaseNumber: number,
			RemoteNumber: "330100-20260302-000001", Status: cases.StatusSubmitted, At: time.Now()}); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.TransferRefused(ctx, id, "330000", "x"); err != nil {
			t.Fatal(err)
		}
		if c := must[cases.Case](t)(e.svc.Get(as(e.zhang), e.zhang, id)); c.Status != cases.StatusTransferred {
			t.Errorf("refused after a report: %s", c.Status)
		}
	})
}
