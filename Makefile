# The README's two commands are `make demo` and `make test`; .ci/run calls `make test`.
GO ?= go
# Packages with concurrency run again under the race detector.
RACE_PKGS = ./internal/store/... ./internal/events/ ./internal/httpserver/ ./internal/app/ ./internal/identity/ ./internal/oidc/ \
	./internal/cases/ ./internal/acquirer/ ./internal/search/ \
	./internal/keys/ ./internal/ledger/ ./internal/tsa/ ./internal/nodecall/
# The licence service's concurrent parts (status cache, uses written behind): their tests only,
# the rest of the package is long under the race detector.
RACE_LICENSE = 'TestStatusFresh|TestUsesWrittenBehind|TestVerify'
# Two whole nodes side by side (the federation's end-to-end tests) take minutes under the race
# detector and add no concurrency of their own: they run without it.
RACE_SKIP = 'TestFederationTwoNodes|TestFederationLicenceFetch|TestTransferTwoNodes'

.PHONY: demo test assets build vet bench fuzz clean

## demo: run Yiwang with demo data on http://127.0.0.1:8080 (SQLite under ./data)
demo: assets
	$(GO) run ./cmd/yiwang demo

## test: everything CI runs — vet, all tests (PostgreSQL, NATS and Chromium suites included when they answer; mandatory with CI=true), race detector, benchmarks once
test: assets
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 30m ./...
	$(GO) test -count=1 -timeout 30m -race -skip $(RACE_SKIP) $(RACE_PKGS)
	$(GO) test -count=1 -timeout 30m -race -run $(RACE_LICENSE) ./internal/license/
	$(GO) test -count=1 -run '^$$' -bench . -benchtime 1x ./...

## assets: install the front-end packages from the npm registry (package-lock.json) and copy them for embedding
assets: internal/web/static/vendor/.installed

internal/web/static/vendor/.installed: package.json package-lock.json scripts/copy-assets.mjs
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## build: the yiwang binary with its assets embedded
build: assets
	$(GO) build -o yiwang ./cmd/yiwang

## bench: the benchmarks with several runs, for docs/performance.md (long; run by hand)
bench: assets
	$(GO) test -count=6 -run '^$$' -bench . -benchmem ./... | tee bench.out

## fuzz: a longer fuzzing campaign of every fuzz target (run by hand; FUZZTIME=10m for more)
FUZZTIME ?= 60s
# Minimising a new input through slow cryptography can eat a whole short run; cap it.
FUZZMINIMIZETIME ?= 10s
fuzz:
	@for pkg in $$(grep -rl --include='*_test.go' '^func Fuzz' internal cmd | xargs -n1 dirname | sort -u | sed 's|^|./|'); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) $$pkg || exit 1; \
		done; \
	done

clean:
	rm -rf yiwang data internal/web/static/vendor node_modules
