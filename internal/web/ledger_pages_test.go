package web_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/ledger"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

var notarisedRE = regexp.MustCompile(`^/ledger/entries/(\d+)\?notarised=1$`)

// notarised follows a notarisation's redirect and returns the entry's index.
func notarised(t *testing.T, what string, w *httptest.ResponseRecorder) int64 {
	t.Helper()
	wantStatus(t, what, w, http.StatusSeeOther)
	m := notarisedRE.FindStringSubmatch(w.Header().Get("Location"))
	if m == nil {
		t.Fatalf("%s: to %q", what, w.Header().Get("Location"))
	}
	i, _ := strconv.ParseInt(m[1], 10, 64)
	return i
}

func TestLedgerPage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newTrustSite(t, db)
		size, err := s.a.Ledger.Size(systemContext())
		if err != nil || size == 0 {
			t.Fatalf("ledger size %d, %v", size, err)
		}
		doc := parse(t, s.get("/ledger", ""))
		if got := text(one(t, doc, "pre#checkpoint")); !strings.HasPrefix(got, s.a.Ledger.Origin()+"\n") {
			t.Errorf("checkpoint %q", got)
		}
		if got := text(one(t, doc, "#verifier-key")); got != s.a.Ledger.VerifierKey() {
			t.Errorf("key %q", got)
		}
		if got := text(one(t, doc, "#size")); got != i18n.T(i18n.ZhHans, "trust.ledger.size_value", size) {
			t.Errorf("size %q", got)
		}
		rows := queryAll(t, doc, "#entries tbody tr")
		if want := min(size, 50); int64(len(rows)) != want {
			t.Errorf("%d entries listed, want %d", len(rows), want)
		}
		// Newest first; each with its index, type in words, short digest with the full one in
		// the title, and China time.
		last, err := s.a.Ledger.Entry(systemContext(), size-1)
		if err != nil {
			t.Fatal(err)
		}
		if id := attrOr(rows[0], "id"); id != "entry-"+strconv.FormatInt(size-1, 10) {
			t.Errorf("first row %q, want the newest entry", id)
		}
		code := one(t, rows[0], "code[title]")
		if attrOr(code, "title") != last.Digest || len(text(code)) >= len(last.Digest) {
			t.Errorf("digest %q title %q", text(code), attrOr(code, "title"))
		}
		if got := text(rows[0]); !strings.Contains(got, i18n.T(i18n.ZhHans, "trust.ledger_type."+string(last.Type))) ||
			!strings.Contains(got, last.Time.In(chinaZone).Format("2006-01-02 15:04")) {
			t.Errorf("row %q", got)
		}
		// Only officials are offered notarisation.
		for login, want := range map[string]int{"": 0, resident: 0, gxt: 1, scjSealer: 1} {
			if n := count(t, parse(t, s.get("/ledger", login)), `form[action="/ledger/notarise"]`); n != want {
				t.Errorf("%q: %d notarisation forms, want %d", login, n, want)
			}
		}
		// Paging.
		doc = parse(t, s.get("/ledger?from=0", ""))
		if id := attrOr(queryAll(t, doc, "#entries tbody tr")[0], "id"); size > 1 && id != "entry-"+strconv.FormatInt(min(size, 50)-1, 10) {
			t.Errorf("?from=0 starts with %s", id)
		}
		if size > 50 {
			one(t, doc, `#paging a[href="/ledger?from=50"]`)
		}
		wantStatus(t, "?from=-1", s.get("/ledger?from=-1", ""), http.StatusBadRequest)
		wantStatus(t, "?from=x", s.get("/ledger?from=x", ""), http.StatusBadRequest)

		// An entry with its proof, checked against the log's key.
		doc = parse(t, s.get("/ledger/entries/0", ""))
		one(t, doc, "#proof-verdict.ok")
		first, _ := s.a.Ledger.Entry(systemContext(), 0)
		if got := text(one(t, doc, "#entry-digest")); got != first.Digest {
			t.Errorf("entry digest %q", got)
		}
		if got := text(one(t, doc, "pre#leaf")); got != strings.TrimSpace(string(ledger.LeafData(first))) {
			t.Errorf("leaf %q", got)
		}
		one(t, doc, `a#receipt-download[href="/ledger/entries/0/receipt.json"]`)
		for _, p := range []string{"/ledger/entries/99999999", "/ledger/entries/-1", "/ledger/entries/x", "/ledger/entries/99999999/receipt.json"} {
			wantStatus(t, p, s.get(p, ""), http.StatusNotFound)
		}
	})
}

var chinaZone = time.FixedZone("CST", 8*3600)

