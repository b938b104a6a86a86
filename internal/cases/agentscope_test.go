package cases_test

import (
	"context"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/formschema"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// Entries only the scope tests use.
const (
	itemFoodUnscoped = "11350000MB0W1836XA-XK-0011" // an enterprise item whose catalogue entry names no scope
	bundleFoodTax    = "FJ-YJS-0099"                // food licence (licences) with invoices (taxation)
)

// addScopeEntries adds to e's catalogue an enterprise item without a scope and a bundle whose
// items fall under two scopes.
func (e *env) addScopeEntries(t *testing.T) {
	t.Helper()
	food, invoice := e.cat.items[itemFood], e.cat.items[itemTaxInvoice]
	unscoped := food
	unscoped.Code, unscoped.AgentScope = itemFoodUnscoped, ""
	e.cat.items[unscoped.Code] = unscoped
	merged, err := formschema.Merge(food.FormSchema, invoice.FormSchema)
	if err != nil {
		t.Fatal(err)
	}
	e.cat.bundles[bundleFoodTax] = cases.BundleSpec{Code: bundleFoodTax, Version: 1, Org: fuzhou,
		NameHans: "我要开餐馆并领用发票", NameHant: "我要開餐館並領用發票", NameEn: "Open a restaurant and get invoices", FormSchema: merged,
		Materials: []cases.MaterialSpec{food.Materials[1],
			withItems(food.Materials[0], itemFood), withItems(food.Materials[2], itemFood)},
		Items: []cases.ItemSpec{food, invoice}}
}

// application is a complete application for item or bundle code.
func (e *env) application(code string) cases.Application {
	foodUploads := []cases.Upload{{Code: "application_form", FileName: "申请书.pdf", Data: pdfFile},
		{Code: "premises_plan", FileName: "平面图.png", Data: pngFile}}
	switch code {
	case itemFood, itemFoodUnscoped:
		return cases.Application{LicenceConsent: true, ItemCode: code, Form: foodValues(e), Materials: foodUploads}
	case itemTaxInvoice:
		return cases.Application{LicenceConsent: true, ItemCode: code, Form: map[string]any{"taxpayer": "small"}}
	case bundleRestaurant:
		return cases.Application{LicenceConsent: true, BundleCode: code, Form: restaurantValues(e), Materials: restaurantUploads()}
	case bundleFoodTax:
		v := foodValues(e)
		v["taxpayer"] = "general"
		return cases.Application{LicenceConsent: true, BundleCode: code, Form: v, Materials: foodUploads}
	}
	panic("no application for " + code)
}

// withScopes is p with the service scopes scopes.
func withScopes(p principal.Principal, scopes ...string) principal.Principal {
	p.AgentScopes = scopes
	return p
}

// isScopeRefusal reports whether err is the refusal of an agent outside its service scope.
func isScopeRefusal(err error) bool {
	e := errs.Public(err)
	return errs.Is(err, errs.Forbidden) && e != nil && e.Message == "cases.error.agent_scope"
}

func (e *env) countCases(t *testing.T) int {
	t.Helper()
	var n int
	if err := e.db.Get(context.Background(), &n, `SELECT COUNT(*) FROM cases`); err != nil {
		t.Fatal(err)
	}
	return n
}

// An agent applies for an enterprise only for items whose service scope the enterprise authorised
// it for (every item of a bundle), or with an authorisation for all services; its legal
// representative acts with all of them, and a person applying for themself has no scope.
func TestAgentScopeApplying(t *testing.T) {
	eachEnv(t, envOptions{}, func(t *testing.T, e *env) {
		e.addScopeEntries(t)
		licences, taxation := e.agentRongcheng, e.agentTaxation
		both := withScopes(e.agentTaxation, "licences", "taxation")
		all := withScopes(e.agentTaxation, "all")
		tests := []struct {
			who  string
			p    principal.Principal
			code string
			ok   bool
		}{
			{"licences agent", licences, itemFood, true},
			{"licences agent", licences, bundleRestaurant, true},
			{"licences agent", licences, itemTaxInvoice, false},
			{"licences agent", licences, bundleFoodTax, false},
			{"licences agent", licences, itemFoodUnscoped, false},
			{"taxation agent", taxation, itemFood, false},
			{"taxation agent", taxation, bundleRestaurant, false},
			{"taxation agent", taxation, itemTaxInvoice, true},
			{"taxation agent", taxation, bundleFoodTax, false},
			{"taxation agent", taxation, itemFoodUnscoped, false},
			{"licences and taxation agent", both, bundleFoodTax, true},
			{"licences and taxation agent", both, itemFoodUnscoped, false},
			{"agent for all services", all, itemFood, true},
			{"agent for all services", all, bundleRestaurant, true},
			{"agent for all services", all, bundleFoodTax, true},
			{"agent for all services", all, itemFoodUnscoped, true},
			{"legal representative", e.ownerRongcheng, itemFood, true},
			{"legal representative", e.ownerRongcheng, bundleRestaurant, true},
			{"legal representative", e.ownerRongcheng, itemTaxInvoice, true},
			{"legal representative", e.ownerRongcheng, bundleFoodTax, true},
			{"legal representative", e.ownerRongcheng, itemFoodUnscoped, true},
			{"resident for themself", e.zhang, itemTaxInvoice, true},
		}
		for _, tc := range tests {
			for _, step := range []string{"start", "apply"} {
				a := e.application(tc.code)
				before := e.countCases(t)
				var err error
				if step == "start" {
					_, err = e.svc.Start(as(tc.p), tc.p, a)
				} else {
					_, err = e.svc.Apply(as(tc.p), tc.p, a)
				}
				switch {
				case tc.ok && err != nil:
					t.Errorf("%s: %s %s: %v, want it allowed", step, tc.who, tc.code, err)
				case !tc.ok && !isScopeRefusal(err):
					t.Errorf("%s: %s %s: %v, want the scope refusal", step, tc.who, tc.code, err)
				case !tc.ok && e.countCases(t) != before:
					t.Errorf("%s: %s %s: refused, yet a case was stored", step, tc.who, tc.code)
				}
			}
		}
	})
}

// Any agent of the enterprise sees its cases, but acts on one only within the scope of its items:
// a case a licences agent applied for is closed to a taxation agent of the same enterprise, and
// open to its legal representative.
func TestAgentScopeActing(t *testing.T) {
	eachEnv(t, envOptions{}, func(t *testing.T, e *env) {
		applicant := e.agentRongcheng
		submitted := func() string {
			return must[cases.Submission](t)(e.svc.Apply(as(applicant), applicant, e.application(itemFood))).Case.ID
		}
		draft := func() string {
			id := must[cases.Case](t)(e.svc.Start(as(applicant), applicant, cases.Application{LicenceConsent: true, ItemCode: itemFood, Form: foodValues(e)})).ID
			for _, u := range e.application(itemFood).Materials {
				must[cases.Material](t)(e.svc.AttachMaterial(as(applicant), applicant, id, u.Code, u.FileName, u.Data))
			}
			return id
		}
		supplement := func() string {
			id := submitted()
			must[cases.Case](t)(e.svc.RequestMaterials(as(e.scjWindow), e.scjWindow, id, []string{"premises_plan"}, "平面图不清晰"))
			return id
		}
		bundle := func() string {
			return must[cases.Submission](t)(e.svc.Apply(as(applicant), applicant, e.application(bundleRestaurant))).Case.ID
		}
		err1 := func(_ any, err error) error { return err }
		actions := []struct {
			name  string
			make  func() string
			do    func(p principal.Principal, id string) error
			reads bool // reading: any agent of the enterprise may
		}{
			{"get", submitted, func(p principal.Principal, id string) error { return err1(e.svc.Get(as(p), p, id)) }, true},
			{"timeline", submitted, func(p principal.Principal, id string) error { return err1(e.svc.Timeline(as(p), p, id)) }, true},
			{"material file", submitted, func(p principal.Principal, id string) error {
				_, _, err := e.svc.MaterialFile(as(p), p, id, "application_form")
				return err
			}, true},
			{"get bundle", bundle, func(p principal.Principal, id string) error { return err1(e.svc.Get(as(p), p, id)) }, true},
			{"save draft", draft, func(p principal.Principal, id string) error {
				return err1(e.svc.SaveDraft(as(p), p, id, foodValues(e)))
			}, false},
			{"attach to draft", draft, func(p principal.Principal, id string) error {
				return err1(e.svc.AttachMaterial(as(p), p, id, "manager_certificate", "证明.pdf", pdfFile))
			}, false},
			{"remove from draft", draft, func(p principal.Principal, id string) error {
				return e.svc.RemoveMaterial(as(p), p, id, "premises_plan")
			}, false},
			{"submit draft", draft, func(p principal.Principal, id string) error { return err1(e.svc.Submit(as(p), p, id)) }, false},
			{"supply material", supplement, func(p principal.Principal, id string) error {
				return err1(e.svc.AttachMaterial(as(p), p, id, "premises_plan", "平面图.png", pngFile))
			}, false},
			{"resubmit", supplement, func(p principal.Principal, id string) error {
				if _, err := e.svc.AttachMaterial(as(applicant), applicant, id, "premises_plan", "平面图.png", pngFile); err != nil {
					return err
				}
				return err1(e.svc.Resubmit(as(p), p, id))
			}, false},
			{"withdraw", submitted, func(p principal.Principal, id string) error { return err1(e.svc.Withdraw(as(p), p, id, "")) }, false},
			{"withdraw bundle", bundle, func(p principal.Principal, id string) error { return err1(e.svc.Withdraw(as(p), p, id, "")) }, false},
			{"reset query code", submitted, func(p principal.Principal, id string) error { return err1(e.svc.ResetQueryCode(as(p), p, id)) }, false},
			{"message", submitted, func(p principal.Principal, id string) error {
				return err1(e.svc.PostMessage(as(p), p, id, "请问何时受理？"))
			}, false},
		}
		principals := []struct {
			who   string
			p     principal.Principal
			inAll bool // authorised for the case's scope
		}{
			{"licences agent", applicant, true},
			{"taxation agent", e.agentTaxation, false},
			{"agent for all services", withScopes(e.agentTaxation, "all"), true},
			{"legal representative", e.ownerRongcheng, true},
		}
		for _, a := range actions {
			for _, who := range principals {
				err := a.do(who.p, a.make())
				switch {
				case (a.reads || who.inAll) && err != nil:
					t.Errorf("%s by %s: %v, want it allowed", a.name, who.who, err)
				case !a.reads && !who.inAll && !isScopeRefusal(err):
					t.Errorf("%s by %s: %v, want the scope refusal", a.name, who.who, err)
				}
			}
		}
	})
}
