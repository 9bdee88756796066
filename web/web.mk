# The portal (web/): included by the root Makefile, which defines ROOT as the repository root.
#   make web-deps    install node_modules with `npm ci` when missing or older than package-lock.json
#   make web-build   build the front end into web/dist (embedded by the Go package web); skipped when unchanged
#   make web-test    Vitest, once, non-interactive, after checking that src/api/types.ts is fresh
#   make api-types   regenerate src/api/types.ts from core/api/openapi.yaml (openapi-typescript)
#   make web-lint    type-check with tsc --noEmit
#   make web-dev     Vite dev server, proxying /api to BASALT_URL (default http://127.0.0.1:8080)
#   make web-e2e     build basalt, start the test environment, drive the portal end to end in Chromium

WEB_DIR   := $(ROOT)/web
WEB_STAMP := $(WEB_DIR)/node_modules/.package-lock.json
WEB_SRC   := $(shell find $(WEB_DIR)/src $(WEB_DIR)/public -type f -not -name '*.test.ts' -not -name '*.test.tsx' 2>/dev/null) \
             $(WEB_DIR)/index.html $(WEB_DIR)/vite.config.ts $(WEB_DIR)/tsconfig.json $(WEB_DIR)/package.json

.PHONY: web-deps web-build web-test web-lint web-dev web-clean web-node api-types api-types-check

web-node:
	@command -v node >/dev/null && command -v npm >/dev/null || { echo "web: node and npm are needed (Node.js >= 20.19)"; exit 1; }
	@node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("web: Node.js >= 20.19 is needed, found "+process.versions.node); process.exit(1) }'

# npm ci writes node_modules/.package-lock.json; it stands for "node_modules matches the lock".
$(WEB_STAMP): $(WEB_DIR)/package-lock.json $(WEB_DIR)/package.json | web-node
	cd $(WEB_DIR) && npm ci --no-audit --no-fund
	@touch $@

web-deps: $(WEB_STAMP)

$(WEB_DIR)/dist/index.html: $(WEB_STAMP) $(WEB_SRC)
	cd $(WEB_DIR) && npx --no-install vite build
	@touch $@

web-build: $(WEB_DIR)/dist/index.html

web-test: web-deps api-types-check
	cd $(WEB_DIR) && CI=true npx --no-install vitest run

# src/api/types.ts is generated from the OpenAPI document by openapi-typescript, installed in
# web/apigen: a package of its own, as it needs TypeScript 5's compiler API, which the
# portal's TypeScript 7 does not ship. api-types-check fails when the file is not what the
# document generates (a response type changed without `make api-types`).
APIGEN_DIR   := $(WEB_DIR)/apigen
APIGEN_STAMP := $(APIGEN_DIR)/node_modules/.package-lock.json

$(APIGEN_STAMP): $(APIGEN_DIR)/package-lock.json $(APIGEN_DIR)/package.json | web-node
	cd $(APIGEN_DIR) && npm ci --no-audit --no-fund
	@touch $@

api-types: $(APIGEN_STAMP)
	cd $(APIGEN_DIR) && npm run --silent generate

api-types-check: $(APIGEN_STAMP)
	@cd $(APIGEN_DIR) && npm run --silent check || { echo "web/src/api/types.ts is stale: run make api-types"; exit 1; }

web-lint: web-deps
	cd $(WEB_DIR) && npx --no-install tsc --noEmit -p tsconfig.json

web-dev: web-deps
	cd $(WEB_DIR) && npx --no-install vite

# Removes the build and node_modules, keeping dist/.gitkeep for the Go embed.
web-clean:
	find $(WEB_DIR)/dist -mindepth 1 -not -name .gitkeep -delete
	rm -rf $(WEB_DIR)/node_modules $(APIGEN_DIR)/node_modules

# End to end: the real basalt built by `make build`, driven in Debian's Chromium with
# playwright-core (e2e/run.mjs), launching on the test environment's cluster and signing in
# through its Hydra; screenshots in test-output/screenshots/. web-e2e builds and starts the
# environment first (and leaves it up); web-e2e-run expects both, as `make test` provides.
# kubectl, built from its Go module (tools/cmd/kubectl), takes the kubeconfig the portal gives;
# curl (Debian's) uses an API token as a script would.
.PHONY: web-e2e web-e2e-run web-chromium
web-chromium:
	@[ -x /usr/bin/chromium ] && command -v curl >/dev/null || { $(APT_GET) update -qq && $(APT_GET) install -y -qq chromium curl; }

web-e2e: build web-chromium testenv-up
	$(MAKE) --no-print-directory web-e2e-run

web-e2e-run: web-deps
	@mkdir -p $(TOOLS) && go build -o $(TOOLS)/kubectl ./tools/cmd/kubectl
	cd $(WEB_DIR) && $(TESTENV_GO_ENV) E2E_BASALT_BIN=$(BIN) E2E_KUBECTL=$(TOOLS)/kubectl node e2e/run.mjs
