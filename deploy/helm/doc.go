// Package helm proves how Basalt is deployed: its Helm chart (basalt/, linted, rendered,
// checked against Basalt's own configuration validation and the Kubernetes plugin's
// least-privilege rules, installed on the sandbox cluster) and its container image (the
// repository's Dockerfile, parsed and checked without a Docker engine). It holds tests only.
package helm
