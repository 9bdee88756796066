package stack

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func pod(images ...string) admissionPod {
	var p admissionPod
	for _, image := range images {
		p.Spec.Containers = append(p.Spec.Containers, podContainer{Image: image})
	}
	return p
}

// TestPlacementDecides: a pod whose images the registry serves goes to the real node; one with
// an image it lacks stays on kwok; when the registry cannot answer, the pod is refused (its
// controller creates it again) rather than left on a node where it never runs.
func TestPlacementDecides(t *testing.T) {
	registry := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead && strings.HasSuffix(r.URL.Path, "/manifests/python-3.12") {
			return
		}
		http.NotFound(w, r)
	}))
	defer registry.Close()
	p := &placement{registry: strings.TrimPrefix(registry.URL, "http://"), client: registry.Client(), seen: map[string]seenImage{}}
	ctx := context.Background()

	patch, err := p.decide(ctx, pod("quay.io/jupyter/base-notebook:python-3.12"))
	if err != nil || len(patch) != 2 || patch[0]["path"] != "/spec/nodeSelector" {
		t.Fatalf("served image: %v %v", patch, err)
	}
	if patch, err := p.decide(ctx, pod("quay.io/jupyter/base-notebook:python-3.12", "example.org/elsewhere:1")); err != nil || patch != nil {
		t.Fatalf("an image the registry lacks: %v %v", patch, err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone := ln.Addr().String()
	ln.Close() // nothing listens there any more
	down := &placement{registry: gone, client: &http.Client{}, seen: map[string]seenImage{}}
	if patch, err := down.decide(ctx, pod("quay.io/jupyter/base-notebook:python-3.12")); err == nil || patch != nil {
		t.Fatalf("a registry that does not answer: %v %v", patch, err)
	}
	// The answer that was an error is not remembered: the registry back, the pod is placed.
	down.registry = p.registry
	if patch, err := down.decide(ctx, pod("quay.io/jupyter/base-notebook:python-3.12")); err != nil || patch == nil {
		t.Fatalf("the registry answering again: %v %v", patch, err)
	}
}