func TestNotarise(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newTrustSite(t, db)
		lang := i18n.ZhHans
		file := []byte("会议纪要 2026-05-01\n")
		sum := sha256.Sum256(file)

		// A file, hashed on arrival, with a subject.
		before := s.lastAuditID()
		w := s.postMultipart("/ledger/notarise", gxt, url.Values{"subject": {"闽工信〔2026〕12号"}}, []upload{{"file", "纪要.txt", file}})
		idx := notarised(t, "notarise a file", w)
		if got := s.auditSince(before); len(got) != 1 || got[0] != "ledger.notarised" {
			t.Errorf("audit %v", got)
		}
		e, err := s.a.Ledger.Entry(systemContext(), idx)
		if err != nil {
			t.Fatal(err)
		}
		if e.Type != ledger.TypeNotarisation || e.Digest != "sha256:"+hex.EncodeToString(sum[:]) || e.Org != "fj-miit" || e.Subject != "闽工信〔2026〕12号" {
			t.Errorf("entry %+v", e)
		}
		doc := parse(t, s.get(w.Header().Get("Location"), gxt))
		one(t, doc, "#notarised")
		one(t, doc, "pre#receipt")
		one(t, doc, "#proof-verdict.ok")

		// The receipt downloads as a file and verifies offline with the log's key.
		w2 := s.get("/ledger/entries/"+strconv.FormatInt(idx, 10)+"/receipt.json", "")
		wantStatus(t, "receipt", w2, http.StatusOK)
		if cd := w2.Header().Get("Content-Disposition"); !strings.Contains(cd, `filename="receipt-`+strconv.FormatInt(idx, 10)+`.json"`) {
			t.Errorf("Content-Disposition %q", cd)
		}
		rc, err := ledger.ParseReceipt(w2.Body.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if err := ledger.VerifyReceipt(rc, s.a.Ledger.VerifierKey()); err != nil {
			t.Errorf("receipt does not verify: %v", err)
		}
		if rc.Entry.Index != idx || rc.Entry.Digest != e.Digest {
			t.Errorf("receipt of %+v", rc.Entry)
		}

		// A digest typed in (upper case, urlencoded form) is normalised.
		digest := "SM3:" + strings.ToUpper(hex.EncodeToString(sum[:]))
		w = s.post("/ledger/notarise", scjSealer, url.Values{"digest": {digest}})
		idx2 := notarised(t, "notarise a digest", w)
		if e, _ := s.a.Ledger.Entry(systemContext(), idx2); e.Digest != strings.ToLower(digest) || e.Org != market {
			t.Errorf("entry %+v", e)
		}

		// Mistakes come back beside their fields.
		for _, c := range []struct {
			name   string
			fields url.Values
			files  []upload
			id     string
			key    string
		}{
			{"nothing", url.Values{"subject": {"x"}}, nil, "notarise-file", "trust.ledger.error.nothing"},
			{"both", url.Values{"digest": {"sha256:" + hex.EncodeToString(sum[:])}}, []upload{{"file", "a.txt", file}}, "notarise-digest", "trust.ledger.error.file_and_digest"},
			{"bad digest", url.Values{"digest": {"md5:abc"}}, nil, "notarise-digest", ""},
			{"ID number", url.Values{"digest": {"sha256:" + hex.EncodeToString(sum[:])}, "subject": {"申请人 " + idcode.NewResidentID("350102", e.Time, 7)}}, nil, "notarise-subject", "ledger.error.subject_id_number"},
			{"phone", url.Values{"subject": {"联系 13905912846"}}, []upload{{"file", "a.txt", file}}, "notarise-subject", "ledger.error.subject_phone"},
		} {
			t.Run(c.name, func(t *testing.T) {
				before := s.lastAuditID()
				w := s.postMultipart("/ledger/notarise", gxt, c.fields, c.files)
				wantStatus(t, c.name, w, http.StatusBadRequest)
				doc := parse(t, w)
				if c.key == "" {
					one(t, doc, "#"+c.id+"-error")
				} else {
					checkFieldError(t, doc, c.id, i18n.T(lang, c.key))
				}
				if got := s.auditSince(before); len(got) != 0 {
					t.Errorf("refused notarisation changed something: %v", got)
				}
				one(t, doc, `a[hreflang="en"][href="/ledger?lang=en"]`)
			})
		}

		// Only officials notarise, and only from the site's own pages.
		before = s.lastAuditID()
		good := url.Values{"digest": {"sha256:" + hex.EncodeToString(sum[:])}}
		wantStatus(t, "anonymous", s.post("/ledger/notarise", "", good), http.StatusUnauthorized)
		wantStatus(t, "resident", s.post("/ledger/notarise", resident, good), http.StatusForbidden)
		wantStatus(t, "cross-site", s.crossSite("/ledger/notarise", gxt, good), http.StatusForbidden)
		if got := s.auditSince(before); len(got) != 0 {
			t.Errorf("refused notarisations changed something: %v", got)
		}
	})
}
