package demo

import (
	"context"
	"time"

	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/seal"
)

// The demo seals of the market regulator: an SM2 special-purpose seal for GB/T 38540 and CMS
// signatures, an ECDSA official seal for PDF signatures, both approved, and a contract seal
// still waiting for the approver — so that each step of the two-person rule can be tried.
var demoSeals = []struct {
	req     seal.Request
	approve bool
}{
	{seal.Request{Org: "fj-market-regulation", Kind: seal.Special, Name: "福建省市场监督管理局行政审批专用章",
		Caption: "行政审批专用章", Algorithm: keys.SM2}, true},
	{seal.Request{Org: "fj-market-regulation", Kind: seal.Official, Name: "福建省市场监督管理局",
		Algorithm: keys.ECDSAP256}, true},
	{seal.Request{Org: "fj-market-regulation", Kind: seal.Contract, Name: "福建省市场监督管理局合同专用章",
		Caption: "合同专用章", Algorithm: keys.SM2}, false},
}

// demoOfficial is a demo account as the principal it signs in as.
func demoOfficial(login string) principal.Principal {
	for _, a := range Accounts {
		if a.Login == login {
			return principal.Principal{Kind: principal.Official, Login: a.Login, Name: a.Name, OrgCode: a.OrgCode, Roles: a.Roles}
		}
	}
	panic("demo: no account " + login)
}

// SeedSeals asks for the demo seals as the market regulator's administrator and approves them
// as its approver, unless seals of those names are already registered. It returns how many it
// requested.
func SeedSeals(ctx context.Context, reg *seal.Registry, now time.Time) (int, error) {
	admin, approver := demoOfficial("scj.admin"), demoOfficial("scj.approver")
	existing, err := reg.List(principal.With(ctx, principal.SystemPrincipal), principal.SystemPrincipal, "fj-market-regulation")
	if err != nil {
		return 0, err
	}
	have := map[string]bool{}
	for _, s := range existing {
		if s.Status != seal.Rejected {
			have[s.Name] = true
		}
	}
	n := 0
	for _, d := range demoSeals {
		if have[d.req.Name] {
			continue
		}
		req := d.req
		req.ValidFrom = now.Truncate(24 * time.Hour)
		req.ValidTo = req.ValidFrom.AddDate(3, 0, 0)
		s, err := reg.RequestSeal(principal.With(ctx, admin), admin, req)
		if err != nil {
			return n, err
		}
		n++
		if d.approve {
			if _, err := reg.Approve(principal.With(ctx, approver), approver, s.ID); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}
