package license

import (
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

func TestWallet(t *testing.T) {
	eachRig(t, keys.SM2, func(t *testing.T, r *rig) {
		r.publishAll(t)
		s := r.svc
		food := r.issue(t, fzApprover, foodRequest())
		aliceGuide := r.issue(t, fzApprover, guideRequest("林小梅", aliceID))
		bobGuide := r.issue(t, xmApprover, guideRequest("陈大伟", bobID))
		changed, err := s.Change(as(fzApprover), fzApprover, aliceGuide.ID, ChangeRequest{Reason: "更正",
			Face: map[string]string{"language": "英语、日语", "born_on": "1988-03-07"}})
		if err != nil {
			t.Fatal(err)
		}
		noID := principal.Principal{Kind: principal.Resident, AccountID: 9999, Login: "r0000"}
		for _, tc := range []struct {
			name string
			p    principal.Principal
			want []string
			kind errs.Kind
		}{
			{"alice sees her current version", r.alice, []string{changed.ID}, ""},
			{"bob sees his", r.bob, []string{bobGuide.ID}, ""},
			{"the owner as a person holds none", r.owner, nil, ""},
			{"the agent for licences sees the enterprise's", r.agent, []string{food.ID}, ""},
			{"an agent for taxation may not", r.taxAgent, nil, errs.Forbidden},
			{"a resident without a resident ID holds none", noID, nil, ""},
			{"an official has no wallet", fzApprover, nil, errs.Forbidden},
			{"the public", anonymous, nil, errs.Unauthenticated},
		} {
			t.Run("mine/"+tc.name, func(t *testing.T) {
				list, err := s.Mine(as(tc.p), tc.p)
				if tc.kind != "" {
					if !errs.Is(err, tc.kind) {
						t.Fatalf("error %v, want %s", err, tc.kind)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, l := range list {
					got = append(got, l.ID)
				}
				if len(got) != len(tc.want) || len(got) > 0 && got[0] != tc.want[0] {
					t.Errorf("mine = %v, want %v", got, tc.want)
				}
			})
		}
		for _, tc := range []struct {
			name string
			p    principal.Principal
			id   string
			ok   bool
		}{
			{"holder", r.alice, changed.ID, true},
			{"holder, superseded version", r.alice, aliceGuide.ID, true},
			{"another resident", r.bob, changed.ID, false},
			{"another resident, old version", r.bob, aliceGuide.ID, false},
			{"agent of the holder", r.agent, food.ID, true},
			{"agent without the scope", r.taxAgent, food.ID, false},
			{"the owner in person", r.owner, food.ID, false},
			{"an agent, a resident's licence", r.agent, changed.ID, false},
			{"issuer's official", fzWindow, food.ID, true},
			{"another organisation's official", xmApprover, food.ID, false},
			{"the public", anonymous, bobGuide.ID, false},
			{"no such licence", r.alice, changed.ID[:len(changed.ID)-1] + "0", false},
		} {
			t.Run("get/"+tc.name, func(t *testing.T) {
				l, err := s.Get(as(tc.p), tc.p, tc.id)
				if !tc.ok {
					wantErr(t, err, errs.NotFound, "", "license.error.not_found")
					if _, err := s.History(as(tc.p), tc.p, tc.id); !errs.Is(err, errs.NotFound) {
						t.Errorf("history: %v", err)
					}
					if _, err := s.Present(as(tc.p), tc.p, tc.id, PresentRequest{Purpose: "查验"}); !errs.Is(err, errs.NotFound) {
						t.Errorf("present: %v", err)
					}
					if _, err := s.Uses(as(tc.p), tc.p, tc.id); !errs.Is(err, errs.NotFound) {
						t.Errorf("uses: %v", err)
					}
					return
				}
				if err != nil || l.ID != tc.id {
					t.Fatalf("get = %s, %v", l.ID, err)
				}
			})
		}
	})
}

func TestPresent(t *testing.T) {
	eachRig(t, keys.SM2, func(t *testing.T, r *rig) {
		r.publishAll(t)
		s := r.svc
		food := r.issue(t, fzApprover, foodRequest())
		// Officials do not present; holders present valid licences with chosen fields.
		_, err := s.Present(as(fzApprover), fzApprover, food.ID, PresentRequest{Purpose: "查验"})
		wantErr(t, err, errs.NotFound, "", "license.error.not_found")
		for _, tc := range []struct {
			name           string
			req            PresentRequest
			field, message string
		}{
			{"no purpose", PresentRequest{}, "purpose", "plaintext.error.required"},
			{"unknown field", PresentRequest{Purpose: "查验", Fields: []string{"colour"}}, "fields", "license.error.field_unknown"},
			{"public claims are not disclosed", PresentRequest{Purpose: "查验", Fields: []string{"number"}}, "fields", "license.error.field_unknown"},
			{"lifetime too long", PresentRequest{Purpose: "查验", Lifetime: 2 * time.Hour}, "lifetime", "license.error.lifetime"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.Present(as(r.agent), r.agent, food.ID, tc.req)
				wantErr(t, err, errs.Invalid, tc.field, tc.message)
			})
		}
		text, err := s.Present(as(r.agent), r.agent, food.ID, PresentRequest{Purpose: "办理食品经营许可延续",
			Fields: []string{ClaimHolderName, "address", "address"}})
		if err != nil {
			t.Fatal(err)
		}
		v, err := credential.VerifyPresentation(text, s.trust, r.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Disclosed) != 2 || v.Disclosed["address"] != food.Face["address"] || v.Presentation.Presenter != node ||
			v.Presentation.Expires-v.Presentation.IssuedAt != int64(DefaultLifetime/time.Second) {
			t.Errorf("presentation = %+v", v)
		}
		if got := r.auditActions(t, food.ID); len(got) != 2 || got[1] != "license.present" {
			t.Errorf("audit = %v", got)
		}
		if _, err := s.Suspend(as(fzApprover), fzApprover, food.ID, "调查"); err != nil {
			t.Fatal(err)
		}
		_, err = s.Present(as(r.agent), r.agent, food.ID, PresentRequest{Purpose: "查验"})
		wantErr(t, err, errs.Conflict, "", "license.error.not_presentable")
	})
}
