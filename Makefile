# Every entry point of Basalt. `make run` and `make test` install what they lack themselves.
SHELL := /bin/bash
.DEFAULT_GOAL := help

ROOT      := $(CURDIR)
BIN       := $(ROOT)/bin
CACHE     := $(ROOT)/.cache
TOOLS     := $(CACHE)/tools
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS   := -w -X github.com/basalt-dev/basalt/core/internal/buildinfo.Version=$(VERSION) -X github.com/basalt-dev/basalt/core/internal/buildinfo.Commit=$(COMMIT)
export GOFLAGS := -buildvcs=false
# Basalt is built and tested with Go 1.27.3: it fixes standard-library vulnerabilities that the
# machine's Go 1.26.8 has (net/http, crypto/x509, crypto/tls, html/template: see make vulncheck).
# The go command fetches that toolchain from the module proxy on first use (76 MB, about 10 s).
# What never ships (the test environment's servers, govulncheck, gendb) is built with the
# machine's own Go, whose build cache is warm: LOCAL_GO.
export GOTOOLCHAIN := go1.27.3
LOCAL_GO := GOTOOLCHAIN=local

# The front end and the local test environment keep their recipes beside their code.
-include web/web.mk
-include deploy/testenv/testenv.mk

.PHONY: help
help:
	@echo "make run     build everything and start Basalt on the embedded default configuration"
	@echo "make test    run the whole suite (unit, integration with real components, web, end to end)"
	@echo "make build | lint | vet-modules | proto | bench | bench-scale | run-down | chart | chart-lint | testenv-up | testenv-down"

