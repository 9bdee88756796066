package kubernetes_test

import (
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/basalt-dev/basalt/plugins/kubernetes"
	"github.com/basalt-dev/basalt/sdk"
)

// The region reports the API server's own version, and refuses to guess before it is
// configured.
func TestClusterIsTheAPIServersVersion(t *testing.T) {
	if _, err := kubernetes.New(slog.New(slog.NewTextHandler(io.Discard, nil))).Cluster(t.Context(), sdk.ClusterRequest{}); err == nil || errors.Is(err, sdk.ErrUnimplemented) {
		t.Fatalf("an unconfigured region: %v", err)
	}
	p, client := newRegion(t, nil)
	want, err := client.Discovery().ServerVersion()
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Cluster(t.Context(), sdk.ClusterRequest{})
	if err != nil || got.Platform != "Kubernetes" || got.Version != want.GitVersion || want.GitVersion == "" {
		t.Fatalf("Cluster: %+v, %v; the API server says %q", got, err, want.GitVersion)
	}
}
