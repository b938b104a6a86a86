package ratings

import "slices"

// Level is a rating on the five levels of GB/T 39734: 5 非常满意 very satisfied, 4 满意
// satisfied, 3 基本满意 fairly satisfied, 2 不满意 dissatisfied, 1 非常不满意 very dissatisfied.
type Level int

// The five levels.
const (
	VeryDissatisfied Level = 1
	Dissatisfied     Level = 2
	FairlySatisfied  Level = 3
	Satisfied        Level = 4
	VerySatisfied    Level = 5
)

// Levels lists the levels as forms offer them, best first.
var Levels = []Level{VerySatisfied, Satisfied, FairlySatisfied, Dissatisfied, VeryDissatisfied}

// Valid reports whether l is one of the five levels.
func (l Level) Valid() bool { return l >= VeryDissatisfied && l <= VerySatisfied }

// Bad reports whether l is a bad rating (差评): dissatisfied or very dissatisfied.
func (l Level) Bad() bool { return l.Valid() && l <= Dissatisfied }

// Key is the message key of the level's name ("ratings.level.5").
func (l Level) Key() string { return "ratings.level." + string(rune('0'+int(l))) }

// Channel is where a rating was given.
type Channel string

// The channels of GB/T 39734: online (portal and app), at the window's rating pad, at a
// self-service kiosk, and by text message.
const (
	Online Channel = "online"
	Window Channel = "window"
	Kiosk  Channel = "kiosk"
	SMS    Channel = "sms"
)

// Channels lists every channel.
var Channels = []Channel{Online, Window, Kiosk, SMS}

// caseChannels are the channels a case is rated through: the window rates visits, not cases.
var caseChannels = []Channel{Online, Kiosk, SMS}

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool { return slices.Contains(Channels, c) }

// Key is the message key of the channel's name.
func (c Channel) Key() string { return "ratings.channel." + string(c) }

// Tags are the fixed reasons a person may tick, per group of levels: what went well (4–5),
// what could be better (3), and what went wrong (1–2). The codes are stable; their names are
// messages "ratings.tag.<code>".
var (
	goodTags = []string{"efficient", "friendly", "clear_guidance", "few_materials", "one_visit", "easy_online"}
	fairTags = []string{"long_wait", "guidance_unclear", "process_complex", "system_slow"}
	badTags  = []string{"slow", "bad_attitude", "too_many_materials", "repeated_visits", "not_told_at_once",
		"overdue", "rules_unclear", "system_faults", "improper_fees"}
)

// TagsFor returns the tags a rating of level l may carry, in display order.
func TagsFor(l Level) []string {
	switch {
	case l >= Satisfied && l <= VerySatisfied:
		return goodTags
	case l == FairlySatisfied:
		return fairTags
	case l.Bad():
		return badTags
	}
	return nil
}

// AllTags returns every tag code once, good ones first.
func AllTags() []string {
	return slices.Concat(goodTags, fairTags, badTags)
}

// TagKey is the message key of a tag's name.
func TagKey(tag string) string { return "ratings.tag." + tag }

// AppealReasons are the grounds on which an organisation may hold a rating malicious.
var AppealReasons = []string{
	"unrelated", // 评价内容与政务服务无关
	"abusive",   // 含侮辱、谩骂、威胁等内容
	"coercion",  // 以差评要挟，提出不合理或违法诉求
	"repeated",  // 同一人就同一事项恶意重复差评
	"mistaken",  // 评价对象错误（非本机构办理）
}

// AppealReasonKey is the message key of an appeal reason's name.
func AppealReasonKey(reason string) string { return "ratings.appeal_reason." + reason }