# The Go modules of the workspace (go.work's use list), and their packages as patterns. Each
# module is named: a module nested in another's folder (core/internal/basalttest/filesons3)
# is not part of the outer one's ./core/... pattern.
GO_MODULES := $(shell go work edit -json 2>/dev/null | sed -n 's|^[[:space:]]*"DiskPath": "\./\(.*\)"$$|\1|p')
GO_PKGS    := $(addprefix ./,$(addsuffix /...,$(GO_MODULES)))
# Plugin binaries: every main package under plugins/*/cmd/.
PLUGIN_CMDS := $(wildcard plugins/*/cmd/*)

# ---- build and run -------------------------------------------------------------------------
.PHONY: build go-build run
build: web-build go-build

go-build:
	@mkdir -p $(BIN)
	@# One go build for every binary: the package graph is loaded once, which is most of the
	@# time when nothing changed (a second make run).
	go build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/ ./core/cmd/basalt $(addprefix ./,$(PLUGIN_CMDS))
	@rm -rf $(BIN)/catalog && $(BIN)/basalt-catalog package config/catalog $(BIN)/catalog

## run: start Basalt on the embedded defaults with the sandbox as the local region: services on
## its cluster, files in its S3 store. Basalt serves as soon as it is built, while the sandbox is
## built and started in the background (minutes on a fresh clone: .cache/sandbox/progress says
## the step, .cache/sandbox/up.log has the output); the region takes launches once it is up.
## ARGS passes flags, e.g. ARGS="--set log.level=debug". It runs in bin/, where the defaults
## find the packaged catalog and keep their caches. RUN_KUBECONFIG=path uses that cluster
## instead of the sandbox, with local files in bin/data. Ctrl-C stops Basalt; the sandbox stays
## up, or goes on starting, for the next run.
RUN_ADDRESS    ?= 127.0.0.1:8080
RUN_KUBECONFIG ?=
run: build $(if $(RUN_KUBECONFIG),,sandbox-start)
	@echo; echo "  Basalt portal: http://$(RUN_ADDRESS)/"; \
		echo "  services run on $(or $(RUN_KUBECONFIG),the sandbox cluster: KUBECONFIG=$(SANDBOX_KUBECONFIG) kubectl get pods -A)"; \
		echo "  Ctrl-C stops Basalt; make run-down stops the sandbox cluster"; echo
ifeq ($(RUN_KUBECONFIG),)
	@cd $(BIN) && . $(SANDBOX_STORE_ENV) && $(sandbox_store) ./basalt serve --set server.address=$(RUN_ADDRESS) \
		--set auth.local.username=$$BASALT_TESTENV_LOCAL_USER $(sandbox_cluster_args) $(ARGS)
else
	cd $(BIN) && ./basalt serve --set server.address=$(RUN_ADDRESS) $(call cluster_args,$(RUN_KUBECONFIG)) $(ARGS)
endif

# The flags that give the default region its Kubernetes cluster (config/default.yaml: plugins.cluster).
cluster_args = --set plugins.cluster.enabled=true --set plugins.cluster.config.kubeconfig=$(1)

# The sandbox of `make run`: the test environment's Kubernetes part (etcd, API server,
# controller manager, scheduler, kwok nodes), its registry and its real node, where every pod
# whose images the sandbox builds runs for real, and MinIO with static keys alone; in its own
# state directory so that `make test` (which stops its environment when done) and `make run`
# never stop each other. -local-user gives MinIO the local user's bucket and keys limited to it,
# kept with MinIO's data in .cache/sandbox/store across downs, and written to store.env before
# anything is built: `up -detach` returns then.
SANDBOX            := $(CACHE)/sandbox
SANDBOX_KUBECONFIG := $(SANDBOX)/kubeconfig
SANDBOX_STORE_ENV  := $(SANDBOX)/store/store.env
SANDBOX_UP          = $(LOCAL_GO) $(TESTENV_BIN) up -root $(ROOT) -only kube,registry,node,s3 \
	-real-workloads everywhere -local-user "$$(id -un)" -state $(SANDBOX)

# The region on the sandbox's cluster before it is up: it answers "still starting" with the
# step of the progress file, and connects once the env file, written last, appears. Its API
# server does not trust an identity provider: the account's kubeconfig carries a short-lived
# ServiceAccount token of the user's own in the project's namespace.
sandbox_cluster_args = $(call cluster_args,$(SANDBOX_KUBECONFIG)) \
	--set plugins.cluster.config.startup.readyFile=$(SANDBOX)/env \
	--set plugins.cluster.config.startup.progressFile=$(SANDBOX)/progress \
	--set plugins.cluster.config.clusterAccess.mode=serviceAccountToken

# The local files of the defaults (plugins.files) become the sandbox's S3 store, as the local
# user, whose keys reach their bucket alone and are handed to services at the address pods
# reach. In the environment rather than in flags, so that the secret stays out of the process
# list; the whole config section in one value, which replaces the defaults' (root: data/files).
sandbox_store = BASALT_PLUGINS__FILES__PATH=basalt-plugin-s3 BASALT_PLUGINS__FILES__CONFIG="{ \
	endpoint: '$$BASALT_TESTENV_S3_ENDPOINT', serviceEndpoint: '$$BASALT_TESTENV_POD_S3_ENDPOINT', \
	region: '$$BASALT_TESTENV_S3_REGION', staticCredentials: {accessKeyID: '$$BASALT_TESTENV_LOCAL_ACCESS_KEY', \
	secretAccessKey: '$$BASALT_TESTENV_LOCAL_SECRET_KEY', shareWithServices: true}}"

.PHONY: sandbox-start sandbox-up run-down
## sandbox-start: start the sandbox in the background (what make run does); sandbox-up: and wait
sandbox-start: $(TESTENV_BIN) testenv-deps
	@$(SANDBOX_UP) -detach
sandbox-up: $(TESTENV_BIN) testenv-deps
	@$(SANDBOX_UP)

## run-down: stop the sandbox make run left running, or still starting (the store's data stays)
run-down: $(TESTENV_BIN)
	$(LOCAL_GO) $(TESTENV_BIN) down -root $(ROOT) -state $(SANDBOX)

# ---- test ----------------------------------------------------------------------------------
# The Go suite runs against the real servers of the test environment: it is brought up first
# (built from the Go module proxy and cached on the first run) and always stopped after.
# Then the portal end to end in Chromium (web/e2e), on the binaries of `make build`, which the
# Go suite's `make run` proof (core/cmd/basalt) uses too instead of building its own.
# Every Basalt process the tests start (cores, plugins, e2e servers) keeps its log, at debug
# level, in TEST_LOGS ($$BASALT_TEST_LOG_DIR), beside the Go suite's verbose output; log-scan
# then fails the run on a test environment secret, a token or a canary value found in them.
TEST_LOGS := $(ROOT)/test-output/logs
.PHONY: test go-test log-scan
# The free disk space is printed before and after: MinIO refuses writes, and etcd fails, on a
# nearly full disk, which shows up as failures far from the cause.
DISK_FREE = df -Pk $(ROOT) | awk 'NR==2 {printf "%.1f GB", $$4 / 1048576}'
test: vet-modules build vulncheck-bin web-test web-chromium testenv-up
	@rm -rf $(TEST_LOGS) && mkdir -p $(TEST_LOGS) && export BASALT_TEST_LOG_DIR=$(TEST_LOGS); \
		free=$$($(DISK_FREE)); echo "make test: $$free free on disk before the suites"; \
		status=0; BASALT_TEST_BIN_DIR=$(BIN) $(MAKE) --no-print-directory go-test || status=$$?; \
		$(MAKE) --no-print-directory web-e2e-run || status=$$?; \
		$(MAKE) --no-print-directory log-scan || status=$$?; \
		echo "make test: $$($(DISK_FREE)) free on disk after the suites ($$free before)"; \
		$(MAKE) --no-print-directory testenv-down >/dev/null || true; \
		if [ $$status -ne 0 ]; then echo "make test: FAILED"; exit $$status; fi
	@echo "make test: all suites passed"

# With a log directory, the verbose output goes there (tools/cmd/testlog) and the terminal gets
# go test's usual short one.
go-test:
ifeq ($(BASALT_TEST_LOG_DIR),)
	$(TESTENV_GO_ENV) go test -count=1 -timeout 30m $(GO_PKGS)
else
	@mkdir -p $(TOOLS) && go build -o $(TOOLS)/testlog ./tools/cmd/testlog
	set -o pipefail; $(TESTENV_GO_ENV) go test -json -count=1 -timeout 30m $(GO_PKGS) 2>&1 | $(TOOLS)/testlog -o $(BASALT_TEST_LOG_DIR)/go-test.log
endif

## log-scan: scan the logs of the last make test (test-output/logs) for secrets and tokens
log-scan:
	@mkdir -p $(TOOLS) && go build -o $(TOOLS)/logscan ./tools/cmd/logscan
	@$(TOOLS)/logscan -env $(TESTENV_ENV) -dir $(or $(BASALT_TEST_LOG_DIR),$(TEST_LOGS))

# ---- docs: the configuration reference, generated from config/ and plugins/*/schema.json ----
.PHONY: docs
docs:
	go run ./config/cmd/configdoc > docs/configuration.md.tmp && mv docs/configuration.md.tmp docs/configuration.md

# ---- Basalt's Helm chart (deploy/helm/basalt; its tests are in deploy/helm) ------------------
# helm is the CLI the test environment builds (about a minute the first time).
CHART := deploy/helm/basalt
HELM   = $$(ls -t $(CACHE)/bin/helm-*/helm | head -1)
.PHONY: chart chart-lint
## chart-lint: helm lint --strict, with the default values and with the production example
chart-lint: $(TESTENV_BIN)
	@$(LOCAL_GO) $(TESTENV_BIN) build -root $(ROOT) helm
	$(HELM) lint --strict $(CHART)
	$(HELM) lint --strict $(CHART) -f $(CHART)/ci/production-values.yaml

## chart: package the chart into bin/ (basalt-<version>.tgz)
chart: chart-lint
	@mkdir -p $(BIN)
	$(HELM) package $(CHART) -d $(BIN)

# ---- lint ----------------------------------------------------------------------------------
.PHONY: lint vet-modules
lint: web-lint vet-modules
	@out=$$(git ls-files '*.go' | grep -v '\.pb\.go$$' | xargs gofmt -l); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	go vet $(GO_PKGS)
	@# built with the Go that builds Basalt: staticcheck reads the standard library with its own go/types
	@[ -x $(STATICCHECK) ] || { GOWORK=off GOBIN=$(TOOLS)/gobin go install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) && cp $(TOOLS)/gobin/staticcheck $(STATICCHECK); }
	$(STATICCHECK) $(GO_PKGS)

