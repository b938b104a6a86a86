package plan_test

import (
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/plan"
)

// FuzzParse checks that Parse never panics, fails only with its own error kinds, and that any
// document it returns is consistent: ordinals count up from 1, and every offset it reports
// points at the text it names.
func FuzzParse(f *testing.F) {
	// The seed plan enters in small pieces, each a plan of its own: every item alone, and a
	// header with two short sections. The whole plan, tested in parse_test.go, would have the
	// fuzzer spend its time minimising kilobytes of input.
	if seed, err := os.ReadFile(seedPath); err == nil {
		lines := strings.Split(string(seed), "\n")
		var items []string
		for _, l := range lines {
			if strings.HasPrefix(l, "(") {
				items = append(items, l[strings.Index(l, ")")+1:])
				f.Add([]byte(minimalPlan(items[len(items)-1])))
			}
		}
		slices.SortFunc(items, func(a, b string) int { return len(a) - len(b) })
		f.Add([]byte(strings.Join(lines[:7], "\n") + "\n一、數字政府\n(一)" + items[0] +
			"\n二、數字經濟\n(二)" + items[1] + "\n" + lines[len(lines)-1]))
	}
	if sample, err := os.ReadFile("testdata/simplified-sample.txt"); err == nil {
		f.Add(sample)
	}
	for _, s := range []string{
		"",
		"閩政辦〔2021〕26號\n一、總體要求\n(一)建設平臺。(責任單位:省數字辦、檔案局,福州市、泉州市人民政府)",
		"閩政辦〔2021〕26號\n一、總體要求\n(一)新建3萬個以上5G基站(責任單位:省工信廳\n、數字辦)\n(二)社??ā耙豢ㄍā?(責任單位:",
		"閩政辦〔2021〕26號\n一、甲\n(一)甲(責任單位:省委辦公廳、機要局(保密局)\n二、乙\n(1)乙\n(二)丙",
		"閩政辦〔2021〕26號\n二〇二一年十三月五日\n一、甲\n(一)甲\n",
		"\xff\xfe\x00\x01",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := plan.Parse(data)
		if err != nil {
			if doc != nil {
				t.Fatalf("Parse returned a document with error %v", err)
			}
			if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge {
				t.Fatalf("Parse error of kind %q: %v", k, err)
			}
			return
		}
		checkDocument(t, doc)
		if len(data) > 4<<10 {
			return // determinism is checked on small inputs, where it is cheap
		}
		again, err := plan.Parse(data)
		if err != nil {
			t.Fatalf("second Parse failed: %v", err)
		}
		if !reflect.DeepEqual(doc, again) {
			t.Fatalf("Parse is not deterministic (-first +second):\n%s", cmp.Diff(doc, again))
		}
	})
}

func checkDocument(t *testing.T, doc *plan.ParsedDocument) {
	t.Helper()
	if doc.Number == "" || len(doc.Sections) == 0 || len(doc.Items()) == 0 {
		t.Fatalf("document without number, sections or items: %+v", doc)
	}
	ordinal := 0
	for si, s := range doc.Sections {
		if s.Ordinal != si+1 {
			t.Fatalf("section %d has ordinal %d", si+1, s.Ordinal)
		}
		for _, it := range s.Items {
			ordinal++
			if it.Ordinal != ordinal {
				t.Fatalf("item %d has ordinal %d", ordinal, it.Ordinal)
			}
			checkItem(t, it)
		}
	}
	items := doc.Items()
	prevLine, prevCol := 0, 0
	for _, d := range doc.Damage {
		if d.Text == "" || d.Line < prevLine || d.Line == prevLine && d.Column <= prevCol {
			t.Fatalf("damage out of order or empty: %+v", d)
		}
		prevLine, prevCol = d.Line, d.Column
		if d.Item == 0 {
			continue
		}
		if d.Item < 1 || d.Item > len(items) {
			t.Fatalf("damage names item %d of %d", d.Item, len(items))
		}
		text := items[d.Item-1].Text
		if d.Offset < 0 || d.Offset+len(d.Text) > len(text) || text[d.Offset:d.Offset+len(d.Text)] != d.Text {
			t.Fatalf("damage %q is not at offset %d of item %d %q", d.Text, d.Offset, d.Item, text)
		}
		if n := utf8.RuneCountInString(text[:d.Offset]); d.CharOffset != n {
			t.Fatalf("damage %q at byte %d: character offset %d, want %d", d.Text, d.Offset, d.CharOffset, n)
		}
	}
}

