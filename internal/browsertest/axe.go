package browsertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// AxePath is where `npm ci` at the repository root installs axe-core.
const AxePath = "node_modules/axe-core/axe.min.js"

// RepoRoot returns the directory holding go.mod, walking up from the working directory.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

var axeSource struct {
	once sync.Once
	src  string
	err  error
}

// Axe returns axe-core's source, read once from AxePath under the repository root. It skips t
// (fails it when CI=true) when axe-core is not installed.
func Axe(t testing.TB) string {
	t.Helper()
	axeSource.once.Do(func() {
		root, err := RepoRoot()
		if err != nil {
			axeSource.err = err
			return
		}
		b, err := os.ReadFile(filepath.Join(root, AxePath))
		if err != nil {
			axeSource.err = fmt.Errorf("axe-core not installed (run `npm ci --no-audit --no-fund` at the repository root): %w", err)
			return
		}
		axeSource.src = string(b)
	})
	if axeSource.err != nil {
		Unavailable(t, "%v", axeSource.err)
	}
	return axeSource.src
}

// Violation is one axe-core rule a page breaks, with the elements that break it.
type Violation struct {
	ID      string    `json:"id"`
	Impact  string    `json:"impact"`
	Help    string    `json:"help"`
	HelpURL string    `json:"helpUrl"`
	Nodes   []AxeNode `json:"nodes"`
}

// AxeNode is an element that breaks a rule. Target is axe's selector path: strings, or nested
// lists for elements inside shadow roots and frames.
type AxeNode struct {
	Target         []any  `json:"target"`
	HTML           string `json:"html"`
	FailureSummary string `json:"failureSummary"`
}

// Blocking reports whether v must fail a page: impact serious or critical.
func (v Violation) Blocking() bool { return v.Impact == "serious" || v.Impact == "critical" }

// String says which rule, why, and where, one offending element per line.
func (v Violation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s [%s]: %s (%s)", v.ID, v.Impact, v.Help, v.HelpURL)
	for _, n := range v.Nodes {
		fmt.Fprintf(&b, "\n    %v  %s", n.Target, n.HTML)
		if s := strings.TrimSpace(n.FailureSummary); s != "" {
			fmt.Fprintf(&b, "\n      %s", strings.ReplaceAll(s, "\n", "\n      "))
		}
	}
	return b.String()
}

// RunAxe injects axe-core (src, from Axe) into the page the tab shows, unless it is there
// already, and returns the page's violations of every rule axe runs by default.
func RunAxe(ctx context.Context, src string) ([]Violation, error) {
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === "object"`))
	if err != nil {
		return nil, err
	}
	if !loaded {
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](src)); err != nil {
			return nil, fmt.Errorf("inject axe-core: %w", err)
		}
	}
	vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]Violation](
		`axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations)`, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("axe.run: %w", err)
	}
	return vs, nil
}
