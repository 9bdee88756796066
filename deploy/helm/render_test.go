package helm_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/basalt-dev/basalt/deploy/testenv"
)

const (
	chartDir         = "basalt"
	productionValues = "basalt/ci/production-values.yaml"
	release          = "datalab"
)

// helmCmd runs the helm CLI the test environment built and returns its combined output.
func helmCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return helmCmdContext(t.Context(), t, args...)
}

// helmCmdContext is helmCmd for clean-ups, which run after t's context is cancelled.
func helmCmdContext(ctx context.Context, t *testing.T, args ...string) (string, error) {
	t.Helper()
	env := testenv.Require(t)
	cmd := exec.CommandContext(ctx, env.Helm, args...)
	cmd.Env = append(cmd.Environ(), "KUBECONFIG="+env.Kubeconfig)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// manifest is one rendered object: its kind and name, and its YAML to decode further.
type manifest struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name        string            `yaml:"name"`
		Annotations map[string]string `yaml:"annotations"`
	} `yaml:"metadata"`
	raw []byte
}

type manifests []manifest

// render runs helm template on the chart with args (values files, --set...) and fails t when
// it fails.
func render(t *testing.T, args ...string) manifests {
	t.Helper()
	out, err := helmCmd(t, append([]string{"template", release, chartDir, "--namespace", "datalab"}, args...)...)
	if err != nil {
		t.Fatalf("helm template %v: %v\n%s", args, err, out)
	}
	var ms manifests
	dec := yaml.NewDecoder(strings.NewReader(out))
	for {
		var node yaml.Node
		err := dec.Decode(&node)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("rendered YAML: %v\n%s", err, out)
		}
		var m manifest
		if err := node.Decode(&m); err != nil {
			t.Fatal(err)
		}
		if m.Kind == "" {
			continue
		}
		var raw bytes.Buffer
		if err := yaml.NewEncoder(&raw).Encode(&node); err != nil {
			t.Fatal(err)
		}
		m.raw = raw.Bytes()
		ms = append(ms, m)
	}
	return ms
}

// decodeNamed decodes the object of kind named name into out.
func (ms manifests) decodeNamed(t *testing.T, kind, name string, out any) {
	t.Helper()
	for _, m := range ms {
		if m.Kind == kind && m.Metadata.Name == name {
			if err := yaml.Unmarshal(m.raw, out); err != nil {
				t.Fatalf("%s %s: %v", kind, name, err)
			}
			return
		}
	}
	t.Fatalf("no %s named %s rendered", kind, name)
}

// has reports whether an object of kind was rendered.
func (ms manifests) has(kind string) bool {
	for _, m := range ms {
		if m.Kind == kind {
			return true
		}
	}
	return false
}

// decode decodes the only object of kind into out.
func (ms manifests) decode(t *testing.T, kind string, out any) {
	t.Helper()
	var found []manifest
	for _, m := range ms {
		if m.Kind == kind {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one %s, rendered %d", kind, len(found))
	}
	if err := yaml.Unmarshal(found[0].raw, out); err != nil {
		t.Fatalf("%s: %v", kind, err)
	}
}

// The parts of rendered objects the tests read.
type (
	deployment struct {
		Spec struct {
			Replicas int `yaml:"replicas"`
			Template struct {
				Metadata struct {
					Annotations map[string]string `yaml:"annotations"`
				} `yaml:"metadata"`
				Spec podSpec `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	podSpec struct {
		ServiceAccountName string `yaml:"serviceAccountName"`
		SecurityContext    struct {
			RunAsNonRoot bool  `yaml:"runAsNonRoot"`
			RunAsUser    int64 `yaml:"runAsUser"`
		} `yaml:"securityContext"`
		Containers []container `yaml:"containers"`
		Volumes    []volume    `yaml:"volumes"`
	}
	container struct {
		Image      string   `yaml:"image"`
		Args       []string `yaml:"args"`
		WorkingDir string   `yaml:"workingDir"`
		Env        []envVar `yaml:"env"`
		Ports      []struct {
			Name          string `yaml:"name"`
			ContainerPort int    `yaml:"containerPort"`
		} `yaml:"ports"`
		StartupProbe   *probe `yaml:"startupProbe"`
		LivenessProbe  *probe `yaml:"livenessProbe"`
		ReadinessProbe *probe `yaml:"readinessProbe"`
		Resources      struct {
			Requests map[string]string `yaml:"requests"`
		} `yaml:"resources"`
		SecurityContext struct {
			ReadOnlyRootFilesystem   bool  `yaml:"readOnlyRootFilesystem"`
			AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
			RunAsNonRoot             bool  `yaml:"runAsNonRoot"`
			Capabilities             struct {
				Drop []string `yaml:"drop"`
			} `yaml:"capabilities"`
		} `yaml:"securityContext"`
		VolumeMounts []struct {
			Name      string `yaml:"name"`
			MountPath string `yaml:"mountPath"`
			ReadOnly  bool   `yaml:"readOnly"`
		} `yaml:"volumeMounts"`
	}
	probe struct {
		HTTPGet struct {
			Path string `yaml:"path"`
			Port string `yaml:"port"`
		} `yaml:"httpGet"`
	}
	envVar struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom *struct {
			SecretKeyRef *struct {
				Name     string `yaml:"name"`
				Key      string `yaml:"key"`
				Optional bool   `yaml:"optional"`
			} `yaml:"secretKeyRef"`
		} `yaml:"valueFrom"`
	}
	volume struct {
		Name      string `yaml:"name"`
		ConfigMap *struct {
			Name string `yaml:"name"`
		} `yaml:"configMap"`
		Secret *struct {
			SecretName string `yaml:"secretName"`
			Items      []struct {
				Key  string `yaml:"key"`
				Path string `yaml:"path"`
			} `yaml:"items"`
		} `yaml:"secret"`
		EmptyDir map[string]any `yaml:"emptyDir"`
	}
	configMap struct {
		Data map[string]string `yaml:"data"`
	}
	secret struct {
		Metadata struct {
			Name string `yaml:"name"`
		} `yaml:"metadata"`
		Data map[string]string `yaml:"data"` // base64
	}
	policyRule struct {
		APIGroups       []string `yaml:"apiGroups,omitempty"`
		Resources       []string `yaml:"resources,omitempty"`
		Verbs           []string `yaml:"verbs"`
		ResourceNames   []string `yaml:"resourceNames,omitempty"`
		NonResourceURLs []string `yaml:"nonResourceURLs,omitempty"`
	}
	clusterRole struct {
		Metadata struct {
			Labels map[string]string `yaml:"labels"`
		} `yaml:"metadata"`
		Rules []policyRule `yaml:"rules"`
	}
)

// value returns the decoded value of key, and whether the Secret has it.
func (s secret) value(t *testing.T, key string) (string, bool) {
	t.Helper()
	encoded, ok := s.Data[key]
	if !ok {
		return "", false
	}
	b, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		t.Fatalf("secret key %s: %v", key, err)
	}
	return string(b), true
}

// container returns the pod's only container.
func (d deployment) container(t *testing.T) container {
	t.Helper()
	if n := len(d.Spec.Template.Spec.Containers); n != 1 {
		t.Fatalf("want one container, got %d", n)
	}
	return d.Spec.Template.Spec.Containers[0]
}
