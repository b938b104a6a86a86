package org_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

var (
	codeRe   = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	regionRe = regexp.MustCompile(`^[0-9]{6}$`)
)

func TestDirectoryCodes(t *testing.T) {
	seen := map[string]bool{}
	for _, o := range org.Directory() {
		if !codeRe.MatchString(o.Code) {
			t.Errorf("code %q is not a lowercase ASCII slug", o.Code)
		}
		if seen[o.Code] {
			t.Errorf("code %q is used twice", o.Code)
		}
		seen[o.Code] = true
	}
	before := map[string]bool{}
	for _, o := range org.Directory() {
		if o.ParentCode != nil && !seen[*o.ParentCode] {
			t.Errorf("%s: parent %q is not in the directory", o.Code, *o.ParentCode)
		} else if o.ParentCode != nil && !before[*o.ParentCode] {
			t.Errorf("%s comes before its parent %s; org.Seed stores them in order", o.Code, *o.ParentCode)
		}
		before[o.Code] = true
		if o.ParentCode != nil && *o.ParentCode == o.Code {
			t.Errorf("%s is its own parent", o.Code)
		}
	}
}

func TestDirectoryFields(t *testing.T) {
	kinds := map[org.Kind]bool{org.Government: true, org.Department: true, org.City: true, org.Zone: true,
		org.Enterprise: true, org.Party: true, org.Legislature: true, org.Judiciary: true, org.Other: true}
	byCode := map[string]org.Organisation{}
	for _, o := range org.Directory() {
		byCode[o.Code] = o
	}
	for _, o := range org.Directory() {
		if o.NameHans == "" || o.NameHant == "" || o.NameEn == "" {
			t.Errorf("%s: a name is missing: %+v", o.Code, o)
		}
		if !kinds[o.Kind] {
			t.Errorf("%s: unknown kind %q", o.Code, o.Kind)
		}
		if !regionRe.MatchString(o.RegionCode) || !strings.HasPrefix(o.RegionCode, "35") {
			t.Errorf("%s: region code %q is not a six-digit Fujian code", o.Code, o.RegionCode)
		}
		// A city's department is in its city's region; other bodies are provincial.
		region := org.RegionFujian
		if o.ParentCode != nil && byCode[*o.ParentCode].Kind == org.City {
			region = byCode[*o.ParentCode].RegionCode
		}
		if o.Kind != org.City && o.Kind != org.Zone && o.RegionCode != region {
			t.Errorf("%s: region %s, want %s", o.Code, o.RegionCode, region)
		}
	}
}

// TestDirectoryScripts catches a Traditional name filed as Simplified and the reverse, by
// characters that differ between the scripts.
func TestDirectoryScripts(t *testing.T) {
	const hantOnly = "廳會辦設區東門龍寧務衛醫農數國檔關發臺電網傳體糧儲環資與漁運輸監產權審計責單據經濟學術廣視聯統應驗實協議員務軍團際業場護稅郵氣級檢戶"
	const hansOnly = "厅会办设区东门龙宁务卫医农数国档关发电网传体粮储环资与渔运输监产权审计责单据经济学术广视联统应验实协议员军团际业场护税邮气级检户"
	for _, o := range org.Directory() {
		for _, r := range o.NameHans {
			if strings.ContainsRune(hantOnly, r) && !strings.ContainsRune(hansOnly, r) {
				t.Errorf("%s: Simplified name %s holds the Traditional character %c", o.Code, o.NameHans, r)
			}
		}
		for _, r := range o.NameHant {
			if strings.ContainsRune(hansOnly, r) && !strings.ContainsRune(hantOnly, r) {
				t.Errorf("%s: Traditional name %s holds the Simplified character %c", o.Code, o.NameHant, r)
			}
		}
	}
}

// TestDirectoryAliases checks what org.Seed relies on: after NormaliseName, no name or alias
// belongs to two organisations.
func TestDirectoryAliases(t *testing.T) {
	owner := map[string]string{}
	for _, o := range org.Directory() {
		for _, a := range append([]string{o.NameHans, o.NameHant}, o.Aliases...) {
			n := org.NormaliseName(a)
			if n == "" {
				t.Errorf("%s: empty alias", o.Code)
				continue
			}
			if prev, ok := owner[n]; ok && prev != o.Code {
				t.Errorf("alias %q names both %s and %s", n, prev, o.Code)
			}
			owner[n] = o.Code
		}
	}
}

