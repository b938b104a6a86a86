package apps_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/apps"
	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

func TestConsents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, lin, chen := setup(t, db)
		a, _, err := s.Register(as(officeAdmin), socialSecurity())
		if err != nil {
			t.Fatal(err)
		}
		linCtx := as(lin)
		asked := []string{apps.ScopeOpenID, apps.ScopeProfile}
		if ok, err := s.Has(linCtx, a.ClientID, asked); err != nil || ok {
			t.Fatalf("Has before any consent: %v, %v", ok, err)
		}
		c, err := s.Grant(linCtx, a.ClientID, []string{apps.ScopeProfile, apps.ScopeOpenID})
		if err != nil {
			t.Fatal(err)
		}
		want := apps.Consent{ID: c.ID, AccountID: lin.AccountID, ClientID: a.ClientID, AppName: a.Name, Scopes: asked}
		if diff := cmp.Diff(want, c, cmpIgnoreTimes); diff != "" {
			t.Errorf("consent mismatch (-want +got):\n%s", diff)
		}
		if ok, err := s.Has(linCtx, a.ClientID, asked); err != nil || !ok {
			t.Errorf("Has after consenting: %v, %v", ok, err)
		}
		// More than was granted is not covered; granting it extends the same consent.
		more := []string{apps.ScopeOpenID, apps.ScopeIDNumber}
		if ok, _ := s.Has(linCtx, a.ClientID, more); ok {
			t.Errorf("a consent to name covers the ID number")
		}
		c2, err := s.Grant(linCtx, a.ClientID, more)
		if err != nil {
			t.Fatal(err)
		}
		if c2.ID != c.ID || !cmp.Equal(c2.Scopes, []string{apps.ScopeOpenID, apps.ScopeProfile, apps.ScopeIDNumber}) {
			t.Errorf("second grant: %+v, want consent %d extended", c2, c.ID)
		}
		// Someone else's consent is theirs: Chen has none, sees none.
		if ok, _ := s.Has(as(chen), a.ClientID, asked); ok {
			t.Errorf("Chen is covered by Lin's consent")
		}
		if l, err := s.Consents(as(chen)); err != nil || len(l) != 0 {
			t.Errorf("Chen's consents: %v, %v; want none", l, err)
		}
		// Acting for an enterprise is another context, needing its own consent.
		agent := lin
		agent.Kind, agent.ActingFor, agent.ActingForName = principal.Agent, "91350100MA2XYZ1234", "福州示例科技有限公司"
		if ok, _ := s.Has(as(agent), a.ClientID, asked); ok {
			t.Errorf("Lin's own consent covers her acting for an enterprise")
		}
		ce, err := s.Grant(as(agent), a.ClientID, asked)
		if err != nil {
			t.Fatal(err)
		}
		if ce.ID == c.ID || ce.ActingFor != agent.ActingFor {
			t.Errorf("consent acting for an enterprise: %+v", ce)
		}
		list, err := s.Consents(linCtx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 {
			t.Fatalf("Lin has %d consents, want 2: %+v", len(list), list)
		}

		// IDOR: Chen cannot revoke Lin's consent by its id, and learns nothing from trying.
		if err := s.Revoke(as(chen), c.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("Chen revoking Lin's consent: %v, want not found", err)
		}
		if ok, _ := s.InForce(linCtx, c.ID); !ok {
			t.Fatalf("Lin's consent is no longer in force after Chen's attempt")
		}
		if err := s.Revoke(as(principal.Principal{Kind: principal.Anonymous}), c.ID); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("anonymous revoke: %v, want unauthenticated", err)
		}
		if err := s.Revoke(as(client), c.ID); !errs.Is(err, errs.Forbidden) {
			t.Errorf("a client revoking: %v, want forbidden", err)
		}
		// Lin revokes her own.
		if err := s.Revoke(linCtx, c.ID); err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.InForce(linCtx, c.ID); ok {
			t.Errorf("revoked consent still in force")
		}
		if ok, _ := s.Has(linCtx, a.ClientID, asked); ok {
			t.Errorf("Has after revoking")
		}
		if err := s.Revoke(linCtx, c.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("revoking twice: %v, want not found", err)
		}
		// Consenting again makes a new consent: tokens of the revoked one stay dead.
		c3, err := s.Grant(linCtx, a.ClientID, asked)
		if err != nil {
			t.Fatal(err)
		}
		if c3.ID == c.ID {
			t.Errorf("a consent after revocation reuses the revoked one's id")
		}

		// Audit: grants, the extension and the revocation, by Lin.
		evs, err := audit.List(linCtx, db, audit.Filter{ObjectType: "consent"})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range evs {
			actions = append(actions, e.Action)
			if e.Actor != "resident:resident.lin" && e.Actor != "enterprise_agent:resident.lin" {
				t.Errorf("%s by %s", e.Action, e.Actor)
			}
		}
		wantActions := []string{"apps.consent.granted", "apps.consent.revoked", "apps.consent.granted", "apps.consent.granted", "apps.consent.granted"}
		if diff := cmp.Diff(wantActions, actions); diff != "" {
			t.Errorf("audit mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestGrantRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, lin, _ := setup(t, db)
		a, _, err := s.Register(as(officeAdmin), socialSecurity())
		if err != nil {
			t.Fatal(err)
		}
		svc, _, err := s.Register(as(officeAdmin), apps.Registration{ClientID: "fj-hrss-exchange", Name: apps.Text{Hans: "数据交换"},
			OwnerOrg: "fj-hrss", Type: apps.TypeService, Scopes: []string{principal.ScopeAPIRead}})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name     string
			p        principal.Principal
			clientID string
			scopes   []string
			want     errs.Kind
		}{
			{"anonymous", principal.Principal{Kind: principal.Anonymous}, a.ClientID, []string{apps.ScopeOpenID}, errs.Unauthenticated},
			{"a client app", client, a.ClientID, []string{apps.ScopeOpenID}, errs.Forbidden},
			{"the system", principal.SystemPrincipal, a.ClientID, []string{apps.ScopeOpenID}, errs.Forbidden},
			{"unknown app", lin, "fj-nobody", []string{apps.ScopeOpenID}, errs.NotFound},
			{"scope the app may not ask for", lin, a.ClientID, []string{apps.ScopePhone}, errs.Invalid},
			{"department system", lin, svc.ClientID, []string{principal.ScopeAPIRead}, errs.Invalid},
		} {
			if _, err := s.Grant(as(tc.p), tc.clientID, tc.scopes); errs.KindOf(err) != tc.want {
				t.Errorf("%s: %v, want %s", tc.name, err, tc.want)
			}
		}
		if err := s.Disable(as(officeAdmin), a.ClientID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Grant(as(lin), a.ClientID, []string{apps.ScopeOpenID}); !errs.Is(err, errs.Invalid) {
			t.Errorf("consenting to a disabled app: %v, want invalid", err)
		}
	})
}
