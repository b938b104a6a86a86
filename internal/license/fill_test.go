package license

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/events"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// caseMaterials is an in-memory CaseMaterials that, like internal/cases, fills or gives up on a
// material only while it is to be fetched.
type caseMaterials struct {
	mu    sync.Mutex
	cases map[string]*CaseLicences
	// outcome is each material's last outcome ("<case>/<code>" → state), calls counts them.
	outcome map[string]FilledLicence
	calls   int
}

func (m *caseMaterials) CaseLicences(_ context.Context, id string) (CaseLicences, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.cases[id]
	if !ok {
		return CaseLicences{}, errs.E(errs.NotFound, "error.not_found")
	}
	out := *c
	out.Materials = append([]CaseLicenceMaterial(nil), c.Materials...)
	return out, nil
}

func (m *caseMaterials) set(id, code string, f FilledLicence) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	c := m.cases[id]
	for i := range c.Materials {
		if c.Materials[i].Code == code && c.Materials[i].ToFetch {
			c.Materials[i].ToFetch = false
			if f.State == StateValid {
				c.Materials[i].FilledFrom = f.ID
			}
			m.outcome[id+"/"+code] = f
			return true
		}
	}
	return false
}

func (m *caseMaterials) FillFromLicence(_ context.Context, id, code string, f FilledLicence) (bool, error) {
	return m.set(id, code, f), nil
}

func (m *caseMaterials) LicenceUnavailable(_ context.Context, id, code string, f FilledLicence) (bool, error) {
	return m.set(id, code, f), nil
}

// uses returns the fill uses of licence id as (org, purpose, case).
func (r *rig) fillUses(t testing.TB, id string) [][3]string {
	t.Helper()
	var rows []struct {
		Org     string `db:"by_org"`
		Purpose string `db:"purpose"`
		Case    string `db:"case_id"`
	}
	if err := r.db.Select(context.Background(), &rows, `SELECT by_org, purpose, case_id FROM licence_uses
		WHERE licence_id = ? AND kind = 'filled' ORDER BY id`, id); err != nil {
		t.Fatal(err)
	}
	var out [][3]string
	for _, u := range rows {
		out = append(out, [3]string{u.Org, u.Purpose, u.Case})
	}
	return out
}

