package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// The inbox (/inbox): every signed-in person reads their own messages in their language, the
// unread ones marked, each with a link to its affair, and marks them read one by one or all at
// once with plain forms. The notification service keeps each person to their own messages.

// inboxPageNames lists this module's page templates.
var inboxPageNames = []string{"inbox/list"}

// inboxPageSize is how many messages one page of the inbox shows.
const inboxPageSize = 20

func (s *Site) installInbox(srv *httpserver.Server) {
	if s.cfg.Inbox == nil {
		return
	}
	srv.Handle("GET /inbox", s.inboxList)
	srv.Handle("POST /inbox/read-all", s.inboxReadAll)
	srv.Handle("POST /inbox/{id}/read", s.inboxRead)
}

type inboxPage struct {
	basePage
	Messages []inboxView
	Unread   int
	PageNo   int    // 1-based
	Newer    string // the previous page's address, "" on the first
	Older    string // the next page's address, "" on the last
	Saved    string // what the last form did
}

// inboxView is one message as the page shows it.
type inboxView struct {
	ID       int64
	Text     string
	Link     string
	Received string
	Read     bool
}

// inboxPageNo reads ?page=, 1 when absent or not a sensible number.
func inboxPageNo(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 || n > 1_000_000 {
		return 1
	}
	return n
}

func inboxHref(page int) string {
	if page <= 1 {
		return "/inbox"
	}
	return "/inbox?page=" + strconv.Itoa(page)
}

func (s *Site) inboxList(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireSignedIn(p); err != nil {
		return err
	}
	b := s.newBase(w, r, "inbox.title")
	page := inboxPageNo(r)
	// One more than a page tells whether there is an older page.
	msgs, err := s.cfg.Inbox.Inbox(r.Context(), p, inboxPageSize+1, (page-1)*inboxPageSize)
	if err != nil {
		return err
	}
	unread, err := s.cfg.Inbox.Unread(r.Context(), p)
	if err != nil {
		return err
	}
	data := inboxPage{basePage: b, Unread: unread, PageNo: page}
	if len(msgs) > inboxPageSize {
		msgs = msgs[:inboxPageSize]
		data.Older = inboxHref(page + 1)
	}
	if page > 1 {
		data.Newer = inboxHref(page - 1)
	}
	for _, m := range msgs {
		data.Messages = append(data.Messages, inboxView{ID: m.ID, Text: m.Text(b.Lang), Link: m.Link,
			Received: civil(m.CreatedAt), Read: m.Read()})
	}
	switch r.URL.Query().Get("saved") {
	case "read":
		data.Saved = b.T("inbox.marked")
	case "all":
		data.Saved = b.T("inbox.marked_all")
	}
	return s.render(w, http.StatusOK, "inbox/list", data)
}

// inboxBack is where a form returns to: the page of the inbox it was sent from.
func inboxBack(r *http.Request, saved, anchor string) string {
	page, _ := strconv.Atoi(r.PostFormValue("page"))
	q := url.Values{"saved": {saved}}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	return "/inbox?" + q.Encode() + anchor
}

func (s *Site) inboxRead(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireSignedIn(p); err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return errs.E(errs.NotFound, "notify.error.not_found")
	}
	if err := s.cfg.Inbox.MarkRead(r.Context(), p, id); err != nil {
		return err
	}
	// "Open" marks the message read and goes on to its affair.
	if r.PostFormValue("open") != "" {
		m, err := s.cfg.Inbox.Message(r.Context(), p, id)
		if err != nil {
			return err
		}
		if m.Link != "" {
			seeOther(w, r, safeNext(m.Link))
			return nil
		}
	}
	seeOther(w, r, inboxBack(r, "read", "#message-"+strconv.FormatInt(id, 10)))
	return nil
}

func (s *Site) inboxReadAll(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireSignedIn(p); err != nil {
		return err
	}
	if _, err := s.cfg.Inbox.MarkAllRead(r.Context(), p); err != nil {
		return err
	}
	seeOther(w, r, inboxBack(r, "all", ""))
	return nil
}