## vet-modules: go vet each module of go.work alone (GOWORK=off), as whoever requires that one
## module builds it: its go.mod must require, and its go.sum hold, all that its packages and
## tests import. After a change to a module's requirements, `go mod tidy` in every module that
## requires it (core/internal/basalttest/filesons3 requires core). make test runs it first.
vet-modules:
	@[ -n "$(GO_MODULES)" ] || { echo "vet-modules: no module found in go.work"; exit 1; }
	@failed=; for m in $(GO_MODULES); do \
		echo "GOWORK=off go vet ./... in $$m"; \
		(cd $$m && GOWORK=off go vet ./...) || failed="$$failed $$m"; \
	done; \
	if [ -n "$$failed" ]; then echo "vet-modules: these modules do not build alone:$$failed"; exit 1; fi

# ---- bench: one "BENCH <name> <value> <unit>" line per measure ------------------------------
# Benchmarks that need real servers use the test environment, as tests do.
.PHONY: bench go-bench
bench: testenv-up
	@status=0; $(MAKE) --no-print-directory go-bench || status=$$?; \
		$(MAKE) --no-print-directory testenv-down >/dev/null || true; exit $$status

go-bench:
	@go build -o $(TOOLS)/benchfmt ./tools/cmd/benchfmt
	@set -o pipefail; $(TESTENV_GO_ENV) go test -run '^$$' -bench . -benchmem -count=1 -timeout 60m $(GO_PKGS) 2>&1 | $(TOOLS)/benchfmt

