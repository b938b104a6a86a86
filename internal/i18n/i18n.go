// Package i18n translates what people read into Simplified Chinese (the default), Traditional
// Chinese and English, and picks the language of each request.
//
// Messages live in embedded TOML files, messages/<area>.toml, one table per key with the three
// languages side by side so that a missing translation is visible in review:
//
//	["error.not_found"]
//	zh-Hans = "没有找到……"
//	zh-Hant = "沒有找到……"
//	en = "We could not find …"
//
// Every *.toml file in that folder is loaded at init. A file that does not parse, a language
// code that is not one of All, or a key defined in two files stops the program at init: these
// are mistakes in the source, caught by the first test run. A key missing a translation is not
// fatal (T falls back to Simplified Chinese), but TestMessagesComplete fails on it.
package i18n

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
)

// Lang is a language people can read Yiwang in, as a BCP 47 tag.
type Lang string

// The languages Yiwang speaks. ZhHans is the default.
const (
	ZhHans Lang = "zh-Hans" // Simplified Chinese, the default
	ZhHant Lang = "zh-Hant" // Traditional Chinese, for Taiwan, Hong Kong and Macao compatriots
	En     Lang = "en"      // English, for the overseas edition
)

// All lists every language in display order.
var All = []Lang{ZhHans, ZhHant, En}

// Default is the language used when nothing else is known.
const Default = ZhHans

//go:embed messages/*.toml
var messageFiles embed.FS

// catalog maps key → language → text. It is written once at init and only read afterwards.
var catalog map[string]map[Lang]string

func init() {
	c, err := load(messageFiles, "messages")
	if err != nil {
		panic("i18n: " + err.Error())
	}
	catalog = c
}

// load reads and merges every *.toml file in dir of fsys.
func load(fsys fs.FS, dir string) (map[string]map[Lang]string, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.toml"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	c := make(map[string]map[Lang]string)
	from := make(map[string]string) // key → file that defined it
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		var file map[string]map[string]string
		if err := toml.Unmarshal(data, &file); err != nil {
			return nil, fmt.Errorf("%s: %w (each key must be a quoted table such as [\"error.not_found\"] holding only strings)", name, err)
		}
		for key, texts := range file {
			if prev, ok := from[key]; ok {
				return nil, fmt.Errorf("key %q is defined in both %s and %s", key, prev, name)
			}
			from[key] = name
			m := make(map[Lang]string, len(All))
			for code, text := range texts {
				l := Lang(code)
				if !slices.Contains(All, l) {
					return nil, fmt.Errorf("%s: key %q: unknown language %q (want one of %v)", name, key, code, All)
				}
				m[l] = text
			}
			c[key] = m
		}
	}
	return c, nil
}

// T returns the text of key in lang, formatted with args as by fmt.Sprintf. A missing
// translation falls back to Simplified Chinese, a missing key to the key itself. Every text is a
// format (write a literal percent sign as %%); arguments beyond those the text uses are dropped
// rather than shown. T never panics.
func T(lang Lang, key string, args ...any) string {
	texts, ok := catalog[key]
	if !ok {
		return key
	}
	s := texts[lang]
	if s == "" {
		s = texts[Default]
	}
	if s == "" {
		return key
	}
	if !strings.Contains(s, "%") {
		return s
	}
	if n := argCount(s); n < len(args) {
		args = args[:n]
	}
	return fmt.Sprintf(s, args...)
}

// Has reports whether key is a known message key.
func Has(key string) bool {
	_, ok := catalog[key]
	return ok
}

// Keys returns every message key, sorted.
func Keys() []string {
	keys := make([]string, 0, len(catalog))
	for k := range catalog {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Parse reads a language tag in any common spelling — zh-Hans, zh-CN, zh_cn, zh-SG, zh,
// zh-Hant, zh-TW, zh-HK, zh-MO, zh-Hant-TW, en, en-US, en-GB … — and reports which of
// Yiwang's languages it names. A script subtag (Hans, Hant) wins over a region.
func Parse(s string) (Lang, bool) {
	s = strings.ToLower(strings.TrimSpace(strings.ReplaceAll(s, "_", "-")))
	if s == "" || len(s) > 35 { // 35: the longest well-formed tag worth reading
		return "", false
	}
	parts := strings.Split(s, "-")
	switch parts[0] {
	case "en":
		return En, true
	case "zh", "cmn":
		for _, p := range parts[1:] {
			switch p {
			case "hans":
				return ZhHans, true
			case "hant":
				return ZhHant, true
			}
		}
		for _, p := range parts[1:] {
			switch p {
			case "tw", "hk", "mo":
				return ZhHant, true
			}
		}
		return ZhHans, true
	}
	return "", false
}

// argCount returns how many arguments format s consumes.
func argCount(s string) int {
	n := 0
	for _, u := range verbs(s) {
		n = max(n, u.arg+1)
	}
	return n
}

// verbUse is one formatting verb in a message: the argument it consumes (0-based) and its
// letter.
type verbUse struct {
	arg  int
	verb rune
}

// verbs lists the formatting verbs of a fmt format string in order, following fmt's rules for
// flags, width, precision and explicit argument indexes ("%[2]s"); "%%" is not a verb. A '*'
// width or precision consumes an argument of its own.
func verbs(s string) []verbUse {
	var out []verbUse
	arg := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			continue
		}
		i++
		for i < len(s) && strings.IndexByte("+-# 0", s[i]) >= 0 { // flags
			i++
		}
	spec: // explicit indexes, width and precision, each possibly '*'
		for i < len(s) {
			switch c := s[i]; {
			case c == '[':
				j := strings.IndexByte(s[i:], ']')
				if j < 0 {
					return out
				}
				if n, err := strconv.Atoi(s[i+1 : i+j]); err == nil && n > 0 {
					arg = n - 1
				}
				i += j + 1
			case c == '*':
				out = append(out, verbUse{arg: arg, verb: '*'})
				arg++
				i++
			case c == '.' || (c >= '0' && c <= '9'):
				i++
			default:
				break spec
			}
		}
		if i >= len(s) {
			break
		}
		if s[i] == '%' {
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		out = append(out, verbUse{arg: arg, verb: r})
		arg++
		i += size - 1
	}
	return out
}
