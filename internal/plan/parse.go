package plan

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// MaxDocumentSize is the largest plan Parse accepts, in bytes (8 MiB). A work plan is tens of
// kilobytes; the limit only stops a mistaken upload from being read whole.
const MaxDocumentSize = 8 << 20

// Limits on damage Parse tolerates before it decides the input is not plan text at all. An
// isolated broken character is damage to report; text that is broken throughout is in another
// encoding or is binary, and reporting every byte of it would help nobody.
const (
	maxInvalidRun   = 3  // invalid bytes in a row: one broken character of at most 3 bytes
	maxInvalidRuns  = 16 // broken characters in the whole document
	maxControlChars = 16 // C0 control characters other than tab, CR, LF, VT and FF
	maxDamage       = 1000
)

// chinaTime is China Standard Time, UTC+8 all year; plans are dated in it.
var chinaTime = time.FixedZone("CST", 8*60*60)

// ParsedDocument is a work plan as issued: its header, its numbered sections and items, and the places
// where its text is damaged.
type ParsedDocument struct {
	Number     string    // document number as written, e.g. 閩政辦〔2021〕26號
	Title      string    // e.g. 2021年數字福建工作要點
	Issuer     string    // e.g. 福建省人民政府辦公廳
	IssuedOn   time.Time // date of issue at midnight China Standard Time (UTC+8); zero if the plan has none
	Script     string    // zh-Hant or zh-Hans, whichever the text is written in; "" if it cannot tell
	Addressees string    // the addressee line without its closing colon, "" if none
	Preamble   string    // the paragraphs between the title and the first section, lines joined by "\n"
	Sections   []ParsedSection
	// Damage lists every span of the text that is garbled (mojibake, replacement characters,
	// broken bytes), in document order. The text itself is kept exactly as found.
	Damage []ParsedDamage
	// Other holds the lines that belong to no part above (covering note, publication note,
	// footer), so that nothing in the input is silently lost.
	Other []ParsedLine
}

// ParsedSection is one of the plan's top-level parts, headed 一、 二、 ….
type ParsedSection struct {
	Ordinal int    // 1, 2, … in document order
	Numeral string // as written: 一, 二, …
	Title   string // e.g. 高水平建設數字政府
	Line    int    // line number of the heading, from 1
	Items   []ParsedItem
}

// ParsedItem is one numbered task of the plan, (一) … (三十四).
type ParsedItem struct {
	Ordinal int    // 1, 2, … across the whole plan, whatever the numbering style
	Numeral string // as written between the parentheses: 一, 三十四, …
	// Heading is the item's first sentence without its closing 。, e.g. 整合優化政務網絡和政務網站.
	Heading string
	// Text is the item as written after its numeral, byte for byte, responsibility parentheses
	// and damage included, without the spaces around it. An item continued on further lines
	// keeps its line breaks; the indentation of those lines is dropped.
	Text string
	Line int // line number of the item's first line, from 1
	// Responsibilities are the item's (責任單位:…) parentheses in order. Most items have one;
	// an item with several assigns each group to the sentences before it (see Covers).
	Responsibilities []ResponsibilityGroup
	Targets          []ParsedTarget // quantified targets stated in the item, in order
}

// ParsedLine is a line of the input kept as found, with its line number from 1.
type ParsedLine struct {
	Number int
	Text   string
}

// ParsedDamage is a span of garbled text, kept exactly as found.
type ParsedDamage struct {
	Item   int // ordinal of the item holding the span; 0 if it lies outside every item
	Line   int // line number, from 1
	Column int // column of the span's first character in its line, counted in characters from 1
	Offset int // byte offset of the span in the item's Text; in its line if Item is 0
	// CharOffset is Offset counted in characters (runes) rather than bytes.
	CharOffset int
	Text       string // the damaged text as found
}

// Items returns every item of the plan in order.
func (d *ParsedDocument) Items() []ParsedItem {
	var out []ParsedItem
	for _, s := range d.Sections {
		out = append(out, s.Items...)
	}
	return out
}

