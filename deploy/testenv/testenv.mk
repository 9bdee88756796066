# The local test environment (deploy/testenv): sandbox Kubernetes (etcd,
# kube-apiserver, kube-controller-manager, kube-scheduler, kwok nodes,
# metrics-server), Prometheus, MinIO with STS, Vault, Ory Hydra, an OCI registry and a mail
# catcher, built from Go modules into .cache/bin and started on 127.0.0.1.
# Included by the root Makefile.
#
# Other targets depend on `testenv-up` and pass $(TESTENV_GO_ENV) to `go test`
# so that testenv.Require reads the running environment instead of starting one.

TESTENV_BIN    := $(CACHE)/bin/testenv
TESTENV_ENV    := $(CACHE)/testenv/env
TESTENV_GO_ENV := BASALT_TESTENV_FILE=$(TESTENV_ENV)
TESTENV_SRC    := $(shell find $(ROOT)/deploy/testenv -path '*/tools' -prune -o \( -name '*.go' -o -name '*.yaml' -o -name go.mod \) -print)

$(TESTENV_BIN): $(TESTENV_SRC)
	cd $(ROOT)/deploy/testenv && $(LOCAL_GO) GOWORK=off go build -o $(TESTENV_BIN) ./cmd/testenv

.PHONY: testenv-deps testenv-build testenv-up testenv-down testenv-status testenv-env testenv-test

# What the real node needs from Debian: ip (iproute2) for its bridge, libseccomp for runc's
# seccomp (cgo), mmdebstrap for the images it runs. Installed once, when missing.
TESTENV_DEBS := iproute2 libseccomp-dev pkg-config mmdebstrap
testenv-deps:
	@missing=$$(for p in $(TESTENV_DEBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
		if [ -n "$$missing" ]; then echo "testenv: installing $$missing"; \
		$(APT_GET) update -qq && $(APT_GET) install -y -qq $$missing >/dev/null; fi

## testenv-build: build the missing components (cold: about 20 minutes on 2 cores)
testenv-build: $(TESTENV_BIN) testenv-deps
	$(LOCAL_GO) $(TESTENV_BIN) build -root $(ROOT)

## testenv-up: build what is missing, start everything, write $(TESTENV_ENV)
testenv-up: $(TESTENV_BIN) testenv-deps
	$(LOCAL_GO) $(TESTENV_BIN) up -root $(ROOT)

## testenv-down: stop every process testenv-up started
testenv-down: $(TESTENV_BIN)
	$(LOCAL_GO) $(TESTENV_BIN) down -root $(ROOT)

testenv-status: $(TESTENV_BIN)
	$(LOCAL_GO) $(TESTENV_BIN) status -root $(ROOT)

## testenv-env: print the env file, e.g. eval "$$(make -s testenv-env)"
testenv-env: $(TESTENV_BIN)
	@$(LOCAL_GO) $(TESTENV_BIN) env -root $(ROOT)

## testenv-test: the environment's own proofs (Deployment, Helm, STS, Vault, mail, metrics)
testenv-test: testenv-up
	cd $(ROOT)/deploy/testenv && GOWORK=off $(TESTENV_GO_ENV) go test -count=1 ./...
