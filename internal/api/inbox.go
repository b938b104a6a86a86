package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/notify"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

func init() {
	schemas["InboxMessage"] = obj(map[string]any{
		"id":         integer("the message's id"),
		"key":        str("the message's i18n key, e.g. cases.notice.accepted"),
		"args":       arr(str("the key's arguments")),
		"text":       str("the message in the language asked for (Accept-Language or ?lang)"),
		"link":       str("a path on this site to the affair the message is about; empty when none"),
		"created_at": str("RFC 3339"),
		"read":       boolean("whether the reader has marked it read"),
		"read_at":    str("RFC 3339; absent while unread"),
	}, "id", "key", "args", "text", "link", "created_at", "read")
}

// inboxAPI serves each person's own inbox: residents, enterprise agents (their own account's
// messages) and officials alike; nobody reads another's.
type inboxAPI struct {
	inbox *notify.Service
}

func (a *API) installInbox(srv *httpserver.Server) {
	if a.cfg.Inbox == nil {
		return
	}
	h := inboxAPI{inbox: a.cfg.Inbox}
	const tag = "inbox"
	a.route(srv, operation{Method: "GET", Path: "/api/v1/inbox", ID: "listInbox", Tag: tag, Auth: true,
		Summary: "The caller's own messages, newest first, with the number still unread",
		Params: []param{
			{Name: "limit", In: "query", Description: "at most this many, 1–100; 20 when omitted",
				Schema: map[string]any{"type": "integer", "minimum": 1, "maximum": notify.MaxPage}},
			{Name: "offset", In: "query", Description: "skip this many of the newest; 0 when omitted",
				Schema: map[string]any{"type": "integer", "minimum": 0}},
		},
		Response: obj(map[string]any{"unread": integer("messages not yet read"), "messages": arr(ref("InboxMessage"))},
			"unread", "messages")}, h.list)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/inbox/{id}/read", ID: "markInboxMessageRead", Tag: tag, Auth: true,
		Summary: "Mark one of the caller's messages read (again is harmless); someone else's is not found. No body",
		Params:  []param{idParam("id", "the message's id")}, Response: ref("InboxMessage")}, h.markRead)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/inbox/read-all", ID: "markInboxRead", Tag: tag, Auth: true,
		Summary:  "Mark every message of the caller read. No body",
		Response: obj(map[string]any{"marked": integer("how many were unread"), "unread": integer("0")}, "marked", "unread")},
		h.markAll)
}

// inboxMessage is a message as the API shows it.
type inboxMessage struct {
	ID        int64      `json:"id"`
	Key       string     `json:"key"`
	Args      []string   `json:"args"`
	Text      string     `json:"text"`
	Link      string     `json:"link"`
	CreatedAt time.Time  `json:"created_at"`
	Read      bool       `json:"read"`
	ReadAt    *time.Time `json:"read_at,omitempty"`
}

func inboxMessageOf(m notify.Message, lang i18n.Lang) inboxMessage {
	v := inboxMessage{ID: m.ID, Key: m.Key, Args: m.Args, Text: m.Text(lang), Link: m.Link, CreatedAt: m.CreatedAt, Read: m.Read()}
	if v.Args == nil {
		v.Args = []string{}
	}
	if m.Read() {
		at := m.ReadAt
		v.ReadAt = &at
	}
	return v
}

// reader refuses the public (401) before the inbox is asked.
func (h inboxAPI) reader(r *http.Request) (principal.Principal, error) {
	return authenticated(r)
}

func (h inboxAPI) list(w http.ResponseWriter, r *http.Request) error {
	p, err := h.reader(r)
	if err != nil {
		return err
	}
	limit, _, err := queryInt(r, "limit", notify.DefaultPage)
	if err != nil {
		return err
	}
	if limit < 1 || limit > notify.MaxPage {
		return errs.Field("limit", "inbox.error.limit", notify.MaxPage, strconv.FormatInt(limit, 10))
	}
	offset, _, err := queryInt(r, "offset", 0)
	if err != nil {
		return err
	}
	if offset > 1<<31 {
		return errs.Field("offset", "ledger.error.bad_number", "offset", strconv.FormatInt(offset, 10))
	}
	msgs, err := h.inbox.Inbox(r.Context(), p, int(limit), int(offset))
	if err != nil {
		return err
	}
	unread, err := h.inbox.Unread(r.Context(), p)
	if err != nil {
		return err
	}
	lang := i18n.Negotiate(r)
	out := make([]inboxMessage, len(msgs))
	for i, m := range msgs {
		out[i] = inboxMessageOf(m, lang)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"unread": unread, "messages": out})
}

func (h inboxAPI) markRead(w http.ResponseWriter, r *http.Request) error {
	p, err := h.reader(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.inbox.MarkRead(r.Context(), p, id); err != nil {
		return err
	}
	m, err := h.inbox.Message(r.Context(), p, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, inboxMessageOf(m, i18n.Negotiate(r)))
}

func (h inboxAPI) markAll(w http.ResponseWriter, r *http.Request) error {
	p, err := h.reader(r)
	if err != nil {
		return err
	}
	n, err := h.inbox.MarkAllRead(r.Context(), p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"marked": n, "unread": 0})
}
