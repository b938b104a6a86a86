package web_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/ledger"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/seal"
	"github.com/yiwang-platform/yiwang/internal/sign"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// The market regulator's demo accounts (internal/demo) and officials of another organisation
// that the trust tests add: an approver and a seal user of fj-miit, and an official of the
// market regulator who is both administrator and approver, to try the two-person rule.
const (
	scjAdmin    = "scj.admin"
	scjApprover = "scj.approver"
	scjSealer   = "scj.sealer"
	scjWindow   = "scj.window" // an official of the market regulator without a seal role
	scjBoth     = "scj.both"
	miitApprove = "gxt.approver"
	miitSealer  = "gxt.sealer"
	market      = "fj-market-regulation"
)

// Names of the demo seals.
const (
	sm2SealName      = "福建省市场监督管理局行政审批专用章"
	ecdsaSealName    = "福建省市场监督管理局"
	contractSealName = "福建省市场监督管理局合同专用章"
)

// newTrustSite is the demo platform with the extra officials the trust tests use.
func newTrustSite(t *testing.T, db *store.DB) *site {
	t.Helper()
	s := newSite(t, db, highLimits)
	for _, o := range []struct {
		login, org string
		roles      []string
	}{
		{miitApprove, "fj-miit", []string{principal.RoleApprover}},
		{miitSealer, "fj-miit", []string{principal.RoleSealUser}},
		{scjBoth, market, []string{principal.RoleAdministrator, principal.RoleApprover}},
	} {
		if _, err := s.a.Identity.CreateAccount(systemContext(), identity.NewAccount{Login: o.login, Kind: principal.Official,
			DisplayName: o.login, OrgCode: o.org, Roles: o.roles, Password: demo.Password}); err != nil {
			t.Fatal(err)
		}
	}
	// Sign everyone in now, so that no sign-in lands among the audit events a test expects.
	for _, login := range []string{scjAdmin, scjApprover, scjSealer, scjWindow, scjBoth, miitApprove, miitSealer, "szb.admin"} {
		s.token(login)
	}
	return s
}

// demoSeal returns the market regulator's seal named name.
func demoSeal(t *testing.T, s *site, name string) seal.Seal {
	t.Helper()
	list, err := s.a.Seals.List(systemContext(), principal.SystemPrincipal, market)
	if err != nil {
		t.Fatal(err)
	}
	for _, sl := range list {
		if sl.Name == name && sl.Status != seal.Rejected {
			return sl
		}
	}
	t.Fatalf("no demo seal %q", name)
	return seal.Seal{}
}

// sealByID reads a seal as the system.
func sealByID(t *testing.T, s *site, id string) seal.Seal {
	t.Helper()
	sl, err := s.a.Seals.Get(systemContext(), principal.SystemPrincipal, id)
	if err != nil {
		t.Fatal(err)
	}
	return sl
}

// upload is a file of a multipart form.
type upload struct {
	field, name string
	data        []byte
}

// postMultipart posts fields and files as multipart/form-data as login ("" for the public),
// with extra headers given as name, value pairs.
func (s *site) postMultipart(target, login string, fields url.Values, files []upload, headers ...string) *httptest.ResponseRecorder {
	s.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			if err := mw.WriteField(k, v); err != nil {
				s.t.Fatal(err)
			}
		}
	}
	for _, f := range files {
		fw, err := mw.CreateFormFile(f.field, f.name)
		if err != nil {
			s.t.Fatal(err)
		}
		fw.Write(f.data)
	}
	if err := mw.Close(); err != nil {
		s.t.Fatal(err)
	}
	r := httptest.NewRequest("POST", target, &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.Header.Set("Accept", "text/html")
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	return s.do(r, login)
}