func TestDirectoryRegions(t *testing.T) {
	want := map[string]string{
		"city-fuzhou": "350100", "city-xiamen": "350200", "city-putian": "350300",
		"city-sanming": "350400", "city-quanzhou": "350500", "city-zhangzhou": "350600",
		"city-nanping": "350700", "city-longyan": "350800", "city-ningde": "350900",
		"zone-pingtan": "350128", "fj-gov": "350000",
	}
	got := map[string]org.Organisation{}
	for _, o := range org.Directory() {
		got[o.Code] = o
	}
	for code, region := range want {
		o, ok := got[code]
		if !ok {
			t.Errorf("%s is missing", code)
			continue
		}
		if o.RegionCode != region {
			t.Errorf("%s: region %s, want %s", code, o.RegionCode, region)
		}
	}
	if got["zone-pingtan"].Kind != org.Zone {
		t.Errorf("Pingtan has kind %q, want %q", got["zone-pingtan"].Kind, org.Zone)
	}
	cities := 0
	for _, o := range got {
		if o.Kind == org.City {
			cities++
		}
	}
	if cities != 9 {
		t.Errorf("%d cities, want 9", cities)
	}
}

// TestDirectoryNeeded lists units that later modules look up by name.
func TestDirectoryNeeded(t *testing.T) {
	byAlias := map[string]string{}
	for _, o := range org.Directory() {
		for _, a := range append([]string{o.NameHans, o.NameHant}, o.Aliases...) {
			byAlias[org.NormaliseName(a)] = o.Code
		}
	}
	for name, code := range map[string]string{
		"省數字辦": "fj-digital-office", "省数字办": "fj-digital-office",
		"省市場監管局": "fj-market-regulation", "省市场监管局": "fj-market-regulation",
		"省公安廳": "fj-public-security", "省人社廳": "fj-hrss", "省衛健委": "fj-health",
		"省醫保局": "fj-healthcare-security", "省民政廳": "fj-civil-affairs", "省稅務局": "fj-tax",
		"省税务局": "fj-tax", "省發改委": "fj-drc", "省工信廳": "fj-miit", "福建省人民政府": "fj-gov",
		"福建省人民政府辦公廳": "fj-gov-office", "平潭綜合實驗區管委會": "zone-pingtan",
		"福州市人民政府": "city-fuzhou", "龍巖市人民政府": "city-longyan", "龙岩市人民政府": "city-longyan",
	} {
		if got := byAlias[name]; got != code {
			t.Errorf("%s matches %q, want %q", name, got, code)
		}
	}
}

func TestDirectoryIsACopy(t *testing.T) {
	a := org.Directory()
	a[0].Aliases[0] = "changed"
	*findParent(a) = "changed"
	b := org.Directory()
	if b[0].Aliases[0] == "changed" || *findParent(b) == "changed" {
		t.Error("changing one Directory() result changed the next")
	}
}

func findParent(dir []org.Organisation) *string {
	for _, o := range dir {
		if o.ParentCode != nil {
			return o.ParentCode
		}
	}
	panic("no organisation has a parent")
}

// TestDirectorySeed stores the directory the way the application does, on every database engine
// the tests have: parents before children, no alias claimed twice, and a second run changes nothing.
func TestDirectorySeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := principal.With(context.Background(), principal.SystemPrincipal)
		dir := org.Directory()
		changed, err := org.Seed(ctx, db, dir)
		if err != nil {
			t.Fatal(err)
		}
		if changed != len(dir) {
			t.Errorf("first Seed changed %d organisations, want %d", changed, len(dir))
		}
		if changed, err = org.Seed(ctx, db, dir); err != nil || changed != 0 {
			t.Errorf("second Seed changed %d, err %v; want 0, nil", changed, err)
		}
		m, err := org.LoadMatcher(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		for name, code := range map[string]string{"省數字辦": "fj-digital-office", "省委保密局": "fj-secrecy", "漳州市人民政府": "city-zhangzhou"} {
			if got, ok := m.Match(name); !ok || got != code {
				t.Errorf("Match(%s) = %q, %v; want %q", name, got, ok, code)
			}
		}
	})
}

func TestMembers(t *testing.T) {
	got := org.Members(org.GroupTelecomOperators)
	want := []string{"fj-china-telecom", "fj-china-mobile", "fj-china-unicom"}
	if len(got) != len(want) {
		t.Fatalf("Members(%q) = %v, want %v", org.GroupTelecomOperators, got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Members(%q) = %v, want %v", org.GroupTelecomOperators, got, want)
		}
	}
	if got := org.Members("no-such-group"); got != nil {
		t.Errorf("unknown group has members %v", got)
	}
}
