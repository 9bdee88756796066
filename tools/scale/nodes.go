package scale

import (
	"context"
	"fmt"
	"net/http"
)

// addNodes gives the sandbox count more simulated nodes, podsEach pods apiece, named
// scale-node-NN: the sandbox's own three take 330 pods, ten thousand services need more.
// kwok runs every node carrying its annotation.
func addNodes(ctx context.Context, k *kube, count, podsEach int) ([]string, error) {
	var names []string
	for i := range count {
		name := fmt.Sprintf("scale-node-%02d", i+1)
		capacity := map[string]string{"cpu": "4000", "memory": "16Ti", "pods": fmt.Sprint(podsEach), "ephemeral-storage": "100Ti"}
		node := map[string]any{
			"apiVersion": "v1", "kind": "Node",
			"metadata": map[string]any{
				"name":        name,
				"labels":      map[string]string{"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", "type": "kwok"},
				"annotations": map[string]string{"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
			},
			"status": map[string]any{"capacity": capacity, "allocatable": capacity},
		}
		if err := k.do(ctx, http.MethodPost, "/api/v1/nodes", node, nil); err != nil && !isStatus(err, http.StatusConflict) {
			return nil, err
		}
		names = append(names, name)
	}
	return names, nil
}
