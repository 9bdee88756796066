package kubernetes

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/basalt-dev/basalt/sdk"
)

// exampleConfig is the configuration the report documents.
const exampleConfig = `{
  "kubeconfig": "/etc/basalt/kubeconfig",
  "qps": 200, "burst": 400,
  "namespaces": {
    "namespacePrefix": "user-", "groupNamespacePrefix": "projet-",
    "includedGroupPattern": "^(.*)_k8s$", "transformGroupPattern": "$1",
    "namespaceLabels": {"team": "datalab"}, "namespaceAnnotations": {"owner": "basalt"}
  },
  "access": {"authenticationMode": "impersonate", "usernamePrefix": "oidc:", "groupPrefix": "oidc:"},
  "quotas": {
    "user": {"requests.cpu": "10", "requests.memory": "20Gi", "count/pods": "50"},
    "roles": {"gpu": {"requests.nvidia.com/gpu": "2", "requests.cpu": "20"}},
    "group": {"requests.cpu": "40"},
    "manualMarker": "onyxia_ignore"
  },
  "expose": {"domain": "lab.example.org", "ingressClassName": "nginx", "ingress": true, "route": false, "istio": {"enabled": false}},
  "defaultTimeout": "10m",
  "historyMax": 10
}`

func TestSchemaAcceptsWhatConfigureAccepts(t *testing.T) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(configSchema))
	if err != nil {
		t.Fatal(err)
	}
	compiler := jsonschema.NewCompiler()
	compiler.DefaultDraft(jsonschema.Draft2020)
	if err := compiler.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := compiler.Compile("schema.json")
	if err != nil {
		t.Fatalf("schema: %v", err)
	}
	for _, tc := range []struct {
		config string
		ok     bool
	}{
		{exampleConfig, true},
		{`{}`, true},
		{`{"inCluster": true, "namespaces": {"singleNamespace": "basalt-services"}}`, true},
		{`{"unknown": 1}`, false},
		{`{"historyMax": 1}`, false},
		{`{"access": {"authenticationMode": "tokenPassthrough"}}`, false},
		{`{"defaultTimeout": "ten minutes"}`, false},
		{`{"simulatedNodeAnnotation": ""}`, true},
		{`{"simulatedNodeAnnotation": "example.org/simulated=yes"}`, true},
		{`{"simulatedNodeAnnotation": "kwok.x-k8s.io/node"}`, false},
		{`{"simulatedNodeAnnotation": "=fake"}`, false},
		{`{"simulatedNodeAnnotation": "Not A Name=fake"}`, false},
		{`{"kubeconfig": "/run/sandbox/kubeconfig", "startup": {"readyFile": "/run/sandbox/env", "progressFile": "/run/sandbox/progress"}}`, true},
		{`{"startup": {"progressFile": "/run/sandbox/progress"}}`, false},
		{`{"startup": {"readyFile": ""}}`, false},
	} {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(tc.config))
		if err != nil {
			t.Fatal(err)
		}
		schemaErr := schema.Validate(inst)
		_, parseErr := parseConfig([]byte(tc.config))
		if (schemaErr == nil) != tc.ok || (parseErr == nil) != tc.ok {
			t.Errorf("%s: schema says %v, parseConfig %v; want ok=%v", tc.config, schemaErr, parseErr, tc.ok)
		}
	}
}

func TestParseConfigRefusesBadQuantitiesAndPatterns(t *testing.T) {
	_, err := parseConfig([]byte(`{"quotas": {"user": {"requests.cpu": "lots"}}, "namespaces": {"includedGroupPattern": "("}}`))
	if !errors.Is(err, sdk.ErrInvalidArgument) || len(sdk.FieldsOf(err)) != 2 {
		t.Errorf("parseConfig: %v (fields %v)", err, sdk.FieldsOf(err))
	}
}