// Targets returns every quantified target of the plan in order.
func (d *ParsedDocument) Targets() []ParsedTarget {
	var out []ParsedTarget
	for _, s := range d.Sections {
		for _, it := range s.Items {
			out = append(out, it.Targets...)
		}
	}
	return out
}

// Units returns the distinct units responsible for the item in the order first named; the lead
// unit, if any, comes first.
func (it ParsedItem) Units() []ParsedUnit {
	var out []ParsedUnit
	seen := map[string]bool{}
	for _, g := range it.Responsibilities {
		for _, u := range g.Units {
			if !seen[u.Name] {
				seen[u.Name] = true
				out = append(out, u)
			}
		}
	}
	return out
}

// Parse reads a work plan in the format of 閩政辦〔2021〕26號, in Traditional or Simplified
// characters, as UTF-8 text. It needs no database and changes nothing.
//
// Garbled spans are kept as found and listed in ParsedDocument.Damage; they never cost an item.
// Returns errs.TooLarge if data is larger than MaxDocumentSize, and errs.Invalid, with the line
// number where there is one, if data is empty, binary, not UTF-8 or garbled throughout, or not
// laid out as a plan (no document number, no sections, no items, items or sections out of order).
func Parse(data []byte) (doc *ParsedDocument, err error) {
	defer errs.Wrap(&err, "plan.Parse")
	if len(data) > MaxDocumentSize {
		return nil, errs.E(errs.TooLarge, fmt.Sprintf(
			"the plan is %d bytes, more than the limit of %d bytes (8 MiB); check that the file is the plan text",
			len(data), MaxDocumentSize))
	}
	p := &parser{data: data, lines: splitLines(data)}
	if err := p.checkText(); err != nil {
		return nil, err
	}
	if err := p.structure(); err != nil {
		return nil, err
	}
	if err := p.header(); err != nil {
		return nil, err
	}
	p.doc.Script = detectScript(data)
	if err := p.damage(); err != nil {
		return nil, err
	}
	return p.doc, nil
}

// srcLine is one line of the input.
type srcLine struct {
	num   int    // line number from 1
	start int    // byte offset of text in the input
	text  string // the line without its terminator (LF or CR LF)
}

var bom = []byte("\uFEFF")

func splitLines(data []byte) []srcLine {
	out := make([]srcLine, 0, bytes.Count(data, []byte("\n"))+1)
	start := 0
	if bytes.HasPrefix(data, bom) {
		start = len(bom)
	}
	for n := 1; start <= len(data); n++ {
		end, next := len(data), len(data)+1
		if i := bytes.IndexByte(data[start:], '\n'); i >= 0 {
			end, next = start+i, start+i+1
		}
		out = append(out, srcLine{num: n, start: start, text: string(bytes.TrimSuffix(data[start:end], []byte("\r")))})
		start = next
	}
	return out
}

// lineAt returns the number of the line holding byte offset off.
func (p *parser) lineAt(off int) int {
	lo, hi := 0, len(p.lines)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if p.lines[mid].start <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return p.lines[lo].num
}

type parser struct {
	data  []byte
	lines []srcLine
	doc   *ParsedDocument

	front, trailer []srcLine  // lines before the first section; lines after the last item ended
	spans          []itemSpan // where each item's text lies in the input
}

// itemSpan maps a stretch of an item's Text back to the input.
type itemSpan struct {
	item      int // ordinal
	docStart  int // byte offset in the input
	textStart int // byte offset in ParsedItem.Text
	length    int
}

