package kubernetes_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8s "k8s.io/client-go/kubernetes"

	"github.com/basalt-dev/basalt/sdk"
)

// TestLookupStaysInTheProjectNamespace renders Onyxia's jupyter-python with a value that its
// library chart passes through tpl, holding a Helm lookup of another tenant's Secret. The core
// refuses such values; this test bypasses it, as a chart that looks up on its own would: the
// render runs as the namespace's release ServiceAccount, which the API server refuses outside
// the namespace, so the install fails and nothing of bob's reaches alice's namespace.
func TestLookupStaysInTheProjectNamespace(t *testing.T) {
	p, admin := newRegion(t, nil)
	ctx := t.Context()
	alice := sdk.Caller{Username: unique("alice-")}
	bob := sdk.Caller{Username: unique("bob-")}
	aliceProject := sdk.Project{ID: "user-" + alice.Username}
	bobProject := sdk.Project{ID: "user-" + bob.Username}
	var aliceNS, bobNS string
	for _, u := range []struct {
		caller  sdk.Caller
		project sdk.Project
		ns      *string
	}{{alice, aliceProject, &aliceNS}, {bob, bobProject, &bobNS}} {
		resp, err := p.Onboard(ctx, sdk.OnboardRequest{Caller: u.caller, Project: u.project})
		if err != nil {
			t.Fatalf("Onboard %s: %v", u.project.ID, err)
		}
		*u.ns = resp.Namespace
		dropNamespace(t, admin, resp.Namespace)
	}
	canary := unique("bobs-secret-")
	_, err := admin.CoreV1().Secrets(bobNS).Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "bobs"},
		StringData: map[string]string{"token": canary},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// A lookup in the project's own namespace still works: Onyxia's charts find their
	// discovery Secrets that way.
	_, err = admin.CoreV1().Secrets(aliceNS).Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "alices"},
		StringData: map[string]string{"token": "alice-own"},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}

	install := func(name, lookupNS, secret string) error {
		var v map[string]any
		if err := json.Unmarshal(values(name), &v); err != nil {
			t.Fatal(err)
		}
		v["extraEnvVars"] = []map[string]string{{
			"name":  "STOLEN",
			"value": `{{ (lookup "v1" "Secret" "` + lookupNS + `" "` + secret + `").data | toJson }}`,
		}}
		raw, _ := json.Marshal(v)
		_, err := p.Install(ctx, sdk.InstallRequest{
			Caller: alice, Project: aliceProject, ReleaseName: name, Archive: bytes.NewReader(jupyterArchive(t)),
			Values: raw, Metadata: sdk.ReleaseMetadata{Catalog: "interactive", Chart: "jupyter-python", Owner: alice.Username}, Timeout: time.Minute,
		})
		return err
	}

	own := "jupyter-" + unique("")
	if err := install(own, aliceNS, "alices"); err != nil {
		t.Fatalf("a lookup in the project's own namespace: %v", err)
	}
	if got := extraEnv(t, admin, aliceNS, own)["STOLEN"]; !strings.Contains(got, "token") {
		t.Errorf("the lookup in alice's own namespace rendered %q, want her Secret's data", got)
	}

	stolen := "jupyter-" + unique("")
	err = install(stolen, bobNS, "bobs")
	if err == nil {
		t.Errorf("the install that looks up bob's Secret succeeded; want the API server's refusal")
		extraEnv(t, admin, aliceNS, stolen) // wait for what it wrote
	} else if !errors.Is(err, sdk.ErrPermissionDenied) && !strings.Contains(err.Error(), "forbidden") {
		t.Errorf("the install that looks up bob's Secret failed with %v; want the API server's refusal (forbidden)", err)
	}
	secrets, err := admin.CoreV1().Secrets(aliceNS).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets.Items {
		for k, v := range s.Data {
			if bytes.Contains(v, []byte(canary)) || strings.Contains(string(v), encodeB64(canary)) {
				t.Errorf("bob's Secret reached alice's namespace: Secret %s, key %s", s.Name, k)
			}
		}
	}
}

// extraEnv reads the Secret the library chart writes extraEnvVars into, once Helm, which goes
// on after Install returns, has created it.
func extraEnv(t *testing.T, client k8s.Interface, ns, release string) map[string]string {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	var (
		s   *corev1.Secret
		err error
	)
	for s == nil && err == nil {
		var list *corev1.SecretList
		list, err = client.CoreV1().Secrets(ns).List(t.Context(), metav1.ListOptions{})
		for i, item := range list.Items { // the library chart names it <fullname>-secretextraenv
			if strings.HasPrefix(item.Name, release+"-") && strings.HasSuffix(item.Name, "-secretextraenv") {
				s = &list.Items[i]
			}
		}
		if s == nil && time.Now().After(deadline) {
			t.Fatalf("no extra environment Secret of %s after 90 s", release)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("the extra environment Secret of %s: %v", release, err)
	}
	out := map[string]string{}
	for k, v := range s.Data {
		out[k] = string(v)
	}
	return out
}

func encodeB64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// recordsChart renders a ConfigMap that tells, for each Secret lookup finds in the namespace,
// its name and whether it came with data.
var recordsChart = map[string]string{
	"Chart.yaml": "apiVersion: v2\nname: records\nversion: 0.1.0\n",
	"templates/seen.yaml": `apiVersion: v1
kind: ConfigMap
metadata: {name: "{{ .Release.Name }}"}
data:
{{- range (lookup "v1" "Secret" .Release.Namespace "").items }}
  {{ .metadata.name }}: "{{ if .data }}data{{ else }}none{{ end }}"
{{- end }}
`,
}

// TestLookupsSeeRecordsWithoutTheirData: Helm's lookup lists the namespace's Secrets with
// Helm's release records among them, named as they are, but without their data (another
// service's values, gzipped); every other Secret comes whole.
func TestLookupsSeeRecordsWithoutTheirData(t *testing.T) {
	p, client, alice, personal := projectOfOne(t, nil)
	ctx := t.Context()
	web := installWeb(t, p, alice, personal, webArchive(t))
	waitFor(t, p, web, "deployed", func(r sdk.Release) bool { return r.Status == sdk.StatusDeployed })
	if _, err := client.CoreV1().Secrets(personal.ID).Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "discovery"}, StringData: map[string]string{"url": "postgres://db"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	name := unique("seer-")
	if _, err := p.Install(ctx, sdk.InstallRequest{
		Caller: alice, Project: personal, ReleaseName: name, Archive: bytes.NewReader(chartArchive(t, "records", recordsChart)),
		Metadata: sdk.ReleaseMetadata{Catalog: "test", Chart: "records", Owner: alice.Username},
	}); err != nil {
		t.Fatal(err)
	}
	var seen map[string]string
	deadline := time.Now().Add(30 * time.Second)
	for {
		cm, err := client.CoreV1().ConfigMaps(personal.ID).Get(ctx, name, metav1.GetOptions{})
		if err == nil {
			seen = cm.Data
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s rendered nothing: %v", name, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	record := "sh.helm.release.v1." + web.Name + ".v1"
	if got, ok := seen[record]; !ok || got != "none" {
		t.Errorf("lookup gave the release record %s as %q (listed: %v), want it listed without data", record, got, ok)
	}
	if got := seen["discovery"]; got != "data" {
		t.Errorf("lookup gave the Secret made by hand as %q, want it with its data", got)
	}
}
