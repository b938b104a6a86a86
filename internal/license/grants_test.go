package license

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/notify"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// The peer node of the tests (Zhejiang) and an organisation there.
const zjNode = "330000"

var zjOrg = idcode.NewCreditCode('1', '1', "330000", "00002277")

// peers is a fixed PeerNodes.
type peers []Node

func (p peers) ApprovedPeers(context.Context) ([]Node, error) { return p, nil }

// grantRig is a rig with Zhejiang as an approved peer, the licence types published, the
// restaurant's food licence and Alice's tour guide certificate valid for twelve months.
func grantRig(t *testing.T, r *rig) (food, guide Licence) {
	t.Helper()
	r.svc.cfg.PeerNodes = peers{{Code: zjNode, Name: "浙江省一网通办"}}
	r.publishAll(t)
	food = r.issue(t, fzApprover, foodRequest())
	req := guideRequest("林小梅", aliceID)
	req.ValidUntil = "2027-03-01"
	guide = r.issue(t, fzApprover, req)
	return food, guide
}

// at is a time in China on the test's calendar.
func at(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, clock.China) }

func TestGrantRequests(t *testing.T) {
	eachRig(t, keys.SM2, func(t *testing.T, r *rig) {
		food, guide := grantRig(t, r)
		now := r.clock.Now()
		month := now.AddDate(0, 1, 0)
		ok := GrantRequest{GranteeOrg: xmMarket, Purpose: "办理分店食品经营许可", ValidUntil: month}
		with := func(f func(*GrantRequest)) GrantRequest {
			req := ok
			f(&req)
			return req
		}
		for _, tc := range []struct {
			name           string
			p              func() principal.Principal
			id             string
			req            GrantRequest
			kind           errs.Kind
			field, message string
		}{
			{name: "the agent grants to a local organisation", req: ok},
			{name: "to a peer's organisation", req: with(func(q *GrantRequest) { q.GranteeNode, q.GranteeOrg = zjNode, " "+strings.ToLower(zjOrg) })},
			{name: "this node's code is a local grant", req: with(func(q *GrantRequest) { q.GranteeNode = node })},
			{name: "a start in the past starts now", req: with(func(q *GrantRequest) { q.ValidFrom = now.AddDate(0, 0, -3) })},
			{name: "Alice grants her certificate", p: func() principal.Principal { return r.alice }, id: guide.ID, req: ok},
			{name: "another resident", p: func() principal.Principal { return r.bob }, req: ok, kind: errs.NotFound,
				message: "license.error.not_found"},
			{name: "an agent without the licences scope", p: func() principal.Principal { return r.taxAgent }, req: ok,
				kind: errs.NotFound, message: "license.error.not_found"},
			{name: "the issuer's approver", p: func() principal.Principal { return fzApprover }, req: ok, kind: errs.NotFound,
				message: "license.error.not_found"},
			{name: "the public", p: func() principal.Principal { return anonymous }, req: ok, kind: errs.NotFound},
			{name: "no organisation", req: with(func(q *GrantRequest) { q.GranteeOrg = " " }), kind: errs.Invalid,
				field: "grantee_org", message: "license.grant.error.org_required"},
			{name: "an unknown organisation", req: with(func(q *GrantRequest) { q.GranteeOrg = "nobody" }), kind: errs.Invalid,
				field: "grantee_org", message: "license.grant.error.org_unknown"},
			{name: "a control character in the organisation", req: with(func(q *GrantRequest) { q.GranteeOrg = "xm\x00" }),
				kind: errs.Invalid, field: "grantee_org", message: "license.grant.error.org_unknown"},
			{name: "a node that is no peer", req: with(func(q *GrantRequest) { q.GranteeNode, q.GranteeOrg = "320000", zjOrg }),
				kind: errs.Invalid, field: "grantee_node", message: "license.grant.error.node_unknown"},
			{name: "a node that is no region", req: with(func(q *GrantRequest) { q.GranteeNode, q.GranteeOrg = "zj", zjOrg }),
				kind: errs.Invalid, field: "grantee_node", message: "license.grant.error.node_unknown"},
			{name: "a peer without a credit code", req: with(func(q *GrantRequest) { q.GranteeNode, q.GranteeOrg = zjNode, "" }),
				kind: errs.Invalid, field: "grantee_org", message: "license.grant.error.credit_code_required"},
			{name: "a peer with a bad credit code", req: with(func(q *GrantRequest) {
				q.GranteeNode, q.GranteeOrg = zjNode, zjOrg[:17]+map[bool]string{true: "1", false: "0"}[zjOrg[17] == '0']
			}),
				kind: errs.Invalid, field: "grantee_org"},
			{name: "a peer with a local org code", req: with(func(q *GrantRequest) { q.GranteeNode, q.GranteeOrg = zjNode, xmMarket }),
				kind: errs.Invalid, field: "grantee_org"},
			{name: "no purpose", req: with(func(q *GrantRequest) { q.Purpose = "  " }), kind: errs.Invalid, field: "purpose",
				message: "plaintext.error.required"},
			{name: "a purpose too long", req: with(func(q *GrantRequest) { q.Purpose = strings.Repeat("办", MaxGrantPurpose+1) }),
				kind: errs.Invalid, field: "purpose", message: "plaintext.error.too_long"},
			{name: "a purpose with a control character", req: with(func(q *GrantRequest) { q.Purpose = "办理\u0007" }),
				kind: errs.Invalid, field: "purpose", message: "plaintext.error.control"},
			{name: "no end", req: with(func(q *GrantRequest) { q.ValidUntil = time.Time{} }), kind: errs.Invalid,
				field: "valid_until", message: "license.grant.error.until_required"},
			{name: "an end before the start", req: with(func(q *GrantRequest) { q.ValidFrom, q.ValidUntil = month, now.AddDate(0, 0, 7) }),
				kind: errs.Invalid, field: "valid_until", message: "license.grant.error.until_before_from"},
			{name: "an end in the past", req: with(func(q *GrantRequest) { q.ValidUntil = now.Add(-time.Hour) }), kind: errs.Invalid,
				field: "valid_until", message: "license.grant.error.until_before_from"},
			{name: "more than a year", req: with(func(q *GrantRequest) { q.ValidUntil = now.AddDate(1, 0, 1) }), kind: errs.Invalid,
				field: "valid_until", message: "license.grant.error.too_long"},
			{name: "a start more than a year ahead", req: with(func(q *GrantRequest) { q.ValidFrom, q.ValidUntil = now.AddDate(1, 0, 1), now.AddDate(1, 0, 2) }),
				kind: errs.Invalid, field: "valid_from", message: "license.grant.error.from_too_late"},
			{name: "after the licence ends", p: func() principal.Principal { return r.alice }, id: guide.ID,
				req: with(func(q *GrantRequest) { q.ValidUntil = at(2027, 3, 2, 8) }), kind: errs.Invalid, field: "valid_until",
				message: "license.grant.error.after_licence"},
			{name: "on the licence's last day", p: func() principal.Principal { return r.alice }, id: guide.ID,
				req: with(func(q *GrantRequest) { q.ValidUntil = at(2027, 3, 2, 0) })},
			{name: "no such licence", id: food.ID[:len(food.ID)-1] + "0", req: ok, kind: errs.NotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := r.agent
				if tc.p != nil {
					p = tc.p()
				}
				id := food.ID
				if tc.id != "" {
					id = tc.id
				}
				g, err := r.svc.Grant(as(p), p, id, tc.req)
				wantErr(t, err, tc.kind, tc.field, tc.message)
				if tc.kind != "" {
					return
				}
				if !g.Active || g.LicenceID != id || g.Purpose != tc.req.Purpose || !g.ValidUntil.Equal(tc.req.ValidUntil) ||
					g.ValidFrom.Before(now) || g.RevokedAt != nil || !strings.HasPrefix(g.ID, "gr_") {
					t.Errorf("grant = %+v", g)
				}
				switch {
				case g.GranteeNode == "" && g.GranteeName != "厦门市市场监督管理局":
					t.Errorf("grantee name %q", g.GranteeName)
				case g.GranteeNode == zjNode && (g.GranteeOrg != zjOrg || g.GranteeName != "浙江省一网通办 "+zjOrg):
					t.Errorf("peer grantee %q %q", g.GranteeOrg, g.GranteeName)
				}
			})
		}
		// Only a valid licence is granted.
		if _, err := r.svc.Suspend(as(fzApprover), fzApprover, guide.ID, "核查"); err != nil {
			t.Fatal(err)
		}
		_, err := r.svc.Grant(as(r.alice), r.alice, guide.ID, ok)
		wantErr(t, err, errs.Conflict, "", "license.grant.error.not_valid")
		// At most MaxActiveGrants in force or to come.
		list, err := r.svc.Grants(as(r.agent), r.agent, food.ID)
		if err != nil {
			t.Fatal(err)
		}
		for range MaxActiveGrants - len(list) {
			if _, err := r.svc.Grant(as(r.agent), r.agent, food.ID, ok); err != nil {
				t.Fatal(err)
			}
		}
		_, err = r.svc.Grant(as(r.agent), r.agent, food.ID, ok)
		wantErr(t, err, errs.Conflict, "", "license.grant.error.too_many")
	})
}

