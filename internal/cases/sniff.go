package cases

import (
	"archive/zip"
	"bytes"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/blob"
	"github.com/yiwang-platform/yiwang/internal/errs"
)

// allFormats are the upload formats a material allows when its spec names none.
var allFormats = []string{FormatPDF, FormatJPEG, FormatPNG, FormatOFD}

// extensions maps file-name extensions to the format they claim.
var extensions = map[string]string{
	".pdf": FormatPDF, ".jpg": FormatJPEG, ".jpeg": FormatJPEG, ".png": FormatPNG, ".ofd": FormatOFD,
}

// SniffFormat returns the upload format data is, judged by its content alone: "pdf", "jpeg",
// "png", "ofd" (a ZIP container with OFD.xml at its root, GB/T 33190), or "" for anything else.
func SniffFormat(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return FormatPDF
	case bytes.HasPrefix(data, []byte{0xff, 0xd8, 0xff}):
		return FormatJPEG
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return FormatPNG
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return ""
		}
		for _, f := range zr.File {
			if strings.EqualFold(f.Name, "OFD.xml") {
				return FormatOFD
			}
		}
	}
	return ""
}

// dangerousExtensions are extensions under which a file would run rather than be read: refused
// whatever the content.
var dangerousExtensions = map[string]bool{
	".exe": true, ".dll": true, ".com": true, ".scr": true, ".msi": true, ".bat": true, ".cmd": true,
	".ps1": true, ".vbs": true, ".js": true, ".jar": true, ".sh": true, ".apk": true, ".html": true,
	".htm": true, ".svg": true, ".hta": true, ".lnk": true,
}

// maxFileName bounds a material's file name, in characters.
const maxFileName = 200

// checkUpload checks an upload against its material's spec and returns its cleaned file name
// and format. The content decides the format; a name whose extension claims another format is
// refused too, so that what a person downloads opens as what it says it is.
func checkUpload(m MaterialSpec, fileName string, data []byte) (name, format string, err error) {
	field := MaterialField(m.Code)
	if len(data) == 0 {
		return "", "", errs.Field(field, "cases.error.material_empty")
	}
	limit := int64(blob.MaxSize)
	if m.MaxBytes > 0 && m.MaxBytes < limit {
		limit = m.MaxBytes
	}
	if int64(len(data)) > limit {
		return "", "", &errs.Error{Kind: errs.TooLarge, Field: field, Message: "cases.error.material_too_large",
			Args: []any{sizeText(limit)}}
	}
	name = cleanFileName(fileName)
	allowed := m.Formats
	if len(allowed) == 0 {
		allowed = allFormats
	}
	format = SniffFormat(data)
	if format == "" || !slices.Contains(allowed, format) {
		return "", "", errs.Field(field, "cases.error.material_format", strings.Join(allowed, ", "))
	}
	ext := strings.ToLower(path.Ext(name))
	claimed, known := extensions[ext]
	switch {
	case known && claimed != format, dangerousExtensions[ext]:
		return "", "", errs.Field(field, "cases.error.material_extension", format)
	case name == "":
		name = m.Code + "." + format
	case !known:
		// What a person downloads should open as what it is.
		name += "." + format
	}
	return name, format, nil
}

// cleanFileName keeps the last element of a path, without control characters, at most
// maxFileName characters, or "".
func cleanFileName(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	s = s[strings.LastIndexAny(s, `/\`)+1:]
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if s == "." || s == ".." {
		return ""
	}
	if utf8.RuneCountInString(s) > maxFileName {
		ext := path.Ext(s)
		if utf8.RuneCountInString(ext) > 10 {
			ext = ""
		}
		r := []rune(strings.TrimSuffix(s, ext))
		s = string(r[:maxFileName-utf8.RuneCountInString(ext)]) + ext
	}
	return s
}

// sizeText writes a byte count for people: "5 MB", "800 KB".
func sizeText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return strconv.FormatInt(n>>20, 10) + " MB"
	}
	if n >= 1<<10 {
		return strconv.FormatInt((n+(1<<10)-1)>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " B"
}

// MaterialField is the field name an error about material code carries (forms' own fields never
// contain a dot), e.g. in the *formschema.Errors of Submit.
func MaterialField(code string) string { return "material." + code }
