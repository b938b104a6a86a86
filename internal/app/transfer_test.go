package app_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/api"
	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/catalog"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/federation"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/seal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// hzHealthcare is Hangzhou's healthcare security bureau, competent for the item transferred.
const hzHealthcare = "zj-hangzhou-healthcare"

// medicalItem is a Hangzhou item open to cross-province handling, as both nodes' catalogues
// list it: Fujian's windows collect applications for it, Zhejiang's node handles them.
func medicalItem() catalog.Item {
	code := catalog.OrgCreditCode(hzHealthcare) + "YB0008"
	return catalog.Item{Code: code, BasicCode: "002021068000", HandlingCode: code + "0001", Type: catalog.PublicService,
		Org: hzHealthcare, NameHans: "异地就医备案（杭州）", NameHant: "異地就醫備案（杭州）", NameEn: "Medical treatment elsewhere (Hangzhou)",
		ServiceObject: catalog.ObjectPerson, LegalDays: 5, PromisedDays: 2,
		Conditions: catalog.Text{Hans: "参加杭州市基本医疗保险、需异地就医的人员。"},
		Materials: []catalog.Material{{Code: "referral", NameHans: "转诊证明", NameHant: "轉診證明", NameEn: "Referral",
			Source: catalog.SourceApplicant, Formats: []string{"pdf"}}},
		LegalBasis: catalog.Text{Hans: "《基本医疗保险跨省异地就医直接结算经办规程》"}, HandlingForms: []string{catalog.FormWindow, catalog.FormOnline},
		OnlineDepth: 4, CrossRegion: catalog.CrossNational,
		FormSchema: json.RawMessage(`{"type":"object","properties":{
			"address":{"type":"string","maxLength":200,"x-title":{"zh-Hans":"地址","zh-Hant":"地址","en":"Address"}},
			"mobile":{"type":"string","format":"mobile","x-title":{"zh-Hans":"联系电话","zh-Hant":"聯繫電話","en":"Mobile"}}},
			"required":["address","mobile"]}`)}
}

// pair has node a's administrator register, approve and fetch node b as a peer.
func pair(t *testing.T, a, b node, code, name string) {
	t.Helper()
	var key federation.NodeKey
	getJSON(t, b.srv.URL+"/api/v1/federation/node-key", &key)
	admin := principal.With(context.Background(), principal.Principal{Kind: principal.Official, Login: "szb.admin",
		OrgCode: org.DigitalOffice, Roles: []string{principal.RoleAdministrator}})
	fed := a.app.Federation()
	if _, err := fed.Register(admin, federation.PeerInput{Code: code, Name: name, Endpoint: b.srv.URL, PublicKey: key.PEM}); err != nil {
		t.Fatal(err)
	}
	if _, err := fed.Approve(admin, code, key.Fingerprint); err != nil {
		t.Fatal(err)
	}
	if _, err := fed.Fetch(admin, code); err != nil {
		t.Fatal(err)
	}
}

// nodeOfficial makes an official of orgCode on n with roles and returns them.
func nodeOfficial(t *testing.T, n node, login, orgCode string, roles ...string) principal.Principal {
	t.Helper()
	sys := principal.With(context.Background(), principal.SystemPrincipal)
	acc, err := n.app.Identity.CreateAccount(sys, identity.NewAccount{Login: login, Kind: principal.Official, DisplayName: login,
		OrgCode: orgCode, Roles: roles, Password: demo.Password})
	if err != nil {
		t.Fatal(err)
	}
	return acc.Principal()
}

