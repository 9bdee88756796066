package helm_test

import (
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestChartLints(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{nil, {"-f", productionValues}} {
		out, err := helmCmd(t, append([]string{"lint", "--strict", chartDir}, args...)...)
		if err != nil || !strings.Contains(out, "0 chart(s) failed") {
			t.Errorf("helm lint --strict %v: %v\n%s", args, err, out)
		}
	}
}

func TestDeploymentRunsHardened(t *testing.T) {
	t.Parallel()
	var d deployment
	render(t).decode(t, "Deployment", &d)
	c := d.container(t)
	if c.StartupProbe == nil || c.LivenessProbe == nil || c.ReadinessProbe == nil {
		t.Fatal("startup, liveness and readiness probes are all needed")
	}
	if c.LivenessProbe.HTTPGet.Path != "/healthz" || c.ReadinessProbe.HTTPGet.Path != "/readyz" {
		t.Errorf("probes: liveness %s, readiness %s; want /healthz and /readyz", c.LivenessProbe.HTTPGet.Path, c.ReadinessProbe.HTTPGet.Path)
	}
	if len(c.Ports) != 1 || c.Ports[0].Name != "http" || c.ReadinessProbe.HTTPGet.Port != "http" {
		t.Errorf("ports %+v: probes must reach the port Basalt listens on", c.Ports)
	}
	sc := c.SecurityContext
	if !sc.ReadOnlyRootFilesystem || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation || !slices.Equal(sc.Capabilities.Drop, []string{"ALL"}) {
		t.Errorf("container securityContext %+v: want a read-only root, no privilege escalation, every capability dropped", sc)
	}
	if pod := d.Spec.Template.Spec.SecurityContext; !pod.RunAsNonRoot || pod.RunAsUser == 0 {
		t.Errorf("pod securityContext %+v: want a non-root user", pod)
	}
	if c.Resources.Requests["cpu"] == "" || c.Resources.Requests["memory"] == "" {
		t.Errorf("resource requests %v: want cpu and memory", c.Resources.Requests)
	}
	// With a read-only root, every directory Basalt writes must be a volume.
	writable := map[string]bool{}
	for _, m := range c.VolumeMounts {
		if !m.ReadOnly {
			writable[m.MountPath] = true
		}
	}
	for _, dir := range []string{"/tmp", c.WorkingDir + "/data", c.WorkingDir + "/cache"} {
		if !writable[dir] {
			t.Errorf("%s is not a writable volume; mounts %+v", dir, c.VolumeMounts)
		}
	}
	if d.Spec.Template.Metadata.Annotations["checksum/config"] == "" {
		t.Error("no checksum/config annotation: pods would not roll on a configuration change")
	}
}

// Pods roll when the configuration changes, and only then.
func TestPodsRollOnConfigurationChange(t *testing.T) {
	t.Parallel()
	checksum := func(args ...string) string {
		var d deployment
		render(t, args...).decode(t, "Deployment", &d)
		return d.Spec.Template.Metadata.Annotations["checksum/config"]
	}
	base := checksum()
	if checksum("--set", "config.log.level=debug") == base {
		t.Error("a configuration change leaves checksum/config unchanged")
	}
	if checksum("--set-string", "configFiles.region\\.yaml=services: {}") == base {
		t.Error("a change of configFiles leaves checksum/config unchanged")
	}
	if checksum("--set", "replicaCount=3") != base {
		t.Error("scaling changes checksum/config: every scale would restart the pods")
	}
}

func TestSchemaRejectsTypos(t *testing.T) {
	t.Parallel()
	// Helm reports every violation at once: one render checks them all.
	cases := []struct{ set, names string }{
		{"ingres.enabled=true", "additional properties 'ingres'"},
		{"service.porrt=8080", "'/service': additional properties 'porrt'"},
		{"config.logs.level=debug", "'/config': additional properties 'logs'"},
		{"rbac.impersonation=true", "'/rbac': additional properties 'impersonation'"},
		{"secret.sessionKey=too-short", "'/secret/sessionKey'"},
		{"image.pullPolicy=Sometimes", "'/image/pullPolicy'"},
		{"secret.create=false", "'/secret/existingSecret'"},
		// The exporter's credentials belong in the Secret, not the ConfigMap.
		{"config.telemetry.tracing.headers.Authorization=token", "'/config/telemetry/tracing': additional properties 'headers'"},
	}
	args := []string{"template", release, chartDir}
	for _, c := range cases {
		args = append(args, "--set", c.set)
	}
	out, err := helmCmd(t, args...)
	if err == nil || !strings.Contains(out, "schema") {
		t.Fatalf("values with typos rendered, or failed for another reason: %v\n%s", err, out)
	}
	for _, c := range cases {
		if !strings.Contains(out, c.names) {
			t.Errorf("--set %s: the error does not name %q", c.set, c.names)
		}
	}
	if t.Failed() {
		t.Log(out)
	}
}

// The ClusterRole is exactly what plugins/kubernetes/README.md documents as the region
// plugin's least privilege: no more, no less. Impersonation is the constrained kind, whose
// rights to act come with admin, never the impersonate verb that takes any name at all.
func TestClusterRoleIsThePluginsLeastPrivilege(t *testing.T) {
	t.Parallel()
	documented := documentedRules(t)
	var role clusterRole
	render(t, inClusterRegion...).decode(t, "ClusterRole", &role)
	if !reflect.DeepEqual(role.Rules, documented) {
		t.Errorf("ClusterRole rules differ from plugins/kubernetes/README.md:\nrendered   %+v\ndocumented %+v", role.Rules, documented)
	}

	impersonating := render(t, append(inClusterRegion, "--set", "rbac.impersonate=true")...)
	impersonating.decodeNamed(t, "ClusterRole", release+"-basalt", &role)
	if want := append(slices.Clone(documented), documentedImpersonationRules(t)...); !reflect.DeepEqual(role.Rules, want) {
		t.Errorf("with rbac.impersonate the rules are %+v, want the README's two lists %+v", role.Rules, want)
	}
	var actAs clusterRole
	impersonating.decodeNamed(t, "ClusterRole", release+"-basalt-impersonate-on", &actAs)
	if actAs.Metadata.Labels["rbac.authorization.k8s.io/aggregate-to-admin"] != "true" {
		t.Errorf("the impersonate-on ClusterRole is not aggregated into admin: labels %v", actAs.Metadata.Labels)
	}
	for _, r := range actAs.Rules {
		for _, verb := range r.Verbs {
			if !strings.HasPrefix(verb, "impersonate-on:user-info:") {
				t.Errorf("the ClusterRole aggregated into admin grants %q: everyone holding admin would get it", verb)
			}
		}
	}
	for _, r := range append(role.Rules, actAs.Rules...) {
		if slices.Contains(r.Verbs, "impersonate") || slices.Contains(r.Verbs, "*") {
			t.Errorf("rule %+v: the impersonate verb (or *) would let the plugin take any identity, system:masters included", r)
		}
	}

	if ms := render(t, append(inClusterRegion, "--set", "rbac.create=false")...); ms.has("ClusterRole") || ms.has("ClusterRoleBinding") || ms.has("ValidatingAdmissionPolicy") {
		t.Error("rbac.create false still renders cluster-wide RBAC")
	}
}

// The admission policy applies to the release's ServiceAccount, whatever its name.
func TestAdmissionPolicyNamesTheReleaseServiceAccount(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "system:serviceaccount:datalab:datalab-basalt"},
		{[]string{"--set", "serviceAccount.name=lab"}, "system:serviceaccount:datalab:lab"},
		{[]string{"--set", "serviceAccount.create=false", "--set", "serviceAccount.name=existing"}, "system:serviceaccount:datalab:existing"},
	} {
		var policy struct {
			Spec struct {
				MatchConditions []struct{ Expression string } `yaml:"matchConditions"`
			} `yaml:"spec"`
		}
		var binding struct {
			Spec struct {
				PolicyName        string   `yaml:"policyName"`
				ValidationActions []string `yaml:"validationActions"`
			} `yaml:"spec"`
		}
		ms := render(t, append(slices.Clone(inClusterRegion), c.args...)...)
		ms.decode(t, "ValidatingAdmissionPolicy", &policy)
		ms.decode(t, "ValidatingAdmissionPolicyBinding", &binding)
		if len(policy.Spec.MatchConditions) != 1 || !strings.Contains(policy.Spec.MatchConditions[0].Expression, `"`+c.want+`"`) {
			t.Errorf("%v: match conditions %+v, want one naming %s", c.args, policy.Spec.MatchConditions, c.want)
		}
		if binding.Spec.PolicyName != release+"-basalt-managed-namespaces" || !slices.Equal(binding.Spec.ValidationActions, []string{"Deny"}) {
			t.Errorf("%v: binding %+v: want the policy bound with Deny", c.args, binding.Spec)
		}
	}
}