// A submitted case's licence material is filled from the applicant's valid licence of its type,
// and from nothing else; each use is recorded once, however often the event comes.
func TestFillCase(t *testing.T) {
	eachRig(t, "", func(t *testing.T, r *rig) {
		r.publishAll(t)
		ctx := as(system)
		born := time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)
		carolID, daveID, erinID := idcode.NewResidentID("350102", born, 301), idcode.NewResidentID("350102", born, 302),
			idcode.NewResidentID("350102", born, 303)
		carol := r.resident(t, "周小红", carolID, "13859007777")
		dave := r.resident(t, "吴大海", daveID, "13859008888")
		erin := r.resident(t, "郑一帆", erinID, "13859006666")
		aliceGuide := r.issue(t, fzApprover, guideRequest("林小梅", aliceID))
		food := r.issue(t, fzApprover, foodRequest())
		// bob's is revoked, carol's suspended, dave's expired; erin holds a newer valid one
		// beside a revoked one.
		bobGuide := r.issue(t, fzApprover, guideRequest("陈大伟", bobID))
		if _, err := r.svc.Revoke(as(fzApprover), fzApprover, bobGuide.ID, "以欺骗手段取得"); err != nil {
			t.Fatal(err)
		}
		carolGuide := r.issue(t, fzApprover, guideRequest("周小红", carolID))
		if _, err := r.svc.Suspend(as(fzApprover), fzApprover, carolGuide.ID, "暂停执业"); err != nil {
			t.Fatal(err)
		}
		old := guideRequest("吴大海", daveID)
		old.IssuedOn, old.ValidFrom, old.ValidUntil = "2024-01-01", "2024-01-01", "2024-12-31"
		daveGuide := r.issue(t, fzApprover, old)
		erinOld := r.issue(t, fzApprover, guideRequest("郑一帆", erinID))
		if _, err := r.svc.Revoke(as(fzApprover), fzApprover, erinOld.ID, "换发"); err != nil {
			t.Fatal(err)
		}
		r.clock.Advance(time.Second)
		erinGuide := r.issue(t, fzApprover, guideRequest("郑一帆", erinID))

		guide := func(consent bool) []CaseLicenceMaterial {
			return []CaseLicenceMaterial{{Code: "guide", NameHans: "导游证", TypeCode: guideTypeCode, ToFetch: consent}}
		}
		m := &caseMaterials{cases: map[string]*CaseLicences{}, outcome: map[string]FilledLicence{}}
		tests := []struct {
			name      string
			c         CaseLicences
			wantState State
			wantID    string // the licence filled from, or found
		}{
			{name: "the resident's valid licence", wantState: StateValid, wantID: aliceGuide.ID,
				c: CaseLicences{Applicant: r.alice.AccountID, Consent: true, Materials: guide(true)}},
			{name: "the enterprise's licence, for its agent", wantState: StateValid, wantID: food.ID,
				c: CaseLicences{Applicant: r.agent.AccountID, ActingFor: restaurantCode, Consent: true,
					Materials: []CaseLicenceMaterial{{Code: "food", TypeCode: foodTypeCode, ToFetch: true}}}},
			{name: "the agent's own licences are not the enterprise's", wantState: StateNone,
				c: CaseLicences{Applicant: r.alice.AccountID, ActingFor: restaurantCode, Consent: true, Materials: guide(true)}},
			{name: "revoked", wantState: StateRevoked, wantID: bobGuide.ID,
				c: CaseLicences{Applicant: r.bob.AccountID, Consent: true, Materials: guide(true)}},
			{name: "suspended", wantState: StateSuspended, wantID: carolGuide.ID,
				c: CaseLicences{Applicant: carol.AccountID, Consent: true, Materials: guide(true)}},
			{name: "expired", wantState: StateExpired, wantID: daveGuide.ID,
				c: CaseLicences{Applicant: dave.AccountID, Consent: true, Materials: guide(true)}},
			{name: "the newest valid one, not a revoked one", wantState: StateValid, wantID: erinGuide.ID,
				c: CaseLicences{Applicant: erin.AccountID, Consent: true, Materials: guide(true)}},
			{name: "another holder's licence is not used", wantState: StateNone,
				c: CaseLicences{Applicant: r.owner.AccountID, Consent: true, Materials: guide(true)}},
			{name: "without consent nothing is fetched",
				c: CaseLicences{Applicant: r.alice.AccountID, Materials: guide(true)}},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				id := "case-" + string(rune('a'+i))
				tt.c.Number, tt.c.Org = "350100-20260302-00000"+string(rune('1'+i)), fzMarket
				m.mu.Lock()
				c := tt.c
				m.cases[id] = &c
				m.mu.Unlock()
				payload, _ := json.Marshal(map[string]any{"case_id": id, "number": tt.c.Number, "status": "submitted"})
				for range 2 { // the second is a redelivery
					if err := r.svc.onCaseSubmitted(ctx, m, events.Event{ID: int64(i), Topic: topicCaseSubmitted, Payload: payload}); err != nil {
						t.Fatal(err)
					}
				}
				code := tt.c.Materials[0].Code
				got, ok := m.outcome[id+"/"+code]
				if tt.wantState == "" {
					if ok {
						t.Fatalf("filled without consent: %+v", got)
					}
					return
				}
				if !ok || got.State != tt.wantState || got.ID != tt.wantID {
					t.Fatalf("outcome %+v, want %s from %q", got, tt.wantState, tt.wantID)
				}
				if tt.wantState != StateValid {
					if tt.wantID != "" && len(r.fillUses(t, tt.wantID)) > 0 {
						t.Error("a use was recorded for a licence that filled nothing")
					}
					return
				}
				l, err := r.svc.Get(ctx, principal.SystemPrincipal, tt.wantID)
				if err != nil {
					t.Fatal(err)
				}
				want := FilledLicence{ID: l.ID, TypeCode: l.TypeCode, TypeName: l.NameHans, Number: l.Number,
					IssuerName: l.IssuerName, State: StateValid, VerifiedAt: got.VerifiedAt, ValidUntil: l.ValidUntil}
				if diff := cmp.Diff(want, got); diff != "" || got.VerifiedAt.IsZero() {
					t.Errorf("filled licence mismatch (-want +got):\n%s", diff)
				}
				wantUses := [][3]string{{fzMarket, "办件" + tt.c.Number + "材料免提交", id}}
				if diff := cmp.Diff(wantUses, r.fillUses(t, tt.wantID)); diff != "" {
					t.Errorf("uses mismatch (-want +got):\n%s", diff)
				}
			})
		}

		// A delivery that filled the material but stopped before recording the use records it
		// when the event comes again.
		m.cases["case-z"] = &CaseLicences{Number: "350100-20260302-000099", Org: fzMarket, Applicant: r.alice.AccountID,
			Consent: true, Materials: []CaseLicenceMaterial{{Code: "guide", TypeCode: guideTypeCode, FilledFrom: aliceGuide.ID}}}
		if err := r.svc.FillCase(ctx, m, "case-z"); err != nil {
			t.Fatal(err)
		}
		if n := len(r.fillUses(t, aliceGuide.ID)); n != 2 {
			t.Errorf("alice's licence has %d fill uses, want 2 (case-a and case-z)", n)
		}
		uses, err := r.svc.Uses(as(r.alice), r.alice, aliceGuide.ID)
		if err != nil || len(uses) != 2 || uses[0].Kind != "filled" {
			t.Errorf("the holder sees uses %+v, %v; want the two fills", uses, err)
		}
		// An unknown case is dropped, not retried.
		payload, _ := json.Marshal(map[string]any{"case_id": "no-such-case"})
		if err := r.svc.onCaseSubmitted(ctx, m, events.Event{ID: 99, Payload: payload}); err == nil || !strings.Contains(err.Error(), "permanent") {
			t.Errorf("unknown case: %v, want a permanent failure", err)
		}
	})
}
