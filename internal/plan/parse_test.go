package plan_test

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/plan"
)

// seedPath is the plan as received, damage included, relative to this package's directory: the
// repository lives beside shared/.
const seedPath = "../../../shared/seed/2021-digital-fujian-work-plan.txt"

func readSeed(tb testing.TB) []byte {
	tb.Helper()
	data, err := os.ReadFile(seedPath)
	if os.IsNotExist(err) {
		tb.Skipf("seed plan not found at %s", seedPath)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

func parseSeed(t *testing.T) *plan.ParsedDocument {
	t.Helper()
	doc, err := plan.Parse(readSeed(t))
	if err != nil {
		t.Fatalf("Parse(seed) = %v", err)
	}
	return doc
}

func TestParseSeedHeader(t *testing.T) {
	doc := parseSeed(t)
	type header struct {
		Number, Title, Issuer, IssuedOn, Script, Addressees, PreambleStart string
		Other                                                              []plan.ParsedLine
	}
	got := header{
		Number: doc.Number, Title: doc.Title, Issuer: doc.Issuer,
		IssuedOn: doc.IssuedOn.Format(time.RFC3339), Script: doc.Script, Addressees: doc.Addressees,
		PreambleStart: string([]rune(doc.Preamble)[:20]),
		Other:         doc.Other,
	}
	want := header{
		Number:        "閩政辦〔2021〕26號",
		Title:         "2021年數字福建工作要點",
		Issuer:        "福建省人民政府辦公廳",
		IssuedOn:      "2021-05-26T00:00:00+08:00",
		Script:        "zh-Hant",
		Addressees:    "各市、縣(區)人民政府,平潭綜合實驗區管委會,省人民政府各部門、各直屬機構,各大企業,各高等院校",
		PreambleStart: "2021年數字福建工作,要以習近平新時代",
		Other: []plan.ParsedLine{
			{Number: 3, Text: "《2021年數字福建工作要點》已經省政府同意,現印發給你們,請認真組織實施。"},
			{Number: 6, Text: "(此件主動公開)"},
			{Number: 50, Text: "掃一掃 關注微信公眾號"},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("header mismatch (-want +got):\n%s", diff)
	}
	if !strings.HasSuffix(doc.Preamble, "為全方位推進高質量發展超越注入強大引擎。") {
		t.Errorf("Preamble = %q", doc.Preamble)
	}
}

func TestParseSeedStructure(t *testing.T) {
	doc := parseSeed(t)
	type section struct {
		Ordinal int
		Numeral string
		Title   string
		Line    int
		Items   []string // numeral and heading
	}
	var got []section
	for _, s := range doc.Sections {
		gs := section{Ordinal: s.Ordinal, Numeral: s.Numeral, Title: s.Title, Line: s.Line}
		for _, it := range s.Items {
			gs.Items = append(gs.Items, fmt.Sprintf("%d (%s) %s", it.Ordinal, it.Numeral, it.Heading))
		}
		got = append(got, gs)
	}
	want := []section{
		{1, "一", "高水平建設數字政府", 9, []string{
			"1 (一) 整合優化政務網絡和政務網站",
			"2 (二) 優化升級省網上辦事大廳和閩政通APP",
			"3 (三) 推進“省內通辦”“跨省通辦”“自助辦”“一次辦”",
			"4 (四) 推廣“互聯網+監管”應用",
			"5 (五) 啟動智慧政法建設",
			"6 (六) 提升統一平臺支撐能力",
			"7 (七) 提升部門信息化水平",
		}},
		{2, "二", "加快建設國家數字經濟創新發展試驗區", 17, []string{
			"8 (八) 加強重點領域核心技術攻關",
			"9 (九) 建設一批高能級創新平臺",
			"10 (十) 加快推進智能制造",
			"11 (十一) 培育引進數字龍頭企業",
			"12 (十二) 做強做優平臺經濟",
			"13 (十三) 推動數字產業集聚發展",
			"14 (十四) 大力發展數字農業",
			"15 (十五) 發展消費新業態",
			"16 (十六) 持續推動峰會對接項目落地",
		}},
		{3, "三", "加快數字社會建設", 27, []string{
			"17 (十七) 助力疫情常態化防控",
			"18 (十八) 拓展“福建碼”應用",
			"19 (十九) 實施“互聯網+社會服務”行動",
			"20 (二十) 建設“互聯網+醫療健康”示范省",
			"21 (二十一) 實施文化數字化行動",
		}},
		{4, "四", "深化“數字絲路”合作", 33, []string{
			"22 (二十二) 提升數字經貿合作水平",
			"23 (二十三) 建設文化交流信息平臺",
			"24 (二十四) 建設海絲空間信息港",
		}},
		{5, "五", "加快新型基礎設施建設", 37, []string{
			"25 (二十五) 優化提升網絡和數據中心能級",
			"26 (二十六) 完善安全保障能力",
			"27 (二十七) 加快建設新型智慧城市",
			"28 (二十八) 加快建設數字鄉村",
			"29 (二十九) 加快建設智慧海洋",
		}},
		{6, "六", "深化數據資源開發利用", 43, []string{
			"30 (三十) 加強公共數據資源匯聚治理",
			"31 (三十一) 推動公共數據資源共享開放",
			"32 (三十二) 推進公共數據資源開發利用",
			"33 (三十三) 完善政策規章體系",
		}},
		{7, "七", "強化統籌協調", 48, []string{
			"34 (三十四) 健全統籌協調機制",
		}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("structure mismatch (-want +got):\n%s", diff)
	}
	if n := len(doc.Items()); n != 34 {
		t.Errorf("%d items, want 34", n)
	}
}

// TestParseSeedTextExact checks that every item's text is its line exactly as found.
func TestParseSeedTextExact(t *testing.T) {
	data := readSeed(t)
	lines := strings.Split(string(data), "\n")
	for _, it := range parseSeed(t).Items() {
		if got, want := "("+it.Numeral+")"+it.Text, lines[it.Line-1]; got != want {
			t.Errorf("item %d: text is not the line as found:\n got %q\nwant %q", it.Ordinal, got, want)
		}
		if len(it.Responsibilities) == 0 {
			t.Errorf("item %d has no responsibility group", it.Ordinal)
		}
		for _, g := range it.Responsibilities {
			if got := it.Text[g.Offset:g.End]; got != "(責任單位:"+g.List+")" {
				t.Errorf("item %d: group at %d:%d is %q", it.Ordinal, g.Offset, g.End, got)
			}
		}
	}
}

// describeUnits renders groups of units as the table below writes them: the lead unit marked
// (牽頭), collective entries with their class.
func describeUnits(groups []plan.ResponsibilityGroup) [][]string {
	var out [][]string
	for _, g := range groups {
		var names []string
		for _, u := range g.Units {
			s := u.Name
			if u.Lead {
				s += " (牽頭)"
			}
			if u.IsCollective() {
				s += " [" + string(u.Collective) + "]"
			}
			names = append(names, s)
		}
		out = append(out, names)
	}
	return out
}

// seedUnits is the plan's responsible units as people read them, item by item and group by group.
var seedUnits = map[int][][]string{
	1: {
		{"省數字辦 (牽頭)", "省檔案局", "省直各有關單位 [provincial-units]"},
		{"省數字辦", "省委辦公廳", "省委機要局", "省委保密局", "省人大常委會辦公廳", "省政府辦公廳", "省政協辦公廳"},
	},
	2:  {{"省審改辦 (牽頭)", "省數字辦", "省經濟信息中心"}},
	3:  {{"省審改辦 (牽頭)", "省數字辦", "省經濟信息中心", "省直有關單位 [provincial-units]"}},
	4:  {{"省數字辦 (牽頭)", "省審改辦", "省司法廳", "省市場監管局"}},
	5:  {{"省委政法委 (牽頭)", "省法院", "省檢察院", "省公安廳", "省司法廳", "省信訪局", "省安全廳"}},
	6:  {{"省數字辦 (牽頭)", "省委機要局", "省經濟信息中心"}},
	7:  {{"省直有關單位 (牽頭) [provincial-units]"}},
	8:  {{"省科技廳 (牽頭)", "省工信廳", "省知識產權局"}},
	9:  {{"省科技廳 (牽頭)", "省發改委", "省數字辦", "省工信廳", "省委機要局"}},
	10: {{"省工信廳 (牽頭)", "省數字辦", "省通信管理局"}},
	11: {{"省發改委 (牽頭)", "省工信廳", "省科技廳", "省數字辦"}},
	12: {{"省數字辦 (牽頭)", "省直有關部門 [provincial-units]", "各設區市人民政府 [city-governments]", "平潭綜合實驗區管委會"}},
	13: {{"省發改委 (牽頭)", "省數字辦", "省工信廳", "省商務廳", "各設區市人民政府 [city-governments]", "平潭綜合實驗區管委會"}},
	14: {{"省農業農村廳 (牽頭)", "省商務廳", "省數字辦", "省糧儲局"}},
	15: {{"省委宣傳部 (牽頭)", "省廣電局", "省商務廳"}},
	16: {{"省數字辦 (牽頭)", "省直有關單位 [provincial-units]", "各設區市人民政府 [city-governments]", "平潭綜合實驗區管委會"}},
	17: {{"省發改委 (牽頭)", "省數字辦", "省衛健委", "省通信管理局"}},
	18: {{"省直有關單位 (牽頭) [provincial-units]"}},
	19: {{"省教育廳 (牽頭)", "省文旅廳", "省民政廳", "省體育局", "省氣象局"}},
	20: {{"省衛健委 (牽頭)", "省人社廳", "省醫保局"}},
	21: {{"省委宣傳部 (牽頭)", "省文旅廳", "省廣電局"}},
	22: {{"省發改委 (牽頭)", "省商務廳", "泉州市人民政府"}},
	23: {{"省臺港澳辦 (牽頭)", "省電子信息集團", "福州市人民政府", "泉州市人民政府"}},
	24: {{"省數字辦 (牽頭)", "省電子信息集團", "福州市人民政府", "泉州市人民政府", "漳州市人民政府"}},
	25: {{"省工信廳 (牽頭)", "省數字辦", "省通信管理局", "各電信運營商 [telecom-operators]", "廈門市人民政府", "泉州市人民政府", "龍巖市人民政府"}},
	26: {{"省委網信辦 (牽頭)", "省公安廳"}},
	27: {{"省住建廳 (牽頭)", "省自然資源廳", "省數字辦", "各設區市人民政府 [city-governments]", "平潭綜合實驗區管委會"}},
	28: {{"省委網信辦 (牽頭)", "省農業農村廳", "省數字辦"}},
	29: {{"省海洋漁業局 (牽頭)", "省交通運輸廳"}},
	30: {{"省數字辦 (牽頭)", "各設區市人民政府 [city-governments]", "平潭綜合實驗區管委會"}},
	31: {{"省大數據局 (牽頭)", "各設區市人民政府 [city-governments]", "平潭綜合實驗區管委會"}},
	32: {{"省發改委 (牽頭)", "省數字辦", "各設區市人民政府 [city-governments]", "平潭綜合實驗區管委會"}},
	33: {{"省數字辦 (牽頭)", "省司法廳"}},
	34: {{"省發改委 (牽頭)", "省數字辦", "省直有關單位 [provincial-units]", "各設區市人民政府 [city-governments]", "平潭綜合實驗區管委會"}},
}

func TestParseSeedUnits(t *testing.T) {
	items := parseSeed(t).Items()
	if len(items) != len(seedUnits) {
		t.Fatalf("%d items, want %d", len(items), len(seedUnits))
	}
	for _, it := range items {
		if diff := cmp.Diff(seedUnits[it.Ordinal], describeUnits(it.Responsibilities)); diff != "" {
			t.Errorf("item (%s) units mismatch (-want +got):\n%s", it.Numeral, diff)
		}
	}
}

// TestParseSeedUnitDetail checks raw text, the text each group covers, and Units.
func TestParseSeedUnitDetail(t *testing.T) {
	items := parseSeed(t).Items()
	one := items[0]
	if len(one.Responsibilities) != 2 {
		t.Fatalf("item (一) has %d groups, want 2", len(one.Responsibilities))
	}
	g1, g2 := one.Responsibilities[0], one.Responsibilities[1]
	if !strings.HasPrefix(g1.Covers, "整合優化政務網絡和政務網站。將現有政務信息網") || !strings.HasSuffix(g1.Covers, "實現“對外好辦事,對內好辦公”。") {
		t.Errorf("group 1 covers %q", g1.Covers)
	}
	if want := "建設黨委、人大、政府、政協內部辦公系統與省一體化協同辦公平臺的數據通道。"; g2.Covers != want {
		t.Errorf("group 2 covers %q, want %q", g2.Covers, want)
	}
	if want := "省數字辦,省委辦公廳、機要局、保密局,省人大常委會辦公廳,省政府辦公廳,省政協辦公廳"; g2.List != want {
		t.Errorf("group 2 list %q, want %q", g2.List, want)
	}
	want := []plan.ParsedUnit{
		{Raw: "省數字辦", Name: "省數字辦", Lead: true},
		{Raw: "檔案局", Name: "省檔案局"},
		{Raw: "省直各有關單位", Name: "省直各有關單位", Collective: plan.ProvincialUnits},
	}
	if diff := cmp.Diff(want, g1.Units); diff != "" {
		t.Errorf("item (一) group 1 mismatch (-want +got):\n%s", diff)
	}
	want = []plan.ParsedUnit{
		{Raw: "省數字辦", Name: "省數字辦", Lead: true},
		{Raw: "省電子信息集團", Name: "省電子信息集團"},
		{Raw: "福州市", Name: "福州市人民政府"},
		{Raw: "泉州市", Name: "泉州市人民政府"},
		{Raw: "漳州市人民政府", Name: "漳州市人民政府"},
	}
	if diff := cmp.Diff(want, items[23].Responsibilities[0].Units); diff != "" {
		t.Errorf("item (二十四) mismatch (-want +got):\n%s", diff)
	}
	// Units merges the groups: 省數字辦 leads item (一) once.
	var names []string
	for _, u := range one.Units() {
		names = append(names, u.Name)
	}
	wantNames := []string{"省數字辦", "省檔案局", "省直各有關單位", "省委辦公廳", "省委機要局", "省委保密局", "省人大常委會辦公廳", "省政府辦公廳", "省政協辦公廳"}
	if diff := cmp.Diff(wantNames, names); diff != "" {
		t.Errorf("item (一) Units mismatch (-want +got):\n%s", diff)
	}
	if !one.Units()[0].Lead {
		t.Error("item (一): the first of Units is not the lead")
	}
}

// TestParseSeedMatchesDirectory checks that the organisation directory knows every unit the plan
// names, except the collective entries that a later step expands.
func TestParseSeedMatchesDirectory(t *testing.T) {
	byAlias := map[string]string{}
	for _, o := range org.Directory() {
		for _, a := range append([]string{o.NameHans, o.NameHant}, o.Aliases...) {
			byAlias[org.NormaliseName(a)] = o.Code
		}
	}
	for _, it := range parseSeed(t).Items() {
		for _, u := range it.Units() {
			if u.IsCollective() {
				continue
			}
			if _, ok := byAlias[org.NormaliseName(u.Name)]; !ok {
				t.Errorf("item (%s): unit %s is not in org.Directory", it.Numeral, u.Name)
			}
		}
	}
}

func TestParseSeedTargets(t *testing.T) {
	want := []plan.ParsedTarget{
		{Item: 9, Value: 70, Measure: "個", AtLeast: true, Quantity: "70個以上",
			Subject: "數字經濟領域工程研究中心、企業技術中心和新型研發機構等高水平創新平臺",
			Source:  "建成70個以上數字經濟領域工程研究中心、企業技術中心和新型研發機構等高水平創新平臺", Offset: 103},
		{Item: 10, Value: 5, Measure: "個", AtLeast: true, Quantity: "5個以上",
			Subject: "中小企業數字化轉型促進中心", Source: "建設5個以上中小企業數字化轉型促進中心", Offset: 70},
		{Item: 10, Value: 5000, Measure: "家", Quantity: "5000家",
			Subject: "企業“上云上平臺”", Source: "新增5000家企業“上云上平臺”", Offset: 126},
		{Item: 11, Value: 2000, Measure: "家", AtLeast: true, Quantity: "2000家以上",
			Subject: "數字經濟領域高新技術企業、科技小巨人、單項冠軍、“專精特新”等創新企業",
			Source:  "培育形成2000家以上數字經濟領域高新技術企業、科技小巨人、單項冠軍、“專精特新”等創新企業", Offset: 253},
		{Item: 13, Value: 10, Measure: "個", AtLeast: true, Quantity: "10個以上",
			Subject: "省級數字經濟園區", Source: "重點打造10個以上省級數字經濟園區", Offset: 70},
		{Item: 25, Value: 30000, Measure: "個", AtLeast: true, Quantity: "3萬個以上",
			Subject: "5G基站", Source: "新建3萬個以上5G基站", Offset: 42},
		{Item: 32, Value: 10, Measure: "個", AtLeast: true, Quantity: "10個以上",
			Subject: "公共數據資源開發利用示范應用", Source: "推出10個以上公共數據資源開發利用示范應用", Offset: 85},
	}
	doc := parseSeed(t)
	if diff := cmp.Diff(want, doc.Targets()); diff != "" {
		t.Errorf("targets mismatch (-want +got):\n%s", diff)
	}
	for _, tg := range doc.Targets() {
		if it := doc.Items()[tg.Item-1]; !strings.HasPrefix(it.Text[tg.Offset:], tg.Source) {
			t.Errorf("target %q is not at offset %d of item %d", tg.Source, tg.Offset, tg.Item)
		}
	}
}

func TestParseSeedDamage(t *testing.T) {
	doc := parseSeed(t)
	want := []plan.ParsedDamage{
		{Item: 7, Line: 16, Column: 75, Offset: 205, CharOffset: 71, Text: "??ā耙豢ㄍā?"}, // 社保卡“一卡通”
		{Item: 18, Line: 29, Column: 56, Offset: 151, CharOffset: 51, Text: "??ǖ燃夹g"},  // 社保卡等技術
	}
	if diff := cmp.Diff(want, doc.Damage); diff != "" {
		t.Errorf("damage mismatch (-want +got):\n%s", diff)
	}
	items := doc.Items()
	for _, d := range doc.Damage {
		it := items[d.Item-1]
		if got := it.Text[d.Offset : d.Offset+len(d.Text)]; got != d.Text {
			t.Errorf("damage %q is not at offset %d of item %d: %q", d.Text, d.Offset, d.Item, got)
		}
		if got := string([]rune(it.Text)[d.CharOffset : d.CharOffset+len([]rune(d.Text))]); got != d.Text {
			t.Errorf("damage %q is not at character %d of item %d: %q", d.Text, d.CharOffset, d.Item, got)
		}
	}
	// The damaged items keep their text and their units.
	if !strings.Contains(items[6].Text, "社??ā耙豢ㄍā?、金審三期") || len(items[6].Responsibilities) != 1 {
		t.Errorf("item (七) lost text or units: %+v", items[6])
	}
	if !strings.Contains(items[17].Text, "電子社??ǖ燃夹g標準") || len(items[17].Responsibilities) != 1 {
		t.Errorf("item (十八) lost text or units: %+v", items[17])
	}
}

func TestParseSimplified(t *testing.T) {
	data, err := os.ReadFile("testdata/simplified-sample.txt")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := plan.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Number != "闽政办〔2022〕8号" || doc.Title != "2022年数字福建工作要点（测试样例）" ||
		doc.Issuer != "福建省人民政府办公厅" || doc.Script != "zh-Hans" ||
		!doc.IssuedOn.Equal(time.Date(2022, 3, 1, 0, 0, 0, 0, time.FixedZone("", 8*3600))) {
		t.Errorf("header: %q %q %q %q %v", doc.Number, doc.Title, doc.Issuer, doc.Script, doc.IssuedOn)
	}
	if len(doc.Sections) != 2 || len(doc.Items()) != 3 {
		t.Fatalf("%d sections, %d items; want 2, 3", len(doc.Sections), len(doc.Items()))
	}
	got := map[int][][]string{}
	for _, it := range doc.Items() {
		got[it.Ordinal] = describeUnits(it.Responsibilities)
	}
	want := map[int][][]string{
		1: {{"省数字办 (牽頭)", "省档案局", "省直各有关单位 [provincial-units]"}},
		2: {{"省审改办 (牽頭)", "省数字办", "福州市人民政府", "厦门市人民政府"}},
		3: {{"省发改委 (牽頭)", "省工信厅", "省委网信办", "省委机要局", "各设区市人民政府 [city-governments]", "平潭综合实验区管委会", "各电信运营商 [telecom-operators]"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("units mismatch (-want +got):\n%s", diff)
	}
	var targets []string
	for _, tg := range doc.Targets() {
		targets = append(targets, fmt.Sprintf("%d %d %s atLeast=%v %s", tg.Item, tg.Value, tg.Measure, tg.AtLeast, tg.Subject))
	}
	wantTargets := []string{
		"1 30 个 atLeast=true 政务服务旗舰店",
		"2 100 家 atLeast=false 企业上云",
		"3 8 个 atLeast=true 省级数字经济园区",
		"3 25000 个 atLeast=false 5G基站",
	}
	if diff := cmp.Diff(wantTargets, targets); diff != "" {
		t.Errorf("targets mismatch (-want +got):\n%s", diff)
	}
	byAlias := map[string]bool{}
	for _, o := range org.Directory() {
		for _, a := range append([]string{o.NameHans, o.NameHant}, o.Aliases...) {
			byAlias[org.NormaliseName(a)] = true
		}
	}
	for _, it := range doc.Items() {
		for _, u := range it.Units() {
			if !u.IsCollective() && !byAlias[u.Name] {
				t.Errorf("unit %s is not in org.Directory", u.Name)
			}
		}
	}
}

// TestParseVariants checks that the layouts plans arrive in read the same: CR LF line ends and a
// byte-order mark, full-width punctuation, an item wrapped over two lines.
func TestParseVariants(t *testing.T) {
	seed := readSeed(t)
	base, err := plan.Parse(seed)
	if err != nil {
		t.Fatal(err)
	}
	fullWidth := strings.NewReplacer("(", "（", ")", "）", ":", "：", ",", "，").Replace(string(seed))
	wrapped := strings.Replace(string(seed), "實現“對外好辦事,對內好辦公”。", "實現“對外好辦事,對內好辦公”。\n  ", 1)
	for _, tc := range []struct {
		name string
		data string
	}{
		{"crlf+bom", "\uFEFF" + strings.ReplaceAll(string(seed), "\n", "\r\n")},
		{"full-width", fullWidth},
		{"wrapped", wrapped},
		{"trailing spaces", strings.ReplaceAll(string(seed), "\n", " \u3000\n")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := plan.Parse([]byte(tc.data))
			if err != nil {
				t.Fatal(err)
			}
			if doc.Number != base.Number || len(doc.Items()) != 34 || len(doc.Damage) != 2 {
				t.Fatalf("number %q, %d items, %d damage spans", doc.Number, len(doc.Items()), len(doc.Damage))
			}
			for i, it := range doc.Items() {
				b := base.Items()[i]
				var gotUnits, wantUnits []string
				for _, u := range it.Units() {
					gotUnits = append(gotUnits, u.Name)
				}
				for _, u := range b.Units() {
					wantUnits = append(wantUnits, u.Name)
				}
				if diff := cmp.Diff(wantUnits, gotUnits); diff != "" {
					t.Errorf("item %d units mismatch (-want +got):\n%s", it.Ordinal, diff)
				}
				if it.Heading != b.Heading || len(it.Targets) != len(b.Targets) {
					t.Errorf("item %d: heading %q, %d targets; want %q, %d", it.Ordinal, it.Heading, len(it.Targets), b.Heading, len(b.Targets))
				}
			}
			for _, d := range doc.Damage {
				it := doc.Items()[d.Item-1]
				if it.Text[d.Offset:d.Offset+len(d.Text)] != d.Text {
					t.Errorf("damage %q is not at offset %d of item %d", d.Text, d.Offset, d.Item)
				}
			}
		})
	}
	doc, _ := plan.Parse([]byte(wrapped))
	if one := doc.Items()[0]; !strings.Contains(one.Text, "對內好辦公”。\n(責任單位:省數字辦") || one.Responsibilities[1].Covers != base.Items()[0].Responsibilities[1].Covers {
		t.Errorf("wrapped item (一): %q", one.Text)
	}
}

// minimalPlan wraps item texts in the smallest document Parse accepts.
func minimalPlan(items ...string) string {
	var b strings.Builder
	b.WriteString("閩政辦〔2021〕26號\n福建省人民政府辦公廳\n2021年5月26日\n2021年數字福建工作要點\n一、總體要求\n")
	for i, it := range items {
		fmt.Fprintf(&b, "(%s)%s\n", []string{"一", "二", "三", "四", "五"}[i], it)
	}
	return b.String()
}

func TestParseTargets(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string // value measure atLeast subject
	}{
		{"新建3萬個以上5G基站,推進IPv6規模部署。", []string{"30000 個 true 5G基站"}},
		{"建成三十個以上創新平臺。", []string{"30 個 true 創新平臺"}},
		{"新增一百家企業上云。", []string{"100 家 false 企業上云"}},
		{"培育兩千五百家以上高新技術企業。", []string{"2500 家 true 高新技術企業"}},
		{"新增1.5萬家市場主體。", []string{"15000 家 false 市場主體"}},
		{"建設不少於20個示範點。", []string{"20 個 true 示範點"}},
		{"帶動投資100億元。", []string{"10000000000 元 false 帶動投資"}},
		{"建成數字經濟園區10個以上。", []string{"10 個 true 建成數字經濟園區"}},
		{"新建３０個站點。", []string{"30 個 false 站點"}},
		// Not targets: versions, phases, years, batches, names, ordinals, codes.
		{"推進生態云平臺3.0、金審三期建設。", nil},
		{"2021年建設一批平臺,實現一部手機全省就醫。", nil},
		{"建設“一張網”總門戶和“兩張網”,貫徹十九大和十九屆五中全會精神。", nil},
		{"建設第5個分中心,推進IPv6和5G應用,落實GB/T 36904標準。", nil},
		{"實施縣域醫療衛生信息服務能力提升工程(二期)和智慧海洋大數據中心(一期)。", nil},
		{"新建2.5個平臺。", nil},
		{"新增99999999999999999999個賬號。", nil},
	} {
		doc, err := plan.Parse([]byte(minimalPlan(tc.text + "(責任單位:省數字辦)")))
		if err != nil {
			t.Fatalf("%s: %v", tc.text, err)
		}
		var got []string
		for _, tg := range doc.Targets() {
			got = append(got, fmt.Sprintf("%d %s %v %s", tg.Value, tg.Measure, tg.AtLeast, tg.Subject))
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: targets mismatch (-want +got):\n%s", tc.text, diff)
		}
	}
}

func TestNormaliseUnits(t *testing.T) {
	type u = plan.ParsedUnit
	for _, tc := range []struct {
		list string
		want []plan.ParsedUnit
	}{
		{"省數字辦、檔案局,省直各有關單位", []u{
			{Raw: "省數字辦", Name: "省數字辦", Lead: true},
			{Raw: "檔案局", Name: "省檔案局"},
			{Raw: "省直各有關單位", Name: "省直各有關單位", Collective: plan.ProvincialUnits}}},
		{"省委辦公廳、機要局、保密局,省人大常委會辦公廳", []u{
			{Raw: "省委辦公廳", Name: "省委辦公廳", Lead: true},
			{Raw: "機要局", Name: "省委機要局"},
			{Raw: "保密局", Name: "省委保密局"},
			{Raw: "省人大常委會辦公廳", Name: "省人大常委會辦公廳"}}},
		{"福州市、泉州市、漳州市人民政府", []u{
			{Raw: "福州市", Name: "福州市人民政府", Lead: true},
			{Raw: "泉州市", Name: "泉州市人民政府"},
			{Raw: "漳州市人民政府", Name: "漳州市人民政府"}}},
		{" 省數字辦 , 各設區市人民政府、平潭綜合實驗區管委會，各電信運營商 ", []u{
			{Raw: "省數字辦", Name: "省數字辦", Lead: true},
			{Raw: "各設區市人民政府", Name: "各設區市人民政府", Collective: plan.CityGovernments},
			{Raw: "平潭綜合實驗區管委會", Name: "平潭綜合實驗區管委會"},
			{Raw: "各電信運營商", Name: "各電信運營商", Collective: plan.TelecomOperators}}},
		{"省数字办、档案局；省直有关部门", []u{
			{Raw: "省数字办", Name: "省数字办", Lead: true},
			{Raw: "档案局", Name: "省档案局"},
			{Raw: "省直有关部门", Name: "省直有关部门", Collective: plan.ProvincialUnits}}},
		// Separators inside parentheses separate nothing; a place takes no 省.
		{"省民政廳、各縣(市、區)人民政府", []u{
			{Raw: "省民政廳", Name: "省民政廳", Lead: true},
			{Raw: "各縣(市、區)人民政府", Name: "各縣(市、區)人民政府", Collective: plan.OtherCollective}}},
		{"省數字辦、福州市人民政府、省 檔案 局", []u{
			{Raw: "省數字辦", Name: "省數字辦", Lead: true},
			{Raw: "福州市人民政府", Name: "福州市人民政府"},
			{Raw: "省 檔案 局", Name: "省檔案局"}}},
		{"、,,", nil},
		{"", nil},
	} {
		if diff := cmp.Diff(tc.want, plan.NormaliseUnits(tc.list)); diff != "" {
			t.Errorf("NormaliseUnits(%q) mismatch (-want +got):\n%s", tc.list, diff)
		}
	}
}

func TestParseErrors(t *testing.T) {
	seed := string(readSeed(t))
	seedLines := strings.Split(seed, "\n")
	swapped := append([]string(nil), seedLines...)
	swapped[11], swapped[12] = swapped[12], swapped[11] // (四) before (三)
	gbk := []byte("\xe9\x96\xa9\xe6\x94\xbf\xe8\xbe\xa6\n\xb8\xa3\xbd\xa8\xca\xa1\xc8\xcb\xc3\xf1\n")
	for _, tc := range []struct {
		name string
		data []byte
		kind errs.Kind
		msg  string // part of the message
	}{
		{"empty", nil, errs.Invalid, "empty"},
		{"whitespace", []byte(" \n\t\r\n\u3000\n"), errs.Invalid, "empty"},
		{"bom only", []byte("\uFEFF\n"), errs.Invalid, "empty"},
		{"binary", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), errs.Invalid, "line 3 contains a NUL byte"},
		{"controls", bytes.Repeat([]byte("\x01\x02\x03\x04"), 10), errs.Invalid, "binary"},
		{"gbk", gbk, errs.Invalid, "line 2 is not UTF-8"},
		{"scattered invalid bytes", []byte(strings.Repeat("閩政辦\xff\n", 20)), errs.Invalid, "not UTF-8 text: 20 places"},
		{"not a plan", []byte("Dear colleagues,\nplease find attached the minutes.\n"), errs.Invalid, "no section headings"},
		{"no number", []byte(strings.Join(seedLines[1:], "\n")), errs.Invalid, "no document number"},
		{"no items", []byte("閩政辦〔2021〕26號\n一、總體要求\n二、工作任務\n"), errs.Invalid, "line 2: section 一 has no numbered items"},
		{"item before section", []byte("閩政辦〔2021〕26號\n(一)建設平臺。(責任單位:省數字辦)\n一、總體要求\n"), errs.Invalid, "line 2: item (一) comes before any section"},
		{"items out of order", []byte(strings.Join(swapped, "\n")), errs.Invalid, "line 12: item (四) is out of order; expected item (三)"},
		{"sections out of order", []byte(strings.Replace(seed, "\n三、加快數字社會建設", "\n四、加快數字社會建設", 1)), errs.Invalid, "line 27: section 四 follows section 二; expected section 三"},
		{"bad date", []byte(strings.Replace(seed, "2021年5月26日", "2021年2月30日", 1)), errs.Invalid, "line 5: 2021年2月30日 is not a date"},
		{"too large", bytes.Repeat([]byte("數"), plan.MaxDocumentSize/3+1), errs.TooLarge, "limit of 8388608 bytes (8 MiB)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := plan.Parse(tc.data)
			if err == nil {
				t.Fatalf("Parse = %+v, want an error", doc)
			}
			if doc != nil {
				t.Errorf("Parse returned a document with its error")
			}
			if got := errs.KindOf(err); got != tc.kind {
				t.Errorf("kind %q, want %q (%v)", got, tc.kind, err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not say %q", err, tc.msg)
			}
		})
	}
}

// TestParseIsolatedDamage checks that a stray broken byte or replacement character is damage to
// report, not a reason to reject the plan.
func TestParseIsolatedDamage(t *testing.T) {
	seed := string(readSeed(t))
	data := strings.Replace(seed, "建設全省便民服務統一支付入口", "建設全省便民\xff服務統一支付入口", 1)
	data = strings.Replace(data, "啟動智慧政法建設。", "啟動智慧政法建設。\uFFFD", 1)
	doc, err := plan.Parse([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range doc.Damage {
		got = append(got, fmt.Sprintf("%d %q", d.Item, d.Text))
	}
	want := []string{`2 "\xff"`, `5 "�"`, `7 "??ā耙豢ㄍā?"`, `18 "??ǖ燃夹g"`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("damage mismatch (-want +got):\n%s", diff)
	}
	if !strings.Contains(doc.Items()[1].Text, "便民\xff服務") {
		t.Error("item (二) lost its broken byte")
	}
}

func TestParseChineseDateAndTrailer(t *testing.T) {
	data := "閩政辦〔2021〕26號\n2021年數字福建工作要點\n一、總體要求\n(一)建設平臺。(責任單位:省數字辦)\n福建省人民政府辦公廳\n二〇二一年五月二十六日\n"
	doc, err := plan.Parse([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Issuer != "福建省人民政府辦公廳" || !doc.IssuedOn.Equal(time.Date(2021, 5, 26, 0, 0, 0, 0, time.FixedZone("", 8*3600))) ||
		doc.Title != "2021年數字福建工作要點" || len(doc.Other) != 0 {
		t.Errorf("issuer %q, date %v, title %q, other %v", doc.Issuer, doc.IssuedOn, doc.Title, doc.Other)
	}
}

func BenchmarkParse(b *testing.B) {
	data := readSeed(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := plan.Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}