// checkText rejects input that is not text: empty, binary, or not UTF-8 beyond isolated damage.
func (p *parser) checkText() error {
	if len(bytes.TrimFunc(bytes.TrimPrefix(p.data, bom), unicode.IsSpace)) == 0 {
		return errs.E(errs.Invalid, "the plan is empty: the file holds no text")
	}
	if i := bytes.IndexByte(p.data, 0); i >= 0 {
		return errs.E(errs.Invalid, fmt.Sprintf(
			"line %d contains a NUL byte: this is a binary file, not a plan text", p.lineAt(i)))
	}
	controls, firstControl := 0, -1
	runs, firstRun := 0, -1
	for i := 0; i < len(p.data); {
		r, size := utf8.DecodeRune(p.data[i:])
		if r == utf8.RuneError && size == 1 {
			j := i
			for j < len(p.data) {
				r, size := utf8.DecodeRune(p.data[j:])
				if r != utf8.RuneError || size != 1 {
					break
				}
				j++
			}
			if j-i > maxInvalidRun {
				return errs.E(errs.Invalid, fmt.Sprintf(
					"line %d is not UTF-8 text (%d bytes in a row are invalid); save the plan as UTF-8 — it may be in GBK or Big5",
					p.lineAt(i), j-i))
			}
			if runs++; firstRun < 0 {
				firstRun = i
			}
			i = j
			continue
		}
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' && r != '\v' && r != '\f' {
			if controls++; firstControl < 0 {
				firstControl = i
			}
		}
		i += size
	}
	if runs > maxInvalidRuns {
		return errs.E(errs.Invalid, fmt.Sprintf(
			"the plan is not UTF-8 text: %d places are invalid, the first on line %d; save the plan as UTF-8 — it may be in GBK or Big5",
			runs, p.lineAt(firstRun)))
	}
	if controls > maxControlChars {
		return errs.E(errs.Invalid, fmt.Sprintf(
			"the plan holds %d control characters, the first on line %d: this is a binary file, not a plan text",
			controls, p.lineAt(firstControl)))
	}
	return nil
}

// numbering styles of items: numbered across the plan, as 閩政辦〔2021〕26號 does, or afresh in
// each section.
const (
	numberingUnknown = iota
	numberingGlobal
	numberingPerSection
)

// structure finds sections and items, and sets aside the lines before and after them.
func (p *parser) structure() error {
	p.doc = &ParsedDocument{}
	doc := p.doc
	var cur *ParsedItem // the item being read, nil between items
	var text strings.Builder
	var closing groupCloser // whether cur's text so far ends with a closed responsibility parenthesis
	finish := func() {
		if cur != nil {
			cur.Text = text.String()
			cur = nil
		}
	}
	total, numbering := 0, numberingUnknown
	for _, l := range p.lines {
		t := strings.TrimSpace(l.text)
		if t == "" {
			finish() // a blank line ends a paragraph
			continue
		}
		if numeral, title, ok := sectionHeading(t); ok {
			want := len(doc.Sections) + 1
			if v, _ := numeralValue(numeral); v != int64(want) {
				if want == 1 {
					return errs.E(errs.Invalid, fmt.Sprintf(
						"line %d: the first section is numbered %s; it should be 一", l.num, numeral))
				}
				return errs.E(errs.Invalid, fmt.Sprintf(
					"line %d: section %s follows section %s; expected section %s",
					l.num, numeral, doc.Sections[want-2].Numeral, chineseNumeral(want)))
			}
			finish()
			doc.Sections = append(doc.Sections, ParsedSection{Ordinal: want, Numeral: numeral, Title: title, Line: l.num})
			continue
		}
		if numeral, markerEnd, ok := itemHeading(l.text); ok {
			if len(doc.Sections) == 0 {
				return errs.E(errs.Invalid, fmt.Sprintf(
					"line %d: item (%s) comes before any section heading such as 一、…", l.num, numeral))
			}
			sec := &doc.Sections[len(doc.Sections)-1]
			v, _ := numeralValue(numeral)
			global, local := total+1, len(sec.Items)+1
			switch {
			case numbering != numberingPerSection && v == int64(global):
				if global != local {
					numbering = numberingGlobal
				}
			case numbering != numberingGlobal && v == int64(local):
				if global != local {
					numbering = numberingPerSection
				}
			default:
				want := global
				if numbering == numberingPerSection {
					want = local
				}
				return errs.E(errs.Invalid, fmt.Sprintf(
					"line %d: item (%s) is out of order; expected item (%s)", l.num, numeral, chineseNumeral(want)))
			}
			finish()
			total++
			start := markerEnd + (len(l.text[markerEnd:]) - len(strings.TrimLeftFunc(l.text[markerEnd:], unicode.IsSpace)))
			line := strings.TrimRightFunc(l.text[start:], unicode.IsSpace)
			sec.Items = append(sec.Items, ParsedItem{Ordinal: total, Numeral: numeral, Line: l.num})
			cur = &sec.Items[len(sec.Items)-1]
			text.Reset()
			text.WriteString(line)
			closing = groupCloser{}
			closing.feed(line)
			p.spans = append(p.spans, itemSpan{item: total, docStart: l.start + start, textStart: 0, length: len(line)})
			continue
		}
		switch {
		case len(doc.Sections) == 0:
			p.front = append(p.front, l)
		case cur != nil && !closing.closed:
			// The item runs on: its responsibility parenthesis, which ends every item, is
			// still to come.
			start := len(l.text) - len(strings.TrimLeftFunc(l.text, unicode.IsSpace))
			line := strings.TrimRightFunc(l.text[start:], unicode.IsSpace)
			text.WriteString("\n")
			p.spans = append(p.spans, itemSpan{item: cur.Ordinal, docStart: l.start + start, textStart: text.Len(), length: len(line)})
			text.WriteString(line)
			closing.feed("\n" + line)
		default:
			finish()
			p.trailer = append(p.trailer, l)
		}
	}
	finish()
	for si := range doc.Sections {
		for ii := range doc.Sections[si].Items {
			completeItem(&doc.Sections[si].Items[ii])
		}
	}
	return nil
}

