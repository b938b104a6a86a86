package plan

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// ResponsibilityGroup is one (責任單位:…) parenthesis of an item and the text it covers.
type ResponsibilityGroup struct {
	// List is the unit list as written after the colon, e.g. 省數字辦、檔案局,省直各有關單位.
	List string
	// Covers is the text the group is responsible for: from the item's start, or the end of the
	// previous group, to this group's opening parenthesis, trimmed.
	Covers string
	// Offset and End are the byte offsets in ParsedItem.Text of the opening parenthesis and just past
	// the closing one (the end of the text if the parenthesis is never closed).
	Offset, End int
	Units       []ParsedUnit
}

// ParsedUnit is one responsible unit as people read it in a unit list.
type ParsedUnit struct {
	Raw string // as written in the list, e.g. 檔案局
	// Name is the unit's name with the list's abbreviations undone and spaces removed, e.g.
	// 省檔案局: what org.Matcher is asked about.
	Name string
	// Lead marks the unit that leads the item (牽頭): the first one named. The others support it.
	Lead bool
	// Collective is set when the entry names a class of units, such as 各設區市人民政府, rather
	// than one organisation; a later step expands it.
	Collective Collective
}

// IsCollective reports whether u names a class of units rather than one organisation.
func (u ParsedUnit) IsCollective() bool { return u.Collective != "" }

// Collective is the class of units a collective entry stands for.
type Collective string

// The collective entries plans use.
const (
	ProvincialUnits  Collective = "provincial-units"  // 省直(各)有關單位, 省直有關部門: the provincial departments concerned
	CityGovernments  Collective = "city-governments"  // 各設區市人民政府: the nine prefecture-level cities
	TelecomOperators Collective = "telecom-operators" // 各電信運營商: the telecom operators
	OtherCollective  Collective = "other"             // another 各… or …有關… phrase
)

var collectives = map[string]Collective{
	"省直各有關單位": ProvincialUnits, "省直各有关单位": ProvincialUnits,
	"省直有關單位": ProvincialUnits, "省直有关单位": ProvincialUnits,
	"省直有關部門": ProvincialUnits, "省直有关部门": ProvincialUnits,
	"省直各有關部門": ProvincialUnits, "省直各有关部门": ProvincialUnits,
	"省直各部門": ProvincialUnits, "省直各部门": ProvincialUnits,
	"省直各單位": ProvincialUnits, "省直各单位": ProvincialUnits,
	"省有關部門": ProvincialUnits, "省有关部门": ProvincialUnits,
	"省有關單位": ProvincialUnits, "省有关单位": ProvincialUnits,
	"各設區市人民政府": CityGovernments, "各设区市人民政府": CityGovernments,
	"各設區市政府": CityGovernments, "各设区市政府": CityGovernments,
	"各電信運營商": TelecomOperators, "各电信运营商": TelecomOperators,
	"各基礎電信運營商": TelecomOperators, "各基础电信运营商": TelecomOperators,
	"各基礎電信企業": TelecomOperators, "各基础电信企业": TelecomOperators,
}

func collectiveOf(name string) Collective {
	if c, ok := collectives[name]; ok {
		return c
	}
	if strings.HasPrefix(name, "各") || strings.Contains(name, "有關") || strings.Contains(name, "有关") ||
		strings.Contains(name, "相關") || strings.Contains(name, "相关") {
		return OtherCollective
	}
	return ""
}

// NormaliseUnits reads a unit list as written after 責任單位: and returns its units as people
// read them, the first marked as lead:
//
//   - a comma (, or ，; also ; and ；) separates runs, 、 separates units within a run, and
//     neither separates inside parentheses;
//   - a run's leading 省 applies to the units after it that lack one (省數字辦、檔案局 is 省數字辦
//     and 省檔案局); a leading 省委 applies as 省委 (省委辦公廳、機要局 is 省委辦公廳 and 省委機要局);
//     a unit that names a government or a place, or starts with 各, takes no prefix;
//   - a run's trailing 人民政府 applies to each city or county before it (福州市、泉州市人民政府
//     is 福州市人民政府 and 泉州市人民政府);
//   - collective entries such as 省直各有關單位 and 各設區市人民政府 are kept whole and marked.
func NormaliseUnits(list string) []ParsedUnit {
	var out []ParsedUnit
	for _, run := range splitOutside(list, isRunSeparator) {
		var raws, names []string
		for _, part := range splitOutside(run, func(r rune) bool { return r == '、' }) {
			raw := strings.TrimFunc(part, func(r rune) bool {
				return unicode.IsSpace(r) || strings.ContainsRune("。.．", r)
			})
			if name := stripSpaces(raw); name != "" {
				raws, names = append(raws, raw), append(names, name)
			}
		}
		if len(names) == 0 {
			continue
		}
		if last := names[len(names)-1]; len(names) > 1 && strings.HasSuffix(last, "人民政府") && !isPlace(last) {
			for i := range names[:len(names)-1] {
				if isPlace(names[i]) {
					names[i] += "人民政府"
				}
			}
		}
		if prefix := provincePrefix(names[0]); prefix != "" {
			for i := 1; i < len(names); i++ {
				if !takesNoPrefix(names[i]) {
					names[i] = prefix + names[i]
				}
			}
		}
		for i, name := range names {
			out = append(out, ParsedUnit{Raw: raws[i], Name: name, Collective: collectiveOf(name)})
		}
	}
	if len(out) > 0 {
		out[0].Lead = true
	}
	return out
}

