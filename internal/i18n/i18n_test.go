package i18n

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

// TestMessagesComplete fails when any key lacks a translation.
func TestMessagesComplete(t *testing.T) {
	if len(catalog) == 0 {
		t.Fatal("no messages loaded")
	}
	for _, key := range Keys() {
		for _, l := range All {
			if strings.TrimSpace(catalog[key][l]) == "" {
				t.Errorf("%q has no %s text", key, l)
			}
		}
	}
}

// TestPlaceholdersAgree fails when the three texts of a key use different arguments, so that
// a translation can reorder arguments with %[n]s but never drop or retype one.
func TestPlaceholdersAgree(t *testing.T) {
	for _, key := range Keys() {
		want := argVerbs(catalog[key][ZhHans])
		for _, l := range All[1:] {
			if diff := cmp.Diff(want, argVerbs(catalog[key][l])); diff != "" {
				t.Errorf("%q: %s placeholders differ from %s (-%s +%s):\n%s", key, l, ZhHans, ZhHans, l, diff)
			}
		}
	}
}

// argVerbs maps each argument index to the verbs that consume it.
func argVerbs(s string) map[int]string {
	m := map[int]string{}
	for _, u := range verbs(s) {
		m[u.arg] += string(u.verb)
	}
	return m
}

func TestErrorKindsHaveMessages(t *testing.T) {
	for _, key := range []string{
		"error.invalid", "error.not_found", "error.conflict", "error.unauthenticated",
		"error.forbidden", "error.too_many_requests", "error.too_large", "error.unavailable",
		"error.internal", "error.busy", "error.csrf", "error.method_not_allowed",
		"error.page_not_found", "error.title", "error.request_id",
	} {
		if !Has(key) {
			t.Errorf("missing key %q", key)
		}
	}
}

