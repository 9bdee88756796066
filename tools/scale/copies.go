package scale

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// original is a release launched through Basalt that bulk copies are made of: its Helm
// record, Basalt's metadata, its StatefulSet and, when it runs, its pod, all as JSON.
type original struct {
	namespace, name string
	record          map[string]any // the Secret sh.helm.release.v1.<name>.v1
	release         []byte         // the record's release, decoded JSON
	metadata        map[string]any // the Secret sh.onyxia.release.v1.<name>
	statefulSet     []byte
	pod             []byte // nil for a suspended release
}

// readOriginal reads what copies of the release namespace/name are made of, once its last
// revision is deployed. Only charts whose workload is a StatefulSet (Onyxia's jupyter-python,
// the default catalog's postgresql) are copied: a copy's pod is then made beside its
// StatefulSet, named as the controller would.
func readOriginal(ctx context.Context, k *kube, namespace, name string, revision int) (*original, error) {
	o := &original{namespace: namespace, name: name}
	base := "/api/v1/namespaces/" + namespace
	record := fmt.Sprintf("%s/secrets/sh.helm.release.v1.%s.v%d", base, name, revision)
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(500 * time.Millisecond) {
		err := k.do(ctx, http.MethodGet, record, nil, &o.record)
		if err == nil && cloneMap(meta(o.record)["labels"])["status"] == "deployed" {
			break
		}
		if err != nil && !isStatus(err, http.StatusNotFound) {
			return nil, err
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%s revision %d not deployed after 2 minutes", name, revision)
		}
	}
	data, _ := o.record["data"].(map[string]any)
	encoded, _ := data["release"].(string)
	var err error
	if o.release, err = decodeRelease(encoded); err != nil {
		return nil, fmt.Errorf("the Helm record of %s: %w", name, err)
	}
	if err := k.do(ctx, http.MethodGet, base+"/secrets/sh.onyxia.release.v1."+name, nil, &o.metadata); err != nil {
		return nil, err
	}
	selector := "?labelSelector=" + url.QueryEscape("app.kubernetes.io/instance="+name)
	var sets struct{ Items []json.RawMessage }
	if err := k.do(ctx, http.MethodGet, "/apis/apps/v1/namespaces/"+namespace+"/statefulsets"+selector, nil, &sets); err != nil {
		return nil, err
	}
	if len(sets.Items) != 1 {
		return nil, fmt.Errorf("%s has %d StatefulSets; copies need one", name, len(sets.Items))
	}
	o.statefulSet = sets.Items[0]
	if replicas(o.statefulSet) == 0 {
		return o, nil
	}
	var pods struct{ Items []json.RawMessage }
	for deadline := time.Now().Add(2 * time.Minute); len(pods.Items) == 0; time.Sleep(time.Second) {
		if err := k.do(ctx, http.MethodGet, base+"/pods"+selector, nil, &pods); err != nil {
			return nil, err
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%s has no pod after 2 minutes", name)
		}
	}
	o.pod = pods.Items[0]
	return o, nil
}

func replicas(statefulSet []byte) int {
	var s struct{ Spec struct{ Replicas *int } }
	if json.Unmarshal(statefulSet, &s) != nil || s.Spec.Replicas == nil {
		return 1
	}
	return *s.Spec.Replicas
}

// copyTarget is one copy to make: its project (namespace), name, owner and group.
type copyTarget struct {
	namespace, name, owner, group, node string
}

