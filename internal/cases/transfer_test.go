package cases_test

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/errs"
)

// A Fuzhou window collects an application for a Hangzhou item (cross-province handling) and
// hands it to Zhejiang's node, which reports back until the case is completed.
func TestTransferToAnotherProvince(t *testing.T) {
	eachEnv(t, envOptions{}, func(t *testing.T, e *env) {
		window := as(e.fuzhouWindow)
		sub := must[cases.Submission](t)(e.svc.Apply(window, e.fuzhouWindow, cases.Application{LicenceConsent: true, ItemCode: itemHZMedical,
			Channel: cases.ChannelWindow, Applicant: e.zhang.AccountID,
			Form:      map[string]any{"address": "杭州市上城区解放路 100 号", "mobile": "13905911234"},
			Materials: []cases.Upload{{Code: "referral", FileName: "转诊证明.pdf", Data: pdfFile}}}))
		id := sub.Case.ID
		if sub.Case.Number[:6] != "330100" {
			t.Errorf("number %s is not in Hangzhou's region", sub.Case.Number)
		}
		// Only the window that has it transfers it, and only an item of another province.
		if _, err := e.svc.ExportTransfer(as(e.zhang), e.zhang, id); !errs.Is(err, errs.Forbidden) {
			t.Errorf("the applicant exports: %v", err)
		}
		if _, err := e.svc.ExportTransfer(as(e.xiamenWindow), e.xiamenWindow, id); !errs.Is(err, errs.NotFound) {
			t.Errorf("another window exports: %v", err)
		}
		local := must[cases.Submission](t)(e.svc.Apply(window, e.fuzhouWindow, cases.Application{LicenceConsent: true, ItemCode: itemBirth,
			Channel: cases.ChannelWindow, Applicant: e.zhang.AccountID, Form: birthValues()}))
		if _, err := e.svc.ExportTransfer(window, e.fuzhouWindow, local.Case.ID); !errs.Is(err, errs.Conflict) {
			t.Errorf("a Fujian item exported: %v", err)
		}

		tr, err := e.svc.ExportTransfer(window, e.fuzhouWindow, id)
		if err != nil {
			t.Fatal(err)
		}
		if tr.Version != cases.TransferVersion || tr.SendingNode != "350000" || tr.CaseNumber != sub.Case.Number ||
			tr.ItemCode != itemHZMedical || tr.HandlingOrg != hzhrss || tr.ReceivingOrg != fuzhou {
			t.Errorf("transfer %+v", tr)
		}
		if tr.Applicant.IDType != "resident_id" || tr.Applicant.IDNumber == "" || tr.Applicant.Name != "张晓明" {
			t.Errorf("applicant %+v", tr.Applicant)
		}
		if len(tr.Materials) != 1 || !bytes.Equal(tr.Materials[0].Content, pdfFile) || tr.Form["mobile"] != "13905911234" {
			t.Errorf("materials %+v form %v", tr.Materials, tr.Form)
		}
		if err := tr.Check(); err != nil {
			t.Errorf("Check: %v", err)
		}
		// The contract round-trips as JSON, and what is signed leaves the signature out.
		b, err := json.Marshal(tr)
		if err != nil {
			t.Fatal(err)
		}
		var back cases.Transfer
		if err := json.Unmarshal(b, &back); err != nil || back.Check() != nil || !bytes.Equal(back.SigningBytes(), tr.SigningBytes()) {
			t.Errorf("round trip: %v", err)
		}
		signed := tr
		signed.Signature = []byte("node signature")
		if !bytes.Equal(signed.SigningBytes(), tr.SigningBytes()) {
			t.Error("the signature is part of what is signed")
		}
		tampered := back
		tampered.Materials[0].Content = append([]byte(nil), pdfFile[:10]...)
		if err := tampered.Check(); errs.Public(err).Field != cases.MaterialField("referral") {
			t.Errorf("tampered material: %v", err)
		}

		c := must[cases.Case](t)(e.svc.Get(as(e.zhang), e.zhang, id))
		if c.Status != cases.StatusTransferred || c.TransferredTo != "330000" {
			t.Fatalf("after export %s %s", c.Status, c.TransferredTo)
		}
		if !slices.Contains(e.topics(t, id), cases.TopicTransferred) {
			t.Errorf("topics %v", e.topics(t, id))
		}
		if _, err := e.svc.ExportTransfer(window, e.fuzhouWindow, id); !errs.Is(err, errs.Conflict) {
			t.Errorf("exported twice: %v", err)
		}

		ctx := context.Background()
		at := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
		bad := []struct {
			ts   cases.TransferStatus
			kind errs.Kind
		}{
			{cases.TransferStatus{Version: 1, Node: "440000", CaseNumber: sub.Case.Number, Status: cases.StatusAccepted, At: at}, errs.Forbidden},
			{cases.TransferStatus{Version: 1, Node: "330000", CaseNumber: "350000-20260302-999999", Status: cases.StatusAccepted, At: at}, errs.NotFound},
			{cases.TransferStatus{Version: 2, Node: "330000", CaseNumber: sub.Case.Number, Status: cases.StatusAccepted, At: at}, errs.Invalid},
			{cases.TransferStatus{Version: 1, Node: "330000", CaseNumber: sub.Case.Number, Status: "lost", At: at}, errs.Invalid},
			{cases.TransferStatus{Version: 1, Node: "330000", CaseNumber: sub.Case.Number, Status: cases.StatusCompleted, Outcome: "maybe", At: at}, errs.Invalid},
		}
		for _, b := range bad {
			if err := e.svc.ApplyTransferStatus(ctx, b.ts); !errs.Is(err, b.kind) {
				t.Errorf("ApplyTransferStatus(%+v) = %v, want %s", b.ts, err, b.kind)
			}
		}
		accepted := cases.TransferStatus{Version: 1, Node: "330000", CaseNumber: sub.Case.Number, RemoteNumber: "330100-20260303-000815",
			Status: cases.StatusAccepted, At: at, Note: "杭州市医保局已受理"}
		for range 2 { // a repeated report changes nothing
			if err := e.svc.ApplyTransferStatus(ctx, accepted); err != nil {
				t.Fatal(err)
			}
		}
		done := accepted
		done.Status, done.Outcome, done.DecisionSHA256 = cases.StatusCompleted, cases.OutcomeApproved, "9f2c0b6d1e4a7c3b5d8e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e"
		if err := e.svc.ApplyTransferStatus(ctx, done); err != nil {
			t.Fatal(err)
		}
		c = must[cases.Case](t)(e.svc.Get(as(e.zhang), e.zhang, id))
		if c.Status != cases.StatusCompleted || c.Outcome != cases.OutcomeApproved || c.RemoteNumber != "330100-20260303-000815" ||
			c.RemoteStatus != cases.StatusCompleted {
			t.Errorf("after the remote completion %+v", c)
		}
		remote := 0
		for _, ev := range must[[]cases.Event](t)(e.svc.Timeline(as(e.zhang), e.zhang, id)) {
			if ev.Kind == cases.EventRemoteStatus {
				remote++
				if ev.Party != cases.PartyRemote || ev.Actor != "system:node:330000" {
					t.Errorf("remote event by %s %s", ev.Party, ev.Actor)
				}
			}
		}
		if remote != 2 {
			t.Errorf("%d remote status events, want 2", remote)
		}
		if got := e.topics(t, id); got[len(got)-1] != cases.TopicCompleted {
			t.Errorf("topics %v", got)
		}
	})
}
