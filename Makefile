# RipTide. The two commands a new machine needs: `make run` and `make test`.
# Everything else a target needs, it installs itself (into ./bin) or says why it cannot.

SHELL := /bin/bash
# Build and test with the patched Go toolchain (the module proxy serves it;
# about 8 s to fetch once). go1.26.8 has known standard-library CVEs.
export GOTOOLCHAIN := go1.26.10
export PATH := /usr/local/go/bin:$(HOME)/go/bin:$(PATH)
GO ?= go
CONTRACT_PKGS ?= ./...   # the packages whose HTTP traffic `make contract` checks
BIN := $(CURDIR)/bin
RIE_VERSION := v0.0.0-20261030222936-bef5c4ba774d
STATICCHECK_VERSION := v0.8.2
GOVULNCHECK_VERSION := v1.9.0
ACTIONLINT_VERSION := v1.7.12
VULNDB_VERSION := v0.0.0-20261105234957-e22db6528018
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/riptidecrawler/riptide/shared/version.Version=$(VERSION)
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: run cli test test-bootstraps test-short build lint lint-cfn lint-actions fmt sam events notice openapi lint-openapi contract contract-check generate synth test-cdk smoke bench bench-restore bench-jobs bench-extract bench-render bench-spider bench-wasm wasm-example bench-pdf pdf-corpus fuzz layers readme \
        tools sfn-tools firecrawl-sdk test-firecrawl test-sfn vulncheck licenses coldstart clean help \
        playground playground-tools playground-check playground-shots test-playground

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | sort

run: cli ## start the local server (embedded Redis unless REDIS_URL is set)
	$(BIN)/riptide serve

# The first build on a fresh machine fetches the pinned toolchain and every
# module, then compiles for minutes with little on screen: say so first.
cli: ## build the CLI and local server into bin/riptide
	@if [ ! -e $(BIN)/riptide ]; then \
	  echo "==> building bin/riptide (first build: downloads the Go toolchain $(GOTOOLCHAIN) and the modules, then compiles; a few minutes, later builds take seconds)"; \
	else echo "==> building bin/riptide"; fi
	@start=$$(date +%s); $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/riptide ./cmd/riptide && \
	  echo "==> built bin/riptide in $$(( $$(date +%s) - start )) s"

# -timeout 20m: the render soak (500 real Chromium renders) takes ~1 min on an
# idle 2-core machine but went past the default 10 minutes on a loaded one.
test: tools test-bootstraps ## run every test (set RIPTIDE_INTEGRATION=require to fail instead of skip on missing deps)
	RIPTIDE_TEST_BOOTSTRAPS=$(TEST_BOOTSTRAPS) $(GO) test -count=1 -timeout 20m ./...
	@# Patched third-party copies are modules of their own: ./... skips them.
	cd third_party/ledongthuc/pdf && $(GO) test -count=1 ./...
	$(MAKE) test-cdk

# The runtime-emulator test (functions/rie_integration_test.go) runs real
# bootstraps. Built inside `go test`, their compilation counted against the
# test binary's 10-minute timeout, which a cold cache on a busy machine
# exceeded; built here, it does not. Same flags as internal/rie.Build.
TEST_BOOTSTRAPS := $(CURDIR)/build/test-bootstraps
test-bootstraps: ## build the host bootstraps the runtime-emulator test runs (build/test-bootstraps/<fn>/bootstrap)
	@echo "==> building host bootstraps for the runtime-emulator test (health, crawl)"
	@for fn in health crawl; do \
	  CGO_ENABLED=0 $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w' -o $(TEST_BOOTSTRAPS)/$$fn/bootstrap ./functions/$$fn || exit 1; \
	done

test-short: ## unit tests only, no binaries built
	$(GO) test -short ./...

build: ## build every function to build/<name>/bootstrap and build/<name>.zip
	$(GO) run ./tools/build -ldflags '$(LDFLAGS)'

