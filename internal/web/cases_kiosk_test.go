package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/app"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// TestKioskAcrossNodes: the kiosk's idle limit lives in the database, so two nodes behind a load
// balancer, and a node after a restart, see one last use: a page on either node keeps the
// session alive on both, and a session idle on one is over on every node, with or without the
// kiosk's mark. (identity's TestIdleLimitAcrossNodes tries the orders of nodes.)
func TestKioskAcrossNodes(t *testing.T) {
	t.Parallel()
	eachCaseSite(t, func(t *testing.T, s *casesSite) {
		first, second := s.site, otherNode(t, s)
		w := first.get("/kiosk", "")
		device := cookie(w, "yiwang_kiosk")
		w = first.post("/kiosk/login", "", url.Values{"login": {resident}, "password": {"yiwang-demo-2026"}}, device)
		wantRedirect(t, "kiosk login", w, w.Code, "/kiosk")
		session := cookie(w, "yiwang_session")

		// Used on the second node after 100 s, the session is alive on the first 200 s after
		// sign-in: the second node's use counted there.
		s.clock.Advance(100 * time.Second)
		wantStatus(t, "the second node after 100 s", second.get("/my/cases", "", device, session), http.StatusOK)
		s.clock.Advance(100 * time.Second)
		wantStatus(t, "the first node 100 s after that", first.get("/my/cases", "", device, session), http.StatusOK)

		// Left idle, it is over after a restart, and on both nodes.
		s.clock.Advance(kioskIdleForTest + time.Second)
		restarted := otherNode(t, s)
		w = restarted.get("/my/cases", "", device, session)
		wantRedirect(t, "the restarted node after the limit", w, w.Code, "/kiosk?ended=idle")
		for i, n := range []*site{first, second, restarted} {
			wantLogin(t, fmt.Sprintf("node %d after the limit, without the kiosk's mark", i), n.get("/account", "", session))
			w := n.get("/my/cases", "", device, session)
			wantRedirect(t, fmt.Sprintf("node %d after the limit, at the kiosk", i), w, w.Code, "/kiosk?ended=idle")
		}
	})
}

// The kiosk page's keep-alive keeps a session in use while the person types a long form, and
// says when the session is over.
func TestKioskAlive(t *testing.T) {
	t.Parallel()
	eachCaseSite(t, func(t *testing.T, s *casesSite) {
		w := s.get("/kiosk", "")
		device := cookie(w, "yiwang_kiosk")
		w = s.post("/kiosk/login", "", url.Values{"login": {resident}, "password": {"yiwang-demo-2026"}}, device)
		wantRedirect(t, "kiosk login", w, w.Code, "/kiosk")
		session := cookie(w, "yiwang_session")
		// Three minutes of typing, a keep-alive every minute: the session outlives the limit.
		for i := range 3 {
			s.clock.Advance(time.Minute)
			wantStatus(t, fmt.Sprintf("keep-alive %d", i), s.post("/kiosk/alive", "", nil, device, session), http.StatusNoContent)
		}
		wantStatus(t, "the form sent after three minutes", s.get("/my/cases", "", device, session), http.StatusOK)
		// Left alone past the limit, the keep-alive learns the session is over.
		s.clock.Advance(kioskIdleForTest + time.Second)
		wantStatus(t, "keep-alive after the limit", s.post("/kiosk/alive", "", nil, device, session), http.StatusUnauthorized)
		wantStatus(t, "keep-alive without a session", s.post("/kiosk/alive", "", nil, device), http.StatusUnauthorized)
	})
}

// otherNode starts another platform over s's database, as a second node or a restart sees it.
func otherNode(t *testing.T, s *casesSite) *site {
	t.Helper()
	db := storetest.Reopen(t, s.db, nil)
	a, err := app.New(context.Background(), app.Config{DB: db, Logger: slog.New(slog.DiscardHandler), RateLimits: highLimits})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return &site{t: t, a: a, db: db, tokens: map[string]string{}}
}
