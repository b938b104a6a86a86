package sealimage

import (
	"image"
	"image/color"
	"math"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// The ink: seal red (印泥红), slightly translucent so that the text under an impression shows
// through as it does on paper.
const (
	inkR, inkG, inkB = 0xD7, 0x00, 0x0F
	inkAlpha         = 0.92
)

// canvas collects vector paths in pixel coordinates and turns them into coverage.
type canvas struct {
	z    *vector.Rasterizer
	mask *image.Alpha
	buf  sfnt.Buffer
	fs   *fontSet
	bold float64 // how much thicker than the font's strokes are cut, in pixels on each side
}

func newCanvas(w, h int, fs *fontSet) *canvas {
	return &canvas{z: vector.NewRasterizer(w, h), mask: image.NewAlpha(image.Rect(0, 0, w, h)), fs: fs}
}

// flush adds the paths drawn since the last flush to the mask (a union: a rasterizer sums the
// windings of its paths, so shapes whose windings could cancel go through separate flushes).
func (c *canvas) flush() {
	c.z.Draw(c.mask, c.mask.Bounds(), image.Opaque, image.Point{})
	s := c.mask.Bounds().Size()
	c.z.Reset(s.X, s.Y)
}

// image colours the mask with the ink. The picture is one colour at varying opacity, so it is
// exactly an image with a palette of that colour at every opacity: a quarter of the bytes of
// RGBA, and PNG encodes it several times faster (no per-row filter choice).
func (c *canvas) image() *image.Paletted {
	img := image.NewPaletted(c.mask.Bounds(), inkPalette)
	for i, a := range c.mask.Pix {
		img.Pix[i] = uint8(math.Round(float64(a) * inkAlpha))
	}
	return img
}

// inkPalette holds the ink at opacity i/255 at index i, from transparent up to inkAlpha.
var inkPalette = func() color.Palette {
	p := make(color.Palette, int(math.Round(255*inkAlpha))+1)
	for i := range p {
		p[i] = color.NRGBA{R: inkR, G: inkG, B: inkB, A: uint8(i)}
	}
	return p
}()

// polygon adds a closed polygon.
func (c *canvas) polygon(pts [][2]float64) {
	for i, p := range pts {
		if i == 0 {
			c.z.MoveTo(float32(p[0]), float32(p[1]))
		} else {
			c.z.LineTo(float32(p[0]), float32(p[1]))
		}
	}
	c.z.ClosePath()
}

// ellipse adds the ellipse with centre (cx, cy) and semi-axes a, b as a fine polygon, clockwise
// on screen, or anticlockwise if reverse (a hole).
func (c *canvas) ellipse(cx, cy, a, b float64, reverse bool) {
	n := max(64, int(math.Ceil(2*math.Pi*max(a, b)/2))) // a vertex every 2 px: invisible facets
	pts := make([][2]float64, n)
	for i := range pts {
		t := 2 * math.Pi * float64(i) / float64(n)
		if reverse {
			t = -t
		}
		pts[i] = [2]float64{cx + a*math.Sin(t), cy - b*math.Cos(t)}
	}
	c.polygon(pts)
}

// ring adds the band between the ellipse (a, b) and the one inside it by thickness t.
func (c *canvas) ring(cx, cy, a, b, t float64) {
	c.ellipse(cx, cy, a, b, false)
	c.ellipse(cx, cy, a-t, b-t, true)
}

// star adds a regular five-pointed star with one point up and outer radius r.
func (c *canvas) star(cx, cy, r float64) {
	inner := r * math.Sin(math.Pi/10) / math.Sin(7*math.Pi/10) // the points' edges run straight through
	pts := make([][2]float64, 10)
	for i := range pts {
		rr := r
		if i%2 == 1 {
			rr = inner
		}
		t := float64(i) * math.Pi / 5
		pts[i] = [2]float64{cx + rr*math.Sin(t), cy - rr*math.Cos(t)}
	}
	c.polygon(pts)
}

// affine maps (x, y) to (a·x + b·y + c, d·x + e·y + f).
type affine struct{ a, b, c, d, e, f float64 }

func (m affine) apply(p fixed.Point26_6) (float32, float32) {
	x, y := float64(p.X)/64, float64(p.Y)/64
	return float32(m.a*x + m.b*y + m.c), float32(m.d*x + m.e*y + m.f)
}

// cell is one character of a line of text, ready to be placed.
type cell struct {
	face  *face
	glyph sfnt.GlyphIndex
	adv   float64 // advance in font units
}

// shape looks up the glyphs of text; characters no font has become empty cells.
func (c *canvas) shape(text string, latinFirst bool) []cell {
	var cells []cell
	for _, r := range text {
		f, x := c.fs.faceFor(&c.buf, r, latinFirst)
		if f == nil {
			cells = append(cells, cell{})
			continue
		}
		adv, err := f.font.GlyphAdvance(&c.buf, x, f.upem, 0)
		if err != nil {
			cells = append(cells, cell{})
			continue
		}
		cells = append(cells, cell{face: f, glyph: x, adv: float64(adv) / 64})
	}
	return cells
}

// glyph draws one cell's glyph, inkH pixels high (the height of the font's reference glyph),
// narrowed horizontally by k, rotated clockwise by theta and centred on (x, y). Its strokes are
// thickened by c.bold pixels on each side, as a carved seal's are: the outline is also drawn
// moved that far in eight directions. The copies' windings add up inside the glyph and cancel
// nowhere, so the rasterizer's clamped coverage is their union.
func (c *canvas) glyph(g cell, inkH, k, theta, x, y float64) {
	if g.face == nil {
		return
	}
	segs, err := g.face.font.LoadGlyph(&c.buf, g.glyph, g.face.upem, nil)
	if err != nil || len(segs) == 0 {
		return
	}
	s := inkH / g.face.refHeight
	sin, cos := math.Sincos(theta)
	ox, oy := g.adv/2, g.face.refCenterY
	m := affine{a: cos * s * k, b: -sin * s, d: sin * s * k, e: cos * s}
	m.c = x - m.a*ox - m.b*oy
	m.f = y - m.d*ox - m.e*oy
	c.outline(segs, m)
	// Tightly narrowed characters get thinner strokes, or their counters would fill in.
	bold := c.bold * min(1, k/0.8)
	if bold <= 0 {
		return
	}
	for i := range 8 {
		ds, dc := math.Sincos(float64(i) * math.Pi / 4)
		mi := m
		mi.c += bold * dc
		mi.f += bold * ds
		c.outline(segs, mi)
	}
}

// outline adds a glyph's contours, mapped by m.
func (c *canvas) outline(segs sfnt.Segments, m affine) {
	open := false
	for _, sg := range segs {
		switch sg.Op {
		case sfnt.SegmentOpMoveTo:
			if open {
				c.z.ClosePath()
			}
			c.z.MoveTo(m.apply(sg.Args[0]))
			open = true
		case sfnt.SegmentOpLineTo:
			c.z.LineTo(m.apply(sg.Args[0]))
		case sfnt.SegmentOpQuadTo:
			bx, by := m.apply(sg.Args[0])
			cx, cy := m.apply(sg.Args[1])
			c.z.QuadTo(bx, by, cx, cy)
		case sfnt.SegmentOpCubeTo:
			bx, by := m.apply(sg.Args[0])
			cx, cy := m.apply(sg.Args[1])
			dx, dy := m.apply(sg.Args[2])
			c.z.CubeTo(bx, by, cx, cy, dx, dy)
		}
	}
	if open {
		c.z.ClosePath()
	}
}

// widest is the natural width, in pixels at ink height inkH, of the widest cell.
func widest(cells []cell, inkH float64) float64 {
	w := 0.0
	for _, g := range cells {
		if g.face != nil {
			w = max(w, g.adv*inkH/g.face.refHeight)
		}
	}
	return w
}

// fit chooses the ink height and horizontal narrowing for characters of natural width natural
// (at ink height inkH) in cells cellW wide: narrowed to fill the cells up to kMax, as seal
// carvers do, and made smaller only when narrowing below kMin would make them unreadable.
func fit(natural, inkH, cellW, kMax, kMin float64) (h, k float64) {
	if natural <= 0 || cellW <= 0 {
		return inkH, kMax
	}
	k = min(kMax, fill*cellW/natural)
	if k >= kMin {
		return inkH, k
	}
	return inkH * k / kMin, kMin
}

// fill is the part of a cell a character takes; the rest is the gap to the next.
const fill = 0.86

// arcText places text along the ellipse (cx, cy, a, b) — a circle when a == b — through the
// glyphs' centres, spread over span radians of the parametric angle, centred on the top
// (clockwise, glyphs standing outward) or on the bottom (left to right, glyphs standing
// inward). Cells are equally long along the curve. It returns where each glyph went.
func (c *canvas) arcText(cells []cell, cx, cy, a, b, span, inkH, kMax, kMin float64, bottom bool) []placed {
	n := len(cells)
	if n == 0 {
		return nil
	}
	// Cumulative arc length over the span, for placing cells at equal distances.
	const steps = 1024
	lengths := make([]float64, steps+1)
	point := func(t float64) (float64, float64) { return a * math.Sin(t), -b * math.Cos(t) }
	t0 := -span / 2
	px, py := point(t0)
	for i := 1; i <= steps; i++ {
		x, y := point(t0 + span*float64(i)/steps)
		lengths[i] = lengths[i-1] + math.Hypot(x-px, y-py)
		px, py = x, y
	}
	total := lengths[steps]
	// Cells converge towards the centre: what must fit is a cell's width at the glyphs' inner
	// edge (their feet on the upper arc, their heads on the lower), not at their middle.
	inner := total / float64(n) * max(0.5, 1-inkH/(2*math.Sqrt(a*b)))
	h, k := fit(widest(cells, inkH), inkH, inner-2*c.bold, kMax, kMin)
	halfW := widest(cells, h)*k/2 + c.bold
	out := make([]placed, 0, n)
	j := 0
	for i, g := range cells {
		target := total * (float64(i) + 0.5) / float64(n)
		for j < steps-1 && lengths[j+1] < target {
			j++
		}
		frac := 0.0
		if d := lengths[j+1] - lengths[j]; d > 0 {
			frac = (target - lengths[j]) / d
		}
		t := t0 + span*(float64(j)+frac)/steps
		sin, cos := math.Sincos(t)
		p := placed{x: cx + a*sin, y: cy - b*cos, halfW: halfW, halfH: h/2 + c.bold}
		p.theta = math.Atan2(b*sin, a*cos) // the tangent's direction, clockwise from the x axis
		if bottom {
			// Left to right along the bottom, glyphs standing towards the centre.
			p.y = cy + b*cos
			p.theta = math.Atan2(-b*sin, a*cos)
		}
		c.glyph(g, h, k, p.theta, p.x, p.y)
		out = append(out, p)
	}
	return out
}

// placed is where a glyph went: its cell's centre, rotation and half sizes.
type placed struct{ x, y, theta, halfW, halfH float64 }

// clearance is how far from the vertical line x = cx the glyph boxes reach inside the horizontal
// band y0..y1; limit if none reaches into the band.
func clearance(boxes []placed, cx, y0, y1, limit float64) float64 {
	for _, p := range boxes {
		sin, cos := math.Sincos(p.theta)
		var corners [4][2]float64
		for i, s := range [4][2]float64{{-1, -1}, {1, -1}, {1, 1}, {-1, 1}} {
			dx, dy := s[0]*p.halfW, s[1]*p.halfH
			corners[i] = [2]float64{p.x + cos*dx - sin*dy, p.y + sin*dx + cos*dy}
		}
		// The part of the box's outline inside the band: corners in it, and where its edges
		// cross the band's edges.
		near := func(x float64) { limit = min(limit, math.Abs(x-cx)) }
		for i, p0 := range corners {
			p1 := corners[(i+1)%4]
			if p0[1] >= y0 && p0[1] <= y1 {
				near(p0[0])
			}
			for _, yb := range []float64{y0, y1} {
				if (p0[1]-yb)*(p1[1]-yb) < 0 {
					near(p0[0] + (p1[0]-p0[0])*(yb-p0[1])/(p1[1]-p0[1]))
				}
			}
		}
	}
	return limit
}

// lineText places text horizontally, centred on (cx, cy), in cells no wider than the narrowed
// characters need and all together no wider than maxW.
func (c *canvas) lineText(cells []cell, cx, cy, maxW, inkH, kMax, kMin float64) {
	n := len(cells)
	if n == 0 {
		return
	}
	natural := widest(cells, inkH)
	cellW := min((natural*kMax+2*c.bold)/fill, maxW/float64(n))
	h, k := fit(natural, inkH, cellW-2*c.bold, kMax, kMin)
	x0 := cx - cellW*float64(n)/2
	for i, g := range cells {
		c.glyph(g, h, k, 0, x0+cellW*(float64(i)+0.5), cy)
	}
}

// paint draws the seal s describes (already normalised).
func paint(s Spec, fs *fontSet) *image.Paletted {
	if s.Shape == Oval {
		return paintOval(s, fs)
	}
	return paintRound(s, fs)
}

// margin keeps anti-aliased edges off the picture's border.
func margin(w int) float64 { return max(2, 0.012*float64(w)) }

// paintRound draws the ordinary round official seal. Proportions follow a 42 mm seal: a 1.5 mm
// ring, a star 14 mm across, the name's characters about 6 mm high just inside the ring.
func paintRound(s Spec, fs *fontSet) *image.Paletted {
	w := s.SizePx
	c := newCanvas(w, w, fs)
	cx, cy := float64(w)/2, float64(w)/2
	R := float64(w)/2 - margin(w)
	t := 0.07 * R
	c.ring(cx, cy, R, R, t)
	c.star(cx, cy, 0.32*R)
	c.flush()

	c.bold = 0.004 * R
	name := c.shape(s.Name, false)
	n := len(name)
	nameH := 0.27 * R
	rc := R - t - 0.05*R - nameH/2
	span := math.Min(270, math.Max(210, 140+10*float64(n))) * math.Pi / 180
	boxes := c.arcText(name, cx, cy, rc, rc, span, nameH, 0.95, 0.5, false)
	c.flush()

	if s.Caption != "" {
		// Keep the caption clear of the name's last characters, low on either side.
		capY, capH := cy+0.5*R, 0.17*R
		pad := 0.05 * R
		half := clearance(boxes, cx, capY-capH/2-pad, capY+capH/2+pad, 0.5*R+pad) - pad
		c.lineText(c.shape(s.Caption, false), cx, capY, 2*half, capH, 0.85, 0.5)
		c.flush()
	}
	if s.Code != "" {
		c.bold = 0
		code := c.shape(s.Code, true)
		codeH := 0.07 * R
		r := R - t - 0.05*R - codeH/2
		span := float64(len(code)) * 0.8 * codeH / r
		c.arcText(code, cx, cy, r, r, span, codeH, 1, 0.6, true)
		c.flush()
	}
	return c.image()
}

// paintOval draws the oval finance or invoice seal (40 × 30 mm): the name along the upper arc,
// the number across the middle and the caption under it, or the caption in the middle when there
// is no number.
func paintOval(s Spec, fs *fontSet) *image.Paletted {
	w := s.SizePx
	h := w * 3 / 4
	c := newCanvas(w, h, fs)
	cx, cy := float64(w)/2, float64(h)/2
	A, B := float64(w)/2-margin(w), float64(h)/2-margin(w)
	t := 0.07 * B
	c.ring(cx, cy, A, B, t)
	c.flush()

	c.bold = 0.005 * B
	name := c.shape(s.Name, false)
	n := len(name)
	nameH := 0.28 * B
	d := t + 0.06*B + nameH/2
	span := math.Min(250, math.Max(190, 150+8*float64(n))) * math.Pi / 180
	c.arcText(name, cx, cy, A-d, B-d, span, nameH, 0.9, 0.5, false)
	c.flush()

	captionY := cy + 0.12*B
	if s.Code != "" {
		c.bold = 0
		c.lineText(c.shape(s.Code, true), cx, cy+0.08*B, 1.35*B, 0.16*B, 0.9, 0.6)
		c.flush()
		c.bold = 0.005 * B
		captionY = cy + 0.52*B
	}
	if s.Caption != "" {
		c.lineText(c.shape(s.Caption, false), cx, captionY, 1.1*B, 0.2*B, 0.85, 0.5)
		c.flush()
	}
	return c.image()
}
