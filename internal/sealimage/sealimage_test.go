package sealimage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"golang.org/x/image/font/gofont/gobold"
)

var official = Spec{Name: "福建省市场监督管理局", Caption: "行政审批专用章", Code: "35000000012345"}

// requireFont skips a test that needs a CJK font when none is installed, except in CI, which
// installs fonts-lxgw-wenkai and must run it.
func requireFont(t *testing.T) {
	t.Helper()
	if FontAvailable() {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("no CJK font found (set %s or install fonts-lxgw-wenkai)", FontEnv)
	}
	t.Skipf("no CJK font found (set %s or install fonts-lxgw-wenkai)", FontEnv)
}

// noCJK is a font set without any CJK font: only the built-in Latin one.
func noCJK() *fontSet { return newFontSet() }

// seal is a decoded seal picture with non-premultiplied pixels.
type seal struct{ image.Image }

func (s seal) NRGBAAt(x, y int) color.NRGBA {
	return color.NRGBAModel.Convert(s.At(x, y)).(color.NRGBA)
}

func decode(t *testing.T, b []byte) seal {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	return seal{img}
}

func mustRender(t *testing.T, s Spec, fs *fontSet) seal {
	t.Helper()
	b, err := render(s, fs)
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, b)
}

// ink counts the pixels with visible ink for which in holds.
func ink(img seal, in func(x, y float64) bool) (n int) {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if img.NRGBAAt(x, y).A > 64 && in(float64(x)+0.5, float64(y)+0.5) {
				n++
			}
		}
	}
	return n
}

// geometry of a round seal of width w, as paintRound lays it out.
func roundGeometry(w int) (cx, cy, R, t float64) {
	R = float64(w)/2 - margin(w)
	return float64(w) / 2, float64(w) / 2, R, 0.07 * R
}

func TestRoundSeal(t *testing.T) {
	for _, fs := range []struct {
		name string
		set  *fontSet
	}{{"default fonts", defaultFonts()}, {"no CJK font", noCJK()}} {
		t.Run(fs.name, func(t *testing.T) {
			img := mustRender(t, official, fs.set)
			if got := img.Bounds(); got != image.Rect(0, 0, DefaultSizePx, DefaultSizePx) {
				t.Fatalf("bounds %v, want %d×%d", got, DefaultSizePx, DefaultSizePx)
			}
			w := DefaultSizePx
			for _, p := range []image.Point{{0, 0}, {w - 1, 0}, {0, w - 1}, {w - 1, w - 1}, {2, w / 2}, {w / 2, 1}} {
				if a := img.NRGBAAt(p.X, p.Y).A; a != 0 {
					t.Errorf("pixel %v has alpha %d, want transparent", p, a)
				}
			}
			cx, cy, R, th := roundGeometry(w)
			// The ring: solid seal red at mid-thickness all the way round.
			for deg := 0; deg < 360; deg += 5 {
				s, c := math.Sincos(float64(deg) * math.Pi / 180)
				r := R - th/2
				px := img.NRGBAAt(int(cx+r*s), int(cy-r*c))
				if px.A < 200 || px.A == 255 || px.R < 0xC0 || px.G > 0x20 || px.B > 0x30 {
					t.Errorf("ring at %d°: %v, want seal red, slightly translucent", deg, px)
				}
			}
			// Nothing outside the ring.
			if n := ink(img, func(x, y float64) bool { return math.Hypot(x-cx, y-cy) > R+1.5 }); n != 0 {
				t.Errorf("%d inked pixels outside the ring", n)
			}
			// The star at the centre.
			if a := img.NRGBAAt(int(cx), int(cy)).A; a < 200 {
				t.Errorf("centre alpha %d, want the star", a)
			}
			// The code: ink near the bottom, inside the ring.
			if n := ink(img, func(x, y float64) bool {
				d := math.Hypot(x-cx, y-cy)
				return y > cy+0.7*R && math.Abs(x-cx) < 0.4*R && d < R-th-1
			}); n < 100 {
				t.Errorf("%d inked pixels where the code goes, want the code's digits", n)
			}
		})
	}
}

