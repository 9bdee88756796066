# syntax=docker/dockerfile:1
# Basalt's image: the core and every plugin binary side by side in /opt/basalt, on a
# distroless base, as a non-root user, with a read-only root file system (the chart mounts
# /opt/basalt/data, /opt/basalt/cache and /tmp writable).
#
#   docker build --build-arg VERSION=$(git describe --tags --always) \
#                --build-arg COMMIT=$(git rev-parse --short HEAD) -t basalt .
#
# The binaries are built here from source by the Makefile's own targets, split in two stages
# because `make build` needs Node.js (the portal) and Go: the portal stage runs
# `make web-build`, the Go stage `make go-build` with the portal embedded. deploy/helm's tests
# check this file (no Docker engine is needed for that).

ARG GO_VERSION=1.26
ARG NODE_VERSION=22

# ---- the portal -------------------------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm AS portal
WORKDIR /src
COPY Makefile ./
COPY web/ web/
RUN make web-build

# ---- the Go binaries and the packaged default catalog -------------------------------------
FROM golang:${GO_VERSION}-bookworm AS build
ARG VERSION=dev
ARG COMMIT=unknown
# distroless/static has no C library.
ENV CGO_ENABLED=0
WORKDIR /src
COPY . .
COPY --from=portal /src/web/dist/ web/dist/
# The embedded defaults' relative paths (data/, cache/) are created here for the non-root user.
RUN make go-build VERSION=${VERSION} COMMIT=${COMMIT} \
    && mkdir -p bin/data bin/cache

# ---- the image ----------------------------------------------------------------------------
FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
ARG COMMIT=unknown
LABEL org.opencontainers.image.title="Basalt" \
      org.opencontainers.image.description="A self-hosted cloud workbench for data scientists" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${COMMIT}"
# basalt, basalt-catalog, every basalt-plugin-* and catalog/: plugins are found beside basalt.
COPY --from=build --chown=65532:65532 /src/bin/ /opt/basalt/
WORKDIR /opt/basalt
USER 65532:65532
EXPOSE 8080
# In a container Basalt listens on every interface (the chart sets it from containerPort), and
# Helm's library writes under $HOME: run read-only with a writable /tmp (docker run --read-only
# --tmpfs /tmp -v basalt-data:/opt/basalt/data -v basalt-cache:/opt/basalt/cache basalt).
ENV BASALT_SERVER__ADDRESS=0.0.0.0:8080 \
    HOME=/tmp
ENTRYPOINT ["/opt/basalt/basalt"]
CMD ["serve"]
