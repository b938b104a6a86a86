package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// TestPeerFetchPage checks the officials' page for fetching a licence from another province's
// node on a node without peers: the form in each language, officials only, and every mistake —
// a missing reason, a node code that is none, a node that is no approved peer — back beside its
// field. A fetch that reaches a peer is internal/app's TestFederationLicenceFetch.
func TestPeerFetchPage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, highLimits)
		const page = "/work/licenses/peer-fetch"
		for _, lang := range i18n.All {
			w := s.get(page+"?lang="+string(lang), "fzscj.window")
			wantStatus(t, "peer fetch page", w, http.StatusOK)
			doc := parse(t, w)
			checkLayout(t, doc, lang, page)
			if got := text(one(t, doc, "h1")); got != i18n.T(lang, "license.peer.title") {
				t.Errorf("title %q", got)
			}
			one(t, doc, `form#peer-form input#peer-node[name="node"][required]`)
			one(t, doc, `form#peer-form input#peer-licence_id[name="licence_id"][required]`)
			one(t, doc, `form#peer-form input#peer-reason[name="reason"][required]`)
			if n := count(t, doc, "#fetched"); n != 0 {
				t.Error("a result before any fetch")
			}
		}
		wantStatus(t, "a resident", s.get(page, resident), http.StatusForbidden)

		form := func(kv ...string) url.Values {
			f := url.Values{"node": {"330000"}, "licence_id": {"33000000000000000000000000000000001"}, "reason": {"核验原证"}}
			for i := 0; i+1 < len(kv); i += 2 {
				f.Set(kv[i], kv[i+1])
			}
			return f
		}
		for _, tc := range []struct {
			form   url.Values
			field  string
			status int
		}{
			{form("reason", " "), "reason", http.StatusBadRequest},
			{form("node", "33"), "node", http.StatusBadRequest},
			{form("licence_id", ""), "licence_id", http.StatusBadRequest},
			{form("node", "440000"), "node", http.StatusNotFound},
		} {
			for _, lang := range i18n.All {
				w := s.post(page+"?lang="+string(lang), "fzscj.window", tc.form)
				wantStatus(t, "fetch without "+tc.field, w, tc.status)
				doc := parse(t, w)
				if a := hrefOf(one(t, doc, "#peer-summary a")); a != "#peer-"+tc.field {
					t.Errorf("%s: the summary links %q", tc.field, a)
				}
				one(t, doc, "#peer-"+tc.field+"-error")
				if got, _ := attr(one(t, doc, "#peer-"+tc.field), "aria-invalid"); got != "true" {
					t.Errorf("%s: not marked invalid", tc.field)
				}
				if got, _ := attr(one(t, doc, "#peer-licence_id"), "value"); got != tc.form.Get("licence_id") {
					t.Errorf("%s: the licence id typed is lost: %q", tc.field, got)
				}
			}
		}
		var n int
		if err := db.Get(context.Background(), &n, `SELECT COUNT(*) FROM audit_events WHERE action = 'license.peer_fetch'`); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d fetches audited, none reached a peer", n)
		}
	})
}
