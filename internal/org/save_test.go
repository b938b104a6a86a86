package org_test

import (
	"context"
	"errors"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

func TestSave(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		sys := principal.With(context.Background(), principal.SystemPrincipal)
		if _, err := org.Seed(sys, db, org.Directory()); err != nil {
			t.Fatal(err)
		}
		admin := principal.With(context.Background(), principal.Principal{Kind: principal.Official, AccountID: 1, Login: "szb.admin",
			OrgCode: org.DigitalOffice, Roles: []string{principal.RoleAdministrator}})
		cityAdmin := principal.With(context.Background(), principal.Principal{Kind: principal.Official, AccountID: 2, Login: "fuzhou.admin",
			OrgCode: "city-fuzhou", Roles: []string{principal.RoleAdministrator}})
		resident := principal.With(context.Background(), principal.Principal{Kind: principal.Resident, AccountID: 3, Login: "r1"})
		parent := "city-fuzhou"
		gulou := org.Organisation{Code: "city-fuzhou-gulou", Kind: org.Government, NameHans: "福州市鼓楼区人民政府",
			NameHant: "福州市鼓樓區人民政府", NameEn: "Gulou District People's Government", RegionCode: "350102",
			ParentCode: &parent, Aliases: []string{"鼓楼区政府"}}
		with := func(f func(o *org.Organisation)) org.Organisation {
			o := gulou
			f(&o)
			return o
		}
		bad := "city-atlantis"
		self := "city-fuzhou-gulou"
		tests := []struct {
			name      string
			ctx       context.Context
			o         org.Organisation
			kind      errs.Kind
			field     string
			created   bool
			wantNameE string
		}{
			{"a resident", resident, gulou, errs.Forbidden, "", false, ""},
			{"a city's administrator", cityAdmin, gulou, errs.Forbidden, "", false, ""},
			{"anonymous", context.Background(), gulou, errs.Unauthenticated, "", false, ""},
			{"bad code", admin, with(func(o *org.Organisation) { o.Code = "Gu Lou" }), errs.Invalid, "code", false, ""},
			{"bad kind", admin, with(func(o *org.Organisation) { o.Kind = "club" }), errs.Invalid, "kind", false, ""},
			{"no English name", admin, with(func(o *org.Organisation) { o.NameEn = " " }), errs.Invalid, "name_en", false, ""},
			{"bad region", admin, with(func(o *org.Organisation) { o.RegionCode = "359999" }), errs.Invalid, "region_code", false, ""},
			{"unknown parent", admin, with(func(o *org.Organisation) { o.ParentCode = &bad }), errs.Invalid, "parent_code", false, ""},
			{"its own parent", admin, with(func(o *org.Organisation) { o.ParentCode = &self }), errs.Invalid, "parent_code", false, ""},
			{"create", admin, gulou, "", "", true, "Gulou District People's Government"},
			{"rename", admin, with(func(o *org.Organisation) { o.NameEn = "Gulou District Government" }), "", "", false, "Gulou District Government"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				created, err := org.Save(tt.ctx, db, tt.o)
				if tt.kind != "" {
					if errs.KindOf(err) != tt.kind {
						t.Fatalf("Save = %v, want kind %s", err, tt.kind)
					}
					var e *errs.Error
					if tt.field != "" && (!errors.As(err, &e) || e.Field != tt.field) {
						t.Errorf("Save = %v, want field %s", err, tt.field)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if created != tt.created {
					t.Errorf("created = %v, want %v", created, tt.created)
				}
				got, err := org.Get(context.Background(), db, "city-fuzhou-gulou")
				if err != nil {
					t.Fatal(err)
				}
				if got.NameEn != tt.wantNameE {
					t.Errorf("name_en = %q, want %q", got.NameEn, tt.wantNameE)
				}
			})
		}
		m, err := org.LoadMatcher(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		if code, ok := m.Match("鼓楼区政府"); !ok || code != "city-fuzhou-gulou" {
			t.Errorf("alias 鼓楼区政府 matches %q %v, want city-fuzhou-gulou", code, ok)
		}
		o, err := org.Get(context.Background(), db, "city-fuzhou-gulou")
		if err != nil {
			t.Fatal(err)
		}
		if aliases, err := org.Aliases(context.Background(), db, o); err != nil || len(aliases) != 1 || aliases[0] != "鼓楼区政府" {
			t.Errorf("Aliases = %q, %v; want [鼓楼区政府] without the organisation's own names", aliases, err)
		}
	})
}