lint: ## gofmt, go vet, staticcheck (and go vet of the bench modules)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...
	@# The benchmark programs are modules of their own (they pull in the peers):
	@# vet them too, or an engine change breaks them unseen.
	cd bench/extract && $(GO) vet -mod=mod ./...
	cd bench/spider && $(GO) vet -mod=mod ./...

fmt: ## gofmt every file
	gofmt -w $$(git ls-files '*.go')

sam: ## regenerate template.yaml from the route table
	$(GO) run ./tools/gen sam > template.yaml

events: ## regenerate the sample Lambda events in events/
	$(GO) run ./tools/gen events

notice: ## regenerate NOTICE from the module graph
	$(GO) run ./tools/gen notice > NOTICE

openapi: ## regenerate shared/routes/openapi.json
	$(GO) run ./cmd/riptide openapi > shared/routes/openapi.json.tmp && mv shared/routes/openapi.json.tmp shared/routes/openapi.json
	$(GO) run ./cmd/riptide openapi --lint-ignore > .redocly.lint-ignore.yaml

lint-openapi: ## redocly's recommended rules over the OpenAPI document (npm)
	npx -y @redocly/cli@2.77.0 lint --extends recommended shared/routes/openapi.json

contract: ## run the suite recording every HTTP exchange, then check them all against the OpenAPI document
	@dir=$$(mktemp -d); \
	RIPTIDE_CONTRACT_RECORD=$$dir $(GO) test -count=1 $(CONTRACT_PKGS) && \
	RIPTIDE_CONTRACT_CHECK=$$dir $(GO) test -count=1 -run TestRecordedTraffic -v ./internal/contract | grep -v '^=== '; \
	rc=$${PIPESTATUS[0]}; rm -rf $$dir; exit $$rc

contract-check: ## check recordings in CONTRACT_DIR (from a run with RIPTIDE_CONTRACT_RECORD=DIR) against the OpenAPI document
	@test -n "$(CONTRACT_DIR)" || { echo "set CONTRACT_DIR"; exit 2; }
	RIPTIDE_CONTRACT_CHECK=$(CONTRACT_DIR) $(GO) test -count=1 -run TestRecordedTraffic -v ./internal/contract | grep -v '^=== '; \
	exit $${PIPESTATUS[0]}

readme: ## regenerate the configuration table in README.md
	$(GO) run ./tools/gen readme

generate: sam events notice openapi readme ## regenerate every derived file

synth: ## synthesize the CDK app into infra/cdk/cdk.out (needs `make build` first)
	cd infra/cdk && $(GO) run .

lint-cfn: ## cfn-lint the SAM template and the synthesized CDK templates
	cfn-lint template.yaml
	cd infra/cdk && cfn-lint

# actionlint (a Go module) checks the GitHub Actions workflows offline: syntax,
# expressions, action inputs, and the run: scripts through shellcheck when it
# is installed (apt-get install shellcheck; .ci/run installs it).
lint-actions: ## actionlint on .github/workflows
	$(GO) run github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION)

# The CDK app is its own Go module; its tests need Node.js (jsii runs the
# CDK's JavaScript). Without node they are skipped loudly, or fail under
# RIPTIDE_INTEGRATION=require.
test-cdk: ## CDK assertion and cdk-nag tests
	@if command -v node >/dev/null; then cd infra/cdk && $(GO) test -count=1 ./...; \
	elif [ "$$RIPTIDE_INTEGRATION" = require ]; then echo "test-cdk: node missing (RIPTIDE_INTEGRATION=require)"; exit 1; \
	else echo "test-cdk: SKIPPED: node is not installed (apt-get install nodejs)"; fi

smoke: ## smoke-test a deployment or a local server: make smoke BASE_URL=http://127.0.0.1:8080/ API_KEY=... [SMOKE_FLAGS=--skip-render]
	@test -n "$(BASE_URL)" || { echo "smoke: set BASE_URL (the stack's ApiUrl, or http://127.0.0.1:8080/ for make run)"; exit 2; }
	$(GO) run ./cmd/riptide smoke --base-url "$(BASE_URL)" --api-key "$(API_KEY)" $(SMOKE_FLAGS)

