package archtest

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/yiwang-platform/yiwang"

// layers assigns every package to a layer; a package may import only packages of its own layer
// or lower ones. Keep this table and ARCHITECTURE.md in step.
var layers = map[string]int{
	// 0 — primitives: no Yiwang imports but each other.
	"internal/errs": 0, "internal/clock": 0, "internal/requestid": 0, "internal/principal": 0,
	"internal/i18n": 0, "internal/idcode": 0, "internal/logmask": 0,
	// 1 — platform: storage, audit, events, calendar, files, HTTP foundation, organisations.
	"internal/store": 1, "internal/store/storetest": 1, "internal/audit": 1, "internal/events": 1,
	"internal/blob": 1, "internal/calendar": 1, "internal/httpserver": 1, "internal/org": 1,
	// 2 — domains: each owns its tables and rules; they never import each other.
	"internal/identity": 2, "internal/plan": 2, "internal/apps": 2,
	// 3 — adapters: pages and JSON API over the domains.
	"internal/web": 3, "internal/api": 3, "internal/oidc": 3,
	// 4 — wiring, demo data and whole-platform tests.
	"internal/app": 4, "internal/demo": 4, "internal/browsertest": 4, "internal/archtest": 4,
	"cmd/yiwang": 5,
}

const domainLayer = 2

// forbiddenInDomains are standard packages a domain must not import: domains do not serve HTTP.
var forbiddenInDomains = []string{"net/http", "html/template"}

type pkg struct {
	path    string
	imports []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, module+"/...")
	cmd.Dir = "../.."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []pkg
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		pkgs = append(pkgs, pkg{path: strings.TrimPrefix(strings.TrimPrefix(f[0], module), "/"), imports: f[1:]})
	}
	return pkgs
}

func TestLayering(t *testing.T) {
	for _, p := range listPackages(t) {
		layer, ok := layers[p.path]
		if !ok {
			t.Errorf("package %s has no layer: add it to layers here and to ARCHITECTURE.md", p.path)
			continue
		}
		for _, imp := range p.imports {
			if !strings.HasPrefix(imp, module+"/") {
				if layer == domainLayer {
					for _, f := range forbiddenInDomains {
						if imp == f {
							t.Errorf("domain package %s imports %s: domains do not serve HTTP", p.path, imp)
						}
					}
				}
				continue
			}
			dep := strings.TrimPrefix(imp, module+"/")
			dl, ok := layers[dep]
			if !ok {
				continue // reported as a package of its own
			}
			switch {
			case dl > layer:
				t.Errorf("%s (layer %d) imports %s (layer %d): nothing imports upward", p.path, layer, dep, dl)
			case dl == domainLayer && layer == domainLayer && dep != p.path:
				t.Errorf("domain %s imports domain %s: domains talk through consumer-side interfaces or events", p.path, dep)
			}
		}
	}
}

func TestEveryPackageHasDoc(t *testing.T) {
	cmd := exec.Command("go", "list", "-f", `{{.ImportPath}}|{{.Doc}}`, module+"/...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		path, doc, _ := strings.Cut(line, "|")
		if !strings.HasPrefix(doc, "Package ") && !strings.HasPrefix(doc, "Command ") {
			t.Errorf("%s: doc comment %q does not start with \"Package <name>\" (or \"Command\" for main)", path, doc)
		}
	}
}
