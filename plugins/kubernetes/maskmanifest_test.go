package kubernetes

import (
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/sdk"
)

func TestMaskManifest(t *testing.T) {
	manifest := `---
# Source: jupyter/templates/secret.yaml
apiVersion: v1
kind: Secret
metadata:
  name: nb-token
stringData:
  token: plain-token-4f2a
data:
  password: cGxhaW4tcGFzc3dvcmQ=
---
# Source: jupyter/templates/statefulset.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: nb
spec:
  template:
    spec:
      containers:
      - name: jupyter
        image: jupyter:1
        env:
        - name: JUPYTER_TOKEN
          value: env-token-9c1b
        - name: HOME
          value: /home/onyxia
        - name: FROM_SECRET_TOKEN
          valueFrom:
            secretKeyRef: {name: nb-token, key: token}
---
: not yaml [
`
	got := maskManifest(manifest)
	for _, leak := range []string{"plain-token-4f2a", "cGxhaW4tcGFzc3dvcmQ=", "env-token-9c1b", "not yaml"} {
		if strings.Contains(got, leak) {
			t.Errorf("%q still shown:\n%s", leak, got)
		}
	}
	for _, kept := range []string{"# Source: jupyter/templates/statefulset.yaml", "/home/onyxia", "secretKeyRef", "name: nb-token", "kind: StatefulSet"} {
		if !strings.Contains(got, kept) {
			t.Errorf("%q lost:\n%s", kept, got)
		}
	}
	if strings.Count(got, sdk.Masked) != 3 {
		t.Errorf("want 3 masked values:\n%s", got)
	}
}