func isRunSeparator(r rune) bool { return r == ',' || r == '，' || r == ';' || r == '；' }

// provincePrefix returns the prefix a run's first unit shares with the rest of the run.
func provincePrefix(first string) string {
	switch {
	case strings.HasPrefix(first, "省委") && first != "省委":
		return "省委"
	case strings.HasPrefix(first, "省") && first != "省":
		return "省"
	}
	return ""
}

// takesNoPrefix reports whether a unit after the first in its run is already whole: it has its
// own level, is a collective, or is a government of a place.
func takesNoPrefix(name string) bool {
	for _, p := range []string{"省", "各", "中共", "中國", "中国", "國家", "国家", "福建"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	for _, s := range []string{"人民政府", "政府", "管委會", "管委会"} {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return isPlace(name)
}

// isPlace reports whether name is a city, county or district: 福州市, 長樂區, 平潭縣.
func isPlace(name string) bool {
	n := utf8.RuneCountInString(name)
	if n < 2 || n > 8 {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(name)
	if !strings.ContainsRune("市縣县區区", r) {
		return false
	}
	for _, r := range name {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return true
}

// splitOutside splits s at runes for which sep is true, except inside parentheses or brackets.
func splitOutside(s string, sep func(rune) bool) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch {
		case strings.ContainsRune("(（[［【〔", r):
			depth++
		case strings.ContainsRune(")）]］】〕", r):
			if depth > 0 {
				depth--
			}
		case depth == 0 && sep(r):
			out = append(out, s[start:i])
			start = i + utf8.RuneLen(r)
		}
	}
	return append(out, s[start:])
}

// stripSpaces removes every space from a name, as org.NormaliseName does, so that Name is what
// the organisation directory matches.
func stripSpaces(s string) string {
	if strings.IndexFunc(s, unicode.IsSpace) < 0 {
		return s
	}
	return strings.Join(strings.Fields(s), "")
}

// Responsibility parentheses: (責任單位:…) and the like.
var responsibilityLabels = []string{"責任單位", "责任单位", "牽頭單位", "牵头单位", "責任部門", "责任部门"}

// groupSpan locates a responsibility parenthesis in an item's text.
type groupSpan struct {
	open               int // byte offset of the opening parenthesis
	listStart, listEnd int // the unit list after the colon
	end                int // just past the closing parenthesis, or the end of the text
	closed             bool
}

func findGroups(text string) []groupSpan {
	var out []groupSpan
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if r != '(' && r != '（' {
			i += size
			continue
		}
		listStart, ok := afterLabel(text, i+size)
		if !ok {
			i += size
			continue
		}
		g := groupSpan{open: i, listStart: listStart, listEnd: len(text), end: len(text)}
		if end, _ := closeGroup(text, listStart, 1); end >= 0 {
			_, size := utf8.DecodeLastRuneInString(text[:end])
			g.listEnd, g.end, g.closed = end-size, end, true
		}
		out = append(out, g)
		i = g.end
	}
	return out
}

// afterLabel reports whether a responsibility label follows offset i, and where its unit list
// starts: after the colon (ASCII or full-width), which some plans leave out.
func afterLabel(text string, i int) (int, bool) {
	i += len(text[i:]) - len(strings.TrimLeftFunc(text[i:], unicode.IsSpace))
	for _, label := range responsibilityLabels {
		if strings.HasPrefix(text[i:], label) {
			i += len(label)
			i += len(text[i:]) - len(strings.TrimLeftFunc(text[i:], unicode.IsSpace))
			if strings.HasPrefix(text[i:], ":") {
				i++
			} else if strings.HasPrefix(text[i:], "：") {
				i += len("：")
			}
			return i, true
		}
	}
	return 0, false
}

// groupCloser follows an item's text as it is read line by line and tells whether the text so
// far ends with a closed responsibility parenthesis, as a complete item does. It reads each line
// once, so a long item costs no more than a short one per line.
type groupCloser struct {
	depth  int  // parentheses open inside an unclosed responsibility group; 0 outside one
	closed bool // the text so far ends with a closed group
}

func (c *groupCloser) feed(s string) {
	if c.depth > 0 {
		end, depth := closeGroup(s, 0, c.depth)
		if c.depth = depth; end < 0 {
			return
		}
		c.closed = strings.TrimRightFunc(s[end:], unicode.IsSpace) == ""
		s = s[end:]
	} else if strings.TrimSpace(s) != "" {
		c.closed = false
	}
	groups := findGroups(s)
	if len(groups) == 0 {
		return
	}
	g := groups[len(groups)-1]
	if !g.closed {
		_, c.depth = closeGroup(s, g.listStart, 1)
		c.closed = false
		return
	}
	c.closed = strings.TrimRightFunc(s[g.end:], unicode.IsSpace) == ""
}

// closeGroup reads s from byte i inside a group with depth parentheses open, and returns the
// offset just past the parenthesis that closes it, or -1 and the depth still open at the end.
func closeGroup(s string, i, depth int) (end, open int) {
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch r {
		case '(', '（':
			depth++
		case ')', '）':
			if depth--; depth == 0 {
				return i, 0
			}
		}
	}
	return -1, depth
}
