package stack

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// RealWorkloadsLabel marks a namespace whose pods may run on the real node, in an
// environment started with Options.RealWorkloads "labelled" (the test suite's, where most
// tests expect kwok's instant and idle pods).
const RealWorkloadsLabel = "basalt.dev/real-workloads"

// Placement is the admission webhook that sends a pod to the real node when the sandbox's
// registry serves every image the pod names, and leaves it to the kwok nodes otherwise (the
// real node is tainted). A pod that already chose its node, asks for GPUs or constrains its
// node in any way keeps its choice.
func Placement(registry string) http.Handler {
	p := &placement{registry: registry, client: &http.Client{Timeout: 10 * time.Second}, seen: map[string]seenImage{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /place", p.serve)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	return mux
}

type placement struct {
	registry string
	client   *http.Client
	mu       sync.Mutex
	seen     map[string]seenImage
}

type seenImage struct {
	served bool
	at     time.Time
}

// admissionPod is the part of a pod the decision reads.
type admissionPod struct {
	Spec struct {
		NodeName       string            `json:"nodeName"`
		NodeSelector   map[string]string `json:"nodeSelector"`
		Affinity       *json.RawMessage  `json:"affinity"`
		Tolerations    []any             `json:"tolerations"`
		Containers     []podContainer    `json:"containers"`
		InitContainers []podContainer    `json:"initContainers"`
	} `json:"spec"`
}

type podContainer struct {
	Image     string `json:"image"`
	Resources struct {
		Limits   map[string]string `json:"limits"`
		Requests map[string]string `json:"requests"`
	} `json:"resources"`
}

func (p *placement) serve(w http.ResponseWriter, r *http.Request) {
	var review struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Request    struct {
			UID    string       `json:"uid"`
			Object admissionPod `json:"object"`
		} `json:"request"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 4<<20)).Decode(&review); err != nil {
		http.Error(w, "not an AdmissionReview: "+err.Error(), http.StatusBadRequest)
		return
	}
	resp := map[string]any{"uid": review.Request.UID, "allowed": true}
	patch, err := p.decide(r.Context(), review.Request.Object)
	if err != nil {
		// Refused, the pod is created again by its controller; let through, it would sit on a
		// kwok node forever.
		resp["allowed"] = false
		resp["status"] = map[string]any{"code": http.StatusServiceUnavailable, "message": "sandbox placement: " + err.Error()}
	} else if patch != nil {
		data, _ := json.Marshal(patch)
		resp["patchType"] = "JSONPatch"
		resp["patch"] = base64.StdEncoding.EncodeToString(data)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"apiVersion": review.APIVersion, "kind": review.Kind, "response": resp})
}

// decide returns the JSON patch sending pod to the real node, or nil to leave it alone; an
// error when the registry could not say whether it serves the pod's images.
func (p *placement) decide(ctx context.Context, pod admissionPod) ([]map[string]any, error) {
	s := pod.Spec
	if s.NodeName != "" || len(s.NodeSelector) > 0 || s.Affinity != nil || len(s.Containers) == 0 {
		return nil, nil
	}
	for _, c := range append(append([]podContainer{}, s.InitContainers...), s.Containers...) {
		if c.Resources.Limits["nvidia.com/gpu"] != "" || c.Resources.Requests["nvidia.com/gpu"] != "" {
			return nil, nil
		}
		if served, err := p.served(ctx, c.Image); err != nil || !served {
			return nil, err
		}
	}
	toleration := map[string]any{"key": RealNodeTaint, "operator": "Exists", "effect": "NoSchedule"}
	patch := []map[string]any{{"op": "add", "path": "/spec/nodeSelector", "value": map[string]string{RealNodeLabel: "real"}}}
	if len(s.Tolerations) == 0 {
		return append(patch, map[string]any{"op": "add", "path": "/spec/tolerations", "value": []any{toleration}}), nil
	}
	return append(patch, map[string]any{"op": "add", "path": "/spec/tolerations/-", "value": toleration}), nil
}

// served reports whether the sandbox's registry has image, under its mirrored name. An image
// found is remembered for the webhook's life (the sandbox never deletes one); one missing for
// 10 seconds, as a chart's pods are admitted in a burst; a failed question is an error.
func (p *placement) served(ctx context.Context, image string) (bool, error) {
	p.mu.Lock()
	if s, ok := p.seen[image]; ok && (s.served || time.Since(s.at) < 10*time.Second) {
		p.mu.Unlock()
		return s.served, nil
	}
	p.mu.Unlock()
	repo, ref := mirrorPath(image)
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, fmt.Sprintf("http://%s/v2/%s/manifests/%s", p.registry, repo, ref), nil)
	if err != nil {
		return false, err
	}
	req.Header.Set("Accept", strings.Join([]string{
		"application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
		"application/vnd.docker.distribution.manifest.v2+json", "application/vnd.docker.distribution.manifest.list.v2+json",
	}, ", "))
	resp, err := p.client.Do(req)
	if err != nil {
		return false, fmt.Errorf("asking the sandbox registry for %s: %w", image, err)
	}
	resp.Body.Close()
	served := resp.StatusCode == http.StatusOK
	p.mu.Lock()
	p.seen[image] = seenImage{served: served, at: time.Now()}
	p.mu.Unlock()
	return served, nil
}

// mirrorPath splits image's name in the sandbox's registry (MirrorRef) into the repository
// and the tag or digest, as the registry's API names them.
func mirrorPath(image string) (repo, ref string) {
	name := strings.TrimPrefix(MirrorRef("", image), "/")
	if at := strings.LastIndex(name, "@"); at >= 0 {
		return name[:at], name[at+1:]
	}
	colon := strings.LastIndex(name, ":")
	return name[:colon], name[colon+1:]
}
