package kubernetes

import (
	"context"

	"k8s.io/client-go/discovery"

	"github.com/basalt-dev/basalt/sdk"
)

// Cluster asks the API server for its version, each time: an upgraded cluster shows at once.
func (p *Plugin) Cluster(ctx context.Context, _ sdk.ClusterRequest) (sdk.ClusterResponse, error) {
	_, c, err := p.configured()
	if err != nil {
		return sdk.ClusterResponse{}, err
	}
	v, err := discovery.ToServerVersionInterfaceWithContext(c.disco).ServerVersionWithContext(ctx)
	if err != nil {
		return sdk.ClusterResponse{}, unavailable("reading the cluster's version", err)
	}
	return sdk.ClusterResponse{Platform: "Kubernetes", Version: v.GitVersion}, nil
}