// completeItem derives heading, responsibilities and targets from an item's text.
func completeItem(it *ParsedItem) {
	groups := findGroups(it.Text)
	end := len(it.Text)
	if len(groups) > 0 {
		end = groups[0].open
	}
	if i := strings.Index(it.Text[:end], "。"); i >= 0 {
		end = i
	}
	it.Heading = strings.TrimSpace(it.Text[:end])
	prev := 0
	for gi, g := range groups {
		units := NormaliseUnits(it.Text[g.listStart:g.listEnd])
		if gi > 0 && len(units) > 0 {
			units[0].Lead = false // only the item's first unit leads it
		}
		it.Responsibilities = append(it.Responsibilities, ResponsibilityGroup{
			List:   it.Text[g.listStart:g.listEnd],
			Covers: strings.TrimSpace(it.Text[prev:g.open]),
			Offset: g.open,
			End:    g.end,
			Units:  units,
		})
		prev = g.end
	}
	it.Targets = findTargets(it.Ordinal, it.Text, groups)
}

// sectionHeading recognises 一、高水平建設數字政府. A long line or one holding a full stop is
// running text that happens to start with a numeral, e.g. 二、三中全會….
func sectionHeading(t string) (numeral, title string, ok bool) {
	i := 0
	for i < len(t) {
		r, size := utf8.DecodeRuneInString(t[i:])
		if !isChineseNumeralRune(r) {
			break
		}
		i += size
	}
	if i == 0 || !strings.HasPrefix(t[i:], "、") {
		return "", "", false
	}
	numeral = t[:i]
	title = strings.TrimSpace(t[i+len("、"):])
	if title == "" || utf8.RuneCountInString(title) > 40 || strings.Contains(title, "。") {
		return "", "", false
	}
	if v, ok := numeralValue(numeral); !ok || v < 1 {
		return "", "", false
	}
	return numeral, title, true
}

// itemHeading recognises (一)…, (三十四)… and (1)…, in ASCII or full-width parentheses, and
// returns the numeral and the byte offset in line just past the marker.
func itemHeading(line string) (numeral string, markerEnd int, ok bool) {
	i := len(line) - len(strings.TrimLeftFunc(line, unicode.IsSpace))
	r, size := utf8.DecodeRuneInString(line[i:])
	if r != '(' && r != '（' {
		return "", 0, false
	}
	i += size
	start := i
	for i < len(line) {
		r, size := utf8.DecodeRuneInString(line[i:])
		if !isChineseNumeralRune(r) && !(r >= '0' && r <= '9') {
			break
		}
		i += size
	}
	numeral = line[start:i]
	r, size = utf8.DecodeRuneInString(line[i:])
	if numeral == "" || (r != ')' && r != '）') {
		return "", 0, false
	}
	if v, ok := numeralValue(numeral); !ok || v < 1 {
		return "", 0, false
	}
	return numeral, i + size, true
}

