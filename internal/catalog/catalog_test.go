package catalog_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/catalog"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/search"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

const (
	samr   = "fj-market-regulation"
	health = "fj-health"
	police = "fj-public-security"
)

func official(login, orgCode string, roles ...string) principal.Principal {
	return principal.Principal{Kind: principal.Official, Login: login, AccountID: int64(len(login)), OrgCode: orgCode, Roles: roles}
}

var (
	samrAdmin   = official("scj.admin", samr, principal.RoleAdministrator)
	samrClerk   = official("scj.window", samr, principal.RoleWindowOfficer)
	healthAdmin = official("wjw.admin", health, principal.RoleAdministrator)
	officeAdmin = official("szb.admin", org.DigitalOffice, principal.RoleAdministrator)
	officeClerk = official("szb.reviewer", org.DigitalOffice, principal.RoleReviewer)
	resident    = principal.Principal{Kind: principal.Resident, Login: "13859001234", AccountID: 99}
	anonymous   = principal.Principal{Kind: principal.Anonymous}
	system      = principal.SystemPrincipal
)

func as(p principal.Principal) context.Context { return principal.With(context.Background(), p) }

func newService(t *testing.T, db *store.DB) *catalog.Service {
	t.Helper()
	if _, err := org.Seed(as(system), db, org.Directory()); err != nil {
		t.Fatal(err)
	}
	ix, err := search.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := catalog.New(db, ix)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// schema is a small application form.
const schema = `{"type":"object","properties":{"name":{"type":"string","x-title":{"zh-Hans":"名称","zh-Hant":"名稱","en":"Name"}}},"required":["name"]}`

// newItem is a valid item of orgCode with code suffix n and name, changed by edit.
func newItem(orgCode, n, name string, edit ...func(*catalog.Item)) catalog.Item {
	it := catalog.Item{
		Code: catalog.OrgCreditCode(orgCode) + "XK" + n, BasicCode: "000201" + n, Type: catalog.AdministrativeLicensing,
		Org: orgCode, NameHans: name, NameHant: name, NameEn: "Item " + n, ServiceObject: catalog.ObjectBoth,
		LegalDays: 20, PromisedDays: 5, Conditions: catalog.Text{Hans: "申请人具备相应条件。"},
		Materials: []catalog.Material{
			{Code: "id-card", NameHans: "申请人身份证明", Source: catalog.SourceSharedData, Required: true},
			{Code: "application", NameHans: "申请书", Source: catalog.SourceApplicant, Required: true, Formats: []string{"pdf"}},
		},
		LegalBasis: catalog.Text{Hans: "《中华人民共和国行政许可法》"}, HandlingForms: []string{catalog.FormWindow, catalog.FormOnline},
		Visits: 0, OnlineDepth: 4, CrossRegion: catalog.CrossProvince, FormSchema: json.RawMessage(schema),
	}
	for _, e := range edit {
		e(&it)
	}
	return it
}

// publish saves, submits and publishes it.
func publish(t *testing.T, svc *catalog.Service, admin principal.Principal, it catalog.Item) {
	t.Helper()
	if _, err := svc.SaveItem(as(admin), admin, it); err != nil {
		t.Fatalf("save %s: %v", it.Code, err)
	}
	if _, err := svc.Submit(as(admin), admin, catalog.KindItem, it.Code); err != nil {
		t.Fatalf("submit %s: %v", it.Code, err)
	}
	if _, err := svc.Publish(as(officeAdmin), officeAdmin, catalog.KindItem, it.Code); err != nil {
		t.Fatalf("publish %s: %v", it.Code, err)
	}
}

func auditActions(t *testing.T, db *store.DB, objectType string) []string {
	t.Helper()
	evs, err := audit.List(context.Background(), db, audit.Filter{ObjectType: objectType, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(evs) - 1; i >= 0; i-- {
		out = append(out, evs[i].Action+" "+evs[i].Actor)
	}
	return out
}

func TestItemVersions(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc := newService(t, db)
		it := newItem(samr, "001", "食品经营许可证核发")
		code := it.Code

		// A draft is not public; its organisation and the digital office see it.
		saved, err := svc.SaveItem(as(samrAdmin), samrAdmin, it)
		if err != nil {
			t.Fatal(err)
		}
		if saved.Version != 1 || saved.Status != catalog.Draft || saved.RegionCode != "350000" || saved.Level != catalog.LevelProvince {
			t.Fatalf("saved %d %s %s %s", saved.Version, saved.Status, saved.RegionCode, saved.Level)
		}
		if _, err := svc.Item(context.Background(), code); !errs.Is(err, errs.NotFound) {
			t.Fatalf("public read of a draft: %v", err)
		}
		// Editing the draft keeps version 1.
		it.PromisedDays = 3
		if saved, err = svc.SaveItem(as(samrAdmin), samrAdmin, it); err != nil || saved.Version != 1 {
			t.Fatalf("edit draft: %v %d", err, saved.Version)
		}
		if _, err := svc.Submit(as(samrAdmin), samrAdmin, catalog.KindItem, code); err != nil {
			t.Fatal(err)
		}
		// Submitted: no edits, no second submission.
		if _, err := svc.SaveItem(as(samrAdmin), samrAdmin, it); !errs.Is(err, errs.Conflict) {
			t.Fatalf("edit while submitted: %v", err)
		}
		if _, err := svc.Submit(as(samrAdmin), samrAdmin, catalog.KindItem, code); !errs.Is(err, errs.Conflict) {
			t.Fatalf("submit twice: %v", err)
		}
		// Returned with a reason; the next save is version 2.
		if _, err := svc.Return(as(officeAdmin), officeAdmin, catalog.KindItem, code, " "); errs.KindOf(err) != errs.Invalid {
			t.Fatalf("return without reason: %v", err)
		}
		rev, err := svc.Return(as(officeAdmin), officeAdmin, catalog.KindItem, code, "请补充收费依据")
		if err != nil || rev.Status != catalog.Returned || rev.ReturnReason != "请补充收费依据" {
			t.Fatalf("return: %+v %v", rev, err)
		}
		if saved, err = svc.SaveItem(as(samrAdmin), samrAdmin, it); err != nil || saved.Version != 2 {
			t.Fatalf("save after return: %v %d", err, saved.Version)
		}
		publish(t, svc, samrAdmin, it)
		pub, err := svc.Item(context.Background(), code)
		if err != nil || pub.Version != 2 || pub.PromisedDays != 3 || pub.Status != catalog.Published {
			t.Fatalf("published: %+v %v", pub, err)
		}
		// A new version is a draft beside the published one, which the public keeps seeing.
		it.PromisedDays = 2
		if saved, err = svc.SaveItem(as(samrAdmin), samrAdmin, it); err != nil || saved.Version != 3 {
			t.Fatalf("new version: %v %d", err, saved.Version)
		}
		if pub, _ = svc.Item(context.Background(), code); pub.Version != 2 {
			t.Fatalf("public sees version %d", pub.Version)
		}
		publish(t, svc, samrAdmin, it)
		vs, err := svc.Versions(as(officeClerk), officeClerk, catalog.KindItem, code)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, v := range vs {
			got = append(got, fmt.Sprintf("%d %s", v.Version, v.Status))
		}
		if diff := cmp.Diff([]string{"3 published", "2 superseded", "1 returned"}, got); diff != "" {
			t.Errorf("versions mismatch (-want +got):\n%s", diff)
		}
		old, err := svc.ItemVersion(as(samrClerk), samrClerk, code, 2)
		if err != nil || old.PromisedDays != 3 || old.Status != catalog.Superseded {
			t.Errorf("version 2: %+v %v", old, err)
		}
		want := []string{"catalog.item.save official:scj.admin", "catalog.item.save official:scj.admin", "catalog.item.submit official:scj.admin",
			"catalog.item.return official:szb.admin", "catalog.item.save official:scj.admin", "catalog.item.save official:scj.admin",
			"catalog.item.submit official:scj.admin", "catalog.item.publish official:szb.admin", "catalog.item.save official:scj.admin",
			"catalog.item.save official:scj.admin", "catalog.item.submit official:scj.admin",
			"catalog.item.publish official:szb.admin"}
		if diff := cmp.Diff(want, auditActions(t, db, "catalog_item")); diff != "" {
			t.Errorf("audit mismatch (-want +got):\n%s", diff)
		}
	})
}

// TestAuthorisation is the role × action table: who may do what to an item of the market
// regulator (a submitted draft, with a published version before it).
func TestAuthorisation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc := newService(t, db)
		it := newItem(samr, "002", "营业执照核发")
		publish(t, svc, samrAdmin, it)
		principals := []struct {
			name string
			p    principal.Principal
		}{
			{"anonymous", anonymous}, {"resident", resident}, {"samr clerk", samrClerk}, {"samr admin", samrAdmin},
			{"health admin", healthAdmin}, {"office clerk", officeClerk}, {"office admin", officeAdmin}, {"system", system},
		}
		// Each action is tried on the item in the state it needs: "submitted" (a submitted
		// version 2 over the published version 1), "draft" (an open draft) or "published"
		// (nothing open).
		actions := []struct {
			name, state string
			do          func(p principal.Principal) error
		}{
			{"read published", "submitted", func(principal.Principal) error { _, err := svc.Item(context.Background(), it.Code); return err }},
			{"versions", "submitted", func(p principal.Principal) error {
				_, err := svc.Versions(as(p), p, catalog.KindItem, it.Code)
				return err
			}},
			{"read draft", "submitted", func(p principal.Principal) error { _, err := svc.ItemVersion(as(p), p, it.Code, 0); return err }},
			{"manage", "submitted", func(p principal.Principal) error { _, err := svc.Manage(as(p), p, samr); return err }},
			{"pending", "submitted", func(p principal.Principal) error { _, err := svc.Pending(as(p), p); return err }},
			{"save", "published", func(p principal.Principal) error { _, err := svc.SaveItem(as(p), p, it); return err }},
			{"submit", "draft", func(p principal.Principal) error {
				_, err := svc.Submit(as(p), p, catalog.KindItem, it.Code)
				return err
			}},
			{"return", "submitted", func(p principal.Principal) error {
				_, err := svc.Return(as(p), p, catalog.KindItem, it.Code, "理由")
				return err
			}},
			{"publish", "submitted", func(p principal.Principal) error {
				_, err := svc.Publish(as(p), p, catalog.KindItem, it.Code)
				return err
			}},
		}
		const (
			ok = errs.Kind("")
			nf = errs.NotFound
			fb = errs.Forbidden
		)
		// Columns: anonymous, resident, samr clerk, samr admin, health admin, office clerk, office admin, system.
		want := map[string][]errs.Kind{
			"read published": {ok, ok, ok, ok, ok, ok, ok, ok},
			"versions":       {nf, nf, ok, ok, nf, ok, ok, ok},
			"read draft":     {nf, nf, ok, ok, nf, ok, ok, ok},
			"manage":         {fb, fb, ok, ok, fb, ok, ok, ok},
			"pending":        {fb, fb, fb, fb, fb, ok, ok, ok},
			"save":           {fb, fb, fb, ok, fb, fb, fb, ok},
			"submit":         {nf, nf, fb, ok, nf, fb, fb, ok},
			"return":         {nf, nf, fb, fb, nf, fb, ok, ok},
			"publish":        {nf, nf, fb, fb, nf, fb, ok, ok},
		}
		for _, a := range actions {
			for i, pr := range principals {
				setState(t, svc, it, a.state)
				err := a.do(pr.p)
				if got := errs.KindOf(err); got != want[a.name][i] {
					t.Errorf("%s as %s: %v, want %q", a.name, pr.name, err, want[a.name][i])
				}
			}
		}
	})
}

