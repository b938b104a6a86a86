package qrcode

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/i18n"
)

// presentation returns n bytes that look like a YWP1 presentation: the prefix and base64url.
func presentation(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	r := rand.New(rand.NewChaCha8([32]byte{byte(n), byte(n >> 8)}))
	var b strings.Builder
	b.WriteString("YWP1.")
	for b.Len() < n {
		if b.Len()%400 == 399 {
			b.WriteByte('.') // the parts of a presentation are dot-separated
			continue
		}
		b.WriteByte(alphabet[r.IntN(len(alphabet))])
	}
	return b.String()[:n]
}

const chinese = "福建省电子营业执照 · 统一社会信用代码 91350100MA2XXXXX0X · 名称：福州闽都小吃店（个体工商户）· 经营范围：餐饮服务；食品销售。"

// zbarimg returns the path of zbarimg (Debian zbar-tools), the outside reader every code must
// satisfy. Without it the test is skipped — but fails when CI=true, where a missing reader must
// not turn into a green run.
func zbarimg(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("zbarimg")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("zbarimg not found (CI=true: install zbar-tools): %v", err)
		}
		t.Skip("zbarimg not found; install zbar-tools to check codes with an outside reader")
	}
	return path
}

// zbarRead reads the PNG with zbarimg.
func zbarRead(t *testing.T, zbar string, pngData []byte) (string, error) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "code.png")
	if err := os.WriteFile(file, pngData, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(zbar, "--raw", "-q", file).Output()
	return strings.TrimSuffix(string(out), "\n"), err
}

func TestRoundTrip(t *testing.T) {
	zbar := zbarimg(t)
	for _, tc := range []struct {
		name string
		text string
		opts Options
	}{
		{"10 bytes", presentation(10), Options{}},
		{"500 bytes", presentation(500), Options{}},
		{"1500 bytes", presentation(1500), Options{}},
		{"2200 bytes", presentation(2200), Options{}},
		{"Chinese", chinese, Options{}},
		{"Chinese, long", strings.Repeat(chinese, 8), Options{}},
		{"level L, largest", presentation(MaxText(LevelL)), Options{Level: LevelL}},
		{"level M, largest", presentation(MaxText(LevelM)), Options{Level: LevelM}},
		{"level Q", presentation(1000), Options{Level: LevelQ}},
		{"level H", presentation(1000), Options{Level: LevelH}},
		{"small image", presentation(100), Options{Size: 120}},
		{"large image", presentation(1500), Options{Size: 2000}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := PNG(tc.text, tc.opts)
			if err != nil {
				t.Fatalf("PNG: %v", err)
			}
			cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
			if err != nil || format != "png" {
				t.Fatalf("DecodeConfig: %s, %v", format, err)
			}
			want := tc.opts.Size
			if want == 0 {
				want = DefaultSize
			}
			if cfg.Width != want || cfg.Height != want {
				t.Errorf("image is %d×%d, want %d×%d", cfg.Width, cfg.Height, want, want)
			}
			if got, err := zbarRead(t, zbar, data); err != nil || got != tc.text {
				t.Errorf("zbarimg read %d bytes (%v), want the %d bytes written:\n got %.80q\nwant %.80q",
					len(got), err, len(tc.text), got, tc.text)
			}
			if got, err := Read(data); err != nil || got != tc.text {
				t.Errorf("Read = %.80q, %v; want %.80q", got, err, tc.text)
			}
		})
	}
}

// TestDrawing checks the picture itself: black on white, whole pixels per module, and a white
// quiet zone of at least QuietZone modules.
func TestDrawing(t *testing.T) {
	data, err := PNG("YWP1.test", Options{Size: 300})
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	// "YWP1.test" fits version 1 (21 modules): 29 modules with the quiet zone, 10 pixels each,
	// 290 pixels centred in 300.
	const scale, origin = 10, 5 + QuietZone*10
	for y := range 300 {
		for x := range 300 {
			g := color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y
			if g != 0 && g != 0xff {
				t.Fatalf("pixel (%d,%d) is grey %d", x, y, g)
			}
			inCode := x >= origin && x < origin+21*scale && y >= origin && y < origin+21*scale
			if !inCode && g != 0xff {
				t.Fatalf("pixel (%d,%d) in the quiet zone is black", x, y)
			}
			if inCode && g != color.GrayModel.Convert(img.At(origin+(x-origin)/scale*scale, origin+(y-origin)/scale*scale)).(color.Gray).Y {
				t.Fatalf("pixel (%d,%d) differs from its module's first pixel", x, y)
			}
		}
	}
	// The finder pattern's corner is black.
	if g := color.GrayModel.Convert(img.At(origin, origin)).(color.Gray).Y; g != 0 {
		t.Errorf("top-left module is %d, want black", g)
	}
}

func TestPNGRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		text string
		opts Options
		key  string
	}{
		{"empty", "", Options{}, "qrcode.error.empty"},
		{"too long at M", presentation(MaxText(LevelM) + 1), Options{}, "qrcode.error.too_long"},
		{"too long at L", presentation(MaxText(LevelL) + 1), Options{Level: LevelL}, "qrcode.error.too_long"},
		{"too long at H", presentation(MaxText(LevelH) + 1), Options{Level: LevelH}, "qrcode.error.too_long"},
		{"negative size", "x", Options{Size: -1}, "qrcode.error.size"},
		{"huge size", "x", Options{Size: MaxSize + 1}, "qrcode.error.size"},
		{"too small", presentation(2000), Options{Size: 100}, "qrcode.error.too_small"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := PNG(tc.text, tc.opts)
			checkInvalid(t, err, tc.key)
		})
	}
	if _, err := PNG("x", Options{Level: 9}); err == nil || errs.Is(err, errs.Invalid) {
		t.Errorf("unknown level: err = %v, want an internal error", err)
	}
}

func TestReadRefuses(t *testing.T) {
	white := image.NewGray(image.Rect(0, 0, 200, 200))
	for i := range white.Pix {
		white.Pix[i] = 0xff
	}
	var noCode, jpegNoCode, gifData bytes.Buffer
	if err := png.Encode(&noCode, white); err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(&jpegNoCode, white, nil); err != nil {
		t.Fatal(err)
	}
	if err := gif.Encode(&gifData, white, nil); err != nil {
		t.Fatal(err)
	}
	valid, err := PNG("YWP1.test", Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
		key  string
	}{
		{"nothing", nil, "qrcode.error.image"},
		{"garbage", []byte("this is not an image at all"), "qrcode.error.image"},
		{"truncated", valid[:len(valid)/2], "qrcode.error.image"},
		{"GIF", gifData.Bytes(), "qrcode.error.image"},
		{"PNG without a code", noCode.Bytes(), "qrcode.error.no_code"},
		{"JPEG without a code", jpegNoCode.Bytes(), "qrcode.error.no_code"},
		{"huge declared size", withSize(t, valid, 100000, 100000), "qrcode.error.image_too_large"},
		{"wide declared size", withSize(t, valid, MaxSize+1, 10), "qrcode.error.image_too_large"},
		{"too many bytes", append(bytes.Clone(valid), make([]byte, MaxImageBytes)...), "qrcode.error.image_too_large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Read(tc.data)
			if got != "" {
				t.Errorf("Read = %q, want nothing", got)
			}
			checkInvalid(t, err, tc.key)
		})
	}
}

// withSize returns a copy of a PNG whose header declares another size (with a correct CRC), as
// an image bomb would.
func withSize(t *testing.T, pngData []byte, w, h uint32) []byte {
	t.Helper()
	b := bytes.Clone(pngData)
	// signature (8), IHDR length (4), "IHDR" (4), width (4), height (4), … , CRC after 13 bytes.
	if string(b[12:16]) != "IHDR" {
		t.Fatal("no IHDR")
	}
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

func checkInvalid(t *testing.T, err error, key string) {
	t.Helper()
	if !errs.Is(err, errs.Invalid) {
		t.Fatalf("err = %v, want invalid", err)
	}
	if got := errs.Public(err).Message; got != key {
		t.Errorf("message = %q, want %q", got, key)
	}
	if !i18n.Has(key) {
		t.Errorf("i18n has no message %q", key)
	}
}

// TestReadPhotograph reads a code as a phone's camera delivers it: a JPEG, scaled down, on grey.
func TestReadPhotograph(t *testing.T) {
	text := presentation(500)
	data, err := PNG(text, Options{Size: 800})
	if err != nil {
		t.Fatal(err)
	}
	code, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	photo := image.NewRGBA(image.Rect(0, 0, 1000, 900))
	for i := range photo.Pix {
		photo.Pix[i] = 0xc0
	}
	for y := range 800 {
		for x := range 800 {
			photo.Set(x+150, y+50, code.At(x, y))
		}
	}
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, photo, &jpeg.Options{Quality: 70}); err != nil {
		t.Fatal(err)
	}
	if got, err := Read(jpg.Bytes()); err != nil || got != text {
		t.Errorf("Read(JPEG) = %.40q, %v; want %.40q", got, err, text)
	}
}

func FuzzRead(f *testing.F) {
	valid, err := PNG("YWP1.fuzz", Options{Size: 100})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	r := rand.New(rand.NewChaCha8([32]byte{1}))
	random := make([]byte, 256)
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	f.Add(random)
	f.Add(append([]byte("\x89PNG\r\n\x1a\n"), random...))
	f.Fuzz(func(t *testing.T, data []byte) {
		text, err := Read(data)
		if err != nil && !errs.Is(err, errs.Invalid) {
			t.Errorf("Read: %v, want invalid", err)
		}
		if err != nil && text != "" {
			t.Errorf("Read = %q with error %v", text, err)
		}
	})
}

func BenchmarkPNG(b *testing.B) {
	text := presentation(1500)
	for b.Loop() {
		if _, err := PNG(text, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRead(b *testing.B) {
	text := presentation(1500)
	data, err := PNG(text, Options{})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if got, err := Read(data); err != nil || got != text {
			b.Fatalf("Read = %.40q, %v", got, err)
		}
	}
}
