package identity_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/identity"
)

func TestParseRegistryCSV(t *testing.T) {
	const header = "id_type,id_number,name\n"
	tests := []struct {
		name    string
		in      string
		want    []identity.RegistryEntry
		message string
		args    []any
	}{
		{"two people, BOM and CRLF", "\ufeff" + "id_type,id_number,name\r\nresident_id,350102198803150462,陈美玲\r\ntaiwan_permit,08123456, 陳家豪 \r\n",
			[]identity.RegistryEntry{{IDType: identity.ResidentID, IDNumber: "350102198803150462", Name: "陈美玲"},
				{IDType: identity.TaiwanPermit, IDNumber: "08123456", Name: "陳家豪"}}, "", nil},
		{"spaces in the number removed", header + "resident_id,3502 0319 7511 0203 13,张建国\n",
			[]identity.RegistryEntry{{IDType: identity.ResidentID, IDNumber: "350203197511020313", Name: "张建国"}}, "", nil},
		{"empty file", "", nil, "identity.error.registry_empty", nil},
		{"header only", header, nil, "identity.error.registry_empty", nil},
		{"wrong header", "type,number,name\nresident_id,350102198803150462,陈美玲\n", nil, "identity.error.registry_header", []any{"id_type,id_number,name"}},
		{"bad check digit", header + "resident_id,350102198803150462,陈美玲\nresident_id,350102198803150461,林婉清\n", nil,
			"identity.error.registry_line", []any{3, "id_number"}},
		{"unknown type", header + "driving_licence,350102198803150462,陈美玲\n", nil, "identity.error.registry_line", []any{2, "id_type"}},
		{"no name", header + "resident_id,350102198803150462,  \n", nil, "identity.error.registry_line", []any{2, "name"}},
		{"too many fields", header + "resident_id,350102198803150462,陈美玲,extra\n", nil, "identity.error.registry_line", []any{2, "csv"}},
		{"duplicate", header + "resident_id,350102198803150462,陈美玲\nresident_id,350102198803150462,陈美玲\n", nil,
			"identity.error.registry_duplicate", []any{3, 2}},
		{"not UTF-8", header + "resident_id,350102198803150462,\xb3\xc2\n", nil, "identity.error.registry_encoding", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := identity.ParseRegistryCSV(strings.NewReader(tt.in))
			if tt.message != "" {
				var e *errs.Error
				if !errors.As(err, &e) || e.Message != tt.message {
					t.Fatalf("err = %v, want %s", err, tt.message)
				}
				if diff := cmp.Diff(tt.args, e.Args); tt.args != nil && diff != "" {
					t.Errorf("args mismatch (-want +got):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("entries mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzParseRegistryCSV(f *testing.F) {
	f.Add("id_type,id_number,name\nresident_id,350102198803150462,陈美玲\n")
	f.Add("id_type,id_number,name\npassport,GBR:123456789,John Smith\nhk_macao_permit,H12345678,陳大文\n")
	f.Add("id_type,id_number,name\n\"resident_id\",\"3501\n02\",x\n")
	f.Fuzz(func(t *testing.T, in string) {
		list, err := identity.ParseRegistryCSV(strings.NewReader(in))
		if err != nil {
			if errs.KindOf(err) != errs.Invalid {
				t.Fatalf("error of kind %s: %v", errs.KindOf(err), err)
			}
			return
		}
		for _, e := range list {
			if n, err := identity.ValidateDocument(e.IDType, e.IDNumber); err != nil || n != e.IDNumber {
				t.Fatalf("accepted an entry that does not validate: %+v (%v)", e, err)
			}
			if strings.TrimSpace(e.Name) == "" {
				t.Fatalf("accepted an entry without a name: %+v", e)
			}
		}
	})
}