// TestNameAlongUpperArc compares the band where the name goes with and without a CJK font.
func TestNameAlongUpperArc(t *testing.T) {
	requireFont(t)
	w := DefaultSizePx
	cx, cy, R, th := roundGeometry(w)
	upperBand := func(x, y float64) bool {
		d := math.Hypot(x-cx, y-cy)
		return y < cy && d < R-th-1 && d > 0.45*R
	}
	s := Spec{Name: official.Name}
	with := ink(mustRender(t, s, defaultFonts()), upperBand)
	without := ink(mustRender(t, s, noCJK()), upperBand)
	if without != 0 {
		t.Errorf("without a CJK font: %d inked pixels in the name's band, want none", without)
	}
	// Chinese characters cover a good part of their cells.
	area := math.Pi / 2 * ((R-th-1)*(R-th-1) - 0.45*R*0.45*R)
	if float64(with) < 0.1*area {
		t.Errorf("with a CJK font: %d inked pixels in the name's band of %.0f, want the name", with, area)
	}
	// Each character's cell has ink: sample the angles where the ten characters' centres are.
	img := mustRender(t, s, defaultFonts())
	span := (140 + 10*10.0) * math.Pi / 180
	for i := range 10 {
		phi := -span/2 + span*(float64(i)+0.5)/10
		inCell := func(x, y float64) bool {
			a := math.Atan2(x-cx, cy-y)
			d := math.Hypot(x-cx, y-cy)
			return math.Abs(a-phi) < span/40 && d > 0.5*R && d < R-th-1
		}
		if n := ink(img, inCell); n < 50 {
			t.Errorf("character %d: %d inked pixels around %.0f°, want a character", i, n, phi*180/math.Pi)
		}
	}
}

func TestCaptionUnderStar(t *testing.T) {
	requireFont(t)
	cx, cy, R, _ := roundGeometry(DefaultSizePx)
	band := func(x, y float64) bool { return math.Abs(y-(cy+0.5*R)) < 0.1*R && math.Abs(x-cx) < 0.4*R }
	with := ink(mustRender(t, Spec{Name: official.Name, Caption: official.Caption}, defaultFonts()), band)
	without := ink(mustRender(t, Spec{Name: official.Name}, defaultFonts()), band)
	if without != 0 || with < 500 {
		t.Errorf("caption band: %d inked pixels with the caption, %d without; want many and none", with, without)
	}
}

func TestOvalSeal(t *testing.T) {
	s := Spec{Name: "福建易网科技有限公司", Caption: "发票专用章", Code: "91350100MA2XYZ1234", Shape: Oval}
	img := mustRender(t, s, defaultFonts())
	w, h := DefaultSizePx, DefaultSizePx*3/4
	if got := img.Bounds(); got != image.Rect(0, 0, w, h) {
		t.Fatalf("bounds %v, want %d×%d", got, w, h)
	}
	cx, cy := float64(w)/2, float64(h)/2
	A, B := float64(w)/2-margin(w), float64(h)/2-margin(w)
	th := 0.07 * B
	for deg := 0; deg < 360; deg += 5 {
		sn, cs := math.Sincos(float64(deg) * math.Pi / 180)
		px := img.NRGBAAt(int(cx+(A-th/2)*sn), int(cy-(B-th/2)*cs))
		if px.A < 200 || px.R < 0xC0 {
			t.Errorf("ring at %d°: %v, want seal red", deg, px)
		}
	}
	outside := func(x, y float64) bool {
		return (x-cx)*(x-cx)/((A+1.5)*(A+1.5))+(y-cy)*(y-cy)/((B+1.5)*(B+1.5)) > 1
	}
	if n := ink(img, outside); n != 0 {
		t.Errorf("%d inked pixels outside the oval", n)
	}
	// No star: the centre line holds the number, whose digits print with the built-in font.
	if n := ink(img, func(x, y float64) bool { return math.Abs(y-cy-0.08*B) < 0.1*B && math.Abs(x-cx) < 0.6*B }); n < 300 {
		t.Errorf("%d inked pixels on the number's line, want the number", n)
	}
}

