// Package sealimage draws the impression of an official electronic seal (印章印模) as a PNG: the
// red ring, the five-pointed star, the organisation's name running clockwise along the upper arc,
// the caption under the star and the seal's code along the bottom — or, for finance and invoice
// seals, the oval with the name along its arc and the caption and number across the middle.
//
// It only draws: which seal an organisation may have, and signing with it, belong to
// internal/seal and internal/ses. Chinese text needs a CJK font found at run time (FontEnv, then
// SystemFonts); without one the seal is drawn without its Chinese text and FontAvailable reports
// false so that callers can warn.
package sealimage

import (
	"bytes"
	"image/png"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// Shape is the outline of a seal.
type Shape string

// The shapes of seal. Round is the ordinary official seal (公章, 合同专用章, 行政审批专用章 …);
// Oval is the finance or invoice seal (财务专用章, 发票专用章).
const (
	Round Shape = "round"
	Oval  Shape = "oval"
)

// Limits of a Spec.
const (
	DefaultSizePx   = 480
	MinSizePx       = 64
	MaxSizePx       = 2048
	MaxNameRunes    = 24 // the longest names are shortened to their approved short form on seals
	MaxCaptionRunes = 10
	MaxCodeLen      = 20 // 13-digit seal codes, 18-character credit codes on invoice seals
)

// Spec describes one seal impression.
type Spec struct {
	// Name is the organisation's name, cut along the upper arc: "福建省市场监督管理局".
	Name string
	// Caption is the line under the star (or across an oval seal): "行政审批专用章"; may be empty.
	Caption string
	// Code is the seal's code (digits and capital letters), printed small along the bottom of a
	// round seal or across the middle of an oval one; may be empty.
	Code string
	// Shape is Round (the default) or Oval.
	Shape Shape
	// SizePx is the width of the picture in pixels (default 480); a round seal is as high as it
	// is wide, an oval one three quarters of that (a 40 × 30 mm invoice seal).
	SizePx int
}

// Validate reports what is wrong with s, as an errs.Invalid error naming the field: name,
// caption, code, shape or size_px.
func (s Spec) Validate() error {
	_, err := s.normalize()
	return err
}

// normalize trims the texts, fills in the defaults and checks the limits.
func (s Spec) normalize() (Spec, error) {
	s.Name = strings.TrimSpace(s.Name)
	s.Caption = strings.TrimSpace(s.Caption)
	s.Code = strings.TrimSpace(s.Code)
	switch {
	case s.Name == "":
		return s, errs.Field("name", "sealimage.error.name_required")
	case !utf8.ValidString(s.Name) || !printable(s.Name):
		return s, errs.Field("name", "sealimage.error.text_chars")
	case utf8.RuneCountInString(s.Name) > MaxNameRunes:
		return s, errs.Field("name", "sealimage.error.name_too_long", MaxNameRunes)
	case !utf8.ValidString(s.Caption) || !printable(s.Caption):
		return s, errs.Field("caption", "sealimage.error.text_chars")
	case utf8.RuneCountInString(s.Caption) > MaxCaptionRunes:
		return s, errs.Field("caption", "sealimage.error.caption_too_long", MaxCaptionRunes)
	case len(s.Code) > MaxCodeLen || strings.TrimFunc(s.Code, isCodeChar) != "":
		return s, errs.Field("code", "sealimage.error.code", MaxCodeLen)
	}
	switch s.Shape {
	case "":
		s.Shape = Round
	case Round, Oval:
	default:
		return s, errs.Field("shape", "sealimage.error.shape")
	}
	if s.SizePx == 0 {
		s.SizePx = DefaultSizePx
	}
	if s.SizePx < MinSizePx || s.SizePx > MaxSizePx {
		return s, errs.Field("size_px", "sealimage.error.size", MinSizePx, MaxSizePx)
	}
	return s, nil
}

// printable refuses control characters, line breaks and other invisible runes: a seal has one
// line of visible characters per field. Inner spaces are allowed (they leave a cell empty).
func printable(s string) bool {
	for _, r := range s {
		if r != ' ' && !unicode.IsGraphic(r) {
			return false
		}
	}
	return true
}

func isCodeChar(r rune) bool { return r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' }

// Render draws the seal s describes as a PNG with a transparent background. The same Spec gives
// the same bytes on the same machine and fonts. It returns an errs.Invalid error naming the field
// when s is not a seal that can be drawn (see Validate); characters no font has are left blank.
func Render(s Spec) (_ []byte, err error) {
	defer errs.Wrap(&err, "sealimage.Render")
	return render(s, defaultFonts())
}

func render(s Spec, fs *fontSet) ([]byte, error) {
	n, err := s.normalize()
	if err != nil {
		return nil, err
	}
	img := paint(n, fs)
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, errs.Wrapf(errs.Internal, err, "error.internal")
	}
	return buf.Bytes(), nil
}