// numeralValue reads an item or section numeral, Chinese or Arabic.
func numeralValue(s string) (int64, bool) {
	if s != "" && s[0] >= '0' && s[0] <= '9' {
		if len(s) > 9 {
			return 0, false
		}
		v, err := strconv.Atoi(s)
		return int64(v), err == nil
	}
	return chineseValue(s)
}

// Header lines.
var (
	numberRe = regexp.MustCompile(`\p{Han}{1,12}\s*[〔\[［【(（]\s*[0-9]{4}\s*[〕\]］】)）]\s*[0-9]{1,5}\s*[號号]`)
	dateRe   = regexp.MustCompile(`^([0-9]{4}|[〇零一二三四五六七八九]{4})\s*年\s*([0-9]{1,2}|[一二三四五六七八九十]{1,3})\s*月\s*([0-9]{1,2}|[一二三四五六七八九十]{1,3})\s*日$`)
	titleRe  = regexp.MustCompile(`《([^《》]{2,60})》`)

	issuerSuffixes = []string{"辦公廳", "办公厅", "人民政府", "辦公室", "办公室", "委員會", "委员会", "領導小組", "领导小组"}
)

// header reads number, date, issuer, addressees, title and preamble from the lines outside the
// sections: most plans put them on top, some sign and date at the end.
func (p *parser) header() error {
	doc := p.doc
	if len(doc.Sections) == 0 {
		return errs.E(errs.Invalid, fmt.Sprintf(
			"no section headings such as 一、… found in %d lines: this is not a work plan", len(p.lines)))
	}
	if len(doc.Items()) == 0 {
		return errs.E(errs.Invalid, fmt.Sprintf(
			"line %d: section %s has no numbered items such as (一)…, and neither has any other section: this is not a work plan",
			doc.Sections[0].Line, doc.Sections[0].Numeral))
	}
	used := map[int]bool{} // line numbers taken by a header field
	blocks := [][]srcLine{p.front, p.trailer}

	for _, b := range blocks {
		for _, l := range b {
			if m := numberRe.FindString(l.text); m != "" && doc.Number == "" {
				doc.Number = strings.TrimSpace(m)
				used[l.num] = true
			}
		}
	}
	if doc.Number == "" {
		return errs.E(errs.Invalid, fmt.Sprintf(
			"no document number such as 閩政辦〔2021〕26號 found before section 一 (line %d) or after the last item: this is not an issued work plan",
			doc.Sections[0].Line))
	}

	// Date and issuer: the issuer signs on the line above the date.
	last := 0 // line number of the last of number, issuer and date in the front block
	for _, b := range blocks {
		for i, l := range b {
			m := dateRe.FindStringSubmatch(strings.TrimSpace(l.text))
			if m == nil || !doc.IssuedOn.IsZero() {
				continue
			}
			day, ok := parseCivilDate(m[1], m[2], m[3])
			if !ok {
				return errs.E(errs.Invalid, fmt.Sprintf("line %d: %s is not a date", l.num, strings.TrimSpace(l.text)))
			}
			doc.IssuedOn = day
			used[l.num] = true
			for j := i - 1; j >= 0; j-- {
				if t := strings.TrimSpace(b[j].text); t != "" && !used[b[j].num] {
					if isIssuer(t) {
						doc.Issuer = t
						used[b[j].num] = true
					}
					break
				}
			}
		}
	}
	if doc.Issuer == "" {
		for _, b := range blocks {
			for _, l := range b {
				if t := strings.TrimSpace(l.text); !used[l.num] && isIssuer(t) && doc.Issuer == "" {
					doc.Issuer = t
					used[l.num] = true
				}
			}
		}
	}
	for _, l := range p.front {
		if used[l.num] {
			last = l.num
		}
	}

	// Addressees end with a colon.
	for _, l := range p.front {
		t := strings.TrimSpace(l.text)
		if used[l.num] || doc.Addressees != "" {
			continue
		}
		if s, ok := strings.CutSuffix(t, ":"); ok {
			doc.Addressees, used[l.num] = s, true
		} else if s, ok := strings.CutSuffix(t, "："); ok {
			doc.Addressees, used[l.num] = s, true
		}
	}

	// The title is the first short line after the header that is neither a sentence nor a note in
	// parentheses; the paragraphs after it, up to section 一, are the preamble.
	titleLine := 0
	for _, l := range p.front {
		t := strings.TrimSpace(l.text)
		if l.num <= last || used[l.num] || t == "" {
			continue
		}
		if utf8.RuneCountInString(t) <= 60 && !strings.ContainsAny(t, "。,，;；:：") &&
			!strings.HasPrefix(t, "(") && !strings.HasPrefix(t, "（") {
			doc.Title, titleLine, used[l.num] = t, l.num, true
			break
		}
	}
	if doc.Title == "" {
		for _, l := range p.front {
			if m := titleRe.FindStringSubmatch(l.text); m != nil {
				doc.Title = m[1]
				break
			}
		}
	}
	var preamble []string
	for _, l := range p.front {
		if titleLine > 0 && l.num > titleLine && !used[l.num] && strings.TrimSpace(l.text) != "" {
			preamble = append(preamble, strings.TrimSpace(l.text))
			used[l.num] = true
		}
	}
	doc.Preamble = strings.Join(preamble, "\n")

	for _, b := range blocks {
		for _, l := range b {
			if !used[l.num] && strings.TrimSpace(l.text) != "" {
				doc.Other = append(doc.Other, ParsedLine{Number: l.num, Text: strings.TrimSpace(l.text)})
			}
		}
	}
	return nil
}

