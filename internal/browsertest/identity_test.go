package browsertest

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/i18n"
)

// The demo residents (internal/demo): a level-2 citizen, the demo enterprise's legal
// representative, its agent, and a Taiwan resident registered with a travel permit.
var (
	citizen   = demo.Residents[0].Phone
	owner     = demo.Residents[1].Phone
	agentTel  = demo.Residents[2].Phone
	taiwanTel = demo.Residents[3].Phone
)

var sixDigits = regexp.MustCompile(`[0-9]{6}`)

// outboxCode reads the newest one-time code sent to phone from the development outbox, as a
// developer would on /dev/outbox.
func outboxCode(t *testing.T, s *site, phone string) string {
	t.Helper()
	list, err := s.App.Identity.Outbox(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list {
		if m.Recipient == phone {
			if c := sixDigits.FindString(m.Body); c != "" {
				return c
			}
		}
	}
	t.Fatalf("no code for %s in the outbox", phone)
	return ""
}

// alerts is the text of every role=alert on the page.
func alerts(t *testing.T, ctx context.Context) string {
	t.Helper()
	return eval[string](t, ctx, `[...document.querySelectorAll('[role="alert"]')].map(e => e.textContent.trim()).join(" | ")`)
}

// loginWithCode signs the tab in with a one-time code sent to phone, landing on next.
func loginWithCode(t *testing.T, ctx context.Context, s *site, axe, phone, next string, lang i18n.Lang) {
	t.Helper()
	open(t, ctx, s.page("/login", lang)+"&next="+next)
	// The login page's second tab leads to the text-message login.
	if status := submit(t, ctx, `main nav.tabs a[href^="/login/code"]`); status != 200 {
		t.Fatalf("code login page: %d", status)
	}
	checkShell(t, ctx, lang)
	checkAxe(t, ctx, axe)
	fill(t, ctx, "#code-phone", phone)
	if status := submit(t, ctx, `main form[action="/login/code"] button[value="send"]:not([hidden])`); status != 200 {
		t.Fatalf("send code: %d (%s)", status, alerts(t, ctx))
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('#code-sent[role="status"]').length`); n != 1 {
		t.Fatalf("no notice that the code was sent; alerts: %s", alerts(t, ctx))
	}
	checkAxe(t, ctx, axe) // with the notice
	// A wrong code is said beside the field.
	fill(t, ctx, "#code-code", "000000")
	if status := submit(t, ctx, `main form[action="/login/code"] button.primary`); status != 400 {
		t.Fatalf("wrong code: status %d", status)
	}
	if got := eval[string](t, ctx, `document.getElementById('code-code').getAttribute('aria-describedby') || ""`); got != "code-code-error" {
		t.Errorf("the code field is described by %q", got)
	}
	checkAxe(t, ctx, axe) // with the error
	fill(t, ctx, "#code-code", outboxCode(t, s, phone))
	if status := submit(t, ctx, `main form[action="/login/code"] button.primary`); status != 200 {
		t.Fatalf("sign in with the code: status %d (%s)", status, alerts(t, ctx))
	}
	if got := eval[string](t, ctx, `location.pathname`); got != next {
		t.Fatalf("code login landed on %s, want %s", got, next)
	}
}

// TestIdentityPagesAccessible walks the identity pages people use in each language — the
// registration and login pages, login with a text-message code, the account, tokens and
// enterprise (agent authorisation) pages — in their plain, confirmed and failed states, and
// checks each with axe-core.
func TestIdentityPagesAccessible(t *testing.T) {
	t.Parallel()
	axe := Axe(t)
	b := Shared(t)
	s := startSite(t)
	// One phone per language: a phone receives one code a minute.
	phones := map[i18n.Lang]string{i18n.ZhHans: citizen, i18n.ZhHant: taiwanTel, i18n.En: agentTel}
	for _, lang := range i18n.All {
		t.Run(string(lang), func(t *testing.T) {
			t.Parallel()
			ctx := b.NewTab(t)

			t.Run("register", func(t *testing.T) {
				if status := open(t, ctx, s.page("/register", lang)); status != 200 {
					t.Fatalf("GET /register: %d", status)
				}
				checkShell(t, ctx, lang)
				checkAxe(t, ctx, axe)
				// A bad phone number: the error beside the field.
				fill(t, ctx, "#reg-phone", "12345")
				if status := submit(t, ctx, `main form[action="/register"] button[value="send"]:not([hidden])`); status != 400 {
					t.Fatalf("send to a bad number: %d", status)
				}
				if got, want := alerts(t, ctx), i18n.T(lang, "identity.error.phone"); got != want {
					t.Errorf("alert %q, want %q", got, want)
				}
				checkAxe(t, ctx, axe)
			})

			t.Run("login", func(t *testing.T) {
				if status := open(t, ctx, s.page("/login", lang)); status != 200 {
					t.Fatalf("GET /login: %d", status)
				}
				checkShell(t, ctx, lang)
				checkAxe(t, ctx, axe)
				fill(t, ctx, "#login", owner)
				fill(t, ctx, "#password", "not-the-password")
				if status := submit(t, ctx, `main form[action="/login"] button[type=submit]`); status != 401 {
					t.Fatalf("wrong password: %d", status)
				}
				checkAxe(t, ctx, axe)
			})

			t.Run("login-with-code", func(t *testing.T) {
				loginWithCode(t, ctx, s, axe, phones[lang], "/account", lang)
			})

			t.Run("account", func(t *testing.T) {
				checkShell(t, ctx, lang)
				if got := eval[string](t, ctx, `(document.getElementById('account-phone') || {}).textContent || ""`); !strings.Contains(got, "****") {
					t.Errorf("phone shown as %q", got)
				}
				checkAxe(t, ctx, axe)
			})

			t.Run("tokens", func(t *testing.T) {
				if status := open(t, ctx, s.page("/account/tokens", lang)); status != 200 {
					t.Fatalf("GET /account/tokens: %d", status)
				}
				checkShell(t, ctx, lang)
				checkAxe(t, ctx, axe)
				fill(t, ctx, "#tok-name", "browser test")
				if status := submit(t, ctx, `main form[action="/account/tokens"] button[type=submit]`); status != 201 {
					t.Fatalf("create token: %d (%s)", status, alerts(t, ctx))
				}
				if got := eval[string](t, ctx, `document.getElementById('new-token').value`); !strings.HasPrefix(got, "ywpat_") {
					t.Errorf("token shown as %q", got)
				}
				checkAxe(t, ctx, axe) // with the token shown once and the list
			})

			t.Run("enterprises", func(t *testing.T) {
				logout(t, ctx)
				login(t, ctx, s, owner, "/enterprises", lang)
				checkShell(t, ctx, lang)
				if n := eval[int](t, ctx, `document.querySelectorAll('form[action$="/agents"] input[name="scopes"]').length`); n == 0 {
					t.Fatal("no agent authorisation form")
				}
				checkAxe(t, ctx, axe)
				// An authorisation without a scope is refused beside the scopes.
				form := `form[action$="/agents"]`
				fill(t, ctx, form+` input[name="agent"]`, citizen)
				setDate(t, ctx, form+` input[name="valid_until"]`, time.Now().AddDate(0, 6, 0))
				if status := submit(t, ctx, form+` button[type=submit]`); status != 400 {
					t.Fatalf("authorise without scopes: %d (%s)", status, alerts(t, ctx))
				}
				if got, want := alerts(t, ctx), i18n.T(lang, "error.required"); got != want {
					t.Errorf("alert %q, want %q", got, want)
				}
				checkAxe(t, ctx, axe)
				logout(t, ctx)
			})
		})
	}
}

// setDate sets the date input sel to d. Typing into a date input depends on the browser's
// locale, not the page's, so the value is set as a date picker would.
func setDate(t *testing.T, ctx context.Context, sel string, d time.Time) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(sel), d.Format(time.DateOnly))); err != nil {
		t.Fatalf("set %s: %v", sel, err)
	}
}

// TestRegisterAndAuthoriseInBrowser registers a new resident through the form (with the code
// from the outbox), whom the demo enterprise's owner then authorises as an agent; the agent acts
// for the enterprise, sees it named in the header, and returns to themselves.
func TestRegisterAndAuthoriseInBrowser(t *testing.T) {
	t.Parallel()
	axe := Axe(t)
	b := Shared(t)
	s := startSite(t)
	const lang = i18n.ZhHans
	reg := demo.PopulationRegistry()
	person := reg[len(reg)-1]
	const phone = "13912345678"
	ctx := b.NewTab(t)

	open(t, ctx, s.page("/register", lang))
	fill(t, ctx, "#reg-phone", phone)
	if status := submit(t, ctx, `button[value="send"]:not([hidden])`); status != 200 {
		t.Fatalf("send code: %d (%s)", status, alerts(t, ctx))
	}
	fill(t, ctx, "#reg-code", outboxCode(t, s, phone))
	fill(t, ctx, "#reg-name", person.Name)
	fill(t, ctx, "#reg-id_number", person.IDNumber)
	fill(t, ctx, "#reg-password", "my-own-password-1")
	fill(t, ctx, "#reg-password_confirm", "my-own-password-1")
	if status := submit(t, ctx, `main form[action="/register"] button.primary`); status != 200 {
		t.Fatalf("register: %d (%s)", status, alerts(t, ctx))
	}
	if got := eval[string](t, ctx, `location.pathname`); got != "/account" {
		t.Fatalf("registration landed on %s", got)
	}
	if got, want := eval[string](t, ctx, `document.getElementById('account-level').textContent`), i18n.T(lang, "identity.level.2"); got != want {
		t.Errorf("level %q, want %q", got, want)
	}
	checkAxe(t, ctx, axe)
	logout(t, ctx)

	// The owner authorises the new resident by phone.
	login(t, ctx, s, owner, "/enterprises", lang)
	form := `form[action$="/agents"]`
	fill(t, ctx, form+` input[name="agent"]`, phone)
	if err := chromedpClick(ctx, form+` input[name="scopes"][value="licences"]`); err != nil {
		t.Fatal(err)
	}
	setDate(t, ctx, form+` input[name="valid_until"]`, time.Now().AddDate(1, 0, 0))
	if status := submit(t, ctx, form+` button[type=submit]`); status != 200 {
		t.Fatalf("authorise: %d (%s)", status, alerts(t, ctx))
	}
	if !eval[bool](t, ctx, fmt.Sprintf(`[...document.querySelectorAll('table.agents tbody tr')].some(r => r.textContent.includes(%q))`, person.Name)) {
		t.Errorf("the new agent is not listed")
	}
	checkAxe(t, ctx, axe)
	logout(t, ctx)

	// The agent acts for the enterprise: the header says so on every page, until they return.
	open(t, ctx, s.page("/login", lang)+"&next=/enterprises")
	fill(t, ctx, "#login", phone)
	fill(t, ctx, "#password", "my-own-password-1")
	if status := submit(t, ctx, `main form[action="/login"] button[type=submit]`); status != 200 {
		t.Fatalf("the new agent signs in: %d (%s)", status, alerts(t, ctx))
	}
	if err := chromedpSelect(ctx, "#acting-credit_code", demo.DemoEnterprise.CreditCode); err != nil {
		t.Fatal(err)
	}
	if status := submit(t, ctx, `main form[action="/acting-for"] button[type=submit]`); status != 200 {
		t.Fatalf("act for: %d", status)
	}
	open(t, ctx, s.page("/", lang))
	if got, want := eval[string](t, ctx, `(document.getElementById('acting-for') || {}).textContent || ""`), i18n.T(lang, "acting.banner", demo.DemoEnterprise.Name); got != want {
		t.Errorf("header says %q, want %q", got, want)
	}
	checkAxe(t, ctx, axe)
	if status := submit(t, ctx, `header .acting-for button`); status != 200 {
		t.Fatalf("return: %d", status)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('.acting-for').length`); n != 0 {
		t.Errorf("the acting-for banner stays after returning")
	}
}

// TestTOTPInBrowser turns on two-step verification from the account page (scanning is replaced
// by reading the key), then signs in with password and the authenticator code.
func TestTOTPInBrowser(t *testing.T) {
	t.Parallel()
	axe := Axe(t)
	b := Shared(t)
	s := startSite(t)
	const lang = i18n.ZhHans
	ctx := b.NewTab(t)
	login(t, ctx, s, citizen, "/account", lang)
	if status := submit(t, ctx, `form[action="/account/totp"] button`); status != 200 {
		t.Fatalf("begin TOTP: %d", status)
	}
	if !eval[bool](t, ctx, `(() => { const i = document.querySelector('figure.qr img'); return i !== null && i.complete && i.naturalWidth > 0; })()`) {
		t.Error("the QR code does not show")
	}
	checkAxe(t, ctx, axe)
	secret := eval[string](t, ctx, `document.getElementById('totp-secret').textContent`)
	now := time.Now()
	code, err := totp.GenerateCode(secret, now)
	if err != nil {
		t.Fatal(err)
	}
	fill(t, ctx, "#totpform-code", code)
	if status := submit(t, ctx, `form[action="/account/totp/confirm"] button`); status != 200 {
		t.Fatalf("confirm TOTP: %d (%s)", status, alerts(t, ctx))
	}
	logout(t, ctx)

	open(t, ctx, s.page("/login", lang)+"&next=/account")
	fill(t, ctx, "#login", citizen)
	fill(t, ctx, "#password", demo.Password)
	if status := submit(t, ctx, `main form[action="/login"] button[type=submit]`); status != 200 {
		t.Fatalf("password step: %d", status)
	}
	if got := eval[string](t, ctx, `location.pathname`); got != "/login/totp" {
		t.Fatalf("the password step led to %s", got)
	}
	checkShell(t, ctx, lang)
	checkAxe(t, ctx, axe)
	if eval[bool](t, ctx, `document.cookie.includes("yiwang_pending")`) {
		t.Error("script can read the pending login")
	}
	// The next step's code: the one used to turn TOTP on cannot be replayed.
	next, err := totp.GenerateCode(secret, now.Add(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	fill(t, ctx, "#totp-code", next)
	if status := submit(t, ctx, `main form[action="/login/totp"] button[type=submit]`); status != 200 {
		t.Fatalf("TOTP step: %d (%s)", status, alerts(t, ctx))
	}
	if got := eval[string](t, ctx, `location.pathname`); got != "/account" {
		t.Errorf("signed in on %s, want /account", got)
	}
}

// chromedpClick clicks the element sel (a checkbox, say) without waiting for a page.
func chromedpClick(ctx context.Context, sel string) error {
	return chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel)))
}

// chromedpSelect chooses the option with value v of the select sel.
func chromedpSelect(ctx context.Context, sel, v string) error {
	return chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(sel), v))
}