func TestFetch(t *testing.T) {
	eachRig(t, keys.ECDSAP256, func(t *testing.T, r *rig) {
		food, guide := grantRig(t, r)
		s := r.svc
		now := r.clock.Now()
		xmClerk := official("xm.clerk", xmMarket, principal.RoleReviewer)
		g, err := s.Grant(as(r.agent), r.agent, food.ID, GrantRequest{GranteeOrg: xmMarket, Purpose: "分店许可",
			ValidUntil: now.AddDate(0, 0, 30)})
		if err != nil {
			t.Fatal(err)
		}
		later, err := s.Grant(as(r.alice), r.alice, guide.ID, GrantRequest{GranteeOrg: xmMarket, Purpose: "导游年审",
			ValidFrom: now.AddDate(0, 0, 10), ValidUntil: now.AddDate(0, 0, 20)})
		if err != nil {
			t.Fatal(err)
		}
		r.clock.Advance(time.Second) // the peer's grant is the newer
		peer, err := s.Grant(as(r.agent), r.agent, food.ID, GrantRequest{GranteeNode: zjNode, GranteeOrg: zjOrg,
			Purpose: "跨省开办分店", ValidUntil: now.AddDate(0, 2, 0)})
		if err != nil {
			t.Fatal(err)
		}

		t.Run("the grantee's official fetches", func(t *testing.T) {
			f, err := s.Fetch(as(xmClerk), xmClerk, food.ID, "审查分店申请 XM2026-0001")
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{ClaimHolderName: food.HolderName, ClaimHolderCode: restaurantCode}
			for k, v := range food.Face {
				want[k] = v
			}
			if diff := cmp.Diff(want, f.Licence.Disclosed); diff != "" {
				t.Errorf("disclosed mismatch (-want +got):\n%s", diff)
			}
			if f.State != StateValid || f.GrantID != g.ID || f.Credential != food.Credential || f.Licence.ID != food.ID ||
				f.Licence.Number != food.Number || f.FetchedAt.IsZero() {
				t.Errorf("fetched = %+v", f)
			}
			// What a grantee can check itself: the credential verifies and lists the disclosures.
			c, err := credential.Verify(f.Credential, s.trust)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := credential.Disclose(c, f.Disclosures); err != nil || len(got) != len(want) {
				t.Errorf("disclosures: %v, %v", got, err)
			}
		})
		t.Run("the use, its audit and the holder's message", func(t *testing.T) {
			uses, err := s.Uses(as(r.agent), r.agent, food.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(uses) != 1 || uses[0].Kind != KindFetched || uses[0].ByOrg != xmMarket || uses[0].ByNode != "" ||
				uses[0].GrantID != g.ID || uses[0].Purpose != "审查分店申请 XM2026-0001" {
				t.Errorf("uses = %+v", uses)
			}
			var actor string
			if err := r.db.Get(context.Background(), &actor, `SELECT by_actor FROM licence_uses WHERE grant_id = ?`, g.ID); err != nil ||
				actor != "official:xm.clerk" {
				t.Errorf("by_actor %q, %v", actor, err)
			}
			got := r.auditActions(t, food.ID)
			if diff := cmp.Diff([]string{"license.issue", "license.grant", "license.grant", "license.fetch"}, got); diff != "" {
				t.Errorf("audit mismatch (-want +got):\n%s", diff)
			}
			var detail string
			if err := r.db.Get(context.Background(), &detail, `SELECT detail FROM audit_events WHERE action = 'license.fetch'`); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(detail, "XM2026") || strings.Contains(detail, restaurantCode) {
				t.Errorf("the audit detail holds the reason or the holder: %s", detail)
			}
			msgs, err := notify.New(r.db, notify.Options{}).Inbox(as(r.owner), r.owner, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, m := range msgs {
				found = found || m.Key == "license.notice.fetched" && strings.Contains(strings.Join(m.Args, "|"), "厦门市市场监督管理局")
			}
			if !found {
				t.Errorf("the owner was not told: %+v", msgs)
			}
		})

		for _, tc := range []struct {
			name   string
			p      principal.Principal
			id     string
			reason string
			kind   errs.Kind
			field  string
		}{
			{name: "another organisation's official", p: fzApprover, id: food.ID, reason: "查看", kind: errs.Forbidden},
			{name: "the issuer's window officer", p: fzWindow, id: food.ID, reason: "查看", kind: errs.Forbidden},
			{name: "the holder is no grantee", p: r.agent, id: food.ID, reason: "查看", kind: errs.Forbidden},
			{name: "the public", p: anonymous, id: food.ID, reason: "查看", kind: errs.Forbidden},
			{name: "a grant not yet in force", p: xmClerk, id: guide.ID, reason: "年审", kind: errs.Forbidden},
			{name: "a licence never granted", p: xmClerk, id: r.issue(t, fzApprover, guideRequest("陈大伟", bobID)).ID, reason: "x", kind: errs.Forbidden},
			{name: "no such licence", p: xmClerk, id: food.ID[:len(food.ID)-1] + "0", reason: "x", kind: errs.Forbidden},
			{name: "a long id", p: xmClerk, id: strings.Repeat("1", 200), reason: "x", kind: errs.Forbidden},
			{name: "no reason", p: xmClerk, id: food.ID, reason: " ", kind: errs.Invalid, field: "reason"},
			{name: "a reason too long", p: xmClerk, id: food.ID, reason: strings.Repeat("审", MaxFetchReason+1), kind: errs.Invalid, field: "reason"},
		} {
			t.Run("refused/"+tc.name, func(t *testing.T) {
				f, err := s.Fetch(as(tc.p), tc.p, tc.id, tc.reason)
				wantErr(t, err, tc.kind, tc.field, "")
				if tc.kind == errs.Forbidden {
					wantErr(t, err, tc.kind, "", map[bool]string{true: "license.grant.error.officials_only",
						false: "license.grant.error.no_grant"}[tc.p.Kind != principal.Official])
				}
				if f.Licence.ID != "" || f.Credential != "" {
					t.Errorf("a refusal answered %+v", f)
				}
			})
		}

		t.Run("a peer fetches under its grant", func(t *testing.T) {
			f, err := s.FetchForPeer(context.Background(), zjNode, zjOrg, "official:zj.reviewer", food.ID, "跨省通办 ZJ-88")
			if err != nil {
				t.Fatal(err)
			}
			if f.GrantID != peer.ID || f.State != StateValid || f.Licence.Disclosed[ClaimHolderCode] != restaurantCode {
				t.Errorf("fetched = %+v", f)
			}
			var u struct {
				Node  string `db:"by_node"`
				Org   string `db:"by_org"`
				Actor string `db:"by_actor"`
			}
			if err := r.db.Get(context.Background(), &u, `SELECT by_node, by_org, by_actor FROM licence_uses WHERE grant_id = ?`, peer.ID); err != nil {
				t.Fatal(err)
			}
			if u.Node != zjNode || u.Org != zjOrg || u.Actor != zjNode+"/official:zj.reviewer" {
				t.Errorf("use = %+v", u)
			}
		})
		otherZJ := idcode.NewCreditCode('1', '1', "330000", "00002288")
		for _, tc := range []struct {
			name, node, code, actor, id, reason string
			kind                                errs.Kind
			field                               string
		}{
			{"another organisation of the peer", zjNode, otherZJ, "a", food.ID, "r", errs.Forbidden, ""},
			{"another node, the same code", "320000", zjOrg, "a", food.ID, "r", errs.Forbidden, ""},
			{"a licence not granted to it", zjNode, zjOrg, "a", guide.ID, "r", errs.Forbidden, ""},
			{"this node", node, zjOrg, "a", food.ID, "r", errs.Invalid, "node"},
			{"no node", "", zjOrg, "a", food.ID, "r", errs.Invalid, "node"},
			{"a bad credit code", zjNode, "91330000", "a", food.ID, "r", errs.Invalid, "credit_code"},
			{"no actor", zjNode, zjOrg, " ", food.ID, "r", errs.Invalid, "actor"},
			{"an actor too long", zjNode, zjOrg, strings.Repeat("a", 101), food.ID, "r", errs.Invalid, "actor"},
			{"no reason", zjNode, zjOrg, "a", food.ID, "", errs.Invalid, "reason"},
		} {
			t.Run("peer refused/"+tc.name, func(t *testing.T) {
				f, err := s.FetchForPeer(context.Background(), tc.node, tc.code, tc.actor, tc.id, tc.reason)
				wantErr(t, err, tc.kind, tc.field, "")
				if f.Licence.ID != "" {
					t.Errorf("a refusal answered %+v", f)
				}
			})
		}
		t.Run("a local official cannot use a peer's grant", func(t *testing.T) {
			// An official of no organisation the grant names, whatever its code.
			p := official("zj.x", zjOrg, principal.RoleApprover)
			_, err := s.Fetch(as(p), p, food.ID, "x")
			wantErr(t, err, errs.Forbidden, "", "license.grant.error.no_grant")
		})

		t.Run("granted to", func(t *testing.T) {
			list, err := s.GrantedTo(as(xmClerk), xmClerk)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, g := range list {
				got = append(got, g.ID+map[bool]string{true: " active", false: " later"}[g.Active])
			}
			if diff := cmp.Diff([]string{g.ID + " active", later.ID + " later"}, got); diff != "" {
				t.Errorf("granted to mismatch (-want +got):\n%s", diff)
			}
			if list[0].LicenceName != "食品经营许可证" || list[0].HolderName != food.HolderName || list[0].LicenceNumber != food.Number {
				t.Errorf("what was granted: %+v", list[0])
			}
			for _, p := range []principal.Principal{fzApprover, official("zj.x", zjOrg)} {
				if list, err := s.GrantedTo(as(p), p); err != nil || len(list) != 0 {
					t.Errorf("%s sees %v, %v", p.Login, list, err)
				}
			}
			for _, p := range []principal.Principal{r.agent, r.alice, anonymous} {
				_, err := s.GrantedTo(as(p), p)
				wantErr(t, err, errs.Forbidden, "", "license.grant.error.officials_only")
			}
		})

		t.Run("in force from its start", func(t *testing.T) {
			r.clock.Advance(10 * 24 * time.Hour)
			if _, err := s.Fetch(as(xmClerk), xmClerk, guide.ID, "导游年审"); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("a licence no longer valid answers its state only", func(t *testing.T) {
			if _, err := s.Revoke(as(fzApprover), fzApprover, guide.ID, "违规"); err != nil {
				t.Fatal(err)
			}
			f, err := s.Fetch(as(xmClerk), xmClerk, guide.ID, "导游年审复核")
			if err != nil {
				t.Fatal(err)
			}
			if f.State != StateRevoked || f.Credential != "" || len(f.Licence.Disclosed) != 0 || len(f.Disclosures) != 0 ||
				f.Licence.ID != guide.ID {
				t.Errorf("fetched = %+v", f)
			}
			uses, err := s.Uses(as(r.alice), r.alice, guide.ID)
			if err != nil || len(uses) != 2 {
				t.Errorf("uses = %v, %v; want the two fetches", uses, err)
			}
		})
		t.Run("revoked", func(t *testing.T) {
			for _, p := range []principal.Principal{r.bob, r.taxAgent, xmClerk, fzApprover} {
				_, err := s.RevokeGrant(as(p), p, g.ID)
				wantErr(t, err, errs.NotFound, "", "license.grant.error.not_found")
			}
			_, err := s.RevokeGrant(as(r.agent), r.agent, "gr_nosuchgrant")
			wantErr(t, err, errs.NotFound, "", "license.grant.error.not_found")
			rg, err := s.RevokeGrant(as(r.agent), r.agent, g.ID)
			if err != nil {
				t.Fatal(err)
			}
			if rg.Active || rg.RevokedAt == nil {
				t.Errorf("revoked grant = %+v", rg)
			}
			_, err = s.RevokeGrant(as(r.agent), r.agent, g.ID)
			wantErr(t, err, errs.Conflict, "", "license.grant.error.revoked")
			_, err = s.Fetch(as(xmClerk), xmClerk, food.ID, "再看一次")
			wantErr(t, err, errs.Forbidden, "", "license.grant.error.no_grant")
			list, err := s.Grants(as(r.agent), r.agent, food.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 2 || list[0].ID != peer.ID || list[1].ID != g.ID || list[1].RevokedAt == nil || !list[0].Active {
				t.Errorf("grants = %+v", list)
			}
			for _, p := range []principal.Principal{r.bob, xmClerk, fzApprover} {
				_, err := s.Grants(as(p), p, food.ID)
				wantErr(t, err, errs.NotFound, "", "license.error.not_found")
			}
			if got := r.auditActions(t, food.ID); got[len(got)-1] != "license.grant.revoke" {
				t.Errorf("audit = %v", got)
			}
		})
		t.Run("ended", func(t *testing.T) {
			r.clock.Advance(60 * 24 * time.Hour)
			_, err := s.FetchForPeer(context.Background(), zjNode, zjOrg, "official:zj.reviewer", food.ID, "再次调取")
			wantErr(t, err, errs.Forbidden, "", "license.grant.error.no_grant")
			list, err := s.GrantedTo(as(xmClerk), xmClerk)
			if err != nil || len(list) != 0 {
				t.Errorf("granted to after the end: %v, %v", list, err)
			}
		})
	})
}

func TestGrantTime(t *testing.T) {
	for _, tc := range []struct {
		in   string
		end  bool
		want time.Time
		ok   bool
	}{
		{"", false, time.Time{}, true},
		{" 2026-04-30 ", false, at(2026, 4, 30, 0), true},
		{"2026-04-30", true, at(2026, 5, 1, 0), true},
		{"2026-04-30T10:00:00+08:00", true, at(2026, 4, 30, 10), true},
		{"2026-02-30", false, time.Time{}, false},
		{"明天", true, time.Time{}, false},
		{"0000-01-01T00:00:00Z", true, time.Time{}, false},
		{strings.Repeat("2", 41), true, time.Time{}, false},
	} {
		got, err := GrantTime(tc.in, "valid_until", tc.end)
		if tc.ok {
			if err != nil || !got.Equal(tc.want) {
				t.Errorf("GrantTime(%q, %v) = %v, %v; want %v", tc.in, tc.end, got, err, tc.want)
			}
			continue
		}
		wantErr(t, err, errs.Invalid, "valid_until", "license.grant.error.time")
	}
}

// FuzzGrantTime reads arbitrary text as a grant's end: a time or errs.Invalid, never a panic.
func FuzzGrantTime(f *testing.F) {
	for _, s := range []string{"", "2026-04-30", "2026-04-30T10:00:00+08:00", "9999-12-31", "2026-13-01", "\x00", "2026-04-30T25:00:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := GrantTime(s, "valid_until", true)
		if err != nil && !errs.Is(err, errs.Invalid) {
			t.Fatalf("GrantTime(%q): %v", s, err)
		}
		if err == nil && strings.TrimSpace(s) != "" && got.IsZero() {
			t.Fatalf("GrantTime(%q) is zero without an error", s)
		}
	})
}
