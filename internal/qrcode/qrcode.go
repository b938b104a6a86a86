// Package qrcode draws QR codes as PNG images and reads them back.
package qrcode

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"

	qr "github.com/yeqown/go-qrcode/v2"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// Level is a QR code's error correction level: how much of the code may be damaged or covered
// and still read. The zero value is M.
type Level int

// The error correction levels, from the ISO/IEC 18004 names. Higher levels survive more damage
// but hold less text (see MaxText).
const (
	LevelM Level = iota // 15% of the code may be lost; the default
	LevelL              // 7%
	LevelQ              // 25%
	LevelH              // 30%
)

// Options say how PNG draws a code. The zero value draws a 512-pixel code at level M.
type Options struct {
	Level Level
	// Size is the image's width and height in pixels: DefaultSize when 0, at most MaxSize. The
	// code is centred in it with whole pixels per module, so its quiet zone may be wider than
	// QuietZone modules.
	Size int
}

const (
	// DefaultSize is the width of an image when Options.Size is 0.
	DefaultSize = 512
	// MaxSize bounds Options.Size, and the images Read accepts.
	MaxSize = 4096
	// QuietZone is the white margin around a code, in modules, that scanners need to find it.
	QuietZone = 4
)

// maxText is the number of bytes the largest QR code (version 40) holds in byte mode at each
// level (ISO/IEC 18004 table 7).
var maxText = map[Level]int{LevelL: 2953, LevelM: 2331, LevelQ: 1663, LevelH: 1273}

var ecLevels = map[Level]qr.EncodeOption{
	LevelL: qr.WithErrorCorrectionLevel(qr.ErrorCorrectionLow),
	LevelM: qr.WithErrorCorrectionLevel(qr.ErrorCorrectionMedium),
	LevelQ: qr.WithErrorCorrectionLevel(qr.ErrorCorrectionQuart),
	LevelH: qr.WithErrorCorrectionLevel(qr.ErrorCorrectionHighest),
}

// MaxText reports how many bytes of text a code at level l can hold, 0 for an unknown level.
func MaxText(l Level) int { return maxText[l] }

// PNG draws text (UTF-8, in byte mode) as a QR code in black on white and returns the PNG. Text
// that is empty or longer than MaxText(opts.Level), a Size out of range or too small for the
// code (less than one pixel per module) is errs.Invalid.
func PNG(text string, opts Options) (_ []byte, err error) {
	defer errs.Wrap(&err, "qrcode.PNG(%d bytes)", len(text))
	ec, ok := ecLevels[opts.Level]
	if !ok {
		return nil, fmt.Errorf("unknown error correction level %d", opts.Level)
	}
	size := opts.Size
	if size == 0 {
		size = DefaultSize
	}
	if size < 0 || size > MaxSize {
		return nil, errs.E(errs.Invalid, "qrcode.error.size", MaxSize)
	}
	switch {
	case text == "":
		return nil, errs.E(errs.Invalid, "qrcode.error.empty")
	case len(text) > maxText[opts.Level]:
		return nil, errs.E(errs.Invalid, "qrcode.error.too_long", len(text), maxText[opts.Level])
	}
	img, err := draw(text, ec, size)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// maxRedraws bounds how many larger versions draw tries when a code does not read back.
const maxRedraws = 3

// draw returns the picture of the code, checked by reading it back with the same finder-pattern
// detector phones' ZXing-based scanners use. Some texts, under the mask the encoder picks, put
// runs in the data that this detector takes for finder patterns, and it then reads nothing
// (about one code in twenty at level L; zbar reads them all). The next version moves every
// module, so draw tries up to maxRedraws larger versions that still fit the image, and keeps the
// first picture when none reads.
func draw(text string, ec qr.EncodeOption, size int) (*image.Paletted, error) {
	var first *image.Paletted
	version := 0 // the smallest that holds text
	for range maxRedraws + 1 {
		code, err := qr.NewWith(text, qr.WithEncodingMode(qr.EncModeByte), ec, qr.WithMinimumVersion(version))
		if err != nil {
			return nil, err
		}
		w := &imageWriter{size: size}
		if err := code.Save(w); err != nil {
			if first != nil && errs.Is(err, errs.Invalid) {
				break // the larger version does not fit the image
			}
			return nil, err
		}
		if first == nil {
			first = w.img
		}
		if got, err := decode(w.img, readHints); err == nil && got == text {
			return w.img, nil
		}
		version = (code.Dimension()-17)/4 + 1 // dimension = 17 + 4×version
		if version > 40 {
			break
		}
	}
	return first, nil
}

// imageWriter is a qr.Writer that draws the code's matrix into an image.
type imageWriter struct {
	size int
	img  *image.Paletted
}

// palette is white at index 0 (the zero value of a new image's pixels) and black at 1, so the
// PNG is one bit per pixel.
var palette = color.Palette{color.Gray{Y: 0xff}, color.Gray{Y: 0}}

func (w *imageWriter) Write(mat qr.Matrix) error {
	bitmap := mat.Bitmap()
	modules := len(bitmap) + 2*QuietZone
	scale := w.size / modules
	if scale < 1 {
		return errs.E(errs.Invalid, "qrcode.error.too_small", w.size, modules)
	}
	// Centre the code; what is left over from whole-pixel modules widens the quiet zone.
	origin := (w.size-scale*modules)/2 + QuietZone*scale
	img := image.NewPaletted(image.Rect(0, 0, w.size, w.size), palette)
	for y, row := range bitmap {
		for x, dark := range row {
			if !dark {
				continue
			}
			for py := origin + y*scale; py < origin+(y+1)*scale; py++ {
				line := img.Pix[py*img.Stride:]
				for px := origin + x*scale; px < origin+(x+1)*scale; px++ {
					line[px] = 1
				}
			}
		}
	}
	w.img = img
	return nil
}

func (w *imageWriter) Close() error { return nil }