func isIssuer(t string) bool {
	n := utf8.RuneCountInString(t)
	if n < 4 || n > 30 {
		return false
	}
	for _, r := range t {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	for _, s := range issuerSuffixes {
		if strings.HasSuffix(t, s) {
			return true
		}
	}
	return false
}

// parseCivilDate reads a date written 2021年5月26日 or 二〇二一年五月二十六日.
func parseCivilDate(y, m, d string) (time.Time, bool) {
	year, ok1 := dateField(y)
	month, ok2 := dateField(m)
	day, ok3 := dateField(d)
	if !ok1 || !ok2 || !ok3 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, chinaTime)
	if t.Year() != year || int(t.Month()) != month || t.Day() != day {
		return time.Time{}, false // 2月30日 and the like
	}
	return t, true
}

func dateField(s string) (int, bool) {
	if s[0] >= '0' && s[0] <= '9' {
		v, err := strconv.Atoi(s)
		return v, err == nil
	}
	if utf8.RuneCountInString(s) == 4 { // a year, digit by digit: 二〇二一
		v := 0
		for _, r := range s {
			d := strings.IndexRune("〇一二三四五六七八九", r)
			if d < 0 {
				d = strings.IndexRune("零一二三四五六七八九", r)
			}
			if d < 0 {
				return 0, false
			}
			v = v*10 + d/len("一")
		}
		return v, true
	}
	v, ok := chineseValue(s)
	return int(v), ok
}

// detectScript tells Traditional from Simplified text by characters that differ between them
// and occur in every plan. The first 256 KiB tell as well as the whole.
func detectScript(data []byte) string {
	if len(data) > 256<<10 {
		data = data[:256<<10]
	}
	const hant, hans = "號辦責單廳會數設區關發為與實現國網門體業電應務將際產經濟術", "号办责单厅会数设区关发为与实现国网门体业电应务将际产经济术"
	nt, ns := 0, 0
	for _, r := range string(data) {
		if r < 0x4E00 {
			continue
		}
		if strings.ContainsRune(hant, r) && !strings.ContainsRune(hans, r) {
			nt++
		} else if strings.ContainsRune(hans, r) && !strings.ContainsRune(hant, r) {
			ns++
		}
	}
	switch {
	case nt == 0 && ns == 0:
		return ""
	case nt >= ns:
		return "zh-Hant"
	}
	return "zh-Hans"
}

