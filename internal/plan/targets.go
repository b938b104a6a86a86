package plan

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ParsedTarget is a quantified target stated in an item, e.g. 新建3萬個以上5G基站.
type ParsedTarget struct {
	Item     int    // ordinal of the item stating it
	Value    int64  // the number, multipliers applied: 3萬 is 30000
	Measure  string // the unit of count (量詞) as written: 個, 家, …
	AtLeast  bool   // 以上, 不少於 and the like: the value is a floor
	Quantity string // the quantity as written, e.g. 3萬個以上
	Subject  string // what is counted, as written, e.g. 5G基站
	Source   string // the clause stating the target, as written, e.g. 新建3萬個以上5G基站
	Offset   int    // byte offset of Source in the item's Text
}

// Measure words (量詞) that count things a plan sets out to build or reach, longest first so
// that 平方公里 wins over 公里. Left out on purpose: 年, 期, 級, 批, 號, 屆, 倍 — years, phases,
// levels, batches and ordinals are not targets.
var measures = []string{
	"平方公里", "平方米", "公里", "千米",
	"個", "个", "家", "項", "项", "座", "所", "條", "条", "臺", "台", "套", "戶", "户", "人", "名",
	"次", "件", "份", "張", "张", "部", "種", "种", "類", "类", "處", "处", "間", "间", "輛", "辆",
	"架", "艘", "顆", "颗", "棟", "栋", "米", "噸", "吨", "畝", "亩", "元",
}

// Verbs that set a target; a number written in Chinese counts as a target only after one of
// them, or with 以上, since 一張網, 兩張網 and 一部手機 are names, not targets.
var targetVerbs = []string{
	"新建", "新增", "建成", "建設", "建设", "培育", "打造", "推出", "形成", "達到", "达到", "完成",
	"累計", "累计", "創建", "创建", "認定", "认定", "引進", "引进", "部署", "開通", "开通", "發展", "发展",
}

// Words before a number that make it a floor.
var floorWords = []string{"不少於", "不少于", "不低於", "不低于", "至少", "超過", "超过", "逾"}

// findTargets reads the targets of an item, skipping its responsibility parentheses.
func findTargets(item int, text string, groups []groupSpan) []ParsedTarget {
	var out []ParsedTarget
	start := 0
	for _, g := range groups {
		out = appendTargets(out, item, text, start, g.open)
		start = g.end
	}
	return appendTargets(out, item, text, start, len(text))
}

func appendTargets(out []ParsedTarget, item int, text string, from, to int) []ParsedTarget {
	c := clause{seg: text[:to], start: from, end: -1}
	for i := from; i < to; {
		r, size := utf8.DecodeRuneInString(c.seg[i:])
		if isClauseBreak(r) {
			c.start = i + size
			i += size
			continue
		}
		t, next, ok := targetAt(&c, from, i)
		if ok {
			t.Item = item
			out = append(out, t)
			i = next
			continue
		}
		i += size
	}
	return out
}

// clause tracks the clause being scanned, so that finding its bounds costs one pass over the
// text however many numbers it holds.
type clause struct {
	seg        string
	start, end int // end is -1 until known, and is found again once scanning passes it
}

// endAfter returns the end of the clause holding byte i.
func (c *clause) endAfter(i int) int {
	if c.end < i {
		c.end = len(c.seg)
		if k := strings.IndexFunc(c.seg[i:], isClauseBreak); k >= 0 {
			c.end = i + k
		}
	}
	return c.end
}

// targetAt reads a target whose number starts at byte i of the clause's segment, which starts
// at from. It returns where scanning goes on.
func targetAt(c *clause, from, i int) (ParsedTarget, int, bool) {
	seg := c.seg
	r, _ := utf8.DecodeRuneInString(seg[i:])
	prev, _ := utf8.DecodeLastRuneInString(seg[from:i])
	if i == from {
		prev = 0
	}
	var value int64
	var ok, arabic bool
	j := i
	switch {
	case isDigit(r):
		// Not part of a code or a version: IPv6, GB/T 36904, 3.0.
		if isLatinLetter(prev) || isDigit(prev) || strings.ContainsRune(".．-/_第", prev) {
			return ParsedTarget{}, 0, false
		}
		value, j, ok = arabicNumber(seg, i)
		arabic = true
	case strings.ContainsRune("一二兩两三四五六七八九十", r):
		if isChineseNumeralRune(prev) || strings.ContainsRune("第“「‘『每", prev) {
			return ParsedTarget{}, 0, false
		}
		k := i
		for k < len(seg) {
			r, size := utf8.DecodeRuneInString(seg[k:])
			if !isChineseNumeralRune(r) {
				break
			}
			k += size
		}
		value, ok = chineseValue(seg[i:k])
		j = k
	default:
		return ParsedTarget{}, 0, false
	}
	if !ok {
		return ParsedTarget{}, j, false
	}
	atLeast := false
	for _, w := range []string{"余", "餘", "多"} {
		if strings.HasPrefix(seg[j:], w) {
			atLeast, j = true, j+len(w)
			break
		}
	}
	measure := ""
	for _, m := range measures {
		if strings.HasPrefix(seg[j:], m) {
			measure, j = m, j+len(m)
			break
		}
	}
	if measure == "" {
		return ParsedTarget{}, j, false
	}
	if strings.HasPrefix(seg[j:], "以上") {
		atLeast, j = true, j+len("以上")
	}
	quantityEnd := j

	clauseStart, clauseEnd := c.start, c.endAfter(quantityEnd)
	before := strings.TrimSpace(seg[clauseStart:i])
	for _, w := range floorWords {
		if strings.HasSuffix(before, w) {
			atLeast = true
		}
	}
	if !arabic && !atLeast {
		verb := false
		for _, v := range targetVerbs {
			verb = verb || strings.HasSuffix(before, v)
		}
		if !verb || value < 2 {
			return ParsedTarget{}, quantityEnd, false
		}
	}
	subject := strings.TrimSpace(seg[quantityEnd:clauseEnd])
	if subject == "" {
		subject = before
	}
	lead := len(seg[clauseStart:clauseEnd]) - len(strings.TrimLeftFunc(seg[clauseStart:clauseEnd], unicode.IsSpace))
	return ParsedTarget{
		Value:    value,
		Measure:  measure,
		AtLeast:  atLeast,
		Quantity: seg[i:quantityEnd],
		Subject:  subject,
		Source:   strings.TrimSpace(seg[clauseStart:clauseEnd]),
		Offset:   clauseStart + lead,
	}, quantityEnd, true
}

