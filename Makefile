# Every entry point of Basalt. `make run` and `make test` install what they lack themselves.
SHELL := /bin/bash
.DEFAULT_GOAL := help

ROOT      := $(CURDIR)
BIN       := $(ROOT)/bin
CACHE     := $(ROOT)/.cache
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS   := -s -w -X github.com/basalt-dev/basalt/core/internal/buildinfo.Version=$(VERSION) -X github.com/basalt-dev/basalt/core/internal/buildinfo.Commit=$(COMMIT)
export GOFLAGS := -buildvcs=false

# The front end and the local test environment keep their recipes beside their code.
-include web/web.mk
-include deploy/testenv/testenv.mk

.PHONY: help
help:
	@echo "make run     build everything and start Basalt on the embedded default configuration"
	@echo "make test    run the whole suite (unit, integration with real components, web, end to end)"
	@echo "make build | lint | proto | bench"