// Damage detection.
//
// Mojibake in these plans comes from text decoded in the wrong CJK encoding: 社保卡“一卡通”
// became 社??ā耙豢ㄍā?. Its tell-tale signs ("strong" characters) are replacement characters,
// runs of question marks, broken bytes, control characters, Latin letters with diacritics,
// Bopomofo, kana and Hangul amid Chinese. The ideographs in between are garbage too but look
// like text, so a span bridges up to maxGap characters between strong ones, and takes in ASCII
// letters and lone question marks ("weak" characters) as close to it.
const maxGap = 3

type runeClass uint8

const (
	plain runeClass = iota
	weak
	strong
)

type scanRune struct {
	off, size int
	r         rune
	class     runeClass
}

// damage lists the garbled spans. Returns errs.Invalid if there are more than maxDamage: such a
// text was decoded wrongly as a whole, and a list of its every span would help nobody.
func (p *parser) damage() error {
	items := p.doc.Items()
	next := 0 // p.spans before next end before the damage seen so far; both run in input order
	// Characters are counted on from the previous damage in the same item.
	curItem, curByte, curChars := 0, 0, 0
	for _, l := range p.lines {
		for _, sp := range damageSpans(l.text) {
			off := l.start + sp.off
			d := ParsedDamage{
				Line:   l.num,
				Column: utf8.RuneCountInString(l.text[:sp.off]) + 1,
				Offset: sp.off,
				Text:   l.text[sp.off : sp.off+sp.len],
			}
			for next < len(p.spans) && p.spans[next].docStart+p.spans[next].length <= off {
				next++
			}
			if next < len(p.spans) {
				if s := p.spans[next]; off >= s.docStart && off+sp.len <= s.docStart+s.length {
					d.Item = s.item
					d.Offset = s.textStart + off - s.docStart
				}
			}
			if d.Item == 0 {
				d.CharOffset = d.Column - 1
			} else {
				if d.Item != curItem {
					curItem, curByte, curChars = d.Item, 0, 0
				}
				curChars += utf8.RuneCountInString(items[d.Item-1].Text[curByte:d.Offset])
				curByte = d.Offset
				d.CharOffset = curChars
			}
			if len(p.doc.Damage) == maxDamage {
				return errs.E(errs.Invalid, fmt.Sprintf(
					"the plan is garbled in more than %d places, the first on line %d: it was probably saved in the wrong encoding; save it again as UTF-8",
					maxDamage, p.doc.Damage[0].Line))
			}
			p.doc.Damage = append(p.doc.Damage, d)
		}
	}
	return nil
}

type span struct{ off, len int }

// damageSpans finds the garbled spans of one line.
func damageSpans(line string) []span {
	if !suspicious(line) {
		return nil
	}
	rs := make([]scanRune, 0, len(line)/2)
	found := false
	for i := 0; i < len(line); {
		r, size := utf8.DecodeRuneInString(line[i:])
		rs = append(rs, scanRune{off: i, size: size, r: r})
		i += size
	}
	for i := range rs {
		rs[i].class = classify(rs, i)
		if rs[i].class == strong {
			found = true
		}
	}
	if !found {
		return nil
	}
	var out []span
	for i := 0; i < len(rs); {
		if rs[i].class != strong {
			i++
			continue
		}
		// Grow a span from strong rune i: bridge gaps of up to maxGap to further strong or weak runes.
		// Weak runes extend it only near a strong one, so a word of English after the damage
		// stays out.
		first, last, lastStrong := i, i, i
		for j := i + 1; j < len(rs) && j-lastStrong-1 <= maxGap; j++ {
			switch rs[j].class {
			case strong:
				last, lastStrong = j, j
			case weak:
				last = j
			}
		}
		// Take in weak runes right before it.
		for first > 0 && rs[first-1].class == weak {
			first--
		}
		out = append(out, span{off: rs[first].off, len: rs[last].off + rs[last].size - rs[first].off})
		i = last + 1
	}
	return out
}