// makeCopy writes a copy of o as the target: Helm's record and Basalt's metadata as the launch
// path would, the StatefulSet (updated only when its pod is deleted, so that the controller
// leaves the pod made here alone) and, for a running original, its pod on the target's node
// and an event about it. The API server then holds what a launched service leaves there,
// short of the Service, ServiceAccount, Secrets and claim the chart also makes.
func makeCopy(ctx context.Context, k *kube, o *original, t copyTarget) error {
	base := "/api/v1/namespaces/" + t.namespace
	rename := func(b []byte) []byte { return bytes.ReplaceAll(b, []byte(o.name), []byte(t.name)) }

	var rel map[string]any
	if err := json.Unmarshal(rename(o.release), &rel); err != nil {
		return err
	}
	rel["namespace"] = t.namespace
	rel["version"] = 1 // a copy's first revision, whichever the original's
	relJSON, err := json.Marshal(rel)
	if err != nil {
		return err
	}
	encoded, err := encodeRelease(relJSON)
	if err != nil {
		return err
	}
	labels := cloneMap(meta(o.record)["labels"])
	labels["name"], labels["version"] = t.name, "1"
	record := map[string]any{
		"metadata": map[string]any{"name": "sh.helm.release.v1." + t.name + ".v1", "labels": labels},
		"type":     o.record["type"], "data": map[string]any{"release": encoded},
	}
	var created struct{ Metadata struct{ UID string } }
	if err := k.do(ctx, http.MethodPost, base+"/secrets", record, &created); err != nil {
		return err
	}
	mdData := cloneMap(o.metadata["data"])
	mdData["owner"] = b64(t.owner)
	delete(mdData, "group")
	if t.group != "" {
		mdData["group"] = b64(t.group)
	}
	md := map[string]any{
		"metadata": map[string]any{
			"name": "sh.onyxia.release.v1." + t.name, "labels": map[string]any{"onyxia.sh/release": t.name},
			"ownerReferences": []any{map[string]any{"apiVersion": "v1", "kind": "Secret", "name": record["metadata"].(map[string]any)["name"], "uid": created.Metadata.UID}},
		},
		"type": o.metadata["type"], "data": mdData,
	}
	if err := k.do(ctx, http.MethodPost, base+"/secrets", md, nil); err != nil {
		return err
	}

	set, err := fresh(rename(o.statefulSet), t.namespace)
	if err != nil {
		return err
	}
	set["spec"].(map[string]any)["updateStrategy"] = map[string]any{"type": "OnDelete"}
	if err := k.do(ctx, http.MethodPost, "/apis/apps/v1/namespaces/"+t.namespace+"/statefulsets", set, &created); err != nil {
		return err
	}
	if o.pod == nil {
		return nil
	}
	pod, err := fresh(rename(o.pod), t.namespace)
	if err != nil {
		return err
	}
	podMeta := pod["metadata"].(map[string]any)
	podMeta["ownerReferences"] = []any{map[string]any{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": set["metadata"].(map[string]any)["name"],
		"uid": created.Metadata.UID, "controller": true, "blockOwnerDeletion": true}}
	spec := pod["spec"].(map[string]any)
	spec["nodeName"] = t.node
	withoutToken(spec)
	if err := k.do(ctx, http.MethodPost, base+"/pods", pod, nil); err != nil {
		return err
	}
	podName := podMeta["name"].(string)
	event := map[string]any{
		"apiVersion": "events.k8s.io/v1", "kind": "Event",
		"metadata":  map[string]any{"name": podName + ".scale", "namespace": t.namespace},
		"eventTime": time.Now().UTC().Format("2006-01-02T15:04:05.000000Z"), "reportingController": "scale-harness", "reportingInstance": "scale-harness",
		"action": "Started", "reason": "Started", "type": "Normal", "note": "Started container " + podName,
		"regarding": map[string]any{"apiVersion": "v1", "kind": "Pod", "name": podName, "namespace": t.namespace},
	}
	return k.do(ctx, http.MethodPost, "/apis/events.k8s.io/v1/namespaces/"+t.namespace+"/events", event, nil)
}

// withoutToken makes a copied pod's spec run as the namespace's default service account
// without its token: the chart's account is not copied, and the API server would mount a
// second token volume beside the original's.
func withoutToken(spec map[string]any) {
	spec["serviceAccountName"], spec["serviceAccount"], spec["automountServiceAccountToken"] = "default", "default", false
	isToken := func(name any) bool { s, _ := name.(string); return strings.HasPrefix(s, "kube-api-access-") }
	var volumes []any
	for _, v := range asList(spec["volumes"]) {
		if !isToken(v.(map[string]any)["name"]) {
			volumes = append(volumes, v)
		}
	}
	spec["volumes"] = volumes
	for _, group := range []string{"containers", "initContainers"} {
		for _, c := range asList(spec[group]) {
			c := c.(map[string]any)
			var mounts []any
			for _, m := range asList(c["volumeMounts"]) {
				if !isToken(m.(map[string]any)["name"]) {
					mounts = append(mounts, m)
				}
			}
			c["volumeMounts"] = mounts
		}
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// fresh turns an object read from the API server into one to create in namespace: what the
// server sets (identity, versions, times, owners, status) is dropped.
func fresh(object []byte, namespace string) (map[string]any, error) {
	var o map[string]any
	if err := json.Unmarshal(object, &o); err != nil {
		return nil, err
	}
	m := meta(o)
	for _, k := range []string{"uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "ownerReferences", "generateName"} {
		delete(m, k)
	}
	m["namespace"] = namespace
	delete(o, "status")
	return o, nil
}

func meta(o map[string]any) map[string]any {
	m, _ := o["metadata"].(map[string]any)
	return m
}

func cloneMap(v any) map[string]any {
	out := map[string]any{}
	if m, ok := v.(map[string]any); ok {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// decodeRelease and encodeRelease read and write Helm's storage format, base64 of gzipped
// JSON (the Secret's data is base64 once more, which the API's JSON already undoes as a
// string: encoded is Helm's own base64).
func decodeRelease(secretValue string) ([]byte, error) {
	helm, err := base64.StdEncoding.DecodeString(secretValue)
	if err != nil {
		return nil, err
	}
	raw, err := base64.StdEncoding.DecodeString(string(helm))
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

func encodeRelease(release []byte) (string, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(release); err != nil {
		return "", err
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	helm := base64.StdEncoding.EncodeToString(buf.Bytes())
	return base64.StdEncoding.EncodeToString([]byte(helm)), nil
}

// ownerOf is the user a project's copies belong to: the personal project's user, or a member
// of the group.
func ownerOf(project string, members map[string][]string) string {
	if name, ok := strings.CutPrefix(project, "user-"); ok {
		return name
	}
	return members[project][0]
}
