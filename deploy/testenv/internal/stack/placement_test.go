package stack

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestMirrorPath(t *testing.T) {
	for image, want := range map[string][2]string{
		"quay.io/jupyter/base-notebook:python-3.12": {"quay.io/jupyter/base-notebook", "python-3.12"},
		"postgres:17":                      {"docker.io/library/postgres", "17"},
		"inseefrlab/onyxia-jupyter-python": {"docker.io/inseefrlab/onyxia-jupyter-python", "latest"},
		"registry.k8s.io/pause@sha256:abc": {"registry.k8s.io/pause", "sha256:abc"},
		"localhost:5000/x:1":               {"localhost:5000/x", "1"},
	} {
		if repo, ref := mirrorPath(image); repo != want[0] || ref != want[1] {
			t.Errorf("mirrorPath(%q) = %q, %q; want %q, %q", image, repo, ref, want[0], want[1])
		}
	}
}

// TestPlacementDecides runs the webhook against a registry that serves one image: a pod of
// served images goes to the real node (toleration added to its own), any other pod, or one
// that chose its node, is left alone.
func TestPlacementDecides(t *testing.T) {
	registry := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead && r.URL.Path == "/v2/quay.io/jupyter/base-notebook/manifests/python-3.12" {
			return
		}
		http.NotFound(w, r)
	}))
	defer registry.Close()
	p := Placement(registry.Listener.Addr().String())
	place := func(pod string) []map[string]any {
		t.Helper()
		body := `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u1","object":` + pod + `}}`
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/place", strings.NewReader(body)))
		var review struct {
			Response struct {
				UID     string
				Allowed bool
				Patch   []byte
			}
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &review); err != nil || review.Response.UID != "u1" || !review.Response.Allowed {
			t.Fatalf("answer %d %s: %v", rec.Code, rec.Body, err)
		}
		var patch []map[string]any
		if len(review.Response.Patch) > 0 {
			if err := json.Unmarshal(review.Response.Patch, &patch); err != nil {
				t.Fatal(err)
			}
		}
		return patch
	}
	served := `{"spec":{"containers":[{"image":"quay.io/jupyter/base-notebook:python-3.12"}]}}`
	if patch := place(served); len(patch) != 2 || patch[0]["path"] != "/spec/nodeSelector" || patch[1]["path"] != "/spec/tolerations" {
		t.Errorf("a pod of a served image: patch %v, want a node selector and tolerations", patch)
	}
	withTolerations := `{"spec":{"tolerations":[{"key":"x","operator":"Exists"}],"containers":[{"image":"quay.io/jupyter/base-notebook:python-3.12"}]}}`
	if patch := place(withTolerations); len(patch) != 2 || patch[1]["path"] != "/spec/tolerations/-" {
		t.Errorf("a pod with tolerations of its own: patch %v, want the toleration appended", patch)
	}
	for name, pod := range map[string]string{
		"an image not served":      `{"spec":{"containers":[{"image":"quay.io/jupyter/base-notebook:python-3.12"},{"image":"busybox"}]}}`,
		"an init image not served": `{"spec":{"initContainers":[{"image":"busybox"}],"containers":[{"image":"quay.io/jupyter/base-notebook:python-3.12"}]}}`,
		"a chosen node":            `{"spec":{"nodeName":"kwok-cpu-1","containers":[{"image":"quay.io/jupyter/base-notebook:python-3.12"}]}}`,
		"a node selector":          `{"spec":{"nodeSelector":{"type":"kwok"},"containers":[{"image":"quay.io/jupyter/base-notebook:python-3.12"}]}}`,
		"a GPU":                    `{"spec":{"containers":[{"image":"quay.io/jupyter/base-notebook:python-3.12","resources":{"limits":{"nvidia.com/gpu":"1"}}}]}}`,
	} {
		if patch := place(pod); patch != nil {
			t.Errorf("a pod with %s: patch %v, want none", name, patch)
		}
	}
}