// until polls cond every 50 ms for at most 20 seconds.
func until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestTransferTwoNodes runs Fujian (350000) and Zhejiang (330000) on two databases and loopback
// ports, each the other's approved peer, with their event dispatchers running. A Fuzhou window
// collects an application for a Hangzhou item and transfers it; Fujian's node sends it, signed,
// to Zhejiang's, where Hangzhou's officials accept and decide it; each step is reported back,
// signed, and the applicant at Fujian sees the remote number, status and decision.
func TestTransferTwoNodes(t *testing.T) {
	storetest.EachWith(t, storetest.Options{Clock: clock.Real{}}, func(t *testing.T, dbA *store.DB) {
		dbB := storetest.Open(t, dbA.Dialect(), storetest.Options{Clock: clock.Real{}})
		fj := newNode(t, dbA, "350000", "")
		zj := newNode(t, dbB, "330000", "浙江省")
		ctx := context.Background()
		sys := principal.With(ctx, principal.SystemPrincipal)
		for _, n := range []node{fj, zj} {
			if _, err := n.app.Federation().Publish(sys); err != nil {
				t.Fatal(err)
			}
		}
		pair(t, zj, fj, "350000", "福建省")
		pair(t, fj, zj, "330000", "浙江省")

		// Hangzhou's bureau and its item, in both directories and catalogues.
		for _, n := range []node{fj, zj} {
			if _, err := org.Save(sys, n.app.DB, org.Organisation{Code: hzHealthcare, Kind: org.Department,
				NameHans: "杭州市医疗保障局", NameHant: "杭州市醫療保障局", NameEn: "Hangzhou Healthcare Security Administration",
				RegionCode: "330100"}); err != nil {
				t.Fatal(err)
			}
			if _, err := n.app.Catalog.Import(sys, principal.SystemPrincipal, []catalog.Item{medicalItem()}, nil); err != nil {
				t.Fatal(err)
			}
		}
		item := medicalItem().Code
		// Its officials at Zhejiang, and its approval seal.
		window := nodeOfficial(t, zj, "hzyb.window", hzHealthcare, principal.RoleWindowOfficer)
		reviewer := nodeOfficial(t, zj, "hzyb.reviewer", hzHealthcare, principal.RoleReviewer)
		approver := nodeOfficial(t, zj, "hzyb.approver", hzHealthcare, principal.RoleApprover)
		admin := principal.Principal{Kind: principal.Official, Login: "szb.admin", OrgCode: org.DigitalOffice,
			Roles: []string{principal.RoleAdministrator}}
		now := time.Now()
		s, err := zj.app.Seals.RequestSeal(principal.With(ctx, admin), admin, seal.Request{Org: hzHealthcare, Kind: seal.Special,
			Name: "杭州市医疗保障局行政审批专用章", Caption: "行政审批专用章", Algorithm: keys.ECDSAP256,
			ValidFrom: now.Add(-time.Hour), ValidTo: now.AddDate(3, 0, 0)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := zj.app.Seals.Approve(principal.With(ctx, approver), approver, s.ID); err != nil {
			t.Fatal(err)
		}

		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan struct{}, 2)
		for _, n := range []node{fj, zj} {
			go func() { _ = n.app.Dispatcher.Run(runCtx); done <- struct{}{} }()
		}
		t.Cleanup(func() { cancel(); <-done; <-done })

		// A Fuzhou window collects the application and transfers it.
		wacc, err := fj.app.Identity.AccountByLogin(sys, "fzscj.window")
		if err != nil {
			t.Fatal(err)
		}
		fzWindow := wacc.Principal()
		holder := demo.Residents[0]
		accID, err := fj.app.Identity.AccountIDByPhone(sys, holder.Phone)
		if err != nil {
			t.Fatal(err)
		}
		acc, err := fj.app.Identity.Account(sys, accID)
		if err != nil {
			t.Fatal(err)
		}
		resident := acc.Principal()
		pdf := []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
		wctx := principal.With(ctx, fzWindow)
		sub, err := fj.app.Cases.Apply(wctx, fzWindow, cases.Application{ItemCode: item, Channel: cases.ChannelWindow,
			Applicant: accID, Form: map[string]any{"address": "杭州市上城区解放路 100 号", "mobile": holder.Phone},
			Materials: []cases.Upload{{Code: "referral", FileName: "转诊证明.pdf", Data: pdf}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fj.app.Cases.ExportTransfer(wctx, fzWindow, sub.Case.ID); err != nil {
			t.Fatal(err)
		}

		// It arrives at Zhejiang, signed, for Hangzhou's bureau; Fujian learns its number there.
		hz := principal.With(ctx, window)
		var received cases.Summary
		until(t, "the case at Zhejiang", func() bool {
			list, err := zj.app.Cases.Worklist(hz, window, cases.WorkFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(list) == 1 {
				received = list[0]
			}
			return len(list) == 1
		})
		c, err := zj.app.Cases.Get(hz, window, received.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Origin == nil || c.Origin.Node != "350000" || c.Origin.Number != sub.Case.Number || !c.Origin.Signed ||
			c.Origin.Applicant.IDNumber != holder.IDNumber || len(c.Materials) != 1 || c.Materials[0].Status != cases.MaterialProvided {
			t.Fatalf("at Zhejiang: %+v, origin %+v", c, c.Origin)
		}
		mine := func() cases.Case {
			t.Helper()
			c, err := fj.app.Cases.Get(principal.With(ctx, resident), resident, sub.Case.ID)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		until(t, "Zhejiang's number at Fujian", func() bool { return mine().RemoteNumber == c.Number })

		// Hangzhou's officials handle it; Fujian follows each step and closes with the last.
		if _, err := zj.app.Cases.Accept(hz, window, c.ID, "材料齐全，予以受理"); err != nil {
			t.Fatal(err)
		}
		until(t, "accepted at Fujian", func() bool { return mine().RemoteStatus == cases.StatusAccepted })
		if _, err := zj.app.Cases.Review(principal.With(ctx, reviewer), reviewer, c.ID, "符合备案条件"); err != nil {
			t.Fatal(err)
		}
		decided, err := zj.app.Cases.Decide(principal.With(ctx, approver), approver, c.ID, cases.OutcomeApproved, "准予备案")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := zj.app.Cases.Deliver(hz, window, c.ID, cases.DeliveryElectronic); err != nil {
			t.Fatal(err)
		}
		until(t, "completed at Fujian", func() bool { return mine().Status == cases.StatusCompleted })
		back := mine()
		if back.Outcome != cases.OutcomeApproved || back.RemoteStatus != cases.StatusCompleted || back.RemoteNumber != c.Number ||
			back.TransferredTo != "330000" {
			t.Errorf("at Fujian: %s %s, remote %s %s at %s", back.Status, back.Outcome, back.RemoteStatus, back.RemoteNumber, back.TransferredTo)
		}
		events, err := fj.app.Cases.Timeline(principal.With(ctx, resident), resident, sub.Case.ID)
		if err != nil {
			t.Fatal(err)
		}
		var statuses []string
		signed, decision := 0, ""
		for _, e := range events {
			if e.Kind != cases.EventRemoteStatus {
				continue
			}
			statuses = append(statuses, e.Detail["status"].(string))
			if s, _ := e.Detail["signature"].(string); s != "" {
				signed++
			}
			if d, _ := e.Detail["decision_sha256"].(string); d != "" {
				decision = d
			}
		}
		// A transfer whose signature is missing or not Fujian's node key's is refused, though the
		// call itself authenticates.
		tr, err := fj.app.Cases.Transfer(sys, principal.SystemPrincipal, sub.Case.ID)
		if err != nil {
			t.Fatal(err)
		}
		tr.CaseNumber = "350100-20260101-999999"
		for _, sig := range [][]byte{nil, []byte("not a signature")} {
			tr.Signature = sig
			err := fj.app.NodeCalls.Call(sys, "330000", api.PathCaseTransfer, tr, nil)
			if !errs.Is(err, errs.Invalid) || errs.Public(err).Field != "signature" {
				t.Errorf("a transfer signed %q: %v", sig, err)
			}
		}
		// An item Zhejiang's catalogue does not list: Zhejiang refuses the transfer, and the case
		// comes back to the Fuzhou window.
		other := medicalItem()
		other.Code, other.HandlingCode, other.BasicCode = other.Code[:18]+"YB0009", other.Code[:18]+"YB00090001", "002021069000"
		if _, err := fj.app.Catalog.Import(sys, principal.SystemPrincipal, []catalog.Item{other}, nil); err != nil {
			t.Fatal(err)
		}
		sub2, err := fj.app.Cases.Apply(wctx, fzWindow, cases.Application{ItemCode: other.Code, Channel: cases.ChannelWindow,
			Applicant: accID, Form: map[string]any{"address": "杭州市西湖区文三路 20 号", "mobile": holder.Phone}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fj.app.Cases.ExportTransfer(wctx, fzWindow, sub2.Case.ID); err != nil {
			t.Fatal(err)
		}
		until(t, "the refused case back at Fujian", func() bool {
			c, err := fj.app.Cases.Get(principal.With(ctx, resident), resident, sub2.Case.ID)
			if err != nil {
				t.Fatal(err)
			}
			return c.Status == cases.StatusSubmitted && c.TransferredTo == ""
		})

		want := []string{"submitted", "accepted", "reviewed", "approved", "completed"}
		if len(statuses) != len(want) || signed != len(want) || decision != decided.Decision.DocumentSHA256 {
			t.Errorf("remote statuses %v (%d signed), decision %q; want %v signed, decision %q", statuses, signed, decision, want,
				decided.Decision.DocumentSHA256)
		}
	})
}
