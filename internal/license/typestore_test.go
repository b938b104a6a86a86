package license

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/keys"
)

func TestTypeValidation(t *testing.T) {
	for _, tc := range []struct {
		name           string
		edit           func(*Type)
		field, message string
	}{
		{"type code length", func(ty *Type) { ty.Code = "ABC" }, "code", "idcode.error.licence_type_length"},
		{"type code check", func(ty *Type) { ty.Code = samrCode[:17] + "0" + "001" }, "code", "idcode.error.licence_type"},
		{"no org", func(ty *Type) { ty.Org = " " }, "org", "license.error.required"},
		{"no name", func(ty *Type) { ty.NameHant = "" }, "name_hant", "plaintext.error.required"},
		{"name too long", func(ty *Type) { ty.NameEn = strings.Repeat("x", maxName+1) }, "name_en", "plaintext.error.too_long"},
		{"control character", func(ty *Type) { ty.NameHans = "食品\x00许可证" }, "name_hans", "plaintext.error.control"},
		{"authority code not the type's", func(ty *Type) { ty.AuthorityCode = moeCode }, "authority_code", "license.error.authority_code"},
		{"authority level", func(ty *Type) { ty.AuthorityLevel = "galactic" }, "authority_level", "license.error.level"},
		{"issuer level", func(ty *Type) { ty.IssuerLevel = "" }, "issuer_level", "license.error.level"},
		{"holder category", func(ty *Type) { ty.HolderCategory = "robot" }, "holder_category", "license.error.holder_category"},
		{"validity inverted", func(ty *Type) { ty.MinValidityMonths = 70 }, "max_validity_months", "license.error.validity_range"},
		{"validity without end but a minimum", func(ty *Type) { ty.MaxValidityMonths = 0 }, "max_validity_months", "license.error.validity_range"},
		{"validity too long", func(ty *Type) { ty.MaxValidityMonths = maxMonths + 1 }, "max_validity_months", "license.error.validity_range"},
		{"linked item form", func(ty *Type) { ty.LinkedItems = []string{"item-1"} }, "linked_items.0", "license.error.linked_item"},
		{"linked item twice", func(ty *Type) { ty.LinkedItems = []string{foodItem, strings.ToLower(foodItem)} }, "linked_items.1", "license.error.linked_item_twice"},
		{"no fields", func(ty *Type) { ty.Fields = nil }, "fields", "license.error.fields_count"},
		{"field key upper case", func(ty *Type) { ty.Fields[1].Key = "Address" }, "fields.1.key", "license.error.field_key"},
		{"field key not ASCII", func(ty *Type) { ty.Fields[1].Key = "地址" }, "fields.1.key", "license.error.field_key"},
		{"field key too long", func(ty *Type) { ty.Fields[1].Key = strings.Repeat("a", maxFieldKey+1) }, "fields.1.key", "license.error.field_key"},
		{"field key twice", func(ty *Type) { ty.Fields[2].Key = "address" }, "fields.2.key", "license.error.field_key_twice"},
		{"field key reserved", func(ty *Type) { ty.Fields[0].Key = "holder_name" }, "fields.0.key", "license.error.field_key_reserved"},
		{"field name", func(ty *Type) { ty.Fields[3].NameEn = "" }, "fields.3.name_en", "plaintext.error.required"},
		{"field kind", func(ty *Type) { ty.Fields[3].Kind = "image" }, "fields.3.kind", "license.error.field_kind"},
		{"field max length", func(ty *Type) { ty.Fields[3].MaxLen = -1 }, "fields.3.max_len", "license.error.field_max_len"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ty := foodType()
			tc.edit(&ty)
			wantErr(t, checkType(&ty), errs.Invalid, tc.field, tc.message)
		})
	}
	t.Run("clean", func(t *testing.T) {
		ty := foodType()
		ty.Code, ty.NameHans, ty.LinkedItems[0] = " "+strings.ToLower(ty.Code)+" ", " 食品经营许可证 ", strings.ToLower(foodItem)
		if err := checkType(&ty); err != nil {
			t.Fatal(err)
		}
		want := foodType()
		want.AuthorityCode = samrCode
		if diff := cmp.Diff(want, ty); diff != "" {
			t.Errorf("cleaned type mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestTypeLifecycle(t *testing.T) {
	eachRig(t, keys.SM2, func(t *testing.T, r *rig) {
		s := r.svc
		food := foodType()
		// Who may save.
		_, err := s.SaveType(as(fjClerk), fjClerk, food)
		wantErr(t, err, errs.Forbidden, "", "license.error.type_edit_forbidden")
		_, err = s.SaveType(as(eduAdmin), eduAdmin, food)
		wantErr(t, err, errs.Forbidden, "", "license.error.type_edit_forbidden")
		bad := food
		bad.Org = "no-such-org"
		_, err = s.SaveType(as(system), system, bad)
		wantErr(t, err, errs.Invalid, "org", "license.error.org_unknown")

		v1, err := s.SaveType(as(fjAdmin), fjAdmin, food)
		wantErr(t, err, "", "", "")
		if v1.Version != 1 || v1.Status != TypeDraft || v1.CreatedBy != fjAdmin.Actor() || v1.AuthorityCode != samrCode {
			t.Fatalf("first save = %+v", v1)
		}
		// A draft is edited in place.
		food.NameEn = "Food Business Licence (2026)"
		if v1, err = s.SaveType(as(fjAdmin), fjAdmin, food); err != nil || v1.Version != 1 || v1.NameEn != food.NameEn {
			t.Fatalf("edit draft = %+v, %v", v1, err)
		}
		// Another organisation cannot take the code; nobody sees a draft but its organisation and
		// the digital office.
		taken := food
		taken.Org = fjEdu
		_, err = s.SaveType(as(eduAdmin), eduAdmin, taken)
		wantErr(t, err, errs.Invalid, "code", "license.error.code_taken")
		_, err = s.Published(as(anonymous), food.Code)
		wantErr(t, err, errs.NotFound, "", "license.error.type_not_found")
		_, err = s.TypeVersions(as(eduAdmin), eduAdmin, food.Code)
		wantErr(t, err, errs.NotFound, "", "license.error.type_not_found")
		_, err = s.PublishType(as(officeAdmin), officeAdmin, food.Code)
		wantErr(t, err, errs.Conflict, "", "license.error.not_submitted")

		_, err = s.SubmitType(as(fjClerk), fjClerk, food.Code)
		wantErr(t, err, errs.Forbidden, "", "license.error.type_edit_forbidden")
		if v1, err = s.SubmitType(as(fjAdmin), fjAdmin, food.Code); err != nil || v1.Status != TypeSubmitted {
			t.Fatalf("submit = %+v, %v", v1, err)
		}
		_, err = s.SubmitType(as(fjAdmin), fjAdmin, food.Code)
		wantErr(t, err, errs.Conflict, "", "license.error.no_draft")
		_, err = s.SaveType(as(fjAdmin), fjAdmin, food)
		wantErr(t, err, errs.Conflict, "", "license.error.awaiting_review")
		// Only the digital office decides, and a return needs its reason.
		_, err = s.PublishType(as(fjAdmin), fjAdmin, food.Code)
		wantErr(t, err, errs.Forbidden, "", "license.error.type_decide_forbidden")
		_, err = s.ReturnType(as(officeAdmin), officeAdmin, food.Code, "  ")
		wantErr(t, err, errs.Invalid, "reason", "license.error.reason")
		if v1, err = s.ReturnType(as(officeAdmin), officeAdmin, food.Code, "经营项目字段应为多行文字"); err != nil ||
			v1.Status != TypeReturned || v1.ReturnReason == "" || v1.DecidedBy != officeAdmin.Actor() {
			t.Fatalf("return = %+v, %v", v1, err)
		}
		// The next save is version 2; it is published.
		v2, err := s.SaveType(as(fjAdmin), fjAdmin, food)
		if err != nil || v2.Version != 2 || v2.Status != TypeDraft {
			t.Fatalf("save after return = %+v, %v", v2, err)
		}
		if _, err := s.SubmitType(as(fjAdmin), fjAdmin, food.Code); err != nil {
			t.Fatal(err)
		}
		if v2, err = s.PublishType(as(officeAdmin), officeAdmin, food.Code); err != nil || v2.Status != TypePublished {
			t.Fatalf("publish = %+v, %v", v2, err)
		}
		pub, err := s.Published(as(anonymous), food.Code)
		if err != nil || pub.Version != 2 || pub.NameEn != food.NameEn || len(pub.Fields) != 4 {
			t.Fatalf("published = %+v, %v", pub, err)
		}
		// A third version supersedes the second when it is published; every version is kept.
		food.MaxValidityMonths, food.MinValidityMonths = 72, 60
		r.publish(t, fjAdmin, food)
		versions, err := s.TypeVersions(as(officeAdmin), officeAdmin, food.Code)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, v := range versions {
			got = append(got, string(v.Status))
		}
		if diff := cmp.Diff([]string{"published", "superseded", "returned"}, got); diff != "" {
			t.Errorf("versions mismatch (-want +got):\n%s", diff)
		}
		if pub, _ := s.Published(as(anonymous), food.Code); pub.Version != 3 || pub.MaxValidityMonths != 72 {
			t.Errorf("published after the third = %+v", pub)
		}
		// A service item issues one type: linking it to another published type is refused.
		guide := guideType()
		guide.LinkedItems = []string{foodItem}
		if _, err := s.SaveType(as(fjAdmin), fjAdmin, guide); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SubmitType(as(fjAdmin), fjAdmin, guide.Code); err != nil {
			t.Fatal(err)
		}
		_, err = s.PublishType(as(officeAdmin), officeAdmin, guide.Code)
		wantErr(t, err, errs.Conflict, "", "license.error.item_linked_elsewhere")
		// Listings.
		list, err := s.PublishedTypes(as(anonymous))
		if err != nil || len(list) != 1 || list[0].Code != food.Code {
			t.Errorf("published types = %+v, %v", list, err)
		}
		mine, err := s.Types(as(fjClerk), fjClerk, fjMarket)
		if err != nil || len(mine) != 2 || mine[0].Version != 3 || mine[1].Status != TypeSubmitted {
			t.Errorf("organisation's types = %+v, %v", mine, err)
		}
		_, err = s.Types(as(eduAdmin), eduAdmin, fjMarket)
		wantErr(t, err, errs.Forbidden, "", "license.error.types_forbidden")
		_, err = s.Types(as(fjAdmin), fjAdmin, "")
		wantErr(t, err, errs.Forbidden, "", "license.error.types_forbidden")
		if all, err := s.Types(as(officeAdmin), officeAdmin, ""); err != nil || len(all) != 2 {
			t.Errorf("all types = %d, %v", len(all), err)
		}
		if got := r.auditActions(t, food.Code); len(got) != 10 || got[0] != "license.type.save" || got[9] != "license.type.publish" {
			t.Errorf("audit of the type = %v", got)
		}
	})
}
