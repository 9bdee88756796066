// Package testenv gives Basalt's tests the real servers they talk to: a sandbox
// Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler, kwok nodes, metrics-server), MinIO with STS, Vault, the Ory
// Hydra OIDC provider, a distribution OCI registry and a mail catcher (mailpit),
// all on 127.0.0.1.
//
// `make testenv-up` builds what is missing (tool modules under tools/, cached in
// .cache/bin by version) and starts everything; it writes the env file
// .cache/testenv/env, which Load reads. Require starts or reuses the
// environment from a test and fails the test, with the reason, when it cannot.
//
// The package itself depends on the standard library only, so any module of the
// workspace can import it without taking Kubernetes or Vault along.
package testenv