// inClusterRegion turns on the embedded defaults' kubernetes region plugin, without a
// kubeconfig: it acts with the release's ServiceAccount.
var inClusterRegion = []string{"--set", "config.plugins.cluster.enabled=true"}

// The ClusterRole and its binding are rendered only when a region plugin acts with the
// release's ServiceAccount; otherwise they would grant rights nothing uses.
func TestClusterRoleOnlyForARegionInTheCluster(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
		want bool
	}{
		{"embedded defaults: no region plugin", nil, false},
		{"the embedded region plugin enabled", inClusterRegion, true},
		{"production values (inCluster)", []string{"-f", productionValues}, true},
		{"a region plugin of another name", []string{"--set", "config.plugins.k8s.kind=region", "--set", "config.plugins.k8s.path=basalt-plugin-kubernetes"}, true},
		{"a region plugin switched off", []string{"--set", "config.plugins.k8s.kind=region", "--set", "config.plugins.k8s.enabled=false"}, false},
		{"a region on another cluster (kubeconfig)", append(slices.Clone(inClusterRegion), "--set", "config.plugins.cluster.config.kubeconfig=/etc/basalt-secrets/kubeconfig"), false},
		{"a region in the cluster, rbac.create false", []string{"-f", productionValues, "--set", "rbac.create=false"}, false},
	}
	for _, c := range cases {
		ms := render(t, c.args...)
		if ms.has("ClusterRole") != c.want || ms.has("ClusterRoleBinding") != c.want {
			t.Errorf("%s: ClusterRole rendered %v, binding %v; want %v", c.name, ms.has("ClusterRole"), ms.has("ClusterRoleBinding"), c.want)
		}
		// The rights and the policy that confines them go together.
		if ms.has("ValidatingAdmissionPolicy") != c.want || ms.has("ValidatingAdmissionPolicyBinding") != c.want {
			t.Errorf("%s: admission policy rendered %v, binding %v; want %v", c.name, ms.has("ValidatingAdmissionPolicy"), ms.has("ValidatingAdmissionPolicyBinding"), c.want)
		}
	}
}