# ---- bench-scale: issue 23's scale harness (tools/scale), on a sandbox of its own ------------
# A second sandbox (Kubernetes and the OIDC provider only, in .cache/scale on ports of its own,
# so that neither make test's environment nor make run's is touched), stopped and its data
# removed at the end whatever happens. 1,000 users, 10,000 services, 200 users' load: under 30
# minutes on 2 cores; one run at a time (.cache/scale.lock). SCALE_ARGS passes flags to
# tools/cmd/benchscale, e.g. "-small".
SCALE_STATE := $(CACHE)/scale
.PHONY: bench-scale
bench-scale: go-build $(TESTENV_BIN)
	@mkdir -p $(CACHE); exec 9>$(CACHE)/scale.lock; \
		flock -n 9 || { echo "bench-scale: another run holds $(CACHE)/scale.lock" >&2; exit 1; }; \
		$(LOCAL_GO) $(TESTENV_BIN) up -root $(ROOT) -only kube,oidc -state $(SCALE_STATE) || exit 1; \
		status=0; go run ./tools/cmd/benchscale -env $(SCALE_STATE)/env -bin $(BIN) \
		-charts $(ROOT)/../shared/catalogs/interactive $(SCALE_ARGS) || status=$$?; \
		$(LOCAL_GO) $(TESTENV_BIN) down -root $(ROOT) -state $(SCALE_STATE) >/dev/null || true; exit $$status

# ---- vulncheck: govulncheck of every binary Basalt ships, against a database built offline ---
# The Go vulnerability database is the golang.org/x/vulndb module, which the module proxy serves
# like any other; its own gendb turns it into govulncheck's format (it reads a git repository,
# so the OSV files are committed into a throwaway one). make build keeps the binaries' symbol
# tables (-w drops only DWARF) so that govulncheck sees which vulnerable functions they hold.
# tools/cmd/vulnreport fails the run on one a dependency upgrade fixes, and lists those fixed
# only in a newer Go release, or not at all, as warnings.
VULNDB_VERSION      := v0.0.0-20261105234957-e22db6528018
GOVULNCHECK_VERSION := v1.9.0
VULNDB              := $(CACHE)/vulndb/$(VULNDB_VERSION)

.PHONY: vulncheck vulncheck-bin
## vulncheck: build, then check the binaries in bin/ for known vulnerabilities
vulncheck: go-build vulncheck-bin

vulncheck-bin: $(TOOLS)/govulncheck-$(GOVULNCHECK_VERSION) $(VULNDB)/index/db.json
	@go build -o $(TOOLS)/vulnreport ./tools/cmd/vulnreport
	@set -o pipefail; for b in $(BIN)/basalt $(addprefix $(BIN)/,$(notdir $(PLUGIN_CMDS))); do \
		$(TOOLS)/govulncheck-$(GOVULNCHECK_VERSION) -db file://$(VULNDB) -mode binary -format json $$b || exit 2; \
	done | $(TOOLS)/vulnreport