// isClauseBreak reports whether r ends the clause a target is stated in.
func isClauseBreak(r rune) bool {
	switch r {
	case ',', '，', '。', ';', '；', ':', '：', '!', '！', '?', '？', '\n':
		return true
	}
	return false
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' || r >= '０' && r <= '９' }

// arabicNumber reads 3, 5000, 1.5, ３ followed by optional multipliers 萬, 千, 百, 億
// (3萬 = 30000, 1.5億 = 150000000). It fails on overflow and on a fraction of a unit.
func arabicNumber(s string, i int) (int64, int, bool) {
	var digits []byte
	frac := -1 // digits after the point
	j := i
	for j < len(s) {
		r, size := utf8.DecodeRuneInString(s[j:])
		switch {
		case isDigit(r):
			if r >= '０' {
				r -= '０' - '0'
			}
			digits = append(digits, byte(r))
			if frac >= 0 {
				frac++
			}
		case (r == '.' || r == '．') && frac < 0 && j+size < len(s):
			next, _ := utf8.DecodeRuneInString(s[j+size:])
			if !isDigit(next) {
				goto done
			}
			frac = 0
		default:
			goto done
		}
		j += size
	}
done:
	if len(digits) > 18 {
		return 0, j, false
	}
	var v int64
	for _, d := range digits {
		v = v*10 + int64(d-'0')
	}
	mult := int64(1)
	for k := 0; k < 2; k++ { // 3萬, 5千萬
		r, size := utf8.DecodeRuneInString(s[j:])
		m, ok := multipliers[r]
		if !ok || mult > math.MaxInt64/m {
			break
		}
		mult *= m
		j += size
	}
	for ; frac > 0; frac-- {
		if mult%10 != 0 {
			return 0, j, false // 2.5個 is no count
		}
		mult /= 10
	}
	if v != 0 && mult > math.MaxInt64/v {
		return 0, j, false
	}
	return v * mult, j, true
}

var multipliers = map[rune]int64{'十': 10, '百': 100, '千': 1000, '萬': 10000, '万': 10000, '億': 100000000, '亿': 100000000}

func isChineseNumeralRune(r rune) bool {
	switch r {
	case '零', '〇', '一', '二', '兩', '两', '三', '四', '五', '六', '七', '八', '九', '十', '百', '千', '萬', '万', '億', '亿':
		return true
	}
	return false
}

// chineseValue reads a Chinese numeral: 三十四, 一百, 三萬, 兩千五百, 一億零五百.
func chineseValue(s string) (int64, bool) {
	const limit = 1 << 53 // far beyond any count a plan sets; keeps the arithmetic exact
	var total, section, number int64
	seenDigit := false
	for _, r := range s {
		switch {
		case r == '零' || r == '〇':
			number = 0
		case strings.ContainsRune("一二兩两三四五六七八九", r):
			number = chineseDigits[r]
			seenDigit = true
		case r == '十' || r == '百' || r == '千':
			if number == 0 {
				if r != '十' {
					return 0, false // 百 and 千 need a digit before them
				}
				number = 1 // 十 is 一十
			}
			section += number * multipliers[r]
			number = 0
			seenDigit = true
		case r == '萬' || r == '万':
			if section+number > limit/10000 {
				return 0, false
			}
			total += (section + number) * 10000
			section, number = 0, 0
		case r == '億' || r == '亿':
			if total+section+number > limit/100000000 {
				return 0, false
			}
			total = (total + section + number) * 100000000
			section, number = 0, 0
		default:
			return 0, false
		}
		if total > limit || section > limit {
			return 0, false
		}
	}
	if !seenDigit {
		return 0, false
	}
	return total + section + number, true
}

var chineseDigits = map[rune]int64{'一': 1, '二': 2, '兩': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}