// setState brings it to state ("draft", "submitted" or "published": nothing open) as the system.
func setState(t *testing.T, svc *catalog.Service, it catalog.Item, state string) {
	t.Helper()
	for range 5 {
		cur, err := svc.ItemVersion(as(system), system, it.Code, 0)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case string(cur.Status) == state:
			return
		case cur.Status == catalog.Draft:
			_, err = svc.Submit(as(system), system, catalog.KindItem, it.Code)
		case cur.Status == catalog.Submitted:
			_, err = svc.Publish(as(system), system, catalog.KindItem, it.Code)
		default:
			_, err = svc.SaveItem(as(system), system, it)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Fatalf("cannot bring %s to %s", it.Code, state)
}

func TestBadItems(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc := newService(t, db)
		for _, tc := range []struct {
			edit  func(*catalog.Item)
			field string
		}{
			{func(it *catalog.Item) { it.Code = "ABC" }, "code"},
			{func(it *catalog.Item) { it.Code = catalog.OrgCreditCode(health) + "XK001" }, "code"},
			{func(it *catalog.Item) { it.BasicCode = "x" }, "basic_code"},
			{func(it *catalog.Item) { it.HandlingCode = "123" }, "handling_code"},
			{func(it *catalog.Item) { it.Type = "punishment" }, "type"},
			{func(it *catalog.Item) { it.RegionCode = "110000" }, "region_code"},
			{func(it *catalog.Item) { it.RegionCode, it.Level = "350100", catalog.LevelProvince }, "level"},
			{func(it *catalog.Item) { it.NameHans = " " }, "name_hans"},
			{func(it *catalog.Item) { it.NameHans = "a\x00b" }, "name_hans"},
			{func(it *catalog.Item) { it.ServiceObject = "alien" }, "service_object"},
			{func(it *catalog.Item) { it.ServiceObject, it.LifeEvents = catalog.ObjectEnterprise, []string{"birth"} }, "life_events"},
			{func(it *catalog.Item) { it.AgentScope = "tax" }, "agent_scope"},
			{func(it *catalog.Item) { it.AgentScope = "all" }, "agent_scope"},
			{func(it *catalog.Item) { it.ServiceObject, it.AgentScope = catalog.ObjectPerson, "licences" }, "agent_scope"},
			{func(it *catalog.Item) { it.Stages = []string{"bankrupt"} }, "stages"},
			{func(it *catalog.Item) { it.PromisedDays = 30 }, "promised_days"},
			{func(it *catalog.Item) { it.LegalDays = -1 }, "legal_days"},
			{func(it *catalog.Item) { it.Conditions = catalog.Text{} }, "conditions.zh-Hans"},
			{func(it *catalog.Item) { it.Materials[1].Code = "Bad Code" }, "materials.1.code"},
			{func(it *catalog.Item) { it.Materials[1].Code = "id-card" }, "materials.1.code"},
			{func(it *catalog.Item) { it.Materials[0].Source = "rumour" }, "materials.0.source"},
			{func(it *catalog.Item) { it.Materials[0].Source = catalog.SourceLicence }, "materials.0.licence_type"},
			{func(it *catalog.Item) { it.Materials[1].Formats = []string{"exe"} }, "materials.1.formats"},
			{func(it *catalog.Item) { it.Materials[1].MaxBytes = 1 << 40 }, "materials.1.max_bytes"},
			{func(it *catalog.Item) {
				it.Fees = []catalog.Fee{{NameHans: "工本费", AmountFen: 0, LegalBasis: "x"}}
			}, "fees.0.amount_fen"},
			{func(it *catalog.Item) { it.Fees = []catalog.Fee{{NameHans: "工本费", AmountFen: 500}} }, "fees.0.legal_basis"},
			{func(it *catalog.Item) { it.HandlingForms = nil }, "handling_forms"},
			{func(it *catalog.Item) { it.HandlingForms = []string{"fax"} }, "handling_forms"},
			{func(it *catalog.Item) { it.Visits = 1 }, "visits"},
			{func(it *catalog.Item) { it.OnlineDepth = 5 }, "online_depth"},
			{func(it *catalog.Item) { it.HandlingForms = []string{catalog.FormWindow} }, "online_depth"},
			{func(it *catalog.Item) { it.JointBodies = []string{samr} }, "joint_bodies.0"},
			{func(it *catalog.Item) { it.JointBodies = []string{"nowhere"} }, "joint_bodies.0"},
			{func(it *catalog.Item) { it.CrossRegion = "planet" }, "cross_region"},
			{func(it *catalog.Item) { it.FormSchema = json.RawMessage(`{"type":"object"`) }, "form_schema"},
			{func(it *catalog.Item) { it.FormSchema = json.RawMessage(`[1,2]`) }, "form_schema"},
			{func(it *catalog.Item) { it.FormSchema = json.RawMessage(`{"type":"array","properties":{}}`) }, "form_schema"},
			{func(it *catalog.Item) { it.FormSchema = json.RawMessage(`{"type":"object"}`) }, "form_schema"},
			{func(it *catalog.Item) { it.FormSchema = nil }, "form_schema"},
			{func(it *catalog.Item) { it.Org = "nowhere" }, ""},
		} {
			it := newItem(samr, "003", "名称", tc.edit)
			_, err := svc.SaveItem(as(system), system, it)
			var e *errs.Error
			if tc.field == "" {
				if errs.KindOf(err) != errs.Invalid {
					t.Errorf("%+v: %v, want invalid", it, err)
				}
				continue
			}
			if !errs.Is(err, errs.Invalid) || !asError(err, &e) || e.Field != tc.field {
				t.Errorf("want invalid %s, got %v", tc.field, err)
			}
		}
		// Nothing was stored.
		if list, _ := svc.Manage(as(system), system, ""); len(list) != 0 {
			t.Errorf("bad items stored: %v", list)
		}
	})
}

