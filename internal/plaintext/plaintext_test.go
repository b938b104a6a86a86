package plaintext

import (
	"strings"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

func TestLineAndArea(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		area, required bool
		max            int
		key            string
	}{
		{"trimmed", "  福州榕城茶餐厅 ", "福州榕城茶餐厅", false, true, 10, ""},
		{"empty, optional", "  ", "", false, false, 10, ""},
		{"empty, required", " ", "", false, true, 10, "plaintext.error.required"},
		{"ten characters", "一二三四五六七八九十", "一二三四五六七八九十", false, true, 10, ""},
		{"eleven characters", "一二三四五六七八九十一", "", false, true, 10, "plaintext.error.too_long"},
		{"newline in a line", "杨桥东路\n18号", "", false, true, 50, "plaintext.error.control"},
		{"newline in an area", "杨桥东路\r\n18号", "杨桥东路\n18号", true, true, 50, ""},
		{"NUL in an area", "杨桥\x00东路", "", true, true, 50, "plaintext.error.control"},
		{"invalid UTF-8", "\xff\xfe", "", false, true, 50, "plaintext.error.control"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.in
			var err error
			if tc.area {
				err = Area(&s, "premises", tc.max, tc.required)
			} else {
				err = Line(&s, "premises", tc.max, tc.required)
			}
			if tc.key != "" {
				if e := errs.Public(err); e.Kind != errs.Invalid || e.Message != tc.key || e.Field != "premises" {
					t.Fatalf("err = %v, want %s on premises", err, tc.key)
				}
				return
			}
			if err != nil || s != tc.want {
				t.Fatalf("= %q, %v; want %q", s, err, tc.want)
			}
		})
	}
}

func FuzzValid(f *testing.F) {
	f.Add("福州", true)
	f.Add("a\x00b", false)
	f.Fuzz(func(t *testing.T, s string, multiline bool) {
		if Valid(s, multiline) && strings.ContainsRune(s, 0) {
			t.Fatalf("%q with NUL is valid", s)
		}
	})
}
