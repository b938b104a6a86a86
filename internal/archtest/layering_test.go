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
	"internal/i18n": 0, "internal/idcode": 0, "internal/logmask": 0, "internal/credential": 0,
	"internal/plaintext": 0,
	// 1 — platform: storage, audit, events, calendar, files, HTTP foundation, organisations.
	"internal/store": 1, "internal/store/storetest": 1, "internal/audit": 1, "internal/events": 1,
	"internal/blob": 1, "internal/calendar": 1, "internal/httpserver": 1, "internal/org": 1,
	"internal/search": 1, "internal/formschema": 1, "internal/notify": 1,
	"internal/qrcode": 1,
	// 2 — trust services: keys and certificates, time-stamping, the ledger, seals and signatures.
	// Domains sign and log through them; they may use each other (signing needs keys and seals).
	"internal/keys": 2, "internal/pki": 2, "internal/tsa": 2, "internal/ledger": 2,
	"internal/ses": 2, "internal/seal": 2, "internal/sign": 2, "internal/sealimage": 2,
	"internal/nodecall":      2,
	"internal/sign/signtest": 2, // test support: the trust services assembled (see testSupport)
	// 3 — domains: each owns its tables and rules; they never import each other.
	"internal/identity": 3, "internal/plan": 3, "internal/apps": 3,
	"internal/catalog": 3, "internal/cases": 3, "internal/payments": 3, "internal/ratings": 3,
	"internal/federation": 3, "internal/license": 3,
	// 4 — adapters: pages and JSON API over the domains.
	"internal/web": 4, "internal/api": 4, "internal/oidc": 4,
	"internal/acquirer": 4,
	// Test support: the platform with the sandbox acquirer for the tests of both (see testSupport).
	"internal/payments/paymentstest": 4,
	// 5 — wiring, demo data and whole-platform tests.
	"internal/app": 5, "internal/demo": 5, "internal/browsertest": 5, "internal/archtest": 5,
	"cmd/yiwang": 6,
}

const domainLayer = 3

// testSupport are the packages that exist for tests: only tests and other test support import them.
var testSupport = map[string]bool{
	"internal/store/storetest":       true,
	"internal/payments/paymentstest": true,
	"internal/sign/signtest":         true,
}

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
			case testSupport[dep] && !testSupport[p.path]:
				t.Errorf("%s imports the test support package %s: only tests may", p.path, dep)
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
