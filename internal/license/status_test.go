package license

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/ledger"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

func TestStatusTransitions(t *testing.T) {
	eachRig(t, keys.SM2, func(t *testing.T, r *rig) {
		r.publishAll(t)
		l := r.issue(t, fzApprover, foodRequest())
		s := r.svc
		type step struct {
			name    string
			p       principal.Principal
			do      string // suspend, reinstate, revoke
			reason  string
			kind    errs.Kind
			message string
			want    Status
		}
		run := func(t *testing.T, id string, steps []step) {
			for _, st := range steps {
				var got Licence
				var err error
				ctx := as(st.p)
				switch st.do {
				case "suspend":
					got, err = s.Suspend(ctx, st.p, id, st.reason)
				case "reinstate":
					got, err = s.Reinstate(ctx, st.p, id, st.reason)
				case "revoke":
					got, err = s.Revoke(ctx, st.p, id, st.reason)
				case "change":
					got, err = s.Change(ctx, st.p, id, ChangeRequest{Reason: st.reason, Face: map[string]string{"legal_rep": "王建国",
						"address": "福州市鼓楼区杨桥东路20号", "business_scope": "热食类食品制售"}})
				}
				if st.kind != "" {
					if !errs.Is(err, st.kind) || st.message != "" && errs.Public(err).Message != st.message {
						t.Fatalf("%s: error %v, want %s %s", st.name, err, st.kind, st.message)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s: %v", st.name, err)
				}
				if got.Status != st.want || got.StatusReason != st.reason {
					t.Fatalf("%s: status %s (%q), want %s", st.name, got.Status, got.StatusReason, st.want)
				}
			}
		}
		run(t, l.ID, []step{
			{name: "another organisation's approver", p: xmApprover, do: "suspend", reason: "x", kind: errs.NotFound, message: "license.error.not_found"},
			{name: "a resident", p: r.owner, do: "revoke", reason: "x", kind: errs.NotFound},
			{name: "the public", p: anonymous, do: "suspend", reason: "x", kind: errs.NotFound},
			{name: "the issuer's window officer", p: fzWindow, do: "suspend", reason: "x", kind: errs.Forbidden, message: "license.error.issue_forbidden"},
			{name: "no reason", p: fzApprover, do: "suspend", reason: " ", kind: errs.Invalid, message: "license.error.reason"},
			{name: "reinstate a valid licence", p: fzApprover, do: "reinstate", reason: "x", kind: errs.Conflict, message: "license.error.not_suspended"},
			{name: "suspend", p: fzApprover, do: "suspend", reason: "停业整顿", want: StatusSuspended},
			{name: "suspend twice", p: fzApprover, do: "suspend", reason: "x", kind: errs.Conflict, message: "license.error.suspended"},
			{name: "change a suspended licence", p: fzApprover, do: "change", reason: "x", kind: errs.Conflict, message: "license.error.suspended"},
			{name: "reinstate", p: fzApprover, do: "reinstate", reason: "整顿完毕", want: StatusValid},
			{name: "revoke", p: fzApprover, do: "revoke", reason: "以欺骗手段取得许可", want: StatusRevoked},
			{name: "revoked is final: reinstate", p: fzApprover, do: "reinstate", reason: "x", kind: errs.Conflict, message: "license.error.revoked"},
			{name: "revoked is final: suspend", p: fzApprover, do: "suspend", reason: "x", kind: errs.Conflict, message: "license.error.revoked"},
			{name: "revoked is final: revoke", p: fzApprover, do: "revoke", reason: "x", kind: errs.Conflict, message: "license.error.revoked"},
			{name: "revoked is final: change", p: fzApprover, do: "change", reason: "x", kind: errs.Conflict, message: "license.error.revoked"},
		})
		hist, err := s.History(as(fzApprover), fzApprover, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, h := range hist {
			kinds = append(kinds, h.Kind)
		}
		if diff := cmp.Diff([]string{"issued", "suspended", "reinstated", "revoked"}, kinds); diff != "" {
			t.Errorf("history mismatch (-want +got):\n%s", diff)
		}
		// Every step is in the ledger under the licence and its key, a status step with the
		// digest of its status statement.
		var steps []string
		for _, e := range r.entries(t) {
			if e.Subject != l.ID+"#"+l.KeyID {
				continue
			}
			steps = append(steps, string(e.Type))
			switch e.Type {
			case ledger.TypeLicenceSuspended:
				if e.Digest != digestText(statusStatement(l.ID, StateSuspended, e.Time)) {
					t.Errorf("suspension digest %s is not its statement's", e.Digest)
				}
			case ledger.TypeLicenceRevoked:
				if e.Digest != digestText(statusStatement(l.ID, StateRevoked, e.Time)) {
					t.Errorf("revocation digest %s is not its statement's", e.Digest)
				}
			}
		}
		if diff := cmp.Diff([]string{"licence.issued", "licence.suspended", "licence.changed", "licence.revoked"}, steps); diff != "" {
			t.Errorf("ledger mismatch (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"license.issue", "license.suspend", "license.reinstate", "license.revoke"}, r.auditActions(t, l.ID)); diff != "" {
			t.Errorf("audit mismatch (-want +got):\n%s", diff)
		}
		var topics []string
		if err := r.db.Select(context.Background(), &topics, `SELECT topic FROM events WHERE topic LIKE 'license.%' ORDER BY id`); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"license.type.published", "license.type.published", "license.type.published", "license.issued",
			"license.suspended", "license.reinstated", "license.revoked"}, topics); diff != "" {
			t.Errorf("events mismatch (-want +got):\n%s", diff)
		}
		var notices []string
		if err := r.db.Select(context.Background(), &notices, `SELECT msg_key FROM notify_messages WHERE account_id = ? ORDER BY id`,
			r.owner.AccountID); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"license.notice.issued", "license.notice.suspended", "license.notice.reinstated",
			"license.notice.revoked"}, notices); diff != "" {
			t.Errorf("notices mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestChange(t *testing.T) {
	eachRig(t, keys.ECDSAP256, func(t *testing.T, r *rig) {
		r.publishAll(t)
		s := r.svc
		l := r.issue(t, fzApprover, foodRequest())
		face := map[string]string{"legal_rep": "王建国", "address": "福州市鼓楼区杨桥东路20号", "business_scope": "热食类食品制售", "note": "迁址"}
		_, err := s.Change(as(xmApprover), xmApprover, l.ID, ChangeRequest{Face: face, Reason: "迁址"})
		wantErr(t, err, errs.NotFound, "", "license.error.not_found")
		_, err = s.Change(as(fzWindow), fzWindow, l.ID, ChangeRequest{Face: face, Reason: "迁址"})
		wantErr(t, err, errs.Forbidden, "", "license.error.issue_forbidden")
		_, err = s.Change(as(fzApprover), fzApprover, l.ID, ChangeRequest{Face: l.Face, Reason: "无"})
		wantErr(t, err, errs.Invalid, "", "license.error.unchanged")
		_, err = s.Change(as(fzApprover), fzApprover, l.ID, ChangeRequest{Face: map[string]string{"address": "x"}, Reason: "迁址"})
		wantErr(t, err, errs.Invalid, "face.legal_rep", "license.error.face_required")
		_, err = s.Change(as(fzApprover), fzApprover, l.ID, ChangeRequest{ValidUntil: "2040-01-01", Reason: "延续"})
		wantErr(t, err, errs.Invalid, "valid_until", "license.error.validity")

		r.clock.Advance(24 * time.Hour)
		nl, err := s.Change(as(fzApprover), fzApprover, l.ID, ChangeRequest{Face: face, HolderName: "福州市鼓楼区榕城茶楼", Reason: "迁址更名"})
		if err != nil {
			t.Fatal(err)
		}
		id, err := idcode.ParseLicenceID(nl.ID)
		if err != nil {
			t.Fatal(err)
		}
		independentCheck(t, nl.ID)
		if id.Version != "002" || id.Serial != l.Serial || nl.Supersedes != l.ID || nl.Status != StatusValid ||
			nl.IssuedOn != "2026-03-03" || nl.ValidFrom != l.ValidFrom || nl.ValidUntil != l.ValidUntil ||
			nl.HolderName != "福州市鼓楼区榕城茶楼" || nl.Face["note"] != "迁址" || nl.Number != l.Number {
			t.Errorf("new version = %+v", nl)
		}
		old, err := s.Get(as(fzApprover), fzApprover, l.ID)
		if err != nil || old.Status != StatusSuperseded || old.StatusReason != "迁址更名" {
			t.Errorf("old version = %+v, %v", old, err)
		}
		c, err := credential.Verify(nl.Credential, s.trust)
		if err != nil || c.Subject != nl.ID {
			t.Fatalf("new credential: %+v, %v", c, err)
		}
		disc, _ := s.disclosures(context.Background(), nl.ID)
		var all []string
		for _, d := range disc {
			all = append(all, d)
		}
		if hidden, err := credential.Disclose(c, all); err != nil || hidden["holder_name"] != "福州市鼓楼区榕城茶楼" || hidden["address"] != face["address"] {
			t.Errorf("new hidden claims = %v, %v", hidden, err)
		}
		es := r.entries(t)
		last := es[len(es)-1]
		if last.Type != ledger.TypeLicenceChanged || last.Subject != nl.ID+"#"+nl.KeyID || last.Digest != digestText(nl.Credential) {
			t.Errorf("ledger entry = %+v", last)
		}
		// The superseded version cannot change again; the new one can, to "003".
		_, err = s.Change(as(fzApprover), fzApprover, l.ID, ChangeRequest{Face: face, Reason: "x"})
		wantErr(t, err, errs.Conflict, "", "license.error.superseded")
		_, err = s.Suspend(as(fzApprover), fzApprover, l.ID, "x")
		wantErr(t, err, errs.Conflict, "", "license.error.superseded")
		face["note"] = ""
		n3, err := s.Change(as(fzApprover), fzApprover, nl.ID, ChangeRequest{Face: face, Reason: "删除备注"})
		if err != nil || n3.Version != "003" || n3.Supersedes != nl.ID {
			t.Fatalf("third version = %+v, %v", n3, err)
		}
		for _, h := range []struct {
			id   string
			want []string
		}{{l.ID, []string{"issued", "changed"}}, {nl.ID, []string{"changed", "changed"}}, {n3.ID, []string{"changed"}}} {
			hist, err := s.History(as(fzApprover), fzApprover, h.id)
			if err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for _, x := range hist {
				kinds = append(kinds, x.Kind)
			}
			if !cmp.Equal(kinds, h.want) {
				t.Errorf("history of %s = %v, want %v", h.id, kinds, h.want)
			}
		}
		// A licence past its validity cannot change.
		r.clock.Set(time.Date(2031, 3, 2, 9, 0, 0, 0, clock.China))
		_, err = s.Change(as(fzApprover), fzApprover, n3.ID, ChangeRequest{Face: map[string]string{"legal_rep": "王建国",
			"address": "x", "business_scope": "y"}, Reason: "x"})
		wantErr(t, err, errs.Conflict, "", "license.error.expired")
		_, err = s.Suspend(as(fzApprover), fzApprover, n3.ID, "x")
		wantErr(t, err, errs.Conflict, "", "license.error.expired")
		if _, err := s.Revoke(as(fzApprover), fzApprover, n3.ID, "注销"); err != nil {
			t.Errorf("revoking an expired licence: %v", err)
		}
	})
}

func TestSweep(t *testing.T) {
	eachRig(t, keys.SM2, func(t *testing.T, r *rig) {
		r.publishAll(t)
		s := r.svc
		// Issued in 2025 for a year: expired on 2026-01-01.
		old := guideRequest("林小梅", aliceID)
		old.ValidFrom, old.ValidUntil = "2025-01-01", "2025-12-31"
		expired := r.issue(t, fzApprover, old)
		current := r.issue(t, fzApprover, guideRequest("陈大伟", bobID))
		// A revoked licence past its end is not logged expired (it is not valid to expire).
		revoked := r.issue(t, fzApprover, old)
		if _, err := s.Revoke(as(fzApprover), fzApprover, revoked.ID, "注销"); err != nil {
			t.Fatal(err)
		}
		n, err := s.Sweep(context.Background())
		if err != nil || n != 1 {
			t.Fatalf("sweep = %d, %v", n, err)
		}
		if n, err := s.Sweep(context.Background()); err != nil || n != 0 {
			t.Fatalf("second sweep = %d, %v", n, err)
		}
		var expiredEntries []ledger.Entry
		for _, e := range r.entries(t) {
			if e.Type == ledger.TypeLicenceExpired {
				expiredEntries = append(expiredEntries, e)
			}
		}
		if len(expiredEntries) != 1 || expiredEntries[0].Subject != expired.ID+"#"+expired.KeyID ||
			expiredEntries[0].Digest != digestText(statusStatement(expired.ID, StateExpired, expiredEntries[0].Time)) {
			t.Errorf("expired entries = %+v", expiredEntries)
		}
		hist, _ := s.History(as(system), system, expired.ID)
		if len(hist) != 2 || hist[1].Kind != StepExpired || hist[1].Actor != "system:system" {
			t.Errorf("history = %+v", hist)
		}
		// The valid one expires when its day has passed, and is logged then, once.
		r.clock.Set(time.Date(2029, 3, 1, 23, 59, 0, 0, clock.China))
		if n, _ := s.Sweep(context.Background()); n != 0 {
			t.Errorf("swept %d on the last valid day", n)
		}
		r.clock.Set(time.Date(2029, 3, 2, 0, 0, 1, 0, clock.China))
		if n, _ := s.Sweep(context.Background()); n != 1 {
			t.Errorf("swept %d the day after", n)
		}
		if got := r.auditActions(t, current.ID); !cmp.Equal(got, []string{"license.issue", "license.expire"}) {
			t.Errorf("audit = %v", got)
		}
	})
}