func TestSizes(t *testing.T) {
	for _, tc := range []struct {
		spec Spec
		w, h int
	}{
		{Spec{Name: "福建省人民政府"}, 480, 480},
		{Spec{Name: "福建省人民政府", SizePx: MinSizePx}, MinSizePx, MinSizePx},
		{Spec{Name: "福建省人民政府", SizePx: 1001}, 1001, 1001},
		{Spec{Name: "福建易网科技有限公司", Shape: Oval, SizePx: 400}, 400, 300},
	} {
		b, err := Render(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		if got := decode(t, b).Bounds().Size(); got != image.Pt(tc.w, tc.h) {
			t.Errorf("%+v: size %v, want %d×%d", tc.spec, got, tc.w, tc.h)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spec  Spec
		field string // "" when valid
	}{
		{"official", official, ""},
		{"name only", Spec{Name: "福建省人民政府"}, ""},
		{"longest name", Spec{Name: strings.Repeat("福", MaxNameRunes)}, ""},
		{"oval", Spec{Name: "福建易网科技有限公司", Shape: Oval}, ""},
		{"spaces trimmed", Spec{Name: " 福建省人民政府 ", Caption: " "}, ""},
		{"empty name", Spec{}, "name"},
		{"blank name", Spec{Name: " \u3000 "}, "name"},
		{"name too long", Spec{Name: strings.Repeat("福", MaxNameRunes+1)}, "name"},
		{"name with line break", Spec{Name: "福建省\n人民政府"}, "name"},
		{"name not UTF-8", Spec{Name: "福建\xff"}, "name"},
		{"caption too long", Spec{Name: "福建省人民政府", Caption: strings.Repeat("章", MaxCaptionRunes+1)}, "caption"},
		{"caption with tab", Spec{Name: "福建省人民政府", Caption: "合同\t专用章"}, "caption"},
		{"code lower case", Spec{Name: "福建省人民政府", Code: "35abc"}, "code"},
		{"code too long", Spec{Name: "福建省人民政府", Code: strings.Repeat("1", MaxCodeLen+1)}, "code"},
		{"shape", Spec{Name: "福建省人民政府", Shape: "square"}, "shape"},
		{"too small", Spec{Name: "福建省人民政府", SizePx: MinSizePx - 1}, "size_px"},
		{"too big", Spec{Name: "福建省人民政府", SizePx: MaxSizePx + 1}, "size_px"},
		{"negative", Spec{Name: "福建省人民政府", SizePx: -480}, "size_px"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.spec.Validate()
			_, rerr := Render(tc.spec)
			if tc.field == "" {
				if err != nil || rerr != nil {
					t.Fatalf("Validate: %v; Render: %v; want valid", err, rerr)
				}
				return
			}
			for _, err := range []error{err, rerr} {
				var e *errs.Error
				if !errors.As(err, &e) || e.Kind != errs.Invalid || e.Field != tc.field {
					t.Errorf("got %v, want an invalid error naming field %q", err, tc.field)
				}
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	specs := []Spec{official, {Name: "福建易网科技有限公司", Caption: "财务专用章", Shape: Oval}}
	for _, s := range specs {
		first, err := Render(s)
		if err != nil {
			t.Fatal(err)
		}
		// Concurrent renders share the fonts and must neither race nor differ.
		var wg sync.WaitGroup
		outs := make([][]byte, 4)
		for i := range outs {
			wg.Go(func() { outs[i], _ = Render(s) })
		}
		wg.Wait()
		for i, b := range outs {
			if !bytes.Equal(b, first) {
				t.Errorf("%+v: render %d differs from the first", s, i)
			}
		}
	}
}

// TestMissingGlyphs: characters no font has leave their cell empty instead of failing.
func TestMissingGlyphs(t *testing.T) {
	b, err := Render(Spec{Name: "福建\U00030EDE省", Caption: "\U00030EDE"}) // biang, CJK extension G
	if err != nil {
		t.Fatal(err)
	}
	decode(t, b)
}

func BenchmarkRender(b *testing.B) {
	for _, bc := range []struct {
		name string
		spec Spec
	}{
		{"round", official},
		{"oval", Spec{Name: "福建易网科技有限公司", Caption: "发票专用章", Code: "91350100MA2XYZ1234", Shape: Oval}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			if _, err := Render(bc.spec); err != nil { // load the fonts outside the timing
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				if _, err := Render(bc.spec); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// FuzzRender: whatever a form sends, Validate classifies it and Render either refuses it the
// same way or draws a PNG of the right size; neither panics.
func FuzzRender(f *testing.F) {
	f.Add(official.Name, official.Caption, official.Code, "round")
	f.Add("福建易网科技有限公司", "发票专用章", "91350100MA2XYZ1234", "oval")
	f.Add("福建省数字福建建设领导小组办公室（省数字办）", "专用章", "", "")
	f.Add("Yiwang Test Org", "", "0", "round")
	f.Fuzz(func(t *testing.T, name, caption, code, shape string) {
		s := Spec{Name: name, Caption: caption, Code: code, Shape: Shape(shape), SizePx: MinSizePx}
		verr := s.Validate()
		b, err := Render(s)
		if (verr == nil) != (err == nil) {
			t.Fatalf("Validate: %v, Render: %v", verr, err)
		}
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("Render refused with %v, want an invalid error", err)
			}
			return
		}
		img, perr := png.Decode(bytes.NewReader(b))
		if perr != nil {
			t.Fatal(perr)
		}
		if img.Bounds().Dx() != MinSizePx {
			t.Fatalf("width %d", img.Bounds().Dx())
		}
	})
}

func TestFontSet(t *testing.T) {
	dir := t.TempDir()
	junk := dir + "/junk.ttf"
	if err := os.WriteFile(junk, []byte("not a font"), 0o644); err != nil {
		t.Fatal(err)
	}
	ttc := dir + "/go.ttc"
	if err := os.WriteFile(ttc, collection(gobold.TTF, 2), 0o644); err != nil {
		t.Fatal(err)
	}

	// Missing and unreadable files are passed over; a collection is read.
	fs := newFontSet([]string{dir + "/missing.ttf", junk}, []string{ttc})
	if len(fs.cjk) != 2 || fs.cjk[0].path != junk || fs.cjk[1].path != ttc {
		t.Fatalf("candidates %v, want the first existing file of each group", fs.cjk)
	}
	if fs.cjk[0].load() != nil {
		t.Error("a file that is not a font loaded")
	}
	if fs.cjk[1].load() == nil {
		t.Error("the font collection did not load")
	}
	// Go Bold has no Chinese characters: it does not count as a CJK font.
	if f := fs.primary(); f != nil {
		t.Errorf("primary font %q, want none", f.path)
	}
	b, err := render(official, fs)
	if err != nil {
		t.Fatal(err)
	}
	decode(t, b)

	// A font named explicitly (as FontEnv does) comes first.
	for _, p := range SystemFonts[0] {
		if _, err := os.Stat(p); err != nil {
			continue
		}
		if f := newFontSet([]string{p}, SystemFonts[0]).primary(); f == nil || f.path != p {
			t.Errorf("primary font %v, want %s", f, p)
		}
		break
	}
}

// collection wraps one TrueType font into a TrueType collection of n members that share its
// tables: the TTC header, then the font with its table offsets moved past the header.
func collection(ttf []byte, n int) []byte {
	head := 12 + 4*n
	out := make([]byte, head, head+len(ttf))
	copy(out, "ttcf")
	binary.BigEndian.PutUint32(out[4:], 0x00010000)
	binary.BigEndian.PutUint32(out[8:], uint32(n))
	for i := range n {
		binary.BigEndian.PutUint32(out[12+4*i:], uint32(head))
	}
	out = append(out, ttf...)
	font := out[head:]
	tables := int(binary.BigEndian.Uint16(font[4:]))
	for i := range tables {
		off := font[12+16*i+8:]
		binary.BigEndian.PutUint32(off, binary.BigEndian.Uint32(off)+uint32(head))
	}
	return out
}
