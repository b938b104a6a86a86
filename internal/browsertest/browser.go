// Package browsertest drives Yiwang's pages in headless Chromium and checks them with axe-core.
//
// The tests of this package start the whole platform (internal/app) on a fresh database and
// one Chromium per test binary; each test opens its own tabs in fresh browser contexts, so that
// cookies (session, language, large type) never leak between tests. When Chromium or axe-core
// is missing the tests skip, unless CI=true, where they fail: a CI run must not pass by testing
// nothing.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ChromiumEnv names the environment variable that overrides the Chromium binary.
const ChromiumEnv = "YIWANG_CHROMIUM"

// DefaultChromium is Debian's Chromium, the browser the design brief names.
const DefaultChromium = "/usr/bin/chromium"

// TabTimeout bounds everything one tab does, so that a page that never loads fails the test
// instead of hanging it until the test binary's own timeout. It is generous: a tab of the
// accessibility test runs axe-core on six pages, on CI machines that may be busy.
const TabTimeout = 2 * time.Minute

// ChromiumPath returns the Chromium binary the tests use: $YIWANG_CHROMIUM, else
// DefaultChromium.
func ChromiumPath() string {
	if p := os.Getenv(ChromiumEnv); p != "" {
		return p
	}
	return DefaultChromium
}

// Unavailable skips t because something the browser tests need is missing — or fails it when
// CI=true, where a missing browser must not turn into a green run.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (CI=true: browser tests are mandatory)", msg)
	}
	t.Skipf("%s; skipping browser test", msg)
}

// Browser is one running headless Chromium. Tabs opened with NewTab share its process but not
// its cookies or storage.
type Browser struct {
	ctx         context.Context // the browser's first tab; it owns the process
	cancel      context.CancelFunc
	cancelAlloc context.CancelFunc
	dir         string
}

// allocatorOptions are exactly the flags the design brief gives: headless, no sandbox (the
// tests run as root in containers), no GPU, nothing that phones home or syncs, a fresh profile.
// chromedp's DefaultExecAllocatorOptions are deliberately not used: they add some twenty more
// flags, and DisableGPU/Headless helpers add flags of their own.
func allocatorOptions(execPath, profileDir string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(execPath),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profileDir),
	}
}

// Start launches Chromium at execPath with a fresh temporary profile and waits until it
// answers. The browser lives until Close.
func Start(execPath string) (_ *Browser, err error) {
	dir, err := os.MkdirTemp("", "yiwang-chromium-")
	if err != nil {
		return nil, err
	}
	b := &Browser{dir: dir}
	var allocCtx context.Context
	allocCtx, b.cancelAlloc = chromedp.NewExecAllocator(context.Background(), allocatorOptions(execPath, dir)...)
	b.ctx, b.cancel = chromedp.NewContext(allocCtx)
	defer func() {
		if err != nil {
			b.Close()
		}
	}()
	// The first Do starts the process; its context must carry no deadline (it would end the
	// browser), so the wait for start-up is bounded from outside.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(b.ctx) }()
	select {
	case err := <-started:
		if err != nil {
			return nil, fmt.Errorf("start %s: %w", execPath, err)
		}
	case <-time.After(30 * time.Second):
		return nil, fmt.Errorf("start %s: no answer after 30s", execPath)
	}
	return b, nil
}

// Close stops the browser and removes its profile.
func (b *Browser) Close() error {
	if b.cancel != nil {
		b.cancel()
	}
	if b.cancelAlloc != nil {
		b.cancelAlloc()
	}
	return os.RemoveAll(b.dir)
}

// NewTab opens a tab in a fresh browser context (no cookies, no storage) and closes it when t
// ends. Everything run on the returned context is bounded by TabTimeout.
func (b *Browser) NewTab(t testing.TB) context.Context {
	t.Helper()
	tabCtx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// Open the tab now, without a deadline: the first Run on a context binds the tab's life
	// to that call's context.
	if err := chromedp.Do(tabCtx); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	ctx, cancelTimeout := context.WithTimeout(tabCtx, TabTimeout)
	t.Cleanup(cancelTimeout)
	return ctx
}

var shared struct {
	once    sync.Once
	browser *Browser
	err     error
	missing error
}

// Shared returns the browser all tests of the binary share, starting it on first use. It skips
// t (fails it when CI=true) if the Chromium binary is missing; it fails t if Chromium is there
// but does not start. Call CloseShared from TestMain after the tests ran.
func Shared(t testing.TB) *Browser {
	t.Helper()
	shared.once.Do(func() {
		path := ChromiumPath()
		if _, err := exec.LookPath(path); err != nil {
			shared.missing = fmt.Errorf("no Chromium at %s (set $%s): %w", path, ChromiumEnv, err)
			return
		}
		shared.browser, shared.err = Start(path)
	})
	switch {
	case shared.missing != nil:
		Unavailable(t, "%v", shared.missing)
	case shared.err != nil:
		t.Fatalf("browser: %v", shared.err)
	}
	return shared.browser
}

// CloseShared stops the shared browser if one was started.
func CloseShared() error {
	if shared.browser == nil {
		return nil
	}
	return shared.browser.Close()
}
