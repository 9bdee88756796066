package stack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/basalt-dev/basalt/deploy/testenv"
)

// tokenVariable hands the volumes process the API server's admin token, out of its command line.
const tokenVariable = "BASALT_TESTENV_KUBE_TOKEN"

// volumeProvisioner names the sandbox's provisioner in its StorageClass and on its volumes.
const volumeProvisioner = "sandbox.basalt.dev/host-path"

// Volumes provisions the claims of the default StorageClass as directories under dir, and
// removes a directory with its volume once its claim is gone (reclaim policy Delete). A
// directory is writable by every user: a pod runs as its image's user, and a host path
// volume takes no fsGroup. It polls every second until ctx ends.
func Volumes(ctx context.Context, server, caFile, token, dir string) error {
	client, err := (&testenv.Env{KubeCAFile: caFile}).KubeHTTPClient()
	if err != nil {
		return err
	}
	v := &volumes{api: &kubeAPI{client: client, server: server, token: token}, dir: dir}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for {
		if err := v.provision(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "volumes:", err)
		}
		if err := v.reclaim(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "volumes:", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}

type volumes struct {
	api *kubeAPI
	dir string
}

type claim struct {
	Metadata struct {
		Name, Namespace, UID string
	}
	Spec struct {
		AccessModes      []string `json:"accessModes"`
		VolumeMode       string   `json:"volumeMode"`
		VolumeName       string   `json:"volumeName"`
		StorageClassName *string  `json:"storageClassName"`
		Resources        struct {
			Requests map[string]string `json:"requests"`
		} `json:"resources"`
	}
	Status struct{ Phase string }
}

// provision makes a volume for every pending claim of the sandbox's class.
func (v *volumes) provision(ctx context.Context) error {
	var list struct{ Items []claim }
	if err := v.api.get(ctx, "/api/v1/persistentvolumeclaims", &list); err != nil {
		return err
	}
	for _, c := range list.Items {
		if c.Status.Phase != "Pending" || c.Spec.VolumeName != "" || c.Spec.StorageClassName == nil || *c.Spec.StorageClassName != "standard" {
			continue
		}
		name := "pvc-" + c.Metadata.UID
		path := filepath.Join(v.dir, c.Metadata.Namespace+"-"+c.Metadata.Name+"-"+c.Metadata.UID[:8])
		if err := os.MkdirAll(path, 0o755); err != nil {
			return err
		}
		if err := os.Chmod(path, 0o777); err != nil { // past the umask
			return err
		}
		pv := map[string]any{
			"apiVersion": "v1", "kind": "PersistentVolume",
			"metadata": map[string]any{"name": name, "annotations": map[string]string{"pv.kubernetes.io/provisioned-by": volumeProvisioner}},
			"spec": map[string]any{
				"capacity":                      map[string]string{"storage": c.Spec.Resources.Requests["storage"]},
				"accessModes":                   c.Spec.AccessModes,
				"volumeMode":                    c.Spec.VolumeMode,
				"persistentVolumeReclaimPolicy": "Delete",
				"storageClassName":              "standard",
				"claimRef":                      map[string]string{"namespace": c.Metadata.Namespace, "name": c.Metadata.Name, "uid": c.Metadata.UID},
				"hostPath":                      map[string]string{"path": path, "type": "Directory"},
			},
		}
		if err := v.api.create(ctx, "/api/v1/persistentvolumes", pv); err != nil {
			return err
		}
	}
	return nil
}

// reclaim removes the directory and the volume of every released volume of ours.
func (v *volumes) reclaim(ctx context.Context) error {
	var list struct {
		Items []struct {
			Metadata struct {
				Name        string
				Annotations map[string]string
			}
			Spec struct {
				HostPath struct{ Path string } `json:"hostPath"`
			}
			Status struct{ Phase string }
		}
	}
	if err := v.api.get(ctx, "/api/v1/persistentvolumes", &list); err != nil {
		return err
	}
	for _, pv := range list.Items {
		if pv.Metadata.Annotations["pv.kubernetes.io/provisioned-by"] != volumeProvisioner || pv.Status.Phase != "Released" {
			continue
		}
		path := pv.Spec.HostPath.Path
		if filepath.Dir(path) != v.dir {
			return fmt.Errorf("volume %s: %s is not one of ours (%s)", pv.Metadata.Name, path, v.dir)
		}
		if err := noMountsUnder(path); err != nil {
			continue // a pod still has it mounted: next time
		}
		if err := os.RemoveAll(path); err != nil {
			return err
		}
		status, body, err := v.api.do(ctx, http.MethodDelete, "/api/v1/persistentvolumes/"+pv.Metadata.Name, nil)
		if err != nil {
			return err
		}
		if status != http.StatusOK && status != http.StatusNotFound {
			return fmt.Errorf("deleting volume %s: %d %s", pv.Metadata.Name, status, body)
		}
	}
	return nil
}

// get decodes the JSON answer of a GET.
func (k *kubeAPI) get(ctx context.Context, path string, out any) error {
	status, body, err := k.do(ctx, http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("GET %s: %d %s", path, status, body)
	}
	return json.Unmarshal(body, out)
}
