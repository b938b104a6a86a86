package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// A case a Fuzhou window handed over to Zhejiang's node: its applicant's page says where it went,
// its number there and how far it got, in each language, and the timeline lists each report.
func TestCaseTransferPages(t *testing.T) {
	t.Parallel()
	eachCaseSite(t, func(t *testing.T, s *casesSite) {
		window := s.principalOf(fzWindow)
		resident := s.principalOf(caseNeighbour)
		wctx := principal.With(context.Background(), window)
		sub, err := s.cases.Apply(wctx, window, cases.Application{ItemCode: hzMedicalItem, Channel: cases.ChannelWindow,
			Applicant: resident.AccountID, Form: map[string]any{"company": "杭州某某公司", "mobile": caseNeighbour}})
		if err != nil {
			t.Fatal(err)
		}
		id := sub.Case.ID
		// The window that collected it passes it on from the case's page; no one else may.
		one(t, parse(t, s.get("/work/cases/"+id, fzWindow)), "#transfer-form")
		if w := s.post("/work/cases/"+id+"/transfer", scjWin, url.Values{}); w.Code != http.StatusNotFound {
			t.Errorf("another organisation's window passes the case on: %d", w.Code)
		}
		w := s.post("/work/cases/"+id+"/transfer", fzWindow, url.Values{})
		wantRedirect(t, "transfer", w, w.Code, "/work/cases/"+id+"?done=transfer")
		doc := parse(t, s.get("/work/cases/"+id+"?done=transfer", fzWindow))
		if count(t, doc, "#transfer-form") != 0 {
			t.Error("the transfer form is still offered")
		}
		if c, err := s.cases.Get(wctx, window, id); err != nil || c.Status != cases.StatusTransferred {
			t.Fatalf("after the window's transfer: %+v, %v", c.Status, err)
		}
		doc = parse(t, s.get("/my/cases/"+id, caseNeighbour))
		if got := text(one(t, doc, "#case-transfer")); !strings.Contains(got, "浙江省") ||
			!strings.Contains(got, i18n.T(i18n.ZhHans, "cases.page.remote_pending")) {
			t.Errorf("before any report: %q", got)
		}

		// Zhejiang reports its number, then its decision.
		const remote = "330100-20260302-000815"
		at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
		for _, st := range []cases.TransferStatus{
			{Version: 1, Node: "330000", CaseNumber: sub.Case.Number, RemoteNumber: remote, Status: cases.StatusAccepted, At: at},
			{Version: 1, Node: "330000", CaseNumber: sub.Case.Number, RemoteNumber: remote, Status: cases.StatusApproved,
				Outcome: cases.OutcomeApproved, At: at.Add(time.Hour), Note: "准予备案",
				DecisionSHA256: "9f2c0b6d1e4a7c3b5d8e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e"},
		} {
			if err := s.cases.ApplyTransferStatus(context.Background(), st); err != nil {
				t.Fatal(err)
			}
		}
		for _, lang := range []i18n.Lang{i18n.ZhHans, i18n.ZhHant, i18n.En} {
			w := s.get("/my/cases/"+id+"?lang="+string(lang), caseNeighbour)
			wantStatus(t, "GET my transferred case", w, http.StatusOK)
			doc := parse(t, w)
			if got := text(one(t, doc, "#case-transfer")); !strings.Contains(got, remote) {
				t.Errorf("%s: transfer %q", lang, got)
			}
			approved := i18n.T(lang, "cases.status.approved")
			if got := text(one(t, doc, "#case-remote-status")); got != approved {
				t.Errorf("%s: remote status %q, want %q", lang, got, approved)
			}
			if body := w.Body.String(); strings.Count(body, remote) < 3 || !strings.Contains(body, "准予备案") {
				t.Errorf("%s: the timeline does not list both reports with their number and the decision's reasons", lang)
			}
		}
		// Someone else's case: not found, as any other.
		w = s.get("/my/cases/"+id, scjWin)
		if w.Code == http.StatusOK {
			t.Errorf("another official sees the transferred case: %d", w.Code)
		}
	})
}
