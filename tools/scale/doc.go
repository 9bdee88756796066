// Package scale is the scale harness of issue 23: it starts a Basalt with its real plugins
// against a sandbox cluster, seeds it with many users, projects and services (every project
// onboarded by Basalt, hundreds of services launched through it, the rest copied in bulk as
// real Helm release records with their StatefulSet, pod and event), then replays the portal's
// calls from many signed-in users and reports what it measured as BENCH lines: latencies, the
// API server requests each call costs, memory, goroutines and the processor time of Basalt
// beside the sandbox's API server and etcd.
//
// Every request loop is bounded in count and time, and every address is loopback.
package scale
