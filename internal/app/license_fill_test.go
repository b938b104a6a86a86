package app_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/catalog"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/license"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// A submitted case's licence material is filled from the applicant's licence by the licence
// service's consumer, through the platform's event dispatcher; one whose applicant holds no such
// licence is left to them, and they are told.
func TestCaseMaterialsFilledFromLicences(t *testing.T) {
	storetest.EachWith(t, storetest.Options{Clock: clock.Real{}}, func(t *testing.T, db *store.DB) {
		a := newDemo(t, db)
		sys := principal.With(context.Background(), principal.SystemPrincipal)
		var item catalog.Item
		for _, it := range demo.DemoItems() {
			if it.Org == "fz-urban-management" && it.BasicCode == "000117008000" { // 户外招牌设置审批
				item = it
			}
		}
		var code, typeCode string
		for _, m := range item.Materials {
			if m.Source == catalog.SourceLicence {
				code, typeCode = m.Code, m.LicenceType
			}
		}
		if code == "" {
			t.Fatalf("the signboard item %q asks for no licence", item.Code)
		}
		// The licence type the material asks for, published, and a licence of it for a resident.
		typ := license.Type{Code: typeCode, Org: "fj-market-regulation", NameHans: "营业执照", NameHant: "營業執照",
			NameEn: "Business licence", AuthorityName: "国家市场监督管理总局", AuthorityCode: typeCode[:18],
			AuthorityLevel: license.LevelNational, IssuerLevel: license.LevelCity, HolderCategory: license.HolderBoth,
			Fields: []license.Field{{Key: "premises", NameHans: "住所", NameHant: "住所", NameEn: "Domicile",
				Kind: license.FieldText, Required: true}}}
		if _, err := a.Licenses.SaveType(sys, principal.SystemPrincipal, typ); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Licenses.SubmitType(sys, principal.SystemPrincipal, typeCode); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Licenses.PublishType(sys, principal.SystemPrincipal, typeCode); err != nil {
			t.Fatal(err)
		}
		holder := demo.Residents[0]
		l, err := a.Licenses.Issue(sys, principal.SystemPrincipal, license.IssueRequest{TypeCode: typeCode,
			IssuerOrg: "fz-market-regulation", HolderName: holder.Name, HolderCode: holder.IDNumber,
			HolderCodeType: license.HolderCodeResidentID, Face: map[string]string{"premises": "福州市鼓楼区南后街45号"}})
		if err != nil {
			t.Fatal(err)
		}

		pdf := []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
		apply := func(login string) string {
			t.Helper()
			id, err := a.Identity.AccountIDByPhone(sys, login)
			if err != nil {
				t.Fatal(err)
			}
			acc, err := a.Identity.Account(sys, id)
			if err != nil {
				t.Fatal(err)
			}
			p := acc.Principal()
			values := map[string]any{"enterprise_name": "福州市鼓楼区美玲小吃店", "applicant_name": p.Name, "mobile": login,
				"premises": "福州市鼓楼区南后街45号", "sign_area": 3.5, "business_type": "catering", "id_number": holder.IDNumber}
			var props struct {
				Properties map[string]json.RawMessage `json:"properties"`
			}
			if err := json.Unmarshal(item.FormSchema, &props); err != nil {
				t.Fatal(err)
			}
			form := map[string]any{}
			for f := range props.Properties {
				if v, ok := values[f]; ok {
					form[f] = v
				}
			}
			var uploads []cases.Upload
			for _, m := range item.Materials {
				if m.Source == catalog.SourceApplicant {
					uploads = append(uploads, cases.Upload{Code: m.Code, FileName: m.Code + ".pdf", Data: pdf})
				}
			}
			sub, err := a.Cases.Apply(principal.With(context.Background(), p), p, cases.Application{ItemCode: item.Code,
				Form: form, Materials: uploads, LicenceConsent: true})
			if err != nil {
				t.Fatalf("apply as %s: %v", login, err)
			}
			return sub.Case.ID
		}
		filled, unavailable := apply(holder.Phone), apply(demo.Residents[1].Phone)

		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { _ = a.Dispatcher.Run(ctx); close(done) }()
		defer func() { cancel(); <-done }()
		status := func(id string) (cases.Material, bool) {
			c, err := a.Cases.Get(sys, principal.SystemPrincipal, id)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range c.Materials {
				if m.Code == code {
					return m, m.Status != cases.MaterialToFetch
				}
			}
			t.Fatalf("case %s has no material %s", id, code)
			return cases.Material{}, false
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			_, a1 := status(filled)
			_, a2 := status(unavailable)
			if a1 && a2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the licence materials were not fetched within 30 seconds")
			}
			time.Sleep(50 * time.Millisecond)
		}
		m, _ := status(filled)
		if m.Status != cases.MaterialFromLicence || m.Licence == nil || m.Licence.ID != l.ID || m.Licence.State != cases.LicenceValid {
			t.Errorf("the holder's material: %s %+v, want filled from %s", m.Status, m.Licence, l.ID)
		}
		var uses int
		if err := db.Get(sys, &uses, `SELECT COUNT(*) FROM licence_uses WHERE licence_id = ? AND kind = 'filled' AND case_id = ?`,
			l.ID, filled); err != nil || uses != 1 {
			t.Errorf("%d uses recorded (%v), want 1", uses, err)
		}
		if m, _ := status(unavailable); m.Status != cases.MaterialUnavailable || m.Licence == nil || m.Licence.State != cases.LicenceNone {
			t.Errorf("the other applicant's material: %s %+v, want unavailable (none held)", m.Status, m.Licence)
		}
	})
}
