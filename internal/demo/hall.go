package demo

import (
	"context"
	"slices"
	"time"

	"github.com/yiwang-platform/yiwang/internal/catalog"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/seal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// The service hall's demo officials. The Fuzhou market regulator, which leads the restaurant
// bundle, has its steps split between people as a real bureau does; the other departments that
// handle demo items have one official who may do every step, so that each bundle can be taken
// to the end with few logins. The Xiamen window collects Fuzhou's items (收受分離).
var hallHandlers = []struct {
	Account
	Roles []string
}{
	{Account{"fzscj.window", "陈丽萍", "fz-market-regulation", "window_officer", "福州市市场监管局窗口人员：受理、补正、送达"}, []string{principal.RoleWindowOfficer}},
	{Account{"fzscj.reviewer", "林国栋", "fz-market-regulation", "reviewer", "福州市市场监管局审查人员"}, []string{principal.RoleReviewer}},
	{Account{"fzscj.approver", "张慧敏", "fz-market-regulation", "approver", "福州市市场监管局审批人员：作出决定（加盖本局审批专用章）"}, []string{principal.RoleApprover}},
	{Account{"fzscj.admin", "黄建华", "fz-market-regulation", "administrator", "福州市市场监管局管理员：维护本局服务事项、处理差评整改"}, []string{principal.RoleAdministrator}},
	{Account{"xmscj.window", "许雅琴", "xm-market-regulation", "window_officer", "厦门市市场监管局窗口人员：收受福州事项（收受分离）"}, []string{principal.RoleWindowOfficer}},
}

// handlerLogins names the one official of each other department that handles demo items.
var handlerLogins = map[string]struct{ login, name string }{
	"fj-market-regulation":   {"scj.handler", "罗晓峰"},
	"fz-urban-management":    {"fzcg.handler", "郑文杰"},
	"fz-construction":        {"fzjs.handler", "吴海涛"},
	"fj-tax":                 {"sw.handler", "李淑芬"},
	"fj-health":              {"wjw.handler", "周婉清"},
	"fj-public-security":     {"gat.handler", "赵立军"},
	"fj-healthcare-security": {"ybj.handler", "孙美玲"},
	"fj-hrss":                {"rst.handler", "钱志明"},
	"fj-natural-resources":   {"zrt.handler", "冯建国"},
	"fj-education":           {"jyt.handler", "何秀英"},
	"fj-civil-affairs":       {"mzt.handler", "高俊杰"},
	"fj-culture-tourism":     {"wlt.handler", "马丽华"},
	"fj-ecology-environment": {"sthjt.handler", "唐振宇"},
	"fj-housing":             {"zjt.handler", "袁春燕"},
	"fj-transport":           {"jtt.handler", "邓文辉"},
	"xm-market-regulation":   {"xmscj.handler", "曾雪梅"},
}

// HallAccounts are the service hall's demo officials, in the order the demo prints them.
func HallAccounts() []struct {
	Account
	Roles []string
} {
	out := slices.Clone(hallHandlers)
	all := []string{principal.RoleWindowOfficer, principal.RoleReviewer, principal.RoleApprover}
	for _, o := range hallOrgs() {
		h, ok := handlerLogins[o]
		if !ok {
			continue
		}
		out = append(out, struct {
			Account
			Roles []string
		}{Account{h.login, h.name, o, "window_officer,reviewer,approver", "办件人员：受理、审查、决定、送达本单位的事项"}, all})
	}
	return out
}

// hallOrgs lists the organisations that implement demo items, in a stable order.
func hallOrgs() []string {
	var out []string
	for _, it := range DemoItems() {
		if !slices.Contains(out, it.Org) {
			out = append(out, it.Org)
		}
	}
	slices.Sort(out)
	return out
}

// SeedHall creates the hall's demo officials and gives every organisation that implements demo
// items an approval seal in force, asked for by the digital office's administrator and approved
// by the organisation's own approver, so that their decisions can be signed. It changes nothing
// that is already there and returns how many seals it made.
func SeedHall(ctx context.Context, db *store.DB, cat *catalog.Service, reg *seal.Registry, now time.Time) (int, error) {
	ctx = principal.With(ctx, principal.SystemPrincipal)
	if _, err := SeedCatalog(ctx, db, cat); err != nil {
		return 0, err
	}
	ids, err := identity.New(db, identity.Options{})
	if err != nil {
		return 0, err
	}
	approvers := map[string]principal.Principal{}
	for _, a := range HallAccounts() {
		acc, err := ids.AccountByLogin(ctx, a.Login)
		if errs.Is(err, errs.NotFound) {
			acc, err = ids.CreateAccount(ctx, identity.NewAccount{Login: a.Login, Kind: principal.Official,
				DisplayName: a.Name, OrgCode: a.OrgCode, Roles: a.Roles, Password: Password})
		}
		if err != nil {
			return 0, err
		}
		if slices.Contains(a.Roles, principal.RoleApprover) {
			if _, ok := approvers[a.OrgCode]; !ok {
				approvers[a.OrgCode] = acc.Principal()
			}
		}
	}
	// The market regulator's own seals come from SeedSeals.
	admin := demoOfficial("szb.admin")
	n := 0
	for _, orgCode := range hallOrgs() {
		approver, ok := approvers[orgCode]
		if !ok || orgCode == "fj-market-regulation" {
			continue
		}
		existing, err := reg.List(ctx, principal.SystemPrincipal, orgCode)
		if err != nil {
			return n, err
		}
		if slices.ContainsFunc(existing, func(s seal.Seal) bool { return s.Status == seal.Active || s.Status == seal.Pending }) {
			continue
		}
		o, err := org.Get(ctx, db, orgCode)
		if err != nil {
			return n, err
		}
		from := now.Truncate(24 * time.Hour)
		s, err := reg.RequestSeal(principal.With(ctx, admin), admin, seal.Request{Org: orgCode, Kind: seal.Special,
			Name: o.NameHans + "行政审批专用章", Caption: "行政审批专用章", Algorithm: keys.ECDSAP256,
			ValidFrom: from, ValidTo: from.AddDate(3, 0, 0)})
		if err != nil {
			return n, err
		}
		if _, err := reg.Approve(principal.With(ctx, approver), approver, s.ID); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