// An item's agent scope is one of the service scopes an enterprise authorises its agents for,
// kept with the item's other elements; an unknown one is refused with a translated message.
func TestAgentScope(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc := newService(t, db)
		tests := []struct {
			object, scope string
			want          string // the scope stored; "" also when refused
			field         string // the field of the error, "" when saved
		}{
			{catalog.ObjectEnterprise, "licences", "licences", ""},
			{catalog.ObjectBoth, " taxation ", "taxation", ""},
			{catalog.ObjectBoth, "", "", ""},
			{catalog.ObjectPerson, "", "", ""},
			{catalog.ObjectEnterprise, "all", "", "agent_scope"},
			{catalog.ObjectEnterprise, "Licences", "", "agent_scope"},
			{catalog.ObjectEnterprise, "food", "", "agent_scope"},
			{catalog.ObjectPerson, "social_insurance", "", "agent_scope"},
		}
		for _, scope := range catalog.AgentScopes {
			tests = append(tests, struct{ object, scope, want, field string }{catalog.ObjectEnterprise, scope, scope, ""})
		}
		for i, tc := range tests {
			it := newItem(samr, fmt.Sprintf("%03d", 100+i), "经办范围测试", func(it *catalog.Item) {
				it.ServiceObject, it.AgentScope = tc.object, tc.scope
			})
			_, err := svc.SaveItem(as(samrAdmin), samrAdmin, it)
			if tc.field != "" {
				var e *errs.Error
				if !errs.Is(err, errs.Invalid) || !asError(err, &e) || e.Field != tc.field || !i18n.Has(e.Message) {
					t.Errorf("%s %q: %v, want invalid %s with a translated message", tc.object, tc.scope, err, tc.field)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s %q: %v", tc.object, tc.scope, err)
				continue
			}
			if _, err := svc.Submit(as(samrAdmin), samrAdmin, catalog.KindItem, it.Code); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Publish(as(officeAdmin), officeAdmin, catalog.KindItem, it.Code); err != nil {
				t.Fatal(err)
			}
			got, err := svc.Item(context.Background(), it.Code)
			if err != nil {
				t.Fatal(err)
			}
			if got.AgentScope != tc.want {
				t.Errorf("%s %q: stored %q, want %q", tc.object, tc.scope, got.AgentScope, tc.want)
			}
		}
	})
}