$(TOOLS)/govulncheck-$(GOVULNCHECK_VERSION):
	$(LOCAL_GO) GOWORK=off GOFLAGS= GOBIN=$(TOOLS)/gobin go install golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION)
	cp $(TOOLS)/gobin/govulncheck $@

$(TOOLS)/gendb-$(VULNDB_VERSION):
	$(LOCAL_GO) GOWORK=off GOFLAGS= GOBIN=$(TOOLS)/gobin go install golang.org/x/vulndb/cmd/gendb@$(VULNDB_VERSION)
	cp $(TOOLS)/gobin/gendb $@

$(VULNDB)/index/db.json: | $(TOOLS)/gendb-$(VULNDB_VERSION)
	@src=$$($(LOCAL_GO) GOWORK=off GOFLAGS= go mod download -json golang.org/x/vulndb@$(VULNDB_VERSION) | sed -n 's|^[[:space:]]*"Dir": "\(.*\)",$$|\1|p'); \
	repo=$$(mktemp -d) && mkdir -p $$repo/data && cp -r $$src/data/osv $$repo/data/ && chmod -R u+w $$repo && \
	git -C $$repo init -q && git -C $$repo add -A && git -C $$repo -c user.name=basalt -c user.email=basalt@localhost commit -qm vulndb && \
	rm -rf $(VULNDB) && $(TOOLS)/gendb-$(VULNDB_VERSION) -repo $$repo -out $(VULNDB); status=$$?; rm -rf $$repo; exit $$status

# ---- tools ---------------------------------------------------------------------------------
PROTOC_GEN_GO_VERSION  := v1.36.12
PROTOC_GEN_GRPC_VERSION:= v1.6.2
STATICCHECK_VERSION    := v0.8.2
STATICCHECK             = $(TOOLS)/staticcheck-$(STATICCHECK_VERSION)-$(GOTOOLCHAIN)
APT_GET                := $(if $(filter 0,$(shell id -u)),apt-get,sudo apt-get)

$(TOOLS)/protoc-gen-go-$(PROTOC_GEN_GO_VERSION):
	GOBIN=$(TOOLS)/gobin go install google.golang.org/protobuf/cmd/protoc-gen-go@$(PROTOC_GEN_GO_VERSION)
	cp $(TOOLS)/gobin/protoc-gen-go $@
$(TOOLS)/protoc-gen-go-grpc-$(PROTOC_GEN_GRPC_VERSION):
	GOBIN=$(TOOLS)/gobin go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@$(PROTOC_GEN_GRPC_VERSION)
	cp $(TOOLS)/gobin/protoc-gen-go-grpc $@

.PHONY: protoc
protoc:
	@command -v protoc >/dev/null && [ -f /usr/include/google/protobuf/duration.proto ] || \
		{ $(APT_GET) update -qq && $(APT_GET) install -y -qq protobuf-compiler libprotobuf-dev; }

# ---- proto: regenerate the plugin protocol's Go code (committed) ---------------------------
PROTO_SRC := $(shell find sdk/proto -name '*.proto' 2>/dev/null)
.PHONY: proto
proto: protoc $(TOOLS)/protoc-gen-go-$(PROTOC_GEN_GO_VERSION) $(TOOLS)/protoc-gen-go-grpc-$(PROTOC_GEN_GRPC_VERSION)
	rm -rf sdk/internal/pb && mkdir -p sdk/internal/pb
	protoc -I sdk/proto -I /usr/include \
		--plugin=protoc-gen-go=$(TOOLS)/protoc-gen-go-$(PROTOC_GEN_GO_VERSION) \
		--plugin=protoc-gen-go-grpc=$(TOOLS)/protoc-gen-go-grpc-$(PROTOC_GEN_GRPC_VERSION) \
		--go_out=sdk/internal/pb --go_opt=module=github.com/basalt-dev/basalt/sdk/internal/pb \
		--go-grpc_out=sdk/internal/pb --go-grpc_opt=module=github.com/basalt-dev/basalt/sdk/internal/pb \
		$(PROTO_SRC)
