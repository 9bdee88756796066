package kubernetes_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/basalt-dev/basalt/sdk"
)

// TestSecretData installs jupyter-python with secret data: the Secret exists before the chart
// renders (the chart's extraEnvVars read it with lookup, so the pod gets it as environment
// variables), belongs to the release's first Helm record, and goes with the release.
func TestSecretData(t *testing.T) {
	p, client := newRegion(t, nil)
	ctx := t.Context()
	alice := sdk.Caller{Username: unique("alice-")}
	project := sdk.Project{ID: "user-" + alice.Username}
	dropNamespace(t, client, project.ID)
	if _, err := p.Onboard(ctx, sdk.OnboardRequest{Caller: alice, Project: project}); err != nil {
		t.Fatal(err)
	}
	name := "jupyter-python-" + unique("")
	secretName := sdk.ReleaseSecretName(name)
	var vals map[string]any
	_ = json.Unmarshal(values(name), &vals)
	vals["extraEnvVars"] = []any{map[string]any{"name": "API_KEY",
		"value": fmt.Sprintf(`{{ index (lookup "v1" "Secret" %q %q).data "API_KEY" | b64dec }}`, project.ID, secretName)}}
	raw, _ := json.Marshal(vals)
	md := sdk.ReleaseMetadata{Catalog: "interactive", Chart: "jupyter-python", Owner: alice.Username, SecretsTokenAccessor: "accessor-of-the-test"}
	if _, err := p.Install(ctx, sdk.InstallRequest{Caller: alice, Project: project, ReleaseName: name,
		Archive: strings.NewReader(string(jupyterArchive(t))), Values: raw, Metadata: md, Timeout: 2 * time.Minute,
		SecretData: map[string]string{"API_KEY": "s3cr3t-value"}}); err != nil {
		t.Fatalf("Install: %v", err)
	}
	ref := sdk.ReleaseRef{Caller: alice, Project: project, Name: name}
	rel := waitFor(t, p, ref, "ready", sdk.Release.Ready)
	if rel.Metadata.SecretsTokenAccessor != md.SecretsTokenAccessor {
		t.Errorf("the release's metadata lost the token accessor: %+v", rel.Metadata)
	}

	sec, err := client.CoreV1().Secrets(project.ID).Get(ctx, secretName, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the secret data's Secret: %v", err)
	}
	if string(sec.Data["API_KEY"]) != "s3cr3t-value" || len(sec.OwnerReferences) != 1 || sec.OwnerReferences[0].Name != "sh.helm.release.v1."+name+".v1" {
		t.Errorf("the secret data's Secret: keys %d, owners %+v", len(sec.Data), sec.OwnerReferences)
	}
	env, err := client.CoreV1().Secrets(project.ID).Get(ctx, name+"-secretextraenv", metav1.GetOptions{})
	if err != nil || string(env.Data["API_KEY"]) != "s3cr3t-value" {
		t.Fatalf("the chart's environment Secret did not read the secret data: %v", err)
	}
	var sts *appsv1.StatefulSet
	if sts, err = client.AppsV1().StatefulSets(project.ID).Get(ctx, name, metav1.GetOptions{}); err != nil {
		t.Fatal(err)
	}
	if !envFromSecret(sts, name+"-secretextraenv") {
		t.Errorf("the pod takes no environment from %s-secretextraenv", name)
	}

	if _, err := p.Uninstall(ctx, sdk.UninstallRequest{ReleaseRef: ref}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CoreV1().Secrets(project.ID).Get(ctx, secretName, metav1.GetOptions{}); err == nil {
		t.Errorf("the secret data's Secret outlived its release")
	}
}

// envFromSecret reports whether a container of the StatefulSet takes its environment from the
// named Secret.
func envFromSecret(sts *appsv1.StatefulSet, secret string) bool {
	for _, c := range sts.Spec.Template.Spec.Containers {
		for _, e := range c.EnvFrom {
			if e.SecretRef != nil && e.SecretRef.Name == secret {
				return true
			}
		}
	}
	return false
}