// crossSite posts form to target as login from another site's page.
func (s *site) crossSite(target, login string, form url.Values) *httptest.ResponseRecorder {
	s.t.Helper()
	r := httptest.NewRequest("POST", target, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Accept", "text/html")
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	return s.do(r, login)
}

// wantStatus fails t unless w has status want, showing the start of the page.
func wantStatus(t *testing.T, what string, w *httptest.ResponseRecorder, want int) {
	t.Helper()
	if w.Code != want {
		t.Fatalf("%s: status %d, want %d; Location %q; body: %.600s", what, w.Code, want, w.Header().Get("Location"), w.Body)
	}
}

// wantLogin checks that w sends a browser to the login page.
func wantLogin(t *testing.T, what string, w *httptest.ResponseRecorder) {
	t.Helper()
	wantStatus(t, what, w, http.StatusSeeOther)
	if loc := w.Header().Get("Location"); !strings.HasPrefix(loc, "/login?next=") {
		t.Fatalf("%s: to %q, want the login page", what, loc)
	}
}

// bluePNG is a valid seal picture of n×n pixels.
func bluePNG(t *testing.T, n int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	for i := range n {
		img.Set(i, i, color.NRGBA{B: 0xff, A: 0xff})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// sealForm is a good request for a new seal, changed by kv (name, value pairs).
func sealForm(kv ...string) url.Values {
	today := time.Now().In(time.FixedZone("CST", 8*3600))
	v := url.Values{"kind": {"finance"}, "name": {"福建省市场监督管理局财务专用章"}, "caption": {"财务专用章"},
		"algorithm": {string(keys.SM2)}, "valid_from": {today.Format(time.DateOnly)},
		"valid_to": {today.AddDate(2, 0, 0).Format(time.DateOnly)}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

var sealPathRE = regexp.MustCompile(`^/seals/(seal_[0-9a-f]+)\?done=requested$`)

// requestSeal asks for a seal through the form as login and returns its id.
func requestSeal(t *testing.T, s *site, login string, form url.Values) string {
	t.Helper()
	w := s.postMultipart("/seals", login, form, nil)
	wantStatus(t, "POST /seals as "+login, w, http.StatusSeeOther)
	m := sealPathRE.FindStringSubmatch(w.Header().Get("Location"))
	if m == nil {
		t.Fatalf("request landed on %q", w.Header().Get("Location"))
	}
	return m[1]
}

func TestSealPagesRoles(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newTrustSite(t, db)
		active := demoSeal(t, s, sm2SealName)
		pending := demoSeal(t, s, contractSealName)
		detail := "/seals/" + active.ID

		// The public goes to the login; a resident is refused; officials of another
		// organisation see their own (none) and nothing of the market regulator's.
		wantLogin(t, "GET /seals anonymous", s.get("/seals", ""))
		wantLogin(t, "GET seal anonymous", s.get(detail, ""))
		wantStatus(t, "GET /seals resident", s.get("/seals", resident), http.StatusForbidden)
		wantStatus(t, "GET seal resident", s.get(detail, resident), http.StatusForbidden)
		for _, login := range []string{gxt, miitApprove, miitSealer} {
			doc := parse(t, s.get("/seals", login))
			if n := count(t, doc, "#seals tbody tr"); n != 0 {
				t.Errorf("%s sees %d seals of other organisations", login, n)
			}
			one(t, doc, "#no-seals")
			if n := count(t, doc, `form[action="/seals"]`); n != 0 {
				t.Errorf("%s is offered the request form", login)
			}
			wantStatus(t, "GET seal as "+login, s.get(detail, login), http.StatusNotFound)
		}

		// Every official of the market regulator sees its three seals with their pictures.
		for _, login := range []string{scjWindow, scjAdmin, scjApprover, scjSealer} {
			doc := parse(t, s.get("/seals", login))
			if n := count(t, doc, "#seals tbody tr"); n != 3 {
				t.Errorf("%s sees %d seals, want 3", login, n)
			}
			row := one(t, doc, "#seal-"+active.ID)
			one(t, row, `img[src="/seals/`+active.ID+`/image.png"]`)
			if got := text(one(t, row, "code")); got != active.Code || len(got) != 14 {
				t.Errorf("code %q, want the 14 digits %q", got, active.Code)
			}
			if got := text(one(t, row, ".seal-status")); got != i18n.T(i18n.ZhHans, "trust.status.active") {
				t.Errorf("status %q", got)
			}
			// Only the administrator is offered the request form.
			if got, want := count(t, doc, `form[action="/seals"][enctype="multipart/form-data"]`), map[bool]int{true: 1}[login == scjAdmin]; got != want {
				t.Errorf("%s: %d request forms, want %d", login, got, want)
			}
		}
		// The digital office's officials see every organisation's seals, with a filter.
		doc := parse(t, s.get("/seals?org="+market, reviewer))
		if n := count(t, doc, "#seals tbody tr"); n != 3 {
			t.Errorf("the digital office sees %d of the market regulator's seals, want 3", n)
		}
		one(t, doc, `select#seals-org option[value="`+market+`"][selected]`)

		// Who sees which buttons on a pending seal.
		buttons := func(login, id string) (approve, revoke bool) {
			doc := parse(t, s.get("/seals/"+id, login))
			return count(t, doc, "#approve-button") == 1, count(t, doc, "#revoke-button") == 1
		}
		for _, c := range []struct {
			login           string
			approve, revoke bool
		}{{scjWindow, false, false}, {scjSealer, false, false}, {scjAdmin, false, false}, {scjApprover, true, false}} {
			if a, r := buttons(c.login, pending.ID); a != c.approve || r != c.revoke {
				t.Errorf("%s on the pending seal: approve %v revoke %v, want %v %v", c.login, a, r, c.approve, c.revoke)
			}
		}
		if a, r := buttons(scjAdmin, active.ID); a || !r {
			t.Errorf("administrator on the active seal: approve %v revoke %v", a, r)
		}
		if a, r := buttons(scjApprover, active.ID); a || r {
			t.Errorf("approver on the active seal: approve %v revoke %v", a, r)
		}

		// POSTs by those who may not.
		posts := []struct {
			path string
			form url.Values
		}{
			{"/seals/" + pending.ID + "/approve", url.Values{}},
			{"/seals/" + pending.ID + "/reject", url.Values{"reason": {"不需要"}}},
			{"/seals/" + active.ID + "/revoke", url.Values{"reason": {"superseded"}}},
			{"/seals/" + active.ID + "/revocation", url.Values{"decision": {"approve"}}},
		}
		before := s.lastAuditID()
		for _, p := range posts {
			wantStatus(t, "anonymous POST "+p.path, s.post(p.path, "", p.form), http.StatusUnauthorized)
			wantStatus(t, "resident POST "+p.path, s.post(p.path, resident, p.form), http.StatusForbidden)
			wantStatus(t, "other official POST "+p.path, s.post(p.path, gxt, p.form), http.StatusNotFound)
			wantStatus(t, "other approver POST "+p.path, s.post(p.path, miitApprove, p.form), http.StatusNotFound)
			wantStatus(t, "other seal user POST "+p.path, s.post(p.path, miitSealer, p.form), http.StatusNotFound)
			wantStatus(t, "seal user POST "+p.path, s.post(p.path, scjSealer, p.form), http.StatusForbidden)
		}
		wantStatus(t, "administrator approves", s.post(posts[0].path, scjAdmin, nil), http.StatusForbidden)
		wantStatus(t, "approver asks for revocation", s.post(posts[2].path, scjApprover, posts[2].form), http.StatusForbidden)
		for _, login := range []string{scjWindow, scjSealer, scjApprover, gxt, miitApprove} {
			wantStatus(t, "POST /seals as "+login, s.postMultipart("/seals", login, sealForm(), nil), http.StatusForbidden)
		}
		wantStatus(t, "POST /seals as the public", s.postMultipart("/seals", "", sealForm(), nil), http.StatusUnauthorized)
		wantStatus(t, "POST /seals as a resident", s.postMultipart("/seals", resident, sealForm(), nil), http.StatusForbidden)
		if got := s.auditSince(before); len(got) != 0 {
			t.Errorf("refused requests changed something: %v", got)
		}
		if sl := sealByID(t, s, pending.ID); sl.Status != seal.Pending {
			t.Errorf("pending seal is now %s", sl.Status)
		}

		// Cross-site posts are refused before anything happens.
		wantStatus(t, "cross-site approve", s.crossSite(posts[0].path, scjApprover, nil), http.StatusForbidden)
		wantStatus(t, "cross-site revoke", s.crossSite(posts[2].path, scjAdmin, posts[2].form), http.StatusForbidden)
		w := s.postMultipart("/seals", scjAdmin, sealForm(), nil, "Sec-Fetch-Site", "cross-site")
		wantStatus(t, "cross-site request", w, http.StatusForbidden)
		if got := s.auditSince(before); len(got) != 0 {
			t.Errorf("cross-site requests changed something: %v", got)
		}
		if sl := sealByID(t, s, pending.ID); sl.Status != seal.Pending {
			t.Errorf("pending seal is now %s", sl.Status)
		}
	})
}

func TestSealImage(t *testing.T) {
	t.Parallel()
	s := newTrustSite(t, storetest.Open(t, store.SQLite, storetest.Options{}))
	sl := demoSeal(t, s, ecdsaSealName)
	w := s.get("/seals/"+sl.ID+"/image.png", "")
	wantStatus(t, "seal picture", w, http.StatusOK)
	h := w.Header()
	if h.Get("Content-Type") != "image/png" || h.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(h.Get("Cache-Control"), "public") {
		t.Errorf("headers %v", h)
	}
	if _, err := png.Decode(bytes.NewReader(w.Body.Bytes())); err != nil {
		t.Errorf("not a PNG: %v", err)
	}
	r := httptest.NewRequest("GET", "/seals/"+sl.ID+"/image.png", nil)
	r.Header.Set("If-None-Match", h.Get("ETag"))
	if w := s.do(r, ""); w.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: %d, want 304", w.Code)
	}
	wantStatus(t, "unknown seal's picture", s.get("/seals/seal_nothing/image.png", ""), http.StatusNotFound)
}

func TestSealRequestForm(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newTrustSite(t, db)
		lang := i18n.ZhHans
		for _, c := range []struct {
			name   string
			form   url.Values
			files  []upload
			status int
			id     string
			key    string
			args   []any
		}{
			{"no name", sealForm("name", " "), nil, 400, "seal-name", "error.seal_name", nil},
			{"long caption", sealForm("caption", "一二三四五六七八九十一"), nil, 400, "seal-caption", "error.seal_caption", nil},
			{"no kind", sealForm("kind", "stamp"), nil, 400, "seal-kind", "error.seal_kind", nil},
			{"bad algorithm", sealForm("algorithm", "RSA"), nil, 400, "seal-algorithm", "error.seal_algorithm", nil},
			{"bad date", sealForm("valid_from", "2026-13-01"), nil, 400, "seal-valid_from", "trust.seals.error.date", nil},
			{"end before start", sealForm("valid_to", "2020-01-01"), nil, 400, "seal-valid_to", "error.seal_validity", nil},
			{"too long", sealForm("valid_to", time.Now().AddDate(6, 0, 0).Format(time.DateOnly)), nil, 400, "seal-valid_to", "error.seal_validity_long", nil},
			{"not a PNG", sealForm(), []upload{{"image", "seal.png", []byte("GIF89a not a png")}}, 400, "seal-image", "error.seal_image_format", nil},
			{"tiny PNG", sealForm(), []upload{{"image", "seal.png", bluePNG(t, 16)}}, 400, "seal-image", "error.seal_image_dimensions", nil},
			{"huge PNG", sealForm(), []upload{{"image", "seal.png", bytes.Repeat([]byte("x"), seal.MaxImageBytes+1)}}, 413, "seal-image", "error.seal_image_size", nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				before := s.lastAuditID()
				w := s.postMultipart("/seals", scjAdmin, c.form, c.files)
				wantStatus(t, c.name, w, c.status)
				doc := parse(t, w)
				checkFieldError(t, doc, c.id, i18n.T(lang, c.key, c.args...))
				// What was typed stays in the form.
				if v, _ := attr(one(t, doc, "#seal-name"), "value"); v != strings.TrimSpace(c.form.Get("name")) && c.name != "no name" {
					t.Errorf("name %q not kept", v)
				}
				if got := s.auditSince(before); len(got) != 0 {
					t.Errorf("a refused request changed something: %v", got)
				}
			})
		}

		// A good request with a picture of its own: pending, with who asked.
		img := bluePNG(t, 128)
		w := s.postMultipart("/seals", scjAdmin, sealForm(), []upload{{"image", "财务章.png", img}})
		wantStatus(t, "request with a picture", w, http.StatusSeeOther)
		id := sealPathRE.FindStringSubmatch(w.Header().Get("Location"))[1]
		sl := sealByID(t, s, id)
		if sl.Status != seal.Pending || sl.Kind != seal.Finance || sl.Org != market || sl.RequestedBy != "official:"+scjAdmin {
			t.Errorf("requested %+v", sl)
		}
		// The seal is valid through the whole of its last day, China time.
		if h := sl.ValidTo.In(time.FixedZone("CST", 8*3600)); h.Hour() != 0 || h.Minute() != 0 {
			t.Errorf("valid to %v, want midnight China time", h)
		}
		if got := s.get("/seals/"+id+"/image.png", scjAdmin).Body.Bytes(); !bytes.Equal(got, img) {
			t.Error("the uploaded picture is not the seal's")
		}
		// A pending seal's picture is for its officials, not for anyone.
		wantStatus(t, "pending picture to anyone", s.get("/seals/"+id+"/image.png", ""), http.StatusNotFound)
		doc := parse(t, s.get(w.Header().Get("Location"), scjAdmin))
		if got := text(one(t, doc, "#done")); got != i18n.T(lang, "trust.seal.done_requested") {
			t.Errorf("notice %q", got)
		}
		if got := text(one(t, doc, "#requested")); !strings.Contains(got, scjAdmin) {
			t.Errorf("requested by %q", got)
		}
		// An organisation's administrator asks for their own organisation only.
		if sl := sealByID(t, s, requestSeal(t, s, scjAdmin, sealForm("org", "fj-miit"))); sl.Org != market {
			t.Errorf("the market regulator's administrator asked for a seal of %s", sl.Org)
		}
		// The digital office's administrator asks for any organisation.
		if sl := sealByID(t, s, requestSeal(t, s, "szb.admin", sealForm("org", "fj-miit", "name", "福建省工业和信息化厅"))); sl.Org != "fj-miit" {
			t.Errorf("the digital office asked for a seal of %s", sl.Org)
		}
	})
}