bench-restore: ## backup and restore of 100,000 keys on a real redis-server (RIPTIDE_TEST_REDIS_URL or a fresh one)
	$(GO) test -run '^$$' -bench Restore100k -benchtime 3x ./shared/store/

bench-jobs: ## job throughput: one batch job, 100 single jobs through the local queue and through SQS (moto_server) vs a direct /crawl, same run
	$(GO) test ./cmd/riptide/ -run '^$$' -bench BenchmarkJobs -benchtime 3x

bench: ## run the Go benchmarks
	$(GO) test -run '^$$' -bench . -benchmem ./shared/...

# The extraction development sets live in the team folder beside the checkout.
EXTRACTION_DEV ?= $(CURDIR)/../shared/bench/extraction-dev
EXTRACTION_MODERN ?= $(CURDIR)/../shared/bench/extraction-modern

bench-extract: ## extraction quality (P/R/F1, empty outputs) and time per page on both dev sets vs go-trafilatura and go-readability, same run
	@mkdir -p build
	cd bench/extract && $(GO) run -mod=mod . -dev $(EXTRACTION_DEV) -modern $(EXTRACTION_MODERN) -out $(CURDIR)/build/bench-extract.md
	@echo "table: build/bench-extract.md (copy into docs/benchmarks.md)"

bench-render: ## warm render p50/p95 and memory per render on a local page (needs Chromium)
	$(GO) test ./shared/render/ -run '^$$' -bench BenchmarkRenderWarm -benchtime 100x -benchmem

# The example WASM extractor (examples/wasm/headings), built as a WASI
# reactor; tests build it themselves (internal/wasmbuild), this target is
# for users who want the file to upload.
wasm-example: ## build examples/wasm/headings into build/headings.wasm
	@mkdir -p build
	GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -trimpath -ldflags='-s -w' -o build/headings.wasm ./examples/wasm/headings
	@ls -l build/headings.wasm

bench-wasm: ## per-call overhead of a warm WASM module vs the same extractor natively, same run
	$(GO) test ./shared/wasm/ -run '^$$' -bench BenchmarkWASM -benchtime 200x -benchmem

# Fuzz budgets are execution counts, not durations: with a wall-clock
# -fuzztime, Go's fuzz coordinator (go1.26; golang/go#75804, fixed in 1.27)
# can report "context deadline exceeded" at the deadline on a loaded machine
# with no crashing input. A count has no deadline to race. Each count is about
# ten seconds on an idle 2-core machine; FUZZTIME=30s (or 1000x) overrides all.
FUZZ_URLNORM ?= 150000x
FUZZ_EXTRACT ?= 60000x
FUZZ_PDF ?= 30000x
FUZZ_OIDC ?= 150000x
FUZZ_AUTH ?= 40000x
FUZZ_HEADINGS ?= 60000x
FUZZ_SPLIT ?= 30000x
FUZZ_TOKENS ?= 30000x
ifdef FUZZTIME
FUZZ_URLNORM := $(FUZZTIME)
FUZZ_EXTRACT := $(FUZZTIME)
FUZZ_PDF := $(FUZZTIME)
FUZZ_OIDC := $(FUZZTIME)
FUZZ_AUTH := $(FUZZTIME)
FUZZ_HEADINGS := $(FUZZTIME)
FUZZ_SPLIT := $(FUZZTIME)
FUZZ_TOKENS := $(FUZZTIME)
endif
fuzz: ## run every fuzz target briefly (an execution budget each; FUZZTIME overrides)
	$(GO) test ./shared/urlnorm/ -run '^$$' -fuzz FuzzNormalize -fuzztime $(FUZZ_URLNORM)
	$(GO) test ./shared/extract/ -run '^$$' -fuzz FuzzFromHTML -fuzztime $(FUZZ_EXTRACT)
	$(GO) test ./shared/pdf/ -run '^$$' -fuzz FuzzPDF -fuzztime $(FUZZ_PDF) -fuzzminimizetime 200x
	$(GO) test ./shared/httpx/ -run '^$$' -fuzz FuzzOIDCTokenParsing -fuzztime $(FUZZ_OIDC)
	$(GO) test ./shared/httpx/ -run '^$$' -fuzz FuzzAuthCredentialParsing -fuzztime $(FUZZ_AUTH)
	$(GO) test ./shared/chunk/ -run '^$$' -fuzz FuzzHeadingsMatchGoldmark -fuzztime $(FUZZ_HEADINGS)
	$(GO) test ./shared/chunk/ -run '^$$' -fuzz FuzzSplit -fuzztime $(FUZZ_SPLIT)
	$(GO) test ./shared/chunk/ -run '^$$' -fuzz FuzzTokensMatchTiktoken -fuzztime $(FUZZ_TOKENS)

