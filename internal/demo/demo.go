// Package demo seeds a Yiwang store with demo data — the province's organisations, demo
// accounts of officials, residents with a synthetic population registry, an enterprise and its
// agent, the 2021 Digital Fujian work plan and some progress on it — so that
// `yiwang demo` shows a working platform. Seeding is idempotent: running it again adds nothing.
package demo

import (
	"context"
	_ "embed"
	"time"

	"github.com/yiwang-platform/yiwang/internal/apps"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/plan"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// PlanText is the 2021 Digital Fujian work plan (閩政辦〔2021〕26號), a public document, exactly
// as received, damage included.
//
//go:embed plan-2021.txt
var PlanText []byte

// Password is every demo account's password. Demo data is refused in production mode.
const Password = "yiwang-demo-2026"

// Account is a demo account as printed for the person starting the demo.
type Account struct {
	Login, Name, OrgCode, Role, Purpose string
}

// Accounts are the demo officials: the digital office's administrator and reviewer, and
// officials of departments and a city that answer for plan items.
var Accounts = []struct {
	Account
	Roles []string
}{
	{Account{"szb.admin", "林振华", plan.DefaultCoordinator, "administrator", "省数字办管理员：导入工作要点、设置时限"}, []string{principal.RoleAdministrator, principal.RoleReviewer}},
	{Account{"szb.reviewer", "陈雅婷", plan.DefaultCoordinator, "reviewer", "省数字办审核员：审核各单位进展"}, []string{principal.RoleReviewer}},
	{Account{"gxt.officer", "黄志强", "fj-miit", "", "省工信厅工作人员：填报 5G 基站等进展"}, nil},
	{Account{"fgw.officer", "吴丽娟", "fj-drc", "", "省发改委工作人员"}, nil},
	{Account{"kjt.officer", "郑晓东", "fj-science-tech", "", "省科技厅工作人员"}, nil},
	{Account{"fuzhou.officer", "王海燕", "city-fuzhou", "", "福州市人民政府工作人员"}, nil},
	{Account{"fuzhou.admin", "刘建新", "city-fuzhou", "administrator", "福州市管理员：管理本市工作人员及其角色"}, []string{principal.RoleAdministrator}},
	{Account{"scj.window", "郭晓芸", "fj-market-regulation", "window_officer", "省市场监管局窗口人员：当面核验实名（三级）"}, []string{principal.RoleWindowOfficer}},
	{Account{"scj.approver", "蔡文斌", "fj-market-regulation", "approver", "省市场监管局审批人员：审核、审批（含印章制发与注销）"}, []string{principal.RoleReviewer, principal.RoleApprover}},
	{Account{"scj.admin", "何志远", "fj-market-regulation", "administrator", "省市场监管局管理员：申请制发、注销本局电子印章"}, []string{principal.RoleAdministrator}},
	{Account{"scj.sealer", "邱美华", "fj-market-regulation", "seal_user", "省市场监管局用印人员：用本局印章签署文件"}, []string{principal.RoleSealUser}},
	{Account{"sjj.steward", "叶慧敏", "fj-bigdata", "data_steward", "省大数据集团数据管理员"}, []string{principal.RoleDataSteward}},
}

// Result says what Seed did.
type Result struct {
	Organisations int
	NewAccounts   int
	NewResidents  int
	// Apps are the demo apps with their new client secrets.
	Apps    []App
	Plan    *plan.ImportResult
	Reports int
	// Seals counts the demo seals requested (SeedSeals).
	Seals int
	// LicenceTypes counts the licence types published (SeedLicenses).
	LicenceTypes int
}

// Calendar is the working-day arithmetic seeding needs (a *calendar.Calendar or *calendar.Live).
type Calendar interface {
	AddWorkingDays(start time.Time, n int) time.Time
	WorkingDaysBetween(from, to time.Time) int
}

// Seed writes the demo data into db. It runs as the system principal and changes nothing that
// is already there.
func Seed(ctx context.Context, db *store.DB, cal Calendar) (res Result, err error) {
	defer errs.Wrap(&err, "demo.Seed")
	ctx = principal.With(ctx, principal.SystemPrincipal)
	if res.Organisations, err = org.Seed(ctx, db, org.Directory()); err != nil {
		return res, err
	}
	ids, err := identity.New(db, identity.Options{})
	if err != nil {
		return res, err
	}
	for _, a := range Accounts {
		// Checking first skips hashing a password for an account that is already there.
		if _, err := ids.AccountByLogin(ctx, a.Login); err == nil {
			continue
		} else if !errs.Is(err, errs.NotFound) {
			return res, err
		}
		_, err := ids.CreateAccount(ctx, identity.NewAccount{Login: a.Login, Kind: principal.Official,
			DisplayName: a.Name, OrgCode: a.OrgCode, Roles: a.Roles, Password: Password})
		switch {
		case errs.Is(err, errs.Conflict):
		case err != nil:
			return res, err
		default:
			res.NewAccounts++
		}
	}
	if res.NewResidents, err = seedPeople(ctx, ids); err != nil {
		return res, err
	}
	if res.Apps, err = seedApps(ctx, apps.New(db)); err != nil {
		return res, err
	}
	svc := plan.New(db, cal)
	if res.Plan, err = svc.Import(ctx, PlanText); err != nil {
		return res, err
	}
	if res.Plan.Created {
		if res.Reports, err = seedProgress(ctx, ids, svc, cal); err != nil {
			return res, err
		}
	}
	return res, nil
}

// seedProgress files and reviews a few progress reports as the demo officials would, and moves
// some deadlines into the coming weeks, as the digital office does when it extends an item.
func seedProgress(ctx context.Context, ids *identity.Service, svc *plan.Service, cal Calendar) (int, error) {
	d, err := svc.Latest(ctx)
	if err != nil {
		return 0, err
	}
	byOrdinal := map[int]*plan.Item{}
	for _, it := range d.Items() {
		byOrdinal[it.Ordinal] = it
	}
	as := func(login string) (context.Context, error) {
		a, err := ids.AccountByLogin(ctx, login)
		if err != nil {
			return nil, err
		}
		return principal.With(ctx, a.Principal()), nil
	}
	type report struct {
		ordinal  int
		by       string
		body     string
		progress int
		figure   float64
		review   string // accept, return or "" to leave pending
		comment  string
	}
	reports := []report{
		{1, "szb.admin", "政务信息网与政务外网整合方案已印发，省一体化协同办公平台上线运行，覆盖省直 62 个部门；省电子档案管理系统在 9 个设区市推广。", 100, 0, "accept", ""},
		{25, "gxt.officer", "全省累计新建 5G 基站 28416 个，IPv6 活跃用户占比提升至 52%；龙岩土楼云谷数据中心一期封顶。", 90, 28416, "accept", "数据与通信管理局统计口径一致，请年底前补报全年数。"},
		{9, "kjt.officer", "省创新研究院完成组建，已认定数字经济领域工程研究中心、企业技术中心等创新平台 46 个。", 60, 46, "", ""},
		{11, "fgw.officer", "数字经济产业图谱已编制，重点产业招商目录印发；培育认定数字经济领域创新企业 1350 家。", 65, 1350, "return", "请补充“专精特新”企业名单及认定文件作为附件。"},
		{12, "fuzhou.officer", "福州市平台经济示范区建设方案已报市政府审议，引进行业平台企业 8 家。", 40, 0, "accept", ""},
	}
	n := 0
	for _, r := range reports {
		it := byOrdinal[r.ordinal]
		if it == nil {
			continue
		}
		rctx, err := as(r.by)
		if err != nil {
			return n, err
		}
		in := plan.ReportInput{Body: r.body, Progress: r.progress, Figures: map[int64]float64{}}
		if r.figure > 0 && len(it.Targets) > 0 {
			in.Figures[it.Targets[0].ID] = r.figure
		}
		rep, err := svc.SubmitReport(rctx, it.ID, in)
		if err != nil {
			return n, err
		}
		n++
		if r.review == "" {
			continue
		}
		vctx, err := as("szb.reviewer")
		if err != nil {
			return n, err
		}
		if _, err := svc.ReviewReport(vctx, rep.ID, r.review == "accept", r.comment); err != nil {
			return n, err
		}
	}
	// The digital office extended some items into the coming weeks.
	today := ids.DB().Clock().Now().In(clock.China)
	for ordinal, workingDays := range map[int]int{9: 5, 11: 20, 12: 45, 27: 8} {
		if it := byOrdinal[ordinal]; it != nil {
			due := cal.AddWorkingDays(today, workingDays).Format(time.DateOnly)
			if err := svc.SetDeadline(ctx, it.ID, due); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}