func TestVerbs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []verbUse
	}{
		{"plain", nil},
		{"100%% done", nil},
		{"%s and %d", []verbUse{{0, 's'}, {1, 'd'}}},
		{"%-5.2f|%+v|%#x", []verbUse{{0, 'f'}, {1, 'v'}, {2, 'x'}}},
		{"%[2]s 的 %[1]s", []verbUse{{1, 's'}, {0, 's'}}},
		{"%*d", []verbUse{{0, '*'}, {1, 'd'}}},
		{"编号：%s。", []verbUse{{0, 's'}}},
		{"trailing %", nil},
	} {
		if diff := cmp.Diff(tc.want, verbs(tc.in), cmp.AllowUnexported(verbUse{})); diff != "" {
			t.Errorf("verbs(%q) mismatch (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestT(t *testing.T) {
	defer swapCatalog(map[string]map[Lang]string{
		"a.id":       {ZhHans: "编号：%s", ZhHant: "編號：%s", En: "Id: %s"},
		"a.only_zh":  {ZhHans: "只有简体"},
		"a.percent":  {ZhHans: "完成 100%%", ZhHant: "完成 100%%", En: "100%% done"},
		"a.reorder":  {ZhHans: "%[2]s的%[1]s", En: "%[1]s of %[2]s"},
		"a.no_verbs": {ZhHans: "没有参数", En: "No arguments"},
	})()
	for _, tc := range []struct {
		lang Lang
		key  string
		args []any
		want string
	}{
		{ZhHans, "a.id", []any{"x1"}, "编号：x1"},
		{ZhHant, "a.id", []any{"x1"}, "編號：x1"},
		{En, "a.id", []any{"x1"}, "Id: x1"},
		{En, "a.only_zh", nil, "只有简体"},
		{Lang("fr"), "a.id", []any{"x1"}, "编号：x1"},
		{En, "no.such.key", nil, "no.such.key"},
		{En, "a.percent", nil, "100% done"},
		{En, "a.reorder", []any{"licence", "holder"}, "licence of holder"},
		{ZhHans, "a.reorder", []any{"证照", "持证人"}, "持证人的证照"},
		// Too many arguments are dropped; too few show fmt's marker but never panic.
		{En, "a.id", []any{"x1", "extra", 3}, "Id: x1"},
		{En, "a.no_verbs", []any{"extra"}, "No arguments"},
		{En, "a.id", nil, "Id: %!s(MISSING)"},
		{En, "a.id", []any{panicky{}}, "Id: %!s(PANIC=String method: boom)"},
	} {
		if got := T(tc.lang, tc.key, tc.args...); got != tc.want {
			t.Errorf("T(%s, %q, %v) = %q, want %q", tc.lang, tc.key, tc.args, got, tc.want)
		}
	}
}

type panicky struct{}

func (panicky) String() string { panic("boom") }

func swapCatalog(c map[string]map[Lang]string) (restore func()) {
	old := catalog
	catalog = c
	return func() { catalog = old }
}

func TestLoad(t *testing.T) {
	for _, tc := range []struct {
		name    string
		files   fstest.MapFS
		wantErr string
	}{
		{
			name: "merges areas",
			files: fstest.MapFS{
				"m/a.toml": {Data: []byte("[\"a.x\"]\nzh-Hans = \"甲\"\nzh-Hant = \"甲\"\nen = \"A\"\n")},
				"m/b.toml": {Data: []byte("[\"b.x\"]\nzh-Hans = \"乙\"\n")},
				"m/c.txt":  {Data: []byte("ignored")},
			},
		},
		{
			name: "duplicate key across files",
			files: fstest.MapFS{
				"m/a.toml": {Data: []byte("[\"x\"]\nen = \"A\"\n")},
				"m/b.toml": {Data: []byte("[\"x\"]\nen = \"B\"\n")},
			},
			wantErr: `key "x" is defined in both m/a.toml and m/b.toml`,
		},
		{
			name:    "unknown language",
			files:   fstest.MapFS{"m/a.toml": {Data: []byte("[\"x\"]\nzh-CN = \"甲\"\n")}},
			wantErr: `unknown language "zh-CN"`,
		},
		{
			name:    "unquoted dotted key",
			files:   fstest.MapFS{"m/a.toml": {Data: []byte("[error.x]\nen = \"A\"\n")}},
			wantErr: "m/a.toml",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := load(tc.files, "m")
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff([]string{"a.x", "b.x"}, keysOf(c)); diff != "" {
					t.Errorf("keys mismatch (-want +got):\n%s", diff)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("load error = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func keysOf(c map[string]map[Lang]string) []string {
	defer swapCatalog(c)()
	return Keys()
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Lang
		ok   bool
	}{
		{"zh-Hans", ZhHans, true},
		{"zh-hans", ZhHans, true},
		{"zh", ZhHans, true},
		{"zh-CN", ZhHans, true},
		{"zh_CN", ZhHans, true},
		{"zh-SG", ZhHans, true},
		{"zh-Hans-HK", ZhHans, true},
		{"zh-Hant", ZhHant, true},
		{"zh-TW", ZhHant, true},
		{"zh-HK", ZhHant, true},
		{"zh-MO", ZhHant, true},
		{"zh-Hant-TW", ZhHant, true},
		{"ZH-HANT-HK", ZhHant, true},
		{"en", En, true},
		{"en-US", En, true},
		{"en-GB", En, true},
		{" en ", En, true},
		{"fr", "", false},
		{"*", "", false},
		{"", "", false},
		{"english", "", false},
	} {
		got, ok := Parse(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Parse(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestNegotiate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		url    string
		cookie string
		accept string
		want   Lang
	}{
		{"nothing", "/", "", "", ZhHans},
		{"query wins over all", "/?lang=en", "zh-Hant", "zh-TW", En},
		{"query spelled as region", "/?lang=zh-TW", "", "en", ZhHant},
		{"bad query falls to cookie", "/?lang=fr", "en", "zh-CN", En},
		{"cookie wins over header", "/", "zh-Hant", "en-US,en;q=0.9", ZhHant},
		{"bad cookie falls to header", "/", "klingon", "en-US", En},
		{"header first choice", "/", "", "zh-TW,zh;q=0.9,en;q=0.8", ZhHant},
		{"header by q-value", "/", "", "en;q=0.5,zh-HK;q=0.9", ZhHant},
		{"header equal q keeps order", "/", "", "en-GB;q=0.8,zh-CN;q=0.8", En},
		{"header skips unknown", "/", "", "fr-FR,de;q=0.9,en;q=0.3", En},
		{"header q=0 refused", "/", "", "en;q=0,zh-TW;q=0.1", ZhHant},
		{"header only unknown", "/", "", "fr,de", ZhHans},
		{"header wildcard", "/", "", "*", ZhHans},
		{"header garbage", "/", "", ";;;,q=,,zh-Hant;q=abc", ZhHans},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, tc.url, nil)
			if tc.cookie != "" {
				r.AddCookie(&http.Cookie{Name: CookieName, Value: tc.cookie})
			}
			if tc.accept != "" {
				r.Header.Set("Accept-Language", tc.accept)
			}
			if got := Negotiate(r); got != tc.want {
				t.Errorf("Negotiate = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSetCookie(t *testing.T) {
	for _, tls := range []bool{false, true} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		if tls {
			r = httptest.NewRequest(http.MethodGet, "https://example.test/", nil)
		}
		w := httptest.NewRecorder()
		SetCookie(w, r, ZhHant)
		cs := w.Result().Cookies()
		if len(cs) != 1 {
			t.Fatalf("cookies = %v", cs)
		}
		c := cs[0]
		if c.Name != CookieName || c.Value != "zh-Hant" || c.Path != "/" || c.SameSite != http.SameSiteLaxMode || c.MaxAge < 364*24*3600 || c.Secure != tls {
			t.Errorf("tls=%v: cookie = %+v", tls, c)
		}
		// The cookie is read back as the request's language.
		r2 := httptest.NewRequest(http.MethodGet, "/", nil)
		r2.AddCookie(c)
		if got := Negotiate(r2); got != ZhHant {
			t.Errorf("Negotiate after SetCookie = %q", got)
		}
	}
}