func checkItem(t *testing.T, it plan.ParsedItem) {
	t.Helper()
	if !strings.Contains(it.Text, it.Heading) {
		t.Fatalf("item %d: heading %q is not in its text", it.Ordinal, it.Heading)
	}
	prevEnd, leads := 0, 0
	for gi, g := range it.Responsibilities {
		if g.Offset < prevEnd || g.End <= g.Offset || g.End > len(it.Text) {
			t.Fatalf("item %d: group %d spans %d:%d of %d bytes", it.Ordinal, gi, g.Offset, g.End, len(it.Text))
		}
		if r := it.Text[g.Offset]; r != '(' && !strings.HasPrefix(it.Text[g.Offset:], "（") {
			t.Fatalf("item %d: group %d does not start at a parenthesis", it.Ordinal, gi)
		}
		prevEnd = g.End
		for ui, u := range g.Units {
			checkUnit(t, g.List, u)
			if u.Lead {
				leads++
				if gi != 0 || ui != 0 {
					t.Fatalf("item %d: unit %s leads but is not the item's first", it.Ordinal, u.Name)
				}
			}
		}
	}
	if leads > 1 {
		t.Fatalf("item %d has %d lead units", it.Ordinal, leads)
	}
	for _, tg := range it.Targets {
		if tg.Item != it.Ordinal || tg.Value < 0 || tg.Measure == "" ||
			tg.Offset < 0 || !strings.HasPrefix(it.Text[tg.Offset:], tg.Source) || !strings.Contains(tg.Source, tg.Quantity) {
			t.Fatalf("item %d: inconsistent target %+v", it.Ordinal, tg)
		}
	}
}

func checkUnit(t *testing.T, list string, u plan.ParsedUnit) {
	t.Helper()
	if u.Raw == "" || u.Name == "" || !strings.Contains(list, u.Raw) {
		t.Fatalf("unit %+v: raw text is not in list %q", u, list)
	}
	if !strings.Contains(u.Name, org.NormaliseName(u.Raw)) || strings.IndexFunc(u.Name, unicode.IsSpace) >= 0 {
		t.Fatalf("unit %+v: name is not the raw text completed", u)
	}
	if u.IsCollective() != (u.Collective != "") {
		t.Fatalf("unit %+v: collective flag disagrees", u)
	}
}

// FuzzNormaliseUnits checks that NormaliseUnits never panics, keeps every unit's raw text as
// written, only ever adds a prefix or suffix to it, and marks the first unit alone as lead.
func FuzzNormaliseUnits(f *testing.F) {
	if seed, err := os.ReadFile(seedPath); err == nil {
		for _, part := range strings.Split(string(seed), "責任單位:")[1:] {
			if i := strings.Index(part, ")"); i >= 0 {
				f.Add(part[:i])
			}
		}
	}
	for _, s := range []string{
		"", "、", ",,、", "省", "省委", "省委、", "人民政府", "市、人民政府",
		"省數字辦、檔案局,省直各有關單位",
		"省委辦公廳、機要局、保密局,省人大常委會辦公廳",
		"福州市、泉州市、漳州市人民政府",
		"省民政廳、各縣(市、區)人民政府",
		"省数字办、档案局；省直有关部门，各设区市人民政府",
		"省 數字 辦 、(( 檔案局 ))",
		"省\xff辦、\u3000檔案局。",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, list string) {
		units := plan.NormaliseUnits(list)
		for i, u := range units {
			checkUnit(t, list, u)
			if u.Lead != (i == 0) {
				t.Fatalf("unit %d %+v: lead is %v", i, u, u.Lead)
			}
		}
		if diff := cmp.Diff(units, plan.NormaliseUnits(list)); diff != "" {
			t.Fatalf("NormaliseUnits is not deterministic:\n%s", diff)
		}
	})
}