// TestSealTwoPersonRule walks a seal through its life on the pages: asked for and refused to
// the same person, approved by another, revocation asked for, refused to the same person,
// refused by another, asked again and approved.
func TestSealTwoPersonRule(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newTrustSite(t, db)
		lang := i18n.En
		id := requestSeal(t, s, scjBoth, sealForm("algorithm", string(keys.ECDSAP256)))
		path := "/seals/" + id

		// The requester sees why they cannot decide, and is refused when they try.
		doc := parse(t, s.get(path+"?lang=en", scjBoth))
		if got := text(one(t, doc, "#own-request")); got != i18n.T(lang, "trust.seal.own_request") {
			t.Errorf("own-request notice %q", got)
		}
		before := s.lastAuditID()
		w := s.post(path+"/approve", scjBoth, nil, &http.Cookie{Name: i18n.CookieName, Value: "en"})
		wantStatus(t, "self-approval", w, http.StatusForbidden)
		if got := alertText(t, parse(t, w)); got != i18n.T(lang, "error.seal_same_person") {
			t.Errorf("alert %q, want the two-person rule", got)
		}
		// The page sent back switches language and type size on the seal's own page.
		doc = parse(t, w)
		one(t, doc, `a[hreflang="zh-Hant"][href="`+path+`?lang=zh-Hant"]`)
		one(t, doc, `form[action="/prefs/large-type"] input[name="back"][value="`+path+`"]`)
		w = s.post(path+"/reject", scjBoth, url.Values{"reason": {"算了"}})
		wantStatus(t, "self-rejection", w, http.StatusForbidden)
		if got := s.auditSince(before); len(got) != 0 {
			t.Errorf("a refused decision changed something: %v", got)
		}

		// Another approver approves: the seal is active, with a certificate.
		w = s.post(path+"/approve", scjApprover, nil)
		wantStatus(t, "approval", w, http.StatusSeeOther)
		if loc := w.Header().Get("Location"); loc != path+"?done=approved" {
			t.Errorf("to %q", loc)
		}
		sl := sealByID(t, s, id)
		if sl.Status != seal.Active || sl.CertSerial == nil {
			t.Fatalf("after approval: %+v", sl)
		}
		doc = parse(t, s.get(path, scjAdmin))
		if got := text(one(t, doc, "#decided")); !strings.Contains(got, scjApprover) {
			t.Errorf("decided %q", got)
		}
		one(t, doc, `#certificate a[href="/pki/certs/`+*sl.CertSerial+`?format=pem"]`)
		if w := s.get("/pki/certs/"+*sl.CertSerial+"?format=pem", ""); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "BEGIN CERTIFICATE") {
			t.Errorf("certificate link: %d", w.Code)
		}
		// Approving again is a conflict, said on the page.
		w = s.post(path+"/approve", scjApprover, nil)
		wantStatus(t, "second approval", w, http.StatusConflict)
		if got := alertText(t, parse(t, w)); got != i18n.T(i18n.ZhHans, "error.seal_already_decided") {
			t.Errorf("alert %q", got)
		}

		// Revocation: a reason from the list, then the same two-person rule.
		w = s.post(path+"/revoke", scjBoth, url.Values{"reason": {"bogus"}})
		wantStatus(t, "bad reason", w, http.StatusBadRequest)
		checkFieldError(t, parse(t, w), "revoke-reason", i18n.T(i18n.ZhHans, "error.seal_revocation_reason"))
		wantStatus(t, "revocation request", s.post(path+"/revoke", scjBoth, url.Values{"reason": {"superseded"}, "note": {"新章已启用"}}), http.StatusSeeOther)
		doc = parse(t, s.get(path, scjApprover))
		if got, want := text(one(t, doc, "#fact-revoke-reason")), i18n.T(i18n.ZhHans, "trust.reason.superseded")+"（新章已启用）"; got != want {
			t.Errorf("revocation reason %q, want %q", got, want)
		}
		one(t, doc, "#revoke-approve")
		w = s.post(path+"/revocation", scjBoth, url.Values{"decision": {"approve"}})
		wantStatus(t, "self-revocation", w, http.StatusForbidden)
		if got := alertText(t, parse(t, w)); got != i18n.T(i18n.ZhHans, "error.seal_same_person") {
			t.Errorf("alert %q", got)
		}
		wantStatus(t, "no decision", s.post(path+"/revocation", scjApprover, url.Values{"decision": {"maybe"}}), http.StatusBadRequest)
		wantStatus(t, "refusal", s.post(path+"/revocation", scjApprover, url.Values{"decision": {"refuse"}}), http.StatusSeeOther)
		if sl := sealByID(t, s, id); sl.Status != seal.Active {
			t.Fatalf("after refusal: %s", sl.Status)
		}
		wantStatus(t, "revocation request again", s.post(path+"/revoke", scjAdmin, url.Values{"reason": {"keyCompromise"}}), http.StatusSeeOther)
		before = s.lastAuditID()
		w = s.post(path+"/revocation", scjBoth, url.Values{"decision": {"approve"}})
		wantStatus(t, "another approver revokes", w, http.StatusSeeOther)
		if loc := w.Header().Get("Location"); loc != path+"?done=revoked" {
			t.Errorf("to %q", loc)
		}
		if sl := sealByID(t, s, id); sl.Status != seal.Revoked {
			t.Fatalf("after revocation: %s", sl.Status)
		}
		if got := s.auditSince(before); !strings.Contains(strings.Join(got, " "), "seal.revoke") {
			t.Errorf("audit %v", got)
		}
		doc = parse(t, s.get(path, scjAdmin))
		if got := text(one(t, doc, "#revoked")); !strings.Contains(got, scjBoth) {
			t.Errorf("revoked %q", got)
		}
		if n := count(t, doc, "#revoke-button"); n != 0 {
			t.Error("a revoked seal offers revocation")
		}
	})
}

