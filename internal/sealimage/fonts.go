package sealimage

import (
	"bytes"
	"os"
	"strings"
	"sync"

	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// FontEnv names the environment variable that points at the CJK font to cut seals with (a .ttf,
// .otf or .ttc file). It is read once, on the first render.
const FontEnv = "YIWANG_SEAL_FONT"

// SystemFonts are the CJK fonts looked for when FontEnv is unset or unusable, one group per
// Debian package, in order: fonts-lxgw-wenkai (what CI installs), fonts-noto-cjk (the Song/Ming
// serif first, because the rules for official seals prescribe Song characters, then the sans)
// and fonts-wqy-zenhei. The first existing file of each group is used; later groups only supply
// characters the earlier ones lack. No font is shipped with Yiwang: fonts are large and licensed
// separately.
var SystemFonts = [][]string{
	{
		"/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Bold.ttf",
		"/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Medium.ttf",
		"/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf",
	},
	{
		"/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
		"/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
		"/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
		"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
	},
	{"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"},
}

// cjkProbe is a character every usable CJK font has; a font without it does not count.
const cjkProbe = '国'

// face is one parsed font with the measurements that place its glyphs in a seal's cells.
type face struct {
	font *sfnt.Font
	path string // "" for the built-in Latin font
	upem fixed.Int26_6
	// refCenterY is the vertical middle of the font's ideographic cell (or of its digits, for a
	// Latin font), below the baseline in font units with y down — so negative; refHeight is the
	// inked height of the reference glyph. Glyphs are centred on refCenterY, not on their own
	// ink, so that 一 sits in the middle of its cell as a carver would cut it.
	refCenterY, refHeight float64
}

// candidate is one font file that may be loaded, lazily and at most once.
type candidate struct {
	path string
	once sync.Once
	face *face
}

func (c *candidate) load() *face {
	c.once.Do(func() {
		data, err := os.ReadFile(c.path)
		if err != nil {
			return
		}
		f, err := parseFont(data)
		if err != nil {
			return
		}
		c.face = newFace(f, c.path)
	})
	return c.face
}

// parseFont parses a single font, or picks from a collection the member meant for Simplified
// Chinese (Noto's "… CJK SC"), falling back to the first member.
func parseFont(data []byte) (*sfnt.Font, error) {
	if !bytes.HasPrefix(data, []byte("ttcf")) {
		return sfnt.Parse(data)
	}
	c, err := sfnt.ParseCollection(data)
	if err != nil {
		return nil, err
	}
	var b sfnt.Buffer
	for i := range c.NumFonts() {
		f, err := c.Font(i)
		if err != nil {
			continue
		}
		name, _ := f.Name(&b, sfnt.NameIDFamily)
		if strings.HasSuffix(name, " SC") {
			return f, nil
		}
	}
	return c.Font(0)
}

// newFace measures f, or returns nil if it has none of the reference glyphs.
func newFace(f *sfnt.Font, path string) *face {
	var b sfnt.Buffer
	fc := &face{font: f, path: path, upem: fixed.I(int(f.UnitsPerEm()))}
	for _, r := range []rune{'国', '國', '永', '0'} {
		x, err := f.GlyphIndex(&b, r)
		if err != nil || x == 0 {
			continue
		}
		segs, err := f.LoadGlyph(&b, x, fc.upem, nil)
		if err != nil || len(segs) == 0 {
			continue
		}
		bb := segs.Bounds()
		fc.refCenterY = float64(bb.Min.Y+bb.Max.Y) / 2 / 64
		fc.refHeight = float64(bb.Max.Y-bb.Min.Y) / 64
		if fc.refHeight > 0 {
			return fc
		}
	}
	return nil
}

// fontSet is the ordered list of fonts a render may draw from: the CJK candidates, then the
// built-in Go Bold for Latin letters and digits, so that a seal's code prints even on a machine
// without any CJK font.
type fontSet struct {
	cjk   []*candidate
	latin *face
}

// newFontSet takes the first existing file of each group of paths.
func newFontSet(groups ...[]string) *fontSet {
	fs := &fontSet{}
	for _, g := range groups {
		for _, p := range g {
			if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
				fs.cjk = append(fs.cjk, &candidate{path: p})
				break
			}
		}
	}
	if f, err := sfnt.Parse(gobold.TTF); err == nil {
		fs.latin = newFace(f, "")
	}
	return fs
}

// defaultFonts is the process's font set: FontEnv's font first, then SystemFonts.
var defaultFonts = sync.OnceValue(func() *fontSet {
	var groups [][]string
	if p := os.Getenv(FontEnv); p != "" {
		groups = append(groups, []string{p})
	}
	return newFontSet(append(groups, SystemFonts...)...)
})

// primary is the first loadable font that has Chinese characters, or nil.
func (fs *fontSet) primary() *face {
	var b sfnt.Buffer
	for _, c := range fs.cjk {
		if f := c.load(); f != nil && hasGlyph(f, &b, cjkProbe) {
			return f
		}
	}
	return nil
}

// faceFor is the first font that has r, CJK fonts before the Latin one; nil if none has it.
func (fs *fontSet) faceFor(b *sfnt.Buffer, r rune, latinFirst bool) (*face, sfnt.GlyphIndex) {
	if latinFirst && fs.latin != nil {
		if x, err := fs.latin.font.GlyphIndex(b, r); err == nil && x != 0 {
			return fs.latin, x
		}
	}
	for _, c := range fs.cjk {
		f := c.load()
		if f == nil {
			continue
		}
		if x, err := f.font.GlyphIndex(b, r); err == nil && x != 0 {
			return f, x
		}
	}
	if fs.latin != nil {
		if x, err := fs.latin.font.GlyphIndex(b, r); err == nil && x != 0 {
			return fs.latin, x
		}
	}
	return nil, 0
}

func hasGlyph(f *face, b *sfnt.Buffer, r rune) bool {
	x, err := f.font.GlyphIndex(b, r)
	return err == nil && x != 0
}

// FontAvailable reports whether a CJK font was found, so that seals carry their Chinese text.
// Without one Render still draws the ring, the star and the code, and callers should warn.
func FontAvailable() bool { return defaultFonts().primary() != nil }

// FontPath is the file of the CJK font seals are cut with, or "" if none was found.
func FontPath() string {
	if f := defaultFonts().primary(); f != nil {
		return f.path
	}
	return ""
}
