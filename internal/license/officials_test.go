package license

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

func TestIssued(t *testing.T) {
	eachRig(t, keys.ECDSAP256, func(t *testing.T, r *rig) {
		r.publishAll(t)
		food := r.issue(t, fzApprover, foodRequest())
		alice := r.issue(t, fzApprover, guideRequest("林爱丽", aliceID))
		r.clock.Advance(1)
		bob := r.issue(t, fzApprover, guideRequest("黄博", bobID))
		other := r.issue(t, xmApprover, guideRequest("林爱丽", aliceID))
		if _, err := r.svc.Suspend(as(fzApprover), fzApprover, alice.ID, "核查中"); err != nil {
			t.Fatal(err)
		}
		ids := func(ls []Licence) []string {
			out := []string{}
			for _, l := range ls {
				out = append(out, l.ID)
			}
			return out
		}
		for _, tc := range []struct {
			name    string
			p       principal.Principal
			f       IssuedFilter
			want    []string
			kind    errs.Kind
			field   string
			message string
		}{
			{name: "approver sees all, newest first", p: fzApprover, want: []string{bob.ID, alice.ID, food.ID}},
			{name: "window officer of the issuer", p: fzWindow, want: []string{bob.ID, alice.ID, food.ID}},
			{name: "by type", p: fzApprover, f: IssuedFilter{TypeCode: foodTypeCode}, want: []string{food.ID}},
			{name: "by status", p: fzApprover, f: IssuedFilter{Status: StatusSuspended}, want: []string{alice.ID}},
			{name: "by holder", p: fzApprover, f: IssuedFilter{HolderCode: " " + bobID + " "}, want: []string{bob.ID}},
			{name: "paging", p: fzApprover, f: IssuedFilter{Limit: 1, Offset: 1}, want: []string{alice.ID}},
			{name: "the system names the org", p: system, f: IssuedFilter{Org: xmMarket}, want: []string{other.ID}},
			{name: "another org's official", p: xmApprover, f: IssuedFilter{Org: fzMarket}, kind: errs.Forbidden},
			{name: "another org's own list", p: xmApprover, want: []string{other.ID}},
			{name: "the public", p: anonymous, f: IssuedFilter{Org: fzMarket}, kind: errs.Forbidden},
			{name: "bad status", p: fzApprover, f: IssuedFilter{Status: "gone"}, kind: errs.Invalid, field: "status", message: "license.error.status"},
			{name: "bad type", p: fzApprover, f: IssuedFilter{TypeCode: "x"}, kind: errs.Invalid, field: "type_code"},
			{name: "bad limit", p: fzApprover, f: IssuedFilter{Limit: MaxIssuedPage + 1}, kind: errs.Invalid, field: "limit", message: "license.error.limit"},
			{name: "bad offset", p: fzApprover, f: IssuedFilter{Offset: -1}, kind: errs.Invalid, field: "offset", message: "license.error.offset"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := r.svc.Issued(as(tc.p), tc.p, tc.f)
				wantErr(t, err, tc.kind, tc.field, tc.message)
				if tc.kind != "" {
					return
				}
				if diff := cmp.Diff(tc.want, ids(got)); diff != "" {
					t.Errorf("mismatch (-want +got):\n%s", diff)
				}
			})
		}
		for _, tc := range []struct {
			name string
			p    principal.Principal
			kind errs.Kind
		}{
			{"issuer's official", fzWindow, ""},
			{"another org's official", xmApprover, errs.NotFound},
			{"the public", anonymous, errs.NotFound},
		} {
			t.Run("uses/"+tc.name, func(t *testing.T) {
				uses, err := r.svc.IssuerUses(as(tc.p), tc.p, food.ID)
				wantErr(t, err, tc.kind, "", "")
				if tc.kind == "" && len(uses) != 0 {
					t.Errorf("uses = %v, want none", uses)
				}
			})
		}
	})
}
