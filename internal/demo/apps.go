package demo

import (
	"context"

	"github.com/yiwang-platform/yiwang/internal/apps"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// App is a demo app as printed for the person starting the demo; Secret is set for confidential
// apps, new on every start (only its hash is kept, so the old one cannot be shown again).
type App struct {
	ClientID string
	Type     apps.Type
	Name     string
	Secret   string
}

// demoApps are the demo's department apps: a web mini-app of the social insurance department in
// the app launcher, a native command-line client that signs in through a loopback redirect on
// any port (RFC 8252), and a data department's system that calls the API as itself.
var demoApps = []apps.Registration{
	{
		ClientID: "demo-shebao", Type: apps.TypeWeb, OwnerOrg: "fj-hrss",
		Name:         apps.Text{Hans: "社保查询（演示）", Hant: "社保查詢（演示）", En: "Social insurance records (demo)"},
		Description:  apps.Text{Hans: "查询个人社保缴费记录和待遇领取情况。", Hant: "查詢個人社保繳費記錄和待遇領取情況。", En: "See your social insurance contributions and benefits."},
		RedirectURIs: []string{"https://localhost:8443/callback"}, PostLogoutRedirectURIs: []string{"https://localhost:8443/"},
		Scopes:    []string{apps.ScopeProfile, apps.ScopePhone, apps.ScopeIDNumber, apps.ScopeRealNameLevel, apps.ScopeOfflineAccess},
		LaunchURL: "https://localhost:8443/",
	},
	{
		ClientID: "demo-cli", Type: apps.TypeNative, OwnerOrg: "fj-digital-office",
		Name:         apps.Text{Hans: "一网命令行工具（演示）", Hant: "一網命令列工具（演示）", En: "Yiwang command-line client (demo)"},
		Description:  apps.Text{Hans: "在本机用浏览器登录后调用接口。", Hant: "在本機用瀏覽器登入後呼叫介面。", En: "Signs in through your browser and calls the API."},
		RedirectURIs: []string{"http://127.0.0.1/callback"}, PostLogoutRedirectURIs: []string{"http://127.0.0.1/logged-out"},
		Scopes: []string{apps.ScopeProfile, apps.ScopePhone, apps.ScopeRealNameLevel, apps.ScopeEnterprise, apps.ScopeOfflineAccess},
	},
	{
		ClientID: "demo-data-sync", Type: apps.TypeService, OwnerOrg: "fj-bigdata",
		Name:        apps.Text{Hans: "数据汇聚同步（演示）", Hant: "資料匯聚同步（演示）", En: "Data sync (demo)"},
		Description: apps.Text{Hans: "省大数据集团的系统以自身身份读取接口。", Hant: "省大數據集團的系統以自身身份讀取介面。", En: "The data group's system reads the API as itself."},
		Scopes:      []string{principal.ScopeAPIRead},
	},
}

// seedApps registers the demo apps that are missing and gives the confidential ones a new
// secret to print.
func seedApps(ctx context.Context, svc *apps.Service) (list []App, err error) {
	defer errs.Wrap(&err, "demo.seedApps")
	for _, reg := range demoApps {
		a, secret, err := svc.Register(ctx, reg)
		if errs.Is(err, errs.Conflict) {
			if a, err = svc.Get(ctx, reg.ClientID); err != nil {
				return nil, err
			}
			if !a.Public() {
				if secret, err = svc.RotateSecret(ctx, reg.ClientID); err != nil {
					return nil, err
				}
			}
		} else if err != nil {
			return nil, err
		}
		list = append(list, App{ClientID: a.ClientID, Type: a.Type, Name: a.Name.Hans, Secret: secret})
	}
	return list, nil
}
