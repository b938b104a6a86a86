package browsertest

import (
	"context"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/i18n"
)

// TestHallPagesAccessible checks the service hall's pages with axe-core (no serious or critical
// violation) and the shell every page must have, in each language and again in large type: the
// catalogue's search with results, an item's guide and a bundle's, the application form sent back
// with its errors, a case decided and waiting for its fee and a case whose materials were asked
// for (補正), the payment page, the rating form (both steps), the inbox, the public lookup after a
// wrong code, an official's page of a submitted case with its action forms, and the kiosk's start
// and sign-in pages (always in large type).
func TestHallPagesAccessible(t *testing.T) {
	t.Parallel()
	axe := Axe(t)
	b := Shared(t)
	s := startHallSite(t, clock.Real{})

	// The cases the pages show, made through the services by the demo citizen.
	citizen := accountPrincipal(t, s, demo.Residents[0].Phone)
	signboard := demoItem(t, "fz-urban-management", basicSignboard)
	registration := demoItem(t, "fz-market-regulation", basicRegistration)
	awaitingFee := applyFor(t, s, citizen, signboard)
	advance(t, s, awaitingFee, [2]string{"accept", "fzcg.handler"}, [2]string{"review", "fzcg.handler"}, [2]string{"decide", "fzcg.handler"})
	submitted := applyFor(t, s, citizen, signboard)
	completed := applyFor(t, s, citizen, registration)
	advance(t, s, completed, [2]string{"accept", "fzscj.window"}, [2]string{"review", "fzscj.reviewer"},
		[2]string{"decide", "fzscj.approver"}, [2]string{"deliver", "fzscj.window"})
	supplement := applyFor(t, s, citizen, registration)
	advance(t, s, supplement, [2]string{"accept", "fzscj.window"})
	window := accountPrincipal(t, s, "fzscj.window")
	if _, err := s.App.Cases.RequestMaterials(principalCtx(window), window, supplement.ID, []string{"premises-proof"},
		"租赁合同缺少出租方签章页，请补正。"); err != nil {
		t.Fatal(err)
	}
	fee, err := s.App.Cases.Get(principalCtx(citizen), citizen, awaitingFee.ID)
	if err != nil || fee.FeeOrderID == "" {
		t.Fatalf("the decided signboard case has no fee order (%v)", err)
	}
	queries := map[i18n.Lang]string{i18n.ZhHans: "开餐馆", i18n.ZhHant: "開餐館", i18n.En: "restaurant"}

	// A page: its path, the status it answers with, and how to reach its state (nil: GET it).
	type page struct {
		name, path string
		status     int64
		reach      func(t *testing.T, ctx context.Context, lang i18n.Lang) int64
	}
	resident := []page{
		{name: "search", path: "/services?q=", status: 200},
		{name: "item-guide", path: "/services/" + signboard.Code, status: 200},
		{name: "bundle-guide", path: "/services/bundles/" + demo.BundleRestaurant, status: 200},
		{name: "apply-errors", path: "/apply/bundle/" + demo.BundleRestaurant, status: 400,
			reach: func(t *testing.T, ctx context.Context, lang i18n.Lang) int64 {
				open(t, ctx, s.page("/apply/bundle/"+demo.BundleRestaurant, lang))
				fill(t, ctx, "#f-mobile", "12345")
				fill(t, ctx, "#f-seats", "0")
				status := submit(t, ctx, "#apply-submit")
				if !exists(t, ctx, `#f-mobile-error`) || !exists(t, ctx, `#apply-errors a[href="#f-mobile"]`) {
					t.Errorf("the form came back without the mobile number's error beside the field and in the summary")
				}
				return status
			}},
		{name: "case-awaiting-fee", path: "/my/cases/" + awaitingFee.ID, status: 200},
		{name: "case-supplement", path: "/my/cases/" + supplement.ID, status: 200},
		{name: "payment", path: "/pay/" + fee.FeeOrderID, status: 200},
		{name: "rating-levels", path: "/ratings/case/" + completed.ID, status: 200},
		{name: "rating-form", path: "/ratings/case/" + completed.ID + "?level=2", status: 200},
		{name: "inbox", path: "/inbox", status: 200},
		{name: "lookup-wrong-code", path: "/lookup", status: 404,
			reach: func(t *testing.T, ctx context.Context, lang i18n.Lang) int64 {
				open(t, ctx, s.page("/lookup", lang))
				fill(t, ctx, "#lookup-number-input", submitted.Number)
				fill(t, ctx, "#lookup-code", "WRONGCODE")
				return submit(t, ctx, `#lookup-form button[type=submit]`)
			}},
	}
	official := []page{{name: "work-case", path: "/work/cases/" + submitted.ID, status: 200}}
	kiosk := []page{{name: "kiosk-start", path: "/kiosk", status: 200}, {name: "kiosk-login", path: "/kiosk/login", status: 200}}

	for _, lang := range i18n.All {
		t.Run(string(lang), func(t *testing.T) {
			t.Parallel()
			check := func(t *testing.T, ctx context.Context, pages []page, large bool) {
				for _, p := range pages {
					t.Run(p.name, func(t *testing.T) {
						var status int64
						if p.reach != nil {
							status = p.reach(t, ctx, lang)
						} else {
							path := p.path
							if p.name == "search" {
								path += queries[lang]
							}
							status = open(t, ctx, s.page(path, lang))
						}
						if status != p.status {
							t.Fatalf("%s: status %d, want %d (%s)", p.path, status, p.status, alerts(t, ctx))
						}
						if got := eval[bool](t, ctx, `document.documentElement.classList.contains("large-type")`); got != large {
							t.Errorf("large type %v, want %v", got, large)
						}
						checkShell(t, ctx, lang)
						checkAxe(t, ctx, axe)
					})
				}
			}
			largeType := func(t *testing.T, ctx context.Context) {
				t.Helper()
				if status := submit(t, ctx, `header form[action="/prefs/large-type"] button`); status != 200 {
					t.Fatalf("large type: %d", status)
				}
			}
			for _, large := range []bool{false, true} {
				mode := "normal"
				if large {
					mode = "large"
				}
				t.Run(mode, func(t *testing.T) {
					ctx := b.NewTab(t)
					login(t, ctx, s, demo.Residents[0].Phone, "/inbox", lang)
					if large {
						largeType(t, ctx)
					}
					check(t, ctx, resident, large)
					ctx = b.NewTab(t)
					login(t, ctx, s, "fzcg.handler", "/work/cases", lang)
					if large {
						largeType(t, ctx)
					}
					check(t, ctx, official, large)
				})
			}
			t.Run("kiosk", func(t *testing.T) {
				check(t, b.NewTab(t), kiosk, true)
			})
		})
	}
}
