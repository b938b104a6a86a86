package qrcode

import (
	"bytes"
	"image"
	_ "image/jpeg" // Read accepts photographs of codes
	_ "image/png"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// MaxImageBytes bounds the size of an image file Read accepts.
const MaxImageBytes = 10 << 20

// readHints make gozxing look harder for a code (a photograph, a code at an angle) and take a
// byte-mode code without an ECI header as UTF-8, which is what PNG writes.
var readHints = map[gozxing.DecodeHintType]any{
	gozxing.DecodeHintType_TRY_HARDER:    true,
	gozxing.DecodeHintType_CHARACTER_SET: "UTF-8",
}

// pureHints read an image that holds nothing but one upright code in its quiet zone.
var pureHints = map[gozxing.DecodeHintType]any{
	gozxing.DecodeHintType_PURE_BARCODE:  true,
	gozxing.DecodeHintType_CHARACTER_SET: "UTF-8",
}

// Read returns the text of the QR code in a PNG or JPEG image. An image that is not a PNG or
// JPEG, does not decode, is larger than MaxImageBytes or MaxSize pixels on a side, or holds no
// readable code is errs.Invalid. The image's header is checked before its pixels are decoded, so
// an image that declares a huge size costs nothing.
func Read(data []byte) (_ string, err error) {
	defer errs.Wrap(&err, "qrcode.Read(%d bytes)", len(data))
	if len(data) > MaxImageBytes {
		return "", errs.E(errs.Invalid, "qrcode.error.image_too_large", MaxSize, MaxSize, MaxImageBytes>>20)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || (format != "png" && format != "jpeg") {
		return "", errs.Wrapf(errs.Invalid, err, "qrcode.error.image")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > MaxSize || cfg.Height > MaxSize {
		return "", errs.E(errs.Invalid, "qrcode.error.image_too_large", MaxSize, MaxSize, MaxImageBytes>>20)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return "", errs.Wrapf(errs.Invalid, err, "qrcode.error.image")
	}
	text, err := decode(img, readHints)
	if err != nil {
		// A clean picture (a screenshot, a saved PNG) may still be read as a pure code: the
		// code's corners found directly, not through the finder-pattern detector.
		text, err = decode(img, pureHints)
	}
	if err != nil {
		return "", errs.Wrapf(errs.Invalid, err, "qrcode.error.no_code")
	}
	return text, nil
}

// decode reads the first QR code in img with gozxing.
func decode(img image.Image, hints map[gozxing.DecodeHintType]any) (string, error) {
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", err
	}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, hints)
	if err != nil {
		return "", err
	}
	return res.GetText(), nil
}