// suspicious reports whether line holds a character that may be strong, so that clean lines,
// nearly all of them, are passed over without decoding them twice.
func suspicious(line string) bool {
	for _, r := range line {
		switch {
		case r == '?', r == utf8.RuneError, r < 0x20, r >= 0x7F && r < 0x4E00 && !(r >= 0x2000 && r <= 0x206F) && !(r >= 0x3000 && r <= 0x303F):
			return true
		case r >= 0xAC00 && r <= 0xD7AF, r >= 0xE000 && r <= 0xF8FF, r >= 0xFF66 && r <= 0xFF9F, r == 0xFFFE, r == 0xFFFF:
			return true
		}
	}
	return false
}

func classify(rs []scanRune, i int) runeClass {
	r := rs[i].r
	switch {
	case r == utf8.RuneError: // broken byte or U+FFFD
		return strong
	case r == '?':
		if (i > 0 && rs[i-1].r == '?') || (i+1 < len(rs) && rs[i+1].r == '?') {
			return strong
		}
		return weak
	case r < 0x20 && r != '\t', r >= 0x7F && r < 0xA0: // control characters
		return strong
	case isLatinLetter(r):
		return weak
	case r >= 0xC0 && r <= 0x36F && r != 0xD7 && r != 0xF7, // Latin letters with diacritics, IPA, modifiers
		r >= 0x1E00 && r <= 0x1EFF,
		r >= 0x370 && r <= 0x52F: // Greek and Cyrillic
		if nextToCJK(rs, i) {
			return strong
		}
		return plain
	case r >= 0x3100 && r <= 0x312F, r >= 0x31A0 && r <= 0x31BF, // Bopomofo
		r >= 0x3040 && r <= 0x30FA, r >= 0x30FC && r <= 0x30FF, // kana, except the middle dot
		r >= 0xFF66 && r <= 0xFF9F,                                                         // half-width katakana
		r >= 0x1100 && r <= 0x11FF, r >= 0x3130 && r <= 0x318F, r >= 0xAC00 && r <= 0xD7AF, // Hangul
		r >= 0x2500 && r <= 0x259F, // box drawing and blocks
		r >= 0xE000 && r <= 0xF8FF, // private use
		r == 0xFFFE || r == 0xFFFF:
		return strong
	}
	return plain
}

func isLatinLetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }

// nextToCJK reports whether the rune at i touches Chinese text or other damage, as mojibake does
// and a word of pinyin or French does not.
func nextToCJK(rs []scanRune, i int) bool {
	for _, j := range []int{i - 1, i + 1} {
		if j < 0 || j >= len(rs) {
			continue
		}
		r := rs[j].r
		if r == '?' || r == utf8.RuneError || unicode.Is(unicode.Han, r) ||
			(r >= 0x3000 && r <= 0x33FF) || (r >= 0xFF00 && r <= 0xFFEF) ||
			(r >= 0xC0 && r <= 0x36F && r != 0xD7 && r != 0xF7) {
			return true
		}
	}
	return false
}

// chineseNumeral writes n (1 ≤ n < 10000) as a Chinese numeral, as plans number their parts.
func chineseNumeral(n int) string {
	if n <= 0 || n >= 10000 {
		return strconv.Itoa(n)
	}
	const digits = "零一二三四五六七八九"
	digit := func(d int) string { return string([]rune(digits)[d]) }
	units := []string{"千", "百", "十", ""}
	var b strings.Builder
	zero := false
	for i, div := range []int{1000, 100, 10, 1} {
		d := n / div % 10
		if d == 0 {
			zero = b.Len() > 0
			continue
		}
		if zero {
			b.WriteString("零")
			zero = false
		}
		if !(d == 1 && div == 10 && b.Len() == 0) { // 十, not 一十
			b.WriteString(digit(d))
		}
		b.WriteString(units[i])
	}
	return b.String()
}