func TestStartupExcludesInCluster(t *testing.T) {
	_, err := parseConfig([]byte(`{"inCluster": true, "startup": {"readyFile": "/run/sandbox/env"}}`))
	if fields := sdk.FieldsOf(err); len(fields) != 1 || fields[0].Field != "startup" {
		t.Errorf("parseConfig: %v, want the field startup refused", err)
	}
}

func TestNamespaceOf(t *testing.T) {
	s, err := parseConfig([]byte(exampleConfig))
	if err != nil {
		t.Fatal(err)
	}
	alice := sdk.Caller{Username: "Alice.Martin", Roles: []string{"user", "gpu"}, Groups: []string{"sspcloud_k8s", "other", "g"}}
	for _, tc := range []struct {
		project sdk.Project
		want    string
	}{
		{sdk.Project{ID: "user-alice"}, "user-alice-martin--d2761f91befc1c65"}, // not a simple name: its slug and a hash
		{sdk.Project{ID: "project-x", Group: "sspcloud_k8s"}, "projet-sspcloud"},
		{sdk.Project{ID: "project-y", Group: "other"}, ""}, // outside includedGroupPattern
	} {
		got, err := s.namespaceOf(alice, tc.project)
		if got != tc.want || (tc.want == "") != errors.Is(err, sdk.ErrNotFound) {
			t.Errorf("namespaceOf(%+v) = %q, %v; want %q", tc.project, got, err, tc.want)
		}
	}
	if q := s.quotaOf(alice, sdk.Project{ID: "user-alice"}); q["requests.nvidia.com/gpu"] != "2" {
		t.Errorf("quota of a gpu user: %v", q)
	}
	if q := s.quotaOf(alice, sdk.Project{ID: "g", Group: "sspcloud_k8s"}); q["requests.cpu"] != "40" {
		t.Errorf("quota of a group: %v", q)
	}
	single, _ := parseConfig([]byte(`{"namespaces": {"singleNamespace": "shared"}}`))
	if ns, _ := single.namespaceOf(alice, sdk.Project{ID: "project-x", Group: "g"}); ns != "shared" {
		t.Errorf("single namespace: %q", ns)
	}
}

const manifest = `---
# Source: chart/templates/statefulset.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: jupyter-1
spec:
  replicas: 1
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: jupyter-1-ui
spec:
  rules:
  - host: jupyter-1.lab.example.org
    http:
      paths:
      - path: /
      - path: /proxy/
---
apiVersion: route.openshift.io/v1
kind: Route
metadata:
  name: jupyter-1
spec:
  host: route.example.org
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: helper
`

func TestSummarize(t *testing.T) {
	sum := summarize(manifest, urlKinds{ingress: true})
	wantURLs := []string{"https://jupyter-1.lab.example.org", "https://jupyter-1.lab.example.org/proxy"}
	if !slices.Equal(sum.urls, wantURLs) {
		t.Errorf("urls %v, want %v", sum.urls, wantURLs)
	}
	if len(sum.workloads) != 2 || sum.workloads[1] != (workloadRef{"Deployment", "helper", 1}) {
		t.Errorf("workloads %+v", sum.workloads)
	}
	if withRoutes := summarize(manifest, urlKinds{route: true}); !slices.Equal(withRoutes.urls, []string{"https://route.example.org"}) {
		t.Errorf("route urls %v", withRoutes.urls)
	}
	f := newEventFilter(sum)
	for _, tc := range []struct {
		kind, name string
		keep       bool
	}{
		{"StatefulSet", "jupyter-1", true},
		{"Pod", "jupyter-1-0", true},
		{"ReplicaSet", "helper-5d8f9", true},
		{"Ingress", "jupyter-1-ui", true},
		{"Pod", "jupyter-10-0", false},
		{"StatefulSet", "other", false},
	} {
		if f.keeps(tc.kind, tc.name) != tc.keep {
			t.Errorf("event filter keeps %s/%s: %v", tc.kind, tc.name, !tc.keep)
		}
	}
}