func TestSealReject(t *testing.T) {
	t.Parallel()
	s := newTrustSite(t, storetest.Open(t, store.SQLite, storetest.Options{}))
	pending := demoSeal(t, s, contractSealName)
	path := "/seals/" + pending.ID
	w := s.post(path+"/reject", scjApprover, url.Values{"reason": {"  "}})
	wantStatus(t, "rejection without reason", w, http.StatusBadRequest)
	checkFieldError(t, parse(t, w), "reject-reason", i18n.T(i18n.ZhHans, "error.seal_reason"))
	wantStatus(t, "rejection", s.post(path+"/reject", scjApprover, url.Values{"reason": {"合同章暂不需要"}}), http.StatusSeeOther)
	doc := parse(t, s.get(path, scjAdmin))
	if got := text(one(t, doc, "#fact-reject-reason")); got != "合同章暂不需要" {
		t.Errorf("reason %q", got)
	}
	if got := text(one(t, doc, "#status")); got != i18n.T(i18n.ZhHans, "trust.status.rejected") {
		t.Errorf("status %q", got)
	}
}

// TestTrustPagesInEveryLanguage renders each trust page in each language, in large type, and
// checks the shell.
func TestTrustPagesInEveryLanguage(t *testing.T) {
	t.Parallel()
	s := newTrustSite(t, storetest.Open(t, store.SQLite, storetest.Options{}))
	sl := demoSeal(t, s, sm2SealName)
	large := &http.Cookie{Name: "large_type", Value: "1"}
	pages := []struct{ path, as, h1 string }{
		{"/seals", scjAdmin, "trust.seals.title"},
		{"/seals/" + sl.ID, scjApprover, ""},
		{"/sign", scjSealer, "trust.sign.title"},
		{"/verify", "", "trust.verify.title"},
		{"/ledger", "", "trust.ledger.title"},
		{"/ledger", gxt, "trust.ledger.title"},
		{"/ledger/entries/0", "", ""},
	}
	for _, lang := range i18n.All {
		for _, p := range pages {
			t.Run(string(lang)+p.path+"/"+p.as, func(t *testing.T) {
				w := s.get(p.path+"?lang="+string(lang), p.as, large)
				wantStatus(t, p.path, w, http.StatusOK)
				doc := parse(t, w)
				if got, _ := attr(one(t, doc, "html"), "lang"); got != string(lang) {
					t.Errorf("lang %q", got)
				}
				if got, _ := attr(one(t, doc, "html"), "class"); got != "large-type" {
					t.Errorf("html class %q, want large-type", got)
				}
				if n := count(t, doc, "main h1"); n != 1 {
					t.Errorf("%d h1 in main", n)
				}
				if p.h1 != "" {
					if got := text(one(t, doc, "h1")); got != i18n.T(lang, p.h1) {
						t.Errorf("h1 %q, want %q", got, i18n.T(lang, p.h1))
					}
				}
				one(t, doc, `link[rel="stylesheet"][href="/static/css/trust.css"]`)
				// Every table scrolls in its own focusable, named region on a narrow screen.
				for _, tbl := range queryAll(t, doc, "main table") {
					if p := tbl.Parent; p == nil || !strings.Contains(attrOr(p, "class"), "table-scroll") || attrOr(p, "tabindex") != "0" {
						t.Errorf("table #%s is not in a scrolling region", attrOr(tbl, "id"))
					}
				}
				// The navigation offers the trust pages to whoever may use them.
				nav := one(t, doc, `header nav[aria-label="`+i18n.T(lang, "shell.nav_label")+`"]`)
				for href, want := range map[string]bool{"/verify": true, "/ledger": true, "/seals": p.as != "", "/sign": p.as == scjSealer} {
					links := queryAll(t, nav, `a[href="`+href+`"]`)
					if got := len(links) == 1; got != want {
						t.Errorf("navigation: %s shown %v, want %v", href, got, want)
					}
					if want && (attrOr(links[0], "aria-current") == "page") != (href == p.path) {
						t.Errorf("navigation: %s aria-current %q on %s", href, attrOr(links[0], "aria-current"), p.path)
					}
				}
			})
		}
	}
}

