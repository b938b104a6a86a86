package ratings_test

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/ratings"
)

// FuzzInputCheck feeds Check what forms and JSON bodies may carry: whatever it accepts is a
// rating the statistics and pages can hold, and whatever it refuses names a field.
func FuzzInputCheck(f *testing.F) {
	f.Add(5, "efficient,friendly", "一次办好", "online")
	f.Add(1, "slow,slow,bad_attitude", "等了\r\n三个小时", "kiosk")
	f.Add(3, "long_wait", strings.Repeat("慢", 501), "sms")
	f.Add(2, "efficient", "\x00", "window")
	f.Add(0, "", "", "")
	f.Add(4, " friendly ,,", "好\u202e评", "fax")
	f.Fuzz(func(t *testing.T, level int, tags, comment, channel string) {
		in := ratings.Input{Level: ratings.Level(level), Tags: strings.Split(tags, ","), Comment: comment, Channel: ratings.Channel(channel)}
		out, err := in.Check(ratings.Channels)
		if err != nil {
			pe := errs.Public(err)
			if pe.Kind != errs.Invalid || !slices.Contains([]string{"level", "tags", "comment", "channel"}, pe.Field) {
				t.Fatalf("refusal %v names no field", err)
			}
			return
		}
		if !out.Level.Valid() || !out.Channel.Valid() || len(out.Tags) > ratings.MaxTags {
			t.Fatalf("accepted %+v", out)
		}
		own := ratings.TagsFor(out.Level)
		for i, tag := range out.Tags {
			if !slices.Contains(own, tag) || slices.Contains(out.Tags[:i], tag) {
				t.Fatalf("accepted tags %q for level %d", out.Tags, out.Level)
			}
		}
		if !utf8.ValidString(out.Comment) || utf8.RuneCountInString(out.Comment) > ratings.MaxCommentRunes ||
			strings.ContainsAny(out.Comment, "\x00\r") {
			t.Fatalf("accepted comment %q", out.Comment)
		}
		// Checking again changes nothing.
		again, err := out.Check(ratings.Channels)
		if err != nil || again.Comment != out.Comment || !slices.Equal(again.Tags, out.Tags) {
			t.Fatalf("Check is not idempotent: %+v %v", again, err)
		}
	})
}

// FuzzNormaliseCode: a code read from what people type is always a code that formats and reads
// back to itself.
func FuzzNormaliseCode(f *testing.F) {
	f.Add("ABCD-EFGH")
	f.Add("abcd efgh")
	f.Add("0O1I-LLLL")
	f.Add("２３４５-６７８９")
	f.Fuzz(func(t *testing.T, s string) {
		code, ok := ratings.NormaliseCode(s)
		if !ok {
			return
		}
		if len(code) != 8 || strings.ToUpper(code) != code {
			t.Fatalf("NormaliseCode(%q) = %q", s, code)
		}
		if back, ok := ratings.NormaliseCode(ratings.FormatCode(code)); !ok || back != code {
			t.Fatalf("FormatCode(%q) reads back as %q", code, back)
		}
	})
}
