package ratings

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// Limits of what a person writes.
const (
	// MaxCommentRunes bounds a comment and a follow-up comment.
	MaxCommentRunes = 500
	// MaxTags bounds the tags of one rating.
	MaxTags = 6
	// MaxNoteRunes bounds what officials write: call-back accounts, findings, measures, notes,
	// appeal evidence.
	MaxNoteRunes = 2000
)

// Input is what a person gives when rating: a level, tags of that level, an optional comment
// and the channel. Forms and JSON bodies are read into it; Check decides whether it is acceptable.
type Input struct {
	Level   Level    `json:"level"`
	Tags    []string `json:"tags,omitempty"`
	Comment string   `json:"comment,omitempty"`
	Channel Channel  `json:"channel,omitempty"`
}

// Check returns in cleaned — the comment trimmed with line breaks as "\n", tags without
// repeats in the order given, the channel Online when none was given — or an errs.Invalid
// naming the field at fault: level, tags, comment or channel. allowed lists the channels the
// subject may be rated through.
func (in Input) Check(allowed []Channel) (Input, error) {
	if !in.Level.Valid() {
		return in, errs.Field("level", "ratings.error.level")
	}
	if in.Channel == "" {
		in.Channel = Online
	}
	if !slices.Contains(allowed, in.Channel) {
		return in, errs.Field("channel", "ratings.error.channel")
	}
	own := TagsFor(in.Level)
	var tags []string
	for _, t := range in.Tags {
		t = strings.TrimSpace(t)
		if t == "" || slices.Contains(tags, t) {
			continue
		}
		if !slices.Contains(own, t) {
			return in, errs.Field("tags", "ratings.error.tag")
		}
		tags = append(tags, t)
	}
	if len(tags) > MaxTags {
		return in, errs.Field("tags", "ratings.error.too_many_tags", MaxTags)
	}
	in.Tags = tags
	c, ok := CleanText(in.Comment, MaxCommentRunes)
	if !ok {
		return in, errs.Field("comment", "ratings.error.comment", MaxCommentRunes)
	}
	in.Comment = c
	return in, nil
}

// ParseLevel reads a level as forms and query strings carry it ("1"–"5"); 0 if it is not one.
func ParseLevel(s string) Level {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || !Level(n).Valid() {
		return 0
	}
	return Level(n)
}

// CleanText trims s and writes its line breaks as "\n"; ok is false when s is not valid UTF-8,
// holds control characters other than line breaks or tabs, or characters that reorder text
// (bidirectional overrides can make a comment read differently from what is stored), or is
// longer than max characters. Texts are kept as plain text and never rendered as markup.
func CleanText(s string, max int) (clean string, ok bool) {
	if !utf8.ValidString(s) {
		return "", false
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.TrimSpace(s)
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
		case unicode.IsControl(r), r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0xFEFF:
			return "", false
		}
	}
	if utf8.RuneCountInString(s) > max {
		return "", false
	}
	return s, true
}

// joinTags and splitTags store tags in one column; codes never hold commas.
func joinTags(tags []string) string { return strings.Join(tags, ",") }

func splitTags(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