// documentedRules reads the first YAML block of the README's least-privilege section: the
// rules of both authentication modes.
func documentedRules(t *testing.T) []policyRule { return readmeRules(t, 0) }

// documentedImpersonationRules reads its second: what authenticationMode impersonate adds.
func documentedImpersonationRules(t *testing.T) []policyRule { return readmeRules(t, 1) }

func readmeRules(t *testing.T, block int) []policyRule {
	t.Helper()
	readme, err := os.ReadFile("../../plugins/kubernetes/README.md")
	if err != nil {
		t.Fatal(err)
	}
	section := regexp.MustCompile("(?s)## Least-privilege RBAC(.*?)\n## ").FindSubmatch(readme)
	if section == nil {
		t.Fatal("plugins/kubernetes/README.md has no section \"## Least-privilege RBAC\"")
	}
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllSubmatch(section[1], -1)
	if len(blocks) <= block {
		t.Fatalf("plugins/kubernetes/README.md has %d yaml blocks under \"## Least-privilege RBAC\", want %d", len(blocks), block+1)
	}
	var doc struct {
		Rules []policyRule `yaml:"rules"`
	}
	if err := yaml.Unmarshal(blocks[block][1], &doc); err != nil || len(doc.Rules) == 0 {
		t.Fatalf("the README's rules do not parse (%v):\n%s", err, blocks[block][1])
	}
	return doc.Rules
}