# The PDF corpus (shared/pdf/testdata) is committed: tests never need
# Chromium or qpdf. This target remakes it: the HTML fixtures printed by
# Chromium, the hand-built edge cases, and encrypted copies made by qpdf.
PDF_CORPUS := shared/pdf/testdata
CHROMIUM ?= $(shell command -v chromium chromium-headless-shell chromium-browser 2>/dev/null | head -1)
pdf-corpus: ## remake the PDF test corpus (needs chromium and qpdf)
	@test -n "$(CHROMIUM)" || { echo "pdf-corpus: chromium not found (apt-get install chromium)"; exit 1; }
	@command -v qpdf >/dev/null || { echo "pdf-corpus: qpdf not found (apt-get install qpdf)"; exit 1; }
	for f in $(PDF_CORPUS)/html/*.html; do \
		n=$$(basename $$f .html); \
		$(CHROMIUM) --headless --no-sandbox --disable-gpu --no-pdf-header-footer --print-to-pdf=$(PDF_CORPUS)/$$n.pdf file://$(CURDIR)/$$f 2>/dev/null || exit 1; \
	done
	$(GO) run ./$(PDF_CORPUS)/gen -dir $(PDF_CORPUS)
	qpdf --allow-weak-crypto --encrypt harbour owner-secret 128 --use-aes=y -- $(PDF_CORPUS)/article.pdf $(PDF_CORPUS)/encrypted.pdf
	qpdf --allow-weak-crypto --encrypt "" owner-secret 128 --use-aes=n -- $(PDF_CORPUS)/article.pdf $(PDF_CORPUS)/encrypted-no-user-password.pdf
	qpdf --encrypt harbour owner-secret 256 -- $(PDF_CORPUS)/article.pdf $(PDF_CORPUS)/encrypted-aes256.pdf

bench-pdf: ## PDF text quality (word F1 per page) and pages/s vs pdftotext, same run (needs poppler-utils)
	$(GO) run ./bench/pdf -corpus $(PDF_CORPUS)

bench-spider: ## spider (local orchestrator) vs Colly v2 on a generated 5,000-page site, same run
	cd bench/spider && $(GO) run -mod=mod . -pages 5000

layers: ## build the Chromium Lambda layer (layers/chromium/build/chromium-layer.zip; needs node, npm, zip)
	layers/chromium/build.sh

# Test tools: the Lambda runtime emulator (Go) and, where npm exists, the
# Node tools of the spider state machine tests (asl-validator,
# aws-local-stepfunctions) from tools/sfn/package-lock.json, and the
# Firecrawl JS SDK of the facade's end-to-end test (tools/firecrawl), and
# the playground's toolchain with playwright-core for its browser test
# (web/playground).
tools: $(BIN)/aws-lambda-rie ## install test tools (./bin, tools/sfn/node_modules, tools/firecrawl/node_modules, web/playground/node_modules)
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory sfn-tools firecrawl-sdk playground-tools; \
	else echo "tools: npm missing: the spider state machine, Firecrawl SDK and playground browser tests will skip"; fi

firecrawl-sdk: tools/firecrawl/node_modules/.installed ## install @mendable/firecrawl-js for the Firecrawl facade's end-to-end test

tools/firecrawl/node_modules/.installed: tools/firecrawl/package.json tools/firecrawl/package-lock.json
	cd tools/firecrawl && npm ci --no-audit --no-fund
	touch $@

test-firecrawl: firecrawl-sdk ## run the unmodified Firecrawl JS SDK against riptide serve (scrape, crawl, map, batch scrape)
	$(GO) test -count=1 -run 'FirecrawlSDK' ./cmd/riptide/

# The web playground (web/playground, docs/playground.md). Its build in
# web/playground/dist is committed and embedded in bin/riptide, so make run
# and make test need no npm; `make playground` rebuilds it from src/ after
# a change, and `make playground-check` (CI) fails when the committed build
# is not what src/ builds to. .npmrc there sets ignore-scripts: no install
# script of a dependency runs.
playground-tools: web/playground/node_modules/.installed ## install the playground's toolchain (Vite, TypeScript) and playwright-core

web/playground/node_modules/.installed: web/playground/package.json web/playground/package-lock.json
	cd web/playground && npm ci --no-audit --no-fund
	touch $@

playground: playground-tools ## rebuild the web playground (web/playground/dist, committed and embedded) from its sources
	cd web/playground && npm run build

playground-check: playground ## fail when web/playground/dist is not what its sources build to
	@if [ -n "$$(git status --porcelain -- web/playground/dist)" ]; then \
	  git status --short -- web/playground/dist; \
	  echo "playground-check: web/playground/dist is stale: run make playground and commit it"; exit 1; fi

test-playground: playground-tools ## the playground's Go tests and its browser test (playwright-core driving Debian's chromium against riptide serve)
	$(GO) test -count=1 ./web/...
	$(GO) test -count=1 -run 'Playground' ./cmd/riptide/

playground-shots: playground-tools ## retake the playground screenshots in docs/img (docs/playground.md)
	RIPTIDE_PLAYGROUND_SHOTS=$(CURDIR)/docs/img $(GO) test -count=1 -run 'TestPlaygroundBrowser' ./cmd/riptide/

sfn-tools: tools/sfn/node_modules/.installed ## install the Node tools of the spider state machine tests

tools/sfn/node_modules/.installed: tools/sfn/package.json tools/sfn/package-lock.json
	cd tools/sfn && npm ci --no-audit --no-fund
	touch $@

test-sfn: sfn-tools ## validate the spider ASL (asl-validator) and run it with aws-local-stepfunctions against the step handlers
	cd infra/cdk && $(GO) test -count=1 -run 'StateMachine' ./...
	$(GO) test -count=1 -run 'LocalStepFunctions' ./functions/spider/

$(BIN)/aws-lambda-rie:
	GOBIN=$(BIN) $(GO) install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$(RIE_VERSION)

$(BIN)/govulncheck:
	GOBIN=$(BIN) $(GO) install golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION)

# vuln.go.dev is not reachable from these machines: build the vulnerability
# database from the golang.org/x/vulndb module (served by the module proxy).
.cache/vulndb/index/db.json:
	@mkdir -p .cache
	cd /tmp && $(GO) run golang.org/x/vulndb/cmd/indexdb@$(VULNDB_VERSION) \
		-vulns $$($(GO) mod download -json golang.org/x/vulndb@$(VULNDB_VERSION) | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')/data/osv \
		-out $(CURDIR)/.cache/vulndb

licenses: ## licence audit of the module graph (every module's license recognised and on the allow list in tools/gen/licenses.go)
	$(GO) run ./tools/gen licenses

vulncheck: $(BIN)/govulncheck .cache/vulndb/index/db.json ## govulncheck against a local copy of the Go vulnerability database
	$(BIN)/govulncheck -db file://$(CURDIR)/.cache/vulndb ./...

coldstart: tools ## measure init time of every function under the emulator (writes docs/cold-start.md)
	$(GO) run ./tools/coldstart -runs 10 -out docs/cold-start.md

clean: ## remove build outputs
	rm -rf build infra/cdk/cdk.out
