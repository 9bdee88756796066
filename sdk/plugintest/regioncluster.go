package plugintest

import (
	"errors"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/sdk"
)

// testRegionCluster checks that a region says what it runs on, platform and version, or that
// it cannot tell (ErrUnimplemented), and answers the same when asked again.
func testRegionCluster(t *testing.T, k *regionKit) {
	first, err := k.r.Cluster(k.ctx, sdk.ClusterRequest{})
	if errors.Is(err, sdk.ErrUnimplemented) {
		return
	}
	if err != nil {
		t.Fatalf("Cluster: %v", err)
	}
	if strings.TrimSpace(first.Platform) == "" || strings.TrimSpace(first.Version) == "" {
		t.Fatalf("Cluster: %+v, want a platform and its version (or ErrUnimplemented)", first)
	}
	again, err := k.r.Cluster(k.ctx, sdk.ClusterRequest{})
	if err != nil || again != first {
		t.Errorf("Cluster asked again: %+v, %v; first %+v", again, err, first)
	}
}