func asError(err error, e **errs.Error) bool {
	pe := errs.Public(err)
	*e = pe
	return pe != nil
}

func TestImport(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc := newService(t, db)
		a, b := newItem(samr, "030", "食品生产许可证核发"), newItem(health, "031", "医疗机构执业登记")
		if _, err := svc.Import(as(samrAdmin), samrAdmin, []catalog.Item{a}, nil); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("import by an administrator: %v", err)
		}
		if n, err := svc.Import(as(system), system, []catalog.Item{a, b}, nil); err != nil || n != 2 {
			t.Fatalf("import: %d, %v", n, err)
		}
		// Again: nothing changes.
		if n, err := svc.Import(as(system), system, []catalog.Item{a, b}, nil); err != nil || n != 0 {
			t.Fatalf("import again: %d, %v", n, err)
		}
		// A changed item gets a new published version.
		a.PromisedDays = 2
		if n, err := svc.Import(as(system), system, []catalog.Item{a, b}, nil); err != nil || n != 1 {
			t.Fatalf("import a change: %d, %v", n, err)
		}
		if got, _ := svc.Item(context.Background(), a.Code); got.Version != 2 || got.PromisedDays != 2 {
			t.Errorf("after the change: version %d, %d days", got.Version, got.PromisedDays)
		}
		if res, _ := svc.Search(context.Background(), catalog.Query{Text: "食品生产许可"}); res.Total != 1 {
			t.Errorf("imported item not found: %+v", res)
		}
		// An open draft is someone's work: the import refuses it, and a bad item stops it all.
		if _, err := svc.SaveItem(as(samrAdmin), samrAdmin, a); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Import(as(system), system, []catalog.Item{a}, nil); !errs.Is(err, errs.Conflict) {
			t.Errorf("import over a draft: %v", err)
		}
		bad := b
		bad.Type = "x"
		c := newItem(samr, "032", "新的事项")
		if _, err := svc.Import(as(system), system, []catalog.Item{c, bad}, nil); !errs.Is(err, errs.Invalid) {
			t.Errorf("import of a bad item: %v", err)
		}
		if _, err := svc.Item(context.Background(), c.Code); !errs.Is(err, errs.NotFound) {
			t.Errorf("a failed import stored %s: %v", c.Code, err)
		}
	})
}