// TestTrustMessageKeys checks that every key the trust pages build from a value exists, and
// every trust.* key their code and templates name.
func TestTrustMessageKeys(t *testing.T) {
	t.Parallel()
	var keysWanted []string
	for _, k := range seal.Kinds {
		keysWanted = append(keysWanted, "trust.kind."+string(k))
	}
	for _, st := range []seal.Status{seal.Pending, seal.Rejected, seal.Active, seal.RevocationPending, seal.Revoked} {
		keysWanted = append(keysWanted, "trust.status."+string(st))
	}
	for _, a := range []keys.Algorithm{keys.SM2, keys.ECDSAP256} {
		keysWanted = append(keysWanted, "trust.algorithm."+string(a), "trust.algorithm_hint."+string(a))
	}
	for _, r := range seal.RevocationReasons {
		keysWanted = append(keysWanted, "trust.reason."+r)
	}
	for _, f := range []sign.Format{sign.FormatCMS, sign.FormatPDF, sign.FormatSES} {
		keysWanted = append(keysWanted, "trust.format."+string(f), "trust.verify.format."+string(f))
	}
	for _, st := range []string{sign.StatusGood, sign.StatusRevoked, sign.StatusUnknown} {
		keysWanted = append(keysWanted, "trust.verify.status."+st, "trust.cert_status."+st)
	}
	for _, ty := range ledger.Types {
		keysWanted = append(keysWanted, "trust.ledger_type."+string(ty))
	}
	files, _ := filepath.Glob("templates/trust/*.html")
	for _, f := range []string{"seal_pages.go", "sign_pages.go", "ledger_pages.go"} {
		files = append(files, f)
	}
	literal := regexp.MustCompile(`"((?:trust|nav)\.[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])"`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			keysWanted = append(keysWanted, m[1])
		}
	}
	if len(keysWanted) < 100 {
		t.Fatalf("found only %d keys; is the test running in internal/web?", len(keysWanted))
	}
	for _, k := range keysWanted {
		if !i18n.Has(k) {
			t.Errorf("message key %q is missing", k)
		}
	}
}