func TestServiceMonitorNeedsThePrometheusOperator(t *testing.T) {
	t.Parallel()
	if render(t, "--set", "serviceMonitor.enabled=true").has("ServiceMonitor") {
		t.Error("a ServiceMonitor is rendered on a cluster without monitoring.coreos.com/v1")
	}
	withOperator := []string{"--api-versions", "monitoring.coreos.com/v1/ServiceMonitor"}
	if render(t, withOperator...).has("ServiceMonitor") {
		t.Error("a ServiceMonitor is rendered while serviceMonitor.enabled is false")
	}
	if !render(t, append(withOperator, "--set", "serviceMonitor.enabled=true")...).has("ServiceMonitor") {
		t.Error("no ServiceMonitor although enabled and the operator's API is present")
	}
}

func TestProductionValuesRenderEveryObject(t *testing.T) {
	t.Parallel()
	ms := render(t, "-f", productionValues, "--api-versions", "monitoring.coreos.com/v1/ServiceMonitor")
	for _, kind := range []string{"Deployment", "Service", "ConfigMap", "Secret", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "Ingress", "HTTPRoute", "PodDisruptionBudget", "ServiceMonitor"} {
		if !ms.has(kind) {
			t.Errorf("no %s rendered", kind)
		}
	}
	var d deployment
	ms.decode(t, "Deployment", &d)
	if d.Spec.Replicas != 2 {
		t.Errorf("replicas %d, want 2", d.Spec.Replicas)
	}
	if c := d.container(t); c.Image != "registry.example.org/platform/basalt:0.1.0" {
		t.Errorf("image %q", c.Image)
	}
	var ingress struct {
		Spec struct {
			TLS []struct {
				SecretName string `yaml:"secretName"`
			} `yaml:"tls"`
			Rules []struct {
				Host string `yaml:"host"`
			} `yaml:"rules"`
		} `yaml:"spec"`
	}
	ms.decode(t, "Ingress", &ingress)
	// The portal's host, and the service gateway's apps domain (proxy mode), each with its certificate.
	if len(ingress.Spec.Rules) != 2 || ingress.Spec.Rules[0].Host != "datalab.example.org" || ingress.Spec.Rules[1].Host != "*.lab-apps.example.org" ||
		len(ingress.Spec.TLS) != 2 || ingress.Spec.TLS[0].SecretName != "datalab-tls" || ingress.Spec.TLS[1].SecretName != "lab-apps-wildcard-tls" {
		t.Errorf("ingress %+v", ingress.Spec)
	}
}

// In oidc mode without a session key, the chart makes one, so that every replica shares it.
func TestSessionKeyIsGeneratedForOIDC(t *testing.T) {
	t.Parallel()
	var s secret
	render(t, "--set", "config.auth.mode=oidc").decode(t, "Secret", &s)
	key, ok := s.value(t, "session-key")
	if !ok || len(strings.Trim(key, `"`)) < 32 {
		t.Fatalf("session-key %q: want a generated key of 32 characters or more", key)
	}
	render(t).decode(t, "Secret", &s)
	if _, ok := s.value(t, "session-key"); ok {
		t.Error("local mode got a session key it does not use")
	}
}
